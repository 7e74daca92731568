/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sending and receiving nkhv wire packets (include/nkhv/wire.h) with file
 * descriptors attached, on SOCK_SEQPACKET sockets.
 */
#ifndef NKHV_WIRE_IO_H
#define NKHV_WIRE_IO_H

#include <stddef.h>

#include <nkhv/wire.h>

#define NKHV_WIRE_MAX_FDS 4

/*
 * Send one packet: `hdr` (its len is set from body_len) then `body`, with
 * `nfds` descriptors. Returns 0 or -errno.
 */
int nkhv_wire_send(int sock, struct nkhv_msg_hdr *hdr, const void *body,
		   size_t body_len, const int *fds, int nfds);

/*
 * Receive one packet into `hdr` and `body` (at most `body_cap` bytes) and
 * up to NKHV_WIRE_MAX_FDS descriptors into `fds` (unused slots -1).
 * Checks the magic, that the packet is whole and that the header's len
 * matches what arrived. Returns the body length, 0 on end of stream
 * with *eof set, or -errno (-EPROTO for a malformed packet). Received
 * descriptors are closed on error.
 */
int nkhv_wire_recv(int sock, struct nkhv_msg_hdr *hdr, void *body,
		   size_t body_cap, int *fds, int *nfds, int *eof);

#endif /* NKHV_WIRE_IO_H */
