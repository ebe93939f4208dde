/* SPDX-License-Identifier: MIT */
/*
 * The decision rule of Lipponen and Tarvainen (2019) shared by the batch
 * (artifact.c) and causal (artifact_live.c) forms, so both classify a beat
 * from the same numbers the same way. Intervals in ms.
 */
#ifndef VAGUS_ARTIFACT_IMPL_H
#define VAGUS_ARTIFACT_IMPL_H

#include <math.h>
#include <stdbool.h>

#include "core/sortwin.h"
#include "vagus/artifact.h"

/* Threshold = ALPHA x quartile deviation: 99.95 % of a normal sample. */
#define ART_ALPHA 5.2
/* The threshold windows span 91 beats, the median window 11. */
#define ART_QD_HALF 45
#define ART_QD_WIN (2 * ART_QD_HALF + 1)
#define ART_MED_HALF 5
#define ART_MED_WIN (2 * ART_MED_HALF + 1)
/* Ectopic decision boundary S12 = -c1 S11 -/+ c2. */
#define ART_C1 0.13
#define ART_C2 0.17
/* |mRR| / Th2 beyond this alone makes a beat long or short. */
#define ART_MRR_LIMIT 3.0
/*
 * Floor of Th1 and Th2, ms. Beat times in 1/128 s steps make dRR take
 * the values 0, +-7.8, +-15.6 ms..., and in a steady stretch the quartiles
 * can coincide: a zero threshold would call every one-sample change an
 * artifact. No physiological or detection artifact is this small.
 */
#define ART_TH_MIN_MS 20.0
/*
 * Quartiles of fewer values than this say nothing (one dRR has a QD of 0):
 * the threshold is then the cap alone, which still catches a missed beat
 * or a 30 % premature one.
 */
#define ART_TH_MIN_SAMPLES 8

/*
 * Cap of Th1 and Th2 as a share of the local median interval. Quartiles
 * break down when more than a quarter of the window is abnormal: in a
 * trigeminy (mitdb-208) 5.2 QD of dRR reached 300-670 ms at RR 550 ms and
 * nothing was flagged. 25 % is the Kubios "medium" fixed threshold
 * (0.25 s at 60 bpm) and a little above Malik's 20 % rule; no sinus
 * rhythm changes this much from one beat to the next.
 */
#define ART_TH_MAX_FRAC 0.25

/* ALPHA x (Q3 - Q1) / 2 of the ascending @v[0..n-1], ms. */
static inline double art_qd_threshold(const double *v, size_t n)
{
	return ART_ALPHA *
	       (sorted_quantile(v, n, 0.75) - sorted_quantile(v, n, 0.25)) / 2;
}

/*
 * The threshold used, from @qd_th (ALPHA x QD) estimated on @n values and
 * the local median @med_ms: the cap alone when n is too small to estimate
 * anything, never above the cap, never below the floor.
 */
static inline double art_bound(double qd_th, size_t n, double med_ms)
{
	double cap = ART_TH_MAX_FRAC * med_ms;
	double th = n < ART_TH_MIN_SAMPLES || qd_th > cap ? cap : qd_th;

	return th > ART_TH_MIN_MS ? th : ART_TH_MIN_MS;
}

/* What the rule needs to know about interval k. */
struct art_point {
	double rr;	/* RR(k), ms */
	double rr_next; /* RR(k+1), ms, if has_next */
	bool has_next;	/* k+1 is in the same run */
	double med;	/* 11-beat median around k, ms */
	double th2;	/* Th2(k), ms */
	double m;	/* mRR(k) / Th2 */
	double d_prev;	/* dRR(k-1) / Th1 */
	double d;	/* dRR(k) / Th1 */
	double d_next;	/* dRR(k+1) / Th1 */
	double d_next2; /* dRR(k+2) / Th1 */
};

/* The ectopic test alone (subspace S11, S12). */
static inline bool art_is_ectopic(const struct art_point *p)
{
	double s11 = p->d;

	if (s11 > 1) {
		double s12 = fmax(p->d_prev, p->d_next);
		return s12 < -ART_C1 * s11 - ART_C2;
	}
	if (s11 < -1) {
		double s12 = fmin(p->d_prev, p->d_next);
		return s12 > -ART_C1 * s11 + ART_C2;
	}
	return false;
}

/*
 * Class of interval k. VG_ART_ECTOPIC means k is the second interval of
 * an ectopic pair; VG_ART_EXTRA that k and k+1 are to be merged.
 */
static inline enum vg_artifact_class art_classify(const struct art_point *p)
{
	double s11 = p->d;
	bool big_m = fabs(p->m) > ART_MRR_LIMIT;

	if (fabs(s11) <= 1 && !big_m)
		return VG_ART_NONE;
	if (art_is_ectopic(p))
		return VG_ART_ECTOPIC;
	double s22 = s11 >= 0 ? fmin(p->d_next, p->d_next2)
			      : fmax(p->d_next, p->d_next2);
	bool is_long = s11 > 1 && s22 < -1;
	bool is_short = s11 < -1 && s22 > 1;
	if (!is_long && !is_short && !big_m)
		return VG_ART_NONE;
	if (is_short && p->has_next &&
	    fabs(p->rr + p->rr_next - p->med) < p->th2)
		return VG_ART_EXTRA;
	if (is_long && fabs(p->rr / 2 - p->med) < p->th2)
		return VG_ART_MISSED;
	return VG_ART_LONGSHORT;
}

#endif
