/* SPDX-License-Identifier: MIT */
/*
 * The Heart Rate profile client on one link: GATT discovery (Core spec
 * 5.3 Vol 3 Part G 4.4-4.7), reading the strap's details and subscribing
 * to its measurements, over the sans-I/O ATT client of att.h.
 *
 * What it does, in order, each step's handles discovered, never assumed:
 *   1. Exchange MTU (offer as given), then all primary services (Read By
 *      Group Type 0x2800, page by page until 0xFFFF or Attribute Not
 *      Found).
 *   2. Characteristics (Read By Type 0x2803) of the Heart Rate (0x180D),
 *      Battery (0x180F) and Device Information (0x180A) services.
 *   3. Descriptors (Find Information) of Heart Rate Measurement 0x2A37
 *      and, when it can notify, Battery Level 0x2A19: value handle + 1 up
 *      to the next declaration - 1 or the service end. The CCCD is 0x2902.
 *   4. Reads: Body Sensor Location 0x2A38, Battery Level, manufacturer
 *      0x2A29, model 0x2A24, firmware 0x2A26.
 *   5. Writes 0x0001 to the CCCDs of Battery Level (when it notifies) and
 *      of Heart Rate Measurement (last, so measurements follow READY).
 * No Heart Rate Service, no 0x2A37, or no CCCD on it closes the link with
 * a clear reason; anything missing or failing about Battery, Body Sensor
 * Location or Device Information gives a warning and the rest goes on.
 *
 * Driving it (the I/O glue): vg_hrp_start(), then per loop iteration:
 * vg_hrp_input() for each PDU read (buffer of VG_ATT_RX_BUF bytes) or
 * vg_hrp_tick() when the deadline passed; send every vg_hrp_pop_tx() PDU;
 * handle every vg_hrp_next_event(); tear down once vg_hrp_closed(),
 * reporting vg_hrp_close_reason(). Times are monotonic milliseconds.
 * Memory: all allocated by vg_hrp_new(); the notification path copies into
 * fixed buffers.
 */
#ifndef VAGUS_HRP_H
#define VAGUS_HRP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vagus/att.h"
#include "vagus/gatt.h"
#include "vagus/hrs.h"

/* Device Information strings kept, NUL included (longer ones are cut). */
#define VG_HRP_STR_MAX 64
/* Primary services listed in the info (all are discovered). */
#define VG_HRP_SERVICES_MAX 32
/* Text of a warning or close reason, NUL included. */
#define VG_HRP_TEXT_MAX 160
/* Events held until vg_hrp_next_event(); one call makes at most 3. */
#define VG_HRP_EVENTS_MAX 8

enum vg_hrp_event_type {
	VG_HRP_EV_NONE = 0,
	/*
	 * Raise the link's security to @security (the transport's
	 * vg_transport_set_security()), then call vg_hrp_security_done().
	 */
	VG_HRP_EV_SECURITY,
	/* Discovered and subscribed: vg_hrp_info() is complete. */
	VG_HRP_EV_READY,
	/* A Heart Rate Measurement value: @raw always, @hrm if @err is 0. */
	VG_HRP_EV_MEASUREMENT,
	/* Battery Level in percent (read at start, then each notification). */
	VG_HRP_EV_BATTERY,
	/* Something optional failed; the link goes on. @text says what. */
	VG_HRP_EV_WARNING,
	/* The link must close: @err (-errno) and @text (the reason). */
	VG_HRP_EV_CLOSED,
};

struct vg_hrp_event {
	enum vg_hrp_event_type type;
	int err; /* MEASUREMENT: decoder result; CLOSED: -errno */
	enum vg_att_security security; /* SECURITY */
	uint8_t battery;	       /* BATTERY: percent, 0-100 */
	struct vg_hrm hrm;	       /* MEASUREMENT, when err == 0 */
	uint16_t raw_len;	       /* MEASUREMENT: the value as received */
	uint8_t raw[VG_HRM_VALUE_MAX];
	char text[VG_HRP_TEXT_MAX]; /* WARNING, CLOSED */
};

/* A characteristic of interest, as discovered. */
struct vg_hrp_char {
	bool found;
	uint16_t decl;	/* declaration handle */
	uint16_t value; /* value handle */
	uint16_t end;	/* last handle before the next declaration */
	uint16_t cccd;	/* 0x2902 descriptor handle, 0 if none looked up */
	uint8_t props;	/* enum vg_gatt_prop bits */
};

/* What discovery found; strings sanitised (printable ASCII, "" if none). */
struct vg_hrp_info {
	uint16_t mtu;
	uint16_t n_services;
	bool services_truncated; /* more than VG_HRP_SERVICES_MAX */
	struct vg_gatt_service services[VG_HRP_SERVICES_MAX];
	struct vg_hrp_char hrm, body_location, control_point, battery,
	    manufacturer, model, firmware;
	bool has_body_location;
	uint8_t body_location_value; /* enum vg_body_location */
	bool has_battery;
	uint8_t battery_percent;
	bool battery_notifying;
	char manufacturer_name[VG_HRP_STR_MAX];
	char model_number[VG_HRP_STR_MAX];
	char firmware_revision[VG_HRP_STR_MAX];
	uint32_t ignored_notifications; /* on handles not of interest */
	uint32_t events_dropped; /* ring full: the caller did not drain */
};

struct vg_hrp;

/*
 * A profile client for one link offering @mtu_offer (23..517; 517 asks for
 * the most). NULL on allocation failure.
 */
struct vg_hrp *vg_hrp_new(uint16_t mtu_offer);
void vg_hrp_free(struct vg_hrp *h);

/* Starts MTU exchange and discovery. Returns 0, -EALREADY or -ENOTCONN. */
int vg_hrp_start(struct vg_hrp *h, int64_t now);

/*
 * Handles one received PDU of @len bytes. Returns 0, or the -errno that
 * closed the link during this call, or -ENOTCONN if it was closed before.
 */
int vg_hrp_input(struct vg_hrp *h, int64_t now, const uint8_t *pdu, size_t len);

/* Call when @now reaches the deadline. Returns 0 or -ETIMEDOUT. */
int vg_hrp_tick(struct vg_hrp *h, int64_t now);

/* Earliest time (ms) vg_hrp_tick() must run, or VG_ATT_NEVER. */
int64_t vg_hrp_next_deadline(const struct vg_hrp *h);

/*
 * After VG_HRP_EV_SECURITY: @err 0 when the link has the level asked for
 * (the refused request is sent again), else the -errno of the failure
 * (the step then fails as with any error). Returns 0, -EINVAL (nothing
 * asked) or the -errno that closed the link.
 */
int vg_hrp_security_done(struct vg_hrp *h, int64_t now, int err);

/*
 * Tells the client the level the link already has (VG_ATT_SEC_LOW at
 * first), so a raise asks for the next one up.
 */
void vg_hrp_set_security(struct vg_hrp *h, enum vg_att_security level);

/* As vg_att_pop_tx(): next PDU to send; length, 0 for none, -EMSGSIZE. */
int vg_hrp_pop_tx(struct vg_hrp *h, uint8_t *buf, size_t cap);

/* Moves the oldest pending event into *@ev. False when there is none. */
bool vg_hrp_next_event(struct vg_hrp *h, struct vg_hrp_event *ev);

/* Whether the link must close, its -errno and its reason ("" if open). */
bool vg_hrp_closed(const struct vg_hrp *h);
int vg_hrp_close_error(const struct vg_hrp *h);
const char *vg_hrp_close_reason(const struct vg_hrp *h);

/* Whether discovery and subscription finished (READY was emitted). */
bool vg_hrp_ready(const struct vg_hrp *h);

/* What discovery found so far (complete from READY on). Never NULL. */
const struct vg_hrp_info *vg_hrp_info(const struct vg_hrp *h);

/*
 * Copies a characteristic string value into @out (capacity @cap >= 1) for
 * display: stops at the first NUL (some straps send one), replaces bytes
 * outside printable ASCII by '?', drops trailing spaces, cuts to fit.
 * Always NUL-terminates. Returns the length written.
 */
size_t vg_hrp_sanitize(const uint8_t *value, size_t len, char *out, size_t cap);

#endif
