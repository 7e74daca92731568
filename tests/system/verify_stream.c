// SPDX-License-Identifier: GPL-2.0-only
/*
 * Check a stream written by `earlydata consume --json/--output` for one
 * channel: sequence numbers strictly consecutive (losses only where a loss
 * event says so), no duplicates, every payload intact (the self-checking
 * JSON of `earlydata produce --generate`).
 *
 * verify_stream FILE CHANNEL [--n-is-seq] [--no-loss] [--records N]
 *                            [--lost N] [--reason R] [--backlog-before NS]
 * Prints "records R lost L duplicates D gaps G bad B" and exits 1 if any
 * expectation fails. --backlog-before NS: some records must be stamped
 * (ts_ns, the producer's CLOCK_MONOTONIC) before NS, for instance nkhv's
 * time of the consumer VM's first join (`vlinkctl vm ID first_join_ns`):
 * the backlog the consumer found; adds "backlog K" to the line.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int payload_ok(const char *data, long long *n)
{
	json_t *j = json_loads(data, 0, NULL);
	const char *fill;
	long long k;
	int i, len, ok = 0;

	if (!j)
		return 0;
	k = json_integer_value(json_object_get(j, "n"));
	fill = json_string_value(json_object_get(j, "fill"));
	if (fill && (len = (int)strlen(fill)) == (int)(k * 7 % 64)) {
		ok = 1;
		for (i = 0; i < len; i++)
			if (fill[i] != (char)('a' + (k + i) % 26))
				ok = 0;
	}
	*n = k;
	json_decref(j);
	return ok;
}

int main(int argc, char **argv)
{
	long long expect = -1, records = 0, lost = 0, dup = 0, gaps = 0,
		  bad = 0, want_records = -1, want_lost = -1, n, backlog = 0;
	unsigned long long before = 0;
	char *end;
	const char *want_reason = NULL;
	int n_is_seq = 0, no_loss = 0, i, fail = 0;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: %s FILE CHANNEL [options]\n", argv[0]);
		return 2;
	}
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--n-is-seq"))
			n_is_seq = 1;
		else if (!strcmp(argv[i], "--no-loss"))
			no_loss = 1;
		else if (!strcmp(argv[i], "--records") && i + 1 < argc)
			want_records = atoll(argv[++i]);
		else if (!strcmp(argv[i], "--lost") && i + 1 < argc)
			want_lost = atoll(argv[++i]);
		else if (!strcmp(argv[i], "--reason") && i + 1 < argc)
			want_reason = argv[++i];
		else if (!strcmp(argv[i], "--backlog-before") && i + 1 < argc) {
			errno = 0;
			before = strtoull(argv[++i], &end, 10);
			if (errno || end == argv[i] || *end || !before) {
				fprintf(stderr,
					"%s: --backlog-before: not a time in ns: '%s'\n",
					argv[0], argv[i]);
				return 2;
			}
		} else {
			fprintf(stderr, "%s: unknown option %s\n", argv[0],
				argv[i]);
			return 2;
		}
	}
	f = fopen(argv[1], "r");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	while (getline(&line, &cap, f) > 0) {
		json_t *j = json_loads(line, 0, NULL), *loss;
		const char *ch = json_string_value(json_object_get(j, "channel"));

		if (!j || !ch) {
			bad++;
			json_decref(j);
			continue;
		}
		if (strcmp(ch, argv[2])) {
			json_decref(j);
			continue;
		}
		loss = json_object_get(j, "loss");
		if (loss) {
			long long first = json_integer_value(
					  json_object_get(loss, "first")),
				  count = json_integer_value(
					  json_object_get(loss, "count"));
			const char *r = json_string_value(
				json_object_get(loss, "reason"));

			if (first != (expect < 0 ? 0 : expect))
				gaps++;
			if (want_reason && (!r || strcmp(r, want_reason)))
				bad++;
			lost += count;
			expect = first + count;
		} else {
			long long seq = json_integer_value(
				json_object_get(j, "seq"));
			const char *data = json_string_value(
				json_object_get(j, "data"));
			json_t *ts = json_object_get(j, "ts_ns");

			if (expect >= 0 && seq < expect)
				dup++;
			else if (seq != (expect < 0 ? 0 : expect))
				gaps++;
			if (!data || !payload_ok(data, &n) ||
			    (n_is_seq && n != seq))
				bad++;
			if (before && json_is_integer(ts) &&
			    (unsigned long long)json_integer_value(ts) < before)
				backlog++;
			records++;
			expect = seq + 1;
		}
		json_decref(j);
	}
	free(line);
	fclose(f);
	printf("records %lld lost %lld duplicates %lld gaps %lld bad %lld",
	       records, lost, dup, gaps, bad);
	if (before)
		printf(" backlog %lld", backlog);
	putchar('\n');
	if (dup || gaps || bad || (no_loss && lost) || (before && !backlog) ||
	    (want_records >= 0 && records != want_records) ||
	    (want_lost >= 0 && lost != want_lost))
		fail = 1;
	return fail;
}
