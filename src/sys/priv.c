/* SPDX-License-Identifier: MIT */
/*
 * Privilege drop for vagusd (see priv.h). The order matters:
 *   1. bounding set, while CAP_SETPCAP is still effective;
 *   2. groups, then gid, then uid (a non-root process may no longer set
 *      its groups), with PR_SET_KEEPCAPS around setresuid() so the kept
 *      capabilities survive the switch away from uid 0;
 *   3. securebits if we stay uid 0, then capset() to exactly the kept
 *      set (this also empties inheritable, and with it the ambient set);
 *   4. no_new_privs, so no later execve() can gain anything back;
 *   5. check the result, including that root cannot be regained.
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sys/priv.h"

_Static_assert(CAP_NET_ADMIN == 12 && CAP_NET_RAW == 13,
	       "VG_PRIV_BT_CAPS assumes the kernel's capability numbers");

/* Names as capabilities(7) spells them, by number. */
static const char *const cap_names[] = {
    "chown",
    "dac_override",
    "dac_read_search",
    "fowner",
    "fsetid",
    "kill",
    "setgid",
    "setuid",
    "setpcap",
    "linux_immutable",
    "net_bind_service",
    "net_broadcast",
    "net_admin",
    "net_raw",
    "ipc_lock",
    "ipc_owner",
    "sys_module",
    "sys_rawio",
    "sys_chroot",
    "sys_ptrace",
    "sys_pacct",
    "sys_admin",
    "sys_boot",
    "sys_nice",
    "sys_resource",
    "sys_time",
    "sys_tty_config",
    "mknod",
    "lease",
    "audit_write",
    "audit_control",
    "setfcap",
    "mac_override",
    "mac_admin",
    "syslog",
    "wake_alarm",
    "block_suspend",
    "audit_read",
    "perfmon",
    "bpf",
    "checkpoint_restore",
};

static int caps_get(uint64_t *eff, uint64_t *perm, uint64_t *inh)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*perm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	*inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

static int caps_set(uint64_t eff, uint64_t perm, uint64_t inh)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	d[0].effective = (uint32_t)eff;
	d[1].effective = (uint32_t)(eff >> 32);
	d[0].permitted = (uint32_t)perm;
	d[1].permitted = (uint32_t)(perm >> 32);
	d[0].inheritable = (uint32_t)inh;
	d[1].inheritable = (uint32_t)(inh >> 32);
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	return 0;
}

int vg_priv_state(struct vg_priv_state *st)
{
	int err;

	memset(st, 0, sizeof(*st));
	if (getresuid(&st->ruid, &st->euid, &st->suid) < 0 ||
	    getresgid(&st->rgid, &st->egid, &st->sgid) < 0)
		return -errno;
	err = caps_get(&st->effective, &st->permitted, &st->inheritable);
	if (err)
		return err;
	int nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
	if (nnp < 0)
		return -errno;
	st->no_new_privs = nnp == 1;
	return 0;
}

const char *vg_priv_caps_str(uint64_t caps, char *buf, size_t cap)
{
	size_t used = 0;

	if (cap == 0)
		return buf;
	buf[0] = '\0';
	if (caps == 0) {
		snprintf(buf, cap, "none");
		return buf;
	}
	for (unsigned i = 0; i < 64; i++) {
		if (!(caps & VG_PRIV_CAP(i)))
			continue;
		char one[32];
		size_t nnames = sizeof(cap_names) / sizeof(cap_names[0]);
		if (i < nnames)
			snprintf(one, sizeof(one), "cap_%s", cap_names[i]);
		else
			snprintf(one, sizeof(one), "cap_%u", i);
		int n = snprintf(buf + used, cap - used, "%s%s",
				 used ? "," : "", one);
		if (n < 0 || (size_t)n >= cap - used) {
			buf[used] = '\0'; /* whole names only */
			break;
		}
		used += (size_t)n;
	}
	return buf;
}

int vg_priv_lookup(const char *name, uint64_t keep_caps,
		   struct vg_priv_target *t, const char **why)
{
	struct passwd pw, *res = NULL;
	char buf[16384];
	int err;

	memset(t, 0, sizeof(*t));
	if (!name || !*name) {
		*why = "empty user name";
		return -EINVAL;
	}
	char *end;
	errno = 0;
	unsigned long num = strtoul(name, &end, 10);
	if (*end == '\0' && name[0] >= '0' && name[0] <= '9') {
		if (errno || num != (uid_t)num) {
			*why = "user id out of range";
			return -EINVAL;
		}
		err = getpwuid_r((uid_t)num, &pw, buf, sizeof(buf), &res);
	} else {
		err = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
	}
	if (err) {
		*why = "cannot read the user database";
		return -err;
	}
	if (!res) {
		*why = "no such user";
		return -ENOENT;
	}
	if (pw.pw_uid == 0) {
		*why = "the user to run as is root, which drops nothing";
		return -EINVAL;
	}
	t->switch_user = true;
	t->uid = pw.pw_uid;
	t->gid = pw.pw_gid;
	t->keep_caps = keep_caps;
	return 0;
}

/*
 * Removes every capability outside @keep from the bounding set. The
 * kernel refuses without CAP_SETPCAP; the caller only asks when it has
 * it. Stops at the first number the kernel does not know (EINVAL).
 */
static int drop_bounding(uint64_t keep)
{
	for (unsigned i = 0; i < 64; i++) {
		int r = prctl(PR_CAPBSET_READ, (unsigned long)i, 0, 0, 0);
		if (r < 0)
			return errno == EINVAL ? 0 : -errno;
		if (r == 1 && !(keep & VG_PRIV_CAP(i)) &&
		    prctl(PR_CAPBSET_DROP, (unsigned long)i, 0, 0, 0) < 0)
			return -errno;
	}
	return 0;
}

/* Whether the bounding set still holds a capability outside @keep. */
static bool bounding_has_extra(uint64_t keep)
{
	for (unsigned i = 0; i < 64; i++) {
		int r = prctl(PR_CAPBSET_READ, (unsigned long)i, 0, 0, 0);
		if (r < 0)
			return false;
		if (r == 1 && !(keep & VG_PRIV_CAP(i)))
			return true;
	}
	return false;
}

static int switch_user(const struct vg_priv_target *t, const char **why)
{
	if (setgroups(1, &t->gid) < 0) {
		*why = "setgroups failed";
		return -errno;
	}
	if (setresgid(t->gid, t->gid, t->gid) < 0) {
		*why = "setresgid failed";
		return -errno;
	}
	/* Without KEEPCAPS the switch from uid 0 empties the permitted set. */
	if (t->keep_caps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) {
		*why = "PR_SET_KEEPCAPS failed";
		return -errno;
	}
	if (setresuid(t->uid, t->uid, t->uid) < 0) {
		*why = "setresuid failed";
		return -errno;
	}
	if (t->keep_caps && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) {
		*why = "clearing PR_SET_KEEPCAPS failed";
		return -errno;
	}
	return 0;
}

/* Checks the result of a drop; -EPERM with @why when it is not as asked. */
static int verify(const struct vg_priv_target *t, bool bounding_done,
		  const char **why)
{
	struct vg_priv_state st;
	int err = vg_priv_state(&st);

	if (err) {
		*why = "cannot read the credentials back";
		return err;
	}
	if (t->switch_user) {
		if (st.ruid != t->uid || st.euid != t->uid ||
		    st.suid != t->uid || st.rgid != t->gid ||
		    st.egid != t->gid || st.sgid != t->gid) {
			*why = "user or group ids are not the ones asked for";
			return -EPERM;
		}
		gid_t groups[2];
		int n = getgroups(2, groups);
		if (n != 1 || groups[0] != t->gid) {
			*why = "supplementary groups were not dropped";
			return -EPERM;
		}
		/* The point of it all: the old ids must be gone for good. */
		if (setresuid(0, 0, 0) == 0 || setresgid(0, 0, 0) == 0) {
			*why = "root could be regained after the switch";
			return -EPERM;
		}
	}
	if (st.permitted != t->keep_caps || st.effective != t->keep_caps ||
	    st.inheritable != 0) {
		*why = "capabilities beyond the kept ones remain";
		return -EPERM;
	}
	/* An empty inheritable set implies an empty ambient set. */
	if (bounding_done && bounding_has_extra(t->keep_caps)) {
		*why = "the bounding set still holds dropped capabilities";
		return -EPERM;
	}
	if (!st.no_new_privs) {
		*why = "no_new_privs is not set";
		return -EPERM;
	}
	return 0;
}

int vg_priv_drop(const struct vg_priv_target *t, const char **why)
{
	struct vg_priv_state st;
	int err = vg_priv_state(&st);
	bool bounding_done = false;

	if (err) {
		*why = "cannot read the current credentials";
		return err;
	}
	if (t->switch_user) {
		if (st.euid != 0) {
			*why = "switching user needs root";
			return -EPERM;
		}
		if (t->uid == 0) {
			*why = "switching to root drops nothing";
			return -EINVAL;
		}
	} else if (t->keep_caps & ~st.permitted) {
		*why = "asked to keep a capability the process does not hold";
		return -EINVAL;
	}

	if (st.effective & VG_PRIV_CAP(CAP_SETPCAP)) {
		err = drop_bounding(t->keep_caps);
		if (err) {
			*why = "dropping from the bounding set failed";
			return err;
		}
		bounding_done = true;
	}
	if (t->switch_user) {
		err = switch_user(t, why);
		if (err)
			return err;
	}
	/*
	 * Staying uid 0: an execve() would hand root every capability of the
	 * bounding set again. no_new_privs stops that already; the securebits
	 * say the same for good (setting them needs CAP_SETPCAP, so now).
	 */
	if (!t->switch_user && st.euid == 0 &&
	    (st.effective & VG_PRIV_CAP(CAP_SETPCAP)) &&
	    prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED, 0, 0,
		  0) < 0) {
		*why = "setting securebits failed";
		return -errno;
	}
	err = caps_set(t->keep_caps, t->keep_caps, 0);
	if (err) {
		*why = "capset failed";
		return err;
	}
	/* Kernels before 4.3 have no ambient set: nothing to clear there. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL) {
		*why = "clearing the ambient set failed";
		return -errno;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		*why = "PR_SET_NO_NEW_PRIVS failed";
		return -errno;
	}
	return verify(t, bounding_done, why);
}
