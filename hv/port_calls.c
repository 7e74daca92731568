// SPDX-License-Identifier: GPL-2.0-only
/*
 * Serving a QEMU VM through its port (include/nkhv/port.h): the calls of
 * the mailbox, the trigger ring, and XIRQs raised in the VM as bits of the
 * pending bitmap plus MSI-X vector NKHV_PORT_VEC_XIRQ. The ivshmem sockets
 * that carry the doorbells and vectors are port_server.c's.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "nkhv.h"

/* Raise MSI-X vector `vec` of VM `vm`'s PDEV device. */
static void raise_vector(struct hv *hv, uint32_t vm, uint32_t vec)
{
	int fd = hv->vms[vm].port.vector_efd[vec];
	uint64_t one = 1;

	if (fd >= 0 && write(fd, &one, sizeof(one)) < 0)
		hv_log("vm %u: vector %u eventfd write failed",
		       hv->vms[vm].cfg->id, vec);
}

/* Post XIRQ `xirq` to QEMU VM `vm`: its pending bit, then the vector. */
void hv_port_raise(struct hv *hv, uint32_t vm, NkXIrq xirq)
{
	struct hv_port *p = &hv->vms[vm].port;

	if (xirq >= hv->vms[vm].cfg->xirq_limit)
		return;
	__atomic_fetch_or(&p->area->pending[xirq / 32], 1u << (xirq % 32),
			  __ATOMIC_SEQ_CST);
	raise_vector(hv, vm, NKHV_PORT_VEC_XIRQ);
}

/*
 * Watch (or stop watching) the eventfd of allocated XIRQ `slot` of VM
 * `vm`. Peers post the XIRQs of a QEMU VM on these eventfds like those of
 * a process VM; while the VM's provider runs, nkhv turns each post into a
 * pending bit. Unwatched, posts stay counted in the eventfd.
 */
void hv_port_watch_xirq(struct hv *hv, uint32_t vm, uint32_t slot, bool on)
{
	struct epoll_event ev = {
		.events = EPOLLIN,
		.data.u64 = hv_ev_data(HV_EV_XIRQ, vm << 16 | slot),
	};
	int fd = hv->vms[vm].xirqs[slot].efd;

	if (epoll_ctl(hv->epoll_fd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, fd,
		      &ev) < 0)
		hv_log("vm %u: cannot %s XIRQ %u: %s", hv->vms[vm].cfg->id,
		       on ? "watch" : "unwatch", hv->vms[vm].xirqs[slot].xirq,
		       strerror(errno));
}

static void watch_all_xirqs(struct hv *hv, uint32_t vm, bool on)
{
	uint32_t i;

	for (i = 0; i < hv->vms[vm].nxirqs; i++)
		hv_port_watch_xirq(hv, vm, i, on);
}

/* A watched XIRQ eventfd of VM `vm` was posted. */
void hv_port_xirq_event(struct hv *hv, uint32_t vm, uint32_t slot)
{
	struct hv_vm *v = &hv->vms[vm];
	uint64_t n;

	/* An event of this batch may come after the VM went down. */
	if (!v->qemu || !v->port.provider || slot >= v->nxirqs)
		return;
	if (read(v->xirqs[slot].efd, &n, sizeof(n)) == sizeof(n) && n)
		hv_port_raise(hv, vm, v->xirqs[slot].xirq);
}

static void clear_pending(struct hv *hv, uint32_t vm)
{
	struct hv_port *p = &hv->vms[vm].port;
	uint32_t w;

	for (w = 0; w < (hv->vms[vm].cfg->xirq_limit + 31) / 32; w++)
		__atomic_store_n(&p->area->pending[w], 0, __ATOMIC_RELAXED);
}

/* What nkhv reports in the port: every refusal of the VM, all kinds. */
static void publish_refused(struct hv *hv, uint32_t vm)
{
	uint64_t total = 0;
	int i;

	for (i = 0; i < HV_REF_COUNT; i++)
		total += hv->vms[vm].refusals[i];
	__atomic_store_n(&hv->vms[vm].port.area->refused, total,
			 __ATOMIC_RELAXED);
}

/*
 * A QEMU is connecting VM `vm`: reset its port to a fresh device before
 * the QEMU gets the memory (its guest has not run yet).
 */
void hv_port_reset(struct hv *hv, uint32_t vm)
{
	struct hv_vm *v = &hv->vms[vm];
	struct nkhv_port *a = v->port.area;

	hv_port_write_header(hv, vm);
	memset(&a->call, 0, sizeof(a->call));
	a->trig_head = a->trig_tail = 0;
	a->trig_dropped = 0;
	__atomic_store_n(&a->beat_ms, NKHV_PORT_BEAT_MS, __ATOMIC_RELAXED);
	clear_pending(hv, vm);
	v->port.call_done = 0;
	v->port.trig_tail = 0;
	v->port.provider = false;
	publish_refused(hv, vm);
}

/* A QEMU now holds VM `vm`: its ivshmem setup was sent. */
void hv_port_connected(struct hv *hv, uint32_t vm)
{
	struct hv_vm *v = &hv->vms[vm];
	uint64_t n;

	/* A SYSCONF posted while the VM was down is now a pending bit. */
	if (read(v->sysconf_efd, &n, sizeof(n)) == sizeof(n) && n)
		hv_port_raise(hv, vm, NK_XIRQ_SYSCONF);
	hv_bridge_vm_up(hv, vm);
}

/*
 * The heartbeat: one more beat in the port of every connected QEMU VM.
 * The guest may write `beat` too; it only fools itself. No ordering: the
 * guest loads it with READ_ONCE and compares, nothing else is published
 * with it. Returns the number of QEMU VMs connected.
 */
uint32_t hv_port_beat(struct hv *hv)
{
	uint32_t vm, n = 0, b;

	for (vm = 0; vm < hv->sys.nvms; vm++) {
		struct nkhv_port *a = hv->vms[vm].port.area;

		if (!hv->vms[vm].qemu || !a)
			continue;
		b = __atomic_load_n(&a->beat, __ATOMIC_RELAXED);
		__atomic_store_n(&a->beat, b + 1, __ATOMIC_RELAXED);
		n++;
	}
	return n;
}

/* The QEMU of VM `vm` is gone: stop watching its XIRQs. */
void hv_port_disconnected(struct hv *hv, uint32_t vm)
{
	struct hv_port *p = &hv->vms[vm].port;

	if (p->provider)
		watch_all_xirqs(hv, vm, false);
	p->provider = false;
}

/*
 * HELLO: the guest's provider (re)starts. Like a restart of a process
 * VM: its sides go OFF and its peers are told, its trigger ring and
 * pending bitmap start empty. XIRQs posted before, still counted in their
 * eventfds, are delivered from now on.
 */
static int call_hello(struct hv *hv, uint32_t vm)
{
	struct hv_vm *v = &hv->vms[vm];
	struct hv_port *p = &v->port;

	p->hellos++;
	p->last_hello_ns = hv_now_ns();
	if (!p->first_hello_ns)
		p->first_hello_ns = p->last_hello_ns;
	hv_bridge_vm_down(hv, vm);
	clear_pending(hv, vm);
	p->trig_tail = __atomic_load_n(&p->area->trig_head, __ATOMIC_ACQUIRE);
	__atomic_store_n(&p->area->trig_tail, p->trig_tail, __ATOMIC_RELEASE);
	if (!p->provider)
		watch_all_xirqs(hv, vm, true);
	p->provider = true;
	hv_bridge_vm_up(hv, vm);
	hv_log("vm %u (%s): provider started (hello %llu)", v->cfg->id,
	       v->cfg->name, (unsigned long long)p->hellos);
	return 0;
}

/* Answer the call posted in VM `vm`'s mailbox, if there is one. */
static void run_call(struct hv *hv, uint32_t vm)
{
	struct hv_port *p = &hv->vms[vm].port;
	struct nkhv_port *a = p->area;
	struct hv_port_call c;
	uint64_t value = 0;
	char why[160];
	int r, status;

	r = hv_port_take_call(a, p->call_done, &c, why, sizeof(why));
	if (!r)
		return;
	p->calls++;
	if (r < 0) {
		hv_refuse(hv, vm, HV_REF_PROTOCOL, "port: %s", why);
		status = r;
	} else if (c.op == NKHV_PORT_CALL_HELLO) {
		status = call_hello(hv, vm);
	} else {
		enum hv_label_kind k =
			c.op == NKHV_PORT_CALL_PMEM_ALLOC ? HV_LABEL_PMEM :
			c.op == NKHV_PORT_CALL_PDEV_ALLOC ? HV_LABEL_PDEV :
							    HV_LABEL_XIRQ;

		status = hv_alloc(hv, vm, k, c.vlink, c.id, c.osid, c.size,
				  &value);
	}
	a->call.status = status;
	a->call.value = status ? 0 : value;
	__atomic_store_n(&a->call.done, c.seq, __ATOMIC_RELEASE);
	p->call_done = c.seq;
	raise_vector(hv, vm, NKHV_PORT_VEC_CALL);
}

/* One trigger of VM `vm`, checked like NKHV_MSG_SYSCONF/XIRQ_TARGET. */
static void run_trigger(struct hv *hv, uint32_t vm,
			const struct nkhv_port_trigger *t)
{
	int target = nkhv_config_vm_index(&hv->sys, t->osid);
	struct hv_xirq *xi;
	uint64_t one = 1;

	hv->vms[vm].port.triggers++;
	if (t->xirq == NK_XIRQ_SYSCONF) {
		if (hv_bridge_sysconf(hv, vm, target) == -EPERM)
			hv_refuse(
				hv, vm, HV_REF_XIRQ,
				"port: SYSCONF to os %u: shares no vlink with it",
				t->osid);
		return;
	}
	xi = target < 0 ? NULL : hv_xirq_find(hv, (uint32_t)target, t->xirq);
	if (!xi || !hv_is_endpoint(hv, vm, xi->vlink)) {
		hv_refuse(
			hv, vm, HV_REF_XIRQ,
			"port: trigger XIRQ %u of os %u: not allocated on one of its vlinks",
			t->xirq, t->osid);
		return;
	}
	if (write(xi->efd, &one, sizeof(one)) < 0)
		hv_log("vm %u: XIRQ %u eventfd write failed",
		       hv->sys.vms[target].id, t->xirq);
}

/* Consume VM `vm`'s trigger ring up to the head it published. */
static void run_triggers(struct hv *hv, uint32_t vm)
{
	static struct nkhv_port_trigger t[NKHV_PORT_TRIGGERS];
	struct hv_port *p = &hv->vms[vm].port;
	char why[160];
	int n, i;

	n = hv_port_take_triggers(p->area, &p->trig_tail, t, why, sizeof(why));
	if (n < 0)
		hv_refuse(hv, vm, HV_REF_PROTOCOL, "port: %s; resynchronised",
			  why);
	for (i = 0; i < n; i++)
		run_trigger(hv, vm, &t[i]);
	__atomic_store_n(&p->area->trig_tail, p->trig_tail, __ATOMIC_RELEASE);
}

/* QEMU VM `vm` rang doorbell `vector` (NKHV_PORT_DB_*). */
void hv_port_doorbell(struct hv *hv, uint32_t vm, uint32_t vector)
{
	if (!hv->vms[vm].qemu)
		return;
	if (vector == NKHV_PORT_DB_CALL)
		run_call(hv, vm);
	else if (vector == NKHV_PORT_DB_TRIGGER)
		run_triggers(hv, vm);
	publish_refused(hv, vm);
}
