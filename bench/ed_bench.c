// SPDX-License-Identifier: GPL-2.0-only
/* Joining a VM of the bench system and opening one Earlydata channel. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nkddi/nkddi.h>

#include "bench_common.h"
#include "ed_bench.h"

struct ed_channel *edb_open(const char *run_dir, unsigned int vm,
			    const char *name, int role)
{
	struct ed_channel *ch;
	char err[256];

	if (nkddi_join_vm(run_dir, vm)) {
		fprintf(stderr, "bench: cannot join VM %u in %s: %s\n", vm,
			run_dir, nkddi_last_error());
		exit(1);
	}
	if (ed_user_init(err, sizeof(err)) < 0) {
		fprintf(stderr, "bench: VM %u: %s\n", vm, err);
		exit(1);
	}
	ch = ed_channel_find(name, role);
	if (!ch) {
		fprintf(stderr, "bench: VM %u has no channel %s\n", vm, name);
		exit(1);
	}
	return ch;
}

long edb_settle(struct ed_channel *ch)
{
	uint64_t deadline = bench_now_ns() + 10000000000ull;
	static unsigned char buf[ED_MAX_RECORD_MAX];
	struct ed_msg m;
	long skipped = 0;
	int r;

	while (bench_now_ns() < deadline) {
		r = ed_user_next(ch, &m, buf, sizeof(buf), 0, 10);
		if (r == ED_MSG_NONE && ch->u.c.attached)
			return skipped;
		if (r > 0)
			skipped++;
	}
	fprintf(stderr, "bench: channel %s: no producer ring\n", ch->cfg.name);
	return -1;
}

void edb_write(struct ed_channel *ch, const void *buf, uint32_t len)
{
	int r = ed_user_write(ch, 1, buf, len, NULL, -1);

	if (r) {
		fprintf(stderr, "bench: channel %s: write failed (%d)\n",
			ch->cfg.name, r);
		exit(1);
	}
}

int edb_take(struct ed_channel *ch, void *buf, uint32_t buflen, int peek,
	     uint32_t size, uint64_t i, const char *who)
{
	struct ed_msg m;
	uint64_t idx;
	int r = ed_user_next(ch, &m, buf, buflen, peek, 10000);

	if (r != ED_MSG_RECORD) {
		fprintf(stderr, "%s: record %llu: %d\n", who,
			(unsigned long long)i, r);
		return -1;
	}
	memcpy(&idx, m.data, sizeof(idx));
	r = m.len != size || idx != i;
	if (peek && ed_commit(ch))
		r = 1;
	return r;
}
