// SPDX-License-Identifier: GPL-2.0-only
/* nkhv's log (stderr, one line per event) and refusal accounting. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "nkhv.h"

static void vlog(const char *fmt, va_list ap)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(stderr, "nkhv[%5ld.%03ld]: ", (long)ts.tv_sec,
		ts.tv_nsec / 1000000);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void hv_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

const char *hv_refusal_name(enum hv_refusal why)
{
	static const char *const names[HV_REF_COUNT] = {
		[HV_REF_MAP] = "map",		[HV_REF_XIRQ] = "xirq",
		[HV_REF_STATE] = "state",	[HV_REF_ALLOC] = "alloc",
		[HV_REF_PROTOCOL] = "protocol", [HV_REF_BUSY] = "busy",
	};

	return why < HV_REF_COUNT ? names[why] : "?";
}

/* Count a refusal against VM index `vm` and log why. */
void hv_refuse(struct hv *hv, uint32_t vm, enum hv_refusal why, const char *fmt,
	       ...)
{
	char line[512];
	va_list ap;

	hv->vms[vm].refusals[why]++;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	hv_log("refused (%s): vm %u (%s): %s", hv_refusal_name(why),
	       hv->vms[vm].cfg->id, hv->vms[vm].cfg->name, line);
}
