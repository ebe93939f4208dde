/* SPDX-License-Identifier: MIT */
/*
 * The kernel's Bluetooth management interface (the HCI control channel,
 * BlueZ doc/mgmt-api.txt): packet encoding and event decoding for the
 * commands and events discovery uses. It coexists with bluetoothd, which
 * talks to the kernel through the same interface.
 *
 * Every packet, both ways, is a 6-byte little-endian header and its
 * parameters:
 *
 *   | opcode or event code (2) | controller index (2) | param length (2) |
 *   | parameters ...                                                    |
 *
 * Pure: no I/O, no allocation. Decoded events point into the caller's
 * buffer (valid as long as it is).
 */
#ifndef VAGUS_MGMT_H
#define VAGUS_MGMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VG_MGMT_HDR_LEN 6
/* <non-controller>: commands and events not about one controller. */
#define VG_MGMT_INDEX_NONE 0xFFFF

/* Command codes. */
enum {
	VG_MGMT_OP_READ_VERSION = 0x0001,
	VG_MGMT_OP_READ_INDEX_LIST = 0x0003,
	VG_MGMT_OP_READ_INFO = 0x0004,
	VG_MGMT_OP_SET_POWERED = 0x0005,
	VG_MGMT_OP_SET_LE = 0x000D,
	VG_MGMT_OP_START_DISCOVERY = 0x0023,
	VG_MGMT_OP_USER_CONFIRM_REPLY = 0x001C,
	VG_MGMT_OP_USER_CONFIRM_NEG_REPLY = 0x001D,
	VG_MGMT_OP_STOP_DISCOVERY = 0x0024,
	VG_MGMT_OP_SET_BREDR = 0x002A,
	VG_MGMT_OP_SET_STATIC_ADDRESS = 0x002B,
	VG_MGMT_OP_READ_ADV_FEATURES = 0x003D,
	VG_MGMT_OP_ADD_ADVERTISING = 0x003E,
	VG_MGMT_OP_REMOVE_ADVERTISING = 0x003F,
};

/* Event codes. */
enum {
	VG_MGMT_EV_CMD_COMPLETE = 0x0001,
	VG_MGMT_EV_CMD_STATUS = 0x0002,
	VG_MGMT_EV_CONTROLLER_ERROR = 0x0003,
	VG_MGMT_EV_INDEX_ADDED = 0x0004,
	VG_MGMT_EV_INDEX_REMOVED = 0x0005,
	VG_MGMT_EV_NEW_SETTINGS = 0x0006,
	VG_MGMT_EV_DEVICE_CONNECTED = 0x000B,
	VG_MGMT_EV_DEVICE_DISCONNECTED = 0x000C,
	VG_MGMT_EV_CONNECT_FAILED = 0x000D,
	VG_MGMT_EV_USER_CONFIRM_REQUEST = 0x000F,
	VG_MGMT_EV_DEVICE_FOUND = 0x0012,
	VG_MGMT_EV_DISCOVERING = 0x0013,
	VG_MGMT_EV_ADVERTISING_ADDED = 0x0023,
	VG_MGMT_EV_ADVERTISING_REMOVED = 0x0024,
};

/* Status codes of Command Complete / Command Status. */
enum {
	VG_MGMT_SUCCESS = 0x00,
	VG_MGMT_UNKNOWN_COMMAND = 0x01,
	VG_MGMT_NOT_CONNECTED = 0x02,
	VG_MGMT_FAILED = 0x03,
	VG_MGMT_CONNECT_FAILED = 0x04,
	VG_MGMT_AUTH_FAILED = 0x05,
	VG_MGMT_NOT_PAIRED = 0x06,
	VG_MGMT_NO_RESOURCES = 0x07,
	VG_MGMT_TIMEOUT = 0x08,
	VG_MGMT_ALREADY_CONNECTED = 0x09,
	VG_MGMT_BUSY = 0x0A,
	VG_MGMT_REJECTED = 0x0B,
	VG_MGMT_NOT_SUPPORTED = 0x0C,
	VG_MGMT_INVALID_PARAMS = 0x0D,
	VG_MGMT_DISCONNECTED = 0x0E,
	VG_MGMT_NOT_POWERED = 0x0F,
	VG_MGMT_CANCELLED = 0x10,
	VG_MGMT_INVALID_INDEX = 0x11,
	VG_MGMT_RFKILLED = 0x12,
	VG_MGMT_ALREADY_PAIRED = 0x13,
	VG_MGMT_PERMISSION_DENIED = 0x14,
};

/* Controller settings bits (Read Controller Information). */
#define VG_MGMT_SETTING_POWERED (1u << 0)
#define VG_MGMT_SETTING_BREDR (1u << 7)
#define VG_MGMT_SETTING_LE (1u << 9)
#define VG_MGMT_SETTING_STATIC_ADDRESS (1u << 15)

/* Address types of events; Start Discovery takes a bit mask of them. */
enum {
	VG_MGMT_ADDR_BREDR = 0,
	VG_MGMT_ADDR_LE_PUBLIC = 1,
	VG_MGMT_ADDR_LE_RANDOM = 2,
};
#define VG_MGMT_DISCOVER_LE                                                    \
	((1u << VG_MGMT_ADDR_LE_PUBLIC) | (1u << VG_MGMT_ADDR_LE_RANDOM))

/* Device Found flags. */
#define VG_MGMT_FOUND_CONFIRM_NAME (1u << 0)
#define VG_MGMT_FOUND_NOT_CONNECTABLE (1u << 2)
#define VG_MGMT_FOUND_SCAN_RSP (1u << 5)

/*
 * Add Advertising flags. With DISCOV (or LIMITED_DISCOV, MANAGED_FLAGS)
 * the kernel writes the Flags field itself and refuses data that has one.
 */
#define VG_MGMT_ADV_FLAG_CONNECTABLE (1u << 0)
#define VG_MGMT_ADV_FLAG_DISCOV (1u << 1)
#define VG_MGMT_ADV_FLAG_LIMITED_DISCOV (1u << 2)
#define VG_MGMT_ADV_FLAG_MANAGED_FLAGS (1u << 3)
#define VG_MGMT_ADV_FLAG_TX_POWER (1u << 4)
#define VG_MGMT_ADV_FLAG_APPEARANCE (1u << 5)
#define VG_MGMT_ADV_FLAG_LOCAL_NAME (1u << 6)
/* Room the kernel's Flags field takes out of legacy advertising data. */
#define VG_MGMT_ADV_FLAGS_LEN 3

/* Device Disconnected reasons (mgmt's own, not HCI error codes). */
enum {
	VG_MGMT_DISCONN_UNKNOWN = 0,
	VG_MGMT_DISCONN_TIMEOUT = 1,
	VG_MGMT_DISCONN_LOCAL_HOST = 2,
	VG_MGMT_DISCONN_REMOTE = 3,
	VG_MGMT_DISCONN_AUTH_FAILURE = 4,
	VG_MGMT_DISCONN_LOCAL_SUSPEND = 5,
};

/* One decoded event; which member of u is valid depends on code. */
struct vg_mgmt_event {
	uint16_t code;
	uint16_t index;
	const uint8_t *param; /* all parameters, plen bytes */
	size_t plen;
	union {
		/* CMD_COMPLETE (ret/rlen: return parameters) and
		 * CMD_STATUS (rlen 0). */
		struct {
			uint16_t opcode;
			uint8_t status;
			const uint8_t *ret;
			size_t rlen;
		} cmd;
		/* DEVICE_FOUND */
		struct {
			uint8_t
			    bdaddr[6]; /* bdaddr_t order: last octet first */
			uint8_t addr_type; /* VG_MGMT_ADDR_* */
			int8_t rssi;	   /* dBm; 127 = not available */
			uint32_t flags;	   /* VG_MGMT_FOUND_* */
			const uint8_t *eir;
			uint16_t eir_len;
		} found;
		/* DEVICE_CONNECTED */
		struct {
			uint8_t bdaddr[6];
			uint8_t addr_type;
			uint32_t flags;
			const uint8_t *eir;
			uint16_t eir_len;
		} connected;
		/* DEVICE_DISCONNECTED */
		struct {
			uint8_t bdaddr[6];
			uint8_t addr_type;
			uint8_t reason; /* VG_MGMT_DISCONN_* */
		} disconnected;
		/* CONNECT_FAILED */
		struct {
			uint8_t bdaddr[6];
			uint8_t addr_type;
			uint8_t status;
		} connect_failed;
		/* USER_CONFIRM_REQUEST: the kernel pairs with bdaddr and
		 * wants user space to say yes. confirm_hint 1 is Just Works
		 * (value means nothing); 0 asks a person to compare the
		 * six-digit value with the one the other device shows. */
		struct {
			uint8_t bdaddr[6];
			uint8_t addr_type;
			uint8_t confirm_hint;
			uint32_t value;
		} user_confirm;
		/* DISCOVERING */
		struct {
			uint8_t type; /* address type mask */
			bool on;
		} discovering;
		uint32_t settings; /* NEW_SETTINGS */
		uint8_t
		    error_code; /* CONTROLLER_ERROR (an HCI Hardware Error) */
	} u;
};

/*
 * Writes command @opcode for controller @index with @plen parameter bytes
 * to @buf (capacity @cap). Returns the packet length, or -EMSGSIZE.
 */
int vg_mgmt_encode(uint8_t *buf, size_t cap, uint16_t opcode, uint16_t index,
		   const uint8_t *param, uint16_t plen);

/*
 * Decodes one event (one read() from the control channel) into @ev.
 * Returns 0; -EBADMSG when the header's length disagrees with @len or the
 * fixed parameters of a known event are short (trailing bytes after them
 * are allowed: newer kernels may append fields). Unknown event codes
 * decode to their header only.
 */
int vg_mgmt_decode(const uint8_t *buf, size_t len, struct vg_mgmt_event *ev);

/*
 * Writes Add Advertising for controller @index: advertising instance
 * @instance (1..254) with @flags (VG_MGMT_ADV_FLAG_*), @duration and
 * @timeout in seconds (0: the kernel's default, and forever),
 * @adv_len bytes of advertising data and @rsp_len of scan response data
 * (each up to 255; the kernel checks them against the controller). The
 * kernel advertises the instance until it is removed, and again after
 * each connection made through it ends. Returns the packet length,
 * -EINVAL or -EMSGSIZE.
 */
int vg_mgmt_cmd_add_adv(uint8_t *buf, size_t cap, uint16_t index,
			uint8_t instance, uint32_t flags, uint16_t duration,
			uint16_t timeout, const uint8_t *adv, size_t adv_len,
			const uint8_t *rsp, size_t rsp_len);

/* Remove Advertising of @instance (0: every instance). */
int vg_mgmt_cmd_remove_adv(uint8_t *buf, size_t cap, uint16_t index,
			   uint8_t instance);

/*
 * User Confirmation Reply (@accept) or Negative Reply for the pairing with
 * @bdaddr of @addr_type (VG_MGMT_ADDR_*) on controller @index. Returns the
 * packet length or -EMSGSIZE.
 */
int vg_mgmt_cmd_user_confirm(uint8_t *buf, size_t cap, uint16_t index,
			     const uint8_t bdaddr[6], uint8_t addr_type,
			     bool accept);

/* Return parameters of Read Management Version Information. */
struct vg_mgmt_version {
	uint8_t version;
	uint16_t revision;
};
int vg_mgmt_parse_version(const uint8_t *ret, size_t len,
			  struct vg_mgmt_version *out);

/*
 * Read Controller Index List: *@count indexes, the i-th read with
 * vg_mgmt_index_at(*@list, i). Returns 0 or -EBADMSG when the list is
 * shorter than its count.
 */
int vg_mgmt_parse_index_list(const uint8_t *ret, size_t len, uint16_t *count,
			     const uint8_t **list);
uint16_t vg_mgmt_index_at(const uint8_t *list, uint16_t i);

/* Read Controller Information return parameters. */
struct vg_mgmt_info {
	uint8_t bdaddr[6];
	uint8_t bt_version;
	uint16_t manufacturer;
	uint32_t supported; /* VG_MGMT_SETTING_* */
	uint32_t current;
	uint8_t dev_class[3];
	char name[249];	     /* NUL-terminated, sanitised for display */
	char short_name[11]; /* likewise */
};
/* Returns 0 or -EBADMSG when short. */
int vg_mgmt_parse_info(const uint8_t *ret, size_t len,
		       struct vg_mgmt_info *out);

/* Current_Settings returned by Set Powered and Set Low Energy. */
int vg_mgmt_parse_settings(const uint8_t *ret, size_t len, uint32_t *settings);

/* English text of a status code ("Busy", "RFKilled"); never NULL. */
const char *vg_mgmt_status_str(uint8_t status);

/* English text of a Device Disconnected reason; never NULL. */
const char *vg_mgmt_disconn_str(uint8_t reason);

#endif
