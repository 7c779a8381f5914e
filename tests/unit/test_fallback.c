/* SPDX-License-Identifier: MIT */
/*
 * test_fallback.c - what an allocation does when its own migratetype has
 * no free pages: claim a whole range, claim a pageblock when at least half
 * of it is free or compatible, or steal one block and leave the
 * pageblock's type alone; and the rules behind it (should_try_claim_block,
 * find_suitable_fallback, merging across pageblock types). Each fallback is
 * counted (zone->nr_alloc_extfrag, the mm_page_alloc_extfrag tracepoint's
 * hits), and those below a pageblock as fragmenting.
 *
 * The layouts below are built on the fixture machine (16 order-10 blocks,
 * pageblocks of 512 pages) with min_free_kbytes 0, so the low watermark is
 * 16 pages and the last few free pages can be handed out. Pageblock 0 is
 * pfns 0..511, pageblock 1 is 512..1023.
 */
#include "unit/alloc_test.h"

#define ALL_BLOCKS	(TEST_PAGES >> 10)

static void low_watermarks(void)
{
	assert_int_equal(sysctl_min_free_kbytes_set(0), 0);
	assert_int_equal(low_wmark_pages(test_zone()), 16);
}

/* Allocate every remaining free order-10 block as movable. */
static int eat_max_order_blocks(struct page **held)
{
	int n = 0;

	while ((held[n] = alloc_pages(GFP_HIGHUSER_MOVABLE, MAX_PAGE_ORDER)))
		n++;
	return n;
}

static void free_all(struct page **held, int n, unsigned int order)
{
	for (int i = 0; i < n; i++)
		__free_pages(held[i], order);
}

static void assert_no_free_of_type(int mt)
{
	for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++)
		assert_int_equal(free_list_len(order, mt), 0);
}

/*
 * An unmovable request in an all-movable zone claims the first order-10
 * block: both its pageblocks turn unmovable and the split remainder goes
 * to the unmovable lists.
 */
static void test_unmovable_claims_whole_range(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 4);

	assert_int_equal(page_to_pfn(page), 0);
	/* One mm_page_alloc_extfrag, not fragmenting: the block was 2 pageblocks. */
	assert_int_equal(test_zone()->nr_alloc_extfrag, 1);
	assert_int_equal(test_zone()->nr_alloc_extfrag_fragmenting, 0);
	assert_int_equal(pfn_migratetype(0), MIGRATE_UNMOVABLE);
	assert_int_equal(pfn_migratetype(512), MIGRATE_UNMOVABLE);
	assert_int_equal(pfn_migratetype(1024), MIGRATE_MOVABLE);
	for (unsigned int order = 4; order < MAX_PAGE_ORDER; order++) {
		assert_int_equal(free_list_len(order, MIGRATE_UNMOVABLE), 1);
		assert_true(on_free_list(1UL << order, order, MIGRATE_UNMOVABLE));
	}
	assert_int_equal(free_list_len(MAX_PAGE_ORDER, MIGRATE_MOVABLE), ALL_BLOCKS - 1);
	assert_int_equal(nr_free_pages(), TEST_PAGES - 16);
	assert_invariants();

	/* Freed, the block merges back whole and keeps its new type. */
	__free_pages(page, 4);
	assert_int_equal(free_list_len(MAX_PAGE_ORDER, MIGRATE_UNMOVABLE), 1);
	assert_true(on_free_list(0, MAX_PAGE_ORDER, MIGRATE_UNMOVABLE));
	assert_int_equal(pfn_migratetype(512), MIGRATE_UNMOVABLE);
	assert_int_equal(nr_free_pages(), TEST_PAGES);
}

/* With a reclaimable and a movable block of the same order free, unmovable takes reclaimable. */
static void test_unmovable_prefers_reclaimable(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL_RECLAIMABLE, 4);

	assert_int_equal(page_to_pfn(page), 0);
	__free_pages(page, 4);
	assert_true(on_free_list(0, MAX_PAGE_ORDER, MIGRATE_RECLAIMABLE));

	page = alloc_pages(GFP_KERNEL, 4);
	assert_int_equal(page_to_pfn(page), 0);
	assert_int_equal(pfn_migratetype(0), MIGRATE_UNMOVABLE);
	assert_no_free_of_type(MIGRATE_RECLAIMABLE);
	assert_int_equal(free_list_len(MAX_PAGE_ORDER, MIGRATE_MOVABLE), ALL_BLOCKS - 1);
	__free_pages(page, 4);
	assert_invariants();
}

/*
 * Make pageblock 0 unmovable and leave in it free blocks 16 (order 4),
 * 32 (order 5) and 64 (order 6), plus 256 (order 8) if @keep_256_free;
 * all of pageblock 1 is allocated, and so is every other order-10 block.
 * (Order 9 is a per-cpu order whose refill would take a second block.)
 */
static const unsigned int shape_orders[] = { 4, 8, 8, 8, 7 };

static void shape_unmovable_block0(struct page **held, bool keep_256_free)
{
	static const unsigned long pfns[] = { 0, 256, 512, 768, 128 };

	low_watermarks();
	for (int i = 0; i < 5; i++) {
		held[i] = alloc_pages(GFP_KERNEL, shape_orders[i]);
		assert_int_equal(page_to_pfn(held[i]), pfns[i]);
	}
	assert_int_equal(eat_max_order_blocks(held + 5), ALL_BLOCKS - 1);
	if (keep_256_free) {
		__free_pages(held[1], 8);
		held[1] = NULL;
	}
	assert_no_free_of_type(MIGRATE_MOVABLE);
	assert_int_equal(nr_free_pages(), keep_256_free ? 368 : 112);
}

static void free_shaped(struct page **held)
{
	for (int i = 0; i < 5; i++)
		if (held[i])
			__free_pages(held[i], shape_orders[i]);
	free_all(held + 5, ALL_BLOCKS - 1, MAX_PAGE_ORDER);
}

/*
 * 112 of 512 pages free is below half: a movable order-0 request steals.
 * The per-cpu refill takes 3 blocks, all stolen from the unmovable lists
 * (16, 17, 18); pageblock 0 stays unmovable.
 */
static void test_small_movable_steals_below_half(void **state)
{
	struct page *held[32];
	struct page *page;

	long extfrag, fragmenting;

	shape_unmovable_block0(held, false);
	extfrag = test_zone()->nr_alloc_extfrag;
	fragmenting = test_zone()->nr_alloc_extfrag_fragmenting;

	assert_int_equal(cpu_bind_current(0), 0);
	page = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
	assert_int_equal(page_to_pfn(page), 16);
	/* Three steals, each an mm_page_alloc_extfrag that fragments pageblock 0. */
	assert_int_equal(test_zone()->nr_alloc_extfrag - extfrag, 3);
	assert_int_equal(test_zone()->nr_alloc_extfrag_fragmenting - fragmenting, 3);
	assert_int_equal(pfn_migratetype(0), MIGRATE_UNMOVABLE);
	assert_int_equal(nr_free_pages(), 109);
	assert_int_equal(pcp_count(0), 2);
	assert_true(on_free_list(19, 0, MIGRATE_UNMOVABLE));
	assert_true(on_free_list(20, 2, MIGRATE_UNMOVABLE));
	assert_true(on_free_list(24, 3, MIGRATE_UNMOVABLE));
	assert_true(on_free_list(32, 5, MIGRATE_UNMOVABLE));
	assert_true(on_free_list(64, 6, MIGRATE_UNMOVABLE));
	assert_no_free_of_type(MIGRATE_MOVABLE);
	assert_invariants();

	/* A movable claim of blocks this small is never tried: -2 stops the scan. */
	spin_lock(&test_zone()->lock);
	assert_int_equal(find_suitable_fallback(&test_zone()->free_area[3], 3,
						MIGRATE_MOVABLE, true), -2);
	assert_int_equal(find_suitable_fallback(&test_zone()->free_area[3], 3,
						MIGRATE_MOVABLE, false), MIGRATE_UNMOVABLE);
	assert_int_equal(find_suitable_fallback(&test_zone()->free_area[6], 6,
						MIGRATE_MOVABLE, true), MIGRATE_UNMOVABLE);
	assert_int_equal(find_suitable_fallback(&test_zone()->free_area[7], 7,
						MIGRATE_MOVABLE, true), -1);
	spin_unlock(&test_zone()->lock);

	__free_pages(page, 0);
	free_shaped(held);
	assert_zone_reassembled();
}

/*
 * 368 of 512 pages free is at least half: the movable request claims
 * pageblock 0 (not pageblock 1, still unmovable), whose free blocks all
 * move to the movable lists before the refill splits the smallest one.
 */
static void test_small_movable_claims_at_half(void **state)
{
	struct page *held[32];
	struct page *page;

	shape_unmovable_block0(held, true);

	assert_int_equal(cpu_bind_current(0), 0);
	page = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
	assert_int_equal(page_to_pfn(page), 16);
	assert_int_equal(pfn_migratetype(0), MIGRATE_MOVABLE);
	assert_int_equal(pfn_migratetype(512), MIGRATE_UNMOVABLE);
	assert_no_free_of_type(MIGRATE_UNMOVABLE);
	assert_true(on_free_list(19, 0, MIGRATE_MOVABLE));
	assert_true(on_free_list(20, 2, MIGRATE_MOVABLE));
	assert_true(on_free_list(24, 3, MIGRATE_MOVABLE));
	assert_true(on_free_list(32, 5, MIGRATE_MOVABLE));
	assert_true(on_free_list(64, 6, MIGRATE_MOVABLE));
	assert_true(on_free_list(256, 8, MIGRATE_MOVABLE));
	assert_int_equal(nr_free_pages(), 365);
	assert_int_equal(pcp_count(0), 2);
	assert_invariants();

	__free_pages(page, 0);
	free_shaped(held);
	assert_zone_reassembled();
}

/*
 * Make pageblock 0 movable with order-0 pages allocated at pfns 0..447
 * (a fresh zone hands them out in order on one cpu) and 448..511 free, one
 * order-6 block; pageblock 1 and every other order-10 block allocated.
 */
#define NR_SMALL	448

static void shape_movable_block0(struct page **small, struct page **held)
{
	low_watermarks();
	assert_int_equal(cpu_bind_current(0), 0);
	for (int i = 0; i < NR_SMALL; i++) {
		small[i] = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
		assert_int_equal(page_to_pfn(small[i]), i);
	}
	drain_local_pages(NULL);
	for (int i = 0; i < 2; i++) {
		held[i] = alloc_pages(GFP_HIGHUSER_MOVABLE, 8);
		assert_int_equal(page_to_pfn(held[i]), 512 + 256 * i);
	}
	assert_int_equal(eat_max_order_blocks(held + 2), ALL_BLOCKS - 1);
	assert_int_equal(nr_free_pages(), 64);
	assert_true(on_free_list(448, 6, MIGRATE_MOVABLE));
}

static void free_shaped_movable(struct page **held)
{
	free_all(held, 2, 8);
	free_all(held + 2, ALL_BLOCKS - 1, MAX_PAGE_ORDER);
}

/*
 * An unmovable request counts the allocated pages of a movable block that
 * are not on the LRU as compatible: 64 free + 448 such pages claim it.
 */
static void test_unmovable_claims_block_of_unmovable_pages(void **state)
{
	struct page *small[NR_SMALL], *held[32], *page;

	shape_movable_block0(small, held);
	page = alloc_pages(GFP_KERNEL, 0);
	assert_int_equal(page_to_pfn(page), 448);
	assert_int_equal(pfn_migratetype(0), MIGRATE_UNMOVABLE);
	assert_no_free_of_type(MIGRATE_MOVABLE);
	assert_true(on_free_list(451, 0, MIGRATE_UNMOVABLE));
	assert_true(on_free_list(480, 5, MIGRATE_UNMOVABLE));
	assert_int_equal(nr_free_pages(), 61);
	assert_invariants();

	__free_pages(page, 0);
	free_all(small, NR_SMALL, 0);
	free_shaped_movable(held);
	assert_zone_reassembled();
}

/*
 * PG_movable_ops shares its bit with PG_uptodate: kernel pages that are
 * uptodate but have no movable_ops (no balloon or zsmalloc page type) are
 * not movable, so the unmovable request still claims the block
 * (page_has_movable_ops(), not PageMovableOps()).
 */
static void test_uptodate_pages_are_not_movable(void **state)
{
	struct page *small[NR_SMALL], *held[32], *page;

	shape_movable_block0(small, held);
	for (int i = 0; i < NR_SMALL; i++)
		SetPageUptodate(small[i]);
	assert_true(PageMovableOps(small[0]));	/* the alias */
	page = alloc_pages(GFP_KERNEL, 0);
	assert_int_equal(page_to_pfn(page), 448);
	assert_int_equal(pfn_migratetype(0), MIGRATE_UNMOVABLE);
	assert_invariants();

	__free_pages(page, 0);
	free_all(small, NR_SMALL, 0);
	free_shaped_movable(held);
	assert_zone_reassembled();
}

/*
 * The same block with its allocated pages on the LRU (movable): only 64
 * free pages count, so the request steals. The refill's pages wait on the
 * unmovable per-cpu list, yet drain back to the movable lists, because
 * the pageblock is read again when they go back.
 */
static void test_unmovable_steals_from_lru_block(void **state)
{
	struct page *small[NR_SMALL], *held[32], *page;

	shape_movable_block0(small, held);
	for (int i = 0; i < NR_SMALL; i++)
		folio_add_lru(small[i]);
	page = alloc_pages(GFP_KERNEL, 0);
	assert_int_equal(page_to_pfn(page), 448);
	assert_int_equal(pfn_migratetype(0), MIGRATE_MOVABLE);
	assert_no_free_of_type(MIGRATE_UNMOVABLE);
	assert_true(on_free_list(451, 0, MIGRATE_MOVABLE));
	assert_true(on_free_list(480, 5, MIGRATE_MOVABLE));
	assert_int_equal(nr_free_pages(), 61);
	assert_int_equal(pcp_count(0), 2);
	assert_invariants();

	__free_pages(page, 0);
	drain_all_pages(NULL);
	assert_no_free_of_type(MIGRATE_UNMOVABLE);
	assert_true(on_free_list(448, 6, MIGRATE_MOVABLE));
	for (int i = 0; i < NR_SMALL; i++)
		put_page(small[i]);	/* off the LRU, then freed */
	free_shaped_movable(held);
	assert_zone_reassembled();
}

static void test_should_try_claim_block(void **state)
{
	/* pageblock_order 9: orders >= 4 (half of it) always try. */
	assert_true(should_try_claim_block(10, MIGRATE_MOVABLE));
	assert_true(should_try_claim_block(9, MIGRATE_MOVABLE));
	assert_true(should_try_claim_block(4, MIGRATE_MOVABLE));
	assert_false(should_try_claim_block(3, MIGRATE_MOVABLE));
	assert_false(should_try_claim_block(0, MIGRATE_MOVABLE));
	assert_true(should_try_claim_block(0, MIGRATE_UNMOVABLE));
	assert_true(should_try_claim_block(3, MIGRATE_UNMOVABLE));
	assert_true(should_try_claim_block(0, MIGRATE_RECLAIMABLE));
}

static int fallback(unsigned int order, int mt, bool claimable)
{
	struct zone *zone = test_zone();
	int ret;

	spin_lock(&zone->lock);
	ret = find_suitable_fallback(&zone->free_area[order], order, mt, claimable);
	spin_unlock(&zone->lock);
	return ret;
}

static void test_find_suitable_fallback(void **state)
{
	struct page *page;

	/* All movable: only unmovable and reclaimable requests find a fallback. */
	assert_int_equal(fallback(10, MIGRATE_UNMOVABLE, true), MIGRATE_MOVABLE);
	assert_int_equal(fallback(10, MIGRATE_RECLAIMABLE, false), MIGRATE_MOVABLE);
	assert_int_equal(fallback(10, MIGRATE_MOVABLE, true), -1);
	assert_int_equal(fallback(3, MIGRATE_UNMOVABLE, true), -1);

	/* A reclaimable order-10 block comes first for unmovable and movable. */
	page = alloc_pages(GFP_KERNEL_RECLAIMABLE, 4);
	__free_pages(page, 4);
	assert_int_equal(fallback(10, MIGRATE_UNMOVABLE, true), MIGRATE_RECLAIMABLE);
	assert_int_equal(fallback(10, MIGRATE_MOVABLE, true), MIGRATE_RECLAIMABLE);
	assert_int_equal(fallback(10, MIGRATE_RECLAIMABLE, true), MIGRATE_MOVABLE);

	/* Small movable blocks: claimable stops the scan, stealing finds them. */
	assert_int_equal(cpu_bind_current(0), 0);
	page = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);	/* 1024..1026, 1027 left free */
	assert_int_equal(page_to_pfn(page), 1024);
	assert_true(on_free_list(1027, 0, MIGRATE_MOVABLE));
	assert_int_equal(fallback(0, MIGRATE_MOVABLE, true), -2);
	assert_int_equal(fallback(0, MIGRATE_UNMOVABLE, true), MIGRATE_MOVABLE);
	assert_int_equal(fallback(0, MIGRATE_UNMOVABLE, false), MIGRATE_MOVABLE);
	__free_pages(page, 0);
	assert_invariants();
}

/*
 * A block freed across two pageblocks of different (mergeable) types is
 * freed one pageblock at a time and merges back whole, the merged block
 * taking the type of the pageblock freed last.
 */
static void test_merge_across_types(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER);

	assert_int_equal(page_to_pfn(page), 0);
	assert_int_equal(pfn_migratetype(512), MIGRATE_UNMOVABLE);
	/* Retype the allocated pageblock 1 (it has no free pages to move). */
	spin_lock(&test_zone()->lock);
	set_pageblock_migratetype(pfn_to_page(512), MIGRATE_MOVABLE);
	spin_unlock(&test_zone()->lock);

	__free_pages(page, MAX_PAGE_ORDER);
	assert_int_equal(pfn_migratetype(0), MIGRATE_MOVABLE);
	assert_int_equal(pfn_migratetype(512), MIGRATE_MOVABLE);
	assert_no_free_of_type(MIGRATE_UNMOVABLE);
	assert_zone_reassembled();
	assert_int_equal(free_list_len(MAX_PAGE_ORDER, MIGRATE_MOVABLE), ALL_BLOCKS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		machine_test(test_unmovable_claims_whole_range),
		machine_test(test_unmovable_prefers_reclaimable),
		machine_test(test_small_movable_steals_below_half),
		machine_test(test_small_movable_claims_at_half),
		machine_test(test_unmovable_claims_block_of_unmovable_pages),
		machine_test(test_uptodate_pages_are_not_movable),
		machine_test(test_unmovable_steals_from_lru_block),
		machine_test(test_should_try_claim_block),
		machine_test(test_find_suitable_fallback),
		machine_test(test_merge_across_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
