// SPDX-License-Identifier: GPL-2.0-only
/*
 * Seeds for fuzz_port: well-formed guest ports for VM 1 of
 * tests/system/three.dts (calls with its real descriptor addresses,
 * trigger rings with SYSCONF and data XIRQs), one file each.
 *
 *	make_port_seeds SYSTEM.dts OUT-DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nkhv/config.h>

#include "fuzz_port.h"

struct guest {
	uint8_t script;
	struct nkhv_port port; /* from `call` on is written out */
};

static int write_seed(const char *dir, const char *name, const struct guest *g)
{
	char path[512];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f)
		return -1;
	ok = fwrite(&g->script, 1, 1, f) == 1 &&
	     fwrite((const uint8_t *)&g->port + FUZZ_PORT_GUEST_OFF,
		    sizeof(g->port) - FUZZ_PORT_GUEST_OFF, 1, f) == 1;
	return fclose(f) || !ok ? -1 : 0;
}

static void post(struct guest *g, uint32_t op, uint64_t a0, uint64_t a1,
		 uint64_t a2, uint64_t a3)
{
	g->script |= FUZZ_PORT_CALL;
	g->port.call.seq++;
	g->port.call.op = op;
	g->port.call.arg[0] = a0;
	g->port.call.arg[1] = a1;
	g->port.call.arg[2] = a2;
	g->port.call.arg[3] = a3;
}

static void push(struct guest *g, uint32_t xirq, NkOsId osid)
{
	g->script |= FUZZ_PORT_TRIGGER;
	g->port.trig[g->port.trig_head % NKHV_PORT_TRIGGERS].xirq = xirq;
	g->port.trig[g->port.trig_head % NKHV_PORT_TRIGGERS].osid = osid;
	g->port.trig_head++;
}

int main(int argc, char **argv)
{
	static struct nkhv_system sys;
	struct nkhv_config_error err;
	static struct guest g;
	uint64_t ab;
	int rc = 0;

	if (argc != 3 || nkhv_config_load(argv[1], &sys, &err)) {
		fprintf(stderr, "usage: make_port_seeds SYSTEM.dts OUT-DIR\n");
		return 2;
	}
	/* VM 1's first descriptor is "ab" (its first end-point node). */
	ab = sys.vms[0].pdev_base + NKHV_PDEV_DESC_OFF;
	memset(&g, 0, sizeof(g));
	post(&g, NKHV_PORT_CALL_HELLO, 0, 0, 0, 0);
	rc |= write_seed(argv[2], "hello", &g);
	memset(&g, 0, sizeof(g));
	post(&g, NKHV_PORT_CALL_PMEM_ALLOC, ab, 1, 4096, 0);
	rc |= write_seed(argv[2], "pmem-alloc", &g);
	memset(&g, 0, sizeof(g));
	post(&g, NKHV_PORT_CALL_PDEV_ALLOC, ab, 2, 256, 0);
	rc |= write_seed(argv[2], "pdev-alloc", &g);
	memset(&g, 0, sizeof(g));
	g.script = FUZZ_PORT_HELLO_FIRST | FUZZ_PORT_TWICE;
	post(&g, NKHV_PORT_CALL_PXIRQ_ALLOC, ab, 3, 1, 1);
	push(&g, NK_XIRQ_FIRST_DYNAMIC, 1);
	push(&g, NK_XIRQ_SYSCONF, 2);
	rc |= write_seed(argv[2], "xirq-and-triggers", &g);
	memset(&g, 0, sizeof(g));
	g.script = FUZZ_PORT_TRIGGER_FIRST;
	push(&g, NK_XIRQ_SYSCONF, 1);
	push(&g, NK_XIRQ_SYSCONF, 2);
	push(&g, NK_XIRQ_FIRST_DYNAMIC + 1, 2);
	post(&g, NKHV_PORT_CALL_PXIRQ_ALLOC, ab, 4, 2, 1);
	rc |= write_seed(argv[2], "sysconf", &g);
	return rc ? 1 : 0;
}
