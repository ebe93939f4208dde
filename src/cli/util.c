/* SPDX-License-Identifier: MIT */
/*
 * The thin I/O of the vagus command: messages and whole-file reads. The
 * parsing and the maths happen in the pure core on the bytes read here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("vagus: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("vagus: ", stderr);
	if (cmd)
		fprintf(stderr, "%s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'vagus %s%s--help'.\n", cmd ? cmd : "",
		cmd ? " " : "");
	return CLI_EXIT_USAGE;
}

const char *cli_file_name(const char *path)
{
	return strcmp(path, "-") ? path : "standard input";
}

int cli_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	struct stat st;
	char *b = NULL;
	size_t n = 0, cap = 0;
	int fd, err = 0;
	bool is_stdin = !strcmp(path, "-");

	*buf = NULL;
	*len = 0;
	fd = is_stdin ? STDIN_FILENO
		      : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		goto out;
	}
	/* A regular file's size is known: refuse it before reading. */
	if (S_ISREG(st.st_mode)) {
		if ((unsigned long long)st.st_size > max) {
			err = -EFBIG;
			goto out;
		}
		cap = (size_t)st.st_size + 1; /* +1 sees EOF in one read */
	}
	for (;;) {
		if (n == cap) {
			if (cap > max) {
				err = -EFBIG;
				goto out;
			}
			size_t ncap = cap < 65536 ? 65536 : cap * 2;
			if (ncap > max + 1)
				ncap = max + 1;
			char *nb = realloc(b, ncap);
			if (!nb) {
				err = -ENOMEM;
				goto out;
			}
			b = nb;
			cap = ncap;
		} else if (!b) {
			b = malloc(cap);
			if (!b) {
				err = -ENOMEM;
				goto out;
			}
		}
		ssize_t r = read(fd, b + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			err = -EFBIG;
			goto out;
		}
	}
out:
	if (!is_stdin)
		close(fd);
	if (err) {
		free(b);
		return err;
	}
	*buf = b;
	*len = n;
	return 0;
}

const char *cli_opt_value(int argc, char **argv, int *i, size_t len)
{
	if (argv[*i][len] == '=')
		return argv[*i] + len + 1;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static const char *opt_socket, *opt_state_dir;

/* Takes "--name VALUE" or "--name=VALUE" at argv[i]; 0 if not @name. */
static int take_option(int argc, char **argv, int i, const char *name,
		       const char **out)
{
	size_t n = strlen(name);

	if (strncmp(argv[i], name, n))
		return 0;
	if (argv[i][n] == '=') {
		*out = argv[i] + n + 1;
		return 1;
	}
	if (argv[i][n])
		return 0;
	if (i + 1 >= argc || !argv[i + 1][0]) {
		cli_usage_error(NULL, "option '%s' needs a value", name);
		return -1;
	}
	*out = argv[i + 1];
	return 2;
}

int cli_global_options(int argc, char **argv)
{
	int i = 1;

	while (i < argc) {
		int n = take_option(argc, argv, i, "--socket", &opt_socket);
		if (!n)
			n = take_option(argc, argv, i, "--state-dir",
					&opt_state_dir);
		if (n < 0)
			return -1;
		if (!n)
			break;
		i += n;
	}
	if ((opt_socket && !*opt_socket) ||
	    (opt_state_dir && !*opt_state_dir)) {
		cli_usage_error(NULL, "an empty path is not a path");
		return -1;
	}
	return i - 1;
}

const char *cli_socket_path(void)
{
	static char path[4096];
	const char *run = getenv("XDG_RUNTIME_DIR");

	if (opt_socket)
		return opt_socket;
	/* Only an absolute runtime dir counts, as the XDG spec says. */
	if (run && run[0] == '/' &&
	    (size_t)snprintf(path, sizeof(path), "%s/vagus/vagusd.sock", run) <
		sizeof(path))
		return path;
	return "/run/vagus/vagusd.sock";
}

const char *cli_state_dir(void)
{
	static char path[4096];
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");

	if (opt_state_dir)
		return opt_state_dir;
	if (state && state[0] == '/' &&
	    (size_t)snprintf(path, sizeof(path), "%s/vagus", state) <
		sizeof(path))
		return path;
	if (home && home[0] &&
	    (size_t)snprintf(path, sizeof(path), "%s/.local/state/vagus",
			     home) < sizeof(path))
		return path;
	return NULL;
}

int cli_open_sessions(const char *cmd, int *fd, char *path, size_t cap)
{
	const char *state = cli_state_dir();

	if (!state) {
		cli_error("%s: no state directory: give --state-dir DIR, or "
			  "set XDG_STATE_HOME or HOME",
			  cmd);
		return CLI_EXIT_USAGE;
	}
	snprintf(path, cap, "%s/sessions", state);
	*fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0) {
		if (errno == ENOENT)
			cli_error("%s: no sessions yet (%s does not exist)",
				  cmd, path);
		else
			cli_error("%s: %s: %s", cmd, path, strerror(errno));
		return CLI_EXIT_DATA;
	}
	return CLI_EXIT_OK;
}
