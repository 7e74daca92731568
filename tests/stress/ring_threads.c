// SPDX-License-Identifier: GPL-2.0-only
/*
 * Stress of the Earlydata ring in one process: a producer thread and a
 * consumer thread on one PMEM buffer, through the ring API only, at full
 * speed on a tiny ring whose record_max is as large as the geometry
 * allows (about half the data area). The consumer pauses at random,
 * crashes (re-opens on the same PMEM with no private state) before or
 * after a commit, and reads by copy or by peek and commit; the producer
 * pauses and restarts (re-attaches: it must resume). Waits use the
 * protocol's own arm/generation handshake, with an in-process stand-in
 * for the two XIRQs.
 *
 * Checked: no fault on either side; every message starts at the sequence
 * number the previous one ended at (records delivered at most once, in
 * increasing order, and no silent gap); every record intact (length,
 * type, timestamp and bytes derived from its sequence number); loss
 * events only of the policy's reason (none for block); delivered + lost
 * == every sequence number the producer spent; no lost wake-up.
 *
 * Built as is, under ThreadSanitizer too (scripts/build.sh tsan).
 *
 * usage: ring_threads POLICY [SECONDS] [--ring BYTES] [--record-max N]
 *                    [--seed N] [--batch]
 *   POLICY	block | drop-new | overwrite-oldest
 *   SECONDS	total run time (default 3), split over two geometries
 *		unless --ring is given; STRESS_THREADS_SECONDS overrides it
 *   --seed	random seed (default: from the clock; STRESS_SEED)
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <earlydata/ring_io.h>

#define STALL_NS (2000ull * 1000000ull) /* both ends asleep this long */
#define LATE_NS (100ull * 1000000ull) /* a data XIRQ this late was lost */
#define DRAIN_NS (20000ull * 1000000ull) /* consumer catch-up at the end */
#define MAX_DETAILS 12 /* failure lines printed in full */
#define MAX_KINDS 32 /* distinct fault kinds counted */

/* ---- small helpers ----------------------------------------------------- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* Per-thread random numbers (xorshift64*). */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static uint64_t rnd_below(uint64_t *s, uint64_t n)
{
	return n ? rnd(s) % n : 0;
}

static const char *policy_name(uint32_t p)
{
	return p == ED_POLICY_BLOCK    ? "block" :
	       p == ED_POLICY_DROP_NEW ? "drop-new" :
					 "overwrite-oldest";
}

/*
 * Run the calling thread on the k-th CPU we may use (when there are two):
 * producer and consumer then truly run at the same time, and the reader
 * is lapped while it reads.
 */
static void pin(int k)
{
	cpu_set_t all, one;
	int cpu, seen = 0;

	if (sched_getaffinity(0, sizeof(all), &all) || CPU_COUNT(&all) < 2)
		return;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &all) || seen++ != k)
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
		return;
	}
}

/* ---- the record of sequence number seq --------------------------------- */

struct geom {
	uint64_t data_size;
	uint32_t record_max;
};

/* Lengths: many small, some anywhere, many near record_max (pads, wraps). */
static uint32_t len_of(uint64_t seq, uint32_t rmax)
{
	uint64_t h = mix(seq ^ 0x6c656e67746821ull);
	uint32_t k = (uint32_t)(h % 10), v = (uint32_t)(h >> 16);

	if (k < 4)
		return v % (rmax < 64 ? rmax + 1 : 65);
	if (k < 7)
		return v % (rmax + 1);
	return rmax - v % (rmax < 16 ? rmax + 1 : 17);
}

static uint16_t type_of(uint64_t seq)
{
	return (uint16_t)(mix(seq ^ 0x74797065ull) % (ED_REC_TYPE_MAX + 1));
}

static uint64_t ts_of(uint64_t seq)
{
	return mix(seq ^ 0x7473ull) >> 1;
}

static void fill(uint8_t *b, uint64_t seq, uint32_t len)
{
	uint64_t w = 0;
	uint32_t i;

	for (i = 0; i < len; i++) {
		if (!(i & 7))
			w = mix(seq * 0x100000001b3ull + i);
		b[i] = (uint8_t)(w >> (8 * (i & 7)));
	}
}

/* First differing byte of a payload, or -1 when it is the one of seq. */
static long payload_diff(const uint8_t *b, uint64_t seq, uint32_t len)
{
	uint64_t w = 0;
	uint32_t i;

	for (i = 0; i < len; i++) {
		if (!(i & 7))
			w = mix(seq * 0x100000001b3ull + i);
		if (b[i] != (uint8_t)(w >> (8 * (i & 7))))
			return (long)i;
	}
	return -1;
}

/*
 * Copy record bytes out of the PMEM the producer may be overwriting
 * (overwrite-oldest): word by word with relaxed atomic loads, so that the
 * test's own copy is no data race. Payloads start 8-aligned and their
 * span is a multiple of 8, so the words stay inside the record.
 */
static void copy_shared(uint8_t *dst, const void *src, uint32_t len)
{
	const uint64_t *s = src;
	uint32_t i, words = (len + 7) / 8;
	uint64_t w;

	for (i = 0; i < words; i++) {
		w = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
		memcpy(dst + 8 * i, &w, 8);
	}
}

/* ---- failures ---------------------------------------------------------- */

static pthread_mutex_t fail_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long failures, details;
static const char *run_name = "";

struct kind {
	const char *side, *field, *rule;
	unsigned long n;
};
static struct kind kinds[MAX_KINDS];
static unsigned long other_kinds;

/* One failure: counted always, printed in full MAX_DETAILS times. */
__attribute__((format(printf, 1, 2))) static void fail(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&fail_lock);
	failures++;
	if (details++ < MAX_DETAILS) {
		printf("FAIL %s: ", run_name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		putchar('\n');
		fflush(stdout);
	} else if (details == MAX_DETAILS + 1) {
		printf("FAIL %s: (further failures counted, not shown)\n",
		       run_name);
	}
	pthread_mutex_unlock(&fail_lock);
}

static void count_kind(const char *side, const struct ed_fault *f)
{
	int i;

	pthread_mutex_lock(&fail_lock);
	for (i = 0; i < MAX_KINDS; i++) {
		if (!kinds[i].side) {
			kinds[i] = (struct kind){ side, f->field, f->rule, 0 };
		}
		if (!strcmp(kinds[i].side, side) &&
		    !strcmp(kinds[i].field, f->field) &&
		    !strcmp(kinds[i].rule, f->rule)) {
			kinds[i].n++;
			break;
		}
	}
	if (i == MAX_KINDS)
		other_kinds++;
	pthread_mutex_unlock(&fail_lock);
}

/* ---- the XIRQ stand-in: a counted event, watched for lost wake-ups ------ */

struct event {
	pthread_mutex_t m;
	pthread_cond_t cv;
	unsigned long posts;
	int waiting; /* a thread sleeps until posts != snap */
	unsigned long snap;
	uint64_t since, aux; /* when it went to sleep; peer progress then */
};

static void ev_init(struct event *e)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&e->m, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&e->cv, &ca);
	pthread_condattr_destroy(&ca);
	e->posts = 0;
	e->waiting = 0;
}

static void ev_destroy(struct event *e)
{
	pthread_cond_destroy(&e->cv);
	pthread_mutex_destroy(&e->m);
}

static unsigned long ev_snap(struct event *e)
{
	unsigned long v;

	pthread_mutex_lock(&e->m);
	v = e->posts;
	pthread_mutex_unlock(&e->m);
	return v;
}

static void ev_post(struct event *e)
{
	pthread_mutex_lock(&e->m);
	e->posts++;
	pthread_cond_broadcast(&e->cv);
	pthread_mutex_unlock(&e->m);
}

/*
 * Sleep until the event is posted after `snap` was taken, or *quit. The
 * 50 ms slices only poll *quit; lost wake-ups are the watchdog's business.
 */
static void ev_wait(struct event *e, unsigned long snap, uint64_t aux,
		    const int *quit)
{
	struct timespec dl;

	pthread_mutex_lock(&e->m);
	e->waiting = 1;
	e->snap = snap;
	e->since = now_ns();
	e->aux = aux;
	while (e->posts == snap && !__atomic_load_n(quit, __ATOMIC_ACQUIRE)) {
		clock_gettime(CLOCK_MONOTONIC, &dl);
		dl.tv_nsec += 50000000L;
		if (dl.tv_nsec >= 1000000000L) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&e->cv, &e->m, &dl);
	}
	e->waiting = 0;
	pthread_mutex_unlock(&e->m);
}

/* Asleep since when (0: not asleep, or already posted)? */
static uint64_t ev_asleep(struct event *e, uint64_t *aux)
{
	uint64_t since = 0;

	pthread_mutex_lock(&e->m);
	if (e->waiting && e->posts == e->snap) {
		since = e->since;
		*aux = e->aux;
	}
	pthread_mutex_unlock(&e->m);
	return since;
}

/* ---- one run: a geometry and a policy ---------------------------------- */

struct run {
	struct geom g;
	uint32_t policy;
	int batch; /* --batch: the producer writes batches */
	uint64_t seconds_ns, seed;
	uint8_t *pmem;
	uint64_t pmem_size;
	struct event data_ev, space_ev; /* the two XIRQs */
	int stop; /* producer: stop writing */
	int prod_done; /* producer: final_seq is set */
	int quit; /* everyone: give up */
	int cons_done; /* the consumer thread ended */
	uint64_t final_seq; /* sequence numbers spent by the producer */
	uint64_t prod_progress, cons_progress; /* writes+drops, messages */
	uint64_t epoch;
	/* Producer totals (summed over its restarts). */
	uint64_t p_written, p_dropped, p_blocked, p_overwritten, p_faults,
		p_restarts, p_waits, p_notify;
	/* Consumer totals. */
	uint64_t c_records, c_lost, c_events, c_faults, c_restarts, c_stale,
		c_peeks, c_next, c_reads_lost, c_waits;
	uint64_t c_uncommitted[2]; /* crashes before a record's/loss's commit */
	uint64_t lost_by[5];
	uint64_t lost_wakeups;
};

static uint64_t shared_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* The producer's and consumer's shared positions, for messages. */
static void where(struct run *r, char *buf, size_t n)
{
	struct ed_ring_hdr *h = (struct ed_ring_hdr *)r->pmem;
	struct ed_cons_ctl *c =
		(struct ed_cons_ctl *)(r->pmem + ED_CONS_CTL_OFF);

	snprintf(buf, n,
		 "shared magic 0x%x head %" PRIu64 " tail %" PRIu64
		 " next_seq %" PRIu64 " read_pos %" PRIu64 " read_seq %" PRIu64,
		 __atomic_load_n(&h->magic, __ATOMIC_RELAXED),
		 shared_load(&h->head), shared_load(&h->tail),
		 shared_load(&h->next_seq), shared_load(&c->read_pos),
		 shared_load(&c->read_seq));
}

static void producer_fault(struct run *r, const struct ed_producer *p)
{
	char w[200];

	where(r, w, sizeof(w));
	count_kind("producer", &p->fault);
	fail("producer fault: %s %s (value 0x%" PRIx64 ", position %" PRIu64
	     ") at seq %" PRIu64 "; %s",
	     p->fault.field, p->fault.rule, p->fault.value, p->fault.pos,
	     p->next_seq, w);
}

static void producer_totals(struct run *r, const struct ed_producer *p)
{
	r->p_written += p->st.records;
	r->p_dropped += p->st.dropped;
	r->p_blocked += p->st.blocked;
	r->p_overwritten += p->st.overwritten;
	r->p_faults += p->st.faults;
}

/*
 * Version 2.1 of the protocol (ED_EPOCH_MAX) makes the epoch a unique
 * identity drawn from a nonce the host supplies; 2.0 counts epochs.
 */
static int attach(struct run *r, struct ed_producer *p, uint64_t *rs)
{
#ifdef ED_EPOCH_MAX
	return ed_producer_attach(p, r->pmem, r->pmem_size, r->g.data_size,
				  r->g.record_max, r->policy, now_ns(),
				  rnd(rs));
#else
	(void)rs;
	return ed_producer_attach(p, r->pmem, r->pmem_size, r->g.data_size,
				  r->g.record_max, r->policy, now_ns());
#endif
}

/*
 * --batch: 1 to 16 records with one ed_producer_write_batch (one head
 * store for all, all stamped with the first one's time). Returns -1 on a
 * failure (reported).
 */
static int write_batch(struct run *r, struct ed_producer *p, uint64_t *rs,
		       uint8_t *bufs, uint64_t *faults)
{
	struct ed_wrec recs[16];
	uint64_t seq = p->next_seq;
	uint32_t n = 1 + (uint32_t)rnd_below(rs, 16), i, done = 0;
	unsigned long snap;
	int k, notify;

	for (i = 0; i < n; i++) {
		uint8_t *b = bufs + (size_t)i * (r->g.record_max + 8);

		recs[i].buf = b;
		recs[i].len = len_of(seq + i, r->g.record_max);
		recs[i].type = type_of(seq + i);
		fill(b, seq + i, recs[i].len);
	}
	snap = ev_snap(&r->space_ev);
	k = ed_producer_write_batch(p, recs, n, ts_of(seq), &done, &notify);
	if (notify) {
		r->p_notify++;
		ev_post(&r->data_ev);
	}
	if (p->st.faults != *faults) {
		producer_fault(r, p);
		*faults = p->st.faults;
	}
	__atomic_fetch_add(&r->prod_progress, done + (k == -ED_ENOSPC),
			   __ATOMIC_SEQ_CST);
	if (k == 0)
		return 0;
	if (k == -ED_ENOSPC && r->policy == ED_POLICY_DROP_NEW)
		return 0;
	if (k == -ED_EAGAIN && r->policy == ED_POLICY_BLOCK) {
		r->p_waits++;
		ev_wait(&r->space_ev, snap,
			__atomic_load_n(&r->cons_progress, __ATOMIC_SEQ_CST),
			&r->quit);
		return 0;
	}
	fail("producer: batch of %u from seq %" PRIu64 " returned %d after %u",
	     n, seq, k, done);
	return -1;
}

static void *producer(void *arg)
{
	struct run *r = arg;
	struct ed_producer p;
	uint64_t rs = r->seed * 2 + 1, seq, got, faults = 0, until_restart,
		 pause_at;
	uint8_t *buf = malloc(r->g.record_max + 8);
	uint8_t *bufs = malloc(16 * (r->g.record_max + 8));
	unsigned long snap;
	uint32_t len;
	int k, notify;

	pin(1);
	if (!buf || !bufs) {
		fail("producer: out of memory");
		goto out;
	}
	k = attach(r, &p, &rs);
	if (k != ED_ATTACH_FORMATTED) {
		fail("producer: first attach on zeroed PMEM returned %d", k);
		goto out;
	}
	if (p.st.faults)
		producer_fault(r, &p);
	faults = p.st.faults;
	__atomic_store_n(&r->epoch, p.epoch, __ATOMIC_RELEASE);
	until_restart = 1000 + rnd_below(&rs, 20000);
	pause_at = now_ns() + rnd_below(&rs, 50000000);
	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		if (!until_restart--) {
			/* A restart: private state lost, the ring resumed. */
			uint64_t before = p.next_seq;

			producer_totals(r, &p);
			__atomic_fetch_add(&r->p_restarts, 1, __ATOMIC_RELAXED);
			k = attach(r, &p, &rs);
			faults = 0;
			if (k != ED_ATTACH_RESUMED)
				fail("producer restart %" PRIu64
				     ": a new epoch was formatted (%s %s)",
				     r->p_restarts,
				     p.st.faults ? p.fault.field : "?",
				     p.st.faults ? p.fault.rule : "?");
			else if (p.next_seq != before || p.epoch != r->epoch)
				fail("producer restart %" PRIu64
				     ": resumed at epoch %" PRIu64
				     " seq %" PRIu64 ", was epoch %" PRIu64
				     " seq %" PRIu64,
				     r->p_restarts, p.epoch, p.next_seq,
				     r->epoch, before);
			until_restart = 1000 + rnd_below(&rs, 20000);
		}
		if (now_ns() >= pause_at) {
			/* A pause: the consumer catches up and sleeps. */
			usleep((useconds_t)rnd_below(&rs, 1000));
			pause_at = now_ns() + rnd_below(&rs, 50000000);
		}
		if (r->batch) {
			if (write_batch(r, &p, &rs, bufs, &faults))
				break;
			continue;
		}
		seq = p.next_seq;
		len = len_of(seq, r->g.record_max);
		fill(buf, seq, len);
		snap = ev_snap(&r->space_ev);
		got = ~0ull;
		k = ed_producer_write(&p, type_of(seq), buf, len, ts_of(seq),
				      &got, &notify);
		if (notify) {
			r->p_notify++;
			ev_post(&r->data_ev);
		}
		if (p.st.faults != faults) {
			producer_fault(r, &p);
			faults = p.st.faults;
		}
		if (k == 0 || k == -ED_ENOSPC) {
			if (got != seq)
				fail("producer: write of seq %" PRIu64
				     " returned seq %" PRIu64,
				     seq, got);
			if (k == -ED_ENOSPC && r->policy != ED_POLICY_DROP_NEW)
				fail("producer: -ENOSPC under %s",
				     policy_name(r->policy));
			__atomic_fetch_add(&r->prod_progress, 1,
					   __ATOMIC_SEQ_CST);
		} else if (k == -ED_EAGAIN && r->policy == ED_POLICY_BLOCK) {
			/* Full: the write armed a space XIRQ; sleep on it. */
			r->p_waits++;
			ev_wait(&r->space_ev, snap,
				__atomic_load_n(&r->cons_progress,
						__ATOMIC_SEQ_CST),
				&r->quit);
		} else {
			fail("producer: write of seq %" PRIu64
			     " (%u bytes) returned %d",
			     seq, len, k);
			break;
		}
	}
	producer_totals(r, &p);
	__atomic_store_n(&r->final_seq, p.next_seq, __ATOMIC_RELAXED);
out:
	__atomic_store_n(&r->prod_done, 1, __ATOMIC_RELEASE);
	ev_post(&r->data_ev);
	free(buf);
	free(bufs);
	return NULL;
}

static void consumer_fault(struct run *r, const struct ed_consumer *c)
{
	char w[200];

	where(r, w, sizeof(w));
	count_kind("consumer", &c->fault);
	fail("consumer fault: %s %s (value 0x%" PRIx64 ", position %" PRIu64
	     ") expecting seq %" PRIu64 "; %s",
	     c->fault.field, c->fault.rule, c->fault.value, c->fault.pos,
	     r->c_next, w);
}

static void consumer_totals(struct run *r, const struct ed_consumer *c)
{
	r->c_faults += c->st.faults;
}

static uint32_t wanted_reason(uint32_t policy)
{
	return policy == ED_POLICY_DROP_NEW	    ? ED_LOSS_DROPPED :
	       policy == ED_POLICY_OVERWRITE_OLDEST ? ED_LOSS_OVERWRITTEN :
						      0;
}

/* A delivered message: in order, intact, of the right kind. */
static void check_msg(struct run *r, const struct ed_msg *m,
		      const uint8_t *payload)
{
	uint64_t want_ts;
	uint32_t want_len;
	uint16_t want_type;
	long d;

	uint64_t epoch = __atomic_load_n(&r->epoch, __ATOMIC_ACQUIRE);

	if (m->epoch != epoch)
		fail("message in epoch %" PRIu64 ", the producer's is %" PRIu64,
		     m->epoch, epoch);
	if (m->kind == ED_MSG_LOSS) {
		uint32_t want = wanted_reason(r->policy);

		r->c_events++;
		r->c_lost += m->loss_count;
		r->lost_by[m->loss_reason < 5 ? m->loss_reason : 0] +=
			m->loss_count;
		if (m->loss_reason != want)
			fail("loss event [%" PRIu64 ", +%" PRIu64
			     ") reason %s under %s: %s",
			     m->loss_first, m->loss_count,
			     ed_loss_reason_name(m->loss_reason),
			     policy_name(r->policy),
			     want ? "only this policy's reason is allowed" :
				    "block never loses");
		if (!m->loss_count)
			fail("loss event at seq %" PRIu64
			     " with count 0 (reason %s): count unknown",
			     m->loss_first,
			     ed_loss_reason_name(m->loss_reason));
		if (m->loss_first != r->c_next)
			fail("loss event [%" PRIu64 ", +%" PRIu64
			     ") does not start at the expected seq %" PRIu64
			     " (%s)",
			     m->loss_first, m->loss_count, r->c_next,
			     m->loss_first < r->c_next ?
				     "overlaps records delivered or lost before" :
				     "silent gap before it");
		if (m->loss_first + m->loss_count > r->c_next)
			r->c_next = m->loss_first + m->loss_count;
		return;
	}
	r->c_records++;
	if (m->seq != r->c_next)
		fail("record seq %" PRIu64 " delivered, expected %" PRIu64
		     " (%s)",
		     m->seq, r->c_next,
		     m->seq < r->c_next ?
			     "delivered twice, out of order, or inside a loss" :
			     "silent gap: neither delivered nor lost");
	if (m->seq + 1 > r->c_next)
		r->c_next = m->seq + 1;
	want_len = len_of(m->seq, r->g.record_max);
	want_type = type_of(m->seq);
	/* A batch's records share its first one's time stamp. */
	want_ts = r->batch ? m->ts_ns : ts_of(m->seq);
	if (m->len != want_len || m->type != want_type || m->ts_ns != want_ts) {
		fail("record seq %" PRIu64
		     " corrupt: len %u type %u ts %" PRIu64
		     ", expected len %u type %u ts %" PRIu64,
		     m->seq, m->len, m->type, m->ts_ns, want_len, want_type,
		     want_ts);
		return;
	}
	d = payload_diff(payload, m->seq, m->len);
	if (d >= 0)
		fail("record seq %" PRIu64 " corrupt: payload byte %ld of %u "
		     "differs",
		     m->seq, d, m->len);
}

static void *consumer(void *arg)
{
	struct run *r = arg;
	struct ed_consumer c;
	struct ed_msg m;
	uint64_t rs = r->seed * 2 + 7, until_restart, faults = 0, drain = 0,
		 pause_at;
	uint8_t *buf = malloc(r->g.record_max + 8);
	unsigned long snap;
	int k, e, notify, idle = 0, crash_mid = 0, losses_held = 0;

	pin(0);
	if (!buf) {
		fail("consumer: out of memory");
		__atomic_store_n(&r->cons_done, 1, __ATOMIC_RELEASE);
		return NULL;
	}
	ed_consumer_open(&c, r->pmem, r->pmem_size);
	until_restart = 500 + rnd_below(&rs, 10000);
	pause_at = now_ns() + rnd_below(&rs, 10000000);
	while (!__atomic_load_n(&r->quit, __ATOMIC_ACQUIRE)) {
		int peek = crash_mid || rnd_below(&rs, 2);

		if (!crash_mid && !until_restart--) {
			until_restart = 500 + rnd_below(&rs, 10000);
			/* Half the crashes come between a peek and its commit. */
			crash_mid = (int)rnd_below(&rs, 2);
			if (!crash_mid) {
				consumer_totals(r, &c);
				ed_consumer_open(&c, r->pmem, r->pmem_size);
				faults = 0;
				r->c_restarts++;
			}
		}
		if (now_ns() >= pause_at) {
			/* A pause: the ring fills, the producer waits or loses. */
			usleep((useconds_t)rnd_below(&rs, 3000));
			pause_at = now_ns() + rnd_below(&rs, 10000000);
		}
		if (peek) {
			r->c_peeks++;
			k = ed_consumer_peek(&c, &m);
			if (k == ED_MSG_RECORD)
				copy_shared(buf, m.data, m.len);
		} else {
			k = ed_consumer_read(&c, &m, buf, r->g.record_max,
					     &notify);
			if (notify)
				ev_post(&r->space_ev);
		}
		if (c.st.faults != faults) {
			consumer_fault(r, &c);
			faults = c.st.faults;
		}
		/*
		 * A message is delivered once committed. A crash before the
		 * commit (a record, or a loss where the API holds losses
		 * until commit) gets it again after the restart.
		 */
		if (peek && crash_mid &&
		    (k == ED_MSG_RECORD || (k == ED_MSG_LOSS && losses_held))) {
			crash_mid = 0;
			r->c_uncommitted[k == ED_MSG_LOSS]++;
			consumer_totals(r, &c);
			ed_consumer_open(&c, r->pmem, r->pmem_size);
			faults = 0;
			r->c_restarts++;
			continue;
		}
		if (peek && (k == ED_MSG_RECORD || k == ED_MSG_LOSS)) {
			e = ed_consumer_commit(&c, &notify);
			if (notify)
				ev_post(&r->space_ev);
			if (k == ED_MSG_LOSS) {
				/* Protocol 2.0: a loss needs no commit. */
				if (e == -ED_EINVAL && !losses_held)
					e = 0;
				else if (!e)
					losses_held = 1;
				if (e) {
					fail("commit of the loss [%" PRIu64
					     ", +%" PRIu64 ") returned %d",
					     m.loss_first, m.loss_count, e);
					continue;
				}
			}
			if (e == -ED_ESTALE) {
				r->c_stale++;
				if (r->policy != ED_POLICY_OVERWRITE_OLDEST) {
					char w[200];

					where(r, w, sizeof(w));
					fail("commit of seq %" PRIu64
					     " returned -ESTALE under %s, "
					     "where no record is overwritten "
					     "(%" PRIu64
					     " producer restarts so "
					     "far); %s",
					     m.seq, policy_name(r->policy),
					     __atomic_load_n(&r->p_restarts,
							     __ATOMIC_RELAXED),
					     w);
				}
				continue;
			}
			if (e) {
				fail("commit of seq %" PRIu64 " returned %d",
				     m.seq, e);
				continue;
			}
		}
		if (k == ED_MSG_RECORD || k == ED_MSG_LOSS) {
			check_msg(r, &m, buf);
			__atomic_fetch_add(&r->cons_progress, 1,
					   __ATOMIC_SEQ_CST);
			idle = 0;
			continue;
		}
		if (k == -ED_EPROTO)
			continue; /* reported; the consumer resynchronised */
		if (k == -ED_EAGAIN) {
			sched_yield(); /* no ring yet, or a header rewrite */
			continue;
		}
		if (k != ED_MSG_NONE) {
			fail("consumer: %s returned %d", peek ? "peek" : "read",
			     k);
			break;
		}
		/* Caught up. Done when the producer is and all is accounted. */
		if (__atomic_load_n(&r->prod_done, __ATOMIC_ACQUIRE)) {
			if (r->c_next ==
			    __atomic_load_n(&r->final_seq, __ATOMIC_RELAXED))
				break;
			if (!drain)
				drain = now_ns();
			if (++idle > 1000 && now_ns() - drain > DRAIN_NS) {
				char w[200];

				where(r, w, sizeof(w));
				fail("consumer caught up at seq %" PRIu64
				     " but the producer spent %" PRIu64
				     " sequence numbers: %" PRIu64
				     " neither delivered nor reported lost; %s",
				     r->c_next, r->final_seq,
				     r->final_seq - r->c_next, w);
				break;
			}
			continue;
		}
		/* Arm the data XIRQ, sleep unless something came meanwhile. */
		snap = ev_snap(&r->data_ev);
		if (ed_consumer_arm(&c))
			continue;
		r->c_waits++;
		ev_wait(&r->data_ev, snap,
			__atomic_load_n(&r->prod_progress, __ATOMIC_SEQ_CST),
			&r->quit);
	}
	consumer_totals(r, &c);
	free(buf);
	__atomic_store_n(&r->cons_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * Lost wake-ups. The consumer sleeps only after arming and finding
 * nothing new: a record or drop completed after that must have sent the
 * data XIRQ (the producer posts it before it counts its progress, and
 * progress is read here before the consumer's state), so this check is
 * exact; LATE_NS only keeps the report short of a race with the post.
 * A producer that restarts notifies again, which would hide the loss from
 * a mere "nothing moved" check. The producer sleeps only after arming and
 * finding no space: if the consumer is asleep too for STALL_NS, the space
 * XIRQ was lost (a consumer that has read everything leaves room for any
 * record).
 */
static void watchdog(struct run *r)
{
	uint64_t t, cs, ps, caux = 0, paux = 0, prog;
	char w[200];

	/* Progress first: a write counted here has posted its XIRQ. */
	prog = __atomic_load_n(&r->prod_progress, __ATOMIC_SEQ_CST);
	cs = ev_asleep(&r->data_ev, &caux);
	ps = ev_asleep(&r->space_ev, &paux);
	t = now_ns();
	if (cs && t - cs > LATE_NS && prog > caux) {
		where(r, w, sizeof(w));
		r->lost_wakeups++;
		fail("lost data wake-up: the consumer sleeps since %.1f s "
		     "while the producer made %" PRIu64
		     " writes or drops since; %s",
		     (double)(t - cs) / 1e9, prog - caux, w);
		ev_post(&r->data_ev);
	} else if (cs && ps && t - cs > STALL_NS && t - ps > STALL_NS) {
		where(r, w, sizeof(w));
		r->lost_wakeups++;
		fail("lost space wake-up: producer and consumer both asleep "
		     "for %.1f s; %s",
		     (double)(t - (cs > ps ? cs : ps)) / 1e9, w);
		ev_post(&r->space_ev);
		ev_post(&r->data_ev);
	}
}

/* Largest record_max the geometry allows for data_size (about half). */
static uint32_t max_record(uint64_t data_size)
{
	uint64_t span = ((data_size - ED_REC_HDR_SIZE) / 2) & ~7ull;

	return (uint32_t)(span - ED_REC_HDR_SIZE);
}

static int batch_mode; /* --batch */

static int run_one(uint32_t policy, struct geom g, uint64_t ns, uint64_t seed)
{
	static char name[96];
	struct run *r = calloc(1, sizeof(*r));
	unsigned long fail0 = failures;
	pthread_t pt, ct;
	uint64_t t0, total, lost_policy;
	int i, ok;

	if (!r)
		return -1;
	snprintf(name, sizeof(name), "%s ring %" PRIu64 " record_max %u",
		 policy_name(policy), g.data_size, g.record_max);
	run_name = name;
	r->g = g;
	r->policy = policy;
	r->batch = batch_mode;
	r->seed = seed;
	r->seconds_ns = ns;
	r->pmem_size = ed_ring_pmem_size(g.data_size);
	if (ed_ring_geometry_ok(r->pmem_size, g.data_size, g.record_max)) {
		fail("geometry refused by ed_ring_geometry_ok");
		free(r);
		return -1;
	}
	r->pmem = aligned_alloc(4096, (r->pmem_size + 4095) & ~4095ull);
	if (!r->pmem) {
		free(r);
		return -1;
	}
	memset(r->pmem, 0, r->pmem_size);
	ev_init(&r->data_ev);
	ev_init(&r->space_ev);
	t0 = now_ns();
	if (pthread_create(&pt, NULL, producer, r) ||
	    pthread_create(&ct, NULL, consumer, r)) {
		fprintf(stderr, "pthread_create failed\n");
		exit(2);
	}
	/* The run time, then the drain: watch for lost wake-ups meanwhile. */
	while (!__atomic_load_n(&r->quit, __ATOMIC_ACQUIRE)) {
		struct timespec ts = { 0, 20000000L };

		nanosleep(&ts, NULL);
		watchdog(r);
		if (now_ns() - t0 >= ns)
			__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
		if (now_ns() - t0 >= ns + DRAIN_NS + 10000000000ull) {
			fail("the threads did not finish %.0f s after the end",
			     (double)(DRAIN_NS + 10000000000ull) / 1e9);
			__atomic_store_n(&r->quit, 1, __ATOMIC_RELEASE);
		}
		if (__atomic_load_n(&r->cons_done, __ATOMIC_ACQUIRE))
			break;
	}
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&r->quit, 1, __ATOMIC_RELEASE);
	pthread_join(pt, NULL);
	pthread_join(ct, NULL);

	/* Exact accounting: every sequence number delivered or lost, once. */
	total = r->final_seq;
	if (r->c_next != total)
		fail("accounting: the consumer ended at seq %" PRIu64
		     ", the producer spent %" PRIu64,
		     r->c_next, total);
	if (r->c_records + r->c_lost != total)
		fail("accounting: %" PRIu64 " delivered + %" PRIu64
		     " lost = %" PRIu64 ", the producer spent %" PRIu64
		     " sequence numbers (%+" PRId64 ")",
		     r->c_records, r->c_lost, r->c_records + r->c_lost, total,
		     (int64_t)(r->c_records + r->c_lost - total));
	if (r->p_written + r->p_dropped != total)
		fail("producer: %" PRIu64 " written + %" PRIu64
		     " dropped != %" PRIu64 " sequence numbers",
		     r->p_written, r->p_dropped, total);
	lost_policy = r->lost_by[wanted_reason(policy)];
	if (policy == ED_POLICY_DROP_NEW && r->p_dropped != lost_policy)
		fail("drop-new: the producer dropped %" PRIu64
		     " records, the consumer was told of %" PRIu64,
		     r->p_dropped, lost_policy);
	/* A run that never filled the ring tested nothing. */
	if (policy == ED_POLICY_BLOCK && !r->p_blocked)
		fail("block: the ring never filled (raise the duration)");
	if (policy != ED_POLICY_BLOCK && !lost_policy)
		fail("%s: nothing was lost: the ring never overflowed",
		     policy_name(policy));

	printf("%s %s: %.1f s, seq 0..%" PRIu64 ": producer wrote %" PRIu64
	       ", dropped %" PRIu64 ", blocked %" PRIu64 ", overwrote %" PRIu64
	       ", restarted %" PRIu64 ", faults %" PRIu64
	       "; consumer got %" PRIu64 " records, lost %" PRIu64
	       " in %" PRIu64 " events (dropped %" PRIu64
	       " overwritten %" PRIu64 " corrupt %" PRIu64
	       " reset/unknown %" PRIu64 "), stale %" PRIu64
	       ", restarted %" PRIu64 " (%" PRIu64
	       " before a record's commit, %" PRIu64
	       " before a loss's), faults %" PRIu64 ", slept %" PRIu64
	       "; lost wake-ups %" PRIu64 "\n",
	       failures == fail0 ? "ok  " : "FAIL", name,
	       (double)(now_ns() - t0) / 1e9, total, r->p_written, r->p_dropped,
	       r->p_blocked, r->p_overwritten, r->p_restarts, r->p_faults,
	       r->c_records, r->c_lost, r->c_events,
	       r->lost_by[ED_LOSS_DROPPED], r->lost_by[ED_LOSS_OVERWRITTEN],
	       r->lost_by[ED_LOSS_CORRUPT],
	       r->lost_by[ED_LOSS_RESET] + r->lost_by[0], r->c_stale,
	       r->c_restarts, r->c_uncommitted[0], r->c_uncommitted[1],
	       r->c_faults, r->c_waits, r->lost_wakeups);
	for (i = 0; i < MAX_KINDS && kinds[i].side; i++)
		printf("     %lu %s faults: %s %s\n", kinds[i].n, kinds[i].side,
		       kinds[i].field, kinds[i].rule);
	if (other_kinds)
		printf("     %lu faults of other kinds\n", other_kinds);
	fflush(stdout);
	memset(kinds, 0, sizeof(kinds));
	other_kinds = 0;
	details = 0;
	ok = failures == fail0;
	ev_destroy(&r->data_ev);
	ev_destroy(&r->space_ev);
	free(r->pmem);
	free(r);
	return ok ? 0 : -1;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end;
}

int main(int argc, char **argv)
{
	uint64_t seconds_ms = 3000, seed, ring = 0, rmax = 0, v;
	const char *env;
	uint32_t policy;
	struct geom g[2];
	int i, ng, rc = 0;
	double d;
	char *end;

	if (argc < 2) {
		fprintf(stderr,
			"usage: %s block|drop-new|overwrite-oldest [SECONDS] "
			"[--ring BYTES] [--record-max N] [--seed N] [--batch]\n",
			argv[0]);
		return 2;
	}
	if (!strcmp(argv[1], "block"))
		policy = ED_POLICY_BLOCK;
	else if (!strcmp(argv[1], "drop-new"))
		policy = ED_POLICY_DROP_NEW;
	else if (!strcmp(argv[1], "overwrite-oldest"))
		policy = ED_POLICY_OVERWRITE_OLDEST;
	else {
		fprintf(stderr, "%s: unknown policy '%s'\n", argv[0], argv[1]);
		return 2;
	}
	seed = (now_ns() ^ ((uint64_t)getpid() << 32)) % 1000000007ull;
	if ((env = getenv("STRESS_SEED")) && *env && parse_u64(env, &seed)) {
		fprintf(stderr, "%s: bad STRESS_SEED '%s'\n", argv[0], env);
		return 2;
	}
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--ring") && i + 1 < argc) {
			if (parse_u64(argv[++i], &ring))
				goto bad;
		} else if (!strcmp(argv[i], "--record-max") && i + 1 < argc) {
			if (parse_u64(argv[++i], &rmax) || !rmax ||
			    rmax > 0x7fffffff)
				goto bad;
		} else if (!strcmp(argv[i], "--batch")) {
			batch_mode = 1;
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			if (parse_u64(argv[++i], &seed))
				goto bad;
		} else {
			d = strtod(argv[i], &end);
			if (*end || end == argv[i] || d <= 0 || d > 86400)
				goto bad;
			seconds_ms = (uint64_t)(d * 1000);
		}
	}
	if ((env = getenv("STRESS_THREADS_SECONDS")) && *env) {
		d = strtod(env, &end);
		if (*end || d <= 0 || d > 86400) {
			fprintf(stderr, "%s: bad STRESS_THREADS_SECONDS '%s'\n",
				argv[0], env);
			return 2;
		}
		seconds_ms = (uint64_t)(d * 1000);
	}
	if (ring) {
		g[0].data_size = ring;
		g[0].record_max =
			(uint32_t)(rmax		       ? rmax :
				   ring >= 2 * 40 + 32 ? max_record(ring) :
							 1);
		ng = 1;
	} else {
		/* A power of two, and a size whose end leaves odd rooms. */
		g[0] = (struct geom){ 4096, max_record(4096) };
		g[1] = (struct geom){ 3000, max_record(3000) - 3 };
		ng = 2;
	}
	printf("ring_threads %s: %.1f s, seed %" PRIu64 " (STRESS_SEED=%" PRIu64
	       " replays the random choices)\n",
	       argv[1], (double)seconds_ms / 1000, seed, seed);
	for (i = 0; i < ng; i++) {
		v = seconds_ms * 1000000ull / (uint64_t)ng;
		if (run_one(policy, g[i], v, seed + (uint64_t)i))
			rc = 1;
	}
	printf("ring_threads %s: %s (%lu failures)\n", argv[1],
	       rc ? "FAILED" : "passed", failures);
	return rc;
bad:
	fprintf(stderr, "%s: bad argument '%s'\n", argv[0], argv[i]);
	return 2;
}
