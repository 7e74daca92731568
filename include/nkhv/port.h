/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * How a Linux VM under QEMU reaches nkhv: the "port".
 *
 * A QEMU VM has no socket to nkhv; it has ivshmem devices
 * (docs/specs/ivshmem-spec in QEMU), each an "ivshmem-doorbell" PCI
 * device (1af4:1110) whose chardev is a UNIX socket that nkhv serves with
 * the ivshmem server protocol:
 *
 *	DIR/vm<ID>.ivshmem		the VM's PDEV, with NKHV_PORT_VECTORS
 *					MSI-X vectors; its IVPosition is
 *					NKHV_PORT_ID_PDEV. Holding this
 *					connection is being VM <ID>: when it
 *					closes the VM is down.
 *	DIR/vm<ID>.region<N>.ivshmem	entry N of the port's region table
 *					(the PMEM of one of the VM's vlinks);
 *					IVPosition NKHV_PORT_ID_REGION(N); no
 *					interrupts are used on it.
 *
 * `vlinkctl qemu-args SYSTEM VM-ID DIR` prints the matching QEMU options.
 *
 * The port itself is an area of the VM's PDEV (nkhv_pdev_header.port_off),
 * laid out as struct nkhv_port:
 *
 *  - region table, written by nkhv when the VM connects: where each region
 *    the VM was given sits in its guest-physical space, and which ivshmem
 *    device (IVPosition) carries it. Entry 0 is the PDEV itself.
 *  - call mailbox, for requests that need an answer (allocations, hello).
 *    The guest fills op/arg, then stores seq = previous seq + 1 (release),
 *    then rings doorbell NKHV_PORT_DB_CALL. nkhv copies the request, checks
 *    it, writes status/value, stores done = seq (release) and raises vector
 *    NKHV_PORT_VEC_CALL. One call at a time (the guest serialises).
 *  - trigger ring, for nk_xirq_trigger() (including SYSCONF), which must
 *    not wait: the guest writes entries at trig_head % NKHV_PORT_TRIGGERS,
 *    stores trig_head (release) and rings NKHV_PORT_DB_TRIGGER. nkhv
 *    consumes up to trig_head and stores trig_tail. A full ring is the
 *    guest's to handle (it counts the trigger in trig_dropped).
 *  - pending bitmap: nkhv raises XIRQ x in the VM by setting bit x
 *    (atomic OR) and then raising vector NKHV_PORT_VEC_XIRQ; the guest
 *    takes the bits with an atomic exchange and runs the handlers.
 *  - heartbeat: while the VM's QEMU is connected, nkhv adds 1 to `beat`
 *    every `beat_ms` (NKHV_PORT_BEAT_MS) milliseconds. QEMU gives the
 *    guest no event when nkhv's end of the ivshmem socket closes, so this
 *    is how the guest learns that nkhv is gone: the beat stops. The guest
 *    declares nkhv lost once the beat has stood still for
 *    NKHV_PORT_LOST_MS of its own clock, seen by at least two checks
 *    (docs/qemu-vms.md). `beat` orders nothing: it is stored and loaded
 *    without barriers. A lost nkhv is final for the VM: a restarted nkhv
 *    cannot reach this QEMU again (its ivshmem connections are gone).
 *
 * Doorbells are writes of (NKHV_PORT_PEER_HV << 16 | vector) to the
 * device's Doorbell register: nkhv is announced to QEMU as that peer.
 *
 * Everything the guest writes here is untrusted: nkhv copies each request
 * once, validates it like a socket request and counts refusals.
 */
#ifndef NKHV_PORT_H
#define NKHV_PORT_H

#include <nkhv/pdev.h>

#define NKHV_PORT_MAGIC 0x54504b4eu /* "NKPT" little endian */
#define NKHV_PORT_VERSION 2u

/* ivshmem peer ids (IVPosition) */
#define NKHV_PORT_PEER_HV 0u /* nkhv itself: doorbells go to it */
#define NKHV_PORT_ID_PDEV 1u /* the PDEV device of the VM */
#define NKHV_PORT_ID_REGION(n) (2u + (n)) /* region table entry n >= 1 */

/* Doorbell vectors of peer NKHV_PORT_PEER_HV (guest to nkhv). */
#define NKHV_PORT_DB_CALL 0u /* a call was posted in the mailbox */
#define NKHV_PORT_DB_TRIGGER 1u /* trigger ring entries were added */

/* MSI-X vectors of the PDEV device (nkhv to guest). */
#define NKHV_PORT_VEC_CALL 0u /* the mailbox call is done */
#define NKHV_PORT_VEC_XIRQ 1u /* bits were set in the pending bitmap */
#define NKHV_PORT_VECTORS 2u

#define NKHV_PORT_REGIONS 32u /* PDEV + at most 31 PMEM regions */
#define NKHV_PORT_TRIGGERS 256u /* trigger ring entries, a power of 2 */

/* Heartbeat (see above): nkhv's period, and the silence that means lost. */
#define NKHV_PORT_BEAT_MS 10u
#define NKHV_PORT_BEAT_MAX_MS 20u /* a larger beat_ms is refused */
#define NKHV_PORT_LOST_MS 60u

/* Mailbox operations. */
enum nkhv_port_op {
	/*
	 * The guest kernel's provider starts: nkhv treats it as a restart
	 * of the VM (its vlink sides go OFF, peers get SYSCONF, the pending
	 * bitmap is cleared). No arguments.
	 */
	NKHV_PORT_CALL_HELLO = 1,
	/* arg[0] vlink paddr, arg[1] id, arg[2] size -> value paddr */
	NKHV_PORT_CALL_PMEM_ALLOC,
	/* arg[0] vlink paddr, arg[1] id, arg[2] size -> value paddr */
	NKHV_PORT_CALL_PDEV_ALLOC,
	/* arg[0] vlink paddr, arg[1] id, arg[2] osid, arg[3] nb -> xirq */
	NKHV_PORT_CALL_PXIRQ_ALLOC,
	NKHV_PORT_CALL_END
};

struct nkhv_port_region {
	NkPhAddr base; /* guest-physical address of the region */
	NkPhSize size; /* bytes; BAR 2 of its device: rounded up to a power of 2 */
	nku32_f ivposition; /* IVPosition of the device that carries it */
	nku32_f writable; /* 0: map it read-only */
};

struct nkhv_port_call {
	nku32_f seq; /* guest: posts a call by changing it */
	nku32_f op; /* enum nkhv_port_op */
	nku64_f arg[4];
	nku32_f done; /* nkhv: = seq once status and value are written */
	int status; /* 0 or -errno */
	nku64_f value;
};

/* One trigger: post XIRQ `xirq` to VM `osid` (xirq 0: SYSCONF). */
struct nkhv_port_trigger {
	nku32_f xirq;
	NkOsId osid;
};

struct nkhv_port {
	nku32_f magic; /* NKHV_PORT_MAGIC */
	nku32_f version; /* NKHV_PORT_VERSION */
	nku32_f nregions; /* entries in region[], entry 0 is the PDEV */
	nku32_f xirq_limit; /* bits in pending[] */
	struct nkhv_port_region region[NKHV_PORT_REGIONS];
	struct nkhv_port_call call;
	nku32_f trig_head; /* guest: next entry it writes */
	nku32_f trig_tail; /* nkhv: next entry it reads */
	nku64_f trig_dropped; /* guest: triggers lost to a full ring */
	nku64_f refused; /* nkhv: requests refused (see vlinkctl list) */
	nku32_f beat; /* nkhv: + 1 every beat_ms while it runs */
	nku32_f beat_ms; /* nkhv: NKHV_PORT_BEAT_MS */
	struct nkhv_port_trigger trig[NKHV_PORT_TRIGGERS];
	nku32_f pending[]; /* (xirq_limit + 31) / 32 words */
};

/* Bytes of the port area for a VM with `xirq_limit` XIRQs, page aligned. */
#define NKHV_PORT_SIZE(xirq_limit)                                      \
	NKHV_ALIGN_UP(sizeof(struct nkhv_port) +                        \
			      ((nku64_f)(xirq_limit) + 31) / 32 * 4, \
		      4096)

#endif /* NKHV_PORT_H */
