/* SPDX-License-Identifier: MIT */
/*
 * Two conditions' per-session changes, compared; the formulas are in
 * include/vagus/compare.h. Welch rather than a pooled t: a condition that
 * changes the spread of the responses (some people react to the mat, some
 * do not) would make a pooled interval too narrow for the noisier one.
 */
#include "vagus/compare.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "vagus/change.h"

static void moments(const double *x, size_t n, size_t *m, double *mean,
		    double *sd)
{
	double sum = 0, ss = 0;

	*m = 0;
	for (size_t i = 0; i < n; i++) {
		if (isfinite(x[i])) {
			sum += x[i];
			(*m)++;
		}
	}
	*mean = *m ? sum / (double)*m : NAN;
	for (size_t i = 0; i < n; i++)
		if (isfinite(x[i]))
			ss += (x[i] - *mean) * (x[i] - *mean);
	*sd = *m >= 2 ? sqrt(ss / (double)(*m - 1)) : NAN;
}

static void clear_out(struct vg_compare *o)
{
	memset(o, 0, sizeof(*o));
	o->mean_a = o->mean_b = o->sd_a = o->sd_b = NAN;
	o->diff = o->se = o->df = o->lo = o->hi = NAN;
	o->g = o->g_lo = o->g_hi = o->n_needed = NAN;
}

int vg_compare_run(const double *a, size_t na, const double *b, size_t nb,
		   double level, struct vg_compare *out)
{
	if (!out)
		return -EINVAL;
	clear_out(out);
	if ((!a && na) || (!b && nb) || !(level > 0 && level < 1))
		return -EINVAL;
	moments(a, na, &out->n_a, &out->mean_a, &out->sd_a);
	moments(b, nb, &out->n_b, &out->mean_b, &out->sd_b);
	if (out->n_a < 2 || out->n_b < 2)
		return -ENODATA;

	double va = out->sd_a * out->sd_a / (double)out->n_a;
	double vb = out->sd_b * out->sd_b / (double)out->n_b;
	double nA = (double)out->n_a, nB = (double)out->n_b;
	/* Spread at rounding level only (all values equal) is no spread. */
	double scale = out->mean_a * out->mean_a + out->mean_b * out->mean_b;
	if (!(va + vb > 1e-24 * scale) || !(va + vb > 0))
		return -ENODATA;
	out->diff = out->mean_a - out->mean_b;
	out->se = sqrt(va + vb);
	out->df =
	    (va + vb) * (va + vb) / (va * va / (nA - 1) + vb * vb / (nB - 1));
	double q = vg_stat_t_crit(1 - level, out->df);
	out->lo = out->diff - q * out->se;
	out->hi = out->diff + q * out->se;
	out->clear = out->lo > 0 || out->hi < 0;

	double sp = sqrt(((nA - 1) * out->sd_a * out->sd_a +
			  (nB - 1) * out->sd_b * out->sd_b) /
			 (nA + nB - 2));
	double z = vg_stat_norm_isf((1 - level) / 2);
	double j = 1 - 3 / (4 * (nA + nB) - 9);
	out->g = j * out->diff / sp;
	double gse =
	    sqrt((nA + nB) / (nA * nB) + out->g * out->g / (2 * (nA + nB)));
	out->g_lo = out->g - z * gse;
	out->g_hi = out->g + z * gse;

	if (out->clear) {
		out->n_needed = 0;
		return 0;
	}
	double d = fabs(out->diff) / sp;
	if (!(d > 0))
		return 0; /* n_needed stays NAN: no difference to chase */
	double zp = vg_stat_norm_isf(0.2);
	double n = 2 * (z + zp) * (z + zp) / (d * d) + z * z / 4;
	n = ceil(n);
	if (!(n <= VG_COMPARE_MAX_N))
		n = VG_COMPARE_MAX_N;
	out->n_needed = n;
	out->more_a = n > nA ? (size_t)(n - nA) : 0;
	out->more_b = n > nB ? (size_t)(n - nB) : 0;
	return 0;
}
