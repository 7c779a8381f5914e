/* SPDX-License-Identifier: MIT */
/*
 * test_config.c - the public API's checks that need no machine, through
 * the public headers only: pagelab_config_validate() accepts the default
 * and the extreme good configs, and names each bad field, first bad field
 * first, with its one-line reason; with balloon_connect and no memory the
 * memory is left to the host; pagelab_parse_size() and pagelab_parse_u64()
 * read sizes and numbers as scenarios write them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "pagelab/pagelab.h"
#include "pagelab/scenario.h"

/* @cfg must be refused with exactly @want. */
static void assert_refused(const struct pagelab_config *cfg, const char *want)
{
	char msg[160] = "";

	assert_int_equal(pagelab_config_validate(cfg, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, want);
}

static void test_good_configs(void **state)
{
	struct pagelab_config cfg = PAGELAB_CONFIG_DEFAULT;
	char msg[160] = "untouched";

	assert_int_equal(pagelab_config_validate(&cfg, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "untouched");
	cfg = (struct pagelab_config){ .memory_bytes = 2 * PAGELAB_PAGE_SIZE, .cpus = 1,
				       .max_order = 1, .pageblock_order = 1 };
	assert_int_equal(pagelab_config_validate(&cfg, msg, sizeof(msg)), 0);
	cfg = (struct pagelab_config){ .memory_bytes = 64ULL << 30, .cpus = 64,
				       .max_order = 12, .pageblock_order = 12,
				       .deterministic = 1, .balloon_free_page_reporting = 1 };
	assert_int_equal(pagelab_config_validate(&cfg, msg, sizeof(msg)), 0);
	assert_int_equal(pagelab_config_validate(&cfg, NULL, 0), 0);
}

static void test_bad_fields(void **state)
{
	const struct pagelab_config good = PAGELAB_CONFIG_DEFAULT;
	struct pagelab_config cfg;

	cfg = good;
	cfg.max_order = 0;
	assert_refused(&cfg, "max_order=0 is out of range (1..12)");
	cfg.max_order = 13;
	assert_refused(&cfg, "max_order=13 is out of range (1..12)");
	cfg = good;
	cfg.pageblock_order = 0;
	assert_refused(&cfg, "pageblock_order=0 is out of range (1..max_order=10)");
	cfg.pageblock_order = 11;
	assert_refused(&cfg, "pageblock_order=11 is out of range (1..max_order=10)");
	cfg = good;
	cfg.cpus = 0;
	assert_refused(&cfg, "cpus=0 is out of range (1..64)");
	cfg.cpus = 65;
	assert_refused(&cfg, "cpus=65 is out of range (1..64)");
	cfg = good;
	cfg.memory_bytes = 0;
	assert_refused(&cfg, "memory=0 bytes is out of range (one pageblock..64G)");
	cfg.memory_bytes = (64ULL << 30) + (2 << 20);
	assert_refused(&cfg, "memory=68721573888 bytes is out of range (one pageblock..64G)");
	cfg.memory_bytes = (64 << 20) + PAGELAB_PAGE_SIZE;
	assert_refused(&cfg, "memory=67112960 bytes is not a multiple of the pageblock size "
			     "(2048 KiB)");
}

/* Several bad fields: the first in the documented order is named. */
static void test_first_bad_field(void **state)
{
	struct pagelab_config cfg = { .memory_bytes = 1, .cpus = 0, .max_order = 10,
				      .pageblock_order = 11 };

	assert_refused(&cfg, "pageblock_order=11 is out of range (1..max_order=10)");
	cfg.pageblock_order = 9;
	assert_refused(&cfg, "cpus=0 is out of range (1..64)");
}

static void test_no_config(void **state)
{
	char msg[32], small[8];
	struct pagelab_config cfg = PAGELAB_CONFIG_DEFAULT;

	assert_int_equal(pagelab_config_validate(NULL, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "no config");
	assert_int_equal(pagelab_config_validate(NULL, NULL, 0), -EINVAL);
	cfg.cpus = 0;
	assert_int_equal(pagelab_config_validate(&cfg, NULL, 0), -EINVAL);
	assert_int_equal(pagelab_config_validate(&cfg, small, sizeof(small)), -EINVAL);
	assert_string_equal(small, "cpus=0 ");	/* cut, and terminated */
}

/* With a host and no memory of its own, the memory is the host's. */
static void test_balloon_connect(void **state)
{
	struct pagelab_config cfg = PAGELAB_CONFIG_DEFAULT;

	cfg.balloon_connect = "/nonexistent/socket";
	cfg.memory_bytes = 0;
	assert_int_equal(pagelab_config_validate(&cfg, NULL, 0), 0);
	cfg.pageblock_order = 12;
	cfg.max_order = 12;
	assert_int_equal(pagelab_config_validate(&cfg, NULL, 0), 0);
	cfg = (struct pagelab_config)PAGELAB_CONFIG_DEFAULT;
	cfg.balloon_connect = "/nonexistent/socket";
	cfg.memory_bytes = 0;
	cfg.cpus = 99;
	assert_refused(&cfg, "cpus=99 is out of range (1..64)");
	cfg.cpus = 2;
	cfg.memory_bytes = 3 << 20;
	assert_refused(&cfg, "memory=3145728 bytes is not a multiple of the pageblock size "
			     "(2048 KiB)");
}

static void test_parse_size_and_u64(void **state)
{
	uint64_t v = 0;

	assert_int_equal(pagelab_parse_size("512M", &v), 0);
	assert_int_equal(v, 512ULL << 20);
	assert_int_equal(pagelab_parse_size("256p", &v), 0);
	assert_int_equal(v, 256ULL * PAGELAB_PAGE_SIZE);
	assert_int_equal(pagelab_parse_size("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(pagelab_parse_size("1T", &v), -EINVAL);
	assert_int_equal(pagelab_parse_size("1 G", &v), -EINVAL);
	assert_int_equal(pagelab_parse_size("", &v), -EINVAL);
	assert_int_equal(pagelab_parse_size("17179869184G", &v), -ERANGE);
	assert_int_equal(pagelab_parse_u64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(pagelab_parse_u64("18446744073709551616", &v), -ERANGE);
	assert_int_equal(pagelab_parse_u64("-1", &v), -EINVAL);
	assert_int_equal(pagelab_parse_u64("12x", &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_configs),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_first_bad_field),
		cmocka_unit_test(test_no_config),
		cmocka_unit_test(test_balloon_connect),
		cmocka_unit_test(test_parse_size_and_u64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
