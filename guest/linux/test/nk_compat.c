// SPDX-License-Identifier: GPL-2.0-only
/*
 * nk_compat.ko: the VLX-style compatibility drivers of tests/compat/
 * built as a kernel module against include/nk/, to show the headers and
 * every call compile in a kernel as they do in user space (where
 * tests/compat/compile.sh builds them). Loading it does nothing.
 */
#include <linux/module.h>

#include "../../../tests/compat/vlx_types.c"
#include "../../../tests/compat/vlx_ring.c"
#include "../../../tests/compat/vlx_vlink.c"
#include "../../../tests/compat/vlx_misc.c"

static int __init nk_compat_init(void)
{
	return 0;
}

static void __exit nk_compat_exit(void)
{
}

module_init(nk_compat_init);
module_exit(nk_compat_exit);

MODULE_DESCRIPTION("VLX-style drivers built against include/nk (compile check)");
MODULE_LICENSE("GPL");
