// SPDX-License-Identifier: GPL-2.0-only
/*
 * The connections of process VMs on their sockets (DIR/vm<ID>.sock).
 *
 * Each VM has HV_CONNS_PER_VM slots of its own, so nothing done on one
 * VM's socket can take a connection from another. A connection that has
 * not said HELLO is nobody's yet: it is dropped after HV_HELLO_TIMEOUT_NS,
 * or evicted (oldest first) when a newer one needs its slot, and what it
 * sends before HELLO is counted in nkhv's own statistics, not against the
 * VM. Replies are sent without blocking: a reply the socket cannot take
 * waits in the connection, no further request is read from it meanwhile,
 * and a VM that leaves it unread for HV_STALL_TIMEOUT_NS is dropped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "nkhv.h"

int hv_conns_open(struct hv *hv)
{
	uint32_t i, n = hv->sys.nvms * HV_CONNS_PER_VM;

	hv->conns = calloc(n ? n : 1, sizeof(*hv->conns));
	if (!hv->conns)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		hv->conns[i].fd = -1;
	return 0;
}

static uint32_t slot_of(const struct hv *hv, const struct hv_conn *c)
{
	return (uint32_t)(c - hv->conns);
}

static void conn_close(struct hv *hv, struct hv_conn *c)
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
	c->out_pending = false;
}

void hv_conns_close(struct hv *hv)
{
	uint32_t i;

	for (i = 0; hv->conns && i < hv->sys.nvms * HV_CONNS_PER_VM; i++)
		if (hv->conns[i].fd >= 0)
			close(hv->conns[i].fd);
	free(hv->conns);
	hv->conns = NULL;
}

/* A free slot of VM `vm`, evicting its oldest unjoined connection. */
static struct hv_conn *take_slot(struct hv *hv, uint32_t vm)
{
	struct hv_conn *base = &hv->conns[vm * HV_CONNS_PER_VM], *old = NULL;
	uint32_t i;

	for (i = 0; i < HV_CONNS_PER_VM; i++) {
		if (base[i].fd < 0)
			return &base[i];
		if (!base[i].joined &&
		    (!old || base[i].since_ns < old->since_ns))
			old = &base[i];
	}
	if (!old)
		return NULL; /* cannot happen: only one can be joined */
	hv->cstats.evicted++;
	conn_close(hv, old);
	return old;
}

void hv_conn_accept(struct hv *hv, uint32_t vm)
{
	int fd = hv_accept(hv, hv->vms[vm].listen_fd);
	struct hv_conn *c;

	if (fd < 0)
		return;
	c = take_slot(hv, vm);
	if (!c || hv_epoll_add(hv, fd, hv_ev_data(HV_EV_CONN,
						  slot_of(hv, c))) < 0) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->vm = vm;
	c->joined = false;
	c->out_pending = false;
	c->since_ns = hv_now_ns();
}

/* Connections that have not said HELLO (yet). */
uint32_t hv_conns_unjoined(const struct hv *hv)
{
	uint32_t i, n = 0;

	for (i = 0; i < hv->sys.nvms * HV_CONNS_PER_VM; i++)
		n += hv->conns[i].fd >= 0 && !hv->conns[i].joined;
	return n;
}

/* Try the reply waiting in `c`; 0 once it is sent, -EAGAIN, or -errno. */
static int flush(struct hv *hv, struct hv_conn *c)
{
	int err = nkhv_wire_send(c->fd, &c->out_hdr,
				 c->out_len ? c->out_body : NULL, c->out_len,
				 c->out_nfds ? c->out_fds : NULL, c->out_nfds);

	if (err)
		return err;
	c->out_pending = false;
	return hv_epoll_mod(hv, c->fd, EPOLLIN,
			    hv_ev_data(HV_EV_CONN, slot_of(hv, c)));
}

/*
 * Answer request `req` on `c`: `status` 0 with `len` bytes of body and
 * `nfds` descriptors, or a negative errno alone. Never blocks; returns 0,
 * or -errno when the connection is broken (it is then closed by the
 * caller's next read, which sees the end).
 */
int hv_conn_reply(struct hv *hv, struct hv_conn *c,
		  const struct nkhv_msg_hdr *req, int status, const void *body,
		  size_t len, const int *fds, int nfds)
{
	int err;

	if (status || len > sizeof(c->out_body) || nfds > NKHV_WIRE_MAX_FDS) {
		len = 0;
		nfds = 0;
	}
	memset(&c->out_hdr, 0, sizeof(c->out_hdr));
	c->out_hdr.type = req->type;
	c->out_hdr.seq = req->seq;
	c->out_hdr.status = status;
	if (len)
		memcpy(c->out_body, body, len);
	c->out_len = len;
	if (nfds)
		memcpy(c->out_fds, fds, sizeof(int) * (size_t)nfds);
	c->out_nfds = nfds;
	c->out_pending = true;
	err = flush(hv, c);
	if (err != -EAGAIN)
		return err;
	/* Wait for room; read no request meanwhile. */
	c->since_ns = hv_now_ns();
	return hv_epoll_mod(hv, c->fd, EPOLLOUT,
			    hv_ev_data(HV_EV_CONN, slot_of(hv, c)));
}

/* Is `len` (from nkhv_wire_recv) a peer that went away? */
static bool peer_gone(int len)
{
	return len == -ECONNRESET || len == -EPIPE || len == -ENOTCONN;
}

/* Serve one packet; returns -1 when the connection must be dropped. */
static int conn_read(struct hv *hv, struct hv_conn *c)
{
	union {
		struct nkhv_req_hello hello;
		char raw[NKHV_WIRE_MAX];
	} body;
	struct nkhv_msg_hdr req;
	int fds[NKHV_WIRE_MAX_FDS], nfds, eof, len, i;

	memset(&req, 0, sizeof(req));
	len = nkhv_wire_recv(c->fd, &req, &body, sizeof(body), fds, &nfds,
			     &eof);
	for (i = 0; i < nfds; i++)
		close(fds[i]); /* guests never send descriptors */
	if (eof || peer_gone(len))
		return -1;
	if (len == -EAGAIN)
		return 0;
	if (len < 0 && !c->joined) {
		hv->cstats.garbage++;
		if (hv->verbose)
			hv_log("vm socket %u: malformed packet before HELLO (%s); dropped",
			       hv->vms[c->vm].cfg->id, strerror(-len));
		return -1;
	}
	if (len < 0) {
		hv_refuse(hv, c->vm, HV_REF_PROTOCOL, "malformed packet (%s)",
			  strerror(-len));
		/* The header, when it was whole, names the request. */
		return hv_conn_reply(hv, c, &req, -EPROTO, NULL, 0, NULL, 0) ?
			       -1 :
			       0;
	}
	if (!c->joined && req.type != NKHV_MSG_HELLO) {
		hv->cstats.garbage++;
		if (hv->verbose)
			hv_log("vm socket %u: request %u before HELLO; dropped",
			       hv->vms[c->vm].cfg->id, req.type);
		return -1;
	}
	return hv_serve_request(hv, c, &req, &body, len);
}

void hv_conn_event(struct hv *hv, uint32_t slot, uint32_t events)
{
	struct hv_conn *c = &hv->conns[slot];
	int err = 0;

	if (c->fd < 0)
		return;
	if (c->out_pending) {
		err = flush(hv, c);
		if (err == -EAGAIN && !(events & (EPOLLHUP | EPOLLERR)))
			return;
		if (err) {
			conn_close(hv, c);
			return;
		}
	}
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && conn_read(hv, c) < 0)
		conn_close(hv, c);
}

/* Drop what has waited too long: a HELLO, or a reply left unread. */
void hv_conns_tick(struct hv *hv, uint64_t now)
{
	uint32_t i;

	for (i = 0; i < hv->sys.nvms * HV_CONNS_PER_VM; i++) {
		struct hv_conn *c = &hv->conns[i];

		if (c->fd < 0)
			continue;
		if (!c->joined && now - c->since_ns >= HV_HELLO_TIMEOUT_NS) {
			hv->cstats.hello_timeouts++;
			conn_close(hv, c);
		} else if (c->out_pending &&
			   now - c->since_ns >= HV_STALL_TIMEOUT_NS) {
			if (c->joined)
				hv_refuse(hv, c->vm, HV_REF_STALLED,
					  "left a reply unread for %llu ms; "
					  "dropped",
					  (unsigned long long)(now - c->since_ns) /
						  1000000u);
			conn_close(hv, c);
		}
	}
}
