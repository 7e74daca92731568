// SPDX-License-Identifier: GPL-2.0-only
/* The driver core's crc32c.c, unchanged, compiled into earlydata.ko. */
#include "../core/crc32c.c"
