/* SPDX-License-Identifier: MIT */
#include "vagus/record.h"

#include <errno.h>
#include <string.h>

#include "core/cursor.h"

/* len field value for an empty payload: seq, type, reserved, time. */
#define RECORD_FIXED 14

uint32_t vg_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
	/* Bitwise with a nibble table: small, and fast enough for ~1 kB/s. */
	static const uint32_t nibble[16] = {
	    0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac,
	    0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
	    0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c,
	    0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
	};

	crc = ~crc;
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		crc = (crc >> 4) ^ nibble[crc & 15];
		crc = (crc >> 4) ^ nibble[crc & 15];
	}
	return ~crc;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

void vg_journal_header(uint8_t buf[VG_JOURNAL_HEADER_LEN])
{
	memcpy(buf, VG_JOURNAL_MAGIC, 8);
	put_le32(buf + 8, VG_JOURNAL_VERSION);
	put_le32(buf + 12, 0);
}

int vg_journal_check_header(const uint8_t *buf, size_t len)
{
	struct cursor c = cursor_init(buf, len);
	const uint8_t *magic;
	uint32_t version;

	if (!rd_bytes(&c, 8, &magic) || memcmp(magic, VG_JOURNAL_MAGIC, 8) ||
	    !rd_le32(&c, &version))
		return -EBADMSG;
	if (version != VG_JOURNAL_VERSION)
		return -EPROTONOSUPPORT;
	return 0;
}

int vg_record_encode(const struct vg_record *r, uint8_t *buf, size_t cap)
{
	size_t total = VG_RECORD_OVERHEAD + r->len;
	uint64_t t = (uint64_t)r->time_ms;

	if (r->len > VG_RECORD_PAYLOAD_MAX || total > cap)
		return -EMSGSIZE;
	put_le32(buf, (uint32_t)(RECORD_FIXED + r->len));
	put_le32(buf + 4, r->seq);
	buf[8] = r->type;
	buf[9] = 0;
	put_le32(buf + 10, (uint32_t)t);
	put_le32(buf + 14, (uint32_t)(t >> 32));
	if (r->len)
		memcpy(buf + 18, r->payload, r->len);
	put_le32(buf + 18 + r->len, vg_crc32(0, buf, 18 + r->len));
	return (int)total;
}

int vg_record_decode(const uint8_t *buf, size_t len, struct vg_record *r)
{
	struct cursor c = cursor_init(buf, len);
	uint32_t body, seq = 0, lo = 0, hi = 0, crc = 0;
	uint8_t type = 0, reserved = 0;
	const uint8_t *payload = NULL;

	if (!rd_le32(&c, &body))
		return 0;
	/* Checked before waiting for more bytes: garbage is not a tail. */
	if (body < RECORD_FIXED || body > RECORD_FIXED + VG_RECORD_PAYLOAD_MAX)
		return -EBADMSG;
	if (cursor_left(&c) < (size_t)body + 4)
		return 0;
	rd_le32(&c, &seq);
	rd_u8(&c, &type);
	rd_u8(&c, &reserved);
	rd_le32(&c, &lo);
	rd_le32(&c, &hi);
	rd_bytes(&c, body - RECORD_FIXED, &payload);
	rd_le32(&c, &crc);
	/* We write the reserved byte as 0; anything else is not ours. */
	if (crc != vg_crc32(0, buf, 4 + (size_t)body) || reserved)
		return -EBADMSG;
	r->seq = seq;
	r->type = type;
	r->time_ms = (int64_t)((uint64_t)hi << 32 | lo);
	r->payload = payload;
	r->len = body - RECORD_FIXED;
	return (int)(4 + body + 4);
}
