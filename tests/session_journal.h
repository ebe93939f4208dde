/* SPDX-License-Identifier: MIT */
/*
 * Session journals built in a test the way a strap and the daemon make
 * them: RR values packed several to a 0x2A37 notification, once a
 * second, each arriving a little after its last beat; metadata, strap
 * facts, link, a mark and the end record around them. Shared by
 * test_session and test_cli_report.
 */
#ifndef VAGUS_TEST_SESSION_JOURNAL_H
#define VAGUS_TEST_SESSION_JOURNAL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "vagus/hrs.h"
#include "vagus/record.h"
#include "vagus/rr.h"
#include "vagus/rrfile.h"

/* A journal under construction. */
struct jbuf {
	uint8_t *p;
	size_t len, cap;
	uint32_t seq;
	/* Per whole record: its end offset and the beats it carries. */
	size_t *ends;
	size_t *beats;
	size_t nrec;
};

static inline void jb_bytes(struct jbuf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static inline void jb_init(struct jbuf *b)
{
	uint8_t h[VG_JOURNAL_HEADER_LEN];

	memset(b, 0, sizeof(*b));
	vg_journal_header(h);
	jb_bytes(b, h, sizeof(h));
}

static inline void jb_rec(struct jbuf *b, uint8_t type, int64_t t,
			  const void *p, size_t n, size_t beats)
{
	uint8_t rec[VG_RECORD_MAX];
	struct vg_record r = {++b->seq, type, t, p, n};
	int k = vg_record_encode(&r, rec, sizeof(rec));

	if (k < 0)
		abort();
	jb_bytes(b, rec, (size_t)k);
	b->ends = realloc(b->ends, (b->nrec + 1) * sizeof(*b->ends));
	b->beats = realloc(b->beats, (b->nrec + 1) * sizeof(*b->beats));
	if (!b->ends || !b->beats)
		abort();
	b->ends[b->nrec] = b->len;
	b->beats[b->nrec] = beats;
	b->nrec++;
}

static inline void jb_text(struct jbuf *b, uint8_t type, int64_t t,
			   const char *s)
{
	jb_rec(b, type, t, s, strlen(s), 0);
}

static inline void jb_free(struct jbuf *b)
{
	free(b->p);
	free(b->ends);
	free(b->beats);
}

#define T0_MS 1796013438000LL /* 2026-11-30T04:37:18Z */

/*
 * A strap's notifications for @rr (1/1024 s, @n values): once a second,
 * the beats completed since the last one (up to @per at most, the rest
 * wait), arriving @delay_ms after the notification tick. Contact OK.
 */
static inline void jb_notify_mark(struct jbuf *b, const uint16_t *rr, size_t n,
				  int64_t start_ms, int per, int delay_ms,
				  int64_t mark_ms, const char *mark)
{
	struct vg_hrm m;
	uint8_t val[VG_HRM_VALUE_MAX];
	double t = 0, tick = 1000;
	size_t i = 0;

	memset(&m, 0, sizeof(m));
	m.contact = VG_CONTACT_OK;
	m.has_rr = true;
	while (i < n) {
		m.rr_count = 0;
		while (i < n && m.rr_count < per &&
		       t + rr[i] * 1000.0 / 1024 <= tick) {
			t += rr[i] * 1000.0 / 1024;
			m.rr[m.rr_count++] = rr[i++];
		}
		if (m.rr_count == 0 && i < n &&
		    t + rr[i] * 1000.0 / 1024 > tick + 3000) {
			/* A pause longer than 3 s still gets delivered. */
			t += rr[i] * 1000.0 / 1024;
			m.rr[m.rr_count++] = rr[i++];
		}
		m.hr_bpm = m.rr_count ? (uint16_t)(61440 / m.rr[0]) : 60;
		int k = vg_hrs_encode_measurement(&m, val, sizeof(val));
		if (k < 0)
			abort();
		int64_t at = start_ms + (int64_t)tick + delay_ms;
		/* Records go in time order, as the daemon writes them. */
		if (mark && mark_ms <= at) {
			jb_text(b, VG_REC_EVENT, mark_ms, mark);
			mark = NULL;
		}
		jb_rec(b, VG_REC_NOTIFY, at, val, (size_t)k, m.rr_count);
		tick += 1000;
	}
}

static inline void jb_notify(struct jbuf *b, const uint16_t *rr, size_t n,
			     int64_t start_ms, int per, int delay_ms)
{
	jb_notify_mark(b, rr, n, start_ms, per, delay_ms, 0, NULL);
}

/* RR of a real recording, in 1/1024 s. */
static inline uint16_t *load_rr(const char *rel, size_t *n)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	size_t len;
	char *text = vg_test_slurp(vg_test_data(rel), &len);
	uint16_t *rr = NULL;

	*n = 0;
	if (!text)
		return NULL;
	if (!CHECK_EQ(vg_rrfile_parse(text, len, &s, NULL), 0))
		goto out;
	rr = malloc(s.n * sizeof(*rr));
	if (!rr)
		goto out;
	for (size_t i = 0; i < s.n; i++) {
		int32_t v = vg_ms_to_rr1024(s.ms[i]);
		rr[(*n)++] = (uint16_t)(v > 0 ? v : 1);
	}
out:
	vg_rr_free(&s);
	free(text);
	return rr;
}

/*
 * A whole session journal of @rr (@n values, 1/1024 s) with ID @id and
 * tag @tag: metadata, link up, strap facts, beats, a mark at 2 min, and
 * the end record with @end_reason.
 */
static inline void make_session_end(struct jbuf *b, const uint16_t *rr,
				    size_t n, const char *id, const char *tag,
				    const char *end_reason)
{
	char meta[512];
	int64_t end = T0_MS;

	snprintf(meta, sizeof(meta),
		 "{\"id\":\"%s\",\"tag\":\"%s\",\"note\":\"after "
		 "work \\u00e9\",\"strap\":\"bt:A0:9E:1A:12:34:56/public\","
		 "\"started_by\":\"command\",\"version\":\"0.1\"}",
		 id, tag);
	jb_init(b);
	jb_text(b, VG_REC_SESSION, T0_MS, meta);
	jb_text(b, VG_REC_LINK_UP, T0_MS + 1, "A0:9E:1A:12:34:56");
	jb_text(b, VG_REC_STRAP, T0_MS + 2,
		"{\"model\":\"H10\",\"manufacturer\":\"Polar Electro "
		"Oy\",\"firmware\":\"3.1.1\",\"battery_pct\":80,"
		"\"body_location\":\"chest\"}");
	jb_notify_mark(b, rr, n, T0_MS, 4, 150, T0_MS + 120000, "felt warm");
	for (size_t i = 0; i < n; i++)
		end += rr[i];
	jb_text(b, VG_REC_END, T0_MS + (end - T0_MS) * 1000 / 1024 + 2000,
		end_reason);
}

static inline void make_session_id(struct jbuf *b, const uint16_t *rr, size_t n,
				   const char *id, const char *tag)
{
	make_session_end(b, rr, n, id, tag, "stop");
}

static inline void make_session(struct jbuf *b, const uint16_t *rr, size_t n)
{
	make_session_id(b, rr, n, "20261130-043718", "mat");
}

#endif
