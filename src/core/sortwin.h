/* SPDX-License-Identifier: MIT */
/*
 * A sorted sliding window for running quantiles and medians over a bounded
 * number of values (the 91-beat and 11-beat windows of artifact detection).
 *
 * The window is a plain sorted array in caller-owned storage of @cap
 * doubles. Sliding it by one value is a replace: the leaving value's slot
 * is found by binary search and the entering value is moved into order by
 * shifting only the entries between the two positions, so a step costs
 * O(log cap) comparisons plus a memmove of at most cap entries (on random
 * data about cap/3): bounded, no allocation, and for cap = 91 a few tens
 * of nanoseconds, far less than re-sorting 91 values per beat.
 *
 * Values must be finite: a NaN would break the order that removal relies
 * on. Callers check their input.
 */
#ifndef VAGUS_SORTWIN_H
#define VAGUS_SORTWIN_H

#include <stddef.h>
#include <string.h>

struct sortwin {
	double *v; /* ascending, n entries, cap slots */
	size_t n;
	size_t cap;
};

static inline void sortwin_init(struct sortwin *w, double *storage, size_t cap)
{
	w->v = storage;
	w->n = 0;
	w->cap = cap;
}

/* First index whose value is >= @x (n if none). */
static inline size_t sortwin_lower(const struct sortwin *w, double x)
{
	size_t lo = 0, hi = w->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (w->v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Adds @x; a full window is left unchanged (the caller's bug). */
static inline void sortwin_insert(struct sortwin *w, double x)
{
	if (w->n >= w->cap)
		return;
	size_t i = sortwin_lower(w, x);
	memmove(&w->v[i + 1], &w->v[i], (w->n - i) * sizeof(w->v[0]));
	w->v[i] = x;
	w->n++;
}

/* Removes one entry equal to @x; nothing if there is none. */
static inline void sortwin_remove(struct sortwin *w, double x)
{
	size_t i = sortwin_lower(w, x);

	if (i >= w->n || w->v[i] != x)
		return;
	memmove(&w->v[i], &w->v[i + 1], (w->n - i - 1) * sizeof(w->v[0]));
	w->n--;
}

/*
 * Replaces one entry equal to @old by @x in one pass: only the entries
 * between the old slot and the new one move. Inserts @x if @old is absent.
 */
static inline void sortwin_replace(struct sortwin *w, double old, double x)
{
	size_t i = sortwin_lower(w, old);

	if (i >= w->n || w->v[i] != old) {
		sortwin_insert(w, x);
		return;
	}
	while (i + 1 < w->n && w->v[i + 1] < x) {
		w->v[i] = w->v[i + 1];
		i++;
	}
	while (i > 0 && w->v[i - 1] > x) {
		w->v[i] = w->v[i - 1];
		i--;
	}
	w->v[i] = x;
}

/*
 * Quantile @q in [0, 1] with linear interpolation between order statistics
 * (position q * (n - 1), the default of numpy and pandas, so a median of
 * an even count is the mean of the middle two). 0 for an empty window.
 */
static inline double sortwin_quantile(const struct sortwin *w, double q)
{
	if (!w->n)
		return 0;
	double pos = q * (double)(w->n - 1);
	size_t lo = (size_t)pos;
	if (lo + 1 >= w->n)
		return w->v[w->n - 1];
	double frac = pos - (double)lo;
	return w->v[lo] + frac * (w->v[lo + 1] - w->v[lo]);
}

#endif
