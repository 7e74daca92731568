// SPDX-License-Identifier: GPL-2.0-only
/*
 * What nkhv reports about time, whatever the machine's uptime: the same
 * scenario with the test's own CLOCK_MONOTONIC, then in time namespaces
 * where it reads 7 s, 435 s (a machine booted minutes ago), 10 days and
 * 200 days (past 2^53 ns). In each: nkhv starts, VM 1 produces records
 * (`earlydata produce`), then VM 2 joins and consumes them. Checks:
 *  - every line of nkhv's log starts with "nkhv[S.UUUUUU]: ", S unpadded;
 *  - the status document's now_ns, first_join_ns and last_join_ns read
 *    the namespace's clock, in the order of the events, and the log's
 *    stamp of VM 2's join agrees with its first_join_ns;
 *  - `vlinkctl vm 2 first_join_ns` prints the same integer;
 *  - every record (stamped by the producer's CLOCK_MONOTONIC) was
 *    stamped after VM 1 joined and before VM 2 joined, and
 *    `verify_stream --backlog-before` counts them all as backlog, as
 *    tests/vm/test_vm.sh does with a Linux VM's first HELLO.
 * Time namespaces need Linux 5.6 and the right to create one (root, or
 * unprivileged user namespaces); without them those cases are skipped,
 * with the reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#define SKIPPED 77
#define RECORDS 20
#define RECORDS_S "20"

/* In the scenario process: report a failed condition, return 1. */
#define EXPECT(c, ...)                                                     \
	do {                                                               \
		if (!(c)) {                                                \
			fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, \
				#c);                                       \
			fprintf(stderr, __VA_ARGS__);                      \
			fputc('\n', stderr);                               \
			return 1;                                          \
		}                                                          \
	} while (0)

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* This process's time-namespace offset of `clock` in seconds (0 if none). */
static long long own_offset(const char *clock)
{
	FILE *f = fopen("/proc/self/timens_offsets", "r");
	char name[32];
	long long s = 0, v;
	long ns;

	if (!f)
		return 0;
	while (fscanf(f, "%31s %lld %ld", name, &v, &ns) == 3)
		if (!strcmp(name, clock))
			s = v;
	fclose(f);
	return s;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

/*
 * Put the children of this process in a new time namespace whose
 * CLOCK_MONOTONIC and CLOCK_BOOTTIME read `secs` now. Offsets are
 * relative to the host's clocks, also from inside another namespace.
 * 0, or SKIPPED with the reason printed.
 */
static int enter_time_ns(long long secs)
{
	long long mono = (long long)(clock_ns(CLOCK_MONOTONIC) / 1000000000u) -
			 own_offset("monotonic");
	long long boot = (long long)(clock_ns(CLOCK_BOOTTIME) / 1000000000u) -
			 own_offset("boottime");
	uid_t uid = getuid();
	gid_t gid = getgid();
	char text[128];
	int err;

	if (unshare(CLONE_NEWTIME)) {
		err = errno;
		/* Not privileged: a user namespace of our own may do it. */
		if (err != EPERM || unshare(CLONE_NEWUSER | CLONE_NEWTIME)) {
			fprintf(stderr,
				"skipped: no time namespace (Linux >= 5.6 with CONFIG_TIME_NS, and root or user namespaces): %s\n",
				strerror(err == EPERM ? errno : err));
			return SKIPPED;
		}
		snprintf(text, sizeof(text), "0 %u 1\n", (unsigned)uid);
		if (write_file("/proc/self/setgroups", "deny") ||
		    write_file("/proc/self/uid_map", text))
			goto fail;
		snprintf(text, sizeof(text), "0 %u 1\n", (unsigned)gid);
		if (write_file("/proc/self/gid_map", text))
			goto fail;
	}
	snprintf(text, sizeof(text), "monotonic %lld 0\nboottime %lld 0\n",
		 secs - mono, secs - boot);
	if (write_file("/proc/self/timens_offsets", text) == 0)
		return 0;
fail:
	fprintf(stderr, "skipped: cannot set up the time namespace: %s\n",
		strerror(errno));
	return SKIPPED;
}

/*
 * Run program `prog` with the arguments that follow (up to NULL) to its
 * end, its output to `out` (NULL: /dev/null). Its exit status, or -1.
 */
static int run(const char *out, const char *prog, ...)
{
	char *argv[16] = { (char *)prog };
	va_list ap;
	pid_t pid;
	int n = 1;

	va_start(ap, prog);
	while (n < 15 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		int fd = open(out ? out : "/dev/null",
			      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			if (!out)
				dup2(fd, 2);
		}
		execv(prog, argv);
		_exit(127);
	}
	return pid < 0 ? -1 : harness_wait(pid, 60000);
}

/* The first line of a file, newline removed, into buf. */
static int first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int ok = f && fgets(buf, (int)len, f);

	if (f)
		fclose(f);
	if (ok)
		buf[strcspn(buf, "\n")] = 0;
	return ok ? 0 : -1;
}

/*
 * A log line's time stamp in ns, or -1 unless it starts exactly with
 * "nkhv[", digits (no padding), '.', six digits, "]: ".
 */
static long long log_stamp(const char *line)
{
	unsigned long long s = 0, us = 0;
	const char *p = line + 5;
	int n;

	if (strncmp(line, "nkhv[", 5) || *p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		s = s * 10 + (unsigned)(*p - '0');
	if (*p++ != '.')
		return -1;
	for (n = 0; n < 6 && *p >= '0' && *p <= '9'; n++, p++)
		us = us * 10 + (unsigned)(*p - '0');
	if (n != 6 || strncmp(p, "]: ", 3))
		return -1;
	return (long long)(s * 1000000000u + us * 1000u);
}

static long long vm_time(json_t *st, NkOsId id, const char *key)
{
	json_t *v = json_object_get(harness_vmstat(st, id), key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

/* Every line of nkhv's log is stamped; VM 2's join at *stamp (ns). */
static int check_log(const char *path, long long *stamp)
{
	char line[1024];
	long long t, prev = 0;
	int n = 0, bad = 0;
	FILE *f = fopen(path, "r");

	EXPECT(f, "%s: %s", path, strerror(errno));
	*stamp = -1;
	while (fgets(line, sizeof(line), f)) {
		t = log_stamp(line);
		if (t < 0 || t < prev) {
			fprintf(stderr,
				"log line not stamped as nkhv[S.UUUUUU]: %s",
				line);
			bad++;
		}
		prev = t;
		if (*stamp < 0 && strstr(line, "]: vm 2 (consumer): up ("))
			*stamp = t;
		n++;
	}
	fclose(f);
	EXPECT(n > 0 && !bad, "%d lines, %d badly stamped", n, bad);
	EXPECT(*stamp >= 0, "no line of VM 2 joining");
	return 0;
}

/* The records: all stamped between the joins [from, to). */
static int check_records(const char *path, long long from, long long to)
{
	char line[4096];
	int n = 0;
	FILE *f = fopen(path, "r");

	EXPECT(f, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		json_t *j = json_loads(line, 0, NULL);
		json_t *ts = json_object_get(j, "ts_ns");
		long long t = json_is_integer(ts) ? json_integer_value(ts) : -1;

		json_decref(j);
		if (t <= from || t >= to) {
			fprintf(stderr,
				"record stamped %lld, not in (%lld, %lld)\n", t,
				from, to);
			fclose(f);
			return 1;
		}
		n++;
	}
	fclose(f);
	EXPECT(n == RECORDS, "%d records, not %d", n, RECORDS);
	return 0;
}

/* nkhv and the earlydata processes run; check what they recorded. */
static int check_run(struct hv_proc *h, long long target_s)
{
	long long now, j1, j1_last, j2, j2_last, stamp, t;
	char out[600], tmp[600], arg[32], line[256], want[64];
	json_t *st;
	int rc;

	snprintf(out, sizeof(out), "%s/records.jsonl", h->run_dir);
	snprintf(tmp, sizeof(tmp), "%s/tool.out", h->run_dir);
	rc = run(NULL, EARLYDATA_BIN, "--run-dir", h->run_dir, "produce",
		 "--vm", "1", "--channel", "blk", "--generate", RECORDS_S,
		 NULL);
	EXPECT(rc == 0, "produce: %d", rc);
	rc = run(NULL, EARLYDATA_BIN, "--run-dir", h->run_dir, "consume",
		 "--vm", "2", "--channel", "blk", "--output", out, NULL);
	EXPECT(rc == 0, "consume: %d", rc);
	st = harness_status(h);
	EXPECT(st, "no status document");
	now = (long long)json_integer_value(json_object_get(st, "now_ns"));
	j1 = vm_time(st, 1, "first_join_ns");
	j1_last = vm_time(st, 1, "last_join_ns");
	j2 = vm_time(st, 2, "first_join_ns");
	j2_last = vm_time(st, 2, "last_join_ns");
	json_decref(st);
	printf("     clock %lld.%09lld s; joins: VM 1 at %lld, VM 2 at %lld\n",
	       now / 1000000000, now % 1000000000, j1, j2);
	fflush(stdout);
	/* The namespace's clock, in the order of events. */
	t = target_s >= 0 ? target_s * 1000000000 :
			    (long long)clock_ns(CLOCK_MONOTONIC);
	EXPECT(now >= t - 1000000000 && now <= t + 300000000000,
	       "now_ns %lld, the clock reads about %lld", now, t);
	EXPECT(j1 > 0 && j1 == j1_last && j1 < j2 && j2 == j2_last && j2 <= now,
	       "joins %lld/%lld %lld/%lld, now %lld", j1, j1_last, j2, j2_last,
	       now);
	/* The log: stamped in one format, VM 2's join as in the status. */
	EXPECT(check_log(h->log, &stamp) == 0, "nkhv's log");
	EXPECT(stamp / 1000 >= j2 / 1000 && stamp - j2 < 1000000000,
	       "log stamp of VM 2's join %lld, status %lld", stamp, j2);
	/* vlinkctl prints the same integer. */
	rc = run(tmp, VLINKCTL_BIN, "--run-dir", h->run_dir, "vm", "2",
		 "first_join_ns", NULL);
	EXPECT(rc == 0, "vlinkctl: %d", rc);
	EXPECT(first_line(tmp, line, sizeof(line)) == 0, "no vlinkctl output");
	snprintf(want, sizeof(want), "%lld", j2);
	EXPECT(!strcmp(line, want), "vlinkctl: '%s', status %s", line, want);
	/* The records: all of them the backlog VM 2 found. */
	EXPECT(check_records(out, j1, j2) == 0, "records");
	snprintf(arg, sizeof(arg), "%lld", j2);
	rc = run(tmp, VERIFY_BIN, out, "blk", "--n-is-seq", "--no-loss",
		 "--records", RECORDS_S, "--backlog-before", arg, NULL);
	EXPECT(rc == 0, "verify_stream: %d", rc);
	EXPECT(first_line(tmp, line, sizeof(line)) == 0, "no verify output");
	EXPECT(strstr(line, " backlog " RECORDS_S), "verify_stream: %s", line);
	return 0;
}

/* The scenario, in a process whose children read the clock under test. */
static int scenario(long long target_s)
{
	struct hv_proc h = { 0 };
	int rc;

	if (target_s >= 0 && (rc = enter_time_ns(target_s)))
		return rc;
	EXPECT(harness_start(&h, SYSTEM_TESTS_DIR "/earlydata.dts") == 0,
	       "nkhv did not start");
	rc = check_run(&h, target_s);
	if (rc)
		fprintf(stderr, "nkhv's run dir and log: %s\n", h.run_dir);
	if (rc && !getenv("HARNESS_KEEP_LOGS"))
		setenv("HARNESS_KEEP_LOGS", "1", 1);
	harness_stop(&h);
	return rc;
}

/* Run the scenario in a child (it may change namespaces). */
static void run_case(long long target_s)
{
	pid_t pid;
	int rc;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(scenario(target_s));
	rc = harness_wait(pid, 120000);
	if (rc < 0)
		harness_kill(pid);
	if (rc == SKIPPED)
		skip();
	assert_int_equal(rc, 0);
}

static void test_own_clock(void **state)
{
	(void)state;
	run_case(-1);
}

static void test_clock_7s(void **state)
{
	(void)state;
	run_case(7);
}

static void test_clock_435s(void **state)
{
	(void)state;
	run_case(435);
}

static void test_clock_10_days(void **state)
{
	(void)state;
	run_case(10LL * 86400);
}

static void test_clock_200_days(void **state)
{
	(void)state;
	run_case(200LL * 86400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_own_clock),
		cmocka_unit_test(test_clock_7s),
		cmocka_unit_test(test_clock_435s),
		cmocka_unit_test(test_clock_10_days),
		cmocka_unit_test(test_clock_200_days),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("nkhv_clock", tests, NULL, NULL);
}
