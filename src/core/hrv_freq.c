/* SPDX-License-Identifier: MIT */
/*
 * Frequency-domain metrics, the way Kubios HRV computes its FFT spectrum
 * (checked bin by bin against a Kubios HRV 3.1 report, tests/
 * test_kubios.c):
 *
 * 1. The RR values, each placed at the time of the beat that ends it, are
 *    resampled at 4 Hz by a not-a-knot cubic spline, on the grid that
 *    starts at the first beat and ends at or before the last.
 * 2. Detrending of the 4 Hz series: smoothness priors (lambda 500 by
 *    default), a least-squares line, or only the mean. Kubios applies
 *    smoothness priors to the interpolated 4 Hz series: its settings quote
 *    lambda = 500 as a cut-off near 0.035 Hz, and the -3 dB point of
 *    1 - 1 / (1 + lambda^2 (2 sin(w/2))^4) is at 0.0089 fs: 0.035 Hz at
 *    fs = 4 Hz, but 0.011-0.013 Hz at the beat rate (fs = 1 / mean RR,
 *    about 1.2-1.4 Hz), which is where Tarvainen et al. 2002 state the
 *    method (their fig. 1 gives the cut-off in units of fs).
 * 3. Welch: Hann windows of 300 s (1200 samples) with 50 % overlap, or
 *    one window over the whole series when it is shorter; each segment
 *    zero-padded to 1200 points, so bins are 1/300 Hz apart (Kubios'
 *    "300 points/Hz").
 * 4. Band powers: trapezoidal integration over the bins from the lower
 *    to the upper band edge, both included (edges fall on bins: 0.04,
 *    0.15 and 0.40 Hz are bins 12, 45 and 120).
 */
#include "vagus/hrv.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "detrend.h"
#include "spline.h"
#include "welch.h"

#define FS_HZ 4.0
#define SEGMENT_S 300.0
#define POINTS_PER_HZ 300.0

/*
 * Shortest beat-to-beat span for each band, after the Task Force of the
 * ESC and NASPE (Circulation 93:1043, 1996): about 1 min for HF and 2 min
 * for LF. VLF gets 250 s, ten periods of its 0.04 Hz upper edge, so that a
 * nominal 5 min recording (which is rarely exactly 300 s) has one.
 */
#define MIN_SPAN_HF_S 60.0
#define MIN_SPAN_LF_S 120.0
#define MIN_SPAN_VLF_S 250.0

#define VLF_LO 0.0
#define LF_LO 0.04
#define HF_LO 0.15
#define HF_HI 0.40
/* Bounds of the search for a respiratory peak outside the HF band. */
#define RESP_MIN_HZ 0.04
#define RESP_MAX_HZ 1.0

static int gap_ranges(const struct vg_rr_series *s, double t0, size_t m,
		      struct vg_welch_gap **out, size_t *count)
{
	size_t ng = 0;

	*out = NULL;
	*count = 0;
	for (size_t i = 1; i < s->n; i++)
		ng += !!(s->flags[i] & VG_RR_GAP_BEFORE);
	if (!ng)
		return 0;
	struct vg_welch_gap *g = malloc(ng * sizeof(*g));
	if (!g)
		return -ENOMEM;
	/*
	 * Samples after beat i-1 and before beat i were bridged by the
	 * spline: [first sample after t[i-1], first sample at or after t[i]).
	 */
	double step = 1000.0 / FS_HZ;
	size_t k = 0;
	for (size_t i = 1; i < s->n; i++) {
		if (!(s->flags[i] & VG_RR_GAP_BEFORE))
			continue;
		double lo = floor((s->t_ms[i - 1] - t0) / step) + 1;
		double hi = ceil((s->t_ms[i] - t0) / step);
		g[k].lo = lo < (double)m ? (size_t)lo : m;
		g[k].hi = hi < (double)m ? (size_t)hi : m;
		if (g[k].hi < g[k].lo)
			g[k].hi = g[k].lo;
		k++;
	}
	*out = g;
	*count = k;
	return 0;
}

int vg_hrv_spectrum(const struct vg_rr_series *s,
		    const struct vg_hrv_opts *opts, struct vg_hrv_spectrum *out)
{
	size_t n = s->n;
	int err;

	out->psd = NULL;
	out->nbins = out->segments = 0;
	out->df = out->span_s = 0;
	if (n < 3)
		return -ENODATA;
	for (size_t i = 1; i < n; i++)
		if (!(s->t_ms[i] > s->t_ms[i - 1]) || !isfinite(s->ms[i]))
			return -ENODATA;
	if (!isfinite(s->ms[0]) || !isfinite(s->t_ms[0]))
		return -ENODATA;
	if (opts->detrend == VG_DETREND_PRIORS && !(opts->lambda > 0))
		return -EINVAL;

	double t0 = s->t_ms[0], span = s->t_ms[n - 1] - t0;
	double step = 1000.0 / FS_HZ;
	/* 1e-9 absorbs rounding when the span is a whole number of steps. */
	size_t m = (size_t)floor(span / step + 1e-9) + 1;
	size_t seg = (size_t)(SEGMENT_S * FS_HZ);
	size_t nfft = (size_t)(POINTS_PER_HZ * FS_HZ);
	if (nfft < seg)
		nfft = seg;
	if (m < 2)
		return -ENODATA;

	size_t nscratch = 4 * m > 3 * n ? 4 * m : 3 * n;
	double *x = malloc(m * sizeof(*x));
	double *scratch = malloc(nscratch * sizeof(*scratch));
	double *psd = malloc((nfft / 2 + 1) * sizeof(*psd));
	struct vg_welch_gap *gaps = NULL;
	size_t ngaps = 0;
	err = -ENOMEM;
	if (!x || !scratch || !psd || gap_ranges(s, t0, m, &gaps, &ngaps))
		goto fail;

	err = vg_spline_uniform(s->t_ms, s->ms, n, t0, step, x, m, scratch);
	if (err) {
		err = -ENODATA;
		goto fail;
	}
	switch (opts->detrend) {
	case VG_DETREND_PRIORS:
		vg_detrend_priors(x, m, opts->lambda, NULL, scratch);
		vg_detrend_mean(x, m);
		break;
	case VG_DETREND_LINEAR:
		vg_detrend_linear(x, m);
		break;
	default:
		vg_detrend_mean(x, m);
		break;
	}
	struct vg_welch_cfg cfg = {.fs = FS_HZ,
				   .seg = seg,
				   .nfft = nfft,
				   .gaps = gaps,
				   .ngaps = ngaps};
	size_t used;
	err = vg_welch_psd(x, m, &cfg, psd, &used);
	if (err) {
		err = err == -ENOMEM ? -ENOMEM : -ENODATA;
		goto fail;
	}
	free(x);
	free(scratch);
	free(gaps);
	out->psd = psd;
	out->nbins = nfft / 2 + 1;
	out->df = FS_HZ / (double)nfft;
	out->segments = used;
	out->span_s = span / 1000.0;
	return 0;
fail:
	free(x);
	free(scratch);
	free(psd);
	free(gaps);
	return err;
}

void vg_hrv_spectrum_free(struct vg_hrv_spectrum *sp)
{
	free(sp->psd);
	sp->psd = NULL;
	sp->nbins = 0;
}

static size_t bin_of(const struct vg_hrv_spectrum *sp, double f)
{
	double k = floor(f / sp->df + 0.5);
	return k < (double)sp->nbins ? (size_t)k : sp->nbins - 1;
}

/* Trapezoidal integral of the PSD from bin a to bin b inclusive. */
static double band_power(const struct vg_hrv_spectrum *sp, double lo, double hi)
{
	size_t a = bin_of(sp, lo), b = bin_of(sp, hi);
	double sum = 0;

	for (size_t k = a; k < b; k++)
		sum += 0.5 * (sp->psd[k] + sp->psd[k + 1]);
	return sum * sp->df;
}

/*
 * The respiratory peak. Breathing modulates RR (respiratory sinus
 * arrhythmia), and at usual rates (9-24 breaths/min) its peak is the
 * highest point of the HF band, which is where we look first. Slow
 * breathing (paced or resonance breathing, about 6 breaths/min, the point
 * of a relaxation session) moves it below 0.15 Hz, where it becomes by
 * far the largest peak of the spectrum and the HF band keeps only noise
 * and harmonics. So:
 *  - if the highest point between 0.05 and 0.15 Hz (3-9 breaths/min) is
 *    more than SLOW_RATIO times the HF-band peak, that is the breathing;
 *  - else the HF-band peak is, except that a maximum sitting on a band
 *    edge (the flank of a peak just outside) is followed uphill to the
 *    first local maximum, within 0.04-1.0 Hz.
 * At rest the 0.1 Hz baroreflex (Mayer) wave is usually larger than the
 * RSA peak too, but not by that much: 5.7 times in the Kubios sample
 * (LF/HF 3), against 10^2-10^3 for a slow-breathing RSA peak (paced
 * breathing multiplies LF power several-fold). A large Mayer wave over
 * almost no RSA would still be read as slow breathing.
 */
#define SLOW_LO_HZ 0.05
#define SLOW_RATIO 10.0

static double resp_peak_hz(const struct vg_hrv_spectrum *sp, size_t kpk)
{
	size_t a = bin_of(sp, HF_LO), b = bin_of(sp, HF_HI);
	size_t lo = bin_of(sp, RESP_MIN_HZ), hi = bin_of(sp, RESP_MAX_HZ);
	const double *p = sp->psd;
	size_t k = kpk, ks = bin_of(sp, SLOW_LO_HZ);

	for (size_t j = ks + 1; j < a; j++)
		if (p[j] > p[ks])
			ks = j;
	if (p[ks] > SLOW_RATIO * p[kpk])
		return (double)ks * sp->df;
	if (k == a)
		while (k > lo && p[k - 1] > p[k])
			k--;
	else if (k == b)
		while (k < hi && p[k + 1] > p[k])
			k++;
	return (double)k * sp->df;
}

void vg_hrv_bands(const struct vg_hrv_spectrum *sp, struct vg_hrv_freq *out)
{
	out->vlf_ms2 = out->lf_ms2 = out->hf_ms2 = out->lf_hf = NAN;
	out->hf_peak_hz = out->resp_rate_bpm = NAN;
	if (!sp->psd || (double)(sp->nbins - 1) * sp->df < RESP_MAX_HZ)
		return;
	if (sp->span_s >= MIN_SPAN_VLF_S)
		out->vlf_ms2 = band_power(sp, VLF_LO, LF_LO);
	if (sp->span_s >= MIN_SPAN_LF_S)
		out->lf_ms2 = band_power(sp, LF_LO, HF_LO);
	if (sp->span_s >= MIN_SPAN_HF_S) {
		size_t a = bin_of(sp, HF_LO), b = bin_of(sp, HF_HI), kpk = a;
		out->hf_ms2 = band_power(sp, HF_LO, HF_HI);
		for (size_t k = a + 1; k <= b; k++)
			if (sp->psd[k] > sp->psd[kpk])
				kpk = k;
		out->hf_peak_hz = (double)kpk * sp->df;
		out->resp_rate_bpm = 60.0 * resp_peak_hz(sp, kpk);
	}
	if (isfinite(out->lf_ms2) && out->hf_ms2 > 0)
		out->lf_hf = out->lf_ms2 / out->hf_ms2;
}

int vg_hrv_freq(const struct vg_rr_series *s, const struct vg_hrv_opts *opts,
		struct vg_hrv_freq *out)
{
	struct vg_hrv_spectrum sp;
	int err = vg_hrv_spectrum(s, opts, &sp);

	vg_hrv_bands(&sp, out);
	vg_hrv_spectrum_free(&sp);
	return err == -ENOMEM || err == -EINVAL ? err : 0;
}
