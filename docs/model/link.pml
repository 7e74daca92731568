/*
 * Earlydata vlink handshake: OFF / RESET / ON between the producer's and
 * the consumer's VM through the nkhv bridge (driver/core/channel.c:
 * on_sysconf, check_faults, ed_init; hv/bridge.c: hv_bridge_sysconf,
 * hv_bridge_vm_down, hv_bridge_vm_up; docs/nkhv.md, "The bridge").
 *
 *   spin -a link.pml && cc -DCOLLAPSE -DSAFETY -o pan pan.c && ./pan
 *
 * VM 0 runs the producer end, VM 1 the consumer end. Each VM writes only
 * its own side's state in its descriptor and triggers SYSCONF; the bridge
 * (one atomic step, nkhv is single-threaded) accepts it, writes it into
 * the peer's descriptor and raises SYSCONF in the target and in a peer
 * whose state changed. SYSCONF is latched per VM until its handler runs;
 * it is per VM, not per vlink: other vlinks of the VM raise it too
 * (SPURIOUS of them). An environment injects, a bounded number of times:
 * faults found by an end (FAULTS), VM crashes (CRASHES; the hypervisor
 * sets the dead VM's side OFF and tells the peer), restarts, spurious
 * SYSCONFs; and it may stop at any time. When nothing can move any more
 * (SPIN's timeout) the monitor checks:
 *   both VMs up   -> both sides ON, in nkhv and in both descriptors (R7)
 *   one VM down   -> its side OFF in the live VM's descriptor, and the
 *                    live VM's own side not ON (R7)
 *   every fault an end reported was followed by a repair of the peer's
 *   block (or a restart of the peer) (R7)
 *
 * The handler is the one README.md ("Findings", F6) proposes: an end
 * repairs its block at every SYSCONF, and answers (triggers SYSCONF back)
 * whenever it is ON and sees its peer in RESET, not only when the state
 * it saw last time was another one.
 *   NOFIX_LINK   the handler as first written: repair and answer only on
 *                the change to RESET (must fail, F6)
 *   HALF_FIX_LINK  the handler of channel.c before its fix: answers every time, but
 *                repairs only when it sees the peer in RESET (must fail,
 *                F6: a RESET over before the peer looks is missed)
 *   MUTANT_NO_ANSWER  the end that sees its peer in RESET does not
 *                trigger SYSCONF back (must fail)
 */

#ifndef FAULTS
#define FAULTS 1
#endif
#ifndef CRASHES
#define CRASHES 1
#endif
#ifndef SPURIOUS
#define SPURIOUS 1
#endif

#define OFF 0
#define RESET 1
#define ON 2
#define NONE 3 /* last_peer_state before the first SYSCONF (-1) */

#define PEER(v) (1 - (v))

/* nkhv: the authoritative states, and each VM's descriptor copies */
byte hv_state[2]; /* hv_state[v]: the state of VM v's side */
byte d_own[2]; /* in VM v's descriptor: its own side (VM writes) */
byte d_peer[2]; /* in VM v's descriptor: the peer's side (nkhv writes) */
bit sysconf[2]; /* SYSCONF pending in VM v */
chan trig = [4] of { byte }; /* SYSCONF triggers: the calling VM */

bit up[2]; /* VM running */
bit kill[2]; /* crash request */
bit want[2]; /* ghost: VM v reported a fault, its peer has not repaired */
bit env_done;
byte faults_left = FAULTS; /* faults either end may still find */

/* hv_bridge_sysconf(vm, target = peer) */
inline bridge(vm)
{
	if
	:: d_own[vm] != hv_state[vm] -> /* a valid own-side change */
		hv_state[vm] = d_own[vm];
		sysconf[PEER(vm)] = 1 /* the peer's descriptor changed */
	:: else
	fi;
	d_peer[PEER(vm)] = hv_state[vm]; /* publish_states */
	d_peer[vm] = hv_state[PEER(vm)];
	sysconf[PEER(vm)] = 1 /* the target */
}

active proctype hypervisor()
{
	byte vm;
end:
	do
	:: atomic { trig?vm -> bridge(vm); vm = 0 }
	od
}

/* One VM with its Earlydata channel end; private state: last_peer. */
proctype end_point(byte me)
{
	byte own, peer, last;

start:
	{
	/* ed_init: set_own_state(RESET), then on_sysconf once */
	atomic { last = NONE; want[me] = 0 }
	atomic { d_own[me] = RESET; trig!me } /* (store, then trigger:
						   one step, see README) */
	goto handler;
loop:
end:
	do
	:: atomic { sysconf[me] -> sysconf[me] = 0 }
		goto handler
	:: atomic { !want[me] && faults_left > 0 -> faults_left-- }
		/* check_faults: a new fault; reset the link if ON */
progress_fault:
		if
		:: atomic { d_own[me] == ON -> want[me] = 1 }
			atomic { d_own[me] = RESET; trig!me }
		:: else /* not ON: no new reset; a fault that persists
			 * is found again once the link is ON */
		fi
	od;
handler:	/* on_sysconf, with the channel lock held */
	atomic { /* (own: written by this VM alone while it runs) */
		own = d_own[me];
		peer = d_peer[me]
	}
#ifdef NOFIX_LINK
	if
	:: peer == RESET && last != RESET -> want[PEER(me)] = 0 /* repair */
	:: else
	fi;
#elif defined(HALF_FIX_LINK)
	if
	:: peer == RESET -> want[PEER(me)] = 0 /* repair, every time seen */
	:: else
	fi;
#else
	want[PEER(me)] = 0; /* [F6] repair at every SYSCONF */
#endif
	if
	:: own == RESET && peer != OFF ->
		atomic { d_own[me] = ON; trig!me }
	:: own == ON && peer == OFF ->
		atomic { d_own[me] = RESET; trig!me }
#ifdef NOFIX_LINK
	:: own == ON && peer == RESET && last != RESET ->
		trig!me /* answer */
#elif !defined(MUTANT_NO_ANSWER)
	:: own == ON && peer == RESET -> /* [F6] answer, every time */
		trig!me
#endif
	:: else
	fi;
	atomic { last = peer; own = 0; peer = 0 }
	goto loop
	} unless { atomic { kill[me] -> kill[me] = 0 } };
	/* dead: private state lost; a restart runs ed_init again */
	atomic { own = 0; peer = 0; last = 0 }
end_dead:
	atomic { up[me] -> skip };
	goto start
}

/* The environment: VM crashes and restarts, spurious SYSCONFs. */
inline crash(v)
{
	atomic { up[v] && crashes > 0 && !kill[v] ->
		crashes--;
		kill[v] = 1; /* the VM stops at once ... */
		up[v] = 0; /* ... and nkhv runs hv_bridge_vm_down */
		hv_state[v] = OFF;
		d_peer[PEER(v)] = OFF;
		d_own[v] = OFF;
		d_peer[v] = hv_state[PEER(v)];
		sysconf[PEER(v)] = 1;
		want[v] = 0 /* its requests die with it */
	}
}

inline restart(v)
{
	atomic { !up[v] && !kill[v] ->
		/* hv_bridge_vm_up: descriptors rewritten from nkhv's copy;
		 * a SYSCONF pending stays pending */
		d_own[v] = hv_state[v];
		d_peer[v] = hv_state[PEER(v)];
		want[PEER(v)] = 0; /* it writes its block anew */
		up[v] = 1
	}
}

inline spurious_sysconf(v)
{
	atomic { up[v] && spurious > 0 -> spurious--; sysconf[v] = 1 }
}

active proctype env()
{
	byte crashes = CRASHES, spurious = SPURIOUS;

progress_env:
	do
	:: crash(0)
	:: crash(1)
	:: restart(0)
	:: restart(1)
	:: spurious_sysconf(0)
	:: spurious_sysconf(1)
	:: break /* no more */
	od;
	atomic { env_done = 1; faults_left = 0 }
}

init
{
	atomic {
		up[0] = 1;
		up[1] = 1;
		run end_point(0);
		run end_point(1)
	}
}

/* Quiescence: nothing else can move. */
active proctype monitor()
{
	timeout ->
	atomic {
		assert(env_done);
		if
		:: up[0] && up[1] -> /* both live: ON/ON everywhere */
			assert(hv_state[0] == ON && hv_state[1] == ON &&
			       d_own[0] == ON && d_own[1] == ON &&
			       d_peer[0] == ON && d_peer[1] == ON); /* [R7] */
			/* every fault was answered by a repair */
#ifndef NO_REPAIR_CHECK
			assert(!want[0] && !want[1]) /* [R7] */
#endif
		:: up[0] && !up[1] -> /* a dead peer is seen OFF */
			assert(d_peer[0] == OFF && d_own[0] != ON) /* [R7] */
		:: !up[0] && up[1] ->
			assert(d_peer[1] == OFF && d_own[1] != ON) /* [R7] */
		:: else
		fi
	}
}
