/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The `nkops` entries of nkddi.ko that live outside ops.c: the device
 * repository and what it builds on (devrepo.c), the rest of VLX's table
 * (ops_misc.c).
 */
#ifndef NKDDI_LINUX_OPS_H
#define NKDDI_LINUX_OPS_H

#include <nk/nkern.h>

/* devrepo.c */
NkPhAddr nkddi_op_dev_lookup_by_class(NkDevClass dev_class, NkPhAddr cur);
NkPhAddr nkddi_op_dev_lookup_by_type(NkDevId dev_id, NkPhAddr cur);
NkPhAddr nkddi_op_dev_alloc(NkPhSize size);
void nkddi_op_dev_add(NkPhAddr dev);
NkOsMask nkddi_op_running_ids_get(void);
NkXIrq nkddi_op_xirq_alloc(int nb);

/* ops_misc.c */
nku32_f nkddi_op_vex_mask(NkHwIrq hirq);
NkPhAddr nkddi_op_vex_addr(NkPhAddr dev);
void *nkddi_op_mem_map_sync(NkPhAddr paddr, NkPhSize size, NkCacheSync func);
nku32_f nkddi_op_mask2bit(nku32_f mask);
nku32_f nkddi_op_bit2mask(nku32_f bit);
NkCpuId nkddi_op_cpu_id_get(void);
void nkddi_op_xvex_post(NkCpuId cpuid, NkOsId osid, NkVex vex);
void nkddi_op_scheduler(NkOsId osid, NkSchedParams *oldp,
			NkSchedParams *newp);
void nkddi_op_stop(NkOsId osid);
void nkddi_op_start(NkOsId osid);
void nkddi_op_suspend(NkOsId osid);
void nkddi_op_resume(NkOsId osid);
NkMhAddr nkddi_op_machine_addr(NkPhAddr addr);
int nkddi_op_log_buffer(NkCpuId cpu, NkPhAddr base, NkLogSize size);
void nkddi_op_log_guests(NkOsMask guests);
void nkddi_op_log_events(NkLogEvents events);
int nkddi_op_cmdline_get(NkOsId id, char *buffer, nku32_f size);
NkPhSize nkddi_op_mem_copy_to(NkPhAddr dst, void *src, NkPhSize size);
NkPhSize nkddi_op_mem_copy_from(void *dst, NkPhAddr src, NkPhSize size);
void nkddi_op_cache_sync(void *vaddr, NkPhSize size, NkCacheSync func);
unsigned int nkddi_op_info(NkInfo type, void *info, unsigned int size);
void nkddi_op_xirq_affinity(NkXIrq xirq, NkCpuMask cpus);
nku32_f nkddi_op_balloon_ctrl(int op, nku32_f *pfns, nku32_f count);
int nkddi_op_prop_set(char *name, void *value, unsigned int size);
int nkddi_op_prop_get(char *name, void *value, unsigned int maxsize);
int nkddi_op_prop_enum(unsigned int id, char *name, unsigned int size,
		       NkPropAttr *attr);

#endif /* NKDDI_LINUX_OPS_H */
