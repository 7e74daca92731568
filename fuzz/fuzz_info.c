// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer target for the Earlydata channel configuration: the input,
 * split at its first NUL, is offered as the server and the client info
 * strings of a vlink. The parser must accept it with a configuration in
 * range, or refuse it naming why; never crash or read past either string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <earlydata/channel_config.h>

/* A NUL-terminated heap copy of data[0..n), so ASan sees its exact end. */
static char *dup_str(const uint8_t *data, size_t n)
{
	char *s = malloc(n + 1);

	if (s) {
		memcpy(s, data, n);
		s[n] = 0;
	}
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t n1 = nul ? (size_t)(nul - data) : size;
	struct ed_channel_config cfg;
	char err[128];
	char *s_info = dup_str(data, n1);
	char *c_info = nul ? dup_str(nul + 1, size - n1 - 1) : NULL;

	if (!s_info || (nul && !c_info))
		goto out;
	err[0] = 0;
	if (ed_channel_config_parse(s_info, c_info, &cfg, err, sizeof(err))) {
		if (!err[0] || !memchr(err, 0, sizeof(err)))
			abort(); /* a refusal must say why, within err */
	} else {
		if (!memchr(cfg.name, 0, sizeof(cfg.name)) || !cfg.name[0])
			abort();
		if (cfg.policy > ED_CFG_OVERWRITE_OLDEST ||
		    cfg.record_max == 0 || cfg.record_max > ED_MAX_RECORD_MAX ||
		    cfg.ring_size < ED_MIN_RING_SIZE ||
		    cfg.ring_size > ED_MAX_RING_SIZE)
			abort(); /* accepted out of range */
	}
out:
	free(s_info);
	free(c_info);
	return 0;
}
