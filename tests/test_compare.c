/* SPDX-License-Identifier: MIT */
/*
 * Mat versus control: Welch's interval and Hedges' g against values worked
 * by hand, a fixture history with a known difference, the interval's
 * coverage over many simulated histories (equal and unequal spreads), the
 * sessions-needed estimate, and the edges.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "vagus/change.h"
#include "vagus/compare.h"

static uint64_t rng = 2024;

static double urand(void)
{
	uint64_t z = (rng += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	z ^= z >> 31;
	return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

static double nrand(void)
{
	return sqrt(-2 * log(urand())) * cos(2 * 3.14159265358979 * urand());
}

static void test_by_hand(void)
{
	const double a[] = {1, 2, 3, 4};
	const double b[] = {2, 4, 6, 8, 10};
	struct vg_compare c;

	CHECK_EQ(vg_compare_run(a, 4, b, 5, 0.95, &c), 0);
	CHECK_EQ(c.n_a, 4);
	CHECK_EQ(c.n_b, 5);
	CHECK_NEAR(c.mean_a, 2.5, 1e-12);
	CHECK_NEAR(c.sd_b, sqrt(10.0), 1e-12);
	CHECK_NEAR(c.diff, -3.5, 1e-12);
	/* var/n: 5/12 and 2; SE sqrt(29/12); df (29/12)^2 / ((5/12)^2/3 + 1). */
	CHECK_NEAR(c.se, sqrt(29.0 / 12), 1e-12);
	double df =
	    (29.0 / 12) * (29.0 / 12) / ((5.0 / 12) * (5.0 / 12) / 3 + 4.0 / 4);
	CHECK_NEAR(c.df, df, 1e-12);
	CHECK_NEAR(df, 5.5207877, 1e-6);
	double q = vg_stat_t_crit(0.05, df);
	CHECK(q > 2.4469 && q < 2.5706); /* between t(6) and t(5) */
	CHECK_NEAR(c.lo, -3.5 - q * c.se, 1e-12);
	CHECK_NEAR(c.hi, -3.5 + q * c.se, 1e-12);
	CHECK(!c.clear);
	/* Pooled SD sqrt(45/7), J = 1 - 3/27. */
	double g = (1 - 3.0 / 27) * -3.5 / sqrt(45.0 / 7);
	CHECK_NEAR(c.g, g, 1e-12);
	CHECK_NEAR(c.g, -1.227039, 1e-6);
	double gse = sqrt(9.0 / 20 + g * g / 18);
	CHECK_NEAR(c.g_lo, g - 1.959964 * gse, 1e-5);
	CHECK_NEAR(c.g_hi, g + 1.959964 * gse, 1e-5);
	/*
	 * d = 3.5 / sqrt(45/7) = 1.38041: n = 2 (1.959964 + 0.841621)^2 /
	 * d^2 + 1.959964^2 / 4 = 9.198, so 10 a condition: 6 and 5 more.
	 */
	CHECK_NEAR(c.n_needed, 10, 0);
	CHECK_EQ(c.more_a, 6);
	CHECK_EQ(c.more_b, 5);
}

/*
 * A fixture history: 14 mat sessions whose lnRMSSD rose by 0.15 on
 * average and 12 control sessions with no rise, day-to-day SD 0.12.
 */
static void test_fixture(void)
{
	double mat[14], ctl[12];
	struct vg_compare c;

	rng = 7;
	for (int i = 0; i < 14; i++)
		mat[i] = 0.15 + 0.12 * nrand();
	for (int i = 0; i < 12; i++)
		ctl[i] = 0.12 * nrand();
	CHECK_EQ(vg_compare_run(mat, 14, ctl, 12, 0.95, &c), 0);
	CHECK(c.lo < 0.15 && 0.15 < c.hi);
	CHECK(c.clear && c.lo > 0);
	CHECK(c.g > 0.5 && c.g_lo > 0);
	CHECK_EQ(c.n_needed, 0);
	CHECK_EQ(c.more_a + c.more_b, 0);

	/* The same with a third of the sessions: still open, and says so. */
	CHECK_EQ(vg_compare_run(mat, 4, ctl, 4, 0.95, &c), 0);
	if (!c.clear) {
		CHECK(c.n_needed > 4);
		CHECK_EQ(c.more_a, (size_t)c.n_needed - 4);
	}
}

/* The interval holds the true difference about 95 % of the time. */
static void test_coverage(void)
{
	const struct {
		int na, nb;
		double sa, sb;
	} cases[] = {{8, 8, 0.1, 0.1}, {6, 15, 0.2, 0.05}, {5, 5, 0.1, 0.3}};
	double a[32], b[32];
	struct vg_compare c;

	rng = 11;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		int hit = 0, n = 2000;
		for (int it = 0; it < n; it++) {
			for (int i = 0; i < cases[k].na; i++)
				a[i] = 0.1 + cases[k].sa * nrand();
			for (int i = 0; i < cases[k].nb; i++)
				b[i] = cases[k].sb * nrand();
			vg_compare_run(a, (size_t)cases[k].na, b,
				       (size_t)cases[k].nb, 0.95, &c);
			hit += c.lo <= 0.1 && 0.1 <= c.hi;
		}
		double cov = (double)hit / n;
		CHECK(cov > 0.935 && cov < 0.965);
	}
}

static void test_edges(void)
{
	const double a[] = {0.1, NAN, 0.3, INFINITY, 0.2};
	const double one[] = {0.5};
	const double flat[] = {0.2, 0.2, 0.2};
	struct vg_compare c;

	/* Non-finite values are skipped. */
	CHECK_EQ(vg_compare_run(a, 5, a, 5, 0.95, &c), 0);
	CHECK_EQ(c.n_a, 3);
	CHECK_NEAR(c.mean_a, 0.2, 1e-12);
	/* No difference at all: open, and nothing to chase. */
	CHECK(!c.clear);
	CHECK_NEAR(c.diff, 0, 1e-15);
	CHECK(isnan(c.n_needed));

	CHECK_EQ(vg_compare_run(a, 5, one, 1, 0.95, &c), -ENODATA);
	CHECK_EQ(c.n_b, 1);
	CHECK(isnan(c.diff));
	CHECK_EQ(vg_compare_run(flat, 3, flat, 3, 0.95, &c), -ENODATA);
	CHECK_EQ(vg_compare_run(NULL, 3, flat, 3, 0.95, &c), -EINVAL);
	CHECK_EQ(vg_compare_run(a, 5, a, 5, 1.0, &c), -EINVAL);
	CHECK_EQ(vg_compare_run(a, 5, a, 5, 0.95, NULL), -EINVAL);

	/* A tiny difference: the estimate is capped, not absurd. */
	const double x[] = {0, 1, 0, 1, 0, 1};
	const double y[] = {0.001, 1.001, 0, 1, 0, 1};
	CHECK_EQ(vg_compare_run(x, 6, y, 6, 0.95, &c), 0);
	CHECK_EQ(c.n_needed, VG_COMPARE_MAX_N);
	CHECK_EQ(c.more_a, VG_COMPARE_MAX_N - 6);
}

int main(void)
{
	test_by_hand();
	test_fixture();
	test_coverage();
	test_edges();
	return vg_test_done();
}
