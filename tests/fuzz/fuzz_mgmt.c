/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: mgmt events and HCI LE advertising reports into the
 * discovery state machine, interleaved with time passing, commands sent
 * or refused, and stop/start, as a script read from the input:
 *
 *   byte 0     set-up: bit 0 raw HCI (else mgmt), bit 1 power_on,
 *              bit 2 a remembered strap, bit 3 a settle time,
 *              bit 4 a 4-entry table
 *   then ops   | op (1) | len (1) | len bytes |
 *     op % 8:  0 a packet as read from the socket
 *              1 a reply to the command awaited: status = first byte,
 *                return parameters = the rest (the header and opcode
 *                are made to match, and a Read Controller Information
 *                reply is padded with zeros to its 280 bytes, so deep
 *                states are reachable)
 *              2 send the next command       3 refuse it (-EPERM or -EIO)
 *              4 time passes by len * 97 ms and tick
 *              5 stop                        6 start
 *              7 jump to the deadline and tick
 *
 * Every packet is also given to the bare decoders. After each op the
 * invariants are checked: the table within its size and sorted, the pick
 * connectable and a heart-rate sensor (or the remembered strap), names
 * NUL-terminated, commands within VG_DISCOVERY_CMD_MAX, the deadline not
 * in the past after a tick.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vagus/discovery.h"
#include "vagus/hci.h"
#include "vagus/mgmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decoders(const uint8_t *p, size_t n)
{
	struct vg_mgmt_event ev;
	struct vg_hci_event hev;
	struct vg_hci_adv_iter it;
	struct vg_hci_adv_report r;
	struct vg_mgmt_info info;
	struct vg_mgmt_version ver;
	const uint8_t *list;
	uint16_t count;
	uint32_t settings;

	if (vg_mgmt_decode(p, n, &ev) == 0 &&
	    ev.code == VG_MGMT_EV_CMD_COMPLETE) {
		(void)vg_mgmt_parse_info(ev.u.cmd.ret, ev.u.cmd.rlen, &info);
		(void)vg_mgmt_parse_version(ev.u.cmd.ret, ev.u.cmd.rlen, &ver);
		(void)vg_mgmt_parse_settings(ev.u.cmd.ret, ev.u.cmd.rlen,
					     &settings);
		if (vg_mgmt_parse_index_list(ev.u.cmd.ret, ev.u.cmd.rlen,
					     &count, &list) == 0)
			for (uint16_t i = 0; i < count; i++)
				(void)vg_mgmt_index_at(list, i);
	}
	if (vg_hci_decode_event(p, n, &hev) == 0) {
		int rc;
		vg_hci_adv_iter_init(&it, &hev);
		while ((rc = vg_hci_adv_next(&it, &r)) > 0)
			if (r.data_len > VG_HCI_ADV_DATA_MAX)
				abort();
		/* An accepted event never turns out short. */
		if (rc < 0)
			abort();
	}
}

static void invariants(const struct vg_discovery *d, size_t cap, int64_t now)
{
	const struct vg_discovery_candidate *c[64], *p;
	size_t n = vg_discovery_list(d, c, 64);

	if (n > cap)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (strnlen(c[i]->name, sizeof(c[i]->name)) >=
		    sizeof(c[i]->name))
			abort();
		if (c[i]->heart_rate !=
		    (c[i]->hrs || (c[i]->has_appearance &&
				   vg_adv_is_hr_appearance(c[i]->appearance))))
			abort();
		if (i && c[i - 1]->rssi_valid && c[i]->rssi_valid &&
		    c[i - 1]->rssi < c[i]->rssi)
			abort();
		if (i && !c[i - 1]->rssi_valid && c[i]->rssi_valid)
			abort();
		if (c[i]->last_seen > now || c[i]->first_seen > c[i]->last_seen)
			abort();
	}
	p = vg_discovery_pick(d, now);
	if (p && (!p->connectable || !(p->heart_rate || p->remembered)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_discovery_config cfg;
	struct vg_discovery *d;
	uint8_t cmd[VG_DISCOVERY_CMD_MAX], pkt[300];
	uint16_t last_op = 0, last_index = 0;
	bool raw;
	int64_t now = 0;
	size_t i = 1;

	if (size < 1)
		return 0;
	raw = data[0] & 1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.mode = raw ? VG_DISCOVERY_RAW : VG_DISCOVERY_MGMT;
	cfg.index = raw ? 0 : VG_DISCOVERY_ANY_INDEX;
	cfg.power_on = data[0] & 2;
	if (data[0] & 4)
		vg_addr_parse("bt:00:AA:01:01:00:01", &cfg.remembered, NULL);
	cfg.settle_ms = (data[0] & 8) ? 2000 : 0;
	cfg.max_candidates = (data[0] & 16) ? 4 : 0;
	d = vg_discovery_new(&cfg);
	if (!d)
		abort();
	vg_discovery_start(d, now);

	while (i + 2 <= size) {
		uint8_t op = data[i] % 8, len = data[i + 1];
		const uint8_t *arg = data + i + 2;
		int n;

		if (i + 2 + len > size)
			len = (uint8_t)(size - i - 2);
		i += 2 + (size_t)len;
		switch (op) {
		case 0:
			decoders(arg, len);
			(void)vg_discovery_input(d, arg, len, now);
			break;
		case 1:
			/* A well-framed reply to the last command sent. */
			if (raw) {
				pkt[0] = VG_HCI_EVENT_PKT;
				pkt[1] = VG_HCI_EV_CMD_COMPLETE;
				pkt[2] = 4;
				pkt[3] = 1;
				pkt[4] = (uint8_t)last_op;
				pkt[5] = (uint8_t)(last_op >> 8);
				pkt[6] = len ? arg[0] : 0;
				n = 7;
			} else {
				size_t rlen = len ? len - 1u : 0u;
				size_t plen;
				if (last_op == VG_MGMT_OP_READ_INFO &&
				    rlen < 280)
					rlen = 280;
				plen = 3 + rlen;
				memset(pkt, 0, sizeof(pkt));
				pkt[0] = VG_MGMT_EV_CMD_COMPLETE;
				pkt[1] = 0;
				pkt[2] = (uint8_t)last_index;
				pkt[3] = (uint8_t)(last_index >> 8);
				pkt[4] = (uint8_t)plen;
				pkt[5] = (uint8_t)(plen >> 8);
				pkt[6] = (uint8_t)last_op;
				pkt[7] = (uint8_t)(last_op >> 8);
				pkt[8] = len ? arg[0] : 0;
				if (len > 1)
					memcpy(pkt + 9, arg + 1, len - 1u);
				n = (int)(6 + plen);
			}
			decoders(pkt, (size_t)n);
			if (vg_discovery_input(d, pkt, (size_t)n, now) < 0)
				abort(); /* we framed it right */
			break;
		case 2:
			n = vg_discovery_peek(d, cmd, sizeof(cmd));
			if (n < 0 || n > VG_DISCOVERY_CMD_MAX)
				abort();
			if (n > 0) {
				if (raw) {
					last_op =
					    (uint16_t)(cmd[1] | cmd[2] << 8);
				} else {
					last_op =
					    (uint16_t)(cmd[0] | cmd[1] << 8);
					last_index =
					    (uint16_t)(cmd[2] | cmd[3] << 8);
				}
				vg_discovery_sent(d, now);
			}
			break;
		case 3:
			vg_discovery_send_failed(d, len & 1 ? -EPERM : -EIO,
						 now);
			break;
		case 4:
			now += (int64_t)len * 97;
			vg_discovery_tick(d, now);
			break;
		case 5:
			vg_discovery_stop(d, now);
			break;
		case 6:
			vg_discovery_start(d, now);
			break;
		case 7: {
			int64_t t = vg_discovery_deadline(d);
			if (t > now)
				now = t;
			vg_discovery_tick(d, now);
			t = vg_discovery_deadline(d);
			if (t >= 0 && t <= now)
				abort(); /* tick left something due */
			break;
		}
		}
		invariants(d, cfg.max_candidates ? cfg.max_candidates : 64,
			   now);
		(void)vg_discovery_error(d);
		(void)vg_discovery_scanning(d);
	}
	vg_discovery_free(d);
	return 0;
}
