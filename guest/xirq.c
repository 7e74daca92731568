// SPDX-License-Identifier: GPL-2.0-only
/*
 * XIRQs of a process VM. Each XIRQ is an eventfd owned by nkhv: the owner
 * VM waits on it, a peer allowed to post it writes to it directly. One
 * interrupt thread per VM waits on all attached sources (epoll, level
 * triggered) and runs their handlers one at a time, so a source is masked
 * while its handlers run: a trigger arriving meanwhile is delivered after
 * they return. nk_xirq_mask() takes the source out of the wait set; the
 * eventfd's counter keeps the trigger pending until nk_xirq_unmask().
 *
 * A thread may also take one of the VM's XIRQs itself: nkddi_xirq_wait()
 * sleeps on the source's eventfd and runs its handlers in that thread,
 * exactly as the interrupt thread would (masked while they run, one at a
 * time), which saves a second thread wake-up. The interrupt thread leaves
 * such a source alone while the direct waiter sleeps on it.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <nkddi/nkddi.h>

#include "internal.h"

#define MAX_TARGETS 256

struct handler {
	struct handler *next;
	struct source *src;
	NkXIrqHandler fn;
	void *cookie;
	bool dead; /* detached; freed once its source is out of service */
};

struct source {
	NkXIrq xirq;
	int fd;
	bool masked; /* by nk_xirq_mask() */
	bool in_service; /* handlers running */
	bool direct; /* a thread waits in nkddi_xirq_wait(); out of epoll */
	int kick_fd; /* eventfd ending that wait (nkddi_xirq_wake), or -1 */
	struct handler *handlers;
};

/* An eventfd this VM may write to: XIRQ `xirq` of VM `osid`. */
struct target {
	NkOsId osid;
	NkXIrq xirq;
	int fd;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t service_done = PTHREAD_COND_INITIALIZER;
static struct source **sources; /* xirq_limit entries */
static int epfd = -1;
static pthread_t irq_thread;
static _Thread_local bool in_irq;

static struct target targets[MAX_TARGETS];
static uint32_t ntargets; /* published with release */

static int arm(struct source *s, bool on)
{
	struct epoll_event ev = { .events = on ? EPOLLIN : 0,
				  .data.u32 = s->xirq };

	return epoll_ctl(epfd, EPOLL_CTL_MOD, s->fd, &ev);
}

/* Unlink and free the detached handlers of an idle source. */
static void reap(struct source *s)
{
	struct handler **pp = &s->handlers, *h;

	while ((h = *pp)) {
		if (h->dead) {
			*pp = h->next;
			free(h);
		} else {
			pp = &h->next;
		}
	}
}

/* Run the handlers of `s` once, if triggered. Called with `lock` held. */
static bool service(struct source *s)
{
	struct handler *h;
	uint64_t cnt;

	if (s->masked || read(s->fd, &cnt, sizeof(cnt)) != sizeof(cnt))
		return false;
	s->in_service = true;
	for (h = s->handlers; h; h = h->next) {
		if (h->dead)
			continue;
		pthread_mutex_unlock(&lock);
		h->fn(h->cookie, s->xirq);
		pthread_mutex_lock(&lock);
	}
	if (s->xirq < nkddi.xirq_limit)
		nkddi.xirq_stats[s->xirq]++;
	s->in_service = false;
	reap(s);
	pthread_cond_broadcast(&service_done);
	return true;
}

static void *irq_main(void *arg)
{
	struct epoll_event evs[16];

	(void)arg;
	in_irq = true;
	for (;;) {
		int n = epoll_wait(epfd, evs, 16, -1), i;

		if (n < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			NkXIrq x = evs[i].data.u32;

			pthread_mutex_lock(&lock);
			/* A direct waiter took the source after epoll_wait. */
			if (x < nkddi.xirq_limit && sources[x] &&
			    !sources[x]->direct)
				service(sources[x]);
			pthread_mutex_unlock(&lock);
		}
	}
	return NULL;
}

/* Create a source for `xirq` waiting on `fd`. Called with `lock` held. */
static struct source *source_add(NkXIrq xirq, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = xirq };
	struct source *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->xirq = xirq;
	s->fd = fd;
	s->kick_fd = -1;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(s);
		return NULL;
	}
	sources[xirq] = s;
	return s;
}

int nkddi_xirq_start(void)
{
	int err;

	sources = calloc(nkddi.xirq_limit, sizeof(*sources));
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!sources || epfd < 0 || !nkddi.xirq_limit)
		return -ENOMEM;
	if (!source_add(NK_XIRQ_SYSCONF, nkddi.sysconf_fd))
		return -errno;
	err = pthread_create(&irq_thread, NULL, irq_main, NULL);
	if (err)
		return -err;
	pthread_detach(irq_thread);
	return 0;
}

NkXIrqId nkddi_xirq_attach(NkXIrq xirq, NkXIrqHandler fn, void *cookie)
{
	struct nkhv_req_xirq req = { .xirq = xirq };
	struct handler *h;
	struct source *s;
	int fd = -1, err;

	if (!fn || xirq >= nkddi.xirq_limit) {
		nkddi_set_error("attach: XIRQ %u out of range 0..%u", xirq,
				nkddi.xirq_limit - 1);
		return NULL;
	}
	pthread_mutex_lock(&lock);
	s = sources[xirq];
	pthread_mutex_unlock(&lock);
	if (!s) {
		err = nkddi_rpc(NKHV_MSG_XIRQ_SOURCE, &req, sizeof(req), NULL,
				0, &fd);
		if (err || fd < 0) {
			nkddi_set_error(
				"attach: XIRQ %u is not allocated to this VM (%s)",
				xirq, strerror(err ? -err : EPROTO));
			return NULL;
		}
	}
	h = calloc(1, sizeof(*h));
	pthread_mutex_lock(&lock);
	s = sources[xirq];
	if (!s && h)
		s = source_add(xirq, fd);
	else if (fd >= 0)
		close(fd);
	if (!s || !h) {
		pthread_mutex_unlock(&lock);
		free(h);
		nkddi_set_error("attach: out of memory");
		return NULL;
	}
	h->src = s;
	h->fn = fn;
	h->cookie = cookie;
	h->next = s->handlers;
	s->handlers = h;
	pthread_mutex_unlock(&lock);
	return h;
}

void nkddi_xirq_detach(NkXIrqId id)
{
	struct handler *h = id;
	struct source *s;

	if (!h)
		return;
	pthread_mutex_lock(&lock);
	s = h->src;
	h->dead = true;
	/* On return the handler must not be running (unless we are it). */
	while (s->in_service && !in_irq)
		pthread_cond_wait(&service_done, &lock);
	if (!s->in_service)
		reap(s);
	pthread_mutex_unlock(&lock);
}

static struct source *own_source(NkXIrq xirq, const char *what)
{
	if (xirq < nkddi.xirq_limit && sources[xirq])
		return sources[xirq];
	nkddi_set_error("%s: XIRQ %u has no handler attached", what, xirq);
	return NULL;
}

void nkddi_xirq_mask(NkXIrq xirq)
{
	struct source *s;

	pthread_mutex_lock(&lock);
	s = own_source(xirq, "mask");
	if (s && !s->masked) {
		s->masked = true;
		arm(s, false);
	}
	pthread_mutex_unlock(&lock);
}

/* End the wait of a direct waiter of `s` (now or its next one). */
static void kick(struct source *s)
{
	uint64_t one = 1;

	if (s->kick_fd < 0)
		s->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->kick_fd < 0 || write(s->kick_fd, &one, sizeof(one)) < 0)
		nkddi_set_error("XIRQ %u: cannot wake its waiter: %s", s->xirq,
				strerror(errno));
}

void nkddi_xirq_unmask(NkXIrq xirq)
{
	struct source *s;

	pthread_mutex_lock(&lock);
	s = own_source(xirq, "unmask");
	if (s && s->masked) {
		s->masked = false;
		if (s->direct)
			kick(s); /* its waiter now waits on the source too */
		else
			arm(s, true);
	}
	pthread_mutex_unlock(&lock);
}

int nkddi_xirq_masked(NkXIrq xirq)
{
	struct source *s;
	int m = 0;

	pthread_mutex_lock(&lock);
	s = xirq < nkddi.xirq_limit && sources ? sources[xirq] : NULL;
	if (s)
		m = s->masked || s->in_service;
	pthread_mutex_unlock(&lock);
	return m;
}

/* Run the handlers of `s` in this thread if it was triggered; `lock` held. */
static int service_here(struct source *s)
{
	bool was_irq = in_irq;
	int ran;

	/* The interrupt thread may still be running them: one at a time. */
	while (s->in_service)
		pthread_cond_wait(&service_done, &lock);
	in_irq = true;
	ran = service(s);
	in_irq = was_irq;
	return ran;
}

/* May this thread wait on XIRQ `xirq` itself? Called with `lock` held. */
static struct source *direct_source(NkXIrq xirq)
{
	struct source *s = own_source(xirq, "wait");

	if (!s)
		return NULL;
	if (s->direct) {
		nkddi_set_error("wait: XIRQ %u already has a waiting thread",
				xirq);
		return NULL;
	}
	if (s->kick_fd < 0)
		s->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->kick_fd < 0) {
		nkddi_set_error("wait: XIRQ %u: %s", xirq, strerror(errno));
		return NULL;
	}
	return s;
}

/* Consume the kicks that ended a wait (only the waiter reads them). */
static void drain_kicks(struct source *s)
{
	uint64_t cnt;

	if (read(s->kick_fd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
		nkddi_set_error("wait: XIRQ %u: %s", s->xirq, strerror(errno));
}

int nkddi_xirq_wait(NkXIrq xirq, int timeout_ms)
{
	struct pollfd pfd[2] = { { .events = POLLIN }, { .events = POLLIN } };
	struct source *s;
	int ran = 0;

	if (in_irq) {
		nkddi_set_error("wait: XIRQ %u: called from a handler", xirq);
		return -1;
	}
	pthread_mutex_lock(&lock);
	s = direct_source(xirq);
	if (!s) {
		pthread_mutex_unlock(&lock);
		return -1;
	}
	s->direct = true;
	if (!s->masked)
		arm(s, false);
	/* Masked: only a kick (unmask, nkddi_xirq_wake) ends the wait. */
	pfd[0].fd = s->masked ? -1 : s->fd;
	pfd[1].fd = s->kick_fd;
	pthread_mutex_unlock(&lock);

	if (poll(pfd, 2, timeout_ms) > 0 && (pfd[1].revents & POLLIN))
		drain_kicks(s);

	pthread_mutex_lock(&lock);
	if (pfd[0].revents & POLLIN)
		ran = service_here(s);
	s->direct = false;
	if (!s->masked)
		arm(s, true);
	pthread_mutex_unlock(&lock);
	return ran;
}

void nkddi_xirq_wake(NkXIrq xirq)
{
	struct source *s;

	pthread_mutex_lock(&lock);
	s = own_source(xirq, "wake");
	if (s)
		kick(s);
	pthread_mutex_unlock(&lock);
}

int nkddi_in_interrupt(void)
{
	return in_irq;
}

/*
 * The eventfd for XIRQ `xirq` of VM `osid`, asking nkhv on first use and
 * caching it. *temp is set when the cache is full: close it after use.
 */
static int target_fd(NkXIrq xirq, NkOsId osid, bool *temp)
{
	struct nkhv_req_xirq req = { .xirq = xirq, .osid = osid };
	uint32_t i, n = __atomic_load_n(&ntargets, __ATOMIC_ACQUIRE);
	int fd, err;

	*temp = false;
	for (i = 0; i < n; i++)
		if (targets[i].xirq == xirq && targets[i].osid == osid)
			return targets[i].fd;
	err = nkddi_rpc(NKHV_MSG_XIRQ_TARGET, &req, sizeof(req), NULL, 0, &fd);
	if (err || fd < 0) {
		nkddi_set_error("trigger: XIRQ %u of os %u refused (%s)", xirq,
				osid, strerror(err ? -err : EPROTO));
		return -1;
	}
	pthread_mutex_lock(&lock);
	n = ntargets;
	for (i = 0; i < n; i++) {
		if (targets[i].xirq == xirq && targets[i].osid == osid) {
			close(fd);
			fd = targets[i].fd;
			break;
		}
	}
	if (i == n && n < MAX_TARGETS) {
		targets[n].osid = osid;
		targets[n].xirq = xirq;
		targets[n].fd = fd;
		__atomic_store_n(&ntargets, n + 1, __ATOMIC_RELEASE);
	} else if (i == n) {
		*temp = true;
	}
	pthread_mutex_unlock(&lock);
	return fd;
}

void nkddi_xirq_trigger(NkXIrq xirq, NkOsId osid)
{
	struct nkhv_req_xirq req = { .xirq = xirq, .osid = osid };
	uint64_t one = 1;
	bool temp;
	int fd, err;

	if (xirq == NK_XIRQ_SYSCONF) {
		err = nkddi_rpc(NKHV_MSG_SYSCONF, &req, sizeof(req), NULL, 0,
				NULL);
		if (err)
			nkddi_set_error(
				"trigger: SYSCONF to os %u refused (%s)", osid,
				strerror(-err));
		return;
	}
	fd = target_fd(xirq, osid, &temp);
	if (fd < 0)
		return;
	if (write(fd, &one, sizeof(one)) != sizeof(one))
		nkddi_set_error("trigger: XIRQ %u of os %u: %s", xirq, osid,
				strerror(errno));
	if (temp)
		close(fd);
}
