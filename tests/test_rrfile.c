/* SPDX-License-Identifier: MIT */
/*
 * The RR file reader: every format on the real files of the shared data
 * (beat counts from SOURCES.md), unit detection, comments, line ends, gaps,
 * every truncation of small files, and every kind of bad input with the
 * line it must name.
 *
 * Inputs are copied into buffers of exactly their length with no NUL after
 * them, so a sanitizer run catches any read past the end.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "vagus/rrfile.h"

static struct vg_rrfile_info info;
static struct vg_rrfile_error err;

/* Parses @len bytes of @text from an exactly sized heap copy. */
static int parse_n(const char *text, size_t len, struct vg_rr_series *s)
{
	char *b = malloc(len ? len : 1);
	int rc;

	if (!b)
		return -ENOMEM;
	memcpy(b, text, len);
	memset(&info, 0xa5, sizeof(info));
	rc = vg_rrfile_parse_info(b, len, s, &info, &err);
	free(b);
	return rc;
}

static int parse(const char *text, struct vg_rr_series *s)
{
	return parse_n(text, strlen(text), s);
}

/* The file under the shared data, parsed; NULL-safe on a missing file. */
static int parse_file(const char *rel, struct vg_rr_series *s)
{
	size_t len;
	char *b = vg_test_slurp(vg_test_data(rel), &len);
	int rc;

	if (!b)
		return -ENOENT;
	rc = parse_n(b, len, s);
	free(b);
	if (rc)
		fprintf(stderr, "%s:%zu: %s\n", rel, err.line, err.msg);
	return rc;
}

/* Bad input: -EBADMSG at @line, with a message that contains @word. */
static void bad(const char *text, size_t len, size_t line, const char *word,
		int srcline)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	int rc = parse_n(text, len, &s);
	bool ok = rc == -EBADMSG && err.line == line && strstr(err.msg, word) &&
		  s.n == 0;

	if (!vg_test_check(ok, "bad input rejected at its line", __FILE__,
			   srcline))
		fprintf(stderr,
			"    input '%.40s': rc %d line %zu (want %zu) "
			"msg '%s' (want '%s')\n",
			text, rc, err.line, line, err.msg, word);
	vg_rr_free(&s);
}

#define BAD(text, line, word) bad(text, sizeof(text) - 1, line, word, __LINE__)

/* Every interval of @s equals the plain list in @rel within @tol ms. */
static void same_as(const struct vg_rr_series *s, const char *rel, double tol)
{
	struct vg_rr_series r = VG_RR_SERIES_INIT;
	size_t bad_at = SIZE_MAX;

	CHECK_EQ(parse_file(rel, &r), 0);
	CHECK_EQ(s->n, r.n);
	for (size_t i = 0; i < s->n && i < r.n; i++) {
		if (fabs(s->ms[i] - r.ms[i]) > tol) {
			bad_at = i;
			break;
		}
	}
	if (!CHECK(bad_at == SIZE_MAX))
		fprintf(stderr, "    %s differs at interval %zu\n", rel,
			bad_at);
	vg_rr_free(&r);
}

/* t_ms is the running sum of the intervals, nothing flagged. */
static bool is_cumulative(const struct vg_rr_series *s)
{
	double t = 0;

	for (size_t i = 0; i < s->n; i++) {
		t += s->ms[i];
		if (fabs(s->t_ms[i] - t) > 1e-6 || s->flags[i])
			return false;
	}
	return true;
}

struct real_file {
	const char *rel;
	size_t n;
	enum vg_rrfile_format format;
	const char *plain; /* the converted .rr.txt to compare with */
};

/* Beat counts from SOURCES.md (intervals = beats - 1 for annotations). */
static const struct real_file real_files[] = {
    {"kubios-pgomes/SampleExport.txt", 423, VG_RRFILE_LIST,
     "kubios-pgomes/SampleExport.rr.txt"},
    {"hrvfilter-edudati/eliteSample01.txt", 2085, VG_RRFILE_LIST,
     "hrvfilter-edudati/eliteSample01.rr.txt"},
    {"hrvfilter-edudati/eliteSample02.txt", 1479, VG_RRFILE_LIST,
     "hrvfilter-edudati/eliteSample02.rr.txt"},
    {"hrvfilter-edudati/polarSample01.txt", 685, VG_RRFILE_TIME_RR,
     "hrvfilter-edudati/polarSample01.rr.txt"},
    {"hrvfilter-edudati/polarSample02.txt", 1459, VG_RRFILE_TIME_RR,
     "hrvfilter-edudati/polarSample02.rr.txt"},
    {"polar-h7-rr/export.csv", 52, VG_RRFILE_TIME_RR,
     "polar-h7-rr/export.rr.txt"},
    {"fatmaxxer-polar-h10/FatMaxOptimiser.20210606_161059.rr.csv", 11463,
     VG_RRFILE_CSV,
     "fatmaxxer-polar-h10/FatMaxOptimiser.20210606_161059.rr.txt"},
    {"systole/rr.txt", 245, VG_RRFILE_CSV, "systole/rr.rr.txt"},
    {"detectpvc-polar-h10/polar_h10_hr_rr.csv", 798, VG_RRFILE_CSV,
     "detectpvc-polar-h10/polar_h10.rr.txt"},
    {"rhenanbartels-hrv/exercise_rri.hrm", 4117, VG_RRFILE_HRM,
     "rhenanbartels-hrv/exercise_rri.rr.txt"},
    {"rhenanbartels-hrv/noisy_rri.hrm", 3581, VG_RRFILE_HRM,
     "rhenanbartels-hrv/noisy_rri.rr.txt"},
    /* 772 values, the last one a 0 placeholder. */
    {"rhenanbartels-hrv/real_rri.txt", 771, VG_RRFILE_LIST,
     "rhenanbartels-hrv/real_rri.rr.txt"},
    {"rhenanbartels-hrv/rest_rri.txt", 910, VG_RRFILE_LIST,
     "rhenanbartels-hrv/rest_rri.rr.txt"},
    {"hrv-analysis/test_nn_intervals.txt", 1000, VG_RRFILE_LIST,
     "hrv-analysis/test_nn_intervals.rr.txt"},
    {"elitehrv-chriotte/2017-06-29_13-11-53.txt", 4201, VG_RRFILE_LIST,
     "elitehrv-chriotte/2017-06-29_13-11-53.rr.txt"},
    {"elitehrv-chriotte/2017-06-29_14-36-38.txt", 5294, VG_RRFILE_LIST,
     "elitehrv-chriotte/2017-06-29_14-36-38.rr.txt"},
    /* RHRV beat times in s: 17360 beats. */
    {"rhrv/example.beats", 17359, VG_RRFILE_BEAT_TIMES, "rhrv/example.rr.txt"},
    /* Decoded WFDB annotations with an rr_ms column (NA first). */
    {"wfdb-python/mitdb-100.beats.tsv", 2272, VG_RRFILE_CSV,
     "wfdb-python/mitdb-100.rr.txt"},
    {"pcst/mitdb-105.beats.tsv", 2571, VG_RRFILE_CSV, "pcst/mitdb-105.rr.txt"},
    {"ecg-kit/mitdb-208.beats.tsv", 2954, VG_RRFILE_CSV,
     "ecg-kit/mitdb-208.rr.txt"},
    {"ecg-kit/svdb-800.beats.tsv", 1882, VG_RRFILE_CSV,
     "ecg-kit/svdb-800.rr.txt"},
    {"pcst/nsr2db-nsr004.beats.tsv", 97814, VG_RRFILE_CSV,
     "pcst/nsr2db-nsr004.rr.txt"},
};

/* The converted plain lists, one interval in ms per line. */
static const struct {
	const char *rel;
	size_t n;
} plain_files[] = {
    {"kubios-pgomes/SampleExport.rr.txt", 423},
    {"wfdb-python/mitdb-100.rr.txt", 2272},
    {"pcst/mitdb-105.rr.txt", 2571},
    {"ecg-kit/mitdb-208.rr.txt", 2954},
    {"ecg-kit/svdb-800.rr.txt", 1882},
    {"pcst/nsr2db-nsr001.rr.txt", 106459},
    {"pcst/nsr2db-nsr004.rr.txt", 97814},
    {"pcst/nsr2db-nsr009.rr.txt", 102858},
    {"hrv-analysis/test_nn_intervals.rr.txt", 1000},
    {"rhenanbartels-hrv/rest_rri.rr.txt", 910},
    {"rhenanbartels-hrv/exercise_rri.rr.txt", 4117},
    {"rhenanbartels-hrv/noisy_rri.rr.txt", 3581},
    {"rhenanbartels-hrv/real_rri.rr.txt", 771},
    {"systole/rr.rr.txt", 245},
    {"pyhrv/SampleNNISeriesLong.rr.txt", 4684},
    {"pyhrv/SampleNNISeriesShort.rr.txt", 337},
    {"rhrv/example.rr.txt", 17359},
    {"detectpvc-polar-h10/polar_h10.rr.txt", 798},
    {"fatmaxxer-polar-h10/FatMaxOptimiser.20210606_161059.rr.txt", 11463},
    {"elitehrv-chriotte/2017-06-29_13-11-53.rr.txt", 4201},
    {"elitehrv-chriotte/2017-06-29_14-36-38.rr.txt", 5294},
    {"hrvfilter-edudati/eliteSample01.rr.txt", 2085},
    {"hrvfilter-edudati/eliteSample02.rr.txt", 1479},
    {"hrvfilter-edudati/polarSample01.rr.txt", 685},
    {"hrvfilter-edudati/polarSample02.rr.txt", 1459},
    {"polar-h7-rr/export.rr.txt", 52},
};

static void test_real_files(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;

	for (size_t i = 0; i < sizeof(plain_files) / sizeof(plain_files[0]);
	     i++) {
		if (!CHECK_EQ(parse_file(plain_files[i].rel, &s), 0))
			continue;
		if (!CHECK_EQ(s.n, plain_files[i].n))
			fprintf(stderr, "    %s\n", plain_files[i].rel);
		CHECK_EQ(info.format, VG_RRFILE_LIST);
		CHECK(!info.seconds);
		CHECK(is_cumulative(&s));
	}
	for (size_t i = 0; i < sizeof(real_files) / sizeof(real_files[0]);
	     i++) {
		const struct real_file *f = &real_files[i];
		if (!CHECK_EQ(parse_file(f->rel, &s), 0))
			continue;
		if (!CHECK_EQ(s.n, f->n) || !CHECK_EQ(info.format, f->format))
			fprintf(stderr, "    %s\n", f->rel);
		/* RHRV's own conversion rounded to 0.1 ms. */
		same_as(&s, f->plain, 0.051);
	}
	vg_rr_free(&s);
}

/* Details of particular files: units, columns, zeros, gaps, times. */
static void test_real_details(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;

	/* Kubios export: '#' header lines, 3 decimals. */
	CHECK_EQ(parse_file("kubios-pgomes/SampleExport.txt", &s), 0);
	CHECK_NEAR(s.ms[0], 766, 1e-9);
	CHECK_NEAR(s.ms[422], 633, 1e-9);
	CHECK(is_cumulative(&s));

	/* Polar "time_s rr_s": seconds, and the 5.455 s jump at the start. */
	CHECK_EQ(parse_file("hrvfilter-edudati/polarSample01.txt", &s), 0);
	CHECK(info.seconds);
	CHECK_EQ(info.times, VG_RRFILE_TIMES_BEAT);
	CHECK_NEAR(info.time_unit_ms, 1000, 0);
	CHECK_EQ(info.rr_column, 2);
	CHECK_EQ(info.time_column, 1);
	CHECK_NEAR(s.ms[0], 749, 1e-9);
	CHECK_NEAR(s.ms[2], 760, 1e-9);
	CHECK_EQ(info.gaps, 1);
	CHECK(s.flags[1] & VG_RR_GAP_BEFORE);
	CHECK_NEAR(info.gap_ms, 5455 - 749, 1e-6);
	CHECK_NEAR(s.t_ms[1] - s.t_ms[0], 5455, 1e-6);
	CHECK_NEAR(s.t_ms[2] - s.t_ms[1], 760, 1e-6);
	/* Beat times: t_ms follows the file's clock to the last beat. */
	CHECK_NEAR(s.t_ms[684] - s.t_ms[0], 480427, 0.5);
	size_t flagged = 0;
	for (size_t i = 0; i < s.n; i++)
		flagged += !!(s.flags[i] & VG_RR_GAP_BEFORE);
	CHECK_EQ(flagged, 1);

	CHECK_EQ(parse_file("hrvfilter-edudati/polarSample02.txt", &s), 0);
	CHECK_EQ(info.gaps, 0);
	CHECK_EQ(info.times, VG_RRFILE_TIMES_BEAT);
	CHECK(is_cumulative(&s));

	/* Polar H7 via lub-dub: elapsed_s<TAB>rr_ms, a 1 s timer clock. */
	CHECK_EQ(parse_file("polar-h7-rr/export.csv", &s), 0);
	CHECK(!info.seconds);
	CHECK_NEAR(info.time_unit_ms, 1000, 0);
	CHECK_EQ(info.times, VG_RRFILE_TIMES_ARRIVAL);
	CHECK_EQ(info.gaps, 0);
	CHECK_NEAR(s.ms[0], 1071.2, 1e-9);
	CHECK_NEAR(s.ms[4], 995.1, 1e-9);
	CHECK(is_cumulative(&s));

	/* FatMaxxer: timestamp,rr,since_start; epoch ms arrival times. */
	CHECK_EQ(
	    parse_file(
		"fatmaxxer-polar-h10/FatMaxOptimiser.20210606_161059.rr.csv",
		&s),
	    0);
	CHECK_EQ(info.rr_column, 2);
	CHECK_EQ(info.time_column, 1);
	CHECK_NEAR(info.time_unit_ms, 1, 0);
	CHECK_EQ(info.times, VG_RRFILE_TIMES_ARRIVAL);
	CHECK_NEAR(s.ms[0], 615, 0);
	CHECK_NEAR(s.ms[11462], 4189, 0);
	/* Only where the strap came off at the very end, if at all. */
	for (size_t i = 0; i + 5 < s.n; i++)
		if (s.flags[i] & VG_RR_GAP_BEFORE)
			CHECK(!"gap in the middle of the FatMaxxer run");

	/* detectPVC: time (ns epoch),hr,rr with NA rows. */
	CHECK_EQ(parse_file("detectpvc-polar-h10/polar_h10_hr_rr.csv", &s), 0);
	CHECK_EQ(info.rr_column, 3);
	CHECK_NEAR(info.time_unit_ms, 1e-6, 0);
	CHECK_EQ(info.skipped_missing, 26);
	CHECK_EQ(info.gaps, 0);
	CHECK(is_cumulative(&s));

	/* systole: ",rr" with an unnamed index column, fractional ms. */
	CHECK_EQ(parse_file("systole/rr.txt", &s), 0);
	CHECK_EQ(info.rr_column, 2);
	CHECK_EQ(info.time_column, 0);
	CHECK_NEAR(s.ms[2], 985.3333333333333, 1e-9);

	/* hrv's real_rri: CRLF and a trailing 0, which is skipped. */
	CHECK_EQ(parse_file("rhenanbartels-hrv/real_rri.txt", &s), 0);
	CHECK_EQ(info.skipped_zero, 1);
	CHECK_NEAR(s.ms[0], 1136, 0);

	/* Polar HRM: [HRData] after [Params] Interval=238. */
	CHECK_EQ(parse_file("rhenanbartels-hrv/exercise_rri.hrm", &s), 0);
	CHECK_EQ(info.format, VG_RRFILE_HRM);

	/* nsr2db: 24 h, pauses up to 7.5 s are kept for the correction. */
	CHECK_EQ(parse_file("pcst/nsr2db-nsr001.rr.txt", &s), 0);
	double max = 0;
	for (size_t i = 0; i < s.n; i++)
		max = s.ms[i] > max ? s.ms[i] : max;
	CHECK_NEAR(max, 7476.562, 1e-9);
	CHECK_NEAR(s.ms[0], 695.312, 1e-9);

	/* RHRV beat times in s: intervals from the differences. */
	CHECK_EQ(parse_file("rhrv/example.beats", &s), 0);
	CHECK(info.seconds);
	CHECK_NEAR(s.ms[0], 328.0001, 1e-6);
	CHECK_NEAR(s.t_ms[s.n - 1], 7398264, 1e-3);
	CHECK(is_cumulative(&s));

	vg_rr_free(&s);
}

/* Files that are not RR files are refused, never misread. */
static void test_not_rr_files(void)
{
	static const char *const files[] = {
	    "wfdb-python/100.atr",
	    "pcst/nsr001.ecg",
	    "pyhrv/SampleNNISeriesLong.npy",
	    "detectpvc-polar-h10/polar_h10.RData",
	    "kubios-pgomes/SampleReport.txt",
	    "pyhrv/SampleReport.txt",
	    "pcst/NSR_HRV_allwindows_allpatients.csv",
	    "fatmaxxer-polar-h10/FatMaxOptimiser.20210606_161059.features.csv",
	    "wfdb-python/100.hea",
	};
	struct vg_rr_series s = VG_RR_SERIES_INIT;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		char *b = vg_test_slurp(vg_test_data(files[i]), &len);
		if (!b)
			continue;
		if (!CHECK_EQ(parse_n(b, len, &s), -EBADMSG) ||
		    !CHECK(err.line >= 1 && err.msg[0]))
			fprintf(stderr, "    %s\n", files[i]);
		free(b);
	}
	vg_rr_free(&s);
}

static void test_units(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;

	CHECK_EQ(parse("0.8\n0.9\n1.25\n", &s), 0);
	CHECK(info.seconds);
	CHECK_EQ(s.n, 3);
	CHECK_NEAR(s.ms[0], 800, 1e-9);
	CHECK_NEAR(s.ms[2], 1250, 1e-9);
	CHECK_NEAR(s.t_ms[2], 2950, 1e-9);

	CHECK_EQ(parse("800\n900\n1250\n", &s), 0);
	CHECK(!info.seconds);
	CHECK_NEAR(s.ms[2], 1250, 0);

	/* The majority decides: a stray 28 ms artifact stays in ms. */
	CHECK_EQ(parse("800\n28\n900\n", &s), 0);
	CHECK(!info.seconds);
	CHECK_NEAR(s.ms[1], 28, 0);
	/* A long pause in a seconds file. */
	CHECK_EQ(parse("0.8\n7.5\n0.9\n", &s), 0);
	CHECK(info.seconds);
	CHECK_NEAR(s.ms[1], 7500, 1e-9);
	/* ... and 35 s in it is absurd. */
	BAD("0.8\n35\n0.9\n", 2, "absurd");

	/* Number forms. */
	CHECK_EQ(parse("0995.1\n+800\n1e3\n8.0E2\n", &s), 0);
	CHECK_EQ(s.n, 4);
	CHECK_NEAR(s.ms[0], 995.1, 1e-9);
	CHECK_NEAR(s.ms[1], 800, 0);
	CHECK_NEAR(s.ms[2], 1000, 0);
	CHECK_NEAR(s.ms[3], 800, 0);
	CHECK_EQ(parse(".75\n.8\n", &s), 0);
	CHECK_NEAR(s.ms[0], 750, 1e-9);
	CHECK_EQ(parse("985.3333333333333\n1001.3333333333334\n", &s), 0);
	CHECK_NEAR(s.ms[0], 985.3333333333333, 1e-12);
	CHECK_NEAR(s.ms[1], 1001.3333333333334, 1e-12);
	/* More digits than a double holds, still close. */
	CHECK_EQ(parse("812.50000000000000000000001\n", &s), 0);
	CHECK_NEAR(s.ms[0], 812.5, 1e-12);

	/* Zeros are placeholders, skipped anywhere. */
	CHECK_EQ(parse("0\n800\n0.000\n810\n0\n", &s), 0);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(info.skipped_zero, 3);
	CHECK(is_cumulative(&s));
	vg_rr_free(&s);
}

static void test_comments_and_line_ends(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;

	CHECK_EQ(parse("# Kubios\n#\n800 # inline\n\n   810  \n\t#x\n820", &s),
		 0);
	CHECK_EQ(s.n, 3);
	CHECK_NEAR(s.ms[2], 820, 0);

	CHECK_EQ(parse("800\r\n810\r\n820\r\n", &s), 0);
	CHECK_EQ(s.n, 3);
	CHECK_EQ(parse("800\r810\r820", &s), 0);
	CHECK_EQ(s.n, 3);
	CHECK_EQ(parse("800\n810\r\n820\r830\n\r840", &s), 0);
	CHECK_EQ(s.n, 5);
	CHECK_NEAR(s.ms[4], 840, 0);
	/* Line numbers count CRLF once, and CR alone as a line end. */
	BAD("800\r\n810\r\n-5\r\n", 3, "negative");
	BAD("800\r810\r\r-5\r", 4, "negative");
	BAD("800\n\r\n-5", 3, "negative");

	/* Byte order mark. */
	CHECK_EQ(parse("\xef\xbb\xbf"
		       "800\n810\n",
		       &s),
		 0);
	CHECK_EQ(s.n, 2);
	/* Form feed and vertical tab are blanks. */
	CHECK_EQ(parse("\f800\v\n810\n", &s), 0);
	CHECK_EQ(s.n, 2);
	vg_rr_free(&s);
}

static void test_tables(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;

	/* Quotes, semicolons, a unit in the name, missing values. */
	CHECK_EQ(parse("\"time\";\"RR (ms)\"\n\"0.8\";\"800\"\n1.61;810\n"
		       "2.4;NA\n3.2;\n4.0;800\n",
		       &s),
		 0);
	CHECK_EQ(s.n, 3);
	CHECK_EQ(info.rr_column, 2);
	CHECK_EQ(info.time_column, 1);
	CHECK_EQ(info.skipped_missing, 2);
	CHECK_NEAR(s.ms[1], 810, 0);

	/* Tab header with spaces in names. */
	CHECK_EQ(parse("Time (s)\tRR (ms)\n0.8\t800\n1.6\t800\n", &s), 0);
	CHECK_EQ(info.rr_column, 2);
	CHECK_EQ(s.n, 2);
	/* Blank-separated header: "(s)" is a unit, not a column. */
	CHECK_EQ(parse("Time (s)  RR (s)\n0.0 0.8\n0.8 0.8\n1.6 0.8\n", &s), 0);
	CHECK_EQ(info.rr_column, 2);
	CHECK(info.seconds);
	CHECK_EQ(s.n, 3);
	/* RR column first, other columns with text. */
	CHECK_EQ(parse("RRI,label\n800,N\n450,V\n", &s), 0);
	CHECK_EQ(s.n, 2);
	CHECK_NEAR(s.ms[1], 450, 0);
	/* Single-column header. */
	CHECK_EQ(parse("rr_ms\n800\n810\n", &s), 0);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(parse("ibi\n0.8\n0.81\n", &s), 0);
	CHECK(info.seconds);
	/* A table of results is no RR file: NNmean is not NN. */
	BAD("patID,NNmean,RMSSD\nx,800,40\n", 1, "no RR column");
	/* A row short of the RR column. */
	BAD("time,rr\n0,800\n1\n", 3, "RR column is field 2");
	BAD("rr\n", 1, "after the header");
	BAD("# only a header\nrr,hr\n\n", 2, "after the header");
	/* Text in the RR column. */
	BAD("rr\n800\nabc\n", 3, "not a number: 'abc'");
	vg_rr_free(&s);
}

static void test_gaps(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;

	/* Beat times in s with a 3.4 s hole before the third beat. */
	CHECK_EQ(parse("0 800\n0.8 800\n5.0 800\n5.8 800\n6.6 800\n", &s), 0);
	CHECK_EQ(info.times, VG_RRFILE_TIMES_BEAT);
	CHECK(!info.seconds);
	CHECK_EQ(info.gaps, 1);
	CHECK_EQ(s.flags[2], VG_RR_GAP_BEFORE);
	CHECK_EQ(s.flags[1] | s.flags[3] | s.flags[4], 0);
	CHECK_NEAR(info.gap_ms, 3400, 1e-6);
	CHECK_NEAR(s.t_ms[2] - s.t_ms[1], 4200, 1e-6);
	CHECK_NEAR(s.t_ms[4] - s.t_ms[2], 1600, 1e-6);

	/* Times in ms, one lost beat of 900 ms is a gap for beat times. */
	CHECK_EQ(parse("1000,800\n1800,800\n3500,800\n4300,800\n5100,800\n"
		       "5900,800\n6700,800\n7500,800\n8300,800\n9100,800\n"
		       "9900,800\n",
		       &s),
		 0);
	CHECK_NEAR(info.time_unit_ms, 1, 0);
	CHECK_EQ(info.times, VG_RRFILE_TIMES_BEAT);
	CHECK_EQ(info.gaps, 1);
	CHECK(s.flags[2] & VG_RR_GAP_BEFORE);

	/*
	 * Arrival times (a notification a second, several beats late at
	 * times): no gap for latency, one for a 12 s outage.
	 */
	{
		char buf[4096];
		size_t o = 0;
		double t = 0, arrive = 0;
		for (int i = 0; i < 60; i++) {
			t += 800;
			if (i == 40)
				t += 12000; /* the link was lost */
			/* 0-3 s late, never early */
			arrive = t + (i % 7 == 3 ? 3000 : (i % 5) * 100);
			o += (size_t)snprintf(buf + o, sizeof(buf) - o,
					      "%.0f,800\n", arrive);
		}
		CHECK_EQ(parse_n(buf, o, &s), 0);
		CHECK_EQ(info.times, VG_RRFILE_TIMES_ARRIVAL);
		CHECK_EQ(info.gaps, 1);
		CHECK(s.flags[40] & VG_RR_GAP_BEFORE);
		CHECK_NEAR(info.gap_ms, 12000, 300);
	}

	/* Times that are unusable are ignored: missing, or not rising. */
	CHECK_EQ(parse("0 800\nNA 800\n10 800\n", &s), 0);
	CHECK_EQ(info.times, VG_RRFILE_TIMES_NONE);
	CHECK(is_cumulative(&s));
	CHECK_EQ(parse("5 800\n5 800\n5 800\n", &s), 0);
	CHECK_EQ(info.times, VG_RRFILE_TIMES_NONE);
	CHECK(is_cumulative(&s));
	/* Plain lists: cumulative sum, no gap. */
	CHECK_EQ(parse("800\n7500\n800\n", &s), 0);
	CHECK(is_cumulative(&s));
	vg_rr_free(&s);
}

static void test_beat_times(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	char buf[2048];
	size_t o = 0;

	for (int i = 0; i < 30; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%.3f\n",
				      12.0 + i * 0.8 + (i % 2) * 0.05);
	CHECK_EQ(parse_n(buf, o, &s), 0);
	CHECK_EQ(info.format, VG_RRFILE_BEAT_TIMES);
	CHECK_EQ(s.n, 29);
	CHECK_NEAR(s.ms[0], 850, 1e-6);
	CHECK_NEAR(s.ms[1], 750, 1e-6);
	CHECK(is_cumulative(&s));

	/* A slowing heart: rising intervals, which are not beat times. */
	o = 0;
	for (int i = 0; i < 30; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%d\n",
				      600 + i * 10);
	CHECK_EQ(parse_n(buf, o, &s), 0);
	CHECK_EQ(info.format, VG_RRFILE_LIST);
	CHECK_EQ(s.n, 30);

	/* Beat times with a 40 s hole. */
	o = 0;
	for (int i = 0; i < 30; i++)
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%.1f\n",
				      i * 0.8 + (i >= 25 ? 40 : 0));
	{
		int rc = parse_n(buf, o, &s);
		CHECK_EQ(rc, -EBADMSG);
		CHECK_EQ(err.line, 26);
		CHECK(strstr(err.msg, "absurd") != NULL);
	}
	vg_rr_free(&s);
}

static void test_hrm(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;

	CHECK_EQ(parse("[Params]\r\nVersion=106\r\nInterval=238\r\n\r\n"
		       "[Note]\r\nx = 1\r\n[HRData]\r\n800\r\n810\t0\r\n",
		       &s),
		 0);
	CHECK_EQ(s.n, 2);
	CHECK_NEAR(s.ms[1], 810, 0);
	CHECK_EQ(
	    parse("[Params]\nInterval=204\n[HRData]\n800\n[Other]\n5\n", &s),
	    0);
	CHECK_EQ(s.n, 1);
	BAD("[Params]\nInterval=5\n[HRData]\n80\n", 2, "heart-rate samples");
	BAD("[Params]\nVersion=106\n[HRData]\n800\n", 3, "Interval");
	BAD("[Params]\nInterval=238\n", 1, "[HRData]");
	BAD("[Params]\nInterval=238\n[HRData]\n\n", 3, "empty [HRData]");
	BAD("[Params]\nInterval=x\n", 2, "Interval");
	BAD("[Params]\nInterval=238\n[HRData]\n800\nfoo\n", 5, "not a number");
	vg_rr_free(&s);
}

static void test_bad_input(void)
{
	BAD("", 1, "empty file");
	BAD("\n\n  \n# just a comment\n", 1, "no RR intervals");
	BAD("hello\nworld\n", 1, "not a number: 'hello'");
	BAD("800\n810\nabc\n", 3, "not a number: 'abc'");
	BAD("800\n810ms\n", 2, "not a number: '810ms'");
	BAD("800\n-12\n", 2, "negative interval -12");
	BAD("-0.5\n", 1, "negative");
	BAD("800\n810\n1878949389\n", 3, "absurd interval 1878949389 ms");
	BAD("800\n30001\n", 2, "absurd");
	BAD("1e999\n", 1, "absurd");
	BAD("inf\n", 1, "not a number");
	BAD("800\n810\0\n", 2, "binary");
	BAD("\x1f\x8b\x08\x00", 1, "binary");
	BAD("800\n\x7f\n", 2, "binary");
	BAD("# ok\n800\n# \x01 in a comment\n", 3, "binary");
	BAD("800 810\n820\n", 2, "expected 2 columns, found 1");
	BAD("1 2 3\n", 1, "3 columns");
	BAD("800\n810 820\n", 2, "2 values");
	BAD("0\n0\n", 1, "zero or missing");
	BAD("NA\nnan\n", 1, "zero or missing");
	BAD("a,b\n1,2\n", 1, "no RR column");
	BAD("-\n", 1, "not a number");
	BAD(".\n", 1, "not a number");
	BAD("1e\n", 1, "not a number");
	BAD("8e+\n", 1, "not a number");
	BAD("\xc3\xa9\n", 1, "not a number");
}

/* Every prefix of a file parses or fails cleanly, never reads beyond. */
static void truncations(const char *text, size_t len, const char *what)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;
	size_t bad_len = SIZE_MAX;

	for (size_t n = 0; n <= len; n++) {
		int rc = parse_n(text, n, &s);
		bool ok = rc == -EBADMSG ? (err.line >= 1 && s.n == 0)
					 : rc == 0 && s.n >= 1;
		for (size_t i = 0; ok && i < s.n; i++)
			ok = isfinite(s.ms[i]) && s.ms[i] > 0 &&
			     s.ms[i] <= VG_RRFILE_MAX_MS && isfinite(s.t_ms[i]);
		if (!ok && bad_len == SIZE_MAX)
			bad_len = n;
	}
	if (!CHECK(bad_len == SIZE_MAX))
		fprintf(stderr, "    %s: prefix of %zu bytes\n", what, bad_len);
	vg_rr_free(&s);
}

static void test_truncations(void)
{
	static const char mixed[] =
	    "\xef\xbb\xbf# comment\r\n\"time\";\"RR (ms)\"\r\n0.8;800\r\n"
	    "1.6;NA\r\n2.4;812.5e0\r\n\r\n9.9;1000\r\n";
	static const char hrm[] = "[Params]\r\nInterval=238\r\n[Note]\r\n"
				  "[HRData]\r\n800\t1\r\n810\r\n";
	static const char pairs[] = "0.000 0.749\n5.455 0.749\n6.215 0.76\n";
	size_t len;
	char *b;

	truncations(mixed, sizeof(mixed) - 1, "mixed");
	truncations(hrm, sizeof(hrm) - 1, "hrm");
	truncations(pairs, sizeof(pairs) - 1, "pairs");
	b = vg_test_slurp(vg_test_data("kubios-pgomes/SampleExport.txt"), &len);
	if (b) {
		truncations(b, len < 1200 ? len : 1200, "kubios");
		free(b);
	}
	b = vg_test_slurp(vg_test_data("rhenanbartels-hrv/noisy_rri.hrm"),
			  &len);
	if (b) {
		truncations(b, len < 2000 ? len : 2000, "hrm file");
		free(b);
	}
}

static void test_api(void)
{
	struct vg_rr_series s = VG_RR_SERIES_INIT;

	/* Reuse empties the series; err and info may be NULL. */
	CHECK_EQ(vg_rrfile_parse("800\n810\n", 8, &s, NULL), 0);
	CHECK_EQ(vg_rrfile_parse("900\n", 4, &s, NULL), 0);
	CHECK_EQ(s.n, 1);
	CHECK_NEAR(s.ms[0], 900, 0);
	CHECK_EQ(vg_rrfile_parse("-9\n", 3, &s, NULL), -EBADMSG);
	CHECK_EQ(s.n, 0);
	CHECK_EQ(vg_rrfile_parse_info("800", 3, &s, NULL, NULL), 0);
	/* The buffer ends where len says, whatever follows it. */
	CHECK_EQ(vg_rrfile_parse("800\n810\n-5\n", 8, &s, &err), 0);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(vg_rrfile_parse("8009", 3, &s, &err), 0);
	CHECK_NEAR(s.ms[0], 800, 0);
	CHECK(strcmp(vg_rrfile_format_name(VG_RRFILE_HRM), "Polar HRM") == 0);
	CHECK(vg_rrfile_format_name((enum vg_rrfile_format)99) != NULL);
	vg_rr_free(&s);
}

int main(void)
{
	test_real_files();
	test_real_details();
	test_not_rr_files();
	test_units();
	test_comments_and_line_ends();
	test_tables();
	test_gaps();
	test_beat_times();
	test_hrm();
	test_bad_input();
	test_truncations();
	test_api();
	return vg_test_done();
}
