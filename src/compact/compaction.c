/* SPDX-License-Identifier: MIT */
/*
 * compaction.c - memory compaction: gather free memory into large blocks
 * by migrating movable pages out of the way (mm/compaction.c).
 *
 * Two scanners walk a zone towards each other, a pageblock at a time: the
 * migrate scanner up from the start, isolating LRU pages and movable_ops
 * pages; the free scanner down from the end, isolating free blocks as
 * migration targets. migrate_pages() moves the former into the latter
 * (compaction_alloc / compaction_free). A run ends when the scanners meet,
 * or, for an allocation, as soon as a block of the wanted order is free.
 * Pageblock skip bits remember blocks that yielded nothing, and are reset
 * when a direct compactor's scanners met or deferred compaction restarts.
 *
 * Simplifications, documented in docs/compaction.md: no fast_find_migrateblock
 * / fast_isolate_freepages (the linear scanners are what they shortcut)
 * and no reclaim to retry after. Large folios below the wanted order are
 * isolated whole, larger ones and hugetlb folios skipped by their order. Entry points: compact_node() (compact_memory, kcompactd,
 * proactive) and try_to_compact_pages() (direct compaction).
 */
#include <string.h>
#include <unistd.h>
#include "compact/compact_internal.h"

int sysctl_compaction_proactiveness = 20;
int sysctl_extfrag_threshold = 500;
int sysctl_compact_unevictable_allowed = 1;

/**
 * compaction_sysctl_reset() - the knobs' defaults, at each machine boot, so
 * one machine's settings do not leak into the next in the same process.
 */
void compaction_sysctl_reset(void)
{
	WRITE_ONCE(sysctl_compaction_proactiveness, 20);
	WRITE_ONCE(sysctl_extfrag_threshold, 500);
	WRITE_ONCE(sysctl_compact_unevictable_allowed, 1);
}

const char *const compact_result_names[] = {
	[COMPACT_NOT_SUITABLE_ZONE] = "not_suitable_zone",
	[COMPACT_SKIPPED] = "skipped",
	[COMPACT_DEFERRED] = "deferred",
	[COMPACT_NO_SUITABLE_PAGE] = "no_suitable_page",
	[COMPACT_CONTINUE] = "continue",
	[COMPACT_COMPLETE] = "complete",
	[COMPACT_PARTIAL_SKIPPED] = "partial_skipped",
	[COMPACT_CONTENDED] = "contended",
	[COMPACT_SUCCESS] = "success",
};

#define ISOLATE_UNEVICTABLE	BIT(0)
#define ISOLATE_ASYNC_MIGRATE	BIT(1)


/* ------------------------------------------------------------------ */
/* Knobs                                                                */

static int set_knob(int *knob, long value, long lo, long hi)
{
	if (value < lo || value > hi)
		return -EINVAL;
	WRITE_ONCE(*knob, (int)value);
	return 0;
}

/** sysctl_compaction_proactiveness_set() - vm.compaction_proactiveness, 0..100;
 * a non-zero value triggers a proactive pass at once. Return: 0 or -EINVAL. */
int sysctl_compaction_proactiveness_set(long value)
{
	int err = set_knob(&sysctl_compaction_proactiveness, value, 0, 100);

	if (!err && value && machine_exists())
		proactive_compact_trigger(NODE_DATA(0));
	return err;
}

/** sysctl_extfrag_threshold_set() - vm.extfrag_threshold, 0..1000. */
int sysctl_extfrag_threshold_set(long value)
{
	return set_knob(&sysctl_extfrag_threshold, value, 0, 1000);
}

/** sysctl_compact_unevictable_allowed_set() - vm.compact_unevictable_allowed, 0/1. */
int sysctl_compact_unevictable_allowed_set(long value)
{
	return set_knob(&sysctl_compact_unevictable_allowed, value, 0, 1);
}

/* ------------------------------------------------------------------ */
/* Fragmentation metrics (mm/vmstat.c)                                  */

struct contig_page_info {
	unsigned long free_pages;
	unsigned long free_blocks_total;
	unsigned long free_blocks_suitable;
};

static void fill_contig_page_info(struct zone *zone, unsigned int suitable_order,
				  struct contig_page_info *info)
{
	*info = (struct contig_page_info){ 0 };
	for (unsigned int order = 0; order < NR_PAGE_ORDERS; order++) {
		unsigned long blocks = READ_ONCE(zone->free_area[order].nr_free);

		info->free_blocks_total += blocks;
		info->free_pages += blocks << order;
		if (order >= suitable_order)
			info->free_blocks_suitable += blocks << (order - suitable_order);
	}
}

/**
 * fragmentation_index() - why an allocation of @order would fail: values
 * towards 0 mean lack of memory, towards 1000 fragmentation; -1000 means
 * it would succeed. Context: lockless read of the free counts.
 */
int fragmentation_index(struct zone *zone, unsigned int order)
{
	struct contig_page_info info;
	unsigned long requested = 1UL << order;

	fill_contig_page_info(zone, order, &info);
	if (!info.free_blocks_total)
		return 0;
	if (info.free_blocks_suitable)
		return -1000;
	return 1000 - (1000 + info.free_pages * 1000 / requested) / info.free_blocks_total;
}

/**
 * unusable_free_index() - thousandths of free memory unusable for an
 * allocation of @order (1000 when nothing is free).
 */
int unusable_free_index(struct zone *zone, unsigned int order)
{
	struct contig_page_info info;

	fill_contig_page_info(zone, order, &info);
	if (!info.free_pages)
		return 1000;
	return (info.free_pages - (info.free_blocks_suitable << order)) * 1000 / info.free_pages;
}

/* Percentage of free memory unusable at @order: proactive compaction's measure. */
static unsigned int extfrag_for_order(struct zone *zone, unsigned int order)
{
	struct contig_page_info info;

	fill_contig_page_info(zone, order, &info);
	if (!info.free_pages)
		return 0;
	return (info.free_pages - (info.free_blocks_suitable << order)) * 100 / info.free_pages;
}

#define COMPACTION_HPAGE_ORDER	pageblock_order

static unsigned int fragmentation_score_zone(struct zone *zone)
{
	return extfrag_for_order(zone, COMPACTION_HPAGE_ORDER);
}

/**
 * fragmentation_score_node() - the node's fragmentation score (0..100), the
 * zones' scores weighted by size, as proactive compaction computes it.
 */
unsigned int fragmentation_score_node(struct pglist_data *pgdat)
{
	unsigned long score = 0;
	struct zone *zone;

	for_each_populated_zone(zone)
		score += zone->present_pages * fragmentation_score_zone(zone);
	return score / (pgdat->node_present_pages + 1);
}

/*
 * Count the pageblock at @pfn: *@movable gets its LRU and movable_ops
 * pages. *@alloc_end is where the last allocation seen ends, which may be
 * in a later pageblock (orders above pageblock_order).
 * Return: true if it holds a page of an allocation that cannot move.
 */
static bool pageblock_census(unsigned long pfn, unsigned long *alloc_end,
			     unsigned long *movable)
{
	bool unmovable = false;

	*movable = 0;
	for (unsigned long p = pfn; p < pfn + pageblock_nr_pages; p++) {
		struct page *page = pfn_to_page(p);
		int order;

		if (p < *alloc_end) {
			unmovable = true;
		} else if (PageLRU(page) || page_has_movable_ops(page)) {
			(*movable)++;
		} else if (!PageBuddy(page) && (order = page_owner_order(page)) >= 0) {
			unmovable = true;
			*alloc_end = p + (1UL << order);
		}
	}
	return unmovable;
}

/**
 * compaction_max_free_blocks() - the theoretical maximum of free pageblocks
 * compaction could make in @zone (the compaction selftest's measure, as
 * tests/unit/test_compaction.c computes it): the pageblocks holding no
 * unmovable page, less the pageblocks the movable pages (LRU and
 * movable_ops) must fill, ceil(movable pages / pageblock_nr_pages). An
 * allocation of an order above pageblock_order makes every pageblock it
 * covers unmovable.
 * @zone: the zone.
 *
 * An unmovable page is one of an allocation (page_owner) that is neither
 * on the LRU nor movable_ops; pages free in the buddy or on per-cpu lists
 * are free. Pages isolated by a migration running meanwhile count as
 * unmovable, so the answer is exact only while nothing moves. Movable
 * pages sharing a pageblock with unmovable ones count as needing room
 * too, although they could stay: with such pageblocks the bound can be
 * beaten.
 * Context: reads page state locklessly; walks every frame of the zone.
 * Return: the number of pageblocks, 0 if the movable pages fill them all.
 */
unsigned long compaction_max_free_blocks(struct zone *zone)
{
	unsigned long pfn = zone->zone_start_pfn, end = zone_init_end_pfn(zone);
	unsigned long candidates = 0, movable = 0, alloc_end = 0, need;

	/* Pageblocks deferred init has not reached hold nothing: all candidates. */
	candidates = (zone_end_pfn(zone) - end) / pageblock_nr_pages;
	for (; pfn + pageblock_nr_pages <= end; pfn += pageblock_nr_pages) {
		unsigned long block_movable;

		candidates += !pageblock_census(pfn, &alloc_end, &block_movable);
		movable += block_movable;
	}
	need = DIV_ROUND_UP(movable, pageblock_nr_pages);
	return candidates > need ? candidates - need : 0;
}

/** fragmentation_score_wmark() - proactive compaction's low or high mark. */
unsigned int fragmentation_score_wmark(bool low)
{
	unsigned int wmark_low = 100U - READ_ONCE(sysctl_compaction_proactiveness);

	return low ? wmark_low : min(wmark_low + min(10U, wmark_low / 2), 100U);
}

/* ------------------------------------------------------------------ */
/* Deferral                                                             */

/**
 * defer_compaction() - compaction of @zone for @order failed: skip the next
 * 1 << compact_defer_shift attempts (at most 64).
 */
void defer_compaction(struct zone *zone, int order)
{
	unsigned int shift = READ_ONCE(zone->compact_defer_shift);

	WRITE_ONCE(zone->compact_considered, 0);
	if (shift < COMPACT_MAX_DEFER_SHIFT)
		WRITE_ONCE(zone->compact_defer_shift, ++shift);
	if (order < READ_ONCE(zone->compact_order_failed))
		WRITE_ONCE(zone->compact_order_failed, order);
	trace_event("mm_compaction_defer_compaction",
		    "node=0 zone=%-8s order=%d order_failed=%d consider=%u limit=%lu",
		    zone->name, order, READ_ONCE(zone->compact_order_failed), 0U, 1UL << shift);
}

/**
 * compaction_deferred() - should this attempt for @order be skipped?
 * Counts the attempt (compact_considered) as it decides.
 */
bool compaction_deferred(struct zone *zone, int order)
{
	unsigned long limit = 1UL << READ_ONCE(zone->compact_defer_shift);
	unsigned int considered;

	if (order < READ_ONCE(zone->compact_order_failed))
		return false;
	considered = READ_ONCE(zone->compact_considered) + 1;
	if (considered >= limit) {
		WRITE_ONCE(zone->compact_considered, limit);
		return false;
	}
	WRITE_ONCE(zone->compact_considered, considered);
	trace_event("mm_compaction_deferred",
		    "node=0 zone=%-8s order=%d order_failed=%d consider=%u limit=%lu",
		    zone->name, order, READ_ONCE(zone->compact_order_failed), considered, limit);
	return true;
}

/**
 * compaction_defer_reset() - compaction for @order worked (@alloc_success:
 * the allocation too): stop deferring, and raise compact_order_failed.
 */
void compaction_defer_reset(struct zone *zone, int order, bool alloc_success)
{
	if (alloc_success) {
		WRITE_ONCE(zone->compact_considered, 0);
		WRITE_ONCE(zone->compact_defer_shift, 0);
	}
	if (order >= READ_ONCE(zone->compact_order_failed))
		WRITE_ONCE(zone->compact_order_failed, order + 1);
}

/* Deferral at its maximum and exhausted: time to forget the skip bits. */
static bool compaction_restarting(struct zone *zone, int order)
{
	unsigned int shift = READ_ONCE(zone->compact_defer_shift);

	if (order < READ_ONCE(zone->compact_order_failed))
		return false;
	return shift == COMPACT_MAX_DEFER_SHIFT &&
	       READ_ONCE(zone->compact_considered) >= 1UL << shift;
}

/* ------------------------------------------------------------------ */
/* Pageblock skip hints                                                 */

static void reset_cached_positions(struct zone *zone)
{
	WRITE_ONCE(zone->compact_cached_migrate_pfn[0], zone->zone_start_pfn);
	WRITE_ONCE(zone->compact_cached_migrate_pfn[1], zone->zone_start_pfn);
	WRITE_ONCE(zone->compact_cached_free_pfn, pageblock_start_pfn(zone_init_end_pfn(zone) - 1));
}

/* A block worth rescanning holds an LRU page (a source) or a free page (a target). */
static bool block_worth_rescan(unsigned long pfn)
{
	for (unsigned long p = pfn; p < pfn + pageblock_nr_pages; p += 1UL << PAGE_ALLOC_COSTLY_ORDER) {
		struct page *page = pfn_to_page(p);

		if (PageLRU(page) || PageBuddy(page) || page_has_movable_ops(page))
			return true;
	}
	return false;
}

/* Clear the skip bits of the blocks that may be useful again. */
static void __reset_isolation_suitable(struct zone *zone)
{
	for (unsigned long pfn = zone->zone_start_pfn; pfn < zone_init_end_pfn(zone);
	     pfn += pageblock_nr_pages)
		if (get_pageblock_skip(pfn_to_page(pfn)) && block_worth_rescan(pfn))
			clear_pageblock_skip(pfn_to_page(pfn));
	WRITE_ONCE(zone->compact_init_migrate_pfn, zone->zone_start_pfn);
	WRITE_ONCE(zone->compact_init_free_pfn, pageblock_start_pfn(zone_init_end_pfn(zone) - 1));
	reset_cached_positions(zone);
	WRITE_ONCE(zone->compact_blockskip_flush, false);
}

/**
 * compaction_zone_init() - a new zone's scanners start at its two ends (of
 * its initialised struct pages: the scanners never go past
 * zone_init_end_pfn(), as deferred init may not have reached the rest).
 * Context: machine boot.
 */
void compaction_zone_init(struct zone *zone)
{
	WRITE_ONCE(zone->compact_init_migrate_pfn, zone->zone_start_pfn);
	WRITE_ONCE(zone->compact_init_free_pfn, pageblock_start_pfn(zone_init_end_pfn(zone) - 1));
	reset_cached_positions(zone);
}

static bool isolation_suitable(struct compact_control *cc, struct page *page)
{
	return cc->ignore_skip_hint || !get_pageblock_skip(page);
}

static void update_cached_migrate(struct compact_control *cc, unsigned long pfn)
{
	struct zone *zone = cc->zone;

	if (cc->no_set_skip_hint)
		return;
	pfn = pageblock_end_pfn(pfn - 1);
	if (pfn > READ_ONCE(zone->compact_cached_migrate_pfn[0]))
		WRITE_ONCE(zone->compact_cached_migrate_pfn[0], pfn);
	if (cc->mode != MIGRATE_ASYNC && pfn > READ_ONCE(zone->compact_cached_migrate_pfn[1]))
		WRITE_ONCE(zone->compact_cached_migrate_pfn[1], pfn);
}

static void update_pageblock_skip(struct compact_control *cc, struct page *page,
				  unsigned long pfn)
{
	struct zone *zone = cc->zone;

	if (cc->no_set_skip_hint)
		return;
	set_pageblock_skip(page);
	if (pfn < READ_ONCE(zone->compact_cached_free_pfn))
		WRITE_ONCE(zone->compact_cached_free_pfn, pfn);
}

/* ------------------------------------------------------------------ */
/* The migrate scanner                                                  */

/* Waits of 100 us for other isolations to end before the scanner gives up. */
#define ISOLATED_WAIT_MAX	2000

static bool too_many_isolated(struct compact_control *cc)
{
	struct pglist_data *pgdat = cc->zone->zone_pgdat;
	long active = node_page_state(pgdat, NR_ACTIVE_ANON) + node_page_state(pgdat, NR_ACTIVE_FILE);
	long inactive = node_page_state(pgdat, NR_INACTIVE_ANON) +
			node_page_state(pgdat, NR_INACTIVE_FILE);
	long isolated = node_page_state(pgdat, NR_ISOLATED_ANON) +
			node_page_state(pgdat, NR_ISOLATED_FILE);

	if (cc->gfp_mask & __GFP_FS) {
		inactive >>= 3;
		active >>= 3;
	}
	return isolated > (inactive + active) / 2;
}

/*
 * A folio of no file (anonymous, or of no mapping at all) with more
 * references than mappings is probably pinned: migration would fail.
 */
static bool page_maybe_pinned(struct page *folio)
{
	return (PageAnon(folio) || !READ_ONCE(folio->mapping)) &&
	       page_ref_count(folio) - 1 > folio_mapcount(folio);
}

/*
 * Is a compound page of @order too big to move for this run
 * (skip_isolation_on_order())? Anything at or above the order wanted,
 * except for compact_memory (order -1), and anything a pageblock or larger.
 */
static bool skip_isolation_on_order(unsigned int order, int target_order)
{
	if (target_order >= 0 && order >= (unsigned int)target_order)
		return true;
	return order >= pageblock_order;
}

/*
 * Try to isolate the LRU folio whose head is @page; the caller holds no
 * reference. The order is checked again once it is held (it may have
 * become another folio meanwhile).
 */
static bool isolate_lru_page_for_compaction(struct compact_control *cc, struct page *page,
					    isolate_mode_t mode)
{
	bool isolated = false;

	if (!get_page_unless_zero(page))
		return false;
	if (PageLRU(page) && !page_maybe_pinned(page) &&
	    (!PageUnevictable(page) || (mode & ISOLATE_UNEVICTABLE)) &&
	    !(PageHead(page) && skip_isolation_on_order(folio_order(page), cc->order)) &&
	    folio_isolate_lru(page)) {
		mod_node_page_state(page_zone(page)->zone_pgdat, NR_ISOLATED_ANON,
				    folio_nr_pages(page));
		isolated = true;
	}
	put_page(page);
	return isolated;
}

/*
 * The pfns a compound page at @page covers from there, or 0 if it is
 * movable by this run: a hugetlb folio (Linux moves those only for
 * alloc_contig_range()), or one too big (skip_isolation_on_order()).
 * Only the head is recognised, from its flags: a tail's compound_head word
 * is a list pointer's, written without atomics. A scan that starts on a
 * tail meets it as a page that is neither LRU nor movable_ops.
 */
static unsigned long compound_skip(struct compact_control *cc, struct page *page)
{
	unsigned int order = folio_order(page);

	if (order > MAX_PAGE_ORDER)
		return 1;		/* nonsense read racing with a free */
	if (folio_test_hugetlb(page) || skip_isolation_on_order(order, cc->order))
		return 1UL << order;
	return 0;
}

/*
 * Isolate movable pages of [low_pfn, end_pfn) onto cc->migratepages, up to
 * COMPACT_CLUSTER_MAX. Returns 0, or -EAGAIN when too many pages are
 * isolated already and the caller should not wait.
 */
static int isolate_migratepages_block(struct compact_control *cc, unsigned long low_pfn,
				      unsigned long end_pfn, isolate_mode_t mode)
{
	unsigned long start_pfn = low_pfn, nr_scanned = 0, nr_isolated = 0, skip, nr;
	struct page *valid_page = NULL;

	for (unsigned int waits = 0; too_many_isolated(cc); waits++) {
		if (cc->nr_migratepages || cc->mode == MIGRATE_ASYNC)
			return -EAGAIN;
		/*
		 * Linux waits until a fatal signal. pagelab has none, and a
		 * thread that holds the isolated pages itself (migrating a THP,
		 * compacting for its target on a machine with a small LRU)
		 * would wait for ever: the wait is bounded (deviation).
		 */
		if (waits == ISOLATED_WAIT_MAX)
			return -EINTR;
		usleep(100);		/* reclaim_throttle(VMSCAN_THROTTLE_ISOLATED) */
	}
	for (; low_pfn < end_pfn; low_pfn++) {
		struct page *page = pfn_to_page(low_pfn);

		if (!valid_page && pageblock_aligned(low_pfn)) {
			if (!isolation_suitable(cc, page)) {
				low_pfn = end_pfn;
				goto out;
			}
			valid_page = page;
		}
		nr_scanned++;
		if (PageBuddy(page)) {
			unsigned int order = buddy_order_unsafe(page);

			if (order > 0 && order <= MAX_PAGE_ORDER) {
				low_pfn += (1UL << order) - 1;
				nr_scanned += (1UL << order) - 1;
			}
			continue;
		}
		/* A compound page it cannot move is skipped whole, counted scanned. */
		if (PageHead(page) && (skip = compound_skip(cc, page))) {
			low_pfn += skip - 1;
			nr_scanned += skip - 1;
			continue;
		}
		if (!PageLRU(page)) {
			if (page_has_movable_ops(page) && !PageMovableOpsIsolated(page) &&
			    isolate_movable_ops_page(page, mode))
				goto isolated;
			continue;
		}
		if (!isolate_lru_page_for_compaction(cc, page, mode))
			continue;
isolated:
		/* A large folio: all its pages isolated, scanned, and passed. */
		nr = folio_nr_pages(page);
		list_add(&page->lru, &cc->migratepages);
		cc->nr_migratepages += nr;
		nr_isolated += nr;
		nr_scanned += nr - 1;
		low_pfn += nr - 1;
		if (cc->nr_migratepages >= COMPACT_CLUSTER_MAX && !cc->finish_pageblock) {
			low_pfn++;
			break;
		}
	}
	/* A whole block that yielded nothing is skipped next time. */
	if (low_pfn == end_pfn && (!nr_isolated || cc->finish_pageblock) && valid_page) {
		update_pageblock_skip(cc, valid_page, pageblock_start_pfn(start_pfn));
		update_cached_migrate(cc, low_pfn);
	}
out:
	trace_event("mm_compaction_isolate_migratepages",
		    "range=(0x%lx ~ 0x%lx) nr_scanned=%lu nr_taken=%lu",
		    start_pfn, low_pfn, nr_scanned, nr_isolated);
	cc->total_migrate_scanned += nr_scanned;
	count_vm_events(COMPACTISOLATED, nr_isolated);
	cc->migrate_pfn = low_pfn;
	return 0;
}

/* May pages of the block at @page be migrated out in this run? */
static bool suitable_migration_source(struct compact_control *cc, struct page *page)
{
	int block_mt;

	if (cc->mode != MIGRATE_ASYNC || !cc->direct_compaction)
		return true;
	block_mt = get_pageblock_migratetype(page);
	return block_mt == cc->migratetype;
}

enum isolate_migrate_t { ISOLATE_ABORT, ISOLATE_NONE, ISOLATE_SUCCESS };

/* Isolate the movable pages of the next suitable pageblock. */
static enum isolate_migrate_t isolate_migratepages(struct compact_control *cc)
{
	isolate_mode_t mode = (READ_ONCE(sysctl_compact_unevictable_allowed) ? ISOLATE_UNEVICTABLE : 0) |
			      (cc->mode != MIGRATE_SYNC ? ISOLATE_ASYNC_MIGRATE : 0);
	unsigned long low_pfn = cc->migrate_pfn;
	unsigned long block_start = max(pageblock_start_pfn(low_pfn), cc->zone->zone_start_pfn);
	unsigned long block_end = pageblock_end_pfn(low_pfn);

	for (; block_end <= cc->free_pfn; low_pfn = block_end, block_start = block_end,
					  block_end += pageblock_nr_pages) {
		struct page *page = pfn_to_page(block_start);

		if ((pageblock_aligned(low_pfn) || low_pfn == cc->zone->zone_start_pfn) &&
		    !isolation_suitable(cc, page))
			continue;
		if (!suitable_migration_source(cc, page)) {
			update_cached_migrate(cc, block_end);
			continue;
		}
		if (isolate_migratepages_block(cc, low_pfn, block_end, mode))
			return ISOLATE_ABORT;
		return cc->nr_migratepages ? ISOLATE_SUCCESS : ISOLATE_NONE;
	}
	cc->migrate_pfn = low_pfn;
	return ISOLATE_NONE;
}

/* ------------------------------------------------------------------ */
/* The free scanner                                                     */

/*
 * Isolate free blocks of [*start_pfn, end_pfn) onto cc->freepages[], one
 * pfn every @stride, until there are as many free pages as pages to move.
 * Leaves *start_pfn where it stopped.
 */
static unsigned long isolate_freepages_block(struct compact_control *cc,
					     unsigned long *start_pfn, unsigned long end_pfn,
					     unsigned int stride)
{
	unsigned long pfn = *start_pfn, nr_scanned = 0, total_isolated = 0;
	struct zone *zone = cc->zone;
	bool locked = false;

	for (; pfn < end_pfn; pfn += stride) {
		struct page *page = pfn_to_page(pfn);
		unsigned int order, isolated;

		nr_scanned++;
		if (PageHead(page)) {
			/* A compound page is passed whole, counted scanned. */
			order = folio_order(page);
			if (order <= MAX_PAGE_ORDER) {
				pfn += (1UL << order) - 1;
				nr_scanned += (1UL << order) - 1;
			}
			continue;
		}
		if (!PageBuddy(page))
			continue;
		if (!locked) {
			if (cc->mode != MIGRATE_ASYNC) {
				spin_lock(&zone->lock);
			} else if (!spin_trylock(&zone->lock)) {
				cc->contended = true;
				break;
			}
			locked = true;
		}
		if (!PageBuddy(page))
			continue;
		order = buddy_order(page);
		isolated = __isolate_free_page(page, order);
		if (!isolated)
			break;
		WRITE_ONCE(page->private, order);
		list_add_tail(&page->lru, &cc->freepages[order]);
		total_isolated += isolated;
		cc->nr_freepages += isolated;
		nr_scanned += isolated - 1;
		pfn += isolated - 1;
		if (cc->nr_migratepages <= cc->nr_freepages) {
			pfn += stride;
			break;
		}
	}
	if (locked) {
		VM_EXPENSIVE(zone_free_area_valid, zone);
		spin_unlock(&zone->lock);
	}
	pfn = min(pfn, end_pfn);
	trace_event("mm_compaction_isolate_freepages",
		    "range=(0x%lx ~ 0x%lx) nr_scanned=%lu nr_taken=%lu",
		    *start_pfn, pfn, nr_scanned, total_isolated);
	*start_pfn = pfn;
	cc->total_free_scanned += nr_scanned;
	count_vm_events(COMPACTISOLATED, total_isolated);
	return total_isolated;
}

/* May the block at @page receive migrated pages? */
static bool suitable_migration_target(struct compact_control *cc, struct page *page)
{
	if (PageBuddy(page)) {
		unsigned int order = cc->order > 0 ? (unsigned int)cc->order : pageblock_order;

		/* A block already free at the wanted size is left alone. */
		if (buddy_order_unsafe(page) >= order)
			return false;
	}
	return cc->ignore_block_suitable || is_migrate_movable(get_pageblock_migratetype(page));
}

static bool compact_scanners_met(struct compact_control *cc)
{
	return (cc->free_pfn >> pageblock_order) <= (cc->migrate_pfn >> pageblock_order);
}

/* Refill cc->freepages from pageblocks below cc->free_pfn. */
static void isolate_freepages(struct compact_control *cc)
{
	struct zone *zone = cc->zone;
	unsigned long block_start = pageblock_start_pfn(cc->free_pfn);
	unsigned long block_end = min(block_start + pageblock_nr_pages, zone_end_pfn(zone));
	unsigned long isolate_start = cc->free_pfn;
	unsigned long low_pfn = pageblock_end_pfn(cc->migrate_pfn);
	unsigned int stride = cc->mode == MIGRATE_ASYNC ? COMPACT_CLUSTER_MAX : 1;

	for (; block_start >= low_pfn && block_start >= zone->zone_start_pfn;
	     block_end = block_start, block_start -= pageblock_nr_pages,
	     isolate_start = block_start) {
		struct page *page = pfn_to_page(block_start);
		unsigned long nr_isolated;

		if (!suitable_migration_target(cc, page) || !isolation_suitable(cc, page))
			continue;
		nr_isolated = isolate_freepages_block(cc, &isolate_start, block_end, stride);
		if (isolate_start == block_end)
			update_pageblock_skip(cc, page, block_start);
		if (cc->nr_freepages >= cc->nr_migratepages) {
			if (isolate_start >= block_end)
				isolate_start = block_start - pageblock_nr_pages;
			break;
		}
		if (isolate_start < block_end)
			break;		/* contended or watermark */
		stride = nr_isolated ? 1 : min(stride * 2, (unsigned int)COMPACT_CLUSTER_MAX);
		if (block_start < pageblock_nr_pages)
			break;		/* would wrap below pfn 0 */
	}
	cc->free_pfn = isolate_start;
}

/* The smallest order >= @order with an isolated free block, or NR_PAGE_ORDERS. */
static unsigned int first_free_order(struct compact_control *cc, unsigned int order)
{
	while (order < NR_PAGE_ORDERS && list_empty(&cc->freepages[order]))
		order++;
	return order;
}

/*
 * new_folio_t for migrate_pages() (compaction_alloc()): a target of the
 * source's order, cut from the smallest isolated free block that holds it
 * (the halves go back on cc's lists by order); the free scanner runs once
 * if none is listed. A large target is made a compound page.
 */
static struct page *compaction_alloc(struct page *src, unsigned long data)
{
	struct compact_control *cc = (struct compact_control *)data;
	unsigned int want = folio_order(src), order = first_free_order(cc, want);
	struct page *page;

	if (order == NR_PAGE_ORDERS) {
		if (!compact_scanners_met(cc))
			isolate_freepages(cc);
		order = first_free_order(cc, want);
		if (order == NR_PAGE_ORDERS)
			return NULL;
	}
	page = list_first_entry(&cc->freepages[order], struct page, lru);
	list_del(&page->lru);
	while (order > want) {
		struct page *half;

		order--;
		half = page + (1UL << order);
		WRITE_ONCE(half->private, order);
		list_add(&half->lru, &cc->freepages[order]);
	}
	WRITE_ONCE(page->private, 0);
	cc->nr_freepages -= 1U << want;
	post_alloc_hook(page, want, __GFP_MOVABLE | (want ? __GFP_COMP : 0));
	return page;
}

/*
 * free_folio_t for migrate_pages(): an unused order-0 target goes back to
 * cc; a large one to the buddy allocator (deviation: Linux keeps it on
 * cc's list of its order).
 */
static void compaction_free(struct page *dst, unsigned long data)
{
	struct compact_control *cc = (struct compact_control *)data;

	if (PageHead(dst)) {
		put_page(dst);
		return;
	}
	if (!page_ref_dec_and_test(dst))
		return;
	reset_page_owner(dst, 0);
	list_add(&dst->lru, &cc->freepages[0]);
	cc->nr_freepages++;
}

/* Give back the free blocks compaction isolated but did not use. */
static void release_free_list(struct compact_control *cc)
{
	for (unsigned int order = 0; order < NR_PAGE_ORDERS; order++) {
		struct page *page, *next;

		list_for_each_entry_safe(page, next, &cc->freepages[order], lru) {
			unsigned long pfn = page_to_pfn(page);

			list_del(&page->lru);
			WRITE_ONCE(page->private, 0);
			free_one_page(cc->zone, page, pfn, order, FPI_NONE);
			if (pfn > READ_ONCE(cc->zone->compact_cached_free_pfn))
				WRITE_ONCE(cc->zone->compact_cached_free_pfn, pageblock_start_pfn(pfn));
		}
	}
	cc->nr_freepages = 0;
}

/* ------------------------------------------------------------------ */
/* Running compaction on a zone                                         */

static bool __compaction_suitable(struct zone *zone, int order, unsigned long free_pages)
{
	unsigned long watermark = order > PAGE_ALLOC_COSTLY_ORDER ? low_wmark_pages(zone)
								  : min_wmark_pages(zone);

	watermark += 2UL << order;	/* compact_gap(): room for the copies */
	return __zone_watermark_ok(zone, 0, watermark, ZONE_NORMAL, 0, free_pages);
}

static bool compaction_suitable(struct zone *zone, int order)
{
	enum compact_result ret = COMPACT_CONTINUE;
	bool suitable = __compaction_suitable(zone, order, zone_page_state(zone, NR_FREE_PAGES));

	if (suitable && order > PAGE_ALLOC_COSTLY_ORDER) {
		int fragindex = fragmentation_index(zone, order);

		/* A failure for lack of memory, not fragmentation: compaction won't help. */
		if (fragindex >= 0 && fragindex <= READ_ONCE(sysctl_extfrag_threshold)) {
			suitable = false;
			ret = COMPACT_NOT_SUITABLE_ZONE;
		}
	}
	if (!suitable && ret == COMPACT_CONTINUE)
		ret = COMPACT_SKIPPED;
	trace_event("mm_compaction_suitable", "node=0 zone=%-8s order=%d ret=%s", zone->name,
		    order, compact_result_names[ret]);
	return suitable;
}

/**
 * compaction_suit_allocation_order() - would compaction help an allocation
 * of @order now? SUCCESS if the allocation would already succeed, SKIPPED
 * if free memory is too low for compaction to do any good, else CONTINUE.
 */
enum compact_result compaction_suit_allocation_order(struct zone *zone, unsigned int order,
						     unsigned int alloc_flags)
{
	unsigned long watermark = wmark_pages(zone, alloc_flags & ALLOC_WMARK_MASK);

	if (zone_watermark_ok(zone, order, watermark, ZONE_NORMAL, alloc_flags))
		return COMPACT_SUCCESS;
	return compaction_suitable(zone, order) ? COMPACT_CONTINUE : COMPACT_SKIPPED;
}

/* Is a block of cc->order now free for cc->migratetype (or its fallbacks)? */
static bool suitable_page_free(struct compact_control *cc)
{
	struct zone *zone = cc->zone;
	bool found = false;

	spin_lock(&zone->lock);
	for (unsigned int order = cc->order; order < NR_PAGE_ORDERS && !found; order++) {
		struct free_area *area = &zone->free_area[order];

		found = !free_area_empty(area, cc->migratetype) ||
			find_suitable_fallback(area, order, cc->migratetype, true) >= 0;
	}
	spin_unlock(&zone->lock);
	return found;
}

static enum compact_result __compact_finished(struct compact_control *cc)
{
	struct zone *zone = cc->zone;

	if (compact_scanners_met(cc)) {
		reset_cached_positions(zone);
		if (cc->direct_compaction)
			WRITE_ONCE(zone->compact_blockskip_flush, true);
		return cc->whole_zone ? COMPACT_COMPLETE : COMPACT_PARTIAL_SKIPPED;
	}
	if (cc->contended)
		return COMPACT_CONTENDED;
	if (cc->proactive_compaction)
		return fragmentation_score_zone(zone) > fragmentation_score_wmark(true)
		       ? COMPACT_CONTINUE : COMPACT_SUCCESS;
	if (cc->order < 0)
		return COMPACT_CONTINUE;
	if (!pageblock_aligned(cc->migrate_pfn))
		return COMPACT_CONTINUE;	/* always finish the pageblock */
	return suitable_page_free(cc) ? COMPACT_SUCCESS : COMPACT_NO_SUITABLE_PAGE;
}

static enum compact_result compact_finished(struct compact_control *cc)
{
	enum compact_result ret = __compact_finished(cc);

	trace_event("mm_compaction_finished", "node=0 zone=%-8s order=%d ret=%s", cc->zone->name,
		    cc->order, compact_result_names[ret]);
	return ret == COMPACT_NO_SUITABLE_PAGE ? COMPACT_CONTINUE : ret;
}

static void compact_trace_bounds(const char *event, struct compact_control *cc,
				 enum compact_result status)
{
	struct zone *zone = cc->zone;

	if (status == COMPACT_CONTINUE)
		trace_event(event, "zone_start=0x%lx migrate_pfn=0x%lx free_pfn=0x%lx "
			    "zone_end=0x%lx, mode=%s", zone->zone_start_pfn, cc->migrate_pfn,
			    cc->free_pfn, zone_end_pfn(zone),
			    cc->mode == MIGRATE_ASYNC ? "async" : "sync");
	else
		trace_event(event, "zone_start=0x%lx migrate_pfn=0x%lx free_pfn=0x%lx "
			    "zone_end=0x%lx, mode=%s status=%s", zone->zone_start_pfn,
			    cc->migrate_pfn, cc->free_pfn, zone_end_pfn(zone),
			    cc->mode == MIGRATE_ASYNC ? "async" : "sync",
			    compact_result_names[status]);
}

/* Place the scanners: from the zone's ends, or where the last run stopped. */
static void compact_zone_start(struct compact_control *cc)
{
	struct zone *zone = cc->zone;
	unsigned long start = zone->zone_start_pfn, end = zone_init_end_pfn(zone);
	bool sync = cc->mode != MIGRATE_ASYNC;

	if (cc->whole_zone) {
		cc->migrate_pfn = start;
		cc->free_pfn = pageblock_start_pfn(end - 1);
		return;
	}
	cc->migrate_pfn = READ_ONCE(zone->compact_cached_migrate_pfn[sync]);
	cc->free_pfn = READ_ONCE(zone->compact_cached_free_pfn);
	if (cc->free_pfn < start || cc->free_pfn >= end) {
		cc->free_pfn = pageblock_start_pfn(end - 1);
		WRITE_ONCE(zone->compact_cached_free_pfn, cc->free_pfn);
	}
	if (cc->migrate_pfn < start || cc->migrate_pfn >= end) {
		cc->migrate_pfn = start;
		WRITE_ONCE(zone->compact_cached_migrate_pfn[0], start);
		WRITE_ONCE(zone->compact_cached_migrate_pfn[1], start);
	}
	if (cc->migrate_pfn <= READ_ONCE(zone->compact_init_migrate_pfn))
		cc->whole_zone = true;
}

/* Migrate what was isolated; returns a result that ends the run, or CONTINUE. */
static enum compact_result compact_migrate_isolated(struct compact_control *cc)
{
	unsigned int nr_succeeded = 0;
	int err = migrate_pages(&cc->migratepages, compaction_alloc, compaction_free,
				(unsigned long)cc, cc->mode, MR_COMPACTION, &nr_succeeded);

	trace_event("mm_compaction_migratepages", "nr_migrated=%u nr_failed=%u", nr_succeeded,
		    err > 0 ? (unsigned int)err : 0);
	cc->nr_migratepages = 0;
	if (!err)
		return COMPACT_CONTINUE;
	putback_movable_pages(&cc->migratepages);
	if (err == -ENOMEM && !compact_scanners_met(cc))
		return COMPACT_CONTENDED;
	/* Async direct compaction skips the rest of a block that failed. */
	if (cc->direct_compaction && cc->mode == MIGRATE_ASYNC && cc->order > 0)
		cc->migrate_pfn = ALIGN(cc->migrate_pfn, 1UL << cc->order);
	return COMPACT_CONTINUE;
}

/**
 * compact_zone() - run the two scanners over cc->zone until compact_finished()
 * says stop.
 * @capc: this thread's capture slot for direct compaction, or NULL.
 *
 * Context: may sleep (migration, too-many-isolated throttling); takes
 * zone->lock, lru_lock, page locks and whatever migration takes.
 * Return: COMPACT_SUCCESS when a suitable block is free (or was captured),
 * COMPLETE / PARTIAL_SKIPPED when the scanners met, CONTENDED, or
 * SKIPPED when compaction could not help.
 */
enum compact_result compact_zone(struct compact_control *cc, struct capture_control *capc)
{
	struct zone *zone = cc->zone;
	unsigned long last_migrated_pfn = 0;
	enum compact_result ret;

	cc->total_migrate_scanned = cc->total_free_scanned = 0;
	cc->nr_migratepages = cc->nr_freepages = 0;
	INIT_LIST_HEAD(&cc->migratepages);
	for (unsigned int order = 0; order < NR_PAGE_ORDERS_CAP; order++)
		INIT_LIST_HEAD(&cc->freepages[order]);
	cc->migratetype = gfp_migratetype(cc->gfp_mask);
	if (cc->order >= 0) {
		ret = compaction_suit_allocation_order(zone, cc->order, cc->alloc_flags);
		if (ret != COMPACT_CONTINUE)
			return ret;
	}
	if (compaction_restarting(zone, cc->order) || (READ_ONCE(zone->compact_blockskip_flush) &&
						       !cc->direct_compaction))
		__reset_isolation_suitable(zone);
	compact_zone_start(cc);
	compact_trace_bounds("mm_compaction_begin", cc, COMPACT_CONTINUE);

	while ((ret = compact_finished(cc)) == COMPACT_CONTINUE) {
		unsigned long start_pfn = cc->migrate_pfn;
		enum isolate_migrate_t isolated = isolate_migratepages(cc);

		if (isolated == ISOLATE_ABORT) {
			ret = COMPACT_CONTENDED;
			putback_movable_pages(&cc->migratepages);
			cc->nr_migratepages = 0;
			break;
		}
		if (isolated == ISOLATE_SUCCESS) {
			last_migrated_pfn = max(zone->zone_start_pfn, start_pfn);
			ret = compact_migrate_isolated(cc);
			if (ret != COMPACT_CONTINUE)
				break;
			if (capc && capc->page) {
				ret = COMPACT_SUCCESS;
				break;
			}
		}
		/* Pages freed onto this cpu's lists can merge once drained. */
		if (cc->order > 0 && last_migrated_pfn &&
		    last_migrated_pfn < ALIGN_DOWN(cc->migrate_pfn, 1UL << cc->order)) {
			drain_local_pages(zone);
			last_migrated_pfn = 0;
		}
	}
	if (cc->nr_freepages)
		release_free_list(cc);
	count_vm_events(COMPACTMIGRATE_SCANNED, cc->total_migrate_scanned);
	count_vm_events(COMPACTFREE_SCANNED, cc->total_free_scanned);
	compact_trace_bounds("mm_compaction_end", cc, ret);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Entry points                                                         */

static enum compact_result compact_zone_order(struct zone *zone, int order, gfp_t gfp,
					      enum compact_priority prio,
					      unsigned int alloc_flags, struct page **capture)
{
	struct compact_control cc = {
		.order = order,
		.gfp_mask = gfp,
		.zone = zone,
		.mode = prio == COMPACT_PRIO_ASYNC ? MIGRATE_ASYNC : MIGRATE_SYNC_LIGHT,
		.alloc_flags = alloc_flags,
		.direct_compaction = true,
		.whole_zone = prio == MIN_COMPACT_PRIORITY,
		.ignore_skip_hint = prio == MIN_COMPACT_PRIORITY,
		.ignore_block_suitable = prio == MIN_COMPACT_PRIORITY,
	};
	struct capture_control capc = {
		.zone = zone, .order = order, .migratetype = cc.migratetype,
	};
	enum compact_result ret;

	WRITE_ONCE(current_capture_control, &capc);
	ret = compact_zone(&cc, &capc);
	WRITE_ONCE(current_capture_control, NULL);
	*capture = capc.page;
	if (capc.page)
		ret = COMPACT_SUCCESS;
	return ret;
}

/**
 * try_to_compact_pages() - direct compaction for an allocation of @order.
 * @capture: receives a block captured for the caller (not yet prepared).
 *
 * Context: the allocator's slow path, for callers that may block.
 * Return: the best result over the zones (enum order), COMPACT_SKIPPED if
 * the gfp flags do not allow compaction, COMPACT_DEFERRED if deferred.
 */
enum compact_result try_to_compact_pages(gfp_t gfp, unsigned int order,
					 unsigned int alloc_flags, enum compact_priority prio,
					 struct page **capture)
{
	enum compact_result rc = COMPACT_SKIPPED;
	struct zone *zone;

	*capture = NULL;
	if (!(gfp & __GFP_IO))
		return COMPACT_SKIPPED;
	trace_event("mm_compaction_try_to_compact_pages", "order=%u gfp_mask=%#x priority=%d",
		    order, gfp, prio);
	for_each_populated_zone(zone) {
		enum compact_result status;

		if (prio > MIN_COMPACT_PRIORITY && compaction_deferred(zone, order)) {
			rc = max(rc, COMPACT_DEFERRED);
			continue;
		}
		status = compact_zone_order(zone, order, gfp, prio, alloc_flags, capture);
		rc = max(rc, status);
		if (status == COMPACT_SUCCESS) {
			compaction_defer_reset(zone, order, false);
			break;
		}
		if (prio != COMPACT_PRIO_ASYNC &&
		    (status == COMPACT_COMPLETE || status == COMPACT_PARTIAL_SKIPPED))
			defer_compaction(zone, order);
	}
	return rc;
}

/**
 * compact_node() - compact every zone of @pgdat completely (order -1):
 * for compact_memory (MIGRATE_SYNC) or proactively (MIGRATE_SYNC_LIGHT,
 * until the fragmentation score is below its low mark). Pages freed on
 * the per-cpu lists are drained at the end so the result shows in
 * /proc/buddyinfo at once.
 * Context: may sleep.
 */
void compact_node(struct pglist_data *pgdat, bool proactive)
{
	struct zone *zone;

	for_each_populated_zone(zone) {
		struct compact_control cc = {
			.order = -1,
			.zone = zone,
			.mode = proactive ? MIGRATE_SYNC_LIGHT : MIGRATE_SYNC,
			.ignore_skip_hint = true,
			.whole_zone = true,
			.gfp_mask = GFP_KERNEL,
			.proactive_compaction = proactive,
		};

		compact_zone(&cc, NULL);
		drain_all_pages(zone);
	}
}

/**
 * sysctl_compact_memory() - writing 1 to /proc/sys/vm/compact_memory.
 * Context: may sleep. Return: 0.
 */
int sysctl_compact_memory(void)
{
	drain_all_pages(NULL);
	compact_node(NODE_DATA(0), false);
	return 0;
}
