// SPDX-License-Identifier: GPL-2.0-only
/*
 * The PDEV device (IVPosition NKHV_PORT_ID_PDEV): the VM's private device
 * memory, with the system area nkhv wrote (include/nkhv/pdev.h) and the
 * port (include/nkhv/port.h). Probing it validates and snapshots the
 * header, binds the region devices already seen, sets up the two MSI-X
 * vectors and says HELLO to nkhv. Called with nkddi.lock held.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/io.h>
#include <linux/log2.h>
#include <linux/string.h>

#include "nkddi.h"

/* Attempts at reading a header nkhv is not rewriting at the same time. */
#define NKDDI_HEADER_TRIES 10

/*
 * True if a region of `size` bytes may be carried by a BAR of `bar_size`
 * bytes. PCI BARs are powers of two, so nkhv may have rounded it up.
 */
bool nkddi_bar_fits(u64 size, u64 bar_size)
{
	return size && size <= bar_size &&
	       (size == bar_size || roundup_pow_of_two(size) == bar_size);
}

/* Check a copy of the PDEV header against the BAR; NULL if it is sound. */
static const char *nkddi_header_fault(const struct nkhv_pdev_header *h,
				      u64 bar_size)
{
	u64 size = h->size, words;

	if (h->magic != NKHV_PDEV_MAGIC)
		return "bad magic";
	if (h->version != NKHV_PDEV_VERSION)
		return "unsupported version";
	if (!nkddi_bar_fits(size, bar_size) || size < PAGE_SIZE)
		return "size does not match BAR 2";
	if (h->base + size < h->base)
		return "guest-physical range wraps around";
	if (!h->vm_id || h->last_id < h->vm_id)
		return "VM ids out of range";
	if (h->desc_off < sizeof(*h) || h->desc_off > size || h->desc_off % 8 ||
	    h->nvlinks > (size - h->desc_off) / sizeof(NkDevVlink))
		return "vlink descriptors outside the PDEV";
	if (!h->xirq_limit || h->xirq_limit > NKDDI_XIRQ_MAX)
		return "xirq_limit out of range";
	if (h->stats_off > size || h->stats_off % 8 ||
	    (u64)h->xirq_limit * sizeof(u64) > size - h->stats_off)
		return "XIRQ counters outside the PDEV";
	words = DIV_ROUND_UP((u64)h->xirq_limit, 32);
	if (h->port_off % 8 || h->port_off > size ||
	    sizeof(struct nkhv_port) > size - h->port_off ||
	    words * sizeof(u32) > size - h->port_off - sizeof(struct nkhv_port))
		return "port area or its pending bitmap outside the PDEV";
	return NULL;
}

/*
 * Read the header until two successive copies agree and are sound: nkhv
 * rewrites it in place when it runs the vlink bridge.
 */
static int nkddi_header_read(struct nkddi_dev *dev, const u8 *map,
			     struct nkhv_pdev_header *h)
{
	struct nkhv_pdev_header again;
	const char *fault = NULL;
	int i;

	for (i = 0; i < NKDDI_HEADER_TRIES; i++) {
		if (i)
			msleep(20);
		memcpy(h, map, sizeof(*h));
		fault = nkddi_header_fault(h, dev->bar2_size);
		memcpy(&again, map, sizeof(again));
		if (!fault && !memcmp(h, &again, sizeof(again)))
			return 0;
	}
	dev_err(&dev->pci->dev, "PDEV header refused: %s\n",
		fault ? fault : "keeps changing");
	return -EINVAL;
}

/* Check the port's fixed part; the region table is checked entry by entry. */
static int nkddi_port_check(struct nkddi_dev *dev, const struct nkhv_port *p,
			    u32 xirq_limit)
{
	u32 beat_ms = READ_ONCE(p->beat_ms);
	const char *fault = NULL;

	if (READ_ONCE(p->magic) != NKHV_PORT_MAGIC)
		fault = "bad magic";
	else if (READ_ONCE(p->version) != NKHV_PORT_VERSION)
		fault = "unsupported version";
	else if (!READ_ONCE(p->nregions) ||
		 READ_ONCE(p->nregions) > NKHV_PORT_REGIONS)
		fault = "region count out of range";
	else if (READ_ONCE(p->xirq_limit) != xirq_limit)
		fault = "xirq_limit differs from the PDEV header's";
	else if (!beat_ms || beat_ms > NKHV_PORT_BEAT_MAX_MS)
		fault = "heartbeat period out of range";
	if (!fault)
		return 0;
	dev_err(&dev->pci->dev, "port area refused: %s\n", fault);
	return -EINVAL;
}

/* Take the snapshot the rest of the module works from. */
static void nkddi_snapshot(u8 *map, const struct nkhv_pdev_header *h)
{
	nkddi.pdev = map;
	nkddi.pdev_base = h->base;
	nkddi.pdev_size = h->size;
	nkddi.vm_id = h->vm_id;
	nkddi.last_id = h->last_id;
	nkddi.nvlinks = h->nvlinks;
	nkddi.desc_off = h->desc_off;
	nkddi.xirq_limit = h->xirq_limit;
	nkddi.xirq_stats = (u64 *)(map + h->stats_off);
	nkddi.port = (struct nkhv_port *)(map + h->port_off);
	nkddi.pending = (u32 *)nkddi.port->pending;
}

static void nkddi_snapshot_clear(void)
{
	nkddi.pdev = NULL;
	nkddi.port = NULL;
	nkddi.pending = NULL;
	nkddi.xirq_stats = NULL;
	nkddi.doorbell = NULL;
	nkddi.nvlinks = 0;
	nkddi.xirq_limit = 0;
	nkddi.vm_id = 0;
	nkddi.last_id = 0;
}

/* Two MSI-X vectors: call completion and XIRQ pending. */
static int nkddi_irqs_start(struct nkddi_dev *dev)
{
	struct pci_dev *pci = dev->pci;
	int n, err;

	n = pci_alloc_irq_vectors(pci, NKHV_PORT_VECTORS, NKHV_PORT_VECTORS,
				  PCI_IRQ_MSIX);
	if (n < 0) {
		dev_err(&pci->dev,
			"needs %u MSI-X vectors (ivshmem-doorbell vectors=%u): %d\n",
			NKHV_PORT_VECTORS, NKHV_PORT_VECTORS, n);
		return n;
	}
	pci_set_master(pci);
	nkddi.irq_call = pci_irq_vector(pci, NKHV_PORT_VEC_CALL);
	nkddi.irq_xirq = pci_irq_vector(pci, NKHV_PORT_VEC_XIRQ);
	err = request_irq(nkddi.irq_call, nkddi_call_irq, 0, "nkddi-call",
			  &nkddi);
	if (err)
		goto vectors;
	err = request_irq(nkddi.irq_xirq, nkddi_xirq_irq, 0, "nkddi-xirq",
			  &nkddi);
	if (err)
		goto call;
	return 0;

call:
	free_irq(nkddi.irq_call, &nkddi);
vectors:
	pci_free_irq_vectors(pci);
	nkddi.irq_call = -1;
	nkddi.irq_xirq = -1;
	dev_err(&pci->dev, "cannot request the MSI-X interrupts: %d\n", err);
	return err;
}

static void nkddi_irqs_stop(struct nkddi_dev *dev)
{
	if (nkddi.irq_call < 0)
		return;
	free_irq(nkddi.irq_xirq, &nkddi);
	free_irq(nkddi.irq_call, &nkddi);
	pci_free_irq_vectors(dev->pci);
	nkddi.irq_call = -1;
	nkddi.irq_xirq = -1;
}

int nkddi_pdev_probe(struct nkddi_dev *dev)
{
	static const u64 no_args[4];
	struct device *d = &dev->pci->dev;
	struct nkhv_pdev_header h;
	u8 *map;
	int err;

	if (nkddi.pdev_dev) {
		dev_err(d, "a second PDEV device: this VM already has %s\n",
			pci_name(nkddi.pdev_dev->pci));
		return -EBUSY;
	}
	map = memremap(dev->bar2, dev->bar2_size, MEMREMAP_WB);
	if (!map) {
		dev_err(d, "cannot map BAR 2\n");
		return -ENOMEM;
	}
	err = nkddi_header_read(dev, map, &h);
	if (err)
		goto unmap;
	err = nkddi_port_check(dev, (void *)(map + h.port_off), h.xirq_limit);
	if (err)
		goto unmap;
	nkddi_snapshot(map, &h);
	nkddi.doorbell = dev->regs + NKDDI_REG_DOORBELL;
	err = nkddi_region_load();
	if (err)
		goto clear;
	err = nkddi_xirq_start();
	if (err)
		goto regions;
	err = nkddi_irqs_start(dev);
	if (err)
		goto xirq;

	nkddi.pdev_dev = dev;
	list_add_tail(&dev->node, &nkddi.devs);
	nkddi_region_bind_all();

	/* nkhv takes it as the (re)start of this VM. */
	nkddi.call_stop = false;
	WRITE_ONCE(nkddi.hv_lost, 0);
	err = nkddi_call(NKHV_PORT_CALL_HELLO, no_args, NULL, "hello");
	if (err)
		goto unbind;
	/*
	 * Everything set up above before `ready`: pairs with the acquire in
	 * nkddi_usable() and nkddi_trigger().
	 */
	smp_store_release(&nkddi.ready, true);
	nkddi_beat_start();
	dev_info(
		d,
		"VM %u of %u: PDEV [0x%llx, +0x%llx), %u vlinks, %u XIRQs, %u regions\n",
		nkddi.vm_id, nkddi.last_id, nkddi.pdev_base, nkddi.pdev_size,
		nkddi.nvlinks, nkddi.xirq_limit, nkddi.nregions);
	return 0;

unbind:
	nkddi.call_stop = true;
	list_del(&dev->node);
	nkddi.pdev_dev = NULL;
	nkddi_irqs_stop(dev);
xirq:
	nkddi_xirq_stop();
regions:
	nkddi_region_unbind_all();
clear:
	nkddi_snapshot_clear();
unmap:
	memunmap(map);
	return err;
}

void nkddi_pdev_remove(struct nkddi_dev *dev)
{
	unsigned long flags;
	u8 *map = nkddi.pdev;

	/* Pairs with the acquire in nkddi_usable() and nkddi_trigger(). */
	smp_store_release(&nkddi.ready, false);
	nkddi_beat_stop();

	/* No call waits any more, none starts. */
	WRITE_ONCE(nkddi.call_stop, true);
	wake_up_all(&nkddi.call_wq);
	mutex_lock(&nkddi.call_lock);
	mutex_unlock(&nkddi.call_lock);

	/* A trigger that saw `ready` has finished with the ring. */
	spin_lock_irqsave(&nkddi.trig_lock, flags);
	spin_unlock_irqrestore(&nkddi.trig_lock, flags);

	nkddi_irqs_stop(dev);
	nkddi_xirq_stop();
	nkddi_region_unbind_all();
	nkddi.pdev_dev = NULL;
	nkddi_snapshot_clear();
	memunmap(map);
	dev_info(&dev->pci->dev, "PDEV device removed\n");
}
