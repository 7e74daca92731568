// SPDX-License-Identifier: GPL-2.0-only
/*
 * Latency of small records while another channel streams large ones,
 * between two process VMs (bench/bench.dts, channels "lat" and "tput"):
 *
 *   load_earlydata RUN_DIR idle|load COUNT
 *
 * The producer (VM 1, CPU 0) writes a 64 B record on "lat" every 100 µs,
 * its send time in the record; in between it spins, and under "load"
 * it writes 64 KiB records on "tput" all the while (timeout 0: it never
 * waits for space, so a sample leaves on time). The consumer (VM 2,
 * CPU 1) polls "lat" first and otherwise takes one 64 KiB record from
 * "tput" (copying read, its index checked), in one thread, as a
 * consumer serving both channels would. One way = receive - send time of
 * each sample; "idle" is the same without the stream, in the same run.
 * The stream's own rate meanwhile is reported too.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_common.h"
#include "ed_bench.h"

#define WARMUP 200u
#define GAP_NS 100000u
#define SMALL 64u
#define BIG 65536u

static int consumer(struct bench_ctl *ctl, const char *run_dir, int load,
		    uint64_t count)
{
	static unsigned char buf[ED_MAX_RECORD_MAX];
	uint64_t *lat = calloc(count, sizeof(*lat)), s = 0, expect = 0;
	uint64_t t0, t1, idx, errors = 0, big0 = 0;
	struct ed_channel *ch, *bulk;
	struct ed_msg m;
	int r = 0;

	bench_pin(1);
	ch = edb_open(run_dir, EDB_CONSUMER_VM, "lat", ED_CONSUMER);
	bulk = ed_channel_find("tput", ED_CONSUMER);
	if (!lat || !bulk || edb_settle(ch) < 0 || edb_settle(bulk) < 0)
		return 1;
	__atomic_store_n(&ctl->ready, 1, __ATOMIC_RELEASE);
	while (s < WARMUP + count) {
		r = ed_user_next(ch, &m, buf, sizeof(buf), ED_USER_READ, 0);
		if (r == ED_MSG_RECORD) {
			t1 = bench_now_ns();
			memcpy(&t0, buf, sizeof(t0));
			errors += m.len != SMALL;
			if (s >= WARMUP)
				lat[s - WARMUP] = t1 - t0;
			if (++s == WARMUP) {
				ctl->t_start = t1;
				big0 = expect;
			}
			continue;
		}
		if (r != ED_MSG_NONE)
			break; /* an error, or a loss: never under block */
		if (!load) {
			bench_cpu_relax();
			continue;
		}
		r = ed_user_next(bulk, &m, buf, sizeof(buf), ED_USER_READ, 0);
		if (r == ED_MSG_RECORD) {
			memcpy(&idx, m.data, sizeof(idx));
			errors += m.len != BIG || idx != expect;
			expect++;
		} else if (r != ED_MSG_NONE) {
			break;
		}
	}
	if (s < WARMUP + count) {
		fprintf(stderr, "load_earlydata: %d\n", r);
		return 1;
	}
	ctl->t_end = bench_now_ns();
	ctl->cons_records = expect - big0;
	ctl->cons_errors = errors;
	__atomic_store_n(&ctl->done, 1, __ATOMIC_RELEASE);
	bench_report_lat("earlydata", load ? "load" : "idle", "under-load",
			 SMALL, lat, count);
	ed_exit();
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_ctl *ctl = bench_ctl_new();
	uint64_t count = argc == 4 ? strtoull(argv[3], NULL, 0) : 0;
	uint64_t i, t0, next, big = 0;
	struct ed_channel *ch, *bulk;
	unsigned char *small, *large;
	int load, r;
	pid_t pid;

	if (!count || (strcmp(argv[2], "idle") && strcmp(argv[2], "load"))) {
		fprintf(stderr, "usage: load_earlydata RUN_DIR idle|load "
				"COUNT\n");
		return 2;
	}
	load = !strcmp(argv[2], "load");
	small = malloc(SMALL);
	large = malloc(BIG);
	if (!small || !large)
		return 1;
	bench_fill(small, SMALL, 11);
	bench_fill(large, BIG, 13);
	pid = fork();
	if (!pid)
		_exit(consumer(ctl, argv[1], load, count));
	bench_pin(0);
	ch = edb_open(argv[1], EDB_PRODUCER_VM, "lat", ED_PRODUCER);
	bulk = ed_channel_find("tput", ED_PRODUCER);
	if (!bulk)
		return 1;
	bench_wait_flag(&ctl->ready, 1);
	next = bench_now_ns();
	for (i = 0; i < WARMUP + count; i++) {
		while (bench_now_ns() < next) {
			if (!load) {
				bench_cpu_relax();
				continue;
			}
			memcpy(large, &big, sizeof(big));
			r = ed_user_write(bulk, 1, large, BIG, NULL, 0);
			if (!r)
				big++;
			else if (r == -ED_EAGAIN)
				bench_cpu_relax();
			else
				return 1;
		}
		t0 = bench_now_ns();
		memcpy(small, &t0, sizeof(t0));
		edb_write(ch, small, SMALL);
		next = t0 + GAP_NS;
	}
	bench_wait_flag(&ctl->done, 1);
	if (bench_wait_child(pid) || ctl->cons_errors) {
		fprintf(stderr, "load_earlydata: consumer failed (%llu bad)\n",
			(unsigned long long)ctl->cons_errors);
		return 1;
	}
	ed_exit();
	bench_json_begin("stream", "earlydata", argv[2], BIG);
	bench_json_s("leg", "under-load");
	bench_json_u64("records", ctl->cons_records);
	bench_json_u64("ns", ctl->t_end - ctl->t_start);
	bench_json_f("gb_per_s", (double)ctl->cons_records * BIG /
					 (double)(ctl->t_end - ctl->t_start));
	bench_json_end();
	return 0;
}
