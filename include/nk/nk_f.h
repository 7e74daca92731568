/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * NKDDI machine-level types and limits: what VLX keeps in its
 * per-architecture <asm/nk/nk_f.h>. The widths are the same on 32- and
 * 64-bit guests (nktypes.h); see docs/nkddi.md for where they differ from
 * 32-bit VLX (NkPhAddr and NkPhSize are 64-bit here).
 */
#ifndef NK_NK_F_H
#define NK_NK_F_H

#include "nktypes.h"

/* OS (VM) ids: 0 is the hypervisor, 1 the primary VM. */
#define NK_OS_NKERN 0
#define NK_OS_PRIM 1
#define NK_OS_LIMIT 32 /* ids are below this: one bit each in NkOsMask */
#define NK_OS_ANON (-1) /* "no owner", where an NkOsId tags an owner */

/*
 * XIRQs below NK_HW_XIRQ_LIMIT stand for hardware interrupts on VLX. The
 * model virtualises none, so the limit is 0 and NK_XIRQ_SYSCONF (which
 * VLX puts right at that limit) is XIRQ 0.
 */
#define NK_HW_XIRQ_LIMIT 0

/*
 * Bound of XIRQ numbers of any VM, for arrays indexed by XIRQ. A VM's
 * own limit is its device tree's xirq-limit (at most this).
 */
#define NK_XIRQ_LIMIT 4096

typedef nku32_f NkVex; /* virtual exception number */
typedef nku32_f NkCpuId; /* CPU id */
typedef nku32_f NkCpuMask; /* one bit per CPU id */

/* Fair-share scheduling parameters of a secondary VM (nk_scheduler). */
typedef struct NkSchedParams {
	unsigned int fg_prio; /* priority in the foreground */
	unsigned int bg_prio; /* priority in the background */
	unsigned int quantum; /* microseconds */
} NkSchedParams;

typedef nku64_f NkTime; /* performance monitoring: a time stamp */
typedef nku32_f NkFreq; /* performance monitoring: a frequency */
typedef nku32_f NkPmonState; /* performance monitoring: a state */

typedef nku32_f NkPResourceId; /* persistent vlink resource id */
typedef nku32_f NkBool; /* 1 true, 0 false */

/* nk_balloon_ctrl() operations and the status it reports. */
#define NK_BALLOON_STATUS 0
#define NK_BALLOON_ALLOC 1
#define NK_BALLOON_FREE 2
#define NK_BALLOON_DISABLED 0
#define NK_BALLOON_ENABLED 1

/*
 * Attributes of a property (nk_prop_enum): permission bits in the top
 * three bits, the name's length with its NUL in the low 16.
 */
typedef nku32_f NkPropAttr;

#define NK_PROP_ATTR_NLEN(a) ((a)&0xffffu)
#define NK_PROP_ATTR_PERM(a) ((a) & (0x7u << 29))
#define NK_PROP_ATTR_SET (1u << 31)
#define NK_PROP_ATTR_GET (1u << 30)
#define NK_PROP_ATTR_NOTIFY (1u << 29)

/* Errors of nk_prop_set/get/enum (negative results). */
#define NK_PROP_BUSY (-1) /* an update is under way: try again */
#define NK_PROP_PERMISSION (-2) /* not allowed to this VM */
#define NK_PROP_UNKNOWN (-3) /* no such property */
#define NK_PROP_ERROR (-4) /* anything else */

#endif /* NK_NK_F_H */
