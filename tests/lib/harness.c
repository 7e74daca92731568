// SPDX-License-Identifier: GPL-2.0-only
/* Multi-process test harness; see harness.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nkddi/nkddi.h>
#include <nkhv/status_client.h>

#include "harness.h"

const char *harness_nkhv_bin(void)
{
	return NKHV_BIN;
}

const char *harness_examples_dir(void)
{
	return EXAMPLES_DIR;
}

long harness_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void harness_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int connect_ctl(struct hv_proc *h)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/nkhv.sock",
		     h->run_dir) >= (int)sizeof(sa.sun_path))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int harness_start(struct hv_proc *h, const char *dts)
{
	char path[512];
	long t0;
	int fd;

	snprintf(h->run_dir, sizeof(h->run_dir), "/tmp/nkhv-test-XXXXXX");
	if (!mkdtemp(h->run_dir))
		return -1;
	snprintf(h->log, sizeof(h->log), "%s/nkhv.log", h->run_dir);
	if (dts[0] == '/')
		snprintf(path, sizeof(path), "%s", dts);
	else
		snprintf(path, sizeof(path), "%s/%s", EXAMPLES_DIR, dts);
	h->pid = fork();
	if (h->pid < 0)
		return -1;
	if (h->pid == 0) {
		int log = open(h->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (log >= 0)
			dup2(log, 2);
		execl(NKHV_BIN, "nkhv", "--run-dir", h->run_dir, path,
		      (char *)NULL);
		_exit(127);
	}
	for (t0 = harness_now_ms(); harness_now_ms() - t0 < 10000;) {
		fd = connect_ctl(h);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (waitpid(h->pid, NULL, WNOHANG) == h->pid) {
			h->pid = 0;
			return -1;
		}
		harness_sleep_ms(5);
	}
	return -1;
}

void harness_stop(struct hv_proc *h)
{
	char cmd[600];

	if (h->pid > 0) {
		kill(h->pid, SIGTERM);
		if (harness_wait(h->pid, 5000) < 0)
			harness_kill(h->pid);
	}
	h->pid = 0;
	if (getenv("HARNESS_KEEP_LOGS")) {
		fprintf(stderr, "nkhv log kept in %s\n", h->log);
		return;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", h->run_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "harness: could not remove %s\n", h->run_dir);
}

int harness_fixture_start(void **state, const char *dts)
{
	struct hv_proc *h = calloc(1, sizeof(*h));

	if (!h || harness_start(h, dts) < 0) {
		free(h);
		return -1;
	}
	*state = h;
	return 0;
}

int harness_fixture_stop(void **state)
{
	harness_stop(*state);
	free(*state);
	*state = NULL;
	return 0;
}

pid_t harness_vm(struct hv_proc *h, NkOsId id, int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int err;

	if (pid != 0)
		return pid;
	err = nkddi_join_vm(h->run_dir, id);
	if (err)
		_exit(100 + (-err & 0x7f) % 100);
	_exit(fn(arg));
}

int harness_wait(pid_t pid, int timeout_ms)
{
	long t0 = harness_now_ms();
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) :
					       128 + WTERMSIG(st);
		if (r < 0 || harness_now_ms() - t0 > timeout_ms)
			return -1;
		harness_sleep_ms(2);
	}
}

void harness_kill(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

json_t *harness_status(struct hv_proc *h)
{
	char err[256];

	return nkhv_status_fetch(h->run_dir, err, sizeof(err));
}

json_t *harness_vlink(json_t *status, const char *name, int link)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(status, "vlinks"), i, v)
	{
		if (!strcmp(json_string_value(json_object_get(v, "name")),
			    name) &&
		    json_integer_value(json_object_get(v, "link")) == link)
			return v;
	}
	return NULL;
}

json_t *harness_vmstat(json_t *status, NkOsId id)
{
	json_t *v;
	size_t i;

	json_array_foreach(json_object_get(status, "vms"), i, v)
	{
		if (json_integer_value(json_object_get(v, "id")) == id)
			return v;
	}
	return NULL;
}

long harness_refusals(struct hv_proc *h, NkOsId id, const char *kind)
{
	json_t *st = harness_status(h), *vm;
	long n = -1;

	vm = st ? harness_vmstat(st, id) : NULL;
	if (vm)
		n = (long)json_integer_value(
			json_object_get(json_object_get(vm, "refusals"), kind));
	json_decref(st);
	return n;
}

long harness_wait_refusals(struct hv_proc *h, NkOsId id, const char *kind,
			   long n, int timeout_ms)
{
	long t0 = harness_now_ms(), r;

	while ((r = harness_refusals(h, id, kind)) < n &&
	       harness_now_ms() - t0 < timeout_ms)
		harness_sleep_ms(5);
	return r;
}

int harness_wait_states(struct hv_proc *h, const char *name, int link,
			const char *s, const char *c, int timeout_ms)
{
	long t0 = harness_now_ms();

	do {
		json_t *st = harness_status(h), *vl;
		int ok = 0;

		vl = st ? harness_vlink(st, name, link) : NULL;
		if (vl) {
			const char *ss = json_string_value(json_object_get(
				json_object_get(vl, "server"), "state"));
			const char *cs = json_string_value(json_object_get(
				json_object_get(vl, "client"), "state"));

			ok = ss && cs && !strcmp(ss, s) && !strcmp(cs, c);
		}
		json_decref(st);
		if (ok)
			return 0;
		harness_sleep_ms(5);
	} while (harness_now_ms() - t0 < timeout_ms);
	return -1;
}

NkPhAddr harness_find_vlink(const char *name, int link)
{
	NkPhAddr p = 0;

	while ((p = nkops.nk_vlink_lookup(name, p))) {
		NkDevVlink *vl = nkops.nk_ptov(p);

		if (vl && vl->link == link)
			return p;
	}
	return 0;
}
