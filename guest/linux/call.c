// SPDX-License-Identifier: GPL-2.0-only
/*
 * The port's call mailbox: requests that need nkhv's answer (HELLO and the
 * labelled allocations). One call at a time; the caller sleeps until nkhv
 * raises NKHV_PORT_VEC_CALL with `done` equal to the posted `seq`, or the
 * timeout (module parameter call_timeout_ms) expires, or nkhv is found
 * lost (heartbeat.c): then the call fails with -ENOLINK, at once if it
 * was lost before.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/io.h>
#include <linux/jiffies.h>
#include <linux/sched.h>

#include "nkddi.h"

/* The call vector: nkhv answered. The waiter checks `done` itself. */
irqreturn_t nkddi_call_irq(int irq, void *data)
{
	wake_up(&nkddi.call_wq);
	return IRQ_HANDLED;
}

static bool nkddi_call_over(struct nkhv_port_call *c, u32 seq)
{
	/* Pairs with nkhv's release of `done` after the results. */
	return smp_load_acquire(&c->done) == seq ||
	       READ_ONCE(nkddi.call_stop) || nkddi_hv_lost();
}

/*
 * Post call `op` with `arg` and wait for the answer. Returns 0 with the
 * answer's value in *value (may be NULL), or a negative errno: nkhv's
 * refusal, -ETIMEDOUT, -ENODEV without a PDEV, -ENOLINK once nkhv is
 * lost. Every failure is logged
 * with `what`. Sleeps.
 */
int nkddi_call(u32 op, const u64 arg[4], u64 *value, const char *what)
{
	struct nkhv_port_call *c;
	unsigned int ms = max(READ_ONCE(nkddi_call_timeout_ms), 1u);
	int status, i;
	u32 seq;

	might_sleep();
	mutex_lock(&nkddi.call_lock);
	if (!nkddi.port || READ_ONCE(nkddi.call_stop)) {
		mutex_unlock(&nkddi.call_lock);
		pr_err("%s: no nkhv port\n", what);
		return -ENODEV;
	}
	if (nkddi_hv_lost()) {
		mutex_unlock(&nkddi.call_lock);
		pr_err("%s: nkhv is gone\n", what);
		return -ENOLINK;
	}
	c = &nkddi.port->call;
	WRITE_ONCE(c->op, op);
	for (i = 0; i < 4; i++)
		WRITE_ONCE(c->arg[i], arg[i]);
	seq = READ_ONCE(c->seq) + 1;
	/* The arguments before `seq`: pairs with nkhv's acquire of it. */
	smp_store_release(&c->seq, seq);
	iowrite32(NKHV_PORT_PEER_HV << 16 | NKHV_PORT_DB_CALL, nkddi.doorbell);

	wait_event_timeout(nkddi.call_wq, nkddi_call_over(c, seq),
			   msecs_to_jiffies(ms));
	/* Pairs with nkhv's release of `done`, as in nkddi_call_over(). */
	if (smp_load_acquire(&c->done) != seq) {
		mutex_unlock(&nkddi.call_lock);
		if (READ_ONCE(nkddi.call_stop)) {
			pr_err("%s: the PDEV device went away\n", what);
			return -ENODEV;
		}
		if (nkddi_hv_lost()) {
			pr_err("%s: nkhv is gone\n", what);
			return -ENOLINK;
		}
		pr_err("%s: nkhv did not answer within %u ms\n", what, ms);
		return -ETIMEDOUT;
	}
	status = READ_ONCE(c->status);
	if (value)
		*value = READ_ONCE(c->value);
	mutex_unlock(&nkddi.call_lock);
	if (status > 0 || status < -MAX_ERRNO) {
		pr_err("%s: nkhv answered an invalid status %d\n", what,
		       status);
		return -EPROTO;
	}
	if (status)
		pr_err("%s: refused by nkhv: %pe\n", what, ERR_PTR(status));
	return status;
}
