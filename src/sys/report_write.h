/* SPDX-License-Identifier: MIT */
/*
 * Writing a session's report: the daemon calls this when a session ends
 * and when it recovers an unfinished one at start-up.
 */
#ifndef VAGUS_SYS_REPORT_WRITE_H
#define VAGUS_SYS_REPORT_WRITE_H

#include <stddef.h>

#include "vagus/report.h"

/* Journals larger than this are refused (a 24-hour session is ~10 MB). */
#define VG_REPORT_JOURNAL_MAX ((size_t)1 << 30)

/*
 * Reads `journal` in the session folder @session_dirfd, replays it
 * (vg_session_replay), analyses it per @o (NULL for the defaults) and
 * replaces `report.txt`, `report.html` and then `report.json` there
 * atomically, with the history of earlier sessions (vg_report_history)
 * for the smallest worthwhile change unless @o brings its own
 * (vg_store_replace, mode 0600). A journal with a torn tail or a bad
 * record still gets a report of what it holds. Returns 0, or -errno with
 * a one-line message in @err (@errlen bytes, may be 0): -ENOENT (no
 * journal), -EBADMSG (not a journal), -EFBIG, -ENOMEM, or the error of a
 * read or write.
 */
int vg_report_write_session(int session_dirfd, const struct vg_report_opts *o,
			    char *err, size_t errlen);

/*
 * The resting lnRMSSD (report.json: windows.status "ok", start.time.
 * ln_rmssd) of the sessions before this one in the same sessions folder
 * (the parent of @session_dirfd): those whose folder name is a session ID
 * (vg_history_id_time) earlier than this folder's own, oldest first, the
 * last VG_HISTORY_BASELINE_MAX valid ones. A folder without a readable
 * report.json, or whose windows did not fit, is left out. *@vals (free()
 * it; NULL when *@n is 0). Returns 0 (no history is not an error: a
 * session folder outside a state dir has none) or -ENOMEM.
 */
int vg_report_history(int session_dirfd, double **vals, size_t *n);

/*
 * Reads the whole file @name in @dirfd into a heap buffer (*@buf, free()
 * it) of *@len bytes, refusing files above @max (-EFBIG). Returns 0 or
 * -errno.
 */
int vg_report_read_file(int dirfd, const char *name, size_t max, uint8_t **buf,
			size_t *len);

#endif
