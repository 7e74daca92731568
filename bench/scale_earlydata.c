// SPDX-License-Identifier: GPL-2.0-only
/*
 * Many Earlydata channels between the same two process VMs at once:
 *
 *   scale_earlydata RUN_DIR CHANNELS COUNT SAMPLES
 *
 * The system (written by bench/run.sh) has CHANNELS block-policy
 * channels s0, s1, ... from VM 1 to VM 2, each with a small ring. One
 * producer process (VM 1, CPU 0) and one consumer process (VM 2, CPU 1)
 * serve them all, each from one thread:
 *
 * - stream: the producer writes COUNT records of 64 B, one to each
 *   channel in turn (ed_user_write, waiting for space); the consumer
 *   goes round the channels and takes whatever each holds (copying
 *   read, timeout 0), checking every record's index on its channel.
 *   Aggregate records/s, CPU per record, and the age of every 16th
 *   record when taken (now - its time stamp): the latency at saturation.
 * - paced: SAMPLES records, one in flight at a time, about 20 µs apart,
 *   each on the next channel in turn; the consumer polls the channels
 *   round and round. One way = receive - send time.
 *
 * Memory: the PMEM of each channel's vlink and the PDEV bytes the device
 * tree gives it (its descriptor and info string, in each of the two
 * VMs), read from the descriptors; the driver's own state per channel
 * in each VM (struct ed_channel).
 * When the driver refuses the system (more channels in a VM than it
 * takes), one line with mode "refused" and the driver's message.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nkddi/nkddi.h>

#include "bench_common.h"
#include "ed_bench.h"

#define SIZE 64u
#define WARMUP 1000u
#define LAT_EVERY 16u
#define GAP_US 20u
#define PACED_WARMUP 200u

static struct ed_channel **chans;
static unsigned int nch;

/* Join VM `vm`, start the driver and find s0..s(nch-1) in `role`. */
static int open_all(const char *run_dir, unsigned int vm, int role, char *err,
		    size_t errlen)
{
	char name[32];
	unsigned int k;

	if (nkddi_join_vm(run_dir, vm)) {
		snprintf(err, errlen, "cannot join VM %u: %s", vm,
			 nkddi_last_error());
		return -1;
	}
	if (ed_user_init(err, errlen) < 0)
		return -2;
	for (k = 0; k < nch; k++) {
		snprintf(name, sizeof(name), "s%u", k);
		chans[k] = ed_channel_find(name, role);
		if (!chans[k]) {
			snprintf(err, errlen, "VM %u has no channel %s", vm,
				 name);
			return -1;
		}
	}
	return 0;
}

/* Wait for a flag, or fail when the consumer process is gone. */
static int wait_flag(struct bench_ctl *ctl, volatile uint64_t *flag,
		     uint64_t v, pid_t pid)
{
	unsigned int n = 0;
	int st;

	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) < v) {
		if (!(++n & 0xfffff) && waitpid(pid, &st, WNOHANG) == pid) {
			ctl->cons_errors = WIFEXITED(st) ? WEXITSTATUS(st) : 99;
			return -1;
		}
		bench_cpu_relax();
	}
	return 0;
}

static int consumer(struct bench_ctl *ctl, const char *run_dir,
		    uint64_t count, uint64_t samples)
{
	static unsigned char buf[ED_MAX_RECORD_MAX];
	uint64_t *expect = calloc(nch, sizeof(*expect));
	uint64_t *sat = calloc(count / LAT_EVERY + 2, sizeof(*sat));
	uint64_t *lat = calloc(samples, sizeof(*lat));
	uint64_t got = 0, nsat = 0, errors = 0, c0 = 0, idx, t0, t1, s;
	unsigned int k, j, idle;
	char err[256], leg[16];
	struct ed_msg m;
	int r;

	bench_pin(1); /* before joining: the XIRQ thread inherits it */
	if (!expect || !sat || !lat)
		return 1;
	r = open_all(run_dir, EDB_CONSUMER_VM, ED_CONSUMER, err, sizeof(err));
	if (r < 0)
		return r == -2 ? 3 : 1;
	for (k = 0; k < nch; k++)
		if (edb_settle(chans[k]) < 0)
			return 1;
	__atomic_store_n(&ctl->ready, 1, __ATOMIC_RELEASE);
	/* stream: warm-up, then COUNT records timed */
	while (got < WARMUP + count) {
		idle = 1;
		for (k = 0; k < nch; k++) {
			for (j = 0; j < 64; j++) {
				r = ed_user_next(chans[k], &m, buf,
						 sizeof(buf), ED_USER_READ, 0);
				if (r > 0 && r != ED_MSG_RECORD)
					r = -1000 - r; /* a loss: never here */
				if (r != ED_MSG_RECORD)
					break;
				memcpy(&idx, m.data, sizeof(idx));
				errors += m.len != SIZE || idx != expect[k];
				expect[k]++;
				if (++got == WARMUP) {
					c0 = bench_cpu_ns();
					__atomic_store_n(&ctl->ready, 2,
							 __ATOMIC_RELEASE);
				} else if (got > WARMUP &&
					   !(got % LAT_EVERY)) {
					t1 = bench_now_ns();
					sat[nsat++] = t1 - m.ts_ns;
				}
			}
			if (r < 0) {
				fprintf(stderr, "scale_earlydata: channel "
						"s%u: %d\n", k, r);
				return 1;
			}
			idle &= j == 0;
		}
		if (idle)
			bench_cpu_relax();
	}
	ctl->t_end = bench_now_ns();
	ctl->cons_cpu_ns = bench_cpu_ns() - c0;
	ctl->cons_errors = errors;
	__atomic_store_n(&ctl->done, 1, __ATOMIC_RELEASE);
	/* paced: one record at a time, on the next channel in turn */
	k = 0;
	for (s = 0; s < PACED_WARMUP + samples;) {
		r = ed_user_next(chans[k], &m, buf, sizeof(buf), ED_USER_READ,
				 0);
		if (r == ED_MSG_RECORD) {
			t1 = bench_now_ns();
			memcpy(&t0, buf, sizeof(t0));
			if (s >= PACED_WARMUP)
				lat[s - PACED_WARMUP] = t1 - t0;
			__atomic_store_n(&ctl->ack, ++s, __ATOMIC_RELEASE);
		} else if (r != ED_MSG_NONE) {
			fprintf(stderr, "scale_earlydata: paced: %d\n", r);
			return 1;
		}
		if (++k == nch)
			k = 0;
	}
	snprintf(leg, sizeof(leg), "%u", nch);
	bench_report_lat("earlydata-scale", "saturated", leg, SIZE, sat, nsat);
	bench_report_lat("earlydata-scale", "paced", leg, SIZE, lat, samples);
	ed_exit();
	return 0;
}

/* PDEV bytes of one vlink in one VM: its descriptor and info strings. */
static uint64_t pdev_bytes(const NkDevVlink *vl)
{
	uint64_t n = sizeof(*vl);
	const char *s;

	if (vl->s_info && (s = nkops.nk_ptov(vl->s_info)))
		n += strlen(s) + 1;
	if (vl->c_info && (s = nkops.nk_ptov(vl->c_info)))
		n += strlen(s) + 1;
	return n;
}

int main(int argc, char **argv)
{
	struct bench_ctl *ctl = bench_ctl_new();
	uint64_t count = argc == 5 ? strtoull(argv[3], NULL, 0) : 0;
	uint64_t samples = argc == 5 ? strtoull(argv[4], NULL, 0) : 0;
	uint64_t i, c0, t0, *seq, pmem = 0, pdev = 0;
	unsigned char buf[SIZE];
	char err[256], leg[16];
	unsigned int k;
	pid_t pid;
	int r;

	nch = argc == 5 ? (unsigned int)strtoul(argv[2], NULL, 0) : 0;
	if (!nch || nch > 4096 || !count || !samples) {
		fprintf(stderr, "usage: scale_earlydata RUN_DIR CHANNELS COUNT "
				"SAMPLES\n");
		return 2;
	}
	chans = calloc(nch, sizeof(*chans));
	seq = calloc(nch, sizeof(*seq));
	if (!chans || !seq)
		return 1;
	snprintf(leg, sizeof(leg), "%u", nch);
	bench_fill(buf, sizeof(buf), 7);
	pid = fork();
	if (!pid)
		_exit(consumer(ctl, argv[1], count, samples));
	bench_pin(0);
	r = open_all(argv[1], EDB_PRODUCER_VM, ED_PRODUCER, err, sizeof(err));
	if (r == -2) {
		/* The driver refuses this many channels: say so, no figure. */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		for (char *p = err; *p; p++)
			if (*p == '"' || *p == '\\')
				*p = '\'';
		bench_json_begin("scale", "earlydata", "refused", SIZE);
		bench_json_s("leg", leg);
		bench_json_u64("channels", nch);
		bench_json_s("error", err);
		bench_json_end();
		return 0;
	}
	if (r < 0) {
		fprintf(stderr, "scale_earlydata: %s\n", err);
		kill(pid, SIGKILL);
		return 1;
	}
	for (k = 0; k < nch; k++) {
		pmem += chans[k]->pmem_size;
		pdev += 2 * pdev_bytes(chans[k]->vl); /* both VMs' copies */
	}
	if (wait_flag(ctl, &ctl->ready, 1, pid))
		goto failed;
	for (i = 0; i < WARMUP; i++) {
		k = (unsigned int)(i % nch);
		memcpy(buf, &seq[k], sizeof(seq[k]));
		seq[k]++;
		edb_write(chans[k], buf, SIZE);
	}
	if (wait_flag(ctl, &ctl->ready, 2, pid))
		goto failed;
	c0 = bench_cpu_ns();
	ctl->t_start = bench_now_ns();
	for (; i < WARMUP + count; i++) {
		k = (unsigned int)(i % nch);
		memcpy(buf, &seq[k], sizeof(seq[k]));
		seq[k]++;
		edb_write(chans[k], buf, SIZE);
	}
	c0 = bench_cpu_ns() - c0;
	if (wait_flag(ctl, &ctl->done, 1, pid))
		goto failed;
	for (i = 0; i < PACED_WARMUP + samples; i++) {
		bench_gap(GAP_US);
		t0 = bench_now_ns();
		memcpy(buf, &t0, sizeof(t0));
		edb_write(chans[i % nch], buf, SIZE);
		if (wait_flag(ctl, &ctl->ack, i + 1, pid))
			goto failed;
	}
	if (bench_wait_child(pid) || ctl->cons_errors) {
		fprintf(stderr, "scale_earlydata: consumer failed (%llu bad)\n",
			(unsigned long long)ctl->cons_errors);
		return 1;
	}
	ed_exit();
	bench_json_begin("scale", "earlydata", "stream", SIZE);
	bench_json_s("leg", leg);
	bench_json_u64("channels", nch);
	bench_json_u64("records", count);
	bench_json_u64("ns", ctl->t_end - ctl->t_start);
	bench_json_f("records_per_s", (double)count * 1e9 /
					      (double)(ctl->t_end - ctl->t_start));
	bench_json_f("prod_cpu_ns_per_record", (double)c0 / (double)count);
	bench_json_f("cons_cpu_ns_per_record",
		     (double)ctl->cons_cpu_ns / (double)count);
	bench_json_u64("pmem_bytes_per_channel", pmem / nch);
	bench_json_u64("pdev_bytes_per_channel", pdev / nch);
	bench_json_u64("driver_bytes_per_channel", sizeof(struct ed_channel));
	bench_json_end();
	return 0;
failed:
	fprintf(stderr, "scale_earlydata: the consumer process failed (%llu)\n",
		(unsigned long long)ctl->cons_errors);
	return 1;
}
