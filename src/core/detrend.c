/* SPDX-License-Identifier: MIT */
#include "detrend.h"

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
	 */
	for (size_t i = 0; i < n; i++) {
		double diag, off1 = 0, off2 = 0;
		size_t lo = i, hi = n - 1 - i; /* distances to the ends */
		size_t e = lo < hi ? lo : hi;
		diag = e == 0 ? 1 : e == 1 ? 5 : 6;
		if (n == 3 && i == 1)
			diag = 4;
		if (n == 4 && (i == 1 || i == 2))
			diag = 5;
		diag = 1 + l2 * diag;
		if (i >= 1) {
			/* A[i][i-1]: -2 at either end of the band, else -4 */
			off1 = (i == 1 || i == n - 1) ? -2 : -4;
			off1 *= l2;
		}
		if (i >= 2)
			off2 = l2; /* A[i][i-2] */
		double a2 = 0, a1 = 0;
		if (i >= 2) {
			a2 = off2 / d[i - 2];
			l2v[i] = a2;
		}
		if (i >= 1) {
			double num = off1;
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
	/* Solve L y = z, then L' t = y / d; t is the trend. */
	double *t = trend ? trend : scratch + 3 * n;
	for (size_t i = 0; i < n; i++) {
		double v = z[i];
		if (i >= 1)
			v -= l1[i] * t[i - 1];
		if (i >= 2)
			v -= l2v[i] * t[i - 2];
		t[i] = v;
	}
	for (size_t i = n; i-- > 0;) {
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
