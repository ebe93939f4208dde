/* SPDX-License-Identifier: MIT */
/*
 * Heart rate variability metrics of a whole RR series, with the definitions
 * Kubios HRV uses (stated in README.md). A metric the data is too short for
 * is NAN; the JSON output turns that into null.
 *
 * Pure: allocates working memory on the heap (offline path), no I/O.
 */
#ifndef VAGUS_HRV_H
#define VAGUS_HRV_H

#include <stdbool.h>
#include <stddef.h>

#include "vagus/artifact.h"
#include "vagus/rr.h"

enum vg_detrend {
	VG_DETREND_PRIORS = 0, /* smoothness priors (Tarvainen 2002) */
	VG_DETREND_LINEAR,
	VG_DETREND_NONE,
};

struct vg_hrv_opts {
	bool correct;		 /* run artifact correction first */
	enum vg_detrend detrend; /* for the spectrum */
	double lambda;		 /* smoothness priors parameter */
};

/* Kubios defaults: correction on, smoothness priors with lambda 500. */
void vg_hrv_opts_default(struct vg_hrv_opts *o);

/* Parses "priors", "linear" or "none". Returns 0 or -EINVAL. */
int vg_detrend_parse(const char *name, enum vg_detrend *out);

struct vg_hrv_time {
	double mean_rr_ms;
	double mean_hr_bpm; /* 60000 / mean RR */
	double sdnn_ms;	    /* sample SD (n - 1) */
	double rmssd_ms;    /* over successive differences not across gaps */
	double ln_rmssd;    /* natural log of RMSSD in ms */
	double pnn50_pct;   /* 100 * #(|dRR| > 50 ms) / #differences */
	size_t diffs;	    /* successive differences used */
};

struct vg_hrv_poincare {
	double sd1_ms;
	double sd2_ms;
};

struct vg_hrv_freq {
	double vlf_ms2; /* 0 - 0.04 Hz */
	double lf_ms2;	/* 0.04 - 0.15 Hz */
	double hf_ms2;	/* 0.15 - 0.40 Hz */
	double lf_hf;
	double hf_peak_hz;    /* highest PSD in the HF band */
	double resp_rate_bpm; /* breathing rate from the respiratory peak */
};

struct vg_hrv_result {
	size_t beats; /* intervals analysed (after correction) */
	double duration_s;
	bool corrected; /* artifact correction ran; summary below valid */
	struct vg_artifact_summary artifacts;
	struct vg_hrv_time time;
	struct vg_hrv_poincare poincare;
	struct vg_hrv_freq freq;
	double dfa_alpha1; /* short-term scaling exponent, 4-12 beats */
};

/* Time-domain metrics of @s. Returns 0; fields NAN where too short. */
int vg_hrv_time(const struct vg_rr_series *s, struct vg_hrv_time *out);

/*
 * pNNxx: 100 * #(|dRR| > @threshold_ms) / #differences, differences not
 * across gaps; NAN with no difference. vg_hrv_time's pNN50 is this at 50.
 */
double vg_hrv_pnnx(const struct vg_rr_series *s, double threshold_ms);

/* Poincare SD1/SD2 of @s. Returns 0; fields NAN where too short. */
int vg_hrv_poincare(const struct vg_rr_series *s, struct vg_hrv_poincare *out);

/*
 * Spectral metrics of @s: 4 Hz cubic-spline resampling, detrending per
 * @opts, Welch (Hann, 300 s segments, 50 % overlap, the whole series when
 * shorter). Fields are NAN where too short: HF (and its peak and the
 * breathing rate) need 60 s from first to last beat, LF and LF/HF 120 s,
 * VLF 250 s. Returns 0, -EINVAL (priors with lambda <= 0) or -ENOMEM.
 */
int vg_hrv_freq(const struct vg_rr_series *s, const struct vg_hrv_opts *opts,
		struct vg_hrv_freq *out);

/*
 * DFA short-term exponent alpha1 over windows of 4-12 beats. Returns the
 * exponent, NAN when too short (fewer than 120 intervals, or constant
 * RR), or NAN with *err = -ENOMEM.
 */
double vg_hrv_dfa_alpha1(const struct vg_rr_series *s, int *err);

/*
 * The Welch spectrum behind vg_hrv_freq, for plots and for checking bin by
 * bin against other tools: psd[k] in ms^2/Hz at k * df Hz, k < nbins.
 */
struct vg_hrv_spectrum {
	double df;	 /* bin spacing, Hz (1/300 at 4 Hz and 1200 points) */
	size_t nbins;	 /* 0 .. fs/2 inclusive */
	size_t segments; /* Welch segments averaged */
	double span_s;	 /* time from the first to the last beat, s */
	double *psd;	 /* heap, ms^2/Hz; free with vg_hrv_spectrum_free */
};

/*
 * Computes the spectrum of @s per @opts into @out (psd allocated).
 * Returns 0, -ENODATA (fewer than 3 beats or beat times that do not
 * increase) or -ENOMEM; on error @out->psd is NULL.
 */
int vg_hrv_spectrum(const struct vg_rr_series *s,
		    const struct vg_hrv_opts *opts,
		    struct vg_hrv_spectrum *out);

void vg_hrv_spectrum_free(struct vg_hrv_spectrum *sp);

/*
 * Band metrics of a spectrum (what vg_hrv_freq returns). Exposed so that
 * the band rules can be tested on analytic spectra.
 */
void vg_hrv_bands(const struct vg_hrv_spectrum *sp, struct vg_hrv_freq *out);

/*
 * Full analysis of @raw per @opts: optional artifact correction, then all
 * of the above on the corrected series. Returns 0 or -ENOMEM.
 */
int vg_hrv_analyze(const struct vg_rr_series *raw,
		   const struct vg_hrv_opts *opts, struct vg_hrv_result *out);

#endif
