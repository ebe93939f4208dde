/* SPDX-License-Identifier: MIT */
/*
 * STATE/straps.json: the strap used last comes back first, each strap is
 * listed once, at most 8 are kept, the file is 0600, and a damaged or
 * foreign file costs only the memory of our strap (never a crash).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "test.h"

static char dir[64];
static struct vgd_opts opts;
static struct vagusd d;

static void remember(const char *spec)
{
	struct strap s;

	memset(&s, 0, sizeof(s));
	s.d = &d;
	CHECK(vg_addr_parse(spec, &s.addr, NULL) == 0);
	vg_addr_format(&s.addr, s.addr_text, sizeof(s.addr_text));
	CHECK_EQ(straps_remember(&d, &s), 0);
}

static bool remembered_is(const char *spec)
{
	struct vg_addr got, want;
	char a[64], b[64];

	straps_remembered(&d, &got);
	if (vg_addr_parse(spec, &want, NULL) < 0 || got.kind != VG_ADDR_BT)
		return false;
	vg_addr_format(&got, a, sizeof(a));
	vg_addr_format(&want, b, sizeof(b));
	return strcmp(a, b) == 0;
}

static char *read_file(void)
{
	static char buf[16384];
	int fd = openat(d.state_fd, "straps.json", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void write_file(const char *text)
{
	int fd = openat(d.state_fd, "straps.json", O_WRONLY | O_CREAT | O_TRUNC,
			0600);

	if (fd >= 0) {
		CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
		close(fd);
	}
}

int main(void)
{
	struct vg_addr none;
	struct stat sb;
	char cmd[128], spec[64];

	snprintf(dir, sizeof(dir), "/tmp/vagus-straps-XXXXXX");
	if (!CHECK(mkdtemp(dir)))
		return vg_test_done();
	opts_defaults(&opts);
	d.o = &opts;
	d.state_fd = open(dir, O_RDONLY | O_DIRECTORY);
	log_init(VG_LOG_STDERR, "test", false);

	/* Nothing yet. */
	straps_remembered(&d, &none);
	CHECK_EQ(none.kind, 0);

	remember("bt:AA:BB:CC:DD:EE:01/random");
	CHECK(remembered_is("bt:AA:BB:CC:DD:EE:01/random"));
	remember("bt:AA:BB:CC:DD:EE:02");
	CHECK(remembered_is("bt:AA:BB:CC:DD:EE:02"));
	remember("bt:AA:BB:CC:DD:EE:01/random");
	CHECK(remembered_is("bt:AA:BB:CC:DD:EE:01/random"));
	CHECK_EQ(count(read_file(), "\"addr\""), 2);
	CHECK(fstatat(d.state_fd, "straps.json", &sb, 0) == 0 &&
	      (sb.st_mode & 0777) == 0600);

	/* At most 8 kept, newest first. */
	for (int i = 0; i < 12; i++) {
		snprintf(spec, sizeof(spec), "bt:00:11:22:33:44:%02X", i);
		remember(spec);
	}
	CHECK_EQ(count(read_file(), "\"addr\""), 8);
	CHECK(remembered_is("bt:00:11:22:33:44:0B"));

	/* Damaged files: no crash, nothing or the first good address. */
	write_file("{\"straps\":[{\"addr\":\"bt:00:11");
	straps_remembered(&d, &none);
	CHECK_EQ(none.kind, 0);
	write_file("garbage \"addr\":\"unix:/tmp/x\" \"addr\":\"bt:zz\" "
		   "\"addr\":\"bt:AA:BB:CC:DD:EE:03\"");
	CHECK(remembered_is("bt:AA:BB:CC:DD:EE:03"));
	write_file("\"addr\"");
	straps_remembered(&d, &none);
	CHECK_EQ(none.kind, 0);
	write_file("\"addr\" :");
	straps_remembered(&d, &none);
	CHECK_EQ(none.kind, 0);
	write_file("");
	straps_remembered(&d, &none);
	CHECK_EQ(none.kind, 0);
	/* And it is rewritten whole on the next strap. */
	remember("bt:AA:BB:CC:DD:EE:04");
	CHECK(remembered_is("bt:AA:BB:CC:DD:EE:04"));
	CHECK(strstr(read_file(), "{") == read_file());

	close(d.state_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return vg_test_done();
}
