/* SPDX-License-Identifier: MIT */
/* Raw HCI: LE scan commands and the events they bring (Vol 4 Part E). */
#include "vagus/hci.h"

#include <errno.h>
#include <string.h>

#include "core/cursor.h"

/*
 * Command packet (Vol 4 Part E 5.4.1, with the H:4 type octet):
 *
 *   | 0x01 | opcode (2) | param length (1) | params ... |
 */
static void wr_cmd_header(struct wcursor *w, uint16_t opcode, uint8_t plen)
{
	wr_u8(w, VG_HCI_COMMAND_PKT);
	wr_le16(w, opcode);
	wr_u8(w, plen);
}

/*
 * LE Set Scan Parameters (7.8.10): LE_Scan_Type (1), LE_Scan_Interval (2),
 * LE_Scan_Window (2), Own_Address_Type (1), Scanning_Filter_Policy (1).
 * The filter policy stays 0 (accept all): we do not know the strap yet.
 */
int vg_hci_cmd_le_scan_params(uint8_t *buf, size_t cap, bool active,
			      uint16_t interval, uint16_t window,
			      uint8_t own_addr_type)
{
	struct wcursor w = wcursor_init(buf, cap);

	if (interval < 0x0004 || interval > 0x4000 || window < 0x0004 ||
	    window > interval || own_addr_type > 1)
		return -EINVAL;
	wr_cmd_header(&w, VG_HCI_OP_LE_SET_SCAN_PARAMS, 7);
	wr_u8(&w, active ? 0x01 : 0x00);
	wr_le16(&w, interval);
	wr_le16(&w, window);
	wr_u8(&w, own_addr_type);
	wr_u8(&w, 0x00);
	return w.overflow ? -EMSGSIZE : (int)w.len;
}

/* LE Set Scan Enable (7.8.11): LE_Scan_Enable (1), Filter_Duplicates (1). */
int vg_hci_cmd_le_scan_enable(uint8_t *buf, size_t cap, bool enable,
			      bool filter_duplicates)
{
	struct wcursor w = wcursor_init(buf, cap);

	wr_cmd_header(&w, VG_HCI_OP_LE_SET_SCAN_ENABLE, 2);
	wr_u8(&w, enable ? 0x01 : 0x00);
	wr_u8(&w, filter_duplicates ? 0x01 : 0x00);
	return w.overflow ? -EMSGSIZE : (int)w.len;
}

/*
 * LE Set Advertising Parameters (7.8.5): Advertising_Interval_Min (2),
 * _Max (2), Advertising_Type (1), Own_Address_Type (1), Peer_Address_Type
 * (1), Peer_Address (6), Advertising_Channel_Map (1), Advertising_Filter_
 * Policy (1). The peer fields matter only for directed advertising.
 */
int vg_hci_cmd_le_adv_params(uint8_t *buf, size_t cap, uint16_t interval_min,
			     uint16_t interval_max, uint8_t adv_type,
			     uint8_t own_addr_type)
{
	static const uint8_t no_peer[7];
	struct wcursor w = wcursor_init(buf, cap);

	if (interval_min < 0x0020 || interval_max > 0x4000 ||
	    interval_min > interval_max || own_addr_type > 1 ||
	    (adv_type != VG_HCI_ADV_IND && adv_type != VG_HCI_ADV_SCAN_IND &&
	     adv_type != VG_HCI_ADV_NONCONN_IND))
		return -EINVAL;
	wr_cmd_header(&w, VG_HCI_OP_LE_SET_ADV_PARAMS, 15);
	wr_le16(&w, interval_min);
	wr_le16(&w, interval_max);
	wr_u8(&w, adv_type);
	wr_u8(&w, own_addr_type);
	wr_bytes(&w, no_peer, sizeof(no_peer));
	wr_u8(&w, 0x07);
	wr_u8(&w, 0x00);
	return w.overflow ? -EMSGSIZE : (int)w.len;
}

/* Data_Length (1), Data (31): the unused tail is sent as zeros. */
int vg_hci_cmd_le_adv_data(uint8_t *buf, size_t cap, bool scan_rsp,
			   const uint8_t *data, size_t len)
{
	static const uint8_t zeros[VG_HCI_ADV_DATA_MAX];
	struct wcursor w = wcursor_init(buf, cap);

	if (len > VG_HCI_ADV_DATA_MAX || (len && !data))
		return -EINVAL;
	wr_cmd_header(&w,
		      scan_rsp ? VG_HCI_OP_LE_SET_SCAN_RSP_DATA
			       : VG_HCI_OP_LE_SET_ADV_DATA,
		      1 + VG_HCI_ADV_DATA_MAX);
	wr_u8(&w, (uint8_t)len);
	if (len)
		wr_bytes(&w, data, len);
	wr_bytes(&w, zeros, VG_HCI_ADV_DATA_MAX - len);
	return w.overflow ? -EMSGSIZE : (int)w.len;
}

int vg_hci_cmd_le_adv_enable(uint8_t *buf, size_t cap, bool enable)
{
	struct wcursor w = wcursor_init(buf, cap);

	wr_cmd_header(&w, VG_HCI_OP_LE_SET_ADV_ENABLE, 1);
	wr_u8(&w, enable ? 0x01 : 0x00);
	return w.overflow ? -EMSGSIZE : (int)w.len;
}

/* Disconnect (7.1.6): Connection_Handle (2), Reason (1). */
int vg_hci_cmd_disconnect(uint8_t *buf, size_t cap, uint16_t handle,
			  uint8_t reason)
{
	struct wcursor w = wcursor_init(buf, cap);

	if (handle > 0x0EFF)
		return -EINVAL;
	switch (reason) {
	case 0x05:
	case VG_HCI_REMOTE_USER_TERM:
	case VG_HCI_REMOTE_LOW_RESOURCES:
	case VG_HCI_REMOTE_POWER_OFF:
	case 0x1A:
	case 0x29:
	case VG_HCI_CONN_PARAMS_REJECTED:
		break;
	default:
		return -EINVAL;
	}
	wr_cmd_header(&w, VG_HCI_OP_DISCONNECT, 3);
	wr_le16(&w, handle);
	wr_u8(&w, reason);
	return w.overflow ? -EMSGSIZE : (int)w.len;
}

/*
 * One advertising report (7.7.65.2), read report by report the way
 * controllers send them and Linux (hci_event.c) and btmon read them:
 *
 *   | Event_Type (1) | Address_Type (1) | Address (6) |
 *   | Data_Length (1) | Data (Data_Length) | RSSI (1) |
 */
static int read_report(struct cursor *c, struct vg_hci_adv_report *r)
{
	const uint8_t *addr;
	uint8_t rssi;

	if (!rd_u8(c, &r->event_type) || !rd_u8(c, &r->addr_type) ||
	    !rd_bytes(c, 6, &addr) || !rd_u8(c, &r->data_len))
		return -EBADMSG;
	/* Legacy PDUs carry at most 31 octets; more is a broken report,
	 * and its length would misplace every report after it. */
	if (r->data_len > VG_HCI_ADV_DATA_MAX)
		return -EBADMSG;
	if (!rd_bytes(c, r->data_len, &r->data) || !rd_u8(c, &rssi))
		return -EBADMSG;
	memcpy(r->bdaddr, addr, 6);
	r->rssi = (int8_t)rssi;
	return 0;
}

/*
 * LE Advertising Report: Subevent_Code (1) = 0x02, Num_Reports (1),
 * then the reports. All of them must parse and end exactly where the
 * event ends.
 */
static bool dec_adv(struct cursor *c, struct vg_hci_event *ev)
{
	struct vg_hci_adv_report r;
	struct cursor all;

	if (!rd_u8(c, &ev->u.adv.num))
		return false;
	all = *c;
	for (unsigned i = 0; i < ev->u.adv.num; i++)
		if (read_report(c, &r) < 0)
			return false;
	if (cursor_left(c) != 0)
		return false;
	ev->u.adv.reports = all.p;
	ev->u.adv.len = all.left;
	return true;
}

/*
 * Event packet (5.4.4, with the H:4 type octet):
 *
 *   | 0x04 | event code (1) | param length (1) | params ... |
 */
int vg_hci_decode_event(const uint8_t *buf, size_t len, struct vg_hci_event *ev)
{
	struct cursor c = cursor_init(buf, len);
	uint8_t type, plen;
	bool ok = true;

	memset(ev, 0, sizeof(*ev));
	if (!rd_u8(&c, &type) || type != VG_HCI_EVENT_PKT ||
	    !rd_u8(&c, &ev->code) || !rd_u8(&c, &plen) ||
	    plen != cursor_left(&c))
		return -EBADMSG;

	switch (ev->code) {
	case VG_HCI_EV_CMD_COMPLETE:
		/* Num_HCI_Command_Packets (1), Command_Opcode (2),
		 * Return_Parameters (7.7.14). */
		ok = rd_u8(&c, &ev->u.cmd_complete.ncmd) &&
		     rd_le16(&c, &ev->u.cmd_complete.opcode);
		if (!ok)
			break;
		ev->u.cmd_complete.rlen = cursor_left(&c);
		ev->u.cmd_complete.ret = c.p;
		ev->u.cmd_complete.has_status =
		    rd_u8(&c, &ev->u.cmd_complete.status);
		break;
	case VG_HCI_EV_CMD_STATUS:
		/* Status (1), Num_HCI_Command_Packets (1), Opcode (2). */
		ok = rd_u8(&c, &ev->u.cmd_status.status) &&
		     rd_u8(&c, &ev->u.cmd_status.ncmd) &&
		     rd_le16(&c, &ev->u.cmd_status.opcode);
		break;
	case VG_HCI_EV_DISCONN_COMPLETE:
		/* Status (1), Connection_Handle (2), Reason (1) (7.7.5). */
		ok = rd_u8(&c, &ev->u.disconn.status) &&
		     rd_le16(&c, &ev->u.disconn.handle) &&
		     rd_u8(&c, &ev->u.disconn.reason);
		if (ok)
			ev->u.disconn.handle &= 0x0FFF;
		break;
	case VG_HCI_EV_LE_META:
		ok = rd_u8(&c, &ev->subevent);
		if (ok && ev->subevent == VG_HCI_LE_ADV_REPORT)
			ok = dec_adv(&c, ev);
		break;
	}
	return ok ? 0 : -EBADMSG;
}

void vg_hci_adv_iter_init(struct vg_hci_adv_iter *it,
			  const struct vg_hci_event *ev)
{
	memset(it, 0, sizeof(*it));
	if (ev->code != VG_HCI_EV_LE_META ||
	    ev->subevent != VG_HCI_LE_ADV_REPORT)
		return;
	it->p = ev->u.adv.reports;
	it->left = ev->u.adv.len;
	it->remaining = ev->u.adv.num;
}

int vg_hci_adv_next(struct vg_hci_adv_iter *it, struct vg_hci_adv_report *r)
{
	struct cursor c = cursor_init(it->p, it->left);

	if (it->remaining == 0)
		return 0;
	memset(r, 0, sizeof(*r));
	if (read_report(&c, r) < 0) {
		it->remaining = 0;
		return -EBADMSG;
	}
	it->p = c.p;
	it->left = c.left;
	it->remaining--;
	return 1;
}
