/* SPDX-License-Identifier: MIT */
/*
 * vagus probe STRAP: connect to one strap, show what it is (services,
 * handles, maker, model, firmware, battery, body location), then print
 * each Heart Rate Measurement it sends until the link closes. A user runs
 * it to check a strap before a session; it needs no daemon.
 *
 * The protocol is the Heart Rate profile client of vagus/hrp.h over the
 * transport of sys/transport.h; this file is the I/O glue (one poll loop,
 * CLOCK_MONOTONIC in ms) and the presentation.
 *
 * Exit status: 0 when --count measurements came or the user stopped it
 * (SIGINT, SIGTERM); 1 when the strap cannot be reached, is busy, breaks
 * the protocol, goes quiet, lacks the Heart Rate Service, or closes the
 * link; 2 for a usage error; 3 out of memory.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sys/btagent.h"
#include "sys/transport.h"
#include "vagus/addr.h"
#include "vagus/hrp.h"
#include "vagus/hrs.h"
#include "vagus/json.h"

/* Malformed measurements shown one by one; the rest are only counted. */
#define MALFORMED_SHOWN 10
/* An RR this far from the median of the last few is suspect. */
#define ARTIFACT_FRACTION 0.30
#define ARTIFACT_WINDOW 5
#define DEFAULT_TIMEOUT_MS 30000

struct probe {
	struct vg_addr addr;
	char spec[160];
	bool json;
	long count; /* stop after this many measurements; 0: never */
	int timeout_ms;
	int adapter; /* hci index to connect from, or any */

	int fd;
	struct vg_hrp *hrp;
	uint8_t tx[VG_ATT_MTU_MAX]; /* a PDU the socket had no room for */
	size_t tx_len;
	int64_t t_start;   /* monotonic ms at connect */
	int64_t last_meas; /* monotonic ms of the last measurement */
	bool answered;	   /* the strap sent at least one PDU */
	bool securing;	   /* the kernel is pairing/encrypting the link */
	struct vg_btagent *agent; /* confirms Just Works pairing, or NULL */
	int mtu_announced;	  /* the strap's Exchange MTU answer, -1 */
	bool done;
	int status;

	/* what it sent */
	uint64_t measurements, malformed;
	uint64_t counted; /* measurements with skin contact or unsupported */
	uint64_t rr_values;
	uint64_t rr_units; /* sum of RR, 1/1024 s */
	int contact;	   /* enum vg_contact of the last one, -1 none yet */
	bool flood_warned;
	uint64_t suspect_rr;
	double recent[ARTIFACT_WINDOW];
	size_t nrecent;
	int battery; /* last percent, -1 unknown */
};

/* SIGINT or SIGTERM: the user is done; stop cleanly with the summary. */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int signo)
{
	stop_signal = signo;
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs("vagus probe: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
}

/* Ends the run with @status after saying why; the first reason wins. */
static void fail(struct probe *p, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fail(struct probe *p, int status, const char *fmt, ...)
{
	va_list ap;

	if (p->done)
		return;
	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
	p->done = true;
	p->status = status;
}

static const char *service_name(const struct vg_uuid *u)
{
	uint16_t v;

	if (!vg_uuid_to16(u, &v))
		return "vendor-specific";
	switch (v) {
	case 0x1800:
		return "Generic Access";
	case 0x1801:
		return "Generic Attribute";
	case VG_UUID_HEART_RATE_SERVICE:
		return "Heart Rate";
	case VG_UUID_BATTERY_SERVICE:
		return "Battery";
	case VG_UUID_DEVICE_INFO_SERVICE:
		return "Device Information";
	case 0x181a:
		return "Environmental Sensing";
	case 0x1814:
		return "Running Speed and Cadence";
	case 0x1816:
		return "Cycling Speed and Cadence";
	}
	return "other";
}

static void props_text(uint8_t props, char *buf, size_t cap)
{
	static const struct {
		uint8_t bit;
		const char *name;
	} names[] = {
	    {VG_GATT_PROP_READ, "read"},
	    {VG_GATT_PROP_WRITE_NR, "write-no-rsp"},
	    {VG_GATT_PROP_WRITE, "write"},
	    {VG_GATT_PROP_NOTIFY, "notify"},
	    {VG_GATT_PROP_INDICATE, "indicate"},
	};
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((props & names[i].bit) && n < cap)
			n += (size_t)snprintf(buf + n, cap - n, "%s%s",
					      n ? "," : "", names[i].name);
}

static void print_char(const char *name, uint16_t uuid,
		       const struct vg_hrp_char *c)
{
	char props[64];

	if (!c->found)
		return;
	props_text(c->props, props, sizeof(props));
	printf("  0x%04X  0x%04X %-25s %s", c->value, uuid, name, props);
	if (c->cccd)
		printf("  (CCCD 0x%04X)", c->cccd);
	printf("\n");
}

static const char *or_none(const char *s)
{
	return s[0] ? s : "(not given)";
}

/*
 * The MTU exchange is done by the client; what the strap announced is
 * seen here only, in the glue, to tell the user about a strap that
 * answers outside the rules (below 23, or above what we offered).
 */
static void check_mtu(struct probe *p, const struct vg_hrp_info *info)
{
	int a = p->mtu_announced;

	if (a >= 0 && a < VG_ATT_MTU_MIN)
		warn("the strap answered the MTU exchange with %d, below the "
		     "minimum of %d: using ATT MTU %u",
		     a, VG_ATT_MTU_MIN, info->mtu);
	else if (a > VG_ATT_MTU_MAX)
		warn("the strap answered the MTU exchange with %d, more than "
		     "the %d we offered: using ATT MTU %u",
		     a, VG_ATT_MTU_MAX, info->mtu);
}

/* Discovered and subscribed: say what the strap is. */
static void on_ready(struct probe *p, const struct vg_hrp_info *info)
{
	char uuid[VG_UUID_STR_MAX];

	p->last_meas = monotonic_ms();
	if (info->has_battery)
		p->battery = info->battery_percent;
	if (p->json)
		return;
	printf("connected to %s, ATT MTU %u\n", p->spec, info->mtu);
	printf("services:\n");
	for (unsigned i = 0; i < info->n_services; i++) {
		const struct vg_gatt_service *s = &info->services[i];
		uint16_t u16;
		if (vg_uuid_to16(&s->uuid, &u16))
			snprintf(uuid, sizeof(uuid), "0x%04X", u16);
		else
			vg_uuid_str(&s->uuid, uuid, sizeof(uuid));
		printf("  0x%04X-0x%04X  %s %s\n", s->start, s->end, uuid,
		       service_name(&s->uuid));
	}
	if (info->services_truncated)
		printf("  (more services not listed)\n");
	printf("characteristics (value handle):\n");
	print_char("Heart Rate Measurement", VG_UUID_HR_MEASUREMENT,
		   &info->hrm);
	print_char("Body Sensor Location", VG_UUID_BODY_SENSOR_LOCATION,
		   &info->body_location);
	print_char("Heart Rate Control Point", VG_UUID_HR_CONTROL_POINT,
		   &info->control_point);
	print_char("Battery Level", VG_UUID_BATTERY_LEVEL, &info->battery);
	print_char("Manufacturer Name", VG_UUID_MANUFACTURER_NAME,
		   &info->manufacturer);
	print_char("Model Number", VG_UUID_MODEL_NUMBER, &info->model);
	print_char("Firmware Revision", VG_UUID_FIRMWARE_REVISION,
		   &info->firmware);
	printf("manufacturer   %s\n", or_none(info->manufacturer_name));
	printf("model          %s\n", or_none(info->model_number));
	printf("firmware       %s\n", or_none(info->firmware_revision));
	if (info->has_battery)
		printf("battery        %u %%%s\n", info->battery_percent,
		       info->battery_notifying ? "" : " (not notifying)");
	else
		printf("battery        (not given)\n");
	if (info->has_body_location)
		printf("body location  %s\n",
		       vg_hrs_body_location_name(info->body_location_value));
	else
		printf("body location  (not given)\n");
	printf("measurements: HR, skin contact, energy, RR in ms [raw 1/1024 "
	       "s]\n");
	fflush(stdout);
}

/* Why a measurement value did not decode, in words. */
static const char *malformed_reason(const uint8_t *v, size_t len, int err)
{
	size_t need;

	if (err == -EMSGSIZE)
		return "longer than any ATT notification";
	if (len == 0)
		return "empty value";
	need = 1 + ((v[0] & 0x01) ? 2 : 1);
	if (len < need)
		return (v[0] & 0x01) ? "the flags announce a 16-bit heart "
				       "rate but the value ends before it"
				     : "no heart rate after the flags";
	if ((v[0] & 0x08) && len < need + 2)
		return "the flags announce Energy Expended but the value ends "
		       "before it";
	return "an odd byte at the end of the RR list";
}

static void report_malformed(struct probe *p, const uint8_t *v, size_t len,
			     int err)
{
	char hex[3 * 24 + 8];
	size_t n = 0;

	p->malformed++;
	if (p->malformed > MALFORMED_SHOWN)
		return;
	hex[0] = '\0';
	for (size_t i = 0; i < len && i < 24; i++)
		n += (size_t)snprintf(hex + n, sizeof(hex) - n, "%s%02x",
				      i ? " " : "", v[i]);
	if (len > 24)
		snprintf(hex + n, sizeof(hex) - n, " ...");
	warn("malformed measurement after #%" PRIu64 " (%zu bytes%s%s): %s; "
	     "skipped%s",
	     p->measurements, len, len ? ": " : "", hex,
	     malformed_reason(v, len, err),
	     p->malformed == MALFORMED_SHOWN ? " (no more of these shown)"
					     : "");
}

/*
 * A cheap live check, not the Kubios-style correction of the analysis:
 * an interval more than 30 % away from the median of the previous five
 * is a missed or extra beat, an ectopic beat, or noise.
 */
static bool suspect_rr(struct probe *p, double ms)
{
	double s[ARTIFACT_WINDOW], med;
	size_t n = p->nrecent;
	bool bad = false;

	if (n < ARTIFACT_WINDOW) {
		p->recent[p->nrecent++] = ms;
		return false;
	}
	memcpy(s, p->recent, sizeof(s));
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && s[j - 1] > s[j]; j--) {
			double t = s[j];
			s[j] = s[j - 1];
			s[j - 1] = t;
		}
	med = s[n / 2];
	bad = ms > med * (1 + ARTIFACT_FRACTION) ||
	      ms < med * (1 - ARTIFACT_FRACTION);
	memmove(p->recent, p->recent + 1, (n - 1) * sizeof(double));
	p->recent[n - 1] = ms;
	return bad;
}

/*
 * One JSON object per line: n, t_ms (since connecting), hr_bpm, contact
 * (true, false, null when the strap cannot tell), energy_kj (null when
 * absent), rr (1/1024 s, as sent) and rr_ms.
 */
static void print_json(struct probe *p, const struct vg_hrm *m, int64_t now)
{
	char line[VG_HRM_RR_MAX * 24 + 256];
	struct vg_json j;

	vg_json_init(&j, line, sizeof(line), 0);
	vg_json_begin_object(&j);
	vg_json_key_uint(&j, "n", p->measurements);
	vg_json_key_int(&j, "t_ms", now - p->t_start);
	vg_json_key_uint(&j, "hr_bpm", m->hr_bpm);
	if (m->contact == VG_CONTACT_UNSUPPORTED)
		vg_json_key_null(&j, "contact");
	else
		vg_json_key_bool(&j, "contact", m->contact == VG_CONTACT_OK);
	if (m->has_energy)
		vg_json_key_uint(&j, "energy_kj", m->energy_kj);
	else
		vg_json_key_null(&j, "energy_kj");
	vg_json_key_array(&j, "rr");
	for (unsigned i = 0; i < m->rr_count; i++)
		vg_json_uint(&j, m->rr[i]);
	vg_json_end_array(&j);
	vg_json_key_array(&j, "rr_ms");
	for (unsigned i = 0; i < m->rr_count; i++)
		vg_json_num(&j, vg_rr1024_to_ms(m->rr[i]));
	vg_json_end_array(&j);
	vg_json_end_object(&j);
	if (vg_json_error(&j))
		fail(p, CLI_EXIT_INTERNAL, "cannot write JSON: %s",
		     strerror(-vg_json_error(&j)));
	else
		printf("%s\n", vg_json_text(&j));
	vg_json_free(&j);
}

static void print_text(struct probe *p, const struct vg_hrm *m)
{
	printf("%6" PRIu64 "  %3u bpm  %-11s", p->measurements, m->hr_bpm,
	       m->contact == VG_CONTACT_OK     ? "contact"
	       : m->contact == VG_CONTACT_LOST ? "NO CONTACT"
					       : "contact n/a");
	if (m->has_energy)
		printf("  %5u kJ", m->energy_kj);
	else
		printf("  %8s", "-");
	if (m->rr_count == 0)
		printf("  no RR");
	for (unsigned i = 0; i < m->rr_count; i++)
		printf("%s %.1f [%u]", i ? "," : "  RR",
		       vg_rr1024_to_ms(m->rr[i]), m->rr[i]);
	printf("\n");
}

static void on_measurement(struct probe *p, const struct vg_hrm *m, int64_t now)
{
	p->measurements++;
	if (m->contact == VG_CONTACT_LOST && p->contact != VG_CONTACT_LOST)
		warn("no skin contact (measurement %" PRIu64 "): wet the "
		     "electrodes and tighten the strap",
		     p->measurements);
	else if (m->contact != VG_CONTACT_LOST && p->contact == VG_CONTACT_LOST)
		warn("contact is back (measurement %" PRIu64 ")",
		     p->measurements);
	p->contact = (int)m->contact;

	for (unsigned i = 0; i < m->rr_count; i++) {
		p->rr_units += m->rr[i];
		if (suspect_rr(p, vg_rr1024_to_ms(m->rr[i])))
			p->suspect_rr++;
	}
	p->rr_values += m->rr_count;

	/*
	 * Straps notify about once per second of beats, however fast the
	 * clock runs: far more measurements than seconds of RR is a flood
	 * (a firmware bug, or a strap replaying its buffer).
	 */
	if (m->contact != VG_CONTACT_LOST)
		p->counted++;
	if (!p->flood_warned && p->counted > 4 * (p->rr_units / 1024) + 20) {
		p->flood_warned = true;
		warn("notification flood: %" PRIu64 " measurements for %" PRIu64
		     " s of beats (a strap sends about one a second); showing "
		     "them all",
		     p->counted, p->rr_units / 1024);
	}

	if (p->json)
		print_json(p, m, now);
	else
		print_text(p, m);
	if (p->count && p->measurements >= (uint64_t)p->count && !p->done) {
		p->done = true;
		p->status = CLI_EXIT_OK;
	}
}

static void on_battery(struct probe *p, uint8_t percent)
{
	if (p->battery != percent && vg_hrp_ready(p->hrp) && !p->json)
		printf("battery %u %%\n", percent);
	p->battery = percent;
}

static bool has_service(const struct vg_hrp_info *info, uint16_t uuid)
{
	for (unsigned i = 0; i < info->n_services; i++)
		if (vg_uuid_is16(&info->services[i].uuid, uuid))
			return true;
	return false;
}

/* The client gave up on the link: say why in the user's terms. */
static void on_closed(struct probe *p, int err, const char *reason)
{
	const struct vg_hrp_info *info = vg_hrp_info(p->hrp);

	if (err == -ETIMEDOUT)
		fail(p, CLI_EXIT_DATA,
		     "%s: %s: the strap stopped answering (out of range, or "
		     "hung)",
		     p->spec, reason);
	else if (err == -EPROTO || err == -EBADMSG || err == -EMSGSIZE)
		fail(p, CLI_EXIT_DATA,
		     "%s: the strap broke the ATT protocol, link closed after "
		     "%" PRIu64 " measurements: %s",
		     p->spec, p->measurements, reason);
	else if (!vg_hrp_ready(p->hrp) && info->n_services &&
		 !has_service(info, VG_UUID_HEART_RATE_SERVICE))
		fail(p, CLI_EXIT_DATA,
		     "%s: no Heart Rate Service (0x180D) among its %u "
		     "services: not a heart-rate strap",
		     p->spec, info->n_services);
	else if (!vg_hrp_ready(p->hrp))
		fail(p, CLI_EXIT_DATA, "%s: %s", p->spec, reason);
	else
		fail(p, CLI_EXIT_DATA,
		     "%s: %s (after %" PRIu64 " measurements)", p->spec, reason,
		     p->measurements);
}

/* The pairing agent asks about the peer: ours while we secure it. */
static bool agent_wants(void *arg, const struct vg_addr *peer)
{
	const struct probe *p = arg;

	return p->securing && vg_addr_same(&p->addr, peer);
}

static void agent_note(void *arg, const struct vg_addr *peer, const char *text)
{
	const struct probe *p = arg;

	warn("%s: %s", p->spec, text);
}

/*
 * Without bluetoothd nobody else confirms the kernel's Just Works
 * pairing: the agent does, for this strap only (sys/btagent.h).
 */
static void open_agent(struct probe *p)
{
	int err = 0;

	if (p->agent || p->addr.kind != VG_ADDR_BT)
		return;
	p->agent = vg_btagent_open(&err);
	if (!p->agent)
		warn("cannot answer pairing requests (%s): unless bluetoothd's "
		     "agent does, pair the strap once with bluetoothctl",
		     strerror(-err));
}

static void drain_events(struct probe *p, int64_t now)
{
	struct vg_hrp_event ev;

	while (vg_hrp_next_event(p->hrp, &ev)) {
		switch (ev.type) {
		case VG_HRP_EV_SECURITY: {
			/*
			 * The strap wants an encrypted link: ask the kernel
			 * (it pairs if needed) and let the client resend.
			 */
			int rc;

			open_agent(p);
			rc = vg_transport_set_security(
			    p->fd, &p->addr,
			    (enum vg_transport_security)ev.security);
			if (rc < 0)
				warn("cannot raise the link's security: %s",
				     strerror(-rc));
			else if (p->addr.kind == VG_ADDR_BT)
				warn("%s: the strap asks for an encrypted "
				     "link: pairing",
				     p->spec);
			p->securing = rc == 0 && p->addr.kind == VG_ADDR_BT;
			vg_hrp_security_done(p->hrp, now, rc);
			break;
		}
		case VG_HRP_EV_READY:
			on_ready(p, vg_hrp_info(p->hrp));
			break;
		case VG_HRP_EV_MEASUREMENT:
			p->last_meas = now;
			if (ev.err)
				report_malformed(p, ev.raw, ev.raw_len, ev.err);
			else if (!p->done)
				on_measurement(p, &ev.hrm, now);
			break;
		case VG_HRP_EV_BATTERY:
			on_battery(p, ev.battery);
			break;
		case VG_HRP_EV_WARNING:
			warn("%s", ev.text);
			break;
		case VG_HRP_EV_CLOSED:
			on_closed(p, ev.err, ev.text);
			break;
		default:
			break;
		}
	}
	if (vg_hrp_closed(p->hrp))
		on_closed(p, vg_hrp_close_error(p->hrp),
			  vg_hrp_close_reason(p->hrp));
}

static void print_summary(const struct probe *p)
{
	if (p->malformed)
		warn("%" PRIu64 " malformed measurements skipped",
		     p->malformed);
	if (p->suspect_rr)
		warn("%" PRIu64 " of %" PRIu64 " RR intervals (%.1f %%) differ "
		     "from the median of the previous five by more than 30 "
		     "%%: artifacts (missed or extra beats) or ectopic beats",
		     p->suspect_rr, p->rr_values,
		     100.0 * (double)p->suspect_rr / (double)p->rr_values);
}

static void usage(FILE *f)
{
	fputs(
	    "usage: vagus probe [--json] [--count N] [--timeout S] [--adapter "
	    "hciN]\n"
	    "                   STRAP\n"
	    "\n"
	    "Connects to a heart-rate strap, shows its services, handles,\n"
	    "maker, model, firmware, battery and body location, then each\n"
	    "Heart Rate Measurement until the link closes.\n"
	    "\n"
	    "  STRAP         bt:AA:BB:CC:DD:EE:FF[/public|/random], or\n"
	    "                unix:PATH for the simulated strap (vagus-sim)\n"
	    "  --json        one JSON object per measurement: n, t_ms,\n"
	    "                hr_bpm, contact (true, false, or null when not\n"
	    "                supported), energy_kj (null when absent),\n"
	    "                rr (1/1024 s) and rr_ms\n"
	    "  --count N     stop after N measurements\n"
	    "  --timeout S   give up when connecting, or waiting for the next\n"
	    "                measurement, takes longer than S s (30)\n"
	    "  --adapter hciN  connect through this Bluetooth adapter\n"
	    "                (default: the kernel's choice)\n"
	    "\n"
	    "Exit status: 0 after --count measurements or when stopped with\n"
	    "Ctrl-C, 1 when the strap is unreachable, busy, misbehaves or\n"
	    "closes the link, 2 usage error, 3 internal error.\n",
	    f);
}

static int parse_args(struct probe *p, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"count", required_argument, NULL, 'c'},
	    {"timeout", required_argument, NULL, 't'},
	    {"adapter", required_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *why = NULL;
	char *end;
	double v;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "jc:t:a:h", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'j':
			p->json = true;
			break;
		case 'c':
			errno = 0;
			p->count = strtol(optarg, &end, 10);
			if (errno || *end || end == optarg || p->count < 1)
				return cli_usage_error(
				    "probe",
				    "--count: want a whole number >= 1, "
				    "not '%s'",
				    optarg);
			break;
		case 't':
			errno = 0;
			v = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(v > 0) ||
			    v > 86400)
				return cli_usage_error(
				    "probe",
				    "--timeout: want seconds in (0, "
				    "86400], not '%s'",
				    optarg);
			p->timeout_ms = (int)(v * 1000);
			break;
		case 'a':
			p->adapter = vg_adapter_parse(optarg);
			if (p->adapter < 0)
				return cli_usage_error(
				    "probe",
				    "--adapter: want hciN, as in hci0, "
				    "not '%s'",
				    optarg);
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			return cli_usage_error("probe", "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("probe", optind == argc
						    ? "which strap?"
						    : "one strap at a time");
	if (vg_addr_parse(argv[optind], &p->addr, &why) < 0)
		return cli_usage_error("probe", "%s: %s", argv[optind], why);
	vg_addr_format(&p->addr, p->spec, sizeof(p->spec));
	return 0;
}

/*
 * poll() that SIGINT and SIGTERM always interrupt: they are blocked
 * everywhere else, so one that comes between two checks is not missed.
 */
static int wait_fds(struct pollfd *pfd, nfds_t n, int timeout_ms)
{
	struct timespec ts, *tsp = NULL;
	sigset_t open_mask;

	sigprocmask(SIG_SETMASK, NULL, &open_mask);
	sigdelset(&open_mask, SIGINT);
	sigdelset(&open_mask, SIGTERM);
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		tsp = &ts;
	}
	return ppoll(pfd, n, tsp, &open_mask);
}

static void catch_stop_signals(void)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, NULL);
}

static void connect_failed(struct probe *p, int err)
{
	const char *why = vg_transport_explain(&p->addr, err);

	if (err == -EINTR)
		fail(p, CLI_EXIT_OK, "%s: stopped while connecting", p->spec);
	else if (err == -ETIMEDOUT)
		fail(p, CLI_EXIT_DATA,
		     "%s: no connection within %g s: is the strap worn (wet "
		     "electrodes), in range, and free (not connected to a "
		     "phone or another app)?",
		     p->spec, p->timeout_ms / 1000.0);
	else
		fail(p, CLI_EXIT_DATA, "%s: %s", p->spec,
		     why ? why : strerror(-err));
}

/* Waits for a pending (Bluetooth) connect. Returns 0 or -errno. */
static int wait_connected(struct probe *p)
{
	struct pollfd pfd = {.fd = p->fd, .events = POLLOUT};
	int64_t end = monotonic_ms() + p->timeout_ms;

	for (;;) {
		int64_t left = end - monotonic_ms();
		if (stop_signal)
			return -EINTR;
		if (left <= 0)
			return -ETIMEDOUT;
		int n = wait_fds(&pfd, 1, (int)left);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			return vg_transport_finish(p->fd);
	}
}

/* The link is gone: say what that means at this point. */
static void link_closed(struct probe *p, int err)
{
	if (!p->answered)
		fail(p, CLI_EXIT_DATA,
		     "%s: the strap closed the link before answering: the "
		     "strap is busy: is a phone or another app connected to "
		     "it?",
		     p->spec);
	else if (err && err != -ECONNRESET && err != -EPIPE)
		fail(p, CLI_EXIT_DATA,
		     "%s: the link failed (%s) after %" PRIu64 " measurements",
		     p->spec, strerror(-err), p->measurements);
	else
		fail(p, CLI_EXIT_DATA,
		     "%s: strap closed the link after %" PRIu64 " measurements",
		     p->spec, p->measurements);
}

/*
 * Sends what the client has queued. Returns false when the socket is
 * full (the PDU waits in p->tx for POLLOUT) or the link failed.
 */
static bool flush_tx(struct probe *p)
{
	for (;;) {
		if (!p->tx_len) {
			int n = vg_hrp_pop_tx(p->hrp, p->tx, sizeof(p->tx));
			if (n <= 0)
				return true;
			p->tx_len = (size_t)n;
		}
		if (send(p->fd, p->tx, p->tx_len, MSG_NOSIGNAL | MSG_DONTWAIT) <
		    0) {
			if (errno == EAGAIN || errno == EINTR)
				return false;
			/*
			 * While the kernel pairs, the socket is in BT_CONFIG:
			 * send() says ENOTCONN and POLLOUT comes once the
			 * link is encrypted. Not a dead link.
			 */
			if (errno == ENOTCONN && p->securing)
				return false;
			link_closed(p, -errno);
			return false;
		}
		p->tx_len = 0;
	}
}

static void read_pdus(struct probe *p)
{
	uint8_t pdu[VG_ATT_RX_BUF];

	/* A bounded batch per wakeup, so deadlines are still checked. */
	for (int i = 0; i < 256 && !p->done; i++) {
		ssize_t n = recv(p->fd, pdu, sizeof(pdu), MSG_DONTWAIT);
		int64_t now = monotonic_ms();
		if (n == 0) {
			link_closed(p, 0);
			return;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR &&
			    !(errno == ENOTCONN && p->securing))
				link_closed(p, -errno);
			return;
		}
		p->answered = true;
		/* An answer after the raise: the link is encrypted. */
		p->securing = false;
		/* Exchange MTU Response: opcode, server Rx MTU (le16). */
		bool mtu_rsp = n == 3 && pdu[0] == VG_ATT_OP_MTU_RSP &&
			       p->mtu_announced < 0;
		if (mtu_rsp)
			p->mtu_announced = pdu[1] | pdu[2] << 8;
		vg_hrp_input(p->hrp, now, pdu, (size_t)n);
		if (mtu_rsp)
			check_mtu(p, vg_hrp_info(p->hrp));
		drain_events(p, now);
		/* The client may have answered (a confirmation). */
		flush_tx(p);
	}
}

static void loop(struct probe *p)
{
	while (!p->done) {
		int64_t now = monotonic_ms();
		int64_t deadline = vg_hrp_next_deadline(p->hrp);
		/* The link, and the pairing agent once there is one. */
		struct pollfd pfd[2] = {
		    {.fd = p->fd, .events = POLLIN},
		    {.fd = p->agent ? vg_btagent_fd(p->agent) : -1,
		     .events = POLLIN},
		};
		int timeout = -1;

		if (!flush_tx(p))
			pfd[0].events |= POLLOUT;
		if (p->done)
			break;
		if (vg_hrp_ready(p->hrp) &&
		    p->last_meas + p->timeout_ms < deadline)
			deadline = p->last_meas + p->timeout_ms;
		if (deadline != VG_ATT_NEVER)
			timeout = deadline > now ? (int)(deadline - now) : 0;
		int n = wait_fds(pfd, 2, timeout);
		if (n < 0 && errno != EINTR) {
			fail(p, CLI_EXIT_INTERNAL, "poll: %s", strerror(errno));
			break;
		}
		if (stop_signal) {
			warn("stopped after %" PRIu64 " measurements",
			     p->measurements);
			p->done = true;
			p->status = CLI_EXIT_OK;
			break;
		}
		if (n > 0 && pfd[1].revents) {
			int rc = vg_btagent_process(p->agent, agent_wants,
						    agent_note, p);
			if (rc < 0) {
				warn("pairing agent: %s", strerror(-rc));
				vg_btagent_close(p->agent);
				p->agent = NULL;
			}
		}
		/* A hang-up or an error ends pairing too: take ENOTCONN at
		 * its word then, or poll would report it forever. */
		if (n > 0 && (pfd[0].revents & (POLLHUP | POLLERR)))
			p->securing = false;
		if (n > 0 && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			read_pdus(p);
		if (p->done)
			break;
		now = monotonic_ms();
		if (now >= vg_hrp_next_deadline(p->hrp)) {
			vg_hrp_tick(p->hrp, now);
			drain_events(p, now);
		}
		if (!p->done && vg_hrp_ready(p->hrp) &&
		    now >= p->last_meas + p->timeout_ms)
			fail(p, CLI_EXIT_DATA,
			     "%s: no measurement for %g s: is the strap worn "
			     "(wet electrodes) and in range?",
			     p->spec, p->timeout_ms / 1000.0);
	}
}

static int run(struct probe *p)
{
	bool pending = false;
	int rc;

	catch_stop_signals();
	p->fd = vg_transport_open(&p->addr, p->adapter, &pending);
	if (p->fd < 0) {
		connect_failed(p, p->fd);
		return p->status;
	}
	if (pending) {
		rc = wait_connected(p);
		if (rc < 0) {
			connect_failed(p, rc);
			close(p->fd);
			return p->status;
		}
	}
	p->hrp = vg_hrp_new(VG_ATT_MTU_MAX);
	if (!p->hrp) {
		close(p->fd);
		fail(p, CLI_EXIT_INTERNAL, "out of memory");
		return p->status;
	}
	p->t_start = monotonic_ms();
	vg_hrp_start(p->hrp, p->t_start);
	drain_events(p, p->t_start);
	loop(p);
	fflush(stdout);
	print_summary(p);
	vg_hrp_free(p->hrp);
	vg_btagent_close(p->agent);
	close(p->fd);
	return p->status;
}

int cmd_probe(int argc, char **argv)
{
	struct probe p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.fd = -1;
	p.timeout_ms = DEFAULT_TIMEOUT_MS;
	p.adapter = VG_TRANSPORT_ANY_ADAPTER;
	p.mtu_announced = -1;
	p.contact = -1;
	p.battery = -1;
	rc = parse_args(&p, argc, argv);
	if (rc)
		return rc < 0 ? CLI_EXIT_OK : rc;
	rc = run(&p);
	if (fflush(stdout) != 0 && rc == CLI_EXIT_OK)
		rc = CLI_EXIT_DATA;
	return rc;
}
