// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DLT writer on untrusted records (tools/dlt/ed_dlt.c): the input's
 * first two bytes are a record type, the rest its payload (a pass-through
 * DLT message when the type says so). Whatever the record, the message
 * written must be one well-formed DLT message whose length field matches,
 * within the format's 64 KiB; and the pass-through checker itself must
 * never read outside the payload (AddressSanitizer).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../tools/dlt/ed_dlt.h"

static unsigned char out[ED_DLT_BUF_MAX];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ed_dlt_ids ids;
	struct ed_dlt_clock clk = { .offset_ns = -1000 };
	unsigned int type;
	unsigned char *rec;
	size_t n, len;

	if (size < 2)
		return 0;
	type = (unsigned int)data[0] << 8 | data[1];
	if (type & 0x8000u) /* half the inputs: pass-through */
		type = ED_DLT_TYPE_PASSTHROUGH;
	len = size - 2;
	rec = malloc(len ? len : 1); /* exact size: reads past it are caught */
	if (!rec)
		return 0;
	memcpy(rec, data + 2, len);
	(void)ed_dlt_check(rec, len, NULL);
	ed_dlt_default_ids(&ids, "ECU", "chan", NULL, NULL);
	n = ed_dlt_record(out, &ids, &clk, type, size, size * 1000u, rec,
			  (uint32_t)len);
	if (n < ED_DLT_STORAGE_HDR + 4u || n > ED_DLT_BUF_MAX ||
	    memcmp(out, "DLT\1", 4) ||
	    ed_dlt_check(out + ED_DLT_STORAGE_HDR, n - ED_DLT_STORAGE_HDR,
			 NULL))
		abort();
	n = ed_dlt_loss(out, &ids, &clk, "chan", size, size, size & 3u,
			"dropped", size);
	if (ed_dlt_check(out + ED_DLT_STORAGE_HDR, n - ED_DLT_STORAGE_HDR,
			 NULL))
		abort();
	free(rec);
	return 0;
}
