/* SPDX-License-Identifier: MIT */
#include "sys/btdisc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bluetooth/bluetooth.h>
#include <bluetooth/hci.h>
#include <bluetooth/hci_lib.h>

#include "sys/hcisock.h"
#include "sys/loop.h"
#include "vagus/hci.h"

/*
 * A mgmt event is at most 6 + 65535 bytes, but nothing discovery reads
 * comes near 4 KiB (Device Found carries at most 2 x 255 bytes of
 * advertising data); a longer datagram is cut, fails its length check
 * and is dropped.
 */
#define RX_MAX 4096

struct vg_btdisc {
	int fd;
	bool raw;
	bool tried_raw;
	struct vg_discovery_config cfg;
	struct vg_discovery *d;
	uint8_t rx[RX_MAX];
};

/*
 * The adapter for raw HCI: @want, or the first one that is up. Says
 * -ENODEV when there is none and -ENETDOWN when the one there is down.
 */
static int pick_raw_dev(int fd, int want)
{
	struct hci_dev_list_req *dl;
	int down = -1, found = -ENODEV;

	dl = calloc(1, sizeof(*dl) + HCI_MAX_DEV * sizeof(struct hci_dev_req));
	if (!dl)
		return -ENOMEM;
	dl->dev_num = HCI_MAX_DEV;
	if (ioctl(fd, HCIGETDEVLIST, dl) < 0) {
		found = -errno;
		free(dl);
		return found;
	}
	for (int i = 0; i < dl->dev_num && i < HCI_MAX_DEV; i++) {
		struct hci_dev_req *r = &dl->dev_req[i];

		if (want >= 0 && r->dev_id != want)
			continue;
		if (hci_test_bit(HCI_UP, &r->dev_opt)) {
			found = r->dev_id;
			break;
		}
		down = r->dev_id;
	}
	free(dl);
	if (found >= 0)
		return found;
	return down >= 0 ? -ENETDOWN : -ENODEV;
}

/*
 * Raw HCI on one adapter, receiving only the events discovery reads
 * (LE Meta, Command Complete/Status, Disconnection Complete). Returns the
 * fd and the device id in *@dev.
 */
static int open_raw(int want, int *dev)
{
	struct hci_filter flt;
	int fd = vg_hcisock_new(), id, err;

	if (fd < 0)
		return fd;
	id = pick_raw_dev(fd, want);
	if (id < 0) {
		close(fd);
		return id;
	}
	err = vg_hcisock_bind(fd, (uint16_t)id, VG_HCI_CHANNEL_RAW);
	if (err == 0) {
		hci_filter_clear(&flt);
		hci_filter_set_ptype(HCI_EVENT_PKT, &flt);
		hci_filter_set_event(EVT_LE_META_EVENT, &flt);
		hci_filter_set_event(EVT_CMD_COMPLETE, &flt);
		hci_filter_set_event(EVT_CMD_STATUS, &flt);
		hci_filter_set_event(EVT_DISCONN_COMPLETE, &flt);
		if (setsockopt(fd, SOL_HCI, HCI_FILTER, &flt, sizeof(flt)) < 0)
			err = -errno;
	}
	if (err < 0) {
		close(fd);
		return err;
	}
	*dev = id;
	return fd;
}

/* Opens the back end @raw and a fresh state machine for it. */
static int open_backend(struct vg_btdisc *b, bool raw, int64_t now)
{
	struct vg_discovery_config cfg = b->cfg;
	int fd, dev = -1;

	fd = raw ? open_raw(b->cfg.index, &dev) : vg_hcisock_open_mgmt();
	if (fd < 0)
		return fd;
	cfg.mode = raw ? VG_DISCOVERY_RAW : VG_DISCOVERY_MGMT;
	if (raw)
		cfg.index = dev;
	struct vg_discovery *d = vg_discovery_new(&cfg);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	if (b->d) {
		vg_discovery_free(b->d);
		close(b->fd);
	}
	b->d = d;
	b->fd = fd;
	b->raw = raw;
	b->tried_raw = b->tried_raw || raw;
	vg_discovery_start(d, now);
	return 0;
}

/* Sends what the state machine wants; one command is awaited at a time. */
static void flush(struct vg_btdisc *b, int64_t now)
{
	uint8_t cmd[VG_DISCOVERY_CMD_MAX];
	int n;

	while ((n = vg_discovery_peek(b->d, cmd, sizeof(cmd))) > 0) {
		ssize_t w = write(b->fd, cmd, (size_t)n);
		if (w == n) {
			vg_discovery_sent(b->d, now);
			continue;
		}
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			return; /* next time round */
		vg_discovery_send_failed(b->d, w < 0 ? -errno : -EIO, now);
	}
}

/*
 * The management interface refused us (no CAP_NET_ADMIN): raw HCI may
 * still work with CAP_NET_RAW. Tried once; if it cannot even open, the
 * management interface and its error stay.
 */
static void maybe_fall_back(struct vg_btdisc *b, int64_t now)
{
	if (b->raw || b->tried_raw || b->cfg.mode == VG_DISCOVERY_RAW)
		return;
	if (vg_discovery_error(b->d) != -EPERM)
		return;
	b->tried_raw = true;
	if (open_backend(b, true, now) == 0)
		flush(b, now);
}

struct vg_btdisc *vg_btdisc_open(const struct vg_discovery_config *cfg,
				 int64_t now, int *err)
{
	struct vg_btdisc *b = calloc(1, sizeof(*b));
	int rc;

	if (!b) {
		*err = -ENOMEM;
		return NULL;
	}
	b->fd = -1;
	b->cfg = *cfg;
	rc = -EINVAL;
	if (cfg->mode != VG_DISCOVERY_RAW)
		rc = open_backend(b, false, now);
	/*
	 * No Bluetooth at all: nothing to fall back to. Otherwise a kernel
	 * without the control channel (before 3.4: EINVAL) or one that
	 * refuses the bind gets raw HCI.
	 */
	if (rc < 0 && rc != -EAFNOSUPPORT && rc != -EPROTONOSUPPORT &&
	    rc != -ENOMEM) {
		int rc_raw = open_backend(b, true, now);
		/* Keep the more telling of the two errors. */
		if (rc_raw == 0 || cfg->mode == VG_DISCOVERY_RAW ||
		    rc == -EINVAL)
			rc = rc_raw;
	}
	if (rc < 0) {
		*err = rc;
		vg_btdisc_close(b);
		return NULL;
	}
	flush(b, now);
	*err = 0;
	return b;
}

struct vg_btdisc *vg_btdisc_adopt(const struct vg_discovery_config *cfg, int fd,
				  int64_t now, int *err)
{
	struct vg_btdisc *b = NULL;
	int fl = fcntl(fd, F_GETFL);

	*err = -EINVAL;
	if (fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0) {
		*err = -ENOMEM;
		b = calloc(1, sizeof(*b));
	}
	if (b) {
		/* NULL for a bad configuration, or out of memory. */
		b->d = vg_discovery_new(cfg);
		if (!b->d) {
			*err = -EINVAL;
			free(b);
			b = NULL;
		}
	}
	if (!b) {
		close(fd);
		return NULL;
	}
	b->fd = fd;
	b->cfg = *cfg;
	b->raw = cfg->mode == VG_DISCOVERY_RAW;
	b->tried_raw = true;
	vg_discovery_start(b->d, now);
	flush(b, now);
	*err = 0;
	return b;
}

void vg_btdisc_close(struct vg_btdisc *b)
{
	if (!b)
		return;
	if (b->fd >= 0)
		close(b->fd);
	vg_discovery_free(b->d);
	free(b);
}

int vg_btdisc_fd(const struct vg_btdisc *b)
{
	return b->fd;
}

bool vg_btdisc_is_raw(const struct vg_btdisc *b)
{
	return b->raw;
}

struct vg_discovery *vg_btdisc_discovery(struct vg_btdisc *b)
{
	return b->d;
}

int vg_btdisc_process(struct vg_btdisc *b, int64_t now)
{
	for (;;) {
		ssize_t n = read(b->fd, b->rx, sizeof(b->rx));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			/* Raw HCI: the adapter was removed or reset. */
			return -errno;
		}
		/* Radio garbage is dropped here: the machine says so. */
		(void)vg_discovery_input(b->d, b->rx, (size_t)n, now);
	}
	flush(b, now);
	maybe_fall_back(b, now);
	return 0;
}

int64_t vg_btdisc_deadline(const struct vg_btdisc *b)
{
	return vg_discovery_deadline(b->d);
}

int vg_btdisc_tick(struct vg_btdisc *b, int64_t now)
{
	vg_discovery_tick(b->d, now);
	flush(b, now);
	maybe_fall_back(b, now);
	return 0;
}

struct run_state {
	struct vg_btdisc *b;
	int err;
};

static void on_readable(struct vg_loop *loop, int fd, uint32_t events,
			void *arg)
{
	struct run_state *rs = arg;
	int err = vg_btdisc_process(rs->b, vg_loop_now(loop));

	if (err < 0 && !rs->err)
		rs->err = err;
}

/* Problems that waiting will not fix within a scan. */
static bool hopeless(int err)
{
	return err != 0 && err != -EBUSY && err != -ETIMEDOUT && err != -EIO;
}

int vg_btdisc_run(struct vg_btdisc *b, int64_t duration_ms)
{
	struct vg_loop *loop = vg_loop_new();
	struct run_state rs = {b, 0};
	int64_t end, stop_end, t;
	int fd, rc;
	bool stopping = false;

	if (!loop)
		return -errno;
	fd = b->fd;
	rc = vg_loop_add(loop, fd, EPOLLIN, on_readable, &rs);
	end = vg_loop_now(loop) + duration_ms;
	stop_end = end;
	while (rc >= 0 && !rs.err) {
		int64_t now = vg_loop_now(loop);

		if (!stopping &&
		    (now >= end || hopeless(vg_discovery_error(b->d)))) {
			/* Stop our scan, and give the kernel a second to
			 * confirm so it does not run on after we exit. */
			stopping = true;
			stop_end = now + 1000;
			vg_discovery_stop(b->d, now);
			flush(b, now);
		}
		if (stopping &&
		    (now >= stop_end || !vg_discovery_pending(b->d)))
			break;
		t = stopping ? -1 : vg_btdisc_deadline(b);
		if (t >= 0 && t <= now) {
			vg_btdisc_tick(b, now);
		} else {
			int64_t until = stopping ? stop_end : end;
			rc = vg_loop_run_once(loop,
					      t >= 0 && t < until ? t : until);
		}
		/* A fall-back to raw HCI replaced the socket. */
		if (b->fd != fd) {
			vg_loop_del(loop, fd);
			fd = b->fd;
			rc = vg_loop_add(loop, fd, EPOLLIN, on_readable, &rs);
		}
	}
	vg_loop_del(loop, fd);
	vg_loop_free(loop);
	if (rc < 0)
		return rc;
	return rs.err;
}

const char *vg_btdisc_explain(int err)
{
	switch (err) {
	case -EAFNOSUPPORT:
	case -EPROTONOSUPPORT:
	case -ESOCKTNOSUPPORT:
		return "this kernel has no Bluetooth support (no AF_BLUETOOTH "
		       "sockets): load the bluetooth module, or use a "
		       "machine with a Bluetooth adapter";
	case -EPERM:
	case -EACCES:
		return "permission denied: scanning for straps needs "
		       "CAP_NET_ADMIN (for the kernel's management "
		       "interface) or CAP_NET_RAW (for raw HCI). Run it as "
		       "the vagus service, whose unit grants them, or give "
		       "the program the capabilities (sudo setcap "
		       "cap_net_admin,cap_net_raw+ep PATH-OF-vagus)";
	case -ENODEV:
		return "no Bluetooth adapter found";
	case -ENETDOWN:
		return "the Bluetooth adapter is powered off: power it on "
		       "(bluetoothctl power on), or let vagus do it "
		       "(--power-on)";
	case -ERFKILL:
		return "the Bluetooth adapter is blocked by rfkill: unblock "
		       "it (rfkill unblock bluetooth)";
	case -EOPNOTSUPP:
		return "the Bluetooth adapter does not support Low Energy, "
		       "which heart-rate straps use";
	case -EBUSY:
		return "another program holds the Bluetooth scanner (is "
		       "bluetoothd discovering?); vagus keeps retrying";
	case -ETIMEDOUT:
		return "the Bluetooth adapter stopped answering commands";
	}
	return NULL;
}
