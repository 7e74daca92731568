// SPDX-License-Identifier: GPL-2.0-only
/*
 * nkhv's event loop: one listening SOCK_SEQPACKET socket per VM
 * (DIR/vm<ID>.sock, conn.c), the status socket (DIR/nkhv.sock, ctl.c),
 * the ivshmem sockets, doorbells and XIRQs of QEMU VMs (port_server.c)
 * and a timer for timeouts and the heartbeat of QEMU VMs. Nothing in the
 * loop blocks: all sockets are non-blocking and what cannot be sent at
 * once waits in the connection it belongs to, within a bound.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "nkhv.h"

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

int hv_epoll_mod(struct hv *hv, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event ev = { .events = events, .data.u64 = data };

	return epoll_ctl(hv->epoll_fd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

/* Stop or resume waking up for new connections on every socket. */
static void listeners_watch(struct hv *hv, bool on)
{
	uint32_t ev = on ? EPOLLIN : 0, i, n;

	hv->accept_paused = !on;
	for (i = 0; i < hv->sys.nvms; i++) {
		struct hv_port *p = &hv->vms[i].port;

		if (hv->vms[i].listen_fd >= 0)
			hv_epoll_mod(hv, hv->vms[i].listen_fd, ev,
				     hv_ev_data(HV_EV_LISTEN, i));
		for (n = 0; n < NKHV_PORT_REGIONS; n++)
			if (hv->sys.vms[i].kind == NKHV_VM_LINUX &&
			    n < p->nregions && p->listen_fd[n] >= 0)
				hv_epoll_mod(hv, p->listen_fd[n], ev,
					     hv_ev_data(HV_EV_IVS_LISTEN,
							i << 8 | n));
	}
	if (hv->ctl_fd >= 0)
		hv_epoll_mod(hv, hv->ctl_fd, ev, hv_ev_data(HV_EV_CTL, 0));
}

/*
 * Accept a connection on `listen_fd` (non-blocking, close-on-exec), or
 * return -1. Out of descriptors (EMFILE/ENFILE), the connection is
 * accepted with the spare descriptor and closed at once: left pending,
 * it would wake the level-triggered loop again and again. When even that
 * fails, nkhv stops listening until the next tick (HV_TICK_NS).
 */
int hv_accept(struct hv *hv, int listen_fd)
{
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

	if (fd >= 0 || (errno != EMFILE && errno != ENFILE))
		return fd;
	hv->cstats.accept_failures++;
	if (hv->cstats.accept_failures == 1 ||
	    hv->cstats.accept_failures % 1000 == 0)
		hv_log("out of file descriptors (%s): connection dropped "
		       "(%llu so far)",
		       strerror(errno),
		       (unsigned long long)hv->cstats.accept_failures);
	fd = -1;
	if (hv->spare_fd >= 0) {
		close(hv->spare_fd);
		fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			close(fd);
		hv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	if (fd < 0 || hv->spare_fd < 0)
		listeners_watch(hv, false);
	return -1;
}

/* Run the timer every `period_ns` from now on, unless it already does. */
static int timer_period(struct hv *hv, uint64_t period_ns)
{
	struct itimerspec its = {
		.it_interval = { .tv_sec = (time_t)(period_ns / 1000000000u),
				 .tv_nsec = (long)(period_ns % 1000000000u) },
		.it_value = { .tv_sec = (time_t)(period_ns / 1000000000u),
			      .tv_nsec = (long)(period_ns % 1000000000u) },
	};

	if (hv->timer_period_ns == period_ns)
		return 0;
	if (timerfd_settime(hv->timer_fd, 0, &its, NULL))
		return -errno;
	hv->timer_period_ns = period_ns;
	return 0;
}

static int timer_open(struct hv *hv)
{
	int err;

	hv->timer_fd = timerfd_create(CLOCK_MONOTONIC,
				      TFD_CLOEXEC | TFD_NONBLOCK);
	if (hv->timer_fd < 0)
		return -errno;
	hv->timer_period_ns = 0;
	hv->housekeeping_ns = hv_now_ns();
	err = timer_period(hv, HV_TICK_NS);
	return err ? err : hv_epoll_add(hv, hv->timer_fd,
					hv_ev_data(HV_EV_TIMER, 0));
}

/*
 * A QEMU VM is connected: its heartbeat must start now (its guest counts
 * the silence from its first look), and the timer runs at HV_BEAT_NS
 * until no QEMU VM is left.
 */
void hv_timer_beat(struct hv *hv)
{
	int err;

	hv_port_beat(hv);
	hv->beat_ns = hv_now_ns();
	err = timer_period(hv, HV_BEAT_NS);
	if (err)
		hv_log("cannot run the heartbeat timer: %s", strerror(-err));
}

/*
 * Every HV_BEAT_NS while QEMU VMs are connected (their heartbeat), else
 * every HV_TICK_NS; the timeouts are checked every HV_TICK_NS.
 */
static void timer_tick(struct hv *hv)
{
	uint64_t n, now = hv_now_ns();
	uint32_t vms;

	if (read(hv->timer_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	vms = hv_port_beat(hv);
	/*
	 * A beat this late (nkhv itself held up: a loaded host) may make a
	 * guest take nkhv for gone (NKHV_PORT_LOST_MS): say so, to tell such
	 * a false alarm from a guest's fault.
	 */
	if (vms && hv->beat_ns &&
	    now - hv->beat_ns > (uint64_t)NKHV_PORT_LOST_MS * 1000000u * 2 / 3)
		hv_log("heartbeat: %llu ms since the previous beat",
		       (unsigned long long)((now - hv->beat_ns) / 1000000u));
	hv->beat_ns = vms ? now : 0;
	timer_period(hv, vms ? HV_BEAT_NS : HV_TICK_NS);
	/* Half a beat of slack: a tick a little early is still due. */
	if (now - hv->housekeeping_ns + HV_BEAT_NS / 2 < HV_TICK_NS)
		return;
	hv->housekeeping_ns = now;
	hv_conns_tick(hv, now);
	hv_ctl_tick(hv, now);
	if (hv->accept_paused) {
		if (hv->spare_fd < 0)
			hv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		listeners_watch(hv, true);
	}
}

int hv_server_open(struct hv *hv)
{
	char name[32];
	sigset_t mask;
	uint32_t i;
	int fd, err;

	hv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	for (i = 0; i < HV_CTL_CLIENTS; i++)
		hv->ctl[i].fd = -1;
	err = hv_conns_open(hv);
	if (err)
		return err;
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
	if (!err)
		err = timer_open(hv);
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

	hv_conns_close(hv);
	hv_ctl_close(hv);
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
				hv_conn_accept(hv, idx);
				break;
			case HV_EV_CONN:
				hv_conn_event(hv, idx, evs[i].events);
				break;
			case HV_EV_CTL:
				hv_ctl_accept(hv);
				break;
			case HV_EV_CTL_CLIENT:
				hv_ctl_event(hv, idx, evs[i].events);
				break;
			case HV_EV_TIMER:
				timer_tick(hv);
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
