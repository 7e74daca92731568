/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the OS-agnostic core needs from its environment: memory ordering
 * for shared memory, and bounded copies. In the Linux kernel these are the
 * kernel's own primitives (READ_ONCE, smp_load_acquire, smp_rmb, ...);
 * elsewhere (user space, an RTOS) the compiler's __atomic builtins, which
 * compile to the same instructions on arm64 and x86-64.
 *
 * Every barrier in the core carries a label such as [P3] or [C5] naming
 * the barrier it pairs with; docs/earlydata-protocol.md section 7 lists
 * the pairs.
 */
#ifndef ED_PORT_H
#define ED_PORT_H

#include <nk/nktypes.h>

#ifdef __KERNEL__
#include <linux/compiler.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <asm/barrier.h>

#define ed_load(p) READ_ONCE(*(p))
#define ed_store(p, v) WRITE_ONCE(*(p), (v))
#define ed_load_acquire(p) smp_load_acquire(p)
#define ed_store_release(p, v) smp_store_release((p), (v))
#define ed_mb() smp_mb()
#define ed_rmb() smp_rmb()
#define ed_wmb() smp_wmb()
#define ed_barrier() barrier()
#define ed_memcpy(d, s, n) ((void)memcpy((d), (s), (n)))
#define ed_memset(d, c, n) ((void)memset((d), (c), (n)))
#define ed_always_inline __always_inline

#else /* !__KERNEL__ */

/* NULL; stddef.h is one of the compiler's freestanding headers, not libc. */
#include <stddef.h>

/* Shared-memory accesses: each is one access, never torn or merged. */
#define ed_load(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define ed_store(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define ed_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define ed_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
/* Full barrier: a store before it is visible before any load after it. */
#define ed_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
/* Loads before it are done before loads after it (arm64: dmb ishld). */
#define ed_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
/* Stores before it are visible before stores after it (arm64: dmb ish). */
#define ed_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
/* Compiler barrier: no access is moved across, nothing re-loaded. */
#define ed_barrier() __asm__ __volatile__("" ::: "memory")
#define ed_memcpy(d, s, n) ((void)__builtin_memcpy((d), (s), (n)))
#define ed_memset(d, c, n) ((void)__builtin_memset((d), (c), (n)))
/* The per-record steps of the write and read paths: one body, no calls. */
#define ed_always_inline inline __attribute__((always_inline))

#endif /* __KERNEL__ */

#if defined(__SANITIZE_THREAD__)
#define ED_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ED_TSAN 1
#endif
#endif

/*
 * Copy bytes the peer may be writing at the same time (a record being
 * overwritten by an overwrite-oldest producer) into private memory. The
 * copy is validated afterwards (CRC, then a re-check of the tail): what
 * matters is that it is taken once, so the compiler barrier keeps the
 * compiler from reading the shared bytes again instead of the copy.
 * ThreadSanitizer builds copy word by word with relaxed atomic loads: the
 * race is by design and each side's accesses are then atomic.
 */
static inline void ed_copy_from_shared(void *dst, const void *src, nku64_f n)
{
#ifdef ED_TSAN
	nku8_f *d = (nku8_f *)dst;
	const nku8_f *s = (const nku8_f *)src;
	nku64_f i;

	for (i = 0; i < n; i++)
		d[i] = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
#else
	ed_memcpy(dst, src, n);
#endif
	ed_barrier();
}

/* Write bytes the peer may be reading (a record, before it is published). */
static inline void ed_copy_to_shared(void *dst, const void *src, nku64_f n)
{
#ifdef ED_TSAN
	nku8_f *d = (nku8_f *)dst;
	const nku8_f *s = (const nku8_f *)src;
	nku64_f i;

	for (i = 0; i < n; i++)
		__atomic_store_n(&d[i], s[i], __ATOMIC_RELAXED);
#else
	ed_memcpy(dst, src, n);
#endif
}

/* Zero bytes of the shared area (record padding). */
static inline void ed_zero_shared(void *dst, nku64_f n)
{
#ifdef ED_TSAN
	nku8_f *d = (nku8_f *)dst;
	nku64_f i;

	for (i = 0; i < n; i++)
		__atomic_store_n(&d[i], (nku8_f)0, __ATOMIC_RELAXED);
#else
	ed_memset(dst, 0, n);
#endif
}

/*
 * Interleaving points for the unit tests (tests/unit/test_ring_races.c),
 * which build the core with ED_TEST_HOOKS to let the other end run at
 * exactly these places; nothing in other builds.
 */
#define ED_HOOK_LOOK_EPOCH 1 /* consumer: epoch checked, head not loaded */
#define ED_HOOK_LOOK_HEADTAIL 2 /* consumer: head and tail loaded */
#define ED_HOOK_ATTACH_FIELDS 3 /* consumer: header fields read */
#define ED_HOOK_CHECK_COPIED 4 /* consumer: payload copied, not checked */
#define ED_HOOK_RECLAIM_LIMIT 5 /* producer: read_pos loaded for reclaim */
#define ED_HOOK_ATTACH_EPOCH 6 /* consumer: header epoch read, fields not */
#define ED_HOOK_BATCH_RESERVED 7 /* producer: a batch's record reserved */
#ifdef ED_TEST_HOOKS
extern void (*ed_test_hook)(int point);
#define ED_HOOK(n)                       \
	do {                             \
		if (ed_test_hook)        \
			ed_test_hook(n); \
	} while (0)
#else
#define ED_HOOK(n) \
	do {       \
	} while (0)
#endif

/*
 * The notifying half of a wait/notify handshake: after our stores, a full
 * barrier, then did the peer arm a wait (bump *gen) since we last notified
 * it? Counts the XIRQ as sent or suppressed in st. The barrier is [P7]
 * (producer, pairs with [C8]) or [C9] (consumer, pairs with [P8]).
 */
#define ed_gen_notify(gen, notified, st, notify)   \
	do {                                       \
		nku32_f g_;                        \
		ed_mb();                           \
		g_ = ed_load(gen);                 \
		if (g_ != *(notified)) {           \
			*(notified) = g_;          \
			*(notify) = 1;             \
			(st)->notify_sent++;       \
		} else {                           \
			(st)->notify_suppressed++; \
		}                                  \
	} while (0)

#endif /* ED_PORT_H */
