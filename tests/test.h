/* SPDX-License-Identifier: MIT */
/*
 * A tiny test harness: CHECK records file:line on failure and carries on;
 * vg_test_done() prints "N passed, N failed" (the line CI reads) and gives
 * the exit status. Each tests/test_*.c is one binary.
 */
#ifndef VAGUS_TEST_H
#define VAGUS_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

bool vg_test_check(bool ok, const char *expr, const char *file, int line);
bool vg_test_near(double got, double want, double tol, const char *expr,
		  const char *file, int line);
bool vg_test_eq_int(long long got, long long want, const char *expr,
		    const char *file, int line);
/* Prints the totals and returns the exit status for main(). */
int vg_test_done(void);

#define CHECK(expr) vg_test_check(!!(expr), #expr, __FILE__, __LINE__)
/* |got - want| <= tol (absolute); NAN never passes. */
#define CHECK_NEAR(got, want, tol)                                             \
	vg_test_near((got), (want), (tol), #got, __FILE__, __LINE__)
/* |got - want| <= rel * |want|. */
#define CHECK_REL(got, want, rel)                                              \
	vg_test_near((got), (want), (rel)*fabs((double)(want)), #got,          \
		     __FILE__, __LINE__)
#define CHECK_EQ(got, want)                                                    \
	vg_test_eq_int((long long)(got), (long long)(want), #got, __FILE__,    \
		       __LINE__)

/*
 * Path of a file under the shared real-data folder ($VAGUS_DATA, default
 * ../shared/data/real relative to the repository root, where tests run).
 * Returns a static buffer.
 */
const char *vg_test_data(const char *relpath);

/*
 * Reads a whole file into a NUL-terminated heap buffer. Returns NULL (and
 * records a failure naming the file) when it cannot.
 */
char *vg_test_slurp(const char *path, size_t *len);

/*
 * Runs the program @argv[0] with @argv (NULL-terminated), standard input
 * from the file @in (NULL: /dev/null), standard output into the file
 * @out_path (NULL: a scratch file in @tmpdir) and standard error into a
 * scratch file in @tmpdir; kills it after @timeout_s. Copies what it wrote
 * into @out and @err (NUL-terminated, cut to their capacity). Returns the
 * waitpid status, or -1 if it could not run (a failed check says why).
 */
int vg_test_run(char *const *argv, const char *in, const char *out_path,
		const char *tmpdir, int timeout_s, char *out, size_t outcap,
		char *err, size_t errcap);

/*
 * Checks @len bytes of @text against the golden file tests/golden/@name:
 * the same text, numbers equal to 1e-9 relative (so a libm that differs
 * in the last bit does not fail it). With VAGUS_UPDATE_GOLDEN set in the
 * environment it writes the file instead.
 */
void vg_test_golden(const char *name, const char *text, size_t len);

/* Whether @status is a normal exit with @code; prints @err if not. */
bool vg_test_exited(int status, int code, const char *err);

/*
 * Programs a test starts in the background (a daemon, a simulated strap,
 * a client) and must never leave behind: vg_test_spawn() runs @argv with
 * standard output and error into the files @out and @err and remembers
 * the child; vg_test_kill_children() kills and reaps every one still
 * remembered (call it from an atexit() handler).
 */
pid_t vg_test_spawn(char *const argv[], const char *out, const char *err);

/*
 * Waits up to @timeout_s for @pid, killing it if it overstays. Returns
 * the waitpid status, or -1 when it had to be killed (or was not ours).
 */
int vg_test_wait(pid_t pid, double timeout_s);

/* @pid was reaped elsewhere: no longer ours to kill. */
void vg_test_forget(pid_t pid);

/* In a forked child: the parent's children are not its own to kill. */
void vg_test_forget_all(void);

void vg_test_kill_children(void);

/* Monotonic seconds, for deadlines in tests. */
double vg_test_now_s(void);

#endif
