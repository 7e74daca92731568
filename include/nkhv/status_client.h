/* SPDX-License-Identifier: GPL-2.0-only */
/* Reading nkhv's status document from DIR/nkhv.sock. */
#ifndef NKHV_STATUS_CLIENT_H
#define NKHV_STATUS_CLIENT_H

#include <stddef.h>

#include <jansson.h>

/*
 * Connect to the nkhv serving `run_dir` and parse its status document.
 * Returns a new reference, or NULL with a sentence in `err`.
 */
json_t *nkhv_status_fetch(const char *run_dir, char *err, size_t errlen);

#endif /* NKHV_STATUS_CLIENT_H */
