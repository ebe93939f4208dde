/* SPDX-License-Identifier: MIT */
/*
 * Raw HCI packets for the discovery fallback, when the management
 * interface cannot scan: the two LE scan commands, and the events a raw
 * HCI socket delivers for them (Core spec Vol 4 Part E; packets carry the
 * H:4 packet type octet first, as read from and written to a raw HCI
 * socket). Also Disconnection Complete, whose HCI reason (0x3b: the
 * strap's connection parameters were rejected) the management interface
 * reports only as "unspecified".
 *
 * Pure: no I/O, no allocation. Decoded events point into the caller's
 * buffer.
 */
#ifndef VAGUS_HCI_H
#define VAGUS_HCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* H:4 packet type indicators. */
#define VG_HCI_COMMAND_PKT 0x01
#define VG_HCI_EVENT_PKT 0x04

/* Opcodes: OGF 0x08 (LE controller) << 10 | OCF. */
#define VG_HCI_OP_LE_SET_SCAN_PARAMS 0x200B
#define VG_HCI_OP_LE_SET_SCAN_ENABLE 0x200C
#define VG_HCI_OP_LE_SET_ADV_PARAMS 0x2006
#define VG_HCI_OP_LE_SET_ADV_DATA 0x2008
#define VG_HCI_OP_LE_SET_SCAN_RSP_DATA 0x2009
#define VG_HCI_OP_LE_SET_ADV_ENABLE 0x200A
/* OGF 0x01 (link control). */
#define VG_HCI_OP_DISCONNECT 0x0406

/* Event codes and the LE Meta subevent. */
#define VG_HCI_EV_DISCONN_COMPLETE 0x05
#define VG_HCI_EV_CMD_COMPLETE 0x0E
#define VG_HCI_EV_CMD_STATUS 0x0F
#define VG_HCI_EV_LE_META 0x3E
#define VG_HCI_LE_ADV_REPORT 0x02

/* HCI error codes discovery reacts to (Vol 1 Part F). */
#define VG_HCI_SUCCESS 0x00
#define VG_HCI_UNKNOWN_COMMAND 0x01
#define VG_HCI_COMMAND_DISALLOWED 0x0C
#define VG_HCI_CONN_PARAMS_REJECTED 0x3B
/* Reasons a host may give in HCI Disconnect (7.1.6) besides 0x05, 0x1A,
 * 0x29 and 0x3B. */
#define VG_HCI_REMOTE_USER_TERM 0x13
#define VG_HCI_REMOTE_LOW_RESOURCES 0x14
#define VG_HCI_REMOTE_POWER_OFF 0x15

/* Advertising report event types (7.7.65.2). */
enum {
	VG_HCI_ADV_IND = 0x00,	       /* connectable, scannable */
	VG_HCI_ADV_DIRECT_IND = 0x01,  /* connectable, directed */
	VG_HCI_ADV_SCAN_IND = 0x02,    /* scannable, not connectable */
	VG_HCI_ADV_NONCONN_IND = 0x03, /* neither */
	VG_HCI_SCAN_RSP = 0x04,	       /* scan response to our request */
};

/* Legacy advertising and scan response data are at most 31 octets. */
#define VG_HCI_ADV_DATA_MAX 31

/*
 * Writes LE Set Scan Parameters (Vol 4 Part E 7.8.10) to @buf: @active
 * scanning asks for scan responses (where straps often put their name);
 * @interval and @window in 0.625 ms units (4..0x4000, window <= interval);
 * @own_addr_type 0 public, 1 random. Returns the packet length, -EINVAL
 * for out-of-range values, or -EMSGSIZE.
 */
int vg_hci_cmd_le_scan_params(uint8_t *buf, size_t cap, bool active,
			      uint16_t interval, uint16_t window,
			      uint8_t own_addr_type);

/* Writes LE Set Scan Enable (7.8.11). Returns the length or -EMSGSIZE. */
int vg_hci_cmd_le_scan_enable(uint8_t *buf, size_t cap, bool enable,
			      bool filter_duplicates);

/*
 * The peripheral's side, for the simulated strap when the management
 * interface cannot advertise.
 *
 * LE Set Advertising Parameters (7.8.5): intervals in 0.625 ms units
 * (0x0020..0x4000, min <= max), @adv_type VG_HCI_ADV_IND, _SCAN_IND or
 * _NONCONN_IND (directed advertising needs a peer and is refused),
 * @own_addr_type 0 public or 1 random; all three channels, no filter.
 * Returns the length, -EINVAL or -EMSGSIZE.
 */
int vg_hci_cmd_le_adv_params(uint8_t *buf, size_t cap, uint16_t interval_min,
			     uint16_t interval_max, uint8_t adv_type,
			     uint8_t own_addr_type);

/*
 * LE Set Advertising Data (7.8.7) or, with @scan_rsp, LE Set Scan
 * Response Data (7.8.8): @len (<= 31) significant bytes of @data, zero
 * padded to the 31 the command always carries. Returns the length,
 * -EINVAL or -EMSGSIZE.
 */
int vg_hci_cmd_le_adv_data(uint8_t *buf, size_t cap, bool scan_rsp,
			   const uint8_t *data, size_t len);

/* LE Set Advertising Enable (7.8.9). Returns the length or -EMSGSIZE. */
int vg_hci_cmd_le_adv_enable(uint8_t *buf, size_t cap, bool enable);

/*
 * Disconnect (7.1.6) of connection @handle (<= 0x0EFF) with @reason, one
 * of those the spec lets a host give (0x05, 0x13, 0x14, 0x15, 0x1A, 0x29,
 * 0x3B). Returns the length, -EINVAL or -EMSGSIZE.
 */
int vg_hci_cmd_disconnect(uint8_t *buf, size_t cap, uint16_t handle,
			  uint8_t reason);

struct vg_hci_event {
	uint8_t code;	  /* VG_HCI_EV_* */
	uint8_t subevent; /* LE Meta only */
	union {
		/* CMD_COMPLETE: has_status when return parameters exist
		 * (their first octet is the status for the commands here);
		 * opcode 0 only returns command credits. */
		struct {
			uint8_t ncmd;
			uint16_t opcode;
			bool has_status;
			uint8_t status;
			const uint8_t *ret;
			size_t rlen;
		} cmd_complete;
		struct {
			uint8_t status;
			uint8_t ncmd;
			uint16_t opcode;
		} cmd_status;
		struct {
			uint8_t status;
			uint16_t handle;
			uint8_t reason; /* HCI error code */
		} disconn;
		/* LE_ADV_REPORT: @num reports at @reports, all lengths
		 * already checked; walk them with vg_hci_adv_next(). */
		struct {
			uint8_t num;
			const uint8_t *reports;
			size_t len;
		} adv;
	} u;
};

/*
 * Decodes one packet read from a raw HCI socket (packet type octet
 * first). Returns 0 for an event (unknown ones decode to their code);
 * -EBADMSG when it is not an event packet, its parameter length disagrees
 * with @len, or the fixed fields of a known event are short. An
 * advertising report event is checked whole: every report's data length
 * must fit, stay within 31 octets, and the reports must fill the event
 * exactly; otherwise none of them is delivered.
 */
int vg_hci_decode_event(const uint8_t *buf, size_t len,
			struct vg_hci_event *ev);

struct vg_hci_adv_report {
	uint8_t event_type; /* VG_HCI_ADV_* */
	/* 0 public, 1 random, 2 public identity, 3 random identity (the
	 * controller resolved a private address) */
	uint8_t addr_type;
	uint8_t bdaddr[6]; /* bdaddr_t order: last octet first */
	const uint8_t *data;
	uint8_t data_len;
	int8_t rssi; /* dBm; 127 = not available */
};

struct vg_hci_adv_iter {
	const uint8_t *p;
	size_t left;
	uint8_t remaining;
};

/* Starts walking the reports of a decoded LE_ADV_REPORT event. */
void vg_hci_adv_iter_init(struct vg_hci_adv_iter *it,
			  const struct vg_hci_event *ev);

/*
 * The next report into @r: returns 1, 0 when there are no more, or
 * -EBADMSG if the reports are short (never after vg_hci_decode_event()
 * accepted the event).
 */
int vg_hci_adv_next(struct vg_hci_adv_iter *it, struct vg_hci_adv_report *r);

#endif
