/* SPDX-License-Identifier: MIT */
/*
 * vagusd's options: defaults, then the config file (--config FILE), then
 * the command line, which wins. The file holds `key = value` lines whose
 * keys are the long option names without "--" ("strap" may repeat);
 * "#" starts a comment; blank lines are fine. --strap on the command line
 * replaces the file's straps instead of adding to them, so one strap can
 * be tried without editing the file.
 */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"
#include "vagus/version.h"

/* Config lines longer than this are refused, not cut. */
#define LINE_MAX_LEN 4096

void opts_defaults(struct vgd_opts *o)
{
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	const char *run = getenv("XDG_RUNTIME_DIR");

	memset(o, 0, sizeof(*o));
	if (xdg && xdg[0] == '/')
		snprintf(o->state_dir, sizeof(o->state_dir), "%s/vagus", xdg);
	else if (home && home[0] == '/')
		snprintf(o->state_dir, sizeof(o->state_dir),
			 "%s/.local/state/vagus", home);
	else
		snprintf(o->state_dir, sizeof(o->state_dir), "/var/lib/vagus");
	if (run && run[0] == '/')
		snprintf(o->socket, sizeof(o->socket), "%s/vagus/vagusd.sock",
			 run);
	else
		snprintf(o->socket, sizeof(o->socket),
			 "/run/vagus/vagusd.sock");
	o->gone_timeout_s = 120;
	o->adapter = -1;
	o->auto_start_s = 30;
	o->settle_s = 60;
	o->log_dest = VG_LOG_STDERR;
}

void opts_free(struct vgd_opts *o)
{
	for (size_t i = 0; i < o->nstraps; i++)
		free(o->straps[i]);
	o->nstraps = 0;
}

static int seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int set_seconds(double *out, const char *key, const char *v, double lo,
		       double hi, char *err, size_t errlen)
{
	char *end;
	double x;

	errno = 0;
	x = strtod(v, &end);
	if (errno || end == v || *end || !(x >= lo && x <= hi))
		return seterr(err, errlen,
			      "%s: want seconds from %g to %g, not '%s'", key,
			      lo, hi, v);
	*out = x;
	return 0;
}

static int set_path(char *dst, size_t cap, const char *key, const char *v,
		    char *err, size_t errlen)
{
	if (!v[0])
		return seterr(err, errlen, "%s: empty path", key);
	if (strlen(v) >= cap)
		return seterr(err, errlen, "%s: path too long", key);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int add_strap(struct vgd_opts *o, const char *v, char *err,
		     size_t errlen)
{
	struct vg_addr a;
	const char *why = NULL;

	if (strcmp(v, "auto") != 0 && vg_addr_parse(v, &a, &why) < 0)
		return seterr(err, errlen, "strap %s: %s", v, why);
	if (o->nstraps == VGD_STRAPS_MAX)
		return seterr(err, errlen, "strap: at most %d straps",
			      VGD_STRAPS_MAX);
	o->straps[o->nstraps] = strdup(v);
	if (!o->straps[o->nstraps])
		return seterr(err, errlen, "out of memory");
	o->nstraps++;
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1") ||
	    !strcmp(v, "on"))
		*out = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0") ||
		 !strcmp(v, "off"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

/* One option by its long name; shared by the file and the command line. */
static int set_option(struct vgd_opts *o, const char *key, const char *v,
		      char *err, size_t errlen)
{
	if (!strcmp(key, "strap"))
		return add_strap(o, v, err, errlen);
	if (!strcmp(key, "state-dir"))
		return set_path(o->state_dir, sizeof(o->state_dir), key, v, err,
				errlen);
	if (!strcmp(key, "socket"))
		return set_path(o->socket, sizeof(o->socket), key, v, err,
				errlen);
	if (!strcmp(key, "socket-group"))
		return set_path(o->socket_group, sizeof(o->socket_group), key,
				v, err, errlen);
	if (!strcmp(key, "gone-timeout"))
		return set_seconds(&o->gone_timeout_s, key, v, 0.01, 86400, err,
				   errlen);
	if (!strcmp(key, "auto-start"))
		return set_seconds(&o->auto_start_s, key, v, 0, 86400, err,
				   errlen);
	if (!strcmp(key, "settle"))
		return set_seconds(&o->settle_s, key, v, 0, 3600, err, errlen);
	if (!strcmp(key, "adapter")) {
		if (!strcmp(v, "any")) {
			o->adapter = -1;
			return 0;
		}
		o->adapter = vg_adapter_parse(v);
		if (o->adapter < 0)
			return seterr(err, errlen,
				      "adapter: want hciN (as in hci0) or "
				      "any, not '%s'",
				      v);
		return 0;
	}
	if (!strcmp(key, "verbose")) {
		if (parse_bool(v, &o->verbose) < 0)
			return seterr(err, errlen,
				      "verbose: want yes or no, not '%s'", v);
		return 0;
	}
	if (!strcmp(key, "log")) {
		if (!strcmp(v, "stderr"))
			o->log_dest = VG_LOG_STDERR;
		else if (!strcmp(v, "syslog"))
			o->log_dest = VG_LOG_SYSLOG;
		else
			return seterr(err, errlen,
				      "log: want stderr or syslog, not '%s'",
				      v);
		return 0;
	}
	return seterr(err, errlen, "unknown option '%s'", key);
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
			 e[-1] == '\n'))
		*--e = '\0';
	return s;
}

int opts_load_file(struct vgd_opts *o, const char *path, char *err,
		   size_t errlen)
{
	char line[LINE_MAX_LEN + 2], msg[256];
	unsigned lineno = 0;
	FILE *f = fopen(path, "re");
	int rc = 0;

	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	while (fgets(line, sizeof(line), f)) {
		char *key, *val, *eq, *hash;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%u: line too long", path,
				 lineno);
			rc = -EINVAL;
			break;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		key = trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%u: want 'key = value'", path,
				 lineno);
			rc = -EINVAL;
			break;
		}
		*eq = '\0';
		val = trim(eq + 1);
		key = trim(key);
		if (!strcmp(key, "config")) {
			snprintf(err, errlen,
				 "%s:%u: a config file cannot name another",
				 path, lineno);
			rc = -EINVAL;
			break;
		}
		if (set_option(o, key, val, msg, sizeof(msg)) < 0) {
			snprintf(err, errlen, "%s:%u: %s", path, lineno, msg);
			rc = -EINVAL;
			break;
		}
	}
	if (!rc && ferror(f)) {
		rc = -EIO;
		snprintf(err, errlen, "%s: read error", path);
	}
	fclose(f);
	return rc;
}

static void usage(FILE *f)
{
	fputs("usage: vagusd [--config FILE] [--strap SPEC]... [--state-dir "
	      "DIR]\n"
	      "              [--socket PATH] [--socket-group GROUP]\n"
	      "              [--gone-timeout S] [--auto-start S] [--settle "
	      "S]\n"
	      "              [--adapter hciN] [--verbose] [--log "
	      "stderr|syslog]\n"
	      "\n"
	      "The vagus daemon: keeps the link to each heart-rate strap, "
	      "records\n"
	      "sessions crash-safely and serves live values to `vagus "
	      "watch`.\n"
	      "\n"
	      "  --strap SPEC        auto (default), unix:PATH, or\n"
	      "                      bt:AA:BB:CC:DD:EE:FF[/public|/random]; "
	      "repeat\n"
	      "                      for several straps, each with its own "
	      "sessions\n"
	      "  --state-dir DIR     sessions and remembered straps\n"
	      "                      ($XDG_STATE_HOME/vagus)\n"
	      "  --socket PATH       control socket\n"
	      "                      ($XDG_RUNTIME_DIR/vagus/vagusd.sock)\n"
	      "  --socket-group G    group allowed on the control socket\n"
	      "  --gone-timeout S    end a session when the strap is gone "
	      "this long (120)\n"
	      "  --auto-start S      start a session after S seconds of beats "
	      "(30; 0 off)\n"
	      "  --settle S          settling time skipped by the report "
	      "(60)\n"
	      "  --adapter hciN      discover and connect through this "
	      "Bluetooth\n"
	      "                      adapter only (default: any)\n"
	      "  --verbose           debug messages\n"
	      "  --log DEST          stderr (default) or syslog\n"
	      "  --config FILE       'key = value' lines, keys as the long "
	      "options\n"
	      "  --help              this text\n"
	      "  --version           the version\n",
	      f);
}

enum {
	O_CONFIG = 256,
	O_STRAP,
	O_STATE_DIR,
	O_SOCKET,
	O_SOCKET_GROUP,
	O_GONE,
	O_AUTO,
	O_SETTLE,
	O_ADAPTER,
	O_VERBOSE,
	O_LOG,
	O_HELP,
	O_VERSION,
};

static const struct option longopts[] = {
    {"config", required_argument, NULL, O_CONFIG},
    {"strap", required_argument, NULL, O_STRAP},
    {"state-dir", required_argument, NULL, O_STATE_DIR},
    {"socket", required_argument, NULL, O_SOCKET},
    {"socket-group", required_argument, NULL, O_SOCKET_GROUP},
    {"gone-timeout", required_argument, NULL, O_GONE},
    {"auto-start", required_argument, NULL, O_AUTO},
    {"settle", required_argument, NULL, O_SETTLE},
    {"adapter", required_argument, NULL, O_ADAPTER},
    {"verbose", no_argument, NULL, O_VERBOSE},
    {"log", required_argument, NULL, O_LOG},
    {"help", no_argument, NULL, O_HELP},
    {"version", no_argument, NULL, O_VERSION},
    {NULL, 0, NULL, 0},
};

int opts_parse(struct vgd_opts *o, int argc, char **argv, char *err,
	       size_t errlen)
{
	const char *config = NULL;
	bool cmdline_straps = false;
	int c, rc;

	/* First pass: only --config, --help and --version. */
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
		if (c == O_CONFIG)
			config = optarg;
		else if (c == O_HELP) {
			usage(stdout);
			return 1;
		} else if (c == O_VERSION) {
			printf("vagusd %s\n", VG_VERSION);
			return 1;
		} else if (c == '?' || c == ':')
			return seterr(err, errlen, "unknown option '%s'",
				      argv[optind - 1]);
		else if (c == O_STRAP)
			cmdline_straps = true;
	}
	if (optind < argc)
		return seterr(err, errlen, "unexpected argument '%s'",
			      argv[optind]);
	if (config) {
		snprintf(o->config, sizeof(o->config), "%s", config);
		rc = opts_load_file(o, config, err, errlen);
		if (rc < 0)
			return rc;
		if (cmdline_straps)
			opts_free(o);
	}

	optind = 1;
	while ((c = getopt_long(argc, argv, "v", longopts, NULL)) != -1) {
		const char *key = NULL;
		for (size_t i = 0; longopts[i].name; i++)
			if (longopts[i].val == c)
				key = longopts[i].name;
		if (c == O_CONFIG)
			continue;
		if (c == O_VERBOSE || c == 'v') {
			o->verbose = true;
			continue;
		}
		rc = set_option(o, key ? key : "?", optarg ? optarg : "", err,
				errlen);
		if (rc < 0)
			return rc;
	}
	if (o->nstraps == 0) {
		rc = add_strap(o, "auto", err, errlen);
		if (rc < 0)
			return rc;
	}
	return 0;
}
