/* SPDX-License-Identifier: MIT */
/*
 * Time-domain and Poincare metrics (hrv_time.c): hand-computed cases, gap
 * handling, minimum lengths, and published values of hrv-analysis and
 * pyHRV on the recordings they ship (conventions explained in README.md).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "test.h"
#include "vagus/hrv.h"

static int load(const char *rel, struct vg_rr_series *s)
{
	char *text = vg_test_slurp(vg_test_data(rel), NULL);
	if (!text)
		return -1;
	for (char *p = text; *p;) {
		char *end;
		double ms = strtod(p, &end);
		if (end == p) {
			p++;
			continue;
		}
		p = end;
		if (vg_rr_push_ms(s, ms))
			break;
	}
	free(text);
	return 0;
}

static void hand_computed(void)
{
	/* RR 800 810 790 850 700: mean 790, deviations 10 20 0 60 -90 */
	static const double rr[] = {800, 810, 790, 850, 700};
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	struct vg_hrv_time t;
	struct vg_hrv_poincare p;

	for (size_t i = 0; i < 5; i++)
		vg_rr_push_ms(&s, rr[i]);
	CHECK_EQ(vg_hrv_time(&s, &t), 0);
	CHECK_NEAR(t.mean_rr_ms, 790, 1e-12);
	CHECK_NEAR(t.mean_hr_bpm, 60000.0 / 790, 1e-12);
	/* squares 100 + 400 + 0 + 3600 + 8100 = 12200, / 4 */
	CHECK_NEAR(t.sdnn_ms, sqrt(3050), 1e-12);
	/* dRR 10 -20 60 -150: squares 100 400 3600 22500 = 26600, / 4 */
	CHECK_NEAR(t.rmssd_ms, sqrt(6650), 1e-12);
	CHECK_NEAR(t.ln_rmssd, log(sqrt(6650)), 1e-12);
	CHECK_NEAR(t.pnn50_pct, 50, 1e-12); /* 60 and -150 */
	CHECK_EQ(t.diffs, 4);
	CHECK_NEAR(vg_hrv_pnnx(&s, 20), 50, 1e-12); /* |-20| is not > 20 */
	CHECK_NEAR(vg_hrv_pnnx(&s, 19.9), 75, 1e-12);

	/*
	 * Poincare about the centroid (790, 790), 4 pairs: across = sum dRR^2
	 * = 26600; along = sum (RR_(i-1) + RR_i - 1580)^2 over pair sums
	 * 1610 1600 1640 1550: 900 + 400 + 3600 + 900 = 5800.
	 */
	CHECK_EQ(vg_hrv_poincare(&s, &p), 0);
	CHECK_NEAR(p.sd1_ms, sqrt(26600.0 / 6), 1e-12);
	CHECK_NEAR(p.sd2_ms, sqrt(5800.0 / 6), 1e-12);

	/* A gap before interval 3 removes dRR_3 = 850 - 790 = 60 and the
	 * Poincare pair (790, 850); 10, -20 and -150 remain. */
	s.flags[3] |= VG_RR_GAP_BEFORE;
	vg_hrv_time(&s, &t);
	CHECK_EQ(t.diffs, 3);
	CHECK_NEAR(t.rmssd_ms, sqrt((100.0 + 400 + 22500) / 3), 1e-12);
	CHECK_NEAR(t.pnn50_pct, 100.0 / 3, 1e-12);
	CHECK_NEAR(t.sdnn_ms, sqrt(3050), 1e-12); /* intervals all count */
	vg_hrv_poincare(&s, &p);
	CHECK_NEAR(p.sd1_ms, sqrt(23000.0 / 4), 1e-12);
	CHECK_NEAR(p.sd2_ms, sqrt((900.0 + 400 + 900) / 4), 1e-12);
	vg_rr_free(&s);
}

static void too_short(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	struct vg_hrv_time t;
	struct vg_hrv_poincare p;

	vg_hrv_time(&s, &t);
	CHECK(isnan(t.mean_rr_ms) && isnan(t.sdnn_ms) && isnan(t.rmssd_ms));
	CHECK(isnan(vg_hrv_pnnx(&s, 50)));
	vg_rr_push_ms(&s, 800);
	vg_hrv_time(&s, &t);
	CHECK_NEAR(t.mean_rr_ms, 800, 0);
	CHECK(isnan(t.sdnn_ms) && isnan(t.rmssd_ms) && isnan(t.pnn50_pct));
	vg_rr_push_ms(&s, 900);
	vg_hrv_time(&s, &t);
	CHECK_NEAR(t.rmssd_ms, 100, 1e-12);
	vg_hrv_poincare(&s, &p);
	CHECK(isnan(p.sd1_ms) && isnan(p.sd2_ms)); /* one pair */
	vg_rr_push_ms(&s, 800);
	vg_hrv_poincare(&s, &p);
	CHECK(isfinite(p.sd1_ms) && isfinite(p.sd2_ms));
	/* Constant RR: RMSSD 0, so lnRMSSD is undefined. */
	vg_rr_clear(&s);
	for (int i = 0; i < 10; i++)
		vg_rr_push_ms(&s, 1000);
	vg_hrv_time(&s, &t);
	CHECK_NEAR(t.rmssd_ms, 0, 0);
	CHECK(isnan(t.ln_rmssd));
	vg_rr_free(&s);
}

/*
 * hrv-analysis (Aura Healthcare), tests/tests_extract_features_methods.py
 * on its tests/test_nn_intervals.txt (1000 NN). Same definitions for
 * mean, SDNN (n - 1) and RMSSD; different ones for pNN50 (over the number
 * of intervals, not of differences), mean HR (the mean of 60000 / RR_i)
 * and SD1/SD2 (from var(dRR) and SDNN, not about the centroid).
 */
static void hrv_analysis_reference(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	struct vg_hrv_time t;
	struct vg_hrv_poincare p;

	if (load("hrv-analysis/test_nn_intervals.rr.txt", &s))
		return;
	CHECK_EQ(s.n, 1000);
	vg_hrv_time(&s, &t);
	vg_hrv_poincare(&s, &p);
	CHECK_NEAR(t.mean_rr_ms, 718.248, 1e-9);
	CHECK_NEAR(t.sdnn_ms, 43.113074968427306, 1e-9);
	CHECK_NEAR(t.rmssd_ms, 19.519400785039664, 1e-9);
	/* their 2.4 % is 24 / 1000 intervals; ours is 24 / 999 differences */
	CHECK_NEAR(t.pnn50_pct, 2.4 * 1000 / 999, 1e-9);
	CHECK_NEAR(vg_hrv_pnnx(&s, 20), 22.5 * 1000 / 999, 1e-9);
	/* their 83.847 bpm is the mean of 60000 / RR_i */
	CHECK_NEAR(t.mean_hr_bpm, 60000 / 718.248, 1e-9);
	CHECK_REL(p.sd1_ms, 13.80919037557993, 0.00001);
	CHECK_REL(p.sd2_ms, 59.38670497373513, 0.0005);
	printf("hrv-analysis: SD1 %.6f (theirs 13.809190), SD2 %.6f (59.386705)"
	       "\n",
	       p.sd1_ms, p.sd2_ms);
	vg_rr_free(&s);
}

/*
 * pyHRV 0.4 SampleReport.txt on SampleNNISeriesLong (4684 NN). pNN50 and
 * pNN20 are over differences as ours; mean HR is the mean of 60000 /
 * RR_i; SD1/SD2 use population (n) deviations.
 */
static void pyhrv_reference(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	struct vg_hrv_time t;
	struct vg_hrv_poincare p;

	if (load("pyhrv/SampleNNISeriesLong.rr.txt", &s))
		return;
	CHECK_EQ(s.n, 4684);
	vg_hrv_time(&s, &t);
	vg_hrv_poincare(&s, &p);
	CHECK_NEAR(t.mean_rr_ms, 768.438, 0.0005);
	CHECK_NEAR(t.sdnn_ms, 85.357, 0.0005);
	CHECK_NEAR(t.rmssd_ms, 60.523, 0.0005);
	CHECK_NEAR(t.pnn50_pct, 28.571, 0.0005);
	CHECK_NEAR(vg_hrv_pnnx(&s, 20), 64.232, 0.0005);
	CHECK_REL(p.sd1_ms, 42.797, 0.0002);
	CHECK_REL(p.sd2_ms, 112.837, 0.0002);
	printf("pyHRV: SD1 %.4f (theirs 42.797), SD2 %.4f (112.837)\n",
	       p.sd1_ms, p.sd2_ms);
	vg_rr_free(&s);
}

int main(void)
{
	hand_computed();
	too_short();
	hrv_analysis_reference();
	pyhrv_reference();
	return vg_test_done();
}
