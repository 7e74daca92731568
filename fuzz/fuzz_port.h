/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Input format of fuzz_port, shared with its seed generator.
 *
 *	byte 0		script: FUZZ_PORT_* bits
 *	next bytes	copied over the guest-written part of VM 1's port,
 *			from offsetof(struct nkhv_port, call) on
 *	the rest	copied over VM 1's vlink descriptors (what SYSCONF
 *			makes the bridge read)
 */
#ifndef FUZZ_PORT_H
#define FUZZ_PORT_H

#include <stddef.h>

#include <nkhv/port.h>

#define FUZZ_PORT_SYSTEM "three.dts" /* under tests/system */
#define FUZZ_PORT_GUEST_OFF offsetof(struct nkhv_port, call)

#define FUZZ_PORT_CALL 0x01 /* ring NKHV_PORT_DB_CALL */
#define FUZZ_PORT_TRIGGER 0x02 /* ring NKHV_PORT_DB_TRIGGER */
#define FUZZ_PORT_TRIGGER_FIRST 0x04 /* in that order */
#define FUZZ_PORT_HELLO_FIRST 0x08 /* a HELLO before the input's call */
#define FUZZ_PORT_TWICE 0x10 /* ring the doorbells twice */

#endif /* FUZZ_PORT_H */
