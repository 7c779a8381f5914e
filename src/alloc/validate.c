/* SPDX-License-Identifier: MIT */
/*
 * validate.c - the validators of a zone's buddy structures (the shape all
 * validators share is in core/debug.h; docs/design.md lists them):
 *
 *   zone_free_lists_valid()  every block on the free lists is in the zone,
 *                            aligned, PageBuddy with the list's order,
 *                            unreferenced, and on the list of its
 *                            pageblock's migratetype; nr_free and
 *                            NR_FREE_PAGES match the lists;
 *   zone_pageblocks_valid()  every pageblock has a valid migratetype, and a
 *                            free block spanning pageblocks has one type in
 *                            all of them.
 *
 * Together they state alloc_internal.h's free-list invariant, but for
 * "no page inside a free block is PageBuddy": that takes a look at every
 * free frame, so it is left to the invariant checker, whose frame
 * accounting looks at each anyway. Their cost is one step per free block
 * and per pageblock. Everything
 * they read is stable under zone->lock, so they may run wherever it is held
 * and the free lists are consistent: the allocator and its users call
 * zone_free_area_valid() through VM_EXPENSIVE() before they drop the lock
 * after changing the lists, and the invariant checker calls them with a
 * visitor that accounts for the free frames.
 */
#include "internal.h"

/* Placement, buddy state and list type of one block of @mt's @order list. */
static bool free_block_valid(struct zone *zone, struct page *page, unsigned int order, int mt,
			     char *msg, size_t len)
{
	unsigned long pfn = page_to_pfn(page), nr = 1UL << order;
	int block_mt;

	if (!zone_spans_pfn(zone, pfn) || !zone_spans_pfn(zone, pfn + nr - 1) ||
	    !IS_ALIGNED(pfn, nr))
		return validation_failed(msg, len, "free block pfn %#lx order %u is misplaced",
					 pfn, order);
	if (!PageBuddy(page) || buddy_order(page) != order || page_ref_count(page))
		return validation_failed(msg, len, "free list %s order %u holds pfn %#lx with "
					 "buddy=%d order=%u refcount=%d", migratetype_names[mt],
					 order, pfn, PageBuddy(page), buddy_order(page),
					 page_ref_count(page));
	block_mt = get_pageblock_migratetype(page);
	if (block_mt != mt)
		return validation_failed(msg, len, "free block pfn %#lx order %u is on the %s list "
					 "in a %s pageblock", pfn, order, migratetype_names[mt],
					 block_mt < MIGRATE_TYPES ? migratetype_names[block_mt]
								  : "invalid");
	return true;
}

/* Walk one free list, refusing to loop on a corrupted one; count its blocks. */
static bool free_list_valid(struct zone *zone, unsigned int order, int mt, free_block_fn fn,
			    void *arg, unsigned long *blocks, char *msg, size_t len)
{
	struct list_head *head = &zone->free_area[order].free_list[mt], *pos;

	list_for_each(pos, head) {
		struct page *page = list_entry(pos, struct page, lru);

		if (++*blocks > machine.max_pfn)
			return validation_failed(msg, len, "free list %s order %u is corrupted",
						 migratetype_names[mt], order);
		if (!free_block_valid(zone, page, order, mt, msg, len))
			return false;
		if (fn && !fn(page, order, arg))
			return false;
	}
	return true;
}

/**
 * __zone_free_lists_valid() - check @zone's buddy free lists, showing each
 * free block to @fn.
 * @zone: a populated zone.
 * @fn: called with every valid block and @arg, or NULL; when it returns
 *	false the walk stops and so does the validator, leaving @msg to @fn.
 * @arg: passed to @fn.
 * @msg: receives the first problem found.
 * @len: size of @msg.
 *
 * Context: zone->lock held.
 * Return: true if the lists are valid.
 */
bool __zone_free_lists_valid(struct zone *zone, free_block_fn fn, void *arg, char *msg,
			     size_t len)
{
	unsigned long pages = 0;

	lockdep_assert_held(&zone->lock);
	for (unsigned int order = 0; order < NR_PAGE_ORDERS; order++) {
		unsigned long blocks = 0;

		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			if (!free_list_valid(zone, order, mt, fn, arg, &blocks, msg, len))
				return false;
		if (blocks != zone->free_area[order].nr_free)
			return validation_failed(msg, len, "zone %s order %u: nr_free is %lu but "
						 "the lists hold %lu", zone->name, order,
						 zone->free_area[order].nr_free, blocks);
		pages += blocks << order;
	}
	if ((long)pages != zone_page_state(zone, NR_FREE_PAGES))
		return validation_failed(msg, len, "zone %s: NR_FREE_PAGES is %ld but the free "
					 "lists hold %lu pages", zone->name,
					 zone_page_state(zone, NR_FREE_PAGES), pages);
	return true;
}

/**
 * zone_free_lists_valid() - check @zone's buddy free lists: every block is
 * in the zone, aligned, PageBuddy with its list's order, unreferenced and
 * on the list of its pageblock's migratetype; each order's nr_free and the
 * zone's NR_FREE_PAGES match.
 * @zone: a populated zone.
 * @msg: receives the first problem found.
 * @len: size of @msg.
 *
 * Context: zone->lock held.
 * Return: true if the lists are valid.
 */
bool zone_free_lists_valid(struct zone *zone, char *msg, size_t len)
{
	return __zone_free_lists_valid(zone, NULL, NULL, msg, len);
}

/*
 * A free block of at least a pageblock starts at a pageblock boundary; all
 * the pageblocks it covers must have its first pageblock's type.
 */
static bool free_block_pageblocks_valid(struct zone *zone, unsigned long pfn, char *msg,
					size_t len)
{
	struct page *page = pfn_to_page(pfn);
	unsigned int order = buddy_order(page);
	int mt = get_pageblock_migratetype(page);

	if (order >= NR_PAGE_ORDERS || !zone_spans_pfn(zone, pfn + (1UL << order) - 1))
		return validation_failed(msg, len, "free block pfn %#lx has order %u", pfn, order);
	for (unsigned long i = pfn; i < pfn + (1UL << order); i += pageblock_nr_pages) {
		int block_mt = get_pageblock_migratetype(pfn_to_page(i));

		if (block_mt != mt)
			return validation_failed(msg, len, "free block pfn %#lx order %u spans a %s "
						 "and a %s pageblock", pfn, order,
						 migratetype_names[mt], migratetype_names[block_mt]);
	}
	return true;
}

/**
 * zone_pageblocks_valid() - check @zone's pageblock migratetypes: each is
 * a valid value, and a free block covering several pageblocks gives them
 * all one type (with zone_free_lists_valid(): every pageblock a free block
 * covers has the type of the list the block is on).
 * @zone: a populated zone.
 * @msg: receives the first problem found.
 * @len: size of @msg.
 *
 * Context: zone->lock held.
 * Return: true if the pageblocks are valid.
 */
bool zone_pageblocks_valid(struct zone *zone, char *msg, size_t len)
{
	unsigned long pfn;

	lockdep_assert_held(&zone->lock);
	for (pfn = zone->zone_start_pfn; pfn < zone_end_pfn(zone); pfn += pageblock_nr_pages) {
		int mt = get_pageblock_migratetype(pfn_to_page(pfn));

		if (mt >= MIGRATE_TYPES)
			return validation_failed(msg, len, "pageblock at pfn %#lx has migratetype %d",
						 pfn, mt);
	}
	/* Deferred struct pages hold no free block yet: stop before them. */
	for (pfn = ALIGN(zone->zone_start_pfn, pageblock_nr_pages); pfn < zone_init_end_pfn(zone);
	     pfn += pageblock_nr_pages) {
		struct page *page = pfn_to_page(pfn);

		if (!PageBuddy(page) || buddy_order(page) <= pageblock_order)
			continue;
		if (!free_block_pageblocks_valid(zone, pfn, msg, len))
			return false;
		pfn += (1UL << buddy_order(page)) - pageblock_nr_pages;
	}
	return true;
}

/**
 * zone_free_area_valid() - zone_free_lists_valid() and
 * zone_pageblocks_valid(): the whole free-list invariant of @zone.
 * @zone: a populated zone.
 * @msg: receives the first problem found.
 * @len: size of @msg.
 *
 * Context: zone->lock held.
 * Return: true if both hold.
 */
bool zone_free_area_valid(struct zone *zone, char *msg, size_t len)
{
	return zone_free_lists_valid(zone, msg, len) && zone_pageblocks_valid(zone, msg, len);
}
