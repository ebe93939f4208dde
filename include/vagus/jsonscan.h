/* SPDX-License-Identifier: MIT */
/*
 * Reading JSON text without building a tree: check a document, find a
 * member of an object, walk an object's or array's items, and convert a
 * scalar. Values are spans of the caller's text; nothing is allocated.
 * Enough for the control protocol's replies and beat lines (vagus/ctl.h)
 * and for report.json; strict RFC 8259 syntax, nesting at most
 * VG_JSONSCAN_DEPTH deep.
 *
 * Pure: no I/O.
 */
#ifndef VAGUS_JSONSCAN_H
#define VAGUS_JSONSCAN_H

#include <stdbool.h>
#include <stddef.h>

#define VG_JSONSCAN_DEPTH 32

enum vg_jv_type {
	VG_JV_NONE = 0,
	VG_JV_NULL,
	VG_JV_BOOL,
	VG_JV_NUM,
	VG_JV_STR, /* the span includes the quotes */
	VG_JV_OBJ,
	VG_JV_ARR,
};

/* One value: its type and the exact bytes it spans in the text. */
struct vg_jv {
	enum vg_jv_type type;
	const char *p;
	size_t len;
};

/*
 * Checks that @text (@len bytes) is exactly one JSON value, optionally
 * surrounded by white space, and describes it in *@out. Returns 0 or
 * -EBADMSG.
 */
int vg_jsonscan_parse(const char *text, size_t len, struct vg_jv *out);

/*
 * The next item of the object or array @v (checked by vg_jsonscan_parse
 * or taken from one): *@pos starts at 0 and is advanced. For an object,
 * *@key receives the member name (a VG_JV_STR); for an array it may be
 * NULL. Returns 1 with an item, 0 at the end, -EINVAL if @v is not a
 * container, -EBADMSG for malformed text.
 */
int vg_jsonscan_next(const struct vg_jv *v, size_t *pos, struct vg_jv *key,
		     struct vg_jv *item);

/*
 * The member @name of object @obj (the first, if repeated). Returns 0,
 * -ENOENT when absent, -EINVAL if @obj is not an object, -EBADMSG.
 */
int vg_jsonscan_get(const struct vg_jv *obj, const char *name,
		    struct vg_jv *out);

/* A number's value. Returns 0 or -EINVAL (not a number or out of range). */
int vg_jv_num(const struct vg_jv *v, double *out);
/* A boolean. Returns 0 or -EINVAL. */
int vg_jv_bool(const struct vg_jv *v, bool *out);
/*
 * A string's text decoded into @buf (NUL-terminated, UTF-8; \u0000 is
 * refused). Returns the length, -EINVAL (not a string or a bad escape)
 * or -EMSGSIZE when @cap is too small.
 */
int vg_jv_str(const struct vg_jv *v, char *buf, size_t cap);
/* Whether the string @v decodes to exactly @s. */
bool vg_jv_str_eq(const struct vg_jv *v, const char *s);

#endif
