// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rest of VLX's operation table in a Linux VM: bit helpers, copies,
 * VM properties, and the calls the model gives no meaning (they return
 * VLX's failure value and log why, rate limited; docs/nkddi.md). Any
 * context.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/export.h>
#include <linux/printk.h>
#include <linux/smp.h>
#include <linux/string.h>

#include "nkddi.h"
#include "ops.h"

/* Virtual exceptions do not exist in the model. */
nku32_f nkddi_op_vex_mask(NkHwIrq hirq)
{
	pr_warn_ratelimited("vex_mask %u: no virtual exceptions\n", hirq);
	return 0;
}

NkPhAddr nkddi_op_vex_addr(NkPhAddr dev)
{
	pr_warn_ratelimited("vex_addr 0x%llx: no virtual exceptions\n",
			    (u64)dev);
	return 0;
}

void nkddi_op_xvex_post(NkCpuId cpuid, NkOsId osid, NkVex vex)
{
	pr_warn_ratelimited("xvex_post %u to os %u cpu %u: no virtual exceptions\n",
			    vex, osid, cpuid);
}

/* Lowest set bit: bit 0 has the highest priority. 0 has none: 0. */
nku32_f nkddi_op_mask2bit(nku32_f mask)
{
	if (!mask) {
		pr_warn_ratelimited("mask2bit: empty mask\n");
		return 0;
	}
	return __ffs(mask);
}

nku32_f nkddi_op_bit2mask(nku32_f bit)
{
	return bit < 32 ? BIT(bit) : 0;
}

NkCpuId nkddi_op_cpu_id_get(void)
{
	return raw_smp_processor_id();
}

/* Other VMs' scheduling and life cycle belong to nkhv: refused. */
void nkddi_op_scheduler(NkOsId osid, NkSchedParams *oldp, NkSchedParams *newp)
{
	if (oldp)
		memset(oldp, 0, sizeof(*oldp));
	if (newp)
		pr_warn_ratelimited("scheduler: os %u: not settable\n", osid);
}

static void nkddi_life_cycle(const char *what, NkOsId osid)
{
	pr_warn_ratelimited("%s os %u: refused, nkhv controls VMs\n", what,
			    osid);
}

void nkddi_op_stop(NkOsId osid)
{
	nkddi_life_cycle("stop", osid);
}

void nkddi_op_start(NkOsId osid)
{
	nkddi_life_cycle("start", osid);
}

void nkddi_op_suspend(NkOsId osid)
{
	nkddi_life_cycle("suspend", osid);
}

void nkddi_op_resume(NkOsId osid)
{
	nkddi_life_cycle("resume", osid);
}

/* The model's guest-physical addresses are its machine addresses. */
NkMhAddr nkddi_op_machine_addr(NkPhAddr addr)
{
	return addr;
}

/* nkhv keeps no event log. */
int nkddi_op_log_buffer(NkCpuId cpu, NkPhAddr base, NkLogSize size)
{
	pr_warn_ratelimited("log_buffer cpu %u 0x%llx+%u: no event log\n", cpu,
			    (u64)base, size);
	return -1;
}

void nkddi_op_log_guests(NkOsMask guests)
{
}

void nkddi_op_log_events(NkLogEvents events)
{
}

/* No VM's command line is published to the others, nor to modules. */
int nkddi_op_cmdline_get(NkOsId id, char *buffer, nku32_f size)
{
	if (buffer && size)
		buffer[0] = '\0';
	return -1;
}

NkPhSize nkddi_op_mem_copy_to(NkPhAddr dst, void *src, NkPhSize size)
{
	void *p;

	if (!size || !src || !nkddi_usable("mem_copy_to"))
		return 0;
	p = nkddi_region_ptov(dst, size);
	if (!p)
		return 0;
	memcpy(p, src, size);
	return size;
}

NkPhSize nkddi_op_mem_copy_from(void *dst, NkPhAddr src, NkPhSize size)
{
	const void *p;

	if (!size || !dst || !nkddi_usable("mem_copy_from"))
		return 0;
	p = nkddi_region_ptov(src, size);
	if (!p)
		return 0;
	memcpy(dst, p, size);
	return size;
}

/* Memory is coherent: a DMA mapping is an ordinary one. */
void *nkddi_op_mem_map_sync(NkPhAddr paddr, NkPhSize size, NkCacheSync func)
{
	return nkops.nk_mem_map(paddr, size);
}

/* ... and a full barrier is all a DMA needs. */
void nkddi_op_cache_sync(void *vaddr, NkPhSize size, NkCacheSync func)
{
	/* Pairs with the peer's own barrier after its side of the DMA. */
	mb();
}

/*
 * NK_INFO_VM: guest-physical addresses are translated and the VM reaches
 * only what nkhv gives it. NK_INFO_CACHE: no cache described.
 */
unsigned int nkddi_op_info(NkInfo type, void *info, unsigned int size)
{
	switch (type) {
	case NK_INFO_VM:
		if (info && size >= sizeof(NkVmInfo))
			*(NkVmInfo *)info = NK_VM_PSEUDO_PHYSMEM |
					    NK_VM_ISOLATED;
		return sizeof(NkVmInfo);
	case NK_INFO_CACHE:
		if (info && size >= sizeof(NkCachesInfo))
			memset(info, 0, sizeof(NkCachesInfo));
		return sizeof(NkCachesInfo);
	default:
		return 0;
	}
}

/* Every XIRQ arrives through one interrupt vector: nothing to steer. */
void nkddi_op_xirq_affinity(NkXIrq xirq, NkCpuMask cpus)
{
}

/* No ballooning: NK_BALLOON_STATUS answers NK_BALLOON_DISABLED. */
nku32_f nkddi_op_balloon_ctrl(int op, nku32_f *pfns, nku32_f count)
{
	return 0;
}

/* No property repository. */
int nkddi_op_prop_set(char *name, void *value, unsigned int size)
{
	return NK_PROP_UNKNOWN;
}

int nkddi_op_prop_get(char *name, void *value, unsigned int maxsize)
{
	return NK_PROP_UNKNOWN;
}

int nkddi_op_prop_enum(unsigned int id, char *name, unsigned int size,
		       NkPropAttr *attr)
{
	return NK_PROP_UNKNOWN;
}

void printnk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}
EXPORT_SYMBOL_GPL(printnk);
