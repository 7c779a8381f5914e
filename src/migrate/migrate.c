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
 * replace every PTE mapping the source by a migration entry
 * (try_to_migrate). In ASYNC mode the TLB flush is deferred and done once
 * for the whole batch before any page is copied. Move (migrate_folio_move):
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
 * call; any other error is permanent. Pages not migrated stay on the list
 * for putback_movable_pages(). The return value counts pages not migrated.
 */
#include <string.h>
#include "migrate/migrate.h"
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

static void trace_mm_migrate_pages(unsigned int succeeded, unsigned int failed,
				   enum migrate_mode mode, int reason)
{
	trace_event("mm_migrate_pages",
		    "nr_succeeded=%u nr_failed=%u nr_thp_succeeded=0 nr_thp_failed=0 "
		    "nr_thp_split=0 nr_split=0 mode=%s reason=%s",
		    succeeded, failed, migrate_mode_names[mode], migrate_reason_names[reason]);
}

struct migrate_pages_stats {
	unsigned int nr_succeeded;	/* pages migrated */
	unsigned int nr_failed_pages;	/* pages that failed for good */
};

/**
 * isolate_folio_to_list() - isolate @page (LRU or movable_ops) onto @list
 * for migration.
 * Context: the caller holds a reference; takes lru_lock or the page lock.
 * Return: true if isolated (with one more reference, accounted).
 */
bool isolate_folio_to_list(struct page *page, struct list_head *list)
{
	if (page_has_movable_ops(page)) {
		if (!isolate_movable_ops_page(page, 0))
			return false;
	} else {
		if (!folio_isolate_lru(page))
			return false;
		mod_node_page_state(page_zone(page)->zone_pgdat, NR_ISOLATED_ANON, 1);
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
		list_del(&page->lru);
		if (page_has_movable_ops(page)) {
			putback_movable_ops_page(page);
		} else {
			mod_node_page_state(page_zone(page)->zone_pgdat, NR_ISOLATED_ANON, -1);
			folio_putback_lru(page);
		}
	}
}

/**
 * alloc_migration_target() - the generic new_folio_t: an order-0 movable
 * page (@private: extra gfp flags).
 */
struct page *alloc_migration_target(struct page *src, unsigned long private)
{
	return alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN | (gfp_t)private, 0);
}

/* The isolation reference of a migrated or freed source page is dropped. */
static void migrate_folio_done(struct page *src)
{
	if (!page_has_movable_ops(src))
		mod_node_page_state(page_zone(src)->zone_pgdat, NR_ISOLATED_ANON, -1);
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
	if (page_mapped(src)) {
		try_to_migrate(src, mode == MIGRATE_ASYNC ? TTU_BATCH_FLUSH : 0);
		WRITE_ONCE(dst->private, PAGE_WAS_MAPPED);
	}
	if (!page_mapped(src))
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
 * Move an LRU page's contents, state and identity to @dst. Its mapping is
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
	memcpy(page_address(dst), page_address(src), PAGE_SIZE);
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

/*
 * Migrate the pages on @from (at most one batch) in two phases of up to
 * @nr_pass passes each: unmap them all, flush the TLB once, move them all.
 * Pages that fail for good go to @ret; pages still failing with -EAGAIN
 * after the last pass are undone and stay on @from. Returns the number of
 * pages not migrated, or -ENOMEM if targets ran out.
 *
 * Counting follows Linux: a page freed under us (only the isolation
 * reference left) counts as migrated; on -ENOMEM the page that got no
 * target and the busy ones of that pass count as failed, the pages never
 * tried do not.
 */
static int migrate_pages_batch(struct list_head *from, new_folio_t get_new,
			       free_folio_t put_new, unsigned long private,
			       enum migrate_mode mode, struct list_head *ret,
			       struct migrate_pages_stats *stats, int nr_pass)
{
	LIST_HEAD(unmap_folios);
	LIST_HEAD(dst_folios);
	struct page *src, *next, *dst, *dst_next;
	int retry = 1, nr_failed = 0, rc_saved = 0, rc;

	for (int pass = 0; pass < nr_pass && retry; pass++) {
		retry = 0;
		list_for_each_entry_safe(src, next, from, lru) {
			if (page_ref_count(src) == 1 && !page_has_movable_ops(src)) {
				/* Freed under us: only our reference is left. */
				list_del(&src->lru);
				ClearPageActive(src);
				ClearPageUnevictable(src);
				migrate_folio_done(src);
				stats->nr_succeeded++;	/* as Linux counts it */
				continue;
			}
			rc = migrate_folio_unmap(get_new, put_new, private, src, &dst, mode);
			if (rc == -ENOMEM) {
				/* This page and this pass's busy ones failed; the
				 * pages not tried yet are not counted. */
				stats->nr_failed_pages += 1 + retry;
				rc_saved = rc;
				goto move;
			} else if (rc == -EAGAIN) {
				retry++;
			} else {
				list_move_tail(&src->lru, &unmap_folios);
				list_add_tail(&dst->lru, &dst_folios);
			}
		}
	}
	/* Still busy after the last pass: they stay on @from. */
	nr_failed += retry;
	stats->nr_failed_pages += retry;
move:
	flush_tlb_wait();	/* one shootdown for every PTE the batch cleared */
	retry = 1;
	for (int pass = 0; pass < nr_pass && retry; pass++) {
		retry = 0;
		dst = list_first_entry(&dst_folios, struct page, lru);
		list_for_each_entry_safe(src, next, &unmap_folios, lru) {
			dst_next = list_entry(dst->lru.next, struct page, lru);
			rc = migrate_folio_move(put_new, private, src, dst, mode, ret);
			if (rc == -EAGAIN) {
				retry++;
			} else if (rc == 0) {
				stats->nr_succeeded++;
			} else {
				nr_failed++;
				stats->nr_failed_pages++;
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
		migrate_folio_undo(src, dst, was_mapped, put_new, private, from);
		nr_failed++;
		stats->nr_failed_pages++;
		dst = dst_next;
	}
	return rc_saved ? rc_saved : nr_failed;
}

/*
 * SYNC and SYNC_LIGHT: a batched ASYNC attempt first, then each page that
 * failed alone in the requested mode (blocking on one page at a time avoids
 * deadlocks between pages of one batch).
 */
static int migrate_pages_sync(struct list_head *from, new_folio_t get_new,
			      free_folio_t put_new, unsigned long private,
			      enum migrate_mode mode, struct list_head *ret,
			      struct migrate_pages_stats *stats)
{
	struct migrate_pages_stats astats = { 0 };
	LIST_HEAD(failed);
	LIST_HEAD(one);
	int rc, nr_failed = 0;

	rc = migrate_pages_batch(from, get_new, put_new, private, MIGRATE_ASYNC, &failed,
				 &astats, NR_MAX_MIGRATE_ASYNC_RETRY);
	stats->nr_succeeded += astats.nr_succeeded;
	if (rc < 0) {
		stats->nr_failed_pages += astats.nr_failed_pages;
		list_splice_tail_init(&failed, ret);
		return rc;
	}
	list_splice_tail_init(&failed, from);
	while (!list_empty(from)) {
		list_move(from->next, &one);
		rc = migrate_pages_batch(&one, get_new, put_new, private, mode, ret, stats,
					 NR_MAX_MIGRATE_SYNC_RETRY);
		list_splice_tail_init(&one, ret);
		if (rc < 0)
			return rc;
		nr_failed += rc;
	}
	return nr_failed;
}

/* Move up to NR_MAX_BATCHED_MIGRATION pages from the front of @from to @batch. */
static void cut_batch(struct list_head *from, struct list_head *batch)
{
	for (int n = 0; n < NR_MAX_BATCHED_MIGRATION && !list_empty(from); n++)
		list_move_tail(from->next, batch);
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
 * Every page on @from must have been isolated by the caller (with a
 * reference). Pages that were not migrated are left on @from; the caller
 * then calls putback_movable_pages(). Counts pgmigrate_success and
 * pgmigrate_fail.
 * Context: takes page locks (only trylock in ASYNC mode), rmap and PTE
 * locks; may sleep unless ASYNC.
 * Return: the number of pages not migrated, 0 if @from ends up empty, or
 * -ENOMEM if no target page could be allocated.
 */
int migrate_pages(struct list_head *from, new_folio_t get_new_folio,
		  free_folio_t put_new_folio, unsigned long private,
		  enum migrate_mode mode, int reason, unsigned int *ret_succeeded)
{
	struct migrate_pages_stats stats = { 0 };
	LIST_HEAD(ret_folios);
	LIST_HEAD(batch);
	int rc, rc_gather = 0;

	trace_mm_migrate_pages_start(mode, reason);
	while (!list_empty(from)) {
		cut_batch(from, &batch);
		if (mode == MIGRATE_ASYNC)
			rc = migrate_pages_batch(&batch, get_new_folio, put_new_folio, private,
						 mode, &ret_folios, &stats,
						 NR_MAX_MIGRATE_PAGES_RETRY);
		else
			rc = migrate_pages_sync(&batch, get_new_folio, put_new_folio, private,
						mode, &ret_folios, &stats);
		list_splice_tail_init(&batch, &ret_folios);
		if (rc < 0) {
			rc_gather = rc;
			list_splice_tail_init(from, &ret_folios);
			break;
		}
		rc_gather += rc;
	}
	list_splice_init(&ret_folios, from);
	if (list_empty(from))
		rc_gather = 0;
	count_vm_events(PGMIGRATE_SUCCESS, stats.nr_succeeded);
	count_vm_events(PGMIGRATE_FAIL, stats.nr_failed_pages);
	trace_mm_migrate_pages(stats.nr_succeeded, stats.nr_failed_pages, mode, reason);
	if (ret_succeeded)
		*ret_succeeded = stats.nr_succeeded;
	return rc_gather;
}
