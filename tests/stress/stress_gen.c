// SPDX-License-Identifier: GPL-2.0-only
/*
 * Records for `earlydata produce --raw`, as fast as the pipe takes them:
 * the self-checking payload of `earlydata produce --generate` (so that
 * tests/system/verify_stream accepts them) with two more fields, the
 * producer run and a pad whose length and letters follow from the run and
 * the record number, up to record_max bytes in all:
 *
 *	{"ch":"NAME","n":k,"fill":"...","run":R,"pad":"..."}
 *
 * Many records are small, many near record_max (about half the ring on
 * the stress channels). tests/stress/stress_verify checks them.
 *
 * usage: stress_gen CHANNEL RUN RECORD_MAX [COUNT]   (COUNT: default
 * unlimited; stops quietly when the reader goes away)
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <earlydata/ed_generate.h>

#include "stress_payload.h"

int main(int argc, char **argv)
{
	long long run, count = -1, k;
	long rmax;
	char *line, *end;
	size_t cap;
	int n;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: %s CHANNEL RUN RECORD_MAX [COUNT]\n",
			argv[0]);
		return 2;
	}
	run = strtoll(argv[2], &end, 0);
	if (*end || run < 0)
		goto bad;
	rmax = strtol(argv[3], &end, 0);
	if (*end || rmax < 1 || rmax > 16 * 1024 * 1024)
		goto bad;
	if (argc == 5) {
		count = strtoll(argv[4], &end, 0);
		if (*end || count < 0)
			goto bad;
	}
	cap = (size_t)rmax + 256;
	line = malloc(cap);
	if (!line)
		return 1;
	signal(SIGPIPE, SIG_DFL); /* a killed producer ends us */
	for (k = 0; count < 0 || k < count; k++) {
		n = stress_payload(line, cap, argv[1], run, k, rmax);
		if (n < 0) {
			fprintf(stderr,
				"%s: record_max %ld is too small for the "
				"payload of record %lld\n",
				argv[0], rmax, k);
			return 1;
		}
		line[n++] = '\n';
		if (fwrite(line, 1, (size_t)n, stdout) != (size_t)n)
			return errno == EPIPE ? 0 : 1;
	}
	free(line);
	return fflush(stdout) && errno != EPIPE ? 1 : 0;
bad:
	fprintf(stderr, "%s: bad argument\n", argv[0]);
	return 2;
}
