/* SPDX-License-Identifier: MIT */
/*
 * Crash-safe storage: the append-only session journal and atomic whole-file
 * replacement (reports, state). Health data: files 0600, folders 0700.
 *
 * System calls go through a table so tests can inject EIO, ENOSPC and short
 * writes (the idea of SQLite's aSyscall).
 */
#ifndef VAGUS_SYS_STORE_H
#define VAGUS_SYS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "vagus/record.h"

struct vg_store_syscalls {
	ssize_t (*write)(int fd, const void *buf, size_t n);
	int (*fdatasync)(int fd);
	int (*fsync)(int fd);
	int (*ftruncate)(int fd, off_t len);
	int (*renameat)(int olddirfd, const char *oldpath, int newdirfd,
			const char *newpath);
};

/* The table in use; tests replace entries and restore them. */
extern struct vg_store_syscalls vg_store_sys;

/*
 * Bytes a journal keeps in memory when the disk refuses them (ENOSPC,
 * EIO): about 15 minutes of notifications. Past that, appends fail.
 */
#define VG_JOURNAL_PENDING_MAX (1u << 20)

struct vg_journal;

struct vg_journal_info {
	uint32_t last_seq; /* sequence number of the last whole record */
	size_t records;	   /* whole records found on open */
	off_t torn_bytes;  /* bytes cut from a torn tail on open */
	bool created;	   /* the file did not exist */
};

/*
 * Opens the journal @name in directory @dirfd, creating it (0600, with
 * the file header, directory fsynced) if missing. An existing journal is
 * checked record by record and cut back to its last whole record. Each
 * record found is passed to @each (may be NULL) so the caller can rebuild
 * its state. Returns the journal or NULL with errno set (EBADMSG for a
 * file that is not a journal).
 */
struct vg_journal *vg_journal_open(int dirfd, const char *name,
				   void (*each)(const struct vg_record *r,
						void *arg),
				   void *arg, struct vg_journal_info *info);

/*
 * Queues one record (the next sequence number) in memory. Nothing is
 * written until vg_journal_flush(). Returns 0, -EMSGSIZE for a payload
 * over VG_RECORD_PAYLOAD_MAX, or -ENOBUFS when the pending data would
 * exceed VG_JOURNAL_PENDING_MAX.
 */
int vg_journal_append(struct vg_journal *j, uint8_t type, int64_t time_ms,
		      const void *payload, size_t len);

/*
 * Writes what is pending with one write() (more only after a short
 * write), and fdatasyncs when @sync is true. On an error the unwritten
 * bytes stay pending for the next call. Returns 0 or -errno.
 */
int vg_journal_flush(struct vg_journal *j, bool sync);

/* Bytes queued but not yet written. */
size_t vg_journal_pending(const struct vg_journal *j);

/* Flushes with fdatasync and closes. Returns 0 or the first -errno. */
int vg_journal_close(struct vg_journal *j);

/*
 * Replaces @name in @dirfd atomically with @len bytes of @data, mode
 * 0600: a temporary file made with O_EXCL in the same directory, written,
 * fsynced, closed (checked), renamed over @name, then the directory
 * fsynced. Returns 0 or -errno; on failure @name is untouched.
 */
int vg_store_replace(int dirfd, const char *name, const void *data, size_t len);

#endif
