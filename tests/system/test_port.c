// SPDX-License-Identifier: GPL-2.0-only
/*
 * Protocol tests of nkhv's port for QEMU VMs (include/nkhv/port.h): the
 * test connects to the ivshmem sockets of a real nkhv exactly as QEMU's
 * ivshmem-doorbell device does (version, id, memory fd, then doorbell and
 * vector eventfds), maps the memory and plays the guest: mailbox calls,
 * trigger ring, pending bitmap. Process VMs forked with the harness are
 * the peers.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include <nkddi/nkddi.h>
#include <nkhv/pdev.h>
#include <nkhv/port.h>

#include "harness.h"

#define THREE SYSTEM_TESTS_DIR "/three.dts"
#define EARLYDATA SYSTEM_TESTS_DIR "/earlydata.dts"
#define WAIT_MS 10000

/* One ivshmem device as QEMU sees it after the server's messages. */
struct ivs_dev {
	int sock;
	int64_t id;
	int shm_fd;
	size_t shm_size;
	uint8_t *shm;
	int nkhv_efd[NKHV_PORT_VECTORS]; /* peer NKHV_PORT_PEER_HV: doorbells */
	int vec_efd[NKHV_PORT_VECTORS]; /* own id: MSI-X vectors */
};

/* A QEMU-side VM: its PDEV device, with the port inside. */
struct qvm {
	struct ivs_dev pdev;
	struct nkhv_pdev_header *hdr;
	struct nkhv_port *port;
};

/* Receive one ivshmem message (int64 LE, maybe one fd). 0, or -errno. */
static int recv_msg(int sock, int64_t *val, int *fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	uint8_t b[8];
	size_t got = 0;

	*fd = -1;
	while (got < sizeof(b)) {
		struct iovec iov = { b + got, sizeof(b) - got };
		struct msghdr m = { .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl.buf,
				    .msg_controllen = sizeof(ctl.buf) };
		struct pollfd p = { .fd = sock, .events = POLLIN };
		struct cmsghdr *c;
		ssize_t r;

		if (poll(&p, 1, WAIT_MS) != 1)
			return -ETIMEDOUT;
		r = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
		if (r <= 0)
			return r ? -errno : -ECONNRESET;
		c = CMSG_FIRSTHDR(&m);
		if (c && c->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(c), sizeof(int));
		got += (size_t)r;
	}
	*val = (int64_t)((uint64_t)b[0] | (uint64_t)b[1] << 8 |
			 (uint64_t)b[2] << 16 | (uint64_t)b[3] << 24 |
			 (uint64_t)b[4] << 32 | (uint64_t)b[5] << 40 |
			 (uint64_t)b[6] << 48 | (uint64_t)b[7] << 56);
	return 0;
}

static int connect_stream(const char *dir, const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 ||
	    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, name) >=
		    (int)sizeof(sa.sun_path) ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/*
 * Connect like QEMU's ivshmem device: version 0 and our id without fds,
 * the memory with -1, then (PDEV only) NKHV_PORT_VECTORS eventfds of peer
 * NKHV_PORT_PEER_HV and as many of our own id. Returns 0 or -errno
 * (-ECONNRESET when nkhv refused us by closing).
 */
static int ivs_connect(struct hv_proc *h, const char *name, bool pdev,
		       struct ivs_dev *d)
{
	struct stat st;
	int64_t v;
	int fd, i, err;

	memset(d, 0, sizeof(*d));
	d->shm_fd = -1;
	d->sock = connect_stream(h->run_dir, name);
	if (d->sock < 0)
		return -errno;
	err = recv_msg(d->sock, &v, &fd);
	if (err)
		return err;
	if (v != 0 || fd != -1)
		return -EPROTO; /* protocol version 0, no fd */
	err = recv_msg(d->sock, &d->id, &fd);
	if (err)
		return err;
	if (fd != -1 || d->id < 0)
		return -EPROTO;
	err = recv_msg(d->sock, &v, &d->shm_fd);
	if (err)
		return err;
	if (v != -1 || d->shm_fd < 0 || fstat(d->shm_fd, &st) < 0)
		return -EPROTO;
	d->shm_size = (size_t)st.st_size;
	d->shm = mmap(NULL, d->shm_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      d->shm_fd, 0);
	if (d->shm == MAP_FAILED)
		return -errno;
	for (i = 0; pdev && i < 2 * (int)NKHV_PORT_VECTORS; i++) {
		err = recv_msg(d->sock, &v, &fd);
		if (err)
			return err;
		if (fd < 0 ||
		    v != (i < (int)NKHV_PORT_VECTORS ? NKHV_PORT_PEER_HV :
						       d->id))
			return -EPROTO;
		if (i < (int)NKHV_PORT_VECTORS)
			d->nkhv_efd[i] = fd;
		else
			d->vec_efd[i - NKHV_PORT_VECTORS] = fd;
	}
	return 0;
}

static void ivs_close(struct ivs_dev *d)
{
	unsigned int i;

	if (d->shm && d->shm != MAP_FAILED)
		munmap(d->shm, d->shm_size);
	if (d->shm_fd >= 0)
		close(d->shm_fd);
	for (i = 0; i < NKHV_PORT_VECTORS; i++) {
		if (d->nkhv_efd[i] > 0)
			close(d->nkhv_efd[i]);
		if (d->vec_efd[i] > 0)
			close(d->vec_efd[i]);
	}
	if (d->sock >= 0)
		close(d->sock);
	memset(d, 0, sizeof(*d));
	d->sock = d->shm_fd = -1;
}

static void qvm_connect(struct hv_proc *h, NkOsId id, struct qvm *q)
{
	char name[64];

	snprintf(name, sizeof(name), "vm%u.ivshmem", id);
	assert_int_equal(ivs_connect(h, name, true, &q->pdev), 0);
	q->hdr = (struct nkhv_pdev_header *)q->pdev.shm;
	assert_int_equal(q->hdr->magic, NKHV_PDEV_MAGIC);
	assert_true(q->hdr->port_off + sizeof(struct nkhv_port) <=
		    q->pdev.shm_size);
	q->port = (struct nkhv_port *)(q->pdev.shm + q->hdr->port_off);
}

/* What the guest does to ring doorbell `db`: QEMU writes its eventfd. */
static void ring(struct qvm *q, unsigned int db)
{
	uint64_t one = 1;

	assert_int_equal(write(q->pdev.nkhv_efd[db], &one, sizeof(one)), 8);
}

/* Wait for MSI-X vector `vec` and consume it. */
static void wait_vector(struct qvm *q, unsigned int vec)
{
	struct pollfd p = { .fd = q->pdev.vec_efd[vec], .events = POLLIN };
	uint64_t n;

	assert_int_equal(poll(&p, 1, WAIT_MS), 1);
	assert_int_equal(read(q->pdev.vec_efd[vec], &n, sizeof(n)), 8);
	assert_true(n >= 1);
}

/* Post a call as the guest does; returns its status, *value set. */
static int call(struct qvm *q, uint32_t op, uint64_t a0, uint64_t a1,
		uint64_t a2, uint64_t a3, uint64_t *value)
{
	struct nkhv_port_call *c = &q->port->call;
	uint32_t seq = c->seq + 1;

	c->op = op;
	c->arg[0] = a0;
	c->arg[1] = a1;
	c->arg[2] = a2;
	c->arg[3] = a3;
	__atomic_store_n(&c->seq, seq, __ATOMIC_RELEASE);
	ring(q, NKHV_PORT_DB_CALL);
	wait_vector(q, NKHV_PORT_VEC_CALL);
	assert_int_equal(__atomic_load_n(&c->done, __ATOMIC_ACQUIRE), seq);
	if (value)
		*value = c->value;
	return c->status;
}

/* Queue triggers and ring; returns once nkhv consumed them all. */
static void trigger(struct qvm *q, uint32_t xirq, NkOsId osid)
{
	struct nkhv_port *p = q->port;
	uint32_t head = p->trig_head;
	long t0 = harness_now_ms();

	p->trig[head % NKHV_PORT_TRIGGERS].xirq = xirq;
	p->trig[head % NKHV_PORT_TRIGGERS].osid = osid;
	__atomic_store_n(&p->trig_head, head + 1, __ATOMIC_RELEASE);
	ring(q, NKHV_PORT_DB_TRIGGER);
	while (__atomic_load_n(&p->trig_tail, __ATOMIC_ACQUIRE) != head + 1 &&
	       harness_now_ms() - t0 < WAIT_MS)
		harness_sleep_ms(1);
	assert_int_equal(p->trig_tail, head + 1);
}

/*
 * Run the guest's XIRQ interrupt until XIRQ `x` was taken from the
 * pending bitmap (bits are taken with an exchange, as the guest does).
 * Returns whether it came.
 */
static bool wait_pending(struct qvm *q, NkXIrq x)
{
	struct pollfd p = { .fd = q->pdev.vec_efd[NKHV_PORT_VEC_XIRQ],
			    .events = POLLIN };
	long t0 = harness_now_ms();
	uint64_t n;

	while (harness_now_ms() - t0 < WAIT_MS) {
		if (poll(&p, 1, 100) == 1 &&
		    read(p.fd, &n, sizeof(n)) != sizeof(n))
			return false;
		if (__atomic_exchange_n(&q->port->pending[x / 32], 0,
					__ATOMIC_ACQ_REL) &
		    (1u << (x % 32)))
			return true;
	}
	return false;
}

/* Guest-physical address of this QEMU VM's descriptor name/link. */
static NkPhAddr qvm_vlink(struct qvm *q, const char *name, int link)
{
	uint32_t i;

	for (i = 0; i < q->hdr->nvlinks; i++) {
		NkDevVlink *vl = (NkDevVlink *)(q->pdev.shm + q->hdr->desc_off +
						i * sizeof(NkDevVlink));

		if (!strcmp(vl->name, name) && vl->link == link)
			return q->hdr->base + q->hdr->desc_off +
			       i * sizeof(NkDevVlink);
	}
	return 0;
}

static NkDevVlink *qvm_desc(struct qvm *q, NkPhAddr pa)
{
	return (NkDevVlink *)(q->pdev.shm + (pa - q->hdr->base));
}

static long refusals_when(struct hv_proc *h, NkOsId id, const char *kind,
			  long n)
{
	return harness_wait_refusals(h, id, kind, n, WAIT_MS);
}

static json_t *vm_status(struct hv_proc *h, NkOsId id, const char *key)
{
	static json_t *st;

	json_decref(st);
	st = harness_status(h);
	return json_object_get(harness_vmstat(st, id), key);
}

static int setup(void **state)
{
	return harness_fixture_start(state, THREE);
}

static int teardown(void **state)
{
	return harness_fixture_stop(state);
}

static bool pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* ---- connection and layout ----------------------------------------- */

static void test_layout(void **state)
{
	static const struct {
		const char *name;
		int link;
		uint64_t size;
	} want[] = { { "ab", 0, 0x2000 },
		     { "loop", 0, 0x1000 },
		     { "chan", 1, 0x1000 },
		     { "chan", 2, 0x1000 } };
	struct hv_proc *h = *state;
	struct nkhv_port_region *r;
	struct ivs_dev reg;
	struct qvm q;
	json_t *st, *pdev;
	char name[64];
	uint32_t n;

	qvm_connect(h, 1, &q);
	assert_int_equal(q.pdev.id, NKHV_PORT_ID_PDEV);
	assert_int_equal(q.hdr->version, NKHV_PDEV_VERSION);
	assert_int_equal(q.hdr->vm_id, 1);
	assert_true(pow2(q.pdev.shm_size) && q.pdev.shm_size >= q.hdr->size);
	/* The port sits between the XIRQ counters and the free area. */
	assert_int_equal(q.hdr->port_off % 4096, 0);
	assert_true(q.hdr->port_off >=
		    q.hdr->stats_off + q.hdr->xirq_limit * sizeof(uint64_t));
	assert_int_equal(q.hdr->alloc_off,
			 q.hdr->port_off + NKHV_PORT_SIZE(q.hdr->xirq_limit));
	assert_int_equal(q.port->magic, NKHV_PORT_MAGIC);
	assert_int_equal(q.port->version, NKHV_PORT_VERSION);
	assert_int_equal(q.port->xirq_limit, q.hdr->xirq_limit);
	assert_int_equal(q.port->nregions, 5);
	r = q.port->region;
	assert_int_equal(r[0].base, q.hdr->base);
	assert_int_equal(r[0].size, q.hdr->size);
	assert_int_equal(r[0].ivposition, NKHV_PORT_ID_PDEV);
	assert_true(r[0].writable);
	/* Entry n: the PMEM of vlink want[n-1], as nkhv's status shows it. */
	st = harness_status(h);
	for (n = 1; n < 5; n++) {
		pdev = json_object_get(
			harness_vlink(st, want[n - 1].name, want[n - 1].link),
			"pmem");
		assert_int_equal(r[n].base, json_integer_value(json_object_get(
						    pdev, "base")));
		assert_int_equal(r[n].size, want[n - 1].size);
		assert_int_equal(r[n].ivposition, NKHV_PORT_ID_REGION(n));
		assert_true(r[n].writable);
		/* Its device: that IVPosition, a BAR 2 that holds it. */
		snprintf(name, sizeof(name), "vm1.region%u.ivshmem", n);
		assert_int_equal(ivs_connect(h, name, false, &reg), 0);
		assert_int_equal(reg.id, NKHV_PORT_ID_REGION(n));
		assert_true(pow2(reg.shm_size) && reg.shm_size >= r[n].size);
		ivs_close(&reg);
	}
	assert_true(json_is_true(json_object_get(harness_vmstat(st, 1), "up")));
	assert_string_equal(json_string_value(json_object_get(
				    harness_vmstat(st, 1), "holder")),
			    "qemu");
	assert_int_equal(json_integer_value(
				 json_object_get(harness_vmstat(st, 1), "pid")),
			 getpid());
	json_decref(st);
	/* No socket beyond the table. */
	assert_int_equal(connect_stream(h->run_dir, "vm1.region5.ivshmem"), -1);
	ivs_close(&q.pdev);
}

/* Regions that are not a power of two get a BAR 2 that is one. */
static void test_layout_pow2(void **state)
{
	struct hv_proc *h = *state;
	struct ivs_dev reg;
	struct qvm q;

	harness_stop(h);
	assert_int_equal(harness_start(h, EARLYDATA), 0);
	qvm_connect(h, 1, &q);
	assert_true(q.port->nregions >= 2);
	assert_int_equal(q.port->region[1].size, 0x5000);
	assert_int_equal(ivs_connect(h, "vm1.region1.ivshmem", false, &reg), 0);
	assert_int_equal(reg.shm_size, 0x8000);
	ivs_close(&reg);
	ivs_close(&q.pdev);
}

/* ---- calls ----------------------------------------------------------- */

struct alloc_args {
	int pipe_w;
	NkPhAddr pmem; /* the QEMU side's answer, 0 if not yet */
};

/* Process VM 2: PMEM label 5 on "ab", then checks label 6's contents. */
static int alloc_child(void *arg)
{
	struct alloc_args *a = arg;
	NkPhAddr ab = harness_find_vlink("ab", 0), pa;
	uint8_t *p;
	int i;

	CHECK(ab);
	pa = nkops.nk_pmem_alloc(ab, 5, 0x1000);
	CHECK(pa);
	CHECK(write(a->pipe_w, &pa, sizeof(pa)) == sizeof(pa));
	if (!a->pmem)
		return 0;
	CHECK(nkops.nk_pmem_alloc(ab, 6, 100) == a->pmem);
	p = nkops.nk_mem_map(a->pmem, 100);
	CHECK(p);
	for (i = 0; i < 100; i++)
		CHECK(p[i] == (uint8_t)(i ^ 0x5a));
	return 0;
}

static void test_hello_and_alloc(void **state)
{
	struct hv_proc *h = *state;
	struct alloc_args a = { 0 };
	struct ivs_dev reg;
	NkPhAddr ab, proc_pa;
	uint64_t v, v2;
	int fds[2], i;
	struct qvm q;

	qvm_connect(h, 1, &q);
	assert_int_equal(call(&q, NKHV_PORT_CALL_HELLO, 0, 0, 0, 0, NULL), 0);
	ab = qvm_vlink(&q, "ab", 0);
	assert_true(ab != 0);
	/* A process VM allocates first: same address for the same label. */
	assert_int_equal(pipe(fds), 0);
	a.pipe_w = fds[1];
	assert_int_equal(
		harness_wait(harness_vm(h, 2, alloc_child, &a), WAIT_MS), 0);
	assert_int_equal(read(fds[0], &proc_pa, sizeof(proc_pa)),
			 sizeof(proc_pa));
	assert_int_equal(
		call(&q, NKHV_PORT_CALL_PMEM_ALLOC, ab, 5, 0x1000, 0, &v), 0);
	assert_int_equal(v, proc_pa);
	/* The QEMU side first: the process gets it, and sees its bytes. */
	assert_int_equal(call(&q, NKHV_PORT_CALL_PMEM_ALLOC, ab, 6, 100, 0, &v),
			 0);
	assert_int_equal(ivs_connect(h, "vm1.region1.ivshmem", false, &reg), 0);
	assert_true(v >= q.port->region[1].base &&
		    v + 100 <= q.port->region[1].base + q.port->region[1].size);
	for (i = 0; i < 100; i++)
		reg.shm[v - q.port->region[1].base + i] = (uint8_t)(i ^ 0x5a);
	a.pmem = v;
	assert_int_equal(
		harness_wait(harness_vm(h, 2, alloc_child, &a), WAIT_MS), 0);
	/* PDEV blocks come from the free area of its own PDEV. */
	assert_int_equal(call(&q, NKHV_PORT_CALL_PDEV_ALLOC, ab, 1, 200, 0, &v),
			 0);
	assert_true(v >= q.hdr->base + q.hdr->alloc_off &&
		    v + 200 <= q.hdr->base + q.hdr->size);
	assert_int_equal(
		call(&q, NKHV_PORT_CALL_PDEV_ALLOC, ab, 1, 200, 0, &v2), 0);
	assert_int_equal(v, v2);
	/* XIRQs in its own space and in the peer's. */
	assert_int_equal(call(&q, NKHV_PORT_CALL_PXIRQ_ALLOC, ab, 1, 1, 2, &v),
			 0);
	assert_true(v >= NK_XIRQ_FIRST_DYNAMIC);
	assert_int_equal(call(&q, NKHV_PORT_CALL_PXIRQ_ALLOC, ab, 2, 2, 1, &v),
			 0);
	assert_true(v >= NK_XIRQ_FIRST_DYNAMIC);
	/* Exhausted: an error, counted against its own budget. */
	assert_int_equal(
		call(&q, NKHV_PORT_CALL_PMEM_ALLOC, ab, 9, 1 << 20, 0, &v),
		-ENOSPC);
	assert_int_equal(harness_refusals(h, 1, "budget"), 1);
	assert_int_equal(harness_refusals(h, 1, "total"), 1);
	assert_int_equal(json_integer_value(json_object_get(
				 vm_status(h, 1, "port"), "hellos")),
			 1);
	ivs_close(&reg);
	close(fds[0]);
	close(fds[1]);
	ivs_close(&q.pdev);
}

/* ---- SYSCONF through the trigger ring ------------------------------- */

static volatile int sysconf_calls;

static void sysconf_handler(void *cookie, NkXIrq xirq)
{
	(void)cookie;
	(void)xirq;
	__atomic_fetch_add(&sysconf_calls, 1, __ATOMIC_SEQ_CST);
}

/* Wait in a process VM for a SYSCONF after which `pred` holds. */
static int wait_sysconf(NkDevVlink *vl, int s_state)
{
	long t0 = harness_now_ms();

	while (harness_now_ms() - t0 < WAIT_MS) {
		if (__atomic_load_n(&sysconf_calls, __ATOMIC_SEQ_CST) &&
		    vl->s_state == s_state)
			return 1;
		harness_sleep_ms(2);
	}
	return 0;
}

struct peer_args {
	int ready_w, go_r;
};

/*
 * Process VM 2, client of "ab": sees the server (QEMU VM 1) go RESET on
 * SYSCONF, answers RESET, then sees it go OFF when the QEMU is gone.
 */
static int sysconf_peer_child(void *arg)
{
	struct peer_args *a = arg;
	NkPhAddr ab = harness_find_vlink("ab", 0);
	NkDevVlink *vl = nkops.nk_ptov(ab);
	char c = 'r';

	CHECK(vl);
	CHECK(nkops.nk_xirq_attach(NK_XIRQ_SYSCONF, sysconf_handler, NULL));
	CHECK(write(a->ready_w, &c, 1) == 1);
	CHECK(wait_sysconf(vl, NK_DEV_VLINK_RESET));
	vl->c_state = NK_DEV_VLINK_RESET;
	__atomic_store_n(&sysconf_calls, 0, __ATOMIC_SEQ_CST);
	nkops.nk_xirq_trigger(NK_XIRQ_SYSCONF, 1);
	CHECK(nkddi_last_error()[0] == 0);
	CHECK(wait_sysconf(vl, NK_DEV_VLINK_OFF));
	/* Stay up until the parent has seen the states. */
	CHECK(read(a->go_r, &c, 1) == 1);
	return 0;
}

static void test_sysconf_and_down(void **state)
{
	struct hv_proc *h = *state;
	struct peer_args a;
	struct ivs_dev reg;
	int ready[2], go[2];
	NkPhAddr ab;
	NkDevVlink *vl;
	pid_t peer;
	char c;
	struct qvm q;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	a.ready_w = ready[1];
	a.go_r = go[0];
	peer = harness_vm(h, 2, sysconf_peer_child, &a);
	assert_int_equal(read(ready[0], &c, 1), 1);
	qvm_connect(h, 1, &q);
	assert_int_equal(call(&q, NKHV_PORT_CALL_HELLO, 0, 0, 0, 0, NULL), 0);
	assert_int_equal(ivs_connect(h, "vm1.region1.ivshmem", false, &reg), 0);
	ab = qvm_vlink(&q, "ab", 0);
	vl = qvm_desc(&q, ab);
	/* Our side goes RESET; SYSCONF to the peer through the ring. */
	vl->s_state = NK_DEV_VLINK_RESET;
	trigger(&q, NK_XIRQ_SYSCONF, 2);
	assert_int_equal(
		harness_wait_states(h, "ab", 0, "RESET", "RESET", WAIT_MS), 0);
	/* The peer's answer: SYSCONF raised here as pending bit 0. */
	assert_true(wait_pending(&q, NK_XIRQ_SYSCONF));
	assert_int_equal(vl->c_state, NK_DEV_VLINK_RESET);
	/* The QEMU goes away: VM 1 is down, its side OFF, the peer told. */
	ivs_close(&q.pdev);
	assert_int_equal(
		harness_wait_states(h, "ab", 0, "OFF", "RESET", WAIT_MS), 0);
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(harness_wait(peer, WAIT_MS), 0);
	assert_false(json_is_true(vm_status(h, 1, "up")));
	/* nkhv closed the region device with it. */
	assert_int_equal(recv(reg.sock, &c, 1, 0), 0);
	ivs_close(&reg);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

/* ---- data XIRQs ------------------------------------------------------ */

static volatile int data_calls;

static void data_handler(void *cookie, NkXIrq xirq)
{
	(void)cookie;
	(void)xirq;
	__atomic_fetch_add(&data_calls, 1, __ATOMIC_SEQ_CST);
}

struct xirq_args {
	NkXIrq qemu_x; /* XIRQ of the QEMU VM, label ab/3 */
	int ready_w;
};

/* Process VM 2: posts the QEMU VM's XIRQ, receives its own from it. */
static int xirq_peer_child(void *arg)
{
	struct xirq_args *a = arg;
	NkPhAddr ab = harness_find_vlink("ab", 0);
	NkXIrq own;
	long t0;
	char c = 'r';

	CHECK(ab);
	CHECK(nkops.nk_pxirq_alloc(ab, 3, 1, 1) == a->qemu_x);
	nkops.nk_xirq_trigger(a->qemu_x, 1);
	CHECK(nkddi_last_error()[0] == 0);
	own = nkops.nk_pxirq_alloc(ab, 4, 2, 1);
	CHECK(own);
	CHECK(nkops.nk_xirq_attach(own, data_handler, NULL));
	CHECK(write(a->ready_w, &c, 1) == 1);
	for (t0 = harness_now_ms(); harness_now_ms() - t0 < WAIT_MS;)
		if (__atomic_load_n(&data_calls, __ATOMIC_SEQ_CST))
			return 0;
		else
			harness_sleep_ms(2);
	CHECK(!"the QEMU VM's trigger never arrived");
	return 1;
}

/* Process VM 2 posts the QEMU VM's XIRQ once more and leaves. */
static int xirq_post_child(void *arg)
{
	struct xirq_args *a = arg;

	nkops.nk_xirq_trigger(a->qemu_x, 1);
	CHECK(nkddi_last_error()[0] == 0);
	return 0;
}

static void test_data_xirqs(void **state)
{
	struct hv_proc *h = *state;
	struct xirq_args a;
	NkPhAddr ab;
	uint64_t v;
	int ready[2];
	pid_t peer;
	char c;
	struct qvm q;

	qvm_connect(h, 1, &q);
	assert_int_equal(call(&q, NKHV_PORT_CALL_HELLO, 0, 0, 0, 0, NULL), 0);
	ab = qvm_vlink(&q, "ab", 0);
	assert_int_equal(call(&q, NKHV_PORT_CALL_PXIRQ_ALLOC, ab, 3, 1, 1, &v),
			 0);
	a.qemu_x = (NkXIrq)v;
	assert_int_equal(pipe(ready), 0);
	a.ready_w = ready[1];
	peer = harness_vm(h, 2, xirq_peer_child, &a);
	/* The process VM's post: pending bit and vector. */
	assert_true(wait_pending(&q, a.qemu_x));
	/* Ours to the process VM, through the ring. */
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(call(&q, NKHV_PORT_CALL_PXIRQ_ALLOC, ab, 4, 2, 1, &v),
			 0);
	trigger(&q, (NkXIrq)v, 2);
	assert_int_equal(harness_wait(peer, WAIT_MS), 0);
	/* Posted while the VM is down: delivered once its provider is up. */
	ivs_close(&q.pdev);
	assert_int_equal(
		harness_wait(harness_vm(h, 2, xirq_post_child, &a), WAIT_MS),
		0);
	qvm_connect(h, 1, &q);
	assert_int_equal(call(&q, NKHV_PORT_CALL_HELLO, 0, 0, 0, 0, NULL), 0);
	assert_true(wait_pending(&q, a.qemu_x));
	assert_int_equal(harness_refusals(h, 1, "total"), 0);
	ivs_close(&q.pdev);
	close(ready[0]);
	close(ready[1]);
}

/* ---- who holds a VM ------------------------------------------------- */

/* Stay up until the parent closes the pipe; arg: both ends. */
static int idle_child(void *arg)
{
	int *pipefd = arg, fd = pipefd[0];
	char c;

	close(pipefd[1]);

	while (read(fd, &c, 1) > 0)
		;
	return 0;
}

/* A process that is not the VM's QEMU tries a region device. */
static int foreign_region_child(void *arg)
{
	struct hv_proc *h = arg;
	struct ivs_dev d;

	return ivs_connect(h, "vm1.region1.ivshmem", false, &d) == -ECONNRESET ?
		       0 :
		       1;
}

static void test_busy(void **state)
{
	struct hv_proc *h = *state;
	struct ivs_dev second;
	int hold[2], i;
	pid_t holder, pid;
	struct qvm q;

	assert_int_equal(pipe(hold), 0);
	/* No QEMU holds VM 1: its region devices are refused. */
	assert_int_equal(ivs_connect(h, "vm1.region1.ivshmem", false, &second),
			 -ECONNRESET);
	ivs_close(&second);
	assert_int_equal(harness_refusals(h, 1, "map"), 1);
	qvm_connect(h, 1, &q);
	/* A second QEMU for VM 1. */
	assert_int_equal(ivs_connect(h, "vm1.ivshmem", true, &second),
			 -ECONNRESET);
	ivs_close(&second);
	assert_int_equal(harness_refusals(h, 1, "busy"), 1);
	/* A process for VM 1. */
	pid = harness_vm(h, 1, idle_child, hold);
	assert_int_equal(harness_wait(pid, WAIT_MS), 100 + EBUSY);
	assert_int_equal(harness_refusals(h, 1, "busy"), 2);
	/* Another process for one of VM 1's regions. */
	pid = fork();
	if (pid == 0)
		_exit(foreign_region_child(h));
	assert_int_equal(harness_wait(pid, WAIT_MS), 0);
	assert_int_equal(harness_refusals(h, 1, "map"), 2);
	/* A QEMU for VM 2, held by a process. */
	holder = harness_vm(h, 2, idle_child, hold);
	for (i = 0; i < 1000 && !json_is_true(vm_status(h, 2, "up")); i++)
		harness_sleep_ms(10);
	assert_int_equal(ivs_connect(h, "vm2.ivshmem", true, &second),
			 -ECONNRESET);
	ivs_close(&second);
	assert_int_equal(harness_refusals(h, 2, "busy"), 1);
	assert_string_equal(json_string_value(vm_status(h, 2, "holder")),
			    "process");
	close(hold[1]);
	assert_int_equal(harness_wait(holder, WAIT_MS), 0);
	close(hold[0]);
	/* VM 1 still served. */
	assert_int_equal(call(&q, NKHV_PORT_CALL_HELLO, 0, 0, 0, 0, NULL), 0);
	ivs_close(&q.pdev);
}

/* ---- hostile guest ---------------------------------------------------- */

/* Process VM 3 allocates an XIRQ on "bc" (VM 1 is no end-point of it). */
static int bc_xirq_child(void *arg)
{
	NkPhAddr bc = harness_find_vlink("bc", 0);
	NkXIrq x;

	CHECK(bc);
	x = nkops.nk_pxirq_alloc(bc, 0, 3, 1);
	CHECK(x);
	return write(*(int *)arg, &x, sizeof(x)) == sizeof(x) ? 0 : 1;
}

static void test_hostile(void **state)
{
	struct hv_proc *h = *state;
	struct nkhv_port *p;
	NkPhAddr ab;
	NkXIrq bc_x;
	uint64_t v, v77;
	uint32_t head, done;
	long proto;
	int fds[2], i, k;
	char junk[64] = "not an ivshmem client";
	struct qvm q;

	qvm_connect(h, 1, &q);
	p = q.port;
	assert_int_equal(call(&q, NKHV_PORT_CALL_HELLO, 0, 0, 0, 0, NULL), 0);
	ab = qvm_vlink(&q, "ab", 0);
	/* Mailbox garbage: answered with an error, counted. */
	assert_int_equal(call(&q, 0, 0, 0, 0, 0, &v), -EPROTO);
	assert_int_equal(call(&q, 99, 1, 2, 3, 4, &v), -EPROTO);
	assert_int_equal(
		call(&q, NKHV_PORT_CALL_PMEM_ALLOC, ab, 1ull << 40, 64, 0, &v),
		-EPROTO);
	assert_int_equal(
		call(&q, NKHV_PORT_CALL_PMEM_ALLOC, ab, 1, ~0ull, 0, &v),
		-EPROTO);
	assert_int_equal(
		call(&q, NKHV_PORT_CALL_PXIRQ_ALLOC, ab, 1, 1ull << 33, 1, &v),
		-EPROTO);
	assert_int_equal(harness_refusals(h, 1, "protocol"), 5);
	/* Allocations on descriptors that are not its own. */
	assert_int_equal(
		call(&q, NKHV_PORT_CALL_PMEM_ALLOC, ab + 1, 1, 64, 0, &v),
		-EPERM);
	assert_int_equal(call(&q, NKHV_PORT_CALL_PDEV_ALLOC,
			      0x40010000 + q.hdr->desc_off, 1, 64, 0, &v),
			 -EPERM);
	assert_int_equal(call(&q, NKHV_PORT_CALL_PXIRQ_ALLOC, ab, 1, 3, 1, &v),
			 -EPERM);
	assert_int_equal(harness_refusals(h, 1, "alloc"), 3);
	/* A head far ahead of the tail: refused, ring resynchronised. */
	head = p->trig_head + 1000;
	__atomic_store_n(&p->trig_head, head, __ATOMIC_RELEASE);
	ring(&q, NKHV_PORT_DB_TRIGGER);
	assert_int_equal(refusals_when(h, 1, "protocol", 6), 6);
	assert_int_equal(p->trig_tail, head);
	/* Triggers it may not post. */
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(
		harness_wait(harness_vm(h, 3, bc_xirq_child, &fds[1]), WAIT_MS),
		0);
	assert_int_equal(read(fds[0], &bc_x, sizeof(bc_x)), sizeof(bc_x));
	trigger(&q, 50, 2); /* not allocated */
	trigger(&q, bc_x, 3); /* allocated, on a vlink of others */
	trigger(&q, NK_XIRQ_SYSCONF, 3); /* shares no vlink with VM 3 */
	trigger(&q, NK_XIRQ_SYSCONF, 77); /* no such VM */
	trigger(&q, 40, 0xffffffffu);
	assert_int_equal(harness_refusals(h, 1, "xirq"), 5);
	/* Bytes on the PDEV socket: QEMU never sends any. */
	assert_int_equal(send(q.pdev.sock, junk, sizeof(junk), MSG_NOSIGNAL),
			 sizeof(junk));
	assert_int_equal(refusals_when(h, 1, "protocol", 7), 7);
	/* Random mailboxes and rings: every call answered, nkhv alive. */
	srand(11);
	for (i = 0; i < 300; i++) {
		uint32_t *w = (uint32_t *)&p->call;

		done = p->call.done;
		for (k = 0; k < (int)(sizeof(p->call) / 4); k++)
			w[k] = (uint32_t)rand() * 2654435761u;
		if (i % 2)
			p->call.op = (uint32_t)(rand() % 6);
		p->call.seq = done; /* call() posts done + 1 */
		call(&q, p->call.op, p->call.arg[0], p->call.arg[1],
		     p->call.arg[2], p->call.arg[3], &v);
		for (k = 0; k < 8; k++) {
			struct nkhv_port_trigger *t =
				&p->trig[(p->trig_head + k) %
					 NKHV_PORT_TRIGGERS];

			t->xirq = (uint32_t)rand() % 300;
			t->osid = (NkOsId)(rand() % 5);
		}
		head = p->trig_head + (uint32_t)(rand() % 9);
		if (i % 50 == 7)
			head = (uint32_t)rand();
		__atomic_store_n(&p->trig_head, head, __ATOMIC_RELEASE);
		ring(&q, NKHV_PORT_DB_TRIGGER);
	}
	/* Still serving: a good call, the status, counters in the port. */
	for (i = 0; i < 1000 && p->trig_tail != p->trig_head; i++)
		harness_sleep_ms(10);
	assert_int_equal(p->trig_tail, p->trig_head);
	p->call.seq = p->call.done;
	assert_int_equal(
		call(&q, NKHV_PORT_CALL_PMEM_ALLOC, ab, 77, 4096, 0, &v77), 0);
	proto = harness_refusals(h, 1, "total");
	assert_true(proto > 15);
	assert_int_equal(p->refused, proto);
	assert_true(json_is_true(vm_status(h, 1, "up")));
	close(fds[0]);
	close(fds[1]);
	ivs_close(&q.pdev);
	/* And the VM comes back. */
	qvm_connect(h, 1, &q);
	assert_int_equal(q.port->call.seq, 0);
	assert_int_equal(
		call(&q, NKHV_PORT_CALL_PMEM_ALLOC, ab, 77, 4096, 0, &v), 0);
	assert_int_equal(v, v77);
	ivs_close(&q.pdev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_layout_pow2, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hello_and_alloc, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sysconf_and_down, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_data_xirqs, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
