// SPDX-License-Identifier: GPL-2.0-only
/*
 * earlydata consume --dlt FILE: each message appended to FILE as one DLT
 * message (tools/dlt/ed_dlt.c) exactly once across restarts. A DLT file
 * has no room for the ring's epoch and sequence numbers, so a journal,
 * FILE.pos, holds them: one JSON line per message written after it,
 * giving the channel, epoch, sequence number (or loss range), producer
 * time and FILE's length after the message. A loss message carries the
 * time of the channel's previous record (before any: CLOCK_MONOTONIC
 * when it was read, the producer's clock where --dlt-clock wall holds). The record is committed only
 * after both writes. On start FILE is cut to the length the journal's
 * last line gives (a message written but not journaled was not committed
 * either: the ring offers it again), and the journal tells, per channel,
 * what FILE already holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../dlt/ed_dlt.h"
#include "earlydata.h"

struct edt_dlt {
	int fd, pos_fd;
	char *path;
	off_t end; /* FILE's length as the journal knows it */
	struct ed_dlt_clock clk;
	struct ed_channel **sel;
	struct ed_dlt_ids ids[EDT_MAX_SEL];
	unsigned long long last_ts[EDT_MAX_SEL]; /* for loss messages */
	unsigned char buf[ED_DLT_BUF_MAX];
};

int edt_dlt_clock(const char *spec, long long *offset_ns)
{
	struct ed_dlt_clock clk;

	if (ed_dlt_clock_parse(spec, &clk))
		return -1;
	*offset_ns = clk.offset_ns;
	return 0;
}

/* A journal line of channel i: FILE's length after it, the last time. */
static void journal_line(void *ctx, int i, json_t *j)
{
	struct edt_dlt *d = ctx;
	json_int_t end = json_integer_value(json_object_get(j, "end"));
	json_t *ts = json_object_get(j, "ts_ns");

	if (end > d->end)
		d->end = (off_t)end;
	if (ts)
		d->last_ts[i] = (unsigned long long)json_integer_value(ts);
}

static struct edt_dlt *fail(struct edt_dlt *d, const char *what)
{
	fprintf(stderr, "earlydata: %s: %s\n", what, strerror(errno));
	edt_dlt_close(d);
	return NULL;
}

struct edt_dlt *edt_dlt_open(const struct edt_opts *o, struct ed_channel **sel,
			     int nsel, struct sink_pos *held)
{
	struct edt_dlt *d = calloc(1, sizeof(*d));
	struct stat st;
	long long off;
	int i;

	if (!d)
		return fail(d, "--dlt");
	d->fd = d->pos_fd = -1;
	d->sel = sel;
	if (edt_dlt_clock(o->dlt_clock, &off)) {
		fprintf(stderr,
			"earlydata: --dlt-clock '%s': not wall, uptime or "
			"a number of seconds\n",
			o->dlt_clock);
		edt_dlt_close(d);
		return NULL;
	}
	d->clk.offset_ns = off;
	for (i = 0; i < nsel; i++)
		ed_dlt_default_ids(&d->ids[i], o->dlt_ecu, sel[i]->cfg.name,
				   sel[i]->cfg.dlt_app, sel[i]->cfg.dlt_ctx);
	if (asprintf(&d->path, "%s.pos", o->dlt) < 0) {
		d->path = NULL;
		return fail(d, o->dlt);
	}
	d->fd = open(o->dlt, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (d->fd < 0)
		return fail(d, o->dlt);
	d->pos_fd = open(d->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC,
			 0644);
	if (d->pos_fd < 0 || edt_trim_partial(d->pos_fd) || fstat(d->fd, &st))
		return fail(d, d->path);
	if (!st.st_size) {
		/* A new (or emptied) FILE: an old journal is not its own. */
		if (ftruncate(d->pos_fd, 0))
			return fail(d, d->path);
		return d;
	}
	if (edt_load_held(d->pos_fd, sel, nsel, held, journal_line, d))
		return fail(d, d->path);
	if (st.st_size < d->end) {
		fprintf(stderr,
			"earlydata: %s is %lld bytes, shorter than the %lld "
			"its journal %s records: not the file this journal "
			"belongs to\n",
			o->dlt, (long long)st.st_size, (long long)d->end,
			d->path);
		edt_dlt_close(d);
		return NULL;
	}
	/* Written but not journaled, so not committed: it comes again. */
	if (st.st_size > d->end && ftruncate(d->fd, d->end))
		return fail(d, o->dlt);
	return d;
}

/* The journal line of m, *len bytes ending with '\n'; NULL on error. */
static char *journal_text(struct edt_dlt *d, int i, const struct ed_msg *m,
			  size_t *len)
{
	char *text;
	json_t *j;

	if (m->kind == ED_MSG_LOSS)
		j = json_pack("{s:s,s:I,s:{s:I,s:I,s:s},s:I,s:I}", "channel",
			      d->sel[i]->cfg.name, "epoch",
			      (json_int_t)m->epoch, "loss", "first",
			      (json_int_t)m->loss_first, "count",
			      (json_int_t)m->loss_count, "reason",
			      ed_loss_reason_name(m->loss_reason), "ts_ns",
			      (json_int_t)d->last_ts[i], "end",
			      (json_int_t)d->end);
	else
		j = json_pack("{s:s,s:I,s:I,s:I,s:I}", "channel",
			      d->sel[i]->cfg.name, "epoch",
			      (json_int_t)m->epoch, "seq", (json_int_t)m->seq,
			      "ts_ns", (json_int_t)m->ts_ns, "end",
			      (json_int_t)d->end);
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!text)
		return NULL;
	*len = strlen(text);
	text[(*len)++] = '\n'; /* replaces the NUL: one write per line */
	return text;
}

int edt_dlt_put(struct edt_dlt *d, int i, const struct ed_msg *m)
{
	const struct ed_dlt_ids *ids = &d->ids[i];
	char *line;
	size_t n, len;
	int r = 0;

	/* Before any record of the channel: this machine's clock now. */
	if (m->kind == ED_MSG_LOSS && !d->last_ts[i])
		d->last_ts[i] = ed_user_now_ns();
	if (m->kind == ED_MSG_LOSS)
		n = ed_dlt_loss(d->buf, ids, &d->clk, d->sel[i]->cfg.name,
				d->last_ts[i], m->loss_first, m->loss_count,
				ed_loss_reason_name(m->loss_reason), m->epoch);
	else
		n = ed_dlt_record(d->buf, ids, &d->clk, m->type, m->seq,
				  m->ts_ns, m->data, m->len);
	if (write(d->fd, d->buf, n) != (ssize_t)n) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	d->end += (off_t)n;
	if (m->kind == ED_MSG_RECORD)
		d->last_ts[i] = m->ts_ns;
	line = journal_text(d, i, m, &len);
	if (!line) {
		errno = ENOMEM;
		return -1;
	}
	if (write(d->pos_fd, line, len) != (ssize_t)len)
		r = -1;
	free(line);
	return r;
}

void edt_dlt_close(struct edt_dlt *d)
{
	if (!d)
		return;
	if (d->fd >= 0)
		close(d->fd);
	if (d->pos_fd >= 0)
		close(d->pos_fd);
	free(d->path);
	free(d);
}
