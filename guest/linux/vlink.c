// SPDX-License-Identifier: GPL-2.0-only
/*
 * nk_vlink_lookup(): walk this VM's NkDevVlink descriptors in its PDEV,
 * in device-tree order. The walk is bounded by the header snapshot taken
 * at probe, so a stray write into the PDEV cannot send it elsewhere.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/string.h>

#include "nkddi.h"

NkPhAddr nkddi_vlink_lookup(const char *name, NkPhAddr plink)
{
	u64 first = nkddi.pdev_base + nkddi.desc_off;
	u64 i = 0;

	if (!name)
		return 0;
	if (plink) {
		if (plink < first || (plink - first) % sizeof(NkDevVlink) ||
		    (plink - first) / sizeof(NkDevVlink) >= nkddi.nvlinks) {
			pr_err("vlink_lookup: 0x%llx is no vlink descriptor\n",
			       (u64)plink);
			return 0;
		}
		i = (plink - first) / sizeof(NkDevVlink) + 1;
	}
	for (; i < nkddi.nvlinks; i++) {
		const NkDevVlink *v =
			(const void *)(nkddi.pdev + nkddi.desc_off +
				       i * sizeof(NkDevVlink));

		if (!strncmp(v->name, name, NK_DEV_VLINK_NAME_LIMIT))
			return first + i * sizeof(NkDevVlink);
	}
	return 0;
}
