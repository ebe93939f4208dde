/* SPDX-License-Identifier: MIT */
/*
 * The end-of-session report: windows, analysis, change, and the two
 * renderings. The text says what was measured and nothing more: there is
 * no verdict until the change has an honest interval (issue 6).
 */
#include "vagus/report.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vagus/artifact.h"
#include "vagus/hrs.h"
#include "vagus/hrv_json.h"

void vg_report_opts_default(struct vg_report_opts *o)
{
	o->settle_s = VG_REPORT_SETTLE_S;
	vg_hrv_opts_default(&o->hrv);
}

int vg_report_windows(double duration_s, double settle_s,
		      struct vg_report_windows *w)
{
	memset(w, 0, sizeof(*w));
	w->start[0] = w->start[1] = w->end[0] = w->end[1] = NAN;
	if (!isfinite(settle_s) || settle_s < 0)
		return -EINVAL;
	w->settle_s = settle_s;

	double e =
	    isfinite(duration_s) && duration_s > 0 ? floor(duration_s) : 0;
	double half = (e - settle_s) / 2;
	double len = floor(
	    half < VG_REPORT_WINDOW_MAX_S ? half : VG_REPORT_WINDOW_MAX_S);

	if (!(len >= VG_REPORT_WINDOW_MIN_S)) {
		snprintf(w->reason, sizeof(w->reason),
			 "the session lasted %.0f s; after %.0f s of "
			 "settling, two windows of %.0f s need %.0f s",
			 e, settle_s, VG_REPORT_WINDOW_MIN_S,
			 settle_s + 2 * VG_REPORT_WINDOW_MIN_S);
		return 0;
	}
	w->ok = true;
	w->window_s = len;
	w->start[0] = settle_s;
	w->start[1] = settle_s + len;
	w->end[0] = e - len;
	w->end[1] = e;
	return 0;
}

/* The window rule in one place: the beat ending the interval decides. */
static bool in_window(double t_ms, double t0_s, double t1_s)
{
	return t_ms >= t0_s * 1000 && t_ms < t1_s * 1000;
}

int vg_report_cut(const struct vg_rr_series *s, double t0_s, double t1_s,
		  struct vg_rr_series *out)
{
	vg_rr_clear(out);
	for (size_t i = 0; i < s->n; i++) {
		if (!in_window(s->t_ms[i], t0_s, t1_s))
			continue;
		int err = vg_rr_push(out, s->ms[i], s->t_ms[i], s->flags[i]);
		if (err)
			return err;
	}
	return 0;
}

void vg_report_quality(const struct vg_rr_series *s, const uint8_t *contact,
		       double t0_s, double t1_s,
		       const struct vg_hrv_result *res,
		       struct vg_report_quality *q)
{
	double sum = 0, first = NAN, last = NAN;

	memset(q, 0, sizeof(*q));
	for (size_t i = 0; i < s->n; i++) {
		if (!in_window(s->t_ms[i], t0_s, t1_s))
			continue;
		if (!q->beats)
			first = s->t_ms[i] - s->ms[i];
		last = s->t_ms[i];
		q->beats++;
		sum += s->ms[i];
		/* A gap before the first beat of a window lies outside it. */
		if ((s->flags[i] & VG_RR_GAP_BEFORE) && q->beats > 1)
			q->gaps++;
		uint8_t c = contact ? contact[i] : VG_CONTACT_UNSUPPORTED;
		if (c == VG_CONTACT_OK)
			q->contact_ok++;
		else if (c == VG_CONTACT_LOST)
			q->contact_lost++;
		else
			q->contact_unsupported++;
	}
	/* A window's length is fixed; the whole session's is its span. */
	double span =
	    isfinite(t1_s - t0_s) ? (t1_s - t0_s) * 1000 : last - first;
	q->coverage = span > 0 ? sum / span : 0;
	if (q->coverage > 1)
		q->coverage = 1;
	q->corrected_pct =
	    res && res->corrected ? res->artifacts.corrected_pct : NAN;
}

static void change(struct vg_report_change *c, double start, double end)
{
	c->start = start;
	c->end = end;
	c->delta = end - start;
	c->has_ci = false;
	c->ci95[0] = c->ci95[1] = NAN;
}

static void result_nan(struct vg_hrv_result *r)
{
	memset(r, 0, sizeof(*r));
	r->duration_s = NAN;
	r->time.mean_rr_ms = r->time.mean_hr_bpm = r->time.sdnn_ms = NAN;
	r->time.rmssd_ms = r->time.ln_rmssd = r->time.pnn50_pct = NAN;
	r->poincare.sd1_ms = r->poincare.sd2_ms = NAN;
	r->freq.vlf_ms2 = r->freq.lf_ms2 = r->freq.hf_ms2 = NAN;
	r->freq.lf_hf = r->freq.hf_peak_hz = r->freq.resp_rate_bpm = NAN;
	r->dfa_alpha1 = NAN;
}

static int analyze_window(const struct vg_session *s,
			  const struct vg_report_opts *o, const double w[2],
			  struct vg_hrv_result *res,
			  struct vg_report_quality *q)
{
	struct vg_rr_series cut = VG_RR_SERIES_INIT;
	int err = vg_report_cut(&s->rr, w[0], w[1], &cut);

	if (!err)
		err = vg_hrv_analyze(&cut, &o->hrv, res);
	vg_rr_free(&cut);
	if (err)
		return err;
	vg_report_quality(&s->rr, s->contact, w[0], w[1], res, q);
	return 0;
}

int vg_report_build(const struct vg_session *s, const struct vg_report_opts *o,
		    struct vg_report *r)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->session = s;
	if (o)
		r->opts = *o;
	else
		vg_report_opts_default(&r->opts);
	r->duration_s = vg_session_duration_s(s);
	err = vg_report_windows(r->duration_s, r->opts.settle_s, &r->win);
	if (err)
		return err;

	err = vg_hrv_analyze(&s->rr, &r->opts.hrv, &r->whole);
	if (err)
		return err;
	vg_report_quality(&s->rr, s->contact, -INFINITY, INFINITY, &r->whole,
			  &r->q_whole);

	if (r->win.ok) {
		err = analyze_window(s, &r->opts, r->win.start, &r->start,
				     &r->q_start);
		if (!err)
			err = analyze_window(s, &r->opts, r->win.end, &r->end,
					     &r->q_end);
		if (err)
			return err;
	} else {
		result_nan(&r->start);
		result_nan(&r->end);
		r->q_start.corrected_pct = r->q_end.corrected_pct = NAN;
	}
	change(&r->hr_bpm, r->start.time.mean_hr_bpm, r->end.time.mean_hr_bpm);
	change(&r->rmssd_ms, r->start.time.rmssd_ms, r->end.time.rmssd_ms);
	change(&r->ln_rmssd, r->start.time.ln_rmssd, r->end.time.ln_rmssd);
	change(&r->hf_ms2, r->start.freq.hf_ms2, r->end.freq.hf_ms2);
	change(&r->resp_rate_bpm, r->start.freq.resp_rate_bpm,
	       r->end.freq.resp_rate_bpm);
	return 0;
}

/* ---- shared bits --------------------------------------------------- */

static const char *gap_cause_name(enum vg_session_gap_cause c)
{
	switch (c) {
	case VG_SESSION_GAP_LINK:
		return "link";
	case VG_SESSION_GAP_CLOCK:
		return "lost_beats";
	case VG_SESSION_GAP_RECORD:
		return "journal";
	}
	return "unknown";
}

static const char window_rule[] =
    "skip settle_s from the first beat; end E = duration rounded down to "
    "whole seconds; window_s = min(300, floor((E - settle_s) / 2)), at "
    "least 60; start [settle_s, settle_s + window_s), end "
    "[E - window_s, E); an interval belongs to the window in which the "
    "beat ending it falls; each window analysed on its own raw beats";

/*
 * UTC calendar date of @days since 1970-01-01, by the era arithmetic of
 * the proleptic Gregorian calendar (400-year cycles of 146097 days).
 */
static void civil(int64_t days, int64_t *y, int *m, int *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;

	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* "2026-11-30T04:37:18Z" for a wall-clock time in ms since the epoch. */
static void utc_string(char *buf, size_t cap, int64_t ms)
{
	/* Past year 9999 or before 1970 a journal time is garbage. */
	if (ms < 0 || ms > 253402300799999LL) {
		snprintf(buf, cap, "unknown");
		return;
	}
	int64_t s = ms / 1000, days = s / 86400, sod = s % 86400, y;
	int m, d;

	civil(days, &y, &m, &d);
	snprintf(buf, cap, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, m,
		 d, (int)(sod / 3600), (int)(sod / 60 % 60), (int)(sod % 60));
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

/* ---- JSON ---------------------------------------------------------- */

static void json_change(struct vg_json *j, const char *key,
			const struct vg_report_change *c)
{
	vg_json_key_object(j, key);
	vg_json_key_num(j, "start", c->start);
	vg_json_key_num(j, "end", c->end);
	vg_json_key_num(j, "delta", c->delta);
	vg_json_end_object(j);
}

static void json_pair(struct vg_json *j, const char *key, const double v[2])
{
	vg_json_key_array(j, key);
	vg_json_num(j, v[0]);
	vg_json_num(j, v[1]);
	vg_json_end_array(j);
}

static void json_quality(struct vg_json *j, const char *key,
			 const struct vg_report_quality *q)
{
	vg_json_key_object(j, key);
	vg_json_key_uint(j, "beats", q->beats);
	vg_json_key_num(j, "coverage", q->coverage);
	vg_json_key_uint(j, "gaps", q->gaps);
	vg_json_key_num(j, "corrected_pct", q->corrected_pct);
	vg_json_key_object(j, "contact");
	vg_json_key_uint(j, "ok", q->contact_ok);
	vg_json_key_uint(j, "lost", q->contact_lost);
	vg_json_key_uint(j, "unsupported", q->contact_unsupported);
	vg_json_end_object(j);
	vg_json_end_object(j);
}

static void json_result(struct vg_json *j, const char *key,
			const struct vg_report *r,
			const struct vg_hrv_result *res,
			const struct vg_report_quality *q)
{
	vg_json_key_object(j, key);
	vg_hrv_json_members(j, res, &r->opts.hrv, q->coverage);
	vg_json_end_object(j);
}

int vg_report_json(const struct vg_report *r, struct vg_json *j)
{
	const struct vg_session *s = r->session;
	char when[64];

	vg_json_begin_object(j);
	vg_json_key_str(j, "id", nonempty(s->meta.id));
	vg_json_key_str(j, "tag", nonempty(s->meta.tag));
	vg_json_key_str(j, "note", nonempty(s->meta.note));
	vg_json_key_str(j, "started_by", nonempty(s->meta.started_by));
	vg_json_key_str(j, "version", nonempty(s->meta.version));
	utc_string(when, sizeof(when), s->first_ms);
	vg_json_key_str(j, "started_utc", s->records ? when : NULL);
	utc_string(when, sizeof(when), s->last_ms);
	vg_json_key_str(j, "last_record_utc", s->records ? when : NULL);
	vg_json_key_bool(j, "ended", s->ended);
	vg_json_key_str(j, "end_reason", s->ended ? s->end_reason : NULL);

	vg_json_key_object(j, "strap");
	vg_json_key_str(j, "id", nonempty(s->meta.strap));
	vg_json_key_str(j, "model", nonempty(s->strap.model));
	vg_json_key_str(j, "manufacturer", nonempty(s->strap.manufacturer));
	vg_json_key_str(j, "firmware", nonempty(s->strap.firmware));
	if (s->strap.battery_pct >= 0)
		vg_json_key_int(j, "battery_pct", s->strap.battery_pct);
	else
		vg_json_key_null(j, "battery_pct");
	vg_json_key_str(j, "body_location", nonempty(s->strap.body_location));
	vg_json_end_object(j);

	vg_json_key_uint(j, "beats", s->rr.n);
	vg_json_key_num(j, "duration_s", r->duration_s);

	vg_json_key_object(j, "windows");
	vg_json_key_num(j, "settle_s", r->win.settle_s);
	vg_json_key_num(j, "window_s", r->win.window_s);
	json_pair(j, "start", r->win.start);
	json_pair(j, "end", r->win.end);
	vg_json_key_str(j, "status", r->win.ok ? "ok" : "insufficient_data");
	vg_json_key_str(j, "reason", r->win.ok ? NULL : r->win.reason);
	vg_json_key_str(j, "rule", window_rule);
	vg_json_end_object(j);

	vg_json_key_object(j, "change");
	json_change(j, "hr_bpm", &r->hr_bpm);
	json_change(j, "rmssd_ms", &r->rmssd_ms);
	json_change(j, "ln_rmssd", &r->ln_rmssd);
	json_change(j, "hf_ms2", &r->hf_ms2);
	json_change(j, "resp_rate_bpm", &r->resp_rate_bpm);
	vg_json_end_object(j);

	json_result(j, "whole", r, &r->whole, &r->q_whole);
	if (r->win.ok) {
		json_result(j, "start", r, &r->start, &r->q_start);
		json_result(j, "end", r, &r->end, &r->q_end);
	} else {
		vg_json_key_null(j, "start");
		vg_json_key_null(j, "end");
	}

	vg_json_key_object(j, "quality");
	json_quality(j, "whole", &r->q_whole);
	json_quality(j, "start", &r->q_start);
	json_quality(j, "end", &r->q_end);
	vg_json_key_num(j, "corrected_pct_limit", VG_ARTIFACT_SUSPECT_PCT);
	vg_json_key_num(j, "arrival_coverage", s->coverage);
	vg_json_key_uint(j, "notifications", s->notifications);
	vg_json_key_uint(j, "bad_notifications", s->bad_notifications);
	vg_json_key_uint(j, "rr_values", s->rr_values);
	vg_json_key_uint(j, "zero_rr", s->zero_rr);
	vg_json_key_object(j, "journal");
	vg_json_key_uint(j, "records", s->records);
	vg_json_key_uint(j, "seq_errors", s->seq_errors);
	vg_json_key_uint(j, "bad_metadata", s->bad_meta);
	vg_json_key_uint(j, "torn_bytes", s->torn_bytes);
	vg_json_key_bool(j, "bad_record", s->stop != 0);
	vg_json_end_object(j);
	vg_json_end_object(j);

	vg_json_key_array(j, "marks");
	for (size_t i = 0; i < s->nmarks; i++) {
		vg_json_begin_object(j);
		vg_json_key_num(j, "t_s", s->marks[i].t_s);
		vg_json_key_int(j, "time_ms", s->marks[i].time_ms);
		vg_json_key_str(j, "text", s->marks[i].text);
		vg_json_end_object(j);
	}
	vg_json_end_array(j);

	vg_json_key_array(j, "gaps");
	for (size_t i = 0; i < s->ngaps; i++) {
		vg_json_begin_object(j);
		vg_json_key_num(j, "t_s", s->gaps[i].t_s);
		vg_json_key_num(j, "lost_s", s->gaps[i].lost_s);
		vg_json_key_str(j, "cause", gap_cause_name(s->gaps[i].cause));
		vg_json_end_object(j);
	}
	vg_json_end_array(j);

	vg_json_key_array(j, "links");
	for (size_t i = 0; i < s->nlinks; i++) {
		vg_json_begin_object(j);
		vg_json_key_num(j, "t_s", s->links[i].t_s);
		vg_json_key_int(j, "time_ms", s->links[i].time_ms);
		vg_json_key_str(j, "event", s->links[i].up ? "up" : "down");
		vg_json_key_str(j, "text", s->links[i].text);
		vg_json_end_object(j);
	}
	vg_json_end_array(j);
	vg_json_end_object(j);
	return vg_json_error(j);
}

/* ---- text ---------------------------------------------------------- */

struct tbuf {
	char *p;
	size_t len, cap;
	int err;
};

__attribute__((format(printf, 2, 3))) static void tb(struct tbuf *b,
						     const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL,
			      b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->err = -EINVAL;
			return;
		}
		if (b->p && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap : 4096;
		while (cap - b->len <= (size_t)n)
			cap *= 2;
		char *q = realloc(b->p, cap);
		if (!q) {
			b->err = -ENOMEM;
			return;
		}
		b->p = q;
		b->cap = cap;
	}
}

/*
 * Text from the journal goes to a terminal: control bytes (an escape
 * sequence in a mark) are shown as '?', never sent.
 */
static void tb_text(struct tbuf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		tb(b, "%c", c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
}

static void mmss(char *buf, size_t cap, double s)
{
	if (!isfinite(s)) {
		snprintf(buf, cap, "--:--");
		return;
	}
	long t = lround(s < 0 ? 0 : s);
	if (t >= 3600)
		snprintf(buf, cap, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60,
			 t % 60);
	else
		snprintf(buf, cap, "%ld:%02ld", t / 60, t % 60);
}

static void num(char *buf, size_t cap, double v, int prec, bool sign)
{
	if (isfinite(v))
		snprintf(buf, cap, sign ? "%+.*f" : "%.*f", prec, v);
	else
		snprintf(buf, cap, "n/a");
}

static void change_row(struct tbuf *b, const char *label,
		       const struct vg_report_change *c, int prec)
{
	char s[32], e[32], d[32];

	num(s, sizeof(s), c->start, prec, false);
	num(e, sizeof(e), c->end, prec, false);
	num(d, sizeof(d), c->delta, prec, true);
	tb(b, "  %-22s %10s %10s %10s\n", label, s, e, d);
}

static void pct(char *buf, size_t cap, double v)
{
	num(buf, cap, 100 * v, 1, false);
}

static void contact_text(char *buf, size_t cap,
			 const struct vg_report_quality *q)
{
	size_t known = q->contact_ok + q->contact_lost;

	if (!q->beats)
		snprintf(buf, cap, "n/a");
	else if (!known)
		snprintf(buf, cap, "not reported");
	else
		snprintf(buf, cap, "%.0f %% ok",
			 100.0 * (double)q->contact_ok / (double)known);
}

static void quality_rows(struct tbuf *b, const struct vg_report *r)
{
	const struct vg_report_quality *q[2] = {&r->q_start, &r->q_end};
	char v[2][32];

	tb(b, "\nData quality               start        end\n");
	tb(b, "  %-22s %10zu %10zu\n", "beats", q[0]->beats, q[1]->beats);
	for (int i = 0; i < 2; i++)
		pct(v[i], sizeof(v[i]), q[i]->coverage);
	tb(b, "  %-22s %10s %10s\n", "coverage (%)", v[0], v[1]);
	tb(b, "  %-22s %10zu %10zu\n", "gaps", q[0]->gaps, q[1]->gaps);
	for (int i = 0; i < 2; i++)
		num(v[i], sizeof(v[i]), q[i]->corrected_pct, 1, false);
	tb(b, "  %-22s %10s %10s\n", "corrected beats (%)", v[0], v[1]);
	for (int i = 0; i < 2; i++)
		contact_text(v[i], sizeof(v[i]), q[i]);
	tb(b, "  %-22s %10s %10s\n", "skin contact", v[0], v[1]);
	for (int i = 0; i < 2; i++)
		if (isfinite(q[i]->corrected_pct) &&
		    q[i]->corrected_pct > VG_ARTIFACT_SUSPECT_PCT)
			tb(b,
			   "  The %s window has more than %.0f %% corrected "
			   "beats: its values are not reliable.\n",
			   i ? "end" : "start", VG_ARTIFACT_SUSPECT_PCT);
}

static void whole_row(struct tbuf *b, const char *label, double v, int prec,
		      const char *unit)
{
	char s[32];

	num(s, sizeof(s), v, prec, false);
	tb(b, "  %-22s %10s%s%s\n", label, s, *unit ? " " : "", unit);
}

int vg_report_text(const struct vg_report *r, char **text, size_t *len)
{
	const struct vg_session *s = r->session;
	const struct vg_hrv_result *w = &r->whole;
	struct tbuf b = {0};
	char t0[32], t1[32], when[64], dur[32];

	*text = NULL;
	*len = 0;
	tb(&b, "vagus session ");
	tb_text(&b, nonempty(s->meta.id) ? s->meta.id : "(no id)");
	tb(&b, "\n");
	if (nonempty(s->meta.tag)) {
		tb(&b, "Tag          ");
		tb_text(&b, s->meta.tag);
		tb(&b, "\n");
	}
	if (nonempty(s->meta.note)) {
		tb(&b, "Note         ");
		tb_text(&b, s->meta.note);
		tb(&b, "\n");
	}
	utc_string(when, sizeof(when), s->first_ms);
	tb(&b, "Started      %s", s->records ? when : "unknown");
	if (nonempty(s->meta.started_by)) {
		tb(&b, " (");
		tb_text(&b, s->meta.started_by);
		tb(&b, ")");
	}
	tb(&b, "\n");
	if (s->ended) {
		utc_string(when, sizeof(when), s->last_ms);
		tb(&b, "Ended        %s", when);
		if (*s->end_reason) {
			tb(&b, " (");
			tb_text(&b, s->end_reason);
			tb(&b, ")");
		}
		tb(&b, "\n");
	} else {
		tb(&b, "Ended        not in the journal (still running, or "
		       "recovered after a crash)\n");
	}
	if (nonempty(s->meta.strap) || s->strap.present) {
		tb(&b, "Strap        ");
		if (nonempty(s->strap.model)) {
			tb_text(&b, s->strap.model);
			tb(&b, " ");
		}
		if (nonempty(s->strap.manufacturer)) {
			tb(&b, "by ");
			tb_text(&b, s->strap.manufacturer);
			tb(&b, " ");
		}
		if (nonempty(s->meta.strap)) {
			tb(&b, "[");
			tb_text(&b, s->meta.strap);
			tb(&b, "]");
		}
		if (nonempty(s->strap.firmware)) {
			tb(&b, ", firmware ");
			tb_text(&b, s->strap.firmware);
		}
		if (s->strap.battery_pct >= 0)
			tb(&b, ", battery %d %%", s->strap.battery_pct);
		if (nonempty(s->strap.body_location)) {
			tb(&b, ", ");
			tb_text(&b, s->strap.body_location);
		}
		tb(&b, "\n");
	}
	mmss(dur, sizeof(dur), r->duration_s);
	tb(&b,
	   "Recording    %zu beats over %s (%.1f s), coverage %.1f %%, "
	   "%zu gap%s\n",
	   s->rr.n, dur, isfinite(r->duration_s) ? r->duration_s : 0.0,
	   100 * r->q_whole.coverage, s->ngaps, s->ngaps == 1 ? "" : "s");
	if (s->bad_notifications || s->torn_bytes || s->seq_errors)
		tb(&b,
		   "Journal      %zu undecodable notification%s, %zu "
		   "missing record%s, %zu byte%s unreadable at the end\n",
		   s->bad_notifications, s->bad_notifications == 1 ? "" : "s",
		   s->seq_errors, s->seq_errors == 1 ? "" : "s", s->torn_bytes,
		   s->torn_bytes == 1 ? "" : "s");

	tb(&b, "\nWindows\n");
	if (r->win.ok) {
		mmss(t0, sizeof(t0), r->win.start[0]);
		mmss(t1, sizeof(t1), r->win.start[1]);
		tb(&b, "  start  %s - %s", t0, t1);
		mmss(t0, sizeof(t0), r->win.end[0]);
		mmss(t1, sizeof(t1), r->win.end[1]);
		tb(&b,
		   "   end  %s - %s   (%.0f s each, first %.0f s "
		   "skipped)\n",
		   t0, t1, r->win.window_s, r->win.settle_s);
	} else {
		tb(&b,
		   "  Not enough data for a start and an end window: "
		   "%s.\n",
		   r->win.reason);
	}
	tb(&b,
	   "  Rule: the first %.0f s are skipped (settling); then two "
	   "windows of equal\n"
	   "  length, up to %.0f s and never under %.0f s: one right "
	   "after the settling,\n"
	   "  one ending at the last whole second. A beat interval "
	   "counts where the\n"
	   "  beat that ends it falls. Times are beat times (sum of "
	   "RR, gaps included).\n",
	   r->win.settle_s, VG_REPORT_WINDOW_MAX_S, VG_REPORT_WINDOW_MIN_S);

	tb(&b, "\nChange                          start        end     "
	       "change\n");
	change_row(&b, "heart rate (bpm)", &r->hr_bpm, 1);
	change_row(&b, "RMSSD (ms)", &r->rmssd_ms, 1);
	change_row(&b, "ln RMSSD (ln ms)", &r->ln_rmssd, 2);
	change_row(&b, "HF power (ms^2)", &r->hf_ms2, 0);
	change_row(&b, "breathing (per min)", &r->resp_rate_bpm, 1);
	tb(&b, "  No verdict: these are the values of the two windows and "
	       "their difference,\n"
	       "  without a confidence interval yet. Day-to-day noise in "
	       "ln RMSSD is 3-13 %%,\n"
	       "  and slower breathing alone moves RMSSD and HF power.\n");
	if (r->win.ok)
		quality_rows(&b, r);

	tb(&b, "\nWhole session\n");
	whole_row(&b, "mean HR", w->time.mean_hr_bpm, 1, "bpm");
	whole_row(&b, "mean RR", w->time.mean_rr_ms, 1, "ms");
	whole_row(&b, "SDNN", w->time.sdnn_ms, 1, "ms");
	whole_row(&b, "RMSSD", w->time.rmssd_ms, 1, "ms");
	whole_row(&b, "ln RMSSD", w->time.ln_rmssd, 2, "(ln ms)");
	whole_row(&b, "pNN50", w->time.pnn50_pct, 1, "%");
	whole_row(&b, "SD1", w->poincare.sd1_ms, 1, "ms");
	whole_row(&b, "SD2", w->poincare.sd2_ms, 1, "ms");
	whole_row(&b, "LF power", w->freq.lf_ms2, 0, "ms^2 (0.04-0.15 Hz)");
	whole_row(&b, "HF power", w->freq.hf_ms2, 0, "ms^2 (0.15-0.40 Hz)");
	whole_row(&b, "LF/HF", w->freq.lf_hf, 2, "");
	whole_row(&b, "breathing rate", w->freq.resp_rate_bpm, 1, "per min");
	whole_row(&b, "DFA alpha1", w->dfa_alpha1, 2, "");
	if (w->corrected)
		tb(&b, "  %-22s %10.1f %% (%zu of %zu beats)\n",
		   "corrected beats", w->artifacts.corrected_pct,
		   w->artifacts.detected, w->artifacts.beats);

	if (s->nmarks) {
		tb(&b, "\nMarks\n");
		for (size_t i = 0; i < s->nmarks; i++) {
			mmss(t0, sizeof(t0), s->marks[i].t_s);
			tb(&b, "  %8s  ", t0);
			tb_text(&b, s->marks[i].text);
			tb(&b, "\n");
		}
	}
	if (s->ngaps) {
		tb(&b, "\nGaps (no difference is taken across one)\n");
		for (size_t i = 0; i < s->ngaps; i++) {
			mmss(t0, sizeof(t0), s->gaps[i].t_s);
			tb(&b, "  %8s  %.1f s lost (%s)\n", t0,
			   s->gaps[i].lost_s, gap_cause_name(s->gaps[i].cause));
		}
	}
	tb(&b,
	   "\nMethods: artifact correction %s (Lipponen and Tarvainen "
	   "2019); RMSSD over\n"
	   "successive differences not across gaps; HF from a 4 Hz "
	   "cubic spline, %s\n"
	   "detrending, Welch 300 s Hann; breathing rate from the "
	   "respiratory peak.\n",
	   r->opts.hrv.correct ? "on" : "off",
	   vg_detrend_name(r->opts.hrv.detrend));
	if (b.err) {
		free(b.p);
		return b.err;
	}
	*text = b.p;
	*len = b.len;
	return 0;
}
