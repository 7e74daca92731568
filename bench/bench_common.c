// SPDX-License-Identifier: GPL-2.0-only
/* Helpers shared by the benchmark programs (bench_common.h). */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_common.h"

const uint32_t bench_sizes[BENCH_NSIZES] = { 64, 1024, 65536 };

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void bench_pin(int cpu)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(n > 0 ? cpu % n : 0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

uint64_t bench_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
		       1000000000ull +
	       (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ull;
}

void bench_wait_flag(volatile uint64_t *flag, uint64_t v)
{
	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) < v)
		bench_cpu_relax();
}

struct bench_ctl *bench_ctl_new(void)
{
	void *p = mmap(NULL, sizeof(struct bench_ctl), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("bench: mmap");
		exit(1);
	}
	return p;
}

int bench_wait_child(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

void bench_fill(void *buf, size_t len, uint64_t seed)
{
	unsigned char *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(seed + i * 31);
}

void bench_json_begin(const char *bench, const char *impl, const char *mode,
		      uint32_t size)
{
	printf("{\"bench\":\"%s\",\"impl\":\"%s\",\"mode\":\"%s\","
	       "\"size\":%u",
	       bench, impl, mode, size);
}

void bench_json_u64(const char *key, uint64_t v)
{
	printf(",\"%s\":%llu", key, (unsigned long long)v);
}

void bench_json_f(const char *key, double v)
{
	printf(",\"%s\":%.6g", key, v);
}

void bench_json_s(const char *key, const char *v)
{
	printf(",\"%s\":\"%s\"", key, v);
}

void bench_json_end(void)
{
	printf("}\n");
	fflush(stdout);
}

void bench_report_tput(const char *bench, const char *impl, const char *mode,
		       uint32_t size, uint64_t records, uint64_t ns,
		       uint64_t prod_cpu_ns, uint64_t cons_cpu_ns)
{
	double sec = (double)ns / 1e9;

	bench_json_begin(bench, impl, mode, size);
	bench_json_u64("records", records);
	bench_json_u64("ns", ns);
	bench_json_f("records_per_s", (double)records / sec);
	bench_json_f("gb_per_s", (double)records * size / sec / 1e9);
	bench_json_f("prod_cpu_ns_per_record",
		     (double)prod_cpu_ns / (double)records);
	bench_json_f("cons_cpu_ns_per_record",
		     (double)cons_cpu_ns / (double)records);
	bench_json_end();
}

uint64_t bench_touch(const void *p, size_t len)
{
	const unsigned char *b = p;
	uint64_t s[4] = { 0, 0, 0, 0 }, v;
	size_t i, k;

	for (i = 0; i + 32 <= len; i += 32)
		for (k = 0; k < 4; k++) {
			memcpy(&v, b + i + 8 * k, sizeof(v));
			s[k] += v;
		}
	for (; i < len; i++)
		s[0] += b[i];
	return s[0] + s[1] + s[2] + s[3];
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile of n sorted samples (nearest rank). */
static uint64_t quantile(const uint64_t *s, size_t n, double q)
{
	size_t i = (size_t)(q * (double)n);

	return s[i >= n ? n - 1 : i];
}

void bench_report_lat(const char *impl, const char *mode, const char *leg,
		      uint32_t size, uint64_t *samples, size_t n)
{
	if (!n)
		return;
	qsort(samples, n, sizeof(*samples), cmp_u64);
	bench_json_begin("latency", impl, mode, size);
	bench_json_s("leg", leg);
	bench_json_u64("samples", n);
	bench_json_u64("p50_ns", quantile(samples, n, 0.5));
	bench_json_u64("p99_ns", quantile(samples, n, 0.99));
	bench_json_u64("p999_ns", quantile(samples, n, 0.999));
	bench_json_u64("max_ns", samples[n - 1]);
	bench_json_u64("min_ns", samples[0]);
	bench_json_end();
}

void bench_gap(unsigned int us)
{
	struct timespec ts = { 0, (long)us * 1000 };

	prctl(PR_SET_TIMERSLACK, 1ul, 0, 0, 0);
	nanosleep(&ts, NULL);
}

void bench_gap_spin(unsigned int us)
{
	uint64_t end = bench_now_ns() + (uint64_t)us * 1000u;

	while (bench_now_ns() < end)
		bench_cpu_relax();
}

uint32_t bench_parse_size(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*end == 'K' || *end == 'k')
		v *= 1024, end++;
	else if (*end == 'M' || *end == 'm')
		v *= 1024 * 1024, end++;
	return *end || !v || v > 1u << 30 ? 0 : (uint32_t)v;
}

long bench_env(const char *name, long def)
{
	const char *v = getenv(name);

	return v && *v ? strtol(v, NULL, 0) : def;
}
