/* SPDX-License-Identifier: MIT */
/*
 * Live heart rate and RMSSD over the last 60 s of beats, for the
 * biofeedback view: updated per beat in O(1) (amortised: each beat enters
 * and leaves the window once) with no allocation.
 *
 * Sums are kept in integer 1/1024 s units, so sliding the window adds and
 * subtracts exactly and a session of any length never drifts.
 */
#ifndef VAGUS_LIVE_H
#define VAGUS_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "vagus/beats.h"

/*
 * Ring capacity: 60 s at 300 bpm is 300 beats. If a window ever holds
 * more, the oldest beats leave early and the window is simply shorter.
 */
#define VG_LIVE_RING 512
#define VG_LIVE_WINDOW_S 60

struct vg_live_entry {
	int64_t t;	/* beat time, 1/1024 s */
	uint32_t rr;	/* 1/1024 s */
	uint32_t d2_lo; /* squared difference to the previous beat ... */
	uint32_t d2_hi; /* ... split so the entry stays 24 bytes */
	bool has_diff;	/* previous beat adjacent (no gap) and both valid */
};

struct vg_live {
	struct vg_live_entry ring[VG_LIVE_RING];
	unsigned head; /* index of the oldest entry */
	unsigned count;
	int64_t window;	 /* 1/1024 s */
	uint64_t sum_rr; /* over the entries */
	uint64_t sum_d2; /* over the entries with has_diff */
	unsigned diffs;
	bool have_prev; /* a previous beat the next may be compared with */
	uint32_t prev_rr;
};

/* Starts an empty window of @window_s seconds (1..3600). */
void vg_live_init(struct vg_live *l, unsigned window_s);

/*
 * Adds beat @b. A beat with VG_BEAT_GAP_BEFORE is not compared with its
 * predecessor; one with VG_BEAT_ARTIFACT that was not corrected is left
 * out and breaks the chain of differences.
 */
void vg_live_push(struct vg_live *l, const struct vg_beat *b);

/* Forgets every beat (a new session). */
void vg_live_reset(struct vg_live *l);

/* Beats in the window. */
unsigned vg_live_beats(const struct vg_live *l);

/* 60 / mean RR over the window, in beats per minute; NAN when empty. */
double vg_live_hr_bpm(const struct vg_live *l);

/* RMSSD over the window in ms; NAN with fewer than 2 differences. */
double vg_live_rmssd_ms(const struct vg_live *l);

#endif
