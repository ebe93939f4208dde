/* SPDX-License-Identifier: MIT */
/* Management interface packets: BlueZ doc/mgmt-api.txt. */
#include "vagus/mgmt.h"

#include <errno.h>
#include <string.h>

#include "core/cursor.h"
#include "vagus/adv.h"

int vg_mgmt_encode(uint8_t *buf, size_t cap, uint16_t opcode, uint16_t index,
		   const uint8_t *param, uint16_t plen)
{
	struct wcursor w = wcursor_init(buf, cap);

	wr_le16(&w, opcode);
	wr_le16(&w, index);
	wr_le16(&w, plen);
	if (plen)
		wr_bytes(&w, param, plen);
	if (w.overflow)
		return -EMSGSIZE;
	return (int)w.len;
}

/*
 * Add Advertising: Instance (1), Flags (4), Duration (2), Timeout (2),
 * Adv_Data_Len (1), Scan_Rsp_Len (1), Adv_Data, Scan_Rsp.
 */
int vg_mgmt_cmd_add_adv(uint8_t *buf, size_t cap, uint16_t index,
			uint8_t instance, uint32_t flags, uint16_t duration,
			uint16_t timeout, const uint8_t *adv, size_t adv_len,
			const uint8_t *rsp, size_t rsp_len)
{
	struct wcursor w = wcursor_init(buf, cap);
	size_t plen = 11 + adv_len + rsp_len;

	if (instance == 0 || instance == 0xFF || adv_len > 255 ||
	    rsp_len > 255 || (adv_len && !adv) || (rsp_len && !rsp))
		return -EINVAL;
	wr_le16(&w, VG_MGMT_OP_ADD_ADVERTISING);
	wr_le16(&w, index);
	wr_le16(&w, (uint16_t)plen);
	wr_u8(&w, instance);
	wr_le16(&w, (uint16_t)(flags & 0xFFFF));
	wr_le16(&w, (uint16_t)(flags >> 16));
	wr_le16(&w, duration);
	wr_le16(&w, timeout);
	wr_u8(&w, (uint8_t)adv_len);
	wr_u8(&w, (uint8_t)rsp_len);
	if (adv_len)
		wr_bytes(&w, adv, adv_len);
	if (rsp_len)
		wr_bytes(&w, rsp, rsp_len);
	return w.overflow ? -EMSGSIZE : (int)w.len;
}

int vg_mgmt_cmd_remove_adv(uint8_t *buf, size_t cap, uint16_t index,
			   uint8_t instance)
{
	return vg_mgmt_encode(buf, cap, VG_MGMT_OP_REMOVE_ADVERTISING, index,
			      &instance, 1);
}

/* Address (6), Address_Type (1): the parameters of both replies. */
int vg_mgmt_cmd_user_confirm(uint8_t *buf, size_t cap, uint16_t index,
			     const uint8_t bdaddr[6], uint8_t addr_type,
			     bool accept)
{
	uint8_t param[7];

	memcpy(param, bdaddr, 6);
	param[6] = addr_type;
	return vg_mgmt_encode(buf, cap,
			      accept ? VG_MGMT_OP_USER_CONFIRM_REPLY
				     : VG_MGMT_OP_USER_CONFIRM_NEG_REPLY,
			      index, param, sizeof(param));
}

static bool rd_addr(struct cursor *c, uint8_t bdaddr[6], uint8_t *type)
{
	const uint8_t *p;

	if (!rd_bytes(c, 6, &p) || !rd_u8(c, type))
		return false;
	memcpy(bdaddr, p, 6);
	return true;
}

/*
 * Command Complete: Command_Opcode (2), Status (1), Return_Parameters.
 * Command Status:   Command_Opcode (2), Status (1).
 */
static bool dec_cmd(struct cursor *c, struct vg_mgmt_event *ev)
{
	if (!rd_le16(c, &ev->u.cmd.opcode) || !rd_u8(c, &ev->u.cmd.status))
		return false;
	ev->u.cmd.rlen = 0;
	ev->u.cmd.ret = NULL;
	if (ev->code == VG_MGMT_EV_CMD_COMPLETE) {
		ev->u.cmd.rlen = cursor_left(c);
		return rd_bytes(c, ev->u.cmd.rlen, &ev->u.cmd.ret);
	}
	return true;
}

/*
 * Device Found: Address (6), Address_Type (1), RSSI (1), Flags (4),
 * EIR_Data_Length (2), EIR_Data (EIR_Data_Length).
 */
static bool dec_found(struct cursor *c, struct vg_mgmt_event *ev)
{
	uint8_t rssi;

	if (!rd_addr(c, ev->u.found.bdaddr, &ev->u.found.addr_type) ||
	    !rd_u8(c, &rssi) || !rd_le32(c, &ev->u.found.flags) ||
	    !rd_le16(c, &ev->u.found.eir_len))
		return false;
	ev->u.found.rssi = (int8_t)rssi;
	return rd_bytes(c, ev->u.found.eir_len, &ev->u.found.eir);
}

/*
 * Device Connected: Address (6), Address_Type (1), Flags (4),
 * EIR_Data_Length (2), EIR_Data.
 */
static bool dec_connected(struct cursor *c, struct vg_mgmt_event *ev)
{
	if (!rd_addr(c, ev->u.connected.bdaddr, &ev->u.connected.addr_type) ||
	    !rd_le32(c, &ev->u.connected.flags) ||
	    !rd_le16(c, &ev->u.connected.eir_len))
		return false;
	return rd_bytes(c, ev->u.connected.eir_len, &ev->u.connected.eir);
}

int vg_mgmt_decode(const uint8_t *buf, size_t len, struct vg_mgmt_event *ev)
{
	struct cursor c = cursor_init(buf, len);
	uint16_t plen;
	uint8_t b = 0;
	bool ok = true;

	memset(ev, 0, sizeof(*ev));
	if (!rd_le16(&c, &ev->code) || !rd_le16(&c, &ev->index) ||
	    !rd_le16(&c, &plen))
		return -EBADMSG;
	/* One event per datagram: a length that disagrees is corruption. */
	if (plen != cursor_left(&c))
		return -EBADMSG;
	ev->param = c.p;
	ev->plen = plen;

	switch (ev->code) {
	case VG_MGMT_EV_CMD_COMPLETE:
	case VG_MGMT_EV_CMD_STATUS:
		ok = dec_cmd(&c, ev);
		break;
	case VG_MGMT_EV_CONTROLLER_ERROR:
		ok = rd_u8(&c, &ev->u.error_code);
		break;
	case VG_MGMT_EV_NEW_SETTINGS:
		ok = rd_le32(&c, &ev->u.settings);
		break;
	case VG_MGMT_EV_DEVICE_CONNECTED:
		ok = dec_connected(&c, ev);
		break;
	case VG_MGMT_EV_DEVICE_DISCONNECTED:
		/* Address (6), Address_Type (1), Reason (1). */
		ok = rd_addr(&c, ev->u.disconnected.bdaddr,
			     &ev->u.disconnected.addr_type) &&
		     rd_u8(&c, &ev->u.disconnected.reason);
		break;
	case VG_MGMT_EV_CONNECT_FAILED:
		/* Address (6), Address_Type (1), Status (1). */
		ok = rd_addr(&c, ev->u.connect_failed.bdaddr,
			     &ev->u.connect_failed.addr_type) &&
		     rd_u8(&c, &ev->u.connect_failed.status);
		break;
	case VG_MGMT_EV_USER_CONFIRM_REQUEST:
		/* Address (6), Address_Type (1), Confirm_Hint (1),
		 * Value (4). */
		ok = rd_addr(&c, ev->u.user_confirm.bdaddr,
			     &ev->u.user_confirm.addr_type) &&
		     rd_u8(&c, &ev->u.user_confirm.confirm_hint) &&
		     rd_le32(&c, &ev->u.user_confirm.value);
		break;
	case VG_MGMT_EV_DEVICE_FOUND:
		ok = dec_found(&c, ev);
		break;
	case VG_MGMT_EV_DISCOVERING:
		/* Address_Type (1), Discovering (1). */
		ok = rd_u8(&c, &ev->u.discovering.type) && rd_u8(&c, &b);
		ev->u.discovering.on = ok && b != 0;
		break;
	}
	return ok ? 0 : -EBADMSG;
}

/* Version (1), Revision (2). */
int vg_mgmt_parse_version(const uint8_t *ret, size_t len,
			  struct vg_mgmt_version *out)
{
	struct cursor c = cursor_init(ret, len);

	memset(out, 0, sizeof(*out));
	if (!rd_u8(&c, &out->version) || !rd_le16(&c, &out->revision))
		return -EBADMSG;
	return 0;
}

/* Num_Controllers (2), Controller_Index[i] (2 each). */
int vg_mgmt_parse_index_list(const uint8_t *ret, size_t len, uint16_t *count,
			     const uint8_t **list)
{
	struct cursor c = cursor_init(ret, len);

	*count = 0;
	*list = NULL;
	if (!rd_le16(&c, count) || !rd_bytes(&c, (size_t)*count * 2, list)) {
		*count = 0;
		return -EBADMSG;
	}
	return 0;
}

uint16_t vg_mgmt_index_at(const uint8_t *list, uint16_t i)
{
	return (uint16_t)(list[2 * (size_t)i] | list[2 * (size_t)i + 1] << 8);
}

/*
 * Address (6), Bluetooth_Version (1), Manufacturer (2),
 * Supported_Settings (4), Current_Settings (4), Class_Of_Device (3),
 * Name (249), Short_Name (11).
 */
int vg_mgmt_parse_info(const uint8_t *ret, size_t len, struct vg_mgmt_info *out)
{
	struct cursor c = cursor_init(ret, len);
	const uint8_t *p, *name, *short_name;

	memset(out, 0, sizeof(*out));
	if (!rd_bytes(&c, 6, &p))
		return -EBADMSG;
	memcpy(out->bdaddr, p, 6);
	if (!rd_u8(&c, &out->bt_version) || !rd_le16(&c, &out->manufacturer) ||
	    !rd_le32(&c, &out->supported) || !rd_le32(&c, &out->current) ||
	    !rd_bytes(&c, 3, &p) || !rd_bytes(&c, 249, &name) ||
	    !rd_bytes(&c, 11, &short_name)) {
		memset(out, 0, sizeof(*out));
		return -EBADMSG;
	}
	memcpy(out->dev_class, p, 3);
	/* The kernel NUL-terminates names; a buggy one is still safe. */
	vg_adv_sanitize_name(name, 249, out->name, sizeof(out->name));
	vg_adv_sanitize_name(short_name, 11, out->short_name,
			     sizeof(out->short_name));
	return 0;
}

/* Current_Settings (4). */
int vg_mgmt_parse_settings(const uint8_t *ret, size_t len, uint32_t *settings)
{
	struct cursor c = cursor_init(ret, len);

	*settings = 0;
	return rd_le32(&c, settings) ? 0 : -EBADMSG;
}

const char *vg_mgmt_status_str(uint8_t status)
{
	static const char *const names[] = {
	    "Success",
	    "Unknown Command",
	    "Not Connected",
	    "Failed",
	    "Connect Failed",
	    "Authentication Failed",
	    "Not Paired",
	    "No Resources",
	    "Timeout",
	    "Already Connected",
	    "Busy",
	    "Rejected",
	    "Not Supported",
	    "Invalid Parameters",
	    "Disconnected",
	    "Not Powered",
	    "Cancelled",
	    "Invalid Index",
	    "RFKilled",
	    "Already Paired",
	    "Permission Denied",
	};

	if (status < sizeof(names) / sizeof(names[0]))
		return names[status];
	return "unknown status";
}

const char *vg_mgmt_disconn_str(uint8_t reason)
{
	switch (reason) {
	case VG_MGMT_DISCONN_TIMEOUT:
		return "connection timeout";
	case VG_MGMT_DISCONN_LOCAL_HOST:
		return "terminated by the local host";
	case VG_MGMT_DISCONN_REMOTE:
		return "terminated by the remote device";
	case VG_MGMT_DISCONN_AUTH_FAILURE:
		return "authentication failure";
	case VG_MGMT_DISCONN_LOCAL_SUSPEND:
		return "terminated by the local host for suspend";
	}
	return "unspecified";
}
