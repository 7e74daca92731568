// SPDX-License-Identifier: GPL-2.0-only
/*
 * Seed corpus for fuzz_ring: valid rings written by the real producer,
 * one per policy, wrapped around, with pads. Usage: make_ring_seeds DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <earlydata/ring_io.h>

#define DATA 8192u

int main(int argc, char **argv)
{
	static unsigned char pmem[ED_RING_DATA_OFF + DATA], payload[256];
	struct ed_producer p;
	struct ed_consumer c;
	struct ed_msg m;
	char path[512];
	int pol, i, notify;
	FILE *f;

	if (argc != 2)
		return 2;
	for (pol = 0; pol < 3; pol++) {
		memset(pmem, 0, sizeof(pmem));
		ed_producer_attach(&p, pmem, sizeof(pmem), DATA, 256,
				   (nku32_f)pol, 1);
		ed_consumer_open(&c, pmem, sizeof(pmem));
		for (i = 0; i < 200; i++) {
			memset(payload, i, sizeof(payload));
			ed_producer_write(&p, (nku16_f)i, payload,
					  (nku32_f)(i * 53 % 256), (nku64_f)i,
					  NULL, &notify);
			if (i % 3 == 0)
				ed_consumer_read(&c, &m, payload,
						 sizeof(payload), &notify);
		}
		snprintf(path, sizeof(path), "%s/ring-policy%d", argv[1], pol);
		f = fopen(path, "wb");
		if (!f || fwrite(pmem, sizeof(pmem), 1, f) != 1)
			return 1;
		fclose(f);
	}
	return 0;
}
