/* SPDX-License-Identifier: MIT */
/*
 * Advertising data (LE AD, and BR/EDR EIR, which has the same format):
 * a run of length-type-value structures (Core spec Vol 3 Part C 11; the
 * types are in the Core Specification Supplement Part A). This parser
 * keeps what discovery needs to tell a heart-rate strap from everything
 * else nearby and to show it to the user.
 *
 * What counts as "a heart-rate strap" (vg_adv_is_heart_rate), decided
 * here once for the daemon and `vagus scan`:
 *   - the Heart Rate Service 0x180D in a 16-, 32- or 128-bit service UUID
 *     list, complete or incomplete (a 32- or 128-bit UUID in Bluetooth
 *     base form counts as its 16-bit value), or as Service Data; or
 *   - an Appearance in the Heart Rate Sensor category (0x0340-0x037F:
 *     generic sensor, 0x0341 belt), a claim the device makes about itself
 *     in a GAP field meant for exactly this.
 * The name is never evidence: it is free text the owner can change (a
 * Polar H7's name can be overwritten through its GAP Device Name), and
 * names like "Polar ..." also belong to watches without the service. It
 * is only shown.
 *
 * Pure: no I/O, no allocation.
 */
#ifndef VAGUS_ADV_H
#define VAGUS_ADV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_UUID16_HEART_RATE 0x180D

/* Appearance (Assigned Numbers 2.6): category in bits 15-6. */
#define VG_APPEARANCE_HR_SENSOR 0x0340
#define VG_APPEARANCE_HR_BELT 0x0341

/* Flags AD bits (Supplement Part A 1.3). */
#define VG_ADV_FLAG_LE_LIMITED 0x01
#define VG_ADV_FLAG_LE_GENERAL 0x02
#define VG_ADV_FLAG_NO_BREDR 0x04

/*
 * Longest name kept, in bytes of sanitised UTF-8 without the NUL: the HCI
 * name length (248), so no real name is ever cut.
 */
#define VG_ADV_NAME_MAX 248
#define VG_ADV_UUID16_MAX 16
#define VG_ADV_UUID128_MAX 4
#define VG_ADV_SVCDATA_MAX 8

struct vg_adv {
	unsigned nfields; /* structures walked, the terminator excluded */
	bool has_flags;
	uint8_t flags;
	/* 16-bit service UUIDs from every list, in order, including 32- and
	 * 128-bit ones in base form. Repeats are kept once. */
	uint8_t n_uuid16;
	uint16_t uuid16[VG_ADV_UUID16_MAX];
	/* Other 128-bit UUIDs, little endian as sent. */
	uint8_t n_uuid128;
	uint8_t uuid128[VG_ADV_UUID128_MAX][16];
	bool uuids_truncated; /* more UUIDs (or Service Data) than kept */
	/* 16-bit UUIDs (or base-form reduced) that carry Service Data. */
	uint8_t n_svcdata;
	uint16_t svcdata_uuid16[VG_ADV_SVCDATA_MAX];
	bool has_name;
	bool name_complete; /* Complete Local Name, not Shortened */
	/* NUL-terminated UTF-8, safe to print on a terminal: control
	 * characters, invalid UTF-8 and bidirectional overrides became
	 * '?'; the name ends at its first NUL (straps pad with zeros). */
	char name[VG_ADV_NAME_MAX + 1];
	bool has_tx_power;
	int8_t tx_power; /* dBm */
	bool has_appearance;
	uint16_t appearance;
	bool has_manufacturer;
	uint16_t company_id; /* of the first Manufacturer Specific Data */
	bool hrs;	     /* 0x180D in a UUID list or as Service Data */
	/* A structure whose length does not suit its type (a 2-byte
	 * Appearance of 1 byte, an odd 16-bit list) was skipped. */
	bool bad_field;
};

/*
 * Parses @len bytes of advertising data, scan response data or EIR at @buf
 * into @out (zeroed first). A zero length byte ends the data early, as the
 * spec allows, and trailing zero padding is fine. Returns 0, or -EBADMSG
 * when a structure's length runs past the end: @out then holds everything
 * before that structure. Never reads outside @buf[0..@len).
 */
int vg_adv_parse(const uint8_t *buf, size_t len, struct vg_adv *out);

/* True for an Appearance in the Heart Rate Sensor category. */
bool vg_adv_is_hr_appearance(uint16_t appearance);

/*
 * True when @a says "heart-rate sensor": the service in a UUID list or
 * Service Data, or a Heart Rate Sensor appearance (see the top of this
 * file for why, and why never the name).
 */
bool vg_adv_is_heart_rate(const struct vg_adv *a);

/*
 * Copies @len bytes of a device name at @src to @dst (capacity @cap > 0,
 * always NUL-terminated) the way vg_adv_parse() does: ends at the first
 * NUL, replaces control characters (C0, DEL, C1), invalid or overlong
 * UTF-8, surrogates and bidirectional controls with '?', and cuts only
 * between characters. Returns the bytes written without the NUL.
 */
size_t vg_adv_sanitize_name(const uint8_t *src, size_t len, char *dst,
			    size_t cap);

/* AD types a peripheral writes (Supplement Part A 1). */
#define VG_AD_FLAGS 0x01
#define VG_AD_UUID16_ALL 0x03
#define VG_AD_NAME_SHORT 0x08
#define VG_AD_NAME_COMPLETE 0x09
#define VG_AD_APPEARANCE 0x19

/* What a peripheral announces, for vg_adv_build(). */
struct vg_adv_spec {
	bool with_flags; /* false when the kernel adds Flags itself */
	uint8_t flags;	 /* VG_ADV_FLAG_* */
	const uint16_t *uuid16;
	size_t n_uuid16; /* a complete list, in this order */
	bool with_appearance;
	uint16_t appearance;
	const char *name; /* UTF-8, NULL for none */
};

/*
 * Writes advertising data for @spec into @buf, at most @cap bytes (31 for
 * legacy advertising; less when the kernel adds fields of its own): Flags,
 * the complete 16-bit UUID list, Appearance, then the name, which takes
 * what room is left: complete when it fits, else shortened between two
 * characters, and left out when not even one character fits. Returns the
 * length written, -EMSGSIZE when the fields before the name do not fit,
 * or -EINVAL for a list given without its array or of more than 127
 * UUIDs (the field's length octet).
 */
int vg_adv_build(const struct vg_adv_spec *spec, uint8_t *buf, size_t cap);

#endif
