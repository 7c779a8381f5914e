/* SPDX-License-Identifier: MIT */
/*
 * pcp.c - per-cpu free lists (kernel: struct per_cpu_pages in
 * mm/page_alloc.c).
 *
 * Each simulated CPU has, per zone, lists of free blocks of the pcp orders
 * (0..PAGE_ALLOC_COSTLY_ORDER and the THP order), one per migratetype, so
 * most allocations and frees of small blocks never touch zone->lock: an
 * empty list is refilled with pcp->batch blocks at once, and a cpu holding
 * more than pcp->high pages gives pcp->batch of them back (for the THP
 * order, more than the kernel's high_max when that is larger: see
 * pcp_high()). pcp->lock is taken with trylock on the allocation and free
 * paths (a caller that loses the race goes to the zone), and zone->lock
 * nests inside it.
 *
 * Pages on these lists are free but stay out of NR_FREE_PAGES and of
 * free_area[].nr_free, as in the kernel (so /proc/buddyinfo omits them).
 * A page's list type is recorded in page->index while it sits here
 * (the kernel's pcppage migratetype); when it goes back to the zone its
 * pageblock type is read again, since the block may have changed type
 * meanwhile and a free block must sit on its pageblock's list.
 */
#include <stdlib.h>
#include <string.h>
#include "alloc/alloc_internal.h"

/*
 * pcp->high is fixed at 6 * batch, the kernel's rule before 5.14; the
 * kernel now tunes it between limits derived from the low watermark, which
 * needs reclaim feedback pagelab does not have.
 */
#define PCP_HIGH_BATCHES	6

static struct per_cpu_pages *this_cpu_pcp(struct zone *zone)
{
	return &zone->per_cpu_pageset[smp_processor_id()];
}

static unsigned long rounddown_pow_of_two(unsigned long n)
{
	return 1UL << (BITS_PER_LONG - 1 - __builtin_clzl(n));
}

/**
 * zone_batchsize() - how many pages a per-cpu list moves at a time.
 * @zone: a zone whose managed pages are set.
 *
 * 1/4096 of the zone's pages, at most 256 KiB worth, rounded down to
 * 2^n - 1 (so refills of different cpus do not line up on the same cache
 * colours), and at least 1.
 * Context: any.
 * Return: the batch, in pages.
 */
int zone_batchsize(const struct zone *zone)
{
	unsigned long batch = min((unsigned long)zone_managed_pages(zone) >> 12,
				  (256UL << 10) / PAGE_SIZE);

	batch = max(batch, 1UL);
	batch = rounddown_pow_of_two(batch + batch / 2) - 1;
	return max(batch, 1UL);
}

/**
 * setup_zone_pageset() - allocate and initialise @zone's per-cpu lists,
 * one struct per_cpu_pages per cpu (nr_cpu_ids).
 * @zone: a zone whose managed pages are set.
 *
 * Context: machine setup, single-threaded.
 * Return: 0, or -ENOMEM.
 */
int setup_zone_pageset(struct zone *zone)
{
	size_t size = nr_cpu_ids * sizeof(struct per_cpu_pages);
	int batch = zone_batchsize(zone);
	void *mem;

	if (posix_memalign(&mem, __alignof__(struct per_cpu_pages), size))
		return -ENOMEM;
	memset(mem, 0, size);
	zone->per_cpu_pageset = mem;
	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++) {
		struct per_cpu_pages *pcp = &zone->per_cpu_pageset[cpu];

		spin_lock_init(&pcp->lock, LOCK_CLASS_PCP);
		pcp->batch = batch;
		pcp->high = PCP_HIGH_BATCHES * batch;
		for (int pindex = 0; pindex < NR_PCP_LISTS; pindex++)
			INIT_LIST_HEAD(&pcp->lists[pindex]);
	}
	return 0;
}

/**
 * zone_pcp_update() - set every cpu's batch and high again from @zone's
 * managed pages (deferred struct page init grew them).
 * @zone: a zone with per-cpu lists.
 * Context: takes each pcp->lock in turn.
 */
void zone_pcp_update(struct zone *zone)
{
	int batch = zone_batchsize(zone);

	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++) {
		struct per_cpu_pages *pcp = &zone->per_cpu_pageset[cpu];

		spin_lock(&pcp->lock);
		WRITE_ONCE(pcp->batch, batch);
		WRITE_ONCE(pcp->high, PCP_HIGH_BATCHES * batch);
		spin_unlock(&pcp->lock);
	}
}

/**
 * free_zone_pageset() - free @zone's per-cpu lists (NULL is fine). Pages
 * still on them are simply forgotten with the machine.
 * @zone: the zone.
 *
 * Context: machine teardown, single-threaded.
 */
void free_zone_pageset(struct zone *zone)
{
	if (!zone->per_cpu_pageset)
		return;
	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++)
		spin_lock_destroy(&zone->per_cpu_pageset[cpu].lock);
	free(zone->per_cpu_pageset);
	zone->per_cpu_pageset = NULL;
}

/*
 * Give @count pages' worth of blocks back to the zone, oldest first, list
 * @pindex first and then the others in turn.
 */
static void free_pcppages_bulk(struct zone *zone, int count, struct per_cpu_pages *pcp,
			       unsigned int pindex)
{
	lockdep_assert_held(&pcp->lock);
	count = min(count, pcp->count);
	spin_lock(&zone->lock);
	while (count > 0) {
		struct list_head *list;
		unsigned int order;

		while (list_empty(&pcp->lists[pindex]))
			pindex = (pindex + 1) % NR_PCP_LISTS;
		list = &pcp->lists[pindex];
		order = pindex_to_order(pindex);
		do {
			struct page *page = list_last_entry(list, struct page, lru);

			list_del(&page->lru);
			WRITE_ONCE(page->index, 0);
			pcp->count -= 1 << order;
			count -= 1 << order;
			__free_one_page(page, page_to_pfn(page), zone, order,
					get_pageblock_migratetype(page), FPI_NONE);
		} while (count > 0 && !list_empty(list));
		pindex = (pindex + 1) % NR_PCP_LISTS;
	}
	VM_EXPENSIVE(zone_free_area_valid, zone);
	spin_unlock(&zone->lock);
}

/* Blocks of @order that one refill of an empty list brings in. */
static int pcp_refill_blocks(const struct per_cpu_pages *pcp, unsigned int order)
{
	return pcp->batch > 1 ? max(pcp->batch >> order, 2) : 1;
}

/*
 * The count above which a free of @order drains: pcp->high, and for the
 * THP order at least the kernel's high_max (zone_highsize(): the low
 * watermark shared among the cpus), so that on a zone large enough for
 * THP one freed block stays for the next allocation. Deviation: the
 * kernel tunes one high for every order between high_min and high_max;
 * pagelab keeps the pre-5.14 fixed high (6 * batch, 378 pages on 2 GiB,
 * less than one 512-page block, which sent every THP free and refill to
 * zone->lock) and lets only the THP lists reach high_max.
 */
static int pcp_high(const struct zone *zone, const struct per_cpu_pages *pcp,
		    unsigned int order)
{
	if (order <= PAGE_ALLOC_COSTLY_ORDER)
		return pcp->high;
	return max((long)pcp->high, (long)(READ_ONCE(zone->_watermark[WMARK_LOW]) / nr_cpu_ids));
}

/**
 * rmqueue_pcplist() - take a block of a pcp order from this cpu's list,
 * refilling the list from the buddy when it is empty.
 * @zone: the zone.
 * @order: a pcp_allowed_order().
 * @migratetype: the type asked for.
 * @alloc_flags: passed to the refill (__rmqueue()).
 *
 * A refill takes pcp->batch pages (for order > 0, batch >> order blocks
 * but at least 2, unless the batch is 1).
 * Context: trylocks this cpu's pcp->lock, then zone->lock for a refill.
 * Return: the block's first page, or NULL if the list and the refill are
 * empty or the lock is busy (the caller then asks the zone directly).
 */
struct page *rmqueue_pcplist(struct zone *zone, unsigned int order, int migratetype,
			     unsigned int alloc_flags)
{
	struct per_cpu_pages *pcp = this_cpu_pcp(zone);
	struct list_head *list;
	struct page *page;

	if (!spin_trylock(&pcp->lock))
		return NULL;
	list = &pcp->lists[order_to_pindex(migratetype, order)];
	if (list_empty(list))
		pcp->count += rmqueue_bulk(zone, order, pcp_refill_blocks(pcp, order), list,
					   migratetype, alloc_flags) << order;
	page = list_first_entry_or_null(list, struct page, lru);
	if (page) {
		list_del(&page->lru);
		WRITE_ONCE(page->index, 0);
		pcp->count -= 1 << order;
	}
	spin_unlock(&pcp->lock);
	return page;
}

/**
 * free_unref_page_to_pcp() - put a freed block on this cpu's list for
 * @migratetype, then give pcp->batch pages back to the zone if the cpu
 * holds more than pcp->high (for the THP order, more than pcp_high()).
 * @zone: the block's zone.
 * @page: first page of the block, prepared for freeing.
 * @order: a pcp_allowed_order().
 * @migratetype: the block's pageblock type (one of the MIGRATE_PCPTYPES).
 *
 * Context: trylocks this cpu's pcp->lock, then zone->lock to drain.
 * Return: true if the block was taken; false if the lock was busy (the
 * caller then frees it to the zone).
 */
bool free_unref_page_to_pcp(struct zone *zone, struct page *page, unsigned int order,
			    int migratetype)
{
	struct per_cpu_pages *pcp = this_cpu_pcp(zone);
	unsigned int pindex = order_to_pindex(migratetype, order);

	if (!spin_trylock(&pcp->lock))
		return false;
	WRITE_ONCE(page->index, migratetype);
	list_add(&page->lru, &pcp->lists[pindex]);
	pcp->count += 1 << order;
	if (pcp->count > pcp_high(zone, pcp, order))
		free_pcppages_bulk(zone, pcp->batch, pcp, pindex);
	spin_unlock(&pcp->lock);
	return true;
}

/* Give everything on @cpu's lists for @zone back to the zone. */
static void drain_pages_zone(unsigned int cpu, struct zone *zone)
{
	struct per_cpu_pages *pcp = &zone->per_cpu_pageset[cpu];

	spin_lock(&pcp->lock);
	if (pcp->count)
		free_pcppages_bulk(zone, pcp->count, pcp, 0);
	spin_unlock(&pcp->lock);
}

static void drain_pages(unsigned int cpu, struct zone *zone)
{
	if (zone) {
		drain_pages_zone(cpu, zone);
		return;
	}
	for_each_populated_zone(zone)
		drain_pages_zone(cpu, zone);
}

/**
 * drain_local_pages() - empty this cpu's per-cpu lists into the buddy.
 * @zone: the zone whose lists to drain, or NULL for every zone.
 *
 * Context: takes pcp->lock (waiting for it), then zone->lock; the caller
 * holds neither.
 */
void drain_local_pages(struct zone *zone)
{
	drain_pages(smp_processor_id(), zone);
}

/**
 * drain_all_pages() - empty every cpu's per-cpu lists into the buddy, one
 * cpu after the other (the kernel also drains remote cpus' lists directly
 * under their pcp->lock).
 * @zone: the zone whose lists to drain, or NULL for every zone.
 *
 * Pages freed to a list concurrently may stay there.
 * Context: takes each pcp->lock (waiting for it), then zone->lock; the
 * caller holds neither.
 */
void drain_all_pages(struct zone *zone)
{
	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++)
		drain_pages(cpu, zone);
}
