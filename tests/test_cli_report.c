/* SPDX-License-Identifier: MIT */
/*
 * `vagus report`, `vagus list` and `vagus analyze` on journals, run as a
 * user would run them (fork and exec of $VAGUS_BUILD/vagus) on a state
 * directory made here:
 *
 *  - the report's start and end window values equal `vagus analyze
 *    --window T0:T1 --json` on the same journal, member by member;
 *  - `report` prints the stored report.txt / report.json, the latest
 *    session for "last", and a session without a report from its
 *    journal; `list` shows every session;
 *  - missing state directory, unknown and malformed IDs: the documented
 *    exit status and a message, never a signal.
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
#include "vagus/session.h"

static char vagus_bin[4096];
static char tmpdir[64];
static char state[128];

struct run {
	int status;
	char out[262144];
	char err[8192];
};

static struct run run_buf;

/* Runs vagus with @args (NULL-terminated); kills it after 60 s. */
static struct run *run_vagus(const char *const *args)
{
	struct run *r = &run_buf;
	char *argv[32];
	int n = 0;

	argv[n++] = vagus_bin;
	while (*args && n < 31)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	r->status = vg_test_run(argv, NULL, NULL, tmpdir, 60, r->out,
				sizeof(r->out), r->err, sizeof(r->err));
	return r;
}

static bool exited_with(const struct run *r, int code)
{
	return vg_test_exited(r->status, code, r->err);
}

/* ---- flattened JSON, for member-by-member comparison --------------- */

struct member {
	char key[VG_SESSION_KEY_MAX];
	char val[64]; /* string, or the number printed with %.17g */
};

struct flat {
	struct member m[256];
	size_t n;
	const char *prefix; /* keep only members under this, prefix cut */
};

static void flat_add(struct flat *f, const char *key, const char *val)
{
	size_t pl = strlen(f->prefix);

	if (strncmp(key, f->prefix, pl) || f->n == 256)
		return;
	snprintf(f->m[f->n].key, sizeof(f->m[f->n].key), "%s", key + pl);
	snprintf(f->m[f->n].val, sizeof(f->m[f->n].val), "%s", val);
	f->n++;
}

static void flat_str(void *arg, const char *key, const char *val)
{
	flat_add(arg, key, val);
}

static void flat_num(void *arg, const char *key, double v)
{
	char s[64];

	snprintf(s, sizeof(s), "%.17g", v);
	flat_add(arg, key, s);
}

static bool flatten(const char *text, const char *prefix, struct flat *f)
{
	f->n = 0;
	f->prefix = prefix;
	return vg_session_json_members(text, strlen(text), flat_str, flat_num,
				       f) == 0;
}

static const char *flat_get(const struct flat *f, const char *key)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->m[i].key, key))
			return f->m[i].val;
	return NULL;
}

/* ---- the state directory ------------------------------------------- */

#define ID_DONE "20261130-043718"
#define ID_OPEN "20261130-043718-2"
#define ID_RECOVERED "20261129-210000"

static uint16_t *rr;
static size_t nrr;
static char report_json[65536];

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
 * Two sessions: ID_DONE ended with its report written (as the daemon
 * does), ID_OPEN started in the same second, cut mid-record (a crash),
 * no report.
 */
static bool make_state(void)
{
	struct jbuf b;
	char errbuf[128], path[256];
	size_t len;
	int dfd;

	snprintf(state, sizeof(state), "%s/state", tmpdir);
	snprintf(path, sizeof(path), "%s/sessions", state);
	if (!CHECK(mkdir(state, 0700) == 0 && mkdir(path, 0700) == 0))
		return false;

	make_session_id(&b, rr, nrr, ID_DONE, "mat");
	dfd = session_dir(ID_DONE);
	if (!CHECK(dfd >= 0))
		return false;
	put_file(dfd, "journal", b.p, b.len);
	CHECK_EQ(vg_report_write_session(dfd, NULL, errbuf, sizeof(errbuf)), 0);
	close(dfd);
	jb_free(&b);
	snprintf(path, sizeof(path), "%s/sessions/%s/report.json", state,
		 ID_DONE);
	char *j = vg_test_slurp(path, &len);
	if (!j)
		return false;
	snprintf(report_json, sizeof(report_json), "%s", j);
	free(j);

	/* Closed by vagusd at start-up after a crash, report written. */
	make_session_end(&b, rr, nrr / 3, ID_RECOVERED, "mat", "recovered");
	dfd = session_dir(ID_RECOVERED);
	if (!CHECK(dfd >= 0))
		return false;
	put_file(dfd, "journal", b.p, b.len);
	CHECK_EQ(vg_report_write_session(dfd, NULL, errbuf, sizeof(errbuf)), 0);
	close(dfd);
	jb_free(&b);

	make_session_id(&b, rr, nrr / 2, ID_OPEN, "control");
	dfd = session_dir(ID_OPEN);
	if (!CHECK(dfd >= 0))
		return false;
	/*
	 * A crash: the last notification torn 5 bytes in, no end record
	 * (records end ..., last notification, end).
	 */
	put_file(dfd, "journal", b.p, b.ends[b.nrec - 3] + 5);
	close(dfd);
	jb_free(&b);
	return true;
}

/* ---- tests --------------------------------------------------------- */

/*
 * The report's window values are what `vagus analyze --window` gives on
 * the same journal: every member of the report's "start" and "end"
 * objects, numbers to the last digit.
 */
static void test_windows_equal_analyze(void)
{
	static struct flat rep, ana;
	char journal[256], win[64];
	const char *which[2] = {"start", "end"};

	snprintf(journal, sizeof(journal), "%s/sessions/%s/journal", state,
		 ID_DONE);
	for (int w = 0; w < 2; w++) {
		const char *key = which[w];
		char prefix[64];
		double t0, t1;

		/* The bounds, by the rule: the reader skips arrays. */
		if (!CHECK(flatten(report_json, "", &rep)))
			return;
		const char *ws = flat_get(&rep, "windows.window_s");
		const char *settle = flat_get(&rep, "windows.settle_s");
		const char *dur = flat_get(&rep, "duration_s");
		if (!CHECK(ws && settle && dur))
			return;
		if (w == 0) {
			t0 = strtod(settle, NULL);
			t1 = t0 + strtod(ws, NULL);
		} else {
			t1 = floor(strtod(dur, NULL));
			t0 = t1 - strtod(ws, NULL);
		}
		CHECK(strtod(ws, NULL) == 300);
		snprintf(win, sizeof(win), "%.17g:%.17g", t0, t1);
		const char *args[] = {"analyze", "--json", "--window",
				      win,	 journal,  NULL};
		struct run *r = run_vagus(args);
		if (!CHECK(exited_with(r, 0)))
			return;
		snprintf(prefix, sizeof(prefix), "%s.", key);
		CHECK(flatten(report_json, prefix, &rep));
		CHECK(flatten(r->out, "", &ana));
		CHECK(rep.n >= 25);
		size_t same = 0;
		for (size_t i = 0; i < rep.n; i++) {
			const char *v = flat_get(&ana, rep.m[i].key);
			if (v && !strcmp(v, rep.m[i].val))
				same++;
			else
				printf("%s %s: report %s, analyze %s\n", key,
				       rep.m[i].key, rep.m[i].val,
				       v ? v : "(missing)");
		}
		CHECK_EQ(same, rep.n);
		/* And the change is made of exactly these values. */
		CHECK(flatten(report_json, "change.", &rep));
		snprintf(prefix, sizeof(prefix), "ln_rmssd.%s", key);
		CHECK(!strcmp(flat_get(&rep, prefix),
			      flat_get(&ana, "time.ln_rmssd")));
		snprintf(prefix, sizeof(prefix), "hr_bpm.%s", key);
		CHECK(!strcmp(flat_get(&rep, prefix),
			      flat_get(&ana, "time.mean_hr_bpm")));
		snprintf(prefix, sizeof(prefix), "hf_ms2.%s", key);
		CHECK(!strcmp(flat_get(&rep, prefix),
			      flat_get(&ana, "freq.hf_ms2")));
		CHECK(flatten(r->out, "input.", &ana));
		CHECK(!strcmp(flat_get(&ana, "format"), "vagus journal"));
	}
}

/* Without a window, analyze on the journal gives the report's "whole". */
static void test_whole_equals_analyze(void)
{
	static struct flat rep, ana;
	char journal[256];

	snprintf(journal, sizeof(journal), "%s/sessions/%s/journal", state,
		 ID_DONE);
	const char *args[] = {"analyze", "--json", journal, NULL};
	struct run *r = run_vagus(args);
	if (!CHECK(exited_with(r, 0)))
		return;
	CHECK(flatten(report_json, "whole.", &rep));
	CHECK(flatten(r->out, "", &ana));
	CHECK(rep.n >= 25);
	size_t same = 0;
	for (size_t i = 0; i < rep.n; i++) {
		const char *v = flat_get(&ana, rep.m[i].key);
		if (v && !strcmp(v, rep.m[i].val))
			same++;
		else
			printf("whole %s: report %s, analyze %s\n",
			       rep.m[i].key, rep.m[i].val, v ? v : "(missing)");
	}
	CHECK_EQ(same, rep.n);
}

/*
 * The text of top-level member @key of an indented (2) JSON object:
 * from its name to the end of its value. NULL when absent.
 */
static char *member_text(const char *json, const char *key)
{
	char name[64];

	snprintf(name, sizeof(name), "\n  \"%s\": ", key);
	const char *p = strstr(json, name);
	if (!p)
		return NULL;
	const char *v = p + strlen(name);
	const char *e = *v == '{' ? strstr(v, "\n  }") : strchr(v, '\n');
	if (!e)
		return NULL;
	if (*v == '{')
		e += 4;
	return strndup(p, (size_t)(e - p));
}

/*
 * issue 6: `vagus analyze --session` on the same beats as an RR file
 * gives what vagusd wrote for the session: windows, change (estimates,
 * intervals, test numbers) and verdict, to the last digit.
 */
static void test_session_equals_analyze(void)
{
	char path[256];
	const char *same[] = {
	    "verdict", "verdict_reason", "verdict_sentence", "duration_s",
	    "windows", "change",	 "methods"};

	/* The beats as vagusd received them, 1/1024 s, written in ms. */
	snprintf(path, sizeof(path), "%s/session.rr.txt", tmpdir);
	FILE *f = fopen(path, "w");
	if (!CHECK(f))
		return;
	fprintf(f, "# rr_ms\n");
	for (size_t i = 0; i < nrr; i++)
		fprintf(f, "%.7f\n", rr[i] * (1000.0 / 1024));
	CHECK_EQ(fclose(f), 0);

	/* Also what `vagus export` gives, plain RR (Kubios) and CSV. */
	char exp[2][256];
	const char *fmt[2] = {"rr", "csv"};
	for (int e = 0; e < 2; e++) {
		const char *eargs[] = {"--state-dir", state,  "export", ID_DONE,
				       "--format",    fmt[e], NULL};
		struct run *x = run_vagus(eargs);
		snprintf(exp[e], sizeof(exp[e]), "%s/export.%s", tmpdir,
			 fmt[e]);
		f = fopen(exp[e], "w");
		CHECK(exited_with(x, 0) && f && fputs(x->out, f) >= 0);
		if (f)
			fclose(f);
	}
	const char *src[3] = {path, exp[0], exp[1]};
	struct run *r = NULL;
	for (int k2 = 2; k2 >= 0; k2--) {
		const char *args[] = {"analyze", "--session", src[k2], "--json",
				      NULL};
		r = run_vagus(args);
		if (!CHECK(exited_with(r, 0)))
			return;
		for (size_t k = 0; k < sizeof(same) / sizeof(same[0]); k++) {
			char *a = member_text(report_json, same[k]);
			char *b = member_text(r->out, same[k]);
			if (!CHECK(a && b && !strcmp(a, b)))
				printf("%s, %s differs:\nreport  %s\nanalyze "
				       "%s\n",
				       src[k2], same[k], a ? a : "(none)",
				       b ? b : "(none)");
			free(a);
			free(b);
		}
	}
	/* A real verdict with intervals, not two empty objects agreeing. */
	CHECK(strstr(report_json, "\"verdict\": \"no_clear_change\""));
	CHECK(strstr(report_json, "\"ci95\": [") != NULL);

	/* The text is the report.txt of the same beats, from the verdict on. */
	const char *targs[] = {"analyze", "--session", path, NULL};
	r = run_vagus(targs);
	CHECK(exited_with(r, 0));
	CHECK(strstr(r->out, "\nVerdict      no_clear_change\n  No clear "
			     "change: lnRMSSD changed by "));
	CHECK(strstr(r->out, "95 % CI of fitted"));

	/* And the page. */
	char html[300];
	snprintf(html, sizeof(html), "%s/session.html", tmpdir);
	const char *hargs[] = {"analyze", "--session", path,
			       "--html",  html,	       NULL};
	r = run_vagus(hargs);
	CHECK(exited_with(r, 0));
	size_t hl;
	char *page = vg_test_slurp(html, &hl);
	CHECK(page && strstr(page, "class=\"verdict v-no_clear_change\""));
	free(page);

	const char *bad[] = {"analyze",	 "--session", path,
			     "--window", "0:60",      NULL};
	r = run_vagus(bad);
	CHECK(exited_with(r, 2));
	const char *bad2[] = {"analyze", "--session", NULL};
	r = run_vagus(bad2);
	CHECK(exited_with(r, 2));
}

/*
 * The same with link drops: a session whose beats stop twice for 15
 * beats each. `vagus export --format csv` keeps the beat times, so the
 * gaps (and with them the windows and the change) survive the round trip.
 */
static void test_gaps_equal_analyze(void)
{
	const char *id = "20261130-050000";
	char path[256], gstate[200];
	const char *same[] = {"verdict", "verdict_reason", "verdict_sentence",
			      "windows", "change"};
	struct jbuf b;
	size_t drop[2] = {300, 600}, i = 0;
	int64_t t = T0_MS;

	snprintf(gstate, sizeof(gstate), "%s/gstate", tmpdir);
	snprintf(path, sizeof(path), "%s/sessions", gstate);
	if (!CHECK(mkdir(gstate, 0700) == 0 && mkdir(path, 0700) == 0))
		return;
	jb_init(&b);
	jb_text(&b, VG_REC_SESSION, T0_MS, "{\"id\":\"20261130-050000\"}");
	jb_text(&b, VG_REC_LINK_UP, T0_MS, "A0:9E:1A:12:34:56");
	for (int d = 0; d <= 2; d++) {
		size_t to = d < 2 ? drop[d] : nrr;
		int64_t st = t;
		jb_notify(&b, rr + i, to - i, st, 4, 150);
		for (size_t k = i; k < to; k++)
			t += rr[k] * 1000 / 1024;
		if (d == 2)
			break;
		jb_text(&b, VG_REC_LINK_DOWN, t + 1200, "supervision timeout");
		/* The next 15 beats never arrive. */
		for (size_t k = to; k < to + 15; k++)
			t += rr[k] * 1000 / 1024;
		jb_text(&b, VG_REC_LINK_UP, t, "A0:9E:1A:12:34:56");
		i = to + 15;
	}
	jb_text(&b, VG_REC_END, t + 2000, "stop");
	snprintf(path, sizeof(path), "%s/sessions/%s", gstate, id);
	CHECK_EQ(mkdir(path, 0700), 0);
	int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!CHECK(dfd >= 0)) {
		jb_free(&b);
		return;
	}
	put_file(dfd, "journal", b.p, b.len);
	jb_free(&b);
	char errbuf[128];
	CHECK_EQ(vg_report_write_session(dfd, NULL, errbuf, sizeof(errbuf)), 0);
	close(dfd);
	snprintf(path, sizeof(path), "%s/sessions/%s/report.json", gstate, id);
	size_t len;
	char *rep = vg_test_slurp(path, &len);
	if (!CHECK(rep))
		return;
	CHECK(strstr(rep, "\"cause\": \"link\"") != NULL);

	const char *eargs[] = {"--state-dir", gstate, "export", id,
			       "--format",    "csv",  NULL};
	struct run *r = run_vagus(eargs);
	snprintf(path, sizeof(path), "%s/gaps.csv", tmpdir);
	FILE *f = fopen(path, "w");
	CHECK(exited_with(r, 0) && f && fputs(r->out, f) >= 0);
	if (f)
		fclose(f);
	const char *args[] = {"analyze", "--session", path, "--json", NULL};
	r = run_vagus(args);
	if (CHECK(exited_with(r, 0))) {
		for (size_t k = 0; k < sizeof(same) / sizeof(same[0]); k++) {
			char *a = member_text(rep, same[k]);
			char *c = member_text(r->out, same[k]);
			if (!CHECK(a && c && !strcmp(a, c)))
				printf("gaps, %s differs:\nreport  %s\nanalyze "
				       "%s\n",
				       same[k], a ? a : "(none)",
				       c ? c : "(none)");
			free(a);
			free(c);
		}
	}
	free(rep);
}

static void test_report(void)
{
	char path[256];
	size_t len;
	struct run *r;

	/* The stored text, byte for byte. */
	snprintf(path, sizeof(path), "%s/sessions/%s/report.txt", state,
		 ID_DONE);
	char *txt = vg_test_slurp(path, &len);
	const char *a1[] = {"--state-dir", state, "report", ID_DONE, NULL};
	r = run_vagus(a1);
	CHECK(exited_with(r, 0));
	CHECK(txt && !strcmp(r->out, txt));
	free(txt);

	const char *a2[] = {"--state-dir", state,   "report",
			    "--json",	   ID_DONE, NULL};
	r = run_vagus(a2);
	CHECK(exited_with(r, 0));
	CHECK(!strcmp(r->out, report_json));

	/* "last" and no ID: the unfinished one, from its journal. */
	const char *a3[] = {"--state-dir", state, "report", NULL};
	r = run_vagus(a3);
	CHECK(exited_with(r, 0));
	CHECK(strstr(r->out, "vagus session " ID_OPEN "\n") != NULL);
	CHECK(strstr(r->out, "Ended        not in the journal") != NULL);
	CHECK(strstr(r->err, "no report yet") != NULL);
	const char *a4[] = {"--state-dir", state,  "report",
			    "--json",	   "last", NULL};
	r = run_vagus(a4);
	CHECK(exited_with(r, 0));
	static struct flat f;
	CHECK(flatten(r->out, "", &f));
	CHECK(flat_get(&f, "id") && !strcmp(flat_get(&f, "id"), ID_OPEN));
	CHECK(flat_get(&f, "tag") && !strcmp(flat_get(&f, "tag"), "control"));
	CHECK(flat_get(&f, "ended") && !strcmp(flat_get(&f, "ended"), "0"));
	CHECK(flat_get(&f, "quality.journal.torn_bytes") &&
	      !strcmp(flat_get(&f, "quality.journal.torn_bytes"), "5"));
	/* Every beat of every whole notification record is there. */
	size_t want = 0;
	struct jbuf b;
	make_session_id(&b, rr, nrr / 2, ID_OPEN, "control");
	for (size_t k = 0; k + 2 < b.nrec; k++)
		want += b.beats[k];
	jb_free(&b);
	char beats[32];
	snprintf(beats, sizeof(beats), "%zu", want);
	CHECK(flat_get(&f, "beats") && !strcmp(flat_get(&f, "beats"), beats));

	/* Unknown, malformed, missing. */
	const char *a5[] = {"--state-dir", state, "report", "20991231-000000",
			    NULL};
	r = run_vagus(a5);
	CHECK(exited_with(r, 1));
	CHECK(strstr(r->err, "no session 20991231-000000") != NULL);
	const char *a6[] = {"--state-dir", state, "report", "../state", NULL};
	r = run_vagus(a6);
	CHECK(exited_with(r, 2));
	CHECK(strstr(r->err, "not a session ID") != NULL);
	const char *a7[] = {"--state-dir", "/nonexistent/vagus", "report",
			    NULL};
	r = run_vagus(a7);
	CHECK(exited_with(r, 1));
	CHECK(strstr(r->err, "no sessions yet") != NULL);
	const char *a8[] = {"--state-dir", state, "report", "a", "b", NULL};
	r = run_vagus(a8);
	CHECK(exited_with(r, 2));
}

static void test_list(void)
{
	struct run *r;

	const char *a1[] = {"--state-dir", state, "list", NULL};
	r = run_vagus(a1);
	CHECK(exited_with(r, 0));
	const char *done = strstr(r->out, ID_DONE " ");
	const char *open_ = strstr(r->out, ID_OPEN " ");
	CHECK(done && open_ && done < open_);
	CHECK(strstr(r->out, "mat") && strstr(r->out, "control"));
	CHECK(strstr(r->out, "ended") != NULL);
	CHECK(strstr(r->out, "running/unfinished") != NULL);
	/* The verdict, from report.json or (unfinished) the journal. */
	CHECK(strstr(r->out, "VERDICT") && done &&
	      strstr(done, "no_clear_change    ended\n"));
	CHECK(open_ && strstr(open_, "no_clear_change    running/unfinished"));
	const char *rec = strstr(r->out, ID_RECOVERED " ");
	CHECK(rec && done && rec < done);
	CHECK(rec && strstr(rec, "recovered\n") ==
			 strchr(rec, '\n') - strlen("recovered"));

	const char *a2[] = {"--state-dir", state, "list", "--json", NULL};
	r = run_vagus(a2);
	CHECK(exited_with(r, 0));
	CHECK(r->out[0] == '[');
	CHECK(strstr(r->out, "\"id\": \"" ID_OPEN "\"") != NULL);
	CHECK(strstr(r->out, "\"verdict\": \"no_clear_change\"") != NULL);

	const char *a3[] = {"--state-dir", "/nonexistent/vagus", "list", NULL};
	r = run_vagus(a3);
	CHECK(exited_with(r, 1));
	const char *a4[] = {"--state-dir", state, "list", "x", NULL};
	r = run_vagus(a4);
	CHECK(exited_with(r, 2));
}

static void rm_rf(const char *path)
{
	char cmd[512];

	/* Our own mkdtemp folder only. */
	if (strncmp(path, "/tmp/vagus-clirep-", 18))
		return;
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
	rr = load_rr("rhenanbartels-hrv/rest_rri.rr.txt", &nrr);
	if (!rr)
		return vg_test_done();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vagus-clirep-XXXXXX");
	if (!CHECK(mkdtemp(tmpdir)))
		return vg_test_done();
	if (make_state()) {
		test_windows_equal_analyze();
		test_whole_equals_analyze();
		test_session_equals_analyze();
		test_gaps_equal_analyze();
		test_report();
		test_list();
	}
	if (!getenv("VAGUS_KEEP"))
		rm_rf(tmpdir);
	else
		printf("kept %s\n", tmpdir);
	free(rr);
	return vg_test_done();
}
