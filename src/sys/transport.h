/* SPDX-License-Identifier: MIT */
/*
 * The thin transport under the ATT client: it only opens a SOCK_SEQPACKET
 * descriptor (one ATT PDU per read or write) and leaves everything above to
 * the pure client, which never learns which kind it got.
 *
 *   unix:PATH   AF_UNIX SOCK_SEQPACKET, the simulated strap (vagus-sim)
 *   bt:ADDR     L2CAP LE on the ATT fixed channel (CID 4), a real strap
 *
 * Descriptors are non-blocking and close-on-exec. Send with MSG_NOSIGNAL:
 * a strap that drops the link must not kill us with SIGPIPE.
 */
#ifndef VAGUS_SYS_TRANSPORT_H
#define VAGUS_SYS_TRANSPORT_H

#include <stdbool.h>

#include "vagus/addr.h"

/* Link security, from BT_SECURITY_LOW (no encryption) upwards. */
enum vg_transport_security {
	VG_SEC_LOW = 1,	   /* plain link: what a strap needs */
	VG_SEC_MEDIUM = 2, /* encrypted, unauthenticated pairing allowed */
	VG_SEC_HIGH = 3,   /* encrypted and authenticated (MITM protection) */
};

/* vg_transport_open()'s @adapter when any will do. */
#define VG_TRANSPORT_ANY_ADAPTER (-1)

/*
 * Opens a socket to @a and starts connecting. Bluetooth: from local
 * adapter hci@adapter, or VG_TRANSPORT_ANY_ADAPTER for the kernel's
 * choice (the first adapter that is up and is not the strap itself;
 * ignored for unix:). Returns the fd, or -errno: -EAFNOSUPPORT when the
 * kernel has no Bluetooth, -ENODEV/-ENETDOWN when the adapter is missing
 * or down, or the connect error (-ENOENT, -ECONNREFUSED, ...). When
 * *@pending is set on return, the connection is still being set up
 * (Bluetooth: paging the strap, which answers only while worn): wait for
 * POLLOUT, then call vg_transport_finish().
 */
int vg_transport_open(const struct vg_addr *a, int adapter, bool *pending);

/*
 * After POLLOUT (or POLLERR/POLLHUP) on a pending fd: 0 once connected, or
 * the connect's -errno (SO_ERROR).
 */
int vg_transport_finish(int fd);

/*
 * Raises the link's security to @level, for an ATT "insufficient
 * authentication/encryption" error. Bluetooth: the kernel starts pairing or
 * encryption and holds writes until it completes, so wait for POLLOUT
 * before resending the request. Unix: nothing to raise, returns 0.
 * Returns 0 or -errno.
 */
int vg_transport_set_security(int fd, const struct vg_addr *a,
			      enum vg_transport_security level);

/*
 * Reads the current security level into *@level (Unix: always
 * VG_SEC_LOW). Returns 0 or -errno.
 */
int vg_transport_get_security(int fd, const struct vg_addr *a,
			      enum vg_transport_security *level);

/*
 * A sentence for the user explaining error @err (negative errno) from
 * opening or finishing a connection to @a, or NULL when there is nothing
 * better to say than strerror().
 */
const char *vg_transport_explain(const struct vg_addr *a, int err);

#endif
