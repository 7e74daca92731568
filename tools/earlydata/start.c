// SPDX-License-Identifier: GPL-2.0-only
/* Joining the VM, starting the driver, selecting channels. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <nkddi/nkddi.h>

#include "earlydata.h"

static const char *role_name(int role)
{
	return role == ED_PRODUCER ? "producer" : "consumer";
}

void edt_hv_lost(void)
{
	static int said;

	if (!said++)
		fprintf(stderr,
			"earlydata: nkhv is gone (it closed this VM's socket: "
			"it exited or was killed); nothing reaches the peer "
			"any more, stopping\n");
}

int edt_start(struct edt_opts *o, int role, struct ed_channel **sel, int *nsel)
{
	char err[256];
	int n, i, r;

	r = nkddi_join_vm(o->run_dir, o->vm);
	if (r) {
		fprintf(stderr, "earlydata: cannot join VM %u in %s: %s\n",
			o->vm, o->run_dir, nkddi_last_error());
		return -1;
	}
	n = ed_user_init(err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "earlydata: VM %u: %s\n", o->vm, err);
		return -1;
	}
	*nsel = 0;
	if (!o->nchannels) {
		/* Default: every channel of this role. */
		for (i = 0; i < n; i++)
			if (ed_channel_get(i)->role == role)
				sel[(*nsel)++] = ed_channel_get(i);
	}
	for (i = 0; i < o->nchannels; i++) {
		struct ed_channel *ch = ed_channel_find(o->channels[i], role);

		if (!ch) {
			fprintf(stderr,
				"earlydata: VM %u is not the %s of a channel "
				"named '%s'\n",
				o->vm, role_name(role), o->channels[i]);
			return -1;
		}
		sel[(*nsel)++] = ch;
	}
	if (!*nsel) {
		fprintf(stderr, "earlydata: VM %u has no %s channel\n", o->vm,
			role_name(role));
		return -1;
	}
	if (edt_stat_serve(o->run_dir, o->vm))
		fprintf(stderr, "earlydata: statistics socket: %s\n",
			strerror(errno));
	return 0;
}
