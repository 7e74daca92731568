// SPDX-License-Identifier: GPL-2.0-only
/*
 * User-space host of the Earlydata driver core: one mutex per channel,
 * and a condition variable on which waiters sleep until an XIRQ handler
 * posts events for their channel. A thread waiting on one channel takes
 * the channel's XIRQ itself when no other thread does (nkddi_xirq_wait:
 * the handler runs in the waiting thread, without a second wake-up).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/random.h>
#include <unistd.h>
#include <time.h>

#include <earlydata/ed_user.h>
#include <nkddi/nkddi.h>

static pthread_mutex_t locks[ED_MAX_CHANNELS];
static pthread_mutex_t wait_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wait_cond;
static unsigned int posted[ED_MAX_CHANNELS];
static bool taken[ED_MAX_CHANNELS]; /* a thread waits in nkddi_xirq_wait */
static _Thread_local int taking = -1; /* the channel this thread takes */
static ed_user_fault_fn fault_fn;

nku64_f ed_user_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (nku64_f)ts.tv_sec * 1000000000ull + (nku64_f)ts.tv_nsec;
}

static nku64_f host_now(void *ctx)
{
	(void)ctx;
	return ed_user_now_ns();
}

/* Ring identities: the kernel's random source, or clock and pid. */
static nku64_f host_random(void *ctx)
{
	nku64_f v;

	(void)ctx;
	if (getrandom(&v, sizeof(v), 0) == (ssize_t)sizeof(v))
		return v;
	return ed_user_now_ns() * 0x9e3779b97f4a7c15ull ^ (nku64_f)getpid();
}

static void host_lock(void *ctx, struct ed_channel *ch)
{
	(void)ctx;
	pthread_mutex_lock(&locks[ch->index]);
}

static void host_unlock(void *ctx, struct ed_channel *ch)
{
	(void)ctx;
	pthread_mutex_unlock(&locks[ch->index]);
}

static void host_wake(void *ctx, struct ed_channel *ch, unsigned int ev)
{
	bool kick;

	(void)ctx;
	pthread_mutex_lock(&wait_lock);
	posted[ch->index] |= ev;
	pthread_cond_broadcast(&wait_cond);
	/* Unless we are that thread, running the channel's handler. */
	kick = taken[ch->index] && taking != ch->index;
	pthread_mutex_unlock(&wait_lock);
	if (kick)
		nkddi_xirq_wake(ch->rx);
}

/* Print faults, at most 10 a second per channel (a hostile peer may flood). */
static void print_fault(struct ed_channel *ch, const struct ed_fault *f)
{
	static nku64_f window[ED_MAX_CHANNELS];
	static unsigned int shown[ED_MAX_CHANNELS], hidden[ED_MAX_CHANNELS];
	nku64_f sec = ed_user_now_ns() / 1000000000u;

	if (sec != window[ch->index]) {
		if (hidden[ch->index])
			fprintf(stderr,
				"earlydata: channel %s: %u more faults not "
				"shown\n",
				ch->cfg.name, hidden[ch->index]);
		window[ch->index] = sec;
		shown[ch->index] = hidden[ch->index] = 0;
	}
	if (++shown[ch->index] > 10) {
		hidden[ch->index]++;
		return;
	}
	fprintf(stderr,
		"earlydata: channel %s: peer fault: %s %s (value 0x%llx, "
		"position %llu); resetting the link\n",
		ch->cfg.name, f->field, f->rule, (unsigned long long)f->value,
		(unsigned long long)f->pos);
}

static void host_fault(void *ctx, struct ed_channel *ch,
		       const struct ed_fault *f)
{
	(void)ctx;
	(fault_fn ? fault_fn : print_fault)(ch, f);
}

static const struct ed_host host = {
	.now_ns = host_now,
	.random = host_random,
	.lock = host_lock,
	.unlock = host_unlock,
	.wake = host_wake,
	.fault = host_fault,
};

void ed_user_on_fault(ed_user_fault_fn fn)
{
	fault_fn = fn;
}

int ed_user_init(char *err, size_t errlen)
{
	pthread_condattr_t ca;
	int i;

	for (i = 0; i < ED_MAX_CHANNELS; i++)
		pthread_mutex_init(&locks[i], NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&wait_cond, &ca);
	pthread_condattr_destroy(&ca);
	return ed_init(&host, err, (nku32_f)errlen);
}

/* Events posted for ch (all channels when NULL); wait_lock held. */
static unsigned int pending(struct ed_channel *ch, unsigned int events)
{
	unsigned int got = 0;
	int i;

	if (ch)
		return posted[ch->index] & events;
	for (i = 0; i < ED_MAX_CHANNELS; i++)
		got |= posted[i] & events;
	return got;
}

/* Sleep on wait_cond until dl (none when timeout_ms < 0); wait_lock held. */
static int cond_sleep(const struct timespec *dl, int timeout_ms)
{
	return timeout_ms < 0 ?
		       pthread_cond_wait(&wait_cond, &wait_lock) :
		       pthread_cond_timedwait(&wait_cond, &wait_lock, dl);
}

/* Milliseconds until dl, rounded up (0: passed). */
static int ms_until(const struct timespec *dl)
{
	struct timespec now;
	long long ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (long long)(dl->tv_sec - now.tv_sec) * 1000000000LL +
	     (dl->tv_nsec - now.tv_nsec);
	return ns <= 0 ? 0 : (int)((ns + 999999) / 1000000);
}

/*
 * Sleep on the XIRQ of `ch` in this thread and run its handler here
 * (one wake-up instead of two). Events for `ch` posted by other
 * handlers end the sleep through nkddi_xirq_wake(). Called with
 * wait_lock held; returns 0, or ETIMEDOUT once dl has passed.
 */
static int take_xirq(struct ed_channel *ch, const struct timespec *dl,
		     int timeout_ms)
{
	int ms = timeout_ms < 0 ? -1 : ms_until(dl), r;

	if (!ms)
		return ETIMEDOUT;
	taken[ch->index] = true;
	taking = ch->index;
	pthread_mutex_unlock(&wait_lock);
	r = nkddi_xirq_wait(ch->rx, ms);
	pthread_mutex_lock(&wait_lock);
	taken[ch->index] = false;
	taking = -1;
	if (r >= 0)
		return 0;
	/* Cannot take it: the interrupt thread runs the handler. */
	return cond_sleep(dl, timeout_ms);
}

unsigned int ed_user_wait(struct ed_channel *ch, unsigned int events,
			  int timeout_ms)
{
	struct timespec dl;
	unsigned int got;
	int r = 0, i;

	clock_gettime(CLOCK_MONOTONIC, &dl);
	if (timeout_ms >= 0) {
		dl.tv_sec += timeout_ms / 1000;
		dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (dl.tv_nsec >= 1000000000L) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&wait_lock);
	while (!(got = pending(ch, events)) && r != ETIMEDOUT &&
	       !((events & ED_EV_LINK) && nkddi_hv_lost()))
		r = ch && !taken[ch->index] ? take_xirq(ch, &dl, timeout_ms) :
					      cond_sleep(&dl, timeout_ms);
	if (ch)
		posted[ch->index] &= ~events;
	else
		for (i = 0; i < ED_MAX_CHANNELS; i++)
			posted[i] &= ~events;
	pthread_mutex_unlock(&wait_lock);
	if (!got && (events & ED_EV_LINK) && nkddi_hv_lost())
		got = ED_EV_LINK;
	return got;
}

/*
 * Deadline of a call with timeout_ms (0: none). The calls read the clock
 * only once they have to wait: a clock read is not free (tens of
 * nanoseconds, more in a VM), and most calls find data or space at once.
 */
static nku64_f deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ?
		       0 :
		       ed_user_now_ns() + (nku64_f)timeout_ms * 1000000u + 1;
}

/* Milliseconds left of a deadline (-1: none). */
static int left_ms(nku64_f deadline)
{
	nku64_f now = ed_user_now_ns();

	if (!deadline)
		return -1;
	return now >= deadline ? 0 : (int)((deadline - now) / 1000000u) + 1;
}

/*
 * A write found the ring full (it armed a space XIRQ): wait for space
 * within timeout_ms, the deadline fixed on the first wait. 1: write
 * again; 0: give up (no waiting asked for, or the deadline has passed).
 */
static int wait_space(struct ed_channel *ch, nku64_f *deadline,
		      int timeout_ms)
{
	if (!timeout_ms)
		return 0;
	if (!*deadline)
		*deadline = deadline_of(timeout_ms);
	if (!left_ms(*deadline))
		return 0;
	/* The wait also re-checks. */
	ed_user_wait(ch, ED_EV_SPACE | ED_EV_LINK,
		     *deadline ? left_ms(*deadline) : 1000);
	return 1;
}

int ed_user_write(struct ed_channel *ch, nku16_f type, const void *buf,
		  nku32_f len, nku64_f *seq, int timeout_ms)
{
	nku64_f deadline = 0;
	int r;

	for (;;) {
		if (nkddi_hv_lost())
			return -ED_USER_EHVLOST;
		r = ed_write(ch, type, buf, len, seq);
		if (r != -ED_EAGAIN || !wait_space(ch, &deadline, timeout_ms))
			return r;
	}
}

int ed_user_write_batch(struct ed_channel *ch, const struct ed_wrec *recs,
			nku32_f n, nku32_f *done, int timeout_ms)
{
	nku64_f deadline = 0;
	nku32_f k;
	int r;

	*done = 0;
	for (;;) {
		if (nkddi_hv_lost())
			return -ED_USER_EHVLOST;
		r = ed_write_batch(ch, recs + *done, n - *done, &k);
		*done += k;
		if (r != -ED_EAGAIN || !wait_space(ch, &deadline, timeout_ms))
			return r;
	}
}

/* Let a spinning CPU breathe (and its sibling thread run). */
static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ volatile("yield");
#endif
}

int ed_user_next(struct ed_channel *ch, struct ed_msg *m, void *buf,
		 nku32_f buflen, int how, int timeout_ms)
{
	nku64_f deadline = 0, spin_end = 0;
	int r, faults = 0;

	for (;;) {
		r = how == ED_USER_PEEK	 ? ed_peek(ch, m) :
		    how == ED_USER_FETCH ? ed_fetch(ch, m, buf, buflen) :
					   ed_read(ch, m, buf, buflen);
		if (r == -ED_EPROTO && ++faults < 2)
			continue; /* reported and resynchronised: once more */
		if (r != ED_MSG_NONE && r != -ED_EAGAIN && r != -ED_EPROTO)
			return r;
		if (nkddi_hv_lost())
			return -ED_USER_EHVLOST;
		if (!timeout_ms)
			return r == -ED_EPROTO ? r : ED_MSG_NONE;
		if (!deadline)
			deadline = deadline_of(timeout_ms);
		if (!left_ms(deadline))
			return r == -ED_EPROTO ? r : ED_MSG_NONE;
		/*
		 * Caught up: poll a short while before sleeping. A record
		 * coming within ED_USER_SPIN_NS costs less to wait for than a
		 * wake-up through the XIRQ (two thread switches), and a
		 * steady producer does not wake us once per record.
		 */
		if (r == ED_MSG_NONE && !spin_end)
			spin_end = ed_user_now_ns() + ED_USER_SPIN_NS;
		if (r == ED_MSG_NONE && ed_user_now_ns() < spin_end) {
			cpu_relax();
			continue;
		}
		/* After a fault, wait for the peer's next move. */
		if (r != -ED_EPROTO && ed_arm(ch))
			continue;
		/* Bounded sleeps: a hostile peer may never notify. */
		ed_user_wait(ch, ED_EV_DATA | ED_EV_LINK,
			     deadline && left_ms(deadline) < 1000 ?
				     left_ms(deadline) :
				     1000);
		faults = 0;
	}
}

int ed_user_read_batch(struct ed_channel *ch, struct ed_msg *m, nku32_f max,
		       void *buf, nku32_f buflen, int timeout_ms)
{
	nku64_f deadline = 0, spin_end = 0;
	int r;

	for (;;) {
		r = ed_read_batch(ch, m, max, buf, buflen);
		if (r != 0 && r != -ED_EAGAIN)
			return r;
		if (nkddi_hv_lost())
			return -ED_USER_EHVLOST;
		if (!timeout_ms)
			return 0;
		if (!deadline)
			deadline = deadline_of(timeout_ms);
		if (!left_ms(deadline))
			return 0;
		if (!spin_end)
			spin_end = ed_user_now_ns() + ED_USER_SPIN_NS;
		if (ed_user_now_ns() < spin_end) {
			cpu_relax();
			continue;
		}
		if (ed_arm(ch))
			continue;
		ed_user_wait(ch, ED_EV_DATA | ED_EV_LINK,
			     deadline && left_ms(deadline) < 1000 ?
				     left_ms(deadline) :
				     1000);
	}
}
