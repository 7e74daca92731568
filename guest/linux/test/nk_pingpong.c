// SPDX-License-Identifier: GPL-2.0-only
/*
 * nk_pingpong.ko: the pingpong driver of examples/pingpong as a kernel
 * module, written against `nkops` only, to check nkddi.ko end to end.
 * Its peer is any pingpong end-point: examples/pingpong in a process VM
 * of nkhv, or this module in another QEMU VM.
 *
 * At load it finds this VM's end-point of the first "pingpong" vlink,
 * allocates the shared block and the two XIRQs, brings the link up with
 * the SYSCONF handshake and, as the server, sends `rounds` pings (each
 * answered by a pong) before init returns; as the client it answers pings
 * until the server's last one. Failures make the load fail, with the
 * reason in the kernel log. The handlers run in hard IRQ context.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/jiffies.h>
#include <linux/module.h>

#include <nk/nkern.h>

#define PP_NAME "pingpong"
#define PP_XIRQ_SERVER 0 /* label of the XIRQ the server receives */
#define PP_XIRQ_CLIENT 1 /* label of the XIRQ the client receives */
#define PP_DONE 0xffffffffu

static unsigned int rounds = 100;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "Pings the server sends (default 100)");

static unsigned int timeout_s = 60;
module_param(timeout_s, uint, 0444);
MODULE_PARM_DESC(timeout_s, "Seconds to wait for the link and each step");

struct pp_shared {
	volatile nku32_f ping;
	volatile nku32_f pong;
};

static struct pp {
	NkDevVlink *vl;
	bool server;
	NkOsId self, peer;
	volatile int *own_state, *peer_state;
	struct pp_shared *shm;
	NkXIrq rx, tx;
	NkXIrqId rx_id, sysconf_id;
	struct completion link_up, data;
	unsigned int sysconf_seen, data_seen;
} pp;

static void pp_notify(void)
{
	nkops.nk_xirq_trigger(NK_XIRQ_SYSCONF, pp.peer);
}

/* OFF -> RESET at load; RESET -> ON once the peer is up; ON -> RESET if
 * the peer went OFF. Hard IRQ context.
 */
static void pp_sysconf(void *cookie, NkXIrq xirq)
{
	int own = *pp.own_state, peer = *pp.peer_state;

	pp.sysconf_seen++;
	if (own == NK_DEV_VLINK_RESET && peer != NK_DEV_VLINK_OFF) {
		*pp.own_state = NK_DEV_VLINK_ON;
		pp_notify();
	} else if (own == NK_DEV_VLINK_ON && peer == NK_DEV_VLINK_OFF) {
		*pp.own_state = NK_DEV_VLINK_RESET;
		pp_notify();
	}
	if (*pp.own_state == NK_DEV_VLINK_ON &&
	    *pp.peer_state == NK_DEV_VLINK_ON)
		complete(&pp.link_up);
}

/* A ping (client) or a pong (server) arrived. Hard IRQ context. */
static void pp_data(void *cookie, NkXIrq xirq)
{
	pp.data_seen++;
	if (pp.server) {
		complete(&pp.data);
		return;
	}
	pp.shm->pong = pp.shm->ping;
	nkops.nk_xirq_trigger(pp.tx, pp.peer);
	if (pp.shm->ping == PP_DONE)
		complete(&pp.data);
}

/* Find our end-point and allocate what the link needs. */
static int pp_setup(void)
{
	NkPhAddr plink = 0, pmem;
	NkXIrq sx, cx;

	pp.self = nkops.nk_id_get();
	if (!pp.self) {
		pr_err("nkops has no VM id: is nkddi bound to its PDEV?\n");
		return -ENODEV;
	}
	while ((plink = nkops.nk_vlink_lookup(PP_NAME, plink))) {
		pp.vl = nkops.nk_ptov(plink);
		if (pp.vl && (pp.vl->s_id == pp.self || pp.vl->c_id == pp.self))
			break;
	}
	if (!plink) {
		pr_err("no %s vlink for os %u\n", PP_NAME, pp.self);
		return -ENODEV;
	}
	pp.server = pp.vl->s_id == pp.self;
	pp.peer = pp.server ? pp.vl->c_id : pp.vl->s_id;
	pp.own_state = pp.server ? &pp.vl->s_state : &pp.vl->c_state;
	pp.peer_state = pp.server ? &pp.vl->c_state : &pp.vl->s_state;
	pmem = nkops.nk_pmem_alloc(plink, 0, sizeof(struct pp_shared));
	sx = nkops.nk_pxirq_alloc(plink, PP_XIRQ_SERVER, pp.vl->s_id, 1);
	cx = nkops.nk_pxirq_alloc(plink, PP_XIRQ_CLIENT, pp.vl->c_id, 1);
	if (!pmem || !sx || !cx) {
		pr_err("allocation failed: pmem 0x%llx, XIRQs %u %u\n",
		       (unsigned long long)pmem, sx, cx);
		return -ENOMEM;
	}
	pp.shm = nkops.nk_mem_map(pmem, sizeof(struct pp_shared));
	if (!pp.shm) {
		pr_err("cannot map the shared block 0x%llx\n",
		       (unsigned long long)pmem);
		return -EFAULT;
	}
	if (nkops.nk_vtop(pp.shm) != pmem) {
		pr_err("vtop does not give back 0x%llx\n",
		       (unsigned long long)pmem);
		return -EFAULT;
	}
	pp.rx = pp.server ? sx : cx;
	pp.tx = pp.server ? cx : sx;
	pr_info("os %u is the %s of vlink 0x%llx, peer os %u, XIRQ rx %u tx %u\n",
		pp.self, pp.server ? "server" : "client",
		(unsigned long long)plink, pp.peer, pp.rx, pp.tx);
	return 0;
}

static void pp_down(void)
{
	if (pp.sysconf_id)
		nkops.nk_xirq_detach(pp.sysconf_id);
	if (pp.rx_id)
		nkops.nk_xirq_detach(pp.rx_id);
	pp.sysconf_id = NULL;
	pp.rx_id = NULL;
	if (pp.own_state) {
		*pp.own_state = NK_DEV_VLINK_OFF;
		pp_notify();
	}
}

/* The server's rounds; 0 when every pong matched its ping. */
static int pp_serve(void)
{
	unsigned long wait = secs_to_jiffies(timeout_s);
	unsigned int i;

	for (i = 1; i <= rounds; i++) {
		pp.shm->ping = i == rounds ? PP_DONE : i;
		nkops.nk_xirq_trigger(pp.tx, pp.peer);
		if (!wait_for_completion_timeout(&pp.data, wait)) {
			pr_err("round %u: no pong within %u s\n", i, timeout_s);
			return -ETIMEDOUT;
		}
		if (pp.shm->pong != pp.shm->ping) {
			pr_err("round %u: pong %u for ping %u\n", i,
			       pp.shm->pong, pp.shm->ping);
			return -EIO;
		}
	}
	pr_info("server done, %u rounds\n", rounds);
	return 0;
}

static int __init pp_init(void)
{
	unsigned long wait = secs_to_jiffies(timeout_s);
	int err;

	init_completion(&pp.link_up);
	init_completion(&pp.data);
	err = pp_setup();
	if (err)
		return err;
	pp.rx_id = nkops.nk_xirq_attach(pp.rx, pp_data, &pp);
	pp.sysconf_id = nkops.nk_xirq_attach(NK_XIRQ_SYSCONF, pp_sysconf, &pp);
	if (!pp.rx_id || !pp.sysconf_id) {
		pr_err("cannot attach the XIRQ handlers\n");
		err = -EBUSY;
		goto down;
	}
	*pp.own_state = NK_DEV_VLINK_RESET;
	pp_notify();
	nkops.nk_xirq_trigger(NK_XIRQ_SYSCONF, pp.self);
	if (!wait_for_completion_timeout(&pp.link_up, wait)) {
		pr_err("link not up within %u s (own %d, peer %d)\n", timeout_s,
		       *pp.own_state, *pp.peer_state);
		err = -ETIMEDOUT;
		goto down;
	}
	pr_info("os %u (%s) link ON\n", pp.self,
		pp.server ? "server" : "client");
	if (!rounds)
		return 0;
	if (pp.server) {
		err = pp_serve();
	} else if (!wait_for_completion_timeout(&pp.data, wait)) {
		pr_err("client: the server's last ping did not come within %u s (%u pings)\n",
		       timeout_s, pp.data_seen);
		err = -ETIMEDOUT;
	} else {
		pr_info("client done, %u pings\n", pp.data_seen);
	}
	if (err)
		goto down;
	return 0;

down:
	pp_down();
	return err;
}

static void __exit pp_exit(void)
{
	pp_down();
	pr_info("unloaded (%u SYSCONF, %u data XIRQs seen)\n", pp.sysconf_seen,
		pp.data_seen);
}

module_init(pp_init);
module_exit(pp_exit);

MODULE_DESCRIPTION("pingpong over nkops, a check of nkddi.ko");
MODULE_LICENSE("GPL");
