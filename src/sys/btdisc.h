/* SPDX-License-Identifier: MIT */
/*
 * The thin OS side of strap discovery: it opens the kernel's Bluetooth
 * management interface (the HCI control channel), or raw HCI on one
 * adapter when that cannot scan, and moves packets between the socket and
 * the pure state machine of vagus/discovery.h. It decides nothing itself.
 *
 * In the daemon: watch vg_btdisc_fd() for EPOLLIN and call
 * vg_btdisc_process(); call vg_btdisc_tick() at vg_btdisc_deadline().
 * For a one-off scan, vg_btdisc_run() does both for a while.
 *
 * Privileges: the management interface scans only for a process with
 * CAP_NET_ADMIN (without it the kernel answers Permission Denied); raw
 * HCI commands need CAP_NET_RAW.
 */
#ifndef VAGUS_SYS_BTDISC_H
#define VAGUS_SYS_BTDISC_H

#include <stdbool.h>
#include <stdint.h>

#include "vagus/discovery.h"

struct vg_btdisc;

/*
 * Opens discovery with @cfg (its mode is a preference: mgmt is tried
 * first unless @cfg->mode is VG_DISCOVERY_RAW) and starts it at @now
 * (monotonic ms). Returns NULL with *@err = -errno: -EAFNOSUPPORT when
 * the kernel has no Bluetooth, -ENODEV when raw HCI found no adapter,
 * -ENETDOWN when its adapter is down, -ENOMEM.
 */
struct vg_btdisc *vg_btdisc_open(const struct vg_discovery_config *cfg,
				 int64_t now, int *err);

/*
 * Like vg_btdisc_open() on a socket already open and bound (@fd, owned
 * from now on, made non-blocking), for @cfg->mode: for a daemon that
 * opens its sockets before dropping privileges (the kernel decides at
 * bind time whether a mgmt socket is trusted), and for tests that play
 * the kernel over a SOCK_SEQPACKET socketpair. No fall-back. Returns NULL
 * with *@err = -EINVAL or -ENOMEM (@fd is then closed).
 */
struct vg_btdisc *vg_btdisc_adopt(const struct vg_discovery_config *cfg, int fd,
				  int64_t now, int *err);

/* Closes the socket and frees everything (candidates included). */
void vg_btdisc_close(struct vg_btdisc *b);

/* The socket to watch for EPOLLIN. It may change after process/tick
 * (a fall-back from mgmt to raw HCI): check it after each call. */
int vg_btdisc_fd(const struct vg_btdisc *b);

/* True when raw HCI is in use instead of the management interface. */
bool vg_btdisc_is_raw(const struct vg_btdisc *b);

/* The state machine, for its candidates, pick and error. */
struct vg_discovery *vg_btdisc_discovery(struct vg_btdisc *b);

/*
 * Reads every pending packet into the state machine and writes what it
 * wants sent. Falls back to raw HCI once if the management interface
 * refuses us (Permission Denied). Returns 0, or -errno when the socket
 * failed for good (the adapter went away under raw HCI).
 */
int vg_btdisc_process(struct vg_btdisc *b, int64_t now);

/* The state machine's deadline (monotonic ms), or -1 for none. */
int64_t vg_btdisc_deadline(const struct vg_btdisc *b);

/* Runs what is due at @now and sends what follows. Returns 0 or -errno. */
int vg_btdisc_tick(struct vg_btdisc *b, int64_t now);

/*
 * Discovers for @duration_ms with its own event loop, then stops the
 * scan (waiting up to a second for the kernel to confirm). Ends early
 * when discovery cannot go on (vg_discovery_error() is set and not
 * -EBUSY). Returns 0, or -errno of the loop or socket.
 */
int vg_btdisc_run(struct vg_btdisc *b, int64_t duration_ms);

/*
 * One or two sentences for the user about error @err (negative errno)
 * from vg_btdisc_open() or vg_discovery_error(), or NULL when strerror()
 * is all there is to say.
 */
const char *vg_btdisc_explain(int err);

#endif
