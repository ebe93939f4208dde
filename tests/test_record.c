/* SPDX-License-Identifier: MIT */
/* Journal record framing: round trip, torn tails, corruption. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "vagus/record.h"

static void test_crc(void)
{
	/* The CRC-32 check value of the catalogue of parametrised CRCs. */
	CHECK_EQ(vg_crc32(0, (const uint8_t *)"123456789", 9), 0xCBF43926);
	CHECK_EQ(vg_crc32(0, NULL, 0), 0);
	/* Continuing a CRC equals one pass over the whole. */
	uint32_t part = vg_crc32(0, (const uint8_t *)"1234", 4);
	CHECK_EQ(vg_crc32(part, (const uint8_t *)"56789", 5), 0xCBF43926);
}

static void test_header(void)
{
	uint8_t h[VG_JOURNAL_HEADER_LEN];

	vg_journal_header(h);
	CHECK_EQ(vg_journal_check_header(h, sizeof(h)), 0);
	CHECK_EQ(vg_journal_check_header(h, 11), -EBADMSG);
	h[8] = 2;
	CHECK_EQ(vg_journal_check_header(h, sizeof(h)), -EPROTONOSUPPORT);
	h[0] = 'X';
	CHECK_EQ(vg_journal_check_header(h, sizeof(h)), -EBADMSG);
}

/* Three records back to back, as a journal holds them. */
static size_t build(uint8_t *buf, size_t cap, size_t *ends)
{
	static const uint8_t notify[] = {0x16, 0x3c, 0x11, 0x04};
	const char *mark = "lay down on the mat";
	struct vg_record r[3] = {
	    {1, VG_REC_NOTIFY, 1764000000123LL, notify, sizeof(notify)},
	    {2, VG_REC_EVENT, 1764000001000LL, (const uint8_t *)mark,
	     strlen(mark)},
	    {3, VG_REC_END, -5, NULL, 0},
	};
	size_t n = 0;

	for (int i = 0; i < 3; i++) {
		int w = vg_record_encode(&r[i], buf + n, cap - n);
		CHECK(w > 0);
		n += (size_t)w;
		ends[i] = n;
	}
	return n;
}

static void test_round_trip(void)
{
	uint8_t buf[256];
	size_t ends[3];
	size_t n = build(buf, sizeof(buf), ends);
	struct vg_record r;
	size_t off = 0;

	CHECK_EQ(n, 3 * VG_RECORD_OVERHEAD + 4 + 19);
	CHECK_EQ(vg_record_decode(buf, n, &r), (int)ends[0]);
	CHECK_EQ(r.seq, 1);
	CHECK_EQ(r.type, VG_REC_NOTIFY);
	CHECK_EQ(r.time_ms, 1764000000123LL);
	CHECK(r.len == 4 && r.payload[0] == 0x16 && r.payload[3] == 0x04);
	off = ends[0];
	CHECK_EQ(vg_record_decode(buf + off, n - off, &r),
		 (int)(ends[1] - off));
	CHECK(r.len == 19 && memcmp(r.payload, "lay down", 8) == 0);
	off = ends[1];
	CHECK_EQ(vg_record_decode(buf + off, n - off, &r),
		 (int)(ends[2] - off));
	CHECK_EQ(r.time_ms, -5);
	CHECK_EQ(r.len, 0);

	uint8_t big[VG_RECORD_MAX + 8];
	struct vg_record huge = {4, VG_REC_EVENT, 0, big,
				 VG_RECORD_PAYLOAD_MAX + 1};
	CHECK_EQ(vg_record_encode(&huge, big, sizeof(big)), -EMSGSIZE);
	huge.len = 10;
	CHECK_EQ(vg_record_encode(&huge, buf, 20), -EMSGSIZE);
}

/*
 * A journal cut at every byte: the whole records before the cut decode,
 * the partial one reads as "not complete" (0), never as an error or data.
 */
static void test_every_cut(void)
{
	uint8_t buf[256];
	size_t ends[3];
	size_t n = build(buf, sizeof(buf), ends);
	unsigned wrong = 0;

	for (size_t cut = 0; cut <= n; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		memcpy(copy, buf, cut);
		size_t off = 0, whole = 0;
		struct vg_record r;
		int rc;
		while ((rc = vg_record_decode(copy + off, cut - off, &r)) > 0) {
			off += (size_t)rc;
			whole++;
		}
		size_t want =
		    (cut >= ends[2]) + (cut >= ends[1]) + (cut >= ends[0]);
		if (rc != 0 || whole != want)
			wrong++;
		free(copy);
	}
	CHECK_EQ(wrong, 0);
}

/* Any single flipped bit in a record is caught by the length or CRC. */
static void test_every_bit_flip(void)
{
	uint8_t buf[256];
	size_t ends[3];
	build(buf, sizeof(buf), ends);
	unsigned accepted = 0;

	for (size_t i = 0; i < ends[0]; i++) {
		for (int bit = 0; bit < 8; bit++) {
			struct vg_record r;
			buf[i] ^= (uint8_t)(1 << bit);
			int rc = vg_record_decode(buf, ends[0], &r);
			/* A longer length waits for bytes (0): also safe. */
			if (rc > 0)
				accepted++;
			buf[i] ^= (uint8_t)(1 << bit);
		}
	}
	CHECK_EQ(accepted, 0);
}

int main(void)
{
	test_crc();
	test_header();
	test_round_trip();
	test_every_cut();
	test_every_bit_flip();
	return vg_test_done();
}
