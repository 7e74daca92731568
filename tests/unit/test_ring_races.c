// SPDX-License-Identifier: GPL-2.0-only
/*
 * The Earlydata ring under the interleavings that matter, made exact: the
 * core is built with ED_TEST_HOOKS, and at a hook point inside one end
 * the test runs the other end (docs/earlydata-protocol.md, 6.1). Each test
 * is a finding of the lapped-reader review, and failed on protocol 2.0:
 *   - a lapped reader reading a header being overwritten: exact loss,
 *     not "record.len above record_max" (finding 1);
 *   - the producer restarting with another geometry between the epoch
 *     check and the head load: reset loss, not "head behind" (2);
 *   - the header rewritten while the consumer reads its fields: try
 *     again, not a fault (3, as far as one CPU can show it);
 *   - a fetched copy stays what was checked when PMEM changes (4);
 *   - a hostile seq gap: a fault, not 2^63 records lost (8);
 *   - a rewind racing the producer's reclaim: no fault on either side (9).
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

#include "../../driver/core/ed_port.h"

#define DS 4096u /* data area */
#define RMAX 200u

void (*ed_test_hook)(int point);

static uint8_t *pmem;
static const size_t pmem_size = ED_RING_DATA_OFF + DS;
static struct ed_producer P;
static struct ed_consumer C;
static uint64_t next_n; /* next record the producer writes */

/* What to do at a hook point: run `fn` once when `point` is reached. */
static int hook_point;
static void (*hook_fn)(void);

static void run_hook(int point)
{
	void (*fn)(void) = hook_fn;

	if (point != hook_point || !fn)
		return;
	hook_fn = NULL; /* once */
	fn();
}

static void on_hook(int point, void (*fn)(void))
{
	hook_point = point;
	hook_fn = fn;
}

static int setup(void **state)
{
	(void)state;
	pmem = calloc(1, pmem_size);
	ed_test_hook = run_hook;
	hook_fn = NULL;
	next_n = 0;
	return pmem ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(pmem);
	return 0;
}

/* Record n: 100 bytes derived from n (span 136: 30 records a ring). */
static uint32_t fill(uint8_t *b, uint64_t n)
{
	uint32_t i;

	for (i = 0; i < 100; i++)
		b[i] = (uint8_t)(n * 7 + i);
	return 100;
}

static void produce(unsigned int count)
{
	uint8_t b[RMAX];
	int notify;

	while (count--) {
		uint32_t len = fill(b, next_n);

		assert_int_equal(
			ed_producer_write(&P, 1, b, len, next_n, NULL, &notify),
			0);
		next_n++;
	}
}

/* The next message, copied; a record's payload is checked. */
static int take(struct ed_msg *m)
{
	static uint8_t buf[RMAX];
	uint8_t want[RMAX];
	int notify, k;

	k = ed_consumer_read(&C, m, buf, sizeof(buf), &notify);
	if (k == ED_MSG_RECORD) {
		assert_int_equal(m->len, fill(want, m->seq));
		assert_memory_equal(m->data, want, m->len);
	}
	return k;
}

static void start(uint32_t policy)
{
	assert_int_equal(ed_producer_attach(&P, pmem, pmem_size, DS, RMAX,
					    policy, 1, 0x1234),
			 ED_ATTACH_FORMATTED);
	ed_consumer_open(&C, pmem, pmem_size);
}

static void no_faults(void)
{
	if (C.st.faults)
		fail_msg("consumer fault: %s %s (value 0x%llx, position %llu)",
			 C.fault.field, C.fault.rule,
			 (unsigned long long)C.fault.value,
			 (unsigned long long)C.fault.pos);
	if (P.st.faults)
		fail_msg("producer fault: %s %s (value 0x%llx, position %llu)",
			 P.fault.field, P.fault.rule,
			 (unsigned long long)P.fault.value,
			 (unsigned long long)P.fault.pos);
}

/* Two and a half rings of records: the reader's bytes now hold others. */
static void lap(void)
{
	produce(75);
}

/*
 * Read everything left: records in order from seq `expect`, losses
 * exact, only `overwritten` ones. Some must be lost; with the `delivered`
 * already taken, every seq the producer wrote is accounted for once.
 */
static void drain_lapped(uint64_t expect, uint64_t delivered)
{
	uint64_t lost = 0;
	struct ed_msg m;
	int k;

	while ((k = take(&m)) != ED_MSG_NONE) {
		if (k == ED_MSG_LOSS) {
			assert_int_equal(m.loss_reason, ED_LOSS_OVERWRITTEN);
			assert_int_equal(m.loss_first, expect);
			expect += m.loss_count;
			lost += m.loss_count;
			continue;
		}
		assert_int_equal(k, ED_MSG_RECORD);
		assert_int_equal(m.seq, expect);
		expect++;
		delivered++;
	}
	no_faults();
	assert_true(lost > 0);
	assert_int_equal(delivered + lost, next_n);
}

/*
 * Finding 1. The consumer loaded head and tail; before it reads the next
 * header the producer laps it, so that the bytes at read_pos are the
 * middle of a later record. 2.0 reported "record.len above record_max"
 * (or another field) and reset the link; 2.1 re-checks the tail, moves to
 * it and reports an exact loss.
 */
static void test_lapped_header_is_loss(void **state)
{
	struct ed_msg m;

	(void)state;
	start(ED_POLICY_OVERWRITE_OLDEST);
	produce(10);
	assert_int_equal(take(&m), ED_MSG_RECORD);
	on_hook(ED_HOOK_LOOK_HEADTAIL, lap);
	drain_lapped(1, 1);
}

/*
 * Finding 1, payload side: the record is overwritten while its payload is
 * being copied. The copy is discarded (never handed out, never a CRC
 * fault), and the loss is exact.
 */
static void test_lapped_payload_is_loss(void **state)
{
	(void)state;
	start(ED_POLICY_OVERWRITE_OLDEST);
	produce(10);
	on_hook(ED_HOOK_CHECK_COPIED, lap);
	drain_lapped(0, 0);
}

/* A producer restart with another geometry: a new epoch, head 0. */
static void restart_other_geometry(void)
{
	assert_int_equal(ed_producer_attach(&P, pmem, pmem_size, DS - 1024,
					    RMAX, ED_POLICY_BLOCK, 2, 0x5678),
			 ED_ATTACH_FORMATTED);
	P.st.faults = 0; /* why it formatted: its own, not the consumer's */
	next_n = 0;
	produce(3);
}

/*
 * Finding 2. Between the consumer's epoch check and its head load the
 * producer formats a new epoch (head back to a small value). 2.0 reported
 * "head behind the read position"; 2.1 sees the epoch change, re-attaches
 * and reports a reset, then reads the new ring from its start.
 */
static void test_restart_during_look_is_reset(void **state)
{
	struct ed_msg m;
	int i;

	(void)state;
	start(ED_POLICY_BLOCK);
	produce(20);
	for (i = 0; i < 20; i++)
		assert_int_equal(take(&m), ED_MSG_RECORD);
	on_hook(ED_HOOK_LOOK_EPOCH, restart_other_geometry);
	assert_int_equal(take(&m), ED_MSG_LOSS);
	assert_int_equal(m.loss_reason, ED_LOSS_RESET);
	assert_int_equal(m.loss_first, 20);
	assert_int_equal(m.epoch, P.epoch);
	for (i = 0; i < 3; i++) {
		assert_int_equal(take(&m), ED_MSG_RECORD);
		assert_int_equal(m.seq, i);
		assert_int_equal(m.epoch, P.epoch);
	}
	assert_int_equal(take(&m), ED_MSG_NONE);
	no_faults();
}

/* Half a header rewrite: magic cleared, fields of another geometry. */
static void half_rewrite(void)
{
	struct ed_ring_hdr *h = (struct ed_ring_hdr *)pmem;

	ed_store(&h->magic, 0u);
	ed_store(&h->data_size, (uint64_t)DS * 4); /* does not fit the PMEM */
	ed_store(&h->epoch, (uint64_t)77);
}

/*
 * Finding 3. The consumer reads the header fields while the producer
 * rewrites them: the seqcount re-check makes it -ED_EAGAIN, where 2.0
 * validated a mix of old and new fields and reported a fault.
 */
static void test_header_rewrite_during_attach(void **state)
{
	struct ed_msg m;

	(void)state;
	start(ED_POLICY_BLOCK);
	produce(2);
	on_hook(ED_HOOK_ATTACH_FIELDS, half_rewrite);
	assert_int_equal(take(&m), -ED_EAGAIN);
	no_faults();
	ed_producer_repair(&P); /* the rewrite completes */
	assert_int_equal(take(&m), ED_MSG_RECORD);
	assert_int_equal(m.seq, 0);
	no_faults();
}

/* A whole format with another geometry and policy, magic back and all. */
static void full_format(void)
{
	struct ed_producer q;

	assert_int_equal(ed_producer_attach(&q, pmem, pmem_size, DS - 1024,
					    RMAX, ED_POLICY_DROP_NEW, 3,
					    0x9abc),
			 ED_ATTACH_FORMATTED);
}

/*
 * The header rewritten entirely between the consumer's first loads and
 * its reads of the geometry: magic is only a flag and reads the same
 * before and after. The epoch, read first (acquire) and again after,
 * tells; an attach that read the epoch last cached the new epoch with
 * the old geometry and policy (found by the SPIN model, F5).
 */
static void test_whole_rewrite_during_attach(void **state)
{
	struct ed_msg m;

	(void)state;
	start(ED_POLICY_BLOCK);
	produce(2);
	on_hook(ED_HOOK_ATTACH_EPOCH, full_format);
	assert_int_equal(take(&m), -ED_EAGAIN);
	no_faults();
	assert_int_equal(take(&m), ED_MSG_NONE); /* the new ring, empty */
	assert_int_equal(C.data_size, DS - 1024);
	assert_int_equal(C.policy, ED_POLICY_DROP_NEW);
	no_faults();
}

/*
 * A consumer that resumed and has not committed anything yet is asked for
 * a repair (its peer went through RESET): it writes back the position it
 * resumed from, not 0/0, which a producer would find behind its tail
 * (found by the SPIN model, F8).
 */
static void test_repair_after_resume(void **state)
{
	struct ed_cons_ctl *ctl =
		(struct ed_cons_ctl *)(pmem + ED_CONS_CTL_OFF);
	struct ed_msg m;
	uint64_t pos;

	(void)state;
	start(ED_POLICY_BLOCK);
	produce(3);
	assert_int_equal(take(&m), ED_MSG_RECORD);
	pos = ctl->read_pos;
	assert_true(pos > 0);
	ed_consumer_open(&C, pmem, pmem_size); /* killed, restarted */
	assert_int_equal(ed_consumer_rewind(&C), 0); /* attaches: resumes */
	ed_consumer_repair(&C);
	assert_int_equal(ctl->read_pos, pos);
	assert_int_equal(ctl->read_seq, 1);
	assert_int_equal(take(&m), ED_MSG_RECORD);
	no_faults();
}

/*
 * Finding 4. What a fetch hands out is the copy whose CRC was checked:
 * scribbling on the ring afterwards changes nothing in it (2.0's kernel
 * read copied to user space from PMEM after the check).
 */
static void test_fetch_copy_is_checked_copy(void **state)
{
	uint8_t buf[RMAX], want[RMAX];
	struct ed_msg m;
	int notify;

	(void)state;
	start(ED_POLICY_BLOCK);
	produce(1);
	assert_int_equal(ed_consumer_fetch(&C, &m, buf, sizeof(buf)),
			 ED_MSG_RECORD);
	assert_ptr_equal(m.data, buf);
	memset(pmem + ED_RING_DATA_OFF + ED_REC_HDR_SIZE, 0xee, 100);
	fill(want, 0);
	assert_memory_equal(buf, want, 100);
	assert_int_equal(ed_consumer_commit(&C, &notify), 0);
	no_faults();
}

/*
 * Finding 8. A hostile producer announces a gap of 2^63 records. Under
 * overwrite-oldest (and block) every record takes 32 bytes at least, so
 * no ring position allows it: a fault, not 9.2e18 records reported lost.
 */
static void test_hostile_gap_is_bounded(void **state)
{
	struct ed_rec_hdr r;
	struct ed_msg m;
	uint8_t *rec;

	(void)state;
	start(ED_POLICY_OVERWRITE_OLDEST);
	produce(2);
	rec = pmem + ED_RING_DATA_OFF + 136; /* record 1 */
	memcpy(&r, rec, sizeof(r));
	r.seq = 1ull << 63;
	r.crc = ed_rec_crc(&r, rec + ED_REC_HDR_SIZE);
	memcpy(rec, &r, sizeof(r));
	assert_int_equal(take(&m), ED_MSG_RECORD);
	assert_int_equal(take(&m), -ED_EPROTO);
	assert_string_equal(C.fault.field, "record.seq");
	assert_string_equal(C.fault.rule,
			    "ahead of what the ring can have held");
	assert_true(C.st.lost < 100);
}

/* The consumer rewinds while the producer holds the old read_pos. */
static void rewind_now(void)
{
	assert_int_equal(ed_consumer_rewind(&C), 0);
}

/*
 * Finding 9. Block policy: the producer loads read_pos to reclaim up to
 * it; the consumer rewinds to the tail at that moment; the producer then
 * moves its tail to the old read_pos. 2.0 published the rewound position
 * (behind the new tail: the producer reported "consumer.read_pos behind
 * the tail", the consumer "header.tail passed the read position"). 2.1
 * replays privately: no fault, the replayed records that survived come
 * again, then the new ones, each once.
 */
static void test_rewind_racing_reclaim(void **state)
{
	struct ed_msg m;
	uint64_t last = 0;
	int i, k, replayed = 0, fresh = 0;

	(void)state;
	start(ED_POLICY_BLOCK);
	produce(29); /* nearly full */
	for (i = 0; i < 20; i++)
		assert_int_equal(take(&m), ED_MSG_RECORD);
	on_hook(ED_HOOK_RECLAIM_LIMIT, rewind_now);
	produce(10); /* needs space: reclaims up to read_pos */
	no_faults();
	while ((k = take(&m)) == ED_MSG_RECORD) {
		if (m.seq < 20) {
			replayed++;
		} else {
			assert_true(m.seq == 20 + (uint64_t)fresh);
			fresh++;
		}
		last = m.seq;
	}
	assert_int_equal(k, ED_MSG_NONE);
	assert_int_equal(last, next_n - 1);
	assert_int_equal(fresh, 19);
	no_faults();
	(void)replayed;
}

/*
 * Batches: whenever the producer makes room (a drop, a reclaim), the
 * records of its batch it has not published are published first. Here a
 * batch fills the ring and the consumer runs as soon as room was made:
 * it must never see a drop or a tail ahead of records it cannot see
 * yet (it would report them lost, then get them).
 */
static struct ed_msg got[64];
static unsigned int ngot;

static void drain_all(void)
{
	int k;

	while (ngot < 64 && (k = take(&got[ngot])) != ED_MSG_NONE) {
		assert_true(k == ED_MSG_RECORD || k == ED_MSG_LOSS);
		ngot++;
	}
}

/* At each reserve of the batch: the consumer looks once room was made. */
static void at_reserve(void)
{
	if (P.st.dropped + P.st.overwritten != 0)
		drain_all();
	on_hook(ED_HOOK_BATCH_RESERVED, at_reserve); /* every record */
}

static void batch_through(uint32_t policy, unsigned int n)
{
	static uint8_t bufs[40][RMAX];
	struct ed_wrec recs[40];
	uint64_t expect = 0;
	uint32_t done, i;
	int r, notify;

	start(policy);
	for (i = 0; i < n; i++) {
		recs[i].buf = bufs[i];
		recs[i].len = fill(bufs[i], i);
		recs[i].type = 1;
	}
	ngot = 0;
	on_hook(ED_HOOK_BATCH_RESERVED, at_reserve);
	r = ed_producer_write_batch(&P, recs, n, 5, &done, &notify);
	hook_fn = NULL;
	if (policy == ED_POLICY_DROP_NEW) {
		assert_int_equal(r, -ED_ENOSPC);
		assert_int_equal(done, 30);
	} else {
		assert_int_equal(r, 0);
		assert_int_equal(done, n);
	}
	drain_all();
	hook_fn = NULL;
	no_faults();
	for (i = 0; i < ngot; i++) {
		if (got[i].kind == ED_MSG_LOSS) {
			assert_int_equal(got[i].loss_first, expect);
			expect += got[i].loss_count;
		} else {
			assert_int_equal(got[i].seq, expect);
			expect++;
		}
	}
	assert_int_equal(expect, policy == ED_POLICY_DROP_NEW ? 31 : n);
}

static void test_batch_drop_publishes_first(void **state)
{
	(void)state;
	/* 31 records of 136 bytes into 4096: the last one is dropped. */
	batch_through(ED_POLICY_DROP_NEW, 31);
}

static void test_batch_reclaim_publishes_first(void **state)
{
	(void)state;
	batch_through(ED_POLICY_OVERWRITE_OLDEST, 40);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lapped_header_is_loss,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_lapped_payload_is_loss,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_restart_during_look_is_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_header_rewrite_during_attach, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_whole_rewrite_during_attach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repair_after_resume, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fetch_copy_is_checked_copy,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_gap_is_bounded,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_drop_publishes_first,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_batch_reclaim_publishes_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rewind_racing_reclaim,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
