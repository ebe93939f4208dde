/* SPDX-License-Identifier: MIT */
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned passed, failed;

bool vg_test_check(bool ok, const char *expr, const char *file, int line)
{
	if (ok) {
		passed++;
		return true;
	}
	failed++;
	fprintf(stderr, "%s:%d: FAIL: %s\n", file, line, expr);
	return false;
}

bool vg_test_near(double got, double want, double tol, const char *expr,
		  const char *file, int line)
{
	if (fabs(got - want) <= tol) {
		passed++;
		return true;
	}
	failed++;
	fprintf(stderr, "%s:%d: FAIL: %s = %.9g, want %.9g +/- %.3g\n", file,
		line, expr, got, want, tol);
	return false;
}

bool vg_test_eq_int(long long got, long long want, const char *expr,
		    const char *file, int line)
{
	if (got == want) {
		passed++;
		return true;
	}
	failed++;
	fprintf(stderr, "%s:%d: FAIL: %s = %lld, want %lld\n", file, line, expr,
		got, want);
	return false;
}

int vg_test_done(void)
{
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

const char *vg_test_data(const char *relpath)
{
	static char path[4096];
	const char *base = getenv("VAGUS_DATA");

	if (!base || !*base)
		base = "../shared/data/real";
	snprintf(path, sizeof(path), "%s/%s", base, relpath);
	return path;
}

char *vg_test_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f) {
		failed++;
		fprintf(stderr, "cannot open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 65536;
			char *nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				fclose(f);
				failed++;
				return NULL;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static void slurp_fd(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;

	lseek(fd, 0, SEEK_SET);
	while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = '\0';
}

int vg_test_run(char *const *argv, const char *in, const char *out_path,
		const char *tmpdir, int timeout_s, char *out, size_t outcap,
		char *err, size_t errcap)
{
	char outp[512], errp[512];
	int ofd, efd, status = -1;
	pid_t pid;

	out[0] = err[0] = '\0';
	if (out_path)
		snprintf(outp, sizeof(outp), "%s", out_path);
	else
		snprintf(outp, sizeof(outp), "%s/stdout", tmpdir);
	snprintf(errp, sizeof(errp), "%s/stderr", tmpdir);
	ofd = open(outp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	efd = open(errp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (ofd < 0 || efd < 0) {
		CHECK(!"cannot create output files");
		goto out;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		CHECK(!"fork failed");
		goto out;
	}
	if (pid == 0) {
		int ifd = open(in ? in : "/dev/null", O_RDONLY);
		if (ifd < 0 || dup2(ifd, 0) < 0 || dup2(ofd, 1) < 0 ||
		    dup2(efd, 2) < 0)
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	/* Polled, so a hung program is killed instead of hanging the test. */
	for (long i = 0, n = (long)timeout_s * 100; i < n; i++) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			status = -1;
			break;
		}
		if (i == n - 1) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			printf("%s took over %d s\n", argv[0], timeout_s);
			CHECK(!"the program timed out");
		}
		usleep(10000);
	}
	slurp_fd(ofd, out, outcap);
	slurp_fd(efd, err, errcap);
out:
	if (ofd >= 0)
		close(ofd);
	if (efd >= 0)
		close(efd);
	return status;
}

/* Offset of the first difference of @got from @want, or -1. */
static long golden_diff(const char *got, const char *want)
{
	const char *g = got, *w = want;

	while (*g && *w) {
		bool gn = (*g >= '0' && *g <= '9') ||
			  (*g == '-' && g[1] >= '0' && g[1] <= '9');
		bool wn = (*w >= '0' && *w <= '9') ||
			  (*w == '-' && w[1] >= '0' && w[1] <= '9');
		if (gn && wn) {
			char *ge, *we;
			double a = strtod(g, &ge), b = strtod(w, &we);
			if (fabs(a - b) > 1e-9 * fmax(fabs(a), fabs(b)))
				return (long)(g - got);
			g = ge;
			w = we;
			continue;
		}
		if (*g != *w)
			return (long)(g - got);
		g++;
		w++;
	}
	return *g || *w ? (long)(g - got) : -1;
}

void vg_test_golden(const char *name, const char *text, size_t len)
{
	char path[256];
	size_t glen;

	snprintf(path, sizeof(path), "tests/golden/%s", name);
	if (getenv("VAGUS_UPDATE_GOLDEN")) {
		FILE *f = fopen(path, "w");
		CHECK(f && fwrite(text, 1, len, f) == len);
		if (f)
			fclose(f);
		printf("wrote %s\n", path);
		return;
	}
	char *want = vg_test_slurp(path, &glen);
	if (!want)
		return;
	long at = golden_diff(text, want);
	if (!CHECK(at < 0))
		printf("%s differs at byte %ld: got \"%.80s\"\n", path, at,
		       text + (at > 30 ? at - 30 : 0));
	free(want);
}

bool vg_test_exited(int status, int code, const char *err)
{
	bool ok =
	    status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == code;

	if (!ok)
		printf("status %d (want exit %d), stderr: %s\n", status, code,
		       err);
	return ok;
}

/* Background children; a slot is 0 once its child is reaped. */
#define MAX_CHILDREN 256
static pid_t children[MAX_CHILDREN];
static size_t nchildren;

double vg_test_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void vg_test_forget(pid_t pid)
{
	for (size_t i = 0; i < nchildren; i++)
		if (children[i] == pid)
			children[i] = 0;
}

void vg_test_forget_all(void)
{
	nchildren = 0;
}

void vg_test_kill_children(void)
{
	for (size_t i = 0; i < nchildren; i++)
		if (children[i] > 0) {
			kill(children[i], SIGKILL);
			waitpid(children[i], NULL, 0);
			children[i] = 0;
		}
}

pid_t vg_test_spawn(char *const argv[], const char *out, const char *err)
{
	pid_t pid;

	if (nchildren == MAX_CHILDREN) {
		/* Reuse the slots of children already reaped. */
		size_t k = 0;
		for (size_t i = 0; i < nchildren; i++)
			if (children[i] > 0)
				children[k++] = children[i];
		nchildren = k;
		if (nchildren == MAX_CHILDREN) {
			CHECK(!"too many children");
			return -1;
		}
	}
	pid = fork();
	if (pid < 0) {
		CHECK(!"fork");
		return -1;
	}
	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	children[nchildren++] = pid;
	return pid;
}

int vg_test_wait(pid_t pid, double timeout_s)
{
	double end = vg_test_now_s() + timeout_s;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);
		if (r == pid) {
			vg_test_forget(pid);
			return status;
		}
		if (r < 0) {
			vg_test_forget(pid);
			return -1;
		}
		if (vg_test_now_s() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			vg_test_forget(pid);
			return -1;
		}
		usleep(2000);
	}
}
