/* SPDX-License-Identifier: MIT */
/* Advertising data / EIR: Core spec Vol 3 Part C 11, Supplement Part A. */
#include "vagus/adv.h"

#include <errno.h>
#include <string.h>

#include "core/cursor.h"

/* AD types (Assigned Numbers, "Common Data Types"). */
enum {
	AD_FLAGS = 0x01,
	AD_UUID16_SOME = 0x02,
	AD_UUID16_ALL = 0x03,
	AD_UUID32_SOME = 0x04,
	AD_UUID32_ALL = 0x05,
	AD_UUID128_SOME = 0x06,
	AD_UUID128_ALL = 0x07,
	AD_NAME_SHORT = 0x08,
	AD_NAME_COMPLETE = 0x09,
	AD_TX_POWER = 0x0A,
	AD_SVCDATA16 = 0x16,
	AD_APPEARANCE = 0x19,
	AD_SVCDATA32 = 0x20,
	AD_SVCDATA128 = 0x21,
	AD_MANUFACTURER = 0xFF,
};

/*
 * The Bluetooth base UUID 00000000-0000-1000-8000-00805F9B34FB as it is
 * sent (little endian): a 16- or 32-bit UUID is this with its value in
 * bytes 12-15 (Core spec Vol 3 Part B 2.5.1).
 */
static const uint8_t base_uuid[12] = {0xFB, 0x34, 0x9B, 0x5F, 0x80, 0x00,
				      0x00, 0x80, 0x00, 0x10, 0x00, 0x00};

static uint32_t le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void add_uuid16(struct vg_adv *a, uint16_t u)
{
	if (u == VG_UUID16_HEART_RATE)
		a->hrs = true;
	for (unsigned i = 0; i < a->n_uuid16; i++)
		if (a->uuid16[i] == u)
			return;
	if (a->n_uuid16 < VG_ADV_UUID16_MAX)
		a->uuid16[a->n_uuid16++] = u;
	else
		a->uuids_truncated = true;
}

/* A 32-bit UUID is a 16-bit one when its top half is zero. */
static void add_uuid32(struct vg_adv *a, uint32_t u)
{
	if (u <= 0xFFFF) {
		add_uuid16(a, (uint16_t)u);
		return;
	}
	/* Kept as 128-bit: base UUID with the 32-bit value on top. */
	if (a->n_uuid128 >= VG_ADV_UUID128_MAX) {
		a->uuids_truncated = true;
		return;
	}
	uint8_t *d = a->uuid128[a->n_uuid128++];
	memcpy(d, base_uuid, sizeof(base_uuid));
	d[12] = (uint8_t)u;
	d[13] = (uint8_t)(u >> 8);
	d[14] = (uint8_t)(u >> 16);
	d[15] = (uint8_t)(u >> 24);
}

static void add_uuid128(struct vg_adv *a, const uint8_t *u)
{
	if (memcmp(u, base_uuid, sizeof(base_uuid)) == 0) {
		add_uuid32(a, le32_at(u + 12));
		return;
	}
	for (unsigned i = 0; i < a->n_uuid128; i++)
		if (memcmp(a->uuid128[i], u, 16) == 0)
			return;
	if (a->n_uuid128 < VG_ADV_UUID128_MAX)
		memcpy(a->uuid128[a->n_uuid128++], u, 16);
	else
		a->uuids_truncated = true;
}

static void add_svcdata(struct vg_adv *a, uint32_t u)
{
	if (u > 0xFFFF)
		return;
	if (u == VG_UUID16_HEART_RATE)
		a->hrs = true;
	for (unsigned i = 0; i < a->n_svcdata; i++)
		if (a->svcdata_uuid16[i] == u)
			return;
	if (a->n_svcdata < VG_ADV_SVCDATA_MAX)
		a->svcdata_uuid16[a->n_svcdata++] = (uint16_t)u;
	else
		a->uuids_truncated = true;
}

/* A list of UUIDs of @w bytes each; a ragged tail is a bad field. */
static void uuid_list(struct vg_adv *a, const uint8_t *d, size_t n, size_t w)
{
	if (n % w)
		a->bad_field = true;
	for (size_t i = 0; i + w <= n; i += w) {
		if (w == 2)
			add_uuid16(a, (uint16_t)(d[i] | d[i + 1] << 8));
		else if (w == 4)
			add_uuid32(a, le32_at(d + i));
		else
			add_uuid128(a, d + i);
	}
}

static void field(struct vg_adv *a, uint8_t type, const uint8_t *d, size_t n)
{
	switch (type) {
	case AD_FLAGS:
		/* One octet today; later octets are reserved (1.3). */
		if (n < 1) {
			a->bad_field = true;
			return;
		}
		a->has_flags = true;
		a->flags = d[0];
		return;
	case AD_UUID16_SOME:
	case AD_UUID16_ALL:
		uuid_list(a, d, n, 2);
		return;
	case AD_UUID32_SOME:
	case AD_UUID32_ALL:
		uuid_list(a, d, n, 4);
		return;
	case AD_UUID128_SOME:
	case AD_UUID128_ALL:
		uuid_list(a, d, n, 16);
		return;
	case AD_NAME_SHORT:
	case AD_NAME_COMPLETE:
		/* A complete name wins over a shortened one, whichever comes
		 * first (EIR merges advertising and scan response data). */
		if (a->has_name && a->name_complete && type == AD_NAME_SHORT)
			return;
		a->has_name = true;
		a->name_complete = type == AD_NAME_COMPLETE;
		vg_adv_sanitize_name(d, n, a->name, sizeof(a->name));
		return;
	case AD_TX_POWER:
		if (n != 1) {
			a->bad_field = true;
			return;
		}
		a->has_tx_power = true;
		a->tx_power = (int8_t)d[0];
		return;
	case AD_APPEARANCE:
		if (n != 2) {
			a->bad_field = true;
			return;
		}
		a->has_appearance = true;
		a->appearance = (uint16_t)(d[0] | d[1] << 8);
		return;
	case AD_SVCDATA16:
		if (n < 2) {
			a->bad_field = true;
			return;
		}
		add_svcdata(a, (uint32_t)(d[0] | d[1] << 8));
		return;
	case AD_SVCDATA32:
		if (n < 4) {
			a->bad_field = true;
			return;
		}
		add_svcdata(a, le32_at(d));
		return;
	case AD_SVCDATA128:
		if (n < 16) {
			a->bad_field = true;
			return;
		}
		if (memcmp(d, base_uuid, sizeof(base_uuid)) == 0)
			add_svcdata(a, le32_at(d + 12));
		return;
	case AD_MANUFACTURER:
		/* Company identifier first (Supplement Part A 1.4). */
		if (n < 2) {
			a->bad_field = true;
			return;
		}
		if (!a->has_manufacturer) {
			a->has_manufacturer = true;
			a->company_id = (uint16_t)(d[0] | d[1] << 8);
		}
		return;
	}
}

/*
 * Each structure is Length (1 octet, counting the type and the data),
 * AD Type (1 octet), AD Data (Length - 1 octets):
 *
 *   | len | type | data ...          | len | type | data ... | 0 | pad
 *
 * Length 0 ends the significant part early (Vol 3 Part C 11); a Length
 * that runs past the end makes the data malformed from there on.
 */
int vg_adv_parse(const uint8_t *buf, size_t len, struct vg_adv *out)
{
	struct cursor c = cursor_init(buf, len);
	uint8_t flen, type;
	const uint8_t *data;

	memset(out, 0, sizeof(*out));
	while (rd_u8(&c, &flen)) {
		if (flen == 0)
			return 0;
		if (!rd_u8(&c, &type) || !rd_bytes(&c, (size_t)flen - 1, &data))
			return -EBADMSG;
		out->nfields++;
		field(out, type, data, (size_t)flen - 1);
	}
	return 0;
}

bool vg_adv_is_hr_appearance(uint16_t appearance)
{
	return (appearance >> 6) == (VG_APPEARANCE_HR_SENSOR >> 6);
}

bool vg_adv_is_heart_rate(const struct vg_adv *a)
{
	return a->hrs ||
	       (a->has_appearance && vg_adv_is_hr_appearance(a->appearance));
}

/*
 * Length of the valid UTF-8 sequence at @s (@n bytes left) and its code
 * point, or 0 when it is not valid: overlong forms, surrogates and values
 * past U+10FFFF are refused (RFC 3629 section 4).
 */
static size_t utf8_seq(const uint8_t *s, size_t n, uint32_t *cp)
{
	uint8_t b = s[0], lo = 0x80, hi = 0xBF;
	size_t need;

	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if (b >= 0xC2 && b <= 0xDF) {
		need = 2;
		*cp = b & 0x1F;
	} else if (b >= 0xE0 && b <= 0xEF) {
		need = 3;
		*cp = b & 0x0F;
		if (b == 0xE0)
			lo = 0xA0;
		else if (b == 0xED)
			hi = 0x9F;
	} else if (b >= 0xF0 && b <= 0xF4) {
		need = 4;
		*cp = b & 0x07;
		if (b == 0xF0)
			lo = 0x90;
		else if (b == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		uint8_t cb = s[i];
		if (cb < (i == 1 ? lo : 0x80) || cb > (i == 1 ? hi : 0xBF))
			return 0;
		*cp = *cp << 6 | (cb & 0x3F);
	}
	return need;
}

/*
 * Characters that would let a name rewrite the user's terminal or the
 * direction of the text around it.
 */
static bool unsafe(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C ||
	       cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

size_t vg_adv_sanitize_name(const uint8_t *src, size_t len, char *dst,
			    size_t cap)
{
	size_t o = 0, i = 0;

	if (cap == 0)
		return 0;
	while (i < len && src[i] != 0) {
		uint32_t cp = 0;
		size_t n = utf8_seq(src + i, len - i, &cp);
		const uint8_t *from = src + i;
		size_t w = n;

		if (n == 0 || unsafe(cp)) {
			from = (const uint8_t *)"?";
			w = 1;
			n = n ? n : 1;
		}
		if (o + w + 1 > cap)
			break;
		memcpy(dst + o, from, w);
		o += w;
		i += n;
	}
	dst[o] = '\0';
	return o;
}

/*
 * Each structure is | length | type | data |, the length counting the
 * type octet. The name goes last because it is the one field that can
 * shrink: a shortened name is still a name, a cut UUID list is a lie.
 */
int vg_adv_build(const struct vg_adv_spec *spec, uint8_t *buf, size_t cap)
{
	size_t o = 0, need = 0, full, nlen, room;

	if (spec->n_uuid16 && !spec->uuid16)
		return -EINVAL;
	if (spec->n_uuid16 > 127)
		return -EINVAL;
	if (spec->with_flags)
		need += 3;
	if (spec->n_uuid16)
		need += 2 + 2 * spec->n_uuid16;
	if (spec->with_appearance)
		need += 4;
	if (need > cap)
		return -EMSGSIZE;
	if (spec->with_flags) {
		buf[o++] = 2;
		buf[o++] = VG_AD_FLAGS;
		buf[o++] = spec->flags;
	}
	if (spec->n_uuid16) {
		buf[o++] = (uint8_t)(1 + 2 * spec->n_uuid16);
		buf[o++] = VG_AD_UUID16_ALL;
		for (size_t i = 0; i < spec->n_uuid16; i++) {
			buf[o++] = (uint8_t)(spec->uuid16[i] & 0xFF);
			buf[o++] = (uint8_t)(spec->uuid16[i] >> 8);
		}
	}
	if (spec->with_appearance) {
		buf[o++] = 3;
		buf[o++] = VG_AD_APPEARANCE;
		buf[o++] = (uint8_t)(spec->appearance & 0xFF);
		buf[o++] = (uint8_t)(spec->appearance >> 8);
	}
	if (!spec->name || !spec->name[0] || cap - o < 3)
		return (int)o;
	full = nlen = strlen(spec->name);
	room = cap - o - 2;
	if (room > 254)
		room = 254;
	if (nlen > room) {
		/* Back up to the first byte of a character. */
		nlen = room;
		while (nlen > 0 && ((uint8_t)spec->name[nlen] & 0xC0) == 0x80)
			nlen--;
		if (nlen == 0)
			return (int)o;
	}
	buf[o++] = (uint8_t)(1 + nlen);
	buf[o++] = nlen < full ? VG_AD_NAME_SHORT : VG_AD_NAME_COMPLETE;
	memcpy(buf + o, spec->name, nlen);
	o += nlen;
	return (int)o;
}
