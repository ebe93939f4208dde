/* SPDX-License-Identifier: MIT */
/*
 * OS glue of the report: read the journal, let the core build and render
 * the report, store both files atomically.
 */
#include "sys/report_write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/store.h"
#include "vagus/html.h"
#include "vagus/json.h"
#include "vagus/session.h"

int vg_report_read_file(int dirfd, const char *name, size_t max, uint8_t **buf,
			size_t *len)
{
	struct stat st;
	uint8_t *b = NULL;
	size_t n = 0, cap;
	int fd, err = 0;

	*buf = NULL;
	*len = 0;
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto out;
	}
	if ((unsigned long long)st.st_size > max) {
		err = -EFBIG;
		goto out;
	}
	/* +1 so that a file that grew is noticed, not silently cut. */
	cap = (size_t)st.st_size + 1;
	b = malloc(cap);
	if (!b) {
		err = -ENOMEM;
		goto out;
	}
	for (;;) {
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
		if (n == cap) {
			if (cap > max) {
				err = -EFBIG;
				goto out;
			}
			size_t nc = cap * 2 > max + 1 ? max + 1 : cap * 2;
			uint8_t *q = realloc(b, nc);
			if (!q) {
				err = -ENOMEM;
				goto out;
			}
			b = q;
			cap = nc;
		}
	}
out:
	close(fd);
	if (err) {
		free(b);
		return err;
	}
	*buf = b;
	*len = n;
	return 0;
}

__attribute__((format(printf, 3, 4))) static void say(char *err, size_t errlen,
						      const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int vg_report_write_session(int session_dirfd, const struct vg_report_opts *o,
			    char *err, size_t errlen)
{
	struct vg_session s;
	struct vg_report r;
	struct vg_json j;
	uint8_t *buf = NULL;
	char *text = NULL, *html = NULL;
	size_t len = 0, tlen = 0, hlen = 0;
	int rc;

	say(err, errlen, "no error");
	vg_session_init(&s);
	vg_json_init(&j, NULL, 0, 2);
	rc = vg_report_read_file(session_dirfd, "journal",
				 VG_REPORT_JOURNAL_MAX, &buf, &len);
	if (rc) {
		say(err, errlen, "journal: %s", strerror(-rc));
		goto out;
	}
	rc = vg_session_replay(buf, len, &s);
	if (rc) {
		say(err, errlen, "journal: %s",
		    rc == -EBADMSG ? "not a vagus journal" : strerror(-rc));
		goto out;
	}
	rc = vg_report_build(&s, o, &r);
	if (rc) {
		say(err, errlen, "analysis: %s", strerror(-rc));
		goto out;
	}
	rc = vg_report_json(&r, &j);
	if (!rc)
		rc = vg_report_text(&r, &text, &tlen);
	if (!rc)
		rc = vg_report_html(&r, &html, &hlen);
	if (rc) {
		say(err, errlen, "report: %s", strerror(-rc));
		goto out;
	}
	/* JSON last: its presence says the report is complete. */
	rc = vg_store_replace(session_dirfd, "report.txt", text, tlen);
	if (rc) {
		say(err, errlen, "report.txt: %s", strerror(-rc));
		goto out;
	}
	rc = vg_store_replace(session_dirfd, "report.html", html, hlen);
	if (rc) {
		say(err, errlen, "report.html: %s", strerror(-rc));
		goto out;
	}
	/* A trailing newline, as a text file should have. */
	char *jt = malloc(vg_json_len(&j) + 1);
	if (!jt) {
		rc = -ENOMEM;
		say(err, errlen, "report.json: %s", strerror(-rc));
		goto out;
	}
	memcpy(jt, vg_json_text(&j), vg_json_len(&j));
	jt[vg_json_len(&j)] = '\n';
	rc = vg_store_replace(session_dirfd, "report.json", jt,
			      vg_json_len(&j) + 1);
	free(jt);
	if (rc)
		say(err, errlen, "report.json: %s", strerror(-rc));
out:
	free(html);
	free(text);
	free(buf);
	vg_json_free(&j);
	vg_session_free(&s);
	return rc;
}
