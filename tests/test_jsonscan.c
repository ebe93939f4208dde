/* SPDX-License-Identifier: MIT */
/* The JSON scanner: what it accepts, what it refuses, and round trips of
 * what our own writer (vagus/json.h) produces. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "vagus/json.h"
#include "vagus/jsonscan.h"

static int parse(const char *s, struct vg_jv *v)
{
	return vg_jsonscan_parse(s, strlen(s), v);
}

static void test_syntax(void)
{
	static const char *good[] = {
	    "{}",
	    " [] ",
	    "0",
	    "-0.5e+3",
	    "\"a\\u00e9\\ud83d\\ude00\"",
	    "null",
	    "true",
	    "{\"a\":[1,{\"b\":null}],\"c\":\"d\"}",
	    "[[[]]]",
	    "1E5",
	};
	static const char *bad[] = {
	    "",		" ",	      "{",	   "}",	       "[1,]",
	    "{\"a\"}",	"{\"a\":}",   "{a:1}",	   "01",       "1.",
	    ".5",	"-",	      "1e",	   "tru",      "nulll",
	    "\"abc",	"\"\\x\"",    "\"\\u12\"", "\"a\nb\"", "{} {}",
	    "[1 2]",	"{\"a\":1,}", "+1",	   "\"\\",     "{\"a\" 1}",
	    "[\"\0\"]",
	};
	struct vg_jv v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!CHECK_EQ(parse(good[i], &v), 0))
			fprintf(stderr, "  refused: %s\n", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!CHECK_EQ(parse(bad[i], &v), -EBADMSG))
			fprintf(stderr, "  accepted: %s\n", bad[i]);
	/* Nesting is bounded. */
	char deep[2 * VG_JSONSCAN_DEPTH + 3];
	size_t n = VG_JSONSCAN_DEPTH + 1;
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	CHECK_EQ(parse(deep, &v), -EBADMSG);
	n = VG_JSONSCAN_DEPTH;
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	CHECK_EQ(parse(deep, &v), 0);
	/* Every truncation of a valid document is refused, never read past. */
	const char *doc = "{\"t_s\":12.5,\"hr_bpm\":61,\"contact\":null,"
			  "\"strap\":\"unix:/tmp/x\",\"a\":[true,false]}";
	for (size_t len = 0; len < strlen(doc); len++) {
		char cut[128];
		memcpy(cut, doc, len);
		CHECK_EQ(vg_jsonscan_parse(cut, len, &v), -EBADMSG);
	}
}

static void test_members(void)
{
	const char *beat = "{\"t_s\":12.5,\"hr_bpm\":61,\"rr_ms\":983.4,"
			   "\"rmssd_ms\":null,\"artifact\":true,"
			   "\"contact\":false,\"strap\":\"unix:/tmp/x\\\"y\","
			   "\"nested\":{\"hr_bpm\":1},\"list\":[1,2,3]}";
	struct vg_jv o, v, k;
	double d;
	bool b;
	char s[64];

	CHECK_EQ(parse(beat, &o), 0);
	CHECK_EQ(o.type, VG_JV_OBJ);
	CHECK_EQ(vg_jsonscan_get(&o, "hr_bpm", &v), 0);
	CHECK(vg_jv_num(&v, &d) == 0 && d == 61);
	CHECK_EQ(vg_jsonscan_get(&o, "rr_ms", &v), 0);
	CHECK(vg_jv_num(&v, &d) == 0 && d == 983.4);
	CHECK_EQ(vg_jsonscan_get(&o, "rmssd_ms", &v), 0);
	CHECK_EQ(v.type, VG_JV_NULL);
	CHECK_EQ(vg_jv_num(&v, &d), -EINVAL);
	CHECK(vg_jsonscan_get(&o, "artifact", &v) == 0 &&
	      vg_jv_bool(&v, &b) == 0 && b);
	CHECK(vg_jsonscan_get(&o, "contact", &v) == 0 &&
	      vg_jv_bool(&v, &b) == 0 && !b);
	CHECK_EQ(vg_jsonscan_get(&o, "strap", &v), 0);
	CHECK_EQ(vg_jv_str(&v, s, sizeof(s)), 13);
	CHECK(!strcmp(s, "unix:/tmp/x\"y"));
	CHECK(vg_jv_str_eq(&v, "unix:/tmp/x\"y"));
	CHECK_EQ(vg_jv_str(&v, s, 13), -EMSGSIZE);
	CHECK_EQ(vg_jv_str(&v, s, 14), 13);
	CHECK_EQ(vg_jsonscan_get(&o, "missing", &v), -ENOENT);
	CHECK_EQ(vg_jsonscan_get(&o, "nested", &v), 0);
	CHECK_EQ(v.type, VG_JV_OBJ);
	struct vg_jv inner;
	CHECK(vg_jsonscan_get(&v, "hr_bpm", &inner) == 0 &&
	      vg_jv_num(&inner, &d) == 0 && d == 1);
	CHECK_EQ(vg_jsonscan_get(&o, "list", &v), 0);
	size_t pos = 0;
	int n = 0;
	double sum = 0;
	while (vg_jsonscan_next(&v, &pos, NULL, &inner) > 0) {
		n++;
		if (vg_jv_num(&inner, &d) == 0)
			sum += d;
	}
	CHECK(n == 3 && sum == 6);
	/* Member order is kept by the walk. */
	pos = 0;
	CHECK_EQ(vg_jsonscan_next(&o, &pos, &k, &v), 1);
	CHECK(vg_jv_str_eq(&k, "t_s"));
	CHECK_EQ(vg_jsonscan_get(&v, "x", &inner), -EINVAL);

	CHECK_EQ(parse("\"\\u00e9\\ud83d\\ude00\\n\"", &v), 0);
	CHECK_EQ(vg_jv_str(&v, s, sizeof(s)), 7);
	CHECK(!strcmp(s, "\xc3\xa9\xf0\x9f\x98\x80\n"));
	CHECK_EQ(parse("\"\\u0000\"", &v), 0);
	CHECK_EQ(vg_jv_str(&v, s, sizeof(s)), -EINVAL);
	CHECK_EQ(parse("\"\\udc00\"", &v), 0);
	CHECK_EQ(vg_jv_str(&v, s, sizeof(s)), -EINVAL);
	CHECK_EQ(parse("1e999", &v), 0);
	CHECK_EQ(vg_jv_num(&v, &d), -EINVAL);
}

/* What our writer emits, the scanner reads back exactly. */
static void test_roundtrip(void)
{
	struct vg_json j;
	struct vg_jv o, v;
	char s[64];
	double d;

	vg_json_init(&j, NULL, 0, 2);
	vg_json_begin_object(&j);
	vg_json_key_num(&j, "x", 0.1);
	vg_json_key_num(&j, "nan", NAN);
	vg_json_key_str(&j, "s", "tab\there \"q\" \x01");
	vg_json_key_array(&j, "a");
	vg_json_int(&j, -5);
	vg_json_end_array(&j);
	vg_json_end_object(&j);
	CHECK_EQ(vg_json_error(&j), 0);
	CHECK_EQ(vg_jsonscan_parse(vg_json_text(&j), vg_json_len(&j), &o), 0);
	CHECK(vg_jsonscan_get(&o, "x", &v) == 0 && vg_jv_num(&v, &d) == 0 &&
	      d == 0.1);
	CHECK(vg_jsonscan_get(&o, "nan", &v) == 0 && v.type == VG_JV_NULL);
	CHECK(vg_jsonscan_get(&o, "s", &v) == 0 &&
	      vg_jv_str(&v, s, sizeof(s)) > 0 &&
	      !strcmp(s, "tab\there \"q\" \x01"));
	vg_json_free(&j);
}

int main(void)
{
	test_syntax();
	test_members();
	test_roundtrip();
	return vg_test_done();
}
