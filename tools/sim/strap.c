/* SPDX-License-Identifier: MIT */
/*
 * The simulated strap's behaviour: its GATT database, the beats it
 * "measures" (a recording or the model, with injected artifacts), and the
 * Heart Rate Measurement notifications it packs them into.
 *
 * Timing is a session clock in ms that starts at the first subscription.
 * Like a Polar or Garmin strap, it notifies about once a second with the
 * beats that ended since the last notification: zero, one or several RR
 * values, some of them up to a second old. Beats never wait for the link:
 * those due while nobody listens are lost, as on a real strap.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "sim.h"

#define TICK_MS 1000.0
/* A resting adult burns roughly 5 kJ a minute. */
#define KJ_PER_S 0.084
/* Battery drains 1 % per 20 minutes of session. */
#define BATTERY_S_PER_PCT 1200.0
#define FLOOD_COPIES 9
#define MALFORMED_KINDS 5

static const char MANUFACTURER[] = "Vagus Simulated Straps";
static const char MODEL[] = "VG-SIM-1";
static const char FIRMWARE[] = "1.4.2";
static const char DEVICE_NAME[] = "vagus-sim";

static int add(struct vg_atts *db, uint16_t uuid, uint8_t props,
	       const void *val, size_t len)
{
	return vg_atts_add_char(db, uuid, props, val, len);
}

/*
 * The database a typical strap has: GAP and GATT services first (clients
 * must skip them), then Heart Rate, Battery and Device Information.
 */
static int build_db(struct strap *s)
{
	const struct sim_opts *o = s->o;
	const uint8_t appearance[2] = {0x41, 0x03}; /* 0x0341 HR belt */
	struct vg_atts *db = s->db;
	int h;

	if (vg_atts_add_service(db, 0x1800) < 0 ||
	    add(db, 0x2a00, VG_ATTS_PROP_READ, DEVICE_NAME,
		strlen(DEVICE_NAME)) < 0 ||
	    add(db, 0x2a01, VG_ATTS_PROP_READ, appearance, 2) < 0)
		return -ENOSPC;
	if (vg_atts_add_service(db, 0x1801) < 0 ||
	    add(db, 0x2a05, VG_ATTS_PROP_INDICATE, NULL, 0) < 0)
		return -ENOSPC;
	if (!o->no_hrs) {
		if (vg_atts_add_service(db, VG_UUID_HEART_RATE_SERVICE) < 0)
			return -ENOSPC;
		h = add(db, VG_UUID_HR_MEASUREMENT, VG_ATTS_PROP_NOTIFY, NULL,
			0);
		if (h < 0 || add(db, VG_UUID_BODY_SENSOR_LOCATION,
				 VG_ATTS_PROP_READ, &o->location, 1) < 0)
			return -ENOSPC;
		s->h_hrm = (uint16_t)h;
		if (add(db, VG_UUID_HR_CONTROL_POINT, VG_ATTS_PROP_WRITE, NULL,
			0) < 0)
			return -ENOSPC;
	}
	if (!o->no_battery) {
		if (vg_atts_add_service(db, VG_UUID_BATTERY_SERVICE) < 0)
			return -ENOSPC;
		h = add(db, VG_UUID_BATTERY_LEVEL,
			VG_ATTS_PROP_READ | VG_ATTS_PROP_NOTIFY, &o->battery,
			1);
		if (h < 0)
			return -ENOSPC;
		s->h_battery = (uint16_t)h;
	}
	if (!o->no_devinfo) {
		if (vg_atts_add_service(db, VG_UUID_DEVICE_INFO_SERVICE) < 0 ||
		    add(db, VG_UUID_MANUFACTURER_NAME, VG_ATTS_PROP_READ,
			MANUFACTURER, strlen(MANUFACTURER)) < 0 ||
		    add(db, VG_UUID_MODEL_NUMBER, VG_ATTS_PROP_READ, MODEL,
			strlen(MODEL)) < 0 ||
		    add(db, VG_UUID_FIRMWARE_REVISION, VG_ATTS_PROP_READ,
			FIRMWARE, strlen(FIRMWARE)) < 0)
			return -ENOSPC;
	}
	if (o->mtu_lie >= 0)
		vg_atts_set_mtu_lie(db, (uint16_t)o->mtu_lie);
	vg_atts_require_encryption(db, o->secure);
	return 0;
}

int strap_init(struct strap *s, const struct sim_opts *o, const double *rec_ms,
	       const double *rec_t, size_t n)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->o = o;
	s->db = vg_atts_new();
	if (!s->db)
		return -ENOMEM;
	rc = build_db(s);
	if (rc < 0)
		return rc;
	s->rec_ms = rec_ms;
	s->rec_t = rec_t;
	s->rec_n = n;
	if (rec_ms && n)
		s->rec_t0 = rec_t[0] - rec_ms[0];
	if (!rec_ms) {
		rc = vg_rrmodel_init(&s->model, &o->mp);
		if (rc < 0)
			return rc;
	}
	/* A different stream from the model's, from the same --seed. */
	s->rng = o->seed ^ 0x5eed5eed5eed5eedull;
	s->next_tick = TICK_MS;
	s->battery = o->battery;
	return 0;
}

void strap_free(struct strap *s)
{
	vg_atts_free(s->db);
	s->db = NULL;
}

static double uniform(struct strap *s)
{
	uint64_t z = (s->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0;
}

/* The next beat of the source, end time in session ms. */
static bool raw_next(struct strap *s, double *rr, double *end)
{
	if (s->source_done)
		return false;
	if (s->rec_ms) {
		if (s->rec_i >= s->rec_n) {
			if (!s->o->loop || s->rec_n == 0) {
				s->source_done = true;
				return false;
			}
			/* The next lap starts where this one ended. */
			s->lap_ms += s->rec_t[s->rec_n - 1] - s->rec_t0;
			s->rec_i = 0;
		}
		*rr = s->rec_ms[s->rec_i];
		*end = s->lap_ms + s->rec_t[s->rec_i] - s->rec_t0;
		s->rec_i++;
		return true;
	}
	double dur_ms = s->o->mp.duration_s * 1000.0;
	if (dur_ms > 0 && s->model.t_ms >= dur_ms) {
		if (!s->o->loop) {
			s->source_done = true;
			return false;
		}
		s->lap_ms += s->model.t_ms;
		vg_rrmodel_init(&s->model, &s->o->mp);
	}
	*rr = vg_rrmodel_next(&s->model);
	*end = s->lap_ms + s->model.t_ms;
	return true;
}

/*
 * The next beat as the strap detects it. A missed beat merges two
 * intervals into one; an extra (false) detection splits one in two at a
 * random point: the two artifact kinds of Lipponen & Tarvainen.
 */
static bool take_beat(struct strap *s, double *rr, double *end)
{
	double u;

	if (s->have_split) {
		s->have_split = false;
		*rr = s->split_rr;
		*end = s->split_end;
		return true;
	}
	if (!raw_next(s, rr, end))
		return false;
	if (s->o->p_missed <= 0 && s->o->p_extra <= 0)
		return true;
	u = uniform(s);
	if (u < s->o->p_missed) {
		double rr2, end2;
		if (raw_next(s, &rr2, &end2)) {
			*rr += rr2;
			*end = end2;
		}
	} else if (u < s->o->p_missed + s->o->p_extra) {
		double f = 0.35 + 0.3 * uniform(s);
		s->split_rr = *rr * (1 - f);
		s->split_end = *end;
		s->have_split = true;
		*rr *= f;
		*end -= s->split_rr;
	}
	return true;
}

static bool peek(struct strap *s)
{
	if (!s->have_next)
		s->have_next = take_beat(s, &s->next_rr, &s->next_end);
	return s->have_next;
}

bool strap_finished(const struct strap *s)
{
	return s->source_done && !s->have_next && !s->have_split;
}

double strap_next_due(const struct strap *s)
{
	if (strap_finished(s))
		return -1;
	if (s->o->flood)
		return 0;
	return s->next_tick;
}

static bool in_windows(const struct sim_window *w, size_t n, double ms)
{
	for (size_t i = 0; i < n; i++)
		if (ms >= w[i].from_s * 1000.0 && ms < w[i].to_s * 1000.0)
			return true;
	return false;
}

/* RR values a measurement with this header can carry within the MTU. */
static size_t rr_room(const struct strap *s, bool hr16)
{
	size_t value = (size_t)vg_atts_mtu(s->db) - 3;
	size_t head = 1 + (hr16 ? 2 : 1) + (s->o->energy ? 2 : 0);
	size_t n = (value - head) / 2;

	return n < VG_HRM_RR_MAX ? n : VG_HRM_RR_MAX;
}

static void put(struct strap *s, struct sim_pdu *p, uint16_t h,
		const uint8_t *value, size_t len)
{
	int n = vg_atts_notification(s->db, h, value, len, p->b, sizeof(p->b));

	p->len = n > 0 ? (uint16_t)n : 0;
}

/*
 * A measurement value that no decoder may accept, one of five kinds in
 * turn: empty; flags only; uint16 HR flag with one HR byte; energy and
 * RR flags with one byte after the HR; an RR list with an odd byte.
 */
static void malformed(struct strap *s, struct sim_pdu *p, uint8_t flags,
		      uint8_t hr)
{
	uint8_t v[8];
	size_t n = 0;

	switch ((s->sent / s->o->malformed_every) % MALFORMED_KINDS) {
	case 0:
		break;
	case 1:
		v[n++] = flags;
		break;
	case 2:
		v[n++] = flags | 0x01;
		v[n++] = hr;
		break;
	case 3:
		v[n++] = flags | 0x18;
		v[n++] = hr;
		v[n++] = 0x05;
		break;
	default:
		v[n++] = flags | 0x10;
		v[n++] = hr;
		v[n++] = 0x00;
		v[n++] = 0x04;
		v[n++] = 0x01;
		break;
	}
	put(s, p, s->h_hrm, v, n);
}

static void update_battery(struct strap *s, double tick_ms, bool connected,
			   struct sim_pdu *out, size_t *count, size_t cap)
{
	double drained = floor(tick_ms / 1000.0 / BATTERY_S_PER_PCT);
	uint8_t level =
	    (uint8_t)(s->o->battery > drained + 1 ? s->o->battery - drained
						  : 1);

	if (!s->h_battery || level == s->battery)
		return;
	s->battery = level;
	vg_atts_set_value(s->db, s->h_battery, &level, 1);
	if (connected && vg_atts_notifying(s->db, s->h_battery) && *count < cap)
		put(s, &out[(*count)++], s->h_battery, &level, 1);
}

size_t strap_tick(struct strap *s, double now_ms, bool connected,
		  struct sim_pdu *out, size_t cap, bool *drop)
{
	const struct sim_opts *o = s->o;
	size_t count = 0;
	/* Room for a measurement, a malformed one, flood copies, battery. */
	const size_t need = 3 + (o->flood ? FLOOD_COPIES : 0);

	*drop = false;
	if (!s->h_hrm)
		return 0;
	while (count + need <= cap && !strap_finished(s)) {
		double tick;
		if (o->flood) {
			/* One notification per beat, as fast as we can. */
			if (!peek(s))
				break;
			tick = s->next_end;
		} else {
			tick = s->next_tick;
			if (tick > now_ms)
				break;
		}
		if (s->drops_done < o->ndrops &&
		    o->drop_at[s->drops_done] * 1000.0 <= tick) {
			s->drops_done++;
			if (connected) {
				*drop = true;
				break;
			}
			continue;
		}

		bool listening = connected && strap_listening(s) &&
				 !(o->silent_after_s >= 0 &&
				   tick >= o->silent_after_s * 1000.0);
		/* Unpaced, beats would all be lost at once: wait instead. */
		if (o->flood && !listening)
			break;
		bool no_contact =
		    in_windows(o->contact_lost, o->ncontact_lost, tick);
		struct vg_hrm m;
		memset(&m, 0, sizeof(m));
		m.hr_uint16 = o->hr16;
		m.contact = o->contact_unsupported ? VG_CONTACT_UNSUPPORTED
			    : no_contact	   ? VG_CONTACT_LOST
						   : VG_CONTACT_OK;
		size_t room = o->flood ? 1 : rr_room(s, o->hr16);
		double sum = 0;
		bool more = false;

		while (peek(s) && s->next_end <= tick) {
			if (m.rr_count == room) {
				more = true;
				break;
			}
			s->have_next = false;
			s->last_end = s->next_end;
			int32_t v = vg_ms_to_rr1024(s->next_rr);
			if (v < 0 ||
			    in_windows(o->contact_lost, o->ncontact_lost,
				       s->next_end)) {
				/* Unencodable (> 64 s) or skin not touched. */
				s->beats_skipped++;
				continue;
			}
			if (!listening) {
				s->beats_lost++;
				continue;
			}
			m.rr[m.rr_count++] = (uint16_t)v;
			sum += s->next_rr;
		}
		if (m.rr_count) {
			double hr = 60000.0 * m.rr_count / sum;
			s->last_hr = (uint16_t)(hr > 65535 ? 65535 : hr + 0.5);
		}
		m.has_rr = m.rr_count > 0;
		m.hr_bpm = no_contact ? 0 : s->last_hr;
		if (o->energy) {
			double kj =
			    (tick / 1000.0 - s->energy_base_s) * KJ_PER_S;
			m.has_energy = true;
			m.energy_kj = (uint16_t)(kj > 65535 ? 65535 : kj);
		}
		if (!more && !o->flood)
			s->next_tick += TICK_MS;
		update_battery(s, tick, connected, out, &count, cap);
		if (!listening)
			continue;

		uint8_t flags = (uint8_t)(m.contact == VG_CONTACT_UNSUPPORTED
					      ? 0
					      : m.contact << 1);
		if (o->malformed_every &&
		    s->sent % o->malformed_every == o->malformed_every - 1)
			malformed(s, &out[count++], flags,
				  (uint8_t)(m.hr_bpm & 0xff));
		uint8_t value[VG_HRM_VALUE_MAX];
		int len = vg_hrs_encode_measurement(&m, value, sizeof(value));
		if (len < 0)
			continue;
		put(s, &out[count++], s->h_hrm, value, (size_t)len);
		s->sent++;
		s->beats_sent += m.rr_count;
		for (int i = 0; o->flood && i < FLOOD_COPIES; i++) {
			uint8_t copy[3] = {flags, (uint8_t)m.hr_bpm};
			put(s, &out[count++], s->h_hrm, copy, 2);
		}
	}
	return count;
}

bool strap_listening(const struct strap *s)
{
	return s->h_hrm && vg_atts_notifying(s->db, s->h_hrm);
}

void strap_reset_energy(struct strap *s, double now_ms)
{
	s->energy_base_s = now_ms / 1000.0;
}
