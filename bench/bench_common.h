/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers shared by the benchmark programs: clock, CPU pinning, CPU time,
 * a shared control page between the two processes of a run, latency
 * percentiles, and the one-JSON-object-per-line output.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Record sizes of every workload. */
#define BENCH_NSIZES 3
extern const uint32_t bench_sizes[BENCH_NSIZES];

/* CLOCK_MONOTONIC in nanoseconds (the same clock in every process). */
uint64_t bench_now_ns(void);

/* Pin the calling thread to one CPU (modulo the CPUs online). */
void bench_pin(int cpu);

/* User + system CPU time of this process so far, nanoseconds. */
uint64_t bench_cpu_ns(void);

/* Spin until *flag reaches at least v (a flag in the shared page). */
void bench_wait_flag(volatile uint64_t *flag, uint64_t v);

/* One step of a busy-wait loop: the CPU's spin hint (x86 pause, arm64
 * yield), else only a compiler barrier. */
static inline void bench_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/*
 * Control page shared by the two processes of one run (MAP_SHARED,
 * created before fork): flags, timestamps and the consumer's results.
 * Never used to carry the benchmarked data itself.
 */
struct bench_ctl {
	volatile uint64_t ready; /* consumer: set up and waiting */
	volatile uint64_t go; /* producer: starting */
	volatile uint64_t done; /* consumer: finished */
	volatile uint64_t t_start, t_end; /* first send, last receive */
	volatile uint64_t cons_cpu_ns; /* consumer CPU time during the run */
	volatile uint64_t cons_records, cons_bytes, cons_errors;
	volatile uint64_t ack; /* latency runs: samples taken */
	volatile uint64_t send_ns; /* latency runs: time stamped by sender */
	uint64_t pad[4];
	/* lat_raw shm: a sample's count and send time, on a line of its own */
	volatile uint64_t slot[8] __attribute__((aligned(64)));
};

/* A fresh zeroed control page, shared with children forked later. */
struct bench_ctl *bench_ctl_new(void);

/* Wait for a child; non-zero if it failed. */
int bench_wait_child(pid_t pid);

/*
 * Read every byte of a block once (a 64-bit sum, four independent
 * accumulators): the least a consumer does with data it reads in place.
 */
uint64_t bench_touch(const void *p, size_t len);

/* Fill buf with a recognisable pattern derived from seed. */
void bench_fill(void *buf, size_t len, uint64_t seed);

/*
 * Output: one JSON object per line on stdout. bench_json_begin() prints
 * the common keys, the caller adds its own with bench_json_*(), and
 * bench_json_end() closes the line.
 */
void bench_json_begin(const char *bench, const char *impl, const char *mode,
		      uint32_t size);
void bench_json_u64(const char *key, uint64_t v);
void bench_json_f(const char *key, double v);
void bench_json_s(const char *key, const char *v);
void bench_json_end(void);

/* Throughput result line: records, bytes, elapsed, CPU per record. */
void bench_report_tput(const char *bench, const char *impl, const char *mode,
		       uint32_t size, uint64_t records, uint64_t ns,
		       uint64_t prod_cpu_ns, uint64_t cons_cpu_ns);

/* Latency result line from n samples (sorted in place), ns. */
void bench_report_lat(const char *impl, const char *mode, const char *leg,
		      uint32_t size, uint64_t *samples, size_t n);

/*
 * Latency runs: sleep about `us` microseconds between samples, so that a
 * sleeping consumer is really asleep when the next one comes.
 */
void bench_gap(unsigned int us);

/*
 * The same gap spent spinning on the clock: the CPU stays busy and its
 * caches warm, as in the cache-line ping-pong (the "poll-hot" samples).
 */
void bench_gap_spin(unsigned int us);

/* Parse a size such as 64, 1K, 64K. 0 on error. */
uint32_t bench_parse_size(const char *s);

/* Environment integer with a default. */
long bench_env(const char *name, long def);

/* Records per batch of the batched runs: about 16 KiB, 1 to 64 records. */
static inline uint32_t bench_batch_of(uint32_t size)
{
	uint32_t b = 16384u / size;

	return b < 1u ? 1u : b > 64u ? 64u : b;
}

#endif /* BENCH_COMMON_H */
