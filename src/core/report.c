/* SPDX-License-Identifier: MIT */
/*
 * The end-of-session report: windows, analysis, change with its interval
 * and verdict (change.h), and the two renderings. The verdict comes
 * first in the text, with the plain sentence of vg_change_sentence.
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
	memset(o, 0, sizeof(*o));
	o->settle_s = VG_REPORT_SETTLE_S;
	vg_hrv_opts_default(&o->hrv);
	vg_change_opts_default(&o->change);
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

static void change(struct vg_report_change *c, double start, double end,
		   const struct vg_change_est *e)
{
	c->start = start;
	c->end = end;
	c->delta = end - start;
	c->estimate = e->delta;
	c->has_ci = isfinite(e->ci_lo) && isfinite(e->ci_hi);
	c->ci95[0] = c->has_ci ? e->ci_lo : NAN;
	c->ci95[1] = c->has_ci ? e->ci_hi : NAN;
}

/*
 * The change computation on the whole session: artifact-corrected when
 * the report corrects (its flags feed the dirty-window check), between
 * the report's own windows.
 */
static int compute_change(const struct vg_session *s, struct vg_report *r)
{
	struct vg_rr_series corr = VG_RR_SERIES_INIT;
	const struct vg_rr_series *in = &s->rr;
	struct vg_change_windows w = {
	    .start_t0_s = r->win.start[0],
	    .start_t1_s = r->win.start[1],
	    .end_t0_s = r->win.end[0],
	    .end_t1_s = r->win.end[1],
	};
	int err = 0;

	if (r->opts.hrv.correct) {
		struct vg_artifact_summary sum;

		err = vg_artifacts_correct(&s->rr, &corr, &sum, NULL);
		in = &corr;
	}
	/* -EINVAL: an interval that is no number; nothing to judge. */
	if (!err || err == -EINVAL)
		err =
		    vg_change_compute(err ? &s->rr : in, &w, &r->opts.change,
				      r->opts.history, r->opts.nhist, &r->chg);
	vg_rr_free(&corr);
	return err;
}

static void verdict_words(struct vg_report *r)
{
	const struct vg_change_result *c = &r->chg;

	r->verdict = c->verdict;
	if (!r->win.ok) {
		/* The windows' own reason is the more precise one. */
		r->verdict = VG_VERDICT_INSUFFICIENT_DATA;
		snprintf(r->verdict_reason, sizeof(r->verdict_reason), "%s",
			 r->win.reason);
		snprintf(r->verdict_sentence, sizeof(r->verdict_sentence),
			 "Not enough data to judge a change: %s.",
			 r->win.reason);
		return;
	}
	vg_change_sentence(c, r->verdict_sentence, sizeof(r->verdict_sentence));
	switch (c->verdict) {
	case VG_VERDICT_INSUFFICIENT_DATA:
		snprintf(r->verdict_reason, sizeof(r->verdict_reason), "%s",
			 vg_change_reason_text(c->reason));
		break;
	case VG_VERDICT_SHIFT_TO_REST:
	case VG_VERDICT_SHIFT_TO_AROUSAL:
		snprintf(r->verdict_reason, sizeof(r->verdict_reason),
			 "lnRMSSD alone (t = %.2f) or lnRMSSD with heart rate "
			 "(z = %.2f) passes the critical value %.2f, and heart "
			 "rate does not clearly move the other way",
			 c->t_ln, c->z_joint, c->crit);
		break;
	case VG_VERDICT_NO_CLEAR_CHANGE:
		if (c->mixed)
			snprintf(r->verdict_reason, sizeof(r->verdict_reason),
				 "lnRMSSD passes the critical value %.2f (t = "
				 "%.2f) but heart rate clearly moved the other "
				 "way: mixed signals",
				 c->crit, c->t_ln);
		else
			snprintf(
			    r->verdict_reason, sizeof(r->verdict_reason),
			    "neither lnRMSSD alone (t = %.2f) nor lnRMSSD "
			    "with heart rate (z = %.2f) passes the critical "
			    "value %.2f",
			    c->t_ln, c->z_joint, c->crit);
		break;
	}
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
	/* Without windows the computation says so itself (bad windows). */
	err = compute_change(s, r);
	if (err)
		return err;
	change(&r->hr_bpm, r->start.time.mean_hr_bpm, r->end.time.mean_hr_bpm,
	       &r->chg.hr_bpm);
	change(&r->rmssd_ms, r->start.time.rmssd_ms, r->end.time.rmssd_ms,
	       &r->chg.rmssd_ms);
	change(&r->ln_rmssd, r->start.time.ln_rmssd, r->end.time.ln_rmssd,
	       &r->chg.ln_rmssd);
	change(&r->hf_ms2, r->start.freq.hf_ms2, r->end.freq.hf_ms2,
	       &r->chg.hf_ms2);
	change(&r->resp_rate_bpm, r->start.freq.resp_rate_bpm,
	       r->end.freq.resp_rate_bpm, &r->chg.resp_rate_bpm);
	verdict_words(r);
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

static const char change_meaning[] =
    "delta = end - start, the difference of the two window values; "
    "estimate = the change fitted over the whole course of the session "
    "(start window centre to end window centre); ci95 is the 95 % "
    "interval of the estimate, not of delta";

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
	vg_json_key_num(j, "estimate", c->estimate);
	if (c->has_ci) {
		vg_json_key_array(j, "ci95");
		vg_json_num(j, c->ci95[0]);
		vg_json_num(j, c->ci95[1]);
		vg_json_end_array(j);
	} else {
		vg_json_key_null(j, "ci95");
	}
	vg_json_end_object(j);
}

static const char *swc_place_name(enum vg_swc_place p)
{
	switch (p) {
	case VG_SWC_NONE:
		return NULL;
	case VG_SWC_ABOVE:
		return "above";
	case VG_SWC_BELOW:
		return "below";
	case VG_SWC_WITHIN:
		return "within";
	case VG_SWC_UNCLEAR:
		return "unclear";
	}
	return NULL;
}

/* The numbers behind the verdict, so that a reader can check it. */
static void json_test(struct vg_json *j, const struct vg_report *r)
{
	const struct vg_change_result *c = &r->chg;

	vg_json_key_object(j, "test");
	vg_json_key_num(j, "t_ln_rmssd", c->t_ln);
	vg_json_key_num(j, "t_hr", c->t_hr);
	vg_json_key_num(j, "z_joint", c->z_joint);
	vg_json_key_num(j, "rho_joint", c->rho_joint);
	vg_json_key_num(j, "critical", c->crit);
	vg_json_key_num(j, "df_ln_rmssd", c->ln_rmssd.df);
	vg_json_key_num(j, "df_hr", c->hr_bpm.df);
	vg_json_key_bool(j, "mixed", c->mixed);
	vg_json_key_bool(j, "breathing_slowed", c->breathing_slowed);
	vg_json_end_object(j);
	vg_json_key_object(j, "history");
	vg_json_key_uint(j, "sessions", c->history);
	vg_json_key_num(j, "swc_ln_rmssd", c->swc);
	vg_json_key_str(j, "place", swc_place_name(c->swc_place));
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

	vg_json_key_str(j, "verdict", vg_verdict_name(r->verdict));
	vg_json_key_str(j, "verdict_reason", r->verdict_reason);
	vg_json_key_str(j, "verdict_sentence", r->verdict_sentence);

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
	json_test(j, r);
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

	vg_json_key_object(j, "methods");
	vg_json_key_str(j, "windows", window_rule);
	vg_json_key_str(j, "change", VG_CHANGE_METHOD);
	vg_json_key_str(j, "delta", change_meaning);
	vg_json_end_object(j);
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
	char s[32], e[32], d[32], f[32], lo[32], hi[32], ci[72];

	num(s, sizeof(s), c->start, prec, false);
	num(e, sizeof(e), c->end, prec, false);
	num(d, sizeof(d), c->delta, prec, true);
	num(f, sizeof(f), c->estimate, prec, true);
	if (c->has_ci) {
		num(lo, sizeof(lo), c->ci95[0], prec, true);
		num(hi, sizeof(hi), c->ci95[1], prec, true);
		snprintf(ci, sizeof(ci), "%s to %s", lo, hi);
	} else {
		snprintf(ci, sizeof(ci), "none");
	}
	tb(b, "  %-20s %8s %8s %8s %8s  %s\n", label, s, e, d, f, ci);
}

/* @text word-wrapped to 76 columns, each line indented by @indent. */
static void tb_wrap(struct tbuf *b, const char *text, int indent)
{
	const char *p = text;

	while (*p) {
		size_t room = 76 - (size_t)indent, n = strlen(p), cut = n;

		if (n > room) {
			cut = room;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (!cut)
				cut = room;
		}
		tb(b, "%*s", indent, "");
		for (size_t i = 0; i < cut; i++) {
			unsigned char ch = (unsigned char)p[i];
			tb(b, "%c", ch < 0x20 || ch == 0x7f ? '?' : (char)ch);
		}
		tb(b, "\n");
		p += cut;
		while (*p == ' ')
			p++;
	}
}

static void pct(char *buf, size_t cap, double v)
{
	num(buf, cap, 100 * v, 1, false);
}

void vg_report_contact_text(char *buf, size_t cap,
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
		vg_report_contact_text(v[i], sizeof(v[i]), q[i]);
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
	tb(&b, "\n\nVerdict      %s\n", vg_verdict_name(r->verdict));
	tb_wrap(&b, r->verdict_sentence, 2);
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
	if (s->records) {
		tb(&b, "Started      %s", when);
		if (nonempty(s->meta.started_by)) {
			tb(&b, " (");
			tb_text(&b, s->meta.started_by);
			tb(&b, ")");
		}
		tb(&b, "\n");
	}
	if (s->ended) {
		utc_string(when, sizeof(when), s->last_ms);
		tb(&b, "Ended        %s", when);
		if (*s->end_reason) {
			tb(&b, " (");
			tb_text(&b, s->end_reason);
			tb(&b, ")");
		}
		tb(&b, "\n");
	} else if (s->records) {
		tb(&b, "Ended        not in the journal (still running, or "
		       "recovered after a crash)\n");
	} else {
		/* vagus analyze --session of a plain RR file. */
		tb(&b, "Source       no journal records (an RR file, or an "
		       "empty journal): no wall-clock times\n");
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

	tb(&b, "\n%-22s %8s %8s %8s %8s  %s\n", "Change", "start", "end",
	   "diff", "fitted", "95 % CI of fitted");
	change_row(&b, "heart rate (bpm)", &r->hr_bpm, 1);
	change_row(&b, "RMSSD (ms)", &r->rmssd_ms, 1);
	change_row(&b, "ln RMSSD (ln ms)", &r->ln_rmssd, 2);
	change_row(&b, "HF power (ms^2)", &r->hf_ms2, 0);
	change_row(&b, "breathing (per min)", &r->resp_rate_bpm, 1);
	tb(&b, "  diff = end - start, the difference of the two window values; "
	       "fitted is the\n"
	       "  change of a line through the whole course of the session "
	       "(start window\n"
	       "  centre to end window centre); the interval is that of the "
	       "fitted change.\n");
	if (r->chg.swc_place != VG_SWC_NONE)
		tb(&b,
		   "  Smallest worthwhile change of ln RMSSD: +/- %.2f (0.5 SD "
		   "of the resting\n"
		   "  value of %zu earlier sessions).\n",
		   r->chg.swc, r->chg.history);
	else if (r->chg.history)
		tb(&b,
		   "  %zu earlier session%s: a personal smallest worthwhile "
		   "change needs 7.\n",
		   r->chg.history, r->chg.history == 1 ? "" : "s");
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
	tb(&b, "\nChange and verdict:\n");
	tb_wrap(&b, VG_CHANGE_METHOD, 0);
	if (b.err) {
		free(b.p);
		return b.err;
	}
	*text = b.p;
	*len = b.len;
	return 0;
}
