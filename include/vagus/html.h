/* SPDX-License-Identifier: MIT */
/*
 * The session report as one self-contained HTML page (report.html): the
 * verdict first, the change with its intervals, the timeline of HR and RMSSD per minute
 * with the windows, gaps and marks, a Poincare plot, the RR spectrum with
 * its bands and the breathing peak, an approximate Kubios-style PNS index
 * per window, data quality, the strap, and the methods.
 *
 * The page has no script and loads nothing: inline CSS and SVG only, and
 * a Content-Security-Policy that forbids anything else, so it can be
 * mailed or opened from a phone's files. Every text that came from a
 * journal (tag, note, strap facts, marks) is escaped; bytes that are not
 * UTF-8 become U+FFFD. The same report always gives the same bytes.
 *
 * Pure: heap buffers only, no I/O.
 */
#ifndef VAGUS_HTML_H
#define VAGUS_HTML_H

#include <stddef.h>

#include "vagus/hrv.h"
#include "vagus/report.h"

/*
 * Population norms of the PNS index (Nunan, Sandercock and Brodie 2010,
 * "A quantitative systematic review of normal values for short-term heart
 * rate variability in healthy adults", PACE 33:1407): mean RR 926 +/- 90
 * ms, RMSSD 42 +/- 15 ms. SD1 in normalized units (100 SD1 / mean RR, %)
 * has no published norm of its own there; ours is derived from the same
 * review (SD1 = RMSSD / sqrt 2 for a stationary series): 3.21 +/- 1.15 %.
 */
#define VG_PNS_RR_MEAN 926.0
#define VG_PNS_RR_SD 90.0
#define VG_PNS_RMSSD_MEAN 42.0
#define VG_PNS_RMSSD_SD 15.0
#define VG_PNS_SD1N_MEAN 3.21
#define VG_PNS_SD1N_SD 1.15

/* An approximate Kubios-style PNS index of one stretch. */
struct vg_pns {
	double sd1_pct; /* SD1 in normalized units, 100 SD1 / mean RR */
	double z_rr;	/* (mean RR - 926) / 90 */
	double z_rmssd; /* (RMSSD - 42) / 15 */
	double z_sd1;	/* (SD1 % - 3.21) / 1.15 */
	double index;	/* mean of the three z; NAN if any is unknown */
};

/*
 * The PNS index of @res (its mean RR, RMSSD and SD1): each parameter as
 * standard deviations from the population norm, the index their equal
 * mean. Kubios does not publish its weights, so this is approximate: 0 is
 * the population's average, +1 one SD towards parasympathetic dominance.
 */
void vg_pns_index(const struct vg_hrv_result *res, struct vg_pns *out);

/*
 * report.html of @r into a heap buffer (*@html, NUL-terminated, *@len
 * bytes; free() it): the report's verdict and sentence first, each
 * measure's window values, their difference and the fitted change with
 * its 95 % interval, then the plots. Returns 0 or -ENOMEM.
 */
int vg_report_html(const struct vg_report *r, char **html, size_t *len);

#endif
