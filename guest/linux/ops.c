// SPDX-License-Identifier: GPL-2.0-only
/*
 * The exported `nkops` table. Every entry is fail-safe: without a bound
 * PDEV device it logs why (rate limited) and returns 0 / NULL.
 *
 * Context rules: nk_pmem_alloc, nk_pdev_alloc and nk_pxirq_alloc sleep
 * (process context only). nk_xirq_detach sleeps only when called where
 * sleeping is allowed. Everything else may be called from any context,
 * hard IRQ handlers included.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/export.h>

#include "nkddi.h"
#include "ops.h"

static NkOsId nkddi_op_id_get(void)
{
	return nkddi_usable("id_get") ? nkddi.vm_id : 0;
}

static NkOsId nkddi_op_last_id_get(void)
{
	return nkddi_usable("last_id_get") ? nkddi.last_id : 0;
}

static void *nkddi_op_ptov(NkPhAddr paddr)
{
	return nkddi_usable("ptov") ? nkddi_region_ptov(paddr, 1) : NULL;
}

static NkPhAddr nkddi_op_vtop(void *vaddr)
{
	return nkddi_usable("vtop") ? nkddi_region_vtop(vaddr) : 0;
}

static void *nkddi_op_mem_map(NkPhAddr paddr, NkPhSize size)
{
	if (!nkddi_usable("mem_map"))
		return NULL;
	if (!size) {
		pr_err("mem_map: empty range at 0x%llx\n", (u64)paddr);
		return NULL;
	}
	return nkddi_region_ptov(paddr, size);
}

/* Regions stay mapped while their device is bound; check the pair. */
static void nkddi_op_mem_unmap(void *vaddr, NkPhAddr paddr, NkPhSize size)
{
	if (nkddi_usable("mem_unmap") && nkddi_region_vtop(vaddr) != paddr)
		pr_err("mem_unmap: %p is not the mapping of 0x%llx\n", vaddr,
		       (u64)paddr);
}

static NkPhAddr nkddi_op_vlink_lookup(const char *name, NkPhAddr plink)
{
	return nkddi_usable("vlink_lookup") ? nkddi_vlink_lookup(name, plink) :
					      0;
}

/* One labelled allocation through the mailbox; 0 on any failure. */
static u64 nkddi_alloc(u32 op, const u64 arg[4], const char *what)
{
	u64 value = 0;

	if (!nkddi_usable(what) || nkddi_call(op, arg, &value, what))
		return 0;
	if (!value)
		pr_err("%s <0x%llx, %llu>: nkhv answered 0\n", what, arg[0],
		       arg[1]);
	return value;
}

static NkPhAddr nkddi_op_pmem_alloc(NkPhAddr vlink, NkResourceId id,
				    NkPhSize size)
{
	const u64 arg[4] = { vlink, id, size, 0 };

	return nkddi_alloc(NKHV_PORT_CALL_PMEM_ALLOC, arg, "pmem_alloc");
}

static NkPhAddr nkddi_op_pdev_alloc(NkPhAddr vlink, NkResourceId id,
				    NkPhSize size)
{
	const u64 arg[4] = { vlink, id, size, 0 };

	return nkddi_alloc(NKHV_PORT_CALL_PDEV_ALLOC, arg, "pdev_alloc");
}

static NkXIrq nkddi_op_pxirq_alloc(NkPhAddr vlink, NkResourceId id, NkOsId osid,
				   int nb)
{
	const u64 arg[4] = { vlink, id, osid, nb };
	u64 x;

	if (nb <= 0) {
		pr_err("pxirq_alloc: %d XIRQs\n", nb);
		return 0;
	}
	x = nkddi_alloc(NKHV_PORT_CALL_PXIRQ_ALLOC, arg, "pxirq_alloc");
	if (x > U32_MAX) {
		pr_err("pxirq_alloc: nkhv answered XIRQ %llu\n", x);
		return 0;
	}
	return (NkXIrq)x;
}

static NkXIrqId nkddi_op_xirq_attach(NkXIrq xirq, NkXIrqHandler hdl,
				     void *cookie)
{
	return nkddi_usable("xirq_attach") ?
		       nkddi_xirq_attach(xirq, hdl, cookie) :
		       NULL;
}

static void nkddi_op_xirq_detach(NkXIrqId id)
{
	nkddi_xirq_detach(id);
}

static void nkddi_op_xirq_mask(NkXIrq xirq)
{
	if (nkddi_usable("xirq_mask"))
		nkddi_xirq_mask(xirq);
}

static void nkddi_op_xirq_unmask(NkXIrq xirq)
{
	if (nkddi_usable("xirq_unmask"))
		nkddi_xirq_unmask(xirq);
}

static void nkddi_op_xirq_trigger(NkXIrq xirq, NkOsId osid)
{
	nkddi_trigger(xirq, osid);
}

/*
 * The atomics work on memory shared with other VMs (other processes on
 * the host): full-barrier compare-and-exchange on the 32-bit word.
 */
enum nkddi_atomic_op { NKDDI_OR, NKDDI_ANDNOT, NKDDI_ADD, NKDDI_SUB };

static u32 nkddi_atomic_update(volatile nku32_f *ptr, enum nkddi_atomic_op op,
			       u32 val)
{
	u32 *p = (u32 *)ptr, old = READ_ONCE(*p), new;

	do {
		switch (op) {
		case NKDDI_OR:
			new = old | val;
			break;
		case NKDDI_ANDNOT:
			new = old & ~val;
			break;
		case NKDDI_ADD:
			new = old + val;
			break;
		default:
			new = old - val;
			break;
		}
	} while (!try_cmpxchg(p, &old, new));
	return new;
}

static void nkddi_op_atomic_set(volatile nku32_f *mask, nku32_f set)
{
	nkddi_atomic_update(mask, NKDDI_OR, set);
}

static void nkddi_op_atomic_clear(volatile nku32_f *mask, nku32_f clear)
{
	nkddi_atomic_update(mask, NKDDI_ANDNOT, clear);
}

static nku32_f nkddi_op_clear_and_test(volatile nku32_f *mask, nku32_f clear)
{
	return nkddi_atomic_update(mask, NKDDI_ANDNOT, clear);
}

static void nkddi_op_atomic_add(volatile nku32_f *ptr, nku32_f val)
{
	nkddi_atomic_update(ptr, NKDDI_ADD, val);
}

static void nkddi_op_atomic_sub(volatile nku32_f *ptr, nku32_f val)
{
	nkddi_atomic_update(ptr, NKDDI_SUB, val);
}

static nku32_f nkddi_op_sub_and_test(volatile nku32_f *ptr, nku32_f val)
{
	return nkddi_atomic_update(ptr, NKDDI_SUB, val);
}

/* In VLX's order (include/nk/nk.h). */
const NkDevOps nkops = {
	.nk_version = NK_VERSION_CURRENT,
	.nk_dev_lookup_by_class = nkddi_op_dev_lookup_by_class,
	.nk_dev_lookup_by_type = nkddi_op_dev_lookup_by_type,
	.nk_dev_alloc = nkddi_op_dev_alloc,
	.nk_dev_add = nkddi_op_dev_add,
	.nk_id_get = nkddi_op_id_get,
	.nk_last_id_get = nkddi_op_last_id_get,
	.nk_running_ids_get = nkddi_op_running_ids_get,
	.nk_ptov = nkddi_op_ptov,
	.nk_vtop = nkddi_op_vtop,
	.nk_vex_mask = nkddi_op_vex_mask,
	.nk_vex_addr = nkddi_op_vex_addr,
	.nk_xirq_alloc = nkddi_op_xirq_alloc,
	.nk_xirq_attach = nkddi_op_xirq_attach,
	.nk_xirq_mask = nkddi_op_xirq_mask,
	.nk_xirq_unmask = nkddi_op_xirq_unmask,
	.nk_xirq_detach = nkddi_op_xirq_detach,
	.nk_xirq_trigger = nkddi_op_xirq_trigger,
	.nk_mask2bit = nkddi_op_mask2bit,
	.nk_bit2mask = nkddi_op_bit2mask,
	.nk_atomic_clear = nkddi_op_atomic_clear,
	.nk_clear_and_test = nkddi_op_clear_and_test,
	.nk_atomic_set = nkddi_op_atomic_set,
	.nk_atomic_sub = nkddi_op_atomic_sub,
	.nk_sub_and_test = nkddi_op_sub_and_test,
	.nk_atomic_add = nkddi_op_atomic_add,
	.nk_mem_map = nkddi_op_mem_map,
	.nk_mem_unmap = nkddi_op_mem_unmap,
	.nk_cpu_id_get = nkddi_op_cpu_id_get,
	.nk_xvex_post = nkddi_op_xvex_post,
	.nk_local_xirq_post = nkddi_op_xirq_trigger,
	.nk_xirq_attach_masked = nkddi_op_xirq_attach,
	.nk_scheduler = nkddi_op_scheduler,
	.nk_stop = nkddi_op_stop,
	.nk_start = nkddi_op_start,
	.nk_suspend = nkddi_op_suspend,
	.nk_resume = nkddi_op_resume,
	.nk_machine_addr = nkddi_op_machine_addr,
	.nk_log_buffer = nkddi_op_log_buffer,
	.nk_log_guests = nkddi_op_log_guests,
	.nk_log_events = nkddi_op_log_events,
	.nk_cmdline_get = nkddi_op_cmdline_get,
	.nk_vlink_lookup = nkddi_op_vlink_lookup,
	.nk_pdev_alloc = nkddi_op_pdev_alloc,
	.nk_pmem_alloc = nkddi_op_pmem_alloc,
	.nk_pxirq_alloc = nkddi_op_pxirq_alloc,
	.nk_mem_copy_to = nkddi_op_mem_copy_to,
	.nk_mem_copy_from = nkddi_op_mem_copy_from,
	.nk_mem_map_sync = nkddi_op_mem_map_sync,
	.nk_mem_unmap_sync = nkddi_op_mem_unmap,
	.nk_cache_sync = nkddi_op_cache_sync,
	.nk_info = nkddi_op_info,
	.nk_xirq_affinity = nkddi_op_xirq_affinity,
	.nk_balloon_ctrl = nkddi_op_balloon_ctrl,
	.nk_prop_set = nkddi_op_prop_set,
	.nk_prop_get = nkddi_op_prop_get,
	.nk_prop_enum = nkddi_op_prop_enum,
};
EXPORT_SYMBOL_GPL(nkops);
