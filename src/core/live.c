/* SPDX-License-Identifier: MIT */
#include "vagus/live.h"

#include <math.h>
#include <string.h>

void vg_live_init(struct vg_live *l, unsigned window_s)
{
	if (window_s < 1)
		window_s = 1;
	if (window_s > 3600)
		window_s = 3600;
	memset(l, 0, sizeof(*l));
	l->window = (int64_t)window_s * 1024;
}

void vg_live_reset(struct vg_live *l)
{
	vg_live_init(l, (unsigned)(l->window / 1024));
}

static uint64_t entry_d2(const struct vg_live_entry *e)
{
	return (uint64_t)e->d2_hi << 32 | e->d2_lo;
}

static void drop_oldest(struct vg_live *l)
{
	const struct vg_live_entry *e = &l->ring[l->head];

	l->sum_rr -= e->rr;
	if (e->has_diff) {
		l->sum_d2 -= entry_d2(e);
		l->diffs--;
	}
	l->head = (l->head + 1) % VG_LIVE_RING;
	l->count--;
}

void vg_live_push(struct vg_live *l, const struct vg_beat *b)
{
	bool excluded =
	    (b->flags & VG_BEAT_ARTIFACT) && !(b->flags & VG_BEAT_CORRECTED);

	if (excluded || !b->rr) {
		l->have_prev = false;
		return;
	}
	/* The window ends at this beat: older beats leave first. */
	while (l->count && (l->ring[l->head].t <= b->t - l->window ||
			    l->count == VG_LIVE_RING))
		drop_oldest(l);

	struct vg_live_entry *e = &l->ring[(l->head + l->count) % VG_LIVE_RING];
	e->t = b->t;
	e->rr = b->rr;
	e->has_diff = l->have_prev && !(b->flags & VG_BEAT_GAP_BEFORE);
	if (e->has_diff) {
		int64_t d = (int64_t)b->rr - (int64_t)l->prev_rr;
		uint64_t d2 = (uint64_t)(d * d);
		e->d2_lo = (uint32_t)d2;
		e->d2_hi = (uint32_t)(d2 >> 32);
		l->sum_d2 += d2;
		l->diffs++;
	} else {
		e->d2_lo = e->d2_hi = 0;
	}
	l->count++;
	l->sum_rr += b->rr;
	l->prev_rr = b->rr;
	l->have_prev = true;
}

unsigned vg_live_beats(const struct vg_live *l)
{
	return l->count;
}

double vg_live_hr_bpm(const struct vg_live *l)
{
	if (!l->count || !l->sum_rr)
		return NAN;
	return 60.0 * 1024.0 * l->count / (double)l->sum_rr;
}

double vg_live_rmssd_ms(const struct vg_live *l)
{
	if (l->diffs < 2)
		return NAN;
	return sqrt((double)l->sum_d2 / l->diffs) * (1000.0 / 1024.0);
}
