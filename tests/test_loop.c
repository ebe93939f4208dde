/* SPDX-License-Identifier: MIT */
/* The event loop: fd readiness, deadlines, signals, removal in callbacks. */
#include <signal.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "sys/loop.h"
#include "test.h"

static int reads, signals_seen, last_signal;

static void on_read(struct vg_loop *loop, int fd, uint32_t events, void *arg)
{
	char c;
	int *other = arg;

	if (read(fd, &c, 1) == 1)
		reads++;
	/* Removing another watched fd from inside a callback is safe. */
	if (other)
		vg_loop_del(loop, *other);
}

static void on_signal(struct vg_loop *loop, int signo, void *arg)
{
	signals_seen++;
	last_signal = signo;
}

int main(void)
{
	struct vg_loop *loop = vg_loop_new();
	int a[2], b[2];

	if (!CHECK(loop) || pipe(a) || pipe(b))
		return vg_test_done();
	CHECK_EQ(vg_loop_add(loop, a[0], EPOLLIN, on_read, &b[0]), 0);
	CHECK_EQ(vg_loop_add(loop, b[0], EPOLLIN, on_read, NULL), 0);

	/* Nothing ready: returns at the deadline, not before. */
	int64_t start = vg_monotonic_ms();
	CHECK_EQ(vg_loop_run_once(loop, start + 50), 0);
	CHECK(vg_loop_now(loop) - start >= 49);
	/* A deadline in the past does not block. */
	CHECK_EQ(vg_loop_run_once(loop, 0), 0);

	/* Both ready; a's callback removes b, so at most a runs. */
	CHECK(write(a[1], "x", 1) == 1 && write(b[1], "y", 1) == 1);
	int ran = vg_loop_run_once(loop, vg_monotonic_ms() + 1000);
	CHECK(ran >= 1);
	CHECK(reads >= 1);
	/* b is no longer watched: its byte stays unread. */
	int before = reads;
	CHECK_EQ(vg_loop_run_once(loop, vg_monotonic_ms() + 20), 0);
	CHECK_EQ(reads, before);

	/* Signals arrive through the loop, not as async handlers. */
	const int sigs[] = {SIGUSR1, SIGTERM};
	CHECK_EQ(vg_loop_signals(loop, sigs, 2, on_signal, NULL), 0);
	raise(SIGUSR1);
	CHECK_EQ(vg_loop_run_once(loop, vg_monotonic_ms() + 1000), 1);
	CHECK_EQ(signals_seen, 1);
	CHECK_EQ(last_signal, SIGUSR1);
	raise(SIGTERM);
	vg_loop_run_once(loop, vg_monotonic_ms() + 1000);
	CHECK_EQ(last_signal, SIGTERM);

	vg_loop_free(loop);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	return vg_test_done();
}
