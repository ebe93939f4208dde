/* SPDX-License-Identifier: MIT */
/*
 * vagus-sim: a simulated heart-rate strap. main.c owns the sockets and
 * the clock; strap.c builds the GATT database and turns beats into the
 * notifications a real strap would send, on a session clock in ms that
 * main.c advances. strap.c does no I/O.
 */
#ifndef VAGUS_SIM_H
#define VAGUS_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vagus/att_server.h"
#include "vagus/hrs.h"
#include "vagus/rrmodel.h"

#define SIM_MAX_DROPS 64
#define SIM_MAX_WINDOWS 16

struct sim_window {
	double from_s, to_s; /* session seconds, [from, to) */
};

struct sim_opts {
	const char *listen;
	const char *rr_path;
	bool model;
	struct vg_rrmodel_params mp;
	double speed;
	bool loop;
	bool hr16;
	bool energy;
	bool contact_unsupported;
	uint8_t location;
	uint8_t battery;
	bool no_hrs, no_battery, no_devinfo;
	bool quiet;
	uint64_t seed;
	/* faults */
	double drop_at[SIM_MAX_DROPS];
	size_t ndrops;
	bool busy;
	bool secure; /* values need an encrypted link */
	double p_missed, p_extra;
	unsigned malformed_every;
	bool flood;
	long mtu_lie; /* < 0: honest */
	struct sim_window contact_lost[SIM_MAX_WINDOWS];
	size_t ncontact_lost;
	long stall_after; /* answer this many requests, then none; < 0 off */
	double silent_after_s; /* no notifications from then on; < 0 off */
};

/* One PDU for the client, at most ATT_MTU 517 bytes. */
struct sim_pdu {
	uint16_t len;
	uint8_t b[VG_ATTS_MTU_MAX];
};

/* The beat source and the notification schedule. */
struct strap {
	const struct sim_opts *o;
	struct vg_atts *db;
	uint16_t h_hrm, h_battery;

	/* source: a recording (ms, beat times) or the model */
	const double *rec_ms, *rec_t;
	size_t rec_n, rec_i;
	double rec_t0; /* beat time of the recording's start */
	double lap_ms; /* session time where this lap started */
	struct vg_rrmodel model;
	bool source_done; /* no more raw beats */
	uint64_t rng;	  /* artifacts */

	/* the next beat, after artifacts: it ends at next_end (session ms) */
	bool have_next;
	double next_end, next_rr;
	double split_end, split_rr; /* second half of a split beat */
	bool have_split;

	/* notifications */
	double next_tick; /* session ms of the next notification */
	double last_end;  /* end of the last beat taken */
	uint16_t last_hr;
	uint64_t sent; /* HRM notifications built */
	uint64_t beats_sent, beats_lost, beats_skipped;
	double energy_base_s; /* control point reset time */
	uint8_t battery;
	bool battery_changed;
	size_t drops_done;
};

/*
 * Builds the database and the source. @rec_ms/@rec_t (n beats) are the
 * recording, NULL for the model. Returns 0 or -errno.
 */
int strap_init(struct strap *s, const struct sim_opts *o, const double *rec_ms,
	       const double *rec_t, size_t n);
void strap_free(struct strap *s);

/*
 * Session ms at which strap_tick() has work, or < 0 when the recording is
 * over and everything has been sent.
 */
double strap_next_due(const struct strap *s);

/* Whether the recording is over and every beat went out (or was lost). */
bool strap_finished(const struct strap *s);

/*
 * Builds the PDUs due at session time @now_ms into @out (up to @cap of
 * them, at least 16 for progress). @connected: whether a client is there;
 * beats due while it does not listen are lost, as with a real strap.
 * Sets *@drop when a --drop-at time has come: send what was built, then
 * close the link. Returns the count built.
 */
size_t strap_tick(struct strap *s, double now_ms, bool connected,
		  struct sim_pdu *out, size_t cap, bool *drop);

/* Whether the connected client enabled Heart Rate notifications. */
bool strap_listening(const struct strap *s);

/* Control point "reset energy expended" at session time @now_ms. */
void strap_reset_energy(struct strap *s, double now_ms);

#endif
