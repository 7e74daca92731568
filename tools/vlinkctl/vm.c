// SPDX-License-Identifier: GPL-2.0-only
/*
 * `vlinkctl vm VM-ID [KEY]`: one VM of the running system, for scripts.
 * Without KEY its object of the status document (JSON); with KEY, a
 * dotted path into it such as `up` or `port.first_hello_ns`, the value
 * alone on one line: integers in decimal, strings as they are, `true`,
 * `false`, `null`, objects and arrays as compact JSON.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vlinkctl.h"

/* The member at dotted path `key` of object `o`, or NULL. */
static json_t *lookup(json_t *o, const char *key)
{
	char part[128];

	while (o && *key) {
		size_t n = strcspn(key, ".");

		if (!n || n >= sizeof(part))
			return NULL;
		memcpy(part, key, n);
		part[n] = 0;
		o = json_object_get(o, part);
		key += n;
		if (*key == '.' && !*++key)
			return NULL;
	}
	return o;
}

static void put_value(FILE *out, json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_INTEGER:
		fprintf(out, "%" JSON_INTEGER_FORMAT "\n",
			json_integer_value(v));
		break;
	case JSON_STRING:
		fprintf(out, "%s\n", json_string_value(v));
		break;
	case JSON_REAL:
		fprintf(out, "%.17g\n", json_real_value(v));
		break;
	case JSON_TRUE:
		fputs("true\n", out);
		break;
	case JSON_FALSE:
		fputs("false\n", out);
		break;
	case JSON_NULL:
		fputs("null\n", out);
		break;
	default:
		json_dumpf(v, out, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fputc('\n', out);
	}
}

/* The object of VM `id` in a status document, or NULL. */
static json_t *find_vm(json_t *st, unsigned long id)
{
	json_t *vm;
	size_t i;

	json_array_foreach(json_object_get(st, "vms"), i, vm)
	{
		if ((unsigned long)json_integer_value(
			    json_object_get(vm, "id")) == id)
			return vm;
	}
	return NULL;
}

int vlinkctl_vm(FILE *out, json_t *st, const char *vm_id, const char *key)
{
	unsigned long id;
	char *end;
	json_t *vm, *v;

	errno = 0;
	id = strtoul(vm_id, &end, 0);
	if (errno || end == vm_id || *end) {
		fprintf(stderr, "vlinkctl: bad VM id '%s'\n", vm_id);
		return 2;
	}
	vm = find_vm(st, id);
	if (!vm) {
		fprintf(stderr, "vlinkctl: no VM %lu in the running system\n",
			id);
		return 1;
	}
	if (!key) {
		json_dumpf(vm, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', out);
		return 0;
	}
	v = lookup(vm, key);
	if (!v) {
		fprintf(stderr, "vlinkctl: VM %lu has no '%s'\n", id, key);
		return 1;
	}
	put_value(out, v);
	return 0;
}
