/* SPDX-License-Identifier: MIT */
/*
 * ATT client bearer (Core spec 5.3 Vol 3 Part F). The rules this file
 * enforces, with their sections:
 *
 *   3.2.8/3.2.9  ATT_MTU is 23 on LE until an Exchange MTU; no PDU may be
 *                longer than ATT_MTU.
 *   3.3.2        A client has at most one request outstanding; the
 *                server answers it with its response or an Error Response.
 *   3.3.3        A transaction not completed within 30 s has failed; no
 *                more ATT PDUs may be sent on the bearer: the link ends.
 *   3.3.1        Opcode bit 6 marks a command: never answered.
 *   3.4.1.1      A request we do not serve gets "Request Not Supported"
 *                with handle 0x0000.
 *   3.4.2.2      ATT_MTU = min(Client Rx MTU, Server Rx MTU); a value
 *                below 23 is invalid and leaves ATT_MTU at 23.
 *   3.4.7.2      Each Handle Value Indication gets a Confirmation.
 *
 * A peer that breaks these rules has its link closed (as BlueZ's
 * src/shared/att.c does in handle_rsp): a client cannot resynchronise
 * with a server that answers the wrong question.
 */
#include "vagus/att.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"

/* Bit 6 of an opcode: a command, never answered (3.3.1). */
#define OP_COMMAND_FLAG 0x40

/* The responses, confirmations and error responses we queue are short. */
#define IMM_PDU_MAX 5
#define IMM_MAX 8
/* The outstanding request plus the ones waiting behind it. */
#define REQ_SLOTS (VG_ATT_QUEUE_MAX + 1)
#define REASON_MAX 160

/* Where the request at the head of the queue is. */
enum cur_state {
	CUR_NONE,     /* no request active (queue empty) */
	CUR_READY,    /* active, waiting for vg_att_pop_tx() */
	CUR_SENT,     /* handed out: a response is due */
	CUR_SECURITY, /* answered with a security error: raising */
};

struct req {
	uint16_t len;
	uint8_t pdu[VG_ATT_MTU_MAX];
};

struct imm {
	uint8_t len;
	uint8_t pdu[IMM_PDU_MAX];
};

struct vg_att {
	uint16_t offer; /* our Rx MTU */
	uint16_t mtu;	/* ATT_MTU in force */
	bool mtu_asked;
	bool mtu_exchanged; /* first exchange (either way) fixed ATT_MTU */
	enum vg_att_security sec;

	struct req reqs[REQ_SLOTS]; /* ring; reqs[req_head] is active */
	unsigned req_head, req_len;
	enum cur_state cur;
	bool cur_retried; /* the active request was resent after a raise */
	enum vg_att_security sec_wanted;
	uint8_t sec_ecode; /* the error that asked for the raise */
	uint16_t sec_handle;
	int64_t deadline;

	struct imm imm[IMM_MAX]; /* ring of responses/confirmations to send */
	unsigned imm_head, imm_len;

	bool closed;
	int close_err;
	char reason[REASON_MAX];
};

struct vg_att *vg_att_new(uint16_t mtu_offer)
{
	struct vg_att *att = calloc(1, sizeof(*att));

	if (!att)
		return NULL;
	if (mtu_offer < VG_ATT_MTU_MIN)
		mtu_offer = VG_ATT_MTU_MIN;
	if (mtu_offer > VG_ATT_MTU_MAX)
		mtu_offer = VG_ATT_MTU_MAX;
	att->offer = mtu_offer;
	att->mtu = VG_ATT_MTU_MIN;
	att->sec = VG_ATT_SEC_LOW;
	att->deadline = VG_ATT_NEVER;
	return att;
}

void vg_att_free(struct vg_att *att)
{
	free(att);
}

static void close_link(struct vg_att *att, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The link must end: forget everything queued, never send again. */
static void close_link(struct vg_att *att, int err, const char *fmt, ...)
{
	va_list ap;

	if (att->closed)
		return;
	att->closed = true;
	att->close_err = err;
	va_start(ap, fmt);
	vsnprintf(att->reason, sizeof(att->reason), fmt, ap);
	va_end(ap);
	att->req_len = 0;
	att->imm_len = 0;
	att->cur = CUR_NONE;
	att->deadline = VG_ATT_NEVER;
}

void vg_att_close(struct vg_att *att, int err, const char *reason)
{
	close_link(att, err < 0 ? err : -EPROTO, "%s", reason ? reason : "");
}

/* Closes the link and says so in @ev; returns the error for input(). */
static int fail(struct vg_att *att, struct vg_att_event *ev, int err,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(struct vg_att *att, struct vg_att_event *ev, int err,
		const char *fmt, ...)
{
	char msg[REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	close_link(att, err, "%s", msg);
	memset(ev, 0, sizeof(*ev));
	ev->type = VG_ATT_EV_CLOSED;
	ev->err = err;
	return err;
}

bool vg_att_closed(const struct vg_att *att)
{
	return att->closed;
}

const char *vg_att_close_reason(const struct vg_att *att)
{
	return att->closed ? att->reason : "";
}

int vg_att_close_error(const struct vg_att *att)
{
	return att->closed ? att->close_err : 0;
}

uint16_t vg_att_mtu(const struct vg_att *att)
{
	return att->mtu;
}

void vg_att_set_security(struct vg_att *att, enum vg_att_security level)
{
	att->sec = level;
}

int64_t vg_att_next_deadline(const struct vg_att *att)
{
	return att->closed ? VG_ATT_NEVER : att->deadline;
}

/* Requests a client may send (3.4.8), each answered by opcode + 1. */
static bool is_request(uint8_t op)
{
	switch (op) {
	case VG_ATT_OP_MTU_REQ:
	case VG_ATT_OP_FIND_INFO_REQ:
	case VG_ATT_OP_FIND_BY_TYPE_REQ:
	case VG_ATT_OP_READ_BY_TYPE_REQ:
	case VG_ATT_OP_READ_REQ:
	case VG_ATT_OP_READ_BLOB_REQ:
	case VG_ATT_OP_READ_MULT_REQ:
	case VG_ATT_OP_READ_GROUP_REQ:
	case VG_ATT_OP_WRITE_REQ:
	case VG_ATT_OP_PREP_WRITE_REQ:
	case VG_ATT_OP_EXEC_WRITE_REQ:
	case VG_ATT_OP_READ_MULT_VAR_REQ:
		return true;
	default:
		return false;
	}
}

static bool is_response(uint8_t op)
{
	return op == VG_ATT_OP_ERROR_RSP ||
	       (op > 0 && is_request((uint8_t)(op - 1)));
}

/* Makes the head of the queue the outstanding request; its timer starts. */
static void activate(struct vg_att *att, int64_t now)
{
	if (att->cur != CUR_NONE || att->req_len == 0 || att->closed)
		return;
	att->cur = CUR_READY;
	att->cur_retried = false;
	att->deadline = now + VG_ATT_TIMEOUT_MS;
}

/* The outstanding transaction is over: the next one may start. */
static void complete(struct vg_att *att, int64_t now)
{
	att->req_head = (att->req_head + 1) % REQ_SLOTS;
	att->req_len--;
	att->cur = CUR_NONE;
	att->deadline = VG_ATT_NEVER;
	activate(att, now);
}

static int enqueue(struct vg_att *att, int64_t now, const uint8_t *pdu,
		   size_t len)
{
	struct req *r;

	if (att->closed)
		return -ENOTCONN;
	if (len > att->mtu)
		return -EMSGSIZE;
	if (att->req_len >= REQ_SLOTS)
		return -ENOBUFS;
	r = &att->reqs[(att->req_head + att->req_len) % REQ_SLOTS];
	memcpy(r->pdu, pdu, len);
	r->len = (uint16_t)len;
	att->req_len++;
	activate(att, now);
	return 0;
}

int vg_att_exchange_mtu(struct vg_att *att, int64_t now)
{
	uint8_t pdu[3];
	struct wcursor w = wcursor_init(pdu, sizeof(pdu));
	int err;

	if (att->closed)
		return -ENOTCONN;
	if (att->mtu_asked)
		return -EALREADY;
	wr_u8(&w, VG_ATT_OP_MTU_REQ);
	wr_le16(&w, att->offer);
	err = enqueue(att, now, pdu, w.len);
	if (err == 0)
		att->mtu_asked = true;
	return err;
}

int vg_att_request(struct vg_att *att, int64_t now, const uint8_t *pdu,
		   size_t len)
{
	if (!pdu || len == 0 || !is_request(pdu[0]) ||
	    pdu[0] == VG_ATT_OP_MTU_REQ)
		return -EINVAL;
	return enqueue(att, now, pdu, len);
}

int vg_att_read(struct vg_att *att, int64_t now, uint16_t handle)
{
	uint8_t pdu[3];
	struct wcursor w = wcursor_init(pdu, sizeof(pdu));

	wr_u8(&w, VG_ATT_OP_READ_REQ);
	wr_le16(&w, handle);
	return vg_att_request(att, now, pdu, w.len);
}

int vg_att_write(struct vg_att *att, int64_t now, uint16_t handle,
		 const uint8_t *value, size_t len)
{
	uint8_t pdu[VG_ATT_MTU_MAX];
	struct wcursor w = wcursor_init(pdu, sizeof(pdu));

	wr_u8(&w, VG_ATT_OP_WRITE_REQ);
	wr_le16(&w, handle);
	wr_bytes(&w, value, len);
	if (w.overflow)
		return -EMSGSIZE;
	return vg_att_request(att, now, pdu, w.len);
}

int vg_att_find_info(struct vg_att *att, int64_t now, uint16_t start,
		     uint16_t end)
{
	uint8_t pdu[5];
	struct wcursor w = wcursor_init(pdu, sizeof(pdu));

	wr_u8(&w, VG_ATT_OP_FIND_INFO_REQ);
	wr_le16(&w, start);
	wr_le16(&w, end);
	return vg_att_request(att, now, pdu, w.len);
}

static int typed_range(struct vg_att *att, int64_t now, uint8_t op,
		       uint16_t start, uint16_t end, uint16_t uuid16)
{
	uint8_t pdu[7];
	struct wcursor w = wcursor_init(pdu, sizeof(pdu));

	wr_u8(&w, op);
	wr_le16(&w, start);
	wr_le16(&w, end);
	wr_le16(&w, uuid16);
	return vg_att_request(att, now, pdu, w.len);
}

int vg_att_read_by_type(struct vg_att *att, int64_t now, uint16_t start,
			uint16_t end, uint16_t uuid16)
{
	return typed_range(att, now, VG_ATT_OP_READ_BY_TYPE_REQ, start, end,
			   uuid16);
}

int vg_att_read_by_group_type(struct vg_att *att, int64_t now, uint16_t start,
			      uint16_t end, uint16_t uuid16)
{
	return typed_range(att, now, VG_ATT_OP_READ_GROUP_REQ, start, end,
			   uuid16);
}

int vg_att_pop_tx(struct vg_att *att, uint8_t *buf, size_t cap)
{
	if (att->closed)
		return 0;
	/* Answers to the server first: it waits on them (3.3.2). */
	if (att->imm_len > 0) {
		const struct imm *m = &att->imm[att->imm_head];

		if (cap < m->len)
			return -EMSGSIZE;
		memcpy(buf, m->pdu, m->len);
		att->imm_head = (att->imm_head + 1) % IMM_MAX;
		att->imm_len--;
		return m->len;
	}
	if (att->cur == CUR_READY) {
		const struct req *r = &att->reqs[att->req_head];

		if (cap < r->len)
			return -EMSGSIZE;
		memcpy(buf, r->pdu, r->len);
		att->cur = CUR_SENT;
		return r->len;
	}
	return 0;
}

/*
 * Queues a short PDU for the server. The server waits for each answer
 * before it sends another request or indication, so more than IMM_MAX
 * unsent answers means the caller stopped sending or the peer floods.
 */
static int push_imm(struct vg_att *att, struct vg_att_event *ev,
		    const uint8_t *pdu, size_t len)
{
	struct imm *m;

	if (att->imm_len >= IMM_MAX)
		return fail(att, ev, -ENOBUFS,
			    "peer sends requests or indications faster than "
			    "they are answered");
	m = &att->imm[(att->imm_head + att->imm_len) % IMM_MAX];
	memcpy(m->pdu, pdu, len);
	m->len = (uint8_t)len;
	att->imm_len++;
	return 0;
}

static int respond_error(struct vg_att *att, struct vg_att_event *ev,
			 uint8_t req_op, uint16_t handle, uint8_t ecode)
{
	uint8_t pdu[5];
	struct wcursor w = wcursor_init(pdu, sizeof(pdu));

	wr_u8(&w, VG_ATT_OP_ERROR_RSP);
	wr_u8(&w, req_op);
	wr_le16(&w, handle);
	wr_u8(&w, ecode);
	return push_imm(att, ev, pdu, w.len);
}

/*
 * 3.4.2.2: ATT_MTU = min(Client Rx MTU, Server Rx MTU), never above what
 * we offered. A peer value below 23 is invalid: ATT_MTU stays 23 (we
 * clamp rather than drop the link: the spec says "shall not be changed",
 * and a strap that misreports its MTU still works at 23). The first
 * exchange either way fixes ATT_MTU for the link; Exchange MTU is once per
 * connection (Part G 4.3.1), so a later one cannot shrink it under PDUs
 * already queued.
 */
static void apply_mtu(struct vg_att *att, uint16_t peer_rx)
{
	if (att->mtu_exchanged)
		return;
	att->mtu_exchanged = true;
	if (peer_rx < VG_ATT_MTU_MIN)
		return;
	att->mtu = peer_rx < att->offer ? peer_rx : att->offer;
}

/*
 * Whether a response of @len bytes (opcode included) has the layout its
 * opcode fixes (3.4.x). Layouts inside lists (a 16-bit UUID where one is
 * due) are for the layer above; here, only the framing.
 */
static bool response_well_formed(uint8_t op, const uint8_t *pdu, size_t len)
{
	size_t unit;

	switch (op) {
	case VG_ATT_OP_MTU_RSP:
		return len == 3; /* opcode, Server Rx MTU */
	case VG_ATT_OP_FIND_INFO_RSP:
		/* opcode, format (1: 16-bit, 2: 128-bit), handle-UUID pairs */
		if (len < 2)
			return false;
		unit = pdu[1] == 1 ? 4 : pdu[1] == 2 ? 18 : 0;
		return unit && len - 2 >= unit && (len - 2) % unit == 0;
	case VG_ATT_OP_FIND_BY_TYPE_RSP:
		/* opcode, (found handle, group end handle) list */
		return len >= 5 && (len - 1) % 4 == 0;
	case VG_ATT_OP_READ_BY_TYPE_RSP:
		/* opcode, length of each handle-value pair, pairs */
		if (len < 2)
			return false;
		unit = pdu[1];
		return unit >= 2 && len - 2 >= unit && (len - 2) % unit == 0;
	case VG_ATT_OP_READ_GROUP_RSP:
		/* opcode, length, (handle, end group handle, value) list */
		if (len < 2)
			return false;
		unit = pdu[1];
		return unit >= 4 && len - 2 >= unit && (len - 2) % unit == 0;
	case VG_ATT_OP_WRITE_RSP:
	case VG_ATT_OP_EXEC_WRITE_RSP:
		return len == 1;
	case VG_ATT_OP_PREP_WRITE_RSP:
		return len >= 5; /* opcode, handle, offset, part value */
	default:
		return len >= 1; /* values of any length up to ATT_MTU - 1 */
	}
}

/*
 * The security level an error asks for, or 0 when raising cannot help.
 * As BlueZ's change_security: "insufficient encryption" (and "encryption
 * key size", whose remedy is a new pairing) wants an encrypted link;
 * "insufficient authentication" wants one step up, to MITM-protected.
 */
static enum vg_att_security wanted_security(uint8_t ecode,
					    enum vg_att_security have)
{
	switch (ecode) {
	case VG_ATT_E_AUTHENTICATION:
		if (have < VG_ATT_SEC_MEDIUM)
			return VG_ATT_SEC_MEDIUM;
		if (have < VG_ATT_SEC_HIGH)
			return VG_ATT_SEC_HIGH;
		return 0;
	case VG_ATT_E_ENCRYPTION:
	case VG_ATT_E_ENC_KEY_SIZE:
		return have < VG_ATT_SEC_MEDIUM ? VG_ATT_SEC_MEDIUM : 0;
	default:
		return 0;
	}
}

/* Error Response (3.4.1.1): opcode, request opcode, handle, error code. */
static int handle_error_rsp(struct vg_att *att, int64_t now, const uint8_t *pdu,
			    size_t len, struct vg_att_event *ev)
{
	struct cursor c = cursor_init(pdu + 1, len - 1);
	uint8_t req_op = att->reqs[att->req_head].pdu[0];
	uint8_t err_op, ecode;
	uint16_t handle;
	enum vg_att_security want;

	if (len != 5 || !rd_u8(&c, &err_op) || !rd_le16(&c, &handle) ||
	    !rd_u8(&c, &ecode))
		return fail(att, ev, -EBADMSG,
			    "malformed Error Response (%zu bytes, 5 expected)",
			    len);
	if (err_op != req_op)
		return fail(att, ev, -EPROTO,
			    "Error Response for %s (0x%02x) while %s is "
			    "outstanding",
			    vg_att_opcode_name(err_op), err_op,
			    vg_att_opcode_name(req_op));
	want = att->cur_retried ? 0 : wanted_security(ecode, att->sec);
	if (want) {
		/* Keep the request; it goes again once the link is raised. */
		att->cur = CUR_SECURITY;
		att->sec_wanted = want;
		att->sec_ecode = ecode;
		att->sec_handle = handle;
		att->deadline = VG_ATT_NEVER;
		ev->type = VG_ATT_EV_SECURITY;
		ev->security = want;
		ev->req_opcode = req_op;
		ev->ecode = ecode;
		ev->handle = handle;
		return 0;
	}
	ev->type = VG_ATT_EV_ERROR;
	ev->req_opcode = req_op;
	ev->ecode = ecode;
	ev->handle = handle;
	ev->retried = att->cur_retried;
	complete(att, now);
	return 0;
}

static int handle_response(struct vg_att *att, int64_t now, const uint8_t *pdu,
			   size_t len, struct vg_att_event *ev)
{
	uint8_t op = pdu[0];
	uint8_t req_op;

	if (att->cur != CUR_SENT)
		return fail(att, ev, -EPROTO,
			    "%s (0x%02x) with no request outstanding",
			    vg_att_opcode_name(op), op);
	if (op == VG_ATT_OP_ERROR_RSP)
		return handle_error_rsp(att, now, pdu, len, ev);
	req_op = att->reqs[att->req_head].pdu[0];
	if (op != req_op + 1)
		return fail(
		    att, ev, -EPROTO, "%s (0x%02x) while %s is outstanding",
		    vg_att_opcode_name(op), op, vg_att_opcode_name(req_op));
	if (!response_well_formed(op, pdu, len))
		return fail(att, ev, -EBADMSG, "malformed %s (%zu bytes)",
			    vg_att_opcode_name(op), len);
	if (op == VG_ATT_OP_MTU_RSP) {
		struct cursor c = cursor_init(pdu + 1, len - 1);
		uint16_t server_rx = 0;

		(void)rd_le16(&c, &server_rx); /* length checked above */
		apply_mtu(att, server_rx);
	}
	ev->type = VG_ATT_EV_RESPONSE;
	ev->opcode = op;
	ev->req_opcode = req_op;
	ev->data = pdu + 1;
	ev->len = len - 1;
	complete(att, now);
	return 0;
}

/* A request from the server: we serve Exchange MTU and nothing else. */
static int handle_server_request(struct vg_att *att, const uint8_t *pdu,
				 size_t len, struct vg_att_event *ev)
{
	uint8_t rsp[3];
	struct wcursor w = wcursor_init(rsp, sizeof(rsp));
	struct cursor c = cursor_init(pdu + 1, len - 1);
	uint16_t client_rx;

	if (pdu[0] != VG_ATT_OP_MTU_REQ)
		return respond_error(att, ev, pdu[0], 0x0000,
				     VG_ATT_E_REQ_NOT_SUPPORTED);
	if (len != 3 || !rd_le16(&c, &client_rx))
		return respond_error(att, ev, pdu[0], 0x0000,
				     VG_ATT_E_INVALID_PDU);
	/*
	 * Both ends may be client and server: our response carries the same
	 * Rx MTU as our own request (3.4.2.2), and ATT_MTU follows the
	 * same rule whichever side asked.
	 */
	wr_u8(&w, VG_ATT_OP_MTU_RSP);
	wr_le16(&w, att->offer);
	if (push_imm(att, ev, rsp, w.len))
		return att->close_err;
	apply_mtu(att, client_rx);
	return 0;
}

int vg_att_input(struct vg_att *att, int64_t now, const uint8_t *pdu,
		 size_t len, struct vg_att_event *ev)
{
	struct cursor c;
	uint16_t handle;
	uint8_t op;

	memset(ev, 0, sizeof(*ev));
	if (att->closed)
		return -ENOTCONN;
	if (!pdu || len == 0)
		return fail(att, ev, -EBADMSG, "empty ATT PDU");
	op = pdu[0];
	if (len > att->mtu)
		return fail(att, ev, -EMSGSIZE,
			    "%s (0x%02x) of %zu bytes exceeds ATT_MTU %u",
			    vg_att_opcode_name(op), op, len, att->mtu);
	if (op & OP_COMMAND_FLAG)
		return 0; /* commands (Write, Signed Write) need no answer */
	if (is_response(op))
		return handle_response(att, now, pdu, len, ev);
	if (is_request(op))
		return handle_server_request(att, pdu, len, ev);
	switch (op) {
	case VG_ATT_OP_NOTIFY:
	case VG_ATT_OP_INDICATE:
		/* opcode, handle, value (3.4.7.1, 3.4.7.2) */
		c = cursor_init(pdu + 1, len - 1);
		if (!rd_le16(&c, &handle))
			return fail(att, ev, -EBADMSG,
				    "truncated %s (%zu bytes)",
				    vg_att_opcode_name(op), len);
		if (op == VG_ATT_OP_INDICATE) {
			static const uint8_t conf = VG_ATT_OP_CONFIRM;

			if (push_imm(att, ev, &conf, 1))
				return att->close_err;
		}
		ev->type = op == VG_ATT_OP_NOTIFY ? VG_ATT_EV_NOTIFY
						  : VG_ATT_EV_INDICATE;
		ev->handle = handle;
		ev->data = c.p;
		ev->len = cursor_left(&c);
		return 0;
	case VG_ATT_OP_CONFIRM:
		/* We never send indications, so nothing can be confirmed. */
		return fail(
		    att, ev, -EPROTO,
		    "Handle Value Confirmation with no indication sent");
	case VG_ATT_OP_MULT_NOTIFY:
		/*
		 * Only sent to a client that enabled it in Client Supported
		 * Features (Part G 7.2); we never do, so there is nothing of
		 * ours in it.
		 */
		return 0;
	default:
		/*
		 * An opcode this version of ATT does not define. While our
		 * request waits it can only be a broken answer to it; at
		 * other times it may be a newer request, which gets "Request
		 * Not Supported" as every unserved request does (3.4.1.1).
		 */
		if (att->cur == CUR_SENT)
			return fail(att, ev, -EPROTO,
				    "unknown opcode 0x%02x while awaiting the "
				    "answer to %s",
				    op,
				    vg_att_opcode_name(
					att->reqs[att->req_head].pdu[0]));
		return respond_error(att, ev, op, 0x0000,
				     VG_ATT_E_REQ_NOT_SUPPORTED);
	}
}

int vg_att_tick(struct vg_att *att, int64_t now, struct vg_att_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	if (att->closed || now < att->deadline)
		return 0;
	return fail(att, ev, -ETIMEDOUT,
		    "no answer to %s within %d s (ATT transaction timeout)",
		    vg_att_opcode_name(att->reqs[att->req_head].pdu[0]),
		    VG_ATT_TIMEOUT_MS / 1000);
}

int vg_att_security_done(struct vg_att *att, int64_t now, int err,
			 struct vg_att_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	if (att->closed)
		return -ENOTCONN;
	if (att->cur != CUR_SECURITY)
		return -EINVAL;
	if (err == 0) {
		att->sec = att->sec_wanted;
		att->cur = CUR_READY;
		att->cur_retried = true;
		att->deadline = now + VG_ATT_TIMEOUT_MS;
		return 0;
	}
	ev->type = VG_ATT_EV_ERROR;
	ev->req_opcode = att->reqs[att->req_head].pdu[0];
	ev->ecode = att->sec_ecode;
	ev->handle = att->sec_handle;
	ev->security_err = err < 0 ? err : -EIO;
	complete(att, now);
	return 0;
}

const char *vg_att_ecode_name(uint8_t ecode)
{
	switch (ecode) {
	case VG_ATT_E_INVALID_HANDLE:
		return "Invalid Handle";
	case VG_ATT_E_READ_NOT_PERMITTED:
		return "Read Not Permitted";
	case VG_ATT_E_WRITE_NOT_PERMITTED:
		return "Write Not Permitted";
	case VG_ATT_E_INVALID_PDU:
		return "Invalid PDU";
	case VG_ATT_E_AUTHENTICATION:
		return "Insufficient Authentication";
	case VG_ATT_E_REQ_NOT_SUPPORTED:
		return "Request Not Supported";
	case VG_ATT_E_INVALID_OFFSET:
		return "Invalid Offset";
	case VG_ATT_E_AUTHORIZATION:
		return "Insufficient Authorization";
	case VG_ATT_E_PREP_QUEUE_FULL:
		return "Prepare Queue Full";
	case VG_ATT_E_ATTR_NOT_FOUND:
		return "Attribute Not Found";
	case VG_ATT_E_ATTR_NOT_LONG:
		return "Attribute Not Long";
	case VG_ATT_E_ENC_KEY_SIZE:
		return "Encryption Key Size Too Short";
	case VG_ATT_E_INVALID_VALUE_LEN:
		return "Invalid Attribute Value Length";
	case VG_ATT_E_UNLIKELY:
		return "Unlikely Error";
	case VG_ATT_E_ENCRYPTION:
		return "Insufficient Encryption";
	case VG_ATT_E_UNSUPPORTED_GROUP:
		return "Unsupported Group Type";
	case VG_ATT_E_INSUFFICIENT_RESOURCES:
		return "Insufficient Resources";
	default:
		if (ecode >= 0x80 && ecode <= 0x9f)
			return "Application Error";
		if (ecode >= 0xe0)
			return "Common Profile and Service Error";
		return "Reserved Error";
	}
}

const char *vg_att_opcode_name(uint8_t op)
{
	switch (op) {
	case VG_ATT_OP_ERROR_RSP:
		return "Error Response";
	case VG_ATT_OP_MTU_REQ:
		return "Exchange MTU Request";
	case VG_ATT_OP_MTU_RSP:
		return "Exchange MTU Response";
	case VG_ATT_OP_FIND_INFO_REQ:
		return "Find Information Request";
	case VG_ATT_OP_FIND_INFO_RSP:
		return "Find Information Response";
	case VG_ATT_OP_FIND_BY_TYPE_REQ:
		return "Find By Type Value Request";
	case VG_ATT_OP_FIND_BY_TYPE_RSP:
		return "Find By Type Value Response";
	case VG_ATT_OP_READ_BY_TYPE_REQ:
		return "Read By Type Request";
	case VG_ATT_OP_READ_BY_TYPE_RSP:
		return "Read By Type Response";
	case VG_ATT_OP_READ_REQ:
		return "Read Request";
	case VG_ATT_OP_READ_RSP:
		return "Read Response";
	case VG_ATT_OP_READ_BLOB_REQ:
		return "Read Blob Request";
	case VG_ATT_OP_READ_BLOB_RSP:
		return "Read Blob Response";
	case VG_ATT_OP_READ_MULT_REQ:
		return "Read Multiple Request";
	case VG_ATT_OP_READ_MULT_RSP:
		return "Read Multiple Response";
	case VG_ATT_OP_READ_GROUP_REQ:
		return "Read By Group Type Request";
	case VG_ATT_OP_READ_GROUP_RSP:
		return "Read By Group Type Response";
	case VG_ATT_OP_WRITE_REQ:
		return "Write Request";
	case VG_ATT_OP_WRITE_RSP:
		return "Write Response";
	case VG_ATT_OP_PREP_WRITE_REQ:
		return "Prepare Write Request";
	case VG_ATT_OP_PREP_WRITE_RSP:
		return "Prepare Write Response";
	case VG_ATT_OP_EXEC_WRITE_REQ:
		return "Execute Write Request";
	case VG_ATT_OP_EXEC_WRITE_RSP:
		return "Execute Write Response";
	case VG_ATT_OP_NOTIFY:
		return "Handle Value Notification";
	case VG_ATT_OP_INDICATE:
		return "Handle Value Indication";
	case VG_ATT_OP_CONFIRM:
		return "Handle Value Confirmation";
	case VG_ATT_OP_READ_MULT_VAR_REQ:
		return "Read Multiple Variable Request";
	case VG_ATT_OP_READ_MULT_VAR_RSP:
		return "Read Multiple Variable Response";
	case VG_ATT_OP_MULT_NOTIFY:
		return "Multiple Handle Value Notification";
	case VG_ATT_OP_WRITE_CMD:
		return "Write Command";
	case VG_ATT_OP_SIGNED_WRITE_CMD:
		return "Signed Write Command";
	default:
		return "unknown PDU";
	}
}
