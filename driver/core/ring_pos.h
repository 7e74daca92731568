/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Positions to data-area offsets without a division on the data path.
 */
#ifndef ED_RING_POS_H
#define ED_RING_POS_H

#include <nk/nktypes.h>

/*
 * pos % size, from a cached lap base: *base is a multiple of size at or
 * below pos. A position mostly moves less than a lap between two calls,
 * so the base only steps one lap forward; anything else (a rewind, a
 * resync, a first call) takes the division once and rebases. A 64-bit
 * division costs tens of cycles, a large share of a small record.
 */
static inline nku64_f ed_pos_off(nku64_f pos, nku64_f size, nku64_f *base)
{
	nku64_f off = pos - *base; /* huge when pos is below the base */

	if (off < size)
		return off;
	if (off - size < size) {
		*base += size;
		return off - size;
	}
	*base = pos - pos % size;
	return pos - *base;
}

#endif /* ED_RING_POS_H */
