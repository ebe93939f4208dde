/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the JSON scanner that reads vagusd's replies and beat
 * lines in the CLI. Whatever the bytes, it must stay inside them; for a
 * document it accepts, walking every container and converting every
 * scalar must succeed or fail cleanly, and each item must lie inside its
 * parent's span.
 */
#include <stdint.h>
#include <stdlib.h>

#include "vagus/jsonscan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct vg_jv *v, int depth)
{
	struct vg_jv key, item;
	size_t pos = 0;
	char buf[64];
	double d;
	bool b;
	int r;

	if (depth > VG_JSONSCAN_DEPTH + 1)
		abort();
	switch (v->type) {
	case VG_JV_OBJ:
	case VG_JV_ARR:
		while ((r = vg_jsonscan_next(v, &pos, &key, &item)) == 1) {
			if (item.p < v->p || item.p + item.len > v->p + v->len)
				abort();
			if (v->type == VG_JV_OBJ) {
				if (key.type != VG_JV_STR)
					abort();
				vg_jv_str(&key, buf, sizeof(buf));
				struct vg_jv again;
				if (vg_jsonscan_get(v, "t_s", &again) < -200)
					abort();
			}
			walk(&item, depth + 1);
		}
		if (r != 0)
			abort(); /* the document was accepted whole */
		break;
	case VG_JV_STR: {
		int n = vg_jv_str(v, buf, sizeof(buf));
		if (n >= (int)sizeof(buf))
			abort();
		break;
	}
	case VG_JV_NUM:
		vg_jv_num(v, &d);
		break;
	case VG_JV_BOOL:
		if (vg_jv_bool(v, &b))
			abort();
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vg_jv v;

	if (vg_jsonscan_parse((const char *)data, size, &v) == 0)
		walk(&v, 0);
	return 0;
}
