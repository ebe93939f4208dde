/* SPDX-License-Identifier: MIT */
/*
 * The beat clock: turns the RR lists of Heart Rate Measurement
 * notifications into beats with times.
 *
 * Time comes from cumulative RR, not from arrival: a notification carries
 * zero, one or several RR values that may be seconds old, and its arrival
 * time only says that those beats happened before it. Arrival time is used
 * for two things only: to notice a gap (beats that never reached us, so
 * the RR sum falls behind the clock) and to measure coverage. After a gap
 * the beat clock jumps forward to the arrival time, and the first beat
 * after it carries VG_BEAT_GAP_BEFORE: no successive difference may be
 * taken across it.
 *
 * Pure and allocation-free: O(1) per RR value.
 */
#ifndef VAGUS_BEATS_H
#define VAGUS_BEATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vg_beat_flag {
	VG_BEAT_GAP_BEFORE = 1 << 0, /* beats were lost before this one */
	VG_BEAT_ARTIFACT = 1 << 1,   /* flagged by artifact detection */
	VG_BEAT_CORRECTED = 1 << 2,  /* rr replaced by the correction */
};

struct vg_beat {
	int64_t t;   /* beat time, 1/1024 s from the start of the first RR */
	uint32_t rr; /* interval ending at this beat, 1/1024 s */
	uint8_t flags;
};

/*
 * How far the RR sum may fall behind arrival time before we call it a gap.
 * Straps deliver RR values up to 3-4 s late (DESIGN.md section 3), so a
 * shortfall below this is delivery delay, not lost beats.
 */
#define VG_BEATCLOCK_GAP_MS 5000

struct vg_beatclock {
	bool started;
	bool gap_pending;  /* next beat follows a gap */
	int64_t t;	   /* time of the last beat, 1/1024 s */
	int64_t anchor_ms; /* arrival clock at beat time anchor_t */
	int64_t anchor_t;
	int64_t start_ms; /* arrival clock at the start of the first RR */
	int64_t last_ms;  /* arrival of the last notification with RR */
	uint64_t rr_sum;  /* all accepted RR, 1/1024 s */
	uint64_t beats;
	uint64_t gaps;
	uint64_t zero_rr; /* RR values of 0 dropped as invalid */
};

void vg_beatclock_init(struct vg_beatclock *c);

/*
 * Takes the @n RR values (1/1024 s) of one notification that arrived at
 * @now_ms (any monotonic millisecond clock) and writes the resulting beats
 * to @out, which must hold @n entries. RR values of 0 are dropped (no
 * interval is zero long). Returns the number of beats written.
 */
size_t vg_beatclock_push(struct vg_beatclock *c, int64_t now_ms,
			 const uint16_t *rr, size_t n, struct vg_beat *out);

/*
 * The link dropped or contact was lost: whatever comes next does not
 * follow the last beat.
 */
void vg_beatclock_mark_gap(struct vg_beatclock *c);

/*
 * Share of the time from the first beat's interval to the last
 * notification that RR values cover, in [0, 1]; 0 before any beat.
 */
double vg_beatclock_coverage(const struct vg_beatclock *c);

#endif
