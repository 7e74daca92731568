/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CRC32C by carry-less multiplication ("folding"), where the platform has
 * a vector unit for it and the build provides it (ED_CRC_FOLD): the
 * x86-64 user-space build, with VPCLMULQDQ on 256-bit registers
 * (driver/arch/x86_64/crc32c_fold.c). crc32c.c calls it for long buffers
 * and keeps the crc32 instruction for the rest.
 */
#ifndef ED_CRC32C_FOLD_H
#define ED_CRC32C_FOLD_H

#include <nk/nktypes.h>

/* Smallest length ed_crc_fold takes, and the multiple it takes. */
#define ED_CRC_FOLD_BLOCK 128u

/* Nonzero if this CPU (and the OS) can run the folding code. */
int ed_crc_fold_init(void);

/*
 * The CRC register (no pre/post inversion) crc advanced over p[0, n), n a
 * nonzero multiple of ED_CRC_FOLD_BLOCK.
 */
nku32_f ed_crc_fold(nku32_f crc, const nku8_f *p, nku64_f n);

/* ed_crc_fold, copying p to d (not overlapping it): each byte loaded once. */
nku32_f ed_crc_fold_copy(nku32_f crc, nku8_f *d, const nku8_f *p, nku64_f n);

#endif
