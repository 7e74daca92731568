// SPDX-License-Identifier: GPL-2.0-only
/*
 * Compatibility check: a ring driver in the way VLX's ring drivers use
 * the device repository. The consumer looks for its ring among the
 * NK_DEV_ID_RING devices; if there is none it allocates the descriptor
 * and the ring data in one repository block, an XIRQ for itself, and
 * adds the device. Requests are signalled with the peer's XIRQ.
 */
#include <nk/nkern.h>

#include "vlx_compat.h"

#define VLX_RING_TYPE 0x5644534b /* "VDSK" */
#define VLX_RING_SIZE 16

struct vlx_ring {
	NkDevDesc *desc;
	NkDevRing *ring;
	NkXIrqId xid;
	volatile nku32_f events;
};

static struct vlx_ring vlx_ring;

static void vlx_ring_xirq(void *cookie, NkXIrq xirq)
{
	struct vlx_ring *r = cookie;

	(void)xirq;
	nkops.nk_atomic_set(&r->events, nkops.nk_bit2mask(0));
}

/* The ring this VM consumes for producer `pid`, made if there is none. */
static NkPhAddr vlx_ring_find(NkOsId pid)
{
	NkOsId self = nkops.nk_id_get();
	NkPhAddr pdev = 0;

	while ((pdev = nkops.nk_dev_lookup_by_type(NK_DEV_ID_RING, pdev))) {
		NkDevDesc *vdev = (NkDevDesc *)nkops.nk_ptov(pdev);
		NkDevRing *ring = (NkDevRing *)nkops.nk_ptov(vdev->dev_header);

		if (vdev->dev_owner == self && ring->type == VLX_RING_TYPE &&
		    ring->pid == pid)
			return pdev;
	}
	return 0;
}

static NkPhAddr vlx_ring_create(NkOsId pid)
{
	NkPhSize size = sizeof(NkDevDesc) + sizeof(NkDevRing) +
			VLX_RING_SIZE * sizeof(nku32_f);
	NkPhAddr pdev = nkops.nk_dev_alloc(size);
	NkDevDesc *vdev;
	NkDevRing *ring;

	if (!pdev)
		return 0;
	vdev = (NkDevDesc *)nkops.nk_ptov(pdev);
	ring = (NkDevRing *)(vdev + 1);
	vdev->class_id = NK_DEV_CLASS_GEN;
	vdev->dev_id = NK_DEV_ID_RING;
	vdev->dev_header = nkops.nk_vtop(ring);
	vdev->dev_owner = nkops.nk_id_get();
	ring->pid = pid;
	ring->type = VLX_RING_TYPE;
	ring->cxirq = nkops.nk_xirq_alloc(1);
	ring->dsize = sizeof(nku32_f);
	ring->imask = VLX_RING_SIZE - 1;
	ring->base = vdev->dev_header + sizeof(NkDevRing);
	if (!ring->cxirq)
		return 0;
	nkops.nk_dev_add(pdev);
	return pdev;
}

/* Probe: 0 when the ring is up. */
int vlx_ring_probe(NkOsId pid)
{
	NkPhAddr pdev = vlx_ring_find(pid);

	if (!pdev)
		pdev = vlx_ring_create(pid);
	if (!pdev)
		return -1;
	vlx_ring.desc = (NkDevDesc *)nkops.nk_ptov(pdev);
	vlx_ring.ring = (NkDevRing *)nkops.nk_ptov(vlx_ring.desc->dev_header);
	vlx_ring.xid = nkops.nk_xirq_attach(vlx_ring.ring->cxirq, vlx_ring_xirq,
					    &vlx_ring);
	return vlx_ring.xid ? 0 : -1;
}

/* Answer the pending requests; tell the producer. */
void vlx_ring_serve(void)
{
	NkDevRing *ring = vlx_ring.ring;
	nku32_f *slots = (nku32_f *)nkops.nk_ptov(ring->base);
	nku32_f i;

	while (ring->iresp != ring->ireq) {
		i = ring->iresp & ring->imask;
		slots[i] = ~slots[i];
		ring->iresp++;
	}
	if (ring->pxirq)
		nkops.nk_xirq_trigger(ring->pxirq, ring->pid);
}

void vlx_ring_remove(void)
{
	if (vlx_ring.xid)
		nkops.nk_xirq_detach(vlx_ring.xid);
	vlx_ring.xid = 0;
}

/* The repository by class: the generic devices, and whose they are. */
NkOsMask vlx_ring_owners(void)
{
	NkPhAddr pdev = 0;
	NkOsMask owners = 0;

	while ((pdev = nkops.nk_dev_lookup_by_class(NK_DEV_CLASS_GEN, pdev))) {
		NkDevDesc *vdev = (NkDevDesc *)nkops.nk_ptov(pdev);

		owners |= nkops.nk_bit2mask(vdev->dev_owner ? vdev->dev_owner :
							      NK_OS_PRIM);
	}
	return owners;
}
