// SPDX-License-Identifier: GPL-2.0-only
/*
 * CRC32C by folding with VPCLMULQDQ on 256-bit registers (x86-64, user
 * space: a kernel would have to save the vector state around it).
 *
 * Read the bits of a message in order as the coefficients of a
 * polynomial M, first bit highest; the CRC register after it (from 0,
 * no inversion) is M * x^32 mod P. A 128-bit piece A followed by T more
 * bits adds A * x^(T+32) to it, so A may be dropped and any B congruent
 * to A * x^D XORed into the 128 bits that start D bits later: they add
 * the same. With A = L * x^64 + H (L its first 8 bytes, H the next 8),
 *	B = L * (x^(D+32) mod P) * x^32 + H * (x^(D-32) mod P) * x^32
 * is such a value and fits in 128 bits. In the reflected bit order of
 * the CRC (bit 0 of the first byte is the highest power) each term is
 * one carry-less 64 x 33-bit product, the constant being x^(D +- 32)
 * mod P in that order shifted left by one: the product of two reflected
 * numbers comes out one bit short of the 128-bit reflected form.
 *
 * Four 256-bit accumulators (eight 128-bit lanes) take 128 bytes a step
 * and are folded over 1024 bits each step, so the multiplications of
 * one step do not wait for each other. At the end the accumulators are
 * folded into the last one, 256 bits at a time, its two lanes into one,
 * and the crc32 instruction turns those 128 bits into the register
 * (it computes M * x^32 mod P of what it is given).
 */
#include <immintrin.h>

#include "crc32c_fold.h"

#define FOLD_TARGET __attribute__((target("avx2,pclmul,vpclmulqdq,sse4.2")))

/* Folding constants for 1024, 256 and 128 bits: x^(D+32), x^(D-32). */
static nku64_f k1024[2], k256[2], k128[2];

/* x^n mod P in the reflected order (bit 31 is x^0). */
static nku32_f xpow(nku32_f n)
{
	nku32_f v = 0x80000000u;

	for (; n != 0u; n--)
		v = (v >> 1) ^ (0x82f63b78u & (0u - (v & 1u)));
	return v;
}

static void fold_constants(nku64_f k[2], nku32_f d)
{
	k[0] = (nku64_f)xpow(d + 32u) << 1;
	k[1] = (nku64_f)xpow(d - 32u) << 1;
}

/*
 * PCLMULQDQ (CPUID 1 ECX bit 1), AVX (bit 28) with the OS saving the
 * vector state (OSXSAVE, bit 27, and XCR0 bits 1 and 2), AVX2 (CPUID 7
 * EBX bit 5) and VPCLMULQDQ (CPUID 7 ECX bit 10).
 */
int ed_crc_fold_init(void)
{
	unsigned int a = 1, b, c = 0, d, xcr0_lo, xcr0_hi;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if ((c & (1u << 1)) == 0u || (c & (1u << 27)) == 0u ||
	    (c & (1u << 28)) == 0u)
		return 0;
	__asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0u));
	(void)xcr0_hi;
	if ((xcr0_lo & 6u) != 6u)
		return 0;
	a = 0;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if (a < 7u)
		return 0;
	a = 7;
	c = 0;
	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	if ((b & (1u << 5)) == 0u || (c & (1u << 10)) == 0u)
		return 0;
	fold_constants(k1024, 1024u);
	fold_constants(k256, 256u);
	fold_constants(k128, 128u);
	return 1;
}

static inline FOLD_TARGET __m256i both_lanes(const nku64_f k[2])
{
	return _mm256_set_epi64x((long long)k[1], (long long)k[0],
				 (long long)k[1], (long long)k[0]);
}

/* Each lane of a moved forward by the distance k is for. */
static inline FOLD_TARGET __m256i fold256(__m256i a, __m256i k)
{
	return _mm256_xor_si256(_mm256_clmulepi64_epi128(a, k, 0x00),
				_mm256_clmulepi64_epi128(a, k, 0x11));
}

static inline __attribute__((always_inline)) FOLD_TARGET nku32_f
fold_run(nku32_f crc, nku8_f *d, const nku8_f *p, nku64_f n, int copy)
{
	const __m256i k = both_lanes(k1024);
	__m256i a0, a1, a2, a3, x0, x1, x2, x3;
	__m128i r, lo;
	nku64_f i, c;

	a0 = _mm256_loadu_si256((const __m256i *)p);
	a1 = _mm256_loadu_si256((const __m256i *)(p + 32));
	a2 = _mm256_loadu_si256((const __m256i *)(p + 64));
	a3 = _mm256_loadu_si256((const __m256i *)(p + 96));
	if (copy) {
		_mm256_storeu_si256((__m256i *)d, a0);
		_mm256_storeu_si256((__m256i *)(d + 32), a1);
		_mm256_storeu_si256((__m256i *)(d + 64), a2);
		_mm256_storeu_si256((__m256i *)(d + 96), a3);
	}
	/* The register so far goes into the first 32 bits. */
	a0 = _mm256_xor_si256(a0,
			      _mm256_set_epi32(0, 0, 0, 0, 0, 0, 0, (int)crc));
	for (i = 128; i < n; i += 128u) {
		x0 = _mm256_loadu_si256((const __m256i *)(p + i));
		x1 = _mm256_loadu_si256((const __m256i *)(p + i + 32));
		x2 = _mm256_loadu_si256((const __m256i *)(p + i + 64));
		x3 = _mm256_loadu_si256((const __m256i *)(p + i + 96));
		if (copy) {
			_mm256_storeu_si256((__m256i *)(d + i), x0);
			_mm256_storeu_si256((__m256i *)(d + i + 32), x1);
			_mm256_storeu_si256((__m256i *)(d + i + 64), x2);
			_mm256_storeu_si256((__m256i *)(d + i + 96), x3);
		}
		a0 = _mm256_xor_si256(fold256(a0, k), x0);
		a1 = _mm256_xor_si256(fold256(a1, k), x1);
		a2 = _mm256_xor_si256(fold256(a2, k), x2);
		a3 = _mm256_xor_si256(fold256(a3, k), x3);
	}
	a1 = _mm256_xor_si256(a1, fold256(a0, both_lanes(k256)));
	a2 = _mm256_xor_si256(a2, fold256(a1, both_lanes(k256)));
	a3 = _mm256_xor_si256(a3, fold256(a2, both_lanes(k256)));
	lo = _mm256_castsi256_si128(a3);
	r = _mm_set_epi64x((long long)k128[1], (long long)k128[0]);
	r = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(lo, r, 0x00),
					_mm_clmulepi64_si128(lo, r, 0x11)),
			  _mm256_extracti128_si256(a3, 1));
	c = _mm_crc32_u64(0, (nku64_f)_mm_cvtsi128_si64(r));
	c = _mm_crc32_u64(c, (nku64_f)_mm_extract_epi64(r, 1));
	return (nku32_f)c;
}

FOLD_TARGET nku32_f ed_crc_fold(nku32_f crc, const nku8_f *p, nku64_f n)
{
	return fold_run(crc, (nku8_f *)0, p, n, 0);
}

FOLD_TARGET nku32_f ed_crc_fold_copy(nku32_f crc, nku8_f *d, const nku8_f *p,
				     nku64_f n)
{
	return fold_run(crc, d, p, n, 1);
}
