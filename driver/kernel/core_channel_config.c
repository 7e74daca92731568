// SPDX-License-Identifier: GPL-2.0-only
/* The driver core's channel_config.c, unchanged, compiled into earlydata.ko. */
#include "../core/channel_config.c"
