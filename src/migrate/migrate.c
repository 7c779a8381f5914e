/* SPDX-License-Identifier: MIT */
/*
 * migrate.c - migrate_pages(): move the contents and every mapping of
 * isolated pages to new frames, in batches, with one TLB flush per batch
 * (mm/migrate.c as of Linux 6.3+, "batch TLB flushing").
 *
 * A page's life through migration (docs/migration.md draws it):
 *
 *   isolated ──unmap──> unmapped ──move──> moved (src freed, dst mapped)
 *      ^  │               │  │
 *      │  └─ -EAGAIN ─────┘  └─ failure ──> restored (entries point at src)
 *      │                                        │
 *      └───────────── putback_movable_pages() <─┘
 *
 * Unmap (migrate_folio_unmap): get a target page, lock both pages, and
 * replace every PTE mapping the source by a migration entry, and a huge
 * PMD mapping a THP by one PMD migration entry (try_to_migrate). In ASYNC
 * mode the TLB flush is deferred and done once for the whole batch before
 * any page is copied. Move (migrate_folio_move):
 * check the reference count (any reference beyond the isolation one and the
 * shared-memory cache's means someone else holds the page: -EAGAIN), copy
 * contents and state, put the target on the LRU, point the migration
 * entries at it (remove_migration_ptes), unlock, and drop the source, which
 * frees it. movable_ops pages are never mapped: their owner moves them.
 * A KSM page moves like an anonymous one, but its mappings are found
 * through its stable node (rmap_walk_ksm) and the node follows it to the
 * new frame (folio_migrate_ksm).
 *
 * Results follow the kernel: -EAGAIN is retried for up to 10 passes (ASYNC),
 * or 3 batched ASYNC passes then 7 passes of each page alone in the
 * requested mode (SYNC, SYNC_LIGHT); -ENOMEM (no target page) stops the
 * call, except for a large folio, which is split and its pages migrated
 * after its batch (thp_migration_split); any other error is permanent.
 * Pages not migrated stay on the list for putback_movable_pages(). The
 * return value counts pages not migrated.
 */
#include <string.h>
#include "migrate/migrate.h"
#include "vm/huge_mm.h"
#include "vm/hugetlb.h"
#include "vm/ksm_hooks.h"
#include "vm/mm.h"

const char *const migrate_mode_names[] = { "MIGRATE_ASYNC", "MIGRATE_SYNC_LIGHT",
					   "MIGRATE_SYNC" };
const char *const migrate_reason_names[MR_TYPES] = {
	"compaction", "memory_failure", "memory_hotplug", "syscall_or_cpuset",
	"mempolicy_mbind", "numa_misplaced", "contig_range", "longterm_pin",
	"demotion", "damon",
};

/* Saved in dst->private between unmap and move. */
#define PAGE_WAS_MAPPED	BIT(0)

static void trace_mm_migrate_pages_start(enum migrate_mode mode, int reason)
{
	trace_event("mm_migrate_pages_start", "mode=%s reason=%s", migrate_mode_names[mode],
		    migrate_reason_names[reason]);
}

struct migrate_pages_stats {
	unsigned int nr_succeeded;	/* base pages migrated */
	unsigned int nr_failed_pages;	/* base pages that failed for good */
	unsigned int nr_thp_succeeded;	/* PMD-sized folios (not hugetlb) migrated */
	unsigned int nr_thp_failed;	/* ... that failed */
	unsigned int nr_thp_split;	/* ... split to be migrated */
	unsigned int nr_split;		/* large folios split */
};

static void trace_mm_migrate_pages(const struct migrate_pages_stats *st,
				   enum migrate_mode mode, int reason)
{
	trace_event("mm_migrate_pages",
		    "nr_succeeded=%u nr_failed=%u nr_thp_succeeded=%u nr_thp_failed=%u "
		    "nr_thp_split=%u nr_split=%u mode=%s reason=%s",
		    st->nr_succeeded, st->nr_failed_pages, st->nr_thp_succeeded,
		    st->nr_thp_failed, st->nr_thp_split, st->nr_split,
		    migrate_mode_names[mode], migrate_reason_names[reason]);
}

/* A THP for the counters: a PMD-sized folio that is not hugetlb. */
static bool folio_is_thp(const struct page *folio)
{
	return folio_order(folio) >= HUGETLB_PAGE_ORDER && !folio_test_hugetlb(folio);
}

static void isolated_mod(struct page *folio, long sign)
{
	mod_node_page_state(page_zone(folio)->zone_pgdat, NR_ISOLATED_ANON,
			    sign * (long)folio_nr_pages(folio));
}

/**
 * isolate_folio_to_list() - isolate @page (a hugetlb folio, an LRU folio,
 * or a movable_ops page) onto @list for migration.
 * @page: a folio head.
 * Context: the caller holds a reference (or, for hugetlb, the PTE lock of
 * a PTE mapping it); takes hugetlb_lock, lru_lock or the page lock.
 * Return: true if isolated (with one more reference; an LRU folio's pages
 * are counted in NR_ISOLATED_ANON).
 */
bool isolate_folio_to_list(struct page *page, struct list_head *list)
{
	if (folio_test_hugetlb(page))
		return folio_isolate_hugetlb(page, list);
	if (page_has_movable_ops(page)) {
		if (!isolate_movable_ops_page(page, 0))
			return false;
	} else {
		if (!folio_isolate_lru(page))
			return false;
		isolated_mod(page, 1);
	}
	list_add_tail(&page->lru, list);
	return true;
}

/**
 * putback_movable_pages() - return every page on @l to where it was
 * isolated from (its LRU list, or its movable_ops owner) and drop the
 * isolation references.
 * Context: may sleep (movable_ops putback takes the page lock).
 */
void putback_movable_pages(struct list_head *l)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, l, lru) {
		if (folio_test_hugetlb(page)) {
			folio_putback_hugetlb(page);
			continue;
		}
		list_del(&page->lru);
		if (page_has_movable_ops(page)) {
			putback_movable_ops_page(page);
		} else {
			isolated_mod(page, -1);
			folio_putback_lru(page);
		}
	}
}

#ifndef GFP_TRANSHUGE	/* until gfp.h has the THP masks */
#define GFP_TRANSHUGE_LIGHT	((GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | \
				  __GFP_NOWARN) & ~__GFP_RECLAIM)
#define GFP_TRANSHUGE		(GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM)
#endif

/**
 * alloc_migration_target() - the generic new_folio_t (@private: extra gfp
 * flags): an order-0 movable page; for a large folio one of the same
 * order, with the caller's mask minus __GFP_RECLAIM plus GFP_TRANSHUGE;
 * for a hugetlb folio a pool page (alloc_hugetlb_folio_nodemask()).
 * Context: may compact (direct reclaim allowed).
 * Return: the target with one reference, or NULL.
 */
struct page *alloc_migration_target(struct page *src, unsigned long private)
{
	gfp_t gfp = GFP_HIGHUSER_MOVABLE | __GFP_NOWARN | (gfp_t)private;
	unsigned int order = folio_order(src);

	if (folio_test_hugetlb(src))
		return alloc_hugetlb_folio_nodemask(gfp);
	if (order)
		gfp = (gfp & ~__GFP_RECLAIM) | GFP_TRANSHUGE;
	return alloc_pages(gfp, order);
}

/* The isolation reference of a migrated or freed source folio is dropped. */
static void migrate_folio_done(struct page *src)
{
	if (!page_has_movable_ops(src))
		isolated_mod(src, -1);
	put_page(src);
}

/*
 * Drop migration's reference to an unused target. Its private holds no
 * migration state by now; a movable_ops owner that kept the page (with a
 * reference of its own) may have set it.
 */
static void release_new_folio(free_folio_t put_new, struct page *dst, unsigned long private)
{
	if (put_new)
		put_new(dst, private);
	else
		put_page(dst);
}

/* Undo a failed unmap or move: restore the mappings of @src, unlock it and
 * move it to @ret for putback (NULL: leave it for a retry); release @dst,
 * whose migration state the caller took out of dst->private. */
static void migrate_folio_undo(struct page *src, struct page *dst, bool was_mapped,
			       free_folio_t put_new, unsigned long private,
			       struct list_head *ret)
{
	if (was_mapped)
		remove_migration_ptes(src, src);
	unlock_page(src);
	if (ret)
		list_move_tail(&src->lru, ret);
	unlock_page(dst);
	release_new_folio(put_new, dst, private);
}

/*
 * Lock @src, sleeping only where Linux's migrate_folio_unmap() does: not in
 * ASYNC mode, not in direct compaction (PF_MEMALLOC: the page may be locked
 * by this very thread further up, so it is only ever trylocked), and in
 * SYNC_LIGHT only for a page that is uptodate (no I/O to wait for).
 */
static bool lock_source(struct page *src, enum migrate_mode mode)
{
	if (trylock_page(src))
		return true;
	if (mode == MIGRATE_ASYNC || (current_flags & PF_MEMALLOC) ||
	    (mode == MIGRATE_SYNC_LIGHT && !PageUptodate(src)))
		return false;
	lock_page(src);
	return true;
}

/*
 * Unmap @src: on 0, *dstp is a locked target and every mapping of @src is a
 * migration entry. On -EAGAIN @src stays on its list for another pass.
 */
static int migrate_folio_unmap(new_folio_t get_new, free_folio_t put_new,
			       unsigned long private, struct page *src,
			       struct page **dstp, enum migrate_mode mode)
{
	struct page *dst = get_new(src, private);

	if (!dst)
		return -ENOMEM;
	*dstp = dst;
	if (!lock_source(src, mode)) {
		release_new_folio(put_new, dst, private);
		return -EAGAIN;
	}
	BUG_ON(!trylock_page(dst));	/* nobody else can see it */
	WRITE_ONCE(dst->private, 0);
	if (page_has_movable_ops(src))
		return 0;
	if (folio_mapcount(src)) {
		try_to_migrate(src, mode == MIGRATE_ASYNC ? TTU_BATCH_FLUSH : 0);
		WRITE_ONCE(dst->private, PAGE_WAS_MAPPED);
	}
	if (!folio_mapcount(src))
		return 0;
	WRITE_ONCE(dst->private, 0);
	migrate_folio_undo(src, dst, true, put_new, private, NULL);
	return -EAGAIN;
}

static int expected_refs(const struct page *page)
{
	/* The isolation reference, plus shared memory's cache reference. */
	return 1 + (!PageAnon(page) && READ_ONCE(page->mapping) ? 1 : 0);
}

/*
 * The state the kernel's folio_migrate_flags() (and, for PG_swapbacked,
 * folio_migrate_mapping()) carries to the new page. pagelab has no
 * PG_checked, PG_mappedtodisk, PG_readahead or page_ext young/idle bits.
 * Active and unevictable are taken off @src, which is freed next.
 */
static void folio_migrate_flags(struct page *dst, struct page *src)
{
	if (PageDirty(src))
		SetPageDirty(dst);
	if (TestClearPageReferenced(src))
		SetPageReferenced(dst);
	if (TestClearPageActive(src))
		SetPageActive(dst);
	if (TestClearPageUnevictable(src))
		SetPageUnevictable(dst);
	if (PageWorkingset(src))
		SetPageWorkingset(dst);
	if (PageSwapBacked(src))
		SetPageSwapBacked(dst);
	if (PageUptodate(src))
		SetPageUptodate(dst);
}

/* Hand @src's place in its shared-memory object to @dst. */
static int migrate_shmem_mapping(struct page *dst, struct page *src,
				 struct address_space *mapping)
{
	int rc = -EAGAIN;

	spin_lock(&mapping->i_pages_lock);
	if (page_ref_freeze(src, expected_refs(src))) {
		dst->index = src->index;
		WRITE_ONCE(dst->mapping, (unsigned long)mapping);
		page_ref_add(dst, 1);			/* the cache's reference */
		WRITE_ONCE(mapping->pages[src->index], dst);
		WRITE_ONCE(src->mapping, 0);
		page_ref_unfreeze(src, 1);		/* the isolation reference */
		rc = 0;
	}
	spin_unlock(&mapping->i_pages_lock);
	return rc;
}

/*
 * Move an LRU or hugetlb folio's contents (every page of it), state and
 * identity to @dst, a folio of the same order. Its mapping is
 * stable: the page is locked, and shared memory truncates pages under
 * their lock. A page truncated before we locked it has no mapping left
 * and is moved as a plain page (then freed with its last reference).
 */
static int move_to_new_folio(struct page *dst, struct page *src)
{
	struct address_space *mapping = page_mapping_shared(src);
	int rc;

	if (page_ref_count(src) != expected_refs(src))
		return -EAGAIN;
	memcpy(page_address(dst), page_address(src), folio_nr_pages(src) << PAGE_SHIFT);
	if (PageKsm(src)) {
		/* Its stable node moves to dst; src keeps no node (kernel:
		 * folio_migrate_ksm(), called from folio_migrate_flags()). */
		dst->index = src->index;
		WRITE_ONCE(dst->mapping, READ_ONCE(src->mapping));
		folio_migrate_ksm(dst, src);
	} else if (PageAnon(src)) {
		/*
		 * dst holds its own anon_vma reference (mm_types.h); src keeps
		 * its mapping until it is freed, so a zap of a migration entry
		 * still counts it as anonymous.
		 */
		get_anon_vma(page_anon_vma(src));
		dst->index = src->index;
		WRITE_ONCE(dst->mapping, READ_ONCE(src->mapping));
	} else if (mapping) {
		rc = migrate_shmem_mapping(dst, src, mapping);
		if (rc)
			return rc;
	}
	folio_migrate_flags(dst, src);
	return 0;
}

/* Move an unmapped @src to @dst. On 0 @src is freed; -EAGAIN leaves both
 * as they are for another pass; other errors undo to @ret. */
static int migrate_folio_move(free_folio_t put_new, unsigned long private,
			      struct page *src, struct page *dst,
			      enum migrate_mode mode, struct list_head *ret)
{
	unsigned long state = dst->private;
	bool was_mapped = state & PAGE_WAS_MAPPED;
	bool movable_ops = page_has_movable_ops(src);
	struct list_head *prev = dst->lru.prev;
	int rc;

	/* The owner of a movable_ops page may use dst->private and dst->lru. */
	WRITE_ONCE(dst->private, 0);
	list_del(&dst->lru);
	rc = movable_ops ? migrate_movable_ops_page(dst, src, mode) : move_to_new_folio(dst, src);
	if (rc == -EAGAIN) {
		list_add(&dst->lru, prev);	/* for the next pass, in its place */
		WRITE_ONCE(dst->private, state);
		return rc;
	}
	if (rc) {
		migrate_folio_undo(src, dst, was_mapped, put_new, private, ret);
		return rc;
	}
	if (!movable_ops)
		folio_add_lru(dst);
	if (was_mapped)
		remove_migration_ptes(src, dst);
	unlock_page(dst);
	put_page(dst);		/* the mappings (or the owner) hold it now */
	list_del(&src->lru);
	unlock_page(src);
	migrate_folio_done(src);
	return 0;
}

/* Count @src (about to be migrated, or given up) in @stats. */
static void stats_count(struct migrate_pages_stats *stats, struct page *src, bool ok)
{
	unsigned long nr = folio_nr_pages(src);
	bool thp = folio_is_thp(src);

	if (ok) {
		stats->nr_succeeded += nr;
		stats->nr_thp_succeeded += thp;
	} else {
		stats->nr_failed_pages += nr;
		stats->nr_thp_failed += thp;
	}
}

/* A folio freed under us (only the isolation reference left) is dropped
 * and counted as migrated, as Linux counts it. */
static bool migrate_folio_freed(struct page *src, struct migrate_pages_stats *stats)
{
	if (page_ref_count(src) != 1 || page_has_movable_ops(src))
		return false;
	list_del(&src->lru);
	ClearPageActive(src);
	ClearPageUnevictable(src);
	stats_count(stats, src, true);
	migrate_folio_done(src);
	return true;
}

/*
 * Split the isolated large folio @folio, its pages (the head last) going
 * onto @split_folios, still isolated (the kernel's try_split_folio()): the
 * lock is taken as lock_source() takes a source's. Returns 0, or the
 * error that left the folio whole and where it was.
 */
static int try_split_folio(struct page *folio, struct list_head *split_folios,
			   enum migrate_mode mode)
{
	int rc;

	if (!lock_source(folio, mode))
		return -EAGAIN;
	rc = split_huge_page_to_list(folio, split_folios);
	unlock_page(folio);
	if (!rc)
		list_move_tail(&folio->lru, split_folios);
	return rc;
}

/* A folio split to be migrated: one failed folio, a failed and split THP. */
static void stats_count_split(struct migrate_pages_stats *stats, bool thp, int *nr_failed)
{
	(*nr_failed)++;
	stats->nr_thp_failed += thp;
	stats->nr_thp_split += thp;
	stats->nr_split++;
}

/*
 * Unmap phase of a batch: up to @nr_pass passes over @from, moving every
 * folio unmapped onto @unmap (its target onto @dst_list). A large folio
 * that gets no target, or a partially mapped THP on the deferred split
 * queue, is split, its pages going onto @split_folios (not NULL), and
 * counts as one failed folio in *@nr_split_failed (and in nr_thp_failed,
 * nr_thp_split and nr_split), as Linux counts it. Returns -ENOMEM if
 * targets ran out for a folio that could not be split (it and the pass's
 * busy ones counted failed), else the number of folios still busy after
 * the last pass, counted failed (they stay on @from).
 */
static int migrate_batch_unmap(struct list_head *from, new_folio_t get_new,
			       free_folio_t put_new, unsigned long private,
			       enum migrate_mode mode, struct list_head *unmap,
			       struct list_head *dst_list, struct list_head *split_folios,
			       int *nr_split_failed, struct migrate_pages_stats *stats,
			       int nr_pass)
{
	struct page *src, *next, *dst;
	struct migrate_pages_stats busy;
	int retry = 1, rc;

	for (int pass = 0; pass < nr_pass && retry; pass++) {
		retry = 0;
		memset(&busy, 0, sizeof(busy));
		list_for_each_entry_safe(src, next, from, lru) {
			bool thp = folio_is_thp(src);

			if (migrate_folio_freed(src, stats))
				continue;
			/* A partially mapped THP on the deferred split queue is
			 * split now and its pages moved (counted as a failed and
			 * split folio, as Linux counts it). */
			if (split_folios && folio_nr_pages(src) > 2 &&
			    folio_test_partially_mapped(src) &&
			    !try_split_folio(src, split_folios, mode)) {
				stats_count_split(stats, thp, nr_split_failed);
				continue;
			}
			rc = migrate_folio_unmap(get_new, put_new, private, src, &dst, mode);
			if (rc == -ENOMEM && split_folios && folio_test_large(src) &&
			    !try_split_folio(src, split_folios, mode)) {
				stats_count_split(stats, thp, nr_split_failed);
			} else if (rc == -ENOMEM) {
				stats_count(stats, src, false);
				stats->nr_failed_pages += busy.nr_failed_pages;
				stats->nr_thp_failed += busy.nr_thp_failed;
				return -ENOMEM;
			} else if (rc == -EAGAIN) {
				retry++;
				stats_count(&busy, src, false);
			} else {
				list_move_tail(&src->lru, unmap);
				list_add_tail(&dst->lru, dst_list);
			}
		}
	}
	stats->nr_failed_pages += busy.nr_failed_pages;
	stats->nr_thp_failed += busy.nr_thp_failed;
	return retry;
}

/*
 * Migrate the folios on @from (at most one batch) in two phases of up to
 * @nr_pass passes each: unmap them all, flush the TLB once, move them all.
 * Folios that fail for good go to @ret; folios still failing with -EAGAIN
 * after the last pass are undone and stay on @from. Returns the number of
 * folios not migrated, or -ENOMEM if targets ran out.
 *
 * Counting follows Linux, in base pages (a large folio counts its
 * nr_pages, and once in the thp_ counts if PMD-sized): a folio freed
 * under us counts as migrated; a large folio that got no target is split
 * onto @split_folios (unless NULL) and counts as one failed folio, a
 * failed and a split THP, but no failed pages (its pages are migrated
 * later, each counted then); on -ENOMEM for a folio not split, it and the
 * busy ones of that pass count as failed, those never tried do not.
 */
static int migrate_pages_batch(struct list_head *from, new_folio_t get_new,
			       free_folio_t put_new, unsigned long private,
			       enum migrate_mode mode, struct list_head *ret,
			       struct list_head *split_folios,
			       struct migrate_pages_stats *stats, int nr_pass)
{
	LIST_HEAD(unmap_folios);
	LIST_HEAD(dst_folios);
	struct page *src, *next, *dst, *dst_next;
	int retry = 1, nr_failed, nr_split = 0, rc_saved = 0, rc;

	nr_failed = migrate_batch_unmap(from, get_new, put_new, private, mode, &unmap_folios,
					&dst_folios, split_folios, &nr_split, stats, nr_pass);
	if (nr_failed < 0) {
		rc_saved = nr_failed;
		nr_failed = 0;
	}
	nr_failed += nr_split;
	flush_tlb_wait();	/* one shootdown for every PTE the batch cleared */
	for (int pass = 0; pass < nr_pass && retry; pass++) {
		retry = 0;
		dst = list_first_entry(&dst_folios, struct page, lru);
		list_for_each_entry_safe(src, next, &unmap_folios, lru) {
			unsigned long nr = folio_nr_pages(src);
			bool thp = folio_is_thp(src);

			dst_next = list_entry(dst->lru.next, struct page, lru);
			rc = migrate_folio_move(put_new, private, src, dst, mode, ret);
			if (rc == -EAGAIN) {
				retry++;
			} else if (rc == 0) {
				stats->nr_succeeded += nr;	/* src is freed by now */
				stats->nr_thp_succeeded += thp;
			} else {
				nr_failed++;
				stats_count(stats, src, false);
			}
			dst = dst_next;
		}
	}
	/* Undo what still fails after the last pass: back onto @from. */
	dst = list_first_entry(&dst_folios, struct page, lru);
	list_for_each_entry_safe(src, next, &unmap_folios, lru) {
		bool was_mapped = dst->private & PAGE_WAS_MAPPED;

		dst_next = list_entry(dst->lru.next, struct page, lru);
		list_del(&dst->lru);
		WRITE_ONCE(dst->private, 0);
		stats_count(stats, src, false);
		migrate_folio_undo(src, dst, was_mapped, put_new, private, from);
		nr_failed++;
		dst = dst_next;
	}
	return rc_saved ? rc_saved : nr_failed;
}

/*
 * Move one isolated hugetlb folio (unmap_and_move_huge_page()): lock it,
 * replace its PTEs by migration entries, copy it to a pool page, point the
 * entries at that. 0: moved (or freed under us) and off @from; -EAGAIN:
 * left on @from; -ENOMEM: no target.
 */
static int unmap_and_move_huge_page(new_folio_t get_new, free_folio_t put_new,
				    unsigned long private, struct page *src,
				    enum migrate_mode mode)
{
	bool was_mapped = false;
	struct page *dst;
	int rc;

	if (page_ref_count(src) == 1) {		/* freed under us */
		folio_putback_hugetlb(src);
		return 0;
	}
	dst = get_new(src, private);
	if (!dst)
		return -ENOMEM;
	if (!lock_source(src, mode)) {
		release_new_folio(put_new, dst, private);
		return -EAGAIN;
	}
	BUG_ON(!trylock_page(dst));	/* nobody else can see it */
	if (folio_mapcount(src)) {
		try_to_migrate(src, 0);
		was_mapped = true;
	}
	rc = folio_mapcount(src) ? -EAGAIN : move_to_new_folio(dst, src);
	if (was_mapped)
		remove_migration_ptes(src, rc ? src : dst);
	if (!rc)
		move_hugetlb_state(src, dst);
	unlock_page(dst);
	unlock_page(src);
	if (rc) {
		release_new_folio(put_new, dst, private);
		return rc;
	}
	folio_putback_hugetlb(src);	/* its last reference: back to the pool or buddy */
	put_page(dst);			/* the mappings hold it now */
	return 0;
}

/*
 * The hugetlb folios on @from first, one at a time, in the requested mode
 * with up to 10 passes (migrate_hugetlbs()); they are not THPs for the
 * counters. Those given up stay on @from. Returns the number of folios
 * not migrated, or -ENOMEM.
 */
static int migrate_hugetlbs(struct list_head *from, new_folio_t get_new,
			    free_folio_t put_new, unsigned long private,
			    enum migrate_mode mode, struct migrate_pages_stats *stats)
{
	unsigned long retry_pages = 0;
	struct page *src, *next;
	int retry = 1, rc;

	for (int pass = 0; pass < NR_MAX_MIGRATE_PAGES_RETRY && retry; pass++) {
		retry = 0;
		retry_pages = 0;
		list_for_each_entry_safe(src, next, from, lru) {
			unsigned long nr = folio_nr_pages(src);

			if (!folio_test_hugetlb(src))
				continue;
			rc = unmap_and_move_huge_page(get_new, put_new, private, src, mode);
			if (rc == -ENOMEM) {
				stats->nr_failed_pages += nr + retry_pages;
				return -ENOMEM;
			} else if (rc == -EAGAIN) {
				retry++;
				retry_pages += nr;
			} else {
				stats->nr_succeeded += nr;
			}
		}
	}
	stats->nr_failed_pages += retry_pages;
	return retry;
}

/*
 * SYNC and SYNC_LIGHT: a batched ASYNC attempt first, then each page that
 * failed alone in the requested mode (blocking on one page at a time avoids
 * deadlocks between pages of one batch).
 */
static int migrate_pages_sync(struct list_head *from, new_folio_t get_new,
			      free_folio_t put_new, unsigned long private,
			      enum migrate_mode mode, struct list_head *ret,
			      struct list_head *split_folios, struct migrate_pages_stats *stats)
{
	struct migrate_pages_stats astats = { 0 };
	LIST_HEAD(failed);
	LIST_HEAD(one);
	int rc, nr_failed = 0;

	rc = migrate_pages_batch(from, get_new, put_new, private, MIGRATE_ASYNC, &failed,
				 split_folios, &astats, NR_MAX_MIGRATE_ASYNC_RETRY);
	stats->nr_succeeded += astats.nr_succeeded;
	stats->nr_thp_succeeded += astats.nr_thp_succeeded;
	stats->nr_thp_split += astats.nr_thp_split;
	stats->nr_split += astats.nr_split;
	if (rc < 0) {
		stats->nr_failed_pages += astats.nr_failed_pages;
		stats->nr_thp_failed += astats.nr_thp_failed;
		list_splice_tail_init(&failed, ret);
		return rc;
	}
	/* The folios that failed are retried below; the split ones are not
	 * and count as failed (nr_split includes the THPs). */
	stats->nr_thp_failed += astats.nr_thp_split;
	nr_failed += astats.nr_split;
	list_splice_tail_init(&failed, from);
	while (!list_empty(from)) {
		list_move(from->next, &one);
		rc = migrate_pages_batch(&one, get_new, put_new, private, mode, ret, split_folios,
					 stats, NR_MAX_MIGRATE_SYNC_RETRY);
		list_splice_tail_init(&one, ret);
		if (rc < 0)
			return rc;
		nr_failed += rc;
	}
	return nr_failed;
}

/*
 * Move folios from the front of @from to @batch until it holds at least
 * NR_MAX_BATCHED_MIGRATION base pages (the folio that reaches the limit is
 * included, so a PMD-sized folio forms a batch alone). hugetlb folios left
 * over from migrate_hugetlbs() go to @ret instead.
 */
static void cut_batch(struct list_head *from, struct list_head *batch, struct list_head *ret)
{
	unsigned long nr = 0;

	while (nr < NR_MAX_BATCHED_MIGRATION && !list_empty(from)) {
		struct page *folio = list_first_entry(from, struct page, lru);

		if (folio_test_hugetlb(folio)) {
			list_move_tail(&folio->lru, ret);
			continue;
		}
		nr += folio_nr_pages(folio);
		list_move_tail(&folio->lru, batch);
	}
}

/**
 * migrate_pages() - migrate the isolated pages on @from.
 * @get_new_folio: allocates a target for a source page (NULL: -ENOMEM).
 * @put_new_folio: frees an unused target; NULL means put_page().
 * @private: passed to both.
 * @mode: MIGRATE_ASYNC, MIGRATE_SYNC_LIGHT or MIGRATE_SYNC.
 * @reason: an MR_* value, for counters and traces.
 * @ret_succeeded: receives the number of pages migrated.
 *
 * Every folio on @from must have been isolated by the caller (with a
 * reference). hugetlb folios go first, one at a time; the others in
 * batches of 512 base pages. A large folio for which @get_new_folio finds
 * no target is split (unless @reason is MR_NUMA_MISPLACED) and its pages
 * migrated after its batch, in one ASYNC pass. Folios that were not
 * migrated are left on @from; the caller then calls
 * putback_movable_pages(). Counts pgmigrate_success and pgmigrate_fail in
 * base pages, thp_migration_* per PMD-sized folio (hugetlb is no THP; a
 * split THP counts in thp_migration_split and thp_migration_fail).
 * Context: takes page locks (only trylock in ASYNC mode), rmap and PTE
 * locks; may sleep unless ASYNC.
 * Return: the number of folios not migrated, 0 if @from ends up empty, or
 * -ENOMEM if no target folio could be allocated.
 */
int migrate_pages(struct list_head *from, new_folio_t get_new_folio,
		  free_folio_t put_new_folio, unsigned long private,
		  enum migrate_mode mode, int reason, unsigned int *ret_succeeded)
{
	struct migrate_pages_stats stats = { 0 };
	LIST_HEAD(ret_folios);
	LIST_HEAD(batch);
	LIST_HEAD(split_folios);
	/* NUMA balancing never splits a large folio to move it (nosplit). */
	struct list_head *split = reason == MR_NUMA_MISPLACED ? NULL : &split_folios;
	int rc, rc_gather = 0;

	trace_mm_migrate_pages_start(mode, reason);
	rc_gather = migrate_hugetlbs(from, get_new_folio, put_new_folio, private, mode, &stats);
	if (rc_gather < 0)
		goto out;
	while (!list_empty(from)) {
		cut_batch(from, &batch, &ret_folios);
		if (mode == MIGRATE_ASYNC)
			rc = migrate_pages_batch(&batch, get_new_folio, put_new_folio, private,
						 mode, &ret_folios, split, &stats,
						 NR_MAX_MIGRATE_PAGES_RETRY);
		else
			rc = migrate_pages_sync(&batch, get_new_folio, put_new_folio, private,
						mode, &ret_folios, split, &stats);
		list_splice_tail_init(&batch, &ret_folios);
		if (rc < 0) {
			rc_gather = rc;
			list_splice_tail_init(&split_folios, &ret_folios);
			list_splice_tail_init(from, &ret_folios);
			break;
		}
		/* The pages of split folios: one ASYNC pass, their failures
		 * counted in pages only (each folio counted once already). */
		migrate_pages_batch(&split_folios, get_new_folio, put_new_folio, private,
				    MIGRATE_ASYNC, &ret_folios, NULL, &stats, 1);
		list_splice_tail_init(&split_folios, &ret_folios);
		rc_gather += rc;
	}
out:
	list_splice_init(&ret_folios, from);
	if (list_empty(from))
		rc_gather = 0;
	count_vm_events(PGMIGRATE_SUCCESS, stats.nr_succeeded);
	count_vm_events(PGMIGRATE_FAIL, stats.nr_failed_pages);
	count_vm_events(THP_MIGRATION_SUCCESS, stats.nr_thp_succeeded);
	count_vm_events(THP_MIGRATION_FAIL, stats.nr_thp_failed);
	count_vm_events(THP_MIGRATION_SPLIT, stats.nr_thp_split);
	trace_mm_migrate_pages(&stats, mode, reason);
	if (ret_succeeded)
		*ret_succeeded = stats.nr_succeeded;
	return rc_gather;
}
