/* SPDX-License-Identifier: MIT */
/*
 * History of sessions and the comparison of two conditions: see
 * include/vagus/history.h for the methods.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "vagus/change.h"
#include "vagus/history.h"

const char *vg_history_place_name(enum vg_history_place p)
{
	switch (p) {
	case VG_HISTORY_BELOW:
		return "below";
	case VG_HISTORY_WITHIN:
		return "within";
	case VG_HISTORY_ABOVE:
		return "above";
	case VG_HISTORY_NO_RANGE:
		break;
	}
	return "no_range";
}

/* ---- session IDs --------------------------------------------------- */

static bool leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int mdays(long y, int m)
{
	static const int d[12] = {31, 28, 31, 30, 31, 30,
				  31, 31, 30, 31, 30, 31};
	return m == 2 && leap(y) ? 29 : d[m - 1];
}

static long digits(const char *s, int n)
{
	long v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int vg_history_id_time(const char *id, double *t_s)
{
	if (!id || !t_s || strnlen(id, 32) < 15 || id[8] != '-')
		return -EINVAL;
	long y = digits(id, 4), mo = digits(id + 4, 2), d = digits(id + 6, 2);
	long h = digits(id + 9, 2), mi = digits(id + 11, 2);
	long s = digits(id + 13, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays(y, (int)mo) ||
	    h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60)
		return -EINVAL;
	if (id[15]) {
		/* "-N", N >= 2: the second session started in that second. */
		size_t n = strnlen(id + 16, 16);
		if (id[15] != '-' || n == 0 || n > 8 || id[16] == '0' ||
		    digits(id + 16, (int)n) < 2 || id[16 + n])
			return -EINVAL;
	}
	long days = 0;
	for (long yy = 1970; yy < y; yy++)
		days += leap(yy) ? 366 : 365;
	for (int m = 1; m < mo; m++)
		days += mdays(y, m);
	days += d - 1;
	*t_s = (double)days * 86400.0 + (double)(h * 3600 + mi * 60 + s);
	return 0;
}

/* ---- normal range and trends -------------------------------------- */

void vg_history_range_of(const double *rest, size_t n,
			 struct vg_history_range *r)
{
	double sum = 0, ss = 0;
	size_t m = 0;

	r->mean = r->sd = r->swc = r->lo = r->hi = NAN;
	for (size_t i = 0; rest && i < n; i++) {
		if (isfinite(rest[i])) {
			sum += rest[i];
			m++;
		}
	}
	r->n = m;
	if (!m)
		return;
	r->mean = sum / (double)m;
	if (m < 2)
		return;
	for (size_t i = 0; i < n; i++)
		if (isfinite(rest[i]))
			ss += (rest[i] - r->mean) * (rest[i] - r->mean);
	r->sd = sqrt(ss / (double)(m - 1));
	if (m < VG_HISTORY_MIN_SESSIONS)
		return;
	r->swc = 0.5 * r->sd;
	r->lo = r->mean - r->swc;
	r->hi = r->mean + r->swc;
}

static bool valid(const struct vg_history_session *s)
{
	return s->ok && isfinite(s->rest_ln_rmssd);
}

/*
 * The range from the valid sessions in s[0..end), the last
 * VG_HISTORY_BASELINE_MAX of them.
 */
static void range_before(const struct vg_history_session *s, size_t end,
			 struct vg_history_range *r)
{
	double v[VG_HISTORY_BASELINE_MAX];
	size_t m = 0;

	for (size_t i = end; i-- > 0 && m < VG_HISTORY_BASELINE_MAX;)
		if (valid(&s[i]))
			v[m++] = s[i].rest_ln_rmssd;
	vg_history_range_of(v, m, r);
}

static void trend(const struct vg_history_session *s, size_t n, bool hr,
		  struct vg_history_trend *t)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, t0 = NAN;
	size_t m = 0;

	t->per_30d = t->ci_lo = t->ci_hi = NAN;
	for (size_t i = 0; i < n; i++) {
		double y = hr ? s[i].rest_hr_bpm : s[i].rest_ln_rmssd;
		if (!valid(&s[i]) || !isfinite(y) || !isfinite(s[i].start_s))
			continue;
		if (isnan(t0))
			t0 = s[i].start_s;
		/* Days from the first session: keeps the sums well scaled. */
		double x = (s[i].start_s - t0) / 86400.0;
		sx += x;
		sy += y;
		m++;
	}
	t->n = m;
	if (m < 3)
		return;
	double mx = sx / (double)m, my = sy / (double)m;
	for (size_t i = 0; i < n; i++) {
		double y = hr ? s[i].rest_hr_bpm : s[i].rest_ln_rmssd;
		if (!valid(&s[i]) || !isfinite(y) || !isfinite(s[i].start_s))
			continue;
		double x = (s[i].start_s - t0) / 86400.0 - mx;
		sxx += x * x;
		sxy += x * (y - my);
	}
	if (!(sxx > 0))
		return;
	double b = sxy / sxx, sse = 0;
	for (size_t i = 0; i < n; i++) {
		double y = hr ? s[i].rest_hr_bpm : s[i].rest_ln_rmssd;
		if (!valid(&s[i]) || !isfinite(y) || !isfinite(s[i].start_s))
			continue;
		double x = (s[i].start_s - t0) / 86400.0 - mx;
		double e = y - my - b * x;
		sse += e * e;
	}
	double df = (double)(m - 2);
	double se = sqrt(sse / df / sxx);
	double c = vg_stat_t_crit(0.05, df);
	t->per_30d = 30 * b;
	t->ci_lo = 30 * (b - c * se);
	t->ci_hi = 30 * (b + c * se);
}

int vg_history_build(const struct vg_history_session *s, size_t n,
		     struct vg_history_point *pt,
		     struct vg_history_summary *sum)
{
	if (!s && n)
		return -EINVAL;
	for (size_t i = 0; pt && i < n; i++) {
		struct vg_history_point *p = &pt[i];

		range_before(s, i, &p->range);
		p->place = VG_HISTORY_NO_RANGE;
		p->roll7_ln_rmssd = NAN;
		if (!valid(&s[i]))
			continue;
		double x = s[i].rest_ln_rmssd;
		if (isfinite(p->range.swc))
			p->place = x < p->range.lo   ? VG_HISTORY_BELOW
				   : x > p->range.hi ? VG_HISTORY_ABOVE
						     : VG_HISTORY_WITHIN;
		double acc = 0;
		size_t m = 0;
		for (size_t k = i + 1; k-- > 0 && m < 7;) {
			if (valid(&s[k])) {
				acc += s[k].rest_ln_rmssd;
				m++;
			}
		}
		p->roll7_ln_rmssd = acc / (double)m;
	}
	if (sum) {
		memset(sum, 0, sizeof(*sum));
		sum->sessions = n;
		for (size_t i = 0; i < n; i++)
			sum->valid += valid(&s[i]);
		range_before(s, n, &sum->now);
		trend(s, n, false, &sum->rest_ln_rmssd);
		trend(s, n, true, &sum->rest_hr_bpm);
	}
	return 0;
}

/* ---- noncentral t and power --------------------------------------- */

static double norm_cdf(double x)
{
	return 0.5 * erfc(-x * 0.70710678118654752);
}

/*
 * P(T <= t) = E[Phi(t U - ncp)] with U = sqrt(chi2_df / df), whose
 * density is 2 (df/2)^(df/2) u^(df-1) exp(-df u^2 / 2) / Gamma(df/2).
 * Composite Simpson's rule over u in 1 -/+ 12 SD of U (SD about
 * 1 / sqrt(2 df)), where all but a negligible part of its mass lies.
 */
double vg_stat_nct_cdf(double t, double df, double ncp)
{
	const int n = 2000; /* even */

	if (!(df > 0) || isnan(t) || !isfinite(ncp))
		return NAN;
	if (isinf(t))
		return t > 0 ? 1 : 0;
	double s = 1 / sqrt(2 * df);
	double lo = fmax(0, 1 - 12 * s), hi = 1 + 12 * s + (df < 4 ? 4 : 0);
	double h = (hi - lo) / n, acc = 0;
	double lc = log(2) + 0.5 * df * log(0.5 * df) - lgamma(0.5 * df);

	for (int i = 0; i <= n; i++) {
		double u = lo + i * h;
		double w = (i == 0 || i == n) ? 1 : (i & 1) ? 4 : 2;
		if (u <= 0)
			continue; /* density 0 there for df > 1; a point */
		double f = exp(lc + (df - 1) * log(u) - 0.5 * df * u * u);
		acc += w * f * norm_cdf(t * u - ncp);
	}
	double p = acc * h / 3;
	return p < 0 ? 0 : p > 1 ? 1 : p;
}

double vg_stat_power_t2(double effect, long n, double alpha)
{
	if (n < 2 || !isfinite(effect) || !(alpha > 0 && alpha < 1))
		return NAN;
	double df = 2.0 * (double)n - 2;
	double ncp = fabs(effect) * sqrt((double)n / 2);
	double c = vg_stat_t_crit(alpha, df);
	return 1 - vg_stat_nct_cdf(c, df, ncp) + vg_stat_nct_cdf(-c, df, ncp);
}

/* The noncentrality that puts @t at the @p point: F(t; df, ncp) = p. */
static double nct_ncp_for(double t, double df, double p)
{
	/* F falls as ncp grows: widen a bracket, then bisect. */
	double lo = t - 2, hi = t + 2;
	for (int i = 0; i < 60 && vg_stat_nct_cdf(t, df, lo) < p; i++)
		lo -= 2 * (i + 1);
	for (int i = 0; i < 60 && vg_stat_nct_cdf(t, df, hi) > p; i++)
		hi += 2 * (i + 1);
	for (int i = 0; i < 100 && hi - lo > 1e-9; i++) {
		double mid = 0.5 * (lo + hi);
		if (vg_stat_nct_cdf(t, df, mid) > p)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

/* ---- comparison ---------------------------------------------------- */

static void group_of(const double *x, size_t n, struct vg_group *g)
{
	double sum = 0, ss = 0;
	size_t m = 0;

	g->mean = g->sd = NAN;
	for (size_t i = 0; x && i < n; i++) {
		if (isfinite(x[i])) {
			sum += x[i];
			m++;
		}
	}
	g->n = m;
	if (!m)
		return;
	g->mean = sum / (double)m;
	if (m < 2)
		return;
	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i]))
			ss += (x[i] - g->mean) * (x[i] - g->mean);
	g->sd = sqrt(ss / (double)(m - 1));
}

/* Smallest n per group with power >= 0.8, or -1 beyond the limit. */
static long n_for_power(double effect)
{
	if (!(fabs(effect) > 0) || !isfinite(effect))
		return -1;
	if (vg_stat_power_t2(effect, VG_HISTORY_POWER_NMAX, 0.05) < 0.8)
		return -1;
	long lo = 2, hi = VG_HISTORY_POWER_NMAX;
	if (vg_stat_power_t2(effect, lo, 0.05) >= 0.8)
		return lo;
	/* Power rises with n: keep power(lo) < 0.8 <= power(hi). */
	while (hi - lo > 1) {
		long mid = lo + (hi - lo) / 2;
		if (vg_stat_power_t2(effect, mid, 0.05) >= 0.8)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

int vg_compare(const double *a, size_t na, const double *b, size_t nb,
	       double effect, struct vg_compare_result *out)
{
	if (!out || (!a && na) || (!b && nb))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	group_of(a, na, &out->a);
	group_of(b, nb, &out->b);
	out->diff = out->a.mean - out->b.mean;
	out->se = out->df = out->ci_lo = out->ci_hi = out->p = NAN;
	out->d = out->j = out->g = out->g_lo = out->g_hi = NAN;
	out->power_effect = out->power_now = NAN;
	out->n_per_group = -1;
	out->open = true;

	size_t n1 = out->a.n, n2 = out->b.n;
	if (n1 < 2 || n2 < 2)
		return -ENODATA;
	double v1 = out->a.sd * out->a.sd / (double)n1;
	double v2 = out->b.sd * out->b.sd / (double)n2;
	if (!(v1 + v2 > 0))
		return -ENODATA;

	/* Welch. */
	out->se = sqrt(v1 + v2);
	out->df = (v1 + v2) * (v1 + v2) /
		  (v1 * v1 / (double)(n1 - 1) + v2 * v2 / (double)(n2 - 1));
	double c = vg_stat_t_crit(0.05, out->df);
	out->ci_lo = out->diff - c * out->se;
	out->ci_hi = out->diff + c * out->se;
	out->p = vg_stat_t_tail2(fabs(out->diff) / out->se, out->df);
	out->open = !(out->ci_lo > 0 || out->ci_hi < 0);

	/* Hedges' g and its noncentral-t interval. */
	double m = (double)(n1 + n2 - 2);
	double sp = sqrt(((double)(n1 - 1) * out->a.sd * out->a.sd +
			  (double)(n2 - 1) * out->b.sd * out->b.sd) /
			 m);
	double k = sqrt((double)n1 * (double)n2 / (double)(n1 + n2));
	out->d = out->diff / sp;
	out->j = exp(lgamma(m / 2) - 0.5 * log(m / 2) - lgamma((m - 1) / 2));
	out->g = out->j * out->d;
	double t = out->d * k;
	out->g_lo = out->j * nct_ncp_for(t, m, 0.975) / k;
	out->g_hi = out->j * nct_ncp_for(t, m, 0.025) / k;

	/* Sessions needed for 80 % power. */
	out->power_effect = isfinite(effect) ? fabs(effect) : fabs(out->g);
	long have = (long)(n1 < n2 ? n1 : n2);
	out->power_now = vg_stat_power_t2(out->power_effect, have, 0.05);
	out->n_per_group = n_for_power(out->power_effect);
	if (out->n_per_group > 0) {
		long need = out->n_per_group;
		out->more_a = need > (long)n1 ? need - (long)n1 : 0;
		out->more_b = need > (long)n2 ? need - (long)n2 : 0;
	}
	return 0;
}
