/* SPDX-License-Identifier: MIT */
/*
 * Change statistics between the start and the end window of a session;
 * the method is described in include/vagus/change.h and in
 * VG_CHANGE_METHOD. Why this method and not a block bootstrap: on null
 * sessions built from real 24 h recordings (tests/test_change_calibration.c)
 * a moving-block bootstrap of the two windows' lnRMSSD claims a shift in
 * 8-12 % of them, because RMSSD's level wanders over more beats than a
 * bootstrap block holds and two 5-minute windows are only a few
 * independent samples. A line through short blocks over the whole course
 * of the session, with its standard error and degrees of freedom corrected
 * for the autocorrelation the blocks actually show, holds its 5 %, and
 * using the middle of the session and HR beside lnRMSSD buys back the
 * power that honesty costs.
 *
 * Short blocks (10 s) for lnRMSSD are deliberate: the mean of per-block
 * logs is less swayed by a burst of large beat-to-beat differences than
 * the log of one window-wide mean, so the line's slope is less noisy; the
 * autocorrelation correction pays for the blocks being neighbours.
 */
#include "vagus/change.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vagus/hrv.h"

const char VG_CHANGE_METHOD[] =
    "Change = rise of a least-squares line through per-block values "
    "(blocks of 7.5-12.5 s, 10 s on average, in a fixed golden-ratio "
    "sequence: ln mean RR and lnRMSSD from differences inside the block; "
    "blocks of at least 64 s: ln HF power and breathing rate) over "
    "the whole span from the start of the start window to the end of the "
    "end window, taken from the centre of the start window to the centre "
    "of the end window. 95 % interval: Student's t with the effective "
    "degrees of freedom. The residuals' lag-1 autocorrelation r "
    "(bias-corrected r + (1 + 3r)/n, kept in [0, 0.95]) inflates the "
    "variance by f = (1 + r)/(1 - r), or, for HR and lnRMSSD, by the "
    "variance of sums of 60 s of consecutive residuals over the sum of "
    "their variances when that is larger (dependence beyond lag 1); "
    "n_eff = n / f, df = n_eff - 2. HR, RMSSD and HF intervals are carried "
    "from the log scale to units at the start value. Verdict: t_ln = "
    "lnRMSSD change / SE, t_hr = ln mean RR change / SE, z = (t_ln + "
    "t_hr) / sqrt(2 + 2 rho); a shift is claimed when |t_ln| or |z| "
    "exceeds the critical value that keeps the pair at 5 % false "
    "positives, in the direction lnRMSSD moved, and not when HR's own "
    "95 % interval lies on the other side of zero (mixed signals). "
    "Deterministic: no resampling.";

#define SWC_MIN_HISTORY 7

void vg_change_opts_default(struct vg_change_opts *o)
{
	o->block_s = 10.0;
	o->freq_block_s = 64.0;
	o->batch_s = 60.0;
	o->min_window_s = 60.0;
	o->min_coverage = 0.8;
	o->max_corrected = 0.2;
	o->level = 0.95;
	o->freq = true;
	o->slow_breath_bpm = 2.0;
	o->slow_breath_frac = 0.15;
}

const char *vg_verdict_name(enum vg_verdict v)
{
	switch (v) {
	case VG_VERDICT_NO_CLEAR_CHANGE:
		return "no_clear_change";
	case VG_VERDICT_SHIFT_TO_REST:
		return "shift_to_rest";
	case VG_VERDICT_SHIFT_TO_AROUSAL:
		return "shift_to_arousal";
	case VG_VERDICT_INSUFFICIENT_DATA:
		break;
	}
	return "insufficient_data";
}

const char *vg_change_reason_text(enum vg_change_reason r)
{
	switch (r) {
	case VG_CHANGE_OK:
		return "enough clean data";
	case VG_CHANGE_BAD_WINDOWS:
		return "the session is too short for two windows of at least "
		       "60 s after settling";
	case VG_CHANGE_TOO_FEW_BEATS:
		return "a window has too little clean data (gaps or lost "
		       "contact)";
	case VG_CHANGE_DIRTY:
		return "too many beats in a window had to be corrected";
	case VG_CHANGE_NO_VARIATION:
		return "the beat-to-beat intervals do not vary, so RMSSD does "
		       "not exist";
	case VG_CHANGE_TOO_FEW_EFFECTIVE:
		return "the heart's rhythm drifted so slowly and unevenly that "
		       "this session holds too few independent stretches for "
		       "an honest interval";
	case VG_CHANGE_TOO_FEW_BLOCKS:
		return "too few usable stretches of clean beats for an "
		       "interval";
	}
	return "unknown";
}

/* ---- distributions ---- */

/*
 * Continued fraction of the regularised incomplete beta function, by the
 * modified Lentz method (converges for x < (a + 1) / (a + b + 2)).
 */
static double beta_cf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1);

	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	double h = d;
	for (int m = 1; m <= 400; m++) {
		double m2 = 2.0 * m;
		/* even step */
		double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
		d = 1 + num * d;
		c = 1 + num / c;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		h *= d * c;
		/* odd step */
		num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
		d = 1 + num * d;
		c = 1 + num / c;
		d = 1 / (fabs(d) < tiny ? tiny : d);
		c = fabs(c) < tiny ? tiny : c;
		double step = d * c;
		h *= step;
		if (fabs(step - 1) < 1e-15)
			break;
	}
	return h;
}

/* I_x(a, b), the regularised incomplete beta function. */
static double inc_beta(double a, double b, double x)
{
	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	double lfront =
	    lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
	if (x < (a + 1) / (a + b + 2))
		return exp(lfront) * beta_cf(a, b, x) / a;
	return 1 - exp(lfront) * beta_cf(b, a, 1 - x) / b;
}

double vg_stat_t_tail2(double t, double df)
{
	if (!(df > 0) || isnan(t))
		return NAN;
	if (isinf(t))
		return 0;
	return inc_beta(df / 2, 0.5, df / (df + t * t));
}

double vg_stat_t_crit(double p2, double df)
{
	if (!(p2 > 0 && p2 < 1) || !(df > 0))
		return NAN;
	/* The tail falls monotonically in t: bisect on a bracket. */
	double lo = 0, hi = 1;
	while (vg_stat_t_tail2(hi, df) > p2 && hi < 1e12)
		hi *= 2;
	for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
		double mid = 0.5 * (lo + hi);
		if (vg_stat_t_tail2(mid, df) > p2)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

static double norm_pdf(double x)
{
	return 0.39894228040143268 * exp(-0.5 * x * x);
}

static double norm_cdf(double x)
{
	return 0.5 * erfc(-x * 0.70710678118654752);
}

/* P(X > x), accurate far into the upper tail. */
static double norm_sf(double x)
{
	return 0.5 * erfc(x * 0.70710678118654752);
}

/* x with P(X > x) = p for standard normal X, by bisection on erfc. */
static double norm_quantile_upper(double p)
{
	double lo = -40, hi = 40;
	for (int i = 0; i < 200 && hi - lo > 1e-13; i++) {
		double mid = 0.5 * (lo + hi);
		if (norm_sf(mid) > p)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

double vg_stat_norm_isf(double p)
{
	if (!(p > 0 && p < 1))
		return NAN;
	return norm_quantile_upper(p);
}

/*
 * P(|X| > c or |Y| > c) for standard normal X, Y with correlation r:
 * 1 - integral over |x| < c of phi(x) P(|Y| < c | X = x), Simpson's rule.
 */
static double union_tail(double c, double r)
{
	const int n = 160;
	double s = sqrt(1 - r * r), h = 2 * c / n, acc = 0;

	for (int i = 0; i <= n; i++) {
		double x = -c + i * h;
		double w = (i == 0 || i == n) ? 1 : (i & 1) ? 4 : 2;
		acc += w * norm_pdf(x) *
		       (norm_cdf((c - r * x) / s) - norm_cdf((-c - r * x) / s));
	}
	return 1 - acc * h / 3;
}

double vg_stat_union_crit(double r, double alpha)
{
	if (!(alpha > 0 && alpha < 1) || !(r >= 0 && r < 1))
		return NAN;
	/*
	 * The answer lies between the one-test value (r -> 1) and the
	 * Bonferroni one (alpha / 2 each); regula falsi with the Illinois
	 * step finds it in a few evaluations, which matters because the
	 * verdict of every session asks for it.
	 */
	double lo = norm_quantile_upper(alpha / 2) - 1e-9;
	double hi = norm_quantile_upper(alpha / 4) + 1e-9;
	double flo = union_tail(lo, r) - alpha, fhi = union_tail(hi, r) - alpha;
	int side = 0;

	for (int i = 0; i < 100 && hi - lo > 1e-10; i++) {
		double c = (lo * fhi - hi * flo) / (fhi - flo);
		double fc = union_tail(c, r) - alpha;
		if (fc == 0)
			return c;
		if ((fc > 0) == (flo > 0)) {
			lo = c;
			flo = fc;
			if (side == -1)
				fhi /= 2;
			side = -1;
		} else {
			hi = c;
			fhi = fc;
			if (side == 1)
				flo /= 2;
			side = 1;
		}
	}
	return 0.5 * (lo + hi);
}

/* ---- the line ---- */

static void est_clear(struct vg_change_est *e)
{
	e->delta = e->ci_lo = e->ci_hi = e->se = e->df = e->rho = NAN;
	e->blocks = 0;
}

int vg_stat_trend(const double *t, const double *y, const bool *ok, size_t n,
		  size_t batch, double dist, double level,
		  struct vg_change_est *e, double *resid)
{
	size_t m = 0;
	double st = 0, sy = 0, syy_raw = 0;

	est_clear(e);
	for (size_t k = 0; k < n; k++) {
		if (resid)
			resid[k] = NAN;
		if (ok && !ok[k])
			continue;
		st += t[k];
		sy += y[k];
		syy_raw += y[k] * y[k];
		m++;
	}
	if (m < 4 || !(level > 0 && level < 1))
		return -ENODATA;
	double tm = st / (double)m, ym = sy / (double)m, sxx = 0, sxy = 0;
	for (size_t k = 0; k < n; k++) {
		if (ok && !ok[k])
			continue;
		sxx += (t[k] - tm) * (t[k] - tm);
		sxy += (t[k] - tm) * (y[k] - ym);
	}
	if (!(sxx > 0))
		return -ENODATA;
	double b = sxy / sxx, ssr = 0, lag = 0;
	bool prev = false;
	double prev_r = 0;
	for (size_t k = 0; k < n; k++) {
		if (ok && !ok[k]) {
			prev = false;
			continue;
		}
		double r = y[k] - ym - b * (t[k] - tm);
		if (resid)
			resid[k] = r;
		ssr += r * r;
		/* Lag-1 pairs only between neighbouring blocks. */
		if (prev)
			lag += r * prev_r;
		prev = true;
		prev_r = r;
	}
	/*
	 * The lag-1 autocorrelation of a short series' residuals is biased
	 * low by about (1 + 3 r) / n (Marriott and Pope 1954); a negative
	 * estimate is not trusted to shrink the interval.
	 */
	/*
	 * An exact line leaves residuals of rounding noise only, whose
	 * "autocorrelation" is meaningless: there is nothing to correct.
	 */
	double r1 = ssr > 1e-20 * (syy_raw + 1e-300) ? lag / ssr : 0;
	r1 += (1 + 3 * r1) / (double)m;
	if (r1 < 0)
		r1 = 0;
	if (r1 > 0.95)
		r1 = 0.95;
	double infl = (1 + r1) / (1 - r1);
	/*
	 * Lag 1 misses dependence that skips a neighbour: a breathing wave
	 * that fits 2.5 times into a block makes neighbours alternate while
	 * their level drifts. Sums of @batch consecutive residuals see it;
	 * the larger of the two inflations is used.
	 */
	if (batch >= 2 && m / batch >= 2 && ssr > 0) {
		double sb = 0, s2 = 0;
		size_t in = 0, g = 0;
		for (size_t k = 0; k < n; k++) {
			if (ok && !ok[k])
				continue;
			sb += y[k] - ym - b * (t[k] - tm);
			if (++in == batch) {
				s2 += sb * sb;
				g++;
				sb = 0;
				in = 0;
			}
		}
		double fb = s2 / (double)g / ((double)batch * ssr / (double)m);
		if (fb > infl)
			infl = fb;
	}
	double df = (double)m / infl - 2;
	if (df > (double)m - 2)
		df = (double)m - 2;
	if (df < 1) {
		e->rho = r1;
		e->blocks = m;
		return -ERANGE;
	}
	double se = sqrt(ssr / ((double)m - 2) / sxx * infl) * fabs(dist);
	double q = vg_stat_t_crit(1 - level, df);
	e->delta = b * dist;
	e->se = se;
	e->df = df;
	e->rho = r1;
	e->ci_lo = e->delta - q * se;
	e->ci_hi = e->delta + q * se;
	e->blocks = m;
	return 0;
}

/* ---- blocks ---- */

struct block {
	double t0, t1;	       /* seconds */
	double sum_ms, sum_d2; /* intervals and squared differences */
	size_t n, nd;
};

/*
 * Splits [a, b] into round((b - a) / len) equal blocks (at least one when
 * @at_least_one) appended at @out + *nb.
 */
static void split(double a, double b, double len, bool at_least_one,
		  bool floor_count, struct block *out, size_t *nb)
{
	double span = b - a;
	if (!(span > 0))
		return;
	size_t m = (size_t)(floor_count ? floor(span / len + 1e-9)
					: floor(span / len + 0.5));
	if (!m && at_least_one)
		m = 1;
	for (size_t k = 0; k < m; k++) {
		struct block *bk = &out[(*nb)++];
		memset(bk, 0, sizeof(*bk));
		bk->t0 = a + span * (double)k / (double)m;
		bk->t1 =
		    k + 1 == m ? b : a + span * (double)(k + 1) / (double)m;
	}
}

/*
 * Splits [a, b] into blocks of 0.75 to 1.25 @len whose lengths follow the
 * golden-ratio sequence frac(k 0.618...), scaled to fill [a, b] exactly.
 * A steady rhythm (paced breathing) meets the blocks at phases that jump
 * about instead of drifting slowly along an even grid, where the drift
 * alone would tilt the line through the blocks' logs. Returns the count.
 */
static size_t split_irregular(double a, double b, double len, struct block *out,
			      size_t cap)
{
	const double phi = 0.61803398874989485;
	double span = b - a, sum = 0;
	size_t m = 0;

	if (!(span > 0))
		return 0;
	/* Whole blocks while they fit, at least one. */
	while (m + 1 < cap) {
		double l = len * (0.75 + 0.5 * fmod((double)m * phi, 1.0));
		if (m && sum + l > span)
			break;
		sum += l;
		m++;
	}
	double scale = span / sum, at = a;
	for (size_t k = 0; k < m; k++) {
		double l = len * (0.75 + 0.5 * fmod((double)k * phi, 1.0));
		memset(&out[k], 0, sizeof(out[k]));
		out[k].t0 = at;
		at = k + 1 == m ? b : at + l * scale;
		out[k].t1 = at;
	}
	return m;
}

/* Blocks of the start window, the middle and the end window. */
static size_t make_blocks(const struct vg_change_windows *w, double len,
			  bool floor_count, struct block **out, size_t *n_start,
			  size_t *n_end)
{
	double span = w->end_t1_s - w->start_t0_s;
	/* Irregular blocks are at least 0.75 len long. */
	size_t cap = (size_t)(span / (0.75 * len)) + 8;
	struct block *b = calloc(cap, sizeof(*b));
	size_t nb = 0;

	*out = b;
	if (!b)
		return 0;
	if (floor_count) {
		/* Whole blocks inside each window: a spectrum per block. */
		split(w->start_t0_s, w->start_t1_s, len, true, true, b, &nb);
		*n_start = nb;
		split(w->start_t1_s, w->end_t0_s, len, false, true, b, &nb);
		size_t before = nb;
		split(w->end_t0_s, w->end_t1_s, len, true, true, b, &nb);
		*n_end = nb - before;
		return nb;
	}
	/*
	 * One grid over the whole span. Blocks cut to fit each window would
	 * meet a steady breathing wave at one phase in the start window and
	 * another in the end window, and with a partial cycle per block
	 * that alone moves the mean of the blocks' logs.
	 */
	nb = split_irregular(w->start_t0_s, w->end_t1_s, len, b, cap);
	*n_start = *n_end = 0;
	for (size_t k = 0; k < nb; k++) {
		double c = 0.5 * (b[k].t0 + b[k].t1);
		*n_start += c <= w->start_t1_s;
		*n_end += c >= w->end_t0_s;
	}
	return nb;
}

/*
 * Index of the block [t0, t1) (s) holding the beat at @t_ms in the sorted
 * blocks, or -1.
 */
static long find_block(const struct block *b, size_t nb, double t_ms)
{
	size_t lo = 0, hi = nb;

	if (!nb || !(t_ms >= b[0].t0 * 1000) || !(t_ms < b[nb - 1].t1 * 1000))
		return -1;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (t_ms >= b[mid].t0 * 1000)
			lo = mid;
		else
			hi = mid;
	}
	return (long)lo;
}

/* Beat i ends at t_ms[i] / 1000 s; interval i lies in its beat's block. */
static void fill_blocks(const struct vg_rr_series *s, struct block *b,
			size_t nb)
{
	long prev_blk = -1;

	for (size_t i = 0; i < s->n; i++) {
		long k = find_block(b, nb, s->t_ms[i]);
		if (k >= 0 && isfinite(s->ms[i]) && s->ms[i] > 0) {
			b[k].sum_ms += s->ms[i];
			b[k].n++;
			if (i > 0 && prev_blk == k &&
			    !(s->flags[i] & VG_RR_GAP_BEFORE) &&
			    isfinite(s->ms[i - 1]) && s->ms[i - 1] > 0) {
				double d = s->ms[i] - s->ms[i - 1];
				b[k].sum_d2 += d * d;
				b[k].nd++;
			}
		}
		prev_blk = k;
	}
}

static double centre(double a, double b)
{
	return 0.5 * (a + b);
}

/*
 * Sub-series of the intervals whose beat lies in [t0, t1) seconds: the
 * rule of the report's windows (include/vagus/report.h), so the start
 * and end values here are the windows' own.
 */
static int cut(const struct vg_rr_series *s, double t0, double t1,
	       struct vg_rr_series *out)
{
	bool prev_in = false;

	vg_rr_clear(out);
	for (size_t i = 0; i < s->n; i++) {
		/* Compared in ms exactly as report.c does. */
		double t = s->t_ms[i];
		bool in = t >= t0 * 1000 && t < t1 * 1000 && isfinite(s->ms[i]);
		uint8_t fl = s->flags[i];
		if (!in) {
			prev_in = false;
			continue;
		}
		/* The previous beat is outside: no difference to it. */
		if (!prev_in)
			fl |= VG_RR_GAP_BEFORE;
		prev_in = true;
		int err = vg_rr_push(out, s->ms[i], s->t_ms[i], fl);
		if (err)
			return err;
	}
	return 0;
}

struct window_vals {
	double hr, rmssd, ln, hf, resp;
	double coverage, corrected;
	size_t diffs;
};

static int window_values(const struct vg_rr_series *s, double t0, double t1,
			 bool freq, struct vg_rr_series *tmp,
			 struct window_vals *v)
{
	struct vg_hrv_time tm;
	double sum = 0;
	size_t corr = 0;
	int err = cut(s, t0, t1, tmp);

	memset(v, 0, sizeof(*v));
	v->hf = v->resp = NAN;
	if (err)
		return err;
	for (size_t i = 0; i < tmp->n; i++) {
		sum += tmp->ms[i];
		corr +=
		    (tmp->flags[i] & (VG_RR_CORRECTED | VG_RR_INSERTED)) != 0;
	}
	v->coverage = t1 > t0 ? sum / ((t1 - t0) * 1000.0) : 0;
	if (v->coverage > 1)
		v->coverage = 1;
	v->corrected = tmp->n ? (double)corr / (double)tmp->n : 0;
	vg_hrv_time(tmp, &tm);
	v->hr = tm.mean_hr_bpm;
	v->rmssd = tm.rmssd_ms;
	v->ln = tm.ln_rmssd;
	v->diffs = tm.diffs;
	if (freq && tmp->n >= 3) {
		struct vg_hrv_opts ho;
		struct vg_hrv_freq fq;
		vg_hrv_opts_default(&ho);
		err = vg_hrv_freq(tmp, &ho, &fq);
		if (err == -ENOMEM)
			return err;
		if (!err) {
			v->hf = fq.hf_ms2;
			v->resp = fq.resp_rate_bpm;
		}
	}
	return 0;
}

/* Carries a log-scale change to units at @start: start (exp(s d) - 1). */
static void to_units(struct vg_change_est *e, double start, double sign)
{
	if (!isfinite(e->delta) || !isfinite(start)) {
		e->delta = e->ci_lo = e->ci_hi = NAN;
		return;
	}
	double d = start * (exp(sign * e->delta) - 1);
	double a = start * (exp(sign * e->ci_lo) - 1);
	double b = start * (exp(sign * e->ci_hi) - 1);
	e->delta = d;
	e->ci_lo = a < b ? a : b;
	e->ci_hi = a < b ? b : a;
}

/* HF power and breathing rate over blocks of at least freq_block_s. */
static int freq_change(const struct vg_rr_series *s,
		       const struct vg_change_windows *w,
		       const struct vg_change_opts *o, double dist,
		       struct vg_rr_series *tmp, struct vg_change_result *out)
{
	struct block *b;
	size_t ns, ne, nb = make_blocks(w, o->freq_block_s, true, &b, &ns, &ne);
	int err = 0;

	if (!b)
		return -ENOMEM;
	double *t = calloc(nb + 1, sizeof(*t));
	double *hf = calloc(nb + 1, sizeof(*hf));
	double *rb = calloc(nb + 1, sizeof(*rb));
	bool *okh = calloc(nb + 1, sizeof(*okh));
	bool *okr = calloc(nb + 1, sizeof(*okr));
	if (!t || !hf || !rb || !okh || !okr) {
		err = -ENOMEM;
		goto out;
	}
	struct vg_hrv_opts ho;
	vg_hrv_opts_default(&ho);
	for (size_t k = 0; k < nb; k++) {
		struct vg_hrv_freq fq;
		t[k] = centre(b[k].t0, b[k].t1);
		err = cut(s, b[k].t0, b[k].t1, tmp);
		if (err)
			goto out;
		if (tmp->n < 3)
			continue;
		err = vg_hrv_freq(tmp, &ho, &fq);
		if (err == -ENOMEM)
			goto out;
		err = 0;
		if (isfinite(fq.hf_ms2) && fq.hf_ms2 > 0) {
			hf[k] = log(fq.hf_ms2);
			okh[k] = true;
		}
		if (isfinite(fq.resp_rate_bpm)) {
			rb[k] = fq.resp_rate_bpm;
			okr[k] = true;
		}
	}
	vg_stat_trend(t, hf, okh, nb, 0, dist, o->level, &out->hf_ms2, NULL);
	to_units(&out->hf_ms2, out->hf_ms2.start, 1);
	vg_stat_trend(t, rb, okr, nb, 0, dist, o->level, &out->resp_rate_bpm,
		      NULL);
out:
	free(b);
	free(t);
	free(hf);
	free(rb);
	free(okh);
	free(okr);
	return err;
}

static void place_swc(struct vg_change_result *out, const double *history,
		      size_t nhist)
{
	double sum = 0, ss = 0;
	size_t m = 0;

	out->swc = NAN;
	out->swc_place = VG_SWC_NONE;
	out->history = nhist;
	for (size_t i = 0; history && i < nhist; i++) {
		if (isfinite(history[i])) {
			sum += history[i];
			m++;
		}
	}
	if (m < SWC_MIN_HISTORY)
		return;
	double mean = sum / (double)m;
	for (size_t i = 0; i < nhist; i++)
		if (isfinite(history[i]))
			ss += (history[i] - mean) * (history[i] - mean);
	out->swc = 0.5 * sqrt(ss / (double)(m - 1));
	const struct vg_change_est *e = &out->ln_rmssd;
	if (!isfinite(e->ci_lo))
		return;
	if (e->ci_lo > out->swc)
		out->swc_place = VG_SWC_ABOVE;
	else if (e->ci_hi < -out->swc)
		out->swc_place = VG_SWC_BELOW;
	else if (e->ci_lo >= -out->swc && e->ci_hi <= out->swc)
		out->swc_place = VG_SWC_WITHIN;
	else
		out->swc_place = VG_SWC_UNCLEAR;
}

static void verdict(struct vg_change_result *out)
{
	const struct vg_change_est *ln = &out->ln_rmssd;
	double dln = ln->delta;

	out->t_ln = ln->se > 0 ? dln / ln->se : (dln == 0 ? 0 : dln * INFINITY);
	/* out->t_hr was set from the ln mean RR fit (rest = RR up). */
	double rz = sqrt((1 + out->rho_joint) / 2);
	double c = vg_stat_union_crit(rz, 1 - 0.95);
	double df = ln->df < out->hr_bpm.df ? ln->df : out->hr_bpm.df;
	out->crit = vg_stat_t_crit(2 * norm_sf(c), df);
	out->z_joint = (out->t_ln + out->t_hr) / sqrt(2 + 2 * out->rho_joint);
	bool up = out->t_ln > out->crit || out->z_joint > out->crit;
	bool down = out->t_ln < -out->crit || out->z_joint < -out->crit;
	/*
	 * Heart rate clearly moving the other way (its own 95 % interval
	 * on the far side of zero) makes the picture mixed: no claim.
	 */
	double q_hr = vg_stat_t_crit(0.05, out->hr_bpm.df);
	bool hr_up = out->t_hr<-q_hr, hr_down = out->t_hr> q_hr;
	out->verdict = VG_VERDICT_NO_CLEAR_CHANGE;
	if (up && dln > 0) {
		out->mixed = hr_up;
		if (!hr_up)
			out->verdict = VG_VERDICT_SHIFT_TO_REST;
	} else if (down && dln < 0) {
		out->mixed = hr_down;
		if (!hr_down)
			out->verdict = VG_VERDICT_SHIFT_TO_AROUSAL;
	}
}

static void result_clear(struct vg_change_result *out)
{
	struct vg_change_est *all[] = {&out->hr_bpm, &out->rmssd_ms,
				       &out->ln_rmssd, &out->hf_ms2,
				       &out->resp_rate_bpm};

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		est_clear(all[i]);
		all[i]->start = all[i]->end = NAN;
	}
	out->verdict = VG_VERDICT_INSUFFICIENT_DATA;
	out->t_ln = out->t_hr = out->z_joint = out->rho_joint = NAN;
	out->crit = out->swc = NAN;
}

static bool windows_ok(const struct vg_change_windows *w,
		       const struct vg_change_opts *o)
{
	const double eps = 1e-6;
	double a = w->start_t1_s - w->start_t0_s;
	double b = w->end_t1_s - w->end_t0_s;

	double span = w->end_t1_s - w->start_t0_s;

	/* A million blocks is some 80 days: anything longer is garbage. */
	return isfinite(w->start_t0_s) && isfinite(w->start_t1_s) &&
	       isfinite(w->end_t0_s) && isfinite(w->end_t1_s) &&
	       a + eps >= o->min_window_s && b + eps >= o->min_window_s &&
	       w->end_t0_s + eps >= w->start_t1_s && span / o->block_s <= 1e6;
}

int vg_change_compute(const struct vg_rr_series *s,
		      const struct vg_change_windows *w,
		      const struct vg_change_opts *opts, const double *history,
		      size_t nhist, struct vg_change_result *out)
{
	struct vg_change_opts def;
	struct vg_rr_series tmp = VG_RR_SERIES_INIT;
	struct window_vals ws, we;
	struct block *b = NULL;
	double *t = NULL, *lnr = NULL, *lrr = NULL, *r_ln = NULL, *r_rr = NULL;
	bool *ok_ln = NULL, *ok_rr = NULL;
	int err = 0;

	if (!s || !w || !out)
		return -EINVAL;
	if (!opts) {
		vg_change_opts_default(&def);
		opts = &def;
	}
	if (!(opts->block_s >= 1) || !(opts->freq_block_s >= 1) ||
	    !(opts->level > 0 && opts->level < 1) || !(opts->batch_s >= 0) ||
	    !(opts->min_window_s >= 0))
		return -EINVAL;
	result_clear(out);
	place_swc(out, history, nhist);
	if (!windows_ok(w, opts)) {
		out->reason = VG_CHANGE_BAD_WINDOWS;
		return 0;
	}
	err = window_values(s, w->start_t0_s, w->start_t1_s, opts->freq, &tmp,
			    &ws);
	if (!err)
		err = window_values(s, w->end_t0_s, w->end_t1_s, opts->freq,
				    &tmp, &we);
	if (err)
		goto out;
	out->hr_bpm.start = ws.hr;
	out->hr_bpm.end = we.hr;
	out->rmssd_ms.start = ws.rmssd;
	out->rmssd_ms.end = we.rmssd;
	out->ln_rmssd.start = ws.ln;
	out->ln_rmssd.end = we.ln;
	out->hf_ms2.start = ws.hf;
	out->hf_ms2.end = we.hf;
	out->resp_rate_bpm.start = ws.resp;
	out->resp_rate_bpm.end = we.resp;
	if (ws.coverage < opts->min_coverage ||
	    we.coverage < opts->min_coverage || ws.diffs < 2 || we.diffs < 2) {
		out->reason = VG_CHANGE_TOO_FEW_BEATS;
		goto out;
	}
	if (ws.corrected > opts->max_corrected ||
	    we.corrected > opts->max_corrected) {
		out->reason = VG_CHANGE_DIRTY;
		goto out;
	}
	if (!(ws.rmssd > 0) || !(we.rmssd > 0)) {
		out->reason = VG_CHANGE_NO_VARIATION;
		goto out;
	}

	size_t ns, ne, nb = make_blocks(w, opts->block_s, false, &b, &ns, &ne);
	t = calloc(nb + 1, sizeof(*t));
	lnr = calloc(nb + 1, sizeof(*lnr));
	lrr = calloc(nb + 1, sizeof(*lrr));
	r_ln = calloc(nb + 1, sizeof(*r_ln));
	r_rr = calloc(nb + 1, sizeof(*r_rr));
	ok_ln = calloc(nb + 1, sizeof(*ok_ln));
	ok_rr = calloc(nb + 1, sizeof(*ok_rr));
	if (!b || !t || !lnr || !lrr || !r_ln || !r_rr || !ok_ln || !ok_rr) {
		err = -ENOMEM;
		goto out;
	}
	fill_blocks(s, b, nb);
	for (size_t k = 0; k < nb; k++) {
		double len_ms = (b[k].t1 - b[k].t0) * 1000.0;
		bool covered = b[k].sum_ms >= 0.5 * len_ms;
		t[k] = centre(b[k].t0, b[k].t1);
		if (covered && b[k].n >= 3) {
			lrr[k] = log(b[k].sum_ms / (double)b[k].n);
			ok_rr[k] = true;
		}
		if (covered && b[k].nd >= 4 && b[k].sum_d2 > 0) {
			lnr[k] = 0.5 * log(b[k].sum_d2 / (double)b[k].nd);
			ok_ln[k] = true;
		}
	}
	/* Each window needs half of its blocks usable. */
	size_t v_start = 0, v_end = 0;
	for (size_t k = 0; k < ns; k++)
		v_start += ok_ln[k] && ok_rr[k];
	for (size_t k = nb - ne; k < nb; k++)
		v_end += ok_ln[k] && ok_rr[k];
	if (2 * v_start < ns || 2 * v_end < ne) {
		out->reason = VG_CHANGE_TOO_FEW_BLOCKS;
		goto out;
	}
	/* Batches of about batch_s for the long-range check. */
	size_t batch = (size_t)floor(opts->batch_s / opts->block_s + 0.5);
	double dist = centre(w->end_t0_s, w->end_t1_s) -
		      centre(w->start_t0_s, w->start_t1_s);
	struct vg_change_est hr;
	est_clear(&hr);
	hr.start = ws.hr;
	hr.end = we.hr;
	int e_ln = vg_stat_trend(t, lnr, ok_ln, nb, batch, dist, opts->level,
				 &out->ln_rmssd, r_ln);
	int e_hr = vg_stat_trend(t, lrr, ok_rr, nb, batch, dist, opts->level,
				 &hr, r_rr);
	if (e_ln || e_hr) {
		/*
		 * Enough blocks, but they wander so slowly (or so far from a
		 * line) that they count as less than three independent ones:
		 * say that, not "too few beats".
		 */
		bool blocks = e_ln == -ENODATA || e_hr == -ENODATA;
		out->reason = blocks ? VG_CHANGE_TOO_FEW_BLOCKS
				     : VG_CHANGE_TOO_FEW_EFFECTIVE;
		est_clear(&out->ln_rmssd);
		goto out;
	}
	out->t_hr = hr.se > 0 ? hr.delta / hr.se
			      : (hr.delta == 0 ? 0 : hr.delta * INFINITY);
	out->hr_bpm = hr;
	to_units(&out->hr_bpm, ws.hr, -1);
	out->rmssd_ms = out->ln_rmssd;
	out->rmssd_ms.start = ws.rmssd;
	out->rmssd_ms.end = we.rmssd;
	to_units(&out->rmssd_ms, ws.rmssd, 1);

	/* Correlation of the two residual series, over blocks with both. */
	double sxy = 0, sxx = 0, syy = 0;
	for (size_t k = 0; k < nb; k++) {
		if (!ok_ln[k] || !ok_rr[k])
			continue;
		sxy += r_ln[k] * r_rr[k];
		sxx += r_ln[k] * r_ln[k];
		syy += r_rr[k] * r_rr[k];
	}
	double rho = sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 0;
	out->rho_joint = rho > 0.99 ? 0.99 : rho < -0.99 ? -0.99 : rho;
	out->reason = VG_CHANGE_OK;
	verdict(out);
	place_swc(out, history, nhist);

	if (opts->freq) {
		err = freq_change(s, w, opts, dist, &tmp, out);
		if (err)
			goto out;
		const struct vg_change_est *br = &out->resp_rate_bpm;
		out->breathing_slowed =
		    isfinite(br->delta) && isfinite(br->start) &&
		    br->delta <= -opts->slow_breath_bpm &&
		    br->delta <= -opts->slow_breath_frac * br->start;
	}
out:
	if (err)
		result_clear(out);
	vg_rr_free(&tmp);
	free(b);
	free(t);
	free(lnr);
	free(lrr);
	free(r_ln);
	free(r_rr);
	free(ok_ln);
	free(ok_rr);
	return err;
}

static int fmt_ci(char *buf, size_t len, const char *what,
		  const struct vg_change_est *e, const char *unit, int prec)
{
	return snprintf(buf, len,
			"%s changed by %+.*f%s (95 %% CI %+.*f to %+.*f)", what,
			prec, e->delta, unit, prec, e->ci_lo, prec, e->ci_hi);
}

/* Appends to @buf (may be NULL with @len 0) and counts what it needed. */
static void add(char *buf, size_t len, int *n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add(char *buf, size_t len, int *n, const char *fmt, ...)
{
	va_list ap;
	size_t at = (size_t)*n;
	va_start(ap, fmt);
	int k = vsnprintf(at < len ? buf + at : NULL, at < len ? len - at : 0,
			  fmt, ap);
	va_end(ap);
	if (k > 0)
		*n += k;
}

int vg_change_sentence(const struct vg_change_result *r, char *buf, size_t len)
{
	char ln[160], hr[160];
	int n = 0;

	if (!buf)
		len = 0;
	if (r->verdict == VG_VERDICT_INSUFFICIENT_DATA) {
		add(buf, len, &n,
		    "Not enough clean data to judge a change: %s.",
		    vg_change_reason_text(r->reason));
		return n;
	}
	fmt_ci(ln, sizeof(ln), "lnRMSSD", &r->ln_rmssd, "", 2);
	fmt_ci(hr, sizeof(hr), "heart rate", &r->hr_bpm, " bpm", 1);
	switch (r->verdict) {
	case VG_VERDICT_SHIFT_TO_REST:
		add(buf, len, &n, "Clear shift towards rest: %s, %s.", ln, hr);
		break;
	case VG_VERDICT_SHIFT_TO_AROUSAL:
		add(buf, len, &n, "Shift towards arousal: %s, %s.", ln, hr);
		break;
	default:
		if (r->mixed)
			add(buf, len, &n,
			    "Mixed signals, no clear shift: %s, but %s the "
			    "other way.",
			    ln, hr);
		else
			add(buf, len, &n,
			    "No clear change: %s, %s; the data cannot tell "
			    "this apart from ordinary variation.",
			    ln, hr);
		break;
	}
	/*
	 * The 95 % interval alone can exclude zero while the joint test
	 * (stricter, since it looks at two measures) does not: say so rather
	 * than leave a reader to wonder.
	 */
	if (r->verdict == VG_VERDICT_NO_CLEAR_CHANGE && !r->mixed &&
	    (r->ln_rmssd.ci_lo > 0 || r->ln_rmssd.ci_hi < 0))
		add(buf, len, &n,
		    " The lnRMSSD interval alone excludes zero, but a claim "
		    "weighs lnRMSSD and heart rate together at a 5 %% error "
		    "rate and needs |t| above %.2f (here %.2f): borderline.",
		    r->crit, fabs(r->t_ln));
	if (r->breathing_slowed && r->ln_rmssd.delta > 0)
		add(buf, len, &n,
		    " Breathing slowed from %.1f to %.1f breaths/min, so part "
		    "of the RMSSD rise reflects slower breathing rather than "
		    "more vagal activity.",
		    r->resp_rate_bpm.start, r->resp_rate_bpm.end);
	switch (r->swc_place) {
	case VG_SWC_ABOVE:
		add(buf, len, &n,
		    " The rise is larger than your smallest worthwhile change "
		    "(%.2f, from %zu sessions).",
		    r->swc, r->history);
		break;
	case VG_SWC_BELOW:
		add(buf, len, &n,
		    " The fall is larger than your smallest worthwhile change "
		    "(%.2f, from %zu sessions).",
		    r->swc, r->history);
		break;
	case VG_SWC_WITHIN:
		add(buf, len, &n,
		    " The change lies within your usual day-to-day variation "
		    "(+/- %.2f, from %zu sessions).",
		    r->swc, r->history);
		break;
	case VG_SWC_UNCLEAR:
		add(buf, len, &n,
		    " Against your smallest worthwhile change (+/- %.2f, from "
		    "%zu sessions) it is not yet clear.",
		    r->swc, r->history);
		break;
	case VG_SWC_NONE:
		break;
	}
	return n;
}
