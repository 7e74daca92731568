/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the targets that run a real nkhv state share: the system they run,
 * loaded once from tests/system/, and a quiet nkhv log.
 */
#ifndef FUZZ_SYSTEM_H
#define FUZZ_SYSTEM_H

#include <stdio.h>
#include <stdlib.h>

#include "nkhv.h"

/*
 * Load tests/system/<file> into sys (abort if it does not load), then
 * send nkhv's log of refusals to /dev/null: the sanitizers still report
 * on fd 2.
 */
static inline void fuzz_load_system(const char *file, struct nkhv_system *sys)
{
	struct nkhv_config_error err;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", FUZZ_SYSTEMS_DIR, file);
	if (nkhv_config_load(path, sys, &err)) {
		fprintf(stderr, "fuzz: %s: %s\n", err.path, err.message);
		abort();
	}
	stderr = fopen("/dev/null", "w");
}

#endif /* FUZZ_SYSTEM_H */
