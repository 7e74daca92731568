/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the OS-agnostic core needs from the compiler and nothing else:
 * memory ordering for shared memory, and bounded copies. The same
 * definitions serve user space and the Linux kernel (the __atomic builtins
 * compile to the same barriers as smp_load_acquire()/smp_store_release()).
 */
#ifndef ED_PORT_H
#define ED_PORT_H

#include <nk/nktypes.h>

/* Shared-memory accesses: each is one access, never torn or merged. */
#define ed_load(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define ed_store(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define ed_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define ed_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
/* Full barrier: a store before it is visible before any load after it. */
#define ed_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

#define ed_memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define ed_memset(d, c, n) __builtin_memset((d), (c), (n))

/*
 * The notifying half of a wait/notify handshake: after our stores, a full
 * barrier, then did the peer arm a wait (bump *gen) since we last notified
 * it? Counts the XIRQ as sent or suppressed in st.
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
