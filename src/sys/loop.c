/* SPDX-License-Identifier: MIT */
#include "sys/loop.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

/*
 * Watches are kept in a small array searched linearly: a daemon has a
 * handful of fds (straps, the control socket, a few clients).
 */
struct watch {
	int fd;
	vg_loop_io_fn fn;
	void *arg;
	bool live;
};

struct vg_loop {
	int epfd;
	int sigfd;
	vg_loop_signal_fn sig_fn;
	void *sig_arg;
	int64_t now;
	struct watch *watches;
	size_t nwatches;
	size_t cap;
};

int64_t vg_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct vg_loop *vg_loop_new(void)
{
	struct vg_loop *loop = calloc(1, sizeof(*loop));

	if (!loop)
		return NULL;
	loop->sigfd = -1;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		free(loop);
		return NULL;
	}
	loop->now = vg_monotonic_ms();
	return loop;
}

void vg_loop_free(struct vg_loop *loop)
{
	if (!loop)
		return;
	if (loop->sigfd >= 0)
		close(loop->sigfd);
	close(loop->epfd);
	free(loop->watches);
	free(loop);
}

static struct watch *find(struct vg_loop *loop, int fd)
{
	for (size_t i = 0; i < loop->nwatches; i++)
		if (loop->watches[i].live && loop->watches[i].fd == fd)
			return &loop->watches[i];
	return NULL;
}

int vg_loop_add(struct vg_loop *loop, int fd, uint32_t events, vg_loop_io_fn fn,
		void *arg)
{
	struct epoll_event ev = {.events = events, .data.fd = fd};
	struct watch *w = NULL;

	for (size_t i = 0; i < loop->nwatches; i++)
		if (!loop->watches[i].live)
			w = &loop->watches[i];
	if (!w) {
		if (loop->nwatches == loop->cap) {
			size_t cap = loop->cap ? loop->cap * 2 : 16;
			struct watch *nw =
			    realloc(loop->watches, cap * sizeof(*nw));
			if (!nw)
				return -ENOMEM;
			loop->watches = nw;
			loop->cap = cap;
		}
		w = &loop->watches[loop->nwatches++];
	}
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	w->fd = fd;
	w->fn = fn;
	w->arg = arg;
	w->live = true;
	return 0;
}

int vg_loop_mod(struct vg_loop *loop, int fd, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.fd = fd};

	if (epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	return 0;
}

void vg_loop_del(struct vg_loop *loop, int fd)
{
	struct watch *w = find(loop, fd);

	if (!w)
		return;
	/* Marked dead, not removed: a dispatch in progress may hold it. */
	w->live = false;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, fd, NULL);
}

static void on_signal(struct vg_loop *loop, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (loop->sig_fn)
			loop->sig_fn(loop, (int)si.ssi_signo, loop->sig_arg);
}

int vg_loop_signals(struct vg_loop *loop, const int *signals, size_t n,
		    vg_loop_signal_fn fn, void *arg)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < n; i++)
		sigaddset(&set, signals[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	int fd = signalfd(loop->sigfd, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	loop->sig_fn = fn;
	loop->sig_arg = arg;
	if (loop->sigfd < 0) {
		loop->sigfd = fd;
		return vg_loop_add(loop, fd, EPOLLIN, on_signal, NULL);
	}
	return 0;
}

int64_t vg_loop_now(const struct vg_loop *loop)
{
	return loop->now;
}

int vg_loop_run_once(struct vg_loop *loop, int64_t deadline_ms)
{
	struct epoll_event events[32];
	int timeout = -1;

	if (deadline_ms >= 0) {
		int64_t wait = deadline_ms - vg_monotonic_ms();
		timeout = wait <= 0 ? 0 : wait > 3600000 ? 3600000 : (int)wait;
	}
	int n = epoll_wait(loop->epfd, events, 32, timeout);
	loop->now = vg_monotonic_ms();
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	int ran = 0;
	for (int i = 0; i < n; i++) {
		struct watch *w = find(loop, events[i].data.fd);
		/* Removed by an earlier callback of this same batch. */
		if (!w)
			continue;
		w->fn(loop, w->fd, events[i].events, w->arg);
		ran++;
	}
	return ran;
}
