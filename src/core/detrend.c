/* SPDX-License-Identifier: MIT */
#include "detrend.h"

#include <math.h>

double vg_detrend_mean(double *z, size_t n)
{
	double sum = 0, mean;

	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		sum += z[i];
	mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		z[i] -= mean;
	return mean;
}

void vg_detrend_linear(double *z, size_t n)
{
	if (n < 2) {
		vg_detrend_mean(z, n);
		return;
	}
	/*
	 * With k centred on its mean (n - 1) / 2 the normal equations
	 * decouple: slope = sum (k - kbar) z / sum (k - kbar)^2, whose
	 * denominator is n (n^2 - 1) / 12 in closed form.
	 */
	double kbar = (double)(n - 1) / 2, mean = 0, sxy = 0;
	for (size_t k = 0; k < n; k++) {
		mean += z[k];
		sxy += ((double)k - kbar) * z[k];
	}
	mean /= (double)n;
	double sxx = (double)n * ((double)n * (double)n - 1) / 12;
	double slope = sxy / sxx;
	for (size_t k = 0; k < n; k++)
		z[k] -= mean + slope * ((double)k - kbar);
}

/* Equal to about 1e-14 relative: the factor recurrence has converged. */
static int same(double a, double b)
{
	return fabs(a - b) <= 1e-14 * fabs(a);
}

/* Row i of the banded LDL' factorisation of I + l2 D2'D2 (see below). */
static void factor_row(double *d, double *l1, double *l2v, size_t n, size_t i,
		       double l2)
{
	size_t e = i < n - 1 - i ? i : n - 1 - i; /* distance to an end */
	double diag = e == 0 ? 1 : e == 1 ? 5 : 6;

	if (n == 3 && i == 1)
		diag = 4;
	if (n == 4 && (i == 1 || i == 2))
		diag = 5;
	diag = 1 + l2 * diag;
	double a1 = 0, a2 = 0;
	if (i >= 2) {
		/* A[i][i-2] = l2 */
		a2 = l2 / d[i - 2];
		l2v[i] = a2;
	}
	if (i >= 1) {
		/* A[i][i-1]: -2 l2 at either end of the band, else -4 l2 */
		double num = (i == 1 || i == n - 1) ? -2 * l2 : -4 * l2;
		if (i >= 2)
			num -= a2 * d[i - 2] * l1[i - 1];
		a1 = num / d[i - 1];
		l1[i] = a1;
	}
	double di = diag;
	if (i >= 1)
		di -= a1 * a1 * d[i - 1];
	if (i >= 2)
		di -= a2 * a2 * d[i - 2];
	d[i] = di;
}

void vg_detrend_priors(double *z, size_t n, double lambda, double *trend,
		       double *scratch)
{
	if (n < 3) {
		double mean = vg_detrend_mean(z, n);
		for (size_t i = 0; trend && i < n; i++)
			trend[i] = mean;
		return;
	}
	double l2 = lambda * lambda;
	double *d = scratch, *l1 = scratch + n, *l2v = scratch + 2 * n;

	/*
	 * A = I + l2 D2'D2. D2'D2 has the diagonal 1 5 6 ... 6 5 1, the first
	 * off-diagonal -2 -4 ... -4 -2 and the second off-diagonal all 1 (for
	 * n = 3: 1 4 1 and -2 -2; n = 4: 1 5 5 1 and -2 -4 -2).
	 * A = L diag(d) L', L unit lower triangular with bands l1 (i, i-1)
	 * and l2v (i, i-2).
	 *
	 * Away from the ends A is Toeplitz, and the factors converge
	 * geometrically to those of its spectral factorisation (within a few
	 * hundred rows at lambda = 500), after which the recurrence only
	 * wanders in its last digits (about 1e-13 relative) from rounding.
	 * Once a row repeats the previous one to 1e-14, the limit is taken
	 * for every row up to the last two, without the divisions that were
	 * most of the cost; the last two rows see the ends of A again.
	 */
	size_t conv = n; /* rows conv .. n-3 share the factors of row conv */
	for (size_t i = 0; i < n; i++) {
		factor_row(d, l1, l2v, n, i, l2);
		if (i >= 4 && i + 2 < n && same(d[i], d[i - 1]) &&
		    same(l1[i], l1[i - 1]) && same(l2v[i], l2v[i - 1])) {
			conv = i;
			/*
			 * Stored copies where the solves below still read
			 * the arrays: the two rows after conv and the two
			 * before the last two, which are then factored.
			 */
			size_t fill[4] = {i + 1, i + 2, n - 4, n - 3};
			for (size_t f = 0; f < 4; f++) {
				size_t k = fill[f];
				if (k > conv && k + 2 < n) {
					d[k] = d[conv];
					l1[k] = l1[conv];
					l2v[k] = l2v[conv];
				}
			}
			factor_row(d, l1, l2v, n, n - 2, l2);
			factor_row(d, l1, l2v, n, n - 1, l2);
			break;
		}
	}
	/* Solve L y = z, then L' t = y / d; t is the trend. */
	double *t = trend ? trend : scratch + 3 * n;
	size_t bulk_end = conv < n ? n - 2 : n; /* constant rows [conv, end) */
	double cd = conv < n ? 1.0 / d[conv] : 0, c1 = conv < n ? l1[conv] : 0,
	       c2 = conv < n ? l2v[conv] : 0;
	for (size_t i = 0; i < n; i++) {
		double v = z[i];
		if (i >= conv && i < bulk_end) {
			/* i >= conv >= 4, so both previous rows exist */
			t[i] = v - c1 * t[i - 1] - c2 * t[i - 2];
			continue;
		}
		if (i >= 1)
			v -= l1[i] * t[i - 1];
		if (i >= 2)
			v -= l2v[i] * t[i - 2];
		t[i] = v;
	}
	for (size_t i = n; i-- > 0;) {
		/* the factors of row i + 1 and i + 2 are used here */
		if (i >= conv && i + 2 < bulk_end) {
			t[i] = t[i] * cd - c1 * t[i + 1] - c2 * t[i + 2];
			continue;
		}
		double v = t[i] / d[i];
		if (i + 1 < n)
			v -= l1[i + 1] * t[i + 1];
		if (i + 2 < n)
			v -= l2v[i + 2] * t[i + 2];
		t[i] = v;
	}
	for (size_t i = 0; i < n; i++)
		z[i] -= t[i];
}
