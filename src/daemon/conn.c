/* SPDX-License-Identifier: MIT */
/*
 * The connection manager of one strap: open the transport, drive the
 * Heart Rate profile client (vagus/hrp.h) over it, and after any drop or
 * failed attempt try again with exponential back-off and jitter. With
 * --strap auto the strap is found by discovery (sys/btdisc.h): the one
 * remembered in STATE/straps.json first, else the strongest heart-rate
 * sensor not already taken by another --strap auto.
 *
 * Straps misbehave in known ways (DESIGN.md section 3), and each gets a
 * log line that tells the user what to do: a strap held by a phone
 * closes our link before answering; a link dropped with HCI reason 0x3b
 * (the kernel maps that reason to ENOSYS, having no errno for it) means
 * the connection parameters the strap asked for were refused.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "sys/btagent.h"
#include "sys/btdisc.h"
#include "sys/loop.h"
#include "sys/transport.h"
#include "vagus/discovery.h"
#include "vagus/record.h"

/* The first retry after a drop; doubled per failure up to the cap. */
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 30000
/* Discovery that cannot run (no adapter, no permission) is retried
 * rarely: it needs the user to act. */
#define DISC_RETRY_MS 60000
/* Paging a strap that is not worn takes until the kernel gives up; we
 * give up first and try again, so a strap put on later is found. */
#define CONNECT_TIMEOUT_MS 30000
/*
 * A strap notifies about once a second, with or without skin contact; a
 * link that stays silent this long is hung: drop it and reconnect.
 */
#define SILENCE_MS 15000
/* PDUs read per wakeup, so one flooding strap cannot starve the rest. */
#define READ_BATCH 256
/* vg_discovery_pick() waits this long for a closer strap to be heard. */
#define DISC_SETTLE_MS 3000

static void on_io(struct vg_loop *loop, int fd, uint32_t events, void *arg);
static void on_disc(struct vg_loop *loop, int fd, uint32_t events, void *arg);
static void try_connect(struct strap *s, int64_t now);
static void start_scan(struct strap *s, int64_t now);

struct strap *conn_new(struct vagusd *d, unsigned index, const char *spec,
		       char *err, size_t errlen)
{
	struct strap *s = calloc(1, sizeof(*s));
	const char *why = NULL;

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->d = d;
	s->index = index;
	snprintf(s->name, sizeof(s->name), "%s", spec);
	if (strcmp(spec, "auto") == 0) {
		s->autodisc = true;
	} else if (vg_addr_parse(spec, &s->addr, &why) < 0) {
		snprintf(err, errlen, "strap %s: %s", spec, why);
		free(s);
		return NULL;
	} else {
		s->have_addr = true;
		vg_addr_format(&s->addr, s->addr_text, sizeof(s->addr_text));
		snprintf(s->name, sizeof(s->name), "%s", s->addr_text);
	}
	s->pre.buf = malloc(VGD_PREROLL_BYTES);
	if (!s->pre.buf) {
		snprintf(err, errlen, "out of memory");
		free(s);
		return NULL;
	}
	s->fd = -1;
	s->link_adapter = d->o->adapter;
	s->retry_at = -1;
	s->backoff_ms = BACKOFF_MIN_MS;
	s->battery = -1;
	s->body_location = -1;
	s->down_since = -1;
	s->auto_armed = true;
	s->rng = 0x9E3779B97F4A7C15ull ^ ((uint64_t)vg_monotonic_ms() << 8) ^
		 index ^ ((uint64_t)getpid() << 32);
	pipeline_reset(s);
	return s;
}

static void close_link(struct strap *s)
{
	if (s->fd >= 0) {
		vg_loop_del(s->d->loop, s->fd);
		close(s->fd);
		s->fd = -1;
	}
	vg_hrp_free(s->hrp);
	s->hrp = NULL;
	s->tx_len = 0;
	s->want_out = false;
	s->securing = false;
	s->ready = false;
}

static void close_disc(struct strap *s)
{
	if (!s->disc)
		return;
	vg_loop_del(s->d->loop, vg_btdisc_fd(s->disc));
	vg_btdisc_close(s->disc);
	s->disc = NULL;
}

void conn_free(struct strap *s)
{
	if (!s)
		return;
	close_link(s);
	close_disc(s);
	free(s->pre.buf);
	free(s);
}

void conn_stop(struct strap *s, int64_t now)
{
	close_link(s);
	close_disc(s);
	s->state = CONN_IDLE;
	s->retry_at = -1;
}

const char *conn_state_name(const struct strap *s)
{
	switch (s->state) {
	case CONN_SCAN:
		return "discovering";
	case CONN_CONNECTING:
		return "connecting";
	case CONN_LINKED:
		return s->ready ? "streaming" : "subscribing";
	default:
		return s->retry_at >= 0 ? "waiting to reconnect" : "stopped";
	}
}

/* xorshift64*: jitter only, no need for quality beyond that. */
static uint64_t next_rand(struct strap *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 0x2545F4914F6CDD1Dull;
}

/*
 * The next attempt after a drop or a failure: the back-off doubles up to
 * BACKOFF_MAX_MS, each delay drawn from [75 %, 125 %] of it so several
 * daemons (or straps) that lost their links together do not retry in
 * lockstep.
 */
static void schedule_retry(struct strap *s, int64_t now, int64_t min_ms)
{
	int64_t base = s->backoff_ms < min_ms ? min_ms : s->backoff_ms;
	int64_t jitter = (int64_t)(next_rand(s) % (uint64_t)(base / 2 + 1));

	s->state = CONN_IDLE;
	s->retry_at = now + base - base / 4 + jitter;
	s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS
							   : s->backoff_ms * 2;
	s->failures++;
	log_debug("%s: next attempt in %lld ms", s->name,
		  (long long)(s->retry_at - now));
}

static void connect_failed(struct strap *s, int err, int64_t now)
{
	const char *why = vg_transport_explain(&s->addr, err);

	close_link(s);
	/*
	 * The first failure of a streak is worth a line; the rest only at
	 * debug level, or a strap left at home fills the log.
	 */
	if (!s->absent_said) {
		if (err == -ETIMEDOUT)
			log_warnx("%s: no connection within %d s: is the strap "
				  "worn (wet electrodes), in range, and free "
				  "(not connected to a phone or another "
				  "app)? vagusd keeps trying",
				  s->name, CONNECT_TIMEOUT_MS / 1000);
		else
			log_warnx("%s: cannot connect: %s; vagusd keeps trying",
				  s->name, why ? why : strerror(-err));
		s->absent_said = true;
	} else {
		log_debug("%s: cannot connect: %s", s->name, strerror(-err));
	}
	/* A discovered strap that stays away: look again, maybe for
	 * another one. */
	if (s->autodisc && s->failures >= 3 && !s->sess)
		s->have_addr = false;
	schedule_retry(s, now, 0);
}

/* Sends what the client queued; keeps one PDU back for EPOLLOUT. */
static int flush_tx(struct strap *s)
{
	for (;;) {
		if (!s->tx_len) {
			int n = vg_hrp_pop_tx(s->hrp, s->tx, sizeof(s->tx));
			if (n <= 0)
				break;
			s->tx_len = (size_t)n;
		}
		if (send(s->fd, s->tx, s->tx_len, MSG_NOSIGNAL | MSG_DONTWAIT) <
		    0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			/*
			 * While the kernel pairs or encrypts, the socket is in
			 * BT_CONFIG: send() says ENOTCONN and POLLOUT comes
			 * once the link is encrypted. Not a dead link.
			 */
			if (errno == ENOTCONN && s->securing)
				break;
			return -errno;
		}
		s->tx_len = 0;
	}
	/* Only when it changes: not a system call per PDU. */
	if ((s->tx_len != 0) != s->want_out) {
		s->want_out = s->tx_len != 0;
		vg_loop_mod(s->d->loop, s->fd,
			    EPOLLIN | (s->want_out ? EPOLLOUT : 0));
	}
	return 0;
}

/* The link is gone (@err -errno, 0 for a clean close by the strap). */
static void link_lost(struct strap *s, int err, const char *reason, int64_t now)
{
	char text[VGD_TEXT_MAX];
	bool was_ready = s->ready;

	if (!s->answered) {
		/* A strap takes one central; one held elsewhere hangs up. */
		if (!s->busy_said)
			log_warnx("%s: the strap closed the link before "
				  "answering: it is busy with another device. "
				  "Disconnect it in the phone's or app's "
				  "Bluetooth settings (or switch Bluetooth off "
				  "there); vagusd keeps trying",
				  s->name);
		s->busy_said = true;
		snprintf(text, sizeof(text), "strap busy with another device");
	} else if (err == -ENOSYS && s->addr.kind == VG_ADDR_BT) {
		if (!s->params_said)
			log_warnx(
			    "%s: the strap dropped the link with reason 0x3b "
			    "(its connection parameters were rejected); many "
			    "straps do this 30-100 s after connecting. vagusd "
			    "reconnects and marks the gap; to stop it, let "
			    "the adapter accept the strap's connection "
			    "interval (bluetoothd main.conf [LE] "
			    "MinConnectionInterval/MaxConnectionInterval, or "
			    "a newer kernel/firmware) and keep the strap "
			    "within a few metres",
			    s->name);
		s->params_said = true;
		snprintf(text, sizeof(text),
			 "connection parameters rejected (0x3b)");
	} else {
		snprintf(text, sizeof(text), "%s",
			 reason ? reason
			 : err	? strerror(-err)
				: "the strap closed the link");
		if (was_ready)
			log_info("%s: link lost: %s", s->name, text);
		else
			log_debug("%s: link lost: %s", s->name, text);
	}
	close_link(s);
	if (was_ready) {
		pipeline_gap(s);
		if (s->sess) {
			s->sess->link_drops++;
			session_record(s, VG_REC_LINK_DOWN, now, text,
				       strlen(text));
		}
		s->down_since = now;
		/* A strap that was streaming comes back soon: retry fast. */
		s->backoff_ms = BACKOFF_MIN_MS;
	}
	schedule_retry(s, now, 0);
}

static void facts_from(struct strap *s, const struct vg_hrp_info *info)
{
	s->have_facts = true;
	snprintf(s->model, sizeof(s->model), "%s", info->model_number);
	snprintf(s->manufacturer, sizeof(s->manufacturer), "%s",
		 info->manufacturer_name);
	snprintf(s->firmware, sizeof(s->firmware), "%s",
		 info->firmware_revision);
	if (info->has_battery)
		s->battery = info->battery_percent;
	s->body_location =
	    info->has_body_location ? info->body_location_value : -1;
}

static void on_ready(struct strap *s, int64_t now)
{
	facts_from(s, vg_hrp_info(s->hrp));
	s->ready = true;
	s->failures = 0;
	s->backoff_ms = BACKOFF_MIN_MS;
	s->busy_said = s->absent_said = s->closed_said = false;
	s->last_notify = now;
	s->down_since = -1;
	log_info("%s: connected (%s%s%s, battery %d %%)", s->name,
		 s->manufacturer[0] ? s->manufacturer : "unknown maker",
		 s->model[0] ? " " : "", s->model, s->battery);
	if (s->sess) {
		session_record(s, VG_REC_LINK_UP, now, s->addr_text,
			       strlen(s->addr_text));
		session_strap_facts(s, now);
	}
	if (s->addr.kind == VG_ADDR_BT)
		straps_remember(s->d, s);
}

/*
 * The pairing agent: the kernel asks user space to confirm Just Works
 * pairing even when nobody else will (no bluetoothd); vagusd answers for
 * the straps it is securing a link to, and for nothing else.
 */
static bool agent_wants(void *arg, const struct vg_addr *peer)
{
	const struct vagusd *d = arg;

	for (size_t i = 0; i < d->nstraps; i++) {
		const struct strap *s = d->straps[i];
		if (s->securing && vg_addr_same(&s->addr, peer))
			return true;
	}
	return false;
}

static void agent_note(void *arg, const struct vg_addr *peer, const char *text)
{
	const struct vagusd *d = arg;
	char who[VG_ADDR_PATH_MAX + 16];

	for (size_t i = 0; i < d->nstraps; i++) {
		if (vg_addr_same(&d->straps[i]->addr, peer)) {
			log_info("%s: %s", d->straps[i]->name, text);
			return;
		}
	}
	vg_addr_format(peer, who, sizeof(who));
	log_info("%s: %s", who, text);
}

void conn_agent_close(struct vagusd *d)
{
	if (!d->agent)
		return;
	vg_loop_del(d->loop, vg_btagent_fd(d->agent));
	vg_btagent_close(d->agent);
	d->agent = NULL;
}

static void on_agent(struct vg_loop *loop, int fd, uint32_t events, void *arg)
{
	struct vagusd *d = arg;
	int rc = vg_btagent_process(d->agent, agent_wants, agent_note, d);

	if (rc < 0) {
		/* Opened again when the next strap asks. */
		log_warnx("pairing agent: %s", strerror(-rc));
		conn_agent_close(d);
	}
}

static void agent_open(struct vagusd *d)
{
	int err = 0;

	if (d->agent)
		return;
	d->agent = vg_btagent_open(&err);
	if (d->agent)
		err = vg_loop_add(d->loop, vg_btagent_fd(d->agent), EPOLLIN,
				  on_agent, d);
	if (err < 0) {
		vg_btagent_close(d->agent);
		d->agent = NULL;
		log_warnx("cannot answer pairing requests (%s): unless "
			  "bluetoothd's agent does, pair the strap once "
			  "with bluetoothctl",
			  strerror(-err));
	}
}

static void drain_events(struct strap *s, int64_t now)
{
	struct vg_hrp_event ev;

	while (s->hrp && vg_hrp_next_event(s->hrp, &ev)) {
		switch (ev.type) {
		case VG_HRP_EV_SECURITY: {
			int rc;

			if (s->addr.kind == VG_ADDR_BT)
				agent_open(s->d);
			rc = vg_transport_set_security(
			    s->fd, &s->addr,
			    (enum vg_transport_security)ev.security);
			if (rc < 0)
				log_warnx("%s: cannot raise the link's "
					  "security: %s",
					  s->name, strerror(-rc));
			else
				log_info("%s: the strap asks for an encrypted "
					 "link: pairing",
					 s->name);
			s->securing = rc == 0 && s->addr.kind == VG_ADDR_BT;
			vg_hrp_security_done(s->hrp, now, rc);
			break;
		}
		case VG_HRP_EV_READY:
			on_ready(s, now);
			break;
		case VG_HRP_EV_MEASUREMENT:
			s->last_notify = now;
			if (ev.err) {
				s->malformed++;
				/* Radio garbage: debug level only. */
				log_debug("%s: malformed measurement (%u "
					  "bytes): %s",
					  s->name, ev.raw_len,
					  strerror(-ev.err));
			} else {
				pipeline_notify(s, ev.raw, ev.raw_len, now);
			}
			break;
		case VG_HRP_EV_BATTERY:
			s->battery = ev.battery;
			break;
		case VG_HRP_EV_WARNING:
			log_info("%s: %s", s->name, ev.text);
			break;
		default:
			break;
		}
	}
}

/* After input or a tick: events, then what to send, then a close. */
static void after_client(struct strap *s, int64_t now)
{
	int rc;

	drain_events(s, now);
	if (!s->hrp)
		return;
	if (vg_hrp_closed(s->hrp)) {
		int err = vg_hrp_close_error(s->hrp);
		char reason[VGD_TEXT_MAX];
		snprintf(reason, sizeof(reason), "%s",
			 vg_hrp_close_reason(s->hrp));
		/* Said once per streak: it repeats at every attempt. */
		if (!s->closed_said)
			log_warnx("%s: %s; vagusd keeps trying", s->name,
				  reason);
		s->closed_said = true;
		/* Its answers were garbage: not a busy strap. */
		s->answered = true;
		link_lost(s, err, reason, now);
		return;
	}
	rc = flush_tx(s);
	if (rc < 0)
		link_lost(s, rc, NULL, now);
}

static void linked(struct strap *s, int64_t now)
{
	s->hrp = vg_hrp_new(VG_ATT_MTU_MAX);
	if (!s->hrp) {
		log_warnx("%s: out of memory", s->name);
		close_link(s);
		schedule_retry(s, now, 0);
		return;
	}
	s->state = CONN_LINKED;
	s->want_out = false; /* watched for EPOLLIN only from here */
	s->answered = false;
	s->ready = false;
	s->last_notify = now;
	log_debug("%s: connected, discovering services", s->name);
	vg_hrp_start(s->hrp, now);
	after_client(s, now);
}

static void try_connect(struct strap *s, int64_t now)
{
	bool pending = false;
	int fd, rc;

	s->retry_at = -1;
	log_debug("%s: connecting", s->name);
	fd = vg_transport_open(&s->addr, s->link_adapter, &pending);
	if (fd < 0) {
		connect_failed(s, fd, now);
		return;
	}
	s->fd = fd;
	rc =
	    vg_loop_add(s->d->loop, fd, pending ? EPOLLOUT : EPOLLIN, on_io, s);
	if (rc < 0) {
		close(fd);
		s->fd = -1;
		connect_failed(s, rc, now);
		return;
	}
	if (pending) {
		s->state = CONN_CONNECTING;
		s->connect_deadline = now + CONNECT_TIMEOUT_MS;
		return;
	}
	linked(s, now);
}

static void read_pdus(struct strap *s, int64_t now)
{
	uint8_t pdu[VG_ATT_RX_BUF];

	for (int i = 0; i < READ_BATCH && s->hrp; i++) {
		ssize_t n = recv(s->fd, pdu, sizeof(pdu), MSG_DONTWAIT);
		if (n == 0) {
			link_lost(s, 0, NULL, now);
			return;
		}
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR &&
			    !(errno == ENOTCONN && s->securing))
				link_lost(s, -errno, NULL, now);
			return;
		}
		s->answered = true;
		/* An answer after the raise: the link is encrypted. */
		s->securing = false;
		vg_hrp_input(s->hrp, now, pdu, (size_t)n);
		after_client(s, now);
	}
}

static void on_io(struct vg_loop *loop, int fd, uint32_t events, void *arg)
{
	struct strap *s = arg;
	int64_t now = vg_loop_now(loop);

	if (s->state == CONN_CONNECTING) {
		int rc = vg_transport_finish(fd);
		if (rc < 0) {
			connect_failed(s, rc, now);
			return;
		}
		vg_loop_mod(loop, fd, EPOLLIN);
		linked(s, now);
		return;
	}
	if (s->state != CONN_LINKED)
		return;
	/* A hang-up or an error ends pairing too: take ENOTCONN at its
	 * word then, or a level-triggered EPOLLHUP would spin the loop. */
	if (events & (EPOLLHUP | EPOLLERR))
		s->securing = false;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		read_pdus(s, now);
	if (s->hrp && (events & EPOLLOUT)) {
		int rc = flush_tx(s);
		if (rc < 0)
			link_lost(s, rc, NULL, now);
	}
}

/* Whether another strap of this daemon already uses @a. */
static bool taken(const struct strap *s, const struct vg_addr *a)
{
	for (size_t i = 0; i < s->d->nstraps; i++) {
		const struct strap *o = s->d->straps[i];
		if (o != s && o->have_addr && vg_addr_same(&o->addr, a))
			return true;
	}
	return false;
}

static void disc_failed(struct strap *s, int err, int64_t now)
{
	const char *why = vg_btdisc_explain(err);

	close_disc(s);
	if (!s->absent_said)
		log_warnx("%s: cannot discover straps: %s; trying again "
			  "every %d s",
			  s->name, why ? why : strerror(-err),
			  DISC_RETRY_MS / 1000);
	s->absent_said = true;
	s->state = CONN_IDLE;
	s->retry_at = now + DISC_RETRY_MS;
}

/* Picks a strap once discovery heard one worth connecting. */
static void disc_check(struct strap *s, int64_t now)
{
	struct vg_discovery *dv = vg_btdisc_discovery(s->disc);
	const struct vg_discovery_candidate *c = vg_discovery_pick(dv, now);
	const struct vg_discovery_candidate *list[64];
	struct vg_addr a;
	int err = vg_discovery_error(dv);

	if (err && err != -EBUSY) {
		disc_failed(s, err, now);
		return;
	}
	if (!c)
		return;
	vg_discovery_candidate_addr(c, &a);
	if (taken(s, &a)) {
		/* The pick belongs to another strap: the next strongest. */
		size_t n = vg_discovery_list(dv, list, 64);
		c = NULL;
		for (size_t i = 0; i < n && i < 64; i++) {
			if (!list[i]->connectable || !list[i]->heart_rate)
				continue;
			vg_discovery_candidate_addr(list[i], &a);
			if (!taken(s, &a)) {
				c = list[i];
				break;
			}
		}
		if (!c)
			return;
	}
	s->addr = a;
	s->have_addr = true;
	/* Connect from the adapter that heard it: with two adapters up the
	 * kernel's own choice may be one that cannot reach the strap. */
	s->link_adapter = c->index;
	vg_addr_format(&a, s->addr_text, sizeof(s->addr_text));
	log_info("%s: found %s%s%s (%d dBm) on hci%u", s->name, s->addr_text,
		 c->name[0] ? " " : "", c->name, c->rssi_valid ? c->rssi : 0,
		 c->index);
	close_disc(s);
	try_connect(s, now);
}

static int disc_watch(struct strap *s)
{
	return vg_loop_add(s->d->loop, vg_btdisc_fd(s->disc), EPOLLIN, on_disc,
			   s);
}

/* Runs discovery I/O; re-watches the fd after a fall-back to raw HCI. */
static void disc_step(struct strap *s, int64_t now, bool input)
{
	int fd = vg_btdisc_fd(s->disc);
	int rc = input ? vg_btdisc_process(s->disc, now)
		       : vg_btdisc_tick(s->disc, now);

	if (rc < 0) {
		disc_failed(s, rc, now);
		return;
	}
	if (vg_btdisc_fd(s->disc) != fd) {
		vg_loop_del(s->d->loop, fd);
		if (disc_watch(s) < 0) {
			disc_failed(s, -EIO, now);
			return;
		}
	}
	disc_check(s, now);
}

static void on_disc(struct vg_loop *loop, int fd, uint32_t events, void *arg)
{
	struct strap *s = arg;

	if (s->disc)
		disc_step(s, vg_loop_now(loop), true);
}

static void start_scan(struct strap *s, int64_t now)
{
	struct vg_discovery_config cfg;
	int err = 0;

	memset(&cfg, 0, sizeof(cfg));
	cfg.mode = VG_DISCOVERY_MGMT;
	cfg.index =
	    s->d->o->adapter >= 0 ? s->d->o->adapter : VG_DISCOVERY_ANY_INDEX;
	cfg.settle_ms = DISC_SETTLE_MS;
	straps_remembered(s->d, &cfg.remembered);
	if (cfg.remembered.kind == VG_ADDR_BT && taken(s, &cfg.remembered))
		cfg.remembered.kind = 0;
	s->retry_at = -1;
	s->disc = vg_btdisc_open(&cfg, now, &err);
	if (!s->disc) {
		disc_failed(s, err, now);
		return;
	}
	if (disc_watch(s) < 0) {
		disc_failed(s, -EIO, now);
		return;
	}
	s->state = CONN_SCAN;
	s->scan_started = now;
	log_debug("%s: discovering straps", s->name);
}

void conn_start(struct strap *s, int64_t now)
{
	if (s->autodisc && !s->have_addr)
		start_scan(s, now);
	else
		try_connect(s, now);
}

/* The session ends when the strap has given no beat for --gone-timeout. */
static void check_gone(struct strap *s, int64_t now)
{
	int64_t gone_ms = (int64_t)(s->d->o->gone_timeout_s * 1000);

	if (!s->sess || now < s->last_beat + gone_ms)
		return;
	log_info("%s: no beats for %g s: ending the session", s->name,
		 s->d->o->gone_timeout_s);
	session_stop(s, "strap gone", now);
}

void conn_tick(struct strap *s, int64_t now)
{
	switch (s->state) {
	case CONN_IDLE:
		if (s->retry_at >= 0 && now >= s->retry_at)
			conn_start(s, now);
		break;
	case CONN_SCAN:
		if (s->disc) {
			int64_t dl = vg_btdisc_deadline(s->disc);
			if (dl >= 0 && now >= dl)
				disc_step(s, now, false);
			else
				disc_check(s, now);
		}
		break;
	case CONN_CONNECTING:
		if (now >= s->connect_deadline)
			connect_failed(s, -ETIMEDOUT, now);
		break;
	case CONN_LINKED:
		if (s->hrp && now >= vg_hrp_next_deadline(s->hrp)) {
			vg_hrp_tick(s->hrp, now);
			after_client(s, now);
		}
		if (s->hrp && s->ready && now >= s->last_notify + SILENCE_MS) {
			char why[96];
			snprintf(why, sizeof(why),
				 "no measurement for %d s: the strap hung",
				 SILENCE_MS / 1000);
			link_lost(s, -ETIMEDOUT, why, now);
		}
		break;
	}
	check_gone(s, now);
}

static int64_t earliest(int64_t a, int64_t b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

int64_t conn_deadline(const struct strap *s)
{
	int64_t dl = -1;

	switch (s->state) {
	case CONN_IDLE:
		dl = s->retry_at;
		break;
	case CONN_SCAN:
		dl = s->disc ? vg_btdisc_deadline(s->disc) : -1;
		/* pick() waits for the settle time to pass, once */
		if (s->disc &&
		    vg_loop_now(s->d->loop) < s->scan_started + DISC_SETTLE_MS)
			dl = earliest(dl, s->scan_started + DISC_SETTLE_MS);
		break;
	case CONN_CONNECTING:
		dl = s->connect_deadline;
		break;
	case CONN_LINKED:
		if (s->hrp && vg_hrp_next_deadline(s->hrp) != VG_ATT_NEVER)
			dl = vg_hrp_next_deadline(s->hrp);
		if (s->ready)
			dl = earliest(dl, s->last_notify + SILENCE_MS);
		break;
	}
	if (s->sess)
		dl =
		    earliest(dl, s->last_beat +
				     (int64_t)(s->d->o->gone_timeout_s * 1000));
	return dl;
}
