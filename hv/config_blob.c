// SPDX-License-Identifier: GPL-2.0-only
/*
 * Structural check of an untrusted flattened device tree, done before any
 * libfdt accessor reads it.
 *
 * Every tag of the structure block is walked with explicit bounds: node
 * names must be terminated inside the block, property values must fit,
 * every property name offset must point at a terminated string inside the
 * strings block, and nodes must nest. Only then is fdt_check_full() asked
 * for its own opinion: some libfdt releases dereference unchecked string
 * offsets there, so it must never see a blob this walk has not accepted.
 */
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "config_props.h"

static uint32_t be32_at(const char *p)
{
	fdt32_t v;

	memcpy(&v, p, sizeof(v));
	return fdt32_to_cpu(v);
}

static uint32_t align4(uint32_t n)
{
	return (n + 3u) & ~3u;
}

/* Walk the structure block; on failure say what and where in why. */
static int walk_struct(const char *blk, uint32_t size, const char *strs,
		       uint32_t strs_size, char *why, size_t wlen)
{
	uint32_t off = 0, depth = 0, tag, plen, nameoff;
	bool root_seen = false;
	const char *nul;

	for (;;) {
		if (size - off < 4) {
			snprintf(why, wlen,
				 "structure block ends at %u "
				 "without FDT_END",
				 off);
			return -1;
		}
		tag = be32_at(blk + off);
		switch (tag) {
		case FDT_BEGIN_NODE:
			if (depth == 0 && root_seen) {
				snprintf(why, wlen,
					 "second root node at "
					 "structure offset %u",
					 off);
				return -1;
			}
			nul = memchr(blk + off + 4, '\0', size - off - 4);
			if (!nul) {
				snprintf(why, wlen,
					 "node name at structure "
					 "offset %u is not terminated",
					 off);
				return -1;
			}
			if (++depth > 64) {
				snprintf(why, wlen,
					 "nodes nested deeper than "
					 "64 at structure offset %u",
					 off);
				return -1;
			}
			root_seen = true;
			off = align4((uint32_t)(nul - blk) + 1);
			break;
		case FDT_END_NODE:
			if (depth == 0) {
				snprintf(why, wlen,
					 "unbalanced FDT_END_NODE "
					 "at structure offset %u",
					 off);
				return -1;
			}
			depth--;
			off += 4;
			break;
		case FDT_PROP:
			if (size - off < 12 || depth == 0) {
				snprintf(why, wlen,
					 "property at structure "
					 "offset %u is %s",
					 off,
					 depth ? "truncated" :
						 "outside a node");
				return -1;
			}
			plen = be32_at(blk + off + 4);
			nameoff = be32_at(blk + off + 8);
			if (plen > size - off - 12) {
				snprintf(why, wlen,
					 "property at structure "
					 "offset %u has length %u past the "
					 "block",
					 off, plen);
				return -1;
			}
			if (nameoff >= strs_size ||
			    !memchr(strs + nameoff, '\0',
				    strs_size - nameoff)) {
				snprintf(why, wlen,
					 "property at structure "
					 "offset %u names string offset %u "
					 "outside the strings block",
					 off, nameoff);
				return -1;
			}
			off = align4(off + 12 + plen);
			break;
		case FDT_NOP:
			off += 4;
			break;
		case FDT_END:
			if (depth || !root_seen) {
				snprintf(why, wlen,
					 "FDT_END at structure "
					 "offset %u %s",
					 off,
					 depth ? "inside an open node" :
						 "before any node");
				return -1;
			}
			return 0;
		default:
			snprintf(why, wlen,
				 "unknown tag 0x%x at structure "
				 "offset %u",
				 tag, off);
			return -1;
		}
		if (off > size) {
			snprintf(why, wlen,
				 "structure block overrun after "
				 "offset %u",
				 off);
			return -1;
		}
	}
}

int dt_check_blob(const void *fdt, size_t len, char *why, size_t wlen)
{
	const char *b = fdt;
	uint32_t total, os, ss, ot, st;
	int r;

	if (len < sizeof(struct fdt_header)) {
		snprintf(why, wlen, "shorter than a header");
		return -1;
	}
	if (fdt_magic(fdt) != FDT_MAGIC) {
		snprintf(why, wlen, "bad magic 0x%08x", fdt_magic(fdt));
		return -1;
	}
	if (fdt_version(fdt) < 17 || fdt_last_comp_version(fdt) > 17) {
		snprintf(why, wlen,
			 "format version %u (compatible with %u); "
			 "version 17 is required",
			 fdt_version(fdt), fdt_last_comp_version(fdt));
		return -1;
	}
	total = fdt_totalsize(fdt);
	os = fdt_off_dt_struct(fdt);
	ss = fdt_size_dt_struct(fdt);
	ot = fdt_off_dt_strings(fdt);
	st = fdt_size_dt_strings(fdt);
	if (total > len || total < sizeof(struct fdt_header)) {
		snprintf(why, wlen, "header total size %u but %zu bytes given",
			 total, len);
		return -1;
	}
	if (os > total || ss > total - os || ot > total || st > total - ot ||
	    (os & 3)) {
		snprintf(why, wlen,
			 "structure block %u+%u or strings block "
			 "%u+%u outside the %u-byte blob",
			 os, ss, ot, st, total);
		return -1;
	}
	r = fdt_check_header(fdt);
	if (r) {
		snprintf(why, wlen, "%s", fdt_strerror(r));
		return -1;
	}
	if (walk_struct(b + os, ss, b + ot, st, why, wlen))
		return -1;
	r = fdt_check_full(fdt, len);
	if (r) {
		snprintf(why, wlen, "%s", fdt_strerror(r));
		return -1;
	}
	return 0;
}
