/* SPDX-License-Identifier: MIT */
/*
 * STATE/straps.json: the Bluetooth straps that streamed to us, most
 * recent first, so --strap auto connects to the user's own strap as soon
 * as it is heard instead of a stronger one nearby:
 *
 *   {"straps":[{"addr":"bt:AA:BB:CC:DD:EE:FF/random","last_used_ms":..},
 *              ...]}
 *
 * Replaced atomically (sys/store.h) so a crash leaves the old or the new
 * file, never half of one. Only the "addr" values are read back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "sys/loop.h"
#include "sys/store.h"
#include "vagus/json.h"

#define STRAPS_FILE "straps.json"
#define STRAPS_KEPT 8
#define FILE_MAX 16384

/* Reads the file into @buf (NUL-terminated). Returns its length or -1. */
static ssize_t read_file(const struct vagusd *d, char *buf, size_t cap)
{
	int fd =
	    openat(d->state_fd, STRAPS_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t len = 0;

	if (fd < 0)
		return -1;
	while (len < cap - 1) {
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return (ssize_t)len;
}

/*
 * The addresses in the file, in order: each "addr":"..." value that
 * parses as a Bluetooth address. Anything else in the file is ignored,
 * so a damaged file costs at most the memory of our strap.
 */
static size_t read_addrs(const struct vagusd *d, struct vg_addr *out,
			 size_t max)
{
	char buf[FILE_MAX], spec[VGD_NAME_MAX];
	const char *p = buf;
	size_t n = 0;

	if (read_file(d, buf, sizeof(buf)) < 0)
		return 0;
	while (n < max && (p = strstr(p, "\"addr\"")) != NULL) {
		const char *q;
		p += 6;
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p != ':')
			continue;
		p++;
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (*p != '"')
			continue;
		p++;
		q = strchr(p, '"');
		if (!q)
			break;
		if ((size_t)(q - p) < sizeof(spec)) {
			memcpy(spec, p, (size_t)(q - p));
			spec[q - p] = '\0';
			if (vg_addr_parse(spec, &out[n], NULL) == 0 &&
			    out[n].kind == VG_ADDR_BT)
				n++;
		}
		p = q;
	}
	return n;
}

void straps_remembered(struct vagusd *d, struct vg_addr *out)
{
	struct vg_addr a[1];

	memset(out, 0, sizeof(*out));
	if (read_addrs(d, a, 1) == 1)
		*out = a[0];
}

int straps_remember(struct vagusd *d, const struct strap *s)
{
	struct vg_addr old[STRAPS_KEPT];
	char buf[FILE_MAX], spec[VGD_NAME_MAX];
	size_t n = read_addrs(d, old, STRAPS_KEPT);
	struct vg_json j;
	int rc;

	if (n && vg_addr_same(&old[0], &s->addr))
		return 0; /* already first: no write at each reconnect */
	vg_json_init(&j, buf, sizeof(buf), 2);
	vg_json_begin_object(&j);
	vg_json_key_array(&j, "straps");
	vg_json_begin_object(&j);
	vg_json_key_str(&j, "addr", s->addr_text);
	vg_json_key_int(
	    &j, "last_used_ms",
	    vgd_wall(d, d->loop ? vg_loop_now(d->loop) : vg_monotonic_ms()));
	vg_json_end_object(&j);
	for (size_t i = 0; i < n && i < STRAPS_KEPT - 1; i++) {
		if (vg_addr_same(&old[i], &s->addr))
			continue;
		vg_addr_format(&old[i], spec, sizeof(spec));
		vg_json_begin_object(&j);
		vg_json_key_str(&j, "addr", spec);
		vg_json_end_object(&j);
	}
	vg_json_end_array(&j);
	vg_json_end_object(&j);
	if (vg_json_error(&j))
		return vg_json_error(&j);
	buf[vg_json_len(&j)] = '\n';
	rc = vg_store_replace(d->state_fd, STRAPS_FILE, buf,
			      vg_json_len(&j) + 1);
	if (rc < 0)
		log_warnx("cannot remember the strap in %s: %s", STRAPS_FILE,
			  strerror(-rc));
	return rc;
}
