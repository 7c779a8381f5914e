/* SPDX-License-Identifier: MIT */
/*
 * test_pcp.c - per-cpu free lists: reuse on the freeing cpu, isolation
 * between cpus, draining, the high mark, the THP order, the lock fallback,
 * and that their pages stay out of NR_FREE_PAGES.
 */
#include "unit/alloc_test.h"

static void test_geometry(void **state)
{
	struct per_cpu_pages *pcp = &test_zone()->per_cpu_pageset[1];

	/* 16384 >> 12 = 4 -> rounddown_pow_of_two(4 + 2) - 1 = 3 */
	assert_int_equal(zone_batchsize(test_zone()), TEST_BATCH);
	assert_int_equal(pcp->batch, TEST_BATCH);
	assert_int_equal(pcp->high, TEST_PCP_HIGH);

	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++)
		assert_int_equal(pcp_allowed_order(order), order <= 3 || order == 9);
	assert_int_equal(order_to_pindex(MIGRATE_UNMOVABLE, 0), 0);
	assert_int_equal(order_to_pindex(MIGRATE_RECLAIMABLE, 0), 2);
	assert_int_equal(order_to_pindex(MIGRATE_MOVABLE, 3), 10);
	assert_int_equal(order_to_pindex(MIGRATE_UNMOVABLE, 9), NR_LOWORDER_PCP_LISTS);
	assert_int_equal(order_to_pindex(MIGRATE_RECLAIMABLE, 9), NR_LOWORDER_PCP_LISTS);
	assert_int_equal(order_to_pindex(MIGRATE_MOVABLE, 9), NR_LOWORDER_PCP_LISTS + 1);
	for (unsigned int pindex = 0; pindex < NR_PCP_LISTS; pindex++)
		assert_int_equal(pindex_to_order(pindex), pindex < 12 ? pindex / 3 : 9);
}

static void test_batch_of_other_sizes(void **state)
{
	static const struct { uint64_t bytes; unsigned int order; int batch; } sizes[] = {
		{ 1ULL << 30, 10, 63 },		/* capped at 64 -> 96 -> 64 - 1 */
		{ 512ULL << 10, 7, 1 },		/* 128 pages: 0 -> at least 1 */
	};

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct machine_config cfg = { sizes[i].bytes, 2, sizes[i].order, sizes[i].order };

		assert_int_equal(machine_init(&cfg), 0);
		assert_int_equal(test_zone()->per_cpu_pageset[0].batch, sizes[i].batch);
		assert_int_equal(test_zone()->per_cpu_pageset[0].high, 6 * sizes[i].batch);
		machine_exit();
	}
}

static void test_reuse_on_same_cpu(void **state)
{
	struct page *page, *again;

	assert_int_equal(cpu_bind_current(0), 0);
	page = alloc_pages(GFP_KERNEL, 0);
	assert_int_equal(pcp_count(0), TEST_BATCH - 1);
	assert_int_equal(nr_free_pages(), TEST_PAGES - TEST_BATCH);

	__free_pages(page, 0);
	/* On the list, not in NR_FREE_PAGES nor in the buddy's counts. */
	assert_int_equal(pcp_count(0), TEST_BATCH);
	assert_int_equal(nr_free_pages(), TEST_PAGES - TEST_BATCH);
	assert_int_equal(area_nr_free(0), 1);
	assert_int_equal(READ_ONCE(page->index), MIGRATE_UNMOVABLE);
	assert_invariants();

	again = alloc_pages(GFP_KERNEL, 0);
	assert_ptr_equal(again, page);
	assert_int_equal(READ_ONCE(again->index), 0);
	assert_int_equal(pcp_count(0), TEST_BATCH - 1);
	__free_pages(again, 0);
}

static void test_cpus_do_not_share(void **state)
{
	struct page *page, *other;

	assert_int_equal(cpu_bind_current(0), 0);
	page = alloc_pages(GFP_KERNEL, 0);
	__free_pages(page, 0);

	assert_int_equal(cpu_bind_current(1), 0);
	other = alloc_pages(GFP_KERNEL, 0);
	assert_ptr_not_equal(other, page);
	assert_int_equal(pcp_count(0), TEST_BATCH);
	assert_int_equal(pcp_count(1), TEST_BATCH - 1);
	assert_int_equal(nr_free_pages(), TEST_PAGES - 2 * TEST_BATCH);
	__free_pages(other, 0);

	/* A drain empties this cpu's lists only; drain_all_pages() every cpu's. */
	drain_local_pages(test_zone());
	assert_int_equal(pcp_count(1), 0);
	assert_int_equal(pcp_count(0), TEST_BATCH);
	assert_int_equal(nr_free_pages(), TEST_PAGES - TEST_BATCH);
	drain_all_pages(NULL);
	assert_int_equal(pcp_count(0), 0);
	assert_zone_reassembled();
}

/* Above high (18) a free gives back a batch (3): the count cycles 16..18. */
static void test_high_gives_back_a_batch(void **state)
{
	struct page *held[40];
	long freed_to_zone = 0;
	int expect = 0;

	assert_int_equal(cpu_bind_current(0), 0);
	for (int i = 0; i < 40; i++)
		held[i] = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
	drain_local_pages(NULL);
	assert_int_equal(nr_free_pages(), TEST_PAGES - 40);

	for (int i = 0; i < 40; i++) {
		__free_pages(held[i], 0);
		if (++expect > TEST_PCP_HIGH) {
			expect -= TEST_BATCH;
			freed_to_zone += TEST_BATCH;
		}
		assert_int_equal(pcp_count(0), expect);
		assert_int_equal(nr_free_pages(), TEST_PAGES - 40 + freed_to_zone);
	}
	assert_int_equal(expect, 16);
	assert_invariants();
	assert_zone_reassembled();
}

/*
 * The THP order uses the per-cpu lists too: a refill takes 2 blocks. A
 * free that pushes the count over high gives back the oldest block.
 */
static void test_thp_order(void **state)
{
	struct page *thp, *spare;

	assert_int_equal(cpu_bind_current(0), 0);
	thp = alloc_pages(GFP_HIGHUSER_MOVABLE, 9);
	assert_int_equal(page_to_pfn(thp), 0);
	assert_int_equal(pcp_count(0), 512);
	assert_int_equal(nr_free_pages(), TEST_PAGES - 1024);
	spare = list_first_entry(&test_zone()->per_cpu_pageset[0].lists[NR_LOWORDER_PCP_LISTS + 1],
				 struct page, lru);
	assert_int_equal(page_to_pfn(spare), 512);

	__free_pages(thp, 9);
	assert_int_equal(pcp_count(0), 512);
	assert_int_equal(nr_free_pages(), TEST_PAGES - 512);
	assert_invariants();
	/* The spare block went back; the freed one waits for reuse. */
	assert_ptr_equal(alloc_pages(GFP_HIGHUSER_MOVABLE, 9), thp);
	__free_pages(thp, 9);
	assert_zone_reassembled();
}

/* With this cpu's list lock busy, allocation and free use the zone directly. */
static void test_busy_pcp_lock_uses_zone(void **state)
{
	struct per_cpu_pages *pcp = &test_zone()->per_cpu_pageset[0];
	struct page *page;

	assert_int_equal(cpu_bind_current(0), 0);
	spin_lock(&pcp->lock);
	page = alloc_pages(GFP_KERNEL, 0);
	assert_non_null(page);
	assert_int_equal(nr_free_pages(), TEST_PAGES - 1);
	assert_int_equal(pcp->count, 0);
	__free_pages(page, 0);
	assert_int_equal(nr_free_pages(), TEST_PAGES);
	assert_int_equal(pcp->count, 0);
	spin_unlock(&pcp->lock);
	assert_zone_reassembled();
}

/* Counting every page: free in the buddy + on pcp lists + allocated. */
static void test_every_page_counted_once(void **state)
{
	struct page *held[50];
	long pcp_pages, allocated = 0;

	for (int i = 0; i < 50; i++) {
		assert_int_equal(cpu_bind_current(i % 2), 0);
		held[i] = alloc_pages(i % 3 ? GFP_HIGHUSER_MOVABLE : GFP_KERNEL, i % 4);
	}
	for (int i = 0; i < 50; i += 2)
		__free_pages(held[i], i % 4);
	for (int i = 1; i < 50; i += 2)
		allocated += 1L << (i % 4);
	pcp_pages = pcp_count(0) + pcp_count(1);
	assert_true(pcp_pages > 0);
	assert_int_equal(nr_free_pages() + pcp_pages + allocated, TEST_PAGES);
	assert_invariants();
	for (int i = 1; i < 50; i += 2)
		__free_pages(held[i], i % 4);
	assert_zone_reassembled();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		machine_test(test_geometry),
		cmocka_unit_test(test_batch_of_other_sizes),
		machine_test(test_reuse_on_same_cpu),
		machine_test(test_cpus_do_not_share),
		machine_test(test_high_gives_back_a_batch),
		machine_test(test_thp_order),
		machine_test(test_busy_pcp_lock_uses_zone),
		machine_test(test_every_page_counted_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
