// SPDX-License-Identifier: GPL-2.0-only
/*
 * Compatibility check: every member of NkDevOps has the type and the
 * place VLX's public interface gives it, and the types and constants VLX
 * drivers use exist with VLX's meaning. Compiles to nothing.
 */
#include <nk/nk_f.h>
#include <nk/nk.h>
#include <nk/nkdev.h>
#include <nk/nkern.h>

#define VLX_SAME(member, type)                                           \
	_Static_assert(__builtin_types_compatible_p(                     \
			       __typeof__(((NkDevOps *)0)->member), type), \
		       #member " has VLX's type")
#define VLX_AFTER(a, b)                                                  \
	_Static_assert(__builtin_offsetof(NkDevOps, a) <                 \
			       __builtin_offsetof(NkDevOps, b),          \
		       #a " comes before " #b)

VLX_SAME(nk_version, NkVersion);
VLX_SAME(nk_dev_lookup_by_class, NkPhAddr (*)(NkDevClass, NkPhAddr));
VLX_SAME(nk_dev_lookup_by_type, NkPhAddr (*)(NkDevId, NkPhAddr));
VLX_SAME(nk_dev_alloc, NkPhAddr (*)(NkPhSize));
VLX_SAME(nk_dev_add, void (*)(NkPhAddr));
VLX_SAME(nk_id_get, NkOsId (*)(void));
VLX_SAME(nk_last_id_get, NkOsId (*)(void));
VLX_SAME(nk_running_ids_get, NkOsMask (*)(void));
VLX_SAME(nk_ptov, void *(*)(NkPhAddr));
VLX_SAME(nk_vtop, NkPhAddr (*)(void *));
VLX_SAME(nk_vex_mask, nku32_f (*)(NkHwIrq));
VLX_SAME(nk_vex_addr, NkPhAddr (*)(NkPhAddr));
VLX_SAME(nk_xirq_alloc, NkXIrq (*)(int));
VLX_SAME(nk_xirq_attach, NkXIrqId (*)(NkXIrq, NkXIrqHandler, void *));
VLX_SAME(nk_xirq_mask, void (*)(NkXIrq));
VLX_SAME(nk_xirq_unmask, void (*)(NkXIrq));
VLX_SAME(nk_xirq_detach, void (*)(NkXIrqId));
VLX_SAME(nk_xirq_trigger, void (*)(NkXIrq, NkOsId));
VLX_SAME(nk_mask2bit, nku32_f (*)(nku32_f));
VLX_SAME(nk_bit2mask, nku32_f (*)(nku32_f));
VLX_SAME(nk_atomic_clear, void (*)(volatile nku32_f *, nku32_f));
VLX_SAME(nk_clear_and_test, nku32_f (*)(volatile nku32_f *, nku32_f));
VLX_SAME(nk_atomic_set, void (*)(volatile nku32_f *, nku32_f));
VLX_SAME(nk_atomic_sub, void (*)(volatile nku32_f *, nku32_f));
VLX_SAME(nk_sub_and_test, nku32_f (*)(volatile nku32_f *, nku32_f));
VLX_SAME(nk_atomic_add, void (*)(volatile nku32_f *, nku32_f));
VLX_SAME(nk_mem_map, void *(*)(NkPhAddr, NkPhSize));
VLX_SAME(nk_mem_unmap, void (*)(void *, NkPhAddr, NkPhSize));
VLX_SAME(nk_cpu_id_get, NkCpuId (*)(void));
VLX_SAME(nk_xvex_post, void (*)(NkCpuId, NkOsId, NkVex));
VLX_SAME(nk_local_xirq_post, void (*)(NkXIrq, NkOsId));
VLX_SAME(nk_xirq_attach_masked,
	 NkXIrqId (*)(NkXIrq, NkXIrqHandler, void *));
VLX_SAME(nk_scheduler, void (*)(NkOsId, NkSchedParams *, NkSchedParams *));
VLX_SAME(nk_stop, void (*)(NkOsId));
VLX_SAME(nk_start, void (*)(NkOsId));
VLX_SAME(nk_suspend, void (*)(NkOsId));
VLX_SAME(nk_resume, void (*)(NkOsId));
VLX_SAME(nk_machine_addr, NkMhAddr (*)(NkPhAddr));
VLX_SAME(nk_log_buffer, int (*)(NkCpuId, NkPhAddr, NkLogSize));
VLX_SAME(nk_log_guests, void (*)(NkOsMask));
VLX_SAME(nk_log_events, void (*)(NkLogEvents));
VLX_SAME(nk_cmdline_get, int (*)(NkOsId, char *, nku32_f));
VLX_SAME(nk_vlink_lookup, NkPhAddr (*)(const char *, NkPhAddr));
VLX_SAME(nk_pdev_alloc, NkPhAddr (*)(NkPhAddr, NkResourceId, NkPhSize));
VLX_SAME(nk_pmem_alloc, NkPhAddr (*)(NkPhAddr, NkResourceId, NkPhSize));
VLX_SAME(nk_pxirq_alloc, NkXIrq (*)(NkPhAddr, NkResourceId, NkOsId, int));
VLX_SAME(nk_mem_copy_to, NkPhSize (*)(NkPhAddr, void *, NkPhSize));
VLX_SAME(nk_mem_copy_from, NkPhSize (*)(void *, NkPhAddr, NkPhSize));
VLX_SAME(nk_mem_map_sync, void *(*)(NkPhAddr, NkPhSize, NkCacheSync));
VLX_SAME(nk_mem_unmap_sync, void (*)(void *, NkPhAddr, NkPhSize));
VLX_SAME(nk_cache_sync, void (*)(void *, NkPhSize, NkCacheSync));
VLX_SAME(nk_info, unsigned int (*)(NkInfo, void *, unsigned int));
VLX_SAME(nk_xirq_affinity, void (*)(NkXIrq, NkCpuMask));
VLX_SAME(nk_balloon_ctrl, nku32_f (*)(int, nku32_f *, nku32_f));
VLX_SAME(nk_prop_set, int (*)(char *, void *, unsigned int));
VLX_SAME(nk_prop_get, int (*)(char *, void *, unsigned int));
VLX_SAME(nk_prop_enum, int (*)(unsigned int, char *, unsigned int,
			       NkPropAttr *));

/* VLX's order, pair by pair. */
VLX_AFTER(nk_version, nk_dev_lookup_by_class);
VLX_AFTER(nk_dev_lookup_by_class, nk_dev_lookup_by_type);
VLX_AFTER(nk_dev_lookup_by_type, nk_dev_alloc);
VLX_AFTER(nk_dev_alloc, nk_dev_add);
VLX_AFTER(nk_dev_add, nk_id_get);
VLX_AFTER(nk_id_get, nk_last_id_get);
VLX_AFTER(nk_last_id_get, nk_running_ids_get);
VLX_AFTER(nk_running_ids_get, nk_ptov);
VLX_AFTER(nk_ptov, nk_vtop);
VLX_AFTER(nk_vtop, nk_vex_mask);
VLX_AFTER(nk_vex_mask, nk_vex_addr);
VLX_AFTER(nk_vex_addr, nk_xirq_alloc);
VLX_AFTER(nk_xirq_alloc, nk_xirq_attach);
VLX_AFTER(nk_xirq_attach, nk_xirq_mask);
VLX_AFTER(nk_xirq_mask, nk_xirq_unmask);
VLX_AFTER(nk_xirq_unmask, nk_xirq_detach);
VLX_AFTER(nk_xirq_detach, nk_xirq_trigger);
VLX_AFTER(nk_xirq_trigger, nk_mask2bit);
VLX_AFTER(nk_mask2bit, nk_bit2mask);
VLX_AFTER(nk_bit2mask, nk_atomic_clear);
VLX_AFTER(nk_atomic_clear, nk_clear_and_test);
VLX_AFTER(nk_clear_and_test, nk_atomic_set);
VLX_AFTER(nk_atomic_set, nk_atomic_sub);
VLX_AFTER(nk_atomic_sub, nk_sub_and_test);
VLX_AFTER(nk_sub_and_test, nk_atomic_add);
VLX_AFTER(nk_atomic_add, nk_mem_map);
VLX_AFTER(nk_mem_map, nk_mem_unmap);
VLX_AFTER(nk_mem_unmap, nk_cpu_id_get);
VLX_AFTER(nk_cpu_id_get, nk_xvex_post);
VLX_AFTER(nk_xvex_post, nk_local_xirq_post);
VLX_AFTER(nk_local_xirq_post, nk_xirq_attach_masked);
VLX_AFTER(nk_xirq_attach_masked, nk_scheduler);
VLX_AFTER(nk_scheduler, nk_stop);
VLX_AFTER(nk_stop, nk_start);
VLX_AFTER(nk_start, nk_suspend);
VLX_AFTER(nk_suspend, nk_resume);
VLX_AFTER(nk_resume, nk_machine_addr);
VLX_AFTER(nk_machine_addr, nk_log_buffer);
VLX_AFTER(nk_log_buffer, nk_log_guests);
VLX_AFTER(nk_log_guests, nk_log_events);
VLX_AFTER(nk_log_events, nk_cmdline_get);
VLX_AFTER(nk_cmdline_get, nk_vlink_lookup);
VLX_AFTER(nk_vlink_lookup, nk_pdev_alloc);
VLX_AFTER(nk_pdev_alloc, nk_pmem_alloc);
VLX_AFTER(nk_pmem_alloc, nk_pxirq_alloc);
VLX_AFTER(nk_pxirq_alloc, nk_mem_copy_to);
VLX_AFTER(nk_mem_copy_to, nk_mem_copy_from);
VLX_AFTER(nk_mem_copy_from, nk_mem_map_sync);
VLX_AFTER(nk_mem_map_sync, nk_mem_unmap_sync);
VLX_AFTER(nk_mem_unmap_sync, nk_cache_sync);
VLX_AFTER(nk_cache_sync, nk_info);
VLX_AFTER(nk_info, nk_xirq_affinity);
VLX_AFTER(nk_xirq_affinity, nk_balloon_ctrl);
VLX_AFTER(nk_balloon_ctrl, nk_prop_set);
VLX_AFTER(nk_prop_set, nk_prop_get);
VLX_AFTER(nk_prop_get, nk_prop_enum);
/* Nothing after the last one: the table is VLX's, no more. */
_Static_assert(__builtin_offsetof(NkDevOps, nk_prop_enum) +
			       sizeof(void *) == sizeof(NkDevOps),
	       "nk_prop_enum is the last member");

/* Values drivers depend on. */
_Static_assert(NK_VERSION_6 == 6 && NK_VERSION_9 == 9, "version numbers");
_Static_assert(NK_OS_LIMIT == 32 && NK_OS_PRIM == 1, "OS ids");
_Static_assert(NK_XIRQ_SYSCONF == NK_HW_XIRQ_LIMIT, "SYSCONF place");
_Static_assert(NK_XIRQ_FREE == NK_XIRQ_SYSCONF + 1, "first free XIRQ");
_Static_assert(NK_XIRQ_LIMIT > NK_XIRQ_FIRST_DYNAMIC, "XIRQ bound");
_Static_assert(NK_DEV_ID_VLINK == 0x564c4e4b && NK_DEV_ID_RING == 0x50494e47,
	       "device types");
_Static_assert(NK_DEV_CLASS_GEN == 0 && NK_DEV_CLASS_QUICC == 5,
	       "device classes");
_Static_assert(NK_RESOURCE_PDEV == 0 && NK_RESOURCE_PXIRQ == 2,
	       "resource types");
_Static_assert(NK_INFO_VM == 0 && NK_INFO_CACHE == 1, "info kinds");
_Static_assert(NK_PROP_UNKNOWN == -3 && NK_BALLOON_STATUS == 0, "errors");
_Static_assert(sizeof(NkTime) == 8 && sizeof(NkCpuId) == 4 &&
		       sizeof(NkOsMask) == 4 && sizeof(nku64_f) == 8,
	       "widths");
/* Fixed layouts, the same for 32- and 64-bit guests. */
_Static_assert(sizeof(NkPhAddr) == 8 && sizeof(NkPhSize) == 8, "64-bit");
_Static_assert(sizeof(NkDevDesc) == 40, "NkDevDesc layout");
_Static_assert(__builtin_offsetof(NkDevVlink, s_info) == 32 &&
		       __builtin_offsetof(NkDevVlink, resrc) == 64,
	       "NkDevVlink layout");
_Static_assert(sizeof(NkDevRing) == 40, "NkDevRing layout");
