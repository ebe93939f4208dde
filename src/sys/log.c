/* SPDX-License-Identifier: MIT */
#include "sys/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static enum vg_log_dest dest = VG_LOG_STDERR;
static const char *ident = "vagusd";
static bool verbose;

void log_init(enum vg_log_dest d, const char *name, bool v)
{
	if (dest == VG_LOG_SYSLOG && d != VG_LOG_SYSLOG)
		closelog();
	dest = d;
	ident = name ? name : "vagusd";
	verbose = v;
	if (dest == VG_LOG_SYSLOG)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

bool log_verbose(void)
{
	return verbose;
}

/*
 * One line, written with a single call so lines of concurrent writers
 * (tests read our stderr) never interleave; @err > 0 adds ": strerror".
 */
static void vlog(int pri, int err, const char *fmt, va_list ap)
{
	char msg[1024];
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);

	if (n < 0)
		return;
	if (err > 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s",
			 strerror(err));
	if (dest == VG_LOG_SYSLOG) {
		syslog(pri, "%s", msg);
		return;
	}
	fprintf(stderr, "%s: %s\n", ident, msg);
	fflush(stderr);
}

void log_warn(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, err, fmt, ap);
	va_end(ap);
	errno = err;
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, 0, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, err, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(1);
}
