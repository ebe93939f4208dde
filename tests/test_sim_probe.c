/* SPDX-License-Identifier: MIT */
/*
 * End to end without a strap: vagus-sim replays every real recording at
 * speed 1000 and `vagus probe --json` must deliver every RR value exactly,
 * in order, in 1/1024 s units (nearest integer of ms x 1024 / 1000, halves
 * up). Then each injected fault: a clear message from vagus probe on
 * stderr, and no crash of either program (death by a signal fails).
 *
 * The programs are taken from $VAGUS_BUILD (default "build"), so the
 * sanitizer run tests its own binaries. Sockets live in a mkdtemp folder;
 * every child is killed at the end, whatever happens.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "vagus/hrs.h"

#define MAX_FILES 128

static char tmpdir[64];
static char sim_bin[512], vagus_bin[512];
static unsigned serial;

static void cleanup(void)
{
	char cmd[128];

	vg_test_kill_children();
	if (tmpdir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
}

/* A fresh path in the test folder: "<tmp>/<serial>.<suffix>". */
static const char *tmp_path(char *buf, size_t cap, unsigned id,
			    const char *suffix)
{
	snprintf(buf, cap, "%s/%u.%s", tmpdir, id, suffix);
	return buf;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return strdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		n = 0;
	if (buf)
		buf[n] = '\0';
	fclose(f);
	return buf ? buf : strdup("");
}

static bool file_has(const char *path, const char *needle)
{
	char *s = slurp(path);
	bool yes = strstr(s, needle) != NULL;

	free(s);
	return yes;
}

/* A simulated strap and where its logs go. */
struct sim {
	pid_t pid;
	unsigned id;
	char sock[100], spec[110], out[128], err[128];
};

/*
 * Starts vagus-sim --listen on a fresh socket with @args (NULL-ended)
 * and waits until it listens (it says so on stderr after listen()).
 */
static bool start_sim(struct sim *s, const char *const *args)
{
	char *argv[64];
	size_t n = 0;

	memset(s, 0, sizeof(*s));
	s->id = ++serial;
	tmp_path(s->sock, sizeof(s->sock), s->id, "sock");
	snprintf(s->spec, sizeof(s->spec), "unix:%s", s->sock);
	tmp_path(s->out, sizeof(s->out), s->id, "sim.out");
	tmp_path(s->err, sizeof(s->err), s->id, "sim.err");
	argv[n++] = sim_bin;
	argv[n++] = (char *)"--listen";
	argv[n++] = s->spec;
	for (size_t i = 0; args[i] && n < 62; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	s->pid = vg_test_spawn(argv, s->out, s->err);
	if (s->pid < 0)
		return false;
	double end = vg_test_now_s() + 20;
	while (vg_test_now_s() < end) {
		if (file_has(s->err, "listening on"))
			return true;
		if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
			vg_test_forget(s->pid);
			s->pid = 0;
			break;
		}
		usleep(2000);
	}
	fprintf(stderr, "vagus-sim did not start; its stderr:\n");
	char *e = slurp(s->err);
	fprintf(stderr, "%s\n", e);
	free(e);
	return CHECK(!"vagus-sim listens");
}

/*
 * Ends a simulator (SIGTERM, or it has already exited) and checks that it
 * exited normally: a death by signal is a crash.
 */
static void end_sim(struct sim *s, const char *what)
{
	int status;

	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	status = vg_test_wait(s->pid, 20);
	s->pid = 0;
	if (!CHECK(status != -1 && WIFEXITED(status) &&
		   WEXITSTATUS(status) == 0)) {
		fprintf(stderr, "%s: vagus-sim ended with status 0x%x:\n", what,
			status);
		char *e = slurp(s->err);
		fprintf(stderr, "%s\n", e);
		free(e);
	}
}

struct probe {
	pid_t pid;
	char out[128], err[128];
	int status;
};

static pid_t start_probe(struct probe *p, const char *const *args)
{
	char *argv[32];
	size_t n = 0;
	unsigned id = ++serial;

	memset(p, 0, sizeof(*p));
	tmp_path(p->out, sizeof(p->out), id, "probe.out");
	tmp_path(p->err, sizeof(p->err), id, "probe.err");
	argv[n++] = vagus_bin;
	argv[n++] = (char *)"probe";
	for (size_t i = 0; args[i] && n < 31; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	p->pid = vg_test_spawn(argv, p->out, p->err);
	return p->pid;
}

/* Waits for a probe; returns its exit code, or -1 for a signal/timeout. */
static int finish_probe(struct probe *p, double timeout_s, const char *what)
{
	p->status = vg_test_wait(p->pid, timeout_s);
	if (p->status == -1 || !WIFEXITED(p->status)) {
		CHECK(!"vagus probe exits normally");
		fprintf(stderr, "%s: vagus probe ended with status 0x%x%s\n",
			what, p->status,
			p->status == -1 ? " (timed out, killed)" : "");
		char *e = slurp(p->err);
		fprintf(stderr, "  stderr: %.2000s\n", e);
		free(e);
		return -1;
	}
	return WEXITSTATUS(p->status);
}

static int run_probe(struct probe *p, const char *const *args, double timeout_s,
		     const char *what)
{
	if (start_probe(p, args) < 0)
		return -1;
	return finish_probe(p, timeout_s, what);
}

/* Checks that the probe's stderr holds @needle; shows it when not. */
static void expect_err(const struct probe *p, const char *needle,
		       const char *what)
{
	if (!CHECK(file_has(p->err, needle))) {
		char *e = slurp(p->err);
		fprintf(stderr, "%s: want \"%s\" on stderr, got:\n%s\n", what,
			needle, e);
		free(e);
	}
}

/* RR lists of the probe's JSON lines, concatenated. */
struct rrs {
	uint32_t *v;
	size_t n, cap;
	size_t lines;
};

static void rrs_push(struct rrs *r, uint32_t v)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 4096;
		r->v = realloc(r->v, r->cap * sizeof(*r->v));
		if (!r->v)
			abort();
	}
	r->v[r->n++] = v;
}

/*
 * Reads "rr":[a,b,...] from each line of @path. A line without an "rr"
 * key, or with anything but unsigned integers in the list, is a failure.
 */
static bool parse_json_rr(const char *path, struct rrs *r)
{
	char *s = slurp(path), *line, *save = NULL;
	bool ok = true;

	memset(r, 0, sizeof(*r));
	for (line = strtok_r(s, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *p = strstr(line, "\"rr\":");
		r->lines++;
		if (!p) {
			ok = false;
			continue;
		}
		p += 5;
		while (*p == ' ')
			p++;
		if (*p++ != '[') {
			ok = false;
			continue;
		}
		for (;;) {
			while (*p == ' ')
				p++;
			if (*p == ']')
				break;
			char *end;
			unsigned long v = strtoul(p, &end, 10);
			if (end == p || v > 65535) {
				ok = false;
				break;
			}
			rrs_push(r, (uint32_t)v);
			p = end;
			while (*p == ' ')
				p++;
			if (*p == ',')
				p++;
		}
	}
	free(s);
	return ok;
}

/*
 * The expected values, read independently of the simulator's reader:
 * each *.rr.txt holds one interval in ms per line (data/real/SOURCES.md).
 * A 0 is not an interval but a "no value" placeholder (hrv's sample data
 * ends in one; include/vagus/rrfile.h drops them), so it is not expected.
 */
static bool expected_rr(const char *path, struct rrs *r)
{
	char *s = slurp(path), *line, *save = NULL;
	bool ok = true;

	memset(r, 0, sizeof(*r));
	for (line = strtok_r(s, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *end;
		double ms = strtod(line, &end);
		if (end == line || ms == 0)
			continue; /* blank, a header, or a placeholder */
		int32_t v = vg_ms_to_rr1024(ms);
		if (v < 0) {
			ok = false;
			continue;
		}
		rrs_push(r, (uint32_t)v);
	}
	free(s);
	return ok;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.rr.txt under @dir, recursively. */
static void find_rr_files(const char *dir, char **files, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[1024];
		struct stat sb;
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &sb) < 0)
			continue;
		if (S_ISDIR(sb.st_mode))
			find_rr_files(path, files, n);
		else if (len > 7 &&
			 strcmp(e->d_name + len - 7, ".rr.txt") == 0 &&
			 *n < MAX_FILES)
			files[(*n)++] = strdup(path);
	}
	closedir(d);
}

/* All recordings at once: the 24 h ones take ~86 s at speed 1000. */
struct replay {
	char *file;
	struct sim sim;
	struct probe probe;
};

static struct replay replays[MAX_FILES];
static size_t nreplays;

static void start_replays(void)
{
	char *files[MAX_FILES];
	size_t n = 0;

	find_rr_files(vg_test_data(""), files, &n);
	qsort(files, n, sizeof(files[0]), cmp_str);
	printf("replaying %zu recordings at speed 1000\n", n);
	CHECK(n >= 20);
	for (size_t i = 0; i < n; i++) {
		struct replay *r = &replays[nreplays++];
		const char *sargs[] = {"--rr", files[i], "--speed", "1000",
				       NULL};
		r->file = files[i];
		if (!start_sim(&r->sim, sargs))
			continue;
		const char *pargs[] = {"--json", r->sim.spec, NULL};
		start_probe(&r->probe, pargs);
	}
}

static void check_replays(void)
{
	size_t total = 0, files_ok = 0;

	for (size_t i = 0; i < nreplays; i++) {
		struct replay *r = &replays[i];
		struct rrs got, want;
		if (r->probe.pid <= 0)
			continue;
		int code = finish_probe(&r->probe, 400, r->file);
		/* The strap closes the link at the end of the recording. */
		CHECK_EQ(code, 1);
		expect_err(&r->probe, "strap closed the link after", r->file);
		end_sim(&r->sim, r->file);
		CHECK(parse_json_rr(r->probe.out, &got));
		CHECK(expected_rr(r->file, &want));
		bool same = got.n == want.n;
		size_t first = 0;
		for (; first < got.n && first < want.n; first++)
			if (got.v[first] != want.v[first]) {
				same = false;
				break;
			}
		if (CHECK(same)) {
			files_ok++;
			total += want.n;
		} else {
			fprintf(stderr,
				"%s: got %zu RR values, want %zu; first "
				"difference at %zu\n",
				r->file, got.n, want.n, first);
		}
		free(got.v);
		free(want.v);
		free(r->file);
	}
	printf("%zu of %zu recordings delivered exactly: %zu RR values\n",
	       files_ok, nreplays, total);
}

/* A short recording for the fault tests: 10 minutes of a Polar H10. */
static const char *short_rec(void)
{
	static char path[1024];

	snprintf(path, sizeof(path), "%s",
		 vg_test_data("rhenanbartels-hrv/rest_rri.rr.txt"));
	return path;
}

static void test_text_output(void)
{
	struct sim s;
	struct probe p;
	const char *sargs[] = {"--rr", short_rec(), "--speed",
			       "100",  "--energy",  NULL};

	if (!start_sim(&s, sargs))
		return;
	const char *pargs[] = {"--count", "5", s.spec, NULL};
	CHECK_EQ(run_probe(&p, pargs, 60, "text"), 0);
	char *out = slurp(p.out);
	const char *want[] = {"Heart Rate",	 "0x180D", "0x2A37",
			      "0x180F",		 "0x180A", "VG-SIM-1",
			      "Vagus Simulated", "1.4.2",  "87 %",
			      "chest",		 "kJ",	   "bpm"};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!CHECK(strstr(out, want[i])))
			fprintf(stderr, "text output lacks \"%s\":\n%s\n",
				want[i], out);
	free(out);
	end_sim(&s, "text");
}

static void test_no_socket(void)
{
	struct probe p;
	char path[160], spec[200];

	snprintf(spec, sizeof(spec), "unix:%s",
		 tmp_path(path, sizeof(path), ++serial, "nothing"));
	const char *pargs[] = {spec, NULL};
	CHECK_EQ(run_probe(&p, pargs, 30, "no socket"), 1);
	expect_err(&p, "no such socket", "no socket");
}

static void test_refused(void)
{
	struct sockaddr_un sun;
	struct probe p;
	char path[100], spec[110];
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	/* A socket file nobody listens on, as a killed simulator leaves. */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s",
		 tmp_path(path, sizeof(path), ++serial, "stale"));
	CHECK(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	close(fd);
	snprintf(spec, sizeof(spec), "unix:%s", path);
	const char *pargs[] = {spec, NULL};
	CHECK_EQ(run_probe(&p, pargs, 30, "refused"), 1);
	expect_err(&p, "connection refused", "refused");
}

static void test_bad_address(void)
{
	struct probe p;
	const char *pargs[] = {"bt:00:11:22:33:44", NULL};

	CHECK_EQ(run_probe(&p, pargs, 30, "bad address"), 2);
	expect_err(&p, "too short", "bad address");
}

/* --adapter: a name that is no adapter is a usage error; one that does not
 * exist is the transport's clear error (no Bluetooth here, or no hci77). */
static void test_adapter(void)
{
	struct probe p;
	const char *bad[] = {"--adapter", "usb0", "bt:00:11:22:33:44:55", NULL};
	const char *missing[] = {
	    "--adapter", "hci77", "--timeout", "2", "bt:00:11:22:33:44:55",
	    NULL};

	CHECK_EQ(run_probe(&p, bad, 30, "bad adapter"), 2);
	expect_err(&p, "want hciN", "bad adapter");
	CHECK_EQ(run_probe(&p, missing, 30, "missing adapter"), 1);
	CHECK(file_has(p.err, "no Bluetooth support") ||
	      file_has(p.err, "not the one asked for"));
}

static void test_busy(void)
{
	struct sim s;
	struct probe p, q;
	const char *busy[] = {"--rr", short_rec(), "--busy", NULL};

	if (start_sim(&s, busy)) {
		const char *pargs[] = {s.spec, NULL};
		CHECK_EQ(run_probe(&p, pargs, 30, "busy"), 1);
		expect_err(&p,
			   "the strap is busy: is a phone or another app "
			   "connected to it?",
			   "busy");
		CHECK(file_has(s.err, "busy"));
		end_sim(&s, "busy");
	}

	/* One central at a time: a second probe finds it busy. */
	const char *one[] = {"--rr", short_rec(), "--speed", "1", NULL};
	if (!start_sim(&s, one))
		return;
	const char *first[] = {"--json", s.spec, NULL};
	start_probe(&p, first);
	/* Wait until the first probe streams. */
	double end = vg_test_now_s() + 20;
	while (vg_test_now_s() < end && !file_has(p.out, "\"rr\""))
		usleep(10000);
	const char *second[] = {s.spec, NULL};
	CHECK_EQ(run_probe(&q, second, 30, "second client"), 1);
	expect_err(&q, "the strap is busy", "second client");
	/* Stopping the probe is not an error: it ends with its summary. */
	kill(p.pid, SIGTERM);
	CHECK_EQ(finish_probe(&p, 10, "first client"), 0);
	expect_err(&p, "stopped after", "first client");
	end_sim(&s, "second client");
}

static void test_drop(void)
{
	struct sim s;
	struct probe p, q;
	const char *sargs[] = {"--rr",	    short_rec(), "--speed", "100",
			       "--drop-at", "3",	 NULL};

	if (!start_sim(&s, sargs))
		return;
	const char *pargs[] = {"--json", s.spec, NULL};
	CHECK_EQ(run_probe(&p, pargs, 60, "drop"), 1);
	expect_err(&p, "strap closed the link after", "drop");
	/* Dropped after 3 of 1 s notifications, give or take one. */
	struct rrs got;
	parse_json_rr(p.out, &got);
	CHECK(got.lines >= 2 && got.lines <= 4);
	free(got.v);
	/* The strap is still there: a new connection streams on. */
	const char *again[] = {"--json", "--count", "3", s.spec, NULL};
	CHECK_EQ(run_probe(&q, again, 60, "reconnect"), 0);
	parse_json_rr(q.out, &got);
	CHECK_EQ(got.lines, 3);
	free(got.v);
	end_sim(&s, "drop");
}

/* Sum of RR values, in 1/1024 s units. */
static uint64_t rr_sum(const struct rrs *r)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < r->n; i++)
		sum += r->v[i];
	return sum;
}

static void test_artifacts(void)
{
	struct sim s;
	struct probe p;
	struct rrs got, want;
	const char *sargs[] = {
	    "--rr",   short_rec(), "--speed",	  "1000",
	    "--seed", "5",	   "--artifacts", "missed=0.03,extra=0.03",
	    NULL};

	if (!start_sim(&s, sargs))
		return;
	const char *pargs[] = {"--json", s.spec, NULL};
	CHECK_EQ(run_probe(&p, pargs, 120, "artifacts"), 1);
	expect_err(&p, "artifact", "artifacts");
	parse_json_rr(p.out, &got);
	expected_rr(short_rec(), &want);
	/*
	 * Merged and split beats keep the time: the sums agree within
	 * rounding (one unit per changed beat).
	 */
	CHECK(got.n != want.n);
	double diff = (double)rr_sum(&got) - (double)rr_sum(&want);
	CHECK(diff < 0.1 * (double)want.n && diff > -0.1 * (double)want.n);
	free(got.v);
	free(want.v);
	end_sim(&s, "artifacts");
}

/* Checks the probe delivered exactly the recording's RR values. */
static void check_exact(const struct probe *p, const char *file,
			const char *what)
{
	struct rrs got, want;

	parse_json_rr(p->out, &got);
	expected_rr(file, &want);
	bool same = got.n == want.n;
	for (size_t i = 0; same && i < got.n; i++)
		same = got.v[i] == want.v[i];
	if (!CHECK(same))
		fprintf(stderr, "%s: got %zu RR values, want %zu\n", what,
			got.n, want.n);
	free(got.v);
	free(want.v);
}

static void test_malformed(void)
{
	struct sim s;
	struct probe p;
	const char *sargs[] = {"--rr",	      short_rec(), "--speed", "1000",
			       "--malformed", "4",	   NULL};

	if (!start_sim(&s, sargs))
		return;
	const char *pargs[] = {"--json", s.spec, NULL};
	CHECK_EQ(run_probe(&p, pargs, 120, "malformed"), 1);
	expect_err(&p, "malformed measurement", "malformed");
	/* The bad ones are skipped; every good one gets through. */
	check_exact(&p, short_rec(), "malformed");
	end_sim(&s, "malformed");
}

static void test_flood(void)
{
	struct sim s;
	struct probe p;
	const char *sargs[] = {"--rr", short_rec(), "--flood", NULL};

	if (!start_sim(&s, sargs))
		return;
	const char *pargs[] = {"--json", s.spec, NULL};
	CHECK_EQ(run_probe(&p, pargs, 120, "flood"), 1);
	expect_err(&p, "flood", "flood");
	check_exact(&p, short_rec(), "flood");
	end_sim(&s, "flood");
}

static void test_mtu_lie(const char *mtu)
{
	struct sim s;
	struct probe p;
	char what[64];
	const char *sargs[] = {"--rr",	    short_rec(), "--speed", "100",
			       "--mtu-lie", mtu,	 NULL};

	snprintf(what, sizeof(what), "mtu-lie %s", mtu);
	if (!start_sim(&s, sargs))
		return;
	const char *pargs[] = {"--json", "--count", "3", s.spec, NULL};
	int code = run_probe(&p, pargs, 60, what);
	/*
	 * Either it copes (and says so) or it stops with the reason: 10 and
	 * 23 are honoured by the client, but the strap then sends PDUs
	 * longer than that.
	 */
	CHECK(code == 0 || code == 1);
	expect_err(&p, "MTU", what);
	end_sim(&s, what);
}

static void test_contact_lost(void)
{
	struct sim s;
	struct probe p;
	const char *sargs[] = {"--rr",		 short_rec(), "--speed", "100",
			       "--contact-lost", "3:6",	      NULL};

	if (!start_sim(&s, sargs))
		return;
	const char *pargs[] = {"--json", "--count", "10", s.spec, NULL};
	CHECK_EQ(run_probe(&p, pargs, 60, "contact"), 0);
	expect_err(&p, "no skin contact", "contact");
	expect_err(&p, "contact is back", "contact");
	CHECK(file_has(p.out, "\"contact\":false"));
	end_sim(&s, "contact");
}

/* HR (bpm) and RMSSD (ms) of RR values [from, to) in 1/1024 s. */
static void hr_rmssd(const struct rrs *r, size_t from, size_t to, double *hr,
		     double *rmssd)
{
	double sum = 0, ssd = 0;

	for (size_t i = from; i < to; i++) {
		double ms = r->v[i] * 1000.0 / 1024.0;
		sum += ms;
		if (i > from) {
			double d = ms - r->v[i - 1] * 1000.0 / 1024.0;
			ssd += d * d;
		}
	}
	*hr = 60000.0 / (sum / (double)(to - from));
	*rmssd = sqrt(ssd / (double)(to - from - 1));
}

/* Index of the first beat after @seconds of RR from @from. */
static size_t after_seconds(const struct rrs *r, size_t from, double seconds)
{
	double t = 0;

	while (from < r->n && t < seconds * 1024.0)
		t += r->v[from++];
	return from;
}

static void test_model(void)
{
	struct sim s;
	struct probe p;
	struct rrs got;
	double hr, rmssd, hr2, rmssd2;
	const char *steady[] = {"--model", "--hr",     "60",   "--rmssd",
				"40",	   "--breath", "6",    "--duration",
				"600",	   "--speed",  "1000", "--seed",
				"3",	   NULL};

	if (!start_sim(&s, steady))
		return;
	const char *pargs[] = {"--json", s.spec, NULL};
	/* The model ends after --duration and closes the link. */
	CHECK_EQ(run_probe(&p, pargs, 120, "model"), 1);
	expect_err(&p, "strap closed the link after", "model");
	end_sim(&s, "model");
	parse_json_rr(p.out, &got);
	CHECK(got.n > 500);
	if (got.n > 500) {
		double total = (double)rr_sum(&got) / 1024.0;
		hr_rmssd(&got, 0, got.n, &hr, &rmssd);
		printf("model: %zu beats in %.0f s, HR %.1f, RMSSD %.1f\n",
		       got.n, total, hr, rmssd);
		CHECK(total > 595 && total < 605);
		CHECK_NEAR(hr, 60, 2);
		CHECK_REL(rmssd, 40, 0.15);
	}
	free(got.v);

	/* Relaxation: HR falls and RMSSD rises from the first 5 minutes to
	 * the last. */
	const char *relax[] = {"--model", "--hr",    "70",	   "--rmssd",
			       "30",	  "--relax", "--duration", "1200",
			       "--speed", "1000",    NULL};
	if (!start_sim(&s, relax))
		return;
	const char *relax_args[] = {"--json", s.spec, NULL};
	CHECK_EQ(run_probe(&p, relax_args, 120, "relax"), 1);
	end_sim(&s, "relax");
	parse_json_rr(p.out, &got);
	size_t five = after_seconds(&got, 0, 300);
	size_t last = after_seconds(&got, 0, 900);
	if (CHECK(five > 100 && last < got.n - 100)) {
		hr_rmssd(&got, 0, five, &hr, &rmssd);
		hr_rmssd(&got, last, got.n, &hr2, &rmssd2);
		printf("relax: HR %.1f -> %.1f, RMSSD %.1f -> %.1f\n", hr, hr2,
		       rmssd, rmssd2);
		CHECK(hr2 < hr - 3);
		CHECK(rmssd2 > rmssd * 1.15);
	}
	free(got.v);
}

/*
 * The other measurement layouts: 16-bit HR, energy, contact not
 * supported; a strap without Battery and Device Information; --loop.
 */
static void test_formats(void)
{
	struct sim s;
	struct probe p;
	struct rrs got, want;
	const char *sargs[] = {"--rr",
			       short_rec(),
			       "--speed",
			       "1000",
			       "--hr16",
			       "--energy",
			       "--contact-unsupported",
			       "--no-battery",
			       "--no-devinfo",
			       NULL};

	if (!start_sim(&s, sargs))
		return;
	const char *pargs[] = {"--json", s.spec, NULL};
	CHECK_EQ(run_probe(&p, pargs, 120, "formats"), 1);
	check_exact(&p, short_rec(), "formats");
	CHECK(file_has(p.out, "\"contact\":null"));
	CHECK(!file_has(p.out, "\"energy_kj\":null"));
	end_sim(&s, "formats");

	const char *bare[] = {"--rr",	      short_rec(),    "--speed", "100",
			      "--no-battery", "--no-devinfo", NULL};
	if (!start_sim(&s, bare))
		return;
	const char *text[] = {"--count", "3", s.spec, NULL};
	CHECK_EQ(run_probe(&p, text, 60, "bare strap"), 0);
	CHECK(file_has(p.out, "battery        (not given)"));
	CHECK(file_has(p.out, "model          (not given)"));
	end_sim(&s, "bare strap");

	/* --loop: the recording starts over instead of ending. */
	const char *loop[] = {
	    "--rr",    vg_test_data("polar-h7-rr/export.rr.txt"),
	    "--speed", "1000",
	    "--loop",  NULL};
	if (!start_sim(&s, loop))
		return;
	const char *count[] = {"--json", "--count", "150", s.spec, NULL};
	CHECK_EQ(run_probe(&p, count, 60, "loop"), 0);
	end_sim(&s, "loop");
	parse_json_rr(p.out, &got);
	expected_rr(vg_test_data("polar-h7-rr/export.rr.txt"), &want);
	/* 150 s of a 55 s recording: the first lap, the second, a third. */
	bool laps = got.n > 2 * want.n;
	for (size_t i = 0; laps && i < 2 * want.n; i++)
		laps = got.v[i] == want.v[i % want.n];
	CHECK(laps);
	free(got.v);
	free(want.v);
}

static void test_no_hrs(void)
{
	struct sim s;
	struct probe p;
	const char *sargs[] = {"--rr", short_rec(), "--no-hrs", NULL};

	if (!start_sim(&s, sargs))
		return;
	const char *pargs[] = {s.spec, NULL};
	CHECK_EQ(run_probe(&p, pargs, 60, "no HRS"), 1);
	expect_err(&p, "no Heart Rate Service", "no HRS");
	end_sim(&s, "no HRS");
}

static void test_silent(void)
{
	struct sim s;
	struct probe p;
	const char *sargs[] = {"--rr",		 short_rec(), "--speed", "10",
			       "--silent-after", "5",	      NULL};

	if (!start_sim(&s, sargs))
		return;
	const char *pargs[] = {"--timeout", "2", s.spec, NULL};
	CHECK_EQ(run_probe(&p, pargs, 60, "silent"), 1);
	expect_err(&p, "no measurement for 2 s", "silent");
	end_sim(&s, "silent");
}

/* The ATT transaction timeout is 30 s: this one runs in the background. */
static struct sim stall_sim;
static struct probe stall_probe;

static void start_stall(void)
{
	const char *sargs[] = {"--rr", short_rec(), "--stall", "2", NULL};

	if (!start_sim(&stall_sim, sargs))
		return;
	const char *pargs[] = {stall_sim.spec, NULL};
	start_probe(&stall_probe, pargs);
}

static void check_stall(void)
{
	if (stall_probe.pid <= 0)
		return;
	CHECK_EQ(finish_probe(&stall_probe, 120, "stall"), 1);
	expect_err(&stall_probe, "the strap stopped answering", "stall");
	end_sim(&stall_sim, "stall");
}

/*
 * A client that breaks every rule: garbage PDUs of every size, requests
 * on a full socket, an abrupt close. The simulator survives and still
 * serves a well-behaved client.
 */
static void test_rude_client(void)
{
	struct sim s;
	struct sockaddr_un sun;
	struct probe p;
	const char *sargs[] = {"--rr", short_rec(), "--speed", "100", NULL};
	uint8_t buf[2048];
	unsigned seed = 99;

	if (!start_sim(&s, sargs))
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", s.sock);
	for (int round = 0; round < 3; round++) {
		int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
		if (!CHECK(connect(fd, (struct sockaddr *)&sun, sizeof(sun)) ==
			   0)) {
			close(fd);
			break;
		}
		/* Subscribe blindly, then garbage without reading. */
		for (int i = 0; i < 3000; i++) {
			size_t len = (size_t)(i % 600);
			for (size_t k = 0; k < len; k++) {
				seed = seed * 1103515245u + 12345u;
				buf[k] = (uint8_t)(seed >> 16);
			}
			if (len > 0 && i % 3 == 0)
				buf[0] = (uint8_t)(0x02 + 2 * (i % 9));
			if (send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				break;
		}
		close(fd);
	}
	usleep(100000);
	const char *pargs[] = {"--json", "--count", "3", s.spec, NULL};
	CHECK_EQ(run_probe(&p, pargs, 60, "after rude client"), 0);
	end_sim(&s, "rude client");
}

int main(void)
{
	const char *build = getenv("VAGUS_BUILD");
	double t_start = vg_test_now_s();

	if (!build || !*build)
		build = "build";
	snprintf(sim_bin, sizeof(sim_bin), "%s/vagus-sim", build);
	snprintf(vagus_bin, sizeof(vagus_bin), "%s/vagus", build);
	if (!CHECK(access(sim_bin, X_OK) == 0 &&
		   access(vagus_bin, X_OK) == 0)) {
		fprintf(stderr, "need %s and %s: run make first\n", sim_bin,
			vagus_bin);
		return vg_test_done();
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vagus-simprobe-XXXXXX");
	if (!CHECK(mkdtemp(tmpdir))) {
		tmpdir[0] = '\0';
		return vg_test_done();
	}
	atexit(cleanup);
	signal(SIGPIPE, SIG_IGN);

	start_replays();
	start_stall();

	test_text_output();
	test_no_socket();
	test_refused();
	test_bad_address();
	test_adapter();
	test_busy();
	test_drop();
	test_artifacts();
	test_malformed();
	test_flood();
	test_mtu_lie("10");
	test_mtu_lie("2000");
	test_mtu_lie("23");
	test_contact_lost();
	test_no_hrs();
	test_model();
	test_formats();
	test_silent();
	test_rude_client();

	check_stall();
	check_replays();
	printf("test_sim_probe took %.1f s\n", vg_test_now_s() - t_start);
	return vg_test_done();
}
