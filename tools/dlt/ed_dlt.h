/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Earlydata records as COVESA DLT messages (AUTOSAR Log and Trace), each
 * with the storage header of a DLT file: what `earlydata consume --dlt`
 * and `edcat --dlt` write (docs/earlydata-dlt.md). Plain C and libc's
 * string functions only: edcat links it statically.
 *
 * A message: storage header (16 bytes: "DLT\1", seconds and microseconds
 * little-endian, ECU id), standard header (with ECU id and timestamp,
 * big-endian fields), extended header (verbose, message type and info,
 * argument count, application and context ids), verbose arguments
 * (little-endian type infos).
 */
#ifndef TOOLS_ED_DLT_H
#define TOOLS_ED_DLT_H

#include <stddef.h>
#include <stdint.h>

#define ED_DLT_STORAGE_HDR 16u
#define ED_DLT_MSG_MAX 65535u /* the standard header's 16-bit length */
#define ED_DLT_BUF_MAX (ED_DLT_STORAGE_HDR + ED_DLT_MSG_MAX)

/* Record type whose payload already is a DLT message: passed through. */
#define ED_DLT_TYPE_PASSTHROUGH 0x0d17u

/* DLT message types (MSTP) and log levels (MTIN of a log message). */
#define ED_DLT_MSTP_LOG 0u
#define ED_DLT_MSTP_APP_TRACE 1u
#define ED_DLT_MSTP_NW_TRACE 2u
#define ED_DLT_LOG_FATAL 1u
#define ED_DLT_LOG_ERROR 2u
#define ED_DLT_LOG_WARN 3u
#define ED_DLT_LOG_INFO 4u
#define ED_DLT_LOG_DEBUG 5u
#define ED_DLT_LOG_VERBOSE 6u

/* Ids of a channel's messages: 4 characters each, zero padded. */
struct ed_dlt_ids {
	char ecu[4], app[4], ctx[4];
};

/* How the producer's clock maps to the storage header's wall time. */
struct ed_dlt_clock {
	int64_t offset_ns; /* wall time = producer time + offset_ns */
};

/*
 * The clock mapping of SPEC: "wall" (the producer's clock is this
 * machine's CLOCK_MONOTONIC: offset = CLOCK_REALTIME - CLOCK_MONOTONIC
 * now), "uptime" (offset 0: the producer's time as is) or a number of
 * seconds (the wall time of the producer's time 0). 0, or -1 if SPEC is
 * none of these. NULL is "wall".
 */
int ed_dlt_clock_parse(const char *spec, struct ed_dlt_clock *clk);

/* Copy up to 4 characters of s into id, zero padded. */
void ed_dlt_id(char id[4], const char *s);

/* The default ids of a channel: app "EDAT", context its name's first 4. */
void ed_dlt_default_ids(struct ed_dlt_ids *ids, const char *ecu,
			const char *channel, const char *app, const char *ctx);

/* Message type and info of a record type (the mapping of the docs). */
void ed_dlt_map_type(unsigned int type, unsigned int *mstp,
		     unsigned int *mtin);

/* s[0..n) is valid UTF-8. */
int ed_dlt_utf8_valid(const unsigned char *s, size_t n);

/*
 * A record as one message in buf (ED_DLT_BUF_MAX bytes). Text (valid
 * UTF-8 without NUL) becomes a string argument, anything else a raw one;
 * a payload too large for one message is cut, a second argument saying
 * so. A pass-through record (ED_DLT_TYPE_PASSTHROUGH) holding a well
 * formed message gets the storage header only; a malformed one is
 * written as an error message with its bytes. Returns the bytes of buf.
 */
size_t ed_dlt_record(unsigned char *buf, const struct ed_dlt_ids *ids,
		     const struct ed_dlt_clock *clk, unsigned int type,
		     uint64_t seq, uint64_t ts_ns, const void *data,
		     uint32_t len);

/*
 * A loss event as a warning message: count records from seq first lost
 * for reason (count 0: a new ring of epoch, the number lost unknown),
 * stamped with ts_ns (the channel's last record time).
 */
size_t ed_dlt_loss(unsigned char *buf, const struct ed_dlt_ids *ids,
		   const struct ed_dlt_clock *clk, const char *channel,
		   uint64_t ts_ns, uint64_t first, uint64_t count,
		   const char *reason, uint64_t epoch);

/*
 * Is msg[0..len) one well-formed DLT message (standard header onward,
 * length field equal to len, verbose arguments of known types that end
 * where the message does)? 0 yes; -1 with a reason in why (if not NULL).
 */
int ed_dlt_check(const unsigned char *msg, size_t len, const char **why);

#endif /* TOOLS_ED_DLT_H */
