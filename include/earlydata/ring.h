/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Earlydata shared-memory protocol: a single-producer single-consumer
 * record ring in the PMEM of one vlink. docs/earlydata-protocol.md is the
 * specification; this header is its normative layout.
 *
 * PMEM layout (offsets from the start of the vlink's PMEM):
 *
 *	0x0000	struct ed_ring_hdr	written by the producer only
 *	0x0800	struct ed_cons_ctl	written by the consumer only
 *	0x1000	data[data_size]		records, written by the producer only
 *
 * Positions (head, tail, read_pos) are 64-bit byte counters that only grow
 * within an epoch; a position p is at data offset p % data_size. Records
 * are 8-byte aligned and never wrap: the producer fills the end of the
 * data area with a pad record (or, when fewer than ED_REC_HDR_SIZE bytes
 * remain, with nothing) and continues at offset 0.
 *
 * Every field is little-endian, naturally aligned, and read by the other
 * side as untrusted input.
 */
#ifndef EARLYDATA_RING_H
#define EARLYDATA_RING_H

#include <nk/nktypes.h>

#define ED_RING_MAGIC 0x31524445u /* "EDR1" */
#define ED_RING_VERSION_MAJOR 2u /* incompatible layout changes */
#define ED_RING_VERSION_MINOR 1u /* compatible additions */

/* Epochs are unique 63-bit identities, never 0 (fit a signed JSON int). */
#define ED_EPOCH_MAX 0x7fffffffffffffffULL

#define ED_RING_HDR_OFF 0x0000u
#define ED_CONS_CTL_OFF 0x0800u
#define ED_RING_DATA_OFF 0x1000u

#define ED_REC_ALIGN 8u
#define ED_REC_HDR_SIZE 32u
#define ED_REC_TYPE_PAD 0xffffu /* fills the end of the data area */
#define ED_REC_TYPE_MAX 0xfffeu /* largest type a record may carry */

/* Overflow policies, as stored in ed_ring_hdr.policy. */
#define ED_POLICY_BLOCK 0u
#define ED_POLICY_DROP_NEW 1u
#define ED_POLICY_OVERWRITE_OLDEST 2u

/*
 * Producer header. The first part is written once when the producer
 * formats the ring (an epoch); the second part changes as records are
 * written, the third when the producer waits. The consumer caches the
 * first part and re-checks it.
 */
struct ed_ring_hdr {
	/* Written at format time; magic last, with release. */
	nku32_f magic; /* ED_RING_MAGIC, 0 while formatting */
	nku16_f version_major;
	nku16_f version_minor;
	nku32_f hdr_size; /* sizeof(struct ed_ring_hdr) */
	nku32_f data_off; /* ED_RING_DATA_OFF */
	nku64_f data_size; /* bytes of the data area, multiple of 8 */
	nku32_f record_max; /* largest payload, bytes */
	nku32_f policy; /* ED_POLICY_* */
	nku64_f epoch; /* identity of this format: unique, 1..ED_EPOCH_MAX */
	nku8_f pad0[24];

	/* Written as records are produced (own cache line). */
	nku64_f head; /* end of the last complete record (release) */
	nku64_f tail; /* start of the oldest intact record (release) */
	nku64_f next_seq; /* seq the next produced record will get */
	nku32_f reserved0; /* unused (version 1: the wait generation) */
	nku32_f reserved;
	nku64_f format_ns; /* producer clock when the epoch started */
	nku8_f pad1[24];

	/*
	 * Written only when the producer waits, read by the consumer at
	 * every commit: on a line of its own, so that the head stores do
	 * not take it away from the consumer's cache.
	 */
	nku32_f prod_wait_gen; /* bumped when the producer waits for space */
	nku32_f reserved1;
	nku8_f pad2[56];
};

/* Consumer control block: the consumer's persistent read position. */
struct ed_cons_ctl {
	nku64_f epoch; /* epoch read_pos refers to; 0 = never attached */
	nku64_f read_pos; /* next position to read (release) */
	nku64_f read_seq; /* seq expected at read_pos */
	nku32_f reserved0; /* unused (version 1: the wait generation) */
	nku32_f reserved;
	nku8_f pad[32];

	/*
	 * Written only when the consumer goes to sleep, read by the producer
	 * at every write: on a line of its own, away from read_pos.
	 */
	nku32_f cons_wait_gen; /* bumped when the consumer sleeps */
	nku32_f reserved1;
	nku8_f pad2[56];
};

/* Record header, at an 8-byte aligned position of the data area. */
struct ed_rec_hdr {
	nku32_f len; /* payload bytes (pad: bytes after this header) */
	nku16_f type; /* user record type, or ED_REC_TYPE_PAD */
	nku16_f flags; /* 0 */
	nku64_f seq; /* 0, 1, 2 ... within an epoch; gaps are losses */
	nku64_f ts_ns; /* producer timestamp, nanoseconds */
	nku32_f crc; /* CRC32C of the 24 bytes above and the payload */
	nku32_f reserved; /* 0 */
};

_Static_assert(sizeof(struct ed_ring_hdr) == 192u, "ring header layout");
_Static_assert(sizeof(struct ed_cons_ctl) == 128u, "consumer ctl layout");
_Static_assert(sizeof(struct ed_rec_hdr) == ED_REC_HDR_SIZE, "record layout");
_Static_assert(
	(nku32_f) __builtin_offsetof(struct ed_rec_hdr, type) == 4u &&
		(nku32_f) __builtin_offsetof(struct ed_rec_hdr, flags) == 6u &&
		(nku32_f) __builtin_offsetof(struct ed_rec_hdr, seq) == 8u &&
		(nku32_f) __builtin_offsetof(struct ed_rec_hdr, ts_ns) == 16u &&
		(nku32_f) __builtin_offsetof(struct ed_rec_hdr, crc) == 24u,
	"ed_rec_word0 and the producer's header stores");

/* Bytes a record with `len` payload bytes takes in the data area. */
static inline nku64_f ed_rec_span(nku64_f len)
{
	return ED_REC_HDR_SIZE + ((len + ED_REC_ALIGN - 1u) & ~(nku64_f)7);
}

/* CRC32C (Castagnoli), as used for records; crc starts at 0. */
nku32_f ed_crc32c(nku32_f crc, const void *buf, nku64_f len);

/*
 * ed_crc32c of src while copying it to dst (which must not overlap it):
 * one pass, each byte loaded once, so the CRC is that of the bytes
 * stored in dst even if src changes meanwhile.
 */
nku32_f ed_crc32c_copy(nku32_f crc, void *dst, const void *src, nku64_f len);

/* How ed_crc32c computes on this CPU, in a few words (for reports). */
const char *ed_crc32c_impl(void);

/* CRC of a record: its header (without crc and reserved) and payload. */
nku32_f ed_rec_crc(const struct ed_rec_hdr *h, const void *payload);

/*
 * The first 8 bytes of a record header (len, type, flags) as the
 * little-endian word they are stored as.
 */
static inline nku64_f ed_rec_word0(nku32_f len, nku16_f type, nku16_f flags)
{
	return (nku64_f)len | (nku64_f)type << 32 | (nku64_f)flags << 48;
}

/*
 * ed_rec_crc of a record given as its header's three first words (word0,
 * seq, ts_ns) and its payload, len bytes copied from src to dst on the
 * way, as ed_crc32c_copy does: one call, one pass. The words come in
 * registers: a header just assembled field by field in memory and loaded
 * back 8 bytes at a time would wait for its stores instead of forwarding.
 */
nku32_f ed_rec_crc_copy(nku64_f word0, nku64_f seq, nku64_f ts_ns, void *dst,
			const void *src, nku32_f len);

#endif /* EARLYDATA_RING_H */
