/* SPDX-License-Identifier: MIT */
/*
 * The control protocol between vagusd and its clients, over a local Unix
 * stream socket: one request per line, answered by one reply line; `watch`
 * then streams event lines until the client leaves.
 *
 *   request  = verb *(" " key "=" value) "\n"      at most VG_CTL_LINE_MAX
 *   verb     = "status" / "start" / "stop" / "mark" / "watch" / "list" /
 *              "report" / "scan" / "version"
 *   value    = percent-encoded bytes: space, control bytes, "%", "=" and
 *              bytes >= 0x7f are written %XX, so a value never holds a
 *              separator and any UTF-8 text passes
 *   reply    = "ok " json-object "\n" / "err " code " " text "\n"
 *   event    = "beat " json-object "\n" / "event " json-object "\n"
 *
 * Each verb accepts only its own keys (a typo is an error, not ignored):
 *   start: strap tag note      stop: strap     mark: strap text (required)
 *   watch: strap               report: id format      others: none
 *
 * Pure: parses and formats lines in caller buffers.
 */
#ifndef VAGUS_CTL_H
#define VAGUS_CTL_H

#include <stddef.h>

#define VG_CTL_LINE_MAX 1024
#define VG_CTL_ARGS_MAX 4
#define VG_CTL_KEY_MAX 16
#define VG_CTL_VALUE_MAX 512

enum vg_ctl_verb {
	VG_CTL_STATUS = 1,
	VG_CTL_START,
	VG_CTL_STOP,
	VG_CTL_MARK,
	VG_CTL_WATCH,
	VG_CTL_LIST,
	VG_CTL_REPORT,
	VG_CTL_SCAN,
	VG_CTL_VERSION,
};

struct vg_ctl_arg {
	char key[VG_CTL_KEY_MAX];
	char value[VG_CTL_VALUE_MAX]; /* decoded, NUL-terminated */
};

struct vg_ctl_req {
	enum vg_ctl_verb verb;
	unsigned nargs;
	struct vg_ctl_arg args[VG_CTL_ARGS_MAX];
};

/*
 * Parses one request line of @len bytes (without its "\n"; a trailing
 * "\r" is accepted). Returns 0, or -EBADMSG / -EINVAL with a short reason
 * in @why (a static string): empty line, unknown verb, malformed pair,
 * bad escape, NUL byte, duplicate or unknown key, missing required key,
 * value too long.
 */
int vg_ctl_parse(const char *line, size_t len, struct vg_ctl_req *req,
		 const char **why);

/* The value of @key in @req, or NULL. */
const char *vg_ctl_get(const struct vg_ctl_req *req, const char *key);

/* The verb's name ("start"), or NULL for an invalid verb. */
const char *vg_ctl_verb_name(enum vg_ctl_verb verb);

/*
 * Formats a request line with "\n" into @buf (capacity @cap) from @verb
 * and @n key/value pairs (values percent-encoded here; NULL values are
 * skipped). Returns the length, or -EMSGSIZE if it would exceed @cap or
 * VG_CTL_LINE_MAX, -EINVAL for an invalid verb or key.
 */
int vg_ctl_format(char *buf, size_t cap, enum vg_ctl_verb verb,
		  const char *const *keys, const char *const *values,
		  unsigned n);

#endif
