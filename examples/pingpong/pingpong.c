// SPDX-License-Identifier: GPL-2.0-only
/*
 * pingpong: a small vLink driver written the way drivers for the target
 * hypervisor are written, against `nkops` only, plus a tiny user-space
 * main(). Run one instance per VM, e.g.
 *
 *	nkhv --run-dir /tmp/pp examples/pingpong.dts &
 *	NK_VM_SOCKET=/tmp/pp/vm1.sock pingpong 1000 &
 *	NK_VM_SOCKET=/tmp/pp/vm2.sock pingpong 1000
 *
 * The server sends `rounds` pings through the vlink's PMEM, each signalled
 * with an XIRQ; the client answers each with a pong. With `rounds` 0 both
 * sides only keep the link up (the handshake recovers when the peer
 * restarts) until they are killed. The process joins its
 * VM on first use of nkops (NK_VM_SOCKET); nothing here is specific to
 * the model.
 */
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <nk/nkern.h>

#define PP_NAME "pingpong"
#define PP_XIRQ_SERVER 0 /* label of the XIRQ the server receives */
#define PP_XIRQ_CLIENT 1 /* label of the XIRQ the client receives */
#define PP_DONE 0xffffffffu

struct pp_shared {
	volatile nku32_f ping;
	volatile nku32_f pong;
};

struct pp {
	NkDevVlink *vl;
	int server;
	NkOsId self, peer;
	volatile int *own_state, *peer_state;
	struct pp_shared *shm;
	NkXIrq rx, tx; /* our XIRQ, the peer's XIRQ */
	sem_t link_up, data;
};

static void pp_notify(struct pp *pp)
{
	nkops.nk_xirq_trigger(NK_XIRQ_SYSCONF, pp->peer);
}

/*
 * The vlink handshake: OFF -> RESET at init; RESET -> ON once the peer is
 * up (RESET or ON); ON -> RESET when the peer went OFF. It converges to ON
 * on both sides whatever the start order, and again after a restart.
 */
static void pp_sysconf(void *cookie, NkXIrq xirq)
{
	struct pp *pp = cookie;
	int own = *pp->own_state, peer = *pp->peer_state;

	(void)xirq;
	if (own == NK_DEV_VLINK_RESET && peer != NK_DEV_VLINK_OFF) {
		*pp->own_state = NK_DEV_VLINK_ON;
		pp_notify(pp);
	} else if (own == NK_DEV_VLINK_ON && peer == NK_DEV_VLINK_OFF) {
		*pp->own_state = NK_DEV_VLINK_RESET;
		pp_notify(pp);
	}
	if (*pp->own_state == NK_DEV_VLINK_ON &&
	    *pp->peer_state == NK_DEV_VLINK_ON)
		sem_post(&pp->link_up);
}

static void pp_data(void *cookie, NkXIrq xirq)
{
	struct pp *pp = cookie;

	(void)xirq;
	if (pp->server) {
		sem_post(&pp->data);
	} else {
		/*
		 * Read the ping once: after the trigger the server may write
		 * the next one (PP_DONE) before we look again, and we would
		 * end without answering it.
		 */
		nku32_f ping = pp->shm->ping;

		pp->shm->pong = ping;
		nkops.nk_xirq_trigger(pp->tx, pp->peer);
		if (ping == PP_DONE)
			sem_post(&pp->data);
	}
}

/* Find our end-point of the first "pingpong" vlink and set it up. */
static int pp_init(struct pp *pp)
{
	NkOsId self = nkops.nk_id_get();
	NkPhAddr plink = 0, pmem;
	NkXIrq sx, cx;

	while ((plink = nkops.nk_vlink_lookup(PP_NAME, plink))) {
		pp->vl = nkops.nk_ptov(plink);
		if (pp->vl->s_id == self || pp->vl->c_id == self)
			break;
	}
	if (!plink) {
		fprintf(stderr, "pingpong: no %s vlink for os %u\n", PP_NAME,
			self);
		return -1;
	}
	pp->self = self;
	pp->server = pp->vl->s_id == self;
	pp->peer = pp->server ? pp->vl->c_id : pp->vl->s_id;
	pp->own_state = pp->server ? &pp->vl->s_state : &pp->vl->c_state;
	pp->peer_state = pp->server ? &pp->vl->c_state : &pp->vl->s_state;
	pmem = nkops.nk_pmem_alloc(plink, 0, sizeof(struct pp_shared));
	sx = nkops.nk_pxirq_alloc(plink, PP_XIRQ_SERVER, pp->vl->s_id, 1);
	cx = nkops.nk_pxirq_alloc(plink, PP_XIRQ_CLIENT, pp->vl->c_id, 1);
	if (!pmem || !sx || !cx)
		return -1;
	pp->shm = nkops.nk_mem_map(pmem, sizeof(struct pp_shared));
	if (!pp->shm)
		return -1;
	pp->rx = pp->server ? sx : cx;
	pp->tx = pp->server ? cx : sx;
	sem_init(&pp->link_up, 0, 0);
	sem_init(&pp->data, 0, 0);
	if (!nkops.nk_xirq_attach(pp->rx, pp_data, pp) ||
	    !nkops.nk_xirq_attach(NK_XIRQ_SYSCONF, pp_sysconf, pp))
		return -1;
	/* Up: tell the peer, and look at its state once ourselves. */
	*pp->own_state = NK_DEV_VLINK_RESET;
	pp_notify(pp);
	nkops.nk_xirq_trigger(NK_XIRQ_SYSCONF, self);
	return 0;
}

int main(int argc, char **argv)
{
	static struct pp pp;
	unsigned long rounds = argc > 1 ? strtoul(argv[1], NULL, 0) : 100, i;

	if (pp_init(&pp)) {
		fprintf(stderr, "pingpong: init failed\n");
		return 1;
	}
	sem_wait(&pp.link_up);
	printf("pingpong: os %u (%s) link ON\n", pp.self,
	       pp.server ? "server" : "client");
	fflush(stdout);
	while (!rounds)
		pause();
	if (!pp.server) {
		sem_wait(&pp.data); /* until the server says it is done */
		printf("pingpong: client done\n");
		return 0;
	}
	for (i = 1; i <= rounds; i++) {
		pp.shm->ping = (nku32_f)(i == rounds ? PP_DONE : i);
		nkops.nk_xirq_trigger(pp.tx, pp.peer);
		sem_wait(&pp.data);
		if (pp.shm->pong != pp.shm->ping) {
			fprintf(stderr, "pingpong: round %lu: pong %u\n", i,
				pp.shm->pong);
			return 1;
		}
	}
	printf("pingpong: server done, %lu rounds\n", rounds);
	return 0;
}
