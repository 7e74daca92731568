// SPDX-License-Identifier: GPL-2.0-only
/*
 * nkhv's log (stderr, one line per event) and refusal accounting.
 *
 * Each line starts with the host's CLOCK_MONOTONIC in one fixed format,
 * seconds and microseconds, never padded: "nkhv[435.116082]: " (see
 * docs/nkhv.md). The same clock stamps the times of the status document.
 */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "nkhv.h"

uint64_t hv_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The prefix of a log line stamped `ns`, into buf: "nkhv[S.UUUUUU]: ". */
int hv_log_stamp(char *buf, size_t len, uint64_t ns)
{
	return snprintf(buf, len, "nkhv[%llu.%06llu]: ",
			(unsigned long long)(ns / 1000000000u),
			(unsigned long long)(ns % 1000000000u / 1000u));
}

static void vlog(const char *fmt, va_list ap)
{
	char stamp[48];

	hv_log_stamp(stamp, sizeof(stamp), hv_now_ns());
	fputs(stamp, stderr);
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
		[HV_REF_BUDGET] = "budget",	[HV_REF_STALLED] = "stalled",
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
