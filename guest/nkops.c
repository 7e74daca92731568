// SPDX-License-Identifier: GPL-2.0-only
/*
 * The `nkops` table of user-space guests. Every entry first makes sure
 * the process has joined nkhv (see nkddi_ensure), so a driver written for
 * the target runs unchanged.
 */
#include <string.h>

#include <nkddi/nkddi.h>

#include "internal.h"
#include "ops.h"

static NkOsId op_id_get(void)
{
	return nkddi_ensure() ? nkddi.id : 0;
}

static NkOsId op_last_id_get(void)
{
	return nkddi_ensure() ? nkddi.last_id : 0;
}

static void *op_ptov(NkPhAddr paddr)
{
	return nkddi_ensure() ? nkddi_mem_ptov(paddr, 1) : NULL;
}

static NkPhAddr op_vtop(void *vaddr)
{
	return nkddi_ensure() ? nkddi_mem_vtop(vaddr) : 0;
}

static void *op_mem_map(NkPhAddr paddr, NkPhSize size)
{
	if (!nkddi_ensure())
		return NULL;
	if (!size) {
		nkddi_set_error("mem_map: empty range at 0x%llx",
				(unsigned long long)paddr);
		return NULL;
	}
	return nkddi_mem_ptov(paddr, size);
}

/* Regions stay mapped for the life of the VM; check the pair matches. */
static void op_mem_unmap(void *vaddr, NkPhAddr paddr, NkPhSize size)
{
	(void)size;
	if (nkddi_ensure() && nkddi_mem_vtop(vaddr) != paddr)
		nkddi_set_error("mem_unmap: %p is not the mapping of 0x%llx",
				vaddr, (unsigned long long)paddr);
}

/*
 * Walk this VM's descriptors in its PDEV. The PDEV is our own memory, but
 * the header is still bounds-checked so a stray write cannot send the
 * walk outside it.
 */
static NkPhAddr op_vlink_lookup(const char *name, NkPhAddr plink)
{
	const struct nkhv_pdev_header *h;
	uint64_t i = 0, n, off;

	if (!nkddi_ensure() || !name)
		return 0;
	h = (const void *)nkddi.pdev;
	n = h->nvlinks;
	off = h->desc_off;
	if (off > nkddi.pdev_size ||
	    n > (nkddi.pdev_size - off) / sizeof(NkDevVlink)) {
		nkddi_set_error("vlink_lookup: PDEV header damaged");
		return 0;
	}
	if (plink) {
		uint64_t first = nkddi.pdev_base + off;

		if (plink < first || (plink - first) % sizeof(NkDevVlink)) {
			nkddi_set_error("vlink_lookup: 0x%llx is not a vlink",
					(unsigned long long)plink);
			return 0;
		}
		i = (plink - first) / sizeof(NkDevVlink) + 1;
	}
	for (; i < n; i++) {
		const NkDevVlink *v = (const void *)(nkddi.pdev + off +
						     i * sizeof(NkDevVlink));

		if (!strncmp(v->name, name, NK_DEV_VLINK_NAME_LIMIT))
			return nkddi.pdev_base + off + i * sizeof(NkDevVlink);
	}
	return 0;
}

static uint64_t alloc(uint16_t type, NkPhAddr vlink, NkResourceId id,
		      NkOsId osid, uint64_t size, const char *what)
{
	struct nkhv_req_alloc req = {
		.vlink = vlink, .id = id, .osid = osid, .size = size
	};
	struct nkhv_rep_alloc rep;
	int err;

	if (!nkddi_ensure())
		return 0;
	err = nkddi_rpc(type, &req, sizeof(req), &rep, sizeof(rep), NULL);
	if (err) {
		nkddi_set_error("%s <0x%llx, %u> of %llu refused: %s", what,
				(unsigned long long)vlink, id,
				(unsigned long long)size, strerror(-err));
		return 0;
	}
	return rep.value;
}

static NkPhAddr op_pmem_alloc(NkPhAddr vlink, NkResourceId id, NkPhSize size)
{
	return alloc(NKHV_MSG_PMEM_ALLOC, vlink, id, 0, size, "pmem_alloc");
}

static NkPhAddr op_pdev_alloc(NkPhAddr vlink, NkResourceId id, NkPhSize size)
{
	return alloc(NKHV_MSG_PDEV_ALLOC, vlink, id, 0, size, "pdev_alloc");
}

static NkXIrq op_pxirq_alloc(NkPhAddr vlink, NkResourceId id, NkOsId osid,
			     int nb)
{
	if (nb <= 0) {
		nkddi_set_error("pxirq_alloc: %d XIRQs", nb);
		return 0;
	}
	return (NkXIrq)alloc(NKHV_MSG_PXIRQ_ALLOC, vlink, id, osid,
			     (uint64_t)nb, "pxirq_alloc");
}

static NkXIrqId op_xirq_attach(NkXIrq xirq, NkXIrqHandler hdl, void *cookie)
{
	return nkddi_ensure() ? nkddi_xirq_attach(xirq, hdl, cookie) : NULL;
}

static void op_xirq_detach(NkXIrqId id)
{
	if (nkddi_ensure())
		nkddi_xirq_detach(id);
}

static void op_xirq_mask(NkXIrq xirq)
{
	if (nkddi_ensure())
		nkddi_xirq_mask(xirq);
}

static void op_xirq_unmask(NkXIrq xirq)
{
	if (nkddi_ensure())
		nkddi_xirq_unmask(xirq);
}

static void op_xirq_trigger(NkXIrq xirq, NkOsId osid)
{
	if (nkddi_ensure())
		nkddi_xirq_trigger(xirq, osid);
}

static void op_atomic_set(volatile nku32_f *mask, nku32_f set)
{
	__atomic_fetch_or(mask, set, __ATOMIC_SEQ_CST);
}

static void op_atomic_clear(volatile nku32_f *mask, nku32_f clear)
{
	__atomic_fetch_and(mask, ~clear, __ATOMIC_SEQ_CST);
}

static nku32_f op_clear_and_test(volatile nku32_f *mask, nku32_f clear)
{
	return __atomic_and_fetch(mask, ~clear, __ATOMIC_SEQ_CST);
}

static void op_atomic_add(volatile nku32_f *ptr, nku32_f val)
{
	__atomic_fetch_add(ptr, val, __ATOMIC_SEQ_CST);
}

static void op_atomic_sub(volatile nku32_f *ptr, nku32_f val)
{
	__atomic_fetch_sub(ptr, val, __ATOMIC_SEQ_CST);
}

static nku32_f op_sub_and_test(volatile nku32_f *ptr, nku32_f val)
{
	return __atomic_sub_fetch(ptr, val, __ATOMIC_SEQ_CST);
}

/* Memory is coherent: a DMA mapping is an ordinary one. */
static void *op_mem_map_sync(NkPhAddr paddr, NkPhSize size, NkCacheSync func)
{
	(void)func;
	return op_mem_map(paddr, size);
}

/* In VLX's order (include/nk/nk.h). */
const NkDevOps nkops = {
	.nk_version = NK_VERSION_CURRENT,
	.nk_dev_lookup_by_class = nkddi_op_dev_lookup_by_class,
	.nk_dev_lookup_by_type = nkddi_op_dev_lookup_by_type,
	.nk_dev_alloc = nkddi_op_dev_alloc,
	.nk_dev_add = nkddi_op_dev_add,
	.nk_id_get = op_id_get,
	.nk_last_id_get = op_last_id_get,
	.nk_running_ids_get = nkddi_op_running_ids_get,
	.nk_ptov = op_ptov,
	.nk_vtop = op_vtop,
	.nk_vex_mask = nkddi_op_vex_mask,
	.nk_vex_addr = nkddi_op_vex_addr,
	.nk_xirq_alloc = nkddi_op_xirq_alloc,
	.nk_xirq_attach = op_xirq_attach,
	.nk_xirq_mask = op_xirq_mask,
	.nk_xirq_unmask = op_xirq_unmask,
	.nk_xirq_detach = op_xirq_detach,
	.nk_xirq_trigger = op_xirq_trigger,
	.nk_mask2bit = nkddi_op_mask2bit,
	.nk_bit2mask = nkddi_op_bit2mask,
	.nk_atomic_clear = op_atomic_clear,
	.nk_clear_and_test = op_clear_and_test,
	.nk_atomic_set = op_atomic_set,
	.nk_atomic_sub = op_atomic_sub,
	.nk_sub_and_test = op_sub_and_test,
	.nk_atomic_add = op_atomic_add,
	.nk_mem_map = op_mem_map,
	.nk_mem_unmap = op_mem_unmap,
	.nk_cpu_id_get = nkddi_op_cpu_id_get,
	.nk_xvex_post = nkddi_op_xvex_post,
	.nk_local_xirq_post = op_xirq_trigger,
	.nk_xirq_attach_masked = op_xirq_attach,
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
	.nk_vlink_lookup = op_vlink_lookup,
	.nk_pdev_alloc = op_pdev_alloc,
	.nk_pmem_alloc = op_pmem_alloc,
	.nk_pxirq_alloc = op_pxirq_alloc,
	.nk_mem_copy_to = nkddi_op_mem_copy_to,
	.nk_mem_copy_from = nkddi_op_mem_copy_from,
	.nk_mem_map_sync = op_mem_map_sync,
	.nk_mem_unmap_sync = op_mem_unmap,
	.nk_cache_sync = nkddi_op_cache_sync,
	.nk_info = nkddi_op_info,
	.nk_xirq_affinity = nkddi_op_xirq_affinity,
	.nk_balloon_ctrl = nkddi_op_balloon_ctrl,
	.nk_prop_set = nkddi_op_prop_set,
	.nk_prop_get = nkddi_op_prop_get,
	.nk_prop_enum = nkddi_op_prop_enum,
};
