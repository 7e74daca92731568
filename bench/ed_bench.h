/* SPDX-License-Identifier: GPL-2.0-only */
/* Joining a VM of the bench system and opening one Earlydata channel. */
#ifndef BENCH_ED_BENCH_H
#define BENCH_ED_BENCH_H

#include <earlydata/ed_user.h>

/* VM ids of bench/bench.dts. */
#define EDB_PRODUCER_VM 1
#define EDB_CONSUMER_VM 2

/*
 * Join VM `vm` of the nkhv serving run_dir, start the driver and return
 * channel `name` in `role`; exits the process with a message on failure.
 */
struct ed_channel *edb_open(const char *run_dir, unsigned int vm,
			    const char *name, int role);

/*
 * Consumer: wait (up to 10 s) until the producer's ring is attached and
 * everything already in it is consumed. Returns records skipped, or -1.
 */
long edb_settle(struct ed_channel *ch);

/* Producer: write one record, waiting for space. Exits on error. */
void edb_write(struct ed_channel *ch, const void *buf, uint32_t len);

/*
 * Consumer: take record `i`, `size` bytes whose payload starts with i
 * (copying read into buf, or zero-copy peek then commit). Returns 0 for
 * that record, 1 for a wrong one (counted as an error by the caller), -1
 * with a message naming `who` when no record came within 10 s.
 */
int edb_take(struct ed_channel *ch, void *buf, uint32_t buflen, int peek,
	     uint32_t size, uint64_t i, const char *who);

#endif /* BENCH_ED_BENCH_H */
