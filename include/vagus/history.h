/* SPDX-License-Identifier: MIT */
/*
 * A person's history of sessions: their normal range, trends, and the
 * comparison of two conditions (`mat` versus `control`).
 *
 * Normal range (DESIGN.md section 5; Plews, Buchheit and HRV4Training's
 * "smallest worthwhile change"): the resting value of a session is the
 * lnRMSSD of its start window. For each session, the baseline is the
 * resting lnRMSSD of the valid sessions before it, the last
 * VG_HISTORY_BASELINE_MAX of them; once it holds VG_HISTORY_MIN_SESSIONS
 * (7) or more, the normal range is its mean +/- SWC with SWC = 0.5 x its
 * sample SD (n - 1), and the session's resting value is placed below,
 * within or above it. The same SWC is what vg_change_compute places a
 * session's change against (change.h), from the same values.
 *
 * Trends: least-squares lines of resting lnRMSSD and resting HR against
 * the session's start time, as change per 30 days with a 95 % interval
 * from Student's t with n - 2 degrees of freedom. Sessions are taken as
 * independent around the line (no allowance for day-to-day
 * autocorrelation), which a short history cannot estimate.
 *
 * Comparison of conditions A and B (one number per session: its change
 * from start window to end window, e.g. of lnRMSSD or of HR):
 *  - difference of means A - B with Welch's standard error and the
 *    Welch-Satterthwaite degrees of freedom, interval from Student's t
 *    quantile at those (fractional) df: honest for small, unequal groups
 *    with unequal spread;
 *  - effect size Hedges' g = J d, d = (mean A - mean B) / pooled SD, with
 *    the exact small-sample factor J = G(m/2) / (sqrt(m/2) G((m-1)/2)),
 *    m = nA + nB - 2 (G the gamma function);
 *  - its 95 % interval by inverting the noncentral t distribution
 *    (Steiger and Fouladi): the pooled t statistic t = d sqrt(nA nB / (nA
 *    + nB)) has a noncentral t law with m df and noncentrality
 *    delta sqrt(nA nB / (nA + nB)); the limits are the noncentralities
 *    that put t at the 97.5 % and 2.5 % points, scaled back to delta and
 *    multiplied by J so that they sit on g's scale;
 *  - sessions needed: the smallest n per group for which a two-sided
 *    two-sample t test at 5 % has 80 % power (noncentral t, equal groups)
 *    when the true effect is the given one (by default |g| observed), and
 *    how many more sessions than recorded that means.
 *
 * Pure and deterministic: no I/O, no allocation, no random numbers.
 */
#ifndef VAGUS_HISTORY_H
#define VAGUS_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

/* Sessions of baseline before a normal range is given. */
#define VG_HISTORY_MIN_SESSIONS 7
/* At most this many latest sessions make the baseline (rolling). */
#define VG_HISTORY_BASELINE_MAX 30
/* Largest group size the power calculation searches. */
#define VG_HISTORY_POWER_NMAX 100000

/* One session as the history sees it (read from its report.json). */
struct vg_history_session {
	const char *id;	      /* borrowed: "YYYYMMDD-HHMMSS[-N]" */
	const char *tag;      /* borrowed, may be NULL */
	double start_s;	      /* UTC start, s since 1970 (vg_history_id_time) */
	bool ok;	      /* the report has windows: the values are real */
	double rest_ln_rmssd; /* start window lnRMSSD, ln(ms) */
	double rest_hr_bpm;   /* start window heart rate, beats/min */
	double d_ln_rmssd;    /* change of lnRMSSD, start to end window */
	double d_hr_bpm;      /* change of heart rate, beats/min */
};

enum vg_history_place {
	VG_HISTORY_NO_RANGE = 0, /* fewer than 7 earlier sessions */
	VG_HISTORY_BELOW,
	VG_HISTORY_WITHIN,
	VG_HISTORY_ABOVE,
};

/* "no_range", "below", "within", "above". */
const char *vg_history_place_name(enum vg_history_place p);

/* The normal range a session is held against (its earlier sessions). */
struct vg_history_range {
	size_t n;	 /* valid sessions in the baseline */
	double mean, sd; /* of their resting lnRMSSD; NAN when n < 2 */
	double swc;	 /* 0.5 sd when n >= 7, else NAN */
	double lo, hi;	 /* mean -/+ swc, NAN without a range */
};

/* Per session, in the order given. */
struct vg_history_point {
	struct vg_history_range range; /* from the sessions before it */
	enum vg_history_place place;   /* its resting lnRMSSD against it */
	double roll7_ln_rmssd; /* mean of the last 7 valid resting values up
				* to this one (fewer at the start); NAN if
				* the session is not valid */
};

/* A least-squares line against time. NAN fields with under 3 points. */
struct vg_history_trend {
	size_t n;
	double per_30d;	     /* slope, units per 30 days */
	double ci_lo, ci_hi; /* 95 %, Student's t with n - 2 df */
};

struct vg_history_summary {
	size_t sessions, valid;
	/* The range for the next session: the last valid ones up to the max. */
	struct vg_history_range now;
	struct vg_history_trend rest_ln_rmssd, rest_hr_bpm;
};

/*
 * Reads the UTC start time from a session ID ("YYYYMMDD-HHMMSS" and an
 * optional "-N"): s since 1970 into *@t_s. Returns 0 or -EINVAL for
 * anything else (bad digits, month 13, 31 February, ...).
 */
int vg_history_id_time(const char *id, double *t_s);

/*
 * The normal range of @n resting lnRMSSD values (non-finite ones are
 * skipped): mean, sample SD, and with >= 7 values swc, lo and hi.
 */
void vg_history_range_of(const double *rest, size_t n,
			 struct vg_history_range *r);

/*
 * Normal range and trends of @n sessions @s, oldest first (the caller
 * sorts them). Fills @pt[0..n) (may be NULL) and @sum (may be NULL).
 * Invalid sessions (!ok or non-finite resting value) get no range of
 * their own and do not count in anyone's. Returns 0, or -EINVAL for a
 * NULL @s with n > 0.
 */
int vg_history_build(const struct vg_history_session *s, size_t n,
		     struct vg_history_point *pt,
		     struct vg_history_summary *sum);

/* Mean and sample SD of one group. */
struct vg_group {
	size_t n;
	double mean, sd; /* sd NAN when n < 2 */
};

struct vg_compare_result {
	struct vg_group a, b;
	/* Welch: difference of means a - b. */
	double diff, se, df, ci_lo, ci_hi;
	double p; /* two-sided, Welch's t */
	/* Effect size. */
	double d;	   /* Cohen's d, pooled SD */
	double j;	   /* Hedges' small-sample factor */
	double g;	   /* Hedges' g = j d */
	double g_lo, g_hi; /* 95 %, noncentral t, scaled by j */
	bool open;	   /* the interval of diff includes zero */
	/* Power: two-sided t test at 5 %, equal groups. */
	double power_effect; /* |effect| assumed */
	double power_now;    /* power with min(nA, nB) per group */
	long n_per_group;    /* for 80 % power; -1 when over the search
			      * limit or the effect is 0 */
	long more_a, more_b; /* sessions still to record in each */
};

/*
 * Compares @a (@na values, condition A) with @b (@nb values); non-finite
 * values are skipped. @effect is the standardized effect assumed for the
 * power calculation (NAN: the observed |g|). Fills @out in every case
 * (NAN where undefined). Returns 0, -EINVAL (NULL @out, or NULL arrays
 * with counts), or -ENODATA when a group has fewer than 2 values or both
 * have no spread (group means and counts are still filled).
 */
int vg_compare(const double *a, size_t na, const double *b, size_t nb,
	       double effect, struct vg_compare_result *out);

/*
 * Noncentral t distribution with @df > 0 degrees of freedom and
 * noncentrality @ncp: P(T <= @t). NAN for bad arguments.
 */
double vg_stat_nct_cdf(double t, double df, double ncp);

/*
 * Power of the two-sided two-sample t test at level @alpha with @n per
 * group (n >= 2) for the standardized effect @effect.
 */
double vg_stat_power_t2(double effect, long n, double alpha);

#endif
