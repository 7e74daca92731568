// SPDX-License-Identifier: GPL-2.0-only
/*
 * earlydata dlt-forward: the backlog, then live records, of the selected
 * channels into a running dlt-daemon through libdlt: one DLT application
 * for the process (libdlt's rule: --dlt-app, else the first channel's
 * dlt-app, else EDAT), one context per channel (its dlt-ctx, else its
 * name's first 4 characters), each record with the producer's time stamp
 * (libdlt's user time stamp) and the level of its type.
 *
 * Nothing is lost on this side: a record is fetched, handed to libdlt,
 * and committed only once libdlt's own buffer is empty again, that is
 * once the message is in the daemon's FIFO. While the daemon is away
 * (libdlt keeps what it could not send and sends it when the daemon
 * is back) no record is committed and no further one read: the rest
 * stays in the ring, and a forwarder killed meanwhile forwards it again
 * when started again.
 */
#include <dlt/dlt.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../dlt/ed_dlt.h"
#include "earlydata.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct fwd {
	struct ed_channel *sel[EDT_MAX_SEL];
	DltContext ctx[EDT_MAX_SEL];
	unsigned long long last_ts[EDT_MAX_SEL];
	int nsel;
	size_t max_arg; /* bytes of payload one libdlt message can carry */
	unsigned long long records, losses;
};

/* A DLT id as libdlt takes it: up to 4 characters, NUL terminated. */
static void id_str(char out[5], const char id[4])
{
	memcpy(out, id, 4);
	out[4] = 0;
}

/* libdlt's log level of a record type (non-log types: info). */
static DltLogLevelType level_of(unsigned int type)
{
	unsigned int mstp, mtin;

	ed_dlt_map_type(type, &mstp, &mtin);
	return mstp == ED_DLT_MSTP_LOG ? (DltLogLevelType)mtin : DLT_LOG_INFO;
}

/*
 * A well-formed verbose, little-endian pass-through message: its
 * arguments go as they are, with its level and time stamp. 1 sent, 0 not
 * such a message, -1 libdlt refused it.
 */
static int send_passthrough(struct fwd *f, int i, const struct ed_msg *m)
{
	const unsigned char *p = m->data;
	DltContextData log;
	size_t o = 4;
	uint32_t tmsp = (uint32_t)(m->ts_ns / 100000u);

	if (m->type != ED_DLT_TYPE_PASSTHROUGH || ed_dlt_check(p, m->len, NULL))
		return 0;
	if (!(p[0] & 0x01) || (p[0] & 0x02))
		return 0; /* no extended header, or big-endian */
	o += p[0] & 0x04 ? 4u : 0u;
	o += p[0] & 0x08 ? 4u : 0u;
	if (p[0] & 0x10) {
		tmsp = (uint32_t)p[o] << 24 | (uint32_t)p[o + 1] << 16 |
		       (uint32_t)p[o + 2] << 8 | p[o + 3];
		o += 4;
	}
	if (!(p[o] & 1u) || m->len - (o + 10) > f->max_arg)
		return 0; /* non-verbose, or too large: sent raw */
	memset(&log, 0, sizeof(log));
	if (dlt_user_log_write_start_w_given_buffer(
		    &f->ctx[i], &log,
		    (p[o] >> 1 & 7u) ? DLT_LOG_INFO :
				       (DltLogLevelType)(p[o] >> 4),
		    (char *)(p + o + 10), (size_t)(m->len - (o + 10)),
		    p[o + 1]) <= 0)
		return 1; /* below the context's level: filtered */
	log.use_timestamp = DLT_USER_TIMESTAMP;
	log.user_timestamp = tmsp;
	return dlt_user_log_write_finish_w_given_buffer(&log) < 0 ? -1 : 1;
}

/* Hand one message to libdlt. 0, or -1 when libdlt refused it. */
static int send_msg(struct fwd *f, int i, const struct ed_msg *m)
{
	struct ed_channel *ch = f->sel[i];
	DltContextData log;
	DltLogLevelType lvl = DLT_LOG_WARN;
	char text[200], note[64];
	size_t n;
	int r;

	if (m->kind == ED_MSG_RECORD) {
		f->last_ts[i] = m->ts_ns;
		r = send_passthrough(f, i, m);
		if (r)
			return r < 0 ? -1 : 0;
		lvl = level_of(m->type);
	}
	if (dlt_user_log_write_start(&f->ctx[i], &log, lvl) <= 0)
		return 0; /* below the context's level: filtered */
	log.use_timestamp = DLT_USER_TIMESTAMP;
	log.user_timestamp = (uint32_t)(f->last_ts[i] / 100000u);
	if (m->kind == ED_MSG_LOSS) {
		if (m->loss_count)
			snprintf(text, sizeof(text),
				 "earlydata: channel %s lost %llu records, "
				 "seq %llu..%llu (%s)",
				 ch->cfg.name,
				 (unsigned long long)m->loss_count,
				 (unsigned long long)m->loss_first,
				 (unsigned long long)(m->loss_first +
						      m->loss_count - 1),
				 ed_loss_reason_name(m->loss_reason));
		else
			snprintf(text, sizeof(text),
				 "earlydata: channel %s: the producer started "
				 "a new ring (epoch %llu); records from seq "
				 "%llu lost, how many is unknown (%s)",
				 ch->cfg.name, (unsigned long long)m->epoch,
				 (unsigned long long)m->loss_first,
				 ed_loss_reason_name(m->loss_reason));
		dlt_user_log_write_utf8_string(&log, text);
		return dlt_user_log_write_finish(&log) < 0 ? -1 : 0;
	}
	n = m->len < f->max_arg ? m->len : f->max_arg;
	if (ed_dlt_utf8_valid(m->data, n) && !memchr(m->data, 0, n)) {
		while (n < m->len && n &&
		       (((const unsigned char *)m->data)[n] & 0xc0) == 0x80)
			n--; /* cut at a character's first byte */
		dlt_user_log_write_sized_utf8_string(&log, m->data,
						     (uint16_t)n);
	} else {
		dlt_user_log_write_raw(&log, (void *)m->data, (uint16_t)n);
	}
	if (n < m->len) {
		snprintf(note, sizeof(note), "[cut: %zu of %u bytes shown]", n,
			 m->len);
		dlt_user_log_write_utf8_string(&log, note);
	}
	return dlt_user_log_write_finish(&log) < 0 ? -1 : 0;
}

/* Until libdlt's buffer is empty (the daemon has it all), or stop. */
static void drain(void)
{
	int total, used;

	while (!stop) {
		if (dlt_user_check_buffer(&total, &used) < 0 || !used)
			return;
		dlt_user_log_resend_buffer();
		usleep(20000);
	}
}

/* One message of channel i: 1 forwarded, 0 none, -1 error. */
static int step(struct fwd *f, int i)
{
	static unsigned char buf[ED_MAX_RECORD_MAX];
	struct ed_msg m;
	int r;

	r = ed_user_next(f->sel[i], &m, buf, sizeof(buf), ED_USER_FETCH, 0);
	if (r == -ED_EPROTO || r == ED_MSG_NONE || r == -ED_EAGAIN)
		return 0;
	if (r < 0) {
		fprintf(stderr, "earlydata: channel %s: read failed (%d)\n",
			f->sel[i]->cfg.name, r);
		return -1;
	}
	while (!stop && send_msg(f, i, &m)) {
		/* libdlt's buffer is full: wait for the daemon, retry. */
		drain();
		usleep(20000);
	}
	drain();
	if (stop)
		return 0; /* not committed: it comes again */
	ed_commit(f->sel[i]);
	if (m.kind == ED_MSG_LOSS)
		f->losses++;
	else
		f->records++;
	return 1;
}

/* Register the application and one context per channel. 0 or -1. */
static int register_ids(struct fwd *f, const struct edt_opts *o)
{
	struct ed_dlt_ids ids;
	char app[5], ctx[5], desc[64];
	int i, k;

	ed_dlt_default_ids(&ids, NULL, f->sel[0]->cfg.name,
			   o->dlt_app ? o->dlt_app : f->sel[0]->cfg.dlt_app,
			   NULL);
	id_str(app, ids.app);
	if (dlt_register_app(app, "Earlydata records of a producer VM") < 0)
		return -1;
	for (i = 0; i < f->nsel; i++) {
		ed_dlt_default_ids(&ids, NULL, f->sel[i]->cfg.name, NULL,
				   f->sel[i]->cfg.dlt_ctx);
		for (k = 0; k < i; k++)
			if (!memcmp(f->ctx[k].contextID, ids.ctx, 4)) {
				fprintf(stderr,
					"earlydata: channels %s and %s have "
					"the same DLT context id\n",
					f->sel[k]->cfg.name,
					f->sel[i]->cfg.name);
				return -1;
			}
		id_str(ctx, ids.ctx);
		snprintf(desc, sizeof(desc), "Earlydata channel %s",
			 f->sel[i]->cfg.name);
		if (dlt_register_context_ll_ts(&f->ctx[i], ctx, desc,
					       DLT_LOG_VERBOSE,
					       DLT_TRACE_STATUS_ON) < 0)
			return -1;
	}
	return 0;
}

int edt_dlt_forward(struct edt_opts *o)
{
	struct fwd f = { .max_arg = 1300 };
	const char *env = getenv("DLT_LOG_MSG_BUF_LEN");
	int i, r, any, rc = 0;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	/* libdlt's message buffer (1390 bytes unless raised), less headers. */
	if (env && atoi(env) > 1390)
		f.max_arg = (size_t)atoi(env) - 90u;
	if (f.max_arg > ED_DLT_MSG_MAX - 100u)
		f.max_arg = ED_DLT_MSG_MAX - 100u;
	if (edt_start(o, ED_CONSUMER, f.sel, &f.nsel))
		return 1;
	if (register_ids(&f, o)) {
		fprintf(stderr, "earlydata: libdlt registration failed\n");
		edt_stat_stop();
		ed_exit();
		return 1;
	}
	while (!stop) {
		any = 0;
		for (i = 0; i < f.nsel; i++) {
			r = step(&f, i);
			if (r < 0) {
				rc = 1;
				stop = 1;
				break;
			}
			any |= r;
		}
		if (any || stop)
			continue;
		for (i = 0; i < f.nsel; i++)
			any |= ed_arm(f.sel[i]);
		if (!any)
			ed_user_wait(NULL, ED_EV_DATA | ED_EV_LINK, 1000);
	}
	fprintf(stderr,
		"earlydata: VM %u forwarded %llu records and %llu loss events "
		"to dlt-daemon\n",
		o->vm, f.records, f.losses);
	for (i = 0; i < f.nsel; i++)
		dlt_unregister_context(&f.ctx[i]);
	dlt_unregister_app();
	edt_stat_stop();
	ed_exit();
	return rc;
}
