/* SPDX-License-Identifier: MIT */
#include "vagus/rr.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int vg_rr_reserve(struct vg_rr_series *s, size_t n)
{
	if (n <= s->cap)
		return 0;
	size_t cap = s->cap ? s->cap : 256;
	while (cap < n) {
		if (cap > SIZE_MAX / 2 / sizeof(double))
			return -ENOMEM;
		cap *= 2;
	}
	double *ms = realloc(s->ms, cap * sizeof(*ms));
	if (!ms)
		return -ENOMEM;
	s->ms = ms;
	double *t = realloc(s->t_ms, cap * sizeof(*t));
	if (!t)
		return -ENOMEM;
	s->t_ms = t;
	uint8_t *flags = realloc(s->flags, cap * sizeof(*flags));
	if (!flags)
		return -ENOMEM;
	s->flags = flags;
	s->cap = cap;
	return 0;
}

int vg_rr_push(struct vg_rr_series *s, double ms, double t_ms, uint8_t flags)
{
	if (s->n == s->cap) {
		int err = vg_rr_reserve(s, s->n + 1);
		if (err)
			return err;
	}
	s->ms[s->n] = ms;
	s->t_ms[s->n] = t_ms;
	s->flags[s->n] = flags;
	s->n++;
	return 0;
}

int vg_rr_push_ms(struct vg_rr_series *s, double ms)
{
	double t = s->n ? s->t_ms[s->n - 1] + ms : ms;

	return vg_rr_push(s, ms, t, 0);
}

void vg_rr_clear(struct vg_rr_series *s)
{
	s->n = 0;
}

void vg_rr_free(struct vg_rr_series *s)
{
	free(s->ms);
	free(s->t_ms);
	free(s->flags);
	memset(s, 0, sizeof(*s));
}

int vg_rr_copy(struct vg_rr_series *dst, const struct vg_rr_series *src)
{
	vg_rr_clear(dst);
	if (!src->n)
		return 0;
	int err = vg_rr_reserve(dst, src->n);
	if (err)
		return err;
	memcpy(dst->ms, src->ms, src->n * sizeof(*dst->ms));
	memcpy(dst->t_ms, src->t_ms, src->n * sizeof(*dst->t_ms));
	memcpy(dst->flags, src->flags, src->n * sizeof(*dst->flags));
	dst->n = src->n;
	return 0;
}

double vg_rr_duration_s(const struct vg_rr_series *s)
{
	if (!s->n)
		return 0;
	return (s->t_ms[s->n - 1] - s->t_ms[0] + s->ms[0]) / 1000.0;
}

double vg_rr_coverage(const struct vg_rr_series *s)
{
	double span = vg_rr_duration_s(s) * 1000.0;
	double sum = 0;

	if (span <= 0)
		return 0;
	for (size_t i = 0; i < s->n; i++)
		sum += s->ms[i];
	double c = sum / span;
	return c > 1 ? 1 : c;
}
