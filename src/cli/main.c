/* SPDX-License-Identifier: MIT */
/*
 * vagus: the command-line client. main() only dispatches: each subcommand
 * is a row of the table below and a cmd_<name>() in src/cli/<name>.c
 * (declared in cli.h). To add one, add the row; `vagus --help` lists it.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "vagus/version.h"

static const struct cli_cmd commands[] = {
    {"analyze", cmd_analyze,
     "[--json] [--no-correct] [--detrend priors|linear|none] "
     "[--window T0:T1] FILE",
     "analyze a recorded RR file or session journal (no daemon needed)"},
    {"report", cmd_report, "[--json] [ID|last]",
     "print a session's report (no daemon needed)"},
    {"list", cmd_list, "[--json]", "list the recorded sessions"},
    {"history", cmd_history, "[--json | --html OUT]",
     "resting values, changes and the normal range over time"},
    {"compare", cmd_compare, "[--tag mat] [--vs control] [--effect G] [--json]",
     "compare the per-session changes of two tags"},
    {"export", cmd_export, "--format csv|rr|json ID|last",
     "a session's beats (CSV, RR list for Kubios) or report"},
    {"scan", cmd_scan,
     "[--timeout SECONDS] [--json] [--power-on] [--adapter hciN]",
     "list Bluetooth LE devices nearby, heart-rate straps marked"},
    {"probe", cmd_probe, "[--json] [--count N] [--timeout S] STRAP",
     "connect to one strap: its services, details and measurements"},
    {"status", cmd_status, "[--json]", "what vagusd is doing now"},
    {"start", cmd_start,
     "[--tag mat|control|TEXT] [--note TEXT] [--strap SPEC] [--json]",
     "start a session"},
    {"stop", cmd_stop, "[--strap SPEC] [--json]",
     "end the session (vagusd writes its report)"},
    {"mark", cmd_mark, "[--strap SPEC] [--json] TEXT...",
     "add an event to the running session"},
    {"watch", cmd_watch, "[--strap SPEC] [--pacer BPM]",
     "live heart rate and HRV, with a breathing pacer"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "Usage:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  vagus %s %s\n", commands[i].name,
			commands[i].usage);
	fprintf(f, "  vagus help [COMMAND]\n"
		   "  vagus --help | --version\n"
		   "\n"
		   "Global options (before COMMAND):\n"
		   "  --socket PATH     vagusd's control socket (default "
		   "$XDG_RUNTIME_DIR/vagus/vagusd.sock,\n"
		   "                    else /run/vagus/vagusd.sock)\n"
		   "  --state-dir DIR   sessions folder (default "
		   "$XDG_STATE_HOME/vagus,\n"
		   "                    else ~/.local/state/vagus)\n"
		   "\n"
		   "Heart-rate variability from Bluetooth LE chest straps.\n"
		   "\n"
		   "Commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f, "\n"
		   "'vagus COMMAND --help' or 'vagus help COMMAND' shows the "
		   "options of a command.\n"
		   "\n"
		   "Exit status: 0 success, 1 missing, unreadable or invalid "
		   "data,\n"
		   "2 usage error, 3 internal error (such as out of memory),\n"
		   "4 vagusd is not running or went away, 5 vagusd refused the "
		   "request.\n");
}

static const struct cli_cmd *find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct cli_cmd *cmd;

	int used = cli_global_options(argc, argv);
	if (used < 0)
		return CLI_EXIT_USAGE;
	argc -= used;
	argv += used;
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("vagus %s\n", VG_VERSION);
		return CLI_EXIT_OK;
	}
	if (!strcmp(argv[1], "help")) {
		if (argc < 3) {
			usage(stdout);
			return CLI_EXIT_OK;
		}
		cmd = find(argv[2]);
		if (!cmd)
			return cli_usage_error(NULL, "unknown command '%s'",
					       argv[2]);
		static char help[] = "--help";
		char *hargv[] = {argv[2], help, NULL};
		return cmd->run(2, hargv);
	}
	if (argv[1][0] == '-')
		return cli_usage_error(NULL, "unknown option '%s'", argv[1]);
	cmd = find(argv[1]);
	if (!cmd)
		return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
	return cmd->run(argc - 1, argv + 1);
}
