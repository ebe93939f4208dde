/* SPDX-License-Identifier: MIT */
/*
 * Mat versus control (issue 6, `vagus compare --tag mat --vs control`):
 * the per-session changes of two conditions (for example each session's
 * lnRMSSD change), compared as two independent samples.
 *
 *   difference  mean(a) - mean(b) with Welch's standard error
 *               sqrt(s_a^2 / n_a + s_b^2 / n_b) and Welch-Satterthwaite
 *               degrees of freedom; the interval uses Student's t (no
 *               equal-variance assumption: a mat may change the spread);
 *   effect size Hedges' g: the difference over the pooled SD, times
 *               J = 1 - 3 / (4 (n_a + n_b) - 9); its interval is the
 *               large-sample one of Hedges and Olkin (1985),
 *               g +/- z sqrt((n_a + n_b) / (n_a n_b) + g^2 / (2 (n_a + n_b))),
 *               approximate for few sessions;
 *   still open  when the interval holds zero: sessions per condition
 *               that would tell a difference as large as the one seen
 *               apart from zero with 80 % power at the same level,
 *               n = 2 (z_(1-alpha/2) + z_0.8)^2 / d^2 + z_(1-alpha/2)^2 / 4
 *               (d = difference / pooled SD; the last term is Guenther's
 *               correction for using t), and how many more each condition
 *               needs to get there.
 *
 * Pure, no allocation.
 */
#ifndef VAGUS_COMPARE_H
#define VAGUS_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

/* Cap on the sessions-needed estimate: beyond it, "more than this". */
#define VG_COMPARE_MAX_N 1000

struct vg_compare {
	size_t n_a, n_b; /* finite values used */
	double mean_a, mean_b, sd_a, sd_b;
	double diff;	      /* mean_a - mean_b */
	double se, df;	      /* Welch */
	double lo, hi;	      /* interval for diff at the level asked */
	double g, g_lo, g_hi; /* Hedges' g and its approximate interval */
	bool clear;	      /* the interval excludes zero */
	/*
	 * When !clear: sessions per condition needed (at most
	 * VG_COMPARE_MAX_N, which then means "more than that"; NAN when the
	 * difference is exactly zero) and how many more each condition needs.
	 * 0 when clear.
	 */
	double n_needed;
	size_t more_a, more_b;
};

/*
 * Compares the @na values of @a with the @nb values of @b (non-finite
 * values are skipped) at @level (0.95 for a 95 % interval). Returns 0,
 * -EINVAL (NULL pointers with counts, @level outside (0, 1)) or -ENODATA
 * (fewer than 2 finite values in a condition, or both without spread);
 * on error @out keeps the counts, and the means and SDs it could compute;
 * the rest is NAN.
 */
int vg_compare_run(const double *a, size_t na, const double *b, size_t nb,
		   double level, struct vg_compare *out);

#endif
