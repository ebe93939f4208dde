/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the advertising data parser and the name sanitiser on
 * arbitrary bytes. Beyond "no crash, no read past the end": the counts
 * stay within their arrays, the heart-rate flag has its evidence, the
 * name is NUL-terminated, at most VG_ADV_NAME_MAX bytes, free of control
 * characters, and sanitising it again changes nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vagus/adv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_name(const char *name, size_t cap)
{
	char again[VG_ADV_NAME_MAX + 1];
	size_t n = strnlen(name, cap);

	if (n >= cap)
		abort();
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)name[i];
		if (ch < 0x20 || ch == 0x7F)
			abort();
	}
	if (vg_adv_sanitize_name((const uint8_t *)name, n, again,
				 sizeof(again)) != n ||
	    memcmp(again, name, n + 1) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vg_adv a;
	char small[8];
	bool evidence = false;

	(void)vg_adv_parse(data, size, &a);
	if (a.n_uuid16 > VG_ADV_UUID16_MAX ||
	    a.n_uuid128 > VG_ADV_UUID128_MAX ||
	    a.n_svcdata > VG_ADV_SVCDATA_MAX || a.nfields > size)
		abort();
	for (unsigned i = 0; i < a.n_uuid16; i++)
		evidence = evidence || a.uuid16[i] == VG_UUID16_HEART_RATE;
	for (unsigned i = 0; i < a.n_svcdata; i++)
		evidence =
		    evidence || a.svcdata_uuid16[i] == VG_UUID16_HEART_RATE;
	if (a.hrs && !evidence && !a.uuids_truncated)
		abort();
	if (!a.hrs && evidence)
		abort();
	if (!a.has_name && a.name[0])
		abort();
	check_name(a.name, sizeof(a.name));

	/* The sanitiser straight on the input, into a tiny buffer. */
	vg_adv_sanitize_name(data, size, small, sizeof(small));
	check_name(small, sizeof(small));
	return 0;
}
