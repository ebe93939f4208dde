/* SPDX-License-Identifier: MIT */
#include "dfa.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "vagus/hrv.h"

/*
 * alpha1 needs enough boxes at the largest scale for F(12) to be more than
 * noise: 120 beats give 10 boxes of 12 (about 2 minutes at rest).
 */
#define DFA_MIN_BEATS 120
#define DFA1_MIN 4
#define DFA1_MAX 12

void vg_dfa_fluctuation(const double *rr, size_t n, unsigned nmin,
			unsigned nmax, double *f, double *profile)
{
	double mean = 0, acc = 0;

	for (size_t i = 0; i < n; i++)
		mean += rr[i];
	mean = n ? mean / (double)n : 0;
	for (size_t i = 0; i < n; i++) {
		acc += rr[i] - mean;
		profile[i] = acc;
	}
	for (unsigned bs = nmin; bs <= nmax; bs++) {
		size_t boxes = bs ? n / bs : 0;
		double rss = 0;
		if (!boxes || bs < 2) {
			f[bs - nmin] = NAN;
			continue;
		}
		/*
		 * Local abscissa x = 0..bs-1, so sum x and sum (x - xbar)^2 =
		 * bs (bs^2 - 1) / 12 are constants; only the sums of v, v^2
		 * and x v are accumulated, with v = y - y(box start) keeping
		 * them small against the profile's wander over a day.
		 */
		double xbar = (double)(bs - 1) / 2;
		double sxx = (double)bs * ((double)bs * bs - 1) / 12;
		for (size_t b = 0; b < boxes; b++) {
			const double *y = profile + b * bs;
			double y0 = y[0], sv = 0, svv = 0, sxv = 0;
			for (unsigned x = 0; x < bs; x++) {
				double v = y[x] - y0;
				sv += v;
				svv += v * v;
				sxv += (double)x * v;
			}
			double syy = svv - sv * sv / bs;
			double sxy = sxv - xbar * sv;
			double r = syy - sxy * sxy / sxx;
			rss += r > 0 ? r : 0;
		}
		f[bs - nmin] = sqrt(rss / (double)(boxes * bs));
	}
}

double vg_dfa_slope(const double *f, unsigned nmin, unsigned nmax)
{
	size_t k = nmax - nmin + 1;
	double sx = 0, sy = 0, sxx = 0, sxy = 0;

	for (unsigned bs = nmin; bs <= nmax; bs++) {
		double fv = f[bs - nmin];
		if (!(fv > 0))
			return NAN;
		double x = log((double)bs), y = log(fv);
		sx += x;
		sy += y;
		sxx += x * x;
		sxy += x * y;
	}
	double den = (double)k * sxx - sx * sx;
	return den > 0 ? ((double)k * sxy - sx * sy) / den : NAN;
}

double vg_hrv_dfa_alpha1(const struct vg_rr_series *s, int *err)
{
	double f[DFA1_MAX - DFA1_MIN + 1];

	if (err)
		*err = 0;
	if (s->n < DFA_MIN_BEATS)
		return NAN;
	double *profile = malloc(s->n * sizeof(*profile));
	if (!profile) {
		if (err)
			*err = -ENOMEM;
		return NAN;
	}
	vg_dfa_fluctuation(s->ms, s->n, DFA1_MIN, DFA1_MAX, f, profile);
	free(profile);
	return vg_dfa_slope(f, DFA1_MIN, DFA1_MAX);
}
