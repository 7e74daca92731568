// SPDX-License-Identifier: GPL-2.0-only
/*
 * Channel info strings come from the PDEV, written by the hypervisor's
 * configuration: the parser looks at 256 bytes at most and never past
 * them, NUL or not (under AddressSanitizer a read past the buffer fails
 * the test), and names what was wrong.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <earlydata/channel_config.h>

/* 256 bytes from `prefix`, then `fill`, with no NUL anywhere. */
static char *unterminated(const char *prefix, char fill)
{
	char *s = malloc(256);
	size_t n = strlen(prefix);

	assert_non_null(s);
	memset(s, fill, 256);
	memcpy(s, prefix, n);
	return s;
}

static void parse_fails(char *s, const char *why)
{
	struct ed_channel_config cfg;
	char err[600];

	assert_int_equal(
		ed_channel_config_parse(s, NULL, &cfg, err, sizeof(err)), -1);
	if (!strstr(err, why))
		fail_msg("error \"%s\" does not say \"%s\"", err, why);
	free(s);
}

static void test_long_name_unterminated(void **state)
{
	(void)state;
	parse_fails(unterminated("", 'a'), "longer than 31 characters");
}

static void test_long_item_unterminated(void **state)
{
	(void)state;
	parse_fails(unterminated("log,policy=", 'x'), "bad value in info item");
}

/* Valid items up to the 256th byte, then no NUL: too long, not a crash. */
static void test_valid_items_unterminated(void **state)
{
	char *s = unterminated("", 0);
	size_t o = 3, i;

	(void)state;
	memcpy(s, "log", 3);
	for (i = 0; i < 15; i++, o += 16)
		memcpy(s + o, ",policy=drop-new", 16);
	memcpy(s + o, ",policy=block", 13); /* ends at byte 256 */
	assert_int_equal(o + 13, 256);
	parse_fails(s, "longer than 255 characters");
}

static void test_good_string(void **state)
{
	struct ed_channel_config cfg;
	char err[600];

	(void)state;
	assert_int_equal(ed_channel_config_parse("log,policy=drop-new", NULL,
						 &cfg, err, sizeof(err)),
			 0);
	assert_string_equal(cfg.name, "log");
	assert_int_equal(cfg.policy, ED_CFG_DROP_NEW);
}

/* ring=N[K|M|G]: the documented range 8K .. 1G, nothing outside it. */
static void test_ring_sizes(void **state)
{
	static const struct {
		const char *s;
		int ok;
		unsigned long long size;
	} t[] = {
		{ "r,ring=8K", 0, 8192 },    { "r,ring=1G", 0, 1ull << 30 },
		{ "r,ring=1g", 0, 1ull << 30 }, { "r,ring=1024M", 0, 1ull << 30 },
		{ "r,ring=2G", -1, 0 },	      { "r,ring=4K", -1, 0 },
		{ "r,ring=G", -1, 0 },
	};
	struct ed_channel_config cfg;
	char err[600];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int r = ed_channel_config_parse(t[i].s, NULL, &cfg, err,
						sizeof(err));

		if (r != t[i].ok)
			fail_msg("%s: %d (%s)", t[i].s, r, err);
		if (!r)
			assert_int_equal(cfg.ring_size, t[i].size);
	}
}

/* DLT ids: 1 to 4 of [A-Za-z0-9_-], from either info string. */
static void test_dlt_ids(void **state)
{
	struct ed_channel_config cfg;
	char err[600];

	(void)state;
	assert_int_equal(ed_channel_config_parse("boot", NULL, &cfg, err,
						 sizeof(err)),
			 0);
	assert_string_equal(cfg.dlt_app, "");
	assert_string_equal(cfg.dlt_ctx, "");
	assert_int_equal(ed_channel_config_parse("boot,dlt-app=RTOS,dlt-ctx=B_1",
						 "boot", &cfg, err,
						 sizeof(err)),
			 0);
	assert_string_equal(cfg.dlt_app, "RTOS");
	assert_string_equal(cfg.dlt_ctx, "B_1");
	parse_fails(strdup("boot,dlt-app=TOOLONG"), "bad value in info item");
	parse_fails(strdup("boot,dlt-app="), "bad value in info item");
	parse_fails(strdup("boot,dlt-ctx=a.b"), "bad value in info item");
	parse_fails(strdup("boot,dlt-ctx=a b"), "bad value in info item");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_long_name_unterminated),
		cmocka_unit_test(test_long_item_unterminated),
		cmocka_unit_test(test_valid_items_unterminated),
		cmocka_unit_test(test_good_string),
		cmocka_unit_test(test_ring_sizes),
		cmocka_unit_test(test_dlt_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
