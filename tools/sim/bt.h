/* SPDX-License-Identifier: MIT */
/*
 * vagus-sim as a real Bluetooth LE peripheral on one adapter of this
 * machine: it advertises the Heart Rate Service through the kernel and
 * listens for the central on the ATT fixed channel. Each accepted
 * connection is an L2CAP SOCK_SEQPACKET socket that carries one ATT PDU
 * per packet, exactly like the Unix socket of the simulated strap, so
 * main.c serves both the same way.
 *
 * Advertising goes through the management interface (Add Advertising),
 * which coexists with bluetoothd and works on BT 5 controllers where the
 * kernel uses extended advertising; raw HCI LE advertising commands are
 * the fallback where that is refused or missing. Both need root
 * (CAP_NET_ADMIN, CAP_NET_RAW).
 */
#ifndef VAGUS_SIM_BT_H
#define VAGUS_SIM_BT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum simbt_adv {
	SIMBT_ADV_AUTO = 0, /* mgmt, raw HCI when mgmt cannot */
	SIMBT_ADV_MGMT,
	SIMBT_ADV_HCI,
};

struct simbt_config {
	int dev; /* N of hciN */
	enum simbt_adv adv;
	const char *name; /* advertised local name */
	bool hrs;	  /* list 0x180D in the advertisement */
	/* A random static address to be the strap's identity (bdaddr_t
	 * order), as many straps have; NULL: the adapter's public one. */
	const uint8_t *static_addr;
	void (*log)(const char *msg); /* progress lines, may be NULL */
};

struct simbt;

/*
 * Parses "bt:hciN" (or "hciN") into *@dev. Returns 0, or -EINVAL for
 * anything else.
 */
int simbt_parse(const char *spec, int *dev);

/*
 * Powers the adapter up (LE on) if needed, starts advertising and binds
 * the ATT listener. Returns NULL with a reason in @why (capacity @cap).
 */
struct simbt *simbt_open(const struct simbt_config *cfg, char *why, size_t cap);

/* Removes the advertising and closes every socket. */
void simbt_close(struct simbt *b);

/* The listening L2CAP socket (non-blocking): accept4() on POLLIN. */
int simbt_listen_fd(const struct simbt *b);

/* The control socket (mgmt or raw HCI) to poll for POLLIN. */
int simbt_ctl_fd(const struct simbt *b);

/*
 * Reads what the kernel said on the control socket: when a link of this
 * adapter went down, advertising starts again so the central can come
 * back. Returns 0 or -errno when the socket failed.
 */
int simbt_process(struct simbt *b);

/* "hci1 00:AA:01:01:00:01 (advertising via mgmt)" for the log. */
const char *simbt_describe(const struct simbt *b);

/*
 * The security level of accepted socket @fd's link (BT_SECURITY_LOW 1,
 * MEDIUM 2: encrypted, HIGH 3: encrypted with an authenticated key), or
 * -errno.
 */
int simbt_security(int fd);

/* The peer of accepted socket @fd as "AA:BB:CC:DD:EE:FF/public". */
void simbt_peer(int fd, char *buf, size_t cap);

/*
 * Closes the accepted socket @fd and ends the LE link under it with HCI
 * reason @reason (VG_HCI_REMOTE_* or VG_HCI_CONN_PARAMS_REJECTED), as a
 * strap that drops the central does. Without the link handle or the raw
 * HCI socket the link still ends, when the kernel notices it idle (about
 * 2 s later, reason 0x13). Returns 0 or -errno; @fd is closed either way.
 */
int simbt_drop(struct simbt *b, int fd, uint8_t reason);

#endif
