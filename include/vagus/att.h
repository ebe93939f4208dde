/* SPDX-License-Identifier: MIT */
/*
 * The ATT client bearer (Core spec 5.3 Vol 3 Part F): sans-I/O. The caller
 * passes each received PDU and the time in, pulls the PDUs to send and
 * sleeps until the next deadline; the object never touches a socket or a
 * clock, so it runs the same on an L2CAP socket, a Unix socket, in a test
 * or under a fuzzer.
 *
 * One request is outstanding at a time (3.3.2, sequential protocol); the
 * rest wait in a fixed queue. A request unanswered for 30 s ends the link
 * (3.3.3): no ATT PDU may be sent on it again. A peer that breaks the
 * protocol (a response with no request outstanding or for another request,
 * a malformed or truncated PDU, a PDU longer than ATT_MTU, an unknown
 * opcode where a response was due) closes the link too: the object moves
 * to the closed state with a reason, the caller tears the link down.
 * Requests the server sends us are answered as BlueZ does: Exchange MTU
 * with our MTU, everything else with "Request Not Supported" (3.4.1.1);
 * commands are ignored; indications are confirmed at once (3.4.7.2).
 *
 * "Insufficient authentication/encryption/encryption key size" for our
 * request asks the caller to raise the link's security (an event), and the
 * same request is sent once more after vg_att_security_done(); a second
 * failure is handed up as an ordinary error.
 *
 * Times are int64_t milliseconds on a monotonic clock, passed in.
 * Memory: everything is allocated by vg_att_new(); nothing after.
 */
#ifndef VAGUS_ATT_H
#define VAGUS_ATT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ATT_MTU bounds on LE: the default and the largest (Part F 3.2.8, 3.2.9). */
#define VG_ATT_MTU_MIN 23
#define VG_ATT_MTU_MAX 517
/* Transaction timeout (Part F 3.3.3), milliseconds. */
#define VG_ATT_TIMEOUT_MS 30000
/* Requests that may wait behind the outstanding one. */
#define VG_ATT_QUEUE_MAX 8
/*
 * Read each PDU into a buffer of at least this many bytes, so a PDU longer
 * than any ATT_MTU arrives whole and is refused instead of being cut.
 */
#define VG_ATT_RX_BUF (VG_ATT_MTU_MAX + 1)
/* "no deadline" */
#define VG_ATT_NEVER INT64_MAX

/* Opcodes (Part F 3.4.8, table 3.37). */
enum vg_att_opcode {
	VG_ATT_OP_ERROR_RSP = 0x01,
	VG_ATT_OP_MTU_REQ = 0x02,
	VG_ATT_OP_MTU_RSP = 0x03,
	VG_ATT_OP_FIND_INFO_REQ = 0x04,
	VG_ATT_OP_FIND_INFO_RSP = 0x05,
	VG_ATT_OP_FIND_BY_TYPE_REQ = 0x06,
	VG_ATT_OP_FIND_BY_TYPE_RSP = 0x07,
	VG_ATT_OP_READ_BY_TYPE_REQ = 0x08,
	VG_ATT_OP_READ_BY_TYPE_RSP = 0x09,
	VG_ATT_OP_READ_REQ = 0x0a,
	VG_ATT_OP_READ_RSP = 0x0b,
	VG_ATT_OP_READ_BLOB_REQ = 0x0c,
	VG_ATT_OP_READ_BLOB_RSP = 0x0d,
	VG_ATT_OP_READ_MULT_REQ = 0x0e,
	VG_ATT_OP_READ_MULT_RSP = 0x0f,
	VG_ATT_OP_READ_GROUP_REQ = 0x10,
	VG_ATT_OP_READ_GROUP_RSP = 0x11,
	VG_ATT_OP_WRITE_REQ = 0x12,
	VG_ATT_OP_WRITE_RSP = 0x13,
	VG_ATT_OP_PREP_WRITE_REQ = 0x16,
	VG_ATT_OP_PREP_WRITE_RSP = 0x17,
	VG_ATT_OP_EXEC_WRITE_REQ = 0x18,
	VG_ATT_OP_EXEC_WRITE_RSP = 0x19,
	VG_ATT_OP_NOTIFY = 0x1b,
	VG_ATT_OP_INDICATE = 0x1d,
	VG_ATT_OP_CONFIRM = 0x1e,
	VG_ATT_OP_READ_MULT_VAR_REQ = 0x20,
	VG_ATT_OP_READ_MULT_VAR_RSP = 0x21,
	VG_ATT_OP_MULT_NOTIFY = 0x23,
	VG_ATT_OP_WRITE_CMD = 0x52,
	VG_ATT_OP_SIGNED_WRITE_CMD = 0xd2,
};

/* Error codes (Part F 3.4.1.1, table 3.4). */
enum vg_att_ecode {
	VG_ATT_E_INVALID_HANDLE = 0x01,
	VG_ATT_E_READ_NOT_PERMITTED = 0x02,
	VG_ATT_E_WRITE_NOT_PERMITTED = 0x03,
	VG_ATT_E_INVALID_PDU = 0x04,
	VG_ATT_E_AUTHENTICATION = 0x05,
	VG_ATT_E_REQ_NOT_SUPPORTED = 0x06,
	VG_ATT_E_INVALID_OFFSET = 0x07,
	VG_ATT_E_AUTHORIZATION = 0x08,
	VG_ATT_E_PREP_QUEUE_FULL = 0x09,
	VG_ATT_E_ATTR_NOT_FOUND = 0x0a,
	VG_ATT_E_ATTR_NOT_LONG = 0x0b,
	VG_ATT_E_ENC_KEY_SIZE = 0x0c,
	VG_ATT_E_INVALID_VALUE_LEN = 0x0d,
	VG_ATT_E_UNLIKELY = 0x0e,
	VG_ATT_E_ENCRYPTION = 0x0f,
	VG_ATT_E_UNSUPPORTED_GROUP = 0x10,
	VG_ATT_E_INSUFFICIENT_RESOURCES = 0x11,
};

/*
 * Link security levels, numbered as Linux BT_SECURITY_* and
 * enum vg_transport_security, so the glue passes them straight through.
 */
enum vg_att_security {
	VG_ATT_SEC_LOW = 1,    /* no encryption */
	VG_ATT_SEC_MEDIUM = 2, /* encrypted, unauthenticated pairing */
	VG_ATT_SEC_HIGH = 3,   /* encrypted, authenticated (MITM) pairing */
};

enum vg_att_event_type {
	VG_ATT_EV_NONE = 0,
	/* The outstanding request was answered: opcode, req_opcode, data. */
	VG_ATT_EV_RESPONSE,
	/*
	 * The outstanding request failed: req_opcode, handle, ecode; retried
	 * when it had already been resent after raising security;
	 * security_err < 0 when raising security itself failed.
	 */
	VG_ATT_EV_ERROR,
	/* Handle Value Notification: handle, data = value. */
	VG_ATT_EV_NOTIFY,
	/* Handle Value Indication: handle, data; already confirmed. */
	VG_ATT_EV_INDICATE,
	/*
	 * Raise the link's security to @security, then call
	 * vg_att_security_done(); the request waits (no timer runs).
	 */
	VG_ATT_EV_SECURITY,
	/* The link must close: see vg_att_close_reason(). */
	VG_ATT_EV_CLOSED,
};

/*
 * What one call did, for the layer above. @data points into the PDU the
 * caller passed to vg_att_input() (no copy): valid while that buffer is.
 */
struct vg_att_event {
	enum vg_att_event_type type;
	uint8_t opcode;	    /* RESPONSE: the response opcode */
	uint8_t req_opcode; /* RESPONSE, ERROR: the request's opcode */
	uint8_t ecode;	    /* ERROR: enum vg_att_ecode */
	bool retried;	    /* ERROR: after a raise of security */
	int security_err;   /* ERROR: 0, or why raising security failed */
	uint16_t handle;    /* ERROR: handle in error; NOTIFY/INDICATE */
	enum vg_att_security security; /* SECURITY: the level wanted */
	const uint8_t *data;	       /* RESPONSE: parameters after opcode */
	size_t len;
	int err; /* CLOSED: -EPROTO, -EBADMSG, -EMSGSIZE, -ETIMEDOUT, ... */
};

struct vg_att;

/*
 * A client for one link that will offer @mtu_offer as its Rx MTU (clamped
 * to 23..517). ATT_MTU is 23 until an exchange. NULL on allocation failure.
 */
struct vg_att *vg_att_new(uint16_t mtu_offer);
void vg_att_free(struct vg_att *att);

/*
 * Queues an Exchange MTU Request (Part G 4.3.1; once per link). Returns 0,
 * -EALREADY if already asked, -ENOBUFS (queue full), -ENOTCONN (closed).
 */
int vg_att_exchange_mtu(struct vg_att *att, int64_t now);

/*
 * Queues request PDU @pdu (@len bytes, opcode first, any request opcode
 * but Exchange MTU). It is sent when the ones before it are answered.
 * Returns 0, -EINVAL (not a request opcode, or empty), -EMSGSIZE (longer
 * than the current ATT_MTU), -ENOBUFS (queue full), -ENOTCONN (closed).
 */
int vg_att_request(struct vg_att *att, int64_t now, const uint8_t *pdu,
		   size_t len);

/* Request builders over vg_att_request(); same returns. UUIDs 16-bit. */
int vg_att_read(struct vg_att *att, int64_t now, uint16_t handle);
int vg_att_write(struct vg_att *att, int64_t now, uint16_t handle,
		 const uint8_t *value, size_t len);
int vg_att_find_info(struct vg_att *att, int64_t now, uint16_t start,
		     uint16_t end);
int vg_att_read_by_type(struct vg_att *att, int64_t now, uint16_t start,
			uint16_t end, uint16_t uuid16);
int vg_att_read_by_group_type(struct vg_att *att, int64_t now, uint16_t start,
			      uint16_t end, uint16_t uuid16);

/*
 * Handles one received PDU of @len bytes. Fills @ev (never NULL) with what
 * the layer above must know (VG_ATT_EV_NONE for nothing). Returns 0, or
 * the -errno of the violation that closed the link now (@ev is then
 * VG_ATT_EV_CLOSED), or -ENOTCONN when the link was already closed.
 */
int vg_att_input(struct vg_att *att, int64_t now, const uint8_t *pdu,
		 size_t len, struct vg_att_event *ev);

/*
 * Call when @now reaches vg_att_next_deadline(). Closes the link with
 * -ETIMEDOUT when the outstanding request is 30 s old (@ev CLOSED).
 * Returns 0 or -ETIMEDOUT.
 */
int vg_att_tick(struct vg_att *att, int64_t now, struct vg_att_event *ev);

/* Earliest time tick must run (ms), or VG_ATT_NEVER. */
int64_t vg_att_next_deadline(const struct vg_att *att);

/*
 * After a VG_ATT_EV_SECURITY: @err is 0 when the link now has the level
 * asked for (the request is sent again), or the -errno of the failure (the
 * original error is handed up in @ev). Returns 0, or -EINVAL when no
 * raise was asked for.
 */
int vg_att_security_done(struct vg_att *att, int64_t now, int err,
			 struct vg_att_event *ev);

/* Tells the client the level the link has (VG_ATT_SEC_LOW at first). */
void vg_att_set_security(struct vg_att *att, enum vg_att_security level);

/*
 * Copies the next PDU to send into @buf (capacity @cap). Returns its
 * length, 0 when there is nothing to send (always once closed), or
 * -EMSGSIZE when @cap is too small (the PDU stays queued).
 */
int vg_att_pop_tx(struct vg_att *att, uint8_t *buf, size_t cap);

/* The link's ATT_MTU: 23 until an exchange, then min(ours, server's). */
uint16_t vg_att_mtu(const struct vg_att *att);

/* Whether the link must close (violation, timeout, or vg_att_close()). */
bool vg_att_closed(const struct vg_att *att);

/* Why it closed (one line, no newline), or "" while open. */
const char *vg_att_close_reason(const struct vg_att *att);

/* The -errno it closed with, or 0 while open. */
int vg_att_close_error(const struct vg_att *att);

/*
 * Closes the link for a reason found by a layer above (a missing service):
 * nothing more is sent. @err is a -errno; @reason is copied (cut to 159
 * bytes). A second close keeps the first reason.
 */
void vg_att_close(struct vg_att *att, int err, const char *reason);

/* English name of an error code ("Attribute Not Found"), never NULL. */
const char *vg_att_ecode_name(uint8_t ecode);

/* English name of an opcode ("Read By Type Request"), never NULL. */
const char *vg_att_opcode_name(uint8_t opcode);

#endif
