// SPDX-License-Identifier: GPL-2.0-only
/*
 * The bridge: keeps the two descriptors of each vlink in step. A VM writes
 * only its own side's state and triggers NK_XIRQ_SYSCONF; the bridge checks
 * every field of every descriptor of that VM against its own authoritative
 * copy, accepts a valid own-side state, undoes anything else, propagates
 * accepted changes to the peer's descriptor and raises SYSCONF there.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <nk/nkstate.h>

#include "nkhv.h"

static bool state_valid(int s)
{
	return s == NK_DEV_VLINK_OFF || s == NK_DEV_VLINK_RESET ||
	       s == NK_DEV_VLINK_ON;
}

/*
 * Post SYSCONF to VM index `vm`: a pending bit and a vector for a QEMU VM,
 * else its eventfd (pending until a process attaches a handler).
 */
void hv_raise_sysconf(struct hv *hv, uint32_t vm)
{
	uint64_t one = 1;

	hv->vms[vm].sysconf_raised++;
	if (hv->vms[vm].qemu) {
		hv_port_raise(hv, vm, NK_XIRQ_SYSCONF);
		return;
	}
	if (write(hv->vms[vm].sysconf_efd, &one, sizeof(one)) < 0)
		hv_log("vm %u: SYSCONF eventfd write failed",
		       hv->vms[vm].cfg->id);
}

/*
 * Write the authoritative states of vlink `l` into both descriptors, each
 * VM receiving only the side it does not own: what a VM owns may be being
 * written by it right now, and the bridge hears of it on its SYSCONF.
 */
static void publish_states(struct hv *hv, uint32_t l)
{
	struct hv_vlink *vl = &hv->vlinks[l];

	if (vl->s_vm != vl->c_vm) {
		hv_desc(hv, vl->s_vm, l)->c_state = vl->c_state;
		hv_desc(hv, vl->c_vm, l)->s_state = vl->s_state;
	}
}

/*
 * Check what VM `vm` left in its descriptor of vlink `l` (`seen`, copied
 * before its system area was rewritten from nkhv's state) against the
 * rewritten one. Returns true when the VM's own side changed state.
 */
static bool check_descriptor(struct hv *hv, uint32_t vm, uint32_t l,
			     const NkDevVlink *s)
{
	struct hv_vlink *vl = &hv->vlinks[l];
	const NkDevVlink *ref = hv_desc(hv, vm, l);
	bool is_s = vl->s_vm == vm, is_c = vl->c_vm == vm, changed = false;
	const char *name = vl->cfg->name;
	int link = vl->cfg->link;
	NkDevVlink seen = *s;

	/* Everything but the states must match what nkhv wrote. */
	if (memcmp(seen.name, ref->name, sizeof(seen.name)) ||
	    seen.link != ref->link || seen.s_id != ref->s_id ||
	    seen.c_id != ref->c_id || seen.s_info != ref->s_info ||
	    seen.c_info != ref->c_info || seen.c_power != ref->c_power ||
	    seen.resrc != ref->resrc || seen.lock != ref->lock) {
		vl->refusals++;
		hv_refuse(
			hv, vm, HV_REF_STATE,
			"vlink %s/%d: changed a field set by the hypervisor; restored",
			name, link);
	}
	if (is_s && seen.s_state != vl->s_state) {
		if (state_valid(seen.s_state)) {
			vl->s_state = seen.s_state;
			changed = true;
		} else {
			vl->refusals++;
			hv_desc(hv, vm, l)->s_state = vl->s_state;
			hv_refuse(
				hv, vm, HV_REF_STATE,
				"vlink %s/%d: s_state %d is not a vlink state; restored",
				name, link, seen.s_state);
		}
	} else if (!is_s && seen.s_state != vl->s_state) {
		vl->refusals++;
		hv_refuse(
			hv, vm, HV_REF_STATE,
			"vlink %s/%d: client wrote the server's state (%d); restored",
			name, link, seen.s_state);
	}
	if (is_c && seen.c_state != vl->c_state) {
		if (state_valid(seen.c_state)) {
			vl->c_state = seen.c_state;
			changed = true;
		} else {
			vl->refusals++;
			hv_desc(hv, vm, l)->c_state = vl->c_state;
			hv_refuse(
				hv, vm, HV_REF_STATE,
				"vlink %s/%d: c_state %d is not a vlink state; restored",
				name, link, seen.c_state);
		}
	} else if (!is_c && seen.c_state != vl->c_state) {
		vl->refusals++;
		hv_refuse(
			hv, vm, HV_REF_STATE,
			"vlink %s/%d: server wrote the client's state (%d); restored",
			name, link, seen.c_state);
	}
	return changed;
}

/*
 * VM `vm` triggered SYSCONF towards VM index `target`: validate all its
 * descriptors, propagate, and raise SYSCONF in `target` and in every peer
 * whose descriptor changed. `target` must share a vlink with `vm` (or be
 * `vm`); otherwise only the propagation is done and -EPERM returned.
 * A refused change of a descriptor (counted, restored) returns -EACCES.
 */
int hv_bridge_sysconf(struct hv *hv, uint32_t vm, int target)
{
	int err = target < 0 ? -EPERM : 0;
	static NkDevVlink seen[NKHV_MAX_VLINKS];
	bool notify[NKHV_MAX_VMS] = { false };
	struct hv_vm *v = &hv->vms[vm];
	uint64_t refused = v->refusals[HV_REF_STATE];
	uint32_t d, i;

	v->sysconf_in++;
	/* One read of guest memory, then nkhv's own copy is written back. */
	for (d = 0; d < v->ndesc; d++)
		memcpy(&seen[d], hv_desc(hv, vm, v->desc_vlink[d]),
		       sizeof(seen[d]));
	hv_pdev_write_descriptors(hv, vm, false);
	for (d = 0; d < v->ndesc; d++) {
		uint32_t l = v->desc_vlink[d];
		struct hv_vlink *vl = &hv->vlinks[l];

		if (check_descriptor(hv, vm, l, &seen[d])) {
			notify[vl->s_vm == vm ? vl->c_vm : vl->s_vm] = true;
			hv_log("vlink %s/%d: %s %s/%s", vl->cfg->name,
			       vl->cfg->link, v->cfg->name,
			       nk_vlink_state_name(vl->s_state),
			       nk_vlink_state_name(vl->c_state));
		}
		if (target >= 0 && hv_is_endpoint(hv, (uint32_t)target, l))
			notify[target] = true;
	}
	if (target >= 0 && !notify[target] && (uint32_t)target != vm)
		err = -EPERM;
	else if (!err && v->refusals[HV_REF_STATE] != refused)
		err = -EACCES;
	else if (target >= 0)
		notify[target] = true;
	for (d = 0; d < v->ndesc; d++)
		publish_states(hv, v->desc_vlink[d]);
	for (i = 0; i < hv->sys.nvms; i++)
		if (notify[i])
			hv_raise_sysconf(hv, i);
	return err;
}

/* VM `vm` died or left: its sides go OFF and its peers are told. */
void hv_bridge_vm_down(struct hv *hv, uint32_t vm)
{
	bool notify[NKHV_MAX_VMS] = { false };
	struct hv_vm *v = &hv->vms[vm];
	uint32_t d, i;

	for (d = 0; d < v->ndesc; d++) {
		uint32_t l = v->desc_vlink[d];
		struct hv_vlink *vl = &hv->vlinks[l];

		if (vl->s_vm == vm)
			vl->s_state = NK_DEV_VLINK_OFF;
		if (vl->c_vm == vm)
			vl->c_state = NK_DEV_VLINK_OFF;
		publish_states(hv, l);
		hv_desc(hv, vm, l)->s_state = vl->s_state;
		hv_desc(hv, vm, l)->c_state = vl->c_state;
		notify[vl->s_vm == vm ? vl->c_vm : vl->s_vm] = true;
	}
	notify[vm] = false;
	for (i = 0; i < hv->sys.nvms; i++)
		if (notify[i])
			hv_raise_sysconf(hv, i);
}

/* VM `vm` joined: its system area is rewritten from nkhv's state. */
void hv_bridge_vm_up(struct hv *hv, uint32_t vm)
{
	hv_pdev_write_descriptors(hv, vm, true);
}
