// SPDX-License-Identifier: GPL-2.0-only
/*
 * The guest-physical view of a process VM: a table of the regions nkhv
 * handed over (PDEV at join, PMEM on first use), each mapped whole.
 * Lookups are lock-free; additions are serialised.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define MAX_REGIONS 300

struct region {
	uint64_t base, size;
	uint8_t *map;
};

static struct region regions[MAX_REGIONS];
static uint32_t nregions; /* published with release */
static pthread_mutex_t add_lock = PTHREAD_MUTEX_INITIALIZER;

static const struct region *find_paddr(uint64_t paddr, uint64_t size)
{
	uint32_t i, n = __atomic_load_n(&nregions, __ATOMIC_ACQUIRE);

	for (i = 0; i < n; i++) {
		const struct region *r = &regions[i];

		if (paddr >= r->base && paddr - r->base < r->size &&
		    size <= r->size - (paddr - r->base))
			return r;
	}
	return NULL;
}

/* Map region [base, base+size) from `fd` and add it; idempotent. */
int nkddi_mem_add(uint64_t base, uint64_t size, int fd, uint8_t **map)
{
	const struct region *r;
	void *p;
	int err = 0;

	pthread_mutex_lock(&add_lock);
	r = find_paddr(base, size);
	if (r) {
		*map = r->map + (base - r->base);
		goto out;
	}
	if (nregions == MAX_REGIONS || !size || size > SIZE_MAX) {
		err = -ENOSPC;
		goto out;
	}
	/*
	 * Populated at once, as PMEM is physically mapped memory on the
	 * target: a ring's first pass must not fault page by page (on some
	 * hosts a first touch costs far more than the copy into the page).
	 */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		 fd, 0);
	if (p == MAP_FAILED) {
		err = -errno;
		goto out;
	}
	regions[nregions].base = base;
	regions[nregions].size = size;
	regions[nregions].map = p;
	*map = p;
	__atomic_store_n(&nregions, nregions + 1, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&add_lock);
	return err;
}

/*
 * Virtual address of [paddr, paddr+size), asking nkhv for the region on
 * first use. NULL, with the error recorded, when nkhv refuses.
 */
void *nkddi_mem_ptov(uint64_t paddr, uint64_t size)
{
	const struct region *r = find_paddr(paddr, size ? size : 1);
	struct nkhv_req_map req = { .paddr = paddr, .size = size ? size : 1 };
	struct nkhv_rep_map rep;
	uint8_t *map;
	int fd, err;

	if (r)
		return r->map + (paddr - r->base);
	err = nkddi_rpc(NKHV_MSG_MAP, &req, sizeof(req), &rep, sizeof(rep),
			&fd);
	if (err) {
		nkddi_set_error("no access to [0x%llx, +0x%llx): %s",
				(unsigned long long)paddr,
				(unsigned long long)req.size, strerror(-err));
		return NULL;
	}
	if (fd < 0 || rep.base > paddr ||
	    paddr - rep.base + req.size > rep.size) {
		if (fd >= 0)
			close(fd);
		nkddi_set_error("nkhv answered a map with a wrong region");
		return NULL;
	}
	err = nkddi_mem_add(rep.base, rep.size, fd, &map);
	close(fd);
	if (err) {
		nkddi_set_error("mapping region 0x%llx: %s",
				(unsigned long long)rep.base, strerror(-err));
		return NULL;
	}
	return map + (paddr - rep.base);
}

uint64_t nkddi_mem_vtop(const void *vaddr)
{
	uint32_t i, n = __atomic_load_n(&nregions, __ATOMIC_ACQUIRE);
	const uint8_t *p = vaddr;

	for (i = 0; i < n; i++)
		if (p >= regions[i].map && p < regions[i].map + regions[i].size)
			return regions[i].base + (uint64_t)(p - regions[i].map);
	nkddi_set_error("%p is in no mapped region", vaddr);
	return 0;
}
