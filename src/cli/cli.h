/* SPDX-License-Identifier: MIT */
/*
 * Shared parts of the vagus command: the subcommand table entry, exit
 * statuses, messages and file reading. Each subcommand lives in its own
 * src/cli/<name>.c and is listed in the table in main.c.
 */
#ifndef VAGUS_CLI_H
#define VAGUS_CLI_H

#include <stddef.h>

/* Exit statuses of every subcommand (stated in `vagus --help`). */
enum cli_exit {
	CLI_EXIT_OK = 0,
	CLI_EXIT_DATA = 1,     /* file missing, unreadable or not valid data */
	CLI_EXIT_USAGE = 2,    /* bad command line */
	CLI_EXIT_INTERNAL = 3, /* out of memory or another internal failure */
	CLI_EXIT_NODAEMON = 4, /* vagusd not running, or it went away */
	CLI_EXIT_REFUSED = 5,  /* vagusd answered `err` */
};

/*
 * Global options before the command: --socket PATH, --state-dir DIR (also
 * --opt=VALUE). Stores them for cli_socket_path() and cli_state_dir().
 * Returns how many arguments after argv[0] it used, or -1 after printing
 * a usage error.
 */
int cli_global_options(int argc, char **argv);

/*
 * vagusd's control socket: --socket, else $XDG_RUNTIME_DIR/vagus/vagusd.sock,
 * else /run/vagus/vagusd.sock. A static string.
 */
const char *cli_socket_path(void);

/*
 * The state directory: --state-dir, else $XDG_STATE_HOME/vagus, else
 * $HOME/.local/state/vagus. A static string; NULL when none can be formed
 * (no HOME).
 */
const char *cli_state_dir(void);

/*
 * A subcommand: run() gets argv with argv[0] = the command's name and
 * returns an exit status. usage is the synopsis after "vagus NAME".
 */
struct cli_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;
	const char *summary;
};

int cmd_analyze(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_probe(int argc, char **argv);

/* "vagus: " + message + newline on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A usage error of subcommand @cmd: the message, then a pointer to
 * `vagus CMD --help`. Returns CLI_EXIT_USAGE.
 */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Files larger than this are refused: no RR recording comes near it. */
#define CLI_FILE_MAX ((size_t)256 << 20)

/*
 * Reads all of @path ("-" for standard input) into a heap buffer (not
 * NUL-terminated) of *@len bytes. Returns 0, or -errno: -ENOENT, -EACCES,
 * -EISDIR for a directory, -EFBIG above @max bytes, -ENOMEM, ...
 */
int cli_read_file(const char *path, size_t max, char **buf, size_t *len);

/* How a path is named in messages: "standard input" for "-". */
const char *cli_file_name(const char *path);

#endif
