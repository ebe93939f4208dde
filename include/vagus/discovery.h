/* SPDX-License-Identifier: MIT */
/*
 * Strap discovery as a sans-I/O state machine: packets from the kernel and
 * the monotonic time `now` (ms) go in; packets to send and a deadline come
 * out. It keeps a table of what advertises nearby and picks the strap to
 * connect: the remembered one as soon as it is heard, else the strongest
 * heart-rate sensor (vagus/adv.h says what counts as one).
 *
 * Two back ends, chosen at creation, feed the same table:
 *   VG_DISCOVERY_MGMT  the management interface (vagus/mgmt.h): finds the
 *                      controllers, switches LE and power on if allowed,
 *                      runs LE discovery on each and restarts it whenever
 *                      the kernel ends it (it does after about 10 s).
 *   VG_DISCOVERY_RAW   raw HCI on one controller (vagus/hci.h): LE active
 *                      scan with duplicate filtering, stopped and started
 *                      again every cycle_ms so each device is reported
 *                      again and ageing works.
 *
 * The caller reads a packet from its socket and calls
 * vg_discovery_input(); sends what vg_discovery_peek() gives (one command
 * outstanding at a time, as mgmt and HCI flow control want) and confirms
 * with vg_discovery_sent(); and calls vg_discovery_tick() once
 * vg_discovery_deadline() has passed. Time only ever comes from `now`.
 */
#ifndef VAGUS_DISCOVERY_H
#define VAGUS_DISCOVERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vagus/addr.h"
#include "vagus/adv.h"

enum vg_discovery_mode {
	VG_DISCOVERY_MGMT = 1,
	VG_DISCOVERY_RAW = 2,
};

#define VG_DISCOVERY_ANY_INDEX (-1)
/* Controllers followed at once (mgmt); more are ignored. */
#define VG_DISCOVERY_MAX_CONTROLLERS 8
/* The longest command packet either back end sends. */
#define VG_DISCOVERY_CMD_MAX 16

struct vg_discovery_config {
	enum vg_discovery_mode mode;
	/* mgmt: one controller index, or VG_DISCOVERY_ANY_INDEX for every
	 * LE controller; raw: the HCI device id (required, >= 0). */
	int index;
	/* mgmt: switch LE and power on for a controller that is off, as
	 * bluetoothd does. Otherwise such a controller is an error
	 * (-ENETDOWN) for the user to fix. */
	bool power_on;
	/* A strap used before (kind VG_ADDR_BT), picked first when heard;
	 * kind 0 for none. */
	struct vg_addr remembered;
	/* A candidate not heard for this long is dropped; 0: 30000. */
	int64_t max_age_ms;
	/* vg_discovery_pick() waits this long after the first scan starts
	 * before choosing by signal strength, so one nearby strap heard
	 * first does not win over a closer one heard a moment later. The
	 * remembered strap is picked at once. 0: no wait. */
	int64_t settle_ms;
	/* Raw: scan cycle length; 0: 10000. */
	int64_t cycle_ms;
	/* Size of the candidate table; 0: 64. */
	size_t max_candidates;
};

/* Something heard nearby. */
struct vg_discovery_candidate {
	uint8_t bdaddr[6]; /* bdaddr_t order: last octet first */
	enum vg_addr_bt_type type;
	uint16_t index; /* controller it was heard on */
	bool rssi_valid;
	int8_t rssi;		       /* dBm of the latest report */
	int64_t first_seen, last_seen; /* monotonic ms */
	bool connectable;	       /* its advertising accepts connections */
	bool hrs;		       /* advertises the Heart Rate Service */
	bool heart_rate;	       /* hrs, or a heart-rate appearance */
	bool remembered;	       /* the configured remembered strap */
	bool has_appearance;
	uint16_t appearance;
	bool has_tx_power;
	int8_t tx_power;
	bool name_complete;
	char name[VG_ADV_NAME_MAX + 1]; /* sanitised, "" when unknown */
};

struct vg_discovery;

/* A new idle state machine, or NULL (bad @cfg, out of memory). */
struct vg_discovery *vg_discovery_new(const struct vg_discovery_config *cfg);
void vg_discovery_free(struct vg_discovery *d);

/* Starts discovering: queues the first commands. */
void vg_discovery_start(struct vg_discovery *d, int64_t now);

/*
 * Stops discovering: drops queued commands and queues the ones that end
 * our scans; the candidate table is kept. Send until peek gives 0.
 */
void vg_discovery_stop(struct vg_discovery *d, int64_t now);

/*
 * One packet read from the socket (a mgmt event, or an H:4 HCI event in
 * raw mode). Returns 0, or -EBADMSG when it was malformed and ignored.
 */
int vg_discovery_input(struct vg_discovery *d, const uint8_t *buf, size_t len,
		       int64_t now);

/*
 * Copies the next command to send into @buf (capacity @cap, at least
 * VG_DISCOVERY_CMD_MAX). Returns its length, 0 when there is nothing to
 * send now (none queued, or a reply is awaited), or -EMSGSIZE.
 */
int vg_discovery_peek(const struct vg_discovery *d, uint8_t *buf, size_t cap);

/* The command from peek was written: it now awaits its reply. */
void vg_discovery_sent(struct vg_discovery *d, int64_t now);

/*
 * The command from peek could not be written (-errno from write()): it
 * is handled like a failure reply. -EPERM/-EACCES become the error.
 */
void vg_discovery_send_failed(struct vg_discovery *d, int err, int64_t now);

/* True while a command is queued or its reply awaited (after stop: until
 * the kernel has confirmed it). */
bool vg_discovery_pending(const struct vg_discovery *d);

/* The earliest time (monotonic ms) tick wants to run, or -1 for none. */
int64_t vg_discovery_deadline(const struct vg_discovery *d);

/*
 * Runs what is due at @now: command timeouts, retries, scan restarts,
 * ageing out of candidates.
 */
void vg_discovery_tick(struct vg_discovery *d, int64_t now);

/* True while at least one controller is scanning for us. */
bool vg_discovery_scanning(const struct vg_discovery *d);

/*
 * Why nothing is scanning, as -errno, or 0 while something is or may
 * soon be:
 *   -ENODEV      no Bluetooth controller (or none with this index)
 *   -EOPNOTSUPP  no controller supports LE
 *   -ENETDOWN    the controller is powered off (and power_on is false)
 *   -ERFKILL     the controller is blocked by rfkill
 *   -EPERM       the kernel refused: the process lacks CAP_NET_ADMIN
 *                (mgmt) or CAP_NET_RAW (raw HCI)
 *   -EBUSY       another program holds the scanner; retried by itself
 *   -ETIMEDOUT   the kernel or controller never answered a command
 *   -EIO         any other failure
 */
int vg_discovery_error(const struct vg_discovery *d);

/* Management interface version (0.0 until known; mgmt mode only). */
void vg_discovery_mgmt_version(const struct vg_discovery *d, uint8_t *version,
			       uint16_t *revision);

/*
 * Fills @out with up to @max pointers to the candidates, strongest signal
 * first (unknown RSSI last, then by address). Returns how many there are
 * in total. The pointers are valid until the next call that takes a
 * non-const @d.
 */
size_t vg_discovery_list(const struct vg_discovery *d,
			 const struct vg_discovery_candidate **out, size_t max);

/*
 * The strap to connect at @now, or NULL for none yet: the remembered
 * strap if heard and connectable; else, once settle_ms has passed since
 * the first scan started, the connectable heart-rate sensor with the
 * strongest signal.
 */
const struct vg_discovery_candidate *
vg_discovery_pick(const struct vg_discovery *d, int64_t now);

/* @c as a strap address for vg_transport_open(). */
void vg_discovery_candidate_addr(const struct vg_discovery_candidate *c,
				 struct vg_addr *out);

#endif
