/* SPDX-License-Identifier: MIT */
/*
 * A small JSON writer: objects, arrays, strings, numbers, booleans and null
 * into a caller-supplied fixed buffer or a heap buffer that grows.
 *
 * Pure: no I/O. Numbers use the fewest digits that read back to the same
 * double (at most 17), always with '.' whatever the locale; NAN and the
 * infinities become null. Strings are escaped; bytes that are not valid
 * UTF-8 become U+FFFD, so the output is always valid JSON text.
 *
 * Errors are sticky: after the first one every call does nothing and
 * vg_json_error() says what went wrong, so a writer can emit a whole
 * document and check once.
 *
 *	struct vg_json j;
 *	vg_json_init(&j, NULL, 0, 2);       // growing, indented by 2
 *	vg_json_begin_object(&j);
 *	vg_json_key_num(&j, "rmssd_ms", 56.9);
 *	vg_json_end_object(&j);
 *	if (!vg_json_error(&j)) puts(vg_json_text(&j));
 *	vg_json_free(&j);
 */
#ifndef VAGUS_JSON_H
#define VAGUS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deepest nesting of objects and arrays. */
#define VG_JSON_MAX_DEPTH 32

struct vg_json {
	char *buf;	 /* text so far, NUL-terminated while cap > 0 */
	size_t len;	 /* bytes of text, without the NUL */
	size_t cap;	 /* bytes at buf */
	bool owned;	 /* buf is ours: grows with realloc, freed by free */
	int indent;	 /* spaces per level; 0 for one line */
	int err;	 /* first error: 0, -ENOMEM, -EMSGSIZE or -EINVAL */
	int depth;	 /* open containers */
	bool done;	 /* the top-level value is complete */
	bool want_value; /* a key was written, its value is next */
	/* Per level: 1 in an object, and whether it has a member yet. */
	uint8_t is_object[VG_JSON_MAX_DEPTH];
	uint8_t has_items[VG_JSON_MAX_DEPTH];
};

/*
 * Starts a document. With @buf, writes into its @cap bytes and fails with
 * -EMSGSIZE when they run out (the text stays NUL-terminated, cut at a
 * value boundary); with @buf NULL, uses a heap buffer that grows (-ENOMEM
 * when it cannot). @indent spaces per level, 0 for a single line.
 */
void vg_json_init(struct vg_json *j, char *buf, size_t cap, int indent);

/* Frees the heap buffer, if any. The struct may be initialised again. */
void vg_json_free(struct vg_json *j);

/*
 * The first error: 0; -ENOMEM or -EMSGSIZE when out of room; -EINVAL for a
 * misuse (a value where a key belongs, unbalanced or too deep nesting, a
 * second top-level value, or a document not finished yet).
 */
int vg_json_error(const struct vg_json *j);

/* The text so far ("" before anything is written), and its length. */
const char *vg_json_text(const struct vg_json *j);
size_t vg_json_len(const struct vg_json *j);

void vg_json_begin_object(struct vg_json *j);
void vg_json_end_object(struct vg_json *j);
void vg_json_begin_array(struct vg_json *j);
void vg_json_end_array(struct vg_json *j);

/* An object member's name; its value is the next call. */
void vg_json_key(struct vg_json *j, const char *key);

void vg_json_str(struct vg_json *j, const char *s); /* NULL writes null */
void vg_json_strn(struct vg_json *j, const char *s, size_t n);
void vg_json_num(struct vg_json *j, double v); /* non-finite writes null */
void vg_json_int(struct vg_json *j, long long v);
void vg_json_uint(struct vg_json *j, unsigned long long v);
void vg_json_bool(struct vg_json *j, bool v);
void vg_json_null(struct vg_json *j);

/* Key and value in one call. */
void vg_json_key_str(struct vg_json *j, const char *key, const char *s);
void vg_json_key_num(struct vg_json *j, const char *key, double v);
void vg_json_key_int(struct vg_json *j, const char *key, long long v);
void vg_json_key_uint(struct vg_json *j, const char *key, unsigned long long v);
void vg_json_key_bool(struct vg_json *j, const char *key, bool v);
void vg_json_key_null(struct vg_json *j, const char *key);
void vg_json_key_object(struct vg_json *j, const char *key); /* begins it */
void vg_json_key_array(struct vg_json *j, const char *key);  /* begins it */

/*
 * Writes @v with the fewest significant digits (up to 17) that read back
 * to @v, '.' as the decimal point, into @dst (@cap >= 32 is always
 * enough). Non-finite values write "null". Returns the length written.
 */
size_t vg_json_format_double(char *dst, size_t cap, double v);

#endif
