// SPDX-License-Identifier: GPL-2.0-only
/*
 * Status readers on DIR/nkhv.sock: each gets the status document and the
 * end of the stream. The document is sent without blocking, as fast as
 * the reader takes it; at most HV_CTL_CLIENTS readers are served at once
 * (a new one pushes out the oldest), and one that has not taken its whole
 * document within HV_STALL_TIMEOUT_NS is dropped. So a reader that never
 * reads costs nkhv a bounded buffer for a bounded time, and no VM waits.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nkhv.h"

static void client_close(struct hv *hv, struct hv_ctl_client *cl)
{
	epoll_ctl(hv->epoll_fd, EPOLL_CTL_DEL, cl->fd, NULL);
	close(cl->fd);
	free(cl->doc);
	cl->doc = NULL;
	cl->fd = -1;
}

/* Send what the socket takes; true once the document is out (or lost). */
static bool client_send(struct hv_ctl_client *cl)
{
	while (cl->off < cl->len) {
		ssize_t n = send(cl->fd, cl->doc + cl->off, cl->len - cl->off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return false;
		if (n <= 0)
			return true;
		cl->off += (size_t)n;
	}
	return true;
}

static struct hv_ctl_client *take_slot(struct hv *hv)
{
	struct hv_ctl_client *old = NULL;
	uint32_t i;

	for (i = 0; i < HV_CTL_CLIENTS; i++) {
		if (hv->ctl[i].fd < 0)
			return &hv->ctl[i];
		if (!old || hv->ctl[i].since_ns < old->since_ns)
			old = &hv->ctl[i];
	}
	hv->cstats.status_dropped++;
	client_close(hv, old);
	return old;
}

void hv_ctl_accept(struct hv *hv)
{
	struct hv_ctl_client *cl;
	int fd = hv_accept(hv, hv->ctl_fd);

	if (fd < 0)
		return;
	cl = take_slot(hv);
	cl->fd = fd;
	cl->off = 0;
	cl->since_ns = hv_now_ns();
	cl->doc = hv_status_json(hv);
	cl->len = cl->doc ? strlen(cl->doc) : 0;
	if (client_send(cl)) {
		hv->cstats.status_served++;
		client_close(hv, cl);
		return;
	}
	if (hv_epoll_add(hv, fd, hv_ev_data(HV_EV_CTL_CLIENT,
					    (uint32_t)(cl - hv->ctl))) ||
	    hv_epoll_mod(hv, fd, EPOLLOUT,
			 hv_ev_data(HV_EV_CTL_CLIENT,
				    (uint32_t)(cl - hv->ctl)))) {
		hv->cstats.status_dropped++;
		client_close(hv, cl);
	}
}

void hv_ctl_event(struct hv *hv, uint32_t slot, uint32_t events)
{
	struct hv_ctl_client *cl = &hv->ctl[slot];

	if (slot >= HV_CTL_CLIENTS || cl->fd < 0)
		return;
	if (client_send(cl) || (events & (EPOLLHUP | EPOLLERR))) {
		if (cl->off == cl->len)
			hv->cstats.status_served++;
		else
			hv->cstats.status_dropped++;
		client_close(hv, cl);
	}
}

void hv_ctl_tick(struct hv *hv, uint64_t now)
{
	uint32_t i;

	for (i = 0; i < HV_CTL_CLIENTS; i++) {
		if (hv->ctl[i].fd >= 0 &&
		    now - hv->ctl[i].since_ns >= HV_STALL_TIMEOUT_NS) {
			hv->cstats.status_dropped++;
			client_close(hv, &hv->ctl[i]);
		}
	}
}

void hv_ctl_close(struct hv *hv)
{
	uint32_t i;

	for (i = 0; i < HV_CTL_CLIENTS; i++)
		if (hv->ctl[i].fd >= 0)
			client_close(hv, &hv->ctl[i]);
}
