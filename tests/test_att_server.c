/* SPDX-License-Identifier: MIT */
/*
 * The ATT server of the simulated strap: every request it answers, its
 * error responses, and garbage of every length from a misbehaving client.
 * Expected PDUs are written out byte by byte from the spec (Core 5.3 Vol 3
 * Part F), not produced by the code under test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "vagus/att_server.h"

static const char MANUFACTURER[] = "Vagus Simulated Straps Ltd.";

/*
 * The layout (handles):
 *    1 service 180D (end 8)        9 service 180F (end 12)
 *    2  decl 2A37 notify          10  decl 2A19 read|notify
 *    3  value 2A37                11  value 2A19 = 87
 *    4  CCCD                      12  CCCD
 *    5  decl 2A38 read            13 service 180A (end 17)
 *    6  value 2A38 = 1 (chest)    14  decl 2A29 read
 *    7  decl 2A39 write           15  value "Vagus Simulated Straps Ltd."
 *    8  value 2A39                16  decl 2A24 read|write-no-rsp
 *                                 17  value "VG-1"
 */
static struct vg_atts *build(void)
{
	struct vg_atts *s = vg_atts_new();
	const uint8_t chest = 1, battery = 87;

	if (!s)
		return NULL;
	CHECK_EQ(vg_atts_add_char(s, 0x2a37, 0x10, NULL, 0), -EINVAL);
	CHECK_EQ(vg_atts_add_service(s, 0x180d), 1);
	CHECK_EQ(vg_atts_add_char(s, 0x2a37, VG_ATTS_PROP_NOTIFY, NULL, 0), 3);
	CHECK_EQ(vg_atts_add_char(s, 0x2a38, VG_ATTS_PROP_READ, &chest, 1), 6);
	CHECK_EQ(vg_atts_add_char(s, 0x2a39, VG_ATTS_PROP_WRITE, NULL, 0), 8);
	CHECK_EQ(vg_atts_add_service(s, 0x180f), 9);
	CHECK_EQ(vg_atts_add_char(s, 0x2a19,
				  VG_ATTS_PROP_READ | VG_ATTS_PROP_NOTIFY,
				  &battery, 1),
		 11);
	CHECK_EQ(vg_atts_add_service(s, 0x180a), 13);
	CHECK_EQ(vg_atts_add_char(s, 0x2a29, VG_ATTS_PROP_READ,
				  (const uint8_t *)MANUFACTURER,
				  strlen(MANUFACTURER)),
		 15);
	CHECK_EQ(vg_atts_add_char(s, 0x2a24,
				  VG_ATTS_PROP_READ | VG_ATTS_PROP_WRITE_NR,
				  (const uint8_t *)"VG-1", 4),
		 17);
	return s;
}

static size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = 0;
	unsigned v;

	while (*hex) {
		if (*hex == ' ') {
			hex++;
			continue;
		}
		if (sscanf(hex, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return n;
}

static struct vg_atts_event last_ev;

/* Sends request @req (hex) and checks the response is exactly @want. */
static bool xfer_at(struct vg_atts *s, const char *req, const char *want,
		    int line)
{
	uint8_t in[600], exp[600], *pdu, rsp[VG_ATTS_MTU_MAX];
	size_t n = unhex(req, in), m = unhex(want, exp);
	int got;

	/* An exact-size heap copy: a read past the end trips ASan. */
	pdu = malloc(n ? n : 1);
	memcpy(pdu, in, n);
	got = vg_atts_input(s, pdu, n, rsp, sizeof(rsp), &last_ev);
	free(pdu);
	if (got == (int)m && memcmp(rsp, exp, m) == 0)
		return CHECK(true);
	fprintf(stderr, "line %d: request %s: got", line, req);
	for (int i = 0; i < got; i++)
		fprintf(stderr, " %02x", rsp[i]);
	fprintf(stderr, " (%d bytes), want %s\n", got, want);
	return CHECK(!"response differs");
}
#define xfer(s, req, want) xfer_at(s, req, want, __LINE__)

static void test_discovery(struct vg_atts *s)
{
	/* Primary services: 6-byte entries, three fit in MTU 23. */
	xfer(s, "10 0100 ffff 0028",
	     "11 06 0100 0800 0d18 0900 0c00 0f18 0d00 1100 0a18");
	xfer(s, "10 1200 ffff 0028", "01 10 1200 0a");
	xfer(s, "10 0100 ffff 0128", "01 10 0100 0a");
	/* The same type as a 128-bit UUID on the Bluetooth base. */
	xfer(s, "10 0a00 ffff fb349b5f80000080 00100000 00280000",
	     "11 06 0d00 1100 0a18");
	/* Off the base: not a grouping type, and no attribute has it. */
	xfer(s, "10 0100 ffff fb349b5f80000080 00100000 00280001",
	     "01 10 0100 10");
	xfer(s, "08 0100 ffff fb349b5f80000080 00100000 03280001",
	     "01 08 0100 0a");
	xfer(s, "08 0100 ffff fb349b5f80000080 00100000 03280000",
	     "09 07 0200 10 0300 372a 0500 02 0600 382a 0700 08 0800 392a");
	/* Characteristics are not groups. */
	xfer(s, "10 0100 ffff 0328", "01 10 0100 10");

	/* Characteristic declarations: 7-byte entries, three per PDU. */
	xfer(s, "08 0100 0800 0328",
	     "09 07 0200 10 0300 372a 0500 02 0600 382a 0700 08 0800 392a");
	xfer(s, "08 0900 0c00 0328", "09 07 0a00 12 0b00 192a");
	xfer(s, "08 0c00 0c00 0328", "01 08 0c00 0a");

	/* Descriptors of the HR measurement: 16-bit format. */
	xfer(s, "04 0400 0400", "05 01 0400 0229");
	xfer(s, "04 0300 0500", "05 01 0300 372a 0400 0229 0500 0328");
	xfer(s, "04 1200 ffff", "01 04 1200 0a");

	/* Find By Type Value: the Battery service's range. */
	xfer(s, "06 0100 ffff 0028 0f18", "07 0900 0c00");
	xfer(s, "06 0100 ffff 0028 0918", "01 06 0100 0a");

	/* Read By Type on a characteristic UUID reads its value. */
	xfer(s, "08 0100 ffff 382a", "09 03 0600 01");
	/* Not readable: the first match decides. */
	xfer(s, "08 0100 ffff 372a", "01 08 0300 02");
}

static void test_reads(struct vg_atts *s)
{
	xfer(s, "0a 0600", "0b 01");
	xfer(s, "0a 0b00", "0b 57");
	xfer(s, "0a 0300", "01 0a 0300 02");
	xfer(s, "0a 0000", "01 0a 0000 01");
	xfer(s, "0a 1200", "01 0a 1200 01");
	xfer(s, "0a ffff", "01 0a ffff 01");
	/* Long value: 22 bytes fit in MTU 23, Read Blob fetches the rest. */
	xfer(s, "0a 0f00", "0b 5661677573 2053696d756c61746564 20537472617073");
	xfer(s, "0c 0f00 1600", "0d 204c74642e");
	xfer(s, "0c 0f00 1b00", "0d");
	xfer(s, "0c 0f00 1c00", "01 0c 0f00 07");
	xfer(s, "0c 0300 0000", "01 0c 0300 02");
}

static void test_writes(struct vg_atts *s)
{
	CHECK(!vg_atts_notifying(s, 3));
	xfer(s, "12 0400 0100", "13");
	CHECK_EQ(last_ev.type, VG_ATTS_EV_CCCD);
	CHECK_EQ(last_ev.handle, 3);
	CHECK_EQ(last_ev.uuid, 0x2a37);
	CHECK_EQ(last_ev.cccd, 1);
	CHECK(vg_atts_notifying(s, 3));
	xfer(s, "0a 0400", "0b 0100");
	/* Indications are not a property of 0x2A37. */
	xfer(s, "12 0400 0200", "01 12 0400 fd");
	xfer(s, "12 0400 0480", "01 12 0400 fd");
	xfer(s, "12 0400 01", "01 12 0400 0d");
	xfer(s, "12 0400 010000", "01 12 0400 0d");
	CHECK(vg_atts_notifying(s, 3));
	xfer(s, "12 0400 0000", "13");
	CHECK(!vg_atts_notifying(s, 3));
	CHECK(!vg_atts_notifying(s, 6));
	CHECK(!vg_atts_notifying(s, 0));
	CHECK(!vg_atts_notifying(s, 17));

	/* Read-only values and declarations. */
	xfer(s, "12 0600 02", "01 12 0600 03");
	xfer(s, "12 0100 0000", "01 12 0100 03");
	xfer(s, "12 0000 00", "01 12 0000 01");
	xfer(s, "12 00", "01 12 0000 04");

	/* Control point: 0x01 resets energy expended, nothing else. */
	xfer(s, "12 0800 01", "13");
	CHECK_EQ(last_ev.type, VG_ATTS_EV_WRITE);
	CHECK_EQ(last_ev.uuid, 0x2a39);
	CHECK_EQ(last_ev.len, 1);
	xfer(s, "12 0800 02", "01 12 0800 80");
	xfer(s, "12 0800 0101", "01 12 0800 80");
	xfer(s, "12 0800", "01 12 0800 80");

	/* Write Command: never answered, applied only where permitted. */
	xfer(s, "52 1100 5647 2d32", "");
	CHECK_EQ(last_ev.type, VG_ATTS_EV_WRITE);
	xfer(s, "0a 1100", "0b 56472d32");
	xfer(s, "52 0600 05", "");
	CHECK_EQ(last_ev.type, VG_ATTS_EV_NONE);
	xfer(s, "0a 0600", "0b 01");
	xfer(s, "52", "");

	/* A new link forgets subscriptions. */
	xfer(s, "12 0c00 0100", "13");
	CHECK(vg_atts_notifying(s, 11));
	vg_atts_reset_link(s);
	CHECK(!vg_atts_notifying(s, 11));
}

static void test_mtu(struct vg_atts *s)
{
	uint8_t value[600], pdu[600];

	memset(value, 0xab, sizeof(value));
	CHECK_EQ(vg_atts_mtu(s), 23);
	CHECK_EQ(vg_atts_notification(s, 3, value, 30, pdu, sizeof(pdu)), 23);
	CHECK(pdu[0] == 0x1b && pdu[1] == 3 && pdu[2] == 0);
	CHECK_EQ(vg_atts_notification(s, 3, value, 30, pdu, 10), -EMSGSIZE);

	/* A client offering less than 23 gets 23. */
	xfer(s, "02 1000", "03 0502");
	CHECK_EQ(last_ev.type, VG_ATTS_EV_MTU);
	CHECK_EQ(vg_atts_mtu(s), 23);
	xfer(s, "02 0002", "03 0502");
	CHECK_EQ(vg_atts_mtu(s), 512);
	xfer(s, "02 ffff", "03 0502");
	CHECK_EQ(vg_atts_mtu(s), 517);
	xfer(s, "02 00", "01 02 0000 04");
	xfer(s, "02 000200", "01 02 0000 04");
	CHECK_EQ(vg_atts_notification(s, 3, value, 600, pdu, sizeof(pdu)), 517);
	/* Everything fits in one response now. */
	xfer(s, "10 0100 ffff 0028",
	     "11 06 0100 0800 0d18 0900 0c00 0f18 0d00 1100 0a18");
	xfer(s, "0a 0f00",
	     "0b 5661677573 2053696d756c61746564 20537472617073 204c74642e");

	/* The lie is in the response only. */
	vg_atts_set_mtu_lie(s, 9);
	xfer(s, "02 4000", "03 0900");
	CHECK_EQ(vg_atts_mtu(s), 64);
	vg_atts_set_mtu_lie(s, 2000);
	xfer(s, "02 1700", "03 d007");
	CHECK_EQ(vg_atts_mtu(s), 23);
	vg_atts_set_mtu_lie(s, 0);
	vg_atts_reset_link(s);
	CHECK_EQ(vg_atts_mtu(s), 23);
}

static void test_errors(struct vg_atts *s)
{
	/* Bad ranges: Invalid Handle naming the start handle. */
	xfer(s, "04 0000 ffff", "01 04 0000 01");
	xfer(s, "04 0500 0400", "01 04 0500 01");
	xfer(s, "08 0000 0100 0328", "01 08 0000 01");
	xfer(s, "10 0300 0200 0028", "01 10 0300 01");
	xfer(s, "06 0000 0100 0028", "01 06 0000 01");
	/* Wrong lengths: Invalid PDU. */
	xfer(s, "04 0100", "01 04 0000 04");
	xfer(s, "04 0100 ffff 00", "01 04 0000 04");
	xfer(s, "08 0100 ffff 03", "01 08 0000 04");
	xfer(s, "08 0100 ffff 032800", "01 08 0000 04");
	xfer(s, "10 0100 ffff", "01 10 0000 04");
	xfer(s, "0a 01", "01 0a 0000 04");
	xfer(s, "0a 010000", "01 0a 0000 04");
	xfer(s, "0c 0f00 00", "01 0c 0000 04");
	xfer(s, "06 0100 ffff 00", "01 06 0000 04");
	/* Requests we do not implement, known or not. */
	xfer(s, "0e 0100 0200", "01 0e 0000 06");
	xfer(s, "16 0800 0000 01", "01 16 0000 06");
	xfer(s, "18 01", "01 18 0000 06");
	xfer(s, "20 0100 0200", "01 20 0000 06");
	xfer(s, "3a", "01 3a 0000 06");
	/* Not requests: responses, notifications, unknown commands. */
	xfer(s, "", "");
	CHECK_EQ(last_ev.type, VG_ATTS_EV_UNEXPECTED);
	xfer(s, "0b 01", "");
	CHECK_EQ(last_ev.type, VG_ATTS_EV_UNEXPECTED);
	xfer(s, "1b 0300 00", "");
	xfer(s, "01 0a 0100 0a", "");
	xfer(s, "7f 01", "");
	xfer(s, "d2 0400 0100", "");
	xfer(s, "1e", "");
	CHECK_EQ(last_ev.type, VG_ATTS_EV_CONFIRM);
}

/*
 * Every opcode with every length up to 40 bytes of pseudo-random
 * payload, at both MTUs: the answer always fits the MTU, and the server
 * never reads past the request (ASan checks that on the exact-size
 * copies).
 */
static void test_garbage(struct vg_atts *s)
{
	uint8_t rsp[VG_ATTS_MTU_MAX];
	struct vg_atts_event ev;
	unsigned seed = 12345, bad = 0;

	printf("garbage seed %u\n", seed);
	for (int mtu = 0; mtu < 2; mtu++) {
		vg_atts_reset_link(s);
		if (mtu) {
			uint8_t req[3] = {0x02, 0x05, 0x02};
			vg_atts_input(s, req, 3, rsp, sizeof(rsp), &ev);
		}
		for (int op = 0; op < 256; op++) {
			for (size_t len = 1; len <= 40; len++) {
				uint8_t *pdu = malloc(len);
				pdu[0] = (uint8_t)op;
				for (size_t i = 1; i < len; i++) {
					seed = seed * 1103515245u + 12345u;
					/* Small handles hit the database. */
					pdu[i] =
					    (uint8_t)(i % 2 ? (seed >> 16) % 24
							    : (seed >> 24) % 3);
				}
				int n = vg_atts_input(s, pdu, len, rsp,
						      sizeof(rsp), &ev);
				if (n < 0 || n > vg_atts_mtu(s))
					bad++;
				free(pdu);
			}
		}
	}
	CHECK_EQ(bad, 0);
	uint8_t small[16];
	CHECK_EQ(vg_atts_input(s, (const uint8_t *)"\x0a\x01\x00", 3, small,
			       sizeof(small), &ev),
		 -EMSGSIZE);
}

static void test_limits(void)
{
	struct vg_atts *s = vg_atts_new();
	uint8_t big[VG_ATTS_VALUE_MAX + 1] = {0};
	int rc = 0, n = 0;

	if (!CHECK(s))
		return;
	CHECK_EQ(vg_atts_add_service(s, 0x180d), 1);
	CHECK_EQ(
	    vg_atts_add_char(s, 0x2a29, VG_ATTS_PROP_READ, big, sizeof(big)),
	    -EMSGSIZE);
	CHECK_EQ(vg_atts_set_value(s, 1, big, sizeof(big)), -EMSGSIZE);
	CHECK_EQ(vg_atts_set_value(s, 99, big, 1), -ENOENT);
	while ((rc = vg_atts_add_char(s, 0x2a19, 0x12, big, 1)) > 0)
		n++;
	CHECK_EQ(rc, -ENOSPC);
	CHECK_EQ(n, (VG_ATTS_ATTRS_MAX - 1) / 3);
	CHECK_EQ(vg_atts_find_char(s, 0x2a19), 3);
	CHECK_EQ(vg_atts_find_char(s, 0x2a37), 0);
	vg_atts_free(s);
}

/*
 * A strap that wants pairing: values and CCCDs answer Insufficient
 * Authentication (0x05) until the link is encrypted, discovery stays
 * open, and a new link starts unencrypted again.
 */
static void test_encryption(struct vg_atts *s)
{
	vg_atts_reset_link(s);
	vg_atts_require_encryption(s, true);
	/* discovery: group, characteristic declarations, descriptors */
	xfer(s, "10 0100 ffff 0028",
	     "11 06 0100 0800 0d18 0900 0c00 0f18"
	     " 0d00 1100 0a18");
	xfer(s, "08 0100 0800 0328",
	     "09 07 0200 10 0300 372a 0500 02 0600"
	     " 382a 0700 08 0800 392a");
	/* values and CCCDs: closed */
	xfer(s, "0a 0600", "01 0a 0600 05");
	xfer(s, "0a 0b00", "01 0a 0b00 05");
	xfer(s, "0c 0f00 0000", "01 0c 0f00 05");
	xfer(s, "08 0100 ffff 382a", "01 08 0600 05");
	xfer(s, "12 0400 0100", "01 12 0400 05");
	CHECK(!vg_atts_notifying(s, 3));
	xfer(s, "12 0800 01", "01 12 0800 05");
	xfer(s, "52 1100 5647", "");
	CHECK_EQ(last_ev.type, VG_ATTS_EV_NONE);
	/* the declaration of a locked value is still readable */
	xfer(s, "0a 0500", "0b 02 0600 382a");
	/* once encrypted, everything works */
	vg_atts_set_link_encrypted(s, true);
	xfer(s, "0a 0600", "0b 01");
	xfer(s, "12 0400 0100", "13");
	CHECK(vg_atts_notifying(s, 3));
	xfer(s, "08 0100 ffff 382a", "09 03 0600 01");
	/* the next link must pair again */
	vg_atts_reset_link(s);
	xfer(s, "0a 0b00", "01 0a 0b00 05");
	vg_atts_require_encryption(s, false);
	xfer(s, "0a 0b00", "0b 57");
}

int main(void)
{
	struct vg_atts *s = build();

	if (!CHECK(s))
		return vg_test_done();
	CHECK_EQ(vg_atts_find_char(s, 0x2a37), 3);
	CHECK_EQ(vg_atts_find_char(s, 0x2a19), 11);
	CHECK_EQ(vg_atts_find_char(s, 0x2a26), 0);
	test_discovery(s);
	test_reads(s);
	test_writes(s);
	test_mtu(s);
	test_errors(s);
	test_garbage(s);
	test_encryption(s);
	vg_atts_free(s);
	test_limits();
	return vg_test_done();
}
