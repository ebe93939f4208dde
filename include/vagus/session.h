/* SPDX-License-Identifier: MIT */
/*
 * A recorded session, rebuilt from the bytes of its journal (record.h):
 * metadata, strap facts, marks, link events, and the beat series made
 * from the raw 0x2A37 notifications by the same decoder (hrs.h) and beat
 * clock (beats.h) the live path uses.
 *
 * Replay reads records in order and stops at the first one that is torn
 * or malformed: everything before it is kept and the stop is counted,
 * never a crash. A notification that does not decode is counted and
 * skipped (the strap sent garbage; the beats around it are still good).
 *
 * Beat times: t_ms of interval i is the cumulative RR (exact 1/1024 s,
 * shown in ms) from the start of the first interval, so the first beat
 * of the session is at t = 0; where beats were lost (a link drop, a
 * missing record, or arrival time the RR sum cannot explain) the time
 * jumps forward and the interval after the jump carries VG_RR_GAP_BEFORE.
 *
 * Pure: the caller reads the file; the session owns heap arrays.
 */
#ifndef VAGUS_SESSION_H
#define VAGUS_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vagus/rr.h"

/* Longest kept metadata string, bytes with the NUL; longer ones are cut. */
#define VG_SESSION_STR_MAX 128
#define VG_SESSION_NOTE_MAX 1025

/* VG_REC_SESSION: {"id","tag","note","strap","started_by","version"}. */
struct vg_session_meta {
	bool present; /* a VG_REC_SESSION record was read and parsed */
	char id[VG_SESSION_STR_MAX];
	char tag[VG_SESSION_STR_MAX];
	char note[VG_SESSION_NOTE_MAX];
	char strap[VG_SESSION_STR_MAX];
	char started_by[VG_SESSION_STR_MAX]; /* "command" or "auto" */
	char version[VG_SESSION_STR_MAX];
};

/* VG_REC_STRAP facts (the latest record wins: battery falls). */
struct vg_session_strap {
	bool present;
	char model[VG_SESSION_STR_MAX];
	char manufacturer[VG_SESSION_STR_MAX];
	char firmware[VG_SESSION_STR_MAX];
	char body_location[VG_SESSION_STR_MAX];
	int battery_pct; /* -1 when unknown */
};

/* A user mark (VG_REC_EVENT). */
struct vg_session_mark {
	int64_t time_ms; /* wall clock of the record */
	double t_s;	 /* the same moment on the beat time axis, s */
	char *text;	 /* heap, NUL-terminated */
};

/* A link event (VG_REC_LINK_UP / VG_REC_LINK_DOWN). */
struct vg_session_link {
	int64_t time_ms;
	double t_s; /* on the beat time axis, s */
	bool up;
	char text[VG_SESSION_STR_MAX]; /* address (up) or reason (down) */
};

enum vg_session_gap_cause {
	VG_SESSION_GAP_LINK = 1,   /* the link dropped */
	VG_SESSION_GAP_CLOCK = 2,  /* arrival time outran the RR sum */
	VG_SESSION_GAP_RECORD = 3, /* a journal record is missing (seq) */
};

/* A gap: the beat at t_s follows lost beats. */
struct vg_session_gap {
	double t_s;    /* time of the first beat after the gap, s */
	double lost_s; /* time not covered by RR before that beat, s */
	size_t index;  /* interval index in the series carrying the flag */
	enum vg_session_gap_cause cause;
};

struct vg_session {
	struct vg_session_meta meta;
	struct vg_session_strap strap;

	/* The beat series: ms, t_ms and flags (VG_RR_GAP_BEFORE) per beat. */
	struct vg_rr_series rr;
	uint16_t *rr1024; /* the same intervals as received, 1/1024 s */
	uint8_t *contact; /* enum vg_contact of the notification, per beat */

	struct vg_session_mark *marks;
	size_t nmarks;
	struct vg_session_link *links;
	size_t nlinks;
	struct vg_session_gap *gaps;
	size_t ngaps;

	size_t records;		  /* whole records replayed */
	size_t notifications;	  /* VG_REC_NOTIFY records */
	size_t bad_notifications; /* of those, values that did not decode */
	size_t rr_values;	  /* RR values in decoded notifications */
	size_t zero_rr;		  /* of those, zeros dropped (no interval) */
	size_t seq_errors;	  /* records missing or out of order */
	size_t bad_meta;	  /* SESSION/STRAP records whose JSON failed */

	int64_t first_ms; /* wall clock of the first record, 0 if none */
	int64_t last_ms;  /* of the last record */
	double coverage;  /* beat clock: RR sum over arrival span, [0, 1] */

	bool ended; /* a VG_REC_END record was read */
	char end_reason[VG_SESSION_STR_MAX];

	/*
	 * How replay stopped: 0 at the end of the bytes; -EBADMSG at a
	 * malformed record (stop_offset says where). torn_bytes is what
	 * was left after the last whole record (a torn tail or a bad one).
	 */
	int stop;
	size_t stop_offset;
	size_t torn_bytes;
};

/* An empty session (nothing allocated). */
void vg_session_init(struct vg_session *s);

/* Frees everything and leaves an empty session. */
void vg_session_free(struct vg_session *s);

/*
 * Replays the journal bytes @buf (@len, header included) into @s (freed
 * and initialised first). Returns 0 when the header is good, whatever
 * happened later (see s->stop, s->torn_bytes and the counters);
 * -EBADMSG when @buf is not a journal, -EPROTONOSUPPORT for a journal
 * version we cannot read, -ENOMEM. On error @s is left empty.
 */
int vg_session_replay(const uint8_t *buf, size_t len, struct vg_session *s);

/* True when @buf starts with the journal magic (a journal, maybe bad). */
bool vg_session_is_journal(const uint8_t *buf, size_t len);

/* Recording length on the beat axis, s (vg_rr_duration_s of the series). */
double vg_session_duration_s(const struct vg_session *s);

/* Longest member path handed out by vg_session_json_members (with NUL). */
#define VG_SESSION_KEY_MAX 128

/*
 * Parses the JSON object @text (@len bytes) and calls @str for each
 * string member and @num for each number member (true and false count
 * as 1 and 0), nested objects included: their members are named by their
 * path ("change.hr_bpm.end"). Arrays and null are checked and skipped. A string is
 * handed over unescaped (UTF-8; "\u0000" and lone surrogates become
 * U+FFFD); a path longer than VG_SESSION_KEY_MAX - 1 bytes is cut.
 * Returns 0, -EBADMSG for text that is not one JSON object (nesting
 * deeper than 16 included), or -ENOMEM. Callbacks may be NULL.
 */
int vg_session_json_members(const char *text, size_t len,
			    void (*str)(void *arg, const char *key,
					const char *val),
			    void (*num)(void *arg, const char *key, double val),
			    void *arg);

#endif
