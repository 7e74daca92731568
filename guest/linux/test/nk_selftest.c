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
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/wait.h>

#include <nk/nkern.h>

#include "nk_conform.h"

static char *vlink = "pingpong";
module_param(vlink, charp, 0444);
MODULE_PARM_DESC(vlink, "Name of a vlink of this VM (default pingpong)");

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
	int checks = 0;

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
	int err = st_run();

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
}

module_init(st_init);
module_exit(st_exit);

MODULE_DESCRIPTION("Self-checks of nkddi.ko's nkops");
MODULE_LICENSE("GPL");
