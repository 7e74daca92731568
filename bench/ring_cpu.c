// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ring core's own CPU cost per record, both ends on one CPU:
 *
 *   ring_cpu single|batch SIZE COUNT
 *
 * A producer and a consumer of the Earlydata core (no channel layer, no
 * lock, no clock read, no XIRQ) share a 2 MiB block-policy ring in this
 * process, pinned to CPU 0. In rounds of bench_batch_of(SIZE) records
 * (about 16 KiB, at most 64), the producer writes them (single: one
 * ed_producer_write each; batch: one ed_producer_write_batch), then the
 * consumer takes them (single: ed_consumer_read each; batch: fetch and
 * deferred commit each, one flush, as ed_read_batch does). Every line a
 * side touches was last written on this CPU, so nothing crosses to the
 * other: set beside the CPU per record of the two-process runs, this
 * tells the work of the code from the waiting for lines. The run is cut
 * into 50 slices; each side's time per record is that of its fastest
 * slice (the time is wall-clock: a slice in which the host took the CPU
 * away only comes out slower).
 */
#include <stdlib.h>
#include <string.h>

#include <earlydata/ring_io.h>

#include "bench_common.h"

#define DATA_SIZE (2u << 20)
#define RECORD_MAX 65536u
#define SLICES 50

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Write recs[0, n): 0 or the first error. */
static int produce(struct ed_producer *p, const struct ed_wrec *recs,
		   uint32_t n, int batch)
{
	uint32_t k, done;
	int notify, r = 0;

	if (batch) {
		r = ed_producer_write_batch(p, recs, n, 0, &done, &notify);
		return r ? r : done == n ? 0 : -1;
	}
	for (k = 0; k < n && !r; k++)
		r = ed_producer_write(p, recs[k].type, recs[k].buf, recs[k].len,
				      0, NULL, &notify);
	return r;
}

/* Take n records of `size` bytes: 0, or -1 if one is missing or wrong. */
static int consume(struct ed_consumer *c, unsigned char *out, uint32_t n,
		   uint32_t size, int batch)
{
	struct ed_msg m;
	uint32_t k, off = 0;
	int notify, r;

	for (k = 0; k < n; k++) {
		if (batch) {
			r = ed_consumer_fetch(c, &m, out + off, size);
			if (r == ED_MSG_RECORD &&
			    ed_consumer_commit_deferred(c) != 0)
				r = -1;
			off += (size + 7u) & ~7u;
		} else {
			r = ed_consumer_read(c, &m, out, size, &notify);
		}
		if (r != ED_MSG_RECORD || m.len != size)
			return -1;
	}
	if (batch)
		ed_consumer_flush(c, &notify);
	return 0;
}

int main(int argc, char **argv)
{
	static struct ed_producer p;
	static struct ed_consumer c;
	static struct ed_wrec recs[64];
	uint32_t size = argc == 4 ? bench_parse_size(argv[2]) : 0, b, k;
	uint64_t count = argc == 4 ? strtoull(argv[3], NULL, 0) : 0, i, t0;
	uint64_t t1, t2, sp = 0, sc = 0, sn = 0, slice;
	double ps[SLICES], cs[SLICES];
	unsigned char *pmem, *in, *out;
	int batch, ns = 0;

	if (!size || size > RECORD_MAX || !count ||
	    (strcmp(argv[1], "single") && strcmp(argv[1], "batch"))) {
		fprintf(stderr, "usage: ring_cpu single|batch SIZE COUNT\n");
		return 2;
	}
	batch = !strcmp(argv[1], "batch");
	b = bench_batch_of(size);
	pmem = calloc(1, ED_RING_DATA_OFF + DATA_SIZE);
	in = malloc((size_t)b * size);
	out = malloc((size_t)b * (((size_t)size + 7u) & ~(size_t)7u));
	if (!pmem || !in || !out)
		return 1;
	bench_fill(in, (size_t)b * size, 5);
	for (k = 0; k < b; k++) {
		recs[k].buf = in + (size_t)k * size;
		recs[k].len = size;
		recs[k].type = 1;
	}
	bench_pin(0);
	if (ed_producer_attach(&p, pmem, ED_RING_DATA_OFF + DATA_SIZE,
			       DATA_SIZE, RECORD_MAX, ED_POLICY_BLOCK, 1,
			       1) != ED_ATTACH_FORMATTED) {
		fprintf(stderr, "ring_cpu: attach failed\n");
		return 1;
	}
	ed_consumer_open(&c, pmem, ED_RING_DATA_OFF + DATA_SIZE);
	/* warm-up: one lap of the ring */
	for (i = 0; i < DATA_SIZE / size + b; i += b)
		if (produce(&p, recs, b, batch) ||
		    consume(&c, out, b, size, batch))
			goto bad;
	slice = count / SLICES > b ? count / SLICES : b;
	for (i = 0; i < count; i += b) {
		t0 = bench_now_ns();
		if (produce(&p, recs, b, batch))
			goto bad;
		t1 = bench_now_ns();
		if (consume(&c, out, b, size, batch))
			goto bad;
		t2 = bench_now_ns();
		sp += t1 - t0;
		sc += t2 - t1;
		sn += b;
		if (sn >= slice && ns < SLICES) {
			ps[ns] = (double)sp / (double)sn;
			cs[ns++] = (double)sc / (double)sn;
			sp = sc = sn = 0;
		}
	}
	if (!ns)
		goto bad;
	qsort(ps, (size_t)ns, sizeof(ps[0]), cmp_double);
	qsort(cs, (size_t)ns, sizeof(cs[0]), cmp_double);
	bench_json_begin("ring_cpu", "earlydata", argv[1], size);
	bench_json_u64("records", i);
	bench_json_f("prod_cpu_ns_per_record", ps[0]);
	bench_json_f("cons_cpu_ns_per_record", cs[0]);
	bench_json_end();
	return 0;
bad:
	fprintf(stderr,
		"ring_cpu: a record was refused or came back wrong "
		"(producer fault %s, consumer fault %s)\n",
		p.fault.field ? p.fault.field : "none",
		c.fault.field ? c.fault.field : "none");
	return 1;
}
