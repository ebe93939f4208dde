/* SPDX-License-Identifier: MIT */
/*
 * The pairing agent (sys/btagent.h) against a fake kernel: this test
 * writes mgmt events into one end of a SOCK_SEQPACKET socketpair, the
 * agent reads the other, and what it answers is read back. It must
 * confirm Just Works for the peer its owner is securing, leave alone
 * every other request (other devices, numeric comparison, BR/EDR, short
 * or unknown packets), and say when the kernel refuses its answer. The
 * real kernel's side runs in the e2e `secure` scenario.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sys/btagent.h"
#include "test.h"
#include "vagus/mgmt.h"

/* The strap being secured: 00:AA:01:01:00:01, LE public. */
static const uint8_t strap[6] = {0x01, 0x00, 0x01, 0x01, 0xAA, 0x00};
static const uint8_t other[6] = {0x02, 0x00, 0x01, 0x01, 0xAA, 0x00};

struct owner {
	bool securing;
	int asked;
	int notes;
	char last[160];
};

static bool wants(void *arg, const struct vg_addr *peer)
{
	struct owner *o = arg;
	struct vg_addr mine = {.kind = VG_ADDR_BT};

	memcpy(mine.bdaddr, strap, 6);
	o->asked++;
	return o->securing && vg_addr_same(&mine, peer);
}

static void note(void *arg, const struct vg_addr *peer, const char *text)
{
	struct owner *o = arg;

	o->notes++;
	snprintf(o->last, sizeof(o->last), "%s", text);
}

static void send_event(int fd, uint16_t code, uint16_t index,
		       const uint8_t *param, uint16_t plen)
{
	uint8_t pkt[64];
	int n = vg_mgmt_encode(pkt, sizeof(pkt), code, index, param, plen);

	CHECK(n > 0 && send(fd, pkt, (size_t)n, 0) == n);
}

static void confirm_request(int fd, uint16_t index, const uint8_t addr[6],
			    uint8_t type, uint8_t hint)
{
	uint8_t p[12] = {0};

	memcpy(p, addr, 6);
	p[6] = type;
	p[7] = hint;
	p[8] = 0x40; /* value 123456 */
	p[9] = 0xE2;
	p[10] = 0x01;
	send_event(fd, VG_MGMT_EV_USER_CONFIRM_REQUEST, index, p, sizeof(p));
}

/* The next packet the agent sent, or 0 bytes when it sent nothing. */
static ssize_t answer(int fd, uint8_t *buf, size_t cap)
{
	ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT);

	return n < 0 && errno == EAGAIN ? 0 : n;
}

static void test_just_works(void)
{
	int sv[2], err = 0;
	struct owner o = {.securing = true};
	struct vg_btagent *a;
	uint8_t buf[64];

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	a = vg_btagent_adopt(sv[0], &err);
	CHECK(a != NULL);
	if (!a)
		return;
	CHECK_EQ(vg_btagent_fd(a), sv[0]);

	/* Nothing pending: nothing done. */
	CHECK_EQ(vg_btagent_process(a, wants, note, &o), 0);

	/* Just Works for our strap on hci2: User Confirmation Reply with
	 * its address and type, for the same controller. */
	confirm_request(sv[1], 2, strap, VG_MGMT_ADDR_LE_PUBLIC, 1);
	CHECK_EQ(vg_btagent_process(a, wants, note, &o), 1);
	CHECK_EQ(answer(sv[1], buf, sizeof(buf)), 13);
	CHECK_EQ(buf[0] | buf[1] << 8, VG_MGMT_OP_USER_CONFIRM_REPLY);
	CHECK_EQ(buf[2] | buf[3] << 8, 2);
	CHECK_EQ(buf[4] | buf[5] << 8, 7);
	CHECK(memcmp(buf + 6, strap, 6) == 0);
	CHECK_EQ(buf[12], VG_MGMT_ADDR_LE_PUBLIC);
	CHECK(strstr(o.last, "confirmed Just Works") != NULL);

	/* A random address is asked about with its own type. */
	confirm_request(sv[1], 0, strap, VG_MGMT_ADDR_LE_RANDOM, 1);
	CHECK_EQ(vg_btagent_process(a, wants, note, &o), 1);
	CHECK_EQ(answer(sv[1], buf, sizeof(buf)), 13);
	CHECK_EQ(buf[12], VG_MGMT_ADDR_LE_RANDOM);

	/* Another device pairing: not ours to answer. */
	confirm_request(sv[1], 0, other, VG_MGMT_ADDR_LE_PUBLIC, 1);
	CHECK_EQ(vg_btagent_process(a, wants, note, &o), 0);
	CHECK_EQ(answer(sv[1], buf, sizeof(buf)), 0);

	/* Our strap, but the owner is not securing it now. */
	o.securing = false;
	confirm_request(sv[1], 0, strap, VG_MGMT_ADDR_LE_PUBLIC, 1);
	CHECK_EQ(vg_btagent_process(a, wants, note, &o), 0);
	CHECK_EQ(answer(sv[1], buf, sizeof(buf)), 0);
	o.securing = true;

	/* Numeric comparison needs a person: left, and said. */
	o.notes = 0;
	confirm_request(sv[1], 0, strap, VG_MGMT_ADDR_LE_PUBLIC, 0);
	CHECK_EQ(vg_btagent_process(a, wants, note, &o), 0);
	CHECK_EQ(answer(sv[1], buf, sizeof(buf)), 0);
	CHECK_EQ(o.notes, 1);
	CHECK(strstr(o.last, "123456") != NULL);

	/* BR/EDR is never a strap: the owner is not even asked. */
	o.asked = 0;
	confirm_request(sv[1], 0, strap, VG_MGMT_ADDR_BREDR, 1);
	CHECK_EQ(vg_btagent_process(a, wants, note, &o), 0);
	CHECK_EQ(o.asked, 0);
	CHECK_EQ(answer(sv[1], buf, sizeof(buf)), 0);

	/* Short requests, other events and garbage pass by; a request
	 * after them in the same batch is still answered. */
	send_event(sv[1], VG_MGMT_EV_USER_CONFIRM_REQUEST, 0, strap, 6);
	send_event(sv[1], VG_MGMT_EV_DEVICE_FOUND, 0, strap, 6);
	CHECK(send(sv[1], "\x0F\x00", 2, 0) == 2);
	send_event(sv[1], 0x7777, 0, NULL, 0);
	confirm_request(sv[1], 0, strap, VG_MGMT_ADDR_LE_PUBLIC, 1);
	CHECK_EQ(vg_btagent_process(a, wants, note, &o), 1);
	CHECK_EQ(answer(sv[1], buf, sizeof(buf)), 13);
	CHECK_EQ(answer(sv[1], buf, sizeof(buf)), 0);

	/* The kernel refuses our reply (another agent answered first). */
	{
		uint8_t p[10] = {VG_MGMT_OP_USER_CONFIRM_REPLY, 0x00,
				 VG_MGMT_NOT_CONNECTED};
		memcpy(p + 3, strap, 6);
		p[9] = VG_MGMT_ADDR_LE_PUBLIC;
		send_event(sv[1], VG_MGMT_EV_CMD_COMPLETE, 0, p, sizeof(p));
		CHECK_EQ(vg_btagent_process(a, wants, note, &o), 0);
		CHECK(strstr(o.last, "refused") != NULL);
		CHECK(strstr(o.last, "Not Connected") != NULL);
	}

	/* The kernel side closes: an error for the owner, not a spin. */
	close(sv[1]);
	CHECK(vg_btagent_process(a, wants, note, &o) < 0);
	vg_btagent_close(a);
	vg_btagent_close(NULL);
}

/* Without Bluetooth in the kernel, opening says so. */
static void test_open(void)
{
	int err = 0;
	struct vg_btagent *a = vg_btagent_open(&err);

	if (a) {
		fprintf(stderr, "note: this kernel has Bluetooth\n");
		CHECK(vg_btagent_fd(a) >= 0);
		vg_btagent_close(a);
		return;
	}
	CHECK(err < 0);
}

int main(void)
{
	test_just_works();
	test_open();
	return vg_test_done();
}
