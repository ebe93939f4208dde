/* SPDX-License-Identifier: MIT */
/* The control protocol's request lines. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "vagus/ctl.h"

static int parse(const char *line, struct vg_ctl_req *req, const char **why)
{
	return vg_ctl_parse(line, strlen(line), req, why);
}

static void test_requests(void)
{
	struct vg_ctl_req req;
	const char *why = NULL;

	CHECK_EQ(parse("status", &req, &why), 0);
	CHECK_EQ(req.verb, VG_CTL_STATUS);
	CHECK_EQ(req.nargs, 0);
	CHECK_EQ(
	    parse("start tag=mat note=after%20work%2C%20tired", &req, &why), 0);
	CHECK_EQ(req.verb, VG_CTL_START);
	CHECK(strcmp(vg_ctl_get(&req, "tag"), "mat") == 0);
	CHECK(strcmp(vg_ctl_get(&req, "note"), "after work, tired") == 0);
	CHECK(!vg_ctl_get(&req, "strap"));
	CHECK_EQ(parse("mark text=%E2%9D%A4\r", &req, &why), 0);
	CHECK(strcmp(vg_ctl_get(&req, "text"), "\xe2\x9d\xa4") == 0);
	CHECK_EQ(parse("report id=last format=json", &req, &why), 0);
	CHECK_EQ(parse("start tag=", &req, &why), 0);
	CHECK(strcmp(vg_ctl_get(&req, "tag"), "") == 0);
}

static void test_errors(void)
{
	static const struct {
		const char *line;
		int err;
		const char *why;
	} cases[] = {
	    {"", -EINVAL, "empty request"},
	    {"reboot", -EINVAL, "unknown command"},
	    {"Status", -EINVAL, "unknown command"},
	    {"status now=1", -EINVAL, "unknown key"},
	    {"start tga=mat", -EINVAL, "unknown key"},
	    {"start tag=mat tag=control", -EINVAL, "duplicate key"},
	    {"mark", -EINVAL, "missing required argument"},
	    {"start  tag=mat", -EBADMSG, "malformed spacing"},
	    {"start tag=mat ", -EBADMSG, "malformed spacing"},
	    {"start tag", -EBADMSG, "argument is not key=value"},
	    {"start =mat", -EBADMSG, "argument is not key=value"},
	    {"mark text=a%2", -EBADMSG, "bad %-escape in a value"},
	    {"mark text=a%zz", -EBADMSG, "bad %-escape in a value"},
	    {"mark text=%00", -EBADMSG, "NUL byte in a value"},
	    {"mark text=a=b", -EBADMSG, "unescaped byte in a value"},
	    {"mark text=\x01", -EBADMSG, "unescaped byte in a value"},
	};
	struct vg_ctl_req req;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *why = NULL;
		int rc = parse(cases[i].line, &req, &why);
		if (!CHECK_EQ(rc, cases[i].err) ||
		    !CHECK(why && strcmp(why, cases[i].why) == 0))
			fprintf(stderr, "  line \"%s\": %s\n", cases[i].line,
				why ? why : "(none)");
	}

	/* A NUL inside the line, and lines at and over the limit. */
	const char *why;
	CHECK_EQ(vg_ctl_parse("status\0x", 8, &req, &why), -EBADMSG);
	char longline[VG_CTL_LINE_MAX + 8] = "mark text=";
	memset(longline + 10, 'a', sizeof(longline) - 11);
	longline[sizeof(longline) - 1] = '\0';
	CHECK_EQ(parse(longline, &req, &why), -EBADMSG);
	CHECK(strcmp(why, "request too long") == 0);
	longline[10 + VG_CTL_VALUE_MAX] = '\0';
	CHECK_EQ(parse(longline, &req, &why), -EBADMSG);
	CHECK(strcmp(why, "value too long") == 0);
}

/* Any text survives format + parse, whatever bytes it holds. */
static void test_round_trip(void)
{
	static const char *const texts[] = {
	    "plain",
	    "two words",
	    "100% = all",
	    "line\nbreak\ttab",
	    "caf\xc3\xa9 \xf0\x9f\x98\x8c",
	    "%41",
	    "",
	};
	char line[VG_CTL_LINE_MAX];
	struct vg_ctl_req req;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		const char *keys[] = {"strap", "text"};
		const char *values[] = {"unix:/tmp/s", texts[i]};
		int n = vg_ctl_format(line, sizeof(line), VG_CTL_MARK, keys,
				      values, 2);
		if (!CHECK(n > 0))
			continue;
		CHECK(line[n - 1] == '\n' &&
		      !memchr(line, '\n', (size_t)n - 1));
		CHECK_EQ(vg_ctl_parse(line, (size_t)n - 1, &req, NULL), 0);
		CHECK(strcmp(vg_ctl_get(&req, "text"), texts[i]) == 0);
		CHECK(strcmp(vg_ctl_get(&req, "strap"), "unix:/tmp/s") == 0);
	}

	const char *keys[] = {"tag", "note"};
	const char *values[] = {"mat", NULL};
	CHECK_EQ(
	    vg_ctl_format(line, sizeof(line), VG_CTL_START, keys, values, 2),
	    (int)strlen("start tag=mat\n"));
	CHECK(strcmp(line, "start tag=mat\n") == 0);
	CHECK_EQ(vg_ctl_format(line, 8, VG_CTL_START, keys, values, 1),
		 -EMSGSIZE);
	const char *bad[] = {"colour"};
	CHECK_EQ(
	    vg_ctl_format(line, sizeof(line), VG_CTL_START, bad, values, 1),
	    -EINVAL);
	CHECK_EQ(vg_ctl_format(line, sizeof(line), (enum vg_ctl_verb)99, NULL,
			       NULL, 0),
		 -EINVAL);
}

/* Every prefix of a valid request parses or fails cleanly. */
static void test_truncations(void)
{
	const char *full =
	    "start strap=bt:AA:BB:CC:DD:EE:FF tag=mat note=a%20b";
	struct vg_ctl_req req;
	unsigned unexpected = 0;

	for (size_t n = 0; n <= strlen(full); n++) {
		char copy[128];
		memcpy(copy, full, n);
		int rc = vg_ctl_parse(copy, n, &req, NULL);
		if (rc != 0 && rc != -EBADMSG && rc != -EINVAL)
			unexpected++;
	}
	CHECK_EQ(unexpected, 0);
}

int main(void)
{
	test_requests();
	test_errors();
	test_round_trip();
	test_truncations();
	return vg_test_done();
}
