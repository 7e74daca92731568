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
 *
 * The folding keeps the vector unit busy and leaves the crc32
 * instruction's unit idle, so buffers of a chunk or more are cut into
 * chunks whose first part is folded while three crc32 streams take the
 * three parts after it in the same loop (hyb_chunk). A CRC register c
 * followed by L more bytes is c * x^(8L) mod P: one carry-less product
 * with a constant and one crc32 instruction (hyb_append), which joins
 * the four results. On a hot 64 KiB block this is about 1.4 times the
 * folding alone for the CRC, 1.1 times with the copy.
 */
#include <immintrin.h>

#include "crc32c_fold.h"

#define FOLD_TARGET __attribute__((target("avx2,pclmul,vpclmulqdq,sse4.2")))

/* Folding constants for 1024, 256 and 128 bits: x^(D+32), x^(D-32). */
static nku64_f k1024[2], k256[2], k128[2];

/*
 * The hybrid loop: a chunk of HYB_ITER steps, each folding 128 bytes of
 * the chunk's first part and taking `scalar` bytes of each of the three
 * parts after it with the crc32 instruction, which runs beside the
 * vector unit. The CRC alone loads those bytes 8 at a time (40 a step);
 * with the copy they come 32 at a time through a vector register, stored
 * from it and taken apart for the crc32 instruction (32 a step): eight
 * scalar stores a step more held the copy back. hyb_shift[copy][k]:
 * x^(8 * (k + 1) * part - 32), the multipliers that join the four CRCs.
 */
#define HYB_ITER 16u
#define HYB_SCALAR(copy) ((copy) ? 32u : 40u)
#define HYB_PART(copy) (HYB_ITER * HYB_SCALAR(copy))
#define HYB_CHUNK(copy) (HYB_ITER * ED_CRC_FOLD_BLOCK + 3u * HYB_PART(copy))
static nku64_f hyb_shift[2][3];

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
	unsigned int a = 1, b, c = 0, d, xcr0_lo, xcr0_hi, i, k;

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
	for (i = 0; i < 2; i++)
		for (k = 0; k < 3; k++)
			hyb_shift[i][k] =
				(nku64_f)xpow(8u * (k + 1u) * HYB_PART(i) - 32u)
				<< 1;
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

#define FOLD_INLINE inline __attribute__((always_inline))

/* Four accumulators: 128 bytes of the message not yet reduced. */
struct acc {
	__m256i a0, a1, a2, a3;
};

static FOLD_INLINE FOLD_TARGET __m256i load(const nku8_f *p, nku8_f *d,
					    int copy)
{
	__m256i x = _mm256_loadu_si256((const __m256i *)p);

	if (copy)
		_mm256_storeu_si256((__m256i *)d, x);
	return x;
}

/* The first 128 bytes, with the register so far in their first 32 bits. */
static FOLD_INLINE FOLD_TARGET void
fold_begin(struct acc *s, nku32_f crc, nku8_f *d, const nku8_f *p, int copy)
{
	s->a0 = _mm256_xor_si256(
		load(p, d, copy),
		_mm256_set_epi32(0, 0, 0, 0, 0, 0, 0, (int)crc));
	s->a1 = load(p + 32, d + 32, copy);
	s->a2 = load(p + 64, d + 64, copy);
	s->a3 = load(p + 96, d + 96, copy);
}

/* The next 128 bytes: each accumulator folded over them and added. */
static FOLD_INLINE FOLD_TARGET void
fold_step(struct acc *s, __m256i k, nku8_f *d, const nku8_f *p, int copy)
{
	s->a0 = _mm256_xor_si256(fold256(s->a0, k), load(p, d, copy));
	s->a1 = _mm256_xor_si256(fold256(s->a1, k), load(p + 32, d + 32, copy));
	s->a2 = _mm256_xor_si256(fold256(s->a2, k), load(p + 64, d + 64, copy));
	s->a3 = _mm256_xor_si256(fold256(s->a3, k), load(p + 96, d + 96, copy));
}

/* The register after the bytes folded so far. */
static FOLD_INLINE FOLD_TARGET nku32_f fold_end(const struct acc *s)
{
	const __m256i k = both_lanes(k256);
	__m256i a;
	__m128i r, lo;
	nku64_f c;

	a = _mm256_xor_si256(s->a1, fold256(s->a0, k));
	a = _mm256_xor_si256(s->a2, fold256(a, k));
	a = _mm256_xor_si256(s->a3, fold256(a, k));
	lo = _mm256_castsi256_si128(a);
	r = _mm_set_epi64x((long long)k128[1], (long long)k128[0]);
	r = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(lo, r, 0x00),
					_mm_clmulepi64_si128(lo, r, 0x11)),
			  _mm256_extracti128_si256(a, 1));
	c = _mm_crc32_u64(0, (nku64_f)_mm_cvtsi128_si64(r));
	c = _mm_crc32_u64(c, (nku64_f)_mm_extract_epi64(r, 1));
	return (nku32_f)c;
}

static FOLD_INLINE FOLD_TARGET nku32_f fold_run(nku32_f crc, nku8_f *d,
						const nku8_f *p, nku64_f n,
						int copy)
{
	const __m256i k = both_lanes(k1024);
	struct acc s;
	nku64_f i;

	fold_begin(&s, crc, d, p, copy);
	for (i = ED_CRC_FOLD_BLOCK; i < n; i += ED_CRC_FOLD_BLOCK)
		fold_step(&s, k, d + i, p + i, copy);
	return fold_end(&s);
}

/* The register c followed by the bytes hyb_shift[copy][k] stands for. */
static FOLD_INLINE FOLD_TARGET nku64_f hyb_append(nku64_f c, int copy, int k)
{
	__m128i x = _mm_clmulepi64_si128(
		_mm_cvtsi64_si128((long long)c),
		_mm_cvtsi64_si128((long long)hyb_shift[copy][k]), 0x00);

	return _mm_crc32_u64(0, (nku64_f)_mm_cvtsi128_si64(x));
}

/* 8 bytes of a stream of the crc32 instruction (no copy). */
static FOLD_INLINE FOLD_TARGET nku64_f step8(nku64_f c, const nku8_f *p)
{
	nku64_f v;

	__builtin_memcpy(&v, p, sizeof(v));
	return _mm_crc32_u64(c, v);
}

/* 32 bytes of a stream of the crc32 instruction, copied on the way. */
static FOLD_INLINE FOLD_TARGET nku64_f step32(nku64_f c, nku8_f *d,
					      const nku8_f *p)
{
	__m256i x = _mm256_loadu_si256((const __m256i *)p);
	__m128i lo = _mm256_castsi256_si128(x);
	__m128i hi = _mm256_extracti128_si256(x, 1);

	_mm256_storeu_si256((__m256i *)d, x);
	c = _mm_crc32_u64(c, (nku64_f)_mm_cvtsi128_si64(lo));
	c = _mm_crc32_u64(c, (nku64_f)_mm_extract_epi64(lo, 1));
	c = _mm_crc32_u64(c, (nku64_f)_mm_cvtsi128_si64(hi));
	return _mm_crc32_u64(c, (nku64_f)_mm_extract_epi64(hi, 1));
}

/*
 * Step i of a chunk asks for lines [4i, 4i + 4) of the next one: the
 * chunk reads four streams of at most 2 KiB, too short for the hardware
 * prefetcher to follow when the data comes from memory (a backlog). The
 * 64 lines asked for reach up to 512 bytes past the next chunk, into
 * what is folded after it or beyond the buffer: a prefetch never faults.
 */
static FOLD_INLINE void prefetch_next(const nku8_f *next, nku64_f i)
{
	__builtin_prefetch(next + 256u * i);
	__builtin_prefetch(next + 256u * i + 64u);
	__builtin_prefetch(next + 256u * i + 128u);
	__builtin_prefetch(next + 256u * i + 192u);
}

/*
 * One chunk of HYB_CHUNK(copy) bytes: its first HYB_ITER * 128 bytes
 * folded, the three parts of HYB_PART(copy) bytes after them through
 * the crc32 instruction in the same loop, the four results then joined.
 */
static FOLD_INLINE FOLD_TARGET nku32_f hyb_chunk(nku32_f crc, nku8_f *d,
						 const nku8_f *p, int more,
						 int copy)
{
	const nku64_f v = HYB_ITER * ED_CRC_FOLD_BLOCK, n = HYB_PART(copy);
	const __m256i k = both_lanes(k1024);
	nku64_f c0 = 0, c1 = 0, c2 = 0, i, j, o;
	struct acc s;

	fold_begin(&s, crc, d, p, copy);
	for (i = 0; i < HYB_ITER; i++) {
		if (more)
			prefetch_next(p + HYB_CHUNK(copy), i);
		if (i != 0u)
			fold_step(&s, k, d + i * ED_CRC_FOLD_BLOCK,
				  p + i * ED_CRC_FOLD_BLOCK, copy);
		for (j = 0; j < HYB_SCALAR(copy); j += copy ? 32u : 8u) {
			o = v + i * HYB_SCALAR(copy) + j;
			if (copy) {
				c0 = step32(c0, d + o, p + o);
				c1 = step32(c1, d + o + n, p + o + n);
				c2 = step32(c2, d + o + 2u * n, p + o + 2u * n);
			} else {
				c0 = step8(c0, p + o);
				c1 = step8(c1, p + o + n);
				c2 = step8(c2, p + o + 2u * n);
			}
		}
	}
	return (nku32_f)(hyb_append(fold_end(&s), copy, 2) ^
			 hyb_append(c0, copy, 1) ^ hyb_append(c1, copy, 0) ^
			 c2);
}

/* Whole chunks by the hybrid loop, the rest (if any) folded. */
static FOLD_INLINE FOLD_TARGET nku32_f crc_run(nku32_f crc, nku8_f *d,
					       const nku8_f *p, nku64_f n,
					       int copy)
{
	for (; n >= HYB_CHUNK(copy); n -= HYB_CHUNK(copy)) {
		crc = hyb_chunk(crc, d, p, n >= 2u * HYB_CHUNK(copy), copy);
		p += HYB_CHUNK(copy);
		d += HYB_CHUNK(copy);
	}
	if (n != 0u)
		crc = fold_run(crc, d, p, n, copy);
	return crc;
}

/* Without copy nothing is stored: d only keeps the arithmetic on it defined. */
FOLD_TARGET nku32_f ed_crc_fold(nku32_f crc, const nku8_f *p, nku64_f n)
{
	return crc_run(crc, (nku8_f *)(nku64_f)p, p, n, 0);
}

FOLD_TARGET nku32_f ed_crc_fold_copy(nku32_f crc, nku8_f *d, const nku8_f *p,
				     nku64_f n)
{
	return crc_run(crc, d, p, n, 1);
}
