// SPDX-License-Identifier: GPL-2.0-only
/*
 * Earlydata throughput between two process VMs (bench/bench.dts):
 *
 *   tput_earlydata RUN_DIR copy|peek SIZE COUNT
 *
 * The producer (VM 1, CPU 0) writes COUNT records of SIZE bytes with
 * ed_user_write() on the block-policy channel "tput"; the consumer (VM 2,
 * CPU 1) takes them with the copying read (ed_user_next into its buffer)
 * or the zero-copy read (peek, then ed_commit). Each record carries its
 * index, which the consumer checks.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_common.h"
#include "ed_bench.h"

#define WARMUP 1000

static int consumer(struct bench_ctl *ctl, const char *run_dir, int peek,
		    uint32_t size, uint64_t count)
{
	static unsigned char buf[ED_MAX_RECORD_MAX];
	struct ed_channel *ch;
	uint64_t i, c0 = 0, errors = 0;
	int r;

	bench_pin(1); /* before joining: the XIRQ thread inherits it */
	ch = edb_open(run_dir, EDB_CONSUMER_VM, "tput", ED_CONSUMER);
	if (edb_settle(ch) < 0)
		return 1;
	__atomic_store_n(&ctl->ready, 1, __ATOMIC_RELEASE);
	for (i = 0; i < WARMUP + count; i++) {
		if (i == WARMUP) {
			c0 = bench_cpu_ns();
			__atomic_store_n(&ctl->ready, 2, __ATOMIC_RELEASE);
		}
		r = edb_take(ch, buf, sizeof(buf), peek, size, i,
			     "tput_earlydata");
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
	uint64_t count = argc == 5 ? strtoull(argv[4], NULL, 0) : 0, i, c0;
	struct ed_channel *ch;
	unsigned char *buf;
	int peek;
	pid_t pid;

	if (!size || size < 8 || !count ||
	    (strcmp(argv[2], "copy") && strcmp(argv[2], "peek"))) {
		fprintf(stderr,
			"usage: tput_earlydata RUN_DIR copy|peek SIZE COUNT\n");
		return 2;
	}
	peek = !strcmp(argv[2], "peek");
	buf = malloc(size);
	if (!buf)
		return 1;
	bench_fill(buf, size, 3);
	pid = fork();
	if (!pid)
		_exit(consumer(ctl, argv[1], peek, size, count));
	bench_pin(0);
	ch = edb_open(argv[1], EDB_PRODUCER_VM, "tput", ED_PRODUCER);
	bench_wait_flag(&ctl->ready, 1);
	for (i = 0; i < WARMUP; i++) {
		memcpy(buf, &i, sizeof(i));
		edb_write(ch, buf, size);
	}
	bench_wait_flag(&ctl->ready, 2); /* warm-up consumed */
	c0 = bench_cpu_ns();
	ctl->t_start = bench_now_ns();
	for (; i < WARMUP + count; i++) {
		memcpy(buf, &i, sizeof(i));
		edb_write(ch, buf, size);
	}
	c0 = bench_cpu_ns() - c0;
	if (bench_wait_child(pid) || ctl->cons_errors) {
		fprintf(stderr, "tput_earlydata: consumer failed (%llu bad)\n",
			(unsigned long long)ctl->cons_errors);
		return 1;
	}
	ed_exit();
	bench_report_tput("throughput", "earlydata", argv[2], size, count,
			  ctl->t_end - ctl->t_start, c0, ctl->cons_cpu_ns);
	return 0;
}
