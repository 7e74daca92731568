// SPDX-License-Identifier: GPL-2.0-only
/*
 * Channel statistics. A running `earlydata produce|consume` serves them on
 * DIR/earlydata-vm<ID>.sock (one JSON document per connection); `earlydata
 * stat` collects them from every such socket of the run directory.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "earlydata.h"

static const char *role_name(int role)
{
	return role == ED_PRODUCER ? "producer" : "consumer";
}

char *edt_stat_json(void)
{
	json_t *arr = json_array();
	char *text;
	int i;

	for (i = 0; i < ed_channel_count(); i++) {
		struct ed_channel *ch = ed_channel_get(i);
		struct ed_channel_stats s;

		ed_stats(ch, &s);
		json_array_append_new(
			arr,
			json_pack("{s:s,s:i,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,"
				  "s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:s,s:s,s:I}",
				  "channel", ch->cfg.name, "link", ch->vl->link,
				  "role", role_name(ch->role), "policy",
				  ed_cfg_policy_name(ch->cfg.policy), "records",
				  (json_int_t)s.ring.records, "bytes",
				  (json_int_t)s.ring.bytes, "backlog_bytes",
				  (json_int_t)s.backlog_bytes, "dropped",
				  (json_int_t)s.ring.dropped, "overwritten",
				  (json_int_t)s.ring.overwritten, "lost",
				  (json_int_t)s.ring.lost, "loss_events",
				  (json_int_t)s.ring.loss_events, "notify_sent",
				  (json_int_t)s.ring.notify_sent,
				  "notify_suppressed",
				  (json_int_t)s.ring.notify_suppressed,
				  "faults", (json_int_t)s.ring.faults,
				  "blocked", (json_int_t)s.ring.blocked,
				  "link_resets", (json_int_t)s.link_resets,
				  "xirqs", (json_int_t)s.xirqs, "state",
				  nk_vlink_state_name(s.own_state),
				  "peer_state",
				  nk_vlink_state_name(s.peer_state), "epoch",
				  (json_int_t)s.epoch));
	}
	text = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return text;
}

static int srv_fd = -1;
/* Held while a document is built: edt_stat_stop waits for it. */
static pthread_mutex_t serve_lock = PTHREAD_MUTEX_INITIALIZER;
static bool stopped;

static void *serve(void *arg)
{
	(void)arg;
	for (;;) {
		int c = accept(srv_fd, NULL, NULL);
		char *text = NULL;

		if (c < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		pthread_mutex_lock(&serve_lock);
		if (!stopped)
			text = edt_stat_json();
		pthread_mutex_unlock(&serve_lock);
		/* A reader that went away is not an error of ours. */
		if (text)
			(void)!write(c, text, strlen(text));
		free(text);
		close(c);
	}
}

static int sock_path(struct sockaddr_un *sa, const char *dir, unsigned vm)
{
	sa->sun_family = AF_UNIX;
	return snprintf(sa->sun_path, sizeof(sa->sun_path),
			"%s/earlydata-vm%u.sock", dir,
			vm) >= (int)sizeof(sa->sun_path) ?
		       -1 :
		       0;
}

int edt_stat_serve(const char *run_dir, unsigned int vm)
{
	struct sockaddr_un sa;
	pthread_t t;

	if (sock_path(&sa, run_dir, vm)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	srv_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv_fd < 0)
		return -1;
	/* We hold the VM id, so a socket left here is from a dead holder. */
	unlink(sa.sun_path);
	if (bind(srv_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(srv_fd, 4) || pthread_create(&t, NULL, serve, NULL)) {
		close(srv_fd);
		srv_fd = -1;
		return -1;
	}
	pthread_detach(t);
	return 0;
}

/* No document is built any more: the channels may go (ed_exit). */
void edt_stat_stop(void)
{
	pthread_mutex_lock(&serve_lock);
	stopped = true;
	pthread_mutex_unlock(&serve_lock);
}

/* Fetch one process's document; NULL when nobody answers. */
static json_t *fetch(const char *dir, unsigned int vm)
{
	struct sockaddr_un sa;
	char buf[65536];
	size_t n = 0;
	ssize_t r;
	int fd;

	if (sock_path(&sa, dir, vm))
		return NULL;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return NULL;
	}
	while (n < sizeof(buf) - 1 &&
	       (r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = 0;
	return json_loads(buf, 0, NULL);
}

int edt_stat(struct edt_opts *o)
{
	json_t *all = json_array(), *doc, *c;
	unsigned int vm;
	size_t i;
	int found = 0;

	for (vm = 1; vm <= 32; vm++) {
		if (o->vm && vm != o->vm)
			continue;
		doc = fetch(o->run_dir, vm);
		if (!json_is_array(doc)) {
			json_decref(doc);
			continue;
		}
		found++;
		json_array_foreach(doc, i, c)
		{
			json_object_set_new(c, "vm", json_integer(vm));
			json_array_append(all, c);
		}
		json_decref(doc);
	}
	if (o->json) {
		json_dumpf(all, stdout, JSON_INDENT(2));
		putchar('\n');
	} else {
		printf("%-3s %-10s %-8s %-16s %10s %12s %10s %8s %8s %10s %10s "
		       "%6s %s\n",
		       "VM", "CHANNEL", "ROLE", "POLICY", "RECORDS", "BYTES",
		       "BACKLOG", "DROPPED", "LOST", "XIRQ-SENT", "SUPPRESSED",
		       "FAULTS", "LINK");
		json_array_foreach(all, i, c)
		{
			const char *role =
				json_string_value(json_object_get(c, "role"));
			bool prod = role && !strcmp(role, "producer");

			printf("%-3lld %-10s %-8s %-16s %10lld %12lld %10lld "
			       "%8lld %8lld %10lld %10lld %6lld %s/%s\n",
			       json_integer_value(json_object_get(c, "vm")),
			       json_string_value(json_object_get(c, "channel")),
			       role,
			       json_string_value(json_object_get(c, "policy")),
			       json_integer_value(
				       json_object_get(c, "records")),
			       json_integer_value(json_object_get(c, "bytes")),
			       json_integer_value(
				       json_object_get(c, "backlog_bytes")),
			       json_integer_value(json_object_get(
				       c, prod ? "dropped" : "loss_events")),
			       json_integer_value(json_object_get(c, "lost")),
			       json_integer_value(
				       json_object_get(c, "notify_sent")),
			       json_integer_value(
				       json_object_get(c, "notify_suppressed")),
			       json_integer_value(json_object_get(c, "faults")),
			       json_string_value(json_object_get(c, "state")),
			       json_string_value(
				       json_object_get(c, "peer_state")));
		}
		if (!found)
			printf("(no earlydata process running in %s)\n",
			       o->run_dir);
	}
	json_decref(all);
	return 0;
}
