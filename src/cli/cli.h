/* SPDX-License-Identifier: MIT */
/*
 * Shared parts of the vagus command: the subcommand table entry, exit
 * statuses, messages and file reading. Each subcommand lives in its own
 * src/cli/<name>.c and is listed in the table in main.c.
 */
#ifndef VAGUS_CLI_H
#define VAGUS_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "vagus/ctl.h"
#include "vagus/jsonscan.h"

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
 * Opens STATE/sessions read-only into *@fd, its path into @path (capacity
 * @cap), for command @cmd. Prints the error itself; returns CLI_EXIT_OK,
 * CLI_EXIT_USAGE (no state directory) or CLI_EXIT_DATA (cannot open).
 */
int cli_open_sessions(const char *cmd, int *fd, char *path, size_t cap);

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
int cmd_status(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_stop(int argc, char **argv);
int cmd_mark(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_export(int argc, char **argv);

/* "vagus: " + message + newline on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * The value of the option at argv[*@i], whose name is @len characters
 * long: "--name=VALUE", or "--name VALUE" (*@i then moves past VALUE).
 * NULL when VALUE is missing. The caller has matched the name.
 */
const char *cli_opt_value(int argc, char **argv, int *i, size_t len);

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

/* ---- talking to vagusd (ctlclient.c) ---- */

/* How long a command waits for vagusd's answer to one request. */
#define CLI_REPLY_TIMEOUT_MS 15000

/* A connection to vagusd's control socket and its input buffer. */
struct cli_conn {
	int fd;
	const char *cmd;  /* for messages */
	const char *path; /* the socket */
	char *buf;
	size_t len, start, cap;
	bool eof;
	int send_errno; /* the request could not be sent (read on) */
};

/*
 * Connects to cli_socket_path(). Returns CLI_EXIT_OK, or prints why not
 * ("vagusd is not running (no socket at PATH)") and returns the status.
 */
int cli_ctl_open(struct cli_conn *c, const char *cmd);
void cli_ctl_close(struct cli_conn *c);

/* Sends one request (vg_ctl_format's arguments). Returns an exit status. */
int cli_ctl_send(struct cli_conn *c, enum vg_ctl_verb verb,
		 const char *const *keys, const char *const *values,
		 unsigned n);

/*
 * The next line from vagusd, without its "\n" (NUL-terminated in place,
 * valid until the next call), waiting up to @timeout_ms (< 0: forever).
 * Returns 1, 0 at EOF, -ETIMEDOUT, -EINTR (a signal came), -EMSGSIZE,
 * -ENOMEM or another -errno.
 */
int cli_ctl_line(struct cli_conn *c, int timeout_ms, char **line, size_t *len);

/*
 * Reads one reply: "ok {json}" gives CLI_EXIT_OK and the object in
 * *@json (pointing into the connection's buffer); "err CODE text" is
 * printed and gives CLI_EXIT_REFUSED; anything else is explained and gives
 * CLI_EXIT_NODAEMON (closed, no answer in time) or CLI_EXIT_DATA.
 */
int cli_ctl_reply(struct cli_conn *c, struct vg_jv *json);

/* Open, send, read the reply; on failure the connection is closed. */
int cli_ctl_call(const char *cmd, enum vg_ctl_verb verb,
		 const char *const *keys, const char *const *values, unsigned n,
		 struct cli_conn *c, struct vg_jv *json);

/* Prints vagusd's error text (control bytes replaced) for @cmd. */
void cli_print_safe_error(const char *cmd, const char *text, const char *code);

/*
 * Checks a --strap SPEC and writes its canonical form (the name vagusd
 * uses) to @buf. Returns CLI_EXIT_OK or a usage error.
 */
int cli_strap_arg(const char *cmd, const char *spec, char *buf, size_t cap);

/* Prints an object's members as "key: value" lines for people, all but
 * the member @skip (NULL: all). */
void cli_print_object(const struct vg_jv *obj, int indent, const char *skip);

#endif
