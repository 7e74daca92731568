// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest-physical view of this VM: the port's region table (entry 0 is
 * the PDEV, the others the PMEM of the VM's vlinks), each entry mapped
 * through the BAR 2 of the ivshmem device whose IVPosition it names.
 * Region devices may bind before or after the PDEV device; an entry is
 * usable once both are there. Lookups run under rcu_read_lock(); binding
 * and unbinding run under nkddi.lock, and a mapping is unmapped (the table
 * cleared) only after a grace period that follows its unpublishing.
 * Drivers' own pointers are covered by the removal notifier (pci.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "nkddi.h"

/* Why entry `i` of the region table cannot be used, or NULL. */
static const char *nkddi_region_fault(u32 i)
{
	const struct nkddi_region *r = &nkddi.regions[i];
	u32 j;

	if (!i) {
		if (r->base != nkddi.pdev_base || r->size != nkddi.pdev_size ||
		    r->ivposition != NKHV_PORT_ID_PDEV)
			return "entry 0 is not the PDEV";
		return NULL;
	}
	if (!r->size || !PAGE_ALIGNED(r->size) || !PAGE_ALIGNED(r->base))
		return "base or size not page aligned";
	if (r->base + r->size < r->base)
		return "range wraps around";
	if (r->ivposition < NKHV_PORT_ID_REGION(1))
		return "IVPosition is not a region device's";
	for (j = 0; j < i; j++) {
		const struct nkddi_region *o = &nkddi.regions[j];

		if (!o->valid)
			continue;
		if (o->ivposition == r->ivposition)
			return "IVPosition used by an earlier entry";
		if (r->base < o->base + o->size && o->base < r->base + r->size)
			return "overlaps an earlier entry";
	}
	return NULL;
}

/* Copy and check the port's region table. Needs the PDEV snapshot. */
int nkddi_region_load(void)
{
	const struct nkhv_port_region *t = nkddi.port->region;
	u32 n = min_t(u32, READ_ONCE(nkddi.port->nregions), NKHV_PORT_REGIONS);
	const char *fault;
	u32 i;

	for (i = 0; i < n; i++) {
		struct nkddi_region *r = &nkddi.regions[i];

		memset(r, 0, sizeof(*r));
		r->base = READ_ONCE(t[i].base);
		r->size = READ_ONCE(t[i].size);
		r->ivposition = READ_ONCE(t[i].ivposition);
		r->writable = READ_ONCE(t[i].writable) != 0;
		fault = nkddi_region_fault(i);
		if (fault && !i) {
			pr_err("port region table refused: %s\n", fault);
			return -EINVAL;
		}
		if (fault) {
			pr_err("region %u [0x%llx, +0x%llx) IVPosition %u refused: %s\n",
			       i, r->base, r->size, r->ivposition, fault);
			continue;
		}
		r->valid = true;
	}
	RCU_INIT_POINTER(nkddi.regions[0].map, nkddi.pdev);
	/* Pairs with the acquire of nkddi_region_ptov()/_vtop(). */
	smp_store_release(&nkddi.nregions, n);
	return 0;
}

/* Map a read-only region through its BAR with read-only page tables. */
static void *nkddi_map_ro(phys_addr_t phys, u64 size)
{
	unsigned long i, n = size >> PAGE_SHIFT, *pfns;
	void *map;

	pfns = kvmalloc_array(n, sizeof(*pfns), GFP_KERNEL);
	if (!pfns)
		return NULL;
	for (i = 0; i < n; i++)
		pfns[i] = PHYS_PFN(phys) + i;
	map = vmap_pfn(pfns, n, PAGE_KERNEL_RO);
	kvfree(pfns);
	return map;
}

/* Map entry `i` through `dev` and publish the mapping. */
static void nkddi_region_map(u32 i, struct nkddi_dev *dev)
{
	struct nkddi_region *r = &nkddi.regions[i];
	struct device *d = &dev->pci->dev;
	void *map = NULL;

	if (!nkddi_bar_fits(r->size, dev->bar2_size)) {
		dev_err(d, "region %u is 0x%llx bytes but BAR 2 is 0x%llx\n", i,
			r->size, (u64)dev->bar2_size);
		return;
	}
	r->vmapped = false;
	if (!r->writable && (r->size >> PAGE_SHIFT) <= UINT_MAX) {
		map = nkddi_map_ro(dev->bar2, r->size);
		r->vmapped = map != NULL;
		if (!map)
			dev_warn(
				d,
				"region %u: no read-only mapping, mapping it writable\n",
				i);
	}
	if (!map)
		map = memremap(dev->bar2, r->size, MEMREMAP_WB);
	if (!map) {
		dev_err(d, "region %u: cannot map BAR 2\n", i);
		return;
	}
	r->dev = dev;
	dev->region = i;
	rcu_assign_pointer(r->map, map);
	dev_info(d, "region %u [0x%llx, +0x%llx)%s\n", i, r->base, r->size,
		 r->writable ? "" : " read-only");
}

/* Associate a region device with its table entry, if the PDEV is known. */
void nkddi_region_bind(struct nkddi_dev *dev)
{
	u32 i, n = nkddi.nregions;

	if (dev->region >= 0)
		return;
	if (!nkddi.pdev_dev) {
		dev_info(&dev->pci->dev,
			 "IVPosition %u: waiting for the PDEV device\n",
			 dev->ivposition);
		return;
	}
	for (i = 1; i < n; i++) {
		struct nkddi_region *r = &nkddi.regions[i];

		if (r->valid && r->ivposition == dev->ivposition) {
			if (rcu_access_pointer(r->map)) {
				dev_err(&dev->pci->dev,
					"IVPosition %u: region %u already has a device\n",
					dev->ivposition, i);
				return;
			}
			nkddi_region_map(i, dev);
			return;
		}
	}
	dev_warn(&dev->pci->dev,
		 "IVPosition %u matches no region of VM %u, ignored\n",
		 dev->ivposition, nkddi.vm_id);
}

/*
 * Unpublish and unmap the entry `dev` carries: no lookup may still use
 * the mapping (a grace period lies between). nkddi.lock held.
 */
void nkddi_region_unbind(struct nkddi_dev *dev)
{
	struct nkddi_region *r;
	void *map;

	if (dev->region < 0)
		return;
	r = &nkddi.regions[dev->region];
	map = rcu_dereference_protected(r->map, lockdep_is_held(&nkddi.lock));
	RCU_INIT_POINTER(r->map, NULL);
	synchronize_rcu();
	if (r->vmapped)
		vunmap(map);
	else
		memunmap(map);
	r->dev = NULL;
	dev->region = -1;
}

/* After the PDEV probed: bind the region devices seen so far. */
void nkddi_region_bind_all(void)
{
	struct nkddi_dev *dev;
	u32 i;

	list_for_each_entry(dev, &nkddi.devs, node)
		if (dev != nkddi.pdev_dev)
			nkddi_region_bind(dev);
	for (i = 1; i < nkddi.nregions; i++)
		if (nkddi.regions[i].valid &&
		    !rcu_access_pointer(nkddi.regions[i].map))
			pr_info("region %u [0x%llx, +0x%llx): no device with IVPosition %u yet\n",
				i, nkddi.regions[i].base, nkddi.regions[i].size,
				nkddi.regions[i].ivposition);
}

/*
 * The PDEV goes away: forget the table, unmap every region device. The
 * table is cleared only after a grace period: no lookup reads it then.
 * nkddi.lock held.
 */
void nkddi_region_unbind_all(void)
{
	struct nkddi_dev *dev;

	WRITE_ONCE(nkddi.nregions, 0);
	synchronize_rcu();
	list_for_each_entry(dev, &nkddi.devs, node)
		if (dev != nkddi.pdev_dev)
			nkddi_region_unbind(dev);
	memset(nkddi.regions, 0, sizeof(nkddi.regions));
}

/*
 * Virtual address of [paddr, paddr + size) if it lies within one mapped
 * region of this VM, else NULL (logged, rate limited).
 */
void *nkddi_region_ptov(u64 paddr, u64 size)
{
	u32 i, n, ivposition;
	u8 *map;

	rcu_read_lock();
	/* Pairs with the release of nkddi_region_load(). */
	n = smp_load_acquire(&nkddi.nregions);
	for (i = 0; i < n; i++) {
		const struct nkddi_region *r = &nkddi.regions[i];

		if (!r->valid || paddr < r->base ||
		    paddr - r->base >= r->size ||
		    size > r->size - (paddr - r->base))
			continue;
		map = rcu_dereference(r->map);
		ivposition = r->ivposition;
		rcu_read_unlock();
		if (map)
			return map + (paddr - r->base);
		pr_warn_ratelimited(
			"[0x%llx, +0x%llx) is in region %u, whose device (IVPosition %u) is not bound\n",
			paddr, size, i, ivposition);
		return NULL;
	}
	rcu_read_unlock();
	pr_warn_ratelimited("[0x%llx, +0x%llx) is not within one region of VM %u\n",
			    paddr, size, nkddi.vm_id);
	return NULL;
}

/* Guest-physical address of a mapped byte, or 0. */
u64 nkddi_region_vtop(const void *vaddr)
{
	const u8 *p = vaddr, *map;
	bool found = false;
	u64 pa = 0;
	u32 i, n;

	rcu_read_lock();
	/* Pairs with the release of nkddi_region_load(). */
	n = smp_load_acquire(&nkddi.nregions);
	for (i = 0; i < n && !found; i++) {
		const struct nkddi_region *r = &nkddi.regions[i];

		map = rcu_dereference(r->map);
		found = map && p >= map && p - map < r->size;
		if (found)
			pa = r->base + (p - map);
	}
	rcu_read_unlock();
	if (found)
		return pa;
	pr_warn_ratelimited("%p is in no mapped region\n", vaddr);
	return 0;
}
