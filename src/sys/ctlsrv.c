/* SPDX-License-Identifier: MIT */
#include "sys/ctlsrv.h"

#include <errno.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "vagus/ctlframe.h"

/* Supplementary groups looked at per peer; more are not checked. */
#define PEER_GROUPS_MAX 256
/* Connections taken per wake-up of the listener, so a flood of connects
 * cannot keep the loop from the other fds. */
#define ACCEPT_BURST 16
/* Longest "err CODE text" line the server formats. */
#define ERR_LINE_MAX 512

enum client_state {
	C_FREE,
	C_OPEN,
	C_CLOSING, /* sending its last words (an error), then closed */
};

struct vg_ctlsrv_client {
	struct vg_ctlsrv *srv;
	enum client_state state;
	int fd;
	uint64_t id;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	uint32_t events; /* epoll mask in force */
	bool rd_eof;	 /* the peer will send no more */
	unsigned owed;	 /* requests handed to the daemon, not yet answered */
	int64_t quiet_since; /* start of a silence: accept, last request */
	int64_t line_since;  /* first byte of the unfinished line */
	int64_t out_since;   /* queue went non-empty or last drained some */
	int64_t closing_since;
	struct vg_ctl_frame in;
	/* Output ring: out_len bytes from out_head, wrapping at out_max. */
	char *out;
	size_t out_head, out_len;
	bool watcher, watch_all;
	char strap[VG_CTL_VALUE_MAX];
	struct vg_ctlsrv_client *wprev, *wnext;
};

struct vg_ctlsrv {
	struct vg_loop *loop;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	struct vg_ctlsrv_config cfg;
	vg_ctlsrv_fn fn;
	void *arg;
	uint64_t next_id;
	unsigned nclients, nwatchers;
	struct vg_ctlsrv_client *watchers; /* list head */
	struct vg_ctlsrv_stats stats;
	struct vg_ctlsrv_client *clients; /* cfg.max_clients slots */
};

static void client_free(struct vg_ctlsrv_client *c);

static void logv(struct vg_ctlsrv *srv, enum vg_ctlsrv_log_level level,
		 const struct vg_ctlsrv_client *c, pid_t pid, uid_t uid,
		 const char *fmt, va_list ap)
{
	char msg[256];
	int n;

	if (!srv->cfg.log)
		return;
	if (c)
		n = snprintf(msg, sizeof(msg),
			     "control client %llu (pid %ld, uid %lu): ",
			     (unsigned long long)c->id, (long)c->pid,
			     (unsigned long)c->uid);
	else
		n = snprintf(msg, sizeof(msg),
			     "control client (pid %ld, uid %lu) refused: ",
			     (long)pid, (unsigned long)uid);
	if (n < 0 || (size_t)n >= sizeof(msg))
		n = 0;
	if (vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap) < 0)
		msg[n] = '\0';
	srv->cfg.log(srv->cfg.log_arg, level, msg);
}

static void note(struct vg_ctlsrv_client *c, enum vg_ctlsrv_log_level level,
		 const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void note(struct vg_ctlsrv_client *c, enum vg_ctlsrv_log_level level,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logv(c->srv, level, c, 0, 0, fmt, ap);
	va_end(ap);
}

static void note_refused(struct vg_ctlsrv *srv, pid_t pid, uid_t uid,
			 const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void note_refused(struct vg_ctlsrv *srv, pid_t pid, uid_t uid,
			 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	logv(srv, VG_CTLSRV_LOG_INFO, NULL, pid, uid, fmt, ap);
	va_end(ap);
}

/* A client that broke a rule: counted, told to the daemon, closed. */
static void drop(struct vg_ctlsrv_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void drop(struct vg_ctlsrv_client *c, const char *fmt, ...)
{
	va_list ap;

	if (c->state == C_FREE)
		return;
	c->srv->stats.dropped++;
	va_start(ap, fmt);
	logv(c->srv, VG_CTLSRV_LOG_INFO, c, 0, 0, fmt, ap);
	va_end(ap);
	client_free(c);
}

/* A client that went away by itself (closed, reset). */
static void gone(struct vg_ctlsrv_client *c, const char *why)
{
	if (c->state == C_FREE)
		return;
	c->srv->stats.left++;
	note(c, VG_CTLSRV_LOG_DEBUG, "%s", why);
	client_free(c);
}

bool vg_ctlsrv_peer_allowed(uid_t self_uid, gid_t group, uid_t uid, gid_t gid,
			    const gid_t *groups, size_t n)
{
	if (uid == self_uid || uid == 0)
		return true;
	if (group == VG_CTLSRV_NO_GROUP)
		return false;
	if (gid == group)
		return true;
	for (size_t i = 0; i < n; i++)
		if (groups[i] == group)
			return true;
	return false;
}

int vg_ctlsrv_group(const char *name, gid_t *gid)
{
	struct group gr, *res = NULL;
	char buf[16384];
	char *end;

	if (!name || !*name)
		return -EINVAL;
	errno = 0;
	unsigned long v = strtoul(name, &end, 10);
	if (!*end && name[0] >= '0' && name[0] <= '9') {
		if (errno || v >= (unsigned long)VG_CTLSRV_NO_GROUP)
			return -EINVAL;
		*gid = (gid_t)v;
		return 0;
	}
	int e = getgrnam_r(name, &gr, buf, sizeof(buf), &res);
	if (e)
		return -e;
	if (!res)
		return -ENOENT;
	*gid = res->gr_gid;
	return 0;
}

/* ---- output ---- */

static void update_events(struct vg_ctlsrv_client *c)
{
	uint32_t ev = 0;

	/*
	 * Stop reading while half the queue is full: a client that pipelines
	 * requests but reads slowly is paused, not dropped. One that never
	 * reads is then dropped by the stall deadline.
	 */
	if (c->state == C_OPEN && !c->rd_eof &&
	    c->out_len < c->srv->cfg.out_max / 2)
		ev |= EPOLLIN;
	if (c->out_len)
		ev |= EPOLLOUT;
	if (ev != c->events) {
		c->events = ev;
		if (vg_loop_mod(c->srv->loop, c->fd, ev) < 0)
			client_free(c);
	}
}

/* Whether a client with nothing queued is finished with. */
static bool done_with(const struct vg_ctlsrv_client *c)
{
	if (c->out_len)
		return false;
	if (c->state == C_CLOSING)
		return true;
	return c->rd_eof && !c->owed && !c->watcher;
}

/*
 * Sends what the socket takes. Returns 0 (the client may have been closed
 * because it is done), or -EPIPE when a send failed and it was dropped.
 */
static int flush(struct vg_ctlsrv_client *c)
{
	size_t cap = c->srv->cfg.out_max;

	while (c->out_len) {
		struct iovec iov[2];
		size_t first = cap - c->out_head;
		int n = 1;

		if (first >= c->out_len) {
			first = c->out_len;
		} else {
			iov[1].iov_base = c->out;
			iov[1].iov_len = c->out_len - first;
			n = 2;
		}
		iov[0].iov_base = c->out + c->out_head;
		iov[0].iov_len = first;
		struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)n};
		ssize_t w = sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EPIPE || errno == ECONNRESET)
				gone(c, "left");
			else
				drop(c, "send: %s", strerror(errno));
			return -EPIPE;
		}
		c->out_head = (c->out_head + (size_t)w) % cap;
		c->out_len -= (size_t)w;
		c->out_since = vg_loop_now(c->srv->loop);
	}
	if (!c->out_len)
		c->out_head = 0;
	if (done_with(c)) {
		client_free(c);
		return 0;
	}
	update_events(c);
	return 0;
}

static void ring_put(struct vg_ctlsrv_client *c, const char *p, size_t n)
{
	size_t cap = c->srv->cfg.out_max;
	size_t tail = (c->out_head + c->out_len) % cap;
	size_t first = cap - tail < n ? cap - tail : n;

	memcpy(c->out + tail, p, first);
	memcpy(c->out, p + first, n - first);
	c->out_len += n;
}

/*
 * Queues @prefix @body "\n" as one line, whole or not at all, and tries to
 * send it. Returns 0, -EPIPE (client gone), -EMSGSIZE (can never fit),
 * -ENOBUFS (no room now: the client was dropped).
 */
static int queue_line(struct vg_ctlsrv_client *c, const char *prefix,
		      const char *body, size_t blen)
{
	size_t plen = strlen(prefix);
	size_t need = plen + blen + 1;
	size_t cap;

	if (c->state != C_OPEN)
		return -EPIPE;
	cap = c->srv->cfg.out_max;
	if (need > cap)
		return -EMSGSIZE;
	if (need > cap - c->out_len) {
		drop(c, "output queue full (%zu bytes): it does not read", cap);
		return -ENOBUFS;
	}
	if (!c->out_len)
		c->out_since = vg_loop_now(c->srv->loop);
	ring_put(c, prefix, plen);
	ring_put(c, body, blen);
	ring_put(c, "\n", 1);
	return flush(c);
}

static int reply_done(struct vg_ctlsrv_client *c)
{
	if (c->owed)
		c->owed--;
	c->quiet_since = vg_loop_now(c->srv->loop);
	/* The last answer to a client that has said all it will say. */
	if (c->state == C_OPEN && done_with(c)) {
		client_free(c);
		return -EPIPE;
	}
	return 0;
}

/* Formats "CODE text" with newlines and other control bytes as spaces. */
static size_t format_err(char *buf, size_t cap, const char *code,
			 const char *fmt, va_list ap)
{
	int n = snprintf(buf, cap, "%s ", code);
	if (n < 0 || (size_t)n >= cap)
		return 0;
	int m = vsnprintf(buf + n, cap - (size_t)n, fmt, ap);
	size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
	if (len >= cap)
		len = cap - 1;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)buf[i] < ' ' || buf[i] == 0x7f)
			buf[i] = ' ';
	return len;
}

int vg_ctlsrv_reply_ok(struct vg_ctlsrv_client *c, const char *json)
{
	size_t len = strlen(json);
	int r;

	if (c->state != C_OPEN)
		return -EPIPE;
	/* A newline in the body would forge a second line. */
	if (memchr(json, '\n', len)) {
		vg_ctlsrv_reply_err(c, "internal", "reply spans lines");
		return -EINVAL;
	}
	r = queue_line(c, "ok ", json, len);
	if (r == -EMSGSIZE) {
		char line[128];
		int n = snprintf(line, sizeof(line),
				 "toolarge reply of %zu bytes exceeds the "
				 "client queue of %zu",
				 len, c->srv->cfg.out_max);
		queue_line(c, "err ", line, (size_t)n);
	}
	if (c->state == C_OPEN)
		reply_done(c);
	return r;
}

static int err_line(struct vg_ctlsrv_client *c, const char *code,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int err_line(struct vg_ctlsrv_client *c, const char *code,
		    const char *fmt, ...)
{
	char buf[ERR_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	size_t n = format_err(buf, sizeof(buf), code, fmt, ap);
	va_end(ap);
	return queue_line(c, "err ", buf, n);
}

int vg_ctlsrv_reply_err(struct vg_ctlsrv_client *c, const char *code,
			const char *fmt, ...)
{
	char buf[ERR_LINE_MAX];
	va_list ap;
	int r;

	if (c->state != C_OPEN)
		return -EPIPE;
	va_start(ap, fmt);
	size_t n = format_err(buf, sizeof(buf), code, fmt, ap);
	va_end(ap);
	r = queue_line(c, "err ", buf, n);
	if (c->state == C_OPEN)
		reply_done(c);
	return r;
}

/* ---- watchers ---- */

static void unwatch(struct vg_ctlsrv_client *c)
{
	struct vg_ctlsrv *srv = c->srv;

	if (!c->watcher)
		return;
	if (c->wprev)
		c->wprev->wnext = c->wnext;
	else
		srv->watchers = c->wnext;
	if (c->wnext)
		c->wnext->wprev = c->wprev;
	c->wprev = c->wnext = NULL;
	c->watcher = false;
	srv->nwatchers--;
}

int vg_ctlsrv_watch(struct vg_ctlsrv_client *c, const char *strap)
{
	struct vg_ctlsrv *srv = c->srv;

	if (c->state != C_OPEN)
		return -EPIPE;
	c->watch_all = !strap;
	snprintf(c->strap, sizeof(c->strap), "%s", strap ? strap : "");
	if (c->watcher)
		return 0;
	c->watcher = true;
	c->wprev = NULL;
	c->wnext = srv->watchers;
	if (srv->watchers)
		srv->watchers->wprev = c;
	srv->watchers = c;
	srv->nwatchers++;
	return 0;
}

static unsigned broadcast(struct vg_ctlsrv *srv, const char *prefix,
			  const char *strap, const char *json)
{
	size_t len = strlen(json);
	unsigned sent = 0;
	struct vg_ctlsrv_client *c, *next;

	if (memchr(json, '\n', len))
		return 0;
	for (c = srv->watchers; c; c = next) {
		/* Taken first: sending may drop c and unlink it. */
		next = c->wnext;
		if (strap && !c->watch_all && strcmp(strap, c->strap))
			continue;
		if (queue_line(c, prefix, json, len) == 0 && c->state == C_OPEN)
			sent++;
	}
	return sent;
}

unsigned vg_ctlsrv_broadcast_beat(struct vg_ctlsrv *srv, const char *strap,
				  const char *json)
{
	return broadcast(srv, "beat ", strap, json);
}

unsigned vg_ctlsrv_broadcast_event(struct vg_ctlsrv *srv, const char *strap,
				   const char *json)
{
	return broadcast(srv, "event ", strap, json);
}

/* ---- clients ---- */

static void client_free(struct vg_ctlsrv_client *c)
{
	struct vg_ctlsrv *srv = c->srv;

	if (c->state == C_FREE)
		return;
	unwatch(c);
	vg_loop_del(srv->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_head = 0;
	c->state = C_FREE;
	srv->nclients--;
}

void vg_ctlsrv_drop(struct vg_ctlsrv_client *c)
{
	drop(c, "dropped by the daemon");
}

/* Last words, then closed when sent (or at the deadline). */
static void client_closing(struct vg_ctlsrv_client *c, const char *code,
			   const char *text)
{
	err_line(c, code, "%s", text);
	if (c->state != C_OPEN)
		return;
	unwatch(c);
	c->state = C_CLOSING;
	c->closing_since = vg_loop_now(c->srv->loop);
	flush(c);
}

static void handle_line(struct vg_ctlsrv_client *c, const char *line,
			size_t len)
{
	struct vg_ctlsrv *srv = c->srv;
	struct vg_ctl_req req;
	const char *why = "malformed request";

	int r = vg_ctl_parse(line, len, &req, &why);
	c->quiet_since = vg_loop_now(srv->loop);
	if (r < 0) {
		srv->stats.errors++;
		err_line(c, r == -EINVAL ? "invalid" : "syntax", "%s", why);
		return;
	}
	srv->stats.requests++;
	c->owed++;
	srv->fn(srv, c, &req, srv->arg);
}

static void take_lines(struct vg_ctlsrv_client *c)
{
	const char *line;
	size_t len;
	int r;

	while (c->state == C_OPEN &&
	       (r = vg_ctl_frame_next(&c->in, &line, &len)) != 0) {
		if (r < 0) {
			c->srv->stats.dropped++;
			note(c, VG_CTLSRV_LOG_INFO,
			     "request line over %d bytes: closed",
			     VG_CTL_LINE_MAX);
			client_closing(c, "toolong",
				       "request line longer than the limit");
			return;
		}
		handle_line(c, line, len);
	}
	if (c->state == C_OPEN && vg_ctl_frame_pending(&c->in) == 0)
		c->line_since = -1;
}

static void on_client(struct vg_loop *loop, int fd, uint32_t events, void *arg)
{
	struct vg_ctlsrv_client *c = arg;

	if (c->state == C_FREE || c->fd != fd)
		return;
	if (events & EPOLLERR) {
		int soerr = 0;
		socklen_t len = sizeof(soerr);
		/* Checked: the event may be stale, from an earlier owner of
		 * this fd number closed within the same loop iteration. */
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 ||
		    soerr) {
			if (soerr == EPIPE || soerr == ECONNRESET)
				gone(c, "left");
			else
				drop(c, "socket error: %s", strerror(soerr));
			return;
		}
	}
	if ((events & EPOLLOUT) && (flush(c) < 0 || c->state == C_FREE))
		return;
	if ((events & (EPOLLIN | EPOLLHUP)) && c->state == C_OPEN &&
	    !c->rd_eof) {
		size_t room;
		char *p = vg_ctl_frame_space(&c->in, &room);
		ssize_t n = room ? recv(fd, p, room, MSG_DONTWAIT) : 0;
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return;
			if (errno == ECONNRESET)
				gone(c, "left");
			else
				drop(c, "recv: %s", strerror(errno));
			return;
		}
		if (n == 0) {
			/* A last line without "\n" still counts. */
			c->rd_eof = true;
			if (room && vg_ctl_frame_pending(&c->in)) {
				*p = '\n';
				vg_ctl_frame_commit(&c->in, 1);
			}
		} else {
			if (vg_ctl_frame_pending(&c->in) == 0)
				c->line_since = vg_loop_now(loop);
			vg_ctl_frame_commit(&c->in, (size_t)n);
		}
		take_lines(c);
		if (c->state == C_FREE)
			return;
		if (done_with(c)) {
			client_free(c);
			return;
		}
		update_events(c);
	} else if ((events & EPOLLHUP) && c->state != C_FREE &&
		   (c->rd_eof || c->state == C_CLOSING)) {
		/* Both directions are gone: nothing can be delivered. */
		client_free(c);
	}
}

/* One line to a client refused before it has a slot; never blocks. */
static void refuse(int fd, const char *line)
{
	ssize_t r = send(fd, line, strlen(line), MSG_NOSIGNAL | MSG_DONTWAIT);
	(void)r;
	close(fd);
}

static struct vg_ctlsrv_client *free_slot(struct vg_ctlsrv *srv)
{
	for (unsigned i = 0; i < srv->cfg.max_clients; i++)
		if (srv->clients[i].state == C_FREE)
			return &srv->clients[i];
	return NULL;
}

static void accept_one(struct vg_ctlsrv *srv, int fd)
{
	static gid_t groups[PEER_GROUPS_MAX];
	struct ucred cred;
	socklen_t len = sizeof(cred);
	size_t ngroups = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 ||
	    len != sizeof(cred)) {
		srv->stats.denied++;
		note_refused(srv, 0, (uid_t)-1, "no peer credentials");
		refuse(fd, "err denied no peer credentials\n");
		return;
	}
	if (srv->cfg.group != VG_CTLSRV_NO_GROUP) {
		/* SO_PEERGROUPS (Linux 4.13): the peer's supplementary groups
		 * at connect time; without it only the primary group counts. */
		socklen_t glen = sizeof(groups);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) ==
		    0)
			ngroups = glen / sizeof(gid_t);
	}
	if (!vg_ctlsrv_peer_allowed(geteuid(), srv->cfg.group, cred.uid,
				    cred.gid, groups, ngroups)) {
		srv->stats.denied++;
		note_refused(srv, cred.pid, cred.uid,
			     "not the daemon's user, root or in its group");
		refuse(fd, "err denied this user may not control vagusd\n");
		return;
	}
	struct vg_ctlsrv_client *c = free_slot(srv);
	if (!c) {
		srv->stats.busy++;
		note_refused(srv, cred.pid, cred.uid,
			     "%u clients already connected",
			     srv->cfg.max_clients);
		refuse(fd, "err busy too many clients\n");
		return;
	}
	char *out = malloc(srv->cfg.out_max);
	if (!out) {
		refuse(fd, "err internal out of memory\n");
		return;
	}
	int64_t now = vg_loop_now(srv->loop);
	memset(c, 0, sizeof(*c));
	c->srv = srv;
	c->fd = fd;
	c->out = out;
	c->id = ++srv->next_id;
	c->pid = cred.pid;
	c->uid = cred.uid;
	c->gid = cred.gid;
	c->quiet_since = now;
	c->line_since = -1;
	vg_ctl_frame_init(&c->in);
	if (vg_loop_add(srv->loop, fd, EPOLLIN, on_client, c) < 0) {
		free(out);
		c->out = NULL;
		close(fd);
		return;
	}
	c->events = EPOLLIN;
	c->state = C_OPEN;
	srv->nclients++;
	srv->stats.accepted++;
}

static void on_listen(struct vg_loop *loop, int lfd, uint32_t events, void *arg)
{
	struct vg_ctlsrv *srv = arg;

	for (int i = 0; i < ACCEPT_BURST; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN, or a client that left: try later */
		accept_one(srv, fd);
	}
}

/* ---- deadlines ---- */

static int64_t client_deadline(const struct vg_ctlsrv_client *c)
{
	const struct vg_ctlsrv_config *cfg = &c->srv->cfg;
	int64_t d = -1;

#define EARLIER(t)                                                             \
	do {                                                                   \
		int64_t t_ = (t);                                              \
		if (d < 0 || t_ < d)                                           \
			d = t_;                                                \
	} while (0)
	if (c->state == C_CLOSING) {
		EARLIER(c->closing_since + cfg->idle_ms);
		return d;
	}
	if (c->line_since >= 0)
		EARLIER(c->line_since + cfg->idle_ms);
	else if (!c->watcher && !c->owed)
		EARLIER(c->quiet_since + cfg->idle_ms);
	if (c->out_len)
		EARLIER(c->out_since + cfg->stall_ms);
#undef EARLIER
	return d;
}

int64_t vg_ctlsrv_deadline(const struct vg_ctlsrv *srv)
{
	int64_t d = -1;

	for (unsigned i = 0; i < srv->cfg.max_clients; i++) {
		const struct vg_ctlsrv_client *c = &srv->clients[i];
		if (c->state == C_FREE)
			continue;
		int64_t t = client_deadline(c);
		if (t >= 0 && (d < 0 || t < d))
			d = t;
	}
	return d;
}

void vg_ctlsrv_expire(struct vg_ctlsrv *srv, int64_t now)
{
	for (unsigned i = 0; i < srv->cfg.max_clients; i++) {
		struct vg_ctlsrv_client *c = &srv->clients[i];
		if (c->state == C_FREE)
			continue;
		int64_t t = client_deadline(c);
		if (t < 0 || t > now)
			continue;
		if (c->state == C_CLOSING) {
			/* Its last words were not taken in time. */
			client_free(c);
			continue;
		}
		if (c->out_len) {
			/* Stuck: it cannot hear a reason either. */
			drop(c, "output not read for %d ms",
			     c->srv->cfg.stall_ms);
			continue;
		}
		/* A silent client is told why before it is closed. */
		srv->stats.dropped++;
		bool line = c->line_since >= 0;
		note(c, VG_CTLSRV_LOG_INFO, "%s for %d ms: closed",
		     line ? "request line unfinished" : "no request",
		     srv->cfg.idle_ms);
		client_closing(c, "timeout",
			       line ? "request line unfinished" : "no request");
		if (c->state != C_FREE && client_deadline(c) <= now)
			client_free(c);
	}
}

/* ---- open and close ---- */

static int prepare_dir(const char *path, gid_t group)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0; /* the current folder or "/" */
	*slash = '\0';
	mode_t mode = group == VG_CTLSRV_NO_GROUP ? 0700 : 0710;
	if (mkdir(dir, mode) < 0)
		return errno == EEXIST ? 0 : -errno;
	/* mkdir's mode went through the umask: set it exactly. */
	if (group != VG_CTLSRV_NO_GROUP && chown(dir, (uid_t)-1, group) < 0)
		return -errno;
	if (chmod(dir, mode) < 0)
		return -errno;
	return 0;
}

/*
 * An existing socket file: a daemon that answers owns it; one nobody
 * answers is what a killed daemon left behind and is removed. Anything
 * that is not a socket is not ours to delete.
 */
static int clear_stale(const struct sockaddr_un *sa)
{
	struct stat st;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	int r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	int e = errno;
	close(fd);
	if (r == 0 || e == EAGAIN)
		return -EADDRINUSE;
	if (e != ECONNREFUSED)
		return -e;
	if (unlink(sa->sun_path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

struct vg_ctlsrv *vg_ctlsrv_open(struct vg_loop *loop,
				 const struct vg_ctlsrv_config *cfg,
				 vg_ctlsrv_fn fn, void *arg, int *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct vg_ctlsrv *srv = NULL;
	struct stat st;
	int fd = -1, e;
	bool bound = false;

	if (!cfg->path || !*cfg->path || !fn) {
		e = -EINVAL;
		goto fail;
	}
	if (strlen(cfg->path) >= sizeof(sa.sun_path)) {
		e = -ENAMETOOLONG;
		goto fail;
	}
	memcpy(sa.sun_path, cfg->path, strlen(cfg->path) + 1);
	srv = calloc(1, sizeof(*srv));
	if (!srv) {
		e = -ENOMEM;
		goto fail;
	}
	srv->fd = -1;
	srv->loop = loop;
	srv->cfg = *cfg;
	srv->fn = fn;
	srv->arg = arg;
	if (!srv->cfg.max_clients)
		srv->cfg.max_clients = VG_CTLSRV_MAX_CLIENTS;
	if (!srv->cfg.out_max)
		srv->cfg.out_max = VG_CTLSRV_OUT_MAX;
	if (srv->cfg.idle_ms <= 0)
		srv->cfg.idle_ms = VG_CTLSRV_IDLE_MS;
	if (srv->cfg.stall_ms <= 0)
		srv->cfg.stall_ms = VG_CTLSRV_STALL_MS;
	/* Room for at least one maximal error line next to a reply. */
	if (srv->cfg.out_max < 2 * ERR_LINE_MAX)
		srv->cfg.out_max = 2 * ERR_LINE_MAX;
	snprintf(srv->path, sizeof(srv->path), "%s", cfg->path);
	srv->clients = calloc(srv->cfg.max_clients, sizeof(*srv->clients));
	if (!srv->clients) {
		e = -ENOMEM;
		goto fail;
	}
	for (unsigned i = 0; i < srv->cfg.max_clients; i++) {
		srv->clients[i].fd = -1;
		srv->clients[i].srv = srv;
	}

	e = prepare_dir(cfg->path, cfg->group);
	if (e)
		goto fail;
	e = clear_stale(&sa);
	if (e)
		goto fail;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		e = -errno;
		goto fail;
	}
	/* The file is born 0600: no moment where others could connect. */
	mode_t old = umask(0177);
	int r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	e = errno;
	umask(old);
	if (r < 0) {
		e = -e;
		goto fail;
	}
	bound = true;
	if (cfg->group != VG_CTLSRV_NO_GROUP &&
	    (chown(sa.sun_path, (uid_t)-1, cfg->group) < 0 ||
	     chmod(sa.sun_path, 0660) < 0)) {
		e = -errno;
		goto fail;
	}
	if (stat(sa.sun_path, &st) < 0 || listen(fd, 16) < 0) {
		e = -errno;
		goto fail;
	}
	srv->dev = st.st_dev;
	srv->ino = st.st_ino;
	e = vg_loop_add(loop, fd, EPOLLIN, on_listen, srv);
	if (e)
		goto fail;
	srv->fd = fd;
	*err = 0;
	return srv;
fail:
	if (fd >= 0)
		close(fd);
	if (bound)
		unlink(sa.sun_path);
	if (srv)
		free(srv->clients);
	free(srv);
	*err = e;
	return NULL;
}

void vg_ctlsrv_close(struct vg_ctlsrv *srv)
{
	struct stat st;

	if (!srv)
		return;
	for (unsigned i = 0; i < srv->cfg.max_clients; i++)
		client_free(&srv->clients[i]);
	vg_loop_del(srv->loop, srv->fd);
	close(srv->fd);
	/* Another daemon may have replaced the file since: leave its one. */
	if (stat(srv->path, &st) == 0 && st.st_dev == srv->dev &&
	    st.st_ino == srv->ino)
		unlink(srv->path);
	free(srv->clients);
	free(srv);
}

/* ---- queries ---- */

uint64_t vg_ctlsrv_client_id(const struct vg_ctlsrv_client *c)
{
	return c->id;
}

struct vg_ctlsrv_client *vg_ctlsrv_client_find(struct vg_ctlsrv *srv,
					       uint64_t id)
{
	for (unsigned i = 0; i < srv->cfg.max_clients; i++)
		if (srv->clients[i].state == C_OPEN && srv->clients[i].id == id)
			return &srv->clients[i];
	return NULL;
}

void vg_ctlsrv_client_cred(const struct vg_ctlsrv_client *c, pid_t *pid,
			   uid_t *uid, gid_t *gid)
{
	if (pid)
		*pid = c->pid;
	if (uid)
		*uid = c->uid;
	if (gid)
		*gid = c->gid;
}

unsigned vg_ctlsrv_clients(const struct vg_ctlsrv *srv)
{
	return srv->nclients;
}

unsigned vg_ctlsrv_watchers(const struct vg_ctlsrv *srv)
{
	return srv->nwatchers;
}

void vg_ctlsrv_stats(const struct vg_ctlsrv *srv, struct vg_ctlsrv_stats *st)
{
	*st = srv->stats;
}
