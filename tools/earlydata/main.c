// SPDX-License-Identifier: GPL-2.0-only
/*
 * earlydata: produce into and consume from Earlydata channels as a
 * user-space guest VM, and show channel statistics. See docs/earlydata.md.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nkddi/nkddi.h>
#include <nkhv/rundir.h>

#include "earlydata.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: earlydata [--run-dir DIR] COMMAND [OPTIONS]\n"
		"  produce --vm ID --channel NAME [--raw --type N]\n"
		"          [--generate N [--rate HZ]] [--linger]\n"
		"      JSON lines from stdin, one record each: an object\n"
		"      {\"channel\":..,\"type\":..,\"data\":\"..\"} or any JSON value\n"
		"      (stored as its text); --raw: each line's bytes as is\n"
		"  consume --vm ID --channel NAME... [--follow] [--json]\n"
		"          [--from-start] [--peek] [--count N] [--timeout MS]\n"
		"          [--output FILE] [--dlt FILE [--dlt-ecu ID]\n"
		"          [--dlt-clock wall|uptime|SECONDS]]\n"
		"      the backlog in order, then live records with --follow;\n"
		"      --output appends JSON lines to FILE exactly once, across\n"
		"      restarts of this command; --dlt appends DLT messages\n"
		"      to a DLT storage file, exactly once too\n"
		"  dlt-forward --vm ID --channel NAME... [--dlt-app ID]\n"
		"      the backlog, then live records, into a running\n"
		"      dlt-daemon (libdlt), with the producer's time stamps\n"
		"  stat [--json]\n"
		"      per channel: records, bytes, backlog, losses, XIRQs sent\n"
		"      and suppressed, faults, link state\n"
		"  --run-dir DIR  nkhv's run directory (default: $NKHV_RUN_DIR\n"
		"                 or /tmp/nkhv-$UID)\n"
		"  --version      print the version and exit\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "run-dir", required_argument, 0, 'd' },
		{ "vm", required_argument, 0, 'v' },
		{ "channel", required_argument, 0, 'c' },
		{ "type", required_argument, 0, 't' },
		{ "raw", no_argument, 0, 'r' },
		{ "json", no_argument, 0, 'j' },
		{ "follow", no_argument, 0, 'f' },
		{ "from-start", no_argument, 0, 's' },
		{ "peek", no_argument, 0, 'p' },
		{ "linger", no_argument, 0, 'l' },
		{ "generate", required_argument, 0, 'g' },
		{ "rate", required_argument, 0, 'R' },
		{ "count", required_argument, 0, 'n' },
		{ "timeout", required_argument, 0, 'T' },
		{ "output", required_argument, 0, 'o' },
		{ "dlt", required_argument, 0, 'D' },
		{ "dlt-ecu", required_argument, 0, 'E' },
		{ "dlt-clock", required_argument, 0, 'C' },
		{ "dlt-app", required_argument, 0, 'A' },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0, 0, 0, 0 }
	};
	struct edt_opts o = { .type = 1, .timeout_ms = 2000 };
	static char dir[256];
	const char *cmd;
	char *end;
	long v;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.run_dir = optarg;
			break;
		case 'v':
		case 't':
		case 'g':
		case 'n':
		case 'T':
			v = strtol(optarg, &end, 0);
			if (*end || v < 0 || (c == 'v' && (v < 1 || v > 32)) ||
			    (c == 't' && v > ED_REC_TYPE_MAX) ||
			    (c == 'T' && v > 86400000)) {
				fprintf(stderr,
					"earlydata: bad number '%s' for %s\n",
					optarg, argv[optind - 1]);
				return 2;
			}
			if (c == 'v')
				o.vm = (unsigned int)v;
			else if (c == 't')
				o.type = (int)v;
			else if (c == 'g')
				o.generate = v;
			else if (c == 'n')
				o.count = v;
			else
				o.timeout_ms = (int)v;
			break;
		case 'R':
			o.rate = strtod(optarg, &end);
			if (*end || o.rate < 0 || o.rate > 1e7) {
				fprintf(stderr, "earlydata: bad --rate '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'c':
			if (o.nchannels == EDT_MAX_SEL) {
				fprintf(stderr,
					"earlydata: too many channels\n");
				return 2;
			}
			o.channels[o.nchannels++] = optarg;
			break;
		case 'r':
			o.raw = true;
			break;
		case 'j':
			o.json = true;
			break;
		case 'f':
			o.follow = true;
			break;
		case 's':
			o.from_start = true;
			break;
		case 'p':
			o.peek = true;
			break;
		case 'l':
			o.linger = true;
			break;
		case 'o':
			o.output = optarg;
			break;
		case 'D':
			o.dlt = optarg;
			break;
		case 'E':
			if (!*optarg || strlen(optarg) > 4) {
				fprintf(stderr,
					"earlydata: --dlt-ecu '%s': 1 to 4 "
					"characters\n",
					optarg);
				return 2;
			}
			o.dlt_ecu = optarg;
			break;
		case 'A':
			if (!*optarg || strlen(optarg) > 4) {
				fprintf(stderr,
					"earlydata: --dlt-app '%s': 1 to 4 "
					"characters\n",
					optarg);
				return 2;
			}
			o.dlt_app = optarg;
			break;
		case 'C': {
			long long off;

			if (edt_dlt_clock(optarg, &off)) {
				fprintf(stderr,
					"earlydata: --dlt-clock '%s': not "
					"wall, uptime or a number of "
					"seconds\n",
					optarg);
				return 2;
			}
			o.dlt_clock = optarg;
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("earlydata %s\n", NKHV_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (!o.run_dir) {
		o.run_dir = nkhv_run_dir_default(dir, sizeof(dir));
	}
	cmd = argv[optind];
	if (strcmp(cmd, "stat") && !o.vm) {
		fprintf(stderr, "earlydata: %s needs --vm ID\n", cmd);
		return 2;
	}
	if (!strcmp(cmd, "produce"))
		return edt_produce(&o);
	if (!strcmp(cmd, "consume"))
		return edt_consume(&o);
	if (!strcmp(cmd, "stat"))
		return edt_stat(&o);
	if (!strcmp(cmd, "dlt-forward")) {
#ifdef EDT_HAVE_LIBDLT
		return edt_dlt_forward(&o);
#else
		fprintf(stderr, "earlydata: dlt-forward: built without libdlt "
				"(libdlt-dev)\n");
		return 2;
#endif
	}
	fprintf(stderr, "earlydata: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
