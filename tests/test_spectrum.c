/* SPDX-License-Identifier: MIT */
/*
 * The spectral path against analytic cases: FFT against a direct DFT and
 * Parseval, the spline's exactness on cubics, the smoothness priors
 * solution against its own linear system, Welch's scaling (a sine of
 * amplitude A has power A^2 / 2), band rules, the respiratory peak under
 * slow breathing, minimum lengths and gaps.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/detrend.h"
#include "core/fft.h"
#include "core/spline.h"
#include "core/welch.h"
#include "test.h"
#include "vagus/hrv.h"

static const double PI = 3.14159265358979323846;

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static double urand(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double)(rng_state >> 11) / 9007199254740992.0;
}

static double gauss(void)
{
	double u = urand() + 1e-300, v = urand();
	return sqrt(-2 * log(u)) * cos(2 * PI * v);
}

static void fft_against_dft(size_t n)
{
	struct vg_fft *p = vg_fft_new(n);
	struct vg_cplx *x = malloc(n * sizeof(*x)), *y = malloc(n * sizeof(*y));
	double err = 0, norm = 0, ex = 0, ey = 0;

	if (!CHECK(p && x && y))
		goto out;
	for (size_t i = 0; i < n; i++)
		x[i] = (struct vg_cplx){gauss(), gauss()};
	vg_fft_forward(p, x, y);
	for (size_t k = 0; k < n; k++) {
		long double re = 0, im = 0;
		for (size_t j = 0; j < n; j++) {
			long double a = -2.0L * PI *
					(long double)((j * k) % n) /
					(long double)n;
			re += x[j].re * cosl(a) - x[j].im * sinl(a);
			im += x[j].re * sinl(a) + x[j].im * cosl(a);
		}
		double dr = y[k].re - (double)re, di = y[k].im - (double)im;
		err += dr * dr + di * di;
		norm += (double)(re * re + im * im);
		ex += x[k].re * x[k].re + x[k].im * x[k].im;
		ey += y[k].re * y[k].re + y[k].im * y[k].im;
	}
	if (!CHECK(sqrt(err / norm) < 1e-13))
		fprintf(stderr, "n=%zu: relative error %.3g\n", n,
			sqrt(err / norm));
	/* Parseval: sum |X|^2 = n sum |x|^2 */
	CHECK_REL(ey, (double)n * ex, 1e-12);
out:
	vg_fft_free(p);
	free(x);
	free(y);
}

static void test_fft(void)
{
	static const size_t sizes[] = {
	    1,	2,  3,	4,  5,	6,  7,	8,   9,	  10,  11,  12,	  15,
	    16, 25, 30, 60, 64, 97, 99, 100, 128, 243, 300, 1195, 1200};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		fft_against_dft(sizes[i]);
	CHECK(vg_fft_new(0) == NULL);
}

static void test_spline(void)
{
	double x[40], y[40], out[400], sc[120];

	/* Not-a-knot reproduces any cubic exactly, on uneven knots. */
	x[0] = 0;
	for (int i = 1; i < 40; i++)
		x[i] = x[i - 1] + 0.5 + urand();
	for (int i = 0; i < 40; i++)
		y[i] = 3 - 2 * x[i] + 0.5 * x[i] * x[i] - 0.03 * pow(x[i], 3);
	CHECK_EQ(vg_spline_uniform(x, y, 40, x[0] - 1, 0.1, out, 400, sc), 0);
	double worst = 0;
	for (int k = 0; k < 400; k++) {
		double t = x[0] - 1 + 0.1 * k;
		double want = 3 - 2 * t + 0.5 * t * t - 0.03 * t * t * t;
		double e = fabs(out[k] - want) / (1 + fabs(want));
		worst = e > worst ? e : worst;
	}
	CHECK(worst < 1e-10);
	/* It interpolates: at the knots it returns the data. */
	for (int i = 0; i < 40; i += 7) {
		double v;
		vg_spline_uniform(x, y, 40, x[i], 1, &v, 1, sc);
		CHECK_NEAR(v, y[i], 1e-9);
	}
	/* Three points: the parabola; two: the line; one: a constant. */
	double px[3] = {0, 1, 3}, py[3] = {1, 2, 10}; /* 1 + 0 t + t^2 */
	vg_spline_uniform(px, py, 3, 0, 0.5, out, 7, sc);
	for (int k = 0; k < 7; k++)
		CHECK_NEAR(out[k], 1 + 0.25 * k * k, 1e-12);
	vg_spline_uniform(px, py, 2, 0, 0.5, out, 3, sc);
	CHECK_NEAR(out[2], 2, 1e-12);
	vg_spline_uniform(px, py, 1, 0, 0.5, out, 3, sc);
	CHECK_NEAR(out[2], 1, 0);
	/* Knots that do not increase are refused. */
	double bad[3] = {0, 1, 1};
	CHECK(vg_spline_uniform(bad, py, 3, 0, 1, out, 2, sc) < 0);
	CHECK(vg_spline_uniform(bad, py, 0, 0, 1, out, 2, sc) < 0);
}

/* (I + l^2 D2'D2) t for the residual check, by applying D2 and D2'. */
static double priors_residual(const double *z, const double *t, size_t n,
			      double lambda)
{
	double *dd = calloc(n, sizeof(*dd)), num = 0, den = 0;
	for (size_t r = 0; r + 2 < n; r++) {
		double v = t[r] - 2 * t[r + 1] + t[r + 2];
		dd[r] += v;
		dd[r + 1] -= 2 * v;
		dd[r + 2] += v;
	}
	for (size_t i = 0; i < n; i++) {
		double a = t[i] + lambda * lambda * dd[i] - z[i];
		num += a * a;
		den += z[i] * z[i];
	}
	free(dd);
	return sqrt(num / den);
}

static void test_detrend(void)
{
	static const size_t sizes[] = {3, 4, 5, 6, 50, 1000, 20000};
	static const double lambdas[] = {1, 10, 500, 5000};

	for (size_t a = 0; a < sizeof(sizes) / sizeof(sizes[0]); a++) {
		for (size_t b = 0; b < 4; b++) {
			size_t n = sizes[a];
			double *z = malloc(n * sizeof(*z)), *z0 = malloc(n * 8);
			double *t = malloc(n * 8), *sc = malloc(4 * n * 8);
			for (size_t i = 0; i < n; i++)
				z[i] = z0[i] =
				    800 + 50 * sin(0.01 * i) + 20 * gauss();
			vg_detrend_priors(z, n, lambdas[b], t, sc);
			double res = priors_residual(z0, t, n, lambdas[b]);
			/*
			 * The residual itself is computed with an error
			 * near eps |A| |t| / |z| = eps (1 + 16 lambda^2).
			 */
			double l2 = lambdas[b] * lambdas[b];
			if (!CHECK(res < 1e-15 * (1 + 16 * l2)))
				fprintf(stderr, "n %zu lambda %g: %.3g\n", n,
					lambdas[b], res);
			double worst = 0;
			for (size_t i = 0; i < n; i++)
				worst = fmax(worst, fabs(z[i] + t[i] - z0[i]));
			CHECK(worst < 1e-9);
			free(z);
			free(z0);
			free(t);
			free(sc);
		}
	}
	/* A line has no curvature: the priors take all of it as trend. */
	double z[100], t[100], sc[400];
	for (int i = 0; i < 100; i++)
		z[i] = 700 + 3 * i;
	vg_detrend_priors(z, 100, 500, t, sc);
	for (int i = 0; i < 100; i++)
		CHECK_NEAR(z[i], 0, 1e-7);
	/* Linear: what is left is orthogonal to 1 and to k. */
	for (int i = 0; i < 100; i++)
		z[i] = 700 + 3 * i + 20 * gauss();
	vg_detrend_linear(z, 100);
	double s0 = 0, s1 = 0;
	for (int i = 0; i < 100; i++) {
		s0 += z[i];
		s1 += i * z[i];
	}
	CHECK_NEAR(s0, 0, 1e-9);
	CHECK_NEAR(s1, 0, 1e-7);
	for (int i = 0; i < 100; i++)
		z[i] = 700 + 3 * i;
	vg_detrend_linear(z, 100);
	for (int i = 0; i < 100; i++)
		CHECK_NEAR(z[i], 0, 1e-9);
}

/* A sine of amplitude A at f0 into Welch; power near f0 is A^2 / 2. */
static void test_welch(void)
{
	size_t n = 4 * 1800; /* 30 min at 4 Hz: 11 segments of 300 s */
	double *x = malloc(n * sizeof(*x)), *psd = malloc(601 * sizeof(*psd));
	struct vg_welch_cfg cfg = {.fs = 4, .seg = 1200, .nfft = 1200};
	size_t used;

	for (size_t i = 0; i < n; i++)
		x[i] = 10 * sin(2 * PI * 0.25 * (double)i / 4 + 0.3);
	CHECK_EQ(vg_welch_psd(x, n, &cfg, psd, &used), 0);
	CHECK_EQ(used, 11);
	double p = 0;
	for (int k = 60; k < 90; k++) /* 0.20 .. 0.30 Hz */
		p += 0.5 * (psd[k] + psd[k + 1]) / 300;
	CHECK_REL(p, 50, 1e-3);

	/*
	 * Parseval for one segment: the one-sided PSD summed over every bin
	 * times df equals sum (w x)^2 / sum w^2.
	 */
	for (size_t i = 0; i < 1000; i++)
		x[i] = gauss();
	struct vg_welch_cfg one = {.fs = 4, .seg = 1000, .nfft = 1200};
	CHECK_EQ(vg_welch_psd(x, 1000, &one, psd, &used), 0);
	double sw = 0, swx = 0, sp = 0;
	for (size_t i = 0; i < 1000; i++) {
		double w = 0.5 * (1 - cos(2 * PI * (double)(i + 1) / 1001));
		sw += w * w;
		swx += w * w * x[i] * x[i];
	}
	for (int k = 0; k <= 600; k++)
		sp += psd[k] * 4.0 / 1200;
	CHECK_REL(sp, swx / sw, 1e-12);

	/* A segment too short or an FFT shorter than the segment. */
	CHECK(vg_welch_psd(x, 1, &one, psd, &used) < 0);
	struct vg_welch_cfg bad = {.fs = 4, .seg = 1200, .nfft = 600};
	CHECK(vg_welch_psd(x, 1000, &bad, psd, &used) < 0);

	/* Gaps: segments that meet one are left out, unless all would be. */
	for (size_t i = 0; i < n; i++)
		x[i] = 10 * sin(2 * PI * 0.25 * (double)i / 4);
	struct vg_welch_gap g = {3000, 3010};
	struct vg_welch_cfg gc = {
	    .fs = 4, .seg = 1200, .nfft = 1200, .gaps = &g, .ngaps = 1};
	CHECK_EQ(vg_welch_psd(x, n, &gc, psd, &used), 0);
	/* of the starts 0, 600, ... 6000, only 2400 and 3000 meet it */
	CHECK_EQ(used, 9);
	struct vg_welch_gap all = {100, 7000};
	gc.gaps = &all;
	CHECK_EQ(vg_welch_psd(x, n, &gc, psd, &used), 0);
	CHECK_EQ(used, 11);
	free(x);
	free(psd);
}

/*
 * Beats whose RR follows f(t) = 1000 + sum a_j sin(2 pi f_j t) ms, RR_i =
 * f(t_i) at the beat t_i that ends it (solved by fixed-point iteration).
 */
static void synth(struct vg_rr_series *s, double seconds, const double *amp,
		  const double *freq, int ncomp)
{
	double t = 0;
	vg_rr_clear(s);
	while (t < seconds * 1000) {
		double rr = 1000;
		for (int it = 0; it < 50; it++) {
			double f = 1000, tt = (t + rr) / 1000;
			for (int j = 0; j < ncomp; j++)
				f += amp[j] * sin(2 * PI * freq[j] * tt);
			rr = f;
		}
		t += rr;
		vg_rr_push(s, rr, t, 0);
	}
}

static void test_bands(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	struct vg_hrv_opts o;
	struct vg_hrv_freq f;

	vg_hrv_opts_default(&o);
	o.detrend = VG_DETREND_NONE;

	/* RSA at 0.25 Hz (15 breaths/min), 30 ms; Mayer wave 0.1 Hz, 20 ms */
	double amp[2] = {30, 20}, fr[2] = {0.25, 0.1};
	synth(&s, 600, amp, fr, 2);
	CHECK_EQ(vg_hrv_freq(&s, &o, &f), 0);
	printf("synthetic: HF %.1f (450) LF %.1f (200) VLF %.2f peak %.4f "
	       "resp %.2f\n",
	       f.hf_ms2, f.lf_ms2, f.vlf_ms2, f.hf_peak_hz, f.resp_rate_bpm);
	/*
	 * A 0.25 Hz wave seen once a second (4 beats a period) loses about
	 * 3 % of its power to the cubic spline; at 0.1 Hz nothing is lost.
	 */
	CHECK_REL(f.hf_ms2, 450, 0.04);
	CHECK_REL(f.lf_ms2, 200, 0.01);
	CHECK(f.vlf_ms2 < 5);
	CHECK_REL(f.lf_hf, 200.0 / 450, 0.05);
	CHECK_NEAR(f.hf_peak_hz, 0.25, 1.0 / 300 + 1e-9);
	CHECK_NEAR(f.resp_rate_bpm, 15, 0.2);
	/* The priors (cut-off near 0.035 Hz) keep both components. */
	o.detrend = VG_DETREND_PRIORS;
	vg_hrv_freq(&s, &o, &f);
	CHECK_REL(f.hf_ms2, 450, 0.04);
	CHECK_REL(f.lf_ms2, 200, 0.05);

	/*
	 * Slow breathing, 6 breaths/min: the respiratory peak is at 0.1 Hz,
	 * in LF, far above anything in the HF band.
	 */
	double amp2[1] = {60}, fr2[1] = {0.1};
	synth(&s, 300, amp2, fr2, 1);
	o.detrend = VG_DETREND_NONE;
	vg_hrv_freq(&s, &o, &f);
	CHECK_NEAR(f.resp_rate_bpm, 6, 0.2);
	/* The same with broadband noise over the whole spectrum. */
	for (size_t i = 0; i < s.n; i++)
		s.ms[i] += 10 * gauss();
	vg_hrv_freq(&s, &o, &f);
	CHECK_NEAR(f.resp_rate_bpm, 6, 0.2);
	/* 8 breaths/min (0.133 Hz) with its flank in the HF band */
	fr2[0] = 8.0 / 60;
	synth(&s, 300, amp2, fr2, 1);
	vg_hrv_freq(&s, &o, &f);
	CHECK_NEAR(f.resp_rate_bpm, 8, 0.2);
	printf("slow breathing: HF peak %.4f resp %.2f LF/HF %.1f\n",
	       f.hf_peak_hz, f.resp_rate_bpm, f.lf_hf);

	/* A Mayer wave plus RSA at 0.3 Hz: the HF-band peak wins. */
	double amp3[2] = {40, 20}, fr3[2] = {0.1, 0.3};
	synth(&s, 300, amp3, fr3, 2);
	vg_hrv_freq(&s, &o, &f);
	CHECK_NEAR(f.resp_rate_bpm, 18, 0.2);

	/* Minimum spans: HF 60 s, LF 120 s, VLF 250 s. */
	synth(&s, 50, amp, fr, 2);
	vg_hrv_freq(&s, &o, &f);
	CHECK(isnan(f.hf_ms2) && isnan(f.lf_ms2) && isnan(f.vlf_ms2));
	CHECK(isnan(f.resp_rate_bpm) && isnan(f.lf_hf));
	synth(&s, 90, amp, fr, 2);
	vg_hrv_freq(&s, &o, &f);
	CHECK(isfinite(f.hf_ms2) && isnan(f.lf_ms2) && isnan(f.lf_hf));
	synth(&s, 200, amp, fr, 2);
	vg_hrv_freq(&s, &o, &f);
	CHECK(isfinite(f.lf_ms2) && isfinite(f.lf_hf) && isnan(f.vlf_ms2));

	/* Beat times that do not increase give NAN, not a crash. */
	synth(&s, 200, amp, fr, 2);
	s.t_ms[10] = s.t_ms[9];
	CHECK_EQ(vg_hrv_freq(&s, &o, &f), 0);
	CHECK(isnan(f.hf_ms2));
	vg_rr_clear(&s);
	CHECK_EQ(vg_hrv_freq(&s, &o, &f), 0);
	CHECK(isnan(f.hf_ms2));
	o.detrend = VG_DETREND_PRIORS;
	o.lambda = 0;
	synth(&s, 200, amp, fr, 2);
	CHECK(vg_hrv_freq(&s, &o, &f) < 0);

	enum vg_detrend d;
	CHECK_EQ(vg_detrend_parse("none", &d), 0);
	CHECK_EQ(d, VG_DETREND_NONE);
	CHECK_EQ(vg_detrend_parse("linear", &d), 0);
	CHECK_EQ(d, VG_DETREND_LINEAR);
	CHECK_EQ(vg_detrend_parse("priors", &d), 0);
	CHECK_EQ(d, VG_DETREND_PRIORS);
	CHECK(vg_detrend_parse("wavelet", &d) < 0);
	vg_rr_free(&s);
}

/* A gap in a long series keeps the spectrum of what was recorded. */
static void test_gap_series(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	struct vg_hrv_opts o;
	struct vg_hrv_spectrum sp;
	struct vg_hrv_freq f;
	double amp[1] = {30}, fr[1] = {0.25};

	vg_hrv_opts_default(&o);
	synth(&s, 1800, amp, fr, 1);
	CHECK_EQ(vg_hrv_spectrum(&s, &o, &sp), 0);
	size_t all = sp.segments;
	vg_hrv_spectrum_free(&sp);
	/* Drop 60 s of beats in the middle and mark the gap. */
	struct vg_rr_series g = VG_RR_SERIES_INIT;
	bool gap = false;
	for (size_t i = 0; i < s.n; i++) {
		double t = s.t_ms[i];
		if (t > 900000 && t < 960000)
			continue;
		uint8_t fl = 0;
		if (t >= 960000 && !gap) {
			fl = VG_RR_GAP_BEFORE;
			gap = true;
		}
		vg_rr_push(&g, s.ms[i], t, fl);
	}
	CHECK_EQ(vg_hrv_spectrum(&g, &o, &sp), 0);
	CHECK(sp.segments < all);
	vg_hrv_bands(&sp, &f);
	CHECK_REL(f.hf_ms2, 450, 0.05);
	vg_hrv_spectrum_free(&sp);
	vg_rr_free(&g);
	vg_rr_free(&s);
}

int main(void)
{
	test_fft();
	test_spline();
	test_detrend();
	test_welch();
	test_bands();
	test_gap_series();
	return vg_test_done();
}
