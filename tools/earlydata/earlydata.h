/* SPDX-License-Identifier: GPL-2.0-only */
/* The earlydata tool: a user-space guest hosting the Earlydata driver. */
#ifndef TOOLS_EARLYDATA_H
#define TOOLS_EARLYDATA_H

#include <stdbool.h>
#include <jansson.h>

#include <earlydata/ed_user.h>

#define EDT_MAX_SEL 16

struct edt_opts {
	const char *run_dir;
	unsigned int vm;
	const char *channels[EDT_MAX_SEL]; /* --channel, in order given */
	int nchannels;
	int type; /* --type, default record type */
	bool raw, json, follow, from_start, peek, linger;
	long generate; /* --generate N records (produce) */
	double rate; /* --rate HZ for --generate, 0 = as fast as possible */
	long count; /* --count N messages then exit (consume) */
	int timeout_ms; /* --timeout: give up waiting (consume/produce) */
	const char *output; /* --output FILE: exactly-once append */
	const char *dlt; /* --dlt FILE: DLT storage file, exactly once */
	const char *dlt_ecu; /* --dlt-ecu ID */
	const char *dlt_clock; /* --dlt-clock wall|uptime|SECONDS */
	const char *dlt_app; /* --dlt-app ID (dlt-forward) */
};

/* Where a file's stream of a channel ends: records of epoch below next. */
struct sink_pos {
	bool have;
	unsigned long long epoch, next;
};

/* Drop a partial last line left by a kill in mid-write: 0 or -1. */
int edt_trim_partial(int fd);

/*
 * Read the JSON lines of fd (from its start): per selected channel, where
 * its stream ends (held[i]); line(ctx, i, object) sees each line of
 * channel i (may be NULL). 0, or -1 when fd cannot be read.
 */
int edt_load_held(int fd, struct ed_channel **sel, int nsel,
		  struct sink_pos *held,
		  void (*line)(void *ctx, int i, json_t *j), void *ctx);

/* A DLT storage file written exactly once (tools/earlydata/dlt_sink.c). */
struct edt_dlt;
/*
 * Open FILE and its journal FILE.pos, cut what the journal does not
 * cover, and load held[] (positions of the selected channels). NULL with
 * a message on stderr when that fails.
 */
struct edt_dlt *edt_dlt_open(const struct edt_opts *o, struct ed_channel **sel,
			     int nsel, struct sink_pos *held);
/* Append m of selected channel i: 0, or -1 with errno. */
int edt_dlt_put(struct edt_dlt *d, int i, const struct ed_msg *m);
void edt_dlt_close(struct edt_dlt *d);
/* Storage time offset of --dlt-clock SPEC; -1 if SPEC is not valid. */
int edt_dlt_clock(const char *spec, long long *offset_ns);

/* Say that nkhv is gone (the program then stops with status 1). */
void edt_hv_lost(void);

/* Join the VM and start the driver; resolve --channel names with role. */
int edt_start(struct edt_opts *o, int role, struct ed_channel **sel, int *nsel);

int edt_produce(struct edt_opts *o);
int edt_consume(struct edt_opts *o);
/* Forward to a running dlt-daemon through libdlt (forward.c). */
int edt_dlt_forward(struct edt_opts *o);
int edt_stat(struct edt_opts *o);

/* Serve this process's channel statistics on DIR/earlydata-vm<ID>.sock. */
int edt_stat_serve(const char *run_dir, unsigned int vm);
/* Stop answering (before ed_exit: the server thread reads the channels). */
void edt_stat_stop(void);
/* JSON text of every channel's statistics (caller frees). */
char *edt_stat_json(void);

#endif /* TOOLS_EARLYDATA_H */
