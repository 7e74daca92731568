/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal state of the hypervisor model daemon. One `struct hv` holds the
 * configuration, the memory regions it owns, the labelled allocations, the
 * authoritative vlink states and the connections of the VMs that are up.
 */
#ifndef NKHV_HV_H
#define NKHV_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <nk/nkern.h>
#include <nkhv/config.h>
#include <nkhv/pdev.h>
#include <nkhv/port.h>
#include <nkhv/wire_io.h>

/*
 * Budgets. A VM socket takes at most HV_CONNS_PER_VM connections: the
 * VM's own, and connections that have not said HELLO yet; when they are
 * all taken, a new one evicts the oldest that has not. A connection that
 * has not said HELLO within HV_HELLO_TIMEOUT_NS is dropped, as is one
 * that leaves a reply unread for HV_STALL_TIMEOUT_NS, or a status reader
 * that has not taken its document within it. None of these is counted
 * against a VM except the stalled reply of a joined one.
 */
#define HV_CONNS_PER_VM 8
#define HV_CTL_CLIENTS 16
#define HV_HELLO_TIMEOUT_NS 2000000000ull
#define HV_STALL_TIMEOUT_NS 2000000000ull
#define HV_TICK_NS 100000000ull /* housekeeping timer period */
/* The timer's period while a QEMU VM is connected: its port's heartbeat. */
#define HV_BEAT_NS (NKHV_PORT_BEAT_MS * 1000000ull)

/* What an epoll event of nkhv's loop is about: kind << 32 | index. */
enum hv_ev_kind {
	HV_EV_LISTEN, /* DIR/vm<ID>.sock; index: VM */
	HV_EV_CONN, /* a process VM connection; index: slot */
	HV_EV_CTL, /* DIR/nkhv.sock */
	HV_EV_SIGNAL,
	HV_EV_IVS_LISTEN, /* an ivshmem socket; index: VM << 8 | entry */
	HV_EV_IVS_CONN, /* a QEMU connection; index: VM << 8 | entry */
	HV_EV_DOORBELL, /* a doorbell eventfd; index: VM << 8 | vector */
	HV_EV_XIRQ, /* an XIRQ of a QEMU VM; index: VM << 16 | xirqs[] slot */
	HV_EV_CTL_CLIENT, /* a status reader; index: slot */
	HV_EV_TIMER, /* housekeeping: timeouts */
};

static inline uint64_t hv_ev_data(enum hv_ev_kind k, uint32_t idx)
{
	return ((uint64_t)k << 32) | idx;
}

/* Why a request was refused; each has a counter per VM. */
enum hv_refusal {
	HV_REF_MAP, /* memory the VM was not given */
	HV_REF_XIRQ, /* XIRQ the VM may not trigger or wait on */
	HV_REF_STATE, /* change to a descriptor field it does not own */
	HV_REF_ALLOC, /* allocation on a vlink it is not an end-point of */
	HV_REF_PROTOCOL, /* malformed packet or unknown request */
	HV_REF_BUSY, /* VM id already held by another process */
	HV_REF_BUDGET, /* its own PMEM, PDEV or XIRQs are exhausted */
	HV_REF_STALLED, /* left a reply unread: connection dropped */
	HV_REF_COUNT
};

/* A shared-memory region backed by a memfd, mapped in nkhv too. */
struct hv_region {
	int fd;
	uint8_t *map;
	uint64_t base; /* guest-physical */
	uint64_t size;
	uint64_t used; /* bump allocator: bytes handed out from `start` */
	uint64_t start; /* first allocatable offset */
};

/* One labelled allocation; the same label always yields the same value. */
enum hv_label_kind { HV_LABEL_PMEM, HV_LABEL_PDEV, HV_LABEL_XIRQ };

struct hv_label {
	uint32_t vlink; /* index into sys.vlinks */
	uint32_t id;
	enum hv_label_kind kind;
	uint32_t vm; /* PDEV: owner; XIRQ: VM whose space; index */
	uint64_t value; /* paddr or first XIRQ */
	uint64_t size; /* bytes or XIRQ count */
	uint64_t asked; /* size as first requested: later requests match it */
};

/* An allocated XIRQ of one VM, backed by an eventfd. */
struct hv_xirq {
	NkXIrq xirq;
	uint32_t vlink; /* the vlink it was allocated on */
	int efd;
};

/*
 * The port of a VM (include/nkhv/port.h): its ivshmem sockets, the QEMU
 * connections while a QEMU holds the VM, and nkhv's own copy of everything
 * it must not take back from guest memory.
 */
struct hv_port {
	struct nkhv_port *area; /* in the PDEV: written by the guest too */
	uint32_t nregions; /* region table entries, [0] is the PDEV */
	const struct hv_region *region[NKHV_PORT_REGIONS];
	int listen_fd[NKHV_PORT_REGIONS]; /* DIR/vm<ID>[.region<N>].ivshmem */
	int conn_fd[NKHV_PORT_REGIONS]; /* QEMU's connections, or -1 */
	int doorbell_efd[NKHV_PORT_VECTORS]; /* guest to nkhv */
	int vector_efd[NKHV_PORT_VECTORS]; /* nkhv to guest (MSI-X) */
	bool provider; /* HELLO called: XIRQ eventfds are watched */
	uint32_t call_done; /* seq of the last call answered */
	uint32_t trig_tail; /* next trigger entry to read */
	uint64_t calls, triggers, hellos;
	uint64_t first_hello_ns, last_hello_ns; /* CLOCK_MONOTONIC, 0: none */
};

/*
 * A connection on a VM socket; `joined` once its HELLO was accepted. A
 * reply the socket cannot take at once waits in `out` (the descriptors
 * it carries are nkhv's own, open as long as nkhv runs); meanwhile no
 * request is read from the connection.
 */
struct hv_conn {
	int fd; /* -1: free slot */
	uint32_t vm;
	bool joined;
	uint64_t since_ns; /* accepted, or since `out` waits */
	bool out_pending;
	struct nkhv_msg_hdr out_hdr;
	uint8_t out_body[NKHV_WIRE_MAX];
	size_t out_len;
	int out_fds[NKHV_WIRE_MAX_FDS];
	int out_nfds;
};

/* A reader of the status document, served without blocking. */
struct hv_ctl_client {
	int fd; /* -1: free slot */
	char *doc;
	size_t len, off;
	uint64_t since_ns;
};

/* What happened to connections no VM is charged with. */
struct hv_conn_stats {
	uint64_t hello_timeouts; /* no HELLO within HV_HELLO_TIMEOUT_NS */
	uint64_t evicted; /* pushed out by newer unjoined connections */
	uint64_t garbage; /* sent something other than a HELLO first */
	uint64_t accept_failures; /* EMFILE/ENFILE: accepted and dropped */
	uint64_t status_served, status_dropped; /* status readers */
};

struct hv_vm {
	const struct nkhv_vm *cfg;
	struct hv_region pdev;
	int listen_fd; /* DIR/vm<ID>.sock */
	int conn_fd; /* -1 while the VM is down */
	bool qemu; /* conn_fd is the PDEV ivshmem connection of a QEMU */
	pid_t pid; /* peer pid of the connection */
	int sysconf_efd; /* NK_XIRQ_SYSCONF of this VM */
	uint64_t stats_off; /* XIRQ counters in its PDEV */
	uint32_t ndesc;
	uint32_t desc_vlink[NKHV_MAX_VLINKS]; /* descriptor -> vlink */
	NkXIrq xirq_next; /* next free XIRQ number */
	uint32_t nxirqs;
	struct hv_xirq *xirqs; /* xirq_limit entries */
	uint64_t joins;
	uint64_t first_join_ns, last_join_ns; /* CLOCK_MONOTONIC, 0: none */
	uint64_t sysconf_in; /* SYSCONF requests from this VM */
	uint64_t sysconf_raised; /* SYSCONF raised in this VM */
	uint64_t refusals[HV_REF_COUNT];
	struct hv_port port;
};

struct hv_vlink {
	const struct nkhv_vlink *cfg;
	uint32_t nlabels, labels_cap; /* labels of this vlink */
	struct hv_label *labels;
	uint32_t s_vm, c_vm; /* VM indices */
	int s_state, c_state; /* authoritative states */
	struct hv_region pmem; /* fd -1 when the vlink has no PMEM */
	uint32_t s_xirqs_used, c_xirqs_used;
	uint64_t refusals; /* refusals concerning this vlink */
};

struct hv {
	struct nkhv_system sys;
	const char *run_dir;
	int epoll_fd;
	int ctl_fd; /* DIR/nkhv.sock: status for vlinkctl */
	int signal_fd;
	struct hv_vm vms[NKHV_MAX_VMS];
	struct hv_vlink vlinks[NKHV_MAX_VLINKS];
	struct hv_conn *conns; /* HV_CONNS_PER_VM per VM: conn.c */
	struct hv_ctl_client ctl[HV_CTL_CLIENTS]; /* status readers: ctl.c */
	struct hv_conn_stats cstats;
	int timer_fd;
	uint64_t timer_period_ns; /* HV_TICK_NS, or HV_BEAT_NS (server.c) */
	uint64_t housekeeping_ns; /* when the timeouts were last checked */
	uint64_t beat_ns; /* when the QEMU VMs last got a beat, or 0 */
	int spare_fd; /* given up to accept and drop on EMFILE */
	bool accept_paused; /* out of descriptors: listening resumes at a tick */
	const char *persist_dir; /* --persist DIR, or NULL: persist.c */
	int persist_lock, persist_labels;
	bool persist_resumed; /* DIR held this system's memory */
	bool verbose;
};

/* log.c */
uint64_t hv_now_ns(void); /* CLOCK_MONOTONIC in nanoseconds */
int hv_log_stamp(char *buf, size_t len, uint64_t ns);
void hv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hv_refuse(struct hv *hv, uint32_t vm, enum hv_refusal why, const char *fmt,
	       ...) __attribute__((format(printf, 4, 5)));
const char *hv_refusal_name(enum hv_refusal why);

/* regions.c */
int hv_regions_create(struct hv *hv);
void hv_regions_destroy(struct hv *hv);
void hv_pdev_write_descriptors(struct hv *hv, uint32_t vm, bool own_states);
void hv_port_write_header(struct hv *hv, uint32_t vm);
NkDevVlink *hv_desc(struct hv *hv, uint32_t vm, uint32_t vlink);
int hv_desc_index(struct hv *hv, uint32_t vm, uint64_t paddr);
const struct hv_region *hv_region_for(struct hv *hv, uint32_t vm,
				      uint64_t paddr, uint64_t size,
				      bool *writable);

/* alloc.c */
int hv_alloc(struct hv *hv, uint32_t vm, enum hv_label_kind kind,
	     uint64_t vlink_paddr, uint32_t id, NkOsId osid, uint64_t size,
	     uint64_t *value);
struct hv_xirq *hv_xirq_find(struct hv *hv, uint32_t vm, NkXIrq xirq);
void hv_labels_free(struct hv *hv);
int hv_label_restore(struct hv *hv, const struct hv_label *lb);
int hv_region_restore(struct hv *hv, const struct hv_label *lb);
int hv_xirq_restore(struct hv *hv, const struct hv_label *lb);

/* persist.c: nkhv --persist DIR */
int hv_persist_open(struct hv *hv);
int hv_persist_region_fd(struct hv *hv, const char *name);
void hv_persist_label(struct hv *hv, const struct hv_label *lb);
/* Bytes of one record of DIR/labels (persist.c). */
#define HV_PERSIST_REC_SIZE 48u
int hv_persist_replay(struct hv *hv);
void hv_persist_close(struct hv *hv);

/* bridge.c */
int hv_bridge_sysconf(struct hv *hv, uint32_t vm, int target);
void hv_bridge_vm_down(struct hv *hv, uint32_t vm);
void hv_bridge_vm_up(struct hv *hv, uint32_t vm);
void hv_raise_sysconf(struct hv *hv, uint32_t vm);

/* port_check.c: reading what a guest wrote in its port, nothing else */
struct hv_port_call {
	uint32_t seq;
	enum nkhv_port_op op;
	uint64_t vlink; /* allocations: arg[0] */
	uint32_t id; /* allocations: arg[1] */
	NkOsId osid; /* PXIRQ: arg[2] */
	uint64_t size; /* PMEM/PDEV: arg[2]; PXIRQ: arg[3] */
};
int hv_port_take_call(const volatile struct nkhv_port *port, uint32_t done,
		      struct hv_port_call *call, char *why, size_t why_len);
int hv_port_take_triggers(const volatile struct nkhv_port *port, uint32_t *tail,
			  struct nkhv_port_trigger *out, char *why,
			  size_t why_len);

/* port_calls.c */
void hv_port_doorbell(struct hv *hv, uint32_t vm, uint32_t vector);
void hv_port_raise(struct hv *hv, uint32_t vm, NkXIrq xirq);
void hv_port_xirq_event(struct hv *hv, uint32_t vm, uint32_t slot);
void hv_port_watch_xirq(struct hv *hv, uint32_t vm, uint32_t slot, bool on);
void hv_port_reset(struct hv *hv, uint32_t vm);
void hv_port_connected(struct hv *hv, uint32_t vm);
void hv_port_disconnected(struct hv *hv, uint32_t vm);
uint32_t hv_port_beat(struct hv *hv);

/* port_server.c */
int hv_port_server_open(struct hv *hv);
void hv_port_server_close(struct hv *hv);
void hv_port_server_event(struct hv *hv, enum hv_ev_kind kind, uint32_t idx);

/* server.c */
int hv_listen_unix(const char *dir, const char *name, int type);
int hv_epoll_add(struct hv *hv, int fd, uint64_t data);
int hv_epoll_mod(struct hv *hv, int fd, uint32_t events, uint64_t data);
int hv_accept(struct hv *hv, int listen_fd);
void hv_timer_beat(struct hv *hv);
int hv_server_open(struct hv *hv);
void hv_server_close(struct hv *hv);
int hv_server_run(struct hv *hv);

/* conn.c: the connections of process VMs */
int hv_conns_open(struct hv *hv);
void hv_conns_close(struct hv *hv);
void hv_conn_accept(struct hv *hv, uint32_t vm);
void hv_conn_event(struct hv *hv, uint32_t slot, uint32_t events);
int hv_conn_reply(struct hv *hv, struct hv_conn *c,
		  const struct nkhv_msg_hdr *req, int status, const void *body,
		  size_t len, const int *fds, int nfds);
void hv_conns_tick(struct hv *hv, uint64_t now);
uint32_t hv_conns_unjoined(const struct hv *hv);

/* requests.c: what a joined (or joining) process VM asks */
int hv_serve_request(struct hv *hv, struct hv_conn *c,
		     const struct nkhv_msg_hdr *req, const void *body,
		     int len);

/* ctl.c: status readers on DIR/nkhv.sock */
void hv_ctl_accept(struct hv *hv);
void hv_ctl_event(struct hv *hv, uint32_t slot, uint32_t events);
void hv_ctl_tick(struct hv *hv, uint64_t now);
void hv_ctl_close(struct hv *hv);

/* fdbudget.c */
uint64_t hv_fd_need(const struct nkhv_system *sys);
int hv_fd_budget(const struct nkhv_system *sys, char *err, size_t errlen);

/* status.c */
char *hv_status_json(struct hv *hv);

/* Does VM index `vm` own an end-point of vlink `l`? */
static inline bool hv_is_endpoint(const struct hv *hv, uint32_t vm, uint32_t l)
{
	return hv->vlinks[l].s_vm == vm || hv->vlinks[l].c_vm == vm;
}

#endif /* NKHV_HV_H */
