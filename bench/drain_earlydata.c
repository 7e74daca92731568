// SPDX-License-Identifier: GPL-2.0-only
/*
 * Backlog drain: a consumer that attaches late delivers what the producer
 * wrote before it came (bench/bench.dts, channel "drain").
 *
 *   drain_earlydata RUN_DIR copy|peek SIZE BYTES
 *
 * The producer (VM 1, CPU 0) writes BYTES of payload in records of SIZE
 * bytes and stays up. Only then does the consumer process (VM 2, CPU 1)
 * join its VM, start the driver (timed as attach_ns) and deliver the
 * whole backlog with the copying or zero-copy read (timed as the drain).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_common.h"
#include "ed_bench.h"

static int consumer(struct bench_ctl *ctl, const char *run_dir, int peek,
		    uint32_t size, uint64_t count)
{
	static unsigned char buf[ED_MAX_RECORD_MAX];
	uint64_t i, t0, c0, errors = 0;
	struct ed_channel *ch;
	int r;

	bench_pin(1);
	bench_wait_flag(&ctl->go, 1); /* the backlog is complete */
	t0 = bench_now_ns();
	ch = edb_open(run_dir, EDB_CONSUMER_VM, "drain", ED_CONSUMER);
	c0 = bench_cpu_ns();
	ctl->t_start = bench_now_ns();
	ctl->send_ns = ctl->t_start - t0; /* attach time */
	for (i = 0; i < count; i++) {
		r = edb_take(ch, buf, sizeof(buf), peek, size, i,
			     "drain_earlydata");
		if (r < 0)
			return 1;
		errors += (uint64_t)r;
	}
	ctl->t_end = bench_now_ns();
	ctl->cons_cpu_ns = bench_cpu_ns() - c0;
	ctl->cons_errors = errors;
	ed_exit();
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_ctl *ctl = bench_ctl_new();
	uint32_t size = argc == 5 ? bench_parse_size(argv[3]) : 0;
	uint64_t bytes = argc == 5 ? strtoull(argv[4], NULL, 0) : 0;
	uint64_t count = size ? bytes / size : 0, i, c0, t0;
	struct ed_channel *ch;
	unsigned char *buf;
	int peek;
	pid_t pid;

	if (size < 8 || !count ||
	    (strcmp(argv[2], "copy") && strcmp(argv[2], "peek"))) {
		fprintf(stderr,
			"usage: drain_earlydata RUN_DIR copy|peek SIZE BYTES\n");
		return 2;
	}
	peek = !strcmp(argv[2], "peek");
	buf = malloc(size);
	if (!buf)
		return 1;
	bench_fill(buf, size, 5);
	pid = fork();
	if (!pid)
		_exit(consumer(ctl, argv[1], peek, size, count));
	bench_pin(0);
	ch = edb_open(argv[1], EDB_PRODUCER_VM, "drain", ED_PRODUCER);
	c0 = bench_cpu_ns();
	t0 = bench_now_ns();
	for (i = 0; i < count; i++) {
		memcpy(buf, &i, sizeof(i));
		if (ed_write(ch, 1, buf, size, NULL)) {
			fprintf(stderr,
				"drain_earlydata: backlog record %llu did not "
				"fit the ring\n",
				(unsigned long long)i);
			kill(pid, SIGKILL);
			return 1;
		}
	}
	t0 = bench_now_ns() - t0;
	c0 = bench_cpu_ns() - c0;
	__atomic_store_n(&ctl->go, 1, __ATOMIC_RELEASE);
	if (bench_wait_child(pid) || ctl->cons_errors) {
		fprintf(stderr, "drain_earlydata: consumer failed (%llu bad)\n",
			(unsigned long long)ctl->cons_errors);
		return 1;
	}
	ed_exit();
	bench_json_begin("drain", "earlydata", argv[2], size);
	bench_json_u64("records", count);
	bench_json_u64("bytes", count * size);
	bench_json_u64("ns", ctl->t_end - ctl->t_start);
	bench_json_f("records_per_s",
		     (double)count * 1e9 / (double)(ctl->t_end - ctl->t_start));
	bench_json_f("gb_per_s", (double)(count * size) /
					 (double)(ctl->t_end - ctl->t_start));
	bench_json_u64("attach_ns", ctl->send_ns);
	bench_json_f("fill_gb_per_s", (double)(count * size) / (double)t0);
	bench_json_f("prod_cpu_ns_per_record", (double)c0 / (double)count);
	bench_json_f("cons_cpu_ns_per_record",
		     (double)ctl->cons_cpu_ns / (double)count);
	bench_json_end();
	return 0;
}
