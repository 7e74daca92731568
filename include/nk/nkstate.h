/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Names of vlink end-point states, for logs and status documents. Free of
 * libc like nkern.h, so hypervisor, guests and kernel code share it.
 */
#ifndef NK_NKSTATE_H
#define NK_NKSTATE_H

#include <nk/nkern.h>

/* "OFF", "RESET", "ON", or "INVALID" for any other value. */
static inline const char *nk_vlink_state_name(int state)
{
	switch (state) {
	case NK_DEV_VLINK_OFF:
		return "OFF";
	case NK_DEV_VLINK_RESET:
		return "RESET";
	case NK_DEV_VLINK_ON:
		return "ON";
	default:
		break;
	}
	return "INVALID";
}

#endif /* NK_NKSTATE_H */
