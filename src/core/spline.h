/* SPDX-License-Identifier: MIT */
/*
 * Cubic-spline resampling of an unevenly sampled series onto a uniform
 * grid, with not-a-knot end conditions (the spline MATLAB's interp1 and
 * hence Kubios HRV use). O(n) in the knots plus O(1) per output sample.
 *
 * Private to src/core.
 */
#ifndef VAGUS_CORE_SPLINE_H
#define VAGUS_CORE_SPLINE_H

#include <stddef.h>

/*
 * Samples the spline through (@x[i], @y[i]), i < @n, at @x0 + k * @dx for
 * k < @m, writing @out[k]. @x must increase strictly; samples outside
 * [x[0], x[n-1]] extrapolate the end pieces. n = 1 gives a constant, n = 2
 * a line, n = 3 the parabola through the three points. @scratch holds 3 n
 * doubles. Returns 0, or -EINVAL if @x does not increase or n is 0.
 */
int vg_spline_uniform(const double *x, const double *y, size_t n, double x0,
		      double dx, double *out, size_t m, double *scratch);

#endif
