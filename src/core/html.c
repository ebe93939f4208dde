/* SPDX-License-Identifier: MIT */
/*
 * report.html: the session report as one page with inline SVG plots.
 * Layout is plain flow with a max width, tables scroll sideways inside
 * their box and SVGs scale with their viewBox, so a phone shows it
 * without zooming. Numbers are printed with fixed precision and no
 * clock is read: the same report gives the same bytes.
 */
#include "vagus/html.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vagus/artifact.h"
#include "vagus/change.h"
#include "vagus/hrs.h"
#include "vagus/hrv_json.h"

/* ---- the growing buffer -------------------------------------------- */

struct hb {
	char *p;
	size_t len, cap;
	int err;
};

static void hb_grow(struct hb *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 16384;

	while (cap - b->len <= need)
		cap *= 2;
	char *q = realloc(b->p, cap);
	if (!q) {
		b->err = -ENOMEM;
		return;
	}
	b->p = q;
	b->cap = cap;
}

static void hb_put(struct hb *b, const char *s, size_t n)
{
	if (b->err)
		return;
	if (!b->p || b->cap - b->len <= n)
		hb_grow(b, n);
	if (b->err)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void hs(struct hb *b, const char *s)
{
	hb_put(b, s, strlen(s));
}

/* Markup and numbers only: text from outside goes through esc(). */
__attribute__((format(printf, 2, 3))) static void hf(struct hb *b,
						     const char *fmt, ...)
{
	char small[512];
	va_list ap;
	int n;

	if (b->err)
		return;
	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = -EINVAL;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		hb_put(b, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->err = -ENOMEM;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	hb_put(b, big, (size_t)n);
	free(big);
}

/*
 * Length of the valid UTF-8 sequence at @s (1-4), or 0 if it is not one:
 * overlong forms, surrogates and code points above U+10FFFF included.
 */
static size_t utf8_len(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0; /* surrogate */
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0;
		if (c == 0xf4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

/*
 * Text from a journal, escaped for element content and quoted attribute
 * values alike: & < > " ' as references, control bytes and invalid UTF-8
 * as U+FFFD (a mark can hold anything a client sent).
 */
static void esc(struct hb *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		size_t run = 0;

		/* Copy plain runs at once; stop at anything special. */
		while (p[run] >= 0x20 && p[run] < 0x7f && p[run] != '&' &&
		       p[run] != '<' && p[run] != '>' && p[run] != '"' &&
		       p[run] != '\'')
			run++;
		if (run) {
			hb_put(b, (const char *)p, run);
			p += run;
			continue;
		}
		switch (*p) {
		case '&':
			hs(b, "&amp;");
			p++;
			continue;
		case '<':
			hs(b, "&lt;");
			p++;
			continue;
		case '>':
			hs(b, "&gt;");
			p++;
			continue;
		case '"':
			hs(b, "&quot;");
			p++;
			continue;
		case '\'':
			hs(b, "&#39;");
			p++;
			continue;
		}
		if (*p < 0x20 || *p == 0x7f) {
			hs(b, *p == '\n' || *p == '\t' ? " " : "\xef\xbf\xbd");
			p++;
			continue;
		}
		size_t n = utf8_len(p);
		if (!n) {
			hs(b, "\xef\xbf\xbd");
			p++;
			continue;
		}
		/* C1 controls (U+0080..U+009F) are invisible: replace. */
		if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
			hs(b, "\xef\xbf\xbd");
		else
			hb_put(b, (const char *)p, n);
		p += n;
	}
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

/* A number with @prec decimals, or "n/a". */
static void num(char *buf, size_t cap, double v, int prec)
{
	if (isfinite(v))
		snprintf(buf, cap, "%.*f", prec, v);
	else
		snprintf(buf, cap, "n/a");
}

static void snum(char *buf, size_t cap, double v, int prec)
{
	if (isfinite(v))
		snprintf(buf, cap, "%+.*f", prec, v);
	else
		snprintf(buf, cap, "n/a");
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

/* ---- PNS index ----------------------------------------------------- */

void vg_pns_index(const struct vg_hrv_result *res, struct vg_pns *out)
{
	double rr = res->time.mean_rr_ms;
	double rmssd = res->time.rmssd_ms;
	double sd1 = res->poincare.sd1_ms;

	out->sd1_pct =
	    isfinite(sd1) && isfinite(rr) && rr > 0 ? 100 * sd1 / rr : NAN;
	out->z_rr = (rr - VG_PNS_RR_MEAN) / VG_PNS_RR_SD;
	out->z_rmssd = (rmssd - VG_PNS_RMSSD_MEAN) / VG_PNS_RMSSD_SD;
	out->z_sd1 = (out->sd1_pct - VG_PNS_SD1N_MEAN) / VG_PNS_SD1N_SD;
	if (isfinite(out->z_rr) && isfinite(out->z_rmssd) &&
	    isfinite(out->z_sd1))
		out->index = (out->z_rr + out->z_rmssd + out->z_sd1) / 3;
	else
		out->index = NAN;
}

/* ---- data for the plots -------------------------------------------- */

/* Per-minute HR and RMSSD of the (corrected) series. */
struct minutes {
	size_t n;
	double *hr;    /* bpm, NAN where the minute is mostly missing */
	double *rmssd; /* ms, NAN with fewer than 10 differences */
};

#define MINUTE_MIN_COVER 0.5
#define MINUTE_MIN_DIFFS 10

static int minutes_build(const struct vg_rr_series *s, double duration_s,
			 struct minutes *m)
{
	size_t n = isfinite(duration_s) && duration_s > 0
		       ? (size_t)ceil(duration_s / 60)
		       : 0;
	double *sum = NULL, *sq = NULL;
	size_t *cnt = NULL, *nd = NULL;

	memset(m, 0, sizeof(*m));
	if (!n)
		return 0;
	m->hr = malloc(n * sizeof(double));
	m->rmssd = malloc(n * sizeof(double));
	sum = calloc(n, sizeof(double));
	sq = calloc(n, sizeof(double));
	cnt = calloc(n, sizeof(size_t));
	nd = calloc(n, sizeof(size_t));
	if (!m->hr || !m->rmssd || !sum || !sq || !cnt || !nd) {
		free(m->hr);
		free(m->rmssd);
		m->hr = m->rmssd = NULL;
		free(sum);
		free(sq);
		free(cnt);
		free(nd);
		return -ENOMEM;
	}
	m->n = n;
	for (size_t i = 0; i < s->n; i++) {
		double t = s->t_ms[i] / 60000;
		if (!(t >= 0))
			continue;
		size_t k = (size_t)t;
		if (k >= n)
			k = n - 1;
		sum[k] += s->ms[i];
		cnt[k]++;
		/* A difference belongs to the minute of its later beat. */
		if (i && !(s->flags[i] & VG_RR_GAP_BEFORE)) {
			double d = s->ms[i] - s->ms[i - 1];
			sq[k] += d * d;
			nd[k]++;
		}
	}
	for (size_t k = 0; k < n; k++) {
		double len =
		    k + 1 < n ? 60000 : duration_s * 1000 - 60000.0 * k;
		/* A last minute of a few seconds would be a few beats. */
		bool ok = cnt[k] && len >= 60 * MINUTE_MIN_COVER &&
			  sum[k] >= MINUTE_MIN_COVER * len;
		m->hr[k] = ok ? 60000 * (double)cnt[k] / sum[k] : NAN;
		m->rmssd[k] = ok && nd[k] >= MINUTE_MIN_DIFFS
				  ? sqrt(sq[k] / (double)nd[k])
				  : NAN;
	}
	free(sum);
	free(sq);
	free(cnt);
	free(nd);
	return 0;
}

static void minutes_free(struct minutes *m)
{
	free(m->hr);
	free(m->rmssd);
	memset(m, 0, sizeof(*m));
}

/* ---- SVG helpers ---------------------------------------------------- */

/* The plot area inside a viewBox VB_W wide. */
#define VB_W 480.0
#define PL 46.0 /* left margin: y labels */
#define PR 12.0
#define PT 22.0 /* top: the chart's title */
#define PB 30.0 /* bottom: x labels */

struct axis {
	double lo, hi; /* data range */
	double p0, p1; /* pixels for lo and hi */
};

static double ax(const struct axis *a, double v)
{
	return a->p0 + (v - a->lo) / (a->hi - a->lo) * (a->p1 - a->p0);
}

/* A "nice" tick step (1, 2 or 5 times a power of ten) for ~@want ticks. */
static double nice_step(double range, int want)
{
	if (!(range > 0) || !isfinite(range))
		return 1;
	double raw = range / want;
	double p = pow(10, floor(log10(raw)));
	double f = raw / p;

	return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
}

/* Widens [*lo, *hi] to whole steps; a flat range gets some room. */
static double nice_range(double *lo, double *hi, int want)
{
	if (!isfinite(*lo) || !isfinite(*hi)) {
		*lo = 0;
		*hi = 1;
	}
	if (*hi - *lo < 1e-9) {
		double pad = fabs(*lo) > 1 ? fabs(*lo) * 0.05 : 1;
		*lo -= pad;
		*hi += pad;
	}
	double step = nice_step(*hi - *lo, want);
	*lo = floor(*lo / step) * step;
	*hi = ceil(*hi / step) * step;
	return step;
}

static int decimals(double step)
{
	int d = 0;

	while (d < 4 && fabs(step * pow(10, d) - round(step * pow(10, d))) >
			    1e-6 * pow(10, d))
		d++;
	return d;
}

static void y_grid(struct hb *b, const struct axis *y, double step, double x0,
		   double x1)
{
	int d = decimals(step);

	for (double v = y->lo; v <= y->hi + step * 1e-6; v += step) {
		double py = ax(y, v);
		hf(b,
		   "<line class=\"g\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		   "y2=\"%.1f\"/><text class=\"yl\" x=\"%.1f\" "
		   "y=\"%.1f\">%.*f</text>",
		   x0, py, x1, py, x0 - 4, py + 4, d, v);
	}
}

static void x_grid(struct hb *b, const struct axis *x, double step, double y0,
		   double y1, double scale, const char *unit)
{
	int d = decimals(step * scale);

	for (double v = x->lo; v <= x->hi + step * 1e-6; v += step) {
		double px = ax(x, v);
		hf(b,
		   "<line class=\"g\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		   "y2=\"%.1f\"/><text class=\"xl\" x=\"%.1f\" "
		   "y=\"%.1f\">%.*f</text>",
		   px, y0, px, y1, px, y1 + 14, d, v * scale);
	}
	hf(b, "<text class=\"xu\" x=\"%.1f\" y=\"%.1f\">%s</text>", x->p1,
	   y1 + 27, unit);
}

/* ---- sections -------------------------------------------------------- */

static const char css[] =
    "*{box-sizing:border-box}"
    "body{margin:0;background:#f4f5f7;color:#1d1f23;"
    "font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}"
    "main{max-width:860px;margin:0 auto;padding:10px}"
    "header h1{font-size:1.35rem;margin:8px 0 2px}"
    "header p{margin:2px 0;color:#4b5059}"
    "section{background:#fff;border:1px solid #d9dce1;border-radius:10px;"
    "padding:12px 14px;margin:12px 0}"
    "h2{font-size:1.1rem;margin:0 0 8px}"
    "p{margin:6px 0}"
    ".tw{overflow-x:auto}"
    "table{border-collapse:collapse;width:100%;"
    "font-variant-numeric:tabular-nums}"
    "th,td{padding:4px 6px;border-bottom:1px solid #eceef1;"
    "text-align:right;white-space:nowrap}"
    "th:first-child,td:first-child{text-align:left;white-space:normal}"
    "th{font-weight:600;color:#4b5059;white-space:normal;"
    "vertical-align:bottom}"
    "svg{display:block;width:100%;max-width:640px;height:auto;"
    "margin:6px 0}"
    "svg text{font:12px system-ui,sans-serif;fill:#4b5059}"
    "svg .yl{text-anchor:end}svg .xl{text-anchor:middle}"
    "svg .xu{text-anchor:end}"
    "svg .g{stroke:#e3e6ea;stroke-width:1}"
    ".verdict{border-left:8px solid #8a8f98}"
    ".verdict p.big{font-size:1.2rem;font-weight:600}"
    ".v-shift_to_rest{border-left-color:#1f9d6b}"
    ".v-shift_to_arousal{border-left-color:#d2543a}"
    ".v-no_clear_change{border-left-color:#6b7380}"
    ".v-insufficient_data{border-left-color:#c99a16}"
    ".note{font-size:.88rem;color:#4b5059}"
    ".warn{color:#a33b22;font-weight:600}"
    ".key span{display:inline-block;margin-right:12px;font-size:.88rem}"
    ".sw{display:inline-block;width:12px;height:12px;border-radius:2px;"
    "vertical-align:-1px;margin-right:4px}"
    "ol.marks{margin:4px 0;padding-left:1.6em}"
    "code{font-size:.9em}"
    /* Text from a strap or a user can be one long word: let it wrap. */
    "p,li,.kv td+td{overflow-wrap:anywhere}"
    ".kv td{text-align:left;white-space:normal}"
    "@media (max-width:520px){body{font-size:15px}main{padding:6px}"
    "section{padding:10px 8px}th,td{padding:3px 4px}}";

static void head(struct hb *b, const struct vg_report *r)
{
	const struct vg_session *s = r->session;

	hs(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, "
	      "initial-scale=1\">\n"
	      /* Nothing to load, nothing to run: say so to the browser. */
	      "<meta http-equiv=\"Content-Security-Policy\" "
	      "content=\"default-src 'none'; style-src 'unsafe-inline'; "
	      "img-src data:\">\n"
	      "<title>vagus ");
	if (nonempty(s->meta.id)) {
		hs(b, "session ");
		esc(b, s->meta.id);
	} else {
		hs(b, "recording");
	}
	hs(b, "</title>\n<style>");
	hs(b, css);
	hs(b, "</style>\n</head>\n<body>\n<main>\n");
}

static void header(struct hb *b, const struct vg_report *r)
{
	const struct vg_session *s = r->session;
	char dur[32];

	hs(b, "<header>\n<h1>");
	if (nonempty(s->meta.id)) {
		hs(b, "Session ");
		esc(b, s->meta.id);
	} else {
		hs(b, "Recording");
	}
	hs(b, "</h1>\n");
	if (nonempty(s->meta.tag)) {
		hs(b, "<p>Tag: <b id=\"tag\">");
		esc(b, s->meta.tag);
		hs(b, "</b></p>\n");
	}
	if (nonempty(s->meta.note)) {
		hs(b, "<p>Note: <span id=\"note\">");
		esc(b, s->meta.note);
		hs(b, "</span></p>\n");
	}
	mmss(dur, sizeof(dur), r->duration_s);
	hf(b, "<p>%zu beats over %s (%.1f s), %zu gap%s.", s->rr.n, dur,
	   isfinite(r->duration_s) ? r->duration_s : 0.0, s->ngaps,
	   s->ngaps == 1 ? "" : "s");
	if (!s->ended && s->records)
		hs(b, " The journal has no end record (still running, or "
		      "recovered after a crash).");
	hs(b, "</p>\n</header>\n");
}

static const char *verdict_title(enum vg_verdict v)
{
	switch (v) {
	case VG_VERDICT_SHIFT_TO_REST:
		return "Clear shift towards rest";
	case VG_VERDICT_SHIFT_TO_AROUSAL:
		return "Shift towards arousal";
	case VG_VERDICT_NO_CLEAR_CHANGE:
		return "No clear change";
	case VG_VERDICT_INSUFFICIENT_DATA:
		break;
	}
	return "Not enough clean data";
}

/* The verdict as the report computed it, with its sentence and reason. */
static void verdict(struct hb *b, const struct vg_report *r)
{
	const char *name = vg_verdict_name(r->verdict);

	hf(b,
	   "<section id=\"verdict\" class=\"verdict v-%s\">\n"
	   "<h2>Verdict</h2>\n<p class=\"big\">%s (<code>%s</code>)</p>\n"
	   "<p id=\"sentence\">",
	   name, verdict_title(r->verdict), name);
	esc(b, r->verdict_sentence);
	hs(b, "</p>\n");
	if (*r->verdict_reason) {
		hs(b, "<p class=\"note\">Why: ");
		esc(b, r->verdict_reason);
		hs(b, ".</p>\n");
	}
	hs(b, "</section>\n");
}

static void windows_line(struct hb *b, const struct vg_report *r)
{
	char t0[32], t1[32], t2[32], t3[32];

	if (r->win.ok) {
		mmss(t0, sizeof(t0), r->win.start[0]);
		mmss(t1, sizeof(t1), r->win.start[1]);
		mmss(t2, sizeof(t2), r->win.end[0]);
		mmss(t3, sizeof(t3), r->win.end[1]);
		hf(b,
		   "<p>Start window %s-%s, end window %s-%s (%.0f s each; "
		   "the first %.0f s skipped for settling).</p>\n",
		   t0, t1, t2, t3, r->win.window_s, r->win.settle_s);
	} else {
		hs(b, "<p>No windows: ");
		esc(b, r->win.reason);
		hs(b, ".</p>\n");
	}
}

/* A measure: window values, their difference, the fitted change, CI. */
static void change_row(struct hb *b, const char *label, const char *unit,
		       const struct vg_report_change *c, int prec)
{
	char s[32], e[32], d[32], f[32], lo[32], hi[32];

	num(s, sizeof(s), c->start, prec);
	num(e, sizeof(e), c->end, prec);
	snum(d, sizeof(d), c->delta, prec);
	snum(f, sizeof(f), c->estimate, prec);
	hf(b,
	   "<tr><td>%s <span class=\"note\">%s</span></td><td>%s</td>"
	   "<td>%s</td><td>%s</td><td><b>%s</b><br><span class=\"note\">",
	   label, unit, s, e, d, f);
	if (c->has_ci && isfinite(c->ci95[0]) && isfinite(c->ci95[1])) {
		snum(lo, sizeof(lo), c->ci95[0], prec);
		snum(hi, sizeof(hi), c->ci95[1], prec);
		hf(b, "%s to %s</span></td></tr>\n", lo, hi);
	} else {
		hs(b, "no interval</span></td></tr>\n");
	}
}

static void change_table(struct hb *b, const struct vg_report *r)
{
	hs(b, "<section id=\"change\">\n<h2>Start and end</h2>\n");
	windows_line(b, r);
	hs(b, "<div class=\"tw\"><table>\n<tr><th>Measure</th><th>Start</th>"
	      "<th>End</th><th>End &minus; start</th><th>Fitted "
	      "change, 95 % interval</th></tr>\n");
	change_row(b, "Heart rate", "bpm", &r->hr_bpm, 1);
	change_row(b, "RMSSD", "ms", &r->rmssd_ms, 1);
	change_row(b, "ln RMSSD", "ln ms", &r->ln_rmssd, 2);
	change_row(b, "HF power", "ms&sup2;", &r->hf_ms2, 0);
	change_row(b, "Breathing rate", "per min", &r->resp_rate_bpm, 1);
	hs(b, "</table></div>\n<p class=\"note\">Start and end are the "
	      "windows' own values; end &minus; start is their difference. "
	      "The fitted change is the rise of a line fitted through short "
	      "blocks over the whole course of the session, from the centre "
	      "of the start window to the centre of the end window, so it "
	      "need not equal end minus start; the 95 % interval is that of "
	      "the fitted change and allows for beat-to-beat dependence. "
	      "\"No interval\": the data gave no honest one.</p>\n"
	      "</section>\n");
}

/* Shading of the two windows and the gaps, behind a timeline. */
static void time_marks_back(struct hb *b, const struct vg_report *r,
			    const struct axis *x, double y0, double y1)
{
	const struct vg_session *s = r->session;

	if (r->win.ok) {
		hf(b,
		   "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		   "height=\"%.1f\" fill=\"#1f9d6b\" fill-opacity=\"0.14\"/>",
		   ax(x, r->win.start[0] / 60), y0,
		   ax(x, r->win.start[1] / 60) - ax(x, r->win.start[0] / 60),
		   y1 - y0);
		hf(b,
		   "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		   "height=\"%.1f\" fill=\"#2f6fd0\" fill-opacity=\"0.14\"/>",
		   ax(x, r->win.end[0] / 60), y0,
		   ax(x, r->win.end[1] / 60) - ax(x, r->win.end[0] / 60),
		   y1 - y0);
	}
	for (size_t i = 0; i < s->ngaps; i++) {
		double a = ax(x, (s->gaps[i].t_s - s->gaps[i].lost_s) / 60);
		double e = ax(x, s->gaps[i].t_s / 60);
		double w = e - a < 1.5 ? 1.5 : e - a;
		hf(b,
		   "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		   "height=\"%.1f\" fill=\"#d2543a\" fill-opacity=\"0.5\">"
		   "<title>gap: %.1f s lost</title></rect>",
		   e - w, y0, w, y1 - y0, s->gaps[i].lost_s);
	}
}

/* Marks in front: a dashed line and its number (the list has the text). */
static void time_marks_front(struct hb *b, const struct vg_report *r,
			     const struct axis *x, double y0, double y1)
{
	const struct vg_session *s = r->session;

	for (size_t i = 0; i < s->nmarks; i++) {
		double t = s->marks[i].t_s;
		if (!isfinite(t))
			continue;
		if (t < x->lo * 60)
			t = x->lo * 60;
		if (t > x->hi * 60)
			t = x->hi * 60;
		double px = ax(x, t / 60);
		hf(b, "<g><title>mark %zu: ", i + 1);
		esc(b, s->marks[i].text);
		hf(b,
		   "</title><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		   "y2=\"%.1f\" stroke=\"#7a3fb8\" stroke-width=\"1.5\" "
		   "stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%.1f\" "
		   "style=\"fill:#7a3fb8\">%zu</text></g>",
		   px, y0, px, y1, px + 3, y0 + 12, i + 1);
	}
}

static void polyline_minutes(struct hb *b, const double *v, size_t n,
			     const struct axis *x, const struct axis *y,
			     const char *color)
{
	bool open = false;

	hf(b,
	   "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
	   "stroke-linejoin=\"round\" d=\"",
	   color);
	for (size_t k = 0; k < n; k++) {
		if (!isfinite(v[k])) {
			open = false;
			continue;
		}
		double px = ax(x, (double)k + 0.5), py = ax(y, v[k]);
		bool alone = (k == 0 || !isfinite(v[k - 1])) &&
			     (k + 1 >= n || !isfinite(v[k + 1]));
		hf(b, "%s%.1f %.1f", open ? "L" : "M", px, py);
		/* A lone minute between gaps still shows, as a dot. */
		if (alone)
			hs(b, "h0.1");
		open = true;
	}
	hs(b, "\" stroke-linecap=\"round\"/>");
}

static void timeline_chart(struct hb *b, const struct vg_report *r,
			   const struct minutes *m, const double *v,
			   const char *id, const char *title, const char *unit,
			   const char *color)
{
	const double h = 170;
	double lo = INFINITY, hi = -INFINITY;
	struct axis x, y;

	for (size_t k = 0; k < m->n; k++) {
		if (!isfinite(v[k]))
			continue;
		lo = fmin(lo, v[k]);
		hi = fmax(hi, v[k]);
	}
	double ystep = nice_range(&lo, &hi, 4);
	double xlo = 0, xhi = m->n ? (double)m->n : 1;
	double xstep = nice_step(xhi - xlo, 6);
	if (xstep < 1)
		xstep = 1;

	x = (struct axis){xlo, xhi, PL, VB_W - PR};
	y = (struct axis){lo, hi, h - PB, PT};
	hf(b,
	   "<svg id=\"%s\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
	   "aria-label=\"%s per minute\">",
	   id, VB_W, h, title);
	time_marks_back(b, r, &x, PT, h - PB);
	y_grid(b, &y, ystep, PL, VB_W - PR);
	x_grid(b, &x, xstep, PT, h - PB, 1, "min");
	polyline_minutes(b, v, m->n, &x, &y, color);
	time_marks_front(b, r, &x, PT, h - PB);
	hf(b,
	   "<text x=\"%.1f\" y=\"14\" style=\"font-weight:600\">%s (%s)"
	   "</text>",
	   PL, title, unit);
	hs(b, "</svg>\n");
}

static void timeline(struct hb *b, const struct vg_report *r,
		     const struct minutes *m)
{
	const struct vg_session *s = r->session;
	char t[32];

	hs(b, "<section id=\"timeline\">\n<h2>Timeline</h2>\n");
	if (!m->n) {
		hs(b, "<p>No beats.</p>\n</section>\n");
		return;
	}
	hs(b, "<p class=\"key\"><span><i class=\"sw\" style=\"background:"
	      "#1f9d6b40\"></i>start window</span><span><i class=\"sw\" "
	      "style=\"background:#2f6fd040\"></i>end window</span><span>"
	      "<i class=\"sw\" style=\"background:#d2543a80\"></i>gap"
	      "</span><span><i class=\"sw\" style=\"background:#7a3fb8\">"
	      "</i>mark</span></p>\n");
	timeline_chart(b, r, m, m->hr, "hr-minute", "Heart rate", "bpm",
		       "#d2543a");
	timeline_chart(b, r, m, m->rmssd, "rmssd-minute", "RMSSD", "ms",
		       "#2f6fd0");
	hf(b,
	   "<p class=\"note\">Per minute of beat time, after artifact "
	   "correction; a minute less than %.0f %% covered by beats is left "
	   "out, and RMSSD needs %d differences in it.</p>\n",
	   100 * MINUTE_MIN_COVER, MINUTE_MIN_DIFFS);
	if (s->nmarks) {
		hs(b, "<ol class=\"marks\" id=\"marks\">\n");
		for (size_t i = 0; i < s->nmarks; i++) {
			mmss(t, sizeof(t), s->marks[i].t_s);
			hf(b, "<li>%s &mdash; ", t);
			esc(b, s->marks[i].text);
			hs(b, "</li>\n");
		}
		hs(b, "</ol>\n");
	}
	hs(b, "</section>\n");
}

/* The window a beat at @t_ms belongs to: 1 start, 2 end, 0 neither. */
static int window_of(const struct vg_report *r, double t_ms)
{
	if (!r->win.ok)
		return 0;
	if (t_ms >= r->win.start[0] * 1000 && t_ms < r->win.start[1] * 1000)
		return 1;
	if (t_ms >= r->win.end[0] * 1000 && t_ms < r->win.end[1] * 1000)
		return 2;
	return 0;
}

/* Points drawn at most; longer sessions are thinned evenly. */
#define POINCARE_MAX 4000

static void poincare(struct hb *b, const struct vg_report *r,
		     const struct vg_rr_series *s)
{
	const double size = 360;
	static const char *const color[3] = {"#9aa1ab", "#1f9d6b", "#2f6fd0"};
	double lo = INFINITY, hi = -INFINITY;
	size_t pairs = 0;

	hs(b, "<section id=\"poincare\">\n<h2>Poincar&eacute; plot</h2>\n");
	for (size_t i = 1; i < s->n; i++) {
		if (s->flags[i] & VG_RR_GAP_BEFORE)
			continue;
		pairs++;
		lo = fmin(lo, fmin(s->ms[i - 1], s->ms[i]));
		hi = fmax(hi, fmax(s->ms[i - 1], s->ms[i]));
	}
	if (!pairs) {
		hs(b, "<p>Too few beats.</p>\n</section>\n");
		return;
	}
	double step = nice_range(&lo, &hi, 5);
	struct axis x = {lo, hi, PL, PL + size - PB - PT};
	struct axis y = {lo, hi, size - PB, PT};
	double w = PL + size - PB - PT + PR;
	size_t every = pairs > POINCARE_MAX
			   ? (pairs + POINCARE_MAX - 1) / POINCARE_MAX
			   : 1;

	hf(b,
	   "<svg id=\"poincare-plot\" viewBox=\"0 0 %.0f %.0f\" "
	   "style=\"max-width:420px\" role=\"img\" aria-label=\"Poincare "
	   "plot\">",
	   w, size);
	y_grid(b, &y, step, x.p0, x.p1);
	x_grid(b, &x, step, y.p1, y.p0, 1, "RR n, ms");
	hf(b,
	   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
	   "stroke=\"#8a8f98\" stroke-dasharray=\"3 3\"/>",
	   x.p0, y.p0, x.p1, y.p1);
	/* One path per colour: dots as zero-length round-capped strokes. */
	for (int c = 0; c < 3; c++) {
		size_t seen = 0;
		hf(b,
		   "<path fill=\"none\" stroke=\"%s\" stroke-width=\"3\" "
		   "stroke-linecap=\"round\" stroke-opacity=\"0.6\" d=\"",
		   color[c]);
		for (size_t i = 1; i < s->n; i++) {
			if (s->flags[i] & VG_RR_GAP_BEFORE)
				continue;
			if (seen++ % every)
				continue;
			if (window_of(r, s->t_ms[i]) != c)
				continue;
			hf(b, "M%.1f %.1fh0", ax(&x, s->ms[i - 1]),
			   ax(&y, s->ms[i]));
		}
		hs(b, "\"/>");
	}
	/* The SD1/SD2 ellipse of the whole session around its mean. */
	double m = r->whole.time.mean_rr_ms, sd1 = r->whole.poincare.sd1_ms,
	       sd2 = r->whole.poincare.sd2_ms;
	if (isfinite(m) && isfinite(sd1) && isfinite(sd2)) {
		hs(b, "<path fill=\"none\" stroke=\"#1d1f23\" "
		      "stroke-width=\"1.5\" d=\"");
		for (int k = 0; k <= 72; k++) {
			double a = 2 * M_PI * k / 72;
			double u = sd2 * cos(a), v = sd1 * sin(a);
			double px = m + (u - v) / sqrt(2);
			double py = m + (u + v) / sqrt(2);
			hf(b, "%s%.1f %.1f", k ? "L" : "M", ax(&x, px),
			   ax(&y, py));
		}
		hs(b, "\"/>");
	}
	hf(b,
	   "<text x=\"%.1f\" y=\"14\" style=\"font-weight:600\">RR n+1, "
	   "ms</text>",
	   x.p0);
	hs(b, "</svg>\n");
	char a[32], c2[32];
	num(a, sizeof(a), sd1, 1);
	num(c2, sizeof(c2), sd2, 1);
	hf(b,
	   "<p class=\"key\"><span><i class=\"sw\" style=\"background:"
	   "#1f9d6b\"></i>start window</span><span><i class=\"sw\" "
	   "style=\"background:#2f6fd0\"></i>end window</span><span><i "
	   "class=\"sw\" style=\"background:#9aa1ab\"></i>rest</span></p>\n"
	   "<p>Whole session: SD1 <b>%s</b> ms, SD2 <b>%s</b> ms (the "
	   "ellipse; SD1 across the identity line is beat-to-beat "
	   "variation).",
	   a, c2);
	if (every > 1)
		hf(b, " Every %zu%s pair of %zu is drawn.", every,
		   every == 2	? "nd"
		   : every == 3 ? "rd"
				: "th",
		   pairs);
	hs(b, "</p>\n</section>\n");
}

struct spec {
	struct vg_hrv_spectrum sp;
	bool ok;
};

static void spec_path(struct hb *b, const struct spec *s, const struct axis *x,
		      const struct axis *y, const char *color, double width,
		      double opacity)
{
	if (!s->ok)
		return;
	hf(b,
	   "<path fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" "
	   "stroke-opacity=\"%.2f\" stroke-linejoin=\"round\" d=\"",
	   color, width, opacity);
	for (size_t k = 0; k < s->sp.nbins; k++) {
		double f = k * s->sp.df;
		if (f > x->hi + 1e-12)
			break;
		double v = s->sp.psd[k];
		if (!isfinite(v))
			v = 0;
		if (v > y->hi)
			v = y->hi;
		hf(b, "%s%.1f %.1f", k ? "L" : "M", ax(x, f), ax(y, v));
	}
	hs(b, "\"/>");
}

static void spectrum(struct hb *b, const struct vg_report *r,
		     const struct spec sp[3])
{
	static const struct {
		const char *name;
		double lo, hi;
		const char *fill;
	} band[3] = {{"VLF", 0, 0.04, "#c99a16"},
		     {"LF", 0.04, 0.15, "#7a3fb8"},
		     {"HF", 0.15, 0.40, "#1f9d6b"}};
	const double h = 220;
	double top = 0;

	hs(b, "<section id=\"spectrum\">\n<h2>RR spectrum</h2>\n");
	if (!sp[0].ok) {
		hs(b, "<p>Too few beats for a spectrum.</p>\n</section>\n");
		return;
	}
	for (int i = 0; i < 3; i++) {
		if (!sp[i].ok)
			continue;
		for (size_t k = 0; k < sp[i].sp.nbins; k++)
			if (k * sp[i].sp.df <= 0.5 && isfinite(sp[i].sp.psd[k]))
				top = fmax(top, sp[i].sp.psd[k]);
	}
	double lo = 0;
	double step = nice_range(&lo, &top, 4);
	struct axis x = {0, 0.5, PL + 10, VB_W - PR};
	struct axis y = {0, top, h - PB, PT};

	hf(b,
	   "<svg id=\"spectrum-plot\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
	   "aria-label=\"RR spectrum\">",
	   VB_W, h);
	for (int i = 0; i < 3; i++) {
		hf(b,
		   "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
		   "height=\"%.1f\" fill=\"%s\" fill-opacity=\"0.10\"/>"
		   "<text x=\"%.1f\" y=\"%.1f\" style=\"fill:%s\">%s</text>",
		   ax(&x, band[i].lo), PT,
		   ax(&x, band[i].hi) - ax(&x, band[i].lo), h - PB - PT,
		   band[i].fill, ax(&x, band[i].lo) + 2, PT + 12, band[i].fill,
		   band[i].name);
	}
	y_grid(b, &y, step, x.p0, x.p1);
	x_grid(b, &x, 0.1, PT, h - PB, 1, "Hz");
	/* The windows' single 300 s periodograms are noisy: drawn lighter. */
	spec_path(b, &sp[1], &x, &y, "#1f9d6b", 1.2, 0.55);
	spec_path(b, &sp[2], &x, &y, "#2f6fd0", 1.2, 0.55);
	spec_path(b, &sp[0], &x, &y, "#1d1f23", 2.2, 1);
	double rb = r->whole.freq.resp_rate_bpm;
	if (isfinite(rb)) {
		double px = ax(&x, rb / 60);
		hf(b,
		   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		   "stroke=\"#d2543a\" stroke-width=\"1.5\" "
		   "stroke-dasharray=\"5 3\"/><text x=\"%.1f\" y=\"%.1f\" "
		   "style=\"fill:#d2543a\">breathing %.1f/min</text>",
		   px, PT, px, h - PB, px + 4, PT + 30, rb);
	}
	hf(b,
	   "<text x=\"%.1f\" y=\"14\" style=\"font-weight:600\">"
	   "PSD (ms&sup2;/Hz)</text>",
	   x.p0);
	hs(b, "</svg>\n");

	char v[4][32];
	num(v[0], sizeof(v[0]), r->whole.freq.vlf_ms2, 0);
	num(v[1], sizeof(v[1]), r->whole.freq.lf_ms2, 0);
	num(v[2], sizeof(v[2]), r->whole.freq.hf_ms2, 0);
	num(v[3], sizeof(v[3]), r->whole.freq.lf_hf, 2);
	hs(b, "<p class=\"key\"><span><i class=\"sw\" style=\"background:"
	      "#1d1f23\"></i>whole session</span>");
	if (sp[1].ok)
		hs(b, "<span><i class=\"sw\" style=\"background:#1f9d6b\">"
		      "</i>start window</span>");
	if (sp[2].ok)
		hs(b, "<span><i class=\"sw\" style=\"background:#2f6fd0\">"
		      "</i>end window</span>");
	hs(b, "</p>\n");
	hf(b,
	   "<p>Whole session: VLF %s, LF %s, HF <b>%s</b> ms&sup2;, LF/HF "
	   "%s. The dashed line is the breathing rate from the respiratory "
	   "peak.</p>\n</section>\n",
	   v[0], v[1], v[2], v[3]);
}

static void pns(struct hb *b, const struct vg_report *r)
{
	const struct vg_hrv_result *res[3] = {&r->start, &r->end, &r->whole};
	static const char *const head_[3] = {"Start", "End", "Whole"};
	struct vg_pns p[3];
	int first = r->win.ok ? 0 : 2;
	char v[32], z[32];

	for (int i = first; i < 3; i++)
		vg_pns_index(res[i], &p[i]);
	hs(b, "<section id=\"pns\">\n<h2>PNS index (approximate)</h2>\n"
	      "<div class=\"tw\"><table>\n<tr><th></th>");
	for (int i = first; i < 3; i++)
		hf(b, "<th>%s</th>", head_[i]);
	hs(b, "</tr>\n<tr><td>Mean RR (ms)</td>");
	for (int i = first; i < 3; i++) {
		num(v, sizeof(v), res[i]->time.mean_rr_ms, 0);
		snum(z, sizeof(z), p[i].z_rr, 2);
		hf(b, "<td>%s <span class=\"note\">(%s)</span></td>", v, z);
	}
	hs(b, "</tr>\n<tr><td>RMSSD (ms)</td>");
	for (int i = first; i < 3; i++) {
		num(v, sizeof(v), res[i]->time.rmssd_ms, 1);
		snum(z, sizeof(z), p[i].z_rmssd, 2);
		hf(b, "<td>%s <span class=\"note\">(%s)</span></td>", v, z);
	}
	hs(b, "</tr>\n<tr><td>SD1 (%)</td>");
	for (int i = first; i < 3; i++) {
		num(v, sizeof(v), p[i].sd1_pct, 2);
		snum(z, sizeof(z), p[i].z_sd1, 2);
		hf(b, "<td>%s <span class=\"note\">(%s)</span></td>", v, z);
	}
	hs(b, "</tr>\n<tr><td><b>PNS index</b></td>");
	for (int i = first; i < 3; i++) {
		snum(v, sizeof(v), p[i].index, 2);
		hf(b, "<td><b>%s</b></td>", v);
	}
	hf(b,
	   "</tr>\n</table></div>\n<p class=\"note\">In brackets: z, "
	   "standard deviations from the norm. A Kubios-style "
	   "parasympathetic index, approximate: PNS = (z<sub>RR</sub> + "
	   "z<sub>RMSSD</sub> + z<sub>SD1</sub>) / 3, each z = (value "
	   "&minus; norm) / SD against population norms of healthy adults "
	   "at rest (Nunan et al. 2010): mean RR %.0f &plusmn; %.0f ms, "
	   "RMSSD %.0f &plusmn; %.0f ms, and SD1 in normalized units (100 "
	   "SD1 / mean RR) %.2f &plusmn; %.2f %%, derived from the RMSSD "
	   "norm (SD1 = RMSSD / &radic;2). Kubios HRV uses the same three "
	   "parameters but does not publish its weights or its SD1 norm, so "
	   "values here need not match Kubios's. 0 is the population "
	   "average, +1 one SD towards rest. It compares you with other "
	   "people, not with yourself: the change above is the measure of "
	   "this session.</p>\n</section>\n",
	   VG_PNS_RR_MEAN, VG_PNS_RR_SD, VG_PNS_RMSSD_MEAN, VG_PNS_RMSSD_SD,
	   VG_PNS_SD1N_MEAN, VG_PNS_SD1N_SD);
}

static void quality(struct hb *b, const struct vg_report *r)
{
	const struct vg_session *s = r->session;
	const struct vg_report_quality *q[3] = {&r->q_start, &r->q_end,
						&r->q_whole};
	int nq = r->win.ok ? 3 : 1;
	int first = r->win.ok ? 0 : 2;
	char v[32];

	hs(b, "<section id=\"quality\">\n<h2>Data quality</h2>\n"
	      "<div class=\"tw\"><table>\n<tr><th></th>");
	if (r->win.ok)
		hs(b, "<th>Start</th><th>End</th>");
	hs(b, "<th>Whole</th></tr>\n<tr><td>Beats</td>");
	for (int i = first; i < first + nq; i++)
		hf(b, "<td>%zu</td>", q[i]->beats);
	hs(b, "</tr>\n<tr><td>Coverage</td>");
	for (int i = first; i < first + nq; i++) {
		num(v, sizeof(v), 100 * q[i]->coverage, 1);
		hf(b, "<td>%s %%</td>", v);
	}
	hs(b, "</tr>\n<tr><td>Gaps</td>");
	for (int i = first; i < first + nq; i++)
		hf(b, "<td>%zu</td>", q[i]->gaps);
	hs(b, "</tr>\n<tr><td>Corrected beats</td>");
	for (int i = first; i < first + nq; i++) {
		num(v, sizeof(v), q[i]->corrected_pct, 1);
		hf(b, "<td>%s%s</td>", v,
		   isfinite(q[i]->corrected_pct) ? " %" : "");
	}
	hs(b, "</tr>\n<tr><td>Skin contact</td>");
	for (int i = first; i < first + nq; i++) {
		vg_report_contact_text(v, sizeof(v), q[i]);
		hf(b, "<td>%s</td>", v);
	}
	hs(b, "</tr>\n</table></div>\n");
	for (int i = first; i < first + nq; i++)
		if (isfinite(q[i]->corrected_pct) &&
		    q[i]->corrected_pct > VG_ARTIFACT_SUSPECT_PCT)
			hf(b,
			   "<p class=\"warn\">The %s has more than %.0f %% "
			   "corrected beats: its values are not "
			   "reliable.</p>\n",
			   i == 0   ? "start window"
			   : i == 1 ? "end window"
				    : "session",
			   VG_ARTIFACT_SUSPECT_PCT);
	if (s->bad_notifications || s->torn_bytes || s->seq_errors)
		hf(b,
		   "<p class=\"warn\">Journal: %zu undecodable notification%s, "
		   "%zu missing record%s, %zu byte%s unreadable at the "
		   "end.</p>\n",
		   s->bad_notifications, s->bad_notifications == 1 ? "" : "s",
		   s->seq_errors, s->seq_errors == 1 ? "" : "s", s->torn_bytes,
		   s->torn_bytes == 1 ? "" : "s");
	if (s->ngaps) {
		double lost = 0;
		for (size_t i = 0; i < s->ngaps; i++)
			lost += s->gaps[i].lost_s;
		hf(b,
		   "<p>%zu gap%s, %.1f s without beats in all; no beat-to-beat "
		   "difference is taken across a gap.</p>\n",
		   s->ngaps, s->ngaps == 1 ? "" : "s", lost);
	}
	hs(b, "</section>\n");
}

static void strap_row(struct hb *b, const char *label, const char *v)
{
	if (!nonempty(v))
		return;
	hf(b, "<tr><td>%s</td><td>", label);
	esc(b, v);
	hs(b, "</td></tr>\n");
}

static void strap(struct hb *b, const struct vg_report *r)
{
	const struct vg_session *s = r->session;

	hs(b, "<section id=\"strap\">\n<h2>Strap</h2>\n");
	if (!s->strap.present && !nonempty(s->meta.strap)) {
		hs(b, "<p>Not recorded (an RR file, not a journal).</p>\n"
		      "</section>\n");
		return;
	}
	hs(b, "<div class=\"tw\"><table class=\"kv\">\n");
	strap_row(b, "Model", s->strap.model);
	strap_row(b, "Manufacturer", s->strap.manufacturer);
	strap_row(b, "Firmware", s->strap.firmware);
	if (s->strap.battery_pct >= 0)
		hf(b,
		   "<tr><td>Battery</td><td id=\"battery\">%d %%</td></tr>\n",
		   s->strap.battery_pct);
	else
		hs(b, "<tr><td>Battery</td><td>unknown</td></tr>\n");
	strap_row(b, "Worn on", s->strap.body_location);
	strap_row(b, "Address", s->meta.strap);
	strap_row(b, "Started by", s->meta.started_by);
	strap_row(b, "vagus version", s->meta.version);
	hs(b, "</table></div>\n</section>\n");
}

static void whole_row(struct hb *b, const char *label, double v, int prec,
		      const char *unit)
{
	char s[32];

	num(s, sizeof(s), v, prec);
	hf(b, "<tr><td>%s</td><td>%s</td><td>%s</td></tr>\n", label, s, unit);
}

static void whole(struct hb *b, const struct vg_report *r)
{
	const struct vg_hrv_result *w = &r->whole;

	hs(b, "<section id=\"whole\">\n<h2>Whole session</h2>\n"
	      "<div class=\"tw\"><table>\n");
	whole_row(b, "Mean heart rate", w->time.mean_hr_bpm, 1, "bpm");
	whole_row(b, "Mean RR", w->time.mean_rr_ms, 1, "ms");
	whole_row(b, "SDNN", w->time.sdnn_ms, 1, "ms");
	whole_row(b, "RMSSD", w->time.rmssd_ms, 1, "ms");
	whole_row(b, "ln RMSSD", w->time.ln_rmssd, 2, "ln ms");
	whole_row(b, "pNN50", w->time.pnn50_pct, 1, "%");
	whole_row(b, "HF power", w->freq.hf_ms2, 0, "ms&sup2;");
	whole_row(b, "Breathing rate", w->freq.resp_rate_bpm, 1, "per min");
	whole_row(b, "DFA &alpha;1", w->dfa_alpha1, 2, "");
	hs(b, "</table></div>\n</section>\n");
}

static void methods(struct hb *b, const struct vg_report *r)
{
	const struct vg_change_result *c = &r->chg;

	hf(b,
	   "<section id=\"methods\">\n<h2>Methods and parameters</h2>\n"
	   "<p><b>Windows.</b> The first %.0f s are skipped (settling). The "
	   "session's end E is its length rounded down to whole seconds; "
	   "two windows of min(%.0f, floor((E &minus; %.0f) / 2)) s, never "
	   "under %.0f s: the start window right after the settling, the "
	   "end window ending at E. A beat interval belongs to the window "
	   "in which the beat that ends it falls; times are beat times "
	   "(sum of RR, gaps included). Each window is analysed on its own "
	   "beats.</p>\n"
	   "<p><b>Beats.</b> Artifact correction %s (Lipponen and "
	   "Tarvainen 2019). RMSSD over successive differences not across "
	   "a gap; ln RMSSD is its natural log.</p>\n"
	   "<p><b>Spectrum.</b> 4 Hz cubic-spline resampling, %s "
	   "detrending, Welch (Hann, 300 s segments, 50 %% overlap); "
	   "VLF 0&ndash;0.04, LF 0.04&ndash;0.15, HF 0.15&ndash;0.40 Hz; "
	   "breathing rate from the respiratory peak. HF needs 60 s, LF "
	   "120 s, VLF 250 s of beats.</p>\n"
	   "<p><b>Change.</b> ",
	   r->win.settle_s, VG_REPORT_WINDOW_MAX_S, r->win.settle_s,
	   VG_REPORT_WINDOW_MIN_S, r->opts.hrv.correct ? "on" : "off",
	   vg_detrend_name(r->opts.hrv.detrend));
	if (r->win.ok) {
		char v[4][32];

		esc(b, VG_CHANGE_METHOD);
		snum(v[0], sizeof(v[0]), c->t_ln, 2);
		snum(v[1], sizeof(v[1]), c->t_hr, 2);
		snum(v[2], sizeof(v[2]), c->z_joint, 2);
		num(v[3], sizeof(v[3]), c->crit, 2);
		hf(b,
		   " Here: t<sub>ln</sub> %s, t<sub>HR</sub> %s, z %s, "
		   "critical "
		   "value %s.",
		   v[0], v[1], v[2], v[3]);
	} else {
		hs(b, "Not computed: the session has no start and end "
		      "window.");
	}
	hs(b, "</p>\n<p class=\"note\">Made by vagus. This page loads nothing "
	      "and runs no script.</p>\n</section>\n");
}

/* ---- the page -------------------------------------------------------- */

static int spectra(const struct vg_report *r, const struct vg_rr_series *c,
		   struct spec sp[3])
{
	struct vg_rr_series cut = VG_RR_SERIES_INIT;
	int err = 0;

	memset(sp, 0, 3 * sizeof(*sp));
	err = vg_hrv_spectrum(c, &r->opts.hrv, &sp[0].sp);
	sp[0].ok = !err;
	if (err == -ENOMEM)
		return err;
	for (int i = 1; i < 3 && r->win.ok; i++) {
		const double *w = i == 1 ? r->win.start : r->win.end;
		err = vg_report_cut(c, w[0], w[1], &cut);
		if (!err)
			err = vg_hrv_spectrum(&cut, &r->opts.hrv, &sp[i].sp);
		sp[i].ok = !err;
		if (err == -ENOMEM)
			break;
		err = 0;
	}
	vg_rr_free(&cut);
	return err == -ENOMEM ? err : 0;
}

int vg_report_html(const struct vg_report *r, char **html, size_t *len)
{
	const struct vg_session *s = r->session;
	struct vg_rr_series corr = VG_RR_SERIES_INIT;
	const struct vg_rr_series *use = &s->rr;
	struct minutes m = {0};
	struct spec sp[3];
	struct hb b = {0};
	int err = 0;

	*html = NULL;
	*len = 0;
	memset(sp, 0, sizeof(sp));
	/* The plots show the beats the numbers were computed from. */
	if (r->opts.hrv.correct && s->rr.n) {
		struct vg_artifact_summary sum;
		err = vg_artifacts_correct(&s->rr, &corr, &sum, NULL);
		if (err == -ENOMEM)
			goto out;
		if (!err)
			use = &corr;
		err = 0;
	}
	err = minutes_build(use, r->duration_s, &m);
	if (!err)
		err = spectra(r, use, sp);
	if (err)
		goto out;

	head(&b, r);
	header(&b, r);
	verdict(&b, r);
	change_table(&b, r);
	timeline(&b, r, &m);
	poincare(&b, r, use);
	spectrum(&b, r, sp);
	pns(&b, r);
	quality(&b, r);
	strap(&b, r);
	whole(&b, r);
	methods(&b, r);
	hs(&b, "</main>\n</body>\n</html>\n");
	err = b.err;
out:
	for (int i = 0; i < 3; i++)
		if (sp[i].ok)
			vg_hrv_spectrum_free(&sp[i].sp);
	minutes_free(&m);
	vg_rr_free(&corr);
	if (err) {
		free(b.p);
		return err;
	}
	*html = b.p;
	*len = b.len;
	return 0;
}
