// SPDX-License-Identifier: GPL-2.0-only
/*
 * The requests of a process VM on its socket: HELLO (join), MAP, the
 * labelled allocations, XIRQ descriptors and SYSCONF. Each is checked
 * against what the VM was given; a refused one is answered with an error
 * and counted against the VM.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "nkhv.h"

/* HELLO: the connection becomes VM c->vm, unless a process holds it. */
static int do_hello(struct hv *hv, struct hv_conn *c,
		    const struct nkhv_msg_hdr *req, const void *body, int len)
{
	struct hv_vm *v = &hv->vms[c->vm];
	struct nkhv_req_hello hello;
	struct nkhv_rep_hello rep = { 0 };
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	int fds[2];

	/* Not yet the VM's: a bad HELLO is counted as nkhv's garbage. */
	if (len != sizeof(hello)) {
		hv->cstats.garbage++;
		hv_log("vm socket %u: HELLO of %d bytes, expected %zu; dropped",
		       v->cfg->id, len, sizeof(hello));
		hv_conn_reply(hv, c, req, -EPROTO, NULL, 0, NULL, 0);
		return -EPROTO;
	}
	memcpy(&hello, body, sizeof(hello));
	if (hello.version != NKHV_WIRE_VERSION ||
	    (hello.vm_id && hello.vm_id != v->cfg->id)) {
		hv->cstats.garbage++;
		hv_log("vm socket %u: HELLO version %u for vm %u; dropped",
		       v->cfg->id, hello.version, hello.vm_id);
		hv_conn_reply(hv, c, req, -EPROTO, NULL, 0, NULL, 0);
		return -EPROTO;
	}
	if (v->conn_fd >= 0) {
		hv_refuse(hv, c->vm, HV_REF_BUSY,
			  "pid %u claims it, held by %s pid %d", hello.pid,
			  v->qemu ? "QEMU" : "process", (int)v->pid);
		hv_conn_reply(hv, c, req, -EBUSY, NULL, 0, NULL, 0);
		return -EBUSY;
	}
	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0)
		v->pid = cred.pid;
	c->joined = true;
	v->conn_fd = c->fd;
	v->joins++;
	v->last_join_ns = hv_now_ns();
	if (!v->first_join_ns)
		v->first_join_ns = v->last_join_ns;
	hv_bridge_vm_up(hv, c->vm);
	rep.vm_id = v->cfg->id;
	rep.last_id = ((struct nkhv_pdev_header *)v->pdev.map)->last_id;
	rep.pdev_base = v->pdev.base;
	rep.pdev_size = v->pdev.size;
	snprintf(rep.vm_name, sizeof(rep.vm_name), "%s", v->cfg->name);
	fds[0] = v->pdev.fd;
	fds[1] = v->sysconf_efd;
	hv_log("vm %u (%s): up (pid %d, join %llu)", v->cfg->id, v->cfg->name,
	       (int)v->pid, (unsigned long long)v->joins);
	return hv_conn_reply(hv, c, req, 0, &rep, sizeof(rep), fds, 2);
}

static int do_map(struct hv *hv, struct hv_conn *c, const struct nkhv_msg_hdr *req,
		  const struct nkhv_req_map *m)
{
	struct nkhv_rep_map rep = { 0 };
	const struct hv_region *r;
	bool wr;

	r = hv_region_for(hv, c->vm, m->paddr, m->size, &wr);
	if (!r) {
		hv_refuse(hv, c->vm, HV_REF_MAP,
			  "map [0x%llx, +0x%llx): not memory it was given",
			  (unsigned long long)m->paddr,
			  (unsigned long long)m->size);
		return hv_conn_reply(hv, c, req, -EACCES, NULL, 0, NULL, 0);
	}
	rep.base = r->base;
	rep.size = r->size;
	rep.writable = wr;
	return hv_conn_reply(hv, c, req, 0, &rep, sizeof(rep), &r->fd, 1);
}

static int do_alloc(struct hv *hv, struct hv_conn *c,
		    const struct nkhv_msg_hdr *req,
		    const struct nkhv_req_alloc *a)
{
	struct nkhv_rep_alloc rep = { 0 };
	enum hv_label_kind kind =
		req->type == NKHV_MSG_PMEM_ALLOC ? HV_LABEL_PMEM :
		req->type == NKHV_MSG_PDEV_ALLOC ? HV_LABEL_PDEV :
						   HV_LABEL_XIRQ;
	int err;

	err = hv_alloc(hv, c->vm, kind, a->vlink, a->id, a->osid, a->size,
		       &rep.value);
	return hv_conn_reply(hv, c, req, err, &rep, sizeof(rep), NULL, 0);
}

static int do_xirq(struct hv *hv, struct hv_conn *c,
		   const struct nkhv_msg_hdr *req,
		   const struct nkhv_req_xirq *x)
{
	struct hv_vm *v = &hv->vms[c->vm];
	struct hv_xirq *xi;
	int t;

	if (req->type == NKHV_MSG_XIRQ_SOURCE) {
		if (x->xirq == NK_XIRQ_SYSCONF)
			return hv_conn_reply(hv, c, req, 0, NULL, 0, &v->sysconf_efd, 1);
		xi = hv_xirq_find(hv, c->vm, x->xirq);
		if (!xi) {
			hv_refuse(hv, c->vm, HV_REF_XIRQ,
				  "attach to XIRQ %u: not allocated to it",
				  x->xirq);
			return hv_conn_reply(hv, c, req, -EACCES, NULL, 0, NULL, 0);
		}
		return hv_conn_reply(hv, c, req, 0, NULL, 0, &xi->efd, 1);
	}
	t = nkhv_config_vm_index(&hv->sys, x->osid);
	xi = t < 0 ? NULL : hv_xirq_find(hv, (uint32_t)t, x->xirq);
	if (!xi || !hv_is_endpoint(hv, c->vm, xi->vlink)) {
		hv_refuse(
			hv, c->vm, HV_REF_XIRQ,
			"trigger XIRQ %u of os %u: not allocated on one of its vlinks",
			x->xirq, x->osid);
		return hv_conn_reply(hv, c, req, -EACCES, NULL, 0, NULL, 0);
	}
	return hv_conn_reply(hv, c, req, 0, NULL, 0, &xi->efd, 1);
}

static int do_sysconf(struct hv *hv, struct hv_conn *c,
		      const struct nkhv_msg_hdr *req,
		      const struct nkhv_req_xirq *x)
{
	int t = nkhv_config_vm_index(&hv->sys, x->osid);
	int err = hv_bridge_sysconf(hv, c->vm, t);

	if (err == -EPERM)
		hv_refuse(hv, c->vm, HV_REF_XIRQ,
			  "SYSCONF to os %u: shares no vlink with it", x->osid);
	return hv_conn_reply(hv, c, req, err, NULL, 0, NULL, 0);
}

/* Size each request body must have; 0 for an unknown type. */
static size_t body_size(uint16_t type)
{
	switch (type) {
	case NKHV_MSG_HELLO:
		return sizeof(struct nkhv_req_hello);
	case NKHV_MSG_MAP:
		return sizeof(struct nkhv_req_map);
	case NKHV_MSG_PMEM_ALLOC:
	case NKHV_MSG_PDEV_ALLOC:
	case NKHV_MSG_PXIRQ_ALLOC:
		return sizeof(struct nkhv_req_alloc);
	case NKHV_MSG_XIRQ_SOURCE:
	case NKHV_MSG_XIRQ_TARGET:
	case NKHV_MSG_SYSCONF:
		return sizeof(struct nkhv_req_xirq);
	default:
		return 0;
	}
}

/*
 * Serve request `req` with `len` bytes of body from `c`, which is joined
 * unless `req` is its HELLO. Returns -1 when the connection must go.
 */
int hv_serve_request(struct hv *hv, struct hv_conn *c,
		     const struct nkhv_msg_hdr *req, const void *raw, int len)
{
	union {
		struct nkhv_req_map map;
		struct nkhv_req_alloc alloc;
		struct nkhv_req_xirq xirq;
		char raw[NKHV_WIRE_MAX];
	} body;

	if (len < 0 || (size_t)len > sizeof(body))
		return -1;
	memcpy(&body, raw, (size_t)len);
	if (!c->joined)
		return do_hello(hv, c, req, &body, len) ? -1 : 0;
	if (req->type == NKHV_MSG_HELLO || !body_size(req->type) ||
	    (size_t)len != body_size(req->type)) {
		hv_refuse(hv, c->vm, HV_REF_PROTOCOL,
			  "request type %u with %d bytes of body", req->type,
			  len);
		return hv_conn_reply(hv, c, req, -EPROTO, NULL, 0, NULL, 0) ?
			       -1 :
			       0;
	}
	switch (req->type) {
	case NKHV_MSG_MAP:
		return do_map(hv, c, req, &body.map) ? -1 : 0;
	case NKHV_MSG_PMEM_ALLOC:
	case NKHV_MSG_PDEV_ALLOC:
	case NKHV_MSG_PXIRQ_ALLOC:
		return do_alloc(hv, c, req, &body.alloc) ? -1 : 0;
	case NKHV_MSG_XIRQ_SOURCE:
	case NKHV_MSG_XIRQ_TARGET:
		return do_xirq(hv, c, req, &body.xirq) ? -1 : 0;
	default:
		return do_sysconf(hv, c, req, &body.xirq) ? -1 : 0;
	}
}
