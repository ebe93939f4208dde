/* SPDX-License-Identifier: MIT */
/*
 * vagus-bench [core|daemon|all] [FILE]
 *
 * core:   the analysis of a real 24-hour recording against a parse-only
 *         pass, and the live per-beat path (issue 2's figures)
 * daemon: vagusd's per-notification cost, its throughput with 1 to 1000
 *         straps and its memory after a simulated 24-hour session
 *
 * FILE defaults to the first nsr2db recording in ../shared/data/real.
 * The daemon part runs build/vagusd; VAGUS_BUILD names another build
 * folder. Exits 1 when a target is missed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "all";
	const char *path = argc > 2 ? argv[2] : BENCH_DEFAULT_FILE;
	const char *build = getenv("VAGUS_BUILD");
	int bad = 0;

	if (!build || !*build)
		build = "build";
	if (strcmp(what, "core") && strcmp(what, "daemon") &&
	    strcmp(what, "all")) {
		fprintf(stderr,
			"usage: vagus-bench [core|daemon|all] [FILE]\n");
		return 2;
	}
	if (strcmp(what, "daemon"))
		bad |= bench_core(path);
	if (strcmp(what, "core"))
		bad |= bench_daemon(path, build);
	return bad;
}
