// SPDX-License-Identifier: GPL-2.0-only
/*
 * nkhv: the vLink hypervisor model.
 *
 *	nkhv [--run-dir DIR] [--persist DIR] [--verbose] SYSTEM.dts|SYSTEM.dtb
 *
 * Reads the hypervisor device tree, creates every VM's PDEV and every
 * vlink's PMEM (files under the --persist directory, which a restarted
 * nkhv finds again), and serves the VMs on DIR/vm<ID>.sock until SIGINT
 * or SIGTERM.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <nkhv/rundir.h>

#include "nkhv.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: nkhv [--run-dir DIR] [--persist DIR] [--verbose] SYSTEM.dts|SYSTEM.dtb\n"
		"  --run-dir DIR  sockets go here (default: $NKHV_RUN_DIR or %s)\n"
		"  --persist DIR  PMEM and PDEV in files under DIR, kept across restarts\n"
		"  --verbose      log more\n"
		"  --version      print the version and exit\n",
		NKHV_RUN_DIR_HINT);
}

/* Is another nkhv already serving `dir`? */
static bool dir_served(const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ok;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/nkhv.sock", dir) >=
	    (int)sizeof(sa.sun_path))
		return false;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "run-dir", required_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "persist", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	static struct hv hv;
	struct nkhv_config_error cerr;
	char dirbuf[256], ebuf[256];
	const char *dir = NULL;
	int c, err;

	while ((c = getopt_long(argc, argv, "d:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'v':
			hv.verbose = true;
			break;
		case 'p':
			hv.persist_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("nkhv %s\n", NKHV_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	if (nkhv_config_load(argv[optind], &hv.sys, &cerr)) {
		fprintf(stderr, "nkhv: %s: %s: %s [%s]\n", argv[optind],
			cerr.path, cerr.message, cerr.rule);
		return 1;
	}
	if (hv_fd_budget(&hv.sys, ebuf, sizeof(ebuf))) {
		fprintf(stderr, "nkhv: %s: %s\n", argv[optind], ebuf);
		return 1;
	}
	if (!dir)
		dir = nkhv_run_dir_default(dirbuf, sizeof(dirbuf));
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "nkhv: cannot create run dir %s: %s\n", dir,
			strerror(errno));
		return 1;
	}
	if (dir_served(dir)) {
		fprintf(stderr, "nkhv: another nkhv already serves %s\n", dir);
		return 1;
	}
	hv.run_dir = dir;
	hv.ctl_fd = -1;
	hv.spare_fd = hv.timer_fd = -1;
	hv.persist_lock = hv.persist_labels = -1;
	for (c = 0; c < HV_CTL_CLIENTS; c++)
		hv.ctl[c].fd = -1;
	err = 0;
	if (hv.persist_dir && mkdir(hv.persist_dir, 0700) < 0 &&
	    errno != EEXIST) {
		fprintf(stderr, "nkhv: cannot create %s: %s\n",
			hv.persist_dir, strerror(errno));
		return 1;
	}
	if (hv.persist_dir)
		err = hv_persist_open(&hv);
	if (!err)
		err = hv_regions_create(&hv);
	if (!err)
		err = hv_server_open(&hv);
	if (err) {
		fprintf(stderr, "nkhv: setting up %s: %s\n", dir,
			strerror(-err));
		hv_server_close(&hv);
		hv_regions_destroy(&hv);
		return 1;
	}
	hv_log("ready: %u VMs, %u vlinks, run dir %s", hv.sys.nvms,
	       hv.sys.nvlinks, dir);
	err = hv_server_run(&hv);
	hv_server_close(&hv);
	hv_regions_destroy(&hv);
	hv_persist_close(&hv);
	return err ? 1 : 0;
}
