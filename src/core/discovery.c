/* SPDX-License-Identifier: MIT */
/*
 * Strap discovery: a sans-I/O state machine over the management interface
 * (BlueZ doc/mgmt-api.txt) or raw HCI LE scanning (Core spec Vol 4 Part E
 * 7.8.10, 7.8.11, 7.7.65.2), and the candidate table both feed.
 */
#include "vagus/discovery.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vagus/hci.h"
#include "vagus/mgmt.h"

/* Commands queued at once: a handful per controller is all we need. */
#define QUEUE_MAX 32
/* mgmt answers at once; Set Powered waits for the controller to start
 * (seconds for some USB dongles). Ten seconds of silence is a fault. */
#define CMD_TIMEOUT_MS 10000
/* Another program scans (bluetoothd's discovery, say): try again later;
 * meanwhile its Device Found events reach every mgmt socket anyway. */
#define BUSY_RETRY_MS 5000
/* Other failures that may pass. */
#define FAIL_RETRY_MS 10000
/* The kernel ends LE discovery after about 10 s; a kernel that ends it
 * at once must not make us spin, so restarts are at least this apart. */
#define RESTART_MIN_MS 1000

#define DEFAULT_MAX_AGE_MS 30000
#define DEFAULT_CYCLE_MS 10000
#define DEFAULT_MAX_CANDIDATES 64

/*
 * Active scanning at the interval and window BlueZ uses for LE discovery
 * (0x12 = 11.25 ms, scanning all the time): straps often put their name
 * in the scan response.
 */
#define RAW_SCAN_INTERVAL 0x0012
#define RAW_SCAN_WINDOW 0x0012

struct cmd {
	uint8_t pkt[VG_DISCOVERY_CMD_MAX];
	uint8_t len;
	uint16_t opcode;
	uint16_t index;
	bool tolerant; /* a failure is expected and harmless */
};

enum ctl_state {
	CTL_INFO,	 /* Read Controller Information queued or awaited */
	CTL_POWERING,	 /* Set Low Energy / Set Powered queued or awaited */
	CTL_STARTING,	 /* Start Discovery (raw: scan enable) on its way */
	CTL_DISCOVERING, /* scanning, ours or another program's */
	CTL_WAIT,	 /* starting again at retry_at */
	CTL_OFF,	 /* powered off and not ours to power on */
	CTL_UNUSABLE,	 /* no LE, or the kernel refuses us */
	CTL_STOPPING,	 /* our stop on its way */
	CTL_IDLE,	 /* stopped on request */
};

struct ctl {
	bool used;
	uint16_t index;
	enum ctl_state st;
	uint32_t settings; /* mgmt Current_Settings */
	int err;	   /* why it is not scanning, -errno */
	int64_t retry_at;  /* CTL_WAIT: restart; raw CTL_DISCOVERING: cycle */
	int64_t last_start;
};

struct vg_discovery {
	struct vg_discovery_config cfg;
	bool running;
	int64_t scan_started; /* first scan of this run; -1 before */
	bool settled;	      /* settle_ms has passed (tick saw it) */
	int err;	      /* failure not tied to a controller */
	uint8_t version;
	uint16_t revision;

	struct cmd q[QUEUE_MAX];
	unsigned qhead, qlen;
	bool waiting; /* `out` awaits its reply until out_deadline */
	struct cmd out;
	int64_t out_deadline;

	struct ctl ctl[VG_DISCOVERY_MAX_CONTROLLERS];

	struct vg_discovery_candidate *cand;
	size_t ncand;
};

/* ---- command queue ---- */

static void queue_clear(struct vg_discovery *d)
{
	d->qhead = 0;
	d->qlen = 0;
}

static void queue_push(struct vg_discovery *d, const struct cmd *c)
{
	for (unsigned i = 0; i < d->qlen; i++) {
		const struct cmd *o = &d->q[(d->qhead + i) % QUEUE_MAX];
		if (o->len == c->len && memcmp(o->pkt, c->pkt, c->len) == 0)
			return;
	}
	/* Cannot fill up with at most a few commands per controller; if
	 * it ever did, the controller's timeout path starts it over. */
	if (d->qlen == QUEUE_MAX)
		return;
	d->q[(d->qhead + d->qlen) % QUEUE_MAX] = *c;
	d->qlen++;
}

/* Drops queued commands for one controller (it went away). */
static void queue_drop_index(struct vg_discovery *d, uint16_t index)
{
	struct cmd keep[QUEUE_MAX];
	unsigned n = 0;

	for (unsigned i = 0; i < d->qlen; i++) {
		const struct cmd *o = &d->q[(d->qhead + i) % QUEUE_MAX];
		if (o->index != index)
			keep[n++] = *o;
	}
	memcpy(d->q, keep, n * sizeof(keep[0]));
	d->qhead = 0;
	d->qlen = n;
}

static void mgmt_cmd(struct vg_discovery *d, uint16_t opcode, uint16_t index,
		     const uint8_t *param, uint16_t plen)
{
	struct cmd c;
	int n;

	memset(&c, 0, sizeof(c));
	n = vg_mgmt_encode(c.pkt, sizeof(c.pkt), opcode, index, param, plen);
	if (n < 0)
		return; /* cannot happen: our commands are tiny */
	c.len = (uint8_t)n;
	c.opcode = opcode;
	c.index = index;
	queue_push(d, &c);
}

static void mgmt_cmd_u8(struct vg_discovery *d, uint16_t opcode, uint16_t index,
			uint8_t value)
{
	mgmt_cmd(d, opcode, index, &value, 1);
}

/* ---- controllers ---- */

static struct ctl *ctl_find(struct vg_discovery *d, uint16_t index)
{
	for (size_t i = 0; i < VG_DISCOVERY_MAX_CONTROLLERS; i++)
		if (d->ctl[i].used && d->ctl[i].index == index)
			return &d->ctl[i];
	return NULL;
}

static struct ctl *ctl_add(struct vg_discovery *d, uint16_t index)
{
	struct ctl *c = ctl_find(d, index);

	if (c)
		return c;
	for (size_t i = 0; i < VG_DISCOVERY_MAX_CONTROLLERS; i++) {
		if (!d->ctl[i].used) {
			c = &d->ctl[i];
			memset(c, 0, sizeof(*c));
			c->used = true;
			c->index = index;
			c->last_start = -1;
			return c;
		}
	}
	return NULL;
}

static bool any_ctl(const struct vg_discovery *d)
{
	for (size_t i = 0; i < VG_DISCOVERY_MAX_CONTROLLERS; i++)
		if (d->ctl[i].used)
			return true;
	return false;
}

static void drop_candidates_of(struct vg_discovery *d, uint16_t index);

static void ctl_remove(struct vg_discovery *d, struct ctl *c)
{
	uint16_t index = c->index;

	c->used = false;
	queue_drop_index(d, index);
	drop_candidates_of(d, index);
	if (d->running && !any_ctl(d))
		d->err = -ENODEV;
}

static bool index_wanted(const struct vg_discovery *d, uint16_t index)
{
	return d->cfg.index == VG_DISCOVERY_ANY_INDEX ||
	       d->cfg.index == (int)index;
}

static void ctl_wait(struct ctl *c, int err, int64_t at)
{
	c->st = CTL_WAIT;
	c->err = err;
	c->retry_at = at;
}

static void ctl_fail(struct ctl *c, enum ctl_state st, int err)
{
	c->st = st;
	c->err = err;
}

static void mark_scanning(struct vg_discovery *d, struct ctl *c, int64_t now)
{
	c->st = CTL_DISCOVERING;
	c->err = 0;
	if (d->scan_started < 0)
		d->scan_started = now;
}

/* ---- management interface back end ---- */

static void mgmt_read_info(struct vg_discovery *d, struct ctl *c)
{
	c->st = CTL_INFO;
	mgmt_cmd(d, VG_MGMT_OP_READ_INFO, c->index, NULL, 0);
}

static void mgmt_start_discovery(struct vg_discovery *d, struct ctl *c,
				 int64_t now)
{
	c->st = CTL_STARTING;
	c->last_start = now;
	mgmt_cmd_u8(d, VG_MGMT_OP_START_DISCOVERY, c->index,
		    VG_MGMT_DISCOVER_LE);
}

/*
 * From what the settings say, the next step towards LE discovery: LE on
 * and power on (only when allowed: the user may have switched the adapter
 * off on purpose), then Start Discovery.
 */
static void mgmt_advance(struct vg_discovery *d, struct ctl *c, int64_t now)
{
	bool powered = c->settings & VG_MGMT_SETTING_POWERED;
	bool le = c->settings & VG_MGMT_SETTING_LE;

	if (!powered) {
		if (!d->cfg.power_on) {
			ctl_fail(c, CTL_OFF, -ENETDOWN);
			return;
		}
		/* Set Low Energy works while powered off, and the power-on
		 * then brings LE up with the rest. */
		c->st = CTL_POWERING;
		if (!le)
			mgmt_cmd_u8(d, VG_MGMT_OP_SET_LE, c->index, 1);
		mgmt_cmd_u8(d, VG_MGMT_OP_SET_POWERED, c->index, 1);
		return;
	}
	if (!le) {
		/* A dual-mode adapter brought up without bluetoothd has LE
		 * off in the host (e2e/README.md, pitfall 5). */
		c->st = CTL_POWERING;
		mgmt_cmd_u8(d, VG_MGMT_OP_SET_LE, c->index, 1);
		return;
	}
	mgmt_start_discovery(d, c, now);
}

static int mgmt_errno(uint8_t status)
{
	switch (status) {
	case VG_MGMT_SUCCESS:
		return 0;
	case VG_MGMT_BUSY:
		return -EBUSY;
	case VG_MGMT_NOT_POWERED:
		return -ENETDOWN;
	case VG_MGMT_RFKILLED:
		return -ERFKILL;
	case VG_MGMT_PERMISSION_DENIED:
		return -EPERM;
	case VG_MGMT_UNKNOWN_COMMAND:
	case VG_MGMT_NOT_SUPPORTED:
		return -EOPNOTSUPP;
	case VG_MGMT_INVALID_INDEX:
		return -ENODEV;
	case VG_MGMT_TIMEOUT:
		return -ETIMEDOUT;
	}
	return -EIO;
}

/* A failure that any command of a controller can meet. */
static void mgmt_ctl_failed(struct vg_discovery *d, struct ctl *c, int err,
			    int64_t now)
{
	switch (err) {
	case -ENODEV:
		ctl_remove(d, c);
		return;
	case -EPERM:
	case -EACCES:
	case -EOPNOTSUPP:
		ctl_fail(c, CTL_UNUSABLE, err == -EACCES ? -EPERM : err);
		return;
	case -ERFKILL:
		/* Blocked until the user unblocks it; New Settings tells
		 * us when it powers up again. */
		ctl_fail(c, CTL_OFF, err);
		return;
	case -EBUSY:
		ctl_wait(c, err, now + BUSY_RETRY_MS);
		return;
	}
	ctl_wait(c, err, now + FAIL_RETRY_MS);
}

static void mgmt_index_list(struct vg_discovery *d, const uint8_t *ret,
			    size_t rlen)
{
	const uint8_t *list;
	uint16_t count;

	if (vg_mgmt_parse_index_list(ret, rlen, &count, &list) < 0) {
		d->err = -EIO;
		return;
	}
	for (uint16_t i = 0; i < count; i++) {
		uint16_t index = vg_mgmt_index_at(list, i);
		struct ctl *c;

		if (!index_wanted(d, index) || ctl_find(d, index))
			continue;
		c = ctl_add(d, index);
		if (c)
			mgmt_read_info(d, c);
	}
	if (!any_ctl(d))
		d->err = -ENODEV;
}

static void mgmt_result(struct vg_discovery *d, const struct cmd *cmd, int err,
			const uint8_t *ret, size_t rlen, int64_t now)
{
	struct ctl *c = ctl_find(d, cmd->index);
	struct vg_mgmt_version v;
	struct vg_mgmt_info info;
	uint32_t settings;

	switch (cmd->opcode) {
	case VG_MGMT_OP_READ_VERSION:
		/* Informational only: discovery works on every version. */
		if (err == 0 && vg_mgmt_parse_version(ret, rlen, &v) == 0) {
			d->version = v.version;
			d->revision = v.revision;
		}
		return;
	case VG_MGMT_OP_READ_INDEX_LIST:
		if (err)
			d->err = err == -EACCES ? -EPERM : err;
		else if (d->running)
			mgmt_index_list(d, ret, rlen);
		return;
	}
	if (!c)
		return;
	if (cmd->opcode == VG_MGMT_OP_STOP_DISCOVERY) {
		/* Rejected means it had already ended: stopped either way. */
		if (c->st == CTL_STOPPING || !d->running)
			c->st = CTL_IDLE;
		return;
	}
	if (!d->running)
		return;
	if (err) {
		/* Not Powered from Start Discovery: the settings changed
		 * under us; read them again. */
		if (err == -ENETDOWN && cmd->opcode != VG_MGMT_OP_READ_INFO) {
			mgmt_read_info(d, c);
			return;
		}
		mgmt_ctl_failed(d, c, err, now);
		return;
	}
	switch (cmd->opcode) {
	case VG_MGMT_OP_READ_INFO:
		if (vg_mgmt_parse_info(ret, rlen, &info) < 0) {
			ctl_wait(c, -EIO, now + FAIL_RETRY_MS);
			return;
		}
		c->settings = info.current;
		if (!(info.supported & VG_MGMT_SETTING_LE)) {
			ctl_fail(c, CTL_UNUSABLE, -EOPNOTSUPP);
			return;
		}
		mgmt_advance(d, c, now);
		return;
	case VG_MGMT_OP_SET_LE:
	case VG_MGMT_OP_SET_POWERED:
		if (vg_mgmt_parse_settings(ret, rlen, &settings) == 0)
			c->settings = settings;
		/* Set Powered may still be queued behind Set LE. */
		if (cmd->opcode == VG_MGMT_OP_SET_LE &&
		    !(c->settings & VG_MGMT_SETTING_POWERED) && d->cfg.power_on)
			return;
		if (c->st == CTL_POWERING)
			mgmt_advance(d, c, now);
		return;
	case VG_MGMT_OP_START_DISCOVERY:
		mark_scanning(d, c, now);
		return;
	}
}

static void mgmt_discovering(struct vg_discovery *d, struct ctl *c,
			     const struct vg_mgmt_event *ev, int64_t now)
{
	int64_t at;

	if (!(ev->u.discovering.type & VG_MGMT_DISCOVER_LE) || !d->running)
		return;
	if (ev->u.discovering.on) {
		if (c->st != CTL_STOPPING && c->st != CTL_STARTING)
			mark_scanning(d, c, now);
		return;
	}
	/* Ended: by the kernel's discovery timeout, another program's stop,
	 * or a connection attempt. Start again, but not in a tight loop. */
	if (c->st != CTL_DISCOVERING &&
	    !(c->st == CTL_WAIT && c->err == -EBUSY))
		return;
	at = c->last_start + RESTART_MIN_MS;
	if (c->last_start < 0 || at <= now)
		mgmt_start_discovery(d, c, now);
	else
		ctl_wait(c, 0, at);
}

static void mgmt_new_settings(struct vg_discovery *d, struct ctl *c,
			      uint32_t settings, int64_t now)
{
	uint32_t old = c->settings;

	c->settings = settings;
	if (!d->running)
		return;
	if ((old & VG_MGMT_SETTING_POWERED) &&
	    !(settings & VG_MGMT_SETTING_POWERED)) {
		/* Switched off (by the user, or rfkill): not ours to undo. */
		ctl_fail(c, CTL_OFF, -ENETDOWN);
		return;
	}
	if (c->st == CTL_OFF && (settings & VG_MGMT_SETTING_POWERED)) {
		mgmt_advance(d, c, now);
		return;
	}
	if ((c->st == CTL_DISCOVERING || c->st == CTL_WAIT) &&
	    !(settings & VG_MGMT_SETTING_LE))
		mgmt_advance(d, c, now);
}

static void upsert(struct vg_discovery *d, uint16_t index,
		   const uint8_t bdaddr[6], enum vg_addr_bt_type type,
		   int8_t rssi, int conn, const uint8_t *data, size_t dlen,
		   int64_t now);

static int mgmt_input(struct vg_discovery *d, const uint8_t *buf, size_t len,
		      int64_t now)
{
	struct vg_mgmt_event ev;
	struct ctl *c;
	int err;

	if (vg_mgmt_decode(buf, len, &ev) < 0)
		return -EBADMSG;
	switch (ev.code) {
	case VG_MGMT_EV_CMD_COMPLETE:
	case VG_MGMT_EV_CMD_STATUS:
		if (!d->waiting || d->out.opcode != ev.u.cmd.opcode ||
		    d->out.index != ev.index)
			return 0;
		/* A successful Command Status only says "in progress". */
		if (ev.code == VG_MGMT_EV_CMD_STATUS &&
		    ev.u.cmd.status == VG_MGMT_SUCCESS)
			return 0;
		d->waiting = false;
		err = mgmt_errno(ev.u.cmd.status);
		if (d->out.tolerant)
			err = 0;
		mgmt_result(d, &d->out, err, ev.u.cmd.ret, ev.u.cmd.rlen, now);
		return 0;
	case VG_MGMT_EV_INDEX_ADDED:
		if (!d->running || !index_wanted(d, ev.index) ||
		    ctl_find(d, ev.index))
			return 0;
		c = ctl_add(d, ev.index);
		if (c) {
			if (d->err == -ENODEV)
				d->err = 0;
			mgmt_read_info(d, c);
		}
		return 0;
	case VG_MGMT_EV_INDEX_REMOVED:
		c = ctl_find(d, ev.index);
		if (c)
			ctl_remove(d, c);
		return 0;
	}
	c = ctl_find(d, ev.index);
	if (!c)
		return 0;
	switch (ev.code) {
	case VG_MGMT_EV_NEW_SETTINGS:
		mgmt_new_settings(d, c, ev.u.settings, now);
		break;
	case VG_MGMT_EV_DISCOVERING:
		mgmt_discovering(d, c, &ev, now);
		break;
	case VG_MGMT_EV_DEVICE_FOUND:
		/* LE only: BR/EDR results of someone's interleaved
		 * discovery are no strap. */
		if (!d->running ||
		    (ev.u.found.addr_type != VG_MGMT_ADDR_LE_PUBLIC &&
		     ev.u.found.addr_type != VG_MGMT_ADDR_LE_RANDOM))
			break;
		upsert(d, ev.index, ev.u.found.bdaddr,
		       ev.u.found.addr_type == VG_MGMT_ADDR_LE_RANDOM
			   ? VG_ADDR_LE_RANDOM
			   : VG_ADDR_LE_PUBLIC,
		       ev.u.found.rssi,
		       !(ev.u.found.flags & VG_MGMT_FOUND_NOT_CONNECTABLE),
		       ev.u.found.eir, ev.u.found.eir_len, now);
		break;
	}
	return 0;
}

/* ---- raw HCI back end ---- */

static void raw_cmd(struct vg_discovery *d, struct ctl *c, int n,
		    const uint8_t *pkt, uint16_t opcode, bool tolerant)
{
	struct cmd cmd;

	if (n < 0)
		return;
	memset(&cmd, 0, sizeof(cmd));
	memcpy(cmd.pkt, pkt, (size_t)n);
	cmd.len = (uint8_t)n;
	cmd.opcode = opcode;
	cmd.index = c->index;
	cmd.tolerant = tolerant;
	queue_push(d, &cmd);
}

/*
 * (Re)starts the scan: disable first (a scan left on by someone else
 * makes Set Scan Parameters fail with Command Disallowed; the disable's
 * own failure when nothing scans is harmless), parameters, enable with
 * duplicate filtering.
 */
static void raw_begin(struct vg_discovery *d, struct ctl *c, int64_t now)
{
	uint8_t pkt[VG_DISCOVERY_CMD_MAX];

	c->st = CTL_STARTING;
	c->last_start = now;
	raw_cmd(d, c, vg_hci_cmd_le_scan_enable(pkt, sizeof(pkt), false, false),
		pkt, VG_HCI_OP_LE_SET_SCAN_ENABLE, true);
	raw_cmd(d, c,
		vg_hci_cmd_le_scan_params(pkt, sizeof(pkt), true,
					  RAW_SCAN_INTERVAL, RAW_SCAN_WINDOW,
					  0),
		pkt, VG_HCI_OP_LE_SET_SCAN_PARAMS, false);
	raw_cmd(d, c, vg_hci_cmd_le_scan_enable(pkt, sizeof(pkt), true, true),
		pkt, VG_HCI_OP_LE_SET_SCAN_ENABLE, false);
}

static int hci_errno(uint8_t status)
{
	switch (status) {
	case VG_HCI_SUCCESS:
		return 0;
	case VG_HCI_UNKNOWN_COMMAND:
		return -EOPNOTSUPP;
	case VG_HCI_COMMAND_DISALLOWED:
		return -EBUSY;
	}
	return -EIO;
}

static void raw_result(struct vg_discovery *d, const struct cmd *cmd, int err,
		       int64_t now)
{
	struct ctl *c = ctl_find(d, cmd->index);

	if (!c)
		return;
	if (c->st == CTL_STOPPING || !d->running) {
		c->st = CTL_IDLE;
		return;
	}
	if (err) {
		/* The rest of this start sequence is moot. */
		queue_clear(d);
		if (err == -EPERM || err == -EACCES || err == -EOPNOTSUPP)
			ctl_fail(c, CTL_UNUSABLE,
				 err == -EACCES ? -EPERM : err);
		else if (err == -ENODEV || err == -ENETDOWN)
			ctl_fail(c, CTL_OFF, -ENETDOWN);
		else
			ctl_wait(c, err,
				 now + (err == -EBUSY ? BUSY_RETRY_MS
						      : FAIL_RETRY_MS));
		return;
	}
	/* The last command of the sequence is the enable. */
	if (cmd->opcode == VG_HCI_OP_LE_SET_SCAN_ENABLE && !cmd->tolerant &&
	    cmd->pkt[4] == 0x01) {
		mark_scanning(d, c, now);
		c->retry_at = now + d->cfg.cycle_ms;
	}
}

/* Advertising report address types 2/3 are resolved identities. */
static enum vg_addr_bt_type raw_addr_type(uint8_t t)
{
	return (t == 1 || t == 3) ? VG_ADDR_LE_RANDOM : VG_ADDR_LE_PUBLIC;
}

static int raw_input(struct vg_discovery *d, const uint8_t *buf, size_t len,
		     int64_t now)
{
	struct vg_hci_event ev;
	struct vg_hci_adv_iter it;
	struct vg_hci_adv_report r;
	uint16_t opcode;
	uint8_t status;
	int conn;

	if (vg_hci_decode_event(buf, len, &ev) < 0)
		return -EBADMSG;
	switch (ev.code) {
	case VG_HCI_EV_CMD_COMPLETE:
	case VG_HCI_EV_CMD_STATUS:
		if (ev.code == VG_HCI_EV_CMD_COMPLETE) {
			/* Our commands all return a status first. */
			if (!ev.u.cmd_complete.has_status)
				return 0;
			opcode = ev.u.cmd_complete.opcode;
			status = ev.u.cmd_complete.status;
		} else {
			opcode = ev.u.cmd_status.opcode;
			status = ev.u.cmd_status.status;
			if (status == VG_HCI_SUCCESS)
				return 0;
		}
		/* The raw socket also sees completions of the kernel's own
		 * commands: only the opcode we wait for counts. (HCI events
		 * name no sender, so the kernel's own LE Set Scan Enable at
		 * the same moment would be taken for ours; the next cycle
		 * sets things right. The mgmt back end has no such gap.) */
		if (!d->waiting || opcode != d->out.opcode)
			return 0;
		d->waiting = false;
		raw_result(d, &d->out, d->out.tolerant ? 0 : hci_errno(status),
			   now);
		return 0;
	case VG_HCI_EV_LE_META:
		if (ev.subevent != VG_HCI_LE_ADV_REPORT || !d->running)
			return 0;
		vg_hci_adv_iter_init(&it, &ev);
		while (vg_hci_adv_next(&it, &r) > 0) {
			switch (r.event_type) {
			case VG_HCI_ADV_IND:
			case VG_HCI_ADV_DIRECT_IND:
				conn = 1;
				break;
			case VG_HCI_SCAN_RSP:
				conn = -1; /* says nothing about it */
				break;
			default:
				conn = 0;
			}
			upsert(d, (uint16_t)d->cfg.index, r.bdaddr,
			       raw_addr_type(r.addr_type), r.rssi, conn, r.data,
			       r.data_len, now);
		}
		return 0;
	}
	return 0;
}

/* ---- candidate table ---- */

static bool is_remembered(const struct vg_discovery *d, const uint8_t bdaddr[6],
			  enum vg_addr_bt_type type)
{
	return d->cfg.remembered.kind == VG_ADDR_BT &&
	       d->cfg.remembered.bt_type == type &&
	       memcmp(d->cfg.remembered.bdaddr, bdaddr, 6) == 0;
}

static void remove_at(struct vg_discovery *d, size_t i)
{
	d->cand[i] = d->cand[--d->ncand];
}

static void drop_candidates_of(struct vg_discovery *d, uint16_t index)
{
	for (size_t i = 0; i < d->ncand;)
		if (d->cand[i].index == index)
			remove_at(d, i);
		else
			i++;
}

/*
 * Room for a newcomer in a full table: the stalest entry that is neither
 * a heart-rate sensor nor remembered; if all are, the stalest
 * non-remembered one, but only for a newcomer that is itself a heart-rate
 * sensor. A crowded gym must not push the strap out. Returns the slot, or
 * d->ncand when the newcomer should be dropped.
 */
static size_t victim(const struct vg_discovery *d, bool newcomer_hr)
{
	size_t best = d->ncand;

	for (size_t i = 0; i < d->ncand; i++) {
		const struct vg_discovery_candidate *c = &d->cand[i];
		if (c->heart_rate || c->remembered)
			continue;
		if (best == d->ncand || c->last_seen < d->cand[best].last_seen)
			best = i;
	}
	if (best < d->ncand || !newcomer_hr)
		return best;
	for (size_t i = 0; i < d->ncand; i++) {
		const struct vg_discovery_candidate *c = &d->cand[i];
		if (c->remembered)
			continue;
		if (best == d->ncand || c->last_seen < d->cand[best].last_seen)
			best = i;
	}
	return best;
}

/*
 * Merges one report into the table. Reports of one device arrive in
 * pieces (advertising data, then the scan response with the name), so
 * what a report lacks is kept from earlier ones and the service flag
 * sticks. @conn: 1 connectable, 0 not, -1 unknown (a scan response).
 */
static void upsert(struct vg_discovery *d, uint16_t index,
		   const uint8_t bdaddr[6], enum vg_addr_bt_type type,
		   int8_t rssi, int conn, const uint8_t *data, size_t dlen,
		   int64_t now)
{
	struct vg_discovery_candidate *c = NULL;
	struct vg_adv adv;
	bool remembered = is_remembered(d, bdaddr, type);

	/* A malformed tail still leaves the structures before it. */
	(void)vg_adv_parse(data, dlen, &adv);
	for (size_t i = 0; i < d->ncand; i++) {
		if (d->cand[i].type == type &&
		    memcmp(d->cand[i].bdaddr, bdaddr, 6) == 0) {
			c = &d->cand[i];
			break;
		}
	}
	if (!c) {
		size_t slot = d->ncand;
		if (d->ncand == d->cfg.max_candidates) {
			slot =
			    victim(d, vg_adv_is_heart_rate(&adv) || remembered);
			if (slot == d->ncand)
				return;
		} else {
			d->ncand++;
		}
		c = &d->cand[slot];
		memset(c, 0, sizeof(*c));
		memcpy(c->bdaddr, bdaddr, 6);
		c->type = type;
		c->first_seen = now;
		c->connectable = true;
		c->remembered = remembered;
	}
	c->index = index;
	c->last_seen = now;
	/* Heard something: scanning runs, ours or another program's. */
	if (d->scan_started < 0)
		d->scan_started = now;
	/* 127: "RSSI not available"; keep the last real one. */
	if (rssi != 127) {
		c->rssi = rssi;
		c->rssi_valid = true;
	}
	if (conn >= 0)
		c->connectable = conn == 1;
	c->hrs = c->hrs || adv.hrs;
	if (adv.has_appearance) {
		c->has_appearance = true;
		c->appearance = adv.appearance;
	}
	if (adv.has_tx_power) {
		c->has_tx_power = true;
		c->tx_power = adv.tx_power;
	}
	if (adv.has_name && (adv.name_complete || !c->name_complete)) {
		memcpy(c->name, adv.name, sizeof(c->name));
		c->name_complete = adv.name_complete;
	}
	c->heart_rate = c->hrs || (c->has_appearance &&
				   vg_adv_is_hr_appearance(c->appearance));
}

static void age_out(struct vg_discovery *d, int64_t now)
{
	for (size_t i = 0; i < d->ncand;)
		if (now - d->cand[i].last_seen >= d->cfg.max_age_ms)
			remove_at(d, i);
		else
			i++;
}

/* Strongest first; unknown RSSI last; then by address as printed. */
static int cmp_cand(const struct vg_discovery_candidate *a,
		    const struct vg_discovery_candidate *b)
{
	if (a->rssi_valid != b->rssi_valid)
		return a->rssi_valid ? -1 : 1;
	if (a->rssi_valid && a->rssi != b->rssi)
		return a->rssi > b->rssi ? -1 : 1;
	for (int i = 5; i >= 0; i--)
		if (a->bdaddr[i] != b->bdaddr[i])
			return a->bdaddr[i] < b->bdaddr[i] ? -1 : 1;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	return 0;
}

static int cmp_cand_ptr(const void *pa, const void *pb)
{
	const struct vg_discovery_candidate *const *a = pa;
	const struct vg_discovery_candidate *const *b = pb;
	return cmp_cand(*a, *b);
}

/* ---- public ---- */

struct vg_discovery *vg_discovery_new(const struct vg_discovery_config *cfg)
{
	struct vg_discovery *d;

	if (!cfg ||
	    (cfg->mode != VG_DISCOVERY_MGMT && cfg->mode != VG_DISCOVERY_RAW))
		return NULL;
	if (cfg->mode == VG_DISCOVERY_RAW && cfg->index < 0)
		return NULL;
	if (cfg->index < VG_DISCOVERY_ANY_INDEX || cfg->index >= 0xFFFF ||
	    cfg->max_age_ms < 0 || cfg->settle_ms < 0 || cfg->cycle_ms < 0)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->cfg = *cfg;
	if (!d->cfg.max_age_ms)
		d->cfg.max_age_ms = DEFAULT_MAX_AGE_MS;
	if (!d->cfg.cycle_ms)
		d->cfg.cycle_ms = DEFAULT_CYCLE_MS;
	if (!d->cfg.max_candidates)
		d->cfg.max_candidates = DEFAULT_MAX_CANDIDATES;
	d->cand = calloc(d->cfg.max_candidates, sizeof(d->cand[0]));
	if (!d->cand) {
		free(d);
		return NULL;
	}
	d->scan_started = -1;
	return d;
}

void vg_discovery_free(struct vg_discovery *d)
{
	if (!d)
		return;
	free(d->cand);
	free(d);
}

void vg_discovery_start(struct vg_discovery *d, int64_t now)
{
	struct ctl *c;

	if (d->running)
		return;
	d->running = true;
	d->err = 0;
	d->scan_started = -1;
	d->settled = false;
	if (d->cfg.mode == VG_DISCOVERY_RAW) {
		c = ctl_add(d, (uint16_t)d->cfg.index);
		raw_begin(d, c, now);
		return;
	}
	/* Controllers already known (a restart) are read again; the index
	 * list brings any new ones. */
	for (size_t i = 0; i < VG_DISCOVERY_MAX_CONTROLLERS; i++)
		if (d->ctl[i].used)
			mgmt_read_info(d, &d->ctl[i]);
	mgmt_cmd(d, VG_MGMT_OP_READ_VERSION, VG_MGMT_INDEX_NONE, NULL, 0);
	mgmt_cmd(d, VG_MGMT_OP_READ_INDEX_LIST, VG_MGMT_INDEX_NONE, NULL, 0);
}

void vg_discovery_stop(struct vg_discovery *d, int64_t now)
{
	uint8_t pkt[VG_DISCOVERY_CMD_MAX];

	(void)now;
	if (!d->running)
		return;
	d->running = false;
	queue_clear(d);
	for (size_t i = 0; i < VG_DISCOVERY_MAX_CONTROLLERS; i++) {
		struct ctl *c = &d->ctl[i];
		/* Only scans we may have started; stopping another
		 * program's discovery is not ours to do (the kernel would
		 * refuse it anyway). */
		bool ours = c->st == CTL_DISCOVERING || c->st == CTL_STARTING;
		if (!c->used)
			continue;
		if (!ours) {
			c->st = CTL_IDLE;
			continue;
		}
		c->st = CTL_STOPPING;
		if (d->cfg.mode == VG_DISCOVERY_RAW)
			raw_cmd(d, c,
				vg_hci_cmd_le_scan_enable(pkt, sizeof(pkt),
							  false, false),
				pkt, VG_HCI_OP_LE_SET_SCAN_ENABLE, true);
		else
			mgmt_cmd_u8(d, VG_MGMT_OP_STOP_DISCOVERY, c->index,
				    VG_MGMT_DISCOVER_LE);
	}
}

int vg_discovery_input(struct vg_discovery *d, const uint8_t *buf, size_t len,
		       int64_t now)
{
	if (d->cfg.mode == VG_DISCOVERY_RAW)
		return raw_input(d, buf, len, now);
	return mgmt_input(d, buf, len, now);
}

int vg_discovery_peek(const struct vg_discovery *d, uint8_t *buf, size_t cap)
{
	const struct cmd *c;

	if (d->waiting || d->qlen == 0)
		return 0;
	c = &d->q[d->qhead];
	if (cap < c->len)
		return -EMSGSIZE;
	memcpy(buf, c->pkt, c->len);
	return c->len;
}

static struct cmd queue_pop(struct vg_discovery *d)
{
	struct cmd c = d->q[d->qhead];

	d->qhead = (d->qhead + 1) % QUEUE_MAX;
	d->qlen--;
	return c;
}

void vg_discovery_sent(struct vg_discovery *d, int64_t now)
{
	if (d->waiting || d->qlen == 0)
		return;
	d->out = queue_pop(d);
	d->waiting = true;
	d->out_deadline = now + CMD_TIMEOUT_MS;
}

static void result(struct vg_discovery *d, const struct cmd *cmd, int err,
		   int64_t now)
{
	if (cmd->tolerant && err != -EPERM && err != -EACCES)
		err = 0;
	if (d->cfg.mode == VG_DISCOVERY_RAW)
		raw_result(d, cmd, err, now);
	else
		mgmt_result(d, cmd, err, NULL, 0, now);
}

void vg_discovery_send_failed(struct vg_discovery *d, int err, int64_t now)
{
	struct cmd cmd;

	if (d->waiting || d->qlen == 0)
		return;
	cmd = queue_pop(d);
	result(d, &cmd, err < 0 ? err : -EIO, now);
}

bool vg_discovery_pending(const struct vg_discovery *d)
{
	return d->waiting || d->qlen > 0;
}

static int64_t earlier(int64_t a, int64_t b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

int64_t vg_discovery_deadline(const struct vg_discovery *d)
{
	int64_t t = -1;

	if (d->waiting)
		t = d->out_deadline;
	for (size_t i = 0; d->running && i < VG_DISCOVERY_MAX_CONTROLLERS;
	     i++) {
		const struct ctl *c = &d->ctl[i];
		if (!c->used)
			continue;
		if (c->st == CTL_WAIT || (c->st == CTL_DISCOVERING &&
					  d->cfg.mode == VG_DISCOVERY_RAW))
			t = earlier(t, c->retry_at);
	}
	for (size_t i = 0; i < d->ncand; i++)
		t = earlier(t, d->cand[i].last_seen + d->cfg.max_age_ms);
	if (d->running && !d->settled && d->cfg.settle_ms > 0 &&
	    d->scan_started >= 0)
		t = earlier(t, d->scan_started + d->cfg.settle_ms);
	return t;
}

void vg_discovery_tick(struct vg_discovery *d, int64_t now)
{
	struct cmd cmd;

	if (d->waiting && now >= d->out_deadline) {
		d->waiting = false;
		cmd = d->out;
		result(d, &cmd, -ETIMEDOUT, now);
	}
	for (size_t i = 0; d->running && i < VG_DISCOVERY_MAX_CONTROLLERS;
	     i++) {
		struct ctl *c = &d->ctl[i];
		if (!c->used || now < c->retry_at)
			continue;
		if (d->cfg.mode == VG_DISCOVERY_RAW) {
			/* A new cycle re-reports every device. */
			if (c->st == CTL_WAIT || c->st == CTL_DISCOVERING)
				raw_begin(d, c, now);
		} else if (c->st == CTL_WAIT) {
			/* A wait after Busy or a failure re-reads the
			 * settings; a restart delay starts at once. */
			if (c->err)
				mgmt_read_info(d, c);
			else
				mgmt_start_discovery(d, c, now);
		}
	}
	age_out(d, now);
	if (d->scan_started >= 0 && now >= d->scan_started + d->cfg.settle_ms)
		d->settled = true;
}

bool vg_discovery_scanning(const struct vg_discovery *d)
{
	for (size_t i = 0; i < VG_DISCOVERY_MAX_CONTROLLERS; i++)
		if (d->ctl[i].used && d->ctl[i].st == CTL_DISCOVERING)
			return true;
	return false;
}

/* Which problem to show when several controllers have one. */
static int severity(int err)
{
	switch (err) {
	case -EPERM:
		return 7;
	case -ERFKILL:
		return 6;
	case -ENETDOWN:
		return 5;
	case -EOPNOTSUPP:
		return 4;
	case -ETIMEDOUT:
		return 3;
	case -EIO:
		return 2;
	case -EBUSY:
		return 1;
	}
	return err ? 2 : 0;
}

int vg_discovery_error(const struct vg_discovery *d)
{
	int worst = 0;

	for (size_t i = 0; i < VG_DISCOVERY_MAX_CONTROLLERS; i++) {
		const struct ctl *c = &d->ctl[i];
		if (!c->used)
			continue;
		switch (c->st) {
		case CTL_INFO:
		case CTL_POWERING:
		case CTL_STARTING:
		case CTL_DISCOVERING:
			return 0;
		case CTL_WAIT:
			if (c->err == 0)
				return 0;
			break;
		default:
			break;
		}
		if (severity(c->err) > severity(worst))
			worst = c->err;
	}
	if (d->err)
		return d->err;
	if (worst)
		return worst;
	/* Started, the list answered, and nothing is there. */
	if (d->running && !any_ctl(d) && !d->waiting && d->qlen == 0)
		return -ENODEV;
	return 0;
}

void vg_discovery_mgmt_version(const struct vg_discovery *d, uint8_t *version,
			       uint16_t *revision)
{
	*version = d->version;
	*revision = d->revision;
}

size_t vg_discovery_list(const struct vg_discovery *d,
			 const struct vg_discovery_candidate **out, size_t max)
{
	size_t n = d->ncand < max ? d->ncand : max;

	if (n == 0)
		return d->ncand;
	/* Sort all, then keep the first @max: a partial list is still the
	 * strongest ones. */
	if (n == d->ncand) {
		for (size_t i = 0; i < n; i++)
			out[i] = &d->cand[i];
		qsort(out, n, sizeof(out[0]), cmp_cand_ptr);
		return d->ncand;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = NULL;
	/* Selection of the best @max without a second buffer. */
	for (size_t k = 0; k < n; k++) {
		const struct vg_discovery_candidate *best = NULL;
		for (size_t i = 0; i < d->ncand; i++) {
			const struct vg_discovery_candidate *c = &d->cand[i];
			bool taken = false;
			for (size_t j = 0; j < k; j++)
				taken = taken || out[j] == c;
			if (!taken && (!best || cmp_cand(c, best) < 0))
				best = c;
		}
		out[k] = best;
	}
	return d->ncand;
}

const struct vg_discovery_candidate *
vg_discovery_pick(const struct vg_discovery *d, int64_t now)
{
	const struct vg_discovery_candidate *best = NULL;

	for (size_t i = 0; i < d->ncand; i++)
		if (d->cand[i].remembered && d->cand[i].connectable)
			return &d->cand[i];
	if (d->scan_started < 0 || now < d->scan_started + d->cfg.settle_ms)
		return NULL;
	for (size_t i = 0; i < d->ncand; i++) {
		const struct vg_discovery_candidate *c = &d->cand[i];
		if (!c->heart_rate || !c->connectable)
			continue;
		if (!best || cmp_cand(c, best) < 0)
			best = c;
	}
	return best;
}

void vg_discovery_candidate_addr(const struct vg_discovery_candidate *c,
				 struct vg_addr *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = VG_ADDR_BT;
	memcpy(out->bdaddr, c->bdaddr, 6);
	out->bt_type = c->type;
}
