// SPDX-License-Identifier: GPL-2.0-only
/* The region table of a VM's port, from the configuration alone. */
#include <stdio.h>

#include <nkhv/port_layout.h>

uint32_t nkhv_port_regions(const struct nkhv_system *sys, uint32_t vm,
			   uint32_t vlinks[NKHV_PORT_REGIONS], uint32_t *wanted)
{
	uint32_t n = 1, want = 1, l;

	vlinks[0] = NKHV_PORT_NO_VLINK;
	/* PMEM is laid out in vlink order: index order is address order. */
	for (l = 0; l < sys->nvlinks; l++) {
		const struct nkhv_vlink *c = &sys->vlinks[l];

		if (!c->pmem_size || (c->server.vm != vm && c->client.vm != vm))
			continue;
		want++;
		if (n < NKHV_PORT_REGIONS)
			vlinks[n++] = l;
	}
	if (wanted)
		*wanted = want;
	return n;
}

int nkhv_port_socket_name(char *buf, size_t len, NkOsId id, uint32_t n)
{
	int r = n ? snprintf(buf, len, "vm%u.region%u.ivshmem", id, n) :
		    snprintf(buf, len, "vm%u.ivshmem", id);

	return r < 0 || (size_t)r >= len ? -1 : 0;
}
