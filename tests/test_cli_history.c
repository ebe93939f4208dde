/* SPDX-License-Identifier: MIT */
/*
 * `vagus history`, `vagus compare` and `vagus export`, run as a user
 * would run them (fork and exec of $VAGUS_BUILD/vagus), on a state
 * directory built here the way vagusd builds one: journals of real beats
 * (pyHRV's 60-minute NN series cut into 8-minute pieces) written as a
 * strap sends them (session_journal.h), and reports written by
 * vg_report_write_session, the daemon's own code.
 *
 * The known difference: each piece is recorded twice, as a `control`
 * session (the beats as they are) and as a `mat` session with a planted
 * relaxation: the deviations of each RR from its 31-beat moving average
 * are scaled by exp(L (t - c1) / (c2 - c1)), c1 and c2 the centres of the
 * report's start and end windows, so lnRMSSD rises by L = ln 1.5 from the
 * start window to the end window more than it does in the control
 * session, while the mean RR (heart rate) is left alone. (With L = ln 1.3
 * the same 7 + 7 sessions give +0.263, 95 % CI -0.008 .. +0.533: right
 * on the planted value but still open, as it should be with n = 7.) `vagus compare`
 * must find a difference of lnRMSSD change whose 95 % interval holds L,
 * and a heart-rate difference whose interval holds 0; its numbers must
 * equal vg_compare on the per-session changes the test reads from the
 * reports itself.
 *
 * Export: the rr list and the beats CSV, analysed again with `vagus
 * analyze`, give the session's whole-recording values; json is the
 * report.json. Missing, malformed and unknown input: clear messages and
 * the documented exit status, never a signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "session_journal.h"
#include "sys/report_write.h"
#include "test.h"
#include "vagus/history.h"
#include "vagus/jsonscan.h"
#include "vagus/report.h"
#include "vagus/session.h"

#define PIECE_S 480.0
#define NPIECE 7
#define PLANT_L 0.40546510810816438 /* ln 1.5 */

static char vagus_bin[4096];
static char tmpdir[64];
static char state[128];

struct run {
	int status;
	char out[262144];
	char err[16384];
};

static struct run run_buf;

/* Runs vagus with @args (NULL-terminated), stdout to @out_path if set. */
static struct run *run_to(const char *out_path, const char *const *args)
{
	struct run *r = &run_buf;
	char *argv[32];
	int n = 0;

	argv[n++] = vagus_bin;
	while (*args && n < 31)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	r->status = vg_test_run(argv, NULL, out_path, tmpdir, 60, r->out,
				sizeof(r->out), r->err, sizeof(r->err));
	return r;
}

static struct run *run_vagus(const char *const *args)
{
	return run_to(NULL, args);
}

static bool exited_with(const struct run *r, int code)
{
	return vg_test_exited(r->status, code, r->err);
}

/* ---- reading JSON members ------------------------------------------ */

struct pick {
	const char *key;
	double num;
	char str[128];
	bool found;
};

static void pick_num(void *arg, const char *key, double v)
{
	struct pick *p = arg;

	if (!strcmp(key, p->key)) {
		p->num = v;
		p->found = true;
	}
}

static void pick_str(void *arg, const char *key, const char *v)
{
	struct pick *p = arg;

	if (!strcmp(key, p->key)) {
		snprintf(p->str, sizeof(p->str), "%s", v);
		p->found = true;
	}
}

/* The member @key ("a.b.c") of the JSON object @text; NAN when absent. */
static double jget(const char *text, const char *key)
{
	struct pick p = {key, NAN, "", false};

	if (vg_session_json_members(text, strlen(text), pick_str, pick_num, &p))
		return NAN;
	return p.num;
}

static const char *jget_str(const char *text, const char *key, char *buf,
			    size_t cap)
{
	struct pick p = {key, NAN, "", false};

	buf[0] = '\0';
	if (!vg_session_json_members(text, strlen(text), pick_str, pick_num,
				     &p)) {
		/* Cut to @cap; memcpy, as gcc -O1 warns on snprintf here. */
		size_t l = strnlen(p.str, cap - 1);
		memcpy(buf, p.str, l);
		buf[l] = '\0';
	}
	return buf;
}

/* The two numbers of the array after "@name": [ in @text. */
static bool jpair(const char *text, const char *name, double v[2])
{
	char pat[96];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\": [", name);
	p = strstr(text, pat);
	if (!p)
		return false;
	p += strlen(pat);
	char *end;
	v[0] = strtod(p, &end);
	if (end == p || *end != ',')
		return false;
	v[1] = strtod(end + 1, &end);
	return true;
}

/* ---- the state directory ------------------------------------------- */

static uint16_t *rr;
static size_t nrr;

struct made {
	char id[32];
	bool mat;
	double d_ln, d_hr, rest_ln;
};

static struct made made[2 * NPIECE];
static size_t nmade;

static int session_dir(const char *id)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/sessions/%s", state, id);
	if (mkdir(path, 0700))
		return -1;
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static void put_file(int dfd, const char *name, const void *p, size_t n)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	CHECK(fd >= 0 && write(fd, p, n) == (ssize_t)n);
	if (fd >= 0)
		close(fd);
}

/*
 * The planted relaxation on @n intervals (1/1024 s) in place: see the top
 * of the file.
 */
static void plant(uint16_t *v, size_t n)
{
	double *ms = malloc(n * sizeof(*ms)), *ma = malloc(n * sizeof(*ma));
	double dur = 0, t = 0;
	struct vg_report_windows w;

	if (!ms || !ma) {
		CHECK(!"out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		ms[i] = v[i] * 1000.0 / 1024;
		dur += ms[i];
	}
	for (size_t i = 0; i < n; i++) {
		size_t lo = i >= 15 ? i - 15 : 0,
		       hi = i + 15 < n ? i + 15 : n - 1;
		double s = 0;
		for (size_t k = lo; k <= hi; k++)
			s += ms[k];
		ma[i] = s / (double)(hi - lo + 1);
	}
	if (!CHECK_EQ(vg_report_windows(dur / 1000, VG_REPORT_SETTLE_S, &w),
		      0) ||
	    !CHECK(w.ok))
		goto out;
	double c1 = 0.5 * (w.start[0] + w.start[1]);
	double c2 = 0.5 * (w.end[0] + w.end[1]);
	for (size_t i = 0; i < n; i++) {
		t += ms[i];
		double f = exp(PLANT_L * (t / 1000 - c1) / (c2 - c1));
		double x = ma[i] + (ms[i] - ma[i]) * f;
		v[i] = (uint16_t)lround(x * 1024 / 1000);
	}
out:
	free(ms);
	free(ma);
}

static bool add_session(const char *id, const char *tag, const uint16_t *v,
			size_t n)
{
	struct jbuf b;
	char errbuf[160];
	int dfd = session_dir(id);

	if (!CHECK(dfd >= 0))
		return false;
	make_session_id(&b, v, n, id, tag);
	put_file(dfd, "journal", b.p, b.len);
	jb_free(&b);
	int rc = vg_report_write_session(dfd, NULL, errbuf, sizeof(errbuf));
	close(dfd);
	if (!CHECK_EQ(rc, 0))
		printf("report of %s: %s\n", id, errbuf);
	return rc == 0;
}

/* Reads back what the daemon's report says of session @m. */
static void read_made(struct made *m)
{
	char path[256];
	size_t len;

	snprintf(path, sizeof(path), "%s/sessions/%s/report.json", state,
		 m->id);
	char *j = vg_test_slurp(path, &len);
	m->d_ln = m->d_hr = m->rest_ln = NAN;
	if (!j)
		return;
	/* The fitted change (the one the report's interval is about). */
	m->d_ln = jget(j, "change.ln_rmssd.estimate");
	m->d_hr = jget(j, "change.hr_bpm.estimate");
	CHECK(isfinite(m->d_ln) && isfinite(m->d_hr));
	m->rest_ln = jget(j, "change.ln_rmssd.start");
	free(j);
}

static bool make_state(void)
{
	char path[256];
	size_t per = 0;
	double acc = 0;

	snprintf(state, sizeof(state), "%s/state", tmpdir);
	snprintf(path, sizeof(path), "%s/sessions", state);
	if (!CHECK(mkdir(state, 0700) == 0 && mkdir(path, 0700) == 0))
		return false;
	/* Beats per piece: as many as fit in PIECE_S seconds. */
	size_t start = 0;
	for (int p = 0; p < NPIECE; p++) {
		acc = 0;
		per = 0;
		while (start + per < nrr && acc < PIECE_S * 1024) {
			acc += rr[start + per];
			per++;
		}
		if (!CHECK(acc >= PIECE_S * 1024))
			return false;
		uint16_t *v = malloc(per * sizeof(*v));
		if (!v)
			return false;
		memcpy(v, rr + start, per * sizeof(*v));
		/* Control in the morning, mat in the evening, a day apart. */
		struct made *c = &made[nmade++], *m = &made[nmade++];
		snprintf(c->id, sizeof(c->id), "202611%02d-070000", p + 1);
		snprintf(m->id, sizeof(m->id), "202611%02d-190000", p + 1);
		m->mat = true;
		bool ok = add_session(c->id, "control", v, per);
		plant(v, per);
		ok = ok && add_session(m->id, "mat", v, per);
		free(v);
		if (!ok)
			return false;
		read_made(c);
		read_made(m);
		start += per;
	}

	/* A session with a broken report.json, and one still running. */
	int dfd = session_dir("20261120-120000");
	if (!CHECK(dfd >= 0))
		return false;
	put_file(dfd, "report.json", "{\"tag\": \"mat\", \"change\": [1,", 29);
	close(dfd);
	dfd = session_dir("20261121-120000");
	if (!CHECK(dfd >= 0))
		return false;
	struct jbuf b;
	make_session_id(&b, rr, 200, "20261121-120000", "mat");
	put_file(dfd, "journal", b.p, b.len);
	jb_free(&b);
	close(dfd);
	return true;
}

/* ---- tests --------------------------------------------------------- */

static void test_compare(void)
{
	const char *args[] = {"--state-dir", state,    "compare",
			      "--tag",	     "mat",    "--vs",
			      "control",     "--json", NULL};
	double a_ln[NPIECE], b_ln[NPIECE], a_hr[NPIECE], b_hr[NPIECE];
	size_t na = 0, nb = 0;
	struct vg_compare_result ln, hr;
	double ci[2], gci[2];
	char s[64];

	for (size_t i = 0; i < nmade; i++) {
		if (made[i].mat) {
			a_ln[na] = made[i].d_ln;
			a_hr[na++] = made[i].d_hr;
		} else {
			b_ln[nb] = made[i].d_ln;
			b_hr[nb++] = made[i].d_hr;
		}
	}
	CHECK_EQ(vg_compare(a_ln, na, b_ln, nb, NAN, &ln), 0);
	CHECK_EQ(vg_compare(a_hr, na, b_hr, nb, NAN, &hr), 0);

	struct run *r = run_vagus(args);
	if (!CHECK(exited_with(r, 0)))
		return;
	const char *o = r->out;
	CHECK_EQ(jget(o, "ln_rmssd.mat.n"), NPIECE);
	CHECK_EQ(jget(o, "ln_rmssd.control.n"), NPIECE);
	/* The CLI's numbers are vg_compare's on the reports' changes. */
	CHECK_NEAR(jget(o, "ln_rmssd.diff"), ln.diff, 1e-12);
	CHECK_NEAR(jget(o, "ln_rmssd.hedges_g"), ln.g, 1e-9);
	CHECK_NEAR(jget(o, "hr_bpm.diff"), hr.diff, 1e-9);
	/* The planted difference lies in the interval. */
	const char *lo = strstr(o, "\"ln_rmssd\"");
	if (!CHECK(lo && jpair(lo, "ci95", ci)))
		return;
	printf("lnRMSSD change, mat - control: %+.4f, 95 %% CI %+.4f .. "
	       "%+.4f (planted %+.4f); g %.2f [%.2f, %.2f]\n",
	       ln.diff, ci[0], ci[1], PLANT_L, ln.g, ln.g_lo, ln.g_hi);
	CHECK_NEAR(ci[0], ln.ci_lo, 1e-9);
	CHECK_NEAR(ci[1], ln.ci_hi, 1e-9);
	CHECK(ci[0] < PLANT_L && PLANT_L < ci[1]);
	/* And it is clear: the interval excludes zero. */
	CHECK(ci[0] > 0);
	CHECK(!strcmp(jget_str(o, "answer", s, sizeof(s)), "a_higher"));
	CHECK(jpair(lo, "hedges_g_ci95", gci) && gci[0] > 0);
	/* Heart rate was left alone: its interval holds zero. */
	const char *h = strstr(o, "\"hr_bpm\"");
	if (!CHECK(h && jpair(h, "ci95", ci)))
		return;
	printf("HR change, mat - control: %+.3f bpm, 95 %% CI %+.3f .. "
	       "%+.3f\n",
	       hr.diff, ci[0], ci[1]);
	CHECK(ci[0] < 0 && 0 < ci[1]);

	/* The broken and the running session are named, not fatal. */
	CHECK(strstr(r->err, "20261120-120000") && strstr(r->err, "malformed"));
	CHECK(strstr(r->err, "20261121-120000") &&
	      strstr(r->err, "no report.json"));

	/* Text: the numbers and a plain answer. */
	const char *targs[] = {"--state-dir", state, "compare", NULL};
	r = run_vagus(targs);
	CHECK(exited_with(r, 0));
	CHECK(strstr(r->out, "Hedges' g"));
	CHECK(strstr(r->out, "Answer: lnRMSSD rose more in 'mat'"));
	printf("%s", r->out);

	/* Two groups that are the same beats: still open, sessions needed. */
	const char *sargs[] = {"--state-dir", state,	"compare", "--tag",
			       "mat",	      "--vs",	"control", "--effect",
			       "0.5",	      "--json", NULL};
	r = run_vagus(sargs);
	CHECK(exited_with(r, 0));
	CHECK_EQ(jget(r->out, "ln_rmssd.power.n_per_group"), 64);
	CHECK_EQ(jget(r->out, "ln_rmssd.power.more_a"), 64 - NPIECE);
}

static void test_compare_open(void)
{
	/* Swap the roles: two halves of the control sessions by day. */
	char st2[160], path[256];
	const char *args[] = {"--state-dir", st2,    "compare", "--tag",
			      "early",	     "--vs", "late",	NULL};

	snprintf(st2, sizeof(st2), "%s/state2", tmpdir);
	snprintf(path, sizeof(path), "%s/sessions", st2);
	if (!CHECK(mkdir(st2, 0700) == 0 && mkdir(path, 0700) == 0))
		return;
	/* report.json files written from the control sessions' values. */
	size_t k = 0;
	for (size_t i = 0; i < nmade; i++) {
		if (made[i].mat)
			continue;
		char dir[1200], js[512];
		snprintf(dir, sizeof(dir), "%s/%s", path, made[i].id);
		if (!CHECK(mkdir(dir, 0700) == 0))
			return;
		int n = snprintf(
		    js, sizeof(js),
		    "{\"id\": \"%s\", \"tag\": \"%s\", \"windows\": "
		    "{\"status\": \"ok\"}, \"change\": {\"hr_bpm\": "
		    "{\"start\": 60, \"end\": 60, \"delta\": %.17g}, "
		    "\"ln_rmssd\": {\"start\": %.17g, \"end\": 0, \"delta\": "
		    "%.17g}}}\n",
		    made[i].id, k++ < 4 ? "early" : "late", made[i].d_hr,
		    made[i].rest_ln, made[i].d_ln);
		int dfd = open(dir, O_RDONLY | O_DIRECTORY);
		put_file(dfd, "report.json", js, (size_t)n);
		close(dfd);
	}
	struct run *r = run_vagus(args);
	CHECK(exited_with(r, 0));
	CHECK(strstr(r->out, "Answer: still open"));
	CHECK(strstr(r->out, "sessions\nof each condition for 80 % power") ||
	      strstr(r->out, "in practice, no difference"));
	printf("%s", r->out);

	/* A tag is user text: the trend page escapes it. */
	char dir[1200], page[256];
	snprintf(dir, sizeof(dir), "%s/20261201-070000", path);
	if (!CHECK(mkdir(dir, 0700) == 0))
		return;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	const char *js = "{\"tag\": \"<b>&\\\"x\", \"windows\": {\"status\": "
			 "\"insufficient_data\"}}";
	put_file(dfd, "report.json", js, strlen(js));
	close(dfd);
	snprintf(page, sizeof(page), "%s/esc.html", tmpdir);
	const char *hargs[] = {"--state-dir", st2,  "history",
			       "--html",      page, NULL};
	struct run *h = run_vagus(hargs);
	CHECK(exited_with(h, 0));
	size_t len;
	char *html = vg_test_slurp(page, &len);
	if (html) {
		CHECK(strstr(html, "&lt;b&gt;&amp;&quot;x"));
		CHECK(!strstr(html, "<b>&"));
		free(html);
	}
}

static void test_history(void)
{
	const char *args[] = {"--state-dir", state, "history", "--json", NULL};
	struct vg_history_session hs[2 * NPIECE];
	struct vg_history_point pt[2 * NPIECE];
	struct vg_history_summary sum;
	size_t order[2 * NPIECE], n = 0;

	/* Oldest first: day by day, control (07:00) before mat (19:00). */
	for (size_t i = 0; i < nmade; i++)
		order[n++] = i;
	memset(hs, 0, sizeof(hs));
	for (size_t i = 0; i < n; i++) {
		struct made *m = &made[order[i]];
		hs[i].id = m->id;
		CHECK_EQ(vg_history_id_time(m->id, &hs[i].start_s), 0);
		hs[i].ok = isfinite(m->rest_ln);
		hs[i].rest_ln_rmssd = m->rest_ln;
		hs[i].rest_hr_bpm = 60;
		hs[i].d_ln_rmssd = m->d_ln;
		hs[i].d_hr_bpm = m->d_hr;
	}
	CHECK_EQ(vg_history_build(hs, n, pt, &sum), 0);

	struct run *r = run_vagus(args);
	if (!CHECK(exited_with(r, 0)))
		return;
	CHECK_EQ(jget(r->out, "sessions"), 2 * NPIECE);
	CHECK_EQ(jget(r->out, "valid"), 2 * NPIECE);
	CHECK_EQ(jget(r->out, "without_report"), 1);
	CHECK_EQ(jget(r->out, "unreadable_report"), 1);
	CHECK_EQ(jget(r->out, "normal_range.n"), 2 * NPIECE);
	CHECK_NEAR(jget(r->out, "normal_range.mean"), sum.now.mean, 1e-12);
	CHECK_NEAR(jget(r->out, "normal_range.swc"), sum.now.swc, 1e-12);
	CHECK_NEAR(sum.now.swc, 0.5 * sum.now.sd, 1e-15);
	/* The eighth session (index 7) is the first with a range. */
	struct vg_jv root, arr, item, rng, v;
	size_t pos = 0;
	int k = 0;
	double x = NAN;
	bool found = false;
	if (CHECK_EQ(vg_jsonscan_parse(r->out, strlen(r->out), &root), 0) &&
	    CHECK_EQ(vg_jsonscan_get(&root, "history", &arr), 0)) {
		while (vg_jsonscan_next(&arr, &pos, NULL, &item) == 1) {
			if (k++ != 7)
				continue;
			found = true;
			CHECK(!vg_jsonscan_get(&item, "id", &v) &&
			      vg_jv_str_eq(&v, made[7].id));
			CHECK(!vg_jsonscan_get(&item, "range", &rng));
			CHECK(!vg_jsonscan_get(&rng, "n", &v) &&
			      !vg_jv_num(&v, &x) && x == 7);
			CHECK(!vg_jsonscan_get(&rng, "lo", &v) &&
			      !vg_jv_num(&v, &x));
			CHECK_NEAR(x, pt[7].range.lo, 1e-12);
			CHECK(!vg_jsonscan_get(&item, "place", &v) &&
			      vg_jv_str_eq(&v,
					   vg_history_place_name(pt[7].place)));
		}
	}
	CHECK(found);
	CHECK_EQ(k, 2 * NPIECE);
	printf("normal range now: %.3f +/- %.3f over %zu sessions\n",
	       sum.now.mean, sum.now.swc, sum.now.n);

	const char *targs[] = {"--state-dir", state, "history", NULL};
	r = run_vagus(targs);
	CHECK(exited_with(r, 0));
	CHECK(strstr(r->out, "Normal range now (last 14 sessions)"));
	CHECK(strstr(r->out, made[0].id) && strstr(r->out, made[13].id));
	CHECK(strstr(r->out, "Trend of resting lnRMSSD"));
	printf("%s", r->out);

	/* The trend page: one file, 0600, three charts, no network. */
	char page[256];
	struct stat st;
	snprintf(page, sizeof(page), "%s/history.html", tmpdir);
	const char *hargs[] = {"--state-dir", state, "history",
			       "--html",      page,  NULL};
	r = run_vagus(hargs);
	CHECK(exited_with(r, 0));
	if (!CHECK(stat(page, &st) == 0))
		return;
	CHECK_EQ(st.st_mode & 0777, 0600);
	size_t len;
	char *html = vg_test_slurp(page, &len);
	if (!html)
		return;
	size_t svgs = 0;
	for (const char *q = html; (q = strstr(q, "<svg")); q++)
		svgs++;
	CHECK_EQ(svgs, 3);
	CHECK(strstr(html, made[0].id) && strstr(html, made[13].id));
	CHECK(strstr(html, "Normal range now"));
	CHECK(strstr(html, "class=\"range\""));
	CHECK(!strstr(html, "<script") && !strstr(html, "src=") &&
	      !strstr(html, "href=") && !strstr(html, "@import"));
	CHECK(!strncmp(html + len - 15, "</body></html>\n", 15));
	free(html);
	const char *bad[] = {"--state-dir",
			     state,
			     "history",
			     "--html",
			     "/nonexistent-dir/x.html",
			     NULL};
	r = run_vagus(bad);
	CHECK(exited_with(r, 1));
	CHECK(strstr(r->err, "/nonexistent-dir/x.html"));
}

/* The whole-recording values of an analysis equal the report's. */
static void same_whole(const char *analysis, const char *report)
{
	static const char *const keys[] = {
	    "time.mean_rr_ms", "time.sdnn_ms",
	    "time.rmssd_ms",   "time.ln_rmssd",
	    "time.pnn50_pct",  "freq.hf_ms2",
	    "freq.lf_ms2",     "poincare.sd1_ms",
	    "dfa.alpha1",      "artifacts.corrected_pct",
	    "duration_s",      "beats"};
	char k[64];

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(k, sizeof(k), "whole.%s", keys[i]);
		double want = jget(report, k), got = jget(analysis, keys[i]);
		if (!CHECK(isfinite(want) &&
			   fabs(got - want) <= 1e-9 * fabs(want) + 1e-12))
			printf("%s: analyze %.17g, report %.17g\n", keys[i],
			       got, want);
	}
}

static void test_export(void)
{
	char path[256], file[256], *report;
	size_t len;
	const char *id = made[2].id;

	snprintf(path, sizeof(path), "%s/sessions/%s/report.json", state, id);
	report = vg_test_slurp(path, &len);
	if (!report)
		return;

	/* rr: one interval in ms per line, re-analysed. */
	snprintf(file, sizeof(file), "%s/export.rr.txt", tmpdir);
	const char *rargs[] = {"--state-dir", state, "export", "--format",
			       "rr",	      id,    NULL};
	struct run *r = run_to(file, rargs);
	CHECK(exited_with(r, 0));
	size_t flen;
	char *rrtext = vg_test_slurp(file, &flen);
	if (rrtext) {
		size_t lines = 0;
		for (size_t i = 0; i < flen; i++)
			lines += rrtext[i] == '\n';
		CHECK_EQ(lines, (size_t)jget(report, "beats"));
		CHECK(!strchr(rrtext, ',') && !strchr(rrtext, '#'));
		free(rrtext);
	}
	const char *aargs[] = {"analyze", "--json", file, NULL};
	r = run_vagus(aargs);
	if (CHECK(exited_with(r, 0)))
		same_whole(r->out, report);

	/* csv: beat times, RR, flags; re-analysed too. */
	snprintf(file, sizeof(file), "%s/export.csv", tmpdir);
	const char *cargs[] = {"--state-dir", state, "export", "--format",
			       "csv",	      id,    NULL};
	r = run_to(file, cargs);
	CHECK(exited_with(r, 0));
	char *csv = vg_test_slurp(file, &flen);
	if (csv) {
		CHECK(!strncmp(csv, "t_s,rr_ms,gap_before,artifact,contact\n",
			       38));
		CHECK(strstr(csv, ",0,normal,ok\n"));
		free(csv);
	}
	r = run_vagus(aargs);
	if (CHECK(exited_with(r, 0)))
		same_whole(r->out, report);

	/* json: the report itself; "last" is the latest folder. */
	const char *jargs[] = {"--state-dir",	state, "export",
			       "--format=json", id,    NULL};
	r = run_vagus(jargs);
	CHECK(exited_with(r, 0));
	CHECK(!strcmp(r->out, report));
	const char *largs[] = {"--state-dir", state,  "export", "--format",
			       "json",	      "last", NULL};
	r = run_vagus(largs);
	CHECK(exited_with(r, 0));
	CHECK(strstr(r->out, "\"id\": \"20261121-120000\""));
	free(report);
}

static void test_errors(void)
{
	char empty[160], path[256];
	struct run *r;

	const char *a1[] = {"--state-dir", state, "export",
			    "--format",	   "rr",  "20261130-000000",
			    NULL};
	r = run_vagus(a1);
	CHECK(exited_with(r, 1));
	CHECK(strstr(r->err, "no session 20261130-000000"));
	const char *a2[] = {"--state-dir", state,	"export", "--format",
			    "rr",	   "../../etc", NULL};
	r = run_vagus(a2);
	CHECK(exited_with(r, 2));
	const char *a3[] = {"--state-dir", state, "export", made[0].id, NULL};
	r = run_vagus(a3);
	CHECK(exited_with(r, 2));
	const char *a4[] = {"--state-dir", state,      "export", "--format",
			    "xml",	   made[0].id, NULL};
	r = run_vagus(a4);
	CHECK(exited_with(r, 2));
	/* The broken report: export json says so; rr needs a journal. */
	const char *a5[] = {"--state-dir", state,  "export",
			    "--format",	   "json", "20261120-120000",
			    NULL};
	r = run_vagus(a5);
	CHECK(exited_with(r, 1));
	CHECK(strstr(r->err, "malformed"));
	const char *a6[] = {"--state-dir", state, "export",
			    "--format",	   "csv", "20261120-120000",
			    NULL};
	r = run_vagus(a6);
	CHECK(exited_with(r, 1));
	CHECK(strstr(r->err, "journal"));

	const char *a7[] = {"--state-dir", state,  "compare",
			    "--tag",	   "yoga", NULL};
	r = run_vagus(a7);
	CHECK(exited_with(r, 1));
	CHECK(strstr(r->err, "no session tagged 'yoga'") &&
	      strstr(r->err, "mat (7)") && strstr(r->err, "control (7)"));
	const char *a8[] = {"--state-dir", state,  "compare", "--tag",
			    "mat",	   "--vs", "mat",     NULL};
	r = run_vagus(a8);
	CHECK(exited_with(r, 2));
	const char *a9[] = {"--state-dir", state, "compare",
			    "--effect",	   "big", NULL};
	r = run_vagus(a9);
	CHECK(exited_with(r, 2));
	const char *a10[] = {"--state-dir", state, "history", "--bogus", NULL};
	r = run_vagus(a10);
	CHECK(exited_with(r, 2));

	/* No state directory, and an empty one. */
	snprintf(empty, sizeof(empty), "%s/nothing", tmpdir);
	const char *b1[] = {"--state-dir", empty, "history", NULL};
	r = run_vagus(b1);
	CHECK(exited_with(r, 1));
	CHECK(strstr(r->err, "no sessions yet"));
	snprintf(path, sizeof(path), "%s/sessions", empty);
	CHECK(mkdir(empty, 0700) == 0 && mkdir(path, 0700) == 0);
	r = run_vagus(b1);
	CHECK(exited_with(r, 1));
	CHECK(strstr(r->err, "no session with a report"));
	const char *b2[] = {"--state-dir", empty, "compare", NULL};
	r = run_vagus(b2);
	CHECK(exited_with(r, 1));
	const char *b3[] = {"--state-dir", empty,  "export", "--format",
			    "rr",	   "last", NULL};
	r = run_vagus(b3);
	CHECK(exited_with(r, 1));
}

static void rm_rf(const char *path)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		printf("could not remove %s\n", path);
}

int main(void)
{
	const char *build = getenv("VAGUS_BUILD");

	if (!build || !*build)
		build = "build";
	snprintf(vagus_bin, sizeof(vagus_bin), "%s/vagus", build);
	if (!CHECK(access(vagus_bin, X_OK) == 0)) {
		fprintf(stderr, "need %s: run make first\n", vagus_bin);
		return vg_test_done();
	}
	rr = load_rr("pyhrv/SampleNNISeriesLong.rr.txt", &nrr);
	if (!rr)
		return vg_test_done();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vagus-clihist-XXXXXX");
	if (!CHECK(mkdtemp(tmpdir)))
		return vg_test_done();
	if (make_state()) {
		test_compare();
		test_compare_open();
		test_history();
		test_export();
		test_errors();
	}
	if (!getenv("VAGUS_KEEP"))
		rm_rf(tmpdir);
	else
		printf("kept %s\n", tmpdir);
	free(rr);
	return vg_test_done();
}
