/* SPDX-License-Identifier: MIT */
/*
 * Heart Rate Service values (Heart Rate Service 1.0 and GATT Specification
 * Supplement: Heart Rate Measurement, Body Sensor Location; Battery Service
 * 1.0: Battery Level).
 */
#include "vagus/hrs.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/cursor.h"

/*
 * Heart Rate Measurement (0x2A37), fields in this order, little endian:
 *
 *   +-------+----------------+------------------+----------------------+
 *   | flags | heart rate     | energy expended  | RR-interval 0..n     |
 *   | u8    | u8 or u16      | u16 kJ, if bit 3 | u16 1/1024 s, bit 4  |
 *   +-------+----------------+------------------+----------------------+
 *
 *   flags bit 0     HR format: 0 uint8, 1 uint16
 *   flags bits 1-2  sensor contact: 0/1 unsupported, 2 lost, 3 detected
 *   flags bit 3     Energy Expended present
 *   flags bit 4     RR-Interval present: the rest of the value is RR values
 *   flags bits 5-7  reserved for future use: ignored
 *
 * The RR list has no count: it is whatever remains, so the energy field
 * shifts where it starts. A straggling odd byte cannot be an RR value and
 * means the value was cut or mis-built; we reject it rather than guess.
 */
enum {
	HRM_FLAG_HR_U16 = 1 << 0,
	HRM_FLAG_CONTACT_SHIFT = 1,
	HRM_FLAG_CONTACT_MASK = 3 << 1,
	HRM_FLAG_ENERGY = 1 << 3,
	HRM_FLAG_RR = 1 << 4,
};

int vg_hrs_decode_measurement(const uint8_t *buf, size_t len,
			      struct vg_hrm *out)
{
	struct cursor c = cursor_init(buf, len);
	uint8_t flags, hr8;
	uint16_t v;

	out->hr_bpm = 0;
	out->hr_uint16 = false;
	out->contact = VG_CONTACT_UNSUPPORTED;
	out->has_energy = false;
	out->energy_kj = 0;
	out->has_rr = false;
	out->rr_count = 0;

	if (len > VG_HRM_VALUE_MAX)
		return -EMSGSIZE;
	if (!rd_u8(&c, &flags))
		return -EBADMSG;

	if (flags & HRM_FLAG_HR_U16) {
		if (!rd_le16(&c, &v))
			return -EBADMSG;
		out->hr_bpm = v;
		out->hr_uint16 = true;
	} else {
		if (!rd_u8(&c, &hr8))
			return -EBADMSG;
		out->hr_bpm = hr8;
	}

	switch ((flags & HRM_FLAG_CONTACT_MASK) >> HRM_FLAG_CONTACT_SHIFT) {
	case 2:
		out->contact = VG_CONTACT_LOST;
		break;
	case 3:
		out->contact = VG_CONTACT_OK;
		break;
	default:
		out->contact = VG_CONTACT_UNSUPPORTED;
		break;
	}

	if (flags & HRM_FLAG_ENERGY) {
		if (!rd_le16(&c, &v))
			return -EBADMSG;
		out->has_energy = true;
		out->energy_kj = v;
	}

	/*
	 * Without bit 4 the spec defines nothing after the energy field.
	 * Bytes there carry no RR values we could lose, and a later version
	 * of the characteristic may define them, so they are ignored.
	 */
	if (!(flags & HRM_FLAG_RR))
		return 0;
	if (cursor_left(&c) % 2)
		return -EBADMSG;
	out->has_rr = true;
	/* len <= 514 bounds this loop to VG_HRM_RR_MAX values. */
	while (rd_le16(&c, &v))
		out->rr[out->rr_count++] = v;
	return 0;
}

int vg_hrs_encode_measurement(const struct vg_hrm *m, uint8_t *buf, size_t cap)
{
	struct wcursor w = wcursor_init(buf, cap);
	bool u16 = m->hr_uint16 || m->hr_bpm > 255;
	uint8_t flags = 0;

	if (m->rr_count > VG_HRM_RR_MAX)
		return -EMSGSIZE;
	if (u16)
		flags |= HRM_FLAG_HR_U16;
	if (m->contact == VG_CONTACT_LOST || m->contact == VG_CONTACT_OK)
		flags |= (uint8_t)(m->contact << HRM_FLAG_CONTACT_SHIFT);
	if (m->has_energy)
		flags |= HRM_FLAG_ENERGY;
	if (m->has_rr || m->rr_count)
		flags |= HRM_FLAG_RR;

	wr_u8(&w, flags);
	if (u16)
		wr_le16(&w, m->hr_bpm);
	else
		wr_u8(&w, (uint8_t)m->hr_bpm);
	if (m->has_energy)
		wr_le16(&w, m->energy_kj);
	for (unsigned i = 0; i < m->rr_count; i++)
		wr_le16(&w, m->rr[i]);
	if (w.overflow)
		return -EMSGSIZE;
	return (int)w.len;
}

/* Body Sensor Location (0x2A38): one byte, 0-6 defined, 7-255 reserved. */
int vg_hrs_decode_body_location(const uint8_t *buf, size_t len,
				uint8_t *location)
{
	if (!buf || len != 1)
		return -EBADMSG;
	*location = buf[0];
	return 0;
}

const char *vg_hrs_body_location_name(uint8_t location)
{
	static const char *const names[] = {
	    [VG_BODY_OTHER] = "other", [VG_BODY_CHEST] = "chest",
	    [VG_BODY_WRIST] = "wrist", [VG_BODY_FINGER] = "finger",
	    [VG_BODY_HAND] = "hand",   [VG_BODY_EAR_LOBE] = "ear lobe",
	    [VG_BODY_FOOT] = "foot",
	};

	if (location < sizeof(names) / sizeof(names[0]))
		return names[location];
	return "reserved";
}

/* Battery Level (0x2A19): one byte, percent 0-100; 101-255 are invalid. */
int vg_hrs_decode_battery(const uint8_t *buf, size_t len, uint8_t *percent)
{
	if (!buf || len != 1 || buf[0] > 100)
		return -EBADMSG;
	*percent = buf[0];
	return 0;
}

int32_t vg_ms_to_rr1024(double ms)
{
	if (!isfinite(ms) || ms < 0)
		return -1;
	/*
	 * Nearest integer of ms * 1024 / 1000, halves up. An exact half needs
	 * ms to be an odd multiple of 0.48828125, which a value written with
	 * up to 4 decimals never is, so rounding error cannot flip a result.
	 */
	double units = floor(ms * 1024.0 / 1000.0 + 0.5);
	if (units > 65535)
		return -1;
	return (int32_t)units;
}
