// SPDX-License-Identifier: GPL-2.0-only
/*
 * Consumer end of the Earlydata ring (docs/earlydata-protocol.md).
 *
 * Everything read from the shared area is untrusted, and may change while
 * it is read: an overwrite-oldest producer reuses the bytes of records the
 * reader has not reached yet, and a restarted producer rewrites its
 * header. The consumer therefore validates after reading, as the Linux
 * printk ring buffer does: it copies what it reads (each shared value is
 * loaded once), then, after a read barrier, loads the header's magic,
 * epoch and tail again. If the producer took the bytes away meanwhile, the
 * copy is discarded: an overwritten record becomes an exact loss, a
 * rewritten header a new attach, never a fault. Only a check that fails
 * on bytes the producer has not touched since is a fault: a field, a rule,
 * a value and a position, then a resynchronisation.
 */
#include <earlydata/ring_io.h>

#include "ed_port.h"
#include "ring_pos.h"

#define MAX_STEPS 8 /* skips, pads, retries and resyncs per call */

/* The states of the message held between a peek and its commit. */
#define HELD_NONE 0
#define HELD_INPLACE 1 /* checked in PMEM: commit re-checks the tail */
#define HELD_HEADER 2 /* header checked, payload not yet copied */
#define HELD_COPY 3 /* copied and checked: the copy is the record */
#define HELD_LOSS 4 /* a loss event: commit persists the position after */

/* read_seq while replaying: the next record's seq is taken as it comes. */
#define SEQ_ANY (~0ULL)

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
	default:
		return "unknown";
	}
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

static int replaying(const struct ed_consumer *c)
{
	return c->replay_end != 0u;
}

static nku32_f default_gap_reason(const struct ed_consumer *c)
{
	return c->policy == ED_POLICY_DROP_NEW ? ED_LOSS_DROPPED :
						 ED_LOSS_OVERWRITTEN;
}

/*
 * Persist the read position: seq first, position last. [C5] the release
 * orders our reads of everything before it (the records) before the
 * position store; pairs with [P9], the producer's acquire of read_pos
 * before it reuses the space. While replaying, the position persisted
 * stays where the replay started: it never moves back.
 */
static void publish_pos(struct ed_consumer *c)
{
	nku64_f pos = c->read_pos, seq = c->read_seq;

	if (replaying(c) != 0) {
		pos = c->replay_end;
		seq = c->replay_seq;
	}
	c->pub_pos = pos;
	c->pub_seq = seq;
	ed_store(&c->ctl->read_seq, seq);
	ed_store_release(&c->ctl->read_pos, pos);
}

static void queue_loss(struct ed_consumer *c, nku64_f first, nku64_f count,
		       nku32_f reason)
{
	c->loss.kind = ED_MSG_LOSS;
	c->loss.epoch = c->epoch;
	c->loss.loss_first = first;
	c->loss.loss_count = count;
	c->loss.loss_reason = reason;
	c->loss.len = 0;
	c->loss.data = NULL;
	c->have_loss = 1;
}

/* overtaken(), where the tail matters: has it passed pos? */
static int overtaken_tail(const struct ed_consumer *c, nku64_f pos)
{
	nku64_f tail;

	tail = ed_load(&c->hdr->tail);
	/*
	 * The tail is a header field: a format between overtaken()'s epoch
	 * load and this load would give a tail of 0 and hide a lap (F7).
	 * [C3] read barrier, then magic (whole) and the epoch once more.
	 */
	ed_rmb();
	if (ed_load_acquire(&c->hdr->magic) != ED_RING_MAGIC ||
	    ed_load(&c->hdr->epoch) != c->epoch)
		return 1;
	return tail > pos ? 1 : 0;
}

/*
 * Is the ring still the one whose bytes we just read? Called after
 * reading shared bytes at position pos: [C2] the read barrier orders
 * those reads before the loads below, and pairs with [P2] (tail stored,
 * full barrier, then the bytes behind it overwritten) and [P5] (header
 * rewritten, full barrier, then new records). Whoever read a byte the
 * producer wrote after one of those barriers sees the store before it
 * here. Returns 1 when the bytes may have changed under us.
 *
 * Record bytes (hdr_fields 0) change only after a header rewrite is
 * complete: a magic of 0 (a rewrite under way) with our epoch means that
 * no rewrite changed them. Header fields (hdr_fields 1: head, tail) may
 * be the new ones while the rewrite is under way: magic must be whole.
 */
static ed_always_inline int overtaken(const struct ed_consumer *c, nku64_f pos,
				      int hdr_fields)
{
	nku32_f magic;

	ed_rmb(); /* [C2] */
	magic = ed_load_acquire(&c->hdr->magic); /* [C4] */
	if ((magic != ED_RING_MAGIC && (hdr_fields != 0 || magic != 0u)) ||
	    ed_load(&c->hdr->epoch) != c->epoch)
		return 1;
	if (c->policy != ED_POLICY_OVERWRITE_OLDEST && !replaying(c))
		return 0;
	return overtaken_tail(c, pos);
}

/*
 * Validate the producer's header and cache its geometry for this epoch.
 * The header is a seqcount: [C4] the acquire of magic pairs with [P4] (the
 * fields are stored before magic), and [C3] the read barrier before
 * magic and epoch are loaded again pairs with [P3] (magic is cleared
 * before any field changes). A header that changed while we read it is
 * -ED_EAGAIN (try again), never a fault.
 */
static int attach(struct ed_consumer *c)
{
	struct ed_ring_hdr *h = c->hdr;
	nku64_f ds, epoch, old, pos, seq, reset_from = 0;
	nku32_f vmaj, hsz, doff, rmax, pol;
	int reset = 0;

	if (c->pmem_size < ED_RING_DATA_OFF)
		return fault(c, "pmem", "smaller than the ring header area",
			     c->pmem_size, 0);
	if (ed_load_acquire(&h->magic) != ED_RING_MAGIC) /* [C4] */
		return -ED_EAGAIN; /* not formatted (yet) */
	/*
	 * [C10] the epoch first: a format stores the geometry, then the
	 * epoch with release [P10]. Whoever reads the new epoch reads the new
	 * geometry; whoever read the old one and any new field sees the
	 * epoch change below. (magic alone, a flag, cannot tell a whole
	 * rewrite that happened between its two loads.)
	 */
	epoch = ed_load_acquire(&h->epoch);
	ED_HOOK(ED_HOOK_ATTACH_EPOCH);
	vmaj = ed_load(&h->version_major);
	hsz = ed_load(&h->hdr_size);
	doff = ed_load(&h->data_off);
	ds = ed_load(&h->data_size);
	rmax = ed_load(&h->record_max);
	pol = ed_load(&h->policy);
	ED_HOOK(ED_HOOK_ATTACH_FIELDS);
	ed_rmb(); /* [C3] */
	if (ed_load_acquire(&h->magic) != ED_RING_MAGIC ||
	    ed_load(&h->epoch) != epoch)
		return -ED_EAGAIN; /* being rewritten */
	if (vmaj != ED_RING_VERSION_MAJOR)
		return fault(c, "header.version_major", "unsupported", vmaj, 0);
	if (hsz < sizeof(*h) || hsz > ED_CONS_CTL_OFF)
		return fault(c, "header.hdr_size", "not 192..2048", hsz, 0);
	if (doff != ED_RING_DATA_OFF)
		return fault(c, "header.data_off", "not 0x1000", doff, 0);
	if (ed_ring_geometry_ok(c->pmem_size, ds, rmax) != 0)
		return fault(c, "header.data_size",
			     "does not fit the PMEM or record_max", ds, 0);
	if (pol > ED_POLICY_OVERWRITE_OLDEST)
		return fault(c, "header.policy", "unknown", pol, 0);
	if (!epoch || epoch > ED_EPOCH_MAX)
		return fault(c, "header.epoch", "is 0 or above 2^63 - 1", epoch,
			     0);
	old = ed_load_acquire(&c->ctl->epoch);
	if (c->attached && c->epoch != epoch) {
		/* Replaced under us: what we had not read is gone. */
		reset = 1;
		reset_from = replaying(c) ? c->replay_seq : c->read_seq;
		old = 0;
	} else if (!c->attached && old == epoch) {
		pos = ed_load(&c->ctl->read_pos);
		seq = ed_load(&c->ctl->read_seq);
		if ((pos & (ED_REC_ALIGN - 1u)) != 0u)
			return fault(c, "consumer.read_pos", "misaligned", pos,
				     pos);
		c->read_pos = pos;
		c->read_seq = seq;
		c->pub_pos = pos; /* what a repair writes back (model F8) */
		c->pub_seq = seq;
	} else if (!c->attached && old) {
		reset = 1;
		reset_from = ed_load(&c->ctl->read_seq);
		old = 0;
	} else {
		/* never attached: nothing was read, nothing lost */
	}
	c->data_size = ds;
	c->pos_base = 0; /* a multiple of any data size */
	c->record_max = rmax;
	c->policy = pol;
	c->epoch = epoch;
	c->replay_end = 0;
	if (old != epoch) {
		c->read_pos = 0;
		c->read_seq = 0;
		publish_pos(c);
		ed_store_release(&c->ctl->epoch, epoch); /* [C7] */
	}
	if (reset != 0) /* the new epoch's loss event carries it */
		queue_loss(c, reset_from, 0, ED_LOSS_RESET);
	c->seq_pos = c->read_pos;
	/* A producer already waiting gets one space XIRQ at our first commit. */
	c->notified_gen = ed_load(&h->prod_wait_gen) - 1;
	c->gap_reason = default_gap_reason(c);
	c->held = HELD_NONE;
	c->head_seen = 0;
	c->magic_bad = 0;
	c->attached = 1;
	return 0;
}

/* check_epoch's answer when the ring is not (or no longer) ours. */
static int check_epoch_changed(struct ed_consumer *c, nku32_f magic)
{
	if (c->attached && !magic)
		return -ED_EAGAIN; /* the producer is rewriting its header */
	if (c->attached && magic != ED_RING_MAGIC) {
		if (c->magic_bad != 0)
			return -ED_EAGAIN;
		c->magic_bad = 1;
		return fault(c, "header.magic", "overwritten", magic, 0);
	}
	return attach(c);
}

/* Is the ring still the one we attached to? Re-attach if not. */
static ed_always_inline int check_epoch(struct ed_consumer *c)
{
	nku32_f magic = ed_load_acquire(&c->hdr->magic); /* [C4] */

	if (c->attached && magic == ED_RING_MAGIC &&
	    ed_load(&c->hdr->epoch) == c->epoch)
		return 0;
	return check_epoch_changed(c, magic);
}

/*
 * After a fault in the record stream: skip to the producer's head if it
 * is plausible; the records skipped are reported by the next seq gap.
 */
static void resync(struct ed_consumer *c, nku64_f head)
{
	if (head >= c->read_pos && head - c->read_pos <= c->data_size &&
	    !(head & (ED_REC_ALIGN - 1u)))
		c->read_pos = head;
	c->head_seen = 0;
	c->gap_reason = ED_LOSS_CORRUPT;
	c->held = HELD_NONE;
	if (replaying(c) && c->read_pos >= c->replay_end)
		c->replay_end = 0;
	publish_pos(c);
}

static int take_loss(struct ed_consumer *c, struct ed_msg *m)
{
	*m = c->loss;
	c->have_loss = 0;
	c->st.loss_events++;
	c->st.lost += m->loss_count;
	if (m->loss_count != 0u) {
		c->read_seq = m->loss_first + m->loss_count;
		c->seq_pos = c->read_pos;
	}
	c->gap_reason = default_gap_reason(c);
	/*
	 * Not persisted yet: a caller that writes the event out commits it
	 * after (a consumer killed in between reports it again).
	 */
	c->held = HELD_LOSS;
	return ED_MSG_LOSS;
}

/*
 * The record at the read position has seq `seq` and the replay (if any)
 * allows it. Gaps are losses: at most as many records as the bytes since
 * the position where read_seq was known can hold (block and
 * overwrite-oldest; drop-new spends sequence numbers without bytes).
 * Returns 0 to deliver it, 1 to skip it, ED_MSG_LOSS, or a fault.
 */
static ed_always_inline int judge_seq(struct ed_consumer *c, nku64_f seq,
				      nku64_f span, struct ed_msg *m)
{
	nku64_f room;

	if (seq == c->read_seq && !replaying(c))
		return 0; /* the usual: the next record */
	if (replaying(c) != 0) {
		/* Records delivered before the rewind, again: no losses. */
		if (seq >= c->replay_seq ||
		    (c->read_seq != SEQ_ANY && seq < c->read_seq))
			return fault(c, "record.seq", "outside the replay", seq,
				     c->read_pos);
		return 0;
	}
	if (seq + 1u == c->read_seq) {
		/* Consumed: publish_pos() was cut between its stores. */
		c->read_pos += span;
		c->seq_pos = c->read_pos;
		publish_pos(c);
		return 1;
	}
	if (seq < c->read_seq)
		return fault(c, "record.seq", "went backwards", seq,
			     c->read_pos);
	room = c->read_pos >= c->seq_pos ?
		       (c->read_pos - c->seq_pos) / ED_REC_HDR_SIZE :
		       0u;
	if (c->policy != ED_POLICY_DROP_NEW && seq - c->read_seq > room)
		return fault(c, "record.seq",
			     "ahead of what the ring can have held", seq,
			     c->read_pos);
	queue_loss(c, c->read_seq, seq - c->read_seq, c->gap_reason);
	return take_loss(c, m);
}

/*
 * Find the next message. A record is left in c->held = HELD_HEADER: its
 * header copied, checked and (where it mattered) not overtaken; its
 * payload is still to be read and checked. Returns ED_MSG_RECORD,
 * ED_MSG_LOSS, ED_MSG_NONE, -ED_EAGAIN or a fault (-ED_EPROTO).
 */
static ed_always_inline int look(struct ed_consumer *c, struct ed_msg *m)
{
	nku64_f head, tail, next, off, room, span, h2;
	struct ed_rec_hdr r;
	int step, e;

	c->held = HELD_NONE;
	for (step = 0; step < MAX_STEPS; step++) {
		if (c->have_loss != 0)
			return take_loss(c, m);
		e = check_epoch(c);
		if (e != 0)
			return e;
		if (c->have_loss != 0) /* attach found a new epoch */
			return take_loss(c, m);
		ED_HOOK(ED_HOOK_LOOK_EPOCH);
		/*
		 * Records below a head already loaded and validated are
		 * complete: take them without touching the producer's line
		 * again (block and drop-new: nothing behind the head moves).
		 */
		if (c->read_pos < c->head_seen) {
			head = c->head_seen;
			goto have_head;
		}
		head = ed_load_acquire(&c->hdr->head); /* [C1] */
		tail = ed_load_acquire(&c->hdr->tail);
		ED_HOOK(ED_HOOK_LOOK_HEADTAIL);
		if ((head | tail) & (ED_REC_ALIGN - 1u) || tail > head ||
		    head - tail > c->data_size) {
			if (overtaken(c, c->read_pos, 1) != 0)
				continue; /* header rewritten meanwhile */
			e = fault(c, "header.head/tail", "inconsistent", head,
				  tail);
			resync(c, c->read_pos);
			return e;
		}
		if (head < c->read_pos) {
			if (overtaken(c, c->read_pos, 1) != 0)
				continue;
			e = fault(c, "header.head", "behind the read position",
				  head, c->read_pos);
			c->read_pos = head;
			c->seq_pos = head;
			c->replay_end = 0;
			resync(c, head);
			return e;
		}
		if (c->read_pos < tail && replaying(c) &&
		    tail <= c->replay_end) {
			/* Reclaimed while replaying: records read before. */
			c->read_pos = tail;
			c->read_seq = SEQ_ANY;
		} else if (c->read_pos < tail) {
			if (replaying(c) != 0) {
				/* the tail passed the whole replay */
				c->read_pos = c->replay_end;
				c->read_seq = c->replay_seq;
				c->seq_pos = c->replay_end;
				c->replay_end = 0;
			}
			if (c->policy == ED_POLICY_OVERWRITE_OLDEST) {
				/* Overwritten: the next seq gap tells. */
				c->read_pos = tail;
				c->gap_reason = ED_LOSS_OVERWRITTEN;
			} else if (overtaken(c, c->read_pos, 1) != 0) {
				continue;
			} else {
				e = fault(c, "header.tail",
					  "passed the read position", tail,
					  c->read_pos);
				resync(c, tail);
				c->read_pos = tail;
				publish_pos(c);
				return e;
			}
		} else {
			/* The read position is not behind the tail. */
		}
		if (replaying(c) && c->read_pos >= c->replay_end) {
			/* The replay is over: back where it started. */
			c->read_pos = c->replay_end;
			c->read_seq = c->replay_seq;
			c->seq_pos = c->replay_end;
			c->replay_end = 0;
		}
		if (head - c->read_pos > c->data_size) {
			if (overtaken(c, c->read_pos, 1) != 0)
				continue;
			e = fault(c, "header.head", "more than a ring ahead",
				  head, c->read_pos);
			resync(c, head);
			return e;
		}
		if (c->read_pos == head) {
			/* Caught up: did drop-new spend sequence numbers? */
			if (c->policy != ED_POLICY_DROP_NEW)
				return ED_MSG_NONE;
			next = ed_load_acquire(&c->hdr->next_seq); /* [C6] */
			h2 = ed_load_acquire(&c->hdr->head);
			/*
			 * The same head in another epoch (a format between the
			 * loads) would make its next_seq look like drops here.
			 */
			if (h2 != head || overtaken(c, c->read_pos, 1) != 0)
				continue;
			/*
			 * next_seq is stored after head: it may lag behind
			 * (also for good, if the producer died in between,
			 * until it resumes). Only a lead means dropped records.
			 */
			if (next > c->read_seq && c->read_seq != SEQ_ANY) {
				queue_loss(c, c->read_seq, next - c->read_seq,
					   c->gap_reason);
				return take_loss(c, m);
			}
			return ED_MSG_NONE;
		}
		if (c->policy != ED_POLICY_OVERWRITE_OLDEST && !replaying(c))
			c->head_seen = head;
have_head:
		off = ed_pos_off(c->read_pos, c->data_size, &c->pos_base);
		room = c->data_size - off;
		if (room < ED_REC_HDR_SIZE) {
			c->read_pos += room;
			continue;
		}
		ed_copy_from_shared(&r, c->data + off, sizeof(r));
		if (r.type == ED_REC_TYPE_PAD) {
			if (r.len != room - ED_REC_HDR_SIZE ||
			    head - c->read_pos < room ||
			    ed_rec_crc(&r, NULL) != r.crc) {
				if (overtaken(c, c->read_pos, 0) != 0)
					continue;
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
			if (overtaken(c, c->read_pos, 0) != 0)
				continue;
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
			if (overtaken(c, c->read_pos, 0) != 0)
				continue;
			e = fault(c, "record.type", "reserved bits set", r.type,
				  c->read_pos);
			resync(c, head);
			return e;
		}
		/*
		 * Anything but the expected seq changes our state: only on a
		 * header that was not overwritten while we read it.
		 */
		if ((r.seq != c->read_seq || c->read_seq == SEQ_ANY) &&
		    overtaken(c, c->read_pos, 0))
			continue;
		e = judge_seq(c, r.seq, span, m);
		if (e == 1)
			continue;
		if (e != 0) {
			if (e == -ED_EPROTO)
				resync(c, head);
			return e;
		}
		m->kind = ED_MSG_RECORD;
		m->type = r.type;
		m->len = r.len;
		m->seq = r.seq;
		m->ts_ns = r.ts_ns;
		m->epoch = c->epoch;
		m->data = c->data + off + ED_REC_HDR_SIZE;
		m->loss_first = 0;
		m->loss_count = 0;
		m->loss_reason = 0;
		c->held = HELD_HEADER;
		c->held_hdr = r;
		c->peek_pos = c->read_pos;
		c->peek_off = off;
		c->peek_next = c->read_pos + span;
		return ED_MSG_RECORD;
	}
	return ED_MSG_NONE; /* the producer keeps moving; call again */
}

#ifdef ED_TSAN
/*
 * CRC of a record whose payload may be in the shared area (shared != 0).
 * ThreadSanitizer builds read such a payload through ed_copy_from_shared,
 * in pieces: the race with an overwriting producer is by design.
 */
static nku32_f rec_crc_shared(const struct ed_rec_hdr *r, const nku8_f *payload,
			      int shared)
{
	nku8_f piece[256];
	nku32_f crc, done, n;

	if (shared == 0)
		return ed_rec_crc(r, payload);
	crc = ed_crc32c(0u, r, 24u);
	for (done = 0u; done < r->len; done += n) {
		n = r->len - done < (nku32_f)sizeof(piece) ?
			    r->len - done :
			    (nku32_f)sizeof(piece);
		ed_copy_from_shared(piece, payload + done, n);
		crc = ed_crc32c(crc, piece, n);
	}
	return crc;
}
#endif

/*
 * Read and check the payload of the record look() left in HELD_HEADER:
 * copied into dst when given (the CRC is then computed on the copy, the
 * bytes handed out, in the same pass), else checked in place. Touches only what look()
 * fixed and the shared area, so a host may call it without its lock.
 */
static inline int check_payload(const struct ed_consumer *c, void *dst)
{
	const struct ed_rec_hdr *r = &c->held_hdr;
	const nku8_f *payload;
	nku32_f crc;

	if (c->held != HELD_HEADER)
		return -ED_EINVAL;
	payload = c->data + c->peek_off + ED_REC_HDR_SIZE;
#ifdef ED_TSAN
	if (dst != NULL) {
		ed_copy_from_shared(dst, payload, r->len);
		payload = (const nku8_f *)dst;
	}
	ED_HOOK(ED_HOOK_CHECK_COPIED);
	crc = rec_crc_shared(r, payload, dst == NULL);
#else
	if (dst != NULL) {
		/* One pass: the CRC is that of the bytes stored in dst. */
		crc = ed_rec_crc_copy(ed_rec_word0(r->len, r->type, r->flags),
				      r->seq, r->ts_ns, dst, payload, r->len);
		ed_barrier();
	} else {
		crc = ed_rec_crc(r, payload);
	}
	ED_HOOK(ED_HOOK_CHECK_COPIED);
#endif
	/*
	 * In place, a good CRC is checked again by the commit, which alone
	 * can say whether the bytes the caller used were intact: one
	 * re-check per record, not two. A copy is trusted from here on.
	 */
	if (dst == NULL && crc == r->crc)
		return 0;
	if (overtaken(c, c->peek_pos, 0) != 0)
		return -ED_ESTALE;
	return crc == r->crc ? 0 : -ED_EPROTO;
}

/*
 * Apply the verdict of ed_consumer_check: 0 keeps the record held (as a
 * copy when copied), -ED_ESTALE drops it (overwritten: the next look
 * reports the loss, or re-attaches), -ED_EPROTO is a CRC fault.
 */
static inline int settle(struct ed_consumer *c, int verdict, int copied)
{
	if (c->held != HELD_HEADER)
		return -ED_EINVAL;
	if (!verdict) {
		c->held = copied ? HELD_COPY : HELD_INPLACE;
		return 0;
	}
	c->held = HELD_NONE;
	if (verdict == -ED_ESTALE) {
		c->head_seen = 0;
		return -ED_ESTALE;
	}
	verdict = fault(c, "record.crc", "mismatch", c->held_hdr.crc,
			c->peek_pos);
	resync(c, ed_load_acquire(&c->hdr->head));
	return verdict;
}

/*
 * Next message, its record checked: copied into dst (dstlen bytes) when
 * dst is given, else in place.
 */
static int next_checked(struct ed_consumer *c, struct ed_msg *m, void *dst,
			nku32_f dstlen)
{
	int k, step;

	for (step = 0; step < MAX_STEPS; step++) {
		k = look(c, m);
		if (k != ED_MSG_RECORD)
			return k;
		if (dst && m->len > dstlen)
			return -ED_ENOBUFS; /* held: commit skips it */
		k = settle(c, check_payload(c, dst), dst != NULL);
		if (k == -ED_ESTALE)
			continue;
		if (k != 0)
			return k;
		if (dst != NULL)
			m->data = dst;
		return ED_MSG_RECORD;
	}
	return ED_MSG_NONE;
}

int ed_consumer_check(const struct ed_consumer *c, void *dst)
{
	return check_payload(c, dst);
}

int ed_consumer_settle(struct ed_consumer *c, int verdict, int copied)
{
	return settle(c, verdict, copied);
}

int ed_consumer_look(struct ed_consumer *c, struct ed_msg *m)
{
	if (c->held == HELD_HEADER)
		c->held = HELD_NONE; /* looked again: forget the old one */
	return look(c, m);
}

int ed_consumer_peek(struct ed_consumer *c, struct ed_msg *m)
{
	return next_checked(c, m, NULL, 0);
}

int ed_consumer_fetch(struct ed_consumer *c, struct ed_msg *m, void *buf,
		      nku32_f buflen)
{
	return next_checked(c, m, buf, buflen);
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

	ed_mb(); /* [C9] read_pos store before the prod_wait_gen load */
	g = ed_load(&c->hdr->prod_wait_gen);
	if (g == c->notified_gen) {
		c->st.notify_suppressed++;
		return;
	}
	/* The producer waits: the head matters only now. */
	head = ed_load_acquire(&c->hdr->head);
	if (head > c->read_pos && head - c->read_pos > c->data_size / 2u)
		return; /* more than half unread: not yet */
	c->notified_gen = g;
	*notify = 1;
	c->st.notify_sent++;
}

/*
 * Consume what is held. With `defer`, a record's new read position is
 * kept private until ed_consumer_flush (a batch persists its position
 * once); a loss is always persisted at once.
 */
static ed_always_inline int commit(struct ed_consumer *c, int *notify,
				   int defer)
{
	int held = c->held;

	*notify = 0;
	if (held == HELD_NONE)
		return -ED_EINVAL;
	c->held = HELD_NONE;
	if (held == HELD_LOSS) {
		publish_pos(c);
		return 0;
	}
	/*
	 * In place: the caller's reads of the record before the loads of
	 * overtaken() ([C2]); a record the producer took away meanwhile is
	 * not consumed but lost (the next peek reports it). A copy is
	 * the record whatever happened since; a record only looked at is
	 * skipped (too large for the caller).
	 */
	if (held == HELD_INPLACE && overtaken(c, c->peek_pos, 0)) {
		c->head_seen = 0;
		return -ED_ESTALE;
	}
	c->read_pos = c->peek_next;
	c->read_seq = c->held_hdr.seq + 1u;
	c->seq_pos = c->read_pos;
	if (replaying(c) && c->read_pos >= c->replay_end) {
		c->read_pos = c->replay_end;
		c->read_seq = c->replay_seq;
		c->seq_pos = c->replay_end;
		c->replay_end = 0;
	}
	if (held != HELD_HEADER) {
		c->st.records++;
		c->st.bytes += c->held_hdr.len;
	}
	if (defer == 0)
		ed_consumer_flush(c, notify);
	return 0;
}

int ed_consumer_commit(struct ed_consumer *c, int *notify)
{
	return commit(c, notify, 0);
}

int ed_consumer_commit_deferred(struct ed_consumer *c)
{
	int notify;

	return commit(c, &notify, 1);
}

void ed_consumer_flush(struct ed_consumer *c, int *notify)
{
	*notify = 0;
	if (replaying(c) != 0)
		return;
	if (c->pub_pos != c->read_pos || c->pub_seq != c->read_seq)
		publish_pos(c);
	if (c->policy == ED_POLICY_BLOCK)
		space_notify(c, notify);
}

int ed_consumer_read(struct ed_consumer *c, struct ed_msg *m, void *buf,
		     nku32_f buflen, int *notify)
{
	int k;

	*notify = 0;
	k = ed_consumer_fetch(c, m, buf, buflen);
	if (k != ED_MSG_RECORD && k != ED_MSG_LOSS)
		return k;
	return ed_consumer_commit(c, notify) != 0 ? -ED_EPROTO : k;
}

void ed_consumer_repair(struct ed_consumer *c)
{
	if (!c->attached)
		return;
	/* What was persisted last: an uncommitted loss stays uncommitted. */
	ed_store(&c->ctl->read_seq, c->pub_seq);
	ed_store_release(&c->ctl->read_pos, c->pub_pos); /* [C5] */
	ed_store_release(&c->ctl->epoch, c->epoch); /* [C7] */
}

/*
 * Replay what is still in the ring: move back to its oldest record. The
 * replay is private: the position persisted (and seen by the producer)
 * stays where it was, so the producer may go on reclaiming the records
 * being replayed (they were consumed); those it takes are skipped, and
 * the replay ends where it started.
 */
int ed_consumer_rewind(struct ed_consumer *c)
{
	nku64_f tail, end, seq;
	int e = check_epoch(c);

	if (e != 0)
		return e;
	if (c->have_loss != 0)
		return 0; /* a new epoch: reading from its start anyway */
	tail = ed_load_acquire(&c->hdr->tail);
	if ((tail & (ED_REC_ALIGN - 1u)) != 0u)
		return fault(c, "header.tail", "misaligned", tail, 0);
	end = replaying(c) ? c->replay_end : c->read_pos;
	seq = replaying(c) ? c->replay_seq : c->read_seq;
	if (tail >= end) {
		c->held = HELD_NONE;
		return 0; /* nothing behind us is left */
	}
	c->replay_end = end;
	c->replay_seq = seq;
	c->read_pos = tail;
	c->read_seq = SEQ_ANY;
	c->head_seen = 0;
	c->held = HELD_NONE;
	return 0;
}

int ed_consumer_arm(struct ed_consumer *c)
{
	nku64_f head;

	/* Always a value the producer has not notified yet (it only grows). */
	ed_store(&c->ctl->cons_wait_gen, ed_load(&c->ctl->cons_wait_gen) + 1);
	ed_mb(); /* [C8] the gen store before the head load; pairs with [P7] */
	if (!c->attached)
		return ed_load_acquire(&c->hdr->magic) == ED_RING_MAGIC;
	head = ed_load_acquire(&c->hdr->head);
	if (head != c->read_pos || c->have_loss)
		return 1;
	if (ed_load(&c->hdr->epoch) != c->epoch)
		return 1;
	return c->policy == ED_POLICY_DROP_NEW && c->read_seq != SEQ_ANY &&
	       ed_load_acquire(&c->hdr->next_seq) > c->read_seq;
}

nku64_f ed_consumer_backlog(struct ed_consumer *c)
{
	nku64_f head;

	if (!c->attached)
		return 0;
	head = ed_load_acquire(&c->hdr->head);
	return head >= c->read_pos && head - c->read_pos <= c->data_size ?
		       head - c->read_pos :
		       0u;
}
