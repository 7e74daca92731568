// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Earlydata ring on plain memory, both ends in one process: ordering,
 * wrap-around, each overflow policy with exact loss accounting, restarts
 * of either end, torn writes, and faults on corrupted shared fields.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <earlydata/ring_io.h>

#include "../../driver/core/ring_pos.h"

#define DS 8192u /* data area */
#define RMAX 256u

static uint8_t *pmem;
static size_t pmem_size = ED_RING_DATA_OFF + DS;
static struct ed_producer P;
static struct ed_consumer C;

static int setup(void **state)
{
	(void)state;
	pmem = calloc(1, pmem_size);
	return pmem ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(pmem);
	return 0;
}

/* Payload of record n: its length and bytes derived from n. */
static uint32_t fill(uint8_t *b, uint64_t n)
{
	uint32_t len = (uint32_t)(n * 37 % RMAX) + 1, i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)(n + i);
	return len;
}

static void check_payload(const struct ed_msg *m, uint64_t n)
{
	uint8_t want[RMAX];
	uint32_t len = fill(want, n);

	assert_int_equal(m->len, len);
	assert_memory_equal(m->data, want, len);
}

static int produce(uint64_t n)
{
	uint8_t b[RMAX];
	uint32_t len = fill(b, n);
	int notify;

	return ed_producer_write(&P, (uint16_t)(n & 0xff), b, len, n * 1000,
				 NULL, &notify);
}

static int read1(struct ed_msg *m)
{
	static uint8_t buf[RMAX];
	int notify;

	return ed_consumer_read(&C, m, buf, sizeof(buf), &notify);
}

static void attach_p(uint32_t policy, int expect)
{
	assert_int_equal(
		ed_producer_attach(&P, pmem, pmem_size, DS, RMAX, policy, 1, 1),
		expect);
}

static void test_backlog_in_order(void **state)
{
	struct ed_msg m;
	uint64_t n;

	(void)state;
	attach_p(ED_POLICY_BLOCK, ED_ATTACH_FORMATTED);
	for (n = 0; n < 20; n++)
		assert_int_equal(produce(n), 0);
	ed_consumer_open(&C, pmem, pmem_size);
	for (n = 0; n < 20; n++) {
		assert_int_equal(read1(&m), ED_MSG_RECORD);
		assert_int_equal(m.seq, n);
		assert_int_equal(m.type, n & 0xff);
		assert_int_equal(m.ts_ns, n * 1000);
		check_payload(&m, n);
	}
	assert_int_equal(read1(&m), ED_MSG_NONE);
}

static void test_block_wraps_without_loss(void **state)
{
	struct ed_msg m;
	uint64_t w = 0, r = 0;
	int k;

	(void)state;
	attach_p(ED_POLICY_BLOCK, ED_ATTACH_FORMATTED);
	ed_consumer_open(&C, pmem, pmem_size);
	while (r < 5000) {
		while (w < 5000 && produce(w) == 0)
			w++;
		k = read1(&m);
		if (k == ED_MSG_NONE)
			continue;
		assert_int_equal(k, ED_MSG_RECORD);
		assert_int_equal(m.seq, r);
		check_payload(&m, r);
		r++;
	}
	assert_true(P.st.blocked > 0);
	assert_int_equal(C.st.lost, 0);
	if (C.st.faults + P.st.faults)
		printf("fault %s %s %llu %llu / %s\n", C.fault.field,
		       C.fault.rule, (unsigned long long)C.fault.value,
		       (unsigned long long)C.fault.pos, P.fault.field);
	assert_int_equal(C.st.faults + P.st.faults, 0);
}

/* Run a policy with a slow reader; check every seq is delivered or lost. */
static void lossy(uint32_t policy, uint32_t reason)
{
	struct ed_msg m;
	uint64_t w, expect = 0, got = 0, lost = 0;
	int k;

	attach_p(policy, ED_ATTACH_FORMATTED);
	ed_consumer_open(&C, pmem, pmem_size);
	for (w = 0; w < 3000; w++) {
		produce(w);
		if (w % 7)
			continue;
		k = read1(&m);
		if (k == ED_MSG_LOSS) {
			assert_int_equal(m.loss_first, expect);
			assert_int_equal(m.loss_reason, reason);
			expect += m.loss_count;
			lost += m.loss_count;
		} else if (k == ED_MSG_RECORD) {
			assert_int_equal(m.seq, expect);
			check_payload(&m, m.seq);
			expect++;
			got++;
		}
	}
	while ((k = read1(&m)) != ED_MSG_NONE) {
		if (k == ED_MSG_LOSS) {
			assert_int_equal(m.loss_first, expect);
			expect += m.loss_count;
			lost += m.loss_count;
		} else {
			assert_int_equal(k, ED_MSG_RECORD);
			assert_int_equal(m.seq, expect);
			expect++;
			got++;
		}
	}
	assert_int_equal(expect, 3000);
	assert_true(lost > 0);
	assert_int_equal(got + lost, 3000);
	assert_int_equal(C.st.faults, 0);
	if (policy == ED_POLICY_DROP_NEW)
		assert_int_equal(P.st.dropped, lost);
	else
		assert_int_equal(P.st.overwritten, lost);
}

static void test_drop_new_exact(void **state)
{
	(void)state;
	lossy(ED_POLICY_DROP_NEW, ED_LOSS_DROPPED);
}

static void test_overwrite_oldest_exact(void **state)
{
	(void)state;
	lossy(ED_POLICY_OVERWRITE_OLDEST, ED_LOSS_OVERWRITTEN);
}

/*
 * Batches on both sides: the producer writes 1..40 records per
 * ed_producer_write_batch (one head store), the consumer takes 1..16 per
 * flush (one persisted read position). Every seq is delivered once or
 * reported lost, exactly, under each policy; block loses nothing.
 */
static void batched(uint32_t policy)
{
	static uint8_t bufs[40][RMAX], rb[RMAX];
	struct ed_wrec recs[40];
	struct ed_msg m;
	uint64_t w = 0, expect = 0, got = 0, lost = 0;
	uint32_t i, n, done, k, t;
	unsigned int seed = 7;
	int r, notify;

	attach_p(policy, ED_ATTACH_FORMATTED);
	ed_consumer_open(&C, pmem, pmem_size);
	while (expect < 6000) {
		n = (uint32_t)(rand_r(&seed) % 40) + 1;
		if (w < 6000 && n > 6000 - w)
			n = (uint32_t)(6000 - w);
		for (i = 0; i < n; i++) {
			recs[i].buf = bufs[i];
			recs[i].len = fill(bufs[i], w + i);
			recs[i].type = (uint16_t)((w + i) & 0xff);
		}
		r = w < 6000 ? ed_producer_write_batch(&P, recs, n, w * 1000,
						       &done, &notify) :
			       0;
		if (w < 6000) {
			w += done;
			if (r == -ED_ENOSPC)
				w++; /* dropped: its seq is spent */
			else if (r != 0)
				assert_int_equal(r, -ED_EAGAIN);
		}
		assert_int_equal(P.hdr->head, P.head); /* all released */
		t = (uint32_t)(rand_r(&seed) % 16) + 1;
		for (k = 0; k < t; k++) {
			r = ed_consumer_fetch(&C, &m, rb, sizeof(rb));
			if (r == ED_MSG_NONE)
				break;
			if (r == ED_MSG_LOSS) {
				assert_int_equal(m.loss_first, expect);
				expect += m.loss_count;
				lost += m.loss_count;
			} else {
				assert_int_equal(r, ED_MSG_RECORD);
				assert_int_equal(m.seq, expect);
				check_payload(&m, m.seq);
				expect++;
				got++;
			}
			assert_int_equal(ed_consumer_commit_deferred(&C), 0);
		}
		ed_consumer_flush(&C, &notify);
		assert_int_equal(C.ctl->read_pos, C.read_pos);
	}
	assert_int_equal(got + lost, 6000);
	assert_int_equal(C.st.faults + P.st.faults, 0);
	if (policy == ED_POLICY_BLOCK)
		assert_int_equal(lost, 0);
	else
		assert_true(lost > 0);
}

static void test_batches_block(void **state)
{
	(void)state;
	batched(ED_POLICY_BLOCK);
}

static void test_batches_drop_new(void **state)
{
	(void)state;
	batched(ED_POLICY_DROP_NEW);
}

static void test_batches_overwrite_oldest(void **state)
{
	(void)state;
	batched(ED_POLICY_OVERWRITE_OLDEST);
}

/* Records of `len` bytes written until the ring refuses one; how many. */
static uint32_t fill_until_full(uint32_t policy, uint32_t len, uint64_t *seq)
{
	uint8_t b[RMAX];
	uint32_t n = 0;
	int notify;

	memset(b, 0x5a, sizeof(b));
	while (ed_producer_write(&P, 1, b, len, 0, NULL, &notify) == 0) {
		n++;
		(*seq)++;
	}
	if (policy == ED_POLICY_DROP_NEW)
		(*seq)++; /* the refused record spent its number */
	return n;
}

/*
 * How many records of span `span` fit in a whole free ring when the head
 * is at offset `off`: each that does not fit before the end is preceded
 * by a pad (or skip) to the end.
 */
static uint32_t fits_in_free_ring(uint64_t off, uint64_t span)
{
	uint64_t free = DS, need;
	uint32_t n = 0;

	for (;;) {
		need = DS - off < span ? DS - off + span : span;
		if (need > free)
			return n;
		free -= need;
		off = (off + need) % DS;
		n++;
	}
}

/*
 * Block and drop-new reclaim to their private checkpoints without reading
 * the records, and walk on only while a record does not fit: once the
 * consumer has read everything, the whole ring is free again, lap after
 * lap, whatever the record size (some sizes put checkpoints far apart).
 */
static void refill(uint32_t policy)
{
	static uint8_t rb[RMAX];
	struct ed_msg m;
	uint32_t len, lap, n, k, want;
	uint64_t seq = 0, got = 0;

	attach_p(policy, ED_ATTACH_FORMATTED);
	ed_consumer_open(&C, pmem, pmem_size);
	for (len = 8; len <= RMAX; len += 56) {
		for (lap = 0; lap < 5; lap++) {
			/* all read: the whole data area is free again */
			want = fits_in_free_ring(P.head % DS, ed_rec_span(len));
			n = fill_until_full(policy, len, &seq);
			assert_int_equal(n, want);
			for (k = 0; k < n; k++) {
				int nt, r = ed_consumer_read(&C, &m, rb,
							     sizeof(rb), &nt);

				if (r == ED_MSG_LOSS) { /* drop-new's refusal */
					assert_int_equal(m.loss_count, 1);
					r = ed_consumer_read(&C, &m, rb,
							     sizeof(rb), &nt);
				}
				assert_int_equal(r, ED_MSG_RECORD);
				assert_int_equal(m.len, len);
				got++;
			}
			assert_true(P.tail <= C.read_pos);
		}
	}
	assert_int_equal(P.st.faults + C.st.faults, 0);
	assert_int_equal(got, P.st.records);
}

static void test_refill_block(void **state)
{
	(void)state;
	refill(ED_POLICY_BLOCK);
}

static void test_refill_drop_new(void **state)
{
	(void)state;
	refill(ED_POLICY_DROP_NEW);
}

/* ed_pos_off agrees with pos % size however positions move. */
static void test_pos_off(void **state)
{
	static const uint64_t sizes[] = { 8, 8192, 1000, 65536 + 8,
					  (1ULL << 40) + 24 };
	uint64_t pos, base, size, x = 88172645463325252ULL;
	unsigned int i, k;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size = sizes[i];
		pos = 0;
		base = 0;
		for (k = 0; k < 20000; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			switch (x % 8) {
			case 0: /* a rewind or resync: anywhere behind */
				pos = pos ? x % pos : 0;
				break;
			case 1: /* far ahead */
				pos += x % (size * 5 + 1);
				break;
			case 2: /* exactly a lap */
				pos += size;
				break;
			default: /* a record or a few */
				pos += x % 300;
				break;
			}
			assert_int_equal(ed_pos_off(pos, size, &base),
					 pos % size);
			assert_int_equal(base % size, 0);
			assert_true(base <= pos);
		}
	}
}

/*
 * Deferred commits persist nothing until the flush: a consumer restarted
 * before it gets those records again, one restarted after it does not.
 */
static void test_deferred_commit_until_flush(void **state)
{
	static uint8_t rb[RMAX];
	struct ed_msg m;
	uint64_t n;
	int notify;

	(void)state;
	attach_p(ED_POLICY_BLOCK, ED_ATTACH_FORMATTED);
	for (n = 0; n < 10; n++)
		assert_int_equal(produce(n), 0);
	ed_consumer_open(&C, pmem, pmem_size);
	for (n = 0; n < 4; n++) {
		assert_int_equal(ed_consumer_fetch(&C, &m, rb, sizeof(rb)),
				 ED_MSG_RECORD);
		assert_int_equal(ed_consumer_commit_deferred(&C), 0);
	}
	ed_consumer_open(&C, pmem, pmem_size); /* crashed before the flush */
	assert_int_equal(read1(&m), ED_MSG_RECORD);
	assert_int_equal(m.seq, 0);
	for (n = 1; n < 4; n++) {
		assert_int_equal(ed_consumer_fetch(&C, &m, rb, sizeof(rb)),
				 ED_MSG_RECORD);
		assert_int_equal(m.seq, n);
		assert_int_equal(ed_consumer_commit_deferred(&C), 0);
	}
	ed_consumer_flush(&C, &notify);
	ed_consumer_open(&C, pmem, pmem_size); /* after it */
	assert_int_equal(read1(&m), ED_MSG_RECORD);
	assert_int_equal(m.seq, 4);
}

static void test_restarts_resume(void **state)
{
	struct ed_msg m;
	uint64_t n;

	(void)state;
	attach_p(ED_POLICY_BLOCK, ED_ATTACH_FORMATTED);
	for (n = 0; n < 10; n++)
		produce(n);
	ed_consumer_open(&C, pmem, pmem_size);
	for (n = 0; n < 4; n++)
		assert_int_equal(read1(&m), ED_MSG_RECORD);
	/* Both ends restart: the consumer resumes at 4, the producer at 10. */
	ed_consumer_open(&C, pmem, pmem_size);
	attach_p(ED_POLICY_BLOCK, ED_ATTACH_RESUMED);
	for (n = 10; n < 15; n++)
		produce(n);
	for (n = 4; n < 15; n++) {
		assert_int_equal(read1(&m), ED_MSG_RECORD);
		assert_int_equal(m.seq, n);
		check_payload(&m, n);
	}
	assert_int_equal(read1(&m), ED_MSG_NONE);
	/* Re-read everything still in the ring. */
	assert_int_equal(ed_consumer_rewind(&C), 0);
	assert_int_equal(read1(&m), ED_MSG_RECORD);
	assert_int_equal(m.seq, 0);
}

static void test_torn_record_never_delivered(void **state)
{
	struct ed_msg m;
	uint64_t head;

	(void)state;
	attach_p(ED_POLICY_BLOCK, ED_ATTACH_FORMATTED);
	produce(0);
	/* A crash in mid-write: bytes past the head, head not moved. */
	head = P.head;
	memset(pmem + ED_RING_DATA_OFF + head, 0x5a, 40);
	attach_p(ED_POLICY_BLOCK, ED_ATTACH_RESUMED);
	ed_consumer_open(&C, pmem, pmem_size);
	assert_int_equal(read1(&m), ED_MSG_RECORD);
	assert_int_equal(read1(&m), ED_MSG_NONE);
	produce(1);
	assert_int_equal(read1(&m), ED_MSG_RECORD);
	assert_int_equal(m.seq, 1);
	check_payload(&m, 1);
}

static void test_corruption_reported(void **state)
{
	struct ed_ring_hdr *h = (struct ed_ring_hdr *)pmem;
	struct ed_msg m;
	uint64_t n;

	(void)state;
	attach_p(ED_POLICY_BLOCK, ED_ATTACH_FORMATTED);
	for (n = 0; n < 5; n++)
		produce(n);
	ed_consumer_open(&C, pmem, pmem_size);
	/* Flip a payload byte of record 1. */
	assert_int_equal(read1(&m), ED_MSG_RECORD);
	pmem[ED_RING_DATA_OFF + C.read_pos + ED_REC_HDR_SIZE] ^= 1;
	assert_int_equal(read1(&m), -71);
	assert_string_equal(C.fault.field, "record.crc");
	/* Skipped to the head; the next record reports the gap as corrupt. */
	produce(5);
	assert_int_equal(read1(&m), ED_MSG_LOSS);
	assert_int_equal(m.loss_reason, ED_LOSS_CORRUPT);
	assert_int_equal(m.loss_first, 1);
	assert_int_equal(m.loss_count, 4);
	assert_int_equal(read1(&m), ED_MSG_RECORD);
	assert_int_equal(m.seq, 5);
	/* A head beyond the ring. */
	h->head = 1ull << 40;
	assert_int_equal(read1(&m), -71);
	assert_string_equal(C.fault.field, "header.head/tail");
	ed_producer_repair(&P);
	produce(6);
	assert_int_equal(read1(&m), ED_MSG_RECORD);
	assert_int_equal(m.seq, 6);
	/* The consumer's read position, seen by the producer. */
	((struct ed_cons_ctl *)(pmem + ED_CONS_CTL_OFF))->read_pos = 3;
	for (n = 7; n < 200 && produce(n) == 0; n++)
		;
	assert_string_equal(P.fault.field, "consumer.read_pos");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_backlog_in_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_block_wraps_without_loss,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_batches_block, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batches_drop_new, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_batches_overwrite_oldest,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_refill_block, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refill_drop_new, setup,
						teardown),
		cmocka_unit_test(test_pos_off),
		cmocka_unit_test_setup_teardown(
			test_deferred_commit_until_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_new_exact, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_overwrite_oldest_exact,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_restarts_resume, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_torn_record_never_delivered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corruption_reported, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("ring", tests, NULL, NULL);
}
