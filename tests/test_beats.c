/* SPDX-License-Identifier: MIT */
/* The beat clock (beats.c) and the live 60 s metrics (live.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "vagus/beats.h"
#include "vagus/hrs.h"
#include "vagus/live.h"

/* A small deterministic generator, so a failure can be replayed. */
static uint64_t rng_state = 0x2545F4914F6CDD1DULL;
static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

/* Loads a shared *.rr.txt recording as 1/1024 s units. */
static uint16_t *load_rr(const char *rel, size_t *n)
{
	char *text = vg_test_slurp(vg_test_data(rel), NULL);
	uint16_t *rr = NULL;
	size_t cap = 0;

	*n = 0;
	if (!text)
		return NULL;
	for (char *p = text; *p;) {
		char *end;
		double ms = strtod(p, &end);
		if (end == p) {
			p++;
			continue;
		}
		p = end;
		int32_t u = vg_ms_to_rr1024(ms);
		if (u <= 0)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 4096;
			rr = realloc(rr, cap * sizeof(*rr));
		}
		rr[(*n)++] = (uint16_t)u;
	}
	free(text);
	return rr;
}

static void test_basic(void)
{
	struct vg_beatclock c;
	struct vg_beat out[4];
	const uint16_t one[] = {1024}, two[] = {1000, 0, 1100};

	vg_beatclock_init(&c);
	CHECK_EQ(vg_beatclock_push(&c, 5000, NULL, 0, out), 0);
	CHECK_EQ(vg_beatclock_push(&c, 5000, one, 1, out), 1);
	CHECK_EQ(out[0].t, 1024);
	CHECK_EQ(out[0].rr, 1024);
	CHECK_EQ(out[0].flags, 0);
	/* A zero RR is no interval: dropped and counted. */
	CHECK_EQ(vg_beatclock_push(&c, 7050, two, 3, out), 2);
	CHECK_EQ(out[0].t, 2024);
	CHECK_EQ(out[1].t, 3124);
	CHECK_EQ(out[1].flags, 0);
	CHECK_EQ(c.zero_rr, 1);
	CHECK_EQ(c.beats, 3);
	/* 3124 units = 3050.8 ms covered of 3050.8 + (7050 - 7050): ~1. */
	CHECK_NEAR(vg_beatclock_coverage(&c), 1.0, 0.001);

	/* The link dropped: the next beat follows a gap. */
	vg_beatclock_mark_gap(&c);
	CHECK_EQ(vg_beatclock_push(&c, 8100, one, 1, out), 1);
	CHECK(out[0].flags & VG_BEAT_GAP_BEFORE);
	CHECK(out[0].t >= 3124 + 1024);
	CHECK_EQ(vg_beatclock_push(&c, 9100, one, 1, out), 1);
	CHECK_EQ(out[0].flags, 0);
}

/* Silence (no RR for 30 s, e.g. contact lost) shows up as a gap. */
static void test_silence_is_a_gap(void)
{
	struct vg_beatclock c;
	struct vg_beat out[2];
	const uint16_t rr[] = {1024};
	int64_t now = 0;

	vg_beatclock_init(&c);
	for (int i = 0; i < 10; i++) {
		now += 1000;
		vg_beatclock_push(&c, now, rr, 1, out);
		CHECK_EQ(out[0].flags, 0);
	}
	int64_t before = out[0].t;
	now += 30000;
	CHECK_EQ(vg_beatclock_push(&c, now, rr, 1, out), 1);
	CHECK(out[0].flags & VG_BEAT_GAP_BEFORE);
	/* The new beat lands at its arrival, 30 s after the last one. */
	CHECK_NEAR((double)(out[0].t - before) / 1024.0, 30.0, 0.01);
	CHECK_EQ(c.gaps, 1);
	CHECK(vg_beatclock_coverage(&c) < 0.3);
}

/*
 * A real recording sent the way straps send it: about one notification
 * per second with the beats that ended since the last, delivered up to
 * 3.5 s late, on a strap clock 100 ppm slow, for 24 hours. Every beat
 * arrives, in order, at its cumulative-RR time, and no gap is invented.
 */
static void test_real_stream(const char *rel, double ppm)
{
	size_t n;
	uint16_t *rr = load_rr(rel, &n);
	struct vg_beatclock c;
	struct vg_beat out[64];
	struct vg_live live;
	int64_t t_true = 0, t_sent = 0, sum = 0;
	size_t i = 0, got = 0, wrong = 0, gaps = 0;

	if (!rr)
		return;
	vg_beatclock_init(&c);
	vg_live_init(&live, VG_LIVE_WINDOW_S);
	while (i < n) {
		/* Beats that ended by the next one-second tick. */
		t_sent += 1024;
		size_t k = 0;
		uint16_t batch[64];
		while (i < n && t_true + rr[i] <= t_sent && k < 64) {
			t_true += rr[i];
			batch[k++] = rr[i++];
		}
		int64_t now = (int64_t)((double)t_sent * 1000.0 / 1024.0 *
					(1.0 + ppm * 1e-6)) +
			      rng() % 3500;
		size_t m = vg_beatclock_push(&c, now, batch, k, out);
		for (size_t j = 0; j < m; j++) {
			sum += out[j].rr;
			if (out[j].t != sum || out[j].rr != rr[got])
				wrong++;
			if (out[j].flags & VG_BEAT_GAP_BEFORE)
				gaps++;
			vg_live_push(&live, &out[j]);
			got++;
		}
	}
	CHECK_EQ(got, n);
	CHECK_EQ(wrong, 0);
	if (!CHECK_EQ(gaps, 0))
		fprintf(stderr, "  %s: %zu false gaps\n", rel, gaps);
	CHECK(vg_beatclock_coverage(&c) > 0.999);
	free(rr);
}

/* Brute-force window metrics, the definition the live code must match. */
static void window_metrics(const int64_t *t, const uint32_t *rr,
			   const bool *adj, size_t end, int64_t window,
			   double *hr, double *rmssd)
{
	uint64_t sum = 0, d2 = 0;
	size_t beats = 0, diffs = 0;

	for (size_t j = end + 1; j-- > 0;) {
		if (t[j] <= t[end] - window)
			break;
		sum += rr[j];
		beats++;
		if (adj[j]) {
			int64_t d = (int64_t)rr[j] - rr[j - 1];
			d2 += (uint64_t)(d * d);
			diffs++;
		}
	}
	*hr = 60.0 * 1024.0 * beats / (double)sum;
	*rmssd = diffs >= 2 ? sqrt((double)d2 / diffs) * 1000.0 / 1024 : NAN;
}

static void test_live_matches_definition(void)
{
	size_t n;
	uint16_t *raw = load_rr("wfdb-python/mitdb-100.rr.txt", &n);
	struct vg_live live;
	size_t wrong = 0;

	if (!raw)
		return;
	int64_t *t = malloc(n * sizeof(*t));
	uint32_t *rr = malloc(n * sizeof(*rr));
	bool *adj = malloc(n * sizeof(*adj));
	int64_t now = 0;

	vg_live_init(&live, 60);
	for (size_t i = 0; i < n; i++) {
		/* A gap every 500 beats: no difference across it. */
		struct vg_beat b = {0};
		bool gap = i % 500 == 499;
		now += raw[i] + (gap ? 20 * 1024 : 0);
		b.t = now;
		b.rr = raw[i];
		b.flags = gap ? VG_BEAT_GAP_BEFORE : 0;
		t[i] = now;
		rr[i] = raw[i];
		adj[i] = i > 0 && !gap;
		vg_live_push(&live, &b);

		double hr, rmssd;
		window_metrics(t, rr, adj, i, 60 * 1024, &hr, &rmssd);
		if (fabs(vg_live_hr_bpm(&live) - hr) > 1e-9)
			wrong++;
		if (isnan(rmssd) != isnan(vg_live_rmssd_ms(&live)) ||
		    (!isnan(rmssd) &&
		     fabs(vg_live_rmssd_ms(&live) - rmssd) > 1e-9))
			wrong++;
	}
	CHECK_EQ(wrong, 0);
	/* About 75 beats in the last minute of this record. */
	CHECK(vg_live_beats(&live) > 60 && vg_live_beats(&live) < 90);
	free(t);
	free(rr);
	free(adj);
	free(raw);
}

static void test_live_edges(void)
{
	struct vg_live live;
	struct vg_beat b = {.t = 1024, .rr = 1024};

	vg_live_init(&live, 60);
	CHECK(isnan(vg_live_hr_bpm(&live)));
	CHECK(isnan(vg_live_rmssd_ms(&live)));
	vg_live_push(&live, &b);
	CHECK_NEAR(vg_live_hr_bpm(&live), 60.0, 1e-12);
	CHECK(isnan(vg_live_rmssd_ms(&live)));

	/* An uncorrected artifact is left out and breaks the chain. */
	b.t += 512;
	b.rr = 512;
	b.flags = VG_BEAT_ARTIFACT;
	vg_live_push(&live, &b);
	CHECK_EQ(vg_live_beats(&live), 1);
	b.t += 1024;
	b.rr = 1024;
	b.flags = 0;
	vg_live_push(&live, &b);
	CHECK_EQ(live.diffs, 0);
	/* A corrected one counts. */
	b.t += 1124;
	b.rr = 1124;
	b.flags = VG_BEAT_ARTIFACT | VG_BEAT_CORRECTED;
	vg_live_push(&live, &b);
	CHECK_EQ(live.diffs, 1);

	/* 300 bpm for a minute overflows nothing; HR stays exact. */
	vg_live_reset(&live);
	b.t = 0;
	b.flags = 0;
	for (int i = 0; i < 2000; i++) {
		b.rr = 205;
		b.t += 205;
		vg_live_push(&live, &b);
	}
	CHECK(vg_live_beats(&live) <= VG_LIVE_RING);
	CHECK_NEAR(vg_live_hr_bpm(&live), 60.0 * 1024 / 205, 1e-9);
	CHECK_NEAR(vg_live_rmssd_ms(&live), 0.0, 1e-12);
}

int main(void)
{
	test_basic();
	test_silence_is_a_gap();
	test_real_stream("wfdb-python/mitdb-100.rr.txt", 0);
	test_real_stream("pcst/nsr2db-nsr001.rr.txt", -100);
	test_real_stream("pcst/nsr2db-nsr004.rr.txt", 100);
	test_live_matches_definition();
	test_live_edges();
	return vg_test_done();
}
