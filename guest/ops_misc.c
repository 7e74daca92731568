// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rest of VLX's operation table in a process VM: bit helpers,
 * copies, VM properties, and the calls the model gives no meaning (they
 * return VLX's failure value and record why; see docs/nkddi.md).
 */
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <nkddi/nkddi.h>

#include "internal.h"
#include "ops.h"

/* Virtual exceptions do not exist in the model. */
nku32_f nkddi_op_vex_mask(NkHwIrq hirq)
{
	nkddi_set_error("vex_mask %u: no virtual exceptions", hirq);
	return 0;
}

NkPhAddr nkddi_op_vex_addr(NkPhAddr dev)
{
	nkddi_set_error("vex_addr 0x%llx: no virtual exceptions",
			(unsigned long long)dev);
	return 0;
}

void nkddi_op_xvex_post(NkCpuId cpuid, NkOsId osid, NkVex vex)
{
	nkddi_set_error("xvex_post %u to os %u cpu %u: no virtual exceptions",
			vex, osid, cpuid);
}

/* Lowest set bit: bit 0 has the highest priority. 0 has none: 0. */
nku32_f nkddi_op_mask2bit(nku32_f mask)
{
	if (!mask) {
		nkddi_set_error("mask2bit: empty mask");
		return 0;
	}
	return (nku32_f)__builtin_ctz(mask);
}

nku32_f nkddi_op_bit2mask(nku32_f bit)
{
	return bit < 32 ? 1u << bit : 0;
}

NkCpuId nkddi_op_cpu_id_get(void)
{
	int cpu = sched_getcpu();

	return cpu < 0 ? 0 : (NkCpuId)cpu;
}

/* Other VMs' scheduling and life cycle belong to nkhv: refused. */
void nkddi_op_scheduler(NkOsId osid, NkSchedParams *oldp, NkSchedParams *newp)
{
	if (oldp)
		memset(oldp, 0, sizeof(*oldp));
	if (newp)
		nkddi_set_error("scheduler: os %u: not settable", osid);
}

static void life_cycle(const char *what, NkOsId osid)
{
	nkddi_set_error("%s os %u: refused, nkhv controls VMs", what, osid);
}

void nkddi_op_stop(NkOsId osid)
{
	life_cycle("stop", osid);
}

void nkddi_op_start(NkOsId osid)
{
	life_cycle("start", osid);
}

void nkddi_op_suspend(NkOsId osid)
{
	life_cycle("suspend", osid);
}

void nkddi_op_resume(NkOsId osid)
{
	life_cycle("resume", osid);
}

/* The model's guest-physical addresses are its machine addresses. */
NkMhAddr nkddi_op_machine_addr(NkPhAddr addr)
{
	return addr;
}

/* nkhv keeps no event log. */
int nkddi_op_log_buffer(NkCpuId cpu, NkPhAddr base, NkLogSize size)
{
	nkddi_set_error("log_buffer cpu %u 0x%llx+%u: no event log", cpu,
			(unsigned long long)base, size);
	return -1;
}

void nkddi_op_log_guests(NkOsMask guests)
{
	(void)guests;
}

void nkddi_op_log_events(NkLogEvents events)
{
	(void)events;
}

/* A process VM has no kernel command line. */
int nkddi_op_cmdline_get(NkOsId id, char *buffer, nku32_f size)
{
	if (buffer && size)
		buffer[0] = '\0';
	nkddi_set_error("cmdline_get os %u: no command line", id);
	return -1;
}

NkPhSize nkddi_op_mem_copy_to(NkPhAddr dst, void *src, NkPhSize size)
{
	void *p;

	if (!size || !nkddi_ensure())
		return 0;
	p = nkddi_mem_ptov(dst, size);
	if (!p || !src)
		return 0;
	memcpy(p, src, size);
	return size;
}

NkPhSize nkddi_op_mem_copy_from(void *dst, NkPhAddr src, NkPhSize size)
{
	const void *p;

	if (!size || !nkddi_ensure())
		return 0;
	p = nkddi_mem_ptov(src, size);
	if (!p || !dst)
		return 0;
	memcpy(dst, p, size);
	return size;
}

/* Shared memory is coherent: a full barrier is all a DMA needs. */
void nkddi_op_cache_sync(void *vaddr, NkPhSize size, NkCacheSync func)
{
	(void)vaddr;
	(void)size;
	(void)func;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
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

/* One interrupt thread serves every XIRQ: nothing to steer. */
void nkddi_op_xirq_affinity(NkXIrq xirq, NkCpuMask cpus)
{
	(void)xirq;
	(void)cpus;
}

/* No ballooning: NK_BALLOON_STATUS answers NK_BALLOON_DISABLED. */
nku32_f nkddi_op_balloon_ctrl(int op, nku32_f *pfns, nku32_f count)
{
	(void)pfns;
	(void)count;
	if (op != NK_BALLOON_STATUS)
		nkddi_set_error("balloon_ctrl %d: no ballooning", op);
	return 0;
}

/* No property repository. */
int nkddi_op_prop_set(char *name, void *value, unsigned int size)
{
	(void)value;
	(void)size;
	nkddi_set_error("prop_set %s: no properties", name ? name : "(null)");
	return NK_PROP_UNKNOWN;
}

int nkddi_op_prop_get(char *name, void *value, unsigned int maxsize)
{
	(void)value;
	(void)maxsize;
	nkddi_set_error("prop_get %s: no properties", name ? name : "(null)");
	return NK_PROP_UNKNOWN;
}

int nkddi_op_prop_enum(unsigned int id, char *name, unsigned int size,
		       NkPropAttr *attr)
{
	(void)name;
	(void)size;
	(void)attr;
	nkddi_set_error("prop_enum %u: no properties", id);
	return NK_PROP_UNKNOWN;
}

void printnk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}
