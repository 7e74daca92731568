/*
 * Earlydata ring header: the producer rewrites it (format, resume,
 * repair; docs/earlydata-protocol.md section 3) while the consumer
 * attaches to it and, once attached, judges the head it loads.
 *
 *   spin -a header.pml && cc -DCOLLAPSE -DSAFETY -o pan pan.c && ./pan
 *
 * Weak memory: plain stores between two barriers may become visible in
 * any order, and plain loads between an acquire (or a barrier) and the
 * next barrier may be satisfied in any order. The model lets SPIN pick
 * that order: each such group of accesses is done in a nondeterministic
 * order, one access per step. What the barriers order stays in order.
 *
 * Fields: magic; epoch; the geometry (data_size, record_max, policy: ga
 * and gb, two of them so that they can mix too); head (it stands for the
 * position fields; its value carries the epoch it was written in, as
 * epoch * 8 + position, a ghost tag the consumer does not look at).
 *
 * The producer writes (write_header): magic 0, write barrier, the
 * geometry, the epoch with release ([P10]: the geometry is visible before
 * the epoch that names it), the position fields, magic (release). The
 * consumer attaches as ring_consumer.c's attach() does: magic (acquire),
 * the epoch (acquire, [C10]), the other fields, read barrier, magic
 * (acquire) and the epoch again, compared with the first. Once attached,
 * a head it would fault on is judged after overtaken(.., 1): read barrier,
 * magic (must be the magic) and the epoch.
 *
 *   NOFIX_SEQCOUNT   as first described: the producer stores the epoch
 *                    among the other fields, the consumer loads magic,
 *                    then the fields (epoch among them), read barrier,
 *                    magic and epoch again (must fail, F5)
 *   NOFIX_SNAPSHOT_MAGIC  the head judged with overtaken(.., 0), which
 *                    takes a magic of 0 with our epoch (must fail, F1)
 *   MUTANT_NO_RECHECK  the consumer does not load magic and epoch again
 *                    after its read barrier (must fail)
 *   MUTANT_EPOCH_PLAIN  the consumer as in the code, but the producer
 *                    stores the epoch without release, in any order with
 *                    the geometry (must fail: [P10] is needed)
 */

#ifndef NWRITES
#define NWRITES 3 /* header writes after the first format */
#endif
#ifndef NATTACH
#define NATTACH 2 /* consumer attaches */
#endif

#define NEP (NWRITES + 2)
#define TAG(e, p) ((e) * 8 + (p))

bit magic;
byte epoch, ga, gb, head;

byte geo[NEP]; /* ghost: the geometry of each epoch */
bit g_seen[NEP]; /* ghost: epoch published with a valid magic */

active proctype producer()
{
	byte ep, g, pos, nw;
	bit we, wa, wb, wh; /* fields of this write already stored */

	/* first start: format epoch 1 */
	atomic { ep = 1; g = 1; geo[1] = 1; pos = 0 }
	goto write;

next:
	if
	:: nw == NWRITES -> goto done
	:: else -> nw++
	fi;
	if
	:: pos < 2 -> /* a record: head (release) */
		pos++;
		head = TAG(ep, pos);
		goto next
	:: true -> goto write /* resume or repair: same epoch, geometry */
	:: true -> goto format
	fi;
crashed: /* the restart finds magic 0 and formats */
	if
	:: nw == NWRITES -> goto done
	:: else -> nw++
	fi;
format:	/* a new epoch, maybe another geometry */
	atomic {
		ep++;
		if
		:: g = 1
		:: g = 2
		fi;
		geo[ep] = g;
		pos = 0
	}
write:	/* R2: magic 0, write barrier, fields, write barrier, magic */
	atomic { we = 0; wa = 0; wb = 0; wh = 0 }
	magic = 0;
	/* write barrier */
	do /* the fields, in any order; the epoch after the geometry */
#if defined(NOFIX_SEQCOUNT) || defined(MUTANT_EPOCH_PLAIN)
	:: !we -> epoch = ep; we = 1
#else
	:: !we && wa && wb -> epoch = ep; we = 1 /* [F5] release [P10] */
#endif
	:: !wa -> ga = g; wa = 1
	:: !wb -> gb = g; wb = 1
	:: !wh -> head = TAG(ep, pos); wh = 1
	:: we && wa && wb && wh -> break
	:: true -> goto crashed
	od;
	/* write barrier */
	atomic { magic = 1; g_seen[ep] = 1; we = 0; wa = 0; wb = 0; wh = 0 }
	/* full barrier */
	goto next;
done:
	skip
}

active proctype consumer()
{
	byte ep, ca, cb, e1, e2, h, na;
	bit m, le, la, lb; /* fields of this read already loaded */

attach:
	if
	:: na == NATTACH -> goto done
	:: else -> na++
	fi;
	atomic { le = 0; la = 0; lb = 0; e1 = 0; e2 = 0; ca = 0; cb = 0; h = 0 }
	m = magic; /* acquire */
	if
	:: !m -> goto attach /* -EAGAIN */
	:: else
	fi;
#ifndef NOFIX_SEQCOUNT
	e1 = epoch; /* [F5] the epoch next (acquire [C10]) */
	le = 1;
#endif
	do /* the fields, in any order */
	:: !le -> e1 = epoch; le = 1
	:: !la -> ca = ga; la = 1
	:: !lb -> cb = gb; lb = 1
	:: le && la && lb -> break
	od;
#ifndef MUTANT_NO_RECHECK
	/* [R2] read barrier, then magic and epoch again */
	m = magic;
	e2 = epoch;
	if
	:: !m || e2 != e1 -> goto attach /* -EAGAIN, not a fault */
	:: else
	fi;
#endif
	/* what the consumer caches for this epoch is one header */
	assert(e1 != 0 && g_seen[e1] && ca == geo[e1] && cb == geo[e1]); /* [R2] */
	atomic { ep = e1; e1 = 0; e2 = 0; m = 0; le = 0; la = 0; lb = 0 }

	/* attached: a head is faulted on only if overtaken(.., 1) says the
	 * header is still ours */
	do
	:: h = head; /* acquire */
		/* read barrier */
#ifndef NOFIX_SNAPSHOT_MAGIC
		m = magic; /* [F1] acquire: must be the magic */
#else
		m = 1; /* overtaken(.., 0): a magic of 0 will do */
#endif
		e2 = epoch;
		if
		:: m && e2 == ep -> /* the head is of our epoch */
			assert(h / 8 == ep); /* [F1] */
			atomic { h = 0; m = 0; e2 = 0 }
		:: else -> goto attach /* changed: attach again */
		fi
	:: goto attach
	od;
done:
	skip
}
