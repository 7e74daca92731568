/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of nkddi.ko, the Linux kernel NKDDI provider for VMs that run
 * under QEMU and reach nkhv through ivshmem-doorbell devices ("the port",
 * include/nkhv/port.h). Shared by the files of the module only.
 */
#ifndef NKDDI_LINUX_H
#define NKDDI_LINUX_H

#include <linux/hrtimer.h>
#include <linux/interrupt.h>
#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/pci.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include <nk/nkern.h>
#include <nkhv/pdev.h>
#include <nkhv/port.h>

/* ivshmem BAR 0 registers (QEMU docs/specs/ivshmem-spec.rst). */
#define NKDDI_REG_INTRMASK 0
#define NKDDI_REG_INTRSTATUS 4
#define NKDDI_REG_IVPOSITION 8
#define NKDDI_REG_DOORBELL 12

/* XIRQ numbers beyond this are refused even if a PDEV announces them. */
#define NKDDI_XIRQ_MAX 65536u

/* One bound ivshmem device. */
struct nkddi_dev {
	struct list_head node; /* in nkddi.devs */
	struct pci_dev *pci;
	void __iomem *regs; /* BAR 0 */
	u32 ivposition;
	phys_addr_t bar2; /* shared memory */
	resource_size_t bar2_size;
	int region; /* region table entry it carries, or -1 */
};

/* One entry of the port's region table, as validated at PDEV probe. */
struct nkddi_region {
	u64 base, size;
	u32 ivposition;
	bool writable;
	bool valid; /* passed the checks; refused entries stay false */
	bool vmapped; /* read-only mapping made with vmap_pfn() */
	/* RCU: NULL until its device binds; unmapped after a grace period. */
	void __rcu *map;
	struct nkddi_dev *dev;
};

struct nkddi_handler;

/* The watch on nkhv's heartbeat (heartbeat.c); only its hrtimer writes. */
struct nkddi_beat {
	struct hrtimer timer;
	bool running;
	u32 seen; /* the port's beat at the last look */
	u32 still; /* looks since it last moved */
	u64 still_ns; /* silence counted since it last moved */
	u64 before_ns; /* the look before the one that saw it move */
	u64 last_ns; /* the last look */
};

/* One XIRQ of this VM. All fields are protected by nkddi.xirq_lock. */
struct nkddi_source {
	struct list_head handlers; /* struct nkddi_handler.node */
	bool masked; /* by nk_xirq_mask() */
	bool in_service; /* handlers running on service_cpu */
	int service_cpu;
	u32 served; /* completed service runs, for detach */
};

struct nkddi {
	struct mutex lock; /* probe, remove, region association */
	struct list_head devs; /* every bound device */
	struct nkddi_dev *pdev_dev; /* the PDEV device, or NULL */

	/* Set (release) once the PDEV is up and HELLO succeeded. */
	bool ready;
	/* Set (release) once nkhv's heartbeat stopped: nkddi_hv_lost(). */
	int hv_lost;
	struct nkddi_beat beat;

	/* PDEV snapshot: validated at probe, never re-read. */
	u8 *pdev;
	u64 pdev_base, pdev_size;
	NkOsId vm_id, last_id;
	u32 nvlinks, desc_off, xirq_limit;
	u64 *xirq_stats; /* in the PDEV, xirq_limit counters */
	struct nkhv_port *port; /* in the PDEV */
	u32 *pending; /* in the PDEV, (xirq_limit + 31) / 32 words */

	void __iomem *doorbell; /* of the PDEV device */

	u32 nregions; /* RCU: published with release, cleared before a grace period */
	struct nkddi_region regions[NKHV_PORT_REGIONS];

	/* Mailbox: one call at a time. */
	struct mutex call_lock;
	wait_queue_head_t call_wq;
	bool call_stop; /* the PDEV is going away: stop waiting */

	/* Trigger ring producer. */
	spinlock_t trig_lock;

	/* XIRQ handler table and dispatch. */
	spinlock_t xirq_lock;
	bool xirq_off; /* a port device is being removed: no handler runs */
	struct nkddi_source *src; /* xirq_limit entries, or NULL */
	struct list_head handlers; /* every attached handler, for detach */
	unsigned long *xirq_pending; /* taken from the PDEV, not yet run */
	wait_queue_head_t served_wq;
	u32 xirq_gen; /* tables dropped by nkddi_xirq_stop(), xirq_lock */
	struct irq_work replay; /* runs pending unmasked XIRQs */
	int irq_call, irq_xirq; /* Linux IRQs of the two vectors, or -1 */
};

extern struct nkddi nkddi;
extern unsigned int nkddi_call_timeout_ms;

/* True once nkops may be used; logs (rate limited) why not otherwise. */
bool nkddi_usable(const char *what);

/*
 * heartbeat.c. nkddi_hv_lost() is exported (GPL) for drivers that want to
 * tell "nkhv is gone" from a quiet peer, as libnkddi's nkddi_hv_lost()
 * (include/nkddi/nkddi.h) for process VMs: nonzero once nkhv's heartbeat
 * stopped. This VM's SYSCONF is raised when that happens; mapped memory
 * stays mapped, but nothing reaches nkhv or a peer any more. The target
 * hypervisor has no such call: look it up with symbol_get().
 */
int nkddi_hv_lost(void);
void nkddi_beat_start(void);
void nkddi_beat_stop(void);

/*
 * pci.c. A device of the port (the PDEV or a region device) may be
 * removed while drivers hold pointers into its memory (sysfs "remove",
 * hot unplug). Before anything is unmapped the notifier chain is called
 * with NKDDI_PORT_REMOVE, in process context: a driver stops using the
 * memory of nkops, fails its users (ENODEV) and returns once no access is
 * under way. Then no XIRQ handler runs any more. nkddi_register_notifier()
 * and nkddi_unregister_notifier() are exported (GPL); the target
 * hypervisor has no such calls: look them up with symbol_get().
 */
#define NKDDI_PORT_REMOVE 1UL
int nkddi_register_notifier(struct notifier_block *nb);
int nkddi_unregister_notifier(struct notifier_block *nb);
int nkddi_pci_register(void);
void nkddi_pci_unregister(void);

/* pdev.c: the PDEV device */
bool nkddi_bar_fits(u64 size, u64 bar_size);
int nkddi_pdev_probe(struct nkddi_dev *dev);
void nkddi_pdev_remove(struct nkddi_dev *dev);

/* region.c: region devices and the guest-physical view */
void nkddi_region_bind(struct nkddi_dev *dev);
void nkddi_region_unbind(struct nkddi_dev *dev);
int nkddi_region_load(void);
void nkddi_region_bind_all(void);
void nkddi_region_unbind_all(void);
void *nkddi_region_ptov(u64 paddr, u64 size);
u64 nkddi_region_vtop(const void *vaddr);

/* call.c: the mailbox */
int nkddi_call(u32 op, const u64 arg[4], u64 *value, const char *what);
irqreturn_t nkddi_call_irq(int irq, void *data);

/* trigger.c: the trigger ring */
void nkddi_trigger(NkXIrq xirq, NkOsId osid);

/* xirq.c: handlers and dispatch */
int nkddi_xirq_start(void);
void nkddi_xirq_stop(void);
void nkddi_xirq_quiesce(void);
irqreturn_t nkddi_xirq_irq(int irq, void *data);
NkXIrqId nkddi_xirq_attach(NkXIrq xirq, NkXIrqHandler hdl, void *cookie);
void nkddi_xirq_detach(NkXIrqId id);
void nkddi_xirq_mask(NkXIrq xirq);
void nkddi_xirq_unmask(NkXIrq xirq);
void nkddi_xirq_raise_local(NkXIrq xirq);

/* vlink.c */
NkPhAddr nkddi_vlink_lookup(const char *name, NkPhAddr plink);

#endif /* NKDDI_LINUX_H */
