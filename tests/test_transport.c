/* SPDX-License-Identifier: MIT */
/*
 * The transport: Unix seqpacket connections and their errors, and the
 * Bluetooth path as far as a machine without Bluetooth can take it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sys/transport.h"
#include "test.h"

static int listen_at(const char *path, int type)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, type, 0);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(fd, 4) < 0) {
		CHECK(!"listen");
		return -1;
	}
	return fd;
}

static void test_unix(void)
{
	char dir[] = "/tmp/vagus-test-XXXXXX";
	char path[200], spec[220];
	struct vg_addr a;
	bool pending = true;
	int lfd, fd, peer;

	if (!CHECK(mkdtemp(dir)))
		return;
	snprintf(path, sizeof(path), "%s/strap", dir);
	snprintf(spec, sizeof(spec), "unix:%s", path);
	CHECK_EQ(vg_addr_parse(spec, &a, NULL), 0);

	/* Nothing there yet. */
	CHECK_EQ(vg_transport_open(&a, VG_TRANSPORT_ANY_ADAPTER, &pending),
		 -ENOENT);
	CHECK(strstr(vg_transport_explain(&a, -ENOENT), "no such socket"));

	lfd = listen_at(path, SOCK_SEQPACKET);
	fd = vg_transport_open(&a, VG_TRANSPORT_ANY_ADAPTER, &pending);
	CHECK(fd >= 0);
	CHECK(!pending);
	if (fd >= 0) {
		CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
		CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
		CHECK_EQ(vg_transport_finish(fd), 0);
		/* Record boundaries are kept: one PDU per read. */
		peer = accept(lfd, NULL, NULL);
		CHECK(peer >= 0);
		CHECK(send(fd, "\x02\x05\x02", 3, MSG_NOSIGNAL) == 3);
		CHECK(send(fd, "\x0a\x01\x00", 3, MSG_NOSIGNAL) == 3);
		char buf[16];
		CHECK(recv(peer, buf, sizeof(buf), 0) == 3);
		CHECK(recv(peer, buf, sizeof(buf), 0) == 3 && buf[0] == 0x0a);
		/* Security is a no-op on a Unix socket. */
		enum vg_transport_security lvl = VG_SEC_HIGH;
		CHECK_EQ(vg_transport_set_security(fd, &a, VG_SEC_MEDIUM), 0);
		CHECK_EQ(vg_transport_get_security(fd, &a, &lvl), 0);
		CHECK_EQ(lvl, VG_SEC_LOW);
		close(peer);
		close(fd);
	}
	close(lfd);

	/* The file is left behind with nobody listening. */
	CHECK_EQ(vg_transport_open(&a, VG_TRANSPORT_ANY_ADAPTER, &pending),
		 -ECONNREFUSED);
	CHECK(strstr(vg_transport_explain(&a, -ECONNREFUSED), "busy"));
	unlink(path);

	/* A stream socket is not a strap. */
	lfd = listen_at(path, SOCK_STREAM);
	CHECK_EQ(vg_transport_open(&a, VG_TRANSPORT_ANY_ADAPTER, &pending),
		 -EPROTOTYPE);
	CHECK(vg_transport_explain(&a, -EPROTOTYPE));
	close(lfd);
	unlink(path);
	rmdir(dir);
}

static void test_bt(void)
{
	struct vg_addr a;
	bool pending = false;
	int fd;

	CHECK_EQ(vg_addr_parse("bt:00:11:22:33:44:55/random", &a, NULL), 0);
	fd = vg_transport_open(&a, VG_TRANSPORT_ANY_ADAPTER, &pending);
	if (fd == -EAFNOSUPPORT || fd == -EPROTONOSUPPORT) {
		const char *msg = vg_transport_explain(&a, fd);
		CHECK(msg &&
		      strstr(msg, "this kernel has no Bluetooth support"));
		printf("no Bluetooth in this kernel: open gave %s\n",
		       strerror(-fd));
		return;
	}
	/*
	 * With Bluetooth but no adapter, or an adapter paging an address
	 * nobody has: an error with an explanation, or a pending connect.
	 */
	if (fd < 0) {
		printf("Bluetooth open: %s\n", strerror(-fd));
		CHECK(vg_transport_explain(&a, fd) != NULL);
		return;
	}
	CHECK(pending);
	close(fd);
}

/* From a named adapter: one that does not exist is an error that says
 * so; unix: ignores the adapter. */
static void test_adapter(void)
{
	struct vg_addr a;
	bool pending = false;
	int fd;

	CHECK_EQ(vg_addr_parse("bt:00:11:22:33:44:55", &a, NULL), 0);
	fd = vg_transport_open(&a, 4242, &pending);
	CHECK(fd == -EAFNOSUPPORT || fd == -ENODEV);
	CHECK(vg_transport_explain(&a, fd) != NULL);
	if (fd == -ENODEV)
		CHECK(strstr(vg_transport_explain(&a, fd), "asked for"));
	CHECK(strstr(vg_transport_explain(&a, -ENETDOWN), "powered off"));
	CHECK_EQ(vg_transport_open(&a, -7, &pending), -ENODEV);

	CHECK_EQ(vg_addr_parse("unix:/nonexistent/vagus-test", &a, NULL), 0);
	CHECK_EQ(vg_transport_open(&a, 3, &pending), -ENOENT);
}

int main(void)
{
	struct vg_addr a;

	test_unix();
	test_bt();
	test_adapter();
	CHECK_EQ(vg_addr_parse("bt:00:11:22:33:44:55", &a, NULL), 0);
	CHECK(strstr(vg_transport_explain(&a, -EHOSTUNREACH), "worn"));
	CHECK(strstr(vg_transport_explain(&a, -ECONNREFUSED),
		     "is a phone or another app connected to it?"));
	CHECK(vg_transport_explain(&a, -EIO) == NULL);
	return vg_test_done();
}
