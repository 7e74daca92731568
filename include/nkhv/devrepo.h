/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The device repository of a VM (nk_dev_lookup_by_class/type, nk_dev_alloc,
 * nk_dev_add): a pool in the VM's own PDEV, shared by the NKDDI providers
 * (libnkddi, nkddi.ko). Free of libc so the kernel can include it.
 *
 * The provider takes the pool with a labelled PDEV allocation on the VM's
 * first vlink (label NKHV_REPO_LABEL), so a restarted VM finds its
 * repository again, as a VLX guest finds its devices after a restart. On
 * first use the pool is formatted: a header, then one NkDevDesc of class
 * NK_DEV_CLASS_GEN and type NK_DEV_ID_VLINK per vlink descriptor of the
 * VM, in descriptor order, whose dev_header is the descriptor's address.
 * nk_dev_alloc() hands out zeroed blocks of the pool; nk_dev_add()
 * appends one of them to the list.
 *
 *	offset 0		struct nkhv_repo
 *	NKHV_REPO_FIRST		NkDevDesc per vlink, then allocations
 *
 * The pool is ordinary memory of the VM, so a stray write can damage it:
 * every walk checks each address against the pool and is bounded, and the
 * header is checked on every call. The caller serialises the calls.
 */
#ifndef NKHV_DEVREPO_H
#define NKHV_DEVREPO_H

#include <nk/nkern.h>

#define NKHV_REPO_MAGIC 0x4f50524eu /* "NRPO" little endian */
#define NKHV_REPO_VERSION 1u
#define NKHV_REPO_ALIGN 8u
#define NKHV_REPO_LABEL 0xfffffff0u /* PDEV label of the pool */
#define NKHV_XIRQ_LABEL_BASE 0xffff0000u /* nk_xirq_alloc(): base + n */
#define NKHV_REPO_SIZE 8192u /* pool bytes; NKHV_REPO_SIZE_MIN if no room */
#define NKHV_REPO_SIZE_MIN 2048u

struct nkhv_repo {
	nku32_f magic; /* NKHV_REPO_MAGIC */
	nku32_f version; /* NKHV_REPO_VERSION */
	nku64_f size; /* pool bytes */
	nku64_f used; /* bytes handed out, this header included */
	NkPhAddr head; /* first device, 0: none */
};

#define NKHV_REPO_FIRST \
	((sizeof(struct nkhv_repo) + NKHV_REPO_ALIGN - 1) & ~(NKHV_REPO_ALIGN - 1))

/* Where the pool is mapped. */
struct nkhv_repo_view {
	nku8_f *map;
	NkPhAddr base;
	nku64_f size;
};

static inline struct nkhv_repo *nkhv_repo_hdr(const struct nkhv_repo_view *v)
{
	return (struct nkhv_repo *)v->map;
}

/* The header, checked against the view; 0 if it is damaged. */
static inline nku64_f nkhv_repo_used(const struct nkhv_repo_view *v)
{
	const volatile struct nkhv_repo *h = nkhv_repo_hdr(v);
	nku64_f used = h->used;

	if (h->magic != NKHV_REPO_MAGIC || h->version != NKHV_REPO_VERSION ||
	    h->size != v->size || used < NKHV_REPO_FIRST || used > v->size ||
	    used % NKHV_REPO_ALIGN)
		return 0;
	return used;
}

/*
 * The descriptor at `paddr` if a whole NkDevDesc there lies in the part
 * of the pool handed out so far, aligned; else NULL.
 */
static inline NkDevDesc *nkhv_repo_desc(const struct nkhv_repo_view *v,
					nku64_f used, NkPhAddr paddr)
{
	nku64_f off = paddr - v->base;

	if (paddr < v->base + NKHV_REPO_FIRST || off > used ||
	    used - off < sizeof(NkDevDesc) || off % NKHV_REPO_ALIGN)
		return (NkDevDesc *)0;
	return (NkDevDesc *)(v->map + off);
}

/* Zeroed block of `size` bytes of the pool, or 0. */
static inline NkPhAddr nkhv_repo_alloc(const struct nkhv_repo_view *v,
				       NkPhSize size)
{
	struct nkhv_repo *h = nkhv_repo_hdr(v);
	nku64_f used = nkhv_repo_used(v), i;
	NkPhSize need = (size + NKHV_REPO_ALIGN - 1) & ~(NkPhSize)(NKHV_REPO_ALIGN - 1);

	if (!used || !size || need < size || need > v->size - used)
		return 0;
	for (i = 0; i < need; i++)
		v->map[used + i] = 0;
	h->used = used + need;
	return v->base + used;
}

/*
 * Walk from `cur` (0: the head) to the next device whose class
 * (by_type 0) or type (by_type 1) is `key`. Returns its address, or 0 at
 * the end, for a `cur` that is not a device, or for a damaged list.
 */
static inline NkPhAddr nkhv_repo_lookup(const struct nkhv_repo_view *v,
					int by_type, nku32_f key, NkPhAddr cur)
{
	nku64_f used = nkhv_repo_used(v), steps;
	const NkDevDesc *d;
	NkPhAddr p;

	if (!used)
		return 0;
	if (cur) {
		d = nkhv_repo_desc(v, used, cur);
		if (!d)
			return 0;
		p = *(const volatile NkPhAddr *)&d->next;
	} else {
		p = *(const volatile NkPhAddr *)&nkhv_repo_hdr(v)->head;
	}
	for (steps = used / sizeof(NkDevDesc); p && steps; steps--) {
		d = nkhv_repo_desc(v, used, p);
		if (!d)
			return 0;
		if ((by_type ? d->dev_id : d->class_id) == key)
			return p;
		p = *(const volatile NkPhAddr *)&d->next;
	}
	return 0;
}

/*
 * Append device `dev` (a block of the pool starting with its NkDevDesc).
 * Returns 0, -1 when `dev` is not a block of the pool, -2 when it is
 * already listed, -3 for a damaged list.
 */
static inline int nkhv_repo_add(const struct nkhv_repo_view *v, NkPhAddr dev)
{
	nku64_f used = nkhv_repo_used(v), steps;
	NkDevDesc *d, *nd = nkhv_repo_desc(v, used, dev);
	volatile NkPhAddr *link;
	NkPhAddr p;

	if (!used || !nd)
		return -1;
	link = &nkhv_repo_hdr(v)->head;
	for (steps = used / sizeof(NkDevDesc); (p = *link); steps--) {
		if (p == dev)
			return -2;
		d = nkhv_repo_desc(v, used, p);
		if (!d || !steps)
			return -3;
		link = &d->next;
	}
	nd->next = 0;
	*link = dev;
	return 0;
}

/*
 * Check the pool, or format it: the header and one vlink device per
 * descriptor of vlinks[0..n). Returns 1 when a valid repository was
 * there already, 0 when formatted, -1 when the pool is too small.
 */
static inline int nkhv_repo_open(const struct nkhv_repo_view *v,
				 const NkPhAddr *vlinks, nku32_f n,
				 NkOsId self)
{
	struct nkhv_repo *h = nkhv_repo_hdr(v);
	nku32_f i;

	if (nkhv_repo_used(v))
		return 1;
	if (v->size < NKHV_REPO_FIRST + (nku64_f)n * sizeof(NkDevDesc))
		return -1;
	h->magic = NKHV_REPO_MAGIC;
	h->version = NKHV_REPO_VERSION;
	h->size = v->size;
	h->used = NKHV_REPO_FIRST;
	h->head = 0;
	for (i = 0; i < n; i++) {
		NkPhAddr p = nkhv_repo_alloc(v, sizeof(NkDevDesc));
		NkDevDesc *d = (NkDevDesc *)(v->map + (p - v->base));

		d->class_id = NK_DEV_CLASS_GEN;
		d->dev_id = NK_DEV_ID_VLINK;
		d->dev_header = vlinks[i];
		d->dev_owner = self;
		nkhv_repo_add(v, p);
	}
	return 0;
}

#endif /* NKHV_DEVREPO_H */
