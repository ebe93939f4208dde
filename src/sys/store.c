/* SPDX-License-Identifier: MIT */
#include "sys/store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int rename_at(int olddirfd, const char *oldpath, int newdirfd,
		     const char *newpath)
{
	return renameat(olddirfd, oldpath, newdirfd, newpath);
}

struct vg_store_syscalls vg_store_sys = {
    .write = write,
    .fdatasync = fdatasync,
    .fsync = fsync,
    .ftruncate = ftruncate,
    .renameat = rename_at,
};

struct vg_journal {
	int fd;
	int dirfd;
	uint32_t seq; /* last sequence number used */
	uint8_t *pending;
	size_t npending;
	size_t cap;
	bool dirty; /* written since the last fdatasync */
};

/* Reads the whole of @fd into a heap buffer. */
static int read_all(int fd, uint8_t **out, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	size_t n = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (n < (size_t)st.st_size) {
		ssize_t r =
		    pread(fd, buf + n, (size_t)st.st_size - n, (off_t)n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = -errno;
			free(buf);
			return err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = buf;
	*len = n;
	return 0;
}

static int write_fully(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = vg_store_sys.write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Creates a new journal file holding only the header. */
static int create_journal(int dirfd, const char *name)
{
	uint8_t header[VG_JOURNAL_HEADER_LEN];
	int fd =
	    openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	int err;

	if (fd < 0)
		return -errno;
	vg_journal_header(header);
	err = write_fully(fd, header, sizeof(header));
	if (!err && vg_store_sys.fsync(fd) < 0)
		err = -errno;
	/* The new name must survive a crash too. */
	if (!err && vg_store_sys.fsync(dirfd) < 0)
		err = -errno;
	if (err) {
		close(fd);
		unlinkat(dirfd, name, 0);
		return err;
	}
	return fd;
}

/*
 * Checks every record and returns the length of the valid prefix: the
 * header and the whole records with rising sequence numbers.
 */
static size_t scan(const uint8_t *buf, size_t len, uint32_t *last_seq,
		   size_t *records,
		   void (*each)(const struct vg_record *, void *), void *arg)
{
	size_t off = VG_JOURNAL_HEADER_LEN;
	struct vg_record r;
	int n;

	*last_seq = 0;
	*records = 0;
	while ((n = vg_record_decode(buf + off, len - off, &r)) > 0) {
		if (r.seq != *last_seq + 1)
			break; /* a record went missing: stop before it */
		*last_seq = r.seq;
		(*records)++;
		if (each)
			each(&r, arg);
		off += (size_t)n;
	}
	return off;
}

struct vg_journal *vg_journal_open(int dirfd, const char *name,
				   void (*each)(const struct vg_record *r,
						void *arg),
				   void *arg, struct vg_journal_info *info)
{
	struct vg_journal_info dummy;
	struct vg_journal *j;
	uint8_t *buf = NULL;
	size_t len = 0, valid;
	int fd, err;

	if (!info)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;

	fd = openat(dirfd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT) {
		fd = create_journal(dirfd, name);
		if (fd < 0) {
			err = fd;
			goto fail;
		}
		info->created = true;
		valid = VG_JOURNAL_HEADER_LEN;
	} else if (fd < 0) {
		err = -errno;
		goto fail;
	} else {
		err = read_all(fd, &buf, &len);
		if (err)
			goto fail_fd;
		err = vg_journal_check_header(buf, len);
		if (err)
			goto fail_fd;
		valid = scan(buf, len, &j->seq, &info->records, each, arg);
		info->last_seq = j->seq;
		info->torn_bytes = (off_t)(len - valid);
		/* Cut the torn tail so new records follow whole ones. */
		if (valid < len) {
			if (vg_store_sys.ftruncate(fd, (off_t)valid) < 0 ||
			    vg_store_sys.fsync(fd) < 0) {
				err = -errno;
				goto fail_fd;
			}
		}
		free(buf);
		buf = NULL;
	}
	if (lseek(fd, (off_t)valid, SEEK_SET) < 0) {
		err = -errno;
		goto fail_fd;
	}
	j->fd = fd;
	j->dirfd = dirfd;
	return j;

fail_fd:
	close(fd);
fail:
	free(buf);
	free(j);
	errno = -err;
	return NULL;
}

int vg_journal_append(struct vg_journal *j, uint8_t type, int64_t time_ms,
		      const void *payload, size_t len)
{
	struct vg_record r = {j->seq + 1, type, time_ms, payload, len};
	size_t need = VG_RECORD_OVERHEAD + len;

	if (len > VG_RECORD_PAYLOAD_MAX)
		return -EMSGSIZE;
	if (j->npending + need > VG_JOURNAL_PENDING_MAX)
		return -ENOBUFS;
	if (j->npending + need > j->cap) {
		size_t cap = j->cap ? j->cap : 4096;
		while (cap < j->npending + need)
			cap *= 2;
		uint8_t *p = realloc(j->pending, cap);
		if (!p)
			return -ENOMEM;
		j->pending = p;
		j->cap = cap;
	}
	int n = vg_record_encode(&r, j->pending + j->npending,
				 j->cap - j->npending);
	if (n < 0)
		return n;
	j->npending += (size_t)n;
	j->seq++;
	return 0;
}

int vg_journal_flush(struct vg_journal *j, bool sync)
{
	size_t done = 0;
	int err = 0;

	while (done < j->npending) {
		ssize_t w = vg_store_sys.write(j->fd, j->pending + done,
					       j->npending - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? -errno : -EIO;
			break;
		}
		done += (size_t)w;
		j->dirty = true;
	}
	if (done) {
		memmove(j->pending, j->pending + done, j->npending - done);
		j->npending -= done;
	}
	/*
	 * On an error the file ends inside the byte stream we meant to write
	 * (write() never reports a partial write as an error), so the next
	 * flush continues exactly there; a crash before it leaves a torn tail
	 * that the next open cuts.
	 */
	if (err)
		return err;
	if (sync && j->dirty) {
		if (vg_store_sys.fdatasync(j->fd) < 0)
			return -errno;
		j->dirty = false;
	}
	return 0;
}

size_t vg_journal_pending(const struct vg_journal *j)
{
	return j->npending;
}

int vg_journal_close(struct vg_journal *j)
{
	int err;

	if (!j)
		return 0;
	err = vg_journal_flush(j, true);
	if (close(j->fd) < 0 && !err)
		err = -errno;
	free(j->pending);
	free(j);
	return err;
}

int vg_store_replace(int dirfd, const char *name, const void *data, size_t len)
{
	char tmp[256];
	int fd, err = 0;

	/* O_EXCL on a per-process name: a stale file is never reused. */
	if (snprintf(tmp, sizeof(tmp), ".%s.%ld.tmp", name, (long)getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	err = write_fully(fd, data, len);
	if (!err && vg_store_sys.fsync(fd) < 0)
		err = -errno;
	/* close() can report a deferred write error (NFS, quotas). */
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && vg_store_sys.renameat(dirfd, tmp, dirfd, name) < 0)
		err = -errno;
	if (err) {
		unlinkat(dirfd, tmp, 0);
		return err;
	}
	if (vg_store_sys.fsync(dirfd) < 0)
		return -errno;
	return 0;
}
