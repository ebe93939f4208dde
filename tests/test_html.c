/* SPDX-License-Identifier: MIT */
/*
 * report.html (vg_report_html): a real recording made into a journal the
 * way the daemon writes one, with hostile metadata and marks, rendered to
 * a page that must be well formed, escape every outside text, hold the
 * report's key numbers, come out the same every time, and match the
 * golden file; short, empty and gappy sessions render without a crash;
 * the daemon's report writer stores the page as report.html, 0600; the
 * PNS index against its norms.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "session_journal.h"
#include "sys/report_write.h"
#include "test.h"
#include "vagus/change.h"
#include "vagus/html.h"
#include "vagus/record.h"
#include "vagus/report.h"
#include "vagus/session.h"

/* ---- helpers -------------------------------------------------------- */

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0, k = strlen(needle);

	for (const char *p = hay; (p = strstr(p, needle)); p += k)
		n++;
	return n;
}

/* Case-insensitive: does '<' followed by @tag occur anywhere? */
static bool has_tag(const char *html, const char *tag)
{
	size_t k = strlen(tag);

	for (const char *p = html; (p = strchr(p, '<')); p++)
		if (!strncasecmp(p + 1, tag, k))
			return true;
	return false;
}

/* The whole text is UTF-8 with no control byte but newline. */
static bool clean_utf8(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		size_t n = c < 0x80		? 1
			   : (c & 0xe0) == 0xc0 ? 2
			   : (c & 0xf0) == 0xe0 ? 3
			   : (c & 0xf8) == 0xf0 ? 4
						: 0;
		if (!n || i + n > len)
			return false;
		if (n == 1 && ((c < 0x20 && c != '\n') || c == 0x7f))
			return false;
		if (n == 2 && c < 0xc2)
			return false;
		for (size_t k = 1; k < n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return false;
		i += n;
	}
	return true;
}

/* Every <section> closed, one <svg> for each </svg>. */
static void check_structure(const char *html, size_t len)
{
	CHECK_EQ(strlen(html), len);
	CHECK(!strncmp(html, "<!DOCTYPE html>\n<html lang=\"en\">", 31));
	CHECK(len > 7 && !strcmp(html + len - 8, "</html>\n"));
	CHECK_EQ(count(html, "<section"), count(html, "</section>"));
	CHECK_EQ(count(html, "<svg"), count(html, "</svg>"));
	CHECK_EQ(count(html, "<table"), count(html, "</table>"));
	CHECK_EQ(count(html, "<body>"), 1);
	CHECK_EQ(count(html, "</body>"), 1);
	CHECK(strstr(html, "<meta name=\"viewport\"") != NULL);
	CHECK(strstr(html, "Content-Security-Policy") != NULL);
	/* Self-contained: no script, nothing fetched. */
	CHECK(!has_tag(html, "script"));
	CHECK(!has_tag(html, "img"));
	CHECK(!has_tag(html, "link"));
	CHECK(!has_tag(html, "iframe"));
	CHECK(strstr(html, "http://") == NULL);
	CHECK(strstr(html, "https://") == NULL);
	CHECK(clean_utf8((const unsigned char *)html, len));
	/* The verdict comes first. */
	const char *v = strstr(html, "<section id=\"verdict\"");
	const char *c = strstr(html, "<section");
	CHECK(v != NULL && v == c);
}

/* "<td>X</td>" with X = @v at @prec decimals is on the page. */
static bool has_td(const char *html, double v, int prec)
{
	char want[64];

	snprintf(want, sizeof(want), "<td>%.*f</td>", prec, v);
	if (strstr(html, want))
		return true;
	printf("missing %s\n", want);
	return false;
}

/*
 * A journal of @rr with hostile metadata: the tag, note, strap facts and
 * marks hold markup, quotes, control bytes and bytes that are not UTF-8.
 */
static void hostile_session(struct jbuf *b, const uint16_t *rr, size_t n)
{
	int64_t end = T0_MS;

	jb_init(b);
	jb_text(b, VG_REC_SESSION, T0_MS,
		"{\"id\":\"20261130-043718\",\"tag\":\"<script>alert(1)"
		"</script>\",\"note\":\"a \\\"quoted\\\" & 'single' "
		"<b>note</b>\\u0001\\u0000 \\u00e9\",\"strap\":"
		"\"bt:A0:9E:1A:12:34:56/public\",\"started_by\":\"command\","
		"\"version\":\"0.1\"}");
	jb_text(b, VG_REC_LINK_UP, T0_MS + 1, "A0:9E:1A:12:34:56");
	jb_text(b, VG_REC_STRAP, T0_MS + 2,
		"{\"model\":\"<img src=x onerror=alert(2)>\","
		"\"manufacturer\":\"Evil & Co \\\"Ltd\\\"\",\"firmware\":"
		"\"</td></tr></table><script>x</script>\",\"battery_pct\":"
		"73,\"body_location\":\"chest\"}");
	jb_notify_mark(b, rr, n, T0_MS, 4, 150, T0_MS + 120000,
		       "</title><script>alert(3)</script>\x01\xff\xc0\x80"
		       "\xed\xa0\x80 ok");
	for (size_t i = 0; i < n; i++)
		end += rr[i];
	jb_text(b, VG_REC_EVENT, T0_MS + (end - T0_MS) * 1000 / 1024,
		"end <svg onload=alert(4)>");
	jb_text(b, VG_REC_END, T0_MS + (end - T0_MS) * 1000 / 1024 + 2000,
		"stop");
}

/*
 * With $VAGUS_HTML_DUMP set, the page is also written there as @name:
 * tests/test_html_chromium.sh renders it in a real browser.
 */
static void dump(const char *name, const char *html, size_t len)
{
	const char *dir = getenv("VAGUS_HTML_DUMP");
	char path[512];

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	CHECK(f && fwrite(html, 1, len, f) == len);
	if (f)
		CHECK_EQ(fclose(f), 0);
}

/* ---- tests ------------------------------------------------------------ */

static void test_page(void)
{
	size_t n, len, len2;
	uint16_t *rr = load_rr("rhenanbartels-hrv/rest_rri.rr.txt", &n);
	struct jbuf b;
	struct vg_session s;
	struct vg_report r;
	char *html, *html2;

	if (!rr)
		return;
	hostile_session(&b, rr, n);
	vg_session_init(&s);
	CHECK_EQ(vg_session_replay(b.p, b.len, &s), 0);
	CHECK_EQ(s.nmarks, 2);
	CHECK_EQ(vg_report_build(&s, NULL, &r), 0);
	CHECK(r.win.ok);
	if (!CHECK_EQ(vg_report_html(&r, &html, &len), 0))
		goto out;
	check_structure(html, len);
	dump("hostile.html", html, len);

	/* Every section, and the four plots. */
	const char *ids[] = {"verdict",	 "change",   "timeline",
			     "poincare", "spectrum", "pns",
			     "quality",	 "strap",    "methods"};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		char want[64];
		snprintf(want, sizeof(want), "<section id=\"%s\"", ids[i]);
		if (!CHECK(strstr(html, want)))
			printf("no section %s\n", ids[i]);
	}
	CHECK_EQ(count(html, "<svg"), 4);
	CHECK(strstr(html, "id=\"hr-minute\""));
	CHECK(strstr(html, "id=\"rmssd-minute\""));
	CHECK(strstr(html, "id=\"poincare-plot\""));
	CHECK(strstr(html, "id=\"spectrum-plot\""));

	/* Hostile texts arrive escaped, never as markup. */
	CHECK(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	CHECK(strstr(html, "&lt;img src=x onerror=alert(2)&gt;"));
	CHECK(strstr(html, "Evil &amp; Co &quot;Ltd&quot;"));
	CHECK(strstr(html, "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;"));
	CHECK(strstr(html, "a &quot;quoted&quot; &amp; &#39;single&#39; "
			   "&lt;b&gt;note&lt;/b&gt;"));
	CHECK(strstr(html, "\xc3\xa9")); /* the e-acute survives */
	/* The mark: in both plots' titles and the list, bad bytes as FFFD. */
	CHECK_EQ(count(html, "&lt;/title&gt;&lt;script&gt;alert(3)"
			     "&lt;/script&gt;\xef\xbf\xbd\xef\xbf\xbd"
			     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
			     "\xef\xbf\xbd\xef\xbf\xbd ok"),
		 3);
	CHECK(strstr(html, "end &lt;svg onload=alert(4)&gt;"));
	CHECK(!has_tag(html, "b>note"));

	/* The report's key numbers. */
	CHECK(has_td(html, r.start.time.mean_hr_bpm, 1));
	CHECK(has_td(html, r.end.time.mean_hr_bpm, 1));
	CHECK(has_td(html, r.start.time.rmssd_ms, 1));
	CHECK(has_td(html, r.end.time.rmssd_ms, 1));
	CHECK(has_td(html, r.start.time.ln_rmssd, 2));
	CHECK(has_td(html, r.end.time.ln_rmssd, 2));
	CHECK(has_td(html, r.start.freq.hf_ms2, 0));
	CHECK(has_td(html, r.end.freq.resp_rate_bpm, 1));
	CHECK(has_td(html, r.whole.time.mean_hr_bpm, 1));
	CHECK(has_td(html, r.whole.time.sdnn_ms, 1));
	char want[96];
	snprintf(want, sizeof(want), "<td>%+.1f</td>", r.hr_bpm.delta);
	CHECK(strstr(html, want));
	snprintf(want, sizeof(want), "SD1 <b>%.1f</b> ms",
		 r.whole.poincare.sd1_ms);
	CHECK(strstr(html, want));
	snprintf(want, sizeof(want), "breathing %.1f/min",
		 r.whole.freq.resp_rate_bpm);
	CHECK(strstr(html, want));
	struct vg_pns p;
	vg_pns_index(&r.end, &p);
	snprintf(want, sizeof(want), "<td><b>%+.2f</b></td>", p.index);
	CHECK(strstr(html, want));
	CHECK(strstr(html, "<td id=\"battery\">73 %</td>"));
	CHECK(strstr(html, "Nunan"));
	CHECK(strstr(html, "approximate"));
	CHECK(strstr(html, "<th>Fitted change, 95 % interval</th>"));

	/* Deterministic: the same report, and a fresh replay, same bytes. */
	if (CHECK_EQ(vg_report_html(&r, &html2, &len2), 0)) {
		CHECK(len2 == len && !memcmp(html, html2, len));
		free(html2);
	}
	struct vg_session s2;
	struct vg_report r2;
	vg_session_init(&s2);
	CHECK_EQ(vg_session_replay(b.p, b.len, &s2), 0);
	CHECK_EQ(vg_report_build(&s2, NULL, &r2), 0);
	if (CHECK_EQ(vg_report_html(&r2, &html2, &len2), 0)) {
		CHECK(len2 == len && !memcmp(html, html2, len));
		free(html2);
	}
	vg_session_free(&s2);
	free(html);
out:
	vg_session_free(&s);
	jb_free(&b);
	free(rr);
}

static void test_golden(void)
{
	size_t n, len;
	uint16_t *rr = load_rr("rhenanbartels-hrv/rest_rri.rr.txt", &n);
	struct jbuf b;
	struct vg_session s;
	struct vg_report r;
	char *html;

	if (!rr)
		return;
	make_session(&b, rr, n);
	vg_session_init(&s);
	CHECK_EQ(vg_session_replay(b.p, b.len, &s), 0);
	CHECK_EQ(vg_report_build(&s, NULL, &r), 0);
	if (CHECK_EQ(vg_report_html(&r, &html, &len), 0)) {
		check_structure(html, len);
		vg_test_golden("session-rest_rri.report.html", html, len);
		free(html);
	}
	vg_session_free(&s);
	jb_free(&b);
	free(rr);
}

/*
 * The verdict, its sentence and reason, each interval and the method, as
 * the report computed them (vg_report_build runs vg_change_compute).
 */
static void test_verdict(void)
{
	size_t n, len;
	uint16_t *rr = load_rr("rhenanbartels-hrv/rest_rri.rr.txt", &n);
	struct jbuf b;
	struct vg_session s;
	struct vg_report r;
	char *html, want[1400];

	if (!rr)
		return;
	hostile_session(&b, rr, n);
	vg_session_init(&s);
	CHECK_EQ(vg_session_replay(b.p, b.len, &s), 0);
	CHECK_EQ(vg_report_build(&s, NULL, &r), 0);
	if (!CHECK_EQ(vg_report_html(&r, &html, &len), 0))
		goto out;
	check_structure(html, len);
	dump("change.html", html, len);
	snprintf(want, sizeof(want),
		 "<section id=\"verdict\" class=\"verdict v-%s\">",
		 vg_verdict_name(r.verdict));
	CHECK(strstr(html, want));
	snprintf(want, sizeof(want), "(<code>%s</code>)",
		 vg_verdict_name(r.verdict));
	CHECK(strstr(html, want));
	/* The sentence and reason as the report words them (no markup). */
	CHECK(*r.verdict_sentence && *r.verdict_reason);
	CHECK(strpbrk(r.verdict_sentence, "<>&\"'") == NULL);
	snprintf(want, sizeof(want), "<p id=\"sentence\">%s</p>",
		 r.verdict_sentence);
	if (!CHECK(strstr(html, want)))
		printf("want %s\n", want);
	CHECK(strpbrk(r.verdict_reason, "<>&\"'") == NULL);
	snprintf(want, sizeof(want), "Why: %s.", r.verdict_reason);
	CHECK(strstr(html, want));
	if (CHECK(r.ln_rmssd.has_ci && r.hr_bpm.has_ci)) {
		snprintf(want, sizeof(want),
			 "<td><b>%+.2f</b><br><span class=\"note\">%+.2f to "
			 "%+.2f</span></td>",
			 r.ln_rmssd.estimate, r.ln_rmssd.ci95[0],
			 r.ln_rmssd.ci95[1]);
		CHECK(strstr(html, want));
		snprintf(want, sizeof(want),
			 "<td><b>%+.1f</b><br><span class=\"note\">%+.1f to "
			 "%+.1f</span></td>",
			 r.hr_bpm.estimate, r.hr_bpm.ci95[0], r.hr_bpm.ci95[1]);
		CHECK(strstr(html, want));
		/* The plain difference beside the fitted change. */
		snprintf(want, sizeof(want), "<td>%+.1f</td><td><b>%+.1f</b>",
			 r.rmssd_ms.delta, r.rmssd_ms.estimate);
		CHECK(strstr(html, want));
	}
	CHECK(strstr(html, "golden-ratio sequence"));
	snprintf(want, sizeof(want), "critical value %.2f.", r.chg.crit);
	CHECK(strstr(html, want));
	free(html);
out:
	vg_session_free(&s);
	jb_free(&b);
	free(rr);
}

/* A hand-made session: @n beats of 800-ish ms, a 40 s gap after @gap_at. */
static void gappy_session(struct vg_session *s, size_t n, size_t gap_at)
{
	double t = 0;

	vg_session_init(s);
	for (size_t i = 0; i < n; i++) {
		double ms = 800 + 40 * sin(i * 0.9) + 15 * sin(i * 0.21);
		uint8_t fl = 0;
		if (i == gap_at && i) {
			t += 40000;
			fl = VG_RR_GAP_BEFORE;
		}
		t += ms;
		CHECK_EQ(vg_rr_push(&s->rr, ms, t, fl), 0);
	}
	if (gap_at && gap_at < n) {
		s->gaps = calloc(1, sizeof(*s->gaps));
		if (!CHECK(s->gaps))
			return;
		s->ngaps = 1;
		s->gaps[0].t_s = s->rr.t_ms[gap_at] / 1000;
		s->gaps[0].lost_s = 40;
		s->gaps[0].index = gap_at;
		s->gaps[0].cause = VG_SESSION_GAP_LINK;
	}
	s->marks = calloc(1, sizeof(*s->marks));
	if (!CHECK(s->marks))
		return;
	s->marks[0].text = strdup("breathe & <relax>");
	s->marks[0].t_s = 30;
	s->nmarks = s->marks[0].text ? 1 : 0;
}

static void test_odd_sessions(void)
{
	struct vg_session s;
	struct vg_report r;
	char *html;
	size_t len;

	/* Gaps and marks are drawn; no difference is taken across the gap. */
	gappy_session(&s, 900, 400);
	CHECK_EQ(vg_report_build(&s, NULL, &r), 0);
	if (CHECK_EQ(vg_report_html(&r, &html, &len), 0)) {
		check_structure(html, len);
		dump("gappy.html", html, len);
		CHECK(strstr(html, "<title>gap: 40.0 s lost</title>"));
		CHECK(strstr(html, "1 gap, 40.0 s without beats"));
		CHECK_EQ(count(html, "breathe &amp; &lt;relax&gt;"), 3);
		CHECK(strstr(html, "<h1>Recording</h1>"));
		CHECK(strstr(html, "Not recorded (an RR file"));
		free(html);
	}
	vg_session_free(&s);

	/* Too short for windows: insufficient_data and the reason. */
	gappy_session(&s, 100, 0);
	CHECK_EQ(vg_report_build(&s, NULL, &r), 0);
	CHECK(!r.win.ok);
	if (CHECK_EQ(vg_report_html(&r, &html, &len), 0)) {
		check_structure(html, len);
		CHECK(strstr(html, "v-insufficient_data"));
		CHECK(strstr(html, "<code>insufficient_data</code>"));
		CHECK(strstr(html, "<p id=\"sentence\">Not enough data"));
		CHECK(strstr(html, "the session lasted"));
		CHECK(strstr(html, "Not computed: the session has no start"));
		free(html);
	}
	vg_session_free(&s);

	/* No beats at all. */
	vg_session_init(&s);
	CHECK_EQ(vg_report_build(&s, NULL, &r), 0);
	if (CHECK_EQ(vg_report_html(&r, &html, &len), 0)) {
		check_structure(html, len);
		CHECK(strstr(html, "<p>No beats.</p>"));
		free(html);
	}
	vg_session_free(&s);

	/* A 24-hour recording: the Poincare plot is thinned, size bounded. */
	struct vg_rr_series rr = VG_RR_SERIES_INIT;
	size_t tl;
	char *text =
	    vg_test_slurp(vg_test_data("pcst/nsr2db-nsr001.rr.txt"), &tl);
	if (text && CHECK_EQ(vg_rrfile_parse(text, tl, &rr, NULL), 0)) {
		vg_session_init(&s);
		s.rr = rr;
		rr = (struct vg_rr_series)VG_RR_SERIES_INIT;
		CHECK_EQ(vg_report_build(&s, NULL, &r), 0);
		if (CHECK_EQ(vg_report_html(&r, &html, &len), 0)) {
			check_structure(html, len);
			CHECK(len < 600000);
			free(html);
		}
		vg_session_free(&s);
	}
	free(text);
	vg_rr_free(&rr);
}

/* report.html beside report.json, 0600, the same page as rendered here. */
static void test_write(void)
{
	char dir[64], errbuf[128];
	size_t n, len, flen;
	uint16_t *rr = load_rr("rhenanbartels-hrv/rest_rri.rr.txt", &n);
	struct jbuf b;
	struct stat st;
	struct vg_session s;
	struct vg_report r;
	char *html, path[128];
	int dfd, fd;

	if (!rr)
		return;
	snprintf(dir, sizeof(dir), "/tmp/vagus-html-XXXXXX");
	if (!CHECK(mkdtemp(dir)))
		goto out;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dfd >= 0);
	hostile_session(&b, rr, n);
	fd = openat(dfd, "journal", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, b.p, b.len) == (ssize_t)b.len);
	close(fd);
	CHECK_EQ(vg_report_write_session(dfd, NULL, errbuf, sizeof(errbuf)), 0);
	CHECK(fstatat(dfd, "report.html", &st, 0) == 0 &&
	      (st.st_mode & 0777) == 0600);
	vg_session_init(&s);
	CHECK_EQ(vg_session_replay(b.p, b.len, &s), 0);
	CHECK_EQ(vg_report_build(&s, NULL, &r), 0);
	snprintf(path, sizeof(path), "%s/report.html", dir);
	char *got = vg_test_slurp(path, &flen);
	if (got && CHECK_EQ(vg_report_html(&r, &html, &len), 0)) {
		CHECK(flen == len && !memcmp(got, html, len));
		free(html);
	}
	free(got);
	vg_session_free(&s);
	unlinkat(dfd, "journal", 0);
	unlinkat(dfd, "report.json", 0);
	unlinkat(dfd, "report.txt", 0);
	unlinkat(dfd, "report.html", 0);
	close(dfd);
	CHECK_EQ(rmdir(dir), 0);
	jb_free(&b);
out:
	free(rr);
}

static void test_pns(void)
{
	struct vg_hrv_result res;
	struct vg_pns p;

	memset(&res, 0, sizeof(res));
	/* At the norms: 0. */
	res.time.mean_rr_ms = 926;
	res.time.rmssd_ms = 42;
	res.poincare.sd1_ms = 42 / sqrt(2);
	vg_pns_index(&res, &p);
	CHECK_NEAR(p.z_rr, 0, 1e-12);
	CHECK_NEAR(p.z_rmssd, 0, 1e-12);
	CHECK_NEAR(p.sd1_pct, 100 * 42 / sqrt(2) / 926, 1e-12);
	CHECK_NEAR(p.index, 0, 0.01);
	/* One SD above on each: +1. */
	res.time.mean_rr_ms = 1016;
	res.time.rmssd_ms = 57;
	res.poincare.sd1_ms = (3.21 + 1.15) * 1016 / 100;
	vg_pns_index(&res, &p);
	CHECK_NEAR(p.z_rr, 1, 1e-12);
	CHECK_NEAR(p.z_rmssd, 1, 1e-12);
	CHECK_NEAR(p.z_sd1, 1, 1e-9);
	CHECK_NEAR(p.index, 1, 1e-9);
	/* Fast and flat: clearly negative. */
	res.time.mean_rr_ms = 600;
	res.time.rmssd_ms = 12;
	res.poincare.sd1_ms = 8.5;
	vg_pns_index(&res, &p);
	CHECK(p.index < -2);
	/* A missing parameter: no index. */
	res.poincare.sd1_ms = NAN;
	vg_pns_index(&res, &p);
	CHECK(isnan(p.index));
	CHECK(isnan(p.sd1_pct));
}

int main(void)
{
	test_pns();
	test_page();
	test_verdict();
	test_golden();
	test_odd_sessions();
	test_write();
	return vg_test_done();
}
