// SPDX-License-Identifier: GPL-2.0-only
/*
 * The NKDDI conformance suite (nk_conform.h) against libnkddi, in a
 * process VM of a real nkhv, and what only a process VM can show: the
 * repository and nk_xirq_alloc() across a restart of the VM, and
 * nk_running_ids_get() following a peer's end-point.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <cmocka.h>

#include "harness.h"
#include "nk_conform.h"

#define DTS NKDDI_TESTS_DIR "/conformance.dts"

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void report(int line, const char *what)
{
	fprintf(stderr, "nk_conform.h:%d: check failed: %s (%s)\n", line, what,
		nkddi_last_error());
}

static int setup(void **state)
{
	return harness_fixture_start(state, DTS);
}

static int teardown(void **state)
{
	return harness_fixture_stop(state);
}

static int suite_child(void *arg)
{
	struct nkc_env env = { .vlink = "conf", .sleep_ms = sleep_ms,
			       .report = report };

	(void)arg;
	return nkc_run(&env) ? 1 : 0;
}

static void test_suite(void **state)
{
	struct hv_proc *h = *state;

	assert_int_equal(harness_wait(harness_vm(h, 1, suite_child, NULL),
				      30000),
			 0);
}

/* First life: a device and an XIRQ; the second life finds both again. */
static int life_child(void *arg)
{
	int second = *(int *)arg;
	NkPhAddr p = 0, dev;
	NkDevDesc *d;
	NkXIrq x = nkops.nk_xirq_alloc(1);

	CHECK(x >= NK_XIRQ_FIRST_DYNAMIC);
	while ((p = nkops.nk_dev_lookup_by_type(NK_DEV_ID_SHM, p))) {
		d = nkops.nk_ptov(p);
		CHECK(d && d->dev_owner == 1 && d->class_header == x);
		CHECK(second);
		return 0;
	}
	CHECK(!second);
	dev = nkops.nk_dev_alloc(sizeof(NkDevDesc) + sizeof(NkDevShm));
	CHECK(dev);
	d = nkops.nk_ptov(dev);
	d->dev_id = NK_DEV_ID_SHM;
	d->class_header = x; /* remembered for the second life */
	d->dev_header = dev + sizeof(NkDevDesc);
	d->dev_owner = 1;
	nkops.nk_dev_add(dev);
	CHECK(nkops.nk_dev_lookup_by_type(NK_DEV_ID_SHM, 0) == dev);
	return 0;
}

static void test_restart(void **state)
{
	struct hv_proc *h = *state;
	int first = 0, second = 1;

	assert_int_equal(harness_wait(harness_vm(h, 1, life_child, &first),
				      20000),
			 0);
	assert_int_equal(harness_wait(harness_vm(h, 1, life_child, &second),
				      20000),
			 0);
}

/* VM 2 brings its "conf" end-point up, then waits to be killed. */
static int peer_child(void *arg)
{
	NkPhAddr p = nkops.nk_vlink_lookup("conf", 0);
	NkDevVlink *vl = p ? nkops.nk_ptov(p) : NULL;

	(void)arg;
	CHECK(vl && vl->c_id == 2);
	vl->c_state = NK_DEV_VLINK_RESET;
	nkops.nk_xirq_trigger(NK_XIRQ_SYSCONF, vl->s_id);
	for (;;)
		sleep_ms(1000);
	return 0;
}

static int running_child(void *arg)
{
	int up = *(int *)arg, t;

	CHECK(nkops.nk_running_ids_get() & 2);
	for (t = 0; t < 300; t++) {
		if (!!(nkops.nk_running_ids_get() & 4) == up)
			return 0;
		sleep_ms(10);
	}
	CHECK(!"VM 2's bit never followed its end-point");
	return 1;
}

static void test_running_ids(void **state)
{
	struct hv_proc *h = *state;
	int down = 0, up = 1;
	pid_t peer;

	assert_int_equal(harness_wait(harness_vm(h, 1, running_child, &down),
				      20000),
			 0);
	peer = harness_vm(h, 2, peer_child, NULL);
	assert_int_equal(harness_wait(harness_vm(h, 1, running_child, &up),
				      20000),
			 0);
	harness_kill(peer);
	assert_int_equal(harness_wait(harness_vm(h, 1, running_child, &down),
				      20000),
			 0);
}

/* A VM without vlinks has no repository and no XIRQ to allocate. */
static int lonely_child(void *arg)
{
	(void)arg;
	CHECK(nkops.nk_id_get() == 3);
	CHECK(!nkops.nk_dev_lookup_by_type(NK_DEV_ID_VLINK, 0));
	CHECK(!nkops.nk_dev_lookup_by_class(NK_DEV_CLASS_GEN, 0));
	CHECK(!nkops.nk_dev_alloc(64));
	nkops.nk_dev_add(0);
	CHECK(!nkops.nk_xirq_alloc(1));
	CHECK(nkops.nk_running_ids_get() == 8);
	return 0;
}

static void test_lonely(void **state)
{
	struct hv_proc *h = *state;

	assert_int_equal(harness_wait(harness_vm(h, 3, lonely_child, NULL),
				      20000),
			 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_suite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_running_ids, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lonely, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
