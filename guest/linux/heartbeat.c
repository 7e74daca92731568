// SPDX-License-Identifier: GPL-2.0-only
/*
 * Noticing that nkhv is gone. QEMU's ivshmem device gives the guest no
 * event when its server's socket closes, so nkhv beats instead: it adds
 * 1 to the port's `beat` every NKHV_PORT_BEAT_MS (include/nkhv/port.h).
 * An hrtimer looks at it every NKDDI_BEAT_CHECK_MS of this VM's clock;
 * once the beat has stood still for NKHV_PORT_LOST_MS and at least two
 * looks, nkhv is lost for good: one line is logged, the hv_lost module
 * parameter reads 1, every call waiting for nkhv fails, later calls fail
 * at once, triggers are dropped, and this VM's SYSCONF is raised locally
 * so that every driver looks at its links.
 *
 * The silence is measured with this VM's clock, which keeps running when
 * the vCPU is not scheduled: a vCPU that was held up looks at a beat that
 * moved meanwhile (nkhv kept beating), so only a silence of nkhv itself
 * counts. When the whole host was held up (nkhv and the vCPU alike), the
 * first look after it may come before nkhv's next beat: so a late look
 * counts for at most NKDDI_BEAT_GAP_MS of silence, and the second look
 * keeps a single late timer from deciding.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/module.h>

#include "nkddi.h"

#define NKDDI_BEAT_CHECK_MS 10u
#define NKDDI_BEAT_GAP_MS 20u /* most silence one look adds */

/* 1 once nkhv is lost (acquire: pairs with the release in beat_lost()). */
int nkddi_hv_lost(void)
{
	/* Pairs with the release in nkddi_beat_lost(). */
	return smp_load_acquire(&nkddi.hv_lost);
}
EXPORT_SYMBOL_GPL(nkddi_hv_lost);

static int nkddi_hv_lost_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", nkddi_hv_lost());
}

static int nkddi_hv_lost_set(const char *val, const struct kernel_param *kp)
{
	return -EPERM;
}

static const struct kernel_param_ops nkddi_hv_lost_ops = {
	.get = nkddi_hv_lost_get,
	.set = nkddi_hv_lost_set,
};
module_param_cb(hv_lost, &nkddi_hv_lost_ops, NULL, 0444);
MODULE_PARM_DESC(hv_lost,
		 "1 once nkhv is gone (its heartbeat stopped); read-only");

/*
 * nkhv is lost. Hard IRQ context (the hrtimer). `still_ms`: the silence
 * counted (late looks count for NKDDI_BEAT_GAP_MS at most); `bound_ms`:
 * time since the last look that saw the previous value, an upper bound of
 * the time since nkhv's last beat.
 */
static void nkddi_beat_lost(u64 still_ms, u64 bound_ms)
{
	/*
	 * Release: a caller that sees hv_lost through nkddi_hv_lost()
	 * (acquire) also sees everything done before, the pending SYSCONF
	 * included. The call waiters re-check it after their wake-up
	 * (nkddi_call_over), which wake_up_all() orders.
	 */
	smp_store_release(&nkddi.hv_lost, 1);
	pr_warn("nkhv is gone: its heartbeat in the port stood still for %llu ms (guest time; nkhv's last beat at most %llu ms ago); calls to nkhv fail from now on, this VM must be restarted\n",
		still_ms, bound_ms);
	wake_up_all(&nkddi.call_wq);
	nkddi_xirq_raise_local(NK_XIRQ_SYSCONF);
}

static enum hrtimer_restart nkddi_beat_check(struct hrtimer *t)
{
	struct nkddi_beat *b = &nkddi.beat;
	u64 now = ktime_get_ns();
	u64 gap = min_t(u64, now - b->last_ns,
			NKDDI_BEAT_GAP_MS * NSEC_PER_MSEC);
	u32 beat = READ_ONCE(nkddi.port->beat); /* read once: the peer's */

	if (beat != b->seen) {
		b->seen = beat;
		b->before_ns = b->last_ns;
		b->still = 0;
		b->still_ns = 0;
	} else {
		b->still++;
		b->still_ns += gap;
		if (b->still >= 2 &&
		    b->still_ns >= NKHV_PORT_LOST_MS * NSEC_PER_MSEC) {
			nkddi_beat_lost(div_u64(b->still_ns, NSEC_PER_MSEC),
					div_u64(now - b->before_ns,
						NSEC_PER_MSEC));
			return HRTIMER_NORESTART;
		}
	}
	b->last_ns = now;
	hrtimer_forward_now(t, ms_to_ktime(NKDDI_BEAT_CHECK_MS));
	return HRTIMER_RESTART;
}

/* Start watching the beat: the PDEV is bound and nkhv answered HELLO. */
void nkddi_beat_start(void)
{
	struct nkddi_beat *b = &nkddi.beat;
	u64 now = ktime_get_ns();

	b->seen = READ_ONCE(nkddi.port->beat);
	b->still_ns = 0;
	b->before_ns = now;
	b->last_ns = now;
	b->still = 0;
	hrtimer_init(&b->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	b->timer.function = nkddi_beat_check;
	hrtimer_start(&b->timer, ms_to_ktime(NKDDI_BEAT_CHECK_MS),
		      HRTIMER_MODE_REL);
	b->running = true;
}

/* Stop watching it; on return the check is not running. */
void nkddi_beat_stop(void)
{
	if (!nkddi.beat.running)
		return;
	hrtimer_cancel(&nkddi.beat.timer);
	nkddi.beat.running = false;
}
