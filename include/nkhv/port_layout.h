/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Which regions a VM's port carries (struct nkhv_port region table), as
 * computed from the configuration alone, so that nkhv and `vlinkctl
 * qemu-args` agree on the ivshmem devices of a VM.
 */
#ifndef NKHV_PORT_LAYOUT_H
#define NKHV_PORT_LAYOUT_H

#include <nkhv/config.h>
#include <nkhv/port.h>

#define NKHV_PORT_NO_VLINK UINT32_MAX /* entry 0: the PDEV, no vlink */

/*
 * Fill vlinks[] with the region table of VM index `vm`: entry 0 is its
 * PDEV (NKHV_PORT_NO_VLINK), then the index of each vlink it is an
 * end-point of that has PMEM, in layout (address) order. Returns the
 * number of entries, at most NKHV_PORT_REGIONS; *wanted (if not NULL) is
 * the number there would be without that limit.
 */
uint32_t nkhv_port_regions(const struct nkhv_system *sys, uint32_t vm,
			   uint32_t vlinks[NKHV_PORT_REGIONS],
			   uint32_t *wanted);

/*
 * Name, in the run directory, of the ivshmem socket of region table entry
 * `n` of VM `id`: "vm<ID>.ivshmem" for the PDEV, "vm<ID>.region<N>.ivshmem"
 * for the others. Returns 0, or -1 when `buf` is too small.
 */
int nkhv_port_socket_name(char *buf, size_t len, NkOsId id, uint32_t n);

#endif /* NKHV_PORT_LAYOUT_H */
