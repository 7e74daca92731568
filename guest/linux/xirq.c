// SPDX-License-Identifier: GPL-2.0-only
/*
 * XIRQs of this VM. nkhv raises XIRQ x by setting bit x of the port's
 * pending bitmap and then MSI-X vector NKHV_PORT_VEC_XIRQ. The vector's
 * handler takes the bitmap words with an atomic exchange into a local
 * bitmap, then runs, in hard IRQ context, the handlers of every XIRQ that
 * is pending, unmasked, attached and not already being serviced on
 * another CPU. An XIRQ that cannot run now stays pending locally: it runs
 * when it is unmasked, when a handler is attached to it, or right after
 * its current service ends. Those late runs go through an irq_work, so
 * handlers always run in hard IRQ context with interrupts disabled (on a
 * PREEMPT_RT kernel: in the vector's and the irq_work's threads).
 *
 * Each service run counts one dispatch in the PDEV's xirq_raised[x].
 *
 * Detach never guesses its caller's context. A handler is running on this
 * CPU exactly when nkddi_servicing (per CPU, written with interrupts off by
 * the service loop) is set: detach from there never waits, so two handlers
 * that detach each other cannot wait for each other. Any other caller may
 * sleep (might_sleep()) and sleeps until the handler's service ended; the
 * lockdep map nkddi_xirq_map, "held" while handlers run and taken by such
 * a wait, lets lockdep see a detach made under a lock a handler takes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/smp.h>

#include "nkddi.h"

struct nkddi_handler {
	struct list_head node; /* in its source's list */
	struct list_head all; /* in nkddi.handlers */
	NkXIrq xirq;
	NkXIrqHandler fn;
	void *cookie;
	bool dead; /* detached; freed once its source is out of service */
};

/* This CPU is running XIRQ handlers (hard IRQ context, interrupts off). */
static DEFINE_PER_CPU(bool, nkddi_servicing);

#ifdef CONFIG_LOCKDEP
static struct lock_class_key nkddi_xirq_key;
static struct lockdep_map nkddi_xirq_map =
	STATIC_LOCKDEP_MAP_INIT("nkddi_xirq_handlers", &nkddi_xirq_key);
#endif

/* Has `s` a handler that is not detached? Called with xirq_lock held. */
static bool nkddi_source_live(const struct nkddi_source *s)
{
	const struct nkddi_handler *h;

	list_for_each_entry(h, &s->handlers, node)
		if (!h->dead)
			return true;
	return false;
}

/* Could XIRQ `x` run now? Called with xirq_lock held. */
static bool nkddi_runnable(u32 x)
{
	const struct nkddi_source *s = &nkddi.src[x];

	return !nkddi.xirq_off && test_bit(x, nkddi.xirq_pending) &&
	       !s->masked && !s->in_service && nkddi_source_live(s);
}

/* Free the detached handlers of an idle source. xirq_lock held. */
static void nkddi_reap(struct nkddi_source *s)
{
	struct nkddi_handler *h, *next;

	list_for_each_entry_safe(h, next, &s->handlers, node) {
		if (h->dead) {
			list_del(&h->node);
			kfree(h);
		}
	}
}

/*
 * Run the handlers of XIRQ `x` until it is no longer pending. Called with
 * xirq_lock held and interrupts disabled; drops the lock around each
 * handler. The handler list cannot lose entries meanwhile: detached ones
 * are only freed while the source is out of service, and the table itself
 * only by nkddi_xirq_stop() once the vector and the irq_work are synced.
 * Once nkddi_xirq_stop() took the table away (nkddi.src changed while a
 * handler ran), nothing of it is run any more.
 */
static void nkddi_service(u32 x)
{
	struct nkddi_source *src = nkddi.src, *s = &src[x];
	struct nkddi_handler *h;

	do {
		__clear_bit(x, nkddi.xirq_pending);
		s->in_service = true;
		s->service_cpu = smp_processor_id();
		list_for_each_entry(h, &s->handlers, node) {
			if (h->dead)
				continue;
			spin_unlock(&nkddi.xirq_lock);
			__this_cpu_write(nkddi_servicing, true);
			lock_map_acquire(&nkddi_xirq_map);
			h->fn(h->cookie, x);
			lock_map_release(&nkddi_xirq_map);
			__this_cpu_write(nkddi_servicing, false);
			spin_lock(&nkddi.xirq_lock);
			if (nkddi.src != src)
				break;
		}
		s->in_service = false;
		s->served++;
		if (nkddi.src != src)
			break;
		WRITE_ONCE(nkddi.xirq_stats[x],
			   READ_ONCE(nkddi.xirq_stats[x]) + 1);
		nkddi_reap(s);
	} while (nkddi_runnable(x));
	/*
	 * The full barrier of wq_has_sleeper() pairs with the one of
	 * set_current_state() in detach's wait_event(): a waiter either is
	 * seen here or sees the new `served` (both under xirq_lock).
	 */
	if (wq_has_sleeper(&nkddi.served_wq))
		wake_up_all(&nkddi.served_wq);
}

/* Run every runnable XIRQ. Hard IRQ context. */
static void nkddi_dispatch(void)
{
	unsigned long flags;
	u32 x = 0;

	spin_lock_irqsave(&nkddi.xirq_lock, flags);
	while (nkddi.src && !nkddi.xirq_off) {
		x = find_next_bit(nkddi.xirq_pending, nkddi.xirq_limit, x);
		if (x >= nkddi.xirq_limit)
			break;
		if (nkddi_runnable(x))
			nkddi_service(x);
		x++;
	}
	spin_unlock_irqrestore(&nkddi.xirq_lock, flags);
}

/* Take the bits nkhv set in the PDEV. xirq_lock held. */
static void nkddi_collect(void)
{
	u32 words = DIV_ROUND_UP(nkddi.xirq_limit, 32), i, bits;
	unsigned long b;

	for (i = 0; i < words; i++) {
		if (!READ_ONCE(nkddi.pending[i]))
			continue;
		bits = xchg(&nkddi.pending[i], 0);
		if (i == words - 1 && nkddi.xirq_limit % 32 &&
		    bits >> (nkddi.xirq_limit % 32)) {
			pr_warn_ratelimited(
				"nkhv raised XIRQs beyond xirq_limit %u (word %u: 0x%08x)\n",
				nkddi.xirq_limit, i, bits);
			bits &= (1u << (nkddi.xirq_limit % 32)) - 1;
		}
		b = bits;
		while (b) {
			__set_bit(i * 32 + __ffs(b), nkddi.xirq_pending);
			b &= b - 1;
		}
	}
}

/* MSI-X vector NKHV_PORT_VEC_XIRQ: bits were set in the pending bitmap. */
irqreturn_t nkddi_xirq_irq(int irq, void *data)
{
	spin_lock(&nkddi.xirq_lock);
	if (nkddi.src)
		nkddi_collect();
	spin_unlock(&nkddi.xirq_lock);
	nkddi_dispatch();
	return IRQ_HANDLED;
}

static void nkddi_xirq_replay(struct irq_work *work)
{
	nkddi_dispatch();
}

/* Allocate the handler table for the PDEV's xirq_limit. */
int nkddi_xirq_start(void)
{
	struct nkddi_source *src;
	unsigned long *pending;
	u32 x;

	src = kvcalloc(nkddi.xirq_limit, sizeof(*src), GFP_KERNEL);
	pending = bitmap_zalloc(nkddi.xirq_limit, GFP_KERNEL);
	if (!src || !pending) {
		kvfree(src);
		bitmap_free(pending);
		return -ENOMEM;
	}
	for (x = 0; x < nkddi.xirq_limit; x++)
		INIT_LIST_HEAD(&src[x].handlers);
	/* Same context as the vector's handler: hard IRQ (threaded on RT). */
	init_irq_work(&nkddi.replay, nkddi_xirq_replay);
	spin_lock_irq(&nkddi.xirq_lock);
	nkddi.xirq_pending = pending;
	nkddi.src = src;
	nkddi.xirq_off = false;
	spin_unlock_irq(&nkddi.xirq_lock);
	return 0;
}

/*
 * A device of the port is going away: from now on no handler runs, and
 * none is running when this returns (the vector's handler and the
 * irq_work are synced after the flag was set under xirq_lock). Triggers
 * stay pending until the PDEV device is bound anew. Process context.
 */
void nkddi_xirq_quiesce(void)
{
	spin_lock_irq(&nkddi.xirq_lock);
	nkddi.xirq_off = true;
	spin_unlock_irq(&nkddi.xirq_lock);
	if (nkddi.irq_xirq >= 0)
		synchronize_irq(nkddi.irq_xirq);
	irq_work_sync(&nkddi.replay);
}

/* Drop the handler table. The XIRQ vector is already freed. */
void nkddi_xirq_stop(void)
{
	struct nkddi_handler *h, *next;
	struct nkddi_source *src;
	unsigned long *pending;
	u32 left = 0, x;

	irq_work_sync(&nkddi.replay);
	spin_lock_irq(&nkddi.xirq_lock);
	src = nkddi.src;
	pending = nkddi.xirq_pending;
	nkddi.src = NULL;
	nkddi.xirq_pending = NULL;
	nkddi.xirq_gen++;
	list_for_each_entry_safe(h, next, &nkddi.handlers, all) {
		list_del(&h->all);
		left++;
	}
	spin_unlock_irq(&nkddi.xirq_lock);
	irq_work_sync(&nkddi.replay);
	/* A detach waiting for a service of this table: it is over. */
	wake_up_all(&nkddi.served_wq);
	if (!src)
		return;
	if (left)
		pr_warn("%u XIRQ handlers were still attached\n", left);
	for (x = 0; x < nkddi.xirq_limit; x++)
		list_for_each_entry_safe(h, next, &src[x].handlers, node)
			kfree(h);
	kvfree(src);
	bitmap_free(pending);
}

NkXIrqId nkddi_xirq_attach(NkXIrq xirq, NkXIrqHandler fn, void *cookie)
{
	struct nkddi_handler *h;
	unsigned long flags;
	bool kick;

	if (!fn || xirq >= READ_ONCE(nkddi.xirq_limit)) {
		pr_err("attach: %s XIRQ %u (this VM has %u)\n",
		       fn ? "no" : "no handler for", xirq,
		       READ_ONCE(nkddi.xirq_limit));
		return NULL;
	}
	/* Any context may attach (docs/nkddi-linux.md). */
	h = kzalloc(sizeof(*h), GFP_ATOMIC);
	if (!h)
		return NULL;
	h->xirq = xirq;
	h->fn = fn;
	h->cookie = cookie;
	spin_lock_irqsave(&nkddi.xirq_lock, flags);
	if (!nkddi.src || xirq >= nkddi.xirq_limit) {
		spin_unlock_irqrestore(&nkddi.xirq_lock, flags);
		kfree(h);
		pr_err("attach: XIRQ %u: no nkhv PDEV device\n", xirq);
		return NULL;
	}
	list_add_tail(&h->node, &nkddi.src[xirq].handlers);
	list_add_tail(&h->all, &nkddi.handlers);
	kick = nkddi_runnable(xirq);
	spin_unlock_irqrestore(&nkddi.xirq_lock, flags);
	if (kick)
		irq_work_queue(&nkddi.replay);
	return h;
}

/* Is `h` an attached handler? xirq_lock held. */
static bool nkddi_handler_known(const struct nkddi_handler *h)
{
	const struct nkddi_handler *k;

	list_for_each_entry(k, &nkddi.handlers, all)
		if (k == h)
			return true;
	return false;
}

/*
 * Has the service of XIRQ `x` that was under way (served count `served`
 * of table generation `gen`) ended? Also true once that table is gone:
 * nkddi_xirq_stop() freed the handler with it. Looks at the table only
 * under xirq_lock, through nkddi.src: never at a source it may have freed.
 */
static bool nkddi_service_over(u32 x, u32 served, u32 gen)
{
	unsigned long flags;
	bool over;

	spin_lock_irqsave(&nkddi.xirq_lock, flags);
	over = nkddi.xirq_gen != gen || !nkddi.src ||
	       nkddi.src[x].served != served;
	if (over && nkddi.xirq_gen == gen && nkddi.src &&
	    !nkddi.src[x].in_service)
		nkddi_reap(&nkddi.src[x]);
	spin_unlock_irqrestore(&nkddi.xirq_lock, flags);
	return over;
}

/*
 * From a handler (of any XIRQ): returns at once; the detached handler is
 * not called again (a call already running on another CPU may still be
 * finishing) and is freed when that service ends. From anywhere else the
 * caller may sleep: on return the handler is not running.
 */
void nkddi_xirq_detach(NkXIrqId id)
{
	struct nkddi_handler *h = id;
	struct nkddi_source *s;
	unsigned long flags;
	u32 served, gen, x;

	spin_lock_irqsave(&nkddi.xirq_lock, flags);
	if (!nkddi.src) {
		/* The PDEV device went away: its handlers went with it. */
		spin_unlock_irqrestore(&nkddi.xirq_lock, flags);
		return;
	}
	if (!h || !nkddi_handler_known(h)) {
		spin_unlock_irqrestore(&nkddi.xirq_lock, flags);
		pr_err("detach: %p is no attached XIRQ handler\n", id);
		return;
	}
	list_del(&h->all);
	h->dead = true;
	x = h->xirq;
	s = &nkddi.src[x];
	if (!s->in_service) {
		nkddi_reap(s);
		spin_unlock_irqrestore(&nkddi.xirq_lock, flags);
		return;
	}
	if (this_cpu_read(nkddi_servicing)) {
		/* From a handler: the service under way frees it. */
		spin_unlock_irqrestore(&nkddi.xirq_lock, flags);
		return;
	}
	served = s->served;
	gen = nkddi.xirq_gen;
	spin_unlock_irqrestore(&nkddi.xirq_lock, flags);

	might_sleep();
	/* Handlers hold the map in hard IRQ context: so must we (irqs off). */
	local_irq_save(flags);
	lock_map_acquire(&nkddi_xirq_map);
	lock_map_release(&nkddi_xirq_map);
	local_irq_restore(flags);
	/* The service's wake_up_all() pairs with this wait's barrier. */
	wait_event(nkddi.served_wq, nkddi_service_over(x, served, gen));
}

/* Look up the source of `xirq`, logging why there is none. xirq_lock held. */
static struct nkddi_source *nkddi_source(NkXIrq xirq, const char *what)
{
	if (nkddi.src && xirq < nkddi.xirq_limit)
		return &nkddi.src[xirq];
	pr_err("%s: XIRQ %u out of range (this VM has %u)\n", what, xirq,
	       nkddi.xirq_limit);
	return NULL;
}

void nkddi_xirq_mask(NkXIrq xirq)
{
	struct nkddi_source *s;
	unsigned long flags;

	spin_lock_irqsave(&nkddi.xirq_lock, flags);
	s = nkddi_source(xirq, "mask");
	if (s)
		s->masked = true;
	spin_unlock_irqrestore(&nkddi.xirq_lock, flags);
}

void nkddi_xirq_unmask(NkXIrq xirq)
{
	struct nkddi_source *s;
	unsigned long flags;
	bool kick = false;

	spin_lock_irqsave(&nkddi.xirq_lock, flags);
	s = nkddi_source(xirq, "unmask");
	if (s) {
		s->masked = false;
		kick = nkddi_runnable(xirq);
	}
	spin_unlock_irqrestore(&nkddi.xirq_lock, flags);
	if (kick)
		irq_work_queue(&nkddi.replay);
}

/*
 * Raise XIRQ `xirq` of this VM without nkhv (which is gone): pending
 * locally, run through the irq_work like a late delivery. Any context.
 */
void nkddi_xirq_raise_local(NkXIrq xirq)
{
	unsigned long flags;
	bool kick = false;

	spin_lock_irqsave(&nkddi.xirq_lock, flags);
	if (nkddi.src && xirq < nkddi.xirq_limit) {
		__set_bit(xirq, nkddi.xirq_pending);
		kick = nkddi_runnable(xirq);
	}
	spin_unlock_irqrestore(&nkddi.xirq_lock, flags);
	if (kick)
		irq_work_queue(&nkddi.replay);
}
