// SPDX-License-Identifier: MIT
/*
 * libFuzzer target for the device-tree loader: any byte string is offered
 * as a flattened device tree to the parser and, when it parses, to the
 * layout pass. Both must either succeed or fill a config error; neither
 * may crash, hang or read outside the blob.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <nkhv/config.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nkhv_system sys;
	struct nkhv_config_error err;
	void *copy = malloc(size ? size : 1);

	if (!copy)
		return 0;
	/* libfdt wants the blob 8-byte aligned; malloc guarantees that. */
	memcpy(copy, data, size);
	memset(&err, 0, sizeof(err));
	if (nkhv_config_parse(copy, size, &sys, &err) == 0)
		(void)nkhv_config_layout(&sys, &err);
	else if (!err.rule[0] && !err.message[0])
		abort(); /* a failure must always say why */
	free(copy);
	return 0;
}
