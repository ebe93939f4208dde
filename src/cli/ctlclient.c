/* SPDX-License-Identifier: MIT */
/*
 * The client side of the control protocol (vagus/ctl.h): connect to
 * vagusd's socket, send one request line, read reply and event lines.
 * Every failure becomes one message that says what to do and an exit
 * status from cli.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "vagus/addr.h"

/* Replies carry lists and reports, never near this much. */
#define REPLY_MAX ((size_t)16 << 20)

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int cli_ctl_open(struct cli_conn *c, const char *cmd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *path = cli_socket_path();

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->cmd = cmd;
	c->path = path;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		cli_error("%s: socket path too long for a Unix socket: %s", cmd,
			  path);
		return CLI_EXIT_USAGE;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		cli_error("%s: socket: %s", cmd, strerror(errno));
		return CLI_EXIT_INTERNAL;
	}
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return CLI_EXIT_OK;
	int e = errno;
	close(c->fd);
	c->fd = -1;
	switch (e) {
	case ENOENT:
		cli_error("vagusd is not running (no socket at %s)", path);
		break;
	case ECONNREFUSED:
		cli_error("vagusd is not running (nobody answers at %s)", path);
		break;
	case EACCES:
	case EPERM:
		cli_error("%s: may not connect to %s: permission denied (the "
			  "socket is for vagusd's user or its --socket-group)",
			  cmd, path);
		break;
	default:
		cli_error("%s: cannot connect to vagusd at %s: %s", cmd, path,
			  strerror(e));
	}
	return CLI_EXIT_NODAEMON;
}

void cli_ctl_close(struct cli_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
	c->len = c->start = c->cap = 0;
}

int cli_ctl_send(struct cli_conn *c, enum vg_ctl_verb verb,
		 const char *const *keys, const char *const *values, unsigned n)
{
	char line[VG_CTL_LINE_MAX];
	int len = vg_ctl_format(line, sizeof(line), verb, keys, values, n);

	if (len == -EMSGSIZE) {
		cli_error("%s: request too long (the line limit is %d bytes, "
			  "and one value at most %d)",
			  c->cmd, VG_CTL_LINE_MAX, VG_CTL_VALUE_MAX - 1);
		return CLI_EXIT_USAGE;
	}
	if (len < 0) {
		cli_error("%s: cannot form the request", c->cmd);
		return CLI_EXIT_INTERNAL;
	}
	for (size_t off = 0; off < (size_t)len;) {
		ssize_t w =
		    send(c->fd, line + off, (size_t)len - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			/* vagusd may have refused us (busy, denied) and
			 * closed before we spoke: its reason is still there
			 * to read, so the reply says what happened. */
			c->send_errno = errno;
			return CLI_EXIT_OK;
		}
		off += (size_t)w;
	}
	return CLI_EXIT_OK;
}

int cli_ctl_line(struct cli_conn *c, int timeout_ms, char **line, size_t *len)
{
	int64_t end = timeout_ms >= 0 ? mono_ms() + timeout_ms : -1;

	for (;;) {
		char *nl = c->len > c->start ? memchr(c->buf + c->start, '\n',
						      c->len - c->start)
					     : NULL;
		if (nl) {
			*line = c->buf + c->start;
			*len = (size_t)(nl - *line);
			*nl = '\0';
			c->start += *len + 1;
			return 1;
		}
		if (c->eof)
			return 0;
		/* Keep the unfinished line at the front, then make room. */
		if (c->start) {
			memmove(c->buf, c->buf + c->start, c->len - c->start);
			c->len -= c->start;
			c->start = 0;
		}
		if (c->cap - c->len < 4096) {
			if (c->cap >= REPLY_MAX)
				return -EMSGSIZE;
			size_t ncap = c->cap ? c->cap * 2 : 65536;
			char *nb = realloc(c->buf, ncap);
			if (!nb)
				return -ENOMEM;
			c->buf = nb;
			c->cap = ncap;
		}
		int wait = -1;
		if (end >= 0) {
			int64_t left = end - mono_ms();
			if (left <= 0)
				return -ETIMEDOUT;
			wait = (int)left;
		}
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		int r = poll(&p, 1, wait);
		if (r < 0)
			return -errno; /* EINTR: the caller decides */
		if (r == 0)
			return -ETIMEDOUT;
		ssize_t n =
		    recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
		if (n < 0) {
			if (errno == EINTR)
				return -EINTR;
			if (errno == ECONNRESET) {
				c->eof = true;
				continue;
			}
			return -errno;
		}
		if (n == 0)
			c->eof = true;
		c->len += (size_t)n;
	}
}

int cli_ctl_reply(struct cli_conn *c, struct vg_jv *json)
{
	char *line;
	size_t len;
	int r = cli_ctl_line(c, CLI_REPLY_TIMEOUT_MS, &line, &len);

	if (r == 0 && c->send_errno) {
		cli_error("%s: vagusd went away (%s)", c->cmd,
			  strerror(c->send_errno));
		return CLI_EXIT_NODAEMON;
	}
	if (r == 0) {
		cli_error("%s: vagusd closed the connection without answering",
			  c->cmd);
		return CLI_EXIT_NODAEMON;
	}
	if (r == -ETIMEDOUT) {
		cli_error("%s: vagusd did not answer within %d s", c->cmd,
			  CLI_REPLY_TIMEOUT_MS / 1000);
		return CLI_EXIT_NODAEMON;
	}
	if (r < 0) {
		cli_error("%s: reading vagusd's answer: %s", c->cmd,
			  strerror(-r));
		return r == -ENOMEM ? CLI_EXIT_INTERNAL : CLI_EXIT_NODAEMON;
	}
	if (len >= 3 && !memcmp(line, "ok ", 3) &&
	    vg_jsonscan_parse(line + 3, len - 3, json) == 0 &&
	    json->type == VG_JV_OBJ)
		return CLI_EXIT_OK;
	if (len >= 4 && !memcmp(line, "err ", 4)) {
		char *code = line + 4, *text = strchr(code, ' ');
		if (text)
			*text++ = '\0';
		cli_print_safe_error(c->cmd, text && *text ? text : code, code);
		return CLI_EXIT_REFUSED;
	}
	cli_error("%s: vagusd answered something that is not the protocol "
		  "(is %s really vagusd's socket?)",
		  c->cmd, c->path);
	return CLI_EXIT_DATA;
}

void cli_print_safe_error(const char *cmd, const char *text, const char *code)
{
	char buf[1024];
	size_t n = 0;

	/* The daemon's words go to a terminal: no control bytes. */
	for (const char *p = text; *p && n + 1 < sizeof(buf); p++)
		buf[n++] = (unsigned char)*p < ' ' || *p == 0x7f ? '?' : *p;
	buf[n] = '\0';
	if (!strcmp(code, "busy") || !strcmp(code, "denied") ||
	    !strcmp(code, "toolong") || !strcmp(code, "syntax") ||
	    !strcmp(code, "invalid") || !strcmp(code, "timeout") ||
	    !strcmp(code, "toolarge"))
		cli_error("%s: vagusd refused the request: %s", cmd, buf);
	else
		cli_error("%s: %s", cmd, buf);
}

int cli_ctl_call(const char *cmd, enum vg_ctl_verb verb,
		 const char *const *keys, const char *const *values, unsigned n,
		 struct cli_conn *c, struct vg_jv *json)
{
	int r = cli_ctl_open(c, cmd);

	if (r)
		return r;
	r = cli_ctl_send(c, verb, keys, values, n);
	if (!r)
		r = cli_ctl_reply(c, json);
	if (r)
		cli_ctl_close(c);
	return r;
}

int cli_strap_arg(const char *cmd, const char *spec, char *buf, size_t cap)
{
	struct vg_addr a;
	const char *why = "not a strap address";

	if (vg_addr_parse(spec, &a, &why) < 0)
		return cli_usage_error(cmd, "--strap %s: %s", spec, why);
	/* The daemon names straps in this canonical form. */
	if ((size_t)vg_addr_format(&a, buf, cap) >= cap)
		return cli_usage_error(cmd, "--strap %s: too long", spec);
	return CLI_EXIT_OK;
}

/* ---- printing a JSON object for people ---- */

static void print_scalar(const struct vg_jv *v)
{
	char s[4096];

	switch (v->type) {
	case VG_JV_STR:
		if (vg_jv_str(v, s, sizeof(s)) >= 0) {
			for (char *p = s; *p; p++)
				if ((unsigned char)*p < ' ' || *p == 0x7f)
					*p = ' ';
			fputs(s, stdout);
		} else {
			fwrite(v->p, 1, v->len, stdout);
		}
		break;
	case VG_JV_BOOL:
		fputs(v->p[0] == 't' ? "yes" : "no", stdout);
		break;
	case VG_JV_NULL:
		fputs("-", stdout);
		break;
	default:
		fwrite(v->p, 1, v->len, stdout);
	}
}

static bool all_scalars(const struct vg_jv *arr)
{
	struct vg_jv item;
	size_t pos = 0;

	while (vg_jsonscan_next(arr, &pos, NULL, &item) > 0)
		if (item.type == VG_JV_OBJ || item.type == VG_JV_ARR)
			return false;
	return true;
}

void cli_print_object(const struct vg_jv *obj, int indent, const char *skip)
{
	struct vg_jv k, v, item;
	size_t pos = 0;
	char key[128];

	while (vg_jsonscan_next(obj, &pos, &k, &v) > 0) {
		if (vg_jv_str(&k, key, sizeof(key)) < 0)
			snprintf(key, sizeof(key), "?");
		if (skip && !strcmp(key, skip))
			continue;
		for (char *p = key; *p; p++)
			if (*p == '_')
				*p = ' ';
		printf("%*s%s:", indent, "", key);
		if (v.type == VG_JV_OBJ) {
			putchar('\n');
			cli_print_object(&v, indent + 2, NULL);
		} else if (v.type == VG_JV_ARR && all_scalars(&v)) {
			size_t ap = 0;
			const char *sep = " ";
			while (vg_jsonscan_next(&v, &ap, NULL, &item) > 0) {
				fputs(sep, stdout);
				print_scalar(&item);
				sep = ", ";
			}
			putchar('\n');
		} else if (v.type == VG_JV_ARR) {
			size_t ap = 0;
			putchar('\n');
			while (vg_jsonscan_next(&v, &ap, NULL, &item) > 0) {
				if (item.type == VG_JV_OBJ) {
					printf("%*s-\n", indent + 2, "");
					cli_print_object(&item, indent + 4,
							 NULL);
				} else {
					printf("%*s- ", indent + 2, "");
					print_scalar(&item);
					putchar('\n');
				}
			}
		} else {
			putchar(' ');
			print_scalar(&v);
			putchar('\n');
		}
	}
}
