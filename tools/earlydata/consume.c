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
 * new ring: a `reset` loss line first says so.
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

/* Where FILE's stream of a channel ends: records of epoch below next. */
struct sink_pos {
	bool have;
	unsigned long long epoch, next;
};

struct cons_state {
	struct edt_opts *o;
	struct ed_channel *sel[EDT_MAX_SEL];
	struct sink_pos held[EDT_MAX_SEL];
	int nsel, fd;
	unsigned long long records, lost, losses, skipped;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Drop a partial last line left by a kill in mid-write. */
static int trim_partial(int fd)
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

/* Read FILE's lines: per channel, the last sequence number it holds. */
static int load_held(struct cons_state *cs)
{
	FILE *f = fdopen(dup(cs->fd), "r");
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
		for (i = 0; i < cs->nsel; i++) {
			if (strcmp(cs->sel[i]->cfg.name, ch))
				continue;
			cs->held[i].have = true;
			cs->held[i].epoch =
				(unsigned long long)json_integer_value(
					json_object_get(j, "epoch"));
			cs->held[i].next = next;
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

/* Write one message where it goes. 0, or -1 when the sink failed. */
static int emit(struct cons_state *cs, int i, const struct ed_msg *m)
{
	struct ed_channel *ch = cs->sel[i];
	char *text;
	size_t len;
	json_t *j;

	if (!cs->o->json && cs->fd < 0) {
		print_text(ch, m);
		return fflush(stdout) ? -1 : 0;
	}
	j = msg_json(ch, m);
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!text)
		return -1;
	len = strlen(text);
	text[len++] = '\n'; /* replaces the NUL: one write per line */
	if (cs->fd >= 0) {
		if (write(cs->fd, text, len) != (ssize_t)len) {
			free(text);
			return -1;
		}
	} else {
		fwrite(text, 1, len, stdout);
		fflush(stdout);
	}
	free(text);
	return 0;
}

/* Already in the output file (an earlier run died before committing)? */
static bool held(struct cons_state *cs, int i, const struct ed_msg *m)
{
	struct sink_pos *h = &cs->held[i];

	if (!h->have || h->epoch != m->epoch)
		return false;
	if (m->kind == ED_MSG_LOSS)
		return m->loss_count ?
			       m->loss_first + m->loss_count <= h->next :
			       true; /* this epoch's reset: written */
	return m->seq < h->next;
}

/* The file's position after m. */
static void advance(struct cons_state *cs, int i, const struct ed_msg *m)
{
	struct sink_pos *h = &cs->held[i];

	h->have = true;
	h->epoch = m->epoch;
	if (m->kind == ED_MSG_RECORD)
		h->next = m->seq + 1;
	else
		h->next = m->loss_count ? m->loss_first + m->loss_count : 0;
}

/*
 * Write m unless FILE holds it; count it. A loss event that begins with
 * records FILE holds (written, then the consumer was killed before their
 * commit, and the producer overwrote what followed) is written for the
 * rest only. 0, or -1 when the sink failed.
 */
static int deliver(struct cons_state *cs, int i, const struct ed_msg *m)
{
	const struct sink_pos *h = &cs->held[i];
	struct ed_msg clipped;

	if (m->kind == ED_MSG_LOSS && m->loss_count && h->have &&
	    h->epoch == m->epoch && m->loss_first < h->next &&
	    m->loss_first + m->loss_count > h->next) {
		clipped = *m;
		clipped.loss_count -= h->next - m->loss_first;
		clipped.loss_first = h->next;
		m = &clipped;
	}
	if (held(cs, i, m)) {
		cs->skipped++;
		return 0;
	}
	if (emit(cs, i, m)) {
		fprintf(stderr, "earlydata: output: %s\n", strerror(errno));
		return -1;
	}
	if (m->kind == ED_MSG_LOSS) {
		cs->losses++;
		cs->lost += m->loss_count;
	} else {
		cs->records++;
	}
	if (cs->fd >= 0)
		advance(cs, i, m);
	return 0;
}

/*
 * A message of another ring than the one FILE's records come from (the
 * producer's PMEM was lost, e.g. the hypervisor restarted): say so with a
 * reset loss first, as the driver does for a ring replaced under it.
 */
static int new_ring(struct cons_state *cs, int i, const struct ed_msg *m)
{
	struct sink_pos *h = &cs->held[i];
	struct ed_msg reset = { .kind = ED_MSG_LOSS,
				.epoch = m->epoch,
				.loss_reason = ED_LOSS_RESET };

	if (cs->fd < 0 || !h->have || h->epoch == m->epoch ||
	    (m->kind == ED_MSG_LOSS && m->loss_reason == ED_LOSS_RESET))
		return 0;
	reset.loss_first = h->next;
	return deliver(cs, i, &reset);
}

/* One message of channel i if there is one: 1 handled, 0 none, -1 error. */
static int step(struct cons_state *cs, int i)
{
	static unsigned char buf[ED_MAX_RECORD_MAX];
	struct ed_channel *ch = cs->sel[i];
	int how = cs->fd >= 0 ? ED_USER_FETCH :
		  cs->o->peek ? ED_USER_PEEK :
				ED_USER_READ;
	struct ed_msg m;
	int r;

	r = ed_user_next(ch, &m, buf, sizeof(buf), how, 0);
	if (r == -ED_EPROTO)
		return 2; /* faulted: wait for the next event */
	if (r == ED_MSG_NONE || r == -ED_EAGAIN)
		return 0;
	if (r < 0) {
		fprintf(stderr, "earlydata: channel %s: read failed (%d)\n",
			ch->cfg.name, r);
		return -1;
	}
	if (new_ring(cs, i, &m) || deliver(cs, i, &m))
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

int edt_consume(struct edt_opts *o)
{
	struct cons_state cs = { .o = o, .fd = -1 };
	nku64_f start = ed_user_now_ns();
	int i, r, any, rc = 0;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (o->output) {
		cs.fd = open(o->output, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC,
			     0644);
		if (cs.fd < 0 || trim_partial(cs.fd)) {
			fprintf(stderr, "earlydata: %s: %s\n", o->output,
				strerror(errno));
			return 1;
		}
	}
	if (edt_start(o, ED_CONSUMER, cs.sel, &cs.nsel))
		return 1;
	if (cs.fd >= 0 && load_held(&cs))
		return 1;
	for (i = 0; o->from_start && i < cs.nsel; i++) {
		ed_rewind(cs.sel[i]);
		cs.held[i].have = false;
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
	return rc;
}
