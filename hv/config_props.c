// SPDX-License-Identifier: GPL-2.0-only
/*
 * Property readers for the device-tree loader. The blob is untrusted:
 * every length is checked before a value is used, strings must be one
 * NUL-terminated string filling the property exactly.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "config_props.h"

void dt_path(struct dt_ctx *c, int off, char *buf, int len)
{
	if (off < 0 || fdt_get_path(c->fdt, off, buf, len) < 0)
		snprintf(buf, (size_t)len, "/");
}

int dt_fail(struct dt_ctx *c, int off, const char *rule, const char *fmt, ...)
{
	va_list ap;

	dt_path(c, off, c->err->path, sizeof(c->err->path));
	snprintf(c->err->rule, sizeof(c->err->rule), "%s", rule);
	va_start(ap, fmt);
	vsnprintf(c->err->message, sizeof(c->err->message), fmt, ap);
	va_end(ap);
	return -1;
}

int dt_u32(struct dt_ctx *c, int off, const char *name, uint32_t *v)
{
	const fdt32_t *p;
	int len;

	p = fdt_getprop(c->fdt, off, name, &len);
	if (!p)
		return 0;
	if (len != 4)
		return dt_fail(
			c, off, "prop-type",
			"property '%s' must be one 32-bit cell, has %d bytes",
			name, len);
	*v = fdt32_to_cpu(*p);
	return 1;
}

int dt_size(struct dt_ctx *c, int off, const char *name, uint64_t *v)
{
	const fdt32_t *p;
	int len;

	p = fdt_getprop(c->fdt, off, name, &len);
	if (!p)
		return 0;
	if (len == 4)
		*v = fdt32_to_cpu(p[0]);
	else if (len == 8)
		*v = ((uint64_t)fdt32_to_cpu(p[0]) << 32) | fdt32_to_cpu(p[1]);
	else
		return dt_fail(
			c, off, "prop-type",
			"property '%s' must be 1 or 2 cells, has %d bytes",
			name, len);
	return 1;
}

int dt_string(struct dt_ctx *c, int off, const char *name, const char **s,
	      int *slen)
{
	const char *p;
	int len;

	p = fdt_getprop(c->fdt, off, name, &len);
	if (!p)
		return 0;
	if (len < 1 || p[len - 1] != 0 || (int)strlen(p) != len - 1)
		return dt_fail(
			c, off, "prop-type",
			"property '%s' must be a single NUL-terminated string",
			name);
	*s = p;
	*slen = len - 1;
	return 1;
}

int dt_flag(struct dt_ctx *c, int off, const char *name)
{
	int len;

	if (!fdt_getprop(c->fdt, off, name, &len))
		return 0;
	if (len != 0)
		return dt_fail(
			c, off, "prop-type",
			"property '%s' is a flag and must be empty, has %d bytes",
			name, len);
	return 1;
}

bool dt_compatible(struct dt_ctx *c, int off, const char *compat)
{
	const char *s;
	int len;

	s = fdt_getprop(c->fdt, off, "compatible", &len);
	return s && len > 0 && s[len - 1] == 0 && !strcmp(s, compat);
}
