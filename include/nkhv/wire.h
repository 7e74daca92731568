/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Messages between a process VM (libnkddi) and the hypervisor model
 * (nkhv) on the VM's socket, DIR/vm<ID>.sock (SOCK_SEQPACKET).
 *
 * Every request is one packet: a struct nkhv_msg_hdr followed by the
 * request body. nkhv answers each request, in order, with one packet: a
 * header with the same type and seq, the status (0 or a negative errno)
 * and the reply body; file descriptors travel as SCM_RIGHTS. The first
 * request must be NKHV_MSG_HELLO; the socket then belongs to that VM until
 * it closes, which nkhv takes as the VM's death.
 *
 * Data XIRQs do not cross this socket: each one is an eventfd that nkhv
 * hands to the owner (to wait on) and, after an access check, to the peer
 * (to write to).
 */
#ifndef NKHV_WIRE_H
#define NKHV_WIRE_H

#include <stdint.h>

#define NKHV_WIRE_MAGIC 0x564b4e4eu /* "NNKV" */
#define NKHV_WIRE_VERSION 1u
#define NKHV_WIRE_MAX 1024u /* largest packet, bytes */

enum nkhv_msg_type {
	NKHV_MSG_HELLO = 1, /* join VM `vm_id` */
	NKHV_MSG_MAP, /* get the fd of the region holding a range */
	NKHV_MSG_PMEM_ALLOC, /* labelled PMEM allocation */
	NKHV_MSG_PDEV_ALLOC, /* labelled PDEV allocation */
	NKHV_MSG_PXIRQ_ALLOC, /* labelled XIRQ allocation */
	NKHV_MSG_XIRQ_SOURCE, /* eventfd to wait on for an own XIRQ */
	NKHV_MSG_XIRQ_TARGET, /* eventfd to post a peer's XIRQ */
	NKHV_MSG_SYSCONF, /* run the bridge, raise SYSCONF in `osid` */
	NKHV_MSG_STATUS, /* control socket: system status as JSON */
	NKHV_MSG_TYPE_END
};

struct nkhv_msg_hdr {
	uint32_t magic; /* NKHV_WIRE_MAGIC */
	uint16_t type; /* enum nkhv_msg_type */
	uint16_t len; /* body bytes after the header */
	uint32_t seq; /* echoed in the reply */
	int32_t status; /* replies: 0 or -errno; requests: 0 */
};

struct nkhv_req_hello {
	uint32_t version; /* NKHV_WIRE_VERSION */
	uint32_t vm_id;
	uint32_t pid; /* informative, for the log */
	uint32_t reserved;
};

/* Reply fds: [0] PDEV memfd, [1] SYSCONF eventfd. */
struct nkhv_rep_hello {
	uint32_t vm_id;
	uint32_t last_id;
	uint64_t pdev_base;
	uint64_t pdev_size;
	char vm_name[32];
};

struct nkhv_req_map {
	uint64_t paddr;
	uint64_t size;
};

/* Reply fd: [0] the region's memfd. */
struct nkhv_rep_map {
	uint64_t base; /* guest-physical base of the whole region */
	uint64_t size; /* size of the whole region */
	uint32_t writable;
	uint32_t reserved;
};

struct nkhv_req_alloc {
	uint64_t vlink; /* guest-physical address of the caller's descriptor */
	uint32_t id; /* label */
	uint32_t osid; /* PXIRQ only: whose XIRQ space */
	uint64_t size; /* PMEM/PDEV: bytes; PXIRQ: count */
};

struct nkhv_rep_alloc {
	uint64_t value; /* paddr, or first XIRQ; never 0 on success */
};

struct nkhv_req_xirq {
	uint32_t xirq;
	uint32_t osid; /* XIRQ_TARGET and SYSCONF: the target VM */
};

/* XIRQ_SOURCE / XIRQ_TARGET reply fd: [0] the XIRQ's eventfd. */

#endif /* NKHV_WIRE_H */
