// SPDX-License-Identifier: GPL-2.0-only
/* `vlinkctl list`: the running system as a table or as JSON. */
#include <string.h>

#include "vlinkctl.h"

static const char *str(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static long long num(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

/* "32,33" : the XIRQ numbers of an end-point, with their counters. */
static void xirqs_text(json_t *ep, char *buf, size_t len)
{
	json_t *x;
	size_t i, off = 0;

	buf[0] = 0;
	json_array_foreach(json_object_get(ep, "xirqs"), i, x)
	{
		int n = snprintf(buf + off, len - off, "%s%lld(%lld)",
				 i ? "," : "", num(x, "xirq"),
				 num(x, "raised"));

		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
	if (!off)
		snprintf(buf, len, "-");
}

/* "down", or who holds the VM: "process" or "qemu". */
static const char *up_text(json_t *vm)
{
	if (!json_is_true(json_object_get(vm, "up")))
		return "down";
	return str(vm, "holder")[0] ? str(vm, "holder") : "up";
}

int vlinkctl_list(FILE *out, json_t *st, bool as_json)
{
	json_t *vm, *vl;
	size_t i;

	if (as_json) {
		json_dumpf(st, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', out);
		return 0;
	}
	fprintf(out, "%-4s %-12s %-8s %-7s %-8s %-10s %-8s %s\n", "VM", "NAME",
		"KIND", "UP", "PID", "PDEV", "XIRQS", "REFUSALS");
	json_array_foreach(json_object_get(st, "vms"), i, vm)
	{
		json_t *r = json_object_get(vm, "refusals");

		fprintf(out,
			"%-4lld %-12s %-8s %-7s %-8lld %-10lld %-8lld %lld",
			num(vm, "id"), str(vm, "name"), str(vm, "kind"),
			up_text(vm), num(vm, "pid"),
			num(json_object_get(vm, "pdev"), "size"),
			num(vm, "xirqs_allocated"), num(r, "total"));
		if (num(r, "total")) {
			const char *k;
			json_t *v;

			fputs(" (", out);
			json_object_foreach(r, k, v)
			{
				if (strcmp(k, "total") && json_integer_value(v))
					fprintf(out, " %s=%lld", k,
						json_integer_value(v));
			}
			fputs(" )", out);
		}
		fputc('\n', out);
	}
	fprintf(out, "\n%-16s %-4s %-18s %-18s %-10s %-14s %-14s %s\n", "VLINK",
		"LINK", "SERVER", "CLIENT", "PMEM", "S-XIRQS", "C-XIRQS",
		"REFUSALS");
	json_array_foreach(json_object_get(st, "vlinks"), i, vl)
	{
		json_t *s = json_object_get(vl, "server"),
		       *c = json_object_get(vl, "client");
		char sside[64], cside[64], sx[64], cx[64];

		snprintf(sside, sizeof(sside), "%lld:%s %s", num(s, "vm"),
			 str(s, "vm_name"), str(s, "state"));
		snprintf(cside, sizeof(cside), "%lld:%s %s", num(c, "vm"),
			 str(c, "vm_name"), str(c, "state"));
		xirqs_text(s, sx, sizeof(sx));
		xirqs_text(c, cx, sizeof(cx));
		fprintf(out,
			"%-16s %-4lld %-18s %-18s %-10lld %-14s %-14s %lld\n",
			str(vl, "name"), num(vl, "link"), sside, cside,
			num(json_object_get(vl, "pmem"), "size"), sx, cx,
			num(vl, "refusals"));
	}
	return 0;
}
