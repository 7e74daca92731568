// SPDX-License-Identifier: GPL-2.0-only
/*
 * nkhv's event loop: one listening SOCK_SEQPACKET socket per VM
 * (DIR/vm<ID>.sock), the status socket (DIR/nkhv.sock), the connections
 * of process VMs, and the ivshmem sockets, doorbells and XIRQs of QEMU
 * VMs (port_server.c). Requests are served one at a time; nothing a guest
 * sends can make nkhv block, crash or touch another VM's state.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <nkhv/wire_io.h>

#include "nkhv.h"

#define HV_MAX_CONNS 128

/* A connection on a VM socket; `joined` once HELLO was accepted. */
struct conn {
	int fd;
	uint32_t vm;
	bool joined;
};

static struct conn conns[HV_MAX_CONNS];

/* Listen on DIR/name (mode 0600), replacing a stale socket file. */
int hv_listen_unix(const char *dir, const char *name, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, n;

	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(sa.sun_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(sa.sun_path, 0600) < 0 || listen(fd, 16) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int hv_epoll_add(struct hv *hv, int fd, uint64_t data)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = data };

	return epoll_ctl(hv->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int hv_server_open(struct hv *hv)
{
	char name[32];
	sigset_t mask;
	uint32_t i;
	int fd, err;

	for (i = 0; i < HV_MAX_CONNS; i++)
		conns[i].fd = -1;
	hv->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (hv->epoll_fd < 0)
		return -errno;
	for (i = 0; i < hv->sys.nvms; i++) {
		snprintf(name, sizeof(name), "vm%u.sock", hv->sys.vms[i].id);
		fd = hv_listen_unix(hv->run_dir, name, SOCK_SEQPACKET);
		if (fd < 0)
			return fd;
		hv->vms[i].listen_fd = fd;
		err = hv_epoll_add(hv, fd, hv_ev_data(HV_EV_LISTEN, i));
		if (err)
			return err;
	}
	err = hv_port_server_open(hv);
	if (err)
		return err;
	hv->ctl_fd = hv_listen_unix(hv->run_dir, "nkhv.sock", SOCK_STREAM);
	if (hv->ctl_fd < 0)
		return hv->ctl_fd;
	err = hv_epoll_add(hv, hv->ctl_fd, hv_ev_data(HV_EV_CTL, 0));
	if (err)
		return err;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return -errno;
	hv->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (hv->signal_fd < 0)
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	return hv_epoll_add(hv, hv->signal_fd, hv_ev_data(HV_EV_SIGNAL, 0));
}

void hv_server_close(struct hv *hv)
{
	char path[512];
	uint32_t i;

	for (i = 0; i < HV_MAX_CONNS; i++)
		if (conns[i].fd >= 0)
			close(conns[i].fd);
	hv_port_server_close(hv);
	for (i = 0; i < hv->sys.nvms; i++) {
		if (hv->vms[i].listen_fd < 0)
			continue;
		close(hv->vms[i].listen_fd);
		snprintf(path, sizeof(path), "%s/vm%u.sock", hv->run_dir,
			 hv->sys.vms[i].id);
		unlink(path);
	}
	if (hv->ctl_fd >= 0) {
		close(hv->ctl_fd);
		snprintf(path, sizeof(path), "%s/nkhv.sock", hv->run_dir);
		unlink(path);
	}
}

static void conn_close(struct hv *hv, struct conn *c)
{
	struct hv_vm *v = &hv->vms[c->vm];

	epoll_ctl(hv->epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->joined) {
		hv_log("vm %u (%s): down (pid %d)", v->cfg->id, v->cfg->name,
		       (int)v->pid);
		v->conn_fd = -1;
		v->pid = 0;
		hv_bridge_vm_down(hv, c->vm);
	}
	c->fd = -1;
	c->joined = false;
}

static int reply(struct conn *c, const struct nkhv_msg_hdr *req, int status,
		 const void *body, size_t len, const int *fds, int nfds)
{
	struct nkhv_msg_hdr h = { .type = req->type,
				  .seq = req->seq,
				  .status = status };

	return nkhv_wire_send(c->fd, &h, status ? NULL : body, status ? 0 : len,
			      status ? NULL : fds, status ? 0 : nfds);
}

/* HELLO: the connection becomes VM c->vm, unless a process holds it. */
static int do_hello(struct hv *hv, struct conn *c,
		    const struct nkhv_msg_hdr *req, const void *body, int len)
{
	struct hv_vm *v = &hv->vms[c->vm];
	struct nkhv_req_hello hello;
	struct nkhv_rep_hello rep = { 0 };
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	int fds[2];

	if (len != sizeof(hello)) {
		hv_refuse(hv, c->vm, HV_REF_PROTOCOL,
			  "HELLO of %d bytes, expected %zu", len,
			  sizeof(hello));
		return -EPROTO;
	}
	memcpy(&hello, body, sizeof(hello));
	if (hello.version != NKHV_WIRE_VERSION ||
	    (hello.vm_id && hello.vm_id != v->cfg->id)) {
		hv_refuse(hv, c->vm, HV_REF_PROTOCOL,
			  "HELLO version %u for vm %u on the socket of vm %u",
			  hello.version, hello.vm_id, v->cfg->id);
		return -EPROTO;
	}
	if (v->conn_fd >= 0) {
		hv_refuse(hv, c->vm, HV_REF_BUSY,
			  "pid %u claims it, held by %s pid %d", hello.pid,
			  v->qemu ? "QEMU" : "process", (int)v->pid);
		reply(c, req, -EBUSY, NULL, 0, NULL, 0);
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
	return reply(c, req, 0, &rep, sizeof(rep), fds, 2);
}

static int do_map(struct hv *hv, struct conn *c, const struct nkhv_msg_hdr *req,
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
		return reply(c, req, -EACCES, NULL, 0, NULL, 0);
	}
	rep.base = r->base;
	rep.size = r->size;
	rep.writable = wr;
	return reply(c, req, 0, &rep, sizeof(rep), &r->fd, 1);
}

static int do_alloc(struct hv *hv, struct conn *c,
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
	return reply(c, req, err, &rep, sizeof(rep), NULL, 0);
}

static int do_xirq(struct hv *hv, struct conn *c,
		   const struct nkhv_msg_hdr *req,
		   const struct nkhv_req_xirq *x)
{
	struct hv_vm *v = &hv->vms[c->vm];
	struct hv_xirq *xi;
	int t;

	if (req->type == NKHV_MSG_XIRQ_SOURCE) {
		if (x->xirq == NK_XIRQ_SYSCONF)
			return reply(c, req, 0, NULL, 0, &v->sysconf_efd, 1);
		xi = hv_xirq_find(hv, c->vm, x->xirq);
		if (!xi) {
			hv_refuse(hv, c->vm, HV_REF_XIRQ,
				  "attach to XIRQ %u: not allocated to it",
				  x->xirq);
			return reply(c, req, -EACCES, NULL, 0, NULL, 0);
		}
		return reply(c, req, 0, NULL, 0, &xi->efd, 1);
	}
	t = nkhv_config_vm_index(&hv->sys, x->osid);
	xi = t < 0 ? NULL : hv_xirq_find(hv, (uint32_t)t, x->xirq);
	if (!xi || !hv_is_endpoint(hv, c->vm, xi->vlink)) {
		hv_refuse(
			hv, c->vm, HV_REF_XIRQ,
			"trigger XIRQ %u of os %u: not allocated on one of its vlinks",
			x->xirq, x->osid);
		return reply(c, req, -EACCES, NULL, 0, NULL, 0);
	}
	return reply(c, req, 0, NULL, 0, &xi->efd, 1);
}

static int do_sysconf(struct hv *hv, struct conn *c,
		      const struct nkhv_msg_hdr *req,
		      const struct nkhv_req_xirq *x)
{
	int t = nkhv_config_vm_index(&hv->sys, x->osid);
	int err = hv_bridge_sysconf(hv, c->vm, t);

	if (err)
		hv_refuse(hv, c->vm, HV_REF_XIRQ,
			  "SYSCONF to os %u: shares no vlink with it", x->osid);
	return reply(c, req, err, NULL, 0, NULL, 0);
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

/* Serve one packet; returns -1 when the connection must be dropped. */
static int conn_serve(struct hv *hv, struct conn *c)
{
	union {
		struct nkhv_req_map map;
		struct nkhv_req_alloc alloc;
		struct nkhv_req_xirq xirq;
		char raw[NKHV_WIRE_MAX];
	} body;
	struct nkhv_msg_hdr req;
	int fds[NKHV_WIRE_MAX_FDS], nfds, eof, len, i;

	len = nkhv_wire_recv(c->fd, &req, &body, sizeof(body), fds, &nfds,
			     &eof);
	for (i = 0; i < nfds; i++)
		close(fds[i]); /* guests never send descriptors */
	if (eof)
		return -1;
	if (len == -EAGAIN)
		return 0;
	if (len < 0) {
		hv_refuse(hv, c->vm, HV_REF_PROTOCOL, "malformed packet (%s)%s",
			  strerror(-len),
			  c->joined ? "" : " before HELLO; dropped");
		return c->joined ? 0 : -1;
	}
	if (!c->joined) {
		if (req.type != NKHV_MSG_HELLO) {
			hv_refuse(hv, c->vm, HV_REF_PROTOCOL,
				  "request %u before HELLO; dropped", req.type);
			return -1;
		}
		return do_hello(hv, c, &req, &body, len) ? -1 : 0;
	}
	if (req.type == NKHV_MSG_HELLO || !body_size(req.type) ||
	    (size_t)len != body_size(req.type)) {
		hv_refuse(hv, c->vm, HV_REF_PROTOCOL,
			  "request type %u with %d bytes of body", req.type,
			  len);
		reply(c, &req, -EPROTO, NULL, 0, NULL, 0);
		return 0;
	}
	switch (req.type) {
	case NKHV_MSG_MAP:
		do_map(hv, c, &req, &body.map);
		break;
	case NKHV_MSG_PMEM_ALLOC:
	case NKHV_MSG_PDEV_ALLOC:
	case NKHV_MSG_PXIRQ_ALLOC:
		do_alloc(hv, c, &req, &body.alloc);
		break;
	case NKHV_MSG_XIRQ_SOURCE:
	case NKHV_MSG_XIRQ_TARGET:
		do_xirq(hv, c, &req, &body.xirq);
		break;
	case NKHV_MSG_SYSCONF:
		do_sysconf(hv, c, &req, &body.xirq);
		break;
	}
	return 0;
}

static void accept_vm(struct hv *hv, uint32_t vm)
{
	int fd = accept4(hv->vms[vm].listen_fd, NULL, NULL,
			 SOCK_CLOEXEC | SOCK_NONBLOCK);
	uint32_t i;

	if (fd < 0)
		return;
	for (i = 0; i < HV_MAX_CONNS; i++)
		if (conns[i].fd < 0)
			break;
	if (i == HV_MAX_CONNS ||
	    hv_epoll_add(hv, fd, hv_ev_data(HV_EV_CONN, i)) < 0) {
		hv_refuse(hv, vm, HV_REF_PROTOCOL,
			  "too many connections; dropped");
		close(fd);
		return;
	}
	conns[i].fd = fd;
	conns[i].vm = vm;
	conns[i].joined = false;
}

/* The status socket: write the JSON document and hang up. */
static void serve_status(struct hv *hv)
{
	struct timeval tv = { .tv_sec = 1 };
	int fd = accept4(hv->ctl_fd, NULL, NULL, SOCK_CLOEXEC);
	char *json;
	size_t off, len;

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	json = hv_status_json(hv);
	if (json) {
		len = strlen(json);
		for (off = 0; off < len;) {
			ssize_t n =
				send(fd, json + off, len - off, MSG_NOSIGNAL);

			if (n <= 0)
				break;
			off += (size_t)n;
		}
		free(json);
	}
	close(fd);
}

int hv_server_run(struct hv *hv)
{
	struct epoll_event evs[32];

	for (;;) {
		int n = epoll_wait(hv->epoll_fd, evs, 32, -1), i;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (i = 0; i < n; i++) {
			uint32_t idx = (uint32_t)evs[i].data.u64;
			enum hv_ev_kind kind = evs[i].data.u64 >> 32;

			switch (kind) {
			case HV_EV_LISTEN:
				accept_vm(hv, idx);
				break;
			case HV_EV_CONN:
				if (conns[idx].fd >= 0 &&
				    conn_serve(hv, &conns[idx]) < 0)
					conn_close(hv, &conns[idx]);
				break;
			case HV_EV_CTL:
				serve_status(hv);
				break;
			case HV_EV_SIGNAL:
				hv_log("signal received, exiting");
				return 0;
			default:
				hv_port_server_event(hv, kind, idx);
				break;
			}
		}
	}
}
