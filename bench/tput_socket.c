// SPDX-License-Identifier: GPL-2.0-only
/*
 * Throughput of the kernel's byte and record pipes between two processes:
 *
 *   tput_socket pipe|stream|seqpacket SIZE COUNT
 *
 * The producer (CPU 0) writes COUNT records of SIZE bytes, one write()
 * per record, as a producer emitting records one by one does. The
 * consumer (CPU 1) reads them into its own buffer: a pipe or a stream
 * socket is read in chunks of up to 64 KiB (the most favourable way for
 * fixed-size records), a seqpacket socket one record per recv().
 * Default buffer sizes, as a user gets them.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_common.h"

#define WARMUP 1000

static int open_pair(const char *kind, int fds[2])
{
	if (!strcmp(kind, "pipe"))
		return pipe(fds); /* fds[0] read end */
	if (!strcmp(kind, "stream"))
		return socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
	if (!strcmp(kind, "seqpacket"))
		return socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds);
	return -1;
}

/* Read `records` records of `size` bytes; 0 or -1. */
static int consume(int fd, int seq, uint32_t size, uint64_t records,
		   unsigned char *buf, size_t buflen)
{
	uint64_t want = records * size, got = 0;
	ssize_t n;

	while (got < want) {
		if (seq) {
			n = recv(fd, buf, size, 0);
			if (n != (ssize_t)size)
				return -1;
		} else {
			size_t ask = want - got < buflen ? want - got : buflen;

			n = read(fd, buf, ask);
			if (n <= 0)
				return -1;
		}
		got += (uint64_t)n;
	}
	return 0;
}

static int produce(int fd, uint32_t size, uint64_t records,
		   const unsigned char *buf)
{
	uint64_t i;
	ssize_t n;
	size_t off;

	for (i = 0; i < records; i++)
		for (off = 0; off < size; off += (size_t)n) {
			n = write(fd, buf + off, size - off);
			if (n <= 0)
				return -1;
		}
	return 0;
}

int main(int argc, char **argv)
{
	struct bench_ctl *ctl = bench_ctl_new();
	uint32_t size = argc == 4 ? bench_parse_size(argv[2]) : 0;
	uint64_t count = argc == 4 ? strtoull(argv[3], NULL, 0) : 0, c0;
	size_t buflen;
	unsigned char *buf;
	int fds[2], seq, rfd, wfd;
	pid_t pid;

	if (!size || !count || open_pair(argv[1], fds)) {
		fprintf(stderr,
			"usage: tput_socket pipe|stream|seqpacket SIZE COUNT\n");
		return 2;
	}
	seq = !strcmp(argv[1], "seqpacket");
	rfd = fds[0];
	wfd = fds[1];
	buflen = size > 65536 ? size : 65536;
	buf = malloc(buflen);
	if (!buf)
		return 1;
	bench_fill(buf, buflen, 7);
	pid = fork();
	if (!pid) {
		close(wfd);
		bench_pin(1);
		if (consume(rfd, seq, size, WARMUP, buf, buflen))
			_exit(1);
		c0 = bench_cpu_ns();
		__atomic_store_n(&ctl->ready, 1, __ATOMIC_RELEASE);
		if (consume(rfd, seq, size, count, buf, buflen))
			_exit(1);
		ctl->t_end = bench_now_ns();
		ctl->cons_cpu_ns = bench_cpu_ns() - c0;
		_exit(0);
	}
	close(rfd);
	bench_pin(0);
	if (produce(wfd, size, WARMUP, buf))
		return 1;
	bench_wait_flag(&ctl->ready, 1); /* warm-up consumed */
	c0 = bench_cpu_ns();
	ctl->t_start = bench_now_ns();
	if (produce(wfd, size, count, buf))
		return 1;
	c0 = bench_cpu_ns() - c0;
	if (bench_wait_child(pid)) {
		fprintf(stderr, "tput_socket: consumer failed\n");
		return 1;
	}
	bench_report_tput("throughput", argv[1], "copy", size, count,
			  ctl->t_end - ctl->t_start, c0, ctl->cons_cpu_ns);
	return 0;
}
