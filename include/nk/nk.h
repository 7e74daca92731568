/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * NKDDI: versions, the device repository descriptor, vlink resources,
 * VM and cache properties, and the operation table NkDevOps, member for
 * member in the order of VLX's public interface. Free of libc and kernel
 * headers. What each call does in this model, and where that differs
 * from VLX, is in docs/nkddi.md.
 */
#ifndef NK_NK_H
#define NK_NK_H

#include "nk_f.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NK_CLASS "nanokernel" /* class name of the NKDDI */

/* Interface versions; each adds calls to the table. */
typedef enum NkVersion {
	NK_VERSION_INITIAL = 0,
	NK_VERSION_1, /* cpu id, vex post, local xirq post, attach masked */
	NK_VERSION_2, /* scheduler parameters */
	NK_VERSION_3, /* stop, start, suspend, resume */
	NK_VERSION_4, /* machine addresses */
	NK_VERSION_5, /* event logging */
	NK_VERSION_6, /* vlinks, labelled resources, memory copies */
	NK_VERSION_7, /* XIRQ affinity */
	NK_VERSION_8, /* memory ballooning */
	NK_VERSION_9, /* properties */
} NkVersion;

/* The version the providers of this tree report: every call exists. */
#define NK_VERSION_CURRENT NK_VERSION_9

/* ------------------------------------------------------------------ */
/* Device repository                                                  */
/* ------------------------------------------------------------------ */

typedef nku32_f NkDevClass; /* NK_DEV_CLASS_* (nkdev.h) */
typedef nku32_f NkDevId; /* NK_DEV_ID_* (nkdev.h) */

/*
 * One device of the repository, a list in the VM's PDEV. The device's
 * data is at dev_header (for devices made with nk_dev_alloc, usually
 * right after this descriptor).
 */
typedef struct NkDevDesc {
	NkPhAddr next; /* next device, 0 at the end */
	NkDevClass class_id;
	NkDevId dev_id;
	NkPhAddr class_header; /* class data, or 0 */
	NkPhAddr dev_header; /* device data */
	NkOsId dev_lock; /* free for the device's users (a lock word) */
	NkOsId dev_owner; /* VM that provides the device, 0: the primary */
} NkDevDesc;

typedef nku64_f NkMhAddr; /* machine (host-physical) address */

/* Kinds of labelled vlink resources. */
typedef enum {
	NK_RESOURCE_PDEV,
	NK_RESOURCE_PMEM,
	NK_RESOURCE_PXIRQ,
} NkResourceType;

/* One labelled resource of a vlink, as VLX lists them. */
typedef struct NkResource {
	NkPhAddr next;
	NkResourceType type;
	NkResourceId id;
	union {
		struct {
			NkPhAddr addr;
			NkPhSize size;
		} pdev;
		struct {
			NkPhAddr addr;
			NkPhSize size;
		} pmem;
		struct {
			NkOsId osid; /* VM whose XIRQs they are */
			NkXIrq base; /* first */
			int numb; /* how many */
		} pxirq;
	} r;
} NkResource;

/* Cache maintenance before a DMA transfer (nk_cache_sync). */
typedef nku32_f NkCacheSync;

#define NK_CACHE_SYNC_READ (1u << 0) /* before the device reads memory */
#define NK_CACHE_SYNC_WRITE (1u << 1) /* before the device writes memory */
#define NK_CACHE_SYNC_RW (NK_CACHE_SYNC_READ | NK_CACHE_SYNC_WRITE)

/* ------------------------------------------------------------------ */
/* VM and cache properties (nk_info)                                  */
/* ------------------------------------------------------------------ */

typedef enum NkInfo {
	NK_INFO_VM = 0, /* an NkVmInfo */
	NK_INFO_CACHE, /* an NkCachesInfo */
} NkInfo;

typedef nku32_f NkVmInfo;

#define NK_VM_PSEUDO_PHYSMEM (1u << 0) /* guest-physical is translated */
#define NK_VM_ISOLATED (1u << 1) /* the VM cannot reach others' memory */
#define NK_VM_ALLMEM_MAPPABLE (1u << 2) /* it can map any VM's memory */
#define NK_VM_SLOW_DMA (1u << 3) /* DMA is slower than copying */

typedef nku32_f NkCacheArch;
typedef nku32_f NkCacheLevel;
typedef nku32_f NkCacheSize;
typedef nku32_f NkCacheWays;

#define NK_CACHE_PIPT (1u << 0)
#define NK_CACHE_VIPT (1u << 1)
#define NK_CACHE_VIVT (1u << 2)
#define NK_CACHE_PIVT (1u << 3)
#define NK_CACHE_INST (1u << 4)
#define NK_CACHE_DATA (1u << 5)
#define NK_CACHE_UNIFIED (NK_CACHE_INST | NK_CACHE_DATA)
#define NK_CACHE_WB (1u << 6) /* write-back, else write-through */
#define NK_CACHE_PG_COLORING (1u << 7)

typedef struct NkCacheInfo {
	NkCacheLevel level;
	NkCacheArch arch;
	NkCacheSize size;
	NkCacheSize line;
	NkCacheWays nways;
} NkCacheInfo;

#define NK_CACHE_LIMIT 6

typedef struct NkCachesInfo {
	int limit; /* caches described */
	NkCacheInfo cache[NK_CACHE_LIMIT];
} NkCachesInfo;

/* ------------------------------------------------------------------ */
/* Interrupts                                                         */
/* ------------------------------------------------------------------ */

typedef nku32_f NkHwIrq; /* hardware interrupt, system-wide numbering */

#define NK_HW_IRQ_LIMIT 32 /* interrupts per virtual interrupt controller */

/*
 * The system configuration XIRQ. A guest triggers it towards a peer OS
 * after changing its own side of a vlink descriptor; the hypervisor bridge
 * validates the change, propagates it to the peer's descriptor and raises
 * NK_XIRQ_SYSCONF in the peer. Every guest may attach handlers to it.
 */
#define NK_XIRQ_SYSCONF NK_HW_XIRQ_LIMIT

/* The XIRQ after SYSCONF. */
#define NK_XIRQ_FREE (NK_XIRQ_SYSCONF + 1)

/* First XIRQ handed out by nk_pxirq_alloc()/nk_xirq_alloc() (model). */
#define NK_XIRQ_FIRST_DYNAMIC 32

/* ------------------------------------------------------------------ */
/* Event logging (nk_log_*)                                           */
/* ------------------------------------------------------------------ */

typedef nku32_f NkLogSize;
typedef nku64_f NkLogTime;
typedef nku32_f NkLogData;
typedef nku32_f NkLogEvents;

typedef struct NkLogHeader {
	NkLogSize size; /* bytes, this header included */
	NkLogSize end; /* offset of the end record */
	nku32_f roll_over; /* times the buffer wrapped */
	nku8_f hdr_size;
	nku8_f rec_size;
	nku8_f cpu;
	nku8_f flags;
	nku64_f timer_hz;
	NkLogTime time; /* when the buffer was plugged */
} NkLogHeader;

typedef struct NkLogRecord {
	nku8_f event;
	nku8_f cpu;
	nku8_f guest;
	nku8_f vcpu;
	NkLogData data;
	NkLogTime time;
} NkLogRecord;

/* ------------------------------------------------------------------ */
/* The operation table                                                */
/* ------------------------------------------------------------------ */

typedef struct NkDevOps {
	/* Version of this interface implemented by the provider. */
	NkVersion nk_version;

	/*
	 * Repository walk: the first device of class `dev_class` (curr_dev
	 * 0) or the next one after curr_dev (an earlier result). Returns
	 * the guest-physical address of its NkDevDesc, or 0.
	 */
	NkPhAddr (*nk_dev_lookup_by_class)(NkDevClass dev_class,
					   NkPhAddr curr_dev);

	/* The same by device type (NkDevDesc.dev_id). */
	NkPhAddr (*nk_dev_lookup_by_type)(NkDevId dev_id, NkPhAddr curr_dev);

	/* `size` zeroed bytes of repository memory, or 0. Not labelled. */
	NkPhAddr (*nk_dev_alloc)(NkPhSize size);

	/*
	 * Append a device: `dev` is a block from nk_dev_alloc() that starts
	 * with a filled-in NkDevDesc.
	 */
	void (*nk_dev_add)(NkPhAddr dev);

	/* Id of the calling VM (OS). Always >= 1. */
	NkOsId (*nk_id_get)(void);

	/* Highest VM id configured in the system. */
	NkOsId (*nk_last_id_get)(void);

	/* Bit n set: VM n is running. */
	NkOsMask (*nk_running_ids_get)(void);

	/*
	 * Guest-physical to virtual address. Valid for any address inside a
	 * region this VM was given (its PDEV, the PMEM of its vlinks); maps
	 * the region on first use. Returns NULL for any other address.
	 */
	void *(*nk_ptov)(NkPhAddr paddr);

	/* Virtual to guest-physical address of a mapped region, or 0. */
	NkPhAddr (*nk_vtop)(void *vaddr);

	/* Virtual exceptions: the mask to post hardware interrupt `hirq`. */
	nku32_f (*nk_vex_mask)(NkHwIrq hirq);

	/* Virtual exceptions: where another VM writes that mask. */
	NkPhAddr (*nk_vex_addr)(NkPhAddr dev);

	/*
	 * `nb` contiguous free XIRQs of this VM; the first, or 0 when there
	 * are not enough.
	 */
	NkXIrq (*nk_xirq_alloc)(int nb);

	/*
	 * Attach `hdl` to an XIRQ of this VM. The handler runs asynchronously
	 * (interrupt context on a kernel, the interrupt thread in a user-space
	 * guest), with that XIRQ source masked. Several handlers may share
	 * one XIRQ. Returns an id for nk_xirq_detach(), or 0 on failure.
	 */
	NkXIrqId (*nk_xirq_attach)(NkXIrq xirq, NkXIrqHandler hdl,
				   void *cookie);

	/* Mask an XIRQ of this VM: triggers stay pending until unmasked. */
	void (*nk_xirq_mask)(NkXIrq xirq);

	/* Unmask an XIRQ of this VM; a pending trigger is delivered. */
	void (*nk_xirq_unmask)(NkXIrq xirq);

	/* Detach a handler. On return the handler is not running. */
	void (*nk_xirq_detach)(NkXIrqId id);

	/*
	 * Post XIRQ `xirq` to VM `osid`. Allowed for NK_XIRQ_SYSCONF towards
	 * any VM sharing a vlink with the caller, and for XIRQs allocated on a
	 * vlink the caller is an end-point of. Anything else is refused.
	 */
	void (*nk_xirq_trigger)(NkXIrq xirq, NkOsId osid);

	/* Number of the highest-priority (lowest) bit set in a non-zero mask. */
	nku32_f (*nk_mask2bit)(nku32_f mask);

	/* The mask of bit number `bit`: 1 << bit. */
	nku32_f (*nk_bit2mask)(nku32_f bit);

	/* *mask &= ~clear, atomically. */
	void (*nk_atomic_clear)(volatile nku32_f *mask, nku32_f clear);

	/* *mask &= ~clear, atomically; returns the new value (0 iff 0). */
	nku32_f (*nk_clear_and_test)(volatile nku32_f *mask, nku32_f clear);

	/* *mask |= set, atomically. */
	void (*nk_atomic_set)(volatile nku32_f *mask, nku32_f set);

	/* *ptr -= val, atomically. */
	void (*nk_atomic_sub)(volatile nku32_f *ptr, nku32_f val);

	/* *ptr -= val, atomically; returns the new value (0 iff 0). */
	nku32_f (*nk_sub_and_test)(volatile nku32_f *ptr, nku32_f val);

	/* *ptr += val, atomically. */
	void (*nk_atomic_add)(volatile nku32_f *ptr, nku32_f val);

	/*
	 * Map [paddr, paddr + size) of memory shared with other VMs. The
	 * range must lie within one region this VM was given. Returns the
	 * virtual address, or NULL when the range is not accessible (the
	 * refusal is counted by the hypervisor).
	 */
	void *(*nk_mem_map)(NkPhAddr paddr, NkPhSize size);

	/* Undo one nk_mem_map() of the same range. */
	void (*nk_mem_unmap)(void *vaddr, NkPhAddr paddr, NkPhSize size);

	/* The CPU the caller runs on. */
	NkCpuId (*nk_cpu_id_get)(void);

	/* Post virtual exception `vex` to VM `osid` on CPU `cpuid`. */
	void (*nk_xvex_post)(NkCpuId cpuid, NkOsId osid, NkVex vex);

	/* nk_xirq_trigger() towards a VM on the caller's CPU. */
	void (*nk_local_xirq_post)(NkXIrq xirq, NkOsId osid);

	/*
	 * nk_xirq_attach() for handlers that must run with every interrupt
	 * of the VM held off.
	 */
	NkXIrqId (*nk_xirq_attach_masked)(NkXIrq xirq, NkXIrqHandler hdl,
					  void *cookie);

	/* Read (oldp) and set (newp) a VM's scheduling parameters. */
	void (*nk_scheduler)(NkOsId osid, NkSchedParams *oldp,
			     NkSchedParams *newp);

	/* Stop, start, suspend, resume another VM. */
	void (*nk_stop)(NkOsId osid);
	void (*nk_start)(NkOsId osid);
	void (*nk_suspend)(NkOsId osid);
	void (*nk_resume)(NkOsId osid);

	/* Machine address of a guest-physical address. */
	NkMhAddr (*nk_machine_addr)(NkPhAddr addr);

	/* Event logging: give the hypervisor a buffer; 0 when taken. */
	int (*nk_log_buffer)(NkCpuId cpu, NkPhAddr base, NkLogSize size);

	/* Event logging: the VMs whose events are logged. */
	void (*nk_log_guests)(NkOsMask guests);

	/* Event logging: the event groups logged. */
	void (*nk_log_events)(NkLogEvents events);

	/*
	 * Copy VM `id`'s command line into buffer[size]; returns its length,
	 * or a negative value.
	 */
	int (*nk_cmdline_get)(NkOsId id, char *buffer, nku32_f size);

	/*
	 * Iterate over this VM's vlink end-point descriptors named `name`.
	 * `plink` 0 gives the first one; a previous result gives the next
	 * one. Returns the guest-physical address of the NkDevVlink (map it
	 * with nk_ptov), or 0 when none is left. The order is the order of
	 * the end-point nodes in the device tree.
	 */
	NkPhAddr (*nk_vlink_lookup)(const char *name, NkPhAddr plink);

	/*
	 * Allocate `size` bytes of this VM's private PDEV, labelled <vlink,
	 * id> as for nk_pmem_alloc(). Returns 0 on failure.
	 */
	NkPhAddr (*nk_pdev_alloc)(NkPhAddr vlink, NkResourceId id,
				  NkPhSize size);

	/*
	 * Allocate `size` bytes, rounded up to whole pages, of the PMEM of
	 * `vlink` (a descriptor address from nk_vlink_lookup). The block is
	 * labelled <vlink, id>: every call with the same label, from either
	 * end-point and after either VM restarted, returns the same
	 * page-aligned guest-physical address. Returns 0 on failure (unknown
	 * vlink, PMEM of the vlink exhausted, a size other than the one the
	 * label was first allocated with, compared as given).
	 */
	NkPhAddr (*nk_pmem_alloc)(NkPhAddr vlink, NkResourceId id,
				  NkPhSize size);

	/*
	 * Allocate `nb` contiguous XIRQs in the XIRQ space of VM `osid`, which
	 * must be one end-point of `vlink`. Labelled <vlink, id> as for
	 * nk_pmem_alloc() (same osid and nb): the peer calls it with the same
	 * label to learn the numbers it may trigger. Returns the first XIRQ,
	 * or 0 on failure.
	 */
	NkXIrq (*nk_pxirq_alloc)(NkPhAddr vlink, NkResourceId id, NkOsId osid,
				 int nb);

	/* Copy size bytes from src to guest-physical dst; bytes copied. */
	NkPhSize (*nk_mem_copy_to)(NkPhAddr dst, void *src, NkPhSize size);

	/* Copy size bytes from guest-physical src to dst; bytes copied. */
	NkPhSize (*nk_mem_copy_from)(void *dst, NkPhAddr src, NkPhSize size);

	/* nk_mem_map() for memory a device will access by DMA. */
	void *(*nk_mem_map_sync)(NkPhAddr paddr, NkPhSize size,
				 NkCacheSync func);

	/* Undo nk_mem_map_sync(). */
	void (*nk_mem_unmap_sync)(void *vaddr, NkPhAddr paddr, NkPhSize size);

	/* Cache maintenance of [vaddr, vaddr + size) before a DMA. */
	void (*nk_cache_sync)(void *vaddr, NkPhSize size, NkCacheSync func);

	/*
	 * Properties of this VM of kind `type` into info[size]. Returns the
	 * bytes the answer needs (more than size: call again with more), or
	 * 0 for an unknown kind.
	 */
	unsigned int (*nk_info)(NkInfo type, void *info, unsigned int size);

	/* The CPUs that may take XIRQ `xirq`. */
	void (*nk_xirq_affinity)(NkXIrq xirq, NkCpuMask cpus);

	/* Memory ballooning: NK_BALLOON_* operation on pfns[count]. */
	nku32_f (*nk_balloon_ctrl)(int op, nku32_f *pfns, nku32_f count);

	/*
	 * Properties: set, get, enumerate. Bytes copied (set, get) or the
	 * largest value size (enum); negative NK_PROP_* on error.
	 */
	int (*nk_prop_set)(char *name, void *value, unsigned int size);
	int (*nk_prop_get)(char *name, void *value, unsigned int maxsize);
	int (*nk_prop_enum)(unsigned int id, char *name, unsigned int size,
			    NkPropAttr *attr);
} NkDevOps;

/* ------------------------------------------------------------------ */
/* Space allocators (data of bus devices in nkdev.h)                  */
/* ------------------------------------------------------------------ */

typedef nku32_f NkSpcTag;

#define NK_SPC_FREE 0x00000001u
#define NK_SPC_ALLOCATED 0x00000002u
#define NK_SPC_RESERVED 0x00000004u
#define NK_SPC_NONEXISTENT 0x00000010u

#define NK_SPC_STATE(tag) ((tag)&0xffffu)
#define NK_SPC_OWNER(tag) (((tag) >> 16) & (NK_OS_LIMIT - 1))
#define NK_SPC_TAG(s, id) ((((id) & (NK_OS_LIMIT - 1)) << 16) | (s))

#define NK_SPC_MAX_CHUNK 128

typedef struct NkSpcChunk_32 {
	nku32_f start;
	nku32_f size;
	NkSpcTag tag;
} NkSpcChunk_32;

typedef struct NkSpcDesc_32 {
	nku32_f maxChunks;
	nku32_f numChunks;
	NkSpcChunk_32 chunk[NK_SPC_MAX_CHUNK];
} NkSpcDesc_32;

typedef struct NkSpcChunk_64 {
	nku64_f start;
	nku64_f size;
	NkSpcTag tag;
} NkSpcChunk_64;

typedef struct NkSpcDesc_64 {
	nku32_f maxChunks;
	nku32_f numChunks;
	NkSpcChunk_64 chunk[NK_SPC_MAX_CHUNK];
} NkSpcDesc_64;

#ifdef __cplusplus
}
#endif

#endif /* NK_NK_H */
