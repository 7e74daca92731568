/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The two ends of an Earlydata ring, on a mapped PMEM area, without any
 * hypervisor call: driver/core/channel.c wires them to a vlink, tests and
 * fuzz targets drive them directly. Neither end trusts anything it reads
 * from the shared area: a bad value is a fault (struct ed_fault), never an
 * out-of-bounds access. Not thread-safe: the caller serialises the calls
 * on one end.
 */
#ifndef EARLYDATA_RING_IO_H
#define EARLYDATA_RING_IO_H

#include <earlydata/ring.h>

/* Error codes returned (negated), equal to Linux errno values. */
#define ED_EINVAL 22
#define ED_EAGAIN 11
#define ED_ENOSPC 28
#define ED_EMSGSIZE 90
#define ED_EPROTO 71
#define ED_ENOMEM 12
#define ED_ENODEV 19
#define ED_ESTALE 116
#define ED_ENOBUFS 105

/* A detected protocol violation: which field, what value, where. */
struct ed_fault {
	const char *field; /* e.g. "head", "record.len", "record.crc" */
	const char *rule; /* what it broke, e.g. "beyond the data area" */
	nku64_f value; /* the value read */
	nku64_f pos; /* ring position concerned, or 0 */
};

/* Counters kept by each end (also what `earlydata stat` shows). */
struct ed_ring_stats {
	nku64_f records; /* written (producer) or delivered (consumer) */
	nku64_f bytes; /* payload bytes, idem */
	nku64_f dropped; /* producer: records refused (drop-new) */
	nku64_f overwritten; /* producer: records overwritten unread */
	nku64_f blocked; /* producer: writes that found the ring full */
	nku64_f lost; /* consumer: records reported lost */
	nku64_f loss_events; /* consumer: loss events delivered */
	nku64_f notify_sent; /* XIRQs asked for */
	nku64_f notify_suppressed; /* XIRQs saved: the peer was not asleep */
	nku64_f faults; /* protocol violations detected */
	nku64_f formats; /* producer: epochs started */
	nku64_f resumes; /* producer: restarts that resumed an epoch */
};

/* ---- producer --------------------------------------------------------- */

#define ED_CHECKPOINTS 64u /* private record boundaries per producer */

struct ed_producer {
	struct ed_ring_hdr *hdr;
	struct ed_cons_ctl *ctl;
	nku8_f *data;
	nku64_f data_size;
	nku32_f record_max;
	nku32_f policy;
	/* Private copies: the shared header is written from these, never
	 * read back while running. */
	nku64_f epoch, head, tail, next_seq, format_ns;
	nku32_f wait_gen; /* our prod_wait_gen */
	nku32_f notified_gen; /* cons_wait_gen we last notified */
	nku64_f bad_read_pos; /* last invalid read position reported */
	/*
	 * Record boundaries the head passed, about data_size /
	 * ED_CHECKPOINTS apart, oldest first: block and drop-new move the
	 * tail to the last one the consumer has read past without reading
	 * the records in between (section 6 of the protocol).
	 */
	nku64_f cp[ED_CHECKPOINTS];
	nku32_f cp_first, cp_count;
	nku64_f cp_gap, cp_next;
	nku64_f head_base, walk_base; /* lap bases: ring_pos.h */
	struct ed_fault fault; /* last fault */
	struct ed_ring_stats st;
};

/* Smallest PMEM able to hold a ring of `data_size` bytes. */
nku64_f ed_ring_pmem_size(nku64_f data_size);

/*
 * Check a geometry: data_size a multiple of 8 with room for at least two
 * records of record_max bytes, fitting in pmem_size. 0 or -ED_EINVAL.
 */
int ed_ring_geometry_ok(nku64_f pmem_size, nku64_f data_size,
			nku32_f record_max);

#define ED_ATTACH_RESUMED 0 /* the epoch in PMEM was valid: appending */
#define ED_ATTACH_FORMATTED 1 /* a new epoch was started (fault says why) */

/*
 * Take the producer end of the ring in `pmem`. A valid ring of the same
 * geometry is resumed after checking every record between tail and head;
 * anything else starts a new epoch, whose identity comes from `nonce`: a
 * value that no earlier start of any producer on this PMEM used (random,
 * or a boot counter with a clock). Returns ED_ATTACH_* or -ED_EINVAL.
 */
int ed_producer_attach(struct ed_producer *p, void *pmem, nku64_f pmem_size,
		       nku64_f data_size, nku32_f record_max, nku32_f policy,
		       nku64_f now_ns, nku64_f nonce);

/*
 * Append one record. Returns 0, or
 *   -ED_EAGAIN	block policy, ring full: wait for the space XIRQ, retry
 *   -ED_ENOSPC	drop-new policy, ring full: the record was dropped, its
 *		sequence number spent (the consumer gets a loss event)
 *   -ED_EMSGSIZE	len > record_max;  -ED_EINVAL  type > ED_REC_TYPE_MAX
 * *notify is set when the consumer sleeps and must get a data XIRQ.
 * *seq (if not NULL) receives the record's sequence number.
 */
int ed_producer_write(struct ed_producer *p, nku16_f type, const void *buf,
		      nku32_f len, nku64_f ts_ns, nku64_f *seq, int *notify);

/* A record between ed_producer_reserve and ed_producer_publish. */
struct ed_wr {
	struct ed_rec_hdr h; /* its header (crc set by fill) */
	nku64_f off; /* data offset of the record */
	nku64_f pad; /* bytes filled before it at the end of the data area */
	nku64_f span;
	nku64_f seq;
};

/*
 * ed_producer_write in three steps, for hosts that must not copy while
 * holding their lock: reserve (locked) makes room and fixes where the
 * record goes, with the results of ed_producer_write (w->seq is a dropped
 * record's seq on -ED_ENOSPC); fill (unlocked) copies the payload and
 * computes the CRC; publish (locked) moves the head. One writer at a
 * time; nothing is visible to the consumer before publish.
 */
int ed_producer_reserve(struct ed_producer *p, nku16_f type, nku32_f len,
			nku64_f ts_ns, struct ed_wr *w, int *notify);
void ed_producer_fill(const struct ed_producer *p, struct ed_wr *w,
		      const void *buf);
void ed_producer_publish(struct ed_producer *p, const struct ed_wr *w,
			 int *notify);

/* One record of a batch: type, payload and its length. */
struct ed_wrec {
	const void *buf;
	nku32_f len;
	nku16_f type;
};

/*
 * Write recs[0, n) in order, as ed_producer_write each, all stamped
 * ts_ns, with one head store (one cache line crossing to the consumer)
 * for as many records as a quarter of the data area holds. Stops at the
 * first record ed_producer_write would refuse and returns its result
 * (0 when all were written); *done counts the records written.
 */
int ed_producer_write_batch(struct ed_producer *p, const struct ed_wrec *recs,
			    nku32_f n, nku64_f ts_ns, nku32_f *done,
			    int *notify);

/* Would a record of `len` bytes fit now (block policy wait condition)? */
int ed_producer_has_space(struct ed_producer *p, nku32_f len);

/* Rewrite the shared header from the private state (after a peer reset). */
void ed_producer_repair(struct ed_producer *p);

/* ---- consumer --------------------------------------------------------- */

#define ED_MSG_NONE 0
#define ED_MSG_RECORD 1
#define ED_MSG_LOSS 2

/* Why records were lost. */
#define ED_LOSS_DROPPED 1 /* drop-new: the ring was full */
#define ED_LOSS_OVERWRITTEN 2 /* overwrite-oldest: overwritten unread */
#define ED_LOSS_CORRUPT 3 /* skipped after a protocol violation */
#define ED_LOSS_RESET 4 /* the producer started a new epoch */

/* One message of the stream: a record, or a loss event. */
struct ed_msg {
	nku32_f kind; /* ED_MSG_RECORD or ED_MSG_LOSS */
	nku16_f type; /* record: its type */
	nku32_f len; /* record: payload bytes */
	nku64_f seq; /* record: sequence number */
	nku64_f ts_ns; /* record: producer timestamp */
	const void *data; /* record: payload (in place for peek) */
	nku64_f epoch; /* epoch of the record or loss */
	nku64_f loss_first; /* loss: first lost sequence number */
	nku64_f loss_count; /* loss: how many; 0 = unknown (RESET) */
	nku32_f loss_reason; /* loss: ED_LOSS_* */
};

struct ed_consumer {
	void *pmem;
	nku64_f pmem_size;
	struct ed_ring_hdr *hdr;
	struct ed_cons_ctl *ctl;
	const nku8_f *data;
	int attached; /* geometry cached for `epoch` */
	nku64_f data_size, epoch;
	nku32_f record_max, policy;
	nku64_f read_pos, read_seq; /* private copies, published to ctl */
	nku64_f pub_pos, pub_seq; /* what was published last */
	nku64_f seq_pos; /* position where read_seq was known: bounds gaps */
	nku64_f replay_end, replay_seq; /* rewound: where the replay ends */
	nku64_f head_seen; /* validated head not yet reached; 0: load it */
	nku32_f notified_gen; /* prod_wait_gen we last notified */
	nku32_f gap_reason; /* reason for the next seq gap */
	int have_loss; /* a loss event waits to be delivered */
	struct ed_msg loss;
	int held; /* what peek/look/fetch hold until commit (HELD_*) */
	struct ed_rec_hdr held_hdr; /* its header, as checked */
	nku64_f peek_pos, peek_next;
	nku64_f peek_off; /* peek_pos in the data area */
	nku64_f pos_base; /* lap base of read_pos: ring_pos.h */
	int magic_bad; /* "magic" fault already reported */
	struct ed_fault fault;
	struct ed_ring_stats st;
};

/*
 * Open the consumer end on `pmem`. It attaches lazily: the first peek or
 * read validates the producer's header and resumes from the read position
 * persisted in PMEM (or the start of the ring).
 */
void ed_consumer_open(struct ed_consumer *c, void *pmem, nku64_f pmem_size);

/*
 * Look at the next message without consuming it: zero-copy. Returns
 * ED_MSG_RECORD (m->data points into PMEM; its CRC was checked there, but
 * the producer may change those bytes at any time: the caller validates
 * what it uses, and commit says whether the record was still intact),
 * ED_MSG_LOSS, ED_MSG_NONE (nothing new), -ED_EAGAIN (no valid ring yet),
 * or -ED_EPROTO (a fault, described in c->fault; the consumer
 * resynchronised, call again).
 */
int ed_consumer_peek(struct ed_consumer *c, struct ed_msg *m);

/*
 * Copying peek: the next message, a record's payload copied into buf and
 * its CRC checked on the copy, after which the producer can no longer
 * change it: the copy is the record. Held until commit, which then cannot
 * fail. -ED_ENOBUFS when buf is too small (the record stays held: commit
 * skips it, or look again). Otherwise as ed_consumer_peek.
 */
int ed_consumer_fetch(struct ed_consumer *c, struct ed_msg *m, void *buf,
		      nku32_f buflen);

/*
 * ed_consumer_fetch in three steps, for hosts that must not copy while
 * holding their lock (a spinlock with interrupts off): look (locked)
 * finds the next message and checks a record's header; check (unlocked:
 * it only reads what look fixed and the shared area) copies the payload
 * into dst (or checks it in place when dst is NULL) and returns a
 * verdict, 0, -ED_ESTALE (overwritten meanwhile) or -ED_EPROTO (CRC);
 * settle (locked) applies it: 0 holds the record until commit, -ED_ESTALE
 * means look again (a loss follows), -ED_EPROTO is a fault. One caller at
 * a time per consumer.
 */
int ed_consumer_look(struct ed_consumer *c, struct ed_msg *m);
int ed_consumer_check(const struct ed_consumer *c, void *dst);
int ed_consumer_settle(struct ed_consumer *c, int verdict, int copied);

/*
 * Consume what peek/fetch returned (a record or a loss event) and persist
 * the read position. A loss event not committed is consumed all the same
 * (the next peek goes on after it), but persisted only by the next
 * commit: a consumer restarted before reports it again.
 * -ED_ESTALE (zero-copy peek only) if an overwrite-oldest producer
 * overwrote the record meanwhile, or the producer started a new epoch:
 * not consumed, a loss event follows. *notify is set when a blocked
 * producer must get a space XIRQ.
 */
int ed_consumer_commit(struct ed_consumer *c, int *notify);

/*
 * ed_consumer_commit, but the new read position stays private (not yet
 * persisted, the producer not yet told) until ed_consumer_flush: a batch
 * of records costs one store and one barrier on the shared line. What
 * was read since the last flush is delivered again after a crash, so a
 * caller flushes once it has done its part with the records.
 */
int ed_consumer_commit_deferred(struct ed_consumer *c);
void ed_consumer_flush(struct ed_consumer *c, int *notify);

/*
 * Copying read: fetch, then commit. -ED_ENOBUFS (nothing consumed) when
 * buf is too small.
 */
int ed_consumer_read(struct ed_consumer *c, struct ed_msg *m, void *buf,
		     nku32_f buflen, int *notify);

/* Rewrite our control block from the private state (after a peer reset). */
void ed_consumer_repair(struct ed_consumer *c);

/*
 * Read again what is still in the ring, from its oldest record. The replay
 * is private: the persisted position does not move back, so a restart
 * continues after what was read before, and records the producer reclaims
 * meanwhile are skipped without a loss event.
 */
int ed_consumer_rewind(struct ed_consumer *c);

/*
 * About to sleep: ask the producer for a data XIRQ. Returns 1 when data
 * arrived meanwhile (do not sleep), 0 otherwise.
 */
int ed_consumer_arm(struct ed_consumer *c);

/* Bytes between the read position and the producer's head (0 if unknown). */
nku64_f ed_consumer_backlog(struct ed_consumer *c);

/* Name of a loss reason, for messages. */
const char *ed_loss_reason_name(nku32_f reason);

#endif /* EARLYDATA_RING_IO_H */
