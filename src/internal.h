/* SPDX-License-Identifier: MIT */
/*
 * internal.h - what the page allocator shares with the subsystems above it
 * (kernel: mm/internal.h and include/linux/gfp.h), grouped by the file
 * that defines it. The part marked "shared with compaction and page
 * reporting" is the allocator's inside, opened to those two only, as the
 * kernel's mm/internal.h opens it. The allocator's private declarations
 * live beside it (alloc/alloc_internal.h); the ground is core/core.h.
 */
#ifndef PAGELAB_INTERNAL_H
#define PAGELAB_INTERNAL_H

#include "core/core.h"

/* alloc/page_alloc.c */
/*
 * struct notifier_block - one entry of a notifier chain (OOM notifiers).
 * @notifier_call: called with the chain's data; returns NOTIFY_*.
 * @priority: higher is called first.
 */
struct notifier_block {
	int (*notifier_call)(struct notifier_block *nb, unsigned long action, void *data);
	struct notifier_block *next;
	int priority;
};
#define NOTIFY_DONE	0x0000
#define NOTIFY_OK	0x0001
int register_oom_notifier(struct notifier_block *nb);
int unregister_oom_notifier(struct notifier_block *nb);
void zone_init_free_lists(struct zone *zone);
void memblock_free_all(void);
void __free_pages_range(struct zone *zone, unsigned long pfn, unsigned long end);
struct page *alloc_pages(gfp_t gfp, unsigned int order);
void __free_pages(struct page *page, unsigned int order);
void free_unref_page(struct page *page, unsigned int order);
int find_suitable_fallback(struct free_area *area, unsigned int order,
			   int migratetype, bool claimable);
bool zone_watermark_ok(struct zone *z, unsigned int order, unsigned long mark,
		       int highest_zoneidx, unsigned int alloc_flags);

/* alloc/fail_page_alloc.c */
void fail_page_alloc_reset(void);
bool should_fail_alloc_page(gfp_t gfp, unsigned int order);
int fail_page_alloc_set(const char *name, long value);
int fail_page_alloc_get(const char *name, long *value);
int fail_page_alloc_attr_range(const char *name, long *min, long *max);

/* alloc/mm_init.c: deferred struct page init */
void memmap_init_range(unsigned long start_pfn, unsigned long end_pfn, enum zone_type zone);
unsigned long deferred_init_setup(struct pglist_data *pgdat, unsigned long end_pfn, bool defer);
void deferred_init_teardown(struct pglist_data *pgdat);
int deferred_init_memmap(struct pglist_data *pgdat);
void deferred_init_memmap_sync(struct pglist_data *pgdat);
void deferred_init_stop(void);
void page_alloc_init_late(void);
bool deferred_init_pending(const struct pglist_data *pgdat);
bool deferred_grow_zone(struct zone *zone, unsigned int order);
unsigned long deferred_init_nr_freed(const struct pglist_data *pgdat);

/* alloc/pcp.c */
int setup_zone_pageset(struct zone *zone);
void zone_pcp_update(struct zone *zone);
void free_zone_pageset(struct zone *zone);
void drain_local_pages(struct zone *zone);
void drain_all_pages(struct zone *zone);

/* alloc/pageblock.c */
int pageblock_flags_alloc(struct zone *zone);
void pageblock_flags_free(struct zone *zone);
int get_pageblock_migratetype(const struct page *page);
void set_pageblock_migratetype(struct page *page, int migratetype);
bool get_pageblock_skip(const struct page *page);
void set_pageblock_skip(struct page *page);
void clear_pageblock_skip(struct page *page);

/* alloc/validate.c: validators (core/debug.h), under zone->lock */
typedef bool (*free_block_fn)(struct page *page, unsigned int order, void *arg);
bool __zone_free_lists_valid(struct zone *zone, free_block_fn fn, void *arg, char *msg,
			     size_t len);
bool zone_free_lists_valid(struct zone *zone, char *msg, size_t len);
bool zone_pageblocks_valid(struct zone *zone, char *msg, size_t len);
bool zone_free_area_valid(struct zone *zone, char *msg, size_t len);

/* alloc/watermark.c */
extern int min_free_kbytes;
extern int watermark_scale_factor;
int sysctl_min_free_kbytes_set(long value);
int sysctl_watermark_scale_factor_set(long value);
void init_per_zone_wmark_min(void);
void calculate_min_free_kbytes(void);
void setup_per_zone_wmarks(void);

/*
 * alloc/page_alloc.c, shared with compaction and page reporting: the free
 * lists' inside, reached under zone->lock.
 */
/*
 * alloc_flags: how hard an allocation may dig into the reserves. The low
 * bits index zone->_watermark[]. Values as in the kernel; ALLOC_CPUSET,
 * ALLOC_CMA and ALLOC_TRYLOCK have no pagelab meaning and are left out.
 */
#define ALLOC_WMARK_MIN		WMARK_MIN
#define ALLOC_WMARK_LOW		WMARK_LOW
#define ALLOC_WMARK_HIGH	WMARK_HIGH
#define ALLOC_NO_WATERMARKS	0x04	/* skip the watermark check */
#define ALLOC_WMARK_MASK	(ALLOC_NO_WATERMARKS - 1)
#define ALLOC_OOM		0x08	/* OOM victim: half the min reserve again */
#define ALLOC_NON_BLOCK		0x10	/* cannot sleep: a further quarter of min */
#define ALLOC_MIN_RESERVE	0x20	/* __GFP_HIGH: half of the min reserve */
#define ALLOC_NOFRAGMENT	0x100	/* only claim whole pageblocks of other types */
#define ALLOC_HIGHATOMIC	0x200	/* may use the MIGRATE_HIGHATOMIC lists */
#define ALLOC_KSWAPD		0x800	/* == __GFP_KSWAPD_RECLAIM */
#define ALLOC_RESERVES	(ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM)

BUILD_BUG_ON(__GFP_HIGH != ALLOC_MIN_RESERVE);
BUILD_BUG_ON(__GFP_KSWAPD_RECLAIM != ALLOC_KSWAPD);

/* FPI flags: how a block is put back on a free list. */
typedef unsigned int fpi_t;
#define FPI_NONE	0x0
#define FPI_TO_TAIL	0x2	/* add at the tail: it will not be reused soon */

/* Needs zone->lock: pagelab's list heads are plain memory. */
static inline bool free_area_empty(const struct free_area *area, int migratetype)
{
	return list_empty(&area->free_list[migratetype]);
}

void free_one_page(struct zone *zone, struct page *page, unsigned long pfn,
		   unsigned int order, fpi_t fpi_flags);
unsigned int __isolate_free_page(struct page *page, unsigned int order);
void __putback_isolated_page(struct page *page, unsigned int order, int mt);
void post_alloc_hook(struct page *page, unsigned int order, gfp_t gfp);
void prep_compound_page(struct page *page, unsigned int order);
bool __zone_watermark_ok(struct zone *z, unsigned int order, unsigned long mark,
			 int highest_zoneidx, unsigned int alloc_flags, long free_pages);

/*
 * struct capture_control - a direct compactor's claim on the next free
 * block of its order in its zone: the free path hands such a block
 * straight to it (compaction_capture()) instead of putting it on a free
 * list where another thread could take it.
 * Deviation: the kernel's points at the whole compact_control; pagelab's
 * copies the three fields the free path reads, so that compact_control
 * stays private to compaction.
 * @zone, @order, @migratetype: what the compactor is after.
 * @page: the captured block (not yet prepared), or NULL.
 */
struct capture_control {
	struct zone *zone;
	unsigned int order;
	int migratetype;
	struct page *page;
};
/* The calling thread's capture slot (kernel: current->capture_control). */
extern __thread struct capture_control *current_capture_control;

#endif /* PAGELAB_INTERNAL_H */
