/* SPDX-License-Identifier: MIT */
/*
 * Calibration of the change statistics (issue 6) on real beats: does the
 * verdict claim shifts that are not there, and does it find those that
 * are?
 *
 * Sessions come from the three 24 h nsr2db recordings: their
 * normal-to-normal intervals (both beats labelled N, no noise mark
 * between), laid end to end, cut into non-overlapping 10- and 20-minute
 * pieces.
 *   null:    a piece with its 32-beat blocks shuffled (seeded): real
 *            beat-to-beat structure, no trend, so any claimed shift is a
 *            false positive;
 *   planted: a null session plus a relaxation: deviations from a 31-beat
 *            centred moving average scaled by 1 + g s, the moving average
 *            itself by 1 + 0.04 s, where s is the smoothstep 3x^2 - 2x^3
 *            of the session's progress x, g = 0.25, 0.5, 1.0.
 * Progress x runs from the end of the settling period (x = 0 before it)
 * to the last beat: the relaxation is planted in the part of the session
 * that is analysed. The reading "x from the first beat" is also measured
 * (--full); it weakens every method's detection at 10 minutes, and the
 * issue's own figures for the reference bootstrap are closer to the
 * former (see the table that --full prints).
 * Windows: the report's (vg_report_windows): settling 60 s, then start
 * and end windows of equal length min(5 min, (duration - 60 s) / 2) in
 * whole seconds, the end one ending at the last whole second.
 *
 * The reference is a plain moving-block bootstrap of start-versus-end
 * lnRMSSD (blocks of 10 beats resampled within each window, differences
 * inside blocks only, percentile interval), here only, to show the
 * session construction reproduces the figures for it and that the
 * method beats it on false positives and on detection.
 *
 * `make check` runs four null shuffles and one planted per piece with a
 * 400-draw reference bootstrap (seconds). `make calibrate` runs this
 * binary with --full: that with eight seeds, 1000 draws, both progress
 * readings, the full table.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "vagus/change.h"
#include "vagus/report.h"
#include "vagus/rr.h"

#define SETTLE_S 60.0
#define SHUFFLE_BLOCK 32
#define MA_HALF 15 /* 31-beat centred moving average */
#define MEAN_RISE 0.04
#define REF_BLOCK 10
#define NGAIN 4

static const double gains[NGAIN] = {0, 0.25, 0.5, 1.0};

struct rec {
	double *nn;
	size_t n;
};

/*
 * NN intervals of a `.beats.tsv` file: interval i (its rr_ms) is kept when
 * its beat and the previous beat are labelled N and no noise annotation
 * lies between them (the rule of tests/test_artifact.c).
 */
static bool load_nn(const char *rel, struct rec *r)
{
	char *text = vg_test_slurp(vg_test_data(rel), NULL);
	size_t cap = 0;
	char prev = 0;

	memset(r, 0, sizeof(*r));
	if (!text)
		return false;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char rrs[32], label[8], rhythm[16], noise[16];
		long sample;
		if (line[0] == '#' ||
		    sscanf(line, "%ld %31s %7s %15s %15s", &sample, rrs, label,
			   rhythm, noise) != 5)
			continue;
		bool nn = label[0] == 'N' && !label[1] && prev == 'N' &&
			  !strcmp(noise, "-") && strcmp(rrs, "NA");
		prev = label[1] ? '?' : label[0];
		if (!nn)
			continue;
		if (r->n == cap) {
			cap = cap ? 2 * cap : 65536;
			double *p = realloc(r->nn, cap * sizeof(*p));
			if (!p)
				break;
			r->nn = p;
		}
		r->nn[r->n++] = strtod(rrs, NULL);
	}
	free(text);
	return r->n > 0;
}

/* splitmix64: small, seedable, the same everywhere. */
static uint64_t rng;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static size_t below(size_t n)
{
	return (size_t)(rnd() % n);
}

/* Beat times from the intervals: the session starts at 0. */
static void retime(struct vg_rr_series *s)
{
	double t = 0;
	for (size_t i = 0; i < s->n; i++) {
		t += s->ms[i];
		s->t_ms[i] = t;
		s->flags[i] = 0;
	}
}

static void make_null(const double *rr, size_t n, uint64_t seed,
		      struct vg_rr_series *s)
{
	size_t nb = (n + SHUFFLE_BLOCK - 1) / SHUFFLE_BLOCK;
	size_t *ord = malloc(nb * sizeof(*ord));

	rng = seed;
	for (size_t i = 0; i < nb; i++)
		ord[i] = i;
	for (size_t i = nb - 1; i > 0; i--) {
		size_t j = below(i + 1), x = ord[i];
		ord[i] = ord[j];
		ord[j] = x;
	}
	vg_rr_clear(s);
	for (size_t b = 0; b < nb; b++) {
		size_t a = ord[b] * SHUFFLE_BLOCK, e = a + SHUFFLE_BLOCK;
		for (size_t i = a; i < e && i < n; i++)
			vg_rr_push_ms(s, rr[i]);
	}
	retime(s);
	free(ord);
}

static void plant(struct vg_rr_series *s, double g, double x0_s)
{
	size_t n = s->n;
	double *ma = malloc(n * sizeof(*ma));
	double T = s->t_ms[n - 1] / 1000.0;

	for (size_t i = 0; i < n; i++) {
		size_t a = i >= MA_HALF ? i - MA_HALF : 0;
		size_t b = i + MA_HALF < n ? i + MA_HALF : n - 1;
		double sum = 0;
		for (size_t j = a; j <= b; j++)
			sum += s->ms[j];
		ma[i] = sum / (double)(b - a + 1);
	}
	for (size_t i = 0; i < n; i++) {
		double x = (s->t_ms[i] / 1000.0 - x0_s) / (T - x0_s);
		x = x < 0 ? 0 : x > 1 ? 1 : x;
		double sm = x * x * (3 - 2 * x);
		s->ms[i] = ma[i] * (1 + MEAN_RISE * sm) +
			   (s->ms[i] - ma[i]) * (1 + g * sm);
	}
	retime(s);
	free(ma);
}

/* The report's windows (vg_report_windows), as a session would get them. */
static bool windows(const struct vg_rr_series *s, struct vg_change_windows *w)
{
	struct vg_report_windows rw;

	if (vg_report_windows(vg_rr_duration_s(s), SETTLE_S, &rw) || !rw.ok)
		return false;
	w->start_t0_s = rw.start[0];
	w->start_t1_s = rw.start[1];
	w->end_t0_s = rw.end[0];
	w->end_t1_s = rw.end[1];
	return true;
}

/* ---- the reference: moving-block bootstrap of the two windows ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* lnRMSSD of a resample drawn from @x (n beats): differences in blocks. */
static double boot_ln(const double *x, size_t n)
{
	double ss = 0;
	size_t nd = 0, k = 0;

	while (k < n) {
		size_t a = below(n - REF_BLOCK + 1);
		for (size_t j = 1; j < REF_BLOCK && k + j < n; j++) {
			double d = x[a + j] - x[a + j - 1];
			ss += d * d;
			nd++;
		}
		k += REF_BLOCK;
	}
	return 0.5 * log(ss / (double)nd);
}

static size_t window_beats(const struct vg_rr_series *s, double t0, double t1,
			   size_t *lo)
{
	size_t i = 0;
	while (i < s->n && s->t_ms[i] < t0 * 1000)
		i++;
	size_t j = i;
	while (j < s->n && s->t_ms[j] < t1 * 1000)
		j++;
	*lo = i;
	return j - i;
}

/* -1, 0, +1: interval below zero, containing it, above it. */
static int reference(const struct vg_rr_series *s,
		     const struct vg_change_windows *w, int draws,
		     uint64_t seed, double *ds)
{
	size_t l0, l1;
	size_t m0 = window_beats(s, w->start_t0_s, w->start_t1_s, &l0);
	size_t m1 = window_beats(s, w->end_t0_s, w->end_t1_s, &l1);

	if (m0 < 2 * REF_BLOCK || m1 < 2 * REF_BLOCK)
		return 0;
	rng = seed;
	for (int b = 0; b < draws; b++)
		ds[b] = boot_ln(s->ms + l1, m1) - boot_ln(s->ms + l0, m0);
	qsort(ds, (size_t)draws, sizeof(*ds), cmp_double);
	double lo = ds[(int)floor(0.025 * draws)];
	double hi = ds[(int)ceil(0.975 * draws) - 1];
	return lo > 0 ? 1 : hi < 0 ? -1 : 0;
}

/* ---- the table ---- */

#define NMETRIC 5
static const char *const metric_names[NMETRIC] = {"HR", "RMSSD", "lnRMSSD",
						  "HF power", "breathing rate"};

struct tally {
	int sessions[NGAIN];
	int rest[NGAIN], arousal[NGAIN], insufficient[NGAIN];
	int ref_pos[NGAIN], ref_neg[NGAIN];
	/* Null sessions whose interval for each measure excludes zero. */
	int excl[NMETRIC], with_ci[NMETRIC];
};

static double frac(int a, int n)
{
	return n ? (double)a / (double)n : NAN;
}

static double fp(const struct tally *t)
{
	return frac(t->rest[0] + t->arousal[0], t->sessions[0]);
}

static double det(const struct tally *t, int g)
{
	return frac(t->rest[g], t->sessions[g]);
}

static double ref_fp(const struct tally *t)
{
	return frac(t->ref_pos[0] + t->ref_neg[0], t->sessions[0]);
}

static double ref_det(const struct tally *t, int g)
{
	return frac(t->ref_pos[g], t->sessions[g]);
}

static const struct rec *recs;

static void tally_ci(struct tally *t, const struct vg_change_result *r)
{
	const struct vg_change_est *e[NMETRIC] = {&r->hr_bpm, &r->rmssd_ms,
						  &r->ln_rmssd, &r->hf_ms2,
						  &r->resp_rate_bpm};

	for (int k = 0; k < NMETRIC; k++) {
		if (!isfinite(e[k]->ci_lo) || !isfinite(e[k]->ci_hi))
			continue;
		t->with_ci[k]++;
		t->excl[k] += e[k]->ci_lo > 0 || e[k]->ci_hi < 0;
	}
}

/*
 * Tallies the sessions of all pieces @minutes long: @nulls shuffles of
 * each piece as null sessions (more of them measure the false-positive
 * rate more finely), and the first shuffle planted at each gain.
 */
static void run(double minutes, double x0_s, uint64_t seed_base, int nulls,
		int draws, bool with_ref, bool freq, struct tally *t)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	struct vg_change_opts o;
	struct vg_change_result res;
	double *ds = malloc((size_t)draws * sizeof(*ds));
	double len_ms = minutes * 60000.0;

	vg_change_opts_default(&o);
	/*
	 * The verdict does not use HF power or breathing: the spectra run
	 * only for the table of every measure's interval (--full).
	 */
	o.freq = freq;
	for (int r = 0; r < 3; r++) {
		size_t i = 0;
		for (int piece = 0;; piece++) {
			double sum = 0;
			size_t j = i;
			while (j < recs[r].n && sum + recs[r].nn[j] <= len_ms)
				sum += recs[r].nn[j++];
			if (j >= recs[r].n)
				break;
			for (int sh = 0; sh < nulls; sh++) {
				uint64_t seed = seed_base * 0x100000001B3ULL +
						(uint64_t)r * 1000003ULL +
						(uint64_t)piece * 7919ULL +
						(uint64_t)sh * 0x51ED27ULL + 1;
				for (int g = 0; g < (sh ? 1 : NGAIN); g++) {
					struct vg_change_windows w;
					make_null(recs[r].nn + i, j - i, seed,
						  &s);
					if (gains[g] > 0)
						plant(&s, gains[g], x0_s);
					CHECK(windows(&s, &w));
					vg_change_compute(&s, &w, &o, NULL, 0,
							  &res);
					t->sessions[g]++;
					t->rest[g] += res.verdict ==
						      VG_VERDICT_SHIFT_TO_REST;
					t->arousal[g] +=
					    res.verdict ==
					    VG_VERDICT_SHIFT_TO_AROUSAL;
					t->insufficient[g] +=
					    res.verdict ==
					    VG_VERDICT_INSUFFICIENT_DATA;
					if (!g)
						tally_ci(t, &res);
					if (!with_ref)
						continue;
					int v = reference(
					    &s, &w, draws,
					    seed ^ (0xABCDULL + (uint64_t)g),
					    ds);
					t->ref_pos[g] += v > 0;
					t->ref_neg[g] += v < 0;
				}
			}
			i = j;
		}
	}
	vg_rr_free(&s);
	free(ds);
}

static void add_tally(struct tally *sum, const struct tally *t)
{
	for (int g = 0; g < NGAIN; g++) {
		sum->sessions[g] += t->sessions[g];
		sum->rest[g] += t->rest[g];
		sum->arousal[g] += t->arousal[g];
		sum->insufficient[g] += t->insufficient[g];
		sum->ref_pos[g] += t->ref_pos[g];
		sum->ref_neg[g] += t->ref_neg[g];
	}
	for (int k = 0; k < NMETRIC; k++) {
		sum->excl[k] += t->excl[k];
		sum->with_ci[k] += t->with_ci[k];
	}
}

static void print_row(const char *what, double minutes, const struct tally *t)
{
	printf("%-26s %4.0f min  n=%4d  FP %5.1f %%  insufficient %4.1f %%  "
	       "detection g=0.25/0.5/1.0: %.3f %.3f %.3f\n",
	       what, minutes, t->sessions[0], 100 * fp(t),
	       100 * frac(t->insufficient[0], t->sessions[0]), det(t, 1),
	       det(t, 2), det(t, 3));
	printf("%-26s %4.0f min  intervals excluding zero on null sessions: "
	       "HR %.1f %%, lnRMSSD %.1f %%\n",
	       "", minutes, 100 * frac(t->excl[0], t->with_ci[0]),
	       100 * frac(t->excl[2], t->with_ci[2]));
	if (t->ref_pos[0] + t->ref_neg[0] + t->ref_pos[2] > 0)
		printf("%-26s %4.0f min  n=%4d  FP %5.1f %%  "
		       "                     detection g=0.25/0.5/1.0: %.3f "
		       "%.3f %.3f\n",
		       "  reference bootstrap", minutes, t->sessions[0],
		       100 * ref_fp(t), ref_det(t, 1), ref_det(t, 2),
		       ref_det(t, 3));
}

/* The bounds, and "beat the reference on both counts". */
static void check_bounds(double minutes, const struct tally *t, bool with_ref)
{
	double need = minutes < 15 ? 0.56 : 0.72;

	CHECK(t->sessions[2] > (minutes < 15 ? 300 : 150));
	CHECK(t->sessions[0] == 4 * t->sessions[2]);
	CHECK(fp(t) <= 0.05);
	/* Each interval alone: HR and lnRMSSD (spectra are --full only). */
	CHECK(t->with_ci[0] == t->sessions[0]);
	CHECK(frac(t->excl[0], t->with_ci[0]) <= 0.07);
	CHECK(frac(t->excl[2], t->with_ci[2]) <= 0.07);
	CHECK(frac(t->insufficient[0], t->sessions[0]) <= 0.10);
	CHECK(det(t, 2) >= need);
	CHECK(det(t, 1) <= det(t, 2) && det(t, 2) <= det(t, 3));
	if (!with_ref)
		return;
	CHECK(fp(t) < ref_fp(t));
	for (int g = 1; g < NGAIN; g++)
		CHECK(det(t, g) > ref_det(t, g));
	/*
	 * The construction reproduces the reference roughly: it
	 * claims too much (issue: 11.6 % and 10.1 %) and finds about half
	 * of the g = 0.5 sessions at 10 minutes, most at 20.
	 */
	CHECK(ref_fp(t) >= 0.06 && ref_fp(t) <= 0.15);
	CHECK(fabs(ref_det(t, 2) - need) <= 0.10);
}

int main(int argc, char **argv)
{
	static const char *const names[] = {
	    "pcst/nsr2db-nsr001.beats.tsv",
	    "pcst/nsr2db-nsr004.beats.tsv",
	    "pcst/nsr2db-nsr009.beats.tsv",
	};
	static struct rec r[3];
	bool full = argc > 1 && !strcmp(argv[1], "--full");
	bool loaded = true;

	for (int i = 0; i < 3; i++)
		loaded &= CHECK(load_nn(names[i], &r[i]));
	if (!loaded)
		return vg_test_done();
	recs = r;
	/* 24 h of NN intervals each, nearly every beat normal. */
	for (int i = 0; i < 3; i++)
		CHECK(r[i].n > 90000);

	printf("method: %s\n\n", VG_CHANGE_METHOD);
	for (int m = 10; m <= 20; m += 10) {
		struct tally t = {0};
		run(m, SETTLE_S, 0, 4, full ? 1000 : 400, true, false, &t);
		print_row("change (4 null shuffles)", m, &t);
		check_bounds(m, &t, true);
	}
	if (full) {
		for (int variant = 0; variant < 2; variant++) {
			double x0 = variant ? 0 : SETTLE_S;
			printf("\n8 seeds (32 null and 8 planted shuffles a "
			       "piece), "
			       "relaxation from %s:\n",
			       variant ? "the first beat"
				       : "the end of settling");
			for (int m = 10; m <= 20; m += 10) {
				struct tally sum = {0};
				for (uint64_t seed = 0; seed < 8; seed++) {
					struct tally t = {0};
					run(m, x0, seed, 4, 1000, true, false,
					    &t);
					add_tally(&sum, &t);
				}
				print_row("change (8 seeds)", m, &sum);
			}
		}
	}
	if (full) {
		printf("\nnull sessions (4 shuffles a piece) whose 95 %% "
		       "interval excludes zero:\n%8s",
		       "");
		for (int k = 0; k < NMETRIC; k++)
			printf(" %15s", metric_names[k]);
		printf("  verdict  insufficient\n");
		const double mins[] = {5, 10, 20, 30};
		for (int i = 0; i < 4; i++) {
			struct tally t = {0};
			run(mins[i], SETTLE_S, 0, 4, 1, false, true, &t);
			printf("%4.0f min", mins[i]);
			for (int k = 0; k < NMETRIC; k++)
				printf(" %8.1f %% %4d",
				       100 * frac(t.excl[k], t.with_ci[k]),
				       t.with_ci[k]);
			printf("  %5.1f %%  %5.1f %%\n", 100 * fp(&t),
			       100 * frac(t.insufficient[0], t.sessions[0]));
		}
	}
	for (int i = 0; i < 3; i++)
		free(r[i].nn);
	return vg_test_done();
}
