// SPDX-License-Identifier: GPL-2.0-only
/*
 * `vlinkctl graph`: VMs as boxes, vlinks as edges from server to client,
 * coloured by state (green ON/ON, orange when one side is RESET, grey when
 * a side is OFF).
 */
#include <string.h>

#include "vlinkctl.h"

/* Print `s` as a DOT string body, escaping what DOT needs escaped. */
static void dot_str(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, out);
	}
}

static const char *state(json_t *ep)
{
	const char *s = json_string_value(json_object_get(ep, "state"));

	return s ? s : "?";
}

static const char *edge_colour(const char *s, const char *c)
{
	if (!strcmp(s, "ON") && !strcmp(c, "ON"))
		return "darkgreen";
	if (!strcmp(s, "OFF") || !strcmp(c, "OFF"))
		return "grey50";
	return "darkorange";
}

int vlinkctl_graph(FILE *out, json_t *st)
{
	json_t *vm, *vl;
	size_t i;

	fputs("digraph vlinks {\n\trankdir=LR;\n"
	      "\tnode [shape=box, style=rounded, fontname=\"Helvetica\"];\n"
	      "\tedge [fontname=\"Helvetica\", fontsize=10];\n\tlabel=\"",
	      out);
	dot_str(out, json_string_value(json_object_get(st, "model")));
	fputs("\";\n", out);
	json_array_foreach(json_object_get(st, "vms"), i, vm)
	{
		bool up = json_is_true(json_object_get(vm, "up"));

		fprintf(out, "\tvm%lld [label=\"",
			(long long)json_integer_value(
				json_object_get(vm, "id")));
		dot_str(out, json_string_value(json_object_get(vm, "name")));
		fprintf(out, "\\nVM %lld (%s)\\n%s\", color=%s];\n",
			(long long)json_integer_value(
				json_object_get(vm, "id")),
			json_string_value(json_object_get(vm, "kind")),
			up ? "up" : "down", up ? "darkgreen" : "grey50");
	}
	json_array_foreach(json_object_get(st, "vlinks"), i, vl)
	{
		json_t *s = json_object_get(vl, "server"),
		       *c = json_object_get(vl, "client");
		const char *info =
			json_string_value(json_object_get(s, "info"));

		fprintf(out, "\tvm%lld -> vm%lld [label=\"",
			(long long)json_integer_value(json_object_get(s, "vm")),
			(long long)json_integer_value(
				json_object_get(c, "vm")));
		dot_str(out, json_string_value(json_object_get(vl, "name")));
		fprintf(out, "/%lld\\n%s/%s",
			(long long)json_integer_value(
				json_object_get(vl, "link")),
			state(s), state(c));
		if (info && *info) {
			fputs("\\n", out);
			dot_str(out, info);
		}
		fprintf(out, "\", color=%s];\n",
			edge_colour(state(s), state(c)));
	}
	fputs("}\n", out);
	return 0;
}
