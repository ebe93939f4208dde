/* SPDX-License-Identifier: MIT */
/*
 * Strap addresses as the user writes them on the command line:
 *
 *   bt:AA:BB:CC:DD:EE:FF[/public|/random]   an LE device (public by default)
 *   unix:PATH                               the simulated strap's socket
 *
 * A bare "AA:BB:CC:DD:EE:FF[/type]" means bt:. Pure: parsing and
 * formatting only; src/sys/transport.c opens the connection.
 */
#ifndef VAGUS_ADDR_H
#define VAGUS_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vg_addr_kind {
	VG_ADDR_UNIX = 1,
	VG_ADDR_BT = 2,
};

/*
 * The LE address type the strap advertised with: it must be given back on
 * connect, or the controller pages a different device.
 */
enum vg_addr_bt_type {
	VG_ADDR_LE_PUBLIC = 0,
	VG_ADDR_LE_RANDOM = 1,
};

/*
 * sizeof(sockaddr_un.sun_path) on Linux, without the NUL: longer paths
 * would be cut silently by the kernel, so the parser refuses them.
 */
#define VG_ADDR_PATH_MAX 107

struct vg_addr {
	enum vg_addr_kind kind;
	/* VG_ADDR_BT: the address in bdaddr_t order, b[0] is the LAST
	 * octet as written ("FF" of AA:..:FF), as the kernel expects. */
	uint8_t bdaddr[6];
	enum vg_addr_bt_type bt_type;
	/* VG_ADDR_UNIX: NUL-terminated filesystem path. */
	char path[VG_ADDR_PATH_MAX + 1];
};

/*
 * Parses @spec into @out. Returns 0, or -EINVAL with *@why (if not NULL)
 * pointing at a static English reason ("bad Bluetooth address: ...").
 */
int vg_addr_parse(const char *spec, struct vg_addr *out, const char **why);

/*
 * Writes the canonical spec of @a ("bt:AA:BB:CC:DD:EE:FF/random",
 * "unix:/tmp/s") to @buf (capacity @cap, always NUL-terminated when
 * @cap > 0). Returns the length it needed, like snprintf.
 */
int vg_addr_format(const struct vg_addr *a, char *buf, size_t cap);

/*
 * Whether @a and @b name the same strap: the same kind and path, or the
 * same 48-bit Bluetooth address (the LE address type is not compared: one
 * address is one device to the kernel's connection table).
 */
bool vg_addr_same(const struct vg_addr *a, const struct vg_addr *b);

/*
 * A local Bluetooth adapter as users name it: "hci0" or "0". Returns its
 * index (0..65534) or -EINVAL.
 */
int vg_adapter_parse(const char *s);

#endif
