/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: journal records. Walks the input as a journal would be
 * read back after a crash; every record that decodes must re-encode to the
 * same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vagus/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t again[VG_RECORD_MAX];
	struct vg_record r;
	size_t off = 0;
	int rc;

	(void)vg_journal_check_header(data, size);
	while ((rc = vg_record_decode(data + off, size - off, &r)) > 0) {
		int n = vg_record_encode(&r, again, sizeof(again));
		if (n != rc || memcmp(again, data + off, (size_t)n) != 0)
			abort();
		off += (size_t)rc;
	}
	return 0;
}
