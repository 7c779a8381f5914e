/* SPDX-License-Identifier: MIT */
/*
 * alloc_internal.h - declarations private to the page allocator
 * (page_alloc.c, pcp.c, pageblock.c, watermark.c) and to its tests; the
 * kernel keeps them at the top of mm/page_alloc.c. What the allocator
 * shares with compaction and page reporting is in src/internal.h.
 *
 * Free-list invariant (kernel >= 6.10): every free block sits on the list
 * of exactly its pageblock's migratetype, and every pageblock a free block
 * covers has that type. Its first page is PageBuddy with buddy_order() ==
 * its order and no references; its other pages are not PageBuddy. Pages on
 * per-cpu lists are free but counted neither in NR_FREE_PAGES nor in
 * free_area[].nr_free.
 */
#ifndef PAGELAB_ALLOC_INTERNAL_H
#define PAGELAB_ALLOC_INTERNAL_H

#include "internal.h"

/*
 * struct alloc_context - what stays fixed through one allocation's fast
 * and slow paths (kernel: zonelist, nodemask and preferred zoneref; with
 * one node and one zone pagelab needs only the zone).
 */
struct alloc_context {
	struct zone *preferred_zone;
	int migratetype;
	enum zone_type highest_zoneidx;
};

/* Which source __rmqueue() tries first; rmqueue_bulk() remembers it. */
enum rmqueue_mode {
	RMQUEUE_NORMAL,		/* the requested type's own lists */
	RMQUEUE_CLAIM,		/* take over a block of a fallback type */
	RMQUEUE_STEAL,		/* take one block of a fallback type, leave its type */
};

/* The THP order of this machine: pageblock_order, as on x86-64. */
#define HPAGE_PMD_ORDER	pageblock_order

static inline bool pcp_allowed_order(unsigned int order)
{
	return order <= PAGE_ALLOC_COSTLY_ORDER || order == HPAGE_PMD_ORDER;
}

/* The per-cpu list for @migratetype pages of @order (a pcp-allowed order). */
static inline unsigned int order_to_pindex(int migratetype, unsigned int order)
{
	VM_BUG_ON(migratetype >= MIGRATE_PCPTYPES || !pcp_allowed_order(order));
	if (order > PAGE_ALLOC_COSTLY_ORDER)
		return NR_LOWORDER_PCP_LISTS + (migratetype == MIGRATE_MOVABLE);
	return MIGRATE_PCPTYPES * order + migratetype;
}

static inline unsigned int pindex_to_order(unsigned int pindex)
{
	if (pindex >= NR_LOWORDER_PCP_LISTS)
		return HPAGE_PMD_ORDER;
	return pindex / MIGRATE_PCPTYPES;
}

/* page_alloc.c: the buddy free lists, under zone->lock */
void __free_one_page(struct page *page, unsigned long pfn, struct zone *zone,
		     unsigned int order, int migratetype, fpi_t fpi_flags);
unsigned int expand(struct zone *zone, struct page *page, unsigned int low,
		    unsigned int high, int migratetype);
struct page *__rmqueue_smallest(struct zone *zone, unsigned int order, int migratetype);
struct page *__rmqueue(struct zone *zone, unsigned int order, int migratetype,
		       unsigned int alloc_flags, enum rmqueue_mode *mode);
int rmqueue_bulk(struct zone *zone, unsigned int order, unsigned long count,
		 struct list_head *list, int migratetype, unsigned int alloc_flags);
bool should_try_claim_block(unsigned int order, int start_mt);

/* pcp.c: the per-cpu lists */
struct page *rmqueue_pcplist(struct zone *zone, unsigned int order, int migratetype,
			     unsigned int alloc_flags);
bool free_unref_page_to_pcp(struct zone *zone, struct page *page, unsigned int order,
			    int migratetype);
int zone_batchsize(const struct zone *zone);

#endif /* PAGELAB_ALLOC_INTERNAL_H */
