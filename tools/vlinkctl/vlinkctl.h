/* SPDX-License-Identifier: GPL-2.0-only */
/* vlinkctl sub-commands. */
#ifndef VLINKCTL_H
#define VLINKCTL_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>
#include <nkhv/config.h>

/* Print VMs and vlinks of a status document, as a table or as JSON. */
int vlinkctl_list(FILE *out, json_t *status, bool as_json);

/*
 * Print VM `vm_id` of a status document as JSON, or the value at dotted
 * path `key` in it alone (NULL: the whole VM). Exit status.
 */
int vlinkctl_vm(FILE *out, json_t *status, const char *vm_id,
		const char *key);

/* Print a status document as a Graphviz DOT graph. */
int vlinkctl_graph(FILE *out, json_t *status);

/* A status-shaped document of a configuration (every VM down, all OFF). */
json_t *vlinkctl_config_json(const struct nkhv_system *sys);

/* Validate a system file; print a summary or the error. Exit status. */
int vlinkctl_check(FILE *out, const char *path);

/* Print the QEMU options of VM `vm_id`'s ivshmem devices. Exit status. */
int vlinkctl_qemu_args(FILE *out, const char *path, const char *vm_id,
		       const char *dir);

#endif /* VLINKCTL_H */
