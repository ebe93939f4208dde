/* SPDX-License-Identifier: MIT */
#include "sys/transport.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <bluetooth/bluetooth.h>
#include <bluetooth/hci.h>
#include <bluetooth/hci_lib.h>
#include <bluetooth/l2cap.h>

/* The ATT fixed channel of an LE link (Core spec Vol 3 Part A 2.1). */
#define ATT_CID 4

static int open_unix(const struct vg_addr *a)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	/* vg_addr_parse() bounds the path to fit with its NUL. */
	memcpy(sun.sun_path, a->path, strlen(a->path) + 1);

	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/*
	 * A Unix connect completes or fails at once; with a full backlog it
	 * fails with EAGAIN instead of waiting.
	 */
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/*
 * The address to bind to for connecting from adapter @dev: its public
 * address, which the kernel's routing matches against each adapter's
 * identity (an adapter with only a static random address has none: the
 * kernel chooses then). Returns 0 or -errno (-ENODEV, -ENETDOWN).
 */
static int adapter_source(int dev, bdaddr_t *src)
{
	bacpy(src, BDADDR_ANY);
	if (dev == VG_TRANSPORT_ANY_ADAPTER)
		return 0;
	if (dev < 0 || hci_devba(dev, src) < 0) {
		int e = dev < 0 ? ENODEV : errno;
		return e == ENETDOWN || e == EAFNOSUPPORT ? -e : -ENODEV;
	}
	return 0;
}

/*
 * An LE connection as BlueZ's own ATT code makes it: bind on CID 4 with
 * the LE public type to the adapter's address (or to any, and the kernel
 * picks the adapter and its identity address), connect to the strap's
 * address on CID 4 with the type it advertised. The connect goes on in the background: the controller
 * pages the strap until it answers or the kernel's LE connection timeout
 * (about 20 s) ends with EHOSTUNREACH/ETIMEDOUT.
 */
static int open_bt(const struct vg_addr *a, int adapter, bool *pending)
{
	struct sockaddr_l2 src, dst;
	int fd, err;

	memset(&src, 0, sizeof(src));
	err = adapter_source(adapter, &src.l2_bdaddr);
	if (err < 0)
		return err;
	fd = socket(PF_BLUETOOTH, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    BTPROTO_L2CAP);
	if (fd < 0)
		return -errno;

	src.l2_family = AF_BLUETOOTH;
	src.l2_cid = htobs(ATT_CID);
	src.l2_bdaddr_type = BDADDR_LE_PUBLIC;
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0)
		goto fail;

	memset(&dst, 0, sizeof(dst));
	dst.l2_family = AF_BLUETOOTH;
	memcpy(&dst.l2_bdaddr, a->bdaddr, sizeof(dst.l2_bdaddr));
	dst.l2_cid = htobs(ATT_CID);
	dst.l2_bdaddr_type = a->bt_type == VG_ADDR_LE_RANDOM ? BDADDR_LE_RANDOM
							     : BDADDR_LE_PUBLIC;
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		if (errno != EINPROGRESS)
			goto fail;
		*pending = true;
	}
	return fd;
fail:
	err = -errno;
	close(fd);
	return err;
}

int vg_transport_open(const struct vg_addr *a, int adapter, bool *pending)
{
	*pending = false;
	switch (a->kind) {
	case VG_ADDR_UNIX:
		return open_unix(a);
	case VG_ADDR_BT:
		return open_bt(a, adapter, pending);
	}
	return -EINVAL;
}

int vg_transport_finish(int fd)
{
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		return -errno;
	return -soerr;
}

int vg_transport_set_security(int fd, const struct vg_addr *a,
			      enum vg_transport_security level)
{
	struct bt_security sec;
	int lm;

	if (a->kind != VG_ADDR_BT)
		return 0;
	memset(&sec, 0, sizeof(sec));
	sec.level = (uint8_t)level;
	if (setsockopt(fd, SOL_BLUETOOTH, BT_SECURITY, &sec, sizeof(sec)) == 0)
		return 0;
	if (errno != ENOPROTOOPT)
		return -errno;
	/* Kernels before BT_SECURITY (2.6.30) only know the link mode. */
	lm = L2CAP_LM_AUTH | L2CAP_LM_ENCRYPT;
	if (level >= VG_SEC_HIGH)
		lm |= L2CAP_LM_SECURE;
	if (setsockopt(fd, SOL_L2CAP, L2CAP_LM, &lm, sizeof(lm)) < 0)
		return -errno;
	return 0;
}

int vg_transport_get_security(int fd, const struct vg_addr *a,
			      enum vg_transport_security *level)
{
	struct bt_security sec;
	socklen_t len = sizeof(sec);

	*level = VG_SEC_LOW;
	if (a->kind != VG_ADDR_BT)
		return 0;
	memset(&sec, 0, sizeof(sec));
	if (getsockopt(fd, SOL_BLUETOOTH, BT_SECURITY, &sec, &len) < 0)
		return -errno;
	if (sec.level >= BT_SECURITY_HIGH)
		*level = VG_SEC_HIGH;
	else if (sec.level == BT_SECURITY_MEDIUM)
		*level = VG_SEC_MEDIUM;
	return 0;
}

static const char *explain_unix(int err)
{
	switch (err) {
	case -ENOENT:
		return "no such socket: is vagus-sim running with --listen on "
		       "this path?";
	case -ECONNREFUSED:
		return "connection refused: nothing listens on this socket "
		       "(vagus-sim stopped?), or the strap is busy: is a "
		       "phone or another app connected to it?";
	case -EAGAIN:
		return "the strap is busy: is a phone or another app "
		       "connected to it? (its socket accepts no more "
		       "connections)";
	case -EPROTOTYPE:
		return "this socket is not a SOCK_SEQPACKET socket: not a "
		       "vagus-sim strap";
	case -ENOTDIR:
		return "no such socket: a part of the path is not a folder";
	case -EACCES:
	case -EPERM:
		return "permission denied on the socket or its folder";
	}
	return NULL;
}

static const char *explain_bt(int err)
{
	switch (err) {
	case -EAFNOSUPPORT:
	case -EPROTONOSUPPORT:
	case -ESOCKTNOSUPPORT:
		return "this kernel has no Bluetooth support (no AF_BLUETOOTH "
		       "L2CAP sockets): load the bluetooth module or use a "
		       "machine with a Bluetooth adapter";
	case -ENODEV:
	case -EADDRNOTAVAIL:
		return "no Bluetooth LE adapter is up (or not the one asked "
		       "for): power one on (bluetoothctl power on)";
	case -ENETDOWN:
		return "the Bluetooth adapter asked for is powered off: "
		       "power it on (bluetoothctl power on)";
	case -EHOSTDOWN:
	case -EHOSTUNREACH:
	case -ETIMEDOUT:
		return "the strap did not answer: is it worn (wet electrodes), "
		       "in range, and free (not connected to a phone or "
		       "another app)?";
	case -ECONNREFUSED:
	case -ECONNRESET:
		return "the strap refused the connection: the strap is busy: "
		       "is a phone or another app connected to it?";
	case -EBUSY:
	case -EALREADY:
		return "the adapter is busy with another connection attempt "
		       "to this strap: try again";
	case -EACCES:
	case -EPERM:
		return "permission denied opening a Bluetooth socket";
	}
	return NULL;
}

const char *vg_transport_explain(const struct vg_addr *a, int err)
{
	if (a->kind == VG_ADDR_UNIX)
		return explain_unix(err);
	if (a->kind == VG_ADDR_BT)
		return explain_bt(err);
	return NULL;
}
