/* SPDX-License-Identifier: MIT */
/*
 * vagusd: start-up, the loop, shutdown.
 *
 * Start-up: options and config file, logging, the state directory (0700)
 * and STATE/sessions, the control socket, recovery of sessions a crash
 * left unfinished (closed and reported), then one connection manager per
 * --strap. The loop: wait for the earliest
 * deadline of any strap or journal (none at all when nothing is
 * connected and nothing is pending), dispatch, run what is due, then
 * write each session journal once (session_flush). SIGTERM and SIGINT end
 * the loop: sessions are closed (END "daemon stopped") and reported.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "sys/ctlsrv.h"
#include "sys/loop.h"
#include "sys/priv.h"
#include "vagus/version.h"

/*
 * Journal times are wall-clock ms, derived from the loop's monotonic now
 * through an offset. Reading both clocks gives an offset that wobbles by
 * a millisecond or two from one iteration to the next, so it is only
 * taken again when the wall clock was set (a step of over 100 ms).
 */
static void refresh_wall(struct vagusd *d, bool first)
{
	struct timespec ts;
	int64_t off;

	clock_gettime(CLOCK_REALTIME, &ts);
	off = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 -
	      vg_monotonic_ms();
	if (first || off > d->wall_offset + 100 || off < d->wall_offset - 100)
		d->wall_offset = off;
}

/* mkdir -p with mode 0700 for what we create; existing parts are kept. */
static int make_dirs(const char *path)
{
	char buf[VGD_PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static void open_state(struct vagusd *d)
{
	int rc = make_dirs(d->o->state_dir);

	if (rc < 0) {
		errno = -rc;
		fatal("cannot create the state directory %s", d->o->state_dir);
	}
	d->state_fd = open(d->o->state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->state_fd < 0)
		fatal("%s", d->o->state_dir);
	if (mkdirat(d->state_fd, "sessions", 0700) < 0 && errno != EEXIST)
		fatal("%s/sessions", d->o->state_dir);
	d->sessions_fd =
	    openat(d->state_fd, "sessions", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->sessions_fd < 0)
		fatal("%s/sessions", d->o->state_dir);
}

/*
 * Each strap holds up to three descriptors (its link, its session folder
 * and journal), so a studio of many straps outgrows the usual soft limit
 * of 1024; the hard limit is ours to take.
 */
static void raise_fd_limit(size_t nstraps)
{
	struct rlimit rl;
	rlim_t want = 64 + 3 * (rlim_t)nstraps;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < want)
		log_warnx("only %llu file descriptors for %zu straps; some "
			  "may fail to connect",
			  (unsigned long long)rl.rlim_cur, nstraps);
}

/*
 * What needed privileges is open (state folder, control socket); before
 * a byte comes from a strap or a client, keep only the capabilities
 * Bluetooth needs (none when every strap is a unix: one), empty the
 * other sets, set no_new_privs, and check (vagusd(8), PRIVILEGES). A
 * process that never had them keeps nothing and only gains
 * no_new_privs.
 */
static void drop_privileges(const struct vagusd *d)
{
	struct vg_priv_target t;
	struct vg_priv_state st;
	const char *why = NULL;
	char caps[128];
	bool bt = false;
	int rc;

	for (size_t i = 0; i < d->nstraps; i++)
		if (d->straps[i]->autodisc ||
		    d->straps[i]->addr.kind == VG_ADDR_BT)
			bt = true;
	memset(&t, 0, sizeof(t));
	if (vg_priv_state(&st) < 0)
		fatal("cannot read the process's credentials");
	t.keep_caps = bt ? VG_PRIV_BT_CAPS & st.permitted : 0;
	rc = vg_priv_drop(&t, &why);
	if (rc < 0) {
		errno = -rc;
		fatal("dropping privileges: %s", why ? why : "failed");
	}
	if (bt && (t.keep_caps & VG_PRIV_BT_CAPS) != VG_PRIV_BT_CAPS)
		log_info("without CAP_NET_ADMIN and CAP_NET_RAW: --strap auto "
			 "cannot discover straps (see vagusd(8), PRIVILEGES)");
	log_debug("privileges: keeping %s",
		  vg_priv_caps_str(t.keep_caps, caps, sizeof(caps)));
}

static void on_signal(struct vg_loop *loop, int signo, void *arg)
{
	struct vagusd *d = arg;

	log_info("%s: shutting down", strsignal(signo));
	d->stopping = true;
}

static int64_t earliest(int64_t a, int64_t b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

static void run(struct vagusd *d)
{
	while (!d->stopping) {
		int64_t dl = -1, now;
		int rc;

		for (size_t i = 0; i < d->nstraps; i++) {
			dl = earliest(dl, conn_deadline(d->straps[i]));
			dl = earliest(dl, session_deadline(d->straps[i]));
		}
		if (d->ctl)
			dl = earliest(dl, vg_ctlsrv_deadline(d->ctl));
		rc = vg_loop_run_once(d->loop, dl);
		if (rc < 0) {
			errno = -rc;
			fatal("event loop");
		}
		now = vg_loop_now(d->loop);
		refresh_wall(d, false);
		if (d->ctl) {
			vg_ctlsrv_expire(d->ctl, now);
			/* Beat lines are built only while someone watches. */
			d->watchers = vg_ctlsrv_watchers(d->ctl);
		}
		for (size_t i = 0; i < d->nstraps; i++)
			conn_tick(d->straps[i], now);
		/* One write per journal per iteration. */
		for (size_t i = 0; i < d->nstraps; i++)
			session_flush(d->straps[i], now);
	}
}

static void shutdown_all(struct vagusd *d)
{
	int64_t now = vg_monotonic_ms();

	for (size_t i = 0; i < d->nstraps; i++) {
		struct strap *s = d->straps[i];
		if (s->sess)
			session_stop(s, "daemon stopped", now);
		conn_stop(s, now);
		conn_free(s);
		d->straps[i] = NULL;
	}
	d->nstraps = 0;
}

int main(int argc, char **argv)
{
	static const int signals[] = {SIGTERM, SIGINT};
	struct vgd_opts o;
	struct vagusd d;
	char err[512];
	int rc;

	log_init(VG_LOG_STDERR, "vagusd", false);
	opts_defaults(&o);
	rc = opts_parse(&o, argc, argv, err, sizeof(err));
	if (rc > 0) {
		opts_free(&o);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "vagusd: %s (see vagusd --help)\n", err);
		opts_free(&o);
		return 2;
	}
	log_init((enum vg_log_dest)o.log_dest, "vagusd", o.verbose);
	umask(077);
	raise_fd_limit(o.nstraps);
	signal(SIGPIPE, SIG_IGN);

	memset(&d, 0, sizeof(d));
	d.o = &o;
	d.state_fd = d.sessions_fd = -1;
	d.loop = vg_loop_new();
	if (!d.loop)
		fatal("cannot create the event loop");
	rc = vg_loop_signals(d.loop, signals, 2, on_signal, &d);
	if (rc < 0) {
		errno = -rc;
		fatal("signals");
	}
	refresh_wall(&d, true);
	d.report = report_session;
	open_state(&d);
	if (ctl_open(&d, err, sizeof(err)) < 0)
		fatalx("%s", err);
	session_recover_all(&d);

	for (size_t i = 0; i < o.nstraps; i++) {
		struct strap *s =
		    conn_new(&d, (unsigned)i, o.straps[i], err, sizeof(err));
		if (!s)
			fatalx("%s", err);
		d.straps[d.nstraps++] = s;
	}
	log_info("vagusd %s: %zu strap%s, state in %s", VG_VERSION, d.nstraps,
		 d.nstraps == 1 ? "" : "s", o.state_dir);
	drop_privileges(&d);
	for (size_t i = 0; i < d.nstraps; i++)
		conn_start(d.straps[i], vg_loop_now(d.loop));

	run(&d);

	shutdown_all(&d);
	conn_agent_close(&d);
	ctl_close(&d);
	close(d.sessions_fd);
	close(d.state_fd);
	vg_loop_free(d.loop);
	opts_free(&o);
	log_info("stopped");
	return 0;
}
