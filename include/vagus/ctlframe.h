/* SPDX-License-Identifier: MIT */
/*
 * Framing of the control protocol (vagus/ctl.h) on a byte stream: splits
 * what a client sends into request lines, each at most VG_CTL_LINE_MAX
 * bytes with its "\n". A client that sends more than that without a
 * newline has broken the protocol: the framer says so and the caller
 * drops the client (resynchronising would mean trusting the rest).
 *
 * Pure: a fixed buffer inside the struct, no allocation.
 *
 *	char *p = vg_ctl_frame_space(&f, &room);
 *	n = read(fd, p, room);
 *	vg_ctl_frame_commit(&f, n);
 *	while ((r = vg_ctl_frame_next(&f, &line, &len)) > 0)
 *		handle(line, len);
 *	if (r == -EMSGSIZE)
 *		drop the client
 */
#ifndef VAGUS_CTLFRAME_H
#define VAGUS_CTLFRAME_H

#include <stddef.h>

#include "vagus/ctl.h"

struct vg_ctl_frame {
	char buf[VG_CTL_LINE_MAX];
	size_t len;  /* bytes held */
	size_t pos;  /* start of the first line not yet returned */
	size_t scan; /* bytes from pos already known to hold no "\n" */
};

void vg_ctl_frame_init(struct vg_ctl_frame *f);

/*
 * Where the next bytes read go, and how many fit (*room, > 0 unless the
 * pending line is already too long). Invalidates lines returned before.
 */
char *vg_ctl_frame_space(struct vg_ctl_frame *f, size_t *room);

/* Accounts @n bytes written at the space (n <= room). */
void vg_ctl_frame_commit(struct vg_ctl_frame *f, size_t n);

/*
 * The next whole line: returns 1 with *@line and *@len (without the
 * "\n"; the bytes stay valid until the next vg_ctl_frame_space()), 0 when
 * no whole line is held, -EMSGSIZE when the pending line already exceeds
 * VG_CTL_LINE_MAX bytes (it stays so: the stream cannot be trusted).
 */
int vg_ctl_frame_next(struct vg_ctl_frame *f, const char **line, size_t *len);

/* Bytes of an unfinished line held (0 between whole lines). */
size_t vg_ctl_frame_pending(const struct vg_ctl_frame *f);

#endif
