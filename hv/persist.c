// SPDX-License-Identifier: GPL-2.0-only
/*
 * nkhv --persist DIR: PMEM and PDEV kept in files under DIR, the way a
 * retained-RAM warm reset keeps them on an ECU, so that a restarted nkhv
 * with the same device tree finds every region's contents and every
 * labelled allocation where they were. VMs then join again; an Earlydata
 * ring, with its records and its consumer's read position, is as nkhv's
 * death left it.
 *
 *	DIR/lock		flock()ed while an nkhv uses DIR
 *	DIR/system		"nkhv-persist 1 <fingerprint of the system>"
 *	DIR/pdev-vm<ID>		a VM's PDEV
 *	DIR/pmem-<name>-<link>	a vlink's PMEM
 *	DIR/labels		the labelled allocations, one record each,
 *				appended as they are made
 *
 * A different system (fingerprint) discards what DIR holds. The labels
 * file is read like untrusted input: a record that does not fit the
 * system stops the replay there, with a message.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <unistd.h>

#include "nkhv.h"

#define PERSIST_MAGIC 0x324c42414c564b4eull /* "NKVLABL2" */

/* One labelled allocation as stored in DIR/labels. */
struct persist_rec {
	uint64_t magic;
	uint32_t vlink, id, kind, vm;
	uint64_t value, size, asked;
};

_Static_assert(sizeof(struct persist_rec) == HV_PERSIST_REC_SIZE,
	       "DIR/labels record layout");

/* FNV-1a over the parsed system: the same tree gives the same value. */
static uint64_t fingerprint(const struct nkhv_system *sys)
{
	const unsigned char *p = (const void *)sys;
	uint64_t h = 0xcbf29ce484222325ull;
	size_t i;

	for (i = 0; i < sizeof(*sys); i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static int path_of(const struct hv *hv, const char *name, char *buf,
		   size_t len)
{
	int n = snprintf(buf, len, "%s/%s", hv->persist_dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Remove the region files and labels of an earlier, different system. */
static void discard(struct hv *hv)
{
	char path[512], name[96];
	uint32_t i;

	for (i = 0; i < hv->sys.nvms; i++) {
		snprintf(name, sizeof(name), "pdev-vm%u", hv->sys.vms[i].id);
		if (!path_of(hv, name, path, sizeof(path)))
			unlink(path);
	}
	for (i = 0; i < hv->sys.nvlinks; i++) {
		snprintf(name, sizeof(name), "pmem-%s-%d",
			 hv->sys.vlinks[i].name, hv->sys.vlinks[i].link);
		if (!path_of(hv, name, path, sizeof(path)))
			unlink(path);
	}
	if (!path_of(hv, "labels", path, sizeof(path)))
		unlink(path);
}

/*
 * Take DIR for this nkhv: lock it, and keep what it holds only if it was
 * written for this very system. Returns 0 or -errno (a message logged).
 */
int hv_persist_open(struct hv *hv)
{
	char path[512], want[64], have[64] = "";
	FILE *f;
	int fd;

	hv->persist_lock = hv->persist_labels = -1;
	if (path_of(hv, "lock", path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int err = -errno;

		hv_log("--persist %s: %s", hv->persist_dir,
		       err == -EWOULDBLOCK ? "another nkhv uses it" :
					     strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	hv->persist_lock = fd;
	snprintf(want, sizeof(want), "nkhv-persist 1 %016llx\n",
		 (unsigned long long)fingerprint(&hv->sys));
	path_of(hv, "system", path, sizeof(path));
	f = fopen(path, "r");
	if (f) {
		if (!fgets(have, sizeof(have), f))
			have[0] = 0;
		fclose(f);
	}
	if (strcmp(have, want)) {
		if (have[0])
			hv_log("--persist %s: written for another system; "
			       "its memory is discarded",
			       hv->persist_dir);
		discard(hv);
		f = fopen(path, "w");
		if (!f || fputs(want, f) < 0 || fclose(f)) {
			hv_log("--persist %s: cannot write %s", hv->persist_dir,
			       path);
			return -EIO;
		}
	} else {
		hv->persist_resumed = true;
	}
	path_of(hv, "labels", path, sizeof(path));
	hv->persist_labels =
		open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	return hv->persist_labels < 0 ? -errno : 0;
}

/* The file backing region `name` (opened, not yet sized), or -errno. */
int hv_persist_region_fd(struct hv *hv, const char *name)
{
	char path[512];
	int fd;

	if (path_of(hv, name, path, sizeof(path)))
		return -ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	return fd < 0 ? -errno : fd;
}

/* Append label `lb` to DIR/labels. */
void hv_persist_label(struct hv *hv, const struct hv_label *lb)
{
	struct persist_rec r = { .magic = PERSIST_MAGIC,
				 .vlink = lb->vlink,
				 .id = lb->id,
				 .kind = lb->kind,
				 .vm = lb->vm,
				 .value = lb->value,
				 .size = lb->size,
				 .asked = lb->asked };

	if (hv->persist_labels >= 0 &&
	    write(hv->persist_labels, &r, sizeof(r)) != (ssize_t)sizeof(r))
		hv_log("--persist %s: cannot record a label: %s",
		       hv->persist_dir, strerror(errno));
}

/* Re-make one stored label; false when it does not fit this system. */
static bool replay(struct hv *hv, const struct persist_rec *r)
{
	struct hv_label lb = { .vlink = r->vlink,
			       .id = r->id,
			       .kind = r->kind,
			       .vm = r->vm,
			       .value = r->value,
			       .size = r->size,
			       .asked = r->asked };

	if (r->magic != PERSIST_MAGIC || r->vlink >= hv->sys.nvlinks ||
	    r->vm >= hv->sys.nvms || r->kind > HV_LABEL_XIRQ || !r->size)
		return false;
	if (r->kind == HV_LABEL_XIRQ)
		return hv_xirq_restore(hv, &lb) == 0;
	return hv_region_restore(hv, &lb) == 0;
}

/* After the regions are made: every label of the earlier run, again. */
int hv_persist_replay(struct hv *hv)
{
	struct persist_rec r;
	uint64_t n = 0;
	ssize_t got;

	if (!hv->persist_resumed || lseek(hv->persist_labels, 0, SEEK_SET))
		return 0;
	while ((got = read(hv->persist_labels, &r, sizeof(r))) ==
	       (ssize_t)sizeof(r)) {
		if (!replay(hv, &r)) {
			hv_log("--persist %s: label %llu does not fit the "
			       "system; the labels after it are dropped",
			       hv->persist_dir, (unsigned long long)n);
			break;
		}
		n++;
	}
	/* What a partial or bad record left is cut: appends go after n. */
	if (ftruncate(hv->persist_labels, (off_t)(n * sizeof(r))))
		return -errno;
	hv_log("--persist %s: %llu labelled allocations restored",
	       hv->persist_dir, (unsigned long long)n);
	return 0;
}

void hv_persist_close(struct hv *hv)
{
	if (hv->persist_labels >= 0)
		close(hv->persist_labels);
	if (hv->persist_lock >= 0)
		close(hv->persist_lock);
	hv->persist_labels = hv->persist_lock = -1;
}
