/* SPDX-License-Identifier: MIT */
#include "test.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
