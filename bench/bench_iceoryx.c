// SPDX-License-Identifier: GPL-2.0-only
/*
 * iceoryx publish/subscribe through its C binding, between two processes
 * registered with the RouDi that bench/run.sh starts:
 *
 *   bench_iceoryx tput copy|peek SIZE COUNT
 *   bench_iceoryx lat sleep|poll SIZE COUNT
 *
 * The publisher (CPU 0) loans a chunk, copies the record into it (as
 * ed_write copies the caller's buffer) and publishes; it waits for the
 * subscriber when its queue is full (nothing is lost, as with the block
 * policy). The subscriber (CPU 1) takes each chunk and copies it out
 * (copy) or reads every byte in place (peek: a 64-bit sum, cheaper than
 * the CRC Earlydata checks), then releases it; when the
 * queue is empty it sleeps in a waitset. For latency the send time is put
 * in the chunk; a sleeping subscriber waits in iox_ws_wait(), a polling
 * one calls iox_sub_take_chunk() in a loop.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <iceoryx_binding_c/publisher.h>
#include <iceoryx_binding_c/runtime.h>
#include <iceoryx_binding_c/subscriber.h>
#include <iceoryx_binding_c/wait_set.h>

#include "bench_common.h"

#define WARMUP_TPUT 1000
#define WARMUP_LAT 200
#define GAP_US 100
#define QUEUE 256

struct run {
	struct bench_ctl *ctl;
	int lat; /* latency run, else throughput */
	int flag; /* copy/poll */
	uint32_t size;
	uint64_t count, warmup;
};

static void runtime(const char *role)
{
	char name[64];

	snprintf(name, sizeof(name), "bench-%s-%d", role, (int)getpid());
	iox_runtime_init(name);
}

/* Take the next chunk; sleeping in the waitset unless polling. */
static const void *take(iox_sub_t sub, iox_ws_t ws, int poll)
{
	iox_notification_info_t info[1];
	const void *p;
	uint64_t missed;

	while (iox_sub_take_chunk(sub, &p) != ChunkReceiveResult_SUCCESS)
		if (!poll)
			iox_ws_wait(ws, info, 1, &missed);
	return p;
}

static volatile uint64_t sink;

static int subscriber(struct run *r)
{
	iox_sub_storage_t sub_st;
	iox_ws_storage_t ws_st;
	iox_sub_options_t o;
	uint64_t i, c0 = 0, t0, idx, errors = 0;
	uint64_t *lat = calloc(r->count, sizeof(*lat));
	unsigned char *buf = malloc(r->size);
	const void *p;
	iox_sub_t sub;
	iox_ws_t ws;
	int poll = r->lat && r->flag;

	bench_pin(1);
	runtime("sub");
	iox_sub_options_init(&o);
	o.queueCapacity = QUEUE;
	o.historyRequest = 0;
	o.queueFullPolicy = QueueFullPolicy_BLOCK_PRODUCER;
	sub = iox_sub_init(&sub_st, "bench", "records", "data", &o);
	ws = iox_ws_init(&ws_st);
	if (!lat || !buf ||
	    iox_ws_attach_subscriber_state(ws, sub, SubscriberState_HAS_DATA, 0,
					   NULL) != WaitSetResult_SUCCESS)
		return 1;
	while (iox_sub_get_subscription_state(sub) != SubscribeState_SUBSCRIBED)
		usleep(1000);
	__atomic_store_n(&r->ctl->ready, 1, __ATOMIC_RELEASE);
	for (i = 0; i < r->warmup + r->count; i++) {
		if (i == r->warmup) {
			c0 = bench_cpu_ns();
			__atomic_store_n(&r->ctl->ready, 2, __ATOMIC_RELEASE);
		}
		p = take(sub, ws, poll);
		if (r->lat) {
			t0 = bench_now_ns() - *(const uint64_t *)p;
			if (i >= r->warmup)
				lat[i - r->warmup] = t0;
			iox_sub_release_chunk(sub, p);
			__atomic_store_n(&r->ctl->ack, i + 1, __ATOMIC_RELEASE);
			continue;
		}
		if (r->flag) { /* copy out */
			memcpy(buf, p, r->size);
			memcpy(&idx, buf, sizeof(idx));
		} else { /* read every byte in place, as a reader does */
			memcpy(&idx, p, sizeof(idx));
			sink += bench_touch(p, r->size);
		}
		if (idx != i)
			errors++;
		iox_sub_release_chunk(sub, p);
	}
	r->ctl->t_end = bench_now_ns();
	r->ctl->cons_cpu_ns = bench_cpu_ns() - c0;
	r->ctl->cons_errors = errors;
	if (r->lat)
		bench_report_lat("iceoryx", poll ? "poll" : "sleep",
				 "write-to-wake", r->size, lat, r->count);
	iox_ws_detach_subscriber_state(ws, sub, SubscriberState_HAS_DATA);
	iox_ws_deinit(ws);
	iox_sub_deinit(sub);
	iox_runtime_shutdown();
	return 0;
}

/* Loan a chunk, copy the record in, publish. */
static void publish(iox_pub_t pub, const unsigned char *buf, uint32_t size)
{
	void *chunk;

	while (iox_pub_loan_chunk(pub, &chunk, size) !=
	       AllocationResult_SUCCESS)
		sched_yield(); /* every chunk in use: the subscriber is behind */
	memcpy(chunk, buf, size);
	iox_pub_publish_chunk(pub, chunk);
}

/*
 * Publish sample i: its index (throughput), or the time of sending after a
 * gap, then wait for the subscriber's acknowledgement (latency).
 */
static void publish_one(struct run *r, iox_pub_t pub, unsigned char *buf,
			uint64_t i)
{
	uint64_t t0;

	if (r->lat) {
		bench_gap(GAP_US);
		t0 = bench_now_ns();
		memcpy(buf, &t0, sizeof(t0));
	} else {
		memcpy(buf, &i, sizeof(i));
	}
	publish(pub, buf, r->size);
	if (r->lat)
		bench_wait_flag(&r->ctl->ack, i + 1);
}

static int publisher(struct run *r, pid_t child)
{
	iox_pub_storage_t pub_st;
	iox_pub_options_t o;
	unsigned char *buf = malloc(r->size);
	uint64_t i, c0;
	iox_pub_t pub;

	if (!buf)
		return 1;
	bench_fill(buf, r->size, 13);
	bench_pin(0);
	runtime("pub");
	iox_pub_options_init(&o);
	o.historyCapacity = 0;
	o.subscriberTooSlowPolicy = ConsumerTooSlowPolicy_WAIT_FOR_CONSUMER;
	pub = iox_pub_init(&pub_st, "bench", "records", "data", &o);
	bench_wait_flag(&r->ctl->ready, 1);
	while (!iox_pub_has_subscribers(pub))
		usleep(1000);
	for (i = 0; i < r->warmup; i++) {
		publish_one(r, pub, buf, i);
	}
	bench_wait_flag(&r->ctl->ready, 2);
	c0 = bench_cpu_ns();
	r->ctl->t_start = bench_now_ns();
	for (; i < r->warmup + r->count; i++) {
		publish_one(r, pub, buf, i);
	}
	c0 = bench_cpu_ns() - c0;
	if (bench_wait_child(child) || r->ctl->cons_errors) {
		fprintf(stderr, "bench_iceoryx: subscriber failed\n");
		return 1;
	}
	if (!r->lat)
		bench_report_tput("throughput", "iceoryx",
				  r->flag ? "copy" : "peek", r->size, r->count,
				  r->ctl->t_end - r->ctl->t_start, c0,
				  r->ctl->cons_cpu_ns);
	iox_pub_deinit(pub);
	iox_runtime_shutdown();
	return 0;
}

int main(int argc, char **argv)
{
	struct run r = { .ctl = bench_ctl_new() };
	pid_t pid;

	if (argc != 5)
		goto usage;
	r.lat = !strcmp(argv[1], "lat");
	r.size = bench_parse_size(argv[3]);
	r.count = strtoull(argv[4], NULL, 0);
	if (r.lat)
		r.flag = !strcmp(argv[2], "poll");
	else
		r.flag = !strcmp(argv[2], "copy");
	if ((!r.lat && strcmp(argv[1], "tput")) || r.size < 8 || !r.count ||
	    (!r.flag && strcmp(argv[2], r.lat ? "sleep" : "peek")))
		goto usage;
	r.warmup = r.lat ? WARMUP_LAT : WARMUP_TPUT;
	pid = fork();
	if (!pid)
		exit(subscriber(&r)); /* exit(): the runtime deregisters */
	return publisher(&r, pid);
usage:
	fprintf(stderr, "usage: bench_iceoryx tput copy|peek SIZE COUNT\n"
			"       bench_iceoryx lat sleep|poll SIZE COUNT\n");
	return 2;
}
