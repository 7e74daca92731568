/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * NKDDI: the guest-side programming interface of the hypervisor, as VLX
 * drivers include it. Types and limits are in nk_f.h, the operation table
 * NkDevOps in nk.h, devices and the vlink descriptor NkDevVlink in
 * nkdev.h. No libc or kernel header is included, so the same files serve
 * user-space guests (libnkddi), the Linux kernel NKDDI provider and the
 * OS-agnostic driver cores. Drivers reach every service through the global
 * operation table `nkops`:
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

#include "nk_f.h"
#include "nk.h"
#include "nkdev.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const NkDevOps nkops;

/* printf-like output to the provider's log (stderr, the kernel log). */
extern void printnk(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#ifdef __cplusplus
}
#endif

#endif /* NK_NKERN_H */
