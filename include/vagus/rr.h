/* SPDX-License-Identifier: MIT */
/*
 * An RR series for whole-recording analysis: interval i is the time between
 * beat i-1 and beat i, in milliseconds, and t_ms[i] is the time of beat i
 * from the start of the recording. Usually t_ms is the cumulative sum of the
 * intervals; where a recording has a gap (a lost link, a time column that
 * jumps) t_ms jumps too and the interval after the gap carries
 * VG_RR_GAP_BEFORE, so no successive difference is ever taken across it.
 *
 * The series owns its arrays (heap; this is the offline path, not the hot
 * path).
 */
#ifndef VAGUS_RR_H
#define VAGUS_RR_H

#include <stddef.h>
#include <stdint.h>

enum vg_rr_flag {
	VG_RR_GAP_BEFORE = 1 << 0, /* beat i-1 and beat i are not adjacent */
	VG_RR_CORRECTED = 1 << 1,  /* value replaced by artifact correction */
	VG_RR_INSERTED = 1 << 2,   /* beat added when a missed beat was split */
};

struct vg_rr_series {
	double *ms;	/* interval lengths, ms */
	double *t_ms;	/* time of the beat ending each interval, ms */
	uint8_t *flags; /* enum vg_rr_flag bits per interval */
	size_t n;
	size_t cap;
};

/* An empty series; no allocation until the first push. */
#define VG_RR_SERIES_INIT                                                      \
	{                                                                      \
		NULL, NULL, NULL, 0, 0                                         \
	}

/*
 * Appends one interval of @ms milliseconds ending at @t_ms with @flags.
 * Returns 0 or -ENOMEM.
 */
int vg_rr_push(struct vg_rr_series *s, double ms, double t_ms, uint8_t flags);

/*
 * Appends an interval whose beat time is the previous beat time plus @ms
 * (0 + @ms for the first). Returns 0 or -ENOMEM.
 */
int vg_rr_push_ms(struct vg_rr_series *s, double ms);

/* Makes room for @n intervals in total. Returns 0 or -ENOMEM. */
int vg_rr_reserve(struct vg_rr_series *s, size_t n);

/* Frees the arrays and leaves an empty series. */
void vg_rr_free(struct vg_rr_series *s);

/* Empties the series, keeping its memory. */
void vg_rr_clear(struct vg_rr_series *s);

/* Deep copy of @src into @dst (emptied first). Returns 0 or -ENOMEM. */
int vg_rr_copy(struct vg_rr_series *dst, const struct vg_rr_series *src);

/*
 * Recording length in seconds: from the start of the first interval to the
 * last beat (t_ms[n-1] - t_ms[0] + ms[0]), 0 for an empty series.
 */
double vg_rr_duration_s(const struct vg_rr_series *s);

/*
 * Coverage: sum of the intervals over the recording length, in [0, 1]
 * for a recording with gaps, 1 for one without; 0 when empty.
 */
double vg_rr_coverage(const struct vg_rr_series *s);

#endif
