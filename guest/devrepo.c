// SPDX-License-Identifier: GPL-2.0-only
/*
 * The device repository of a process VM (include/nkhv/devrepo.h), and
 * the calls that, like it, build on the VM's vlinks: nk_xirq_alloc() and
 * nk_running_ids_get().
 */
#include <nkddi/nkddi.h>
#include <nkhv/devrepo.h>

#include "internal.h"
#include "ops.h"

#define MAX_VLINKS 64

static pthread_mutex_t repo_lock = PTHREAD_MUTEX_INITIALIZER;
static struct nkhv_repo_view repo; /* map NULL until opened */
static uint32_t xirq_labels; /* nk_xirq_alloc() labels used by this life */

/*
 * This VM's vlink descriptors as the PDEV header announces them: the
 * count, or 0 if there are none or the header is damaged.
 */
static uint32_t vlinks(NkPhAddr *first)
{
	const struct nkhv_pdev_header *h = (const void *)nkddi.pdev;
	uint32_t n = h->nvlinks;
	uint64_t off = h->desc_off;

	*first = nkddi.pdev_base + off;
	if (off > nkddi.pdev_size ||
	    n > (nkddi.pdev_size - off) / sizeof(NkDevVlink))
		return 0;
	return n;
}

/* Take and check (or format) the pool, once. Called with repo_lock. */
static bool repo_open(void)
{
	static const uint32_t sizes[] = { NKHV_REPO_SIZE, NKHV_REPO_SIZE_MIN };
	NkPhAddr first, list[MAX_VLINKS], p = 0;
	uint32_t n, i, size = 0;
	void *map;

	if (repo.map)
		return true;
	if (!nkddi_ensure())
		return false;
	n = vlinks(&first);
	if (!n || n > MAX_VLINKS) {
		nkddi_set_error("device repository: %u vlinks (1..%d needed)",
				n, MAX_VLINKS);
		return false;
	}
	for (i = 0; !p && i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size = sizes[i];
		p = nkops.nk_pdev_alloc(first, NKHV_REPO_LABEL, size);
	}
	map = p ? nkddi_mem_ptov(p, size) : NULL;
	if (!map)
		return false;
	for (i = 0; i < n; i++)
		list[i] = first + i * sizeof(NkDevVlink);
	repo.base = p;
	repo.size = size;
	repo.map = map;
	if (nkhv_repo_open(&repo, list, n, nkddi.id) < 0) {
		nkddi_set_error("device repository: %u bytes hold no %u vlinks",
				size, n);
		repo.map = NULL;
		return false;
	}
	return true;
}

static NkPhAddr lookup(int by_type, nku32_f key, NkPhAddr cur)
{
	NkPhAddr p = 0;

	pthread_mutex_lock(&repo_lock);
	if (repo_open()) {
		p = nkhv_repo_lookup(&repo, by_type, key, cur);
		if (!p)
			nkddi_set_error("dev_lookup: no %s 0x%x after 0x%llx",
					by_type ? "type" : "class", key,
					(unsigned long long)cur);
	}
	pthread_mutex_unlock(&repo_lock);
	return p;
}

NkPhAddr nkddi_op_dev_lookup_by_class(NkDevClass dev_class, NkPhAddr cur)
{
	return lookup(0, dev_class, cur);
}

NkPhAddr nkddi_op_dev_lookup_by_type(NkDevId dev_id, NkPhAddr cur)
{
	return lookup(1, dev_id, cur);
}

NkPhAddr nkddi_op_dev_alloc(NkPhSize size)
{
	NkPhAddr p = 0;

	pthread_mutex_lock(&repo_lock);
	if (repo_open()) {
		p = nkhv_repo_alloc(&repo, size);
		if (!p)
			nkddi_set_error("dev_alloc: no room for %llu bytes",
					(unsigned long long)size);
	}
	pthread_mutex_unlock(&repo_lock);
	return p;
}

void nkddi_op_dev_add(NkPhAddr dev)
{
	static const char *const why[] = { "not a block of nk_dev_alloc",
					   "already in the repository",
					   "the repository list is damaged" };
	int err = -1;

	pthread_mutex_lock(&repo_lock);
	if (repo_open()) {
		err = nkhv_repo_add(&repo, dev);
		if (err)
			nkddi_set_error("dev_add: 0x%llx: %s",
					(unsigned long long)dev, why[-err - 1]);
	}
	pthread_mutex_unlock(&repo_lock);
}

/*
 * Labelled XIRQs of this VM, taken from the budget of its vlinks in
 * order: the n-th call of this life uses label NKHV_XIRQ_LABEL_BASE + n,
 * so a restarted VM gets the same numbers again.
 */
NkXIrq nkddi_op_xirq_alloc(int nb)
{
	NkPhAddr first;
	NkXIrq x = 0;
	uint32_t n, i;

	if (nb <= 0) {
		nkddi_set_error("xirq_alloc: %d XIRQs", nb);
		return 0;
	}
	if (!nkddi_ensure())
		return 0;
	pthread_mutex_lock(&repo_lock);
	n = vlinks(&first);
	for (i = 0; !x && i < n; i++)
		x = nkops.nk_pxirq_alloc(first + i * sizeof(NkDevVlink),
					 NKHV_XIRQ_LABEL_BASE + xirq_labels,
					 nkddi.id, nb);
	if (x)
		xirq_labels++;
	else
		nkddi_set_error("xirq_alloc: no %d XIRQs left on %u vlinks",
				nb, n);
	pthread_mutex_unlock(&repo_lock);
	return x;
}

/*
 * This VM, and each vlink peer whose end-point is not OFF: what a VM can
 * know of the others in the model.
 */
NkOsMask nkddi_op_running_ids_get(void)
{
	NkPhAddr first;
	NkOsMask m;
	uint32_t n, i;

	if (!nkddi_ensure())
		return 0;
	m = nkddi.id < 32 ? 1u << nkddi.id : 0;
	n = vlinks(&first);
	for (i = 0; i < n; i++) {
		const volatile NkDevVlink *v =
			(const void *)(nkddi.pdev + (first - nkddi.pdev_base) +
				       i * sizeof(NkDevVlink));
		NkOsId s = v->s_id, c = v->c_id;
		bool server = s == nkddi.id;
		NkOsId peer = server ? c : s;
		int state = server ? v->c_state : v->s_state;

		if (peer < 32 && state != NK_DEV_VLINK_OFF)
			m |= 1u << peer;
	}
	return m;
}
