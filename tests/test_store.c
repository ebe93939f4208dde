/* SPDX-License-Identifier: MIT */
/*
 * The session journal and atomic file replacement: a journal cut at every
 * byte loses no whole record, injected disk errors lose nothing, and
 * replaced files are whole or untouched.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/store.h"
#include "test.h"

static char dir[64];
static int dirfd_;

static void count_record(const struct vg_record *r, void *arg)
{
	size_t *n = arg;
	char want[32];

	/* Payloads are "beat N" with N the sequence number. */
	snprintf(want, sizeof(want), "beat %u", (unsigned)r->seq);
	if (r->len == strlen(want) && memcmp(r->payload, want, r->len) == 0)
		(*n)++;
}

static int append_beats(struct vg_journal *j, unsigned from, unsigned to)
{
	char text[32];

	for (unsigned i = from; i <= to; i++) {
		int n = snprintf(text, sizeof(text), "beat %u", i);
		int err = vg_journal_append(j, VG_REC_EVENT, 1000 + i, text,
					    (size_t)n);
		if (err)
			return err;
	}
	return 0;
}

static off_t file_size(const char *name)
{
	struct stat st;

	if (fstatat(dirfd_, name, &st, 0) < 0)
		return -1;
	return st.st_size;
}

static void test_create_and_reopen(void)
{
	struct vg_journal_info info;
	struct stat st;
	size_t seen = 0;

	struct vg_journal *j =
	    vg_journal_open(dirfd_, "a.journal", NULL, NULL, &info);
	if (!CHECK(j))
		return;
	CHECK(info.created);
	CHECK(fstatat(dirfd_, "a.journal", &st, 0) == 0 &&
	      (st.st_mode & 0777) == 0600);
	CHECK_EQ(append_beats(j, 1, 3), 0);
	CHECK_EQ(file_size("a.journal"), VG_JOURNAL_HEADER_LEN);
	CHECK_EQ(vg_journal_flush(j, true), 0);
	CHECK_EQ(vg_journal_pending(j), 0);
	CHECK_EQ(vg_journal_close(j), 0);

	j = vg_journal_open(dirfd_, "a.journal", count_record, &seen, &info);
	if (!CHECK(j))
		return;
	CHECK(!info.created);
	CHECK_EQ(info.records, 3);
	CHECK_EQ(info.last_seq, 3);
	CHECK_EQ(seen, 3);
	CHECK_EQ(info.torn_bytes, 0);
	CHECK_EQ(vg_journal_close(j), 0);

	/* Not a journal: refused, not truncated. */
	int fd = openat(dirfd_, "notes.txt", O_WRONLY | O_CREAT, 0600);
	CHECK(write(fd, "hello, world\n", 13) == 13);
	close(fd);
	errno = 0;
	CHECK(!vg_journal_open(dirfd_, "notes.txt", NULL, NULL, NULL));
	CHECK_EQ(errno, EBADMSG);
	CHECK_EQ(file_size("notes.txt"), 13);
}

/*
 * A crash can stop a journal at any byte. Reopening keeps every whole
 * record before the cut, cuts the rest, and appending continues the
 * sequence so a second reopen sees them all.
 */
static void test_cut_at_every_byte(void)
{
	struct vg_journal_info info;
	uint8_t *full;
	size_t len, wrong = 0;

	struct vg_journal *j =
	    vg_journal_open(dirfd_, "b.journal", NULL, NULL, NULL);
	append_beats(j, 1, 5);
	vg_journal_close(j);
	len = (size_t)file_size("b.journal");
	full = malloc(len);
	int fd = openat(dirfd_, "b.journal", O_RDONLY);
	CHECK(read(fd, full, len) == (ssize_t)len);
	close(fd);

	size_t rec = (len - VG_JOURNAL_HEADER_LEN) / 5; /* equal sizes */
	for (size_t cut = VG_JOURNAL_HEADER_LEN; cut <= len; cut++) {
		size_t whole = (cut - VG_JOURNAL_HEADER_LEN) / rec;
		size_t seen = 0;

		fd = openat(dirfd_, "c.journal", O_WRONLY | O_CREAT | O_TRUNC,
			    0600);
		if (write(fd, full, cut) != (ssize_t)cut)
			wrong++;
		close(fd);
		j = vg_journal_open(dirfd_, "c.journal", NULL, NULL, &info);
		if (!j || info.records != whole ||
		    file_size("c.journal") !=
			(off_t)(VG_JOURNAL_HEADER_LEN + whole * rec)) {
			wrong++;
			vg_journal_close(j);
			continue;
		}
		append_beats(j, (unsigned)whole + 1, (unsigned)whole + 2);
		vg_journal_close(j);
		j = vg_journal_open(dirfd_, "c.journal", count_record, &seen,
				    &info);
		if (!j || seen != whole + 2 || info.torn_bytes != 0)
			wrong++;
		vg_journal_close(j);
	}
	CHECK_EQ(wrong, 0);
	free(full);
}

/* Fault injection: the disk says no, then yes. */
static int fail_errno;
static size_t max_write = (size_t)-1;
static ssize_t faulty_write(int fd, const void *buf, size_t n)
{
	if (fail_errno) {
		errno = fail_errno;
		return -1;
	}
	return write(fd, buf, n < max_write ? n : max_write);
}

static int faulty_fdatasync(int fd)
{
	if (fail_errno) {
		errno = fail_errno;
		return -1;
	}
	return fdatasync(fd);
}

static int faulty_rename(int a, const char *b, int c, const char *d)
{
	errno = EIO;
	return -1;
}

static void test_disk_errors(void)
{
	struct vg_store_syscalls saved = vg_store_sys;
	struct vg_journal_info info;
	size_t seen = 0;

	struct vg_journal *j =
	    vg_journal_open(dirfd_, "d.journal", NULL, NULL, NULL);
	vg_store_sys.write = faulty_write;
	vg_store_sys.fdatasync = faulty_fdatasync;

	/* Disk full: the records wait in memory. */
	fail_errno = ENOSPC;
	append_beats(j, 1, 10);
	CHECK_EQ(vg_journal_flush(j, true), -ENOSPC);
	CHECK(vg_journal_pending(j) > 0);
	append_beats(j, 11, 20);

	/* Space again, but writes come back 7 bytes at a time. */
	fail_errno = 0;
	max_write = 7;
	CHECK_EQ(vg_journal_flush(j, true), 0);
	CHECK_EQ(vg_journal_pending(j), 0);
	max_write = (size_t)-1;

	/* fdatasync fails: reported, data still written. */
	append_beats(j, 21, 21);
	fail_errno = EIO;
	CHECK_EQ(vg_journal_flush(j, true), -EIO);
	fail_errno = 0;
	CHECK_EQ(vg_journal_close(j), 0);

	/* Memory for pending data is bounded, not endless. */
	j = vg_journal_open(dirfd_, "e.journal", NULL, NULL, NULL);
	fail_errno = ENOSPC;
	char big[VG_RECORD_PAYLOAD_MAX] = {0};
	int err = 0;
	size_t queued = 0;
	while (!err && queued < 10000) {
		err = vg_journal_append(j, VG_REC_NOTIFY, 0, big, sizeof(big));
		queued++;
	}
	CHECK_EQ(err, -ENOBUFS);
	CHECK(vg_journal_pending(j) <= VG_JOURNAL_PENDING_MAX);
	CHECK_EQ(vg_journal_append(j, VG_REC_NOTIFY, 0, big, sizeof(big) + 1),
		 -EMSGSIZE);
	CHECK_EQ(vg_journal_close(j), -ENOSPC);
	fail_errno = 0;
	vg_store_sys = saved;

	j = vg_journal_open(dirfd_, "d.journal", count_record, &seen, &info);
	CHECK_EQ(info.records, 21);
	CHECK_EQ(seen, 21);
	vg_journal_close(j);
}

/* A record missing in the middle: keep what precedes it, cut the rest. */
static void test_sequence_hole(void)
{
	uint8_t buf[VG_JOURNAL_HEADER_LEN + 3 * VG_RECORD_MAX];
	struct vg_journal_info info;
	size_t n = VG_JOURNAL_HEADER_LEN, seen = 0;
	static const uint32_t seqs[] = {1, 2, 4};

	vg_journal_header(buf);
	for (int i = 0; i < 3; i++) {
		char text[32];
		int len =
		    snprintf(text, sizeof(text), "beat %u", (unsigned)seqs[i]);
		struct vg_record r = {seqs[i], VG_REC_EVENT, 0,
				      (const uint8_t *)text, (size_t)len};
		n += (size_t)vg_record_encode(&r, buf + n, sizeof(buf) - n);
	}
	int fd =
	    openat(dirfd_, "f.journal", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(write(fd, buf, n) == (ssize_t)n);
	close(fd);
	struct vg_journal *j =
	    vg_journal_open(dirfd_, "f.journal", count_record, &seen, &info);
	CHECK_EQ(info.records, 2);
	CHECK_EQ(seen, 2);
	CHECK(info.torn_bytes > 0);
	/* The next record continues after the last whole one. */
	CHECK_EQ(append_beats(j, 3, 3), 0);
	vg_journal_close(j);
	seen = 0;
	j = vg_journal_open(dirfd_, "f.journal", count_record, &seen, &info);
	CHECK_EQ(seen, 3);
	vg_journal_close(j);
}

static void test_replace(void)
{
	struct vg_store_syscalls saved = vg_store_sys;
	char buf[64] = {0};
	struct stat st;

	CHECK_EQ(vg_store_replace(dirfd_, "report.json", "{\"v\":1}\n", 8), 0);
	CHECK_EQ(vg_store_replace(dirfd_, "report.json", "{\"v\":2}\n", 8), 0);
	int fd = openat(dirfd_, "report.json", O_RDONLY);
	CHECK(read(fd, buf, sizeof(buf)) == 8 &&
	      strcmp(buf, "{\"v\":2}\n") == 0);
	close(fd);
	CHECK(fstatat(dirfd_, "report.json", &st, 0) == 0 &&
	      (st.st_mode & 0777) == 0600);

	/* A failed rename leaves the old file and no temporary behind. */
	vg_store_sys.renameat = faulty_rename;
	CHECK_EQ(vg_store_replace(dirfd_, "report.json", "broken", 6), -EIO);
	vg_store_sys = saved;
	CHECK_EQ(file_size("report.json"), 8);
	char tmp[128];
	snprintf(tmp, sizeof(tmp), ".report.json.%ld.tmp", (long)getpid());
	CHECK_EQ(file_size(tmp), -1);
}

static void cleanup(void)
{
	static const char *const names[] = {
	    "a.journal", "b.journal", "c.journal", "d.journal",
	    "e.journal", "f.journal", "notes.txt", "report.json"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlinkat(dirfd_, names[i], 0);
	close(dirfd_);
	rmdir(dir);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "/tmp/vagus-store-XXXXXX");
	if (!mkdtemp(dir) ||
	    (dirfd_ = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		perror("test_store: temporary directory");
		return 1;
	}
	test_create_and_reopen();
	test_cut_at_every_byte();
	test_disk_errors();
	test_sequence_hole();
	test_replace();
	cleanup();
	return vg_test_done();
}
