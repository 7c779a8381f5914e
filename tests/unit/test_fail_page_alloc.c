/* SPDX-License-Identifier: MIT */
/*
 * test_fail_page_alloc.c - fail_page_alloc: the kernel's defaults fail
 * nothing, each filter and attribute (probability, times, interval, space,
 * min-order, ignore-gfp-wait, ignore-gfp-highmem, __GFP_NOFAIL) works as
 * lib/fault-inject.c orders them, and bad attributes are refused.
 */
#include "lib/machine_fixture.h"

/* Allocate and free @n blocks of @order; return how many allocations failed. */
static int failures(gfp_t gfp, unsigned int order, int n)
{
	int failed = 0;

	for (int i = 0; i < n; i++) {
		struct page *page = alloc_pages(gfp, order);

		if (page)
			__free_pages(page, order);
		else
			failed++;
	}
	return failed;
}

static void set(const char *name, long value)
{
	assert_int_equal(fail_page_alloc_set(name, value), 0);
}

static long get(const char *name)
{
	long v;

	assert_int_equal(fail_page_alloc_get(name, &v), 0);
	return v;
}

static void test_defaults_fail_nothing(void **state)
{
	assert_int_equal(get("probability"), 0);
	assert_int_equal(get("interval"), 1);
	assert_int_equal(get("times"), 1);
	assert_int_equal(get("space"), 0);
	assert_int_equal(get("verbose"), 2);
	assert_int_equal(get("min-order"), 1);
	assert_int_equal(get("ignore-gfp-wait"), 1);
	assert_int_equal(get("ignore-gfp-highmem"), 1);
	assert_int_equal(failures(GFP_NOWAIT, 3, 50), 0);
	set("probability", 100);
	/* min-order 1: order 0 is never failed by default. */
	assert_int_equal(failures(GFP_NOWAIT, 0, 50), 0);
}

static void test_times_counts_down(void **state)
{
	set("verbose", 0);
	set("probability", 100);
	set("times", 3);
	set("min_order", 0);
	assert_int_equal(failures(GFP_NOWAIT, 0, 10), 3);
	assert_int_equal(get("times"), 0);
	set("times", -1);
	assert_int_equal(failures(GFP_NOWAIT, 2, 10), 10);
	assert_int_equal(get("times"), -1);
}

static void test_filters(void **state)
{
	set("verbose", 0);
	set("probability", 100);
	set("times", -1);
	/* ignore-gfp-wait: allocations that may reclaim are skipped. */
	assert_int_equal(failures(GFP_KERNEL, 1, 10), 0);
	set("ignore-gfp-wait", 0);
	assert_int_equal(failures(GFP_KERNEL, 1, 10), 10);
	/* ignore-gfp-highmem: user pages are skipped. */
	assert_int_equal(failures(GFP_HIGHUSER_MOVABLE, 1, 10), 0);
	set("ignore_gfp_highmem", 0);
	assert_int_equal(failures(GFP_HIGHUSER_MOVABLE, 1, 10), 10);
	/* __GFP_NOFAIL is never failed. */
	assert_int_equal(failures(GFP_KERNEL | __GFP_NOFAIL, 1, 10), 0);
}

static void test_interval_and_space(void **state)
{
	set("verbose", 0);
	set("probability", 100);
	set("times", -1);
	set("interval", 4);
	assert_int_equal(failures(GFP_NOWAIT, 1, 40), 10);
	set("interval", 1);
	/* space 8, size 2 (order 1): 8 -> 6 -> 4 -> 2 pass, then every call fails. */
	set("space", 8);
	assert_int_equal(failures(GFP_NOWAIT, 1, 3), 0);
	assert_int_equal(failures(GFP_NOWAIT, 1, 5), 5);
	assert_int_equal(get("space"), 2);
}

static void test_probability_is_a_fraction(void **state)
{
	int failed;

	set("verbose", 0);
	set("probability", 25);
	set("times", -1);
	failed = failures(GFP_NOWAIT, 1, 4000);
	/* 25% of 4000: the sequence is pseudo-random but fixed. */
	assert_in_range(failed, 800, 1200);
}

static void test_bad_attributes(void **state)
{
	long min, max;

	assert_int_equal(fail_page_alloc_set("probabilty", 5), -ENOENT);
	assert_int_equal(fail_page_alloc_set("probability", 101), -EINVAL);
	assert_int_equal(fail_page_alloc_set("times", -2), -EINVAL);
	assert_int_equal(fail_page_alloc_set("verbose", 3), -EINVAL);
	assert_int_equal(fail_page_alloc_set("space", -1), -EINVAL);
	assert_int_equal(fail_page_alloc_attr_range("times", &min, &max), 0);
	assert_int_equal(min, -1);
	assert_int_equal(fail_page_alloc_attr_range("nope", &min, &max), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		machine_test(test_defaults_fail_nothing),
		machine_test(test_times_counts_down),
		machine_test(test_filters),
		machine_test(test_interval_and_space),
		machine_test(test_probability_is_a_fraction),
		machine_test(test_bad_attributes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
