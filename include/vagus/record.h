/* SPDX-License-Identifier: MIT */
/*
 * Journal records: the on-disk unit of a session journal. A journal is a
 * file header followed by records appended one after another; a crash can
 * leave a torn record at the end, which the decoder recognises (short or
 * failing its CRC) so the store can cut the file back to the last whole
 * record. Nothing fully written is ever lost.
 *
 *   file header (16 bytes): "VAGUSJ\r\n" magic, u32 version, u32 zero
 *
 *   record:
 *   +---------+---------+------+-----+-----------+---------+-----------+
 *   | len u32 | seq u32 | type | u8  | time i64  | payload | crc32 u32 |
 *   |         |         | u8   | res | ms        | len - 14|           |
 *   +---------+---------+------+-----+-----------+---------+-----------+
 *
 * All little endian. len counts seq, type, reserved, time and payload
 * (14 + payload bytes); the CRC (CRC-32/ISO-HDLC, as zlib's crc32) covers
 * len through the payload. Sequence numbers start at 1 and rise by one, so
 * a record that went missing in the middle is detected too.
 *
 * Pure: encodes into and decodes from caller buffers.
 */
#ifndef VAGUS_RECORD_H
#define VAGUS_RECORD_H

#include <stddef.h>
#include <stdint.h>

#define VG_JOURNAL_MAGIC "VAGUSJ\r\n"
#define VG_JOURNAL_VERSION 1
#define VG_JOURNAL_HEADER_LEN 16

/* Framing bytes around a payload: len, seq, type, reserved, time, crc. */
#define VG_RECORD_OVERHEAD 22
/* Largest payload: a notification value (514) leaves room; text is cut. */
#define VG_RECORD_PAYLOAD_MAX 1024
#define VG_RECORD_MAX (VG_RECORD_OVERHEAD + VG_RECORD_PAYLOAD_MAX)

enum vg_record_type {
	VG_REC_SESSION = 1,   /* session metadata, JSON text */
	VG_REC_NOTIFY = 2,    /* raw 0x2A37 value as received */
	VG_REC_EVENT = 3,     /* user mark, UTF-8 text */
	VG_REC_LINK_UP = 4,   /* strap connected; payload: strap address text */
	VG_REC_LINK_DOWN = 5, /* link lost; payload: reason text */
	VG_REC_STRAP = 6,     /* strap facts, JSON text (model, battery...) */
	VG_REC_END = 7,	      /* session closed; payload: reason text */
};

struct vg_record {
	uint32_t seq;
	uint8_t type;
	int64_t time_ms; /* wall-clock time of the event, ms since the epoch */
	const uint8_t *payload; /* points into the decoded buffer */
	size_t len;
};

/* Writes the file header into @buf (VG_JOURNAL_HEADER_LEN bytes). */
void vg_journal_header(uint8_t buf[VG_JOURNAL_HEADER_LEN]);

/* Checks a file header. Returns 0, -EBADMSG or -EPROTONOSUPPORT. */
int vg_journal_check_header(const uint8_t *buf, size_t len);

/*
 * Encodes @r into @buf (capacity @cap). Returns the number of bytes, or
 * -EMSGSIZE when the payload exceeds VG_RECORD_PAYLOAD_MAX or @cap.
 */
int vg_record_encode(const struct vg_record *r, uint8_t *buf, size_t cap);

/*
 * Decodes the record at the start of @buf. Returns the number of bytes it
 * takes (> 0) with @r filled (payload pointing into @buf); 0 when @buf
 * holds only part of a record (a torn tail, or more bytes needed);
 * -EBADMSG when the bytes cannot be a record (bad length or CRC).
 */
int vg_record_decode(const uint8_t *buf, size_t len, struct vg_record *r);

/* CRC-32 (ISO-HDLC, reflected 0xEDB88320), continuing from @crc (0 first). */
uint32_t vg_crc32(uint32_t crc, const uint8_t *p, size_t n);

#endif
