/* SPDX-License-Identifier: MIT */
/*
 * The OS side of discovery, as far as the machine it runs on allows: on a
 * kernel without Bluetooth (this project's CI host) opening must fail with
 * -EAFNOSUPPORT and the "no Bluetooth support" sentence, in either mode,
 * and `vagus scan` must exit 1 with that sentence on stderr. Where the
 * kernel has Bluetooth (the e2e VM), a short scan must end cleanly: found
 * nothing or something, or a problem the user is told about.
 *
 * Everywhere, the pump itself runs against a fake kernel in a child
 * process over a SOCK_SEQPACKET socketpair (vg_btdisc_adopt): commands
 * out, replies and Device Found events in, the scan stopped and confirmed
 * at the end, an early end when the kernel refuses, and raw HCI.
 *
 * `vagus` is taken from $VAGUS_BUILD (default "build").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bluetooth/bluetooth.h>

#include "sys/btdisc.h"
#include "sys/loop.h"
#include "test.h"
#include "vagus/hci.h"
#include "vagus/mgmt.h"

static bool kernel_has_bluetooth(void)
{
	int fd = socket(PF_BLUETOOTH, SOCK_RAW | SOCK_CLOEXEC, BTPROTO_HCI);

	if (fd >= 0) {
		close(fd);
		return true;
	}
	return errno != EAFNOSUPPORT;
}

static void test_explain(void)
{
	static const int errs[] = {-EAFNOSUPPORT, -EPERM,    -EACCES,
				   -ENODEV,	  -ENETDOWN, -ERFKILL,
				   -EOPNOTSUPP,	  -EBUSY,    -ETIMEDOUT};

	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++)
		CHECK(vg_btdisc_explain(errs[i]) != NULL);
	CHECK(strstr(vg_btdisc_explain(-EAFNOSUPPORT), "no Bluetooth support"));
	CHECK(strstr(vg_btdisc_explain(-EPERM), "CAP_NET_ADMIN"));
	CHECK(strstr(vg_btdisc_explain(-EPERM), "service"));
	CHECK(strstr(vg_btdisc_explain(-ENODEV), "no Bluetooth adapter"));
	CHECK(strstr(vg_btdisc_explain(-ENETDOWN), "powered off"));
	CHECK(vg_btdisc_explain(-ENOENT) == NULL);
}

static void test_open(void)
{
	struct vg_discovery_config cfg;
	struct vg_btdisc *b;
	int err = 1;

	memset(&cfg, 0, sizeof(cfg));
	cfg.mode = VG_DISCOVERY_MGMT;
	cfg.index = VG_DISCOVERY_ANY_INDEX;
	b = vg_btdisc_open(&cfg, vg_monotonic_ms(), &err);
	if (!kernel_has_bluetooth()) {
		CHECK(b == NULL);
		CHECK_EQ(err, -EAFNOSUPPORT);
		cfg.mode = VG_DISCOVERY_RAW;
		err = 1;
		CHECK(vg_btdisc_open(&cfg, vg_monotonic_ms(), &err) == NULL);
		CHECK_EQ(err, -EAFNOSUPPORT);
		return;
	}
	/* A kernel with Bluetooth: whatever is there, it must end. */
	fprintf(stderr, "note: this kernel has Bluetooth; open gave %d\n", err);
	if (!b) {
		CHECK(err < 0);
		return;
	}
	CHECK(vg_btdisc_fd(b) >= 0);
	CHECK(vg_btdisc_run(b, 500) == 0);
	err = vg_discovery_error(vg_btdisc_discovery(b));
	fprintf(stderr, "note: discovery error %d (%s)\n", err,
		err ? vg_btdisc_explain(err) : "none");
	vg_btdisc_close(b);
}

/* ---- a fake kernel in a child process ---- */

/* Polar H7 advertising data (polar-ble-sdk issue #305) and the e2e
 * fake strap's. */
static const uint8_t ad_h7[] = {
    0x02, 0x01, 0x06, 0x03, 0x02, 0x0D, 0x18, 0x07, 0xFF, 0x6B,
    0x00, 0x3B, 0x1B, 0x54, 0x52, 0x02, 0x0A, 0x00, 0x12, 0x09,
    0x50, 0x6F, 0x6C, 0x61, 0x72, 0x20, 0x48, 0x37, 0x20, 0x44,
    0x37, 0x39, 0x30, 0x34, 0x43, 0x31, 0x34,
};
static const uint8_t ad_fake[] = {0x02, 0x01, 0x06, 0x03, 0x03, 0x0D,
				  0x18, 0x08, 0x09, 0x46, 0x61, 0x6B,
				  0x65, 0x48, 0x52, 0x4D};

static void send_mgmt(int fd, uint16_t code, uint16_t index, const uint8_t *p,
		      size_t plen)
{
	uint8_t b[512];

	b[0] = (uint8_t)code;
	b[1] = (uint8_t)(code >> 8);
	b[2] = (uint8_t)index;
	b[3] = (uint8_t)(index >> 8);
	b[4] = (uint8_t)plen;
	b[5] = (uint8_t)(plen >> 8);
	if (plen)
		memcpy(b + 6, p, plen);
	/* The parent may have closed already (it leaves once its Stop
	 * Discovery is confirmed, before the Discovering event after it). */
	if (send(fd, b, 6 + plen, MSG_NOSIGNAL) < 0 && errno != EPIPE &&
	    errno != ECONNRESET)
		_exit(10);
}

static void reply(int fd, uint16_t op, uint16_t index, uint8_t status,
		  const uint8_t *ret, size_t rlen)
{
	uint8_t p[300];

	p[0] = (uint8_t)op;
	p[1] = (uint8_t)(op >> 8);
	p[2] = status;
	if (rlen)
		memcpy(p + 3, ret, rlen);
	send_mgmt(fd, VG_MGMT_EV_CMD_COMPLETE, index, p, 3 + rlen);
}

static void device_found(int fd, uint8_t last, int8_t rssi, const uint8_t *eir,
			 size_t len)
{
	uint8_t p[100] = {
	    last,	  0x00, 0x01, 0x01, 0xAA, 0x00, VG_MGMT_ADDR_LE_PUBLIC,
	    (uint8_t)rssi};

	p[12] = (uint8_t)len;
	if (len)
		memcpy(p + 14, eir, len);
	send_mgmt(fd, VG_MGMT_EV_DEVICE_FOUND, 0, p, 14 + len);
}

/*
 * Answers the management commands of one discovery run; @refuse makes
 * Start Discovery fail with Permission Denied. Exits 0 once it has seen
 * Stop Discovery (or, refusing, the socket closed), 3 otherwise.
 */
static void fake_mgmt_kernel(int fd, bool refuse)
{
	uint8_t b[512];
	bool stopped = false;
	ssize_t n;

	while ((n = read(fd, b, sizeof(b))) >= 6) {
		uint16_t op = (uint16_t)(b[0] | b[1] << 8);
		uint16_t index = (uint16_t)(b[2] | b[3] << 8);
		uint8_t info[280] = {0};
		uint8_t disc[2] = {6, 1};

		switch (op) {
		case VG_MGMT_OP_READ_VERSION:
			reply(fd, op, index, 0, (const uint8_t[]){1, 22, 0}, 3);
			break;
		case VG_MGMT_OP_READ_INDEX_LIST:
			reply(fd, op, index, 0, (const uint8_t[]){1, 0, 0, 0},
			      4);
			break;
		case VG_MGMT_OP_READ_INFO:
			info[9] = info[13] = 0x01;  /* powered */
			info[10] = info[14] = 0x02; /* LE */
			reply(fd, op, index, 0, info, sizeof(info));
			break;
		case VG_MGMT_OP_START_DISCOVERY:
			if (refuse) {
				reply(fd, op, index, VG_MGMT_PERMISSION_DENIED,
				      b + 6, 1);
				break;
			}
			reply(fd, op, index, 0, b + 6, 1);
			send_mgmt(fd, VG_MGMT_EV_DISCOVERING, index, disc, 2);
			device_found(fd, 0x01, -70, ad_fake, sizeof(ad_fake));
			device_found(fd, 0x02, -55, ad_h7, sizeof(ad_h7));
			device_found(fd, 0x03, -40, NULL, 0);
			break;
		case VG_MGMT_OP_STOP_DISCOVERY:
			reply(fd, op, index, 0, b + 6, 1);
			disc[1] = 0;
			send_mgmt(fd, VG_MGMT_EV_DISCOVERING, index, disc, 2);
			stopped = true;
			break;
		default:
			_exit(4);
		}
	}
	_exit(stopped || refuse ? 0 : 3);
}

/* Raw HCI: every command completes; after the scan enable, a report. */
static void fake_hci_kernel(int fd)
{
	uint8_t b[64];
	ssize_t n;
	bool stopped = false;

	while ((n = read(fd, b, sizeof(b))) >= 4) {
		uint8_t cc[7] = {0x04, 0x0E, 4, 1, b[1], b[2], 0};
		uint8_t ev[64] = {0x04,
				  0x3E,
				  (uint8_t)(12 + sizeof(ad_fake)),
				  0x02,
				  1,
				  VG_HCI_ADV_IND,
				  0x00,
				  0x01,
				  0x00,
				  0x01,
				  0x01,
				  0xAA,
				  0x00,
				  (uint8_t)sizeof(ad_fake)};

		if (b[0] != VG_HCI_COMMAND_PKT)
			_exit(5);
		if (send(fd, cc, 7, MSG_NOSIGNAL) != 7 && errno != EPIPE &&
		    errno != ECONNRESET)
			_exit(5);
		if ((b[1] | b[2] << 8) == VG_HCI_OP_LE_SET_SCAN_ENABLE &&
		    n == 6) {
			stopped = b[4] == 0;
			if (b[4] == 1) {
				memcpy(ev + 14, ad_fake, sizeof(ad_fake));
				ev[14 + sizeof(ad_fake)] = (uint8_t)-48;
				if (send(fd, ev, 15 + sizeof(ad_fake),
					 MSG_NOSIGNAL) < 0)
					_exit(6);
			}
		}
	}
	_exit(stopped ? 0 : 3);
}

static pid_t spawn(int *fd, int kind)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		if (kind == 2)
			fake_hci_kernel(sv[1]);
		fake_mgmt_kernel(sv[1], kind == 1);
	}
	close(sv[1]);
	*fd = sv[0];
	return pid;
}

static int child_status(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_pump(void)
{
	struct vg_discovery_config cfg;
	const struct vg_discovery_candidate *c[8], *p;
	struct vg_discovery *d;
	struct vg_btdisc *b;
	int fd, err;
	pid_t pid;
	int64_t t0;

	memset(&cfg, 0, sizeof(cfg));
	cfg.mode = VG_DISCOVERY_MGMT;
	cfg.index = VG_DISCOVERY_ANY_INDEX;

	/* A whole run: found three, stopped, the stop confirmed. */
	pid = spawn(&fd, 0);
	if (!CHECK(pid > 0))
		return;
	b = vg_btdisc_adopt(&cfg, fd, vg_monotonic_ms(), &err);
	CHECK(b != NULL);
	CHECK_EQ(err, 0);
	if (b) {
		CHECK(!vg_btdisc_is_raw(b));
		CHECK_EQ(vg_btdisc_run(b, 800), 0);
		d = vg_btdisc_discovery(b);
		CHECK_EQ(vg_discovery_list(d, c, 8), 3);
		p = vg_discovery_pick(d, vg_monotonic_ms());
		CHECK(p && p->bdaddr[0] == 0x02);
		CHECK(p && strcmp(p->name, "Polar H7 D7904C14") == 0);
		CHECK(!vg_discovery_pending(d));
		CHECK(!vg_discovery_scanning(d));
		vg_btdisc_close(b);
	}
	CHECK_EQ(child_status(pid), 0);

	/* Refused: the run ends at once, not after its 5 s. */
	pid = spawn(&fd, 1);
	t0 = vg_monotonic_ms();
	b = vg_btdisc_adopt(&cfg, fd, t0, &err);
	if (b) {
		CHECK_EQ(vg_btdisc_run(b, 5000), 0);
		CHECK(vg_monotonic_ms() - t0 < 2000);
		CHECK_EQ(vg_discovery_error(vg_btdisc_discovery(b)), -EPERM);
		vg_btdisc_close(b);
	}
	CHECK_EQ(child_status(pid), 0);

	/* Raw HCI. */
	cfg.mode = VG_DISCOVERY_RAW;
	cfg.index = 0;
	pid = spawn(&fd, 2);
	b = vg_btdisc_adopt(&cfg, fd, vg_monotonic_ms(), &err);
	if (CHECK(b != NULL)) {
		CHECK(vg_btdisc_is_raw(b));
		CHECK_EQ(vg_btdisc_run(b, 800), 0);
		d = vg_btdisc_discovery(b);
		CHECK_EQ(vg_discovery_list(d, c, 8), 1);
		CHECK(strcmp(c[0]->name, "FakeHRM") == 0);
		CHECK_EQ(c[0]->rssi, -48);
		vg_btdisc_close(b);
	}
	CHECK_EQ(child_status(pid), 0);

	/* A bad configuration: refused, the fd closed. */
	cfg.mode = 0;
	CHECK(vg_btdisc_adopt(&cfg, dup(0), 0, &err) == NULL);
	CHECK_EQ(err, -EINVAL);
}

/* Runs `vagus scan ARGS`; returns its exit status, stderr in @err. */
static int run_scan(const char *vagus, const char *args, char *err, size_t cap)
{
	char cmd[1024];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "%s scan %s 2>&1 >/dev/null", vagus, args);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	n = fread(err, 1, cap - 1, p);
	err[n] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_cli(void)
{
	const char *build = getenv("VAGUS_BUILD");
	char vagus[512], err[4096];
	int st;

	snprintf(vagus, sizeof(vagus), "%s/vagus",
		 build && *build ? build : "build");
	if (access(vagus, X_OK) != 0) {
		fprintf(stderr, "note: no %s, CLI not checked\n", vagus);
		return;
	}
	st = run_scan(vagus, "--timeout 1", err, sizeof(err));
	if (strstr(err, "unknown command") || strstr(err, "usage")) {
		fprintf(stderr, "note: %s has no scan command yet\n", vagus);
		return;
	}
	if (!kernel_has_bluetooth()) {
		CHECK_EQ(st, 1);
		if (!CHECK(strstr(err, "no Bluetooth support") != NULL))
			fprintf(stderr, "  stderr: %s\n", err);
		st = run_scan(vagus, "--json --timeout 1", err, sizeof(err));
		CHECK_EQ(st, 1);
		CHECK(strstr(err, "no Bluetooth support") != NULL);
	} else {
		CHECK(st == 0 || st == 1);
	}
	/* Bad arguments: usage error, status 2. */
	CHECK_EQ(run_scan(vagus, "--timeout x", err, sizeof(err)), 2);
	CHECK_EQ(run_scan(vagus, "--timeout 0", err, sizeof(err)), 2);
	CHECK_EQ(run_scan(vagus, "--bogus", err, sizeof(err)), 2);
}

int main(void)
{
	test_explain();
	test_open();
	test_pump();
	test_cli();
	return vg_test_done();
}
