// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PCI driver: binds every ivshmem-doorbell device (1af4:1110) whose
 * IVPosition names an nkhv port device, and hands it to the PDEV or the
 * region code. Devices may come in any order.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/slab.h>

#include "nkddi.h"

#define NKDDI_BAR_REGS 0
#define NKDDI_BAR_SHM 2
#define NKDDI_REGS_SIZE 256

static const struct pci_device_id nkddi_ids[] = { { PCI_DEVICE(0x1af4,
							       0x1110) },
						  {} };
MODULE_DEVICE_TABLE(pci, nkddi_ids);

static BLOCKING_NOTIFIER_HEAD(nkddi_chain);

int nkddi_register_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&nkddi_chain, nb);
}
EXPORT_SYMBOL_GPL(nkddi_register_notifier);

int nkddi_unregister_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_unregister(&nkddi_chain, nb);
}
EXPORT_SYMBOL_GPL(nkddi_unregister_notifier);

/* Enable the device, map BAR 0, read IVPosition, check BAR 2. */
static int nkddi_dev_open(struct pci_dev *pci, struct nkddi_dev *dev)
{
	int err;

	err = pci_enable_device(pci);
	if (err)
		return err;
	err = pci_request_regions(pci, KBUILD_MODNAME);
	if (err)
		goto disable;
	err = -ENODEV;
	if (!(pci_resource_flags(pci, NKDDI_BAR_REGS) & IORESOURCE_MEM) ||
	    pci_resource_len(pci, NKDDI_BAR_REGS) < NKDDI_REGS_SIZE) {
		dev_err(&pci->dev, "BAR 0 is not the ivshmem register bank\n");
		goto release;
	}
	if (!(pci_resource_flags(pci, NKDDI_BAR_SHM) & IORESOURCE_MEM) ||
	    !pci_resource_len(pci, NKDDI_BAR_SHM)) {
		dev_err(&pci->dev, "BAR 2 (shared memory) is missing\n");
		goto release;
	}
	dev->regs = pci_iomap(pci, NKDDI_BAR_REGS, NKDDI_REGS_SIZE);
	if (!dev->regs) {
		err = -ENOMEM;
		goto release;
	}
	dev->pci = pci;
	dev->ivposition = ioread32(dev->regs + NKDDI_REG_IVPOSITION);
	dev->bar2 = pci_resource_start(pci, NKDDI_BAR_SHM);
	dev->bar2_size = pci_resource_len(pci, NKDDI_BAR_SHM);
	dev->region = -1;
	return 0;

release:
	pci_release_regions(pci);
disable:
	pci_disable_device(pci);
	return err;
}

static void nkddi_dev_close(struct nkddi_dev *dev)
{
	pci_iounmap(dev->pci, dev->regs);
	pci_release_regions(dev->pci);
	pci_disable_device(dev->pci);
}

static int nkddi_probe(struct pci_dev *pci, const struct pci_device_id *id)
{
	struct nkddi_dev *dev;
	int err;

	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev)
		return -ENOMEM;
	err = nkddi_dev_open(pci, dev);
	if (err)
		goto free;

	mutex_lock(&nkddi.lock);
	if (dev->ivposition == NKHV_PORT_ID_PDEV) {
		err = nkddi_pdev_probe(dev);
	} else if (dev->ivposition >= NKHV_PORT_ID_REGION(1)) {
		list_add_tail(&dev->node, &nkddi.devs);
		nkddi_region_bind(dev);
		err = 0;
	} else {
		/* 0: ivshmem-plain, or a device not served by nkhv. */
		dev_info(&pci->dev,
			 "IVPosition %u is no nkhv port device, ignored\n",
			 dev->ivposition);
		err = -ENODEV;
	}
	mutex_unlock(&nkddi.lock);
	if (err)
		goto close;
	pci_set_drvdata(pci, dev);
	return 0;

close:
	nkddi_dev_close(dev);
free:
	kfree(dev);
	return err;
}

/*
 * A device goes (sysfs "remove", hot unplug, module unload). If it
 * carries memory drivers may use (the PDEV, a mapped region), they are
 * told first and return once they no longer touch it; then no XIRQ
 * handler runs any more; then the memory is unmapped (after a grace
 * period for nkops' own lookups). Until the PDEV device is bound anew the
 * port delivers no XIRQ.
 */
static void nkddi_remove(struct pci_dev *pci)
{
	struct nkddi_dev *dev = pci_get_drvdata(pci);
	bool used;

	mutex_lock(&nkddi.lock);
	used = dev == nkddi.pdev_dev || dev->region >= 0;
	mutex_unlock(&nkddi.lock);
	if (used) {
		dev_info(&pci->dev, "removed: telling the drivers of nkops\n");
		blocking_notifier_call_chain(&nkddi_chain, NKDDI_PORT_REMOVE,
					     NULL);
		nkddi_xirq_quiesce();
	}
	mutex_lock(&nkddi.lock);
	if (dev == nkddi.pdev_dev)
		nkddi_pdev_remove(dev);
	else
		nkddi_region_unbind(dev);
	list_del(&dev->node);
	mutex_unlock(&nkddi.lock);
	nkddi_dev_close(dev);
	kfree(dev);
}

static struct pci_driver nkddi_driver = {
	.name = KBUILD_MODNAME,
	.id_table = nkddi_ids,
	.probe = nkddi_probe,
	.remove = nkddi_remove,
	/*
	 * No unbinding through the driver's sysfs files: a device bound
	 * anew would not reach the drivers that lost it. Removing the
	 * device itself (its "remove" file, hot unplug) is handled.
	 */
	.driver.suppress_bind_attrs = true,
};

int nkddi_pci_register(void)
{
	return pci_register_driver(&nkddi_driver);
}

void nkddi_pci_unregister(void)
{
	pci_unregister_driver(&nkddi_driver);
}
