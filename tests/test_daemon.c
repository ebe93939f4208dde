/* SPDX-License-Identifier: MIT */
/*
 * vagusd end to end, with vagus-sim as the strap:
 *
 *   - a real recording replayed fast: the session starts and ends by
 *     itself, and every RR value the simulator sent is in the journal,
 *     exactly (1/1024 s units, nearest of ms x 1024 / 1000, halves up);
 *   - 20 injected link drops: one session, 20 LINK_DOWN records followed
 *     by more beats, and every beat the simulator sent is in the journal
 *     (what is missing is only what nobody listened to);
 *   - kill -9 at 50 random moments (seeded; the seed is printed): each
 *     restart recovers the session (END "recovered"), and each crash loses
 *     at most the beats of one second of wall time;
 *   - every fault of the simulator: the daemon keeps running, answers
 *     status and says what is wrong;
 *   - bad clients (garbage, unknown verbs, overlong and half lines, a
 *     watcher that never reads) never stall it, and a session by hand:
 *     start, mark, stop, report, list, watch lines.
 *
 * Programs come from $VAGUS_BUILD (default "build"). Everything lives in a
 * mkdtemp folder; every child is killed at the end.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
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
#include "vagus/jsonscan.h"
#include "vagus/record.h"

#define CRASHES 50
#define CRASH_PARALLEL 10
#define CRASH_SPEED 50

static char tmpdir[64];
static char sim_bin[512], vagusd_bin[512], vagus_bin[512];
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

static bool alive(pid_t pid)
{
	return waitpid(pid, NULL, WNOHANG) == 0;
}

/* Reads a whole file (also /proc files, whose size says 0). */
static char *slurp(const char *path, size_t *lenp)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0, cap = 4096;
	char *buf = malloc(cap);

	if (lenp)
		*lenp = 0;
	if (!buf)
		abort();
	if (f) {
		size_t got;
		while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
			n += got;
			if (cap - n - 1 == 0) {
				cap *= 2;
				buf = realloc(buf, cap);
				if (!buf)
					abort();
			}
		}
		fclose(f);
	}
	buf[n] = '\0';
	if (lenp)
		*lenp = n;
	return buf;
}

static bool file_has(const char *path, const char *needle)
{
	char *s = slurp(path, NULL);
	bool yes = strstr(s, needle) != NULL;

	free(s);
	return yes;
}

static void show_file(const char *what, const char *path)
{
	char *s = slurp(path, NULL);
	size_t n = strlen(s);

	fprintf(stderr, "--- %s (%s), last 3000 bytes:\n%s\n", what, path,
		n > 3000 ? s + n - 3000 : s);
	free(s);
}

/* Counts the lines of @path holding @needle. */
static unsigned count_in(const char *path, const char *needle)
{
	char *s = slurp(path, NULL), *p = s;
	unsigned n = 0;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += strlen(needle);
	}
	free(s);
	return n;
}

/* A folder for one scenario: sockets, state, logs. */
struct scene {
	char dir[128];
	char sock[160], spec[170], state[160], ctl[160];
	char sim_out[160], sim_err[160], d_out[160], d_err[160];
	pid_t sim, daemon;
};

static void scene_init(struct scene *sc, const char *name)
{
	memset(sc, 0, sizeof(*sc));
	snprintf(sc->dir, sizeof(sc->dir), "%s/%u-%s", tmpdir, ++serial, name);
	mkdir(sc->dir, 0700);
	snprintf(sc->sock, sizeof(sc->sock), "%s/s", sc->dir);
	snprintf(sc->spec, sizeof(sc->spec), "unix:%s", sc->sock);
	snprintf(sc->state, sizeof(sc->state), "%s/state", sc->dir);
	snprintf(sc->ctl, sizeof(sc->ctl), "%s/ctl.sock", sc->dir);
	snprintf(sc->sim_out, sizeof(sc->sim_out), "%s/sim.out", sc->dir);
	snprintf(sc->sim_err, sizeof(sc->sim_err), "%s/sim.err", sc->dir);
	snprintf(sc->d_out, sizeof(sc->d_out), "%s/d.out", sc->dir);
	snprintf(sc->d_err, sizeof(sc->d_err), "%s/d.err", sc->dir);
}

/* vagus-sim --listen on the scene's socket; waits until it listens. */
static bool start_sim(struct scene *sc, const char *const *args)
{
	char *argv[64];
	size_t n = 0;

	argv[n++] = sim_bin;
	argv[n++] = (char *)"--listen";
	argv[n++] = sc->spec;
	for (size_t i = 0; args[i] && n < 62; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	sc->sim = vg_test_spawn(argv, sc->sim_out, sc->sim_err);
	if (sc->sim < 0)
		return false;
	double end = vg_test_now_s() + 20;
	while (vg_test_now_s() < end) {
		if (file_has(sc->sim_err, "listening on"))
			return true;
		if (!alive(sc->sim)) {
			vg_test_forget(sc->sim);
			sc->sim = 0;
			break;
		}
		usleep(1000);
	}
	show_file("vagus-sim did not start", sc->sim_err);
	return CHECK(!"vagus-sim listens");
}

/* vagusd on the scene's state folder and strap, plus @args. */
static bool start_daemon(struct scene *sc, const char *const *args)
{
	char *argv[64];
	size_t n = 0;

	argv[n++] = vagusd_bin;
	argv[n++] = (char *)"--state-dir";
	argv[n++] = sc->state;
	argv[n++] = (char *)"--verbose";
	argv[n++] = (char *)"--socket";
	argv[n++] = sc->ctl;
	for (size_t i = 0; args[i] && n < 62; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	sc->daemon = vg_test_spawn(argv, sc->d_out, sc->d_err);
	return sc->daemon > 0;
}

/* SIGTERM; true when it exited 0 (a clean shutdown) in time. */
static bool stop_daemon(struct scene *sc)
{
	int status;

	if (sc->daemon <= 0)
		return false;
	kill(sc->daemon, SIGTERM);
	status = vg_test_wait(sc->daemon, 20);
	sc->daemon = 0;
	return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Waits for the simulator to end by itself (the recording is over). */
static bool sim_finished(struct scene *sc, double timeout_s)
{
	int status = vg_test_wait(sc->sim, timeout_s);

	sc->sim = 0;
	return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The simulator's closing count: "N beats sent". */
static long sim_beats_sent(const struct scene *sc)
{
	char *s = slurp(sc->sim_err, NULL);
	char *p = strstr(s, " beats sent");
	long v = -1;

	if (p) {
		while (p > s && p[-1] >= '0' && p[-1] <= '9')
			p--;
		v = strtol(p, NULL, 10);
	}
	free(s);
	return v;
}

/* Connects to a daemon's control socket; -1 on failure. */
static int ctl_connect(const char *path)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Reads one line (without "\n") into @buf within @timeout_s. Returns its
 * length, or -1 on timeout or end of stream.
 */
static int read_line(int fd, char *buf, size_t cap, double timeout_s)
{
	double end = vg_test_now_s() + timeout_s;
	size_t n = 0;

	while (n + 1 < cap) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int left = (int)((end - vg_test_now_s()) * 1000);
		if (left <= 0 || poll(&p, 1, left) <= 0)
			return -1;
		ssize_t r = read(fd, buf + n, 1);
		if (r <= 0)
			return -1;
		if (buf[n] == '\n') {
			buf[n] = '\0';
			return (int)n;
		}
		n++;
	}
	buf[n] = '\0';
	return (int)n;
}

/* One request, one reply line, on a fresh connection. */
static bool ctl_call(const char *path, const char *line, char *reply,
		     size_t cap)
{
	int fd = ctl_connect(path);
	bool ok;

	reply[0] = '\0';
	if (fd < 0)
		return false;
	ok = write(fd, line, strlen(line)) == (ssize_t)strlen(line) &&
	     read_line(fd, reply, cap, 5) >= 0;
	close(fd);
	return ok;
}

/* The control socket answers status with an ok object. */
static bool answers_status(const struct scene *sc)
{
	char reply[65536];

	return ctl_call(sc->ctl, "status\n", reply, sizeof(reply)) &&
	       strncmp(reply, "ok {", 4) == 0;
}

/* What a journal holds. */
struct journal {
	bool ok;
	unsigned records, sessions, ends, straps, link_up, link_down, events;
	unsigned inner_down; /* LINK_DOWN followed by more beats */
	char end_reason[64];
	char session_json[512];
	uint16_t *rr;
	size_t n, cap;
	size_t seg_start[256]; /* RR index where each run of beats starts */
	size_t nseg;
	int64_t last_time;
	bool times_monotonic;
};

static void rr_push(struct journal *j, uint16_t v)
{
	if (j->n == j->cap) {
		j->cap = j->cap ? j->cap * 2 : 4096;
		j->rr = realloc(j->rr, j->cap * sizeof(*j->rr));
		if (!j->rr)
			abort();
	}
	j->rr[j->n++] = v;
}

/* Reads a journal file with the record decoder (no daemon code). */
static void read_journal(const char *path, struct journal *j)
{
	size_t len, off = VG_JOURNAL_HEADER_LEN;
	uint8_t *buf = (uint8_t *)slurp(path, &len);
	bool down_pending = false;

	memset(j, 0, sizeof(*j));
	j->times_monotonic = true;
	j->seg_start[j->nseg++] = 0;
	if (len < VG_JOURNAL_HEADER_LEN ||
	    vg_journal_check_header(buf, len) != 0) {
		free(buf);
		return;
	}
	j->ok = true;
	while (off < len) {
		struct vg_record r;
		int n = vg_record_decode(buf + off, len - off, &r);
		if (n <= 0) {
			j->ok = false;
			break;
		}
		off += (size_t)n;
		j->records++;
		if (r.time_ms < j->last_time)
			j->times_monotonic = false;
		j->last_time = r.time_ms;
		switch (r.type) {
		case VG_REC_SESSION:
			j->sessions++;
			snprintf(j->session_json, sizeof(j->session_json),
				 "%.*s", (int)r.len, (const char *)r.payload);
			break;
		case VG_REC_STRAP:
			j->straps++;
			break;
		case VG_REC_LINK_UP:
			j->link_up++;
			break;
		case VG_REC_LINK_DOWN:
			j->link_down++;
			down_pending = true;
			break;
		case VG_REC_EVENT:
			j->events++;
			break;
		case VG_REC_END:
			j->ends++;
			snprintf(j->end_reason, sizeof(j->end_reason), "%.*s",
				 (int)r.len, (const char *)r.payload);
			break;
		case VG_REC_NOTIFY: {
			struct vg_hrm m;
			if (vg_hrs_decode_measurement(r.payload, r.len, &m)) {
				j->ok = false;
				break;
			}
			if (down_pending && m.rr_count) {
				j->inner_down++;
				if (j->nseg < 256)
					j->seg_start[j->nseg++] = j->n;
				down_pending = false;
			}
			for (unsigned i = 0; i < m.rr_count; i++)
				rr_push(j, m.rr[i]);
			break;
		}
		default:
			break;
		}
	}
	free(buf);
}

/* The session folders under the scene's state, sorted. */
static size_t list_sessions(const struct scene *sc, char ids[][64], size_t max)
{
	char path[256];
	DIR *d;
	struct dirent *e;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/sessions", sc->state);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL && n < max) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(ids[n++], 64, "%.63s", e->d_name);
	}
	closedir(d);
	qsort(ids, n, 64, (int (*)(const void *, const void *))strcmp);
	return n;
}

static void session_path(const struct scene *sc, const char *id,
			 const char *file, char *out, size_t cap)
{
	snprintf(out, cap, "%s/sessions/%s/%s", sc->state, id, file);
}

/* Waits until the (only) session's journal has an END record. */
static bool wait_session_end(struct scene *sc, double timeout_s)
{
	double end = vg_test_now_s() + timeout_s;
	char ids[8][64], path[512];

	while (vg_test_now_s() < end) {
		if (list_sessions(sc, ids, 8) >= 1) {
			struct journal j;
			session_path(sc, ids[0], "journal", path, sizeof(path));
			read_journal(path, &j);
			free(j.rr);
			if (j.ends)
				return true;
		}
		usleep(5000);
	}
	return false;
}

/* The expected RR values of a *.rr.txt recording (one ms value a line). */
static size_t expected_rr(const char *path, uint16_t **out)
{
	char *s = slurp(path, NULL), *line, *save = NULL;
	size_t n = 0, cap = 0;
	uint16_t *v = NULL;

	for (line = strtok_r(s, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *end;
		double ms = strtod(line, &end);
		if (end == line || ms == 0)
			continue;
		int32_t x = vg_ms_to_rr1024(ms);
		if (x < 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				abort();
		}
		v[n++] = (uint16_t)x;
	}
	free(s);
	*out = v;
	return n;
}

static const char *recording(void)
{
	static char path[1024];

	snprintf(path, sizeof(path), "%s",
		 vg_test_data("rhenanbartels-hrv/rest_rri.rr.txt"));
	return path;
}

/* Session JSON field check: "key":"value". */
static bool json_has(const char *json, const char *key, const char *value)
{
	char want[128];

	snprintf(want, sizeof(want), "\"%s\":\"%s\"", key, value);
	return strstr(json, want) != NULL;
}

/* A number at a dotted path ("start.time.rmssd_ms") of JSON @text. */
static bool json_num_at(const char *text, const char *path, double *out)
{
	struct vg_jv v, next;
	char key[64];
	const char *p = path;

	if (vg_jsonscan_parse(text, strlen(text), &v) < 0)
		return false;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(key))
			return false;
		memcpy(key, p, n);
		key[n] = '\0';
		if (vg_jsonscan_get(&v, key, &next) < 0)
			return false;
		v = next;
		p += n + (dot ? 1 : 0);
	}
	return vg_jv_num(&v, out) == 0;
}

/*
 * The report's start and end windows against `vagus analyze --window` on
 * the same journal: the same beats must give the same numbers.
 */
static void check_report_windows(const struct scene *sc, const char *id)
{
	static const char *const metrics[] = {
	    "time.mean_hr_bpm", "time.rmssd_ms", "time.ln_rmssd",
	    "time.sdnn_ms",	"beats",	 "freq.hf_ms2"};
	static const char *const windows[] = {"start", "end"};
	char path[512], journal[512], out[512], err[512], win[64];
	char *report;
	double t0, t1, want, got;

	session_path(sc, id, "report.json", path, sizeof(path));
	session_path(sc, id, "journal", journal, sizeof(journal));
	report = slurp(path, NULL);
	for (int w = 0; w < 2; w++) {
		char key[64];
		struct vg_jv root, wins, arr, item;
		size_t pos = 0;
		if (!CHECK(vg_jsonscan_parse(report, strlen(report), &root) ==
			       0 &&
			   vg_jsonscan_get(&root, "windows", &wins) == 0 &&
			   vg_jsonscan_get(&wins, windows[w], &arr) == 0 &&
			   vg_jsonscan_next(&arr, &pos, NULL, &item) == 1 &&
			   vg_jv_num(&item, &t0) == 0 &&
			   vg_jsonscan_next(&arr, &pos, NULL, &item) == 1 &&
			   vg_jv_num(&item, &t1) == 0))
			break;
		snprintf(win, sizeof(win), "%.17g:%.17g", t0, t1);
		snprintf(out, sizeof(out), "%s/analyze-%d.out", sc->dir, w);
		snprintf(err, sizeof(err), "%s/analyze-%d.err", sc->dir, w);
		char *argv[] = {vagus_bin,
				(char *)"analyze",
				(char *)"--json",
				(char *)"--window",
				win,
				journal,
				NULL};
		int status = vg_test_wait(vg_test_spawn(argv, out, err), 30);
		if (!CHECK(status != -1 && WIFEXITED(status) &&
			   WEXITSTATUS(status) == 0)) {
			show_file("vagus analyze", err);
			continue;
		}
		char *a = slurp(out, NULL);
		for (size_t m = 0; m < sizeof(metrics) / sizeof(metrics[0]);
		     m++) {
			snprintf(key, sizeof(key), "%s.%s", windows[w],
				 metrics[m]);
			bool have = json_num_at(report, key, &want) &&
				    json_num_at(a, metrics[m], &got);
			if (!CHECK(have) || !CHECK_REL(got, want, 1e-9))
				fprintf(stderr,
					"report %s vs vagus analyze --window "
					"%s: %s\n",
					key, win, have ? "differ" : "missing");
		}
		free(a);
	}
	free(report);
}

static struct scene whole, drops;
static bool whole_up, drops_up;

static void start_whole_session(void)
{
	struct scene *sc = &whole;
	const char *sargs[] = {"--rr", recording(), "--speed", "500", NULL};

	scene_init(sc, "whole");
	if (!start_sim(sc, sargs))
		return;
	const char *dargs[] = {"--strap", sc->spec,	    "--auto-start",
			       "5",	  "--gone-timeout", "1",
			       NULL};
	whole_up = CHECK(start_daemon(sc, dargs));
}

static void test_whole_session(void)
{
	struct scene sc = whole;
	struct journal j;
	uint16_t *want;
	size_t nwant = expected_rr(recording(), &want);
	char ids[8][64], path[512];

	if (!whole_up) {
		free(want);
		return;
	}
	CHECK(sim_finished(&sc, 60));
	if (!CHECK(wait_session_end(&sc, 30)))
		show_file("vagusd", sc.d_err);
	CHECK(alive(sc.daemon));
	CHECK(stop_daemon(&sc));

	CHECK_EQ(list_sessions(&sc, ids, 8), 1);
	session_path(&sc, ids[0], "journal", path, sizeof(path));
	read_journal(path, &j);
	CHECK(j.ok);
	CHECK_EQ(j.sessions, 1);
	CHECK_EQ(j.ends, 1);
	CHECK(strcmp(j.end_reason, "strap gone") == 0);
	CHECK(json_has(j.session_json, "started_by", "auto"));
	CHECK(json_has(j.session_json, "id", ids[0]));
	CHECK(j.straps >= 1);
	CHECK(j.link_up >= 1);
	CHECK(j.times_monotonic);
	long sent = sim_beats_sent(&sc);
	CHECK_EQ(sent, (long)nwant);
	bool same = j.n == nwant;
	size_t first = 0;
	for (; first < j.n && first < nwant; first++)
		if (j.rr[first] != want[first]) {
			same = false;
			break;
		}
	if (!CHECK(same))
		fprintf(stderr,
			"whole session: journal has %zu RR values, the "
			"recording %zu; first difference at %zu\n",
			j.n, nwant, first);
	printf("whole session: %zu of %zu RR values in the journal, %u "
	       "records\n",
	       j.n, nwant, j.records);

	/* Health data: folders 0700, files 0600. */
	struct stat sb;
	char dir[512];
	snprintf(dir, sizeof(dir), "%s/sessions/%s", sc.state, ids[0]);
	CHECK(stat(dir, &sb) == 0 && (sb.st_mode & 0777) == 0700);
	CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	check_report_windows(&sc, ids[0]);
	session_path(&sc, ids[0], "report.json", path, sizeof(path));
	char beats[32];
	snprintf(beats, sizeof(beats), "\"beats\": %zu,", nwant);
	if (!CHECK(file_has(path, beats)))
		fprintf(stderr, "report.json does not count %zu beats\n",
			nwant);
	const char *reports[] = {"report.json", "report.txt", "report.html"};
	for (int k = 0; k < 3; k++) {
		session_path(&sc, ids[0], reports[k], path, sizeof(path));
		if (!CHECK(stat(path, &sb) == 0 &&
			   (sb.st_mode & 0777) == 0600 && sb.st_size > 0))
			fprintf(stderr, "whole session: no %s\n", reports[k]);
	}
	free(j.rr);
	free(want);
}

/*
 * Finds each run of journal beats (between link drops) as a contiguous
 * piece of the recording, in order. Returns the number of runs found.
 */
static size_t match_runs(const struct journal *j, const uint16_t *want,
			 size_t nwant)
{
	size_t pos = 0, found = 0;

	for (size_t k = 0; k < j->nseg; k++) {
		size_t a = j->seg_start[k];
		size_t b = k + 1 < j->nseg ? j->seg_start[k + 1] : j->n;
		size_t len = b - a;
		bool ok = false;
		for (; pos + len <= nwant; pos++) {
			if (memcmp(want + pos, j->rr + a, len * 2) == 0) {
				ok = true;
				break;
			}
		}
		if (!ok)
			break;
		pos += len;
		found++;
	}
	return found;
}

/* Two straps on one daemon: each has its own session, nothing mixed. */
static struct scene two_a, two_b;
static bool two_up;

static const char *recording_b(void)
{
	static char path[1024];

	snprintf(path, sizeof(path), "%s",
		 vg_test_data("rhenanbartels-hrv/real_rri.rr.txt"));
	return path;
}

static void start_two_straps(void)
{
	const char *sa[] = {"--rr", recording(), "--speed", "500", NULL};
	const char *sb[] = {"--rr", recording_b(), "--speed", "500", NULL};

	scene_init(&two_a, "two-a");
	scene_init(&two_b, "two-b");
	if (!start_sim(&two_a, sa) || !start_sim(&two_b, sb))
		return;
	const char *dargs[] = {
	    "--strap", two_a.spec,	 "--strap", two_b.spec, "--auto-start",
	    "5",       "--gone-timeout", "1",	    NULL};
	two_up = CHECK(start_daemon(&two_a, dargs));
}

static void test_two_straps(void)
{
	char ids[8][64], path[512];
	uint16_t *want[2];
	size_t nwant[2];
	bool seen[2] = {false, false};

	if (!two_up)
		return;
	CHECK(sim_finished(&two_a, 60));
	CHECK(sim_finished(&two_b, 60));
	/* Both sessions end by themselves. */
	double end = vg_test_now_s() + 30;
	size_t n = 0, ended = 0;
	while (vg_test_now_s() < end) {
		n = list_sessions(&two_a, ids, 8);
		ended = 0;
		for (size_t i = 0; i < n; i++) {
			struct journal j;
			session_path(&two_a, ids[i], "journal", path,
				     sizeof(path));
			read_journal(path, &j);
			ended += j.ends;
			free(j.rr);
		}
		if (n == 2 && ended == 2)
			break;
		usleep(5000);
	}
	CHECK(stop_daemon(&two_a));
	if (!CHECK_EQ(n, 2))
		show_file("vagusd", two_a.d_err);
	nwant[0] = expected_rr(recording(), &want[0]);
	nwant[1] = expected_rr(recording_b(), &want[1]);
	for (size_t i = 0; i < n; i++) {
		struct journal j;
		session_path(&two_a, ids[i], "journal", path, sizeof(path));
		read_journal(path, &j);
		int k = strstr(j.session_json, two_a.sock) ? 0 : 1;
		CHECK(strstr(j.session_json, k ? two_b.sock : two_a.sock));
		seen[k] = true;
		bool same = j.n == nwant[k] &&
			    memcmp(j.rr, want[k], j.n * sizeof(uint16_t)) == 0;
		if (!CHECK(same))
			fprintf(stderr,
				"two straps: strap %d: %zu RR values, "
				"want %zu\n",
				k, j.n, nwant[k]);
		CHECK(strcmp(j.end_reason, "strap gone") == 0);
		free(j.rr);
	}
	CHECK(seen[0] && seen[1]);
	printf("two straps: %zu sessions, %zu and %zu RR values each, "
	       "exact\n",
	       n, nwant[0], nwant[1]);
	free(want[0]);
	free(want[1]);
}

/*
 * 20 drops, 45 s of the recording (450 ms of wall time at speed 100)
 * apart: the daemon is back within about 100 ms, and a drop time that
 * passes while nobody is connected would be skipped by the simulator,
 * so the spacing leaves room for a loaded machine.
 */
static void start_drops(void)
{
	static char list[512];
	struct scene *sc = &drops;
	size_t n = 0;

	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%d",
				      i ? "," : "", 30 + 45 * i);
	const char *sargs[] = {"--rr",	    recording(), "--speed", "100",
			       "--drop-at", list,	 NULL};
	scene_init(sc, "drops");
	if (!start_sim(sc, sargs))
		return;
	const char *dargs[] = {"--strap", sc->spec,	    "--auto-start",
			       "5",	  "--gone-timeout", "1",
			       NULL};
	drops_up = CHECK(start_daemon(sc, dargs));
}

static void test_drops(void)
{
	struct scene sc = drops;
	struct journal j;
	uint16_t *want;
	size_t nwant = expected_rr(recording(), &want);
	char ids[8][64], path[512];

	if (!drops_up) {
		free(want);
		return;
	}
	CHECK(sim_finished(&sc, 60));
	if (!CHECK(wait_session_end(&sc, 30)))
		show_file("vagusd", sc.d_err);
	CHECK(stop_daemon(&sc));

	CHECK_EQ(count_in(sc.sim_err, "(--drop-at)"), 20);
	CHECK_EQ(list_sessions(&sc, ids, 8), 1);
	session_path(&sc, ids[0], "journal", path, sizeof(path));
	read_journal(path, &j);
	CHECK(j.ok);
	CHECK_EQ(j.sessions, 1);
	CHECK_EQ(j.ends, 1);
	/* 20 gaps inside, and the end of the recording. */
	CHECK_EQ(j.inner_down, 20);
	CHECK_EQ(j.link_down, 21);
	CHECK_EQ(j.link_up, 21);
	long sent = sim_beats_sent(&sc);
	CHECK_EQ((long)j.n, sent);
	CHECK_EQ(match_runs(&j, want, nwant), j.nseg);
	printf("20 drops: one session, %u gaps marked, %zu of %ld beats sent "
	       "in the journal (%zu of the recording's %zu; the rest fell "
	       "while the link was down)\n",
	       j.inner_down, j.n, sent, j.n, nwant);
	free(j.rr);
	free(want);
}

/*
 * Beats in the busiest second of wall time at @speed: the longest run of
 * consecutive recording beats that fits in speed x 1000 ms.
 */
static size_t beats_per_wall_second(const uint16_t *v, size_t n, double speed)
{
	double limit = speed * 1000.0 * 1024.0 / 1000.0, sum = 0;
	size_t best = 0, a = 0;

	for (size_t b = 0; b < n; b++) {
		sum += v[b];
		while (sum > limit)
			sum -= v[a++];
		if (b + 1 - a > best)
			best = b + 1 - a;
	}
	return best;
}

struct crash_result {
	int ok; /* 1: session recovered and counted */
	long sent, kept;
	double delay_s;
	char why[128];
};

/*
 * One crash, run in a child process: a session, kill -9 after @delay_s,
 * the strap stops, a new daemon recovers the session. Writes the result
 * to @out.
 */
static void crash_trial(int k, double delay_s, const char *out)
{
	struct crash_result r = {0};
	struct scene sc;
	struct journal j;
	char ids[8][64], path[512], name[32];
	char speed[16];
	FILE *f;

	r.delay_s = delay_s;
	snprintf(name, sizeof(name), "crash%d", k);
	snprintf(speed, sizeof(speed), "%d", CRASH_SPEED);
	scene_init(&sc, name);
	const char *sargs[] = {"--rr", recording(), "--speed",
			       speed,  "--loop",    NULL};
	if (!start_sim(&sc, sargs)) {
		snprintf(r.why, sizeof(r.why), "no simulator");
		goto done;
	}
	const char *dargs[] = {"--strap", sc.spec,	    "--auto-start",
			       "2",	  "--gone-timeout", "60",
			       NULL};
	start_daemon(&sc, dargs);
	/* Wait for the session folder, then the random moment. */
	double end = vg_test_now_s() + 20;
	while (vg_test_now_s() < end && list_sessions(&sc, ids, 8) == 0)
		usleep(1000);
	if (list_sessions(&sc, ids, 8) == 0) {
		snprintf(r.why, sizeof(r.why), "no session started");
		goto done;
	}
	usleep((useconds_t)(delay_s * 1e6));
	kill(sc.daemon, SIGKILL);
	vg_test_wait(sc.daemon, 10);
	sc.daemon = 0;
	/* The strap goes away with what it sent counted. */
	kill(sc.sim, SIGTERM);
	vg_test_wait(sc.sim, 10);
	sc.sim = 0;
	r.sent = sim_beats_sent(&sc);

	/* Restart: the unfinished session is closed. */
	start_daemon(&sc, dargs);
	end = vg_test_now_s() + 20;
	while (vg_test_now_s() < end &&
	       !file_has(sc.d_err, "recovered unfinished"))
		usleep(2000);
	if (!stop_daemon(&sc)) {
		snprintf(r.why, sizeof(r.why), "restarted daemon did not stop");
		goto done;
	}
	if (list_sessions(&sc, ids, 8) != 1) {
		snprintf(r.why, sizeof(r.why), "%zu sessions",
			 list_sessions(&sc, ids, 8));
		goto done;
	}
	session_path(&sc, ids[0], "journal", path, sizeof(path));
	read_journal(path, &j);
	r.kept = (long)j.n;
	char report[512];
	session_path(&sc, ids[0], "report.json", report, sizeof(report));
	if (!j.ok || j.ends != 1 || strcmp(j.end_reason, "recovered") != 0)
		snprintf(r.why, sizeof(r.why),
			 "journal ok %d, %u END, reason '%s'", j.ok, j.ends,
			 j.end_reason);
	else if (access(report, F_OK) != 0)
		snprintf(r.why, sizeof(r.why), "recovered, but no report");
	else
		r.ok = 1;
	free(j.rr);
done:
	vg_test_kill_children();
	f = fopen(out, "w");
	if (f) {
		fprintf(f, "%d %ld %ld %f %s\n", r.ok, r.sent, r.kept,
			r.delay_s, r.why);
		fclose(f);
	}
}

static void test_crashes(void)
{
	unsigned seed = (unsigned)time(NULL);
	const char *env = getenv("VAGUS_SEED");
	uint16_t *want;
	size_t nwant = expected_rr(recording(), &want);
	size_t bound = beats_per_wall_second(want, nwant, CRASH_SPEED);
	long lost_max = 0, lost_sum = 0;
	int recovered = 0;
	double delays[CRASHES];

	if (env && *env)
		seed = (unsigned)strtoul(env, NULL, 10);
	printf("crash test: seed %u (VAGUS_SEED=%u to repeat), %d kills, "
	       "speed %d\n",
	       seed, seed, CRASHES, CRASH_SPEED);
	srand(seed);
	for (int k = 0; k < CRASHES; k++)
		delays[k] = (double)rand() / RAND_MAX * 1.0;

	for (int k0 = 0; k0 < CRASHES; k0 += CRASH_PARALLEL) {
		pid_t pids[CRASH_PARALLEL];
		int m = 0;
		for (int k = k0; k < CRASHES && k < k0 + CRASH_PARALLEL; k++) {
			char out[256];
			snprintf(out, sizeof(out), "%s/crash%d.result", tmpdir,
				 k);
			fflush(NULL);
			pid_t pid = fork();
			if (pid == 0) {
				vg_test_forget_all();
				crash_trial(k, delays[k], out);
				_exit(0);
			}
			pids[m++] = pid;
		}
		for (int i = 0; i < m; i++)
			waitpid(pids[i], NULL, 0);
	}
	for (int k = 0; k < CRASHES; k++) {
		char out[256];
		struct crash_result r = {0};
		snprintf(out, sizeof(out), "%s/crash%d.result", tmpdir, k);
		FILE *f = fopen(out, "r");
		if (!f || fscanf(f, "%d %ld %ld %lf", &r.ok, &r.sent, &r.kept,
				 &r.delay_s) != 4) {
			CHECK(!"crash trial wrote its result");
			if (f)
				fclose(f);
			continue;
		}
		fclose(f);
		if (!CHECK(r.ok)) {
			char *s = slurp(out, NULL);
			fprintf(stderr, "crash %d: %s", k, s);
			free(s);
			continue;
		}
		recovered++;
		long lost = r.sent - r.kept;
		CHECK(lost >= 0);
		if (!CHECK(lost <= (long)bound))
			fprintf(stderr,
				"crash %d (after %.3f s): %ld beats lost, "
				"more than a second's %zu\n",
				k, r.delay_s, lost, bound);
		lost_sum += lost;
		if (lost > lost_max)
			lost_max = lost;
	}
	CHECK_EQ(recovered, CRASHES);
	printf("crash test: %d of %d sessions recovered; beats lost per "
	       "crash: mean %.2f, max %ld; one second of wall time at speed "
	       "%d holds up to %zu beats\n",
	       recovered, CRASHES,
	       recovered ? (double)lost_sum / recovered : 0.0, lost_max,
	       CRASH_SPEED, bound);
	free(want);
}

/* One fault of the simulator: the daemon must stay up and say why. */
struct fault {
	const char *name;
	const char *args[8];
	const char *log; /* expected in the daemon's log, or NULL */
};

static void test_bad_straps(void)
{
	static const struct fault faults[] = {
	    {"busy", {"--busy"}, "busy with another device"},
	    {"artifacts", {"--artifacts", "missed=0.05,extra=0.05"}, NULL},
	    {"malformed", {"--malformed", "3"}, "malformed measurement"},
	    {"mtu-lie-low", {"--mtu-lie", "5"}, NULL},
	    {"mtu-lie-high", {"--mtu-lie", "4000"}, NULL},
	    {"stall", {"--stall", "3"}, NULL},
	    {"silent", {"--silent-after", "20"}, NULL},
	    {"contact-lost", {"--contact-lost", "20:60"}, "no skin contact"},
	    {"flood", {"--flood"}, NULL},
	    {"no-hrs", {"--no-hrs"}, "Heart Rate"},
	    {"no-battery", {"--no-battery", "--no-devinfo"}, "connected"},
	    {"drop", {"--drop-at", "10,20,30"}, "link lost"},
	    {"loop", {"--loop"}, "session"},
	};
	const size_t nf = sizeof(faults) / sizeof(faults[0]);
	struct scene sc[sizeof(faults) / sizeof(faults[0])];

	/* All at once: each is a daemon and a strap of its own. */
	for (size_t i = 0; i < nf; i++) {
		const char *sargs[16];
		size_t n = 0;
		sargs[n++] = "--rr";
		sargs[n++] = recording();
		sargs[n++] = "--speed";
		sargs[n++] = "200";
		for (size_t k = 0; faults[i].args[k]; k++)
			sargs[n++] = faults[i].args[k];
		sargs[n] = NULL;
		scene_init(&sc[i], faults[i].name);
		if (!start_sim(&sc[i], sargs))
			continue;
		const char *dargs[] = {
		    "--strap", sc[i].spec,	 "--auto-start",
		    "5",       "--gone-timeout", "2",
		    NULL};
		start_daemon(&sc[i], dargs);
	}
	/* Long enough for the ATT 30 s timeout of the stalled strap. */
	double end = vg_test_now_s() + 3;
	while (vg_test_now_s() < end)
		usleep(50000);
	for (size_t i = 0; i < nf; i++) {
		if (!CHECK(sc[i].daemon > 0 && alive(sc[i].daemon))) {
			fprintf(stderr, "fault %s: vagusd died\n",
				faults[i].name);
			show_file("vagusd", sc[i].d_err);
			continue;
		}
		if (!CHECK(answers_status(&sc[i])))
			fprintf(stderr, "fault %s: no answer to status\n",
				faults[i].name);
		if (faults[i].log &&
		    !CHECK(file_has(sc[i].d_err, faults[i].log))) {
			fprintf(stderr, "fault %s: want \"%s\" in the log\n",
				faults[i].name, faults[i].log);
			show_file("vagusd", sc[i].d_err);
		}
		if (!CHECK(stop_daemon(&sc[i]))) {
			fprintf(stderr, "fault %s: no clean shutdown\n",
				faults[i].name);
			show_file("vagusd", sc[i].d_err);
		}
		if (sc[i].sim > 0) {
			kill(sc[i].sim, SIGTERM);
			vg_test_wait(sc[i].sim, 10);
		}
	}
}

/* Finds "key":"value" text in @reply and copies the value. */
static bool json_str(const char *reply, const char *key, char *out, size_t cap)
{
	char want[64];
	const char *p, *q;

	snprintf(want, sizeof(want), "\"%s\":\"", key);
	p = strstr(reply, want);
	if (!p)
		return false;
	p += strlen(want);
	q = strchr(p, '"');
	if (!q || (size_t)(q - p) >= cap)
		return false;
	memcpy(out, p, (size_t)(q - p));
	out[q - p] = '\0';
	return true;
}

/* Sends @line and expects a reply starting with @want. */
static void expect_reply(const struct scene *sc, const char *line,
			 const char *want, char *reply, size_t cap)
{
	if (!CHECK(ctl_call(sc->ctl, line, reply, cap) &&
		   strncmp(reply, want, strlen(want)) == 0))
		fprintf(stderr,
			"request %.60s: want \"%s...\", got \"%.200s\"\n", line,
			want, reply);
}

/*
 * The control socket with bad clients (garbage, an unknown verb, an
 * overlong line, a half line, a watcher that never reads) and the
 * commands of a session by hand: start, mark, stop, report, list.
 */
static void test_control(void)
{
	struct scene sc;
	char reply[65536], id[64], path[512], line[8192];
	struct journal j;
	int garbage, unknown, longline, half, stuck, watcher;
	const char *sargs[] = {"--rr", recording(), "--speed",
			       "20",   "--loop",    NULL};

	scene_init(&sc, "control");
	if (!start_sim(&sc, sargs))
		return;
	const char *dargs[] = {"--strap", sc.spec,	    "--auto-start",
			       "0",	  "--gone-timeout", "30",
			       NULL};
	if (!CHECK(start_daemon(&sc, dargs)))
		return;
	double end = vg_test_now_s() + 20;
	while (vg_test_now_s() < end &&
	       !(ctl_call(sc.ctl, "status\n", reply, sizeof(reply)) &&
		 strstr(reply, "\"state\":\"streaming\"")))
		usleep(10000);
	if (!CHECK(strstr(reply, "\"state\":\"streaming\""))) {
		show_file("vagusd", sc.d_err);
		return;
	}

	/* Only unix: straps: no capability kept, no_new_privs set. */
	char status_path[64];
	snprintf(status_path, sizeof(status_path), "/proc/%d/status",
		 (int)sc.daemon);
	CHECK(file_has(status_path, "NoNewPrivs:\t1"));
	CHECK(file_has(status_path, "CapEff:\t0000000000000000"));
	CHECK(file_has(status_path, "CapPrm:\t0000000000000000"));

	/* Bad clients first; they stay connected through what follows. */
	garbage = ctl_connect(sc.ctl);
	CHECK(write(garbage, "\x01\x02garbage\xff=\n", 12) == 12);
	CHECK(read_line(garbage, line, sizeof(line), 5) >= 0 &&
	      strncmp(line, "err ", 4) == 0);
	unknown = ctl_connect(sc.ctl);
	CHECK(write(unknown, "reboot now=yes\n", 15) == 15);
	CHECK(read_line(unknown, line, sizeof(line), 5) >= 0 &&
	      strncmp(line, "err ", 4) == 0);
	longline = ctl_connect(sc.ctl);
	memset(line, 'a', sizeof(line));
	CHECK(write(longline, line, sizeof(line)) > 0);
	CHECK(read_line(longline, line, sizeof(line), 5) < 0 ||
	      strncmp(line, "err toolong", 11) == 0);
	half = ctl_connect(sc.ctl);
	CHECK(write(half, "sta", 3) == 3);
	stuck = ctl_connect(sc.ctl);
	CHECK(write(stuck, "watch\n", 6) == 6);
	watcher = ctl_connect(sc.ctl);
	CHECK(write(watcher, "watch\n", 6) == 6);
	CHECK(read_line(watcher, line, sizeof(line), 5) >= 0 &&
	      strncmp(line, "ok ", 3) == 0);
	CHECK(read_line(watcher, line, sizeof(line), 5) >= 0);
	if (!CHECK(
		strncmp(line, "beat {", 6) == 0 && strstr(line, "\"t_s\":") &&
		strstr(line, "\"hr_bpm\":") && strstr(line, "\"rr_ms\":") &&
		strstr(line, "\"rmssd_ms\":") &&
		strstr(line, "\"artifact\":false") &&
		strstr(line, "\"contact\":true") && strstr(line, "\"strap\":")))
		fprintf(stderr, "watch line: %s\n", line);
	CHECK(answers_status(&sc));

	/* A session by hand. */
	expect_reply(&sc, "start tag=mat note=first%20try\n", "ok {", reply,
		     sizeof(reply));
	CHECK(json_str(reply, "id", id, sizeof(id)));
	expect_reply(&sc, "start\n", "err exists", reply, sizeof(reply));
	expect_reply(&sc, "mark text=breathing%206\n", "ok {", reply,
		     sizeof(reply));
	expect_reply(&sc, "start strap=unix:/nowhere\n", "err nostrap", reply,
		     sizeof(reply));
	expect_reply(&sc, "status\n", "ok {", reply, sizeof(reply));
	CHECK(strstr(reply, id) != NULL);
	/* The CLI reads the same answer. */
	{
		char *argv[] = {vagus_bin, (char *)"--socket", sc.ctl,
				(char *)"status", NULL};
		char out[200], err[200];
		snprintf(out, sizeof(out), "%s/cli.out", sc.dir);
		snprintf(err, sizeof(err), "%s/cli.err", sc.dir);
		pid_t pid = vg_test_spawn(argv, out, err);
		int status = vg_test_wait(pid, 10);
		if (!CHECK(status != -1 && WIFEXITED(status) &&
			   WEXITSTATUS(status) == 0))
			show_file("vagus status", err);
	}
	usleep(300000);
	expect_reply(&sc, "stop\n", "ok {", reply, sizeof(reply));
	expect_reply(&sc, "stop\n", "err nosession", reply, sizeof(reply));
	snprintf(line, sizeof(line), "report id=%s\n", id);
	expect_reply(&sc, line, "ok {", reply, sizeof(reply));
	CHECK(strstr(reply, "\"text\":") != NULL);
	expect_reply(&sc, "report id=../../etc\n", "err ", reply,
		     sizeof(reply));
	expect_reply(&sc, "report id=last format=json\n", "ok {", reply,
		     sizeof(reply));
	expect_reply(&sc, "list\n", "ok {\"sessions\":[", reply, sizeof(reply));
	CHECK(strstr(reply, id) != NULL);
	expect_reply(&sc, "version\n", "ok {\"version\":", reply,
		     sizeof(reply));
	expect_reply(&sc, "report id=last format=txt\n", "ok {", reply,
		     sizeof(reply));
	expect_reply(&sc, "report format=html\n", "err invalid", reply,
		     sizeof(reply));
	/* No --strap auto looking: discovery hears nothing. */
	expect_reply(&sc, "scan\n", "ok {\"devices\":[],\"scanning\":false}",
		     reply, sizeof(reply));
	/* The watcher saw the mark go by, and beats after the start. */
	bool saw_mark = false, started = false;
	double t_first = NAN;
	for (int i = 0; i < 5000 && !(saw_mark && !isnan(t_first)); i++) {
		if (read_line(watcher, line, sizeof(line), 2) < 0)
			break;
		if (strstr(line, "\"type\":\"session_start\""))
			started = true;
		else if (started && isnan(t_first) &&
			 strncmp(line, "beat ", 5) == 0)
			json_num_at(line + 5, "t_s", &t_first);
		saw_mark |= strncmp(line, "event {", 7) == 0 &&
			    strstr(line, "\"type\":\"mark\"") &&
			    strstr(line, "breathing 6");
	}
	CHECK(saw_mark);
	if (!CHECK(started && t_first > 0))
		fprintf(stderr, "first beat after the start: t_s %g\n",
			t_first);

	CHECK(alive(sc.daemon));
	CHECK(answers_status(&sc));
	close(garbage);
	close(unknown);
	close(longline);
	close(half);
	close(stuck);
	close(watcher);
	CHECK(stop_daemon(&sc));

	session_path(&sc, id, "journal", path, sizeof(path));
	read_journal(path, &j);
	CHECK(j.ok);
	CHECK(json_has(j.session_json, "started_by", "command"));
	CHECK(json_has(j.session_json, "tag", "mat"));
	CHECK(json_has(j.session_json, "note", "first try"));
	CHECK_EQ(j.events, 1);
	CHECK(strcmp(j.end_reason, "stopped by command") == 0);
	CHECK(j.n > 0);
	free(j.rr);
	kill(sc.sim, SIGTERM);
	vg_test_wait(sc.sim, 10);
}

/*
 * --strap auto where discovery cannot run (no Bluetooth in a test
 * machine, or no permission): the daemon stays up, answers, and says why.
 */
static void test_auto_without_bluetooth(void)
{
	struct scene sc;
	const char *dargs[] = {"--strap", "auto", NULL};

	scene_init(&sc, "auto");
	if (!CHECK(start_daemon(&sc, dargs)))
		return;
	double end = vg_test_now_s() + 10;
	while (vg_test_now_s() < end && !file_has(sc.d_err, "auto: "))
		usleep(10000);
	CHECK(alive(sc.daemon));
	CHECK(answers_status(&sc));
	if (!CHECK(file_has(sc.d_err, "auto: cannot discover straps") ||
		   file_has(sc.d_err, "auto: found")))
		show_file("vagusd --strap auto", sc.d_err);
	CHECK(stop_daemon(&sc));
}

int main(void)
{
	const char *build = getenv("VAGUS_BUILD");
	double t0 = vg_test_now_s();

	if (!build || !*build)
		build = "build";
	snprintf(sim_bin, sizeof(sim_bin), "%s/vagus-sim", build);
	snprintf(vagusd_bin, sizeof(vagusd_bin), "%s/vagusd", build);
	snprintf(vagus_bin, sizeof(vagus_bin), "%s/vagus", build);
	if (!CHECK(access(sim_bin, X_OK) == 0 &&
		   access(vagusd_bin, X_OK) == 0)) {
		fprintf(stderr, "need %s and %s: run make first\n", sim_bin,
			vagusd_bin);
		return vg_test_done();
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vagus-daemon-XXXXXX");
	if (!CHECK(mkdtemp(tmpdir))) {
		tmpdir[0] = '\0';
		return vg_test_done();
	}
	atexit(cleanup);
	signal(SIGPIPE, SIG_IGN);

	start_whole_session();
	start_drops();
	start_two_straps();
	test_whole_session();
	test_two_straps();
	test_drops();
	test_crashes();
	test_bad_straps();
	test_control();
	test_auto_without_bluetooth();
	printf("test_daemon: %.1f s\n", vg_test_now_s() - t0);
	return vg_test_done();
}
