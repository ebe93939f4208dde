/* SPDX-License-Identifier: MIT */
/*
 * ATT server over a static GATT database (Core spec 5.3 Vol 3 Part F for
 * the PDUs, Part G for the database layout).
 */
#include "vagus/att_server.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cursor.h"

enum {
	OP_ERROR = 0x01,
	OP_MTU_REQ = 0x02,
	OP_MTU_RSP = 0x03,
	OP_FIND_INFO_REQ = 0x04,
	OP_FIND_INFO_RSP = 0x05,
	OP_FIND_BY_TYPE_REQ = 0x06,
	OP_FIND_BY_TYPE_RSP = 0x07,
	OP_READ_BY_TYPE_REQ = 0x08,
	OP_READ_BY_TYPE_RSP = 0x09,
	OP_READ_REQ = 0x0a,
	OP_READ_RSP = 0x0b,
	OP_READ_BLOB_REQ = 0x0c,
	OP_READ_BLOB_RSP = 0x0d,
	OP_READ_GROUP_REQ = 0x10,
	OP_READ_GROUP_RSP = 0x11,
	OP_WRITE_REQ = 0x12,
	OP_WRITE_RSP = 0x13,
	OP_NOTIFY = 0x1b,
	OP_CONFIRM = 0x1e,
	OP_WRITE_CMD = 0x52,
	/* Bit 6 of an opcode marks a command: never answered (3.3.1). */
	OP_COMMAND_FLAG = 0x40,
};

/* Error codes (Vol 3 Part F 3.4.1.1; 0x80 from the Heart Rate Service). */
enum {
	ERR_INVALID_HANDLE = 0x01,
	ERR_READ_NOT_PERMITTED = 0x02,
	ERR_WRITE_NOT_PERMITTED = 0x03,
	ERR_INVALID_PDU = 0x04,
	ERR_INSUFF_AUTHEN = 0x05,
	ERR_REQ_NOT_SUPPORTED = 0x06,
	ERR_INVALID_OFFSET = 0x07,
	ERR_ATTR_NOT_FOUND = 0x0a,
	ERR_INVALID_VALUE_LEN = 0x0d,
	ERR_UNSUPPORTED_GROUP = 0x10,
	ERR_HRS_CP_NOT_SUPPORTED = 0x80,
	ERR_CCCD_IMPROPER = 0xfd,
};

enum {
	UUID_PRIMARY = 0x2800,
	UUID_SECONDARY = 0x2801,
	UUID_CHARACTERISTIC = 0x2803,
	UUID_CCCD = 0x2902,
	UUID_HR_CONTROL_POINT = 0x2a39,
};

enum { PERM_READ = 1, PERM_WRITE = 2, PERM_WRITE_NR = 4 };

struct attr {
	uint16_t type;	    /* attribute type (16-bit UUID) */
	uint8_t perm;	    /* PERM_* */
	uint8_t props;	    /* value attributes: the characteristic's props */
	uint16_t char_h;    /* value and CCCD: the value handle */
	uint16_t char_uuid; /* value and CCCD: the characteristic UUID */
	uint16_t end;	    /* service declaration: last handle of the group */
	uint16_t len;
	uint8_t value[VG_ATTS_VALUE_MAX];
};

struct vg_atts {
	struct attr attrs[VG_ATTS_ATTRS_MAX]; /* handle h is attrs[h - 1] */
	uint16_t n;
	uint16_t last_service; /* handle, 0 before the first */
	uint16_t mtu;
	uint16_t mtu_lie;
	bool need_enc; /* characteristics need an encrypted link */
	bool link_enc; /* the link is encrypted */
};

struct vg_atts *vg_atts_new(void)
{
	struct vg_atts *s = calloc(1, sizeof(*s));

	if (s)
		s->mtu = VG_ATTS_MTU_MIN;
	return s;
}

void vg_atts_free(struct vg_atts *s)
{
	free(s);
}

static struct attr *add_attr(struct vg_atts *s, uint16_t type, uint8_t perm)
{
	struct attr *a;

	if (s->n >= VG_ATTS_ATTRS_MAX)
		return NULL;
	a = &s->attrs[s->n++];
	memset(a, 0, sizeof(*a));
	a->type = type;
	a->perm = perm;
	if (s->last_service)
		s->attrs[s->last_service - 1].end = s->n;
	return a;
}

int vg_atts_add_service(struct vg_atts *s, uint16_t uuid)
{
	struct attr *a;

	/* The previous group ends before this declaration. */
	s->last_service = 0;
	a = add_attr(s, UUID_PRIMARY, PERM_READ);

	if (!a)
		return -ENOSPC;
	a->value[0] = (uint8_t)(uuid & 0xff);
	a->value[1] = (uint8_t)(uuid >> 8);
	a->len = 2;
	s->last_service = s->n;
	a->end = s->n;
	return s->n;
}

int vg_atts_add_char(struct vg_atts *s, uint16_t uuid, uint8_t props,
		     const uint8_t *value, size_t len)
{
	bool cccd = props & (VG_ATTS_PROP_NOTIFY | VG_ATTS_PROP_INDICATE);
	struct attr *decl, *val, *cc;
	uint16_t vh;
	uint8_t perm = 0;

	if (!s->last_service)
		return -EINVAL;
	if (len > VG_ATTS_VALUE_MAX)
		return -EMSGSIZE;
	if (s->n + 2 + cccd > VG_ATTS_ATTRS_MAX)
		return -ENOSPC;
	vh = (uint16_t)(s->n + 2);

	/* Declaration value: properties, value handle, UUID (3.3.1). */
	decl = add_attr(s, UUID_CHARACTERISTIC, PERM_READ);
	decl->value[0] = props;
	decl->value[1] = (uint8_t)(vh & 0xff);
	decl->value[2] = (uint8_t)(vh >> 8);
	decl->value[3] = (uint8_t)(uuid & 0xff);
	decl->value[4] = (uint8_t)(uuid >> 8);
	decl->len = 5;

	if (props & VG_ATTS_PROP_READ)
		perm |= PERM_READ;
	if (props & VG_ATTS_PROP_WRITE)
		perm |= PERM_WRITE;
	if (props & VG_ATTS_PROP_WRITE_NR)
		perm |= PERM_WRITE_NR;
	val = add_attr(s, uuid, perm);
	val->props = props;
	val->char_h = vh;
	val->char_uuid = uuid;
	if (len)
		memcpy(val->value, value, len);
	val->len = (uint16_t)len;

	if (cccd) {
		cc = add_attr(s, UUID_CCCD,
			      PERM_READ | PERM_WRITE | PERM_WRITE_NR);
		cc->props = props;
		cc->char_h = vh;
		cc->char_uuid = uuid;
		cc->len = 2;
	}
	return vh;
}

static struct attr *get(struct vg_atts *s, uint16_t h)
{
	return h >= 1 && h <= s->n ? &s->attrs[h - 1] : NULL;
}

int vg_atts_set_value(struct vg_atts *s, uint16_t handle, const uint8_t *value,
		      size_t len)
{
	struct attr *a = get(s, handle);

	if (!a)
		return -ENOENT;
	if (len > VG_ATTS_VALUE_MAX)
		return -EMSGSIZE;
	if (len)
		memcpy(a->value, value, len);
	a->len = (uint16_t)len;
	return 0;
}

uint16_t vg_atts_find_char(const struct vg_atts *s, uint16_t uuid)
{
	for (uint16_t i = 0; i < s->n; i++)
		if (s->attrs[i].type == uuid && s->attrs[i].char_h == i + 1)
			return (uint16_t)(i + 1);
	return 0;
}

void vg_atts_reset_link(struct vg_atts *s)
{
	s->mtu = VG_ATTS_MTU_MIN;
	s->link_enc = false;
	for (uint16_t i = 0; i < s->n; i++)
		if (s->attrs[i].type == UUID_CCCD)
			memset(s->attrs[i].value, 0, 2);
}

void vg_atts_require_encryption(struct vg_atts *s, bool on)
{
	s->need_enc = on;
}

void vg_atts_set_link_encrypted(struct vg_atts *s, bool on)
{
	s->link_enc = on;
}

/*
 * Whether @a is closed on this link: characteristic values and their
 * CCCDs (char_h set) while encryption is required and missing. Service
 * and characteristic declarations stay readable, so a client can
 * discover what it must pair for.
 */
static bool locked(const struct vg_atts *s, const struct attr *a)
{
	return s->need_enc && !s->link_enc && a->char_h;
}

void vg_atts_set_mtu_lie(struct vg_atts *s, uint16_t mtu)
{
	s->mtu_lie = mtu;
}

uint16_t vg_atts_mtu(const struct vg_atts *s)
{
	return s->mtu;
}

bool vg_atts_notifying(const struct vg_atts *s, uint16_t value_handle)
{
	/* The CCCD follows its value directly in this database. */
	if (value_handle < 1 || value_handle >= s->n)
		return false;
	const struct attr *cc = &s->attrs[value_handle];
	return cc->type == UUID_CCCD && cc->char_h == value_handle &&
	       (cc->value[0] & 1);
}

static int error_rsp(struct wcursor *w, uint8_t req, uint16_t h, uint8_t code)
{
	w->len = 0;
	wr_u8(w, OP_ERROR);
	wr_u8(w, req);
	wr_le16(w, h);
	wr_u8(w, code);
	return w->overflow ? -EMSGSIZE : (int)w->len;
}

static int done(struct wcursor *w)
{
	return w->overflow ? -EMSGSIZE : (int)w->len;
}

/*
 * A UUID in a request: 2 bytes, or 16 bytes on the Bluetooth base
 * 0000xxxx-0000-1000-8000-00805F9B34FB (little endian on the air). A
 * 128-bit UUID off the base cannot match our 16-bit database: *uuid = 0,
 * which no attribute has.
 */
static bool rd_uuid(struct cursor *c, uint16_t *uuid)
{
	static const uint8_t base[16] = {0xfb, 0x34, 0x9b, 0x5f, 0x80, 0x00,
					 0x00, 0x80, 0x00, 0x10, 0x00, 0x00,
					 0x00, 0x00, 0x00, 0x00};
	const uint8_t *u;

	if (cursor_left(c) == 2)
		return rd_le16(c, uuid);
	if (cursor_left(c) != 16 || !rd_bytes(c, 16, &u))
		return false;
	if (memcmp(u, base, 12) != 0 || u[14] != 0 || u[15] != 0)
		*uuid = 0;
	else
		*uuid = (uint16_t)(u[12] | u[13] << 8);
	return true;
}

/* Start and end handles of a range request; both checked (3.4.3.1). */
static bool bad_range(uint16_t start, uint16_t end)
{
	return start == 0 || start > end;
}

/* Exchange MTU (3.4.2.1): ATT_MTU = min(client Rx MTU, ours), >= 23. */
static int mtu_req(struct vg_atts *s, struct cursor *c, struct wcursor *w,
		   struct vg_atts_event *ev)
{
	uint16_t client;

	if (!rd_le16(c, &client) || cursor_left(c))
		return error_rsp(w, OP_MTU_REQ, 0, ERR_INVALID_PDU);
	if (client < VG_ATTS_MTU_MIN)
		client = VG_ATTS_MTU_MIN;
	s->mtu = client < VG_ATTS_MTU_MAX ? client : VG_ATTS_MTU_MAX;
	ev->type = VG_ATTS_EV_MTU;
	wr_u8(w, OP_MTU_RSP);
	wr_le16(w, s->mtu_lie ? s->mtu_lie : VG_ATTS_MTU_MAX);
	return done(w);
}

/* Find Information (3.4.3.1): handle-UUID pairs, format 1 (16-bit). */
static int find_info(struct vg_atts *s, struct cursor *c, struct wcursor *w)
{
	uint16_t start, end;

	if (!rd_le16(c, &start) || !rd_le16(c, &end) || cursor_left(c))
		return error_rsp(w, OP_FIND_INFO_REQ, 0, ERR_INVALID_PDU);
	if (bad_range(start, end))
		return error_rsp(w, OP_FIND_INFO_REQ, start,
				 ERR_INVALID_HANDLE);
	wr_u8(w, OP_FIND_INFO_RSP);
	wr_u8(w, 0x01);
	for (uint32_t h = start; h <= end && h <= s->n; h++) {
		if (w->len + 4 > s->mtu)
			break;
		wr_le16(w, (uint16_t)h);
		wr_le16(w, s->attrs[h - 1].type);
	}
	if (w->len == 2)
		return error_rsp(w, OP_FIND_INFO_REQ, start,
				 ERR_ATTR_NOT_FOUND);
	return done(w);
}

/*
 * Find By Type Value (3.4.3.3): handles of attributes of a type whose
 * value equals the one given, with the end of their group (services) or
 * themselves (anything else).
 */
static int find_by_type(struct vg_atts *s, struct cursor *c, struct wcursor *w)
{
	uint16_t start, end, type;
	const uint8_t *val;
	size_t vlen;

	if (!rd_le16(c, &start) || !rd_le16(c, &end) || !rd_le16(c, &type))
		return error_rsp(w, OP_FIND_BY_TYPE_REQ, 0, ERR_INVALID_PDU);
	vlen = cursor_left(c);
	rd_bytes(c, vlen, &val);
	if (bad_range(start, end))
		return error_rsp(w, OP_FIND_BY_TYPE_REQ, start,
				 ERR_INVALID_HANDLE);
	wr_u8(w, OP_FIND_BY_TYPE_RSP);
	for (uint32_t h = start; h <= end && h <= s->n; h++) {
		const struct attr *a = &s->attrs[h - 1];
		if (a->type != type || a->len != vlen ||
		    (vlen && memcmp(a->value, val, vlen) != 0))
			continue;
		if (w->len + 4 > s->mtu)
			break;
		bool group = type == UUID_PRIMARY || type == UUID_SECONDARY;
		wr_le16(w, (uint16_t)h);
		wr_le16(w, group ? a->end : (uint16_t)h);
	}
	if (w->len == 1)
		return error_rsp(w, OP_FIND_BY_TYPE_REQ, start,
				 ERR_ATTR_NOT_FOUND);
	return done(w);
}

/*
 * Read By Type (3.4.4.1): handle-value pairs of one type, all of the
 * length of the first (a different length ends the list), values cut to
 * fit MTU - 4 and the one-byte length field. The first match being
 * unreadable gives Read Not Permitted; a later one ends the list.
 */
static int read_by_type(struct vg_atts *s, struct cursor *c, struct wcursor *w)
{
	uint16_t start, end, type;
	size_t each = 0;

	if (!rd_le16(c, &start) || !rd_le16(c, &end) || !rd_uuid(c, &type))
		return error_rsp(w, OP_READ_BY_TYPE_REQ, 0, ERR_INVALID_PDU);
	if (bad_range(start, end))
		return error_rsp(w, OP_READ_BY_TYPE_REQ, start,
				 ERR_INVALID_HANDLE);
	wr_u8(w, OP_READ_BY_TYPE_RSP);
	wr_u8(w, 0);
	for (uint32_t h = start; h <= end && h <= s->n; h++) {
		const struct attr *a = &s->attrs[h - 1];
		if (a->type != type)
			continue;
		if (!(a->perm & PERM_READ) || locked(s, a)) {
			if (w->len == 2)
				return error_rsp(
				    w, OP_READ_BY_TYPE_REQ, (uint16_t)h,
				    locked(s, a) ? ERR_INSUFF_AUTHEN
						 : ERR_READ_NOT_PERMITTED);
			break;
		}
		size_t vlen = a->len;
		if (vlen > (size_t)s->mtu - 4)
			vlen = (size_t)s->mtu - 4;
		if (vlen > 253)
			vlen = 253;
		if (each == 0)
			each = vlen + 2;
		else if (vlen + 2 != each || w->len + each > s->mtu)
			break;
		wr_le16(w, (uint16_t)h);
		wr_bytes(w, a->value, vlen);
	}
	if (each == 0)
		return error_rsp(w, OP_READ_BY_TYPE_REQ, start,
				 ERR_ATTR_NOT_FOUND);
	w->p[1] = (uint8_t)each;
	return done(w);
}

/*
 * Read By Group Type (3.4.4.9): only the GATT grouping types are
 * groups; for anything else the spec's answer is Unsupported Group Type.
 */
static int read_by_group(struct vg_atts *s, struct cursor *c, struct wcursor *w)
{
	uint16_t start, end, type;
	size_t each = 0;

	if (!rd_le16(c, &start) || !rd_le16(c, &end) || !rd_uuid(c, &type))
		return error_rsp(w, OP_READ_GROUP_REQ, 0, ERR_INVALID_PDU);
	if (bad_range(start, end))
		return error_rsp(w, OP_READ_GROUP_REQ, start,
				 ERR_INVALID_HANDLE);
	if (type != UUID_PRIMARY && type != UUID_SECONDARY)
		return error_rsp(w, OP_READ_GROUP_REQ, start,
				 ERR_UNSUPPORTED_GROUP);
	wr_u8(w, OP_READ_GROUP_RSP);
	wr_u8(w, 0);
	for (uint32_t h = start; h <= end && h <= s->n; h++) {
		const struct attr *a = &s->attrs[h - 1];
		if (a->type != type)
			continue;
		if (each == 0)
			each = 4u + a->len;
		else if (4u + a->len != each || w->len + each > s->mtu)
			break;
		wr_le16(w, (uint16_t)h);
		wr_le16(w, a->end);
		wr_bytes(w, a->value, a->len);
	}
	if (each == 0)
		return error_rsp(w, OP_READ_GROUP_REQ, start,
				 ERR_ATTR_NOT_FOUND);
	w->p[1] = (uint8_t)each;
	return done(w);
}

/* Read (3.4.4.3) and Read Blob (3.4.4.5): up to MTU - 1 bytes. */
static int read_req(struct vg_atts *s, uint8_t op, struct cursor *c,
		    struct wcursor *w)
{
	uint16_t h, offset = 0;
	const struct attr *a;

	if (!rd_le16(c, &h) ||
	    (op == OP_READ_BLOB_REQ && !rd_le16(c, &offset)) || cursor_left(c))
		return error_rsp(w, op, 0, ERR_INVALID_PDU);
	a = get(s, h);
	if (!a)
		return error_rsp(w, op, h, ERR_INVALID_HANDLE);
	if (!(a->perm & PERM_READ))
		return error_rsp(w, op, h, ERR_READ_NOT_PERMITTED);
	if (locked(s, a))
		return error_rsp(w, op, h, ERR_INSUFF_AUTHEN);
	if (offset > a->len)
		return error_rsp(w, op, h, ERR_INVALID_OFFSET);
	size_t n = a->len - offset;
	if (n > (size_t)s->mtu - 1)
		n = (size_t)s->mtu - 1;
	wr_u8(w, op == OP_READ_REQ ? OP_READ_RSP : OP_READ_BLOB_RSP);
	wr_bytes(w, a->value + offset, n);
	return done(w);
}

/*
 * Returns the ATT error code for writing @len bytes at @val to @a, or 0
 * after storing it. CCCDs take exactly two bytes and only the bits the
 * characteristic supports (Part G 3.3.3.3, error 0xFD from CSS Part B
 * 1.2); the Heart Rate Control Point knows only 0x01, reset energy
 * expended (HRS 1.0 3.3.2.1).
 */
static uint8_t write_value(struct attr *a, const uint8_t *val, size_t len,
			   struct vg_atts_event *ev)
{
	if (a->type == UUID_CCCD) {
		if (len != 2)
			return ERR_INVALID_VALUE_LEN;
		uint16_t v = (uint16_t)(val[0] | val[1] << 8);
		if (((v & 1) && !(a->props & VG_ATTS_PROP_NOTIFY)) ||
		    ((v & 2) && !(a->props & VG_ATTS_PROP_INDICATE)) ||
		    (v & ~3u))
			return ERR_CCCD_IMPROPER;
		a->value[0] = val[0];
		a->value[1] = val[1];
		ev->type = VG_ATTS_EV_CCCD;
		ev->handle = a->char_h;
		ev->uuid = a->char_uuid;
		ev->cccd = v;
		return 0;
	}
	if (a->type == UUID_HR_CONTROL_POINT && a->char_h) {
		if (len != 1 || val[0] != 0x01)
			return ERR_HRS_CP_NOT_SUPPORTED;
	}
	if (len > VG_ATTS_VALUE_MAX)
		return ERR_INVALID_VALUE_LEN;
	if (len)
		memcpy(a->value, val, len);
	a->len = (uint16_t)len;
	ev->type = VG_ATTS_EV_WRITE;
	ev->handle = a->char_h;
	ev->uuid = a->char_uuid;
	ev->value = val;
	ev->len = len;
	return 0;
}

/* Write Request (3.4.5.1) and, with no answer at all, Write Command. */
static int write_req(struct vg_atts *s, uint8_t op, struct cursor *c,
		     struct wcursor *w, struct vg_atts_event *ev)
{
	bool cmd = op == OP_WRITE_CMD;
	const uint8_t *val;
	struct attr *a;
	uint16_t h;
	size_t len;
	uint8_t code;

	if (!rd_le16(c, &h))
		return cmd ? 0 : error_rsp(w, op, 0, ERR_INVALID_PDU);
	len = cursor_left(c);
	rd_bytes(c, len, &val);
	a = get(s, h);
	if (!a)
		return cmd ? 0 : error_rsp(w, op, h, ERR_INVALID_HANDLE);
	if (!(a->perm & (cmd ? PERM_WRITE_NR : PERM_WRITE)))
		return cmd ? 0 : error_rsp(w, op, h, ERR_WRITE_NOT_PERMITTED);
	if (locked(s, a))
		return cmd ? 0 : error_rsp(w, op, h, ERR_INSUFF_AUTHEN);
	code = write_value(a, val, len, ev);
	if (cmd)
		return 0;
	if (code)
		return error_rsp(w, op, h, code);
	wr_u8(w, OP_WRITE_RSP);
	return done(w);
}

int vg_atts_input(struct vg_atts *s, const uint8_t *pdu, size_t len,
		  uint8_t *rsp, size_t cap, struct vg_atts_event *ev)
{
	struct cursor c = cursor_init(pdu, len);
	struct wcursor w = wcursor_init(rsp, cap);
	uint8_t op;

	memset(ev, 0, sizeof(*ev));
	if (cap < VG_ATTS_MTU_MAX)
		return -EMSGSIZE;
	if (!rd_u8(&c, &op)) {
		ev->type = VG_ATTS_EV_UNEXPECTED;
		return 0;
	}
	switch (op) {
	case OP_MTU_REQ:
		return mtu_req(s, &c, &w, ev);
	case OP_FIND_INFO_REQ:
		return find_info(s, &c, &w);
	case OP_FIND_BY_TYPE_REQ:
		return find_by_type(s, &c, &w);
	case OP_READ_BY_TYPE_REQ:
		return read_by_type(s, &c, &w);
	case OP_READ_REQ:
	case OP_READ_BLOB_REQ:
		return read_req(s, op, &c, &w);
	case OP_READ_GROUP_REQ:
		return read_by_group(s, &c, &w);
	case OP_WRITE_REQ:
	case OP_WRITE_CMD:
		return write_req(s, op, &c, &w, ev);
	case OP_CONFIRM:
		ev->type = VG_ATTS_EV_CONFIRM;
		return 0;
	}
	/*
	 * Responses, notifications and unknown commands are not ours to
	 * answer (a command is never answered, 3.3.1); any other request,
	 * known or not, gets Request Not Supported (3.4.1.1).
	 */
	if ((op & OP_COMMAND_FLAG) || (op & 1) || op == OP_NOTIFY) {
		ev->type = VG_ATTS_EV_UNEXPECTED;
		return 0;
	}
	return error_rsp(&w, op, 0, ERR_REQ_NOT_SUPPORTED);
}

int vg_atts_notification(const struct vg_atts *s, uint16_t handle,
			 const uint8_t *value, size_t len, uint8_t *out,
			 size_t cap)
{
	struct wcursor w = wcursor_init(out, cap);

	if (len > (size_t)s->mtu - 3)
		len = (size_t)s->mtu - 3;
	wr_u8(&w, OP_NOTIFY);
	wr_le16(&w, handle);
	wr_bytes(&w, value, len);
	return done(&w);
}
