/* SPDX-License-Identifier: MIT */
/*
 * What each control verb does (the socket, framing, credentials and
 * bounds are sys/ctlsrv.c's). Replies are one JSON object:
 *
 *   status   {"version","state_dir","straps":[{"strap","state","addr",
 *            "model","manufacturer","battery_pct","contact","hr_bpm",
 *            "rmssd_ms","beats","malformed","session":{..}|null}]}
 *   start    {"id","strap","started_by":"command"}
 *   stop     {"id","strap","beats","link_drops","marks"}
 *   mark     {"id","strap","text"}
 *   watch    {"watching":STRAP|"all"}, then beat and event lines
 *   list     {"sessions":[{"id","finished","report"}]}
 *   report   {"id","dir","text"} (format=txt, the default) or
 *            {"id","dir","json"} (format=json; the report as a string)
 *   scan     {"scanning","devices":[{"addr","rssi","name","heart_rate",
 *            "connectable"}]}: what discovery for --strap auto hears
 *   version  {"version"}
 *
 * Error codes: nostrap (unknown strap, or several and none named),
 * nosession, exists, notfound, invalid, toolarge, internal.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"
#include "sys/btdisc.h"
#include "sys/ctlsrv.h"
#include "sys/loop.h"
#include "sys/report_write.h"
#include "vagus/json.h"
#include "vagus/version.h"

/* A reply must fit the client's queue; leave room for framing. */
#define REPLY_MAX (VG_CTLSRV_OUT_MAX / 2)
#define LIST_MAX 4096

static void on_watch(void *arg, const struct strap *s, bool event,
		     const char *json)
{
	struct vg_ctlsrv *srv = arg;

	if (event)
		vg_ctlsrv_broadcast_event(srv, s->name, json);
	else
		vg_ctlsrv_broadcast_beat(srv, s->name, json);
}

/*
 * The strap a request names: its spec as configured or as canonical
 * (unix:/x, bt:AA:..), or the only strap when none is named.
 */
static struct strap *find_strap(struct vagusd *d, const struct vg_ctl_req *req,
				struct vg_ctlsrv_client *c)
{
	const char *want = vg_ctl_get(req, "strap");
	struct vg_addr a;

	if (!want) {
		if (d->nstraps == 1)
			return d->straps[0];
		vg_ctlsrv_reply_err(c, "nostrap",
				    "vagusd has %zu straps: say which (strap=)",
				    d->nstraps);
		return NULL;
	}
	for (size_t i = 0; i < d->nstraps; i++) {
		struct strap *s = d->straps[i];
		if (!strcmp(s->name, want) ||
		    (s->have_addr && !strcmp(s->addr_text, want)))
			return s;
	}
	if (vg_addr_parse(want, &a, NULL) == 0) {
		char canon[VGD_NAME_MAX];
		vg_addr_format(&a, canon, sizeof(canon));
		for (size_t i = 0; i < d->nstraps; i++)
			if (d->straps[i]->have_addr &&
			    !strcmp(d->straps[i]->addr_text, canon))
				return d->straps[i];
	}
	vg_ctlsrv_reply_err(c, "nostrap", "no strap %s in this daemon", want);
	return NULL;
}

static void reply(struct vg_ctlsrv_client *c, struct vg_json *j)
{
	if (vg_json_error(j))
		vg_ctlsrv_reply_err(c, "internal", "reply too long");
	else
		vg_ctlsrv_reply_ok(c, vg_json_text(j));
	vg_json_free(j);
}

static void num_or_null(struct vg_json *j, const char *key, double v)
{
	/* vg_json writes NAN as null already; kept explicit for clarity. */
	vg_json_key_num(j, key, v);
}

static void do_status(struct vagusd *d, struct vg_ctlsrv_client *c)
{
	int64_t now = vg_loop_now(d->loop);
	struct vg_json j;

	vg_json_init(&j, NULL, 0, 0);
	vg_json_begin_object(&j);
	vg_json_key_str(&j, "version", VG_VERSION);
	vg_json_key_str(&j, "state_dir", d->o->state_dir);
	vg_json_key_array(&j, "straps");
	for (size_t i = 0; i < d->nstraps; i++) {
		const struct strap *s = d->straps[i];
		vg_json_begin_object(&j);
		vg_json_key_str(&j, "strap", s->name);
		vg_json_key_str(&j, "state", conn_state_name(s));
		vg_json_key_str(&j, "addr", s->have_addr ? s->addr_text : NULL);
		vg_json_key_str(&j, "model", s->have_facts ? s->model : NULL);
		vg_json_key_str(&j, "manufacturer",
				s->have_facts ? s->manufacturer : NULL);
		if (s->battery >= 0)
			vg_json_key_int(&j, "battery_pct", s->battery);
		else
			vg_json_key_null(&j, "battery_pct");
		if (s->contact == VG_CONTACT_OK ||
		    s->contact == VG_CONTACT_LOST)
			vg_json_key_bool(&j, "contact",
					 s->contact == VG_CONTACT_OK);
		else
			vg_json_key_null(&j, "contact");
		num_or_null(&j, "hr_bpm", s->last_hr);
		num_or_null(&j, "rmssd_ms", s->last_rmssd);
		vg_json_key_uint(&j, "beats", s->beats_total);
		vg_json_key_uint(&j, "malformed", s->malformed);
		if (s->sess) {
			const struct session *ss = s->sess;
			vg_json_key_object(&j, "session");
			vg_json_key_str(&j, "id", ss->id);
			vg_json_key_str(&j, "started_by",
					ss->by_command ? "command" : "auto");
			vg_json_key_num(
			    &j, "elapsed_s",
			    (double)(vgd_wall(d, now) - ss->started_wall) /
				1000.0);
			vg_json_key_uint(&j, "beats", ss->beats);
			vg_json_key_uint(&j, "link_drops", ss->link_drops);
			vg_json_key_uint(&j, "marks", ss->marks);
			vg_json_end_object(&j);
		} else {
			vg_json_key_null(&j, "session");
		}
		vg_json_end_object(&j);
	}
	vg_json_end_array(&j);
	vg_json_end_object(&j);
	reply(c, &j);
}

static void do_start(struct vagusd *d, struct vg_ctlsrv_client *c,
		     const struct vg_ctl_req *req)
{
	struct strap *s = find_strap(d, req, c);
	char err[256];
	struct vg_json j;
	int rc;

	if (!s)
		return;
	rc = session_start(s, true, vg_ctl_get(req, "tag"),
			   vg_ctl_get(req, "note"), vg_loop_now(d->loop), err,
			   sizeof(err));
	if (rc == -EALREADY) {
		vg_ctlsrv_reply_err(c, "exists", "%s", err);
		return;
	}
	if (rc < 0) {
		vg_ctlsrv_reply_err(c, "internal", "%s", err);
		return;
	}
	vg_json_init(&j, NULL, 0, 0);
	vg_json_begin_object(&j);
	vg_json_key_str(&j, "id", s->sess->id);
	vg_json_key_str(&j, "strap", s->name);
	vg_json_key_str(&j, "started_by", "command");
	vg_json_end_object(&j);
	reply(c, &j);
}

static void do_stop(struct vagusd *d, struct vg_ctlsrv_client *c,
		    const struct vg_ctl_req *req)
{
	struct strap *s = find_strap(d, req, c);
	struct vg_json j;
	char id[VGD_ID_MAX];
	uint64_t beats, drops, marks;

	if (!s)
		return;
	if (!s->sess) {
		vg_ctlsrv_reply_err(c, "nosession", "no session on %s",
				    s->name);
		return;
	}
	snprintf(id, sizeof(id), "%s", s->sess->id);
	beats = s->sess->beats;
	drops = s->sess->link_drops;
	marks = s->sess->marks;
	session_stop(s, "stopped by command", vg_loop_now(d->loop));
	vg_json_init(&j, NULL, 0, 0);
	vg_json_begin_object(&j);
	vg_json_key_str(&j, "id", id);
	vg_json_key_str(&j, "strap", s->name);
	vg_json_key_uint(&j, "beats", beats);
	vg_json_key_uint(&j, "link_drops", drops);
	vg_json_key_uint(&j, "marks", marks);
	vg_json_end_object(&j);
	reply(c, &j);
}

static void do_mark(struct vagusd *d, struct vg_ctlsrv_client *c,
		    const struct vg_ctl_req *req)
{
	struct strap *s = find_strap(d, req, c);
	const char *text = vg_ctl_get(req, "text");
	struct vg_json j;

	if (!s)
		return;
	if (!s->sess) {
		vg_ctlsrv_reply_err(c, "nosession", "no session on %s",
				    s->name);
		return;
	}
	session_record(s, VG_REC_EVENT, vg_loop_now(d->loop), text,
		       strlen(text));
	vg_json_init(&j, NULL, 0, 0);
	vg_json_begin_object(&j);
	vg_json_key_str(&j, "id", s->sess->id);
	vg_json_key_str(&j, "strap", s->name);
	vg_json_key_str(&j, "text", text);
	vg_json_end_object(&j);
	reply(c, &j);
}

static void do_watch(struct vagusd *d, struct vg_ctlsrv_client *c,
		     const struct vg_ctl_req *req)
{
	struct strap *s = NULL;
	struct vg_json j;

	if (vg_ctl_get(req, "strap")) {
		s = find_strap(d, req, c);
		if (!s)
			return;
	}
	vg_json_init(&j, NULL, 0, 0);
	vg_json_begin_object(&j);
	vg_json_key_str(&j, "watching", s ? s->name : "all");
	vg_json_end_object(&j);
	reply(c, &j);
	/* After the reply, so no beat overtakes it. */
	vg_ctlsrv_watch(c, s ? s->name : NULL);
	d->watchers = vg_ctlsrv_watchers(d->ctl);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Session IDs, oldest first; *@n of them in a heap array. */
static char **session_ids(struct vagusd *d, size_t *n)
{
	int fd = dup(d->sessions_fd);
	char **ids = NULL;
	struct dirent *e;
	DIR *dir;

	*n = 0;
	if (fd < 0)
		return NULL;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return NULL;
	}
	rewinddir(dir);
	ids = calloc(LIST_MAX, sizeof(*ids));
	while (ids && (e = readdir(dir)) != NULL && *n < LIST_MAX) {
		if (e->d_name[0] == '.')
			continue;
		ids[*n] = strdup(e->d_name);
		if (ids[*n])
			(*n)++;
	}
	closedir(dir);
	if (ids)
		qsort(ids, *n, sizeof(*ids), cmp_str);
	return ids;
}

static void free_ids(char **ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/* Whether a session of a strap is still running in @id. */
static bool running(const struct vagusd *d, const char *id)
{
	for (size_t i = 0; i < d->nstraps; i++)
		if (d->straps[i]->sess && !strcmp(d->straps[i]->sess->id, id))
			return true;
	return false;
}

static void do_list(struct vagusd *d, struct vg_ctlsrv_client *c)
{
	size_t n;
	char **ids = session_ids(d, &n);
	struct vg_json j;

	vg_json_init(&j, NULL, 0, 0);
	vg_json_begin_object(&j);
	vg_json_key_array(&j, "sessions");
	for (size_t i = 0; i < n; i++) {
		char path[VGD_ID_MAX + 32];
		vg_json_begin_object(&j);
		vg_json_key_str(&j, "id", ids[i]);
		vg_json_key_bool(&j, "finished", !running(d, ids[i]));
		snprintf(path, sizeof(path), "%s/report.json", ids[i]);
		vg_json_key_bool(&j, "report",
				 faccessat(d->sessions_fd, path, F_OK, 0) == 0);
		vg_json_end_object(&j);
	}
	vg_json_end_array(&j);
	vg_json_end_object(&j);
	free_ids(ids, n);
	if (vg_json_len(&j) > REPLY_MAX) {
		vg_json_free(&j);
		vg_ctlsrv_reply_err(c, "toolarge",
				    "%zu sessions: too many for one reply", n);
		return;
	}
	reply(c, &j);
}

static void do_report(struct vagusd *d, struct vg_ctlsrv_client *c,
		      const struct vg_ctl_req *req)
{
	const char *id = vg_ctl_get(req, "id");
	const char *format = vg_ctl_get(req, "format");
	bool json = format && !strcmp(format, "json");
	bool text =
	    !format || !strcmp(format, "txt") || !strcmp(format, "text");
	char want[VGD_ID_MAX + 1], dir[VGD_PATH_MAX + 64];
	uint8_t *buf = NULL;
	size_t len = 0, n;
	char **ids = NULL;
	struct vg_json j;
	int dfd, rc;

	if (!json && !text) {
		vg_ctlsrv_reply_err(c, "invalid", "format: txt or json");
		return;
	}
	if (!id || !strcmp(id, "last")) {
		/* The newest finished session. */
		ids = session_ids(d, &n);
		want[0] = '\0';
		for (size_t i = n; i-- > 0;)
			if (!running(d, ids[i])) {
				snprintf(want, sizeof(want), "%s", ids[i]);
				break;
			}
		free_ids(ids, n);
		if (!want[0]) {
			vg_ctlsrv_reply_err(c, "notfound",
					    "no finished session yet");
			return;
		}
	} else if (strchr(id, '/') || id[0] == '.' ||
		   strlen(id) >= sizeof(want)) {
		vg_ctlsrv_reply_err(c, "invalid", "not a session id: %s", id);
		return;
	} else {
		snprintf(want, sizeof(want), "%s", id);
	}
	dfd = openat(d->sessions_fd, want,
		     O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0) {
		vg_ctlsrv_reply_err(c, "notfound", "no session %s", want);
		return;
	}
	rc = vg_report_read_file(dfd, json ? "report.json" : "report.txt",
				 REPLY_MAX - 4096, &buf, &len);
	close(dfd);
	snprintf(dir, sizeof(dir), "%s/sessions/%s", d->o->state_dir, want);
	if (rc == -EFBIG) {
		vg_ctlsrv_reply_err(c, "toolarge",
				    "the report is too large for the control "
				    "socket: read %s/%s",
				    dir, json ? "report.json" : "report.txt");
		return;
	}
	if (rc < 0) {
		vg_ctlsrv_reply_err(
		    c, "notfound", "session %s has no report%s", want,
		    running(d, want) ? " yet: it is still running" : "");
		return;
	}
	vg_json_init(&j, NULL, 0, 0);
	vg_json_begin_object(&j);
	vg_json_key_str(&j, "id", want);
	vg_json_key_str(&j, "dir", dir);
	vg_json_key(&j, json ? "json" : "text");
	vg_json_strn(&j, (const char *)buf, len);
	vg_json_end_object(&j);
	free(buf);
	/* Escaping can grow it past what one reply may hold. */
	if (!vg_json_error(&j) && vg_json_len(&j) > REPLY_MAX) {
		vg_json_free(&j);
		vg_ctlsrv_reply_err(c, "toolarge",
				    "the report is too large for the control "
				    "socket: read %s",
				    dir);
		return;
	}
	reply(c, &j);
}

/* What the discovery of a --strap auto that is looking hears. */
static void do_scan(struct vagusd *d, struct vg_ctlsrv_client *c)
{
	const struct vg_discovery_candidate *list[64];
	bool scanning = false;
	struct vg_json j;

	vg_json_init(&j, NULL, 0, 0);
	vg_json_begin_object(&j);
	vg_json_key_array(&j, "devices");
	for (size_t i = 0; i < d->nstraps; i++) {
		struct strap *s = d->straps[i];
		struct vg_discovery *dv;
		size_t n;
		if (!s->disc)
			continue;
		dv = vg_btdisc_discovery(s->disc);
		scanning |= vg_discovery_scanning(dv);
		n = vg_discovery_list(dv, list, 64);
		for (size_t k = 0; k < n && k < 64; k++) {
			const struct vg_discovery_candidate *cd = list[k];
			struct vg_addr a;
			char addr[VGD_NAME_MAX];
			vg_discovery_candidate_addr(cd, &a);
			vg_addr_format(&a, addr, sizeof(addr));
			vg_json_begin_object(&j);
			vg_json_key_str(&j, "addr", addr);
			if (cd->rssi_valid)
				vg_json_key_int(&j, "rssi", cd->rssi);
			else
				vg_json_key_null(&j, "rssi");
			vg_json_key_str(&j, "name", cd->name);
			vg_json_key_bool(&j, "heart_rate", cd->heart_rate);
			vg_json_key_bool(&j, "connectable", cd->connectable);
			vg_json_end_object(&j);
		}
		/* Every looking strap shares the adapters: one list. */
		break;
	}
	vg_json_end_array(&j);
	vg_json_key_bool(&j, "scanning", scanning);
	vg_json_end_object(&j);
	reply(c, &j);
}

static void on_request(struct vg_ctlsrv *srv, struct vg_ctlsrv_client *c,
		       const struct vg_ctl_req *req, void *arg)
{
	struct vagusd *d = arg;

	switch (req->verb) {
	case VG_CTL_STATUS:
		do_status(d, c);
		break;
	case VG_CTL_START:
		do_start(d, c, req);
		break;
	case VG_CTL_STOP:
		do_stop(d, c, req);
		break;
	case VG_CTL_MARK:
		do_mark(d, c, req);
		break;
	case VG_CTL_WATCH:
		do_watch(d, c, req);
		break;
	case VG_CTL_LIST:
		do_list(d, c);
		break;
	case VG_CTL_REPORT:
		do_report(d, c, req);
		break;
	case VG_CTL_VERSION:
		vg_ctlsrv_reply_ok(c, "{\"version\":\"" VG_VERSION "\"}");
		break;
	case VG_CTL_SCAN:
		do_scan(d, c);
		break;
	default:
		vg_ctlsrv_reply_err(c, "invalid", "unknown verb");
		break;
	}
}

/* Why a control client was refused or dropped, into the daemon's log. */
static void on_ctl_log(void *arg, enum vg_ctlsrv_log_level level,
		       const char *msg)
{
	if (level == VG_CTLSRV_LOG_INFO)
		log_info("%s", msg);
	else
		log_debug("%s", msg);
}

int ctl_open(struct vagusd *d, char *err, size_t errlen)
{
	struct vg_ctlsrv_config cfg;
	int rc = 0;

	memset(&cfg, 0, sizeof(cfg));
	cfg.path = d->o->socket;
	cfg.group = VG_CTLSRV_NO_GROUP;
	cfg.log = on_ctl_log;
	if (d->o->socket_group[0]) {
		rc = vg_ctlsrv_group(d->o->socket_group, &cfg.group);
		if (rc < 0) {
			snprintf(err, errlen, "--socket-group %s: %s",
				 d->o->socket_group,
				 rc == -ENOENT ? "no such group"
					       : strerror(-rc));
			return rc;
		}
	}
	d->ctl = vg_ctlsrv_open(d->loop, &cfg, on_request, d, &rc);
	if (!d->ctl) {
		snprintf(err, errlen, "control socket %s: %s", d->o->socket,
			 rc == -EADDRINUSE ? "another vagusd is running there"
					   : strerror(-rc));
		return rc;
	}
	d->watch = on_watch;
	d->watch_arg = d->ctl;
	return 0;
}

void ctl_close(struct vagusd *d)
{
	vg_ctlsrv_close(d->ctl);
	d->ctl = NULL;
	d->watch = NULL;
}
