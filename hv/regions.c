// SPDX-License-Identifier: GPL-2.0-only
/*
 * The memory nkhv owns: one memfd per VM PDEV and per vlink PMEM, created
 * at start and kept, with their contents, until nkhv exits (with
 * --persist, files that outlive it: persist.c). Also the PDEV system
 * area: header, vlink descriptors, info strings and the port.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <nkhv/port_layout.h>

#include "nkhv.h"

/* Smallest power of two >= v (v <= 2^63). */
static uint64_t pow2_up(uint64_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/*
 * The memfd is sized to a power of two >= the region: QEMU makes it the
 * BAR 2 of an ivshmem device, and PCI BARs are powers of two. Nothing is
 * ever placed in the tail past `size`; each memfd is one region's own.
 */
static int region_create(struct hv *hv, struct hv_region *r, const char *name,
			 uint64_t base, uint64_t size)
{
	/* With --persist, a file that keeps its contents across runs. */
	r->fd = hv->persist_dir ? hv_persist_region_fd(hv, name) :
				  memfd_create(name, MFD_CLOEXEC);
	if (r->fd < 0)
		return hv->persist_dir ? r->fd : -errno;
	if (ftruncate(r->fd, (off_t)pow2_up(size)) < 0)
		return -errno;
	r->map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->map == MAP_FAILED) {
		r->map = NULL;
		return -errno;
	}
	r->base = base;
	r->size = size;
	r->used = 0;
	r->start = 0;
	return 0;
}

static void region_destroy(struct hv_region *r)
{
	if (r->map)
		munmap(r->map, r->size);
	if (r->fd >= 0)
		close(r->fd);
	r->map = NULL;
	r->fd = -1;
}

/* Tree position of VM `vm`'s first end-point node of vlink `l`. */
static uint32_t endpoint_order(struct hv *hv, uint32_t vm, uint32_t l)
{
	const struct nkhv_vlink *c = &hv->sys.vlinks[l];
	uint32_t o = UINT32_MAX;

	if (c->server.vm == vm)
		o = c->server.node_order;
	if (c->client.vm == vm && c->client.node_order < o)
		o = c->client.node_order;
	return o;
}

/*
 * Fill desc_vlink[] of every VM: one descriptor per vlink it is an
 * end-point of, in the order of its own end-point nodes in the tree.
 */
static void index_descriptors(struct hv *hv)
{
	uint32_t v, l, i;

	for (v = 0; v < hv->sys.nvms; v++) {
		struct hv_vm *vm = &hv->vms[v];

		for (l = 0; l < hv->sys.nvlinks; l++) {
			uint32_t key;

			if (!hv_is_endpoint(hv, v, l))
				continue;
			/* Insertion sort by node order; vlinks are few. */
			key = endpoint_order(hv, v, l);
			for (i = vm->ndesc;
			     i > 0 &&
			     endpoint_order(hv, v, vm->desc_vlink[i - 1]) > key;
			     i--)
				vm->desc_vlink[i] = vm->desc_vlink[i - 1];
			vm->desc_vlink[i] = l;
			vm->ndesc++;
		}
	}
}

/*
 * Lay out the port of VM `vm` in its PDEV (after the XIRQ counters, see
 * hv_pdev_write_descriptors) and build its region table.
 */
static int port_create(struct hv *hv, uint32_t vm)
{
	struct hv_vm *v = &hv->vms[vm];
	const struct nkhv_pdev_header *h = (const void *)v->pdev.map;
	uint32_t vlinks[NKHV_PORT_REGIONS], wanted, n;

	if (h->alloc_off > v->pdev.size) {
		hv_log("vm %u (%s): pdev-size 0x%llx cannot hold its system area and port (0x%llx bytes)",
		       v->cfg->id, v->cfg->name,
		       (unsigned long long)v->pdev.size,
		       (unsigned long long)h->alloc_off);
		return -ENOSPC;
	}
	v->port.area = (struct nkhv_port *)(v->pdev.map + h->port_off);
	v->port.nregions = nkhv_port_regions(&hv->sys, vm, vlinks, &wanted);
	if (wanted > v->port.nregions)
		hv_log("vm %u (%s): %u PMEM regions, a QEMU VM reaches only the first %u",
		       v->cfg->id, v->cfg->name, wanted - 1,
		       v->port.nregions - 1);
	v->port.region[0] = &v->pdev;
	for (n = 1; n < v->port.nregions; n++)
		v->port.region[n] = &hv->vlinks[vlinks[n]].pmem;
	memset(v->port.area, 0, NKHV_PORT_SIZE(v->cfg->xirq_limit));
	hv_port_write_header(hv, vm);
	return 0;
}

/*
 * (Re)write the parts of VM `vm`'s port that nkhv owns and the guest
 * only reads: identification and region table, from nkhv's own copy.
 */
void hv_port_write_header(struct hv *hv, uint32_t vm)
{
	struct hv_port *p = &hv->vms[vm].port;
	struct nkhv_port *a = p->area;
	uint32_t n;

	a->magic = NKHV_PORT_MAGIC;
	a->version = NKHV_PORT_VERSION;
	a->nregions = p->nregions;
	a->xirq_limit = hv->vms[vm].cfg->xirq_limit;
	memset(a->region, 0, sizeof(a->region));
	for (n = 0; n < p->nregions; n++) {
		a->region[n].base = p->region[n]->base;
		a->region[n].size = p->region[n]->size;
		a->region[n].ivposition =
			n ? NKHV_PORT_ID_REGION(n) : NKHV_PORT_ID_PDEV;
		a->region[n].writable = 1;
	}
}

int hv_regions_create(struct hv *hv)
{
	char name[64];
	uint32_t i;
	int err;

	for (i = 0; i < hv->sys.nvms; i++) {
		struct hv_port *p = &hv->vms[i].port;
		uint32_t n;

		hv->vms[i].pdev.fd = -1;
		hv->vms[i].conn_fd = -1;
		hv->vms[i].listen_fd = -1;
		hv->vms[i].sysconf_efd = -1;
		for (n = 0; n < NKHV_PORT_REGIONS; n++)
			p->listen_fd[n] = p->conn_fd[n] = -1;
		for (n = 0; n < NKHV_PORT_VECTORS; n++)
			p->doorbell_efd[n] = p->vector_efd[n] = -1;
	}
	for (i = 0; i < hv->sys.nvlinks; i++) {
		const struct nkhv_vlink *c = &hv->sys.vlinks[i];
		struct hv_vlink *l = &hv->vlinks[i];

		l->cfg = c;
		l->s_vm = c->server.vm;
		l->c_vm = c->client.vm;
		l->s_state = NK_DEV_VLINK_OFF;
		l->c_state = NK_DEV_VLINK_OFF;
		l->pmem.fd = -1;
		if (!c->pmem_size)
			continue;
		snprintf(name, sizeof(name), "pmem-%s-%d", c->name, c->link);
		err = region_create(hv, &l->pmem, name, c->pmem_base,
				    c->pmem_size);
		if (err)
			return err;
	}
	index_descriptors(hv);
	for (i = 0; i < hv->sys.nvms; i++) {
		struct hv_vm *vm = &hv->vms[i];
		const struct nkhv_vm *c = &hv->sys.vms[i];

		vm->cfg = c;
		snprintf(name, sizeof(name), "pdev-vm%u", c->id);
		err = region_create(hv, &vm->pdev, name, c->pdev_base,
				    c->pdev_size);
		if (err)
			return err;
		vm->xirqs = calloc(c->xirq_limit, sizeof(*vm->xirqs));
		if (!vm->xirqs)
			return -ENOMEM;
		vm->xirq_next = NK_XIRQ_FIRST_DYNAMIC;
		vm->sysconf_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vm->sysconf_efd < 0)
			return -errno;
		hv_pdev_write_descriptors(hv, i, true);
		err = port_create(hv, i);
		if (err)
			return err;
	}
	return hv->persist_dir ? hv_persist_replay(hv) : 0;
}

void hv_regions_destroy(struct hv *hv)
{
	uint32_t i, x;

	hv_labels_free(hv);
	for (i = 0; i < hv->sys.nvms; i++) {
		struct hv_vm *vm = &hv->vms[i];

		region_destroy(&vm->pdev);
		for (x = 0; vm->xirqs && x < vm->nxirqs; x++)
			close(vm->xirqs[x].efd);
		free(vm->xirqs);
		if (vm->sysconf_efd >= 0)
			close(vm->sysconf_efd);
		vm->xirqs = NULL;
	}
	for (i = 0; i < hv->sys.nvlinks; i++)
		region_destroy(&hv->vlinks[i].pmem);
}

/* Descriptor of vlink `vlink` in the PDEV of VM index `vm`, or NULL. */
NkDevVlink *hv_desc(struct hv *hv, uint32_t vm, uint32_t vlink)
{
	struct hv_vm *v = &hv->vms[vm];
	uint32_t d;

	for (d = 0; d < v->ndesc; d++)
		if (v->desc_vlink[d] == vlink)
			return (NkDevVlink *)(v->pdev.map + NKHV_PDEV_DESC_OFF +
					      d * sizeof(NkDevVlink));
	return NULL;
}

/*
 * Map a descriptor address given by VM `vm` to a vlink index. Only the
 * exact address of one of its own descriptors is accepted.
 */
int hv_desc_index(struct hv *hv, uint32_t vm, uint64_t paddr)
{
	struct hv_vm *v = &hv->vms[vm];
	uint64_t off;

	if (paddr < v->pdev.base + NKHV_PDEV_DESC_OFF)
		return -1;
	off = paddr - v->pdev.base - NKHV_PDEV_DESC_OFF;
	if (off % sizeof(NkDevVlink) || off / sizeof(NkDevVlink) >= v->ndesc)
		return -1;
	return (int)v->desc_vlink[off / sizeof(NkDevVlink)];
}

/* Copy an info string into the PDEV string area; returns its paddr. */
static NkPhAddr put_string(struct hv_vm *v, uint64_t *off, const char *s)
{
	size_t n = strlen(s) + 1;
	NkPhAddr pa;

	if (n == 1)
		return 0;
	memcpy(v->pdev.map + *off, s, n);
	pa = v->pdev.base + *off;
	*off += n;
	return pa;
}

/* Store `val` in a 32-bit field of guest memory, only if it differs. */
static void put32(volatile void *field, uint32_t val)
{
	if (__atomic_load_n((volatile uint32_t *)field, __ATOMIC_RELAXED) !=
	    val)
		__atomic_store_n((volatile uint32_t *)field, val,
				 __ATOMIC_RELAXED);
}

/* The same for 64-bit fields (naturally aligned in both structures). */
static void put64(volatile void *field, uint64_t val)
{
	if (__atomic_load_n((volatile uint64_t *)field, __ATOMIC_RELAXED) !=
	    val)
		__atomic_store_n((volatile uint64_t *)field, val,
				 __ATOMIC_RELAXED);
}

/*
 * Write descriptor `d` of VM `vm` from nkhv's state. Each field is stored
 * on its own and only when it differs, so a guest reading concurrently
 * never sees a field pass through a value it never had. The state of a
 * side the VM owns is written only with `own_states`: otherwise the VM
 * may be writing it right now, and the bridge hears of it on SYSCONF.
 */
static void write_descriptor(struct hv *hv, uint32_t vm, uint32_t d,
			     uint64_t *str_off, bool own_states)
{
	struct hv_vm *v = &hv->vms[vm];
	struct hv_vlink *l = &hv->vlinks[v->desc_vlink[d]];
	NkDevVlink *desc = (NkDevVlink *)(v->pdev.map + NKHV_PDEV_DESC_OFF +
					  d * sizeof(NkDevVlink));
	char name[NK_DEV_VLINK_NAME_LIMIT] = { 0 };
	uint32_t i;

	memcpy(name, l->cfg->name, sizeof(name));
	for (i = 0; i < sizeof(name); i += 4) {
		uint32_t w;

		memcpy(&w, name + i, 4);
		put32(desc->name + i, w);
	}
	put32(&desc->link, (uint32_t)l->cfg->link);
	put32(&desc->s_id, hv->sys.vms[l->s_vm].id);
	put32(&desc->c_id, hv->sys.vms[l->c_vm].id);
	if (own_states || l->s_vm != vm)
		put32(&desc->s_state, (uint32_t)l->s_state);
	if (own_states || l->c_vm != vm)
		put32(&desc->c_state, (uint32_t)l->c_state);
	put64(&desc->s_info, put_string(v, str_off, l->cfg->server.info));
	put64(&desc->c_info, put_string(v, str_off, l->cfg->client.info));
	put32(&desc->c_power, NK_DEV_POWER_ON);
	put64(&desc->resrc, 0);
	put32(&desc->lock, 0);
}

/*
 * (Re)write the system area of VM `vm`'s PDEV from nkhv's own state:
 * header, descriptors, info strings. Nothing is read back from guest
 * memory; fields are rewritten in place, field by field (see
 * write_descriptor), because the guest reads them at any time.
 */
void hv_pdev_write_descriptors(struct hv *hv, uint32_t vm, bool own_states)
{
	struct hv_vm *v = &hv->vms[vm];
	struct nkhv_pdev_header *h = (void *)v->pdev.map;
	uint64_t off = NKHV_PDEV_DESC_OFF + v->ndesc * sizeof(NkDevVlink);
	uint32_t d, last_id = 0, port_off;

	for (d = 0; d < v->ndesc; d++)
		write_descriptor(hv, vm, d, &off, own_states);
	off = NKHV_ALIGN_UP(off, NKHV_PDEV_ALIGN);
	/* Then the XIRQ counters, the port (page aligned), the free area. */
	for (d = 0; d < hv->sys.nvms; d++)
		if (hv->sys.vms[d].id > last_id)
			last_id = hv->sys.vms[d].id;
	port_off = (uint32_t)NKHV_ALIGN_UP(
		off + NKHV_PDEV_STATS_SIZE(v->cfg->xirq_limit), NKHV_PAGE_SIZE);
	put32(&h->magic, NKHV_PDEV_MAGIC);
	put32(&h->version, NKHV_PDEV_VERSION);
	put64(&h->base, v->pdev.base);
	put64(&h->size, v->pdev.size);
	put32(&h->vm_id, v->cfg->id);
	put32(&h->last_id, last_id);
	put32(&h->nvlinks, v->ndesc);
	put32(&h->desc_off, NKHV_PDEV_DESC_OFF);
	put32(&h->xirq_limit, v->cfg->xirq_limit);
	put64(&h->stats_off, off);
	put32(&h->port_off, port_off);
	put64(&h->alloc_off, port_off + NKHV_PORT_SIZE(v->cfg->xirq_limit));
	v->stats_off = off;
	v->pdev.start = port_off + NKHV_PORT_SIZE(v->cfg->xirq_limit);
}

/*
 * The region VM `vm` may map that holds [paddr, paddr + size): its own
 * PDEV or the PMEM of one of its vlinks. NULL for anything else.
 */
const struct hv_region *hv_region_for(struct hv *hv, uint32_t vm,
				      uint64_t paddr, uint64_t size,
				      bool *writable)
{
	const struct hv_region *r = &hv->vms[vm].pdev;
	uint32_t l;

	*writable = true;
	if (!size || paddr + size < paddr)
		return NULL;
	if (paddr >= r->base && paddr + size <= r->base + r->size)
		return r;
	for (l = 0; l < hv->sys.nvlinks; l++) {
		r = &hv->vlinks[l].pmem;
		if (r->fd < 0 || !hv_is_endpoint(hv, vm, l))
			continue;
		if (paddr >= r->base && paddr + size <= r->base + r->size)
			return r;
	}
	return NULL;
}
