// SPDX-License-Identifier: GPL-2.0-only
/*
 * nk_checkers.ko: commits one bug on purpose, so that a test can show the
 * debug kernel's checkers are on (tests/vm/test_vm.sh checkers). Never
 * load it anywhere else. bug=uaf reads a freed allocation (KASAN);
 * bug=abba takes two mutexes in both orders, one after the other, which
 * cannot deadlock here but is an inversion (lockdep); bug=sleep takes a
 * mutex, which may sleep, holding a spinlock (DEBUG_ATOMIC_SLEEP);
 * bug=race has two threads write one plain variable at once for 200 ms
 * (KCSAN, with two CPUs). The load then fails (-EAGAIN),
 * so the module never stays.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

static char *bug = "";
module_param(bug, charp, 0444);
MODULE_PARM_DESC(bug, "uaf, abba, sleep or race: the bug to commit");

static DEFINE_MUTEX(ck_a);
static DEFINE_MUTEX(ck_b);
static DEFINE_SPINLOCK(ck_lock);

static noinline int ck_uaf(void)
{
	int *p = kmalloc(64, GFP_KERNEL);
	int v;

	if (!p)
		return -ENOMEM;
	p[0] = 1;
	kfree(p);
	v = READ_ONCE(p[3]);
	return v;
}

static void ck_abba(void)
{
	mutex_lock(&ck_a);
	mutex_lock(&ck_b);
	mutex_unlock(&ck_b);
	mutex_unlock(&ck_a);

	mutex_lock(&ck_b);
	mutex_lock(&ck_a);
	mutex_unlock(&ck_a);
	mutex_unlock(&ck_b);
}

static void ck_sleep(void)
{
	spin_lock(&ck_lock);
	mutex_lock(&ck_a);
	mutex_unlock(&ck_a);
	spin_unlock(&ck_lock);
}

static unsigned long ck_shared;

static noinline int ck_racer(void *end)
{
	while (time_before(jiffies, (unsigned long)end)) {
		ck_shared++;
		barrier(); /* one plain load and store each time round */
	}
	return 0;
}

static void ck_race(void)
{
	unsigned long end = jiffies + msecs_to_jiffies(200);
	struct task_struct *t;

	t = kthread_run(ck_racer, (void *)end, "ck_racer");
	if (IS_ERR(t))
		return;
	ck_racer((void *)end);
	msleep(300);
}

static int __init ck_init(void)
{
	pr_info("committing bug '%s'\n", bug);
	if (!strcmp(bug, "uaf"))
		pr_info("read %d\n", ck_uaf());
	else if (!strcmp(bug, "abba"))
		ck_abba();
	else if (!strcmp(bug, "sleep"))
		ck_sleep();
	else if (!strcmp(bug, "race"))
		ck_race();
	else
		return -EINVAL;
	return -EAGAIN;
}

module_init(ck_init);

MODULE_DESCRIPTION("Bugs on purpose, for the debug kernel's checkers");
MODULE_LICENSE("GPL");
