// SPDX-License-Identifier: GPL-2.0-only
/*
 * vlinkctl: inspect, validate and draw vLink systems.
 *
 *	vlinkctl [--run-dir DIR] list [--json]
 *	vlinkctl [--run-dir DIR] vm VM-ID [KEY]
 *	vlinkctl check SYSTEM.dts|SYSTEM.dtb
 *	vlinkctl [--run-dir DIR] graph [SYSTEM.dts|SYSTEM.dtb]
 *	vlinkctl [--run-dir DIR] qemu-args SYSTEM.dts|SYSTEM.dtb VM-ID [DIR]
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <nkhv/rundir.h>
#include <nkhv/status_client.h>

#include "vlinkctl.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vlinkctl [--run-dir DIR] COMMAND\n"
		"  list [--json]        VMs and vlinks of the running nkhv\n"
		"  vm VM-ID [KEY]       a VM of the running nkhv as JSON, or its KEY\n"
		"                       (e.g. up, port.first_hello_ns) alone\n"
		"  check SYSTEM         validate a .dts/.dtb without running it\n"
		"  graph [SYSTEM]       Graphviz DOT of the running system (or of SYSTEM)\n"
		"  qemu-args SYSTEM VM-ID [DIR]\n"
		"                       QEMU options of the VM's ivshmem devices in DIR\n"
		"  --run-dir DIR        nkhv's run directory (default: $NKHV_RUN_DIR or %s)\n"
		"  --version            print the version and exit\n",
		NKHV_RUN_DIR_HINT);
}

static json_t *live_status(const char *dir)
{
	char err[256];
	json_t *st = nkhv_status_fetch(dir, err, sizeof(err));

	if (!st)
		fprintf(stderr, "vlinkctl: %s\n", err);
	return st;
}

static int cmd_graph(const char *dir, const char *system)
{
	struct nkhv_config_error cerr;
	static struct nkhv_system sys;
	json_t *st;
	int rc;

	if (system) {
		if (nkhv_config_load(system, &sys, &cerr)) {
			fprintf(stderr, "vlinkctl: %s: %s: %s [%s]\n", system,
				cerr.path, cerr.message, cerr.rule);
			return 1;
		}
		st = vlinkctl_config_json(&sys);
	} else {
		st = live_status(dir);
	}
	if (!st)
		return 1;
	rc = vlinkctl_graph(stdout, st);
	json_decref(st);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "run-dir", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	const char *dir = NULL, *cmd;
	bool as_json = false;
	char dirbuf[256];
	json_t *st;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+d:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'j':
			as_json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("vlinkctl %s\n", NKHV_VERSION);
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
	cmd = argv[optind++];
	/* Options may also follow the command. */
	while ((c = getopt_long(argc, argv, "d:jh", opts, NULL)) != -1) {
		if (c == 'd')
			dir = optarg;
		else if (c == 'j')
			as_json = true;
		else {
			usage(stderr);
			return 2;
		}
	}
	if (!dir)
		dir = nkhv_run_dir_default(dirbuf, sizeof(dirbuf));
	if (!strcmp(cmd, "list") && optind == argc) {
		st = live_status(dir);
		if (!st)
			return 1;
		rc = vlinkctl_list(stdout, st, as_json);
		json_decref(st);
		return rc;
	}
	if (!strcmp(cmd, "vm") && (optind == argc - 1 || optind == argc - 2)) {
		st = live_status(dir);
		if (!st)
			return 1;
		rc = vlinkctl_vm(stdout, st, argv[optind],
				 optind == argc - 2 ? argv[optind + 1] : NULL);
		json_decref(st);
		return rc;
	}
	if (!strcmp(cmd, "check") && optind == argc - 1)
		return vlinkctl_check(stdout, argv[optind]);
	if (!strcmp(cmd, "qemu-args") &&
	    (optind == argc - 2 || optind == argc - 3))
		return vlinkctl_qemu_args(
			stdout, argv[optind], argv[optind + 1],
			optind == argc - 3 ? argv[optind + 2] : dir);
	if (!strcmp(cmd, "graph") && optind >= argc - 1)
		return cmd_graph(dir, optind < argc ? argv[optind] : NULL);
	usage(stderr);
	return 2;
}
