/* SPDX-License-Identifier: MIT */
/*
 * e2e-check: compares what came out of the e2e virtual machine with what
 * the simulated strap says it sent (vagus-sim --sent-log: each Heart Rate
 * Measurement value in hex, one per line, in order).
 *
 *   e2e-check journal JOURNAL SENT DROPS   the daemon's journal holds
 *       exactly the values sent, in order, between a SESSION and an END
 *       record, with at least DROPS link drops and reconnects marked
 *   e2e-check probe PROBE_OUTPUT SENT      `vagus probe` showed each
 *       value sent (HR and every raw RR), in order, and nothing else
 *   e2e-check gatttool GATTTOOL_OUTPUT SENT  each notification gatttool
 *       printed is, in order, a run of values the strap sent
 *   e2e-check btsnoop TRACE                  the kernel-level events of a
 *       btmon -w trace (connections, disconnections with their reasons,
 *       encryption), for the log: btmon 5.66 itself crashes reading some
 *       traces
 *
 * Exit 0 when it matches; otherwise the first difference is printed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vagus/adv.h"
#include "vagus/hrs.h"
#include "vagus/record.h"

#define MAX_VALUES 100000

struct values {
	size_t n;
	char *v[MAX_VALUES]; /* lowercase hex */
};

static struct values sent, got;

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0;

	*len = 0;
	if (!f) {
		fprintf(stderr, "e2e-check: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (cap - *len < 65536) {
			cap = cap ? cap * 2 : 65536;
			char *nb = realloc(buf, cap + 1);
			if (!nb)
				exit(3);
			buf = nb;
		}
		size_t k = fread(buf + *len, 1, cap - *len, f);
		if (k == 0)
			break;
		*len += k;
	}
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

static void add(struct values *vs, const char *hex)
{
	if (vs->n == MAX_VALUES)
		exit(3);
	vs->v[vs->n] = strdup(hex);
	if (!vs->v[vs->n])
		exit(3);
	vs->n++;
}

static int load_sent(const char *path)
{
	size_t len;
	char *buf = read_file(path, &len), *save = NULL;

	if (!buf)
		return -1;
	for (char *l = strtok_r(buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save))
		if (*l)
			add(&sent, l);
	free(buf);
	return 0;
}

static void to_hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = '\0';
}

static size_t from_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned b;

	while (n < cap && sscanf(hex + 2 * n, "%2x", &b) == 1)
		out[n++] = (uint8_t)b;
	return n;
}

static const char *rec_name(uint8_t t)
{
	static const char *names[] = {"?",	 "SESSION",   "NOTIFY", "EVENT",
				      "LINK_UP", "LINK_DOWN", "STRAP",	"END"};
	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

static int check_journal(const char *path, long drops)
{
	size_t len, off = VG_JOURNAL_HEADER_LEN;
	uint8_t *buf = (uint8_t *)read_file(path, &len);
	unsigned counts[8] = {0};
	uint8_t first = 0, last = 0;
	int bad = 0;

	if (!buf)
		return 1;
	if (vg_journal_check_header(buf, len) < 0) {
		printf("journal: bad header\n");
		return 1;
	}
	while (off < len) {
		struct vg_record r;
		int n = vg_record_decode(buf + off, len - off, &r);
		if (n <= 0) {
			printf("journal: %s record at byte %zu\n",
			       n == 0 ? "torn" : "corrupt", off);
			bad = 1;
			break;
		}
		off += (size_t)n;
		if (!first)
			first = r.type;
		last = r.type;
		if (r.type < 8)
			counts[r.type]++;
		if (r.type == VG_REC_NOTIFY) {
			char hex[2 * VG_RECORD_PAYLOAD_MAX + 1];
			to_hex(r.payload, r.len, hex);
			add(&got, hex);
		} else {
			printf("journal: %-9s %.*s\n", rec_name(r.type),
			       (int)(r.len > 200 ? 200 : r.len),
			       (const char *)r.payload);
		}
	}
	printf("journal: %u notifications, %u link up, %u link down, %u "
	       "strap, %u events; the strap sent %zu\n",
	       counts[VG_REC_NOTIFY], counts[VG_REC_LINK_UP],
	       counts[VG_REC_LINK_DOWN], counts[VG_REC_STRAP],
	       counts[VG_REC_EVENT], sent.n);
	free(buf);
	if (first != VG_REC_SESSION) {
		printf("journal: the first record is %s, not SESSION\n",
		       rec_name(first));
		bad = 1;
	}
	if (last != VG_REC_END) {
		printf("journal: the last record is %s, not END\n",
		       rec_name(last));
		bad = 1;
	}
	if (!counts[VG_REC_STRAP]) {
		printf("journal: no STRAP record\n");
		bad = 1;
	}
	if (counts[VG_REC_LINK_DOWN] < (unsigned)drops ||
	    counts[VG_REC_LINK_UP] < (unsigned)drops) {
		printf("journal: %ld drops were injected but %u link downs "
		       "and %u link ups are marked\n",
		       drops, counts[VG_REC_LINK_DOWN], counts[VG_REC_LINK_UP]);
		bad = 1;
	}
	for (size_t i = 0; i < sent.n || i < got.n; i++) {
		const char *s = i < sent.n ? sent.v[i] : "(none)";
		const char *g = i < got.n ? got.v[i] : "(none)";
		if (strcmp(s, g) != 0) {
			printf("journal: value %zu differs: sent %s, journal "
			       "%s\n",
			       i + 1, s, g);
			return 1;
		}
	}
	return bad;
}

/*
 * A measurement line of `vagus probe`:
 *   "     3   60 bpm  contact   -  RR 1015.6 [1040], 985.4 [1009]"
 * Checked against the decoded value: HR and each raw RR.
 */
static int check_probe(const char *path)
{
	size_t len, i = 0;
	char *buf = read_file(path, &len), *save = NULL;

	if (!buf)
		return 1;
	for (char *l = strtok_r(buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		struct vg_hrm m;
		uint8_t v[512];
		unsigned idx, hr;
		size_t n;
		char *p;

		if (sscanf(l, " %u %u bpm", &idx, &hr) != 2 ||
		    !strstr(l, "bpm"))
			continue;
		if (i >= sent.n) {
			printf("probe: measurement %u was never sent\n", idx);
			free(buf);
			return 1;
		}
		n = from_hex(sent.v[i], v, sizeof(v));
		if (vg_hrs_decode_measurement(v, n, &m) < 0 || m.hr_bpm != hr) {
			printf("probe: measurement %u shows %u bpm, sent %s\n",
			       idx, hr, sent.v[i]);
			free(buf);
			return 1;
		}
		p = l;
		for (size_t k = 0; k < m.rr_count; k++) {
			unsigned raw;
			p = strchr(p, '[');
			if (!p || sscanf(p, "[%u]", &raw) != 1 ||
			    raw != m.rr[k]) {
				printf("probe: measurement %u: RR %zu differs "
				       "from sent %s\n",
				       idx, k + 1, sent.v[i]);
				free(buf);
				return 1;
			}
			p++;
		}
		if (p && strchr(p, '[')) {
			printf("probe: measurement %u has more RR than sent\n",
			       idx);
			free(buf);
			return 1;
		}
		i++;
	}
	free(buf);
	printf("probe: %zu measurements shown, %zu sent\n", i, sent.n);
	return i == sent.n && i > 0 ? 0 : 1;
}

/* "Notification handle = 0x000c value: 16 3c f8 03 " */
static int check_gatttool(const char *path)
{
	size_t len;
	char *buf = read_file(path, &len), *save = NULL;

	if (!buf)
		return 1;
	for (char *l = strtok_r(buf, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char hex[1100];
		size_t h = 0;
		char *p = strstr(l, "Notification handle");
		unsigned b;
		int used;

		if (!p || !(p = strstr(p, "value: ")))
			continue;
		p += 7;
		while (h + 2 < sizeof(hex) &&
		       sscanf(p, "%2x%n", &b, &used) == 1) {
			h += (size_t)sprintf(hex + h, "%02x", b);
			p += used;
			while (*p == ' ')
				p++;
		}
		add(&got, hex);
	}
	free(buf);
	/* The values gatttool printed are a run of those sent: find where
	 * it starts (values repeat, so try each place). */
	for (size_t at = 0; got.n && at + got.n <= sent.n; at++) {
		size_t k = 0;
		while (k < got.n && strcmp(sent.v[at + k], got.v[k]) == 0)
			k++;
		if (k == got.n) {
			printf("gatttool: %zu notifications, values %zu to %zu "
			       "of those the strap sent\n",
			       got.n, at + 1, at + got.n);
			return 0;
		}
	}
	printf("gatttool: the %zu notifications are not a run of the %zu "
	       "values the strap sent\n",
	       got.n, sent.n);
	return 1;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void addr_str(const uint8_t *a, char *out)
{
	sprintf(out, "%02X:%02X:%02X:%02X:%02X:%02X", a[5], a[4], a[3], a[2],
		a[1], a[0]);
}

static const char *reason_str(uint8_t r)
{
	switch (r) {
	case 0x05:
		return "Authentication Failure";
	case 0x08:
		return "Connection Timeout";
	case 0x13:
		return "Remote User Terminated Connection";
	case 0x14:
		return "Remote Device Terminated due to Low Resources";
	case 0x15:
		return "Remote Device Terminated due to Power Off";
	case 0x16:
		return "Connection Terminated By Local Host";
	case 0x3B:
		return "Unacceptable Connection Parameters";
	case 0x3E:
		return "Connection Failed to be Established";
	default:
		return "?";
	}
}

/* One HCI event of the trace: the ones about links. */
static void trace_event(const char *at, const uint8_t *p, size_t n)
{
	char a[18];

	if (n < 2)
		return;
	if (p[0] == 0x05 && n >= 6)
		printf("%s Disconnection Complete: status 0x%02x, handle %u, "
		       "reason 0x%02x (%s)\n",
		       at, p[2], le16(p + 3), p[5], reason_str(p[5]));
	else if (p[0] == 0x08 && n >= 6)
		printf("%s Encryption Change: status 0x%02x, handle %u, "
		       "encryption %u\n",
		       at, p[2], le16(p + 3), p[5]);
	else if (p[0] == 0x3E && n >= 3 && (p[2] == 0x01 || p[2] == 0x0A) &&
		 n >= 13) {
		addr_str(p + 8, a);
		printf("%s LE %sConnection Complete: status 0x%02x, handle %u, "
		       "role %s, peer %s (%s)\n",
		       at, p[2] == 0x0A ? "Enhanced " : "", p[3], le16(p + 4),
		       p[6] ? "peripheral" : "central", a,
		       p[7] == 1 ? "random" : "public");
	} else if (p[0] == 0x3E && n >= 3 && p[2] == 0x03 && n >= 12)
		printf("%s LE Connection Update Complete: status 0x%02x, "
		       "handle %u, interval %.2f ms\n",
		       at, p[3], le16(p + 4), le16(p + 6) * 1.25);
}

static void trace_command(const char *at, const uint8_t *p, size_t n)
{
	if (n < 3)
		return;
	uint16_t op = le16(p);
	if (op == 0x0406 && n >= 6)
		printf("%s Disconnect command: handle %u, reason 0x%02x "
		       "(%s)\n",
		       at, le16(p + 3), p[5], reason_str(p[5]));
	else if (op == 0x200D)
		printf("%s LE Create Connection command\n", at);
	else if (op == 0x2043)
		printf("%s LE Extended Create Connection command\n", at);
	else if (op == 0x2019 && n >= 5)
		printf("%s LE Start Encryption command: handle %u\n", at,
		       le16(p + 3));
}

/*
 * mgmt Device Found, once per address and index: what discovery heard,
 * and whether the advertising carried the Heart Rate Service.
 */
static void trace_found(const char *at, const uint8_t *p, size_t n)
{
	static char seen[16][80];
	static size_t nseen;
	struct vg_adv adv;
	char a[18], key[80];

	if (n < 14)
		return;
	uint16_t eir_len = le16(p + 12);
	if ((size_t)14 + eir_len > n)
		return;
	addr_str(p, a);
	snprintf(key, sizeof(key), "%s%s", a, strchr(at, '['));
	for (size_t i = 0; i < nseen; i++)
		if (strcmp(seen[i], key) == 0)
			return;
	if (nseen < 16)
		strcpy(seen[nseen++], key);
	vg_adv_parse(p + 14, eir_len, &adv);
	printf("%s mgmt Device Found: %s (%s), flags 0x%02x, %s, name "
	       "\"%s\"\n",
	       at, a, p[6] == 2 ? "random" : "public", adv.flags,
	       adv.hrs ? "Heart Rate Service 0x180D advertised"
		       : "no Heart Rate Service",
	       adv.name);
}

static void trace_mgmt(const char *at, const uint8_t *p, size_t n)
{
	char a[18];

	/* cookie (4), event (2), parameters */
	if (n < 6)
		return;
	uint16_t ev = le16(p + 4);
	p += 6;
	n -= 6;
	if (ev == 0x000B && n >= 7) {
		addr_str(p, a);
		printf("%s mgmt Device Connected: %s\n", at, a);
	} else if (ev == 0x000C && n >= 8) {
		static const char *why[] = {"unspecified",    "timeout",
					    "local host",     "remote",
					    "authentication", "suspend"};
		addr_str(p, a);
		printf("%s mgmt Device Disconnected: %s, reason %s\n", at, a,
		       p[7] < 6 ? why[p[7]] : "?");
	} else if (ev == 0x0012) {
		trace_found(at, p, n);
	} else if (ev == 0x000D && n >= 8) {
		addr_str(p, a);
		printf("%s mgmt Connect Failed: %s, status 0x%02x\n", at, a,
		       p[7]);
	}
}

/* btsnoop, datalink 2001 (the Linux monitor channel, as btmon -w). */
static int trace(const char *path)
{
	size_t len, off = 16;
	uint8_t *buf = (uint8_t *)read_file(path, &len);
	uint64_t t0 = 0;

	if (!buf)
		return 1;
	if (len < 16 || memcmp(buf, "btsnoop", 8) != 0 ||
	    be32(buf + 12) != 2001) {
		printf("trace: not a btmon trace\n");
		free(buf);
		return 1;
	}
	while (off + 24 <= len) {
		uint32_t incl = be32(buf + off + 4),
			 flags = be32(buf + off + 8);
		uint64_t ts =
		    (uint64_t)be32(buf + off + 16) << 32 | be32(buf + off + 20);
		const uint8_t *p = buf + off + 24;
		char at[48];

		if (off + 24 + incl > len)
			break;
		if (!t0)
			t0 = ts;
		snprintf(at, sizeof(at), "  %8.3f [hci%u]",
			 (double)(ts - t0) / 1e6, flags >> 16);
		switch (flags & 0xFFFF) {
		case 2:
			trace_command(at, p, incl);
			break;
		case 3:
			trace_event(at, p, incl);
			break;
		case 17:
			trace_mgmt(at, p, incl);
			break;
		}
		off += 24 + incl;
	}
	free(buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "btsnoop") == 0)
		return trace(argv[2]);
	if (argc < 4) {
		fprintf(stderr, "usage: e2e-check journal|probe|gatttool FILE "
				"SENT [DROPS]\n");
		return 2;
	}
	if (load_sent(argv[3]) < 0)
		return 1;
	if (strcmp(argv[1], "journal") == 0)
		return check_journal(argv[2], argc > 4 ? atol(argv[4]) : 0);
	if (strcmp(argv[1], "probe") == 0)
		return check_probe(argv[2]);
	if (strcmp(argv[1], "gatttool") == 0)
		return check_gatttool(argv[2]);
	fprintf(stderr, "e2e-check: no check '%s'\n", argv[1]);
	return 2;
}
