/* SPDX-License-Identifier: MIT */
/*
 * test_watermark.c - watermarks: the boot formula on machines of three
 * sizes, zone_watermark_ok() exactly at its boundaries, how far each kind
 * of request may dig into the reserve, and the two sysctls.
 */
#include "unit/alloc_test.h"
#include <limits.h>

static void assert_wmarks(unsigned long min, unsigned long low, unsigned long high,
			  unsigned long promo)
{
	struct zone *zone = test_zone();

	assert_int_equal(min_wmark_pages(zone), min);
	assert_int_equal(low_wmark_pages(zone), low);
	assert_int_equal(high_wmark_pages(zone), high);
	assert_int_equal(wmark_pages(zone, WMARK_PROMO), promo);
}

/*
 * 64 MiB: min_free_kbytes = sqrt(65536 KiB * 16) = 1024 -> 256 pages;
 * step = max(256 / 4, 16384 * 10 / 10000) = 64.
 */
static void test_wmarks_64m(void **state)
{
	assert_int_equal(min_free_kbytes, 1024);
	assert_int_equal(watermark_scale_factor, 10);
	assert_wmarks(256, 320, 384, 448);
}

static void boot(uint64_t bytes, unsigned int max_order, unsigned int pageblock)
{
	struct machine_config cfg = { bytes, 2, max_order, pageblock };

	assert_int_equal(machine_init(&cfg), 0);
}

static void test_wmarks_other_sizes(void **state)
{
	/* 1 GiB: sqrt(1048576 * 16) = 4096 KiB -> 1024; the scale factor wins: 262. */
	boot(1ULL << 30, 10, 9);
	assert_int_equal(min_free_kbytes, 4096);
	assert_wmarks(1024, 1286, 1548, 1810);
	assert_invariants();
	machine_exit();

	/* 512 KiB: sqrt(512 * 16) = 90, clamped up to 128 KiB -> 32; step 8. */
	boot(512ULL << 10, 7, 7);
	assert_int_equal(min_free_kbytes, 128);
	assert_wmarks(32, 40, 48, 56);
	assert_invariants();
	machine_exit();
}

static void test_watermark_ok_boundaries(void **state)
{
	struct zone *zone = test_zone();
	struct page *held[16];

	assert_int_equal(nr_free_pages(), 16384);
	/* Free pages must exceed the mark. */
	assert_true(zone_watermark_ok(zone, 0, 16383, ZONE_NORMAL, 0));
	assert_false(zone_watermark_ok(zone, 0, 16384, ZONE_NORMAL, 0));
	/* __GFP_HIGH: half the mark; 32766 - 16383 = 16383, 32767 - 16383 = 16384. */
	assert_true(zone_watermark_ok(zone, 0, 32766, ZONE_NORMAL, ALLOC_MIN_RESERVE));
	assert_false(zone_watermark_ok(zone, 0, 32767, ZONE_NORMAL, ALLOC_MIN_RESERVE));
	/* Non-blocking __GFP_HIGH: another quarter; 43688 -> 21844 -> 16383. */
	assert_true(zone_watermark_ok(zone, 0, 43688, ZONE_NORMAL,
				      ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK));
	assert_false(zone_watermark_ok(zone, 0, 43690, ZONE_NORMAL,
				       ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK));
	/* Non-blocking alone grants nothing; an OOM victim gets half. */
	assert_false(zone_watermark_ok(zone, 0, 16384, ZONE_NORMAL, ALLOC_NON_BLOCK));
	assert_true(zone_watermark_ok(zone, 0, 32766, ZONE_NORMAL, ALLOC_OOM));
	assert_false(zone_watermark_ok(zone, 0, 32767, ZONE_NORMAL, ALLOC_OOM));
	/* Order 10: the block's other 1023 pages do not count. */
	assert_true(zone_watermark_ok(zone, 10, 15360, ZONE_NORMAL, 0));
	assert_false(zone_watermark_ok(zone, 10, 15361, ZONE_NORMAL, 0));

	/* Take every block, give one back and split it: 256 + 512 free, no order 10. */
	assert_int_equal(sysctl_min_free_kbytes_set(0), 0);
	for (int i = 0; i < 16; i++)
		assert_non_null(held[i] = alloc_pages(GFP_KERNEL, 10));
	assert_int_equal(nr_free_pages(), 0);
	assert_false(zone_watermark_ok(zone, 0, 0, ZONE_NORMAL, 0));
	__free_pages(held[15], 10);
	held[15] = alloc_pages(GFP_KERNEL, 8);
	assert_int_equal(nr_free_pages(), 768);
	assert_true(zone_watermark_ok(zone, 9, 256, ZONE_NORMAL, 0));
	assert_false(zone_watermark_ok(zone, 9, 257, ZONE_NORMAL, 0));
	/* Plenty of pages by count, but no free block of order 10. */
	assert_true(__zone_watermark_ok(zone, 9, 0, ZONE_NORMAL, 0, 5000));
	assert_false(__zone_watermark_ok(zone, 10, 0, ZONE_NORMAL, 0, 5000));
	for (int i = 0; i < 15; i++)
		__free_pages(held[i], 10);
	__free_pages(held[15], 8);
	assert_zone_reassembled();
}

static int alloc_until_fail(gfp_t gfp, unsigned int order, struct page **held, int *n)
{
	int start = *n;

	while ((held[*n] = alloc_pages(gfp, order)))
		(*n)++;
	return *n - start;
}

/*
 * Order-4 blocks bypass the per-cpu lists, so each success takes exactly
 * 16 pages and is allowed while free - 15 exceeds the request's reserve.
 */
static void test_reserves_by_request(void **state)
{
	static struct page *held[1100];
	int n = 0;

	/* Ordinary: down to min (256): 16384 - 1008 * 16 = 256. */
	assert_int_equal(alloc_until_fail(GFP_KERNEL, 4, held, &n), 1008);
	assert_int_equal(nr_free_pages(), 256);
	assert_int_equal(alloc_until_fail(GFP_NOWAIT, 4, held, &n), 0);
	/* __GFP_HIGH: down to 128. */
	assert_int_equal(alloc_until_fail(GFP_KERNEL | __GFP_HIGH, 4, held, &n), 8);
	assert_int_equal(nr_free_pages(), 128);
	/* GFP_ATOMIC (high and non-blocking): down to 96. */
	assert_int_equal(alloc_until_fail(GFP_ATOMIC, 4, held, &n), 2);
	assert_int_equal(nr_free_pages(), 96);
	/* __GFP_MEMALLOC ignores watermarks, unless __GFP_NOMEMALLOC. */
	assert_int_equal(alloc_until_fail(GFP_KERNEL | __GFP_MEMALLOC | __GFP_NOMEMALLOC, 4,
					  held, &n), 0);
	assert_int_equal(alloc_until_fail(GFP_KERNEL | __GFP_MEMALLOC, 4, held, &n), 6);
	assert_int_equal(nr_free_pages(), 0);
	assert_int_equal(vm_event_sum(ALLOCSTALL_NORMAL), 0);
	assert_invariants();

	while (n--)
		__free_pages(held[n], 4);
	assert_zone_reassembled();
}

/* Between low and min only the slow path succeeds; it still succeeds. */
static void test_slow_path_below_low(void **state)
{
	static struct page *held[1100];
	int n = 0;

	assert_int_equal(sysctl_watermark_scale_factor_set(1000), 0);
	assert_wmarks(256, 1894, 3532, 5170);
	/* 16384 - 907 * 16 = 1872: below low (1894), above min. */
	for (; n < 907; n++)
		assert_non_null(held[n] = alloc_pages(GFP_KERNEL, 4));
	assert_false(zone_watermark_ok(test_zone(), 4, low_wmark_pages(test_zone()),
				       ZONE_NORMAL, 0));
	assert_non_null(held[n++] = alloc_pages(GFP_KERNEL, 4));
	while (n--)
		__free_pages(held[n], 4);
	assert_zone_reassembled();
}

static void test_sysctl_setters(void **state)
{
	assert_int_equal(sysctl_min_free_kbytes_set(-1), -EINVAL);
	assert_int_equal(sysctl_min_free_kbytes_set((long)INT_MAX + 1), -EINVAL);
	assert_int_equal(min_free_kbytes, 1024);
	assert_int_equal(sysctl_min_free_kbytes_set(2048), 0);
	assert_int_equal(min_free_kbytes, 2048);
	assert_wmarks(512, 640, 768, 896);

	assert_int_equal(sysctl_watermark_scale_factor_set(0), -EINVAL);
	assert_int_equal(sysctl_watermark_scale_factor_set(3001), -EINVAL);
	assert_int_equal(watermark_scale_factor, 10);
	assert_int_equal(sysctl_watermark_scale_factor_set(3000), 0);
	/* step = max(512 / 4, 16384 * 3000 / 10000) = 4915 */
	assert_wmarks(512, 5427, 10342, 15257);
	assert_int_equal(sysctl_watermark_scale_factor_set(1), 0);
	assert_wmarks(512, 640, 768, 896);

	assert_int_equal(sysctl_min_free_kbytes_set(0), 0);
	assert_wmarks(0, 1, 2, 3);	/* step = max(0, 16384 * 1 / 10000) */
	assert_int_equal(sysctl_min_free_kbytes_set(INT_MAX), 0);
	assert_int_equal(min_wmark_pages(test_zone()), (unsigned long)INT_MAX >> 2);
	assert_null(alloc_pages(GFP_KERNEL, 0));
}

/* Each machine boots with the default sysctls; without one they fail. */
static void test_sysctls_per_boot(void **state)
{
	boot(TEST_MEMORY, 10, 9);
	assert_int_equal(sysctl_watermark_scale_factor_set(500), 0);
	assert_int_equal(sysctl_min_free_kbytes_set(4000), 0);
	machine_exit();
	assert_int_equal(sysctl_min_free_kbytes_set(4000), -ENODEV);
	assert_int_equal(sysctl_watermark_scale_factor_set(500), -ENODEV);
	assert_int_equal(sysctl_watermark_scale_factor_set(5000), -EINVAL);

	boot(TEST_MEMORY, 10, 9);
	assert_int_equal(min_free_kbytes, 1024);
	assert_int_equal(watermark_scale_factor, 10);
	assert_wmarks(256, 320, 384, 448);
	machine_exit();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		machine_test(test_wmarks_64m),
		cmocka_unit_test(test_wmarks_other_sizes),
		machine_test(test_watermark_ok_boundaries),
		machine_test(test_reserves_by_request),
		machine_test(test_slow_path_below_low),
		machine_test(test_sysctl_setters),
		cmocka_unit_test(test_sysctls_per_boot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
