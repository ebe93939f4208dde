/* SPDX-License-Identifier: MIT */
/*
 * GATT UUIDs and discovery-response lists (Core spec 5.3 Vol 3 Part G,
 * PDU layouts in Part F 3.4).
 */
#include "vagus/gatt.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/cursor.h"

/* 00000000-0000-1000-8000-00805F9B34FB, little endian (Part B 2.5.1). */
static const uint8_t base_le[16] = {0xfb, 0x34, 0x9b, 0x5f, 0x80, 0x00,
				    0x00, 0x80, 0x00, 0x10, 0x00, 0x00,
				    0x00, 0x00, 0x00, 0x00};

struct vg_uuid vg_uuid16(uint16_t v)
{
	struct vg_uuid u;

	memcpy(u.le, base_le, sizeof(u.le));
	u.le[12] = (uint8_t)(v & 0xff);
	u.le[13] = (uint8_t)(v >> 8);
	return u;
}

int vg_uuid_from_le(struct vg_uuid *u, const uint8_t *buf, size_t len)
{
	if (len == 2) {
		*u = vg_uuid16((uint16_t)(buf[0] | (unsigned)buf[1] << 8));
		return 0;
	}
	if (len == 16) {
		memcpy(u->le, buf, 16);
		return 0;
	}
	return -EBADMSG;
}

bool vg_uuid_to16(const struct vg_uuid *u, uint16_t *v)
{
	/* Base form: bytes 0-11 and 14-15 as in the base UUID. */
	if (memcmp(u->le, base_le, 12) != 0 || u->le[14] || u->le[15])
		return false;
	*v = (uint16_t)(u->le[12] | (unsigned)u->le[13] << 8);
	return true;
}

bool vg_uuid_is16(const struct vg_uuid *u, uint16_t v)
{
	uint16_t got;

	return vg_uuid_to16(u, &got) && got == v;
}

const char *vg_uuid_str(const struct vg_uuid *u, char *buf, size_t cap)
{
	const uint8_t *b = u->le;
	uint16_t v;

	if (vg_uuid_to16(u, &v)) {
		snprintf(buf, cap, "%04x", v);
		return buf;
	}
	/* Text order is big endian: most significant byte (le[15]) first. */
	snprintf(buf, cap,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 b[15], b[14], b[13], b[12], b[11], b[10], b[9], b[8], b[7],
		 b[6], b[5], b[4], b[3], b[2], b[1], b[0]);
	return buf;
}

/*
 * Sets @it over a list of @unit-byte entries after a one-byte header that
 * gives the entry length (or format). @fixed is the entry size without
 * its UUID: the UUID takes the rest, and must be 2 or 16 bytes.
 */
static int iter_init(struct vg_gatt_iter *it, const uint8_t *params, size_t len,
		     size_t unit, size_t fixed)
{
	memset(it, 0, sizeof(*it));
	if (unit != fixed + 2 && unit != fixed + 16)
		return -EBADMSG;
	if (len < 1 + unit || (len - 1) % unit != 0)
		return -EBADMSG;
	it->p = params + 1;
	it->left = len - 1;
	it->unit = (uint8_t)unit;
	it->uuid_len = (uint8_t)(unit - fixed);
	return 0;
}

int vg_gatt_iter_services(struct vg_gatt_iter *it, const uint8_t *params,
			  size_t len)
{
	if (!params || len < 1) {
		memset(it, 0, sizeof(*it));
		return -EBADMSG;
	}
	return iter_init(it, params, len, params[0], 4);
}

int vg_gatt_iter_chars(struct vg_gatt_iter *it, const uint8_t *params,
		       size_t len)
{
	if (!params || len < 1) {
		memset(it, 0, sizeof(*it));
		return -EBADMSG;
	}
	return iter_init(it, params, len, params[0], 5);
}

int vg_gatt_iter_descs(struct vg_gatt_iter *it, const uint8_t *params,
		       size_t len)
{
	if (!params || len < 1) {
		memset(it, 0, sizeof(*it));
		return -EBADMSG;
	}
	/* Format 1: 16-bit UUIDs, 2: 128-bit (Part F 3.4.3.2). */
	if (params[0] == 1)
		return iter_init(it, params, len, 4, 2);
	if (params[0] == 2)
		return iter_init(it, params, len, 18, 2);
	memset(it, 0, sizeof(*it));
	return -EBADMSG;
}

/* Takes the next entry's bytes, or false at the end. */
static bool take(struct vg_gatt_iter *it, struct cursor *c)
{
	const uint8_t *entry;
	struct cursor all = cursor_init(it->p, it->left);

	if (it->unit == 0 || !rd_bytes(&all, it->unit, &entry))
		return false;
	it->p = all.p;
	it->left = cursor_left(&all);
	*c = cursor_init(entry, it->unit);
	return true;
}

static bool rd_uuid(struct cursor *c, size_t len, struct vg_uuid *u)
{
	const uint8_t *b;

	return rd_bytes(c, len, &b) && vg_uuid_from_le(u, b, len) == 0;
}

/* Entry: start handle, end group handle, UUID. */
bool vg_gatt_next_service(struct vg_gatt_iter *it, struct vg_gatt_service *s)
{
	struct cursor c;

	return take(it, &c) && rd_le16(&c, &s->start) && rd_le16(&c, &s->end) &&
	       rd_uuid(&c, it->uuid_len, &s->uuid);
}

/* Entry: declaration handle, then the value: props, value handle, UUID. */
bool vg_gatt_next_char(struct vg_gatt_iter *it, struct vg_gatt_char *ch)
{
	struct cursor c;

	return take(it, &c) && rd_le16(&c, &ch->decl) &&
	       rd_u8(&c, &ch->props) && rd_le16(&c, &ch->value) &&
	       rd_uuid(&c, it->uuid_len, &ch->uuid);
}

/* Entry: handle, UUID. */
bool vg_gatt_next_desc(struct vg_gatt_iter *it, struct vg_gatt_desc *d)
{
	struct cursor c;

	return take(it, &c) && rd_le16(&c, &d->handle) &&
	       rd_uuid(&c, it->uuid_len, &d->uuid);
}
