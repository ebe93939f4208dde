/* SPDX-License-Identifier: MIT */
/*
 * Sessions: a folder STATE/sessions/<ID>/ (0700) with the journal (0600)
 * of every raw notification and event, and at the end report.json and
 * report.txt. ID is the UTC start time YYYYMMDD-HHMMSS, "-2", "-3"... if
 * taken.
 *
 * Crash safety: records are queued during a loop iteration and written
 * with one write() at its end (session_flush), fdatasync'ed about once a
 * second. A kill -9 loses only what the kernel never got: records of the
 * iteration in progress. A power cut loses at most the last second. A
 * folder whose journal has no END record is closed at the next start-up
 * (END "recovered") and gets its report.
 *
 * Before a session exists, the notifications of the current worn run are
 * kept in the pre-roll, so a session that starts by itself after
 * --auto-start seconds of beats holds those beats too.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "sys/loop.h"
#include "sys/store.h"
#include "vagus/json.h"
#include "vagus/record.h"
#include "vagus/version.h"

#define SYNC_EVERY_MS 1000
#define PREROLL_HDR 10 /* u16 length, i64 wall ms */

int64_t vgd_wall(const struct vagusd *d, int64_t now)
{
	return now + d->wall_offset;
}

/* Byte ring helpers: @off counts from the ring's head. */
static void ring_write(struct preroll *p, size_t off, const void *src, size_t n)
{
	size_t at = (p->head + off) % VGD_PREROLL_BYTES;
	size_t first = VGD_PREROLL_BYTES - at < n ? VGD_PREROLL_BYTES - at : n;

	memcpy(p->buf + at, src, first);
	memcpy(p->buf, (const uint8_t *)src + first, n - first);
}

static void ring_read(const struct preroll *p, size_t off, void *dst, size_t n)
{
	size_t at = (p->head + off) % VGD_PREROLL_BYTES;
	size_t first = VGD_PREROLL_BYTES - at < n ? VGD_PREROLL_BYTES - at : n;

	memcpy(dst, p->buf + at, first);
	memcpy((uint8_t *)dst + first, p->buf, n - first);
}

static void ring_drop_oldest(struct preroll *p)
{
	uint8_t h[2];
	size_t n;

	ring_read(p, 0, h, 2);
	n = PREROLL_HDR + (size_t)(h[0] | h[1] << 8);
	p->head = (p->head + n) % VGD_PREROLL_BYTES;
	p->len -= n;
	p->dropped++;
}

void preroll_push(struct preroll *p, int64_t wall, const uint8_t *v, size_t len)
{
	uint8_t h[PREROLL_HDR];
	uint64_t w = (uint64_t)wall;

	if (!p->buf || len > VG_HRM_VALUE_MAX)
		return;
	while (p->len + PREROLL_HDR + len > VGD_PREROLL_BYTES)
		ring_drop_oldest(p);
	h[0] = (uint8_t)len;
	h[1] = (uint8_t)(len >> 8);
	for (int i = 0; i < 8; i++)
		h[2 + i] = (uint8_t)(w >> (8 * i));
	ring_write(p, p->len, h, PREROLL_HDR);
	ring_write(p, p->len + PREROLL_HDR, v, len);
	p->len += PREROLL_HDR + len;
}

void preroll_clear(struct preroll *p)
{
	p->head = p->len = 0;
}

/* Wall ms of the oldest pre-roll entry, or -1 when empty. */
static int64_t preroll_first_wall(const struct preroll *p)
{
	uint8_t h[PREROLL_HDR];
	uint64_t w = 0;

	if (!p->len)
		return -1;
	ring_read(p, 0, h, PREROLL_HDR);
	for (int i = 0; i < 8; i++)
		w |= (uint64_t)h[2 + i] << (8 * i);
	return (int64_t)w;
}

/* Moves the pre-roll into the journal, in order, with arrival times. */
static void preroll_to_journal(struct strap *s)
{
	struct preroll *p = &s->pre;
	uint8_t h[PREROLL_HDR], v[VG_HRM_VALUE_MAX];
	size_t off = 0;

	while (off < p->len) {
		uint64_t w = 0;
		size_t n;
		ring_read(p, off, h, PREROLL_HDR);
		n = (size_t)(h[0] | h[1] << 8);
		for (int i = 0; i < 8; i++)
			w |= (uint64_t)h[2 + i] << (8 * i);
		ring_read(p, off + PREROLL_HDR, v, n);
		if ((int64_t)w > s->sess->last_time)
			s->sess->last_time = (int64_t)w;
		if (vg_journal_append(s->sess->journal, VG_REC_NOTIFY,
				      s->sess->last_time, v, n) == 0) {
			s->sess->notifications++;
			/* Only decodable values were kept: count their beats. */
			if (vg_hrs_decode_measurement(v, n, &s->hrm) == 0)
				s->sess->beats += s->hrm.rr_count;
		}
		off += PREROLL_HDR + n;
	}
	if (p->dropped)
		log_warnx("%s: %llu notifications before the session start "
			  "did not fit the pre-roll",
			  s->name, (unsigned long long)p->dropped);
	p->dropped = 0;
	preroll_clear(p);
}

/*
 * Creates the session folder for wall time @wall with its journal, and
 * fills @id. The folder is built under a hidden name and renamed into
 * place once the journal holds its header, so a crash never leaves a
 * session folder without a readable journal (a hidden leftover is
 * removed at the next start-up).
 */
static int make_session(struct vagusd *d, int64_t wall, char *id, size_t cap,
			int *dirfd, struct vg_journal **journal)
{
	time_t t = (time_t)(wall / 1000);
	struct vg_journal_info info;
	char base[24], tmp[VGD_ID_MAX + 8];
	struct tm tm;
	int rc;

	if (!gmtime_r(&t, &tm))
		return -EINVAL;
	strftime(base, sizeof(base), "%Y%m%d-%H%M%S", &tm);
	for (unsigned n = 1; n < 1000; n++) {
		if (n == 1)
			snprintf(id, cap, "%s", base);
		else
			snprintf(id, cap, "%s-%u", base, n);
		if (faccessat(d->sessions_fd, id, F_OK, AT_SYMLINK_NOFOLLOW) ==
		    0)
			continue;
		snprintf(tmp, sizeof(tmp), ".%s.new", id);
		if (mkdirat(d->sessions_fd, tmp, 0700) < 0) {
			if (errno == EEXIST)
				continue;
			return -errno;
		}
		*dirfd = openat(d->sessions_fd, tmp,
				O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (*dirfd < 0)
			return -errno;
		*journal =
		    vg_journal_open(*dirfd, "journal", NULL, NULL, &info);
		if (!*journal) {
			rc = -errno;
			close(*dirfd);
			*dirfd = -1;
			return rc;
		}
		if (renameat2(d->sessions_fd, tmp, d->sessions_fd, id,
			      RENAME_NOREPLACE) < 0) {
			rc = -errno;
			vg_journal_close(*journal);
			*journal = NULL;
			close(*dirfd);
			*dirfd = -1;
			if (rc == -EEXIST)
				continue;
			return rc;
		}
		/* The new entry must survive a crash with its data. */
		fsync(d->sessions_fd);
		return 0;
	}
	return -EEXIST;
}

static void record_json(struct strap *s, uint8_t type, int64_t wall,
			struct vg_json *j)
{
	if (vg_json_error(j)) {
		log_warnx("%s: record %u too long, not written", s->name, type);
		return;
	}
	if (wall > s->sess->last_time)
		s->sess->last_time = wall;
	vg_journal_append(s->sess->journal, type, s->sess->last_time,
			  vg_json_text(j), vg_json_len(j));
}

static void facts_at(struct strap *s, int64_t wall)
{
	char buf[VG_RECORD_PAYLOAD_MAX];
	struct vg_json j;

	vg_json_init(&j, buf, sizeof(buf), 0);
	vg_json_begin_object(&j);
	vg_json_key_str(&j, "model", s->model);
	vg_json_key_str(&j, "manufacturer", s->manufacturer);
	vg_json_key_str(&j, "firmware", s->firmware);
	if (s->battery >= 0)
		vg_json_key_int(&j, "battery_pct", s->battery);
	else
		vg_json_key_null(&j, "battery_pct");
	if (s->body_location >= 0)
		vg_json_key_str(
		    &j, "body_location",
		    vg_hrs_body_location_name((uint8_t)s->body_location));
	else
		vg_json_key_null(&j, "body_location");
	vg_json_end_object(&j);
	record_json(s, VG_REC_STRAP, wall, &j);
}

void session_strap_facts(struct strap *s, int64_t now)
{
	if (s->sess && s->have_facts)
		facts_at(s, vgd_wall(s->d, now));
}

/* An event to the watchers: {"type":..,"strap":..,"id":..,"text":..}. */
static void watch_event(struct strap *s, const char *type, const char *extra)
{
	char line[VGD_LINE_MAX];
	struct vg_json j;

	if (!s->d->watch || !s->d->watchers)
		return;
	vg_json_init(&j, line, sizeof(line), 0);
	vg_json_begin_object(&j);
	vg_json_key_str(&j, "type", type);
	vg_json_key_str(&j, "strap", s->name);
	if (s->sess)
		vg_json_key_str(&j, "id", s->sess->id);
	if (extra)
		vg_json_key_str(&j, "text", extra);
	vg_json_end_object(&j);
	if (vg_json_error(&j))
		return;
	s->d->watch(s->d->watch_arg, s, true, line);
}

int session_start(struct strap *s, bool by_command, const char *tag,
		  const char *note, int64_t now, char *err, size_t errlen)
{
	struct vagusd *d = s->d;
	struct session *ss;
	char buf[VG_RECORD_PAYLOAD_MAX];
	struct vg_json j;
	int64_t wall = vgd_wall(d, now);
	int rc;

	if (s->sess) {
		snprintf(err, errlen, "a session is already running: %s",
			 s->sess->id);
		return -EALREADY;
	}
	/* A session by command starts now; one by itself at its first beat. */
	if (by_command)
		preroll_clear(&s->pre);
	else if (preroll_first_wall(&s->pre) >= 0)
		wall = preroll_first_wall(&s->pre);
	ss = calloc(1, sizeof(*ss));
	if (!ss) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ss->dirfd = -1;
	rc = make_session(d, wall, ss->id, sizeof(ss->id), &ss->dirfd,
			  &ss->journal);
	if (rc < 0) {
		snprintf(err, errlen, "cannot create a session folder: %s",
			 strerror(-rc));
		goto fail;
	}
	ss->by_command = by_command;
	ss->started_wall = wall;
	ss->last_time = wall;
	ss->last_sync = now;
	s->sess = ss;

	vg_json_init(&j, buf, sizeof(buf), 0);
	vg_json_begin_object(&j);
	vg_json_key_str(&j, "id", ss->id);
	vg_json_key_str(&j, "tag", tag);
	vg_json_key_str(&j, "note", note);
	vg_json_key_str(&j, "strap", s->have_addr ? s->addr_text : s->name);
	vg_json_key_str(&j, "started_by", by_command ? "command" : "auto");
	vg_json_key_str(&j, "version", VG_VERSION);
	vg_json_end_object(&j);
	record_json(s, VG_REC_SESSION, wall, &j);
	if (s->have_facts)
		facts_at(s, wall);
	if (s->ready)
		vg_journal_append(ss->journal, VG_REC_LINK_UP, wall,
				  s->addr_text, strlen(s->addr_text));
	preroll_to_journal(s);
	/* The session's existence is worth a sync of its own. */
	rc = vg_journal_flush(ss->journal, true);
	if (rc < 0)
		log_warnx("%s: session %s: cannot write the journal: %s",
			  s->name, ss->id, strerror(-rc));
	s->last_beat = now;
	log_info("%s: session %s started (%s%s%s)", s->name, ss->id,
		 by_command ? "by command" : "automatically",
		 tag ? ", tag " : "", tag ? tag : "");
	watch_event(s, "session_start", NULL);
	return 0;

fail:
	if (ss->dirfd >= 0)
		close(ss->dirfd);
	free(ss);
	return rc;
}

void session_record(struct strap *s, uint8_t type, int64_t now,
		    const void *payload, size_t len)
{
	struct session *ss = s->sess;
	int rc;

	if (!ss)
		return;
	if (len > VG_RECORD_PAYLOAD_MAX)
		len = VG_RECORD_PAYLOAD_MAX;
	/* A wall clock set backwards must not reorder the journal. */
	if (vgd_wall(s->d, now) > ss->last_time)
		ss->last_time = vgd_wall(s->d, now);
	rc = vg_journal_append(ss->journal, type, ss->last_time, payload, len);
	if (rc < 0 && !ss->write_failed) {
		ss->write_failed = true;
		log_warnx("%s: session %s: records lost: %s", s->name, ss->id,
			  rc == -ENOBUFS ? "the disk has refused writes for "
					   "too long"
					 : strerror(-rc));
	}
	if (type == VG_REC_EVENT) {
		char text[VGD_TEXT_MAX];
		snprintf(text, sizeof(text), "%.*s", (int)len,
			 (const char *)payload);
		ss->marks++;
		watch_event(s, "mark", text);
	} else if (type == VG_REC_LINK_DOWN || type == VG_REC_LINK_UP) {
		char text[VGD_TEXT_MAX];
		snprintf(text, sizeof(text), "%.*s", (int)len,
			 (const char *)payload);
		watch_event(s, type == VG_REC_LINK_UP ? "link_up" : "link_down",
			    text);
	}
}

void session_flush(struct strap *s, int64_t now)
{
	struct session *ss = s->sess;
	bool sync;
	size_t before;
	int rc;

	if (!ss)
		return;
	before = vg_journal_pending(ss->journal);
	if (!before && !ss->unsynced)
		return;
	sync = now - ss->last_sync >= SYNC_EVERY_MS;
	rc = vg_journal_flush(ss->journal, sync);
	if (vg_journal_pending(ss->journal) < before)
		ss->unsynced = true;
	if (rc < 0) {
		if (!ss->write_failed)
			log_warnx("%s: session %s: cannot write the journal "
				  "(%s); keeping records in memory and "
				  "retrying",
				  s->name, ss->id, strerror(-rc));
		ss->write_failed = true;
		return;
	}
	if (ss->write_failed && !vg_journal_pending(ss->journal)) {
		log_info("%s: session %s: the journal is written again",
			 s->name, ss->id);
		ss->write_failed = false;
	}
	if (sync) {
		ss->unsynced = false;
		ss->last_sync = now;
	}
}

int64_t session_deadline(const struct strap *s)
{
	const struct session *ss = s->sess;

	if (!ss || (!ss->unsynced && !vg_journal_pending(ss->journal)))
		return -1;
	return ss->last_sync + SYNC_EVERY_MS;
}

/* Writes report.json and report.txt of the session in @dirfd. */
static void write_report(struct vagusd *d, int dirfd, const char *id)
{
	char err[256] = "";
	int rc;

	if (!d->report)
		return;
	rc = d->report(d, dirfd, err, sizeof(err));
	if (rc < 0)
		log_warnx("session %s: cannot write the report: %s", id,
			  err[0] ? err : strerror(-rc));
	else
		log_info("session %s: report written", id);
}

int session_stop(struct strap *s, const char *reason, int64_t now)
{
	struct session *ss = s->sess;
	int rc;

	if (!ss)
		return -ENOENT;
	if (vgd_wall(s->d, now) > ss->last_time)
		ss->last_time = vgd_wall(s->d, now);
	vg_journal_append(ss->journal, VG_REC_END, ss->last_time, reason,
			  strlen(reason));
	watch_event(s, "session_end", reason);
	rc = vg_journal_close(ss->journal);
	if (rc < 0)
		log_warnx("%s: session %s: closing the journal: %s", s->name,
			  ss->id, strerror(-rc));
	log_info("%s: session %s ended (%s): %llu beats, %llu link drops, "
		 "%llu marks",
		 s->name, ss->id, reason, (unsigned long long)ss->beats,
		 (unsigned long long)ss->link_drops,
		 (unsigned long long)ss->marks);
	write_report(s->d, ss->dirfd, ss->id);
	close(ss->dirfd);
	free(ss);
	s->sess = NULL;
	/* Not straight back on: after a stop, the next run must begin. */
	s->auto_armed = false;
	s->worn_units = 0;
	preroll_clear(&s->pre);
	return rc;
}

struct scan_state {
	bool has_session, has_end;
	int64_t last_time;
};

static void scan_record(const struct vg_record *r, void *arg)
{
	struct scan_state *st = arg;

	if (r->type == VG_REC_SESSION)
		st->has_session = true;
	if (r->type == VG_REC_END)
		st->has_end = true;
	if (r->time_ms > st->last_time)
		st->last_time = r->time_ms;
}

/* One session folder: closed if unfinished, reported if not yet. */
static void recover_one(struct vagusd *d, const char *id)
{
	struct vg_journal_info info;
	struct scan_state st = {0};
	struct vg_journal *j;
	static const char reason[] = "recovered";
	int dirfd, rc;

	dirfd = openat(d->sessions_fd, id,
		       O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dirfd < 0)
		return;
	if (faccessat(dirfd, "journal", F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
		/* Killed between mkdir and the journal: nothing recorded. */
		close(dirfd);
		return;
	}
	j = vg_journal_open(dirfd, "journal", scan_record, &st, &info);
	if (!j) {
		log_warnx("session %s: cannot open its journal: %s", id,
			  strerror(errno));
		close(dirfd);
		return;
	}
	if (st.has_end) {
		vg_journal_close(j);
		/* Ended, but killed before its report was written. */
		if (faccessat(dirfd, "report.json", F_OK, 0) < 0)
			write_report(d, dirfd, id);
		close(dirfd);
		return;
	}
	rc = vg_journal_append(
	    j, VG_REC_END,
	    st.last_time > 0 ? st.last_time : vgd_wall(d, vg_monotonic_ms()),
	    reason, sizeof(reason) - 1);
	if (rc == 0)
		rc = vg_journal_close(j);
	else
		vg_journal_close(j);
	if (rc < 0) {
		log_warnx("session %s: cannot close it: %s", id, strerror(-rc));
		close(dirfd);
		return;
	}
	log_info("session %s: recovered unfinished session (%zu records, %lld "
		 "torn bytes cut)",
		 id, info.records, (long long)info.torn_bytes);
	write_report(d, dirfd, id);
	close(dirfd);
}

void session_recover_all(struct vagusd *d)
{
	int fd = dup(d->sessions_fd);
	DIR *dir;
	struct dirent *e;

	if (fd < 0)
		return;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return;
	}
	rewinddir(dir);
	while ((e = readdir(dir)) != NULL) {
		size_t n = strlen(e->d_name);
		if (e->d_name[0] != '.') {
			recover_one(d, e->d_name);
		} else if (n > 5 && strcmp(e->d_name + n - 4, ".new") == 0) {
			/* Killed while creating it: only a header inside. */
			int sfd = openat(d->sessions_fd, e->d_name,
					 O_RDONLY | O_DIRECTORY | O_CLOEXEC |
					     O_NOFOLLOW);
			if (sfd >= 0) {
				unlinkat(sfd, "journal", 0);
				close(sfd);
			}
			if (unlinkat(d->sessions_fd, e->d_name, AT_REMOVEDIR) ==
			    0)
				log_info("removed %s, a session folder left "
					 "half-made by a crash",
					 e->d_name);
		}
	}
	closedir(dir);
}
