// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DLT encoder of tools/dlt: the bytes of a message against the
 * format (storage header, standard header big-endian, extended header,
 * verbose arguments little-endian), the type mapping, the cut of large
 * payloads, pass-through and its checks, the clock mapping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../tools/dlt/ed_dlt.h"

static unsigned char buf[ED_DLT_BUF_MAX];

static struct ed_dlt_ids ids(void)
{
	struct ed_dlt_ids i;

	ed_dlt_default_ids(&i, "IDC1", "boot", "RTOS", NULL);
	return i;
}

static uint32_t be16(const unsigned char *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static void test_text_record(void **state)
{
	static const unsigned char want[] = {
		'D', 'L', 'T', 1, /* storage header */
		0x0c, 0, 0, 0, /* 12 s (little-endian) */
		0x4e, 0x46, 0x05, 0, /* 345678 us */
		'I', 'D', 'C', '1',
		0x35, 7, 0, 31, /* HTYP, counter = seq, length 31 */
		'I', 'D', 'C', '1',
		0, 1, 0xe2, 0x40, /* 12.3456 s in 0.1 ms: 123456 */
		0x31, 1, /* verbose log warn, 1 argument */
		'R', 'T', 'O', 'S', 'b', 'o', 'o', 't',
		0, 0x82, 0, 0, 3, 0, 'h', 'i', 0, /* UTF-8 string "hi" */
	};
	struct ed_dlt_ids i = ids();
	struct ed_dlt_clock c = { 0 };
	size_t n;

	(void)state;
	n = ed_dlt_record(buf, &i, &c, 0x13, 263, 12345678901ull, "hi", 2);
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(ed_dlt_check(buf + 16, n - 16, NULL), 0);
}

static void test_binary_and_clock(void **state)
{
	struct ed_dlt_ids i = ids();
	struct ed_dlt_clock c = { .offset_ns = 1700000000ll * 1000000000ll };
	const unsigned char bin[] = { 'a', 0, 'b' };
	size_t n;

	(void)state;
	n = ed_dlt_record(buf, &i, &c, 1, 0, 2500000000ull, bin, 3);
	/* 1700000002.5 s: the storage header's seconds and microseconds. */
	assert_int_equal(buf[4] | buf[5] << 8 | buf[6] << 16 |
				 (uint32_t)buf[7] << 24,
			 1700000002u);
	assert_int_equal(buf[8] | buf[9] << 8 | buf[10] << 16, 500000);
	assert_int_equal(buf[28], 0x41); /* log info */
	/* A NUL makes it raw: type info RAWD, 3 bytes. */
	assert_memory_equal(buf + 38, "\x00\x04\x00\x00\x03\x00" "a\0b", 9);
	assert_int_equal(n, 38 + 9);
	assert_int_equal(ed_dlt_check(buf + 16, n - 16, NULL), 0);
	/* A clock before the producer's 0 stops at 0. */
	c.offset_ns = -5000000000ll;
	ed_dlt_record(buf, &i, &c, 1, 0, 1000, "x", 1);
	assert_memory_equal(buf + 4, "\0\0\0\0\0\0\0\0", 8);
	assert_int_equal(ed_dlt_clock_parse("uptime", &c), 0);
	assert_int_equal(c.offset_ns, 0);
	assert_int_equal(ed_dlt_clock_parse("1.5", &c), 0);
	assert_int_equal(c.offset_ns, 1500000000ll);
	assert_int_equal(ed_dlt_clock_parse("wall", &c), 0);
	assert_true(c.offset_ns > 0);
	assert_int_equal(ed_dlt_clock_parse("soon", &c), -1);
	assert_int_equal(ed_dlt_clock_parse("", &c), -1);
}

static void test_type_map(void **state)
{
	unsigned int mstp, mtin, t;

	(void)state;
	for (t = 0x11; t <= 0x16; t++) {
		ed_dlt_map_type(t, &mstp, &mtin);
		assert_int_equal(mstp, ED_DLT_MSTP_LOG);
		assert_int_equal(mtin, t - 0x10);
	}
	ed_dlt_map_type(0x21, &mstp, &mtin);
	assert_int_equal(mstp, ED_DLT_MSTP_APP_TRACE);
	assert_int_equal(mtin, 1);
	ed_dlt_map_type(0x32, &mstp, &mtin);
	assert_int_equal(mstp, ED_DLT_MSTP_NW_TRACE);
	assert_int_equal(mtin, 2);
	ed_dlt_map_type(0xfffe, &mstp, &mtin);
	assert_int_equal(mstp, ED_DLT_MSTP_LOG);
	assert_int_equal(mtin, ED_DLT_LOG_INFO);
}

/* 1 MiB of text: one message of at most 64 KiB, cut at a character. */
static void test_huge_cut(void **state)
{
	struct ed_dlt_ids i = ids();
	unsigned char *big = malloc(1 << 20);
	size_t n, k;

	(void)state;
	assert_non_null(big);
	for (k = 0; k + 3 <= (1u << 20); k += 3)
		memcpy(big + k, "\xe2\x82\xac", 3); /* the euro sign */
	n = ed_dlt_record(buf, &i, NULL, 1, 0, 0, big, (uint32_t)k);
	assert_true(n <= ED_DLT_BUF_MAX);
	assert_int_equal(be16(buf + 18), n - 16);
	assert_int_equal(ed_dlt_check(buf + 16, n - 16, NULL), 0);
	assert_int_equal(buf[29], 2); /* the text and the note */
	/* The text argument is valid UTF-8: a multiple of 3 bytes. */
	k = (size_t)(buf[42] | buf[43] << 8) - 1u;
	assert_int_equal(k % 3, 0);
	assert_true(ed_dlt_utf8_valid(buf + 44, k));
	assert_non_null(memmem(buf, n, "[cut: ", 6));
	free(big);
}

static void test_passthrough(void **state)
{
	unsigned char m[64] = { 0x35, 9, 0, 0, 'R', 'T', 'O', 'S', 0, 0, 0,
				42, 0x41, 1, 'R', 'T', 'O', 'S', 'L', 'O',
				'G', 0, 0, 0x82, 0, 0, 3, 0, 'o', 'k', 0 };
	struct ed_dlt_ids i = ids();
	const char *why;
	size_t n;

	(void)state;
	m[3] = 31;
	n = ed_dlt_record(buf, &i, NULL, ED_DLT_TYPE_PASSTHROUGH, 0, 0, m, 31);
	assert_int_equal(n, 16 + 31);
	assert_memory_equal(buf + 12, "RTOS", 4); /* the message's ECU */
	assert_memory_equal(buf + 16, m, 31);
	/* The length field lies: an error message with the bytes. */
	m[3] = 30;
	assert_int_equal(ed_dlt_check(m, 31, &why), -1);
	assert_non_null(strstr(why, "length field"));
	n = ed_dlt_record(buf, &i, NULL, ED_DLT_TYPE_PASSTHROUGH, 0, 0, m, 31);
	assert_int_equal(buf[28], 0x21); /* log error */
	assert_int_equal(ed_dlt_check(buf + 16, n - 16, NULL), 0);
	assert_non_null(memmem(buf, n, "not a DLT message", 17));
	/* The argument runs past the end. */
	m[3] = 31;
	m[26] = 9;
	assert_int_equal(ed_dlt_check(m, 31, &why), -1);
	m[26] = 3;
	/* Unknown argument type, bytes after the last argument. */
	m[23] = 0xc2; /* a structure (STRU) */
	assert_int_equal(ed_dlt_check(m, 31, &why), -1);
	m[23] = 0x82;
	assert_int_equal(ed_dlt_check(m, 30, &why), -1);
	m[3] = 32;
	assert_int_equal(ed_dlt_check(m, 32, &why), -1);
	assert_non_null(strstr(why, "after the last"));
	/* Too short for the headers it announces; not version 1. */
	assert_int_equal(ed_dlt_check(m, 3, &why), -1);
	m[0] = 0x15;
	m[3] = 31;
	assert_int_equal(ed_dlt_check(m, 31, &why), -1);
}

static void test_loss(void **state)
{
	struct ed_dlt_ids i = ids();
	size_t n;

	(void)state;
	n = ed_dlt_loss(buf, &i, NULL, "boot", 5, 10, 3, "dropped", 7);
	assert_int_equal(buf[28], 0x31); /* log warn */
	assert_non_null(memmem(buf, n, "lost 3 records, seq 10..12 (dropped)",
			       36));
	n = ed_dlt_loss(buf, &i, NULL, "boot", 5, 10, 0, "reset", 7);
	assert_non_null(memmem(buf, n, "new ring (epoch 7)", 18));
	assert_int_equal(ed_dlt_check(buf + 16, n - 16, NULL), 0);
}

static void test_ids(void **state)
{
	struct ed_dlt_ids i;

	(void)state;
	ed_dlt_default_ids(&i, NULL, "signals", NULL, "");
	assert_memory_equal(i.ecu, "ECU1", 4);
	assert_memory_equal(i.app, "EDAT", 4);
	assert_memory_equal(i.ctx, "sign", 4);
	ed_dlt_default_ids(&i, "E", "ab", "A", "C");
	assert_memory_equal(i.ecu, "E\0\0\0", 4);
	assert_memory_equal(i.ctx, "C\0\0\0", 4);
	ed_dlt_default_ids(&i, NULL, "ab", NULL, NULL);
	assert_memory_equal(i.ctx, "ab\0\0", 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_record),
		cmocka_unit_test(test_binary_and_clock),
		cmocka_unit_test(test_type_map),
		cmocka_unit_test(test_huge_cut),
		cmocka_unit_test(test_passthrough),
		cmocka_unit_test(test_loss),
		cmocka_unit_test(test_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
