/* SPDX-License-Identifier: MIT */
/*
 * Change statistics of one session: did the body shift towards rest
 * between the start window and the end window, and by how much?
 *
 * The method (VG_CHANGE_METHOD below is the text reports print): the
 * stretch from the start of the start window to the end of the end window
 * is cut into short blocks: for HR and lnRMSSD 7.5 to 12.5 s (10 s on
 * average) in a fixed golden-ratio sequence, so that no steady rhythm can
 * lock to the grid; for HF power and breathing rate blocks of at least
 * 64 s (HF needs 60 s), each window holding whole ones. Each block gives
 * one value: ln of its mean RR, lnRMSSD from the successive differences
 * inside it (none across a gap), ln HF power, breathing rate. A least-squares line through the block
 * values over the whole course of the session gives the change, the
 * line's rise from the centre of the start window to the centre of the end
 * window. Its standard error allows for serial dependence: the lag-1
 * autocorrelation of the residuals, bias-corrected for a short series
 * (r + (1 + 3 r) / n) and kept in [0, 0.95], inflates the variance by
 * f = (1 + r) / (1 - r); for HR and lnRMSSD, when sums of 60 s of
 * consecutive residuals vary more than f times their parts would
 * (dependence that skips a neighbour), that ratio is f instead. The sample
 * shrinks to n / f effective blocks; the 95 % interval uses Student's t
 * with that effective sample's degrees of freedom (minus 2). So a session
 * with few effective samples gets a wide interval, never a falsely narrow
 * one, and one with under three gets no interval at all.
 * No resampling, no random numbers: the same beats give the same numbers.
 *
 * The verdict joins lnRMSSD and HR: t_ln is the lnRMSSD change over its
 * standard error, t_hr the same for ln mean RR (up = towards rest), and
 * z = (t_ln + t_hr) / sqrt(2 + 2 rho) with rho the correlation of the two
 * residual series. A shift is claimed when |t_ln| or |z| exceeds one
 * critical value c chosen so that the pair of tests together keeps a 5 %
 * false-positive rate (bivariate normal with corr(t_ln, z) =
 * sqrt((1 + rho) / 2), carried to Student's t with the smaller effective
 * degrees of freedom), and only in the direction lnRMSSD itself moved.
 * Since c is above the 97.5 % t quantile, t_ln > c means the lnRMSSD
 * interval excludes zero; z > c is HR together with it. When HR's own
 * 95 % interval lies on the other side of zero (lnRMSSD up while HR
 * clearly rose, or the reverse), the signals are mixed and no shift is
 * claimed.
 *
 * The start and end values are those of the windows themselves (HR =
 * 60000 / mean RR, RMSSD, lnRMSSD; HF power and breathing rate per
 * vg_hrv_freq). Differences and intervals for HR, RMSSD and HF power come
 * from the log-scale line and are carried back to the units at the start
 * value: HR delta = HR_start (exp(-d) - 1), RMSSD and HF delta =
 * start (exp(d) - 1).
 *
 * Input: the session's artifact-corrected series (vg_artifacts_correct),
 * whose VG_RR_CORRECTED / VG_RR_INSERTED flags feed the dirty-window
 * check, and the report's windows (vg_report_windows). Calibration on
 * real beats: tests/test_change_calibration.c (`make calibrate` for the
 * full table).
 *
 * Pure: heap scratch only (offline path), no I/O.
 */
#ifndef VAGUS_CHANGE_H
#define VAGUS_CHANGE_H

#include <stdbool.h>
#include <stddef.h>

#include "vagus/rr.h"

/* Printable description of the method, for reports. */
extern const char VG_CHANGE_METHOD[];

enum vg_verdict {
	VG_VERDICT_INSUFFICIENT_DATA = 0,
	VG_VERDICT_NO_CLEAR_CHANGE,
	VG_VERDICT_SHIFT_TO_REST,
	VG_VERDICT_SHIFT_TO_AROUSAL,
};

/* "insufficient_data", "no_clear_change", "shift_to_rest", ... */
const char *vg_verdict_name(enum vg_verdict v);

/* Why a session got insufficient_data (VG_CHANGE_OK otherwise). */
enum vg_change_reason {
	VG_CHANGE_OK = 0,
	VG_CHANGE_BAD_WINDOWS,	  /* windows empty, reversed or under 60 s */
	VG_CHANGE_TOO_FEW_BEATS,  /* a window has too little clean data */
	VG_CHANGE_DIRTY,	  /* too many corrected beats in a window */
	VG_CHANGE_NO_VARIATION,	  /* RR constant: lnRMSSD does not exist */
	VG_CHANGE_TOO_FEW_BLOCKS, /* too few usable blocks for an interval */
	/* Blocks enough, but under 3 effective ones (slow, uneven drift). */
	VG_CHANGE_TOO_FEW_EFFECTIVE,
};

/* A plain phrase for @r ("a window has too little clean data", ...). */
const char *vg_change_reason_text(enum vg_change_reason r);

/*
 * The two windows, in seconds on the series' time axis (t_ms / 1000): an
 * interval belongs to [t0, t1) when the beat that ends it does, the rule
 * of the report's windows (report.h, vg_report_windows gives them).
 */
struct vg_change_windows {
	double start_t0_s, start_t1_s;
	double end_t0_s, end_t1_s;
};

struct vg_change_opts {
	double block_s;	     /* HR and lnRMSSD blocks, mean length (10 s) */
	double freq_block_s; /* shortest HF / breathing block (64 s) */
	double batch_s; /* residual sums for long-range dependence (60 s) */
	double min_window_s;  /* shorter windows are refused (60 s) */
	double min_coverage;  /* of a window by clean intervals (0.8) */
	double max_corrected; /* fraction of corrected beats per window (0.2) */
	double level;	      /* interval and test level (0.95) */
	bool freq;	      /* also HF power and breathing rate (true) */
	/*
	 * Breathing slowed markedly: its fitted change at most
	 * -slow_breath_bpm and at most -slow_breath_frac of the start value
	 * (2 breaths/min and 15 %).
	 */
	double slow_breath_bpm, slow_breath_frac;
};

void vg_change_opts_default(struct vg_change_opts *o);

/* One measure's change. NAN fields when it cannot be estimated. */
struct vg_change_est {
	double start, end;   /* window values */
	double delta;	     /* fitted change, start window centre to end's */
	double ci_lo, ci_hi; /* interval for delta at opts.level */
	double se;	     /* of delta, in the fit's scale (log for ln) */
	double df;	     /* effective degrees of freedom */
	double rho;	     /* residual lag-1 autocorrelation used */
	size_t blocks;	     /* blocks in the fit */
};

enum vg_swc_place {
	VG_SWC_NONE = 0, /* fewer than 7 sessions of history */
	VG_SWC_ABOVE,	 /* interval wholly above +SWC */
	VG_SWC_BELOW,	 /* interval wholly below -SWC */
	VG_SWC_WITHIN,	 /* interval wholly inside +/- SWC: trivial */
	VG_SWC_UNCLEAR,	 /* interval straddles a SWC boundary */
};

struct vg_change_result {
	struct vg_change_est hr_bpm, rmssd_ms, ln_rmssd, hf_ms2, resp_rate_bpm;
	enum vg_verdict verdict;
	enum vg_change_reason reason;
	double t_ln;	       /* lnRMSSD change / its SE */
	double t_hr;	       /* ln mean RR change / its SE (up = rest) */
	double z_joint;	       /* (t_ln + t_hr) / sqrt(2 + 2 rho_joint) */
	double rho_joint;      /* correlation of the two residual series */
	double crit;	       /* critical value both are held against */
	bool breathing_slowed; /* part of an RMSSD rise is slower breathing */
	bool
	    mixed; /* lnRMSSD cleared the test, HR clearly went the other way */
	double swc;	/* 0.5 SD of resting lnRMSSD history, or NAN */
	size_t history; /* history sessions given */
	enum vg_swc_place swc_place;
};

/*
 * Change statistics of @s (NN intervals, gaps flagged) between the windows
 * @w, per @opts (NULL: defaults). @history holds the person's resting
 * lnRMSSD of earlier sessions (@nhist values, may be 0); with 7 or more
 * the change is placed against 0.5 SD of them. Fills @out in every case:
 * a session that cannot be judged gets VG_VERDICT_INSUFFICIENT_DATA and a
 * reason. Returns 0, -EINVAL (NULL @s or @out, or @opts out of range:
 * blocks under 1 s, level outside (0, 1)) or -ENOMEM.
 */
int vg_change_compute(const struct vg_rr_series *s,
		      const struct vg_change_windows *w,
		      const struct vg_change_opts *opts, const double *history,
		      size_t nhist, struct vg_change_result *out);

/*
 * A plain sentence for the verdict (what the report prints first), into
 * @buf of @len bytes. Returns the snprintf length.
 */
int vg_change_sentence(const struct vg_change_result *r, char *buf, size_t len);

/* Statistics helpers, exposed for tests. */

/* P(|T| > t) for Student's t with @df > 0 degrees of freedom. */
double vg_stat_t_tail2(double t, double df);

/* c with P(|T| > c) = @p2 (0 < p2 < 1), Student's t with @df. */
double vg_stat_t_crit(double p2, double df);

/* x with P(X > x) = @p (0 < p < 1) for a standard normal X; NAN else. */
double vg_stat_norm_isf(double p);

/*
 * c with P(|X| > c or |Y| > c) = @alpha for standard normal X, Y with
 * correlation @r in [0, 1).
 */
double vg_stat_union_crit(double r, double alpha);

/*
 * Least-squares line through (t[k], y[k]) for the k with ok[k] (ok NULL:
 * all), and its rise over @dist with a standard error corrected for
 * autocorrelation as described above (@batch consecutive points per sum
 * for the long-range check, 0 for lag 1 only); @level sets the interval.
 * Fills @e's delta, ci_lo, ci_hi, se, df, rho, blocks (start and end are
 * left alone). @resid, if not NULL, receives the residuals (NAN where not
 * ok). Returns 0, -ENODATA (fewer than 4 points, or all at one time) or
 * -ERANGE (effective degrees of freedom under 1; @e's rho and blocks are
 * set), with @e's other fit fields NAN.
 */
int vg_stat_trend(const double *t, const double *y, const bool *ok, size_t n,
		  size_t batch, double dist, double level,
		  struct vg_change_est *e, double *resid);

#endif
