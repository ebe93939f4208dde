/* SPDX-License-Identifier: MIT */
/*
 * vagus analyze FILE: offline analysis of a recorded RR file. Reads the
 * file (cli_read_file), parses it (vg_rrfile_parse_info), analyses it
 * (vg_hrv_analyze) and prints a summary or one JSON object. All the work
 * is in the pure core; this file only moves bytes and formats.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "vagus/artifact.h"
#include "vagus/hrv.h"
#include "vagus/hrv_json.h"
#include "vagus/html.h"
#include "vagus/json.h"
#include "vagus/report.h"
#include "vagus/rr.h"
#include "vagus/rrfile.h"
#include "vagus/session.h"

#define CMD "analyze"

struct analyze_args {
	const char *path;
	bool json;
	struct vg_hrv_opts opts;
	bool window; /* --window T0:T1 given */
	double t0, t1;
	const char *html; /* --html OUT: the session report page */
	bool session;	  /* --session FILE: the full session report */
};

/* What a vagus journal held, beside the beats (input was a journal). */
struct journal_info {
	bool on;
	size_t notifications;
	size_t bad_notifications;
	size_t torn_bytes;
	bool bad_record;
	bool ended;
};

static void help(void)
{
	printf(
	    "Usage: vagus analyze [--json] [--no-correct] "
	    "[--detrend priors|linear|none]\n"
	    "                     [--window T0:T1] [--html OUT] FILE\n"
	    "\n"
	    "Analyzes a recorded RR-interval file: artifact correction "
	    "(Lipponen and\n"
	    "Tarvainen 2019), time domain, Poincare, frequency domain and "
	    "DFA alpha1, with\n"
	    "the definitions Kubios HRV uses. No daemon needed.\n"
	    "\n"
	    "FILE holds one interval per line, in ms or s (seconds when most "
	    "values are\n"
	    "below 10), with '#' comments; or is a Kubios RR export, \"time "
	    "rr\" columns,\n"
	    "a CSV or TSV with an RR column (rr, rr_ms, RRI, NN, ibi, ...), "
	    "a list of beat\n"
	    "times (RHRV .beats), a Polar .hrm file, or a vagus session "
	    "journal (the\n"
	    "beats as the daemon saw them). \"-\" reads standard input.\n"
	    "\n"
	    "Options:\n"
	    "  --json            print one JSON object instead of the "
	    "summary\n"
	    "  --no-correct      skip artifact correction; the artifact "
	    "counts are then\n"
	    "                    null (not examined) in JSON\n"
	    "  --detrend METHOD  detrending before the spectrum: priors "
	    "(smoothness\n"
	    "                    priors, lambda 500, as Kubios; the "
	    "default), linear,\n"
	    "                    or none\n"
	    "  --window T0:T1    analyze only the intervals whose ending beat "
	    "falls in\n"
	    "                    [T0, T1) seconds of beat time (the sum of RR "
	    "from the\n"
	    "                    start, gaps included): the rule of the "
	    "session report's\n"
	    "                    start and end windows\n"
	    "  --html OUT        also write the session report as one HTML "
	    "page to OUT\n"
	    "                    (\"-\" for standard output, then nothing "
	    "else is printed):\n"
	    "                    the windows, the change, plots and data "
	    "quality, as\n"
	    "                    vagusd writes report.html for a session\n"
	    "  --session FILE    the full session report of FILE instead: "
	    "windows, change\n"
	    "                    with 95 %% intervals and the verdict, exactly "
	    "as vagusd\n"
	    "                    writes report.txt (or with --json, "
	    "report.json) for a\n"
	    "                    session of the same beats\n"
	    "  -h, --help        show this help\n"
	    "\n"
	    "A metric the recording is too short for shows as \"n/a (too "
	    "short)\" (null in\n"
	    "JSON). Above %.0f %% corrected beats the summary warns that the "
	    "numbers are\n"
	    "not reliable.\n"
	    "\n"
	    "Exit status: 0 success, 1 missing, unreadable or invalid file, "
	    "2 usage error,\n"
	    "3 internal error (such as out of memory).\n",
	    VG_ARTIFACT_SUSPECT_PCT);
}

/* "T0:T1", seconds, 0 <= T0 < T1, both finite. */
static int parse_window(const char *v, double *t0, double *t1)
{
	char *end;

	errno = 0;
	*t0 = strtod(v, &end);
	if (end == v || *end != ':' || errno)
		return -EINVAL;
	v = end + 1;
	*t1 = strtod(v, &end);
	if (end == v || *end || errno)
		return -EINVAL;
	if (!isfinite(*t0) || !isfinite(*t1) || *t0 < 0 || *t1 <= *t0)
		return -EINVAL;
	return 0;
}

/* Returns -1 to go on, or an exit status to stop with. */
static int parse_args(int argc, char **argv, struct analyze_args *a)
{
	bool options = true;

	memset(a, 0, sizeof(*a));
	vg_hrv_opts_default(&a->opts);
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];
		const char *val = NULL;

		if (!options || s[0] != '-' || !strcmp(s, "-")) {
			if (a->path)
				return cli_usage_error(
				    CMD, "one FILE only ('%s' and '%s')",
				    a->path, s);
			a->path = s;
			continue;
		}
		if (!strcmp(s, "--")) {
			options = false;
		} else if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
			help();
			return CLI_EXIT_OK;
		} else if (!strcmp(s, "--json")) {
			a->json = true;
		} else if (!strcmp(s, "--window") ||
			   !strncmp(s, "--window=", 9)) {
			val = cli_opt_value(argc, argv, &i, 8);
			if (!val)
				return cli_usage_error(
				    CMD, "--window needs T0:T1 in seconds");
			if (parse_window(val, &a->t0, &a->t1))
				return cli_usage_error(
				    CMD,
				    "bad window '%s': T0:T1 in seconds, "
				    "0 <= T0 < T1",
				    val);
			a->window = true;
		} else if (!strcmp(s, "--html") || !strncmp(s, "--html=", 7)) {
			val = cli_opt_value(argc, argv, &i, 6);
			if (!val || !*val)
				return cli_usage_error(
				    CMD, "--html needs a file name");
			a->html = val;
		} else if (!strcmp(s, "--session") ||
			   !strncmp(s, "--session=", 10)) {
			val = cli_opt_value(argc, argv, &i, 9);
			if (!val || !*val)
				return cli_usage_error(
				    CMD, "--session needs a FILE");
			if (a->path)
				return cli_usage_error(
				    CMD, "one FILE only ('%s' and '%s')",
				    a->path, val);
			a->path = val;
			a->session = true;
		} else if (!strcmp(s, "--no-correct")) {
			a->opts.correct = false;
		} else if (!strcmp(s, "--detrend") ||
			   !strncmp(s, "--detrend=", 10)) {
			val = cli_opt_value(argc, argv, &i, 9);
			if (!val)
				return cli_usage_error(
				    CMD, "--detrend needs a method: "
					 "priors, linear or none");
			if (vg_detrend_parse(val, &a->opts.detrend))
				return cli_usage_error(
				    CMD,
				    "unknown detrending '%s' (priors, "
				    "linear or none)",
				    val);
		} else {
			return cli_usage_error(CMD, "unknown option '%s'", s);
		}
	}
	if (!a->path)
		return cli_usage_error(CMD, "missing FILE");
	if (a->html && a->window)
		return cli_usage_error(CMD, "--html reports the whole session "
					    "with its own windows; drop "
					    "--window");
	if (a->session && a->window)
		return cli_usage_error(CMD, "--session reports the whole "
					    "session with its own windows; "
					    "drop --window");
	return -1;
}

static const char *times_name(enum vg_rrfile_times t)
{
	switch (t) {
	case VG_RRFILE_TIMES_NONE:
		return NULL;
	case VG_RRFILE_TIMES_BEAT:
		return "beat";
	case VG_RRFILE_TIMES_ARRIVAL:
		return "arrival";
	}
	return NULL;
}

static const char *time_unit_name(double ms_per_unit)
{
	if (ms_per_unit == 1000)
		return "s";
	if (ms_per_unit == 1)
		return "ms";
	if (ms_per_unit == 1e-3)
		return "us";
	return "ns";
}

/* ---- text ---------------------------------------------------------- */

static void row(const char *label, double v, int prec, const char *unit)
{
	if (isfinite(v))
		printf("  %-16s %10.*f%s%s\n", label, prec, v, *unit ? " " : "",
		       unit);
	else
		printf("  %-16s %10s\n", label, "n/a (too short)");
}

static void duration(char *buf, size_t cap, double s)
{
	long t = isfinite(s) && s > 0 ? lround(s) : 0;

	if (t >= 3600)
		snprintf(buf, cap, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60,
			 t % 60);
	else
		snprintf(buf, cap, "%ld:%02ld", t / 60, t % 60);
}

static const char *format_name(const struct journal_info *ji,
			       const struct vg_rrfile_info *in)
{
	return ji->on ? "vagus journal" : vg_rrfile_format_name(in->format);
}

static const char *rr_unit(const struct journal_info *ji,
			   const struct vg_rrfile_info *in)
{
	return ji->on ? "1/1024 s" : in->seconds ? "s" : "ms";
}

static void print_text(const struct analyze_args *a,
		       const struct vg_rrfile_info *in,
		       const struct journal_info *ji,
		       const struct vg_rr_series *raw, double coverage,
		       const struct vg_hrv_result *r)
{
	const struct vg_artifact_summary *as = &r->artifacts;
	char dur[32];

	printf("File         %s\n", cli_file_name(a->path));
	printf("Format       %s, intervals in %s; %zu read",
	       format_name(ji, in), rr_unit(ji, in), raw->n);
	if (in->skipped_zero || in->skipped_missing)
		printf(" (skipped %zu zero, %zu missing)", in->skipped_zero,
		       in->skipped_missing);
	printf("\n");
	if (ji->on) {
		printf("Journal      %zu notifications", ji->notifications);
		if (ji->bad_notifications)
			printf(", %zu undecodable", ji->bad_notifications);
		printf("; %s", ji->ended ? "ended" : "not ended");
		if (ji->torn_bytes)
			printf("; %zu byte%s %s at the end", ji->torn_bytes,
			       ji->torn_bytes == 1 ? "" : "s",
			       ji->bad_record ? "unreadable" : "torn");
		printf("\n");
		printf("Times        beat clock of the journal");
		if (in->gaps)
			printf("; %zu gap%s, %.1f s not covered", in->gaps,
			       in->gaps == 1 ? "" : "s", in->gap_ms / 1000);
		printf("\n");
	} else if (in->times != VG_RRFILE_TIMES_NONE) {
		printf("Times        %s times from column %zu, in %s",
		       times_name(in->times), in->time_column,
		       time_unit_name(in->time_unit_ms));
		if (in->gaps)
			printf("; %zu gap%s, %.1f s not covered", in->gaps,
			       in->gaps == 1 ? "" : "s", in->gap_ms / 1000);
		printf("\n");
	}
	if (a->window)
		printf("Window       [%g, %g) s: intervals whose ending beat "
		       "falls in it\n",
		       a->t0, a->t1);
	duration(dur, sizeof(dur), r->duration_s);
	printf("%s %zu beats over %s (%.1f s), coverage %.1f %%\n",
	       a->window ? "Analysed    " : "Recording   ", r->beats, dur,
	       isfinite(r->duration_s) ? r->duration_s : 0.0, 100 * coverage);
	if (!r->corrected) {
		printf("Artifacts    not corrected (--no-correct)\n");
	} else {
		printf("Artifacts    %zu of %zu beats corrected (%.1f %%): %zu "
		       "ectopic, %zu missed,\n"
		       "             %zu extra, %zu long/short\n",
		       as->detected, as->beats, as->corrected_pct, as->ectopic,
		       as->missed, as->extra, as->longshort);
	}
	if (vg_hrv_suspect(r))
		printf("\nWARNING: %s\n         (%.1f %% corrected, above %.0f "
		       "%%).\n",
		       vg_hrv_quality_warning, as->corrected_pct,
		       VG_ARTIFACT_SUSPECT_PCT);

	printf("\nTime domain\n");
	row("Mean RR", r->time.mean_rr_ms, 1, "ms");
	row("Mean HR", r->time.mean_hr_bpm, 1, "bpm");
	row("SDNN", r->time.sdnn_ms, 1, "ms");
	row("RMSSD", r->time.rmssd_ms, 1, "ms");
	row("ln RMSSD", r->time.ln_rmssd, 2, "(ln ms)");
	row("pNN50", r->time.pnn50_pct, 1, "%");

	printf("\nPoincare\n");
	row("SD1", r->poincare.sd1_ms, 1, "ms");
	row("SD2", r->poincare.sd2_ms, 1, "ms");

	printf("\nFrequency domain (4 Hz cubic spline, detrending %s, Welch "
	       "300 s Hann)\n",
	       vg_detrend_name(a->opts.detrend));
	row("VLF", r->freq.vlf_ms2, 0, "ms^2  (0-0.04 Hz)");
	row("LF", r->freq.lf_ms2, 0, "ms^2  (0.04-0.15 Hz)");
	row("HF", r->freq.hf_ms2, 0, "ms^2  (0.15-0.40 Hz)");
	row("LF/HF", r->freq.lf_hf, 2, "");
	row("HF peak", r->freq.hf_peak_hz, 3, "Hz");
	row("Breathing rate", r->freq.resp_rate_bpm, 1, "breaths/min");

	printf("\nNonlinear\n");
	row("DFA alpha1", r->dfa_alpha1, 2, "(4-12 beats)");
}

/* ---- JSON ---------------------------------------------------------- */

static int print_json(const struct analyze_args *a,
		      const struct vg_rrfile_info *in,
		      const struct journal_info *ji,
		      const struct vg_rr_series *raw, double coverage,
		      const struct vg_hrv_result *r)
{
	struct vg_json j;
	int err;

	vg_json_init(&j, NULL, 0, 2);
	vg_json_begin_object(&j);
	vg_json_key_str(&j, "file", a->path);

	vg_json_key_object(&j, "input");
	vg_json_key_str(&j, "format", format_name(ji, in));
	vg_json_key_str(&j, "rr_unit", rr_unit(ji, in));
	vg_json_key_uint(&j, "intervals", raw->n);
	vg_json_key_uint(&j, "skipped_zero", in->skipped_zero);
	vg_json_key_uint(&j, "skipped_missing", in->skipped_missing);
	vg_json_key_str(&j, "times", ji->on ? "beat" : times_name(in->times));
	vg_json_key_uint(&j, "gaps", in->gaps);
	vg_json_key_num(&j, "gap_s", in->gap_ms / 1000);
	if (ji->on) {
		vg_json_key_uint(&j, "notifications", ji->notifications);
		vg_json_key_uint(&j, "bad_notifications",
				 ji->bad_notifications);
		vg_json_key_uint(&j, "torn_bytes", ji->torn_bytes);
		vg_json_key_bool(&j, "ended", ji->ended);
	}
	vg_json_end_object(&j);

	if (a->window) {
		vg_json_key_array(&j, "window");
		vg_json_num(&j, a->t0);
		vg_json_num(&j, a->t1);
		vg_json_end_array(&j);
	}
	vg_hrv_json_members(&j, r, &a->opts, coverage);
	vg_json_end_object(&j);

	err = vg_json_error(&j);
	if (!err) {
		fwrite(vg_json_text(&j), 1, vg_json_len(&j), stdout);
		putchar('\n');
	}
	vg_json_free(&j);
	return err;
}

/* ---- the command --------------------------------------------------- */

/*
 * A vagus journal: the beats the daemon saw, by the report's own replay.
 * Returns 0 or an exit status; fills @raw, @info (gaps, zeros) and @ji.
 */
static int read_journal(const char *name, const char *buf, size_t len,
			struct vg_rr_series *raw, struct vg_rrfile_info *info,
			struct journal_info *ji, struct vg_session *keep)
{
	struct vg_session s;
	int rc;

	vg_session_init(&s);
	rc = vg_session_replay((const uint8_t *)buf, len, &s);
	if (rc == -ENOMEM) {
		cli_error("%s: out of memory", name);
		return CLI_EXIT_INTERNAL;
	}
	if (rc) {
		cli_error("%s: %s", name,
			  rc == -EPROTONOSUPPORT
			      ? "a vagus journal of a version this program "
				"cannot read"
			      : "not a whole vagus journal header");
		return CLI_EXIT_DATA;
	}
	memset(info, 0, sizeof(*info));
	info->skipped_zero = s.zero_rr;
	info->gaps = s.ngaps;
	for (size_t i = 0; i < s.ngaps; i++)
		info->gap_ms += s.gaps[i].lost_s * 1000;
	ji->on = true;
	ji->notifications = s.notifications;
	ji->bad_notifications = s.bad_notifications;
	ji->torn_bytes = s.torn_bytes;
	ji->bad_record = s.stop != 0;
	ji->ended = s.ended;
	if (keep) {
		/* The report page needs the whole session, marks and all. */
		if (vg_rr_copy(raw, &s.rr)) {
			vg_session_free(&s);
			cli_error("%s: out of memory", name);
			return CLI_EXIT_INTERNAL;
		}
		*keep = s;
		return 0;
	}
	/* The series moves out of the session. */
	*raw = s.rr;
	s.rr = (struct vg_rr_series)VG_RR_SERIES_INIT;
	vg_session_free(&s);
	return 0;
}

/*
 * A session made of a plain RR file's beats: no metadata, no strap, no
 * marks; its gaps are where the file's times jump (VG_RR_GAP_BEFORE).
 */
static int session_of_rr(const struct vg_rr_series *raw, struct vg_session *s)
{
	size_t n = 0;

	vg_session_init(s);
	if (vg_rr_copy(&s->rr, raw))
		return -ENOMEM;
	for (size_t i = 1; i < raw->n; i++)
		n += !!(raw->flags[i] & VG_RR_GAP_BEFORE);
	if (n) {
		s->gaps = calloc(n, sizeof(*s->gaps));
		if (!s->gaps) {
			vg_session_free(s);
			return -ENOMEM;
		}
	}
	for (size_t i = 1; i < raw->n; i++) {
		if (!(raw->flags[i] & VG_RR_GAP_BEFORE))
			continue;
		struct vg_session_gap *g = &s->gaps[s->ngaps++];
		double lost = raw->t_ms[i] - raw->ms[i] - raw->t_ms[i - 1];
		g->t_s = raw->t_ms[i] / 1000;
		g->lost_s = lost > 0 ? lost / 1000 : 0;
		g->index = i;
		g->cause = VG_SESSION_GAP_CLOCK;
	}
	return 0;
}

/* Writes @len bytes to @path (0600 when created), or stdout for "-". */
static int write_out(const char *path, const char *p, size_t len)
{
	bool out = !strcmp(path, "-");
	int fd =
	    out ? STDOUT_FILENO
		: open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int err = 0;

	if (fd < 0)
		return -errno;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		p += w;
		len -= (size_t)w;
	}
	if (!out && close(fd) < 0 && !err)
		err = -errno;
	return err;
}

/* The session report of @s per the analysis options, as vagusd makes it. */
static int build_report(const struct analyze_args *a, const char *name,
			const struct vg_session *s, struct vg_report *r)
{
	struct vg_report_opts o;
	int rc;

	vg_report_opts_default(&o);
	o.hrv = a->opts;
	rc = vg_report_build(s, &o, r);
	if (rc) {
		cli_error("%s: report failed: %s", name, strerror(-rc));
		return CLI_EXIT_INTERNAL;
	}
	return CLI_EXIT_OK;
}

/* The session report page of @r to a->html. */
static int write_html(const struct analyze_args *a, const char *name,
		      const struct vg_report *r)
{
	char *html = NULL;
	size_t len = 0;
	int rc;

	rc = vg_report_html(r, &html, &len);
	if (rc) {
		cli_error("%s: report failed: %s", name, strerror(-rc));
		return CLI_EXIT_INTERNAL;
	}
	rc = write_out(a->html, html, len);
	free(html);
	if (rc) {
		cli_error("%s: %s", cli_file_name(a->html), strerror(-rc));
		return CLI_EXIT_DATA;
	}
	return CLI_EXIT_OK;
}

/*
 * --session: report.json (same indentation, trailing newline) or
 * report.txt of @r on standard output.
 */
static int print_session(const struct analyze_args *a, const char *name,
			 const struct vg_report *r)
{
	struct vg_json j;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (a->json) {
		vg_json_init(&j, NULL, 0, 2);
		rc = vg_report_json(r, &j);
		if (!rc) {
			fwrite(vg_json_text(&j), 1, vg_json_len(&j), stdout);
			putchar('\n');
		}
		vg_json_free(&j);
	} else {
		rc = vg_report_text(r, &text, &len);
		if (!rc)
			fwrite(text, 1, len, stdout);
		free(text);
	}
	if (rc) {
		cli_error("%s: report failed: %s", name, strerror(-rc));
		return CLI_EXIT_INTERNAL;
	}
	return CLI_EXIT_OK;
}

int cmd_analyze(int argc, char **argv)
{
	struct analyze_args a;
	struct vg_rr_series raw = VG_RR_SERIES_INIT;
	struct vg_rr_series cut = VG_RR_SERIES_INIT;
	const struct vg_rr_series *used = &raw;
	struct vg_rrfile_info info;
	struct vg_rrfile_error perr;
	struct journal_info ji = {0};
	struct vg_session sess;
	struct vg_report rep;
	struct vg_hrv_result res;
	double coverage;
	const char *name;
	char *buf = NULL;
	size_t len = 0;
	int rc, status;

	vg_session_init(&sess);
	status = parse_args(argc, argv, &a);
	if (status >= 0)
		return status;
	name = cli_file_name(a.path);

	rc = cli_read_file(a.path, CLI_FILE_MAX, &buf, &len);
	if (rc == -EFBIG) {
		cli_error("%s: file too large (over %zu MiB): not an RR "
			  "recording",
			  name, CLI_FILE_MAX >> 20);
		return CLI_EXIT_DATA;
	}
	if (rc == -ENOMEM) {
		cli_error("%s: out of memory", name);
		return CLI_EXIT_INTERNAL;
	}
	if (rc) {
		cli_error("%s: %s", name, strerror(-rc));
		return CLI_EXIT_DATA;
	}

	if (vg_session_is_journal((const uint8_t *)buf, len)) {
		status = read_journal(name, buf, len, &raw, &info, &ji,
				      a.html || a.session ? &sess : NULL);
		free(buf);
		if (status)
			goto out;
	} else {
		rc = vg_rrfile_parse_info(buf, len, &raw, &info, &perr);
		free(buf);
		if (rc == -EBADMSG) {
			if (perr.line)
				cli_error("%s:%zu: %s", name, perr.line,
					  perr.msg);
			else
				cli_error("%s: %s", name, perr.msg);
			status = CLI_EXIT_DATA;
			goto out;
		}
		if (rc) {
			cli_error("%s: %s", name, strerror(-rc));
			status = CLI_EXIT_INTERNAL;
			goto out;
		}
		if ((a.html || a.session) && session_of_rr(&raw, &sess)) {
			cli_error("%s: out of memory", name);
			status = CLI_EXIT_INTERNAL;
			goto out;
		}
	}

	if (a.html || a.session) {
		status = build_report(&a, name, &sess, &rep);
		if (!status && a.html)
			status = write_html(&a, name, &rep);
		if (status || (a.html && !strcmp(a.html, "-")))
			goto out;
		if (a.session) {
			status = print_session(&a, name, &rep);
			goto flush;
		}
	}

	if (a.window) {
		/* The report's rule and code, so the values agree. */
		rc = vg_report_cut(&raw, a.t0, a.t1, &cut);
		if (rc) {
			cli_error("%s: out of memory", name);
			status = CLI_EXIT_INTERNAL;
			goto out;
		}
		used = &cut;
	}
	rc = vg_hrv_analyze(used, &a.opts, &res);
	if (rc) {
		cli_error("%s: analysis failed: %s", name, strerror(-rc));
		status = CLI_EXIT_INTERNAL;
		goto out;
	}
	if (a.window) {
		struct vg_report_quality q;

		vg_report_quality(&raw, NULL, a.t0, a.t1, &res, &q);
		coverage = q.coverage;
	} else {
		coverage = vg_rr_coverage(&raw);
	}

	status = CLI_EXIT_OK;
	if (a.json) {
		rc = print_json(&a, &info, &ji, &raw, coverage, &res);
		if (rc) {
			cli_error("%s: JSON output failed: %s", name,
				  strerror(-rc));
			status = CLI_EXIT_INTERNAL;
		}
	} else {
		print_text(&a, &info, &ji, &raw, coverage, &res);
	}
flush:
	/* A full disk or a closed pipe must not pass for success. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("write error: %s", strerror(errno));
		if (status == CLI_EXIT_OK)
			status = CLI_EXIT_DATA;
	}
out:
	vg_session_free(&sess);
	vg_rr_free(&cut);
	vg_rr_free(&raw);
	return status;
}
