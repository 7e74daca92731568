// SPDX-License-Identifier: GPL-2.0-only
/*
 * Joining nkhv and talking to it. The VM socket carries synchronous
 * requests only; a mutex serialises them between threads.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <nkddi/nkddi.h>
#include <nkhv/wire_io.h>

#include "internal.h"

struct nkddi nkddi = {
	.sock = -1,
	.rpc_lock = PTHREAD_MUTEX_INITIALIZER,
	.sysconf_fd = -1,
};

static pthread_mutex_t join_lock = PTHREAD_MUTEX_INITIALIZER;
static _Thread_local char last_error[256];

void nkddi_set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

const char *nkddi_last_error(void)
{
	return last_error;
}

int nkddi_rpc(uint16_t type, const void *req, size_t req_len, void *rep,
	      size_t rep_len, int *fd)
{
	struct nkhv_msg_hdr h = { .type = type };
	char body[NKHV_WIRE_MAX];
	int fds[NKHV_WIRE_MAX_FDS], nfds = 0, eof = 0, n, i;

	if (fd)
		*fd = -1;
	pthread_mutex_lock(&nkddi.rpc_lock);
	h.seq = ++nkddi.seq;
	n = nkhv_wire_send(nkddi.sock, &h, req, req_len, NULL, 0);
	if (!n)
		n = nkhv_wire_recv(nkddi.sock, &h, body, sizeof(body), fds,
				   &nfds, &eof);
	pthread_mutex_unlock(&nkddi.rpc_lock);
	if (n >= 0 && eof)
		n = -ECONNRESET;
	if (n < 0) {
		if (n == -ECONNRESET || n == -EPIPE)
			nkddi_mark_hv_lost();
		nkddi_set_error("nkhv connection lost: %s", strerror(-n));
		return n;
	}
	if (h.status == 0 && rep_len && (size_t)n != rep_len)
		h.status = -EPROTO;
	if (h.status == 0 && rep_len)
		memcpy(rep, body, rep_len);
	for (i = 0; i < nfds; i++) {
		if (fd && *fd < 0 && h.status == 0)
			*fd = fds[i];
		else
			close(fds[i]);
	}
	return h.status;
}

static int connect_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Map our PDEV and check its header before trusting any of it. */
static int setup_pdev(const struct nkhv_rep_hello *rep, int pdev_fd)
{
	const struct nkhv_pdev_header *h;
	int err;

	err = nkddi_mem_add(rep->pdev_base, rep->pdev_size, pdev_fd,
			    &nkddi.pdev);
	if (err)
		return err;
	h = (const void *)nkddi.pdev;
	if (rep->pdev_size < sizeof(*h) || h->magic != NKHV_PDEV_MAGIC ||
	    h->version != NKHV_PDEV_VERSION || h->size != rep->pdev_size ||
	    h->stats_off > rep->pdev_size ||
	    (uint64_t)h->xirq_limit * 8 > rep->pdev_size - h->stats_off)
		return -EPROTO;
	nkddi.xirq_limit = h->xirq_limit;
	nkddi.xirq_stats = (volatile uint64_t *)(nkddi.pdev + h->stats_off);
	return 0;
}

static int join_locked(const char *path)
{
	struct nkhv_req_hello req = { .version = NKHV_WIRE_VERSION,
				      .pid = (uint32_t)getpid() };
	struct nkhv_rep_hello rep;
	struct nkhv_msg_hdr h = { .type = NKHV_MSG_HELLO, .seq = 1 };
	char body[NKHV_WIRE_MAX];
	int fds[NKHV_WIRE_MAX_FDS], nfds = 0, eof = 0, n, sock, i;

	if (nkddi.sock >= 0)
		return -EALREADY;
	sock = connect_socket(path);
	if (sock < 0) {
		nkddi_set_error("cannot connect to %s: %s", path,
				strerror(-sock));
		return sock;
	}
	n = nkhv_wire_send(sock, &h, &req, sizeof(req), NULL, 0);
	if (!n)
		n = nkhv_wire_recv(sock, &h, body, sizeof(body), fds, &nfds,
				   &eof);
	if (n >= 0 && eof)
		n = -ECONNRESET;
	if (n >= 0 && h.status)
		n = h.status;
	else if (n >= 0 && ((size_t)n != sizeof(rep) || nfds != 2))
		n = -EPROTO;
	if (n < 0) {
		for (i = 0; n != -ECONNRESET && i < nfds; i++)
			close(fds[i]);
		close(sock);
		nkddi_set_error("%s refused the join: %s", path,
				n == -EBUSY ? "another process holds this VM" :
					      strerror(-n));
		return n;
	}
	memcpy(&rep, body, sizeof(rep));
	nkddi.seq = 1;
	nkddi.id = rep.vm_id;
	nkddi.last_id = rep.last_id;
	nkddi.pdev_base = rep.pdev_base;
	nkddi.pdev_size = rep.pdev_size;
	memcpy(nkddi.name, rep.vm_name, sizeof(nkddi.name));
	nkddi.name[sizeof(nkddi.name) - 1] = 0;
	nkddi.sysconf_fd = fds[1];
	n = setup_pdev(&rep, fds[0]);
	close(fds[0]);
	if (!n)
		n = nkddi_xirq_start();
	if (!n)
		n = nkddi_watch_start(sock);
	if (n) {
		close(sock);
		nkddi_set_error("joining %s: %s", path, strerror(-n));
		return n;
	}
	__atomic_store_n(&nkddi.sock, sock, __ATOMIC_RELEASE);
	return 0;
}

int nkddi_join(const char *socket_path)
{
	int err;

	pthread_mutex_lock(&join_lock);
	err = join_locked(socket_path);
	pthread_mutex_unlock(&join_lock);
	return err;
}

int nkddi_join_vm(const char *run_dir, NkOsId id)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/vm%u.sock", run_dir, id);
	return nkddi_join(path);
}

int nkddi_joined(void)
{
	return __atomic_load_n(&nkddi.sock, __ATOMIC_ACQUIRE) >= 0;
}

const char *nkddi_vm_name(void)
{
	return nkddi.name;
}

/*
 * Join from NK_VM_SOCKET on first use of nkops, so that an unmodified
 * driver init runs as is. Tried once; the outcome sticks.
 */
bool nkddi_ensure(void)
{
	static int tried, result;
	const char *env;

	if (nkddi_joined())
		return true;
	pthread_mutex_lock(&join_lock);
	if (!tried && nkddi.sock < 0) {
		tried = 1;
		env = getenv("NK_VM_SOCKET");
		result = env ? join_locked(env) : -ENOENT;
		if (result)
			fprintf(stderr, "libnkddi: cannot join %s: %s\n",
				env ? env : "(NK_VM_SOCKET is not set)",
				strerror(-result));
	}
	pthread_mutex_unlock(&join_lock);
	if (!nkddi_joined()) {
		nkddi_set_error(
			"not joined to nkhv (set NK_VM_SOCKET or call nkddi_join)");
		return false;
	}
	return true;
}
