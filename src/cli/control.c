/* SPDX-License-Identifier: MIT */
/*
 * vagus status, start, stop, mark: one request to vagusd each, one
 * answer. What the answer holds is the daemon's business; these commands
 * print it for people (or as it came, with --json).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

struct ctl_cmd {
	const char *name;
	enum vg_ctl_verb verb;
	const char *synopsis;
	const char *about;
	const char *options;
	const char *done; /* "started": the headline verb */
};

static const struct ctl_cmd cmds[] = {
    {"status", VG_CTL_STATUS, "[--json]",
     "Shows what vagusd is doing: straps, their links, running sessions.\n", "",
     NULL},
    {"start", VG_CTL_START,
     "[--tag mat|control|TEXT] [--note TEXT] [--strap SPEC] [--json]",
     "Starts a session now (vagusd also starts one by itself once a worn\n"
     "strap has streamed for a while). Tag mat sessions and control\n"
     "sessions (the same rest without the mat) so they can be compared.\n",
     "  --tag TEXT       mat, control, or your own word\n"
     "  --note TEXT      a note kept with the session\n"
     "  --strap SPEC     which strap, when vagusd has several\n",
     "started"},
    {"stop", VG_CTL_STOP, "[--strap SPEC] [--json]",
     "Ends the running session; vagusd writes its report.\n",
     "  --strap SPEC     which strap's session, when vagusd has several\n",
     "stopped"},
    {"mark", VG_CTL_MARK, "[--strap SPEC] [--json] TEXT...",
     "Adds an event to the running session (\"breathing 6/min\", "
     "\"got up\").\n",
     "  --strap SPEC     which strap's session, when vagusd has several\n",
     "marked"},
};

static const struct ctl_cmd *lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

/* A string member into @buf ("" when absent, null or not a string),
 * control bytes replaced. */
static const char *str_of(const struct vg_jv *obj, const char *key, char *buf,
			  size_t cap)
{
	struct vg_jv v;

	buf[0] = '\0';
	if (vg_jsonscan_get(obj, key, &v) || vg_jv_str(&v, buf, cap) < 0)
		buf[0] = '\0';
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = '?';
	return buf;
}

static bool num_of(const struct vg_jv *obj, const char *key, double *out)
{
	struct vg_jv v;

	return vg_jsonscan_get(obj, key, &v) == 0 && vg_jv_num(&v, out) == 0;
}

static void print_session(const struct vg_jv *sess)
{
	char id[128], by[32];
	double el, beats, drops, marks;

	printf("  session %s", str_of(sess, "id", id, sizeof(id)));
	if (*str_of(sess, "started_by", by, sizeof(by)))
		printf(" (started by %s)", by);
	if (num_of(sess, "elapsed_s", &el) && el >= 0) {
		long t = (long)el;
		printf(", %ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
	}
	if (num_of(sess, "beats", &beats))
		printf(", %.0f beats", beats);
	if (num_of(sess, "link_drops", &drops))
		printf(", %.0f link drop%s", drops, drops == 1 ? "" : "s");
	if (num_of(sess, "marks", &marks))
		printf(", %.0f mark%s", marks, marks == 1 ? "" : "s");
	putchar('\n');
}

/*
 * vagusd's status ({"version","state_dir","straps":[...]}) in a few
 * lines per strap. False when the answer has another shape: the caller
 * then prints it member by member.
 */
static bool print_status(const struct vg_jv *obj)
{
	struct vg_jv straps, s, v;
	char a[256], b[256], c[256];
	size_t pos = 0;
	double x;
	bool flag;

	if (vg_jsonscan_get(obj, "straps", &straps) || straps.type != VG_JV_ARR)
		return false;
	printf("vagusd %s", str_of(obj, "version", a, sizeof(a)));
	if (*str_of(obj, "state_dir", b, sizeof(b)))
		printf(", sessions in %s", b);
	putchar('\n');
	if (vg_jsonscan_next(&straps, &pos, NULL, &s) <= 0) {
		printf("no strap configured\n");
		return true;
	}
	pos = 0;
	while (vg_jsonscan_next(&straps, &pos, NULL, &s) > 0) {
		if (s.type != VG_JV_OBJ)
			continue;
		printf("%s", str_of(&s, "strap", a, sizeof(a)));
		if (*str_of(&s, "state", b, sizeof(b)))
			printf("  %s", b);
		if (*str_of(&s, "addr", c, sizeof(c)) && strcmp(a, c))
			printf("  %s", c);
		putchar('\n');
		str_of(&s, "model", a, sizeof(a));
		str_of(&s, "manufacturer", b, sizeof(b));
		if (*a || *b)
			printf("  %s%s%s%s\n", a, *a && *b ? " (" : "", b,
			       *a && *b ? ")" : "");
		printf("  battery ");
		if (num_of(&s, "battery_pct", &x))
			printf("%.0f %%", x);
		else
			printf("unknown");
		printf(", contact ");
		if (vg_jsonscan_get(&s, "contact", &v) == 0 &&
		    vg_jv_bool(&v, &flag) == 0)
			printf("%s", flag ? "yes" : "NO");
		else
			printf("n/a");
		putchar('\n');
		printf("  HR ");
		if (num_of(&s, "hr_bpm", &x))
			printf("%.1f bpm", x);
		else
			printf("--");
		printf(", RMSSD ");
		if (num_of(&s, "rmssd_ms", &x))
			printf("%.1f ms", x);
		else
			printf("--");
		if (num_of(&s, "beats", &x))
			printf(", %.0f beats", x);
		if (num_of(&s, "malformed", &x) && x > 0)
			printf(" (%.0f malformed notifications)", x);
		putchar('\n');
		if (vg_jsonscan_get(&s, "session", &v) == 0 &&
		    v.type == VG_JV_OBJ)
			print_session(&v);
		else
			printf("  no session running\n");
	}
	return true;
}

static void help(const struct ctl_cmd *cc)
{
	printf("Usage: vagus [--socket PATH] %s %s\n\n%s\nOptions:\n%s"
	       "  --json           print vagusd's answer as JSON\n"
	       "  -h, --help       show this help\n"
	       "\n"
	       "Exit status: 0 success, 2 usage error, 3 internal error, 4 "
	       "vagusd is not\n"
	       "running or went away, 5 vagusd refused the request (its "
	       "message says why).\n",
	       cc->name, cc->synopsis, cc->about, cc->options);
}

static int run(const struct ctl_cmd *cc, int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"tag", required_argument, NULL, 't'},
	    {"note", required_argument, NULL, 'n'},
	    {"strap", required_argument, NULL, 's'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *tag = NULL, *note = NULL, *strap_spec = NULL;
	char strap[VG_CTL_VALUE_MAX], text[VG_CTL_VALUE_MAX];
	bool json = false;
	int c, r;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			tag = optarg;
			break;
		case 'n':
			note = optarg;
			break;
		case 's':
			strap_spec = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			help(cc);
			return CLI_EXIT_OK;
		case ':':
			return cli_usage_error(cc->name, "'%s' needs a value",
					       argv[optind - 1]);
		default:
			return cli_usage_error(cc->name, "unknown option '%s'",
					       argv[optind - 1]);
		}
	}
	if ((tag || note) && cc->verb != VG_CTL_START)
		return cli_usage_error(cc->name, "--tag and --note belong to "
						 "'vagus start'");
	if (strap_spec && cc->verb == VG_CTL_STATUS)
		return cli_usage_error(cc->name, "status takes no --strap");
	if (tag && !*tag)
		return cli_usage_error(cc->name, "--tag needs a word");
	if (strap_spec) {
		r = cli_strap_arg(cc->name, strap_spec, strap, sizeof(strap));
		if (r)
			return r;
	}
	text[0] = '\0';
	if (cc->verb == VG_CTL_MARK) {
		size_t len = 0;
		if (optind >= argc)
			return cli_usage_error(cc->name, "what to mark? "
							 "(vagus mark TEXT)");
		/* The words after the options, joined by single spaces. */
		for (int i = optind; i < argc; i++) {
			int n = snprintf(text + len, sizeof(text) - len, "%s%s",
					 len ? " " : "", argv[i]);
			if (n < 0 || (size_t)n >= sizeof(text) - len)
				return cli_usage_error(
				    cc->name,
				    "the text is too long (at most %d "
				    "bytes)",
				    VG_CTL_VALUE_MAX - 1);
			len += (size_t)n;
		}
		if (!len)
			return cli_usage_error(cc->name, "the text is empty");
	} else if (optind < argc) {
		return cli_usage_error(cc->name, "unexpected argument '%s'",
				       argv[optind]);
	}

	const char *keys[] = {"strap", "tag", "note", "text"};
	const char *values[] = {strap_spec ? strap : NULL, tag, note,
				text[0] ? text : NULL};
	struct cli_conn conn;
	struct vg_jv obj, id;
	r = cli_ctl_call(cc->name, cc->verb, keys, values, 4, &conn, &obj);
	if (r)
		return r;
	if (json) {
		fwrite(obj.p, 1, obj.len, stdout);
		putchar('\n');
	} else {
		if (cc->done) {
			char sid[128];
			if (vg_jsonscan_get(&obj, "id", &id) == 0 &&
			    vg_jv_str(&id, sid, sizeof(sid)) >= 0)
				printf("%s session %s\n", cc->done, sid);
			else
				printf("%s\n", cc->done);
		}
		if (cc->verb != VG_CTL_STATUS || !print_status(&obj))
			cli_print_object(&obj, cc->done ? 2 : 0,
					 cc->done ? "id" : NULL);
	}
	cli_ctl_close(&conn);
	if (fflush(stdout) != 0) {
		cli_error("%s: cannot write the output", cc->name);
		return CLI_EXIT_INTERNAL;
	}
	return CLI_EXIT_OK;
}

int cmd_status(int argc, char **argv)
{
	return run(lookup("status"), argc, argv);
}

int cmd_start(int argc, char **argv)
{
	return run(lookup("start"), argc, argv);
}

int cmd_stop(int argc, char **argv)
{
	return run(lookup("stop"), argc, argv);
}

int cmd_mark(int argc, char **argv)
{
	return run(lookup("mark"), argc, argv);
}
