// SPDX-License-Identifier: GPL-2.0-only
/*
 * One value of a JSON document on standard input, for the test scripts
 * (which then read the documents of `earlydata stat --json` and
 * `vlinkctl list --json`, not tables or log lines).
 *
 * json_get PATH
 * PATH is a dot-separated list of steps: NAME (a member of an object),
 * N (an element of an array) or NAME=VALUE (the first element of an
 * array that is an object whose member NAME is the string VALUE or the
 * integer VALUE). Example: `earlydata stat --json | json_get
 * vm=1.channel=blk.blocked` (the first element with both).
 * Prints the value alone on one line: integers in decimal, strings as
 * they are, true, false, null, objects and arrays as compact JSON.
 * Exit status 1 when there is no such value, 2 on bad input.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Does member `name` of object `o` hold `value` (string or integer)? */
static int member_is(json_t *o, const char *name, const char *value)
{
	json_t *m = json_object_get(o, name);
	char num[32];

	if (json_is_string(m))
		return !strcmp(json_string_value(m), value);
	if (json_is_integer(m)) {
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(m));
		return !strcmp(num, value);
	}
	return 0;
}

/*
 * Apply steps to `v`. Consecutive NAME=VALUE steps select one element
 * that matches them all.
 */
static json_t *walk(json_t *v, char *path)
{
	char *step, *save = NULL, *eq;
	char *sel[16][2];
	int nsel = 0;

	for (step = strtok_r(path, ".", &save); v;
	     step = strtok_r(NULL, ".", &save)) {
		eq = step ? strchr(step, '=') : NULL;
		if (eq && nsel < 16) {
			*eq = 0;
			sel[nsel][0] = step;
			sel[nsel][1] = eq + 1;
			nsel++;
			continue;
		}
		if (nsel) {
			json_t *e, *found = NULL;
			size_t i;
			int k;

			if (!json_is_array(v))
				return NULL;
			json_array_foreach(v, i, e)
			{
				for (k = 0; k < nsel; k++)
					if (!member_is(e, sel[k][0], sel[k][1]))
						break;
				if (k == nsel) {
					found = e;
					break;
				}
			}
			v = found;
			nsel = 0;
			if (!v)
				return NULL;
		}
		if (!step)
			break;
		if (json_is_array(v)) {
			char *end;
			unsigned long i = strtoul(step, &end, 10);

			v = *step && !*end ? json_array_get(v, i) : NULL;
		} else {
			v = json_object_get(v, step);
		}
	}
	return v;
}

int main(int argc, char **argv)
{
	json_error_t err;
	json_t *doc, *v;
	char *path;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH < DOCUMENT\n", argv[0]);
		return 2;
	}
	doc = json_loadf(stdin, 0, &err);
	if (!doc) {
		fprintf(stderr, "%s: line %d: %s\n", argv[0], err.line,
			err.text);
		return 2;
	}
	path = strdup(argv[1]);
	v = path ? walk(doc, path) : NULL;
	if (!v) {
		fprintf(stderr, "%s: no %s in the document\n", argv[0],
			argv[1]);
		free(path);
		json_decref(doc);
		return 1;
	}
	switch (json_typeof(v)) {
	case JSON_INTEGER:
		printf("%" JSON_INTEGER_FORMAT "\n", json_integer_value(v));
		break;
	case JSON_STRING:
		printf("%s\n", json_string_value(v));
		break;
	case JSON_REAL:
		printf("%.17g\n", json_real_value(v));
		break;
	case JSON_TRUE:
		puts("true");
		break;
	case JSON_FALSE:
		puts("false");
		break;
	case JSON_NULL:
		puts("null");
		break;
	default:
		json_dumpf(v, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
		putchar('\n');
	}
	free(path);
	json_decref(doc);
	return 0;
}
