/* SPDX-License-Identifier: MIT */
/*
 * vagusd's per-notification path and sessions in process, without a
 * loop or sockets: a real recording fed as notifications through
 * pipeline_notify(), the journal read back with the record decoder.
 *
 *   - an automatic start keeps every beat since the strap was put on
 *     (the pre-roll), and the session holds the whole recording;
 *   - malformed values are refused and never reach the journal;
 *   - a disk that refuses writes (ENOSPC, EIO, short writes) for a while
 *     loses nothing: the records wait in memory and go out once it
 *     accepts them again;
 *   - contact lost restarts the worn run: no automatic start from beats
 *     of a strap that was off the skin in between;
 *   - the watch lines: one per decided beat, and the session's events.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "sys/store.h"
#include "test.h"
#include "vagus/record.h"

static char dir[64];
static struct vgd_opts opts;
static struct vagusd d;
static size_t beat_lines, event_lines;
static char last_event[VGD_LINE_MAX];

static void on_watch(void *arg, const struct strap *s, bool event,
		     const char *json)
{
	if (event) {
		event_lines++;
		snprintf(last_event, sizeof(last_event), "%s", json);
	} else {
		beat_lines++;
	}
}

/* The recording as RR values in 1/1024 s. */
static size_t load_rr(uint16_t **out)
{
	size_t len, n = 0;
	char *text = vg_test_slurp(
	    vg_test_data("rhenanbartels-hrv/rest_rri.rr.txt"), &len);
	uint16_t *v = calloc(len / 2 + 1, sizeof(*v));

	for (char *line = text, *next; text && line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *end;
		double ms = strtod(line, &end);
		if (end != line && ms > 0)
			v[n++] = (uint16_t)vg_ms_to_rr1024(ms);
	}
	free(text);
	*out = v;
	return n;
}

/* One measurement: contact @contact, one RR. Returns its length. */
static size_t encode(uint8_t *buf, uint16_t rr, enum vg_contact contact)
{
	struct vg_hrm m;

	memset(&m, 0, sizeof(m));
	m.contact = contact;
	m.hr_bpm = (uint16_t)(61440u / (rr ? rr : 1024));
	if (contact != VG_CONTACT_LOST) {
		m.has_rr = true;
		m.rr_count = 1;
		m.rr[0] = rr;
	}
	return (size_t)vg_hrs_encode_measurement(&m, buf, VG_HRM_VALUE_MAX);
}

struct journal {
	unsigned sessions, ends, notify;
	uint16_t *rr;
	size_t n;
};

static void read_journal(const char *id, struct journal *j)
{
	char path[256];
	size_t len, off = VG_JOURNAL_HEADER_LEN;

	memset(j, 0, sizeof(*j));
	snprintf(path, sizeof(path), "%s/sessions/%s/journal", dir, id);
	uint8_t *buf = (uint8_t *)vg_test_slurp(path, &len);
	if (!buf)
		return;
	j->rr = calloc(len, sizeof(uint16_t));
	CHECK(vg_journal_check_header(buf, len) == 0);
	while (off < len) {
		struct vg_record r;
		struct vg_hrm m;
		int k = vg_record_decode(buf + off, len - off, &r);
		if (!CHECK(k > 0))
			break;
		off += (size_t)k;
		if (r.type == VG_REC_SESSION)
			j->sessions++;
		if (r.type == VG_REC_END)
			j->ends++;
		if (r.type != VG_REC_NOTIFY)
			continue;
		j->notify++;
		if (CHECK(vg_hrs_decode_measurement(r.payload, r.len, &m) == 0))
			for (unsigned i = 0; i < m.rr_count; i++)
				j->rr[j->n++] = m.rr[i];
	}
	free(buf);
}

/* A disk that refuses every write while @failing is set. */
static int failing;
static unsigned refused;

static ssize_t flaky_write(int fd, const void *buf, size_t n)
{
	if (failing) {
		refused++;
		/* Alternate the failures a disk gives, a short write too. */
		if (refused % 3 == 0 && n > 7)
			return write(fd, buf, 7);
		errno = refused % 3 == 1 ? ENOSPC : EIO;
		return -1;
	}
	return write(fd, buf, n);
}

static void test_session(void)
{
	uint16_t *rr;
	size_t n = load_rr(&rr);
	uint8_t v[VG_HRM_VALUE_MAX];
	char err[256];
	struct strap *s = conn_new(&d, 0, "unix:/nowhere", err, sizeof(err));
	int64_t now = 1000;
	char id[VGD_ID_MAX];
	struct journal j;
	unsigned malformed = 0;

	if (!CHECK(s) || !CHECK(n > 800))
		return;
	d.straps[0] = s;
	d.nstraps = 1;
	for (size_t i = 0; i < n; i++) {
		now += rr[i] * 1000 / 1024;
		size_t len = encode(v, rr[i], VG_CONTACT_OK);
		CHECK_EQ(pipeline_notify(s, v, len, now), 0);
		/* Garbage between the beats: refused, never journaled. */
		if (i % 50 == 7) {
			uint8_t bad[3] = {0x10, 60, 1}; /* odd RR byte */
			CHECK(pipeline_notify(s, bad, 3, now) < 0);
			malformed++;
		}
		/* The disk refuses writes for 200 notifications. */
		if (i == 300)
			failing = 1;
		if (i == 500)
			failing = 0;
		/* One loop iteration per 4 notifications. */
		if (i % 4 == 3)
			session_flush(s, now);
		/* Under 5 s of beats: no session yet; then one. */
		if (i == 2)
			CHECK(s->sess == NULL);
		if (i == 10)
			CHECK(s->sess != NULL);
	}
	if (!CHECK(s->sess)) {
		conn_free(s);
		free(rr);
		return;
	}
	CHECK(refused > 0);
	CHECK_EQ(s->malformed, malformed);
	snprintf(id, sizeof(id), "%s", s->sess->id);
	CHECK(strstr(last_event, "session_start") != NULL);
	session_stop(s, "test", now);
	CHECK(strstr(last_event, "session_end") != NULL);

	read_journal(id, &j);
	CHECK_EQ(j.sessions, 1);
	CHECK_EQ(j.ends, 1);
	CHECK_EQ(j.n, n);
	CHECK(j.n == n && memcmp(j.rr, rr, n * sizeof(*rr)) == 0);
	/* Every beat but the last few the artifact stage still held. */
	CHECK(beat_lines + VG_ARTLIVE_DELAY >= n && beat_lines <= n);
	printf("pipeline: %zu of %zu RR values in the journal after %u "
	       "refused writes, %u malformed values refused, %zu watch "
	       "lines\n",
	       j.n, n, refused, malformed, beat_lines);
	free(j.rr);
	d.nstraps = 0;
	conn_free(s);
	free(rr);
}

/* Beats with contact lost in between do not add up to a worn run. */
static void test_contact_lost(void)
{
	uint8_t v[VG_HRM_VALUE_MAX];
	char err[256];
	struct strap *s = conn_new(&d, 1, "unix:/nowhere2", err, sizeof(err));
	int64_t now = 1000;
	size_t len;

	if (!CHECK(s))
		return;
	/* 4 s worn, contact lost, 4 s worn: never 5 s in one run. */
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 4; i++) {
			now += 1000;
			len = encode(v, 1024, VG_CONTACT_OK);
			pipeline_notify(s, v, len, now);
		}
		now += 1000;
		len = encode(v, 1024, VG_CONTACT_LOST);
		pipeline_notify(s, v, len, now);
	}
	CHECK(s->sess == NULL);
	/* A fifth worn second after the loss still is not five in a row. */
	for (int i = 0; i < 4; i++) {
		now += 1000;
		len = encode(v, 1024, VG_CONTACT_OK);
		pipeline_notify(s, v, len, now);
	}
	CHECK(s->sess == NULL);
	now += 1000;
	len = encode(v, 1024, VG_CONTACT_OK);
	pipeline_notify(s, v, len, now);
	CHECK(s->sess != NULL);
	if (s->sess) {
		char id[VGD_ID_MAX];
		struct journal j;
		snprintf(id, sizeof(id), "%s", s->sess->id);
		session_stop(s, "test", now);
		read_journal(id, &j);
		/* Only the run that started it: 5 beats. */
		CHECK_EQ(j.n, 5);
		free(j.rr);
	}
	conn_free(s);
}

int main(void)
{
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/vagus-pipeline-XXXXXX");
	if (!CHECK(mkdtemp(dir)))
		return vg_test_done();
	log_init(VG_LOG_STDERR, "test_daemon_pipeline", false);
	opts_defaults(&opts);
	opts.auto_start_s = 5;
	opts.gone_timeout_s = 60;
	d.o = &opts;
	d.watch = on_watch;
	d.watchers = 1;
	d.state_fd = open(dir, O_RDONLY | O_DIRECTORY);
	mkdirat(d.state_fd, "sessions", 0700);
	d.sessions_fd = openat(d.state_fd, "sessions", O_RDONLY | O_DIRECTORY);
	vg_store_sys.write = flaky_write;

	test_session();
	test_contact_lost();

	close(d.sessions_fd);
	close(d.state_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return vg_test_done();
}
