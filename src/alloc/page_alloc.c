/* SPDX-License-Identifier: MIT */
/*
 * page_alloc.c - the buddy allocator (kernel: mm/page_alloc.c).
 *
 * Free memory is kept per zone in free_area[order].free_list[migratetype]:
 * naturally aligned blocks of 2^order frames. Freeing merges a block with
 * its free buddy as far as MAX_PAGE_ORDER; allocating takes the smallest
 * block of the wanted type that fits and splits it, putting the unused
 * halves back (expand). When a type has nothing left, __rmqueue() claims a
 * whole pageblock of another type or steals one block from it, following
 * the kernel's fallback order. Watermarks decide who may take the last
 * pages. The invariant the whole file keeps is stated in alloc_internal.h:
 * a free block is on the list of exactly its pageblock's migratetype.
 *
 * Deviations from the kernel, all because pagelab has no kswapd, no CMA and
 * no memory isolation: no highatomic reserve is ever created (so the
 * MIGRATE_HIGHATOMIC lists stay empty), watermarks are never boosted, and
 * the slow path has no reclaim; its hooks for direct compaction and the
 * OOM path (OOM notifiers, where the balloon deflates) are marked below.
 */
#include <pthread.h>
#include <string.h>
#include "alloc/alloc_internal.h"
#include "compact/compaction.h"

/* ------------------------------------------------------------------ */
/* Free lists: every change under zone->lock                           */

static void account_freepages(struct zone *zone, long nr_pages)
{
	lockdep_assert_held(&zone->lock);
	__mod_zone_page_state(zone, NR_FREE_PAGES, nr_pages);
}

/* Put the free block at @page on a list and make it a buddy of @order. */
static void __add_to_free_list(struct page *page, struct zone *zone, unsigned int order,
			       int migratetype, bool tail)
{
	struct free_area *area = &zone->free_area[order];

	VM_WARN_ON_ONCE_PAGE(get_pageblock_migratetype(page) != migratetype, page);
	set_buddy_order(page, order);
	if (tail)
		list_add_tail(&page->lru, &area->free_list[migratetype]);
	else
		list_add(&page->lru, &area->free_list[migratetype]);
	WRITE_ONCE(area->nr_free, area->nr_free + 1);
}

/* Move a free block whose pageblock is about to change from @old_mt to @new_mt. */
static void move_to_free_list(struct page *page, struct zone *zone, unsigned int order,
			      int old_mt, int new_mt)
{
	VM_WARN_ON_ONCE_PAGE(get_pageblock_migratetype(page) != old_mt, page);
	list_move_tail(&page->lru, &zone->free_area[order].free_list[new_mt]);
}

/* Take a free block off its list; NR_FREE_PAGES is the caller's business. */
static void __del_page_from_free_list(struct page *page, struct zone *zone,
				      unsigned int order, int migratetype)
{
	struct free_area *area = &zone->free_area[order];

	VM_WARN_ON_ONCE_PAGE(get_pageblock_migratetype(page) != migratetype, page);
	VM_BUG_ON_PAGE(buddy_order(page) != order, page);
	list_del(&page->lru);
	if (PageReported(page))
		__ClearPageReported(page);	/* report it again once it is free again */
	__ClearPageBuddy(page);
	WRITE_ONCE(page->private, 0);
	WRITE_ONCE(area->nr_free, area->nr_free - 1);
}

static struct page *get_page_from_free_area(struct free_area *area, int migratetype)
{
	return list_first_entry_or_null(&area->free_list[migratetype], struct page, lru);
}

static bool bad_range(const struct zone *zone, const struct page *page)
{
	return !zone_spans_pfn(zone, page_to_pfn(page)) || page_zone(page) != zone;
}

/* Give every pageblock of the 2^@order block at @page type @migratetype. */
static void change_pageblock_range(struct page *page, unsigned int order, int migratetype)
{
	unsigned long nr_blocks = order >= pageblock_order ? 1UL << (order - pageblock_order) : 1;

	for (; nr_blocks; nr_blocks--, page += pageblock_nr_pages)
		set_pageblock_migratetype(page, migratetype);
}

/**
 * zone_init_free_lists() - empty every free list of @zone.
 * @zone: a zone being set up.
 *
 * Context: machine setup, single-threaded.
 */
void zone_init_free_lists(struct zone *zone)
{
	for (unsigned int order = 0; order < NR_PAGE_ORDERS_CAP; order++) {
		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			INIT_LIST_HEAD(&zone->free_area[order].free_list[mt]);
		zone->free_area[order].nr_free = 0;
	}
}

/* ------------------------------------------------------------------ */
/* Freeing into the buddy: merge with free buddies                     */

/* The free block of @order that pairs with the block at @pfn, if any. */
static struct page *find_buddy_page_pfn(const struct zone *zone, unsigned long pfn,
					unsigned int order)
{
	unsigned long buddy_pfn = pfn ^ (1UL << order);
	struct page *buddy;

	if (!zone_spans_pfn(zone, buddy_pfn))
		return NULL;
	buddy = pfn_to_page(buddy_pfn);
	if (!PageBuddy(buddy) || buddy_order(buddy) != order || page_zone(buddy) != zone)
		return NULL;
	return buddy;
}

/*
 * If the block's buddy is still in use but the pair's own buddy is free, the
 * pair will likely merge once that buddy is freed: keep this block at the
 * tail so it is not handed out in the meantime.
 */
static bool buddy_merge_likely(const struct zone *zone, unsigned long pfn, unsigned int order)
{
	unsigned long pair_pfn = pfn & ~(1UL << order);

	if (order >= MAX_PAGE_ORDER - 1)
		return false;
	return find_buddy_page_pfn(zone, pair_pfn, order + 1);
}

/* Blocks of different pageblock types merge only if both types are mergeable. */
static bool can_merge_types(int mt, int buddy_mt)
{
	return mt == buddy_mt || (migratetype_is_mergeable(mt) && migratetype_is_mergeable(buddy_mt));
}

__thread struct capture_control *current_capture_control;

/*
 * compaction_capture() - at each merge step of a free, hand a block of
 * exactly the order this thread's direct compaction wants straight to it
 * (kernel: task_capc() and compaction_capture() in page_alloc.c).
 * Context: zone->lock held (the free path). Return: true if captured.
 */
static bool compaction_capture(struct zone *zone, struct page *page, unsigned int order,
			       int migratetype)
{
	struct capture_control *capc = current_capture_control;

	if (!capc || capc->page || capc->zone != zone || order != capc->order)
		return false;
	/* Do not let a small non-movable allocation pollute a movable block. */
	if (order < pageblock_order && migratetype == MIGRATE_MOVABLE &&
	    capc->migratetype != MIGRATE_MOVABLE)
		return false;
	capc->page = page;
	return true;
}

/**
 * __free_one_page() - put a free block back into the buddy, merging it with
 * its free buddies.
 * @page: first page of the block: no references, not PageBuddy.
 * @pfn: page_to_pfn(@page), aligned to 2^@order.
 * @zone: the block's zone.
 * @order: the block's order; the block lies in one pageblock or is a whole
 *	number of pageblocks of type @migratetype.
 * @migratetype: the type of the block's pageblock(s).
 * @fpi_flags: FPI_TO_TAIL to put the result at the tail of its list.
 *
 * Merging stops at MAX_PAGE_ORDER, at a buddy that is not free, and at a
 * pageblock boundary between types that may not merge. A direct compactor
 * of this thread waiting for a block of the order reached takes it at once
 * (compaction_capture()). Merging across
 * pageblocks of different mergeable types gives the buddy's pageblocks
 * @migratetype, so the merged block still matches its list.
 * Context: zone->lock held.
 */
void __free_one_page(struct page *page, unsigned long pfn, struct zone *zone,
		     unsigned int order, int migratetype, fpi_t fpi_flags)
{
	struct page *buddy;
	bool to_tail;

	lockdep_assert_held(&zone->lock);
	VM_BUG_ON_PAGE(page_ref_count(page) || PageBuddy(page), page);
	VM_BUG_ON_PAGE(!IS_ALIGNED(pfn, 1UL << order) || bad_range(zone, page), page);

	account_freepages(zone, 1L << order);
	while (order < MAX_PAGE_ORDER) {
		int buddy_mt = migratetype;

		if (compaction_capture(zone, pfn_to_page(pfn), order, migratetype)) {
			account_freepages(zone, -(1L << order));
			return;
		}

		buddy = find_buddy_page_pfn(zone, pfn, order);
		if (!buddy)
			break;
		if (order >= pageblock_order)
			buddy_mt = get_pageblock_migratetype(buddy);
		if (!can_merge_types(migratetype, buddy_mt))
			break;
		__del_page_from_free_list(buddy, zone, order, buddy_mt);
		if (buddy_mt != migratetype)
			change_pageblock_range(buddy, order, migratetype);
		pfn &= ~(1UL << order);
		order++;
	}
	to_tail = (fpi_flags & FPI_TO_TAIL) || buddy_merge_likely(zone, pfn, order);
	__add_to_free_list(pfn_to_page(pfn), zone, order, migratetype, to_tail);
}

/* Free a block larger than a pageblock one pageblock at a time: types may differ. */
static void split_large_buddy(struct zone *zone, unsigned long pfn, unsigned int order,
			      fpi_t fpi_flags)
{
	unsigned int chunk = min(order, pageblock_order);
	unsigned long end = pfn + (1UL << order);

	for (; pfn < end; pfn += 1UL << chunk) {
		struct page *page = pfn_to_page(pfn);

		__free_one_page(page, pfn, zone, chunk, get_pageblock_migratetype(page), fpi_flags);
	}
}

/**
 * free_one_page() - free a block straight into the buddy.
 * @zone: the block's zone.
 * @page: first page, prepared for freeing (no references).
 * @pfn: page_to_pfn(@page).
 * @order: the block's order.
 * @fpi_flags: FPI_* placement flags.
 *
 * The pageblock type, which picks the free list, is read under zone->lock
 * so that a concurrent claim of the block cannot slip in between.
 * Context: takes zone->lock; the caller may hold the pcp lock, not zone->lock.
 */
void free_one_page(struct zone *zone, struct page *page, unsigned long pfn,
		   unsigned int order, fpi_t fpi_flags)
{
	VM_BUG_ON_PAGE(page_to_pfn(page) != pfn, page);
	spin_lock(&zone->lock);
	split_large_buddy(zone, pfn, order, fpi_flags);
	VM_EXPENSIVE(zone_free_area_valid, zone);
	spin_unlock(&zone->lock);
}

/**
 * __putback_isolated_page() - return a block taken with
 * __isolate_free_page() to the free lists (free page reporting), merging
 * it with its free buddies; at the tail, as it will not be wanted soon.
 * @page: the block's first page.
 * @order: its order.
 * @mt: the type of its pageblock(s), read under zone->lock.
 * Context: zone->lock held.
 */
void __putback_isolated_page(struct page *page, unsigned int order, int mt)
{
	struct zone *zone = page_zone(page);

	lockdep_assert_held(&zone->lock);
	__free_one_page(page, page_to_pfn(page), zone, order, mt, FPI_TO_TAIL);
}

/* ------------------------------------------------------------------ */
/* Bad page checks                                                     */

/* Flags a page must not carry when it is freed (kernel's list). */
#define PAGE_FLAGS_CHECK_AT_FREE					\
	(BIT(PG_lru) | BIT(PG_locked) | BIT(PG_private) | BIT(PG_private_2) |	\
	 BIT(PG_writeback) | BIT(PG_reserved) | BIT(PG_active) |	\
	 BIT(PG_unevictable) | BIT(PG_mlocked))
/* A page leaving the allocator carries no flag at all, only its zone. */
#define PAGE_FLAGS_CHECK_AT_PREP	PAGE_FLAGS_MASK

static const char *page_bad_reason(const struct page *page, unsigned long flags)
{
	if (page_mapcount(page))
		return "nonzero mapcount";
	if (READ_ONCE(page->mapping))
		return "non-NULL mapping";
	if (page_ref_count(page))
		return "nonzero _refcount";
	if (READ_ONCE(page->flags) & flags)
		return flags == PAGE_FLAGS_CHECK_AT_FREE ? "PAGE_FLAGS_CHECK_AT_FREE flag(s) set"
							 : "PAGE_FLAGS_CHECK_AT_PREP flag(s) set";
	if (page_has_type(page))
		return "page still has a type";
	return NULL;
}

/*
 * The kernel reports a bad page and leaks it; pagelab treats it as the bug
 * it is (a double free, a free of a mapped or locked page).
 */
static void check_page(const struct page *page, unsigned long flags)
{
	const char *reason = page_bad_reason(page, flags);

	if (unlikely(reason)) {
		dump_page(page, reason);
		BUG();
	}
}

/* Every page of the block in debug builds, the first one always. */
static void check_pages(const struct page *page, unsigned int order, unsigned long flags)
{
	unsigned long nr = PAGELAB_DEBUG >= 1 ? 1UL << order : 1;

	for (unsigned long i = 0; i < nr; i++)
		check_page(page + i, flags);
}

/* ------------------------------------------------------------------ */
/* Compound pages                                                      */

/* The first tail's folio fields, as a fresh folio has them. */
static void prep_compound_head(struct page *head, unsigned int order)
{
	struct page *first = head + 1;

	WRITE_ONCE(first->flags, (READ_ONCE(first->flags) & ~FOLIO_ORDER_MASK) | order);
	first->_large_mapcount = -1;
	first->_entire_mapcount = -1;
	first->_nr_pages_mapped = 0;
	first->_pincount = 0;
}

/**
 * prep_compound_page() - make the block of @order at @page one compound
 * page: @page the head (PG_head), every other page a tail pointing at it
 * (compound_head = head + 1, mapping = TAIL_MAPPING), the order and the
 * folio's map counts in the first tail.
 * @page: the first page of a block that nobody else sees yet.
 * @order: its order, at least 1.
 * Context: the block is private to the caller.
 */
void prep_compound_page(struct page *page, unsigned int order)
{
	unsigned long nr = 1UL << order;

	VM_BUG_ON_PAGE(!order, page);
	__set_bit(PG_head, &page->flags);
	for (unsigned long i = 1; i < nr; i++) {
		struct page *tail = page + i;

		WRITE_ONCE(tail->mapping, TAIL_MAPPING);
		WRITE_ONCE(tail->private, 0);	/* compaction: buddy_order_unsafe() */
		WRITE_ONCE(tail->compound_head, (unsigned long)page + 1);
		__set_bit(PG_tail, &tail->flags);
	}
	prep_compound_head(page, order);
}

/* Check a tail page being freed and make it a plain page again. */
static void free_tail_page_prepare(struct page *head, struct page *page)
{
	const char *reason = NULL;

	if (page == head + 1 &&
	    (head[1]._large_mapcount != -1 || head[1]._entire_mapcount != -1 ||
	     head[1]._nr_pages_mapped || head[1]._pincount))
		reason = "folio map counts not back to their initial values";
	else if (!PageTail(page) ||
		 READ_ONCE(page->compound_head) != (unsigned long)head + 1)
		reason = "tail does not point at its head";
	else if (READ_ONCE(page->mapping) != TAIL_MAPPING)
		reason = "corrupted mapping in tail page";
	else if (page_ref_count(page))
		reason = "tail page has references";
	if (unlikely(reason)) {
		dump_page(page, reason);
		BUG();
	}
	if (page == head + 1)
		WRITE_ONCE(page->flags, READ_ONCE(page->flags) & ~FOLIO_ORDER_MASK);
	__clear_bit(PG_tail, &page->flags);
	WRITE_ONCE(page->mapping, 0);
	page->index = 0;
	INIT_LIST_HEAD(&page->lru);
}

/* Undo prep_compound_page() on a compound page being freed. */
static void free_compound_prepare(struct page *page, unsigned int order)
{
	VM_BUG_ON_PAGE(folio_order(page) != order, page);
	for (unsigned long i = 1; i < 1UL << order; i++)
		free_tail_page_prepare(page, page + i);
	__clear_bit(PG_head, &page->flags);
}

/*
 * Check a block that is being freed and wipe its flags (PG_movable_ops among
 * them), its movable_ops page type and the anon mapping its last user left,
 * as the kernel does. With
 * no references left nobody else changes these flags, so a plain
 * read-modify-write (relaxed accesses, as in the __ flag helpers) will do.
 */
static void free_pages_prepare(struct page *page, unsigned int order)
{
	if (PageHead(page))
		free_compound_prepare(page, order);
	if (READ_ONCE(page->mapping) & FOLIO_MAPPING_FLAGS)
		WRITE_ONCE(page->mapping, 0);
	/* movable_ops page types stick until the page is freed, as in Linux. */
	if (PageOffline(page) || PageZsmalloc(page))
		WRITE_ONCE(page->page_type, PAGE_TYPE_NONE);
	check_pages(page, order, PAGE_FLAGS_CHECK_AT_FREE);
	for (unsigned long i = 0; i < 1UL << order; i++)
		WRITE_ONCE(page[i].flags, READ_ONCE(page[i].flags) & ~PAGE_FLAGS_MASK);
	WRITE_ONCE(page->private, 0);
	reset_page_owner(page, order);
}

/**
 * post_alloc_hook() - make a block taken from the buddy, a pcp list or a
 * compactor's isolated free pages into an allocated block: checked, one
 * reference, zeroed if asked, recorded in page_owner.
 * Context: the block is private to the caller.
 */
void post_alloc_hook(struct page *page, unsigned int order, gfp_t gfp)
{
	check_pages(page, order, PAGE_FLAGS_CHECK_AT_PREP);
	set_page_refcounted(page);
	if (gfp & __GFP_ZERO)
		memset(page_address(page), 0, PAGE_SIZE << order);
	if (order && (gfp & __GFP_COMP))
		prep_compound_page(page, order);
	set_page_owner(page, order, gfp);
}

/* ------------------------------------------------------------------ */
/* Boot                                                                */

/*
 * Hand a boot-time block to the buddy. init_page_struct() left its pages
 * with no references, flags or owner, so there is nothing to check; a
 * block above a pageblock covers pageblocks of one type (boot's).
 */
static void __free_pages_core(struct zone *zone, unsigned long pfn, unsigned int order)
{
	struct page *page = pfn_to_page(pfn);

	__free_one_page(page, pfn, zone, order, get_pageblock_migratetype(page), FPI_TO_TAIL);
	count_vm_events(PGFREE, 1L << order);
}

/**
 * __free_pages_range() - release the initialised frames [@pfn, @end) of
 * @zone to the buddy, in ascending order, as the largest aligned blocks
 * that fit (MAX_PAGE_ORDER except at a ragged end). As in the kernel this
 * counts PGFREE for them.
 * Context: zone->lock held; the frames are in no one's hands.
 */
void __free_pages_range(struct zone *zone, unsigned long pfn, unsigned long end)
{
	lockdep_assert_held(&zone->lock);
	while (pfn < end) {
		unsigned int order = MAX_PAGE_ORDER;

		while (!IS_ALIGNED(pfn, 1UL << order) || pfn + (1UL << order) > end)
			order--;
		__free_pages_core(zone, pfn, order);
		pfn += 1UL << order;
	}
	VM_EXPENSIVE(zone_free_area_valid, zone);
}

/**
 * memblock_free_all() - release every frame boot initialised to the buddy:
 * every frame of every zone, or, with deferred struct page init, those
 * below pgdat_init_end_pfn() (mm_init.c frees the rest later).
 *
 * Afterwards NR_FREE_PAGES equals the zone's managed pages.
 * Context: machine boot, single-threaded; takes zone->lock.
 */
void memblock_free_all(void)
{
	struct zone *zone;

	for_each_populated_zone(zone) {
		spin_lock(&zone->lock);
		__free_pages_range(zone, zone->zone_start_pfn, zone_init_end_pfn(zone));
		spin_unlock(&zone->lock);
	}
}

/* ------------------------------------------------------------------ */
/* Taking blocks out of the buddy                                      */

/**
 * expand() - split a free block of order @high down to order @low, keeping
 * the first 2^@low pages and putting the upper halves back on the free
 * lists of @migratetype.
 * @zone: the zone.
 * @page: first page of the block, already off its free list.
 * @low: the order wanted.
 * @high: the block's order.
 * @migratetype: the block's pageblock type.
 *
 * Context: zone->lock held.
 * Return: the number of pages put back; the caller accounts them.
 */
unsigned int expand(struct zone *zone, struct page *page, unsigned int low,
		    unsigned int high, int migratetype)
{
	unsigned int nr_added = 0;

	while (high > low) {
		unsigned long size = 1UL << --high;

		VM_BUG_ON_PAGE(bad_range(zone, &page[size]), &page[size]);
		__add_to_free_list(&page[size], zone, high, migratetype, false);
		nr_added += size;
	}
	return nr_added;
}

static void page_del_and_expand(struct zone *zone, struct page *page, unsigned int low,
				unsigned int high, int migratetype)
{
	long nr_pages = 1L << high;

	__del_page_from_free_list(page, zone, high, migratetype);
	nr_pages -= expand(zone, page, low, high, migratetype);
	account_freepages(zone, -nr_pages);
}

/**
 * __rmqueue_smallest() - take a block of @order from @migratetype's lists,
 * splitting the smallest block that fits.
 * @zone: the zone.
 * @order: the order wanted.
 * @migratetype: the free lists to search.
 *
 * Context: zone->lock held.
 * Return: the block's first page, off the free lists, or NULL.
 */
struct page *__rmqueue_smallest(struct zone *zone, unsigned int order, int migratetype)
{
	for (unsigned int current_order = order; current_order < NR_PAGE_ORDERS; current_order++) {
		struct page *page = get_page_from_free_area(&zone->free_area[current_order],
							    migratetype);

		if (page) {
			page_del_and_expand(zone, page, order, current_order, migratetype);
			return page;
		}
	}
	return NULL;
}

/* Where each type looks, in order, when its own lists are empty. */
static const int fallbacks[MIGRATE_PCPTYPES][MIGRATE_PCPTYPES - 1] = {
	[MIGRATE_UNMOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE },
	[MIGRATE_MOVABLE] = { MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE },
	[MIGRATE_RECLAIMABLE] = { MIGRATE_UNMOVABLE, MIGRATE_MOVABLE },
};

/**
 * should_try_claim_block() - may a fallback of @order for @start_mt take
 * over the whole pageblock it comes from?
 * @order: the order of the free block found on a fallback list.
 * @start_mt: the migratetype asked for.
 *
 * Whole or large blocks are always worth claiming, and unmovable and
 * reclaimable requests always try, since scattering them pollutes more
 * blocks; a small movable request only steals. (pagelab always groups by
 * mobility: the kernel's page_group_by_mobility_disabled is never set.)
 * Context: any.
 * Return: true if the caller should try to claim the block.
 */
bool should_try_claim_block(unsigned int order, int start_mt)
{
	if (order >= pageblock_order / 2)
		return true;
	return start_mt == MIGRATE_RECLAIMABLE || start_mt == MIGRATE_UNMOVABLE;
}

/**
 * find_suitable_fallback() - the first fallback type of @migratetype with a
 * free block in @area.
 * @area: &zone->free_area[@order].
 * @order: the order of @area.
 * @migratetype: the type asked for (one of the MIGRATE_PCPTYPES).
 * @claimable: the caller wants to claim the whole pageblock.
 *
 * Context: zone->lock held (pagelab's free-list heads are plain memory, so
 * unlike the kernel even compaction's check must take it).
 * Return: the fallback migratetype; -1 if no fallback list of this order has
 * a block; -2 if @claimable and blocks this small are never claimed for
 * @migratetype, so lower orders need not be searched either.
 */
int find_suitable_fallback(struct free_area *area, unsigned int order,
			   int migratetype, bool claimable)
{
	lockdep_assert_held(&container_of(area - order, struct zone, free_area[0])->lock);
	VM_BUG_ON(migratetype < 0 || migratetype >= MIGRATE_PCPTYPES);

	if (!area->nr_free)
		return -1;
	if (claimable && !should_try_claim_block(order, migratetype))
		return -2;
	for (int i = 0; i < MIGRATE_PCPTYPES - 1; i++) {
		int fallback_mt = fallbacks[migratetype][i];

		if (!free_area_empty(area, fallback_mt))
			return fallback_mt;
	}
	return -1;
}

/* Free pages and pages that could be migrated away, in @pfn's pageblock. */
static void count_block_pages(unsigned long pfn, unsigned long *free_pages,
			      unsigned long *movable_pages)
{
	unsigned long end = pageblock_end_pfn(pfn);

	*free_pages = *movable_pages = 0;
	for (pfn = pageblock_start_pfn(pfn); pfn < end;) {
		struct page *page = pfn_to_page(pfn);

		if (PageBuddy(page)) {
			*free_pages += 1UL << buddy_order(page);
			pfn += 1UL << buddy_order(page);
			continue;
		}
		if (PageLRU(page) || page_has_movable_ops(page))
			(*movable_pages)++;
		pfn++;
	}
}

/* Move every free block of a pageblock from @old_mt's lists to @new_mt's. */
static void __move_freepages_block(struct zone *zone, unsigned long start_pfn,
				   int old_mt, int new_mt)
{
	unsigned long end = start_pfn + pageblock_nr_pages;

	for (unsigned long pfn = start_pfn; pfn < end;) {
		struct page *page = pfn_to_page(pfn);

		if (!PageBuddy(page)) {
			pfn++;
			continue;
		}
		move_to_free_list(page, zone, buddy_order(page), old_mt, new_mt);
		pfn += 1UL << buddy_order(page);
	}
}

/**
 * __isolate_free_page() - take the free block at @page off the buddy for a
 * compactor, unless that would leave the zone below its min watermark.
 * Blocks of at least half a pageblock turn their pageblocks movable, since
 * movable pages will fill them.
 * Context: zone->lock held.
 * Return: the number of pages isolated (2^@order), or 0.
 */
unsigned int __isolate_free_page(struct page *page, unsigned int order)
{
	struct zone *zone = page_zone(page);
	unsigned long watermark = min_wmark_pages(zone) + (1UL << order);
	int mt = get_pageblock_migratetype(page);

	lockdep_assert_held(&zone->lock);
	if (!__zone_watermark_ok(zone, 0, watermark, 0, 0, zone_page_state(zone, NR_FREE_PAGES)))
		return 0;
	__del_page_from_free_list(page, zone, order, mt);
	account_freepages(zone, -(1L << order));
	if (order + 1 >= pageblock_order && mt != MIGRATE_MOVABLE && migratetype_is_mergeable(mt)) {
		if (order < pageblock_order)
			__move_freepages_block(zone, pageblock_start_pfn(page_to_pfn(page)), mt,
					       MIGRATE_MOVABLE);
		change_pageblock_range(page, order, MIGRATE_MOVABLE);
	}
	return 1U << order;
}

/*
 * @page is a free block of @current_order on @block_type's list. Take the
 * whole range if it is at least a pageblock; otherwise take over its
 * pageblock only if at least half of it is free or already holds pages of
 * a compatible mobility. Deviation: the kernel also boosts the watermarks
 * here to wake kswapd; pagelab has none.
 */
static struct page *try_to_claim_block(struct zone *zone, struct page *page,
				       unsigned int current_order, unsigned int order,
				       int start_type, int block_type)
{
	unsigned long free_pages, movable_pages, alike_pages, start_pfn;

	if (current_order >= pageblock_order) {
		long nr_added;

		__del_page_from_free_list(page, zone, current_order, block_type);
		change_pageblock_range(page, current_order, start_type);
		nr_added = expand(zone, page, order, current_order, start_type);
		account_freepages(zone, nr_added - (1L << current_order));
		return page;
	}

	start_pfn = pageblock_start_pfn(page_to_pfn(page));
	VM_BUG_ON_PAGE(!zone_spans_pfn(zone, start_pfn + pageblock_nr_pages - 1), page);
	count_block_pages(start_pfn, &free_pages, &movable_pages);
	if (start_type == MIGRATE_MOVABLE)
		alike_pages = movable_pages;
	else if (block_type == MIGRATE_MOVABLE)
		alike_pages = pageblock_nr_pages - free_pages - movable_pages;
	else
		alike_pages = 0;
	if (free_pages + alike_pages < pageblock_nr_pages / 2)
		return NULL;
	__move_freepages_block(zone, start_pfn, block_type, start_type);
	set_pageblock_migratetype(pfn_to_page(start_pfn), start_type);
	return __rmqueue_smallest(zone, order, start_type);
}

/*
 * The mm_page_alloc_extfrag tracepoint: @page, of @alloc_order for
 * @alloc_mt, came from a free block of @fallback_order on @fallback_mt's
 * list. Counted in the zone, and written to the trace in the kernel's
 * format (include/trace/events/kmem.h).
 */
static void trace_mm_page_alloc_extfrag(struct zone *zone, struct page *page,
					unsigned int alloc_order, unsigned int fallback_order,
					int alloc_mt, int fallback_mt)
{
	bool fragmenting = fallback_order < pageblock_order;

	__atomic_fetch_add(&zone->nr_alloc_extfrag, 1, __ATOMIC_RELAXED);
	if (fragmenting)
		__atomic_fetch_add(&zone->nr_alloc_extfrag_fragmenting, 1, __ATOMIC_RELAXED);
	trace_event("mm_page_alloc_extfrag", "page=%p pfn=0x%lx alloc_order=%u fallback_order=%u "
		    "pageblock_order=%u alloc_migratetype=%d fallback_migratetype=%d "
		    "fragmenting=%d change_ownership=%d", (void *)page, page_to_pfn(page),
		    alloc_order, fallback_order, pageblock_order, alloc_mt, fallback_mt,
		    fragmenting, alloc_mt == get_pageblock_migratetype(page));
}

/* Claim a pageblock of a fallback type, largest free blocks first. */
static struct page *__rmqueue_claim(struct zone *zone, unsigned int order, int start_mt,
				    unsigned int alloc_flags)
{
	int min_order = order;

	if (order < pageblock_order && (alloc_flags & ALLOC_NOFRAGMENT))
		min_order = pageblock_order;
	for (int current_order = MAX_PAGE_ORDER; current_order >= min_order; current_order--) {
		struct free_area *area = &zone->free_area[current_order];
		int fallback_mt = find_suitable_fallback(area, current_order, start_mt, true);
		struct page *page;

		if (fallback_mt == -1)
			continue;
		if (fallback_mt == -2)
			break;
		page = get_page_from_free_area(area, fallback_mt);
		page = try_to_claim_block(zone, page, current_order, order, start_mt, fallback_mt);
		if (page) {
			trace_mm_page_alloc_extfrag(zone, page, order, current_order, start_mt,
						    fallback_mt);
			return page;
		}
	}
	return NULL;
}

/* Take the smallest fitting block of a fallback type, leaving its pageblock's type. */
static struct page *__rmqueue_steal(struct zone *zone, unsigned int order, int start_mt)
{
	for (unsigned int current_order = order; current_order < NR_PAGE_ORDERS; current_order++) {
		struct free_area *area = &zone->free_area[current_order];
		int fallback_mt = find_suitable_fallback(area, current_order, start_mt, false);
		struct page *page;

		if (fallback_mt < 0)
			continue;
		page = get_page_from_free_area(area, fallback_mt);
		page_del_and_expand(zone, page, order, current_order, fallback_mt);
		trace_mm_page_alloc_extfrag(zone, page, order, current_order, start_mt, fallback_mt);
		return page;
	}
	return NULL;
}

/**
 * __rmqueue() - take a block of @order for @migratetype from the buddy.
 * @zone: the zone.
 * @order: the order wanted.
 * @migratetype: the type asked for (one of the MIGRATE_PCPTYPES).
 * @alloc_flags: ALLOC_NOFRAGMENT limits fallbacks to whole pageblocks.
 * @mode: where to start: RMQUEUE_NORMAL for one block. A bulk caller passes
 *	the same variable for every block, so once its own type ran dry it
 *	goes on from the step that worked (claiming refills the own lists, so
 *	it resets @mode to NORMAL; a steal keeps stealing).
 *
 * Order of attempts: the own lists, then claiming a fallback pageblock
 * (largest blocks first), then, unless ALLOC_NOFRAGMENT, stealing the
 * smallest fitting fallback block. There is no CMA step.
 * Context: zone->lock held.
 * Return: the block's first page, off the free lists, or NULL.
 */
struct page *__rmqueue(struct zone *zone, unsigned int order, int migratetype,
		       unsigned int alloc_flags, enum rmqueue_mode *mode)
{
	struct page *page;

	lockdep_assert_held(&zone->lock);
	if (*mode == RMQUEUE_NORMAL) {
		page = __rmqueue_smallest(zone, order, migratetype);
		if (page)
			return page;
	}
	if (*mode <= RMQUEUE_CLAIM) {
		page = __rmqueue_claim(zone, order, migratetype, alloc_flags);
		if (page) {
			*mode = RMQUEUE_NORMAL;
			return page;
		}
	}
	if (alloc_flags & ALLOC_NOFRAGMENT)
		return NULL;
	page = __rmqueue_steal(zone, order, migratetype);
	if (page)
		*mode = RMQUEUE_STEAL;
	return page;
}

/**
 * rmqueue_bulk() - move up to @count blocks of @order from the buddy to
 * @list (a per-cpu list), under one hold of zone->lock.
 * @zone: the zone.
 * @order: the blocks' order.
 * @count: how many blocks to take.
 * @list: where to add them, at the tail.
 * @migratetype: the type asked for.
 * @alloc_flags: as for __rmqueue().
 *
 * The blocks leave NR_FREE_PAGES: pages on per-cpu lists are not counted.
 * Context: takes zone->lock; the caller holds the pcp lock.
 * Return: the number of blocks moved.
 */
int rmqueue_bulk(struct zone *zone, unsigned int order, unsigned long count,
		 struct list_head *list, int migratetype, unsigned int alloc_flags)
{
	enum rmqueue_mode mode = RMQUEUE_NORMAL;
	unsigned long i;

	spin_lock(&zone->lock);
	for (i = 0; i < count; i++) {
		struct page *page = __rmqueue(zone, order, migratetype, alloc_flags, &mode);

		if (!page)
			break;
		list_add_tail(&page->lru, list);
	}
	VM_EXPENSIVE(zone_free_area_valid, zone);
	spin_unlock(&zone->lock);
	return i;
}

/*
 * One block straight from the buddy. The kernel first looks at the
 * highatomic lists for ALLOC_HIGHATOMIC requests; pagelab never fills
 * them, so that step is left out.
 */
static struct page *rmqueue_buddy(struct zone *zone, unsigned int order,
				  unsigned int alloc_flags, int migratetype)
{
	enum rmqueue_mode mode = RMQUEUE_NORMAL;
	struct page *page;

	spin_lock(&zone->lock);
	page = __rmqueue(zone, order, migratetype, alloc_flags, &mode);
	VM_EXPENSIVE(zone_free_area_valid, zone);
	spin_unlock(&zone->lock);
	return page;
}

static struct page *rmqueue(struct zone *zone, unsigned int order,
			    unsigned int alloc_flags, int migratetype)
{
	struct page *page = NULL;

	if (pcp_allowed_order(order))
		page = rmqueue_pcplist(zone, order, migratetype, alloc_flags);
	if (!page)
		page = rmqueue_buddy(zone, order, alloc_flags, migratetype);
	if (page) {
		VM_BUG_ON_PAGE(bad_range(zone, page), page);
		count_vm_events(PGALLOC_NORMAL, 1L << order);
	}
	return page;
}

/* ------------------------------------------------------------------ */
/* Watermarks                                                          */

/**
 * __zone_watermark_ok() - would taking a block of @order leave @z above
 * @mark, with @free_pages free?
 * @z: the zone.
 * @order: the order wanted.
 * @mark: a watermark, in pages.
 * @highest_zoneidx: the highest zone the request may use (pagelab has one
 *	zone, so there is no lowmem reserve to add).
 * @alloc_flags: ALLOC_MIN_RESERVE lowers @mark by half, and ALLOC_NON_BLOCK
 *	then by a further quarter; ALLOC_OOM halves what is left.
 * @free_pages: the zone's free pages (NR_FREE_PAGES, or an estimate).
 *
 * The pages of the block beyond its first do not count as free. For
 * @order > 0 a block of at least @order must also be free. The kernel
 * looks for it on the MIGRATE_PCPTYPES lists (and HIGHATOMIC when
 * allowed) without zone->lock; pagelab reads nr_free instead, which is the
 * same thing because its HIGHATOMIC lists are always empty, and which,
 * unlike a list head, may be read locklessly.
 * Context: any; lockless.
 * Return: true if the allocation may go ahead.
 */
bool __zone_watermark_ok(struct zone *z, unsigned int order, unsigned long mark,
			 int highest_zoneidx, unsigned int alloc_flags, long free_pages)
{
	long min = mark;

	free_pages -= (1L << order) - 1;
	if (alloc_flags & ALLOC_RESERVES) {
		if (alloc_flags & ALLOC_MIN_RESERVE) {
			min -= min / 2;
			if (alloc_flags & ALLOC_NON_BLOCK)
				min -= min / 4;
		}
		if (alloc_flags & ALLOC_OOM)
			min -= min / 2;
	}
	if (free_pages <= min)
		return false;
	if (!order)
		return true;
	for (unsigned int o = order; o < NR_PAGE_ORDERS; o++)
		if (READ_ONCE(z->free_area[o].nr_free))
			return true;
	return false;
}

/**
 * zone_watermark_ok() - __zone_watermark_ok() against the zone's current
 * NR_FREE_PAGES.
 * @z: the zone.
 * @order: the order wanted.
 * @mark: a watermark, in pages.
 * @highest_zoneidx: the highest zone the request may use.
 * @alloc_flags: ALLOC_* reserve flags.
 *
 * Context: any; lockless.
 * Return: true if the allocation may go ahead.
 */
bool zone_watermark_ok(struct zone *z, unsigned int order, unsigned long mark,
		       int highest_zoneidx, unsigned int alloc_flags)
{
	return __zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags,
				   zone_page_state(z, NR_FREE_PAGES));
}

/* ------------------------------------------------------------------ */
/* Allocation                                                          */

/*
 * Try the zone (one node, one zone: the zonelist is the preferred zone
 * alone). A zone whose struct pages are partly deferred grows first
 * (deferred_grow_zone()), as the kernel's does before it gives up on the
 * zone. With ALLOC_NOFRAGMENT a failure is retried without it, as the
 * kernel does once every zone was too fragmented.
 */
static struct page *get_page_from_freelist(gfp_t gfp, unsigned int order,
					   unsigned int alloc_flags,
					   const struct alloc_context *ac)
{
	struct zone *zone = ac->preferred_zone;
	struct page *page;

	for (;;) {
		unsigned long mark = wmark_pages(zone, alloc_flags & ALLOC_WMARK_MASK);

		if ((alloc_flags & ALLOC_NO_WATERMARKS) ||
		    zone_watermark_ok(zone, order, mark, ac->highest_zoneidx, alloc_flags)) {
			page = rmqueue(zone, order, alloc_flags, ac->migratetype);
			if (page) {
				post_alloc_hook(page, order, gfp);
				return page;
			}
		}
		/* Struct pages not initialised yet: grow the zone and retry. */
		if (deferred_grow_zone(zone, order))
			continue;
		if (!(alloc_flags & ALLOC_NOFRAGMENT))
			return NULL;
		alloc_flags &= ~ALLOC_NOFRAGMENT;
	}
}

/*
 * The kernel avoids mixing types within pageblocks (ALLOC_NOFRAGMENT) in
 * ZONE_NORMAL of a single-node machine; pagelab's one zone is that case.
 */
static unsigned int alloc_flags_nofragment(gfp_t gfp)
{
	return (gfp & __GFP_KSWAPD_RECLAIM) | ALLOC_NOFRAGMENT;
}

static unsigned int gfp_to_alloc_flags(gfp_t gfp, unsigned int order)
{
	unsigned int alloc_flags = ALLOC_WMARK_MIN | (gfp & (__GFP_HIGH | __GFP_KSWAPD_RECLAIM));

	if (!(gfp & __GFP_DIRECT_RECLAIM) && !(gfp & __GFP_NOMEMALLOC)) {
		alloc_flags |= ALLOC_NON_BLOCK;
		if (order > 0 && (alloc_flags & ALLOC_MIN_RESERVE))
			alloc_flags |= ALLOC_HIGHATOMIC;
	}
	return alloc_flags;
}

/* __GFP_MEMALLOC callers may empty the zone, unless told __GFP_NOMEMALLOC. */
static unsigned int gfp_pfmemalloc_flags(gfp_t gfp)
{
	if (gfp & __GFP_NOMEMALLOC)
		return 0;
	return gfp & __GFP_MEMALLOC ? ALLOC_NO_WATERMARKS : 0;
}

/*
 * Direct compaction (mm/page_alloc.c): compact, with PF_MEMALLOC set (so
 * nothing below sleeps on a page lock or recurses into direct compaction),
 * then take the block that was captured on its way into the free lists,
 * or retry them. Counted as
 * compact_stall, and compact_success or compact_fail, unless compaction
 * was skipped.
 */
static struct page *__alloc_pages_direct_compact(gfp_t gfp, unsigned int order,
						 unsigned int alloc_flags,
						 const struct alloc_context *ac,
						 enum compact_priority prio,
						 enum compact_result *result)
{
	struct page *page = NULL;
	unsigned int noreclaim;

	if (!order)
		return NULL;
	noreclaim = memalloc_noreclaim_save();
	*result = try_to_compact_pages(gfp, order, alloc_flags, prio, &page);
	memalloc_noreclaim_restore(noreclaim);
	if (*result == COMPACT_SKIPPED)
		return NULL;
	count_vm_event(COMPACTSTALL);
	if (page)
		post_alloc_hook(page, order, gfp);
	else
		page = get_page_from_freelist(gfp, order, alloc_flags, ac);
	if (page) {
		compaction_defer_reset(ac->preferred_zone, order, true);
		WRITE_ONCE(ac->preferred_zone->compact_blockskip_flush, false);
		count_vm_event(COMPACTSUCCESS);
		return page;
	}
	count_vm_event(COMPACTFAIL);
	return NULL;
}

/*
 * Whether to compact again, at what priority (should_compact_retry()
 * without reclaim to fall back on): raise the priority down to SYNC_FULL
 * (SYNC_LIGHT for costly orders); after a success whose block was taken
 * by someone else, retry a bounded number of times.
 */
static bool should_compact_retry(unsigned int order, enum compact_result result,
				 enum compact_priority *prio, int *retries)
{
	enum compact_priority min_prio = order > PAGE_ALLOC_COSTLY_ORDER ?
					 MIN_COMPACT_COSTLY_PRIORITY : MIN_COMPACT_PRIORITY;
	int max_retries = order > PAGE_ALLOC_COSTLY_ORDER ? MAX_COMPACT_RETRIES / 4
							  : MAX_COMPACT_RETRIES;

	if (!order || result == COMPACT_SKIPPED || result == COMPACT_NOT_SUITABLE_ZONE)
		return false;
	if (result == COMPACT_SUCCESS && ++*retries <= max_retries)
		return true;
	if (*prio > min_prio) {
		(*prio)--;
		*retries = 0;
		return true;
	}
	return false;
}

/*
 * OOM notifiers (kernel: register_oom_notifier() in mm/oom_kill.c): the
 * chain out_of_memory() calls before it picks a victim. Each notifier adds
 * the pages it freed to *(unsigned long *)data. The chain is kept by
 * descending priority; oom_notify_lock is a plain rwlock taken with no
 * lock of the tree held by registration, and for read by the slow path
 * (which may hold a page lock or mmap_lock, never a spinlock), so a
 * notifier may take locks ranked below the page lock (balloon_lock).
 */
#define MAX_RECLAIM_RETRIES	16

static struct notifier_block *oom_notify_list;
static pthread_rwlock_t oom_notify_lock = PTHREAD_RWLOCK_INITIALIZER;

/**
 * register_oom_notifier() - call @nb when an allocation finds no memory.
 * Context: takes oom_notify_lock for write. Return: 0.
 */
int register_oom_notifier(struct notifier_block *nb)
{
	struct notifier_block **p;

	pthread_rwlock_wrlock(&oom_notify_lock);
	for (p = &oom_notify_list; *p && (*p)->priority >= nb->priority; p = &(*p)->next)
		;
	nb->next = *p;
	*p = nb;
	pthread_rwlock_unlock(&oom_notify_lock);
	return 0;
}

/**
 * unregister_oom_notifier() - undo register_oom_notifier(); waits for
 * calls in progress.
 * Context: takes oom_notify_lock for write. Return: 0, or -ENOENT.
 */
int unregister_oom_notifier(struct notifier_block *nb)
{
	struct notifier_block **p;
	int err = -ENOENT;

	pthread_rwlock_wrlock(&oom_notify_lock);
	for (p = &oom_notify_list; *p; p = &(*p)->next) {
		if (*p == nb) {
			*p = nb->next;
			err = 0;
			break;
		}
	}
	pthread_rwlock_unlock(&oom_notify_lock);
	return err;
}

/* out_of_memory() up to the killer, which pagelab does not have. */
static unsigned long out_of_memory_notify(void)
{
	unsigned long freed = 0;

	pthread_rwlock_rdlock(&oom_notify_lock);
	for (struct notifier_block *nb = oom_notify_list; nb; nb = nb->next)
		nb->notifier_call(nb, 0, &freed);
	pthread_rwlock_unlock(&oom_notify_lock);
	return freed;
}

/*
 * Slow-path hook: the OOM path. As in the kernel, costly orders and
 * callers that asked not to retry never get here; the others call the
 * OOM notifiers (the balloon deflates VIRTIO_BALLOON_OOM_NR_PAGES from
 * its own) and retry while they free something, up to
 * MAX_RECLAIM_RETRIES times. There is no OOM killer after that. Freed
 * pages land on per-cpu lists, which the watermark check does not count:
 * they are drained before the retry, as the kernel's direct reclaim does
 * before it retries.
 */
static struct page *__alloc_pages_may_oom(gfp_t gfp, unsigned int order,
					  unsigned int alloc_flags,
					  const struct alloc_context *ac)
{
	if (order > PAGE_ALLOC_COSTLY_ORDER ||
	    (gfp & (__GFP_NORETRY | __GFP_RETRY_MAYFAIL | __GFP_THISNODE)))
		return NULL;
	for (int tries = 0; tries < MAX_RECLAIM_RETRIES; tries++) {
		struct page *page;

		if (!out_of_memory_notify())
			return NULL;
		drain_all_pages(ac->preferred_zone);
		page = get_page_from_freelist(gfp, order, alloc_flags, ac);
		if (page)
			return page;
	}
	return NULL;
}

/*
 * The kernel's slow path minus reclaim: wake kcompactd (where Linux wakes
 * kswapd), retry at the min watermark with the reserves the gfp flags
 * grant, then (for callers that may block) direct compaction at rising
 * priorities and the OOM hook, then fail. No stall is counted: without reclaim
 * there is no stall. A failing __GFP_NOFAIL request warns: the kernel would
 * loop, but here nothing could ever free memory for it.
 */
static struct page *__alloc_pages_slowpath(gfp_t gfp, unsigned int order,
					   const struct alloc_context *ac)
{
	unsigned int alloc_flags = gfp_to_alloc_flags(gfp, order);
	unsigned int reserve_flags = gfp_pfmemalloc_flags(gfp);
	struct page *page;

	if (alloc_flags & ALLOC_KSWAPD)
		wakeup_kcompactd(ac->preferred_zone->zone_pgdat, order, ac->highest_zoneidx);
	page = get_page_from_freelist(gfp, order, alloc_flags, ac);
	if (page)
		return page;
	if (reserve_flags) {
		alloc_flags = reserve_flags | (alloc_flags & ALLOC_KSWAPD);
		page = get_page_from_freelist(gfp, order, alloc_flags, ac);
		if (page)
			return page;
	}
	/* A direct compactor allocating does not compact again (no recursion). */
	if (gfpflags_allow_blocking(gfp) && !(current_flags & PF_MEMALLOC)) {
		enum compact_priority prio = INIT_COMPACT_PRIORITY;
		enum compact_result result = COMPACT_SKIPPED;
		int retries = 0;

		do {
			page = __alloc_pages_direct_compact(gfp, order, alloc_flags, ac, prio,
							    &result);
			if (page)
				return page;
		} while (should_compact_retry(order, result, &prio, &retries));
		page = __alloc_pages_may_oom(gfp, order, alloc_flags, ac);
		if (page)
			return page;
	}
	WARN_ON_ONCE(gfp & __GFP_NOFAIL);
	return NULL;
}

/**
 * alloc_pages() - allocate 2^@order contiguous, naturally aligned frames.
 * @gfp: GFP_* flags: the migratetype (__GFP_MOVABLE, __GFP_RECLAIMABLE),
 *	the reserves (__GFP_HIGH, __GFP_MEMALLOC, non-blocking), __GFP_ZERO.
 * @order: 0..MAX_PAGE_ORDER.
 *
 * The fast path must leave the zone above its low watermark; the slow path
 * goes down to the min watermark, or below it as the flags allow.
 * With __GFP_COMP a block of @order > 0 is a compound page
 * (prep_compound_page()): one folio whose references are on its head.
 * Context: any thread; takes the pcp lock and zone->lock, so the caller
 * must hold neither. Never waits for memory to be freed.
 * Return: the first page, with one reference and clean flags, or NULL
 * (also for @order > MAX_PAGE_ORDER, with a warning unless __GFP_NOWARN,
 * for a gfp that asks for two migratetypes at once, and when
 * fail_page_alloc injects a failure).
 */
struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	struct alloc_context ac = {
		.preferred_zone = &NODE_DATA(0)->node_zones[ZONE_NORMAL],
		.migratetype = gfp_migratetype(gfp),
		.highest_zoneidx = ZONE_NORMAL,
	};
	struct page *page;

	if (order > MAX_PAGE_ORDER) {
		WARN_ON_ONCE(!(gfp & __GFP_NOWARN));
		return NULL;
	}
	if (WARN_ON_ONCE(ac.migratetype >= MIGRATE_PCPTYPES))
		return NULL;
	if (should_fail_alloc_page(gfp, order))
		return NULL;
	page = get_page_from_freelist(gfp, order, ALLOC_WMARK_LOW | alloc_flags_nofragment(gfp),
				      &ac);
	if (!page)
		page = __alloc_pages_slowpath(gfp, order, &ac);
	return page;
}

/* ------------------------------------------------------------------ */
/* Freeing                                                             */

static void __free_pages_ok(struct page *page, unsigned int order, fpi_t fpi_flags)
{
	free_pages_prepare(page, order);
	free_one_page(page_zone(page), page, page_to_pfn(page), order, fpi_flags);
	count_vm_events(PGFREE, 1L << order);
}

/**
 * free_unref_page() - free a block whose last reference is gone.
 * @page: first page of a block from alloc_pages(), with _refcount 0.
 * @order: the order it was allocated with.
 *
 * Blocks of a pcp order go to this cpu's per-cpu list of their pageblock's
 * type (straight to the zone if that list's lock is busy); others go to the
 * zone. A page that is mapped, locked, on the LRU, or otherwise still in use
 * is a bug: dump_page() and BUG().
 * Context: any thread; takes the pcp lock and/or zone->lock, so the caller
 * must hold neither.
 */
void free_unref_page(struct page *page, unsigned int order)
{
	struct zone *zone = page_zone(page);
	int migratetype;

	if (!pcp_allowed_order(order)) {
		__free_pages_ok(page, order, FPI_NONE);
		return;
	}
	free_pages_prepare(page, order);
	migratetype = get_pageblock_migratetype(page);
	VM_BUG_ON_PAGE(migratetype >= MIGRATE_PCPTYPES, page);
	if (!free_unref_page_to_pcp(zone, page, order, migratetype))
		free_one_page(zone, page, page_to_pfn(page), order, FPI_NONE);
	count_vm_events(PGFREE, 1L << order);
}

/**
 * __free_pages() - drop a reference to a block; free it on the last one.
 * @page: first page of a block from alloc_pages().
 * @order: the order it was allocated with.
 *
 * Deviation: when another reference is still held, the kernel frees the
 * block's tail pages at once and leaves the first page to the last
 * put_page(). pagelab keeps the whole block until the last put, whether
 * that is a __free_pages() or a put_page() (which reads the order from
 * page_owner, as folio_put() reads the folio's), so a speculative
 * reference never frees a high-order block as order 0.
 * Context: any thread; see free_unref_page().
 */
void __free_pages(struct page *page, unsigned int order)
{
	VM_BUG_ON_PAGE(page_ref_count(page) <= 0, page);
	if (page_ref_dec_and_test(page))
		free_unref_page(page, order);
}
