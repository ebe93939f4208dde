/* SPDX-License-Identifier: MIT */
#include "vagus/hrv_json.h"

#include <math.h>
#include <stddef.h>

#include "vagus/artifact.h"

const char vg_hrv_quality_warning[] =
    "too many corrected beats: the numbers are not reliable";

bool vg_hrv_suspect(const struct vg_hrv_result *r)
{
	return r->corrected &&
	       r->artifacts.corrected_pct > VG_ARTIFACT_SUSPECT_PCT;
}

const char *vg_detrend_name(enum vg_detrend d)
{
	switch (d) {
	case VG_DETREND_PRIORS:
		return "priors";
	case VG_DETREND_LINEAR:
		return "linear";
	case VG_DETREND_NONE:
		return "none";
	}
	return "?";
}

/* A count the correction did not examine is unknown, not zero. */
static void key_count(struct vg_json *j, const char *k, bool on, size_t v)
{
	if (on)
		vg_json_key_uint(j, k, v);
	else
		vg_json_key_null(j, k);
}

void vg_hrv_json_members(struct vg_json *j, const struct vg_hrv_result *r,
			 const struct vg_hrv_opts *opts, double coverage)
{
	const struct vg_artifact_summary *as = &r->artifacts;
	bool c = r->corrected;

	vg_json_key_uint(j, "beats", r->beats);
	vg_json_key_num(j, "duration_s", r->duration_s);
	vg_json_key_num(j, "coverage", coverage);

	vg_json_key_object(j, "artifacts");
	key_count(j, "detected", c, as->detected);
	vg_json_key_num(j, "corrected_pct", c ? as->corrected_pct : NAN);
	key_count(j, "ectopic", c, as->ectopic);
	key_count(j, "missed", c, as->missed);
	key_count(j, "extra", c, as->extra);
	key_count(j, "longshort", c, as->longshort);
	vg_json_end_object(j);

	vg_json_key_object(j, "time");
	vg_json_key_num(j, "mean_rr_ms", r->time.mean_rr_ms);
	vg_json_key_num(j, "mean_hr_bpm", r->time.mean_hr_bpm);
	vg_json_key_num(j, "sdnn_ms", r->time.sdnn_ms);
	vg_json_key_num(j, "rmssd_ms", r->time.rmssd_ms);
	vg_json_key_num(j, "ln_rmssd", r->time.ln_rmssd);
	vg_json_key_num(j, "pnn50_pct", r->time.pnn50_pct);
	vg_json_end_object(j);

	vg_json_key_object(j, "poincare");
	vg_json_key_num(j, "sd1_ms", r->poincare.sd1_ms);
	vg_json_key_num(j, "sd2_ms", r->poincare.sd2_ms);
	vg_json_end_object(j);

	vg_json_key_object(j, "freq");
	vg_json_key_num(j, "vlf_ms2", r->freq.vlf_ms2);
	vg_json_key_num(j, "lf_ms2", r->freq.lf_ms2);
	vg_json_key_num(j, "hf_ms2", r->freq.hf_ms2);
	vg_json_key_num(j, "lf_hf", r->freq.lf_hf);
	vg_json_key_num(j, "hf_peak_hz", r->freq.hf_peak_hz);
	vg_json_key_num(j, "resp_rate_bpm", r->freq.resp_rate_bpm);
	vg_json_end_object(j);

	vg_json_key_object(j, "dfa");
	vg_json_key_num(j, "alpha1", r->dfa_alpha1);
	vg_json_end_object(j);

	vg_json_key_object(j, "quality");
	vg_json_key_num(j, "corrected_pct_limit", VG_ARTIFACT_SUSPECT_PCT);
	vg_json_key_str(j, "warning",
			vg_hrv_suspect(r) ? vg_hrv_quality_warning : NULL);
	vg_json_end_object(j);

	vg_json_key_object(j, "settings");
	vg_json_key_bool(j, "correct", opts->correct);
	vg_json_key_str(j, "detrend", vg_detrend_name(opts->detrend));
	vg_json_key_num(j, "lambda", opts->lambda);
	vg_json_end_object(j);
}
