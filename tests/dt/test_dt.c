// SPDX-License-Identifier: GPL-2.0-only
/*
 * Device-tree loader tests: the shipped examples parse and lay out as
 * documented; every file in bad/ is refused with the rule and node path
 * its first line expects; corrupt blobs are refused without a crash.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include <nkhv/config.h>

static struct nkhv_system sys;
static struct nkhv_config_error err;

static int load(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return nkhv_config_load(path, &sys, &err);
}

static void assert_no_overlap(void)
{
	uint64_t b[NKHV_MAX_VMS + NKHV_MAX_VLINKS],
		s[NKHV_MAX_VMS + NKHV_MAX_VLINKS];
	uint32_t n = 0, i, j;

	for (i = 0; i < sys.nvms; i++) {
		b[n] = sys.vms[i].pdev_base;
		s[n++] = sys.vms[i].pdev_size;
	}
	for (i = 0; i < sys.nvlinks; i++) {
		if (!sys.vlinks[i].pmem_size)
			continue;
		b[n] = sys.vlinks[i].pmem_base;
		s[n++] = sys.vlinks[i].pmem_size;
	}
	for (i = 0; i < n; i++) {
		assert_int_equal(b[i] % NKHV_PAGE_SIZE, 0);
		assert_true(b[i] >= sys.phys_base);
		assert_true(b[i] + s[i] <= sys.phys_base + sys.phys_size);
		for (j = i + 1; j < n; j++)
			assert_true(b[i] + s[i] <= b[j] || b[j] + s[j] <= b[i]);
	}
}

static void test_idcevo(void **state)
{
	const struct nkhv_vlink *l;

	(void)state;
	assert_int_equal(load(EXAMPLES_DIR, "idcevo.dts"), 0);
	assert_string_equal(sys.model, "IDCEvo-like");
	assert_int_equal(sys.nvms, 3);
	assert_int_equal(sys.nvlinks, 5);
	assert_string_equal(sys.vms[0].name, "rtos");
	assert_int_equal(sys.vms[1].id, 2);
	assert_int_equal(sys.vms[2].kind, NKHV_VM_PROCESS);
	l = &sys.vlinks[1];
	assert_string_equal(l->name, "earlydata");
	assert_int_equal(l->link, 2);
	assert_int_equal(l->server.vm, 0);
	assert_int_equal(l->client.vm, 1);
	assert_string_equal(l->server.info,
			    "signals,policy=drop-new,record-max=512,ring=1M,"
			    "dlt-app=RTOS,dlt-ctx=SIG");
	assert_int_equal(l->pmem_size, 0x101000);
	assert_string_equal(sys.vlinks[3].name, "vrpc");
	assert_int_equal(sys.vlinks[4].server.vm, 2);
	assert_int_equal(sys.vms[1].xirq_needed, 9);
	/* First PDEV at the window's start, then contiguous. */
	assert_int_equal(sys.vms[0].pdev_base, NKHV_DEFAULT_PHYS_BASE);
	assert_int_equal(sys.vms[1].pdev_base,
			 NKHV_DEFAULT_PHYS_BASE + 0x10000);
	assert_true(sys.vms[0].pdev_sys_size > 0 &&
		    sys.vms[0].pdev_sys_size < sys.vms[0].pdev_size);
	/* The client's end-point node order follows its own tree order. */
	assert_true(sys.vlinks[4].client.node_order >
		    sys.vlinks[3].client.node_order);
	assert_no_overlap();
}

static void test_small_examples(void **state)
{
	(void)state;
	assert_int_equal(load(EXAMPLES_DIR, "pingpong.dts"), 0);
	assert_int_equal(sys.nvlinks, 1);
	assert_int_equal(sys.vlinks[0].pmem_size, 0x2000);
	assert_int_equal(sys.vlinks[0].server.xirqs, 1);
	assert_no_overlap();
	assert_int_equal(load(EXAMPLES_DIR, "loopback.dts"), 0);
	assert_int_equal(sys.nvms, 1);
	assert_int_equal(sys.vlinks[0].server.vm, 0);
	assert_int_equal(sys.vlinks[0].client.vm, 0);
	assert_int_equal(sys.vms[0].xirq_needed, 2);
	assert_no_overlap();
}

/* Every bad/NAME.dts starts with "/ * expect: RULE PATH * /". */
static void test_bad_trees(void **state)
{
	struct dirent *de;
	DIR *d = opendir(BAD_DIR);
	int cases = 0;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[512], rule[64], npath[256], line[400];
		size_t n = strlen(de->d_name);
		FILE *f;

		if (n < 5 || strcmp(de->d_name + n - 4, ".dts"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", BAD_DIR, de->d_name);
		f = fopen(path, "r");
		assert_non_null(f);
		assert_non_null(fgets(line, sizeof(line), f));
		fclose(f);
		assert_int_equal(
			sscanf(line, "/* expect: %63s %255s */", rule, npath),
			2);
		if (nkhv_config_load(path, &sys, &err) == 0)
			fail_msg("%s: accepted, expected %s", de->d_name, rule);
		if (strcmp(err.rule, rule) || strcmp(err.path, npath))
			fail_msg("%s: got [%s] at %s (%s), expected [%s] at %s",
				 de->d_name, err.rule, err.path, err.message,
				 rule, npath);
		assert_true(strlen(err.message) > 10);
		cases++;
	}
	closedir(d);
	print_message("%d bad device trees refused with their rule\n", cases);
	assert_true(cases >= 25);
}

static void *read_blob(const char *name, size_t *len)
{
	char path[512];
	void *buf;
	FILE *f;

	snprintf(path, sizeof(path), "dtc -q -I dts -O dtb %s/%s", EXAMPLES_DIR,
		 name);
	f = popen(path, "r");
	assert_non_null(f);
	buf = malloc(1 << 16);
	*len = fread(buf, 1, 1 << 16, f);
	assert_int_equal(pclose(f), 0);
	return buf;
}

static void test_corrupt_blobs(void **state)
{
	size_t len, i;
	uint8_t *blob = read_blob("idcevo.dts", &len), *copy;

	(void)state;
	assert_int_equal(nkhv_config_parse(blob, len, &sys, &err), 0);
	/* Truncated at every length up to the header and a few beyond. */
	for (i = 0; i < len; i += (i < 64 ? 1 : 97)) {
		copy = malloc(i ? i : 1);
		memcpy(copy, blob, i);
		assert_int_equal(nkhv_config_parse(copy, i, &sys, &err), -1);
		assert_string_equal(err.rule, "blob-invalid");
		free(copy);
	}
	/* Wrong magic. */
	copy = malloc(len);
	memcpy(copy, blob, len);
	copy[0] ^= 0xff;
	assert_int_equal(nkhv_config_parse(copy, len, &sys, &err), -1);
	assert_string_equal(err.rule, "blob-invalid");
	/* totalsize larger than the buffer. */
	memcpy(copy, blob, len);
	((struct fdt_header *)copy)->totalsize = cpu_to_fdt32(len + 4096);
	assert_int_equal(nkhv_config_parse(copy, len, &sys, &err), -1);
	/* Structure offset pointing outside. */
	memcpy(copy, blob, len);
	((struct fdt_header *)copy)->off_dt_struct = cpu_to_fdt32(0xfffff000);
	assert_int_equal(nkhv_config_parse(copy, len, &sys, &err), -1);
	/* Old format versions are refused before libfdt walks them. */
	memcpy(copy, blob, len);
	((struct fdt_header *)copy)->version = cpu_to_fdt32(16);
	assert_int_equal(nkhv_config_parse(copy, len, &sys, &err), -1);
	assert_non_null(strstr(err.message, "version 17 is required"));
	/* A property naming a string outside the strings block. */
	memcpy(copy, blob, len);
	{
		struct fdt_header *hd = (struct fdt_header *)copy;
		uint32_t off = fdt32_to_cpu(hd->off_dt_struct), k;

		for (k = off; k + 12 <= len; k += 4) {
			uint32_t tag;

			memcpy(&tag, copy + k, 4);
			if (fdt32_to_cpu(tag) == FDT_PROP)
				break;
		}
		assert_true(k + 12 <= len);
		((fdt32_t *)(copy + k))[2] = cpu_to_fdt32(0x7ffffff0);
	}
	assert_int_equal(nkhv_config_parse(copy, len, &sys, &err), -1);
	assert_non_null(strstr(err.message, "outside the strings block"));
	/* Random byte flips: refused or accepted, never a crash. */
	srand(1);
	for (i = 0; i < 3000; i++) {
		memcpy(copy, blob, len);
		copy[(size_t)rand() % len] = (uint8_t)rand();
		copy[(size_t)rand() % len] = (uint8_t)rand();
		(void)nkhv_config_parse(copy, len, &sys, &err);
	}
	free(copy);
	free(blob);
}

static void test_missing_file(void **state)
{
	(void)state;
	assert_int_equal(nkhv_config_load("/nonexistent/x.dtb", &sys, &err),
			 -1);
	assert_string_equal(err.rule, "file");
	assert_non_null(strstr(err.message, "/nonexistent/x.dtb"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idcevo),
		cmocka_unit_test(test_small_examples),
		cmocka_unit_test(test_bad_trees),
		cmocka_unit_test(test_corrupt_blobs),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests_name("device-tree", tests, NULL, NULL);
}
