/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * NKDDI: the guest-side programming interface of the hypervisor.
 *
 * This header is free of libc and kernel headers so that the same file
 * serves user-space guests (libnkddi), the Linux kernel NKDDI provider and
 * the OS-agnostic driver cores. Drivers reach every service through the
 * global operation table `nkops`:
 *
 *	NkPhAddr plink = 0;
 *	while ((plink = nkops.nk_vlink_lookup("earlydata", plink))) {
 *		NkDevVlink *vl = nkops.nk_ptov(plink);
 *		if (vl->s_id == nkops.nk_id_get())
 *			... this VM is the server end-point ...
 *	}
 */
#ifndef NK_NKERN_H
#define NK_NKERN_H

#include "nktypes.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Cross interrupts                                                   */
/* ------------------------------------------------------------------ */

/*
 * The system configuration XIRQ. A guest triggers it towards a peer OS
 * after changing its own side of a vlink descriptor; the hypervisor bridge
 * validates the change, propagates it to the peer's descriptor and raises
 * NK_XIRQ_SYSCONF in the peer. Every guest may attach handlers to it.
 */
#define NK_XIRQ_SYSCONF 0

/* First XIRQ number handed out by nk_pxirq_alloc(); lower ones are reserved. */
#define NK_XIRQ_FIRST_DYNAMIC 32

/* ------------------------------------------------------------------ */
/* vLink end-point descriptors                                        */
/* ------------------------------------------------------------------ */

#define NK_DEV_VLINK_OFF 0 /* end-point down: no driver, or it died */
#define NK_DEV_VLINK_RESET 1 /* driver up, (re)initialising the link */
#define NK_DEV_VLINK_ON 2 /* driver up, link usable */

/* Name limit: at most 15 characters and the terminating NUL. */
#define NK_DEV_VLINK_NAME_LIMIT 16

typedef nku32_f NkDevPower;

#define NK_DEV_POWER_ON 0x00
#define NK_DEV_POWER_OFF 0xff

/*
 * One vlink end-point descriptor, in the PDEV of the VM that sees it. Each
 * VM owning an end-point has its own copy; the hypervisor keeps both copies
 * in step. A guest writes only the state of its own side (s_state when it is
 * the server, c_state when it is the client) and then triggers
 * NK_XIRQ_SYSCONF. Every other field is set by the hypervisor; changes a
 * guest makes to them are refused and undone.
 *
 * s_info and c_info are guest-physical addresses of NUL-terminated strings
 * in the same PDEV (the "info" of each end-point in the device tree), or 0.
 */
typedef struct NkDevVlink {
	char name[NK_DEV_VLINK_NAME_LIMIT]; /* vlink name, NUL terminated */
	int link; /* link id, distinguishes vlinks sharing a name */
	NkOsId s_id; /* server OS id */
	volatile int s_state; /* server state: NK_DEV_VLINK_* */
	NkPhAddr s_info; /* server info string, or 0 */
	NkOsId c_id; /* client OS id */
	volatile int c_state; /* client state: NK_DEV_VLINK_* */
	NkPhAddr c_info; /* client info string, or 0 */
	NkDevPower c_power; /* client power state (unused, always ON) */
	NkPhAddr resrc; /* reserved, 0 */
	nku32_f lock; /* reserved, 0 */
} NkDevVlink;

/* ------------------------------------------------------------------ */
/* The operation table                                                */
/* ------------------------------------------------------------------ */

typedef enum NkVersion {
	NK_VERSION_INITIAL = 0,
	NK_VERSION_1 = 1,
	NK_VERSION_2 = 2,
} NkVersion;

#define NK_VERSION_CURRENT NK_VERSION_2

typedef struct NkDevOps {
	/* Version of this interface implemented by the provider. */
	NkVersion nk_version;

	/* Id of the calling VM (OS). Always >= 1. */
	NkOsId (*nk_id_get)(void);

	/* Highest VM id configured in the system. */
	NkOsId (*nk_last_id_get)(void);

	/*
	 * Guest-physical to virtual address. Valid for any address inside a
	 * region this VM was given (its PDEV, the PMEM of its vlinks); maps
	 * the region on first use. Returns NULL for any other address.
	 */
	void *(*nk_ptov)(NkPhAddr paddr);

	/* Virtual to guest-physical address of a mapped region, or 0. */
	NkPhAddr (*nk_vtop)(void *vaddr);

	/*
	 * Map [paddr, paddr + size) of memory shared with other VMs. The
	 * range must lie within one region this VM was given. Returns the
	 * virtual address, or NULL when the range is not accessible (the
	 * refusal is counted by the hypervisor).
	 */
	void *(*nk_mem_map)(NkPhAddr paddr, NkPhSize size);

	/* Undo one nk_mem_map() of the same range. */
	void (*nk_mem_unmap)(void *vaddr, NkPhAddr paddr, NkPhSize size);

	/*
	 * Iterate over this VM's vlink end-point descriptors named `name`.
	 * `plink` 0 gives the first one; a previous result gives the next
	 * one. Returns the guest-physical address of the NkDevVlink (map it
	 * with nk_ptov), or 0 when none is left. The order is the order of
	 * the end-point nodes in the device tree.
	 */
	NkPhAddr (*nk_vlink_lookup)(const char *name, NkPhAddr plink);

	/*
	 * Allocate `size` bytes, rounded up to whole pages, of the PMEM of
	 * `vlink` (a descriptor address from nk_vlink_lookup). The block is
	 * labelled <vlink, id>: every call with the same label, from either
	 * end-point and after either VM restarted, returns the same
	 * page-aligned guest-physical address. Returns 0 on failure (unknown
	 * vlink, PMEM of the vlink exhausted, size differing from the
	 * labelled block's).
	 */
	NkPhAddr (*nk_pmem_alloc)(NkPhAddr vlink, NkResourceId id,
				  NkPhSize size);

	/*
	 * Allocate `size` bytes of this VM's private PDEV, labelled <vlink,
	 * id> as for nk_pmem_alloc(). Returns 0 on failure.
	 */
	NkPhAddr (*nk_pdev_alloc)(NkPhAddr vlink, NkResourceId id,
				  NkPhSize size);

	/*
	 * Allocate `nb` contiguous XIRQs in the XIRQ space of VM `osid`, which
	 * must be one end-point of `vlink`. Labelled <vlink, id> as for
	 * nk_pmem_alloc(): the peer calls it with the same label to learn the
	 * numbers it may trigger. Returns the first XIRQ, or 0 on failure.
	 */
	NkXIrq (*nk_pxirq_alloc)(NkPhAddr vlink, NkResourceId id, NkOsId osid,
				 int nb);

	/*
	 * Attach `hdl` to an XIRQ of this VM. The handler runs asynchronously
	 * (interrupt context on a kernel, the interrupt thread in a user-space
	 * guest), with that XIRQ source masked. Several handlers may share
	 * one XIRQ. Returns an id for nk_xirq_detach(), or 0 on failure.
	 */
	NkXIrqId (*nk_xirq_attach)(NkXIrq xirq, NkXIrqHandler hdl,
				   void *cookie);

	/* Detach a handler. On return the handler is not running. */
	void (*nk_xirq_detach)(NkXIrqId id);

	/* Mask an XIRQ of this VM: triggers stay pending until unmasked. */
	void (*nk_xirq_mask)(NkXIrq xirq);

	/* Unmask an XIRQ of this VM; a pending trigger is delivered. */
	void (*nk_xirq_unmask)(NkXIrq xirq);

	/*
	 * Post XIRQ `xirq` to VM `osid`. Allowed for NK_XIRQ_SYSCONF towards
	 * any VM sharing a vlink with the caller, and for XIRQs allocated on a
	 * vlink the caller is an end-point of. Anything else is refused.
	 */
	void (*nk_xirq_trigger)(NkXIrq xirq, NkOsId osid);

	/* *mask |= set, atomically. */
	void (*nk_atomic_set)(volatile nku32_f *mask, nku32_f set);

	/* *mask &= ~clear, atomically. */
	void (*nk_atomic_clear)(volatile nku32_f *mask, nku32_f clear);

	/* *mask &= ~clear, atomically; returns 0 iff the result is 0. */
	nku32_f (*nk_clear_and_test)(volatile nku32_f *mask, nku32_f clear);

	/* *ptr += val, atomically. */
	void (*nk_atomic_add)(volatile nku32_f *ptr, nku32_f val);

	/* *ptr -= val, atomically. */
	void (*nk_atomic_sub)(volatile nku32_f *ptr, nku32_f val);

	/* *ptr -= val, atomically; returns 0 iff the result is 0. */
	nku32_f (*nk_sub_and_test)(volatile nku32_f *ptr, nku32_f val);
} NkDevOps;

extern NkDevOps nkops;

#ifdef __cplusplus
}
#endif

#endif /* NK_NKERN_H */
