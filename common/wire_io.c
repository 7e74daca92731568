// SPDX-License-Identifier: GPL-2.0-only
/* Packet framing with SCM_RIGHTS for the nkhv VM sockets. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <nkhv/wire_io.h>

int nkhv_wire_send(int sock, struct nkhv_msg_hdr *hdr, const void *body,
		   size_t body_len, const int *fds, int nfds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * NKHV_WIRE_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov[2];
	struct msghdr msg = { 0 };
	ssize_t n;

	if (body_len > NKHV_WIRE_MAX - sizeof(*hdr) || nfds < 0 ||
	    nfds > NKHV_WIRE_MAX_FDS)
		return -EINVAL;
	hdr->magic = NKHV_WIRE_MAGIC;
	hdr->len = (uint16_t)body_len;
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(*hdr);
	iov[1].iov_base = (void *)body;
	iov[1].iov_len = body_len;
	msg.msg_iov = iov;
	msg.msg_iovlen = body_len ? 2 : 1;
	if (nfds) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		msg.msg_control = ctl.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != sizeof(*hdr) + body_len)
		return -EPROTO;
	return 0;
}

/* Collect SCM_RIGHTS descriptors; close any beyond what fits. */
static void take_fds(struct msghdr *msg, int *fds, int *nfds)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		size_t i, n;
		int fd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (*nfds < NKHV_WIRE_MAX_FDS)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
}

int nkhv_wire_recv(int sock, struct nkhv_msg_hdr *hdr, void *body,
		   size_t body_cap, int *fds, int *nfds, int *eof)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * NKHV_WIRE_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	char pkt[NKHV_WIRE_MAX];
	struct iovec iov = { .iov_base = pkt, .iov_len = sizeof(pkt) };
	struct msghdr msg = { 0 };
	size_t blen;
	ssize_t n;
	int i, err = 0;

	*eof = 0;
	*nfds = 0;
	for (i = 0; i < NKHV_WIRE_MAX_FDS; i++)
		fds[i] = -1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof(ctl.buf);
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	take_fds(&msg, fds, nfds);
	if (n == 0) {
		*eof = 1;
		err = 0;
		goto drop_fds;
	}
	if ((msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
	    (size_t)n < sizeof(*hdr)) {
		err = -EPROTO;
		goto drop_fds;
	}
	memcpy(hdr, pkt, sizeof(*hdr));
	blen = (size_t)n - sizeof(*hdr);
	if (hdr->magic != NKHV_WIRE_MAGIC || hdr->len != blen ||
	    blen > body_cap) {
		err = -EPROTO;
		goto drop_fds;
	}
	memcpy(body, pkt + sizeof(*hdr), blen);
	return (int)blen;

drop_fds:
	for (i = 0; i < *nfds; i++)
		close(fds[i]);
	*nfds = 0;
	return err;
}
