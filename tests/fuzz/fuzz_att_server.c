/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the simulated strap's ATT server on a stream of
 * hostile client PDUs. Input: one flags byte (bit 0: lie about the MTU),
 * then PDUs, each a length byte and that many bytes (the last one cut
 * short by the end of the input). Beyond "no crash, no read past the
 * end": every answer fits the link's MTU, and notifications too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vagus/att_server.h"
#include "vagus/hrs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The database of tools/sim/strap.c, long strings included. */
static struct vg_atts *build(void)
{
	static const char maker[] = "Vagus Simulated Straps";
	const uint8_t one = 1, battery = 87;
	struct vg_atts *s = vg_atts_new();

	if (!s)
		abort();
	vg_atts_add_service(s, 0x1800);
	vg_atts_add_char(s, 0x2a00, VG_ATTS_PROP_READ,
			 (const uint8_t *)"vagus-sim", 9);
	vg_atts_add_service(s, 0x1801);
	vg_atts_add_char(s, 0x2a05, VG_ATTS_PROP_INDICATE, NULL, 0);
	vg_atts_add_service(s, VG_UUID_HEART_RATE_SERVICE);
	vg_atts_add_char(s, VG_UUID_HR_MEASUREMENT, VG_ATTS_PROP_NOTIFY, NULL,
			 0);
	vg_atts_add_char(s, VG_UUID_BODY_SENSOR_LOCATION, VG_ATTS_PROP_READ,
			 &one, 1);
	vg_atts_add_char(s, VG_UUID_HR_CONTROL_POINT, VG_ATTS_PROP_WRITE, NULL,
			 0);
	vg_atts_add_service(s, VG_UUID_BATTERY_SERVICE);
	vg_atts_add_char(s, VG_UUID_BATTERY_LEVEL,
			 VG_ATTS_PROP_READ | VG_ATTS_PROP_NOTIFY, &battery, 1);
	vg_atts_add_service(s, VG_UUID_DEVICE_INFO_SERVICE);
	vg_atts_add_char(s, VG_UUID_MANUFACTURER_NAME,
			 VG_ATTS_PROP_READ | VG_ATTS_PROP_WRITE_NR,
			 (const uint8_t *)maker, sizeof(maker) - 1);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vg_atts *s;
	static uint8_t rsp[VG_ATTS_MTU_MAX], value[600];
	struct vg_atts_event ev;
	size_t i = 1;

	if (!s)
		s = build();
	if (size < 1)
		return 0;
	vg_atts_reset_link(s);
	vg_atts_set_mtu_lie(s, (data[0] & 1) ? 9 : 0);
	while (i < size) {
		size_t len = data[i++];
		if (len > size - i)
			len = size - i;
		/* An exact-size copy, so a read past the PDU is caught. */
		uint8_t *pdu = malloc(len ? len : 1);
		if (!pdu)
			abort();
		memcpy(pdu, data + i, len);
		int n = vg_atts_input(s, len ? pdu : NULL, len, rsp,
				      sizeof(rsp), &ev);
		free(pdu);
		i += len;
		if (n < 0 || n > vg_atts_mtu(s))
			abort();
		if (vg_atts_mtu(s) < VG_ATTS_MTU_MIN ||
		    vg_atts_mtu(s) > VG_ATTS_MTU_MAX)
			abort();
		if (ev.type == VG_ATTS_EV_WRITE && ev.len && !ev.value)
			abort();
	}
	int n =
	    vg_atts_notification(s, 3, value, sizeof(value), rsp, sizeof(rsp));
	if (n != vg_atts_mtu(s))
		abort();
	return 0;
}
