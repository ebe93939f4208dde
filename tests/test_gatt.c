/* SPDX-License-Identifier: MIT */
/*
 * GATT discovery and the Heart Rate profile client, replayed from PDU
 * scripts over a socketpair(AF_UNIX, SOCK_SEQPACKET), after BlueZ's
 * unit/test-gatt.c: each step is a PDU the client must send or one the
 * scripted server sends. The scripts are written byte by byte from Core
 * 5.3 Vol 3 Parts F and G; handles differ from strap to strap on purpose.
 * Also: UUID helpers and list walkers, a truncation sweep, and a run
 * against the simulated strap's own ATT server.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdu_script.h"
#include "test.h"
#include "vagus/att_server.h"
#include "vagus/gatt.h"
#include "vagus/hrp.h"

/* 16-bit UUID @x in its 128-bit base form, little endian. */
#define BASE(x)                                                                \
	0xfb, 0x34, 0x9b, 0x5f, 0x80, 0x00, 0x00, 0x80, 0x00, 0x10, 0x00,      \
	    0x00, (x)&0xff, (x) >> 8, 0x00, 0x00
/* FB005C80-02E7-F387-1CAD-8ACD2D8DF0C8 (a vendor service), little endian. */
#define VENDOR                                                                 \
	0xc8, 0xf0, 0x8d, 0x2d, 0xcd, 0x8a, 0xad, 0x1c, 0x87, 0xf3, 0xe7,      \
	    0x02, 0x80, 0x5c, 0x00, 0xfb

enum act {
	C,	  /* the client must send this PDU */
	S,	  /* the server sends this PDU */
	SEC_OK,	  /* the transport raised security */
	SEC_FAIL, /* raising failed with -arg */
	TICK,	  /* time moves on by arg ms, then tick */
};

struct step {
	enum act act;
	struct pdu p;
	int64_t arg;
};

#define CL(...)                                                                \
	{                                                                      \
		C, PDU(__VA_ARGS__), 0                                         \
	}
#define SV(...)                                                                \
	{                                                                      \
		S, PDU(__VA_ARGS__), 0                                         \
	}
#define STEP(a, n)                                                             \
	{                                                                      \
		(a), {NULL, 0}, (n)                                            \
	}

#define EVLOG_MAX 32

struct ctx {
	struct link l;
	struct vg_hrp *h;
	int64_t now;
	struct vg_hrp_event ev[EVLOG_MAX];
	size_t nev;
};

static void flush(struct ctx *c)
{
	uint8_t buf[VG_ATT_MTU_MAX];
	int n;

	while ((n = vg_hrp_pop_tx(c->h, buf, sizeof(buf))) > 0)
		CHECK(link_write(c->l.cfd, buf, (size_t)n));
	CHECK(n == 0);
}

static void drain(struct ctx *c)
{
	struct vg_hrp_event e;

	while (vg_hrp_next_event(c->h, &e))
		if (CHECK(c->nev < EVLOG_MAX))
			c->ev[c->nev++] = e;
}

static bool ctx_open(struct ctx *c, uint16_t offer)
{
	memset(c, 0, sizeof(*c));
	c->l.cfd = c->l.sfd = -1;
	c->now = 1000;
	c->h = vg_hrp_new(offer);
	if (!CHECK(c->h != NULL) || link_open(&c->l) != 0)
		return false;
	CHECK_EQ(vg_hrp_start(c->h, c->now), 0);
	CHECK_EQ(vg_hrp_start(c->h, c->now), -EALREADY);
	return true;
}

static void ctx_close(struct ctx *c)
{
	vg_hrp_free(c->h);
	link_close(&c->l);
}

/*
 * Plays @n steps as the glue would. Returns false at the first PDU that
 * differs from the script (the rest would only repeat the failure).
 */
static bool play(struct ctx *c, const struct step *s, size_t n,
		 const char *name)
{
	uint8_t rx[SCRIPT_BUF];

	for (size_t i = 0; i < n; i++) {
		ssize_t got;

		c->now += 10;
		switch (s[i].act) {
		case C:
			flush(c);
			if (!server_expect(&c->l, s[i].p, __FILE__, __LINE__)) {
				fprintf(stderr, "  %s: step %zu\n", name, i);
				return false;
			}
			break;
		case S:
			CHECK(link_write(c->l.sfd, s[i].p.b, s[i].p.len));
			got = link_read(c->l.cfd, rx, sizeof(rx));
			if (CHECK(got >= 0))
				vg_hrp_input(c->h, c->now, rx, (size_t)got);
			break;
		case SEC_OK:
			CHECK_EQ(vg_hrp_security_done(c->h, c->now, 0), 0);
			break;
		case SEC_FAIL:
			vg_hrp_security_done(c->h, c->now, (int)-s[i].arg);
			break;
		case TICK:
			c->now += s[i].arg;
			vg_hrp_tick(c->h, c->now);
			break;
		}
		drain(c);
	}
	flush(c);
	if (!SERVER_EXPECT_NOTHING(&c->l)) {
		fprintf(stderr, "  %s: after the script\n", name);
		return false;
	}
	return true;
}

static size_t count(const struct ctx *c, enum vg_hrp_event_type t)
{
	size_t k = 0;

	for (size_t i = 0; i < c->nev; i++)
		k += c->ev[i].type == t;
	return k;
}

/* The @k-th (0-based) event of type @t, or NULL. */
static const struct vg_hrp_event *nth(const struct ctx *c,
				      enum vg_hrp_event_type t, size_t k)
{
	for (size_t i = 0; i < c->nev; i++)
		if (c->ev[i].type == t && k-- == 0)
			return &c->ev[i];
	return NULL;
}

/* Index of the first event of type @t, or -1. */
static int first(const struct ctx *c, enum vg_hrp_event_type t)
{
	for (size_t i = 0; i < c->nev; i++)
		if (c->ev[i].type == t)
			return (int)i;
	return -1;
}

static bool closed_with(const struct ctx *c, int err, const char *piece)
{
	const struct vg_hrp_event *e = nth(c, VG_HRP_EV_CLOSED, 0);
	bool ok = e && e->err == err && strstr(e->text, piece) &&
		  vg_hrp_closed(c->h) && vg_hrp_close_error(c->h) == err &&
		  strcmp(vg_hrp_close_reason(c->h), e->text) == 0;

	if (!ok)
		fprintf(stderr, "  closed: %s (%d), want \"%s\" (%d)\n",
			e ? e->text : "(no CLOSED event)", e ? e->err : 0,
			piece, err);
	return ok;
}

/*
 * A full strap over ATT_MTU 23, so every procedure takes several pages:
 *   0x0001-0x0007 GAP      0x0008-0x000b GATT
 *   0x000c-0x0016 Heart Rate:
 *     0x000d decl 2A37 notify, 0x000e value, 0x000f CCCD
 *     0x0010 decl 2A38 read (128-bit base form), 0x0011 value
 *     0x0012 decl 2A39 write, 0x0013 value
 *     0x0014 decl vendor 128-bit read, 0x0015 value, 0x0016 descriptor
 *   0x0017-0x001b Battery: 0x0018 decl 2A19 read|notify, 0x0019 value,
 *     0x001a CCCD, 0x001b Presentation Format 2904 (128-bit form)
 *   0x001c-0x0024 Device Information: 2A29 @0x001e, 2A24 @0x0020,
 *     2A26 @0x0022, 2A27 @0x0024
 *   0x0025-0x0030 vendor service (128-bit)
 */
static void test_full_strap(void)
{
	const struct step s[] = {
	    CL(0x02, 0x05, 0x02), SV(0x03, 0x17, 0x00),
	    /* Primary services: three pages, then Attribute Not Found. */
	    CL(0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28),
	    SV(0x11, 0x06, 0x01, 0x00, 0x07, 0x00, 0x00, 0x18, 0x08, 0x00, 0x0b,
	       0x00, 0x01, 0x18, 0x0c, 0x00, 0x16, 0x00, 0x0d, 0x18),
	    CL(0x10, 0x17, 0x00, 0xff, 0xff, 0x00, 0x28),
	    SV(0x11, 0x06, 0x17, 0x00, 0x1b, 0x00, 0x0f, 0x18, 0x1c, 0x00, 0x24,
	       0x00, 0x0a, 0x18),
	    CL(0x10, 0x25, 0x00, 0xff, 0xff, 0x00, 0x28),
	    SV(0x11, 0x14, 0x25, 0x00, 0x30, 0x00, VENDOR),
	    CL(0x10, 0x31, 0x00, 0xff, 0xff, 0x00, 0x28),
	    SV(0x01, 0x10, 0x31, 0x00, 0x0a),
	    /* Heart Rate characteristics: 16- and 128-bit pages. */
	    CL(0x08, 0x0c, 0x00, 0x16, 0x00, 0x03, 0x28),
	    SV(0x09, 0x07, 0x0d, 0x00, 0x10, 0x0e, 0x00, 0x37, 0x2a),
	    CL(0x08, 0x0e, 0x00, 0x16, 0x00, 0x03, 0x28),
	    SV(0x09, 0x15, 0x10, 0x00, 0x02, 0x11, 0x00, BASE(0x2a38)),
	    CL(0x08, 0x11, 0x00, 0x16, 0x00, 0x03, 0x28),
	    SV(0x09, 0x07, 0x12, 0x00, 0x08, 0x13, 0x00, 0x39, 0x2a),
	    CL(0x08, 0x13, 0x00, 0x16, 0x00, 0x03, 0x28),
	    SV(0x09, 0x15, 0x14, 0x00, 0x02, 0x15, 0x00, VENDOR),
	    CL(0x08, 0x15, 0x00, 0x16, 0x00, 0x03, 0x28),
	    SV(0x01, 0x08, 0x15, 0x00, 0x0a),
	    /* Battery characteristics. */
	    CL(0x08, 0x17, 0x00, 0x1b, 0x00, 0x03, 0x28),
	    SV(0x09, 0x07, 0x18, 0x00, 0x12, 0x19, 0x00, 0x19, 0x2a),
	    CL(0x08, 0x19, 0x00, 0x1b, 0x00, 0x03, 0x28),
	    SV(0x01, 0x08, 0x19, 0x00, 0x0a),
	    /* Device Information: a full page, one more, then not found. */
	    CL(0x08, 0x1c, 0x00, 0x24, 0x00, 0x03, 0x28),
	    SV(0x09, 0x07, 0x1d, 0x00, 0x02, 0x1e, 0x00, 0x29, 0x2a, 0x1f, 0x00,
	       0x02, 0x20, 0x00, 0x24, 0x2a, 0x21, 0x00, 0x02, 0x22, 0x00, 0x26,
	       0x2a),
	    CL(0x08, 0x22, 0x00, 0x24, 0x00, 0x03, 0x28),
	    SV(0x09, 0x07, 0x23, 0x00, 0x02, 0x24, 0x00, 0x27, 0x2a),
	    CL(0x08, 0x24, 0x00, 0x24, 0x00, 0x03, 0x28),
	    SV(0x01, 0x08, 0x24, 0x00, 0x0a),
	    /* Descriptors: the measurement's range ends before 0x0010. */
	    CL(0x04, 0x0f, 0x00, 0x0f, 0x00),
	    SV(0x05, 0x01, 0x0f, 0x00, 0x02, 0x29),
	    /* The battery level's runs to its service end, two pages. */
	    CL(0x04, 0x1a, 0x00, 0x1b, 0x00),
	    SV(0x05, 0x01, 0x1a, 0x00, 0x02, 0x29),
	    CL(0x04, 0x1b, 0x00, 0x1b, 0x00),
	    SV(0x05, 0x02, 0x1b, 0x00, BASE(0x2904)),
	    /* Reads. */
	    CL(0x0a, 0x11, 0x00), SV(0x0b, 0x01), CL(0x0a, 0x19, 0x00),
	    SV(0x0b, 0x55), CL(0x0a, 0x1e, 0x00),
	    SV(0x0b, 'P', 'o', 'l', 'a', 'r', ' ', 'E', 'l', 'e', 'c', 't', 'r',
	       'o', ' ', 'O', 'y'),
	    CL(0x0a, 0x20, 0x00), SV(0x0b, 'H', '1', '0', 0x00, 'x'),
	    CL(0x0a, 0x22, 0x00),
	    SV(0x0b, '5', '.', '0', 0x1b, '[', '3', '1', 'm', 0xc3, 0xa9, ' ',
	       ' '),
	    /* Subscriptions: battery, then the measurement. */
	    CL(0x12, 0x1a, 0x00, 0x01, 0x00), SV(0x13),
	    CL(0x12, 0x0f, 0x00, 0x01, 0x00), SV(0x13),
	    /* Streaming. */
	    SV(0x1b, 0x0e, 0x00, 0x10, 0x48, 0x00, 0x04),
	    SV(0x1b, 0x19, 0x00, 0x54),
	    SV(0x1b, 0x44, 0x00, 0x01), /* unknown handle: ignored */
	    SV(0x1b, 0x19, 0x00, 0xc8), /* battery 200 %: ignored */
	    SV(0x1d, 0x0e, 0x00, 0x16, 0x40, 0x00, 0x04, 0x10, 0x04), CL(0x1e),
	    SV(0x1b, 0x0e, 0x00, 0x10, 0x48, 0x00), /* odd RR byte */
	};
	struct ctx c;
	const struct vg_hrp_info *in;
	const struct vg_hrp_event *e;
	char u[VG_UUID_STR_MAX];

	if (!ctx_open(&c, 517) ||
	    !play(&c, s, sizeof(s) / sizeof(s[0]), "full strap"))
		goto out;
	in = vg_hrp_info(c.h);
	CHECK(!vg_hrp_closed(c.h));
	CHECK(vg_hrp_ready(c.h));
	CHECK_EQ(in->mtu, 23);
	CHECK_EQ(in->n_services, 6);
	CHECK(!in->services_truncated);
	CHECK_EQ(in->services[2].start, 0x000c);
	CHECK_EQ(in->services[2].end, 0x0016);
	CHECK(vg_uuid_is16(&in->services[2].uuid, 0x180d));
	CHECK(strcmp(vg_uuid_str(&in->services[5].uuid, u, sizeof(u)),
		     "fb005c80-02e7-f387-1cad-8acd2d8df0c8") == 0);
	CHECK(in->hrm.found);
	CHECK_EQ(in->hrm.decl, 0x000d);
	CHECK_EQ(in->hrm.value, 0x000e);
	CHECK_EQ(in->hrm.end, 0x000f);
	CHECK_EQ(in->hrm.cccd, 0x000f);
	CHECK_EQ(in->hrm.props, VG_GATT_PROP_NOTIFY);
	CHECK(in->body_location.found);
	CHECK_EQ(in->body_location.value, 0x0011);
	CHECK_EQ(in->body_location.end, 0x0011);
	CHECK(in->control_point.found);
	CHECK_EQ(in->control_point.value, 0x0013);
	CHECK_EQ(in->control_point.end, 0x0013);
	CHECK_EQ(in->battery.value, 0x0019);
	CHECK_EQ(in->battery.end, 0x001b);
	CHECK_EQ(in->battery.cccd, 0x001a);
	CHECK(in->has_body_location);
	CHECK_EQ(in->body_location_value, VG_BODY_CHEST);
	CHECK(in->has_battery);
	CHECK_EQ(in->battery_percent, 84); /* the notification came after */
	CHECK(in->battery_notifying);
	CHECK(strcmp(in->manufacturer_name, "Polar Electro Oy") == 0);
	CHECK(strcmp(in->model_number, "H10") == 0);
	CHECK(strcmp(in->firmware_revision, "5.0?[31m??") == 0);
	CHECK_EQ(in->ignored_notifications, 2);
	CHECK_EQ(in->events_dropped, 0);

	CHECK_EQ(count(&c, VG_HRP_EV_WARNING), 0);
	CHECK_EQ(count(&c, VG_HRP_EV_CLOSED), 0);
	CHECK_EQ(count(&c, VG_HRP_EV_READY), 1);
	/* The read battery level comes before READY, the measurements after. */
	CHECK(first(&c, VG_HRP_EV_BATTERY) < first(&c, VG_HRP_EV_READY));
	CHECK(first(&c, VG_HRP_EV_READY) < first(&c, VG_HRP_EV_MEASUREMENT));
	CHECK_EQ(count(&c, VG_HRP_EV_BATTERY), 2);
	e = nth(&c, VG_HRP_EV_BATTERY, 0);
	CHECK(e && e->battery == 85);
	e = nth(&c, VG_HRP_EV_BATTERY, 1);
	CHECK(e && e->battery == 84);

	CHECK_EQ(count(&c, VG_HRP_EV_MEASUREMENT), 3);
	e = nth(&c, VG_HRP_EV_MEASUREMENT, 0);
	if (CHECK(e)) {
		CHECK_EQ(e->err, 0);
		CHECK_EQ(e->hrm.hr_bpm, 72);
		CHECK_EQ(e->hrm.rr_count, 1);
		CHECK_EQ(e->hrm.rr[0], 1024);
		CHECK_EQ(e->raw_len, 4);
		CHECK(e->raw[0] == 0x10 && e->raw[1] == 0x48);
	}
	e = nth(&c, VG_HRP_EV_MEASUREMENT, 1); /* by indication */
	if (CHECK(e)) {
		CHECK_EQ(e->err, 0);
		CHECK_EQ(e->hrm.hr_bpm, 64);
		CHECK_EQ(e->hrm.contact, VG_CONTACT_OK);
		CHECK_EQ(e->hrm.rr_count, 2);
		CHECK_EQ(e->hrm.rr[1], 1040);
	}
	e = nth(&c, VG_HRP_EV_MEASUREMENT, 2);
	if (CHECK(e)) {
		CHECK_EQ(e->err, -EBADMSG);
		CHECK_EQ(e->raw_len, 3); /* kept for the journal */
	}
	CHECK_EQ(vg_hrp_next_deadline(c.h), VG_ATT_NEVER);
out:
	ctx_close(&c);
}

/*
 * A strap with nothing but the Heart Rate Service, which runs to 0xffff
 * (discovery ends by exhausting the range), a CCCD given as a 128-bit
 * UUID, a server that offers more MTU than we do, and a measurement that
 * comes before the subscription is confirmed.
 */
static void test_minimal_strap(void)
{
	const struct step s[] = {
	    CL(0x02, 0xb9, 0x00),
	    SV(0x03, 0x05, 0x02),
	    CL(0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28),
	    SV(0x11, 0x06, 0x01, 0x00, 0x05, 0x00, 0x00, 0x18, 0x06, 0x00, 0xff,
	       0xff, 0x0d, 0x18),
	    CL(0x08, 0x06, 0x00, 0xff, 0xff, 0x03, 0x28),
	    SV(0x09, 0x07, 0x07, 0x00, 0x10, 0x08, 0x00, 0x37, 0x2a),
	    CL(0x08, 0x08, 0x00, 0xff, 0xff, 0x03, 0x28),
	    SV(0x01, 0x08, 0x08, 0x00, 0x0a),
	    CL(0x04, 0x09, 0x00, 0xff, 0xff),
	    SV(0x05, 0x02, 0x09, 0x00, BASE(0x2902)),
	    CL(0x04, 0x0a, 0x00, 0xff, 0xff),
	    SV(0x01, 0x04, 0x0a, 0x00, 0x0a),
	    CL(0x12, 0x09, 0x00, 0x01, 0x00),
	    SV(0x1b, 0x08, 0x00, 0x00, 0x3c),
	    SV(0x13),
	};
	struct ctx c;
	const struct vg_hrp_info *in;

	if (!ctx_open(&c, 185) ||
	    !play(&c, s, sizeof(s) / sizeof(s[0]), "minimal strap"))
		goto out;
	in = vg_hrp_info(c.h);
	CHECK(vg_hrp_ready(c.h));
	CHECK_EQ(in->mtu, 185);
	CHECK_EQ(in->hrm.end, 0xffff);
	CHECK_EQ(in->hrm.cccd, 0x0009);
	CHECK(!in->battery.found);
	CHECK(!in->has_battery);
	CHECK(!in->has_body_location);
	CHECK(strcmp(in->manufacturer_name, "") == 0);
	CHECK_EQ(count(&c, VG_HRP_EV_WARNING), 0);
	CHECK_EQ(count(&c, VG_HRP_EV_BATTERY), 0);
	CHECK_EQ(count(&c, VG_HRP_EV_MEASUREMENT), 1);
	CHECK(first(&c, VG_HRP_EV_MEASUREMENT) < first(&c, VG_HRP_EV_READY));
	CHECK_EQ(nth(&c, VG_HRP_EV_MEASUREMENT, 0)->hrm.hr_bpm, 60);
out:
	ctx_close(&c);
}

/* What a heart-rate client cannot do without: each a clear close. */
static void test_missing_essentials(void)
{
	struct ctx c;

	/* No Heart Rate Service at all. */
	{
		const struct step s[] = {
		    CL(0x02, 0x17, 0x00),
		    SV(0x03, 0x17, 0x00),
		    CL(0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28),
		    SV(0x11, 0x06, 0x01, 0x00, 0x05, 0x00, 0x00, 0x18, 0x06,
		       0x00, 0x09, 0x00, 0x0f, 0x18),
		    CL(0x10, 0x0a, 0x00, 0xff, 0xff, 0x00, 0x28),
		    SV(0x01, 0x10, 0x0a, 0x00, 0x0a),
		};
		if (ctx_open(&c, 23) &&
		    play(&c, s, sizeof(s) / sizeof(s[0]), "no HRS"))
			CHECK(closed_with(&c, -ENOENT,
					  "no Heart Rate Service (0x180d)"));
		ctx_close(&c);
	}
	/* A Heart Rate Service without 0x2A37. */
	{
		const struct step s[] = {
		    CL(0x02, 0x17, 0x00),
		    SV(0x03, 0x17, 0x00),
		    CL(0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28),
		    SV(0x11, 0x06, 0x01, 0x00, 0x03, 0x00, 0x0d, 0x18),
		    CL(0x10, 0x04, 0x00, 0xff, 0xff, 0x00, 0x28),
		    SV(0x01, 0x10, 0x04, 0x00, 0x0a),
		    CL(0x08, 0x01, 0x00, 0x03, 0x00, 0x03, 0x28),
		    SV(0x09, 0x07, 0x02, 0x00, 0x02, 0x03, 0x00, 0x38, 0x2a),
		    CL(0x08, 0x03, 0x00, 0x03, 0x00, 0x03, 0x28),
		    SV(0x01, 0x08, 0x03, 0x00, 0x0a),
		};
		if (ctx_open(&c, 23) &&
		    play(&c, s, sizeof(s) / sizeof(s[0]), "no 2A37"))
			CHECK(closed_with(&c, -ENOENT,
					  "no Heart Rate Measurement"));
		ctx_close(&c);
	}
	/* 0x2A37 whose descriptors hold no CCCD. */
	{
		const struct step s[] = {
		    CL(0x02, 0x17, 0x00),
		    SV(0x03, 0x17, 0x00),
		    CL(0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28),
		    SV(0x11, 0x06, 0x01, 0x00, 0x04, 0x00, 0x0d, 0x18),
		    CL(0x10, 0x05, 0x00, 0xff, 0xff, 0x00, 0x28),
		    SV(0x01, 0x10, 0x05, 0x00, 0x0a),
		    CL(0x08, 0x01, 0x00, 0x04, 0x00, 0x03, 0x28),
		    SV(0x09, 0x07, 0x02, 0x00, 0x10, 0x03, 0x00, 0x37, 0x2a),
		    CL(0x08, 0x03, 0x00, 0x04, 0x00, 0x03, 0x28),
		    SV(0x01, 0x08, 0x03, 0x00, 0x0a),
		    CL(0x04, 0x04, 0x00, 0x04, 0x00),
		    SV(0x05, 0x01, 0x04, 0x00, 0x01, 0x29),
		};
		if (ctx_open(&c, 23) &&
		    play(&c, s, sizeof(s) / sizeof(s[0]), "no CCCD"))
			CHECK(closed_with(&c, -ENOENT,
					  "has no Client Characteristic "
					  "Configuration"));
		ctx_close(&c);
	}
	/* 0x2A37 as the last handle of its service: no room for a CCCD. */
	{
		const struct step s[] = {
		    CL(0x02, 0x17, 0x00),
		    SV(0x03, 0x17, 0x00),
		    CL(0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28),
		    SV(0x11, 0x06, 0x01, 0x00, 0x03, 0x00, 0x0d, 0x18, 0x04,
		       0x00, 0x08, 0x00, 0x0f, 0x18),
		    CL(0x10, 0x09, 0x00, 0xff, 0xff, 0x00, 0x28),
		    SV(0x01, 0x10, 0x09, 0x00, 0x0a),
		    CL(0x08, 0x01, 0x00, 0x03, 0x00, 0x03, 0x28),
		    SV(0x09, 0x07, 0x02, 0x00, 0x10, 0x03, 0x00, 0x37, 0x2a),
		    CL(0x08, 0x03, 0x00, 0x03, 0x00, 0x03, 0x28),
		    SV(0x01, 0x08, 0x03, 0x00, 0x0a),
		    /* Battery service: no characteristics. */
		    CL(0x08, 0x04, 0x00, 0x08, 0x00, 0x03, 0x28),
		    SV(0x01, 0x08, 0x04, 0x00, 0x0a),
		};
		if (ctx_open(&c, 23) &&
		    play(&c, s, sizeof(s) / sizeof(s[0]), "HRM at end"))
			CHECK(closed_with(&c, -ENOENT, "0x0003"));
		ctx_close(&c);
	}
}

/*
 * The strap of the security scripts, up to its first read:
 *   0x0001-0x0006 Heart Rate: 0x0002 decl 2A37 notify, 0x0003 value,
 *   0x0004 CCCD, 0x0005 decl 2A38 read, 0x0006 value.
 */
#define SEC_PREFIX                                                             \
	CL(0x02, 0x17, 0x00), SV(0x03, 0x17, 0x00),                            \
	    CL(0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28),                      \
	    SV(0x11, 0x06, 0x01, 0x00, 0x06, 0x00, 0x0d, 0x18),                \
	    CL(0x10, 0x07, 0x00, 0xff, 0xff, 0x00, 0x28),                      \
	    SV(0x01, 0x10, 0x07, 0x00, 0x0a),                                  \
	    CL(0x08, 0x01, 0x00, 0x06, 0x00, 0x03, 0x28),                      \
	    SV(0x09, 0x07, 0x02, 0x00, 0x10, 0x03, 0x00, 0x37, 0x2a, 0x05,     \
	       0x00, 0x02, 0x06, 0x00, 0x38, 0x2a),                            \
	    CL(0x08, 0x06, 0x00, 0x06, 0x00, 0x03, 0x28),                      \
	    SV(0x01, 0x08, 0x06, 0x00, 0x0a),                                  \
	    CL(0x04, 0x04, 0x00, 0x04, 0x00),                                  \
	    SV(0x05, 0x01, 0x04, 0x00, 0x02, 0x29)

/* Insufficient authentication/encryption: raise, retry once, give up. */
static void test_security(void)
{
	struct ctx c;

	/*
	 * The location read wants encryption twice (a warning: optional);
	 * the CCCD write wants authentication, which works at high.
	 */
	{
		const struct step s[] = {
		    SEC_PREFIX,
		    CL(0x0a, 0x06, 0x00),
		    SV(0x01, 0x0a, 0x06, 0x00, 0x0f),
		    STEP(SEC_OK, 0),
		    CL(0x0a, 0x06, 0x00),
		    SV(0x01, 0x0a, 0x06, 0x00, 0x0f),
		    CL(0x12, 0x04, 0x00, 0x01, 0x00),
		    SV(0x01, 0x12, 0x04, 0x00, 0x05),
		    STEP(SEC_OK, 0),
		    CL(0x12, 0x04, 0x00, 0x01, 0x00),
		    SV(0x13),
		};
		if (ctx_open(&c, 23) &&
		    play(&c, s, sizeof(s) / sizeof(s[0]), "security ok")) {
			const struct vg_hrp_event *w;

			CHECK(vg_hrp_ready(c.h));
			CHECK(!vg_hrp_closed(c.h));
			CHECK_EQ(count(&c, VG_HRP_EV_SECURITY), 2);
			CHECK_EQ(nth(&c, VG_HRP_EV_SECURITY, 0)->security,
				 VG_ATT_SEC_MEDIUM);
			CHECK_EQ(nth(&c, VG_HRP_EV_SECURITY, 1)->security,
				 VG_ATT_SEC_HIGH);
			w = nth(&c, VG_HRP_EV_WARNING, 0);
			CHECK(w && strstr(w->text, "Body Sensor Location") &&
			      strstr(w->text, "Insufficient Encryption") &&
			      strstr(w->text, "even after raising"));
			CHECK(!vg_hrp_info(c.h)->has_body_location);
		}
		ctx_close(&c);
	}
	/* The CCCD write fails again after the raise: a clear close. */
	{
		const struct step s[] = {
		    SEC_PREFIX,
		    CL(0x0a, 0x06, 0x00),
		    SV(0x0b, 0x01),
		    CL(0x12, 0x04, 0x00, 0x01, 0x00),
		    SV(0x01, 0x12, 0x04, 0x00, 0x05),
		    STEP(SEC_OK, 0),
		    CL(0x12, 0x04, 0x00, 0x01, 0x00),
		    SV(0x01, 0x12, 0x04, 0x00, 0x05),
		};
		if (ctx_open(&c, 23) &&
		    play(&c, s, sizeof(s) / sizeof(s[0]), "security twice")) {
			CHECK(!vg_hrp_ready(c.h));
			CHECK(closed_with(&c, -EPROTO,
					  "subscribing to Heart Rate "
					  "Measurement failed: Insufficient "
					  "Authentication (0x05) at handle "
					  "0x0004, even after raising link "
					  "security"));
		}
		ctx_close(&c);
	}
	/* The transport cannot raise security (pairing refused). */
	{
		const struct step s[] = {
		    SEC_PREFIX,
		    CL(0x0a, 0x06, 0x00),
		    SV(0x0b, 0x01),
		    CL(0x12, 0x04, 0x00, 0x01, 0x00),
		    SV(0x01, 0x12, 0x04, 0x00, 0x0c),
		    STEP(SEC_FAIL, EACCES),
		};
		if (ctx_open(&c, 23) &&
		    play(&c, s, sizeof(s) / sizeof(s[0]), "security fails")) {
			CHECK(closed_with(&c, -EPROTO,
					  "raising link security failed"));
			CHECK_EQ(vg_hrp_security_done(c.h, c.now, 0),
				 -ENOTCONN);
		}
		ctx_close(&c);
	}
}

/* A link already encrypted: "insufficient encryption" cannot be helped. */
static void test_security_already_medium(void)
{
	const struct step s[] = {
	    SEC_PREFIX,
	    CL(0x0a, 0x06, 0x00),
	    SV(0x0b, 0x01),
	    CL(0x12, 0x04, 0x00, 0x01, 0x00),
	    SV(0x01, 0x12, 0x04, 0x00, 0x0f),
	};
	struct ctx c;

	if (ctx_open(&c, 23)) {
		vg_hrp_set_security(c.h, VG_ATT_SEC_MEDIUM);
		if (play(&c, s, sizeof(s) / sizeof(s[0]), "at medium")) {
			CHECK_EQ(count(&c, VG_HRP_EV_SECURITY), 0);
			CHECK(closed_with(&c, -EPROTO,
					  "Insufficient Encryption (0x0f) at "
					  "handle 0x0004"));
			CHECK(!strstr(vg_hrp_close_reason(c.h), "even after"));
		}
	}
	ctx_close(&c);
}

/* Error responses where the profile can go on, and where it cannot. */
static void test_error_responses(void)
{
	struct ctx c;

	/* Battery discovery fails, a DIS read is refused: warnings only. */
	{
		const struct step s[] = {
		    CL(0x02, 0x17, 0x00),
		    SV(0x03, 0x17, 0x00),
		    CL(0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28),
		    SV(0x11, 0x06, 0x01, 0x00, 0x04, 0x00, 0x0d, 0x18, 0x05,
		       0x00, 0x08, 0x00, 0x0f, 0x18, 0x09, 0x00, 0x0b, 0x00,
		       0x0a, 0x18),
		    CL(0x10, 0x0c, 0x00, 0xff, 0xff, 0x00, 0x28),
		    SV(0x01, 0x10, 0x0c, 0x00, 0x0a),
		    CL(0x08, 0x01, 0x00, 0x04, 0x00, 0x03, 0x28),
		    SV(0x09, 0x07, 0x02, 0x00, 0x10, 0x03, 0x00, 0x37, 0x2a),
		    CL(0x08, 0x03, 0x00, 0x04, 0x00, 0x03, 0x28),
		    SV(0x01, 0x08, 0x03, 0x00, 0x0a),
		    CL(0x08, 0x05, 0x00, 0x08, 0x00, 0x03, 0x28),
		    SV(0x01, 0x08, 0x05, 0x00, 0x0e),
		    CL(0x08, 0x09, 0x00, 0x0b, 0x00, 0x03, 0x28),
		    SV(0x09, 0x07, 0x0a, 0x00, 0x02, 0x0b, 0x00, 0x29, 0x2a),
		    CL(0x08, 0x0b, 0x00, 0x0b, 0x00, 0x03, 0x28),
		    SV(0x01, 0x08, 0x0b, 0x00, 0x0a),
		    CL(0x04, 0x04, 0x00, 0x04, 0x00),
		    SV(0x05, 0x01, 0x04, 0x00, 0x02, 0x29),
		    CL(0x0a, 0x0b, 0x00),
		    SV(0x01, 0x0a, 0x0b, 0x00, 0x02),
		    CL(0x12, 0x04, 0x00, 0x01, 0x00),
		    SV(0x13),
		};
		if (ctx_open(&c, 23) &&
		    play(&c, s, sizeof(s) / sizeof(s[0]), "warnings")) {
			const struct vg_hrp_event *w0, *w1;

			CHECK(vg_hrp_ready(c.h));
			CHECK_EQ(count(&c, VG_HRP_EV_WARNING), 2);
			w0 = nth(&c, VG_HRP_EV_WARNING, 0);
			w1 = nth(&c, VG_HRP_EV_WARNING, 1);
			CHECK(w0 && strstr(w0->text, "Battery Service") &&
			      strstr(w0->text, "Unlikely Error"));
			CHECK(w1 && strstr(w1->text, "Manufacturer Name") &&
			      strstr(w1->text, "Read Not Permitted"));
		}
		ctx_close(&c);
	}
	/* Primary service discovery refused: nothing to go on. */
	{
		const struct step s[] = {
		    CL(0x02, 0x17, 0x00),
		    SV(0x03, 0x17, 0x00),
		    CL(0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28),
		    SV(0x01, 0x10, 0x01, 0x00, 0x0e),
		};
		if (ctx_open(&c, 23) &&
		    play(&c, s, sizeof(s) / sizeof(s[0]), "no discovery"))
			CHECK(closed_with(&c, -EPROTO,
					  "primary service discovery failed: "
					  "Unlikely Error"));
		ctx_close(&c);
	}
	/*
	 * Attribute Not Found on the very first page is "no services":
	 * the Heart Rate Service is then missing.
	 */
	{
		const struct step s[] = {
		    CL(0x02, 0x17, 0x00),
		    SV(0x03, 0x17, 0x00),
		    CL(0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28),
		    SV(0x01, 0x10, 0x01, 0x00, 0x0a),
		};
		if (ctx_open(&c, 23) &&
		    play(&c, s, sizeof(s) / sizeof(s[0]), "empty"))
			CHECK(closed_with(&c, -ENOENT, "no Heart Rate"));
		ctx_close(&c);
	}
}

/* 30 s without an answer in the middle of discovery ends the link. */
static void test_timeout(void)
{
	const struct step s[] = {
	    CL(0x02, 0x17, 0x00),
	    SV(0x03, 0x17, 0x00),
	    CL(0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28),
	    STEP(TICK, 29000),
	    STEP(TICK, 960),
	};
	const struct step s2[] = {
	    STEP(TICK, 10),
	};
	struct ctx c;

	if (ctx_open(&c, 23) &&
	    play(&c, s, sizeof(s) / sizeof(s[0]), "timeout")) {
		/* The request became outstanding at 1020 (after the MTU). */
		CHECK_EQ(vg_hrp_next_deadline(c.h), 1020 + 30000);
		CHECK(!vg_hrp_closed(c.h));
		CHECK(play(&c, s2, 1, "timeout 2"));
		CHECK(closed_with(&c, -ETIMEDOUT, "ATT transaction timeout"));
		CHECK_EQ(vg_hrp_next_deadline(c.h), VG_ATT_NEVER);
		CHECK_EQ(vg_hrp_input(c.h, c.now, (const uint8_t[]){0x1b}, 1),
			 -ENOTCONN);
	}
	ctx_close(&c);
}

/* Servers that break GATT's rules lose the link, with a reason. */
static void test_gatt_violations(void)
{
	static const struct {
		const char *name;
		int err;
		const char *reason;
	} want[] = {
	    {"services out of order", -EPROTO, "out of order"},
	    {"services repeat", -EPROTO, "out of order"},
	    {"service entry length 5", -EBADMSG, "entry length 5"},
	    {"value outside service", -EPROTO, "outside its service"},
	    {"characteristic entry length 9", -EBADMSG, "entry length 9"},
	    {"descriptor outside range", -EPROTO, "descriptor handle"},
	    {"wrong response opcode", -EPROTO, "while Read By Type"},
	};
	const struct step pre[] = {
	    CL(0x02, 0x17, 0x00),
	    SV(0x03, 0x17, 0x00),
	    CL(0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28),
	};
	const struct step hrs[] = {
	    SV(0x11, 0x06, 0x01, 0x00, 0x06, 0x00, 0x0d, 0x18),
	    CL(0x10, 0x07, 0x00, 0xff, 0xff, 0x00, 0x28),
	    SV(0x01, 0x10, 0x07, 0x00, 0x0a),
	    CL(0x08, 0x01, 0x00, 0x06, 0x00, 0x03, 0x28),
	};
	const struct step tails[][5] = {
	    {SV(0x11, 0x06, 0x10, 0x00, 0x20, 0x00, 0x0d, 0x18, 0x05, 0x00,
		0x08, 0x00, 0x0f, 0x18)},
	    {SV(0x11, 0x06, 0x01, 0x00, 0x05, 0x00, 0x00, 0x18),
	     CL(0x10, 0x06, 0x00, 0xff, 0xff, 0x00, 0x28),
	     SV(0x11, 0x06, 0x01, 0x00, 0x05, 0x00, 0x00, 0x18)},
	    {SV(0x11, 0x05, 0x01, 0x00, 0x05, 0x00, 0x0d)},
	    {SV(0x09, 0x07, 0x02, 0x00, 0x10, 0x09, 0x00, 0x37, 0x2a)},
	    {SV(0x09, 0x09, 0x02, 0x00, 0x10, 0x03, 0x00, 0x37, 0x2a, 0x00,
		0x00)},
	    {SV(0x09, 0x07, 0x02, 0x00, 0x10, 0x03, 0x00, 0x37, 0x2a),
	     CL(0x08, 0x03, 0x00, 0x06, 0x00, 0x03, 0x28),
	     SV(0x01, 0x08, 0x03, 0x00, 0x0a), CL(0x04, 0x04, 0x00, 0x06, 0x00),
	     SV(0x05, 0x01, 0x07, 0x00, 0x02, 0x29)},
	    {SV(0x0b, 0x01)},
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct ctx c;
		size_t nt = 0;

		while (nt < 5 && tails[i][nt].p.b)
			nt++;
		if (!ctx_open(&c, 23) || !play(&c, pre, 3, want[i].name)) {
			ctx_close(&c);
			continue;
		}
		if (i >= 3 && !play(&c, hrs, 4, want[i].name)) {
			ctx_close(&c);
			continue;
		}
		play(&c, tails[i], nt, want[i].name);
		if (!CHECK(closed_with(&c, want[i].err, want[i].reason)))
			fprintf(stderr, "  case: %s\n", want[i].name);
		CHECK_EQ(count(&c, VG_HRP_EV_CLOSED), 1);
		ctx_close(&c);
	}
}

/* A caller that never drains: events are counted as dropped, a close
 * still gets through. */
static void test_event_overflow(void)
{
	struct vg_hrp *h = vg_hrp_new(23);
	struct vg_hrp_event e;
	size_t n = 0;
	bool closed = false;

	if (!CHECK(h != NULL))
		return;
	vg_hrp_start(h, 0);
	for (int i = 0; i < 20; i++) /* unknown handles: nothing queued */
		vg_hrp_input(h, 0, (const uint8_t[]){0x1b, 0x01, 0x00}, 3);
	CHECK_EQ(vg_hrp_info(h)->ignored_notifications, 20);
	CHECK(!vg_hrp_next_event(h, &e));
	/* Server requests answered without draining: ATT's own bound. */
	for (int i = 0; i < 20 && !vg_hrp_closed(h); i++)
		vg_hrp_input(h, 0, (const uint8_t[]){0x0a, 0x01, 0x00}, 3);
	CHECK(vg_hrp_closed(h));
	while (vg_hrp_next_event(h, &e)) {
		n++;
		closed |= e.type == VG_HRP_EV_CLOSED;
	}
	CHECK(closed);
	CHECK(n >= 1);
	vg_hrp_free(h);
}

/* UUIDs: both forms of a 16-bit UUID compare equal. */
static void test_uuid(void)
{
	const uint8_t le16[2] = {0x0d, 0x18};
	const uint8_t le128[16] = {BASE(0x180d)};
	const uint8_t vendor[16] = {VENDOR};
	struct vg_uuid a, b, v;
	uint16_t x = 0;
	char s[VG_UUID_STR_MAX];

	CHECK_EQ(vg_uuid_from_le(&a, le16, 2), 0);
	CHECK_EQ(vg_uuid_from_le(&b, le128, 16), 0);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0);
	CHECK(vg_uuid_to16(&b, &x) && x == 0x180d);
	CHECK(vg_uuid_is16(&b, 0x180d));
	CHECK(!vg_uuid_is16(&b, 0x180f));
	CHECK(strcmp(vg_uuid_str(&a, s, sizeof(s)), "180d") == 0);
	CHECK_EQ(vg_uuid_from_le(&v, vendor, 16), 0);
	CHECK(!vg_uuid_to16(&v, &x));
	CHECK(strcmp(vg_uuid_str(&v, s, sizeof(s)),
		     "fb005c80-02e7-f387-1cad-8acd2d8df0c8") == 0);
	CHECK_EQ(vg_uuid_from_le(&v, vendor, 4), -EBADMSG);
	CHECK_EQ(vg_uuid_from_le(&v, vendor, 0), -EBADMSG);
	a = vg_uuid16(0x2902);
	CHECK(strcmp(vg_uuid_str(&a, s, sizeof(s)), "2902") == 0);
	/* A 32-bit UUID on the base is not a 16-bit one. */
	b = vg_uuid16(0x2902);
	b.le[14] = 0x01;
	CHECK(!vg_uuid_is16(&b, 0x2902));
	CHECK(strcmp(vg_uuid_str(&b, s, sizeof(s)),
		     "00012902-0000-1000-8000-00805f9b34fb") == 0);
}

/* The list walkers over every cut of valid responses. */
static void test_list_truncation(void)
{
	const uint8_t svcs[] = {0x06, 0x01, 0x00, 0x05, 0x00, 0x00, 0x18,
				0x06, 0x00, 0x09, 0x00, 0x0d, 0x18};
	const uint8_t chars[] = {0x15, 0x10, 0x00,	  0x02,
				 0x11, 0x00, BASE(0x2a38)};
	const uint8_t descs[] = {0x01, 0x04, 0x00, 0x02, 0x29,
				 0x05, 0x00, 0x01, 0x29};
	struct vg_gatt_iter it;
	struct vg_gatt_service s;
	struct vg_gatt_char ch;
	struct vg_gatt_desc d;
	size_t n;

	for (size_t cut = 0; cut <= sizeof(svcs); cut++) {
		bool whole = cut == 7 || cut == 13;

		CHECK_EQ(vg_gatt_iter_services(&it, svcs, cut),
			 whole ? 0 : -EBADMSG);
		for (n = 0; vg_gatt_next_service(&it, &s); n++)
			;
		CHECK_EQ(n, whole ? (cut - 1) / 6 : 0);
	}
	CHECK_EQ(vg_gatt_iter_services(&it, svcs, sizeof(svcs)), 0);
	CHECK(vg_gatt_next_service(&it, &s));
	CHECK(s.start == 1 && s.end == 5 && vg_uuid_is16(&s.uuid, 0x1800));
	CHECK(vg_gatt_next_service(&it, &s));
	CHECK(s.start == 6 && s.end == 9 && vg_uuid_is16(&s.uuid, 0x180d));
	CHECK(!vg_gatt_next_service(&it, &s));

	for (size_t cut = 0; cut <= sizeof(chars); cut++) {
		bool whole = cut == sizeof(chars);

		CHECK_EQ(vg_gatt_iter_chars(&it, chars, cut),
			 whole ? 0 : -EBADMSG);
		CHECK_EQ(vg_gatt_next_char(&it, &ch), whole);
	}
	CHECK(ch.decl == 0x10 && ch.value == 0x11 && ch.props == 0x02 &&
	      vg_uuid_is16(&ch.uuid, 0x2a38));

	for (size_t cut = 0; cut <= sizeof(descs); cut++) {
		bool whole = cut == 5 || cut == 9;

		CHECK_EQ(vg_gatt_iter_descs(&it, descs, cut),
			 whole ? 0 : -EBADMSG);
		for (n = 0; vg_gatt_next_desc(&it, &d); n++)
			;
		CHECK_EQ(n, whole ? (cut - 1) / 4 : 0);
	}
	CHECK_EQ(vg_gatt_iter_descs(&it, NULL, 0), -EBADMSG);
	CHECK(!vg_gatt_next_desc(&it, &d));
}

static void test_sanitize(void)
{
	char out[8];

	CHECK_EQ(vg_hrp_sanitize((const uint8_t *)"Polar", 5, out, sizeof(out)),
		 5);
	CHECK(strcmp(out, "Polar") == 0);
	/* Cut to fit, always terminated. */
	CHECK_EQ(vg_hrp_sanitize((const uint8_t *)"0123456789", 10, out,
				 sizeof(out)),
		 7);
	CHECK(strcmp(out, "0123456") == 0);
	CHECK_EQ(vg_hrp_sanitize((const uint8_t[]){'a', '\n', 0x7f, 0x80}, 4,
				 out, sizeof(out)),
		 4);
	CHECK(strcmp(out, "a???") == 0);
	CHECK_EQ(vg_hrp_sanitize((const uint8_t *)"   ", 3, out, sizeof(out)),
		 0);
	CHECK_EQ(vg_hrp_sanitize(NULL, 0, out, 1), 0);
	CHECK(out[0] == '\0');
}

/*
 * Against the simulated strap's ATT server (src/core/att_server.c, written
 * separately from the spec): discovery must agree with it.
 */
static void test_against_sim_server(void)
{
	struct vg_atts *s = vg_atts_new();
	struct vg_hrp *h = vg_hrp_new(517);
	const uint8_t chest = 1, battery = 87;
	uint8_t pdu[VG_ATT_MTU_MAX], rsp[VG_ATT_MTU_MAX];
	const uint8_t hrm[] = {0x10, 0x48, 0x00, 0x04, 0x10, 0x04};
	struct vg_atts_event sev;
	struct vg_hrp_event e;
	const struct vg_hrp_info *in;
	int hrm_h, n, guard = 0;
	size_t measurements = 0;

	if (!CHECK(s && h))
		goto out;
	vg_atts_add_service(s, 0x180d);
	hrm_h = vg_atts_add_char(s, 0x2a37, VG_ATTS_PROP_NOTIFY, NULL, 0);
	vg_atts_add_char(s, 0x2a38, VG_ATTS_PROP_READ, &chest, 1);
	vg_atts_add_service(s, 0x180f);
	vg_atts_add_char(s, 0x2a19, VG_ATTS_PROP_READ | VG_ATTS_PROP_NOTIFY,
			 &battery, 1);
	vg_atts_add_service(s, 0x180a);
	vg_atts_add_char(s, 0x2a29, VG_ATTS_PROP_READ, (const uint8_t *)"Vagus",
			 5);
	vg_atts_add_char(s, 0x2a24, VG_ATTS_PROP_READ, (const uint8_t *)"VG-1",
			 4);

	vg_hrp_start(h, 0);
	while (!vg_hrp_ready(h) && !vg_hrp_closed(h) && guard++ < 200) {
		n = vg_hrp_pop_tx(h, pdu, sizeof(pdu));
		if (n <= 0)
			break;
		n = vg_atts_input(s, pdu, (size_t)n, rsp, sizeof(rsp), &sev);
		if (n > 0)
			vg_hrp_input(h, guard, rsp, (size_t)n);
	}
	in = vg_hrp_info(h);
	CHECK(vg_hrp_ready(h));
	CHECK_EQ(in->mtu, vg_atts_mtu(s));
	CHECK_EQ(in->hrm.value, hrm_h);
	CHECK(vg_atts_notifying(s, (uint16_t)hrm_h));
	CHECK(vg_atts_notifying(s, vg_atts_find_char(s, 0x2a19)));
	CHECK(in->has_body_location && in->body_location_value == 1);
	CHECK(in->has_battery && in->battery_percent == 87);
	CHECK(strcmp(in->manufacturer_name, "Vagus") == 0);
	CHECK(strcmp(in->model_number, "VG-1") == 0);
	CHECK(strcmp(in->firmware_revision, "") == 0);

	n = vg_atts_notification(s, (uint16_t)hrm_h, hrm, sizeof(hrm), pdu,
				 sizeof(pdu));
	if (CHECK(n > 0))
		vg_hrp_input(h, 1000, pdu, (size_t)n);
	while (vg_hrp_next_event(h, &e)) {
		CHECK(e.type != VG_HRP_EV_WARNING &&
		      e.type != VG_HRP_EV_CLOSED);
		if (e.type == VG_HRP_EV_MEASUREMENT) {
			measurements++;
			CHECK_EQ(e.err, 0);
			CHECK_EQ(e.hrm.rr_count, 2);
			CHECK_EQ(e.hrm.rr[0], 1024);
		}
	}
	CHECK_EQ(measurements, 1);
out:
	vg_hrp_free(h);
	vg_atts_free(s);
}

int main(void)
{
	test_uuid();
	test_list_truncation();
	test_sanitize();
	test_full_strap();
	test_minimal_strap();
	test_missing_essentials();
	test_security();
	test_security_already_medium();
	test_error_responses();
	test_timeout();
	test_gatt_violations();
	test_event_overflow();
	test_against_sim_server();
	return vg_test_done();
}
