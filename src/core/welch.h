/* SPDX-License-Identifier: MIT */
/*
 * Welch's averaged periodogram with Hann windows, scaled like MATLAB's
 * pwelch (and so Kubios HRV): a one-sided power spectral density whose
 * integral over 0..fs/2 is the variance of the windowed data.
 *
 * Private to src/core.
 */
#ifndef VAGUS_CORE_WELCH_H
#define VAGUS_CORE_WELCH_H

#include <stddef.h>

/*
 * Samples [lo, hi) that the resampling invented across a gap in the
 * recording; lo == hi marks a gap between samples lo - 1 and lo.
 */
struct vg_welch_gap {
	size_t lo, hi;
};

struct vg_welch_cfg {
	double fs;   /* sampling rate of x, Hz */
	size_t seg;  /* segment length, samples; the whole series if longer */
	size_t nfft; /* FFT length >= seg; shorter segments are zero-padded */
	/*
	 * Gaps sorted by lo, not overlapping. A segment that holds a bridged
	 * sample, or reaches across a gap, is left out of the average unless
	 * every segment would be.
	 */
	const struct vg_welch_gap *gaps;
	size_t ngaps;
};

/*
 * PSD of @x (n samples, mean already removed by the caller) into @psd,
 * nfft / 2 + 1 bins at k fs / nfft, in units of x^2 / Hz. Segments start
 * every seg / 2 samples (50 % overlap); samples after the last whole
 * segment are not used. *@used receives the number of segments averaged.
 * Returns 0, -EINVAL (n < 2 or nfft < the segment) or -ENOMEM.
 */
int vg_welch_psd(const double *x, size_t n, const struct vg_welch_cfg *cfg,
		 double *psd, size_t *used);

#endif
