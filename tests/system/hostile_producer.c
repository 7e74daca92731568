// SPDX-License-Identifier: GPL-2.0-only
/*
 * A hostile producer VM for the Earlydata tests: it joins the producer's
 * VM without the driver and, for a given time, writes random and
 * adversarial values into the ring header, the consumer's control block
 * and the records of every earlydata vlink, and triggers the consumer's
 * XIRQs. Usage: hostile_producer RUN_DIR VM SECONDS SEED
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <earlydata/earlydata.h>
#include <nkddi/nkddi.h>

struct target {
	uint8_t *pmem;
	uint64_t size;
	NkXIrq data_x;
	NkOsId peer;
};

static uint64_t rnd(void)
{
	return ((uint64_t)rand() << 33) ^ ((uint64_t)rand() << 11) ^
	       (uint64_t)rand();
}

/* An adversarial 64-bit value: extremes, near-valid sizes, or noise. */
static uint64_t evil(uint64_t ds)
{
	static const uint64_t picks[] = { 0, 1, 7, 8, 32, 0x7fffffff,
					  0xffffffff, ~0ull, 1ull << 63 };

	switch (rand() % 4) {
	case 0:
		return picks[rand() % (int)(sizeof(picks) / sizeof(picks[0]))];
	case 1:
		return ds + (uint64_t)(rand() % 64) - 32;
	case 2:
		return rnd() % (4 * ds + 1);
	}
	return rnd();
}

static void attack(struct target *t)
{
	struct ed_ring_hdr *h = (struct ed_ring_hdr *)t->pmem;
	uint64_t ds = t->size - ED_RING_DATA_OFF, off;
	int i, n = 1 + rand() % 8;

	for (i = 0; i < n; i++) {
		switch (rand() % 10) {
		case 0:
			h->head = evil(ds) & ~7ull;
			break;
		case 1:
			h->tail = evil(ds);
			break;
		case 2:
			h->next_seq = evil(ds);
			break;
		case 3:
			h->data_size = evil(ds);
			break;
		case 4:
			h->record_max = (uint32_t)evil(ds);
			break;
		case 5:
			h->magic = rand() % 2 ? ED_RING_MAGIC : (uint32_t)rnd();
			h->epoch = rand() % 3 ? h->epoch : evil(ds);
			break;
		case 6: /* a plausible record header with bad fields */
			off = ED_RING_DATA_OFF + (rnd() % ds & ~7ull);
			if (off + ED_REC_HDR_SIZE <= t->size) {
				struct ed_rec_hdr r = {
					.len = (uint32_t)evil(ds),
					.type = (uint16_t)rnd(),
					.seq = evil(ds),
				};
				/* A matching CRC when the length allows one. */
				if (rand() % 2 &&
				    r.len <= t->size - off - ED_REC_HDR_SIZE &&
				    r.type != ED_REC_TYPE_PAD)
					r.crc = ed_rec_crc(&r, t->pmem + off +
								       ED_REC_HDR_SIZE);
				else
					r.crc = (uint32_t)rnd();
				memcpy(t->pmem + off, &r, sizeof(r));
			}
			break;
		case 7: /* random bytes anywhere in the data area */
			off = ED_RING_DATA_OFF + rnd() % ds;
			t->pmem[off] = (uint8_t)rnd();
			break;
		case 8: /* the consumer's own control block */
			((struct ed_cons_ctl *)(t->pmem + ED_CONS_CTL_OFF))
				->read_pos = evil(ds);
			break;
		default: /* a fully valid-looking header */
			h->version_major = ED_RING_VERSION_MAJOR;
			h->hdr_size = sizeof(*h);
			h->data_off = ED_RING_DATA_OFF;
			h->data_size = ds;
			h->record_max = 256;
			h->magic = ED_RING_MAGIC;
			break;
		}
	}
	nkops.nk_xirq_trigger(t->data_x, t->peer);
}

int main(int argc, char **argv)
{
	struct target t[ED_MAX_CHANNELS];
	NkPhAddr plink = 0, pa;
	NkDevVlink *vl;
	struct timespec now;
	time_t end;
	int n = 0, i;

	if (argc != 5) {
		fprintf(stderr, "usage: %s RUN_DIR VM SECONDS SEED\n", argv[0]);
		return 2;
	}
	if (nkddi_join_vm(argv[1], (NkOsId)atoi(argv[2]))) {
		fprintf(stderr, "hostile: %s\n", nkddi_last_error());
		return 1;
	}
	srand((unsigned int)atoi(argv[4]));
	while ((plink = nkops.nk_vlink_lookup(ED_VLINK_NAME, plink)) &&
	       n < ED_MAX_CHANNELS) {
		vl = nkops.nk_ptov(plink);
		if (vl->s_id != nkops.nk_id_get())
			continue;
		t[n].size = ED_RING_DATA_OFF + 16 * 1024;
		pa = nkops.nk_pmem_alloc(plink, 0, t[n].size);
		t[n].data_x = nkops.nk_pxirq_alloc(plink, ED_XIRQ_DATA,
						   vl->c_id, 1);
		t[n].peer = vl->c_id;
		t[n].pmem = pa ? nkops.nk_mem_map(pa, t[n].size) : NULL;
		if (!t[n].pmem || !t[n].data_x) {
			fprintf(stderr, "hostile: cannot map the ring\n");
			return 1;
		}
		vl->s_state = NK_DEV_VLINK_ON;
		nkops.nk_xirq_trigger(NK_XIRQ_SYSCONF, vl->c_id);
		n++;
	}
	fprintf(stderr, "hostile: vm %s, %s s, seed %s\n", argv[2], argv[3],
		argv[4]);
	/* The monotonic clock: a step of the time of day changes nothing. */
	clock_gettime(CLOCK_MONOTONIC, &now);
	end = now.tv_sec + atoi(argv[3]);
	do {
		for (i = 0; i < n; i++)
			attack(&t[i]);
		usleep((useconds_t)(rand() % 2000));
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec < end);
	return 0;
}
