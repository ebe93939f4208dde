/* SPDX-License-Identifier: MIT */
/* vagus-bench: shared helpers of the benchmark's parts. */
#ifndef VAGUS_BENCH_H
#define VAGUS_BENCH_H

#include <stddef.h>

#define BENCH_DEFAULT_FILE "../shared/data/real/pcst/nsr2db-nsr001.rr.txt"

/* Calls to malloc, calloc and realloc so far (wrapped at link time). */
extern unsigned long allocations;

/* This thread's CPU time, ns: figures of computation under load. */
double now_ns(void);
/* CLOCK_MONOTONIC, ns: latencies that include waiting. */
double wall_ns(void);
int cmp_double(const void *a, const void *b);
/* Sorts @v and returns its median. */
double median(double *v, size_t n);
/* The @p quantile (0..1) of @v, which must be sorted. */
double quantile(const double *v, size_t n, double p);
/* The whole file, malloc'd; NULL with errno on failure. */
char *slurp(const char *path, size_t *len);

/* The parts; each returns 0, or 1 when a target is missed or it fails. */
int bench_core(const char *path);
int bench_daemon(const char *path, const char *build_dir);

#endif
