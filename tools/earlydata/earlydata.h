/* SPDX-License-Identifier: GPL-2.0-only */
/* The earlydata tool: a user-space guest hosting the Earlydata driver. */
#ifndef TOOLS_EARLYDATA_H
#define TOOLS_EARLYDATA_H

#include <stdbool.h>

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
};

/* Join the VM and start the driver; resolve --channel names with role. */
int edt_start(struct edt_opts *o, int role, struct ed_channel **sel, int *nsel);

int edt_produce(struct edt_opts *o);
int edt_consume(struct edt_opts *o);
int edt_stat(struct edt_opts *o);

/* Serve this process's channel statistics on DIR/earlydata-vm<ID>.sock. */
int edt_stat_serve(const char *run_dir, unsigned int vm);
/* Stop answering (before ed_exit: the server thread reads the channels). */
void edt_stat_stop(void);
/* JSON text of every channel's statistics (caller frees). */
char *edt_stat_json(void);

#endif /* TOOLS_EARLYDATA_H */
