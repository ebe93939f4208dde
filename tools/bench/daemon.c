/* SPDX-License-Identifier: MIT */
/*
 * vagusd's figures (issue 4):
 *
 *   notify     the per-notification path in the daemon's own code
 *              (pipeline_notify: decode, beat clock, causal artifacts, live
 *              HR/RMSSD, journal append, the beat line sent to a watching
 *              client on a real control socket), p50 and p99 in us, and
 *              the heap allocations it makes; beside it the loop
 *              iteration's journal write() and the fdatasync due about
 *              once a second
 *   straps     notifications per second through one vagusd process from
 *              1, 10, 100 and 1000 straps, each served by this program on
 *              its own Unix SOCK_SEQPACKET socket with the ATT server the
 *              simulated strap uses, sending as fast as vagusd reads
 *   24 h       vagusd's resident memory after a simulated 24-hour session
 *              (vagus-sim replaying the recording at 10,000 x)
 *
 * The throughput figure counts notifications sent in a measured interval
 * after a warm-up: by then every socket's queue is full, so what goes in
 * equals what vagusd takes out. This program and vagusd share the
 * machine's cores; the figure is for the pair.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "sys/ctlsrv.h"
#include "sys/loop.h"
#include "vagus/att_server.h"
#include "vagus/gatt.h"
#include "vagus/hrs.h"
#include "vagus/rrfile.h"

#include "bench.h"

#define NOTIFY_WARMUP 2000
#define SYNC_SAMPLES 200
#define STRAPS_MAX 1000
#define WARMUP_S 2.0
#define MEASURE_S 3.0

static char tmpdir[] = "/tmp/vagus-bench.XXXXXX";

static void rm_tree(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "vagus-bench: could not remove %s\n", tmpdir);
}

/* The recording as 1/1024 s units, as a strap sends them. */
static uint16_t *load_units(const char *path, size_t *n)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	size_t len;
	char *buf = slurp(path, &len);
	uint16_t *u = NULL;

	if (buf && vg_rrfile_parse(buf, len, &s, NULL) == 0 && s.n &&
	    (u = malloc(s.n * sizeof(*u)))) {
		for (size_t i = 0; i < s.n; i++)
			u[i] = vg_ms_to_rr1024(s.ms[i]);
		*n = s.n;
	}
	vg_rr_free(&s);
	free(buf);
	return u;
}

/* A Heart Rate Measurement value with one RR and contact detected. */
static size_t hrm_value(uint16_t rr, uint8_t *buf, size_t cap)
{
	struct vg_hrm m = {0};

	m.hr_bpm = (uint16_t)(61440u / (rr ? rr : 1));
	m.contact = VG_CONTACT_OK;
	m.has_rr = true;
	m.rr_count = 1;
	m.rr[0] = rr;
	int n = vg_hrs_encode_measurement(&m, buf, cap);
	return n > 0 ? (size_t)n : 0;
}

static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* ---- notify: the daemon's hot path, in process ---- */

static void drain(int fd, size_t *bytes)
{
	char buf[65536];
	ssize_t r;

	while ((r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		*bytes += (size_t)r;
}

static int bench_notify(const uint16_t *rr, size_t n)
{
	struct vgd_opts o;
	struct vagusd d;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char err[256];
	size_t got = 0;
	int bad = 0, cfd = -1;

	opts_defaults(&o);
	snprintf(o.state_dir, sizeof(o.state_dir), "%s/state", tmpdir);
	snprintf(o.socket, sizeof(o.socket), "%s/ctl.sock", tmpdir);
	memset(&d, 0, sizeof(d));
	d.o = &o;
	d.loop = vg_loop_new();
	d.report = report_session;
	d.wall_offset = (int64_t)time(NULL) * 1000 - vg_monotonic_ms();
	if (mkdir(o.state_dir, 0700) < 0 ||
	    (d.state_fd = open(o.state_dir, O_RDONLY | O_DIRECTORY)) < 0 ||
	    mkdirat(d.state_fd, "sessions", 0700) < 0 ||
	    (d.sessions_fd =
		 openat(d.state_fd, "sessions", O_RDONLY | O_DIRECTORY)) < 0 ||
	    !d.loop || ctl_open(&d, err, sizeof(err)) < 0) {
		fprintf(stderr, "vagus-bench: daemon set-up failed\n");
		return 1;
	}

	/* One client watches, as `vagus watch` does. */
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", o.socket) >=
	    (int)sizeof(sa.sun_path))
		return 1;
	cfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (cfd < 0 || connect(cfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    write(cfd, "watch\n", 6) != 6) {
		fprintf(stderr,
			"vagus-bench: cannot reach the control socket\n");
		return 1;
	}
	for (int i = 0; i < 100 && vg_ctlsrv_watchers(d.ctl) < 1; i++)
		vg_loop_run_once(d.loop, vg_monotonic_ms() + 10);
	d.watchers = vg_ctlsrv_watchers(d.ctl);
	drain(cfd, &got);

	struct strap *s =
	    conn_new(&d, 0, "unix:/nonexistent", err, sizeof(err));
	int64_t now = vg_monotonic_ms(), t_start = now;
	if (!s ||
	    session_start(s, true, "bench", NULL, now, err, sizeof(err)) < 0) {
		fprintf(stderr, "vagus-bench: %s\n", err);
		return 1;
	}

	double *lat = malloc(n * sizeof(*lat));
	double *wr = malloc(n * sizeof(*wr));
	size_t m = 0;
	unsigned long allocs = 0;
	uint8_t v[32];
	for (size_t i = 0; i < n; i++) {
		size_t len = hrm_value(rr[i], v, sizeof(v));
		now += rr[i] * 1000 / 1024;
		unsigned long a0 = allocations;
		double t0 = wall_ns();
		pipeline_notify(s, v, len, now);
		double t1 = wall_ns();
		/* The iteration's write(); no fdatasync (measured below). */
		session_flush(s, t_start);
		double t2 = wall_ns();
		if (i >= NOTIFY_WARMUP) {
			allocs += allocations - a0;
			lat[m] = t1 - t0;
			wr[m++] = t2 - t1;
		}
		drain(cfd, &got);
	}
	qsort(lat, m, sizeof(*lat), cmp_double);
	qsort(wr, m, sizeof(*wr), cmp_double);
	printf("notify    decode -> beat clock -> artifacts -> live -> "
	       "journal append -> watch line:\n"
	       "          p50 %.2f us, p99 %.2f us, max %.1f us over %zu "
	       "notifications; %lu heap allocations\n",
	       quantile(lat, m, 0.5) / 1e3, quantile(lat, m, 0.99) / 1e3,
	       lat[m - 1] / 1e3, m, allocs);
	printf("          journal write() per iteration: p50 %.2f us, p99 "
	       "%.2f us; the watcher got %zu bytes\n",
	       quantile(wr, m, 0.5) / 1e3, quantile(wr, m, 0.99) / 1e3, got);
	bad |= allocs != 0;

	/* fdatasync, due about once a second of the loop's clock. */
	for (size_t i = 0; i < SYNC_SAMPLES; i++) {
		size_t len = hrm_value(rr[i], v, sizeof(v));
		now += 1001;
		pipeline_notify(s, v, len, now);
		double t0 = wall_ns();
		session_flush(s, now);
		lat[i] = wall_ns() - t0;
		drain(cfd, &got);
	}
	qsort(lat, SYNC_SAMPLES, sizeof(*lat), cmp_double);
	printf("          write() + fdatasync, once a second: p50 %.0f us, "
	       "p99 %.0f us (this machine's disk)\n",
	       quantile(lat, SYNC_SAMPLES, 0.5) / 1e3,
	       quantile(lat, SYNC_SAMPLES, 0.99) / 1e3);

	d.report = NULL; /* a 24 h report is the core bench's business */
	session_stop(s, "bench", now);
	conn_free(s);
	ctl_close(&d);
	close(cfd);
	close(d.sessions_fd);
	close(d.state_fd);
	vg_loop_free(d.loop);
	opts_free(&o);
	free(lat);
	free(wr);
	return bad;
}

/* ---- straps: a process of vagusd against N straps served here ---- */

struct hoststrap {
	int lfd, fd;
	struct vg_atts *db;
	uint16_t h_hrm;
	bool streaming;
	size_t next; /* index into the recording */
	uint64_t sent;
};

static struct vg_atts *strap_db(uint16_t *h_hrm)
{
	struct vg_atts *db = vg_atts_new();
	static const uint8_t chest = VG_BODY_CHEST;
	int h;

	if (!db || vg_atts_add_service(db, VG_UUID_HEART_RATE_SERVICE) < 0 ||
	    (h = vg_atts_add_char(db, VG_UUID_HR_MEASUREMENT,
				  VG_ATTS_PROP_NOTIFY, NULL, 0)) < 0 ||
	    vg_atts_add_char(db, VG_UUID_BODY_SENSOR_LOCATION,
			     VG_ATTS_PROP_READ, &chest, 1) < 0) {
		vg_atts_free(db);
		return NULL;
	}
	*h_hrm = (uint16_t)h;
	return db;
}

static pid_t spawn_vagusd(const char *build, size_t nstraps)
{
	const char **argv = calloc(2 * nstraps + 16, sizeof(*argv));
	char **specs = calloc(nstraps, sizeof(*specs));
	char prog[512], state[256], sock[256];
	size_t a = 0;

	if (!argv || !specs)
		return -1;

	snprintf(prog, sizeof(prog), "%s/vagusd", build);
	snprintf(state, sizeof(state), "%s/state-%zu", tmpdir, nstraps);
	snprintf(sock, sizeof(sock), "%s/ctl-%zu.sock", tmpdir, nstraps);
	argv[a++] = prog;
	for (size_t i = 0; i < nstraps; i++) {
		argv[a++] = "--strap";
		if (asprintf(&specs[i], "unix:%s/s%zu.sock", tmpdir, i) < 0)
			return -1;
		argv[a++] = specs[i];
	}
	argv[a++] = "--state-dir";
	argv[a++] = state;
	argv[a++] = "--socket";
	argv[a++] = sock;
	argv[a++] = "--auto-start";
	argv[a++] = "1";
	argv[a++] = "--settle";
	argv[a++] = "0";
	argv[a] = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		char logpath[300];
		snprintf(logpath, sizeof(logpath), "%s/vagusd-%zu.log", tmpdir,
			 nstraps);
		int log = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(log, 2);
		execv(prog, (char *const *)argv);
		_exit(127);
	}
	for (size_t i = 0; i < nstraps; i++)
		free(specs[i]);
	free(specs);
	free(argv);
	return pid;
}

static void strap_input(struct hoststrap *h, int ep)
{
	uint8_t pdu[VG_ATTS_MTU_MAX], rsp[VG_ATTS_MTU_MAX];
	struct vg_atts_event ev;
	ssize_t r;

	while ((r = recv(h->fd, pdu, sizeof(pdu), MSG_DONTWAIT)) > 0) {
		int k =
		    vg_atts_input(h->db, pdu, (size_t)r, rsp, sizeof(rsp), &ev);
		if (k > 0 && send(h->fd, rsp, (size_t)k, MSG_NOSIGNAL) < 0)
			return;
		if (ev.type == VG_ATTS_EV_CCCD && ev.handle == h->h_hrm &&
		    (ev.cccd & 1) && !h->streaming) {
			struct epoll_event e = {.events = EPOLLIN | EPOLLOUT,
						.data.ptr = h};
			h->streaming = true;
			epoll_ctl(ep, EPOLL_CTL_MOD, h->fd, &e);
		}
	}
	if (r == 0) {
		epoll_ctl(ep, EPOLL_CTL_DEL, h->fd, NULL);
		close(h->fd);
		h->fd = -1;
		h->streaming = false;
	}
}

/* Sends notifications until the socket is full. */
static void strap_output(struct hoststrap *h, const uint16_t *rr, size_t n)
{
	uint8_t v[32], pdu[64];

	for (;;) {
		size_t len = hrm_value(rr[h->next], v, sizeof(v));
		int k = vg_atts_notification(h->db, h->h_hrm, v, len, pdu,
					     sizeof(pdu));
		if (k <= 0 || send(h->fd, pdu, (size_t)k,
				   MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			return;
		h->sent++;
		h->next = (h->next + 1) % n;
	}
}

static uint64_t total_sent(const struct hoststrap *hs, size_t n)
{
	uint64_t t = 0;

	for (size_t i = 0; i < n; i++)
		t += hs[i].sent;
	return t;
}

/* Runs vagusd with @nstraps straps; returns notifications/s, < 0 on error. */
static double bench_straps(const char *build, size_t nstraps,
			   const uint16_t *rr, size_t n)
{
	struct hoststrap *hs = calloc(nstraps, sizeof(*hs));
	struct epoll_event evs[256];
	int ep = epoll_create1(EPOLL_CLOEXEC);
	double rate = -1;
	pid_t pid = -1;

	for (size_t i = 0; i < nstraps; i++) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		hs[i].fd = -1;
		hs[i].db = strap_db(&hs[i].h_hrm);
		hs[i].next = (i * 7919) % n;
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/s%zu.sock",
			 tmpdir, i);
		unlink(sa.sun_path);
		hs[i].lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);
		struct epoll_event e = {.events = EPOLLIN, .data.ptr = &hs[i]};
		if (!hs[i].db || hs[i].lfd < 0 ||
		    bind(hs[i].lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    listen(hs[i].lfd, 4) < 0 ||
		    epoll_ctl(ep, EPOLL_CTL_ADD, hs[i].lfd, &e) < 0) {
			fprintf(stderr, "vagus-bench: strap %zu: %s\n", i,
				strerror(errno));
			goto out;
		}
	}
	pid = spawn_vagusd(build, nstraps);
	if (pid < 0)
		goto out;

	/* Until every strap streams (or 60 s), then warm-up, then measure. */
	double t_begin = wall_ns(), t_mark = 0, t_end = 0;
	uint64_t sent_mark = 0;
	for (;;) {
		double t = wall_ns();
		size_t streaming = 0;
		for (size_t i = 0; i < nstraps; i++)
			streaming += hs[i].streaming;
		if (!t_mark && streaming == nstraps) {
			t_mark = t + WARMUP_S * 1e9;
			sent_mark = UINT64_MAX;
		}
		if (sent_mark == UINT64_MAX && t >= t_mark) {
			sent_mark = total_sent(hs, nstraps);
			t_mark = t;
			t_end = t + MEASURE_S * 1e9;
		}
		if (t_end && t >= t_end) {
			rate = (double)(total_sent(hs, nstraps) - sent_mark) /
			       ((t - t_mark) / 1e9);
			break;
		}
		if (!t_mark && t - t_begin > 60e9) {
			fprintf(stderr,
				"vagus-bench: only %zu of %zu straps streaming "
				"after 60 s\n",
				streaming, nstraps);
			break;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			fprintf(stderr, "vagus-bench: vagusd exited\n");
			pid = -1;
			break;
		}
		int k = epoll_wait(ep, evs, 256, 100);
		for (int e = 0; e < k; e++) {
			struct hoststrap *h = evs[e].data.ptr;
			if (h->fd < 0) {
				int fd = accept4(h->lfd, NULL, NULL,
						 SOCK_NONBLOCK | SOCK_CLOEXEC);
				if (fd < 0)
					continue;
				h->fd = fd;
				vg_atts_reset_link(h->db);
				struct epoll_event ne = {.events = EPOLLIN,
							 .data.ptr = h};
				epoll_ctl(ep, EPOLL_CTL_DEL, h->lfd, NULL);
				epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ne);
				continue;
			}
			if (evs[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				strap_input(h, ep);
			if (h->fd >= 0 && h->streaming &&
			    (evs[e].events & EPOLLOUT))
				strap_output(h, rr, n);
		}
	}
out:
	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
	}
	for (size_t i = 0; i < nstraps; i++) {
		if (hs[i].fd >= 0)
			close(hs[i].fd);
		if (hs[i].lfd >= 0)
			close(hs[i].lfd);
		vg_atts_free(hs[i].db);
	}
	close(ep);
	free(hs);
	return rate;
}

/* ---- 24 h: vagusd's memory after a day of beats ---- */

static long status_kb(pid_t pid, const char *key)
{
	char path[64], line[256];
	long kb = -1;
	size_t klen = strlen(key);

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ':')
			kb = strtol(line + klen + 1, NULL, 10);
	fclose(f);
	return kb;
}

static int bench_day(const char *build, const char *path, double hours)
{
	char prog[512], sim[512], sock[256], ctl[256], state[256];
	char journal[512];
	pid_t dpid, spid;

	snprintf(prog, sizeof(prog), "%s/vagusd", build);
	snprintf(sim, sizeof(sim), "%s/vagus-sim", build);
	snprintf(sock, sizeof(sock), "unix:%s/day.sock", tmpdir);
	snprintf(ctl, sizeof(ctl), "%s/day-ctl.sock", tmpdir);
	snprintf(state, sizeof(state), "%s/day-state", tmpdir);

	spid = fork();
	if (spid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execl(sim, sim, "--listen", sock, "--rr", path, "--speed",
		      "10000", (char *)NULL);
		_exit(127);
	}
	usleep(200000);
	dpid = fork();
	if (dpid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		execl(prog, prog, "--strap", sock, "--state-dir", state,
		      "--socket", ctl, "--auto-start", "30", "--gone-timeout",
		      "3600", (char *)NULL);
		_exit(127);
	}
	long start_rss = -1;
	double t0 = wall_ns();
	for (int i = 0; waitpid(spid, NULL, WNOHANG) != spid; i++) {
		if (i == 10)
			start_rss = status_kb(dpid, "VmRSS");
		if (wall_ns() - t0 > 120e9) {
			kill(spid, SIGKILL);
			waitpid(spid, NULL, 0);
			break;
		}
		usleep(100000);
	}
	double took = (wall_ns() - t0) / 1e9;
	/* The recording is over; the session is still open. */
	usleep(300000);
	long rss = status_kb(dpid, "VmRSS"), hwm = status_kb(dpid, "VmHWM");
	snprintf(journal, sizeof(journal),
		 "du -sk %s/sessions | cut -f1 > %s/du", state, tmpdir);
	long jkb = -1;
	if (system(journal) == 0) {
		snprintf(journal, sizeof(journal), "%s/du", tmpdir);
		FILE *f = fopen(journal, "r");
		if (f) {
			if (fscanf(f, "%ld", &jkb) != 1)
				jkb = -1;
			fclose(f);
		}
	}
	kill(dpid, SIGTERM);
	waitpid(dpid, NULL, 0);
	printf(
	    "24 h      vagusd after a %.1f h recording (replayed in %.1f s): "
	    "RSS %ld KiB (%ld KiB one second in), peak %ld KiB; session "
	    "folder %ld KiB\n",
	    hours, took, rss, start_rss, hwm, jkb);
	return rss < 0;
}

int bench_daemon(const char *path, const char *build)
{
	static const size_t counts[] = {1, 10, 100, 1000};
	size_t n = 0;
	uint16_t *rr = load_units(path, &n);
	int bad = 0;

	if (!rr) {
		fprintf(stderr, "vagus-bench: %s: cannot read\n", path);
		return 1;
	}
	if (!mkdtemp(tmpdir)) {
		perror("vagus-bench: mkdtemp");
		return 1;
	}
	raise_fd_limit();
	signal(SIGPIPE, SIG_IGN);
	log_init(VG_LOG_STDERR, "vagus-bench", false);

	bad |= bench_notify(rr, n);

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		double rate = bench_straps(build, counts[i], rr, n);
		if (rate < 0) {
			printf("straps    %4zu: failed\n", counts[i]);
			bad = 1;
			continue;
		}
		printf("straps    %4zu: %9.0f notifications/s through one "
		       "vagusd (%.0f per strap)\n",
		       counts[i], rate, rate / (double)counts[i]);
	}

	double hours = 0;
	for (size_t i = 0; i < n; i++)
		hours += rr[i] / 1024.0 / 3600;
	bad |= bench_day(build, path, hours);

	free(rr);
	if (getenv("VAGUS_BENCH_KEEP"))
		printf("kept %s\n", tmpdir);
	else
		rm_tree();
	return bad;
}
