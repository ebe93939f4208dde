/* SPDX-License-Identifier: MIT */
/*
 * A pairing agent for straps that want an encrypted link, for when no
 * other agent answers.
 *
 * A strap may answer Insufficient Authentication until the link is
 * encrypted. The central then raises the link's security and the kernel
 * pairs (SMP). A strap has neither keys nor a display, so the method is
 * Just Works, and the kernel still asks user space to confirm it (mgmt
 * User Confirmation Request, confirm hint 1) on the central's adapter.
 * With bluetoothd and an agent running, they answer; without them nobody
 * does, SMP times out after 30 s and the link ends with Authentication
 * Failure.
 *
 * This agent says yes to Just Works only, and only for a peer its owner
 * is securing a link to right now (the @wanted callback). Numeric
 * comparison and passkeys need a person: those requests, and requests for
 * other devices, are left for another agent to answer.
 *
 * It listens on its own management socket, which the kernel trusts (and
 * so sends pairing requests to) only when bound with CAP_NET_ADMIN.
 */
#ifndef VAGUS_SYS_BTAGENT_H
#define VAGUS_SYS_BTAGENT_H

#include <stdbool.h>
#include <stdint.h>

#include "vagus/addr.h"

struct vg_btagent;

/* Whether the owner is securing a link to @peer right now. */
typedef bool (*vg_btagent_wanted_fn)(void *arg, const struct vg_addr *peer);

/* One line for the owner's log about what the agent did (or left). */
typedef void (*vg_btagent_note_fn)(void *arg, const struct vg_addr *peer,
				   const char *text);

/*
 * Opens the agent's management socket. Returns NULL with *@err = -errno
 * (-EAFNOSUPPORT: no Bluetooth in the kernel; -ENOMEM).
 */
struct vg_btagent *vg_btagent_open(int *err);

/*
 * The agent on a socket already open and bound (@fd, owned from now on,
 * made non-blocking): for tests that play the kernel over a
 * SOCK_SEQPACKET socketpair. Returns NULL with *@err = -ENOMEM (@fd is
 * then closed).
 */
struct vg_btagent *vg_btagent_adopt(int fd, int *err);

void vg_btagent_close(struct vg_btagent *a);

/* The socket to watch for input. */
int vg_btagent_fd(const struct vg_btagent *a);

/*
 * Reads every pending event and answers the User Confirmation Requests
 * described above, asking @wanted about each peer and telling @note what
 * it did. Returns the number of pairings confirmed, or -errno when the
 * socket failed.
 */
int vg_btagent_process(struct vg_btagent *a, vg_btagent_wanted_fn wanted,
		       vg_btagent_note_fn note, void *arg);

#endif
