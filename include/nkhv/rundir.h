/* SPDX-License-Identifier: GPL-2.0-only */
/* Where nkhv puts its sockets unless told otherwise. */
#ifndef NKHV_RUNDIR_H
#define NKHV_RUNDIR_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define NKHV_RUN_DIR_HINT "/tmp/nkhv-$UID"

/* $NKHV_RUN_DIR, else /tmp/nkhv-<uid>, written into buf. */
static inline const char *nkhv_run_dir_default(char *buf, size_t len)
{
	const char *env = getenv("NKHV_RUN_DIR");

	if (env && *env)
		return env;
	snprintf(buf, len, "/tmp/nkhv-%u", (unsigned)getuid());
	return buf;
}

#endif /* NKHV_RUNDIR_H */
