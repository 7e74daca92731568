// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device tree -> struct nkhv_system. See docs/device-tree.md for the
 * binding and the list of rules; each failure names the node path and the
 * rule. The blob is checked whole by libfdt before any node is visited.
 */
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "config_props.h"

/* The vlink of `name`/`link`, or NULL. */
static struct nkhv_vlink *vlink_find(struct nkhv_system *sys, const char *name,
				     int link)
{
	uint32_t i;

	for (i = 0; i < sys->nvlinks; i++)
		if (sys->vlinks[i].link == link &&
		    !strcmp(sys->vlinks[i].name, name))
			return &sys->vlinks[i];
	return NULL;
}

static bool name_ok(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' ||
		      *s == '-'))
			return false;
	return true;
}

static int size_prop(struct dt_ctx *c, int off, const char *name, uint64_t *v,
		     bool zero_ok)
{
	int r = dt_size(c, off, name, v);

	if (r <= 0)
		return r;
	if (!*v && !zero_ok)
		return dt_fail(c, off, "size-zero", "property '%s' is 0", name);
	if (*v > NKHV_MAX_REGION_SIZE)
		return dt_fail(
			c, off, "size-too-large",
			"property '%s' is 0x%llx, more than the 0x%llx a region may have",
			name, (unsigned long long)*v,
			(unsigned long long)NKHV_MAX_REGION_SIZE);
	return 1;
}

/* One vlink end-point node `off` inside VM index `vm`. */
static int parse_endpoint(struct dt_ctx *c, struct nkhv_system *sys, int off,
			  uint32_t vm, uint32_t order)
{
	struct nkhv_endpoint ep = { .vm = vm, .node_order = order };
	struct nkhv_vlink *vl;
	const char *name, *info;
	int nlen, ilen, server, client, r;
	uint32_t link = 0;

	if (!dt_compatible(c, off, "nkhv,vlink"))
		return dt_fail(
			c, off, "vlink-compatible",
			"end-point nodes need compatible = \"nkhv,vlink\"");
	dt_path(c, off, ep.path, sizeof(ep.path));
	r = dt_string(c, off, "vlink-name", &name, &nlen);
	if (r < 0)
		return -1;
	if (!r || !nlen)
		return dt_fail(c, off, "vlink-name-missing",
			       "end-point has no 'vlink-name'");
	if (nlen >= NK_DEV_VLINK_NAME_LIMIT)
		return dt_fail(
			c, off, "vlink-name-too-long",
			"vlink-name '%s' has %d characters, at most %d allowed",
			name, nlen, NK_DEV_VLINK_NAME_LIMIT - 1);
	if (!name_ok(name))
		return dt_fail(
			c, off, "vlink-name-chars",
			"vlink-name '%s' has a character outside [A-Za-z0-9_.-]",
			name);
	server = dt_flag(c, off, "server");
	client = server < 0 ? -1 : dt_flag(c, off, "client");
	if (server < 0 || client < 0)
		return -1;
	if (!server && !client)
		return dt_fail(
			c, off, "vlink-role-missing",
			"end-point of '%s' is neither 'server' nor 'client'",
			name);
	if (server && client)
		return dt_fail(
			c, off, "vlink-role-both",
			"end-point of '%s' is both 'server' and 'client'",
			name);
	if (dt_u32(c, off, "link", &link) < 0)
		return -1;
	if (link > 0x7fffffff)
		return dt_fail(c, off, "link-range",
			       "link %u is larger than 0x7fffffff", link);
	r = dt_string(c, off, "info", &info, &ilen);
	if (r < 0)
		return -1;
	if (r) {
		if (ilen >= NKHV_INFO_MAX)
			return dt_fail(
				c, off, "info-too-long",
				"info has %d characters, at most %d allowed",
				ilen, NKHV_INFO_MAX - 1);
		memcpy(ep.info, info, (size_t)ilen + 1);
	}
	if (size_prop(c, off, "pmem-size", &ep.pmem_size, true) < 0 ||
	    dt_u32(c, off, "xirqs", &ep.xirqs) < 0)
		return -1;
	if (ep.xirqs > 65536)
		return dt_fail(c, off, "xirq-exhausted",
			       "xirqs = %u is more than any VM has", ep.xirqs);

	vl = vlink_find(sys, name, (int)link);
	if (!vl) {
		if (sys->nvlinks == NKHV_MAX_VLINKS)
			return dt_fail(c, off, "vlink-too-many",
				       "more than %d vlinks", NKHV_MAX_VLINKS);
		vl = &sys->vlinks[sys->nvlinks++];
		memset(vl, 0, sizeof(*vl));
		memcpy(vl->name, name, (size_t)nlen + 1);
		vl->link = (int)link;
		vl->server.vm = UINT32_MAX;
		vl->client.vm = UINT32_MAX;
	}
	if (server && vl->server.vm != UINT32_MAX)
		return dt_fail(c, off, "vlink-two-servers",
			       "vlink '%s' link %u already has a server at %s",
			       name, link, vl->server.path);
	if (client && vl->client.vm != UINT32_MAX)
		return dt_fail(c, off, "vlink-two-clients",
			       "vlink '%s' link %u already has a client at %s",
			       name, link, vl->client.path);
	if (server)
		vl->server = ep;
	else
		vl->client = ep;
	return 0;
}

/* One VM node `off`; its end-point children follow. */
static int parse_vm(struct dt_ctx *c, struct nkhv_system *sys, int off,
		    uint32_t *order)
{
	struct nkhv_vm *vm;
	const char *s;
	uint32_t id, i;
	int r, len, child;

	if (!dt_compatible(c, off, "nkhv,vm"))
		return dt_fail(c, off, "vm-compatible",
			       "VM nodes need compatible = \"nkhv,vm\"");
	if (sys->nvms == NKHV_MAX_VMS)
		return dt_fail(c, off, "vm-too-many", "more than %d VMs",
			       NKHV_MAX_VMS);
	vm = &sys->vms[sys->nvms];
	memset(vm, 0, sizeof(*vm));
	dt_path(c, off, vm->path, sizeof(vm->path));
	r = dt_u32(c, off, "os-id", &id);
	if (r < 0)
		return -1;
	if (!r)
		return dt_fail(c, off, "vm-os-id-missing",
			       "VM node has no 'os-id'");
	if (id < 1 || id > NKHV_MAX_VMS)
		return dt_fail(c, off, "vm-os-id-range",
			       "os-id %u is outside 1..%d", id, NKHV_MAX_VMS);
	for (i = 0; i < sys->nvms; i++)
		if (sys->vms[i].id == id)
			return dt_fail(c, off, "vm-duplicate-id",
				       "os-id %u is already used by %s", id,
				       sys->vms[i].path);
	vm->id = id;
	r = dt_string(c, off, "label", &s, &len);
	if (r < 0)
		return -1;
	if (!r)
		s = fdt_get_name(c->fdt, off, &len);
	if (!s || len >= NKHV_VM_NAME_MAX)
		return dt_fail(c, off, "vm-label-too-long",
			       "VM label has %d characters, at most %d allowed",
			       len, NKHV_VM_NAME_MAX - 1);
	memcpy(vm->name, s, (size_t)len);
	vm->name[len] = 0;
	r = dt_string(c, off, "nkhv,kind", &s, &len);
	if (r < 0)
		return -1;
	if (r && !strcmp(s, "linux"))
		vm->kind = NKHV_VM_LINUX;
	else if (r && strcmp(s, "process"))
		return dt_fail(
			c, off, "vm-kind",
			"nkhv,kind '%s' is neither \"process\" nor \"linux\"",
			s);
	r = size_prop(c, off, "pdev-size", &vm->pdev_size, false);
	if (r < 0)
		return -1;
	if (!r)
		return dt_fail(c, off, "pdev-size-missing",
			       "VM node has no 'pdev-size'");
	vm->xirq_limit = NKHV_DEFAULT_XIRQ_LIMIT;
	if (dt_u32(c, off, "xirq-limit", &vm->xirq_limit) < 0)
		return -1;
	if (vm->xirq_limit <= NK_XIRQ_FIRST_DYNAMIC || vm->xirq_limit > 4096)
		return dt_fail(c, off, "xirq-limit-range",
			       "xirq-limit %u is outside %d..4096",
			       vm->xirq_limit, NK_XIRQ_FIRST_DYNAMIC + 1);
	sys->nvms++;
	fdt_for_each_subnode(child, c->fdt, off)
	{
		if (parse_endpoint(c, sys, child, sys->nvms - 1, (*order)++))
			return -1;
	}
	if (child < 0 && child != -FDT_ERR_NOTFOUND)
		return dt_fail(c, off, "blob-invalid", "walking children: %s",
			       fdt_strerror(child));
	return 0;
}

/* Every vlink needs both sides. */
static int check_pairs(struct dt_ctx *c, struct nkhv_system *sys)
{
	uint32_t i;

	for (i = 0; i < sys->nvlinks; i++) {
		struct nkhv_vlink *vl = &sys->vlinks[i];
		const struct nkhv_endpoint *have;

		if (vl->server.vm != UINT32_MAX && vl->client.vm != UINT32_MAX)
			continue;
		have = vl->server.vm != UINT32_MAX ? &vl->server : &vl->client;
		snprintf(c->err->path, sizeof(c->err->path), "%s", have->path);
		snprintf(c->err->rule, sizeof(c->err->rule), "vlink-unpaired");
		snprintf(c->err->message, sizeof(c->err->message),
			 "vlink '%s' link %d has a %s but no %s", vl->name,
			 vl->link, have == &vl->server ? "server" : "client",
			 have == &vl->server ? "client" : "server");
		return -1;
	}
	return 0;
}

int nkhv_config_parse(const void *fdt, size_t len, struct nkhv_system *sys,
		      struct nkhv_config_error *err)
{
	struct dt_ctx c = { .fdt = fdt, .err = err };
	uint32_t order = 0;
	char why[160];
	const char *s;
	int vms, child, r, slen;

	memset(sys, 0, sizeof(*sys));
	memset(err, 0, sizeof(*err));
	if (len > INT32_MAX || dt_check_blob(fdt, len, why, sizeof(why))) {
		snprintf(err->path, sizeof(err->path), "/");
		snprintf(err->rule, sizeof(err->rule), "blob-invalid");
		snprintf(err->message, sizeof(err->message),
			 "not a valid flattened device tree (%zu bytes): %s",
			 len, len > INT32_MAX ? "too large" : why);
		return -1;
	}
	c.fdt = fdt;
	if (!dt_compatible(&c, 0, "nkhv,system"))
		return dt_fail(&c, 0, "root-compatible",
			       "the root needs compatible = \"nkhv,system\"");
	r = dt_string(&c, 0, "model", &s, &slen);
	if (r < 0)
		return -1;
	if (r)
		snprintf(sys->model, sizeof(sys->model), "%s", s);
	sys->phys_base = NKHV_DEFAULT_PHYS_BASE;
	sys->phys_size = NKHV_DEFAULT_PHYS_SIZE;
	if (dt_size(&c, 0, "nkhv,phys-base", &sys->phys_base) < 0 ||
	    dt_size(&c, 0, "nkhv,phys-size", &sys->phys_size) < 0)
		return -1;
	vms = fdt_subnode_offset(fdt, 0, "vms");
	if (vms < 0)
		return dt_fail(&c, 0, "no-vms", "the root has no 'vms' node");
	fdt_for_each_subnode(child, fdt, vms)
	{
		if (parse_vm(&c, sys, child, &order))
			return -1;
	}
	if (!sys->nvms)
		return dt_fail(&c, vms, "no-vms", "'vms' has no VM node");
	if (check_pairs(&c, sys))
		return -1;
	return nkhv_config_layout(sys, err);
}
