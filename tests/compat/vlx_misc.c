// SPDX-License-Identifier: GPL-2.0-only
/*
 * Compatibility check: the calls of VLX's table that drivers use for
 * their environment: the VM's properties and CPU, DMA mappings, virtual
 * exceptions, scheduling and life cycle of other VMs, the event log,
 * command lines, XIRQ affinity, ballooning and properties.
 */
#include <nk/nkern.h>

#include "vlx_compat.h"

static NkSchedParams vlx_sched;
static NkCachesInfo vlx_caches;

/* The VM's properties as a driver adapts to them. */
int vlx_env_probe(void)
{
	NkVmInfo vm = 0;
	char line[64];
	NkPropAttr attr;
	char name[32];
	nku32_f pfn = 0;
	int slow_dma;

	if (nkops.nk_info(NK_INFO_VM, &vm, sizeof(vm)) != sizeof(vm))
		return -1;
	slow_dma = !!(vm & NK_VM_SLOW_DMA);
	if (nkops.nk_info(NK_INFO_CACHE, &vlx_caches, sizeof(vlx_caches)) >
	    sizeof(vlx_caches))
		return -1;
	if (nkops.nk_cmdline_get(nkops.nk_id_get(), line, sizeof(line)) < 0)
		line[0] = '\0';
	if (nkops.nk_prop_enum(0, name, sizeof(name), &attr) >= 0 &&
	    (attr & NK_PROP_ATTR_GET))
		nkops.nk_prop_get(name, line, NK_PROP_ATTR_NLEN(attr));
	nkops.nk_prop_set("vlx.compat", line, 1);
	if (nkops.nk_balloon_ctrl(NK_BALLOON_STATUS, &pfn, 0) ==
	    NK_BALLOON_ENABLED)
		nkops.nk_balloon_ctrl(NK_BALLOON_FREE, &pfn, 1);
	nkops.nk_scheduler(nkops.nk_id_get(), &vlx_sched, (NkSchedParams *)0);
	printnk("vlx: cpu %u, %d caches, slow dma %d\n", nkops.nk_cpu_id_get(),
		vlx_caches.limit, slow_dma);
	return 0;
}

/* A buffer for a device that reads it by DMA. */
NkMhAddr vlx_dma_prepare(NkPhAddr paddr, NkPhSize size)
{
	void *v = nkops.nk_mem_map_sync(paddr, size, NK_CACHE_SYNC_READ);

	if (!v)
		return 0;
	nkops.nk_cache_sync(v, size, NK_CACHE_SYNC_RW);
	nkops.nk_mem_unmap_sync(v, paddr, size);
	return nkops.nk_machine_addr(paddr);
}

/* What a primary VM's management driver does with the others. */
void vlx_manage(NkOsId osid, NkXIrq xirq)
{
	NkSchedParams p = { 10, 1, 1000 };
	NkPhAddr vex = nkops.nk_vex_addr(0);

	if (vex)
		nkops.nk_xvex_post(0, osid, nkops.nk_vex_mask(0));
	nkops.nk_scheduler(osid, &vlx_sched, &p);
	nkops.nk_suspend(osid);
	nkops.nk_resume(osid);
	nkops.nk_stop(osid);
	nkops.nk_start(osid);
	nkops.nk_xirq_affinity(xirq, (NkCpuMask)1);
	if (!nkops.nk_log_buffer(nkops.nk_cpu_id_get(), 0, sizeof(NkLogHeader)))
		nkops.nk_log_guests(nkops.nk_bit2mask(osid));
	nkops.nk_log_events(~(NkLogEvents)0);
	nkops.nk_mem_unmap(nkops.nk_mem_map(0, 1), 0, 1);
	(void)nkops.nk_last_id_get();
}
