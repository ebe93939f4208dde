/* SPDX-License-Identifier: MIT */
/*
 * `vagus analyze` end to end: the program is run as a user would run it
 * (fork and exec of $VAGUS_BUILD/vagus, default build/vagus, so the
 * sanitizer run tests its own binary), and its output is checked:
 *
 *  - on the Kubios sample, `--json --no-correct --detrend none` against
 *    the report Kubios HRV 3.1 wrote for the same RR file
 *    (kubios-pgomes/SampleReport.txt): 0.1 % for mean RR, SDNN, mean HR
 *    and RMSSD, 0.5 % for SD1 and SD2, 5 % for LF, HF and LF/HF;
 *  - the JSON is one valid object with every required key, a number or
 *    null;
 *  - bad input and bad command lines: the documented exit status, one
 *    line on stderr naming the file (and line), and never a death by a
 *    signal.
 *
 * Scratch files live in a mkdtemp folder removed at exit.
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
#include <time.h>
#include <unistd.h>

#include "test.h"

static char vagus_bin[4096];
static char tmpdir[64];

/* What a run of the program left. */
struct run {
	int status; /* waitpid status; -1 if it could not run */
	char out[65536];
	char err[8192];
};

/*
 * Runs vagus with @args (NULL-terminated, without argv[0]) and standard
 * input from @in (or /dev/null). Kills it after 60 s.
 */
static void run_vagus(struct run *r, const char *const *args, const char *in)
{
	char *argv[32];
	int n = 0;

	argv[n++] = vagus_bin;
	while (*args && n < 31)
		argv[n++] = (char *)*args++;
	argv[n] = NULL;
	r->status = vg_test_run(argv, in, NULL, tmpdir, 60, r->out,
				sizeof(r->out), r->err, sizeof(r->err));
}

/* Exited by itself (no signal) with @code. */
static bool exited_with(const struct run *r, int code)
{
	return vg_test_exited(r->status, code, r->err);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* ---- a small JSON reader: paths like "time.mean_rr_ms" ------------- */

enum jkind { J_NUM, J_NULL, J_OTHER };

struct jentry {
	char path[96];
	enum jkind kind;
	double num;
};

struct jdoc {
	const char *p;
	struct jentry e[128];
	size_t n;
	bool ok;
};

static void jws(struct jdoc *d)
{
	while (*d->p == ' ' || *d->p == '\n' || *d->p == '\r' || *d->p == '\t')
		d->p++;
}

/* A string: copied (escapes kept as-is; we only compare plain keys). */
static bool jstring(struct jdoc *d, char *dst, size_t cap)
{
	size_t n = 0;

	if (*d->p != '"')
		return false;
	d->p++;
	while (*d->p && *d->p != '"') {
		if ((unsigned char)*d->p < 0x20)
			return false;
		if (*d->p == '\\') {
			if (!d->p[1])
				return false;
			if (n + 1 < cap)
				dst[n++] = *d->p;
			d->p++;
		}
		if (n + 1 < cap)
			dst[n++] = *d->p;
		d->p++;
	}
	if (*d->p != '"')
		return false;
	d->p++;
	if (cap)
		dst[n] = '\0';
	return true;
}

static void jadd(struct jdoc *d, const char *path, enum jkind k, double v)
{
	if (d->n < sizeof(d->e) / sizeof(d->e[0])) {
		snprintf(d->e[d->n].path, sizeof(d->e[d->n].path), "%s", path);
		d->e[d->n].kind = k;
		d->e[d->n].num = v;
		d->n++;
	}
}

static bool jvalue(struct jdoc *d, const char *path, int depth)
{
	char key[64], sub[160];

	if (depth > 16)
		return false;
	jws(d);
	if (*d->p == '{' || *d->p == '[') {
		bool obj = *d->p == '{';
		char close = obj ? '}' : ']';
		d->p++;
		jws(d);
		if (*d->p == close) {
			d->p++;
			jadd(d, path, J_OTHER, 0);
			return true;
		}
		for (int i = 0;; i++) {
			if (obj) {
				jws(d);
				if (!jstring(d, key, sizeof(key)))
					return false;
				jws(d);
				if (*d->p++ != ':')
					return false;
				snprintf(sub, sizeof(sub), "%s%s%s", path,
					 *path ? "." : "", key);
			} else {
				snprintf(sub, sizeof(sub), "%s[%d]", path, i);
			}
			if (!jvalue(d, sub, depth + 1))
				return false;
			jws(d);
			if (*d->p == ',') {
				d->p++;
				continue;
			}
			if (*d->p++ != close)
				return false;
			jadd(d, path, J_OTHER, 0);
			return true;
		}
	}
	if (*d->p == '"') {
		char tmp[512];
		if (!jstring(d, tmp, sizeof(tmp)))
			return false;
		jadd(d, path, J_OTHER, 0);
		return true;
	}
	if (!strncmp(d->p, "null", 4)) {
		d->p += 4;
		jadd(d, path, J_NULL, 0);
		return true;
	}
	if (!strncmp(d->p, "true", 4) || !strncmp(d->p, "false", 5)) {
		d->p += *d->p == 't' ? 4 : 5;
		jadd(d, path, J_OTHER, 0);
		return true;
	}
	/* RFC 8259 number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
	const char *s = d->p;
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return false;
	if (*s == '.') {
		if (!(*++s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	jadd(d, path, J_NUM, strtod(d->p, NULL));
	d->p = s;
	return true;
}

/* Parses @text as exactly one JSON object (and whitespace). */
static bool jparse(struct jdoc *d, const char *text)
{
	d->p = text;
	d->n = 0;
	jws(d);
	d->ok = *d->p == '{' && jvalue(d, "", 0);
	if (d->ok) {
		jws(d);
		d->ok = *d->p == '\0';
	}
	return d->ok;
}

static const struct jentry *jget(const struct jdoc *d, const char *path)
{
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->e[i].path, path))
			return &d->e[i];
	return NULL;
}

/* The number at @path, NAN when absent, null or not a number. */
static double jnum(const struct jdoc *d, const char *path)
{
	const struct jentry *e = jget(d, path);

	return e && e->kind == J_NUM ? e->num : NAN;
}

static const char *const required[] = {
    "beats",
    "duration_s",
    "artifacts.detected",
    "artifacts.corrected_pct",
    "artifacts.ectopic",
    "artifacts.missed",
    "artifacts.extra",
    "artifacts.longshort",
    "time.mean_rr_ms",
    "time.mean_hr_bpm",
    "time.sdnn_ms",
    "time.rmssd_ms",
    "time.ln_rmssd",
    "time.pnn50_pct",
    "poincare.sd1_ms",
    "poincare.sd2_ms",
    "freq.vlf_ms2",
    "freq.lf_ms2",
    "freq.hf_ms2",
    "freq.lf_hf",
    "freq.hf_peak_hz",
    "freq.resp_rate_bpm",
    "dfa.alpha1",
};

static void check_keys(const struct jdoc *d)
{
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		const struct jentry *e = jget(d, required[i]);
		if (!CHECK(e && (e->kind == J_NUM || e->kind == J_NULL)))
			fprintf(stderr, "    key %s missing or not a number\n",
				required[i]);
	}
}

/* ---- the tests ----------------------------------------------------- */

static void test_kubios(void)
{
	const char *file = vg_test_data("kubios-pgomes/SampleExport.rr.txt");
	const char *args[] = {"analyze",   "--json", "--no-correct",
			      "--detrend", "none",   file,
			      NULL};
	static struct run r;
	static struct jdoc d;

	run_vagus(&r, args, NULL);
	if (!CHECK(exited_with(&r, 0)))
		fprintf(stderr, "    stderr: %s\n", r.err);
	CHECK_EQ(strlen(r.err), 0);
	if (!CHECK(jparse(&d, r.out))) {
		fprintf(stderr, "    not one JSON object:\n%s\n", r.out);
		return;
	}
	check_keys(&d);
	CHECK_NEAR(jnum(&d, "beats"), 423, 0);
	/* Kubios HRV Standard 3.1.0.1, SampleReport.txt. */
	CHECK_REL(jnum(&d, "time.mean_rr_ms"), 707.5437, 0.001);
	CHECK_REL(jnum(&d, "time.sdnn_ms"), 92.7945, 0.001);
	CHECK_REL(jnum(&d, "time.mean_hr_bpm"), 84.8004, 0.001);
	CHECK_REL(jnum(&d, "time.rmssd_ms"), 56.8586, 0.001);
	CHECK_REL(jnum(&d, "poincare.sd1_ms"), 40.253428, 0.005);
	CHECK_REL(jnum(&d, "poincare.sd2_ms"), 124.983623, 0.005);
	CHECK_REL(jnum(&d, "freq.lf_ms2"), 5673.0207, 0.05);
	CHECK_REL(jnum(&d, "freq.hf_ms2"), 1873.5143, 0.05);
	CHECK_REL(jnum(&d, "freq.lf_hf"), 3.0280, 0.05);
	/* --no-correct: nothing examined, so the counts are null. */
	for (size_t i = 2; i < 8; i++) {
		const struct jentry *e = jget(&d, required[i]);
		CHECK(e && e->kind == J_NULL);
	}
	const struct jentry *w = jget(&d, "quality.warning");
	CHECK(w && w->kind == J_NULL);
}

static void test_default_runs(void)
{
	const char *file = vg_test_data("kubios-pgomes/SampleExport.rr.txt");
	static struct run r;
	static struct jdoc d;

	/* Default: correction on, summary text. */
	const char *text[] = {"analyze", file, NULL};
	run_vagus(&r, text, NULL);
	CHECK(exited_with(&r, 0));
	CHECK_EQ(strlen(r.err), 0);
	CHECK(strstr(r.out, "RMSSD") && strstr(r.out, "ms"));
	CHECK(strstr(r.out, "Artifacts") != NULL);
	CHECK(strstr(r.out, "n/a") == NULL);

	/* Correction on in JSON: the counts are numbers. */
	const char *json[] = {"analyze", "--detrend=linear", "--json", file,
			      NULL};
	run_vagus(&r, json, NULL);
	CHECK(exited_with(&r, 0));
	if (CHECK(jparse(&d, r.out))) {
		check_keys(&d);
		for (size_t i = 2; i < 8; i++)
			CHECK(isfinite(jnum(&d, required[i])));
	}

	/* Standard input, and options after the file. */
	const char *in[] = {"analyze", "-", "--json", NULL};
	run_vagus(&r, in, file);
	CHECK(exited_with(&r, 0));
	CHECK(jparse(&d, r.out) && jnum(&d, "beats") > 400);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!CHECK(f != NULL))
		return;
	fwrite(data, 1, len, f);
	fclose(f);
}

static void test_short(void)
{
	char path[128];
	static struct run r;
	static struct jdoc d;

	snprintf(path, sizeof(path), "%s/short.txt", tmpdir);
	write_file(path, "800\n810\n790\n", 12);
	const char *text[] = {"analyze", path, NULL};
	run_vagus(&r, text, NULL);
	CHECK(exited_with(&r, 0));
	CHECK(strstr(r.out, "n/a (too short)") != NULL);
	const char *json[] = {"analyze", "--json", path, NULL};
	run_vagus(&r, json, NULL);
	CHECK(exited_with(&r, 0));
	if (CHECK(jparse(&d, r.out))) {
		check_keys(&d);
		const struct jentry *e = jget(&d, "freq.lf_ms2");
		CHECK(e && e->kind == J_NULL);
		CHECK_NEAR(jnum(&d, "time.mean_rr_ms"), 800, 1e-9);
	}
}

/*
 * A bad file: exit 1 by itself, nothing on stdout, one line on stderr
 * that starts "vagus: PATH" and contains @want (e.g. ":2: negative").
 */
static void bad_file(const char *path, const char *want, int line)
{
	static struct run r;
	const char *args[] = {"analyze", "--json", path, NULL};
	char prefix[256];

	run_vagus(&r, args, NULL);
	snprintf(prefix, sizeof(prefix), "vagus: %s", path);
	bool ok = exited_with(&r, 1) && r.out[0] == '\0' &&
		  count_lines(r.err) == 1 &&
		  !strncmp(r.err, prefix, strlen(prefix)) &&
		  strstr(r.err, want) != NULL;
	if (!vg_test_check(ok, "bad file: exit 1, one line naming it", __FILE__,
			   line))
		fprintf(stderr, "    %s: status %#x, stderr '%s', want '%s'\n",
			path, r.status, r.err, want);
	if (r.status != -1 && WIFSIGNALED(r.status))
		vg_test_check(false, "vagus died by a signal", __FILE__, line);
}

static void test_bad_files(void)
{
	static const struct {
		const char *name;
		const char *data;
		size_t len;
		const char *want;
	} cases[] = {
	    {"empty.txt", "", 0, ":1: empty file"},
	    {"junk.bin",
	     "\x7f"
	     "ELF\x02\x01\x01\0\0\0",
	     10, ":1: binary"},
	    {"negative.txt", "800\n-12\n810\n", 12, ":2: negative interval"},
	    {"words.txt", "# a note\nhello world\n", 21, ":2: "},
	    {"absurd.txt", "800\n810\n1878949389\n", 19, ":3: absurd"},
	    {"comments.txt", "# nothing\n\n", 11, ":1: no RR intervals"},
	    {"crlf.txt", "800\r\n810\r\nabc\r\n", 15, ":3: not a number"},
	};
	char path[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, cases[i].name);
		write_file(path, cases[i].data, cases[i].len);
		bad_file(path, cases[i].want, __LINE__);
	}
	/* The real binary files of the shared data. */
	bad_file(vg_test_data("wfdb-python/100.atr"), ":1: binary", __LINE__);
	bad_file(vg_test_data("pyhrv/SampleNNISeriesShort.npy"), ":1: binary",
		 __LINE__);

	snprintf(path, sizeof(path), "%s/missing.txt", tmpdir);
	bad_file(path, ": No such file or directory", __LINE__);
	bad_file(tmpdir, ": Is a directory", __LINE__);

	/* Beyond 256 MiB: refused before reading (a sparse file). */
	snprintf(path, sizeof(path), "%s/huge.txt", tmpdir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (CHECK(fd >= 0)) {
		CHECK_EQ(ftruncate(fd, ((off_t)256 << 20) + 1), 0);
		close(fd);
		bad_file(path, "too large", __LINE__);
		unlink(path);
	}

	/* Unreadable: only meaningful when not root. */
	if (geteuid() != 0) {
		snprintf(path, sizeof(path), "%s/secret.txt", tmpdir);
		write_file(path, "800\n", 4);
		chmod(path, 0);
		bad_file(path, ": Permission denied", __LINE__);
	}
}

/* A usage error: exit 2, a message on stderr, no crash. */
static void usage_error(const char *const *args, const char *want, int line)
{
	static struct run r;

	run_vagus(&r, args, NULL);
	bool ok = exited_with(&r, 2) && r.out[0] == '\0' &&
		  !strncmp(r.err, "vagus: ", 7) && strstr(r.err, want);
	if (!vg_test_check(ok, "usage error: exit 2", __FILE__, line))
		fprintf(stderr, "    status %#x, stderr '%s', want '%s'\n",
			r.status, r.err, want);
}

static void test_usage(void)
{
	const char *file = vg_test_data("kubios-pgomes/SampleExport.rr.txt");
	static struct run r;

	const char *none[] = {NULL};
	run_vagus(&r, none, NULL);
	CHECK(exited_with(&r, 2));
	CHECK(strstr(r.err, "Usage:") != NULL);

	const char *a1[] = {"frobnicate", NULL};
	usage_error(a1, "unknown command 'frobnicate'", __LINE__);
	const char *a2[] = {"--frobnicate", NULL};
	usage_error(a2, "unknown option", __LINE__);
	const char *a3[] = {"analyze", NULL};
	usage_error(a3, "missing FILE", __LINE__);
	const char *a4[] = {"analyze", file, file, NULL};
	usage_error(a4, "one FILE only", __LINE__);
	const char *a5[] = {"analyze", "--detrend", "wavelet", file, NULL};
	usage_error(a5, "unknown detrending 'wavelet'", __LINE__);
	const char *a6[] = {"analyze", file, "--detrend", NULL};
	usage_error(a6, "--detrend needs", __LINE__);
	const char *a7[] = {"analyze", "--jsn", file, NULL};
	usage_error(a7, "unknown option '--jsn'", __LINE__);

	const char *h1[] = {"--help", NULL};
	run_vagus(&r, h1, NULL);
	CHECK(exited_with(&r, 0));
	CHECK(strstr(r.out, "analyze") && strstr(r.out, "Exit status"));
	const char *h2[] = {"analyze", "--help", NULL};
	run_vagus(&r, h2, NULL);
	CHECK(exited_with(&r, 0));
	CHECK(strstr(r.out, "--no-correct") && strstr(r.out, "--detrend"));
	const char *h3[] = {"help", "analyze", NULL};
	run_vagus(&r, h3, NULL);
	CHECK(exited_with(&r, 0));
	CHECK(strstr(r.out, "--no-correct") != NULL);
	const char *v[] = {"--version", NULL};
	run_vagus(&r, v, NULL);
	CHECK(exited_with(&r, 0));
	CHECK(!strncmp(r.out, "vagus ", 6));

	/* A file named like an option, after "--". */
	const char *dd[] = {"analyze", "--json", "--", "--nofile", NULL};
	run_vagus(&r, dd, NULL);
	CHECK(exited_with(&r, 1));
	CHECK(strstr(r.err, "vagus: --nofile: No such file") != NULL);
}

/* --html OUT: the report page, 0600; "-" puts only the page on stdout. */
static void test_html(void)
{
	const char *file = vg_test_data("rhenanbartels-hrv/rest_rri.rr.txt");
	static struct run r;
	char page[128], page2[128], bad[160];
	struct stat st;
	size_t len;

	snprintf(page, sizeof(page), "%s/page.html", tmpdir);
	snprintf(page2, sizeof(page2), "%s/page2.html", tmpdir);
	const char *a1[] = {"analyze", "--html", page, file, NULL};
	run_vagus(&r, a1, NULL);
	CHECK(exited_with(&r, 0));
	CHECK(strstr(r.out, "Time domain") != NULL);
	CHECK(stat(page, &st) == 0 && (st.st_mode & 0777) == 0600);
	char *html = vg_test_slurp(page, &len);
	if (html) {
		CHECK(!strncmp(html, "<!DOCTYPE html>", 15));
		CHECK(strstr(html, "<h1>Recording</h1>") != NULL);
		CHECK(strstr(html, "<section id=\"spectrum\"") != NULL);
		CHECK(!strcmp(html + len - 8, "</html>\n"));
	}

	/* "-": the same page on stdout, and nothing else. */
	const char *a2[] = {"analyze", "--html", "-", file, NULL};
	run_vagus(&r, a2, NULL);
	CHECK(exited_with(&r, 0));
	CHECK(html && !strcmp(r.out, html));
	free(html);

	char opt[160];
	snprintf(opt, sizeof(opt), "--html=%s", page2);
	const char *a4[] = {"analyze", "--json", opt, file, NULL};
	run_vagus(&r, a4, NULL);
	CHECK(exited_with(&r, 0));
	CHECK(r.out[0] == '{');
	CHECK(stat(page2, &st) == 0 && st.st_size > 10000);

	const char *u1[] = {"analyze", "--html", page, "--window",
			    "60:120",  file,	 NULL};
	usage_error(u1, "drop --window", __LINE__);
	const char *u2[] = {"analyze", file, "--html", NULL};
	usage_error(u2, "--html needs a file name", __LINE__);
	const char *u3[] = {"analyze", "--html=", file, NULL};
	usage_error(u3, "--html needs a file name", __LINE__);

	/* A page that cannot be written: exit 1 and why. */
	snprintf(bad, sizeof(bad), "%s/no-such-dir/x.html", tmpdir);
	const char *b1[] = {"analyze", "--html", bad, file, NULL};
	run_vagus(&r, b1, NULL);
	CHECK(exited_with(&r, 1));
	CHECK(strstr(r.err, "No such file") != NULL);
}

static void cleanup(void)
{
	char path[160];
	static const char *const names[] = {
	    "stdout",	    "stderr",	    "short.txt", "empty.txt",
	    "junk.bin",	    "negative.txt", "words.txt", "absurd.txt",
	    "comments.txt", "crlf.txt",	    "huge.txt",	 "secret.txt",
	    "page.html",    "page2.html"};

	if (!tmpdir[0])
		return;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	rmdir(tmpdir);
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
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vagus-cli-XXXXXX");
	if (!CHECK(mkdtemp(tmpdir))) {
		tmpdir[0] = '\0';
		return vg_test_done();
	}
	atexit(cleanup);

	test_kubios();
	test_default_runs();
	test_short();
	test_bad_files();
	test_usage();
	test_html();
	return vg_test_done();
}
