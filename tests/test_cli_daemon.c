/* SPDX-License-Identifier: MIT */
/*
 * The vagus commands against the real vagusd, fed by vagus-sim's model
 * strap at 20x speed: watch prints every beat vagusd sends in the line
 * form (times rising, values in range, events for start, mark and end);
 * start, mark, stop and status answer as documented, a second start and
 * a second stop are refused with status 5; when vagusd shuts down, watch
 * says so and ends with status 4, and the next command finds no socket.
 *
 * Programs from $VAGUS_BUILD (default "build"); every child is killed at
 * the end by its pid, whatever happens.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

static char tmpdir[64], sock[128], sim_sock[128];
static char vagus_bin[512], vagusd_bin[512], sim_bin[512];

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

/* The exit code of @pid within @timeout_s, or -1 (then killed). */
static int wait_for(pid_t pid, double timeout_s)
{
	int st = vg_test_wait(pid, timeout_s);

	return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *path)
{
	size_t len;
	char *s = vg_test_slurp(path, &len);
	return s ? s : strdup("");
}

/*
 * Runs `vagus --socket SOCK ARGS...` to its end; its stdout and stderr
 * in *@out and *@err (heap, the caller frees). Returns its status.
 */
static int vagus(char **out, char **err, ...)
{
	char *argv[16], o[160], e[160];
	int n = 0;
	va_list ap;

	argv[n++] = vagus_bin;
	argv[n++] = (char *)"--socket";
	argv[n++] = sock;
	va_start(ap, err);
	while (n < 15 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	snprintf(o, sizeof(o), "%s/cmd.out", tmpdir);
	snprintf(e, sizeof(e), "%s/cmd.err", tmpdir);
	int status = wait_for(vg_test_spawn(argv, o, e), 15);
	*out = slurp(o);
	*err = slurp(e);
	return status;
}

static int count_lines(const char *s, const char *prefix)
{
	int n = 0;
	size_t pl = strlen(prefix);

	for (const char *p = s; *p;) {
		if (!strncmp(p, prefix, pl))
			n++;
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	return n;
}

/* Waits until @path holds @n lines starting with @prefix. */
static bool wait_lines(const char *path, const char *prefix, int n,
		       double timeout_s)
{
	double end = vg_test_now_s() + timeout_s;

	while (vg_test_now_s() < end) {
		size_t len;
		FILE *f = fopen(path, "r");
		char *s = NULL;
		if (f) {
			fclose(f);
			s = vg_test_slurp(path, &len);
		}
		int have = s ? count_lines(s, prefix) : 0;
		free(s);
		if (have >= n)
			return true;
		usleep(20000);
	}
	return false;
}

/* Checks every beat line: the documented form, values in range, times
 * rising. Returns the number of beats. */
static int check_beats(const char *s)
{
	double last_t = -1;
	int n = 0, bad = 0;

	for (const char *p = s; *p;) {
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		if (!strncmp(p, "t_s=", 4)) {
			double t, hr, rr;
			char rmssd[32], contact[8], strap[160];
			int art;
			int k =
			    sscanf(p,
				   "t_s=%lf hr_bpm=%lf rr_ms=%lf "
				   "rmssd_ms=%31s artifact=%d contact=%7s "
				   "strap=%159s",
				   &t, &hr, &rr, rmssd, &art, contact, strap);
			if (k != 7 || !(t > last_t) || hr < 30 || hr > 200 ||
			    rr < 300 || rr > 2000 || (art != 0 && art != 1) ||
			    strcmp(strap, sim_sock + 0) != 0) {
				if (bad++ < 3)
					fprintf(stderr, "bad beat line: %.*s\n",
						(int)(nl - p), p);
			}
			last_t = t;
			n++;
		}
		p = nl + 1;
	}
	CHECK_EQ(bad, 0);
	return n;
}

int main(void)
{
	const char *build = getenv("VAGUS_BUILD");
	char path[200], werr[200], wout[200], spec[160];
	char *out, *err;

	if (!build || !*build)
		build = "build";
	snprintf(vagus_bin, sizeof(vagus_bin), "%s/vagus", build);
	snprintf(vagusd_bin, sizeof(vagusd_bin), "%s/vagusd", build);
	snprintf(sim_bin, sizeof(sim_bin), "%s/vagus-sim", build);
	if (!CHECK(access(vagus_bin, X_OK) == 0 &&
		   access(vagusd_bin, X_OK) == 0 &&
		   access(sim_bin, X_OK) == 0)) {
		fprintf(stderr, "need vagus, vagusd and vagus-sim in %s\n",
			build);
		return vg_test_done();
	}
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vagus-clid-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		CHECK(!"mkdtemp");
		return vg_test_done();
	}
	atexit(cleanup);
	snprintf(sock, sizeof(sock), "%s/run/vagusd.sock", tmpdir);
	snprintf(sim_sock, sizeof(sim_sock), "unix:%s/sim.sock", tmpdir);

	/* The strap: a model at 20x, about 20 beats a second. */
	char *sargv[] = {
	    sim_bin,	       (char *)"--listen", sim_sock, (char *)"--model",
	    (char *)"--speed", (char *)"20",	   NULL};
	snprintf(path, sizeof(path), "%s/sim.log", tmpdir);
	vg_test_spawn(sargv, path, path);
	snprintf(spec, sizeof(spec), "%s/state", tmpdir);
	char *dargv[] = {vagusd_bin,  (char *)"--strap",
			 sim_sock,    (char *)"--state-dir",
			 spec,	      (char *)"--socket",
			 sock,	      (char *)"--auto-start",
			 (char *)"0", (char *)"--settle",
			 (char *)"0", NULL};
	snprintf(path, sizeof(path), "%s/vagusd.log", tmpdir);
	pid_t daemon = vg_test_spawn(dargv, path, path);

	/* Up, and streaming. */
	bool streaming = false;
	for (double end = vg_test_now_s() + 10;
	     vg_test_now_s() < end && !streaming;) {
		int st = vagus(&out, &err, "status", NULL);
		streaming = st == 0 && strstr(out, "  streaming\n");
		free(out);
		free(err);
		if (!streaming)
			usleep(50000);
	}
	if (!CHECK(streaming))
		return vg_test_done();

	snprintf(wout, sizeof(wout), "%s/watch.out", tmpdir);
	snprintf(werr, sizeof(werr), "%s/watch.err", tmpdir);
	char *wargv[] = {vagus_bin, (char *)"--socket", sock, (char *)"watch",
			 NULL};
	pid_t watch = vg_test_spawn(wargv, wout, werr);
	CHECK(wait_lines(wout, "t_s=", 5, 10));

	CHECK_EQ(vagus(&out, &err, "start", "--tag", "control", "--note",
		       "cli end to end", NULL),
		 0);
	char id[64] = "";
	CHECK(sscanf(out, "started session %63s", id) == 1);
	CHECK(strlen(id) >= 15);
	free(out);
	free(err);
	CHECK_EQ(vagus(&out, &err, "start", NULL), 5);
	CHECK(strstr(err, "vagus: start: ") && strstr(err, id));
	free(out);
	free(err);
	CHECK_EQ(vagus(&out, &err, "mark", "deep", "breath", NULL), 0);
	CHECK(strstr(out, "text: deep breath\n") != NULL);
	free(out);
	free(err);
	CHECK(wait_lines(wout, "t_s=", 40, 10));
	CHECK_EQ(vagus(&out, &err, "status", NULL), 0);
	CHECK(strstr(out, id) != NULL);
	CHECK(strstr(out, "(started by command)") != NULL);
	free(out);
	free(err);
	CHECK_EQ(vagus(&out, &err, "stop", NULL), 0);
	snprintf(path, sizeof(path), "stopped session %s\n", id);
	CHECK(!strncmp(out, path, strlen(path)));
	CHECK(strstr(out, "  marks: 1\n") != NULL);
	free(out);
	free(err);
	CHECK_EQ(vagus(&out, &err, "stop", NULL), 5);
	CHECK(strstr(err, "no session") != NULL);
	free(out);
	free(err);
	CHECK_EQ(vagus(&out, &err, "status", NULL), 0);
	CHECK(strstr(out, "no session running\n") != NULL);
	free(out);
	free(err);

	/* vagusd shuts down: the watch says so and ends with 4. */
	CHECK(wait_lines(wout, "event type=session_end", 1, 5));
	kill(daemon, SIGTERM);
	CHECK_EQ(wait_for(daemon, 20), 0);
	CHECK_EQ(wait_for(watch, 10), 4);
	char *w = slurp(wout), *we = slurp(werr);
	int beats = check_beats(w);
	CHECK(beats >= 40);
	CHECK(strstr(w, "event type=session_start") != NULL);
	CHECK(strstr(w, "event type=mark") && strstr(w, "text=deep breath"));
	CHECK(strstr(we, "vagus: watch: vagusd went away") != NULL);
	printf("vagus watch printed %d beats from vagusd\n", beats);
	free(w);
	free(we);
	CHECK_EQ(vagus(&out, &err, "status", NULL), 4);
	CHECK(strstr(err, "vagusd is not running (no socket at") != NULL);
	free(out);
	free(err);
	return vg_test_done();
}
