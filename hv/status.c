// SPDX-License-Identifier: GPL-2.0-only
/*
 * The status document served on DIR/nkhv.sock, read by `vlinkctl`:
 * VMs (up or down, refusals), vlinks (both states, resources, XIRQ
 * counters). The schema is documented in docs/vlinkctl.md. Times
 * (`*_ns`) are nkhv's CLOCK_MONOTONIC in nanoseconds, as its log's.
 */
#include <jansson.h>
#include <sys/resource.h>
#include <unistd.h>

#include <nk/nkstate.h>

#include "nkhv.h"

static json_t *refusals_json(const uint64_t *r)
{
	json_t *o = json_object();
	uint64_t total = 0;
	int i;

	for (i = 0; i < HV_REF_COUNT; i++) {
		json_object_set_new(o, hv_refusal_name(i), json_integer(r[i]));
		total += r[i];
	}
	json_object_set_new(o, "total", json_integer(total));
	return o;
}

/* Handler dispatches of XIRQ `x` of VM `vm`, as its guest counts them. */
static uint64_t xirq_raised(struct hv *hv, uint32_t vm, NkXIrq x)
{
	const volatile uint64_t *cnt;

	if (x >= hv->vms[vm].cfg->xirq_limit)
		return 0;
	cnt = (const volatile uint64_t *)(hv->vms[vm].pdev.map +
					  hv->vms[vm].stats_off);
	return cnt[x];
}

static json_t *endpoint_json(struct hv *hv, uint32_t l, bool server)
{
	struct hv_vlink *vl = &hv->vlinks[l];
	const struct nkhv_endpoint *ep =
		server ? &vl->cfg->server : &vl->cfg->client;
	uint32_t vm = server ? vl->s_vm : vl->c_vm;
	json_t *o = json_object(), *xirqs = json_array();
	uint32_t i;

	json_object_set_new(o, "vm", json_integer(hv->sys.vms[vm].id));
	json_object_set_new(o, "vm_name", json_string(hv->sys.vms[vm].name));
	json_object_set_new(
		o, "state",
		json_string(nk_vlink_state_name(server ? vl->s_state : vl->c_state)));
	json_object_set_new(o, "info", json_string(ep->info));
	json_object_set_new(o, "pmem_size", json_integer(ep->pmem_size));
	json_object_set_new(o, "xirq_budget", json_integer(ep->xirqs));
	for (i = 0; i < hv->vms[vm].nxirqs; i++) {
		struct hv_xirq *x = &hv->vms[vm].xirqs[i];
		json_t *xo;

		if (x->vlink != l)
			continue;
		xo = json_object();
		json_object_set_new(xo, "xirq", json_integer(x->xirq));
		json_object_set_new(xo, "raised",
				    json_integer(xirq_raised(hv, vm, x->xirq)));
		json_array_append_new(xirqs, xo);
	}
	json_object_set_new(o, "xirqs", xirqs);
	return o;
}

/* A CLOCK_MONOTONIC time in ns, or null for "not yet" (0). */
static json_t *time_json(uint64_t ns)
{
	return ns ? json_integer((json_int_t)ns) : json_null();
}

/* The port of a VM: what its QEMU connected and asked for. */
static json_t *port_json(const struct hv_vm *v)
{
	const struct hv_port *p = &v->port;
	json_t *o = json_object();
	uint32_t n, connected = 0;

	for (n = 0; n < p->nregions; n++)
		connected += p->conn_fd[n] >= 0;
	json_object_set_new(o, "regions", json_integer(p->nregions));
	json_object_set_new(o, "connected", json_integer(connected));
	json_object_set_new(o, "provider", json_boolean(p->provider));
	json_object_set_new(o, "hellos", json_integer(p->hellos));
	json_object_set_new(o, "calls", json_integer(p->calls));
	json_object_set_new(o, "triggers", json_integer(p->triggers));
	json_object_set_new(o, "first_hello_ns", time_json(p->first_hello_ns));
	json_object_set_new(o, "last_hello_ns", time_json(p->last_hello_ns));
	return o;
}

static json_t *vm_json(struct hv *hv, uint32_t i)
{
	struct hv_vm *v = &hv->vms[i];
	json_t *o = json_object(), *pdev = json_object();

	json_object_set_new(o, "id", json_integer(v->cfg->id));
	json_object_set_new(o, "name", json_string(v->cfg->name));
	json_object_set_new(o, "kind",
			    json_string(v->cfg->kind == NKHV_VM_LINUX ?
						"linux" :
						"process"));
	json_object_set_new(o, "up", json_boolean(v->conn_fd >= 0));
	json_object_set_new(o, "holder",
			    v->conn_fd < 0 ? json_null() :
			    v->qemu	   ? json_string("qemu") :
					     json_string("process"));
	json_object_set_new(o, "pid", json_integer(v->pid));
	json_object_set_new(o, "joins", json_integer(v->joins));
	json_object_set_new(o, "first_join_ns", time_json(v->first_join_ns));
	json_object_set_new(o, "last_join_ns", time_json(v->last_join_ns));
	json_object_set_new(pdev, "base", json_integer(v->pdev.base));
	json_object_set_new(pdev, "size", json_integer(v->pdev.size));
	json_object_set_new(pdev, "used",
			    json_integer(v->pdev.start + v->pdev.used));
	json_object_set_new(o, "pdev", pdev);
	json_object_set_new(o, "xirq_limit", json_integer(v->cfg->xirq_limit));
	json_object_set_new(o, "xirqs_allocated", json_integer(v->nxirqs));
	json_object_set_new(o, "sysconf_in", json_integer(v->sysconf_in));
	json_object_set_new(o, "sysconf_raised",
			    json_integer(v->sysconf_raised));
	json_object_set_new(o, "refusals", refusals_json(v->refusals));
	json_object_set_new(o, "port", port_json(v));
	return o;
}

static json_t *vlink_json(struct hv *hv, uint32_t l)
{
	struct hv_vlink *vl = &hv->vlinks[l];
	json_t *o = json_object(), *pmem = json_object();

	json_object_set_new(o, "name", json_string(vl->cfg->name));
	json_object_set_new(o, "link", json_integer(vl->cfg->link));
	json_object_set_new(o, "server", endpoint_json(hv, l, true));
	json_object_set_new(o, "client", endpoint_json(hv, l, false));
	json_object_set_new(pmem, "base", json_integer(vl->pmem.base));
	json_object_set_new(pmem, "size", json_integer(vl->pmem.size));
	json_object_set_new(pmem, "used", json_integer(vl->pmem.used));
	json_object_set_new(o, "pmem", pmem);
	json_object_set_new(o, "refusals", json_integer(vl->refusals));
	return o;
}

/* Connections no VM is charged with, and the descriptor budget. */
static json_t *conns_json(struct hv *hv)
{
	const struct hv_conn_stats *st = &hv->cstats;
	json_t *o = json_object();
	struct rlimit rl;

	json_object_set_new(o, "unjoined", json_integer(hv_conns_unjoined(hv)));
	json_object_set_new(o, "hello_timeouts",
			    json_integer(st->hello_timeouts));
	json_object_set_new(o, "evicted", json_integer(st->evicted));
	json_object_set_new(o, "garbage", json_integer(st->garbage));
	json_object_set_new(o, "accept_failures",
			    json_integer(st->accept_failures));
	json_object_set_new(o, "status_served",
			    json_integer(st->status_served));
	json_object_set_new(o, "status_dropped",
			    json_integer(st->status_dropped));
	json_object_set_new(o, "fd_need",
			    json_integer((json_int_t)hv_fd_need(&hv->sys)));
	json_object_set_new(o, "fd_limit",
			    getrlimit(RLIMIT_NOFILE, &rl) ||
					    rl.rlim_cur == RLIM_INFINITY ?
				    json_null() :
				    json_integer((json_int_t)rl.rlim_cur));
	return o;
}

/* The whole status document as a malloc'ed string, or NULL. */
char *hv_status_json(struct hv *hv)
{
	json_t *root = json_object(), *vms = json_array(),
	       *vlinks = json_array();
	char *s;
	uint32_t i;

	json_object_set_new(root, "model", json_string(hv->sys.model));
	json_object_set_new(root, "pid", json_integer(getpid()));
	json_object_set_new(root, "run_dir", json_string(hv->run_dir));
	json_object_set_new(root, "now_ns",
			    json_integer((json_int_t)hv_now_ns()));
	for (i = 0; i < hv->sys.nvms; i++)
		json_array_append_new(vms, vm_json(hv, i));
	for (i = 0; i < hv->sys.nvlinks; i++)
		json_array_append_new(vlinks, vlink_json(hv, i));
	json_object_set_new(root, "connections", conns_json(hv));
	json_object_set_new(root, "vms", vms);
	json_object_set_new(root, "vlinks", vlinks);
	s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return s;
}
