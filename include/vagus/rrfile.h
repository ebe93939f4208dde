/* SPDX-License-Identifier: MIT */
/*
 * Reader of RR interval files, from a buffer in memory (the caller reads the
 * file): plain lists in ms or s (auto-detected), '#' comments, Kubios RR
 * text exports, "time rr" two-column exports, and CSV with an RR column
 * (Polar, Elite HRV and similar apps).
 *
 * Pure: no I/O. Bad input gets an error with the line number and a short
 * message; it never reads outside the buffer.
 */
#ifndef VAGUS_RRFILE_H
#define VAGUS_RRFILE_H

#include <stddef.h>

#include "vagus/rr.h"

struct vg_rrfile_error {
	size_t line;   /* 1-based line of the problem, 0 if none applies */
	char msg[128]; /* e.g. "negative interval -12" */
};

/*
 * Parses @len bytes at @buf into @out (emptied first). Returns 0, -EBADMSG
 * with @err filled for input that is not an RR file or holds an invalid
 * interval, or -ENOMEM.
 */
int vg_rrfile_parse(const char *buf, size_t len, struct vg_rr_series *out,
		    struct vg_rrfile_error *err);

#endif
