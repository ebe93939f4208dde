/* SPDX-License-Identifier: MIT */
/*
 * Artifact detection and correction of RR series, after Lipponen and
 * Tarvainen, "A robust algorithm for heart rate variability time series
 * artefact correction using novel beat classification", J Med Eng Technol
 * 43(3):173-181, 2019 (the method of Kubios HRV's automatic correction).
 * src/core/artifact.c states the choices the paper leaves open.
 *
 * Batch form for whole recordings (intervals in ms), and a causal form for
 * the live view (struct vg_beat, 1/1024 s) that decides each beat
 * VG_ARTLIVE_DELAY beats after it arrived, in O(1) per beat with no
 * allocation at all.
 */
#ifndef VAGUS_ARTIFACT_H
#define VAGUS_ARTIFACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vagus/beats.h"
#include "vagus/rr.h"

enum vg_artifact_class {
	VG_ART_NONE = 0,
	VG_ART_ECTOPIC,	  /* premature beat with compensatory pause */
	VG_ART_LONGSHORT, /* a single interval too long or too short */
	VG_ART_MISSED,	  /* undetected beat: interval about twice as long */
	VG_ART_EXTRA,	  /* false detection: two intervals that sum to one */
};

/* Above this corrected-beat percentage a recording or window is suspect. */
#define VG_ARTIFACT_SUSPECT_PCT 5.0

/*
 * Counts are of input intervals. An ectopic beat sits between two wrong
 * intervals and an extra beat splits one interval in two: each counts 2.
 * A missed beat (one interval covering two) counts 1.
 */
struct vg_artifact_summary {
	size_t beats;	 /* intervals examined */
	size_t detected; /* intervals flagged, all classes */
	size_t ectopic;
	size_t missed;
	size_t extra;
	size_t longshort;
	double corrected_pct; /* 100 * detected / beats; 0 for no beats */
};

/*
 * Detects artifacts in @in and writes the corrected series to @out
 * (emptied first; @out must not be @in): missed beats are split in two,
 * extra beats merged with their neighbour, ectopic and long/short beats
 * replaced by interpolation. Corrected or inserted intervals carry
 * VG_RR_CORRECTED / VG_RR_INSERTED. Beat times stay as measured (an
 * inserted beat goes halfway, a removed one disappears), so the ms of an
 * interpolated interval, an estimate, need not equal its t_ms difference.
 * Gaps in @in are respected: no difference is taken across a
 * VG_RR_GAP_BEFORE boundary, and every gap mark survives.
 * @classes, if not NULL, receives the class of each of the in->n input
 * intervals. Takes O(n) time and about 50 bytes per interval of scratch.
 * Returns 0, -ENOMEM, or -EINVAL if an interval is not a positive finite
 * number (then @out is empty).
 */
int vg_artifacts_correct(const struct vg_rr_series *in,
			 struct vg_rr_series *out,
			 struct vg_artifact_summary *summary, uint8_t *classes);

/* Short lower-case class name ("ectopic", "missed", ...), never NULL. */
const char *vg_artifact_class_name(enum vg_artifact_class c);

/*
 * The causal form. Beat k is decided when beat k + VG_ARTLIVE_DELAY
 * arrives (or at a gap or vg_artlive_flush()), with the batch rule and
 * these differences: the 11-beat median is the same centred one (hence a
 * delay of 5), but the 91-beat thresholds come from the 91 latest dRR and
 * mRR values instead of a window centred on k, with one threshold for
 * all the neighbours of k; the right end of an interpolation is the first
 * later beat within Th2 of the median instead of the next normal one. The
 * threshold windows run on across gaps, and start empty: until they hold
 * 8 values the threshold is the cap (25 % of the median), so the first
 * beats of a session are judged leniently. Each push costs O(1): a
 * bounded sorted-window update (at most 91 values moved) and constant
 * work. All state is in the struct; nothing is ever allocated.
 */
#define VG_ARTLIVE_DELAY 5
/* Decisions one push can return: the pending beats flushed by a gap. */
#define VG_ARTLIVE_MAX_DECISIONS VG_ARTLIVE_DELAY
/* vg_artlive_recent_pct() covers this many latest decisions. */
#define VG_ARTLIVE_RECENT 64
#define VG_ARTLIVE_RING 16 /* > 2 * VG_ARTLIVE_DELAY + 2 */
#define VG_ARTLIVE_WIN 91

/* What became of one input beat. */
struct vg_artlive_decision {
	uint64_t seq; /* input beat decided: 0 for the first ever pushed */
	uint8_t cls;  /* enum vg_artifact_class */
	/*
	 * Beats to pass on, in order: 1, or 2 for a missed beat (the inserted
	 * beat first), or 0 for the second interval of an extra beat (the
	 * first one's decision carries the merged interval). Corrected beats
	 * carry VG_BEAT_ARTIFACT | VG_BEAT_CORRECTED; the first beat of a run
	 * carries VG_BEAT_GAP_BEFORE.
	 */
	uint8_t n;
	struct vg_beat beat[2];
};

/* A sliding window of the latest values, in arrival and in sorted order.
 * Private to artifact_live.c, like every field below. */
struct vg_artlive_win {
	double fifo[VG_ARTLIVE_WIN];
	double sorted[VG_ARTLIVE_WIN];
	unsigned head, n;
};

struct vg_artlive_beat {
	int64_t t;   /* 1/1024 s */
	uint32_t rr; /* 1/1024 s */
	uint8_t flags;
	uint8_t cls; /* class given ahead (pair partner), else 0 */
	double ms;   /* rr in ms */
	double drr;  /* ms - previous ms, when not a run's first */
	double med;  /* 11-beat median once decided, ms */
};

struct vg_artlive {
	struct vg_artlive_beat ring[VG_ARTLIVE_RING];
	uint64_t next;	    /* seq of the next beat pushed */
	uint64_t decided;   /* every beat before this seq is decided */
	uint64_t run_first; /* first beat of the current run */
	uint64_t med_first; /* oldest beat in the median window */
	uint64_t med_keys[12];
	unsigned med_n;
	struct vg_artlive_win dwin, mwin; /* dRR and mRR, ms */
	bool have_left;			  /* last normal beat of the run */
	uint64_t left_seq;
	double left_ms;
	uint64_t recent; /* bit i: decision i back was an artifact */
	unsigned recent_n;
	struct vg_artifact_summary sum;
};

/* Starts a session: no beats, empty windows. */
void vg_artlive_init(struct vg_artlive *a);

/*
 * Takes beat @b (rr and t in 1/1024 s, VG_BEAT_GAP_BEFORE honoured; rr 0
 * is ignored). Writes the decisions this makes to @out (room for
 * VG_ARTLIVE_MAX_DECISIONS), oldest first, and returns their number:
 * usually 1, 0 while the first VG_ARTLIVE_DELAY beats of a run are
 * pending, up to VG_ARTLIVE_DELAY when a gap ends a run.
 */
size_t vg_artlive_push(struct vg_artlive *a, const struct vg_beat *b,
		       struct vg_artlive_decision *out);

/*
 * End of the stream (or a gap the caller knows of): decides every pending
 * beat as the end of a run, into @out (room for VG_ARTLIVE_MAX_DECISIONS).
 * The next beat pushed starts a new run. Returns the number of decisions.
 */
size_t vg_artlive_flush(struct vg_artlive *a, struct vg_artlive_decision *out);

/* Counts over every decision of the session so far. */
void vg_artlive_summary(const struct vg_artlive *a,
			struct vg_artifact_summary *s);

/*
 * Corrected percentage of the latest VG_ARTLIVE_RECENT decisions (fewer
 * at the start), for the live quality warning above
 * VG_ARTIFACT_SUSPECT_PCT; 0 before any decision.
 */
double vg_artlive_recent_pct(const struct vg_artlive *a);

#endif
