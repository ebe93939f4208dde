/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the change statistics on whatever a damaged journal or
 * RR file could hand them. The bytes become the windows, a few options and
 * a beat series whose intervals, times and flags may be anything
 * (zero, negative, NAN, infinite, times that go backwards or leap).
 * Beyond "no crash, no leak", the result must keep its promises: a verdict
 * from the four, insufficient_data exactly when a reason is given, a
 * claimed shift only with a finite lnRMSSD interval that holds its own
 * estimate and lies on the side claimed, and a sentence that fits.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vagus/change.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t at;

static unsigned take(const uint8_t *data, size_t size, unsigned bytes)
{
	unsigned v = 0;
	for (unsigned i = 0; i < bytes; i++)
		v = v << 8 | (at < size ? data[at++] : 0);
	return v;
}

/* A value: mostly plausible, sometimes the worst a file can hold. */
static double value(const uint8_t *data, size_t size, double scale)
{
	static const double odd[] = {NAN, INFINITY, -INFINITY, 0, -1, 1e300};
	unsigned v = take(data, size, 2);

	if ((v & 0xF000) == 0xF000)
		return odd[(v & 0xFFF) % 6];
	return (double)v * scale;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	struct vg_change_windows w;
	struct vg_change_opts o;
	struct vg_change_result r;
	char text[700];

	at = 0;
	w.start_t0_s = value(data, size, 0.05);
	w.start_t1_s = w.start_t0_s + value(data, size, 0.05);
	w.end_t0_s = w.start_t1_s + value(data, size, 0.05) - 100;
	w.end_t1_s = w.end_t0_s + value(data, size, 0.05);
	vg_change_opts_default(&o);
	unsigned opt = take(data, size, 1);
	o.freq = opt & 1;
	if (opt & 2)
		o.block_s = 1 + (opt >> 2);
	double t = 0;
	while (at + 3 <= size && s.n < 20000) {
		double rr = value(data, size, 1000.0 / 1024);
		unsigned fl = take(data, size, 1);
		double dt = rr;
		if (fl & 0x80)
			dt = (fl & 0x40) ? -rr : 1000 * rr;
		t += isfinite(dt) ? dt : 1000;
		if (vg_rr_push(&s, rr, t, (uint8_t)(fl & 7)))
			break;
	}
	if (vg_change_compute(&s, &w, &o, NULL, 0, &r) == 0) {
		if (r.verdict > VG_VERDICT_SHIFT_TO_AROUSAL)
			abort();
		if ((r.verdict == VG_VERDICT_INSUFFICIENT_DATA) !=
		    (r.reason != VG_CHANGE_OK))
			abort();
		const struct vg_change_est *e = &r.ln_rmssd;
		if (r.verdict == VG_VERDICT_SHIFT_TO_REST ||
		    r.verdict == VG_VERDICT_SHIFT_TO_AROUSAL) {
			if (!isfinite(e->ci_lo) || !isfinite(e->ci_hi) ||
			    !(e->ci_lo <= e->delta && e->delta <= e->ci_hi))
				abort();
			if ((r.verdict == VG_VERDICT_SHIFT_TO_REST) !=
			    (e->delta > 0))
				abort();
		}
		int n = vg_change_sentence(&r, text, sizeof(text));
		if (n <= 0 || strlen(text) != ((size_t)n < sizeof(text)
						   ? (size_t)n
						   : sizeof(text) - 1))
			abort();
	}
	vg_rr_free(&s);
	return 0;
}
