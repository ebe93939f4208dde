/* SPDX-License-Identifier: MIT */
/*
 * The ATT client, driven through a socketpair(AF_UNIX, SOCK_SEQPACKET)
 * against a scripted server: MTU exchange, one request at a time, error
 * responses, the 30 s timeout, notifications and indications, requests
 * from the server, the security retry, and each way a server can break
 * the protocol. Expected PDUs are written byte by byte from Core 5.3
 * Vol 3 Part F, never produced by the code under test.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdu_script.h"
#include "test.h"
#include "vagus/att.h"

struct ctx {
	struct link l;
	struct vg_att *att;
	int64_t now;
	uint8_t rx[SCRIPT_BUF]; /* event data points in here */
};

static bool ctx_open(struct ctx *c, uint16_t offer)
{
	memset(c, 0, sizeof(*c));
	c->now = 1000;
	c->att = vg_att_new(offer);
	if (!CHECK(c->att != NULL) || link_open(&c->l) != 0)
		return false;
	return true;
}

static void ctx_close(struct ctx *c)
{
	vg_att_free(c->att);
	link_close(&c->l);
}

/* The glue's write side: every pending PDU onto the socket. */
static void flush(struct ctx *c)
{
	uint8_t buf[VG_ATT_MTU_MAX];
	int n;

	while ((n = vg_att_pop_tx(c->att, buf, sizeof(buf))) > 0)
		CHECK(link_write(c->l.cfd, buf, (size_t)n));
	CHECK(n == 0);
}

/*
 * The server sends @p; the glue reads it and hands it to the client,
 * then writes whatever the client queued. Returns input()'s result.
 */
static int deliver(struct ctx *c, struct pdu p, struct vg_att_event *ev)
{
	ssize_t n;
	int rc;

	CHECK(link_write(c->l.sfd, p.b, p.len));
	n = link_read(c->l.cfd, c->rx, sizeof(c->rx));
	if (!CHECK(n >= 0))
		return -EIO;
	rc = vg_att_input(c->att, c->now, c->rx, (size_t)n, ev);
	flush(c);
	return rc;
}

/* The same, for bytes built at run time. */
static int deliver_bytes(struct ctx *c, const uint8_t *b, size_t len,
			 struct vg_att_event *ev)
{
	struct pdu p = {b, len};

	return deliver(c, p, ev);
}

/* Exchange MTU with a server whose Rx MTU is @server_rx. */
static void exchange(struct ctx *c, uint16_t offer, uint16_t server_rx)
{
	struct vg_att_event ev;
	uint8_t req[3] = {0x02, (uint8_t)offer, (uint8_t)(offer >> 8)};
	uint8_t rsp[3] = {0x03, (uint8_t)server_rx, (uint8_t)(server_rx >> 8)};

	CHECK_EQ(vg_att_exchange_mtu(c->att, c->now), 0);
	flush(c);
	server_expect(&c->l, (struct pdu){req, 3}, __FILE__, __LINE__);
	CHECK_EQ(deliver_bytes(c, rsp, 3, &ev), 0);
	CHECK_EQ(ev.type, VG_ATT_EV_RESPONSE);
	CHECK_EQ(ev.opcode, 0x03);
	CHECK_EQ(ev.req_opcode, 0x02);
}

/* MTU = min(ours, server's) in both directions; never below 23. */
static void test_mtu_exchange(void)
{
	struct ctx c;

	/* The server's is smaller: it wins. */
	if (ctx_open(&c, 517)) {
		CHECK_EQ(vg_att_mtu(c.att), 23);
		exchange(&c, 517, 185);
		CHECK_EQ(vg_att_mtu(c.att), 185);
		CHECK(!vg_att_closed(c.att));
		/* Once per link (Part G 4.3.1). */
		CHECK_EQ(vg_att_exchange_mtu(c.att, c.now), -EALREADY);
	}
	ctx_close(&c);

	/* Ours is smaller: a server offering more never gets more. */
	if (ctx_open(&c, 100)) {
		exchange(&c, 100, 517);
		CHECK_EQ(vg_att_mtu(c.att), 100);
	}
	ctx_close(&c);

	/* A server Rx MTU below 23 is invalid: ATT_MTU stays 23. */
	if (ctx_open(&c, 517)) {
		exchange(&c, 517, 20);
		CHECK_EQ(vg_att_mtu(c.att), 23);
		CHECK(!vg_att_closed(c.att));
	}
	ctx_close(&c);

	/* Offers are clamped to 23..517. */
	if (ctx_open(&c, 2000)) {
		exchange(&c, 517, 600);
		CHECK_EQ(vg_att_mtu(c.att), 517);
	}
	ctx_close(&c);
	if (ctx_open(&c, 5)) {
		exchange(&c, 23, 517);
		CHECK_EQ(vg_att_mtu(c.att), 23);
	}
	ctx_close(&c);

	/* A server refusing the exchange leaves 23 and the link up. */
	if (ctx_open(&c, 517)) {
		struct vg_att_event ev;

		CHECK_EQ(vg_att_exchange_mtu(c.att, c.now), 0);
		flush(&c);
		SERVER_EXPECT(&c.l, PDU(0x02, 0x05, 0x02));
		CHECK_EQ(deliver(&c, PDU(0x01, 0x02, 0x00, 0x00, 0x06), &ev),
			 0);
		CHECK_EQ(ev.type, VG_ATT_EV_ERROR);
		CHECK_EQ(ev.req_opcode, 0x02);
		CHECK_EQ(ev.ecode, 0x06);
		CHECK_EQ(vg_att_mtu(c.att), 23);
		CHECK(!vg_att_closed(c.att));
	}
	ctx_close(&c);
}

/* After an exchange at 517, a 517-byte PDU passes and 518 closes. */
static void test_mtu_bounds_input(void)
{
	struct ctx c;
	struct vg_att_event ev;
	uint8_t big[VG_ATT_MTU_MAX + 1];

	memset(big, 0x5a, sizeof(big));
	big[0] = 0x1b; /* notification, handle 0x5a5a */
	if (ctx_open(&c, 517)) {
		/* Before the exchange, 24 bytes are already too many. */
		exchange(&c, 517, 517);
		CHECK_EQ(deliver_bytes(&c, big, 517, &ev), 0);
		CHECK_EQ(ev.type, VG_ATT_EV_NOTIFY);
		CHECK_EQ(ev.handle, 0x5a5a);
		CHECK_EQ(ev.len, 514);
		CHECK_EQ(deliver_bytes(&c, big, 518, &ev), -EMSGSIZE);
		CHECK_EQ(ev.type, VG_ATT_EV_CLOSED);
		CHECK_EQ(vg_att_close_error(c.att), -EMSGSIZE);
	}
	ctx_close(&c);

	if (ctx_open(&c, 517)) {
		CHECK_EQ(deliver_bytes(&c, big, 23, &ev), 0);
		CHECK_EQ(deliver_bytes(&c, big, 24, &ev), -EMSGSIZE);
		CHECK(vg_att_closed(c.att));
		CHECK(strstr(vg_att_close_reason(c.att), "exceeds ATT_MTU 23"));
	}
	ctx_close(&c);
}

/* Requests wait their turn; responses come back in order, with data. */
static void test_one_outstanding(void)
{
	struct ctx c;
	struct vg_att_event ev;

	if (!ctx_open(&c, 23))
		goto out;
	CHECK_EQ(vg_att_read(c.att, c.now, 0x0003), 0);
	CHECK_EQ(vg_att_read(c.att, c.now, 0x0006), 0);
	CHECK_EQ(vg_att_write(c.att, c.now, 0x0004, (const uint8_t[]){1, 0}, 2),
		 0);
	flush(&c);
	SERVER_EXPECT(&c.l, PDU(0x0a, 0x03, 0x00));
	SERVER_EXPECT_NOTHING(&c.l); /* the second waits */

	CHECK_EQ(deliver(&c, PDU(0x0b, 0x42, 0x43), &ev), 0);
	CHECK_EQ(ev.type, VG_ATT_EV_RESPONSE);
	CHECK_EQ(ev.opcode, 0x0b);
	CHECK_EQ(ev.req_opcode, 0x0a);
	CHECK_EQ(ev.len, 2);
	CHECK(ev.len == 2 && ev.data[0] == 0x42 && ev.data[1] == 0x43);
	SERVER_EXPECT(&c.l, PDU(0x0a, 0x06, 0x00));
	SERVER_EXPECT_NOTHING(&c.l);

	/* An empty value is a valid Read Response. */
	CHECK_EQ(deliver(&c, PDU(0x0b), &ev), 0);
	CHECK_EQ(ev.type, VG_ATT_EV_RESPONSE);
	CHECK_EQ(ev.len, 0);
	SERVER_EXPECT(&c.l, PDU(0x12, 0x04, 0x00, 0x01, 0x00));

	CHECK_EQ(deliver(&c, PDU(0x13), &ev), 0);
	CHECK_EQ(ev.type, VG_ATT_EV_RESPONSE);
	CHECK_EQ(ev.req_opcode, 0x12);
	SERVER_EXPECT_NOTHING(&c.l);
	CHECK_EQ(vg_att_next_deadline(c.att), VG_ATT_NEVER);
out:
	ctx_close(&c);
}

/* The discovery request builders put every field little endian. */
static void test_builders(void)
{
	struct ctx c;
	struct vg_att_event ev;

	if (!ctx_open(&c, 23))
		goto out;
	CHECK_EQ(
	    vg_att_read_by_group_type(c.att, c.now, 0x0001, 0xffff, 0x2800), 0);
	CHECK_EQ(vg_att_read_by_type(c.att, c.now, 0x0010, 0x0020, 0x2803), 0);
	CHECK_EQ(vg_att_find_info(c.att, c.now, 0x0102, 0x0304), 0);
	flush(&c);
	SERVER_EXPECT(&c.l, PDU(0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28));
	deliver(&c, PDU(0x01, 0x10, 0x01, 0x00, 0x0a), &ev);
	SERVER_EXPECT(&c.l, PDU(0x08, 0x10, 0x00, 0x20, 0x00, 0x03, 0x28));
	deliver(&c, PDU(0x01, 0x08, 0x10, 0x00, 0x0a), &ev);
	SERVER_EXPECT(&c.l, PDU(0x04, 0x02, 0x01, 0x04, 0x03));
	CHECK(!vg_att_closed(c.att));
out:
	ctx_close(&c);
}

/* What vg_att_request() refuses. */
static void test_request_limits(void)
{
	struct vg_att *att = vg_att_new(23);
	uint8_t big[VG_ATT_MTU_MAX] = {0x12};
	int rc = 0;

	if (!CHECK(att != NULL))
		return;
	CHECK_EQ(vg_att_request(att, 0, big, 0), -EINVAL);
	CHECK_EQ(vg_att_request(att, 0, (const uint8_t[]){0x0b, 1, 0}, 3),
		 -EINVAL); /* a response */
	CHECK_EQ(vg_att_request(att, 0, (const uint8_t[]){0x02, 23, 0}, 3),
		 -EINVAL); /* MTU goes through vg_att_exchange_mtu() */
	CHECK_EQ(vg_att_request(att, 0, (const uint8_t[]){0x52, 1, 0}, 3),
		 -EINVAL); /* a command */
	CHECK_EQ(vg_att_request(att, 0, big, 24), -EMSGSIZE);
	CHECK_EQ(vg_att_write(att, 0, 1, big, 20), 0);	       /* 23 bytes */
	CHECK_EQ(vg_att_write(att, 0, 1, big, 21), -EMSGSIZE); /* 24 */
	for (int i = 1; i < VG_ATT_QUEUE_MAX + 1; i++)
		rc |= vg_att_read(att, 0, 1);
	CHECK_EQ(rc, 0);
	CHECK_EQ(vg_att_read(att, 0, 1), -ENOBUFS);
	vg_att_free(att);
}

/* Error Response: handed up, and the next request goes. */
static void test_error_response(void)
{
	struct ctx c;
	struct vg_att_event ev;

	if (!ctx_open(&c, 23))
		goto out;
	vg_att_read(c.att, c.now, 0x0010);
	vg_att_read(c.att, c.now, 0x0011);
	flush(&c);
	SERVER_EXPECT(&c.l, PDU(0x0a, 0x10, 0x00));
	CHECK_EQ(deliver(&c, PDU(0x01, 0x0a, 0x10, 0x00, 0x02), &ev), 0);
	CHECK_EQ(ev.type, VG_ATT_EV_ERROR);
	CHECK_EQ(ev.req_opcode, 0x0a);
	CHECK_EQ(ev.handle, 0x0010);
	CHECK_EQ(ev.ecode, VG_ATT_E_READ_NOT_PERMITTED);
	CHECK(!ev.retried);
	SERVER_EXPECT(&c.l, PDU(0x0a, 0x11, 0x00));
	CHECK(!vg_att_closed(c.att));
out:
	ctx_close(&c);
	CHECK(strcmp(vg_att_ecode_name(0x0a), "Attribute Not Found") == 0);
	CHECK(strcmp(vg_att_ecode_name(0x05), "Insufficient Authentication") ==
	      0);
	CHECK(strcmp(vg_att_ecode_name(0x99), "Application Error") == 0);
	CHECK(strcmp(vg_att_opcode_name(0x10), "Read By Group Type Request") ==
	      0);
	CHECK(strcmp(vg_att_opcode_name(0x77), "unknown PDU") == 0);
}

/* 3.3.3: 30 s without an answer ends the link; nothing is sent after. */
static void test_timeout(void)
{
	struct ctx c;
	struct vg_att_event ev;

	if (!ctx_open(&c, 23))
		goto out;
	CHECK_EQ(vg_att_next_deadline(c.att), VG_ATT_NEVER);
	vg_att_read(c.att, c.now, 0x0003);
	vg_att_read(c.att, c.now, 0x0006);
	CHECK_EQ(vg_att_next_deadline(c.att), 1000 + 30000);
	flush(&c);
	SERVER_EXPECT(&c.l, PDU(0x0a, 0x03, 0x00));

	/* Answered at 20 s: the next request gets its own 30 s. */
	c.now = 21000;
	CHECK_EQ(vg_att_tick(c.att, c.now, &ev), 0);
	CHECK_EQ(ev.type, VG_ATT_EV_NONE);
	deliver(&c, PDU(0x0b, 0x01), &ev);
	CHECK_EQ(vg_att_next_deadline(c.att), 21000 + 30000);
	SERVER_EXPECT(&c.l, PDU(0x0a, 0x06, 0x00));

	vg_att_read(c.att, c.now, 0x0009); /* queued behind */
	c.now = 50999;
	CHECK_EQ(vg_att_tick(c.att, c.now, &ev), 0);
	CHECK(!vg_att_closed(c.att));
	c.now = 51000;
	CHECK_EQ(vg_att_tick(c.att, c.now, &ev), -ETIMEDOUT);
	CHECK_EQ(ev.type, VG_ATT_EV_CLOSED);
	CHECK_EQ(ev.err, -ETIMEDOUT);
	CHECK(vg_att_closed(c.att));
	CHECK_EQ(vg_att_close_error(c.att), -ETIMEDOUT);
	CHECK(strstr(vg_att_close_reason(c.att), "Read Request") != NULL);
	CHECK_EQ(vg_att_next_deadline(c.att), VG_ATT_NEVER);
	/* No more ATT on this link: the queued read is never sent. */
	flush(&c);
	SERVER_EXPECT_NOTHING(&c.l);
	CHECK_EQ(vg_att_read(c.att, c.now, 1), -ENOTCONN);
	CHECK_EQ(vg_att_input(c.att, c.now, (const uint8_t[]){0x0b}, 1, &ev),
		 -ENOTCONN);
	/* A late answer changes nothing. */
	CHECK_EQ(vg_att_tick(c.att, c.now + 1, &ev), 0);
	CHECK_EQ(ev.type, VG_ATT_EV_NONE);
out:
	ctx_close(&c);
}

/* Notifications are handed up; indications also get a confirmation. */
static void test_notify_indicate(void)
{
	struct ctx c;
	struct vg_att_event ev;

	if (!ctx_open(&c, 23))
		goto out;
	CHECK_EQ(deliver(&c, PDU(0x1b, 0x03, 0x00, 0x10, 0x48), &ev), 0);
	CHECK_EQ(ev.type, VG_ATT_EV_NOTIFY);
	CHECK_EQ(ev.handle, 0x0003);
	CHECK(ev.len == 2 && ev.data[0] == 0x10 && ev.data[1] == 0x48);
	SERVER_EXPECT_NOTHING(&c.l);

	/* An empty value is allowed. */
	CHECK_EQ(deliver(&c, PDU(0x1b, 0x03, 0x00), &ev), 0);
	CHECK_EQ(ev.type, VG_ATT_EV_NOTIFY);
	CHECK_EQ(ev.len, 0);

	CHECK_EQ(deliver(&c, PDU(0x1d, 0x0b, 0x00, 0x57), &ev), 0);
	CHECK_EQ(ev.type, VG_ATT_EV_INDICATE);
	CHECK_EQ(ev.handle, 0x000b);
	CHECK(ev.len == 1 && ev.data[0] == 0x57);
	SERVER_EXPECT(&c.l, PDU(0x1e));

	/* A notification between a request and its response changes nada. */
	vg_att_read(c.att, c.now, 0x0006);
	flush(&c);
	SERVER_EXPECT(&c.l, PDU(0x0a, 0x06, 0x00));
	CHECK_EQ(deliver(&c, PDU(0x1b, 0x03, 0x00, 0x00, 0x50), &ev), 0);
	CHECK_EQ(ev.type, VG_ATT_EV_NOTIFY);
	CHECK_EQ(deliver(&c, PDU(0x1d, 0x03, 0x00, 0x00, 0x50), &ev), 0);
	CHECK_EQ(ev.type, VG_ATT_EV_INDICATE);
	SERVER_EXPECT(&c.l, PDU(0x1e));
	CHECK_EQ(deliver(&c, PDU(0x0b, 0x01), &ev), 0);
	CHECK_EQ(ev.type, VG_ATT_EV_RESPONSE);

	/* Multiple Handle Value Notification: never enabled, ignored. */
	CHECK_EQ(deliver(&c, PDU(0x23, 0x03, 0x00, 0x01, 0x00, 0x50), &ev), 0);
	CHECK_EQ(ev.type, VG_ATT_EV_NONE);
	CHECK(!vg_att_closed(c.att));
out:
	ctx_close(&c);
}

/* Requests from the server get answers, as BlueZ gives them. */
static void test_server_requests(void)
{
	struct ctx c;
	struct vg_att_event ev;

	if (!ctx_open(&c, 100))
		goto out;
	/* Exchange MTU the other way: our Rx MTU, and the same min rule. */
	CHECK_EQ(deliver(&c, PDU(0x02, 0x40, 0x00), &ev), 0);
	CHECK_EQ(ev.type, VG_ATT_EV_NONE);
	SERVER_EXPECT(&c.l, PDU(0x03, 0x64, 0x00));
	CHECK_EQ(vg_att_mtu(c.att), 64);
	/* A malformed one: Invalid PDU. */
	CHECK_EQ(deliver(&c, PDU(0x02, 0x40), &ev), 0);
	SERVER_EXPECT(&c.l, PDU(0x01, 0x02, 0x00, 0x00, 0x04));
	/* We hold no database: Request Not Supported, handle 0. */
	CHECK_EQ(deliver(&c, PDU(0x0a, 0x03, 0x00), &ev), 0);
	SERVER_EXPECT(&c.l, PDU(0x01, 0x0a, 0x00, 0x00, 0x06));
	CHECK_EQ(
	    deliver(&c, PDU(0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28), &ev), 0);
	SERVER_EXPECT(&c.l, PDU(0x01, 0x10, 0x00, 0x00, 0x06));
	CHECK_EQ(deliver(&c, PDU(0x12, 0x03, 0x00, 0x01), &ev), 0);
	SERVER_EXPECT(&c.l, PDU(0x01, 0x12, 0x00, 0x00, 0x06));
	/* Commands are never answered (3.3.1, bit 6). */
	CHECK_EQ(deliver(&c, PDU(0x52, 0x03, 0x00, 0x01), &ev), 0);
	CHECK_EQ(deliver(&c, PDU(0xd2, 0x03, 0x00), &ev), 0);
	CHECK_EQ(deliver(&c, PDU(0x7f), &ev), 0);
	SERVER_EXPECT_NOTHING(&c.l);
	/* An unknown opcode while nothing is asked: a newer request. */
	CHECK_EQ(deliver(&c, PDU(0x30, 0x01), &ev), 0);
	SERVER_EXPECT(&c.l, PDU(0x01, 0x30, 0x00, 0x00, 0x06));
	/* A server request while ours is outstanding is answered too. */
	vg_att_read(c.att, c.now, 0x0003);
	flush(&c);
	SERVER_EXPECT(&c.l, PDU(0x0a, 0x03, 0x00));
	CHECK_EQ(deliver(&c, PDU(0x0a, 0x01, 0x00), &ev), 0);
	SERVER_EXPECT(&c.l, PDU(0x01, 0x0a, 0x00, 0x00, 0x06));
	CHECK_EQ(deliver(&c, PDU(0x0b, 0x07), &ev), 0);
	CHECK_EQ(ev.type, VG_ATT_EV_RESPONSE);
	CHECK(!vg_att_closed(c.att));
out:
	ctx_close(&c);
}

/*
 * Each violation closes the link with its error, sends nothing more and
 * leaves a reason that names the problem.
 */
struct violation {
	const char *name;
	bool request; /* a Read Request (handle 3) is outstanding */
	struct pdu pdu;
	int err;
	const char *reason; /* a piece of the reason */
};

static void test_violations(void)
{
	const struct violation cases[] = {
	    {"unexpected response opcode", true, PDU(0x13), -EPROTO,
	     "Write Response (0x13) while Read Request"},
	    {"response without request", false, PDU(0x0b, 0x01), -EPROTO,
	     "no request outstanding"},
	    {"error response without request", false,
	     PDU(0x01, 0x0a, 0x03, 0x00, 0x0a), -EPROTO,
	     "no request outstanding"},
	    {"error response for another request", true,
	     PDU(0x01, 0x12, 0x03, 0x00, 0x0a), -EPROTO,
	     "Error Response for Write Request"},
	    {"error response too short", true, PDU(0x01, 0x0a, 0x03, 0x00),
	     -EBADMSG, "malformed Error Response"},
	    {"error response too long", true,
	     PDU(0x01, 0x0a, 0x03, 0x00, 0x0a, 0x00), -EBADMSG,
	     "malformed Error Response"},
	    {"unknown opcode where a response is due", true, PDU(0x3f, 0x01),
	     -EPROTO, "unknown opcode 0x3f"},
	    {"truncated notification", false, PDU(0x1b, 0x03), -EBADMSG,
	     "truncated Handle Value Notification"},
	    {"truncated indication", false, PDU(0x1d), -EBADMSG,
	     "truncated Handle Value Indication"},
	    {"confirmation we never asked for", false, PDU(0x1e), -EPROTO,
	     "Confirmation"},
	    {"empty PDU", true, {(const uint8_t *)"", 0}, -EBADMSG, "empty"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct violation *v = &cases[i];
		struct ctx c;
		struct vg_att_event ev;
		int rc;

		if (!ctx_open(&c, 23)) {
			ctx_close(&c);
			continue;
		}
		if (v->request) {
			vg_att_read(c.att, c.now, 0x0003);
			flush(&c);
			SERVER_EXPECT(&c.l, PDU(0x0a, 0x03, 0x00));
		}
		/* Something queued that must never go out. */
		vg_att_read(c.att, c.now, 0x0009);
		if (v->pdu.len == 0) {
			rc = vg_att_input(c.att, c.now, c.rx, 0, &ev);
			flush(&c);
		} else {
			rc = deliver(&c, v->pdu, &ev);
		}
		if (!CHECK_EQ(rc, v->err))
			fprintf(stderr, "  case: %s\n", v->name);
		CHECK_EQ(ev.type, VG_ATT_EV_CLOSED);
		CHECK_EQ(ev.err, v->err);
		CHECK(vg_att_closed(c.att));
		CHECK_EQ(vg_att_close_error(c.att), v->err);
		if (!CHECK(strstr(vg_att_close_reason(c.att), v->reason)))
			fprintf(stderr, "  case: %s: reason \"%s\"\n", v->name,
				vg_att_close_reason(c.att));
		SERVER_EXPECT_NOTHING(&c.l);
		ctx_close(&c);
	}
}

/* Responses of the right kind but the wrong length for their opcode. */
static void test_wrong_lengths(void)
{
	const struct {
		struct pdu req;
		struct pdu rsp;
	} cases[] = {
	    {PDU(0x12, 0x04, 0x00, 0x01, 0x00), PDU(0x13, 0x00)},
	    {PDU(0x02, 0x17, 0x00), PDU(0x03, 0x17, 0x00, 0x00)},
	    {PDU(0x02, 0x17, 0x00), PDU(0x03, 0x17)},
	    {PDU(0x08, 0x01, 0x00, 0xff, 0xff, 0x03, 0x28), PDU(0x09)},
	    {PDU(0x08, 0x01, 0x00, 0xff, 0xff, 0x03, 0x28),
	     PDU(0x09, 0x01, 0x02)},
	    {PDU(0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28),
	     PDU(0x11, 0x06, 0x01, 0x00, 0x05, 0x00, 0x00)},
	    {PDU(0x04, 0x01, 0x00, 0xff, 0xff), PDU(0x05, 0x01)},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ctx c;
		struct vg_att_event ev;

		if (ctx_open(&c, 23)) {
			if (cases[i].req.b[0] == 0x02)
				vg_att_exchange_mtu(c.att, c.now);
			else
				vg_att_request(c.att, c.now, cases[i].req.b,
					       cases[i].req.len);
			flush(&c);
			server_expect(&c.l, cases[i].req, __FILE__, __LINE__);
			CHECK_EQ(deliver(&c, cases[i].rsp, &ev), -EBADMSG);
			CHECK_EQ(ev.type, VG_ATT_EV_CLOSED);
			CHECK(strstr(vg_att_close_reason(c.att), "malformed"));
			SERVER_EXPECT_NOTHING(&c.l);
		}
		ctx_close(&c);
	}
}

/*
 * Each response cut at every length below its valid size: a length
 * the format rejects closes the link (-EBADMSG), never reads past the end.
 */
static void test_truncated_responses(void)
{
	struct {
		uint8_t req_op;
		struct pdu full;
		size_t min_ok; /* shortest prefix that is still well formed */
	} cases[] = {
	    {0x02, PDU(0x03, 0x17, 0x00), 3},
	    {0x04, PDU(0x05, 0x01, 0x04, 0x00, 0x02, 0x29), 6},
	    {0x08, PDU(0x09, 0x07, 0x02, 0x00, 0x10, 0x03, 0x00, 0x37, 0x2a),
	     9},
	    {0x10, PDU(0x11, 0x06, 0x01, 0x00, 0x08, 0x00, 0x0d, 0x18), 8},
	    {0x12, PDU(0x13), 1},
	    {0x0a, PDU(0x0b, 0x01), 1},
	};
	uint8_t req[VG_ATT_MTU_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t cut = 0; cut <= cases[i].full.len; cut++) {
			struct vg_att *att = vg_att_new(23);
			struct vg_att_event ev;
			int rc;

			if (!att)
				continue;
			memset(req, 0, sizeof(req));
			req[0] = cases[i].req_op;
			if (req[0] == 0x02)
				vg_att_exchange_mtu(att, 0);
			else
				vg_att_request(att, 0, req, 7);
			vg_att_pop_tx(att, req, sizeof(req));
			rc = vg_att_input(att, 0, cases[i].full.b, cut, &ev);
			if (cut >= cases[i].min_ok) {
				CHECK_EQ(rc, 0);
				CHECK_EQ(ev.type, VG_ATT_EV_RESPONSE);
			} else {
				CHECK_EQ(rc, -EBADMSG);
				CHECK_EQ(ev.type, VG_ATT_EV_CLOSED);
			}
			vg_att_free(att);
		}
	}

	/* List responses whose entries do not divide the length. */
	{
		struct pdu ragged[] = {
		    PDU(0x09, 0x07, 0x02, 0x00, 0x10, 0x03, 0x00, 0x37, 0x2a,
			0x05),
		    PDU(0x09, 0x01, 0x02), /* entry shorter than a handle */
		    PDU(0x11, 0x03, 0x01, 0x00, 0x08),
		    PDU(0x05, 0x03, 0x04, 0x00, 0x02, 0x29), /* format 3 */
		    PDU(0x05, 0x02, 0x04, 0x00, 0x02, 0x29), /* not 18 */
		};
		uint8_t ops[] = {0x08, 0x08, 0x10, 0x04, 0x04};

		for (size_t i = 0; i < sizeof(ops); i++) {
			struct vg_att *att = vg_att_new(23);
			struct vg_att_event ev;

			if (!att)
				continue;
			memset(req, 0, 7);
			req[0] = ops[i];
			vg_att_request(att, 0, req, 7);
			vg_att_pop_tx(att, req, sizeof(req));
			CHECK_EQ(vg_att_input(att, 0, ragged[i].b,
					      ragged[i].len, &ev),
				 -EBADMSG);
			vg_att_free(att);
		}
	}
}

/* A read refused for security, retried once after the raise. */
static void test_security_retry(void)
{
	struct ctx c;
	struct vg_att_event ev;

	if (!ctx_open(&c, 23))
		goto out;
	vg_att_read(c.att, c.now, 0x0010);
	vg_att_read(c.att, c.now, 0x0011);
	flush(&c);
	SERVER_EXPECT(&c.l, PDU(0x0a, 0x10, 0x00));
	CHECK_EQ(deliver(&c, PDU(0x01, 0x0a, 0x10, 0x00, 0x05), &ev), 0);
	CHECK_EQ(ev.type, VG_ATT_EV_SECURITY);
	CHECK_EQ(ev.security, VG_ATT_SEC_MEDIUM);
	CHECK_EQ(ev.ecode, 0x05);
	/* Waiting for the transport: nothing goes, no timer runs. */
	SERVER_EXPECT_NOTHING(&c.l);
	CHECK_EQ(vg_att_next_deadline(c.att), VG_ATT_NEVER);
	/* The server cannot answer what it was not asked. */
	c.now = 5000;
	CHECK_EQ(vg_att_security_done(c.att, c.now, 0, &ev), 0);
	CHECK_EQ(ev.type, VG_ATT_EV_NONE);
	CHECK_EQ(vg_att_next_deadline(c.att), 5000 + 30000);
	flush(&c);
	SERVER_EXPECT(&c.l, PDU(0x0a, 0x10, 0x00)); /* the same request */
	CHECK_EQ(deliver(&c, PDU(0x0b, 0x2a), &ev), 0);
	CHECK_EQ(ev.type, VG_ATT_EV_RESPONSE);
	CHECK(ev.len == 1 && ev.data[0] == 0x2a);
	SERVER_EXPECT(&c.l, PDU(0x0a, 0x11, 0x00));
	CHECK_EQ(vg_att_security_done(c.att, c.now, 0, &ev), -EINVAL);

	/* Now at medium: authentication asks for high... */
	CHECK_EQ(deliver(&c, PDU(0x01, 0x0a, 0x11, 0x00, 0x05), &ev), 0);
	CHECK_EQ(ev.type, VG_ATT_EV_SECURITY);
	CHECK_EQ(ev.security, VG_ATT_SEC_HIGH);
	CHECK_EQ(vg_att_security_done(c.att, c.now, 0, &ev), 0);
	flush(&c);
	SERVER_EXPECT(&c.l, PDU(0x0a, 0x11, 0x00));
	/* ...and a second refusal after the retry is final. */
	CHECK_EQ(deliver(&c, PDU(0x01, 0x0a, 0x11, 0x00, 0x05), &ev), 0);
	CHECK_EQ(ev.type, VG_ATT_EV_ERROR);
	CHECK_EQ(ev.ecode, 0x05);
	CHECK(ev.retried);
	CHECK(!vg_att_closed(c.att));
	SERVER_EXPECT_NOTHING(&c.l);

	/* At high, nothing is left to raise: the error goes straight up. */
	vg_att_read(c.att, c.now, 0x0012);
	flush(&c);
	SERVER_EXPECT(&c.l, PDU(0x0a, 0x12, 0x00));
	CHECK_EQ(deliver(&c, PDU(0x01, 0x0a, 0x12, 0x00, 0x05), &ev), 0);
	CHECK_EQ(ev.type, VG_ATT_EV_ERROR);
	CHECK(!ev.retried);
out:
	ctx_close(&c);

	/* Encryption and key size want medium; at medium there is no retry. */
	if (ctx_open(&c, 23)) {
		vg_att_write(c.att, c.now, 0x0004, (const uint8_t[]){1, 0}, 2);
		flush(&c);
		SERVER_EXPECT(&c.l, PDU(0x12, 0x04, 0x00, 0x01, 0x00));
		deliver(&c, PDU(0x01, 0x12, 0x04, 0x00, 0x0f), &ev);
		CHECK_EQ(ev.type, VG_ATT_EV_SECURITY);
		CHECK_EQ(ev.security, VG_ATT_SEC_MEDIUM);
		vg_att_security_done(c.att, c.now, 0, &ev);
		flush(&c);
		SERVER_EXPECT(&c.l, PDU(0x12, 0x04, 0x00, 0x01, 0x00));
		CHECK_EQ(deliver(&c, PDU(0x13), &ev), 0);
		CHECK_EQ(ev.type, VG_ATT_EV_RESPONSE);

		vg_att_read(c.att, c.now, 0x0005);
		flush(&c);
		SERVER_EXPECT(&c.l, PDU(0x0a, 0x05, 0x00));
		deliver(&c, PDU(0x01, 0x0a, 0x05, 0x00, 0x0f), &ev);
		CHECK_EQ(ev.type, VG_ATT_EV_ERROR);
		CHECK_EQ(ev.ecode, 0x0f);
	}
	ctx_close(&c);

	if (ctx_open(&c, 23)) {
		vg_att_read(c.att, c.now, 0x0005);
		flush(&c);
		SERVER_EXPECT(&c.l, PDU(0x0a, 0x05, 0x00));
		deliver(&c, PDU(0x01, 0x0a, 0x05, 0x00, 0x0c), &ev);
		CHECK_EQ(ev.type, VG_ATT_EV_SECURITY);
		CHECK_EQ(ev.security, VG_ATT_SEC_MEDIUM);
		/* The transport could not raise it: the error goes up. */
		CHECK_EQ(vg_att_security_done(c.att, c.now, -EACCES, &ev), 0);
		CHECK_EQ(ev.type, VG_ATT_EV_ERROR);
		CHECK_EQ(ev.ecode, 0x0c);
		CHECK_EQ(ev.handle, 0x0005);
		CHECK_EQ(ev.security_err, -EACCES);
		CHECK(!vg_att_closed(c.att));
		flush(&c);
		SERVER_EXPECT_NOTHING(&c.l);
		/* A response now would answer nothing. */
		CHECK_EQ(deliver(&c, PDU(0x0b, 0x00), &ev), -EPROTO);
	}
	ctx_close(&c);

	/* Authorization is not a link level: no raise. */
	if (ctx_open(&c, 23)) {
		vg_att_read(c.att, c.now, 0x0005);
		flush(&c);
		SERVER_EXPECT(&c.l, PDU(0x0a, 0x05, 0x00));
		deliver(&c, PDU(0x01, 0x0a, 0x05, 0x00, 0x08), &ev);
		CHECK_EQ(ev.type, VG_ATT_EV_ERROR);
	}
	ctx_close(&c);
}

/* vg_att_close() from the layer above: the first reason stays. */
static void test_close_from_above(void)
{
	struct ctx c;
	uint8_t buf[8];

	if (ctx_open(&c, 23)) {
		vg_att_read(c.att, c.now, 0x0003);
		vg_att_close(c.att, -ENOENT, "no Heart Rate Service");
		vg_att_close(c.att, -EPROTO, "second");
		CHECK(vg_att_closed(c.att));
		CHECK_EQ(vg_att_close_error(c.att), -ENOENT);
		CHECK(strcmp(vg_att_close_reason(c.att),
			     "no Heart Rate Service") == 0);
		CHECK_EQ(vg_att_pop_tx(c.att, buf, sizeof(buf)), 0);
		CHECK_EQ(vg_att_exchange_mtu(c.att, 0), -ENOTCONN);
	}
	ctx_close(&c);

	/* pop_tx with too small a buffer keeps the PDU. */
	if (ctx_open(&c, 23)) {
		vg_att_read(c.att, c.now, 0x0003);
		CHECK_EQ(vg_att_pop_tx(c.att, buf, 2), -EMSGSIZE);
		CHECK_EQ(vg_att_pop_tx(c.att, buf, sizeof(buf)), 3);
		CHECK(!vg_att_closed(c.att));
		CHECK(strcmp(vg_att_close_reason(c.att), "") == 0);
	}
	ctx_close(&c);
}

int main(void)
{
	test_mtu_exchange();
	test_mtu_bounds_input();
	test_one_outstanding();
	test_builders();
	test_request_limits();
	test_error_response();
	test_timeout();
	test_notify_indicate();
	test_server_requests();
	test_violations();
	test_wrong_lengths();
	test_truncated_responses();
	test_security_retry();
	test_close_from_above();
	return vg_test_done();
}
