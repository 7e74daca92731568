// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for nkhv's port (include/nkhv/port.h): what a hostile
 * Linux guest under QEMU can write in its PDEV, processed by the code
 * nkhv runs on its doorbells. Input format in fuzz_port.h.
 *
 * Each input gets a fresh nkhv state for tests/system/three.dts (regions,
 * labels, XIRQs, bridge), with VM 1 held by a "QEMU": the input is copied
 * over the guest-written part of its port and over its descriptors, then
 * the doorbells are rung. nkhv must answer every call it took (done = the
 * posted seq, status 0 or -errno, a value only on success), consume the
 * trigger ring up to the head it was given, report its refusals in the
 * port, and never write outside the port's own fields and bitmap.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "fuzz_port.h"
#include "fuzz_system.h"
#include "nkhv.h"

static struct hv hv;
static struct nkhv_system sys;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_load_system(FUZZ_PORT_SYSTEM, &sys);
	return 0;
}

/* A fresh nkhv with VM index 0 held by a QEMU whose guest ran HELLO. */
static void start(void)
{
	uint32_t i;

	memset(&hv, 0, sizeof(hv));
	memcpy(&hv.sys, &sys, sizeof(sys));
	hv.run_dir = "";
	hv.ctl_fd = hv.signal_fd = -1;
	hv.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (hv.epoll_fd < 0 || hv_regions_create(&hv))
		abort();
	for (i = 0; i < NKHV_PORT_VECTORS; i++)
		hv.vms[0].port.vector_efd[i] =
			eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	hv_port_reset(&hv, 0);
	hv.vms[0].qemu = true;
	hv.vms[0].conn_fd = hv.vms[0].port.vector_efd[0];
	hv_port_connected(&hv, 0);
}

static void stop(void)
{
	uint32_t i;

	for (i = 0; i < NKHV_PORT_VECTORS; i++)
		close(hv.vms[0].port.vector_efd[i]);
	hv_regions_destroy(&hv);
	close(hv.epoll_fd);
}

static void post_hello(struct nkhv_port *p)
{
	p->call.op = NKHV_PORT_CALL_HELLO;
	p->call.seq++;
	hv_port_doorbell(&hv, 0, NKHV_PORT_DB_CALL);
	if (p->call.done != p->call.seq || p->call.status)
		abort();
}

/* Ring `db` and check what nkhv must have done. */
static void ring(struct nkhv_port *p, uint32_t db)
{
	uint32_t seq = p->call.seq, head = p->trig_head;
	uint32_t was = hv.vms[0].port.call_done;
	uint64_t total = 0;
	int i;

	hv_port_doorbell(&hv, 0, db);
	if (db == NKHV_PORT_DB_CALL && seq != was) {
		if (p->call.done != seq || p->call.status > 0 ||
		    (p->call.status && p->call.value))
			abort();
		if (!p->call.status && p->call.op != NKHV_PORT_CALL_HELLO &&
		    !p->call.value)
			abort(); /* a successful allocation is never 0 */
	}
	if (db == NKHV_PORT_DB_TRIGGER && p->trig_tail != head)
		abort();
	for (i = 0; i < HV_REF_COUNT; i++)
		total += hv.vms[0].refusals[i];
	if (p->refused != total)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nkhv_port *p;
	struct nkhv_port_region table[NKHV_PORT_REGIONS];
	uint8_t script;
	size_t n, guest, desc;
	int round;

	if (size < 1)
		return 0;
	start();
	p = hv.vms[0].port.area;
	script = data[0];
	data++;
	size--;
	if (script & FUZZ_PORT_HELLO_FIRST)
		post_hello(p);
	memcpy(table, p->region, sizeof(table));
	/* The guest-written part of the port, then the descriptors. */
	guest = NKHV_PORT_SIZE(hv.vms[0].cfg->xirq_limit) - FUZZ_PORT_GUEST_OFF;
	n = size < guest ? size : guest;
	memcpy((uint8_t *)p + FUZZ_PORT_GUEST_OFF, data, n);
	data += n;
	size -= n;
	desc = hv.vms[0].ndesc * sizeof(NkDevVlink);
	memcpy(hv.vms[0].pdev.map + NKHV_PDEV_DESC_OFF, data,
	       size < desc ? size : desc);
	for (round = 0; round < (script & FUZZ_PORT_TWICE ? 2 : 1); round++) {
		if ((script & FUZZ_PORT_TRIGGER) &&
		    (script & FUZZ_PORT_TRIGGER_FIRST))
			ring(p, NKHV_PORT_DB_TRIGGER);
		if (script & FUZZ_PORT_CALL)
			ring(p, NKHV_PORT_DB_CALL);
		if ((script & FUZZ_PORT_TRIGGER) &&
		    !(script & FUZZ_PORT_TRIGGER_FIRST))
			ring(p, NKHV_PORT_DB_TRIGGER);
	}
	/* nkhv never rewrites the table on its own doorbells. */
	if (memcmp(table, p->region, sizeof(table)) ||
	    p->magic != NKHV_PORT_MAGIC)
		abort();
	stop();
	return 0;
}
