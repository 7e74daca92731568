// SPDX-License-Identifier: GPL-2.0-only
/*
 * nkddi.ko: the NKDDI provider of a Linux VM running under QEMU. It binds
 * the VM's ivshmem-doorbell devices served by nkhv and exports `nkops`,
 * the operation table that vLink drivers (earlydata.ko, ...) are written
 * against, exactly as the target hypervisor's kernel exports it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "nkddi.h"

unsigned int nkddi_call_timeout_ms = 5000;
module_param_named(call_timeout_ms, nkddi_call_timeout_ms, uint, 0644);
MODULE_PARM_DESC(
	call_timeout_ms,
	"How long an allocation waits for nkhv's answer (ms, default 5000)");

struct nkddi nkddi;

/* True once nkops may be used; logs (rate limited) why not otherwise. */
bool nkddi_usable(const char *what)
{
	/* Pairs with the release of `ready` in nkddi_pdev_probe(). */
	if (smp_load_acquire(&nkddi.ready))
		return true;
	pr_warn_ratelimited(
		"%s: no nkhv PDEV device is bound (ivshmem-doorbell with IVPosition %u)\n",
		what, NKHV_PORT_ID_PDEV);
	return false;
}

static int __init nkddi_init(void)
{
	int err;

	mutex_init(&nkddi.lock);
	INIT_LIST_HEAD(&nkddi.devs);
	mutex_init(&nkddi.call_lock);
	init_waitqueue_head(&nkddi.call_wq);
	spin_lock_init(&nkddi.trig_lock);
	spin_lock_init(&nkddi.xirq_lock);
	INIT_LIST_HEAD(&nkddi.handlers);
	init_waitqueue_head(&nkddi.served_wq);
	nkddi.irq_call = -1;
	nkddi.irq_xirq = -1;

	/* Devices present now are probed before this returns. */
	err = nkddi_pci_register();
	if (err)
		return err;
	/* Pairs with the release of `ready` in nkddi_pdev_probe(). */
	if (!smp_load_acquire(&nkddi.ready))
		pr_warn("no usable nkhv PDEV device found: nkops calls fail until one is bound\n");
	return 0;
}

static void __exit nkddi_exit(void)
{
	nkddi_pci_unregister();
}

module_init(nkddi_init);
module_exit(nkddi_exit);

MODULE_DESCRIPTION("NKDDI provider (nkops) over nkhv ivshmem-doorbell devices");
MODULE_LICENSE("GPL");
