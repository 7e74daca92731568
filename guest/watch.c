// SPDX-License-Identifier: GPL-2.0-only
/*
 * Noticing that nkhv is gone. A thread sleeps in poll() on the VM socket
 * asking only for its end (POLLRDHUP; POLLHUP and POLLERR come anyway), so
 * it never takes a reply meant for a request. When nkhv exits or is
 * killed, the kernel closes its end at once: the thread marks the link to
 * the hypervisor lost and raises this VM's SYSCONF itself, so that every
 * driver looks at its links and every waiter wakes up. What is mapped
 * stays mapped (reads of what is there still work); nothing reaches a
 * peer any more, and every later request fails.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

#include <nkddi/nkddi.h>

#include "internal.h"

static int hv_lost;

int nkddi_hv_lost(void)
{
	return __atomic_load_n(&hv_lost, __ATOMIC_ACQUIRE);
}

/* Mark nkhv lost (once) and raise SYSCONF in this VM. */
void nkddi_mark_hv_lost(void)
{
	uint64_t one = 1;

	if (__atomic_exchange_n(&hv_lost, 1, __ATOMIC_ACQ_REL))
		return;
	if (nkddi.sysconf_fd >= 0 &&
	    write(nkddi.sysconf_fd, &one, sizeof(one)) < 0) {
		/* the interrupt thread is gone too: nothing to wake */
	}
}

static void *watch_main(void *arg)
{
	struct pollfd p = { .fd = (int)(intptr_t)arg, .events = POLLRDHUP };

	for (;;) {
		int n = poll(&p, 1, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (p.revents & (POLLRDHUP | POLLHUP | POLLERR |
					   POLLNVAL)))
			break;
	}
	nkddi_mark_hv_lost();
	return NULL;
}

int nkddi_watch_start(int sock)
{
	pthread_t t;
	int err = pthread_create(&t, NULL, watch_main, (void *)(intptr_t)sock);

	if (err)
		return -err;
	pthread_detach(t);
	return 0;
}
