/* SPDX-License-Identifier: MIT */
/*
 * Causal artifact detection and correction for the live view: the batch
 * rule of artifact.c (shared through artifact_impl.h) applied to each beat
 * VG_ARTLIVE_DELAY beats after it arrived. The header lists how this
 * differs from the batch form; the reasons:
 *
 *   - Delay 5: the rule looks at most 2 intervals ahead (S22 and the
 *     ectopic pair), but the 11-beat median is centred, so 5 beats of
 *     delay give exactly the batch median; a shorter delay would use a
 *     lagging median.
 *   - Thresholds from the 91 latest values: a centred window would need
 *     45 beats of delay. The window lags by about 40 beats, under a
 *     minute at rest, which is the time scale quartiles of 91 beats
 *     follow anyway.
 *   - Ectopic pairs: batch marks the first interval of a pair when it
 *     finds the signature at the second. Here the first interval would
 *     already be gone by then, so deciding interval k also tests k + 1
 *     for the signature (all it needs, dRR up to k + 2, is known).
 *   - Interpolation: the next normal interval is not decided yet, so the
 *     right end is the first later interval within Th2 of the median.
 *
 * Times and intervals come in as 1/1024 s (struct vg_beat); the rule works
 * in ms. Memory: the caller's struct, a ring of 16 beats and two windows
 * of 91 values. Nothing is allocated.
 */
#include "vagus/artifact.h"

#include <math.h>
#include <string.h>

#include "core/artifact_impl.h"

_Static_assert(VG_ARTLIVE_RING > 2 * VG_ARTLIVE_DELAY + 2,
	       "ring holds the median window and the pending beats");
_Static_assert(VG_ARTLIVE_DELAY == ART_MED_HALF, "a centred median");
_Static_assert(VG_ARTLIVE_WIN == ART_QD_WIN, "91-beat thresholds");

#define MS_PER_UNIT (1000.0 / 1024.0)

static struct vg_artlive_beat *at(struct vg_artlive *a, uint64_t seq)
{
	return &a->ring[seq % VG_ARTLIVE_RING];
}

/* Appends @x to a window of the latest VG_ARTLIVE_WIN values. */
static void win_push(struct vg_artlive_win *w, double x)
{
	struct sortwin s = {w->sorted, w->n, VG_ARTLIVE_WIN};

	if (w->n < VG_ARTLIVE_WIN) {
		w->fifo[(w->head + w->n) % VG_ARTLIVE_WIN] = x;
		sortwin_insert(&s, x);
		w->n++;
		return;
	}
	double old = w->fifo[w->head];
	w->fifo[w->head] = x;
	w->head = (w->head + 1) % VG_ARTLIVE_WIN;
	sortwin_replace(&s, old, x);
}

static double win_threshold(const struct vg_artlive_win *w, double med)
{
	return art_bound(art_qd_threshold(w->sorted, w->n), w->n, med);
}

void vg_artlive_init(struct vg_artlive *a)
{
	memset(a, 0, sizeof(*a));
}

void vg_artlive_summary(const struct vg_artlive *a,
			struct vg_artifact_summary *s)
{
	*s = a->sum;
}

double vg_artlive_recent_pct(const struct vg_artlive *a)
{
	uint64_t x = a->recent;
	unsigned bits = 0;

	if (!a->recent_n)
		return 0;
	for (; x; x &= x - 1)
		bits++;
	return 100.0 * bits / a->recent_n;
}

/* The median window covers the beats from med_first to the newest. */
static void median_drop_front(struct vg_artlive *a)
{
	smallwin_remove(a->med_keys, a->med_n--,
			sortkey(at(a, a->med_first)->ms));
	a->med_first++;
}

/*
 * Median of the window without its oldest beat if that is before @lo:
 * the median the next beat will get (at the end of a run, where batch
 * places the virtual successor at the last beat's own median).
 */
static double median_from(struct vg_artlive *a, uint64_t lo)
{
	uint64_t keys[12];
	unsigned n = a->med_n;

	memcpy(keys, a->med_keys, sizeof(keys));
	if (a->med_first < lo && n > 1)
		smallwin_remove(keys, n--, sortkey(at(a, a->med_first)->ms));
	return smallwin_median(keys, n);
}

struct ctx {
	uint64_t last; /* last beat of the run, if at_end */
	bool at_end;
	double th1; /* Th1 of the beat decided, ms */
};

/*
 * Normalised dRR of beat k >= run_first, with batch's virtual beats: the
 * run's first beat against its median, one virtual successor at the
 * median of the last beat, then nothing.
 */
static double nd(struct vg_artlive *a, const struct ctx *c, uint64_t k,
		 double med_last)
{
	if (c->at_end && k == c->last + 1)
		return (med_last - at(a, c->last)->ms) / c->th1;
	if (c->at_end && k > c->last)
		return 0;
	if (k == a->run_first)
		return (at(a, k)->ms - at(a, k)->med) / c->th1;
	return at(a, k)->drr / c->th1;
}

static uint32_t to_units(double ms)
{
	double u = round(ms / MS_PER_UNIT);

	if (u < 1)
		return 1;
	return u > UINT32_MAX ? UINT32_MAX : (uint32_t)u;
}

/* Decides beat j (the oldest pending one) into @d. */
static void decide(struct vg_artlive *a, bool at_end,
		   struct vg_artlive_decision *d)
{
	uint64_t j = a->decided;
	struct vg_artlive_beat *b = at(a, j);
	struct ctx c = {.last = a->next - 1, .at_end = at_end};

	/* The median of the 11 beats centred on j, inside the run. */
	while (a->med_first + ART_MED_HALF < j)
		median_drop_front(a);
	b->med = smallwin_median(a->med_keys, a->med_n);
	double mrr = b->ms - b->med;
	win_push(&a->mwin, mrr < 0 ? 2 * mrr : mrr);
	c.th1 = win_threshold(&a->dwin, b->med);
	double th2 = win_threshold(&a->mwin, b->med);

	/* Only a run's last two beats can need the virtual successor. */
	double med_last = b->med;
	if (at_end && c.last == j + 1)
		med_last = median_from(
		    a, j + 1 > ART_MED_HALF ? j + 1 - ART_MED_HALF : 0);
	bool has_next = !at_end || j < c.last;
	struct art_point p = {
	    .rr = b->ms,
	    .rr_next = has_next ? at(a, j + 1)->ms : 0,
	    .has_next = has_next,
	    .med = b->med,
	    .th2 = th2,
	    .m = (mrr < 0 ? 2 * mrr : mrr) / th2,
	    .d_prev = j > a->run_first ? nd(a, &c, j - 1, med_last) : 0,
	    .d = nd(a, &c, j, med_last),
	    .d_next = nd(a, &c, j + 1, med_last),
	    .d_next2 = nd(a, &c, j + 2, med_last),
	};
	enum vg_artifact_class cls = b->cls ? b->cls : art_classify(&p);

	/* The first interval of an ectopic pair: look at the second now. */
	if ((cls == VG_ART_NONE || cls == VG_ART_LONGSHORT) && has_next &&
	    !at(a, j + 1)->cls) {
		struct art_point q = {
		    .d_prev = p.d,
		    .d = p.d_next,
		    .d_next = p.d_next2,
		};
		if (art_is_ectopic(&q)) {
			cls = VG_ART_ECTOPIC;
			at(a, j + 1)->cls = VG_ART_ECTOPIC;
		}
	}
	if (cls == VG_ART_EXTRA && !b->cls)
		at(a, j + 1)->cls = VG_ART_EXTRA;

	uint8_t fixed = VG_BEAT_ARTIFACT | VG_BEAT_CORRECTED;
	uint8_t gap = b->flags & VG_BEAT_GAP_BEFORE;
	d->seq = j;
	d->cls = (uint8_t)cls;
	d->n = 1;
	d->beat[0] = (struct vg_beat){b->t, b->rr, b->flags};
	switch (cls) {
	case VG_ART_NONE:
		a->have_left = true;
		a->left_seq = j;
		a->left_ms = b->ms;
		break;
	case VG_ART_MISSED: {
		uint32_t half = b->rr / 2;
		d->n = 2;
		d->beat[0] = (struct vg_beat){b->t - (b->rr - half), half,
					      (uint8_t)(gap | fixed)};
		d->beat[1] = (struct vg_beat){b->t, b->rr - half, fixed};
		break;
	}
	case VG_ART_EXTRA:
		if (b->cls) {
			/* The second interval: merged into the first. */
			d->n = 0;
			break;
		}
		/* classify() gives EXTRA only with a next beat in the run. */
		uint64_t sum = (uint64_t)b->rr + at(a, j + 1)->rr;
		d->beat[0] = (struct vg_beat){at(a, j + 1)->t,
					      sum > UINT32_MAX ? UINT32_MAX
							       : (uint32_t)sum,
					      (uint8_t)(gap | fixed)};
		break;
	default: {
		/* Ectopic, long or short: interpolate by beat index. */
		uint64_t last = at_end ? c.last : a->next - 1, m;
		for (m = j + 1; m <= last; m++)
			if (!at(a, m)->cls && fabs(at(a, m)->ms - b->med) < th2)
				break;
		double v = b->med;
		if (a->have_left && m <= last)
			v = a->left_ms + (at(a, m)->ms - a->left_ms) *
					     (double)(j - a->left_seq) /
					     (double)(m - a->left_seq);
		else if (a->have_left)
			v = a->left_ms;
		else if (m <= last)
			v = at(a, m)->ms;
		d->beat[0].rr = to_units(v);
		d->beat[0].flags = (uint8_t)(gap | fixed);
		break;
	}
	}

	a->sum.beats++;
	if (cls != VG_ART_NONE) {
		a->sum.detected++;
		a->sum.ectopic += cls == VG_ART_ECTOPIC;
		a->sum.longshort += cls == VG_ART_LONGSHORT;
		a->sum.missed += cls == VG_ART_MISSED;
		a->sum.extra += cls == VG_ART_EXTRA;
	}
	a->sum.corrected_pct = 100.0 * a->sum.detected / a->sum.beats;
	a->recent = a->recent << 1 | (cls != VG_ART_NONE);
	if (a->recent_n < VG_ARTLIVE_RECENT)
		a->recent_n++;
	a->decided = j + 1;
}

/* Decides every pending beat as the end of the run; starts a new run. */
static size_t end_run(struct vg_artlive *a, struct vg_artlive_decision *out)
{
	size_t n = 0;

	while (a->decided < a->next)
		decide(a, true, &out[n++]);
	a->run_first = a->next;
	a->med_first = a->next;
	a->med_n = 0;
	a->have_left = false;
	return n;
}

size_t vg_artlive_flush(struct vg_artlive *a, struct vg_artlive_decision *out)
{
	return end_run(a, out);
}

size_t vg_artlive_push(struct vg_artlive *a, const struct vg_beat *in,
		       struct vg_artlive_decision *out)
{
	size_t n = 0;

	if (!in->rr)
		return 0;
	if ((in->flags & VG_BEAT_GAP_BEFORE) && a->next > a->run_first)
		n = end_run(a, out);

	uint64_t h = a->next++;
	struct vg_artlive_beat *b = at(a, h);
	b->t = in->t;
	b->rr = in->rr;
	b->flags = in->flags & VG_BEAT_GAP_BEFORE;
	/* A run after the first follows a gap, whatever the caller said. */
	if (h == a->run_first && h > 0)
		b->flags |= VG_BEAT_GAP_BEFORE;
	b->cls = 0;
	b->ms = in->rr * MS_PER_UNIT;
	b->med = b->ms;
	if (h > a->run_first) {
		b->drr = b->ms - at(a, h - 1)->ms;
		win_push(&a->dwin, b->drr);
	} else {
		b->drr = 0;
	}
	smallwin_insert(a->med_keys, a->med_n++, sortkey(b->ms));

	if (h >= a->run_first + VG_ARTLIVE_DELAY)
		decide(a, false, &out[n++]);
	return n;
}
