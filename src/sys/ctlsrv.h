/* SPDX-License-Identifier: MIT */
/*
 * The control socket of vagusd: a Unix stream socket on the event loop
 * speaking the line protocol of vagus/ctl.h. The server frames, parses and
 * answers protocol errors itself; what each verb does belongs to the
 * daemon, through one callback.
 *
 * Trust: the socket file is 0600 (owner only) or, with a group, 0660 and
 * owned by that group; on top of that every client's credentials are
 * checked (SO_PEERCRED, SO_PEERGROUPS) with vg_ctlsrv_peer_allowed().
 *
 * Bounds, so that no client can stall the loop or grow the daemon:
 *   - at most max_clients at once; one more gets "err busy" and is closed;
 *   - a request line is at most VG_CTL_LINE_MAX bytes: a longer one gets
 *     "err toolong" and the client is dropped;
 *   - each client has an output queue of out_max bytes, allocated when it
 *     connects: a reply or beat that does not fit drops the client (it is
 *     not reading); nothing ever blocks;
 *   - a client that starts a line and does not finish it, or connects and
 *     sends nothing, within idle_ms is dropped; so is one whose queue has
 *     not drained at all for stall_ms.
 *
 * Error replies the server itself sends ("err CODE text"):
 *   syntax    the line is not a well-formed request (bad escape, spacing,
 *             NUL or control bytes, not key=value)
 *   invalid   unknown command or key, duplicate key, missing argument
 *   toolong   a line over VG_CTL_LINE_MAX bytes (then the client is closed)
 *   busy      too many clients (then closed)
 *   denied    the peer's credentials are not allowed (then closed)
 *   toolarge  the daemon's reply does not fit in out_max
 * The daemon's handler adds its own codes (for example nostrap, nosession,
 * exists, internal); a code is one word of [a-z].
 *
 * Time: the server keeps deadlines, it has no timer. The daemon takes
 * vg_ctlsrv_deadline() into the wait of vg_loop_run_once() and calls
 * vg_ctlsrv_expire() after each iteration.
 *
 * Clients are slots in a table allocated at open: a client pointer stays
 * valid memory for the server's life, but after the client is dropped it
 * stands for nobody (replies return -EPIPE) and its slot may be reused by
 * a later connection. A daemon that answers later (after a scan) keeps
 * vg_ctlsrv_client_id() and looks it up again with vg_ctlsrv_client_find().
 */
#ifndef VAGUS_SYS_CTLSRV_H
#define VAGUS_SYS_CTLSRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sys/loop.h"
#include "vagus/ctl.h"

#define VG_CTLSRV_MAX_CLIENTS 32
#define VG_CTLSRV_OUT_MAX (64 * 1024)
#define VG_CTLSRV_IDLE_MS 10000
#define VG_CTLSRV_STALL_MS 30000
/* No group: the socket is owner-only. */
#define VG_CTLSRV_NO_GROUP ((gid_t)-1)

struct vg_ctlsrv;
struct vg_ctlsrv_client;

/* Levels of the log callback. */
enum vg_ctlsrv_log_level {
	VG_CTLSRV_LOG_INFO = 0,	 /* a client refused or dropped: misbehaviour */
	VG_CTLSRV_LOG_DEBUG = 1, /* clients coming and going as they should */
};

/*
 * Told why a client was refused or dropped ("control client 3 (pid 812,
 * uid 1000): output queue full (65536 bytes): it does not read"), so the
 * daemon can log it. The server itself never logs.
 */
typedef void (*vg_ctlsrv_log_fn)(void *arg, enum vg_ctlsrv_log_level level,
				 const char *msg);

struct vg_ctlsrv_config {
	const char *path;     /* socket path, < 108 bytes */
	gid_t group;	      /* VG_CTLSRV_NO_GROUP, or the group let in */
	unsigned max_clients; /* 0: VG_CTLSRV_MAX_CLIENTS */
	size_t out_max; /* bytes queued per client; 0: VG_CTLSRV_OUT_MAX */
	int idle_ms;	/* 0: VG_CTLSRV_IDLE_MS */
	int stall_ms;	/* 0: VG_CTLSRV_STALL_MS */
	vg_ctlsrv_log_fn log; /* NULL: not told */
	void *log_arg;
};

/*
 * One parsed request from @client. The handler answers with exactly one
 * vg_ctlsrv_reply_ok() or vg_ctlsrv_reply_err(), now or later (the client
 * is not timed out while an answer is owed). @req is valid during the
 * call only.
 */
typedef void (*vg_ctlsrv_fn)(struct vg_ctlsrv *srv,
			     struct vg_ctlsrv_client *client,
			     const struct vg_ctl_req *req, void *arg);

/*
 * Listens on cfg->path: creates its parent folder (0700, or 0710 owned by
 * the group, so members can reach the socket) if missing; replaces a
 * stale socket file left by a dead daemon; refuses with -EADDRINUSE when
 * a live daemon answers there and -EEXIST when the path is not a socket.
 * Returns the server, or NULL with *@err = -errno (-ENAMETOOLONG for a
 * path too long for a Unix socket, -ENOMEM, ...).
 */
struct vg_ctlsrv *vg_ctlsrv_open(struct vg_loop *loop,
				 const struct vg_ctlsrv_config *cfg,
				 vg_ctlsrv_fn fn, void *arg, int *err);

/* Closes every client and the socket and removes the socket file (if it
 * is still ours). Not from inside the handler. NULL is fine. */
void vg_ctlsrv_close(struct vg_ctlsrv *srv);

/* Queues "ok JSON\n" (@json one line, an object). Returns 0, -EPIPE for a
 * client already dropped, -EMSGSIZE (the client got "err toolarge"
 * instead) or -ENOBUFS (the queue was full: the client was dropped). */
int vg_ctlsrv_reply_ok(struct vg_ctlsrv_client *client, const char *json);

/* Queues "err CODE TEXT\n"; newlines in @fmt's result become spaces.
 * Returns as vg_ctlsrv_reply_ok(). */
int vg_ctlsrv_reply_err(struct vg_ctlsrv_client *client, const char *code,
			const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Makes @client a watcher: it receives the broadcasts for @strap, or all
 * of them with @strap NULL (copied; at most VG_CTL_VALUE_MAX - 1 bytes).
 * Lines go out in the order of the calls, so a handler that replies "ok"
 * first and then calls this never lets a beat overtake the reply.
 * A watcher is never timed out for silence. Returns 0 or -EPIPE.
 */
int vg_ctlsrv_watch(struct vg_ctlsrv_client *client, const char *strap);

/*
 * Sends "beat JSON\n" / "event JSON\n" to every watcher of @strap (NULL:
 * to every watcher). O(watchers), no allocation; a watcher whose queue is
 * full is dropped. Returns how many watchers got it.
 */
unsigned vg_ctlsrv_broadcast_beat(struct vg_ctlsrv *srv, const char *strap,
				  const char *json);
unsigned vg_ctlsrv_broadcast_event(struct vg_ctlsrv *srv, const char *strap,
				   const char *json);

/* Drops @client now (queued output is discarded). */
void vg_ctlsrv_drop(struct vg_ctlsrv_client *client);

/* A number that names @client for the server's life (never reused). */
uint64_t vg_ctlsrv_client_id(const struct vg_ctlsrv_client *client);
/* The client with @id if it is still connected, else NULL. */
struct vg_ctlsrv_client *vg_ctlsrv_client_find(struct vg_ctlsrv *srv,
					       uint64_t id);
/* The peer's credentials as checked at accept. */
void vg_ctlsrv_client_cred(const struct vg_ctlsrv_client *client, pid_t *pid,
			   uid_t *uid, gid_t *gid);

/* Clients and watchers connected now. */
unsigned vg_ctlsrv_clients(const struct vg_ctlsrv *srv);
unsigned vg_ctlsrv_watchers(const struct vg_ctlsrv *srv);

/* The earliest client deadline (monotonic ms), or -1 for none. */
int64_t vg_ctlsrv_deadline(const struct vg_ctlsrv *srv);
/* Drops the clients whose deadline is at or before @now. */
void vg_ctlsrv_expire(struct vg_ctlsrv *srv, int64_t now);

/*
 * The peer policy: a peer is let in when it runs as @self_uid or as root,
 * or when @group is set (not VG_CTLSRV_NO_GROUP) and the peer's primary
 * group @gid or one of its @n supplementary @groups is @group.
 */
bool vg_ctlsrv_peer_allowed(uid_t self_uid, gid_t group, uid_t uid, gid_t gid,
			    const gid_t *groups, size_t n);

/* Resolves a group name or number for --socket-group. Returns 0 or
 * -ENOENT (no such group), -EINVAL (empty). */
int vg_ctlsrv_group(const char *name, gid_t *gid);

/* Counters since open, for logs and tests. */
struct vg_ctlsrv_stats {
	uint64_t accepted;
	uint64_t denied;   /* credentials refused */
	uint64_t busy;	   /* refused at the client cap */
	uint64_t dropped;  /* full queue, overlong line, timeout, I/O error */
	uint64_t left;	   /* hung up on their own (a watcher's Ctrl-C) */
	uint64_t requests; /* lines handed to the handler */
	uint64_t errors;   /* lines answered with a protocol err */
};
void vg_ctlsrv_stats(const struct vg_ctlsrv *srv, struct vg_ctlsrv_stats *st);

#endif
