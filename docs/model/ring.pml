/*
 * Earlydata ring: the record data path between one producer and one
 * consumer (docs/earlydata-protocol.md, sections 3 to 9) for one overflow
 * policy, with both ends crashing and restarting at any step.
 *
 *   spin -a -DPOLICY=2 ring.pml && cc -DCOLLAPSE -DSAFETY -o pan pan.c
 *   ./pan -m1000000
 *
 * POLICY  0 block, 1 drop-new, 2 overwrite-oldest
 * N       slots of the data area; a record takes one slot
 * NREC    records the producer writes (or, drop-new, refuses)
 * PCRASH  producer crashes; a restart resumes the ring or formats anew
 * CCRASH  consumer crashes; a restart resumes from the control block
 * REWIND  consumer rewinds (ed_consumer_rewind), at most this often
 *
 * Every access to shared memory is one atomic step, in program order,
 * and a barrier is modelled by that order (SPIN is sequentially
 * consistent; README.md argues the weak-memory side). A record slot has
 * two parts, header and payload, written payload first and copied header
 * first in separate steps, so a lapped reader can copy a torn record.
 * Every write attempt has an identity (wid); a slot part holds the wid
 * that wrote it: a torn copy is one whose two parts differ. The CRC is
 * not modelled as a defence: the assertions require that what the
 * consumer accepts is intact, whatever a CRC would have said.
 *
 * Ghost state (g_*, w_*) records what the producer did and what the
 * consumer's application has been told; the assertions compare them.
 *
 * The model includes the fixes README.md ("Findings") proposes; each
 * switch below puts one part of the design back as first described, and
 * must fail:
 *   NOFIX_SNAPSHOT       head, then tail, loaded once and judged without
 *                        re-checking the header (F1)
 *   NOFIX_REWIND         block/drop-new: tail past read_pos is a fault (F2)
 *   NOFIX_CAUGHT_UP      caught-up decision (drop-new loss) made without
 *                        re-checking the header epoch (F3)
 *   NOFIX_REWIND_CHECK   rewind publishes the seq read at tail before
 *                        re-loading tail (F4)
 * Mutants (must fail):
 *   MUTANT_LAPPING       validate the copy before re-loading tail, fault on
 *                        a failure: the version 2.0 behaviour (R1)
 *   MUTANT_NO_EPOCH_RECHECK  after the copy re-load tail, not the epoch (R1)
 */

#ifndef POLICY
#define POLICY 2
#endif
#ifndef N
#define N 3
#endif
#ifndef NREC
#define NREC 4
#endif
#ifndef PCRASH
#define PCRASH 1
#endif
#ifndef CCRASH
#define CCRASH 1
#endif
#ifndef REWIND
#define REWIND 0
#endif

#define BLOCK 0
#define DROP 1
#define OVERWRITE 2

#define NWID (NREC + PCRASH + 2) /* write identities; 0 = never written */
#define NEP (PCRASH + 3) /* epochs 1 .. PCRASH + 2 */

/* Loss reasons (section 5). */
#define L_DROPPED 1
#define L_OVERWRITTEN 2
#define DEFAULT_GAP (POLICY == DROP -> L_DROPPED : L_OVERWRITTEN)

/* ---- shared memory: the PMEM, which outlives both ends ---- */
bit magic; /* 1 = ED_RING_MAGIC; 0 = being written, or never written */
byte h_epoch, h_head, h_tail, h_next; /* producer header */
byte c_epoch, c_pos, c_seq; /* consumer control block */
byte s_hdr[N], s_pay[N]; /* wid in a slot's record header / payload */

/* ---- ghost ---- */
byte w_seq[NWID], w_ep[NWID]; /* seq and epoch of each write identity */
byte g_wid; /* last write identity used */
byte g_att; /* records written or refused, all producer lives */
byte g_pub[NEP]; /* per epoch, bit s: record seq s published (head) */
byte g_drop[NEP]; /* per epoch, bit s: seq s spent by drop-new */
byte g_recl[NEP]; /* per epoch, bit s: tail passed record seq s */
bit g_seen[NEP]; /* epoch published (valid magic) */
/* the application, for the consumer's persisted epoch c_epoch */
byte g_dlv; /* bit s: record seq s delivered */
byte g_lost; /* bit s: seq s reported lost */
byte g_hi; /* seqs below were delivered or lost: a rewind replays them */
byte g_fault; /* a fault: never, both ends honest */
bit pdone, cdone; /* producer wrote all; consumer checked the end */
bit p_kill, c_kill; /* crash requests (crasher) */
byte p_crashes, c_crashes;

#define BIT(s) (1 << (s))
#define BELOW(s) (BIT(s) - 1)
/* seqs of the consumer's epoch the policy may lose */
#if POLICY == DROP
#define LOSABLE g_drop[ep]
#elif POLICY == OVERWRITE
#define LOSABLE (g_recl[ep] & g_pub[ep])
#else
#define LOSABLE 0
#endif

/* An honest peer never causes a fault: every fault path ends here. */
#define FAULT(k) g_fault = k; assert(g_fault == 0) /* [A4] */

/* temporaries back to 0 once used: they carry no state */
#define CLEAR_P lim = 0; pos = 0; e1 = 0; e2 = 0; k = 0; wid = 0

/*
 * The producer: private head/tail/next_seq, lost at a crash; the record
 * being written when it crashed is written again after the restart.
 */
active proctype producer()
{
	byte ep, head, tail, next, lim, pos, e1, e2, k, wid;

restart:
	{
	/* ---- attach (section 3): resume, or format an epoch ---- */
	if
	:: magic -> /* resume: epoch, head, tail kept */
		ep = h_epoch;
		head = h_head;
		tail = h_tail;
		next = h_next;
		atomic { /* walk tail..head: every item intact [R5] */
			pos = tail;
			do
			:: pos < head ->
				k = s_hdr[pos % N];
				assert(k == s_pay[pos % N] && w_ep[k] == ep);
				if
				:: w_seq[k] + 1 > next -> next = w_seq[k] + 1
				:: else
				fi;
				pos++
			:: else -> break
			od
		}
	:: true -> /* format; also over a valid ring (new geometry) */
		e1 = h_epoch;
		e2 = c_epoch;
		atomic { /* an epoch differing from both remembered */
			ep = (e1 > e2 -> e1 : e2) + 1;
			do
			:: ep == 0 || ep == e1 || ep == e2 -> ep++
			:: else -> break
			od;
			assert(ep < NEP && !g_seen[ep]); /* [R2] never seen before */
			head = 0;
			tail = 0;
			next = 0
		}
	fi;
	/* the header is a seqcount: magic 0, fields, magic (R2) */
	magic = 0;
	/* write barrier */
	h_epoch = ep;
	h_tail = tail;
	h_head = head;
	h_next = next;
	/* write barrier */
	atomic { magic = 1; g_seen[ep] = 1 }
	/* full barrier: the data area is touched only after this */

	/* ---- write NREC records ---- */
	do
	:: g_att == NREC -> break
	:: else ->
retry:
		if
		:: head + 1 - tail <= N
		:: else -> /* make_room (section 6) */
			if
			:: POLICY == OVERWRITE ->
				lim = head
			:: else -> /* up to the consumer's read_pos (R3) */
				e1 = c_epoch;
				if
				:: e1 == ep ->
					pos = c_pos;
					if
					:: pos > head ->
						FAULT(1) /* beyond the head */
					:: pos < tail -> /* [R3] no fault */
						lim = tail
					:: else -> lim = pos
					fi
				:: else -> lim = tail /* not attached */
				fi
			fi;
			if
			:: tail < lim ->
				atomic { /* item by item */
					do
					:: tail < lim && (POLICY != OVERWRITE ||
							  head + 1 - tail > N) ->
						k = s_hdr[tail % N];
						g_recl[ep] = g_recl[ep] | BIT(w_seq[k]);
						tail++
					:: else -> break
					od
				}
				h_tail = tail /* [R1] tail (release) ... */
				/* ... full barrier, then the bytes behind it */
			:: else
			fi
		fi;
		if
		:: head + 1 - tail > N && POLICY == DROP ->
			next++; /* [R4] the seq is spent, nothing written */
			atomic {
				h_next = next;
				g_drop[ep] = g_drop[ep] | BIT(next - 1);
				g_att++;
				CLEAR_P
			}
		:: head + 1 - tail > N && POLICY == BLOCK ->
			goto retry /* (the wait for space: notify.pml) */
		:: else ->
			atomic {
				g_wid++;
				wid = g_wid;
				w_seq[wid] = next;
				w_ep[wid] = ep
			}
			s_pay[head % N] = wid; /* payload, then header */
			s_hdr[head % N] = wid;
			head++;
			atomic { /* head (release): the record is complete */
				h_head = head;
				assert(g_pub[ep] < BIT(next)); /* seqs grow */
				g_pub[ep] = g_pub[ep] | BIT(next)
			}
			next++;
			atomic { /* next_seq (release) */
				h_next = next;
				g_att++;
				CLEAR_P
			}
		fi
	od;
	atomic { !p_kill -> pdone = 1 }
	} unless { atomic { p_kill -> p_kill = 0 } };
	if
	:: pdone -> goto done
	:: else -> goto restart
	fi;
done:
	skip
}

/*
 * The consumer calls ed_consumer_read over and over: a copying read,
 * header then payload, then the re-check. A pass from `top' is one call;
 * `idle' is a call that found nothing.
 */
active proctype consumer()
{
	bit att; /* attached to epoch ep */
	byte ep, rpos, rseq, hseen, reason, rw;
	byte h, t, t2, n, m, e, e1, old, sh, sp, s, p0, r0;

restart:
	atomic {
		att = 0; ep = 0; rpos = 0; rseq = 0; hseen = 0; reason = 0
	}
	{
	skip;
top:
	atomic { /* ---- check_epoch ---- */
		m = magic;
		h = 0; t = 0; t2 = 0; n = 0; e = 0; e1 = 0; old = 0;
		sh = 0; sp = 0; s = 0
	}
	if
	:: !m -> goto idle /* -EAGAIN: being written, or never */
	:: else
	fi;
	e = h_epoch;
	if
	:: att && e == ep -> goto body
	:: else
	fi;
	/* ---- attach: a seqcount read of the header (R2) ---- */
	e1 = h_epoch;
	m = magic;
	if
	:: !m -> goto idle
	:: else
	fi;
	/* (the geometry fields: header.pml) */
	/* read barrier */
	m = magic;
	e = h_epoch;
	if
	:: !m || e != e1 -> goto idle /* [R2] changed: -EAGAIN, no fault */
	:: else
	fi;
	old = c_epoch;
	if
	:: !att && old == e1 -> /* [R5] resume in the same epoch */
		rpos = c_pos;
		rseq = c_seq
	:: else
	fi;
	if
	:: old != e1 -> /* a new epoch: reset loss, start at 0 */
		c_seq = 0;
		c_pos = 0;
		atomic {
			c_epoch = e1;
			assert(g_seen[e1] && old != e1); /* [R2] reset */
			g_dlv = 0; g_lost = 0; g_hi = 0
		}
		rpos = 0;
		rseq = 0
	:: else
	fi;
	atomic {
		att = 1; ep = e1; hseen = 0; reason = DEFAULT_GAP;
		e1 = 0; old = 0; m = 0; e = 0
	}

body:
#if REWIND > 0
	if
	:: rw < REWIND -> rw++; goto rewind
	:: true
	fi;
#endif
loop:
	atomic {
		h = 0; t = 0; t2 = 0; n = 0; e = 0; e1 = 0; old = 0;
		sh = 0; sp = 0; s = 0; m = 0
	}
	if
	:: POLICY != OVERWRITE && rpos < hseen ->
		h = hseen; /* below a validated head (section 7) */
		goto have_head
	:: else
	fi;
#ifdef NOFIX_SNAPSHOT
	h = h_head;
	t = h_tail;
#else
	/* [F1] a consistent pair, tail unchanged around head; then the
	 * header re-checked before anything is judged */
	t = h_tail;
	h = h_head;
	t2 = h_tail;
	if
	:: t2 != t -> goto loop
	:: else
	fi;
	m = magic;
	e = h_epoch;
	if
	:: !m || e != ep -> goto top
	:: else
	fi;
#endif
	if
	:: t > h || h - t > N -> FAULT(2) /* head/tail inconsistent */
	:: h < rpos -> FAULT(3) /* head behind the read position */
	:: else
	fi;
	if
	:: rpos < t ->
#ifdef NOFIX_REWIND
		if
		:: POLICY != OVERWRITE -> FAULT(4) /* tail passed read_pos */
		:: else
		fi;
#endif
		rpos = t; /* [R1] [F2] any policy: the gap tells */
		reason = (POLICY == OVERWRITE -> L_OVERWRITTEN : reason)
	:: else
	fi;
	if
	:: h - rpos > N -> FAULT(5) /* head more than a ring ahead */
	:: else
	fi;
	if
	:: rpos == h -> /* [R4] caught up: did drop-new spend seqs? */
		n = h_next;
		e = h_head;
		if
		:: e != h -> goto loop
		:: else
		fi;
#ifndef NOFIX_CAUGHT_UP
		m = magic; /* [F3] */
		e = h_epoch;
		if
		:: !m || e != ep -> goto top
		:: else
		fi;
#endif
		if
		:: n > rseq -> s = n; goto loss /* [rseq, next_seq) */
		:: else -> goto idle
		fi
	:: else
	fi;
	if
	:: POLICY != OVERWRITE -> hseen = h
	:: else
	fi;

have_head:
	/* ---- copy the record: header, then payload ---- */
	sh = s_hdr[rpos % N];
	sp = s_pay[rpos % N];
#ifdef MUTANT_LAPPING
	if /* version 2.0: validate first; a failure is a fault */
	:: sh != sp -> FAULT(6) /* record.crc mismatch */
	:: w_seq[sh] < rseq && w_seq[sh] + 1 != rseq ->
		FAULT(7) /* record.seq went backwards */
	:: else
	fi;
#endif
	/* [R1] read barrier, then tail and the header epoch again */
	t2 = h_tail;
#ifndef MUTANT_NO_EPOCH_RECHECK
	m = magic;
	e = h_epoch;
	if
	:: !m || e != ep -> goto top /* reformatted: discard */
	:: else
	fi;
#endif
	if
	:: t2 > rpos -> /* lapped while copying: discard */
		rpos = t2;
		reason = (POLICY == OVERWRITE -> L_OVERWRITTEN : reason);
		goto loop
	:: else
	fi;
	/* tail did not pass the record: the copy is intact */
	assert(sh == sp && w_ep[sh] == ep && (g_pub[ep] & BIT(w_seq[sh]))); /* [R1] */
	s = w_seq[sh];
	if
	:: sh != sp -> FAULT(6) /* record.crc mismatch */
	:: s + 1 == rseq -> goto consumed /* [R5] */
	:: s + 1 < rseq -> FAULT(7) /* record.seq went backwards */
	:: s > rseq -> goto loss /* a gap: loss first */
	:: else
	fi;
	/* ---- deliver and commit: read_seq, then read_pos [R5] ---- */
	atomic {
		c_seq = s + 1;
		/* exactly once, in order, the record published as seq s
		 * of this epoch (or again after a rewind) */
		assert(c_epoch == ep && s == rseq && w_ep[sh] == ep &&
		       w_seq[sh] == s);
		assert(s < g_hi || !((g_dlv | g_lost) & BIT(s))); /* [A1] */
		g_dlv = g_dlv | BIT(s);
		g_hi = (s + 1 > g_hi -> s + 1 : g_hi)
	}
	rpos++;
	rseq = s + 1;
	c_pos = rpos;
	reason = DEFAULT_GAP;
	goto top

consumed: /* taken before, its commit cut short by a crash (R5) */
	rpos++;
	c_seq = rseq;
	c_pos = rpos;
	goto loop

loss:	/* ---- the gap [rseq, s) as a loss event, persisted (R5) ---- */
	atomic {
		c_seq = s;
		assert(c_epoch == ep && s > rseq);
		/* exact: each seq of the gap was lost, for the policy's
		 * reason, or (a rewind's replay) was taken before */
		assert((((BIT(s) - BIT(rseq)) & ~BELOW(g_hi)) & ~LOSABLE) == 0); /* [A2] */
		assert(((BIT(s) - BIT(rseq)) & BELOW(g_hi)) != 0 ||
		       reason == DEFAULT_GAP);
		g_lost = g_lost | (BIT(s) - BIT(rseq));
		g_hi = (s > g_hi -> s : g_hi)
	}
	rseq = s;
	c_pos = rpos;
	reason = DEFAULT_GAP;
	goto top

#if REWIND > 0
rewind:	/* ---- ed_consumer_rewind, to the oldest record (R3) ---- */
	t = h_tail;
	if
	:: t > rpos -> goto loop /* tail passed us: nothing to rewind */
	:: else
	fi;
	atomic { p0 = rpos; r0 = rseq }
rewind_to_t:
	s = r0;
	if
	:: t < p0 -> /* the seq of the record at tail */
		sh = s_hdr[t % N];
		if
		:: w_seq[sh] <= r0 -> s = w_seq[sh]
		:: else
		fi
	:: else
	fi;
#ifndef NOFIX_REWIND_CHECK
	/* [F4] read barrier, tail again: is the seq read at tail valid? */
	t2 = h_tail;
	if
	:: t2 != t -> t = t2; goto rewind_to_t
	:: else
	fi;
#endif
	rpos = t;
	rseq = s;
	hseen = 0;
	c_seq = rseq;
	c_pos = rpos;
	/* [R3] full barrier, then tail again */
	t2 = h_tail;
	if
	:: t2 != t -> /* the producer reclaimed meanwhile: again */
		t = t2;
		goto rewind_to_t
	:: else
	fi;
	atomic { p0 = 0; r0 = 0 }
	goto loop
#endif

idle:
	if
	:: atomic {
		pdone && magic && att && ep == h_epoch && rpos == h_head &&
		rseq >= h_next && !c_kill ->
		/* the end: every seq of the last epoch delivered or lost,
		 * and the position persisted */
		assert(c_epoch == h_epoch && c_pos == h_head &&
		       c_seq == h_next && (g_dlv | g_lost) == BELOW(h_next)); /* [A3] */
		cdone = 1
	   }
		goto done
	:: else -> goto top
	fi
	} unless { atomic { c_kill -> c_kill = 0 } };
	goto restart;
done:
	skip
}

/* Crashes: either end, at any step, a bounded number of times. */
active proctype crasher()
{
end:
	do
	:: atomic { p_crashes < PCRASH && !pdone && !p_kill ->
		p_kill = 1; p_crashes++ }
	:: atomic { c_crashes < CCRASH && !cdone && !c_kill ->
		c_kill = 1; c_crashes++ }
	od
}
