// SPDX-License-Identifier: GPL-2.0-only
/*
 * JSON for the stress script (no jq needed):
 *
 * stress_json channels < STATUS
 *	The Earlydata channels of a running system, from nkhv's status
 *	document (`vlinkctl list --json`), their info strings parsed by the
 *	driver's own parser (ed_channel_config_parse), so that defaults and
 *	producer= mean what they mean to the driver. One line each:
 *	NAME POLICY RECORD_MAX RING PRODUCER_VM CONSUMER_VM
 *	Exits 1 on a channel the driver would refuse.
 *
 * stress_json stat CHANNEL < STAT
 *	One channel of `earlydata stat --json`: FAULTS LINK_RESETS STATE
 *	PEER_STATE RECORDS LOST DROPPED BACKLOG_BYTES, or nothing (exit 1)
 *	when no such channel is listed.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include <earlydata/channel_config.h>
#include <earlydata/earlydata.h>

static int channels(json_t *doc)
{
	json_t *vl;
	size_t i;
	int rc = 0;

	json_array_foreach(json_object_get(doc, "vlinks"), i, vl)
	{
		json_t *s = json_object_get(vl, "server"),
		       *c = json_object_get(vl, "client");
		const char *name =
			json_string_value(json_object_get(vl, "name"));
		struct ed_channel_config cfg;
		long long svm, cvm;
		char err[128];

		if (!name || strcmp(name, ED_VLINK_NAME))
			continue;
		svm = json_integer_value(json_object_get(s, "vm"));
		cvm = json_integer_value(json_object_get(c, "vm"));
		if (ed_channel_config_parse(
			    json_string_value(json_object_get(s, "info")),
			    json_string_value(json_object_get(c, "info")), &cfg,
			    err, sizeof(err))) {
			fprintf(stderr, "stress_json: link %lld: %s\n",
				json_integer_value(json_object_get(vl, "link")),
				err);
			rc = 1;
			continue;
		}
		printf("%s %s %u %llu %lld %lld\n", cfg.name,
		       ed_cfg_policy_name(cfg.policy), cfg.record_max,
		       (unsigned long long)cfg.ring_size,
		       cfg.producer_is_client ? cvm : svm,
		       cfg.producer_is_client ? svm : cvm);
	}
	return rc;
}

static long long num(json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "?";
}

static int stat_line(json_t *doc, const char *channel)
{
	json_t *c;
	size_t i;

	json_array_foreach(doc, i, c)
	{
		if (strcmp(str(c, "channel"), channel))
			continue;
		printf("%lld %lld %s %s %lld %lld %lld %lld\n",
		       num(c, "faults"), num(c, "link_resets"), str(c, "state"),
		       str(c, "peer_state"), num(c, "records"), num(c, "lost"),
		       num(c, "dropped"), num(c, "backlog_bytes"));
		return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	json_error_t jerr;
	json_t *doc;
	int rc;

	if (argc < 2 || (strcmp(argv[1], "channels") &&
			 (strcmp(argv[1], "stat") || argc < 3))) {
		fprintf(stderr, "usage: %s channels | stat CHANNEL  < JSON\n",
			argv[0]);
		return 2;
	}
	doc = json_loadf(stdin, 0, &jerr);
	if (!doc) {
		fprintf(stderr, "stress_json: %s\n", jerr.text);
		return 2;
	}
	rc = argv[1][0] == 'c' ? channels(doc) : stat_line(doc, argv[2]);
	json_decref(doc);
	return rc;
}
