/* SPDX-License-Identifier: MIT */
/*
 * The advertising data parser on real advertisements, the e2e fake strap,
 * every structure type it keeps, malformed data, name sanitising, and a
 * sweep over every truncation length of every fixture (each prefix copied
 * to a buffer of exactly its size, so a read past the end is caught by
 * ASan and valgrind).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "vagus/adv.h"
#include "vagus/hci.h"

/*
 * A Polar H7 as nRF Connect logged it ("The Raw data"), posted in
 * polarofficial/polar-ble-sdk issue #305 (2022-09-28): Flags 0x06,
 * incomplete 16-bit list {0x180D}, Polar (0x006B) manufacturer data,
 * TX power 0 dBm, complete name "Polar H7 D7904C14".
 */
static const uint8_t polar_h7[] = {
    0x02, 0x01, 0x06, 0x03, 0x02, 0x0D, 0x18, 0x07, 0xFF, 0x6B,
    0x00, 0x3B, 0x1B, 0x54, 0x52, 0x02, 0x0A, 0x00, 0x12, 0x09,
    0x50, 0x6F, 0x6C, 0x61, 0x72, 0x20, 0x48, 0x37, 0x20, 0x44,
    0x37, 0x39, 0x30, 0x34, 0x43, 0x31, 0x34,
};

/*
 * The e2e fake strap (../shared/e2e/fake_hrm.c), set through LE Set
 * Advertising Data: Flags 0x06, complete 16-bit list {0x180D}, complete
 * name "FakeHRM".
 */
static const uint8_t fake_hrm[] = {
    0x02, 0x01, 0x06, 0x03, 0x03, 0x0D, 0x18, 0x08,
    0x09, 0x46, 0x61, 0x6B, 0x65, 0x48, 0x52, 0x4D,
};

/*
 * A device next to a Polar H10, from the ESP32 BLE log in
 * espressif/arduino-esp32 issue #2880 (types, lengths and data as
 * logged, reassembled into AD structures): Flags 0x06, 128-bit Service
 * Data (not base form), shortened name "DW541C". Not a heart-rate sensor.
 */
static const uint8_t esp32_neighbour[] = {
    0x02, 0x01, 0x06, 0x13, 0x21, 0xE7, 0x29, 0x13, 0xC2, 0xA1, 0xBA,
    0x11, 0x9C, 0x1F, 0x4C, 0x46, 0xC9, 0xD9, 0x21, 0x0C, 0x68, 0x82,
    0x2F, 0x07, 0x08, 0x44, 0x57, 0x35, 0x34, 0x31, 0x43,
};

/*
 * A Polar H10 as custom-components/ble_monitor issue #985 logged it:
 * manufacturer data 07ff6b0033000038 and the name "Polar H10 9F6E5322",
 * no UUID list. That scanner reported only part of what the strap sends
 * (ArduinoBLE shows 180d for an H10 in polar-ble-sdk issue #265); this is
 * the case where only the name would say "strap", and the name is not
 * evidence (vagus/adv.h).
 */
static const uint8_t polar_h10_partial[] = {
    0x07, 0xFF, 0x6B, 0x00, 0x33, 0x00, 0x00, 0x38, 0x13, 0x09,
    0x50, 0x6F, 0x6C, 0x61, 0x72, 0x20, 0x48, 0x31, 0x30, 0x20,
    0x39, 0x46, 0x36, 0x45, 0x35, 0x33, 0x32, 0x32,
};

/*
 * A PineTime (InfiniTime) with the change of InfiniTime PR #897: its DFU
 * UUID and 0x180D written as a 128-bit base UUID, in one complete list,
 * bytes as given in that PR (too long for legacy advertising, fine in
 * mgmt EIR or extended advertising).
 */
static const uint8_t pinetime_uuid128[] = {
    0x02, 0x01, 0x06, 0x21, 0x07, 0x23, 0xD1, 0xBC, 0xEA, 0x5F,
    0x78, 0x23, 0x15, 0xDE, 0xEF, 0x12, 0x12, 0x30, 0x15, 0x00,
    0x00, 0xFB, 0x34, 0x9B, 0x5F, 0x80, 0x00, 0x00, 0x80, 0x00,
    0x10, 0x00, 0x00, 0x0D, 0x18, 0x00, 0x00,
};

/*
 * EIR of a MacBook Air and a Nike+ FuelBand from BlueZ unit/test-eir.c
 * (real devices; the first is padded with zeros to 240 bytes as EIR is).
 */
static const uint8_t macbookair[240] = {
    0x17, 0x09, 0x4d, 0x61, 0x72, 0x63, 0x65, 0x6c, 0xe2, 0x80, 0x99, 0x73,
    0x20, 0x4d, 0x61, 0x63, 0x42, 0x6f, 0x6f, 0x6b, 0x20, 0x41, 0x69, 0x72,
    0x11, 0x03, 0x12, 0x11, 0x0c, 0x11, 0x0a, 0x11, 0x1f, 0x11, 0x01, 0x11,
    0x00, 0x10, 0x0a, 0x11, 0x17, 0x11, 0x11, 0xff, 0x4c, 0x00, 0x01, 0x4d,
    0x61, 0x63, 0x42, 0x6f, 0x6f, 0x6b, 0x41, 0x69, 0x72, 0x33, 0x2c, 0x31,
};

static const uint8_t fuelband[] = {
    0x0f, 0x09, 0x4e, 0x69, 0x6b, 0x65, 0x2b, 0x20, 0x46, 0x75,
    0x65, 0x6c, 0x42, 0x61, 0x6e, 0x64, 0x11, 0x07, 0x00, 0x00,
    0x00, 0x00, 0xde, 0xca, 0xfa, 0xde, 0xde, 0xca, 0xde, 0xaf,
    0xde, 0xca, 0xca, 0xff, 0x02, 0x0a, 0x00,
};

/* BlueZ unit/test-eir.c: a name with one byte of a sequence missing. */
static const uint8_t invalid_utf8_name[] = {
    0x22, 0x09, 0x74, 0x65, 0x73, 0x74, 0x20, 0xe0, 0xa4, 0xaa, 0xe0, 0xa4,
    0xb0, 0xe0, 0xa5, 0x80, 0xe0, 0xa4, 0xe0, 0xa5, 0x8d, 0xe0, 0xa4, 0xb7,
    0xe0, 0xa4, 0xbe, 0x20, 0x69, 0x6e, 0x76, 0x61, 0x6c, 0x69, 0x64,
};

struct fixture {
	const char *name;
	const uint8_t *buf;
	size_t len;
};

#define FIX(a)                                                                 \
	{                                                                      \
#a, a, sizeof(a)                                               \
	}
static const struct fixture fixtures[] = {
    FIX(polar_h7),	    FIX(fake_hrm),	    FIX(esp32_neighbour),
    FIX(polar_h10_partial), FIX(pinetime_uuid128),  FIX(macbookair),
    FIX(fuelband),	    FIX(invalid_utf8_name),
};

static bool has_uuid16(const struct vg_adv *a, uint16_t u)
{
	for (unsigned i = 0; i < a->n_uuid16; i++)
		if (a->uuid16[i] == u)
			return true;
	return false;
}

static void test_polar_h7(void)
{
	struct vg_adv a;

	CHECK_EQ(vg_adv_parse(polar_h7, sizeof(polar_h7), &a), 0);
	CHECK_EQ(a.nfields, 5);
	CHECK(a.has_flags);
	CHECK_EQ(a.flags, VG_ADV_FLAG_LE_GENERAL | VG_ADV_FLAG_NO_BREDR);
	CHECK_EQ(a.n_uuid16, 1);
	CHECK_EQ(a.uuid16[0], 0x180D);
	CHECK(a.hrs);
	CHECK(vg_adv_is_heart_rate(&a));
	CHECK(a.has_manufacturer);
	CHECK_EQ(a.company_id, 0x006B);
	CHECK(a.has_tx_power);
	CHECK_EQ(a.tx_power, 0);
	CHECK(a.has_name);
	CHECK(a.name_complete);
	CHECK(strcmp(a.name, "Polar H7 D7904C14") == 0);
	CHECK(!a.has_appearance);
	CHECK(!a.bad_field);
}

static void test_fake_hrm(void)
{
	struct vg_adv a;

	CHECK_EQ(vg_adv_parse(fake_hrm, sizeof(fake_hrm), &a), 0);
	CHECK_EQ(a.nfields, 3);
	CHECK_EQ(a.flags, 0x06);
	CHECK_EQ(a.n_uuid16, 1);
	CHECK(has_uuid16(&a, 0x180D));
	CHECK(a.hrs);
	CHECK(strcmp(a.name, "FakeHRM") == 0);
	CHECK(a.name_complete);
}

static void test_not_straps(void)
{
	struct vg_adv a;

	CHECK_EQ(vg_adv_parse(esp32_neighbour, sizeof(esp32_neighbour), &a), 0);
	CHECK_EQ(a.nfields, 3);
	CHECK(!a.hrs);
	CHECK(!vg_adv_is_heart_rate(&a));
	CHECK_EQ(a.n_svcdata, 0); /* 128-bit, not base form */
	CHECK(a.has_name);
	CHECK(!a.name_complete);
	CHECK(strcmp(a.name, "DW541C") == 0);

	/* Only the name says strap: not enough. */
	CHECK_EQ(vg_adv_parse(polar_h10_partial, sizeof(polar_h10_partial), &a),
		 0);
	CHECK(strcmp(a.name, "Polar H10 9F6E5322") == 0);
	CHECK_EQ(a.company_id, 0x006B);
	CHECK(!vg_adv_is_heart_rate(&a));

	/* EIR with zero padding, UTF-8 name, Apple manufacturer data. */
	CHECK_EQ(vg_adv_parse(macbookair, sizeof(macbookair), &a), 0);
	CHECK_EQ(a.nfields, 3);
	CHECK(strcmp(a.name, "Marcel\xe2\x80\x99s MacBook Air") == 0);
	CHECK_EQ(a.n_uuid16, 7); /* 0x110a appears twice */
	CHECK(has_uuid16(&a, 0x1112) && has_uuid16(&a, 0x1117));
	CHECK_EQ(a.company_id, 0x004C);
	CHECK(!a.hrs);

	CHECK_EQ(vg_adv_parse(fuelband, sizeof(fuelband), &a), 0);
	CHECK(strcmp(a.name, "Nike+ FuelBand") == 0);
	CHECK_EQ(a.n_uuid16, 0);
	CHECK_EQ(a.n_uuid128, 1);
	CHECK_EQ(a.uuid128[0][0], 0x00);
	CHECK_EQ(a.uuid128[0][15], 0xff);
	CHECK(a.has_tx_power);
	CHECK_EQ(a.tx_power, 0);
	CHECK(!vg_adv_is_heart_rate(&a));
}

static void test_uuid_forms(void)
{
	/* 32-bit list with 0x0000180D, then 32-bit 0x12345678. */
	static const uint8_t u32[] = {0x09, 0x05, 0x0D, 0x18, 0x00,
				      0x00, 0x78, 0x56, 0x34, 0x12};
	static const uint8_t svc16[] = {0x04, 0x16, 0x0D, 0x18, 0x48};
	static const uint8_t svc32[] = {0x05, 0x20, 0x0D, 0x18, 0x00, 0x00};
	static const uint8_t svc128[] = {
	    0x12, 0x21, 0xFB, 0x34, 0x9B, 0x5F, 0x80, 0x00, 0x00, 0x80,
	    0x00, 0x10, 0x00, 0x00, 0x0D, 0x18, 0x00, 0x00, 0x55};
	uint8_t many[2 + 2 * 17];
	struct vg_adv a;

	CHECK_EQ(vg_adv_parse(pinetime_uuid128, sizeof(pinetime_uuid128), &a),
		 0);
	CHECK(a.hrs);
	CHECK(has_uuid16(&a, 0x180D));
	CHECK_EQ(a.n_uuid128, 1); /* the DFU UUID */
	CHECK_EQ(a.uuid128[0][0], 0x23);

	CHECK_EQ(vg_adv_parse(u32, sizeof(u32), &a), 0);
	CHECK(a.hrs);
	CHECK_EQ(a.n_uuid16, 1);
	CHECK_EQ(a.n_uuid128, 1);
	CHECK_EQ(a.uuid128[0][12], 0x78);
	CHECK_EQ(a.uuid128[0][15], 0x12);

	CHECK_EQ(vg_adv_parse(svc16, sizeof(svc16), &a), 0);
	CHECK(a.hrs);
	CHECK_EQ(a.n_uuid16, 0);
	CHECK_EQ(a.n_svcdata, 1);
	CHECK_EQ(a.svcdata_uuid16[0], 0x180D);
	CHECK_EQ(vg_adv_parse(svc32, sizeof(svc32), &a), 0);
	CHECK(a.hrs);
	CHECK_EQ(vg_adv_parse(svc128, sizeof(svc128), &a), 0);
	CHECK(a.hrs);

	/* More UUIDs than kept: 0x180D last still counts. */
	many[0] = (uint8_t)(1 + 2 * 17);
	many[1] = 0x03;
	for (int i = 0; i < 17; i++) {
		uint16_t u = (uint16_t)(i == 16 ? 0x180D : 0x2A00 + i);
		many[2 + 2 * i] = (uint8_t)u;
		many[3 + 2 * i] = (uint8_t)(u >> 8);
	}
	CHECK_EQ(vg_adv_parse(many, sizeof(many), &a), 0);
	CHECK_EQ(a.n_uuid16, VG_ADV_UUID16_MAX);
	CHECK(a.uuids_truncated);
	CHECK(a.hrs);

	/* Nine Service Data fields, repeats kept once, 0x180D last. */
	uint8_t sd[4 * 10];
	for (int i = 0; i < 10; i++) {
		uint16_t u = (uint16_t)(i == 9 ? 0x180D : 0x2A00 + (i % 9));
		sd[4 * i] = 3;
		sd[4 * i + 1] = 0x16;
		sd[4 * i + 2] = (uint8_t)u;
		sd[4 * i + 3] = (uint8_t)(u >> 8);
	}
	sd[4 * 8 + 2] = 0x00; /* the ninth repeats the first */
	CHECK_EQ(vg_adv_parse(sd, sizeof(sd), &a), 0);
	CHECK_EQ(a.n_svcdata, VG_ADV_SVCDATA_MAX);
	CHECK(a.uuids_truncated);
	CHECK(a.hrs);
}

static void test_appearance(void)
{
	static const uint8_t belt[] = {0x02, 0x01, 0x06, 0x03, 0x19, 0x41,
				       0x03, 0x04, 0x09, 0x48, 0x52, 0x4D};
	static const uint8_t watch[] = {0x03, 0x19, 0xC0, 0x00};
	struct vg_adv a;

	CHECK_EQ(vg_adv_parse(belt, sizeof(belt), &a), 0);
	CHECK(a.has_appearance);
	CHECK_EQ(a.appearance, VG_APPEARANCE_HR_BELT);
	CHECK(!a.hrs);
	CHECK(vg_adv_is_heart_rate(&a));
	CHECK(vg_adv_is_hr_appearance(0x0340));
	CHECK(vg_adv_is_hr_appearance(0x037F));
	CHECK(!vg_adv_is_hr_appearance(0x033F));
	CHECK(!vg_adv_is_hr_appearance(0x0380));
	CHECK_EQ(vg_adv_parse(watch, sizeof(watch), &a), 0);
	CHECK(!vg_adv_is_heart_rate(&a));
}

static void test_malformed(void)
{
	static const uint8_t overrun[] = {0x02, 0x01, 0x06, 0x05, 0x09, 0x41};
	static const uint8_t term[] = {0x02, 0x01, 0x06, 0x00, 0x05,
				       0x09, 0x41, 0x42, 0x43, 0x44};
	static const uint8_t type_only[] = {0x01, 0x09, 0x02, 0x01, 0x00};
	static const uint8_t empty_flags[] = {0x01, 0x01};
	static const uint8_t bad_app[] = {0x02, 0x19, 0x41, 0x02, 0x0A,
					  0xF4, 0x03, 0x0A, 0x01, 0x02};
	static const uint8_t ragged[] = {0x04, 0x03, 0x0D, 0x18, 0x0F};
	static const uint8_t short_name_last[] = {0x06, 0x09, 0x50, 0x6F,
						  0x6C, 0x61, 0x72, 0x04,
						  0x08, 0x50, 0x6F, 0x6C};
	static const uint8_t short_first[] = {0x04, 0x08, 0x50, 0x6F, 0x6C,
					      0x03, 0x09, 0x48, 0x37};
	struct vg_adv a;

	/* Runs past the end: what came before is kept. */
	CHECK_EQ(vg_adv_parse(overrun, sizeof(overrun), &a), -EBADMSG);
	CHECK(a.has_flags);
	CHECK_EQ(a.nfields, 1);
	CHECK(!a.has_name);

	/* Early terminator: the rest is not looked at. */
	CHECK_EQ(vg_adv_parse(term, sizeof(term), &a), 0);
	CHECK_EQ(a.nfields, 1);
	CHECK(!a.has_name);

	/* A structure with a type and no data; a 1-byte Flags. */
	CHECK_EQ(vg_adv_parse(type_only, sizeof(type_only), &a), 0);
	CHECK(a.has_name);
	CHECK(strcmp(a.name, "") == 0);
	CHECK(a.has_flags);
	CHECK_EQ(a.flags, 0);
	CHECK(!a.bad_field);
	CHECK_EQ(vg_adv_parse(empty_flags, sizeof(empty_flags), &a), 0);
	CHECK(!a.has_flags);
	CHECK(a.bad_field);

	/* Wrong lengths for fixed-size types are skipped, not guessed. */
	CHECK_EQ(vg_adv_parse(bad_app, sizeof(bad_app), &a), 0);
	CHECK(!a.has_appearance);
	CHECK(a.has_tx_power);
	CHECK_EQ(a.tx_power, -12);
	CHECK(a.bad_field);

	CHECK_EQ(vg_adv_parse(ragged, sizeof(ragged), &a), 0);
	CHECK(a.hrs);
	CHECK_EQ(a.n_uuid16, 1);
	CHECK(a.bad_field);

	/* A complete name wins over a shortened one in either order. */
	CHECK_EQ(vg_adv_parse(short_name_last, sizeof(short_name_last), &a), 0);
	CHECK(strcmp(a.name, "Polar") == 0);
	CHECK(a.name_complete);
	CHECK_EQ(vg_adv_parse(short_first, sizeof(short_first), &a), 0);
	CHECK(strcmp(a.name, "H7") == 0);
	CHECK(a.name_complete);

	/* Empty and NULL input. */
	CHECK_EQ(vg_adv_parse(NULL, 0, &a), 0);
	CHECK_EQ(a.nfields, 0);
	CHECK_EQ(vg_adv_parse(polar_h7, 0, &a), 0);
}

static void test_names(void)
{
	struct vg_adv a;
	char out[VG_ADV_NAME_MAX + 1];
	struct {
		const char *in;
		size_t len;
		const char *want;
	} cases[] = {
	    {"H7\x1b[31mred", 11, "H7?[31mred"}, /* ESC */
	    {"a\x7f"
	     "b",
	     3, "a?b"}, /* DEL */
	    {"a\xc2\x9b"
	     "b",
	     4, "a?b"},					 /* C1 CSI */
	    {"x\xe2\x80\xaey", 5, "x?y"},		 /* RLO */
	    {"\xc0\xaf", 2, "??"},			 /* overlong */
	    {"\xed\xa0\x80", 3, "???"},			 /* surrogate */
	    {"\xf4\x90\x80\x80", 4, "????"},		 /* > U+10FFFF */
	    {"\xf0\x9f\x92\x93", 4, "\xf0\x9f\x92\x93"}, /* emoji */
	    {"\xe2\x82", 2, "??"},			 /* cut short */
	    {"ab\0cd", 5, "ab"},			 /* NUL ends */
	    {"caf\xc3\xa9", 5, "caf\xc3\xa9"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = vg_adv_sanitize_name((const uint8_t *)cases[i].in,
						cases[i].len, out, sizeof(out));
		if (!CHECK(strcmp(out, cases[i].want) == 0))
			fprintf(stderr, "  case %zu: got \"%s\"\n", i, out);
		CHECK_EQ(n, strlen(cases[i].want));
	}
	/* Cut between characters only: "a" + e-acute + euro, 5 bytes. */
	CHECK_EQ(vg_adv_sanitize_name((const uint8_t *)"a\xc3\xa9\xe2\x82\xac",
				      6, out, 5),
		 3);
	CHECK(strcmp(out, "a\xc3\xa9") == 0);
	CHECK_EQ(vg_adv_sanitize_name((const uint8_t *)"abc", 3, out, 1), 0);
	CHECK(out[0] == '\0');

	/* BlueZ's broken name: the stray bytes become '?', the rest stays. */
	CHECK_EQ(vg_adv_parse(invalid_utf8_name, sizeof(invalid_utf8_name), &a),
		 0);
	CHECK(strcmp(a.name,
		     "test \xe0\xa4\xaa\xe0\xa4\xb0\xe0\xa5\x80??"
		     "\xe0\xa5\x8d\xe0\xa4\xb7\xe0\xa4\xbe invalid") == 0);
}

/*
 * Every prefix of every fixture, in a buffer of exactly that size: 0 at
 * structure boundaries (or inside zero padding), -EBADMSG inside a
 * structure, and never more fields than the whole has.
 */
static void test_truncation(void)
{
	for (size_t f = 0; f < sizeof(fixtures) / sizeof(fixtures[0]); f++) {
		const struct fixture *fx = &fixtures[f];
		struct vg_adv whole, part;
		size_t end = 0; /* where the significant part ends */

		vg_adv_parse(fx->buf, fx->len, &whole);
		while (end < fx->len && fx->buf[end] != 0)
			end += 1 + (size_t)fx->buf[end];
		for (size_t len = 0; len <= fx->len; len++) {
			uint8_t *copy = malloc(len ? len : 1);
			size_t b = 0;
			bool boundary;
			int rc;

			if (!copy)
				abort();
			memcpy(copy, fx->buf, len);
			rc = vg_adv_parse(copy, len, &part);
			while (b < len && fx->buf[b] != 0 && b < end)
				b += 1 + (size_t)fx->buf[b];
			boundary = b == len || len > end ||
				   (b < len && fx->buf[b] == 0);
			if (!CHECK_EQ(rc, boundary ? 0 : -EBADMSG))
				fprintf(stderr, "  %s cut at %zu\n", fx->name,
					len);
			CHECK(part.nfields <= whole.nfields);
			if (len == fx->len)
				CHECK_EQ(part.nfields, whole.nfields);
			free(copy);
		}
	}
}

/*
 * What the simulated strap advertises, built and read back: the same
 * parser that finds real straps must find it by its service alone.
 */
static void test_build(void)
{
	static const uint16_t hrs[] = {VG_UUID16_HEART_RATE};
	static const uint8_t want[] = {0x02, 0x01, 0x06, 0x03, 0x03, 0x0d,
				       0x18, 0x0a, 0x09, 'v',  'a',  'g',
				       'u',  's',  '-',	 's',  'i',  'm'};
	struct vg_adv_spec spec = {
	    .with_flags = true,
	    .flags = VG_ADV_FLAG_LE_GENERAL | VG_ADV_FLAG_NO_BREDR,
	    .uuid16 = hrs,
	    .n_uuid16 = 1,
	    .name = "vagus-sim",
	};
	struct vg_adv a;
	uint8_t buf[VG_HCI_ADV_DATA_MAX];
	int n;

	n = vg_adv_build(&spec, buf, sizeof(buf));
	CHECK_EQ(n, sizeof(want));
	CHECK(n == sizeof(want) && memcmp(buf, want, sizeof(want)) == 0);
	CHECK_EQ(vg_adv_parse(buf, (size_t)n, &a), 0);
	CHECK(vg_adv_is_heart_rate(&a));
	CHECK(a.has_flags && a.flags == 0x06);
	CHECK(a.name_complete && strcmp(a.name, "vagus-sim") == 0);

	/* Without Flags (the kernel adds them) and with an appearance. */
	spec.with_flags = false;
	spec.with_appearance = true;
	spec.appearance = VG_APPEARANCE_HR_BELT;
	n = vg_adv_build(&spec, buf, 28);
	CHECK_EQ(n, 4 + 4 + 11);
	CHECK_EQ(vg_adv_parse(buf, (size_t)n, &a), 0);
	CHECK(!a.has_flags && a.has_appearance && a.appearance == 0x0341);
	CHECK(a.n_uuid16 == 1 && a.uuid16[0] == 0x180D);

	/* A long name is shortened to the room left, between characters:
	 * "\xc3\xa9" must not be cut in half. */
	spec.with_appearance = false;
	spec.with_flags = true;
	spec.name =
	    "Polar H10\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9";
	n = vg_adv_build(&spec, buf, 31);
	CHECK(n > 0 && n <= 31);
	CHECK_EQ(vg_adv_parse(buf, (size_t)n, &a), 0);
	CHECK(a.has_name && !a.name_complete);
	CHECK(strncmp(a.name, "Polar H10\xc3\xa9", 11) == 0);
	CHECK(strchr(a.name, '?') == NULL);
	CHECK_EQ(n, 30); /* 31 would split the last character */
	CHECK_EQ(buf[7], 1 + 21);
	CHECK_EQ(buf[8], VG_AD_NAME_SHORT);

	/* No room for even one character: no name at all. */
	spec.name = "vagus-sim";
	n = vg_adv_build(&spec, buf, 9);
	CHECK_EQ(n, 7);
	n = vg_adv_build(&spec, buf, 10);
	CHECK_EQ(n, 10);
	CHECK_EQ(buf[8], VG_AD_NAME_SHORT);

	/* The fixed fields must fit; a list needs its array. */
	CHECK_EQ(vg_adv_build(&spec, buf, 6), -EMSGSIZE);
	spec.uuid16 = NULL;
	CHECK_EQ(vg_adv_build(&spec, buf, sizeof(buf)), -EINVAL);
	spec.n_uuid16 = 0;
	spec.name = NULL;
	CHECK_EQ(vg_adv_build(&spec, buf, sizeof(buf)), 3);
}

int main(void)
{
	test_polar_h7();
	test_fake_hrm();
	test_not_straps();
	test_uuid_forms();
	test_appearance();
	test_malformed();
	test_names();
	test_truncation();
	test_build();
	return vg_test_done();
}
