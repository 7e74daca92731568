// SPDX-License-Identifier: GPL-2.0-only
/*
 * Records for the DLT tests (test_dlt.sh), written by the real driver
 * into a producer channel of a user-space VM:
 *
 *	dlt_records RUN_DIR VM CHANNEL passthrough
 *		three DLT messages of an RTOS's own logger (type 0xd17): a
 *		log, a warning with a second argument, a non-verbose one
 *	dlt_records RUN_DIR VM CHANNEL hostile N SEED
 *		N records a producer may legally write but a DLT writer must
 *		survive: binary payloads, NULs, invalid UTF-8, empty and
 *		record-max sized ones, random types, pass-through records
 *		that are not DLT messages (garbage, a wrong length field,
 *		arguments running past the end) and well-formed ones
 *
 * It prints the number of records written.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <earlydata/ed_user.h>
#include <nkddi/nkddi.h>

#include "../../tools/dlt/ed_dlt.h"

static unsigned char rec[ED_MAX_RECORD_MAX];

/* A DLT message of an RTOS (app RTOS, context LOG): one string argument. */
static size_t rtos_message(unsigned char *m, unsigned int mtin,
			   const char *text, const char *second)
{
	size_t o = 22, n = strlen(text) + 1;

	m[0] = 0x35; /* version 1, extended header, ECU id, timestamp */
	m[1] = 7;
	memcpy(m + 4, "RTOS", 4);
	memset(m + 8, 0, 4);
	m[8 + 3] = 42; /* timestamp 4.2 ms */
	m[12] = (unsigned char)(1u | mtin << 4);
	m[13] = second ? 2 : 1;
	memcpy(m + 14, "RTOS", 4);
	memcpy(m + 18, "LOG\0", 4);
	memcpy(m + o, "\x00\x82\x00\x00", 4); /* string, UTF-8 */
	m[o + 4] = (unsigned char)n;
	m[o + 5] = (unsigned char)(n >> 8);
	memcpy(m + o + 6, text, n);
	o += 6 + n;
	if (second) {
		n = strlen(second) + 1;
		memcpy(m + o, "\x00\x82\x00\x00", 4);
		m[o + 4] = (unsigned char)n;
		m[o + 5] = (unsigned char)(n >> 8);
		memcpy(m + o + 6, second, n);
		o += 6 + n;
	}
	m[2] = (unsigned char)(o >> 8);
	m[3] = (unsigned char)o;
	return o;
}

static int put(struct ed_channel *ch, unsigned int type, const void *p,
	       size_t n)
{
	int r = ed_user_write(ch, (nku16_f)type, p, (nku32_f)n, NULL, 10000);

	if (r && r != -ED_ENOSPC) {
		fprintf(stderr, "dlt_records: write failed (%d)\n", r);
		return -1;
	}
	return 0;
}

static int passthrough(struct ed_channel *ch)
{
	size_t n;

	n = rtos_message(rec, ED_DLT_LOG_INFO, "rtos: bootloader done", NULL);
	if (put(ch, ED_DLT_TYPE_PASSTHROUGH, rec, n))
		return -1;
	n = rtos_message(rec, ED_DLT_LOG_WARN, "rtos: sensor late", "ms=17");
	if (put(ch, ED_DLT_TYPE_PASSTHROUGH, rec, n))
		return -1;
	/* Non-verbose: message id 0x1234 and two bytes of payload. */
	n = rtos_message(rec, ED_DLT_LOG_INFO, "x", NULL);
	rec[12] = 0x40; /* not verbose */
	rec[13] = 0;
	memcpy(rec + 22, "\x34\x12\x00\x00\xab\xcd", 6);
	rec[2] = 0;
	rec[3] = 28;
	if (put(ch, ED_DLT_TYPE_PASSTHROUGH, rec, 28))
		return -1;
	printf("3\n");
	return 0;
}

/* One hostile record, kind k, into rec: its type and length. */
static size_t hostile(unsigned int k, unsigned int max, unsigned int *type)
{
	size_t n = (size_t)rand() % (max < 600 ? max : 600), i;

	*type = (unsigned int)rand() % 0xffff;
	for (i = 0; i < max; i++)
		rec[i] = (unsigned char)rand();
	switch (k % 9) {
	case 0: /* binary */
		break;
	case 1: /* text with a NUL in it */
		memset(rec, 'a', n);
		if (n)
			rec[n / 2] = 0;
		break;
	case 2: /* invalid UTF-8: a cut sequence at the end */
		memset(rec, 'b', n);
		if (n)
			rec[n - 1] = 0xe2;
		break;
	case 3: /* empty */
		n = 0;
		break;
	case 4: /* as large as the channel allows: text or binary */
		n = max;
		if (rand() % 2)
			for (i = 0; i < n; i++)
				rec[i] = (unsigned char)('a' + i % 26);
		else if (n > 2) /* a 3-byte character across the cut */
			memcpy(rec + n - 3, "\xe2\x82\xac", 3);
		break;
	case 5: /* pass-through garbage */
		*type = ED_DLT_TYPE_PASSTHROUGH;
		break;
	case 6: /* pass-through whose length field lies */
		*type = ED_DLT_TYPE_PASSTHROUGH;
		n = rtos_message(rec, ED_DLT_LOG_INFO, "liar", NULL);
		rec[3] ^= 0x10;
		break;
	case 7: /* pass-through whose argument runs past the end */
		*type = ED_DLT_TYPE_PASSTHROUGH;
		n = rtos_message(rec, ED_DLT_LOG_INFO, "long", NULL);
		rec[22 + 4] = 0xff;
		break;
	default: /* pass-through, well formed */
		*type = ED_DLT_TYPE_PASSTHROUGH;
		n = rtos_message(rec, ED_DLT_LOG_INFO, "well formed", NULL);
		break;
	}
	return n;
}

int main(int argc, char **argv)
{
	struct ed_channel *ch;
	unsigned int type;
	char err[256];
	long i, n;
	size_t len;

	if (argc < 5 || (strcmp(argv[4], "passthrough") && argc != 7)) {
		fprintf(stderr, "usage: dlt_records RUN_DIR VM CHANNEL "
				"passthrough|hostile N SEED\n");
		return 2;
	}
	if (nkddi_join_vm(argv[1], (unsigned int)atoi(argv[2])) ||
	    ed_user_init(err, sizeof(err)) < 0) {
		fprintf(stderr, "dlt_records: cannot start: %s\n",
			nkddi_last_error());
		return 1;
	}
	ch = ed_channel_find(argv[3], ED_PRODUCER);
	if (!ch) {
		fprintf(stderr, "dlt_records: no producer channel %s\n",
			argv[3]);
		return 1;
	}
	if (!strcmp(argv[4], "passthrough"))
		return passthrough(ch) ? 1 : 0;
	n = atol(argv[5]);
	srand((unsigned int)atol(argv[6]));
	for (i = 0; i < n; i++) {
		len = hostile((unsigned int)i, ch->cfg.record_max, &type);
		if (put(ch, type, rec, len))
			return 1;
	}
	printf("%ld\n", n);
	ed_exit();
	return 0;
}
