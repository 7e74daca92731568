// SPDX-License-Identifier: GPL-2.0-only
/*
 * Check one channel's stream in a file written by `earlydata consume
 * --json` or `--output`, strictly, and say where it is wrong:
 *
 * - every line is a complete JSON message; one epoch (no reset);
 * - every message starts at the sequence number the previous one ended
 *   at, from 0: records delivered once, in order; losses exact, never
 *   overlapping a record, of the policy's reason only (block: none);
 * - every record's payload is, byte for byte, the one `earlydata produce
 *   --generate` or stress_gen wrote for its record number n;
 * - producer restarts: within one producer run seq - n is constant, and
 *   it only grows from run to run (no record of an earlier run after a
 *   later one); stress_gen's run numbers agree.
 *
 * usage: stress_verify FILE CHANNEL --policy POLICY [--record-max N]
 *                      [--end SEQ] [--records N] [--dropped N]
 *                      [--final-run M]
 *   --record-max	the channel's record_max (to rebuild stress_gen pads)
 *   --end		the producer spent exactly SEQ sequence numbers
 *   --records	exactly N records delivered
 *   --dropped	the producer reported N records dropped (drop-new)
 *   --final-run	the stream ends with a whole producer run of M records
 * Prints the problems (the first few of each kind) with their line
 * numbers, then a summary line with the count of each kind; exits 1 if
 * there is any.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stress_payload.h"

/* What can be wrong, counted apart; a few of each are shown. */
enum kind {
	K_LINE, /* a line that is not a complete JSON message */
	K_EPOCH, /* a message of another epoch (a reset) */
	K_REASON, /* a loss of a reason the policy never has, or inexact */
	K_DUP, /* a record or loss covering seqs already covered */
	K_GAP, /* seqs neither delivered nor reported lost */
	K_PAYLOAD, /* a record whose bytes are not the ones written */
	K_RUN, /* a record out of its producer run's order */
	K_END, /* the stream's end, counts */
	K_MAX
};
static const char *const kind_names[K_MAX] = {
	"corrupt-lines", "epoch-changes",   "wrong-losses", "duplicates",
	"gaps",		 "corrupt-records", "run-order",    "totals"
};
#define SHOW 4 /* of each kind */

static long long kinds[K_MAX];

__attribute__((format(printf, 3, 4))) static void
problem(enum kind k, long line, const char *fmt, ...)
{
	va_list ap;

	if (kinds[k]++ >= SHOW) {
		if (kinds[k] == SHOW + 1)
			printf("  (more %s not shown)\n", kind_names[k]);
		return;
	}
	printf("  line %ld: ", line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* At most 60 characters of s from `at`, printable. */
static const char *excerpt(const char *s, size_t len, size_t at)
{
	static char out[4][64];
	static int k;
	char *o = out[k++ & 3];
	size_t i, n = 0;

	for (i = at; i < len && n < 60; i++)
		o[n++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	o[n] = 0;
	return o;
}

static long long get_int(json_t *o, const char *key, int *ok)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v)) {
		*ok = 0;
		return -1;
	}
	return json_integer_value(v);
}

struct expect {
	const char *channel;
	int policy; /* 0 block, 1 drop-new, 2 overwrite-oldest */
	long rmax;
};

/* The payload of a record: the generated one for its n (and run)? */
static void check_payload(long line, const struct expect *x, long long seq,
			  const char *data, size_t len, long long *n,
			  long long *run)
{
	static char want[1 << 21];
	json_t *j = json_loadb(data, len, 0, NULL);
	const char *ch;
	size_t i, wl;
	int ok = 1, r;

	*n = -1;
	*run = -1;
	if (!json_is_object(j)) {
		problem(K_PAYLOAD, line,
			"seq %lld: payload is not the generated JSON: '%s'",
			seq, excerpt(data, len, 0));
		json_decref(j);
		return;
	}
	ch = json_string_value(json_object_get(j, "ch"));
	*n = get_int(j, "n", &ok);
	if (json_object_get(j, "run"))
		*run = get_int(j, "run", &ok);
	if (!ok || !ch || *n < 0 || strcmp(ch, x->channel)) {
		problem(K_PAYLOAD, line,
			"seq %lld: payload without a valid ch/n/run: '%s'", seq,
			excerpt(data, len, 0));
		json_decref(j);
		*n = -1;
		return;
	}
	json_decref(j);
	ch = x->channel;
	if (*run >= 0) {
		if (x->rmax <= 0) {
			problem(K_PAYLOAD, line,
				"stress_gen payload: --record-max needed");
			return;
		}
		r = stress_payload(want, sizeof(want), ch, *run, *n, x->rmax);
	} else {
		r = ed_gen_payload(want, sizeof(want), ch, (long)*n);
	}
	if (r < 0) {
		problem(K_PAYLOAD, line,
			"seq %lld: cannot rebuild the payload of n %lld", seq,
			*n);
		return;
	}
	wl = (size_t)r;
	for (i = 0; i < len && i < wl && data[i] == want[i]; i++)
		;
	if (i != len || i != wl)
		problem(K_PAYLOAD, line,
			"seq %lld: payload of n %lld (run %lld) corrupt at byte "
			"%zu of %zu (expected %zu bytes): got '%s', want '%s'",
			seq, *n, *run, i, len, wl, excerpt(data, len, i),
			excerpt(want, wl, i));
}

static const char *policy_names[] = { "block", "drop-new", "overwrite-oldest" };
static const char *reason_of_policy[] = { NULL, "dropped", "overwritten" };

int main(int argc, char **argv)
{
	long long expect = 0, records = 0, lost = 0, events = 0, runs = 0,
		  epoch = -1, cur_base = -1, cur_run = -1, last_run_id = -1,
		  run_records = 0, run_first_n = -1, last_n = -1, want_end = -1,
		  want_records = -1, want_dropped = -1, final_run = -1,
		  by_reason[5] = { 0 }, epochs = 0;
	static const char *reasons[] = { "?", "dropped", "overwritten",
					 "corrupt", "reset" };
	struct expect x = { .policy = -1 };
	int last_is_record = 0, i, ok;
	char *line = NULL;
	size_t cap = 0;
	ssize_t got;
	long lineno = 0;
	FILE *f;

	if (argc < 3)
		goto usage;
	x.channel = argv[2];
	for (i = 3; i < argc; i++) {
		const char *o = argv[i];
		long long *v = NULL;

		if (i + 1 >= argc)
			goto usage;
		if (!strcmp(o, "--policy")) {
			for (x.policy = 2; x.policy >= 0; x.policy--)
				if (!strcmp(argv[i + 1],
					    policy_names[x.policy]))
					break;
			if (x.policy < 0)
				goto usage;
			i++;
			continue;
		}
		if (!strcmp(o, "--record-max")) {
			x.rmax = atol(argv[++i]);
			continue;
		}
		if (!strcmp(o, "--end"))
			v = &want_end;
		else if (!strcmp(o, "--records"))
			v = &want_records;
		else if (!strcmp(o, "--dropped"))
			v = &want_dropped;
		else if (!strcmp(o, "--final-run"))
			v = &final_run;
		else
			goto usage;
		*v = atoll(argv[++i]);
	}
	if (x.policy < 0)
		goto usage;
	f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	while ((got = getline(&line, &cap, f)) > 0) {
		json_t *j, *loss, *d;
		const char *ch;
		long long e, seq, n, run, base;

		lineno++;
		if (line[got - 1] != '\n') {
			problem(K_LINE, lineno, "unterminated last line: '%s'",
				excerpt(line, (size_t)got, 0));
			break;
		}
		j = json_loadb(line, (size_t)got, 0, NULL);
		ch = json_string_value(json_object_get(j, "channel"));
		if (!json_is_object(j) || !ch) {
			problem(K_LINE, lineno, "not a JSON message: '%s'",
				excerpt(line, (size_t)got, 0));
			json_decref(j);
			continue;
		}
		if (strcmp(ch, x.channel)) {
			json_decref(j);
			continue;
		}
		ok = 1;
		e = get_int(j, "epoch", &ok);
		if (e != epoch) {
			epochs++;
			if (epoch >= 0)
				problem(K_EPOCH, lineno,
					"epoch %lld after epoch %lld: the "
					"producer formatted a new ring",
					e, epoch);
			epoch = e;
		}
		loss = json_object_get(j, "loss");
		if (loss) {
			long long first = get_int(loss, "first", &ok),
				  count = get_int(loss, "count", &ok);
			const char *r = json_string_value(
				json_object_get(loss, "reason"));
			const char *want = reason_of_policy[x.policy];
			int k;

			events++;
			for (k = 4; k > 0 && (!r || strcmp(r, reasons[k])); k--)
				;
			by_reason[k] += count > 0 ? count : 0;
			lost += count > 0 ? count : 0;
			if (!ok || first < 0 || count <= 0) {
				problem(K_REASON, lineno,
					"loss event with first %lld count "
					"%lld (%s): not an exact loss",
					first, count, r ? r : "no reason");
			}
			if (!want || !r || strcmp(r, want)) {
				problem(K_REASON, lineno,
					"loss [%lld, +%lld) reason %s under "
					"%s: %s",
					first, count, r ? r : "none",
					policy_names[x.policy],
					want ? "only its own reason may occur" :
					       "block never loses");
			}
			if (first != expect) {
				problem(first < expect ? K_DUP : K_GAP, lineno,
					"loss [%lld, +%lld) where seq %lld "
					"was expected: %s",
					first, count, expect,
					first < expect ?
						"it overlaps what came before" :
						"silent gap before it");
			}
			if (count > 0 && first + count > expect)
				expect = first + count;
			last_is_record = 0;
			json_decref(j);
			continue;
		}
		seq = get_int(j, "seq", &ok);
		d = json_object_get(j, "data");
		if (!ok || seq < 0) {
			problem(K_LINE, lineno,
				"record without a valid seq/epoch: '%s'",
				excerpt(line, (size_t)got, 0));
			json_decref(j);
			continue;
		}
		records++;
		if (seq != expect) {
			problem(seq < expect ? K_DUP : K_GAP, lineno,
				"record seq %lld where %lld was expected: %s",
				seq, expect,
				seq < expect ? "delivered again, or inside a "
					       "loss reported before" :
					       "silent gap: neither delivered "
					       "nor reported lost");
		}
		if (seq + 1 > expect)
			expect = seq + 1;
		last_is_record = 1;
		if (!json_is_string(d)) {
			problem(K_PAYLOAD, lineno,
				"seq %lld: payload is not text: '%s'", seq,
				excerpt(line, (size_t)got, 0));
			json_decref(j);
			continue;
		}
		if (get_int(j, "len", &ok) !=
		    (long long)json_string_length(d)) {
			problem(K_PAYLOAD, lineno,
				"seq %lld: len %lld but %zu data bytes", seq,
				get_int(j, "len", &ok), json_string_length(d));
		}
		check_payload(lineno, &x, seq, json_string_value(d),
			      json_string_length(d), &n, &run);
		json_decref(j);
		if (n < 0)
			continue;
		/* Producer runs: seq - n is the seq of the run's record 0. */
		base = seq - n;
		if (base < 0) {
			problem(K_RUN, lineno,
				"seq %lld carries n %lld: n > seq", seq, n);
		} else if (base > cur_base) {
			if (run >= 0 && run == last_run_id) {
				problem(K_RUN, lineno,
					"seq %lld n %lld: out of step in run "
					"%lld (seq - n was %lld, is %lld)",
					seq, n, run, cur_base, base);
			} else if (run >= 0 && run < last_run_id) {
				problem(K_RUN, lineno,
					"seq %lld: run %lld after run %lld",
					seq, run, last_run_id);
			}
			runs++;
			cur_base = base;
			cur_run = run;
			run_records = 0;
			run_first_n = n;
		} else if (base < cur_base) {
			problem(K_RUN, lineno,
				"seq %lld n %lld: a record of an earlier "
				"producer run (its record 0 at seq %lld) after "
				"one of the run from seq %lld",
				seq, n, base, cur_base);
		} else if (run != cur_run) {
			problem(K_RUN, lineno,
				"seq %lld n %lld: run %lld inside run %lld",
				seq, n, run, cur_run);
		}
		if (run >= 0)
			last_run_id = run;
		run_records++;
		last_n = n;
	}
	free(line);
	fclose(f);
	if (want_end >= 0 && expect != want_end)
		problem(K_END, lineno,
			"the stream ends at seq %lld, the producer spent %lld "
			"sequence numbers: %lld %s",
			expect, want_end,
			want_end > expect ? want_end - expect :
					    expect - want_end,
			want_end > expect ? "neither delivered nor lost" :
					    "too many");
	if (want_records >= 0 && records != want_records)
		problem(K_END, lineno, "%lld records delivered, %lld expected",
			records, want_records);
	if (want_dropped >= 0 && by_reason[1] != want_dropped)
		problem(K_END, lineno,
			"the producer dropped %lld records, loss events "
			"report %lld dropped",
			want_dropped, by_reason[1]);
	if (final_run >= 0 && (!last_is_record || run_records != final_run ||
			       run_first_n != 0 || last_n != final_run - 1))
		problem(K_END, lineno,
			"the stream does not end with the last producer run "
			"of %lld records 0..%lld: it ends with %s, %lld "
			"records of a run, n %lld..%lld",
			final_run, final_run - 1,
			last_is_record ? "a record" : "a loss", run_records,
			run_first_n, last_n);
	printf("records %lld lost %lld in %lld events (dropped %lld "
	       "overwritten %lld corrupt %lld reset %lld), epochs %lld, "
	       "producer runs %lld, end %lld; problems:",
	       records, lost, events, by_reason[1], by_reason[2], by_reason[3],
	       by_reason[4], epochs, runs, expect);
	for (i = 0, ok = 1; i < K_MAX; i++) {
		if (kinds[i])
			printf(" %s %lld", kind_names[i], kinds[i]);
		ok &= !kinds[i];
	}
	printf("%s\n", ok ? " none" : "");
	return ok ? 0 : 1;
usage:
	fprintf(stderr,
		"usage: %s FILE CHANNEL --policy block|drop-new|"
		"overwrite-oldest [--record-max N] [--end SEQ] [--records N] "
		"[--dropped N] [--final-run M]\n",
		argv[0]);
	return 2;
}
