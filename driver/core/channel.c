// SPDX-License-Identifier: GPL-2.0-only
/*
 * Earlydata channels on vlinks: discovery, resources, the OFF/RESET/ON
 * handshake and the calls of earlydata.h. NKDDI only, no libc.
 */
#include <earlydata/earlydata.h>

#include "ed_port.h"

static struct ed_channel channels[ED_MAX_CHANNELS];
static int nchannels;

static void lock(struct ed_channel *ch)
{
	ch->host->lock(ch->host->ctx, ch);
}

static void unlock(struct ed_channel *ch)
{
	ch->host->unlock(ch->host->ctx, ch);
}

/* The refusal of a VM with too many channels names the limit. */
_Static_assert(ED_MAX_CHANNELS == 64, "ed_init's message names the limit");

/* Bounded copy of a message into err: "a" + "b" + "c". */
static void set_err(char *err, nku32_f len, const char *a, const char *b,
		    const char *c)
{
	const char *parts[3] = { a, b, c };
	nku32_f o = 0, i, k;

	if (!err || !len)
		return;
	for (k = 0; k < 3u; k++)
		for (i = 0; parts[k] && parts[k][i] && o + 1u < len; i++)
			err[o++] = parts[k][i];
	err[o] = 0;
}

static void set_own_state(struct ed_channel *ch, int state)
{
	*ch->own_state = state;
	nkops.nk_xirq_trigger(NK_XIRQ_SYSCONF, ch->peer);
}

/*
 * After a fault: tell the host, and reset the link so that the peer
 * rewrites its side of the shared state (ed_producer_repair or
 * ed_consumer_repair); the handshake then brings it back to ON.
 * Called with the channel locked.
 */
static void check_faults(struct ed_channel *ch)
{
	const struct ed_ring_stats *st =
		ch->role == ED_PRODUCER ? &ch->u.p.st : &ch->u.c.st;
	const struct ed_fault *f =
		ch->role == ED_PRODUCER ? &ch->u.p.fault : &ch->u.c.fault;

	if (st->faults == ch->faults_seen)
		return;
	ch->faults_seen = st->faults;
	if (ch->host->fault != NULL)
		ch->host->fault(ch->host->ctx, ch, f);
	if (*ch->own_state == NK_DEV_VLINK_ON) {
		ch->link_resets++;
		set_own_state(ch, NK_DEV_VLINK_RESET);
	}
}

/*
 * SYSCONF: the peer's state may have changed. OFF -> RESET at init;
 * RESET -> ON once the peer is up; ON -> RESET when the peer went OFF.
 * At every SYSCONF we rewrite our side of the shared state from our
 * private state (idempotent), and while the peer is in RESET (it
 * restarted or saw a fault) we also answer. Not only when we see the
 * peer's change: SYSCONFs coalesce (its ON then RESET may arrive as one),
 * and its RESET may be over before we look (the SPIN model of the
 * handshake, docs/model/link.pml, found both). The answers stop once the
 * peer is ON: no ping-pong.
 */
static void on_sysconf(void *cookie, NkXIrq xirq)
{
	struct ed_channel *ch = cookie;
	int own, peer;

	(void)xirq;
	lock(ch);
	own = *ch->own_state;
	peer = *ch->peer_state;
	if (ch->role == ED_PRODUCER)
		ed_producer_repair(&ch->u.p);
	else
		ed_consumer_repair(&ch->u.c);
	if (own == NK_DEV_VLINK_RESET && peer != NK_DEV_VLINK_OFF) {
		set_own_state(ch, NK_DEV_VLINK_ON);
	} else if (own == NK_DEV_VLINK_ON && peer == NK_DEV_VLINK_OFF) {
		set_own_state(ch, NK_DEV_VLINK_RESET);
	} else if (own == NK_DEV_VLINK_ON && peer == NK_DEV_VLINK_RESET) {
		nkops.nk_xirq_trigger(NK_XIRQ_SYSCONF, ch->peer);
	} else {
		/* nothing changes for us */
	}
	unlock(ch);
	ch->host->wake(ch->host->ctx, ch,
		       ED_EV_LINK | (ch->role == ED_PRODUCER ? ED_EV_SPACE :
							       ED_EV_DATA));
}

/* Data XIRQ (consumer) or space XIRQ (producer): wake the waiters. */
static void on_xirq(void *cookie, NkXIrq xirq)
{
	struct ed_channel *ch = cookie;

	(void)xirq;
	/*
	 * One writer: a channel's XIRQ handler never runs twice at once. A
	 * load and a store, not a read-modify-write atomic: those are
	 * library calls on aarch64 (outline atomics), which neither the
	 * kernel nor an RTOS provides.
	 */
	ed_store(&ch->xirqs, ed_load(&ch->xirqs) + 1u);
	ch->host->wake(ch->host->ctx, ch,
		       ch->role == ED_PRODUCER ? ED_EV_SPACE : ED_EV_DATA);
}

/* A NUL-terminated info string of our PDEV, or NULL. */
static const char *info_string(NkPhAddr pa)
{
	return pa ? (const char *)nkops.nk_ptov(pa) : NULL;
}

/* Set up one channel of vlink `plink` in role `role`. */
static int setup(struct ed_channel *ch, NkPhAddr plink, NkDevVlink *vl,
		 int server, const struct ed_host *host, char *err,
		 nku32_f errlen)
{
	char cfg_err[96];
	NkOsId prod_os, cons_os;
	NkXIrq data_x, space_x;
	NkPhAddr pa;

	ed_memset(ch, 0, sizeof(*ch));
	ch->index = (int)(ch - channels);
	ch->host = host;
	ch->plink = plink;
	ch->vl = vl;
	ch->self = nkops.nk_id_get();
	if (ed_channel_config_parse(info_string(vl->s_info),
				    info_string(vl->c_info), &ch->cfg, cfg_err,
				    sizeof(cfg_err)) != 0) {
		set_err(err, errlen, "earlydata vlink info: ", cfg_err, NULL);
		return -ED_EINVAL;
	}
	ch->role = (server != ch->cfg.producer_is_client) ? ED_PRODUCER :
							    ED_CONSUMER;
	ch->peer = server ? vl->c_id : vl->s_id;
	ch->own_state = server ? &vl->s_state : &vl->c_state;
	ch->peer_state = server ? &vl->c_state : &vl->s_state;
	prod_os = ch->cfg.producer_is_client ? vl->c_id : vl->s_id;
	cons_os = ch->cfg.producer_is_client ? vl->s_id : vl->c_id;

	ch->pmem_size = ed_ring_pmem_size(ch->cfg.ring_size);
	if (ed_ring_geometry_ok(ch->pmem_size, ch->cfg.ring_size,
				ch->cfg.record_max) != 0) {
		set_err(err, errlen, "channel ", ch->cfg.name,
			": ring too small for two records of record-max");
		return -ED_EINVAL;
	}
	pa = nkops.nk_pmem_alloc(plink, 0, ch->pmem_size);
	if (!pa) {
		set_err(err, errlen, "channel ", ch->cfg.name,
			": the vlink's PMEM cannot hold 4 KiB + ring bytes");
		return -ED_ENOMEM;
	}
	ch->pmem = nkops.nk_mem_map(pa, ch->pmem_size);
	data_x = nkops.nk_pxirq_alloc(plink, ED_XIRQ_DATA, cons_os, 1);
	space_x = nkops.nk_pxirq_alloc(plink, ED_XIRQ_SPACE, prod_os, 1);
	if (!ch->pmem || !data_x || !space_x) {
		set_err(err, errlen, "channel ", ch->cfg.name,
			": cannot map PMEM or allocate its two XIRQs");
		return -ED_ENOMEM;
	}
	ch->rx = ch->role == ED_PRODUCER ? space_x : data_x;
	ch->tx = ch->role == ED_PRODUCER ? data_x : space_x;

	/* The producer takes its ring now: it records from its first moment. */
	if (ch->role == ED_PRODUCER) {
		ch->attach_result = ed_producer_attach(
			&ch->u.p, ch->pmem, ch->pmem_size, ch->cfg.ring_size,
			ch->cfg.record_max, (nku32_f)ch->cfg.policy,
			host->now_ns(host->ctx), host->random(host->ctx));
		if (ch->attach_result < 0) {
			set_err(err, errlen, "channel ", ch->cfg.name,
				": bad ring geometry");
			return ch->attach_result;
		}
	} else {
		ed_consumer_open(&ch->u.c, ch->pmem, ch->pmem_size);
	}
	ch->rx_id = nkops.nk_xirq_attach(ch->rx, on_xirq, ch);
	ch->sys_id = nkops.nk_xirq_attach(NK_XIRQ_SYSCONF, on_sysconf, ch);
	if (!ch->rx_id || !ch->sys_id) {
		/* Leave no handler behind: ed_exit() skips this channel. */
		if (ch->rx_id != NULL)
			nkops.nk_xirq_detach(ch->rx_id);
		if (ch->sys_id != NULL)
			nkops.nk_xirq_detach(ch->sys_id);
		set_err(err, errlen, "channel ", ch->cfg.name,
			": cannot attach its XIRQ handlers");
		return -ED_ENODEV;
	}
	return 0;
}

int ed_init(const struct ed_host *host, char *err, nku32_f errlen)
{
	NkOsId self = nkops.nk_id_get();
	NkPhAddr plink = 0;
	NkDevVlink *vl;
	int side, r, i;

	nchannels = 0;
	while ((plink = nkops.nk_vlink_lookup(ED_VLINK_NAME, plink))) {
		vl = nkops.nk_ptov(plink);
		if (!vl)
			continue;
		/* Both ends may be ours (a loopback vlink): two channels. */
		for (side = 1; side >= 0; side--) {
			if ((side ? vl->s_id : vl->c_id) != self)
				continue;
			if (nchannels == ED_MAX_CHANNELS) {
				set_err(err, errlen, "more than 64 earlydata ",
					"channels in this VM", NULL);
				return -ED_ENOMEM;
			}
			r = setup(&channels[nchannels], plink, vl, side, host,
				  err, errlen);
			if (r != 0)
				return r;
			nchannels++;
		}
	}
	/* Up: RESET, tell the peers, and look at their states once. */
	for (i = 0; i < nchannels; i++) {
		lock(&channels[i]);
		set_own_state(&channels[i], NK_DEV_VLINK_RESET);
		unlock(&channels[i]);
	}
	for (i = 0; i < nchannels; i++)
		on_sysconf(&channels[i], NK_XIRQ_SYSCONF);
	return nchannels;
}

void ed_exit(void)
{
	int i;

	for (i = 0; i < nchannels; i++) {
		nkops.nk_xirq_detach(channels[i].rx_id);
		nkops.nk_xirq_detach(channels[i].sys_id);
		set_own_state(&channels[i], NK_DEV_VLINK_OFF);
	}
	nchannels = 0;
}

int ed_channel_count(void)
{
	return nchannels;
}

struct ed_channel *ed_channel_get(int i)
{
	return i >= 0 && i < nchannels ? &channels[i] : NULL;
}

static int str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

struct ed_channel *ed_channel_find(const char *name, int role)
{
	int i;

	for (i = 0; i < nchannels; i++)
		if (str_eq(channels[i].cfg.name, name) &&
		    (!role || channels[i].role == role))
			return &channels[i];
	return NULL;
}

/* One record, ed_write's work; called with the lock held. */
static int write_one(struct ed_channel *ch, nku16_f type, const void *buf,
		     nku32_f len, nku64_f *seq, int *notify)
{
	struct ed_wr w;
	int r;

	if ((ch->host->flags & ED_HOST_COPY_UNLOCKED) == 0u)
		return ed_producer_write(&ch->u.p, type, buf, len,
					 ch->host->now_ns(ch->host->ctx), seq,
					 notify);
	r = ed_producer_reserve(&ch->u.p, type, len,
				ch->host->now_ns(ch->host->ctx), &w, notify);
	if (seq && (!r || r == -ED_ENOSPC))
		*seq = w.seq;
	if (!r) {
		/* The copy and CRC with interrupts on. */
		unlock(ch);
		ed_producer_fill(&ch->u.p, &w, buf);
		lock(ch);
		ed_producer_publish(&ch->u.p, &w, notify);
	}
	return r;
}

int ed_write(struct ed_channel *ch, nku16_f type, const void *buf, nku32_f len,
	     nku64_f *seq)
{
	int r, notify = 0;

	if (ch->role != ED_PRODUCER)
		return -ED_EINVAL;
	lock(ch);
	r = write_one(ch, type, buf, len, seq, &notify);
	check_faults(ch);
	unlock(ch);
	if (notify != 0)
		nkops.nk_xirq_trigger(ch->tx, ch->peer);
	return r;
}

int ed_write_batch(struct ed_channel *ch, const struct ed_wrec *recs,
		   nku32_f n, nku32_f *done)
{
	int r = 0, notify = 0, nt = 0;
	nku32_f i;

	*done = 0;
	if (ch->role != ED_PRODUCER)
		return -ED_EINVAL;
	lock(ch);
	if ((ch->host->flags & ED_HOST_COPY_UNLOCKED) != 0u) {
		/* Copies outside the lock: one record at a time. */
		for (i = 0; i < n && r == 0; i++) {
			r = write_one(ch, recs[i].type, recs[i].buf,
				      recs[i].len, NULL, &nt);
			notify |= nt;
			*done += r == 0 ? 1u : 0u;
		}
	} else {
		r = ed_producer_write_batch(&ch->u.p, recs, n,
					    ch->host->now_ns(ch->host->ctx),
					    done, &nt);
		notify |= nt;
	}
	check_faults(ch);
	unlock(ch);
	if (notify != 0)
		nkops.nk_xirq_trigger(ch->tx, ch->peer);
	return r;
}

int ed_write_ready(struct ed_channel *ch, nku32_f len)
{
	int r;

	if (ch->role != ED_PRODUCER)
		return 0;
	lock(ch);
	r = ed_producer_has_space(&ch->u.p, len);
	check_faults(ch);
	unlock(ch);
	return r;
}

/*
 * The next message, a record copied into buf and checked there, held
 * until ed_commit. Hosts whose lock masks interrupts copy without it.
 */
static int fetch(struct ed_channel *ch, struct ed_msg *m, void *buf,
		 nku32_f buflen)
{
	int r, v, step;

	if (!(ch->host->flags & ED_HOST_COPY_UNLOCKED))
		return ed_consumer_fetch(&ch->u.c, m, buf, buflen);
	for (step = 0; step < 8; step++) {
		r = ed_consumer_look(&ch->u.c, m);
		if (r != ED_MSG_RECORD)
			return r;
		if (m->len > buflen)
			return -ED_ENOBUFS; /* held: ed_commit skips it */
		unlock(ch);
		v = ed_consumer_check(&ch->u.c, buf);
		lock(ch);
		r = ed_consumer_settle(&ch->u.c, v, 1);
		if (r == -ED_ESTALE)
			continue; /* overwritten while copied: look again */
		if (r != 0)
			return r;
		m->data = buf;
		return ED_MSG_RECORD;
	}
	return ED_MSG_NONE;
}

int ed_read(struct ed_channel *ch, struct ed_msg *m, void *buf, nku32_f buflen)
{
	int r, notify = 0;

	if (ch->role != ED_CONSUMER)
		return -ED_EINVAL;
	lock(ch);
	if (!(ch->host->flags & ED_HOST_COPY_UNLOCKED)) {
		r = ed_consumer_read(&ch->u.c, m, buf, buflen, &notify);
	} else {
		r = fetch(ch, m, buf, buflen);
		if ((r == ED_MSG_RECORD || r == ED_MSG_LOSS) &&
		    ed_consumer_commit(&ch->u.c, &notify) != 0)
			r = -ED_EPROTO; /* cannot happen to a copy */
	}
	check_faults(ch);
	unlock(ch);
	if (notify != 0)
		nkops.nk_xirq_trigger(ch->tx, ch->peer);
	return r;
}

int ed_read_batch(struct ed_channel *ch, struct ed_msg *m, nku32_f max,
		  void *buf, nku32_f buflen)
{
	nku32_f n = 0, off = 0, used;
	int r = ED_MSG_NONE, notify = 0, more = 1;

	if (ch->role != ED_CONSUMER || max == 0u)
		return -ED_EINVAL;
	lock(ch);
	while (more != 0 && n < max) {
		r = fetch(ch, &m[n], (nku8_f *)buf + off, buflen - off);
		if (r == -ED_ENOBUFS && n != 0u) {
			/* Not taken: the next call looks at it again. */
			r = ED_MSG_NONE;
			more = 0;
		} else if (r != ED_MSG_RECORD && r != ED_MSG_LOSS) {
			more = 0;
		} else if (ed_consumer_commit_deferred(&ch->u.c) != 0) {
			r = -ED_EPROTO; /* cannot happen to a copy */
			more = 0;
		} else {
			if (r == ED_MSG_RECORD) {
				used = (m[n].len + 7u) & ~7u;
				off += used < buflen - off ? used :
							     buflen - off;
			}
			n++;
		}
	}
	ed_consumer_flush(&ch->u.c, &notify);
	check_faults(ch);
	unlock(ch);
	if (notify != 0)
		nkops.nk_xirq_trigger(ch->tx, ch->peer);
	if (n != 0u)
		return (int)n;
	return r == ED_MSG_NONE ? 0 : r;
}

int ed_fetch(struct ed_channel *ch, struct ed_msg *m, void *buf, nku32_f buflen)
{
	int r;

	if (ch->role != ED_CONSUMER)
		return -ED_EINVAL;
	lock(ch);
	r = fetch(ch, m, buf, buflen);
	check_faults(ch);
	unlock(ch);
	return r;
}

int ed_peek(struct ed_channel *ch, struct ed_msg *m)
{
	int r;

	if (ch->role != ED_CONSUMER)
		return -ED_EINVAL;
	lock(ch);
	r = ed_consumer_peek(&ch->u.c, m);
	check_faults(ch);
	unlock(ch);
	return r;
}

int ed_commit(struct ed_channel *ch)
{
	int r, notify = 0;

	if (ch->role != ED_CONSUMER)
		return -ED_EINVAL;
	lock(ch);
	r = ed_consumer_commit(&ch->u.c, &notify);
	unlock(ch);
	if (notify != 0)
		nkops.nk_xirq_trigger(ch->tx, ch->peer);
	return r;
}

int ed_rewind(struct ed_channel *ch)
{
	int r;

	if (ch->role != ED_CONSUMER)
		return -ED_EINVAL;
	lock(ch);
	r = ed_consumer_rewind(&ch->u.c);
	check_faults(ch);
	unlock(ch);
	return r;
}

int ed_arm(struct ed_channel *ch)
{
	int r;

	if (ch->role != ED_CONSUMER)
		return 1; /* nothing to wait for here: do not sleep */
	lock(ch);
	r = ed_consumer_arm(&ch->u.c);
	unlock(ch);
	return r;
}

void ed_stats(struct ed_channel *ch, struct ed_channel_stats *st)
{
	lock(ch);
	if (ch->role == ED_PRODUCER) {
		st->ring = ch->u.p.st;
		st->backlog_bytes = 0;
		st->epoch = ch->u.p.epoch;
		nku64_f rp = 0;

		if (ed_load_acquire(&ch->u.p.ctl->epoch) == ch->u.p.epoch)
			rp = ed_load(&ch->u.p.ctl->read_pos);
		if (rp < ch->u.p.tail)
			rp = ch->u.p.tail;
		st->backlog_bytes = rp <= ch->u.p.head ? ch->u.p.head - rp : 0u;
	} else {
		st->ring = ch->u.c.st;
		st->backlog_bytes = ed_consumer_backlog(&ch->u.c);
		st->epoch = ch->u.c.epoch;
	}
	st->link_resets = ch->link_resets;
	st->xirqs = ed_load(&ch->xirqs);
	st->own_state = *ch->own_state;
	st->peer_state = *ch->peer_state;
	unlock(ch);
}
