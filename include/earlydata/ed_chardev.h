/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The Earlydata character devices of the Linux kernel driver
 * (earlydata.ko): /dev/earlydata/<channel>, one per channel of the VM.
 * docs/earlydata-linux.md describes them; this header is what user space
 * includes to read and write them.
 *
 * Consumer devices: read() returns a stream of whole messages, each a
 * struct ed_chr_msg header followed by `len` payload bytes and zero
 * padding up to `size` (a multiple of 8), as many as fit in the buffer.
 * A record is consumed (its read position persisted in shared memory)
 * when read() returns it, and never returned again.
 *
 * Producer devices: each write() appends one record whose payload is the
 * buffer; its type is the file's record type (ED_CHR_IOC_SET_TYPE,
 * default ED_CHR_DEFAULT_TYPE).
 *
 * All header fields are little-endian.
 */
#ifndef EARLYDATA_ED_CHARDEV_H
#define EARLYDATA_ED_CHARDEV_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define ED_CHR_MAGIC 0x314d4445u /* "EDM1" */

/* ed_chr_msg.kind */
#define ED_CHR_RECORD 1 /* a record: type, len, seq, ts_ns, payload */
#define ED_CHR_LOSS 2 /* records lost: seq = first, lost = count */

/* ed_chr_msg.type of a loss: why the records were lost. */
#define ED_CHR_LOSS_DROPPED 1 /* drop-new policy: the ring was full */
#define ED_CHR_LOSS_OVERWRITTEN 2 /* overwrite-oldest: overwritten unread */
#define ED_CHR_LOSS_CORRUPT 3 /* skipped after a protocol violation */
#define ED_CHR_LOSS_RESET 4 /* the producer started a new epoch */

/* One message of a consumer device's read() stream. */
struct ed_chr_msg {
	__le32 magic; /* ED_CHR_MAGIC */
	__le16 kind; /* ED_CHR_RECORD or ED_CHR_LOSS */
	__le16 type; /* record: its type; loss: ED_CHR_LOSS_* */
	__le32 len; /* payload bytes after this header (loss: 0) */
	__le32 size; /* bytes of the whole message: header, payload, pad */
	__le64 seq; /* record: sequence number; loss: first lost */
	__le64 ts_ns; /* record: producer timestamp (ns); loss: 0 */
	__le64 lost; /* loss: records lost, 0 = unknown (reset) */
	__le64 epoch; /* the producer's ring epoch of the message */
};

#define ED_CHR_HDR_SIZE 48u

/* Bytes a message with `len` payload bytes takes in the stream. */
#define ED_CHR_MSG_SIZE(len) ((ED_CHR_HDR_SIZE + (__u64)(len) + 7u) & ~7ull)

/* Record type written by a producer file until ED_CHR_IOC_SET_TYPE. */
#define ED_CHR_DEFAULT_TYPE 1
#define ED_CHR_TYPE_MAX 0xfffe

#define ED_CHR_ROLE_PRODUCER 1
#define ED_CHR_ROLE_CONSUMER 2

#define ED_CHR_POLICY_BLOCK 0
#define ED_CHR_POLICY_DROP_NEW 1
#define ED_CHR_POLICY_OVERWRITE_OLDEST 2

/* What ED_CHR_IOC_INFO returns about the device's channel. */
struct ed_chr_info {
	char name[32]; /* channel name, NUL terminated */
	__u32 role; /* ED_CHR_ROLE_* */
	__u32 index; /* channel index in this VM */
	__u32 policy; /* ED_CHR_POLICY_* */
	__u32 record_max; /* largest payload, bytes */
	__u64 ring_size; /* bytes of the ring's data area */
};

#define ED_CHR_IOC_MAGIC 0xed
/* Describe the channel (either role). */
#define ED_CHR_IOC_INFO _IOR(ED_CHR_IOC_MAGIC, 1, struct ed_chr_info)
/* Producer: record type of this file's following writes (0..0xfffe). */
#define ED_CHR_IOC_SET_TYPE _IOW(ED_CHR_IOC_MAGIC, 2, __u32)
/* Consumer: read again everything still in the ring, from its oldest. */
#define ED_CHR_IOC_REWIND _IO(ED_CHR_IOC_MAGIC, 3)
/* Consumer: at most N messages per read() of this file (0: no limit). */
#define ED_CHR_IOC_SET_BATCH _IOW(ED_CHR_IOC_MAGIC, 4, __u32)

#endif /* EARLYDATA_ED_CHARDEV_H */
