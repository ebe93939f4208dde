/* SPDX-License-Identifier: MIT */
/*
 * Detrended fluctuation analysis (Peng et al., Chaos 5:82, 1995), as Kubios
 * HRV computes it: the profile y(k) = sum_{i<=k} (RR_i - mean RR), cut into
 * non-overlapping boxes of n beats from the start (a partial last box is
 * dropped), a least-squares line removed in each box, F(n) the root mean
 * square of what is left, and the scaling exponent the least-squares slope
 * of log F(n) against log n.
 *
 * Private to src/core.
 */
#ifndef VAGUS_CORE_DFA_H
#define VAGUS_CORE_DFA_H

#include <stddef.h>

/*
 * F(n) of @rr (n intervals, ms) for each box size in [@nmin, @nmax] into
 * @f (nmax - nmin + 1 values, ms). @profile holds n doubles of scratch.
 * A box size with no whole box gives NAN.
 */
void vg_dfa_fluctuation(const double *rr, size_t n, unsigned nmin,
			unsigned nmax, double *f, double *profile);

/* The slope of log F against log n for box sizes nmin..nmax; NAN if any
 * F is not positive. */
double vg_dfa_slope(const double *f, unsigned nmin, unsigned nmax);

#endif
