/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the Heart Rate Measurement, Body Sensor Location and
 * Battery Level decoders on arbitrary bytes. Beyond "no crash, no read past
 * the end", a value that decodes must survive encode + decode unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vagus/hrs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const struct vg_hrm *a, const struct vg_hrm *b)
{
	return a->hr_bpm == b->hr_bpm && a->hr_uint16 == b->hr_uint16 &&
	       a->contact == b->contact && a->has_energy == b->has_energy &&
	       a->energy_kj == b->energy_kj && a->has_rr == b->has_rr &&
	       a->rr_count == b->rr_count &&
	       memcmp(a->rr, b->rr, a->rr_count * sizeof(a->rr[0])) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vg_hrm m, again;
	static uint8_t buf[VG_HRM_VALUE_MAX];
	uint8_t v;

	if (vg_hrs_decode_measurement(data, size, &m) == 0) {
		int n = vg_hrs_encode_measurement(&m, buf, sizeof(buf));
		if (n < 0 || vg_hrs_decode_measurement(buf, (size_t)n, &again))
			abort();
		if (!same(&m, &again))
			abort();
	}
	(void)vg_hrs_decode_body_location(data, size, &v);
	(void)vg_hrs_decode_battery(data, size, &v);
	return 0;
}
