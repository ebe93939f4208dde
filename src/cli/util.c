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
