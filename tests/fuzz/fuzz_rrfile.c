/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the RR file reader on arbitrary bytes. Beyond "no
 * crash, no read past the end" (the input has no NUL after it), every
 * result must keep the reader's promises: an error names a line and says
 * something; a success holds at least one interval, each finite, positive
 * and within VG_RRFILE_MAX_MS, with beat times that never go backwards and
 * one VG_RR_GAP_BEFORE flag per gap reported.
 *
 * Seeds (tests/fuzz/corpus/fuzz_rrfile) are ours, except the first lines
 * of kubios-pgomes/SampleExport.txt (BSD-3-Clause, PGomes92/kubios),
 * polar-h7-rr/export.csv (MIT, oroce/polar-h7-rr) and
 * detectpvc-polar-h10/polar_h10_hr_rr.csv (MIT, kbroman/detectPVC).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vagus/rrfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_ok(const struct vg_rr_series *s,
		     const struct vg_rrfile_info *info)
{
	size_t gaps = 0;

	if (s->n < 1)
		abort();
	for (size_t i = 0; i < s->n; i++) {
		if (!isfinite(s->ms[i]) || !(s->ms[i] > 0) ||
		    s->ms[i] > VG_RRFILE_MAX_MS)
			abort();
		if (!isfinite(s->t_ms[i]))
			abort();
		if (i && s->t_ms[i] < s->t_ms[i - 1])
			abort();
		if (s->flags[i] & ~VG_RR_GAP_BEFORE)
			abort();
		gaps += !!(s->flags[i] & VG_RR_GAP_BEFORE);
	}
	if (gaps != info->gaps || (s->flags[0] & VG_RR_GAP_BEFORE))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vg_rr_series s = VG_RR_SERIES_INIT;
	struct vg_rrfile_info info;
	struct vg_rrfile_error err;
	size_t lines = 1;

	int rc =
	    vg_rrfile_parse_info((const char *)data, size, &s, &info, &err);
	switch (rc) {
	case 0:
		check_ok(&s, &info);
		break;
	case -EBADMSG:
		for (size_t i = 0; i < size; i++)
			lines += data[i] == '\n' || data[i] == '\r';
		if (s.n || err.line < 1 || err.line > lines || !err.msg[0] ||
		    !memchr(err.msg, '\0', sizeof(err.msg)))
			abort();
		break;
	case -ENOMEM:
		break;
	default:
		abort();
	}
	return 0;
}
