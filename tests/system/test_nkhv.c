// SPDX-License-Identifier: GPL-2.0-only
/*
 * System tests of nkhv and libnkddi with real processes: each test starts
 * its own nkhv on tests/system/three.dts (or an example) and forks VM
 * processes that use `nkops` exactly as drivers do.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <nkddi/nkddi.h>
#include <nkhv/config.h>
#include <nkhv/pdev.h>
#include <stdint.h>

#include "harness.h"

#define THREE SYSTEM_TESTS_DIR "/three.dts"

static int setup(void **state)
{
	return harness_fixture_start(state, THREE);
}

static int teardown(void **state)
{
	return harness_fixture_stop(state);
}

static void run_vm(struct hv_proc *h, NkOsId id, int (*fn)(void *), void *arg)
{
	pid_t pid = harness_vm(h, id, fn, arg);

	assert_int_equal(harness_wait(pid, 20000), 0);
}

/* ---- lookup ------------------------------------------------------- */

static int lookup_child(void *arg)
{
	static const int order[] = { 2, 1, 3 };
	static const char *const info[] = { "two", "one", "three" };
	NkPhAddr p = 0;
	int i = 0;

	(void)arg;
	CHECK(nkops.nk_id_get() == 2);
	CHECK(nkops.nk_last_id_get() == 3);
	while ((p = nkops.nk_vlink_lookup("chan", p))) {
		NkDevVlink *vl = nkops.nk_ptov(p);

		CHECK(i < 3);
		CHECK(vl != NULL);
		CHECK(nkops.nk_vtop(vl) == p);
		CHECK(!strcmp(vl->name, "chan"));
		CHECK(vl->link == order[i]);
		CHECK(vl->c_id == 2);
		CHECK(vl->s_id == (order[i] == 3 ? 3u : 1u));
		CHECK(vl->s_state == NK_DEV_VLINK_OFF);
		CHECK(vl->c_state == NK_DEV_VLINK_OFF);
		CHECK(vl->s_info &&
		      !strcmp(nkops.nk_ptov(vl->s_info), info[i]));
		CHECK(vl->c_info == 0);
		i++;
	}
	CHECK(i == 3);
	/* Other names, and names that are prefixes of others. */
	p = nkops.nk_vlink_lookup("ab", 0);
	CHECK(p && !nkops.nk_vlink_lookup("ab", p));
	CHECK(!nkops.nk_vlink_lookup("cha", 0));
	CHECK(!nkops.nk_vlink_lookup("loop", 0));
	CHECK(!nkops.nk_vlink_lookup("chan", 12345));
	return 0;
}

static void test_lookup_order(void **state)
{
	run_vm(*state, 2, lookup_child, NULL);
}

/* A VM holding both ends of a vlink sees one descriptor for it. */
static int loop_lookup_child(void *arg)
{
	NkPhAddr p = nkops.nk_vlink_lookup("loop", 0);
	NkDevVlink *vl = nkops.nk_ptov(p);

	(void)arg;
	CHECK(p && vl);
	CHECK(vl->s_id == 1 && vl->c_id == 1);
	CHECK(!nkops.nk_vlink_lookup("loop", p));
	return 0;
}

static void test_lookup_loopback(void **state)
{
	run_vm(*state, 1, loop_lookup_child, NULL);
}

/* ---- labelled allocations ----------------------------------------- */

struct allocs {
	NkPhAddr pmem0, pmem1, pdev0;
	NkXIrq xs, xc;
};

static struct allocs first;

/* A restarted VM 1 asks again: every label gives the same answer. */
static int alloc_again_child(void *arg)
{
	NkPhAddr ab = harness_find_vlink("ab", 0);
	struct allocs a;

	(void)arg;
	CHECK(ab);
	a.pmem0 = nkops.nk_pmem_alloc(ab, 0, 100);
	a.pmem1 = nkops.nk_pmem_alloc(ab, 1, 4096);
	a.pdev0 = nkops.nk_pdev_alloc(ab, 0, 200);
	a.xs = nkops.nk_pxirq_alloc(ab, 0, 1, 2);
	a.xc = nkops.nk_pxirq_alloc(ab, 1, 2, 1);
	CHECK(!memcmp(&a, &first, sizeof(a)));
	CHECK(a.pmem0 % 4096 == 0 && a.pmem1 % 4096 == 0);
	CHECK(a.pmem0 != a.pmem1);
	CHECK(a.xs >= NK_XIRQ_FIRST_DYNAMIC && a.xc >= NK_XIRQ_FIRST_DYNAMIC);
	/* A label is bound to its size. */
	CHECK(!nkops.nk_pmem_alloc(ab, 0, 3 * 4096));
	/* PMEM of the vlink (0x2000 declared) is exhausted by a third page. */
	CHECK(!nkops.nk_pmem_alloc(ab, 2, 4096));
	/* XIRQ budget of a's end-point is 2, both used. */
	CHECK(!nkops.nk_pxirq_alloc(ab, 2, 1, 1));
	return 0;
}

static int alloc_child_first(void *arg)
{
	struct allocs a;
	NkPhAddr ab = harness_find_vlink("ab", 0);

	(void)arg;
	CHECK(ab);
	a.pmem0 = nkops.nk_pmem_alloc(ab, 0, 100);
	a.pmem1 = nkops.nk_pmem_alloc(ab, 1, 4096);
	a.pdev0 = nkops.nk_pdev_alloc(ab, 0, 200);
	a.xs = nkops.nk_pxirq_alloc(ab, 0, 1, 2);
	a.xc = nkops.nk_pxirq_alloc(ab, 1, 2, 1);
	CHECK(a.pmem0 && a.pmem1 && a.pdev0 && a.xs && a.xc);
	return write(3, &a, sizeof(a)) == sizeof(a) ? 0 : 1;
}

static void test_alloc_idempotent_across_restart(void **state)
{
	struct hv_proc *h = *state;
	int fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 3);
		if (nkddi_join_vm(h->run_dir, 1))
			_exit(99);
		_exit(alloc_child_first(NULL));
	}
	assert_int_equal(harness_wait(pid, 20000), 0);
	assert_int_equal(read(fds[0], &first, sizeof(first)), sizeof(first));
	close(fds[0]);
	close(fds[1]);
	/* Restart VM 1: the same labels give the same blocks. */
	run_vm(h, 1, alloc_again_child, NULL);
	run_vm(h, 1, alloc_again_child, NULL);
}

/* The peer gets the same PMEM and XIRQs for the same labels. */
static int alloc_peer_child(void *arg)
{
	NkPhAddr ab = harness_find_vlink("ab", 0);

	(void)arg;
	CHECK(ab);
	CHECK(nkops.nk_pmem_alloc(ab, 0, 100) == first.pmem0);
	CHECK(nkops.nk_pxirq_alloc(ab, 0, 1, 2) == first.xs);
	CHECK(nkops.nk_pxirq_alloc(ab, 1, 2, 1) == first.xc);
	/* PDEV is private: the peer's label 0 is its own block. */
	CHECK(nkops.nk_pdev_alloc(ab, 0, 200) != first.pdev0);
	return 0;
}

static void test_alloc_shared_with_peer(void **state)
{
	struct hv_proc *h = *state;
	int fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 3);
		if (nkddi_join_vm(h->run_dir, 1))
			_exit(99);
		_exit(alloc_child_first(NULL));
	}
	assert_int_equal(harness_wait(pid, 20000), 0);
	assert_int_equal(read(fds[0], &first, sizeof(first)), sizeof(first));
	close(fds[0]);
	close(fds[1]);
	run_vm(h, 2, alloc_peer_child, NULL);
}

/* ---- PMEM persistence -------------------------------------------- */

static int pmem_write_child(void *arg)
{
	NkPhAddr ab = harness_find_vlink("ab", 0), pa;
	uint8_t *p;
	int i;

	CHECK(ab);
	pa = nkops.nk_pmem_alloc(ab, 7, 8192);
	CHECK(pa);
	p = nkops.nk_mem_map(pa, 8192);
	CHECK(p);
	for (i = 0; i < 8192; i++)
		p[i] = (uint8_t)(i * 7 + (int)(intptr_t)arg);
	return 0;
}

static int pmem_check_child(void *arg)
{
	NkPhAddr ab = harness_find_vlink("ab", 0), pa;
	uint8_t *p;
	int i;

	CHECK(ab);
	pa = nkops.nk_pmem_alloc(ab, 7, 8192);
	CHECK(pa);
	p = nkops.nk_mem_map(pa, 8192);
	CHECK(p);
	for (i = 0; i < 8192; i++)
		CHECK(p[i] == (uint8_t)(i * 7 + (int)(intptr_t)arg));
	return 0;
}

static void test_pmem_survives_restart(void **state)
{
	struct hv_proc *h = *state;
	pid_t pid;

	run_vm(h, 1, pmem_write_child, (void *)5);
	/* The writer is gone; a new VM 1 and the peer both see the data. */
	run_vm(h, 1, pmem_check_child, (void *)5);
	run_vm(h, 2, pmem_check_child, (void *)5);
	/* Also after a kill -9 in the middle of a life. */
	pid = harness_vm(h, 2, pmem_write_child, (void *)9);
	assert_int_equal(harness_wait(pid, 20000), 0);
	run_vm(h, 1, pmem_check_child, (void *)9);
}

/* ---- handshake ---------------------------------------------------- */

static pid_t spawn_pingpong(struct hv_proc *h, NkOsId id, const char *rounds)
{
	char sock[512];
	pid_t pid = fork();

	if (pid == 0) {
		snprintf(sock, sizeof(sock), "%s/vm%u.sock", h->run_dir, id);
		setenv("NK_VM_SOCKET", sock, 1);
		if (!getenv("HARNESS_VERBOSE"))
			freopen("/dev/null", "w", stdout);
		execl(PINGPONG_BIN, "pingpong", rounds, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int pp_setup(void **state)
{
	struct hv_proc *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	assert_int_equal(harness_start(h, "pingpong.dts"), 0);
	*state = h;
	return 0;
}

/* order: 0 server first, 1 client first, 2 both at once. */
static void handshake_in_order(struct hv_proc *h, int order)
{
	pid_t s, c;

	if (order == 1) {
		c = spawn_pingpong(h, 2, "0");
		assert_int_equal(harness_wait_states(h, "pingpong", 0, "OFF",
						     "RESET", 5000),
				 0);
		s = spawn_pingpong(h, 1, "0");
	} else {
		s = spawn_pingpong(h, 1, "0");
		if (order == 0)
			assert_int_equal(harness_wait_states(h, "pingpong", 0,
							     "RESET", "OFF",
							     5000),
					 0);
		c = spawn_pingpong(h, 2, "0");
	}
	assert_int_equal(
		harness_wait_states(h, "pingpong", 0, "ON", "ON", 10000), 0);
	/* kill -9 the client: the server sees OFF and goes back to RESET. */
	harness_kill(c);
	assert_int_equal(
		harness_wait_states(h, "pingpong", 0, "RESET", "OFF", 10000),
		0);
	c = spawn_pingpong(h, 2, "0");
	assert_int_equal(
		harness_wait_states(h, "pingpong", 0, "ON", "ON", 10000), 0);
	/* kill -9 the server: same the other way round. */
	harness_kill(s);
	assert_int_equal(
		harness_wait_states(h, "pingpong", 0, "OFF", "RESET", 10000),
		0);
	s = spawn_pingpong(h, 1, "0");
	assert_int_equal(
		harness_wait_states(h, "pingpong", 0, "ON", "ON", 10000), 0);
	harness_kill(s);
	harness_kill(c);
	assert_int_equal(
		harness_wait_states(h, "pingpong", 0, "OFF", "OFF", 10000), 0);
}

static void test_handshake_server_first(void **state)
{
	handshake_in_order(*state, 0);
}

static void test_handshake_client_first(void **state)
{
	handshake_in_order(*state, 1);
}

static void test_handshake_simultaneous(void **state)
{
	int i;

	for (i = 0; i < 5; i++)
		handshake_in_order(*state, 2);
}

/* Both sides killed and restarted in every order, ten times. */
static void test_handshake_restart_storm(void **state)
{
	struct hv_proc *h = *state;
	pid_t s = spawn_pingpong(h, 1, "0"), c = spawn_pingpong(h, 2, "0");
	int i;

	for (i = 0; i < 10; i++) {
		assert_int_equal(harness_wait_states(h, "pingpong", 0, "ON",
						     "ON", 10000),
				 0);
		if (i % 3 != 1)
			harness_kill(s);
		if (i % 3 != 0)
			harness_kill(c);
		if (i % 3 != 1)
			s = spawn_pingpong(h, 1, "0");
		if (i % 3 != 0)
			c = spawn_pingpong(h, 2, "0");
	}
	assert_int_equal(
		harness_wait_states(h, "pingpong", 0, "ON", "ON", 10000), 0);
	harness_kill(s);
	harness_kill(c);
}

/* The example driver's ping-pong over PMEM and XIRQs. */
static void test_pingpong_example(void **state)
{
	struct hv_proc *h = *state;
	pid_t c = spawn_pingpong(h, 2, "2000");
	pid_t s = spawn_pingpong(h, 1, "2000");
	int rs = harness_wait(s, 30000), rc = harness_wait(c, 30000);

	/* Neither outlives the test (it would hold ctest's output open). */
	if (rs < 0)
		harness_kill(s);
	if (rc < 0)
		harness_kill(c);
	assert_int_equal(rs, 0);
	assert_int_equal(rc, 0);
}

/* ---- access control ----------------------------------------------- */

static int access_child_c(void *arg)
{
	NkPhAddr bc = harness_find_vlink("bc", 0);
	NkDevVlink *vl;

	(void)arg;
	CHECK(bc);
	vl = nkops.nk_ptov(bc);
	/* VM 1's PDEV and the PMEM of "ab" (not ours) cannot be mapped. */
	CHECK(!nkops.nk_mem_map(NKHV_DEFAULT_PHYS_BASE, 4096));
	CHECK(strstr(nkddi_last_error(), "no access"));
	CHECK(!nkops.nk_ptov(NKHV_DEFAULT_PHYS_BASE + 0x10));
	/* An address outside every region. */
	CHECK(!nkops.nk_mem_map(0x1000, 16));
	/* A range starting in our PDEV and running past it. */
	CHECK(!nkops.nk_mem_map(nkops.nk_vtop(vl), 1ull << 40));
	/* Allocation with something that is not our descriptor. */
	CHECK(!nkops.nk_pmem_alloc(bc + 4, 0, 4096));
	CHECK(!nkops.nk_pmem_alloc(NKHV_DEFAULT_PHYS_BASE + 64, 0, 4096));
	/* XIRQs in the space of a VM that is not an end-point of bc. */
	CHECK(!nkops.nk_pxirq_alloc(bc, 0, 1, 1));
	/* Attach to an XIRQ never allocated to us. */
	CHECK(!nkops.nk_xirq_attach(40, (NkXIrqHandler)abort, NULL));
	/* SYSCONF to VM 1, which shares no vlink with us. */
	nkops.nk_xirq_trigger(NK_XIRQ_SYSCONF, 1);
	CHECK(strstr(nkddi_last_error(), "refused"));
	return 0;
}

static int alloc_ab_xirqs(void *arg)
{
	NkPhAddr ab = harness_find_vlink("ab", 0);

	(void)arg;
	CHECK(ab);
	CHECK(nkops.nk_pxirq_alloc(ab, 0, 1, 2) == NK_XIRQ_FIRST_DYNAMIC);
	return 0;
}

/* VM 3 tries to post VM 1's XIRQ of vlink "ab": refused. */
static int trigger_foreign_child(void *arg)
{
	(void)arg;
	nkops.nk_xirq_trigger(NK_XIRQ_FIRST_DYNAMIC, 1);
	CHECK(strstr(nkddi_last_error(), "refused"));
	nkops.nk_xirq_trigger(NK_XIRQ_FIRST_DYNAMIC + 5, 1);
	CHECK(strstr(nkddi_last_error(), "refused"));
	nkops.nk_xirq_trigger(NK_XIRQ_FIRST_DYNAMIC, 77);
	CHECK(strstr(nkddi_last_error(), "refused"));
	return 0;
}

static void test_access_memory_and_xirqs(void **state)
{
	struct hv_proc *h = *state;

	run_vm(h, 1, alloc_ab_xirqs, NULL);
	run_vm(h, 3, access_child_c, NULL);
	assert_int_equal(harness_refusals(h, 3, "map"), 4);
	assert_int_equal(harness_refusals(h, 3, "alloc"), 3);
	run_vm(h, 3, trigger_foreign_child, NULL);
	/* attach + SYSCONF + 3 triggers */
	assert_int_equal(harness_refusals(h, 3, "xirq"), 5);
	assert_int_equal(harness_refusals(h, 1, "map"), 0);
}

/* VM 2 (client of "ab") writes the server's state and garbage. */
static int state_child(void *arg)
{
	NkPhAddr ab = harness_find_vlink("ab", 0);
	NkDevVlink *vl = nkops.nk_ptov(ab);

	(void)arg;
	CHECK(vl);
	vl->s_state = NK_DEV_VLINK_ON; /* not ours */
	vl->s_id = 9; /* set by the hypervisor */
	nkops.nk_xirq_trigger(NK_XIRQ_SYSCONF, 1);
	CHECK(vl->s_state == NK_DEV_VLINK_OFF);
	/* The refusal is reported to the caller, not only counted. */
	CHECK(strstr(nkddi_last_error(), "SYSCONF") != NULL &&
	      strstr(nkddi_last_error(), "refused") != NULL);
	CHECK(vl->s_id == 1);
	vl->c_state = 77; /* not a state */
	nkops.nk_xirq_trigger(NK_XIRQ_SYSCONF, 1);
	CHECK(vl->c_state == NK_DEV_VLINK_OFF);
	vl->c_state = NK_DEV_VLINK_RESET; /* fine */
	nkops.nk_xirq_trigger(NK_XIRQ_SYSCONF, 1);
	CHECK(vl->c_state == NK_DEV_VLINK_RESET);
	return 0;
}

static int state_peer_child(void *arg)
{
	NkPhAddr ab = harness_find_vlink("ab", 0);
	NkDevVlink *vl = nkops.nk_ptov(ab);

	(void)arg;
	CHECK(vl);
	/* VM 2 exited: its side is OFF again, and ours was never touched. */
	CHECK(vl->s_state == NK_DEV_VLINK_OFF);
	CHECK(vl->c_state == NK_DEV_VLINK_OFF);
	CHECK(vl->s_id == 1 && vl->c_id == 2);
	return 0;
}

static void test_access_peer_state(void **state)
{
	struct hv_proc *h = *state;

	run_vm(h, 2, state_child, NULL);
	assert_int_equal(harness_refusals(h, 2, "state"), 3);
	run_vm(h, 1, state_peer_child, NULL);
}

static int hold_child(void *arg)
{
	int *pipefd = arg, fd = pipefd[0];
	char c;

	close(pipefd[1]); /* only the parent may hold the write end */
	CHECK(nkops.nk_id_get() == 2);
	/* Stay up until the parent closes the pipe. */
	while (read(fd, &c, 1) > 0)
		;
	CHECK(nkops.nk_vlink_lookup("ab", 0) != 0);
	CHECK(nkops.nk_pmem_alloc(harness_find_vlink("bc", 0), 0, 4096) != 0);
	return 0;
}

static int raw_connect(struct hv_proc *h, NkOsId id)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/vm%u.sock",
		     h->run_dir, id) >= (int)sizeof(sa.sun_path))
		return -1;
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	return fd;
}

/* Connections nkhv dropped for what they sent before HELLO. */
static long long garbage(struct hv_proc *h)
{
	json_t *st = harness_status(h);
	long long n = json_integer_value(json_object_get(
		json_object_get(st, "connections"), "garbage"));

	json_decref(st);
	return n;
}

static void test_busy_and_garbage(void **state)
{
	struct hv_proc *h = *state;
	int fds[2], i, s;
	char junk[300];
	pid_t holder, second;

	assert_int_equal(pipe(fds), 0);
	holder = harness_vm(h, 2, hold_child, &fds[0]);
	close(fds[0]);
	assert_int_equal(harness_wait_states(h, "ab", 0, "OFF", "OFF", 5000),
			 0);
	/* Wait until the holder has joined. */
	for (i = 0; i < 500; i++) {
		json_t *st = harness_status(h);
		int up = json_is_true(
			json_object_get(harness_vmstat(st, 2), "up"));

		json_decref(st);
		if (up)
			break;
		harness_sleep_ms(10);
	}
	/* A second process claiming VM 2 is refused with EBUSY. */
	second = harness_vm(h, 2, hold_child, &fds[0]);
	assert_int_equal(harness_wait(second, 5000), 100 + EBUSY);
	assert_int_equal(harness_refusals(h, 2, "busy"), 1);
	/* Garbage on the sockets of VM 2 and VM 1. */
	srand(7);
	for (i = 0; i < 20; i++) {
		size_t n = (size_t)(rand() % (int)sizeof(junk)) + 1, k;

		s = raw_connect(h, i % 2 ? 2 : 1);
		assert_true(s >= 0);
		for (k = 0; k < n; k++)
			junk[k] = (char)rand();
		if (i == 0)
			memcpy(junk, "\x4e\x4e\x4b\x56", 4); /* good magic */
		send(s, junk, n, MSG_NOSIGNAL);
		close(s);
	}
	/* Nobody's yet: counted by nkhv, not against the VMs. */
	for (i = 0; i < 500 && garbage(h) < 20; i++)
		harness_sleep_ms(10);
	assert_int_equal(garbage(h), 20);
	assert_int_equal(harness_refusals(h, 2, "protocol"), 0);
	assert_int_equal(harness_refusals(h, 1, "protocol"), 0);
	/* The holder still works, and its vlink was not disturbed. */
	close(fds[1]);
	assert_int_equal(harness_wait(holder, 10000), 0);
}

/* ---- XIRQ delivery ------------------------------------------------- */

struct xirq_ctx {
	NkXIrq x;
	volatile int calls, running, overlap, unmasked_in_handler;
	volatile int not_irq_thread, retrigger;
};

static void loop_handler(void *cookie, NkXIrq xirq)
{
	struct xirq_ctx *c = cookie;

	if (__atomic_fetch_add(&c->running, 1, __ATOMIC_SEQ_CST))
		c->overlap = 1;
	if (xirq != c->x || !nkddi_xirq_masked(xirq))
		c->unmasked_in_handler = 1;
	if (!nkddi_in_interrupt())
		c->not_irq_thread = 1;
	if (c->retrigger) {
		/* Posted while masked: delivered after we return, not now. */
		c->retrigger = 0;
		nkops.nk_xirq_trigger(xirq, nkops.nk_id_get());
		harness_sleep_ms(50);
	}
	__atomic_fetch_sub(&c->running, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&c->calls, 1, __ATOMIC_SEQ_CST);
}

static int wait_calls(struct xirq_ctx *c, int n, int ms)
{
	long t0 = harness_now_ms();

	while (c->calls < n && harness_now_ms() - t0 < ms)
		harness_sleep_ms(1);
	return c->calls;
}

static int xirq_child(void *arg)
{
	static struct xirq_ctx c;
	NkPhAddr loop = nkops.nk_vlink_lookup("loop", 0);
	NkXIrqId id;

	(void)arg;
	CHECK(loop);
	c.x = nkops.nk_pxirq_alloc(loop, 0, 1, 1);
	CHECK(c.x);
	id = nkops.nk_xirq_attach(c.x, loop_handler, &c);
	CHECK(id);
	CHECK(!nkddi_xirq_masked(c.x));
	/* One trigger, one call, on the interrupt thread, source masked. */
	nkops.nk_xirq_trigger(c.x, 1);
	CHECK(wait_calls(&c, 1, 2000) == 1);
	/* A trigger posted during the handler comes after it returns. */
	c.retrigger = 1;
	nkops.nk_xirq_trigger(c.x, 1);
	CHECK(wait_calls(&c, 3, 2000) == 3);
	/* Masked: pending, not delivered; unmask delivers it once. */
	nkops.nk_xirq_mask(c.x);
	CHECK(nkddi_xirq_masked(c.x));
	nkops.nk_xirq_trigger(c.x, 1);
	nkops.nk_xirq_trigger(c.x, 1);
	harness_sleep_ms(100);
	CHECK(c.calls == 3);
	nkops.nk_xirq_unmask(c.x);
	CHECK(wait_calls(&c, 4, 2000) == 4);
	harness_sleep_ms(50);
	CHECK(c.calls == 4);
	CHECK(!c.overlap && !c.unmasked_in_handler && !c.not_irq_thread);
	/* After detach the handler is not called again. */
	nkops.nk_xirq_detach(id);
	nkops.nk_xirq_trigger(c.x, 1);
	harness_sleep_ms(100);
	CHECK(c.calls == 4);
	return 0;
}

static void test_xirq_masked_in_handler(void **state)
{
	run_vm(*state, 1, xirq_child, NULL);
}

/*
 * nkddi_xirq_wait: a thread takes its XIRQ itself. The handler runs in
 * that thread (masked, in interrupt context), exactly once a trigger;
 * masking, unmasking and nkddi_xirq_wake end the wait without running it;
 * after the wait the interrupt thread serves the source again.
 */
struct direct_ctx {
	NkXIrq x;
	pthread_t waiter;
	volatile int calls, in_waiter, unmasked_in_handler, not_in_irq;
};

static void direct_handler(void *cookie, NkXIrq xirq)
{
	struct direct_ctx *c = cookie;

	if (pthread_equal(pthread_self(), c->waiter))
		c->in_waiter++;
	if (!nkddi_xirq_masked(xirq))
		c->unmasked_in_handler = 1;
	if (!nkddi_in_interrupt())
		c->not_in_irq = 1;
	__atomic_fetch_add(&c->calls, 1, __ATOMIC_SEQ_CST);
}

/*
 * From another thread: unmask after a while, or trigger until the
 * waiting thread ran the handler (the first triggers may come before it
 * sleeps; the interrupt thread serves those).
 */
struct direct_poke {
	struct direct_ctx *c;
	int unmask;
};

static void *direct_poker(void *arg)
{
	struct direct_poke *p = arg;
	int seen = p->c->in_waiter, i;

	harness_sleep_ms(50);
	if (p->unmask) {
		nkops.nk_xirq_unmask(p->c->x);
		return NULL;
	}
	for (i = 0; i < 50 && p->c->in_waiter == seen; i++) {
		nkops.nk_xirq_trigger(p->c->x, 1);
		harness_sleep_ms(100);
	}
	return NULL;
}

static int direct_calls(struct direct_ctx *c, int n)
{
	long t0 = harness_now_ms();

	while (c->calls < n && harness_now_ms() - t0 < 2000)
		harness_sleep_ms(1);
	return c->calls;
}

static int xirq_direct_child(void *arg)
{
	static struct direct_ctx c;
	NkPhAddr loop = nkops.nk_vlink_lookup("loop", 0);
	struct direct_poke poke;
	pthread_t t;
	int n;

	(void)arg;
	CHECK(loop);
	c.x = nkops.nk_pxirq_alloc(loop, 0, 1, 1);
	CHECK(c.x && nkops.nk_xirq_attach(c.x, direct_handler, &c));
	c.waiter = pthread_self();
	poke.c = &c;
	/* Nothing triggered: the wait times out. */
	CHECK(nkddi_xirq_wait(c.x, 20) == 0 && c.calls == 0);
	/* A trigger while asleep: the handler runs here (twice over). */
	poke.unmask = 0;
	CHECK(!pthread_create(&t, NULL, direct_poker, &poke));
	CHECK(nkddi_xirq_wait(c.x, 5000) == 1 && c.in_waiter == 1);
	pthread_join(t, NULL);
	CHECK(!pthread_create(&t, NULL, direct_poker, &poke));
	CHECK(nkddi_xirq_wait(c.x, 5000) == 1 && c.in_waiter == 2);
	pthread_join(t, NULL);
	/* Consumed: the interrupt thread does not run the handler again. */
	n = c.calls;
	harness_sleep_ms(50);
	CHECK(c.calls == n);
	/* A wake ends the wait, also when it came first. */
	nkddi_xirq_wake(c.x);
	CHECK(nkddi_xirq_wait(c.x, 2000) == 0);
	/* Masked: the trigger stays pending; unmask ends the wait. */
	nkops.nk_xirq_mask(c.x);
	nkops.nk_xirq_trigger(c.x, 1);
	CHECK(nkddi_xirq_wait(c.x, 20) == 0 && c.calls == n);
	poke.unmask = 1;
	CHECK(!pthread_create(&t, NULL, direct_poker, &poke));
	CHECK(nkddi_xirq_wait(c.x, 2000) == 0);
	pthread_join(t, NULL);
	/* ... and the interrupt thread, serving it again, delivers it once. */
	CHECK(direct_calls(&c, n + 1) == n + 1);
	harness_sleep_ms(50);
	CHECK(c.calls == n + 1 && c.in_waiter == 2);
	nkops.nk_xirq_trigger(c.x, 1);
	CHECK(direct_calls(&c, n + 2) == n + 2 && c.in_waiter == 2);
	CHECK(!c.unmasked_in_handler && !c.not_in_irq);
	return 0;
}

static void test_xirq_direct_wait(void **state)
{
	run_vm(*state, 1, xirq_direct_child, NULL);
}

/* Triggers from the peer process reach the handler; many, none lost. */
static volatile int peer_calls;

static void count_handler(void *cookie, NkXIrq xirq)
{
	(void)cookie;
	(void)xirq;
	peer_calls++;
}

/* Pipes between the test and the owner VM. */
struct owner_pipes {
	int done[2]; /* the test closes it when it saw the dispatch counted */
	int attached[2]; /* the owner's handler is attached */
};

static int xirq_owner_child(void *arg)
{
	struct owner_pipes *p = arg;
	NkPhAddr ab = harness_find_vlink("ab", 0);
	struct pollfd done = { .fd = p->done[0], .events = POLLIN };
	long t0;
	NkXIrq x;
	char c = 0;

	close(p->done[1]);
	close(p->attached[0]);
	CHECK(ab);
	x = nkops.nk_pxirq_alloc(ab, 0, 1, 1);
	CHECK(x && nkops.nk_xirq_attach(x, count_handler, NULL));
	CHECK(write(p->attached[1], &c, 1) == 1);
	for (t0 = harness_now_ms(); !peer_calls && harness_now_ms() - t0 < 5000;)
		harness_sleep_ms(1);
	CHECK(peer_calls);
	/* Up until the test saw the dispatch counted in the status. */
	CHECK(poll(&done, 1, 10000) == 1);
	return 0;
}

static int xirq_sender_child(void *arg)
{
	NkPhAddr ab = harness_find_vlink("ab", 0);
	NkXIrq x;

	(void)arg;
	CHECK(ab);
	x = nkops.nk_pxirq_alloc(ab, 0, 1, 1);
	CHECK(x);
	nkops.nk_xirq_trigger(x, 1);
	CHECK(nkddi_last_error()[0] == 0);
	return 0;
}

static void test_xirq_between_vms(void **state)
{
	struct hv_proc *h = *state;
	struct owner_pipes p;
	long raised = 0, t0;
	pid_t owner;
	char c;

	assert_int_equal(pipe(p.done), 0);
	assert_int_equal(pipe(p.attached), 0);
	owner = harness_vm(h, 1, xirq_owner_child, &p);
	close(p.done[0]);
	close(p.attached[1]);
	assert_int_equal(read(p.attached[0], &c, 1), 1);
	run_vm(h, 2, xirq_sender_child, NULL);
	/* The XIRQ counter of the vlink shows the delivery, once the owner's
	 * interrupt thread counted it (after the handler returned). */
	for (t0 = harness_now_ms(); raised < 1 && harness_now_ms() - t0 < 5000;) {
		json_t *st = harness_status(h), *xs;

		xs = json_object_get(json_object_get(harness_vlink(st, "ab", 0),
						     "server"),
				     "xirqs");
		assert_int_equal(json_array_size(xs), 1);
		raised = (long)json_integer_value(
			json_object_get(json_array_get(xs, 0), "raised"));
		json_decref(st);
		if (raised < 1)
			harness_sleep_ms(5);
	}
	close(p.done[1]);
	close(p.attached[0]);
	assert_int_equal(harness_wait(owner, 5000), 0);
	assert_true(raised >= 1);
}

/* nkops used without joining and without NK_VM_SOCKET fails cleanly. */
static void test_unjoined_fails_cleanly(void **state)
{
	pid_t pid = fork();

	(void)state;
	if (pid == 0) {
		unsetenv("NK_VM_SOCKET");
		freopen("/dev/null", "w", stderr);
		if (nkops.nk_id_get() != 0 || nkops.nk_vlink_lookup("ab", 0) ||
		    nkops.nk_ptov(0x40000000))
			_exit(1);
		_exit(strstr(nkddi_last_error(), "not joined") ? 0 : 2);
	}
	assert_int_equal(harness_wait(pid, 5000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lookup_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lookup_loopback, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_alloc_idempotent_across_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_shared_with_peer,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pmem_survives_restart,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_handshake_server_first,
						pp_setup, teardown),
		cmocka_unit_test_setup_teardown(test_handshake_client_first,
						pp_setup, teardown),
		cmocka_unit_test_setup_teardown(test_handshake_simultaneous,
						pp_setup, teardown),
		cmocka_unit_test_setup_teardown(test_handshake_restart_storm,
						pp_setup, teardown),
		cmocka_unit_test_setup_teardown(test_pingpong_example, pp_setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_access_memory_and_xirqs,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_access_peer_state, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_busy_and_garbage, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_xirq_masked_in_handler,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_xirq_direct_wait, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_xirq_between_vms, setup,
						teardown),
		cmocka_unit_test(test_unjoined_fails_cleanly),
	};

	signal(SIGPIPE, SIG_IGN);
	if (getenv("TEST_FILTER"))
		cmocka_set_test_filter(getenv("TEST_FILTER"));
	return cmocka_run_group_tests_name("nkhv", tests, NULL, NULL);
}
