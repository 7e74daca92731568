// SPDX-License-Identifier: GPL-2.0-only
/*
 * Earlydata records as DLT messages with storage headers; see ed_dlt.h
 * and docs/earlydata-dlt.md. The record payload is untrusted (the
 * producer VM): every length is bounded by ED_DLT_MSG_MAX, and a
 * pass-through message is checked field by field before it is copied.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ed_dlt.h"

/* Standard header type (HTYP) bits and the protocol version 1. */
#define HTYP_UEH 0x01u
#define HTYP_MSBF 0x02u
#define HTYP_WEID 0x04u
#define HTYP_WSID 0x08u
#define HTYP_WTMS 0x10u
#define HTYP_VERS1 0x20u
#define HTYP_VERS_MASK 0xe0u

/* Argument type info bits. */
#define TI_TYLE_MASK 0x0fu
#define TI_BOOL 0x10u
#define TI_SINT 0x20u
#define TI_UINT 0x40u
#define TI_FLOA 0x80u
#define TI_ARAY 0x100u
#define TI_STRG 0x200u
#define TI_RAWD 0x400u
#define TI_VARI 0x800u
#define TI_FIXP 0x1000u
#define TI_TRAI 0x2000u
#define TI_STRU 0x4000u
#define TI_SCOD_UTF8 0x8000u

/* Standard header (with ECU id and timestamp) and extended header. */
#define STD_HDR 12u
#define EXT_HDR 10u
#define ARG_HDR 6u /* type info and 16-bit length of a string or raw */
/* Room kept for the "[cut: ...]" argument of a payload cut short. */
#define CUT_NOTE 64u

int ed_dlt_clock_parse(const char *spec, struct ed_dlt_clock *clk)
{
	struct timespec real, mono;
	char *end;
	double v;

	if (!spec || !strcmp(spec, "wall")) {
		clock_gettime(CLOCK_REALTIME, &real);
		clock_gettime(CLOCK_MONOTONIC, &mono);
		clk->offset_ns = ((int64_t)real.tv_sec - mono.tv_sec) *
					 1000000000 +
				 (real.tv_nsec - mono.tv_nsec);
		return 0;
	}
	if (!strcmp(spec, "uptime")) {
		clk->offset_ns = 0;
		return 0;
	}
	v = strtod(spec, &end);
	if (*end || end == spec || !(v >= -4e9 && v <= 4e9))
		return -1;
	clk->offset_ns = (int64_t)(v * 1e9);
	return 0;
}

void ed_dlt_id(char id[4], const char *s)
{
	size_t i;

	memset(id, 0, 4);
	for (i = 0; s && i < 4 && s[i]; i++)
		id[i] = s[i];
}

void ed_dlt_default_ids(struct ed_dlt_ids *ids, const char *ecu,
			const char *channel, const char *app, const char *ctx)
{
	ed_dlt_id(ids->ecu, ecu && *ecu ? ecu : "ECU1");
	ed_dlt_id(ids->app, app && *app ? app : "EDAT");
	ed_dlt_id(ids->ctx, ctx && *ctx ? ctx : channel);
}

void ed_dlt_map_type(unsigned int type, unsigned int *mstp, unsigned int *mtin)
{
	*mstp = ED_DLT_MSTP_LOG;
	*mtin = ED_DLT_LOG_INFO;
	if (type >= 0x11u && type <= 0x16u) {
		*mtin = type - 0x10u; /* 0x11 fatal .. 0x16 verbose */
	} else if (type >= 0x21u && type <= 0x25u) {
		*mstp = ED_DLT_MSTP_APP_TRACE; /* variable .. VFB */
		*mtin = type - 0x20u;
	} else if (type >= 0x31u && type <= 0x37u) {
		*mstp = ED_DLT_MSTP_NW_TRACE; /* IPC, CAN, .. user defined */
		*mtin = type - 0x30u;
	}
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int ed_dlt_utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		k = utf8_seq(s + i, n - i);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

static void put_be16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static void put_le16(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put_le32(unsigned char *p, uint32_t v)
{
	put_le16(p, v);
	put_le16(p + 2, v >> 16);
}

static uint32_t get_be16(const unsigned char *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t get_16(const unsigned char *p, int be)
{
	return be ? get_be16(p) : (uint32_t)p[1] << 8 | p[0];
}

static uint32_t get_32(const unsigned char *p, int be)
{
	return be ? get_be16(p) << 16 | get_be16(p + 2) :
		    get_16(p + 2, 0) << 16 | get_16(p, 0);
}

/* The storage header: wall time of the producer's ts_ns, and the ECU. */
static void storage_header(unsigned char *buf, const char ecu[4],
			   const struct ed_dlt_clock *clk, uint64_t ts_ns)
{
	int64_t off = clk ? clk->offset_ns : 0;
	uint64_t t;

	if (off < 0 && (uint64_t)-off > ts_ns)
		t = 0;
	else
		t = ts_ns + (uint64_t)off;
	memcpy(buf, "DLT\1", 4);
	put_le32(buf + 4, (uint32_t)(t / 1000000000u));
	put_le32(buf + 8, (uint32_t)(t % 1000000000u / 1000u));
	memcpy(buf + 12, ecu, 4);
}

/*
 * Storage, standard and extended headers of a verbose message with nargs
 * arguments of args_len bytes; the counter from mcnt, the DLT timestamp
 * (0.1 ms units, wrapping) from the producer's clock. Returns the offset
 * of the first argument.
 */
static size_t headers(unsigned char *buf, const struct ed_dlt_ids *ids,
		      const struct ed_dlt_clock *clk, uint64_t ts_ns,
		      uint64_t mcnt, unsigned int mstp, unsigned int mtin,
		      unsigned int nargs, size_t args_len)
{
	unsigned char *m = buf + ED_DLT_STORAGE_HDR;

	storage_header(buf, ids->ecu, clk, ts_ns);
	m[0] = HTYP_VERS1 | HTYP_UEH | HTYP_WEID | HTYP_WTMS;
	m[1] = (unsigned char)mcnt;
	put_be16(m + 2, (uint32_t)(STD_HDR + EXT_HDR + args_len));
	memcpy(m + 4, ids->ecu, 4);
	put_be32(m + 8, (uint32_t)(ts_ns / 100000u));
	m[12] = (unsigned char)(1u | (mstp & 7u) << 1 | (mtin & 15u) << 4);
	m[13] = (unsigned char)nargs;
	memcpy(m + 14, ids->app, 4);
	memcpy(m + 18, ids->ctx, 4);
	return ED_DLT_STORAGE_HDR + STD_HDR + EXT_HDR;
}

/* A string (text: NUL appended) or raw argument at p; its bytes. */
static size_t put_arg(unsigned char *p, int text, const void *data, size_t n)
{
	put_le32(p, text ? TI_STRG | TI_SCOD_UTF8 : TI_RAWD);
	put_le16(p + 4, (uint32_t)(n + (text ? 1u : 0u)));
	memcpy(p + ARG_HDR, data, n);
	if (text)
		p[ARG_HDR + n] = 0;
	return ARG_HDR + n + (text ? 1u : 0u);
}

/* A message of one or two arguments: data (text or raw), then a note. */
static size_t message(unsigned char *buf, const struct ed_dlt_ids *ids,
		      const struct ed_dlt_clock *clk, uint64_t ts_ns,
		      uint64_t mcnt, unsigned int mstp, unsigned int mtin,
		      const unsigned char *data, size_t len, const char *note)
{
	const size_t room = ED_DLT_MSG_MAX - STD_HDR - EXT_HDR - ARG_HDR - 1u -
			    (ARG_HDR + CUT_NOTE + 1u);
	char cut[CUT_NOTE];
	size_t n = len, o, notelen = 0;
	int text = ed_dlt_utf8_valid(data, len) && !memchr(data, 0, len);

	if (n > room) {
		n = room;
		/* Text stays text: cut at a character's first byte. */
		while (text && n && (data[n] & 0xc0) == 0x80)
			n--;
		snprintf(cut, sizeof(cut), "[cut: %zu of %zu bytes shown]", n,
			 len);
		note = cut;
	}
	if (note)
		notelen = strnlen(note, CUT_NOTE - 1u);
	o = headers(buf, ids, clk, ts_ns, mcnt, mstp, mtin, note ? 2u : 1u,
		    ARG_HDR + n + (text ? 1u : 0u) +
			    (note ? ARG_HDR + notelen + 1u : 0u));
	o += put_arg(buf + o, text, data, n);
	if (note)
		o += put_arg(buf + o, 1, note, notelen);
	return o;
}

size_t ed_dlt_record(unsigned char *buf, const struct ed_dlt_ids *ids,
		     const struct ed_dlt_clock *clk, unsigned int type,
		     uint64_t seq, uint64_t ts_ns, const void *data,
		     uint32_t len)
{
	char note[CUT_NOTE];
	const char *why = NULL;
	unsigned int mstp, mtin;
	const unsigned char *m = data;
	char ecu[4];

	if (type == ED_DLT_TYPE_PASSTHROUGH) {
		if (!ed_dlt_check(m, len, &why)) {
			memcpy(ecu, ids->ecu, 4);
			if (m[0] & HTYP_WEID)
				memcpy(ecu, m + 4, 4);
			storage_header(buf, ecu, clk, ts_ns);
			memcpy(buf + ED_DLT_STORAGE_HDR, m, len);
			return ED_DLT_STORAGE_HDR + len;
		}
		snprintf(note, sizeof(note), "[not a DLT message: %s]", why);
		return message(buf, ids, clk, ts_ns, seq, ED_DLT_MSTP_LOG,
			       ED_DLT_LOG_ERROR, m, len, note);
	}
	ed_dlt_map_type(type, &mstp, &mtin);
	return message(buf, ids, clk, ts_ns, seq, mstp, mtin, m, len, NULL);
}

size_t ed_dlt_loss(unsigned char *buf, const struct ed_dlt_ids *ids,
		   const struct ed_dlt_clock *clk, const char *channel,
		   uint64_t ts_ns, uint64_t first, uint64_t count,
		   const char *reason, uint64_t epoch)
{
	char text[200];
	int n;

	if (count)
		n = snprintf(text, sizeof(text),
			     "earlydata: channel %s lost %llu records, seq "
			     "%llu..%llu (%s)",
			     channel, (unsigned long long)count,
			     (unsigned long long)first,
			     (unsigned long long)(first + count - 1u), reason);
	else
		n = snprintf(text, sizeof(text),
			     "earlydata: channel %s: the producer started a "
			     "new ring (epoch %llu); records from seq %llu "
			     "lost, how many is unknown (%s)",
			     channel, (unsigned long long)epoch,
			     (unsigned long long)first, reason);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(text))
		n = (int)sizeof(text) - 1;
	return message(buf, ids, clk, ts_ns, first, ED_DLT_MSTP_LOG,
		       ED_DLT_LOG_WARN, (const unsigned char *)text, (size_t)n,
		       NULL);
}

/* Bytes of a number of type info ti (TYLE 1..5: 1 to 16 bytes), or 0. */
static size_t tyle_bytes(uint32_t ti)
{
	static const size_t sz[] = { 0, 1, 2, 4, 8, 16 };
	uint32_t t = ti & TI_TYLE_MASK;

	return t < sizeof(sz) / sizeof(sz[0]) ? sz[t] : 0;
}

/* One verbose argument at p (n bytes left): its bytes, or 0 if bad. */
static size_t check_arg(const unsigned char *p, size_t n, int be,
			const char **why)
{
	uint32_t ti, kinds;
	size_t o = 4, k, name = 0, unit = 0;

	if (n < 4) {
		*why = "argument type info cut short";
		return 0;
	}
	ti = get_32(p, be);
	kinds = ti & (TI_BOOL | TI_SINT | TI_UINT | TI_FLOA | TI_STRG |
		      TI_RAWD | TI_TRAI);
	if (ti & (TI_ARAY | TI_FIXP | TI_STRU) || !kinds ||
	    (kinds & (kinds - 1u))) {
		*why = "argument type not supported";
		return 0;
	}
	if (ti & TI_VARI) {
		/* Numbers carry a name and a unit, strings a name. */
		int has_unit = !!(kinds & (TI_SINT | TI_UINT | TI_FLOA));

		if (n < o + 2u + (has_unit ? 2u : 0u)) {
			*why = "argument name cut short";
			return 0;
		}
		name = get_16(p + o, be);
		o += 2;
		if (has_unit) {
			unit = get_16(p + o, be);
			o += 2;
		}
		if (n - o < name + unit) {
			*why = "argument name cut short";
			return 0;
		}
		o += name + unit;
	}
	if (kinds & (TI_STRG | TI_RAWD | TI_TRAI)) {
		if (n - o < 2u) {
			*why = "argument length cut short";
			return 0;
		}
		k = get_16(p + o, be);
		o += 2;
	} else {
		k = kinds == TI_BOOL ? 1u : tyle_bytes(ti);
		if (!k || (kinds == TI_FLOA && k < 2u)) {
			*why = "argument length field (TYLE) invalid";
			return 0;
		}
	}
	if (n - o < k) {
		*why = "argument data runs past the message";
		return 0;
	}
	return o + k;
}

int ed_dlt_check(const unsigned char *msg, size_t len, const char **why)
{
	const char *dummy;
	unsigned int htyp, nargs, i;
	size_t o = 4, k;
	int be;

	if (!why)
		why = &dummy;
	if (len < 4u) {
		*why = "shorter than a standard header";
		return -1;
	}
	htyp = msg[0];
	be = !!(htyp & HTYP_MSBF);
	if ((htyp & HTYP_VERS_MASK) != HTYP_VERS1) {
		*why = "not DLT protocol version 1";
		return -1;
	}
	if (get_be16(msg + 2) != len) {
		*why = "length field differs from the record's length";
		return -1;
	}
	o += (htyp & HTYP_WEID ? 4u : 0u) + (htyp & HTYP_WSID ? 4u : 0u) +
	     (htyp & HTYP_WTMS ? 4u : 0u);
	if (!(htyp & HTYP_UEH)) {
		*why = o > len ? "headers run past the message" : NULL;
		return o > len ? -1 : 0; /* non-verbose: opaque payload */
	}
	if (o + EXT_HDR > len) {
		*why = "headers run past the message";
		return -1;
	}
	if (!(msg[o] & 1u)) {
		*why = NULL;
		return 0; /* non-verbose: payload opaque to readers */
	}
	nargs = msg[o + 1];
	o += EXT_HDR;
	for (i = 0; i < nargs; i++) {
		k = check_arg(msg + o, len - o, be, why);
		if (!k)
			return -1;
		o += k;
	}
	if (o != len) {
		*why = "bytes after the last argument";
		return -1;
	}
	*why = NULL;
	return 0;
}
