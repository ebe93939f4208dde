/* SPDX-License-Identifier: MIT */
/*
 * The simulated strap on a real adapter: advertising through the kernel,
 * the ATT listener, and link drops with a chosen HCI reason. See bt.h.
 */
#include "bt.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bluetooth/bluetooth.h>
#include <bluetooth/hci.h>
#include <bluetooth/hci_lib.h>
#include <bluetooth/l2cap.h>

#include "vagus/adv.h"
#include "vagus/hci.h"
#include "vagus/mgmt.h"

#define ATT_CID 4
#define ADV_INSTANCE 1
/* 100 ms, in 0.625 ms units: what straps use while nobody is connected. */
#define ADV_INTERVAL 0x00A0
#define CMD_TIMEOUT_MS 3000

struct simbt {
	struct simbt_config cfg;
	bool mgmt; /* advertising through mgmt, else raw HCI */
	int ctl;   /* mgmt control socket, or the raw HCI socket */
	int raw;   /* raw HCI socket for Disconnect (== ctl when !mgmt) */
	int lfd;   /* L2CAP listener */
	uint8_t bdaddr[6]; /* the identity centrals see */
	bool random;	   /* bdaddr is a random static address */
	uint8_t adv[VG_HCI_ADV_DATA_MAX];
	size_t adv_len;
	char desc[96];
};

static void say(const struct simbt *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void say(const struct simbt *b, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!b->cfg.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	b->cfg.log(msg);
}

int simbt_parse(const char *spec, int *dev)
{
	char *end;
	long n;

	if (strncmp(spec, "bt:", 3) == 0)
		spec += 3;
	if (strncmp(spec, "hci", 3) != 0)
		return -EINVAL;
	spec += 3;
	if (*spec < '0' || *spec > '9')
		return -EINVAL;
	errno = 0;
	n = strtol(spec, &end, 10);
	if (errno || *end || n < 0 || n > 0xFFFE)
		return -EINVAL;
	*dev = (int)n;
	return 0;
}

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits up to the deadline for @fd to be readable: 1, 0 (timeout), -errno. */
static int wait_in(int fd, long long deadline)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	long long left = deadline - mono_ms();
	int rc;

	if (left < 0)
		left = 0;
	rc = poll(&p, 1, (int)left);
	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	return rc;
}

/*
 * Sends a packet already encoded (or passes on the encoder's -errno); the
 * control sockets take one packet per write.
 */
static int send_pkt(int fd, const uint8_t *pkt, int len)
{
	if (len < 0)
		return len;
	if (write(fd, pkt, (size_t)len) != len)
		return errno ? -errno : -EIO;
	return 0;
}

/*
 * Sends one mgmt command for our adapter and waits for its Command
 * Complete or Status, passing over other events. Returns the mgmt status
 * (>= 0) with up to @retcap return bytes in @ret, or -errno (-ETIMEDOUT
 * when the kernel did not answer).
 */
static int mgmt_cmd(struct simbt *b, uint16_t opcode, const uint8_t *param,
		    uint16_t plen, uint8_t *ret, size_t retcap, size_t *retlen)
{
	uint8_t pkt[VG_MGMT_HDR_LEN + 600];
	long long deadline = mono_ms() + CMD_TIMEOUT_MS;
	int rc;

	rc = send_pkt(b->ctl, pkt,
		      vg_mgmt_encode(pkt, sizeof(pkt), opcode,
				     (uint16_t)b->cfg.dev, param, plen));
	if (rc < 0)
		return rc;
	for (;;) {
		struct vg_mgmt_event ev;
		ssize_t n;

		rc = wait_in(b->ctl, deadline);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return -ETIMEDOUT;
		n = read(b->ctl, pkt, sizeof(pkt));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (vg_mgmt_decode(pkt, (size_t)n, &ev) < 0)
			continue;
		if ((ev.code != VG_MGMT_EV_CMD_COMPLETE &&
		     ev.code != VG_MGMT_EV_CMD_STATUS) ||
		    ev.u.cmd.opcode != opcode ||
		    ev.index != (uint16_t)b->cfg.dev)
			continue;
		if (ret) {
			size_t k =
			    ev.u.cmd.rlen < retcap ? ev.u.cmd.rlen : retcap;
			memcpy(ret, ev.u.cmd.ret, k);
			*retlen = k;
		}
		return ev.u.cmd.status;
	}
}

static const char *status_text(int rc)
{
	return rc < 0 ? strerror(-rc) : vg_mgmt_status_str((uint8_t)rc);
}

/* The advertising instance, with Flags left to the kernel. */
static int mgmt_advertise(struct simbt *b, bool wait)
{
	uint8_t pkt[VG_MGMT_HDR_LEN + 64];
	int n = vg_mgmt_cmd_add_adv(
	    pkt, sizeof(pkt), (uint16_t)b->cfg.dev, ADV_INSTANCE,
	    VG_MGMT_ADV_FLAG_CONNECTABLE | VG_MGMT_ADV_FLAG_DISCOV, 0, 0,
	    b->adv, b->adv_len, NULL, 0);

	if (n < 0)
		return n;
	if (!wait)
		return send_pkt(b->ctl, pkt, n);
	return mgmt_cmd(b, VG_MGMT_OP_ADD_ADVERTISING, pkt + VG_MGMT_HDR_LEN,
			(uint16_t)(n - VG_MGMT_HDR_LEN), NULL, 0, NULL);
}

/*
 * LE on and powered, as bluetoothd leaves an adapter; then the address
 * and advertising. Returns 0, a positive mgmt status, or -errno.
 */
/*
 * Makes a random static address the adapter's identity: the kernel uses
 * one only with BR/EDR off, and takes it only while powered off. LE must
 * be on before BR/EDR can go. @info is the adapter as read; the caller
 * powers it on again.
 */
static int set_static_address(struct simbt *b, const struct vg_mgmt_info *info,
			      char *why, size_t cap)
{
	static const struct {
		uint16_t op;
		uint32_t setting;
		uint8_t value;
		const char *what;
	} steps[] = {
	    {VG_MGMT_OP_SET_LE, VG_MGMT_SETTING_LE, 1, "Set Low Energy"},
	    {VG_MGMT_OP_SET_POWERED, VG_MGMT_SETTING_POWERED, 0, "Set Powered"},
	    {VG_MGMT_OP_SET_BREDR, VG_MGMT_SETTING_BREDR, 0, "Set BR/EDR"},
	};
	int rc;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		bool on = (info->current & steps[i].setting) != 0;
		if (on == (steps[i].value != 0))
			continue;
		rc =
		    mgmt_cmd(b, steps[i].op, &steps[i].value, 1, NULL, 0, NULL);
		if (rc != 0) {
			snprintf(why, cap, "hci%d: %s: %s", b->cfg.dev,
				 steps[i].what, status_text(rc));
			return rc;
		}
	}
	rc = mgmt_cmd(b, VG_MGMT_OP_SET_STATIC_ADDRESS, b->cfg.static_addr, 6,
		      NULL, 0, NULL);
	if (rc != 0) {
		snprintf(why, cap, "hci%d: Set Static Address: %s", b->cfg.dev,
			 status_text(rc));
		return rc;
	}
	say(b, "hci%d: BR/EDR off, random static address set", b->cfg.dev);
	return 0;
}

static int mgmt_setup(struct simbt *b, char *why, size_t cap)
{
	struct vg_mgmt_info info;
	uint8_t ret[300], on = 1;
	size_t rlen = 0;
	int rc;

	rc =
	    mgmt_cmd(b, VG_MGMT_OP_READ_INFO, NULL, 0, ret, sizeof(ret), &rlen);
	if (rc == 0 && vg_mgmt_parse_info(ret, rlen, &info) < 0)
		rc = -EBADMSG;
	if (rc != 0) {
		snprintf(why, cap, "hci%d: Read Controller Information: %s",
			 b->cfg.dev, status_text(rc));
		return rc;
	}
	if (!(info.supported & VG_MGMT_SETTING_LE)) {
		snprintf(why, cap, "hci%d has no Bluetooth Low Energy",
			 b->cfg.dev);
		return -EOPNOTSUPP;
	}
	if (b->cfg.static_addr) {
		rc = set_static_address(b, &info, why, cap);
		if (rc != 0)
			return rc;
		info.current &= ~VG_MGMT_SETTING_POWERED;
		info.current |= VG_MGMT_SETTING_LE;
	}
	if (!(info.current & VG_MGMT_SETTING_LE)) {
		rc = mgmt_cmd(b, VG_MGMT_OP_SET_LE, &on, 1, NULL, 0, NULL);
		if (rc != 0) {
			snprintf(why, cap, "hci%d: Set Low Energy: %s",
				 b->cfg.dev, status_text(rc));
			return rc;
		}
		say(b, "hci%d: LE turned on", b->cfg.dev);
	}
	if (!(info.current & VG_MGMT_SETTING_POWERED)) {
		rc = mgmt_cmd(b, VG_MGMT_OP_SET_POWERED, &on, 1, NULL, 0, NULL);
		if (rc != 0) {
			snprintf(why, cap, "hci%d: Set Powered: %s", b->cfg.dev,
				 status_text(rc));
			return rc;
		}
		say(b, "hci%d: powered on", b->cfg.dev);
		/* The controller's address is known once it ran. */
		rc = mgmt_cmd(b, VG_MGMT_OP_READ_INFO, NULL, 0, ret,
			      sizeof(ret), &rlen);
		if (rc == 0 && vg_mgmt_parse_info(ret, rlen, &info) < 0)
			rc = -EBADMSG;
		if (rc != 0) {
			snprintf(why, cap, "hci%d: no address after power on",
				 b->cfg.dev);
			return rc;
		}
	}
	memcpy(b->bdaddr, info.bdaddr, 6);
	if (b->cfg.static_addr) {
		if (!(info.current & VG_MGMT_SETTING_STATIC_ADDRESS)) {
			snprintf(why, cap,
				 "hci%d: the kernel does not use the static "
				 "address",
				 b->cfg.dev);
			return -EOPNOTSUPP;
		}
		memcpy(b->bdaddr, b->cfg.static_addr, 6);
		b->random = true;
	}
	rc = mgmt_advertise(b, true);
	if (rc != 0) {
		snprintf(why, cap, "hci%d: Add Advertising: %s", b->cfg.dev,
			 status_text(rc));
		return rc;
	}
	return 0;
}

static int open_mgmt(struct simbt *b)
{
	struct sockaddr_hci a;

	b->ctl = socket(PF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC, BTPROTO_HCI);
	if (b->ctl < 0)
		return -errno;
	memset(&a, 0, sizeof(a));
	a.hci_family = AF_BLUETOOTH;
	a.hci_dev = HCI_DEV_NONE;
	a.hci_channel = HCI_CHANNEL_CONTROL;
	if (bind(b->ctl, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -errno;
	return 0;
}

/*
 * A raw HCI socket on our adapter that hears Command Complete/Status and
 * Disconnection Complete (its filter passes nothing else).
 */
static int open_raw(int dev)
{
	struct sockaddr_hci a;
	struct hci_filter f;
	int fd;

	fd = socket(PF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC, BTPROTO_HCI);
	if (fd < 0)
		return -errno;
	hci_filter_clear(&f);
	hci_filter_set_ptype(HCI_EVENT_PKT, &f);
	hci_filter_set_event(EVT_CMD_COMPLETE, &f);
	hci_filter_set_event(EVT_CMD_STATUS, &f);
	hci_filter_set_event(EVT_DISCONN_COMPLETE, &f);
	memset(&a, 0, sizeof(a));
	a.hci_family = AF_BLUETOOTH;
	a.hci_dev = (unsigned short)dev;
	a.hci_channel = HCI_CHANNEL_RAW;
	if (setsockopt(fd, SOL_HCI, HCI_FILTER, &f, sizeof(f)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/*
 * Sends one HCI command on the raw socket and waits for its completion.
 * Returns the HCI status (>= 0) or -errno.
 */
static int hci_cmd(struct simbt *b, const uint8_t *pkt, int len)
{
	long long deadline = mono_ms() + CMD_TIMEOUT_MS;
	uint16_t opcode;
	int rc;

	rc = send_pkt(b->raw, pkt, len);
	if (rc < 0)
		return rc;
	opcode = (uint16_t)(pkt[1] | pkt[2] << 8);
	for (;;) {
		uint8_t buf[260];
		struct vg_hci_event ev;
		ssize_t n;

		rc = wait_in(b->raw, deadline);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return -ETIMEDOUT;
		n = read(b->raw, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (vg_hci_decode_event(buf, (size_t)n, &ev) < 0)
			continue;
		if (ev.code == VG_HCI_EV_CMD_COMPLETE &&
		    ev.u.cmd_complete.opcode == opcode)
			return ev.u.cmd_complete.has_status
				   ? ev.u.cmd_complete.status
				   : 0;
		if (ev.code == VG_HCI_EV_CMD_STATUS &&
		    ev.u.cmd_status.opcode == opcode)
			return ev.u.cmd_status.status;
	}
}

/* Legacy advertising by hand: for a kernel whose mgmt cannot. */
static int hci_setup(struct simbt *b, char *why, size_t cap)
{
	static const uint16_t hrs[] = {VG_UUID16_HEART_RATE};
	struct vg_adv_spec spec = {
	    .with_flags = true,
	    .flags = VG_ADV_FLAG_LE_GENERAL | VG_ADV_FLAG_NO_BREDR,
	    .uuid16 = hrs,
	    .n_uuid16 = b->cfg.hrs ? 1 : 0,
	    .name = b->cfg.name,
	};
	struct hci_dev_info di;
	uint8_t pkt[64];
	int rc;

	memset(&di, 0, sizeof(di));
	di.dev_id = (uint16_t)b->cfg.dev;
	if (ioctl(b->raw, HCIGETDEVINFO, &di) < 0) {
		rc = -errno;
		snprintf(why, cap, "hci%d: %s", b->cfg.dev, strerror(-rc));
		return rc;
	}
	if (!hci_test_bit(HCI_UP, &di.flags)) {
		if (ioctl(b->raw, HCIDEVUP, b->cfg.dev) < 0 &&
		    errno != EALREADY) {
			rc = -errno;
			snprintf(why, cap, "hci%d: cannot bring it up: %s",
				 b->cfg.dev, strerror(-rc));
			return rc;
		}
		say(b, "hci%d: brought up", b->cfg.dev);
		if (ioctl(b->raw, HCIGETDEVINFO, &di) < 0)
			return -errno;
	}
	memcpy(b->bdaddr, &di.bdaddr, 6);

	rc = vg_adv_build(&spec, b->adv, sizeof(b->adv));
	if (rc < 0)
		return rc;
	b->adv_len = (size_t)rc;
	/* Off first: the parameters cannot change while advertising (the
	 * controller says Command Disallowed when it was off already). */
	hci_cmd(b, pkt, vg_hci_cmd_le_adv_enable(pkt, sizeof(pkt), false));
	rc = hci_cmd(b, pkt,
		     vg_hci_cmd_le_adv_params(pkt, sizeof(pkt), ADV_INTERVAL,
					      ADV_INTERVAL, VG_HCI_ADV_IND, 0));
	if (rc == 0)
		rc = hci_cmd(b, pkt,
			     vg_hci_cmd_le_adv_data(pkt, sizeof(pkt), false,
						    b->adv, b->adv_len));
	if (rc == 0)
		rc = hci_cmd(
		    b, pkt,
		    vg_hci_cmd_le_adv_data(pkt, sizeof(pkt), true, NULL, 0));
	if (rc == 0)
		rc = hci_cmd(b, pkt,
			     vg_hci_cmd_le_adv_enable(pkt, sizeof(pkt), true));
	if (rc != 0) {
		snprintf(why, cap, "hci%d: LE advertising commands: %s",
			 b->cfg.dev,
			 rc < 0 ? strerror(-rc) : "the controller refused");
		return rc;
	}
	return 0;
}

static int open_listener(struct simbt *b)
{
	struct sockaddr_l2 a;

	b->lfd =
	    socket(PF_BLUETOOTH, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
		   BTPROTO_L2CAP);
	if (b->lfd < 0)
		return -errno;
	memset(&a, 0, sizeof(a));
	a.l2_family = AF_BLUETOOTH;
	memcpy(&a.l2_bdaddr, b->bdaddr, 6);
	a.l2_cid = htobs(ATT_CID);
	/* The kernel hands an incoming link to the listener bound to the
	 * identity the central connected to, type included. */
	a.l2_bdaddr_type = b->random ? BDADDR_LE_RANDOM : BDADDR_LE_PUBLIC;
	if (bind(b->lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(b->lfd, 4) < 0)
		return -errno;
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

struct simbt *simbt_open(const struct simbt_config *cfg, char *why, size_t cap)
{
	static const uint16_t hrs[] = {VG_UUID16_HEART_RATE};
	struct simbt *b = calloc(1, sizeof(*b));
	char addr[18];
	int rc = -1;

	if (!b) {
		snprintf(why, cap, "out of memory");
		return NULL;
	}
	b->cfg = *cfg;
	b->ctl = b->raw = b->lfd = -1;
	why[0] = '\0';

	if (cfg->adv != SIMBT_ADV_HCI) {
		/* The kernel adds Flags to what mgmt advertises. */
		struct vg_adv_spec spec = {
		    .uuid16 = hrs,
		    .n_uuid16 = cfg->hrs ? 1 : 0,
		    .name = cfg->name,
		};
		rc = vg_adv_build(&spec, b->adv,
				  VG_HCI_ADV_DATA_MAX - VG_MGMT_ADV_FLAGS_LEN);
		if (rc >= 0) {
			b->adv_len = (size_t)rc;
			rc = open_mgmt(b);
			if (rc < 0)
				snprintf(why, cap, "management interface: %s",
					 strerror(-rc));
		}
		if (rc == 0)
			rc = mgmt_setup(b, why, cap);
		if (rc == 0) {
			b->mgmt = true;
		} else if (cfg->adv == SIMBT_ADV_MGMT || cfg->static_addr) {
			/* Raw HCI advertises from the public address only. */
			goto fail;
		} else {
			say(b, "%s; trying raw HCI", why);
			close_fd(&b->ctl);
		}
	}
	b->raw = open_raw(cfg->dev);
	if (b->raw < 0) {
		snprintf(why, cap, "hci%d: raw HCI socket: %s", cfg->dev,
			 strerror(-b->raw));
		goto fail;
	}
	if (!b->mgmt) {
		b->ctl = b->raw;
		if (hci_setup(b, why, cap) != 0)
			goto fail;
	}
	rc = open_listener(b);
	if (rc < 0) {
		snprintf(why, cap, "hci%d: ATT listener: %s", cfg->dev,
			 strerror(-rc));
		goto fail;
	}
	ba2str((const bdaddr_t *)b->bdaddr, addr);
	snprintf(b->desc, sizeof(b->desc), "hci%d %s (%sadvertising via %s)",
		 cfg->dev, addr, b->random ? "random static, " : "",
		 b->mgmt ? "mgmt" : "raw HCI");
	return b;
fail:
	simbt_close(b);
	return NULL;
}

void simbt_close(struct simbt *b)
{
	if (!b)
		return;
	if (b->mgmt && b->ctl >= 0) {
		uint8_t inst = ADV_INSTANCE;
		mgmt_cmd(b, VG_MGMT_OP_REMOVE_ADVERTISING, &inst, 1, NULL, 0,
			 NULL);
	} else if (!b->mgmt && b->raw >= 0 && b->ctl == b->raw) {
		uint8_t pkt[8];
		hci_cmd(b, pkt,
			vg_hci_cmd_le_adv_enable(pkt, sizeof(pkt), false));
	}
	close_fd(&b->lfd);
	if (b->ctl != b->raw)
		close_fd(&b->ctl);
	close_fd(&b->raw);
	free(b);
}

int simbt_listen_fd(const struct simbt *b)
{
	return b->lfd;
}

int simbt_ctl_fd(const struct simbt *b)
{
	return b->ctl;
}

const char *simbt_describe(const struct simbt *b)
{
	return b->desc;
}

/*
 * A link of ours went down: advertise again. With mgmt the kernel resumes
 * the instance itself on most controllers; adding it again (an existing
 * instance is only updated) makes sure on all of them.
 */
static void readvertise(struct simbt *b)
{
	uint8_t pkt[8];
	int rc;

	if (b->mgmt)
		rc = mgmt_advertise(b, false);
	else
		rc = send_pkt(b->raw, pkt,
			      vg_hci_cmd_le_adv_enable(pkt, sizeof(pkt), true));
	if (rc < 0)
		say(b, "cannot advertise again: %s", strerror(-rc));
	else
		say(b, "advertising again");
}

static int process_mgmt(struct simbt *b)
{
	for (;;) {
		uint8_t buf[1024];
		struct vg_mgmt_event ev;
		ssize_t n = recv(b->ctl, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		if (vg_mgmt_decode(buf, (size_t)n, &ev) < 0 ||
		    ev.index != (uint16_t)b->cfg.dev)
			continue;
		if (ev.code == VG_MGMT_EV_DEVICE_DISCONNECTED) {
			say(b, "link down (%s)",
			    vg_mgmt_disconn_str(ev.u.disconnected.reason));
			readvertise(b);
		} else if (ev.code == VG_MGMT_EV_USER_CONFIRM_REQUEST) {
			/* A strap has no buttons: Just Works, always yes. */
			uint8_t pkt[VG_MGMT_HDR_LEN + 7];
			int rc =
			    send_pkt(b->ctl, pkt,
				     vg_mgmt_cmd_user_confirm(
					 pkt, sizeof(pkt), (uint16_t)b->cfg.dev,
					 ev.u.user_confirm.bdaddr,
					 ev.u.user_confirm.addr_type, true));
			say(b, "pairing: confirmed%s",
			    rc < 0 ? " (the reply failed)" : "");
		} else if (ev.code == VG_MGMT_EV_ADVERTISING_REMOVED &&
			   ev.plen >= 1 && ev.param[0] == ADV_INSTANCE) {
			/* bluetoothd clears every instance when it takes
			 * an adapter over (at its start, or a restart). */
			say(b, "our advertising was removed by another "
			       "program (bluetoothd?)");
			readvertise(b);
		} else if (ev.code == VG_MGMT_EV_CMD_COMPLETE &&
			   ev.u.cmd.opcode == VG_MGMT_OP_ADD_ADVERTISING &&
			   ev.u.cmd.status != 0) {
			say(b, "Add Advertising: %s",
			    vg_mgmt_status_str(ev.u.cmd.status));
		}
	}
}

static int process_raw(struct simbt *b)
{
	for (;;) {
		uint8_t buf[260];
		struct vg_hci_event ev;
		ssize_t n = recv(b->raw, buf, sizeof(buf), MSG_DONTWAIT);

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		if (vg_hci_decode_event(buf, (size_t)n, &ev) < 0)
			continue;
		if (ev.code == VG_HCI_EV_DISCONN_COMPLETE &&
		    ev.u.disconn.status == 0) {
			say(b, "link 0x%04X down (HCI reason 0x%02X)",
			    ev.u.disconn.handle, ev.u.disconn.reason);
			readvertise(b);
		}
	}
}

int simbt_process(struct simbt *b)
{
	return b->mgmt ? process_mgmt(b) : process_raw(b);
}

int simbt_drop(struct simbt *b, int fd, uint8_t reason)
{
	struct l2cap_conninfo ci;
	socklen_t len = sizeof(ci);
	uint8_t pkt[8];
	int n;

	memset(&ci, 0, sizeof(ci));
	if (getsockopt(fd, SOL_L2CAP, L2CAP_CONNINFO, &ci, &len) < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	/*
	 * The channel goes first, the link after: Debian's 6.1 kernel
	 * oopses in hci_chan_del() when a socket is released after its link
	 * was torn down under it.
	 */
	close(fd);
	n = vg_hci_cmd_disconnect(pkt, sizeof(pkt), ci.hci_handle, reason);
	if (n < 0)
		return n;
	return send_pkt(b->raw, pkt, n);
}

void simbt_peer(int fd, char *buf, size_t cap)
{
	struct sockaddr_l2 a;
	socklen_t len = sizeof(a);
	char addr[18];

	memset(&a, 0, sizeof(a));
	if (getpeername(fd, (struct sockaddr *)&a, &len) < 0) {
		snprintf(buf, cap, "?");
		return;
	}
	ba2str(&a.l2_bdaddr, addr);
	snprintf(buf, cap, "%s/%s", addr,
		 a.l2_bdaddr_type == BDADDR_LE_RANDOM ? "random" : "public");
}

int simbt_security(int fd)
{
	struct bt_security sec;
	socklen_t len = sizeof(sec);

	memset(&sec, 0, sizeof(sec));
	if (getsockopt(fd, SOL_BLUETOOTH, BT_SECURITY, &sec, &len) < 0)
		return -errno;
	return sec.level;
}
