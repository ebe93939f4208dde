/* SPDX-License-Identifier: MIT */
/*
 * vagusd's shared state. One thread drives everything from one loop:
 *
 *   main.c      options, start-up, the loop, shutdown
 *   opts.c      command line and config file
 *   conn.c      connection manager per strap: connect, the Heart Rate
 *               profile client, back-off, discovery for --strap auto
 *   pipeline.c  the per-notification path: decode, beat clock, causal
 *               artifacts, live metrics, journal, watch fan-out
 *   session.c   sessions: start, stop, marks, journal, pre-roll, recovery
 *   straps.c    STATE/straps.json: the strap used last, tried first
 *
 * Times: "now" is CLOCK_MONOTONIC in ms, read once per loop iteration;
 * journal records carry wall-clock ms (now + the daemon's wall offset,
 * also refreshed once per iteration).
 */
#ifndef VAGUS_DAEMON_H
#define VAGUS_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sys/log.h"
#include "vagus/addr.h"
#include "vagus/artifact.h"
#include "vagus/att.h"
#include "vagus/beats.h"
#include "vagus/hrp.h"
#include "vagus/hrs.h"
#include "vagus/live.h"
#include "vagus/record.h"

#define VGD_STRAPS_MAX 1024
#define VGD_PATH_MAX 4096
/* A strap's name in messages and on the control socket: its spec. */
#define VGD_NAME_MAX 128
/* "YYYYMMDD-HHMMSS-NNN" */
#define VGD_ID_MAX 32
#define VGD_TEXT_MAX 512
/* A watch object: {"t_s":..,...,"strap":".."} */
#define VGD_LINE_MAX 512

struct vgd_opts {
	char config[VGD_PATH_MAX];
	char *straps[VGD_STRAPS_MAX]; /* specs as given, owned */
	size_t nstraps;
	char state_dir[VGD_PATH_MAX];
	char socket[VGD_PATH_MAX];
	char socket_group[64];
	double gone_timeout_s;
	double auto_start_s; /* 0: never start by itself */
	double settle_s;
	int adapter; /* hci index for discovery and links; -1: any */
	bool verbose;
	int log_dest; /* enum vg_log_dest */
};

/* Where a strap's connection stands. */
enum conn_state {
	CONN_IDLE = 0,	 /* waiting for retry_at (or stopped) */
	CONN_SCAN,	 /* --strap auto: discovering */
	CONN_CONNECTING, /* a pending connect: waiting for EPOLLOUT */
	CONN_LINKED,	 /* connected: the profile client runs */
};

/*
 * Notifications held before a session exists, so an automatic start
 * keeps every beat since the strap was put on. A byte ring of
 * [u16 len][i64 wall ms][value] entries, oldest dropped when full.
 */
#define VGD_PREROLL_BYTES (256u * 1024u)

struct preroll {
	uint8_t *buf; /* VGD_PREROLL_BYTES, allocated with the strap */
	size_t head, len;
	uint64_t dropped;
};

struct session {
	char id[VGD_ID_MAX];
	int dirfd;
	struct vg_journal *journal;
	bool by_command;
	int64_t started_wall; /* ms */
	int64_t last_time;    /* time of the last record: times never fall */
	int64_t last_sync;    /* monotonic ms of the last fdatasync */
	bool unsynced;	      /* written since then */
	bool write_failed;    /* logged once */
	uint64_t notifications, beats, marks, link_drops;
};

struct vagusd;
struct vg_ctlsrv;

struct strap {
	struct vagusd *d;
	unsigned index;
	char name[VGD_NAME_MAX]; /* spec as configured ("auto", "unix:...") */
	bool autodisc;		 /* --strap auto */
	bool have_addr;		 /* addr is known (always unless auto) */
	/* Adapter to connect from: --adapter, else the one discovery heard
	 * the strap on; -1 (VG_TRANSPORT_ANY_ADAPTER): the kernel's choice. */
	int link_adapter;
	struct vg_addr addr;
	char addr_text[VGD_NAME_MAX];

	/* connection */
	enum conn_state state;
	int fd;
	struct vg_hrp *hrp;
	uint8_t tx[VG_ATT_MTU_MAX]; /* a PDU the socket had no room for */
	size_t tx_len;
	bool answered;	    /* the strap sent a PDU on this link */
	bool want_out;	    /* EPOLLOUT is watched (a PDU waits in tx) */
	bool securing;	    /* the kernel is pairing/encrypting the link */
	bool ready;	    /* subscribed: notifications flow */
	int64_t retry_at;   /* CONN_IDLE: next attempt, -1 none */
	int64_t backoff_ms; /* next delay before jitter */
	int64_t connect_deadline;
	int64_t last_notify; /* monotonic ms */
	int64_t last_beat;   /* monotonic ms of the last worn beat */
	int64_t scan_started;
	int64_t down_since; /* monotonic ms the link went (or was never) up */
	unsigned failures;  /* attempts since the last good link */
	bool busy_said, params_said, absent_said, closed_said;
	struct vg_btdisc *disc;
	uint64_t rng;

	/* what the strap said about itself (from READY, battery events) */
	bool have_facts;
	char model[VG_HRP_STR_MAX], manufacturer[VG_HRP_STR_MAX],
	    firmware[VG_HRP_STR_MAX];
	int battery;	   /* percent, -1 unknown */
	int body_location; /* -1 unknown */

	/* beat pipeline, all fixed size */
	struct vg_hrm hrm;
	struct vg_beat beats[VG_HRM_RR_MAX];
	struct vg_artlive_decision dec[VG_ARTLIVE_MAX_DECISIONS];
	struct vg_beatclock clock;
	struct vg_artlive art;
	struct vg_live live;
	int contact;	     /* enum vg_contact of the last value, -1 none */
	uint64_t worn_units; /* RR sum of the current worn run, 1/1024 s */
	struct preroll pre;
	char line[VGD_LINE_MAX];
	uint64_t notifications, malformed, beats_total;
	double last_hr, last_rmssd, last_rr_ms;

	/* sessions */
	struct session *sess;
	bool auto_armed; /* may start by itself (not after a stop) */
};

/*
 * Writes report.json and report.txt into the session folder @dirfd from
 * its journal. Returns 0 or -errno with @err set.
 */
typedef int (*vgd_report_fn)(const struct vagusd *d, int dirfd, char *err,
			     size_t errlen);

/*
 * Called with each watch object of strap @s: a beat ({"t_s":..}) or,
 * with @event, an event ({"type":..}). @json is one line, no newline.
 */
typedef void (*vgd_watch_fn)(void *arg, const struct strap *s, bool event,
			     const char *json);

struct vagusd {
	struct vgd_opts *o;
	struct vg_loop *loop;
	int64_t wall_offset; /* wall-clock ms minus monotonic ms */
	int state_fd;	     /* --state-dir */
	int sessions_fd;     /* STATE/sessions */
	struct strap *straps[VGD_STRAPS_MAX];
	size_t nstraps;
	bool stopping;
	vgd_watch_fn watch;
	void *watch_arg;
	unsigned watchers;     /* lines are built only when someone watches */
	vgd_report_fn report;  /* writes a session's report */
	struct vg_ctlsrv *ctl; /* the control socket, NULL in tests */
	/* Answers Just Works pairing for straps that want an encrypted
	 * link (sys/btagent.h); opened when the first one asks. */
	struct vg_btagent *agent;
};

/* opts.c */

/* Defaults, before the config file and the command line. */
void opts_defaults(struct vgd_opts *o);
/*
 * Parses the command line, reading --config FILE first (command line
 * wins; --strap given on the command line replaces the file's). Returns
 * 0, 1 for --help/--version (printed), or -EINVAL with @err set.
 */
int opts_parse(struct vgd_opts *o, int argc, char **argv, char *err,
	       size_t errlen);
/* Parses one config file into @o. Returns 0 or -errno with @err set. */
int opts_load_file(struct vgd_opts *o, const char *path, char *err,
		   size_t errlen);
void opts_free(struct vgd_opts *o);

/* conn.c */

/* A strap for @spec, or NULL with @err set (bad spec, no memory). */
struct strap *conn_new(struct vagusd *d, unsigned index, const char *spec,
		       char *err, size_t errlen);
void conn_free(struct strap *s);
/* Starts connecting (or discovering) at @now. */
void conn_start(struct strap *s, int64_t now);
/* Runs what is due at @now. */
void conn_tick(struct strap *s, int64_t now);
/* The earliest deadline of the strap (monotonic ms), -1 for none. */
int64_t conn_deadline(const struct strap *s);
/* Closes the link (shutdown): no retry is scheduled. */
void conn_stop(struct strap *s, int64_t now);
/* Closes the pairing agent, if one was opened. */
void conn_agent_close(struct vagusd *d);
/* Short state text for status: "streaming", "connecting", ... */
const char *conn_state_name(const struct strap *s);

/* pipeline.c */

/* Resets the beat pipeline (a new session or a new strap). */
void pipeline_reset(struct strap *s);
/*
 * The per-notification path: one Heart Rate Measurement value of @len
 * bytes that arrived at @now (monotonic ms). Decodes it; a malformed one
 * is counted and dropped. Otherwise: beat clock, causal artifacts, live
 * metrics, the session journal (or the pre-roll), the watch lines, the
 * automatic start. No heap allocation. Returns 0 or the decoder's
 * -errno.
 */
int pipeline_notify(struct strap *s, const uint8_t *v, size_t len, int64_t now);
/* The link dropped or contact was lost: no difference across it. */
void pipeline_gap(struct strap *s);

/* session.c */

/*
 * Starts a session on @s (by command when @by_command, else
 * automatically) with @tag and @note (may be NULL). Writes SESSION,
 * STRAP, LINK_UP when linked, and the pre-roll. Returns 0, -EALREADY,
 * or -errno of the storage.
 */
int session_start(struct strap *s, bool by_command, const char *tag,
		  const char *note, int64_t now, char *err, size_t errlen);
/* Ends the session with END(@reason), closes the journal, writes the
 * report. Returns 0, -ENOENT without a session, or the first -errno. */
int session_stop(struct strap *s, const char *reason, int64_t now);
/* Writes a STRAP record with what the strap said about itself. */
void session_strap_facts(struct strap *s, int64_t now);
/* Appends a record to the session journal (no-op without one). */
void session_record(struct strap *s, uint8_t type, int64_t now,
		    const void *payload, size_t len);
/* Writes the journal's pending records; fdatasync about once a second. */
void session_flush(struct strap *s, int64_t now);
/* The next fdatasync due (monotonic ms), or -1. */
int64_t session_deadline(const struct strap *s);
/* Closes every unfinished session found under STATE/sessions. */
void session_recover_all(struct vagusd *d);
/* The wall clock in ms for @now. */
int64_t vgd_wall(const struct vagusd *d, int64_t now);

/* Keeps @v (wall @wall) for a later automatic start. */
void preroll_push(struct preroll *p, int64_t wall, const uint8_t *v,
		  size_t len);
void preroll_clear(struct preroll *p);

/* ctl.c */

/* Opens the control socket (--socket, --socket-group). Returns 0 or
 * -errno with @err set. */
int ctl_open(struct vagusd *d, char *err, size_t errlen);
void ctl_close(struct vagusd *d);

/* report.c */

/* The report writer for vagusd: the analysis with --settle. */
int report_session(const struct vagusd *d, int dirfd, char *err, size_t errlen);

/* straps.c */

/* The strap remembered in STATE/straps.json, if any (kind 0 if none). */
void straps_remembered(struct vagusd *d, struct vg_addr *out);
/* Records @s as the strap used last. Returns 0 or -errno. */
int straps_remember(struct vagusd *d, const struct strap *s);

#endif
