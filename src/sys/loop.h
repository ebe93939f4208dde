/* SPDX-License-Identifier: MIT */
/*
 * The event loop: one thread, one epoll set, signals through signalfd.
 * There are no timer objects: each state machine keeps its own deadline,
 * the caller passes the earliest to vg_loop_run_once(), and the loop
 * sleeps until an fd is ready or that deadline passes. With nothing
 * connected and no deadline it sleeps until something happens.
 *
 * Time is CLOCK_MONOTONIC in milliseconds, read once per iteration.
 */
#ifndef VAGUS_SYS_LOOP_H
#define VAGUS_SYS_LOOP_H

#include <stddef.h>
#include <stdint.h>

struct vg_loop;

/* Called when @fd is ready; @events are EPOLLIN/EPOLLOUT/... bits. */
typedef void (*vg_loop_io_fn)(struct vg_loop *loop, int fd, uint32_t events,
			      void *arg);
/* Called for each signal taken through the loop's signalfd. */
typedef void (*vg_loop_signal_fn)(struct vg_loop *loop, int signo, void *arg);

/* A new loop, or NULL with errno set. */
struct vg_loop *vg_loop_new(void);
void vg_loop_free(struct vg_loop *loop);

/* Watches @fd for @events. Returns 0 or -errno. */
int vg_loop_add(struct vg_loop *loop, int fd, uint32_t events, vg_loop_io_fn fn,
		void *arg);
/* Changes the events watched on @fd. Returns 0 or -errno. */
int vg_loop_mod(struct vg_loop *loop, int fd, uint32_t events);
/* Stops watching @fd (call before closing it). Safe from a callback. */
void vg_loop_del(struct vg_loop *loop, int fd);

/*
 * Blocks @signals (n of them) for the process and delivers them to @fn
 * from the loop. Returns 0 or -errno.
 */
int vg_loop_signals(struct vg_loop *loop, const int *signals, size_t n,
		    vg_loop_signal_fn fn, void *arg);

/* Monotonic now in ms, as read at the start of this iteration. */
int64_t vg_loop_now(const struct vg_loop *loop);

/* Reads CLOCK_MONOTONIC in ms. */
int64_t vg_monotonic_ms(void);

/*
 * Waits for events until @deadline_ms (monotonic ms; < 0 for none),
 * dispatches them, and refreshes now. Returns the number of callbacks
 * run (0 on a deadline) or -errno.
 */
int vg_loop_run_once(struct vg_loop *loop, int64_t deadline_ms);

#endif
