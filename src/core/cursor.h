/* SPDX-License-Identifier: MIT */
/*
 * A byte cursor over a received buffer. Every read checks that the bytes
 * are there before it advances, so a decoder built on it cannot read past
 * the end however short or long the input is; a failed read leaves the
 * cursor where it was. Bluetooth is little endian throughout; values are
 * assembled with shifts, never by casting the buffer to a wider type.
 */
#ifndef VAGUS_CORE_CURSOR_H
#define VAGUS_CORE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor {
	const uint8_t *p;
	size_t left; /* bytes not yet read */
};

static inline struct cursor cursor_init(const uint8_t *buf, size_t len)
{
	struct cursor c = {buf, buf ? len : 0};
	return c;
}

static inline bool rd_u8(struct cursor *c, uint8_t *v)
{
	if (c->left < 1)
		return false;
	*v = c->p[0];
	c->p += 1;
	c->left -= 1;
	return true;
}

static inline bool rd_le16(struct cursor *c, uint16_t *v)
{
	if (c->left < 2)
		return false;
	*v = (uint16_t)(c->p[0] | (unsigned)c->p[1] << 8);
	c->p += 2;
	c->left -= 2;
	return true;
}

static inline bool rd_le32(struct cursor *c, uint32_t *v)
{
	if (c->left < 4)
		return false;
	*v = (uint32_t)c->p[0] | (uint32_t)c->p[1] << 8 |
	     (uint32_t)c->p[2] << 16 | (uint32_t)c->p[3] << 24;
	c->p += 4;
	c->left -= 4;
	return true;
}

/* Points *out at the next @n bytes (no copy) and skips them. */
static inline bool rd_bytes(struct cursor *c, size_t n, const uint8_t **out)
{
	if (c->left < n)
		return false;
	*out = c->p;
	c->p += n;
	c->left -= n;
	return true;
}

static inline size_t cursor_left(const struct cursor *c)
{
	return c->left;
}

/*
 * A writer over a caller's buffer. Writes past the capacity are refused
 * and latch the overflow flag, so an encoder checks once at the end.
 */
struct wcursor {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool overflow;
};

static inline struct wcursor wcursor_init(uint8_t *buf, size_t cap)
{
	struct wcursor w = {buf, 0, buf ? cap : 0, false};
	return w;
}

static inline void wr_u8(struct wcursor *w, uint8_t v)
{
	if (w->overflow || w->cap - w->len < 1) {
		w->overflow = true;
		return;
	}
	w->p[w->len++] = v;
}

static inline void wr_le16(struct wcursor *w, uint16_t v)
{
	if (w->overflow || w->cap - w->len < 2) {
		w->overflow = true;
		return;
	}
	w->p[w->len++] = (uint8_t)(v & 0xff);
	w->p[w->len++] = (uint8_t)(v >> 8);
}

static inline void wr_bytes(struct wcursor *w, const uint8_t *src, size_t n)
{
	if (w->overflow || w->cap - w->len < n) {
		w->overflow = true;
		return;
	}
	for (size_t i = 0; i < n; i++)
		w->p[w->len++] = src[i];
}

#endif
