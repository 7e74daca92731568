// SPDX-License-Identifier: GPL-2.0-only
/*
 * The port's trigger ring: nk_xirq_trigger() appends <xirq, osid> and
 * rings NKHV_PORT_DB_TRIGGER; nkhv checks and delivers each entry. It
 * never waits, so it may be called from any context, hard IRQ handlers
 * and code holding spinlocks included. A full ring loses the trigger:
 * it is counted in the port's trig_dropped and logged. Once nkhv is lost
 * (heartbeat.c) triggers are dropped: nobody would deliver them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>

#include "nkddi.h"

void nkddi_trigger(NkXIrq xirq, NkOsId osid)
{
	struct nkhv_port *p;
	unsigned long flags;
	u32 head, tail;

	spin_lock_irqsave(&nkddi.trig_lock, flags);
	/* Pairs with the release of `ready` in nkddi_pdev_probe(). */
	if (!smp_load_acquire(&nkddi.ready)) {
		spin_unlock_irqrestore(&nkddi.trig_lock, flags);
		pr_warn_ratelimited(
			"trigger: XIRQ %u to VM %u lost: no nkhv PDEV device\n",
			xirq, osid);
		return;
	}
	if (nkddi_hv_lost()) {
		spin_unlock_irqrestore(&nkddi.trig_lock, flags);
		return;
	}
	p = nkddi.port;
	head = READ_ONCE(p->trig_head);
	/* Pairs with nkhv's release of trig_tail once it took the entries. */
	tail = smp_load_acquire(&p->trig_tail);
	if (head - tail >= NKHV_PORT_TRIGGERS) {
		WRITE_ONCE(p->trig_dropped, READ_ONCE(p->trig_dropped) + 1);
		/* Ring again in case nkhv missed the previous doorbell. */
		iowrite32(NKHV_PORT_PEER_HV << 16 | NKHV_PORT_DB_TRIGGER,
			  nkddi.doorbell);
		spin_unlock_irqrestore(&nkddi.trig_lock, flags);
		pr_warn_ratelimited(
			"trigger: XIRQ %u to VM %u lost: trigger ring full (head %u, tail %u)\n",
			xirq, osid, head, tail);
		return;
	}
	WRITE_ONCE(p->trig[head % NKHV_PORT_TRIGGERS].xirq, xirq);
	WRITE_ONCE(p->trig[head % NKHV_PORT_TRIGGERS].osid, osid);
	/* The entry before the head: pairs with nkhv's acquire of trig_head. */
	smp_store_release(&p->trig_head, head + 1);
	iowrite32(NKHV_PORT_PEER_HV << 16 | NKHV_PORT_DB_TRIGGER,
		  nkddi.doorbell);
	spin_unlock_irqrestore(&nkddi.trig_lock, flags);
}
