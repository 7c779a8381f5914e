/* SPDX-License-Identifier: MIT */
/*
 * pageblock.c - the per-pageblock bits of a zone (kernel:
 * mm/page_alloc.c's get/set_pfnblock_flags_mask and
 * include/linux/pageblock-flags.h).
 *
 * Each pageblock of pageblock_nr_pages frames owns NR_PAGEBLOCK_BITS bits
 * in zone->pageblock_flags: a 3-bit migratetype, which decides the free
 * list its free pages sit on, and the compaction skip hint. Readers are
 * lockless (the allocator's free path, compaction's scanners, the reports),
 * so every word is read and updated atomically; a migratetype is changed
 * under zone->lock by whoever moves the block's free pages with it.
 */
#include <stdlib.h>
#include "internal.h"

const char *const migratetype_names[MIGRATE_TYPES] = {
	"Unmovable",
	"Movable",
	"Reclaimable",
	"HighAtomic",
};

#define PAGEBLOCK_BITS_PER_WORD	BITS_PER_LONG
BUILD_BUG_ON(PAGEBLOCK_BITS_PER_WORD % NR_PAGEBLOCK_BITS);

static unsigned long zone_nr_pageblocks(const struct zone *zone)
{
	unsigned long first = pageblock_start_pfn(zone->zone_start_pfn);

	return DIV_ROUND_UP(zone_end_pfn(zone) - first, pageblock_nr_pages);
}

/* Bit index of @pfn's pageblock inside its zone's bitmap. */
static unsigned long pfn_to_bitidx(const struct zone *zone, unsigned long pfn)
{
	pfn -= pageblock_start_pfn(zone->zone_start_pfn);
	return (pfn >> pageblock_order) * NR_PAGEBLOCK_BITS;
}

/*
 * The zone whose bitmap holds @pfn's bits, found by pfn as the kernel finds
 * a section's pageblock bitmap: never from the struct page, which deferred
 * struct page init may not have written yet.
 */
static struct zone *pageblock_zone(unsigned long pfn)
{
	struct zone *zone;

	for_each_populated_zone(zone)
		if (zone_spans_pfn(zone, pfn))
			return zone;
	return &contig_page_data.node_zones[ZONE_NORMAL];
}

static unsigned long *pageblock_word(const struct page *page, unsigned int *shift)
{
	unsigned long pfn = page_to_pfn(page);
	struct zone *zone = pageblock_zone(pfn);
	unsigned long bitidx;

	VM_BUG_ON_PAGE(!zone_spans_pfn(zone, pfn), page);
	bitidx = pfn_to_bitidx(zone, pfn);
	*shift = bitidx % PAGEBLOCK_BITS_PER_WORD;
	return &zone->pageblock_flags[bitidx / PAGEBLOCK_BITS_PER_WORD];
}

static unsigned long get_pfnblock_flags_mask(const struct page *page, unsigned long mask)
{
	unsigned int shift;
	unsigned long *word = pageblock_word(page, &shift);

	return (__atomic_load_n(word, __ATOMIC_RELAXED) >> shift) & mask;
}

/* Replace the bits of @mask in @page's pageblock with @flags, atomically. */
static void set_pfnblock_flags_mask(struct page *page, unsigned long flags,
				    unsigned long mask)
{
	unsigned int shift;
	unsigned long *word = pageblock_word(page, &shift);
	unsigned long old = __atomic_load_n(word, __ATOMIC_RELAXED);

	VM_BUG_ON(flags & ~mask);
	while (!__atomic_compare_exchange_n(word, &old, (old & ~(mask << shift)) | (flags << shift),
					    true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/**
 * pageblock_flags_alloc() - allocate @zone's pageblock bitmap, all zero
 * (every block MIGRATE_UNMOVABLE, no skip hints) until boot sets the types.
 * @zone: a zone whose start and span are set.
 *
 * Context: machine setup, single-threaded.
 * Return: 0, or -ENOMEM.
 */
int pageblock_flags_alloc(struct zone *zone)
{
	unsigned long bits = zone_nr_pageblocks(zone) * NR_PAGEBLOCK_BITS;

	zone->pageblock_flags = kcalloc(DIV_ROUND_UP(bits, PAGEBLOCK_BITS_PER_WORD),
				       sizeof(unsigned long));
	return zone->pageblock_flags ? 0 : -ENOMEM;
}

/**
 * pageblock_flags_free() - free @zone's pageblock bitmap (NULL is fine).
 * @zone: the zone.
 *
 * Context: machine teardown, single-threaded.
 */
void pageblock_flags_free(struct zone *zone)
{
	free(zone->pageblock_flags);
	zone->pageblock_flags = NULL;
}

/**
 * get_pageblock_migratetype() - the migratetype of @page's pageblock.
 * @page: any page of the zone.
 *
 * Context: any; lockless. Stable only under zone->lock, which every change
 * of a block's type holds.
 * Return: an enum migratetype.
 */
int get_pageblock_migratetype(const struct page *page)
{
	return get_pfnblock_flags_mask(page, MIGRATETYPE_MASK);
}

/**
 * set_pageblock_migratetype() - give @page's pageblock a new migratetype.
 * @page: any page of the pageblock.
 * @migratetype: an enum migratetype.
 *
 * The caller keeps the free lists consistent: a block that holds free
 * pages has them moved to the new type's lists under the same zone->lock.
 * Context: zone->lock held, or boot (no free pages yet).
 */
void set_pageblock_migratetype(struct page *page, int migratetype)
{
	VM_BUG_ON(migratetype < 0 || migratetype >= MIGRATE_TYPES);
	set_pfnblock_flags_mask(page, migratetype, MIGRATETYPE_MASK);
}

/**
 * get_pageblock_skip() - is compaction told to skip @page's pageblock?
 * @page: any page of the pageblock.
 *
 * Context: any; lockless (the bit is a hint).
 * Return: true if the skip bit is set.
 */
bool get_pageblock_skip(const struct page *page)
{
	return get_pfnblock_flags_mask(page, BIT(PB_compact_skip));
}

/**
 * set_pageblock_skip() - tell compaction to skip @page's pageblock.
 * @page: any page of the pageblock.
 *
 * Context: any; lockless, atomic.
 */
void set_pageblock_skip(struct page *page)
{
	unsigned int shift;
	unsigned long *word = pageblock_word(page, &shift);

	__atomic_fetch_or(word, BIT(PB_compact_skip) << shift, __ATOMIC_RELAXED);
}

/**
 * clear_pageblock_skip() - let compaction scan @page's pageblock again.
 * @page: any page of the pageblock.
 *
 * Context: any; lockless, atomic.
 */
void clear_pageblock_skip(struct page *page)
{
	unsigned int shift;
	unsigned long *word = pageblock_word(page, &shift);

	__atomic_fetch_and(word, ~(BIT(PB_compact_skip) << shift), __ATOMIC_RELAXED);
}
