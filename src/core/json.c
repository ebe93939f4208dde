/* SPDX-License-Identifier: MIT */
/*
 * JSON text (RFC 8259) writer. Every public call checks the sticky error
 * first and rolls the text back to where it began when it fails, so the
 * buffer never holds half a value.
 */
#include "vagus/json.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GROW_MIN 256

void vg_json_init(struct vg_json *j, char *buf, size_t cap, int indent)
{
	memset(j, 0, sizeof(*j));
	j->buf = buf;
	j->cap = buf ? cap : 0;
	j->owned = !buf;
	j->indent = indent < 0 ? 0 : indent > 16 ? 16 : indent;
	if (j->buf && j->cap)
		j->buf[0] = '\0';
	else if (j->buf)
		j->err = -EMSGSIZE;
}

void vg_json_free(struct vg_json *j)
{
	if (j->owned)
		free(j->buf);
	j->buf = NULL;
	j->cap = 0;
	j->len = 0;
}

int vg_json_error(const struct vg_json *j)
{
	if (j->err)
		return j->err;
	if (j->depth || !j->done)
		return -EINVAL;
	return 0;
}

const char *vg_json_text(const struct vg_json *j)
{
	return j->buf && j->cap ? j->buf : "";
}

size_t vg_json_len(const struct vg_json *j)
{
	return j->len;
}

/* Room for @n more bytes and the NUL. */
static bool reserve(struct vg_json *j, size_t n)
{
	if (j->err)
		return false;
	if (j->cap && n < j->cap - j->len)
		return true;
	if (!j->owned) {
		j->err = -EMSGSIZE;
		return false;
	}
	if (n > SIZE_MAX / 2 - j->len) {
		j->err = -ENOMEM;
		return false;
	}
	size_t need = j->len + n + 1;
	size_t cap = j->cap < GROW_MIN ? GROW_MIN : j->cap;
	while (cap < need)
		cap *= 2;
	char *b = realloc(j->buf, cap);
	if (!b) {
		j->err = -ENOMEM;
		return false;
	}
	j->buf = b;
	j->cap = cap;
	return true;
}

static void put(struct vg_json *j, const char *s, size_t n)
{
	if (!reserve(j, n))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
	j->buf[j->len] = '\0';
}

static void puts_(struct vg_json *j, const char *s)
{
	put(j, s, strlen(s));
}

static void newline(struct vg_json *j, int depth)
{
	static const char spaces[] = "                                ";

	if (!j->indent)
		return;
	put(j, "\n", 1);
	for (long n = (long)j->indent * depth; n > 0;
	     n -= (long)sizeof(spaces) - 1)
		put(j, spaces,
		    (size_t)(n < (long)sizeof(spaces) - 1
				 ? n
				 : (long)sizeof(spaces) - 1));
}

static void misuse(struct vg_json *j)
{
	if (!j->err)
		j->err = -EINVAL;
}

/* Separator and indentation before a new array element or member. */
static void item_start(struct vg_json *j)
{
	int d = j->depth - 1;

	if (j->has_items[d])
		put(j, ",", 1);
	j->has_items[d] = 1;
	newline(j, j->depth);
}

/* Checks that a value may come now and writes what precedes it. */
static bool value_start(struct vg_json *j, size_t *mark)
{
	*mark = j->len;
	if (j->err)
		return false;
	if (!j->depth) {
		if (j->done) {
			misuse(j);
			return false;
		}
		return true;
	}
	if (j->is_object[j->depth - 1]) {
		if (!j->want_value) {
			misuse(j);
			return false;
		}
		j->want_value = false;
		return true;
	}
	item_start(j);
	return !j->err;
}

/* Ends a value: rolls back on error, marks a finished document. */
static void value_end(struct vg_json *j, size_t mark)
{
	if (j->err) {
		j->len = mark;
		if (j->buf && j->cap)
			j->buf[mark] = '\0';
		return;
	}
	if (!j->depth)
		j->done = true;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0; /* no overlong forms */
		else if (c == 0xed)
			hi = 0x9f; /* no UTF-16 surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f; /* nothing above U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

static void put_string(struct vg_json *j, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;
	char esc[8];

	put(j, "\"", 1);
	while (i < n) {
		unsigned char c = s[i];
		size_t l = c >= 0x20 && c != '"' && c != '\\'
			       ? utf8_len(s + i, n - i)
			       : 0;
		if (l) {
			i += l;
			run += l;
			continue;
		}
		put(j, (const char *)s + i - run, run);
		run = 0;
		if (c == '"') {
			put(j, "\\\"", 2);
		} else if (c == '\\') {
			put(j, "\\\\", 2);
		} else if (c == '\n') {
			put(j, "\\n", 2);
		} else if (c == '\r') {
			put(j, "\\r", 2);
		} else if (c == '\t') {
			put(j, "\\t", 2);
		} else if (c == '\b') {
			put(j, "\\b", 2);
		} else if (c == '\f') {
			put(j, "\\f", 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put(j, esc, 6);
		} else {
			/* Not UTF-8: U+FFFD REPLACEMENT CHARACTER. */
			put(j, "\xef\xbf\xbd", 3);
		}
		i++;
	}
	put(j, (const char *)s + i - run, run);
	put(j, "\"", 1);
}

size_t vg_json_format_double(char *dst, size_t cap, double v)
{
	char tmp[40];
	int n = 0;

	if (!cap)
		return 0;
	if (!isfinite(v)) {
		snprintf(dst, cap, "null");
		return strlen(dst);
	}
	/*
	 * %g in the current locale, read back in the same locale: the
	 * fewest digits from 15 up that give the same double.
	 */
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (prec == 17 || strtod(tmp, NULL) == v)
			break;
	}
	/* Whatever the locale put for the decimal point becomes '.'. */
	size_t o = 0;
	bool in_point = false;
	for (int i = 0; i < n && o + 1 < cap; i++) {
		char c = tmp[i];
		bool num = (c >= '0' && c <= '9') || c == '-' || c == '+' ||
			   c == 'e' || c == 'E';
		if (num) {
			dst[o++] = c;
			in_point = false;
		} else if (!in_point) {
			dst[o++] = '.';
			in_point = true;
		}
	}
	dst[o] = '\0';
	return o;
}

void vg_json_begin_object(struct vg_json *j)
{
	size_t mark;

	if (value_start(j, &mark)) {
		if (j->depth >= VG_JSON_MAX_DEPTH)
			misuse(j);
		put(j, "{", 1);
	}
	if (!j->err) {
		j->is_object[j->depth] = 1;
		j->has_items[j->depth] = 0;
		j->depth++;
	}
	value_end(j, mark);
}

void vg_json_begin_array(struct vg_json *j)
{
	size_t mark;

	if (value_start(j, &mark)) {
		if (j->depth >= VG_JSON_MAX_DEPTH)
			misuse(j);
		put(j, "[", 1);
	}
	if (!j->err) {
		j->is_object[j->depth] = 0;
		j->has_items[j->depth] = 0;
		j->depth++;
	}
	value_end(j, mark);
}

static void end_container(struct vg_json *j, bool object)
{
	size_t mark = j->len;

	if (j->err)
		return;
	if (!j->depth || j->is_object[j->depth - 1] != object ||
	    j->want_value) {
		misuse(j);
		return;
	}
	if (j->has_items[j->depth - 1])
		newline(j, j->depth - 1);
	put(j, object ? "}" : "]", 1);
	if (j->err) {
		value_end(j, mark);
		return;
	}
	j->depth--;
	value_end(j, mark);
}

void vg_json_end_object(struct vg_json *j)
{
	end_container(j, true);
}

void vg_json_end_array(struct vg_json *j)
{
	end_container(j, false);
}

void vg_json_key(struct vg_json *j, const char *key)
{
	size_t mark = j->len;

	if (j->err)
		return;
	if (!j->depth || !j->is_object[j->depth - 1] || j->want_value || !key) {
		misuse(j);
		return;
	}
	item_start(j);
	put_string(j, key, strlen(key));
	put(j, j->indent ? ": " : ":", j->indent ? 2 : 1);
	if (j->err) {
		j->len = mark;
		if (j->buf && j->cap)
			j->buf[mark] = '\0';
		return;
	}
	j->want_value = true;
}

void vg_json_strn(struct vg_json *j, const char *s, size_t n)
{
	size_t mark;

	if (value_start(j, &mark))
		put_string(j, s, n);
	value_end(j, mark);
}

void vg_json_str(struct vg_json *j, const char *s)
{
	if (!s)
		vg_json_null(j);
	else
		vg_json_strn(j, s, strlen(s));
}

void vg_json_num(struct vg_json *j, double v)
{
	char tmp[40];
	size_t mark;

	if (value_start(j, &mark))
		put(j, tmp, vg_json_format_double(tmp, sizeof(tmp), v));
	value_end(j, mark);
}

void vg_json_int(struct vg_json *j, long long v)
{
	char tmp[32];
	size_t mark;

	if (value_start(j, &mark)) {
		snprintf(tmp, sizeof(tmp), "%lld", v);
		puts_(j, tmp);
	}
	value_end(j, mark);
}

void vg_json_uint(struct vg_json *j, unsigned long long v)
{
	char tmp[32];
	size_t mark;

	if (value_start(j, &mark)) {
		snprintf(tmp, sizeof(tmp), "%llu", v);
		puts_(j, tmp);
	}
	value_end(j, mark);
}

void vg_json_bool(struct vg_json *j, bool v)
{
	size_t mark;

	if (value_start(j, &mark))
		puts_(j, v ? "true" : "false");
	value_end(j, mark);
}

void vg_json_null(struct vg_json *j)
{
	size_t mark;

	if (value_start(j, &mark))
		puts_(j, "null");
	value_end(j, mark);
}

void vg_json_key_str(struct vg_json *j, const char *key, const char *s)
{
	vg_json_key(j, key);
	vg_json_str(j, s);
}

void vg_json_key_num(struct vg_json *j, const char *key, double v)
{
	vg_json_key(j, key);
	vg_json_num(j, v);
}

void vg_json_key_int(struct vg_json *j, const char *key, long long v)
{
	vg_json_key(j, key);
	vg_json_int(j, v);
}

void vg_json_key_uint(struct vg_json *j, const char *key, unsigned long long v)
{
	vg_json_key(j, key);
	vg_json_uint(j, v);
}

void vg_json_key_bool(struct vg_json *j, const char *key, bool v)
{
	vg_json_key(j, key);
	vg_json_bool(j, v);
}

void vg_json_key_null(struct vg_json *j, const char *key)
{
	vg_json_key(j, key);
	vg_json_null(j);
}

void vg_json_key_object(struct vg_json *j, const char *key)
{
	vg_json_key(j, key);
	vg_json_begin_object(j);
}

void vg_json_key_array(struct vg_json *j, const char *key)
{
	vg_json_key(j, key);
	vg_json_begin_array(j);
}
