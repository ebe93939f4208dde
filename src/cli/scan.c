/* SPDX-License-Identifier: MIT */
/*
 * vagus scan: what advertises nearby, found straight through the kernel
 * (no daemon needed), strongest first, one line each: the address as
 * --strap takes it, the signal, whether it is a heart-rate sensor, the
 * name. Discovery itself is src/sys/btdisc.c over the pure state machine
 * of vagus/discovery.h; this file only parses options and prints.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "sys/btdisc.h"
#include "sys/loop.h"
#include "vagus/discovery.h"
#include "vagus/json.h"

#define CMD "scan"
#define SCAN_DEFAULT_S 10.0
#define SCAN_MAX_S 3600.0
/* More devices than anyone reads in a terminal; the table holds 64. */
#define LIST_MAX 256

struct scan_args {
	double seconds;
	bool json;
	struct vg_discovery_config cfg;
};

static void help(void)
{
	printf("Usage: vagus scan [--timeout SECONDS] [--json] [--power-on] "
	       "[--adapter hciN]\n"
	       "\n"
	       "Lists the Bluetooth LE devices advertising nearby, strongest "
	       "signal first:\n"
	       "address/type (as --strap takes it), signal in dBm, "
	       "\"heart-rate\" for a device\n"
	       "advertising the Heart Rate Service (\"heart-rate?\" when only "
	       "its appearance\n"
	       "says so), and its name. A strap advertises only while worn "
	       "(wet the\n"
	       "electrodes). Needs no daemon, but CAP_NET_ADMIN (or "
	       "CAP_NET_RAW).\n"
	       "\n"
	       "Options:\n"
	       "  --timeout SECONDS  how long to listen (default 10)\n"
	       "  --json             print one JSON object instead of the "
	       "list\n"
	       "  --power-on         switch a powered-off adapter on (and "
	       "its LE)\n"
	       "  --adapter hciN     use this adapter only (default: all)\n"
	       "  -h, --help         show this help\n"
	       "\n"
	       "Exit status: 0 success (also when nothing was heard), 1 "
	       "scanning was not\n"
	       "possible (the message says why), 2 usage error, 3 internal "
	       "error.\n");
}

static bool parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v <= 0 || v > SCAN_MAX_S)
		return false;
	*out = v;
	return true;
}

/* Returns -1 to go on, or an exit status to stop with. */
static int parse_args(int argc, char **argv, struct scan_args *a)
{
	memset(a, 0, sizeof(*a));
	a->seconds = SCAN_DEFAULT_S;
	a->cfg.mode = VG_DISCOVERY_MGMT;
	a->cfg.index = VG_DISCOVERY_ANY_INDEX;
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (!strcmp(s, "-h") || !strcmp(s, "--help")) {
			help();
			return CLI_EXIT_OK;
		} else if (!strcmp(s, "--json")) {
			a->json = true;
		} else if (!strcmp(s, "--power-on")) {
			a->cfg.power_on = true;
		} else if (!strcmp(s, "--timeout") ||
			   !strncmp(s, "--timeout=", 10)) {
			if (!parse_seconds(cli_opt_value(argc, argv, &i, 9),
					   &a->seconds))
				return cli_usage_error(
				    CMD, "--timeout wants seconds, more "
					 "than 0 and at most 3600");
		} else if (!strcmp(s, "--adapter") ||
			   !strncmp(s, "--adapter=", 10)) {
			a->cfg.index =
			    vg_adapter_parse(cli_opt_value(argc, argv, &i, 9));
			if (a->cfg.index < 0)
				return cli_usage_error(
				    CMD, "--adapter wants hciN, as "
					 "in hci0");
		} else {
			return cli_usage_error(CMD, "unknown option '%s'", s);
		}
	}
	return -1;
}

/* "AA:BB:CC:DD:EE:FF/public", the form --strap accepts. */
static void format_addr(const struct vg_discovery_candidate *c, char *buf,
			size_t cap)
{
	struct vg_addr a;
	char spec[64];

	vg_discovery_candidate_addr(c, &a);
	vg_addr_format(&a, spec, sizeof(spec));
	snprintf(buf, cap, "%s", strncmp(spec, "bt:", 3) ? spec : spec + 3);
}

static const char *kind(const struct vg_discovery_candidate *c)
{
	if (c->hrs)
		return "heart-rate";
	if (c->heart_rate)
		return "heart-rate?"; /* by its appearance only */
	return "-";
}

static void print_text(const struct vg_discovery_candidate **c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char addr[64], rssi[16];

		format_addr(c[i], addr, sizeof(addr));
		if (c[i]->rssi_valid)
			snprintf(rssi, sizeof(rssi), "%4d dBm", c[i]->rssi);
		else
			snprintf(rssi, sizeof(rssi), "   ? dBm");
		printf("%-24s %s  %-11s  %s%s\n", addr, rssi, kind(c[i]),
		       c[i]->name[0] ? c[i]->name : "(no name)",
		       c[i]->connectable ? "" : "  (not connectable)");
	}
}

static int print_json(const struct vg_discovery_candidate **c, size_t n,
		      const struct scan_args *a, bool raw)
{
	struct vg_json j;
	int err;

	vg_json_init(&j, NULL, 0, 2);
	vg_json_begin_object(&j);
	vg_json_key_num(&j, "seconds", a->seconds);
	vg_json_key_str(&j, "via", raw ? "hci" : "mgmt");
	vg_json_key_array(&j, "devices");
	for (size_t i = 0; i < n; i++) {
		char addr[64], adapter[16], *slash;

		format_addr(c[i], addr, sizeof(addr));
		slash = strchr(addr, '/');
		if (slash)
			*slash = '\0';
		snprintf(adapter, sizeof(adapter), "hci%u", c[i]->index);
		vg_json_begin_object(&j);
		vg_json_key_str(&j, "address", addr);
		vg_json_key_str(&j, "type",
				c[i]->type == VG_ADDR_LE_RANDOM ? "random"
								: "public");
		if (c[i]->rssi_valid)
			vg_json_key_int(&j, "rssi_dbm", c[i]->rssi);
		else
			vg_json_key_null(&j, "rssi_dbm");
		vg_json_key_bool(&j, "heart_rate_service", c[i]->hrs);
		vg_json_key_bool(&j, "heart_rate_sensor", c[i]->heart_rate);
		vg_json_key_bool(&j, "connectable", c[i]->connectable);
		if (c[i]->name[0])
			vg_json_key_str(&j, "name", c[i]->name);
		else
			vg_json_key_null(&j, "name");
		if (c[i]->has_appearance)
			vg_json_key_uint(&j, "appearance", c[i]->appearance);
		if (c[i]->has_tx_power)
			vg_json_key_int(&j, "tx_power_dbm", c[i]->tx_power);
		vg_json_key_str(&j, "adapter", adapter);
		vg_json_end_object(&j);
	}
	vg_json_end_array(&j);
	vg_json_end_object(&j);
	err = vg_json_error(&j);
	if (!err)
		printf("%s\n", vg_json_text(&j));
	vg_json_free(&j);
	return err;
}

static void report(int err)
{
	const char *why = vg_btdisc_explain(err);

	cli_error("%s: %s", CMD, why ? why : strerror(-err));
}

int cmd_scan(int argc, char **argv)
{
	const struct vg_discovery_candidate *c[LIST_MAX];
	struct scan_args a;
	struct vg_btdisc *b;
	struct vg_discovery *d;
	size_t total, n, hr = 0;
	int err = 0, rc, status;

	rc = parse_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	b = vg_btdisc_open(&a.cfg, vg_monotonic_ms(), &err);
	if (!b) {
		report(err);
		return err == -ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_DATA;
	}
	rc = vg_btdisc_run(b, (int64_t)llround(a.seconds * 1000.0));
	d = vg_btdisc_discovery(b);
	err = vg_discovery_error(d);
	total = vg_discovery_list(d, c, LIST_MAX);
	n = total < LIST_MAX ? total : LIST_MAX;
	for (size_t i = 0; i < n; i++)
		hr += c[i]->heart_rate;
	status = CLI_EXIT_OK;
	if (rc < 0) {
		report(rc);
		status = CLI_EXIT_DATA;
	} else if (total == 0 && err && err != -EBUSY) {
		/* Nothing heard because nothing could scan: say why. */
		report(err);
		status = CLI_EXIT_DATA;
	} else {
		if (err)
			report(err);
		if (a.json && print_json(c, n, &a, vg_btdisc_is_raw(b)) < 0)
			status = CLI_EXIT_INTERNAL;
		else if (!a.json)
			print_text(c, n);
		fprintf(stderr,
			"%zu device%s, %zu heart-rate sensor%s, in %g s%s\n",
			total, total == 1 ? "" : "s", hr, hr == 1 ? "" : "s",
			a.seconds, vg_btdisc_is_raw(b) ? " (raw HCI)" : "");
	}
	vg_btdisc_close(b);
	return status;
}
