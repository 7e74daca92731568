// SPDX-License-Identifier: GPL-2.0-only
/*
 * earlydata consume: the backlog of the selected channels in order, then
 * live records (--follow). With --output FILE each message is appended
 * as one JSON line exactly once, also when this command is killed and
 * started again: a record is copied and checked (a record overwritten
 * while it was copied is never written), its line written, and only then
 * committed (its read position persisted in PMEM); on start the last line
 * of each channel in FILE tells which records it already holds. A ring
 * with another identity (epoch) than the one FILE holds records of is a
 * new ring: a `reset` loss line first says so. --dlt FILE does the same
 * for a DLT storage file (dlt_sink.c), each sink keeping its own place.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "earlydata.h"

struct cons_state;

/* A file the messages go to, exactly once, and where it stands. */
struct sink {
	struct sink_pos held[EDT_MAX_SEL];
	/* Append m of channel i: 0, or -1 with errno. */
	int (*put)(struct cons_state *cs, struct sink *s, int i,
		   const struct ed_msg *m);
};

struct cons_state {
	struct edt_opts *o;
	struct ed_channel *sel[EDT_MAX_SEL];
	struct sink json, dlt, *sinks[2];
	struct edt_dlt *dlt_file;
	int nsel, nsinks, fd;
	unsigned long long records, lost, losses, skipped;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int edt_trim_partial(int fd)
{
	struct stat st;
	off_t end;
	char c;

	if (fstat(fd, &st))
		return -1;
	for (end = st.st_size; end > 0; end--) {
		if (pread(fd, &c, 1, end - 1) != 1)
			return -1;
		if (c == '\n')
			break;
	}
	return end == st.st_size ? 0 : ftruncate(fd, end);
}

int edt_load_held(int fd, struct ed_channel **sel, int nsel,
		  struct sink_pos *held,
		  void (*line_cb)(void *ctx, int i, json_t *j), void *ctx)
{
	FILE *f = fdopen(dup(fd), "r");
	char *line = NULL;
	size_t cap = 0;
	int i;

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		json_t *j = json_loads(line, 0, NULL), *loss;
		const char *ch =
			json_string_value(json_object_get(j, "channel"));
		unsigned long long next;

		if (!j || !ch) {
			json_decref(j);
			continue;
		}
		loss = json_object_get(j, "loss");
		if (loss)
			next = (unsigned long long)json_integer_value(
				       json_object_get(loss, "first")) +
			       (unsigned long long)json_integer_value(
				       json_object_get(loss, "count"));
		else
			next = (unsigned long long)json_integer_value(
				       json_object_get(j, "seq")) +
			       1;
		/* A reset (count 0): the new epoch, nothing of it yet. */
		if (loss && !json_integer_value(json_object_get(loss, "count")))
			next = 0;
		for (i = 0; i < nsel; i++) {
			if (strcmp(sel[i]->cfg.name, ch))
				continue;
			held[i].have = true;
			held[i].epoch = (unsigned long long)json_integer_value(
				json_object_get(j, "epoch"));
			held[i].next = next;
			if (line_cb)
				line_cb(ctx, i, j);
		}
		json_decref(j);
	}
	free(line);
	fclose(f);
	return 0;
}

static json_t *msg_json(struct ed_channel *ch, const struct ed_msg *m)
{
	json_t *j = json_object(), *d;

	json_object_set_new(j, "channel", json_string(ch->cfg.name));
	json_object_set_new(j, "epoch", json_integer((json_int_t)m->epoch));
	if (m->kind == ED_MSG_LOSS) {
		json_object_set_new(
			j, "loss",
			json_pack("{s:I,s:I,s:s}", "first",
				  (json_int_t)m->loss_first, "count",
				  (json_int_t)m->loss_count, "reason",
				  ed_loss_reason_name(m->loss_reason)));
		return j;
	}
	json_object_set_new(j, "seq", json_integer((json_int_t)m->seq));
	json_object_set_new(j, "type", json_integer(m->type));
	json_object_set_new(j, "ts_ns", json_integer((json_int_t)m->ts_ns));
	json_object_set_new(j, "len", json_integer(m->len));
	d = json_stringn(m->data, m->len);
	if (d) {
		json_object_set_new(j, "data", d);
	} else {
		char *hex = malloc(2 * (size_t)m->len + 1);
		nku32_f i;

		for (i = 0; hex && i < m->len; i++)
			sprintf(hex + 2 * i, "%02x",
				((const unsigned char *)m->data)[i]);
		if (hex)
			hex[2 * m->len] = 0;
		json_object_set_new(j, "hex", json_string(hex ? hex : ""));
		free(hex);
	}
	return j;
}

static void print_text(struct ed_channel *ch, const struct ed_msg *m)
{
	nku32_f i;

	if (m->kind == ED_MSG_LOSS) {
		if (m->loss_count)
			printf("[%s] LOST seq %llu..%llu (%llu records, %s)\n",
			       ch->cfg.name, (unsigned long long)m->loss_first,
			       (unsigned long long)(m->loss_first +
						    m->loss_count - 1),
			       (unsigned long long)m->loss_count,
			       ed_loss_reason_name(m->loss_reason));
		else
			printf("[%s] LOST from seq %llu: the producer started "
			       "epoch %llu\n",
			       ch->cfg.name, (unsigned long long)m->loss_first,
			       (unsigned long long)m->epoch);
		return;
	}
	printf("[%s] #%llu type %u t=%llu.%06llus %u bytes: ", ch->cfg.name,
	       (unsigned long long)m->seq, m->type,
	       (unsigned long long)(m->ts_ns / 1000000000u),
	       (unsigned long long)(m->ts_ns % 1000000000u / 1000u), m->len);
	for (i = 0; i < m->len; i++) {
		unsigned char c = ((const unsigned char *)m->data)[i];

		if (c >= 0x20 && c < 0x7f)
			putchar(c);
		else
			printf("\\x%02x", c);
	}
	putchar('\n');
}

/* Print one message on stdout (text or JSON). 0, or -1 on error. */
static int print_msg(struct cons_state *cs, int i, const struct ed_msg *m)
{
	struct ed_channel *ch = cs->sel[i];
	char *text;
	json_t *j;

	if (!cs->o->json) {
		print_text(ch, m);
		return fflush(stdout) ? -1 : 0;
	}
	j = msg_json(ch, m);
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!text)
		return -1;
	puts(text);
	free(text);
	return fflush(stdout) ? -1 : 0;
}

/* --output: one JSON line, one write(). 0, or -1 when the file failed. */
static int put_json(struct cons_state *cs, struct sink *s, int i,
		    const struct ed_msg *m)
{
	char *text;
	size_t len;
	json_t *j;
	int r = 0;

	(void)s;
	j = msg_json(cs->sel[i], m);
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!text)
		return -1;
	len = strlen(text);
	text[len++] = '\n'; /* replaces the NUL: one write per line */
	if (write(cs->fd, text, len) != (ssize_t)len)
		r = -1;
	free(text);
	return r;
}

/* --dlt: one DLT message and its journal line. */
static int put_dlt(struct cons_state *cs, struct sink *s, int i,
		   const struct ed_msg *m)
{
	(void)s;
	return edt_dlt_put(cs->dlt_file, i, m);
}

/* Already in the sink's file (an earlier run died before committing)? */
static bool held(const struct sink_pos *h, const struct ed_msg *m)
{
	if (!h->have || h->epoch != m->epoch)
		return false;
	if (m->kind == ED_MSG_LOSS)
		return m->loss_count ?
			       m->loss_first + m->loss_count <= h->next :
			       true; /* this epoch's reset: written */
	return m->seq < h->next;
}

/* The file's position after m. */
static void advance(struct sink_pos *h, const struct ed_msg *m)
{
	h->have = true;
	h->epoch = m->epoch;
	if (m->kind == ED_MSG_RECORD)
		h->next = m->seq + 1;
	else
		h->next = m->loss_count ? m->loss_first + m->loss_count : 0;
}

/*
 * Write m to sink s unless its file holds it. A loss event that begins
 * with records the file holds (written, then the consumer was killed
 * before their commit, and the producer overwrote what followed) is
 * written for the rest only. 1 written, 0 held, -1 when the file failed;
 * *out is what was written.
 */
static int deliver_to(struct cons_state *cs, struct sink *s, int i,
		      const struct ed_msg *m, struct ed_msg *out)
{
	struct sink_pos *h = &s->held[i];

	*out = *m;
	if (m->kind == ED_MSG_LOSS && m->loss_count && h->have &&
	    h->epoch == m->epoch && m->loss_first < h->next &&
	    m->loss_first + m->loss_count > h->next) {
		out->loss_count -= h->next - m->loss_first;
		out->loss_first = h->next;
	}
	if (held(h, out))
		return 0;
	if (s->put(cs, s, i, out))
		return -1;
	advance(h, out);
	return 1;
}

/*
 * A message of another ring than the one the file's records come from
 * (the producer's PMEM was lost, e.g. the hypervisor restarted): say so
 * with a reset loss first, as the driver does for a ring replaced under
 * it. 1 written, 0 not needed, -1 error.
 */
static int new_ring(struct cons_state *cs, struct sink *s, int i,
		    const struct ed_msg *m)
{
	struct sink_pos *h = &s->held[i];
	struct ed_msg reset = { .kind = ED_MSG_LOSS,
				.epoch = m->epoch,
				.loss_reason = ED_LOSS_RESET },
		      out;

	if (!h->have || h->epoch == m->epoch ||
	    (m->kind == ED_MSG_LOSS && m->loss_reason == ED_LOSS_RESET))
		return 0;
	reset.loss_first = h->next;
	return deliver_to(cs, s, i, &reset, &out);
}

static void count(struct cons_state *cs, const struct ed_msg *m)
{
	if (m->kind == ED_MSG_LOSS) {
		cs->losses++;
		cs->lost += m->loss_count;
	} else {
		cs->records++;
	}
}

/*
 * Print m, or write it to every sink whose file does not hold it yet;
 * count it. 0, or -1 when a sink failed.
 */
static int deliver(struct cons_state *cs, int i, const struct ed_msg *m)
{
	struct ed_msg out, counted = { .kind = ED_MSG_RECORD };
	int k, r, wrote = 0;

	if (!cs->nsinks) {
		if (print_msg(cs, i, m))
			goto failed;
		count(cs, m);
		return 0;
	}
	for (k = 0; k < cs->nsinks; k++) {
		r = new_ring(cs, cs->sinks[k], i, m);
		if (r < 0)
			goto failed;
		if (r && !wrote) {
			counted = (struct ed_msg){ .kind = ED_MSG_LOSS };
			count(cs, &counted);
		}
		r = deliver_to(cs, cs->sinks[k], i, m, &out);
		if (r < 0)
			goto failed;
		if (r && !wrote++)
			counted = out;
	}
	if (wrote)
		count(cs, &counted);
	else
		cs->skipped++;
	return 0;
failed:
	fprintf(stderr, "earlydata: output: %s\n", strerror(errno));
	return -1;
}

/* One message of channel i if there is one: 1 handled, 0 none, -1 error. */
static int step(struct cons_state *cs, int i)
{
	static unsigned char buf[ED_MAX_RECORD_MAX];
	struct ed_channel *ch = cs->sel[i];
	int how = cs->nsinks ? ED_USER_FETCH :
		  cs->o->peek ? ED_USER_PEEK :
				ED_USER_READ;
	struct ed_msg m;
	int r;

	r = ed_user_next(ch, &m, buf, sizeof(buf), how, 0);
	if (r == -ED_EPROTO)
		return 2; /* faulted: wait for the next event */
	if (r == ED_MSG_NONE || r == -ED_EAGAIN)
		return 0;
	if (r == -ED_USER_EHVLOST) {
		edt_hv_lost();
		return -1;
	}
	if (r < 0) {
		fprintf(stderr, "earlydata: channel %s: read failed (%d)\n",
			ch->cfg.name, r);
		return -1;
	}
	if (deliver(cs, i, &m))
		return -1;
	/* Only now is the message consumed: after its line is written. */
	if (how != ED_USER_READ && ed_commit(ch) == -ED_ESTALE)
		fprintf(stderr,
			"earlydata: channel %s: record %llu was "
			"overwritten while in use\n",
			ch->cfg.name, (unsigned long long)m.seq);
	return 1;
}

static bool all_attached(struct cons_state *cs)
{
	int i;

	for (i = 0; i < cs->nsel; i++)
		if (!cs->sel[i]->u.c.attached)
			return false;
	return true;
}

/* Open --output FILE: cut a partial last line. 0, or -1 said. */
static int open_output(struct cons_state *cs)
{
	cs->fd = open(cs->o->output, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC,
		      0644);
	if (cs->fd < 0 || edt_trim_partial(cs->fd)) {
		fprintf(stderr, "earlydata: %s: %s\n", cs->o->output,
			strerror(errno));
		return -1;
	}
	return 0;
}

int edt_consume(struct edt_opts *o)
{
	struct cons_state cs = { .o = o, .fd = -1 };
	nku64_f start = ed_user_now_ns();
	int i, k, r, any, rc = 0;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (o->output && open_output(&cs))
		return 1;
	if (edt_start(o, ED_CONSUMER, cs.sel, &cs.nsel))
		return 1;
	if (o->output) {
		cs.json.put = put_json;
		cs.sinks[cs.nsinks++] = &cs.json;
		if (edt_load_held(cs.fd, cs.sel, cs.nsel, cs.json.held, NULL,
				  NULL))
			return 1;
	}
	if (o->dlt) {
		cs.dlt_file = edt_dlt_open(o, cs.sel, cs.nsel, cs.dlt.held);
		if (!cs.dlt_file)
			return 1;
		cs.dlt.put = put_dlt;
		cs.sinks[cs.nsinks++] = &cs.dlt;
	}
	for (i = 0; o->from_start && i < cs.nsel; i++) {
		ed_rewind(cs.sel[i]);
		for (k = 0; k < cs.nsinks; k++)
			cs.sinks[k]->held[i].have = false;
	}
	while (!stop && (!o->count || (long)cs.records < o->count)) {
		int faulted = 0;

		any = 0;
		for (i = 0; i < cs.nsel; i++) {
			r = step(&cs, i);
			if (r < 0) {
				rc = 1;
				stop = 1;
				break;
			}
			if (r == 2)
				faulted = 1;
			else
				any |= r;
		}
		if (any || stop)
			continue;
		if (faulted) {
			ed_user_wait(NULL, ED_EV_DATA | ED_EV_LINK, 100);
			continue;
		}
		if (!o->follow && all_attached(&cs))
			break;
		if (!o->follow && ed_user_now_ns() - start >
					  (nku64_f)o->timeout_ms * 1000000u) {
			fprintf(stderr,
				"earlydata: no producer ring after "
				"%d ms\n",
				o->timeout_ms);
			rc = 1;
			break;
		}
		for (i = 0; i < cs.nsel; i++)
			any |= ed_arm(cs.sel[i]);
		if (!any)
			ed_user_wait(NULL, ED_EV_DATA | ED_EV_LINK, 1000);
	}
	fprintf(stderr,
		"earlydata: VM %u consumed %llu records, %llu lost in %llu loss "
		"events%s\n",
		o->vm, cs.records, cs.lost, cs.losses,
		cs.skipped ? " (some already in the output file)" : "");
	edt_stat_stop();
	ed_exit();
	if (cs.dlt_file)
		edt_dlt_close(cs.dlt_file);
	return rc;
}
