// SPDX-License-Identifier: GPL-2.0-only
/*
 * The struct ed_host of the kernel: a spinlock per channel (the core's
 * XIRQ handlers run in hard IRQ context), a wait queue per channel woken
 * from those handlers, the monotonic clock, and rate-limited fault logs.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/random.h>
#include <linux/ktime.h>
#include <linux/timekeeping.h>

#include "ed_kernel.h"

static unsigned int fault_log = 10;
module_param(fault_log, uint, 0444);
MODULE_PARM_DESC(fault_log,
		 "Fault messages logged per channel every 5 s (0: none)");

struct edk_chan edk_chans[ED_MAX_CHANNELS];

static int (*edk_hv_lost_fn)(void);
static int (*edk_unregister_fn)(struct notifier_block *nb);

DEFINE_SRCU(edk_srcu);
/* Orders a removal with the module's exit; `edk_removed` under it. */
static DEFINE_MUTEX(edk_port_mutex);
static bool edk_removed;

/* The provider lost a device: no more access to its memory (ed_kernel.h). */
static void edk_port_removed(void)
{
	int i;

	mutex_lock(&edk_port_mutex);
	edk_removed = true;
	mutex_unlock(&edk_port_mutex);
	for (i = 0; i < ED_MAX_CHANNELS; i++) {
		WRITE_ONCE(edk_chans[i].gone, true);
		wake_up_interruptible_all(&edk_chans[i].wq);
	}
	/* Readers test `gone` inside their section: after this, none uses it. */
	synchronize_srcu(&edk_srcu);
	pr_warn("earlydata: the NKDDI provider's device was removed: the channels fail with ENODEV\n");
}

void edk_port_exit(int nchan)
{
	const struct ed_channel *ch;
	int i;

	mutex_lock(&edk_port_mutex);
	if (!edk_removed) {
		ed_exit();
	} else {
		/* The shared memory is gone: only the handlers go. */
		for (i = 0; i < nchan; i++) {
			ch = ed_channel_get(i);
			nkops.nk_xirq_detach(ch->rx_id);
			nkops.nk_xirq_detach(ch->sys_id);
		}
	}
	mutex_unlock(&edk_port_mutex);
}

static int edk_port_event(struct notifier_block *nb, unsigned long ev,
			  void *data)
{
	/* NKDDI_PORT_REMOVE of guest/linux/nkddi.h */
	if (ev != 1)
		return NOTIFY_DONE;
	edk_port_removed();
	return NOTIFY_OK;
}

static struct notifier_block edk_port_nb = {
	.notifier_call = edk_port_event,
};

void edk_hv_get(void)
{
	int (*reg)(struct notifier_block *nb);

	edk_hv_lost_fn = symbol_get(nkddi_hv_lost);
	reg = symbol_get(nkddi_register_notifier);
	if (!reg)
		return;
	edk_unregister_fn = symbol_get(nkddi_unregister_notifier);
	if (edk_unregister_fn && !reg(&edk_port_nb)) {
		symbol_put(nkddi_register_notifier);
		return;
	}
	if (edk_unregister_fn)
		symbol_put(nkddi_unregister_notifier);
	edk_unregister_fn = NULL;
	symbol_put(nkddi_register_notifier);
}

void edk_hv_put(void)
{
	if (edk_unregister_fn) {
		edk_unregister_fn(&edk_port_nb);
		symbol_put(nkddi_unregister_notifier);
	}
	edk_unregister_fn = NULL;
	if (edk_hv_lost_fn)
		symbol_put(nkddi_hv_lost);
	edk_hv_lost_fn = NULL;
}

bool edk_hv_lost(void)
{
	return edk_hv_lost_fn && edk_hv_lost_fn();
}

static struct edk_chan *edk_of(const struct ed_channel *ch)
{
	return &edk_chans[ch->index];
}

const char *edk_role_name(const struct ed_channel *ch)
{
	return ch->role == ED_PRODUCER ? "producer" : "consumer";
}

static nku64_f host_now(void *ctx)
{
	return ktime_get_ns();
}

static nku64_f host_random(void *ctx)
{
	return get_random_u64();
}

/* Called from process context and from XIRQ handlers: IRQ-safe lock. */
static void host_lock(void *ctx, struct ed_channel *ch)
	__acquires(&edk_of(ch)->lock)
{
	struct edk_chan *kc = edk_of(ch);
	unsigned long flags;

	spin_lock_irqsave(&kc->lock, flags);
	kc->lock_flags = flags;
}

static void host_unlock(void *ctx, struct ed_channel *ch)
	__releases(&edk_of(ch)->lock)
{
	struct edk_chan *kc = edk_of(ch);

	spin_unlock_irqrestore(&kc->lock, kc->lock_flags);
}

/* From XIRQ handlers (hard IRQ): count the event, wake every sleeper. */
static void host_wake(void *ctx, struct ed_channel *ch, unsigned int events)
{
	struct edk_chan *kc = edk_of(ch);

	atomic_inc(&kc->events);
	wake_up_interruptible_all(&kc->wq);
}

void edk_report_fault(struct ed_channel *ch, const struct ed_fault *f)
{
	struct edk_chan *kc = edk_of(ch);

	kc->last_fault = *f;
	kc->last_fault_ns = ktime_get_ns();
	atomic64_inc(&kc->faults_reported);
	if (!fault_log || !__ratelimit(&kc->fault_rs)) {
		kc->faults_hidden++;
		return;
	}
	if (kc->faults_hidden)
		pr_warn("earlydata: channel %s: %u more faults not logged\n",
			ch->cfg.name, kc->faults_hidden);
	kc->faults_hidden = 0;
	if (kc->dev)
		dev_warn(
			kc->dev,
			"channel %s: peer fault: %s %s (value 0x%llx, position %llu)\n",
			ch->cfg.name, f->field, f->rule,
			(unsigned long long)f->value,
			(unsigned long long)f->pos);
	else
		pr_warn("earlydata: channel %s: peer fault: %s %s (value 0x%llx, position %llu)\n",
			ch->cfg.name, f->field, f->rule,
			(unsigned long long)f->value,
			(unsigned long long)f->pos);
}

/* The core found a protocol violation; called with the channel locked. */
static void host_fault(void *ctx, struct ed_channel *ch,
		       const struct ed_fault *f)
{
	edk_report_fault(ch, f);
}

const struct ed_host edk_host = {
	.now_ns = host_now,
	.random = host_random,
	.lock = host_lock,
	.unlock = host_unlock,
	.wake = host_wake,
	.fault = host_fault,
	/* The lock masks interrupts: copies and CRCs run outside it. */
	.flags = ED_HOST_COPY_UNLOCKED,
};

void edk_host_init(void)
{
	int i;

	for (i = 0; i < ED_MAX_CHANNELS; i++) {
		struct edk_chan *kc = &edk_chans[i];

		spin_lock_init(&kc->lock);
		init_waitqueue_head(&kc->wq);
		mutex_init(&kc->rlock);
		mutex_init(&kc->wlock);
		ratelimit_state_init(&kc->fault_rs, 5 * HZ, fault_log);
		/* We say how many were hidden, naming the channel. */
		ratelimit_set_flags(&kc->fault_rs, RATELIMIT_MSG_ON_RELEASE);
	}
}
