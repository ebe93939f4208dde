/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the ATT client and the Heart Rate profile above it,
 * fed what a hostile strap could send after discovery has started. The
 * input is a script:
 *
 *   byte 0          our MTU offer: 23 + 2 x byte (clamped to 517)
 *   then actions, each led by one byte c:
 *     c >> 6 == 0   a PDU of (c & 0x3f) bytes follows
 *     c >> 6 == 1   a PDU of ((c & 0x3f) << 8 | next byte) bytes follows
 *                   (cut to what is left), to pass any ATT_MTU
 *     c >> 6 == 2   time moves (c & 0x3f) seconds on, then a tick
 *     c >> 6 == 3   the transport answers a security raise: bit 0 set
 *                   means it failed
 *
 * After each action the glue's work is done (every PDU popped, every
 * event drained) and invariants are checked: nothing longer than ATT_MTU
 * goes out, at most one request is outstanding, nothing at all goes out
 * once the link is closed, and a closed link has a reason.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vagus/att.h"
#include "vagus/hrp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool is_request(uint8_t op)
{
	switch (op) {
	case 0x02:
	case 0x04:
	case 0x06:
	case 0x08:
	case 0x0a:
	case 0x0c:
	case 0x0e:
	case 0x10:
	case 0x12:
	case 0x16:
	case 0x18:
	case 0x20:
		return true;
	default:
		return false;
	}
}

static bool is_response(uint8_t op)
{
	return op == 0x01 || (op > 0 && is_request((uint8_t)(op - 1)));
}

struct state {
	struct vg_hrp *h;
	bool outstanding; /* a request went out and was not answered */
};

static void glue(struct state *st)
{
	static uint8_t out[VG_ATT_MTU_MAX];
	static struct vg_hrp_event ev;
	int n;

	while ((n = vg_hrp_pop_tx(st->h, out, sizeof(out))) > 0) {
		if (vg_hrp_closed(st->h))
			abort(); /* nothing after the end (3.3.3) */
		if ((size_t)n > vg_hrp_info(st->h)->mtu)
			abort();
		if (is_request(out[0])) {
			if (st->outstanding)
				abort(); /* two at once (3.3.2) */
			st->outstanding = true;
		}
	}
	if (n < 0)
		abort();
	while (vg_hrp_next_event(st->h, &ev)) {
		if (ev.type == VG_HRP_EV_SECURITY)
			st->outstanding = false; /* answered: an error */
		if (ev.type == VG_HRP_EV_MEASUREMENT &&
		    ev.raw_len > sizeof(ev.raw))
			abort();
	}
	if (vg_hrp_closed(st->h) && vg_hrp_close_reason(st->h)[0] == '\0')
		abort();
	if (vg_hrp_closed(st->h) && vg_hrp_close_error(st->h) >= 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pdu[16384];
	struct state st = {0};
	int64_t now = 0;
	size_t i = 1;

	if (size < 1)
		return 0;
	st.h = vg_hrp_new((uint16_t)(23 + 2 * data[0]));
	if (!st.h)
		return 0;
	vg_hrp_start(st.h, now);
	glue(&st);
	while (i < size) {
		uint8_t c = data[i++];
		size_t len;

		now += 1;
		switch (c >> 6) {
		case 0:
		case 1:
			len = c & 0x3f;
			if (c >> 6 == 1) {
				if (i >= size)
					break;
				len = len << 8 | data[i++];
			}
			if (len > size - i)
				len = size - i;
			/* A copy: the client must not keep pointers into it. */
			memcpy(pdu, data + i, len);
			i += len;
			if (len > 0 && is_response(pdu[0]))
				st.outstanding = false;
			vg_hrp_input(st.h, now, pdu, len);
			memset(pdu, 0xa5, len);
			break;
		case 2:
			now += (int64_t)(c & 0x3f) * 1000;
			if (now >= vg_hrp_next_deadline(st.h))
				vg_hrp_tick(st.h, now);
			break;
		case 3:
			vg_hrp_security_done(st.h, now, (c & 1) ? -EACCES : 0);
			break;
		}
		glue(&st);
	}
	vg_hrp_free(st.h);
	return 0;
}
