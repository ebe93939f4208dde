/* SPDX-License-Identifier: MIT */
/*
 * Heart Rate profile client: GATT discovery (Core spec 5.3 Vol 3 Part G
 * 4.4.1 primary services, 4.6.1 characteristics, 4.7.1 descriptors), reads
 * (4.8.1), CCCD writes (4.9.3, 4.12.3) and notifications (4.10), as one
 * state machine over the ATT client. Each step issues one request and
 * waits for its answer; ATT keeps the order and the 30 s timer.
 *
 * Discovery procedures run page by page: the next request starts one past
 * the last handle the server returned, and a procedure ends when that
 * passes the end of its range or the server answers Attribute Not Found.
 * Each page must move forward inside the range asked for; a server that
 * goes backwards or outside would loop us forever, so it loses the link.
 */
#include "vagus/hrp.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum step {
	ST_IDLE,
	ST_SERVICES,  /* Read By Group Type over 0x0001-0xFFFF */
	ST_CHARS,     /* Read By Type 0x2803 in svc[idx] */
	ST_DESCS,     /* Find Information for desc_target(idx) */
	ST_READS,     /* Read Request for read_item(idx) */
	ST_SUBSCRIBE, /* Write Request to the CCCD of sub_target(idx) */
	ST_READY,
	ST_CLOSED,
};

/* Services whose characteristics we discover, in this order. */
enum { SVC_HRS, SVC_BAS, SVC_DIS, SVC_N };

enum { READ_BSL, READ_BATTERY, READ_MANUF, READ_MODEL, READ_FW, READ_N };

struct vg_hrp {
	struct vg_att *att;
	struct vg_hrp_info info;
	enum step step;
	bool ready;	    /* READY was emitted */
	unsigned idx;	    /* service slot, descriptor target, read item... */
	uint32_t next;	    /* first handle of the next page; 32 bits so that
			      one past 0xFFFF does not wrap to 0 */
	uint16_t range_end; /* last handle of the running procedure */
	bool have_svc[SVC_N];
	struct vg_gatt_service svc[SVC_N];
	/* Characteristic whose end waits for the next declaration. */
	struct vg_hrp_char *pending;
	struct vg_hrp_event events[VG_HRP_EVENTS_MAX]; /* ring */
	unsigned ev_head, ev_len;
};

struct vg_hrp *vg_hrp_new(uint16_t mtu_offer)
{
	struct vg_hrp *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->att = vg_att_new(mtu_offer);
	if (!h->att) {
		free(h);
		return NULL;
	}
	h->info.mtu = vg_att_mtu(h->att);
	return h;
}

void vg_hrp_free(struct vg_hrp *h)
{
	if (!h)
		return;
	vg_att_free(h->att);
	free(h);
}

/*
 * A zeroed event slot of @type, or NULL when the caller has left the ring
 * full (counted). A close or a security request always gets in: it
 * replaces the newest event.
 */
static struct vg_hrp_event *push_event(struct vg_hrp *h,
				       enum vg_hrp_event_type type)
{
	struct vg_hrp_event *e;

	if (h->ev_len >= VG_HRP_EVENTS_MAX) {
		h->info.events_dropped++;
		/* Without these two the caller would wait forever. */
		if (type != VG_HRP_EV_CLOSED && type != VG_HRP_EV_SECURITY)
			return NULL;
		h->ev_len--;
	}
	e = &h->events[(h->ev_head + h->ev_len) % VG_HRP_EVENTS_MAX];
	h->ev_len++;
	memset(e, 0, sizeof(*e));
	e->type = type;
	return e;
}

bool vg_hrp_next_event(struct vg_hrp *h, struct vg_hrp_event *ev)
{
	if (h->ev_len == 0)
		return false;
	*ev = h->events[h->ev_head];
	h->ev_head = (h->ev_head + 1) % VG_HRP_EVENTS_MAX;
	h->ev_len--;
	return true;
}

static void fatal(struct vg_hrp *h, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Ends the link for a profile-level reason. */
static void fatal(struct vg_hrp *h, int err, const char *fmt, ...)
{
	struct vg_hrp_event *e;
	char text[VG_HRP_TEXT_MAX];
	va_list ap;

	if (h->step == ST_CLOSED)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	vg_att_close(h->att, err, text);
	h->step = ST_CLOSED;
	e = push_event(h, VG_HRP_EV_CLOSED);
	e->err = vg_att_close_error(h->att);
	snprintf(e->text, sizeof(e->text), "%s", vg_att_close_reason(h->att));
}

static void warn(struct vg_hrp *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void warn(struct vg_hrp *h, const char *fmt, ...)
{
	struct vg_hrp_event *e = push_event(h, VG_HRP_EV_WARNING);
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
}

/* "<what>: Insufficient Authentication (0x05) at handle 0x0010, ..." */
static void describe_error(char *buf, size_t cap, const char *what,
			   const struct vg_att_event *ev)
{
	const char *tail = "";
	char why[96] = "";

	if (ev->security_err) {
		snprintf(why, sizeof(why), "; raising link security failed: %s",
			 strerror(-ev->security_err));
		tail = why;
	} else if (ev->retried) {
		tail = ", even after raising link security";
	}
	snprintf(buf, cap, "%s: %s (0x%02x) at handle 0x%04x%s", what,
		 vg_att_ecode_name(ev->ecode), ev->ecode, ev->handle, tail);
}

static void fatal_att_error(struct vg_hrp *h, const char *what,
			    const struct vg_att_event *ev)
{
	char text[VG_HRP_TEXT_MAX];

	describe_error(text, sizeof(text), what, ev);
	fatal(h, -EPROTO, "%s", text);
}

static void warn_att_error(struct vg_hrp *h, const char *what,
			   const struct vg_att_event *ev)
{
	char text[VG_HRP_TEXT_MAX];

	describe_error(text, sizeof(text), what, ev);
	warn(h, "%s", text);
}

/* Queuing can only fail on our own bug or a link already closing. */
static void queued(struct vg_hrp *h, int rc, const char *what)
{
	if (rc < 0)
		fatal(h, rc, "cannot send %s: %s", what, strerror(-rc));
}

static const char *const svc_names[SVC_N] = {
    "Heart Rate Service (0x180d)",
    "Battery Service (0x180f)",
    "Device Information Service (0x180a)",
};

/* The characteristic slot for @uuid inside service slot @svc, or NULL. */
static struct vg_hrp_char *wanted_char(struct vg_hrp *h, unsigned svc,
				       const struct vg_uuid *uuid)
{
	uint16_t u;

	if (!vg_uuid_to16(uuid, &u))
		return NULL;
	switch (svc) {
	case SVC_HRS:
		if (u == VG_UUID_HR_MEASUREMENT)
			return &h->info.hrm;
		if (u == VG_UUID_BODY_SENSOR_LOCATION)
			return &h->info.body_location;
		if (u == VG_UUID_HR_CONTROL_POINT)
			return &h->info.control_point;
		return NULL;
	case SVC_BAS:
		return u == VG_UUID_BATTERY_LEVEL ? &h->info.battery : NULL;
	case SVC_DIS:
		if (u == VG_UUID_MANUFACTURER_NAME)
			return &h->info.manufacturer;
		if (u == VG_UUID_MODEL_NUMBER)
			return &h->info.model;
		if (u == VG_UUID_FIRMWARE_REVISION)
			return &h->info.firmware;
		return NULL;
	default:
		return NULL;
	}
}

static bool can_notify(const struct vg_hrp_char *c)
{
	return c->props & (VG_GATT_PROP_NOTIFY | VG_GATT_PROP_INDICATE);
}

/* Descriptor discovery: 0 the measurement, 1 the battery level. */
static struct vg_hrp_char *desc_target(struct vg_hrp *h, unsigned idx)
{
	if (idx == 0)
		return &h->info.hrm;
	if (idx == 1 && h->info.battery.found && can_notify(&h->info.battery))
		return &h->info.battery;
	return NULL;
}

static struct vg_hrp_char *read_item(struct vg_hrp *h, unsigned idx,
				     const char **name)
{
	static const char *const names[READ_N] = {
	    "Body Sensor Location (0x2a38)", "Battery Level (0x2a19)",
	    "Manufacturer Name (0x2a29)",    "Model Number (0x2a24)",
	    "Firmware Revision (0x2a26)",
	};
	struct vg_hrp_char *items[READ_N] = {
	    &h->info.body_location, &h->info.battery,  &h->info.manufacturer,
	    &h->info.model,	    &h->info.firmware,
	};

	if (idx >= READ_N)
		return NULL;
	*name = names[idx];
	return items[idx];
}

/* Subscriptions: 0 the battery level (optional), 1 the measurement. */
static struct vg_hrp_char *sub_target(struct vg_hrp *h, unsigned idx)
{
	if (idx == 0 && h->info.battery.found && can_notify(&h->info.battery) &&
	    h->info.battery.cccd)
		return &h->info.battery;
	if (idx == 1)
		return &h->info.hrm;
	return NULL;
}

static void chars_next_service(struct vg_hrp *h, int64_t now);
static void descs_next_target(struct vg_hrp *h, int64_t now);
static void reads_next(struct vg_hrp *h, int64_t now);
static void subs_next(struct vg_hrp *h, int64_t now);

int vg_hrp_start(struct vg_hrp *h, int64_t now)
{
	int rc;

	if (vg_att_closed(h->att))
		return -ENOTCONN;
	if (h->step != ST_IDLE)
		return -EALREADY;
	h->step = ST_SERVICES;
	h->next = 0x0001;
	/* ATT holds the discovery request until the MTU is answered. */
	rc = vg_att_exchange_mtu(h->att, now);
	if (rc == 0)
		rc = vg_att_read_by_group_type(h->att, now, 0x0001, 0xffff,
					       VG_GATT_UUID_PRIMARY);
	queued(h, rc, "primary service discovery");
	return rc;
}

static void services_done(struct vg_hrp *h, int64_t now)
{
	if (!h->have_svc[SVC_HRS]) {
		fatal(h, -ENOENT,
		      "no Heart Rate Service (0x180d) on this "
		      "device: not a heart-rate strap");
		return;
	}
	h->step = ST_CHARS;
	h->idx = 0;
	chars_next_service(h, now);
}

static void record_service(struct vg_hrp *h, const struct vg_gatt_service *s)
{
	static const uint16_t slots[SVC_N] = {
	    VG_UUID_HEART_RATE_SERVICE,
	    VG_UUID_BATTERY_SERVICE,
	    VG_UUID_DEVICE_INFO_SERVICE,
	};

	if (h->info.n_services < VG_HRP_SERVICES_MAX)
		h->info.services[h->info.n_services++] = *s;
	else
		h->info.services_truncated = true;
	for (unsigned i = 0; i < SVC_N; i++)
		if (!h->have_svc[i] && vg_uuid_is16(&s->uuid, slots[i])) {
			h->have_svc[i] = true;
			h->svc[i] = *s;
		}
}

/* Read By Group Type Response: one page of primary services. */
static void on_services(struct vg_hrp *h, int64_t now,
			const struct vg_att_event *ev)
{
	struct vg_gatt_iter it;
	struct vg_gatt_service s;
	uint32_t lower = h->next;
	uint32_t last = 0;

	if (ev->type == VG_ATT_EV_ERROR) {
		if (ev->ecode == VG_ATT_E_ATTR_NOT_FOUND)
			services_done(h, now);
		else
			fatal_att_error(h, "primary service discovery failed",
					ev);
		return;
	}
	if (vg_gatt_iter_services(&it, ev->data, ev->len)) {
		fatal(h, -EBADMSG,
		      "malformed Read By Group Type Response "
		      "(entry length %u, %zu bytes)",
		      ev->len ? ev->data[0] : 0, ev->len);
		return;
	}
	while (vg_gatt_next_service(&it, &s)) {
		if (s.start < lower || s.end < s.start) {
			fatal(h, -EPROTO,
			      "service 0x%04x-0x%04x out of order or outside "
			      "0x%04x-0xffff",
			      s.start, s.end, (unsigned)lower);
			return;
		}
		record_service(h, &s);
		lower = (uint32_t)s.end + 1;
		last = s.end;
	}
	if (last >= 0xffff) {
		services_done(h, now);
		return;
	}
	h->next = last + 1;
	queued(h,
	       vg_att_read_by_group_type(h->att, now, (uint16_t)h->next, 0xffff,
					 VG_GATT_UUID_PRIMARY),
	       "primary service discovery");
}

static void chars_done(struct vg_hrp *h, int64_t now)
{
	if (!h->info.hrm.found) {
		fatal(h, -ENOENT,
		      "the Heart Rate Service (0x%04x-0x%04x) has no Heart "
		      "Rate Measurement characteristic (0x2a37)",
		      h->svc[SVC_HRS].start, h->svc[SVC_HRS].end);
		return;
	}
	h->step = ST_DESCS;
	h->idx = 0;
	descs_next_target(h, now);
}

/* Starts characteristic discovery in the next service we know. */
static void chars_next_service(struct vg_hrp *h, int64_t now)
{
	const struct vg_gatt_service *svc;

	while (h->idx < SVC_N && !h->have_svc[h->idx])
		h->idx++;
	if (h->idx >= SVC_N) {
		chars_done(h, now);
		return;
	}
	svc = &h->svc[h->idx];
	h->pending = NULL;
	h->next = svc->start;
	h->range_end = svc->end;
	queued(h,
	       vg_att_read_by_type(h->att, now, svc->start, svc->end,
				   VG_GATT_UUID_CHARACTERISTIC),
	       "characteristic discovery");
}

static void chars_service_done(struct vg_hrp *h, int64_t now)
{
	h->pending = NULL;
	h->idx++;
	chars_next_service(h, now);
}

/* Read By Type Response for 0x2803: one page of declarations. */
static void on_chars(struct vg_hrp *h, int64_t now,
		     const struct vg_att_event *ev)
{
	const struct vg_gatt_service *svc = &h->svc[h->idx];
	struct vg_gatt_iter it;
	struct vg_gatt_char c;
	uint32_t lower = h->next;
	uint32_t last = 0;
	char what[96];

	if (ev->type == VG_ATT_EV_ERROR) {
		if (ev->ecode == VG_ATT_E_ATTR_NOT_FOUND) {
			chars_service_done(h, now);
			return;
		}
		snprintf(what, sizeof(what),
			 "characteristic discovery in the %s failed",
			 svc_names[h->idx]);
		if (h->idx == SVC_HRS) {
			fatal_att_error(h, what, ev);
			return;
		}
		warn_att_error(h, what, ev);
		chars_service_done(h, now);
		return;
	}
	if (vg_gatt_iter_chars(&it, ev->data, ev->len)) {
		fatal(h, -EBADMSG,
		      "malformed characteristic list (entry length %u, %zu "
		      "bytes)",
		      ev->len ? ev->data[0] : 0, ev->len);
		return;
	}
	while (vg_gatt_next_char(&it, &c)) {
		struct vg_hrp_char *want;

		/* The value follows its declaration (Part G 3.3.2). */
		if (c.decl < lower || c.decl > svc->end || c.value <= c.decl ||
		    c.value > svc->end) {
			fatal(h, -EPROTO,
			      "characteristic at 0x%04x (value 0x%04x) out of "
			      "order or outside its service 0x%04x-0x%04x",
			      c.decl, c.value, svc->start, svc->end);
			return;
		}
		if (h->pending) {
			h->pending->end = (uint16_t)(c.decl - 1);
			h->pending = NULL;
		}
		want = wanted_char(h, h->idx, &c.uuid);
		if (want && !want->found) {
			want->found = true;
			want->decl = c.decl;
			want->value = c.value;
			want->props = c.props;
			want->end = svc->end; /* until a later declaration */
			h->pending = want;
		}
		lower = (uint32_t)c.value + 1;
		last = c.decl;
	}
	if (last >= svc->end) {
		chars_service_done(h, now);
		return;
	}
	h->next = last + 1;
	queued(h,
	       vg_att_read_by_type(h->att, now, (uint16_t)h->next, svc->end,
				   VG_GATT_UUID_CHARACTERISTIC),
	       "characteristic discovery");
}

static void descs_done(struct vg_hrp *h, int64_t now)
{
	if (!h->info.hrm.cccd) {
		fatal(h, -ENOENT,
		      "Heart Rate Measurement (0x2a37, handle 0x%04x) has no "
		      "Client Characteristic Configuration (0x2902): cannot "
		      "subscribe",
		      h->info.hrm.value);
		return;
	}
	h->step = ST_READS;
	h->idx = 0;
	reads_next(h, now);
}

/* Descriptors lie between the value and the next declaration (3.3.3). */
static void descs_next_target(struct vg_hrp *h, int64_t now)
{
	for (; h->idx < 2; h->idx++) {
		struct vg_hrp_char *t = desc_target(h, h->idx);

		if (!t || t->value >= t->end)
			continue;
		h->next = (uint32_t)t->value + 1;
		h->range_end = t->end;
		queued(h,
		       vg_att_find_info(h->att, now, (uint16_t)h->next,
					h->range_end),
		       "descriptor discovery");
		return;
	}
	descs_done(h, now);
}

static void descs_target_done(struct vg_hrp *h, int64_t now)
{
	h->idx++;
	descs_next_target(h, now);
}

/* Find Information Response: one page of (handle, type). */
static void on_descs(struct vg_hrp *h, int64_t now,
		     const struct vg_att_event *ev)
{
	struct vg_hrp_char *t = desc_target(h, h->idx);
	struct vg_gatt_iter it;
	struct vg_gatt_desc d;
	uint32_t lower = h->next;
	uint32_t last = 0;

	if (!t) /* cannot happen: the target was chosen to send the request */
		return;
	if (ev->type == VG_ATT_EV_ERROR) {
		if (ev->ecode == VG_ATT_E_ATTR_NOT_FOUND) {
			descs_target_done(h, now);
			return;
		}
		if (t == &h->info.hrm) {
			fatal_att_error(h,
					"descriptor discovery of Heart Rate "
					"Measurement failed",
					ev);
			return;
		}
		warn_att_error(
		    h, "descriptor discovery of Battery Level failed", ev);
		descs_target_done(h, now);
		return;
	}
	if (vg_gatt_iter_descs(&it, ev->data, ev->len)) {
		fatal(h, -EBADMSG,
		      "malformed Find Information Response (format %u, %zu "
		      "bytes)",
		      ev->len ? ev->data[0] : 0, ev->len);
		return;
	}
	while (vg_gatt_next_desc(&it, &d)) {
		if (d.handle < lower || d.handle > h->range_end) {
			fatal(h, -EPROTO,
			      "descriptor handle 0x%04x out of order or "
			      "outside 0x%04x-0x%04x",
			      d.handle, (unsigned)h->next, h->range_end);
			return;
		}
		if (!t->cccd && vg_uuid_is16(&d.uuid, VG_GATT_UUID_CCCD))
			t->cccd = d.handle;
		lower = (uint32_t)d.handle + 1;
		last = d.handle;
	}
	if (last >= h->range_end) {
		descs_target_done(h, now);
		return;
	}
	h->next = last + 1;
	queued(h,
	       vg_att_find_info(h->att, now, (uint16_t)h->next, h->range_end),
	       "descriptor discovery");
}

static void reads_next(struct vg_hrp *h, int64_t now)
{
	const char *name;
	struct vg_hrp_char *c;

	for (; (c = read_item(h, h->idx, &name)); h->idx++) {
		if (!c->found || !(c->props & VG_GATT_PROP_READ))
			continue;
		queued(h, vg_att_read(h->att, now, c->value), name);
		return;
	}
	h->step = ST_SUBSCRIBE;
	h->idx = 0;
	subs_next(h, now);
}

size_t vg_hrp_sanitize(const uint8_t *value, size_t len, char *out, size_t cap)
{
	size_t n = 0;

	if (cap == 0)
		return 0;
	for (size_t i = 0; i < len && value[i] != 0 && n + 1 < cap; i++)
		out[n++] =
		    value[i] >= 0x20 && value[i] <= 0x7e ? (char)value[i] : '?';
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return n;
}

static void set_battery(struct vg_hrp *h, uint8_t percent)
{
	struct vg_hrp_event *e;

	h->info.has_battery = true;
	h->info.battery_percent = percent;
	e = push_event(h, VG_HRP_EV_BATTERY);
	if (e)
		e->battery = percent;
}

/* Read Response: a value of up to ATT_MTU - 1 bytes (no Read Blob). */
static void on_read(struct vg_hrp *h, int64_t now,
		    const struct vg_att_event *ev)
{
	const char *name;
	struct vg_hrp_char *c = read_item(h, h->idx, &name);
	char what[96];
	uint8_t v;

	if (!c)
		return;
	if (ev->type == VG_ATT_EV_ERROR) {
		snprintf(what, sizeof(what), "could not read %s", name);
		warn_att_error(h, what, ev);
	} else {
		switch (h->idx) {
		case READ_BSL:
			if (vg_hrs_decode_body_location(ev->data, ev->len,
							&v) == 0) {
				h->info.has_body_location = true;
				h->info.body_location_value = v;
			} else {
				warn(h, "ignored a %zu-byte %s value", ev->len,
				     name);
			}
			break;
		case READ_BATTERY:
			if (vg_hrs_decode_battery(ev->data, ev->len, &v) == 0)
				set_battery(h, v);
			else
				warn(h, "ignored an invalid %s value", name);
			break;
		case READ_MANUF:
			vg_hrp_sanitize(ev->data, ev->len,
					h->info.manufacturer_name,
					sizeof(h->info.manufacturer_name));
			break;
		case READ_MODEL:
			vg_hrp_sanitize(ev->data, ev->len, h->info.model_number,
					sizeof(h->info.model_number));
			break;
		case READ_FW:
			vg_hrp_sanitize(ev->data, ev->len,
					h->info.firmware_revision,
					sizeof(h->info.firmware_revision));
			break;
		default:
			break;
		}
	}
	h->idx++;
	reads_next(h, now);
}

static void subs_next(struct vg_hrp *h, int64_t now)
{
	for (; h->idx < 2; h->idx++) {
		struct vg_hrp_char *t = sub_target(h, h->idx);
		uint16_t cfg;
		uint8_t val[2];

		if (!t)
			continue;
		/*
		 * 0x2A37 is notify-only (HRS 1.0 3.1); indications are
		 * asked for only from a characteristic that has nothing else.
		 */
		cfg = (t->props & VG_GATT_PROP_NOTIFY) ||
			      !(t->props & VG_GATT_PROP_INDICATE)
			  ? VG_GATT_CCCD_NOTIFY
			  : VG_GATT_CCCD_INDICATE;
		val[0] = (uint8_t)(cfg & 0xff);
		val[1] = (uint8_t)(cfg >> 8);
		queued(h, vg_att_write(h->att, now, t->cccd, val, sizeof(val)),
		       "subscription");
		return;
	}
	h->step = ST_READY;
	h->ready = true;
	push_event(h, VG_HRP_EV_READY);
}

/* Write Response to a CCCD write. */
static void on_subscribed(struct vg_hrp *h, int64_t now,
			  const struct vg_att_event *ev)
{
	struct vg_hrp_char *t = sub_target(h, h->idx);

	if (!t)
		return;
	if (ev->type == VG_ATT_EV_ERROR) {
		if (t == &h->info.hrm) {
			fatal_att_error(h,
					"subscribing to Heart Rate "
					"Measurement failed",
					ev);
			return;
		}
		warn_att_error(h, "subscribing to Battery Level failed", ev);
	} else if (t == &h->info.battery) {
		h->info.battery_notifying = true;
	}
	h->idx++;
	subs_next(h, now);
}

/* A notified or indicated value: ours, or ignored. */
static void on_value(struct vg_hrp *h, const struct vg_att_event *ev)
{
	struct vg_hrp_event *e;
	uint8_t v;

	if (h->info.hrm.found && ev->handle == h->info.hrm.value) {
		e = push_event(h, VG_HRP_EV_MEASUREMENT);
		if (!e)
			return;
		/* ATT_MTU 517 bounds it to 514 bytes; checked regardless. */
		if (ev->len > sizeof(e->raw)) {
			e->err = -EMSGSIZE;
			return;
		}
		memcpy(e->raw, ev->data, ev->len);
		e->raw_len = (uint16_t)ev->len;
		e->err = vg_hrs_decode_measurement(ev->data, ev->len, &e->hrm);
		return;
	}
	if (h->info.battery.found && ev->handle == h->info.battery.value &&
	    vg_hrs_decode_battery(ev->data, ev->len, &v) == 0) {
		set_battery(h, v);
		return;
	}
	h->info.ignored_notifications++;
}

static void on_att_event(struct vg_hrp *h, int64_t now,
			 const struct vg_att_event *ev)
{
	struct vg_hrp_event *e;

	switch (ev->type) {
	case VG_ATT_EV_NONE:
		return;
	case VG_ATT_EV_CLOSED:
		if (h->step == ST_CLOSED)
			return;
		h->step = ST_CLOSED;
		e = push_event(h, VG_HRP_EV_CLOSED);
		e->err = ev->err;
		snprintf(e->text, sizeof(e->text), "%s",
			 vg_att_close_reason(h->att));
		return;
	case VG_ATT_EV_SECURITY:
		e = push_event(h, VG_HRP_EV_SECURITY);
		if (e)
			e->security = ev->security;
		return;
	case VG_ATT_EV_NOTIFY:
	case VG_ATT_EV_INDICATE:
		on_value(h, ev);
		return;
	case VG_ATT_EV_RESPONSE:
	case VG_ATT_EV_ERROR:
		break;
	}
	/*
	 * An Exchange MTU the server refuses leaves ATT_MTU at 23, which
	 * every step works with (Part G 4.3.1).
	 */
	if (ev->req_opcode == VG_ATT_OP_MTU_REQ)
		return;
	switch (h->step) {
	case ST_SERVICES:
		on_services(h, now, ev);
		break;
	case ST_CHARS:
		on_chars(h, now, ev);
		break;
	case ST_DESCS:
		on_descs(h, now, ev);
		break;
	case ST_READS:
		on_read(h, now, ev);
		break;
	case ST_SUBSCRIBE:
		on_subscribed(h, now, ev);
		break;
	default:
		break;
	}
}

/* Common tail of the calls that feed the state machine. */
static int after(struct vg_hrp *h, bool was_open)
{
	h->info.mtu = vg_att_mtu(h->att);
	if (was_open && vg_att_closed(h->att))
		return vg_att_close_error(h->att);
	return 0;
}

int vg_hrp_input(struct vg_hrp *h, int64_t now, const uint8_t *pdu, size_t len)
{
	struct vg_att_event ev;

	if (vg_att_closed(h->att))
		return -ENOTCONN;
	vg_att_input(h->att, now, pdu, len, &ev);
	on_att_event(h, now, &ev);
	return after(h, true);
}

int vg_hrp_tick(struct vg_hrp *h, int64_t now)
{
	struct vg_att_event ev;
	bool was_open = !vg_att_closed(h->att);

	vg_att_tick(h->att, now, &ev);
	on_att_event(h, now, &ev);
	return after(h, was_open);
}

int vg_hrp_security_done(struct vg_hrp *h, int64_t now, int err)
{
	struct vg_att_event ev;
	int rc;

	if (vg_att_closed(h->att))
		return -ENOTCONN;
	rc = vg_att_security_done(h->att, now, err, &ev);
	if (rc < 0)
		return rc;
	on_att_event(h, now, &ev);
	return after(h, true);
}

void vg_hrp_set_security(struct vg_hrp *h, enum vg_att_security level)
{
	vg_att_set_security(h->att, level);
}

int64_t vg_hrp_next_deadline(const struct vg_hrp *h)
{
	return vg_att_next_deadline(h->att);
}

int vg_hrp_pop_tx(struct vg_hrp *h, uint8_t *buf, size_t cap)
{
	return vg_att_pop_tx(h->att, buf, cap);
}

bool vg_hrp_closed(const struct vg_hrp *h)
{
	return vg_att_closed(h->att);
}

int vg_hrp_close_error(const struct vg_hrp *h)
{
	return vg_att_close_error(h->att);
}

const char *vg_hrp_close_reason(const struct vg_hrp *h)
{
	return vg_att_close_reason(h->att);
}

bool vg_hrp_ready(const struct vg_hrp *h)
{
	return h->ready;
}

const struct vg_hrp_info *vg_hrp_info(const struct vg_hrp *h)
{
	return &h->info;
}
