/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The payload of record k of producer run R written by stress_gen, and
 * checked byte for byte by stress_verify: the payload of `earlydata
 * produce --generate` (include/earlydata/ed_generate.h) with a run number
 * and a pad, at most record_max bytes:
 *
 *	{"ch":"NAME","n":k,"fill":"...","run":R,"pad":"..."}
 */
#ifndef STRESS_PAYLOAD_H
#define STRESS_PAYLOAD_H

#include <stdio.h>

#include <earlydata/ed_generate.h>

static inline unsigned long long stress_mix(unsigned long long x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Pad bytes of record k of run: none, any, or about all that fit. */
static inline long stress_pad_len(long long run, long long k, long avail)
{
	unsigned long long h = stress_mix((unsigned long long)run << 40 ^
					  (unsigned long long)k);
	unsigned int c = (unsigned int)(h % 10);

	h >>= 8;
	if (avail <= 0)
		return 0;
	if (c < 4)
		return 0;
	if (c < 7)
		return (long)(h % (unsigned long long)(avail + 1));
	return avail - (long)(h % 8 < (unsigned long long)avail ?
				      h % 8 :
				      (unsigned long long)avail);
}

static inline char stress_pad_char(long long run, long long k, long i)
{
	return (char)('A' + (unsigned long long)(run * 7 + k * 13 + i) % 26);
}

/*
 * Write the payload into buf (NUL-terminated); its length, or -1 when
 * record_max (or cap) cannot hold even an empty pad.
 */
static inline int stress_payload(char *buf, size_t cap, const char *ch,
				 long long run, long long k, long rmax)
{
	long avail, pad, i;
	int b, o;

	b = ed_gen_payload(buf, cap, ch, (long)k);
	if (b < 1 || (size_t)b >= cap)
		return -1;
	b--; /* over the closing brace */
	o = b +
	    snprintf(buf + b, cap - (size_t)b, ",\"run\":%lld,\"pad\":\"", run);
	if ((size_t)o >= cap)
		return -1;
	avail = rmax - o - 2; /* the closing quote and brace */
	if ((long)cap - o - 3 < avail)
		avail = (long)cap - o - 3;
	if (avail < 0)
		return -1;
	pad = stress_pad_len(run, k, avail);
	for (i = 0; i < pad; i++)
		buf[o + i] = stress_pad_char(run, k, i);
	o += (int)pad;
	buf[o++] = '"';
	buf[o++] = '}';
	buf[o] = 0;
	return o;
}

#endif /* STRESS_PAYLOAD_H */
