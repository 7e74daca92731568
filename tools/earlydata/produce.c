// SPDX-License-Identifier: GPL-2.0-only
/*
 * earlydata produce: records from stdin (JSON lines or raw lines), or
 * generated ones (--generate), into the VM's producer channels.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <earlydata/ed_generate.h>

#include <nkddi/nkddi.h>

#include "earlydata.h"

struct prod_state {
	struct edt_opts *o;
	struct ed_channel *sel[EDT_MAX_SEL];
	int nsel;
	unsigned long long written, dropped, failed;
};

static int put(struct prod_state *ps, struct ed_channel *ch, int type,
	       const void *buf, size_t len)
{
	int r;

	if (len > ch->cfg.record_max) {
		fprintf(stderr,
			"earlydata: channel %s: record of %zu bytes is above "
			"record-max %u, not written\n",
			ch->cfg.name, len, ch->cfg.record_max);
		ps->failed++;
		return 0;
	}
	r = ed_user_write(ch, (nku16_f)type, buf, (nku32_f)len, NULL, -1);
	if (r == -ED_ENOSPC) {
		ps->dropped++;
		return 0;
	}
	if (r == -ED_USER_EHVLOST) {
		edt_hv_lost();
		return -1;
	}
	if (r) {
		fprintf(stderr, "earlydata: channel %s: write failed (%d)\n",
			ch->cfg.name, r);
		ps->failed++;
		return -1;
	}
	ps->written++;
	return 0;
}

static void pace(double rate, nku64_f t0, long k)
{
	nku64_f due, now;

	if (rate <= 0)
		return;
	due = t0 + (nku64_f)((double)k * 1e9 / rate);
	now = ed_user_now_ns();
	if (due > now)
		usleep((useconds_t)((due - now) / 1000));
}

static int generate(struct prod_state *ps)
{
	nku64_f t0 = ed_user_now_ns();
	char buf[256];
	long k;
	int i, n;

	for (k = 0; k < ps->o->generate; k++) {
		for (i = 0; i < ps->nsel; i++) {
			n = ed_gen_payload(buf, sizeof(buf), ps->sel[i]->cfg.name,
					k);
			if (put(ps, ps->sel[i], ps->o->type, buf, (size_t)n))
				return -1;
		}
		pace(ps->o->rate, t0, k + 1);
	}
	return 0;
}

static struct ed_channel *route(struct prod_state *ps, const char *name)
{
	int i;

	if (!name)
		return ps->sel[0];
	for (i = 0; i < ps->nsel; i++)
		if (!strcmp(ps->sel[i]->cfg.name, name))
			return ps->sel[i];
	return ed_channel_find(name, ED_PRODUCER);
}

/* One stdin line: raw bytes, a {channel,type,data} object, or any JSON. */
static int line(struct prod_state *ps, char *s, size_t len, long lineno)
{
	struct ed_channel *ch = ps->sel[0];
	json_error_t jerr;
	json_t *j, *d;
	char *text;
	int type = ps->o->type, r;

	if (ps->o->raw)
		return put(ps, ch, type, s, len);
	j = json_loadb(s, len, 0, &jerr);
	if (!j) {
		fprintf(stderr, "earlydata: stdin line %ld, column %d: %s\n",
			lineno, jerr.column, jerr.text);
		ps->failed++;
		return 0;
	}
	d = json_object_get(j, "data");
	if (json_is_object(j) && json_is_string(d)) {
		json_t *c = json_object_get(j, "channel");
		json_t *t = json_object_get(j, "type");

		if ((c && !json_is_string(c)) ||
		    (t && (!json_is_integer(t) || json_integer_value(t) < 0 ||
			   json_integer_value(t) > ED_REC_TYPE_MAX))) {
			fprintf(stderr,
				"earlydata: stdin line %ld: 'channel' must be "
				"a string, 'type' an integer 0..%d\n",
				lineno, ED_REC_TYPE_MAX);
			json_decref(j);
			ps->failed++;
			return 0;
		}
		ch = route(ps, c ? json_string_value(c) : NULL);
		if (!ch) {
			fprintf(stderr,
				"earlydata: stdin line %ld: no producer channel "
				"'%s' in this VM\n",
				lineno, json_string_value(c));
			json_decref(j);
			ps->failed++;
			return 0;
		}
		if (t)
			type = (int)json_integer_value(t);
		r = put(ps, ch, type, json_string_value(d),
			json_string_length(d));
		json_decref(j);
		return r;
	}
	text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(j);
	if (!text)
		return -1;
	r = put(ps, ch, type, text, strlen(text));
	free(text);
	return r;
}

int edt_produce(struct edt_opts *o)
{
	struct prod_state ps = { .o = o };
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0;
	int r = 0;

	if (edt_start(o, ED_PRODUCER, ps.sel, &ps.nsel))
		return 1;
	if (o->generate) {
		r = generate(&ps);
	} else {
		while ((n = getline(&buf, &cap, stdin)) >= 0) {
			lineno++;
			if (n && buf[n - 1] == '\n')
				buf[--n] = 0;
			if (!n && !o->raw)
				continue;
			if ((r = line(&ps, buf, (size_t)n, lineno)))
				break;
		}
		free(buf);
	}
	fprintf(stderr,
		"earlydata: VM %u produced %llu records (%llu dropped, %llu "
		"refused)\n",
		o->vm, ps.written, ps.dropped, ps.failed);
	while (o->linger && !r && !nkddi_hv_lost())
		ed_user_wait(NULL, ED_EV_LINK, -1);
	if (o->linger && !r) {
		edt_hv_lost();
		r = 1;
	}
	edt_stat_stop();
	ed_exit();
	return r || ps.failed ? 1 : 0;
}
