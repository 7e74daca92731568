// SPDX-License-Identifier: GPL-2.0-only
/*
 * Labelled allocations: PMEM blocks of a vlink, blocks of a VM's PDEV and
 * XIRQ ranges. A label is <vlink, kind, id>; the first request fixes the
 * block and every later request with the same label, from either end-point
 * and across VM restarts, gets the same answer.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "nkhv.h"

/*
 * Labels are kept per vlink, in a table that grows as needed: every label
 * holds at least one unit of a resource the device tree bounds (a page of
 * the vlink's PMEM, NKHV_PDEV_ALIGN bytes of a PDEV, an XIRQ), so what a
 * VM can make nkhv keep is bounded by its own configuration, and one
 * VM's labels never crowd out another's.
 */
static struct hv_label *label_find(struct hv *hv, uint32_t vlink,
				   enum hv_label_kind kind, uint32_t id,
				   uint32_t vm)
{
	struct hv_vlink *vl = &hv->vlinks[vlink];
	uint32_t i;

	for (i = 0; i < vl->nlabels; i++) {
		struct hv_label *lb = &vl->labels[i];

		if (lb->kind == kind && lb->id == id &&
		    (kind != HV_LABEL_PDEV || lb->vm == vm))
			return lb;
	}
	return NULL;
}

/* A new entry in vlink `vlink`'s label table, or NULL (out of memory). */
static struct hv_label *label_new(struct hv *hv, uint32_t vlink)
{
	struct hv_vlink *vl = &hv->vlinks[vlink];

	if (vl->nlabels == vl->labels_cap) {
		uint32_t cap = vl->labels_cap ? vl->labels_cap * 2 : 16;
		struct hv_label *t = realloc(vl->labels, cap * sizeof(*t));

		if (!t)
			return NULL;
		vl->labels = t;
		vl->labels_cap = cap;
	}
	return &vl->labels[vl->nlabels];
}

void hv_labels_free(struct hv *hv)
{
	uint32_t l;

	for (l = 0; l < hv->sys.nvlinks; l++) {
		free(hv->vlinks[l].labels);
		hv->vlinks[l].labels = NULL;
		hv->vlinks[l].nlabels = hv->vlinks[l].labels_cap = 0;
	}
}

/* Carve `size` bytes aligned to `align` from a region's bump allocator. */
static int region_carve(struct hv_region *r, uint64_t size, uint64_t align,
			uint64_t *paddr)
{
	uint64_t off = NKHV_ALIGN_UP(r->start + r->used, align);

	if (r->fd < 0 || off > r->size || size > r->size - off)
		return -ENOSPC;
	r->used = off + size - r->start;
	*paddr = r->base + off;
	return 0;
}

/* XIRQ budget of VM index `vm` on vlink `l` and what it has used. */
static uint32_t *xirq_budget(struct hv *hv, uint32_t vm, uint32_t l,
			     uint32_t *limit)
{
	struct hv_vlink *vl = &hv->vlinks[l];

	*limit = 0;
	if (vl->s_vm == vm && vl->c_vm == vm) {
		*limit = vl->cfg->server.xirqs + vl->cfg->client.xirqs;
		return &vl->s_xirqs_used;
	}
	if (vl->s_vm == vm) {
		*limit = vl->cfg->server.xirqs;
		return &vl->s_xirqs_used;
	}
	*limit = vl->cfg->client.xirqs;
	return &vl->c_xirqs_used;
}

/* Allocate `nb` XIRQs, each with its eventfd, in VM `vm`'s space. */
static int xirq_carve(struct hv *hv, uint32_t vm, uint32_t l, uint64_t nb,
		      uint64_t *first)
{
	struct hv_vm *v = &hv->vms[vm];
	uint32_t limit, *used = xirq_budget(hv, vm, l, &limit);
	uint64_t i;

	if (!nb || nb > limit - *used || nb > v->cfg->xirq_limit - v->xirq_next)
		return -ENOSPC;
	for (i = 0; i < nb; i++) {
		int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

		if (efd < 0) {
			int err = -errno;

			while (i--)
				close(v->xirqs[--v->nxirqs].efd);
			return err;
		}
		v->xirqs[v->nxirqs].xirq = v->xirq_next + (NkXIrq)i;
		v->xirqs[v->nxirqs].vlink = l;
		v->xirqs[v->nxirqs].efd = efd;
		v->nxirqs++;
	}
	/* A QEMU VM's provider hears of its XIRQs through nkhv. */
	for (i = 0; v->qemu && v->port.provider && i < nb; i++)
		hv_port_watch_xirq(
			hv, vm, v->nxirqs - (uint32_t)nb + (uint32_t)i, true);
	*first = v->xirq_next;
	v->xirq_next += (NkXIrq)nb;
	*used += (uint32_t)nb;
	return 0;
}

/* The allocated XIRQ `xirq` of VM index `vm`, or NULL. */
struct hv_xirq *hv_xirq_find(struct hv *hv, uint32_t vm, NkXIrq xirq)
{
	struct hv_vm *v = &hv->vms[vm];
	uint32_t i;

	for (i = 0; i < v->nxirqs; i++)
		if (v->xirqs[i].xirq == xirq)
			return &v->xirqs[i];
	return NULL;
}

/*
 * Serve a labelled allocation for VM index `vm`. `vlink_paddr` must be the
 * address of one of the caller's own descriptors. Returns 0 with *value
 * set, -EPERM for a refused request (counted), or another -errno.
 */
int hv_alloc(struct hv *hv, uint32_t vm, enum hv_label_kind kind,
	     uint64_t vlink_paddr, uint32_t id, NkOsId osid, uint64_t size,
	     uint64_t *value)
{
	static const char *const what[] = { "PMEM", "PDEV", "XIRQ" };
	int l = hv_desc_index(hv, vm, vlink_paddr);
	struct hv_label *lb;
	uint32_t space = vm;
	uint64_t asked = size;
	int err;

	if (l < 0) {
		hv_refuse(
			hv, vm, HV_REF_ALLOC,
			"%s allocation on 0x%llx: not one of its vlink descriptors",
			what[kind], (unsigned long long)vlink_paddr);
		return -EPERM;
	}
	if (kind == HV_LABEL_XIRQ) {
		struct hv_vlink *vl = &hv->vlinks[l];

		if (osid == hv->sys.vms[vl->s_vm].id)
			space = vl->s_vm;
		else if (osid == hv->sys.vms[vl->c_vm].id)
			space = vl->c_vm;
		else {
			hv->vlinks[l].refusals++;
			hv_refuse(
				hv, vm, HV_REF_ALLOC,
				"XIRQ allocation for os %u on vlink %s/%d: not an end-point",
				osid, vl->cfg->name, vl->cfg->link);
			return -EPERM;
		}
	}
	if (kind != HV_LABEL_XIRQ)
		size = NKHV_ALIGN_UP(size, kind == HV_LABEL_PMEM ?
						   NKHV_PAGE_SIZE :
						   NKHV_PDEV_ALIGN);
	lb = label_find(hv, (uint32_t)l, kind, id, vm);
	if (lb) {
		if (lb->asked != asked ||
		    (kind == HV_LABEL_XIRQ && lb->vm != space))
			return -EINVAL;
		*value = lb->value;
		return 0;
	}
	if (!size)
		return -EINVAL;
	if (!label_new(hv, (uint32_t)l))
		return -ENOMEM;
	switch (kind) {
	case HV_LABEL_PMEM:
		err = region_carve(&hv->vlinks[l].pmem, size, NKHV_PAGE_SIZE,
				   value);
		break;
	case HV_LABEL_PDEV:
		err = region_carve(&hv->vms[vm].pdev, size, NKHV_PDEV_ALIGN,
				   value);
		break;
	default:
		err = xirq_carve(hv, space, (uint32_t)l, size, value);
		break;
	}
	if (err == -ENOSPC) {
		static const char *const budget[] = {
			"the vlink's PMEM", "its PDEV",
			"the end-point's XIRQ budget or the VM's xirq-limit"
		};

		hv_refuse(hv, vm, HV_REF_BUDGET,
			  "%s allocation %u of %llu on vlink %s/%d: %s is exhausted",
			  what[kind], id, (unsigned long long)size,
			  hv->vlinks[l].cfg->name, hv->vlinks[l].cfg->link,
			  budget[kind]);
		return err;
	}
	if (err)
		return err;
	lb = &hv->vlinks[l].labels[hv->vlinks[l].nlabels++];
	lb->vlink = (uint32_t)l;
	lb->id = id;
	lb->kind = kind;
	lb->vm = kind == HV_LABEL_XIRQ ? space : vm;
	lb->value = *value;
	lb->size = size;
	lb->asked = asked;
	if (hv->persist_dir)
		hv_persist_label(hv, lb);
	return 0;
}

/* Put back label `lb` as an earlier run made it (persist.c). */
int hv_label_restore(struct hv *hv, const struct hv_label *lb)
{
	struct hv_label *n;

	if (label_find(hv, lb->vlink, lb->kind, lb->id, lb->vm))
		return -EEXIST;
	n = label_new(hv, lb->vlink);
	if (!n)
		return -ENOMEM;
	*n = *lb;
	hv->vlinks[lb->vlink].nlabels++;
	return 0;
}

/*
 * Put back PMEM or PDEV label `lb` (PDEV: lb->vm, an end-point of the
 * vlink, owns it): it must be its region's next carve, of a size its
 * request rounds up to, exactly as when it was first handed out; so
 * restored labels never overlap and never hold more than the region.
 */
int hv_region_restore(struct hv *hv, const struct hv_label *lb)
{
	bool pmem = lb->kind == HV_LABEL_PMEM;
	uint64_t align = pmem ? NKHV_PAGE_SIZE : NKHV_PDEV_ALIGN, off, used;
	struct hv_region *r;
	int err;

	if ((lb->kind != HV_LABEL_PMEM && lb->kind != HV_LABEL_PDEV) ||
	    !hv_is_endpoint(hv, lb->vm, lb->vlink) || !lb->asked ||
	    lb->asked > lb->size || NKHV_ALIGN_UP(lb->asked, align) != lb->size)
		return -EINVAL;
	r = pmem ? &hv->vlinks[lb->vlink].pmem : &hv->vms[lb->vm].pdev;
	off = NKHV_ALIGN_UP(r->start + r->used, align);
	if (r->fd < 0 || off > r->size || lb->size > r->size - off ||
	    lb->value != r->base + off)
		return -EINVAL;
	used = r->used;
	r->used = off + lb->size - r->start;
	err = hv_label_restore(hv, lb);
	if (err)
		r->used = used;
	return err;
}

/*
 * Put back XIRQ label `lb` (lb->vm: the VM whose space) with its
 * eventfds: the numbers must be the next free ones of that VM, within
 * the end-point's budget, as when they were first handed out.
 */
int hv_xirq_restore(struct hv *hv, const struct hv_label *lb)
{
	struct hv_vm *v = &hv->vms[lb->vm];
	uint64_t first;
	int err;

	if (!hv_is_endpoint(hv, lb->vm, lb->vlink) ||
	    lb->value != v->xirq_next ||
	    label_find(hv, lb->vlink, lb->kind, lb->id, lb->vm))
		return -EINVAL;
	err = xirq_carve(hv, lb->vm, lb->vlink, lb->size, &first);
	if (err)
		return err;
	return hv_label_restore(hv, lb);
}
