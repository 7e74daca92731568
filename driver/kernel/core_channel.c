// SPDX-License-Identifier: GPL-2.0-only
/* The driver core's channel.c, unchanged, compiled into earlydata.ko. */
#include "../core/channel.c"
