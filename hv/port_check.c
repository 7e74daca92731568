// SPDX-License-Identifier: GPL-2.0-only
/*
 * Reading what a guest wrote in its port (include/nkhv/port.h): the call
 * mailbox and the trigger ring. Each field is read once from guest memory
 * into nkhv's own copy and checked there; nothing here looks at nkhv's
 * state, so the fuzz target runs it on arbitrary bytes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nkhv.h"

static int bad(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -EPROTO;
}

/*
 * Take the call posted in the mailbox, if any. `done` is the seq of the
 * last call nkhv answered (its own copy). Returns 0 when no new call was
 * posted, 1 with *call filled for a well-formed call, or -EPROTO with
 * call->seq set (so that the refusal can be answered) and `why` filled.
 */
int hv_port_take_call(const volatile struct nkhv_port *port, uint32_t done,
		      struct hv_port_call *call, char *why, size_t why_len)
{
	uint64_t arg[4];
	uint32_t op, i;

	memset(call, 0, sizeof(*call));
	call->seq = __atomic_load_n(&port->call.seq, __ATOMIC_ACQUIRE);
	if (call->seq == done)
		return 0;
	op = port->call.op;
	for (i = 0; i < 4; i++)
		arg[i] = port->call.arg[i];
	if (op < NKHV_PORT_CALL_HELLO || op >= NKHV_PORT_CALL_END)
		return bad(why, why_len, "call %u: unknown operation %u",
			   call->seq, op);
	call->op = (enum nkhv_port_op)op;
	if (op == NKHV_PORT_CALL_HELLO)
		return 1; /* no arguments; whatever is left there is ignored */
	call->vlink = arg[0];
	if (arg[1] > UINT32_MAX)
		return bad(why, why_len,
			   "call %u: label id 0x%llx is not 32-bit", call->seq,
			   (unsigned long long)arg[1]);
	call->id = (uint32_t)arg[1];
	if (op == NKHV_PORT_CALL_PXIRQ_ALLOC) {
		if (arg[2] > UINT32_MAX || arg[3] > UINT32_MAX)
			return bad(
				why, why_len,
				"call %u: XIRQ allocation for os 0x%llx, count 0x%llx: not 32-bit",
				call->seq, (unsigned long long)arg[2],
				(unsigned long long)arg[3]);
		call->osid = (NkOsId)arg[2];
		call->size = arg[3];
		return 1;
	}
	if (arg[2] > NKHV_MAX_REGION_SIZE)
		return bad(
			why, why_len,
			"call %u: allocation of 0x%llx bytes, larger than any region",
			call->seq, (unsigned long long)arg[2]);
	call->size = arg[2];
	return 1;
}

/*
 * Copy the trigger entries the guest added since *tail (nkhv's copy) into
 * out[NKHV_PORT_TRIGGERS] and advance *tail to the guest's trig_head.
 * Returns the number of entries, or -EPROTO when trig_head claims more
 * entries than the ring holds: then nothing is taken and *tail still jumps
 * to trig_head, so that the ring is usable again.
 */
int hv_port_take_triggers(const volatile struct nkhv_port *port, uint32_t *tail,
			  struct nkhv_port_trigger *out, char *why,
			  size_t why_len)
{
	uint32_t head = __atomic_load_n(&port->trig_head, __ATOMIC_ACQUIRE);
	uint32_t n = head - *tail, i;

	if (n > NKHV_PORT_TRIGGERS) {
		uint32_t was = *tail;

		*tail = head;
		return bad(
			why, why_len,
			"trigger ring head %u is %u entries past tail %u (ring of %u)",
			head, n, was, NKHV_PORT_TRIGGERS);
	}
	for (i = 0; i < n; i++) {
		const volatile struct nkhv_port_trigger *t =
			&port->trig[(*tail + i) % NKHV_PORT_TRIGGERS];

		out[i].xirq = t->xirq;
		out[i].osid = t->osid;
	}
	*tail = head;
	return (int)n;
}
