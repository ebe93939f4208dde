/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the control server's framing of a client's byte
 * stream. The input's first byte chooses the read sizes, the rest is the
 * stream. The framer must give exactly the lines a plain split at "\n"
 * gives, refuse a line only when it really exceeds VG_CTL_LINE_MAX, never
 * touch memory out of its buffer, and every line it gives must go through
 * vg_ctl_parse (the next step in the server) without harm.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vagus/ctl.h"
#include "vagus/ctlframe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vg_ctl_frame f;
	static struct vg_ctl_req req;
	size_t off = 1, ref = 1; /* ref: start of the next expected line */
	unsigned step;

	if (size < 1)
		return 0;
	step = data[0] % 64 + 1;
	vg_ctl_frame_init(&f);
	while (off < size) {
		size_t room;
		char *p = vg_ctl_frame_space(&f, &room);
		/* Read sizes vary with the position, as a socket's would. */
		size_t n = (step * (off + 7)) % 1500 + 1;
		if (n > room)
			n = room;
		if (n > size - off)
			n = size - off;
		memcpy(p, data + off, n);
		vg_ctl_frame_commit(&f, n);
		off += n;
		const char *line;
		size_t len;
		int r;
		while ((r = vg_ctl_frame_next(&f, &line, &len)) == 1) {
			const uint8_t *nl = memchr(data + ref, '\n', off - ref);
			if (!nl || (size_t)(nl - (data + ref)) != len ||
			    memcmp(line, data + ref, len) ||
			    len >= VG_CTL_LINE_MAX)
				abort();
			const char *why = NULL;
			if (vg_ctl_parse(line, len, &req, &why) < 0 && !why)
				abort();
			ref += len + 1;
		}
		if (r == -EMSGSIZE) {
			/* Only when no "\n" lies within the limit. */
			size_t span = off - ref;
			if (span < VG_CTL_LINE_MAX ||
			    memchr(data + ref, '\n', VG_CTL_LINE_MAX))
				abort();
			return 0;
		}
		if (r != 0 || vg_ctl_frame_pending(&f) != off - ref ||
		    memchr(data + ref, '\n', off - ref))
			abort();
	}
	return 0;
}
