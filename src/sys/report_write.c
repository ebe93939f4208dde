/* SPDX-License-Identifier: MIT */
/*
 * OS glue of the report: read the journal, let the core build and render
 * the report, store both files atomically.
 */
#include "sys/report_write.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/store.h"
#include "vagus/history.h"
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

/* A report.json is a few kB; anything huge is not ours. */
#define HISTORY_REPORT_MAX ((size_t)16 << 20)

struct hist_entry {
	double t_s;
	long n; /* the "-N" of a second session in the same second, else 1 */
	double rest;
};

struct hist_scan {
	bool ok;
	double rest;
};

static void hist_str(void *arg, const char *key, const char *val)
{
	struct hist_scan *h = arg;

	if (!strcmp(key, "windows.status"))
		h->ok = !strcmp(val, "ok");
}

static void hist_num(void *arg, const char *key, double v)
{
	struct hist_scan *h = arg;

	if (!strcmp(key, "start.time.ln_rmssd"))
		h->rest = v;
}

/* Session IDs in time order: the second, then the "-N". */
static bool id_parse(const char *id, double *t_s, long *n)
{
	if (vg_history_id_time(id, t_s))
		return false;
	*n = id[15] ? strtol(id + 16, NULL, 10) : 1;
	return true;
}

static int hist_cmp(const void *a, const void *b)
{
	const struct hist_entry *x = a, *y = b;

	if (x->t_s != y->t_s)
		return x->t_s < y->t_s ? -1 : 1;
	return (x->n > y->n) - (x->n < y->n);
}

/* The name of the folder @dirfd within @parent, by device and inode. */
static bool own_name(DIR *parent, int fd, char *name, size_t cap)
{
	struct stat me, st;
	struct dirent *e;

	if (fstat(fd, &me) < 0)
		return false;
	rewinddir(parent);
	while ((e = readdir(parent))) {
		if (fstatat(dirfd(parent), e->d_name, &st,
			    AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_dev == me.st_dev && st.st_ino == me.st_ino &&
		    strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(name, cap, "%s", e->d_name);
			return true;
		}
	}
	return false;
}

int vg_report_history(int session_dirfd, double **vals, size_t *n)
{
	struct hist_entry *list = NULL;
	size_t len = 0, cap = 0;
	char self[256];
	double self_t;
	long self_n;
	int err = 0;

	*vals = NULL;
	*n = 0;
	int pfd =
	    openat(session_dirfd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return 0;
	DIR *d = fdopendir(pfd);
	if (!d) {
		close(pfd);
		return 0;
	}
	if (!own_name(d, session_dirfd, self, sizeof(self)) ||
	    !id_parse(self, &self_t, &self_n))
		goto out;
	rewinddir(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		struct hist_entry h = {0};
		struct hist_scan sc = {false, NAN};
		uint8_t *buf = NULL;
		size_t blen = 0;

		if (!id_parse(e->d_name, &h.t_s, &h.n))
			continue;
		struct hist_entry me = {.t_s = self_t, .n = self_n};
		if (hist_cmp(&h, &me) >= 0)
			continue;
		int sfd = openat(dirfd(d), e->d_name,
				 O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sfd < 0)
			continue;
		int rc = vg_report_read_file(sfd, "report.json",
					     HISTORY_REPORT_MAX, &buf, &blen);
		close(sfd);
		if (rc == -ENOMEM) {
			err = rc;
			goto out;
		}
		if (rc)
			continue;
		rc = vg_session_json_members((const char *)buf, blen, hist_str,
					     hist_num, &sc);
		free(buf);
		if (rc == -ENOMEM) {
			err = rc;
			goto out;
		}
		if (rc || !sc.ok || !isfinite(sc.rest))
			continue;
		h.rest = sc.rest;
		if (len == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct hist_entry *q = realloc(list, nc * sizeof(*q));
			if (!q) {
				err = -ENOMEM;
				goto out;
			}
			list = q;
			cap = nc;
		}
		list[len++] = h;
	}
	if (!len)
		goto out;
	qsort(list, len, sizeof(*list), hist_cmp);
	size_t first =
	    len > VG_HISTORY_BASELINE_MAX ? len - VG_HISTORY_BASELINE_MAX : 0;
	*vals = malloc((len - first) * sizeof(**vals));
	if (!*vals) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = first; i < len; i++)
		(*vals)[i - first] = list[i].rest;
	*n = len - first;
out:
	free(list);
	closedir(d);
	return err;
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
	struct vg_report_opts opts;
	struct vg_json j;
	double *hist = NULL;
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
	if (o)
		opts = *o;
	else
		vg_report_opts_default(&opts);
	if (!opts.history) {
		rc = vg_report_history(session_dirfd, &hist, &opts.nhist);
		if (rc) {
			say(err, errlen, "history: %s", strerror(-rc));
			goto out;
		}
		opts.history = hist;
	}
	rc = vg_report_build(&s, &opts, &r);
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
	free(hist);
	free(html);
	free(text);
	free(buf);
	vg_json_free(&j);
	vg_session_free(&s);
	return rc;
}
