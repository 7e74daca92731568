// SPDX-License-Identifier: GPL-2.0-only
/*
 * nkhv as the ivshmem server of QEMU VMs (QEMU docs/specs/ivshmem-spec):
 * one SOCK_STREAM socket per region table entry of each VM's port,
 * DIR/vm<ID>.ivshmem (the PDEV) and DIR/vm<ID>.region<N>.ivshmem. On a
 * connection nkhv sends, as little-endian int64 messages with SCM_RIGHTS:
 *
 *	0				protocol version
 *	IVPosition			the device's own peer id
 *	-1 + memfd			the region (BAR 2)
 *
 * and for the PDEV device only, then:
 *
 *	NKHV_PORT_PEER_HV + eventfd	once per vector: nkhv's doorbells
 *	NKHV_PORT_ID_PDEV + eventfd	once per vector: the MSI-X vectors
 *
 * The interrupt messages come after the memory: QEMU reads the setup
 * synchronously up to the memory message and installs its vectors after.
 * Holding the PDEV connection is being the VM; region connections are
 * accepted only from the process that holds it.
 */
#include <errno.h>
#include <endian.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nkhv/port_layout.h>

#include "nkhv.h"

#define IVSHMEM_PROTOCOL_VERSION 0

/* One ivshmem message: `value` as int64 LE, with `fd` unless it is -1. */
static int send_msg(int sock, int64_t value, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	uint64_t le = htole64((uint64_t)value);
	struct iovec iov = { .iov_base = &le, .iov_len = sizeof(le) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (fd >= 0) {
		memset(&ctl, 0, sizeof(ctl));
		m.msg_control = ctl.buf;
		m.msg_controllen = sizeof(ctl.buf);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	if (sendmsg(sock, &m, MSG_NOSIGNAL) != (ssize_t)sizeof(le))
		return -errno ? -errno : -EIO;
	return 0;
}

/* Version, own id and memory: what every device of the port receives. */
static int send_setup(int sock, uint32_t ivposition, int memfd)
{
	int err = send_msg(sock, IVSHMEM_PROTOCOL_VERSION, -1);

	if (!err)
		err = send_msg(sock, ivposition, -1);
	if (!err)
		err = send_msg(sock, -1, memfd);
	return err;
}

static void close_fd(struct hv *hv, int *fd, bool watched)
{
	if (*fd < 0)
		return;
	if (watched)
		epoll_ctl(hv->epoll_fd, EPOLL_CTL_DEL, *fd, NULL);
	close(*fd);
	*fd = -1;
}

static void close_vectors(struct hv *hv, struct hv_port *p)
{
	uint32_t i;

	for (i = 0; i < NKHV_PORT_VECTORS; i++) {
		close_fd(hv, &p->doorbell_efd[i], true);
		close_fd(hv, &p->vector_efd[i], false);
	}
}

/* Fresh doorbell and vector eventfds for a QEMU connection. */
static int open_vectors(struct hv *hv, uint32_t vm, struct hv_port *p)
{
	uint32_t i;
	int err;

	for (i = 0; i < NKHV_PORT_VECTORS; i++) {
		p->doorbell_efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		p->vector_efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (p->doorbell_efd[i] < 0 || p->vector_efd[i] < 0)
			return -errno;
		err = hv_epoll_add(hv, p->doorbell_efd[i],
				   hv_ev_data(HV_EV_DOORBELL, vm << 8 | i));
		if (err) {
			close(p->doorbell_efd[i]);
			p->doorbell_efd[i] = -1;
			return err;
		}
	}
	return 0;
}

/* The PDEV device's setup: memory, then nkhv's doorbells, then vectors. */
static int send_pdev(struct hv *hv, uint32_t vm, int sock)
{
	struct hv_port *p = &hv->vms[vm].port;
	uint32_t i;
	int err = send_setup(sock, NKHV_PORT_ID_PDEV, hv->vms[vm].pdev.fd);

	for (i = 0; !err && i < NKHV_PORT_VECTORS; i++)
		err = send_msg(sock, NKHV_PORT_PEER_HV, p->doorbell_efd[i]);
	for (i = 0; !err && i < NKHV_PORT_VECTORS; i++)
		err = send_msg(sock, NKHV_PORT_ID_PDEV, p->vector_efd[i]);
	return err;
}

/* The QEMU holding VM `vm` closed its PDEV connection: the VM is down. */
static void qemu_down(struct hv *hv, uint32_t vm)
{
	struct hv_vm *v = &hv->vms[vm];
	uint32_t n;

	for (n = 0; n < v->port.nregions; n++)
		close_fd(hv, &v->port.conn_fd[n], true);
	close_vectors(hv, &v->port);
	hv_port_disconnected(hv, vm);
	hv_log("vm %u (%s): down (QEMU pid %d)", v->cfg->id, v->cfg->name,
	       (int)v->pid);
	v->conn_fd = -1;
	v->qemu = false;
	v->pid = 0;
	hv_bridge_vm_down(hv, vm);
}

static pid_t peer_pid(int sock)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	return getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) ?
		       -1 :
		       cred.pid;
}

/* A QEMU connects the PDEV device: it becomes VM `vm`, unless held. */
static void accept_pdev(struct hv *hv, uint32_t vm, int sock)
{
	struct hv_vm *v = &hv->vms[vm];
	int err;

	if (v->conn_fd >= 0) {
		hv_refuse(hv, vm, HV_REF_BUSY,
			  "QEMU pid %d claims it, held by %s pid %d",
			  (int)peer_pid(sock), v->qemu ? "QEMU" : "process",
			  (int)v->pid);
		close(sock);
		return;
	}
	err = open_vectors(hv, vm, &v->port);
	if (!err) {
		hv_port_reset(hv, vm);
		err = send_pdev(hv, vm, sock);
	}
	if (!err)
		err = hv_epoll_add(hv, sock,
				   hv_ev_data(HV_EV_IVS_CONN, vm << 8 | 0));
	if (err) {
		hv_log("vm %u (%s): ivshmem setup of the PDEV device failed: %s",
		       v->cfg->id, v->cfg->name, strerror(-err));
		close_vectors(hv, &v->port);
		close(sock);
		return;
	}
	v->port.conn_fd[0] = sock;
	v->conn_fd = sock;
	v->qemu = true;
	v->pid = peer_pid(sock);
	v->joins++;
	v->last_join_ns = hv_now_ns();
	if (!v->first_join_ns)
		v->first_join_ns = v->last_join_ns;
	hv_port_connected(hv, vm);
	hv_timer_beat(hv);
	hv_log("vm %u (%s): up (QEMU pid %d, join %llu)", v->cfg->id,
	       v->cfg->name, (int)v->pid, (unsigned long long)v->joins);
}

/* A region device of VM `vm`'s QEMU connects (table entry n >= 1). */
static void accept_region(struct hv *hv, uint32_t vm, uint32_t n, int sock)
{
	struct hv_vm *v = &hv->vms[vm];
	struct hv_port *p = &v->port;
	pid_t pid = peer_pid(sock);
	int err;

	if (!v->qemu || pid != v->pid) {
		hv_refuse(
			hv, vm, HV_REF_MAP,
			"region %u device of pid %d: the VM is not held by that QEMU",
			n, (int)pid);
		close(sock);
		return;
	}
	if (p->conn_fd[n] >= 0) {
		hv_refuse(hv, vm, HV_REF_BUSY,
			  "region %u device connected twice", n);
		close(sock);
		return;
	}
	err = send_setup(sock, NKHV_PORT_ID_REGION(n), p->region[n]->fd);
	if (!err)
		err = hv_epoll_add(hv, sock,
				   hv_ev_data(HV_EV_IVS_CONN, vm << 8 | n));
	if (err) {
		hv_log("vm %u (%s): ivshmem setup of region %u failed: %s",
		       v->cfg->id, v->cfg->name, n, strerror(-err));
		close(sock);
		return;
	}
	p->conn_fd[n] = sock;
}

static void ivs_accept(struct hv *hv, uint32_t vm, uint32_t n)
{
	int sock = hv_accept(hv, hv->vms[vm].port.listen_fd[n]);

	if (sock < 0)
		return;
	if (n == 0)
		accept_pdev(hv, vm, sock);
	else
		accept_region(hv, vm, n, sock);
}

/*
 * Input on a QEMU connection: QEMU never sends anything, so this is the
 * end of the connection, or bytes that are refused and dropped.
 */
static void ivs_input(struct hv *hv, uint32_t vm, uint32_t n)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 8)];
	} ctl;
	struct hv_port *p = &hv->vms[vm].port;
	char junk[512];
	struct iovec iov = { .iov_base = junk, .iov_len = sizeof(junk) };
	struct msghdr m = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	ssize_t r;

	if (p->conn_fd[n] < 0)
		return;
	r = recvmsg(p->conn_fd[n], &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	for (c = CMSG_FIRSTHDR(&m); r >= 0 && c; c = CMSG_NXTHDR(&m, c)) {
		size_t i, nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int fd;

		for (i = 0; c->cmsg_type == SCM_RIGHTS && i < nfd; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			close(fd);
		}
	}
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r > 0) {
		hv_refuse(
			hv, vm, HV_REF_PROTOCOL,
			"%zd bytes from QEMU on the ivshmem socket of region %u; dropped",
			r, n);
		return;
	}
	if (n == 0) {
		qemu_down(hv, vm);
		return;
	}
	close_fd(hv, &p->conn_fd[n], true);
}

/* A doorbell eventfd of VM `vm` was rung. */
static void doorbell(struct hv *hv, uint32_t vm, uint32_t vector)
{
	struct hv_port *p = &hv->vms[vm].port;
	uint64_t n;

	if (vector >= NKHV_PORT_VECTORS || p->doorbell_efd[vector] < 0 ||
	    read(p->doorbell_efd[vector], &n, sizeof(n)) != sizeof(n))
		return;
	hv_port_doorbell(hv, vm, vector);
}

void hv_port_server_event(struct hv *hv, enum hv_ev_kind kind, uint32_t idx)
{
	uint32_t vm = kind == HV_EV_XIRQ ? idx >> 16 : idx >> 8;
	uint32_t sub = kind == HV_EV_XIRQ ? idx & 0xffff : idx & 0xff;

	if (vm >= hv->sys.nvms)
		return;
	switch (kind) {
	case HV_EV_IVS_LISTEN:
		if (sub < hv->vms[vm].port.nregions)
			ivs_accept(hv, vm, sub);
		break;
	case HV_EV_IVS_CONN:
		if (sub < hv->vms[vm].port.nregions)
			ivs_input(hv, vm, sub);
		break;
	case HV_EV_DOORBELL:
		doorbell(hv, vm, sub);
		break;
	case HV_EV_XIRQ:
		hv_port_xirq_event(hv, vm, sub);
		break;
	default:
		break;
	}
}

int hv_port_server_open(struct hv *hv)
{
	char name[64];
	uint32_t vm, n;
	int fd, err;

	for (vm = 0; vm < hv->sys.nvms; vm++) {
		struct hv_port *p = &hv->vms[vm].port;

		for (n = 0; n < p->nregions; n++) {
			if (nkhv_port_socket_name(name, sizeof(name),
						  hv->sys.vms[vm].id, n))
				return -ENAMETOOLONG;
			fd = hv_listen_unix(hv->run_dir, name, SOCK_STREAM);
			if (fd < 0)
				return fd;
			p->listen_fd[n] = fd;
			err = hv_epoll_add(
				hv, fd,
				hv_ev_data(HV_EV_IVS_LISTEN, vm << 8 | n));
			if (err)
				return err;
		}
	}
	return 0;
}

void hv_port_server_close(struct hv *hv)
{
	char name[64], path[600];
	uint32_t vm, n;

	for (vm = 0; vm < hv->sys.nvms; vm++) {
		struct hv_port *p = &hv->vms[vm].port;

		for (n = 0; n < NKHV_PORT_REGIONS; n++) {
			close_fd(hv, &p->conn_fd[n], false);
			if (p->listen_fd[n] < 0)
				continue;
			close_fd(hv, &p->listen_fd[n], false);
			if (!nkhv_port_socket_name(name, sizeof(name),
						   hv->sys.vms[vm].id, n)) {
				snprintf(path, sizeof(path), "%s/%s",
					 hv->run_dir, name);
				unlink(path);
			}
		}
		close_vectors(hv, p);
	}
}
