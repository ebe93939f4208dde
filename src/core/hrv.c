/* SPDX-License-Identifier: MIT */
#include "vagus/hrv.h"

#include <errno.h>
#include <math.h>
#include <string.h>

void vg_hrv_opts_default(struct vg_hrv_opts *o)
{
	o->correct = true;
	o->detrend = VG_DETREND_PRIORS;
	o->lambda = 500;
}

int vg_detrend_parse(const char *name, enum vg_detrend *out)
{
	static const struct {
		const char *name;
		enum vg_detrend d;
	} map[] = {
	    {"priors", VG_DETREND_PRIORS},
	    {"linear", VG_DETREND_LINEAR},
	    {"none", VG_DETREND_NONE},
	};

	for (size_t i = 0; name && i < sizeof(map) / sizeof(map[0]); i++) {
		if (!strcmp(name, map[i].name)) {
			*out = map[i].d;
			return 0;
		}
	}
	return -EINVAL;
}

int vg_hrv_analyze(const struct vg_rr_series *raw,
		   const struct vg_hrv_opts *opts, struct vg_hrv_result *out)
{
	struct vg_rr_series corrected = VG_RR_SERIES_INIT;
	const struct vg_rr_series *s = raw;
	int err;

	memset(out, 0, sizeof(*out));
	if (opts->correct) {
		err = vg_artifacts_correct(raw, &corrected, &out->artifacts,
					   NULL);
		if (err)
			goto out;
		out->corrected = true;
		s = &corrected;
	}
	out->beats = s->n;
	out->duration_s = vg_rr_duration_s(s);
	vg_hrv_time(s, &out->time);
	vg_hrv_poincare(s, &out->poincare);
	err = vg_hrv_freq(s, opts, &out->freq);
	if (err)
		goto out;
	out->dfa_alpha1 = vg_hrv_dfa_alpha1(s, &err);
out:
	vg_rr_free(&corrected);
	if (err)
		out->dfa_alpha1 = NAN;
	return err;
}
