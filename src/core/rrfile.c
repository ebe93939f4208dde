/* SPDX-License-Identifier: MIT */
/*
 * RR interval files (the rules are in include/vagus/rrfile.h).
 *
 * One pass over the lines collects raw values (intervals, or beat times,
 * plus file times) into the output series; the units, beat times, zero
 * placeholders, bounds and gaps are settled afterwards on the numbers,
 * because each of those decisions needs the whole column. The first pass
 * remembers the first line that would break each bound in either unit, so
 * no per-value line table is needed to report it.
 */
#include "vagus/rrfile.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* A column is in seconds when most non-zero values are below this. */
#define SECONDS_BELOW 10.0
/* Beat-time lists: this many values at least, differences in this range. */
#define BEAT_TIMES_MIN 20
#define BEAT_MIN_MS 200.0
#define BEAT_MAX_MS 4000.0
/* Time steps within this of their interval count as beat times. */
#define BEAT_TIME_TOL_MS 20.0
/* Fields we look at in a row; a wider header is refused. */
#define MAX_FIELDS 64

enum delim { D_BLANK, D_COMMA, D_SEMI, D_TAB };

enum mode {
	M_START,  /* nothing meaningful seen yet */
	M_PLAIN,  /* headerless numbers, ncols columns */
	M_HEADER, /* CSV with a header */
	M_HRM,	  /* Polar .hrm */
};

struct field {
	const char *s, *e;
};

/* The first line breaking a bound, per unit, and the value as written. */
struct bound {
	size_t line;
	double v;
};

struct parser {
	const char *p, *end; /* unread input */
	size_t line;	     /* current line, 1-based */
	struct vg_rrfile_error *err;
	struct vg_rr_series *out;
	struct vg_rrfile_info info;

	enum mode mode;
	enum delim delim;
	size_t ncols;	     /* headerless: columns per row */
	size_t rr_col;	     /* 0-based */
	size_t time_col;     /* 0-based; SIZE_MAX for none */
	size_t header_line;  /* line of the header or [HRData] */
	size_t first_data;   /* line of the first data row */
	bool times_ok;	     /* every kept row has a finite time */
	bool hrm_data;	     /* inside [HRData] */
	bool hrm_params;     /* inside [Params] */
	double hrm_interval; /* [Params] Interval=, NAN if absent */
	size_t hrm_interval_line;

	size_t small, big; /* non-zero values below / above SECONDS_BELOW */
	struct bound over_ms, over_s; /* raw value > 30000 / > 30 */
	/* Beat-time candidates: rising values and their differences. */
	bool rising;
	size_t dsmall, dbig;
	struct bound dover_ms, dover_s;
	double prev;
};

static int fail(struct parser *ps, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(struct parser *ps, size_t line, const char *fmt, ...)
{
	va_list ap;

	if (ps->err) {
		ps->err->line = line;
		va_start(ap, fmt);
		vsnprintf(ps->err->msg, sizeof(ps->err->msg), fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

/* A printable, bounded copy of [s, e) for an error message. */
static const char *quote(char *dst, size_t cap, const char *s, const char *e)
{
	size_t n = 0, max = cap - 4;

	while (s < e && n < max) {
		unsigned char c = (unsigned char)*s++;
		dst[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (s < e) {
		memcpy(dst + n, "...", 3);
		n += 3;
	}
	dst[n] = '\0';
	return dst;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f';
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && is_blank(**s))
		(*s)++;
	while (*e > *s && is_blank((*e)[-1]))
		(*e)--;
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool equals_ci(const char *s, const char *e, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(e - s) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(s[i]) != word[i])
			return false;
	return true;
}

/* Values that stand for "nothing here" in the exports we know. */
static bool is_missing(const char *s, const char *e)
{
	if (s == e)
		return true;
	if (lower(*s) != 'n')
		return false;
	return equals_ci(s, e, "na") || equals_ci(s, e, "n/a") ||
	       equals_ci(s, e, "nan") || equals_ci(s, e, "null") ||
	       equals_ci(s, e, "none");
}

/*
 * A decimal number filling all of [s, e): sign, digits, optional fraction
 * and exponent. At most 19 significant digits are kept and the result is
 * scaled by an exact power of ten, so it is within an ulp or so of the
 * correctly rounded value: far below any timing resolution. Written here
 * because strtod follows the locale and wants a NUL-terminated string.
 */
static bool parse_number(const char *s, const char *e, double *out)
{
	static const double p10[] = {1e0,  1e1,	 1e2,  1e3,  1e4,  1e5,
				     1e6,  1e7,	 1e8,  1e9,  1e10, 1e11,
				     1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
				     1e18, 1e19, 1e20, 1e21, 1e22};
	bool neg = false, digits = false;
	uint64_t mant = 0;
	long exp10 = 0;

	if (s < e && (*s == '+' || *s == '-'))
		neg = *s++ == '-';
	for (; s < e && *s >= '0' && *s <= '9'; s++) {
		digits = true;
		if (mant < UINT64_C(1000000000000000000))
			mant = mant * 10 + (uint64_t)(*s - '0');
		else
			exp10++;
	}
	if (s < e && *s == '.') {
		for (s++; s < e && *s >= '0' && *s <= '9'; s++) {
			digits = true;
			if (mant < UINT64_C(1000000000000000000)) {
				mant = mant * 10 + (uint64_t)(*s - '0');
				exp10--;
			}
		}
	}
	if (!digits)
		return false;
	if (s < e && (*s == 'e' || *s == 'E')) {
		bool eneg = false, edigits = false;
		long x = 0;

		s++;
		if (s < e && (*s == '+' || *s == '-'))
			eneg = *s++ == '-';
		for (; s < e && *s >= '0' && *s <= '9'; s++) {
			edigits = true;
			if (x < 100000)
				x = x * 10 + (*s - '0');
		}
		if (!edigits)
			return false;
		exp10 += eneg ? -x : x;
	}
	if (s != e)
		return false;

	double v = (double)mant;
	if (mant == 0) {
		v = 0;
	} else if (exp10 >= 0 && exp10 <= 22) {
		v *= p10[exp10];
	} else if (exp10 < 0 && exp10 >= -22) {
		v /= p10[-exp10];
	} else {
		/* Beyond any interval or time: only needs to be finite-or-not. */
		while (exp10 > 22 && isfinite(v)) {
			v *= 1e22;
			exp10 -= 22;
		}
		while (exp10 < -22 && v != 0) {
			v /= 1e22;
			exp10 += 22;
		}
		if (exp10 > 0)
			v *= p10[exp10 > 22 ? 22 : exp10];
		else if (exp10 < 0)
			v /= p10[-exp10 > 22 ? 22 : -exp10];
	}
	*out = neg ? -v : v;
	return true;
}

/* Removes one pair of double quotes around a field, and the blanks. */
static void unquote(const char **s, const char **e)
{
	trim(s, e);
	if (*e - *s >= 2 && **s == '"' && (*e)[-1] == '"') {
		(*s)++;
		(*e)--;
		trim(s, e);
	}
}

static enum delim pick_delim(const char *s, const char *e)
{
	size_t n = (size_t)(e - s);

	if (memchr(s, ',', n))
		return D_COMMA;
	if (memchr(s, ';', n))
		return D_SEMI;
	if (memchr(s, '\t', n))
		return D_TAB;
	return D_BLANK;
}

/*
 * Splits the trimmed line [s, e) into fields, storing the first @max.
 * Returns the number of fields in the line (which may exceed @max).
 */
static size_t split(const char *s, const char *e, enum delim d, struct field *f,
		    size_t max)
{
	size_t n = 0;

	if (d == D_BLANK) {
		while (s < e) {
			const char *b = s;
			while (s < e && !is_blank(*s))
				s++;
			if (n < max) {
				f[n].s = b;
				f[n].e = s;
			}
			n++;
			while (s < e && is_blank(*s))
				s++;
		}
		return n;
	}
	char sep = d == D_COMMA ? ',' : d == D_SEMI ? ';' : '\t';
	for (;;) {
		const char *b = s;
		const char *x = memchr(s, sep, (size_t)(e - s));
		const char *fe = x ? x : e;
		if (n < max) {
			f[n].s = b;
			f[n].e = fe;
			unquote(&f[n].s, &f[n].e);
		}
		n++;
		if (!x)
			return n;
		s = x + 1;
	}
}

/*
 * The next line as [*s, *e) without its terminator (LF, CRLF or CR).
 * Refuses control bytes, which no text export contains.
 */
static int next_line(struct parser *ps, const char **s, const char **e)
{
	const char *p = ps->p;

	*s = p;
	for (; p < ps->end; p++) {
		unsigned char c = (unsigned char)*p;
		if (c >= 0x20 && c != 0x7f)
			continue;
		if (c == '\n' || c == '\r')
			break;
		if (c == '\t' || c == '\v' || c == '\f')
			continue;
		return fail(ps, ps->line, "binary data (byte 0x%02x), not text",
			    c);
	}
	*e = p;
	if (p < ps->end) {
		if (*p == '\r' && p + 1 < ps->end && p[1] == '\n')
			p++;
		p++;
	}
	ps->p = p;
	return 0;
}

/* Header names: lower-case letters and digits only ("RR (ms)" -> "rrms"). */
static size_t norm_name(const char *s, const char *e, char *dst, size_t cap)
{
	size_t n = 0;

	for (; s < e && n + 1 < cap; s++) {
		char c = lower(*s);
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			dst[n++] = c;
	}
	dst[n] = '\0';
	return n;
}

/* @name is one of @bases, alone or followed by a unit (rr_ms, time_s). */
static bool name_is(const char *name, const char *const *bases)
{
	static const char *const units[] = {"",	   "ms", "msec", "s",
					    "sec", "us", "ns"};

	for (; *bases; bases++) {
		size_t n = strlen(*bases);
		if (strncmp(name, *bases, n))
			continue;
		for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++)
			if (!strcmp(name + n, units[u]))
				return true;
	}
	return false;
}

/*
 * Exact names only: "NNmean" or "rr_raw_1024" in a table of results is not
 * a column of intervals.
 */
static bool is_rr_name(const char *n)
{
	static const char *const bases[] = {"rr",	  "rri",
					    "rrinterval", "rrintervals",
					    "nn",	  "nni",
					    "nninterval", "nnintervals",
					    "ibi",	  "interbeatinterval",
					    NULL};

	return name_is(n, bases);
}

static bool is_time_name(const char *n)
{
	static const char *const bases[] = {
	    "time", "times", "timestamp", "elapsed", "elapsedtime", "t", NULL};

	return name_is(n, bases);
}

/* Takes the header line: finds the RR and time columns. */
static int take_header(struct parser *ps, const char *s, const char *e,
		       struct field *f, size_t nf)
{
	char name[64], q[40];
	size_t col = 0;

	if (nf > MAX_FIELDS)
		return fail(ps, ps->line, "header has %zu columns, at most %d",
			    nf, MAX_FIELDS);
	ps->rr_col = SIZE_MAX;
	ps->time_col = SIZE_MAX;
	for (size_t i = 0; i < nf; i++) {
		/* "Time (s)  RR (ms)" split at blanks: units are no columns. */
		if (ps->delim == D_BLANK && f[i].s < f[i].e &&
		    (*f[i].s == '(' || *f[i].s == '['))
			continue;
		norm_name(f[i].s, f[i].e, name, sizeof(name));
		if (ps->rr_col == SIZE_MAX && is_rr_name(name))
			ps->rr_col = col;
		else if (ps->time_col == SIZE_MAX && is_time_name(name))
			ps->time_col = col;
		col++;
	}
	if (ps->rr_col == SIZE_MAX) {
		if (nf == 1)
			return fail(ps, ps->line, "not a number: '%s'",
				    quote(q, sizeof(q), s, e));
		return fail(ps, ps->line,
			    "no RR column in the header '%s' (want rr, nn or "
			    "ibi)",
			    quote(q, sizeof(q), s, e));
	}
	ps->mode = M_HEADER;
	ps->header_line = ps->line;
	ps->info.format = VG_RRFILE_CSV;
	ps->info.rr_column = ps->rr_col + 1;
	ps->info.time_column = ps->time_col == SIZE_MAX ? 0 : ps->time_col + 1;
	return 0;
}

/* Keeps one raw interval (or beat time) @v of line ps->line, time @t. */
static int keep(struct parser *ps, double v, double t)
{
	char q[40];

	if (!isfinite(v))
		return fail(ps, ps->line, "absurd interval %s",
			    v > 0 ? "(too large)" : "(too small)");
	if (v < 0) {
		snprintf(q, sizeof(q), "%.10g", v);
		return fail(ps, ps->line, "negative interval %s", q);
	}
	if (v > 0) {
		if (v < SECONDS_BELOW)
			ps->small++;
		else
			ps->big++;
	}
	if (v > VG_RRFILE_MAX_MS && !ps->over_ms.line)
		ps->over_ms = (struct bound){ps->line, v};
	if (v > VG_RRFILE_MAX_MS / 1000 && !ps->over_s.line)
		ps->over_s = (struct bound){ps->line, v};
	if (ps->out->n) {
		double d = v - ps->prev;
		if (!(d > 0))
			ps->rising = false;
		if (ps->rising) {
			if (d < SECONDS_BELOW)
				ps->dsmall++;
			else
				ps->dbig++;
			if (d > VG_RRFILE_MAX_MS && !ps->dover_ms.line)
				ps->dover_ms = (struct bound){ps->line, d};
			if (d > VG_RRFILE_MAX_MS / 1000 && !ps->dover_s.line)
				ps->dover_s = (struct bound){ps->line, d};
		}
	} else if (!ps->first_data) {
		ps->first_data = ps->line;
	}
	ps->prev = v;
	ps->info.rows++;
	return vg_rr_push(ps->out, v, t, 0);
}

/* One row of numbers: the RR field and the time field (or NULL). */
static int take_row(struct parser *ps, const struct field *rr,
		    const struct field *tf)
{
	char q[40];
	double v, t = 0;

	if (is_missing(rr->s, rr->e)) {
		ps->info.skipped_missing++;
		if (!ps->first_data)
			ps->first_data = ps->line;
		return 0;
	}
	if (!parse_number(rr->s, rr->e, &v))
		return fail(ps, ps->line, "not a number: '%s'",
			    quote(q, sizeof(q), rr->s, rr->e));
	if (tf) {
		if (is_missing(tf->s, tf->e) ||
		    !parse_number(tf->s, tf->e, &t) || !isfinite(t))
			ps->times_ok = false;
	}
	return keep(ps, v, t);
}

static int hrm_line(struct parser *ps, const char *s, const char *e)
{
	char q[40];

	if (*s == '[') {
		const char *x = memchr(s, ']', (size_t)(e - s));
		const char *ne = x ? x : e;
		ps->hrm_params = equals_ci(s + 1, ne, "params");
		ps->hrm_data = equals_ci(s + 1, ne, "hrdata");
		if (!ps->hrm_data)
			return 0;
		if (ps->header_line)
			return fail(ps, ps->line, "second [HRData] section");
		ps->header_line = ps->line;
		if (isnan(ps->hrm_interval))
			return fail(ps, ps->line,
				    "Polar HRM file without Interval= in "
				    "[Params]");
		/* 238: R-R recording; 204: intermittent R-R (S810 and on). */
		if (ps->hrm_interval != 238 && ps->hrm_interval != 204)
			return fail(ps, ps->hrm_interval_line,
				    "Polar HRM file of heart-rate samples "
				    "(Interval=%g), not RR intervals",
				    ps->hrm_interval);
		return 0;
	}
	if (ps->hrm_params) {
		const char *eq = memchr(s, '=', (size_t)(e - s));
		if (eq) {
			const char *ks = s, *ke = eq, *vs = eq + 1, *ve = e;
			trim(&ks, &ke);
			trim(&vs, &ve);
			if (equals_ci(ks, ke, "interval")) {
				double v;
				if (!parse_number(vs, ve, &v))
					return fail(
					    ps, ps->line, "bad Interval: '%s'",
					    quote(q, sizeof(q), vs, ve));
				ps->hrm_interval = v;
				ps->hrm_interval_line = ps->line;
			}
		}
		return 0;
	}
	if (!ps->hrm_data)
		return 0;
	struct field f;
	split(s, e, D_TAB, &f, 1);
	/* Some writers use blanks: the first blank-separated word. */
	const char *b = f.s;
	while (b < f.e && !is_blank(*b))
		b++;
	f.e = b;
	return take_row(ps, &f, NULL);
}

/* Everything after the first meaningful line of a headerless table. */
static int plain_line(struct parser *ps, const char *s, const char *e)
{
	struct field f[3];
	size_t n = split(s, e, ps->delim, f, 3);

	if (n != ps->ncols) {
		if (ps->ncols == 1)
			return fail(ps, ps->line,
				    "%zu values on a line of a one-column "
				    "list",
				    n);
		return fail(ps, ps->line, "expected %zu columns, found %zu",
			    ps->ncols, n);
	}
	if (n == 1)
		return take_row(ps, &f[0], NULL);
	return take_row(ps, &f[1], &f[0]);
}

static int header_row(struct parser *ps, const char *s, const char *e)
{
	struct field f[MAX_FIELDS];
	size_t need = ps->rr_col + 1;

	if (ps->time_col != SIZE_MAX && ps->time_col + 1 > need)
		need = ps->time_col + 1;
	size_t n = split(s, e, ps->delim, f, need);
	if (n <= ps->rr_col)
		return fail(ps, ps->line,
			    "%zu fields, but the RR column is field %zu", n,
			    ps->rr_col + 1);
	const struct field *tf = NULL;
	if (ps->time_col != SIZE_MAX) {
		if (n > ps->time_col)
			tf = &f[ps->time_col];
		else
			ps->times_ok = false;
	}
	return take_row(ps, &f[ps->rr_col], tf);
}

/* The first meaningful line decides the layout. */
static int first_line(struct parser *ps, const char *s, const char *e)
{
	struct field f[MAX_FIELDS];
	double v;

	if (*s == '[') {
		ps->mode = M_HRM;
		ps->info.format = VG_RRFILE_HRM;
		ps->info.rr_column = 1;
		return hrm_line(ps, s, e);
	}
	ps->delim = pick_delim(s, e);
	size_t n = split(s, e, ps->delim, f, MAX_FIELDS);
	size_t words = 0, numbers = 0;
	for (size_t i = 0; i < n && i < MAX_FIELDS; i++) {
		if (is_missing(f[i].s, f[i].e))
			continue;
		if (parse_number(f[i].s, f[i].e, &v))
			numbers++;
		else
			words++;
	}
	if (words && !numbers)
		return take_header(ps, s, e, f, n);
	if (n > 2)
		return fail(ps, ps->line,
			    "%zu columns and no header naming the RR column",
			    n);
	ps->mode = M_PLAIN;
	ps->ncols = n;
	if (n == 2) {
		ps->info.format = VG_RRFILE_TIME_RR;
		ps->info.rr_column = 2;
		ps->info.time_column = 1;
		ps->time_col = 0;
	}
	return plain_line(ps, s, e);
}

/* Moves row i to row j (j <= i) while dropping zero placeholders. */
static void drop_zeros(struct parser *ps)
{
	struct vg_rr_series *o = ps->out;
	size_t j = 0;

	for (size_t i = 0; i < o->n; i++) {
		if (o->ms[i] == 0) {
			ps->info.skipped_zero++;
			continue;
		}
		o->ms[j] = o->ms[i];
		o->t_ms[j] = o->t_ms[i];
		j++;
	}
	o->n = j;
}

static void cumulative(struct vg_rr_series *o)
{
	double t = 0;

	for (size_t i = 0; i < o->n; i++) {
		t += o->ms[i];
		o->t_ms[i] = t;
		o->flags[i] = 0;
	}
}

/*
 * A single rising column whose differences look like heartbeats is a list
 * of beat times: turns it into intervals. Returns true if it did.
 */
static bool beat_times(struct parser *ps, int *rc)
{
	struct vg_rr_series *o = ps->out;
	size_t n = o->n;

	*rc = 0;
	if (ps->info.format != VG_RRFILE_LIST || n < BEAT_TIMES_MIN ||
	    !ps->rising)
		return false;
	bool secs = ps->dsmall > ps->dbig;
	double k = secs ? 1000.0 : 1.0;
	size_t heartlike = 0;
	for (size_t i = 1; i < n; i++) {
		double d = (o->ms[i] - o->ms[i - 1]) * k;
		if (d >= BEAT_MIN_MS && d <= BEAT_MAX_MS)
			heartlike++;
	}
	if (heartlike * 2 < n - 1)
		return false;
	const struct bound *b = secs ? &ps->dover_s : &ps->dover_ms;
	if (b->line) {
		*rc =
		    fail(ps, b->line,
			 "beat %.10g %s after the one before: absurd interval "
			 "(above %g s)",
			 b->v, secs ? "s" : "ms", VG_RRFILE_MAX_MS / 1000);
		return true;
	}
	double t0 = o->ms[0];
	for (size_t i = 1; i < n; i++) {
		o->t_ms[i - 1] = (o->ms[i] - t0) * k;
		o->flags[i - 1] = 0;
	}
	/* Differences from the stored times, so t_ms and ms agree exactly. */
	double prev = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		o->ms[i] = o->t_ms[i] - prev;
		prev = o->t_ms[i];
	}
	o->n = n - 1;
	ps->info.format = VG_RRFILE_BEAT_TIMES;
	ps->info.seconds = secs;
	return true;
}

/*
 * Beat times from the file's time column (see the header for the rule).
 * On entry t_ms holds the raw times of the kept rows; ms is in ms.
 */
static void use_times(struct parser *ps)
{
	static const double units[] = {1e-6, 1e-3, 1.0, 1000.0};
	struct vg_rr_series *o = ps->out;
	size_t n = o->n;
	double sum = 0, f = 0;

	if (!ps->times_ok || n < 2) {
		cumulative(o);
		return;
	}
	double t0 = o->t_ms[0];
	double span = o->t_ms[n - 1] - t0;
	for (size_t i = 1; i < n; i++)
		sum += o->ms[i];
	for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		if (span * units[u] >= 0.5 * sum) {
			f = units[u];
			break;
		}
	}
	if (!(span > 0) || !(sum > 0) || f == 0) {
		cumulative(o);
		return;
	}
	/*
	 * Beat times advance by exactly their interval, or by more across a
	 * gap; arrival times also come in bursts, sooner than the interval.
	 */
	size_t match = 0, early = 0;
	for (size_t i = 1; i < n; i++) {
		double dt = (o->t_ms[i] - o->t_ms[i - 1]) * f;
		if (fabs(dt - o->ms[i]) <= BEAT_TIME_TOL_MS)
			match++;
		else if (dt < o->ms[i])
			early++;
	}
	bool beat = !early && match * 2 > n - 1;
	double thr = beat ? VG_RRFILE_GAP_BEAT_MS : VG_RRFILE_GAP_ARRIVAL_MS;

	ps->info.times = beat ? VG_RRFILE_TIMES_BEAT : VG_RRFILE_TIMES_ARRIVAL;
	ps->info.time_unit_ms = f;
	/*
	 * off = file clock - beat clock. Arrival times run late by a varying
	 * latency, never early, so the lowest offset since the last gap is
	 * the on-time reference; time beyond it that no interval explains is
	 * a gap once it exceeds the threshold.
	 */
	double t = o->ms[0];
	double low = -t;
	o->t_ms[0] = t;
	o->flags[0] = 0;
	for (size_t i = 1; i < n; i++) {
		double ft = (o->t_ms[i] - t0) * f;
		t += o->ms[i];
		double off = ft - t;
		o->flags[i] = 0;
		if (off - low > thr) {
			o->flags[i] = VG_RR_GAP_BEFORE;
			ps->info.gaps++;
			ps->info.gap_ms += off - low;
			t += off - low;
		} else if (off < low) {
			low = off;
		}
		o->t_ms[i] = t;
	}
}

int vg_rrfile_parse_info(const char *buf, size_t len, struct vg_rr_series *out,
			 struct vg_rrfile_info *info,
			 struct vg_rrfile_error *err)
{
	struct parser ps;
	const char *s, *e;
	int rc;

	memset(&ps, 0, sizeof(ps));
	ps.p = buf;
	ps.end = buf + len;
	ps.err = err;
	ps.out = out;
	ps.time_col = SIZE_MAX;
	ps.times_ok = true;
	ps.rising = true;
	ps.hrm_interval = NAN;
	ps.info.time_unit_ms = 0;
	if (err) {
		err->line = 0;
		err->msg[0] = '\0';
	}
	vg_rr_clear(out);

	if (len == 0)
		return fail(&ps, 1, "empty file");
	/* UTF-8 byte order mark, as Windows editors write it. */
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		ps.p += 3;

	while (ps.p < ps.end) {
		ps.line++;
		rc = next_line(&ps, &s, &e);
		if (rc)
			goto fail;
		const char *hash = memchr(s, '#', (size_t)(e - s));
		if (hash)
			e = hash;
		trim(&s, &e);
		if (s == e)
			continue;
		switch (ps.mode) {
		case M_START:
			rc = first_line(&ps, s, e);
			break;
		case M_PLAIN:
			rc = plain_line(&ps, s, e);
			break;
		case M_HEADER:
			rc = header_row(&ps, s, e);
			break;
		case M_HRM:
			rc = hrm_line(&ps, s, e);
			break;
		}
		if (rc)
			goto fail;
	}

	switch (ps.mode) {
	case M_START:
		rc = fail(&ps, 1,
			  "no RR intervals: only blank lines and "
			  "comments");
		goto fail;
	case M_HRM:
		if (!ps.header_line) {
			rc = fail(&ps, 1,
				  "Polar HRM file without an [HRData] "
				  "section");
			goto fail;
		}
		if (!ps.first_data) {
			rc =
			    fail(&ps, ps.header_line, "empty [HRData] section");
			goto fail;
		}
		break;
	case M_HEADER:
		if (!ps.first_data) {
			rc = fail(&ps, ps.header_line,
				  "no RR intervals after the header");
			goto fail;
		}
		break;
	case M_PLAIN:
		break;
	}

	if (!beat_times(&ps, &rc)) {
		ps.info.seconds = ps.small > ps.big;
		const struct bound *b =
		    ps.info.seconds ? &ps.over_s : &ps.over_ms;
		if (b->line) {
			rc = fail(&ps, b->line,
				  "absurd interval %.10g %s (above %g s)", b->v,
				  ps.info.seconds ? "s" : "ms",
				  VG_RRFILE_MAX_MS / 1000);
			goto fail;
		}
		drop_zeros(&ps);
		if (ps.info.seconds)
			for (size_t i = 0; i < out->n; i++)
				out->ms[i] *= 1000.0;
		if (ps.time_col != SIZE_MAX)
			use_times(&ps);
		else
			cumulative(out);
	} else if (rc) {
		goto fail;
	}
	if (!out->n) {
		rc = fail(&ps, ps.first_data ? ps.first_data : 1,
			  "no RR intervals: every value is zero or missing");
		goto fail;
	}
	if (info)
		*info = ps.info;
	return 0;

fail:
	vg_rr_clear(out);
	if (rc == -ENOMEM && err) {
		err->line = ps.line;
		snprintf(err->msg, sizeof(err->msg), "out of memory");
	}
	return rc;
}

int vg_rrfile_parse(const char *buf, size_t len, struct vg_rr_series *out,
		    struct vg_rrfile_error *err)
{
	return vg_rrfile_parse_info(buf, len, out, NULL, err);
}

const char *vg_rrfile_format_name(enum vg_rrfile_format f)
{
	switch (f) {
	case VG_RRFILE_LIST:
		return "RR list";
	case VG_RRFILE_BEAT_TIMES:
		return "beat times";
	case VG_RRFILE_TIME_RR:
		return "time and RR columns";
	case VG_RRFILE_CSV:
		return "table with an RR column";
	case VG_RRFILE_HRM:
		return "Polar HRM";
	}
	return "unknown";
}
