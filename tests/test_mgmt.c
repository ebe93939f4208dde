/* SPDX-License-Identifier: MIT */
/*
 * The management interface codec: command packets byte for byte, every
 * event discovery reads, the reply parsers, and each decoder cut at every
 * length (in buffers of exactly that size).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "vagus/adv.h"
#include "vagus/mgmt.h"

/*
 * Device Found for a Polar H7 (00:22:D0:33:1E:0F, the address in the
 * gatttool session of blog.alikhalil.tech "Polar H7 Bluetooth LE Device
 * Name", 2014) laid out per mgmt-api.txt around the H7's advertising data
 * from polar-ble-sdk issue #305: index 0, LE public, RSSI -58, flags 0.
 */
static const uint8_t found_h7[] = {
    0x12, 0x00, 0x00, 0x00, 0x33, 0x00,		    /* header */
    0x0F, 0x1E, 0x33, 0xD0, 0x22, 0x00, 0x01, 0xC6, /* addr, type, rssi */
    0x00, 0x00, 0x00, 0x00, 0x25, 0x00,		    /* flags, eir len */
    0x02, 0x01, 0x06, 0x03, 0x02, 0x0D, 0x18, 0x07, 0xFF, 0x6B,
    0x00, 0x3B, 0x1B, 0x54, 0x52, 0x02, 0x0A, 0x00, 0x12, 0x09,
    0x50, 0x6F, 0x6C, 0x61, 0x72, 0x20, 0x48, 0x37, 0x20, 0x44,
    0x37, 0x39, 0x30, 0x34, 0x43, 0x31, 0x34,
};

/* Command Complete for Read Controller Index List: two controllers. */
static const uint8_t index_list[] = {
    0x01, 0x00, 0xFF, 0xFF, 0x09, 0x00, 0x03, 0x00,
    0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00,
};

/* Command Status: Start Discovery on hci0 failed with Busy. */
static const uint8_t start_busy[] = {0x02, 0x00, 0x00, 0x00, 0x03,
				     0x00, 0x23, 0x00, 0x0A};

/* Discovering: hci1, LE, off. */
static const uint8_t discovering_off[] = {0x13, 0x00, 0x01, 0x00,
					  0x02, 0x00, 0x06, 0x00};

/* Device Disconnected: 00:AA:01:01:00:01 random, remote host. */
static const uint8_t disconnected[] = {0x0C, 0x00, 0x00, 0x00, 0x08,
				       0x00, 0x01, 0x00, 0x01, 0x01,
				       0xAA, 0x00, 0x02, 0x03};

/* New Settings: hci0 powered | LE. */
static const uint8_t new_settings[] = {0x06, 0x00, 0x00, 0x00, 0x04,
				       0x00, 0x01, 0x02, 0x00, 0x00};

/* Device Connected: no EIR. */
static const uint8_t connected[] = {0x0B, 0x00, 0x00, 0x00, 0x0D, 0x00, 0x01,
				    0x00, 0x01, 0x01, 0xAA, 0x00, 0x01, 0x08,
				    0x00, 0x00, 0x00, 0x00, 0x00};

/* Connect Failed: status Timeout. */
static const uint8_t connect_failed[] = {0x0D, 0x00, 0x00, 0x00, 0x08,
					 0x00, 0x01, 0x00, 0x01, 0x01,
					 0xAA, 0x00, 0x01, 0x08};

/* Controller Error 0x42; Index Added and Removed (no parameters). */
static const uint8_t ctl_error[] = {0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x42};
static const uint8_t index_added[] = {0x04, 0x00, 0x02, 0x00, 0x00, 0x00};

/* @min: the shortest length whose fixed fields are all there. */
struct fixture {
	const char *name;
	const uint8_t *buf;
	size_t len, min;
};
#define FIX(a)                                                                 \
	{                                                                      \
#a, a, sizeof(a), sizeof(a)                                    \
	}
static const struct fixture fixtures[] = {
    FIX(found_h7),     {"index_list", index_list, sizeof(index_list), 9},
    FIX(start_busy),   FIX(discovering_off),
    FIX(disconnected), FIX(new_settings),
    FIX(connected),    FIX(connect_failed),
    FIX(ctl_error),    FIX(index_added),
};

static void test_encode(void)
{
	uint8_t buf[16], v = 0x06;
	static const uint8_t start[] = {0x23, 0x00, 0x00, 0x00,
					0x01, 0x00, 0x06};
	static const uint8_t list[] = {0x03, 0x00, 0xFF, 0xFF, 0x00, 0x00};

	CHECK_EQ(vg_mgmt_encode(buf, sizeof(buf), VG_MGMT_OP_START_DISCOVERY, 0,
				&v, 1),
		 7);
	CHECK(memcmp(buf, start, 7) == 0);
	CHECK_EQ(vg_mgmt_encode(buf, sizeof(buf), VG_MGMT_OP_READ_INDEX_LIST,
				VG_MGMT_INDEX_NONE, NULL, 0),
		 6);
	CHECK(memcmp(buf, list, 6) == 0);
	CHECK_EQ(vg_mgmt_encode(buf, 6, VG_MGMT_OP_START_DISCOVERY, 0, &v, 1),
		 -EMSGSIZE);
	CHECK_EQ(vg_mgmt_encode(buf, 5, VG_MGMT_OP_READ_INDEX_LIST, 0, NULL, 0),
		 -EMSGSIZE);
	CHECK_EQ(VG_MGMT_DISCOVER_LE, 0x06);
}

static void test_device_found(void)
{
	struct vg_mgmt_event ev;
	struct vg_adv a;
	static const uint8_t addr[6] = {0x0F, 0x1E, 0x33, 0xD0, 0x22, 0x00};

	CHECK_EQ(vg_mgmt_decode(found_h7, sizeof(found_h7), &ev), 0);
	CHECK_EQ(ev.code, VG_MGMT_EV_DEVICE_FOUND);
	CHECK_EQ(ev.index, 0);
	CHECK_EQ(ev.plen, sizeof(found_h7) - 6);
	CHECK(memcmp(ev.u.found.bdaddr, addr, 6) == 0);
	CHECK_EQ(ev.u.found.addr_type, VG_MGMT_ADDR_LE_PUBLIC);
	CHECK_EQ(ev.u.found.rssi, -58);
	CHECK_EQ(ev.u.found.flags, 0);
	CHECK_EQ(ev.u.found.eir_len, 37);
	CHECK(ev.u.found.eir == found_h7 + 20);
	CHECK_EQ(vg_adv_parse(ev.u.found.eir, ev.u.found.eir_len, &a), 0);
	CHECK(a.hrs);
	CHECK(strcmp(a.name, "Polar H7 D7904C14") == 0);
}

static void test_events(void)
{
	struct vg_mgmt_event ev;
	const uint8_t *list;
	uint16_t count;

	CHECK_EQ(vg_mgmt_decode(index_list, sizeof(index_list), &ev), 0);
	CHECK_EQ(ev.code, VG_MGMT_EV_CMD_COMPLETE);
	CHECK_EQ(ev.index, VG_MGMT_INDEX_NONE);
	CHECK_EQ(ev.u.cmd.opcode, VG_MGMT_OP_READ_INDEX_LIST);
	CHECK_EQ(ev.u.cmd.status, VG_MGMT_SUCCESS);
	CHECK_EQ(ev.u.cmd.rlen, 6);
	CHECK_EQ(vg_mgmt_parse_index_list(ev.u.cmd.ret, ev.u.cmd.rlen, &count,
					  &list),
		 0);
	CHECK_EQ(count, 2);
	CHECK_EQ(vg_mgmt_index_at(list, 0), 0);
	CHECK_EQ(vg_mgmt_index_at(list, 1), 1);
	/* A count the list does not hold. */
	CHECK_EQ(vg_mgmt_parse_index_list(ev.u.cmd.ret, 5, &count, &list),
		 -EBADMSG);
	CHECK_EQ(count, 0);

	CHECK_EQ(vg_mgmt_decode(start_busy, sizeof(start_busy), &ev), 0);
	CHECK_EQ(ev.code, VG_MGMT_EV_CMD_STATUS);
	CHECK_EQ(ev.u.cmd.opcode, VG_MGMT_OP_START_DISCOVERY);
	CHECK_EQ(ev.u.cmd.status, VG_MGMT_BUSY);
	CHECK_EQ(ev.u.cmd.rlen, 0);
	CHECK(strcmp(vg_mgmt_status_str(ev.u.cmd.status), "Busy") == 0);

	CHECK_EQ(vg_mgmt_decode(discovering_off, sizeof(discovering_off), &ev),
		 0);
	CHECK_EQ(ev.index, 1);
	CHECK_EQ(ev.u.discovering.type, 6);
	CHECK(!ev.u.discovering.on);

	CHECK_EQ(vg_mgmt_decode(disconnected, sizeof(disconnected), &ev), 0);
	CHECK_EQ(ev.u.disconnected.addr_type, VG_MGMT_ADDR_LE_RANDOM);
	CHECK_EQ(ev.u.disconnected.bdaddr[5], 0x00);
	CHECK_EQ(ev.u.disconnected.bdaddr[4], 0xAA);
	CHECK_EQ(ev.u.disconnected.reason, VG_MGMT_DISCONN_REMOTE);
	CHECK(strcmp(vg_mgmt_disconn_str(3),
		     "terminated by the remote device") == 0);
	CHECK(strcmp(vg_mgmt_disconn_str(0x3B), "unspecified") == 0);

	CHECK_EQ(vg_mgmt_decode(new_settings, sizeof(new_settings), &ev), 0);
	CHECK_EQ(ev.u.settings, VG_MGMT_SETTING_POWERED | VG_MGMT_SETTING_LE);

	CHECK_EQ(vg_mgmt_decode(connected, sizeof(connected), &ev), 0);
	CHECK_EQ(ev.u.connected.flags, 8);
	CHECK_EQ(ev.u.connected.eir_len, 0);

	CHECK_EQ(vg_mgmt_decode(connect_failed, sizeof(connect_failed), &ev),
		 0);
	CHECK_EQ(ev.u.connect_failed.status, VG_MGMT_TIMEOUT);

	CHECK_EQ(vg_mgmt_decode(ctl_error, sizeof(ctl_error), &ev), 0);
	CHECK_EQ(ev.u.error_code, 0x42);

	CHECK_EQ(vg_mgmt_decode(index_added, sizeof(index_added), &ev), 0);
	CHECK_EQ(ev.code, VG_MGMT_EV_INDEX_ADDED);
	CHECK_EQ(ev.index, 2);
	CHECK_EQ(ev.plen, 0);
}

/*
 * The kernel's User Confirmation Request for Just Works pairing with an LE
 * public address 00:AA:01:01:00:01 on hci0, as mgmt-api.txt lays it out,
 * and our two answers to it.
 */
static void test_user_confirm(void)
{
	static const uint8_t req[] = {
	    0x0F, 0x00, 0x00, 0x00, 0x0C, 0x00,	      /* event, index, len */
	    0x01, 0x00, 0x01, 0x01, 0xAA, 0x00, 0x01, /* address, LE public */
	    0x01,				      /* confirm hint */
	    0x40, 0xE2, 0x01, 0x00};		      /* value 123456 */
	static const uint8_t yes[] = {0x1C, 0x00, 0x00, 0x00, 0x07, 0x00, 0x01,
				      0x00, 0x01, 0x01, 0xAA, 0x00, 0x01};
	struct vg_mgmt_event ev;
	uint8_t buf[32];

	CHECK_EQ(vg_mgmt_decode(req, sizeof(req), &ev), 0);
	CHECK_EQ(ev.code, VG_MGMT_EV_USER_CONFIRM_REQUEST);
	CHECK_EQ(ev.index, 0);
	CHECK_EQ(ev.u.user_confirm.bdaddr[0], 0x01);
	CHECK_EQ(ev.u.user_confirm.bdaddr[5], 0x00);
	CHECK_EQ(ev.u.user_confirm.addr_type, VG_MGMT_ADDR_LE_PUBLIC);
	CHECK_EQ(ev.u.user_confirm.confirm_hint, 1);
	CHECK_EQ(ev.u.user_confirm.value, 123456);
	/* One byte of the value missing. */
	CHECK_EQ(vg_mgmt_decode((const uint8_t[]){0x0F, 0x00, 0x00, 0x00, 0x0B,
						  0x00, 1, 0, 1, 1, 0xAA, 0, 1,
						  1, 0x40, 0xE2, 0x01},
				17, &ev),
		 -EBADMSG);

	CHECK_EQ(vg_mgmt_cmd_user_confirm(buf, sizeof(buf), 0,
					  ev.u.user_confirm.bdaddr,
					  VG_MGMT_ADDR_LE_PUBLIC, true),
		 sizeof(yes));
	CHECK(memcmp(buf, yes, sizeof(yes)) == 0);
	CHECK_EQ(vg_mgmt_cmd_user_confirm(buf, sizeof(buf), 3, yes + 6,
					  VG_MGMT_ADDR_LE_RANDOM, false),
		 sizeof(yes));
	CHECK_EQ(buf[0], 0x1D); /* Negative Reply */
	CHECK_EQ(buf[2], 3);
	CHECK_EQ(buf[12], VG_MGMT_ADDR_LE_RANDOM);
	CHECK_EQ(vg_mgmt_cmd_user_confirm(buf, 12, 0, yes + 6, 1, true),
		 -EMSGSIZE);
}

static void test_bad_packets(void)
{
	struct vg_mgmt_event ev;
	uint8_t buf[sizeof(found_h7) + 4];
	static const uint8_t unknown[] = {0x99, 0x00, 0x00, 0x00,
					  0x02, 0x00, 0xAB, 0xCD};

	/* Header length longer or shorter than the datagram. */
	memcpy(buf, found_h7, sizeof(found_h7));
	buf[4]++;
	CHECK_EQ(vg_mgmt_decode(buf, sizeof(found_h7), &ev), -EBADMSG);
	buf[4] -= 2;
	CHECK_EQ(vg_mgmt_decode(buf, sizeof(found_h7), &ev), -EBADMSG);

	/* EIR length past the end. */
	memcpy(buf, found_h7, sizeof(found_h7));
	buf[18]++;
	CHECK_EQ(vg_mgmt_decode(buf, sizeof(found_h7), &ev), -EBADMSG);

	/* Trailing bytes after a known event's fields: allowed. */
	memcpy(buf, new_settings, sizeof(new_settings));
	buf[4] = 6;
	buf[10] = 0xEE;
	buf[11] = 0xEE;
	CHECK_EQ(vg_mgmt_decode(buf, sizeof(new_settings) + 2, &ev), 0);
	CHECK_EQ(ev.u.settings, 0x201);

	/* Unknown events decode to their header. */
	CHECK_EQ(vg_mgmt_decode(unknown, sizeof(unknown), &ev), 0);
	CHECK_EQ(ev.code, 0x99);
	CHECK_EQ(ev.plen, 2);

	CHECK_EQ(vg_mgmt_decode(NULL, 0, &ev), -EBADMSG);
}

static void test_replies(void)
{
	/* A Read Controller Information reply (280 bytes): 00:AA:..,
	 * version 9, manufacturer 0x05F1, supported powered|BR/EDR|LE,
	 * current LE only (powered off), a name with an ESC in it. */
	uint8_t info[280];
	struct vg_mgmt_info mi;
	struct vg_mgmt_version v;
	uint32_t settings;
	static const uint8_t ver[] = {0x01, 0x16, 0x00};
	static const uint8_t set[] = {0x01, 0x02, 0x00, 0x00};

	memset(info, 0, sizeof(info));
	info[4] = 0xAA;
	info[6] = 0x09;
	info[7] = 0xF1;
	info[8] = 0x05;
	info[9] = 0x81; /* supported: powered | bredr */
	info[10] = 0x02;
	info[13] = 0x00; /* current: le */
	info[14] = 0x02;
	memcpy(info + 20, "btvirt\x1b", 7);
	memcpy(info + 269, "bv", 2);
	CHECK_EQ(vg_mgmt_parse_info(info, 280, &mi), 0);
	CHECK_EQ(mi.bdaddr[4], 0xAA);
	CHECK_EQ(mi.bt_version, 9);
	CHECK_EQ(mi.manufacturer, 0x05F1);
	CHECK_EQ(mi.supported, VG_MGMT_SETTING_POWERED | VG_MGMT_SETTING_BREDR |
				   VG_MGMT_SETTING_LE);
	CHECK_EQ(mi.current, VG_MGMT_SETTING_LE);
	CHECK(strcmp(mi.name, "btvirt?") == 0);
	CHECK(strcmp(mi.short_name, "bv") == 0);
	for (size_t len = 0; len <= 280; len++)
		CHECK_EQ(vg_mgmt_parse_info(info, len, &mi),
			 len < 280 ? -EBADMSG : 0);

	CHECK_EQ(vg_mgmt_parse_version(ver, 3, &v), 0);
	CHECK_EQ(v.version, 1);
	CHECK_EQ(v.revision, 22);
	CHECK_EQ(vg_mgmt_parse_version(ver, 2, &v), -EBADMSG);
	CHECK_EQ(vg_mgmt_parse_settings(set, 4, &settings), 0);
	CHECK_EQ(settings, 0x201);
	CHECK_EQ(vg_mgmt_parse_settings(set, 3, &settings), -EBADMSG);

	CHECK(strcmp(vg_mgmt_status_str(VG_MGMT_PERMISSION_DENIED),
		     "Permission Denied") == 0);
	CHECK(strcmp(vg_mgmt_status_str(VG_MGMT_RFKILLED), "RFKilled") == 0);
	CHECK(strcmp(vg_mgmt_status_str(0x77), "unknown status") == 0);
}

/*
 * Every prefix of every event, in an exact-size buffer: the header's
 * length then disagrees, so each must be refused, never read past.
 * Also every prefix with the header length patched to match: refused
 * while the fixed fields are short.
 */
static void test_truncation(void)
{
	for (size_t f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
		const struct fixture *fx = &fixtures[f];
		struct vg_mgmt_event whole, ev;

		CHECK_EQ(vg_mgmt_decode(fx->buf, fx->len, &whole), 0);
		CHECK_EQ(whole.plen, fx->len - 6);
		for (size_t len = 0; len < fx->len; len++) {
			uint8_t *copy = malloc(len ? len : 1);
			int rc;

			if (!copy)
				abort();
			memcpy(copy, fx->buf, len);
			if (!CHECK_EQ(vg_mgmt_decode(copy, len, &ev), -EBADMSG))
				fprintf(stderr, "  %s cut at %zu\n", fx->name,
					len);
			if (len >= 6) {
				copy[4] = (uint8_t)(len - 6);
				copy[5] = 0;
				rc = vg_mgmt_decode(copy, len, &ev);
				/* A Command Complete takes any return
				 * length; its parser checks that. */
				if (!CHECK_EQ(rc,
					      len >= fx->min ? 0 : -EBADMSG))
					fprintf(stderr, "  %s patched at %zu\n",
						fx->name, len);
				if (rc == 0)
					CHECK(ev.code == whole.code);
			}
			free(copy);
		}
	}
}

/*
 * Add Advertising as btmgmt sends it for "add-adv -c -g -u 180d -d
 * 080946616b6548524d 1" (the prototype's strap): instance 1, connectable
 * and general discoverable, the UUID list then the name.
 */
static void test_add_adv(void)
{
	static const uint8_t adv[] = {0x03, 0x03, 0x0d, 0x18, 0x08, 0x09, 'F',
				      'a',  'k',  'e',	'H',  'R',  'M'};
	static const uint8_t want[] = {
	    0x3e, 0x00, 0x01, 0x00, 0x18, 0x00, 0x01, 0x03, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x03, 0x03, 0x0d,
	    0x18, 0x08, 0x09, 'F',  'a',  'k',	'e',  'H',  'R',  'M'};
	static const uint8_t remove[] = {0x3f, 0x00, 0x01, 0x00,
					 0x01, 0x00, 0x01};
	uint8_t buf[600];
	struct vg_mgmt_event ev;
	int n;

	n = vg_mgmt_cmd_add_adv(buf, sizeof(buf), 1, 1,
				VG_MGMT_ADV_FLAG_CONNECTABLE |
				    VG_MGMT_ADV_FLAG_DISCOV,
				0, 0, adv, sizeof(adv), NULL, 0);
	CHECK_EQ(n, sizeof(want));
	CHECK(n == sizeof(want) && memcmp(buf, want, sizeof(want)) == 0);

	/* Scan response after the data, durations little endian. */
	n = vg_mgmt_cmd_add_adv(buf, sizeof(buf), 0, 7, 0x00010041, 0x0102,
				0x0304, adv, 4, adv + 4, 9);
	CHECK_EQ(n, 6 + 11 + 13);
	CHECK(buf[6] == 7 && buf[7] == 0x41 && buf[8] == 0 && buf[9] == 1 &&
	      buf[10] == 0);
	CHECK(buf[11] == 0x02 && buf[12] == 0x01 && buf[13] == 0x04 &&
	      buf[14] == 0x03);
	CHECK(buf[15] == 4 && buf[16] == 9);
	CHECK(memcmp(buf + 17, adv, 13) == 0);

	CHECK_EQ(vg_mgmt_cmd_add_adv(buf, sizeof(buf), 0, 0, 0, 0, 0, adv, 4,
				     NULL, 0),
		 -EINVAL);
	CHECK_EQ(vg_mgmt_cmd_add_adv(buf, sizeof(buf), 0, 1, 0, 0, 0, buf, 256,
				     NULL, 0),
		 -EINVAL);
	CHECK_EQ(vg_mgmt_cmd_add_adv(buf, sizeof(buf), 0, 1, 0, 0, 0, NULL, 3,
				     NULL, 0),
		 -EINVAL);
	CHECK_EQ(vg_mgmt_cmd_add_adv(buf, 29, 1, 1, 3, 0, 0, adv, sizeof(adv),
				     NULL, 0),
		 -EMSGSIZE);

	n = vg_mgmt_cmd_remove_adv(buf, sizeof(buf), 1, 1);
	CHECK(n == sizeof(remove) && memcmp(buf, remove, sizeof(remove)) == 0);

	/* The kernel's answer: Command Complete with the instance. */
	static const uint8_t done[] = {0x01, 0x00, 0x01, 0x00, 0x04,
				       0x00, 0x3e, 0x00, 0x00, 0x01};
	CHECK_EQ(vg_mgmt_decode(done, sizeof(done), &ev), 0);
	CHECK(ev.code == VG_MGMT_EV_CMD_COMPLETE &&
	      ev.u.cmd.opcode == VG_MGMT_OP_ADD_ADVERTISING &&
	      ev.u.cmd.status == 0 && ev.u.cmd.rlen == 1 &&
	      ev.u.cmd.ret[0] == 1);
}

int main(void)
{
	test_encode();
	test_device_found();
	test_events();
	test_user_confirm();
	test_bad_packets();
	test_replies();
	test_truncation();
	test_add_adv();
	return vg_test_done();
}
