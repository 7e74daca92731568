/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Earlydata vLink driver: its channels and their read and write calls.
 *
 * Written against the NKDDI API (nkops) only: the same source runs in a
 * user-space guest (driver/user/) and in a Linux kernel (driver/kernel/).
 * The OS glue provides a struct ed_host: a clock, a lock per channel and a
 * way to wake whoever waits on a channel.
 *
 * Every "earlydata" vlink this VM is an end-point of is one channel, named
 * by its info string (docs/earlydata-channels.md). The producer writes
 * from its first moment; the consumer, whenever it comes, reads the
 * backlog and then live records. Calls never sleep: a producer finding
 * the ring full under the block policy gets -ED_EAGAIN and waits for
 * ED_EV_SPACE; a consumer finding nothing arms with ed_arm() and waits
 * for ED_EV_DATA.
 */
#ifndef EARLYDATA_EARLYDATA_H
#define EARLYDATA_EARLYDATA_H

#include <nk/nkern.h>
#include <nk/nkstate.h>
#include <earlydata/channel_config.h>
#include <earlydata/ring_io.h>

#define ED_VLINK_NAME "earlydata"
/* Earlydata channels a VM may have (the size of the driver's tables). */
#define ED_MAX_CHANNELS 64

#define ED_PRODUCER 1
#define ED_CONSUMER 2

/* Events passed to ed_host.wake (a mask). */
#define ED_EV_DATA 1u /* consumer: records or losses may be readable */
#define ED_EV_SPACE 2u /* producer: the ring may have room */
#define ED_EV_LINK 4u /* the link state changed */

/* XIRQ labels on an earlydata vlink. */
#define ED_XIRQ_DATA 0 /* in the consumer's VM: records were written */
#define ED_XIRQ_SPACE 1 /* in the producer's VM: records were consumed */

struct ed_channel;

/* ed_host.flags */
/*
 * lock() masks interrupts (a spinlock taken with IRQs off): record copies
 * and CRCs, proportional to a record's size, then run outside it, and the
 * host serialises the readers and the writers of a channel itself.
 */
#define ED_HOST_COPY_UNLOCKED 1u

struct ed_host {
	/* Monotonic clock, for record timestamps. */
	nku64_f (*now_ns)(void *ctx);
	/*
	 * 64 random bits (or a value unique to this start of the VM): the
	 * identity of each ring the producer formats.
	 */
	nku64_f (*random)(void *ctx);
	/*
	 * Serialise the calls on one channel with its XIRQ handlers. Handlers
	 * run in interrupt context: a spinlock in a kernel.
	 */
	void (*lock)(void *ctx, struct ed_channel *ch);
	void (*unlock)(void *ctx, struct ed_channel *ch);
	/* Wake waiters of `ch`; called from XIRQ handlers, must not sleep. */
	void (*wake)(void *ctx, struct ed_channel *ch, unsigned int events);
	/* A protocol violation by the peer (or damage) was detected. */
	void (*fault)(void *ctx, struct ed_channel *ch,
		      const struct ed_fault *f);
	void *ctx;
	unsigned int flags; /* ED_HOST_* */
};

struct ed_channel {
	struct ed_channel_config cfg;
	int role; /* ED_PRODUCER or ED_CONSUMER */
	int index; /* in ed_channel_get() order */
	NkPhAddr plink;
	NkDevVlink *vl;
	NkOsId self, peer;
	volatile int *own_state, *peer_state;
	void *pmem;
	NkPhSize pmem_size;
	NkXIrq rx, tx; /* our XIRQ; the one we trigger in the peer */
	NkXIrqId rx_id, sys_id;
	const struct ed_host *host;
	int attach_result; /* producer: ED_ATTACH_* */
	nku64_f faults_seen;
	nku64_f link_resets; /* resets we asked for after a fault */
	nku64_f xirqs; /* data/space XIRQs received */
	union {
		struct ed_producer p;
		struct ed_consumer c;
	} u;
};

/*
 * Find and set up every earlydata channel of this VM. Returns the number
 * of channels, or a negative error with a sentence in err.
 */
int ed_init(const struct ed_host *host, char *err, nku32_f errlen);

/* Detach XIRQs and mark every link OFF (driver unload). */
void ed_exit(void);

int ed_channel_count(void);
struct ed_channel *ed_channel_get(int i);
/* By channel name and role (0: any role), or NULL. */
struct ed_channel *ed_channel_find(const char *name, int role);

/* Producer: append one record (see ed_producer_write for results). */
int ed_write(struct ed_channel *ch, nku16_f type, const void *buf, nku32_f len,
	     nku64_f *seq);
/*
 * Producer: append recs[0, n) in order, stamped with one clock read and
 * made visible with one head store (see ed_producer_write_batch). Stops
 * at the first record ed_write would refuse and returns its result (0:
 * all written); *done counts the records written.
 */
int ed_write_batch(struct ed_channel *ch, const struct ed_wrec *recs,
		   nku32_f n, nku32_f *done);
/* Producer: would a record of len bytes fit now? */
int ed_write_ready(struct ed_channel *ch, nku32_f len);

/*
 * Consumer: copying read; copying fetch (the record copied and checked,
 * consumed only by the ed_commit that follows, which cannot fail for it);
 * zero-copy peek and commit; rewind.
 */
int ed_read(struct ed_channel *ch, struct ed_msg *m, void *buf, nku32_f buflen);
int ed_fetch(struct ed_channel *ch, struct ed_msg *m, void *buf,
	     nku32_f buflen);
/*
 * Consumer: up to max messages (records and loss events, in order), each
 * record copied and checked as by ed_read, packed 8-byte aligned into
 * buf (m[i].data points there); consumed and persisted together, with
 * one store of the read position. Returns how many (0: none), or as
 * ed_read when the first one fails (-ED_ENOBUFS: it alone does not fit).
 */
int ed_read_batch(struct ed_channel *ch, struct ed_msg *m, nku32_f max,
		  void *buf, nku32_f buflen);
int ed_peek(struct ed_channel *ch, struct ed_msg *m);
int ed_commit(struct ed_channel *ch);
int ed_rewind(struct ed_channel *ch);

/* Consumer: about to wait for ED_EV_DATA; 1 = do not wait, data is here. */
int ed_arm(struct ed_channel *ch);

/* A consistent copy of the channel's counters and backlog. */
struct ed_channel_stats {
	struct ed_ring_stats ring;
	nku64_f backlog_bytes; /* written, not yet consumed */
	nku64_f link_resets, xirqs;
	int own_state, peer_state;
	nku64_f epoch;
};
void ed_stats(struct ed_channel *ch, struct ed_channel_stats *st);

#endif /* EARLYDATA_EARLYDATA_H */
