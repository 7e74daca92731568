/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The NKDDI conformance suite: for each NkDevOps member, its documented
 * semantics (docs/nkddi.md): return values, idempotent labels, masking,
 * iteration, version. Free of libc and kernel headers, so that both
 * providers run the same checks: libnkddi in a process VM
 * (tests/nkddi/test_conformance.c) and nkddi.ko in a Linux VM
 * (guest/linux/test/nk_selftest.c).
 *
 * The host gives the name of a vlink of the calling VM with PMEM and at
 * least 6 unused XIRQs of this VM, and a sleep. nkc_run() returns 0, or
 * the line of the first failed check after reporting it with env->report.
 */
#ifndef NK_CONFORM_H
#define NK_CONFORM_H

#include <nk/nkern.h>

struct nkc_env {
	const char *vlink; /* a vlink of this VM, with PMEM and 6 XIRQs */
	void (*sleep_ms)(unsigned int ms);
	void (*report)(int line, const char *what);
	unsigned int checks; /* checks passed */
};

#define NKC_CHECK(env, cond)                           \
	do {                                           \
		if (!(cond)) {                         \
			(env)->report(__LINE__, #cond);  \
			return __LINE__;               \
		}                                      \
		(env)->checks++;                       \
	} while (0)

static volatile nku32_f nkc_hits[4];

static void nkc_handler(void *cookie, NkXIrq xirq)
{
	(void)xirq;
	nkops.nk_atomic_add(&nkc_hits[(unsigned long)cookie & 3], 1);
}

/* Wait up to 2 s for counter i to reach n. */
static int nkc_wait(struct nkc_env *env, int i, nku32_f n)
{
	int t;

	for (t = 0; t < 200 && nkc_hits[i] < n; t++)
		env->sleep_ms(10);
	return nkc_hits[i] >= n;
}

static int nkc_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* Every member is present, and the version has every call. */
static int nkc_table(struct nkc_env *env)
{
	const void *const fns[] = {
		(const void *)nkops.nk_dev_lookup_by_class,
		(const void *)nkops.nk_dev_lookup_by_type,
		(const void *)nkops.nk_dev_alloc,
		(const void *)nkops.nk_dev_add,
		(const void *)nkops.nk_id_get,
		(const void *)nkops.nk_last_id_get,
		(const void *)nkops.nk_running_ids_get,
		(const void *)nkops.nk_ptov,
		(const void *)nkops.nk_vtop,
		(const void *)nkops.nk_vex_mask,
		(const void *)nkops.nk_vex_addr,
		(const void *)nkops.nk_xirq_alloc,
		(const void *)nkops.nk_xirq_attach,
		(const void *)nkops.nk_xirq_mask,
		(const void *)nkops.nk_xirq_unmask,
		(const void *)nkops.nk_xirq_detach,
		(const void *)nkops.nk_xirq_trigger,
		(const void *)nkops.nk_mask2bit,
		(const void *)nkops.nk_bit2mask,
		(const void *)nkops.nk_atomic_clear,
		(const void *)nkops.nk_clear_and_test,
		(const void *)nkops.nk_atomic_set,
		(const void *)nkops.nk_atomic_sub,
		(const void *)nkops.nk_sub_and_test,
		(const void *)nkops.nk_atomic_add,
		(const void *)nkops.nk_mem_map,
		(const void *)nkops.nk_mem_unmap,
		(const void *)nkops.nk_cpu_id_get,
		(const void *)nkops.nk_xvex_post,
		(const void *)nkops.nk_local_xirq_post,
		(const void *)nkops.nk_xirq_attach_masked,
		(const void *)nkops.nk_scheduler,
		(const void *)nkops.nk_stop,
		(const void *)nkops.nk_start,
		(const void *)nkops.nk_suspend,
		(const void *)nkops.nk_resume,
		(const void *)nkops.nk_machine_addr,
		(const void *)nkops.nk_log_buffer,
		(const void *)nkops.nk_log_guests,
		(const void *)nkops.nk_log_events,
		(const void *)nkops.nk_cmdline_get,
		(const void *)nkops.nk_vlink_lookup,
		(const void *)nkops.nk_pdev_alloc,
		(const void *)nkops.nk_pmem_alloc,
		(const void *)nkops.nk_pxirq_alloc,
		(const void *)nkops.nk_mem_copy_to,
		(const void *)nkops.nk_mem_copy_from,
		(const void *)nkops.nk_mem_map_sync,
		(const void *)nkops.nk_mem_unmap_sync,
		(const void *)nkops.nk_cache_sync,
		(const void *)nkops.nk_info,
		(const void *)nkops.nk_xirq_affinity,
		(const void *)nkops.nk_balloon_ctrl,
		(const void *)nkops.nk_prop_set,
		(const void *)nkops.nk_prop_get,
		(const void *)nkops.nk_prop_enum,
	};
	unsigned int i;

	NKC_CHECK(env, sizeof(fns) / sizeof(fns[0]) == 56);
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++)
		NKC_CHECK(env, fns[i] != (const void *)0);
	NKC_CHECK(env, nkops.nk_version == NK_VERSION_9);
	NKC_CHECK(env, nkops.nk_version >= NK_VERSION_6);
	return 0;
}

/* Bit helpers and atomics, VLX's return values included. */
static int nkc_bits(struct nkc_env *env, volatile nku32_f *w)
{
	nku32_f b, v, seen = 0;
	int rounds = 0;

	for (b = 0; b < 32; b++) {
		NKC_CHECK(env, nkops.nk_bit2mask(b) == 1u << b);
		NKC_CHECK(env, nkops.nk_mask2bit(1u << b) == b);
		NKC_CHECK(env, nkops.nk_mask2bit(~0u << b) == b);
	}
	NKC_CHECK(env, nkops.nk_mask2bit(0x6) == 1);
	NKC_CHECK(env, nkops.nk_mask2bit(0) == 0);

	*w = 0;
	nkops.nk_atomic_set(w, 0x11);
	NKC_CHECK(env, *w == 0x11);
	nkops.nk_atomic_clear(w, 0x01);
	NKC_CHECK(env, *w == 0x10);
	/* nk_clear_and_test returns the mask left. */
	*w = 0x1f;
	NKC_CHECK(env, nkops.nk_clear_and_test(w, 0x01) == 0x1e && *w == 0x1e);
	NKC_CHECK(env, nkops.nk_clear_and_test(w, 0x00) == 0x1e);
	NKC_CHECK(env, nkops.nk_clear_and_test(w, 0x1e) == 0 && *w == 0);
	/* A vRTC-style event loop: one pass per event, and it ends. */
	*w = 0x5;
	for (v = *w; v && rounds < 64; v = nkops.nk_clear_and_test(w, b)) {
		b = 1u << nkops.nk_mask2bit(v);
		NKC_CHECK(env, !(seen & b));
		seen |= b;
		rounds++;
	}
	NKC_CHECK(env, !v && rounds == 2 && seen == 0x5 && *w == 0);
	/* nk_sub_and_test returns the value left. */
	*w = 0;
	nkops.nk_atomic_add(w, 10);
	NKC_CHECK(env, *w == 10);
	nkops.nk_atomic_sub(w, 2);
	NKC_CHECK(env, *w == 8);
	NKC_CHECK(env, nkops.nk_sub_and_test(w, 3) == 5 && *w == 5);
	NKC_CHECK(env, nkops.nk_sub_and_test(w, 5) == 0 && *w == 0);
	NKC_CHECK(env, nkops.nk_sub_and_test(w, 1) == 0xffffffffu);
	*w = 0;
	return 0;
}

/* Labelled allocations: same label, same answer; sizes as given. */
static int nkc_labels(struct nkc_env *env, NkPhAddr plink, NkOsId self)
{
	NkPhAddr a, b;
	NkXIrq x;

	a = nkops.nk_pmem_alloc(plink, 0xc0f1, 100);
	NKC_CHECK(env, a && !(a & 4095));
	NKC_CHECK(env, nkops.nk_pmem_alloc(plink, 0xc0f1, 100) == a);
	NKC_CHECK(env, nkops.nk_pmem_alloc(plink, 0xc0f1, 200) == 0);
	NKC_CHECK(env, nkops.nk_pmem_alloc(plink, 0xc0f1, 4096) == 0);
	b = nkops.nk_pmem_alloc(plink, 0xc0f2, 100);
	NKC_CHECK(env, b && b != a);
	NKC_CHECK(env, nkops.nk_pmem_alloc(0, 0xc0f1, 100) == 0);

	a = nkops.nk_pdev_alloc(plink, 0xc0f3, 100);
	NKC_CHECK(env, a && nkops.nk_pdev_alloc(plink, 0xc0f3, 100) == a);
	NKC_CHECK(env, nkops.nk_pdev_alloc(plink, 0xc0f3, 200) == 0);
	NKC_CHECK(env, nkops.nk_pdev_alloc(plink, 0xc0f3, 104) == 0);
	NKC_CHECK(env, nkops.nk_mem_map(a, 100) != (void *)0);

	x = nkops.nk_pxirq_alloc(plink, 0xc0f4, self, 2);
	NKC_CHECK(env, x >= NK_XIRQ_FIRST_DYNAMIC);
	NKC_CHECK(env, nkops.nk_pxirq_alloc(plink, 0xc0f4, self, 2) == x);
	NKC_CHECK(env, nkops.nk_pxirq_alloc(plink, 0xc0f4, self, 1) == 0);
	NKC_CHECK(env, nkops.nk_pxirq_alloc(plink, 0xc0f5, self, 0) == 0);
	return 0;
}

/* Memory: translations, maps, copies, DMA maps, properties. */
static int nkc_memory(struct nkc_env *env, NkPhAddr plink)
{
	NkPhAddr pmem = nkops.nk_pmem_alloc(plink, 0xc0f6, 8192);
	char buf[16] = "conformance", back[16];
	NkCachesInfo caches;
	NkVmInfo vm = 0;
	nku8_f *p;
	int i;

	NKC_CHECK(env, pmem);
	p = nkops.nk_mem_map(pmem, 8192);
	NKC_CHECK(env, p && nkops.nk_ptov(pmem) == p);
	NKC_CHECK(env, nkops.nk_vtop(p + 100) == pmem + 100);
	nkops.nk_mem_unmap(p, pmem, 8192);
	NKC_CHECK(env, !nkops.nk_mem_map(pmem, 0));
	NKC_CHECK(env, !nkops.nk_ptov(0));
	NKC_CHECK(env, !nkops.nk_vtop(buf));
	NKC_CHECK(env, nkops.nk_mem_map_sync(pmem, 64, NK_CACHE_SYNC_RW) == p);
	nkops.nk_cache_sync(p, 64, NK_CACHE_SYNC_READ);
	nkops.nk_mem_unmap_sync(p, pmem, 64);
	NKC_CHECK(env, nkops.nk_machine_addr(pmem) == pmem);

	NKC_CHECK(env, nkops.nk_mem_copy_to(pmem + 8, buf, sizeof(buf)) ==
			       sizeof(buf));
	NKC_CHECK(env, nkc_streq((const char *)p + 8, "conformance"));
	NKC_CHECK(env, nkops.nk_mem_copy_from(back, pmem + 8, sizeof(back)) ==
			       sizeof(back));
	NKC_CHECK(env, nkc_streq(back, "conformance"));
	NKC_CHECK(env, nkops.nk_mem_copy_to(0, buf, sizeof(buf)) == 0);
	NKC_CHECK(env, nkops.nk_mem_copy_from(back, ~0ull, 4) == 0);

	NKC_CHECK(env, nkops.nk_info(NK_INFO_VM, &vm, 0) == sizeof(NkVmInfo));
	NKC_CHECK(env, vm == 0);
	NKC_CHECK(env, nkops.nk_info(NK_INFO_VM, &vm, sizeof(vm)) ==
			       sizeof(NkVmInfo));
	NKC_CHECK(env, (vm & NK_VM_ISOLATED) && !(vm & NK_VM_ALLMEM_MAPPABLE));
	caches.limit = 99;
	NKC_CHECK(env, nkops.nk_info(NK_INFO_CACHE, &caches, sizeof(caches)) ==
			       sizeof(NkCachesInfo));
	NKC_CHECK(env, caches.limit == 0);
	NKC_CHECK(env, nkops.nk_info((NkInfo)77, &vm, sizeof(vm)) == 0);
	for (i = 0; i < 8; i++)
		p[i] = 0;
	return 0;
}

/* vlink iteration and the device repository built on it. */
static int nkc_repository(struct nkc_env *env, NkPhAddr plink, NkOsId self)
{
	NkPhAddr p, ring, n = 0, q = 0;
	int vlinks = 0, found = 0, rings = 0, classes = 0;
	NkDevDesc *d;
	NkDevRing *r;

	while ((q = nkops.nk_vlink_lookup(env->vlink, q)))
		n++;
	NKC_CHECK(env, n >= 1);
	NKC_CHECK(env, !nkops.nk_vlink_lookup("no-such-vlink", 0));
	NKC_CHECK(env, !nkops.nk_vlink_lookup(env->vlink, plink + 1));

	for (p = 0; (p = nkops.nk_dev_lookup_by_type(NK_DEV_ID_VLINK, p));) {
		const NkDevVlink *vl;

		d = nkops.nk_ptov(p);
		NKC_CHECK(env, d && d->dev_id == NK_DEV_ID_VLINK &&
				       d->class_id == NK_DEV_CLASS_GEN);
		vl = nkops.nk_ptov(d->dev_header);
		NKC_CHECK(env, vl && (vl->s_id == self || vl->c_id == self));
		found += d->dev_header == plink;
		NKC_CHECK(env, ++vlinks < 1000);
	}
	NKC_CHECK(env, found == 1);

	/* A ring device, as a VLX ring driver makes one. */
	ring = nkops.nk_dev_alloc(sizeof(NkDevDesc) + sizeof(NkDevRing));
	NKC_CHECK(env, ring);
	d = nkops.nk_ptov(ring);
	NKC_CHECK(env, d && d->next == 0 && d->dev_id == 0 && d->dev_header == 0);
	r = (NkDevRing *)(d + 1);
	NKC_CHECK(env, r->type == 0 && r->base == 0);
	d->class_id = NK_DEV_CLASS_GEN;
	d->dev_id = NK_DEV_ID_RING;
	d->dev_header = ring + sizeof(NkDevDesc);
	d->dev_owner = self;
	r->pid = self;
	r->type = 0x434f4e46; /* "CONF" */
	NKC_CHECK(env, !nkops.nk_dev_lookup_by_type(NK_DEV_ID_RING, 0) ||
			       nkops.nk_dev_lookup_by_type(NK_DEV_ID_RING, 0) !=
				       ring);
	nkops.nk_dev_add(ring);
	nkops.nk_dev_add(ring); /* twice: listed once */
	nkops.nk_dev_add(plink); /* not a repository block: ignored */
	for (p = 0; (p = nkops.nk_dev_lookup_by_type(NK_DEV_ID_RING, p));) {
		d = nkops.nk_ptov(p);
		r = nkops.nk_ptov(d->dev_header);
		NKC_CHECK(env, r);
		rings += p == ring && r->type == 0x434f4e46 && r->pid == self;
		NKC_CHECK(env, rings < 1000);
	}
	NKC_CHECK(env, rings == 1);
	for (p = 0; (p = nkops.nk_dev_lookup_by_class(NK_DEV_CLASS_GEN, p));)
		NKC_CHECK(env, ++classes < 1000);
	NKC_CHECK(env, classes >= vlinks + 1);
	NKC_CHECK(env, !nkops.nk_dev_lookup_by_class(NK_DEV_CLASS_PCI, 0));
	NKC_CHECK(env, !nkops.nk_dev_lookup_by_type(NK_DEV_ID_RING, ring + 1));
	NKC_CHECK(env, !nkops.nk_dev_lookup_by_type(NK_DEV_ID_RING, plink));
	NKC_CHECK(env, !nkops.nk_dev_alloc(0));
	NKC_CHECK(env, !nkops.nk_dev_alloc(1ull << 40));
	return 0;
}

/* XIRQs: allocation, attach (also masked), mask, unmask, detach. */
static int nkc_xirqs(struct nkc_env *env, NkOsId self)
{
	NkXIrq x = nkops.nk_xirq_alloc(1), y;
	NkXIrqId a, b;
	int i;

	for (i = 0; i < 4; i++)
		nkc_hits[i] = 0;
	NKC_CHECK(env, x >= NK_XIRQ_FIRST_DYNAMIC);
	y = nkops.nk_xirq_alloc(2);
	NKC_CHECK(env, y >= NK_XIRQ_FIRST_DYNAMIC && y != x && y + 1 != x);
	NKC_CHECK(env, nkops.nk_xirq_alloc(0) == 0);
	NKC_CHECK(env, nkops.nk_xirq_alloc(-1) == 0);
	NKC_CHECK(env, nkops.nk_xirq_alloc(1 << 20) == 0);

	a = nkops.nk_xirq_attach(x, nkc_handler, (void *)0);
	b = nkops.nk_xirq_attach_masked(x, nkc_handler, (void *)1);
	NKC_CHECK(env, a && b && a != b);
	nkops.nk_xirq_trigger(x, self);
	NKC_CHECK(env, nkc_wait(env, 0, 1) && nkc_wait(env, 1, 1));

	/* Masked: pending until unmasked, then delivered once. */
	nkops.nk_xirq_mask(x);
	nkops.nk_xirq_trigger(x, self);
	nkops.nk_local_xirq_post(x, self);
	env->sleep_ms(200);
	NKC_CHECK(env, nkc_hits[0] == 1);
	nkops.nk_xirq_unmask(x);
	NKC_CHECK(env, nkc_wait(env, 0, 2));
	env->sleep_ms(200);
	NKC_CHECK(env, nkc_hits[0] == 2 && nkc_hits[1] == 2);

	/* Detached: the other handler alone runs. */
	nkops.nk_xirq_detach(b);
	nkops.nk_local_xirq_post(x, self);
	NKC_CHECK(env, nkc_wait(env, 0, 3));
	env->sleep_ms(100);
	NKC_CHECK(env, nkc_hits[1] == 2);
	nkops.nk_xirq_detach(a);

	/* The second allocation is an XIRQ of its own. */
	a = nkops.nk_xirq_attach(y + 1, nkc_handler, (void *)2);
	NKC_CHECK(env, a);
	nkops.nk_xirq_trigger(y + 1, self);
	NKC_CHECK(env, nkc_wait(env, 2, 1));
	env->sleep_ms(100);
	NKC_CHECK(env, nkc_hits[0] == 3);
	nkops.nk_xirq_detach(a);
	nkops.nk_xirq_affinity(x, 1);
	return 0;
}

/* The calls the model gives no meaning: VLX's failure values. */
static int nkc_refused(struct nkc_env *env, NkOsId self)
{
	NkSchedParams old = { 1, 2, 3 };
	char line[8] = "x";
	nku32_f pfn = 0;
	NkPropAttr attr = 0;
	int n;

	NKC_CHECK(env, nkops.nk_vex_mask(0) == 0);
	NKC_CHECK(env, nkops.nk_vex_addr(0) == 0);
	nkops.nk_xvex_post(0, self, 1);
	nkops.nk_scheduler(self, &old, (NkSchedParams *)0);
	NKC_CHECK(env, old.fg_prio == 0 && old.bg_prio == 0 && old.quantum == 0);
	nkops.nk_stop(self);
	nkops.nk_suspend(self);
	nkops.nk_resume(self);
	nkops.nk_start(self);
	NKC_CHECK(env, nkops.nk_id_get() == self);
	NKC_CHECK(env, nkops.nk_log_buffer(0, 0, 4096) != 0);
	nkops.nk_log_guests(~0u);
	nkops.nk_log_events(~0u);
	n = nkops.nk_cmdline_get(self, line, sizeof(line));
	NKC_CHECK(env, n < 0 ? line[0] == 0 : line[n < 8 ? n : 7] == 0);
	NKC_CHECK(env, nkops.nk_balloon_ctrl(NK_BALLOON_STATUS, &pfn, 0) ==
			       NK_BALLOON_DISABLED);
	NKC_CHECK(env, nkops.nk_balloon_ctrl(NK_BALLOON_ALLOC, &pfn, 1) == 0);
	NKC_CHECK(env, nkops.nk_prop_set("p", line, 1) == NK_PROP_UNKNOWN);
	NKC_CHECK(env, nkops.nk_prop_get("p", line, 1) == NK_PROP_UNKNOWN);
	NKC_CHECK(env, nkops.nk_prop_enum(0, line, 8, &attr) ==
			       NK_PROP_UNKNOWN);
	return 0;
}

/* The whole suite. */
static int nkc_run(struct nkc_env *env)
{
	NkOsId self = nkops.nk_id_get();
	NkPhAddr plink = 0;
	NkDevVlink *vl = (NkDevVlink *)0;
	int err;

	env->checks = 0;
	err = nkc_table(env);
	if (err)
		return err;
	NKC_CHECK(env, self >= 1 && self < NK_OS_LIMIT);
	NKC_CHECK(env, nkops.nk_last_id_get() >= self);
	NKC_CHECK(env, nkops.nk_running_ids_get() & nkops.nk_bit2mask(self));
	NKC_CHECK(env, !(nkops.nk_running_ids_get() >>
			 (nkops.nk_last_id_get() + 1)));
	NKC_CHECK(env, nkops.nk_cpu_id_get() < 4096);
	while ((plink = nkops.nk_vlink_lookup(env->vlink, plink))) {
		vl = nkops.nk_ptov(plink);
		NKC_CHECK(env, vl && nkops.nk_vtop(vl) == plink);
		if (vl->s_id == self || vl->c_id == self)
			break;
	}
	NKC_CHECK(env, plink && vl);
	err = nkc_labels(env, plink, self);
	if (!err)
		err = nkc_memory(env, plink);
	if (!err) {
		volatile nku32_f *w = nkops.nk_ptov(
			nkops.nk_pmem_alloc(plink, 0xc0f6, 8192));

		NKC_CHECK(env, w);
		err = nkc_bits(env, w);
	}
	if (!err)
		err = nkc_repository(env, plink, self);
	if (!err)
		err = nkc_xirqs(env, self);
	if (!err)
		err = nkc_refused(env, self);
	printnk("nk_conform: %u checks, %s\n", env->checks,
		err ? "failed" : "passed");
	return err;
}

#endif /* NK_CONFORM_H */
