/* SPDX-License-Identifier: MIT */
/* Strap address specs: "bt:AA:BB:CC:DD:EE:FF[/public|/random]", "unix:PATH". */
#include "vagus/addr.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int fail(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -EINVAL;
}

/*
 * Exactly six groups of two hex digits separated by ':', the way
 * hcitool, bluetoothctl and phone apps print them. One-digit groups and
 * '-' separators are refused rather than guessed: a wrong address would
 * page a stranger's device for 20 s before failing.
 */
static int parse_bt(const char *s, struct vg_addr *out, const char **why)
{
	const char *p = s;

	for (int i = 0; i < 6; i++) {
		int hi = hexval(p[0]);
		int lo = hi < 0 ? -1 : hexval(p[1]);

		if (hi < 0 || lo < 0)
			return fail(why, "bad Bluetooth address: want six "
					 "two-digit hex bytes, "
					 "AA:BB:CC:DD:EE:FF");
		/* bdaddr_t is little endian: the last octet written first. */
		out->bdaddr[5 - i] = (uint8_t)(hi << 4 | lo);
		p += 2;
		if (i < 5) {
			if (*p == '\0')
				return fail(why, "bad Bluetooth address: too "
						 "short, want six bytes, "
						 "AA:BB:CC:DD:EE:FF");
			if (*p != ':')
				return fail(why, "bad Bluetooth address: want "
						 "':' between the bytes, "
						 "AA:BB:CC:DD:EE:FF");
			p++;
		}
	}
	out->bt_type = VG_ADDR_LE_PUBLIC;
	if (*p == '\0')
		return 0;
	if (strcmp(p, "/public") == 0)
		return 0;
	if (strcmp(p, "/random") == 0) {
		out->bt_type = VG_ADDR_LE_RANDOM;
		return 0;
	}
	if (*p == '/')
		return fail(why, "bad Bluetooth address type: want /public or "
				 "/random");
	return fail(why, "bad Bluetooth address: unexpected text after "
			 "AA:BB:CC:DD:EE:FF");
}

static int parse_unix(const char *path, struct vg_addr *out, const char **why)
{
	size_t n = strlen(path);

	if (n == 0)
		return fail(why, "empty socket path after unix:");
	if (n > VG_ADDR_PATH_MAX)
		return fail(why, "socket path too long (at most 107 bytes)");
	memcpy(out->path, path, n + 1);
	return 0;
}

int vg_addr_parse(const char *spec, struct vg_addr *out, const char **why)
{
	memset(out, 0, sizeof(*out));
	if (!spec || !*spec)
		return fail(why, "empty strap address");
	if (strncmp(spec, "unix:", 5) == 0) {
		out->kind = VG_ADDR_UNIX;
		return parse_unix(spec + 5, out, why);
	}
	if (strncmp(spec, "bt:", 3) == 0) {
		out->kind = VG_ADDR_BT;
		return parse_bt(spec + 3, out, why);
	}
	/* A bare address as printed by scanners; anything else is unknown. */
	if (hexval(spec[0]) >= 0 && hexval(spec[1]) >= 0 && spec[2] == ':') {
		out->kind = VG_ADDR_BT;
		return parse_bt(spec, out, why);
	}
	return fail(why, "unknown strap address: want "
			 "bt:AA:BB:CC:DD:EE:FF[/public|/random] or unix:PATH");
}

bool vg_addr_same(const struct vg_addr *a, const struct vg_addr *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == VG_ADDR_BT)
		return memcmp(a->bdaddr, b->bdaddr, 6) == 0;
	return strcmp(a->path, b->path) == 0;
}

int vg_adapter_parse(const char *s)
{
	long v = 0;

	if (!s)
		return -EINVAL;
	if (!strncmp(s, "hci", 3))
		s += 3;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	/* Digits only, no sign or spaces; bounded before it can overflow. */
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (v >= 0xFFFF)
			return -EINVAL;
	}
	return *s ? -EINVAL : (int)v;
}

int vg_addr_format(const struct vg_addr *a, char *buf, size_t cap)
{
	const uint8_t *b = a->bdaddr;

	if (a->kind == VG_ADDR_UNIX)
		return snprintf(buf, cap, "unix:%s", a->path);
	if (a->kind == VG_ADDR_BT)
		return snprintf(buf, cap, "bt:%02X:%02X:%02X:%02X:%02X:%02X/%s",
				b[5], b[4], b[3], b[2], b[1], b[0],
				a->bt_type == VG_ADDR_LE_RANDOM ? "random"
								: "public");
	return snprintf(buf, cap, "?");
}
