/* SPDX-License-Identifier: MIT */
/*
 * The end-of-session report: the whole session and its start and end
 * windows through vg_hrv_analyze, the change between the windows, data
 * quality, and the report as JSON (report.json) and plain text
 * (report.txt).
 *
 * The windows (DESIGN.md section 5), in beat time (s from the start of
 * the first interval, gaps included, as struct vg_session defines it):
 *  - settle: the first settle_s seconds (default 60) are skipped;
 *  - the session's end E is its duration rounded down to whole seconds;
 *  - window length w = min(300, floor((E - settle_s) / 2)) seconds;
 *  - w >= 60, else the report says insufficient_data and why;
 *  - start window [settle_s, settle_s + w), end window [E - w, E): equal
 *    lengths, never overlapping;
 *  - an interval belongs to a window when the beat that ENDS it falls in
 *    [t0, t1) (t_ms / 1000 >= t0 and < t1); each window is analysed on
 *    its own raw beats, artifact correction included.
 * `vagus analyze --window T0:T1` applies the same rule (vg_report_cut) to
 * any file, so it reproduces the report's window values.
 *
 * The change (change.h, vg_change_compute on the artifact-corrected whole
 * session between these windows) gives each measure two numbers that are
 * NOT the same and are reported side by side: `delta` = end - start, the
 * plain difference of the two window values, and `estimate`, the change
 * fitted over the whole course of the session, around which the 95 %
 * interval `ci95` is centred. The verdict (one of the four words of
 * vg_verdict_name) comes from the same computation; a session without two
 * windows gets insufficient_data with the windows' reason.
 *
 * Pure: analysis on the heap, text into heap buffers, no I/O.
 */
#ifndef VAGUS_REPORT_H
#define VAGUS_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "vagus/change.h"
#include "vagus/hrv.h"
#include "vagus/json.h"
#include "vagus/rr.h"
#include "vagus/session.h"

#define VG_REPORT_SETTLE_S 60.0
#define VG_REPORT_WINDOW_MAX_S 300.0
#define VG_REPORT_WINDOW_MIN_S 60.0

struct vg_report_opts {
	double settle_s;	      /* skipped from the first beat, s */
	struct vg_hrv_opts hrv;	      /* correction on by default */
	struct vg_change_opts change; /* vg_change_opts_default */
	/*
	 * Resting lnRMSSD (start window) of the person's earlier sessions,
	 * borrowed, oldest first; with 7 or more the change is placed
	 * against 0.5 SD of them. NULL / 0: no history.
	 */
	const double *history;
	size_t nhist;
};

/* Settle 60 s, Kubios HRV defaults (vg_hrv_opts_default), no history. */
void vg_report_opts_default(struct vg_report_opts *o);

struct vg_report_windows {
	bool ok;	  /* false: insufficient data, see reason */
	char reason[160]; /* why not, in a plain sentence; "" when ok */
	double settle_s;
	double window_s; /* 0 when !ok */
	double start[2]; /* [t0, t1), s; NAN when !ok */
	double end[2];
};

/*
 * Plans the windows of a recording @duration_s long (see above).
 * Returns 0 (w->ok says whether they fit) or -EINVAL for a negative or
 * non-finite @settle_s.
 */
int vg_report_windows(double duration_s, double settle_s,
		      struct vg_report_windows *w);

/*
 * Copies into @out (emptied first) the intervals of @s whose beat time
 * t_ms falls in [t0_s, t1_s) seconds, with their times and flags.
 * Returns 0 or -ENOMEM.
 */
int vg_report_cut(const struct vg_rr_series *s, double t0_s, double t1_s,
		  struct vg_rr_series *out);

/* One measure's change; NAN where unknown. */
struct vg_report_change {
	double start;	 /* start window value */
	double end;	 /* end window value */
	double delta;	 /* end - start */
	double estimate; /* fitted change (change.h): what ci95 is around */
	bool has_ci;	 /* the method gave an interval */
	double ci95[2];	 /* 95 % interval of estimate, NAN without one */
};

/* Data quality of a stretch of beats. */
struct vg_report_quality {
	size_t beats;	      /* raw intervals in it */
	double coverage;      /* sum of RR over its length, [0, 1] */
	size_t gaps;	      /* intervals in it that follow a gap */
	double corrected_pct; /* artifact correction, NAN if not run */
	size_t contact_ok;    /* beats by the strap's contact bits */
	size_t contact_lost;
	size_t contact_unsupported;
};

struct vg_report {
	const struct vg_session *session; /* borrowed, must outlive it */
	struct vg_report_opts opts;
	double duration_s;
	struct vg_report_windows win;

	struct vg_hrv_result whole, start, end; /* start/end when win.ok */
	struct vg_report_quality q_whole, q_start, q_end;

	struct vg_report_change hr_bpm, rmssd_ms, ln_rmssd, hf_ms2,
	    resp_rate_bpm;

	struct vg_change_result chg; /* the full change computation */
	enum vg_verdict verdict;
	char verdict_reason[256];    /* why this verdict, plain words */
	char verdict_sentence[1024]; /* what the report says first */
};

/*
 * Analyses @s per @o (NULL for the defaults) into @r. Returns 0 (too
 * little data is not an error: see r->win), or -ENOMEM / -EINVAL.
 */
int vg_report_build(const struct vg_session *s, const struct vg_report_opts *o,
		    struct vg_report *r);

/*
 * Quality of the intervals of @s in [t0_s, t1_s) (whole series with
 * -INFINITY, INFINITY): @contact per interval may be NULL (unknown, all
 * counted unsupported); @res gives corrected_pct (may be NULL).
 */
void vg_report_quality(const struct vg_rr_series *s, const uint8_t *contact,
		       double t0_s, double t1_s,
		       const struct vg_hrv_result *res,
		       struct vg_report_quality *q);

/*
 * Skin contact of a window in words for the text and HTML reports: "n/a"
 * without beats, "not reported" when the strap never said, else the share
 * of beats with contact ("97 % ok"). Cut to @cap.
 */
void vg_report_contact_text(char *buf, size_t cap,
			    const struct vg_report_quality *q);

/* report.json: one object into @j (a fresh document). Returns its error. */
int vg_report_json(const struct vg_report *r, struct vg_json *j);

/*
 * report.txt into a heap buffer (*@text, NUL-terminated, *@len bytes;
 * free() it). Returns 0 or -ENOMEM.
 */
int vg_report_text(const struct vg_report *r, char **text, size_t *len);

#endif
