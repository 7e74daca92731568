// SPDX-License-Identifier: GPL-2.0-only
/* The driver core's ring_consumer.c, unchanged, compiled into earlydata.ko. */
#include "../core/ring_consumer.c"
