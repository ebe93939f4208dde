/* SPDX-License-Identifier: MIT */
/*
 * GATT building blocks (Core spec 5.3 Vol 3 Part G): UUIDs and the lists
 * carried by discovery responses. Pure: no I/O, no allocation.
 *
 * A UUID is kept as its 128 bits in the little-endian order ATT carries;
 * a 16-bit UUID is the Bluetooth Base UUID with the value in bits 96-111
 * (Vol 3 Part B 2.5.1), so "0x180D" and
 * "0000180d-0000-1000-8000-00805f9b34fb" are the same UUID.
 */
#ifndef VAGUS_GATT_H
#define VAGUS_GATT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Attribute types of the GATT layout (Part G 3.1-3.3). */
#define VG_GATT_UUID_PRIMARY 0x2800
#define VG_GATT_UUID_SECONDARY 0x2801
#define VG_GATT_UUID_INCLUDE 0x2802
#define VG_GATT_UUID_CHARACTERISTIC 0x2803
#define VG_GATT_UUID_CCCD 0x2902

/* Characteristic properties (Part G 3.3.1.1). */
enum vg_gatt_prop {
	VG_GATT_PROP_BROADCAST = 0x01,
	VG_GATT_PROP_READ = 0x02,
	VG_GATT_PROP_WRITE_NR = 0x04,
	VG_GATT_PROP_WRITE = 0x08,
	VG_GATT_PROP_NOTIFY = 0x10,
	VG_GATT_PROP_INDICATE = 0x20,
	VG_GATT_PROP_SIGNED_WRITE = 0x40,
	VG_GATT_PROP_EXTENDED = 0x80,
};

/* Client Characteristic Configuration bits (Part G 3.3.3.3). */
#define VG_GATT_CCCD_NOTIFY 0x0001
#define VG_GATT_CCCD_INDICATE 0x0002

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" and its NUL. */
#define VG_UUID_STR_MAX 37

struct vg_uuid {
	uint8_t le[16]; /* little endian, as on air */
};

/* The 128-bit form of 16-bit UUID @v. */
struct vg_uuid vg_uuid16(uint16_t v);

/*
 * Reads a UUID of @len bytes as ATT carries it (2 or 16, little endian).
 * Returns 0, or -EBADMSG for another length.
 */
int vg_uuid_from_le(struct vg_uuid *u, const uint8_t *buf, size_t len);

/* Whether @u is a 16-bit UUID on the base; if so its value in *@v. */
bool vg_uuid_to16(const struct vg_uuid *u, uint16_t *v);

/* Whether @u equals 16-bit UUID @v (in either form). */
bool vg_uuid_is16(const struct vg_uuid *u, uint16_t v);

/*
 * Writes "180d" for a 16-bit UUID, the 36-character form otherwise, into
 * @buf (capacity @cap, VG_UUID_STR_MAX is always enough). Returns @buf.
 */
const char *vg_uuid_str(const struct vg_uuid *u, char *buf, size_t cap);

/* A primary service: its handle range and type. */
struct vg_gatt_service {
	uint16_t start, end;
	struct vg_uuid uuid;
};

/* A characteristic declaration (Part G 3.3.1). */
struct vg_gatt_char {
	uint16_t decl;	/* handle of the declaration */
	uint16_t value; /* handle of the value */
	uint8_t props;	/* enum vg_gatt_prop bits */
	struct vg_uuid uuid;
};

/* A descriptor or other attribute found by Find Information. */
struct vg_gatt_desc {
	uint16_t handle;
	struct vg_uuid uuid;
};

/*
 * Walks the entries of one discovery response. Set up with one of the
 * vg_gatt_iter_* functions on the response parameters (after the opcode),
 * then call the matching vg_gatt_next_* until it returns false.
 */
struct vg_gatt_iter {
	const uint8_t *p;
	size_t left;
	uint8_t unit;	  /* bytes per entry */
	uint8_t uuid_len; /* 2 or 16 */
};

/*
 * Read By Group Type Response parameters: length (6 or 20), then
 * (start, end, 16- or 128-bit UUID) entries (Part F 3.4.4.10).
 * Returns 0, or -EBADMSG for another entry length or a ragged list.
 */
int vg_gatt_iter_services(struct vg_gatt_iter *it, const uint8_t *params,
			  size_t len);
bool vg_gatt_next_service(struct vg_gatt_iter *it, struct vg_gatt_service *s);

/*
 * Read By Type Response parameters for type 0x2803: length (7 or 21), then
 * (declaration handle, properties, value handle, UUID) entries (Part G
 * 3.3.1). Returns 0 or -EBADMSG.
 */
int vg_gatt_iter_chars(struct vg_gatt_iter *it, const uint8_t *params,
		       size_t len);
bool vg_gatt_next_char(struct vg_gatt_iter *it, struct vg_gatt_char *c);

/*
 * Find Information Response parameters: format (1: 16-bit, 2: 128-bit
 * UUIDs), then (handle, UUID) pairs (Part F 3.4.3.2). Returns 0 or
 * -EBADMSG.
 */
int vg_gatt_iter_descs(struct vg_gatt_iter *it, const uint8_t *params,
		       size_t len);
bool vg_gatt_next_desc(struct vg_gatt_iter *it, struct vg_gatt_desc *d);

#endif
