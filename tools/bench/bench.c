/* SPDX-License-Identifier: MIT */
/*
 * vagus-bench: speed and allocation figures of the analysis core on a real
 * 24-hour recording, as issue 2 asks for them:
 *
 *   parse     vg_rrfile_parse of the file, from memory
 *   analyze   parse + vg_hrv_analyze (artifact correction, time, spectral,
 *             Poincare, DFA), the work of `vagus analyze`
 *   live      the per-beat streaming path of the daemon: beat clock,
 *             causal artifact decision, 60 s HR/RMSSD
 *
 * The file is read once before timing so the figures are the computation,
 * not the disk. parse and analyze run in alternation in the same process
 * and the median of several runs is printed, so their ratio is fair.
 * Allocations are counted by wrapping malloc, calloc and realloc at link
 * time (see the Makefile).
 *
 * The daemon's figures are in daemon.c; main.c runs both.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vagus/artifact.h"
#include "vagus/beats.h"
#include "vagus/hrv.h"
#include "vagus/live.h"
#include "vagus/rrfile.h"

#include "bench.h"

#define RUNS 15
#define LIVE_PASSES 20

/* ---- allocation counting ---- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

unsigned long allocations;

void *__wrap_malloc(size_t n)
{
	allocations++;
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	allocations++;
	return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	allocations++;
	return __real_realloc(p, n);
}

/* ---- helpers ---- */

double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

double wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

double quantile(const double *v, size_t n, double p)
{
	size_t k = (size_t)(p * (double)(n - 1) + 0.5);

	return v[k < n ? k : n - 1];
}

int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 1 << 20;
			char *p = realloc(buf, cap);
			if (!p) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = p;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	*len = n;
	return buf;
}

/* Keeps the compiler from dropping work whose result is unused. */
static volatile double sink;

/* ---- the benchmarks ---- */

static double time_parse(const char *buf, size_t len, size_t *beats)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	double t0 = now_ns();

	if (vg_rrfile_parse(buf, len, &s, NULL) != 0) {
		fprintf(stderr, "vagus-bench: the file does not parse\n");
		exit(1);
	}
	double t1 = now_ns();
	*beats = s.n;
	sink = s.ms[s.n / 2];
	vg_rr_free(&s);
	return t1 - t0;
}

static double time_analyze(const char *buf, size_t len,
			   struct vg_hrv_result *res)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	struct vg_hrv_opts o;
	double t0 = now_ns();

	vg_hrv_opts_default(&o);
	if (vg_rrfile_parse(buf, len, &s, NULL) != 0 ||
	    vg_hrv_analyze(&s, &o, res) != 0) {
		fprintf(stderr, "vagus-bench: analysis failed\n");
		exit(1);
	}
	double t1 = now_ns();
	vg_rr_free(&s);
	return t1 - t0;
}

/* Where the analysis time goes, stage by stage (median of RUNS). */
static void stages(const char *buf, size_t len)
{
	enum { PARSE, CORRECT, TIME, POINCARE, FREQ, DFA, NSTAGES };
	static const char *const name[NSTAGES] = {
	    "parse", "correct", "time", "poincare", "spectral", "dfa"};
	double ns[NSTAGES][RUNS];
	struct vg_hrv_opts o;

	vg_hrv_opts_default(&o);
	for (int r = 0; r < RUNS; r++) {
		struct vg_rr_series raw = VG_RR_SERIES_INIT;
		struct vg_rr_series s = VG_RR_SERIES_INIT;
		struct vg_artifact_summary sum;
		struct vg_hrv_time t;
		struct vg_hrv_poincare p;
		struct vg_hrv_freq f;
		int err;
		double t0 = now_ns();

		vg_rrfile_parse(buf, len, &raw, NULL);
		double t1 = now_ns();
		vg_artifacts_correct(&raw, &s, &sum, NULL);
		double t2 = now_ns();
		vg_hrv_time(&s, &t);
		double t3 = now_ns();
		vg_hrv_poincare(&s, &p);
		double t4 = now_ns();
		vg_hrv_freq(&s, &o, &f);
		double t5 = now_ns();
		sink = vg_hrv_dfa_alpha1(&s, &err);
		double t6 = now_ns();
		sink = t.rmssd_ms + p.sd1_ms + f.hf_ms2;
		ns[PARSE][r] = t1 - t0;
		ns[CORRECT][r] = t2 - t1;
		ns[TIME][r] = t3 - t2;
		ns[POINCARE][r] = t4 - t3;
		ns[FREQ][r] = t5 - t4;
		ns[DFA][r] = t6 - t5;
		vg_rr_free(&raw);
		vg_rr_free(&s);
	}
	printf("stages   ");
	for (int k = 0; k < NSTAGES; k++)
		printf(" %s %.2f ms%s", name[k], median(ns[k], RUNS) / 1e6,
		       k + 1 < NSTAGES ? "," : "\n");
}

/*
 * Feeds the recording to the live path as a strap would: one notification
 * per beat (arrival time = beat time), each decided beat into the 60 s
 * metrics. Returns ns per beat; *allocs gets the allocations made.
 */
static double time_live(const uint16_t *rr, size_t n, unsigned long *allocs,
			double *hr, double *rmssd)
{
	static struct vg_beatclock clock;
	static struct vg_artlive art;
	static struct vg_live live;
	struct vg_artlive_decision d[VG_ARTLIVE_MAX_DECISIONS];
	struct vg_beat b;
	int64_t arrival = 0;
	unsigned long a0 = allocations;
	double t0 = now_ns();

	for (int pass = 0; pass < LIVE_PASSES; pass++) {
		vg_beatclock_init(&clock);
		vg_artlive_init(&art);
		vg_live_init(&live, VG_LIVE_WINDOW_S);
		for (size_t i = 0; i < n; i++) {
			arrival += (int64_t)rr[i] * 1000 / 1024;
			if (vg_beatclock_push(&clock, arrival, &rr[i], 1, &b) !=
			    1)
				continue;
			size_t nd = vg_artlive_push(&art, &b, d);
			for (size_t k = 0; k < nd; k++)
				for (unsigned j = 0; j < d[k].n; j++)
					vg_live_push(&live, &d[k].beat[j]);
		}
	}
	double t1 = now_ns();
	*allocs = allocations - a0;
	*hr = vg_live_hr_bpm(&live);
	*rmssd = vg_live_rmssd_ms(&live);
	return (t1 - t0) / ((double)n * LIVE_PASSES);
}

int bench_core(const char *path)
{
	double parse_ns[RUNS], analyze_ns[RUNS];
	struct vg_hrv_result res;
	size_t len, beats = 0;
	char *buf = slurp(path, &len);

	if (!buf) {
		fprintf(stderr, "vagus-bench: %s: %s\n", path, strerror(errno));
		return 1;
	}

	/* One untimed round warms the caches and the allocator. */
	time_parse(buf, len, &beats);
	time_analyze(buf, len, &res);
	for (int i = 0; i < RUNS; i++) {
		parse_ns[i] = time_parse(buf, len, &beats);
		analyze_ns[i] = time_analyze(buf, len, &res);
	}
	double parse_ms = median(parse_ns, RUNS) / 1e6;
	double analyze_ms = median(analyze_ns, RUNS) / 1e6;

	printf("file      %s: %zu intervals, %.1f h, %.2f %% corrected\n", path,
	       beats, res.duration_s / 3600, res.artifacts.corrected_pct);
	printf("parse     %8.2f ms   (median of %d)\n", parse_ms, RUNS);
	printf("analyze   %8.2f ms   (median of %d; parse + correction, time, "
	       "spectral, Poincare, DFA)\n",
	       analyze_ms, RUNS);
	printf("ratio     %8.2f x    analyze / parse (target <= 5)\n",
	       analyze_ms / parse_ms);

	stages(buf, len);

	/* The live path takes the recording as 1/1024 s integers. */
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	if (vg_rrfile_parse(buf, len, &s, NULL) != 0)
		return 1;
	uint16_t *rr = malloc(s.n * sizeof(*rr));
	if (!rr)
		return 1;
	for (size_t i = 0; i < s.n; i++) {
		double u = s.ms[i] * 1.024 + 0.5;
		rr[i] = u > 65535 ? 65535 : (uint16_t)u;
	}
	unsigned long allocs;
	double hr, rmssd;
	double per_beat = time_live(rr, s.n, &allocs, &hr, &rmssd);
	printf("live      %8.1f ns/beat (beat clock + causal artifacts + 60 s "
	       "HR/RMSSD, %zu beats x %d), %lu allocations; last HR %.1f "
	       "bpm, RMSSD %.1f ms\n",
	       per_beat, s.n, LIVE_PASSES, allocs, hr, rmssd);

	int bad = analyze_ms >= 100 || analyze_ms > 5 * parse_ms || allocs;
	if (bad)
		printf("vagus-bench: a target is missed\n");
	free(rr);
	vg_rr_free(&s);
	free(buf);
	return bad;
}
