/* SPDX-License-Identifier: MIT */
#include "sys/btagent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sys/hcisock.h"
#include "vagus/mgmt.h"

/*
 * Every event on the control channel reaches every trusted socket:
 * Device Found and the rest come here too and are skipped. None the agent
 * reads is near this size; a longer one is cut and fails its length check.
 */
#define RX_MAX 1024

struct vg_btagent {
	int fd;
};

struct vg_btagent *vg_btagent_adopt(int fd, int *err)
{
	struct vg_btagent *a = malloc(sizeof(*a));
	int fl;

	if (!a) {
		close(fd);
		*err = -ENOMEM;
		return NULL;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	a->fd = fd;
	return a;
}

struct vg_btagent *vg_btagent_open(int *err)
{
	int fd = vg_hcisock_open_mgmt();

	if (fd < 0) {
		*err = fd;
		return NULL;
	}
	return vg_btagent_adopt(fd, err);
}

void vg_btagent_close(struct vg_btagent *a)
{
	if (!a)
		return;
	close(a->fd);
	free(a);
}

int vg_btagent_fd(const struct vg_btagent *a)
{
	return a->fd;
}

/* The peer of a request, as our address type for @wanted. */
static bool request_peer(const struct vg_mgmt_event *ev, struct vg_addr *peer)
{
	memset(peer, 0, sizeof(*peer));
	peer->kind = VG_ADDR_BT;
	memcpy(peer->bdaddr, ev->u.user_confirm.bdaddr, 6);
	switch (ev->u.user_confirm.addr_type) {
	case VG_MGMT_ADDR_LE_PUBLIC:
		peer->bt_type = VG_ADDR_LE_PUBLIC;
		return true;
	case VG_MGMT_ADDR_LE_RANDOM:
		peer->bt_type = VG_ADDR_LE_RANDOM;
		return true;
	default: /* BR/EDR: never a strap of ours */
		return false;
	}
}

/* Answers one request; returns 1 when it confirmed, 0 when it left it. */
static int answer(struct vg_btagent *a, const struct vg_mgmt_event *ev,
		  vg_btagent_wanted_fn wanted, vg_btagent_note_fn note,
		  void *arg)
{
	struct vg_addr peer;
	uint8_t pkt[VG_MGMT_HDR_LEN + 7];
	char text[128];
	int n;

	if (!request_peer(ev, &peer) || !wanted(arg, &peer))
		return 0;
	if (ev->u.user_confirm.confirm_hint != 1) {
		snprintf(text, sizeof(text),
			 "pairing asks to compare the number %06u with the "
			 "strap's: vagusd cannot show it; left to another "
			 "agent (bluetoothctl)",
			 (unsigned)(ev->u.user_confirm.value % 1000000u));
		note(arg, &peer, text);
		return 0;
	}
	n = vg_mgmt_cmd_user_confirm(pkt, sizeof(pkt), ev->index,
				     ev->u.user_confirm.bdaddr,
				     ev->u.user_confirm.addr_type, true);
	if (n > 0 && send(a->fd, pkt, (size_t)n, MSG_NOSIGNAL) == n) {
		note(arg, &peer, "pairing: confirmed Just Works");
		return 1;
	}
	snprintf(text, sizeof(text), "pairing: cannot confirm: %s",
		 strerror(n < 0 ? -n : errno));
	note(arg, &peer, text);
	return 0;
}

int vg_btagent_process(struct vg_btagent *a, vg_btagent_wanted_fn wanted,
		       vg_btagent_note_fn note, void *arg)
{
	int confirmed = 0;

	for (;;) {
		uint8_t buf[RX_MAX];
		struct vg_mgmt_event ev;
		ssize_t n = recv(a->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n == 0)
			return -ECONNRESET;
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return confirmed;
			return -errno;
		}
		if (vg_mgmt_decode(buf, (size_t)n, &ev) < 0)
			continue;
		if (ev.code == VG_MGMT_EV_USER_CONFIRM_REQUEST)
			confirmed += answer(a, &ev, wanted, note, arg);
		else if (ev.code == VG_MGMT_EV_CMD_COMPLETE &&
			 ev.u.cmd.opcode == VG_MGMT_OP_USER_CONFIRM_REPLY &&
			 ev.u.cmd.status != VG_MGMT_SUCCESS) {
			/* Another agent answered first, or the link is gone:
			 * the kernel says so here. */
			struct vg_addr peer = {.kind = VG_ADDR_BT};
			char text[96];

			if (ev.u.cmd.rlen >= 7)
				memcpy(peer.bdaddr, ev.u.cmd.ret, 6);
			snprintf(text, sizeof(text),
				 "pairing: the kernel refused our "
				 "confirmation: %s",
				 vg_mgmt_status_str(ev.u.cmd.status));
			note(arg, &peer, text);
		}
	}
}
