// SPDX-License-Identifier: GPL-2.0-only
/*
 * nk_selftest.ko: checks of nkddi.ko's `nkops` that need no peer. Load it
 * in a QEMU VM whose nkhv system gives the VM a vlink named `vlink`
 * (default "pingpong") with at least one XIRQ for this end-point. It
 * triggers an XIRQ of its own VM and checks delivery, several handlers,
 * mask/unmask, detach (also from a handler), the labelled allocations,
 * the address translations and their refusals, and the atomics on shared
 * memory; then the NKDDI conformance suite (tests/nkddi/nk_conform.h),
 * the same checks libnkddi passes in a process VM. The load fails, naming
 * the first failed check, if any fails.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <nk/nkern.h>
#include <nkhv/port.h>

#include "nk_conform.h"

static char *vlink = "pingpong";
module_param(vlink, charp, 0444);
MODULE_PARM_DESC(vlink, "Name of a vlink of this VM (default pingpong)");

static char *race = "";
module_param(race, charp, 0444);
MODULE_PARM_DESC(race,
		 "\"stop\": only a detach waiting for a handler running on the other CPU while the PDEV device is removed (role unbind)");

static DECLARE_WAIT_QUEUE_HEAD(st_wq);
static atomic_t st_count[3];
static NkXIrqId st_self_id;

static void st_handler(void *cookie, NkXIrq xirq)
{
	atomic_inc(&st_count[(long)cookie]);
	wake_up(&st_wq);
}

/* Detaches itself on its first run: detach from a handler must work. */
static void st_self_detach(void *cookie, NkXIrq xirq)
{
	atomic_inc(&st_count[2]);
	nkops.nk_xirq_detach(READ_ONCE(st_self_id));
	wake_up(&st_wq);
}

/*
 * Two handlers on two XIRQs that detach each other while both run, on two
 * CPUs: detach from a handler must not wait (it would wait forever).
 */
static NkXIrqId st_mutual_id[2];
static atomic_t st_mutual_in[2], st_mutual_done;
static NkXIrq st_mutual_x[2];
static int st_mutual_cpu = -1;

static void st_unmask_b(struct work_struct *w)
{
	nkops.nk_xirq_unmask(st_mutual_x[1]);
}

static DECLARE_WORK(st_unmask_work, st_unmask_b);

/* Wait (hard IRQ) up to `ms` for `v` to become nonzero. */
static bool st_spin_for(atomic_t *v, unsigned int ms)
{
	unsigned int us;

	for (us = 0; us < ms * 1000; us += 10) {
		if (atomic_read(v))
			return true;
		udelay(10);
	}
	return false;
}

static void st_mutual(void *cookie, NkXIrq xirq)
{
	long me = (long)cookie;

	atomic_set(&st_mutual_in[me], 1);
	if (!me) {
		/* B runs on another CPU: unmasked from a work there. */
		st_mutual_cpu = cpumask_any_but(cpu_online_mask,
						smp_processor_id());
		if (st_mutual_cpu < nr_cpu_ids)
			schedule_work_on(st_mutual_cpu, &st_unmask_work);
	}
	st_spin_for(&st_mutual_in[!me], 1000);
	nkops.nk_xirq_detach(READ_ONCE(st_mutual_id[!me]));
	atomic_inc(&st_mutual_done);
	wake_up(&st_wq);
}

/* A handler that runs `st_long_ms`, to be detached meanwhile. */
static unsigned int st_long_ms;
static atomic_t st_long_in, st_long_out;

static void st_long(void *cookie, NkXIrq xirq)
{
	atomic_set(&st_long_in, 1);
	mdelay(READ_ONCE(st_long_ms));
	atomic_set(&st_long_out, 1);
}

static void st_unmask_x(struct work_struct *w);
static DECLARE_WORK(st_unmask_x_work, st_unmask_x);
static NkXIrq st_long_x;

static void st_unmask_x(struct work_struct *w)
{
	nkops.nk_xirq_unmask(st_long_x);
}

/*
 * Run st_long on XIRQ `x` from the irq_work of a CPU other than `cpu`:
 * pending while masked, then unmasked from a work on that other CPU.
 */
static NkXIrqId st_long_start(NkXIrq x, int cpu, unsigned int ms)
{
	NkXIrqId id;
	int other = cpumask_any_but(cpu_online_mask, cpu);

	if (other >= nr_cpu_ids)
		return NULL;
	st_long_x = x;
	WRITE_ONCE(st_long_ms, ms);
	atomic_set(&st_long_in, 0);
	atomic_set(&st_long_out, 0);
	nkops.nk_xirq_mask(x);
	id = nkops.nk_xirq_attach(x, st_long, NULL);
	if (!id)
		return NULL;
	nkops.nk_xirq_trigger(x, nkops.nk_id_get());
	msleep(200);
	schedule_work_on(other, &st_unmask_x_work);
	return id;
}

/*
 * race=stop: on one CPU, thread "detach" waits in nk_xirq_detach() for
 * st_long, which runs 300 ms on the other CPU, while thread "remove"
 * removes the PDEV device (whose removal frees the handler table). Woken
 * when the handler ends, the detaching thread (SCHED_NORMAL) runs only
 * once the removal (SCHED_FIFO) is over: thread "hog" (SCHED_FIFO, lowest
 * priority) keeps the CPU from it until then, for 1 s at most.
 */
static struct task_struct *st_detach_task, *st_remove_task, *st_hog_task;
static DECLARE_COMPLETION(st_race_go);
static DECLARE_COMPLETION(st_hog_go);
static DECLARE_COMPLETION(st_race_done);
static NkXIrqId st_race_id;
static int st_removed;

static int st_hog_fn(void *unused)
{
	u64 end;

	wait_for_completion(&st_hog_go);
	sched_set_fifo_low(current);
	/*
	 * Until the removal is over, 1 s at most: the removal may need a
	 * kworker of this CPU (SCHED_NORMAL too), which must not starve.
	 */
	end = ktime_get_ns() + NSEC_PER_SEC;
	while (ktime_get_ns() < end && !kthread_should_stop()) {
		if (READ_ONCE(st_removed))
			end = min(end, ktime_get_ns() + 50 * NSEC_PER_MSEC);
		cpu_relax();
	}
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ);
	return 0;
}

static int st_detach_fn(void *unused)
{
	wait_for_completion(&st_race_go);
	pr_info("race stop: detaching the running handler\n");
	nkops.nk_xirq_detach(st_race_id);
	pr_info("race stop: detach returned (handler done: %d)\n",
		atomic_read(&st_long_out));
	complete(&st_race_done);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ);
	return 0;
}

/* The nkhv PDEV device: the ivshmem device whose IVPosition is 1. */
static struct pci_dev *st_pdev_device(void)
{
	struct pci_dev *pci = NULL;
	void __iomem *regs;
	u32 ivposition;

	while ((pci = pci_get_device(0x1af4, 0x1110, pci))) {
		regs = pci_iomap(pci, 0, 16);
		if (!regs)
			continue;
		ivposition = ioread32(regs + 8);
		pci_iounmap(pci, regs);
		if (ivposition == NKHV_PORT_ID_PDEV)
			return pci;
	}
	return NULL;
}

static int st_remove_fn(void *xp)
{
	NkXIrq x = (NkXIrq)(unsigned long)xp;
	struct pci_dev *pci;
	unsigned int i;
	int cpu = smp_processor_id();

	msleep(500); /* insmod has returned */
	sched_set_fifo(current);
	st_race_id = st_long_start(x, cpu, 300);
	for (i = 0; i < 100 && st_race_id && !atomic_read(&st_long_in); i++)
		msleep(20);
	pr_info("race stop: handler running on the other CPU: %d\n",
		atomic_read(&st_long_in));
	complete(&st_race_go);
	msleep(40); /* the detaching thread waits now */
	complete(&st_hog_go);
	pci = st_pdev_device();
	if (pci) {
		pci_lock_rescan_remove();
		pci_stop_and_remove_bus_device(pci);
		pci_unlock_rescan_remove();
		pci_dev_put(pci);
	}
	WRITE_ONCE(st_removed, 1);
	pr_info("race stop: PDEV device removed: %d\n", pci != NULL);
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ);
	return 0;
}

static int st_race_stop(void)
{
	NkPhAddr plink = 0;
	NkDevVlink *vl;
	NkOsId self = nkops.nk_id_get();
	NkXIrq x;
	int cpu;

	if (num_online_cpus() < 2) {
		pr_err("race stop: needs two CPUs\n");
		return -EINVAL;
	}
	while ((plink = nkops.nk_vlink_lookup(vlink, plink))) {
		vl = nkops.nk_ptov(plink);
		if (vl && (vl->s_id == self || vl->c_id == self))
			break;
	}
	x = plink ? nkops.nk_pxirq_alloc(plink, 0x5e5, self, 1) : 0;
	if (!x)
		return -ENODEV;
	cpu = cpumask_first(cpu_online_mask);
	st_detach_task = kthread_create(st_detach_fn, NULL, "nk_st_detach");
	if (IS_ERR(st_detach_task))
		return PTR_ERR(st_detach_task);
	st_hog_task = kthread_create(st_hog_fn, NULL, "nk_st_hog");
	if (IS_ERR(st_hog_task)) {
		complete(&st_race_go);
		kthread_stop(st_detach_task);
		return PTR_ERR(st_hog_task);
	}
	st_remove_task = kthread_create(st_remove_fn, (void *)(unsigned long)x,
					"nk_st_remove");
	if (IS_ERR(st_remove_task)) {
		complete(&st_race_go);
		complete(&st_hog_go);
		kthread_stop(st_detach_task);
		kthread_stop(st_hog_task);
		return PTR_ERR(st_remove_task);
	}
	kthread_bind(st_detach_task, cpu);
	kthread_bind(st_hog_task, cpu);
	kthread_bind(st_remove_task, cpu);
	wake_up_process(st_detach_task);
	wake_up_process(st_hog_task);
	wake_up_process(st_remove_task);
	pr_info("race stop: ready\n");
	return 0;
}

/* Wait until counter `i` reaches `n` (2 s at most). */
static bool st_wait(int i, int n)
{
	return wait_event_timeout(st_wq, atomic_read(&st_count[i]) >= n,
				  2 * HZ) > 0;
}

#define CHECK(cond)                                                      \
	do {                                                             \
		checks++;                                                \
		if (!(cond)) {                                           \
			pr_err("check failed (line %d): %s\n", __LINE__, \
			       #cond);                                   \
			return -EINVAL;                                  \
		}                                                        \
	} while (0)

static int st_run(void)
{
	NkOsId self = nkops.nk_id_get();
	NkPhAddr plink = 0, pmem, pblk, pblk2;
	NkXIrqId a, b, c;
	NkDevVlink *vl;
	volatile nku32_f *w;
	u8 *p;
	NkXIrq x;
	int checks = 0, i;

	CHECK(self >= 1 && nkops.nk_last_id_get() >= self);
	while ((plink = nkops.nk_vlink_lookup(vlink, plink))) {
		vl = nkops.nk_ptov(plink);
		CHECK(vl);
		if (vl->s_id == self || vl->c_id == self)
			break;
	}
	CHECK(plink);
	CHECK(nkops.nk_vtop(vl) == plink);
	CHECK(!nkops.nk_vlink_lookup(vlink, plink + 1));
	CHECK(!nkops.nk_vlink_lookup(NULL, 0));
	CHECK(!nkops.nk_vlink_lookup("no-such-vlink", 0));

	/* Translations and their refusals. */
	pmem = nkops.nk_pmem_alloc(plink, 0, 8);
	CHECK(pmem && !(pmem & 4095));
	CHECK(nkops.nk_pmem_alloc(plink, 0, 8) == pmem);
	p = nkops.nk_mem_map(pmem, 8);
	CHECK(p && nkops.nk_ptov(pmem) == p &&
	      nkops.nk_vtop(p + 4) == pmem + 4);
	nkops.nk_mem_unmap(p, pmem, 8);
	CHECK(!nkops.nk_mem_map(pmem, 0));
	CHECK(!nkops.nk_mem_map(pmem, 1ull << 40));
	CHECK(!nkops.nk_ptov(0));
	CHECK(!nkops.nk_ptov(~0ull));
	CHECK(!nkops.nk_vtop(&checks));

	/* A private PDEV block: labelled, inside this VM's memory. */
	pblk = nkops.nk_pdev_alloc(plink, 0x5e1f, 100);
	pblk2 = nkops.nk_pdev_alloc(plink, 0x5e1f, 100);
	CHECK(pblk && pblk == pblk2 && nkops.nk_mem_map(pblk, 100));
	CHECK(!nkops.nk_pmem_alloc(plink + 1, 0, 8));

	/* Atomics on shared memory. */
	w = (volatile nku32_f *)p;
	*w = 0;
	nkops.nk_atomic_set(w, 0x11);
	CHECK(*w == 0x11);
	nkops.nk_atomic_clear(w, 0x01);
	CHECK(*w == 0x10);
	CHECK(nkops.nk_clear_and_test(w, 0x00) == 0x10 && *w == 0x10);
	CHECK(!nkops.nk_clear_and_test(w, 0x10) && *w == 0);
	nkops.nk_atomic_add(w, 5);
	CHECK(*w == 5);
	nkops.nk_atomic_sub(w, 2);
	CHECK(*w == 3);
	CHECK(nkops.nk_sub_and_test(w, 1) == 2 && *w == 2);
	CHECK(!nkops.nk_sub_and_test(w, 2) && *w == 0);

	/* An XIRQ of our own VM on this vlink: the label the peer uses. */
	x = nkops.nk_pxirq_alloc(plink, vl->s_id == self ? 0 : 1, self, 1);
	CHECK(x >= NK_XIRQ_FIRST_DYNAMIC);
	CHECK(!nkops.nk_pxirq_alloc(plink, 0, self, 0));
	CHECK(!nkops.nk_xirq_attach(x, NULL, NULL));
	CHECK(!nkops.nk_xirq_attach(1u << 30, st_handler, NULL));

	/* Two handlers, one trigger: both run once. */
	a = nkops.nk_xirq_attach(x, st_handler, (void *)0L);
	b = nkops.nk_xirq_attach(x, st_handler, (void *)1L);
	CHECK(a && b);
	nkops.nk_xirq_trigger(x, self);
	CHECK(st_wait(0, 1) && st_wait(1, 1));

	/* Masked: the trigger stays pending, unmask delivers it once. */
	nkops.nk_xirq_mask(x);
	nkops.nk_xirq_trigger(x, self);
	nkops.nk_xirq_trigger(x, self);
	msleep(300);
	CHECK(atomic_read(&st_count[0]) == 1);
	nkops.nk_xirq_unmask(x);
	CHECK(st_wait(0, 2) && st_wait(1, 2));
	msleep(300);
	CHECK(atomic_read(&st_count[0]) == 2);

	/* Detached: the other handler keeps running. */
	nkops.nk_xirq_detach(b);
	nkops.nk_xirq_trigger(x, self);
	CHECK(st_wait(0, 3));
	msleep(100);
	CHECK(atomic_read(&st_count[1]) == 2);

	/* A handler detaching itself runs once. */
	c = nkops.nk_xirq_attach(x, st_self_detach, NULL);
	CHECK(c);
	WRITE_ONCE(st_self_id, c);
	nkops.nk_xirq_trigger(x, self);
	CHECK(st_wait(2, 1) && st_wait(0, 4));
	nkops.nk_xirq_trigger(x, self);
	CHECK(st_wait(0, 5));
	msleep(100);
	CHECK(atomic_read(&st_count[2]) == 1);
	nkops.nk_xirq_detach(a);

	/* Triggered with no handler: delivered when one is attached. */
	atomic_set(&st_count[0], 0);
	nkops.nk_xirq_trigger(x, self);
	msleep(300);
	a = nkops.nk_xirq_attach(x, st_handler, (void *)0L);
	CHECK(a && st_wait(0, 1));
	nkops.nk_xirq_detach(a);

	/* Attach where sleeping is not allowed but preemption is. */
	rcu_read_lock();
	a = nkops.nk_xirq_attach(x, st_handler, (void *)0L);
	rcu_read_unlock();
	CHECK(a);
	nkops.nk_xirq_detach(a);

	if (num_online_cpus() < 2) {
		pr_info("one CPU: the checks of handlers on two CPUs are skipped\n");
		goto done;
	}
	/* Detach waits for the handler running on another CPU. */
	x = nkops.nk_pxirq_alloc(plink, 0x5e2, self, 2);
	CHECK(x);
	a = st_long_start(x, raw_smp_processor_id(), 300);
	CHECK(a);
	for (i = 0; i < 150 && !atomic_read(&st_long_in); i++)
		msleep(20);
	CHECK(atomic_read(&st_long_in));
	nkops.nk_xirq_detach(a);
	CHECK(atomic_read(&st_long_out));
	flush_work(&st_unmask_x_work);

	/* Two handlers detaching each other while both run. */
	st_mutual_x[0] = x;
	st_mutual_x[1] = x + 1;
	nkops.nk_xirq_mask(x + 1);
	b = nkops.nk_xirq_attach(x + 1, st_mutual, (void *)1L);
	CHECK(b);
	WRITE_ONCE(st_mutual_id[1], b);
	nkops.nk_xirq_trigger(x + 1, self);
	msleep(200);
	a = nkops.nk_xirq_attach(x, st_mutual, (void *)0L);
	CHECK(a);
	WRITE_ONCE(st_mutual_id[0], a);
	nkops.nk_xirq_trigger(x, self);
	CHECK(wait_event_timeout(st_wq, atomic_read(&st_mutual_done) == 2,
				 5 * HZ) > 0);
	CHECK(atomic_read(&st_mutual_in[0]) && atomic_read(&st_mutual_in[1]));
	flush_work(&st_unmask_work);
	nkops.nk_xirq_unmask(x + 1);
done:
	pr_info("%d checks passed\n", checks);
	return 0;
}

static void st_sleep_ms(unsigned int ms)
{
	msleep(ms);
}

static void st_report(int line, const char *what)
{
	pr_err("conformance check failed (nk_conform.h:%d): %s\n", line, what);
}

/* The provider's own checks, then the NKDDI conformance suite. */
static int __init st_init(void)
{
	struct nkc_env env = { .sleep_ms = st_sleep_ms, .report = st_report };
	int err;

	if (!strcmp(race, "stop"))
		return st_race_stop();
	err = st_run();

	if (err)
		return err;
	env.vlink = vlink;
	if (nkc_run(&env))
		return -EINVAL;
	pr_info("conformance: %u checks passed\n", env.checks);
	return 0;
}

static void __exit st_exit(void)
{
	if (st_remove_task) {
		kthread_stop(st_remove_task);
		complete(&st_race_go);
		complete(&st_hog_go);
		wait_for_completion(&st_race_done);
		kthread_stop(st_detach_task);
		kthread_stop(st_hog_task);
	}
	flush_work(&st_unmask_work);
	flush_work(&st_unmask_x_work);
}

module_init(st_init);
module_exit(st_exit);

MODULE_DESCRIPTION("Self-checks of nkddi.ko's nkops");
MODULE_LICENSE("GPL");
