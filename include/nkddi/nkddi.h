/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libnkddi: the NKDDI provider for user-space guests of nkhv.
 *
 * A process becomes VM <ID> by joining nkhv on DIR/vm<ID>.sock, either
 * explicitly with nkddi_join(), or automatically on the first use of
 * `nkops` when the environment variable NK_VM_SOCKET names the socket.
 * After that, `nkops` (include/nk/nkern.h) behaves as on the target.
 * The calls below are extensions for hosts, tests and tools; drivers use
 * `nkops` only.
 */
#ifndef NKDDI_NKDDI_H
#define NKDDI_NKDDI_H

#include <nk/nkern.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Join nkhv through `socket_path` as the VM that socket belongs to.
 * Returns 0, or -errno: -EBUSY when another process holds the VM,
 * -ECONNREFUSED/-ENOENT when nkhv does not serve that socket, -EALREADY
 * when this process already joined.
 */
int nkddi_join(const char *socket_path);

/* Join VM `id` through DIR/vm<ID>.sock (DIR: nkhv's run directory). */
int nkddi_join_vm(const char *run_dir, NkOsId id);

/* True once this process has joined. */
int nkddi_joined(void);

/* Name of this VM from the device tree ("" before joining). */
const char *nkddi_vm_name(void);

/*
 * Nonzero once nkhv is gone (its end of the VM socket closed: it exited or
 * was killed). This VM's SYSCONF is raised when that happens, so drivers
 * see it in their SYSCONF handler; mapped memory stays readable, but no
 * request, trigger or state change reaches nkhv or a peer any more.
 */
int nkddi_hv_lost(void);

/*
 * Why the last failed `nkops` call of this thread failed, as a sentence
 * ("" if none failed yet). Failures are NULL or 0 results, and for void
 * calls such as nk_xirq_trigger() a refusal that has no return value.
 */
const char *nkddi_last_error(void);

/* Is XIRQ `xirq` of this VM masked now (explicitly or while in service)? */
int nkddi_xirq_masked(NkXIrq xirq);

/* Is the calling thread the interrupt thread (inside an XIRQ handler)? */
int nkddi_in_interrupt(void);

/*
 * Take XIRQ `xirq` of this VM in the calling thread: sleep until it is
 * triggered (and not masked), then run its handlers here, as the
 * interrupt thread would (one at a time, source masked, and
 * nkddi_in_interrupt() true in them). Meanwhile the interrupt thread
 * leaves the source alone; it serves it again once this returns. This
 * spares a thread that would only sleep until a handler wakes it the
 * second wake-up. One waiter per XIRQ, not from a handler.
 * Returns 1 when the handlers ran, 0 when the wait ended without a
 * trigger (timeout_ms elapsed, nkddi_xirq_wake(), the source was masked
 * or unmasked meanwhile), -1 with nkddi_last_error() set. timeout_ms < 0:
 * no limit.
 */
int nkddi_xirq_wait(NkXIrq xirq, int timeout_ms);

/*
 * End the nkddi_xirq_wait() on `xirq` under way, or else the next one
 * (at once, with 0): for a waiter that also waits for something else.
 */
void nkddi_xirq_wake(NkXIrq xirq);

#ifdef __cplusplus
}
#endif

#endif /* NKDDI_NKDDI_H */
