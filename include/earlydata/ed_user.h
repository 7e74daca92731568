/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Earlydata driver hosted in a user-space guest (libnkddi): a clock,
 * locks and waits built on pthreads, and blocking variants of the calls.
 */
#ifndef EARLYDATA_ED_USER_H
#define EARLYDATA_ED_USER_H

#include <stddef.h>

#include <earlydata/earlydata.h>

/*
 * nkhv is gone (nkddi_hv_lost()): ed_user_write() returns -ED_USER_EHVLOST
 * at once, ed_user_next() once nothing is left to read, ed_user_wait()
 * returns ED_EV_LINK. The ring stays mapped, but no peer hears of
 * anything any more: a program should say so and stop.
 */
#define ED_USER_EHVLOST 67 /* ENOLINK */

/* Called for every fault the driver detects (default: print to stderr). */
typedef void (*ed_user_fault_fn)(struct ed_channel *ch,
				 const struct ed_fault *f);
void ed_user_on_fault(ed_user_fault_fn fn);

/* Set up the driver in this (joined) VM. Returns channels or -errno. */
int ed_user_init(char *err, size_t errlen);

/*
 * Wait until one of `events` (ED_EV_*) is posted on ch (any channel when
 * ch is NULL), or timeout_ms passes (-1: forever). Returns the events seen, 0 on timeout.
 */
unsigned int ed_user_wait(struct ed_channel *ch, unsigned int events,
			  int timeout_ms);

/*
 * Write, waiting for space under the block policy. Returns as ed_write;
 * -ED_EAGAIN only when timeout_ms passed without space.
 */
int ed_user_write(struct ed_channel *ch, nku16_f type, const void *buf,
		  nku32_f len, nku64_f *seq, int timeout_ms);

/*
 * ed_write_batch, waiting for space under the block policy until every
 * record is written or timeout_ms passes. Returns as ed_write_batch;
 * *done counts the records written.
 */
int ed_user_write_batch(struct ed_channel *ch, const struct ed_wrec *recs,
			nku32_f n, nku32_f *done, int timeout_ms);

/*
 * ed_read_batch, waiting up to timeout_ms (polling first, as
 * ed_user_next) until at least one message is there. Returns the number
 * of messages (0: none came), or a negative error.
 */
int ed_user_read_batch(struct ed_channel *ch, struct ed_msg *m, nku32_f max,
		       void *buf, nku32_f buflen, int timeout_ms);

/* How ed_user_next takes a record. */
#define ED_USER_READ 0 /* copied into buf and consumed (ed_read) */
#define ED_USER_PEEK 1 /* zero-copy, consumed by ed_commit (ed_peek) */
#define ED_USER_FETCH 2 /* copied into buf, consumed by ed_commit */

/*
 * Next message (record or loss), waiting up to timeout_ms for one, taken
 * as `how` says (ED_USER_*). Returns ED_MSG_*, or a negative
 * error; faults are reported and skipped over. Once caught up it polls
 * for up to ED_USER_SPIN_NS before it sleeps (timeout_ms 0: no polling).
 */
#define ED_USER_SPIN_NS 20000u
int ed_user_next(struct ed_channel *ch, struct ed_msg *m, void *buf,
		 nku32_f buflen, int how, int timeout_ms);

/* Monotonic nanoseconds, the clock used for record timestamps. */
nku64_f ed_user_now_ns(void);

#endif /* EARLYDATA_ED_USER_H */
