/* SPDX-License-Identifier: MIT */
/*
 * Sorted sliding windows for running quantiles and medians over a bounded
 * number of values, in caller-owned storage, never allocating.
 *
 * struct sortwin: a sorted array of doubles (the 91-beat threshold windows
 * of the live form). Sliding it by one value is a replace: binary searches
 * find the leaving value's slot and the entering value's, and a memmove
 * shifts only the entries between them. A step costs O(log cap) compares
 * and moves at most cap entries; for cap = 91 about 45 ns measured here,
 * against a few hundred for re-sorting.
 *
 * sortblk_*: sorted blocks of keys whose union is queried for order
 * statistics without merging them (the batch thresholds, artifact.c).
 *
 * smallwin_*: sorted arrays of order-preserving integer keys (sortkey())
 * updated without data-dependent branches, for windows of a dozen values
 * (the 11-beat median): about 7 ns a step, 5x less than the searching
 * form, whose mispredicted branches dominate at that size.
 *
 * Values must be finite: a NaN would break the order that removal relies
 * on. Callers check their input.
 */
#ifndef VAGUS_SORTWIN_H
#define VAGUS_SORTWIN_H

#include <stddef.h>
#include <stdint.h>
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

/*
 * First index whose value is >= @x (n if none). Branch-free halving: the
 * comparisons on beat data are unpredictable, and a mispredicted branch
 * per step cost more than the whole search.
 */
static inline size_t sortwin_lower(const struct sortwin *w, double x)
{
	const double *base = w->v;
	size_t len = w->n;

	if (!len)
		return 0;
	while (len > 1) {
		size_t half = len / 2;
		base += base[half] < x ? half : 0;
		len -= half;
	}
	return (size_t)(base - w->v) + (*base < x);
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
	size_t j = sortwin_lower(w, x);
	if (j > i) {
		/* v[i+1 .. j-1] are below x: they close the hole. */
		memmove(&w->v[i], &w->v[i + 1], (j - 1 - i) * sizeof(w->v[0]));
		w->v[j - 1] = x;
	} else {
		memmove(&w->v[j + 1], &w->v[j], (i - j) * sizeof(w->v[0]));
		w->v[j] = x;
	}
}

/*
 * Order-preserving 64-bit keys of doubles. Flipping the sign bit of a
 * positive double and every bit of a negative one orders them as unsigned
 * integers, and integer compares feed cmov directly: a double compare
 * (with its unordered case, == needing the parity flag) made the compiler
 * emit branches, mispredicted on half the values of beat data. Finite
 * values only: 0 and UINT64_MAX then lie beyond every key.
 */
static inline uint64_t sortkey(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u >> 63 ? ~u : u | (UINT64_C(1) << 63);
}

static inline double sortkey_value(uint64_t k)
{
	uint64_t u = k >> 63 ? k & ~(UINT64_C(1) << 63) : ~k;
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

/*
 * Small sorted windows of keys (the 11-beat median) updated with no data
 * dependent branch: every slot is visited, which for a dozen slots costs
 * less than the one mispredicted branch a search would pay.
 */

/* Inserts @x into ascending @v[0..n-1] (room for n + 1): by the rule
 * b[k] = max(a[k-1], min(a[k], x)). */
static inline void smallwin_insert(uint64_t *v, size_t n, uint64_t x)
{
	uint64_t prev = 0;

	for (size_t k = 0; k < n; k++) {
		uint64_t t = v[k];
		uint64_t lo = t < x ? t : x;
		v[k] = prev > lo ? prev : lo;
		prev = t;
	}
	v[n] = prev > x ? prev : x;
}

/* Removes one @x from ascending @v[0..n-1] (n >= 1; the first value >= x
 * if x is absent): every slot from x's on takes its right neighbour. */
static inline void smallwin_remove(uint64_t *v, size_t n, uint64_t x)
{
	for (size_t k = 0; k + 1 < n; k++)
		v[k] = v[k] < x ? v[k] : v[k + 1];
}

/* smallwin_remove(@old) then smallwin_insert(@x) in one pass; n >= 1. */
static inline void smallwin_replace(uint64_t *v, size_t n, uint64_t old,
				    uint64_t x)
{
	uint64_t prev = 0;

	for (size_t k = 0; k + 1 < n; k++) {
		uint64_t t = v[k] < old ? v[k] : v[k + 1];
		uint64_t lo = t < x ? t : x;
		v[k] = prev > lo ? prev : lo;
		prev = t;
	}
	v[n - 1] = prev > x ? prev : x;
}

/* Median of ascending keys @v[0..n-1] (mean of the middle two for even
 * n), as a double; 0 for n = 0. */
static inline double smallwin_median(const uint64_t *v, size_t n)
{
	if (!n)
		return 0;
	if (n & 1)
		return sortkey_value(v[n / 2]);
	return (sortkey_value(v[n / 2 - 1]) + sortkey_value(v[n / 2])) / 2;
}

/* Below and above every key of a finite double: sentinels. */
#define SORTKEY_LOW 0
#define SORTKEY_HIGH UINT64_MAX

/*
 * Sorted blocks: the batch thresholds take quartiles of 91 values as 7
 * blocks of 13, each sorted once, never merged (artifact.c). A block
 * holds ascending keys with a sentinel at each end, keys[-1] and keys[n].
 */
#define SORTBLK_CAP 13
#define SORTBLK_SET 7

struct sortblk {
	uint64_t slot[SORTBLK_CAP + 2];
	size_t n;
};

static inline uint64_t *sortblk_keys(struct sortblk *p)
{
	return p->slot + 1;
}

/* Sets the sentinels once the n keys are in place. */
static inline void sortblk_seal(struct sortblk *p)
{
	p->slot[0] = SORTKEY_LOW;
	p->slot[p->n + 1] = SORTKEY_HIGH;
}

/* First index of block @p whose key is >= @x (n if none), branch-free. */
static inline size_t sortblk_lower(const struct sortblk *p, uint64_t x)
{
	const uint64_t *v = p->slot + 1, *base = v;
	size_t len = p->n;

	if (!len)
		return 0;
	while (len > 1) {
		size_t half = len / 2;
		base += base[half] < x ? half : 0;
		len -= half;
	}
	return (size_t)(base - v) + (*base < x);
}

/*
 * The keys of rank @r and r + 1 (0-based; r + 1 clipped to n - 1) in the
 * union of the SORTBLK_SET blocks @w (n keys in all, r < n; an empty
 * block stands in for a missing one), found from the pivot key @pivot:
 * binary searches count the keys below the pivot and those equal to it,
 * which answers at once when r falls among the equal ones (beat data
 * quantised to 1/128 s has long runs of equal dRR); else a walk moves
 * block cursors one key at a time, up from the last key equal to the
 * pivot or down from the first. The walk is as long as the pivot's rank
 * is far from r: a few keys, when the pivot is the previous knot's
 * quartile.
 */
static inline void
sortblk_order_pair(const struct sortblk *const w[SORTBLK_SET], size_t n,
		   uint64_t pivot, size_t r, uint64_t *lo, uint64_t *hi)
{
	const uint64_t *v[SORTBLK_SET];
	size_t at[SORTBLK_SET], below = 0, upto = 0;
	unsigned arg = 0;

	for (unsigned b = 0; b < SORTBLK_SET; b++) {
		v[b] = w[b]->slot + 1;
		at[b] = sortblk_lower(w[b], pivot);
		below += at[b];
	}
	if (r < below) {
		/*
		 * Down from rank below - 1, the largest key under the
		 * cursors; the key met before it is the next rank up, at
		 * first the smallest key at the cursors (the pivot itself
		 * need not be in the blocks).
		 */
		uint64_t next = SORTKEY_HIGH, tail;
		for (unsigned b = 0; b < SORTBLK_SET; b++)
			next = v[b][at[b]] < next ? v[b][at[b]] : next;
		for (size_t k = below - 1;; k--) {
			tail = SORTKEY_LOW;
			for (unsigned b = 0; b < SORTBLK_SET; b++) {
				/*
				 * At 0 this is the block's sentinel slot[0]:
				 * a signed index, since at[b] - 1 in size_t
				 * would wrap the pointer (UB, and clang's
				 * UBSan says so).
				 */
				uint64_t t = v[b][(ptrdiff_t)at[b] - 1];
				arg = t > tail ? b : arg;
				tail = t > tail ? t : tail;
			}
			if (k == r)
				break;
			next = tail;
			at[arg]--;
		}
		*lo = tail;
		*hi = next;
	} else {
		/* Past the keys equal to the pivot (integer keys: <= pivot is
		 * < pivot + 1; nothing is above the top sentinel). */
		for (unsigned b = 0; b < SORTBLK_SET; b++) {
			at[b] = pivot == SORTKEY_HIGH
				    ? w[b]->n
				    : sortblk_lower(w[b], pivot + 1);
			upto += at[b];
		}
		uint64_t head;
		for (size_t k = upto;; k++) {
			head = SORTKEY_HIGH;
			for (unsigned b = 0; b < SORTBLK_SET; b++) {
				uint64_t h = v[b][at[b]];
				arg = h < head ? b : arg;
				head = h < head ? h : head;
			}
			if (k >= r)
				break;
			at[arg]++;
		}
		/* Rank r is the pivot if r < upto, else head; r + 1 too. */
		*lo = r < upto ? pivot : head;
		if (r + 1 < upto) {
			*hi = pivot;
		} else if (r < upto) {
			*hi = head;
		} else {
			at[arg]++;
			*hi = SORTKEY_HIGH;
			for (unsigned b = 0; b < SORTBLK_SET; b++)
				*hi = v[b][at[b]] < *hi ? v[b][at[b]] : *hi;
		}
	}
	if (r + 1 >= n)
		*hi = *lo;
}

/* Quantile @q of the ascending @v[0..n-1], as sortwin_quantile. */
static inline double sorted_quantile(const double *v, size_t n, double q)
{
	if (!n)
		return 0;
	double pos = q * (double)(n - 1);
	size_t lo = (size_t)pos;
	if (lo + 1 >= n)
		return v[n - 1];
	double frac = pos - (double)lo;
	return v[lo] + frac * (v[lo + 1] - v[lo]);
}

/*
 * Quantile @q in [0, 1] with linear interpolation between order statistics
 * (position q * (n - 1), the default of numpy and pandas, so a median of
 * an even count is the mean of the middle two). 0 for an empty window.
 */
static inline double sortwin_quantile(const struct sortwin *w, double q)
{
	return sorted_quantile(w->v, w->n, q);
}

#endif
