// SPDX-License-Identifier: GPL-2.0-only
/*
 * nkhv's log time stamp: one fixed format, seconds and microseconds of
 * CLOCK_MONOTONIC, never padded, whatever the machine's uptime. (It was
 * "nkhv[%5ld.%03ld]", which pads with spaces below 10000 s.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "nkhv.h"

static void check_stamp(uint64_t ns, const char *want)
{
	char buf[64];
	int n = hv_log_stamp(buf, sizeof(buf), ns);

	assert_int_equal(n, (int)strlen(want));
	assert_string_equal(buf, want);
}

static void test_stamp_format(void **state)
{
	(void)state;
	check_stamp(0, "nkhv[0.000000]: ");
	check_stamp(999, "nkhv[0.000000]: ");
	check_stamp(1000, "nkhv[0.000001]: ");
	check_stamp(7000000000ull, "nkhv[7.000000]: ");
	/* Ten minutes after boot: the case that broke the VM test. */
	check_stamp(435116082123ull, "nkhv[435.116082]: ");
	check_stamp(9999999999999ull, "nkhv[9999.999999]: ");
	check_stamp(10000000000000ull, "nkhv[10000.000000]: ");
	/* Days, then months (beyond 2^53 ns, where doubles lose ns). */
	check_stamp(864000123456789ull, "nkhv[864000.123456]: ");
	check_stamp(17280000999999999ull, "nkhv[17280000.999999]: ");
	check_stamp(UINT64_MAX, "nkhv[18446744073.709551]: ");
}

/* The stamp of now reads back as a time between two reads of the clock. */
static void test_stamp_now(void **state)
{
	unsigned long long s, us;
	uint64_t t0, t1, t;
	char buf[64], tail[8];

	(void)state;
	t0 = hv_now_ns();
	hv_log_stamp(buf, sizeof(buf), hv_now_ns());
	t1 = hv_now_ns();
	assert_true(t0 > 0 && t1 >= t0);
	assert_int_equal(sscanf(buf, "nkhv[%llu.%6llu%7s", &s, &us, tail), 3);
	assert_string_equal(tail, "]:");
	assert_true(buf[5] >= '0' && buf[5] <= '9');
	t = (uint64_t)s * 1000000000u + us * 1000u;
	assert_true(t >= t0 / 1000 * 1000 && t <= t1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stamp_format),
		cmocka_unit_test(test_stamp_now),
	};

	return cmocka_run_group_tests_name("nkhv_log", tests, NULL, NULL);
}
