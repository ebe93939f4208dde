/* SPDX-License-Identifier: MIT */
#include "vagus/ctlframe.h"

#include <errno.h>
#include <string.h>

void vg_ctl_frame_init(struct vg_ctl_frame *f)
{
	f->len = 0;
	f->pos = 0;
	f->scan = 0;
}

char *vg_ctl_frame_space(struct vg_ctl_frame *f, size_t *room)
{
	/* Move the unfinished line to the front so a whole line always fits. */
	if (f->pos) {
		memmove(f->buf, f->buf + f->pos, f->len - f->pos);
		f->len -= f->pos;
		f->pos = 0;
	}
	*room = sizeof(f->buf) - f->len;
	return f->buf + f->len;
}

void vg_ctl_frame_commit(struct vg_ctl_frame *f, size_t n)
{
	size_t room = sizeof(f->buf) - f->len;

	f->len += n < room ? n : room;
}

int vg_ctl_frame_next(struct vg_ctl_frame *f, const char **line, size_t *len)
{
	size_t held = f->len - f->pos;
	const char *start = f->buf + f->pos;
	const char *nl;

	/* Bytes already scanned hold no newline: look only at new ones. */
	nl = memchr(start + f->scan, '\n', held - f->scan);
	if (!nl) {
		f->scan = held;
		/* A full buffer without "\n": the line is too long. */
		return held >= sizeof(f->buf) ? -EMSGSIZE : 0;
	}
	*line = start;
	*len = (size_t)(nl - start);
	f->pos += *len + 1;
	f->scan = 0;
	return 1;
}

size_t vg_ctl_frame_pending(const struct vg_ctl_frame *f)
{
	return f->len - f->pos;
}
