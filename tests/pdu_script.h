/* SPDX-License-Identifier: MIT */
/*
 * PDU-script plumbing for the protocol tests (after BlueZ unit/test-gatt.c):
 * a socketpair(AF_UNIX, SOCK_SEQPACKET) keeps PDU boundaries as an L2CAP
 * socket does; the test plays the server on one end, the client under
 * test is driven through the other. Every read is non-blocking, so a
 * missing PDU is a failed check, never a hung test.
 */
#ifndef VAGUS_TEST_PDU_SCRIPT_H
#define VAGUS_TEST_PDU_SCRIPT_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test.h"

struct pdu {
	const uint8_t *b;
	size_t len;
};

/* PDU(0x02, 0x05, 0x02): a byte string with its length. */
#define PDU(...)                                                               \
	((struct pdu){(const uint8_t[]){__VA_ARGS__},                          \
		      sizeof((const uint8_t[]){__VA_ARGS__})})

/* Room for a PDU longer than any ATT_MTU, to see it whole. */
#define SCRIPT_BUF 1024

struct link {
	int cfd; /* the client's end */
	int sfd; /* the scripted server's end */
};

static inline int link_open(struct link *l)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("socketpair");
		l->cfd = l->sfd = -1;
		return -errno;
	}
	l->cfd = sv[0];
	l->sfd = sv[1];
	return 0;
}

static inline void link_close(struct link *l)
{
	if (l->cfd >= 0)
		close(l->cfd);
	if (l->sfd >= 0)
		close(l->sfd);
	l->cfd = l->sfd = -1;
}

static inline bool link_write(int fd, const uint8_t *b, size_t len)
{
	return send(fd, b, len, MSG_NOSIGNAL) == (ssize_t)len;
}

/* One PDU, or -1 when none is waiting. */
static inline ssize_t link_read(int fd, uint8_t *buf, size_t cap)
{
	return recv(fd, buf, cap, MSG_DONTWAIT);
}

static inline void dump_pdu(const char *tag, const uint8_t *b, size_t len)
{
	fprintf(stderr, "  %s:", tag);
	for (size_t i = 0; i < len; i++)
		fprintf(stderr, " %02x", b[i]);
	fprintf(stderr, "\n");
}

/* The server reads the client's next PDU and checks it is @want. */
#define SERVER_EXPECT(l, want) server_expect((l), (want), __FILE__, __LINE__)

static inline bool server_expect(struct link *l, struct pdu want,
				 const char *file, int line)
{
	uint8_t buf[SCRIPT_BUF];
	ssize_t n = link_read(l->sfd, buf, sizeof(buf));
	bool ok = n == (ssize_t)want.len && memcmp(buf, want.b, want.len) == 0;

	if (!vg_test_check(ok, "server received the expected PDU", file,
			   line)) {
		dump_pdu("want", want.b, want.len);
		if (n >= 0)
			dump_pdu("got ", buf, (size_t)n);
		else
			fprintf(stderr, "  got  nothing\n");
	}
	return ok;
}

/* The client sent nothing (more). */
#define SERVER_EXPECT_NOTHING(l) server_expect_nothing((l), __FILE__, __LINE__)

static inline bool server_expect_nothing(struct link *l, const char *file,
					 int line)
{
	uint8_t buf[SCRIPT_BUF];
	ssize_t n = link_read(l->sfd, buf, sizeof(buf));

	if (!vg_test_check(n < 0, "client sent nothing", file, line)) {
		dump_pdu("got ", buf, (size_t)n);
		return false;
	}
	return true;
}

#endif
