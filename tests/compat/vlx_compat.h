/* SPDX-License-Identifier: GPL-2.0-only */
/* The entry points of the VLX-style compatibility drivers. */
#ifndef VLX_COMPAT_H
#define VLX_COMPAT_H

#include <nk/nkern.h>

int vlx_ring_probe(NkOsId pid);
void vlx_ring_serve(void);
void vlx_ring_remove(void);
NkOsMask vlx_ring_owners(void);

int vlx_link_probe(const char *name);
NkPhSize vlx_link_send(void *data, NkPhSize len);
NkPhSize vlx_link_receive(void *data, NkPhSize len);
void vlx_link_remove(void);

int vlx_env_probe(void);
NkMhAddr vlx_dma_prepare(NkPhAddr paddr, NkPhSize size);
void vlx_manage(NkOsId osid, NkXIrq xirq);

#endif /* VLX_COMPAT_H */
