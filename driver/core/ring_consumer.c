// SPDX-License-Identifier: GPL-2.0-only
/*
 * Consumer end of the Earlydata ring (docs/earlydata-protocol.md).
 *
 * Everything read from the shared area is untrusted. The geometry is
 * checked against the PMEM size once per epoch and cached; every head,
 * tail, next_seq and record header is checked before use, each shared
 * value is loaded exactly once into a local, and payload CRCs are checked
 * on the bytes actually handed out. A violation becomes a fault (field,
 * rule, value, position), a resynchronisation and, for the records that
 * had to be skipped, a loss event; never an access outside the area.
 */
#include <earlydata/ring_io.h>

#include "ed_port.h"

#define MAX_STEPS 4 /* skips, pads and resyncs looked at per call */

const char *ed_loss_reason_name(nku32_f reason)
{
	switch (reason) {
	case ED_LOSS_DROPPED:
		return "dropped";
	case ED_LOSS_OVERWRITTEN:
		return "overwritten";
	case ED_LOSS_CORRUPT:
		return "corrupt";
	case ED_LOSS_RESET:
		return "reset";
	}
	return "unknown";
}

static int fault(struct ed_consumer *c, const char *field, const char *rule,
		 nku64_f value, nku64_f pos)
{
	c->fault.field = field;
	c->fault.rule = rule;
	c->fault.value = value;
	c->fault.pos = pos;
	c->st.faults++;
	return -ED_EPROTO;
}

void ed_consumer_open(struct ed_consumer *c, void *pmem, nku64_f pmem_size)
{
	ed_memset(c, 0, sizeof(*c));
	c->pmem = pmem;
	c->pmem_size = pmem_size;
	c->hdr = (struct ed_ring_hdr *)((nku8_f *)pmem + ED_RING_HDR_OFF);
	c->ctl = (struct ed_cons_ctl *)((nku8_f *)pmem + ED_CONS_CTL_OFF);
	c->data = (const nku8_f *)pmem + ED_RING_DATA_OFF;
}

/* Persist the read position: seq first, position last (release). */
static void publish_pos(struct ed_consumer *c)
{
	ed_store(&c->ctl->read_seq, c->read_seq);
	ed_store_release(&c->ctl->read_pos, c->read_pos);
}

static void queue_loss(struct ed_consumer *c, nku64_f first, nku64_f count,
		       nku32_f reason)
{
	c->loss.kind = ED_MSG_LOSS;
	c->loss.epoch = c->epoch;
	c->loss.loss_first = first;
	c->loss.loss_count = count;
	c->loss.loss_reason = reason;
	c->have_loss = 1;
}

/*
 * Validate the producer's header and cache its geometry for this epoch.
 * Resumes from the persisted read position when it belongs to the same
 * epoch; a new epoch starts at position 0 (after a loss event when an
 * older epoch was being read).
 */
static int attach(struct ed_consumer *c)
{
	struct ed_ring_hdr *h = c->hdr;
	nku64_f ds, epoch, old, pos, seq;
	nku32_f rmax, pol;

	if (c->pmem_size < ED_RING_DATA_OFF)
		return fault(c, "pmem", "smaller than the ring header area",
			     c->pmem_size, 0);
	if (ed_load_acquire(&h->magic) != ED_RING_MAGIC)
		return -ED_EAGAIN; /* not formatted (yet) */
	if (ed_load(&h->version_major) != ED_RING_VERSION_MAJOR)
		return fault(c, "header.version_major", "unsupported",
			     ed_load(&h->version_major), 0);
	if (ed_load(&h->hdr_size) < sizeof(*h) ||
	    ed_load(&h->hdr_size) > ED_CONS_CTL_OFF)
		return fault(c, "header.hdr_size", "not 192..2048",
			     ed_load(&h->hdr_size), 0);
	if (ed_load(&h->data_off) != ED_RING_DATA_OFF)
		return fault(c, "header.data_off", "not 0x1000",
			     ed_load(&h->data_off), 0);
	ds = ed_load(&h->data_size);
	rmax = ed_load(&h->record_max);
	pol = ed_load(&h->policy);
	epoch = ed_load(&h->epoch);
	if (ed_ring_geometry_ok(c->pmem_size, ds, rmax))
		return fault(c, "header.data_size",
			     "does not fit the PMEM or record_max", ds, 0);
	if (pol > ED_POLICY_OVERWRITE_OLDEST)
		return fault(c, "header.policy", "unknown", pol, 0);
	if (!epoch)
		return fault(c, "header.epoch", "is 0", 0, 0);
	c->data_size = ds;
	c->record_max = rmax;
	c->policy = pol;
	old = ed_load(&c->ctl->epoch);
	if (c->attached && c->epoch != epoch) {
		/* Reformatted under us: what we had not read is gone. */
		queue_loss(c, c->read_seq, 0, ED_LOSS_RESET);
		old = 0;
	} else if (!c->attached && old == epoch) {
		pos = ed_load(&c->ctl->read_pos);
		seq = ed_load(&c->ctl->read_seq);
		if (pos & (ED_REC_ALIGN - 1))
			return fault(c, "consumer.read_pos", "misaligned", pos,
				     pos);
		c->read_pos = pos;
		c->read_seq = seq;
	} else if (!c->attached && old) {
		queue_loss(c, ed_load(&c->ctl->read_seq), 0, ED_LOSS_RESET);
		old = 0;
	}
	if (old != epoch) {
		c->read_pos = 0;
		c->read_seq = 0;
		publish_pos(c);
		ed_store_release(&c->ctl->epoch, epoch);
	}
	c->epoch = epoch;
	/* A producer already waiting gets one space XIRQ at our first commit. */
	c->notified_gen = ed_load(&h->prod_wait_gen) - 1;
	c->gap_reason = pol == ED_POLICY_DROP_NEW ? ED_LOSS_DROPPED :
						    ED_LOSS_OVERWRITTEN;
	c->peeked = 0;
	c->head_seen = 0;
	c->magic_bad = 0;
	c->attached = 1;
	return 0;
}

/* Is the ring still the one we attached to? Re-attach if not. */
static int check_epoch(struct ed_consumer *c)
{
	nku32_f magic = ed_load_acquire(&c->hdr->magic);
	int r;

	if (c->attached && magic == ED_RING_MAGIC &&
	    ed_load(&c->hdr->epoch) == c->epoch)
		return 0;
	if (c->attached && !magic)
		return -ED_EAGAIN; /* the producer is rewriting its header */
	if (c->attached && magic != ED_RING_MAGIC) {
		if (c->magic_bad)
			return -ED_EAGAIN;
		c->magic_bad = 1;
		return fault(c, "header.magic", "overwritten", magic, 0);
	}
	r = attach(c);
	return r;
}

/*
 * After a fault in the record stream: skip to the producer's head if it
 * is plausible; the records skipped are reported by the next seq gap.
 */
static void resync(struct ed_consumer *c, nku64_f head)
{
	if (head >= c->read_pos && head - c->read_pos <= c->data_size &&
	    !(head & (ED_REC_ALIGN - 1)))
		c->read_pos = head;
	c->head_seen = 0;
	c->gap_reason = ED_LOSS_CORRUPT;
	c->peeked = 0;
	publish_pos(c);
}

/* Deliver a seq gap [read_seq, seq) as a loss event. */
static void gap(struct ed_consumer *c, nku64_f seq)
{
	queue_loss(c, c->read_seq, seq - c->read_seq, c->gap_reason);
}

static int take_loss(struct ed_consumer *c, struct ed_msg *m)
{
	*m = c->loss;
	c->have_loss = 0;
	c->st.loss_events++;
	c->st.lost += m->loss_count;
	if (m->loss_count)
		c->read_seq = m->loss_first + m->loss_count;
	c->gap_reason = c->policy == ED_POLICY_DROP_NEW ? ED_LOSS_DROPPED :
							  ED_LOSS_OVERWRITTEN;
	publish_pos(c);
	return ED_MSG_LOSS;
}

/*
 * Find the next message. With dst, a record's payload is copied there and
 * its CRC checked on the copy (the producer cannot change it afterwards);
 * without, the CRC is checked in place and m->data points into PMEM.
 */
static int peek_into(struct ed_consumer *c, struct ed_msg *m, void *dst,
		     nku32_f dstlen)
{
	nku64_f head, tail, next, off, room, span, h2;
	const nku8_f *payload;
	struct ed_rec_hdr r;
	int step, e;

	if (c->have_loss)
		return take_loss(c, m);
	e = check_epoch(c);
	if (e)
		return e;
	if (c->have_loss) /* attach found a new epoch */
		return take_loss(c, m);
	for (step = 0; step < MAX_STEPS; step++) {
		/*
		 * Records below a head already loaded and validated are
		 * complete: take them without touching the producer's line
		 * again (block and drop-new: nothing behind the head moves).
		 */
		if (c->read_pos < c->head_seen) {
			head = c->head_seen;
			goto have_head;
		}
		head = ed_load_acquire(&c->hdr->head);
		tail = ed_load_acquire(&c->hdr->tail);
		if ((head | tail) & (ED_REC_ALIGN - 1) || tail > head ||
		    head - tail > c->data_size) {
			e = fault(c, "header.head/tail", "inconsistent", head,
				  tail);
			resync(c, c->read_pos);
			return e;
		}
		if (head < c->read_pos) {
			e = fault(c, "header.head", "behind the read position",
				  head, c->read_pos);
			resync(c, head);
			c->read_pos = head;
			publish_pos(c);
			return e;
		}
		if (c->read_pos < tail) {
			if (c->policy != ED_POLICY_OVERWRITE_OLDEST) {
				e = fault(c, "header.tail",
					  "passed the read position", tail,
					  c->read_pos);
				resync(c, tail);
				c->read_pos = tail;
				publish_pos(c);
				return e;
			}
			c->read_pos = tail; /* overwritten: the gap tells */
			c->gap_reason = ED_LOSS_OVERWRITTEN;
		}
		if (head - c->read_pos > c->data_size) {
			e = fault(c, "header.head", "more than a ring ahead",
				  head, c->read_pos);
			resync(c, head);
			return e;
		}
		if (c->read_pos == head) {
			/* Caught up: did drop-new spend sequence numbers? */
			next = ed_load_acquire(&c->hdr->next_seq);
			h2 = ed_load_acquire(&c->hdr->head);
			if (h2 != head)
				continue;
			/*
			 * next_seq is stored after head: it may lag behind
			 * (also for good, if the producer died in between,
			 * until it resumes). Only a lead means dropped records.
			 */
			if (next > c->read_seq) {
				gap(c, next);
				return take_loss(c, m);
			}
			return ED_MSG_NONE;
		}
		if (c->policy != ED_POLICY_OVERWRITE_OLDEST)
			c->head_seen = head;
have_head:
		off = c->read_pos % c->data_size;
		room = c->data_size - off;
		if (room < ED_REC_HDR_SIZE) {
			c->read_pos += room;
			continue;
		}
		ed_memcpy(&r, c->data + off, sizeof(r));
		if (r.type == ED_REC_TYPE_PAD) {
			if (r.len != room - ED_REC_HDR_SIZE ||
			    head - c->read_pos < room ||
			    ed_rec_crc(&r, 0) != r.crc) {
				e = fault(c, "record.pad", "malformed", r.len,
					  c->read_pos);
				resync(c, head);
				return e;
			}
			c->read_pos += room;
			continue;
		}
		span = ed_rec_span(r.len);
		if (r.len > c->record_max || span > room ||
		    span > head - c->read_pos) {
			e = fault(c, "record.len",
				  r.len > c->record_max ?
					  "above record_max" :
				  span > room ?
					  "crosses the end of the data area" :
					  "crosses the head",
				  r.len, c->read_pos);
			resync(c, head);
			return e;
		}
		if (r.type > ED_REC_TYPE_MAX || r.flags || r.reserved) {
			e = fault(c, "record.type", "reserved bits set", r.type,
				  c->read_pos);
			resync(c, head);
			return e;
		}
		payload = c->data + off + ED_REC_HDR_SIZE;
		if (dst) {
			if (r.len > dstlen)
				return -ED_ENOBUFS; /* nothing consumed */
			ed_memcpy(dst, payload, r.len);
			payload = dst;
		}
		if (ed_rec_crc(&r, payload) != r.crc) {
			if (c->policy == ED_POLICY_OVERWRITE_OLDEST &&
			    ed_load_acquire(&c->hdr->tail) > c->read_pos)
				continue; /* overwritten while we looked */
			e = fault(c, "record.crc", "mismatch", r.crc,
				  c->read_pos);
			resync(c, head);
			return e;
		}
		if (r.seq + 1 == c->read_seq) {
			/* Consumed: publish_pos() was cut between its stores. */
			c->read_pos += span;
			publish_pos(c);
			continue;
		}
		if (r.seq < c->read_seq) {
			e = fault(c, "record.seq", "went backwards", r.seq,
				  c->read_pos);
			resync(c, head);
			return e;
		}
		if (r.seq > c->read_seq) {
			gap(c, r.seq);
			return take_loss(c, m);
		}
		m->kind = ED_MSG_RECORD;
		m->type = r.type;
		m->len = r.len;
		m->seq = r.seq;
		m->ts_ns = r.ts_ns;
		m->epoch = c->epoch;
		m->data = payload;
		c->peeked = 1;
		c->peek_pos = c->read_pos;
		c->peek_next = c->read_pos + span;
		c->peek_seq = r.seq;
		c->peek_len = r.len;
		return ED_MSG_RECORD;
	}
	return ED_MSG_NONE; /* the producer keeps moving; call again */
}

/*
 * Tell a producer waiting for space, if it asked since last time; but
 * only once at most half of the data area is left unread. Any record then
 * fits (the geometry holds two of record_max), and a producer faster than
 * us is woken once per half ring instead of once per record, which would
 * run both ends in lockstep at the cost of two wake-ups a record. A head
 * that makes no sense only means no early notification.
 */
static void space_notify(struct ed_consumer *c, int *notify)
{
	nku64_f head;
	nku32_f g;

	ed_mb(); /* read_pos store before the prod_wait_gen load */
	g = ed_load(&c->hdr->prod_wait_gen);
	if (g == c->notified_gen) {
		c->st.notify_suppressed++;
		return;
	}
	/* The producer waits: the head matters only now. */
	head = ed_load_acquire(&c->hdr->head);
	if (head > c->read_pos && head - c->read_pos > c->data_size / 2)
		return; /* more than half unread: not yet */
	c->notified_gen = g;
	*notify = 1;
	c->st.notify_sent++;
}

int ed_consumer_commit(struct ed_consumer *c, int *notify)
{
	*notify = 0;
	if (!c->peeked)
		return -ED_EINVAL;
	c->peeked = 0;
	/*
	 * Overwrite-oldest: the caller's reads of the record before the tail
	 * load. The other policies need no barrier: the release store of
	 * read_pos below orders those reads before the producer may reuse
	 * the space.
	 */
	if (c->policy == ED_POLICY_OVERWRITE_OLDEST) {
		ed_mb();
		if (ed_load_acquire(&c->hdr->tail) > c->peek_pos) {
			c->gap_reason = ED_LOSS_OVERWRITTEN;
			return -ED_ESTALE; /* the next peek reports the loss */
		}
	}
	c->read_pos = c->peek_next;
	c->read_seq = c->peek_seq + 1;
	publish_pos(c);
	c->st.records++;
	c->st.bytes += c->peek_len;
	if (c->policy == ED_POLICY_BLOCK)
		space_notify(c, notify);
	return 0;
}

int ed_consumer_peek(struct ed_consumer *c, struct ed_msg *m)
{
	return peek_into(c, m, 0, 0);
}

int ed_consumer_read(struct ed_consumer *c, struct ed_msg *m, void *buf,
		     nku32_f buflen, int *notify)
{
	int k, e;

	*notify = 0;
	for (;;) {
		k = peek_into(c, m, buf, buflen);
		if (k != ED_MSG_RECORD)
			return k;
		e = ed_consumer_commit(c, notify);
		if (e == -ED_ESTALE)
			continue; /* overwritten while copied: a loss follows */
		return e ? e : ED_MSG_RECORD;
	}
}

void ed_consumer_repair(struct ed_consumer *c)
{
	if (!c->attached)
		return;
	publish_pos(c);
	ed_store_release(&c->ctl->epoch, c->epoch);
}

int ed_consumer_rewind(struct ed_consumer *c)
{
	nku64_f tail, seq, pos, off;
	struct ed_rec_hdr r;
	int e = check_epoch(c);

	if (e)
		return e;
	tail = ed_load_acquire(&c->hdr->tail);
	if ((tail & (ED_REC_ALIGN - 1)) || tail > c->read_pos)
		return tail > c->read_pos ?
			       0 :
			       fault(c, "header.tail", "misaligned", tail, 0);
	/* The oldest record's seq becomes the expected one; a pad or the
	 * unusable end of the data area at the tail is skipped first. */
	pos = tail;
	off = pos % c->data_size;
	if (c->data_size - off >= ED_REC_HDR_SIZE)
		ed_memcpy(&r, c->data + off, sizeof(r));
	else
		r.type = ED_REC_TYPE_PAD;
	if (r.type == ED_REC_TYPE_PAD) {
		pos += c->data_size - off;
		off = 0;
	}
	seq = c->read_seq;
	if (pos < c->read_pos) {
		ed_memcpy(&r, c->data + off, sizeof(r));
		if (r.type != ED_REC_TYPE_PAD && r.seq <= c->read_seq)
			seq = r.seq;
	}
	c->read_pos = tail;
	c->read_seq = seq;
	c->head_seen = 0;
	c->peeked = 0;
	c->have_loss = 0;
	publish_pos(c);
	return 0;
}

int ed_consumer_arm(struct ed_consumer *c)
{
	nku64_f head;

	/* Always a value the producer has not notified yet (it only grows). */
	ed_store(&c->ctl->cons_wait_gen, ed_load(&c->ctl->cons_wait_gen) + 1);
	ed_mb(); /* the gen store before the head load */
	if (!c->attached)
		return ed_load_acquire(&c->hdr->magic) == ED_RING_MAGIC;
	head = ed_load_acquire(&c->hdr->head);
	if (head != c->read_pos || c->have_loss)
		return 1;
	return ed_load_acquire(&c->hdr->next_seq) > c->read_seq;
}

nku64_f ed_consumer_backlog(struct ed_consumer *c)
{
	nku64_f head;

	if (!c->attached)
		return 0;
	head = ed_load_acquire(&c->hdr->head);
	return head >= c->read_pos && head - c->read_pos <= c->data_size ?
		       head - c->read_pos :
		       0;
}
