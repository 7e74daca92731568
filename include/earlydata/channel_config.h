/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Configuration of one Earlydata channel, carried by the info strings of
 * its vlink in the device tree (see docs/earlydata-channels.md):
 *
 *	info = "NAME[,key=value]..."
 *
 *	policy=block|drop-new|overwrite-oldest	overflow policy (overwrite-oldest)
 *	record-max=N				largest payload, bytes (1024)
 *	ring=N[K|M|G]				PMEM for the ring, bytes (64K)
 *	producer=server|client			which end-point produces (server)
 *	dlt-app=ID, dlt-ctx=ID			DLT application and context ids
 *						of the channel's records (1 to 4
 *						of [A-Za-z0-9_-]; tools default)
 *
 * The server's info is authoritative; the client's may be empty or repeat
 * the channel name. No libc: the parser is part of the OS-agnostic core.
 */
#ifndef EARLYDATA_CHANNEL_CONFIG_H
#define EARLYDATA_CHANNEL_CONFIG_H

#include <nk/nktypes.h>

#define ED_CHANNEL_NAME_MAX 32u /* including NUL */
#define ED_DEFAULT_RECORD_MAX 1024u
#define ED_DEFAULT_RING_SIZE (64u * 1024u)
#define ED_MIN_RING_SIZE (8u * 1024u)
#define ED_MAX_RING_SIZE (1024ULL * 1024u * 1024u)
#define ED_MAX_RECORD_MAX (1024u * 1024u)
#define ED_DLT_ID_MAX 5u /* a DLT id: up to 4 characters and a NUL */

enum ed_cfg_policy {
	ED_CFG_BLOCK = 0,
	ED_CFG_DROP_NEW = 1,
	ED_CFG_OVERWRITE_OLDEST = 2,
};

struct ed_channel_config {
	char name[ED_CHANNEL_NAME_MAX];
	enum ed_cfg_policy policy;
	nku32_f record_max;
	nku64_f ring_size;
	int producer_is_client;
	char dlt_app[ED_DLT_ID_MAX]; /* "" when not given */
	char dlt_ctx[ED_DLT_ID_MAX];
};

/*
 * Parse the server and client info strings (either may be NULL). Returns
 * 0, or -1 with a sentence naming the bad key or value in `err`.
 */
int ed_channel_config_parse(const char *s_info, const char *c_info,
			    struct ed_channel_config *cfg, char *err,
			    nku32_f errlen);

/* "block", "drop-new", "overwrite-oldest". */
const char *ed_cfg_policy_name(enum ed_cfg_policy p);

#endif /* EARLYDATA_CHANNEL_CONFIG_H */
