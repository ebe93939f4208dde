/* SPDX-License-Identifier: MIT */
/*
 * Batch artifact detection and correction after Lipponen and Tarvainen
 * (2019). All intervals are in ms.
 *
 * Detection works on two series, each divided by a time-varying threshold
 * so that one decision rule fits every subject and every heart rate:
 *
 *   dRR(k) = RR(k) - RR(k-1), divided by Th1(k) = 5.2 x QD of |dRR| over
 *            the 91 beats centred on k (QD = (Q3 - Q1) / 2, the quartile
 *            deviation; 5.2 QD covers 99.95 % of a normal distribution);
 *   mRR(k) = RR(k) - median of the 11 intervals centred on k, doubled
 *            when negative (a short interval is the likelier artifact),
 *            divided by Th2(k) = 5.2 x QD of |mRR| over 91 beats.
 *
 * Decision (the paper's Figure 1), for each k with |dRR| > 1 or
 * |mRR| > 3:
 *   ectopic:   |dRR| > 1 and the neighbours show the short-long (NPN) or
 *              long-short (PNP) signature: S11 = dRR(k), S12 = max (S11 > 0)
 *              or min (S11 < 0) of dRR(k-1), dRR(k+1), and the point lies
 *              beyond the line S12 = -c1 S11 -/+ c2 (c1 = 0.13, c2 = 0.17);
 *   long:      dRR(k) > 1 and S22 = min(dRR(k+1), dRR(k+2)) < -1;
 *   short:     dRR(k) < -1 and S22 = max(dRR(k+1), dRR(k+2)) > 1;
 *   or simply |mRR| > 3;
 *   missed:    long and |RR(k) / 2 - median| < Th2 (half the interval is
 *              a normal one);
 *   extra:     short and |RR(k) + RR(k+1) - median| < Th2 (the two
 *              intervals sum to a normal one);
 *   otherwise: long/short.
 *
 * The ectopic signature is found at the second interval of the pair the
 * abnormal beat sits between (the compensatory pause of a premature beat,
 * or the short interval after a late one); both intervals of the pair are
 * wrong, so both are classed ectopic and corrected, as Kubios and systole
 * correct them.
 *
 * Correction: a missed beat is inserted halfway, an extra beat is removed
 * (its two intervals merged), ectopic and long/short intervals are replaced
 * by linear interpolation (by beat index) between the nearest normal
 * intervals of the same run. Beat times stay where they were measured,
 * except for inserted and removed beats.
 *
 * Choices the paper leaves open, made here:
 *   - Edges: a run (gap-free stretch) is extended by virtual beats at its
 *     local median on both sides, so the first interval gets dRR = RR -
 *     median and the last one a virtual successor; a missed beat at the
 *     very start or end of a run is still recognised.
 *   - Windows at the edges are truncated (no padding), as pandas'
 *     centred rolling windows with min_periods = 1 that NeuroKit2 and
 *     systole use.
 *   - The 91-beat threshold windows span gaps: |dRR| and |mRR| are
 *     statistics of the subject, and a short run between two dropouts
 *     would otherwise have almost nothing to estimate them from. No
 *     difference is ever taken across a gap: the first interval of a run
 *     has no dRR in the window, and the median, the neighbours and the
 *     interpolation stay inside the run.
 *   - A floor on both thresholds (TH_MIN_MS): with 1/128 s beat times or
 *     a very steady rhythm the quartiles of |dRR| can coincide, and a zero
 *     threshold would flag every change of one sample.
 */
#include "vagus/artifact.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/artifact_impl.h"
#include "core/sortwin.h"

const char *vg_artifact_class_name(enum vg_artifact_class c)
{
	switch (c) {
	case VG_ART_NONE:
		return "normal";
	case VG_ART_ECTOPIC:
		return "ectopic";
	case VG_ART_LONGSHORT:
		return "longshort";
	case VG_ART_MISSED:
		return "missed";
	case VG_ART_EXTRA:
		return "extra";
	}
	return "unknown";
}

static bool run_start(const struct vg_rr_series *s, size_t k)
{
	return k == 0 || (s->flags[k] & VG_RR_GAP_BEFORE);
}

/*
 * th[k] = ALPHA x QD of |x[j]| over j in [k - QD_HALF, k + QD_HALF]
 * (clipped to the series), leaving out a run's first interval when
 * @skip_run_starts (it has no real dRR).
 */
static void sliding_threshold(const double *x, const double *med,
			      const struct vg_rr_series *s,
			      bool skip_run_starts, double *th)
{
	double store[ART_QD_WIN];
	struct sortwin w;
	size_t n = s->n;

	sortwin_init(&w, store, ART_QD_WIN);
	for (size_t j = 0; j < n && j <= ART_QD_HALF; j++)
		if (!(skip_run_starts && run_start(s, j)))
			sortwin_insert(&w, x[j]);
	for (size_t k = 0; k < n; k++) {
		th[k] = art_threshold(&w, med[k]);
		/* Slide: j_out leaves, j_in enters. */
		bool has_out = k >= ART_QD_HALF;
		size_t j_out = k - ART_QD_HALF;
		size_t j_in = k + ART_QD_HALF + 1;
		bool out = has_out && !(skip_run_starts && run_start(s, j_out));
		bool in = j_in < n && !(skip_run_starts && run_start(s, j_in));
		if (out && in)
			sortwin_replace(&w, x[j_out], x[j_in]);
		else if (out)
			sortwin_remove(&w, x[j_out]);
		else if (in)
			sortwin_insert(&w, x[j_in]);
	}
}

/* Median of the 11 intervals centred on each k, inside run [a, b). */
static void run_median(const double *rr, size_t a, size_t b, double *med)
{
	double store[ART_MED_WIN];
	struct sortwin w;

	sortwin_init(&w, store, ART_MED_WIN);
	for (size_t j = a; j < b && j <= a + ART_MED_HALF; j++)
		sortwin_insert(&w, rr[j]);
	for (size_t k = a; k < b; k++) {
		med[k] = sortwin_quantile(&w, 0.5);
		bool out = k >= a + ART_MED_HALF;
		size_t j_out = k - ART_MED_HALF;
		size_t j_in = k + ART_MED_HALF + 1;
		bool in = j_in < b;
		if (out && in)
			sortwin_replace(&w, rr[j_out], rr[j_in]);
		else if (out)
			sortwin_remove(&w, rr[j_out]);
		else if (in)
			sortwin_insert(&w, rr[j_in]);
	}
}

struct batch {
	const double *rr;
	double *med; /* 11-beat median, ms */
	double *drr; /* dRR, ms (virtual for a run's first interval) */
	double *th1; /* ms */
	double *mrr; /* mRR, ms (negative side doubled) */
	double *th2; /* ms */
	uint8_t *cls;
};

/*
 * Normalised dRR at index k of run [a, b) for k in [a, b + 1]: beyond the
 * end a virtual beat at the local median, then nothing.
 */
static double ndrr(const struct batch *w, size_t b, size_t k)
{
	if (k > b)
		return 0;
	if (k == b)
		return (w->med[b - 1] - w->rr[b - 1]) / w->th1[b - 1];
	return w->drr[k] / w->th1[k];
}

static void classify_run(struct batch *w, size_t a, size_t b)
{
	for (size_t k = a; k < b; k++) {
		if (w->cls[k])
			continue;
		struct art_point p = {
		    .rr = w->rr[k],
		    .rr_next = k + 1 < b ? w->rr[k + 1] : 0,
		    .has_next = k + 1 < b,
		    .med = w->med[k],
		    .th2 = w->th2[k],
		    .d_prev = k > a ? ndrr(w, b, k - 1) : 0,
		    .d = ndrr(w, b, k),
		    .d_next = ndrr(w, b, k + 1),
		    .d_next2 = ndrr(w, b, k + 2),
		    .m = w->mrr[k] / w->th2[k],
		};
		enum vg_artifact_class c = art_classify(&p);
		if (c == VG_ART_NONE)
			continue;
		w->cls[k] = (uint8_t)c;
		if (c == VG_ART_ECTOPIC && k > a &&
		    (w->cls[k - 1] == VG_ART_NONE ||
		     w->cls[k - 1] == VG_ART_LONGSHORT))
			w->cls[k - 1] = VG_ART_ECTOPIC;
		if (c == VG_ART_EXTRA)
			w->cls[++k] = VG_ART_EXTRA;
	}
}

/* Writes the corrected run [a, b) to @out. */
static int correct_run(const struct vg_rr_series *in, const struct batch *w,
		       size_t a, size_t b, struct vg_rr_series *out)
{
	const double *rr = in->ms;
	size_t left = SIZE_MAX; /* last normal interval, SIZE_MAX if none */
	size_t right = a;	/* next normal interval at or after k, or b */
	int err = 0;

	for (size_t k = a; k < b && !err; k++) {
		uint8_t keep = in->flags[k] & VG_RR_GAP_BEFORE;
		uint8_t other = in->flags[k] & ~(uint8_t)VG_RR_GAP_BEFORE;
		double v;

		switch (w->cls[k]) {
		case VG_ART_NONE:
			err = vg_rr_push(out, rr[k], in->t_ms[k], in->flags[k]);
			left = k;
			break;
		case VG_ART_MISSED:
			err =
			    vg_rr_push(out, rr[k] / 2, in->t_ms[k] - rr[k] / 2,
				       keep | other | VG_RR_INSERTED);
			if (!err)
				err = vg_rr_push(out, rr[k] / 2, in->t_ms[k],
						 other | VG_RR_CORRECTED);
			break;
		case VG_ART_EXTRA:
			/* classify_run marks the pair, always inside the run. */
			err =
			    vg_rr_push(out, rr[k] + rr[k + 1], in->t_ms[k + 1],
				       in->flags[k] | VG_RR_CORRECTED);
			k++;
			break;
		default:
			if (right <= k) {
				right = k + 1;
				while (right < b &&
				       w->cls[right] != VG_ART_NONE)
					right++;
			}
			if (left != SIZE_MAX && right < b)
				v = rr[left] + (rr[right] - rr[left]) *
						   (double)(k - left) /
						   (double)(right - left);
			else if (left != SIZE_MAX)
				v = rr[left];
			else if (right < b)
				v = rr[right];
			else
				v = w->med[k];
			err = vg_rr_push(out, v, in->t_ms[k],
					 in->flags[k] | VG_RR_CORRECTED);
			break;
		}
	}
	return err;
}

int vg_artifacts_correct(const struct vg_rr_series *in,
			 struct vg_rr_series *out,
			 struct vg_artifact_summary *summary, uint8_t *classes)
{
	size_t n = in->n;
	double *buf = NULL;
	uint8_t *cls = classes;
	uint8_t *own_cls = NULL;
	int err = 0;

	vg_rr_clear(out);
	if (summary)
		memset(summary, 0, sizeof(*summary));
	if (!n)
		return 0;
	for (size_t k = 0; k < n; k++)
		if (!isfinite(in->ms[k]) || in->ms[k] <= 0)
			return -EINVAL;

	if (n > SIZE_MAX / sizeof(double) / 5)
		return -ENOMEM;
	buf = malloc(5 * n * sizeof(*buf));
	if (!cls)
		cls = own_cls = malloc(n);
	if (!buf || !cls) {
		err = -ENOMEM;
		goto out;
	}
	memset(cls, 0, n);
	err = vg_rr_reserve(out, n + n / 8);
	if (err)
		goto out;

	struct batch w = {
	    .rr = in->ms,
	    .med = buf,
	    .drr = buf + n,
	    .th1 = buf + 2 * n,
	    .mrr = buf + 3 * n,
	    .th2 = buf + 4 * n,
	    .cls = cls,
	};

	for (size_t a = 0, b; a < n; a = b) {
		for (b = a + 1; b < n && !run_start(in, b); b++)
			;
		run_median(in->ms, a, b, w.med);
		/* A run's first interval is compared with its local median. */
		w.drr[a] = in->ms[a] - w.med[a];
		for (size_t k = a + 1; k < b; k++)
			w.drr[k] = in->ms[k] - in->ms[k - 1];
	}
	for (size_t k = 0; k < n; k++) {
		double m = in->ms[k] - w.med[k];
		w.mrr[k] = m < 0 ? 2 * m : m;
	}
	sliding_threshold(w.drr, w.med, in, true, w.th1);
	sliding_threshold(w.mrr, w.med, in, false, w.th2);

	for (size_t a = 0, b; a < n; a = b) {
		for (b = a + 1; b < n && !run_start(in, b); b++)
			;
		classify_run(&w, a, b);
		err = correct_run(in, &w, a, b, out);
		if (err)
			goto out;
	}

	if (summary) {
		summary->beats = n;
		for (size_t k = 0; k < n; k++) {
			switch (cls[k]) {
			case VG_ART_ECTOPIC:
				summary->ectopic++;
				break;
			case VG_ART_LONGSHORT:
				summary->longshort++;
				break;
			case VG_ART_MISSED:
				summary->missed++;
				break;
			case VG_ART_EXTRA:
				summary->extra++;
				break;
			default:
				break;
			}
		}
		summary->detected = summary->ectopic + summary->longshort +
				    summary->missed + summary->extra;
		summary->corrected_pct =
		    100.0 * (double)summary->detected / (double)n;
	}
out:
	free(buf);
	free(own_cls);
	if (err)
		vg_rr_clear(out);
	return err;
}
