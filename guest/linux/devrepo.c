// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device repository of a Linux VM (include/nkhv/devrepo.h), and the
 * calls that, like it, build on the VM's vlinks: nk_xirq_alloc() and
 * nk_running_ids_get(). The repository calls and nk_xirq_alloc() sleep
 * (process context only): the pool and the XIRQs are labelled
 * allocations served by nkhv.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mutex.h>

#include <nkhv/devrepo.h>

#include "nkddi.h"
#include "ops.h"

#define NKDDI_REPO_VLINKS 64

static DEFINE_MUTEX(nkddi_repo_lock);
/* The pool, valid while the PDEV it was taken for is the bound one. */
static struct {
	const u8 *pdev; /* nkddi.pdev when taken */
	NkPhAddr base;
	u64 size;
} nkddi_repo;
static u32 nkddi_xirq_labels; /* nk_xirq_alloc() labels of this boot */

static NkPhAddr nkddi_first_vlink(void)
{
	return nkddi.pdev_base + nkddi.desc_off;
}

/*
 * The pool mapped in `v`, taken (and checked, or formatted) on first use
 * and again after the PDEV changed. Called with nkddi_repo_lock.
 */
static bool nkddi_repo_view(struct nkhv_repo_view *v)
{
	static const u32 sizes[] = { NKHV_REPO_SIZE, NKHV_REPO_SIZE_MIN };
	NkPhAddr list[NKDDI_REPO_VLINKS], p = 0;
	u32 n, i, size = 0;

	if (!nkddi_usable("device repository"))
		return false;
	n = nkddi.nvlinks;
	if (nkddi_repo.pdev != nkddi.pdev || !nkddi_repo.base) {
		if (!n || n > NKDDI_REPO_VLINKS) {
			pr_err("device repository: %u vlinks (1..%d needed)\n",
			       n, NKDDI_REPO_VLINKS);
			return false;
		}
		for (i = 0; !p && i < ARRAY_SIZE(sizes); i++) {
			size = sizes[i];
			p = nkops.nk_pdev_alloc(nkddi_first_vlink(),
						NKHV_REPO_LABEL, size);
		}
		if (!p)
			return false;
		nkddi_repo.pdev = nkddi.pdev;
		nkddi_repo.base = p;
		nkddi_repo.size = size;
	}
	v->base = nkddi_repo.base;
	v->size = nkddi_repo.size;
	v->map = nkddi_region_ptov(v->base, v->size);
	if (!v->map)
		return false;
	for (i = 0; i < n; i++)
		list[i] = nkddi_first_vlink() + i * sizeof(NkDevVlink);
	if (nkhv_repo_open(v, list, n, nkddi.vm_id) < 0) {
		pr_err("device repository: %llu bytes hold no %u vlinks\n",
		       (u64)v->size, n);
		return false;
	}
	return true;
}

static NkPhAddr nkddi_repo_lookup(int by_type, u32 key, NkPhAddr cur)
{
	struct nkhv_repo_view v;
	NkPhAddr p = 0;

	mutex_lock(&nkddi_repo_lock);
	if (nkddi_repo_view(&v))
		p = nkhv_repo_lookup(&v, by_type, key, cur);
	mutex_unlock(&nkddi_repo_lock);
	return p;
}

NkPhAddr nkddi_op_dev_lookup_by_class(NkDevClass dev_class, NkPhAddr cur)
{
	return nkddi_repo_lookup(0, dev_class, cur);
}

NkPhAddr nkddi_op_dev_lookup_by_type(NkDevId dev_id, NkPhAddr cur)
{
	return nkddi_repo_lookup(1, dev_id, cur);
}

NkPhAddr nkddi_op_dev_alloc(NkPhSize size)
{
	struct nkhv_repo_view v;
	NkPhAddr p = 0;

	mutex_lock(&nkddi_repo_lock);
	if (nkddi_repo_view(&v)) {
		p = nkhv_repo_alloc(&v, size);
		if (!p)
			pr_err("dev_alloc: no room for %llu bytes\n",
			       (u64)size);
	}
	mutex_unlock(&nkddi_repo_lock);
	return p;
}

void nkddi_op_dev_add(NkPhAddr dev)
{
	static const char *const why[] = { "not a block of nk_dev_alloc",
					   "already in the repository",
					   "the repository list is damaged" };
	struct nkhv_repo_view v;
	int err;

	mutex_lock(&nkddi_repo_lock);
	if (nkddi_repo_view(&v)) {
		err = nkhv_repo_add(&v, dev);
		if (err)
			pr_err("dev_add: 0x%llx: %s\n", (u64)dev,
			       why[-err - 1]);
	}
	mutex_unlock(&nkddi_repo_lock);
}

/*
 * Labelled XIRQs of this VM from the budget of its vlinks in order: the
 * n-th call of this boot uses label NKHV_XIRQ_LABEL_BASE + n, so a
 * rebooted VM gets the same numbers again.
 */
NkXIrq nkddi_op_xirq_alloc(int nb)
{
	NkXIrq x = 0;
	u32 i;

	if (nb <= 0 || !nkddi_usable("xirq_alloc"))
		return 0;
	mutex_lock(&nkddi_repo_lock);
	for (i = 0; !x && i < nkddi.nvlinks; i++)
		x = nkops.nk_pxirq_alloc(nkddi_first_vlink() +
						 i * sizeof(NkDevVlink),
					 NKHV_XIRQ_LABEL_BASE +
						 nkddi_xirq_labels,
					 nkddi.vm_id, nb);
	if (x)
		nkddi_xirq_labels++;
	mutex_unlock(&nkddi_repo_lock);
	return x;
}

/*
 * This VM, and each vlink peer whose end-point is not OFF: what a VM can
 * know of the others in the model. Any context.
 */
NkOsMask nkddi_op_running_ids_get(void)
{
	NkOsMask m;
	u32 i;

	if (!nkddi_usable("running_ids_get"))
		return 0;
	m = nkddi.vm_id < 32 ? BIT(nkddi.vm_id) : 0;
	for (i = 0; i < nkddi.nvlinks; i++) {
		const NkDevVlink *v =
			(const void *)(nkddi.pdev + nkddi.desc_off +
				       i * sizeof(NkDevVlink));
		NkOsId s = READ_ONCE(v->s_id), c = READ_ONCE(v->c_id);
		bool server = s == nkddi.vm_id;
		NkOsId peer = server ? c : s;
		int state = server ? READ_ONCE(v->c_state) :
				     READ_ONCE(v->s_state);

		if (peer < 32 && state != NK_DEV_VLINK_OFF)
			m |= BIT(peer);
	}
	return m;
}
