// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the hardware allows, measured in the same run as the rest:
 *
 *   hw_limits memcpy SIZE WORKSET TOTAL
 *	copy blocks of SIZE bytes, TOTAL bytes in all. WORKSET selects the
 *	buffers: "hot" copies one SIZE block to another (both stay in L1/L2),
 *	"ring:N" copies a hot block into successive slots of an N-byte
 *	ring (what a producer does at least), "large:N" copies successive
 *	blocks of an N-byte source that was just written into a hot block
 *	(what draining a large backlog does at least).
 *   hw_limits xcore SIZE RING TOTAL
 *	the cross-core limit: a producer process (CPU 0) memcpy()s blocks
 *	of SIZE into a shared RING-byte ring, a consumer process (CPU 1)
 *	reads every byte of each in place (bench_touch); only a head and a
 *	tail counter, no checks.
 *   hw_limits clock COUNT
 *	the cost of one clock_gettime(CLOCK_MONOTONIC) (every Earlydata
 *	record carries a time stamp; every latency sample takes two).
 *   hw_limits crcimpl
 *	how the driver's CRC32C computes on this CPU (ed_crc32c_impl)
 *   hw_limits crc SIZE TOTAL
 *	the driver's CRC32C (ed_crc32c) over a cached block of SIZE bytes:
 *	what sealing or checking a record costs besides moving it.
 *   hw_limits crccopy SIZE RING|large:N TOTAL
 *	the driver's one-pass CRC32C and copy (ed_crc32c_copy) of a hot
 *	block of SIZE bytes into successive slots of a RING-byte ring: the
 *	least a producer does per byte (the copying read's work is the
 *	same, out of the ring). With large:N, successive blocks of an
 *	N-byte source that was just written into a hot block: the least a
 *	copying read that checks every byte does draining a large backlog
 *	(as memcpy large:N is for one that does not check).
 *   hw_limits pingpong COUNT
 *	two processes on two CPUs bounce one cache line; one-way latency
 *	is half of each round trip.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <earlydata/ring.h>

#include "bench_common.h"

static void *alloc(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED) {
		perror("hw_limits: mmap");
		exit(1);
	}
	memset(p, 1, n);
	return p;
}

static int run_memcpy(uint32_t size, const char *ws, uint64_t total)
{
	size_t n = 0, slots, i = 0;
	const char *mode = "hot";
	unsigned char *src, *dst;
	uint64_t t0, t1, cnt, k;

	if (!strncmp(ws, "ring:", 5) || !strncmp(ws, "large:", 6)) {
		n = bench_parse_size(strchr(ws, ':') + 1);
		mode = ws[0] == 'r' ? "ring" : "large";
		if (n < size) {
			fprintf(stderr, "hw_limits: bad workset %s\n", ws);
			return 2;
		}
	}
	slots = n ? n / size : 1;
	src = alloc(mode[0] == 'l' ? slots * size : size);
	dst = alloc(mode[0] == 'r' ? slots * size : size);
	cnt = total / size;
	if (cnt < 16)
		cnt = 16;
	/* warm up: one pass over the working set */
	for (k = 0; k < slots; k++)
		memcpy(mode[0] == 'r' ? dst + k * size : dst,
		       mode[0] == 'l' ? src + k * size : src, size);
	bench_pin(0);
	t0 = bench_now_ns();
	for (k = 0; k < cnt; k++) {
		memcpy(mode[0] == 'r' ? dst + i * size : dst,
		       mode[0] == 'l' ? src + i * size : src, size);
		__asm__ volatile("" ::: "memory");
		if (++i == slots)
			i = 0;
	}
	t1 = bench_now_ns();
	bench_report_tput("memcpy", "memcpy", mode, size, cnt, t1 - t0, t1 - t0,
			  0);
	return 0;
}

static volatile uint64_t sink;

/* Cross-core copy through a shared ring: no CRC, no validation. */
static int run_xcore(uint32_t size, size_t ring, uint64_t total)
{
	struct bench_ctl *ctl = bench_ctl_new();
	volatile uint64_t *head = &ctl->go, *tail = &ctl->ack;
	uint64_t cnt = total / size, k, t0, c0;
	size_t slots = ring / size;
	unsigned char *shm, *buf;
	pid_t pid;

	shm = mmap(NULL, slots * size, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	buf = alloc(size);
	if (shm == MAP_FAILED || !slots)
		return 1;
	pid = fork();
	if (!pid) {
		bench_pin(1);
		c0 = bench_cpu_ns();
		for (k = 0; k < cnt; k++) {
			while (__atomic_load_n(head, __ATOMIC_ACQUIRE) == k)
				bench_cpu_relax();
			sink += bench_touch(shm + (k % slots) * size, size);
			__atomic_store_n(tail, k + 1, __ATOMIC_RELEASE);
		}
		ctl->t_end = bench_now_ns();
		ctl->cons_cpu_ns = bench_cpu_ns() - c0;
		_exit(0);
	}
	bench_pin(0);
	c0 = bench_cpu_ns();
	t0 = bench_now_ns();
	for (k = 0; k < cnt; k++) {
		while (k - __atomic_load_n(tail, __ATOMIC_ACQUIRE) >= slots)
			bench_cpu_relax();
		memcpy(shm + (k % slots) * size, buf, size);
		__atomic_store_n(head, k + 1, __ATOMIC_RELEASE);
	}
	c0 = bench_cpu_ns() - c0;
	if (bench_wait_child(pid))
		return 1;
	bench_report_tput("memcpy", "memcpy", "xcore", size, cnt,
			  ctl->t_end - t0, c0, ctl->cons_cpu_ns);
	return 0;
}

static int run_crc(uint32_t size, uint64_t total)
{
	unsigned char *buf = alloc(size);
	uint64_t cnt = total / size, k, t0;
	nku32_f crc = 0;

	for (k = 0; k < 100; k++)
		crc = ed_crc32c(crc, buf, size);
	t0 = bench_now_ns();
	for (k = 0; k < cnt; k++)
		crc = ed_crc32c(crc, buf, size);
	t0 = bench_now_ns() - t0;
	bench_report_tput("crc", "crc32c", "cached", size, cnt, t0, t0,
			  crc & 1);
	return 0;
}

static int run_crccopy(uint32_t size, const char *ws, uint64_t total)
{
	int large = !strncmp(ws, "large:", 6);
	size_t ring = bench_parse_size(large ? ws + 6 : ws);
	size_t slots = ring >= size ? ring / size : 1, i = 0;
	unsigned char *src = alloc(large ? slots * size : size);
	unsigned char *dst = alloc(large ? size : slots * size);
	uint64_t cnt = total / size, k, t0;
	nku32_f crc = 0;

	/* warm up: one pass (large: then the source is written again) */
	for (k = 0; k < slots; k++)
		crc = ed_crc32c_copy(crc, large ? dst : dst + k * size,
				     large ? src + k * size : src, size);
	if (large)
		memset(src, 2, slots * size);
	bench_pin(0);
	t0 = bench_now_ns();
	for (k = 0; k < cnt; k++) {
		crc = ed_crc32c_copy(crc, large ? dst : dst + i * size,
				     large ? src + i * size : src, size);
		if (++i == slots)
			i = 0;
	}
	t0 = bench_now_ns() - t0;
	bench_report_tput("crc", "crc32c", large ? "copy-large" : "copy-ring",
			  size, cnt, t0, t0, crc & 1);
	return 0;
}

static int run_clock(uint64_t count)
{
	uint64_t t0 = bench_now_ns(), i, x = 0;

	for (i = 0; i < count; i++)
		x += bench_now_ns();
	t0 = bench_now_ns() - t0;
	bench_json_begin("clock", "clock_gettime", "monotonic", 0);
	bench_json_f("ns_per_call", (double)t0 / (double)count);
	bench_json_u64("check", x & 1);
	bench_json_end();
	return 0;
}

/* One cache line, two processes: odd values from us, even from the peer. */
static int run_pingpong(uint64_t count)
{
	struct bench_ctl *ctl = bench_ctl_new();
	uint64_t *rtt = calloc(count, sizeof(*rtt)), i, t0, t1, v;
	volatile uint64_t *line = &ctl->ack;
	pid_t pid;

	if (!rtt)
		return 1;
	pid = fork();
	if (!pid) {
		bench_pin(1);
		for (v = 1; v < 2 * (count + 1000); v += 2) {
			while (__atomic_load_n(line, __ATOMIC_ACQUIRE) != v)
				bench_cpu_relax();
			__atomic_store_n(line, v + 1, __ATOMIC_RELEASE);
		}
		_exit(0);
	}
	bench_pin(0);
	v = 0;
	for (i = 0; i < count + 1000; i++) { /* 1000 warm-up rounds */
		t0 = bench_now_ns();
		__atomic_store_n(line, v + 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(line, __ATOMIC_ACQUIRE) != v + 2)
			bench_cpu_relax();
		t1 = bench_now_ns();
		v += 2;
		if (i >= 1000)
			rtt[i - 1000] = (t1 - t0) / 2;
	}
	if (bench_wait_child(pid))
		return 1;
	bench_report_lat("cacheline", "poll", "one-way", 64, rtt, count);
	free(rtt);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "memcpy") &&
	    bench_parse_size(argv[2]))
		return run_memcpy(bench_parse_size(argv[2]), argv[3],
				  strtoull(argv[4], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "xcore") && bench_parse_size(argv[2]))
		return run_xcore(bench_parse_size(argv[2]),
				 bench_parse_size(argv[3]),
				 strtoull(argv[4], NULL, 0));
	if (argc == 2 && !strcmp(argv[1], "crcimpl")) {
		printf("%s\n", ed_crc32c_impl());
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "crc") && bench_parse_size(argv[2]))
		return run_crc(bench_parse_size(argv[2]),
			       strtoull(argv[3], NULL, 0));
	if (argc == 5 && !strcmp(argv[1], "crccopy") &&
	    bench_parse_size(argv[2]) &&
	    bench_parse_size(strncmp(argv[3], "large:", 6) ? argv[3] :
							      argv[3] + 6))
		return run_crccopy(bench_parse_size(argv[2]), argv[3],
				   strtoull(argv[4], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "clock"))
		return run_clock(strtoull(argv[2], NULL, 0));
	if (argc == 3 && !strcmp(argv[1], "pingpong"))
		return run_pingpong(strtoull(argv[2], NULL, 0));
	fprintf(stderr,
		"usage: hw_limits memcpy SIZE hot|ring:N|large:N TOTAL\n"
		"       hw_limits xcore SIZE RING TOTAL\n"
		"       hw_limits crcimpl\n"
		"       hw_limits crc SIZE TOTAL\n"
		"       hw_limits crccopy SIZE RING|large:N TOTAL\n"
		"       hw_limits clock COUNT\n"
		"       hw_limits pingpong COUNT\n");
	return 2;
}
