// SPDX-License-Identifier: GPL-2.0-only
/*
 * Compatibility check: a vlink driver in the way VLX's vlink drivers are
 * written: the lookup loop, labelled resources of both end-points, the
 * SYSCONF handshake, an event mask drained with nk_clear_and_test (the
 * value left drives the loop), copies through guest-physical addresses.
 */
#include <nk/nkern.h>

#include "vlx_compat.h"

#define VLX_EV_DATA 0x1
#define VLX_EV_RESET 0x2

struct vlx_link {
	NkPhAddr plink;
	NkDevVlink *vlink;
	NkOsId peer;
	int server;
	NkPhAddr pmem;
	volatile nku32_f *events;
	NkXIrq local, remote;
	NkXIrqId sysconf_id, xirq_id;
	nku32_f handled;
	volatile nku32_f refs;
};

static struct vlx_link vlx_link;

static void vlx_link_events(struct vlx_link *l)
{
	nku32_f ev;

	for (ev = *l->events; ev; ev = nkops.nk_clear_and_test(l->events, ev))
		while (ev) {
			nku32_f bit = nkops.nk_mask2bit(ev);

			l->handled |= nkops.nk_bit2mask(bit);
			ev &= ~nkops.nk_bit2mask(bit);
		}
}

static void vlx_link_xirq(void *cookie, NkXIrq xirq)
{
	(void)xirq;
	vlx_link_events(cookie);
}

static void vlx_link_sysconf(void *cookie, NkXIrq xirq)
{
	struct vlx_link *l = cookie;
	int peer_state = l->server ? l->vlink->c_state : l->vlink->s_state;

	(void)xirq;
	if (peer_state == NK_DEV_VLINK_OFF)
		nkops.nk_atomic_set(l->events, VLX_EV_RESET);
}

static int vlx_link_state(struct vlx_link *l, int state)
{
	if (l->server)
		l->vlink->s_state = state;
	else
		l->vlink->c_state = state;
	nkops.nk_xirq_trigger(NK_XIRQ_SYSCONF, l->peer);
	return 0;
}

/* Probe the vlink `name` of this VM: 0 when the link is being set up. */
int vlx_link_probe(const char *name)
{
	NkOsId self = nkops.nk_id_get();
	struct vlx_link *l = &vlx_link;
	NkPhAddr plink = 0;
	NkPhAddr pdev;

	if (nkops.nk_version < NK_VERSION_6)
		return -1;
	while ((plink = nkops.nk_vlink_lookup(name, plink))) {
		NkDevVlink *vlink = (NkDevVlink *)nkops.nk_ptov(plink);

		if (vlink->s_id == self || vlink->c_id == self) {
			l->plink = plink;
			l->vlink = vlink;
			break;
		}
	}
	if (!plink)
		return -1;
	l->server = l->vlink->s_id == self;
	l->peer = l->server ? l->vlink->c_id : l->vlink->s_id;
	l->pmem = nkops.nk_pmem_alloc(plink, 0, 4096);
	pdev = nkops.nk_pdev_alloc(plink, 0, sizeof(nku32_f));
	l->local = nkops.nk_pxirq_alloc(plink, l->server ? 0 : 1, self, 1);
	l->remote = nkops.nk_pxirq_alloc(plink, l->server ? 1 : 0, l->peer, 1);
	if (!l->pmem || !pdev || !l->local || !l->remote)
		return -1;
	l->events = (volatile nku32_f *)nkops.nk_ptov(pdev);
	l->sysconf_id = nkops.nk_xirq_attach(NK_XIRQ_SYSCONF, vlx_link_sysconf,
					     l);
	l->xirq_id = nkops.nk_xirq_attach_masked(l->local, vlx_link_xirq, l);
	if (!l->sysconf_id || !l->xirq_id)
		return -1;
	nkops.nk_atomic_add(&l->refs, 1);
	return vlx_link_state(l, NK_DEV_VLINK_RESET);
}

/* Send `len` bytes through the PMEM and tell the peer. */
NkPhSize vlx_link_send(void *data, NkPhSize len)
{
	struct vlx_link *l = &vlx_link;
	NkPhSize n;

	if (!(nkops.nk_running_ids_get() & nkops.nk_bit2mask(l->peer)))
		return 0;
	n = nkops.nk_mem_copy_to(l->pmem, data, len);
	nkops.nk_xirq_mask(l->local);
	nkops.nk_local_xirq_post(l->remote, l->peer);
	nkops.nk_xirq_unmask(l->local);
	return n;
}

NkPhSize vlx_link_receive(void *data, NkPhSize len)
{
	return nkops.nk_mem_copy_from(data, vlx_link.pmem, len);
}

void vlx_link_remove(void)
{
	struct vlx_link *l = &vlx_link;

	if (nkops.nk_sub_and_test(&l->refs, 1))
		return;
	vlx_link_state(l, NK_DEV_VLINK_OFF);
	nkops.nk_xirq_detach(l->xirq_id);
	nkops.nk_xirq_detach(l->sysconf_id);
	nkops.nk_atomic_clear(l->events, ~0u);
	nkops.nk_atomic_sub(&l->refs, 0);
}
