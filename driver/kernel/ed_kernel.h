/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Earlydata driver core hosted in the Linux kernel: the state the glue
 * keeps per channel next to the core's struct ed_channel, shared by the
 * host callbacks, the character devices and their sysfs attributes.
 */
#ifndef ED_KERNEL_H
#define ED_KERNEL_H

#include <linux/atomic.h>
#include <linux/device.h>
#include <linux/mutex.h>
#include <linux/ratelimit.h>
#include <linux/notifier.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/wait.h>

#include <earlydata/earlydata.h>

struct edk_chan {
	struct ed_channel *ch; /* NULL until ed_init() found the channel */
	/* Serialises the core's calls with its XIRQ handlers (hard IRQ). */
	spinlock_t lock;
	unsigned long lock_flags; /* saved by host lock, used by unlock */
	/* Readers, writers and pollers sleep here until `events` moves. */
	wait_queue_head_t wq;
	atomic_t events; /* bumped by every wake of the core */
	bool gone; /* the driver is going away: waits fail with -ENODEV */

	/* Consumer: one reader at a time between peek and commit. */
	struct mutex rlock;
	struct ed_msg pending; /* a loss taken off the core, not yet read */
	bool has_pending;
	void *rbuf; /* record_max bytes: the record fetched, checked */

	/* Producer: the record being written, copied from user space. */
	struct mutex wlock;
	void *wbuf;

	struct device *dev;
	char devname[48];
	struct ratelimit_state fault_rs;
	atomic64_t faults_reported;
	unsigned int faults_hidden; /* not logged since the last one logged */
	struct ed_fault last_fault; /* under `lock` */
	u64 last_fault_ns;
	u64 oversized; /* consumer: records above record_max skipped */
};

extern struct edk_chan edk_chans[ED_MAX_CHANNELS];
extern const struct ed_host edk_host;

/* Initialise every slot's lock and wait queue (before ed_init()). */
void edk_host_init(void);

/* Log and count a fault of ch; its `lock` held. */
void edk_report_fault(struct ed_channel *ch, const struct ed_fault *f);

/*
 * Is nkhv gone? Asked of nkddi.ko's nkddi_hv_lost() (guest/linux/nkddi.h)
 * when the provider exports it; the target's kernel has no such call, so
 * it is looked up with symbol_get() and false without it.
 */
int nkddi_hv_lost(void);
void edk_hv_get(void);
void edk_hv_put(void);
bool edk_hv_lost(void);

/*
 * The NKDDI provider may lose a device while the channels use its memory
 * (nkddi.ko: the PCI device removed). nkddi.ko then calls its notifier
 * chain, looked up like nkddi_hv_lost() (guest/linux/nkddi.h), before it
 * unmaps anything: edk_port_removed() marks every channel gone, wakes
 * every sleeper and waits (synchronize_srcu()) until no file operation
 * or sysfs read is inside an edk_srcu read-side section. Every path that
 * touches the shared memory runs inside one and fails with -ENODEV once
 * its channel is gone. After that the module only detaches its XIRQ
 * handlers when it is unloaded (ed_exit() would write the links' states).
 */
extern struct srcu_struct edk_srcu;
/* ed_exit(), or only the XIRQ detaches once the memory is gone. */
void edk_port_exit(int nchan);
int nkddi_register_notifier(struct notifier_block *nb);
int nkddi_unregister_notifier(struct notifier_block *nb);

/* Role name: "producer" or "consumer". */
const char *edk_role_name(const struct ed_channel *ch);

extern const struct file_operations edk_fops;
extern const struct attribute_group *edk_groups[];

#endif /* ED_KERNEL_H */
