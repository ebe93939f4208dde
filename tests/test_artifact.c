/* SPDX-License-Identifier: MIT */
/*
 * Artifact detection and correction, batch (artifact.c) and causal
 * (artifact_live.c): synthetic cases for each class, gaps and edge sizes,
 * and the cardiologist-labelled recordings of the shared data, where the
 * truth is the RMSSD of normal-to-normal pairs.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sortwin.h"
#include "test.h"
#include "vagus/artifact.h"
#include "vagus/rr.h"

/*
 * Allocation counter for "the causal form never allocates": malloc and
 * friends forward to glibc's own entry points and count the calls. Not
 * under AddressSanitizer, which must own malloc; there the check is
 * skipped (the normal build runs it).
 */
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCS 1
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
static unsigned long allocs;
void *malloc(size_t n);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t n);
void *malloc(size_t n)
{
	allocs++;
	return __libc_malloc(n);
}
void *calloc(size_t n, size_t size)
{
	allocs++;
	return __libc_calloc(n, size);
}
void *realloc(void *p, size_t n)
{
	allocs++;
	return __libc_realloc(p, n);
}
#endif

/* A small deterministic generator, so a failure can be replayed. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static double urand(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double)(rng_state >> 11) / 9007199254740992.0;
}

/* Roughly normal noise (sum of 4 uniforms), unit variance. */
static double nrand(void)
{
	return (urand() + urand() + urand() + urand() - 2.0) * 1.7320508;
}

/*
 * A clean sinus rhythm: 800 ms with respiratory sinus arrhythmia (30 ms at
 * a 4.5-beat period), a slow wave and beat noise, as a strap sees at rest.
 */
static void make_clean(double *rr, size_t n)
{
	for (size_t i = 0; i < n; i++)
		rr[i] = 800 + 30 * sin(2 * M_PI * (double)i / 4.5) +
			20 * sin(2 * M_PI * (double)i / 40) + 8 * nrand();
}

static void fill(struct vg_rr_series *s, const double *rr, size_t n)
{
	int err = 0;

	vg_rr_clear(s);
	for (size_t i = 0; i < n && !err; i++)
		err = vg_rr_push_ms(s, rr[i]);
	CHECK_EQ(err, 0);
}

/* RMSSD of a series in ms, no difference across a gap; NAN if none. */
static double rmssd(const struct vg_rr_series *s)
{
	double sum = 0;
	size_t m = 0;

	for (size_t i = 1; i < s->n; i++) {
		if (s->flags[i] & VG_RR_GAP_BEFORE)
			continue;
		double d = s->ms[i] - s->ms[i - 1];
		sum += d * d;
		m++;
	}
	return m ? sqrt(sum / (double)m) : NAN;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* A value from few distinct ones, as dRR of 1/128 s beat times is. */
static double tied_value(void)
{
	return 7.8125 * (double)((int)(urand() * 9) - 4);
}

/*
 * The window helpers of sortwin.h against plain sorting: order statistics
 * of a set of sorted blocks from any pivot (in the set or not, sentinels),
 * the branch-free small window and the sorted double window.
 */
static void test_sortwin(void)
{
	struct sortblk blk[SORTBLK_SET];
	const struct sortblk *w[SORTBLK_SET];
	uint64_t all[SORTBLK_SET * SORTBLK_CAP];
	unsigned bad = 0;

	CHECK(sortkey(-1.5) < sortkey(-0.5) && sortkey(-0.5) < sortkey(0) &&
	      sortkey(0) < sortkey(2.25));
	CHECK_NEAR(sortkey_value(sortkey(-123.456)), -123.456, 0);
	for (unsigned round = 0; round < 2000; round++) {
		size_t n = 0;
		for (unsigned b = 0; b < SORTBLK_SET; b++) {
			/* Some blocks empty or short, as at the ends. */
			size_t m = (size_t)(urand() * (SORTBLK_CAP + 1));
			if (urand() < 0.2)
				m = 0;
			uint64_t *k = sortblk_keys(&blk[b]);
			for (size_t i = 0; i < m; i++) {
				double v =
				    round % 2 ? tied_value() : 100 * nrand();
				k[i] = sortkey(v);
				all[n++] = k[i];
			}
			qsort(k, m, sizeof(*k), cmp_u64);
			blk[b].n = m;
			sortblk_seal(&blk[b]);
			w[b] = &blk[b];
		}
		if (!n)
			continue;
		qsort(all, n, sizeof(*all), cmp_u64);
		for (unsigned t = 0; t < 8; t++) {
			size_t r = (size_t)(urand() * n);
			uint64_t pivot;
			if (t == 0)
				pivot = SORTKEY_LOW;
			else if (t == 1)
				pivot = SORTKEY_HIGH;
			else if (t < 5)
				pivot = all[(size_t)(urand() * n)];
			else
				pivot = sortkey(tied_value() + 1.0);
			uint64_t lo, hi;
			sortblk_order_pair(w, n, pivot, r, &lo, &hi);
			bad += lo != all[r] || hi != all[r + 1 < n ? r + 1 : r];
		}
	}
	CHECK_EQ(bad, 0);

	/* Sliding windows of 11 and 91 against sorting each window. */
	enum { LEN = 3000 };
	static double x[LEN];
	uint64_t small[12];
	double sorted[91], copy[91];
	struct sortwin sw;
	for (size_t i = 0; i < LEN; i++)
		x[i] = i % 1000 < 500 ? tied_value() : 800 + 50 * nrand();
	unsigned bad_small = 0, bad_big = 0;
	size_t ns = 0;
	sortwin_init(&sw, sorted, 91);
	for (size_t i = 0; i < LEN; i++) {
		if (ns < 11)
			smallwin_insert(small, ns++, sortkey(x[i]));
		else
			smallwin_replace(small, ns, sortkey(x[i - 11]),
					 sortkey(x[i]));
		if (sw.n < 91)
			sortwin_insert(&sw, x[i]);
		else
			sortwin_replace(&sw, x[i - 91], x[i]);
		size_t lo = i + 1 > ns ? i + 1 - ns : 0;
		memcpy(copy, &x[lo], ns * sizeof(*copy));
		qsort(copy, ns, sizeof(*copy), cmp_double);
		double med = ns % 2 ? copy[ns / 2]
				    : (copy[ns / 2 - 1] + copy[ns / 2]) / 2;
		bad_small += smallwin_median(small, ns) != med;
		lo = i + 1 > sw.n ? i + 1 - sw.n : 0;
		memcpy(copy, &x[lo], sw.n * sizeof(*copy));
		qsort(copy, sw.n, sizeof(*copy), cmp_double);
		bad_big += memcmp(copy, sorted, sw.n * sizeof(*copy)) != 0;
	}
	/* And shrinking: the small window emptied from the front. */
	for (size_t i = LEN - ns; ns > 1; i++) {
		smallwin_remove(small, ns--, sortkey(x[i]));
		memcpy(copy, &x[i + 1], ns * sizeof(*copy));
		qsort(copy, ns, sizeof(*copy), cmp_double);
		double med = ns % 2 ? copy[ns / 2]
				    : (copy[ns / 2 - 1] + copy[ns / 2]) / 2;
		bad_small += smallwin_median(small, ns) != med;
	}
	CHECK_EQ(bad_small, 0);
	CHECK_EQ(bad_big, 0);
}

static void test_empty_and_short(void)
{
	struct vg_rr_series in = VG_RR_SERIES_INIT, out = VG_RR_SERIES_INIT;
	struct vg_artifact_summary sum;
	uint8_t cls[4];

	CHECK_EQ(vg_artifacts_correct(&in, &out, &sum, NULL), 0);
	CHECK_EQ(out.n, 0);
	CHECK_EQ(sum.beats, 0);
	CHECK_EQ(sum.detected, 0);
	CHECK_NEAR(sum.corrected_pct, 0, 0);

	const double few[] = {812, 798, 805, 820};
	for (size_t n = 1; n <= 4; n++) {
		fill(&in, few, n);
		memset(cls, 0xff, sizeof(cls));
		CHECK_EQ(vg_artifacts_correct(&in, &out, &sum, cls), 0);
		CHECK_EQ(out.n, n);
		CHECK_EQ(sum.detected, 0);
		for (size_t i = 0; i < n; i++) {
			CHECK_EQ(cls[i], VG_ART_NONE);
			CHECK_NEAR(out.ms[i], few[i], 0);
		}
	}

	/* Garbage in is refused, not classified. */
	fill(&in, few, 4);
	in.ms[2] = NAN;
	CHECK_EQ(vg_artifacts_correct(&in, &out, &sum, NULL), -EINVAL);
	in.ms[2] = -5;
	CHECK_EQ(vg_artifacts_correct(&in, &out, &sum, NULL), -EINVAL);
	in.ms[2] = 0;
	CHECK_EQ(vg_artifacts_correct(&in, &out, &sum, NULL), -EINVAL);
	CHECK_EQ(out.n, 0);

	CHECK(!strcmp(vg_artifact_class_name(VG_ART_ECTOPIC), "ectopic"));
	CHECK(!strcmp(vg_artifact_class_name(VG_ART_MISSED), "missed"));
	CHECK(!strcmp(vg_artifact_class_name((enum vg_artifact_class)99),
		      "unknown"));
	vg_rr_free(&in);
	vg_rr_free(&out);
}

static void test_clean(void)
{
	enum { N = 2000 };
	static double rr[N];
	struct vg_rr_series in = VG_RR_SERIES_INIT, out = VG_RR_SERIES_INIT;
	struct vg_artifact_summary sum;

	make_clean(rr, N);
	fill(&in, rr, N);
	CHECK_EQ(vg_artifacts_correct(&in, &out, &sum, NULL), 0);
	CHECK_EQ(sum.beats, N);
	CHECK_EQ(sum.detected, 0);
	CHECK_EQ(out.n, N);
	size_t same = 0;
	for (size_t i = 0; i < out.n && i < N; i++)
		same += out.ms[i] == rr[i] && out.t_ms[i] == in.t_ms[i] &&
			out.flags[i] == 0;
	CHECK_EQ(same, N);
	vg_rr_free(&in);
	vg_rr_free(&out);
}

/* Corrects @rr (n intervals) and returns the classes and the output. */
static void run(const double *rr, size_t n, struct vg_rr_series *out,
		struct vg_artifact_summary *sum, uint8_t *cls)
{
	struct vg_rr_series in = VG_RR_SERIES_INIT;

	fill(&in, rr, n);
	CHECK_EQ(vg_artifacts_correct(&in, out, sum, cls), 0);
	vg_rr_free(&in);
}

static void test_missed(void)
{
	enum { N = 600, AT = 300 };
	static double truth[N], rr[N];
	static uint8_t cls[N];
	struct vg_rr_series out = VG_RR_SERIES_INIT;
	struct vg_artifact_summary sum;

	make_clean(truth, N);
	/* Beat AT was not detected: intervals AT and AT+1 become one. */
	memcpy(rr, truth, sizeof(rr));
	rr[AT] = truth[AT] + truth[AT + 1];
	memmove(&rr[AT + 1], &truth[AT + 2], (N - AT - 2) * sizeof(*rr));
	run(rr, N - 1, &out, &sum, cls);
	CHECK_EQ(sum.detected, 1);
	CHECK_EQ(sum.missed, 1);
	CHECK_EQ(cls[AT], VG_ART_MISSED);
	CHECK_EQ(out.n, N);
	if (out.n == N) {
		CHECK_NEAR(out.ms[AT], rr[AT] / 2, 1e-9);
		CHECK_NEAR(out.ms[AT + 1], rr[AT] / 2, 1e-9);
		CHECK(out.flags[AT] & VG_RR_INSERTED);
		CHECK(out.flags[AT + 1] & VG_RR_CORRECTED);
		/* The inserted beat sits halfway; the others keep their time. */
		CHECK_NEAR(out.t_ms[AT + 1] - out.t_ms[AT], rr[AT] / 2, 1e-6);
		CHECK_NEAR(out.t_ms[N - 1], out.t_ms[N - 2] + out.ms[N - 1],
			   1e-6);
		CHECK_NEAR(out.ms[N - 1], truth[N - 1], 0);
	}

	/* A missed beat as the very first and the very last interval. */
	memcpy(rr, truth, sizeof(rr));
	rr[0] = truth[0] + truth[1];
	rr[N - 2] = truth[N - 2] + truth[N - 1];
	run(rr, N - 1, &out, &sum, cls);
	CHECK_EQ(cls[0], VG_ART_MISSED);
	CHECK_EQ(cls[N - 2], VG_ART_MISSED);
	CHECK_EQ(sum.detected, 2);
	CHECK_EQ(out.n, N + 1);
	vg_rr_free(&out);
}

static void test_extra(void)
{
	enum { N = 600, AT = 250 };
	static double truth[N], rr[N + 1];
	static uint8_t cls[N + 1];
	struct vg_rr_series out = VG_RR_SERIES_INIT;
	struct vg_artifact_summary sum;

	make_clean(truth, N);
	/* A false detection 35 % into interval AT splits it in two. */
	memcpy(rr, truth, AT * sizeof(*rr));
	rr[AT] = 0.35 * truth[AT];
	rr[AT + 1] = 0.65 * truth[AT];
	memcpy(&rr[AT + 2], &truth[AT + 1], (N - AT - 1) * sizeof(*rr));
	run(rr, N + 1, &out, &sum, cls);
	CHECK_EQ(sum.extra, 2);
	CHECK_EQ(sum.detected, 2);
	CHECK_EQ(cls[AT], VG_ART_EXTRA);
	CHECK_EQ(cls[AT + 1], VG_ART_EXTRA);
	CHECK_EQ(out.n, N);
	if (out.n == N) {
		CHECK_NEAR(out.ms[AT], truth[AT], 1e-9);
		CHECK(out.flags[AT] & VG_RR_CORRECTED);
		CHECK_NEAR(out.ms[AT + 1], truth[AT + 1], 0);
	}
	vg_rr_free(&out);
}

static void test_ectopic(void)
{
	enum { N = 600, AT = 200 };
	static double truth[N], rr[N];
	static uint8_t cls[N];
	struct vg_rr_series out = VG_RR_SERIES_INIT;
	struct vg_artifact_summary sum;

	make_clean(truth, N);
	memcpy(rr, truth, sizeof(rr));
	/* A premature beat 35 % early and a full compensatory pause. */
	rr[AT] = 0.65 * truth[AT];
	rr[AT + 1] = truth[AT + 1] + 0.35 * truth[AT];
	/* A late beat (misplaced detection): long, then short. */
	rr[AT + 200] = 1.3 * truth[AT + 200];
	rr[AT + 201] = truth[AT + 201] - 0.3 * truth[AT + 200];
	run(rr, N, &out, &sum, cls);
	CHECK_EQ(cls[AT], VG_ART_ECTOPIC);
	CHECK_EQ(cls[AT + 1], VG_ART_ECTOPIC);
	CHECK_EQ(cls[AT + 200], VG_ART_ECTOPIC);
	CHECK_EQ(cls[AT + 201], VG_ART_ECTOPIC);
	CHECK_EQ(sum.ectopic, 4);
	CHECK_EQ(sum.detected, 4);
	CHECK_NEAR(sum.corrected_pct, 400.0 / N, 1e-9);
	CHECK_EQ(out.n, N);
	if (out.n == N) {
		/* Interpolated back to within the beat-to-beat variation. */
		for (size_t i = AT; i < AT + 2; i++) {
			CHECK_NEAR(out.ms[i], truth[i], 60);
			CHECK(out.flags[i] & VG_RR_CORRECTED);
		}
		for (size_t i = AT + 200; i < AT + 202; i++)
			CHECK_NEAR(out.ms[i], truth[i], 60);
		/* Beat times stay where they were measured. */
		CHECK_NEAR(out.t_ms[AT + 1],
			   out.t_ms[AT - 1] + rr[AT] + rr[AT + 1], 1e-6);
	}
	double r_truth = 0, r_out = 0;
	struct vg_rr_series t = VG_RR_SERIES_INIT;
	fill(&t, truth, N);
	r_truth = rmssd(&t);
	r_out = rmssd(&out);
	CHECK_REL(r_out, r_truth, 0.03);
	vg_rr_free(&t);
	vg_rr_free(&out);
}

static void test_longshort(void)
{
	enum { N = 600, AT = 333 };
	static double truth[N], rr[N];
	static uint8_t cls[N];
	struct vg_rr_series out = VG_RR_SERIES_INIT;
	struct vg_artifact_summary sum;

	make_clean(truth, N);
	memcpy(rr, truth, sizeof(rr));
	/* One interval 50 % too long (not twice: no beat fits in it)... */
	rr[AT] = 1.5 * truth[AT];
	/* ...and one 40 % too short whose neighbour does not complete it. */
	rr[AT + 100] = 0.6 * truth[AT + 100];
	run(rr, N, &out, &sum, cls);
	CHECK_EQ(cls[AT], VG_ART_LONGSHORT);
	CHECK_EQ(cls[AT + 100], VG_ART_LONGSHORT);
	CHECK_EQ(sum.longshort, 2);
	CHECK_EQ(sum.detected, 2);
	CHECK_EQ(out.n, N);
	if (out.n == N) {
		CHECK_NEAR(out.ms[AT], truth[AT], 60);
		CHECK_NEAR(out.ms[AT + 100], truth[AT + 100], 60);
	}
	vg_rr_free(&out);
}

/* Pushes @rr with a 30 s hole and VG_RR_GAP_BEFORE before interval @gap. */
static void fill_gap(struct vg_rr_series *s, const double *rr, size_t n,
		     size_t gap)
{
	double t = 0;

	vg_rr_clear(s);
	for (size_t i = 0; i < n; i++) {
		t += rr[i] + (i == gap ? 30000 : 0);
		vg_rr_push(s, rr[i], t, i == gap ? VG_RR_GAP_BEFORE : 0);
	}
}

static void test_gaps(void)
{
	enum { N = 400, GAP = 200 };
	static double rr[N], r2[N];
	static uint8_t cls[N];
	struct vg_rr_series in = VG_RR_SERIES_INIT, out = VG_RR_SERIES_INIT;
	struct vg_artifact_summary sum;

	/*
	 * Two runs at very different rates (800 ms, then 500 ms after a lost
	 * link): nothing to correct, and the gap survives with its time.
	 */
	make_clean(rr, N);
	for (size_t i = GAP; i < N; i++)
		rr[i] = 500 + (rr[i] - 800) / 2;
	fill_gap(&in, rr, N, GAP);
	CHECK_EQ(vg_artifacts_correct(&in, &out, &sum, cls), 0);
	CHECK_EQ(sum.detected, 0);
	CHECK_EQ(out.n, N);
	if (out.n == N) {
		CHECK(out.flags[GAP] & VG_RR_GAP_BEFORE);
		CHECK_NEAR(out.t_ms[GAP], in.t_ms[GAP], 0);
	}

	/*
	 * A short interval just before the gap and a long one just after:
	 * adjacent they would be an ectopic pair, across a gap they are two
	 * unrelated intervals, each judged and repaired inside its own run
	 * (the repair of the last one before the gap comes from the 800 ms
	 * run, not from the 500 ms one).
	 */
	memcpy(r2, rr, sizeof(r2));
	r2[GAP - 1] = 0.7 * rr[GAP - 2];
	r2[GAP] = 1.6 * rr[GAP + 1];
	fill_gap(&in, r2, N, GAP);
	CHECK_EQ(vg_artifacts_correct(&in, &out, &sum, cls), 0);
	CHECK_EQ(cls[GAP - 1], VG_ART_LONGSHORT);
	CHECK_EQ(cls[GAP], VG_ART_LONGSHORT);
	CHECK_EQ(sum.detected, 2);
	if (out.n == N) {
		CHECK_NEAR(out.ms[GAP - 1], rr[GAP - 2], 1e-9);
		CHECK_NEAR(out.ms[GAP], rr[GAP + 1], 1e-9);
		CHECK(out.flags[GAP] & VG_RR_GAP_BEFORE);
	}
	/* The same two intervals with no gap between them: ectopic. */
	in.flags[GAP] = 0;
	CHECK_EQ(vg_artifacts_correct(&in, &out, &sum, cls), 0);
	CHECK_EQ(cls[GAP - 1], VG_ART_ECTOPIC);
	CHECK_EQ(cls[GAP], VG_ART_ECTOPIC);

	/*
	 * A missed beat as the first interval after the gap is still found
	 * (it is compared with its run's median, not with the last beat
	 * before the gap), and the split keeps the gap mark on the first half.
	 */
	memcpy(r2, rr, sizeof(r2));
	r2[GAP] = rr[GAP] + rr[GAP + 1];
	memmove(&r2[GAP + 1], &rr[GAP + 2], (N - GAP - 2) * sizeof(*r2));
	fill_gap(&in, r2, N - 1, GAP);
	CHECK_EQ(vg_artifacts_correct(&in, &out, &sum, cls), 0);
	CHECK_EQ(cls[GAP], VG_ART_MISSED);
	CHECK_EQ(sum.detected, 1);
	CHECK_EQ(out.n, N);
	if (out.n == N) {
		CHECK(out.flags[GAP] & VG_RR_GAP_BEFORE);
		CHECK(!(out.flags[GAP + 1] & VG_RR_GAP_BEFORE));
		CHECK_NEAR(out.ms[GAP], r2[GAP] / 2, 1e-9);
	}

	/* Runs of one or two intervals between gaps are left alone. */
	vg_rr_clear(&in);
	double t = 0;
	for (size_t i = 0; i < 61; i++) {
		t += rr[i] + 5000;
		vg_rr_push(&in, rr[i], t, i % 2 ? VG_RR_GAP_BEFORE : 0);
	}
	CHECK_EQ(vg_artifacts_correct(&in, &out, &sum, cls), 0);
	CHECK_EQ(out.n, 61);
	CHECK_EQ(sum.detected, 0);
	vg_rr_free(&in);
	vg_rr_free(&out);
}

/* ---- labelled recordings ---- */

struct labelled {
	double *rr; /* the rr_ms column without the first NA: *.rr.txt */
	bool *nn;   /* interval i is normal-to-normal */
	size_t n;
	size_t beats;	 /* annotated beats (rows) */
	size_t abnormal; /* beats whose label is not N */
};

/*
 * Reads `sample rr_ms label rhythm noise` rows. Interval i is NN when its
 * beat and the previous one are labelled N and no noise mark lies between.
 */
static bool load_labelled(const char *rel, struct labelled *L)
{
	char *text = vg_test_slurp(vg_test_data(rel), NULL);
	size_t cap = 0;
	char prev_label = 0;

	memset(L, 0, sizeof(*L));
	if (!text)
		return false;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char rrs[32], label[8], rhythm[16], noise[16];
		long sample;
		if (line[0] == '#' ||
		    sscanf(line, "%ld %31s %7s %15s %15s", &sample, rrs, label,
			   rhythm, noise) != 5)
			continue;
		L->beats++;
		L->abnormal += strcmp(label, "N") != 0;
		if (strcmp(rrs, "NA")) {
			if (L->n == cap) {
				cap = cap ? 2 * cap : 4096;
				L->rr = realloc(L->rr, cap * sizeof(*L->rr));
				L->nn = realloc(L->nn, cap * sizeof(*L->nn));
			}
			L->rr[L->n] = strtod(rrs, NULL);
			L->nn[L->n] = label[0] == 'N' && !label[1] &&
				      prev_label == 'N' && !strcmp(noise, "-");
			L->n++;
		}
		prev_label = label[1] ? '?' : label[0];
	}
	free(text);
	return L->n > 0;
}

/* RMSSD over successive pairs of NN intervals: the reference. */
static double truth_rmssd(const struct labelled *L)
{
	double sum = 0;
	size_t m = 0;

	for (size_t i = 1; i < L->n; i++) {
		if (!L->nn[i] || !L->nn[i - 1])
			continue;
		double d = L->rr[i] - L->rr[i - 1];
		sum += d * d;
		m++;
	}
	return sqrt(sum / (double)m);
}

static void test_labelled(void)
{
	static const char *const recs[] = {
	    "wfdb-python/mitdb-100", "pcst/mitdb-105",	   "ecg-kit/mitdb-208",
	    "ecg-kit/svdb-800",	     "pcst/nsr2db-nsr001", "pcst/nsr2db-nsr004",
	    "pcst/nsr2db-nsr009",
	};
	char path[128];

	printf("%-20s %6s %7s %7s %7s %6s %5s %5s %5s %5s %6s\n", "recording",
	       "abn%", "truth", "raw", "corr", "err%", "ect", "l/s", "miss",
	       "extra", "corr%");
	for (size_t r = 0; r < sizeof(recs) / sizeof(recs[0]); r++) {
		struct labelled L;
		struct vg_rr_series in = VG_RR_SERIES_INIT;
		struct vg_rr_series out = VG_RR_SERIES_INIT;
		struct vg_artifact_summary s;

		snprintf(path, sizeof(path), "%s.beats.tsv", recs[r]);
		if (!CHECK(load_labelled(path, &L)))
			continue;
		fill(&in, L.rr, L.n);
		CHECK_EQ(vg_artifacts_correct(&in, &out, &s, NULL), 0);
		double abn = 100.0 * (double)L.abnormal / (double)L.beats;
		double truth = truth_rmssd(&L), raw = rmssd(&in);
		double corr = rmssd(&out);
		double err = 100 * (corr - truth) / truth;
		printf("%-20s %6.2f %7.2f %7.2f %7.2f %+6.1f %5zu %5zu %5zu "
		       "%5zu %6.2f\n",
		       strchr(recs[r], '/') + 1, abn, truth, raw, corr, err,
		       s.ectopic, s.longshort, s.missed, s.extra,
		       s.corrected_pct);
		if (abn < 5) {
			/* The bound: within 10 % of the NN truth. */
			CHECK_REL(corr, truth, 0.10);
		} else {
			/* Mostly ectopic: must be reported as too dirty. */
			CHECK(s.corrected_pct > VG_ARTIFACT_SUSPECT_PCT);
		}
		free(L.rr);
		free(L.nn);
		vg_rr_free(&in);
		vg_rr_free(&out);
	}
}

/* ---- the causal form ---- */

static uint32_t units_of(double ms)
{
	return (uint32_t)lround(ms * 1.024);
}

/* What a run of the causal form gave. */
struct live_result {
	uint8_t *cls; /* per input beat; 0xff if never decided */
	struct vg_rr_series out;
	struct vg_artifact_summary sum;
	size_t pushed;
	size_t max_lag; /* pushes between a beat and its decision */
	bool in_order;	/* one decision per beat, in input order */
};

static void collect(struct live_result *r, const struct vg_artlive_decision *d,
		    size_t nd, uint64_t *expect)
{
	for (size_t i = 0; i < nd; i++) {
		if (d[i].seq != (*expect)++ || d[i].seq >= r->pushed)
			r->in_order = false;
		else
			r->cls[d[i].seq] = d[i].cls;
		size_t lag = r->pushed - 1 - (size_t)d[i].seq;
		if (lag > r->max_lag)
			r->max_lag = lag;
		for (unsigned k = 0; k < d[i].n && k < 2; k++) {
			const struct vg_beat *b = &d[i].beat[k];
			uint8_t f = 0;
			if (b->flags & VG_BEAT_GAP_BEFORE)
				f |= VG_RR_GAP_BEFORE;
			if (b->flags & VG_BEAT_CORRECTED)
				f |= VG_RR_CORRECTED;
			vg_rr_push(&r->out, b->rr * (1000.0 / 1024),
				   (double)b->t * (1000.0 / 1024), f);
		}
	}
}

/*
 * Pushes @rr (ms, rounded to 1/1024 s) with a gap before every i where
 * @gap[i] (if @gap), then flushes.
 */
static void live_run(const double *rr, const uint8_t *gap, size_t n,
		     struct live_result *r)
{
	static struct vg_artlive a;
	struct vg_artlive_decision d[VG_ARTLIVE_MAX_DECISIONS];
	uint64_t expect = 0;
	int64_t t = 0;

	r->cls = malloc(n ? n : 1);
	memset(r->cls, 0xff, n);
	r->out = (struct vg_rr_series)VG_RR_SERIES_INIT;
	r->pushed = 0;
	r->max_lag = 0;
	r->in_order = true;
	vg_artlive_init(&a);
	for (size_t i = 0; i < n; i++) {
		struct vg_beat b = {0, units_of(rr[i]), 0};
		t += b.rr + (gap && gap[i] ? 30 * 1024 : 0);
		b.t = t;
		if (gap && gap[i])
			b.flags = VG_BEAT_GAP_BEFORE;
		size_t nd = vg_artlive_push(&a, &b, d);
		r->pushed++;
		collect(r, d, nd, &expect);
	}
	collect(r, d, vg_artlive_flush(&a, d), &expect);
	vg_artlive_summary(&a, &r->sum);
	CHECK(r->in_order);
	CHECK_EQ(expect, n);
	CHECK_EQ(r->sum.beats, n);
}

static void live_free(struct live_result *r)
{
	free(r->cls);
	vg_rr_free(&r->out);
}

static void test_live_synthetic(void)
{
	enum { N = 600, AT = 300 };
	static double truth[N], rr[N + 1];
	static uint8_t gap[N];
	struct live_result r;

	/* Clean: nothing flagged, every beat passed on unchanged. */
	make_clean(truth, N);
	live_run(truth, NULL, N, &r);
	CHECK_EQ(r.sum.detected, 0);
	CHECK_EQ(r.out.n, N);
	size_t same = 0;
	for (size_t i = 0; i < r.out.n && i < N; i++)
		same += units_of(r.out.ms[i]) == units_of(truth[i]) &&
			!r.out.flags[i];
	CHECK_EQ(same, N);
	/* Every beat is decided exactly VG_ARTLIVE_DELAY beats later. */
	CHECK_EQ(r.max_lag, VG_ARTLIVE_DELAY);
	live_free(&r);

	/* A missed beat is split back in two. */
	memcpy(rr, truth, sizeof(truth));
	rr[AT] = truth[AT] + truth[AT + 1];
	memmove(&rr[AT + 1], &truth[AT + 2], (N - AT - 2) * sizeof(*rr));
	live_run(rr, NULL, N - 1, &r);
	CHECK_EQ(r.cls[AT], VG_ART_MISSED);
	CHECK_EQ(r.sum.detected, 1);
	CHECK_EQ(r.out.n, N);
	if (r.out.n == N)
		CHECK_NEAR(r.out.ms[AT] + r.out.ms[AT + 1],
			   units_of(rr[AT]) * (1000.0 / 1024), 1e-9);
	live_free(&r);

	/* An extra beat is merged away. */
	memcpy(rr, truth, AT * sizeof(*rr));
	rr[AT] = 0.35 * truth[AT];
	rr[AT + 1] = 0.65 * truth[AT];
	memcpy(&rr[AT + 2], &truth[AT + 1], (N - AT - 1) * sizeof(*rr));
	live_run(rr, NULL, N + 1, &r);
	CHECK_EQ(r.cls[AT], VG_ART_EXTRA);
	CHECK_EQ(r.cls[AT + 1], VG_ART_EXTRA);
	CHECK_EQ(r.sum.detected, 2);
	CHECK_EQ(r.out.n, N);
	live_free(&r);

	/* An ectopic pair and a late beat: both intervals of each. */
	memcpy(rr, truth, sizeof(truth));
	rr[AT - 100] = 0.65 * truth[AT - 100];
	rr[AT - 99] = truth[AT - 99] + 0.35 * truth[AT - 100];
	rr[AT + 100] = 1.3 * truth[AT + 100];
	rr[AT + 101] = truth[AT + 101] - 0.3 * truth[AT + 100];
	live_run(rr, NULL, N, &r);
	CHECK_EQ(r.cls[AT - 100], VG_ART_ECTOPIC);
	CHECK_EQ(r.cls[AT - 99], VG_ART_ECTOPIC);
	CHECK_EQ(r.cls[AT + 100], VG_ART_ECTOPIC);
	CHECK_EQ(r.cls[AT + 101], VG_ART_ECTOPIC);
	CHECK_EQ(r.sum.detected, 4);
	if (r.out.n == N) {
		CHECK_NEAR(r.out.ms[AT - 100], truth[AT - 100], 60);
		CHECK_NEAR(r.out.ms[AT - 99], truth[AT - 99], 60);
		CHECK(r.out.flags[AT - 100] & VG_RR_CORRECTED);
	}
	live_free(&r);

	/* Long and short. */
	memcpy(rr, truth, sizeof(truth));
	rr[AT] = 1.5 * truth[AT];
	rr[AT + 100] = 0.6 * truth[AT + 100];
	live_run(rr, NULL, N, &r);
	CHECK_EQ(r.cls[AT], VG_ART_LONGSHORT);
	CHECK_EQ(r.cls[AT + 100], VG_ART_LONGSHORT);
	CHECK_EQ(r.sum.detected, 2);
	if (r.out.n == N)
		CHECK_NEAR(r.out.ms[AT], truth[AT], 60);
	live_free(&r);

	/*
	 * Gaps: the short-then-long pair split by a gap is two long/short
	 * intervals, as in batch; the pending beats are decided when the gap
	 * arrives; the first beat after it carries the gap mark.
	 */
	memcpy(rr, truth, sizeof(truth));
	rr[AT - 1] = 0.7 * truth[AT - 2];
	rr[AT] = 1.6 * truth[AT + 1];
	memset(gap, 0, sizeof(gap));
	gap[AT] = 1;
	live_run(rr, gap, N, &r);
	CHECK_EQ(r.cls[AT - 1], VG_ART_LONGSHORT);
	CHECK_EQ(r.cls[AT], VG_ART_LONGSHORT);
	CHECK_EQ(r.sum.detected, 2);
	if (r.out.n == N) {
		CHECK(r.out.flags[AT] & VG_RR_GAP_BEFORE);
		CHECK_NEAR(r.out.ms[AT - 1], truth[AT - 2], 60);
	}
	live_free(&r);

	/* Sessions of 0 to 4 beats: all decided at the flush, none flagged. */
	for (size_t n = 0; n <= 4; n++) {
		live_run(truth, NULL, n, &r);
		CHECK_EQ(r.out.n, n);
		CHECK_EQ(r.sum.detected, 0);
		live_free(&r);
	}

	/* A zero interval is no beat; the quality window follows dirt. */
	static struct vg_artlive a;
	struct vg_artlive_decision d[VG_ARTLIVE_MAX_DECISIONS];
	struct vg_beat zero = {0, 0, 0};
	vg_artlive_init(&a);
	CHECK_EQ(vg_artlive_push(&a, &zero, d), 0);
	CHECK_NEAR(vg_artlive_recent_pct(&a), 0, 0);
	int64_t t = 0;
	for (size_t i = 0; i < 300; i++) {
		/* Clean, then a bigeminy: short, long, short, long... */
		double ms = i < 200 ? truth[i] : (i % 2 ? 1.3 : 0.7) * 800;
		struct vg_beat b = {t += units_of(ms), units_of(ms), 0};
		vg_artlive_push(&a, &b, d);
		if (i == 199)
			CHECK(vg_artlive_recent_pct(&a) <
			      VG_ARTIFACT_SUSPECT_PCT);
	}
	CHECK(vg_artlive_recent_pct(&a) > VG_ARTIFACT_SUSPECT_PCT);
}

/*
 * The causal form against the batch form on the labelled recordings (both
 * fed the same intervals, rounded to 1/1024 s as a strap sends them), and
 * against the NN truth.
 */
static void test_live_labelled(void)
{
	static const char *const recs[] = {
	    "wfdb-python/mitdb-100", "pcst/mitdb-105",	   "ecg-kit/mitdb-208",
	    "ecg-kit/svdb-800",	     "pcst/nsr2db-nsr001", "pcst/nsr2db-nsr004",
	    "pcst/nsr2db-nsr009",
	};
	char path[128];

	printf("\ncausal (delay %d) vs batch, same 1/1024 s input\n",
	       VG_ARTLIVE_DELAY);
	printf("%-20s %6s %6s %7s %7s %7s %7s %7s %6s %6s\n", "recording",
	       "batch", "live", "agree%", "truth", "batch", "live", "err%",
	       "corr%", "cls=");
	for (size_t r = 0; r < sizeof(recs) / sizeof(recs[0]); r++) {
		struct labelled L;
		struct vg_rr_series in = VG_RR_SERIES_INIT;
		struct vg_rr_series out = VG_RR_SERIES_INIT;
		struct vg_artifact_summary s;
		struct live_result lr;

		snprintf(path, sizeof(path), "%s.beats.tsv", recs[r]);
		if (!CHECK(load_labelled(path, &L)))
			continue;
		for (size_t i = 0; i < L.n; i++)
			L.rr[i] = units_of(L.rr[i]) * (1000.0 / 1024);
		uint8_t *cls = malloc(L.n);
		fill(&in, L.rr, L.n);
		CHECK_EQ(vg_artifacts_correct(&in, &out, &s, cls), 0);
		live_run(L.rr, NULL, L.n, &lr);
		size_t agree = 0, same_class = 0;
		for (size_t i = 0; i < L.n; i++) {
			agree += !cls[i] == !lr.cls[i];
			same_class += cls[i] == lr.cls[i];
		}
		double abn = 100.0 * (double)L.abnormal / (double)L.beats;
		double pct = 100.0 * (double)agree / (double)L.n;
		double truth = truth_rmssd(&L), rb = rmssd(&out);
		double rl = rmssd(&lr.out);
		printf("%-20s %6zu %6zu %7.2f %7.2f %7.2f %7.2f %+7.1f %6.2f "
		       "%6.2f\n",
		       strchr(recs[r], '/') + 1, s.detected, lr.sum.detected,
		       pct, truth, rb, rl, 100 * (rl - truth) / truth,
		       lr.sum.corrected_pct,
		       100.0 * (double)same_class / (double)L.n);
		if (abn < 5)
			CHECK_REL(rl, truth, 0.10);
		else
			CHECK(lr.sum.corrected_pct > VG_ARTIFACT_SUSPECT_PCT);
		free(cls);
		free(L.rr);
		free(L.nn);
		vg_rr_free(&in);
		vg_rr_free(&out);
		live_free(&lr);
	}
}

/* A 24 h record through the causal form: not one allocation. */
static void test_live_no_alloc(void)
{
	struct labelled L;
	static struct vg_artlive a;
	struct vg_artlive_decision d[VG_ARTLIVE_MAX_DECISIONS];
	size_t decided = 0;

	if (!CHECK(load_labelled("pcst/nsr2db-nsr001.beats.tsv", &L)))
		return;
	struct vg_beat *beats = malloc(L.n * sizeof(*beats));
	int64_t t = 0;
	for (size_t i = 0; i < L.n; i++) {
		uint32_t u = units_of(L.rr[i]);
		beats[i] = (struct vg_beat){t += u, u, 0};
	}
#ifdef COUNT_ALLOCS
	unsigned long before = allocs;
#endif
	vg_artlive_init(&a);
	for (size_t i = 0; i < L.n; i++)
		decided += vg_artlive_push(&a, &beats[i], d);
	decided += vg_artlive_flush(&a, d);
#ifdef COUNT_ALLOCS
	CHECK_EQ(allocs - before, 0);
#endif
	CHECK_EQ(decided, L.n);
	free(beats);
	free(L.rr);
	free(L.nn);
}

/*
 * Random series with every kind of damage, gaps and absurd values: both
 * forms must keep their invariants (and, under the sanitizers, their
 * memory). The seed is printed so a failure can be replayed.
 */
static void test_random(void)
{
	enum { ROUNDS = 300, MAXN = 1500 };
	static double rr[MAXN];
	static uint8_t gap[MAXN], cls[MAXN];
	uint64_t seed = rng_state;
	struct vg_rr_series in = VG_RR_SERIES_INIT, out = VG_RR_SERIES_INIT;
	struct vg_artifact_summary s;
	unsigned bad = 0;

	printf("random artifact series, seed %#llx\n",
	       (unsigned long long)seed);
	for (unsigned round = 0; round < ROUNDS; round++) {
		size_t n = (size_t)(urand() * MAXN);
		double base = 300 + 1500 * urand(), t = 0;
		size_t gaps_in = 0;
		vg_rr_clear(&in);
		for (size_t i = 0; i < n; i++) {
			double u = urand(), v = base + 0.05 * base * nrand();
			if (u < 0.02)
				v *= 2; /* missed */
			else if (u < 0.04)
				v *= 0.4; /* extra or premature */
			else if (u < 0.05)
				v = 1 + 20000 * urand(); /* garbage */
			if (v < 1)
				v = 1;
			rr[i] = v;
			gap[i] = urand() < 0.01;
			gaps_in += gap[i];
			t += v + (gap[i] ? 10000 : 0);
			vg_rr_push(&in, v, t, gap[i] ? VG_RR_GAP_BEFORE : 0);
		}
		if (vg_artifacts_correct(&in, &out, &s, cls)) {
			bad++;
			continue;
		}
		size_t counted[5] = {0}, gaps_out = 0;
		for (size_t i = 0; i < n; i++)
			counted[cls[i] < 5 ? cls[i] : 0]++;
		for (size_t i = 0; i < out.n; i++) {
			gaps_out += !!(out.flags[i] & VG_RR_GAP_BEFORE);
			bad += !(isfinite(out.ms[i]) && out.ms[i] > 0);
		}
		bad += s.beats != n;
		bad += s.ectopic != counted[VG_ART_ECTOPIC] ||
		       s.longshort != counted[VG_ART_LONGSHORT] ||
		       s.missed != counted[VG_ART_MISSED] ||
		       s.extra != counted[VG_ART_EXTRA] || s.extra % 2;
		bad += out.n != n + s.missed - s.extra / 2;
		bad += gaps_out != gaps_in;
		bad += !(s.corrected_pct >= 0 && s.corrected_pct <= 100);

		struct live_result lr;
		live_run(rr, gap, n, &lr);
		size_t lgaps = 0;
		for (size_t i = 0; i < lr.out.n; i++)
			lgaps += !!(lr.out.flags[i] & VG_RR_GAP_BEFORE);
		bad += lr.out.n != n + lr.sum.missed - lr.sum.extra / 2;
		bad += lgaps != gaps_in || lr.max_lag > VG_ARTLIVE_DELAY;
		live_free(&lr);
	}
	CHECK_EQ(bad, 0);
	vg_rr_free(&in);
	vg_rr_free(&out);
}

int main(void)
{
	test_sortwin();
	test_empty_and_short();
	test_clean();
	test_missed();
	test_extra();
	test_ectopic();
	test_longshort();
	test_gaps();
	test_labelled();
	test_live_synthetic();
	test_random();
	test_live_labelled();
	test_live_no_alloc();
	return vg_test_done();
}
