/* SPDX-License-Identifier: MIT */
#include "vagus/jsonscan.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A cursor over [p, end); every read checks the end first. */
struct cur {
	const char *p, *end;
};

static void skip_ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
				 *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static bool lit(struct cur *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n))
		return false;
	c->p += n;
	return true;
}

static int hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char ch = p[i];
		v <<= 4;
		if (ch >= '0' && ch <= '9')
			v |= ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			v |= ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			v |= ch - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* A string from the opening quote; control bytes must be escaped. */
static bool scan_string(struct cur *c)
{
	if (c->p >= c->end || *c->p != '"')
		return false;
	c->p++;
	while (c->p < c->end) {
		unsigned char ch = (unsigned char)*c->p++;
		if (ch == '"')
			return true;
		if (ch < 0x20)
			return false;
		if (ch != '\\')
			continue;
		if (c->p >= c->end)
			return false;
		ch = (unsigned char)*c->p++;
		if (ch == 'u') {
			if (c->end - c->p < 4 || hex4(c->p) < 0)
				return false;
			c->p += 4;
		} else if (!strchr("\"\\/bfnrt", ch) || !ch) {
			return false;
		}
	}
	return false;
}

static bool is_digit(const struct cur *c)
{
	return c->p < c->end && *c->p >= '0' && *c->p <= '9';
}

/* -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static bool scan_number(struct cur *c)
{
	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (!is_digit(c))
		return false;
	if (*c->p == '0')
		c->p++;
	else
		while (is_digit(c))
			c->p++;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (!is_digit(c))
			return false;
		while (is_digit(c))
			c->p++;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (!is_digit(c))
			return false;
		while (is_digit(c))
			c->p++;
	}
	return true;
}

static bool scan_value(struct cur *c, struct vg_jv *out, int depth);

/* The rest of an object or array after its opening bracket. */
static bool scan_container(struct cur *c, bool object, int depth)
{
	char close = object ? '}' : ']';
	struct vg_jv tmp;

	if (depth >= VG_JSONSCAN_DEPTH)
		return false;
	skip_ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		return true;
	}
	for (;;) {
		skip_ws(c);
		if (object) {
			if (!scan_string(c))
				return false;
			skip_ws(c);
			if (c->p >= c->end || *c->p != ':')
				return false;
			c->p++;
		}
		if (!scan_value(c, &tmp, depth + 1))
			return false;
		skip_ws(c);
		if (c->p >= c->end)
			return false;
		if (*c->p == close) {
			c->p++;
			return true;
		}
		if (*c->p++ != ',')
			return false;
	}
}

static bool scan_value(struct cur *c, struct vg_jv *out, int depth)
{
	skip_ws(c);
	out->p = c->p;
	if (c->p >= c->end)
		return false;
	switch (*c->p) {
	case '{':
	case '[':
		out->type = *c->p == '{' ? VG_JV_OBJ : VG_JV_ARR;
		c->p++;
		if (!scan_container(c, out->type == VG_JV_OBJ, depth))
			return false;
		break;
	case '"':
		out->type = VG_JV_STR;
		if (!scan_string(c))
			return false;
		break;
	case 't':
	case 'f':
		out->type = VG_JV_BOOL;
		if (!lit(c, "true") && !lit(c, "false"))
			return false;
		break;
	case 'n':
		out->type = VG_JV_NULL;
		if (!lit(c, "null"))
			return false;
		break;
	default:
		out->type = VG_JV_NUM;
		if (!scan_number(c))
			return false;
	}
	out->len = (size_t)(c->p - out->p);
	return true;
}

int vg_jsonscan_parse(const char *text, size_t len, struct vg_jv *out)
{
	struct cur c = {text, text + len};

	memset(out, 0, sizeof(*out));
	if (!scan_value(&c, out, 0)) {
		memset(out, 0, sizeof(*out));
		return -EBADMSG;
	}
	skip_ws(&c);
	if (c.p != c.end) {
		memset(out, 0, sizeof(*out));
		return -EBADMSG;
	}
	return 0;
}

int vg_jsonscan_next(const struct vg_jv *v, size_t *pos, struct vg_jv *key,
		     struct vg_jv *item)
{
	struct cur c;
	bool object;

	if (v->type != VG_JV_OBJ && v->type != VG_JV_ARR)
		return -EINVAL;
	object = v->type == VG_JV_OBJ;
	if (v->len < 2 || *pos >= v->len)
		return -EBADMSG;
	/* pos 0 is the opening bracket, later the byte after an item. */
	c.p = v->p + (*pos ? *pos : 1);
	c.end = v->p + v->len - 1; /* before the closing bracket */
	skip_ws(&c);
	if (c.p < c.end && *pos && *c.p == ',') {
		c.p++;
		skip_ws(&c);
	} else if (*pos && c.p < c.end) {
		return -EBADMSG;
	}
	if (c.p >= c.end)
		return 0;
	if (object) {
		struct vg_jv k = {VG_JV_STR, c.p, 0};
		if (!scan_string(&c))
			return -EBADMSG;
		k.len = (size_t)(c.p - k.p);
		if (key)
			*key = k;
		skip_ws(&c);
		if (c.p >= c.end || *c.p != ':')
			return -EBADMSG;
		c.p++;
	}
	if (!scan_value(&c, item, 1))
		return -EBADMSG;
	*pos = (size_t)(c.p - v->p);
	return 1;
}

int vg_jsonscan_get(const struct vg_jv *obj, const char *name,
		    struct vg_jv *out)
{
	struct vg_jv k, item;
	size_t pos = 0;
	int r;

	if (obj->type != VG_JV_OBJ)
		return -EINVAL;
	while ((r = vg_jsonscan_next(obj, &pos, &k, &item)) > 0) {
		if (vg_jv_str_eq(&k, name)) {
			*out = item;
			return 0;
		}
	}
	return r < 0 ? r : -ENOENT;
}

int vg_jv_num(const struct vg_jv *v, double *out)
{
	char buf[64];
	char *end;

	if (v->type != VG_JV_NUM || v->len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, v->p, v->len);
	buf[v->len] = '\0';
	double d = strtod(buf, &end);
	if (*end || !isfinite(d))
		return -EINVAL;
	*out = d;
	return 0;
}

int vg_jv_bool(const struct vg_jv *v, bool *out)
{
	if (v->type != VG_JV_BOOL)
		return -EINVAL;
	*out = v->p[0] == 't';
	return 0;
}

static size_t put_utf8(char *dst, unsigned cp)
{
	if (cp < 0x80) {
		dst[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		dst[0] = (char)(0xc0 | cp >> 6);
		dst[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		dst[0] = (char)(0xe0 | cp >> 12);
		dst[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		dst[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	dst[0] = (char)(0xf0 | cp >> 18);
	dst[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	dst[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	dst[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

int vg_jv_str(const struct vg_jv *v, char *buf, size_t cap)
{
	size_t out = 0;

	if (v->type != VG_JV_STR || v->len < 2)
		return -EINVAL;
	const char *p = v->p + 1, *end = v->p + v->len - 1;
	while (p < end) {
		char tmp[4];
		size_t n = 1;
		if (*p != '\\') {
			tmp[0] = *p++;
		} else {
			if (end - p < 2)
				return -EINVAL;
			char e = p[1];
			p += 2;
			switch (e) {
			case 'b':
				tmp[0] = '\b';
				break;
			case 'f':
				tmp[0] = '\f';
				break;
			case 'n':
				tmp[0] = '\n';
				break;
			case 'r':
				tmp[0] = '\r';
				break;
			case 't':
				tmp[0] = '\t';
				break;
			case '"':
			case '\\':
			case '/':
				tmp[0] = e;
				break;
			case 'u': {
				int u = end - p >= 4 ? hex4(p) : -1;
				if (u <= 0)
					return -EINVAL;
				p += 4;
				unsigned cp = (unsigned)u;
				/* A surrogate pair makes one code point. */
				if (cp >= 0xd800 && cp < 0xdc00) {
					int lo = end - p >= 6 && p[0] == '\\' &&
							 p[1] == 'u'
						     ? hex4(p + 2)
						     : -1;
					if (lo < 0xdc00 || lo > 0xdfff)
						return -EINVAL;
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					     ((unsigned)lo - 0xdc00);
					p += 6;
				} else if (cp >= 0xdc00 && cp < 0xe000) {
					return -EINVAL;
				}
				n = put_utf8(tmp, cp);
				break;
			}
			default:
				return -EINVAL;
			}
		}
		if (out + n >= cap)
			return -EMSGSIZE;
		memcpy(buf + out, tmp, n);
		out += n;
	}
	if (cap == 0)
		return -EMSGSIZE;
	buf[out] = '\0';
	return (int)out;
}

bool vg_jv_str_eq(const struct vg_jv *v, const char *s)
{
	char buf[256];
	size_t n = strlen(s);

	if (v->type != VG_JV_STR)
		return false;
	/* Without escapes the bytes between the quotes are the text. */
	if (!memchr(v->p, '\\', v->len))
		return v->len == n + 2 && !memcmp(v->p + 1, s, n);
	if (n >= sizeof(buf))
		return false;
	int r = vg_jv_str(v, buf, sizeof(buf));
	return r >= 0 && (size_t)r == n && !memcmp(buf, s, n);
}
