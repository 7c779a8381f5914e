/* SPDX-License-Identifier: MIT */
/*
 * test_vmstat.c - per-cpu statistics: the kernel's stat_threshold, changes
 * kept in a cpu's diff until they pass it and then folded, readers that
 * are exact whatever is still in the diffs, event rows of their own; and
 * the THP lists' high, which lets a zone large enough for THP keep a freed
 * block on its cpu.
 */
#include "unit/alloc_test.h"

/* 64 MiB is below 128 MiB: 2 * fls(2) * (1 + fls(0)) = 4. */
#define TEST_STAT_THRESHOLD	4

static long folded(enum zone_stat_item item)
{
	return __atomic_load_n(&test_zone()->vm_stat[item], __ATOMIC_RELAXED);
}

static int diff(unsigned int cpu, enum zone_stat_item item)
{
	return __atomic_load_n(&test_zone()->per_cpu_zonestats[cpu].vm_stat_diff[item],
			       __ATOMIC_RELAXED);
}

static void test_threshold(void **state)
{
	static const struct { uint64_t bytes; unsigned int cpus; int threshold; } cases[] = {
		{ 1ULL << 30, 2, 20 },	/* 2 * 2 * (1 + fls(8)) */
		{ 1ULL << 30, 1, 10 },	/* 2 * 1 * (1 + fls(8)) */
		{ 1ULL << 30, 64, 70 },	/* 2 * 7 * (1 + fls(8)) */
	};

	assert_int_equal(test_zone()->stat_threshold, TEST_STAT_THRESHOLD);
	machine_exit();
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct machine_config cfg = { cases[i].bytes, cases[i].cpus, 10, 9,
					      .deterministic = true };

		assert_int_equal(machine_init(&cfg), 0);
		assert_int_equal(test_zone()->stat_threshold, cases[i].threshold);
		machine_exit();
	}
	assert_int_equal(machine_setup(state), 0);
}

/*
 * Changes stay in each cpu's diff up to the threshold, the diff is folded
 * as a whole past it, and zone_page_state() always reads the sum.
 */
static void test_diffs_fold_past_threshold(void **state)
{
	const enum zone_stat_item item = NR_BOUNCE;	/* nothing else counts it */

	assert_int_equal(cpu_bind_current(0), 0);
	mod_zone_page_state(test_zone(), item, 3);
	assert_int_equal(diff(0, item), 3);
	assert_int_equal(folded(item), 0);
	assert_int_equal(zone_page_state(test_zone(), item), 3);

	assert_int_equal(cpu_bind_current(1), 0);
	mod_zone_page_state(test_zone(), item, -TEST_STAT_THRESHOLD);
	assert_int_equal(diff(1, item), -TEST_STAT_THRESHOLD);
	assert_int_equal(zone_page_state(test_zone(), item), 3 - TEST_STAT_THRESHOLD);

	assert_int_equal(cpu_bind_current(0), 0);
	mod_zone_page_state(test_zone(), item, 2);	/* 5 > 4: folded */
	assert_int_equal(diff(0, item), 0);
	assert_int_equal(folded(item), 5);
	assert_int_equal(zone_page_state(test_zone(), item), 5 - TEST_STAT_THRESHOLD);

	mod_zone_page_state(test_zone(), item, 100);	/* beyond: straight in */
	assert_int_equal(diff(0, item), 0);
	assert_int_equal(folded(item), 105);
	assert_int_equal(global_zone_page_state(item), 105 - TEST_STAT_THRESHOLD);

	mod_zone_page_state(test_zone(), item, -(105 - TEST_STAT_THRESHOLD));
	assert_int_equal(zone_page_state(test_zone(), item), 0);
}

/* Node statistics take the same road, with the zone's threshold. */
static void test_node_diffs(void **state)
{
	struct pglist_data *pgdat = NODE_DATA(0);
	long before = node_page_state(pgdat, NR_BALLOON_PAGES);

	assert_int_equal(cpu_bind_current(1), 0);
	mod_node_page_state(pgdat, NR_BALLOON_PAGES, 2);
	assert_int_equal(pgdat->per_cpu_nodestats[1].vm_node_stat_diff[NR_BALLOON_PAGES], 2);
	assert_int_equal(node_page_state(pgdat, NR_BALLOON_PAGES), before + 2);
	mod_node_page_state(pgdat, NR_BALLOON_PAGES, -2);
	assert_int_equal(node_page_state(pgdat, NR_BALLOON_PAGES), before);
}

/* NR_FREE_PAGES stays exact through allocations on both cpus. */
static void test_free_pages_exact(void **state)
{
	struct page *pages[2][40];

	for (unsigned int cpu = 0; cpu < 2; cpu++) {
		assert_int_equal(cpu_bind_current(cpu), 0);
		for (int i = 0; i < 40; i++)
			pages[cpu][i] = alloc_pages(GFP_KERNEL, i % 3);
	}
	drain_all_pages(NULL);
	assert_int_equal(nr_free_pages(), TEST_PAGES - 2 * (14 * 1 + 13 * 2 + 13 * 4));
	for (unsigned int cpu = 0; cpu < 2; cpu++) {
		assert_int_equal(cpu_bind_current(1 - cpu), 0);
		for (int i = 0; i < 40; i++)
			__free_pages(pages[cpu][i], i % 3);
	}
	drain_all_pages(NULL);
	assert_int_equal(nr_free_pages(), TEST_PAGES);
	assert_invariants();
}

/* Each cpu's event counters start a cache line of their own. */
static void test_event_rows_aligned(void **state)
{
	assert_int_equal((uintptr_t)&vm_event_states[0] % 64, 0);
	assert_int_equal(sizeof(vm_event_states[0]) % 64, 0);
}

/*
 * On 1 GiB the THP lists' high is the kernel's high_max, low watermark
 * 1286 / 2 cpus = 643 pages, above one block: a freed block stays for the
 * next allocation. (With pcp->high, 378, it went back to the zone at each
 * free and came back in a refill of two.)
 */
static void test_thp_block_stays_on_cpu(void **state)
{
	struct machine_config cfg = { 1ULL << 30, 2, 10, 9, .deterministic = true };
	struct page *thp, *again;
	long free_pages;

	machine_exit();
	assert_int_equal(machine_init(&cfg), 0);
	assert_int_equal(cpu_bind_current(0), 0);
	assert_int_equal(test_zone()->_watermark[WMARK_LOW], 1286);
	thp = alloc_pages(GFP_HIGHUSER_MOVABLE, 9);
	__free_pages(thp, 9);		/* 1024 > 643: the spare goes back */
	assert_int_equal(pcp_count(0), 512);
	free_pages = nr_free_pages();
	again = alloc_pages(GFP_HIGHUSER_MOVABLE, 9);
	assert_ptr_equal(again, thp);
	__free_pages(again, 9);
	assert_int_equal(pcp_count(0), 512);
	assert_int_equal(nr_free_pages(), free_pages);
	drain_all_pages(NULL);
	assert_invariants();
	machine_exit();
	assert_int_equal(machine_setup(state), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		machine_test(test_threshold),
		machine_test(test_diffs_fold_past_threshold),
		machine_test(test_node_diffs),
		machine_test(test_free_pages_exact),
		machine_test(test_event_rows_aligned),
		machine_test(test_thp_block_stays_on_cpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
