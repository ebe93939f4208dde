/* SPDX-License-Identifier: MIT */
/*
 * The per-notification path, the daemon's hot loop:
 *
 *   0x2A37 value -> decode -> beat clock -> causal artifact flags ->
 *   live HR/RMSSD -> session journal (or pre-roll) -> watch lines
 *
 * Everything it touches is in struct strap, sized at start-up: the
 * decoded value, the beat and decision arrays, the line buffer. The
 * journal's pending buffer grows only until it fits one loop iteration's
 * records, so in steady state nothing is allocated per notification.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "daemon/daemon.h"
#include "vagus/json.h"
#include "vagus/record.h"

void pipeline_reset(struct strap *s)
{
	vg_beatclock_init(&s->clock);
	vg_artlive_init(&s->art);
	vg_live_init(&s->live, VG_LIVE_WINDOW_S);
	s->contact = -1;
	s->worn_units = 0;
	s->last_hr = s->last_rmssd = s->last_rr_ms = NAN;
}

/*
 * One watch object per decided beat:
 *   {"t_s":..,"hr_bpm":..,"rr_ms":..,"rmssd_ms":..,"artifact":..,
 *    "contact":true|false|null,"strap":".."}
 * t_s is the beat's time in seconds on the beat clock (cumulative RR)
 * since the strap's link first came up: it only rises, across sessions
 * and link drops, so a watcher can plot one stream.
 */
static void emit_line(struct strap *s, const struct vg_beat *b)
{
	struct vg_json j;

	vg_json_init(&j, s->line, sizeof(s->line), 0);
	vg_json_begin_object(&j);
	vg_json_key_num(&j, "t_s", (double)b->t / 1024.0);
	vg_json_key_num(&j, "hr_bpm", s->last_hr);
	vg_json_key_num(&j, "rr_ms", s->last_rr_ms);
	vg_json_key_num(&j, "rmssd_ms", s->last_rmssd);
	vg_json_key_bool(&j, "artifact", (b->flags & VG_BEAT_ARTIFACT) != 0);
	if (s->contact == VG_CONTACT_OK)
		vg_json_key_bool(&j, "contact", true);
	else if (s->contact == VG_CONTACT_LOST)
		vg_json_key_bool(&j, "contact", false);
	else
		vg_json_key_null(&j, "contact");
	vg_json_key_str(&j, "strap", s->name);
	vg_json_end_object(&j);
	if (vg_json_error(&j))
		return;
	s->d->watch(s->d->watch_arg, s, false, s->line);
}

/* Beats the artifact stage has decided: into the live window, out. */
static void take_decisions(struct strap *s, size_t k)
{
	for (size_t i = 0; i < k; i++) {
		const struct vg_artlive_decision *dc = &s->dec[i];
		for (unsigned m = 0; m < dc->n; m++) {
			const struct vg_beat *b = &dc->beat[m];
			vg_live_push(&s->live, b);
			s->last_hr = vg_live_hr_bpm(&s->live);
			s->last_rmssd = vg_live_rmssd_ms(&s->live);
			s->last_rr_ms = vg_rr1024_to_ms(b->rr);
			if (s->d->watch && s->d->watchers)
				emit_line(s, b);
		}
	}
}

void pipeline_gap(struct strap *s)
{
	vg_beatclock_mark_gap(&s->clock);
	take_decisions(s, vg_artlive_flush(&s->art, s->dec));
	/* A new worn run begins after the gap. */
	s->worn_units = 0;
	s->auto_armed = true;
	if (!s->sess)
		preroll_clear(&s->pre);
}

/* Whether the strap has streamed --auto-start seconds of worn beats. */
static bool auto_start_due(const struct strap *s)
{
	double need = s->d->o->auto_start_s;

	return !s->sess && s->auto_armed && need > 0 &&
	       (double)s->worn_units >= need * 1024.0;
}

int pipeline_notify(struct strap *s, const uint8_t *v, size_t len, int64_t now)
{
	struct vg_hrm *m = &s->hrm;
	int64_t wall = vgd_wall(s->d, now);
	int rc = vg_hrs_decode_measurement(v, len, m);
	size_t n;

	if (rc < 0) {
		s->malformed++;
		return rc;
	}
	s->notifications++;
	if (m->contact == VG_CONTACT_LOST && s->contact != VG_CONTACT_LOST) {
		/* Taken off, or dry: whatever follows is a new run. */
		log_info("%s: no skin contact: wet the electrodes and tighten "
			 "the strap",
			 s->name);
		pipeline_gap(s);
	}
	s->contact = (int)m->contact;
	if (s->sess) {
		s->sess->notifications++;
		session_record(s, VG_REC_NOTIFY, now, v, len);
	} else if (m->contact != VG_CONTACT_LOST) {
		preroll_push(&s->pre, wall, v, len);
	}

	n = vg_beatclock_push(&s->clock, now, m->rr, m->rr_count, s->beats);
	for (size_t i = 0; i < n; i++) {
		const struct vg_beat *b = &s->beats[i];
		if (m->contact != VG_CONTACT_LOST) {
			s->worn_units += b->rr;
			s->last_beat = now;
		}
		take_decisions(s, vg_artlive_push(&s->art, b, s->dec));
	}
	s->beats_total += n;
	if (s->sess)
		s->sess->beats += n;
	if (auto_start_due(s)) {
		char err[256];
		if (session_start(s, false, NULL, NULL, now, err, sizeof(err)) <
		    0) {
			log_warnx("%s: cannot start a session: %s", s->name,
				  err);
			/* Not again for every beat: after the next gap. */
			s->auto_armed = false;
		}
	}
	return 0;
}
