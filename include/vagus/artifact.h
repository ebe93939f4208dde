/* SPDX-License-Identifier: MIT */
/*
 * Artifact detection and correction of RR series, after Lipponen and
 * Tarvainen, "A robust algorithm for heart rate variability time series
 * artefact correction using novel beat classification", J Med Eng Technol
 * 43(3):173-181, 2019 (the method of Kubios HRV's automatic correction).
 *
 * Batch form for whole recordings, and a causal form for the live view that
 * decides each beat a few beats after it arrived, in O(1) per beat with no
 * allocation.
 */
#ifndef VAGUS_ARTIFACT_H
#define VAGUS_ARTIFACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vagus/rr.h"

enum vg_artifact_class {
	VG_ART_NONE = 0,
	VG_ART_ECTOPIC,	  /* premature beat with compensatory pause */
	VG_ART_LONGSHORT, /* a single interval too long or too short */
	VG_ART_MISSED,	  /* undetected beat: interval about twice as long */
	VG_ART_EXTRA,	  /* false detection: two intervals that sum to one */
};

/* Above this corrected-beat percentage a recording or window is suspect. */
#define VG_ARTIFACT_SUSPECT_PCT 5.0

struct vg_artifact_summary {
	size_t beats;	 /* intervals examined */
	size_t detected; /* intervals flagged, all classes */
	size_t ectopic;
	size_t missed;
	size_t extra;
	size_t longshort;
	double corrected_pct; /* 100 * detected / beats; 0 for no beats */
};

/*
 * Detects artifacts in @in and writes the corrected series to @out
 * (emptied first; @out must not be @in): missed beats are split in two,
 * extra beats merged with their neighbour, ectopic and long/short beats
 * replaced by interpolation. Corrected or inserted intervals carry
 * VG_RR_CORRECTED / VG_RR_INSERTED. Gaps in @in are respected: no
 * difference is taken across a VG_RR_GAP_BEFORE boundary.
 * @classes, if not NULL, receives the class of each of the in->n input
 * intervals. Returns 0 or -ENOMEM.
 */
int vg_artifacts_correct(const struct vg_rr_series *in,
			 struct vg_rr_series *out,
			 struct vg_artifact_summary *summary, uint8_t *classes);

/* Short lower-case class name ("ectopic", "missed", ...), never NULL. */
const char *vg_artifact_class_name(enum vg_artifact_class c);

#endif
