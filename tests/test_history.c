/* SPDX-License-Identifier: MIT */
/*
 * The pure maths of the history (include/vagus/history.h): session IDs
 * to times, the normal range and trends worked by hand, and the
 * comparison of two conditions against values computed independently
 * with mpmath at 30 digits (the Student t CDF from the regularised
 * incomplete beta, the noncentral t CDF by adaptive quadrature over the
 * chi-square variable; neither shares code with the C here), Cohen's
 * power tables (64 per group for d = 0.5, 26 for 0.8, 394 for 0.2), and
 * the identity P(T' <= 0) = Phi(-ncp).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "vagus/history.h"

static void test_id_time(void)
{
	double t = 0;

	/* tests/session_journal.h: 2026-11-30T04:37:18Z = 1796013438 s. */
	CHECK_EQ(vg_history_id_time("20261130-043718", &t), 0);
	CHECK_NEAR(t, 1796013438.0, 0);
	CHECK_EQ(vg_history_id_time("20261130-043718-2", &t), 0);
	CHECK_NEAR(t, 1796013438.0, 0);
	CHECK_EQ(vg_history_id_time("19700101-000000", &t), 0);
	CHECK_NEAR(t, 0, 0);
	/* A leap day: 2024-02-29T12:00:00Z = 1709208000. */
	CHECK_EQ(vg_history_id_time("20240229-120000", &t), 0);
	CHECK_NEAR(t, 1709208000.0, 0);
	CHECK_EQ(vg_history_id_time("20230229-120000", &t), -EINVAL);
	CHECK_EQ(vg_history_id_time("20261330-043718", &t), -EINVAL);
	CHECK_EQ(vg_history_id_time("20261130-243718", &t), -EINVAL);
	CHECK_EQ(vg_history_id_time("20261130-043718-1", &t), -EINVAL);
	CHECK_EQ(vg_history_id_time("20261130-043718-", &t), -EINVAL);
	CHECK_EQ(vg_history_id_time("20261130-043718x", &t), -EINVAL);
	CHECK_EQ(vg_history_id_time("2026113-043718", &t), -EINVAL);
	CHECK_EQ(vg_history_id_time("../../etc/passwd", &t), -EINVAL);
	CHECK_EQ(vg_history_id_time("", &t), -EINVAL);
	CHECK_EQ(vg_history_id_time(NULL, &t), -EINVAL);
}

static void test_range(void)
{
	/* Mean 4.0, squares of deviations 0.10, SD sqrt(0.1 / 6). */
	const double rest[] = {4.0, 4.2, 3.8, 4.1, 3.9, 4.0, 4.0};
	struct vg_history_range r;
	double sd = sqrt(0.1 / 6);

	vg_history_range_of(rest, 7, &r);
	CHECK_EQ(r.n, 7);
	CHECK_NEAR(r.mean, 4.0, 1e-12);
	CHECK_NEAR(r.sd, sd, 1e-12);
	CHECK_NEAR(r.swc, 0.5 * sd, 1e-12);
	CHECK_NEAR(r.lo, 4.0 - 0.5 * sd, 1e-12);
	CHECK_NEAR(r.hi, 4.0 + 0.5 * sd, 1e-12);
	/* Six values: mean and SD, but no range yet. */
	vg_history_range_of(rest, 6, &r);
	CHECK_EQ(r.n, 6);
	CHECK(isfinite(r.sd) && isnan(r.swc) && isnan(r.lo));
	vg_history_range_of(NULL, 0, &r);
	CHECK(r.n == 0 && isnan(r.mean));
}

static void test_build(void)
{
	/*
	 * Nine sessions a day apart; the fourth is invalid (no windows) and
	 * must count nowhere. Valid resting values: the seven of test_range,
	 * then 4.2 (above its range) and 3.99 (within the range of the
	 * eight before it).
	 */
	const double rest[] = {4.0, 4.2, 3.8, NAN, 4.1,
			       3.9, 4.0, 4.0, 4.2, 3.99};
	struct vg_history_session s[10];
	struct vg_history_point pt[10];
	struct vg_history_summary sum;
	double sd7 = sqrt(0.1 / 6);

	memset(s, 0, sizeof(s));
	for (int i = 0; i < 10; i++) {
		s[i].id = "x";
		s[i].start_s = 1.7e9 + 86400.0 * i;
		s[i].ok = i != 3;
		s[i].rest_ln_rmssd = rest[i];
		s[i].rest_hr_bpm = 60;
	}
	CHECK_EQ(vg_history_build(s, 10, pt, &sum), 0);
	CHECK_EQ(sum.sessions, 10);
	CHECK_EQ(sum.valid, 9);
	/* Session 7 has six valid ones before it: no range. */
	CHECK_EQ(pt[7].range.n, 6);
	CHECK_EQ(pt[7].place, VG_HISTORY_NO_RANGE);
	CHECK_EQ(pt[3].place, VG_HISTORY_NO_RANGE);
	CHECK(isnan(pt[3].roll7_ln_rmssd));
	CHECK_EQ(pt[8].range.n, 7);
	CHECK_NEAR(pt[8].range.mean, 4.0, 1e-12);
	CHECK_NEAR(pt[8].range.swc, 0.5 * sd7, 1e-12);
	CHECK_EQ(pt[8].place, VG_HISTORY_ABOVE);
	/* Eight before session 9: mean 32.2 / 8, SD by hand below. */
	double m8 = 32.2 / 8, ss = 0;
	const double v8[] = {4.0, 4.2, 3.8, 4.1, 3.9, 4.0, 4.0, 4.2};
	for (int i = 0; i < 8; i++)
		ss += (v8[i] - m8) * (v8[i] - m8);
	CHECK_EQ(pt[9].range.n, 8);
	CHECK_NEAR(pt[9].range.mean, m8, 1e-12);
	CHECK_NEAR(pt[9].range.sd, sqrt(ss / 7), 1e-12);
	CHECK_EQ(pt[9].place, VG_HISTORY_WITHIN);
	/* Rolling mean of the last seven valid up to session 9. */
	CHECK_NEAR(pt[9].roll7_ln_rmssd,
		   (3.8 + 4.1 + 3.9 + 4.0 + 4.0 + 4.2 + 3.99) / 7, 1e-12);
	CHECK_NEAR(pt[0].roll7_ln_rmssd, 4.0, 1e-12);
	/* The range for the next session: all nine valid ones. */
	CHECK_EQ(sum.now.n, 9);
	CHECK_NEAR(sum.now.mean, (32.2 + 3.99) / 9, 1e-12);
	/* Flat heart rate: a zero slope with a zero-width interval. */
	CHECK_NEAR(sum.rest_hr_bpm.per_30d, 0, 1e-12);
	CHECK_EQ(sum.rest_hr_bpm.n, 9);

	/* Below the range. */
	s[9].rest_ln_rmssd = 3.5;
	CHECK_EQ(vg_history_build(s, 10, pt, NULL), 0);
	CHECK_EQ(pt[9].place, VG_HISTORY_BELOW);

	/* The rolling baseline keeps the last 30 only. */
	struct vg_history_session many[40];
	struct vg_history_point mp[40];
	memset(many, 0, sizeof(many));
	for (int i = 0; i < 40; i++) {
		many[i].ok = true;
		many[i].start_s = 86400.0 * i;
		/* The first ten are far off: they must leave the baseline. */
		many[i].rest_ln_rmssd = i < 10 ? 10.0 : (i % 2 ? 4.1 : 3.9);
		many[i].rest_hr_bpm = 60;
	}
	CHECK_EQ(vg_history_build(many, 40, mp, &sum), 0);
	CHECK_EQ(mp[39].range.n, 30);
	CHECK_NEAR(sum.now.mean, 4.0, 1e-12);
	CHECK_EQ(vg_history_build(NULL, 3, NULL, NULL), -EINVAL);
	CHECK_EQ(vg_history_build(NULL, 0, NULL, &sum), 0);
	CHECK_EQ(sum.sessions, 0);
	CHECK(isnan(sum.rest_ln_rmssd.per_30d));
}

static void test_trend(void)
{
	/*
	 * Days 0..3, values 1, 3, 2, 5: slope 5.5 / 5 = 1.1 per day,
	 * residuals -0.1, 0.8, -1.3, 0.6 (SSE 2.7), SE sqrt(2.7 / 2 / 5),
	 * t(0.975, 2) = 4.302652730. Per 30 days: 33 +/- 30 x 2.2357.
	 */
	struct vg_history_session s[4];
	struct vg_history_summary sum;
	const double y[] = {1, 3, 2, 5};

	memset(s, 0, sizeof(s));
	for (int i = 0; i < 4; i++) {
		s[i].ok = true;
		s[i].start_s = 1.8e9 + 86400.0 * i;
		s[i].rest_ln_rmssd = y[i];
		s[i].rest_hr_bpm = 70 - y[i];
	}
	CHECK_EQ(vg_history_build(s, 4, NULL, &sum), 0);
	double half = 30 * 4.302652730 * sqrt(2.7 / 2 / 5);
	CHECK_NEAR(sum.rest_ln_rmssd.per_30d, 33, 1e-9);
	CHECK_NEAR(sum.rest_ln_rmssd.ci_lo, 33 - half, 1e-6);
	CHECK_NEAR(sum.rest_ln_rmssd.ci_hi, 33 + half, 1e-6);
	CHECK_NEAR(sum.rest_hr_bpm.per_30d, -33, 1e-9);
	/* Two points: no line. */
	CHECK_EQ(vg_history_build(s, 2, NULL, &sum), 0);
	CHECK(isnan(sum.rest_ln_rmssd.per_30d));
}

static void test_nct(void)
{
	/* mpmath references (see the top of the file). */
	CHECK_NEAR(vg_stat_nct_cdf(1.5, 8, 0.7), 0.760053567662255, 1e-8);
	CHECK_NEAR(vg_stat_nct_cdf(-0.3, 3, 1.2), 0.0712425732978993, 1e-8);
	CHECK_NEAR(vg_stat_nct_cdf(2.1, 40, 2.5), 0.343694318016463, 1e-8);
	/* P(T' <= 0) = P(Z <= -ncp), whatever the degrees of freedom. */
	for (double df = 2; df < 5000; df *= 3.7) {
		CHECK_NEAR(vg_stat_nct_cdf(0, df, 1.3),
			   0.5 * erfc(1.3 / sqrt(2)), 1e-9);
		CHECK_NEAR(vg_stat_nct_cdf(0, df, -2.0),
			   0.5 * erfc(-2.0 / sqrt(2)), 1e-9);
	}
	/* No noncentrality: Student's t, t(0.975, 8) = 2.306004135. */
	CHECK_NEAR(vg_stat_nct_cdf(2.306004135204167, 8, 0), 0.975, 1e-9);
	CHECK_NEAR(vg_stat_nct_cdf(-2.306004135204167, 8, 0), 0.025, 1e-9);
	CHECK(isnan(vg_stat_nct_cdf(1, 0, 0)));
	CHECK(isnan(vg_stat_nct_cdf(NAN, 4, 0)));
	CHECK_NEAR(vg_stat_nct_cdf(INFINITY, 4, 1), 1, 0);
}

static void test_power(void)
{
	/* mpmath: power with n per group. */
	CHECK_NEAR(vg_stat_power_t2(0.5, 63, 0.05), 0.795168338123338, 1e-7);
	CHECK_NEAR(vg_stat_power_t2(0.5, 64, 0.05), 0.801459557922254, 1e-7);
	CHECK_NEAR(vg_stat_power_t2(0.8, 25, 0.05), 0.791451289985156, 1e-7);
	CHECK_NEAR(vg_stat_power_t2(1.0, 10, 0.05), 0.562006646586149, 1e-7);
	CHECK_NEAR(vg_stat_power_t2(0.2, 394, 0.05), 0.800593128402435, 1e-7);
	/* No effect: the test's level. */
	CHECK_NEAR(vg_stat_power_t2(0, 20, 0.05), 0.05, 1e-8);
	CHECK(isnan(vg_stat_power_t2(0.5, 1, 0.05)));
}

static void test_compare_equal(void)
{
	/*
	 * Same spread, n = 5 each: Welch's df is exactly 8, SE 1,
	 * difference -1.5, t(0.975, 8) = 2.306004135204167.
	 */
	const double a[] = {1, 2, 3, 4, 5};
	const double b[] = {2.5, 3.5, 4.5, 5.5, 6.5};
	struct vg_compare_result r;

	CHECK_EQ(vg_compare(a, 5, b, 5, NAN, &r), 0);
	CHECK_EQ(r.a.n, 5);
	CHECK_NEAR(r.a.mean, 3, 1e-12);
	CHECK_NEAR(r.b.sd, sqrt(2.5), 1e-12);
	CHECK_NEAR(r.diff, -1.5, 1e-12);
	CHECK_NEAR(r.se, 1, 1e-12);
	CHECK_NEAR(r.df, 8, 1e-9);
	CHECK_NEAR(r.ci_lo, -1.5 - 2.306004135204167, 1e-8);
	CHECK_NEAR(r.ci_hi, -1.5 + 2.306004135204167, 1e-8);
	CHECK_NEAR(r.p, 0.172003291951911, 1e-8);
	CHECK(r.open);
	/* d = -1.5 / sqrt(2.5); J(8) = Gamma(4) / (2 Gamma(3.5)). */
	CHECK_NEAR(r.d, -1.5 / sqrt(2.5), 1e-12);
	CHECK_NEAR(r.j, 6 / (2 * 3.3233509704478426), 1e-12);
	CHECK_NEAR(r.g, -0.856379575753330, 1e-10);
	CHECK_NEAR(r.g_lo, -2.02595417757773, 1e-6);
	CHECK_NEAR(r.g_hi, 0.359318322788118, 1e-6);
	/* Power for |g|: Cohen-style table value by bisection on n. */
	CHECK_NEAR(r.power_effect, 0.856379575753330, 1e-10);
	CHECK(r.n_per_group > 5);
	CHECK(vg_stat_power_t2(r.power_effect, r.n_per_group, 0.05) >= 0.8);
	CHECK(vg_stat_power_t2(r.power_effect, r.n_per_group - 1, 0.05) < 0.8);
	CHECK_EQ(r.more_a, r.n_per_group - 5);
	CHECK_EQ(r.more_b, r.n_per_group - 5);
	CHECK(r.power_now < 0.8);

	/* Assumed effects: Cohen's table (alpha 0.05 two-sided, 80 %). */
	CHECK_EQ(vg_compare(a, 5, b, 5, 0.5, &r), 0);
	CHECK_EQ(r.n_per_group, 64);
	CHECK_EQ(r.more_a, 59);
	CHECK_EQ(vg_compare(a, 5, b, 5, 0.8, &r), 0);
	CHECK_EQ(r.n_per_group, 26);
	CHECK_EQ(vg_compare(a, 5, b, 5, -0.2, &r), 0);
	CHECK_EQ(r.n_per_group, 394);
	/* Too small an effect to reach 80 % within the search limit. */
	CHECK_EQ(vg_compare(a, 5, b, 5, 1e-4, &r), 0);
	CHECK_EQ(r.n_per_group, -1);
	CHECK_EQ(vg_compare(a, 5, b, 5, 0, &r), 0);
	CHECK_EQ(r.n_per_group, -1);
}

static void test_compare_unequal(void)
{
	/* Unequal sizes and spread: Welch df 7.991..., mpmath values. */
	const double a[] = {0.12, 0.30, -0.05, 0.22, 0.41, 0.18, NAN};
	const double b[] = {0.02, -0.10, 0.15, 0.05};
	struct vg_compare_result r;

	CHECK_EQ(vg_compare(a, 7, b, 4, NAN, &r), 0);
	CHECK_EQ(r.a.n, 6);
	CHECK_EQ(r.b.n, 4);
	CHECK_NEAR(r.diff, 0.166666666666667, 1e-12);
	CHECK_NEAR(r.se, 0.0823070133369231, 1e-12);
	CHECK_NEAR(r.df, 7.99107854361514, 1e-9);
	CHECK_NEAR(r.ci_lo, -0.0231705364978120, 1e-8);
	CHECK_NEAR(r.ci_hi, 0.356503869831145, 1e-8);
	CHECK_NEAR(r.p, 0.0775025395959645, 1e-8);
	CHECK(r.open);
	CHECK_NEAR(r.d, 1.19531399195474, 1e-10);
	CHECK_NEAR(r.g, 1.07901392532760, 1e-10);
	CHECK_NEAR(r.g_lo, -0.203088979043191, 1e-6);
	CHECK_NEAR(r.g_hi, 2.30653615010368, 1e-6);
	CHECK_EQ(r.more_b, r.n_per_group - 4);
	CHECK_EQ(r.more_a, r.n_per_group - 6);

	/* A clear difference: the interval excludes zero. */
	const double c[] = {1.0, 1.1, 0.9, 1.05, 0.95};
	CHECK_EQ(vg_compare(c, 5, b, 4, NAN, &r), 0);
	CHECK(!r.open);
	CHECK(r.ci_lo > 0 && r.g_lo > 0);
}

static void test_compare_edges(void)
{
	const double a[] = {1, 2, 3};
	const double one[] = {5};
	const double flat[] = {2, 2, 2};
	struct vg_compare_result r;

	CHECK_EQ(vg_compare(a, 3, one, 1, NAN, &r), -ENODATA);
	CHECK_EQ(r.a.n, 3);
	CHECK_EQ(r.b.n, 1);
	CHECK_NEAR(r.diff, -3, 1e-12);
	CHECK(isnan(r.ci_lo) && isnan(r.g) && r.open);
	CHECK_EQ(vg_compare(flat, 3, flat, 3, NAN, &r), -ENODATA);
	CHECK_EQ(vg_compare(a, 3, NULL, 0, NAN, &r), -ENODATA);
	CHECK_EQ(vg_compare(NULL, 3, a, 3, NAN, &r), -EINVAL);
	CHECK_EQ(vg_compare(a, 3, a, 3, NAN, NULL), -EINVAL);
	/* One group without spread still has a Welch interval. */
	CHECK_EQ(vg_compare(a, 3, flat, 3, NAN, &r), 0);
	CHECK_NEAR(r.df, 2, 1e-12);
	CHECK_NEAR(r.diff, 0, 1e-12);
	CHECK(r.open);
	CHECK_EQ(r.n_per_group, -1);
}

int main(void)
{
	test_id_time();
	test_range();
	test_build();
	test_trend();
	test_nct();
	test_power();
	test_compare_equal();
	test_compare_unequal();
	test_compare_edges();
	return vg_test_done();
}
