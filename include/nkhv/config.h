/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The hypervisor configuration: VMs, vlink end-points and the
 * guest-physical layout, as read from a hypervisor device tree.
 * See docs/device-tree.md for the binding.
 */
#ifndef NKHV_CONFIG_H
#define NKHV_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nk/nkern.h>

#define NKHV_MAX_VMS 32 /* VM ids are 1..NKHV_MAX_VMS */
#define NKHV_MAX_VLINKS 256 /* vlinks in one system */
#define NKHV_VM_NAME_MAX 32 /* VM label, including NUL */
#define NKHV_INFO_MAX 256 /* end-point info string, including NUL */
#define NKHV_PATH_MAX 256 /* device-tree node path, including NUL */
#define NKHV_PAGE_SIZE 4096u

/* Defaults and limits applied when the device tree is silent. */
#define NKHV_DEFAULT_PHYS_BASE 0x40000000ull
#define NKHV_DEFAULT_PHYS_SIZE (16ull << 30) /* all PDEV + PMEM */
#define NKHV_DEFAULT_XIRQ_LIMIT 256 /* XIRQ numbers per VM */
#define NKHV_MAX_REGION_SIZE (4ull << 30) /* one PDEV or PMEM */

/* Which kind of guest runs a VM. */
enum nkhv_vm_kind {
	NKHV_VM_PROCESS = 0, /* a user-space process joining over a socket */
	NKHV_VM_LINUX = 1, /* a Linux kernel under QEMU (ivshmem devices) */
};

/* One end-point of a vlink, as declared inside a VM node. */
struct nkhv_endpoint {
	uint32_t vm; /* index into nkhv_system.vms */
	char path[NKHV_PATH_MAX]; /* node path, for messages */
	char info[NKHV_INFO_MAX]; /* "info" property, "" when absent */
	uint64_t pmem_size; /* PMEM this end-point asks for, bytes */
	uint32_t xirqs; /* XIRQs this end-point may receive */
	uint32_t node_order; /* depth-first index of its node in the tree */
};

/* A vlink: a server and a client end-point paired by name and link id. */
struct nkhv_vlink {
	char name[NK_DEV_VLINK_NAME_LIMIT];
	int link; /* link id from the tree, 0 when absent */
	struct nkhv_endpoint server;
	struct nkhv_endpoint client;
	/* Layout, filled by nkhv_config_layout(). */
	uint64_t pmem_base; /* guest-physical, page aligned */
	uint64_t pmem_size; /* server.pmem_size + client.pmem_size, paged */
};

struct nkhv_vm {
	NkOsId id; /* os-id property, 1..NKHV_MAX_VMS */
	char name[NKHV_VM_NAME_MAX]; /* label property, or the node name */
	char path[NKHV_PATH_MAX];
	enum nkhv_vm_kind kind;
	uint64_t pdev_size; /* pdev-size property, bytes */
	uint32_t xirq_limit; /* xirq-limit property */
	/* Layout, filled by nkhv_config_layout(). */
	uint64_t pdev_base; /* guest-physical, page aligned */
	uint64_t pdev_sys_size; /* descriptors and info strings at its start */
	uint32_t xirq_needed; /* sum of xirqs of its end-points */
};

struct nkhv_system {
	char model[64]; /* "model" property of the root, or "" */
	uint64_t phys_base; /* start of the guest-physical window */
	uint64_t phys_size; /* size of the window */
	uint32_t nvms;
	struct nkhv_vm vms[NKHV_MAX_VMS];
	uint32_t nvlinks;
	struct nkhv_vlink vlinks[NKHV_MAX_VLINKS];
};

/* Where and why a configuration was refused. */
struct nkhv_config_error {
	char path[NKHV_PATH_MAX]; /* node path, "/" for the root */
	char rule[64]; /* short rule id, e.g. "vlink-two-servers" */
	char message[512]; /* human sentence naming the values */
};

/*
 * Parse a flattened device tree blob of `len` bytes into `sys` and lay it
 * out (see nkhv_config_layout). Never trusts the blob: every failure fills
 * `err` and returns -1; success returns 0.
 */
int nkhv_config_parse(const void *fdt, size_t len, struct nkhv_system *sys,
		      struct nkhv_config_error *err);

/*
 * Read a system description from a file: a .dtb as is, or a .dts (or any
 * file starting with "/dts-v1/") compiled with dtc. Then parse it.
 */
int nkhv_config_load(const char *path, struct nkhv_system *sys,
		     struct nkhv_config_error *err);

/*
 * Assign guest-physical addresses: each VM's PDEV then each vlink's PMEM,
 * page aligned, inside [phys_base, phys_base + phys_size). Fails when the
 * window, a VM's PDEV (too small for its descriptors) or a VM's XIRQ space
 * is exhausted. Called by nkhv_config_parse.
 */
int nkhv_config_layout(struct nkhv_system *sys, struct nkhv_config_error *err);

/* Bytes of PDEV used by the descriptors and info strings of VM `vm`. */
uint64_t nkhv_config_pdev_sys_size(const struct nkhv_system *sys, uint32_t vm);

/* Index of the VM with id `id`, or -1. */
int nkhv_config_vm_index(const struct nkhv_system *sys, NkOsId id);

#endif /* NKHV_CONFIG_H */
