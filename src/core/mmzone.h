/* SPDX-License-Identifier: MIT */
/*
 * mmzone.h - the node, its zones, free areas, per-cpu page lists and
 * pageblocks, with the kernel's names.
 *
 * The machine has one node (node 0) with one populated zone, "Normal", that
 * spans the whole arena: a simulated machine has no device addressing
 * limits, so it needs no DMA or DMA32 zone (a documented deviation).
 *
 * Orders and pageblock size are set per machine, so MAX_PAGE_ORDER and
 * pageblock_order are variables (the kernel makes pageblock_order one too
 * with CONFIG_HUGETLB_PAGE_SIZE_VARIABLE). Arrays are sized
 * by the compile-time cap NR_PAGE_ORDERS_CAP.
 */
#ifndef PAGELAB_MMZONE_H
#define PAGELAB_MMZONE_H

#include "core/page.h"
#include "core/lock.h"
#include "core/list.h"

#define MAX_PAGE_ORDER_CAP	12
#define NR_PAGE_ORDERS_CAP	(MAX_PAGE_ORDER_CAP + 1)
#define PAGE_ALLOC_COSTLY_ORDER	3
/* A memory section: 128 MiB, as x86-64's SECTION_SIZE_BITS 27 */
#define PAGES_PER_SECTION	(1UL << (27 - PAGE_SHIFT))
#define NR_CPUS_CAP		64	/* the most cpus a machine may have */

/* The machine's geometry, set once at boot (core/machine.c). */
extern unsigned int max_page_order;	/* MAX_PAGE_ORDER */
extern unsigned int pageblock_order;
extern unsigned int nr_cpu_ids;

#define MAX_PAGE_ORDER		(max_page_order)
#define NR_PAGE_ORDERS		(MAX_PAGE_ORDER + 1)
#define MAX_ORDER_NR_PAGES	(1UL << MAX_PAGE_ORDER)
#define pageblock_nr_pages	(1UL << pageblock_order)
#define pageblock_start_pfn(pfn) ALIGN_DOWN((unsigned long)(pfn), pageblock_nr_pages)
#define pageblock_end_pfn(pfn)	ALIGN((unsigned long)(pfn) + 1, pageblock_nr_pages)
#define pageblock_aligned(pfn)	IS_ALIGNED((unsigned long)(pfn), pageblock_nr_pages)

/*
 * Migratetypes, in /proc/pagetypeinfo order. pagelab is configured as a
 * kernel without CONFIG_CMA and CONFIG_MEMORY_ISOLATION, so there are four.
 */
enum migratetype {
	MIGRATE_UNMOVABLE,
	MIGRATE_MOVABLE,
	MIGRATE_RECLAIMABLE,
	MIGRATE_PCPTYPES,
	MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES,
	MIGRATE_TYPES
};
extern const char *const migratetype_names[MIGRATE_TYPES];

static inline bool is_migrate_movable(int mt)
{
	return mt == MIGRATE_MOVABLE;
}

static inline bool migratetype_is_mergeable(int mt)
{
	return mt < MIGRATE_PCPTYPES;
}

struct free_area {
	struct list_head free_list[MIGRATE_TYPES];
	unsigned long nr_free;		/* blocks of this order, all types */
};

enum zone_watermarks { WMARK_MIN, WMARK_LOW, WMARK_HIGH, WMARK_PROMO, NR_WMARK };

enum zone_stat_item {
	NR_FREE_PAGES,
	NR_ZONE_LRU_BASE,
	NR_ZONE_INACTIVE_ANON = NR_ZONE_LRU_BASE,
	NR_ZONE_ACTIVE_ANON,
	NR_ZONE_INACTIVE_FILE,
	NR_ZONE_ACTIVE_FILE,
	NR_ZONE_UNEVICTABLE,
	NR_ZONE_WRITE_PENDING,
	NR_MLOCK,
	NR_BOUNCE,
	NR_FREE_CMA_PAGES,
	NR_VM_ZONE_STAT_ITEMS
};

/*
 * Per-cpu lists of free pages of small orders (and the THP order), so most
 * allocations and frees avoid zone->lock. Lists are indexed by
 * order_to_pindex(migratetype, order). Protected by ->lock, which is taken
 * with trylock; a caller that fails goes straight to the zone.
 */
#define NR_LOWORDER_PCP_LISTS	(MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1))
#define NR_PCP_THP		2
#define NR_PCP_LISTS		(NR_LOWORDER_PCP_LISTS + NR_PCP_THP)

struct per_cpu_pages {
	spinlock_t lock;
	int count;		/* pages on all lists */
	int high;		/* drain down to this above it */
	int batch;		/* refill and drain in chunks of this */
	struct list_head lists[NR_PCP_LISTS];
} __cacheline_aligned;

/*
 * One cpu's not yet folded changes to a zone's statistics (the kernel's
 * struct per_cpu_zonestat), on cache lines of their own; core/vmstat.h
 * says how they are changed and read.
 */
struct per_cpu_zonestat {
	int vm_stat_diff[NR_VM_ZONE_STAT_ITEMS];	/* atomic */
} __cacheline_aligned;

enum zone_type { ZONE_NORMAL, MAX_NR_ZONES };

struct pglist_data;

struct zone {
	/* Read-mostly */
	unsigned long _watermark[NR_WMARK];
	unsigned long watermark_boost;
	struct pglist_data *zone_pgdat;
	struct per_cpu_pages *per_cpu_pageset;	/* [nr_cpu_ids] */
	unsigned long *pageblock_flags;		/* NR_PAGEBLOCK_BITS per block */
	unsigned long zone_start_pfn;
	unsigned long spanned_pages;
	unsigned long present_pages;
	long managed_pages;			/* atomic: the balloon changes it */
	const char *name;

	/* Written by allocation and free: zone->lock protects free_area[]. */
	spinlock_t lock __cacheline_aligned;
	struct free_area free_area[NR_PAGE_ORDERS_CAP];

	long vm_stat[NR_VM_ZONE_STAT_ITEMS];	/* atomic; plus the cpus' diffs */
	int stat_threshold;			/* fold a cpu's diff past this */
	/*
	 * Hits of the mm_page_alloc_extfrag tracepoint (every fallback to
	 * another migratetype's free list), and those that were fragmenting
	 * (took less than a pageblock). The kernel has only the tracepoint;
	 * pagelab counts it, as `perf stat -e kmem:mm_page_alloc_extfrag`
	 * would. Written under zone->lock, read without it (atomic).
	 */
	long nr_alloc_extfrag, nr_alloc_extfrag_fragmenting;
	struct per_cpu_zonestat per_cpu_zonestats[NR_CPUS_CAP];

	/*
	 * Compaction state (compact/compaction.c). Scanner positions are
	 * hints read and written without a lock, as in the kernel; the
	 * deferral counters are changed by one compactor at a time per zone
	 * in practice and are only heuristics if two race.
	 */
	unsigned long compact_cached_free_pfn;
	unsigned long compact_cached_migrate_pfn[2];	/* [0] async, [1] sync */
	unsigned long compact_init_migrate_pfn;
	unsigned long compact_init_free_pfn;
	unsigned int compact_considered;
	unsigned int compact_defer_shift;
	int compact_order_failed;
	bool compact_blockskip_flush;
} __cacheline_aligned;

/* LRU lists: anon pages only so far (no page cache, no reclaim yet). */
enum lru_list {
	LRU_INACTIVE_ANON,
	LRU_ACTIVE_ANON,
	LRU_INACTIVE_FILE,
	LRU_ACTIVE_FILE,
	LRU_UNEVICTABLE,
	NR_LRU_LISTS
};

/*
 * struct lruvec - a node's LRU lists (the kernel's lruvec without memcg).
 * lru_lock protects the lists and the PG_lru/PG_active state of pages on
 * them; PG_lru is set only on pages that are on a list.
 */
struct lruvec {
	spinlock_t lru_lock;
	struct list_head lists[NR_LRU_LISTS];
};

/* Node statistics, in /proc/vmstat order. */
enum node_stat_item {
	NR_LRU_BASE,
	NR_INACTIVE_ANON = NR_LRU_BASE,
	NR_ACTIVE_ANON,
	NR_INACTIVE_FILE,
	NR_ACTIVE_FILE,
	NR_UNEVICTABLE,
	NR_ISOLATED_ANON,
	NR_ISOLATED_FILE,
	NR_ANON_MAPPED,		/* "nr_anon_pages" */
	NR_FILE_MAPPED,		/* "nr_mapped" */
	NR_FILE_PAGES,
	NR_SHMEM,
	NR_ANON_THPS,		/* "nr_anon_transparent_hugepages": base pages of PMD-mapped anon THPs */
	NR_PAGETABLE,		/* "nr_page_table_pages" */
	NR_HUGETLB,		/* base pages of hugetlb folios in use */
	NR_BALLOON_PAGES,
	NR_VM_NODE_STAT_ITEMS
};

struct kcompactd;

/* One cpu's not yet folded changes to a node's statistics. */
struct per_cpu_nodestat {
	int vm_node_stat_diff[NR_VM_NODE_STAT_ITEMS];	/* atomic */
} __cacheline_aligned;

struct pglist_data {
	struct zone node_zones[MAX_NR_ZONES];
	struct kcompactd *kcompactd;		/* compact/kcompactd.c */
	struct lruvec __lruvec;
	long vm_stat[NR_VM_NODE_STAT_ITEMS];	/* atomic; plus the cpus' diffs */
	struct per_cpu_nodestat per_cpu_nodestats[NR_CPUS_CAP];
	int nr_zones;
	int node_id;
	unsigned long node_start_pfn;
	unsigned long node_present_pages;
	unsigned long node_spanned_pages;
	/*
	 * Deferred struct page init (alloc/mm_init.c). node_size_lock (the
	 * kernel's pgdat_resize_lock) guards first_deferred_pfn: the first
	 * frame whose struct page is neither initialised nor claimed by the
	 * pgdatinit threads, or ULONG_MAX when nothing is left to claim.
	 * deferred_init_end_pfn (atomic, written with release, read with
	 * acquire by pgdat_init_end_pfn()) ends the part of the node whose
	 * struct pages frame walkers may read.
	 */
	spinlock_t node_size_lock;
	unsigned long first_deferred_pfn;
	unsigned long deferred_init_end_pfn;
	unsigned long nr_deferred_freed;	/* atomic; changes under zone->lock */
};

extern struct pglist_data contig_page_data;
#define NODE_DATA(nid)	(&contig_page_data)

#define for_each_populated_zone(zone)					\
	for (zone = contig_page_data.node_zones;			\
	     zone < contig_page_data.node_zones + MAX_NR_ZONES; zone++)	\
		if (!zone->present_pages) {} else

/*
 * pgdat_init_end_pfn() - the end of the node's initialised struct pages:
 * frames from here to the node's end are not initialised yet (deferred
 * struct page init), and a frame walker must not read their struct pages.
 */
static inline unsigned long pgdat_init_end_pfn(const struct pglist_data *pgdat)
{
	return __atomic_load_n(&pgdat->deferred_init_end_pfn, __ATOMIC_ACQUIRE);
}

static inline unsigned long zone_end_pfn(const struct zone *zone)
{
	return zone->zone_start_pfn + zone->spanned_pages;
}

static inline bool zone_spans_pfn(const struct zone *zone, unsigned long pfn)
{
	return zone->zone_start_pfn <= pfn && pfn < zone_end_pfn(zone);
}

static inline enum zone_type zone_idx(const struct zone *zone)
{
	return (enum zone_type)(zone - zone->zone_pgdat->node_zones);
}

/* The end of @zone's initialised struct pages (pgdat_init_end_pfn()). */
static inline unsigned long zone_init_end_pfn(const struct zone *zone)
{
	unsigned long end = pgdat_init_end_pfn(zone->zone_pgdat);

	return end < zone_end_pfn(zone) ? end : zone_end_pfn(zone);
}

static inline long zone_managed_pages(const struct zone *zone)
{
	return __atomic_load_n(&zone->managed_pages, __ATOMIC_RELAXED);
}

static inline unsigned long wmark_pages(const struct zone *z, enum zone_watermarks w)
{
	return READ_ONCE(z->_watermark[w]) + READ_ONCE(z->watermark_boost);
}
#define min_wmark_pages(z)	wmark_pages(z, WMARK_MIN)
#define low_wmark_pages(z)	wmark_pages(z, WMARK_LOW)
#define high_wmark_pages(z)	wmark_pages(z, WMARK_HIGH)

/* Pageblock bits: a 3-bit migratetype and the compaction skip hint. */
enum pageblock_bits {
	PB_migrate_0,
	PB_migrate_1,
	PB_migrate_2,
	PB_compact_skip,
	NR_PAGEBLOCK_BITS
};
#define MIGRATETYPE_MASK ((1UL << (PB_migrate_2 + 1)) - 1)

#endif /* PAGELAB_MMZONE_H */
