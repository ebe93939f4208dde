/* SPDX-License-Identifier: MIT */
/*
 * HCI sockets of the kernel's Bluetooth stack, for the modules that talk
 * to it below L2CAP: the management interface (the control channel, not
 * bound to an adapter) and raw HCI on one adapter. The sockets are
 * non-blocking and close on exec.
 *
 * The kernel decides at bind time whether a control-channel socket is
 * trusted (CAP_NET_ADMIN): only a trusted one may scan, and only it hears
 * pairing requests.
 */
#ifndef VAGUS_SYS_HCISOCK_H
#define VAGUS_SYS_HCISOCK_H

#include <stdint.h>

/* struct sockaddr_hci's channels (older libbluetooth headers lack them). */
#define VG_HCI_CHANNEL_RAW 0
#define VG_HCI_CHANNEL_CONTROL 3

/* An HCI socket bound to adapter @dev (0xFFFF: none) on @channel.
 * Returns the fd or -errno (-EAFNOSUPPORT: no Bluetooth in the kernel). */
int vg_hcisock_open(uint16_t dev, uint16_t channel);

/* An unbound HCI socket (for ioctls before choosing the adapter). */
int vg_hcisock_new(void);

/* Binds @fd to adapter @dev on @channel. Returns 0 or -errno. */
int vg_hcisock_bind(int fd, uint16_t dev, uint16_t channel);

/* The management interface: vg_hcisock_open(none, control). */
int vg_hcisock_open_mgmt(void);

#endif
