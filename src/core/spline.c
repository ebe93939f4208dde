/* SPDX-License-Identifier: MIT */
/*
 * The spline is kept in Hermite form: the value and the slope s[i] at each
 * knot. Not-a-knot makes the third derivative continuous at the second and
 * the second-to-last knots; with the slopes as unknowns that is a
 * tridiagonal system (de Boor, "A Practical Guide to Splines", ch. IV),
 * solved by the Thomas algorithm. Its first and last rows are not
 * diagonally dominant, but elimination keeps every pivot positive (the
 * second pivot is h0 + h1, the last at least h^2 / (2h + h')), so no
 * pivoting is needed.
 */
#include "spline.h"

#include <errno.h>

/* Slopes of the not-a-knot spline for n >= 4 into s; c, d scratch. */
static void slopes_not_a_knot(const double *x, const double *y, size_t n,
			      double *s, double *c, double *d)
{
	double h0 = x[1] - x[0], h1 = x[2] - x[1];
	double d0 = (y[1] - y[0]) / h0, d1 = (y[2] - y[1]) / h1;
	double b, a, r, den;

	/* Row 0: h1 s0 + (h0 + h1) s1 = ... */
	b = h1;
	c[0] = (h0 + h1) / b;
	d[0] = ((h0 + 2 * (h0 + h1)) * h1 * d0 + h0 * h0 * d1) / (h0 + h1) / b;
	for (size_t i = 1; i + 1 < n; i++) {
		double hp = x[i] - x[i - 1], hi = x[i + 1] - x[i];
		double dp = (y[i] - y[i - 1]) / hp, di = (y[i + 1] - y[i]) / hi;
		a = hi;
		b = 2 * (hp + hi);
		r = 3 * (hi * dp + hp * di);
		den = b - a * c[i - 1];
		c[i] = hp / den;
		d[i] = (r - a * d[i - 1]) / den;
	}
	/* Row n-1, the mirror image of row 0. */
	double hl = x[n - 1] - x[n - 2], hm = x[n - 2] - x[n - 3];
	double dl = (y[n - 1] - y[n - 2]) / hl, dm = (y[n - 2] - y[n - 3]) / hm;
	double xn = hl + hm;
	a = xn;
	b = hm;
	r = (hl * hl * dm + (2 * xn + hl) * hm * dl) / xn;
	den = b - a * c[n - 2];
	s[n - 1] = (r - a * d[n - 2]) / den;
	for (size_t i = n - 1; i-- > 0;)
		s[i] = d[i] - c[i] * s[i + 1];
}

int vg_spline_uniform(const double *x, const double *y, size_t n, double x0,
		      double dx, double *out, size_t m, double *scratch)
{
	double *s = scratch;

	if (!n)
		return -EINVAL;
	for (size_t i = 1; i < n; i++)
		if (!(x[i] > x[i - 1]))
			return -EINVAL;
	if (n == 1) {
		for (size_t k = 0; k < m; k++)
			out[k] = y[0];
		return 0;
	}
	if (n == 2) {
		s[0] = s[1] = (y[1] - y[0]) / (x[1] - x[0]);
	} else if (n == 3) {
		/* The parabola through the three points, in Hermite form. */
		double h0 = x[1] - x[0], h1 = x[2] - x[1];
		double d0 = (y[1] - y[0]) / h0, d1 = (y[2] - y[1]) / h1;
		double q = (d1 - d0) / (h0 + h1);
		s[0] = d0 - q * h0;
		s[1] = d0 + q * h0;
		s[2] = d0 + q * (h0 + 2 * h1);
	} else {
		slopes_not_a_knot(x, y, n, s, scratch + n, scratch + 2 * n);
	}

	/* Walk grid and knots together; piece i covers [x[i], x[i+1]). */
	size_t i = 0;
	double xi = 0, yi = 0, si = 0, c2 = 0, c3 = 0;
	int have = 0;
	for (size_t k = 0; k < m; k++) {
		double t = x0 + (double)k * dx;
		size_t j = i;
		while (j + 2 < n && t >= x[j + 1])
			j++;
		if (!have || j != i) {
			double h = x[j + 1] - x[j];
			double del = (y[j + 1] - y[j]) / h;
			i = j;
			xi = x[j];
			yi = y[j];
			si = s[j];
			c2 = (3 * del - 2 * s[j] - s[j + 1]) / h;
			c3 = (s[j] + s[j + 1] - 2 * del) / (h * h);
			have = 1;
		}
		double u = t - xi;
		out[k] = yi + u * (si + u * (c2 + u * c3));
	}
	return 0;
}
