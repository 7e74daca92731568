// SPDX-License-Identifier: GPL-2.0-only
/*
 * Earlydata notification latency, one way, between two process VMs:
 *
 *   lat_earlydata RUN_DIR sleep|poll|poll-hot SIZE COUNT
 *
 * The producer (VM 1, CPU 0) reads the clock, puts the time in the record
 * and writes it (ed_user_write); the consumer (VM 2, CPU 1) reads the
 * clock as soon as it holds the record: one sample = receive - send time.
 * A sleeping consumer waits in ed_user_next() (armed, woken by the data
 * XIRQ); a polling one calls it with a zero timeout in a loop. Samples are
 * spaced so that a sleeping consumer is asleep when the record comes: the
 * producer sleeps through the gap. poll-hot: the consumer polls and the
 * producer spins through the gap instead (bench_gap_spin), so that both
 * CPUs stay busy as in the cache-line ping-pong.
 * The producer also reports how long each write call took (leg
 * "write-call": its clock read to the call's return).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_common.h"
#include "ed_bench.h"

#define WARMUP 200
#define GAP_US 100

static int consumer(struct bench_ctl *ctl, const char *run_dir,
		    const char *mode, int poll, uint32_t size, uint64_t count)
{
	static unsigned char buf[ED_MAX_RECORD_MAX];
	uint64_t *lat = calloc(count, sizeof(*lat)), i, t1, t0;
	struct ed_channel *ch;
	struct ed_msg m;
	int r;

	bench_pin(1);
	ch = edb_open(run_dir, EDB_CONSUMER_VM, "tput", ED_CONSUMER);
	if (!lat || edb_settle(ch) < 0)
		return 1;
	__atomic_store_n(&ctl->ready, 1, __ATOMIC_RELEASE);
	for (i = 0; i < WARMUP + count; i++) {
		do
			r = ed_user_next(ch, &m, buf, sizeof(buf), 0,
					 poll ? 0 : 10000);
		while (poll && r == ED_MSG_NONE);
		t1 = bench_now_ns();
		if (r != ED_MSG_RECORD || m.len != size) {
			fprintf(stderr, "lat_earlydata: sample %llu: %d\n",
				(unsigned long long)i, r);
			return 1;
		}
		memcpy(&t0, buf, sizeof(t0));
		if (i >= WARMUP)
			lat[i - WARMUP] = t1 - t0;
		__atomic_store_n(&ctl->ack, i + 1, __ATOMIC_RELEASE);
	}
	bench_report_lat("earlydata", mode, "write-to-wake",
			 size, lat, count);
	ed_exit();
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_ctl *ctl = bench_ctl_new();
	uint32_t size = argc == 5 ? bench_parse_size(argv[3]) : 0;
	uint64_t count = argc == 5 ? strtoull(argv[4], NULL, 0) : 0, i, t0;
	struct ed_channel *ch;
	uint64_t *call;
	unsigned char *buf;
	int poll, hot;
	pid_t pid;

	if (size < 8 || !count ||
	    (strcmp(argv[2], "sleep") && strcmp(argv[2], "poll") &&
	     strcmp(argv[2], "poll-hot"))) {
		fprintf(stderr, "usage: lat_earlydata RUN_DIR "
				"sleep|poll|poll-hot SIZE COUNT\n");
		return 2;
	}
	hot = !strcmp(argv[2], "poll-hot");
	poll = hot || !strcmp(argv[2], "poll");
	buf = malloc(size);
	call = calloc(count, sizeof(*call));
	if (!buf || !call)
		return 1;
	bench_fill(buf, size, 9);
	pid = fork();
	if (!pid)
		_exit(consumer(ctl, argv[1], argv[2], poll, size, count));
	bench_pin(0);
	ch = edb_open(argv[1], EDB_PRODUCER_VM, "tput", ED_PRODUCER);
	bench_wait_flag(&ctl->ready, 1);
	for (i = 0; i < WARMUP + count; i++) {
		if (hot)
			bench_gap_spin(GAP_US);
		else
			bench_gap(GAP_US);
		t0 = bench_now_ns();
		memcpy(buf, &t0, sizeof(t0));
		edb_write(ch, buf, size);
		if (i >= WARMUP)
			call[i - WARMUP] = bench_now_ns() - t0;
		bench_wait_flag(&ctl->ack, i + 1);
	}
	if (bench_wait_child(pid))
		return 1;
	bench_report_lat("earlydata", argv[2], "write-call",
			 size, call, count);
	ed_exit();
	return 0;
}
