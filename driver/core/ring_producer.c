// SPDX-License-Identifier: GPL-2.0-only
/*
 * Producer end of the Earlydata ring (docs/earlydata-protocol.md).
 *
 * The producer is the only writer of the header and the data area; it
 * keeps private copies of head, tail and next_seq and writes the shared
 * ones from them, so a consumer scribbling on the header cannot steer it.
 * The only shared value it reads while running is the consumer's read
 * position, which it validates on every use.
 */
#include <earlydata/ring_io.h>

#include "ed_port.h"
#include "ring_pos.h"

static void set_fault(struct ed_producer *p, const char *field,
		      const char *rule, nku64_f value, nku64_f pos)
{
	p->fault.field = field;
	p->fault.rule = rule;
	p->fault.value = value;
	p->fault.pos = pos;
	p->st.faults++;
}

nku64_f ed_ring_pmem_size(nku64_f data_size)
{
	return ED_RING_DATA_OFF + data_size;
}

int ed_ring_geometry_ok(nku64_f pmem_size, nku64_f data_size,
			nku32_f record_max)
{
	if (!data_size || (data_size & (ED_REC_ALIGN - 1u)) ||
	    data_size > pmem_size || pmem_size < ED_RING_DATA_OFF ||
	    data_size > pmem_size - ED_RING_DATA_OFF || !record_max ||
	    record_max > 0x7fffffffu ||
	    2u * ed_rec_span(record_max) + ED_REC_HDR_SIZE > data_size)
		return -ED_EINVAL;
	return 0;
}

/*
 * Publish the whole header from the private state, as a seqcount: magic
 * cleared, the fields, magic set. A consumer that read any field we store
 * here sees the cleared magic ([P3], pairs with [C3]) or the final one
 * ([P4], pairs with [C4]) and reads again.
 */
static void write_header(struct ed_producer *p)
{
	struct ed_ring_hdr *h = p->hdr;

	ed_store(&h->magic, 0u);
	ed_wmb(); /* [P3] magic cleared before any field changes */
	ed_store(&h->version_major, (nku16_f)ED_RING_VERSION_MAJOR);
	ed_store(&h->version_minor, (nku16_f)ED_RING_VERSION_MINOR);
	ed_store(&h->hdr_size, (nku32_f)sizeof(*h));
	ed_store(&h->data_off, (nku32_f)ED_RING_DATA_OFF);
	ed_store(&h->data_size, p->data_size);
	ed_store(&h->record_max, p->record_max);
	ed_store(&h->policy, p->policy);
	/* [P10] the geometry before the epoch that names it: [C10] */
	ed_store_release(&h->epoch, p->epoch);
	ed_store(&h->tail, p->tail);
	ed_store(&h->head, p->head);
	ed_store(&h->next_seq, p->next_seq);
	ed_store(&h->prod_wait_gen, p->wait_gen);
	ed_store(&h->format_ns, p->format_ns);
	ed_store_release(&h->magic, (nku32_f)ED_RING_MAGIC); /* [P4] */
	/*
	 * [P5] the header before any record byte written after it: a
	 * consumer that read such a byte sees this epoch after its [C2].
	 */
	ed_mb();
}

void ed_producer_repair(struct ed_producer *p)
{
	write_header(p);
}

/*
 * Size of the item (record, pad, or unusable end of the data area) at
 * position pos, or 0 when what is there cannot be ours. *seq gets the
 * record's sequence number, or ~0 for pads and skips. With check_crc the
 * record must also pass its CRC.
 */
static nku64_f item_span(struct ed_producer *p, nku64_f pos, nku64_f *seq,
			 int check_crc)
{
	nku64_f off = ed_pos_off(pos, p->data_size, &p->walk_base),
		room = p->data_size - off, span;
	struct ed_rec_hdr h;

	*seq = ~0ULL;
	if (room < ED_REC_HDR_SIZE)
		return room;
	ed_copy_from_shared(&h, p->data + off, sizeof(h));
	if (h.type == ED_REC_TYPE_PAD) {
		if (h.len != room - ED_REC_HDR_SIZE ||
		    (check_crc && ed_rec_crc(&h, NULL) != h.crc))
			return 0;
		return room;
	}
	if (h.len > p->record_max || h.type > ED_REC_TYPE_MAX || h.flags ||
	    h.reserved)
		return 0;
	span = ed_rec_span(h.len);
	if (span > room)
		return 0;
	if (check_crc &&
	    ed_rec_crc(&h, p->data + off + ED_REC_HDR_SIZE) != h.crc)
		return 0;
	*seq = h.seq;
	return span;
}

/* Check the ring found in PMEM: same geometry, every record intact. */
static int resume_check(struct ed_producer *p)
{
	struct ed_ring_hdr *h = p->hdr;
	nku64_f head, tail, next, pos, seq, last = 0, span;
	int any = 0;

	if (ed_load_acquire(&h->magic) != ED_RING_MAGIC)
		return -1;
	if (ed_load(&h->version_major) != ED_RING_VERSION_MAJOR ||
	    ed_load(&h->hdr_size) != sizeof(*h) ||
	    ed_load(&h->data_off) != ED_RING_DATA_OFF ||
	    ed_load(&h->data_size) != p->data_size ||
	    ed_load(&h->record_max) != p->record_max ||
	    ed_load(&h->policy) != p->policy || !ed_load(&h->epoch) ||
	    ed_load(&h->epoch) > ED_EPOCH_MAX)
		return -2;
	head = ed_load(&h->head);
	tail = ed_load(&h->tail);
	next = ed_load(&h->next_seq);
	if ((head | tail) & (ED_REC_ALIGN - 1u) || tail > head ||
	    head - tail > p->data_size || head >= 1ULL << 62)
		return -3;
	/*
	 * Block and overwrite-oldest spend a sequence number only on a
	 * record of 32 bytes at least: seq n lies at position 32 n or later
	 * (the bound the consumer checks gaps against).
	 */
	if (p->policy != ED_POLICY_DROP_NEW && next > head / ED_REC_HDR_SIZE)
		return -3;
	for (pos = tail; pos < head; pos += span) {
		span = item_span(p, pos, &seq, 1);
		if (!span || span > head - pos)
			return -4;
		if (seq == ~0ULL)
			continue;
		if ((any && seq <= last) || (p->policy != ED_POLICY_DROP_NEW &&
					     seq > pos / ED_REC_HDR_SIZE))
			return -4;
		last = seq;
		any = 1;
	}
	p->epoch = ed_load(&h->epoch);
	p->head = head;
	p->tail = tail;
	p->next_seq = any && last + 1u > next ? last + 1u : next;
	p->wait_gen = ed_load(&h->prod_wait_gen);
	p->format_ns = ed_load(&h->format_ns);
	return 0;
}

int ed_producer_attach(struct ed_producer *p, void *pmem, nku64_f pmem_size,
		       nku64_f data_size, nku32_f record_max, nku32_f policy,
		       nku64_f now_ns, nku64_f nonce)
{
	static const char *const why[] = {
		"no valid ring header", "geometry or policy changed",
		"head/tail inconsistent",
		"a record between tail and head is damaged"
	};
	nku64_f e1, e2;
	int r;

	ed_memset(p, 0, sizeof(*p));
	if (ed_ring_geometry_ok(pmem_size, data_size, record_max) ||
	    policy > ED_POLICY_OVERWRITE_OLDEST)
		return -ED_EINVAL;
	p->hdr = (struct ed_ring_hdr *)((nku8_f *)pmem + ED_RING_HDR_OFF);
	p->ctl = (struct ed_cons_ctl *)((nku8_f *)pmem + ED_CONS_CTL_OFF);
	p->data = (nku8_f *)pmem + ED_RING_DATA_OFF;
	p->data_size = data_size;
	p->record_max = record_max;
	p->policy = policy;
	p->cp_gap = data_size / ED_CHECKPOINTS;
	/* A consumer already asleep gets one data XIRQ at our first write. */
	p->notified_gen = ed_load(&p->ctl->cons_wait_gen) - 1;
	r = resume_check(p);
	/* head is 0 unless resumed: a new epoch has no checkpoints yet */
	p->cp_next = p->head + p->cp_gap;
	if (!r) {
		write_header(p); /* also restores next_seq after a crash */
		p->st.resumes++;
		return ED_ATTACH_RESUMED;
	}
	if (r != -1) {
		set_fault(p, "header", why[-r - 1], ed_load(&p->hdr->epoch), 0);
	} else if (ed_load(&p->hdr->magic) || ed_load(&p->hdr->epoch)) {
		set_fault(p, "header.magic", why[0], ed_load(&p->hdr->magic),
			  0);
	} else {
		/* never formatted, nothing to report */
	}
	/*
	 * A new epoch: the host's nonce (random, or otherwise unique to this
	 * start), distinct from anything either side remembers, so that no
	 * consumer takes the new ring for the old one, even when the PMEM
	 * was cleared (a hypervisor restart) and nothing is remembered.
	 */
	e1 = ed_load(&p->hdr->epoch);
	e2 = ed_load(&p->ctl->epoch);
	p->epoch = nonce & ED_EPOCH_MAX;
	while (!p->epoch || p->epoch == e1 || p->epoch == e2)
		p->epoch = (p->epoch * 6364136223846793005ULL +
			    1442695040888963407ULL) &
			   ED_EPOCH_MAX;
	p->head = p->tail = p->next_seq = 0;
	p->format_ns = now_ns;
	write_header(p);
	p->st.formats++;
	return ED_ATTACH_FORMATTED;
}

/*
 * How far the tail may advance: up to the head for overwrite-oldest, up to
 * the consumer's read position otherwise. The read position is validated;
 * a bad one is reported (once per value) and nothing is reclaimed.
 */
static nku64_f reclaim_limit(struct ed_producer *p)
{
	nku64_f pos;

	if (p->policy == ED_POLICY_OVERWRITE_OLDEST)
		return p->head;
	/* [P9] ctl.epoch, then the position it covers; pairs with [C7] */
	if (ed_load_acquire(&p->ctl->epoch) != p->epoch)
		return p->tail; /* consumer not attached: it starts at 0 */
	/* [P9] the consumer's reads of the records before we reuse them */
	pos = ed_load_acquire(&p->ctl->read_pos);
	ED_HOOK(ED_HOOK_RECLAIM_LIMIT);
	if ((pos & (ED_REC_ALIGN - 1u)) || pos < p->tail || pos > p->head) {
		if (pos != p->bad_read_pos)
			set_fault(p, "consumer.read_pos",
				  pos > p->head ? "beyond the head" :
				  pos < p->tail ? "behind the tail" :
						  "misaligned",
				  pos, p->head);
		p->bad_read_pos = pos;
		return p->tail;
	}
	return pos;
}

/*
 * The head passed a checkpoint's distance: remember it (a record
 * boundary). A full list forgets its oldest entry: it only gets coarser.
 */
static inline void take_checkpoint(struct ed_producer *p)
{
	if (p->cp_count == ED_CHECKPOINTS) {
		p->cp_first = (p->cp_first + 1u) % ED_CHECKPOINTS;
		p->cp_count--;
	}
	p->cp[(p->cp_first + p->cp_count) % ED_CHECKPOINTS] = p->head;
	p->cp_count++;
	p->cp_next = p->head + p->cp_gap;
}

/*
 * The last checkpoint at or below limit, or tail if none is above tail:
 * a record boundary up to which the consumer has read everything.
 */
static nku64_f checkpoint_below(struct ed_producer *p, nku64_f tail,
				nku64_f limit)
{
	nku64_f c;

	while (p->cp_count != 0u) {
		c = p->cp[p->cp_first];
		if (c > limit)
			break;
		if (c > tail)
			tail = c;
		p->cp_first = (p->cp_first + 1u) % ED_CHECKPOINTS;
		p->cp_count--;
	}
	return tail;
}

/* Free enough space for `need` bytes at the head if the policy allows. */
static int make_room(struct ed_producer *p, nku64_f need)
{
	nku64_f limit, span, seq, unread = 0, tail = p->tail;

	if (p->head + need - tail <= p->data_size)
		return 0;
	limit = reclaim_limit(p);
	if (p->policy == ED_POLICY_OVERWRITE_OLDEST &&
	    ed_load_acquire(&p->ctl->epoch) == p->epoch)
		unread = ed_load(&p->ctl->read_pos); /* only for counting */
	/*
	 * Block and drop-new reclaim all the consumer has read, up to the
	 * last checkpoint below its position, without reading a record:
	 * the private tail then covers the writes that follow, which need
	 * not look at the consumer's line again until the ring fills up to
	 * it (a cached index). Only if the record still does not fit, they
	 * walk on item by item towards the limit. Overwrite-oldest frees
	 * item by item only what this record needs.
	 */
	if (p->policy != ED_POLICY_OVERWRITE_OLDEST)
		tail = checkpoint_below(p, tail, limit);
	while (p->head + need - tail > p->data_size && tail < limit) {
		span = item_span(p, tail, &seq, 0);
		if (!span || span > limit - tail) {
			/* Our own data was overwritten by someone. */
			set_fault(p, "data", "record at the tail is damaged",
				  tail, tail);
			tail = limit;
			break;
		}
		if (p->policy == ED_POLICY_OVERWRITE_OLDEST && seq != ~0ULL &&
		    tail >= unread)
			p->st.overwritten++;
		tail += span;
	}
	if (tail != p->tail) {
		p->tail = tail;
		/*
		 * [P2] the tail is visible before any byte behind it is
		 * overwritten: a consumer that read such a byte sees the new
		 * tail after its [C2] and discards what it read.
		 */
		ed_store_release(&p->hdr->tail, tail);
		ed_mb();
	}
	return p->head + need - tail <= p->data_size ? 0 : -ED_ENOSPC;
}

/* Bytes needed at the head for a record of span `span` (pad included). */
static ed_always_inline nku64_f need_for(struct ed_producer *p, nku64_f span)
{
	nku64_f room =
		p->data_size - ed_pos_off(p->head, p->data_size, &p->head_base);

	return room < span ? room + span : span;
}

int ed_producer_has_space(struct ed_producer *p, nku32_f len)
{
	if (len > p->record_max)
		return 0;
	return !make_room(p, need_for(p, ed_rec_span(len)));
}

/* Notify the consumer if it armed a wait since our last notification. */
static void maybe_notify(struct ed_producer *p, int *notify)
{
	/* [P7] head/next_seq stores before the cons_wait_gen load: [C8] */
	ed_gen_notify(&p->ctl->cons_wait_gen, &p->notified_gen, &p->st, notify);
}

/*
 * Make room for a record of len bytes: reclaim, and under drop-new spend
 * the sequence number of a refused record, under block ask for a space
 * XIRQ. On success w says where the record goes; nothing is visible to the
 * consumer before ed_producer_publish.
 */
static ed_always_inline int reserve(struct ed_producer *p, nku16_f type,
				    nku32_f len, nku64_f ts_ns, struct ed_wr *w,
				    int *notify)
{
	nku64_f span = ed_rec_span(len), room;

	*notify = 0;
	if (len > p->record_max)
		return -ED_EMSGSIZE;
	if (type > ED_REC_TYPE_MAX)
		return -ED_EINVAL;
	if (make_room(p, need_for(p, span)) != 0) {
		if (p->policy == ED_POLICY_DROP_NEW) {
			w->seq = p->next_seq;
			p->next_seq++;
			/* [P6] after head (below); pairs with [C6] */
			ed_store_release(&p->hdr->next_seq, p->next_seq);
			p->st.dropped++;
			maybe_notify(p, notify);
			return -ED_ENOSPC;
		}
		/*
		 * Block: ask for a space XIRQ, then look once more. [P8] the
		 * generation store before the read_pos load; pairs with [C9].
		 */
		p->wait_gen++;
		ed_store(&p->hdr->prod_wait_gen, p->wait_gen);
		ed_mb();
		if (make_room(p, need_for(p, span)) != 0) {
			p->st.blocked++;
			return -ED_EAGAIN;
		}
	}
	room = p->data_size - ed_pos_off(p->head, p->data_size, &p->head_base);
	w->pad = room < span ? room : 0u;
	w->off = w->pad != 0u ? 0u : p->data_size - room; /* a pad wraps */
	w->span = span;
	w->seq = p->next_seq;
	ed_memset(&w->h, 0, sizeof(w->h));
	w->h.len = len;
	w->h.type = type;
	w->h.seq = p->next_seq;
	w->h.ts_ns = ts_ns;
	return 0;
}

#ifndef ED_TSAN
/* One 8-byte little-endian word into the data area (record unpublished). */
static inline void put64(nku8_f *d, nku64_f v)
{
	ed_memcpy(d, &v, sizeof(v));
}
#endif

/*
 * Write the reserved record (and the pad before it) into the data area:
 * payload, alignment padding, then its header. Reads only what reserve
 * fixed, so a host may call it without its lock.
 */
static ed_always_inline void fill(const struct ed_producer *p, struct ed_wr *w,
				  const void *buf)
{
	nku64_f off = p->data_size - w->pad; /* of the pad, if any */
	nku32_f len = w->h.len;
	nku8_f *d = p->data + w->off;
#ifndef ED_TSAN
	nku64_f w0 = ed_rec_word0(len, w->h.type, 0u);
#endif
	struct ed_rec_hdr pad;

	if (w->pad >= ED_REC_HDR_SIZE) {
		ed_memset(&pad, 0, sizeof(pad));
		pad.len = (nku32_f)(w->pad - ED_REC_HDR_SIZE);
		pad.type = ED_REC_TYPE_PAD;
		pad.crc = ed_rec_crc(&pad, NULL);
		ed_copy_to_shared(p->data + off, &pad, sizeof(pad));
	}
#ifdef ED_TSAN
	w->h.crc = ed_rec_crc(&w->h, buf);
	ed_copy_to_shared(d + ED_REC_HDR_SIZE, buf, len);
#else
	/* One pass over the payload: sealed as it is copied in. */
	w->h.crc = ed_rec_crc_copy(w0, w->seq, w->h.ts_ns, d + ED_REC_HDR_SIZE,
				   buf, len);
#endif
	if (w->span - ED_REC_HDR_SIZE > len) /* zero the alignment padding */
		ed_zero_shared(d + ED_REC_HDR_SIZE + len,
			       w->span - ED_REC_HDR_SIZE - len);
#ifdef ED_TSAN
	ed_copy_to_shared(d, &w->h, sizeof(w->h));
#else
	/*
	 * The header goes out as four words from registers (flags and
	 * reserved are 0), never assembled in memory and read back.
	 */
	put64(d, w0);
	put64(d + 8, w->seq);
	put64(d + 16, w->h.ts_ns);
	put64(d + 24, w->h.crc);
#endif
}

/* Count the filled record in the private head and sequence. */
static ed_always_inline void advance(struct ed_producer *p,
				     const struct ed_wr *w)
{
	p->head += w->pad + w->span;
	if (p->head >= p->cp_next)
		take_checkpoint(p);
	p->next_seq++;
	p->st.records++;
	p->st.bytes += w->h.len;
}

/*
 * Make every record the private head covers visible, and notify a
 * sleeping consumer. One release may cover several records (a batch):
 * the consumer never looks past the head it loaded.
 */
static inline void release(struct ed_producer *p, int *notify)
{
	/* [P1] the records are complete before the head covers them: [C1] */
	ed_store_release(&p->hdr->head, p->head);
	/* [P6] next_seq after head; pairs with [C6] */
	ed_store_release(&p->hdr->next_seq, p->next_seq);
	maybe_notify(p, notify); /* [P7] */
}

/* Make the filled record visible and notify a sleeping consumer. */
static inline void publish(struct ed_producer *p, const struct ed_wr *w,
			   int *notify)
{
	*notify = 0;
	advance(p, w);
	release(p, notify);
}

int ed_producer_reserve(struct ed_producer *p, nku16_f type, nku32_f len,
			nku64_f ts_ns, struct ed_wr *w, int *notify)
{
	return reserve(p, type, len, ts_ns, w, notify);
}

void ed_producer_fill(const struct ed_producer *p, struct ed_wr *w,
		      const void *buf)
{
	fill(p, w, buf);
}

void ed_producer_publish(struct ed_producer *p, const struct ed_wr *w,
			 int *notify)
{
	publish(p, w, notify);
}

int ed_producer_write(struct ed_producer *p, nku16_f type, const void *buf,
		      nku32_f len, nku64_f ts_ns, nku64_f *seq, int *notify)
{
	struct ed_wr w;
	int r;

	r = reserve(p, type, len, ts_ns, &w, notify);
	if (seq && (!r || r == -ED_ENOSPC))
		*seq = w.seq;
	if (r != 0)
		return r;
	fill(p, &w, buf);
	publish(p, &w, notify);
	return 0;
}

/*
 * Write recs[0, n) in order with one head store for all of them. What is
 * pending is released first when the next record needs room made (a
 * reclaim, a drop or a wait each publish something of their own, and a
 * reclaim must never reach a record the consumer cannot see yet), and
 * when it would pass a quarter of the data area (docs/earlydata-
 * protocol.md, "Batches"). Stops at the first record refused; *done
 * says how many were written.
 */
int ed_producer_write_batch(struct ed_producer *p, const struct ed_wrec *recs,
			    nku32_f n, nku64_f ts_ns, nku32_f *done,
			    int *notify)
{
	nku64_f pub = p->head;
	struct ed_wr w;
	nku32_f i;
	int r = 0, nt = 0;

	*notify = 0;
	for (i = 0; i < n; i++) {
		nku64_f need = need_for(p, ed_rec_span(recs[i].len));

		/*
		 * Release what is pending before a record that would make
		 * room (reclaim, drop, block: each publishes something of
		 * its own) or push the unpublished part past a quarter.
		 */
		if (p->head != pub &&
		    (p->head + need - p->tail > p->data_size ||
		     p->head - pub + need > p->data_size / 4u)) {
			release(p, &nt);
			*notify |= nt;
			pub = p->head;
		}
		r = reserve(p, recs[i].type, recs[i].len, ts_ns, &w, &nt);
		*notify |= nt;
		ED_HOOK(ED_HOOK_BATCH_RESERVED);
		if (r != 0)
			break;
		fill(p, &w, recs[i].buf);
		advance(p, &w);
	}
	*done = i;
	if (p->head != pub) {
		release(p, &nt);
		*notify |= nt;
	}
	return r;
}
