// SPDX-License-Identifier: GPL-2.0-only
/*
 * LD_PRELOAD shim for `earlydata consume --dlt`: kill -9 the consumer at
 * the worst moments for its exactly-once promise, deterministically.
 *
 *	DLT_KILL_AT=dlt:N	right after the N-th DLT message reached the
 *				file, before its journal line
 *	DLT_KILL_AT=journal:N	right after the N-th journal line, before
 *				the record is committed
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
	static long dlts, lines;
	const char *at = getenv("DLT_KILL_AT");
	ssize_t r;

	if (!real)
		real = (write_fn)dlsym(RTLD_NEXT, "write");
	r = real(fd, buf, n);
	if (fd <= 2 || !at || r != (ssize_t)n)
		return r;
	if (n >= 4 && !memcmp(buf, "DLT\1", 4) && !strncmp(at, "dlt:", 4) &&
	    ++dlts == atol(at + 4))
		raise(SIGKILL);
	if (memmem(buf, n, "\"end\":", 6) && !strncmp(at, "journal:", 8) &&
	    ++lines == atol(at + 8))
		raise(SIGKILL);
	return r;
}
