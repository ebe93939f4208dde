/* SPDX-License-Identifier: MIT */
/*
 * The pure pieces of the change statistics: Student's t, the critical
 * value of the joint test, the autocorrelation-corrected line, and
 * vg_change_compute on synthetic sessions with known changes, on the edge
 * cases (short, constant, gappy, dirty) and on real beats.
 * Calibration on real data is tests/test_change_calibration.c.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "vagus/change.h"
#include "vagus/hrv.h"
#include "vagus/rr.h"

#define PI 3.14159265358979323846

static uint64_t rng = 12345;

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
	return sqrt(-2 * log(urand())) * cos(2 * PI * urand());
}

/* Reference values of Student's t and the normal distribution. */
static void test_t(void)
{
	CHECK_NEAR(vg_stat_t_crit(0.05, 1), 12.706205, 1e-5);
	CHECK_NEAR(vg_stat_t_crit(0.05, 4), 2.776445, 1e-6);
	CHECK_NEAR(vg_stat_t_crit(0.05, 5), 2.570582, 1e-6);
	CHECK_NEAR(vg_stat_t_crit(0.05, 16), 2.119905, 1e-6);
	CHECK_NEAR(vg_stat_t_crit(0.01, 10), 3.169273, 1e-6);
	CHECK_NEAR(vg_stat_t_crit(0.05, 1e7), 1.959964, 1e-5);
	/*
	 * df = 2 has a closed form, P(|T| > t) = 1 - t / sqrt(2 + t^2), so
	 * t = sqrt(2 q^2 / (1 - q^2)) with q = 1 - p...
	 */
	double q = 1 - 0.1;
	CHECK_NEAR(vg_stat_t_crit(0.1, 2), sqrt(2 * q * q / (1 - q * q)), 1e-9);
	/* ...and df = 1 is Cauchy: P(|T| > t) = 1 - 2 atan(t) / pi. */
	CHECK_NEAR(vg_stat_t_tail2(3.0, 1), 1 - 2 * atan(3.0) / PI, 1e-12);
	CHECK_NEAR(vg_stat_t_tail2(2.228139, 10), 0.05, 1e-6);
	CHECK_NEAR(vg_stat_t_tail2(0, 7), 1, 1e-12);
	CHECK_EQ(vg_stat_t_tail2(INFINITY, 7), 0);
	CHECK(isnan(vg_stat_t_crit(0, 5)));
	CHECK(isnan(vg_stat_t_crit(0.05, 0)));
	CHECK(isnan(vg_stat_t_tail2(1, -1)));
}

static void test_union(void)
{
	/* Independent tests: 1 - (1 - p)^2 = 0.05 gives Sidak's value. */
	CHECK_NEAR(vg_stat_union_crit(0, 0.05), 2.236477, 2e-6);
	CHECK_NEAR(vg_stat_union_crit(0, 0.10), 1.948822, 2e-6);
	/* Nearly the same test twice: the single test's 1.96. */
	CHECK_NEAR(vg_stat_union_crit(0.9999, 0.05), 1.96, 0.01);
	double prev = INFINITY;
	for (double r = 0; r < 0.96; r += 0.05) {
		double c = vg_stat_union_crit(r, 0.05);
		CHECK(c < prev + 1e-12 && c > 1.959);
		prev = c;
	}
	CHECK(isnan(vg_stat_union_crit(1, 0.05)));
	CHECK(isnan(vg_stat_union_crit(-0.1, 0.05)));
}

/* A line and its interval worked by hand. */
static void test_trend_known(void)
{
	const double t[] = {0, 1, 2, 3, 4, 5};
	const double y[] = {0, 1, 0, 1, 0, 1};
	double res[6];
	struct vg_change_est e;

	/*
	 * tbar 2.5, Sxx 17.5, Sxy 1.5: slope 3/35; SSR = Syy - b Sxy =
	 * 1.5 - 9/70. The residuals alternate, so the lag-1 correlation is
	 * negative and does not shrink anything: df = n - 2 = 4, t = 2.776445,
	 * SE = sqrt(SSR / 4 / 17.5).
	 */
	CHECK_EQ(vg_stat_trend(t, y, NULL, 6, 0, 2.0, 0.95, &e, res), 0);
	double b = 3.0 / 35, se = sqrt((1.5 - 9.0 / 70) / 4 / 17.5);
	CHECK_NEAR(e.delta, 2 * b, 1e-12);
	CHECK_NEAR(e.se, 2 * se, 1e-12);
	CHECK_NEAR(e.df, 4, 1e-12);
	CHECK_NEAR(e.rho, 0, 1e-12);
	CHECK_NEAR(e.ci_lo, 2 * b - 2.776445 * 2 * se, 1e-5);
	CHECK_NEAR(e.ci_hi, 2 * b + 2.776445 * 2 * se, 1e-5);
	CHECK_EQ(e.blocks, 6);
	CHECK_NEAR(res[0], 0 - 0.5 - b * (0 - 2.5), 1e-12);

	/* An exact line: no residual, a zero-width interval. */
	const double yl[] = {1, 1.5, 2, 2.5, 3, 3.5};
	CHECK_EQ(vg_stat_trend(t, yl, NULL, 6, 0, 1.0, 0.95, &e, NULL), 0);
	CHECK_NEAR(e.delta, 0.5, 1e-12);
	CHECK_NEAR(e.ci_hi - e.ci_lo, 0, 1e-12);

	/* Points left out are ignored, and their residual is NAN. */
	const double y2[] = {0, 1, 0, 99, 1, 0, 1};
	const double t2[] = {0, 1, 2, 2.5, 3, 4, 5};
	const bool ok[] = {1, 1, 1, 0, 1, 1, 1};
	double res2[7];
	struct vg_change_est e2;
	CHECK_EQ(vg_stat_trend(t2, y2, ok, 7, 0, 2.0, 0.95, &e2, res2), 0);
	CHECK(isnan(res2[3]));
	CHECK_NEAR(e2.delta, e.delta * 0 + 2 * b, 1e-12);
	CHECK_EQ(e2.blocks, 6);

	/* Too few points, or all at one time: no line. */
	CHECK_EQ(vg_stat_trend(t, y, NULL, 3, 0, 1.0, 0.95, &e, NULL),
		 -ENODATA);
	CHECK(isnan(e.delta) && isnan(e.ci_lo));
	const double same[] = {2, 2, 2, 2, 2};
	CHECK_EQ(vg_stat_trend(same, y, NULL, 5, 0, 1.0, 0.95, &e, NULL),
		 -ENODATA);
}

/*
 * Positive autocorrelation widens the interval: an AR(1) series about a
 * flat line gets the standard error and degrees of freedom the stated
 * correction gives, computed here from its own residuals.
 */
static void test_trend_autocorr(void)
{
	enum { N = 60 };
	double t[N], y[N], res[N];
	struct vg_change_est e;
	double prev = 0;

	rng = 777;
	for (int k = 0; k < N; k++) {
		t[k] = 10.0 * k;
		prev = 0.7 * prev + nrand();
		y[k] = prev;
	}
	CHECK_EQ(vg_stat_trend(t, y, NULL, N, 0, 300.0, 0.95, &e, res), 0);
	double ssr = 0, lag = 0, sxx = 0, tm = 295.0;
	for (int k = 0; k < N; k++) {
		ssr += res[k] * res[k];
		sxx += (t[k] - tm) * (t[k] - tm);
		if (k)
			lag += res[k] * res[k - 1];
	}
	double r = lag / ssr;
	r += (1 + 3 * r) / N;
	CHECK(r > 0.3 && r < 0.95);
	CHECK_NEAR(e.rho, r, 1e-12);
	double infl = (1 + r) / (1 - r);
	CHECK_NEAR(e.se, sqrt(ssr / (N - 2) / sxx * infl) * 300, 1e-9);
	CHECK_NEAR(e.df, N / infl - 2, 1e-9);
	double q = vg_stat_t_crit(0.05, e.df);
	CHECK_NEAR(e.ci_hi - e.delta, q * e.se, 1e-9);
	/* 90 % is narrower than 95 %. */
	struct vg_change_est e90;
	CHECK_EQ(vg_stat_trend(t, y, NULL, N, 0, 300.0, 0.90, &e90, NULL), 0);
	CHECK(e90.ci_hi - e90.ci_lo < e.ci_hi - e.ci_lo);
}

/*
 * Neighbours that alternate while their level drifts: lag 1 sees a
 * negative correlation and corrects nothing, sums of six consecutive
 * residuals see the drift and widen the interval by their own ratio.
 */
static void test_trend_batch(void)
{
	enum { N = 72, B = 6 };
	double t[N], y[N], res[N];
	struct vg_change_est lag1, both;

	for (int k = 0; k < N; k++) {
		t[k] = 10.0 * k;
		y[k] = (k % 2 ? 1.0 : -1.0) + sin(2 * PI * k / 36.0);
	}
	CHECK_EQ(vg_stat_trend(t, y, NULL, N, 0, 700.0, 0.95, &lag1, res), 0);
	CHECK_EQ(lag1.rho, 0);
	CHECK_EQ(vg_stat_trend(t, y, NULL, N, B, 700.0, 0.95, &both, NULL), 0);
	double ssr = 0, s2 = 0;
	for (int k = 0; k < N; k++)
		ssr += res[k] * res[k];
	for (int g = 0; g < N / B; g++) {
		double sb = 0;
		for (int k = g * B; k < (g + 1) * B; k++)
			sb += res[k];
		s2 += sb * sb;
	}
	double f = s2 / (N / B) / (B * ssr / N);
	CHECK(f > 1.5);
	CHECK_NEAR(both.delta, lag1.delta, 1e-12);
	/* lag1 had f = (1 + 0) / (1 - 0) = 1. */
	CHECK_NEAR(both.se, lag1.se * sqrt(f), 1e-9);
	CHECK_NEAR(both.df, N / f - 2, 1e-9);
}

/* A parabola leaves a smooth residual that no line takes out. */
static void test_trend_drift(void)
{
	enum { N = 40 };
	double t[N], y[N];
	struct vg_change_est e;

	rng = 31;
	for (int k = 0; k < N; k++) {
		t[k] = k;
		y[k] = (k - 20.0) * (k - 20.0) + 0.01 * nrand();
	}
	CHECK_EQ(vg_stat_trend(t, y, NULL, N, 0, 10, 0.95, &e, NULL), -ERANGE);
	CHECK_NEAR(e.rho, 0.95, 1e-12);
	CHECK_EQ(e.blocks, N);
	CHECK(isnan(e.delta) && isnan(e.ci_lo));
}

/* ---- synthetic sessions ---- */

/*
 * A session of @dur_s seconds: mean RR from @rr0 to @rr1 ms, a breathing
 * oscillation of amplitude @a0 -> @a1 ms at @f0 -> @f1 Hz, and white
 * beat-to-beat noise of @noise ms, all changing linearly in time.
 */
static void synth(struct vg_rr_series *s, double dur_s, double rr0, double rr1,
		  double a0, double a1, double f0, double f1, double noise,
		  uint64_t seed)
{
	double t = 0, phase = 0;

	rng = seed;
	vg_rr_clear(s);
	while (t < dur_s * 1000) {
		double x = t / (dur_s * 1000);
		double f = f0 + (f1 - f0) * x;
		double rr = rr0 + (rr1 - rr0) * x +
			    (a0 + (a1 - a0) * x) * sin(phase) + noise * nrand();
		phase += 2 * PI * f * rr / 1000;
		t += rr;
		vg_rr_push(s, rr, t, 0);
	}
}

static void std_windows(const struct vg_rr_series *s,
			struct vg_change_windows *w)
{
	double T = s->t_ms[s->n - 1] / 1000;
	double len = (T - 60) / 2 > 300 ? 300 : (T - 60) / 2;

	w->start_t0_s = 60;
	w->start_t1_s = 60 + len;
	w->end_t0_s = T - len;
	w->end_t1_s = T;
}

static void test_rest_and_arousal(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	struct vg_change_windows w;
	struct vg_change_result r;
	char text[1024];

	/* 20 min: HR 70 -> 62 bpm, RSA 20 -> 45 ms, breathing steady. */
	synth(&s, 1200, 857, 968, 20, 45, 0.25, 0.25, 8, 1);
	std_windows(&s, &w);
	CHECK_EQ(vg_change_compute(&s, &w, NULL, NULL, 0, &r), 0);
	CHECK_EQ(r.verdict, VG_VERDICT_SHIFT_TO_REST);
	CHECK_EQ(r.reason, VG_CHANGE_OK);
	CHECK(!r.mixed);
	CHECK(r.ln_rmssd.ci_lo > 0);
	CHECK(r.ln_rmssd.ci_lo <= r.ln_rmssd.delta &&
	      r.ln_rmssd.delta <= r.ln_rmssd.ci_hi);
	CHECK(r.hr_bpm.ci_hi < 0);
	CHECK(r.hr_bpm.start > 66 && r.hr_bpm.start < 71);
	CHECK(r.hr_bpm.end > 61 && r.hr_bpm.end < 65);
	/* The line's change is close to the windows' own difference. */
	CHECK_NEAR(r.ln_rmssd.delta, r.ln_rmssd.end - r.ln_rmssd.start, 0.15);
	CHECK_NEAR(r.hr_bpm.delta, r.hr_bpm.end - r.hr_bpm.start, 1.5);
	CHECK_NEAR(r.rmssd_ms.delta,
		   r.rmssd_ms.start * (exp(r.ln_rmssd.delta) - 1), 1e-9);
	/* Breathing did not slow: its rate stays near 15 breaths/min. */
	CHECK_NEAR(r.resp_rate_bpm.start, 15, 1.5);
	CHECK_NEAR(r.resp_rate_bpm.end, 15, 1.5);
	CHECK(!r.breathing_slowed);
	CHECK(r.hf_ms2.delta > 0);
	CHECK(r.swc_place == VG_SWC_NONE && isnan(r.swc));
	CHECK(vg_change_sentence(&r, text, sizeof(text)) > 0);
	CHECK(strstr(text, "Clear shift towards rest") != NULL);
	CHECK(strstr(text, "Breathing") == NULL);

	/* The same in reverse is arousal. */
	synth(&s, 1200, 968, 857, 45, 20, 0.25, 0.25, 8, 2);
	CHECK_EQ(vg_change_compute(&s, &w, NULL, NULL, 0, &r), 0);
	CHECK_EQ(r.verdict, VG_VERDICT_SHIFT_TO_AROUSAL);
	CHECK(r.ln_rmssd.ci_hi < 0);
	vg_change_sentence(&r, text, sizeof(text));
	CHECK(strstr(text, "arousal") != NULL);

	/* Nothing changes: no claim. */
	synth(&s, 1200, 900, 900, 30, 30, 0.25, 0.25, 8, 3);
	CHECK_EQ(vg_change_compute(&s, &w, NULL, NULL, 0, &r), 0);
	CHECK_EQ(r.verdict, VG_VERDICT_NO_CLEAR_CHANGE);
	CHECK(r.ln_rmssd.ci_lo < 0 && r.ln_rmssd.ci_hi > 0);
	vg_change_sentence(&r, text, sizeof(text));
	CHECK(strstr(text, "No clear change") != NULL);
	vg_rr_free(&s);
}

/*
 * Strictly steady breathing, no change: blocks that a steady wave meets
 * at slowly drifting phases would tilt the line (an even 10 s grid claims
 * a shift in 10-15 % of these sessions at 12-15 breaths/min). With the
 * irregular grid the claims stay near the nominal rate.
 */
static void test_steady_breathing(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	struct vg_change_windows w;
	struct vg_change_result r;
	struct vg_change_opts o;
	const double rates[] = {0.1, 0.2, 0.25, 0.3};
	int claims = 0, n = 0;

	vg_change_opts_default(&o);
	o.freq = false;
	for (size_t f = 0; f < sizeof(rates) / sizeof(rates[0]); f++) {
		for (uint64_t seed = 100; seed < 125; seed++) {
			synth(&s, 1200, 900, 900, 30, 30, rates[f], rates[f], 8,
			      seed);
			std_windows(&s, &w);
			CHECK_EQ(vg_change_compute(&s, &w, &o, NULL, 0, &r), 0);
			claims += r.verdict == VG_VERDICT_SHIFT_TO_REST ||
				  r.verdict == VG_VERDICT_SHIFT_TO_AROUSAL;
			n++;
		}
	}
	printf("steady breathing: %d claims in %d sessions\n", claims, n);
	CHECK(claims <= n / 10);
	vg_rr_free(&s);
}

/*
 * RSA doubles while heart rate climbs from 67 to 75 bpm: lnRMSSD alone
 * would pass, but HR says arousal. Mixed: no claim, and the sentence says
 * why.
 */
static void test_mixed(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	struct vg_change_windows w;
	struct vg_change_result r;
	char text[1024];

	synth(&s, 1200, 900, 800, 20, 45, 0.25, 0.25, 8, 9);
	std_windows(&s, &w);
	CHECK_EQ(vg_change_compute(&s, &w, NULL, NULL, 0, &r), 0);
	CHECK(r.ln_rmssd.ci_lo > 0);
	CHECK(r.hr_bpm.ci_lo > 0);
	CHECK(r.mixed);
	CHECK_EQ(r.verdict, VG_VERDICT_NO_CLEAR_CHANGE);
	vg_change_sentence(&r, text, sizeof(text));
	CHECK(strstr(text, "Mixed signals") != NULL);
	CHECK(strstr(text, "borderline") == NULL);
	vg_rr_free(&s);
}

/* Slower breathing moves RSA power out of HF; the report must say so. */
static void test_breathing(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	struct vg_change_windows w;
	struct vg_change_result r;
	char text[1024];

	/*
	 * 15 -> 6 breaths/min with the RSA amplitude rising 25 -> 80 ms: the
	 * successive differences of a slower wave are smaller for the same
	 * amplitude, so RMSSD rises by less than the amplitude (about 30 %).
	 */
	synth(&s, 1200, 900, 930, 25, 80, 0.25, 0.1, 6, 4);
	std_windows(&s, &w);
	CHECK_EQ(vg_change_compute(&s, &w, NULL, NULL, 0, &r), 0);
	CHECK_EQ(r.verdict, VG_VERDICT_SHIFT_TO_REST);
	CHECK_NEAR(r.resp_rate_bpm.start, 13.5, 2.5);
	CHECK(r.resp_rate_bpm.end < 9);
	CHECK(r.resp_rate_bpm.delta < -3);
	CHECK(r.breathing_slowed);
	vg_change_sentence(&r, text, sizeof(text));
	CHECK(strstr(text, "slower breathing") != NULL);
	vg_rr_free(&s);
}

static void test_swc(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	struct vg_change_windows w;
	struct vg_change_result r;
	const double six[] = {3.5, 3.6, 3.7, 3.8, 3.9, 4.0};
	const double seven[] = {3.5, 3.6, 3.7, 3.8, 3.9, 4.0, NAN, 4.1};
	const double wide[] = {2, 5, 2, 5, 2, 5, 2};
	char text[1024];

	synth(&s, 1200, 857, 968, 20, 45, 0.25, 0.25, 8, 1);
	std_windows(&s, &w);
	vg_change_compute(&s, &w, NULL, six, 6, &r);
	CHECK_EQ(r.swc_place, VG_SWC_NONE);
	CHECK(isnan(r.swc));
	/* Seven finite values (NAN skipped): SD 0.21602, SWC half of it. */
	vg_change_compute(&s, &w, NULL, seven, 8, &r);
	CHECK_NEAR(r.swc, 0.5 * 0.2160247, 1e-6);
	CHECK_EQ(r.history, 8);
	CHECK_EQ(r.swc_place, VG_SWC_ABOVE);
	vg_change_sentence(&r, text, sizeof(text));
	CHECK(strstr(text, "smallest worthwhile change") != NULL);
	/* A person whose resting value swings widely: not yet clear. */
	vg_change_compute(&s, &w, NULL, wide, 7, &r);
	CHECK(r.swc > 0.7);
	CHECK(r.swc_place == VG_SWC_UNCLEAR || r.swc_place == VG_SWC_WITHIN);
	CHECK_EQ(r.verdict, VG_VERDICT_SHIFT_TO_REST);
	vg_rr_free(&s);
}

static void test_edges(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	struct vg_change_windows w;
	struct vg_change_result r;
	char text[512];

	w = (struct vg_change_windows){60, 300, 300, 540};
	CHECK_EQ(vg_change_compute(NULL, &w, NULL, NULL, 0, &r), -EINVAL);
	CHECK_EQ(vg_change_compute(&s, &w, NULL, NULL, 0, NULL), -EINVAL);

	/* Empty series. */
	w = (struct vg_change_windows){60, 300, 300, 540};
	CHECK_EQ(vg_change_compute(&s, &w, NULL, NULL, 0, &r), 0);
	CHECK_EQ(r.verdict, VG_VERDICT_INSUFFICIENT_DATA);
	CHECK_EQ(r.reason, VG_CHANGE_TOO_FEW_BEATS);

	/* Windows under 60 s, reversed, overlapping, or not numbers. */
	synth(&s, 600, 900, 900, 30, 30, 0.25, 0.25, 8, 5);
	const struct vg_change_windows bad[] = {
	    {60, 110, 540, 590},
	    {60, 300, 200, 440},
	    {300, 60, 540, 300},
	    {NAN, 300, 300, 540},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_EQ(vg_change_compute(&s, &bad[i], NULL, NULL, 0, &r), 0);
		CHECK_EQ(r.verdict, VG_VERDICT_INSUFFICIENT_DATA);
		CHECK_EQ(r.reason, VG_CHANGE_BAD_WINDOWS);
		CHECK(isnan(r.ln_rmssd.delta));
	}
	vg_change_sentence(&r, text, sizeof(text));
	CHECK(strstr(text, "Not enough clean data") != NULL);
	/* Shortest windows allowed: 60 s each, 6 blocks each. */
	w = (struct vg_change_windows){60, 120, 120, 180};
	CHECK_EQ(vg_change_compute(&s, &w, NULL, NULL, 0, &r), 0);
	CHECK(r.verdict != VG_VERDICT_INSUFFICIENT_DATA);
	CHECK_EQ(r.ln_rmssd.blocks, 12);
	/* HF needs blocks of 64 s: none fit, so HF has no interval. */
	CHECK(isnan(r.hf_ms2.delta));

	/* Windows past the end of the data. */
	w = (struct vg_change_windows){60, 330, 500, 770};
	CHECK_EQ(vg_change_compute(&s, &w, NULL, NULL, 0, &r), 0);
	CHECK_EQ(r.reason, VG_CHANGE_TOO_FEW_BEATS);

	/* Constant RR: no RMSSD, no log, no verdict. */
	vg_rr_clear(&s);
	for (int i = 0; i < 700; i++)
		vg_rr_push_ms(&s, 1000);
	std_windows(&s, &w);
	CHECK_EQ(vg_change_compute(&s, &w, NULL, NULL, 0, &r), 0);
	CHECK_EQ(r.verdict, VG_VERDICT_INSUFFICIENT_DATA);
	CHECK_EQ(r.reason, VG_CHANGE_NO_VARIATION);
	CHECK_NEAR(r.hr_bpm.start, 60, 1e-9);

	/* A third of the end window corrected: dirty. */
	synth(&s, 600, 900, 900, 30, 30, 0.25, 0.25, 8, 6);
	std_windows(&s, &w);
	for (size_t i = 0; i < s.n; i++)
		if (s.t_ms[i] / 1000 > w.end_t0_s && i % 3 == 0)
			s.flags[i] |= VG_RR_CORRECTED;
	CHECK_EQ(vg_change_compute(&s, &w, NULL, NULL, 0, &r), 0);
	CHECK_EQ(r.reason, VG_CHANGE_DIRTY);
	/* 10 % is within the default limit of 20 %. */
	for (size_t i = 0; i < s.n; i++)
		s.flags[i] = (s.t_ms[i] / 1000 > w.end_t0_s && i % 10 == 0)
				 ? VG_RR_CORRECTED
				 : 0;
	CHECK_EQ(vg_change_compute(&s, &w, NULL, NULL, 0, &r), 0);
	CHECK_EQ(r.reason, VG_CHANGE_OK);

	/*
	 * Gaps before three of every four beats: the windows keep a few
	 * differences, but no 10 s block has the four it needs.
	 */
	for (size_t i = 0; i < s.n; i++)
		s.flags[i] = i % 4 ? VG_RR_GAP_BEFORE : 0;
	CHECK_EQ(vg_change_compute(&s, &w, NULL, NULL, 0, &r), 0);
	CHECK_EQ(r.verdict, VG_VERDICT_INSUFFICIENT_DATA);
	CHECK_EQ(r.reason, VG_CHANGE_TOO_FEW_BLOCKS);
	vg_rr_free(&s);
}

/*
 * RSA that swells and fades again over the session: a line cannot
 * follow it, its residuals hang together, and the session holds too few
 * independent stretches for an interval. The reason says so.
 */
static void test_hump(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	struct vg_change_windows w;
	struct vg_change_result r;
	char text[600];
	double t = 0, phase = 0;

	rng = 5;
	while (t < 1200e3) {
		double x = t / 1200e3;
		double amp = 10 + 60 * sin(3.14159265358979 * x);
		double rr = 900 + amp * sin(phase) + 2 * nrand();
		phase += 2 * 3.14159265358979 * 0.25 * rr / 1000;
		t += rr;
		vg_rr_push(&s, rr, t, 0);
	}
	std_windows(&s, &w);
	CHECK_EQ(vg_change_compute(&s, &w, NULL, NULL, 0, &r), 0);
	CHECK_EQ(r.verdict, VG_VERDICT_INSUFFICIENT_DATA);
	CHECK_EQ(r.reason, VG_CHANGE_TOO_FEW_EFFECTIVE);
	vg_change_sentence(&r, text, sizeof(text));
	CHECK(strstr(text, "independent stretches") != NULL);
	vg_rr_free(&s);
}

/*
 * A gap never yields a difference: a series of alternating 900/1000 ms
 * whose time jumps by 2 s at a gap where the value jumps to 2000 ms (a
 * lost beat reported as one long interval) keeps the RMSSD of the
 * alternation, 100 ms, in its window.
 */
static void test_gap(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	struct vg_change_windows w;
	struct vg_change_result r;
	double t = 0;

	for (int i = 0; i < 700; i++) {
		double rr = i % 2 ? 900 : 1000;
		uint8_t fl = 0;
		if (i == 500) {
			t += 2000;
			fl = VG_RR_GAP_BEFORE;
		}
		t += rr;
		vg_rr_push(&s, rr, t, fl);
	}
	std_windows(&s, &w);
	CHECK_EQ(vg_change_compute(&s, &w, NULL, NULL, 0, &r), 0);
	CHECK_NEAR(r.rmssd_ms.start, 100, 1e-9);
	CHECK_NEAR(r.rmssd_ms.end, 100, 1e-9);
	/* Flat: no change at all. */
	CHECK_NEAR(r.ln_rmssd.delta, 0, 1e-9);
	CHECK_EQ(r.verdict, VG_VERDICT_NO_CLEAR_CHANGE);
	vg_rr_free(&s);
}

/*
 * Garbage from a damaged file: NAN, infinite, zero and negative
 * intervals, times that go backwards or leap, random flags and windows.
 * Never a crash (ASan and valgrind watch), always a verdict, and a claim
 * only with a finite interval.
 */
static void test_garbage(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	struct vg_change_result r;
	struct vg_change_opts o;
	const double odd[] = {NAN, INFINITY, -INFINITY, 0, -500, 1e300, 1e-300};

	vg_change_opts_default(&o);
	rng = 99;
	for (int it = 0; it < 300; it++) {
		size_t n = (size_t)(urand() * 1500);
		double t = urand() * 100;
		vg_rr_clear(&s);
		for (size_t i = 0; i < n; i++) {
			double rr = 400 + 800 * urand();
			if (urand() < 0.02)
				rr = odd[(size_t)(urand() * 7) % 7];
			double dt = urand() < 0.01    ? -5000 * urand()
				    : urand() < 0.005 ? 1e9 * urand()
						      : rr;
			t += isfinite(dt) ? dt : 800;
			vg_rr_push(&s, rr, t, (uint8_t)(urand() * 8));
		}
		struct vg_change_windows w;
		double a = urand() * 400 - 50, len = urand() * 400;
		w.start_t0_s = a;
		w.start_t1_s = a + len;
		w.end_t0_s = a + len + urand() * 600 - 100;
		w.end_t1_s = w.end_t0_s + len + urand() * 20 - 10;
		if (urand() < 0.05)
			w.end_t1_s = 1e300;
		o.freq = it % 3 == 0;
		CHECK_EQ(vg_change_compute(&s, &w, &o, NULL, 0, &r), 0);
		CHECK(r.verdict <= VG_VERDICT_SHIFT_TO_AROUSAL);
		CHECK((r.verdict == VG_VERDICT_INSUFFICIENT_DATA) ==
		      (r.reason != VG_CHANGE_OK));
		if (r.verdict == VG_VERDICT_SHIFT_TO_REST ||
		    r.verdict == VG_VERDICT_SHIFT_TO_AROUSAL)
			CHECK(isfinite(r.ln_rmssd.ci_lo) &&
			      isfinite(r.ln_rmssd.ci_hi));
		char text[600];
		CHECK(vg_change_sentence(&r, text, sizeof(text)) > 0);
	}
	o.block_s = 0;
	struct vg_change_windows w = {60, 120, 120, 180};
	CHECK_EQ(vg_change_compute(&s, &w, &o, NULL, 0, &r), -EINVAL);
	vg_change_opts_default(&o);
	o.level = 1;
	CHECK_EQ(vg_change_compute(&s, &w, &o, NULL, 0, &r), -EINVAL);
	vg_rr_free(&s);
}

/* Real beats: values equal the windows' own metrics; same data, same bytes. */
static void test_real(void)
{
	char *text =
	    vg_test_slurp(vg_test_data("pcst/nsr2db-nsr004.rr.txt"), NULL);
	struct vg_rr_series s = VG_RR_SERIES_INIT, win = VG_RR_SERIES_INIT;
	struct vg_change_windows w;
	struct vg_change_result a, b;
	struct vg_hrv_time tm;

	if (!CHECK(text != NULL))
		return;
	/* Twenty minutes from the third hour. */
	char *p = text;
	double t = 0, skip = 0;
	while (*p) {
		char *end;
		double rr = strtod(p, &end);
		if (end == p) {
			p++;
			continue;
		}
		p = end;
		skip += rr;
		if (skip < 7200e3)
			continue;
		t += rr;
		vg_rr_push(&s, rr, t, 0);
		if (t > 1200e3)
			break;
	}
	free(text);
	CHECK(s.n > 1000);
	std_windows(&s, &w);
	CHECK_EQ(vg_change_compute(&s, &w, NULL, NULL, 0, &a), 0);
	CHECK(a.verdict != VG_VERDICT_INSUFFICIENT_DATA);
	for (size_t i = 0; i < s.n; i++) {
		double tt = s.t_ms[i] / 1000;
		if (tt >= w.end_t0_s && tt < w.end_t1_s)
			vg_rr_push(&win, s.ms[i], s.t_ms[i], 0);
	}
	vg_hrv_time(&win, &tm);
	CHECK_NEAR(a.rmssd_ms.end, tm.rmssd_ms, 1e-9);
	CHECK_NEAR(a.hr_bpm.end, tm.mean_hr_bpm, 1e-9);
	CHECK(isfinite(a.hf_ms2.ci_lo) && isfinite(a.resp_rate_bpm.ci_hi));
	CHECK(a.ln_rmssd.df >= 1 && a.ln_rmssd.blocks == 114);
	CHECK_EQ(vg_change_compute(&s, &w, NULL, NULL, 0, &b), 0);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	vg_rr_free(&s);
	vg_rr_free(&win);
}

/* A lnRMSSD interval clear of zero under a joint test that is not. */
static void test_borderline(void)
{
	struct vg_change_result r;
	char text[1024];

	memset(&r, 0, sizeof(r));
	r.verdict = VG_VERDICT_NO_CLEAR_CHANGE;
	r.ln_rmssd = (struct vg_change_est){.start = 3.5,
					    .end = 3.62,
					    .delta = 0.1,
					    .ci_lo = 0.004,
					    .ci_hi = 0.196,
					    .se = 0.048,
					    .df = 40};
	r.hr_bpm =
	    (struct vg_change_est){.delta = 0.5, .ci_lo = -1, .ci_hi = 2};
	r.t_ln = 0.1 / 0.048;
	r.crit = 2.2;
	vg_change_sentence(&r, text, sizeof(text));
	CHECK(strstr(text, "No clear change") != NULL);
	CHECK(strstr(text, "borderline") != NULL);
	CHECK(strstr(text, "2.20 (here 2.08)") != NULL);
	r.ln_rmssd.ci_lo = -0.01;
	vg_change_sentence(&r, text, sizeof(text));
	CHECK(strstr(text, "borderline") == NULL);
}

static void test_names(void)
{
	CHECK(!strcmp(vg_verdict_name(VG_VERDICT_SHIFT_TO_REST),
		      "shift_to_rest"));
	CHECK(!strcmp(vg_verdict_name(VG_VERDICT_NO_CLEAR_CHANGE),
		      "no_clear_change"));
	CHECK(!strcmp(vg_verdict_name(VG_VERDICT_SHIFT_TO_AROUSAL),
		      "shift_to_arousal"));
	CHECK(!strcmp(vg_verdict_name(VG_VERDICT_INSUFFICIENT_DATA),
		      "insufficient_data"));
	CHECK(strlen(vg_change_reason_text(VG_CHANGE_DIRTY)) > 10);
	CHECK(strstr(VG_CHANGE_METHOD, "effective degrees of freedom"));
	/* The sentence reports the length it needed, even with no room. */
	struct vg_change_result r;
	memset(&r, 0, sizeof(r));
	r.verdict = VG_VERDICT_INSUFFICIENT_DATA;
	r.reason = VG_CHANGE_BAD_WINDOWS;
	char small[8];
	int need = vg_change_sentence(&r, small, sizeof(small));
	CHECK(need > 20 && strlen(small) == 7);
	CHECK_EQ(vg_change_sentence(&r, NULL, 0), need);
}

int main(void)
{
	test_t();
	test_union();
	test_trend_known();
	test_trend_autocorr();
	test_trend_batch();
	test_trend_drift();
	test_rest_and_arousal();
	test_breathing();
	test_mixed();
	test_steady_breathing();
	test_swc();
	test_edges();
	test_gap();
	test_hump();
	test_garbage();
	test_real();
	test_borderline();
	test_names();
	return vg_test_done();
}
