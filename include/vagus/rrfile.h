/* SPDX-License-Identifier: MIT */
/*
 * Reader of RR interval files, from a buffer in memory (the caller reads the
 * file): plain lists in ms or s (auto-detected), '#' comments, Kubios RR
 * text exports, "time rr" two-column exports, CSV with an RR column (Polar,
 * Elite HRV and similar apps), lists of beat times (RHRV .beats) and Polar
 * .hrm files.
 *
 * Pure: no I/O. Bad input gets an error with the line number and a short
 * message; it never reads outside the buffer, which need not end in NUL.
 *
 * The rules (the README states them for users):
 *
 * Lines end in LF, CRLF or CR. '#' starts a comment anywhere on a line; a
 * UTF-8 byte order mark is skipped. A NUL or another control byte (other
 * than tab, LF, CR, VT, FF) anywhere means the file is binary: rejected.
 *
 * Layout, from the first line that is not blank or a comment:
 *  - "[Params]" or any "[section]": a Polar .hrm file. Intervals are the
 *    first column of the [HRData] section; [Params] Interval must be 238
 *    (R-R recording) or 204 (intermittent R-R); other values are heart-rate
 *    samples every N seconds, which hold no intervals.
 *  - a line with a word in it: a header. Fields are split at ',' if the
 *    header has one, else ';', else tab, else runs of blanks; quotes around
 *    a field are dropped. The RR column is the first whose name, lower-case
 *    and with everything but letters and digits dropped, is rr, rri, nn,
 *    nni, ibi, rrinterval(s), nninterval(s) or interbeatinterval, alone or
 *    followed by a unit: ms, msec, s, sec, us, ns ("RR (ms)", rr_ms, RRI,
 *    NN, ibi_ms). Exact names, so that "NNmean" in a table of results is no
 *    RR column. The time column is the first named time, times, timestamp,
 *    elapsed, elapsedtime or t, with or without a unit (see times below).
 *  - otherwise a headerless table of numbers, split at ',' / ';' / tab /
 *    blanks like a header: one column is a list of intervals (or of beat
 *    times, below); two columns are "time rr"; more are refused, since
 *    nothing says which one holds the intervals.
 * Every data row must have the same number of columns as the first one
 * (headerless) or at least up to the RR column (with a header).
 *
 * Values: decimal numbers ("766", "0995.1", "0.749", "1e3"), parsed here
 * without the C locale's help. An empty field, NA, N/A, NaN, null or none
 * is a missing value: its row is skipped. Any other text where a number
 * belongs is an error.
 *
 * Units of intervals: seconds when most non-zero values are below 10, else
 * milliseconds (no heart beats faster than 10 ms apart or slower than 10 s
 * apart, so the two ranges never overlap in real recordings).
 *
 * Bounds, in ms after the unit is known:
 *  - negative: an error ("negative interval");
 *  - zero: skipped and counted (hrv's sample data ends in a 0, Polar's SDK
 *    sends 0 for "no value"; a zero is a placeholder, not a beat);
 *  - above 30000 ms: an error ("absurd interval"): the longest real pause
 *    in our data is 7.5 s (nsr2db), and a strap that sends 1878949389 is
 *    broken, not a patient;
 *  - anything in between is kept, however short or long, because artifact
 *    correction needs to see it to classify it (extra beats at 28 ms,
 *    missed beats at 4 s).
 *
 * Beat times: a headerless single column of at least 20 values that rise
 * on every line, whose differences are mostly 200-4000 ms in their unit
 * (decided on the differences), is a list of beat times (RHRV .beats); the
 * intervals are the differences.
 *
 * Times: a two-column file, or a CSV with a time column, gives each beat a
 * time. Its unit is the finest of ns, us, ms and s under which the time
 * span is at least half the sum of the intervals. When no row advances by
 * less than its interval (beyond 20 ms of rounding) and most advance by it
 * within 20 ms, the times are beat times (Polar exports); otherwise they
 * are arrival times of notifications, which come in bursts and run
 * late by up to a few seconds. t_ms is the cumulative sum of the
 * intervals, except at a gap: where the file's clock has got ahead of the
 * beat clock (measured from its lowest point since the last gap) by more
 * than 200 ms for beat times or 5000 ms for arrival times, the interval
 * carries VG_RR_GAP_BEFORE and t_ms advances by the unexplained time too.
 * Times are ignored when a row lacks one, when they are not finite, or
 * when the span is not positive. Without times t_ms is the cumulative sum.
 */
#ifndef VAGUS_RRFILE_H
#define VAGUS_RRFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "vagus/rr.h"

/* Bounds of a kept interval, ms (see above). */
#define VG_RRFILE_MAX_MS 30000.0
/* Gap thresholds, ms: unexplained time beyond this is a gap. */
#define VG_RRFILE_GAP_BEAT_MS 200.0
#define VG_RRFILE_GAP_ARRIVAL_MS 5000.0

struct vg_rrfile_error {
	size_t line;   /* 1-based line of the problem, 0 if none applies */
	char msg[128]; /* e.g. "negative interval -12" */
};

enum vg_rrfile_format {
	VG_RRFILE_LIST = 0,   /* one interval per line */
	VG_RRFILE_BEAT_TIMES, /* one beat time per line */
	VG_RRFILE_TIME_RR,    /* headerless "time rr" columns */
	VG_RRFILE_CSV,	      /* header with an RR column */
	VG_RRFILE_HRM,	      /* Polar .hrm [HRData] */
};

enum vg_rrfile_times {
	VG_RRFILE_TIMES_NONE = 0, /* t_ms is the cumulative sum */
	VG_RRFILE_TIMES_BEAT,	  /* file times are beat times */
	VG_RRFILE_TIMES_ARRIVAL,  /* file times are arrival times */
};

/* What the reader found, for the user and the report. */
struct vg_rrfile_info {
	enum vg_rrfile_format format;
	bool seconds;		    /* intervals were in s (scaled to ms) */
	size_t rr_column;	    /* 1-based RR column, 0 for a plain list */
	size_t time_column;	    /* 1-based time column, 0 if none */
	enum vg_rrfile_times times; /* how t_ms was made */
	double time_unit_ms;	    /* ms per time unit (1000, 1, 1e-3, 1e-6) */
	size_t rows;		    /* data rows read */
	size_t skipped_zero;	    /* zero intervals dropped */
	size_t skipped_missing;	    /* rows without an interval (NA, empty) */
	size_t gaps;		    /* intervals marked VG_RR_GAP_BEFORE */
	double gap_ms;		    /* time in gaps, not covered by intervals */
};

/*
 * Parses @len bytes at @buf into @out (emptied first). Returns 0, -EBADMSG
 * with @err filled for input that is not an RR file or holds an invalid
 * interval, or -ENOMEM. @err may be NULL.
 */
int vg_rrfile_parse(const char *buf, size_t len, struct vg_rr_series *out,
		    struct vg_rrfile_error *err);

/* As vg_rrfile_parse, and fills @info (may be NULL) on success. */
int vg_rrfile_parse_info(const char *buf, size_t len, struct vg_rr_series *out,
			 struct vg_rrfile_info *info,
			 struct vg_rrfile_error *err);

/* Short name of a format ("RR list", "Polar HRM" ...), never NULL. */
const char *vg_rrfile_format_name(enum vg_rrfile_format f);

#endif
