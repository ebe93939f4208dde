/* SPDX-License-Identifier: MIT */
/*
 * The JSON writer: exact text of small documents (compact and indented),
 * numbers that read back to the same double, null for non-finite values,
 * string escaping and UTF-8 repair, misuse, and fixed buffers of every
 * size (never written past, always a valid prefix).
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "vagus/json.h"

static bool text_is(const struct vg_json *j, const char *want, int line)
{
	bool ok = strcmp(vg_json_text(j), want) == 0 &&
		  vg_json_len(j) == strlen(want);

	if (!vg_test_check(ok, "json text", __FILE__, line))
		fprintf(stderr, "    got  '%s'\n    want '%s'\n",
			vg_json_text(j), want);
	return ok;
}
#define TEXT_IS(j, want) text_is(j, want, __LINE__)

/* A document using every kind of call. */
static void sample(struct vg_json *j)
{
	vg_json_begin_object(j);
	vg_json_key_uint(j, "beats", 423);
	vg_json_key_num(j, "mean_rr_ms", 707.5437);
	vg_json_key_num(j, "lf_hf", NAN);
	vg_json_key_object(j, "artifacts");
	vg_json_key_int(j, "detected", -1);
	vg_json_key_bool(j, "ok", true);
	vg_json_key_null(j, "none");
	vg_json_end_object(j);
	vg_json_key_array(j, "list");
	vg_json_num(j, 0.5);
	vg_json_str(j, "a\"b");
	vg_json_begin_array(j);
	vg_json_end_array(j);
	vg_json_begin_object(j);
	vg_json_end_object(j);
	vg_json_bool(j, false);
	vg_json_end_array(j);
	vg_json_key_str(j, "file", NULL);
	vg_json_end_object(j);
}

static const char sample_compact[] =
    "{\"beats\":423,\"mean_rr_ms\":707.5437,\"lf_hf\":null,"
    "\"artifacts\":{\"detected\":-1,\"ok\":true,\"none\":null},"
    "\"list\":[0.5,\"a\\\"b\",[],{},false],\"file\":null}";

static const char sample_pretty[] = "{\n"
				    "  \"beats\": 423,\n"
				    "  \"mean_rr_ms\": 707.5437,\n"
				    "  \"lf_hf\": null,\n"
				    "  \"artifacts\": {\n"
				    "    \"detected\": -1,\n"
				    "    \"ok\": true,\n"
				    "    \"none\": null\n"
				    "  },\n"
				    "  \"list\": [\n"
				    "    0.5,\n"
				    "    \"a\\\"b\",\n"
				    "    [],\n"
				    "    {},\n"
				    "    false\n"
				    "  ],\n"
				    "  \"file\": null\n"
				    "}";

static void test_documents(void)
{
	struct vg_json j;

	vg_json_init(&j, NULL, 0, 0);
	CHECK(strcmp(vg_json_text(&j), "") == 0);
	CHECK_EQ(vg_json_error(&j), -EINVAL); /* nothing written yet */
	sample(&j);
	CHECK_EQ(vg_json_error(&j), 0);
	TEXT_IS(&j, sample_compact);
	vg_json_free(&j);

	vg_json_init(&j, NULL, 0, 2);
	sample(&j);
	CHECK_EQ(vg_json_error(&j), 0);
	TEXT_IS(&j, sample_pretty);
	vg_json_free(&j);

	/* A scalar is a document too. */
	vg_json_init(&j, NULL, 0, 0);
	vg_json_num(&j, 1.25);
	CHECK_EQ(vg_json_error(&j), 0);
	TEXT_IS(&j, "1.25");
	vg_json_free(&j);

	/* A big one grows the buffer many times. */
	vg_json_init(&j, NULL, 0, 0);
	vg_json_begin_array(&j);
	for (int i = 0; i < 20000; i++)
		vg_json_int(&j, i);
	vg_json_end_array(&j);
	CHECK_EQ(vg_json_error(&j), 0);
	CHECK_EQ(vg_json_len(&j), strlen(vg_json_text(&j)));
	CHECK(strncmp(vg_json_text(&j), "[0,1,2,", 7) == 0);
	CHECK(strcmp(vg_json_text(&j) + vg_json_len(&j) - 7, ",19999]") == 0);
	vg_json_free(&j);
}

static void num_is(double v, const char *want, int line)
{
	char buf[40];

	vg_json_format_double(buf, sizeof(buf), v);
	if (!vg_test_check(strcmp(buf, want) == 0, "number text", __FILE__,
			   line))
		fprintf(stderr, "    got '%s', want '%s'\n", buf, want);
}
#define NUM_IS(v, want) num_is(v, want, __LINE__)

static void test_numbers(void)
{
	char buf[40];
	unsigned long long x = 0x9e3779b97f4a7c15ULL;
	size_t bad = 0;

	NUM_IS(0, "0");
	NUM_IS(-0.0, "-0");
	NUM_IS(1, "1");
	NUM_IS(707.5437, "707.5437");
	NUM_IS(0.1, "0.1");
	NUM_IS(0.1 + 0.2, "0.30000000000000004");
	NUM_IS(1.0 / 3, "0.3333333333333333");
	NUM_IS(1e21, "1e+21");
	NUM_IS(1.5e-7, "1.5e-07");
	NUM_IS(-123456.789, "-123456.789");
	NUM_IS(5e-324, "4.94065645841247e-324");
	NUM_IS(NAN, "null");
	NUM_IS(INFINITY, "null");
	NUM_IS(-INFINITY, "null");

	/* Random doubles read back exactly (seeded, so repeatable). */
	for (int i = 0; i < 20000; i++) {
		double v;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memcpy(&v, &x, sizeof(v));
		if (!isfinite(v))
			continue;
		vg_json_format_double(buf, sizeof(buf), v);
		if (strtod(buf, NULL) != v || strlen(buf) > 24)
			bad++;
	}
	CHECK_EQ(bad, 0);

	/* A short buffer is cut, never overrun. */
	CHECK_EQ(vg_json_format_double(buf, 4, 707.5437), 3);
	CHECK(strcmp(buf, "707") == 0);
	CHECK_EQ(vg_json_format_double(buf, 0, 1), 0);

	/* The locale's decimal comma never reaches the JSON. */
	if (setlocale(LC_NUMERIC, "de_DE.UTF-8") ||
	    setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
		NUM_IS(0.5, "0.5");
		NUM_IS(1.0 / 3, "0.3333333333333333");
		setlocale(LC_NUMERIC, "C");
	}
}

static void str_is(const char *s, size_t n, const char *want, int line)
{
	struct vg_json j;

	vg_json_init(&j, NULL, 0, 0);
	vg_json_strn(&j, s, n);
	CHECK_EQ(vg_json_error(&j), 0);
	text_is(&j, want, line);
	vg_json_free(&j);
}
#define STR_IS(s, want) str_is(s, sizeof(s) - 1, want, __LINE__)

static void test_strings(void)
{
	STR_IS("", "\"\"");
	STR_IS("plain /path", "\"plain /path\"");
	STR_IS("q\"b\\s", "\"q\\\"b\\\\s\"");
	STR_IS("\n\r\t\b\f\x01\x1f\x7f",
	       "\"\\n\\r\\t\\b\\f\\u0001\\u001f\x7f\"");
	STR_IS("a\0b", "\"a\\u0000b\"");
	/* Valid UTF-8 passes: e acute, euro, an emoji. */
	STR_IS("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
	       "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
	/* Invalid bytes become U+FFFD, one per byte. */
	STR_IS("a\xff"
	       "b",
	       "\"a\xef\xbf\xbd"
	       "b\"");
	STR_IS("\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\""); /* overlong */
	STR_IS("\xe2\x82", "\"\xef\xbf\xbd\xef\xbf\xbd\""); /* cut short */
	STR_IS("\xed\xa0\x80",
	       "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); /* surrogate */
	STR_IS("\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef"
				   "\xbf\xbd\""); /* > U+10FFFF */
	STR_IS("\xe0\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");

	/* Keys are escaped the same way. */
	struct vg_json j;
	vg_json_init(&j, NULL, 0, 0);
	vg_json_begin_object(&j);
	vg_json_key_int(&j, "k\"\n", 1);
	vg_json_end_object(&j);
	TEXT_IS(&j, "{\"k\\\"\\n\":1}");
	vg_json_free(&j);
}

static void test_misuse(void)
{
	struct vg_json j;

	/* A value in an object without a key. */
	vg_json_init(&j, NULL, 0, 0);
	vg_json_begin_object(&j);
	vg_json_num(&j, 1);
	CHECK_EQ(vg_json_error(&j), -EINVAL);
	TEXT_IS(&j, "{");
	vg_json_end_object(&j); /* sticky: does nothing */
	TEXT_IS(&j, "{");
	vg_json_free(&j);

	/* A key in an array; a key after a key. */
	vg_json_init(&j, NULL, 0, 0);
	vg_json_begin_array(&j);
	vg_json_key(&j, "k");
	CHECK_EQ(vg_json_error(&j), -EINVAL);
	vg_json_free(&j);
	vg_json_init(&j, NULL, 0, 0);
	vg_json_begin_object(&j);
	vg_json_key(&j, "a");
	vg_json_key(&j, "b");
	CHECK_EQ(vg_json_error(&j), -EINVAL);
	vg_json_free(&j);

	/* Mismatched and unbalanced ends, a key left without value. */
	vg_json_init(&j, NULL, 0, 0);
	vg_json_begin_array(&j);
	vg_json_end_object(&j);
	CHECK_EQ(vg_json_error(&j), -EINVAL);
	vg_json_free(&j);
	vg_json_init(&j, NULL, 0, 0);
	vg_json_end_array(&j);
	CHECK_EQ(vg_json_error(&j), -EINVAL);
	vg_json_free(&j);
	vg_json_init(&j, NULL, 0, 0);
	vg_json_begin_object(&j);
	vg_json_key(&j, "a");
	vg_json_end_object(&j);
	CHECK_EQ(vg_json_error(&j), -EINVAL);
	vg_json_free(&j);
	vg_json_init(&j, NULL, 0, 0);
	vg_json_begin_object(&j);
	CHECK_EQ(vg_json_error(&j), -EINVAL); /* not finished */
	vg_json_free(&j);
	vg_json_init(&j, NULL, 0, 0);
	vg_json_begin_object(&j);
	vg_json_key(&j, NULL);
	CHECK_EQ(vg_json_error(&j), -EINVAL);
	vg_json_free(&j);

	/* Two top-level values. */
	vg_json_init(&j, NULL, 0, 0);
	vg_json_num(&j, 1);
	vg_json_num(&j, 2);
	CHECK_EQ(vg_json_error(&j), -EINVAL);
	TEXT_IS(&j, "1");
	vg_json_free(&j);

	/* Too deep. */
	vg_json_init(&j, NULL, 0, 0);
	for (int i = 0; i < VG_JSON_MAX_DEPTH; i++)
		vg_json_begin_array(&j);
	CHECK_EQ(vg_json_error(&j), -EINVAL); /* open, but fine so far */
	for (int i = 0; i < VG_JSON_MAX_DEPTH; i++)
		vg_json_end_array(&j);
	CHECK_EQ(vg_json_error(&j), 0);
	vg_json_free(&j);
	vg_json_init(&j, NULL, 0, 0);
	for (int i = 0; i <= VG_JSON_MAX_DEPTH; i++)
		vg_json_begin_array(&j);
	CHECK_EQ(vg_json_error(&j), -EINVAL);
	CHECK_EQ(vg_json_len(&j), VG_JSON_MAX_DEPTH);
	vg_json_free(&j);
}

/*
 * Fixed buffers of every size: an exactly sized heap block (so a write
 * past it shows under ASan); either the whole document, or -EMSGSIZE with
 * a NUL-terminated prefix of it.
 */
static void test_fixed(void)
{
	size_t full = strlen(sample_pretty), bad_at = SIZE_MAX;

	for (size_t cap = 0; cap <= full + 1; cap++) {
		char *b = malloc(cap ? cap : 1);
		struct vg_json j;
		bool ok;

		if (!b)
			break;
		vg_json_init(&j, b, cap, 2);
		sample(&j);
		if (cap > full) {
			ok = vg_json_error(&j) == 0 &&
			     strcmp(vg_json_text(&j), sample_pretty) == 0;
		} else {
			const char *t = vg_json_text(&j);
			ok = vg_json_error(&j) == -EMSGSIZE &&
			     vg_json_len(&j) < (cap ? cap : 1) &&
			     strlen(t) == vg_json_len(&j) &&
			     strncmp(t, sample_pretty, vg_json_len(&j)) == 0;
		}
		vg_json_free(&j); /* not ours: must not free */
		free(b);
		if (!ok && bad_at == SIZE_MAX)
			bad_at = cap;
	}
	if (!CHECK(bad_at == SIZE_MAX))
		fprintf(stderr, "    fixed buffer of %zu bytes\n", bad_at);

	/* Cut at a value boundary: never half a number. */
	char small[20];
	struct vg_json j;
	vg_json_init(&j, small, sizeof(small), 0);
	vg_json_begin_array(&j);
	vg_json_num(&j, 707.5437);
	vg_json_num(&j, 707.5437);
	vg_json_num(&j, 707.5437);
	CHECK_EQ(vg_json_error(&j), -EMSGSIZE);
	TEXT_IS(&j, "[707.5437,707.5437");
}

int main(void)
{
	test_documents();
	test_numbers();
	test_strings();
	test_misuse();
	test_fixed();
	return vg_test_done();
}
