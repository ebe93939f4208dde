/* SPDX-License-Identifier: MIT */
#include "vagus/ctl.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

struct verb_spec {
	const char *name;
	const char *keys[VG_CTL_ARGS_MAX]; /* allowed keys */
	const char *required;		   /* a key that must be given */
};

static const struct verb_spec verbs[] = {
    [VG_CTL_STATUS] = {"status", {NULL}, NULL},
    [VG_CTL_START] = {"start", {"strap", "tag", "note"}, NULL},
    [VG_CTL_STOP] = {"stop", {"strap"}, NULL},
    [VG_CTL_MARK] = {"mark", {"strap", "text"}, "text"},
    [VG_CTL_WATCH] = {"watch", {"strap"}, NULL},
    [VG_CTL_LIST] = {"list", {NULL}, NULL},
    [VG_CTL_REPORT] = {"report", {"id", "format"}, NULL},
    [VG_CTL_SCAN] = {"scan", {NULL}, NULL},
    [VG_CTL_VERSION] = {"version", {NULL}, NULL},
};

#define NVERBS (sizeof(verbs) / sizeof(verbs[0]))

const char *vg_ctl_verb_name(enum vg_ctl_verb verb)
{
	if ((unsigned)verb == 0 || (unsigned)verb >= NVERBS)
		return NULL;
	return verbs[verb].name;
}

static bool key_allowed(const struct verb_spec *v, const char *key)
{
	for (unsigned i = 0; i < VG_CTL_ARGS_MAX && v->keys[i]; i++)
		if (strcmp(v->keys[i], key) == 0)
			return true;
	return false;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Bytes that must travel as %XX inside a value. */
static bool must_escape(unsigned char c)
{
	return c <= ' ' || c == '%' || c == '=' || c >= 0x7f;
}

/* Decodes @n bytes of @src into @dst (cap VG_CTL_VALUE_MAX). */
static int decode_value(const char *src, size_t n, char *dst, const char **why)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)src[i];
		if (c == '%') {
			/* Both hex digits must lie inside the value. */
			int hi = i + 2 < n ? hexval(src[i + 1]) : -1;
			int lo = i + 2 < n ? hexval(src[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				*why = "bad %-escape in a value";
				return -EBADMSG;
			}
			c = (unsigned char)(hi << 4 | lo);
			if (!c) {
				*why = "NUL byte in a value";
				return -EBADMSG;
			}
			i += 2;
		} else if (must_escape(c)) {
			*why = "unescaped byte in a value";
			return -EBADMSG;
		}
		if (out + 1 >= VG_CTL_VALUE_MAX) {
			*why = "value too long";
			return -EBADMSG;
		}
		dst[out++] = (char)c;
	}
	dst[out] = '\0';
	return 0;
}

int vg_ctl_parse(const char *line, size_t len, struct vg_ctl_req *req,
		 const char **why)
{
	const char *p = line, *end;
	const struct verb_spec *spec = NULL;
	static const char *dummy;

	if (!why)
		why = &dummy;
	memset(req, 0, sizeof(*req));
	if (len && line[len - 1] == '\r')
		len--;
	end = line + len;
	if (len >= VG_CTL_LINE_MAX) {
		*why = "request too long";
		return -EBADMSG;
	}
	if (memchr(line, '\0', len)) {
		*why = "NUL byte in a request";
		return -EBADMSG;
	}

	const char *sp = memchr(p, ' ', len);
	size_t vlen = sp ? (size_t)(sp - p) : len;
	if (!vlen) {
		*why = "empty request";
		return -EINVAL;
	}
	for (unsigned v = 1; v < NVERBS; v++) {
		if (strlen(verbs[v].name) == vlen &&
		    memcmp(verbs[v].name, p, vlen) == 0) {
			req->verb = (enum vg_ctl_verb)v;
			spec = &verbs[v];
		}
	}
	if (!spec) {
		*why = "unknown command";
		return -EINVAL;
	}
	p += vlen;

	while (p < end) {
		/* Exactly one space between words. */
		if (*p != ' ' || p + 1 >= end || p[1] == ' ') {
			*why = "malformed spacing";
			return -EBADMSG;
		}
		p++;
		const char *word_end = memchr(p, ' ', (size_t)(end - p));
		if (!word_end)
			word_end = end;
		const char *eq = memchr(p, '=', (size_t)(word_end - p));
		if (!eq || eq == p) {
			*why = "argument is not key=value";
			return -EBADMSG;
		}
		size_t klen = (size_t)(eq - p);
		if (req->nargs == VG_CTL_ARGS_MAX || klen >= VG_CTL_KEY_MAX) {
			*why = "unknown key";
			return -EINVAL;
		}
		struct vg_ctl_arg *a = &req->args[req->nargs];
		memcpy(a->key, p, klen);
		a->key[klen] = '\0';
		if (!key_allowed(spec, a->key)) {
			*why = "unknown key";
			return -EINVAL;
		}
		if (vg_ctl_get(req, a->key)) {
			*why = "duplicate key";
			return -EINVAL;
		}
		int err = decode_value(eq + 1, (size_t)(word_end - eq - 1),
				       a->value, why);
		if (err)
			return err;
		req->nargs++;
		p = word_end;
	}
	if (spec->required && !vg_ctl_get(req, spec->required)) {
		*why = "missing required argument";
		return -EINVAL;
	}
	return 0;
}

const char *vg_ctl_get(const struct vg_ctl_req *req, const char *key)
{
	for (unsigned i = 0; i < req->nargs; i++)
		if (strcmp(req->args[i].key, key) == 0)
			return req->args[i].value;
	return NULL;
}

int vg_ctl_format(char *buf, size_t cap, enum vg_ctl_verb verb,
		  const char *const *keys, const char *const *values,
		  unsigned n)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *name = vg_ctl_verb_name(verb);
	size_t len = 0;

	if (!name)
		return -EINVAL;
	if (cap > VG_CTL_LINE_MAX)
		cap = VG_CTL_LINE_MAX;
#define PUT(ch)                                                                \
	do {                                                                   \
		if (len + 1 >= cap)                                            \
			return -EMSGSIZE;                                      \
		buf[len++] = (ch);                                             \
	} while (0)
	for (const char *c = name; *c; c++)
		PUT(*c);
	for (unsigned i = 0; i < n; i++) {
		if (!values[i])
			continue;
		if (!key_allowed(&verbs[verb], keys[i]))
			return -EINVAL;
		PUT(' ');
		for (const char *c = keys[i]; *c; c++)
			PUT(*c);
		PUT('=');
		for (const unsigned char *c = (const unsigned char *)values[i];
		     *c; c++) {
			if (must_escape(*c)) {
				PUT('%');
				PUT(hex[*c >> 4]);
				PUT(hex[*c & 15]);
			} else {
				PUT((char)*c);
			}
		}
	}
	PUT('\n');
#undef PUT
	buf[len] = '\0';
	return (int)len;
}
