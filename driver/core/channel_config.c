// SPDX-License-Identifier: GPL-2.0-only
/*
 * Parser of Earlydata channel info strings; see channel_config.h. Written
 * without libc (it runs in kernels too) and without trusting its input:
 * every length is bounded and every number checked for overflow.
 */
#include <earlydata/channel_config.h>

#include "ed_port.h"

#define INFO_MAX 256u /* longest info string looked at */

/* Bounded formatting of an error: "prefix'token'suffix". */
static void set_cfg_err(char *err, nku32_f len, const char *a, const char *tok,
			nku32_f toklen, const char *b)
{
	nku32_f o = 0, i;

	if (!err || !len)
		return;
	for (i = 0; a && a[i] && o + 1u < len; i++)
		err[o++] = a[i];
	for (i = 0; tok && i < toklen && o + 1u < len; i++)
		err[o++] = tok[i];
	for (i = 0; b && b[i] && o + 1u < len; i++)
		err[o++] = b[i];
	err[o] = 0;
}

static int tok_eq(const char *t, nku32_f n, const char *s)
{
	nku32_f i;

	for (i = 0; i < n; i++)
		if (!s[i] || s[i] != t[i])
			return 0;
	return s[n] == '\0';
}

/* Decimal or 0x hex number with an optional K, M or G suffix. */
static int parse_size(const char *t, nku32_f n, nku64_f *out)
{
	nku64_f v = 0, mul = 1, base = 10;
	nku32_f i = 0;

	if (n && (t[n - 1u] == 'K' || t[n - 1u] == 'k')) {
		mul = 1024;
		n--;
	} else if (n && (t[n - 1u] == 'M' || t[n - 1u] == 'm')) {
		mul = 1024 * 1024;
		n--;
	} else if (n && (t[n - 1u] == 'G' || t[n - 1u] == 'g')) {
		mul = 1024 * 1024 * 1024;
		n--;
	} else {
		/* no suffix: bytes */
	}
	if (n > 2u && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == n)
		return -1;
	for (; i < n; i++) {
		nku64_f d;

		if (t[i] >= '0' && t[i] <= '9')
			d = (nku64_f)t[i] - (nku64_f)'0';
		else if (base == 16u && t[i] >= 'a' && t[i] <= 'f')
			d = (nku64_f)t[i] - (nku64_f)'a' + 10u;
		else if (base == 16u && t[i] >= 'A' && t[i] <= 'F')
			d = (nku64_f)t[i] - (nku64_f)'A' + 10u;
		else
			return -1;
		if (v > (~0ULL - d) / base)
			return -1;
		v = v * base + d;
	}
	if (v > ~0ULL / mul)
		return -1;
	*out = v * mul;
	return 0;
}

static int name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* A DLT id: 1 to 4 of [A-Za-z0-9_-], stored NUL terminated. */
static int set_dlt_id(char *out, const char *v, nku32_f n)
{
	nku32_f i;

	if (n == 0u || n >= ED_DLT_ID_MAX)
		return -1;
	for (i = 0; i < n; i++) {
		if (name_char_ok(v[i]) == 0 || v[i] == '.')
			return -1;
		out[i] = v[i];
	}
	out[n] = '\0';
	return 0;
}

/* Apply one "key=value" item. */
static int apply(struct ed_channel_config *cfg, const char *t, nku32_f n,
		 char *err, nku32_f errlen)
{
	nku32_f k = 0;
	const char *v;
	nku32_f vn;
	nku64_f num;

	while (k < n && t[k] != '=')
		k++;
	if (k == n || k == 0u) {
		set_cfg_err(err, errlen, "info item '", t, n,
			    "' is not key=value");
		return -1;
	}
	v = t + k + 1u;
	vn = n - k - 1u;
	if (tok_eq(t, k, "policy") != 0) {
		if (tok_eq(v, vn, "block") != 0)
			cfg->policy = ED_CFG_BLOCK;
		else if (tok_eq(v, vn, "drop-new") != 0)
			cfg->policy = ED_CFG_DROP_NEW;
		else if (tok_eq(v, vn, "overwrite-oldest") != 0)
			cfg->policy = ED_CFG_OVERWRITE_OLDEST;
		else
			goto bad_value;
	} else if (tok_eq(t, k, "record-max") != 0) {
		if (parse_size(v, vn, &num) || !num || num > ED_MAX_RECORD_MAX)
			goto bad_value;
		cfg->record_max = (nku32_f)num;
	} else if (tok_eq(t, k, "ring") != 0) {
		if (parse_size(v, vn, &num) || num < ED_MIN_RING_SIZE ||
		    num > ED_MAX_RING_SIZE)
			goto bad_value;
		cfg->ring_size = num;
	} else if (tok_eq(t, k, "producer") != 0) {
		if (tok_eq(v, vn, "server") != 0)
			cfg->producer_is_client = 0;
		else if (tok_eq(v, vn, "client") != 0)
			cfg->producer_is_client = 1;
		else
			goto bad_value;
	} else if (tok_eq(t, k, "dlt-app") != 0) {
		if (set_dlt_id(cfg->dlt_app, v, vn) != 0)
			goto bad_value;
	} else if (tok_eq(t, k, "dlt-ctx") != 0) {
		if (set_dlt_id(cfg->dlt_ctx, v, vn) != 0)
			goto bad_value;
	} else {
		set_cfg_err(err, errlen, "unknown info key '", t, k, "'");
		return -1;
	}
	return 0;
bad_value:
	set_cfg_err(err, errlen, "bad value in info item '", t, n, "'");
	return -1;
}

/* Parse one info string into cfg; the first item is the channel name. */
static int parse_one(const char *s, struct ed_channel_config *cfg,
		     int name_required, char *err, nku32_f errlen)
{
	nku32_f i = 0, start, n;

	while (i < INFO_MAX && s[i] && s[i] != ',')
		i++;
	if (i >= ED_CHANNEL_NAME_MAX) {
		set_cfg_err(err, errlen, "channel name '", s, i,
			    "' is longer than 31 characters");
		return -1;
	}
	if (i == 0u && name_required) {
		set_cfg_err(err, errlen, "info has no channel name", NULL, 0,
			    "");
		return -1;
	}
	for (n = 0; n < i; n++) {
		if (!name_char_ok(s[n])) {
			set_cfg_err(err, errlen, "channel name '", s, i,
				    "' has a character outside [A-Za-z0-9._-]");
			return -1;
		}
	}
	if (i != 0u) {
		if (cfg->name[0] && !tok_eq(s, i, cfg->name)) {
			set_cfg_err(err, errlen, "client info names channel '",
				    s, i, "', the server's another");
			return -1;
		}
		for (n = 0; n < i; n++)
			cfg->name[n] = s[n];
		cfg->name[i] = 0;
	}
	while (i < INFO_MAX && s[i] == ',') {
		start = ++i;
		while (i < INFO_MAX && s[i] && s[i] != ',')
			i++;
		if (apply(cfg, s + start, i - start, err, errlen) != 0)
			return -1;
	}
	if (i >= INFO_MAX || s[i]) {
		set_cfg_err(err, errlen,
			    "info string longer than 255 characters", NULL, 0,
			    "");
		return -1;
	}
	return 0;
}

int ed_channel_config_parse(const char *s_info, const char *c_info,
			    struct ed_channel_config *cfg, char *err,
			    nku32_f errlen)
{
	cfg->name[0] = 0;
	cfg->policy = ED_CFG_OVERWRITE_OLDEST;
	cfg->record_max = ED_DEFAULT_RECORD_MAX;
	cfg->ring_size = ED_DEFAULT_RING_SIZE;
	cfg->producer_is_client = 0;
	cfg->dlt_app[0] = '\0';
	cfg->dlt_ctx[0] = '\0';
	if (err && errlen)
		err[0] = 0;
	if (!s_info || !s_info[0]) {
		set_cfg_err(err, errlen,
			    "server info is empty: no channel name", NULL, 0,
			    "");
		return -1;
	}
	if (parse_one(s_info, cfg, 1, err, errlen) != 0)
		return -1;
	if (c_info && c_info[0] && parse_one(c_info, cfg, 0, err, errlen))
		return -1;
	if (cfg->record_max > cfg->ring_size / 4u) {
		set_cfg_err(err, errlen,
			    "record-max is larger than a quarter of the ring",
			    NULL, 0, "");
		return -1;
	}
	return 0;
}

const char *ed_cfg_policy_name(enum ed_cfg_policy p)
{
	switch (p) {
	case ED_CFG_BLOCK:
		return "block";
	case ED_CFG_DROP_NEW:
		return "drop-new";
	default:
		return "overwrite-oldest";
	}
}
