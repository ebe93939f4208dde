/* SPDX-License-Identifier: MIT */
/*
 * The raw HCI codec: the scan commands byte for byte, advertising report
 * events captured from real controllers (one and several reports per
 * event), the command and disconnection events, and every truncation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "vagus/adv.h"
#include "vagus/hci.h"

/*
 * Three events as noble's HCI socket read them (noble's debug log in
 * stoprocent/noble issue #14): an Apple ADV_NONCONN_IND, an ADV_IND with
 * a complete 16-bit list, and that device's empty SCAN_RSP.
 */
static const uint8_t noble_apple[] = {
    0x04, 0x3e, 0x27, 0x02, 0x01, 0x03, 0x01, 0x5a, 0xf2, 0x34, 0xf3,
    0x1c, 0x42, 0x1b, 0x02, 0x01, 0x1a, 0x17, 0xff, 0x4c, 0x00, 0x09,
    0x08, 0x13, 0xd0, 0xc0, 0xa8, 0xb2, 0xc8, 0x1b, 0x58, 0x13, 0x08,
    0x0a, 0xba, 0xaa, 0x87, 0xc8, 0x7c, 0xe3, 0x00, 0xda,
};
static const uint8_t noble_adv_ind[] = {
    0x04, 0x3e, 0x1f, 0x02, 0x01, 0x00, 0x01, 0x9e, 0x41, 0x95, 0x93, 0x81,
    0xd3, 0x13, 0x02, 0x01, 0x0a, 0x05, 0x03, 0xc0, 0xff, 0xc2, 0xfd, 0x09,
    0xff, 0xda, 0x01, 0x16, 0x03, 0x00, 0x00, 0x00, 0x00, 0xc6,
};
static const uint8_t noble_scan_rsp[] = {
    0x04, 0x3e, 0x0c, 0x02, 0x01, 0x04, 0x01, 0x9e,
    0x41, 0x95, 0x93, 0x81, 0xd3, 0x00, 0xc6,
};

/*
 * A Govee H5074 thermometer as read from a raw HCI socket, in
 * wcbonner/GoveeBTTempLogger issue #55: public address, Flags, complete
 * list {0x180A, 0xFEF5, 0xEC88}, name "Govee_H5074_147D", RSSI -52.
 */
static const uint8_t govee[] = {
    0x04, 0x3E, 0x29, 0x02, 0x01, 0x00, 0x00, 0x7D, 0x14, 0x23, 0x59,
    0x60, 0xE3, 0x1D, 0x02, 0x01, 0x06, 0x07, 0x03, 0x0A, 0x18, 0xF5,
    0xFE, 0x88, 0xEC, 0x11, 0x09, 0x47, 0x6F, 0x76, 0x65, 0x65, 0x5F,
    0x48, 0x35, 0x30, 0x37, 0x34, 0x5F, 0x31, 0x34, 0x37, 0x44, 0xCC,
};

/*
 * Two reports in one event: the Polar H7 advertisement of polar-ble-sdk
 * issue #305 split the way a legacy advertiser must send it (31 bytes at
 * most each): ADV_IND with Flags, 16-bit list {0x180D}, Polar data and TX
 * power; SCAN_RSP with the name. Address 00:22:D0:33:1E:0F (the H7 in
 * blog.alikhalil.tech, 2014), RSSI -61 and -62.
 */
static const uint8_t h7_two[] = {
    0x04,
    0x3E,
    0x3B,
    0x02,
    0x02,
    /* report 1 */
    0x00,
    0x00,
    0x0F,
    0x1E,
    0x33,
    0xD0,
    0x22,
    0x00,
    0x12,
    0x02,
    0x01,
    0x06,
    0x03,
    0x02,
    0x0D,
    0x18,
    0x07,
    0xFF,
    0x6B,
    0x00,
    0x3B,
    0x1B,
    0x54,
    0x52,
    0x02,
    0x0A,
    0x00,
    0xC3,
    /* report 2 */
    0x04,
    0x00,
    0x0F,
    0x1E,
    0x33,
    0xD0,
    0x22,
    0x00,
    0x13,
    0x12,
    0x09,
    0x50,
    0x6F,
    0x6C,
    0x61,
    0x72,
    0x20,
    0x48,
    0x37,
    0x20,
    0x44,
    0x37,
    0x39,
    0x30,
    0x34,
    0x43,
    0x31,
    0x34,
    0xC2,
};

/* Command Complete: LE Set Scan Enable, Command Disallowed. */
static const uint8_t enable_disallowed[] = {0x04, 0x0E, 0x04, 0x01,
					    0x0C, 0x20, 0x0C};
/* Command Status: LE Set Scan Parameters, Unknown HCI Command. */
static const uint8_t params_status[] = {0x04, 0x0F, 0x04, 0x01,
					0x01, 0x0B, 0x20};
/* Disconnection Complete: handle 0x0040, reason 0x3B. */
static const uint8_t disconn_3b[] = {0x04, 0x05, 0x04, 0x00, 0x40, 0x20, 0x3B};
/* Command Complete with no return parameters (a NOP credit). */
static const uint8_t nop[] = {0x04, 0x0E, 0x03, 0x01, 0x00, 0x00};

struct fixture {
	const char *name;
	const uint8_t *buf;
	size_t len;
};
#define FIX(a)                                                                 \
	{                                                                      \
#a, a, sizeof(a)                                               \
	}
static const struct fixture fixtures[] = {
    FIX(noble_apple),	FIX(noble_adv_ind), FIX(noble_scan_rsp),
    FIX(govee),		FIX(h7_two),	    FIX(enable_disallowed),
    FIX(params_status), FIX(disconn_3b),    FIX(nop),
};

static void test_commands(void)
{
	uint8_t buf[16];
	static const uint8_t params[] = {0x01, 0x0B, 0x20, 0x07, 0x01, 0x12,
					 0x00, 0x12, 0x00, 0x00, 0x00};
	static const uint8_t enable[] = {0x01, 0x0C, 0x20, 0x02, 0x01, 0x01};

	CHECK_EQ(
	    vg_hci_cmd_le_scan_params(buf, sizeof(buf), true, 0x12, 0x12, 0),
	    11);
	CHECK(memcmp(buf, params, 11) == 0);
	CHECK_EQ(vg_hci_cmd_le_scan_enable(buf, sizeof(buf), true, true), 6);
	CHECK(memcmp(buf, enable, 6) == 0);
	CHECK_EQ(vg_hci_cmd_le_scan_enable(buf, sizeof(buf), false, false), 6);
	CHECK_EQ(buf[4], 0);
	CHECK_EQ(buf[5], 0);
	/* Out of range (Vol 4 Part E 7.8.10), or no room. */
	CHECK_EQ(vg_hci_cmd_le_scan_params(buf, 16, true, 3, 3, 0), -EINVAL);
	CHECK_EQ(vg_hci_cmd_le_scan_params(buf, 16, true, 0x10, 0x11, 0),
		 -EINVAL);
	CHECK_EQ(vg_hci_cmd_le_scan_params(buf, 16, true, 0x4001, 0x10, 0),
		 -EINVAL);
	CHECK_EQ(vg_hci_cmd_le_scan_params(buf, 16, false, 0x10, 0x10, 2),
		 -EINVAL);
	CHECK_EQ(vg_hci_cmd_le_scan_params(buf, 10, true, 0x12, 0x12, 0),
		 -EMSGSIZE);
	CHECK_EQ(vg_hci_cmd_le_scan_enable(buf, 5, true, true), -EMSGSIZE);
}

static int reports(const uint8_t *buf, size_t len,
		   struct vg_hci_adv_report *out, int max)
{
	struct vg_hci_event ev;
	struct vg_hci_adv_iter it;
	int n = 0, rc;

	if (vg_hci_decode_event(buf, len, &ev) < 0)
		return -1;
	vg_hci_adv_iter_init(&it, &ev);
	while ((rc = vg_hci_adv_next(&it, &out[n < max ? n : max - 1])) > 0)
		n++;
	return rc < 0 ? -1 : n;
}

static void test_reports(void)
{
	struct vg_hci_adv_report r[4];
	struct vg_adv a;

	CHECK_EQ(reports(noble_apple, sizeof(noble_apple), r, 4), 1);
	CHECK_EQ(r[0].event_type, VG_HCI_ADV_NONCONN_IND);
	CHECK_EQ(r[0].addr_type, 1);
	CHECK_EQ(r[0].bdaddr[5], 0x42); /* 42:1c:f3:34:f2:5a */
	CHECK_EQ(r[0].bdaddr[0], 0x5a);
	CHECK_EQ(r[0].data_len, 27);
	CHECK_EQ(r[0].rssi, -38);
	CHECK_EQ(vg_adv_parse(r[0].data, r[0].data_len, &a), 0);
	CHECK_EQ(a.company_id, 0x004C);

	CHECK_EQ(reports(noble_adv_ind, sizeof(noble_adv_ind), r, 4), 1);
	CHECK_EQ(r[0].event_type, VG_HCI_ADV_IND);
	CHECK_EQ(r[0].rssi, -58);
	CHECK_EQ(vg_adv_parse(r[0].data, r[0].data_len, &a), 0);
	CHECK_EQ(a.n_uuid16, 2);
	CHECK_EQ(a.uuid16[0], 0xFFC0);
	CHECK_EQ(a.uuid16[1], 0xFDC2);
	CHECK(!a.hrs);

	CHECK_EQ(reports(noble_scan_rsp, sizeof(noble_scan_rsp), r, 4), 1);
	CHECK_EQ(r[0].event_type, VG_HCI_SCAN_RSP);
	CHECK_EQ(r[0].data_len, 0);

	CHECK_EQ(reports(govee, sizeof(govee), r, 4), 1);
	CHECK_EQ(r[0].addr_type, 0);
	CHECK_EQ(r[0].bdaddr[5], 0xE3);
	CHECK_EQ(r[0].rssi, -52);
	CHECK_EQ(vg_adv_parse(r[0].data, r[0].data_len, &a), 0);
	CHECK(strcmp(a.name, "Govee_H5074_147D") == 0);
	CHECK_EQ(a.n_uuid16, 3);
	CHECK(!a.hrs);

	CHECK_EQ(reports(h7_two, sizeof(h7_two), r, 4), 2);
	CHECK_EQ(r[0].event_type, VG_HCI_ADV_IND);
	CHECK_EQ(r[0].data_len, 18);
	CHECK_EQ(r[0].rssi, -61);
	CHECK_EQ(vg_adv_parse(r[0].data, r[0].data_len, &a), 0);
	CHECK(a.hrs);
	CHECK(!a.has_name);
	CHECK_EQ(r[1].event_type, VG_HCI_SCAN_RSP);
	CHECK_EQ(r[1].rssi, -62);
	CHECK_EQ(vg_adv_parse(r[1].data, r[1].data_len, &a), 0);
	CHECK(strcmp(a.name, "Polar H7 D7904C14") == 0);
	CHECK(memcmp(r[0].bdaddr, r[1].bdaddr, 6) == 0);
}

static void test_bad_reports(void)
{
	uint8_t buf[80];
	struct vg_hci_event ev;
	struct vg_hci_adv_report r[4];
	static const uint8_t zero[] = {0x04, 0x3E, 0x02, 0x02, 0x00};
	uint8_t long_data[3 + 2 + 9 + 32 + 1] = {
	    0x04, 0x3E, 2 + 9 + 32 + 1, 0x02, 0x01, 0x00, 0x00};

	/* Num_Reports says 3, only 2 are there. */
	memcpy(buf, h7_two, sizeof(h7_two));
	buf[4] = 3;
	CHECK_EQ(vg_hci_decode_event(buf, sizeof(h7_two), &ev), -EBADMSG);
	/* Says 1: the second report is left over. */
	buf[4] = 1;
	CHECK_EQ(vg_hci_decode_event(buf, sizeof(h7_two), &ev), -EBADMSG);
	/* The first report's data length too long or too short. (One too
	 * long happens to frame this event again: the name's 0x12 length
	 * becomes a data length that fits exactly. Framing is all a
	 * decoder can check.) */
	memcpy(buf, h7_two, sizeof(h7_two));
	buf[13] += 2;
	CHECK_EQ(vg_hci_decode_event(buf, sizeof(h7_two), &ev), -EBADMSG);
	buf[13] -= 3;
	CHECK_EQ(vg_hci_decode_event(buf, sizeof(h7_two), &ev), -EBADMSG);
	/* Over 31 bytes of legacy data. */
	long_data[13] = 32;
	long_data[sizeof(long_data) - 1] = 0xC0;
	CHECK_EQ(vg_hci_decode_event(long_data, sizeof(long_data), &ev),
		 -EBADMSG);
	/* No reports at all: nothing to deliver, nothing wrong. */
	CHECK_EQ(reports(zero, sizeof(zero), r, 4), 0);
	/* Not an event packet, or a length that disagrees. */
	memcpy(buf, govee, sizeof(govee));
	buf[0] = 0x02;
	CHECK_EQ(vg_hci_decode_event(buf, sizeof(govee), &ev), -EBADMSG);
	buf[0] = 0x04;
	buf[2]++;
	CHECK_EQ(vg_hci_decode_event(buf, sizeof(govee), &ev), -EBADMSG);
	CHECK_EQ(vg_hci_decode_event(NULL, 0, &ev), -EBADMSG);
	/* An iterator over something that is not a report event. */
	CHECK_EQ(vg_hci_decode_event(nop, sizeof(nop), &ev), 0);
	CHECK_EQ(reports(nop, sizeof(nop), r, 4), 0);
}

static void test_other_events(void)
{
	struct vg_hci_event ev;

	CHECK_EQ(vg_hci_decode_event(enable_disallowed,
				     sizeof(enable_disallowed), &ev),
		 0);
	CHECK_EQ(ev.code, VG_HCI_EV_CMD_COMPLETE);
	CHECK_EQ(ev.u.cmd_complete.opcode, VG_HCI_OP_LE_SET_SCAN_ENABLE);
	CHECK(ev.u.cmd_complete.has_status);
	CHECK_EQ(ev.u.cmd_complete.status, VG_HCI_COMMAND_DISALLOWED);
	CHECK_EQ(ev.u.cmd_complete.ncmd, 1);

	CHECK_EQ(vg_hci_decode_event(params_status, sizeof(params_status), &ev),
		 0);
	CHECK_EQ(ev.code, VG_HCI_EV_CMD_STATUS);
	CHECK_EQ(ev.u.cmd_status.status, VG_HCI_UNKNOWN_COMMAND);
	CHECK_EQ(ev.u.cmd_status.opcode, VG_HCI_OP_LE_SET_SCAN_PARAMS);

	CHECK_EQ(vg_hci_decode_event(disconn_3b, sizeof(disconn_3b), &ev), 0);
	CHECK_EQ(ev.u.disconn.handle, 0x0040);
	CHECK_EQ(ev.u.disconn.reason, VG_HCI_CONN_PARAMS_REJECTED);

	CHECK_EQ(vg_hci_decode_event(nop, sizeof(nop), &ev), 0);
	CHECK(!ev.u.cmd_complete.has_status);
	CHECK_EQ(ev.u.cmd_complete.opcode, 0);
}

/*
 * Every prefix in an exact-size buffer (refused: the length byte
 * disagrees), and every prefix with the length byte patched to match
 * (refused until the whole event is there, except a Command Complete,
 * whose return parameters may be any length).
 */
static void test_truncation(void)
{
	for (size_t f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
		const struct fixture *fx = &fixtures[f];
		struct vg_hci_event ev;
		size_t min = fx->buf[1] == VG_HCI_EV_CMD_COMPLETE ? 6 : fx->len;

		CHECK_EQ(vg_hci_decode_event(fx->buf, fx->len, &ev), 0);
		for (size_t len = 0; len < fx->len; len++) {
			uint8_t *copy = malloc(len ? len : 1);
			int rc;

			if (!copy)
				abort();
			memcpy(copy, fx->buf, len);
			if (!CHECK_EQ(vg_hci_decode_event(copy, len, &ev),
				      -EBADMSG))
				fprintf(stderr, "  %s cut at %zu\n", fx->name,
					len);
			if (len >= 3) {
				copy[2] = (uint8_t)(len - 3);
				rc = vg_hci_decode_event(copy, len, &ev);
				if (!CHECK_EQ(rc, len >= min ? 0 : -EBADMSG))
					fprintf(stderr, "  %s patched at %zu\n",
						fx->name, len);
			}
			free(copy);
		}
	}
}

/*
 * The peripheral's commands, byte for byte as btmon decodes them from
 * BlueZ's own advertising (LE Set Advertising Parameters with a 100 ms
 * interval, connectable undirected, public address, all channels).
 */
static void test_adv_commands(void)
{
	static const uint8_t params[] = {
	    0x01, 0x06, 0x20, 0x0f, 0xa0, 0x00, 0xa0, 0x00, 0x00, 0x00,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00};
	static const uint8_t ad[] = {0x02, 0x01, 0x06, 0x03, 0x03, 0x0d, 0x18};
	static const uint8_t enable[] = {0x01, 0x0a, 0x20, 0x01, 0x01};
	static const uint8_t disc[] = {0x01, 0x06, 0x04, 0x03,
				       0x40, 0x00, 0x3b};
	uint8_t buf[64];
	int n;

	n = vg_hci_cmd_le_adv_params(buf, sizeof(buf), 0xa0, 0xa0,
				     VG_HCI_ADV_IND, 0);
	CHECK_EQ(n, sizeof(params));
	CHECK(n == sizeof(params) && memcmp(buf, params, (size_t)n) == 0);
	CHECK_EQ(vg_hci_cmd_le_adv_params(buf, sizeof(buf), 0x1f, 0xa0,
					  VG_HCI_ADV_IND, 0),
		 -EINVAL);
	CHECK_EQ(vg_hci_cmd_le_adv_params(buf, sizeof(buf), 0xa0, 0x4001,
					  VG_HCI_ADV_IND, 0),
		 -EINVAL);
	CHECK_EQ(vg_hci_cmd_le_adv_params(buf, sizeof(buf), 0xa1, 0xa0,
					  VG_HCI_ADV_IND, 0),
		 -EINVAL);
	CHECK_EQ(vg_hci_cmd_le_adv_params(buf, sizeof(buf), 0xa0, 0xa0,
					  VG_HCI_ADV_DIRECT_IND, 0),
		 -EINVAL);
	CHECK_EQ(vg_hci_cmd_le_adv_params(buf, sizeof(buf), 0xa0, 0xa0,
					  VG_HCI_ADV_IND, 2),
		 -EINVAL);
	CHECK_EQ(
	    vg_hci_cmd_le_adv_params(buf, 18, 0xa0, 0xa0, VG_HCI_ADV_IND, 0),
	    -EMSGSIZE);

	/* Data: always 31 octets after the length, the tail zeroed. */
	memset(buf, 0xee, sizeof(buf));
	n = vg_hci_cmd_le_adv_data(buf, sizeof(buf), false, ad, sizeof(ad));
	CHECK_EQ(n, 4 + 32);
	CHECK(buf[0] == 0x01 && buf[1] == 0x08 && buf[2] == 0x20 &&
	      buf[3] == 32 && buf[4] == sizeof(ad));
	CHECK(memcmp(buf + 5, ad, sizeof(ad)) == 0);
	bool zero = true;
	for (int i = 5 + (int)sizeof(ad); i < 36; i++)
		zero = zero && buf[i] == 0;
	CHECK(zero);
	CHECK_EQ(buf[36], 0xee);
	n = vg_hci_cmd_le_adv_data(buf, sizeof(buf), true, NULL, 0);
	CHECK_EQ(n, 36);
	CHECK(buf[1] == 0x09 && buf[2] == 0x20 && buf[4] == 0);
	CHECK_EQ(vg_hci_cmd_le_adv_data(buf, sizeof(buf), false, buf, 32),
		 -EINVAL);
	CHECK_EQ(vg_hci_cmd_le_adv_data(buf, 35, false, ad, sizeof(ad)),
		 -EMSGSIZE);

	n = vg_hci_cmd_le_adv_enable(buf, sizeof(buf), true);
	CHECK(n == sizeof(enable) && memcmp(buf, enable, sizeof(enable)) == 0);
	n = vg_hci_cmd_le_adv_enable(buf, sizeof(buf), false);
	CHECK(n == 5 && buf[4] == 0);
	CHECK_EQ(vg_hci_cmd_le_adv_enable(buf, 4, true), -EMSGSIZE);

	/* Disconnect: only the reasons a host may give. */
	n = vg_hci_cmd_disconnect(buf, sizeof(buf), 0x0040,
				  VG_HCI_CONN_PARAMS_REJECTED);
	CHECK(n == sizeof(disc) && memcmp(buf, disc, sizeof(disc)) == 0);
	CHECK_EQ(vg_hci_cmd_disconnect(buf, sizeof(buf), 0x0040,
				       VG_HCI_REMOTE_USER_TERM),
		 7);
	CHECK_EQ(vg_hci_cmd_disconnect(buf, sizeof(buf), 0x0040, 0x08),
		 -EINVAL); /* a timeout is the controller's to report */
	CHECK_EQ(vg_hci_cmd_disconnect(buf, sizeof(buf), 0x0F00,
				       VG_HCI_REMOTE_USER_TERM),
		 -EINVAL);
	CHECK_EQ(vg_hci_cmd_disconnect(buf, 6, 1, VG_HCI_REMOTE_POWER_OFF),
		 -EMSGSIZE);
}

int main(void)
{
	test_commands();
	test_reports();
	test_bad_reports();
	test_other_events();
	test_truncation();
	test_adv_commands();
	return vg_test_done();
}
