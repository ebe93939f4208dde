/* SPDX-License-Identifier: MIT */
/*
 * vagusd's options: defaults from the environment, the config file
 * (`key = value`, "#" comments, strap repeated), the command line winning
 * over the file, and clear errors with the line number.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "test.h"

static char dir[64];

static const char *write_conf(const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
	return path;
}

static int parse(struct vgd_opts *o, char *err, size_t errlen, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	argv[argc++] = (char *)"vagusd";
	va_start(ap, errlen);
	for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 31;)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	opts_defaults(o);
	return opts_parse(o, argc, argv, err, errlen);
}

static void test_defaults(void)
{
	struct vgd_opts o;
	char err[256];

	setenv("XDG_STATE_HOME", "/x/state", 1);
	setenv("XDG_RUNTIME_DIR", "/x/run", 1);
	CHECK_EQ(parse(&o, err, sizeof(err), NULL), 0);
	CHECK(strcmp(o.state_dir, "/x/state/vagus") == 0);
	CHECK(strcmp(o.socket, "/x/run/vagus/vagusd.sock") == 0);
	CHECK_EQ(o.nstraps, 1);
	CHECK(strcmp(o.straps[0], "auto") == 0);
	CHECK_NEAR(o.gone_timeout_s, 120, 0);
	CHECK_NEAR(o.auto_start_s, 30, 0);
	CHECK_NEAR(o.settle_s, 60, 0);
	CHECK_EQ(o.adapter, -1);
	opts_free(&o);

	unsetenv("XDG_STATE_HOME");
	unsetenv("XDG_RUNTIME_DIR");
	setenv("HOME", "/home/u", 1);
	CHECK_EQ(parse(&o, err, sizeof(err), NULL), 0);
	CHECK(strcmp(o.state_dir, "/home/u/.local/state/vagus") == 0);
	CHECK(strcmp(o.socket, "/run/vagus/vagusd.sock") == 0);
	opts_free(&o);
}

/* --adapter: hciN or N, "any" for every adapter; nothing else. */
static void test_adapter(void)
{
	struct vgd_opts o;
	char err[256];

	CHECK_EQ(parse(&o, err, sizeof(err), "--adapter", "hci1", NULL), 0);
	CHECK_EQ(o.adapter, 1);
	opts_free(&o);
	CHECK_EQ(parse(&o, err, sizeof(err), "--adapter=12", NULL), 0);
	CHECK_EQ(o.adapter, 12);
	opts_free(&o);
	CHECK_EQ(parse(&o, err, sizeof(err), "--adapter", "hci2", "--adapter",
		       "any", NULL),
		 0);
	CHECK_EQ(o.adapter, -1);
	opts_free(&o);
	CHECK_EQ(parse(&o, err, sizeof(err), "--adapter", "usb0", NULL),
		 -EINVAL);
	CHECK(strstr(err, "hciN") != NULL);
	opts_free(&o);
}

static void test_file(void)
{
	struct vgd_opts o;
	char err[256];
	const char *conf =
	    write_conf("a.conf", "# vagusd\n"
				 "\n"
				 "strap = unix:/tmp/mat1   # the first mat\n"
				 "strap=bt:AA:BB:CC:DD:EE:FF/random\n"
				 "  state-dir =  /var/lib/vagus  \n"
				 "gone-timeout = 90\n"
				 "auto-start = 0\n"
				 "settle = 30.5\n"
				 "verbose = yes\n"
				 "log = syslog\n"
				 "socket-group = vagus\n");

	CHECK_EQ(parse(&o, err, sizeof(err), "--config", conf, NULL), 0);
	CHECK_EQ(o.nstraps, 2);
	CHECK(o.nstraps == 2 && strcmp(o.straps[0], "unix:/tmp/mat1") == 0);
	CHECK(o.nstraps == 2 &&
	      strcmp(o.straps[1], "bt:AA:BB:CC:DD:EE:FF/random") == 0);
	CHECK(strcmp(o.state_dir, "/var/lib/vagus") == 0);
	CHECK(strcmp(o.socket_group, "vagus") == 0);
	CHECK_NEAR(o.gone_timeout_s, 90, 0);
	CHECK_NEAR(o.auto_start_s, 0, 0);
	CHECK_NEAR(o.settle_s, 30.5, 0);
	CHECK(o.verbose);
	CHECK_EQ(o.log_dest, VG_LOG_SYSLOG);
	opts_free(&o);

	/* The command line wins; its --strap replaces the file's straps. */
	CHECK_EQ(parse(&o, err, sizeof(err), "--gone-timeout", "5", "--strap",
		       "unix:/tmp/other", "--config", conf, "--log", "stderr",
		       NULL),
		 0);
	CHECK_NEAR(o.gone_timeout_s, 5, 0);
	CHECK_EQ(o.nstraps, 1);
	CHECK(o.nstraps == 1 && strcmp(o.straps[0], "unix:/tmp/other") == 0);
	CHECK_EQ(o.log_dest, VG_LOG_STDERR);
	CHECK(strcmp(o.state_dir, "/var/lib/vagus") == 0);
	opts_free(&o);
}

static void expect_error(const char *text, const char *needle)
{
	struct vgd_opts o;
	char err[256] = "";
	const char *conf = write_conf("bad.conf", text);

	CHECK(parse(&o, err, sizeof(err), "--config", conf, NULL) < 0);
	if (!CHECK(strstr(err, needle)))
		fprintf(stderr, "want \"%s\" in \"%s\"\n", needle, err);
	opts_free(&o);
}

static void test_errors(void)
{
	struct vgd_opts o;
	char err[256] = "";

	expect_error("colour = blue\n", "bad.conf:1: unknown option 'colour'");
	expect_error("# ok\nstrap\n", "bad.conf:2: want 'key = value'");
	expect_error("gone-timeout = soon\n", "gone-timeout: want seconds");
	expect_error("gone-timeout = -1\n", "gone-timeout: want seconds");
	expect_error("strap = bt:00:11\n", "strap bt:00:11:");
	expect_error("log = journal\n", "log: want stderr or syslog");
	expect_error("verbose = maybe\n", "verbose: want yes or no");
	expect_error("config = /etc/x\n", "cannot name another");

	CHECK(parse(&o, err, sizeof(err), "--config", "/nonexistent/x.conf",
		    NULL) < 0);
	CHECK(strstr(err, "/nonexistent/x.conf") != NULL);
	opts_free(&o);
	CHECK(parse(&o, err, sizeof(err), "--bogus", NULL) < 0);
	CHECK(strstr(err, "--bogus") != NULL);
	opts_free(&o);
	CHECK(parse(&o, err, sizeof(err), "--auto-start", "x", NULL) < 0);
	opts_free(&o);
	CHECK(parse(&o, err, sizeof(err), "extra", NULL) < 0);
	CHECK(strstr(err, "extra") != NULL);
	opts_free(&o);
}

int main(void)
{
	test_adapter();
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/vagus-opts-XXXXXX");
	if (!CHECK(mkdtemp(dir)))
		return vg_test_done();
	test_defaults();
	test_file();
	test_errors();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return vg_test_done();
}
