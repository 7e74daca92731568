/*
 * Earlydata wake-ups (docs/earlydata-protocol.md, section 7): the data
 * XIRQ from producer to consumer and, for block, the space XIRQ back,
 * each a Dekker handshake on a wait generation.
 *
 *   spin -a -DPOLICY=0 notify.pml && cc -DCOLLAPSE -DSAFETY -o pan pan.c
 *   ./pan -m1000000
 *
 * POLICY  0 block (data and space XIRQs), 1 drop-new (data XIRQ, and
 *         the dropped records' next_seq); overwrite-oldest wakes the
 *         consumer as drop-new does without the drops
 * N       records the ring holds
 * NREC    records the producer writes or refuses at most; it may stop
 *         after any of them, so that a wake-up lost in the middle shows
 * PCRASH, CCRASH  restarts of either end, 0 or 1 (private state lost,
 *         events posted to it lost; its peer gets SYSCONF, which wakes it)
 *
 * The records themselves are in ring.pml; here a record is its seq
 * number, and the producer's tail is the last read_pos it loaded.
 *
 * There is no timeout: an end that sleeps wakes only when an event is
 * posted to it (XIRQ or SYSCONF). An event is latched until the sleeper
 * takes it (ed_user_wait clears its `posted' bits after the wait). A
 * wake-up lost shows as an invalid end state: the consumer asleep with a
 * record or a loss to report, or the producer asleep for space that is
 * there. The consumer ends only asleep with everything taken after the
 * producer has stopped.
 *
 * Mutants (must fail):
 *   MUTANT_NO_DATA_BARRIER  the producer loads cons_wait_gen before it
 *                           stores head (no full barrier between)
 *   MUTANT_NO_ARM_RECHECK   the consumer arms and sleeps without loading
 *                           head and next_seq again
 *   MUTANT_NO_SPACE_RECHECK the producer bumps prod_wait_gen and sleeps
 *                           without loading read_pos again (block)
 */

#ifndef POLICY
#define POLICY 0
#endif
#ifndef N
#define N 4
#endif
#ifndef NREC
#define NREC 6
#endif
#ifndef PCRASH
#define PCRASH 0
#endif
#ifndef CCRASH
#define CCRASH 0
#endif

#define BLOCK 0
#define DROP 1

/* ---- shared memory ---- */
byte head, tail, next_seq; /* producer header */
byte rec_seq[NREC + PCRASH]; /* seq in the record header, by position */
byte prod_gen; /* prod_wait_gen */
byte read_pos, read_seq; /* consumer control block */
byte cons_gen; /* cons_wait_gen */

/* ---- events posted to a sleeper (XIRQ, or SYSCONF after a restart) */
bit data_ev, space_ev;

/* ---- ghost ---- */
byte g_att; /* records written or refused */
bit pdone, p_kill, c_kill;
byte p_crashes, c_crashes;

active proctype producer()
{
	byte ph, pt, pn, notified, g, rp;

restart:
	{
	/* attach (resume): private copies, "a consumer already asleep
	 * gets one data XIRQ at our first write" */
	ph = head;
	pt = tail;
	pn = next_seq;
	if
	:: ph > 0 -> /* next_seq = max(next_seq, last seq + 1) */
		g = rec_seq[ph - 1];
		atomic { pn = (g + 1 > pn -> g + 1 : pn); g = 0 }
	:: else
	fi;
	next_seq = pn; /* (the header rewrite) */
	g = cons_gen;
	atomic { notified = (g + 255) % 256; g = 0 } /* g - 1 */
	do
	:: g_att == NREC -> break
	:: g_att < NREC -> break /* the producer stops here */
	:: g_att < NREC ->
write:
		if
		:: ph - pt < N -> goto room
		:: else
		fi;
		rp = read_pos; /* make_room: reclaim up to read_pos */
		atomic { pt = rp; rp = 0; tail = pt }
		if
		:: ph - pt < N -> goto room
		:: else
		fi;
		if
		:: POLICY == DROP -> /* spend the seq (R4) */
			pn++;
			next_seq = pn;
			g_att++;
			goto notify
		:: else
		fi;
		/* [R6] space: bump prod_wait_gen, full barrier, look again */
		prod_gen++; /* (its only writer: one step) */
#ifndef MUTANT_NO_SPACE_RECHECK
		rp = read_pos;
		atomic { pt = rp; rp = 0; tail = pt }
		if
		:: ph - pt < N -> goto room
		:: else
		fi;
#endif
		/* -EAGAIN: sleep for the space XIRQ (no timeout) */
		atomic { space_ev -> space_ev = 0 }
		goto write
room:
		rec_seq[ph] = pn; /* the record, then head (release) */
		ph++;
#ifdef MUTANT_NO_DATA_BARRIER
		g = cons_gen; /* the load passes the head store */
#endif
		head = ph;
		pn++;
		next_seq = pn;
		g_att++;
notify:		/* [R6] data: full barrier, did the consumer arm since? */
#ifndef MUTANT_NO_DATA_BARRIER
		g = cons_gen;
#endif
		if
		:: g != notified -> notified = g; data_ev = 1 /* XIRQ */
		:: else /* suppressed: it has not armed since */
		fi;
		g = 0
	od;
	atomic { !p_kill -> pdone = 1 }
	} unless { atomic { p_kill -> p_kill = 0 } };
	if
	:: pdone -> goto done
	:: else
	fi;
	/* restarted: the events posted to the dead process are gone; the
	 * consumer sees our vlink state change (SYSCONF: hv_bridge_vm_down,
	 * then our ed_init) and on_sysconf wakes it (ED_EV_DATA) */
	atomic { space_ev = 0; data_ev = 1 }
	goto restart;
done:
	skip
}

active proctype consumer()
{
	byte rp, rs, notified, h, h2, n, g;

restart:
	{
	/* attach (resume from the control block); "a producer already
	 * waiting gets one space XIRQ at our first commit" */
	rp = read_pos;
	rs = read_seq;
	g = prod_gen;
	atomic { notified = (g + 255) % 256; g = 0 } /* g - 1 */
loop:
	h = head;
	if
	:: rp < h -> /* a record: take it and commit */
		n = rec_seq[rp];
		rp++;
		atomic { rs = n + 1; n = 0 }
		read_seq = rs;
		read_pos = rp;
		if
		:: POLICY == BLOCK -> /* [R6] space: full barrier, then */
			g = prod_gen;
			if
			:: g != notified ->
				h2 = head;
				if
				:: h2 - rp <= N / 2 -> /* half the ring free */
					notified = g;
					space_ev = 1 /* XIRQ */
				:: else /* not yet: a later commit */
				fi
			:: else /* suppressed */
			fi
		:: else
		fi;
		atomic { h = 0; h2 = 0; g = 0 }
		goto loop
	:: else
	fi;
	/* caught up: dropped records? (R4) */
	n = next_seq;
	h2 = head;
	if
	:: h2 != h -> goto loop
	:: n > rs -> /* a loss [rs, n) */
		atomic { rs = n; n = 0; h2 = 0 }
		read_seq = rs;
		goto loop
	:: else
	fi;
	/* nothing: arm: cons_wait_gen + 1, full barrier [R6] */
	cons_gen++; /* (its only writer: one step) */
#ifndef MUTANT_NO_ARM_RECHECK
	h = head;
	if
	:: h != rp -> goto loop
	:: else
	fi;
	n = next_seq;
	if
	:: n > rs -> goto loop
	:: else
	fi;
#endif
	atomic { h = 0; h2 = 0; n = 0 }
	/* sleep until an event is posted, no timeout: stuck here with
	 * something to take is an invalid end state [A5] */
	if
	:: atomic { data_ev -> data_ev = 0 }
		goto loop
	:: atomic { pdone && head == rp && next_seq == rs && !c_kill }
		goto done /* the end: all taken, the producer stopped */
	fi
	} unless { atomic { c_kill -> c_kill = 0 } };
	atomic { data_ev = 0; space_ev = 1 } /* and SYSCONF wakes the producer */
	goto restart;
done:
	skip
}

active proctype crasher()
{
end:
	do
	:: atomic { p_crashes < PCRASH && !pdone && !p_kill ->
		p_kill = 1; p_crashes++ }
	:: atomic { c_crashes < CCRASH && !c_kill ->
		c_kill = 1; c_crashes++ }
	od
}
