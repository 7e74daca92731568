// SPDX-License-Identifier: GPL-2.0-only
/*
 * XIRQ latency between two process VMs, split into its legs, with the
 * NKDDI calls a driver uses (vlink "xirqbench" of bench/bench.dts):
 *
 *   lat_xirq RUN_DIR COUNT
 *
 * The sender (VM 1, CPU 0) stores its clock in the vlink's PMEM and calls
 * nk_xirq_trigger() (leg "trigger-call": the call's own cost). In the
 * receiver (VM 2, CPU 1) the handler reads the clock first thing (leg
 * "trigger-to-handler") and posts a semaphore; the thread sleeping on it
 * reads the clock when it runs (leg "handler-to-thread"); "total" is
 * trigger to thread, what a driver's reader sees.
 */
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <nkddi/nkddi.h>

#include "bench_common.h"

#define WARMUP 200
#define GAP_US 100
#define XB_NAME "xirqbench"

struct xb_shared {
	volatile uint64_t send_ns;
};

struct xb {
	struct xb_shared *shm;
	NkXIrq rx_xirq; /* the receiver's XIRQ */
	NkOsId peer;
	sem_t sem;
	volatile uint64_t handler_ns;
};

static struct xb xb;

static void on_xirq(void *cookie, NkXIrq xirq)
{
	(void)cookie;
	(void)xirq;
	xb.handler_ns = bench_now_ns();
	sem_post(&xb.sem);
}

/* Join VM `vm` and set up our end of the xirqbench vlink. */
static int xb_open(const char *run_dir, unsigned int vm)
{
	NkPhAddr plink = 0, pa;
	NkDevVlink *vl = NULL;
	NkOsId self;

	if (nkddi_join_vm(run_dir, vm)) {
		fprintf(stderr, "lat_xirq: join VM %u: %s\n", vm,
			nkddi_last_error());
		return -1;
	}
	self = nkops.nk_id_get();
	while ((plink = nkops.nk_vlink_lookup(XB_NAME, plink))) {
		vl = nkops.nk_ptov(plink);
		if (vl && (vl->s_id == self || vl->c_id == self))
			break;
	}
	if (!plink)
		return -1;
	xb.peer = vl->s_id == self ? vl->c_id : vl->s_id;
	pa = nkops.nk_pmem_alloc(plink, 0, sizeof(struct xb_shared));
	xb.rx_xirq = nkops.nk_pxirq_alloc(plink, 0, vl->c_id, 1);
	if (!pa || !xb.rx_xirq)
		return -1;
	xb.shm = nkops.nk_mem_map(pa, sizeof(struct xb_shared));
	return xb.shm ? 0 : -1;
}

static int receiver(struct bench_ctl *ctl, const char *run_dir, uint64_t count)
{
	uint64_t *h = calloc(count, sizeof(*h)), *w = calloc(count, sizeof(*w));
	uint64_t *t = calloc(count, sizeof(*t)), i, t2, t0;

	bench_pin(1);
	sem_init(&xb.sem, 0, 0);
	if (!h || !w || !t || xb_open(run_dir, 2) ||
	    !nkops.nk_xirq_attach(xb.rx_xirq, on_xirq, NULL)) {
		fprintf(stderr, "lat_xirq: receiver setup: %s\n",
			nkddi_last_error());
		return 1;
	}
	__atomic_store_n(&ctl->ready, 1, __ATOMIC_RELEASE);
	for (i = 0; i < WARMUP + count; i++) {
		while (sem_wait(&xb.sem))
			;
		t2 = bench_now_ns();
		t0 = xb.shm->send_ns;
		if (i >= WARMUP) {
			h[i - WARMUP] = xb.handler_ns - t0;
			w[i - WARMUP] = t2 - xb.handler_ns;
			t[i - WARMUP] = t2 - t0;
		}
		__atomic_store_n(&ctl->ack, i + 1, __ATOMIC_RELEASE);
	}
	bench_report_lat("xirq", "sleep", "trigger-to-handler", 0, h, count);
	bench_report_lat("xirq", "sleep", "handler-to-thread", 0, w, count);
	bench_report_lat("xirq", "sleep", "total", 0, t, count);
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_ctl *ctl = bench_ctl_new();
	uint64_t count = argc == 3 ? strtoull(argv[2], NULL, 0) : 0, i, t0;
	uint64_t *call;
	pid_t pid;

	if (!count) {
		fprintf(stderr, "usage: lat_xirq RUN_DIR COUNT\n");
		return 2;
	}
	call = calloc(count, sizeof(*call));
	if (!call)
		return 1;
	pid = fork();
	if (!pid)
		_exit(receiver(ctl, argv[1], count));
	bench_pin(0);
	if (xb_open(argv[1], 1)) {
		fprintf(stderr, "lat_xirq: sender setup failed\n");
		return 1;
	}
	bench_wait_flag(&ctl->ready, 1);
	for (i = 0; i < WARMUP + count; i++) {
		bench_gap(GAP_US);
		t0 = bench_now_ns();
		xb.shm->send_ns = t0;
		nkops.nk_xirq_trigger(xb.rx_xirq, xb.peer);
		if (i >= WARMUP)
			call[i - WARMUP] = bench_now_ns() - t0;
		bench_wait_flag(&ctl->ack, i + 1);
	}
	if (bench_wait_child(pid))
		return 1;
	bench_report_lat("xirq", "sleep", "trigger-call", 0, call, count);
	return 0;
}
