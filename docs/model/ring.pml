/*
 * Earlydata ring: the record data path between one producer and one
 * consumer (docs/earlydata-protocol.md, sections 3 to 9) for one overflow
 * policy, with both ends crashing and restarting at any step. It follows
 * driver/core/ring_producer.c and ring_consumer.c step by step.
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
 * REPAIR  ed_consumer_repair between two calls (the producer's end went
 *         RESET: channel.c, on_sysconf), at most this often
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
 * The model includes the fixes README.md ("Findings") describes. Each
 * switch below puts one back, and must fail. F1, F3, F5 are fixed in the
 * code (F2 avoided), and so are F7 and F8 (their switch is the code before):
 *   NOFIX_SNAPSHOT       head and tail judged at once: a fault without
 *                        asking overtaken(.., 1) first (F1)
 *   NOFIX_REWIND         the rewind is public, as first described: it
 *                        persists the tail it moves back to, with the seq
 *                        of the record there (F2)
 *   NOFIX_CAUGHT_UP      the drop-new loss decided without overtaken(.., 1)
 *                        after the second head load (F3)
 *   NOFIX_OVERTAKEN_TAIL overtaken() trusts a tail loaded after its magic
 *                        and epoch loads (F7)
 *   NOFIX_REPAIR_RESUME  attach resumes from the control block without
 *                        setting pub_pos/pub_seq: a repair before the
 *                        first commit publishes 0/0 (F8)
 * Mutants (must fail):
 *   MUTANT_LAPPING       validate the copy before re-loading tail, fault on
 *                        a failure: the version 2.0 behaviour (R1)
 *   MUTANT_NO_EPOCH_RECHECK  overtaken() loads tail, not magic and epoch (R1)
 *   MUTANT_REPLAY_NO_TAIL    overtaken() loads tail only for
 *                        overwrite-oldest, also while replaying (R3)
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
#ifndef REPAIR
#define REPAIR 0
#endif

#define BLOCK 0
#define DROP 1
#define OVERWRITE 2

#define NWID (NREC + PCRASH + 2) /* write identities; 0 = never written */
#define NEP (PCRASH + 3) /* epochs 1 .. PCRASH + 2 */
#define ANY 255 /* SEQ_ANY: read_seq while replaying, seq taken as it comes */

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
	/* ---- ed_producer_attach (section 3): resume, or format ---- */
	if
	:: magic -> /* resume_check: epoch, head, tail kept */
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
	/* write_header, a seqcount: magic 0, fields, magic (R2) */
	magic = 0;
	/* write barrier; (the geometry: header.pml) */
	h_epoch = ep; /* release [P10] */
	h_tail = tail;
	h_head = head;
	h_next = next;
	atomic { magic = 1; g_seen[ep] = 1 } /* release [P4] */
	/* full barrier [P5]: the data area is touched only after this */

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
			:: else -> /* reclaim_limit: the published read_pos (R3) */
				e1 = c_epoch;
				if
				:: e1 == ep ->
					pos = c_pos;
					if
					:: pos > head || pos < tail -> /* [R3] */
						FAULT(1) /* consumer.read_pos beyond the
							  * head or behind the tail */
					:: else -> lim = pos
					fi
				:: else -> lim = tail /* not attached */
				fi
			fi;
			if
			:: tail < lim ->
				/*
				 * Item by item. Block and drop-new first jump to a
				 * private checkpoint, a record boundary anywhere up
				 * to the limit, and walk on only while the record
				 * does not fit: they may stop at any item once it
				 * fits. Overwrite-oldest stops as soon as it fits.
				 */
				atomic {
					do
					:: tail < lim && (POLICY != OVERWRITE ||
							  head + 1 - tail > N) ->
						k = s_hdr[tail % N];
						g_recl[ep] = g_recl[ep] | BIT(w_seq[k]);
						tail++
					:: POLICY != OVERWRITE &&
					   head + 1 - tail <= N -> break
					:: else -> break
					od
				}
				h_tail = tail /* [R1] tail (release) ... */
				/* ... full barrier [P2], then the bytes behind it */
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
			atomic { /* head (release) [P1]: the record is complete */
				h_head = head;
				assert(g_pub[ep] < BIT(next)); /* seqs grow */
				g_pub[ep] = g_pub[ep] | BIT(next)
			}
			next++;
			atomic { /* next_seq (release) [P6] */
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
 * overtaken(c, pos, hf): read barrier [C2], magic (acquire), epoch, and
 * tail for overwrite-oldest or while replaying. For record bytes (hf 0)
 * a magic of 0 with our epoch is not overtaken (records change only after
 * a rewrite completes, [P5]); for header fields (hf 1) it is. Sets ov.
 */
#ifdef MUTANT_REPLAY_NO_TAIL
#define TAIL_CHECKED (POLICY == OVERWRITE)
#else
#define TAIL_CHECKED (POLICY == OVERWRITE || rend != 0)
#endif
inline overtaken(pos, hf)
{
	m = magic;
	if
	:: !m && hf -> ov = 1
	:: else ->
		e = h_epoch;
		if
		:: e != ep -> ov = 1
		:: else ->
			if
			:: TAIL_CHECKED -> /* [R1] tail (acquire) */
				t2 = h_tail;
#ifndef NOFIX_OVERTAKEN_TAIL
				/* [F7] read barrier, magic and epoch again: a tail
				 * of a format after the epoch load is 0 */
				m = magic;
				if
				:: !m -> ov = 1
				:: else ->
					e = h_epoch;
					ov = (e != ep || t2 > pos)
				fi
#else
				ov = (t2 > pos)
#endif
			:: else -> ov = 0
			fi
		fi
	fi
}

/* publish_pos: read_seq, then read_pos (release) [C5]; while replaying
 * the position where the replay started, which never moves back */
#if REPAIR > 0
#define PUB_GHOST(p, s) ppos = p; pseq = s
#else
#define PUB_GHOST(p, s) skip
#endif
#define PUB_POS (rend != 0 -> rend : rpos) /* [R3] */
#define PUB_SEQ (rend != 0 -> rsq : rseq)

/*
 * The consumer calls ed_consumer_read over and over: look() (a record's
 * header copied and judged), ed_consumer_check (payload copied,
 * overtaken), ed_consumer_commit. A pass from `top' is one call (a
 * `continue' of look's loop or an -ESTALE is a new pass, with the same
 * check_epoch); `idle' is a call that found nothing.
 */
active proctype consumer()
{
	bit att; /* attached to epoch ep */
	bit ov; /* overtaken() said so */
	byte ep, rpos, rseq, hseen, spos, rend, rsq, rw;
#if REPAIR > 0
	byte ppos, pseq, rp;
#endif
	byte h, t, t2, n, m, e, e1, old, sh, sp, s;

restart:
	atomic {
		att = 0; ep = 0; rpos = 0; rseq = 0; hseen = 0; spos = 0;
		rend = 0; rsq = 0;
#if REPAIR > 0
		ppos = 0; pseq = 0
#endif
	}
	{
	skip;
top:
#if REPAIR > 0
	if /* ed_consumer_repair, between two calls: what was published last */
	:: att && rp < REPAIR ->
		rp++;
		c_seq = pseq;
		c_pos = ppos;
		c_epoch = ep
	:: true
	fi;
#endif
	atomic { /* ---- check_epoch: magic (acquire) ---- */
		m = magic;
		h = 0; t = 0; t2 = 0; n = 0; e = 0; e1 = 0; old = 0;
		sh = 0; sp = 0; s = 0; ov = 0
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
	m = magic; /* acquire */
	if
	:: !m -> goto idle
	:: else
	fi;
	e1 = h_epoch; /* acquire [C10]; (the geometry: header.pml) */
	/* read barrier [C3] */
	m = magic;
	e = h_epoch;
	if
	:: !m || e != e1 -> goto idle /* [R2] changed: -EAGAIN, no fault */
	:: else
	fi;
	old = c_epoch; /* acquire */
	if
	:: att -> old = 0 /* replaced under us: a reset loss */
	:: !att && old == e1 -> /* [R5] resume in the same epoch */
		rpos = c_pos;
		rseq = c_seq;
#if !defined(NOFIX_REPAIR_RESUME) && REPAIR > 0
		/* [F8] what it resumed from is what was published */
		atomic { ppos = rpos; pseq = rseq }
#endif
	:: else -> old = 0
	fi;
	rend = 0;
	if
	:: old != e1 -> /* a new epoch: reset loss, start at 0 */
		atomic { rpos = 0; rseq = 0; PUB_GHOST(0, 0) }
		c_seq = 0;
		c_pos = 0;
		atomic { /* release [C7] */
			c_epoch = e1;
			assert(g_seen[e1]); /* [R2] reset */
			g_dlv = 0; g_lost = 0
		}
	:: else
	fi;
	atomic {
		att = 1; ep = e1; hseen = 0; spos = rpos;
		e1 = 0; old = 0; m = 0; e = 0
	}

body:
#if REWIND > 0
	if
	:: rw < REWIND -> rw++; goto rewind
	:: true
	fi;
#endif
	atomic {
		h = 0; t = 0; t2 = 0; n = 0; e = 0; e1 = 0; old = 0;
		sh = 0; sp = 0; s = 0; m = 0; ov = 0
	}
	if
	:: rpos < hseen -> /* below a validated head (section 7) */
		goto have_head
	:: else
	fi;
	h = h_head; /* acquire [C1] */
	t = h_tail; /* acquire */
	if
	:: t > h || h - t > N -> /* head/tail inconsistent */
#ifndef NOFIX_SNAPSHOT
		overtaken(rpos, 1); /* [F1] */
		if
		:: ov -> goto top
		:: else
		fi;
#endif
		FAULT(2)
	:: else
	fi;
	if
	:: h < rpos -> /* head behind the read position */
#ifndef NOFIX_SNAPSHOT
		overtaken(rpos, 1); /* [F1] */
		if
		:: ov -> goto top
		:: else
		fi;
#endif
		FAULT(3)
	:: else
	fi;
	if
	:: rpos < t && rend != 0 && t <= rend ->
		/* [R3] reclaimed while replaying: records read before */
		atomic { rpos = t; rseq = ANY }
	:: rpos < t && !(rend != 0 && t <= rend) ->
		if
		:: rend != 0 -> /* the tail passed the whole replay */
			atomic { rpos = rend; rseq = rsq; spos = rend; rend = 0; rsq = 0 }
		:: else
		fi;
		if
		:: POLICY == OVERWRITE ->
			rpos = t /* [R1] overwritten: the next seq gap tells */
		:: else -> /* tail passed the read position */
#ifndef NOFIX_SNAPSHOT
			overtaken(rpos, 1);
			if
			:: ov -> goto top
			:: else
			fi;
#endif
			FAULT(4)
		fi
	:: else
	fi;
	if
	:: rend != 0 && rpos >= rend -> /* the replay is over */
		atomic { rpos = rend; rseq = rsq; spos = rend; rend = 0; rsq = 0 }
	:: else
	fi;
	if
	:: h - rpos > N -> /* head more than a ring ahead */
#ifndef NOFIX_SNAPSHOT
		overtaken(rpos, 1);
		if
		:: ov -> goto top
		:: else
		fi;
#endif
		FAULT(5)
	:: else
	fi;
	if
	:: rpos == h -> /* caught up */
		if
		:: POLICY != DROP -> goto idle
		:: else
		fi;
		n = h_next; /* [R4] acquire [C6] */
		e = h_head; /* acquire */
		if
		:: e != h -> goto top
		:: else
		fi;
#ifndef NOFIX_CAUGHT_UP
		overtaken(rpos, 1); /* [F3] */
		if
		:: ov -> goto top
		:: else
		fi;
#endif
		if
		:: n > rseq && rseq != ANY -> s = n; goto loss /* [rseq, next_seq) */
		:: else -> goto idle
		fi
	:: else
	fi;
	if
	:: POLICY != OVERWRITE && rend == 0 -> hseen = h
	:: else
	fi;

have_head:
	/* ---- the record's header, copied and judged ---- */
	sh = s_hdr[rpos % N];
	s = w_seq[sh];
#ifdef MUTANT_LAPPING
	sp = s_pay[rpos % N];
	if /* version 2.0: validate first; a failure is a fault */
	:: sh != sp -> FAULT(6) /* record.crc mismatch */
	:: rend == 0 && s + 1 < rseq -> FAULT(7) /* record.seq went backwards */
	:: else
	fi;
#endif
	if
	:: s != rseq || rseq == ANY ->
		/* anything unexpected changes our state only on a header
		 * not overwritten meanwhile */
		overtaken(rpos, 0);
		if
		:: ov -> goto top
		:: else
		fi
	:: else
	fi;
	/* judge_seq */
	if
	:: rend != 0 -> /* [R3] replaying: records delivered before */
		if
		:: s >= rsq || (rseq != ANY && s < rseq) ->
			FAULT(8) /* record.seq outside the replay */
		:: else
		fi
	:: rend == 0 && s + 1 == rseq -> goto consumed /* [R5] */
	:: rend == 0 && s + 1 < rseq -> FAULT(7) /* record.seq went backwards */
	:: rend == 0 && s == rseq
	:: rend == 0 && s > rseq ->
		if
		:: POLICY != DROP && s - rseq > (rpos >= spos -> rpos - spos : 0) ->
			FAULT(9) /* ahead of what the ring can have held */
		:: else
		fi;
		goto loss /* a gap: loss first */
	fi;
	/* ---- ed_consumer_check: the payload, then overtaken [R1] ---- */
	sp = s_pay[rpos % N];
#ifdef MUTANT_NO_EPOCH_RECHECK
	if
	:: TAIL_CHECKED -> t2 = h_tail; ov = (t2 > rpos)
	:: else -> ov = 0
	fi;
#else
	overtaken(rpos, 0);
#endif
	if
	:: ov -> hseen = 0; goto top /* -ESTALE: discard the copy */
	:: else
	fi;
	/* not overtaken: the copy is intact */
	assert(sh == sp && w_ep[sh] == ep && w_seq[sh] == s &&
	       (g_pub[ep] & BIT(s))); /* [R1] */
	if
	:: sh != sp -> FAULT(6) /* record.crc mismatch */
	:: else
	fi;
	/* ---- ed_consumer_commit ---- */
	if
	:: rend != 0 -> /* replaying: the application has it again */
		atomic {
			assert(s < rsq && (g_dlv & BIT(s))); /* [A1] a re-delivery */
			rpos++;
			rseq = s + 1;
			spos = rpos;
			if
			:: rpos >= rend -> /* the replay is over */
				rpos = rend; rseq = rsq; spos = rend; rend = 0; rsq = 0
			:: else
			fi
		}
		if
		:: rend == 0 -> goto publish /* publish_pos */
		:: else -> goto top /* nothing published */
		fi
	:: else
	fi;
	/* read_seq, then read_pos (release) [R5] */
	atomic {
		rpos++;
		rseq = s + 1;
		spos = rpos;
		PUB_GHOST(rpos, rseq);
		c_seq = rseq;
		/* exactly once, in order, the record published as seq s of
		 * this epoch */
		assert(c_epoch == ep && w_ep[sh] == ep && w_seq[sh] == s);
		assert(!((g_dlv | g_lost) & BIT(s))); /* [A1] */
		g_dlv = g_dlv | BIT(s)
	}
	c_pos = rpos;
	goto top

publish: /* publish_pos, of a replay's end */
	atomic { PUB_GHOST(PUB_POS, PUB_SEQ); c_seq = PUB_SEQ }
	c_pos = PUB_POS;
	goto top

consumed: /* taken before, its commit cut short by a crash (R5) */
	atomic { rpos++; spos = rpos; PUB_GHOST(rpos, rseq); c_seq = rseq }
	c_pos = rpos;
	goto top

loss:	/* take_loss: [rseq, s), private; then ed_consumer_read commits it:
	 * publish_pos (R5). Killed in between, it is found again. */
	atomic {
		PUB_GHOST(PUB_POS, s);
		c_seq = s; /* read_seq */
		assert(c_epoch == ep && s > rseq && rseq != ANY && rend == 0);
		/* exact: each seq of the gap was lost for the policy's
		 * reason, and none was delivered or reported before */
		assert((((BIT(s) - BIT(rseq)) & ~LOSABLE) |
			((BIT(s) - BIT(rseq)) & (g_dlv | g_lost))) == 0); /* [A2] */
		g_lost = g_lost | (BIT(s) - BIT(rseq));
		rseq = s;
		spos = rpos
	}
	c_pos = PUB_POS;
	goto top

#if REWIND > 0
rewind:	/* ---- ed_consumer_rewind: a private replay [R3] ---- */
	t = h_tail; /* acquire */
	if
	:: t >= (rend != 0 -> rend : rpos) -> goto top /* nothing behind us */
	:: else
	fi;
	atomic {
		if
		:: rend == 0 -> rend = rpos; rsq = rseq
		:: else
		fi;
		rpos = t;
		rseq = ANY;
		hseen = 0
	}
#ifdef NOFIX_REWIND
	/* the design as first described: the rewind is public, it persists
	 * the tail it moved back to, with the seq of the record there */
	sh = s_hdr[t % N];
	c_seq = w_seq[sh];
	c_pos = t;
#endif
	goto top
#endif

idle:
	if
	:: atomic {
		pdone && magic && att && ep == h_epoch && rpos == h_head &&
		rend == 0 && rseq >= h_next && !c_kill ->
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
