// SPDX-License-Identifier: GPL-2.0-only
/*
 * Earlydata throughput between two process VMs (bench/bench.dts):
 *
 *   tput_earlydata RUN_DIR copy|peek|batch SIZE COUNT
 *
 * The producer (VM 1, CPU 0) writes COUNT records of SIZE bytes with
 * ed_user_write() on the block-policy channel "tput"; the consumer (VM 2,
 * CPU 1) takes them with the copying read (ed_user_next into its buffer)
 * or the zero-copy read (peek, then ed_commit). "batch": the producer
 * writes bench_batch_of(SIZE) records per ed_user_write_batch() and the
 * consumer takes up to as many per ed_user_read_batch() (copying). Each
 * record carries its index, which the consumer checks.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_common.h"
#include "ed_bench.h"

#define WARMUP 1000

/* Batch consumer: take records [0, total) in batches; errors or -1. */
static int64_t take_batches(struct ed_channel *ch, uint32_t size, uint64_t from,
			    uint64_t total)
{
	static struct ed_msg m[64];
	static unsigned char buf[64 * (ED_MAX_RECORD_MAX / 64 + 8) + 65536 + 8];
	uint32_t b = bench_batch_of(size);
	uint64_t i = from, idx, errors = 0;
	int n, k;

	while (i < total) {
		n = ed_user_read_batch(ch, m, b, buf, sizeof(buf), 10000);
		if (n <= 0) {
			fprintf(stderr, "tput_earlydata: record %llu: %d\n",
				(unsigned long long)i, n);
			return -1;
		}
		for (k = 0; k < n; k++, i++) {
			memcpy(&idx, m[k].data, sizeof(idx));
			errors += m[k].kind != ED_MSG_RECORD ||
				  m[k].len != size || idx != i;
		}
	}
	return (int64_t)errors;
}

/* Batch producer: records [from, to), bench_batch_of(size) per call. */
static void write_batches(struct ed_channel *ch, unsigned char *buf,
			  uint32_t size, uint64_t from, uint64_t to)
{
	struct ed_wrec recs[64];
	uint32_t b = bench_batch_of(size), n, k, done;
	uint64_t i;
	int r;

	for (i = from; i < to; i += n) {
		n = to - i < b ? (uint32_t)(to - i) : b;
		for (k = 0; k < n; k++) {
			unsigned char *rb = buf + (size_t)k * size;
			uint64_t idx = i + k;

			memcpy(rb, &idx, sizeof(idx));
			recs[k].buf = rb;
			recs[k].len = size;
			recs[k].type = 1;
		}
		r = ed_user_write_batch(ch, recs, n, &done, -1);
		if (r || done != n) {
			fprintf(stderr, "tput_earlydata: batch write: %d\n", r);
			exit(1);
		}
	}
}

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
	if (peek == 2) {
		int64_t e = take_batches(ch, size, 0, WARMUP);

		c0 = bench_cpu_ns();
		__atomic_store_n(&ctl->ready, 2, __ATOMIC_RELEASE);
		if (e >= 0) {
			errors = (uint64_t)e;
			e = take_batches(ch, size, WARMUP, WARMUP + count);
		}
		if (e < 0)
			return 1;
		errors += (uint64_t)e;
		i = WARMUP + count;
	}
	for (i = peek == 2 ? i : 0; i < WARMUP + count; i++) {
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
	uint64_t count = argc == 5 ? strtoull(argv[4], NULL, 0) : 0, i, c0 = 0;
	struct ed_channel *ch;
	unsigned char *buf;
	int peek;
	pid_t pid;

	if (!size || size < 8 || !count ||
	    (strcmp(argv[2], "copy") && strcmp(argv[2], "peek") &&
	     strcmp(argv[2], "batch"))) {
		fprintf(stderr, "usage: tput_earlydata RUN_DIR copy|peek|batch "
				"SIZE COUNT\n");
		return 2;
	}
	peek = !strcmp(argv[2], "peek") ? 1 : !strcmp(argv[2], "batch") ? 2 : 0;
	buf = malloc((size_t)size * bench_batch_of(size));
	if (!buf)
		return 1;
	bench_fill(buf, size, 3);
	pid = fork();
	if (!pid)
		_exit(consumer(ctl, argv[1], peek, size, count));
	bench_pin(0);
	ch = edb_open(argv[1], EDB_PRODUCER_VM, "tput", ED_PRODUCER);
	bench_wait_flag(&ctl->ready, 1);
	if (peek == 2) {
		write_batches(ch, buf, size, 0, WARMUP);
		bench_wait_flag(&ctl->ready, 2); /* warm-up consumed */
		c0 = bench_cpu_ns();
		ctl->t_start = bench_now_ns();
		write_batches(ch, buf, size, WARMUP, WARMUP + count);
		i = WARMUP + count;
	}
	for (i = peek == 2 ? i : 0; i < WARMUP; i++) {
		memcpy(buf, &i, sizeof(i));
		edb_write(ch, buf, size);
	}
	if (peek != 2) {
		bench_wait_flag(&ctl->ready, 2); /* warm-up consumed */
		c0 = bench_cpu_ns();
		ctl->t_start = bench_now_ns();
	}
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
