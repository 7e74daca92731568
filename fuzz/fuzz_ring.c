// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the Earlydata record decoder: the input is a PMEM
 * image written by a hostile producer, followed by a script of consumer
 * calls and of changes the producer makes between them. The consumer must
 * only ever return records inside the image, of at most record_max bytes,
 * and explain every fault; the producer end must survive resuming from
 * the same image.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <earlydata/ring_io.h>

#define DATA 8192u

static uint8_t take(const uint8_t **p, const uint8_t *end)
{
	return *p < end ? *(*p)++ : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t psize = ED_RING_DATA_OFF + DATA, n = size < psize ? size : psize;
	const uint8_t *s = data + n, *end = data + size;
	uint8_t *pmem = calloc(1, psize), *copy = calloc(1, psize);
	static uint8_t buf[DATA];
	struct ed_consumer c;
	struct ed_producer p;
	struct ed_msg m;
	int i, r, notify;

	if (!pmem || !copy)
		abort();
	memcpy(pmem, data, n);
	memcpy(copy, data, n);
	ed_consumer_open(&c, pmem, psize);
	for (i = 0; i < 64; i++) {
		uint8_t op = take(&s, end);

		switch (op % 6) {
		case 0:
		case 1:
			r = ed_consumer_peek(&c, &m);
			if (r == ED_MSG_RECORD &&
			    ((const uint8_t *)m.data < pmem ||
			     (const uint8_t *)m.data + m.len > pmem + psize ||
			     m.len > c.record_max))
				abort();
			if (r == ED_MSG_RECORD && (op & 8))
				(void)ed_consumer_commit(&c, &notify);
			break;
		case 2:
			r = ed_consumer_read(&c, &m, buf,
					     (nku32_f)take(&s, end) * 32,
					     &notify);
			if (r == ED_MSG_RECORD && m.len > c.record_max)
				abort();
			break;
		case 3:
			(void)ed_consumer_arm(&c);
			(void)ed_consumer_backlog(&c);
			r = 0;
			break;
		case 4:
			r = ed_consumer_rewind(&c);
			break;
		default: { /* the producer changes a header or data byte */
			size_t at =
				((size_t)take(&s, end) << 8 | take(&s, end)) %
				psize;

			pmem[at] = take(&s, end);
			r = 0;
		}
		}
		if (r == ED_MSG_LOSS && m.loss_reason != ED_LOSS_RESET &&
		    !m.loss_count)
			abort();
		if (r == -ED_EPROTO && (!c.fault.field || !c.fault.rule))
			abort();
	}
	/* The producer resuming from (or reformatting) the same image. */
	if (ed_producer_attach(&p, copy, psize, DATA, 256,
			       (nku32_f)(size ? data[0] % 3 : 0), 1) < 0)
		abort();
	for (i = 0; i < 8; i++)
		(void)ed_producer_write(&p, 1, buf, (nku32_f)(i * 37 % 256),
					(nku64_f)i, NULL, &notify);
	free(pmem);
	free(copy);
	return 0;
}
