/* SPDX-License-Identifier: MIT */
/*
 * The JSON form of an HRV analysis, shared by `vagus analyze --json` and
 * the session report (its "whole" and window objects), so that the two
 * always carry the same keys with the same meaning.
 *
 * Pure: writes into a vg_json document.
 */
#ifndef VAGUS_HRV_JSON_H
#define VAGUS_HRV_JSON_H

#include <stdbool.h>

#include "vagus/hrv.h"
#include "vagus/json.h"

/* The warning shown above VG_ARTIFACT_SUSPECT_PCT corrected beats. */
extern const char vg_hrv_quality_warning[];

/* More than VG_ARTIFACT_SUSPECT_PCT of the beats were corrected. */
bool vg_hrv_suspect(const struct vg_hrv_result *r);

/* "priors", "linear" or "none". */
const char *vg_detrend_name(enum vg_detrend d);

/*
 * Writes the members beats, duration_s, coverage, artifacts, time,
 * poincare, freq, dfa, quality and settings of @r (analysed with @opts,
 * @coverage of the raw series) into the object @j has open. Counts the
 * correction did not examine are null; NAN metrics are null.
 */
void vg_hrv_json_members(struct vg_json *j, const struct vg_hrv_result *r,
			 const struct vg_hrv_opts *opts, double coverage);

#endif
