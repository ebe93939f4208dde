/* SPDX-License-Identifier: MIT */
/*
 * Journal replay: records in, a session out. The beat series is rebuilt by
 * the live path's own pieces (vg_hrs_decode_measurement, the beat clock),
 * so a report made from the journal sees the beats the daemon saw.
 */
#include "vagus/session.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "vagus/beats.h"
#include "vagus/hrs.h"
#include "vagus/record.h"

/*
 * The arrival clock handed to the beat clock is the record's wall-clock
 * time relative to the first record, made non-decreasing and bounded:
 * the wall clock can step back (NTP) or be garbage in a damaged file, and
 * the beat clock's arithmetic must never overflow. 2^40 ms is 34 years.
 */
#define CLOCK_SPAN_MAX ((int64_t)1 << 40)

void vg_session_init(struct vg_session *s)
{
	memset(s, 0, sizeof(*s));
	s->strap.battery_pct = -1;
}

void vg_session_free(struct vg_session *s)
{
	vg_rr_free(&s->rr);
	free(s->rr1024);
	free(s->contact);
	for (size_t i = 0; i < s->nmarks; i++)
		free(s->marks[i].text);
	free(s->marks);
	free(s->links);
	free(s->gaps);
	vg_session_init(s);
}

bool vg_session_is_journal(const uint8_t *buf, size_t len)
{
	size_t m = sizeof(VG_JOURNAL_MAGIC) - 1;

	return len >= m && !memcmp(buf, VG_JOURNAL_MAGIC, m);
}

double vg_session_duration_s(const struct vg_session *s)
{
	return vg_rr_duration_s(&s->rr);
}

/* ---- a small JSON reader: flat members of one object -------------- */

/*
 * RFC 8259 grammar, checked fully so that a damaged record is refused
 * rather than half-read; nesting is only skipped, to a bounded depth.
 */
#define JSON_DEPTH_MAX 16

struct jr {
	const char *p, *end;
};

static void skip_ws(struct jr *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' ||
				 *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static int hex4(struct jr *r, unsigned *v)
{
	*v = 0;
	if (r->end - r->p < 4)
		return -EBADMSG;
	for (int i = 0; i < 4; i++) {
		char c = *r->p++;
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -EBADMSG;
		*v = *v << 4 | d;
	}
	return 0;
}

/* Appends byte @c to @out (capacity @cap, room kept for the NUL). */
static void put(char *out, size_t cap, size_t *n, bool *cut, char c)
{
	if (!out)
		return;
	if (*n + 1 < cap)
		out[(*n)++] = c;
	else
		*cut = true;
}

static void put_utf8(char *out, size_t cap, size_t *n, bool *cut, unsigned cp)
{
	char b[4];
	size_t k;

	if (cp < 0x80) {
		b[0] = (char)cp;
		k = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3f));
		k = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		k = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		k = 4;
	}
	/* A character goes in whole or not at all. */
	if (!out)
		return;
	if (*n + k < cap) {
		memcpy(out + *n, b, k);
		*n += k;
	} else {
		*cut = true;
	}
}

/*
 * Cuts a string that was cut at @n back to a UTF-8 character boundary,
 * so a multi-byte character copied raw is never left half.
 */
static size_t utf8_trim(const char *s, size_t n)
{
	size_t i = n, cont = 0;

	while (i > 0 && ((unsigned char)s[i - 1] & 0xc0) == 0x80 && cont < 3) {
		i--;
		cont++;
	}
	if (i == 0)
		return n;
	unsigned char lead = (unsigned char)s[i - 1];
	size_t want = lead >= 0xf0   ? 3
		      : lead >= 0xe0 ? 2
		      : lead >= 0xc0 ? 1
				     : 0;
	if (lead >= 0xc0 && want != cont)
		return i - 1;
	return n;
}

/* A string at r->p (on its quote), unescaped into @out (may be NULL). */
static int read_string(struct jr *r, char *out, size_t cap)
{
	size_t n = 0;
	bool cut = false;

	if (r->p >= r->end || *r->p != '"')
		return -EBADMSG;
	r->p++;
	for (;;) {
		if (r->p >= r->end)
			return -EBADMSG;
		unsigned char c = (unsigned char)*r->p++;
		if (c == '"')
			break;
		if (c < 0x20)
			return -EBADMSG;
		if (c != '\\') {
			if (!cut)
				put(out, cap, &n, &cut, (char)c);
			continue;
		}
		if (r->p >= r->end)
			return -EBADMSG;
		char e = *r->p++;
		unsigned cp;
		switch (e) {
		case '"':
		case '\\':
		case '/':
			cp = (unsigned char)e;
			break;
		case 'b':
			cp = '\b';
			break;
		case 'f':
			cp = '\f';
			break;
		case 'n':
			cp = '\n';
			break;
		case 'r':
			cp = '\r';
			break;
		case 't':
			cp = '\t';
			break;
		case 'u':
			if (hex4(r, &cp))
				return -EBADMSG;
			if (cp >= 0xd800 && cp < 0xdc00 && r->end - r->p >= 6 &&
			    r->p[0] == '\\' && r->p[1] == 'u') {
				struct jr save = *r;
				unsigned lo;

				r->p += 2;
				if (hex4(r, &lo))
					return -EBADMSG;
				if (lo >= 0xdc00 && lo < 0xe000)
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					     (lo - 0xdc00);
				else
					*r = save; /* lone high surrogate */
			}
			/* A lone surrogate or NUL cannot live in a C string. */
			if (cp == 0 || (cp >= 0xd800 && cp < 0xe000))
				cp = 0xfffd;
			break;
		default:
			return -EBADMSG;
		}
		if (!cut)
			put_utf8(out, cap, &n, &cut, cp);
	}
	if (out) {
		if (cut)
			n = utf8_trim(out, n);
		out[n] = '\0';
	}
	return 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A number per the JSON grammar; *v is its value (NAN if too long). */
static int read_number(struct jr *r, double *v)
{
	const char *s = r->p;
	char tmp[64];

	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p >= r->end || !is_digit(*r->p))
		return -EBADMSG;
	if (*r->p == '0')
		r->p++;
	else
		while (r->p < r->end && is_digit(*r->p))
			r->p++;
	if (r->p < r->end && *r->p == '.') {
		r->p++;
		if (r->p >= r->end || !is_digit(*r->p))
			return -EBADMSG;
		while (r->p < r->end && is_digit(*r->p))
			r->p++;
	}
	if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
		r->p++;
		if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
			r->p++;
		if (r->p >= r->end || !is_digit(*r->p))
			return -EBADMSG;
		while (r->p < r->end && is_digit(*r->p))
			r->p++;
	}
	size_t n = (size_t)(r->p - s);
	if (n >= sizeof(tmp)) {
		*v = NAN;
		return 0;
	}
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	*v = strtod(tmp, NULL);
	return 0;
}

static int literal(struct jr *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n))
		return -EBADMSG;
	r->p += n;
	return 0;
}

/* Skips one value of any kind, nested at most JSON_DEPTH_MAX deep. */
static int skip_value(struct jr *r, int depth)
{
	double v;

	skip_ws(r);
	if (r->p >= r->end)
		return -EBADMSG;
	switch (*r->p) {
	case '"':
		return read_string(r, NULL, 0);
	case 't':
		return literal(r, "true");
	case 'f':
		return literal(r, "false");
	case 'n':
		return literal(r, "null");
	case '{':
	case '[': {
		bool obj = *r->p == '{';
		char close = obj ? '}' : ']';

		if (depth >= JSON_DEPTH_MAX)
			return -EBADMSG;
		r->p++;
		skip_ws(r);
		if (r->p < r->end && *r->p == close) {
			r->p++;
			return 0;
		}
		for (;;) {
			if (obj) {
				skip_ws(r);
				if (read_string(r, NULL, 0))
					return -EBADMSG;
				skip_ws(r);
				if (r->p >= r->end || *r->p != ':')
					return -EBADMSG;
				r->p++;
			}
			if (skip_value(r, depth + 1))
				return -EBADMSG;
			skip_ws(r);
			if (r->p >= r->end)
				return -EBADMSG;
			if (*r->p == close) {
				r->p++;
				return 0;
			}
			if (*r->p != ',')
				return -EBADMSG;
			r->p++;
		}
	}
	default:
		return read_number(r, &v);
	}
}

struct members {
	void (*str)(void *arg, const char *key, const char *val);
	void (*num)(void *arg, const char *key, double val);
	void *arg;
	char path[VG_SESSION_KEY_MAX];
	/* Large enough for the longest record payload. */
	char val[VG_SESSION_NOTE_MAX];
};

static_assert(VG_SESSION_NOTE_MAX > VG_RECORD_PAYLOAD_MAX,
	      "a string member of a record always fits");

/* The object at r->p; its members' names go after path[0..plen). */
static int members(struct jr *r, struct members *m, size_t plen, int depth)
{
	if (depth > JSON_DEPTH_MAX || r->p >= r->end || *r->p != '{')
		return -EBADMSG;
	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == '}') {
		r->p++;
		return 0;
	}
	for (;;) {
		size_t klen = plen;

		skip_ws(r);
		if (plen) {
			if (plen + 1 < sizeof(m->path))
				m->path[klen++] = '.';
		}
		if (read_string(r, m->path + klen, sizeof(m->path) - klen))
			return -EBADMSG;
		klen += strlen(m->path + klen);
		skip_ws(r);
		if (r->p >= r->end || *r->p != ':')
			return -EBADMSG;
		r->p++;
		skip_ws(r);
		if (r->p >= r->end)
			return -EBADMSG;
		if (*r->p == '"') {
			if (read_string(r, m->val, sizeof(m->val)))
				return -EBADMSG;
			if (m->str)
				m->str(m->arg, m->path, m->val);
		} else if (*r->p == '-' || is_digit(*r->p)) {
			double v;

			if (read_number(r, &v))
				return -EBADMSG;
			if (m->num)
				m->num(m->arg, m->path, v);
		} else if (*r->p == '{') {
			if (members(r, m, klen, depth + 1))
				return -EBADMSG;
		} else if (*r->p == 't' || *r->p == 'f') {
			bool t = *r->p == 't';

			if (literal(r, t ? "true" : "false"))
				return -EBADMSG;
			if (m->num)
				m->num(m->arg, m->path, t ? 1 : 0);
		} else if (skip_value(r, depth + 1)) {
			return -EBADMSG;
		}
		m->path[plen] = '\0';
		skip_ws(r);
		if (r->p >= r->end)
			return -EBADMSG;
		if (*r->p == '}') {
			r->p++;
			return 0;
		}
		if (*r->p != ',')
			return -EBADMSG;
		r->p++;
	}
}

int vg_session_json_members(const char *text, size_t len,
			    void (*str)(void *arg, const char *key,
					const char *val),
			    void (*num)(void *arg, const char *key, double val),
			    void *arg)
{
	struct jr r = {text, text + len};
	struct members *m = malloc(sizeof(*m));
	int err;

	if (!m)
		return -ENOMEM;
	m->str = str;
	m->num = num;
	m->arg = arg;
	m->path[0] = '\0';
	skip_ws(&r);
	err = members(&r, m, 0, 1);
	free(m);
	if (err)
		return err;
	skip_ws(&r);
	return r.p == r.end ? 0 : -EBADMSG;
}

/* ---- metadata ------------------------------------------------------ */

static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		n = utf8_trim(src, cap - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void meta_str(void *arg, const char *key, const char *val)
{
	struct vg_session_meta *m = arg;

	if (!strcmp(key, "id"))
		copy_str(m->id, sizeof(m->id), val);
	else if (!strcmp(key, "tag"))
		copy_str(m->tag, sizeof(m->tag), val);
	else if (!strcmp(key, "note"))
		copy_str(m->note, sizeof(m->note), val);
	else if (!strcmp(key, "strap"))
		copy_str(m->strap, sizeof(m->strap), val);
	else if (!strcmp(key, "started_by"))
		copy_str(m->started_by, sizeof(m->started_by), val);
	else if (!strcmp(key, "version"))
		copy_str(m->version, sizeof(m->version), val);
}

static void strap_str(void *arg, const char *key, const char *val)
{
	struct vg_session_strap *st = arg;

	if (!strcmp(key, "model"))
		copy_str(st->model, sizeof(st->model), val);
	else if (!strcmp(key, "manufacturer"))
		copy_str(st->manufacturer, sizeof(st->manufacturer), val);
	else if (!strcmp(key, "firmware"))
		copy_str(st->firmware, sizeof(st->firmware), val);
	else if (!strcmp(key, "body_location"))
		copy_str(st->body_location, sizeof(st->body_location), val);
}

static void strap_num(void *arg, const char *key, double v)
{
	struct vg_session_strap *st = arg;

	if (!strcmp(key, "battery_pct") && v >= 0 && v <= 100)
		st->battery_pct = (int)lround(v);
	else if (!strcmp(key, "body_location") && v >= 0 && v <= 255)
		copy_str(st->body_location, sizeof(st->body_location),
			 vg_hrs_body_location_name((uint8_t)v));
}

/* ---- replay -------------------------------------------------------- */

struct replay {
	struct vg_session *s;
	struct vg_beatclock bc;
	size_t beat_cap, mark_cap, link_cap, gap_cap;
	int64_t base_ms; /* wall clock of the first record */
	int64_t clock;	 /* arrival clock, ms since base, non-decreasing */
	int64_t last_t;	 /* beat time of the last beat, 1/1024 s */
	enum vg_session_gap_cause cause; /* of the gap now pending */
};

static void advance_clock(struct replay *rp, int64_t time_ms, bool first)
{
	int64_t rel;

	if (first) {
		rp->base_ms = time_ms;
		rp->clock = 0;
		return;
	}
	if (time_ms <= rp->base_ms) {
		rel = 0;
	} else {
		uint64_t d = (uint64_t)time_ms - (uint64_t)rp->base_ms;
		rel =
		    d > (uint64_t)CLOCK_SPAN_MAX ? CLOCK_SPAN_MAX : (int64_t)d;
	}
	if (rel > rp->clock)
		rp->clock = rel;
}

/* The current moment on the beat time axis, s; NAN before any beat. */
static double beat_axis_s(const struct replay *rp)
{
	const struct vg_beatclock *c = &rp->bc;

	if (!c->started)
		return NAN;
	return c->anchor_t * (1000.0 / 1024.0) / 1000.0 +
	       (double)(rp->clock - c->anchor_ms) / 1000.0;
}

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 16;
	if (nc > SIZE_MAX / size)
		return -ENOMEM;
	void *q = realloc(*p, nc * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = nc;
	return 0;
}

static void copy_text(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	if (n >= cap)
		n = utf8_trim((const char *)p, cap - 1);
	for (size_t i = 0; i < n; i++)
		dst[i] = p[i] ? (char)p[i] : '?';
	dst[n] = '\0';
}

static int add_mark(struct replay *rp, const struct vg_record *r)
{
	struct vg_session *s = rp->s;
	int err = grow((void **)&s->marks, &rp->mark_cap, s->nmarks,
		       sizeof(*s->marks));
	char *text;

	if (err)
		return err;
	text = malloc(r->len + 1);
	if (!text)
		return -ENOMEM;
	copy_text(text, r->len + 1, r->payload, r->len);
	s->marks[s->nmarks].time_ms = r->time_ms;
	s->marks[s->nmarks].t_s = beat_axis_s(rp);
	s->marks[s->nmarks].text = text;
	s->nmarks++;
	return 0;
}

static int add_link(struct replay *rp, const struct vg_record *r, bool up)
{
	struct vg_session *s = rp->s;
	int err = grow((void **)&s->links, &rp->link_cap, s->nlinks,
		       sizeof(*s->links));

	if (err)
		return err;
	struct vg_session_link *l = &s->links[s->nlinks++];
	l->time_ms = r->time_ms;
	l->t_s = beat_axis_s(rp);
	l->up = up;
	copy_text(l->text, sizeof(l->text), r->payload, r->len);
	/*
	 * Whatever comes after a link event does not follow the beats
	 * before it, even when the drop itself was never written.
	 */
	vg_beatclock_mark_gap(&rp->bc);
	rp->cause = VG_SESSION_GAP_LINK;
	return 0;
}

static int add_beats(struct replay *rp, const struct vg_beat *b, size_t k,
		     uint8_t contact)
{
	struct vg_session *s = rp->s;
	int err;

	if (s->rr.n + k > rp->beat_cap) {
		size_t nc = rp->beat_cap ? rp->beat_cap : 1024;
		while (nc < s->rr.n + k)
			nc *= 2;
		err = vg_rr_reserve(&s->rr, nc);
		if (err)
			return err;
		uint16_t *rr = realloc(s->rr1024, nc * sizeof(*rr));
		if (!rr)
			return -ENOMEM;
		s->rr1024 = rr;
		uint8_t *c = realloc(s->contact, nc);
		if (!c)
			return -ENOMEM;
		s->contact = c;
		rp->beat_cap = nc;
	}
	for (size_t i = 0; i < k; i++) {
		uint8_t flags = 0;

		if (b[i].flags & VG_BEAT_GAP_BEFORE) {
			flags = VG_RR_GAP_BEFORE;
			err = grow((void **)&s->gaps, &rp->gap_cap, s->ngaps,
				   sizeof(*s->gaps));
			if (err)
				return err;
			struct vg_session_gap *g = &s->gaps[s->ngaps++];
			int64_t lost = b[i].t - b[i].rr - rp->last_t;
			g->t_s = b[i].t / 1024.0;
			g->lost_s = lost > 0 ? lost / 1024.0 : 0;
			g->index = s->rr.n;
			g->cause = rp->cause ? rp->cause : VG_SESSION_GAP_CLOCK;
			rp->cause = 0;
		}
		s->rr1024[s->rr.n] = (uint16_t)b[i].rr;
		s->contact[s->rr.n] = contact;
		err = vg_rr_push(&s->rr, vg_rr1024_to_ms(b[i].rr),
				 (double)b[i].t * (1000.0 / 1024.0), flags);
		if (err)
			return err;
		rp->last_t = b[i].t;
	}
	return 0;
}

int vg_session_replay(const uint8_t *buf, size_t len, struct vg_session *s)
{
	struct replay rp;
	struct vg_record r;
	struct vg_hrm m;
	struct vg_beat beats[VG_HRM_RR_MAX];
	size_t off = VG_JOURNAL_HEADER_LEN;
	uint32_t next_seq = 1;
	int err;

	vg_session_free(s);
	/* A header cut short holds no record: nothing to replay. */
	if (!vg_session_is_journal(buf, len) || len < VG_JOURNAL_HEADER_LEN)
		return -EBADMSG;
	err = vg_journal_check_header(buf, len);
	if (err)
		return err;

	memset(&rp, 0, sizeof(rp));
	rp.s = s;
	vg_beatclock_init(&rp.bc);
	while (off < len) {
		int n = vg_record_decode(buf + off, len - off, &r);

		if (n <= 0) {
			if (n < 0) {
				s->stop = n;
				s->stop_offset = off;
			}
			s->torn_bytes = len - off;
			break;
		}
		off += (size_t)n;
		advance_clock(&rp, r.time_ms, s->records == 0);
		if (s->records == 0)
			s->first_ms = r.time_ms;
		s->last_ms = r.time_ms;
		s->records++;
		if (r.seq != next_seq) {
			/* A record went missing: so may have beats. */
			s->seq_errors++;
			vg_beatclock_mark_gap(&rp.bc);
			if (!rp.cause)
				rp.cause = VG_SESSION_GAP_RECORD;
		}
		next_seq = r.seq + 1;

		switch (r.type) {
		case VG_REC_SESSION:
			if (s->meta.present)
				break; /* the first one describes the session */
			err = vg_session_json_members((const char *)r.payload,
						      r.len, meta_str, NULL,
						      &s->meta);
			if (err == -ENOMEM)
				goto fail;
			if (err) {
				s->bad_meta++;
				memset(&s->meta, 0, sizeof(s->meta));
			} else {
				s->meta.present = true;
			}
			break;
		case VG_REC_STRAP: {
			struct vg_session_strap st = s->strap;

			err = vg_session_json_members((const char *)r.payload,
						      r.len, strap_str,
						      strap_num, &st);
			if (err == -ENOMEM)
				goto fail;
			if (err) {
				s->bad_meta++;
			} else {
				st.present = true;
				s->strap = st;
			}
			break;
		}
		case VG_REC_NOTIFY: {
			s->notifications++;
			if (vg_hrs_decode_measurement(r.payload, r.len, &m)) {
				s->bad_notifications++;
				break;
			}
			s->rr_values += m.rr_count;
			size_t k = vg_beatclock_push(&rp.bc, rp.clock, m.rr,
						     m.rr_count, beats);
			err = add_beats(&rp, beats, k, (uint8_t)m.contact);
			if (err)
				goto fail;
			break;
		}
		case VG_REC_EVENT:
			err = add_mark(&rp, &r);
			if (err)
				goto fail;
			break;
		case VG_REC_LINK_UP:
		case VG_REC_LINK_DOWN:
			err = add_link(&rp, &r, r.type == VG_REC_LINK_UP);
			if (err)
				goto fail;
			break;
		case VG_REC_END:
			s->ended = true;
			copy_text(s->end_reason, sizeof(s->end_reason),
				  r.payload, r.len);
			break;
		default:
			/* A newer writer's record: nothing we can use. */
			break;
		}
	}
	s->zero_rr = (size_t)rp.bc.zero_rr;
	s->coverage = vg_beatclock_coverage(&rp.bc);
	return 0;
fail:
	vg_session_free(s);
	return err;
}
