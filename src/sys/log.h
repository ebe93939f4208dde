/* SPDX-License-Identifier: MIT */
/*
 * Daemon logging in the OpenBSD manner: log_warn() appends the errno
 * text, log_warnx() does not, fatal()/fatalx() log and exit(1). Lines go
 * to stderr (foreground, systemd's journal) or to syslog(3). Debug lines
 * (radio garbage, each connect attempt) only with verbose on.
 *
 * Core code never logs; only src/sys and src/daemon call these.
 */
#ifndef VAGUS_SYS_LOG_H
#define VAGUS_SYS_LOG_H

#include <stdbool.h>

enum vg_log_dest {
	VG_LOG_STDERR = 0,
	VG_LOG_SYSLOG = 1,
};

/*
 * Sets the destination, the name put in front of each line, and whether
 * log_debug() prints. May be called again (after option parsing).
 */
void log_init(enum vg_log_dest dest, const char *ident, bool verbose);

/* Whether log_debug() prints: callers skip building costly text. */
bool log_verbose(void);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
