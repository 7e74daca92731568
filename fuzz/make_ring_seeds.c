// SPDX-License-Identifier: GPL-2.0-only
/*
 * Seed corpus for fuzz_ring: valid rings written by the real producer,
 * for each policy and a few data sizes, wrapped around (with pad records
 * and skipped tails), with and without a consumer that has read part of
 * them. Each file is the PMEM image followed by a script of SCRIPT bytes
 * in the format fuzz_ring.c reads. Usage: make_ring_seeds DIR
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <earlydata/ring_io.h>

#define SCRIPT 1024u /* fuzz_ring.c: SCRIPT_MAX */
#define RMAX 256u

/* Consumer calls (op, argument), then the producer's policy and writes. */
static size_t make_script(uint8_t *s, uint32_t policy)
{
	size_t n = 0;
	int i;

	for (i = 0; i < 64; i++) {
		if (i < 8) {
			s[n++] = 2; /* peek + commit */
		} else if (i == 30) {
			s[n++] = 6; /* rewind */
		} else if (i == 40) {
			s[n++] = 4; /* arm */
		} else if (i == 41) {
			s[n++] = 5; /* backlog */
		} else if (i == 50) {
			s[n++] = 1; /* peek, commit in the next call */
			s[n++] = 3;
			i++;
		} else {
			s[n++] = 0; /* read, full buffer */
			s[n++] = 0;
		}
	}
	s[n++] = (uint8_t)policy;
	for (i = 0; i < 48; i++)
		s[n++] = (uint8_t)(i * 37 % 128); /* lengths, no ctl change */
	return n;
}

static int seed(const char *dir, nku64_f ds, uint32_t policy, int reader)
{
	size_t psize = ed_ring_pmem_size(ds);
	uint8_t *pmem = calloc(1, psize + SCRIPT);
	static uint8_t payload[RMAX], buf[RMAX];
	struct ed_producer p;
	struct ed_consumer c;
	struct ed_msg m;
	char path[512];
	nku64_f i, n = 3 * ds / 150;
	int notify, ok = 0;
	FILE *f;

	if (!pmem)
		return -1;
	if (ed_producer_attach(&p, pmem, psize, ds, RMAX, policy, 1, 1) < 0)
		goto out;
	ed_consumer_open(&c, pmem, psize);
	for (i = 0; i < n; i++) {
		memset(payload, (int)i, sizeof(payload));
		ed_producer_write(&p, (nku16_f)(i % 7), payload,
				  (nku32_f)(i * 53 % (RMAX + 1)), i * 1000,
				  NULL, &notify);
		if (reader && i % 3 == 0)
			ed_consumer_read(&c, &m, buf, sizeof(buf), &notify);
	}
	make_script(pmem + psize, policy);
	snprintf(path, sizeof(path), "%s/ring-%llu-p%u-%s", dir,
		 (unsigned long long)ds, policy, reader ? "read" : "unread");
	f = fopen(path, "wb");
	if (!f)
		goto out;
	ok = fwrite(pmem, psize + SCRIPT, 1, f) == 1;
	ok = !fclose(f) && ok;
out:
	free(pmem);
	return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
	static const nku64_f sizes[] = { 4096, 8192, 65536 };
	uint32_t pol;
	unsigned int k;
	int reader;

	if (argc != 2) {
		fprintf(stderr, "usage: make_ring_seeds DIR\n");
		return 2;
	}
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
		for (pol = 0; pol <= ED_POLICY_OVERWRITE_OLDEST; pol++)
			for (reader = 0; reader < 2; reader++)
				if (seed(argv[1], sizes[k], pol, reader)) {
					perror(argv[1]);
					return 1;
				}
	return 0;
}
