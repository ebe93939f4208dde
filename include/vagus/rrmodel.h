/* SPDX-License-Identifier: MIT */
/*
 * A physiological RR model for the simulated strap and for tests: beats
 * around a mean heart rate, modulated by respiratory sinus arrhythmia at
 * the breathing rate and a small 0.1 Hz (baroreflex, LF) wave, plus white
 * noise, with an optional relaxation trend (heart rate falling, RMSSD
 * rising) over the session.
 *
 *   RR(t) = 60000 / HR(t) + A(t) sin(2 pi f_br t) + B(t) sin(2 pi 0.1 t)
 *           + N(0, s(t)^2)                                  [ms]
 *
 * A, B and s are set so that the expected RMSSD equals the target: with
 * beats T apart a sine of amplitude a contributes 2 a^2 sin^2(pi f T) to
 * the mean squared successive difference and white noise 2 s^2. The
 * breathing wave carries 75 % of it, the LF wave 10 %, noise 15 %
 * (breathing within 0.03 Hz of 0.1 Hz takes the LF share too).
 *
 * Relaxation: with progress p(t) = 1 - exp(-t / tau), tau a third of the
 * duration (5 min when unbounded), HR(t) = HR (1 - 0.10 p) and
 * RMSSD(t) = RMSSD (1 + 0.40 p): a 10 % slower heart and 40 % more
 * RMSSD by the end, the size of change a calm rest can bring.
 *
 * Pure and deterministic: the same seed gives the same beats.
 */
#ifndef VAGUS_RRMODEL_H
#define VAGUS_RRMODEL_H

#include <stdbool.h>
#include <stdint.h>

struct vg_rrmodel_params {
	double hr_bpm;	   /* mean heart rate at the start, 30-220 */
	double rmssd_ms;   /* RMSSD at the start, 0-300 */
	double breath_bpm; /* breaths per minute, 3-40 */
	bool relax;	   /* apply the relaxation trend */
	double duration_s; /* session length, for the trend; <= 0: none */
	uint64_t seed;
};

struct vg_rrmodel {
	struct vg_rrmodel_params p;
	uint64_t rng;
	double t_ms; /* time of the last beat */
	double lf_phase;
};

/* Fills @p with a resting adult: 65 bpm, RMSSD 40 ms, 12 breaths/min. */
void vg_rrmodel_defaults(struct vg_rrmodel_params *p);

/*
 * Starts the model. Returns 0, or -EINVAL for parameters outside the
 * ranges above (the message for the user comes from the caller).
 */
int vg_rrmodel_init(struct vg_rrmodel *m, const struct vg_rrmodel_params *p);

/* The next RR interval in ms (within 250-2500), advancing the time. */
double vg_rrmodel_next(struct vg_rrmodel *m);

#endif
