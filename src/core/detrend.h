/* SPDX-License-Identifier: MIT */
/*
 * Trend removal for an evenly sampled series (the 4 Hz RR series).
 *
 * Private to src/core.
 */
#ifndef VAGUS_CORE_DETREND_H
#define VAGUS_CORE_DETREND_H

#include <stddef.h>

/*
 * Smoothness priors (Tarvainen, Ranta-aho, Karjalainen, IEEE TBME 49(2),
 * 2002): the trend is (I + lambda^2 D2' D2)^-1 z, D2 the second-difference
 * matrix; it is subtracted from @z in place. The system is symmetric,
 * positive definite and pentadiagonal, so a banded LDL' factorisation
 * solves it in O(n). @lambda is dimensionless; at 4 Hz, lambda = 500 acts
 * as a high-pass filter with a cut-off near 0.035 Hz. If @trend is not
 * NULL it receives the trend (n values). @scratch holds 4 n doubles.
 * n < 3 leaves the series with its mean removed (no curvature to
 * penalise).
 */
void vg_detrend_priors(double *z, size_t n, double lambda, double *trend,
		       double *scratch);

/* Removes the least-squares line through (k, z[k]) from @z in place. */
void vg_detrend_linear(double *z, size_t n);

/* Removes the mean from @z in place; returns the mean. */
double vg_detrend_mean(double *z, size_t n);

#endif
