// SPDX-License-Identifier: GPL-2.0-only
/*
 * CRC32C (Castagnoli, reflected polynomial 0x82f63b78), table driven. The
 * table is built on first use; building it twice concurrently writes the
 * same values, so no lock is needed.
 */
#include <earlydata/ring.h>

static nku32_f table[256];
static int table_ready;

static void build_table(void)
{
	nku32_f i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1u)));
		table[i] = c;
	}
	__atomic_store_n(&table_ready, 1, __ATOMIC_RELEASE);
}

nku32_f ed_crc32c(nku32_f crc, const void *buf, nku64_f len)
{
	const nku8_f *p = buf;

	if (!__atomic_load_n(&table_ready, __ATOMIC_ACQUIRE))
		build_table();
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xffu] ^ (crc >> 8);
	return ~crc;
}

nku32_f ed_rec_crc(const struct ed_rec_hdr *h, const void *payload)
{
	nku32_f crc = ed_crc32c(0, h, 24);

	if (h->type == ED_REC_TYPE_PAD)
		return crc;
	return ed_crc32c(crc, payload, h->len);
}
