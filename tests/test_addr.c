/* SPDX-License-Identifier: MIT */
/* Strap address specs: bt: and unix: forms, their errors, formatting. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "vagus/addr.h"

static void check_bt(const char *spec, const uint8_t want_le[6],
		     enum vg_addr_bt_type type, const char *canon)
{
	struct vg_addr a;
	const char *why = NULL;
	char buf[64];

	if (!CHECK_EQ(vg_addr_parse(spec, &a, &why), 0))
		return;
	CHECK_EQ(a.kind, VG_ADDR_BT);
	CHECK(memcmp(a.bdaddr, want_le, 6) == 0);
	CHECK_EQ(a.bt_type, type);
	CHECK_EQ(vg_addr_format(&a, buf, sizeof(buf)), strlen(canon));
	CHECK(strcmp(buf, canon) == 0);
}

static void check_bad(const char *spec, const char *reason_part)
{
	struct vg_addr a;
	const char *why = NULL;

	CHECK_EQ(vg_addr_parse(spec, &a, &why), -EINVAL);
	if (!CHECK(why && strstr(why, reason_part)))
		fprintf(stderr, "  %s: %s\n", spec, why ? why : "(null)");
	/* The reason pointer is optional. */
	CHECK_EQ(vg_addr_parse(spec, &a, NULL), -EINVAL);
}

/* Same strap: kind and address (or path); the LE address type aside. */
static void test_same(void)
{
	struct vg_addr a, b;

	CHECK_EQ(vg_addr_parse("bt:AA:BB:CC:DD:EE:FF", &a, NULL), 0);
	CHECK_EQ(vg_addr_parse("AA:BB:CC:DD:EE:FF/random", &b, NULL), 0);
	CHECK(vg_addr_same(&a, &b));
	CHECK_EQ(vg_addr_parse("bt:AA:BB:CC:DD:EE:FE", &b, NULL), 0);
	CHECK(!vg_addr_same(&a, &b));
	CHECK_EQ(vg_addr_parse("unix:/run/strap", &b, NULL), 0);
	CHECK(!vg_addr_same(&a, &b));
	CHECK_EQ(vg_addr_parse("unix:/run/strap", &a, NULL), 0);
	CHECK(vg_addr_same(&a, &b));
	CHECK_EQ(vg_addr_parse("unix:/run/strap2", &a, NULL), 0);
	CHECK(!vg_addr_same(&a, &b));
}

static void test_adapter(void)
{
	CHECK_EQ(vg_adapter_parse("hci0"), 0);
	CHECK_EQ(vg_adapter_parse("hci12"), 12);
	CHECK_EQ(vg_adapter_parse("3"), 3);
	CHECK_EQ(vg_adapter_parse("65534"), 65534);
	CHECK_EQ(vg_adapter_parse("65535"), -EINVAL); /* HCI_DEV_NONE */
	CHECK_EQ(vg_adapter_parse("hci99999999999999999999"), -EINVAL);
	CHECK_EQ(vg_adapter_parse("hci"), -EINVAL);
	CHECK_EQ(vg_adapter_parse(""), -EINVAL);
	CHECK_EQ(vg_adapter_parse("hci-1"), -EINVAL);
	CHECK_EQ(vg_adapter_parse("hci1 "), -EINVAL);
	CHECK_EQ(vg_adapter_parse("usb0"), -EINVAL);
	CHECK_EQ(vg_adapter_parse(NULL), -EINVAL);
}

int main(void)
{
	test_same();
	test_adapter();
	/* bdaddr_t order: the last octet as written comes first. */
	static const uint8_t h10[6] = {0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa};
	static const uint8_t mixed[6] = {0x5e, 0x4d, 0x3c, 0x2b, 0x1a, 0x0f};
	struct vg_addr a;
	const char *why = NULL;
	char buf[200];

	check_bt("bt:AA:BB:CC:DD:EE:FF", h10, VG_ADDR_LE_PUBLIC,
		 "bt:AA:BB:CC:DD:EE:FF/public");
	check_bt("bt:aa:bb:cc:dd:ee:ff/public", h10, VG_ADDR_LE_PUBLIC,
		 "bt:AA:BB:CC:DD:EE:FF/public");
	check_bt("bt:0f:1A:2b:3C:4d:5E/random", mixed, VG_ADDR_LE_RANDOM,
		 "bt:0F:1A:2B:3C:4D:5E/random");
	/* A bare address, as scanners print it. */
	check_bt("AA:BB:CC:DD:EE:FF/random", h10, VG_ADDR_LE_RANDOM,
		 "bt:AA:BB:CC:DD:EE:FF/random");

	check_bad("bt:AA:BB:CC:DD:EE", "too short");
	check_bad("bt:AA:BB:CC:DD:EE:F", "six two-digit hex bytes");
	check_bad("bt:AA:BB:CC:DD:EE:FG", "six two-digit hex bytes");
	check_bad("bt:A:BB:CC:DD:EE:FF", "six two-digit hex bytes");
	check_bad("bt:AA-BB-CC-DD-EE-FF", "':' between the bytes");
	check_bad("bt:AABBCCDDEEFF", "':' between the bytes");
	check_bad("bt:AA:BB:CC:DD:EE:FF:00", "unexpected text");
	check_bad("bt:AA:BB:CC:DD:EE:FF/", "/public or /random");
	check_bad("bt:AA:BB:CC:DD:EE:FF/static", "/public or /random");
	check_bad("bt:AA:BB:CC:DD:EE:FF/publicX", "/public or /random");
	check_bad("bt:", "six two-digit hex bytes");
	check_bad("", "empty strap address");
	check_bad("unix:", "empty socket path");
	check_bad("tcp:localhost", "unknown strap address");
	check_bad("/tmp/sim.sock", "unknown strap address");
	CHECK_EQ(vg_addr_parse(NULL, &a, &why), -EINVAL);

	/* Every truncation of a valid spec fails cleanly or parses. */
	const char *full = "bt:AA:BB:CC:DD:EE:FF/random";
	for (size_t n = 0; n < strlen(full); n++) {
		char cut[64];
		memcpy(cut, full, n);
		cut[n] = '\0';
		int rc = vg_addr_parse(cut, &a, &why);
		/* Only the whole address (with or without a type) parses. */
		CHECK(rc == -EINVAL || n == strlen("bt:AA:BB:CC:DD:EE:FF"));
	}

	/* unix: paths up to the sockaddr_un limit. */
	CHECK_EQ(vg_addr_parse("unix:/tmp/vagus-sim.sock", &a, &why), 0);
	CHECK_EQ(a.kind, VG_ADDR_UNIX);
	CHECK(strcmp(a.path, "/tmp/vagus-sim.sock") == 0);
	CHECK(vg_addr_format(&a, buf, sizeof(buf)) > 0);
	CHECK(strcmp(buf, "unix:/tmp/vagus-sim.sock") == 0);
	CHECK_EQ(vg_addr_parse("unix:rel/sock", &a, &why), 0);
	CHECK(strcmp(a.path, "rel/sock") == 0);

	char spec[200] = "unix:";
	memset(spec + 5, 'p', VG_ADDR_PATH_MAX);
	spec[5 + VG_ADDR_PATH_MAX] = '\0';
	CHECK_EQ(vg_addr_parse(spec, &a, &why), 0);
	CHECK_EQ(strlen(a.path), VG_ADDR_PATH_MAX);
	spec[5 + VG_ADDR_PATH_MAX] = 'p';
	spec[6 + VG_ADDR_PATH_MAX] = '\0';
	check_bad(spec, "too long");

	/* Formatting into a small buffer truncates but reports the need. */
	CHECK_EQ(vg_addr_parse("bt:AA:BB:CC:DD:EE:FF", &a, &why), 0);
	CHECK_EQ(vg_addr_format(&a, buf, 4), 27);
	CHECK(strcmp(buf, "bt:") == 0);

	return vg_test_done();
}
