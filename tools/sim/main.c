/* SPDX-License-Identifier: MIT */
/*
 * vagus-sim: a simulated Bluetooth LE heart-rate strap on a Unix
 * SOCK_SEQPACKET socket, one ATT PDU per packet, exactly what the kernel's
 * L2CAP socket gives the ATT client for a real strap.
 *
 * One client at a time, like a real strap; the session clock starts when
 * the first client enables Heart Rate notifications and runs --speed
 * times faster than real time from then on, through disconnections.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"
#include "vagus/addr.h"
#include "vagus/rr.h"
#include "vagus/rrfile.h"

#define QUEUE_CAP 512
#define BATCH 64

static struct sim_opts opt;
static struct strap strap;
static struct vg_rr_series rec = VG_RR_SERIES_INIT;
static struct vg_addr listen_addr;
static int lfd = -1, cfd = -1;
static bool unlink_on_exit;

/* Outgoing PDUs for the client: responses and notifications in order. */
static struct sim_pdu queue[QUEUE_CAP];
static size_t q_head, q_len;

static double t0 = -1; /* monotonic ms when the session clock started */
static bool drop_pending;
static long requests;
static unsigned long connections, refused;
static volatile sig_atomic_t stop_signal;

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void logmsg(const char *fmt, ...)
{
	va_list ap;

	if (opt.quiet)
		return;
	va_start(ap, fmt);
	fputs("vagus-sim: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static void die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("vagus-sim: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	if (unlink_on_exit)
		unlink(listen_addr.path);
	exit(1);
}

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static double session_ms(double now)
{
	return t0 < 0 ? -1 : (now - t0) * opt.speed;
}

static void usage(FILE *f)
{
	fputs(
	    "usage: vagus-sim --listen unix:PATH (--rr FILE | --model) "
	    "[options]\n"
	    "\n"
	    "A simulated Bluetooth LE heart-rate strap: Heart Rate (0x180D),\n"
	    "Battery (0x180F) and Device Information (0x180A) services over\n"
	    "ATT on a Unix SOCK_SEQPACKET socket, one client at a time. The\n"
	    "session clock starts when a client enables notifications.\n"
	    "\n"
	    "Source:\n"
	    "  --listen unix:PATH  socket to listen on (required)\n"
	    "  --rr FILE           replay a recording (RR in ms or s, Kubios,\n"
	    "                      CSV, ...); the link closes at its end\n"
	    "  --model             a physiological model instead:\n"
	    "    --hr BPM          mean heart rate at the start (65)\n"
	    "    --rmssd MS        RMSSD at the start (40)\n"
	    "    --breath BPM      breaths per minute (12)\n"
	    "    --relax           HR falls 10 %, RMSSD rises 40 % over the "
	    "session\n"
	    "    --duration S      session length; without it the model runs\n"
	    "                      until stopped\n"
	    "  --seed N            random seed for the model and artifacts "
	    "(1)\n"
	    "  --speed X           1 = real time; 100 = 20 minutes in 12 s "
	    "(1)\n"
	    "  --loop              start over at the end instead of closing\n"
	    "\n"
	    "Measurement format:\n"
	    "  --hr16              heart rate as uint16 (default uint8)\n"
	    "  --energy            include Energy Expended (kJ)\n"
	    "  --contact-unsupported  contact bits say \"not supported\"\n"
	    "  --location N        Body Sensor Location value (1 = chest)\n"
	    "  --battery PCT       battery level at the start (87)\n"
	    "  --no-hrs, --no-battery, --no-devinfo  leave a service out\n"
	    "\n"
	    "Faults:\n"
	    "  --drop-at S[,S...]  close the link at these session seconds;\n"
	    "                      the socket stays, a client may reconnect "
	    "and\n"
	    "                      the recording goes on (beats in between "
	    "are\n"
	    "                      lost)\n"
	    "  --busy              held by a phone: accept nobody (each\n"
	    "                      connection is closed at once)\n"
	    "  --artifacts missed=P,extra=P\n"
	    "                      merge a beat with the next (missed) or "
	    "split\n"
	    "                      it in two (extra) with these probabilities\n"
	    "  --malformed N       before every Nth measurement send an "
	    "extra,\n"
	    "                      malformed one (empty, truncated, flags "
	    "lying\n"
	    "                      about the fields, odd RR byte)\n"
	    "  --flood             no pacing, one measurement per beat plus 9\n"
	    "                      HR-only copies\n"
	    "  --mtu-lie N         answer MTU exchange with N (any value) but\n"
	    "                      keep using the honest MTU\n"
	    "  --contact-lost S:S  contact bits say \"no contact\", HR 0 and "
	    "no\n"
	    "                      RR between these session seconds "
	    "(repeatable)\n"
	    "  --stall N           answer N requests, then none (the ATT 30 s\n"
	    "                      timeout)\n"
	    "  --silent-after S    stop notifying at session second S, link "
	    "up\n"
	    "\n"
	    "  -q, --quiet         no progress messages on stderr\n"
	    "  -h, --help          this text\n",
	    f);
}

static double num(const char *name, const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi))
		die("%s: want a number from %g to %g, not '%s'", name, lo, hi,
		    s);
	return v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void parse_drops(const char *arg)
{
	char buf[1024], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", arg);
	for (char *t = strtok_r(buf, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		if (opt.ndrops == SIM_MAX_DROPS)
			die("--drop-at: at most %d times", SIM_MAX_DROPS);
		opt.drop_at[opt.ndrops++] = num("--drop-at", t, 0, 1e7);
	}
	if (!opt.ndrops)
		die("--drop-at: want S[,S...]");
	qsort(opt.drop_at, opt.ndrops, sizeof(double), cmp_double);
}

static void parse_artifacts(const char *arg)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", arg);
	for (char *t = strtok_r(buf, ",", &save); t;
	     t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');
		if (!eq)
			die("--artifacts: want missed=P,extra=P, not '%s'", t);
		*eq = '\0';
		if (strcmp(t, "missed") == 0)
			opt.p_missed = num("--artifacts missed", eq + 1, 0, 1);
		else if (strcmp(t, "extra") == 0)
			opt.p_extra = num("--artifacts extra", eq + 1, 0, 1);
		else
			die("--artifacts: unknown kind '%s' (missed, extra)",
			    t);
	}
	if (opt.p_missed + opt.p_extra > 1)
		die("--artifacts: probabilities add up to more than 1");
}

static void parse_window(const char *arg)
{
	char buf[128], *colon;
	struct sim_window *w;

	if (opt.ncontact_lost == SIM_MAX_WINDOWS)
		die("--contact-lost: at most %d windows", SIM_MAX_WINDOWS);
	snprintf(buf, sizeof(buf), "%s", arg);
	colon = strchr(buf, ':');
	if (!colon)
		die("--contact-lost: want FROM:TO seconds, not '%s'", arg);
	*colon = '\0';
	w = &opt.contact_lost[opt.ncontact_lost++];
	w->from_s = num("--contact-lost", buf, 0, 1e7);
	w->to_s = num("--contact-lost", colon + 1, 0, 1e7);
	if (w->to_s <= w->from_s)
		die("--contact-lost: the window %s ends before it starts", arg);
}

enum {
	O_LISTEN = 256,
	O_RR,
	O_MODEL,
	O_HR,
	O_RMSSD,
	O_BREATH,
	O_RELAX,
	O_DURATION,
	O_SEED,
	O_SPEED,
	O_LOOP,
	O_HR16,
	O_ENERGY,
	O_CONTACT_UNSUP,
	O_LOCATION,
	O_BATTERY,
	O_NO_HRS,
	O_NO_BATTERY,
	O_NO_DEVINFO,
	O_DROP_AT,
	O_BUSY,
	O_ARTIFACTS,
	O_MALFORMED,
	O_FLOOD,
	O_MTU_LIE,
	O_CONTACT_LOST,
	O_STALL,
	O_SILENT_AFTER,
};

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"listen", required_argument, NULL, O_LISTEN},
	    {"rr", required_argument, NULL, O_RR},
	    {"model", no_argument, NULL, O_MODEL},
	    {"hr", required_argument, NULL, O_HR},
	    {"rmssd", required_argument, NULL, O_RMSSD},
	    {"breath", required_argument, NULL, O_BREATH},
	    {"relax", no_argument, NULL, O_RELAX},
	    {"duration", required_argument, NULL, O_DURATION},
	    {"seed", required_argument, NULL, O_SEED},
	    {"speed", required_argument, NULL, O_SPEED},
	    {"loop", no_argument, NULL, O_LOOP},
	    {"hr16", no_argument, NULL, O_HR16},
	    {"energy", no_argument, NULL, O_ENERGY},
	    {"contact-unsupported", no_argument, NULL, O_CONTACT_UNSUP},
	    {"location", required_argument, NULL, O_LOCATION},
	    {"battery", required_argument, NULL, O_BATTERY},
	    {"no-hrs", no_argument, NULL, O_NO_HRS},
	    {"no-battery", no_argument, NULL, O_NO_BATTERY},
	    {"no-devinfo", no_argument, NULL, O_NO_DEVINFO},
	    {"drop-at", required_argument, NULL, O_DROP_AT},
	    {"busy", no_argument, NULL, O_BUSY},
	    {"artifacts", required_argument, NULL, O_ARTIFACTS},
	    {"malformed", required_argument, NULL, O_MALFORMED},
	    {"flood", no_argument, NULL, O_FLOOD},
	    {"mtu-lie", required_argument, NULL, O_MTU_LIE},
	    {"contact-lost", required_argument, NULL, O_CONTACT_LOST},
	    {"stall", required_argument, NULL, O_STALL},
	    {"silent-after", required_argument, NULL, O_SILENT_AFTER},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	bool model_opts = false;
	int c;

	vg_rrmodel_defaults(&opt.mp);
	opt.speed = 1;
	opt.location = 1;
	opt.battery = 87;
	opt.seed = 1;
	opt.mtu_lie = -1;
	opt.stall_after = -1;
	opt.silent_after_s = -1;

	while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (c) {
		case O_LISTEN:
			opt.listen = optarg;
			break;
		case O_RR:
			opt.rr_path = optarg;
			break;
		case O_MODEL:
			opt.model = true;
			break;
		case O_HR:
			opt.mp.hr_bpm = num("--hr", optarg, 30, 220);
			model_opts = true;
			break;
		case O_RMSSD:
			opt.mp.rmssd_ms = num("--rmssd", optarg, 0, 300);
			model_opts = true;
			break;
		case O_BREATH:
			opt.mp.breath_bpm = num("--breath", optarg, 3, 40);
			model_opts = true;
			break;
		case O_RELAX:
			opt.mp.relax = true;
			model_opts = true;
			break;
		case O_DURATION:
			opt.mp.duration_s = num("--duration", optarg, 1, 1e7);
			model_opts = true;
			break;
		case O_SEED:
			opt.seed = (uint64_t)num("--seed", optarg, 0, 1e15);
			break;
		case O_SPEED:
			opt.speed = num("--speed", optarg, 0.01, 1e6);
			break;
		case O_LOOP:
			opt.loop = true;
			break;
		case O_HR16:
			opt.hr16 = true;
			break;
		case O_ENERGY:
			opt.energy = true;
			break;
		case O_CONTACT_UNSUP:
			opt.contact_unsupported = true;
			break;
		case O_LOCATION:
			opt.location =
			    (uint8_t)num("--location", optarg, 0, 255);
			break;
		case O_BATTERY:
			opt.battery = (uint8_t)num("--battery", optarg, 0, 100);
			break;
		case O_NO_HRS:
			opt.no_hrs = true;
			break;
		case O_NO_BATTERY:
			opt.no_battery = true;
			break;
		case O_NO_DEVINFO:
			opt.no_devinfo = true;
			break;
		case O_DROP_AT:
			parse_drops(optarg);
			break;
		case O_BUSY:
			opt.busy = true;
			break;
		case O_ARTIFACTS:
			parse_artifacts(optarg);
			break;
		case O_MALFORMED:
			opt.malformed_every =
			    (unsigned)num("--malformed", optarg, 1, 1e6);
			break;
		case O_FLOOD:
			opt.flood = true;
			break;
		case O_MTU_LIE:
			opt.mtu_lie = (long)num("--mtu-lie", optarg, 0, 65535);
			break;
		case O_CONTACT_LOST:
			parse_window(optarg);
			break;
		case O_STALL:
			opt.stall_after = (long)num("--stall", optarg, 0, 1e9);
			break;
		case O_SILENT_AFTER:
			opt.silent_after_s =
			    num("--silent-after", optarg, 0, 1e7);
			break;
		case 'q':
			opt.quiet = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc)
		die("unexpected argument '%s' (see --help)", argv[optind]);
	if (!opt.listen)
		die("--listen unix:PATH is required (see --help)");
	if (!opt.rr_path == !opt.model)
		die("give one source: --rr FILE or --model (see --help)");
	if (model_opts && !opt.model)
		die("--hr, --rmssd, --breath, --relax and --duration go with "
		    "--model");
	opt.mp.seed = opt.seed;
}

static void load_recording(void)
{
	struct vg_rrfile_error err;
	FILE *f = fopen(opt.rr_path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc;

	if (!f)
		die("%s: %s", opt.rr_path, strerror(errno));
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			char *nb = realloc(buf, cap);
			if (!nb)
				die("%s: out of memory", opt.rr_path);
			buf = nb;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		die("%s: %s", opt.rr_path, strerror(errno));
	fclose(f);
	memset(&err, 0, sizeof(err));
	rc = vg_rrfile_parse(buf, len, &rec, &err);
	free(buf);
	if (rc < 0 && err.line)
		die("%s:%zu: %s", opt.rr_path, err.line, err.msg);
	if (rc < 0)
		die("%s: %s", opt.rr_path,
		    err.msg[0] ? err.msg : strerror(-rc));
	if (rec.n == 0)
		die("%s: no RR intervals in this file", opt.rr_path);
}

/*
 * Binds the socket. A stale socket file from a killed run is replaced;
 * one with a live strap behind it, or a file that is not a socket, is
 * left alone.
 */
static void listen_socket(void)
{
	struct sockaddr_un sun;
	struct stat sb;
	const char *why = NULL;

	if (vg_addr_parse(opt.listen, &listen_addr, &why) < 0)
		die("--listen %s: %s", opt.listen, why);
	if (listen_addr.kind != VG_ADDR_UNIX)
		die("--listen: only unix:PATH can be simulated (a Bluetooth "
		    "peripheral needs advertising: see e2e/)");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, listen_addr.path, strlen(listen_addr.path) + 1);

	if (lstat(listen_addr.path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode))
			die("%s exists and is not a socket", listen_addr.path);
		int probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
		if (probe >= 0 &&
		    connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			die("another strap already listens on %s",
			    listen_addr.path);
		if (probe >= 0)
			close(probe);
		unlink(listen_addr.path);
	}
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket: %s", strerror(errno));
	if (bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		die("bind %s: %s", listen_addr.path, strerror(errno));
	unlink_on_exit = true;
	if (listen(lfd, 8) < 0)
		die("listen %s: %s", listen_addr.path, strerror(errno));
	logmsg("listening on unix:%s", listen_addr.path);
}

static void push(const struct sim_pdu *p)
{
	if (q_len == QUEUE_CAP || p->len == 0)
		return;
	queue[(q_head + q_len) % QUEUE_CAP] = *p;
	q_len++;
}

static void close_client(const char *why)
{
	if (cfd < 0)
		return;
	close(cfd);
	cfd = -1;
	q_head = q_len = 0;
	drop_pending = false;
	vg_atts_reset_link(strap.db);
	logmsg("link closed: %s", why);
}

/* Sends queued PDUs until the socket is full. */
static void flush(void)
{
	while (cfd >= 0 && q_len) {
		const struct sim_pdu *p = &queue[q_head];
		ssize_t n =
		    send(cfd, p->b, p->len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			close_client(strerror(errno));
			return;
		}
		q_head = (q_head + 1) % QUEUE_CAP;
		q_len--;
	}
}

static void on_accept(void)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return;
	/*
	 * A strap takes one central; one held by a phone takes none. The
	 * caller sees its link closed before any answer.
	 */
	if (cfd >= 0 || opt.busy) {
		close(fd);
		refused++;
		logmsg("busy: closed a connection (%s)",
		       opt.busy ? "--busy" : "a client is connected");
		return;
	}
	cfd = fd;
	connections++;
	requests = 0;
	vg_atts_reset_link(strap.db);
	logmsg("client connected (connection %lu)", connections);
}

static void on_pdu(const uint8_t *pdu, size_t len, double now)
{
	struct vg_atts_event ev;
	struct sim_pdu rsp;
	int n;

	if (opt.stall_after >= 0 && requests >= opt.stall_after && len &&
	    pdu[0] != 0x1e && !(pdu[0] & 0x40)) {
		if (requests++ == opt.stall_after)
			logmsg("stalling: no more answers (--stall)");
		return;
	}
	n = vg_atts_input(strap.db, pdu, len, rsp.b, sizeof(rsp.b), &ev);
	if (n > 0) {
		requests++;
		rsp.len = (uint16_t)n;
		push(&rsp);
	}
	switch (ev.type) {
	case VG_ATTS_EV_CCCD:
		logmsg("client %s notifications on 0x%04X",
		       ev.cccd & 1 ? "enabled" : "disabled", ev.uuid);
		if (ev.uuid == VG_UUID_HR_MEASUREMENT && (ev.cccd & 1) &&
		    t0 < 0) {
			t0 = now;
			logmsg("session clock started (speed %g)", opt.speed);
		}
		break;
	case VG_ATTS_EV_WRITE:
		if (ev.uuid == VG_UUID_HR_CONTROL_POINT) {
			strap_reset_energy(&strap, session_ms(now));
			logmsg("energy expended reset");
		}
		break;
	case VG_ATTS_EV_MTU:
		logmsg("MTU %u", vg_atts_mtu(strap.db));
		break;
	case VG_ATTS_EV_UNEXPECTED:
		logmsg("ignored an unexpected PDU (opcode 0x%02X, %zu bytes)",
		       len ? pdu[0] : 0, len);
		break;
	default:
		break;
	}
}

static void on_client(double now)
{
	uint8_t buf[VG_ATTS_MTU_MAX + 64];

	/* A bounded number per wakeup, so a chatty client cannot starve
	 * the notifications. */
	for (int i = 0; i < 64 && cfd >= 0 && q_len < QUEUE_CAP - 1; i++) {
		ssize_t n = recv(cfd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0) {
			close_client("the client closed it");
			return;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				close_client(strerror(errno));
			return;
		}
		on_pdu(buf, (size_t)n, now);
	}
}

static void generate(double now)
{
	struct sim_pdu out[BATCH];
	bool drop = false;

	if (t0 < 0 || drop_pending)
		return;
	while (QUEUE_CAP - q_len >= BATCH) {
		size_t n = strap_tick(&strap, session_ms(now), cfd >= 0, out,
				      BATCH, &drop);
		for (size_t i = 0; i < n; i++)
			push(&out[i]);
		if (drop) {
			drop_pending = true;
			return;
		}
		if (n == 0)
			return;
	}
}

static void on_signal(int signo)
{
	stop_signal = signo;
}

static void finish(int status)
{
	close_client("the simulator stops");
	if (lfd >= 0)
		close(lfd);
	if (unlink_on_exit)
		unlink(listen_addr.path);
	logmsg("%llu beats sent, %llu lost while nobody listened, %llu not "
	       "measured (no contact or longer than 64 s); %lu connections, "
	       "%lu refused",
	       (unsigned long long)strap.beats_sent,
	       (unsigned long long)strap.beats_lost,
	       (unsigned long long)strap.beats_skipped, connections, refused);
	strap_free(&strap);
	vg_rr_free(&rec);
	exit(status);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	sigset_t block, empty;
	int rc;

	parse_args(argc, argv);
	if (opt.rr_path)
		load_recording();
	rc = strap_init(&strap, &opt, opt.rr_path ? rec.ms : NULL,
			opt.rr_path ? rec.t_ms : NULL, rec.n);
	if (rc < 0)
		die("cannot set up the strap: %s", strerror(-rc));

	/*
	 * SIGINT and SIGTERM are blocked except inside ppoll(), so one that
	 * arrives between checks still ends the wait at once.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigemptyset(&empty);

	listen_socket();
	if (opt.rr_path)
		logmsg("replaying %zu beats of %s at speed %g", rec.n,
		       opt.rr_path, opt.speed);

	for (;;) {
		double now = mono_ms();
		struct pollfd pfd[2];
		struct timespec ts, *tsp = NULL;
		nfds_t nfd = 1;

		if (stop_signal) {
			logmsg("stopped by signal %d", (int)stop_signal);
			finish(0);
		}
		generate(now);
		flush();
		if (drop_pending && q_len == 0) {
			logmsg("dropping the link at session second %.0f "
			       "(--drop-at)",
			       session_ms(now) / 1000.0);
			close_client("--drop-at");
		}
		if (t0 >= 0 && strap_finished(&strap) && q_len == 0) {
			logmsg("recording ended at session second %.0f",
			       session_ms(now) / 1000.0);
			finish(0);
		}

		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		if (cfd >= 0) {
			pfd[1].fd = cfd;
			pfd[1].events = POLLIN | (q_len ? POLLOUT : 0);
			nfd = 2;
		}
		/* Sleep until the next notification is due, if one is. */
		double due =
		    t0 >= 0 && !drop_pending ? strap_next_due(&strap) : -1;
		if (opt.flood && !(cfd >= 0 && strap_listening(&strap)))
			due = -1;
		if (due >= 0 && QUEUE_CAP - q_len >= BATCH) {
			double wait = t0 + due / opt.speed - now;
			if (wait < 0)
				wait = 0;
			ts.tv_sec = (time_t)(wait / 1000.0);
			ts.tv_nsec = (long)(fmod(wait, 1000.0) * 1e6);
			tsp = &ts;
		}
		if (ppoll(pfd, nfd, tsp, &empty) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		now = mono_ms();
		if (pfd[0].revents & POLLIN)
			on_accept();
		if (nfd == 2 && cfd == pfd[1].fd) {
			if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))
				on_client(now);
			if (cfd >= 0 && (pfd[1].revents & POLLOUT))
				flush();
		}
	}
}
