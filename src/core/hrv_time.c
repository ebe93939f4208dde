/* SPDX-License-Identifier: MIT */
/*
 * Time-domain and Poincare metrics, with Kubios HRV's definitions:
 *   mean RR, mean HR = 60000 / mean RR (not the mean of 60000 / RR_i),
 *   SDNN the sample standard deviation (n - 1),
 *   RMSSD = sqrt(mean(dRR^2)), lnRMSSD its natural log (RMSSD in ms),
 *   pNN50 = 100 #(|dRR| > 50 ms) / #dRR,
 *   SD1, SD2 the spread of the Poincare points (RR_(i-1), RR_i) across
 *   and along the identity line, about the recording's centroid
 *   (mean RR, mean RR), over p pairs: SD1^2 = sum dRR^2 / (2 (p - 1)),
 *   SD2^2 = sum (RR_(i-1) + RR_i - 2 mean RR)^2 / (2 (p - 1)).
 * The Poincare sums are what Kubios HRV computes: they reproduce its SD1
 * and SD2 to the last printed digit in reports of version 3.1 and 2.2,
 * where the textbook forms (SD1^2 = var(dRR) / 2, SD2^2 = 2 SDNN^2 -
 * SD1^2) differ by 0.002 % and 0.06 %. RMSSD, though, is the textbook
 * root mean square: Kubios' printed RMSSD is the population standard
 * deviation of dRR (its mean removed), smaller by a term in
 * (mean dRR)^2 = ((RR_last - RR_first) / p)^2, 0.0015 % on its sample.
 * dRR_i = RR_i - RR_(i-1) exists only where interval i carries no
 * VG_RR_GAP_BEFORE: a difference across a gap compares beats that are
 * not neighbours. Sums are two-pass (mean first) so that a 24 h series
 * loses no precision to cancellation.
 */
#include "vagus/hrv.h"

#include <math.h>

static bool has_diff(const struct vg_rr_series *s, size_t i)
{
	return i > 0 && !(s->flags[i] & VG_RR_GAP_BEFORE);
}

int vg_hrv_time(const struct vg_rr_series *s, struct vg_hrv_time *out)
{
	size_t n = s->n, nd = 0, nn50 = 0;
	double sum = 0, ss = 0, sd2 = 0;

	out->mean_rr_ms = out->mean_hr_bpm = out->sdnn_ms = NAN;
	out->rmssd_ms = out->ln_rmssd = out->pnn50_pct = NAN;
	out->diffs = 0;
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		sum += s->ms[i];
	double mean = sum / (double)n;
	for (size_t i = 0; i < n; i++) {
		double d = s->ms[i] - mean;
		ss += d * d;
		if (has_diff(s, i)) {
			double dd = s->ms[i] - s->ms[i - 1];
			sd2 += dd * dd;
			nn50 += fabs(dd) > 50.0;
			nd++;
		}
	}
	out->mean_rr_ms = mean;
	out->mean_hr_bpm = mean > 0 ? 60000.0 / mean : NAN;
	if (n >= 2)
		out->sdnn_ms = sqrt(ss / (double)(n - 1));
	out->diffs = nd;
	if (nd) {
		out->rmssd_ms = sqrt(sd2 / (double)nd);
		out->ln_rmssd = out->rmssd_ms > 0 ? log(out->rmssd_ms) : NAN;
		out->pnn50_pct = 100.0 * (double)nn50 / (double)nd;
	}
	return 0;
}

double vg_hrv_pnnx(const struct vg_rr_series *s, double threshold_ms)
{
	size_t nd = 0, nx = 0;

	for (size_t i = 1; i < s->n; i++) {
		if (!has_diff(s, i))
			continue;
		nd++;
		nx += fabs(s->ms[i] - s->ms[i - 1]) > threshold_ms;
	}
	return nd ? 100.0 * (double)nx / (double)nd : NAN;
}

int vg_hrv_poincare(const struct vg_rr_series *s, struct vg_hrv_poincare *out)
{
	size_t n = s->n, pairs = 0;
	double mean = 0, across = 0, along = 0;

	out->sd1_ms = out->sd2_ms = NAN;
	for (size_t i = 0; i < n; i++)
		mean += s->ms[i];
	mean = n ? mean / (double)n : 0;
	for (size_t i = 1; i < n; i++) {
		if (!has_diff(s, i))
			continue;
		double d = s->ms[i] - s->ms[i - 1];
		double a = s->ms[i] + s->ms[i - 1] - 2 * mean;
		across += d * d;
		along += a * a;
		pairs++;
	}
	/* A spread needs two points. */
	if (pairs < 2)
		return 0;
	out->sd1_ms = sqrt(across / (2.0 * (double)(pairs - 1)));
	out->sd2_ms = sqrt(along / (2.0 * (double)(pairs - 1)));
	return 0;
}
