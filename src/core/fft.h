/* SPDX-License-Identifier: MIT */
/*
 * A small complex FFT for the HRV spectrum: mixed radix 2/3/4/5 for lengths
 * whose only prime factors are 2, 3 and 5 (1200 = 4 * 4 * 3 * 5 * 5 is the
 * Welch length at 4 Hz and 1/300 Hz resolution), Bluestein's chirp-z for any
 * other length. A plan holds every twiddle factor and the input permutation,
 * computed once, so a transform does no trigonometry and no allocation.
 *
 * Private to src/core.
 */
#ifndef VAGUS_CORE_FFT_H
#define VAGUS_CORE_FFT_H

#include <stddef.h>

struct vg_cplx {
	double re;
	double im;
};

struct vg_fft;

/* A plan for forward transforms of length @n >= 1. NULL on -ENOMEM. */
struct vg_fft *vg_fft_new(size_t n);

void vg_fft_free(struct vg_fft *p);

size_t vg_fft_len(const struct vg_fft *p);

/*
 * Forward DFT, X[k] = sum_j x[j] exp(-2 pi i j k / n), no scaling.
 * @in and @out hold n values each and must not overlap. No allocation:
 * the plan owns its scratch, so a plan serves one thread at a time.
 */
void vg_fft_forward(struct vg_fft *p, const struct vg_cplx *in,
		    struct vg_cplx *out);

#endif
