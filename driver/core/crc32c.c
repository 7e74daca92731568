// SPDX-License-Identifier: GPL-2.0-only
/*
 * CRC32C (Castagnoli, reflected polynomial 0x82f63b78).
 *
 * On x86-64 with SSE4.2 the crc32 instruction does 8 bytes at a time, as
 * crc32cx does on arm64 with the CRC32 extension (optional in Armv8.0,
 * required from Armv8.1: the ID register says); both work on general
 * registers only, so they are usable in a kernel as well. Their latency
 * is about three times their issue rate, so long buffers are cut into
 * three equal parts whose CRCs run interleaved and are then combined:
 * appending n bytes to a CRC register multiplies it by x^(8n) modulo the
 * polynomial, a linear map applied with four table lookups.
 * Where the build has a folding implementation (ED_CRC_FOLD, crc32c_fold.h)
 * and the CPU runs it, buffers of ED_CRC_FOLD_MIN bytes or more go to it
 * first, a multiple of its block, and the rest to the crc32 instruction.
 * Elsewhere, a table-driven loop taking 8 bytes a step ("slicing by 8";
 * little-endian loads, as every field of the protocol).
 * Tables are built on first use; building them twice concurrently writes
 * the same values, so no lock is needed.
 */
#include <earlydata/ring.h>

#include "ed_port.h"
#ifdef ED_CRC_FOLD
#include "crc32c_fold.h"
#endif

#if defined(__KERNEL__) && defined(__aarch64__)
#include <asm/cpufeature.h>
#endif

#define SHIFT_BIG 4096u /* part length of the 3-way loop for long buffers */
#define SHIFT_SMALL 256u /* ... and for the rest */
#define ED_CRC_FOLD_MIN 256u /* shortest buffer given to ed_crc_fold */

static nku32_f slice[8][256]; /* software: slicing by 8 */
static int tables_ready;

static nku64_f load64(const nku8_f *p)
{
	nku64_f v;

	(void)__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static void store64(nku8_f *p, nku64_f v)
{
	(void)__builtin_memcpy(p, &v, sizeof(v));
}

#if defined(__x86_64__) || defined(__aarch64__)
#define ED_CRC_HW 1
#endif

#if defined(__x86_64__)
static inline nku64_f hw_u64(nku64_f crc, nku64_f v)
{
	__asm__("crc32q %1, %0" : "+r"(crc) : "rm"(v));
	return crc;
}

static inline nku32_f hw_u8(nku32_f crc, nku8_f v)
{
	__asm__("crc32b %1, %0" : "+r"(crc) : "rm"(v));
	return crc;
}

/* SSE4.2 (CPUID leaf 1, ECX bit 20) has the crc32 instruction. */
static int cpu_has_crc(void)
{
	unsigned int a = 1, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return (c >> 20) & 1u;
}
#elif defined(__aarch64__)
static inline nku64_f hw_u64(nku64_f crc, nku64_f v)
{
	nku32_f c = (nku32_f)crc;

	__asm__(".arch_extension crc\n\tcrc32cx %w0, %w0, %x1"
		: "+r"(c)
		: "r"(v));
	return c;
}

static inline nku32_f hw_u8(nku32_f crc, nku8_f v)
{
	__asm__(".arch_extension crc\n\tcrc32cb %w0, %w0, %w1"
		: "+r"(crc)
		: "r"((nku32_f)v));
	return crc;
}

/*
 * The CRC32 extension: in Linux, the kernel's own capability (the same
 * on every CPU); elsewhere ID_AA64ISAR0_EL1.CRC32 (bits 19:16), which
 * Linux lets user space read (it emulates the access) and an RTOS at EL1
 * reads itself.
 */
static int cpu_has_crc(void)
{
#ifdef __KERNEL__
	return cpus_have_const_cap(ARM64_HAS_CRC32) ? 1 : 0;
#else
	nku64_f isar0;

	__asm__ volatile("mrs %0, ID_AA64ISAR0_EL1" : "=r"(isar0));
	return ((isar0 >> 16) & 0xfu) != 0u ? 1 : 0;
#endif
}
#endif

#ifdef ED_CRC_HW
/* shift[k][b]: the CRC register b << 8k advanced over SHIFT_* zero bytes */
static nku32_f shift_big[4][256], shift_small[4][256];
static int hw; /* the CRC instruction is there; set before tables_ready */
#ifdef ED_CRC_FOLD
static int fold; /* ... and ed_crc_fold can run */
#endif

/* The linear map "append `len` zero bytes" as four lookup tables. */
static void build_shift(nku32_f t[4][256], nku32_f len)
{
	nku32_f basis[32], i, k, b;
	nku64_f s;

	for (i = 0; i < 32u; i++) {
		s = (nku64_f)1u << i;
		for (k = 0; k < len; k += 8u)
			s = hw_u64(s, 0);
		basis[i] = (nku32_f)s;
	}
	for (k = 0; k < 4u; k++) {
		t[k][0] = 0;
		for (b = 1; b < 256u; b++)
			t[k][b] = t[k][b & (b - 1u)] ^
				  basis[8u * k + (nku32_f)__builtin_ctz(b)];
	}
}

static inline nku32_f shift(nku32_f t[4][256], nku32_f v)
{
	return t[0][v & 0xffu] ^ t[1][(v >> 8) & 0xffu] ^
	       t[2][(v >> 16) & 0xffu] ^ t[3][v >> 24];
}

/*
 * Three interleaved CRCs over p[0, 3n), combined into one. Each stream is
 * prefetched PREFETCH bytes ahead, a cache line at a time: a backlog read
 * from memory would otherwise wait for each line in turn.
 */
#define PREFETCH 512u
static nku32_f hw_3way(nku32_f crc, const nku8_f *p, nku32_f n,
		       nku32_f t[4][256])
{
	nku64_f a = crc, b = 0, c = 0, i, k;

	for (i = 0; i < n; i += 64u) {
		__builtin_prefetch(p + i + PREFETCH);
		__builtin_prefetch(p + n + i + PREFETCH);
		__builtin_prefetch(p + 2u * n + i + PREFETCH);
		for (k = i; k < i + 64u; k += 8u) {
			a = hw_u64(a, load64(p + k));
			b = hw_u64(b, load64(p + n + k));
			c = hw_u64(c, load64(p + 2u * n + k));
		}
	}
	return shift(t, shift(t, (nku32_f)a) ^ (nku32_f)b) ^ (nku32_f)c;
}

/* hw_3way, storing every 8 bytes it loads at the same offset of d. */
static nku32_f hw_3way_copy(nku32_f crc, nku8_f *d, const nku8_f *p,
			    nku32_f n, nku32_f t[4][256])
{
	nku64_f a = crc, b = 0, c = 0, i, k, va, vb, vc;

	for (i = 0; i < n; i += 64u) {
		__builtin_prefetch(p + i + PREFETCH);
		__builtin_prefetch(p + n + i + PREFETCH);
		__builtin_prefetch(p + 2u * n + i + PREFETCH);
		for (k = i; k < i + 64u; k += 8u) {
			va = load64(p + k);
			vb = load64(p + n + k);
			vc = load64(p + 2u * n + k);
			store64(d + k, va);
			store64(d + n + k, vb);
			store64(d + 2u * n + k, vc);
			a = hw_u64(a, va);
			b = hw_u64(b, vb);
			c = hw_u64(c, vc);
		}
	}
	return shift(t, shift(t, (nku32_f)a) ^ (nku32_f)b) ^ (nku32_f)c;
}

/* hw_crc, copying p to d on the way: each byte is loaded once. */
static nku32_f hw_crc_copy(nku32_f crc, nku8_f *d, const nku8_f *p,
			   nku64_f len)
{
	nku64_f v;

#ifdef ED_CRC_FOLD
	if (fold != 0 && len >= ED_CRC_FOLD_MIN) {
		v = len - (len % ED_CRC_FOLD_BLOCK);
		crc = ed_crc_fold_copy(crc, d, p, v);
		len -= v;
		p = &p[v];
		d = &d[v];
	}
#endif
	for (; len >= 3u * SHIFT_BIG;
	     len -= 3u * SHIFT_BIG, p += 3u * SHIFT_BIG, d += 3u * SHIFT_BIG)
		crc = hw_3way_copy(crc, d, p, SHIFT_BIG, shift_big);
	for (; len >= 3u * SHIFT_SMALL; len -= 3u * SHIFT_SMALL,
	     p += 3u * SHIFT_SMALL, d += 3u * SHIFT_SMALL)
		crc = hw_3way_copy(crc, d, p, SHIFT_SMALL, shift_small);
	for (; len >= 8u; len -= 8u, p += 8u, d += 8u) {
		v = load64(p);
		store64(d, v);
		crc = (nku32_f)hw_u64(crc, v);
	}
	for (; len != 0u; len--) {
		*d = *p;
		crc = hw_u8(crc, *p);
		d++;
		p++;
	}
	return crc;
}

/* CRC register update with the crc32 instruction. */
static nku32_f hw_crc(nku32_f crc, const nku8_f *p, nku64_f len)
{
#ifdef ED_CRC_FOLD
	nku64_f n;

	if (fold != 0 && len >= ED_CRC_FOLD_MIN) {
		n = len - (len % ED_CRC_FOLD_BLOCK);
		crc = ed_crc_fold(crc, p, n);
		len -= n;
		p = &p[n];
	}
#endif
	for (; len >= 3u * SHIFT_BIG;
	     len -= 3u * SHIFT_BIG, p += 3u * SHIFT_BIG)
		crc = hw_3way(crc, p, SHIFT_BIG, shift_big);
	for (; len >= 3u * SHIFT_SMALL;
	     len -= 3u * SHIFT_SMALL, p += 3u * SHIFT_SMALL)
		crc = hw_3way(crc, p, SHIFT_SMALL, shift_small);
	for (; len >= 8u; len -= 8u, p += 8u)
		crc = (nku32_f)hw_u64(crc, load64(p));
	for (; len != 0u; len--)
		crc = hw_u8(crc, *p++);
	return crc;
}
#endif

static void build_tables(void)
{
	nku32_f i, j, c;

	for (i = 0; i < 256u; i++) {
		c = i;
		for (j = 0; j < 8u; j++)
			c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1u)));
		slice[0][i] = c;
	}
	for (i = 0; i < 256u; i++)
		for (j = 1; j < 8u; j++)
			slice[j][i] = (slice[j - 1u][i] >> 8) ^
				      slice[0][slice[j - 1u][i] & 0xffu];
#ifdef ED_CRC_HW
	hw = cpu_has_crc();
	if (hw != 0) {
		build_shift(shift_big, SHIFT_BIG);
		build_shift(shift_small, SHIFT_SMALL);
#ifdef ED_CRC_FOLD
		fold = ed_crc_fold_init();
#endif
	}
#endif
	ed_store_release(&tables_ready, 1);
}

/* Software CRC register update (no pre/post inversion). */
static nku32_f sw_crc(nku32_f crc, const nku8_f *p, nku64_f len)
{
	nku64_f v;

	for (; len >= 8u; len -= 8u, p += 8u) {
		v = load64(p) ^ crc;
		crc = slice[7][v & 0xffu] ^ slice[6][(v >> 8) & 0xffu] ^
		      slice[5][(v >> 16) & 0xffu] ^
		      slice[4][(v >> 24) & 0xffu] ^
		      slice[3][(v >> 32) & 0xffu] ^
		      slice[2][(v >> 40) & 0xffu] ^
		      slice[1][(v >> 48) & 0xffu] ^ slice[0][v >> 56];
	}
	while (len-- != 0u)
		crc = slice[0][(crc ^ *p++) & 0xffu] ^ (crc >> 8);
	return crc;
}

/* sw_crc, copying p to d on the way: each byte is loaded once. */
static nku32_f sw_crc_copy(nku32_f crc, nku8_f *d, const nku8_f *p,
			   nku64_f len)
{
	nku64_f v, w;

	for (; len >= 8u; len -= 8u, p += 8u, d += 8u) {
		w = load64(p);
		store64(d, w);
		v = w ^ crc;
		crc = slice[7][v & 0xffu] ^ slice[6][(v >> 8) & 0xffu] ^
		      slice[5][(v >> 16) & 0xffu] ^
		      slice[4][(v >> 24) & 0xffu] ^
		      slice[3][(v >> 32) & 0xffu] ^
		      slice[2][(v >> 40) & 0xffu] ^
		      slice[1][(v >> 48) & 0xffu] ^ slice[0][v >> 56];
	}
	for (; len != 0u; len--) {
		*d = *p;
		crc = slice[0][(crc ^ *p) & 0xffu] ^ (crc >> 8);
		d++;
		p++;
	}
	return crc;
}

static inline void ready(void)
{
	if (!ed_load_acquire(&tables_ready))
		build_tables();
}

nku32_f ed_crc32c(nku32_f crc, const void *buf, nku64_f len)
{
	ready();
#ifdef ED_CRC_HW
	if (hw != 0)
		return ~hw_crc(~crc, buf, len);
#endif
	return ~sw_crc(~crc, buf, len);
}

nku32_f ed_crc32c_copy(nku32_f crc, void *dst, const void *src, nku64_f len)
{
	ready();
#ifdef ED_CRC_HW
	if (hw != 0)
		return ~hw_crc_copy(~crc, dst, src, len);
#endif
	return ~sw_crc_copy(~crc, dst, src, len);
}

const char *ed_crc32c_impl(void)
{
	ready();
#ifdef ED_CRC_HW
	if (hw != 0) {
#ifdef ED_CRC_FOLD
		if (fold != 0)
			return "VPCLMULQDQ folding beside crc32 streams";
#endif
#if defined(__x86_64__)
		return "crc32 instruction (SSE4.2), 3 streams";
#else
		return "crc32cx (CRC32 extension), 3 streams";
#endif
	}
#endif
	return "tables, slicing by 8";
}

/* The three header words go through the CRC from registers. */
nku32_f ed_rec_crc_copy(nku64_f word0, nku64_f seq, nku64_f ts_ns, void *dst,
			const void *src, nku32_f len)
{
	ready();
#ifdef ED_CRC_HW
	if (hw != 0) {
		nku64_f c = 0xffffffffu;

		c = hw_u64(c, word0);
		c = hw_u64(c, seq);
		c = hw_u64(c, ts_ns);
		return ~hw_crc_copy((nku32_f)c, dst, src, len);
	}
#endif
	{
		nku8_f w[24];

		store64(w, word0);
		store64(w + 8, seq);
		store64(w + 16, ts_ns);
		return ~sw_crc_copy(sw_crc(0xffffffffu, w, 24u), dst, src,
				    len);
	}
}

nku32_f ed_rec_crc(const struct ed_rec_hdr *h, const void *payload)
{
	nku32_f crc = ed_crc32c(0, h, 24);

	if (h->type == ED_REC_TYPE_PAD)
		return crc;
	return ed_crc32c(crc, payload, h->len);
}
