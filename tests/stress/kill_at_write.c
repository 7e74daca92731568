// SPDX-License-Identifier: GPL-2.0-only
/*
 * LD_PRELOAD shim for `earlydata consume --output`: kill -9 the consumer
 * at the worst moments for its exactly-once promise, deterministically.
 *
 *	STRESS_KILL_AT=loss	as it is about to write a loss line (the
 *				driver has already taken the loss event)
 *	STRESS_KILL_AT=record	right after it wrote a record's line, before
 *				the record is committed
 *
 * Only writes to descriptors above 2 (the output file) are looked at.
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef ssize_t (*write_fn)(int, const void *, size_t);

ssize_t write(int fd, const void *buf, size_t n)
{
	static write_fn real;
	const char *at = getenv("STRESS_KILL_AT");
	ssize_t r;

	if (!real)
		real = (write_fn)dlsym(RTLD_NEXT, "write");
	if (fd <= 2 || !at)
		return real(fd, buf, n);
	if (!strcmp(at, "loss") && memmem(buf, n, "\"loss\":", 7))
		raise(SIGKILL);
	r = real(fd, buf, n);
	if (!strcmp(at, "record") && memmem(buf, n, "\"seq\":", 6))
		raise(SIGKILL);
	return r;
}
