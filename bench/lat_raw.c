// SPDX-License-Identifier: GPL-2.0-only
/*
 * Wake-up latency of the kernel's own mechanisms between two processes,
 * measured like lat_earlydata:
 *
 *   lat_raw eventfd|eventfd-poll|futex|pipe|shm sleep|poll SIZE COUNT
 *   lat_raw shm poll-hot SIZE COUNT
 *
 * eventfd: the producer (CPU 0) stores its send time in a shared page and
 * writes the eventfd; the consumer (CPU 1) reads it, blocking (sleep) or
 * non-blocking in a loop (poll). eventfd-poll (sleep only): the eventfd
 * is non-blocking, the consumer sleeps in poll() and then reads it, as a
 * reader must whose eventfd others share (an XIRQ's). futex: the
 * producer bumps a shared word and wakes; the consumer waits in
 * FUTEX_WAIT (sleep only). pipe: the send time travels in a SIZE-byte
 * message that the consumer reads whole. shm (poll only): the producer
 * stores its send time and then, with release, the sample's count in one
 * cache line of a shared page; the consumer spins on the count
 * (acquire): a message of one line crossing and nothing else, sent with
 * the same spacing as the other samples. poll-hot (shm only): the
 * producer spins through the gap instead of sleeping (bench_gap_spin),
 * as lat_earlydata poll-hot does.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench_common.h"

#define WARMUP 200
#define GAP_US 100

enum kind { K_EVENTFD, K_EVENTFD_POLL, K_FUTEX, K_PIPE, K_SHM };

static long futex(volatile uint64_t *w, int op, uint32_t val)
{
	/* the low 32 bits of the word (little-endian) */
	return syscall(SYS_futex, (uint32_t *)w, op, val, NULL, NULL, 0);
}

/* Wait for message i; returns its send time, 0 on error. */
static uint64_t receive(enum kind k, int busy, int fd, struct bench_ctl *ctl,
			unsigned char *buf, uint32_t size, uint64_t i)
{
	uint64_t v, t0;
	size_t got;
	ssize_t n;

	switch (k) {
	case K_EVENTFD:
		while (read(fd, &v, sizeof(v)) != sizeof(v))
			if (!busy)
				return 0;
		return ctl->send_ns;
	case K_EVENTFD_POLL:
		while (read(fd, &v, sizeof(v)) != sizeof(v)) {
			struct pollfd p = { .fd = fd, .events = POLLIN };

			if (errno != EAGAIN || poll(&p, 1, -1) < 0)
				return 0;
		}
		return ctl->send_ns;
	case K_FUTEX:
		while (__atomic_load_n(&ctl->go, __ATOMIC_ACQUIRE) <= i)
			futex(&ctl->go, FUTEX_WAIT, (uint32_t)i);
		return ctl->send_ns;
	case K_PIPE:
		for (got = 0; got < size; got += (size_t)n) {
			n = read(fd, buf + got, size - got);
			if (n <= 0 && !busy)
				return 0;
			if (n < 0)
				n = 0;
		}
		memcpy(&t0, buf, sizeof(t0));
		return t0;
	case K_SHM:
		while (__atomic_load_n(&ctl->slot[0], __ATOMIC_ACQUIRE) <= i)
			bench_cpu_relax();
		return ctl->slot[1];
	}
	return 0;
}

static void send_one(enum kind k, int fd, struct bench_ctl *ctl,
		     unsigned char *buf, uint32_t size, uint64_t i)
{
	uint64_t one = 1, t0 = bench_now_ns();
	size_t off;
	ssize_t n;

	switch (k) {
	case K_EVENTFD:
	case K_EVENTFD_POLL:
		ctl->send_ns = t0;
		if (write(fd, &one, sizeof(one)) != sizeof(one))
			exit(1);
		break;
	case K_FUTEX:
		ctl->send_ns = t0;
		__atomic_store_n(&ctl->go, i + 1, __ATOMIC_RELEASE);
		futex(&ctl->go, FUTEX_WAKE, 1);
		break;
	case K_PIPE:
		memcpy(buf, &t0, sizeof(t0));
		for (off = 0; off < size; off += (size_t)n) {
			n = write(fd, buf + off, size - off);
			if (n <= 0)
				exit(1);
		}
		break;
	case K_SHM:
		ctl->slot[1] = t0;
		__atomic_store_n(&ctl->slot[0], i + 1, __ATOMIC_RELEASE);
		break;
	}
}

int main(int argc, char **argv)
{
	struct bench_ctl *ctl = bench_ctl_new();
	uint32_t size = argc == 5 ? bench_parse_size(argv[3]) : 0;
	uint64_t count = argc == 5 ? strtoull(argv[4], NULL, 0) : 0, i, t0;
	int busy, hot, fds[2] = { -1, -1 }, rfd = -1, wfd = -1;
	uint64_t *lat;
	unsigned char *buf;
	enum kind k;
	pid_t pid;

	if (argc != 5 || size < 8 || !count ||
	    (strcmp(argv[2], "sleep") && strcmp(argv[2], "poll") &&
	     strcmp(argv[2], "poll-hot")))
		goto usage;
	hot = !strcmp(argv[2], "poll-hot");
	busy = hot || !strcmp(argv[2], "poll");
	if (!strcmp(argv[1], "eventfd"))
		k = K_EVENTFD;
	else if (!strcmp(argv[1], "eventfd-poll") && !busy)
		k = K_EVENTFD_POLL;
	else if (!strcmp(argv[1], "futex") && !busy)
		k = K_FUTEX;
	else if (!strcmp(argv[1], "pipe"))
		k = K_PIPE;
	else if (!strcmp(argv[1], "shm") && busy)
		k = K_SHM;
	else
		goto usage;
	if (hot && k != K_SHM)
		goto usage;
	if (k == K_EVENTFD || k == K_EVENTFD_POLL) {
		rfd = wfd = eventfd(
			0, busy || k == K_EVENTFD_POLL ? EFD_NONBLOCK : 0);
	} else if (k == K_PIPE) {
		if (pipe(fds))
			return 1;
		rfd = fds[0];
		wfd = fds[1];
		if (busy)
			fcntl(rfd, F_SETFL, O_NONBLOCK);
	}
	buf = malloc(size);
	lat = calloc(count, sizeof(*lat));
	if (!buf || !lat)
		return 1;
	bench_fill(buf, size, 11);
	pid = fork();
	if (!pid) {
		bench_pin(1);
		for (i = 0; i < WARMUP + count; i++) {
			t0 = receive(k, busy, rfd, ctl, buf, size, i);
			if (!t0)
				_exit(1);
			if (i >= WARMUP)
				lat[i - WARMUP] = bench_now_ns() - t0;
			__atomic_store_n(&ctl->ack, i + 1, __ATOMIC_RELEASE);
		}
		bench_report_lat(argv[1], argv[2], "write-to-wake",
				 k == K_PIPE ? size : 0, lat, count);
		_exit(0);
	}
	bench_pin(0);
	for (i = 0; i < WARMUP + count; i++) {
		if (hot)
			bench_gap_spin(GAP_US);
		else
			bench_gap(GAP_US);
		send_one(k, wfd, ctl, buf, size, i);
		bench_wait_flag(&ctl->ack, i + 1);
	}
	return bench_wait_child(pid) ? 1 : 0;
usage:
	fprintf(stderr, "usage: lat_raw eventfd|pipe sleep|poll SIZE COUNT\n"
			"       lat_raw eventfd-poll|futex sleep SIZE COUNT\n"
			"       lat_raw shm poll|poll-hot SIZE COUNT\n");
	return 2;
}
