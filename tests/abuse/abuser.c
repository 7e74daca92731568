// SPDX-License-Identifier: GPL-2.0-only
/*
 * The attacks of the abuse suite (test_abuse.sh), one per mode:
 *
 *	abuser RUN idle-conns VM N	hold N connections to VM's socket,
 *					never saying HELLO, until stdin ends
 *	abuser RUN slow-status N	hold N status connections, never
 *					reading, until stdin ends
 *	abuser RUN labels VM VLINK	as VM, labelled PDEV allocations of
 *					64 bytes until refused; prints how many
 *	abuser RUN xirqs VM VLINK	as VM, XIRQs one at a time until
 *					refused; prints how many
 *	abuser RUN unread VM N		as VM, send N valid requests
 *					without reading a reply, then exit
 *	abuser RUN malformed VM		as VM, send a malformed request and
 *					wait for its error reply (exit 0 if
 *					one comes within 5 s)
 *
 * Each prints what it did on stdout ("ready" once its attack is set up,
 * for the modes that hold it).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <nk/nkern.h>
#include <nkddi/nkddi.h>
#include <nkhv/wire_io.h>

static int connect_to(const char *run, const char *name, int type)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", run, name);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Hold `n` connections (or what could be made) until stdin ends. */
static int hold(const char *run, const char *name, int type, int n)
{
	int *fds = calloc((size_t)n, sizeof(int)), i, made = 0;
	char c;

	for (i = 0; fds && i < n; i++) {
		fds[i] = connect_to(run, name, type);
		made += fds[i] >= 0;
	}
	printf("ready %d\n", made);
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	return 0;
}

static NkPhAddr own_vlink(const char *name)
{
	NkPhAddr p = 0;

	while ((p = nkops.nk_vlink_lookup(name, p))) {
		NkDevVlink *v = nkops.nk_ptov(p);

		if (v->s_id == nkops.nk_id_get())
			return p;
	}
	return 0;
}

static int join(const char *run, int vm)
{
	if (nkddi_join_vm(run, (NkOsId)vm)) {
		fprintf(stderr, "abuser: join: %s\n", nkddi_last_error());
		return -1;
	}
	return 0;
}

static int labels(const char *run, int vm, const char *vlink)
{
	NkPhAddr l;
	long n = 0;

	if (join(run, vm) || !(l = own_vlink(vlink)))
		return 1;
	while (nkops.nk_pdev_alloc(l, (NkResourceId)n + 1000, 64))
		n++;
	printf("labels %ld: %s\n", n, nkddi_last_error());
	return 0;
}

static int xirqs(const char *run, int vm, const char *vlink)
{
	NkPhAddr l;
	long n = 0;

	if (join(run, vm) || !(l = own_vlink(vlink)))
		return 1;
	while (nkops.nk_pxirq_alloc(l, (NkResourceId)n + 1000, (NkOsId)vm, 1))
		n++;
	printf("xirqs %ld: %s\n", n, nkddi_last_error());
	return 0;
}

/* HELLO on a raw socket: the joined connection, or -1. */
static int raw_join(const char *run, int vm)
{
	struct nkhv_req_hello hello = { .version = NKHV_WIRE_VERSION,
					.vm_id = (NkOsId)vm };
	struct nkhv_msg_hdr h = { .type = NKHV_MSG_HELLO, .seq = 1 };
	char name[32], body[NKHV_WIRE_MAX];
	int fds[NKHV_WIRE_MAX_FDS], nfds, eof, s, i, n;

	snprintf(name, sizeof(name), "vm%d.sock", vm);
	s = connect_to(run, name, SOCK_SEQPACKET);
	if (s < 0 || nkhv_wire_send(s, &h, &hello, sizeof(hello), NULL, 0))
		return -1;
	n = nkhv_wire_recv(s, &h, body, sizeof(body), fds, &nfds, &eof);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	return n < 0 || eof || h.status ? -1 : s;
}

static int unread(const char *run, int vm, int n)
{
	struct nkhv_req_xirq x = { .xirq = NK_XIRQ_SYSCONF,
				   .osid = (uint32_t)vm };
	int s = raw_join(run, vm), i, sent = 0;

	if (s < 0)
		return 1;
	/* Valid requests (SYSCONF to itself): nothing to refuse. */
	for (i = 0; i < n; i++) {
		struct nkhv_msg_hdr h = { .type = NKHV_MSG_SYSCONF,
					  .seq = (uint32_t)i + 2 };

		if (nkhv_wire_send(s, &h, &x, sizeof(x), NULL, 0))
			break;
		sent++;
	}
	printf("sent %d\n", sent);
	return 0; /* exit with the replies unread */
}

static int malformed(const char *run, int vm)
{
	struct nkhv_msg_hdr h = { .type = NKHV_MSG_MAP, .seq = 77 };
	char body[NKHV_WIRE_MAX] = { 0 };
	int fds[NKHV_WIRE_MAX_FDS], nfds, eof, n, s = raw_join(run, vm);
	struct pollfd p;

	if (s < 0)
		return 1;
	/* A MAP with a body of the wrong size. */
	if (nkhv_wire_send(s, &h, body, 3, NULL, 0))
		return 1;
	p.fd = s;
	p.events = POLLIN;
	if (poll(&p, 1, 5000) != 1)
		return 2;
	n = nkhv_wire_recv(s, &h, body, sizeof(body), fds, &nfds, &eof);
	printf("reply seq %u status %d\n", h.seq, h.status);
	return n < 0 || eof || h.seq != 77 || h.status != -EPROTO ? 3 : 0;
}

int main(int argc, char **argv)
{
	const char *run = argc > 2 ? argv[1] : "", *mode = argc > 2 ? argv[2] : "";
	char name[32];

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "idle-conns") && argc == 5) {
		snprintf(name, sizeof(name), "vm%s.sock", argv[3]);
		return hold(run, name, SOCK_SEQPACKET, atoi(argv[4]));
	}
	if (!strcmp(mode, "slow-status") && argc == 4)
		return hold(run, "nkhv.sock", SOCK_STREAM, atoi(argv[3]));
	if (!strcmp(mode, "labels") && argc == 5)
		return labels(run, atoi(argv[3]), argv[4]);
	if (!strcmp(mode, "xirqs") && argc == 5)
		return xirqs(run, atoi(argv[3]), argv[4]);
	if (!strcmp(mode, "unread") && argc == 5)
		return unread(run, atoi(argv[3]), atoi(argv[4]));
	if (!strcmp(mode, "malformed") && argc == 4)
		return malformed(run, atoi(argv[3]));
	fprintf(stderr, "usage: abuser RUN idle-conns VM N | slow-status N | "
			"labels VM VLINK | xirqs VM VLINK | unread VM N | "
			"malformed VM\n");
	return 2;
}
