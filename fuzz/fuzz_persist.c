// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for nkhv --persist DIR's labels file (hv/persist.c):
 * the labelled allocations a restarted nkhv replays, read as untrusted
 * input (the file outlives the process that wrote it, and anyone with
 * DIR can change it).
 *
 * Each input is the whole file, replayed into a fresh nkhv state for
 * tests/system/earlydata.dts. The replay must stop at the first record
 * that does not fit, cut the file there, and leave every restored PMEM
 * and PDEV label inside its region's allocatable part, none overlapping
 * another of the same region, each region's bump pointer past them all.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_system.h"
#include "nkhv.h"

static struct hv hv;
static struct nkhv_system sys;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_load_system("earlydata.dts", &sys);
	return 0;
}

/* The region a PMEM or PDEV label was carved from. */
static const struct hv_region *region_of(const struct hv_label *lb)
{
	return lb->kind == HV_LABEL_PMEM ? &hv.vlinks[lb->vlink].pmem :
					   &hv.vms[lb->vm].pdev;
}

/* Two labels of one region must not share a byte. */
static void check_apart(const struct hv_label *a, const struct hv_label *b)
{
	if (a == b || a->kind == HV_LABEL_XIRQ || region_of(a) != region_of(b))
		return;
	if (a->value < b->value + b->size && b->value < a->value + a->size)
		abort();
}

static void check_labels(void)
{
	uint32_t l, i, m, k;

	for (l = 0; l < hv.sys.nvlinks; l++) {
		for (i = 0; i < hv.vlinks[l].nlabels; i++) {
			const struct hv_label *lb = &hv.vlinks[l].labels[i];
			const struct hv_region *r;

			if (lb->kind == HV_LABEL_XIRQ)
				continue;
			r = region_of(lb);
			if (lb->value < r->base + r->start || !lb->size ||
			    lb->size > r->size ||
			    lb->value - r->base > r->size - lb->size ||
			    lb->value + lb->size > r->base + r->start + r->used)
				abort();
			for (m = 0; m < hv.sys.nvlinks; m++)
				for (k = 0; k < hv.vlinks[m].nlabels; k++)
					check_apart(lb,
						    &hv.vlinks[m].labels[k]);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("labels", MFD_CLOEXEC);
	struct stat st;

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	memset(&hv, 0, sizeof(hv));
	memcpy(&hv.sys, &sys, sizeof(sys));
	hv.run_dir = "";
	hv.ctl_fd = hv.signal_fd = -1;
	hv.persist_lock = -1;
	hv.persist_labels = -1;
	hv.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (hv.epoll_fd < 0 || hv_regions_create(&hv))
		abort();
	hv.persist_dir = "DIR";
	hv.persist_resumed = true;
	hv.persist_labels = fd;
	if (hv_persist_replay(&hv))
		abort();
	/* The file keeps whole records only: those replayed. */
	if (fstat(fd, &st) || (size_t)st.st_size > size ||
	    st.st_size % HV_PERSIST_REC_SIZE != 0)
		abort();
	check_labels();
	hv_regions_destroy(&hv);
	close(hv.epoll_fd);
	close(fd);
	return 0;
}
