/* SPDX-License-Identifier: MIT */
/*
 * vagus report [ID|last] [--json] and vagus list: the session folders
 * under STATE/sessions read directly, so neither needs the daemon. A
 * session without a report yet (running, or unfinished after a crash) is
 * reported from its journal on the spot, by the same core code the daemon
 * uses at session end; nothing is written into the state directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sys/report_write.h"
#include "vagus/json.h"
#include "vagus/report.h"
#include "vagus/session.h"

/* Largest report file we print; a real one is a few kB. */
#define REPORT_FILE_MAX ((size_t)16 << 20)

/*
 * A session ID: "YYYYMMDD-HHMMSS", then "-N" with N >= 2 when two
 * sessions started in the same second. Checked strictly: an ID becomes a
 * path, so "../x" must never pass.
 */
static bool valid_id(const char *s)
{
	size_t n = strlen(s);

	if (n < 15 || n > 24)
		return false;
	for (size_t i = 0; i < 15; i++)
		if (i == 8 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return false;
	if (n == 15)
		return true;
	if (s[15] != '-' || n == 16 || s[16] == '0')
		return false;
	for (size_t i = 16; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Order of start: the time, then the -N suffix (none counts as 1). */
static int id_cmp(const void *pa, const void *pb)
{
	const char *a = *(const char *const *)pa;
	const char *b = *(const char *const *)pb;
	int c = strncmp(a, b, 15);

	if (c)
		return c;
	unsigned long na = a[15] ? strtoul(a + 16, NULL, 10) : 1;
	unsigned long nb = b[15] ? strtoul(b + 16, NULL, 10) : 1;
	return na < nb ? -1 : na > nb;
}

struct ids {
	char **v;
	size_t n;
};

static void ids_free(struct ids *ids)
{
	for (size_t i = 0; i < ids->n; i++)
		free(ids->v[i]);
	free(ids->v);
	ids->v = NULL;
	ids->n = 0;
}

/*
 * The session folders of STATE/sessions, oldest first. Returns 0 (none
 * is fine: an empty list) or -errno; -ENOENT when there is no sessions
 * folder at all.
 */
static int list_ids(int sessfd, struct ids *ids)
{
	int fd = dup(sessfd);
	DIR *d;
	struct dirent *e;
	int err = 0;

	ids->v = NULL;
	ids->n = 0;
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		err = -errno;
		close(fd);
		return err;
	}
	while ((errno = 0, e = readdir(d))) {
		struct stat st;

		if (!valid_id(e->d_name) ||
		    fstatat(sessfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISDIR(st.st_mode))
			continue;
		char **v = realloc(ids->v, (ids->n + 1) * sizeof(*v));
		char *id = strdup(e->d_name);
		if (!v || !id) {
			free(id);
			if (v)
				ids->v = v;
			err = -ENOMEM;
			break;
		}
		ids->v = v;
		ids->v[ids->n++] = id;
	}
	if (!err && errno)
		err = -errno;
	closedir(d);
	if (err) {
		ids_free(ids);
		return err;
	}
	if (ids->n)
		qsort(ids->v, ids->n, sizeof(*ids->v), id_cmp);
	return 0;
}

static int write_out(const char *p, size_t n)
{
	if (fwrite(p, 1, n, stdout) != n || fflush(stdout) != 0) {
		cli_error("write error: %s", strerror(errno));
		return CLI_EXIT_DATA;
	}
	return CLI_EXIT_OK;
}

/*
 * The report of a session that has none on disk: replayed and rendered
 * in memory. Returns an exit status.
 */
static int report_from_journal(int dirfd, const char *id, bool json)
{
	struct vg_session s;
	struct vg_report r;
	struct vg_report_opts o;
	struct vg_json j;
	uint8_t *buf = NULL;
	double *hist = NULL;
	char *text = NULL;
	size_t len = 0, tlen = 0;
	int rc, status = CLI_EXIT_OK;

	vg_session_init(&s);
	vg_json_init(&j, NULL, 0, 2);
	rc = vg_report_read_file(dirfd, "journal", VG_REPORT_JOURNAL_MAX, &buf,
				 &len);
	if (rc) {
		cli_error("report: session %s has no report and no readable "
			  "journal: %s",
			  id, strerror(-rc));
		return rc == -ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_DATA;
	}
	rc = vg_session_replay(buf, len, &s);
	if (rc) {
		cli_error("report: session %s: journal: %s", id,
			  rc == -ENOMEM ? "out of memory"
					: "not a readable vagus journal");
		status = rc == -ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_DATA;
		goto out;
	}
	/* The history vagusd will use when it writes the report. */
	vg_report_opts_default(&o);
	rc = vg_report_history(dirfd, &hist, &o.nhist);
	o.history = hist;
	if (!rc)
		rc = vg_report_build(&s, &o, &r);
	if (!rc)
		rc = json ? vg_report_json(&r, &j)
			  : vg_report_text(&r, &text, &tlen);
	if (rc) {
		cli_error("report: session %s: %s", id, strerror(-rc));
		status = CLI_EXIT_INTERNAL;
		goto out;
	}
	cli_error("report: session %s has no report yet (%s): made from its "
		  "journal now",
		  id,
		  s.ended ? "ended, report not written"
			  : "still running "
			    "or unfinished");
	if (json) {
		status = write_out(vg_json_text(&j), vg_json_len(&j));
		if (!status)
			status = write_out("\n", 1);
	} else {
		status = write_out(text, tlen);
	}
out:
	free(hist);
	free(text);
	free(buf);
	vg_json_free(&j);
	vg_session_free(&s);
	return status;
}

static void report_help(void)
{
	printf("Usage: vagus [--state-dir DIR] report [--json] [ID|last]\n"
	       "\n"
	       "Prints the report of a session: report.txt, or report.json "
	       "with --json, from\n"
	       "its folder STATE/sessions/ID. Without ID, or with \"last\", "
	       "the latest session.\n"
	       "A session that has no report yet (still running, or "
	       "unfinished) is reported\n"
	       "from its journal on the spot. No daemon needed.\n"
	       "\n"
	       "Options:\n"
	       "  --json      print report.json instead of the text\n"
	       "  -h, --help  show this help\n"
	       "\n"
	       "Exit status: 0 success, 1 no such session or unreadable "
	       "data, 2 usage error,\n"
	       "3 internal error.\n");
}

int cmd_report(int argc, char **argv)
{
	const char *want = NULL;
	bool json = false;
	char path[4096];
	struct ids ids = {0};
	int sessfd = -1, dirfd = -1, status, rc;
	const char *id;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			report_help();
			return CLI_EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (argv[i][0] == '-') {
			return cli_usage_error("report", "unknown option '%s'",
					       argv[i]);
		} else if (want) {
			return cli_usage_error("report", "one ID only");
		} else {
			want = argv[i];
		}
	}
	if (want && strcmp(want, "last") && !valid_id(want))
		return cli_usage_error("report",
				       "'%s' is not a session ID "
				       "(YYYYMMDD-HHMMSS[-N], or last)",
				       want);
	status = cli_open_sessions("report", &sessfd, path, sizeof(path));
	if (status)
		return status;

	if (!want || !strcmp(want, "last")) {
		rc = list_ids(sessfd, &ids);
		if (rc) {
			cli_error("report: %s: %s", path, strerror(-rc));
			status =
			    rc == -ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_DATA;
			goto out;
		}
		if (!ids.n) {
			cli_error("report: no sessions in %s", path);
			status = CLI_EXIT_DATA;
			goto out;
		}
		id = ids.v[ids.n - 1];
	} else {
		id = want;
	}
	dirfd = openat(sessfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			cli_error("report: no session %s in %s ('vagus list' "
				  "shows them)",
				  id, path);
		else
			cli_error("report: %s/%s: %s", path, id,
				  strerror(errno));
		status = CLI_EXIT_DATA;
		goto out;
	}

	uint8_t *buf = NULL;
	size_t len = 0;
	rc = vg_report_read_file(dirfd, json ? "report.json" : "report.txt",
				 REPORT_FILE_MAX, &buf, &len);
	if (rc == -ENOENT) {
		status = report_from_journal(dirfd, id, json);
	} else if (rc) {
		cli_error("report: %s/%s/%s: %s", path, id,
			  json ? "report.json" : "report.txt", strerror(-rc));
		status = rc == -ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_DATA;
	} else {
		status = write_out((const char *)buf, len);
		free(buf);
	}
out:
	if (dirfd >= 0)
		close(dirfd);
	close(sessfd);
	ids_free(&ids);
	return status;
}

/* ---- vagus list ---------------------------------------------------- */

/* What list shows of one session. */
struct summary {
	bool report; /* from report.json; else from the journal */
	bool readable;
	bool ended;
	char tag[VG_SESSION_STR_MAX];
	double duration_s;
	double beats;
	double d_hr, d_ln_rmssd;
	bool windows_ok;
	bool recovered; /* vagusd closed it at start-up after a crash */
	char verdict[32];
};

static void sum_str(void *arg, const char *key, const char *val)
{
	struct summary *m = arg;

	if (!strcmp(key, "tag"))
		snprintf(m->tag, sizeof(m->tag), "%s", val);
	else if (!strcmp(key, "windows.status"))
		m->windows_ok = !strcmp(val, "ok");
	else if (!strcmp(key, "end_reason"))
		m->recovered = !strcmp(val, "recovered");
	else if (!strcmp(key, "verdict"))
		/* One of the four words, never other text to a terminal. */
		for (int v = VG_VERDICT_INSUFFICIENT_DATA;
		     v <= VG_VERDICT_SHIFT_TO_AROUSAL; v++)
			if (!strcmp(val, vg_verdict_name(v)))
				snprintf(m->verdict, sizeof(m->verdict), "%s",
					 val);
}

static void sum_num(void *arg, const char *key, double v)
{
	struct summary *m = arg;

	if (!strcmp(key, "duration_s"))
		m->duration_s = v;
	else if (!strcmp(key, "beats"))
		m->beats = v;
	else if (!strcmp(key, "change.hr_bpm.delta"))
		m->d_hr = v;
	else if (!strcmp(key, "change.ln_rmssd.delta"))
		m->d_ln_rmssd = v;
	else if (!strcmp(key, "ended"))
		m->ended = v != 0;
}

static void summarize(int sessfd, const char *id, struct summary *m)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int dirfd = openat(sessfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	memset(m, 0, sizeof(*m));
	m->duration_s = m->beats = m->d_hr = m->d_ln_rmssd = NAN;
	if (dirfd < 0)
		return;
	if (!vg_report_read_file(dirfd, "report.json", REPORT_FILE_MAX, &buf,
				 &len)) {
		m->report = true;
		m->readable = !vg_session_json_members((const char *)buf, len,
						       sum_str, sum_num, m);
		if (!m->windows_ok)
			m->d_hr = m->d_ln_rmssd = NAN;
	} else if (!vg_report_read_file(dirfd, "journal", VG_REPORT_JOURNAL_MAX,
					&buf, &len)) {
		struct vg_session s;
		struct vg_report r;

		vg_session_init(&s);
		if (!vg_session_replay(buf, len, &s)) {
			m->readable = true;
			m->ended = s.ended;
			m->recovered = !strcmp(s.end_reason, "recovered");
			snprintf(m->tag, sizeof(m->tag), "%s", s.meta.tag);
			m->beats = (double)s.rr.n;
			m->duration_s = vg_session_duration_s(&s);
			if (!vg_report_build(&s, NULL, &r)) {
				snprintf(m->verdict, sizeof(m->verdict), "%s",
					 vg_verdict_name(r.verdict));
				m->windows_ok = r.win.ok;
				m->d_hr = r.win.ok ? r.hr_bpm.delta : NAN;
				m->d_ln_rmssd =
				    r.win.ok ? r.ln_rmssd.delta : NAN;
			}
		}
		vg_session_free(&s);
	}
	free(buf);
	close(dirfd);
}

static const char *state_name(const struct summary *m)
{
	if (!m->readable)
		return "unreadable";
	if (m->recovered)
		return m->report ? "recovered" : "recovered, no report";
	if (m->report)
		return m->ended ? "ended" : "reported, not ended";
	return m->ended ? "ended, no report" : "running/unfinished";
}

static void list_help(void)
{
	printf("Usage: vagus [--state-dir DIR] list [--json]\n"
	       "\n"
	       "Lists the sessions in STATE/sessions, oldest first: ID (the "
	       "UTC start time),\n"
	       "tag, length, beats, the change of heart rate and of ln "
	       "RMSSD from the start\n"
	       "window to the end window, the verdict, and the state. No "
	       "daemon needed.\n"
	       "\n"
	       "Options:\n"
	       "  --json      one JSON array of objects\n"
	       "  -h, --help  show this help\n");
}

int cmd_list(int argc, char **argv)
{
	bool json = false;
	char path[4096];
	struct ids ids = {0};
	int sessfd = -1, status, rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			list_help();
			return CLI_EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else {
			return cli_usage_error("list", "unexpected '%s'",
					       argv[i]);
		}
	}
	status = cli_open_sessions("list", &sessfd, path, sizeof(path));
	if (status)
		return status;
	rc = list_ids(sessfd, &ids);
	if (rc) {
		cli_error("list: %s: %s", path, strerror(-rc));
		close(sessfd);
		return rc == -ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_DATA;
	}

	struct vg_json j;
	vg_json_init(&j, NULL, 0, 2);
	if (json)
		vg_json_begin_array(&j);
	else if (ids.n)
		printf("%-20s %-10s %9s %7s %10s %10s  %-17s  %s\n", "ID",
		       "TAG", "LENGTH", "BEATS", "dHR bpm", "dlnRMSSD",
		       "VERDICT", "STATE");
	else
		printf("No sessions in %s\n", path);
	for (size_t i = 0; i < ids.n; i++) {
		struct summary m;
		char len[32], hr[32], ln[32];

		summarize(sessfd, ids.v[i], &m);
		if (json) {
			vg_json_begin_object(&j);
			vg_json_key_str(&j, "id", ids.v[i]);
			vg_json_key_str(&j, "tag", *m.tag ? m.tag : NULL);
			vg_json_key_num(&j, "duration_s", m.duration_s);
			vg_json_key_num(&j, "beats", m.beats);
			vg_json_key_num(&j, "hr_bpm_delta", m.d_hr);
			vg_json_key_num(&j, "ln_rmssd_delta", m.d_ln_rmssd);
			vg_json_key_str(&j, "verdict",
					*m.verdict ? m.verdict : NULL);
			vg_json_key_bool(&j, "report", m.report);
			vg_json_key_str(&j, "state", state_name(&m));
			vg_json_end_object(&j);
			continue;
		}
		if (isfinite(m.duration_s)) {
			long t = lround(m.duration_s);
			snprintf(len, sizeof(len), "%ld:%02ld", t / 60, t % 60);
		} else {
			snprintf(len, sizeof(len), "-");
		}
		if (isfinite(m.d_hr))
			snprintf(hr, sizeof(hr), "%+.1f", m.d_hr);
		else
			snprintf(hr, sizeof(hr), "-");
		if (isfinite(m.d_ln_rmssd))
			snprintf(ln, sizeof(ln), "%+.2f", m.d_ln_rmssd);
		else
			snprintf(ln, sizeof(ln), "-");
		printf("%-20s %-10.10s %9s %7.0f %10s %10s  %-17s  %s\n",
		       ids.v[i], *m.tag ? m.tag : "-", len,
		       isfinite(m.beats) ? m.beats : 0.0, hr, ln,
		       *m.verdict ? m.verdict : "-", state_name(&m));
	}
	if (json) {
		vg_json_end_array(&j);
		rc = vg_json_error(&j);
		if (rc) {
			cli_error("list: JSON output failed: %s",
				  strerror(-rc));
			status = CLI_EXIT_INTERNAL;
		} else {
			status = write_out(vg_json_text(&j), vg_json_len(&j));
			if (!status)
				status = write_out("\n", 1);
		}
	} else if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("write error: %s", strerror(errno));
		status = CLI_EXIT_DATA;
	}
	vg_json_free(&j);
	close(sessfd);
	ids_free(&ids);
	return status;
}
