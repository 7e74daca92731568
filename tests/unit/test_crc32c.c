// SPDX-License-Identifier: GPL-2.0-only
/*
 * CRC32C: the known check value, and ed_crc32c_copy (the one-pass copy
 * and CRC of the record paths) against ed_crc32c and memcpy for every
 * length up to a few of the 3-way loop's blocks, at every alignment of
 * source and destination, continuing from a non-zero CRC; and ed_crc32c
 * against a bit-at-a-time reference at lengths that take each of its
 * paths (the CRC instruction 8 bytes at a time, the 3-way loops and
 * their combination, or the tables where the CPU has no CRC
 * instruction), so that the x86-64 and arm64 instruction paths are each
 * checked on their own. Where the build has the folding code
 * (ED_CRC_FOLD) it is also checked on its own against the reference,
 * copying and not, at every length it takes up to 4 KiB and a few
 * beyond, every source alignment and from several registers; on a CPU
 * that cannot run it that test is reported as skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <earlydata/ring.h>
#ifdef ED_CRC_FOLD
#include "crc32c_fold.h"
#endif

static void test_check_value(void **state)
{
	(void)state;
	/* The CRC-32C check value of "123456789" (RFC 3720, B.4). */
	assert_int_equal(ed_crc32c(0, "123456789", 9), 0xe3069283u);
}

/* CRC32C one bit at a time: the definition. */
static uint32_t reference(uint32_t crc, const unsigned char *p, size_t n)
{
	int k;

	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static void test_reference(void **state)
{
	enum { MAX = 3 * 4096 * 3 + 3 * 256 * 2 + 100 };
	unsigned char *src = malloc(MAX);
	size_t len, a, i;

	(void)state;
	assert_non_null(src);
	for (i = 0; i < MAX; i++)
		src[i] = (unsigned char)(i * 197u + (i >> 5) + 7u);
	for (len = 0; len + 8 <= MAX; len += len < 100 ? 1 : 499)
		for (a = 0; a < 8; a += 3)
			assert_int_equal(ed_crc32c(0xdeadbeefu, src + a, len),
					 reference(0xdeadbeefu, src + a, len));
	free(src);
}

static void test_copy_matches(void **state)
{
	enum { MAX = 3 * 4096 * 2 + 3 * 256 + 100 };
	unsigned char *src = malloc(MAX + 16), *dst = malloc(MAX + 32);
	size_t len, a, b, i;

	(void)state;
	assert_non_null(src);
	assert_non_null(dst);
	for (i = 0; i < MAX + 16; i++)
		src[i] = (unsigned char)(i * 131u + (i >> 7));
	for (len = 0; len < MAX; len += len < 300 ? 1 : 997) {
		for (a = 0; a < 8; a += len < 300 ? 1 : 3) {
			b = (a * 5) % 8;
			memset(dst, 0xa5, MAX + 32);
			assert_int_equal(ed_crc32c_copy(0x1234u, dst + b,
							src + a, len),
					 ed_crc32c(0x1234u, src + a, len));
			assert_memory_equal(dst + b, src + a, len);
			/* Nothing written outside [b, b + len). */
			for (i = 0; i < b; i++)
				assert_int_equal(dst[i], 0xa5);
			assert_int_equal(dst[b + len], 0xa5);
		}
	}
	free(src);
	free(dst);
}

#ifdef ED_CRC_FOLD
/* The register (not inverted) after p[0, n) from crc: the definition. */
static uint32_t reg_reference(uint32_t crc, const unsigned char *p, size_t n)
{
	return ~reference(~crc, p, n);
}

static void test_fold(void **state)
{
	enum { MAX = 70000 };
	static const uint32_t from[] = { 0, 0xffffffffu, 0x80000001u };
	unsigned char *src = malloc(MAX + 64), *dst = malloc(MAX + 128);
	size_t n, a, f, i;
	uint32_t want;

	(void)state;
	if (!ed_crc_fold_init()) {
		free(src);
		free(dst);
		skip();
	}
	assert_non_null(src);
	assert_non_null(dst);
	srand(7);
	for (i = 0; i < MAX + 64; i++)
		src[i] = (unsigned char)rand();
	for (n = ED_CRC_FOLD_BLOCK; n < MAX;
	     n += n < 4096 ? ED_CRC_FOLD_BLOCK : 16 * ED_CRC_FOLD_BLOCK) {
		for (a = 0; a < 64; a += n < 1024 ? 1 : 13) {
			f = (n / ED_CRC_FOLD_BLOCK + a) % 3;
			want = reg_reference(from[f], src + a, n);
			assert_int_equal(ed_crc_fold(from[f], src + a, n),
					 want);
			memset(dst, 0x5a, MAX + 128);
			assert_int_equal(ed_crc_fold_copy(from[f], dst + 64 - a,
							  src + a, n),
					 want);
			assert_memory_equal(dst + 64 - a, src + a, n);
			for (i = 0; i < 64 - a; i++)
				assert_int_equal(dst[i], 0x5a);
			assert_int_equal(dst[64 - a + n], 0x5a);
		}
	}
	free(src);
	free(dst);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_value),
		cmocka_unit_test(test_reference),
		cmocka_unit_test(test_copy_matches),
#ifdef ED_CRC_FOLD
		cmocka_unit_test(test_fold),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
