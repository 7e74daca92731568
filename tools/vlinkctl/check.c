// SPDX-License-Identifier: GPL-2.0-only
/*
 * `vlinkctl check`: load a system description exactly as nkhv would and
 * print its layout, or the first error with its node path and rule.
 */
#include "vlinkctl.h"

static json_t *endpoint(const struct nkhv_system *sys,
			const struct nkhv_endpoint *ep)
{
	json_t *o = json_object();

	json_object_set_new(o, "vm", json_integer(sys->vms[ep->vm].id));
	json_object_set_new(o, "vm_name", json_string(sys->vms[ep->vm].name));
	json_object_set_new(o, "state", json_string("OFF"));
	json_object_set_new(o, "info", json_string(ep->info));
	json_object_set_new(o, "pmem_size", json_integer(ep->pmem_size));
	json_object_set_new(o, "xirq_budget", json_integer(ep->xirqs));
	json_object_set_new(o, "xirqs", json_array());
	return o;
}

json_t *vlinkctl_config_json(const struct nkhv_system *sys)
{
	json_t *root = json_object(), *vms = json_array(),
	       *vlinks = json_array();
	uint32_t i;

	json_object_set_new(root, "model", json_string(sys->model));
	for (i = 0; i < sys->nvms; i++) {
		const struct nkhv_vm *v = &sys->vms[i];
		json_t *o = json_object(), *pdev = json_object();

		json_object_set_new(o, "id", json_integer(v->id));
		json_object_set_new(o, "name", json_string(v->name));
		json_object_set_new(o, "kind",
				    json_string(v->kind == NKHV_VM_LINUX ?
							"linux" :
							"process"));
		json_object_set_new(o, "up", json_false());
		json_object_set_new(pdev, "base", json_integer(v->pdev_base));
		json_object_set_new(pdev, "size", json_integer(v->pdev_size));
		json_object_set_new(o, "pdev", pdev);
		json_object_set_new(o, "xirq_limit",
				    json_integer(v->xirq_limit));
		json_array_append_new(vms, o);
	}
	for (i = 0; i < sys->nvlinks; i++) {
		const struct nkhv_vlink *l = &sys->vlinks[i];
		json_t *o = json_object(), *pmem = json_object();

		json_object_set_new(o, "name", json_string(l->name));
		json_object_set_new(o, "link", json_integer(l->link));
		json_object_set_new(o, "server", endpoint(sys, &l->server));
		json_object_set_new(o, "client", endpoint(sys, &l->client));
		json_object_set_new(pmem, "base", json_integer(l->pmem_base));
		json_object_set_new(pmem, "size", json_integer(l->pmem_size));
		json_object_set_new(o, "pmem", pmem);
		json_array_append_new(vlinks, o);
	}
	json_object_set_new(root, "vms", vms);
	json_object_set_new(root, "vlinks", vlinks);
	return root;
}

int vlinkctl_check(FILE *out, const char *path)
{
	static struct nkhv_system sys;
	struct nkhv_config_error err;
	uint32_t i;

	if (nkhv_config_load(path, &sys, &err)) {
		fprintf(stderr, "%s: %s: %s [%s]\n", path, err.path,
			err.message, err.rule);
		return 1;
	}
	fprintf(out, "%s: OK: %u VMs, %u vlinks%s%s\n", path, sys.nvms,
		sys.nvlinks, sys.model[0] ? ", model " : "", sys.model);
	for (i = 0; i < sys.nvms; i++)
		fprintf(out,
			"  vm %-3u %-12s PDEV 0x%09llx +0x%llx (system area 0x%llx), %u of %u XIRQs\n",
			sys.vms[i].id, sys.vms[i].name,
			(unsigned long long)sys.vms[i].pdev_base,
			(unsigned long long)sys.vms[i].pdev_size,
			(unsigned long long)sys.vms[i].pdev_sys_size,
			sys.vms[i].xirq_needed, sys.vms[i].xirq_limit);
	for (i = 0; i < sys.nvlinks; i++) {
		const struct nkhv_vlink *l = &sys.vlinks[i];

		fprintf(out,
			"  vlink %-15s link %-3d server vm %u, client vm %u, PMEM ",
			l->name, l->link, sys.vms[l->server.vm].id,
			sys.vms[l->client.vm].id);
		if (l->pmem_size)
			fprintf(out, "0x%09llx +0x%llx\n",
				(unsigned long long)l->pmem_base,
				(unsigned long long)l->pmem_size);
		else
			fprintf(out, "none\n");
	}
	return 0;
}
