/* SPDX-License-Identifier: GPL-2.0-only */
/* Typed, checked property readers for the device-tree loader. */
#ifndef NKHV_CONFIG_PROPS_H
#define NKHV_CONFIG_PROPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nkhv/config.h>

/* Parsing context: the blob and where to report the first error. */
struct dt_ctx {
	const void *fdt;
	struct nkhv_config_error *err;
};

/* Fill ctx->err for node `off` (its full path) and return -1. */
int dt_fail(struct dt_ctx *c, int off, const char *rule, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The full path of node `off` into buf. */
void dt_path(struct dt_ctx *c, int off, char *buf, int len);

/*
 * Read property `name` of node `off`. Each returns 1 when present and
 * valid, 0 when absent, -1 (error filled) when present but malformed.
 */
int dt_u32(struct dt_ctx *c, int off, const char *name, uint32_t *v);
int dt_size(struct dt_ctx *c, int off, const char *name, uint64_t *v);
int dt_string(struct dt_ctx *c, int off, const char *name, const char **s,
	      int *len);
int dt_flag(struct dt_ctx *c, int off, const char *name);

/*
 * Check the blob's header and structure with explicit bounds before any
 * libfdt accessor touches it. Returns 0, or -1 with the reason in why.
 */
int dt_check_blob(const void *fdt, size_t len, char *why, size_t wlen);

/* Does node `off` have compatible string `compat` (first entry)? */
bool dt_compatible(struct dt_ctx *c, int off, const char *compat);

#endif /* NKHV_CONFIG_PROPS_H */
