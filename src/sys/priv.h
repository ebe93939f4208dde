/* SPDX-License-Identifier: MIT */
/*
 * Privileges of vagusd. The daemon opens what needs privileges first (the
 * mgmt and raw HCI sockets, its state directory and control socket), then
 * calls vg_priv_drop() once, before it reads anything from a strap or a
 * client. Two ways to run:
 *
 *  - as root with a user to switch to (--user): supplementary groups,
 *    then the group, then the user are set for real, effective and saved
 *    IDs, and the process keeps only the capabilities asked for;
 *  - as any user with capabilities (systemd's AmbientCapabilities=, or
 *    root without --user): only the capability sets shrink.
 *
 * Either way the bounding set (when we may change it) and the ambient and
 * inheritable sets end up holding nothing beyond what is kept, no_new_privs
 * is set, and the result is checked: the old user cannot be regained and
 * no capability beyond the kept ones is left in the permitted set.
 *
 * Bluetooth needs two capabilities after start-up: CAP_NET_ADMIN to bind
 * new mgmt control-channel sockets (an adapter that comes back after a
 * reset) and CAP_NET_RAW for commands on raw HCI sockets (LE scanning),
 * which the kernel checks at each send, not at open. A daemon with only
 * unix: straps keeps none.
 *
 * No libcap: capget/capset are called directly (version 3, 64 bits).
 */
#ifndef VAGUS_SYS_PRIV_H
#define VAGUS_SYS_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Bit of capability number @cap in a vg_priv mask (0 <= cap < 64). */
#define VG_PRIV_CAP(cap) (UINT64_C(1) << (cap))

/* CAP_NET_ADMIN (12) and CAP_NET_RAW (13): what Bluetooth needs. */
#define VG_PRIV_BT_CAPS (VG_PRIV_CAP(12) | VG_PRIV_CAP(13))

struct vg_priv_target {
	bool switch_user; /* false: keep the current user and groups */
	uid_t uid;
	gid_t gid;
	uint64_t keep_caps; /* VG_PRIV_CAP() bits kept permitted+effective */
};

/* The process's credentials as the kernel sees them (for checks, logs). */
struct vg_priv_state {
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	uint64_t effective, permitted, inheritable;
	bool no_new_privs;
};

/*
 * Fills @t to switch to user @name (its primary group; a decimal UID is
 * accepted too) keeping @keep_caps. Returns 0, -ENOENT for an unknown
 * user, -EINVAL for root (switching to root drops nothing) or an empty
 * name. @why gets a static reason on error.
 */
int vg_priv_lookup(const char *name, uint64_t keep_caps,
		   struct vg_priv_target *t, const char **why);

/*
 * Drops privileges as @t says, then checks them (see above). Without a
 * user switch and with no capabilities to lose it only sets no_new_privs,
 * so an unprivileged daemon calls it as well. Returns 0 or -errno with a
 * static reason in @why: -EPERM when switching user without being root
 * or when the result fails its check (the caller must then exit, never
 * carry on), -EINVAL for keep_caps the process does not hold.
 */
int vg_priv_drop(const struct vg_priv_target *t, const char **why);

/* Reads the current credentials. Returns 0 or -errno. */
int vg_priv_state(struct vg_priv_state *st);

/*
 * Formats @caps as "cap_net_admin,cap_net_raw" ("none" for 0; unknown
 * bits as "cap_N") into @buf of @cap bytes, truncated if needed. Returns
 * @buf.
 */
const char *vg_priv_caps_str(uint64_t caps, char *buf, size_t cap);

#endif
