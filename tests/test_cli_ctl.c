/* SPDX-License-Identifier: MIT */
/*
 * The vagus commands that talk to vagusd (status, start, stop, mark,
 * watch) run as real processes against a fake daemon: this test's own
 * control server (src/sys/ctlsrv.c) with a scripted handler, on a loop
 * the test runs while the child works. Checked: what each command sends,
 * what it prints, its exit status, its words when the daemon is missing,
 * refuses or vanishes in the middle of a watch, and the terminal view
 * through a pseudo-terminal.
 *
 * vagus is taken from $VAGUS_BUILD (default "build").
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include "sys/ctlsrv.h"
#include "sys/loop.h"
#include "test.h"

static char tmpdir[64], sock_path[100], vagus_bin[512];
static struct vg_loop *loop;
static struct vg_ctlsrv *srv;
static uid_t spawn_uid; /* run vagus as this user, when not 0 */

/* What the handler saw last, and how it is told to answer. */
static struct vg_ctl_req last_req;
static int nreq;
static enum { ANSWER_OK, ANSWER_ERR, ANSWER_DROP, ANSWER_BAD } answer;
static const char *answer_json = "{}";

static void handler(struct vg_ctlsrv *s, struct vg_ctlsrv_client *c,
		    const struct vg_ctl_req *req, void *arg)
{
	last_req = *req;
	nreq++;
	switch (answer) {
	case ANSWER_OK:
		vg_ctlsrv_reply_ok(c, answer_json);
		if (req->verb == VG_CTL_WATCH)
			vg_ctlsrv_watch(c, vg_ctl_get(req, "strap"));
		break;
	case ANSWER_ERR:
		vg_ctlsrv_reply_err(c, "nosession", "no session is running");
		break;
	case ANSWER_DROP:
		vg_ctlsrv_drop(c);
		break;
	case ANSWER_BAD:
		vg_ctlsrv_reply_ok(c, "{not json");
		break;
	}
}

static void start_server(void)
{
	struct vg_ctlsrv_config cfg = {.path = sock_path,
				       .group = VG_CTLSRV_NO_GROUP};
	int err;

	srv = vg_ctlsrv_open(loop, &cfg, handler, NULL, &err);
	CHECK(srv != NULL);
}

static void stop_server(void)
{
	vg_ctlsrv_close(srv);
	srv = NULL;
}

static void step(int ms)
{
	int64_t d = vg_loop_now(loop) + ms;

	if (srv) {
		int64_t sd = vg_ctlsrv_deadline(srv);
		if (sd >= 0 && sd < d)
			d = sd;
	}
	vg_loop_run_once(loop, d);
	if (srv)
		vg_ctlsrv_expire(srv, vg_loop_now(loop));
}

/* Starts vagus with stdout/stderr into files (or @tty_fd for stdout). */
static pid_t spawn(char *const args[], const char *out, const char *err,
		   int tty_fd)
{
	char *argv[16];
	int n = 0;

	argv[n++] = vagus_bin;
	argv[n++] = (char *)"--socket";
	argv[n++] = sock_path;
	for (int i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		int o = tty_fd >= 0
			    ? tty_fd
			    : open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		if (tty_fd >= 0) {
			setsid();
			dup2(tty_fd, 0);
		}
		if (spawn_uid &&
		    (setgroups(0, NULL) < 0 || setgid(spawn_uid) < 0 ||
		     setuid(spawn_uid) < 0))
			_exit(125);
		setenv("LANG", "C.UTF-8", 1);
		setenv("TERM", "xterm", 1);
		execv(argv[0], argv);
		_exit(127);
	}
	CHECK(pid > 0);
	return pid;
}

/*
 * Runs the loop until @pid exits or @ms pass (then it is killed).
 * Returns its exit status, or -1 for death by a signal or a timeout.
 */
static int run_child(pid_t pid, int ms)
{
	int64_t end = vg_monotonic_ms() + ms;
	int st;

	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (vg_monotonic_ms() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			CHECK(!"child timed out");
			return -1;
		}
		step(5);
	}
}

static char out_path[128], err_path[128];

static char *slurp_quiet(const char *path)
{
	size_t len;
	char *s = vg_test_slurp(path, &len);
	return s ? s : strdup("");
}

/* Runs `vagus --socket S ARGS...` to the end; returns its status. */
static int run(char *out, size_t ocap, char *err, size_t ecap, ...)
{
	char *args[12];
	int n = 0;
	va_list ap;

	va_start(ap, ecap);
	while (n < 11 && (args[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	args[n] = NULL;
	pid_t pid = spawn(args, out_path, err_path, -1);
	int status = run_child(pid, 10000);
	char *o = slurp_quiet(out_path), *e = slurp_quiet(err_path);
	snprintf(out, ocap, "%s", o);
	snprintf(err, ecap, "%s", e);
	free(o);
	free(e);
	return status;
}

static void test_commands(void)
{
	char out[8192], err[4096];

	start_server();
	answer = ANSWER_OK;
	/* vagusd's status, as src/daemon/ctl.c documents it. */
	answer_json =
	    "{\"version\":\"0.1\",\"state_dir\":\"/var/lib/vagus\","
	    "\"straps\":[{\"strap\":\"unix:/tmp/s\",\"state\":\"streaming\","
	    "\"addr\":\"unix:/tmp/s\",\"model\":\"H10\",\"manufacturer\":"
	    "\"Polar Electro Oy\",\"battery_pct\":80,\"contact\":true,"
	    "\"hr_bpm\":61.25,\"rmssd_ms\":42.5,\"beats\":1234,"
	    "\"malformed\":2,\"session\":{\"id\":\"20261130-101010\","
	    "\"started_by\":\"command\",\"elapsed_s\":754.2,\"beats\":800,"
	    "\"link_drops\":1,\"marks\":0}},{\"strap\":\"bt:AA:BB:CC:DD:"
	    "EE:FF/public\",\"state\":\"searching\",\"addr\":null,"
	    "\"model\":null,\"manufacturer\":null,\"battery_pct\":null,"
	    "\"contact\":null,\"hr_bpm\":null,\"rmssd_ms\":null,\"beats\":0,"
	    "\"malformed\":0,\"session\":null}]}";
	CHECK_EQ(run(out, sizeof(out), err, sizeof(err), "status", NULL), 0);
	CHECK_EQ(last_req.verb, VG_CTL_STATUS);
	if (!CHECK(!strcmp(
		out,
		"vagusd 0.1, sessions in /var/lib/vagus\n"
		"unix:/tmp/s  streaming\n"
		"  H10 (Polar Electro Oy)\n"
		"  battery 80 %, contact yes\n"
		"  HR 61.2 bpm, RMSSD 42.5 ms, 1234 beats (2 malformed "
		"notifications)\n"
		"  session 20261130-101010 (started by command), 0:12:34, 800 "
		"beats, 1 link drop, 0 marks\n"
		"bt:AA:BB:CC:DD:EE:FF/public  searching\n"
		"  battery unknown, contact n/a\n"
		"  HR --, RMSSD --, 0 beats\n"
		"  no session running\n")))
		fprintf(stderr, "%s", out);
	CHECK_EQ(strlen(err), 0);
	CHECK_EQ(
	    run(out, sizeof(out), err, sizeof(err), "status", "--json", NULL),
	    0);
	CHECK(!strncmp(out, answer_json, strlen(answer_json)));
	/* Another shape: printed member by member. */
	answer_json = "{\"state\":\"idle\",\"session\":{\"id\":\"x\"},"
		      "\"list\":[1,2],\"objs\":[{\"a_b\":true}]}";
	CHECK_EQ(run(out, sizeof(out), err, sizeof(err), "status", NULL), 0);
	CHECK(!strcmp(out, "state: idle\nsession:\n  id: x\nlist: 1, 2\n"
			   "objs:\n  -\n    a b: yes\n"));

	answer_json = "{\"id\":\"20261130-101010\",\"tag\":\"mat\"}";
	CHECK_EQ(run(out, sizeof(out), err, sizeof(err), "start", "--tag",
		     "mat", "--note", "after work, 20 min", "--strap",
		     "unix:/tmp/s", NULL),
		 0);
	CHECK_EQ(last_req.verb, VG_CTL_START);
	CHECK(vg_ctl_get(&last_req, "tag") &&
	      !strcmp(vg_ctl_get(&last_req, "tag"), "mat"));
	CHECK(vg_ctl_get(&last_req, "note") &&
	      !strcmp(vg_ctl_get(&last_req, "note"), "after work, 20 min"));
	CHECK(vg_ctl_get(&last_req, "strap") &&
	      !strcmp(vg_ctl_get(&last_req, "strap"), "unix:/tmp/s"));
	CHECK(!strcmp(out, "started session 20261130-101010\n  tag: mat\n"));

	/* A bare Bluetooth address goes out in its canonical form. */
	CHECK_EQ(run(out, sizeof(out), err, sizeof(err), "stop", "--strap",
		     "aa:bb:cc:dd:ee:ff", NULL),
		 0);
	CHECK_EQ(last_req.verb, VG_CTL_STOP);
	CHECK(vg_ctl_get(&last_req, "strap") &&
	      !strcmp(vg_ctl_get(&last_req, "strap"),
		      "bt:AA:BB:CC:DD:EE:FF/public"));
	CHECK(!strncmp(out, "stopped session 20261130-101010\n", 32));

	CHECK_EQ(run(out, sizeof(out), err, sizeof(err), "mark", "deep",
		     "breath", "=100%", NULL),
		 0);
	CHECK_EQ(last_req.verb, VG_CTL_MARK);
	CHECK(vg_ctl_get(&last_req, "text") &&
	      !strcmp(vg_ctl_get(&last_req, "text"), "deep breath =100%"));

	/* The daemon refuses: its words, exit 5. */
	answer = ANSWER_ERR;
	CHECK_EQ(run(out, sizeof(out), err, sizeof(err), "stop", NULL), 5);
	CHECK(!strcmp(err, "vagus: stop: no session is running\n"));
	CHECK_EQ(strlen(out), 0);

	/* It hangs up without a word, or answers garbage. */
	answer = ANSWER_DROP;
	CHECK_EQ(run(out, sizeof(out), err, sizeof(err), "status", NULL), 4);
	CHECK(strstr(err, "closed the connection without answering") != NULL);
	answer = ANSWER_BAD;
	CHECK_EQ(run(out, sizeof(out), err, sizeof(err), "status", NULL), 1);
	CHECK(strstr(err, "not the protocol") != NULL);

	/* Usage errors never reach the daemon. */
	answer = ANSWER_OK;
	int before = nreq;
	CHECK_EQ(run(out, sizeof(out), err, sizeof(err), "mark", NULL), 2);
	CHECK_EQ(run(out, sizeof(out), err, sizeof(err), "start", "--strap",
		     "nonsense", NULL),
		 2);
	CHECK_EQ(
	    run(out, sizeof(out), err, sizeof(err), "stop", "--tag", "x", NULL),
	    2);
	CHECK_EQ(run(out, sizeof(out), err, sizeof(err), "watch", "--pacer",
		     "0.5", NULL),
		 2);
	char longtext[700];
	memset(longtext, 'x', sizeof(longtext) - 1);
	longtext[sizeof(longtext) - 1] = '\0';
	CHECK_EQ(
	    run(out, sizeof(out), err, sizeof(err), "mark", longtext, NULL), 2);
	CHECK_EQ(nreq, before);
	stop_server();

	/* No daemon at all, and a socket a dead daemon left behind. */
	CHECK_EQ(run(out, sizeof(out), err, sizeof(err), "status", NULL), 4);
	char want[256];
	snprintf(want, sizeof(want),
		 "vagus: vagusd is not running (no socket at %s)\n", sock_path);
	CHECK(!strcmp(err, want));
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
	close(fd);
	CHECK_EQ(run(out, sizeof(out), err, sizeof(err), "watch", NULL), 4);
	CHECK(strstr(err, "vagusd is not running (nobody answers at") != NULL);
	unlink(sock_path);
}

/* As another user (needs root): the file's mode, then the daemon's own
 * credentials check when the file is opened wide. */
static void test_other_user(void)
{
	char out[1024], err[1024], want[256];

	if (geteuid() != 0) {
		printf("other users: skipped (not root)\n");
		return;
	}
	start_server();
	answer = ANSWER_OK;
	answer_json = "{}";
	CHECK(chmod(tmpdir, 0755) == 0);
	spawn_uid = 65534;
	CHECK_EQ(run(out, sizeof(out), err, sizeof(err), "status", NULL), 4);
	snprintf(want, sizeof(want),
		 "vagus: status: may not connect to %s: permission denied",
		 sock_path);
	CHECK(!strncmp(err, want, strlen(want)));
	CHECK(chmod(sock_path, 0666) == 0);
	CHECK_EQ(run(out, sizeof(out), err, sizeof(err), "status", NULL), 5);
	CHECK(!strcmp(err, "vagus: status: vagusd refused the request: this "
			   "user may not control vagusd\n"));
	spawn_uid = 0;
	CHECK(chmod(tmpdir, 0700) == 0);
	stop_server();
}

static void broadcast_beats(int from, int n, const char *strap)
{
	char json[256];

	for (int i = from; i < from + n; i++) {
		snprintf(json, sizeof(json),
			 "{\"t_s\":%d.5,\"hr_bpm\":%d.25,\"rr_ms\":%d,"
			 "\"rmssd_ms\":%s,\"artifact\":%s,\"contact\":%s,"
			 "\"strap\":\"%s\"}",
			 i, 60 + i % 5, 1000 - i, i < 2 ? "null" : "41.5",
			 i % 7 == 3 ? "true" : "false",
			 i == 4 ? "null" : "true", strap);
		vg_ctlsrv_broadcast_beat(srv, strap, json);
	}
}

/* Runs the loop until @pid has become a watcher (or 5 s). */
static bool wait_watcher(unsigned n)
{
	int64_t end = vg_monotonic_ms() + 5000;

	while (vg_ctlsrv_watchers(srv) < n && vg_monotonic_ms() < end)
		step(5);
	return vg_ctlsrv_watchers(srv) >= n;
}

static void test_watch_lines(void)
{
	start_server();
	answer = ANSWER_OK;
	answer_json = "{\"watching\":true}";
	char *args[] = {(char *)"watch", (char *)"--strap",
			(char *)"unix:/tmp/a", NULL};
	pid_t pid = spawn(args, out_path, err_path, -1);
	CHECK(wait_watcher(1));
	CHECK(vg_ctl_get(&last_req, "strap") &&
	      !strcmp(vg_ctl_get(&last_req, "strap"), "unix:/tmp/a"));
	broadcast_beats(0, 10, "unix:/tmp/a");
	broadcast_beats(100, 3, "unix:/tmp/other"); /* filtered out */
	vg_ctlsrv_broadcast_event(srv, "unix:/tmp/a",
				  "{\"type\":\"mark\",\"text\":\"deep "
				  "breath\",\"t_s\":10.5}");
	vg_ctlsrv_broadcast_beat(srv, "unix:/tmp/a", "{\"garbage");
	for (int i = 0; i < 20; i++)
		step(5);
	/* The daemon vanishes. */
	stop_server();
	int status = run_child(pid, 5000);
	CHECK_EQ(status, 4);
	char *out = slurp_quiet(out_path), *err = slurp_quiet(err_path);
	int lines = 0;
	for (char *p = out; *p; p++)
		lines += *p == '\n';
	CHECK_EQ(lines, 11);
	CHECK(!strncmp(out,
		       "t_s=0.500 hr_bpm=60.2 rr_ms=1000.0 rmssd_ms=- "
		       "artifact=0 contact=1 strap=unix:/tmp/a\n",
		       84));
	CHECK(strstr(out, "t_s=3.500 hr_bpm=63.2 rr_ms=997.0 rmssd_ms=41.5 "
			  "artifact=1 contact=1 strap=unix:/tmp/a\n") != NULL);
	CHECK(strstr(out, "t_s=4.500 hr_bpm=64.2 rr_ms=996.0 rmssd_ms=41.5 "
			  "artifact=0 contact=- strap=unix:/tmp/a\n") != NULL);
	CHECK(strstr(out, "event type=mark text=deep breath t_s=10.5\n") !=
	      NULL);
	CHECK(strstr(out, "other") == NULL);
	CHECK(strstr(err, "vagus: watch: vagusd went away") != NULL);
	CHECK(strstr(err, "1 line from vagusd not understood") != NULL);
	free(out);
	free(err);

	/* Ctrl-C ends a watch cleanly: status 0, nothing on stderr. */
	start_server();
	answer = ANSWER_OK;
	char *args3[] = {(char *)"watch", NULL};
	pid = spawn(args3, out_path, err_path, -1);
	CHECK(wait_watcher(1));
	broadcast_beats(0, 2, "unix:/tmp/a");
	for (int i = 0; i < 10; i++)
		step(5);
	kill(pid, SIGINT);
	CHECK_EQ(run_child(pid, 5000), 0);
	out = slurp_quiet(out_path);
	err = slurp_quiet(err_path);
	CHECK(!strncmp(out, "t_s=0.500 ", 10));
	CHECK(strstr(out, "t_s=1.500 ") != NULL);
	CHECK_EQ(strlen(err), 0);
	free(out);
	free(err);
	stop_server();

	/* A watch the daemon refuses. */
	start_server();
	answer = ANSWER_ERR;
	char *args2[] = {(char *)"watch", NULL};
	pid = spawn(args2, out_path, err_path, -1);
	CHECK_EQ(run_child(pid, 5000), 5);
	stop_server();
}

/* The terminal view through a pseudo-terminal, with the pacer. */
static void test_watch_tty(void)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	if (!CHECK(master >= 0) || !CHECK(grantpt(master) == 0) ||
	    !CHECK(unlockpt(master) == 0))
		return;
	int slave = open(ptsname(master), O_RDWR | O_NOCTTY);
	CHECK(slave >= 0);
	fcntl(master, F_SETFL, O_NONBLOCK);

	start_server();
	answer = ANSWER_OK;
	answer_json = "{}";
	char *args[] = {(char *)"watch", (char *)"--pacer", (char *)"30", NULL};
	pid_t pid = spawn(args, NULL, err_path, slave);
	close(slave);
	CHECK(wait_watcher(1));
	static char screen[1 << 16];
	size_t len = 0;
	for (int k = 0; k < 6; k++) {
		broadcast_beats(k, 1, "unix:/tmp/a");
		if (k == 3)
			vg_ctlsrv_broadcast_event(
			    srv, "unix:/tmp/a",
			    "{\"type\":\"mark\",\"strap\":\"unix:/tmp/a\","
			    "\"id\":\"20261130-101010\",\"text\":\"deep "
			    "breath\"}");
		/* A 2 s breath at 30/min: 250 ms sees the bar move. */
		for (int i = 0; i < 50; i++) {
			step(5);
			ssize_t r = read(master, screen + len,
					 sizeof(screen) - len - 1);
			if (r > 0)
				len += (size_t)r;
		}
	}
	stop_server();
	int status = run_child(pid, 5000);
	ssize_t r;
	while ((r = read(master, screen + len, sizeof(screen) - len - 1)) > 0)
		len += (size_t)r;
	screen[len] = '\0';
	close(master);
	CHECK_EQ(status, 4);
	if (getenv("VAGUS_TEST_DUMP"))
		fwrite(screen, 1, len, stderr);
	CHECK(strstr(screen, "\033[?25l") != NULL); /* cursor hidden */
	CHECK(strstr(screen, "\033[?25h") != NULL); /* and back */
	CHECK(strstr(screen, "\033[6F") != NULL);   /* redrawn in place */
	CHECK(strstr(screen, "HR      64.2 bpm") != NULL);
	CHECK(strstr(screen, "RMSSD   41.5 ms") != NULL);
	CHECK(strstr(screen, "RR  996 ms") != NULL);
	CHECK(strstr(screen, "contact yes") != NULL);
	CHECK(strstr(screen, "contact n/a") != NULL);
	CHECK(strstr(screen, "artifact (beat corrected)") != NULL);
	CHECK(strstr(screen, "breathe in") != NULL);
	CHECK(strstr(screen, "breathe out") != NULL);
	CHECK(strstr(screen, "30.0/min") != NULL);
	CHECK(strstr(screen, "last event: mark: deep breath (session "
			     "20261130-101010)") != NULL);
	CHECK(strstr(screen, "00:05") != NULL);
	CHECK(strstr(screen, "\u2584") != NULL); /* the HR trend */
	/* Redraws between beats: many more frames than beats. */
	int frames = 0;
	for (char *p = screen; (p = strstr(p, "breathe ")) != NULL; p++)
		frames++;
	/* 1 first frame + 6 beats + 1 event: the rest are pacer ticks. */
	CHECK(frames >= 10);
	printf("tty view: %d frames for 6 beats in %zu bytes\n", frames, len);
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
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/vagus-clictl-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		CHECK(!"mkdtemp");
		return vg_test_done();
	}
	snprintf(sock_path, sizeof(sock_path), "%s/vagusd.sock", tmpdir);
	snprintf(out_path, sizeof(out_path), "%s/out", tmpdir);
	snprintf(err_path, sizeof(err_path), "%s/err", tmpdir);
	signal(SIGPIPE, SIG_IGN);
	loop = vg_loop_new();
	test_commands();
	test_watch_lines();
	test_watch_tty();
	test_other_user();
	vg_loop_free(loop);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return vg_test_done();
}
