/* SPDX-License-Identifier: MIT */
/*
 * A small ATT server with a static GATT database: what a heart-rate strap
 * runs, for the simulated strap (tools/sim) and for tests of the client.
 *
 * Sans-I/O like the client: a request PDU in, the response PDU out, and
 * an event telling the caller what changed (a CCCD write, a control point
 * write). Attribute Protocol per Core spec 5.3 Vol 3 Part F; GATT layout
 * per Vol 3 Part G. Every request is checked before use: a misbehaving
 * client gets an Error Response, never a crash.
 *
 * All UUIDs in the database are 16-bit SIG numbers; requests may give
 * them as 128-bit UUIDs on the Bluetooth base.
 */
#ifndef VAGUS_ATT_SERVER_H
#define VAGUS_ATT_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ATT_MTU bounds (Vol 3 Part F 3.2.8, Part G 5.2.1). */
#define VG_ATTS_MTU_MIN 23
#define VG_ATTS_MTU_MAX 517
/* Longest attribute value the database keeps (strings, small values). */
#define VG_ATTS_VALUE_MAX 128
#define VG_ATTS_ATTRS_MAX 64

/* Characteristic properties (Vol 3 Part G 3.3.1.1). */
enum vg_atts_prop {
	VG_ATTS_PROP_READ = 0x02,
	VG_ATTS_PROP_WRITE_NR = 0x04,
	VG_ATTS_PROP_WRITE = 0x08,
	VG_ATTS_PROP_NOTIFY = 0x10,
	VG_ATTS_PROP_INDICATE = 0x20,
};

enum vg_atts_event_type {
	VG_ATTS_EV_NONE = 0,
	VG_ATTS_EV_CCCD,       /* a client wrote a CCCD: see cccd */
	VG_ATTS_EV_WRITE,      /* a characteristic value was written */
	VG_ATTS_EV_MTU,	       /* MTU exchanged: see vg_atts_mtu() */
	VG_ATTS_EV_CONFIRM,    /* a Handle Value Confirmation came */
	VG_ATTS_EV_UNEXPECTED, /* a PDU no client should send was ignored */
};

/* What a request did, for the caller to act on. */
struct vg_atts_event {
	enum vg_atts_event_type type;
	uint16_t handle; /* characteristic value handle it concerns */
	uint16_t uuid;	 /* that characteristic's UUID */
	uint16_t cccd;	 /* VG_ATTS_EV_CCCD: the new value (bit 0 notify) */
	/* VG_ATTS_EV_WRITE: the value written (points into the request). */
	const uint8_t *value;
	size_t len;
};

struct vg_atts;

/* An empty database, or NULL on allocation failure. */
struct vg_atts *vg_atts_new(void);
void vg_atts_free(struct vg_atts *s);

/*
 * Building the database, in handle order (the first attribute gets handle
 * 1). Adds a primary service declaration. Returns its handle, or -ENOSPC.
 */
int vg_atts_add_service(struct vg_atts *s, uint16_t uuid);

/*
 * Adds a characteristic to the last service: its declaration, its value
 * (initially @value, @len bytes; may be NULL/0) and, when @props has
 * NOTIFY or INDICATE, a CCCD (0x2902). Returns the value handle, or
 * -ENOSPC, -EMSGSIZE (value too long), -EINVAL (no service yet).
 */
int vg_atts_add_char(struct vg_atts *s, uint16_t uuid, uint8_t props,
		     const uint8_t *value, size_t len);

/* Replaces a value. Returns 0, -ENOENT (no such handle) or -EMSGSIZE. */
int vg_atts_set_value(struct vg_atts *s, uint16_t handle, const uint8_t *value,
		      size_t len);

/* Value handle of the first characteristic with @uuid, or 0. */
uint16_t vg_atts_find_char(const struct vg_atts *s, uint16_t uuid);

/*
 * Starts a new link: MTU back to 23, every CCCD back to 0 (an unbonded
 * client's subscriptions do not survive a disconnection, Part G 3.3.3.3).
 */
void vg_atts_reset_link(struct vg_atts *s);

/*
 * A strap that wants pairing: with @on, reading or writing any
 * characteristic value or CCCD gets Insufficient Authentication (0x05)
 * until the glue says the link is encrypted (vg_atts_set_link_encrypted).
 * Discovery (services, characteristics, descriptors) stays open.
 */
void vg_atts_require_encryption(struct vg_atts *s, bool on);

/* Whether the current link is encrypted; each new link starts without. */
void vg_atts_set_link_encrypted(struct vg_atts *s, bool on);

/*
 * Makes the Exchange MTU Response announce @mtu (any value, even an
 * invalid one) while the server keeps using the honest MTU: the
 * "lying MTU" fault. 0 turns it off.
 */
void vg_atts_set_mtu_lie(struct vg_atts *s, uint16_t mtu);

/* The link's ATT_MTU (23 until an exchange). */
uint16_t vg_atts_mtu(const struct vg_atts *s);

/* Whether the client enabled notifications on @value_handle's CCCD. */
bool vg_atts_notifying(const struct vg_atts *s, uint16_t value_handle);

/*
 * Handles one PDU of @len bytes from the client. Writes the response (if
 * any) to @rsp (capacity @cap, at least VG_ATTS_MTU_MAX) and fills @ev.
 * Returns the response length (0: nothing to send, as for commands and
 * confirmations) or -EMSGSIZE when @cap is too small.
 */
int vg_atts_input(struct vg_atts *s, const uint8_t *pdu, size_t len,
		  uint8_t *rsp, size_t cap, struct vg_atts_event *ev);

/*
 * Builds a Handle Value Notification (opcode 0x1B) of @value on @handle in
 * @out (capacity @cap). The value is cut to ATT_MTU - 3 bytes, as the spec
 * requires. Returns the PDU length or -EMSGSIZE.
 */
int vg_atts_notification(const struct vg_atts *s, uint16_t handle,
			 const uint8_t *value, size_t len, uint8_t *out,
			 size_t cap);

#endif
