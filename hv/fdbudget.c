// SPDX-License-Identifier: GPL-2.0-only
/*
 * File descriptors: how many a system can make nkhv hold at most, and
 * whether RLIMIT_NOFILE allows it. Checked when the device tree is loaded
 * (after raising the soft limit as far as the hard one allows), so that
 * a VM allocating every XIRQ it was given cannot run nkhv out of
 * descriptors and starve the others.
 */
#include <stdio.h>
#include <sys/resource.h>

#include "nkhv.h"

/* Descriptors nkhv holds for itself whatever the system. */
#define HV_FDS_BASE 32u

/* Regions of a QEMU VM's port: its PDEV and the PMEM of its vlinks. */
static uint64_t port_regions(const struct nkhv_system *sys, uint32_t vm)
{
	uint64_t n = 1;
	uint32_t l;

	for (l = 0; l < sys->nvlinks; l++)
		if (sys->vlinks[l].pmem_size &&
		    (sys->vlinks[l].server.vm == vm ||
		     sys->vlinks[l].client.vm == vm))
			n++;
	return n < NKHV_PORT_REGIONS ? n : NKHV_PORT_REGIONS;
}

/* The most descriptors `sys` can make nkhv hold at once. */
uint64_t hv_fd_need(const struct nkhv_system *sys)
{
	uint64_t n = HV_FDS_BASE + HV_CTL_CLIENTS;
	uint32_t i;

	for (i = 0; i < sys->nvms; i++) {
		const struct nkhv_vm *v = &sys->vms[i];

		/* socket, PDEV, SYSCONF, connections, every XIRQ */
		n += 3 + HV_CONNS_PER_VM + v->xirq_limit;
		if (v->kind == NKHV_VM_LINUX) /* listen + QEMU per region */
			n += 2 * port_regions(sys, i) + 2 * NKHV_PORT_VECTORS;
	}
	return n + sys->nvlinks; /* PMEM */
}

/*
 * Raise RLIMIT_NOFILE's soft limit to its hard limit and check that `sys`
 * fits. Returns 0, or -1 with `err` naming the limit and what needs it.
 */
int hv_fd_budget(const struct nkhv_system *sys, char *err, size_t errlen)
{
	uint64_t need = hv_fd_need(sys), xirqs = 0;
	struct rlimit rl;
	uint32_t i;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 0; /* cannot tell: find out at run time */
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY || need <= rl.rlim_cur)
		return 0;
	for (i = 0; i < sys->nvms; i++)
		xirqs += sys->vms[i].xirq_limit;
	snprintf(err, errlen,
		 "the system can make nkhv hold up to %llu file descriptors "
		 "(%llu of them for XIRQs: the VMs' xirq-limit), but "
		 "RLIMIT_NOFILE allows %llu; raise the limit (ulimit -n) or "
		 "lower xirq-limit",
		 (unsigned long long)need, (unsigned long long)xirqs,
		 (unsigned long long)rl.rlim_cur);
	return -1;
}
