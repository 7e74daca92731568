/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Layout of the system area at the start of each VM's PDEV, written by the
 * hypervisor model and read by every NKDDI provider (libnkddi, the Linux
 * ivshmem provider). Free of libc so the kernel can include it.
 *
 *	offset 0		struct nkhv_pdev_header
 *	desc_off		NkDevVlink desc[nvlinks]
 *	after them		info strings, NUL terminated
 *	stats_off		nku64_f xirq_raised[xirq_limit]: handler
 *				dispatches counted by the guest per XIRQ
 *	port_off		struct nkhv_port (nkhv/port.h), page
 *				aligned: how a QEMU VM reaches nkhv
 *	alloc_off		start of what nk_pdev_alloc() hands out
 *
 * Descriptors appear in the order of the VM's end-point nodes in the device
 * tree; a vlink whose both end-points are in this VM has one descriptor.
 */
#ifndef NKHV_PDEV_H
#define NKHV_PDEV_H

#include <nk/nkern.h>

#define NKHV_PDEV_MAGIC 0x44504b4eu /* "NKPD" little endian */
#define NKHV_PDEV_VERSION 2u
#define NKHV_PDEV_ALIGN 64u /* alignment of descriptors and allocations */

struct nkhv_pdev_header {
	nku32_f magic; /* NKHV_PDEV_MAGIC */
	nku32_f version; /* NKHV_PDEV_VERSION */
	NkPhAddr base; /* guest-physical address of this PDEV */
	NkPhSize size; /* bytes */
	NkOsId vm_id; /* owner */
	NkOsId last_id; /* highest VM id of the system */
	nku32_f nvlinks; /* descriptors at desc_off */
	nku32_f desc_off; /* byte offset of desc[0] */
	nku32_f xirq_limit; /* XIRQ numbers of this VM: 0..xirq_limit-1 */
	nku32_f port_off; /* byte offset of the port area */
	nku64_f stats_off; /* byte offset of the XIRQ counters */
	nku64_f alloc_off; /* byte offset of the allocation area */
};

/* Bytes of the XIRQ counters area for `xirq_limit` XIRQs. */
#define NKHV_PDEV_STATS_SIZE(xirq_limit) \
	NKHV_ALIGN_UP((nku64_f)(xirq_limit) * sizeof(nku64_f), NKHV_PDEV_ALIGN)

#define NKHV_ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((nku64_f)(a)-1))

/* Offset of the descriptor array: right after the header, aligned. */
#define NKHV_PDEV_DESC_OFF \
	NKHV_ALIGN_UP(sizeof(struct nkhv_pdev_header), NKHV_PDEV_ALIGN)

#endif /* NKHV_PDEV_H */
