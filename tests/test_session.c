/* SPDX-License-Identifier: MIT */
/*
 * Session replay and the end-of-session report. Journals are built here
 * from real recordings the way a strap and the daemon would make them:
 * RR values packed several to a 0x2A37 notification, each notification
 * arriving a little after its last beat.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/report_write.h"
#include "session_journal.h"
#include "test.h"
#include "vagus/hrs.h"
#include "vagus/hrv.h"
#include "vagus/json.h"
#include "vagus/record.h"
#include "vagus/report.h"
#include "vagus/rrfile.h"
#include "vagus/session.h"

static void test_replay_real(void)
{
	size_t n;
	uint16_t *rr = load_rr("rhenanbartels-hrv/rest_rri.rr.txt", &n);
	struct jbuf b;
	struct vg_session s;

	if (!rr)
		return;
	make_session(&b, rr, n);
	vg_session_init(&s);
	CHECK_EQ(vg_session_replay(b.p, b.len, &s), 0);
	CHECK_EQ(s.rr.n, n);
	size_t same = 0;
	for (size_t i = 0; i < n && i < s.rr.n; i++)
		same +=
		    s.rr1024[i] == rr[i] && s.rr.ms[i] == rr[i] * 1000.0 / 1024;
	CHECK_EQ(same, n);
	CHECK_EQ(s.ngaps, 0);
	CHECK_EQ(s.stop, 0);
	CHECK_EQ(s.torn_bytes, 0);
	CHECK(s.ended);
	CHECK(!strcmp(s.end_reason, "stop"));
	CHECK(s.meta.present);
	CHECK(!strcmp(s.meta.id, "20261130-043718"));
	CHECK(!strcmp(s.meta.tag, "mat"));
	CHECK(!strcmp(s.meta.note, "after work \xc3\xa9"));
	CHECK(!strcmp(s.meta.started_by, "command"));
	CHECK(!strcmp(s.strap.model, "H10"));
	CHECK_EQ(s.strap.battery_pct, 80);
	CHECK(!strcmp(s.strap.body_location, "chest"));
	CHECK_EQ(s.nmarks, 1);
	CHECK_EQ(s.nlinks, 1);
	CHECK_EQ(s.rr_values, n);
	CHECK(s.notifications > n / 4);
	/* Beat times are the exact cumulative sum. */
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += rr[i];
	CHECK_NEAR(s.rr.t_ms[s.rr.n - 1], sum * 1000.0 / 1024, 1e-6);
	vg_session_free(&s);
	jb_free(&b);
	free(rr);
}

static void test_windows(void)
{
	struct vg_report_windows w;

	/* Too short: 179.9 s leaves 119 s after settling. */
	CHECK_EQ(vg_report_windows(179.9, 60, &w), 0);
	CHECK(!w.ok);
	CHECK(strlen(w.reason) > 10);
	CHECK(isnan(w.start[0]));
	/* Exactly 60 s windows. */
	CHECK_EQ(vg_report_windows(180.0, 60, &w), 0);
	CHECK(w.ok);
	CHECK_NEAR(w.window_s, 60, 0);
	CHECK_NEAR(w.start[0], 60, 0);
	CHECK_NEAR(w.start[1], 120, 0);
	CHECK_NEAR(w.end[0], 120, 0);
	CHECK_NEAR(w.end[1], 180, 0);
	/* In between: the largest whole second that fits. */
	CHECK_EQ(vg_report_windows(500.7, 60, &w), 0);
	CHECK(w.ok);
	CHECK_NEAR(w.window_s, 220, 0);
	CHECK_NEAR(w.end[1], 500, 0);
	/* Long: capped at 300 s. */
	CHECK_EQ(vg_report_windows(1800, 60, &w), 0);
	CHECK_NEAR(w.window_s, 300, 0);
	CHECK_NEAR(w.start[1], 360, 0);
	CHECK_NEAR(w.end[0], 1500, 0);
	/* No settling. */
	CHECK_EQ(vg_report_windows(120, 0, &w), 0);
	CHECK(w.ok);
	CHECK_NEAR(w.window_s, 60, 0);
	CHECK_EQ(vg_report_windows(100, -1, &w), -EINVAL);
	CHECK_EQ(vg_report_windows(NAN, 60, &w), 0);
	CHECK(!w.ok);
}

static void same_result(const struct vg_hrv_result *a,
			const struct vg_hrv_result *b)
{
	CHECK_EQ(a->beats, b->beats);
	CHECK(a->time.mean_hr_bpm == b->time.mean_hr_bpm);
	CHECK(a->time.rmssd_ms == b->time.rmssd_ms);
	CHECK(a->time.ln_rmssd == b->time.ln_rmssd);
	CHECK(a->freq.hf_ms2 == b->freq.hf_ms2);
	CHECK(a->freq.resp_rate_bpm == b->freq.resp_rate_bpm ||
	      (isnan(a->freq.resp_rate_bpm) && isnan(b->freq.resp_rate_bpm)));
}

static void test_report_windows_match(void)
{
	size_t n;
	uint16_t *rr = load_rr("rhenanbartels-hrv/rest_rri.rr.txt", &n);
	struct jbuf b;
	struct vg_session s;
	struct vg_report r;
	struct vg_hrv_opts o;
	struct vg_rr_series cut = VG_RR_SERIES_INIT;
	struct vg_hrv_result res;

	if (!rr)
		return;
	make_session(&b, rr, n);
	vg_session_init(&s);
	CHECK_EQ(vg_session_replay(b.p, b.len, &s), 0);
	CHECK_EQ(vg_report_build(&s, NULL, &r), 0);
	CHECK(r.win.ok);
	CHECK_NEAR(r.win.window_s, 300, 0);
	vg_hrv_opts_default(&o);

	/* The start window, by hand: intervals ending in [60, 360). */
	size_t want = 0;
	for (size_t i = 0; i < s.rr.n; i++)
		want += s.rr.t_ms[i] >= 60000 && s.rr.t_ms[i] < 360000;
	CHECK_EQ(vg_report_cut(&s.rr, 60, 360, &cut), 0);
	CHECK_EQ(cut.n, want);
	CHECK_EQ(r.q_start.beats, want);
	CHECK_EQ(vg_hrv_analyze(&cut, &o, &res), 0);
	same_result(&res, &r.start);
	CHECK(r.hr_bpm.start == res.time.mean_hr_bpm);
	CHECK(r.ln_rmssd.start == res.time.ln_rmssd);

	CHECK_EQ(vg_report_cut(&s.rr, r.win.end[0], r.win.end[1], &cut), 0);
	CHECK_EQ(vg_hrv_analyze(&cut, &o, &res), 0);
	same_result(&res, &r.end);
	CHECK(r.rmssd_ms.end == res.time.rmssd_ms);
	CHECK(r.rmssd_ms.delta == r.rmssd_ms.end - r.rmssd_ms.start);
	CHECK(r.hf_ms2.delta == r.hf_ms2.end - r.hf_ms2.start);
	CHECK(isfinite(r.resp_rate_bpm.delta));
	CHECK(!r.hr_bpm.has_ci);

	vg_rr_free(&cut);
	vg_session_free(&s);
	jb_free(&b);
	free(rr);
}

/*
 * A journal cut at every byte: replay never fails, and holds exactly the
 * beats of the notification records that were fully written.
 */
static void test_truncation(void)
{
	size_t n;
	uint16_t *rr = load_rr("systole/rr.txt", &n);
	struct jbuf b;
	struct vg_session s;
	size_t bad = 0, ok_hdr = 0;

	if (!rr)
		return;
	if (n > 120)
		n = 120;
	make_session(&b, rr, n);
	vg_session_init(&s);
	for (size_t len = 0; len <= b.len; len++) {
		int rc = vg_session_replay(b.p, len, &s);
		if (len < VG_JOURNAL_HEADER_LEN) {
			bad += rc != -EBADMSG;
			continue;
		}
		ok_hdr++;
		size_t want = 0, recs = 0;
		for (size_t k = 0; k < b.nrec && b.ends[k] <= len; k++) {
			want += b.beats[k];
			recs++;
		}
		bool wrong =
		    rc != 0 || s.rr.n != want || s.records != recs ||
		    s.stop != 0 ||
		    s.torn_bytes !=
			len - (recs ? b.ends[recs - 1] : VG_JOURNAL_HEADER_LEN);
		if (wrong && bad < 5)
			printf("cut at %zu of %zu: rc %d, %zu beats (want "
			       "%zu), %zu records (want %zu), stop %d\n",
			       len, b.len, rc, s.rr.n, want, s.records, recs,
			       s.stop);
		bad += wrong;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(ok_hdr, b.len - VG_JOURNAL_HEADER_LEN + 1);
	vg_session_free(&s);
	jb_free(&b);
	free(rr);
}

static void test_write_session(void)
{
	char dir[64], errbuf[128];
	size_t n;
	uint16_t *rr = load_rr("rhenanbartels-hrv/rest_rri.rr.txt", &n);
	struct jbuf b;
	struct stat st;
	int dfd, fd;

	if (!rr)
		return;
	snprintf(dir, sizeof(dir), "/tmp/vagus-session-XXXXXX");
	if (!CHECK(mkdtemp(dir)))
		return;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dfd >= 0);
	/* No journal: a clear error. */
	CHECK_EQ(vg_report_write_session(dfd, NULL, errbuf, sizeof(errbuf)),
		 -ENOENT);
	CHECK(strstr(errbuf, "journal") != NULL);

	make_session(&b, rr, n);
	fd = openat(dfd, "journal", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, b.p, b.len) == (ssize_t)b.len);
	close(fd);
	CHECK_EQ(vg_report_write_session(dfd, NULL, errbuf, sizeof(errbuf)), 0);
	CHECK(fstatat(dfd, "report.json", &st, 0) == 0 &&
	      (st.st_mode & 0777) == 0600 && st.st_size > 1000);
	CHECK(fstatat(dfd, "report.txt", &st, 0) == 0 &&
	      (st.st_mode & 0777) == 0600 && st.st_size > 500);

	/* Not a journal. */
	fd = openat(dfd, "journal", O_WRONLY | O_TRUNC);
	CHECK(fd >= 0 && write(fd, "766\n800\n", 8) == 8);
	close(fd);
	CHECK_EQ(vg_report_write_session(dfd, NULL, errbuf, sizeof(errbuf)),
		 -EBADMSG);
	CHECK(strstr(errbuf, "not a vagus journal") != NULL);

	unlinkat(dfd, "journal", 0);
	unlinkat(dfd, "report.json", 0);
	unlinkat(dfd, "report.txt", 0);
	unlinkat(dfd, "report.html", 0);
	close(dfd);
	CHECK_EQ(rmdir(dir), 0);
	jb_free(&b);
	free(rr);
}

/*
 * Text equal to @want, numbers compared to 1e-9 relative so that a libm
 * differing in the last bit does not fail the golden check. Returns the
 * offset of the first difference, or -1 when equal.
 */
static long golden_diff(const char *got, const char *want)
{
	const char *g = got, *w = want;

	while (*g && *w) {
		bool gn = (*g >= '0' && *g <= '9') ||
			  (*g == '-' && g[1] >= '0' && g[1] <= '9');
		bool wn = (*w >= '0' && *w <= '9') ||
			  (*w == '-' && w[1] >= '0' && w[1] <= '9');
		if (gn && wn) {
			char *ge, *we;
			double a = strtod(g, &ge), b = strtod(w, &we);
			if (fabs(a - b) > 1e-9 * fmax(fabs(a), fabs(b)))
				return (long)(g - got);
			g = ge;
			w = we;
			continue;
		}
		if (*g != *w)
			return (long)(g - got);
		g++;
		w++;
	}
	return *g || *w ? (long)(g - got) : -1;
}

static void check_golden(const char *name, const char *text, size_t len)
{
	char path[256];
	size_t glen;

	snprintf(path, sizeof(path), "tests/golden/%s", name);
	if (getenv("VAGUS_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "w");
		CHECK(f && fwrite(text, 1, len, f) == len);
		if (f)
			fclose(f);
		printf("wrote %s\n", path);
		return;
	}
	char *want = vg_test_slurp(path, &glen);
	if (!want)
		return;
	long at = golden_diff(text, want);
	if (!CHECK(at < 0))
		printf("%s differs at byte %ld: got \"%.60s\"\n", path, at,
		       text + (at > 20 ? at - 20 : 0));
	free(want);
}

/* report.txt and report.json of one fixed real recording. */
static void test_golden(void)
{
	size_t n, len;
	uint16_t *rr = load_rr("rhenanbartels-hrv/rest_rri.rr.txt", &n);
	struct jbuf b;
	struct vg_session s;
	struct vg_report r;
	struct vg_json j;
	char *text;

	if (!rr)
		return;
	make_session(&b, rr, n);
	vg_session_init(&s);
	CHECK_EQ(vg_session_replay(b.p, b.len, &s), 0);
	CHECK_EQ(vg_report_build(&s, NULL, &r), 0);
	if (CHECK_EQ(vg_report_text(&r, &text, &len), 0)) {
		CHECK_EQ(strlen(text), len);
		check_golden("session-rest_rri.report.txt", text, len);
		free(text);
	}
	vg_json_init(&j, NULL, 0, 2);
	if (CHECK_EQ(vg_report_json(&r, &j), 0))
		check_golden("session-rest_rri.report.json", vg_json_text(&j),
			     vg_json_len(&j));
	vg_json_free(&j);
	vg_session_free(&s);
	jb_free(&b);
	free(rr);
}

int main(void)
{
	test_replay_real();
	test_windows();
	test_report_windows_match();
	test_truncation();
	test_write_session();
	test_golden();
	return vg_test_done();
}
