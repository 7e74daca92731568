/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * NKDDI fixed-width types. No libc or kernel header is included: the
 * widths come from the compiler's predefined macros, so the layout of every
 * structure shared with the hypervisor is the same in user space, in the
 * Linux kernel and on 32- or 64-bit guests.
 */
#ifndef NK_NKTYPES_H
#define NK_NKTYPES_H

typedef __UINT8_TYPE__ nku8_f;
typedef __UINT16_TYPE__ nku16_f;
typedef __UINT32_TYPE__ nku32_f;
/* 8-byte aligned also where the ABI aligns it to 4 (i386). */
typedef __UINT64_TYPE__ nku64_f __attribute__((aligned(8)));

typedef nku64_f NkPhAddr; /* guest-physical address */
typedef nku64_f NkPhSize; /* size of a guest-physical range */

typedef nku32_f NkOsId; /* VM (OS) id, 1..nk_last_id_get() */
typedef nku32_f NkOsMask; /* one bit per VM id */

typedef nku32_f NkXIrq; /* cross interrupt number, per VM */
typedef void *NkXIrqId; /* attached handler, from nk_xirq_attach */
typedef nku32_f NkResourceId; /* label of a PMEM/PDEV/XIRQ allocation */

typedef void (*NkXIrqHandler)(void *cookie, NkXIrq xirq);

#endif /* NK_NKTYPES_H */
