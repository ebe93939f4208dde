/* SPDX-License-Identifier: MIT */
/*
 * The end of a session: report.json and report.txt from the journal,
 * written by sys/report_write.h with the daemon's --settle.
 */
#include "daemon/daemon.h"
#include "sys/report_write.h"
#include "vagus/report.h"

int report_session(const struct vagusd *d, int dirfd, char *err, size_t errlen)
{
	struct vg_report_opts o;

	vg_report_opts_default(&o);
	o.settle_s = d->o->settle_s;
	return vg_report_write_session(dirfd, &o, err, errlen);
}
