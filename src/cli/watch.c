/* SPDX-License-Identifier: MIT */
/*
 * vagus watch: the live biofeedback view. vagusd streams one "beat" line
 * per heart beat (vagus/ctl.h); on a terminal this redraws a small block
 * in place (HR, RMSSD over 60 s, the last RR interval, artifact and
 * contact flags, elapsed time, an HR trend and, with --pacer, a breathing
 * guide that moves between beats); into a pipe or file it prints one line
 * per beat for programs. It ends when vagusd goes away, or on Ctrl-C.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"

#define CMD "watch"
#define TREND_MAX 48
/* Redraws per second while a pacer runs; 10 looks smooth at 6/min. */
#define PACER_TICK_MS 100
/* Without beats for this long, the view says so (strap off or away). */
#define STALE_MS 5000

struct beat {
	double t_s, hr_bpm, rr_ms, rmssd_ms; /* NAN when not given */
	bool artifact;
	int contact; /* 1, 0, or -1 for unknown */
	char strap[128];
};

struct view {
	bool tty, utf8;
	int cols;
	int drawn; /* lines of the block on screen */
	double pacer_bpm;
	int64_t start_ms, last_beat_ms;
	unsigned beats;
	struct beat last;
	double trend[TREND_MAX];
	unsigned ntrend;
	char event[160];
};

static volatile sig_atomic_t stop_signal, resized;

static void on_signal(int signo)
{
	if (signo == SIGWINCH)
		resized = 1;
	else
		stop_signal = signo;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void help(void)
{
	printf("Usage: vagus [--socket PATH] watch [--strap SPEC] [--pacer "
	       "BPM]\n"
	       "\n"
	       "Live heart rate and HRV from vagusd, beat by beat. On a "
	       "terminal the view\n"
	       "updates in place: heart rate, the last RR interval, RMSSD "
	       "over the last\n"
	       "60 s, whether the beat was corrected as an artifact, skin "
	       "contact, the time\n"
	       "since the strap began streaming, and an HR trend. Otherwise "
	       "one line per beat:\n"
	       "  t_s=SECONDS hr_bpm=BPM rr_ms=MS rmssd_ms=MS artifact=0|1 "
	       "contact=1|0|- strap=SPEC\n"
	       "(\"-\" where vagusd has no value yet), and for events:\n"
	       "  event KEY=VALUE...\n"
	       "\n"
	       "Options:\n"
	       "  --strap SPEC   only this strap's beats (default: every "
	       "strap)\n"
	       "  --pacer BPM    a breathing guide at BPM breaths per minute "
	       "(1-30; 6 is\n"
	       "                 the usual slow-breathing pace): breathe in "
	       "while the bar\n"
	       "                 fills, out while it empties\n"
	       "  -h, --help     show this help\n"
	       "\n"
	       "Exit status: 0 stopped with Ctrl-C (or the output was "
	       "closed), 2 usage\n"
	       "error, 3 internal error, 4 vagusd is not running or went "
	       "away, 5 vagusd\n"
	       "refused the request.\n");
}

static double num_or_nan(const struct vg_jv *obj, const char *key)
{
	struct vg_jv v;
	double d;

	if (vg_jsonscan_get(obj, key, &v) || vg_jv_num(&v, &d))
		return NAN;
	return d;
}

/* A beat line's object; false when it lacks the keys of the protocol. */
static bool parse_beat(const char *json, size_t len, struct beat *b)
{
	struct vg_jv obj, v;
	bool flag;

	if (vg_jsonscan_parse(json, len, &obj) || obj.type != VG_JV_OBJ)
		return false;
	b->t_s = num_or_nan(&obj, "t_s");
	b->hr_bpm = num_or_nan(&obj, "hr_bpm");
	b->rr_ms = num_or_nan(&obj, "rr_ms");
	b->rmssd_ms = num_or_nan(&obj, "rmssd_ms");
	b->artifact = vg_jsonscan_get(&obj, "artifact", &v) == 0 &&
		      vg_jv_bool(&v, &flag) == 0 && flag;
	b->contact = -1;
	if (vg_jsonscan_get(&obj, "contact", &v) == 0 &&
	    vg_jv_bool(&v, &flag) == 0)
		b->contact = flag;
	b->strap[0] = '\0';
	if (vg_jsonscan_get(&obj, "strap", &v) == 0 &&
	    vg_jv_str(&v, b->strap, sizeof(b->strap)) < 0)
		b->strap[0] = '\0';
	for (char *p = b->strap; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			*p = '?';
	return isfinite(b->t_s) || isfinite(b->hr_bpm);
}

/* A value for the one-line form: "-" when absent. */
static void put_num(const char *key, double v, int decimals)
{
	if (isfinite(v))
		printf(" %s=%.*f", key, decimals, v);
	else
		printf(" %s=-", key);
}

static void print_beat_line(const struct beat *b)
{
	printf("t_s=");
	if (isfinite(b->t_s))
		printf("%.3f", b->t_s);
	else
		putchar('-');
	put_num("hr_bpm", b->hr_bpm, 1);
	put_num("rr_ms", b->rr_ms, 1);
	put_num("rmssd_ms", b->rmssd_ms, 1);
	printf(" artifact=%d contact=%s strap=%s\n", b->artifact,
	       b->contact < 0 ? "-"
	       : b->contact   ? "1"
			      : "0",
	       b->strap[0] ? b->strap : "-");
}

/*
 * An event for the terminal view: "TYPE: TEXT (ID)" from vagusd's
 * {"type","strap","id","text"}, else its members as in the line form.
 */
static void event_short(const char *json, size_t len, char *out, size_t cap)
{
	struct vg_jv obj, v;
	char type[64], text[256], id[64];

	out[0] = '\0';
	if (vg_jsonscan_parse(json, len, &obj) || obj.type != VG_JV_OBJ ||
	    vg_jsonscan_get(&obj, "type", &v) ||
	    vg_jv_str(&v, type, sizeof(type)) < 0)
		return;
	text[0] = id[0] = '\0';
	if (vg_jsonscan_get(&obj, "text", &v) == 0 &&
	    vg_jv_str(&v, text, sizeof(text)) < 0)
		text[0] = '\0';
	if (vg_jsonscan_get(&obj, "id", &v) == 0 &&
	    vg_jv_str(&v, id, sizeof(id)) < 0)
		id[0] = '\0';
	/* A long text is cut at the view's width anyway. */
	int n = snprintf(out, cap, "%s%s%s%s%s%s", type, *text ? ": " : "",
			 text, *id ? " (session " : "", id, *id ? ")" : "");
	if (n < 0)
		out[0] = '\0';
	for (char *p = out; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = ' ';
}

/* An event's members as "k=v k=v" (values without spaces or controls). */
static void event_text(const char *json, size_t len, char *out, size_t cap)
{
	struct vg_jv obj, k, v;
	size_t pos = 0, n = 0;
	char key[64], val[256];

	out[0] = '\0';
	if (vg_jsonscan_parse(json, len, &obj) || obj.type != VG_JV_OBJ)
		return;
	while (vg_jsonscan_next(&obj, &pos, &k, &v) > 0 && n + 1 < cap) {
		if (vg_jv_str(&k, key, sizeof(key)) < 0)
			continue;
		if (v.type == VG_JV_STR) {
			if (vg_jv_str(&v, val, sizeof(val)) < 0)
				continue;
		} else {
			size_t l =
			    v.len < sizeof(val) - 1 ? v.len : sizeof(val) - 1;
			memcpy(val, v.p, l);
			val[l] = '\0';
		}
		for (char *p = val; *p; p++)
			if ((unsigned char)*p < ' ' || *p == 0x7f)
				*p = ' ';
		int w = snprintf(out + n, cap - n, "%s%s=%s", n ? " " : "", key,
				 val);
		if (w < 0 || (size_t)w >= cap - n) {
			out[n] = '\0';
			break;
		}
		n += (size_t)w;
	}
}

static bool locale_utf8(void)
{
	const char *vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};

	for (size_t i = 0; i < 3; i++) {
		const char *v = getenv(vars[i]);
		if (v && *v)
			return strstr(v, "UTF-8") || strstr(v, "utf8") ||
			       strstr(v, "UTF8") || strstr(v, "utf-8");
	}
	return false;
}

static int term_cols(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 80;
}

static void fmt_elapsed(double s, char *buf, size_t cap)
{
	if (!isfinite(s) || s < 0) {
		snprintf(buf, cap, "--:--");
		return;
	}
	long t = (long)s;
	if (t >= 3600)
		snprintf(buf, cap, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60,
			 t % 60);
	else
		snprintf(buf, cap, "%02ld:%02ld", t / 60, t % 60);
}

/* The HR trend as a sparkline of the last beats, scaled to their range. */
static void trend_text(const struct view *v, char *buf, size_t cap, int width)
{
	static const char *const bars[] = {"\u2581", "\u2582", "\u2583",
					   "\u2584", "\u2585", "\u2586",
					   "\u2587", "\u2588"};
	static const char ascii[] = "_.-=+*#@";
	unsigned n = v->ntrend < (unsigned)width ? v->ntrend : (unsigned)width;
	double lo = INFINITY, hi = -INFINITY;
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned i = v->ntrend - n; i < v->ntrend; i++) {
		double x = v->trend[i % TREND_MAX];
		lo = fmin(lo, x);
		hi = fmax(hi, x);
	}
	/* At least 10 bpm of range, so a steady rate looks steady. */
	if (hi - lo < 10) {
		double mid = (hi + lo) / 2;
		lo = mid - 5;
		hi = mid + 5;
	}
	for (unsigned i = v->ntrend - n; i < v->ntrend; i++) {
		double x = v->trend[i % TREND_MAX];
		int lvl = (int)((x - lo) / (hi - lo) * 7.999);
		lvl = lvl < 0 ? 0 : lvl > 7 ? 7 : lvl;
		const char *s = v->utf8 ? bars[lvl] : (char[]){ascii[lvl], 0};
		size_t sl = strlen(s);
		if (len + sl + 1 > cap)
			break;
		memcpy(buf + len, s, sl);
		len += sl;
		buf[len] = '\0';
	}
}

/* One line of the block: cleared, cut to the terminal's width. */
static void draw_line(const struct view *v, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void draw_line(const struct view *v, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* Count columns as UTF-8 lead bytes so multi-byte bars fit. */
	int col = 0;
	size_t i = 0;
	for (; buf[i]; i++) {
		if (((unsigned char)buf[i] & 0xc0) != 0x80 && ++col >= v->cols)
			break;
	}
	buf[i] = '\0';
	printf("\033[2K%s\n", buf);
}

static void draw(struct view *v)
{
	char el[32], trend[TREND_MAX * 3 + 1], hr[16], rmssd[16];
	int64_t now = mono_ms();
	const struct beat *b = &v->last;

	if (v->drawn)
		printf("\033[%dF", v->drawn);
	fmt_elapsed(v->beats ? b->t_s : NAN, el, sizeof(el));
	draw_line(v, "vagus watch  %s  %s", v->beats ? el : "",
		  v->beats && b->strap[0] ? b->strap : "");
	if (!v->beats) {
		draw_line(v, "  waiting for beats from vagusd...");
		draw_line(v, " ");
		draw_line(v, " ");
	} else {
		int width = v->cols - 24;
		width = width < 8 ? 8 : width > TREND_MAX ? TREND_MAX : width;
		trend_text(v, trend, sizeof(trend), width);
		if (isfinite(b->hr_bpm))
			snprintf(hr, sizeof(hr), "%5.1f", b->hr_bpm);
		else
			snprintf(hr, sizeof(hr), "  ---");
		if (isfinite(b->rmssd_ms))
			snprintf(rmssd, sizeof(rmssd), "%5.1f", b->rmssd_ms);
		else
			snprintf(rmssd, sizeof(rmssd), "  ---");
		draw_line(v, "  HR     %s bpm  %s", hr, trend);
		if (isfinite(b->rr_ms))
			draw_line(v,
				  "  RMSSD  %s ms   (last 60 s)   RR %4.0f ms",
				  rmssd, b->rr_ms);
		else
			draw_line(v, "  RMSSD  %s ms   (last 60 s)", rmssd);
		int64_t quiet = now - v->last_beat_ms;
		if (quiet > STALE_MS)
			draw_line(v,
				  "  no beats for %lld s: is the strap worn "
				  "and in range?",
				  (long long)(quiet / 1000));
		else
			draw_line(v, "  contact %-4s  %s",
				  b->contact < 0 ? "n/a"
				  : b->contact	 ? "yes"
						 : "NO",
				  b->artifact ? "artifact (beat corrected)"
					      : "clean beat");
	}
	int lines = 4;
	if (v->pacer_bpm > 0) {
		double period = 60000.0 / v->pacer_bpm;
		double phase =
		    fmod((double)(now - v->start_ms), period) / period;
		bool in = phase < 0.5;
		double fill = in ? phase * 2 : 1 - (phase - 0.5) * 2;
		int width = v->cols - 30;
		width = width < 10 ? 10 : width > 40 ? 40 : width;
		int full = (int)lround(fill * width);
		char bar[64];
		for (int i = 0; i < width; i++)
			bar[i] = i < full ? '#' : '.';
		bar[width] = '\0';
		draw_line(v, "  breathe %-4s [%s] %.1f/min", in ? "in" : "out",
			  bar, v->pacer_bpm);
		lines++;
	}
	draw_line(v, "  %s%s", v->event[0] ? "last event: " : "", v->event);
	lines++;
	v->drawn = lines;
}

static void on_beat(struct view *v, const struct beat *b)
{
	v->last = *b;
	v->last_beat_ms = mono_ms();
	v->beats++;
	if (isfinite(b->hr_bpm))
		v->trend[v->ntrend++ % TREND_MAX] = b->hr_bpm;
	/* The ring index wraps; keep ntrend meaning "how many, capped". */
	if (v->ntrend >= 2 * TREND_MAX)
		v->ntrend -= TREND_MAX;
}

static bool parse_pacer(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v) || v < 1 || v > 30)
		return false;
	*out = v;
	return true;
}

/* Ends the view: cursor back, then a message if there is one. */
static void finish(const struct view *v)
{
	if (v->tty) {
		fputs("\033[?25h", stdout);
		fflush(stdout);
	}
}

int cmd_watch(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"strap", required_argument, NULL, 's'},
	    {"pacer", required_argument, NULL, 'p'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct view v = {0};
	char strap[VG_CTL_VALUE_MAX];
	const char *strap_spec = NULL;
	int c, r;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			strap_spec = optarg;
			break;
		case 'p':
			if (!parse_pacer(optarg, &v.pacer_bpm))
				return cli_usage_error(CMD,
						       "--pacer %s: breaths "
						       "per minute, 1 to 30",
						       optarg);
			break;
		case 'h':
			help();
			return CLI_EXIT_OK;
		case ':':
			return cli_usage_error(CMD, "'%s' needs a value",
					       argv[optind - 1]);
		default:
			return cli_usage_error(CMD, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error(CMD, "unexpected argument '%s'",
				       argv[optind]);
	if (strap_spec) {
		r = cli_strap_arg(CMD, strap_spec, strap, sizeof(strap));
		if (r)
			return r;
	}

	const char *keys[] = {"strap"};
	const char *values[] = {strap_spec ? strap : NULL};
	struct cli_conn conn;
	struct vg_jv ok;
	r = cli_ctl_call(CMD, VG_CTL_WATCH, keys, values, 1, &conn, &ok);
	if (r)
		return r;

	/* Ctrl-C and friends end the view cleanly; a closed pipe is EPIPE. */
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	const char *term = getenv("TERM");
	v.tty = isatty(STDOUT_FILENO) && !(term && !strcmp(term, "dumb"));
	v.utf8 = locale_utf8();
	v.cols = v.tty ? term_cols() : 80;
	v.start_ms = mono_ms();
	if (v.tty) {
		fputs("\033[?25l", stdout);
		draw(&v);
		fflush(stdout);
	}

	int status = CLI_EXIT_OK;
	unsigned bad = 0;
	for (;;) {
		char *line;
		size_t len;
		int timeout = !v.tty		? -1
			      : v.pacer_bpm > 0 ? PACER_TICK_MS
						: 1000;
		if (stop_signal)
			break;
		r = cli_ctl_line(&conn, timeout, &line, &len);
		if (resized) {
			resized = 0;
			v.cols = term_cols();
		}
		if (r == -ETIMEDOUT || r == -EINTR) {
			if (v.tty && !stop_signal)
				draw(&v);
		} else if (r == 0) {
			finish(&v);
			cli_error("%s: vagusd went away (the connection "
				  "closed)",
				  CMD);
			status = CLI_EXIT_NODAEMON;
			break;
		} else if (r < 0) {
			finish(&v);
			cli_error("%s: reading from vagusd: %s", CMD,
				  strerror(-r));
			status = CLI_EXIT_NODAEMON;
			break;
		} else if (len > 5 && !memcmp(line, "beat ", 5)) {
			struct beat b;
			if (!parse_beat(line + 5, len - 5, &b)) {
				bad++;
				continue;
			}
			on_beat(&v, &b);
			if (v.tty)
				draw(&v);
			else
				print_beat_line(&b);
		} else if (len > 6 && !memcmp(line, "event ", 6)) {
			if (v.tty) {
				event_short(line + 6, len - 6, v.event,
					    sizeof(v.event));
				if (!v.event[0])
					event_text(line + 6, len - 6, v.event,
						   sizeof(v.event));
				draw(&v);
			} else {
				event_text(line + 6, len - 6, v.event,
					   sizeof(v.event));
				printf("event %s\n", v.event);
			}
		} else {
			/* Lines of a later protocol version are skipped. */
			bad++;
		}
		if (fflush(stdout) != 0 || ferror(stdout)) {
			/* The reader left (a pipe into head): not an error. */
			status =
			    errno == EPIPE ? CLI_EXIT_OK : CLI_EXIT_INTERNAL;
			break;
		}
	}
	if (stop_signal)
		finish(&v);
	if (bad)
		fprintf(stderr,
			"vagus: watch: %u line%s from vagusd not "
			"understood\n",
			bad, bad == 1 ? "" : "s");
	cli_ctl_close(&conn);
	return status;
}
