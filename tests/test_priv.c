/* SPDX-License-Identifier: MIT */
/*
 * Privilege drop: each scenario runs in a forked child (a drop cannot be
 * undone, that is the point) which sends back what it saw through a pipe.
 * Besides the credentials it checks behaviour: a kept CAP_NET_RAW still
 * opens a raw socket, a dropped one does not, DAC_OVERRIDE is gone, root
 * cannot be regained. As non-root only the unprivileged paths run.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys/priv.h"
#include "test.h"

struct result {
	int err;
	char why[96];
	struct vg_priv_state st;
	int raw_errno;	     /* 0: a raw socket opened */
	int root_file_errno; /* opening a root-owned 0600 file */
	int user_file_errno; /* opening a 0600 file owned by @nobody */
	int regained;	     /* setresuid(0,0,0) worked afterwards */
	int bounding_extra;  /* bounding set holds caps beyond the kept */
	int bounding_ok;     /* bounding set could be read */
	int ambient_left;    /* CAP_NET_RAW still in the ambient set */
};

static char root_file[64], user_file[64];
static uid_t nobody_uid;
static gid_t nobody_gid;
static bool raw_works; /* a raw socket opens here at all (as root) */

static int try_raw(void)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int try_open(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static void observe(struct result *r, uint64_t keep)
{
	vg_priv_state(&r->st);
	r->raw_errno = try_raw();
	r->root_file_errno = try_open(root_file);
	r->user_file_errno = try_open(user_file);
	r->bounding_ok = prctl(PR_CAPBSET_READ, 0, 0, 0, 0) >= 0;
	for (unsigned i = 0; i < 64; i++) {
		int b = prctl(PR_CAPBSET_READ, (unsigned long)i, 0, 0, 0);
		if (b < 0)
			break;
		if (b == 1 && !(keep & VG_PRIV_CAP(i)))
			r->bounding_extra = 1;
	}
	r->regained = setresuid(0, 0, 0) == 0;
}

typedef void (*scenario_fn)(struct result *r, const void *arg);

/* Runs @fn in a child; false if the child did not report back. */
static bool in_child(scenario_fn fn, const void *arg, struct result *out)
{
	int p[2];

	memset(out, 0, sizeof(*out));
	if (pipe(p) < 0)
		return false;
	pid_t pid = fork();
	if (pid < 0)
		return false;
	if (pid == 0) {
		struct result r;

		memset(&r, 0, sizeof(r));
		close(p[0]);
		fn(&r, arg);
		ssize_t n = write(p[1], &r, sizeof(r));
		/* _exit: no atexit handlers (LeakSanitizer) in the child. */
		_exit(n == (ssize_t)sizeof(r) ? 0 : 1);
	}
	close(p[1]);
	ssize_t n = read(p[0], out, sizeof(*out));
	close(p[0]);
	int status;
	waitpid(pid, &status, 0);
	return n == (ssize_t)sizeof(*out) && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

static void do_drop(struct result *r, const void *arg)
{
	const struct vg_priv_target *t = arg;
	const char *why = "";

	r->err = vg_priv_drop(t, &why);
	snprintf(r->why, sizeof(r->why), "%s", why);
	observe(r, t->keep_caps);
}

/* Becomes @nobody with no capabilities first, then drops. */
static void unpriv_then_drop(struct result *r, const void *arg)
{
	if (getuid() == 0 &&
	    (setgroups(0, NULL) < 0 ||
	     setresgid(nobody_gid, nobody_gid, nobody_gid) < 0 ||
	     setresuid(nobody_uid, nobody_uid, nobody_uid) < 0)) {
		r->err = -1000;
		return;
	}
	do_drop(r, arg);
}

/*
 * What systemd does for User= with AmbientCapabilities=: a non-root
 * process holding the Bluetooth capabilities in every set, ambient too.
 */
static void systemd_like_then_drop(struct result *r, const void *arg)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = d[0].inheritable =
	    (uint32_t)VG_PRIV_BT_CAPS;
	if (setgroups(0, NULL) < 0 ||
	    setresgid(nobody_gid, nobody_gid, nobody_gid) < 0 ||
	    prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 ||
	    setresuid(nobody_uid, nobody_uid, nobody_uid) < 0 ||
	    syscall(SYS_capset, &h, d) < 0 ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_ADMIN, 0, 0) <
		0 ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0) <
		0) {
		r->err = -1000;
		return;
	}
	do_drop(r, arg);
	/* Ambient must be empty now (the kernel keeps it within inh). */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_NET_RAW, 0, 0) ==
	    1)
		r->ambient_left = 1;
}

static void test_caps_str(void)
{
	char buf[128], small[12];

	CHECK(strcmp(vg_priv_caps_str(0, buf, sizeof(buf)), "none") == 0);
	CHECK(strcmp(vg_priv_caps_str(VG_PRIV_BT_CAPS, buf, sizeof(buf)),
		     "cap_net_admin,cap_net_raw") == 0);
	CHECK(strcmp(vg_priv_caps_str(VG_PRIV_CAP(0) | VG_PRIV_CAP(63), buf,
				      sizeof(buf)),
		     "cap_chown,cap_63") == 0);
	CHECK(strcmp(vg_priv_caps_str(VG_PRIV_CAP(40), buf, sizeof(buf)),
		     "cap_checkpoint_restore") == 0);
	/* Too small: whole names only, always terminated. */
	vg_priv_caps_str(VG_PRIV_BT_CAPS, small, sizeof(small));
	CHECK(strlen(small) < sizeof(small));
	CHECK(strcmp(small, "") == 0);
	vg_priv_caps_str(VG_PRIV_BT_CAPS, buf, 20);
	CHECK(strcmp(buf, "cap_net_admin") == 0);
}

static void test_lookup(void)
{
	struct vg_priv_target t;
	const char *why = NULL;

	CHECK_EQ(vg_priv_lookup("", 0, &t, &why), -EINVAL);
	CHECK(why && strstr(why, "empty"));
	CHECK_EQ(vg_priv_lookup(NULL, 0, &t, &why), -EINVAL);
	CHECK_EQ(vg_priv_lookup("root", 0, &t, &why), -EINVAL);
	CHECK(why && strstr(why, "root"));
	CHECK_EQ(vg_priv_lookup("0", 0, &t, &why), -EINVAL);
	CHECK_EQ(vg_priv_lookup("no-such-user-vagus-test", 0, &t, &why),
		 -ENOENT);
	CHECK(why && strstr(why, "no such user"));
	CHECK_EQ(vg_priv_lookup("99999999999999999999", 0, &t, &why), -EINVAL);

	char num[32];
	snprintf(num, sizeof(num), "%u", (unsigned)nobody_uid);
	CHECK_EQ(vg_priv_lookup("nobody", VG_PRIV_BT_CAPS, &t, &why), 0);
	CHECK(t.switch_user);
	CHECK_EQ(t.uid, nobody_uid);
	CHECK_EQ(t.gid, nobody_gid);
	CHECK(t.keep_caps == VG_PRIV_BT_CAPS);
	CHECK_EQ(vg_priv_lookup(num, 0, &t, &why), 0);
	CHECK_EQ(t.uid, nobody_uid);
	CHECK(t.keep_caps == 0);
}

static void check_dropped(const struct result *r, uid_t uid, uint64_t keep)
{
	CHECK_EQ(r->err, 0);
	if (r->err)
		fprintf(stderr, "drop: %s\n", r->why);
	CHECK_EQ(r->st.ruid, uid);
	CHECK_EQ(r->st.euid, uid);
	CHECK_EQ(r->st.suid, uid);
	CHECK(r->st.permitted == keep);
	CHECK(r->st.effective == keep);
	CHECK(r->st.inheritable == 0);
	CHECK(r->st.no_new_privs);
	CHECK(r->bounding_ok);
	CHECK_EQ(r->bounding_extra, 0);
	CHECK_EQ(r->regained, uid == 0);
	/* No DAC_OVERRIDE left: another user's 0600 file stays closed. */
	CHECK_EQ(uid == 0 ? r->user_file_errno : r->root_file_errno, EACCES);
	if (raw_works)
		CHECK_EQ(r->raw_errno,
			 (keep & VG_PRIV_CAP(CAP_NET_RAW)) ? 0 : EPERM);
}

static void test_as_root(void)
{
	struct vg_priv_target t;
	struct result r;
	const char *why;

	/* Root to nobody, keeping what Bluetooth needs. */
	CHECK_EQ(vg_priv_lookup("nobody", VG_PRIV_BT_CAPS, &t, &why), 0);
	CHECK(in_child(do_drop, &t, &r));
	check_dropped(&r, nobody_uid, VG_PRIV_BT_CAPS);
	CHECK_EQ(r.st.rgid, nobody_gid);
	CHECK_EQ(r.st.sgid, nobody_gid);

	/* Root to nobody keeping nothing (a daemon with unix: straps). */
	t.keep_caps = 0;
	CHECK(in_child(do_drop, &t, &r));
	check_dropped(&r, nobody_uid, 0);

	/* Root staying root with only the Bluetooth capabilities. */
	struct vg_priv_target stay = {.keep_caps = VG_PRIV_BT_CAPS};
	CHECK(in_child(do_drop, &stay, &r));
	check_dropped(&r, 0, VG_PRIV_BT_CAPS);
	/* Still the owner of its own files, as uid 0. */
	CHECK_EQ(r.root_file_errno, 0);

	/* systemd's AmbientCapabilities=: shrink to CAP_NET_RAW only. */
	struct vg_priv_target raw = {.keep_caps = VG_PRIV_CAP(CAP_NET_RAW)};
	CHECK(in_child(systemd_like_then_drop, &raw, &r));
	CHECK_EQ(r.err, 0);
	CHECK(r.st.permitted == VG_PRIV_CAP(CAP_NET_RAW));
	CHECK(r.st.inheritable == 0);
	CHECK(r.st.no_new_privs);
	CHECK_EQ(r.ambient_left, 0);
	CHECK_EQ(r.regained, 0);
	if (raw_works)
		CHECK_EQ(r.raw_errno, 0);

	/* The same process keeping both: nothing to lose but ambient. */
	struct vg_priv_target bt = {.keep_caps = VG_PRIV_BT_CAPS};
	CHECK(in_child(systemd_like_then_drop, &bt, &r));
	CHECK_EQ(r.err, 0);
	CHECK(r.st.permitted == VG_PRIV_BT_CAPS);
	CHECK(r.st.effective == VG_PRIV_BT_CAPS);
	CHECK(r.st.inheritable == 0);
	CHECK_EQ(r.ambient_left, 0);
}

static void test_unprivileged(void)
{
	struct result r;

	/* No capabilities, no switch: only no_new_privs changes. */
	struct vg_priv_target none = {0};
	CHECK(in_child(unpriv_then_drop, &none, &r));
	CHECK_EQ(r.err, 0);
	CHECK(r.st.permitted == 0 && r.st.effective == 0);
	CHECK(r.st.no_new_privs);
	CHECK_EQ(r.regained, 0);

	/* Keeping a capability it never had is a caller error. */
	struct vg_priv_target bt = {.keep_caps = VG_PRIV_BT_CAPS};
	CHECK(in_child(unpriv_then_drop, &bt, &r));
	CHECK_EQ(r.err, -EINVAL);
	CHECK(strstr(r.why, "does not hold"));

	/* Switching user needs root, and says so. */
	struct vg_priv_target sw = {
	    .switch_user = true, .uid = nobody_uid, .gid = nobody_gid};
	CHECK(in_child(unpriv_then_drop, &sw, &r));
	CHECK_EQ(r.err, -EPERM);
	CHECK(strstr(r.why, "needs root"));
	CHECK(!r.st.no_new_privs); /* refused before changing anything */
}

static bool make_file(char *path, size_t cap, uid_t owner)
{
	snprintf(path, cap, "/tmp/vagus-priv-XXXXXX");
	int fd = mkstemp(path);
	if (fd < 0)
		return false;
	bool ok = fchmod(fd, 0600) == 0 &&
		  (owner == getuid() || fchown(fd, owner, (gid_t)-1) == 0);
	close(fd);
	return ok;
}

int main(void)
{
	struct passwd *pw = getpwnam("nobody");

	if (!CHECK(pw != NULL))
		return vg_test_done();
	nobody_uid = pw->pw_uid;
	nobody_gid = pw->pw_gid;
	bool root = geteuid() == 0;

	test_caps_str();
	test_lookup();
	CHECK(make_file(root_file, sizeof(root_file), getuid()));
	CHECK(make_file(user_file, sizeof(user_file),
			root ? nobody_uid : getuid()));
	raw_works = root && try_raw() == 0;
	if (root && !raw_works)
		fprintf(stderr,
			"test_priv: no raw sockets here (%s), the "
			"CAP_NET_RAW behaviour checks are skipped\n",
			strerror(try_raw()));
	if (root)
		test_as_root();
	else
		fprintf(stderr, "test_priv: not root, the root-to-user "
				"scenarios are skipped\n");
	test_unprivileged();
	unlink(root_file);
	unlink(user_file);
	return vg_test_done();
}
