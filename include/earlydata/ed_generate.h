/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The self-checking payload of generated record k, as written by
 * `earlydata produce --generate` and the VM tests' writer, and checked by
 * tests/system/verify_stream: {"ch":"NAME","n":k,"fill":"..."} with a
 * fill whose length and letters follow from k.
 */
#ifndef EARLYDATA_ED_GENERATE_H
#define EARLYDATA_ED_GENERATE_H

#include <stdio.h>

static inline int ed_gen_payload(char *buf, size_t size, const char *ch,
				 long k)
{
	char fill[80];
	int i, n = (int)(k * 7 % 64);

	for (i = 0; i < n; i++)
		fill[i] = (char)('a' + (k + i) % 26);
	fill[n] = 0;
	return snprintf(buf, size, "{\"ch\":\"%s\",\"n\":%ld,\"fill\":\"%s\"}",
			ch, k, fill);
}

#endif /* EARLYDATA_ED_GENERATE_H */
