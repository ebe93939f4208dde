/* SPDX-License-Identifier: MIT */
/*
 * The window is MATLAB's hanning(L), 0.5 (1 - cos(2 pi k / (L + 1))) for
 * k = 1..L, which has no zero end samples: with it our PSD reproduces the
 * FFT spectrum table of a Kubios HRV 3.1 report bin by bin (tests/
 * test_kubios.c), where the zero-ended hann(L) is off by 0.5 %.
 *
 * Two real segments share one complex FFT (one as the real part, one as
 * the imaginary part) and are separated by the conjugate symmetry of real
 * transforms, which halves the FFT work of a 24 h recording.
 */
#include "welch.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "fft.h"

/*
 * True if [start, start + len) meets a gap: holds one of its samples, or
 * for an empty gap at g, has start < g < start + len. Starts increase
 * from call to call, so gaps behind the segment are passed for good.
 */
static bool spans_gap(const struct vg_welch_cfg *c, size_t *gi, size_t start,
		      size_t len)
{
	while (*gi < c->ngaps && c->gaps[*gi].hi <= start)
		(*gi)++;
	if (*gi == c->ngaps)
		return false;
	const struct vg_welch_gap *g = &c->gaps[*gi];
	if (g->lo == g->hi)
		return start < g->lo && g->lo < start + len;
	return g->lo < start + len;
}

/* Adds |X_k|^2 of the two real signals packed in z (length n) to acc. */
static void accumulate_pair(const struct vg_cplx *z, size_t n, size_t nbins,
			    bool second, double *acc)
{
	for (size_t k = 0; k < nbins; k++) {
		const struct vg_cplx *a = &z[k], *b = &z[k ? n - k : 0];
		/* X = (Z_k + conj Z_-k) / 2, Y = (Z_k - conj Z_-k) / 2i */
		double xr = a->re + b->re, xi = a->im - b->im;
		double yr = a->im + b->im, yi = b->re - a->re;
		acc[k] += 0.25 * (xr * xr + xi * xi);
		if (second)
			acc[k] += 0.25 * (yr * yr + yi * yi);
	}
}

int vg_welch_psd(const double *x, size_t n, const struct vg_welch_cfg *cfg,
		 double *psd, size_t *used)
{
	size_t seg = cfg->seg < n ? cfg->seg : n, nfft = cfg->nfft;
	size_t nbins = nfft / 2 + 1, step, nseg;
	int err = -ENOMEM;

	*used = 0;
	if (n < 2 || seg < 2 || nfft < seg || !(cfg->fs > 0))
		return -EINVAL;
	step = seg / 2;
	nseg = (n - seg) / step + 1;

	double *win = malloc(seg * sizeof(*win));
	size_t *starts = malloc(nseg * sizeof(*starts));
	struct vg_cplx *in = malloc(2 * nfft * sizeof(*in));
	struct vg_fft *plan = vg_fft_new(nfft);
	if (!win || !starts || !in || !plan)
		goto out;
	struct vg_cplx *out = in + nfft;

	double w2 = 0;
	for (size_t k = 0; k < seg; k++) {
		double c = cos(6.283185307179586476925 * (double)(k + 1) /
			       (double)(seg + 1));
		win[k] = 0.5 * (1 - c);
		w2 += win[k] * win[k];
	}

	/* Segments clear of gaps; all of them if none is. */
	size_t count = 0, gi = 0;
	for (size_t s = 0; s < nseg; s++)
		if (!spans_gap(cfg, &gi, s * step, seg))
			starts[count++] = s * step;
	if (!count)
		for (size_t s = 0; s < nseg; s++)
			starts[count++] = s * step;

	for (size_t k = 0; k < nbins; k++)
		psd[k] = 0;
	for (size_t s = 0; s < count; s += 2) {
		bool pair = s + 1 < count;
		const double *a = x + starts[s],
			     *b = pair ? x + starts[s + 1] : 0;
		for (size_t k = 0; k < seg; k++) {
			in[k].re = a[k] * win[k];
			in[k].im = pair ? b[k] * win[k] : 0;
		}
		for (size_t k = seg; k < nfft; k++)
			in[k] = (struct vg_cplx){0, 0};
		vg_fft_forward(plan, in, out);
		accumulate_pair(out, nfft, nbins, pair, psd);
	}

	/*
	 * One-sided density: |X|^2 / (fs sum w^2), averaged, doubled except
	 * at 0 and at fs / 2, where the two sides are one bin.
	 */
	double scale = 1.0 / (cfg->fs * w2 * (double)count);
	for (size_t k = 0; k < nbins; k++) {
		bool single = k == 0 || (nfft % 2 == 0 && k == nfft / 2);
		psd[k] *= single ? scale : 2 * scale;
	}
	*used = count;
	err = 0;
out:
	free(win);
	free(starts);
	free(in);
	vg_fft_free(plan);
	return err;
}
