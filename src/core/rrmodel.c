/* SPDX-License-Identifier: MIT */
/* The physiological RR model of include/vagus/rrmodel.h. */
#include "vagus/rrmodel.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define PI 3.14159265358979323846
#define LF_HZ 0.1
#define SHARE_RSA 0.75
#define SHARE_LF 0.10
#define SHARE_NOISE 0.15
#define RELAX_HR 0.10
#define RELAX_RMSSD 0.40
#define RR_MIN_MS 250.0
#define RR_MAX_MS 2500.0

void vg_rrmodel_defaults(struct vg_rrmodel_params *p)
{
	memset(p, 0, sizeof(*p));
	p->hr_bpm = 65;
	p->rmssd_ms = 40;
	p->breath_bpm = 12;
	p->seed = 1;
}

/* splitmix64: small, fast, and every seed (0 too) gives a good stream. */
static uint64_t next_u64(struct vg_rrmodel *m)
{
	uint64_t z = (m->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in (0, 1): never 0, so log() below is finite. */
static double uniform(struct vg_rrmodel *m)
{
	return ((double)(next_u64(m) >> 11) + 0.5) / 9007199254740992.0;
}

static double gaussian(struct vg_rrmodel *m)
{
	double u = uniform(m), v = uniform(m);

	return sqrt(-2.0 * log(u)) * cos(2.0 * PI * v);
}

int vg_rrmodel_init(struct vg_rrmodel *m, const struct vg_rrmodel_params *p)
{
	memset(m, 0, sizeof(*m));
	if (!(p->hr_bpm >= 30 && p->hr_bpm <= 220) ||
	    !(p->rmssd_ms >= 0 && p->rmssd_ms <= 300) ||
	    !(p->breath_bpm >= 3 && p->breath_bpm <= 40) ||
	    !(p->duration_s <= 1e7))
		return -EINVAL;
	m->p = *p;
	m->rng = p->seed;
	/* A random LF phase, so runs with different seeds differ there too. */
	m->lf_phase = 2.0 * PI * uniform(m);
	return 0;
}

/*
 * Amplitude of a sine at @hz sampled every @t_s seconds whose successive
 * differences have mean square @msd: msd = 2 a^2 sin^2(pi hz t). Near
 * aliasing (hz t close to an integer) the sine barely shows in the
 * differences; the floor keeps the amplitude sane there.
 */
static double sine_amplitude(double msd, double hz, double t_s)
{
	double s = sin(PI * hz * t_s);
	double s2 = s * s;

	if (s2 < 0.05)
		s2 = 0.05;
	return sqrt(msd / (2.0 * s2));
}

double vg_rrmodel_next(struct vg_rrmodel *m)
{
	const struct vg_rrmodel_params *p = &m->p;
	double t_s = m->t_ms / 1000.0;
	double hr = p->hr_bpm, rmssd = p->rmssd_ms;

	if (p->relax) {
		double tau = p->duration_s > 0 ? p->duration_s / 3.0 : 300.0;
		double progress = 1.0 - exp(-t_s / tau);
		hr *= 1.0 - RELAX_HR * progress;
		rmssd *= 1.0 + RELAX_RMSSD * progress;
	}

	double mean = 60000.0 / hr;
	double beat_s = mean / 1000.0;
	double msd = rmssd * rmssd;
	double f_br = p->breath_bpm / 60.0;
	double share_rsa = SHARE_RSA, share_lf = SHARE_LF;
	/*
	 * Breathing near 0.1 Hz (6/min) locks the two rhythms together
	 * (resonance breathing); two sines at one frequency would add or
	 * cancel by their phase, so the breathing wave takes it all.
	 */
	if (fabs(f_br - LF_HZ) < 0.03) {
		share_rsa += share_lf;
		share_lf = 0;
	}
	double a = sine_amplitude(share_rsa * msd, f_br, beat_s);
	double b = sine_amplitude(share_lf * msd, LF_HZ, beat_s);
	double sd = sqrt(SHARE_NOISE * msd / 2.0);

	double rr = mean + a * sin(2.0 * PI * f_br * t_s) +
		    b * sin(2.0 * PI * LF_HZ * t_s + m->lf_phase) +
		    sd * gaussian(m);
	if (rr < RR_MIN_MS)
		rr = RR_MIN_MS;
	if (rr > RR_MAX_MS)
		rr = RR_MAX_MS;
	m->t_ms += rr;
	return rr;
}
