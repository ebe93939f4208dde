/* SPDX-License-Identifier: MIT */
/*
 * The OS side of discovery, as far as the machine it runs on allows: on a
 * kernel without Bluetooth (this project's CI host) opening must fail with
 * -EAFNOSUPPORT and the "no Bluetooth support" sentence, in either mode,
 * and `vagus scan` must exit 1 with that sentence on stderr. Where the
 * kernel has Bluetooth (the e2e VM), a short scan must end cleanly: found
 * nothing or something, or a problem the user is told about.
 *
 * `vagus` is taken from $VAGUS_BUILD (default "build").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bluetooth/bluetooth.h>

#include "sys/btdisc.h"
#include "sys/loop.h"
#include "test.h"

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
	test_cli();
	return vg_test_done();
}
