/* SPDX-License-Identifier: MIT */
#include "vagus/beats.h"

#include <string.h>

/* Arrival-clock time of beat time @t (1/1024 s) under the current anchor. */
static int64_t arrival_of(const struct vg_beatclock *c, int64_t t)
{
	return c->anchor_ms + (t - c->anchor_t) * 1000 / 1024;
}

void vg_beatclock_init(struct vg_beatclock *c)
{
	memset(c, 0, sizeof(*c));
}

void vg_beatclock_mark_gap(struct vg_beatclock *c)
{
	if (c->started)
		c->gap_pending = true;
}

size_t vg_beatclock_push(struct vg_beatclock *c, int64_t now_ms,
			 const uint16_t *rr, size_t n, struct vg_beat *out)
{
	int64_t sum = 0;
	size_t valid = 0;

	for (size_t i = 0; i < n; i++) {
		sum += rr[i];
		valid += rr[i] != 0;
	}
	c->zero_rr += n - valid;
	if (!valid)
		return 0;

	bool gap = false;
	if (!c->started) {
		/* The last of these beats happened no later than now. */
		c->started = true;
		c->anchor_t = sum;
		c->anchor_ms = now_ms;
		c->start_ms = now_ms - sum * 1000 / 1024;
	} else {
		int64_t lag = now_ms - arrival_of(c, c->t + sum);

		if (c->gap_pending || lag > VG_BEATCLOCK_GAP_MS) {
			/*
			 * Beats went missing: the RR sum cannot explain the
			 * time that passed. Restart the beat clock so the
			 * newest beat lands at its arrival.
			 */
			gap = true;
			c->t += lag > 0 ? lag * 1024 / 1000 : 0;
			c->anchor_t = c->t + sum;
			c->anchor_ms = now_ms;
			c->gaps++;
		} else if (lag < 0) {
			/*
			 * Delivered sooner than ever before: the anchor was
			 * set by a late notification. Beat times stay.
			 */
			c->anchor_t = c->t + sum;
			c->anchor_ms = now_ms;
		} else {
			/*
			 * Let the anchor creep towards later deliveries so the
			 * drift between the strap's clock and ours (about
			 * 0.1 s an hour at 30 ppm) never adds up to a gap.
			 */
			c->anchor_ms += lag / 256;
		}
		c->gap_pending = false;
	}

	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!rr[i])
			continue;
		c->t += rr[i];
		out[k].t = c->t;
		out[k].rr = rr[i];
		out[k].flags = (gap && k == 0) ? VG_BEAT_GAP_BEFORE : 0;
		k++;
	}
	c->rr_sum += (uint64_t)sum;
	c->beats += k;
	c->last_ms = now_ms;
	return k;
}

double vg_beatclock_coverage(const struct vg_beatclock *c)
{
	double span = (double)(c->last_ms - c->start_ms);

	if (!c->started || span <= 0)
		return 0;
	double cov = c->rr_sum * (1000.0 / 1024.0) / span;
	return cov > 1 ? 1 : cov;
}
