/* SPDX-License-Identifier: MIT */
/*
 * Heart Rate Service (0x180D) and Battery Service (0x180F) characteristic
 * values: decoding what a strap sends, and encoding it (the simulated strap
 * and the tests use the encoder).
 *
 * Pure: no I/O, no allocation. Every decoder checks the length before it
 * reads a byte and rejects malformed values with -EBADMSG.
 */
#ifndef VAGUS_HRS_H
#define VAGUS_HRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* GATT assigned numbers used by the Heart Rate profile. */
#define VG_UUID_HEART_RATE_SERVICE 0x180D
#define VG_UUID_BATTERY_SERVICE 0x180F
#define VG_UUID_DEVICE_INFO_SERVICE 0x180A
#define VG_UUID_HR_MEASUREMENT 0x2A37
#define VG_UUID_BODY_SENSOR_LOCATION 0x2A38
#define VG_UUID_HR_CONTROL_POINT 0x2A39
#define VG_UUID_BATTERY_LEVEL 0x2A19
#define VG_UUID_MANUFACTURER_NAME 0x2A29
#define VG_UUID_MODEL_NUMBER 0x2A24
#define VG_UUID_FIRMWARE_REVISION 0x2A26

/*
 * The largest notification value ATT can carry is ATT_MTU - 3 = 514 bytes
 * (MTU 517). With a one-byte flags field and a uint8 heart rate that leaves
 * 512 bytes, so no valid measurement holds more than 256 RR values.
 */
#define VG_HRM_VALUE_MAX 514
#define VG_HRM_RR_MAX 256

/* Sensor contact, from flags bits 1-2 (Heart Rate Service 1.0, 3.1.1.1). */
enum vg_contact {
	VG_CONTACT_UNSUPPORTED = 0, /* bits 00 or 01 */
	VG_CONTACT_LOST = 2,	    /* supported, no skin contact */
	VG_CONTACT_OK = 3,	    /* supported and detected */
};

/* One decoded Heart Rate Measurement (0x2A37) value. */
struct vg_hrm {
	uint16_t hr_bpm; /* as sent; straps may smooth it */
	bool hr_uint16;	 /* HR field was 16 bits wide */
	enum vg_contact contact;
	bool has_energy;
	uint16_t energy_kj; /* valid when has_energy */
	bool has_rr;	    /* flags bit 4 set (the list may be empty) */
	uint16_t rr_count;
	uint16_t rr[VG_HRM_RR_MAX]; /* RR intervals in 1/1024 s, in order */
};

/*
 * Decodes a Heart Rate Measurement value of @len bytes into @out.
 * Returns 0, or -EBADMSG when the value is empty, shorter than its flags
 * announce, or leaves an odd byte where RR values should be; -EMSGSIZE when
 * it is longer than any ATT notification can be. Reserved flag bits are
 * ignored. @out is written even on error (zeroed fields).
 */
int vg_hrs_decode_measurement(const uint8_t *buf, size_t len,
			      struct vg_hrm *out);

/*
 * Encodes @m into @buf (capacity @cap) in the field order of the spec, the
 * HR as uint16 when m->hr_uint16 or the value exceeds 255. Returns the
 * number of bytes written, or -EMSGSIZE if @cap is too small or
 * m->rr_count exceeds VG_HRM_RR_MAX.
 */
int vg_hrs_encode_measurement(const struct vg_hrm *m, uint8_t *buf, size_t cap);

/* Body Sensor Location (0x2A38) values; 7..255 are reserved. */
enum vg_body_location {
	VG_BODY_OTHER = 0,
	VG_BODY_CHEST = 1,
	VG_BODY_WRIST = 2,
	VG_BODY_FINGER = 3,
	VG_BODY_HAND = 4,
	VG_BODY_EAR_LOBE = 5,
	VG_BODY_FOOT = 6,
};

/*
 * Decodes a Body Sensor Location value (one byte). Returns 0, or -EBADMSG
 * when it is not exactly one byte. A reserved value decodes as is; its
 * name is "reserved".
 */
int vg_hrs_decode_body_location(const uint8_t *buf, size_t len,
				uint8_t *location);

/* Lower-case English name of a body location ("chest"), never NULL. */
const char *vg_hrs_body_location_name(uint8_t location);

/*
 * Decodes a Battery Level (0x2A19) value: one byte, percent 0-100.
 * Returns 0, or -EBADMSG for a wrong length or a value above 100.
 */
int vg_hrs_decode_battery(const uint8_t *buf, size_t len, uint8_t *percent);

/* Converts an RR value in 1/1024 s to milliseconds, exactly. */
static inline double vg_rr1024_to_ms(uint32_t rr)
{
	return rr * (1000.0 / 1024.0);
}

/*
 * Converts milliseconds to the nearest 1/1024 s unit, halves rounded up
 * (the rule the simulated strap uses). Returns -1 for negative or
 * non-finite input or a result above 65535.
 */
int32_t vg_ms_to_rr1024(double ms);

#endif
