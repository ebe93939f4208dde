/* SPDX-License-Identifier: MIT */
/*
 * vagus history, vagus compare and vagus export: the session folders
 * under STATE/sessions read directly (no daemon). history and compare read
 * each session's report.json; the statistics are in the pure core
 * (include/vagus/history.h). export turns one session into a beats CSV,
 * a plain RR list (what Kubios HRV imports) or its report JSON.
 *
 * A session whose report.json is missing or unreadable is named on
 * standard error and left out; it never stops the others.
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
#include "vagus/artifact.h"
#include "vagus/history.h"
#include "vagus/hrs.h"
#include "vagus/json.h"
#include "vagus/jsonscan.h"
#include "vagus/report.h"
#include "vagus/session.h"

/* Largest report.json we read; a real one is a few kB. */
#define HIST_REPORT_MAX ((size_t)16 << 20)
#define HIST_ID_MAX 32

/* One session folder as history and compare see it. */
struct hsess {
	char id[HIST_ID_MAX];
	char tag[VG_SESSION_STR_MAX];
	char verdict[32];
	double start_s;
	bool has_report; /* report.json was read and parsed */
	bool ok;	 /* it has windows and finite values */
	double rest_ln, rest_hr, d_ln, d_hr;
	double ln_ci[2];
};

struct hist {
	struct hsess *v;
	size_t n;
	size_t no_report, bad_report;
};

static void hist_free(struct hist *h)
{
	free(h->v);
	h->v = NULL;
	h->n = 0;
}

/* Oldest first: the start time, then the -N suffix (none counts 1). */
static int hsess_cmp(const void *pa, const void *pb)
{
	const struct hsess *a = pa, *b = pb;

	if (a->start_s != b->start_s)
		return a->start_s < b->start_s ? -1 : 1;
	unsigned long na = a->id[15] ? strtoul(a->id + 16, NULL, 10) : 1;
	unsigned long nb = b->id[15] ? strtoul(b->id + 16, NULL, 10) : 1;
	return na < nb ? -1 : na > nb;
}

/* The number at "a.b.c" under @root; NAN when absent, null or not one. */
static double jnum(const struct vg_jv *root, const char *path)
{
	struct vg_jv cur = *root, next;
	char part[64];
	const char *p = path;
	double v;

	while (*p) {
		size_t n = strcspn(p, ".");
		if (n >= sizeof(part))
			return NAN;
		memcpy(part, p, n);
		part[n] = '\0';
		if (vg_jsonscan_get(&cur, part, &next))
			return NAN;
		cur = next;
		p += n + (p[n] == '.');
	}
	return vg_jv_num(&cur, &v) ? NAN : v;
}

static void jstr(const struct vg_jv *obj, const char *name, char *buf,
		 size_t cap)
{
	struct vg_jv v;

	buf[0] = '\0';
	if (!vg_jsonscan_get(obj, name, &v) && v.type == VG_JV_STR &&
	    vg_jv_str(&v, buf, cap) < 0)
		buf[0] = '\0';
}

/* The 95 % interval of lnRMSSD's change, when the report has one. */
static void ln_ci(const struct vg_jv *root, double ci[2])
{
	struct vg_jv c, m, a, item;
	size_t pos = 0;
	int k = 0;

	ci[0] = ci[1] = NAN;
	if (vg_jsonscan_get(root, "change", &c) ||
	    vg_jsonscan_get(&c, "ln_rmssd", &m) ||
	    vg_jsonscan_get(&m, "ci95", &a) || a.type != VG_JV_ARR)
		return;
	while (k < 2 && vg_jsonscan_next(&a, &pos, NULL, &item) == 1)
		if (vg_jv_num(&item, &ci[k++]))
			ci[k - 1] = NAN;
}

/*
 * Fills @s from the report.json text @buf. Returns 0 or -EBADMSG when it
 * is not a JSON object.
 */
static int parse_report(const char *buf, size_t len, struct hsess *s)
{
	struct vg_jv root, w;
	char status[32] = "";

	if (vg_jsonscan_parse(buf, len, &root) || root.type != VG_JV_OBJ)
		return -EBADMSG;
	jstr(&root, "tag", s->tag, sizeof(s->tag));
	jstr(&root, "verdict", s->verdict, sizeof(s->verdict));
	if (!vg_jsonscan_get(&root, "windows", &w) && w.type == VG_JV_OBJ)
		jstr(&w, "status", status, sizeof(status));
	s->rest_ln = jnum(&root, "change.ln_rmssd.start");
	s->rest_hr = jnum(&root, "change.hr_bpm.start");
	/*
	 * The session's change: the report's fitted estimate over the whole
	 * course (the one its interval and verdict are about), else, for
	 * reports written before it existed, end - start.
	 */
	s->d_ln = jnum(&root, "change.ln_rmssd.estimate");
	s->d_hr = jnum(&root, "change.hr_bpm.estimate");
	if (!isfinite(s->d_ln) || !isfinite(s->d_hr)) {
		s->d_ln = jnum(&root, "change.ln_rmssd.delta");
		s->d_hr = jnum(&root, "change.hr_bpm.delta");
	}
	ln_ci(&root, s->ln_ci);
	s->ok = !strcmp(status, "ok") && isfinite(s->rest_ln) &&
		isfinite(s->rest_hr) && isfinite(s->d_ln) && isfinite(s->d_hr);
	return 0;
}

/*
 * Reads every session folder's report.json, oldest first. Sessions
 * without a readable report are counted and named on stderr. Returns an
 * exit status (messages printed).
 */
static int load_history(const char *cmd, struct hist *h, char *path, size_t cap)
{
	int sessfd, status, fd;
	DIR *d;
	struct dirent *e;

	memset(h, 0, sizeof(*h));
	status = cli_open_sessions(cmd, &sessfd, path, cap);
	if (status)
		return status;
	fd = dup(sessfd);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		cli_error("%s: %s: %s", cmd, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		close(sessfd);
		return CLI_EXIT_DATA;
	}
	while ((errno = 0, e = readdir(d))) {
		struct hsess s;
		struct stat st;
		double t;

		/* The ID becomes a path: only strict IDs pass ("../x" never). */
		if (strlen(e->d_name) >= HIST_ID_MAX ||
		    vg_history_id_time(e->d_name, &t) ||
		    fstatat(sessfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISDIR(st.st_mode))
			continue;
		memset(&s, 0, sizeof(s));
		/* Length checked above; memcpy keeps gcc -O1 quiet. */
		memcpy(s.id, e->d_name, strlen(e->d_name) + 1);
		s.start_s = t;
		s.rest_ln = s.rest_hr = s.d_ln = s.d_hr = NAN;
		s.ln_ci[0] = s.ln_ci[1] = NAN;

		int dfd =
		    openat(sessfd, s.id,
			   O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		uint8_t *buf = NULL;
		size_t len = 0;
		int rc = dfd < 0
			     ? -errno
			     : vg_report_read_file(dfd, "report.json",
						   HIST_REPORT_MAX, &buf, &len);
		if (dfd >= 0)
			close(dfd);
		if (rc == -ENOENT) {
			h->no_report++;
			cli_error("%s: session %s has no report.json yet "
				  "(running or unfinished): left out",
				  cmd, s.id);
		} else if (rc) {
			h->bad_report++;
			cli_error("%s: session %s: report.json: %s: left out",
				  cmd, s.id, strerror(-rc));
		} else if (parse_report((const char *)buf, len, &s)) {
			h->bad_report++;
			cli_error("%s: session %s: report.json is not a valid "
				  "report (malformed JSON): left out",
				  cmd, s.id);
		} else {
			s.has_report = true;
		}
		free(buf);
		if (!s.has_report)
			continue;
		struct hsess *v = realloc(h->v, (h->n + 1) * sizeof(*v));
		if (!v) {
			closedir(d);
			close(sessfd);
			hist_free(h);
			cli_error("%s: out of memory", cmd);
			return CLI_EXIT_INTERNAL;
		}
		h->v = v;
		h->v[h->n++] = s;
	}
	int err = errno;
	closedir(d);
	close(sessfd);
	if (err) {
		cli_error("%s: %s: %s", cmd, path, strerror(err));
		hist_free(h);
		return CLI_EXIT_DATA;
	}
	if (h->n)
		qsort(h->v, h->n, sizeof(*h->v), hsess_cmp);
	return CLI_EXIT_OK;
}

static int print_json(const char *cmd, struct vg_json *j)
{
	int rc = vg_json_error(j);

	if (rc) {
		cli_error("%s: JSON output failed: %s", cmd, strerror(-rc));
		return CLI_EXIT_INTERNAL;
	}
	if (fwrite(vg_json_text(j), 1, vg_json_len(j), stdout) !=
		vg_json_len(j) ||
	    fputc('\n', stdout) == EOF || fflush(stdout)) {
		cli_error("write error: %s", strerror(errno));
		return CLI_EXIT_DATA;
	}
	return CLI_EXIT_OK;
}

static int finish_text(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("write error: %s", strerror(errno));
		return CLI_EXIT_DATA;
	}
	return CLI_EXIT_OK;
}

/* @v with @dec decimals (a sign with @sign), or "-" when missing. */
static const char *fmt(char *buf, size_t cap, bool sign, int dec, double v)
{
	if (isfinite(v))
		snprintf(buf, cap, sign ? "%+.*f" : "%.*f", dec, v);
	else
		snprintf(buf, cap, "-");
	return buf;
}

/* A change: bpm with one decimal, lnRMSSD with three. */
static const char *fmtv(char *buf, size_t cap, bool hr, double v)
{
	return fmt(buf, cap, true, hr ? 1 : 3, v);
}

/* ---- vagus history ------------------------------------------------- */

static void json_range(struct vg_json *j, const char *key,
		       const struct vg_history_range *r)
{
	vg_json_key_object(j, key);
	vg_json_key_uint(j, "n", r->n);
	vg_json_key_num(j, "mean", r->mean);
	vg_json_key_num(j, "sd", r->sd);
	vg_json_key_num(j, "swc", r->swc);
	vg_json_key_num(j, "lo", r->lo);
	vg_json_key_num(j, "hi", r->hi);
	vg_json_end_object(j);
}

static void json_trend(struct vg_json *j, const char *key,
		       const struct vg_history_trend *t)
{
	vg_json_key_object(j, key);
	vg_json_key_uint(j, "n", t->n);
	vg_json_key_num(j, "per_30d", t->per_30d);
	vg_json_key_array(j, "ci95");
	vg_json_num(j, t->ci_lo);
	vg_json_num(j, t->ci_hi);
	vg_json_end_array(j);
	vg_json_end_object(j);
}

static void history_json(const struct hist *h,
			 const struct vg_history_session *hs,
			 const struct vg_history_point *pt,
			 const struct vg_history_summary *sum,
			 struct vg_json *j)
{
	vg_json_begin_object(j);
	vg_json_key_uint(j, "sessions", sum->sessions);
	vg_json_key_uint(j, "valid", sum->valid);
	vg_json_key_uint(j, "without_report", h->no_report);
	vg_json_key_uint(j, "unreadable_report", h->bad_report);
	vg_json_key_uint(j, "min_sessions_for_range", VG_HISTORY_MIN_SESSIONS);
	vg_json_key_uint(j, "baseline_max", VG_HISTORY_BASELINE_MAX);
	json_range(j, "normal_range", &sum->now);
	vg_json_key_object(j, "trend");
	json_trend(j, "rest_ln_rmssd", &sum->rest_ln_rmssd);
	json_trend(j, "rest_hr_bpm", &sum->rest_hr_bpm);
	vg_json_end_object(j);
	vg_json_key_array(j, "history");
	for (size_t i = 0; i < h->n; i++) {
		const struct hsess *s = &h->v[i];
		vg_json_begin_object(j);
		vg_json_key_str(j, "id", s->id);
		vg_json_key_str(j, "tag", *s->tag ? s->tag : NULL);
		vg_json_key_num(j, "start_s", hs[i].start_s);
		vg_json_key_bool(j, "ok", s->ok);
		vg_json_key_str(j, "verdict", *s->verdict ? s->verdict : NULL);
		vg_json_key_num(j, "rest_ln_rmssd", s->ok ? s->rest_ln : NAN);
		vg_json_key_num(j, "rest_hr_bpm", s->ok ? s->rest_hr : NAN);
		vg_json_key_num(j, "d_ln_rmssd", s->ok ? s->d_ln : NAN);
		vg_json_key_num(j, "d_hr_bpm", s->ok ? s->d_hr : NAN);
		vg_json_key_array(j, "d_ln_rmssd_ci95");
		vg_json_num(j, s->ok ? s->ln_ci[0] : NAN);
		vg_json_num(j, s->ok ? s->ln_ci[1] : NAN);
		vg_json_end_array(j);
		vg_json_key_num(j, "roll7_ln_rmssd", pt[i].roll7_ln_rmssd);
		json_range(j, "range", &pt[i].range);
		vg_json_key_str(j, "place", vg_history_place_name(pt[i].place));
		vg_json_end_object(j);
	}
	vg_json_end_array(j);
	vg_json_end_object(j);
}

static void history_text(const char *path, const struct hist *h,
			 const struct vg_history_point *pt,
			 const struct vg_history_summary *sum)
{
	char a[32], b[32], c[32], d[32], e[48];

	printf("History: %zu sessions with a report in %s, %zu of them with "
	       "start and end windows.\n",
	       h->n, path, sum->valid);
	if (h->no_report || h->bad_report)
		printf("Left out: %zu without a report yet, %zu with an "
		       "unreadable report.\n",
		       h->no_report, h->bad_report);
	printf("Resting = the start window; change = the report's fitted "
	       "change from the start\nwindow to the end window. The "
	       "normal\nrange is the mean of the earlier "
	       "sessions' resting lnRMSSD (up to %d) +/- 0.5 SD,\nthe "
	       "smallest worthwhile change; it needs %d earlier sessions.\n\n",
	       VG_HISTORY_BASELINE_MAX, VG_HISTORY_MIN_SESSIONS);
	printf("%-19s %-10s %8s %7s %9s %6s %15s  %-8s %s\n", "ID", "TAG",
	       "lnRMSSD", "HR", "dlnRMSSD", "dHR", "NORMAL RANGE", "RESTING",
	       "VERDICT");
	for (size_t i = 0; i < h->n; i++) {
		const struct hsess *s = &h->v[i];
		const struct vg_history_point *p = &pt[i];
		if (isfinite(p->range.lo))
			snprintf(e, sizeof(e), "%.2f..%.2f", p->range.lo,
				 p->range.hi);
		else
			snprintf(e, sizeof(e), "(%zu of %d)", p->range.n,
				 VG_HISTORY_MIN_SESSIONS);
		printf("%-19s %-10.10s %8s %7s %9s %6s %15s  %-8s %s\n", s->id,
		       *s->tag ? s->tag : "-",
		       fmt(a, sizeof(a), false, 3, s->ok ? s->rest_ln : NAN),
		       fmt(b, sizeof(b), false, 1, s->ok ? s->rest_hr : NAN),
		       fmt(c, sizeof(c), true, 3, s->ok ? s->d_ln : NAN),
		       fmt(d, sizeof(d), true, 1, s->ok ? s->d_hr : NAN), e,
		       !s->ok ? "-"
		       : p->place == VG_HISTORY_NO_RANGE
			   ? "-"
			   : vg_history_place_name(p->place),
		       *s->verdict ? s->verdict
				   : (s->ok ? "-" : "insufficient_data"));
	}
	printf("\n");
	if (isfinite(sum->now.swc))
		printf("Normal range now (last %zu sessions): resting lnRMSSD "
		       "%.3f +/- %.3f (%.3f .. %.3f);\nSD %.3f, smallest "
		       "worthwhile change %.3f.\n",
		       sum->now.n, sum->now.mean, sum->now.swc, sum->now.lo,
		       sum->now.hi, sum->now.sd, sum->now.swc);
	else
		printf("Normal range: not yet; it needs %d sessions with "
		       "windows (%zu so far).\n",
		       VG_HISTORY_MIN_SESSIONS, sum->valid);
	const struct vg_history_trend *t[2] = {&sum->rest_ln_rmssd,
					       &sum->rest_hr_bpm};
	const char *name[2] = {"resting lnRMSSD", "resting HR (bpm)"};
	for (int k = 0; k < 2; k++) {
		if (isfinite(t[k]->per_30d))
			printf("Trend of %s: %+.3f per 30 days (95 %% CI "
			       "%+.3f .. %+.3f, %zu sessions%s).\n",
			       name[k], t[k]->per_30d, t[k]->ci_lo, t[k]->ci_hi,
			       t[k]->n,
			       (t[k]->ci_lo > 0 || t[k]->ci_hi < 0)
				   ? ""
				   : "; no clear trend");
		else
			printf("Trend of %s: needs 3 sessions on different "
			       "days.\n",
			       name[k]);
	}
}

static void history_help(void)
{
	printf("Usage: vagus [--state-dir DIR] history [--json | --html OUT]\n"
	       "\n"
	       "Shows every session with a report, oldest first: the "
	       "resting values (start\n"
	       "window lnRMSSD and heart rate), the change from the start "
	       "window to the end\n"
	       "window, the verdict, and the person's normal range: the mean "
	       "resting lnRMSSD\n"
	       "of the earlier sessions (the last %d) +/- 0.5 SD, the "
	       "smallest worthwhile\n"
	       "change of Plews and Buchheit, once %d sessions exist. Then "
	       "the trends of the\n"
	       "resting values per 30 days with their 95 %% intervals. No "
	       "daemon needed.\n"
	       "\n"
	       "Options:\n"
	       "  --json      one JSON object\n"
	       "  --html OUT  write a trend page (one file, inline SVG) to "
	       "OUT\n"
	       "  -h, --help  show this help\n"
	       "\n"
	       "Exit status: 0 success, 1 no sessions or unreadable state "
	       "directory,\n"
	       "2 usage error, 3 internal error.\n",
	       VG_HISTORY_BASELINE_MAX, VG_HISTORY_MIN_SESSIONS);
}

/* The core's view of the loaded sessions (heap; free() it). */
static struct vg_history_session *core_view(const struct hist *h)
{
	struct vg_history_session *hs = calloc(h->n ? h->n : 1, sizeof(*hs));

	for (size_t i = 0; hs && i < h->n; i++) {
		const struct hsess *s = &h->v[i];
		hs[i].id = s->id;
		hs[i].tag = s->tag;
		hs[i].start_s = s->start_s;
		hs[i].ok = s->ok;
		hs[i].rest_ln_rmssd = s->rest_ln;
		hs[i].rest_hr_bpm = s->rest_hr;
		hs[i].d_ln_rmssd = s->d_ln;
		hs[i].d_hr_bpm = s->d_hr;
	}
	return hs;
}

/* ---- vagus history --html ------------------------------------------ */

static void html_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static const char *tag_colour(const char *tag)
{
	if (!strcmp(tag, "mat"))
		return "#1b7f5c";
	if (!strcmp(tag, "control"))
		return "#4a5a8a";
	return "#a05a00";
}

enum chart_kind { CHART_REST_LN, CHART_CHANGE_LN, CHART_REST_HR };

#define SVG_W 640.0
#define SVG_H 220.0
#define SVG_L 56.0
#define SVG_R 12.0
#define SVG_T 12.0
#define SVG_B 28.0

struct scale {
	double lo, hi;
	size_t n;
};

static double sx(const struct scale *s, size_t i)
{
	double w = SVG_W - SVG_L - SVG_R;
	return SVG_L + (s->n > 1 ? w * (double)i / (double)(s->n - 1) : w / 2);
}

static double sy(const struct scale *s, double v)
{
	double h = SVG_H - SVG_T - SVG_B;
	return SVG_T + h * (s->hi - v) / (s->hi - s->lo);
}

static void widen(struct scale *s, double v)
{
	if (!isfinite(v))
		return;
	if (isnan(s->lo) || v < s->lo)
		s->lo = v;
	if (isnan(s->hi) || v > s->hi)
		s->hi = v;
}

/* One chart of the sessions, oldest left: an inline SVG. */
static void svg_chart(FILE *f, const struct hist *h,
		      const struct vg_history_point *pt, enum chart_kind k)
{
	struct scale s = {NAN, NAN, h->n};

	for (size_t i = 0; i < h->n; i++) {
		const struct hsess *e = &h->v[i];
		if (!e->ok)
			continue;
		if (k == CHART_REST_LN) {
			widen(&s, e->rest_ln);
			widen(&s, pt[i].range.lo);
			widen(&s, pt[i].range.hi);
		} else if (k == CHART_CHANGE_LN) {
			widen(&s, 0);
			widen(&s, e->d_ln);
			widen(&s, e->ln_ci[0]);
			widen(&s, e->ln_ci[1]);
		} else {
			widen(&s, e->rest_hr);
		}
	}
	if (isnan(s.lo)) {
		fputs("<p>No session with windows yet.</p>\n", f);
		return;
	}
	double pad = (s.hi - s.lo) * 0.08;
	if (!(pad > 0))
		pad = 0.1 * fabs(s.hi) + 0.1;
	s.lo -= pad;
	s.hi += pad;
	fprintf(f,
		"<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
		"xmlns=\"http://www.w3.org/2000/svg\">\n",
		SVG_W, SVG_H);
	/* Axes and three labelled levels. */
	fprintf(f,
		"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		"class=\"axis\"/>\n",
		SVG_L, SVG_T, SVG_L, SVG_H - SVG_B);
	for (int q = 0; q <= 2; q++) {
		double v = s.lo + pad + (s.hi - s.lo - 2 * pad) * q / 2.0;
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			"class=\"grid\"/><text x=\"%.1f\" y=\"%.1f\" "
			"class=\"yl\">%.*f</text>\n",
			SVG_L, sy(&s, v), SVG_W - SVG_R, sy(&s, v), SVG_L - 4,
			sy(&s, v) + 4, k == CHART_REST_HR ? 1 : 2, v);
	}
	if (k == CHART_CHANGE_LN)
		fprintf(f,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
			"class=\"zero\"/>\n",
			SVG_L, sy(&s, 0), SVG_W - SVG_R, sy(&s, 0));
	double step =
	    h->n > 1 ? (SVG_W - SVG_L - SVG_R) / (double)(h->n - 1) : 20;
	if (k == CHART_REST_LN) {
		/* The normal range each session was held against. */
		for (size_t i = 0; i < h->n; i++) {
			if (!isfinite(pt[i].range.lo))
				continue;
			double x0 = fmax(SVG_L, sx(&s, i) - step / 2);
			double x1 = fmin(SVG_W - SVG_R, sx(&s, i) + step / 2);
			fprintf(f,
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
				"height=\"%.1f\" class=\"range\"/>\n",
				x0, sy(&s, pt[i].range.hi), x1 - x0,
				sy(&s, pt[i].range.lo) -
				    sy(&s, pt[i].range.hi));
		}
		/* The 7-session rolling mean. */
		bool first = true;
		fputs("<polyline class=\"roll\" points=\"", f);
		for (size_t i = 0; i < h->n; i++) {
			if (!isfinite(pt[i].roll7_ln_rmssd))
				continue;
			fprintf(f, "%s%.1f,%.1f", first ? "" : " ", sx(&s, i),
				sy(&s, pt[i].roll7_ln_rmssd));
			first = false;
		}
		fputs("\"/>\n", f);
	}
	for (size_t i = 0; i < h->n; i++) {
		const struct hsess *e = &h->v[i];
		double v = k == CHART_REST_LN	  ? e->rest_ln
			   : k == CHART_CHANGE_LN ? e->d_ln
						  : e->rest_hr;
		if (!e->ok || !isfinite(v))
			continue;
		if (k == CHART_CHANGE_LN && isfinite(e->ln_ci[0]) &&
		    isfinite(e->ln_ci[1]))
			fprintf(f,
				"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
				"y2=\"%.1f\" stroke=\"%s\" "
				"class=\"ci\"/>\n",
				sx(&s, i), sy(&s, e->ln_ci[0]), sx(&s, i),
				sy(&s, e->ln_ci[1]), tag_colour(e->tag));
		fprintf(f,
			"<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" "
			"fill=\"%s\"><title>",
			sx(&s, i), sy(&s, v), tag_colour(e->tag));
		html_esc(f, e->id);
		fputs(" ", f);
		html_esc(f, *e->tag ? e->tag : "-");
		fprintf(f, ": %.3f</title></circle>\n", v);
	}
	/* The first and the last session's date under the axis. */
	fprintf(f,
		"<text x=\"%.1f\" y=\"%.1f\" class=\"xl\">%.8s</text>\n"
		"<text x=\"%.1f\" y=\"%.1f\" class=\"xl end\">%.8s</text>\n",
		SVG_L, SVG_H - 8, h->v[0].id, SVG_W - SVG_R, SVG_H - 8,
		h->v[h->n - 1].id);
	fputs("</svg>\n", f);
}

static void html_trend(FILE *f, const char *name,
		       const struct vg_history_trend *t)
{
	fprintf(f, "<li>Trend of %s: ", name);
	if (isfinite(t->per_30d))
		fprintf(f,
			"%+.3f per 30 days (95 %% CI %+.3f .. %+.3f, %zu "
			"sessions)%s</li>\n",
			t->per_30d, t->ci_lo, t->ci_hi, t->n,
			(t->ci_lo > 0 || t->ci_hi < 0) ? ""
						       : "; no clear trend");
	else
		fputs("needs 3 sessions on different days</li>\n", f);
}

/* The trend page: self-contained (inline CSS and SVG, no network). */
static void history_html(FILE *f, const struct hist *h,
			 const struct vg_history_point *pt,
			 const struct vg_history_summary *sum)
{
	char a[32], b[32], c[32], d[32];

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	      "charset=\"utf-8\">\n<meta name=\"viewport\" "
	      "content=\"width=device-width, initial-scale=1\">\n"
	      "<title>vagus history</title>\n<style>\n"
	      "body{font-family:system-ui,sans-serif;max-width:720px;"
	      "margin:1em auto;padding:0 .6em;color:#222}\n"
	      "svg{width:100%;height:auto;background:#fafafa}\n"
	      ".axis{stroke:#888}.grid{stroke:#ddd}.zero{stroke:#888;"
	      "stroke-dasharray:4 3}\n.range{fill:#1b7f5c;opacity:.15}"
	      ".roll{fill:none;stroke:#1b7f5c;stroke-width:1.5}\n"
	      ".ci{stroke-width:2;opacity:.6}\n"
	      ".yl{font-size:11px;text-anchor:end;fill:#555}"
	      ".xl{font-size:11px;fill:#555}.end{text-anchor:end}\n"
	      "table{border-collapse:collapse;font-size:13px;width:100%}"
	      "td,th{padding:2px 6px;text-align:right}"
	      "td:nth-child(-n+2),th:nth-child(-n+2){text-align:left}\n"
	      "tr:nth-child(even){background:#f3f3f3}\n"
	      ".k{display:inline-block;width:10px;height:10px;"
	      "border-radius:5px;margin:0 4px 0 10px}\n"
	      "</style></head><body>\n<h1>Session history</h1>\n",
	      f);
	fprintf(f,
		"<p>%zu sessions with a report, %zu with start and end "
		"windows. Colours: <span class=\"k\" "
		"style=\"background:%s\"></span>mat<span class=\"k\" "
		"style=\"background:%s\"></span>control<span class=\"k\" "
		"style=\"background:%s\"></span>other tags.</p>\n",
		h->n, sum->valid, tag_colour("mat"), tag_colour("control"),
		tag_colour(""));
	if (isfinite(sum->now.swc))
		fprintf(
		    f,
		    "<p><b>Normal range now</b> (last %zu sessions): "
		    "resting lnRMSSD %.3f &plusmn; %.3f (%.3f .. %.3f); "
		    "the smallest worthwhile change is %.3f (0.5 SD).</p>\n",
		    sum->now.n, sum->now.mean, sum->now.swc, sum->now.lo,
		    sum->now.hi, sum->now.swc);
	else
		fprintf(f,
			"<p><b>Normal range</b>: not yet; it needs %d "
			"sessions with windows (%zu so far).</p>\n",
			VG_HISTORY_MIN_SESSIONS, sum->valid);
	fputs("<h2>Resting lnRMSSD (start window)</h2>\n", f);
	svg_chart(f, h, pt, CHART_REST_LN);
	fprintf(f,
		"<p>Shaded: the normal range each session was held "
		"against (mean of up to %d earlier sessions &plusmn; 0.5 "
		"SD, from %d on). Line: the mean of the last 7.</p>\n",
		VG_HISTORY_BASELINE_MAX, VG_HISTORY_MIN_SESSIONS);
	fputs("<h2>Change of lnRMSSD in each session</h2>\n", f);
	svg_chart(f, h, pt, CHART_CHANGE_LN);
	fputs("<p>The report's fitted change from the start window to the "
	      "end window, with its 95 % interval where the report has "
	      "one.</p>\n<h2>Resting heart rate, bpm</h2>\n",
	      f);
	svg_chart(f, h, pt, CHART_REST_HR);
	fputs("<ul>\n", f);
	html_trend(f, "resting lnRMSSD", &sum->rest_ln_rmssd);
	html_trend(f, "resting heart rate (bpm)", &sum->rest_hr_bpm);
	fputs("</ul>\n<h2>Sessions</h2>\n<table>\n<tr><th>ID</th><th>Tag</th>"
	      "<th>lnRMSSD</th><th>HR</th><th>&Delta;lnRMSSD</th>"
	      "<th>&Delta;HR</th><th>Resting vs range</th><th>Verdict</th>"
	      "</tr>\n",
	      f);
	for (size_t i = 0; i < h->n; i++) {
		const struct hsess *e = &h->v[i];
		fputs("<tr><td>", f);
		html_esc(f, e->id);
		fputs("</td><td>", f);
		html_esc(f, *e->tag ? e->tag : "-");
		fprintf(f,
			"</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
			"<td>%s</td><td>",
			fmt(a, sizeof(a), false, 3, e->ok ? e->rest_ln : NAN),
			fmt(b, sizeof(b), false, 1, e->ok ? e->rest_hr : NAN),
			fmt(c, sizeof(c), true, 3, e->ok ? e->d_ln : NAN),
			fmt(d, sizeof(d), true, 1, e->ok ? e->d_hr : NAN),
			e->ok && pt[i].place != VG_HISTORY_NO_RANGE
			    ? vg_history_place_name(pt[i].place)
			    : "-");
		html_esc(f, *e->verdict ? e->verdict : "-");
		fputs("</td></tr>\n", f);
	}
	fputs(
	    "</table>\n<p>Made by vagus from the sessions' reports. Day-to-day "
	    "noise in lnRMSSD is large: read single sessions against the "
	    "normal range, not against each other.</p>\n</body></html>\n",
	    f);
}

/* Writes the page to @path (0600: health data). Returns an exit status. */
static int write_html(const char *path, const struct hist *h,
		      const struct vg_history_point *pt,
		      const struct vg_history_summary *sum)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	if (!f) {
		cli_error("history: %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return CLI_EXIT_DATA;
	}
	history_html(f, h, pt, sum);
	bool bad = ferror(f) != 0;
	if (fclose(f) != 0 || bad) {
		cli_error("history: writing %s failed: %s", path,
			  strerror(errno));
		return CLI_EXIT_DATA;
	}
	return CLI_EXIT_OK;
}

int cmd_history(int argc, char **argv)
{
	const char *html = NULL;
	bool json = false;
	char path[4096];
	struct hist h;
	int status;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			history_help();
			return CLI_EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--html") && i + 1 < argc) {
			html = argv[++i];
		} else if (!strcmp(argv[i], "--html")) {
			return cli_usage_error("history",
					       "--html needs a file name");
		} else {
			return cli_usage_error("history", "unexpected '%s'",
					       argv[i]);
		}
	}
	if (html && json)
		return cli_usage_error("history",
				       "--html and --json do not go together");
	status = load_history("history", &h, path, sizeof(path));
	if (status)
		return status;
	if (!h.n) {
		cli_error("history: no session with a report in %s", path);
		hist_free(&h);
		return CLI_EXIT_DATA;
	}
	struct vg_history_session *hs = core_view(&h);
	struct vg_history_point *pt = calloc(h.n, sizeof(*pt));
	struct vg_history_summary sum;
	if (!hs || !pt || vg_history_build(hs, h.n, pt, &sum)) {
		cli_error("history: out of memory");
		status = CLI_EXIT_INTERNAL;
	} else if (html) {
		status = write_html(html, &h, pt, &sum);
		if (!status)
			printf("Wrote the trend page of %zu sessions to %s\n",
			       h.n, html);
	} else if (json) {
		struct vg_json j;
		vg_json_init(&j, NULL, 0, 2);
		history_json(&h, hs, pt, &sum, &j);
		status = print_json("history", &j);
		vg_json_free(&j);
	} else {
		history_text(path, &h, pt, &sum);
		status = finish_text();
	}
	free(pt);
	free(hs);
	hist_free(&h);
	return status;
}

/* ---- vagus compare ------------------------------------------------- */

struct outcome {
	const char *key, *name, *unit;
	struct vg_compare_result r;
	int rc;
};

static void json_outcome(struct vg_json *j, const struct outcome *o,
			 const char *ta, const char *tb)
{
	const struct vg_compare_result *r = &o->r;

	vg_json_key_object(j, o->key);
	vg_json_key_object(j, ta);
	vg_json_key_uint(j, "n", r->a.n);
	vg_json_key_num(j, "mean", r->a.mean);
	vg_json_key_num(j, "sd", r->a.sd);
	vg_json_end_object(j);
	vg_json_key_object(j, tb);
	vg_json_key_uint(j, "n", r->b.n);
	vg_json_key_num(j, "mean", r->b.mean);
	vg_json_key_num(j, "sd", r->b.sd);
	vg_json_end_object(j);
	vg_json_key_num(j, "diff", r->diff);
	vg_json_key_array(j, "ci95");
	vg_json_num(j, r->ci_lo);
	vg_json_num(j, r->ci_hi);
	vg_json_end_array(j);
	vg_json_key_num(j, "se", r->se);
	vg_json_key_num(j, "df", r->df);
	vg_json_key_num(j, "p", r->p);
	vg_json_key_num(j, "cohen_d", r->d);
	vg_json_key_num(j, "hedges_g", r->g);
	vg_json_key_array(j, "hedges_g_ci95");
	vg_json_num(j, r->g_lo);
	vg_json_num(j, r->g_hi);
	vg_json_end_array(j);
	vg_json_key_bool(j, "open", r->open);
	vg_json_key_object(j, "power");
	vg_json_key_num(j, "effect", r->power_effect);
	vg_json_key_num(j, "now", r->power_now);
	if (r->n_per_group > 0) {
		vg_json_key_int(j, "n_per_group", r->n_per_group);
		vg_json_key_int(j, "more_a", r->more_a);
		vg_json_key_int(j, "more_b", r->more_b);
	} else {
		vg_json_key_null(j, "n_per_group");
		vg_json_key_null(j, "more_a");
		vg_json_key_null(j, "more_b");
	}
	vg_json_end_object(j);
	vg_json_end_object(j);
}

static void text_outcome(const struct outcome *o, const char *ta,
			 const char *tb)
{
	const struct vg_compare_result *r = &o->r;
	const struct vg_group *g[2] = {&r->a, &r->b};
	const char *t[2] = {ta, tb};
	bool hr = !strcmp(o->key, "hr_bpm");
	char f1[48], f2[48], f3[48];

	printf("%s:\n", o->name);
	for (int k = 0; k < 2; k++)
		printf("  %-10.10s n = %2zu  mean %s  SD %s\n", t[k], g[k]->n,
		       fmtv(f1, sizeof(f1), hr, g[k]->mean),
		       fmt(f2, sizeof(f2), false, 3, g[k]->sd));
	if (o->rc) {
		printf("  no comparison: it needs 2 sessions with windows in "
		       "each condition, with some spread\n");
		return;
	}
	printf("  difference %s - %s: %s %s, 95 %% CI %s .. %s (Welch, df "
	       "%.1f, p = %.3f)\n",
	       ta, tb, fmtv(f1, sizeof(f1), hr, r->diff), o->unit,
	       fmtv(f2, sizeof(f2), hr, r->ci_lo),
	       fmtv(f3, sizeof(f3), hr, r->ci_hi), r->df, r->p);
	printf("  effect size: Hedges' g = %+.2f, 95 %% CI %+.2f .. %+.2f\n",
	       r->g, r->g_lo, r->g_hi);
}

static void compare_help(void)
{
	printf(
	    "Usage: vagus [--state-dir DIR] compare [--tag T] [--vs T] "
	    "[--effect G] [--json]\n"
	    "\n"
	    "Compares the per-session changes (each report's fitted change "
	    "from its start\nwindow to its end window) of sessions\n"
	    "tagged T (default mat) with those tagged --vs (default "
	    "control): lnRMSSD\n"
	    "(the main outcome) and heart rate. For each: the difference of "
	    "the means with\n"
	    "a 95 %% interval by Welch's t (Welch-Satterthwaite degrees of "
	    "freedom, honest\n"
	    "for small groups of unequal spread), and the effect size "
	    "Hedges' g (exact\n"
	    "small-sample factor) with a 95 %% interval from the noncentral t "
	    "distribution,\n"
	    "its limits scaled by the same factor. While the interval of "
	    "lnRMSSD includes\n"
	    "zero the answer is still open, and it says how many sessions "
	    "per condition\n"
	    "a two-sided t test at 5 %% needs for 80 %% power if the true "
	    "effect is the\n"
	    "observed g (or the one given with --effect). No daemon "
	    "needed.\n"
	    "\n"
	    "Options:\n"
	    "  --tag T      the condition of interest (default mat)\n"
	    "  --vs T       the condition to compare with (default "
	    "control)\n"
	    "  --effect G   assume this standardized effect for the sessions "
	    "needed\n"
	    "  --json       one JSON object\n"
	    "  -h, --help   show this help\n"
	    "\n"
	    "Exit status: 0 success (also when the answer is still open), 1 "
	    "no sessions\n"
	    "or no session with one of the tags, 2 usage error, 3 internal "
	    "error.\n");
}

/* "mat (3), control (2), -(1)": the tags seen, for an error message. */
static void tags_seen(const struct hist *h, char *buf, size_t cap)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < h->n && used + 1 < cap; i++) {
		const char *t = *h->v[i].tag ? h->v[i].tag : "(none)";
		bool before = false;
		size_t n = 0;
		for (size_t k = 0; k < h->n; k++) {
			const char *u = *h->v[k].tag ? h->v[k].tag : "(none)";
			if (!strcmp(t, u)) {
				if (k < i)
					before = true;
				n++;
			}
		}
		if (before)
			continue;
		int w = snprintf(buf + used, cap - used, "%s%s (%zu)",
				 used ? ", " : "", t, n);
		if (w < 0 || (size_t)w >= cap - used)
			break;
		used += (size_t)w;
	}
}

int cmd_compare(int argc, char **argv)
{
	const char *ta = "mat", *tb = "control";
	double effect = NAN;
	bool json = false;
	char path[4096];
	struct hist h;
	int status;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			compare_help();
			return CLI_EXIT_OK;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if ((!strcmp(a, "--tag") || !strcmp(a, "--vs") ||
			    !strcmp(a, "--effect")) &&
			   i + 1 < argc) {
			const char *v = argv[++i];
			if (!strcmp(a, "--tag")) {
				ta = v;
			} else if (!strcmp(a, "--vs")) {
				tb = v;
			} else {
				char *end;
				errno = 0;
				effect = strtod(v, &end);
				if (errno || end == v || *end ||
				    !isfinite(effect) || effect == 0 ||
				    fabs(effect) > 10)
					return cli_usage_error(
					    "compare",
					    "--effect wants a standardized "
					    "effect such as 0.5 (non-zero, "
					    "at most 10), not '%s'",
					    v);
			}
		} else if (!strcmp(a, "--tag") || !strcmp(a, "--vs") ||
			   !strcmp(a, "--effect")) {
			return cli_usage_error("compare", "%s needs a value",
					       a);
		} else {
			return cli_usage_error("compare", "unexpected '%s'", a);
		}
	}
	if (!*ta || !*tb || !strcmp(ta, tb))
		return cli_usage_error("compare",
				       "give two different, non-empty tags "
				       "(--tag %s --vs %s)",
				       ta, tb);
	status = load_history("compare", &h, path, sizeof(path));
	if (status)
		return status;
	if (!h.n) {
		cli_error("compare: no session with a report in %s", path);
		hist_free(&h);
		return CLI_EXIT_DATA;
	}

	double *v = malloc(4 * h.n * sizeof(*v));
	size_t na = 0, nb = 0, ta_all = 0, tb_all = 0;
	if (!v) {
		cli_error("compare: out of memory");
		hist_free(&h);
		return CLI_EXIT_INTERNAL;
	}
	double *a_ln = v, *a_hr = v + h.n, *b_ln = v + 2 * h.n,
	       *b_hr = v + 3 * h.n;
	for (size_t i = 0; i < h.n; i++) {
		const struct hsess *s = &h.v[i];
		bool in_a = !strcmp(s->tag, ta), in_b = !strcmp(s->tag, tb);
		ta_all += in_a;
		tb_all += in_b;
		if (!s->ok)
			continue;
		if (in_a) {
			a_ln[na] = s->d_ln;
			a_hr[na++] = s->d_hr;
		} else if (in_b) {
			b_ln[nb] = s->d_ln;
			b_hr[nb++] = s->d_hr;
		}
	}
	if (!ta_all || !tb_all) {
		char seen[512];
		tags_seen(&h, seen, sizeof(seen));
		cli_error("compare: no session tagged '%s' in %s (tags seen: "
			  "%s)",
			  !ta_all ? ta : tb, path, seen);
		free(v);
		hist_free(&h);
		return CLI_EXIT_DATA;
	}

	struct outcome o[2];
	memset(o, 0, sizeof(o));
	o[0].key = "ln_rmssd";
	o[0].name = "Change of lnRMSSD per session";
	o[0].unit = "";
	o[1].key = "hr_bpm";
	o[1].name = "Change of heart rate per session, bpm";
	o[1].unit = "bpm";
	o[0].rc = vg_compare(a_ln, na, b_ln, nb, effect, &o[0].r);
	o[1].rc = vg_compare(a_hr, na, b_hr, nb, effect, &o[1].r);
	const struct vg_compare_result *m = &o[0].r;

	if (json) {
		struct vg_json j;
		vg_json_init(&j, NULL, 0, 2);
		vg_json_begin_object(&j);
		vg_json_key_str(&j, "a", ta);
		vg_json_key_str(&j, "b", tb);
		vg_json_key_uint(&j, "sessions_a", ta_all);
		vg_json_key_uint(&j, "sessions_b", tb_all);
		vg_json_key_str(&j, "method",
				"difference of mean per-session change, "
				"Welch t with Welch-Satterthwaite df; "
				"Hedges' g (exact J), 95 % CI by "
				"noncentral t inversion scaled by J; "
				"sessions needed: two-sided t test, 5 %, "
				"80 % power, equal groups");
		vg_json_key_str(&j, "answer",
				o[0].rc	      ? "not_enough_sessions"
				: m->open     ? "open"
				: m->diff > 0 ? "a_higher"
					      : "a_lower");
		json_outcome(&j, &o[0], ta, tb);
		json_outcome(&j, &o[1], ta, tb);
		vg_json_end_object(&j);
		status = print_json("compare", &j);
		vg_json_free(&j);
	} else {
		printf("Compare '%s' (%zu sessions, %zu with windows) with "
		       "'%s' (%zu, %zu):\nthe change of each session from "
		       "its start window to its end window (the report's "
		       "fitted change).\n\n",
		       ta, ta_all, na, tb, tb_all, nb);
		text_outcome(&o[0], ta, tb);
		printf("\n");
		text_outcome(&o[1], ta, tb);
		printf("\n");
		if (o[0].rc) {
			printf("Answer: not enough sessions to compare yet. "
			       "Record at least 2 (better 5 or more)\nof "
			       "each condition, on similar days and at "
			       "similar times.\n");
		} else if (!m->open) {
			printf("Answer: lnRMSSD rose %s in '%s' sessions "
			       "than in '%s' sessions: the 95 %%\ninterval "
			       "of the difference excludes zero (Hedges' g "
			       "%+.2f).\n",
			       m->diff > 0 ? "more" : "less", ta, tb, m->g);
		} else {
			printf("Answer: still open. The 95 %% interval of the "
			       "difference in lnRMSSD change\nincludes zero: "
			       "these sessions cannot tell the two "
			       "conditions apart.\n");
			if (m->n_per_group > 0)
				printf("If the true effect is %s g = %.2f, a "
				       "two-sided test at 5 %% needs %ld "
				       "sessions\nof each condition for 80 %% "
				       "power (now %.0f %%): %ld more '%s' "
				       "and %ld more '%s'.\n",
				       isfinite(effect) ? "the assumed"
							: "the observed",
				       m->power_effect, m->n_per_group,
				       100 * m->power_now, m->more_a, ta,
				       m->more_b, tb);
			else
				printf("The %s effect (g = %.2f) is so small "
				       "that over %d sessions of each "
				       "condition\nwould be needed to detect "
				       "it: in practice, no difference.\n",
				       isfinite(effect) ? "assumed"
							: "observed",
				       m->power_effect, VG_HISTORY_POWER_NMAX);
		}
		status = finish_text();
	}
	free(v);
	hist_free(&h);
	return status;
}

/* ---- vagus export -------------------------------------------------- */

/*
 * An RR value in ms, exactly: journal intervals are k/1024 s, whose ms
 * values have at most 7 decimals; trailing zeros are dropped.
 */
static void put_ms(FILE *f, double ms)
{
	char b[48];
	int n = snprintf(b, sizeof(b), "%.7f", ms);

	while (n > 1 && b[n - 1] == '0')
		b[--n] = '\0';
	if (n > 0 && b[n - 1] == '.')
		b[--n] = '\0';
	fputs(b, f);
}

static const char *contact_name(uint8_t c)
{
	switch (c) {
	case VG_CONTACT_OK:
		return "ok";
	case VG_CONTACT_LOST:
		return "lost";
	default:
		return "unsupported";
	}
}

static int export_beats(int dirfd, const char *id, bool csv)
{
	struct vg_session s;
	struct vg_rr_series corr = VG_RR_SERIES_INIT;
	uint8_t *buf = NULL, *cls = NULL;
	size_t len = 0;
	int rc, status = CLI_EXIT_OK;

	vg_session_init(&s);
	rc = vg_report_read_file(dirfd, "journal", VG_REPORT_JOURNAL_MAX, &buf,
				 &len);
	if (rc) {
		cli_error("export: session %s: journal: %s", id, strerror(-rc));
		return rc == -ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_DATA;
	}
	rc = vg_session_replay(buf, len, &s);
	free(buf);
	if (rc) {
		cli_error("export: session %s: journal: %s", id,
			  rc == -ENOMEM ? "out of memory"
					: "not a readable vagus journal");
		return rc == -ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_DATA;
	}
	if (!s.rr.n) {
		cli_error("export: session %s has no beats", id);
		vg_session_free(&s);
		return CLI_EXIT_DATA;
	}
	if (csv) {
		/* The artifact class of each beat, as the report corrects. */
		cls = calloc(s.rr.n, 1);
		if (!cls || vg_artifacts_correct(&s.rr, &corr, NULL, cls)) {
			free(cls);
			cls = NULL;
		}
		printf("t_s,rr_ms,gap_before,artifact,contact\n");
	}
	for (size_t i = 0; i < s.rr.n; i++) {
		if (csv) {
			/* Exact: beat times are multiples of 1/1024 ms. */
			printf("%.10f,", s.rr.t_ms[i] / 1000);
			put_ms(stdout, s.rr.ms[i]);
			printf(",%d,%s,%s\n",
			       (s.rr.flags[i] & VG_RR_GAP_BEFORE) ? 1 : 0,
			       cls ? vg_artifact_class_name(cls[i]) : "",
			       contact_name(s.contact ? s.contact[i] : 0));
		} else {
			put_ms(stdout, s.rr.ms[i]);
			putchar('\n');
		}
	}
	status = finish_text();
	if (!csv && s.ngaps)
		cli_error("export: session %s has %zu gaps (lost beats); a "
			  "plain RR list cannot show them: --format csv "
			  "keeps the beat times",
			  id, s.ngaps);
	free(cls);
	vg_rr_free(&corr);
	vg_session_free(&s);
	return status;
}

static int export_json(int dirfd, const char *id)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	struct vg_jv root;
	int rc = vg_report_read_file(dirfd, "report.json", HIST_REPORT_MAX,
				     &buf, &len);

	if (rc == -ENOENT) {
		/* No report yet: made from the journal, as report does. */
		struct vg_session s;
		struct vg_report r;
		struct vg_json j;
		int status;

		rc = vg_report_read_file(dirfd, "journal",
					 VG_REPORT_JOURNAL_MAX, &buf, &len);
		if (rc) {
			cli_error("export: session %s has no report and no "
				  "readable journal: %s",
				  id, strerror(-rc));
			return rc == -ENOMEM ? CLI_EXIT_INTERNAL
					     : CLI_EXIT_DATA;
		}
		vg_session_init(&s);
		vg_json_init(&j, NULL, 0, 2);
		rc = vg_session_replay(buf, len, &s);
		free(buf);
		if (!rc)
			rc = vg_report_build(&s, NULL, &r);
		if (!rc)
			rc = vg_report_json(&r, &j);
		if (rc) {
			cli_error("export: session %s: journal: %s", id,
				  rc == -ENOMEM ? "out of memory"
						: "not a readable journal");
			status =
			    rc == -ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_DATA;
		} else {
			status = print_json("export", &j);
		}
		vg_json_free(&j);
		vg_session_free(&s);
		return status;
	}
	if (rc) {
		cli_error("export: session %s: report.json: %s", id,
			  strerror(-rc));
		return rc == -ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_DATA;
	}
	if (vg_jsonscan_parse((const char *)buf, len, &root) ||
	    root.type != VG_JV_OBJ) {
		cli_error("export: session %s: report.json is malformed (not "
			  "one JSON object)",
			  id);
		free(buf);
		return CLI_EXIT_DATA;
	}
	if (fwrite(buf, 1, len, stdout) != len ||
	    (len && buf[len - 1] != '\n' && fputc('\n', stdout) == EOF)) {
		free(buf);
		cli_error("write error: %s", strerror(errno));
		return CLI_EXIT_DATA;
	}
	free(buf);
	return finish_text();
}

static void export_help(void)
{
	printf("Usage: vagus [--state-dir DIR] export --format csv|rr|json "
	       "ID\n"
	       "\n"
	       "Writes one session to standard output:\n"
	       "  csv   the beats: t_s (beat time, s from the first beat, "
	       "lost time\n"
	       "        included), rr_ms, gap_before (1 after lost beats), "
	       "artifact (the\n"
	       "        class artifact correction gives it: none, ectopic, "
	       "missed, extra,\n"
	       "        longshort), contact (ok, lost, unsupported)\n"
	       "  rr    the RR intervals in ms, one per line, exactly as "
	       "received (the text\n"
	       "        Kubios HRV imports); gaps are not shown\n"
	       "  json  the report (report.json; made from the journal when "
	       "there is none)\n"
	       "ID is a session ID (YYYYMMDD-HHMMSS[-N], 'vagus list' shows "
	       "them) or last.\n"
	       "\n"
	       "Exit status: 0 success, 1 no such session or unreadable data, "
	       "2 usage error,\n"
	       "3 internal error.\n");
}

int cmd_export(int argc, char **argv)
{
	const char *want = NULL, *format = NULL;
	char path[4096], id[HIST_ID_MAX];
	int sessfd, dirfd, status;
	double t;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			export_help();
			return CLI_EXIT_OK;
		} else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
			format = argv[++i];
		} else if (!strncmp(argv[i], "--format=", 9)) {
			format = argv[i] + 9;
		} else if (argv[i][0] == '-') {
			return cli_usage_error("export", "unexpected '%s'",
					       argv[i]);
		} else if (want) {
			return cli_usage_error("export", "one ID only");
		} else {
			want = argv[i];
		}
	}
	if (!format || (strcmp(format, "csv") && strcmp(format, "rr") &&
			strcmp(format, "json")))
		return cli_usage_error("export",
				       "--format csv, rr or json is needed");
	if (!want)
		return cli_usage_error("export", "which session? give its ID "
						 "or last");
	if (strcmp(want, "last") &&
	    (strlen(want) >= HIST_ID_MAX || vg_history_id_time(want, &t)))
		return cli_usage_error("export",
				       "'%s' is not a session ID "
				       "(YYYYMMDD-HHMMSS[-N], or last)",
				       want);
	if (!strcmp(want, "last")) {
		/* The latest folder, whether or not it has a report. */
		DIR *d;
		struct dirent *e;
		double best = -1;
		unsigned long bestn = 0;

		status =
		    cli_open_sessions("export", &sessfd, path, sizeof(path));
		if (status)
			return status;
		int fd = dup(sessfd);
		d = fd >= 0 ? fdopendir(fd) : NULL;
		if (!d) {
			if (fd >= 0)
				close(fd);
			cli_error("export: %s: %s", path, strerror(errno));
			close(sessfd);
			return CLI_EXIT_DATA;
		}
		id[0] = '\0';
		while ((e = readdir(d))) {
			unsigned long n;
			if (strlen(e->d_name) >= HIST_ID_MAX ||
			    vg_history_id_time(e->d_name, &t))
				continue;
			n = e->d_name[15] ? strtoul(e->d_name + 16, NULL, 10)
					  : 1;
			if (t > best || (t == best && n > bestn)) {
				best = t;
				bestn = n;
				memcpy(id, e->d_name, strlen(e->d_name) + 1);
			}
		}
		closedir(d);
		if (!id[0]) {
			cli_error("export: no sessions in %s", path);
			close(sessfd);
			return CLI_EXIT_DATA;
		}
	} else {
		snprintf(id, sizeof(id), "%s", want);
		status =
		    cli_open_sessions("export", &sessfd, path, sizeof(path));
		if (status)
			return status;
	}
	dirfd =
	    openat(sessfd, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dirfd < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
			cli_error("export: no session %s in %s ('vagus list' "
				  "shows them)",
				  id, path);
		else
			cli_error("export: %s/%s: %s", path, id,
				  strerror(errno));
		close(sessfd);
		return CLI_EXIT_DATA;
	}
	if (!strcmp(format, "json"))
		status = export_json(dirfd, id);
	else
		status = export_beats(dirfd, id, !strcmp(format, "csv"));
	close(dirfd);
	close(sessfd);
	return status;
}
