/* SPDX-License-Identifier: MIT */
/*
 * alloc_test.h - helpers shared by the page-allocator unit tests: read the
 * zone's free lists, per-cpu counts and counters exactly.
 *
 * The fixture machine (lib/machine_fixture.h) has 64 MiB = 16384 frames,
 * MAX_PAGE_ORDER 10, pageblock_order 9 and 2 cpus, so at boot: 16 free
 * order-10 blocks, all MIGRATE_MOVABLE; watermarks min/low/high/promo =
 * 256/320/384/448 pages; per-cpu batch 3 and high 18.
 */
#ifndef PAGELAB_TEST_ALLOC_TEST_H
#define PAGELAB_TEST_ALLOC_TEST_H

#include "lib/machine_fixture.h"
#include "alloc/alloc_internal.h"

#define TEST_PAGES	(TEST_MEMORY >> PAGE_SHIFT)
#define TEST_BATCH	3
#define TEST_PCP_HIGH	18
#define TEST_WMARK_MIN	256
#define TEST_WMARK_LOW	320

static inline struct zone *test_zone(void)
{
	return &contig_page_data.node_zones[ZONE_NORMAL];
}

static inline long nr_free_pages(void)
{
	return zone_page_state(test_zone(), NR_FREE_PAGES);
}

static inline unsigned long area_nr_free(unsigned int order)
{
	return READ_ONCE(test_zone()->free_area[order].nr_free);
}

/* Blocks on one free list. */
static inline unsigned long free_list_len(unsigned int order, int mt)
{
	struct zone *zone = test_zone();
	unsigned long n = 0;
	struct list_head *pos;

	spin_lock(&zone->lock);
	list_for_each(pos, &zone->free_area[order].free_list[mt])
		n++;
	spin_unlock(&zone->lock);
	return n;
}

/* Is the block at @pfn on the free list of @order and @mt? */
static inline bool on_free_list(unsigned long pfn, unsigned int order, int mt)
{
	struct zone *zone = test_zone();
	struct page *page;
	bool found = false;

	spin_lock(&zone->lock);
	list_for_each_entry(page, &zone->free_area[order].free_list[mt], lru)
		found |= page_to_pfn(page) == pfn;
	spin_unlock(&zone->lock);
	return found;
}

static inline int pcp_count(unsigned int cpu)
{
	struct per_cpu_pages *pcp = &test_zone()->per_cpu_pageset[cpu];
	int count;

	spin_lock(&pcp->lock);
	count = pcp->count;
	spin_unlock(&pcp->lock);
	return count;
}

static inline int pfn_migratetype(unsigned long pfn)
{
	return get_pageblock_migratetype(pfn_to_page(pfn));
}

/* After draining every cpu, the zone is whole again: all max-order blocks. */
static inline void assert_zone_reassembled(void)
{
	drain_all_pages(NULL);
	assert_int_equal(nr_free_pages(), TEST_PAGES);
	for (unsigned int order = 0; order < MAX_PAGE_ORDER; order++)
		assert_int_equal(area_nr_free(order), 0);
	assert_int_equal(area_nr_free(MAX_PAGE_ORDER), TEST_PAGES >> MAX_PAGE_ORDER);
	assert_invariants();
}

#endif /* PAGELAB_TEST_ALLOC_TEST_H */
