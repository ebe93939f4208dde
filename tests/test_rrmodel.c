/* SPDX-License-Identifier: MIT */
/*
 * The physiological RR model: it hits the HR and RMSSD it was asked for,
 * breathes at the set rate, relaxes in the right direction, and repeats
 * itself for a seed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "test.h"
#include "vagus/rrmodel.h"

#define PI 3.14159265358979323846

struct stats {
	double hr, rmssd;
};

static struct stats window(const double *rr, size_t from, size_t to)
{
	double sum = 0, ssd = 0;
	struct stats st;

	for (size_t i = from; i < to; i++) {
		sum += rr[i];
		if (i > from)
			ssd += (rr[i] - rr[i - 1]) * (rr[i] - rr[i - 1]);
	}
	st.hr = 60000.0 / (sum / (double)(to - from));
	st.rmssd = sqrt(ssd / (double)(to - from - 1));
	return st;
}

/*
 * Power of the RR series (as a function of beat time) at @hz, by a
 * direct Fourier sum: enough to tell which breathing rate dominates.
 */
static double power_at(const double *rr, size_t n, double hz)
{
	double re = 0, im = 0, t = 0, mean = 0;

	for (size_t i = 0; i < n; i++)
		mean += rr[i] / (double)n;
	for (size_t i = 0; i < n; i++) {
		t += rr[i] / 1000.0;
		re += (rr[i] - mean) * cos(2 * PI * hz * t);
		im += (rr[i] - mean) * sin(2 * PI * hz * t);
	}
	return re * re + im * im;
}

static size_t run(const struct vg_rrmodel_params *p, double *rr, size_t cap,
		  double seconds)
{
	struct vg_rrmodel m;
	double t = 0;
	size_t n = 0;

	if (!CHECK_EQ(vg_rrmodel_init(&m, p), 0))
		return 0;
	while (n < cap && t < seconds * 1000.0) {
		rr[n] = vg_rrmodel_next(&m);
		CHECK(rr[n] >= 250 && rr[n] <= 2500);
		t += rr[n++];
	}
	CHECK_NEAR(m.t_ms, t, 1e-6);
	return n;
}

static double rr[20000], rr2[20000];

int main(void)
{
	struct vg_rrmodel_params p;
	size_t n, n2;

	vg_rrmodel_defaults(&p);
	CHECK_NEAR(p.hr_bpm, 65, 0);

	/* Steady: 30 minutes at 60 bpm, RMSSD 40, 12 breaths/min. */
	p.hr_bpm = 60;
	p.rmssd_ms = 40;
	p.breath_bpm = 12;
	p.seed = 7;
	n = run(&p, rr, 20000, 1800);
	struct stats st = window(rr, 0, n);
	printf("steady: %zu beats, HR %.2f, RMSSD %.2f\n", n, st.hr, st.rmssd);
	CHECK_NEAR(st.hr, 60, 1.0);
	CHECK_REL(st.rmssd, 40, 0.10);
	/* The respiratory peak stands far above neighbouring frequencies. */
	double at_br = power_at(rr, n, 0.2);
	CHECK(at_br > 20 * power_at(rr, n, 0.3));
	CHECK(at_br > 20 * power_at(rr, n, 0.15));

	/* Slow breathing moves the peak: 6 breaths/min. */
	p.breath_bpm = 6;
	n = run(&p, rr, 20000, 1800);
	CHECK(power_at(rr, n, 0.1) > 10 * power_at(rr, n, 0.2));
	st = window(rr, 0, n);
	CHECK_REL(st.rmssd, 40, 0.10);

	/* Same seed, same beats; another seed, other beats. */
	n2 = run(&p, rr2, 20000, 1800);
	CHECK_EQ(n2, n);
	size_t same = 0;
	for (size_t i = 0; i < n && i < n2; i++)
		same += rr[i] == rr2[i];
	CHECK_EQ(same, n);
	p.seed = 8;
	n2 = run(&p, rr2, 20000, 60);
	same = 0;
	for (size_t i = 0; i < n2; i++)
		same += rr[i] == rr2[i];
	CHECK(same < n2 / 2);

	/* Relaxation over a 20-minute session: HR down, RMSSD up. */
	p.hr_bpm = 72;
	p.rmssd_ms = 30;
	p.breath_bpm = 10;
	p.relax = true;
	p.duration_s = 1200;
	n = run(&p, rr, 20000, 1200);
	size_t five = 0;
	for (double t = 0; t < 300000; t += rr[five++])
		;
	struct stats start = window(rr, 0, five);
	size_t last = n;
	for (double t = 0; t < 300000; t += rr[--last])
		;
	struct stats end = window(rr, last, n);
	printf("relax: start HR %.1f RMSSD %.1f, end HR %.1f RMSSD %.1f\n",
	       start.hr, start.rmssd, end.hr, end.rmssd);
	CHECK(end.hr < start.hr - 3);
	CHECK(end.rmssd > start.rmssd * 1.15);
	CHECK(end.hr > 72 * 0.88);

	/* Extreme but valid settings stay within the clamp. */
	p.hr_bpm = 220;
	p.rmssd_ms = 300;
	p.breath_bpm = 40;
	run(&p, rr, 2000, 120);
	p.hr_bpm = 30;
	p.breath_bpm = 3;
	run(&p, rr, 2000, 120);

	/* Invalid parameters. */
	struct vg_rrmodel m;
	p.hr_bpm = 20;
	CHECK_EQ(vg_rrmodel_init(&m, &p), -EINVAL);
	p.hr_bpm = NAN;
	CHECK_EQ(vg_rrmodel_init(&m, &p), -EINVAL);
	p.hr_bpm = 60;
	p.rmssd_ms = -1;
	CHECK_EQ(vg_rrmodel_init(&m, &p), -EINVAL);
	p.rmssd_ms = 40;
	p.breath_bpm = 50;
	CHECK_EQ(vg_rrmodel_init(&m, &p), -EINVAL);
	p.breath_bpm = 12;
	CHECK_EQ(vg_rrmodel_init(&m, &p), 0);
	return vg_test_done();
}
