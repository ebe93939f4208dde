/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: session journal replay and the report made from it.
 *
 * An input that starts with the journal magic is replayed as it is (torn
 * tails, bad lengths, bad CRCs). Any other input is a script of records
 * that are encoded with good framing and CRCs first, so the fuzzer
 * reaches what lies behind the CRC: metadata JSON, 0x2A37 values, link
 * events, missing sequence numbers and wild clocks. Script, per record:
 *
 *   ctl u8 | dt u8 | len u8 | payload (len bytes, fewer at the end)
 *
 * ctl bits 0-2: record type (0 = an unknown type 9); bit 7: skip a
 * sequence number; bit 6: the clock jumps by dt << 40 ms; bit 5: the
 * clock steps back by dt seconds. Otherwise time advances dt * 16 ms.
 *
 * Replay must never fail on a good header and must keep its promises:
 * positive intervals equal to their 1/1024 s values, beat times that
 * never go backwards, one gap entry per VG_RR_GAP_BEFORE flag, counters
 * that add up. Small sessions are then analysed and rendered to the
 * three report formats, which must succeed; the HTML page must be UTF-8
 * with no control byte, and no text from the journal may open an element
 * of its own (every '<' starts one of the few tags the renderer writes).
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vagus/html.h"
#include "vagus/json.h"
#include "vagus/record.h"
#include "vagus/report.h"
#include "vagus/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_session(const struct vg_session *s)
{
	size_t gaps = 0;

	for (size_t i = 0; i < s->rr.n; i++) {
		if (!(s->rr.ms[i] > 0) || s->rr1024[i] == 0 ||
		    s->rr.ms[i] != s->rr1024[i] * (1000.0 / 1024.0))
			abort();
		/* Rounding of far times aside, each beat follows the last. */
		if (!isfinite(s->rr.t_ms[i]) ||
		    (i && s->rr.t_ms[i] < s->rr.t_ms[i - 1] + s->rr.ms[i] -
					      1e-9 * s->rr.t_ms[i]))
			abort();
		if (s->rr.flags[i] & ~VG_RR_GAP_BEFORE)
			abort();
		if (s->contact[i] > 3)
			abort();
		gaps += !!(s->rr.flags[i] & VG_RR_GAP_BEFORE);
	}
	if (gaps != s->ngaps)
		abort();
	for (size_t i = 0; i < s->ngaps; i++)
		if (s->gaps[i].index >= s->rr.n ||
		    !(s->rr.flags[s->gaps[i].index] & VG_RR_GAP_BEFORE) ||
		    !(s->gaps[i].lost_s >= 0))
			abort();
	if (s->rr.n + s->zero_rr != s->rr_values ||
	    s->bad_notifications > s->notifications)
		abort();
	for (size_t i = 0; i < s->nmarks; i++)
		if (!s->marks[i].text)
			abort();
	if (!(s->coverage >= 0 && s->coverage <= 1))
		abort();
}

/* The elements report.html is made of; anything else came from outside. */
static bool known_tag(const char *p)
{
	static const char *const tags[] = {"!DOCTYPE html>",
					   "html ",
					   "/html>",
					   "head>",
					   "/head>",
					   "meta ",
					   "title>",
					   "/title>",
					   "style>",
					   "/style>",
					   "body>",
					   "/body>",
					   "main>",
					   "/main>",
					   "header>",
					   "/header>",
					   "h1>",
					   "/h1>",
					   "h2>",
					   "/h2>",
					   "p>",
					   "p ",
					   "/p>",
					   "b>",
					   "br>",
					   "b ",
					   "/b>",
					   "i ",
					   "/i>",
					   "span>",
					   "span ",
					   "/span>",
					   "section ",
					   "section>",
					   "/section>",
					   "div ",
					   "/div>",
					   "table>",
					   "/table>",
					   "tr>",
					   "/tr>",
					   "td>",
					   "td ",
					   "/td>",
					   "th>",
					   "/th>",
					   "code>",
					   "/code>",
					   "sub>",
					   "/sub>",
					   "ol ",
					   "/ol>",
					   "li>",
					   "/li>",
					   "svg ",
					   "/svg>",
					   "g>",
					   "/g>",
					   "rect ",
					   "/rect>",
					   "line ",
					   "path ",
					   "text ",
					   "/text>"};

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (!strncmp(p, tags[i], strlen(tags[i])))
			return true;
	return false;
}

static void check_html(const char *h, size_t len)
{
	if (strlen(h) != len)
		abort();
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)h[i];
		if ((c < 0x20 && c != '\n') || c == 0x7f)
			abort();
		if (c == '<' && !known_tag(h + i + 1))
			abort();
	}
}

static void report(const struct vg_session *s)
{
	struct vg_report r;
	struct vg_json j;
	char *text;
	size_t len;

	/* The spectrum of hours of beats costs more than a fuzz run should. */
	if (s->rr.n > 600 || !(vg_session_duration_s(s) < 900))
		return;
	if (vg_report_build(s, NULL, &r))
		abort();
	if (r.win.ok && (r.win.window_s < VG_REPORT_WINDOW_MIN_S ||
			 r.win.start[1] > r.win.end[0]))
		abort();
	vg_json_init(&j, NULL, 0, 0);
	if (vg_report_json(&r, &j))
		abort();
	vg_json_free(&j);
	if (vg_report_text(&r, &text, &len) || strlen(text) != len)
		abort();
	free(text);
	if (vg_report_html(&r, &text, &len))
		abort();
	check_html(text, len);
	free(text);
}

/* Builds a well-framed journal from the script in @data. */
static size_t script(const uint8_t *data, size_t size, uint8_t *out, size_t cap)
{
	static const uint8_t types[8] = {9, 1, 2, 3, 4, 5, 6, 7};
	struct vg_record r;
	size_t off = 0, n;
	uint32_t seq = 0;
	int64_t t = 1796013438000LL;

	vg_journal_header(out);
	n = VG_JOURNAL_HEADER_LEN;
	while (off + 3 <= size) {
		uint8_t ctl = data[off], dt = data[off + 1];
		size_t len = data[off + 2];

		off += 3;
		if (len > size - off)
			len = size - off;
		seq += 1 + !!(ctl & 0x80);
		if (ctl & 0x40)
			t += (int64_t)dt << 40;
		else if (ctl & 0x20)
			t -= (int64_t)dt * 1000;
		else
			t += (int64_t)dt * 16;
		r.seq = seq;
		r.type = types[ctl & 7];
		r.time_ms = t;
		r.payload = data + off;
		r.len = len;
		off += len;
		int k = vg_record_encode(&r, out + n, cap - n);
		if (k < 0)
			break;
		n += (size_t)k;
	}
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[1 << 17];
	struct vg_session s;
	const uint8_t *j = data;
	size_t len = size;
	int rc;

	vg_session_init(&s);
	if (!vg_session_is_journal(data, size)) {
		len = script(data, size, buf, sizeof(buf));
		j = buf;
	}
	rc = vg_session_replay(j, len, &s);
	if (rc == 0) {
		check_session(&s);
		report(&s);
	} else if (rc != -EBADMSG && rc != -EPROTONOSUPPORT) {
		abort();
	}
	if (j == buf && rc)
		abort(); /* our own framing is always a journal */
	vg_session_free(&s);
	return 0;
}
