/* SPDX-License-Identifier: MIT */
/*
 * The discovery state machine, driven by scripts: the test plays the
 * kernel, checks each command the machine sends, and answers with mgmt
 * or HCI events built per mgmt-api.txt and Core spec Vol 4 Part E.
 * Covered: the mgmt start-up sequence, candidate selection (strongest,
 * remembered first, settle time, connectable only), report merging,
 * ageing, restarts when the kernel ends discovery, controllers added and
 * removed, every failure status discovery reacts to, command timeouts,
 * stop, the full table, and the raw HCI back end.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "vagus/discovery.h"
#include "vagus/hci.h"
#include "vagus/mgmt.h"

/* Advertising data: the e2e fake strap, a Polar H7 (polar-ble-sdk issue
 * #305), a Govee thermometer (GoveeBTTempLogger issue #55). */
static const uint8_t ad_fake[] = {0x02, 0x01, 0x06, 0x03, 0x03, 0x0D,
				  0x18, 0x08, 0x09, 0x46, 0x61, 0x6B,
				  0x65, 0x48, 0x52, 0x4D};
static const uint8_t ad_h7[] = {
    0x02, 0x01, 0x06, 0x03, 0x02, 0x0D, 0x18, 0x07, 0xFF, 0x6B,
    0x00, 0x3B, 0x1B, 0x54, 0x52, 0x02, 0x0A, 0x00, 0x12, 0x09,
    0x50, 0x6F, 0x6C, 0x61, 0x72, 0x20, 0x48, 0x37, 0x20, 0x44,
    0x37, 0x39, 0x30, 0x34, 0x43, 0x31, 0x34,
};
static const uint8_t ad_govee[] = {
    0x02, 0x01, 0x06, 0x07, 0x03, 0x0A, 0x18, 0xF5, 0xFE, 0x88,
    0xEC, 0x11, 0x09, 0x47, 0x6F, 0x76, 0x65, 0x65, 0x5F, 0x48,
    0x35, 0x30, 0x37, 0x34, 0x5F, 0x31, 0x34, 0x37, 0x44,
};

/* btvirt's hci1 (the fake strap), a Polar H7, a Govee, bdaddr_t order. */
static const uint8_t addr_fake[6] = {0x01, 0x00, 0x01, 0x01, 0xAA, 0x00};
static const uint8_t addr_h7[6] = {0x0F, 0x1E, 0x33, 0xD0, 0x22, 0x00};
static const uint8_t addr_govee[6] = {0x7D, 0x14, 0x23, 0x59, 0x60, 0xE3};

#define LE_ON (VG_MGMT_SETTING_POWERED | VG_MGMT_SETTING_LE)

/* ---- building kernel events ---- */

static size_t hdr(uint8_t *b, uint16_t code, uint16_t index, size_t plen)
{
	b[0] = (uint8_t)code;
	b[1] = (uint8_t)(code >> 8);
	b[2] = (uint8_t)index;
	b[3] = (uint8_t)(index >> 8);
	b[4] = (uint8_t)plen;
	b[5] = (uint8_t)(plen >> 8);
	return 6 + plen;
}

static int feed(struct vg_discovery *d, const uint8_t *b, size_t n, int64_t now)
{
	return vg_discovery_input(d, b, n, now);
}

static void complete(struct vg_discovery *d, uint16_t op, uint16_t index,
		     uint8_t status, const uint8_t *ret, size_t rlen,
		     int64_t now)
{
	uint8_t b[400];

	b[6] = (uint8_t)op;
	b[7] = (uint8_t)(op >> 8);
	b[8] = status;
	if (rlen)
		memcpy(b + 9, ret, rlen);
	CHECK_EQ(
	    feed(d, b, hdr(b, VG_MGMT_EV_CMD_COMPLETE, index, 3 + rlen), now),
	    0);
}

static void cmd_status(struct vg_discovery *d, uint16_t op, uint16_t index,
		       uint8_t status, int64_t now)
{
	uint8_t b[16];

	b[6] = (uint8_t)op;
	b[7] = (uint8_t)(op >> 8);
	b[8] = status;
	CHECK_EQ(feed(d, b, hdr(b, VG_MGMT_EV_CMD_STATUS, index, 3), now), 0);
}

static void reply_settings(struct vg_discovery *d, uint16_t op, uint16_t index,
			   uint32_t settings, int64_t now)
{
	uint8_t r[4] = {(uint8_t)settings, (uint8_t)(settings >> 8),
			(uint8_t)(settings >> 16), (uint8_t)(settings >> 24)};
	complete(d, op, index, 0, r, 4, now);
}

static void reply_info(struct vg_discovery *d, uint16_t index,
		       uint32_t supported, uint32_t current, int64_t now)
{
	uint8_t r[280];

	memset(r, 0, sizeof(r));
	r[0] = (uint8_t)index;
	r[4] = 0xAA;
	r[6] = 9;
	for (int i = 0; i < 4; i++) {
		r[9 + i] = (uint8_t)(supported >> (8 * i));
		r[13 + i] = (uint8_t)(current >> (8 * i));
	}
	complete(d, VG_MGMT_OP_READ_INFO, index, 0, r, sizeof(r), now);
}

static void reply_index_list(struct vg_discovery *d, const uint16_t *idx,
			     size_t n, int64_t now)
{
	uint8_t r[64];

	r[0] = (uint8_t)n;
	r[1] = 0;
	for (size_t i = 0; i < n; i++) {
		r[2 + 2 * i] = (uint8_t)idx[i];
		r[3 + 2 * i] = (uint8_t)(idx[i] >> 8);
	}
	complete(d, VG_MGMT_OP_READ_INDEX_LIST, VG_MGMT_INDEX_NONE, 0, r,
		 2 + 2 * n, now);
}

static void found(struct vg_discovery *d, uint16_t index, const uint8_t a[6],
		  uint8_t type, int8_t rssi, uint32_t flags, const uint8_t *eir,
		  size_t eir_len, int64_t now)
{
	uint8_t b[300];

	memcpy(b + 6, a, 6);
	b[12] = type;
	b[13] = (uint8_t)rssi;
	for (int i = 0; i < 4; i++)
		b[14 + i] = (uint8_t)(flags >> (8 * i));
	b[18] = (uint8_t)eir_len;
	b[19] = 0;
	if (eir_len)
		memcpy(b + 20, eir, eir_len);
	CHECK_EQ(feed(d, b,
		      hdr(b, VG_MGMT_EV_DEVICE_FOUND, index, 14 + eir_len),
		      now),
		 0);
}

static void discovering(struct vg_discovery *d, uint16_t index, bool on,
			int64_t now)
{
	uint8_t b[8];

	b[6] = VG_MGMT_DISCOVER_LE;
	b[7] = on;
	CHECK_EQ(feed(d, b, hdr(b, VG_MGMT_EV_DISCOVERING, index, 2), now), 0);
}

static void index_event(struct vg_discovery *d, uint16_t code, uint16_t index,
			int64_t now)
{
	uint8_t b[6];

	CHECK_EQ(feed(d, b, hdr(b, code, index, 0), now), 0);
}

static void new_settings(struct vg_discovery *d, uint16_t index,
			 uint32_t settings, int64_t now)
{
	uint8_t b[10];

	for (int i = 0; i < 4; i++)
		b[6 + i] = (uint8_t)(settings >> (8 * i));
	CHECK_EQ(feed(d, b, hdr(b, VG_MGMT_EV_NEW_SETTINGS, index, 4), now), 0);
}

/*
 * The next command must be mgmt @op for @index (with parameter @param,
 * or -1 for none); it is then marked sent. Returns whether it matched.
 */
static bool expect(struct vg_discovery *d, uint16_t op, uint16_t index,
		   int param, int64_t now, int line)
{
	uint8_t b[VG_DISCOVERY_CMD_MAX];
	int n = vg_discovery_peek(d, b, sizeof(b));
	bool ok = n >= 6 && (b[0] | b[1] << 8) == op &&
		  (b[2] | b[3] << 8) == index &&
		  (param < 0 ? n == 6 : (n == 7 && b[6] == param));

	if (!vg_test_check(ok, "expected command", __FILE__, line)) {
		fprintf(stderr, "  want op 0x%04x index %u param %d, got", op,
			index, param);
		for (int i = 0; i < n; i++)
			fprintf(stderr, " %02x", b[i]);
		fprintf(stderr, "\n");
		return false;
	}
	vg_discovery_sent(d, now);
	return true;
}
#define EXPECT(d, op, index, param, now)                                       \
	expect((d), (op), (index), (param), (now), __LINE__)

static void nothing_to_send(struct vg_discovery *d, int line)
{
	uint8_t b[VG_DISCOVERY_CMD_MAX];

	vg_test_check(vg_discovery_peek(d, b, sizeof(b)) == 0,
		      "nothing to send", __FILE__, line);
}
#define NOTHING(d) nothing_to_send((d), __LINE__)

static struct vg_discovery *new_mgmt(int index, bool power_on,
				     int64_t settle_ms)
{
	struct vg_discovery_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.mode = VG_DISCOVERY_MGMT;
	cfg.index = index;
	cfg.power_on = power_on;
	cfg.settle_ms = settle_ms;
	return vg_discovery_new(&cfg);
}

/* Start-up through to discovering on the given controllers. */
static void bring_up(struct vg_discovery *d, const uint16_t *idx, size_t n,
		     int64_t now)
{
	vg_discovery_start(d, now);
	EXPECT(d, VG_MGMT_OP_READ_VERSION, VG_MGMT_INDEX_NONE, -1, now);
	complete(d, VG_MGMT_OP_READ_VERSION, VG_MGMT_INDEX_NONE, 0,
		 (const uint8_t[]){1, 22, 0}, 3, now);
	EXPECT(d, VG_MGMT_OP_READ_INDEX_LIST, VG_MGMT_INDEX_NONE, -1, now);
	reply_index_list(d, idx, n, now);
	/* Commands go one at a time, in the order queued: every Read
	 * Info first, then each Start Discovery. */
	for (size_t i = 0; i < n; i++) {
		EXPECT(d, VG_MGMT_OP_READ_INFO, idx[i], -1, now);
		reply_info(d, idx[i], LE_ON | VG_MGMT_SETTING_BREDR, LE_ON,
			   now);
	}
	for (size_t i = 0; i < n; i++) {
		EXPECT(d, VG_MGMT_OP_START_DISCOVERY, idx[i], 6, now);
		complete(d, VG_MGMT_OP_START_DISCOVERY, idx[i], 0,
			 (const uint8_t[]){6}, 1, now);
	}
}

static const struct vg_discovery_candidate *find(struct vg_discovery *d,
						 const uint8_t a[6])
{
	const struct vg_discovery_candidate *c[64];
	size_t n = vg_discovery_list(d, c, 64);

	for (size_t i = 0; i < n && i < 64; i++)
		if (memcmp(c[i]->bdaddr, a, 6) == 0)
			return c[i];
	return NULL;
}

static void test_happy_path(void)
{
	struct vg_discovery *d = new_mgmt(VG_DISCOVERY_ANY_INDEX, false, 0);
	const struct vg_discovery_candidate *c[8], *p;
	uint8_t version;
	uint16_t revision;
	struct vg_addr a;
	char spec[64];

	CHECK(!vg_discovery_scanning(d));
	CHECK_EQ(vg_discovery_deadline(d), -1);
	bring_up(d, (const uint16_t[]){0}, 1, 0);
	NOTHING(d);
	CHECK(vg_discovery_scanning(d));
	CHECK_EQ(vg_discovery_error(d), 0);
	vg_discovery_mgmt_version(d, &version, &revision);
	CHECK_EQ(version, 1);
	CHECK_EQ(revision, 22);

	found(d, 0, addr_fake, VG_MGMT_ADDR_LE_PUBLIC, -70, 0, ad_fake,
	      sizeof(ad_fake), 100);
	found(d, 0, addr_h7, VG_MGMT_ADDR_LE_PUBLIC, -58, 0, ad_h7,
	      sizeof(ad_h7), 200);
	found(d, 0, addr_govee, VG_MGMT_ADDR_LE_PUBLIC, -40, 0, ad_govee,
	      sizeof(ad_govee), 300);
	CHECK_EQ(vg_discovery_list(d, c, 8), 3);
	CHECK(memcmp(c[0]->bdaddr, addr_govee, 6) == 0);
	CHECK(memcmp(c[1]->bdaddr, addr_h7, 6) == 0);
	CHECK(memcmp(c[2]->bdaddr, addr_fake, 6) == 0);
	CHECK(!c[0]->heart_rate);
	CHECK(c[1]->hrs && c[1]->heart_rate && c[1]->connectable);
	CHECK(strcmp(c[1]->name, "Polar H7 D7904C14") == 0);
	CHECK(c[1]->has_tx_power);
	CHECK_EQ(c[2]->rssi, -70);
	CHECK_EQ(c[2]->first_seen, 100);
	CHECK(strcmp(c[2]->name, "FakeHRM") == 0);

	/* Only the first two, still strongest first. */
	CHECK_EQ(vg_discovery_list(d, c, 2), 3);
	CHECK(memcmp(c[0]->bdaddr, addr_govee, 6) == 0);
	CHECK(memcmp(c[1]->bdaddr, addr_h7, 6) == 0);

	/* The strongest heart-rate sensor, not the strongest device. */
	p = vg_discovery_pick(d, 300);
	CHECK(p && memcmp(p->bdaddr, addr_h7, 6) == 0);
	vg_discovery_candidate_addr(p, &a);
	vg_addr_format(&a, spec, sizeof(spec));
	CHECK(strcmp(spec, "bt:00:22:D0:33:1E:0F/public") == 0);

	/* The fake strap comes closer. */
	found(d, 0, addr_fake, VG_MGMT_ADDR_LE_PUBLIC, -45, 0, ad_fake,
	      sizeof(ad_fake), 400);
	p = vg_discovery_pick(d, 400);
	CHECK(p && memcmp(p->bdaddr, addr_fake, 6) == 0);

	/* BR/EDR results of someone's interleaved discovery: ignored. */
	found(d, 0, addr_govee, VG_MGMT_ADDR_BREDR, -30, 0, ad_fake,
	      sizeof(ad_fake), 400);
	CHECK_EQ(vg_discovery_list(d, c, 8), 3);
	vg_discovery_free(d);
}

static void test_restart(void)
{
	struct vg_discovery *d = new_mgmt(VG_DISCOVERY_ANY_INDEX, false, 0);

	bring_up(d, (const uint16_t[]){0}, 1, 1000);
	/* The kernel ends discovery after ~10 s: start again at once. */
	discovering(d, 0, true, 1000);
	discovering(d, 0, false, 11000);
	CHECK(!vg_discovery_scanning(d));
	EXPECT(d, VG_MGMT_OP_START_DISCOVERY, 0, 6, 11000);
	complete(d, VG_MGMT_OP_START_DISCOVERY, 0, 0, (const uint8_t[]){6}, 1,
		 11000);
	CHECK(vg_discovery_scanning(d));
	/* Ended again at once: not sooner than a second after the start. */
	discovering(d, 0, false, 11200);
	NOTHING(d);
	CHECK_EQ(vg_discovery_error(d), 0);
	CHECK_EQ(vg_discovery_deadline(d), 12000);
	vg_discovery_tick(d, 11999);
	NOTHING(d);
	vg_discovery_tick(d, 12000);
	EXPECT(d, VG_MGMT_OP_START_DISCOVERY, 0, 6, 12000);
	complete(d, VG_MGMT_OP_START_DISCOVERY, 0, 0, (const uint8_t[]){6}, 1,
		 12000);
	CHECK(vg_discovery_scanning(d));
	vg_discovery_free(d);
}

static void test_remembered(void)
{
	struct vg_discovery_config cfg;
	struct vg_discovery *d;
	const struct vg_discovery_candidate *p;

	memset(&cfg, 0, sizeof(cfg));
	cfg.mode = VG_DISCOVERY_MGMT;
	cfg.index = 0;
	cfg.settle_ms = 3000;
	CHECK_EQ(vg_addr_parse("bt:00:AA:01:01:00:01", &cfg.remembered, NULL),
		 0);
	d = vg_discovery_new(&cfg);
	bring_up(d, (const uint16_t[]){0}, 1, 0);
	found(d, 0, addr_h7, VG_MGMT_ADDR_LE_PUBLIC, -50, 0, ad_h7,
	      sizeof(ad_h7), 100);
	/* Settling: nothing picked by strength yet. */
	CHECK(vg_discovery_pick(d, 100) == NULL);
	CHECK_EQ(vg_discovery_deadline(d), 3000);
	/* The remembered strap is picked at once, however weak, and even
	 * if this report lacked the service. */
	found(d, 0, addr_fake, VG_MGMT_ADDR_LE_PUBLIC, -90, 0, ad_govee,
	      sizeof(ad_govee), 200);
	p = vg_discovery_pick(d, 200);
	CHECK(p && memcmp(p->bdaddr, addr_fake, 6) == 0);
	CHECK(p && p->remembered);
	/* The same address as a random one is another device. */
	vg_discovery_free(d);

	cfg.remembered.bt_type = VG_ADDR_LE_RANDOM;
	d = vg_discovery_new(&cfg);
	bring_up(d, (const uint16_t[]){0}, 1, 0);
	found(d, 0, addr_fake, VG_MGMT_ADDR_LE_PUBLIC, -90, 0, ad_fake,
	      sizeof(ad_fake), 200);
	found(d, 0, addr_h7, VG_MGMT_ADDR_LE_PUBLIC, -50, 0, ad_h7,
	      sizeof(ad_h7), 200);
	CHECK(vg_discovery_pick(d, 2999) == NULL);
	vg_discovery_tick(d, 3000);
	CHECK_EQ(vg_discovery_deadline(d), 30200); /* ageing next */
	p = vg_discovery_pick(d, 3000);
	CHECK(p && memcmp(p->bdaddr, addr_h7, 6) == 0);
	/* A non-connectable heart-rate advertiser is never picked. */
	found(d, 0, addr_h7, VG_MGMT_ADDR_LE_PUBLIC, -50,
	      VG_MGMT_FOUND_NOT_CONNECTABLE, ad_h7, sizeof(ad_h7), 3100);
	p = vg_discovery_pick(d, 3100);
	CHECK(p && memcmp(p->bdaddr, addr_fake, 6) == 0);
	vg_discovery_free(d);
}

static void test_ageing(void)
{
	struct vg_discovery *d = new_mgmt(0, false, 0);
	const struct vg_discovery_candidate *c[4];

	bring_up(d, (const uint16_t[]){0}, 1, 0);
	found(d, 0, addr_h7, VG_MGMT_ADDR_LE_PUBLIC, -50, 0, ad_h7,
	      sizeof(ad_h7), 1000);
	found(d, 0, addr_fake, VG_MGMT_ADDR_LE_PUBLIC, -60, 0, ad_fake,
	      sizeof(ad_fake), 5000);
	CHECK_EQ(vg_discovery_deadline(d), 31000);
	vg_discovery_tick(d, 30999);
	CHECK_EQ(vg_discovery_list(d, c, 4), 2);
	vg_discovery_tick(d, 31000);
	CHECK_EQ(vg_discovery_list(d, c, 4), 1);
	CHECK(memcmp(c[0]->bdaddr, addr_fake, 6) == 0);
	/* Heard again: its age starts over, its first sighting stays. */
	found(d, 0, addr_fake, VG_MGMT_ADDR_LE_PUBLIC, 127, 0, NULL, 0, 20000);
	CHECK_EQ(vg_discovery_deadline(d), 50000);
	CHECK_EQ(vg_discovery_list(d, c, 4), 1);
	CHECK_EQ(c[0]->first_seen, 5000);
	CHECK_EQ(c[0]->rssi, -60); /* 127 = not available: kept */
	CHECK(strcmp(c[0]->name, "FakeHRM") == 0);
	CHECK(c[0]->hrs);
	vg_discovery_tick(d, 50000);
	CHECK_EQ(vg_discovery_list(d, c, 4), 0);
	CHECK(vg_discovery_pick(d, 50000) == NULL);
	vg_discovery_free(d);
}

static void test_index_added_removed(void)
{
	struct vg_discovery *d = new_mgmt(VG_DISCOVERY_ANY_INDEX, false, 0);
	const struct vg_discovery_candidate *c[4];

	bring_up(d, (const uint16_t[]){0, 1}, 2, 0);
	found(d, 0, addr_h7, VG_MGMT_ADDR_LE_PUBLIC, -50, 0, ad_h7,
	      sizeof(ad_h7), 100);
	found(d, 1, addr_fake, VG_MGMT_ADDR_LE_RANDOM, -60, 0, ad_fake,
	      sizeof(ad_fake), 100);
	CHECK_EQ(vg_discovery_list(d, c, 4), 2);
	CHECK_EQ(c[1]->index, 1);
	CHECK_EQ(c[1]->type, VG_ADDR_LE_RANDOM);

	/* hci1 unplugged: what it heard goes with it. */
	index_event(d, VG_MGMT_EV_INDEX_REMOVED, 1, 200);
	CHECK_EQ(vg_discovery_list(d, c, 4), 1);
	CHECK_EQ(c[0]->index, 0);
	CHECK(vg_discovery_scanning(d));
	/* Events for a controller we no longer follow are ignored. */
	found(d, 1, addr_fake, VG_MGMT_ADDR_LE_RANDOM, -60, 0, ad_fake,
	      sizeof(ad_fake), 250);
	CHECK_EQ(vg_discovery_list(d, c, 4), 1);

	index_event(d, VG_MGMT_EV_INDEX_REMOVED, 0, 300);
	CHECK(!vg_discovery_scanning(d));
	CHECK_EQ(vg_discovery_error(d), -ENODEV);
	CHECK_EQ(vg_discovery_list(d, c, 4), 0);

	/* A new adapter is plugged in. */
	index_event(d, VG_MGMT_EV_INDEX_ADDED, 2, 400);
	CHECK_EQ(vg_discovery_error(d), 0);
	EXPECT(d, VG_MGMT_OP_READ_INFO, 2, -1, 400);
	reply_info(d, 2, LE_ON, LE_ON, 400);
	EXPECT(d, VG_MGMT_OP_START_DISCOVERY, 2, 6, 400);
	complete(d, VG_MGMT_OP_START_DISCOVERY, 2, 0, (const uint8_t[]){6}, 1,
		 400);
	CHECK(vg_discovery_scanning(d));
	vg_discovery_free(d);

	/* With a fixed index, others are not followed. */
	d = new_mgmt(1, false, 0);
	vg_discovery_start(d, 0);
	EXPECT(d, VG_MGMT_OP_READ_VERSION, VG_MGMT_INDEX_NONE, -1, 0);
	complete(d, VG_MGMT_OP_READ_VERSION, VG_MGMT_INDEX_NONE, 0, NULL, 0, 0);
	EXPECT(d, VG_MGMT_OP_READ_INDEX_LIST, VG_MGMT_INDEX_NONE, -1, 0);
	reply_index_list(d, (const uint16_t[]){0}, 1, 0);
	NOTHING(d);
	CHECK_EQ(vg_discovery_error(d), -ENODEV);
	index_event(d, VG_MGMT_EV_INDEX_ADDED, 0, 10);
	NOTHING(d);
	index_event(d, VG_MGMT_EV_INDEX_ADDED, 1, 20);
	EXPECT(d, VG_MGMT_OP_READ_INFO, 1, -1, 20);
	vg_discovery_free(d);
}

/* Start-up on hci0 up to the Read Controller Information reply. */
static void up_to_info(struct vg_discovery *d, uint32_t supported,
		       uint32_t current, int64_t now)
{
	vg_discovery_start(d, now);
	EXPECT(d, VG_MGMT_OP_READ_VERSION, VG_MGMT_INDEX_NONE, -1, now);
	complete(d, VG_MGMT_OP_READ_VERSION, VG_MGMT_INDEX_NONE, 0,
		 (const uint8_t[]){1, 22, 0}, 3, now);
	EXPECT(d, VG_MGMT_OP_READ_INDEX_LIST, VG_MGMT_INDEX_NONE, -1, now);
	reply_index_list(d, (const uint16_t[]){0}, 1, now);
	EXPECT(d, VG_MGMT_OP_READ_INFO, 0, -1, now);
	reply_info(d, 0, supported, current, now);
}

static void test_power(void)
{
	struct vg_discovery *d;

	/* Powered off, not ours to switch on. */
	d = new_mgmt(0, false, 0);
	up_to_info(d, LE_ON, VG_MGMT_SETTING_LE, 0);
	NOTHING(d);
	CHECK_EQ(vg_discovery_error(d), -ENETDOWN);
	/* The user powers it on: discovery starts. */
	new_settings(d, 0, LE_ON, 500);
	EXPECT(d, VG_MGMT_OP_START_DISCOVERY, 0, 6, 500);
	complete(d, VG_MGMT_OP_START_DISCOVERY, 0, 0, (const uint8_t[]){6}, 1,
		 500);
	CHECK_EQ(vg_discovery_error(d), 0);
	/* And off again. */
	new_settings(d, 0, VG_MGMT_SETTING_LE, 900);
	CHECK(!vg_discovery_scanning(d));
	CHECK_EQ(vg_discovery_error(d), -ENETDOWN);
	vg_discovery_free(d);

	/* Allowed to power on: LE first (while off), then power. */
	d = new_mgmt(0, true, 0);
	up_to_info(d, LE_ON | VG_MGMT_SETTING_BREDR, VG_MGMT_SETTING_BREDR, 0);
	EXPECT(d, VG_MGMT_OP_SET_LE, 0, 1, 0);
	reply_settings(d, VG_MGMT_OP_SET_LE, 0,
		       VG_MGMT_SETTING_BREDR | VG_MGMT_SETTING_LE, 10);
	EXPECT(d, VG_MGMT_OP_SET_POWERED, 0, 1, 10);
	CHECK_EQ(vg_discovery_error(d), 0);
	reply_settings(d, VG_MGMT_OP_SET_POWERED, 0,
		       LE_ON | VG_MGMT_SETTING_BREDR, 900);
	EXPECT(d, VG_MGMT_OP_START_DISCOVERY, 0, 6, 900);
	complete(d, VG_MGMT_OP_START_DISCOVERY, 0, 0, (const uint8_t[]){6}, 1,
		 900);
	CHECK(vg_discovery_scanning(d));
	vg_discovery_free(d);

	/* Powered, LE off in the host (dual-mode without bluetoothd). */
	d = new_mgmt(0, false, 0);
	up_to_info(d, LE_ON | VG_MGMT_SETTING_BREDR,
		   VG_MGMT_SETTING_POWERED | VG_MGMT_SETTING_BREDR, 0);
	EXPECT(d, VG_MGMT_OP_SET_LE, 0, 1, 0);
	reply_settings(d, VG_MGMT_OP_SET_LE, 0, LE_ON | VG_MGMT_SETTING_BREDR,
		       10);
	EXPECT(d, VG_MGMT_OP_START_DISCOVERY, 0, 6, 10);
	vg_discovery_free(d);

	/* Blocked by rfkill. */
	d = new_mgmt(0, true, 0);
	up_to_info(d, LE_ON, VG_MGMT_SETTING_LE, 0);
	EXPECT(d, VG_MGMT_OP_SET_POWERED, 0, 1, 0);
	cmd_status(d, VG_MGMT_OP_SET_POWERED, 0, VG_MGMT_RFKILLED, 10);
	NOTHING(d);
	CHECK_EQ(vg_discovery_error(d), -ERFKILL);
	/* Unblocked and powered by someone: we go on. */
	new_settings(d, 0, LE_ON, 2000);
	EXPECT(d, VG_MGMT_OP_START_DISCOVERY, 0, 6, 2000);
	vg_discovery_free(d);

	/* No LE at all. */
	d = new_mgmt(0, true, 0);
	up_to_info(d, VG_MGMT_SETTING_POWERED | VG_MGMT_SETTING_BREDR,
		   VG_MGMT_SETTING_POWERED | VG_MGMT_SETTING_BREDR, 0);
	NOTHING(d);
	CHECK_EQ(vg_discovery_error(d), -EOPNOTSUPP);
	vg_discovery_free(d);
}

static void test_failures(void)
{
	struct vg_discovery *d;

	/* Busy: another program discovers. Its events still come, and
	 * when its discovery ends we start ours. */
	d = new_mgmt(0, false, 0);
	up_to_info(d, LE_ON, LE_ON, 0);
	EXPECT(d, VG_MGMT_OP_START_DISCOVERY, 0, 6, 0);
	cmd_status(d, VG_MGMT_OP_START_DISCOVERY, 0, VG_MGMT_BUSY, 10);
	CHECK_EQ(vg_discovery_error(d), -EBUSY);
	CHECK_EQ(vg_discovery_deadline(d), 5010);
	discovering(d, 0, true, 20);
	CHECK(vg_discovery_scanning(d));
	CHECK_EQ(vg_discovery_error(d), 0);
	found(d, 0, addr_h7, VG_MGMT_ADDR_LE_PUBLIC, -50, 0, ad_h7,
	      sizeof(ad_h7), 30);
	CHECK(vg_discovery_pick(d, 30) != NULL);
	discovering(d, 0, false, 4000);
	EXPECT(d, VG_MGMT_OP_START_DISCOVERY, 0, 6, 4000);
	vg_discovery_free(d);

	/* Busy, and retried after 5 s through Read Info. */
	d = new_mgmt(0, false, 0);
	up_to_info(d, LE_ON, LE_ON, 0);
	EXPECT(d, VG_MGMT_OP_START_DISCOVERY, 0, 6, 0);
	complete(d, VG_MGMT_OP_START_DISCOVERY, 0, VG_MGMT_BUSY,
		 (const uint8_t[]){6}, 1, 10);
	vg_discovery_tick(d, 5009);
	NOTHING(d);
	vg_discovery_tick(d, 5010);
	EXPECT(d, VG_MGMT_OP_READ_INFO, 0, -1, 5010);
	reply_info(d, 0, LE_ON, LE_ON, 5010);
	EXPECT(d, VG_MGMT_OP_START_DISCOVERY, 0, 6, 5010);
	vg_discovery_free(d);

	/* Permission Denied: an untrusted socket (no CAP_NET_ADMIN). */
	d = new_mgmt(0, false, 0);
	up_to_info(d, LE_ON, LE_ON, 0);
	EXPECT(d, VG_MGMT_OP_START_DISCOVERY, 0, 6, 0);
	cmd_status(d, VG_MGMT_OP_START_DISCOVERY, 0, VG_MGMT_PERMISSION_DENIED,
		   10);
	CHECK_EQ(vg_discovery_error(d), -EPERM);
	CHECK_EQ(vg_discovery_deadline(d), -1);
	vg_discovery_free(d);

	/* Not Powered from Start Discovery: settings read again. */
	d = new_mgmt(0, false, 0);
	up_to_info(d, LE_ON, LE_ON, 0);
	EXPECT(d, VG_MGMT_OP_START_DISCOVERY, 0, 6, 0);
	cmd_status(d, VG_MGMT_OP_START_DISCOVERY, 0, VG_MGMT_NOT_POWERED, 10);
	EXPECT(d, VG_MGMT_OP_READ_INFO, 0, -1, 10);
	reply_info(d, 0, LE_ON, VG_MGMT_SETTING_LE, 10);
	CHECK_EQ(vg_discovery_error(d), -ENETDOWN);
	vg_discovery_free(d);

	/* Invalid Index: the controller is gone. */
	d = new_mgmt(VG_DISCOVERY_ANY_INDEX, false, 0);
	up_to_info(d, LE_ON, LE_ON, 0);
	EXPECT(d, VG_MGMT_OP_START_DISCOVERY, 0, 6, 0);
	cmd_status(d, VG_MGMT_OP_START_DISCOVERY, 0, VG_MGMT_INVALID_INDEX, 10);
	CHECK_EQ(vg_discovery_error(d), -ENODEV);
	vg_discovery_free(d);

	/* No controller at all. */
	d = new_mgmt(VG_DISCOVERY_ANY_INDEX, false, 0);
	vg_discovery_start(d, 0);
	CHECK_EQ(vg_discovery_error(d), 0); /* not known yet */
	EXPECT(d, VG_MGMT_OP_READ_VERSION, VG_MGMT_INDEX_NONE, -1, 0);
	complete(d, VG_MGMT_OP_READ_VERSION, VG_MGMT_INDEX_NONE, 0,
		 (const uint8_t[]){1, 22, 0}, 3, 0);
	EXPECT(d, VG_MGMT_OP_READ_INDEX_LIST, VG_MGMT_INDEX_NONE, -1, 0);
	reply_index_list(d, NULL, 0, 0);
	CHECK_EQ(vg_discovery_error(d), -ENODEV);
	vg_discovery_free(d);

	/* The index list itself refused. */
	d = new_mgmt(VG_DISCOVERY_ANY_INDEX, false, 0);
	vg_discovery_start(d, 0);
	EXPECT(d, VG_MGMT_OP_READ_VERSION, VG_MGMT_INDEX_NONE, -1, 0);
	cmd_status(d, VG_MGMT_OP_READ_VERSION, VG_MGMT_INDEX_NONE,
		   VG_MGMT_UNKNOWN_COMMAND, 0);
	EXPECT(d, VG_MGMT_OP_READ_INDEX_LIST, VG_MGMT_INDEX_NONE, -1, 0);
	cmd_status(d, VG_MGMT_OP_READ_INDEX_LIST, VG_MGMT_INDEX_NONE,
		   VG_MGMT_PERMISSION_DENIED, 0);
	CHECK_EQ(vg_discovery_error(d), -EPERM);
	vg_discovery_free(d);

	/* A command never answered: timed out after 10 s, retried. */
	d = new_mgmt(0, false, 0);
	up_to_info(d, LE_ON, LE_ON, 0);
	EXPECT(d, VG_MGMT_OP_START_DISCOVERY, 0, 6, 100);
	CHECK_EQ(vg_discovery_deadline(d), 10100);
	vg_discovery_tick(d, 10100);
	CHECK_EQ(vg_discovery_error(d), -ETIMEDOUT);
	CHECK_EQ(vg_discovery_deadline(d), 20100);
	vg_discovery_tick(d, 20100);
	EXPECT(d, VG_MGMT_OP_READ_INFO, 0, -1, 20100);
	/* A late reply to the old command is ignored. */
	complete(d, VG_MGMT_OP_START_DISCOVERY, 0, 0, (const uint8_t[]){6}, 1,
		 20200);
	CHECK(!vg_discovery_scanning(d));
	vg_discovery_free(d);

	/* A write refused by the kernel. */
	d = new_mgmt(0, false, 0);
	vg_discovery_start(d, 0);
	EXPECT(d, VG_MGMT_OP_READ_VERSION, VG_MGMT_INDEX_NONE, -1, 0);
	complete(d, VG_MGMT_OP_READ_VERSION, VG_MGMT_INDEX_NONE, 0, NULL, 0, 0);
	vg_discovery_send_failed(d, -EACCES, 0);
	CHECK_EQ(vg_discovery_error(d), -EPERM);
	vg_discovery_free(d);

	/* Malformed events are refused and change nothing. */
	d = new_mgmt(0, false, 0);
	bring_up(d, (const uint16_t[]){0}, 1, 0);
	CHECK_EQ(feed(d, (const uint8_t[]){0x12, 0, 0, 0, 5, 0, 1}, 7, 10),
		 -EBADMSG);
	CHECK_EQ(feed(d, (const uint8_t[]){0x12, 0, 0, 0, 1, 0, 1}, 7, 10),
		 -EBADMSG);
	CHECK(vg_discovery_scanning(d));
	vg_discovery_free(d);
}

static void test_stop(void)
{
	struct vg_discovery *d = new_mgmt(VG_DISCOVERY_ANY_INDEX, false, 0);
	const struct vg_discovery_candidate *c[4];

	bring_up(d, (const uint16_t[]){0, 1}, 2, 0);
	CHECK(!vg_discovery_pending(d));
	found(d, 0, addr_h7, VG_MGMT_ADDR_LE_PUBLIC, -50, 0, ad_h7,
	      sizeof(ad_h7), 100);
	vg_discovery_stop(d, 200);
	CHECK(vg_discovery_pending(d));
	EXPECT(d, VG_MGMT_OP_STOP_DISCOVERY, 0, 6, 200);
	CHECK(vg_discovery_pending(d));
	complete(d, VG_MGMT_OP_STOP_DISCOVERY, 0, 0, (const uint8_t[]){6}, 1,
		 200);
	EXPECT(d, VG_MGMT_OP_STOP_DISCOVERY, 1, 6, 200);
	complete(d, VG_MGMT_OP_STOP_DISCOVERY, 1, VG_MGMT_REJECTED,
		 (const uint8_t[]){6}, 1, 200);
	NOTHING(d);
	CHECK(!vg_discovery_pending(d));
	CHECK(!vg_discovery_scanning(d));
	/* Kept for the caller, not restarted, no more reports taken. */
	discovering(d, 0, false, 300);
	NOTHING(d);
	found(d, 0, addr_fake, VG_MGMT_ADDR_LE_PUBLIC, -50, 0, ad_fake,
	      sizeof(ad_fake), 300);
	CHECK_EQ(vg_discovery_list(d, c, 4), 1);
	CHECK_EQ(vg_discovery_error(d), 0);
	/* And again. */
	vg_discovery_start(d, 1000);
	EXPECT(d, VG_MGMT_OP_READ_INFO, 0, -1, 1000);
	reply_info(d, 0, LE_ON, LE_ON, 1000);
	EXPECT(d, VG_MGMT_OP_READ_INFO, 1, -1, 1000);
	reply_info(d, 1, LE_ON, LE_ON, 1000);
	EXPECT(d, VG_MGMT_OP_READ_VERSION, VG_MGMT_INDEX_NONE, -1, 1000);
	vg_discovery_free(d);
}

static void test_full_table(void)
{
	struct vg_discovery_config cfg;
	struct vg_discovery *d;
	const struct vg_discovery_candidate *c[8];
	uint8_t a[6] = {1, 2, 3, 4, 5, 0};

	memset(&cfg, 0, sizeof(cfg));
	cfg.mode = VG_DISCOVERY_MGMT;
	cfg.index = 0;
	cfg.max_candidates = 3;
	d = vg_discovery_new(&cfg);
	bring_up(d, (const uint16_t[]){0}, 1, 0);
	for (uint8_t i = 0; i < 3; i++) {
		a[5] = i;
		found(d, 0, a, VG_MGMT_ADDR_LE_RANDOM, -40, 0, ad_govee,
		      sizeof(ad_govee), 100 + i);
	}
	/* A strap pushes out the stalest non-strap. */
	found(d, 0, addr_h7, VG_MGMT_ADDR_LE_PUBLIC, -80, 0, ad_h7,
	      sizeof(ad_h7), 200);
	CHECK_EQ(vg_discovery_list(d, c, 8), 3);
	CHECK(find(d, addr_h7) != NULL);
	a[5] = 0;
	CHECK(find(d, a) == NULL);
	/* Another strap: the next stalest non-strap goes. */
	found(d, 0, addr_fake, VG_MGMT_ADDR_LE_PUBLIC, -80, 0, ad_fake,
	      sizeof(ad_fake), 300);
	a[5] = 1;
	CHECK(find(d, a) == NULL);
	a[5] = 2;
	CHECK(find(d, a) != NULL);
	/* A non-strap newcomer takes the last non-strap's place... */
	a[5] = 9;
	found(d, 0, a, VG_MGMT_ADDR_LE_RANDOM, -40, 0, ad_govee,
	      sizeof(ad_govee), 400);
	CHECK(find(d, a) != NULL);
	/* ...a third strap takes it then; a non-strap cannot get in. */
	a[5] = 10;
	found(d, 0, a, VG_MGMT_ADDR_LE_RANDOM, -40, 0, ad_fake, sizeof(ad_fake),
	      500);
	a[5] = 11;
	found(d, 0, a, VG_MGMT_ADDR_LE_RANDOM, -40, 0, ad_govee,
	      sizeof(ad_govee), 600);
	CHECK(find(d, a) == NULL);
	CHECK_EQ(vg_discovery_list(d, c, 8), 3);
	CHECK(c[0]->heart_rate && c[1]->heart_rate && c[2]->heart_rate);
	/* A fourth strap replaces the stalest strap. */
	a[5] = 12;
	found(d, 0, a, VG_MGMT_ADDR_LE_RANDOM, -40, 0, ad_fake, sizeof(ad_fake),
	      700);
	CHECK(find(d, a) != NULL);
	CHECK(find(d, addr_h7) == NULL);
	vg_discovery_free(d);
}

/* ---- raw HCI ---- */

static bool expect_hci(struct vg_discovery *d, uint16_t op, int p0, int64_t now,
		       int line)
{
	uint8_t b[VG_DISCOVERY_CMD_MAX];
	int n = vg_discovery_peek(d, b, sizeof(b));
	bool ok = n >= 4 && b[0] == VG_HCI_COMMAND_PKT &&
		  (b[1] | b[2] << 8) == op && n == 4 + b[3] &&
		  (p0 < 0 || b[4] == p0);

	if (!vg_test_check(ok, "expected HCI command", __FILE__, line))
		return false;
	vg_discovery_sent(d, now);
	return true;
}
#define EXPECT_HCI(d, op, p0, now) expect_hci((d), (op), (p0), (now), __LINE__)

static void hci_complete(struct vg_discovery *d, uint16_t op, uint8_t status,
			 int64_t now)
{
	uint8_t b[7] = {0x04,  0x0E, 4, 1, (uint8_t)op, (uint8_t)(op >> 8),
			status};
	CHECK_EQ(feed(d, b, sizeof(b), now), 0);
}

/* One LE Advertising Report event with one report. */
static void hci_report(struct vg_discovery *d, uint8_t type, uint8_t atype,
		       const uint8_t a[6], const uint8_t *data, uint8_t dlen,
		       int8_t rssi, int64_t now)
{
	uint8_t b[64];
	size_t n = 0;

	b[n++] = 0x04;
	b[n++] = 0x3E;
	b[n++] = (uint8_t)(2 + 10 + dlen);
	b[n++] = 0x02;
	b[n++] = 1;
	b[n++] = type;
	b[n++] = atype;
	memcpy(b + n, a, 6);
	n += 6;
	b[n++] = dlen;
	memcpy(b + n, data, dlen);
	n += dlen;
	b[n++] = (uint8_t)rssi;
	CHECK_EQ(feed(d, b, n, now), 0);
}

static struct vg_discovery *raw_up(int64_t now)
{
	struct vg_discovery_config cfg;
	struct vg_discovery *d;

	memset(&cfg, 0, sizeof(cfg));
	cfg.mode = VG_DISCOVERY_RAW;
	cfg.index = 0;
	d = vg_discovery_new(&cfg);
	vg_discovery_start(d, now);
	EXPECT_HCI(d, VG_HCI_OP_LE_SET_SCAN_ENABLE, 0, now);
	/* Nothing was scanning: Command Disallowed, and harmless. */
	hci_complete(d, VG_HCI_OP_LE_SET_SCAN_ENABLE, VG_HCI_COMMAND_DISALLOWED,
		     now);
	EXPECT_HCI(d, VG_HCI_OP_LE_SET_SCAN_PARAMS, 1, now);
	hci_complete(d, VG_HCI_OP_LE_SET_SCAN_PARAMS, 0, now);
	EXPECT_HCI(d, VG_HCI_OP_LE_SET_SCAN_ENABLE, 1, now);
	hci_complete(d, VG_HCI_OP_LE_SET_SCAN_ENABLE, 0, now);
	return d;
}

static void test_raw(void)
{
	struct vg_discovery_config cfg;
	struct vg_discovery *d;
	const struct vg_discovery_candidate *c[4], *p;
	uint8_t b[VG_DISCOVERY_CMD_MAX];

	memset(&cfg, 0, sizeof(cfg));
	cfg.mode = VG_DISCOVERY_RAW;
	cfg.index = -1;
	CHECK(vg_discovery_new(&cfg) == NULL); /* needs a device */

	d = raw_up(0);
	CHECK(vg_discovery_scanning(d));
	CHECK_EQ(vg_discovery_error(d), 0);
	/* The H7's advertising data, then its scan response with the
	 * name: one candidate with both. */
	hci_report(d, VG_HCI_ADV_IND, 0, addr_h7, ad_h7, 18, -61, 100);
	hci_report(d, VG_HCI_SCAN_RSP, 0, addr_h7, ad_h7 + 18, 19, -62, 101);
	CHECK_EQ(vg_discovery_list(d, c, 4), 1);
	CHECK(c[0]->hrs && c[0]->connectable);
	CHECK(strcmp(c[0]->name, "Polar H7 D7904C14") == 0);
	CHECK_EQ(c[0]->rssi, -62);
	CHECK_EQ(c[0]->type, VG_ADDR_LE_PUBLIC);
	p = vg_discovery_pick(d, 101);
	CHECK(p && memcmp(p->bdaddr, addr_h7, 6) == 0);
	/* A resolved random identity (type 3) is a random address. */
	hci_report(d, VG_HCI_ADV_IND, 3, addr_fake, ad_fake, sizeof(ad_fake),
		   -50, 102);
	CHECK(find(d, addr_fake) &&
	      find(d, addr_fake)->type == VG_ADDR_LE_RANDOM);
	/* The fake strap starts advertising non-connectable. */
	hci_report(d, VG_HCI_ADV_NONCONN_IND, 3, addr_fake, ad_fake,
		   sizeof(ad_fake), -40, 103);
	p = vg_discovery_pick(d, 103);
	CHECK(p && memcmp(p->bdaddr, addr_h7, 6) == 0);
	/* Completions of the kernel's own commands are not ours. */
	hci_complete(d, VG_HCI_OP_LE_SET_SCAN_ENABLE, 0x0C, 104);
	CHECK(vg_discovery_scanning(d));

	/* A new cycle after 10 s. */
	CHECK_EQ(vg_discovery_deadline(d), 10000);
	vg_discovery_tick(d, 10000);
	EXPECT_HCI(d, VG_HCI_OP_LE_SET_SCAN_ENABLE, 0, 10000);
	hci_complete(d, VG_HCI_OP_LE_SET_SCAN_ENABLE, 0, 10001);
	EXPECT_HCI(d, VG_HCI_OP_LE_SET_SCAN_PARAMS, 1, 10001);
	hci_complete(d, VG_HCI_OP_LE_SET_SCAN_PARAMS, 0, 10002);
	EXPECT_HCI(d, VG_HCI_OP_LE_SET_SCAN_ENABLE, 1, 10002);
	hci_complete(d, VG_HCI_OP_LE_SET_SCAN_ENABLE, 0, 10003);
	CHECK_EQ(vg_discovery_deadline(d), 20003);

	vg_discovery_stop(d, 11000);
	EXPECT_HCI(d, VG_HCI_OP_LE_SET_SCAN_ENABLE, 0, 11000);
	hci_complete(d, VG_HCI_OP_LE_SET_SCAN_ENABLE, 0, 11001);
	CHECK(!vg_discovery_scanning(d));
	CHECK_EQ(vg_discovery_peek(d, b, sizeof(b)), 0);
	vg_discovery_free(d);

	/* No CAP_NET_RAW: the kernel refuses the write. */
	memset(&cfg, 0, sizeof(cfg));
	cfg.mode = VG_DISCOVERY_RAW;
	cfg.index = 0;
	d = vg_discovery_new(&cfg);
	vg_discovery_start(d, 0);
	vg_discovery_send_failed(d, -EPERM, 0);
	CHECK_EQ(vg_discovery_error(d), -EPERM);
	CHECK_EQ(vg_discovery_peek(d, b, sizeof(b)), 0);
	vg_discovery_free(d);

	/* A controller without LE. */
	d = vg_discovery_new(&cfg);
	vg_discovery_start(d, 0);
	EXPECT_HCI(d, VG_HCI_OP_LE_SET_SCAN_ENABLE, 0, 0);
	hci_complete(d, VG_HCI_OP_LE_SET_SCAN_ENABLE, VG_HCI_UNKNOWN_COMMAND,
		     0);
	EXPECT_HCI(d, VG_HCI_OP_LE_SET_SCAN_PARAMS, 1, 0);
	{
		uint8_t st[7] = {0x04, 0x0F, 4,	  VG_HCI_UNKNOWN_COMMAND,
				 1,    0x0B, 0x20};
		CHECK_EQ(feed(d, st, sizeof(st), 1), 0);
	}
	CHECK_EQ(vg_discovery_error(d), -EOPNOTSUPP);
	CHECK_EQ(vg_discovery_peek(d, b, sizeof(b)), 0);
	vg_discovery_free(d);

	/* Scanning held by someone else: retried in 5 s. */
	d = vg_discovery_new(&cfg);
	vg_discovery_start(d, 0);
	EXPECT_HCI(d, VG_HCI_OP_LE_SET_SCAN_ENABLE, 0, 0);
	hci_complete(d, VG_HCI_OP_LE_SET_SCAN_ENABLE, 0, 0);
	EXPECT_HCI(d, VG_HCI_OP_LE_SET_SCAN_PARAMS, 1, 0);
	hci_complete(d, VG_HCI_OP_LE_SET_SCAN_PARAMS, VG_HCI_COMMAND_DISALLOWED,
		     10);
	CHECK_EQ(vg_discovery_error(d), -EBUSY);
	CHECK_EQ(vg_discovery_peek(d, b, sizeof(b)), 0);
	vg_discovery_tick(d, 5010);
	EXPECT_HCI(d, VG_HCI_OP_LE_SET_SCAN_ENABLE, 0, 5010);
	/* Malformed reports are refused. */
	CHECK_EQ(feed(d, (const uint8_t[]){0x04, 0x3E, 3, 0x02, 1, 0}, 6, 5011),
		 -EBADMSG);
	vg_discovery_free(d);
}

static void test_config(void)
{
	struct vg_discovery_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	CHECK(vg_discovery_new(&cfg) == NULL);
	CHECK(vg_discovery_new(NULL) == NULL);
	cfg.mode = VG_DISCOVERY_MGMT;
	cfg.index = -2;
	CHECK(vg_discovery_new(&cfg) == NULL);
	cfg.index = 0;
	cfg.max_age_ms = -1;
	CHECK(vg_discovery_new(&cfg) == NULL);
	vg_discovery_free(NULL);
}

int main(void)
{
	test_happy_path();
	test_restart();
	test_remembered();
	test_ageing();
	test_index_added_removed();
	test_power();
	test_failures();
	test_stop();
	test_full_table();
	test_raw();
	test_config();
	return vg_test_done();
}
