/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Multi-process test harness: starts a real nkhv on a device tree in a
 * private run directory, forks VM processes that join it, and reads nkhv's
 * status document.
 */
#ifndef TESTS_HARNESS_H
#define TESTS_HARNESS_H

#include <stdbool.h>
#include <sys/types.h>

#include <jansson.h>
#include <stdio.h>

#include <nk/nkern.h>
#include <nkddi/nkddi.h>

/*
 * In a child process (a VM): on a failed condition, report it on stderr
 * with the line and libnkddi's last error, and return 1 (the exit status).
 */
#define CHECK(c)                                                             \
	do {                                                                 \
		if (!(c)) {                                                  \
			fprintf(stderr, "%s:%d: check failed: %s (%s)\n",    \
				__FILE__, __LINE__, #c, nkddi_last_error()); \
			return 1;                                            \
		}                                                            \
	} while (0)

struct hv_proc {
	pid_t pid;
	char run_dir[256];
	char log[300]; /* nkhv's stderr */
};

/* Paths baked in by CMake. */
const char *harness_nkhv_bin(void);
const char *harness_examples_dir(void);

/*
 * Start nkhv on `dts` (relative paths are under the examples directory)
 * and wait until it serves. Returns 0 or -1.
 */
int harness_start(struct hv_proc *h, const char *dts);

/* SIGTERM nkhv, reap it and remove the run directory. */
void harness_stop(struct hv_proc *h);

/*
 * Test fixtures: a fresh nkhv on `dts` in *state (a new struct hv_proc),
 * and its end. Return 0, or -1 when nkhv does not start.
 */
int harness_fixture_start(void **state, const char *dts);
int harness_fixture_stop(void **state);

/* In a VM: its descriptor of the first vlink `name` with link `link`, or 0. */
NkPhAddr harness_find_vlink(const char *name, int link);

/*
 * Fork a process that joins VM `id` and returns fn(arg) as its exit
 * status (a failed join exits with 100 + errno). Returns the pid.
 */
pid_t harness_vm(struct hv_proc *h, NkOsId id, int (*fn)(void *), void *arg);

/* Wait for `pid` to exit, up to `timeout_ms`; its exit status, or -1. */
int harness_wait(pid_t pid, int timeout_ms);

/* kill -9 and reap. */
void harness_kill(pid_t pid);

/* nkhv's status document (json_decref it), or NULL. */
json_t *harness_status(struct hv_proc *h);

/* A vlink object of the status by name and link, or NULL (borrowed). */
json_t *harness_vlink(json_t *status, const char *name, int link);

/* A VM object of the status by id, or NULL (borrowed). */
json_t *harness_vmstat(json_t *status, NkOsId id);

/* Refusal counter `kind` ("map", "xirq", ...) of VM `id`, or -1. */
long harness_refusals(struct hv_proc *h, NkOsId id, const char *kind);

/*
 * Wait until refusal counter `kind` of VM `id` reaches `n`, up to
 * `timeout_ms`; returns its last value (-1: no status).
 */
long harness_wait_refusals(struct hv_proc *h, NkOsId id, const char *kind,
			   long n, int timeout_ms);

/*
 * Wait until vlink name/link shows server state `s` and client state `c`
 * ("ON", "OFF", "RESET"), up to `timeout_ms`. Returns 0 or -1.
 */
int harness_wait_states(struct hv_proc *h, const char *name, int link,
			const char *s, const char *c, int timeout_ms);

/* Milliseconds since an arbitrary start. */
long harness_now_ms(void);

/* Sleep `ms` milliseconds. */
void harness_sleep_ms(long ms);

#endif /* TESTS_HARNESS_H */
