// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest-physical layout of a system: each VM's PDEV, then each vlink's
 * PMEM, page aligned, inside the window. Every addition is checked.
 */
#include <stdio.h>
#include <string.h>

#include <nkhv/pdev.h>
#include <nkhv/port.h>

#include <nkhv/config.h>

static int fail(struct nkhv_config_error *err, const char *path,
		const char *rule, const char *msg, unsigned long long a,
		unsigned long long b)
{
	snprintf(err->path, sizeof(err->path), "%s", path);
	snprintf(err->rule, sizeof(err->rule), "%s", rule);
	snprintf(err->message, sizeof(err->message), msg, a, b);
	return -1;
}

static uint64_t page_up(uint64_t v)
{
	return (v + NKHV_PAGE_SIZE - 1) & ~(uint64_t)(NKHV_PAGE_SIZE - 1);
}

int nkhv_config_vm_index(const struct nkhv_system *sys, NkOsId id)
{
	uint32_t i;

	for (i = 0; i < sys->nvms; i++)
		if (sys->vms[i].id == id)
			return (int)i;
	return -1;
}

static bool is_endpoint(const struct nkhv_vlink *l, uint32_t vm)
{
	return l->server.vm == vm || l->client.vm == vm;
}

uint64_t nkhv_config_pdev_sys_size(const struct nkhv_system *sys, uint32_t vm)
{
	uint64_t n = 0, strings = 0;
	uint32_t i;

	for (i = 0; i < sys->nvlinks; i++) {
		const struct nkhv_vlink *l = &sys->vlinks[i];

		if (!is_endpoint(l, vm))
			continue;
		n++;
		if (l->server.info[0])
			strings += strlen(l->server.info) + 1;
		if (l->client.info[0])
			strings += strlen(l->client.info) + 1;
	}
	/* Descriptors and strings, XIRQ counters, then the page-aligned port. */
	return NKHV_ALIGN_UP(
		       NKHV_ALIGN_UP(NKHV_PDEV_DESC_OFF +
					     n * sizeof(NkDevVlink) + strings,
				     NKHV_PDEV_ALIGN) +
			       NKHV_PDEV_STATS_SIZE(sys->vms[vm].xirq_limit),
		       NKHV_PAGE_SIZE) +
	       NKHV_PORT_SIZE(sys->vms[vm].xirq_limit);
}

/* Place `size` bytes at *next; checks the window and overflow. */
static int place(struct nkhv_system *sys, uint64_t *next, uint64_t size,
		 uint64_t *base, const char *path,
		 struct nkhv_config_error *err)
{
	uint64_t end = sys->phys_base + sys->phys_size;

	if (size > end - *next || *next > end)
		return fail(
			err, path, "phys-exhausted",
			"needs 0x%llx bytes at 0x%llx, past the guest-physical window",
			(unsigned long long)size, (unsigned long long)*next);
	*base = *next;
	*next += size;
	return 0;
}

int nkhv_config_layout(struct nkhv_system *sys, struct nkhv_config_error *err)
{
	uint64_t next = sys->phys_base;
	uint32_t i;

	if (sys->phys_base % NKHV_PAGE_SIZE || !sys->phys_base)
		return fail(
			err, "/", "phys-base",
			"nkhv,phys-base 0x%llx is 0 or not page aligned%llx",
			(unsigned long long)sys->phys_base, 0ull);
	if (sys->phys_base + sys->phys_size < sys->phys_base)
		return fail(
			err, "/", "phys-overflow",
			"nkhv,phys-base 0x%llx + nkhv,phys-size 0x%llx overflows",
			(unsigned long long)sys->phys_base,
			(unsigned long long)sys->phys_size);
	for (i = 0; i < sys->nvms; i++) {
		struct nkhv_vm *vm = &sys->vms[i];
		uint32_t l;

		vm->xirq_needed = 0;
		for (l = 0; l < sys->nvlinks; l++) {
			if (sys->vlinks[l].server.vm == i)
				vm->xirq_needed += sys->vlinks[l].server.xirqs;
			if (sys->vlinks[l].client.vm == i)
				vm->xirq_needed += sys->vlinks[l].client.xirqs;
		}
		if (vm->xirq_needed > vm->xirq_limit - NK_XIRQ_FIRST_DYNAMIC)
			return fail(
				err, vm->path, "xirq-exhausted",
				"its end-points need %llu XIRQs, only %llu are available",
				(unsigned long long)vm->xirq_needed,
				(unsigned long long)(vm->xirq_limit -
						     NK_XIRQ_FIRST_DYNAMIC));
		vm->pdev_sys_size = nkhv_config_pdev_sys_size(sys, i);
		if (vm->pdev_size < vm->pdev_sys_size)
			return fail(
				err, vm->path, "pdev-too-small",
				"pdev-size 0x%llx cannot hold the 0x%llx bytes of its descriptors",
				(unsigned long long)vm->pdev_size,
				(unsigned long long)vm->pdev_sys_size);
		if (place(sys, &next, page_up(vm->pdev_size), &vm->pdev_base,
			  vm->path, err))
			return -1;
		vm->pdev_size = page_up(vm->pdev_size);
	}
	for (i = 0; i < sys->nvlinks; i++) {
		struct nkhv_vlink *l = &sys->vlinks[i];
		uint64_t size = page_up(l->server.pmem_size) +
				page_up(l->client.pmem_size);

		l->pmem_size = size;
		l->pmem_base = 0;
		if (size &&
		    place(sys, &next, size, &l->pmem_base, l->server.path, err))
			return -1;
	}
	return 0;
}
