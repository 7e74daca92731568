// SPDX-License-Identifier: GPL-2.0-only
/*
 * `vlinkctl qemu-args SYSTEM VM-ID DIR`: the QEMU options that give a VM
 * its ivshmem devices, served by nkhv in DIR (see include/nkhv/port.h):
 * the PDEV device first, then one device per PMEM region of the port's
 * region table, in table order.
 */
#include <stdlib.h>
#include <string.h>

#include <nkhv/port_layout.h>

#include "vlinkctl.h"

/* Print `s` for a QEMU option value: a comma is written twice. */
static void put_escaped(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == ',')
			fputc(',', out);
		fputc(*s, out);
	}
}

static void put_device(FILE *out, const char *dir, const char *sock,
		       const char *id, unsigned int vectors)
{
	fputs("-chardev socket,path=", out);
	put_escaped(out, dir);
	fprintf(out, "/%s,id=%s\n", sock, id);
	fprintf(out, "-device ivshmem-doorbell,chardev=%s,vectors=%u\n", id,
		vectors);
}

int vlinkctl_qemu_args(FILE *out, const char *path, const char *vm_id,
		       const char *dir)
{
	static struct nkhv_system sys;
	struct nkhv_config_error cerr;
	uint32_t vlinks[NKHV_PORT_REGIONS], n, wanted, i;
	char sock[64], id[16], *end;
	unsigned long osid;
	int vm;

	if (nkhv_config_load(path, &sys, &cerr)) {
		fprintf(stderr, "vlinkctl: %s: %s: %s [%s]\n", path, cerr.path,
			cerr.message, cerr.rule);
		return 1;
	}
	osid = strtoul(vm_id, &end, 0);
	vm = *vm_id && !*end && osid <= UINT32_MAX ?
		     nkhv_config_vm_index(&sys, (NkOsId)osid) :
		     -1;
	if (vm < 0) {
		fprintf(stderr, "vlinkctl: %s: no VM with os-id %s\n", path,
			vm_id);
		return 1;
	}
	n = nkhv_port_regions(&sys, (uint32_t)vm, vlinks, &wanted);
	if (wanted > n) {
		fprintf(stderr,
			"vlinkctl: VM %s has %u PMEM regions, a QEMU VM can have %u\n",
			vm_id, wanted - 1, NKHV_PORT_REGIONS - 1);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (nkhv_port_socket_name(sock, sizeof(sock), (NkOsId)osid, i))
			return 1;
		if (i)
			snprintf(id, sizeof(id), "nkreg%u", i);
		else
			snprintf(id, sizeof(id), "nkpdev");
		/* Region devices use no interrupt; QEMU wants >= 1 vector. */
		put_device(out, dir, sock, id, i ? 1 : NKHV_PORT_VECTORS);
	}
	return 0;
}
