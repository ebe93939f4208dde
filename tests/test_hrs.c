/* SPDX-License-Identifier: MIT */
/* Heart Rate Measurement, Body Sensor Location and Battery Level values. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "vagus/hrs.h"

/*
 * Decodes from a heap copy of exactly @len bytes, so AddressSanitizer and
 * valgrind catch any read past the end.
 */
static int decode_exact(const uint8_t *src, size_t len, struct vg_hrm *m)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	memcpy(copy, src, len);
	rc = vg_hrs_decode_measurement(len ? copy : NULL, len, m);
	free(copy);
	return rc;
}

/*
 * Builds a value by hand, field by field as the spec lays them out, for
 * any flags byte: independent of the encoder under test.
 */
static size_t build(uint8_t flags, uint16_t hr, uint16_t energy,
		    const uint16_t *rr, size_t nrr, uint8_t *out)
{
	size_t n = 0;

	out[n++] = flags;
	out[n++] = hr & 0xff;
	if (flags & 1)
		out[n++] = hr >> 8;
	if (flags & 8) {
		out[n++] = energy & 0xff;
		out[n++] = energy >> 8;
	}
	if (flags & 16) {
		for (size_t i = 0; i < nrr; i++) {
			out[n++] = rr[i] & 0xff;
			out[n++] = rr[i] >> 8;
		}
	}
	return n;
}

static void test_every_flag_combination(void)
{
	static const uint16_t rr[] = {1041, 790, 65535};
	uint8_t buf[32];
	struct vg_hrm m;
	unsigned bad = 0;

	for (unsigned f = 0; f < 256; f++) {
		uint16_t hr = (f & 1) ? 0x1234 : 0xab;
		size_t len = build((uint8_t)f, hr, 0xbeef, rr, 3, buf);
		int rc = decode_exact(buf, len, &m);
		unsigned contact = (f >> 1) & 3;
		enum vg_contact want = contact == 3   ? VG_CONTACT_OK
				       : contact == 2 ? VG_CONTACT_LOST
						      : VG_CONTACT_UNSUPPORTED;

		if (rc != 0 || m.hr_bpm != hr || m.hr_uint16 != !!(f & 1) ||
		    m.contact != want || m.has_energy != !!(f & 8) ||
		    m.energy_kj != ((f & 8) ? 0xbeef : 0) ||
		    m.has_rr != !!(f & 16) ||
		    m.rr_count != ((f & 16) ? 3 : 0) ||
		    ((f & 16) &&
		     (m.rr[0] != 1041 || m.rr[1] != 790 || m.rr[2] != 65535))) {
			fprintf(stderr, "flags 0x%02x decoded wrongly\n", f);
			bad++;
		}
	}
	CHECK_EQ(bad, 0);
}

/*
 * Every prefix of a full value: too short for the announced fixed fields
 * or leaving an odd RR byte is rejected; every other prefix decodes with
 * the RR values it holds whole.
 */
static void test_every_truncation(void)
{
	static const uint16_t rr[] = {800, 900, 1000, 1100};
	uint8_t buf[32];
	struct vg_hrm m;

	for (unsigned f = 0; f < 32; f++) {
		size_t full = build((uint8_t)(f | 16), 70, 12, rr, 4, buf);
		size_t fixed = 2 + (f & 1) + ((f & 8) ? 2 : 0);
		unsigned wrong = 0;

		for (size_t len = 0; len <= full; len++) {
			int rc = decode_exact(buf, len, &m);
			bool ok = len >= fixed && (len - fixed) % 2 == 0;

			if (ok && (rc != 0 || m.rr_count != (len - fixed) / 2))
				wrong++;
			if (!ok && rc != -EBADMSG)
				wrong++;
		}
		if (!CHECK_EQ(wrong, 0))
			fprintf(stderr, "  flags 0x%02x\n", f | 16);
	}
}

static void test_limits(void)
{
	uint8_t buf[VG_HRM_VALUE_MAX + 2];
	struct vg_hrm m;

	/* The largest value ATT can carry: uint8 HR and 256 RR values. */
	memset(buf, 0x11, sizeof(buf));
	buf[0] = 0x10;
	CHECK_EQ(decode_exact(buf, VG_HRM_VALUE_MAX, &m), 0);
	CHECK_EQ(m.rr_count, VG_HRM_RR_MAX);
	CHECK_EQ(m.rr[VG_HRM_RR_MAX - 1], 0x1111);
	/* One RR more cannot have come from ATT. */
	CHECK_EQ(decode_exact(buf, VG_HRM_VALUE_MAX + 2, &m), -EMSGSIZE);
	CHECK_EQ(vg_hrs_decode_measurement(NULL, 0, &m), -EBADMSG);

	/* RR flag set and no RR: valid (a strap's first notification). */
	const uint8_t empty_rr[] = {0x16, 60};
	CHECK_EQ(decode_exact(empty_rr, sizeof(empty_rr), &m), 0);
	CHECK(m.has_rr);
	CHECK_EQ(m.rr_count, 0);

	/* Bytes after the fields when bit 4 is clear are not RR values. */
	const uint8_t trailing[] = {0x06, 60, 0xaa};
	CHECK_EQ(decode_exact(trailing, sizeof(trailing), &m), 0);
	CHECK_EQ(m.hr_bpm, 60);
	CHECK(!m.has_rr);
	CHECK_EQ(m.rr_count, 0);
}

static size_t parse_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;
	int used;

	while (n < cap && sscanf(s, " %2x%n", &v, &used) == 1) {
		out[n++] = (uint8_t)v;
		s += used;
	}
	return n;
}

/* Splits a TSV line in place; returns the number of fields. */
static size_t split_tabs(char *line, char **field, size_t max)
{
	size_t n = 0;

	while (n < max) {
		field[n++] = line;
		char *tab = strchr(line, '\t');
		if (!tab)
			break;
		*tab = '\0';
		line = tab + 1;
	}
	return n;
}

/*
 * Real and vendor-test payloads from the shared data, decoded against the
 * fields recorded beside them (hrm_0x2a37_vectors.tsv: id hex kind device
 * flags hr_bpm contact_bits energy_kj rr_raw_1024 rr_ms trailing_bytes).
 */
static void test_real_payloads(void)
{
	char *text = vg_test_slurp(vg_test_data("ble-payloads/"
						"hrm_0x2a37_vectors.tsv"),
				   NULL);
	unsigned rows = 0, real = 0;

	if (!text)
		return;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char *f[13];
		uint8_t bytes[64];
		struct vg_hrm m;

		if (line[0] == '#' || strncmp(line, "id\t", 3) == 0)
			continue;
		if (split_tabs(line, f, 13) < 11)
			continue;
		size_t len = parse_hex(f[1], bytes, sizeof(bytes));
		int rc = decode_exact(bytes, len, &m);
		rows++;
		if (strstr(f[2], "real-device"))
			real++;
		if (atoi(f[10]) != 0) {
			/* A dangling byte where an RR value should be. */
			if (!CHECK_EQ(rc, -EBADMSG))
				fprintf(stderr, "  payload %s\n", f[0]);
			continue;
		}
		if (!CHECK_EQ(rc, 0)) {
			fprintf(stderr, "  payload %s\n", f[0]);
			continue;
		}
		CHECK_EQ(m.hr_bpm, atoi(f[5]));
		unsigned bits = (unsigned)atoi(f[6]);
		CHECK_EQ(m.contact, bits >= 2 ? bits : VG_CONTACT_UNSUPPORTED);
		if (strcmp(f[7], "-") == 0)
			CHECK(!m.has_energy);
		else
			CHECK_EQ(m.energy_kj, atoi(f[7]));
		unsigned nrr = 0;
		if (strcmp(f[8], "-") != 0) {
			for (char *p = f[8]; *p; nrr++) {
				char *end;
				long v = strtol(p, &end, 10);
				CHECK(nrr < m.rr_count && m.rr[nrr] == v);
				p = *end == ',' ? end + 1 : end;
			}
		}
		CHECK_EQ(m.rr_count, nrr);
	}
	free(text);
	/* The file holds 28 payloads, 12 of them from real straps. */
	CHECK_EQ(rows, 28);
	CHECK(real >= 12);
}

static void test_encode_round_trip(void)
{
	struct vg_hrm in = {0}, out;
	uint8_t buf[VG_HRM_VALUE_MAX];

	in.hr_bpm = 300; /* does not fit uint8: encoder widens it */
	in.contact = VG_CONTACT_LOST;
	in.has_energy = true;
	in.energy_kj = 513;
	in.rr_count = 2;
	in.rr[0] = 1;
	in.rr[1] = 65535;
	int n = vg_hrs_encode_measurement(&in, buf, sizeof(buf));
	CHECK_EQ(n, 1 + 2 + 2 + 4);
	CHECK_EQ(buf[0], 0x01 | 0x04 | 0x08 | 0x10);
	CHECK_EQ(vg_hrs_decode_measurement(buf, (size_t)n, &out), 0);
	CHECK_EQ(out.hr_bpm, 300);
	CHECK(out.hr_uint16);
	CHECK_EQ(out.contact, VG_CONTACT_LOST);
	CHECK_EQ(out.energy_kj, 513);
	CHECK_EQ(out.rr_count, 2);
	CHECK_EQ(out.rr[1], 65535);

	/* Too small a buffer is refused whole, never written past. */
	uint8_t small[8];
	memset(small, 0xee, sizeof(small));
	CHECK_EQ(vg_hrs_encode_measurement(&in, small, 4), -EMSGSIZE);
	CHECK_EQ(small[4], 0xee);
	in.rr_count = VG_HRM_RR_MAX + 1;
	CHECK_EQ(vg_hrs_encode_measurement(&in, buf, sizeof(buf)), -EMSGSIZE);
}

static void test_body_location_and_battery(void)
{
	uint8_t v = 0xff, pct = 0xff;
	const uint8_t chest[] = {1}, reserved[] = {7}, two[] = {1, 2};
	const uint8_t full[] = {100}, over[] = {101};

	CHECK_EQ(vg_hrs_decode_body_location(chest, 1, &v), 0);
	CHECK_EQ(v, VG_BODY_CHEST);
	CHECK(strcmp(vg_hrs_body_location_name(v), "chest") == 0);
	CHECK_EQ(vg_hrs_decode_body_location(reserved, 1, &v), 0);
	CHECK(strcmp(vg_hrs_body_location_name(v), "reserved") == 0);
	CHECK(strcmp(vg_hrs_body_location_name(VG_BODY_FOOT), "foot") == 0);
	CHECK_EQ(vg_hrs_decode_body_location(two, 2, &v), -EBADMSG);
	CHECK_EQ(vg_hrs_decode_body_location(chest, 0, &v), -EBADMSG);

	CHECK_EQ(vg_hrs_decode_battery(full, 1, &pct), 0);
	CHECK_EQ(pct, 100);
	CHECK_EQ(vg_hrs_decode_battery(over, 1, &pct), -EBADMSG);
	CHECK_EQ(vg_hrs_decode_battery(two, 2, &pct), -EBADMSG);
	CHECK_EQ(vg_hrs_decode_battery(NULL, 0, &pct), -EBADMSG);
}

static void test_unit_conversion(void)
{
	CHECK_EQ(vg_ms_to_rr1024(1000), 1024);
	CHECK_EQ(vg_ms_to_rr1024(0), 0);
	/* 0.48828125 ms is exactly half a unit: rounded up. */
	CHECK_EQ(vg_ms_to_rr1024(0.48828125), 1);
	CHECK_EQ(vg_ms_to_rr1024(1.46484375), 2);
	CHECK_EQ(vg_ms_to_rr1024(0.48828124), 0);
	CHECK_EQ(vg_ms_to_rr1024(813.889), 833); /* 833.42 */
	CHECK_EQ(vg_ms_to_rr1024(1016.6016), 1041);
	CHECK_EQ(vg_ms_to_rr1024(63999.0234), 65535);
	CHECK_EQ(vg_ms_to_rr1024(64000), -1);
	CHECK_EQ(vg_ms_to_rr1024(-1), -1);
	CHECK_EQ(vg_ms_to_rr1024(NAN), -1);
	/* Every unit survives the trip to ms and back. */
	unsigned bad = 0;
	for (uint32_t u = 0; u <= 65535; u++)
		if (vg_ms_to_rr1024(vg_rr1024_to_ms(u)) != (int32_t)u)
			bad++;
	CHECK_EQ(bad, 0);
}

int main(void)
{
	test_every_flag_combination();
	test_every_truncation();
	test_limits();
	test_real_payloads();
	test_encode_round_trip();
	test_body_location_and_battery();
	test_unit_conversion();
	return vg_test_done();
}
