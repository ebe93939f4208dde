/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: control request lines. A line that parses must format
 * back to a line that parses to the same request.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vagus/ctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vg_ctl_req req, again;
	static char line[VG_CTL_LINE_MAX];
	const char *keys[VG_CTL_ARGS_MAX], *values[VG_CTL_ARGS_MAX];

	if (vg_ctl_parse((const char *)data, size, &req, NULL))
		return 0;
	for (unsigned i = 0; i < req.nargs; i++) {
		keys[i] = req.args[i].key;
		values[i] = req.args[i].value;
	}
	int n = vg_ctl_format(line, sizeof(line), req.verb, keys, values,
			      req.nargs);
	/* Escaping can lengthen a value past the line limit: not an error
	 * of the parser. */
	if (n == -EMSGSIZE)
		return 0;
	if (n <= 0 || vg_ctl_parse(line, (size_t)n - 1, &again, NULL))
		abort();
	if (again.verb != req.verb || again.nargs != req.nargs)
		abort();
	for (unsigned i = 0; i < req.nargs; i++)
		if (strcmp(again.args[i].key, req.args[i].key) ||
		    strcmp(again.args[i].value, req.args[i].value))
			abort();
	return 0;
}
