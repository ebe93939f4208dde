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

#include "bt.h"
#include "sim.h"
#include "vagus/addr.h"
#include "vagus/hci.h"
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
/* --listen bt:hciN: the adapter side, NULL over a Unix socket. */
static struct simbt *bt;
static int bt_dev = -1;
static enum simbt_adv bt_adv = SIMBT_ADV_AUTO;
/* --static-address, in bdaddr_t order; valid when bt_static is set. */
static uint8_t bt_static_addr[6];
static bool bt_static;

/* Outgoing PDUs for the client: responses and notifications in order. */
static struct sim_pdu queue[QUEUE_CAP];
static size_t q_head, q_len;

static double t0 = -1; /* monotonic ms when the session clock started */
static bool drop_pending;
/*
 * Over Bluetooth the last notifications may still sit in the kernel's
 * queues when the socket is empty: a link ended at once would lose what
 * the log says was sent. A strap that drops (or stops) waits this long
 * after its last send; monotonic ms when that wait ends, < 0 none.
 */
#define BT_LINGER_MS 250.0
static double linger_until = -1;
static FILE *sent_log;
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
	    "usage: vagus-sim --listen unix:PATH|bt:hciN (--rr FILE | "
	    "--model) [options]\n"
	    "\n"
	    "A simulated Bluetooth LE heart-rate strap: Heart Rate (0x180D),\n"
	    "Battery (0x180F) and Device Information (0x180A) services over\n"
	    "ATT on a Unix SOCK_SEQPACKET socket, one client at a time. The\n"
	    "session clock starts when a client enables notifications.\n"
	    "\n"
	    "Source:\n"
	    "  --listen unix:PATH  socket to listen on (required), or\n"
	    "  --listen bt:hciN    be a real LE peripheral on adapter hciN:\n"
	    "                      advertise 0x180D and accept the central\n"
	    "                      on the ATT channel (root)\n"
	    "  --adv mgmt|hci      advertise through the management interface\n"
	    "                      or raw HCI commands (default: mgmt, else\n"
	    "                      raw HCI)\n"
	    "  --static-address A  be the strap at random static address A\n"
	    "                      (C0:..:..:..:..:.. to FF:..), as many\n"
	    "                      straps are: BR/EDR goes off (mgmt only)\n"
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
	    "  --secure            values and CCCDs answer Insufficient\n"
	    "                      Authentication until the link is "
	    "encrypted\n"
	    "                      (bt: only; over unix: they never open)\n"
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
	    "  --sent-log FILE     write each Heart Rate Measurement value\n"
	    "                      sent, in hex, one per line (for tests "
	    "that\n"
	    "                      check the receiver kept every one)\n"
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
	O_ADV,
	O_SENT_LOG,
	O_SECURE,
	O_STATIC_ADDR,
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
	    {"adv", required_argument, NULL, O_ADV},
	    {"sent-log", required_argument, NULL, O_SENT_LOG},
	    {"secure", no_argument, NULL, O_SECURE},
	    {"static-address", required_argument, NULL, O_STATIC_ADDR},
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
		case O_STATIC_ADDR: {
			struct vg_addr a;
			if (vg_addr_parse(optarg, &a, NULL) < 0 ||
			    a.kind != VG_ADDR_BT ||
			    (a.bdaddr[5] & 0xC0) != 0xC0)
				die("--static-address: a random static address "
				    "(the two top bits set, C0:.. to FF:..), "
				    "not '%s'",
				    optarg);
			memcpy(bt_static_addr, a.bdaddr, 6);
			bt_static = true;
			break;
		}
		case O_SECURE:
			opt.secure = true;
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
		case O_ADV:
			if (strcmp(optarg, "mgmt") == 0)
				bt_adv = SIMBT_ADV_MGMT;
			else if (strcmp(optarg, "hci") == 0)
				bt_adv = SIMBT_ADV_HCI;
			else
				die("--adv: mgmt or hci, not '%s'", optarg);
			break;
		case O_SENT_LOG:
			sent_log = fopen(optarg, "w");
			if (!sent_log)
				die("--sent-log %s: %s", optarg,
				    strerror(errno));
			setvbuf(sent_log, NULL, _IOLBF, 0);
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
		die("--listen unix:PATH or bt:hciN is required (see --help)");
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

static void bt_log(const char *msg)
{
	logmsg("%s", msg);
}

static void listen_bt(void)
{
	struct simbt_config cfg = {
	    .dev = bt_dev,
	    .adv = bt_adv,
	    .name = "vagus-sim",
	    .hrs = !opt.no_hrs,
	    .static_addr = bt_static ? bt_static_addr : NULL,
	    .log = bt_log,
	};
	char why[256];

	bt = simbt_open(&cfg, why, sizeof(why));
	if (!bt)
		die("--listen %s: %s", opt.listen, why);
	lfd = simbt_listen_fd(bt);
	logmsg("listening on %s, ATT channel", simbt_describe(bt));
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

	if (simbt_parse(opt.listen, &bt_dev) == 0) {
		if (bt_static && bt_adv == SIMBT_ADV_HCI)
			die("--static-address works with --adv mgmt only");
		listen_bt();
		return;
	}
	if (bt_static)
		die("--static-address is for --listen bt:hciN");
	if (vg_addr_parse(opt.listen, &listen_addr, &why) < 0)
		die("--listen %s: %s", opt.listen, why);
	if (listen_addr.kind != VG_ADDR_UNIX)
		die("--listen: a strap is simulated on unix:PATH or on an "
		    "adapter of this machine, bt:hciN, not at a strap's "
		    "address");
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

/*
 * Over Bluetooth a strap that ends the link gives the central an HCI
 * reason (@hci_reason; 0 when the client left first): the link goes down
 * with it at once instead of when the kernel notices the idle link.
 */
static void end_link(int fd, uint8_t hci_reason)
{
	int rc;

	if (bt && hci_reason) {
		rc = simbt_drop(bt, fd, hci_reason);
		if (rc < 0)
			logmsg("could not end the link with reason 0x%02X "
			       "(%s); closed the channel",
			       hci_reason, strerror(-rc));
		return;
	}
	close(fd);
}

/*
 * Connections refused over Bluetooth are ended a moment after they came:
 * a link torn down while the central's kernel still sets it up trips a
 * use-after-free in Debian's 6.1 kernel (hci_chan_del), on both sides.
 */
#define REFUSE_MAX 8
#define REFUSE_AFTER_MS 500.0
static int refuse_fd[REFUSE_MAX];
static double refuse_at[REFUSE_MAX];
static size_t nrefuse;

static void refuse(int fd, double now)
{
	if (!bt || nrefuse == REFUSE_MAX) {
		end_link(fd, VG_HCI_REMOTE_LOW_RESOURCES);
		return;
	}
	refuse_fd[nrefuse] = fd;
	refuse_at[nrefuse++] = now + REFUSE_AFTER_MS;
}

/* Ends the refused links that are due; returns the next due time or -1. */
static double refuse_due(double now)
{
	double next = -1;

	for (size_t i = 0; i < nrefuse;) {
		if (now >= refuse_at[i]) {
			end_link(refuse_fd[i], VG_HCI_REMOTE_LOW_RESOURCES);
			refuse_fd[i] = refuse_fd[--nrefuse];
			refuse_at[i] = refuse_at[nrefuse];
			continue;
		}
		if (next < 0 || refuse_at[i] < next)
			next = refuse_at[i];
		i++;
	}
	return next;
}

static void close_client_reason(const char *why, uint8_t hci_reason)
{
	if (cfd < 0)
		return;
	end_link(cfd, hci_reason);
	cfd = -1;
	q_head = q_len = 0;
	drop_pending = false;
	linger_until = -1;
	vg_atts_reset_link(strap.db);
	logmsg("link closed: %s", why);
}

static void close_client(const char *why)
{
	close_client_reason(why, 0);
}

/* A Handle Value Notification of the Heart Rate Measurement. */
static void log_sent(const struct sim_pdu *p)
{
	if (!sent_log || p->len < 3 || p->b[0] != 0x1B ||
	    (uint16_t)(p->b[1] | p->b[2] << 8) != strap.h_hrm)
		return;
	for (uint16_t i = 3; i < p->len; i++)
		fprintf(sent_log, "%02x", p->b[i]);
	fputc('\n', sent_log);
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
		log_sent(p);
		q_head = (q_head + 1) % QUEUE_CAP;
		q_len--;
	}
}

static void on_accept(double now)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	char peer[64] = "";

	if (fd < 0)
		return;
	if (bt)
		simbt_peer(fd, peer, sizeof(peer));
	/*
	 * A strap takes one central; one held by a phone takes none. The
	 * caller sees its link closed before any answer.
	 */
	if (cfd >= 0 || opt.busy) {
		refuse(fd, now);
		refused++;
		logmsg("busy: closed a connection%s%s (%s)",
		       *peer ? " from " : "", peer,
		       opt.busy ? "--busy" : "a client is connected");
		return;
	}
	cfd = fd;
	connections++;
	requests = 0;
	vg_atts_reset_link(strap.db);
	logmsg("client connected%s%s (connection %lu)", *peer ? " from " : "",
	       peer, connections);
}

/* With --secure over Bluetooth: has the central paired? */
static void check_security(void)
{
	static int last = -1;
	int level;

	if (!bt || !opt.secure || cfd < 0)
		return;
	level = simbt_security(cfd);
	if (level != last && level >= 0)
		logmsg("link security level %d%s", level,
		       level >= 2 ? " (encrypted)" : "");
	last = level;
	vg_atts_set_link_encrypted(strap.db, level >= 2);
}

static void on_pdu(const uint8_t *pdu, size_t len, double now)
{
	struct vg_atts_event ev;
	struct sim_pdu rsp;
	int n;

	check_security();
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
	refuse_due(HUGE_VAL);
	/* A strap that stops is one switched off. */
	close_client_reason("the simulator stops", VG_HCI_REMOTE_POWER_OFF);
	if (bt) {
		simbt_close(bt); /* closes lfd too */
		bt = NULL;
		lfd = -1;
	}
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
	if (sent_log)
		fclose(sent_log);
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
		struct pollfd pfd[3];
		struct timespec ts, *tsp = NULL;
		nfds_t nfd = 1;
		int ci = -1, bi = -1;

		if (stop_signal) {
			logmsg("stopped by signal %d", (int)stop_signal);
			finish(0);
		}
		generate(now);
		flush();
		if (bt && cfd >= 0 && q_len == 0 &&
		    (drop_pending || (t0 >= 0 && strap_finished(&strap)))) {
			if (linger_until < 0)
				linger_until = now + BT_LINGER_MS;
		} else {
			linger_until = -1;
		}
		bool lingering = linger_until >= 0 && now < linger_until;
		if (drop_pending && q_len == 0 && !lingering) {
			logmsg("dropping the link at session second %.0f "
			       "(--drop-at)",
			       session_ms(now) / 1000.0);
			close_client_reason("--drop-at",
					    VG_HCI_CONN_PARAMS_REJECTED);
		}
		if (t0 >= 0 && strap_finished(&strap) && q_len == 0 &&
		    !lingering) {
			logmsg("recording ended at session second %.0f",
			       session_ms(now) / 1000.0);
			finish(0);
		}

		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		if (cfd >= 0) {
			ci = (int)nfd++;
			pfd[ci].fd = cfd;
			pfd[ci].events = POLLIN | (q_len ? POLLOUT : 0);
		}
		if (bt) {
			bi = (int)nfd++;
			pfd[bi].fd = simbt_ctl_fd(bt);
			pfd[bi].events = POLLIN;
		}
		/* Sleep until the next notification is due, if one is. */
		double due =
		    t0 >= 0 && !drop_pending ? strap_next_due(&strap) : -1;
		if (opt.flood && !(cfd >= 0 && strap_listening(&strap)))
			due = -1;
		double rdue = refuse_due(now);
		if (rdue >= 0 && !lingering) {
			double wait = rdue - now;
			if (due >= 0 && t0 + due / opt.speed - now < wait)
				wait = t0 + due / opt.speed - now;
			if (wait < 0)
				wait = 0;
			ts.tv_sec = (time_t)(wait / 1000.0);
			ts.tv_nsec = (long)(fmod(wait, 1000.0) * 1e6);
			tsp = &ts;
		} else if (lingering) {
			double wait = linger_until - now;
			ts.tv_sec = (time_t)(wait / 1000.0);
			ts.tv_nsec = (long)(fmod(wait, 1000.0) * 1e6);
			tsp = &ts;
		} else if (due >= 0 && QUEUE_CAP - q_len >= BATCH) {
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
		if (bi >= 0 && (pfd[bi].revents & (POLLIN | POLLERR))) {
			rc = simbt_process(bt);
			if (rc < 0)
				die("the adapter went away: %s", strerror(-rc));
		}
		if (pfd[0].revents & POLLIN)
			on_accept(now);
		if (ci >= 0 && cfd == pfd[ci].fd) {
			if (pfd[ci].revents & (POLLIN | POLLHUP | POLLERR))
				on_client(now);
			if (cfd >= 0 && (pfd[ci].revents & POLLOUT))
				flush();
		}
	}
}
