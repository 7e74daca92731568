/* SPDX-License-Identifier: GPL-2.0-only */
/* libnkddi internals shared by its files. */
#ifndef NKDDI_INTERNAL_H
#define NKDDI_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nk/nkern.h>
#include <nkhv/pdev.h>
#include <nkhv/wire.h>

struct nkddi {
	int sock; /* the VM socket; -1 before joining */
	pthread_mutex_t rpc_lock;
	uint32_t seq;
	NkOsId id;
	NkOsId last_id;
	char name[32];
	uint64_t pdev_base, pdev_size;
	uint8_t *pdev; /* PDEV mapping */
	volatile uint64_t *xirq_stats; /* in the PDEV, per own XIRQ */
	uint32_t xirq_limit;
	int sysconf_fd;
};

extern struct nkddi nkddi;

/* Make sure the process joined (NK_VM_SOCKET); false with an error set. */
bool nkddi_ensure(void);

/* Record the calling thread's last error (printf-like); "" clears it. */
void nkddi_set_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/*
 * One request/reply with nkhv. `rep`/`rep_len` receive the reply body;
 * `fd` (may be NULL) receives one descriptor. Returns the reply status.
 */
int nkddi_rpc(uint16_t type, const void *req, size_t req_len, void *rep,
	      size_t rep_len, int *fd);

/* watch.c: nkhv's end of the VM socket */
int nkddi_watch_start(int sock);
void nkddi_mark_hv_lost(void);

/* memory.c */
int nkddi_mem_add(uint64_t base, uint64_t size, int fd, uint8_t **map);
void *nkddi_mem_ptov(uint64_t paddr, uint64_t size);
uint64_t nkddi_mem_vtop(const void *vaddr);

/* xirq.c */
int nkddi_xirq_start(void);
NkXIrqId nkddi_xirq_attach(NkXIrq xirq, NkXIrqHandler hdl, void *cookie);
void nkddi_xirq_detach(NkXIrqId id);
void nkddi_xirq_mask(NkXIrq xirq);
void nkddi_xirq_unmask(NkXIrq xirq);
void nkddi_xirq_trigger(NkXIrq xirq, NkOsId osid);

#endif /* NKDDI_INTERNAL_H */
