/* SPDX-License-Identifier: MIT */
/*
 * test_compaction_heuristics.c - one test per compaction heuristic, each
 * written so that it fails when the heuristic is disabled
 * (scripts/mutate.sh checks that it does): pageblock skip bits (set on a
 * barren block, honoured, reset on a flush and on a restart), the flush
 * that direct compaction requests when its scanners meet, the cached
 * scanner positions (advanced, used, reset when the scanners meet),
 * deferral (the exact sequence), and the suitability checks (watermark
 * with compact_gap, fragmentation index, an allocation that would already
 * succeed, free blocks left alone as targets, no targets in unmovable
 * blocks, async direct compaction's sources of the request's migratetype,
 * pinned pages not isolated).
 *
 * Runs go through compact_zone() with a compact_control built here, on
 * the fixture machine: 32 pageblocks of 512 pages, watermark min 256.
 */
#include "unit/alloc_test.h"
#include <string.h>

#include "compact/compact_internal.h"
#include "vm/mm.h"

#define CHUNK		(256 * PAGE_SIZE)	/* half a pageblock */
#define NR_FRAMES	(TEST_MEMORY / PAGE_SIZE)
#define NR_BLOCKS	(NR_FRAMES / 512)
#define LAST_BLOCK	(NR_FRAMES - 512)
/* Takes whole free blocks without compacting, whatever the watermarks. */
#define EAT_GFP		((GFP_HIGHUSER_MOVABLE & ~__GFP_DIRECT_RECLAIM) | __GFP_MEMALLOC | __GFP_NOWARN)
/* Takes free pages unmovable, whatever the watermarks. */
#define TRIM_GFP	(GFP_ATOMIC | __GFP_MEMALLOC | __GFP_NOWARN)

static struct zone *zone(void)
{
	return &contig_page_data.node_zones[ZONE_NORMAL];
}

static long event(const char *name)
{
	long v;

	assert_int_equal(vmstat_read(name, &v), 0);
	return v;
}

static long free_pages(void)
{
	drain_all_pages(NULL);
	return global_zone_page_state(NR_FREE_PAGES);
}

static enum compact_result run(struct compact_control *cc)
{
	enum compact_result ret;

	cc->zone = zone();
	if (!cc->gfp_mask)
		cc->gfp_mask = GFP_KERNEL;
	cc->alloc_flags = ALLOC_WMARK_MIN;
	ret = compact_zone(cc, NULL);
	drain_all_pages(NULL);
	return ret;
}

static void set_all_skip_bits(void)
{
	for (unsigned long pfn = 0; pfn < NR_FRAMES; pfn += 512)
		set_pageblock_skip(pfn_to_page(pfn));
}

/* ------------------------------------------------------------------ */
/* Layouts                                                              */

struct layout {
	struct mm_struct *mm;
	unsigned long chunks[128];
	int nr_chunks;
	struct page *kernel[1024];	/* unmovable pages at pfns 0..1023 */
	struct page *held[16];		/* whole order-9 blocks taken away */
	int nr_held;
};

/*
 * Pageblocks 0 and 1 full of unmovable pages (the first unmovable request
 * claims the first order-10 block); the rest filled with process pages in
 * half-pageblock chunks, every other chunk unmapped; every order-9 block
 * still free taken away, so an order-9 request needs compaction.
 */
static void build_layout(struct layout *l)
{
	memset(l, 0, sizeof(*l));
	for (int i = 0; i < 1024; i++) {
		l->kernel[i] = alloc_pages(GFP_KERNEL, 0);
		assert_non_null(l->kernel[i]);
	}
	drain_all_pages(NULL);
	l->mm = mm_alloc();
	while (free_pages() > 1024 + (long)(CHUNK / PAGE_SIZE) &&
	       l->nr_chunks < (int)ARRAY_SIZE(l->chunks)) {
		unsigned long addr;

		assert_int_equal(do_mmap(l->mm, CHUNK, false, &addr), 0);
		for (unsigned long off = 0; off < CHUNK; off += PAGE_SIZE)
			assert_int_equal(access_mm(l->mm, addr + off, &off, sizeof(off), true), 0);
		l->chunks[l->nr_chunks++] = addr;
	}
	for (int i = 0; i < l->nr_chunks; i += 2)
		assert_int_equal(do_munmap(l->mm, l->chunks[i], CHUNK), 0);
	/* Pages on the per-cpu lists merge into whole blocks once drained. */
	do {
		drain_all_pages(NULL);
		l->held[l->nr_held] = alloc_pages(EAT_GFP, pageblock_order);
	} while (l->held[l->nr_held] && ++l->nr_held < (int)ARRAY_SIZE(l->held));
	assert_int_equal(compaction_suit_allocation_order(zone(), pageblock_order, ALLOC_WMARK_MIN),
			 COMPACT_CONTINUE);
}

static void free_layout(struct layout *l)
{
	mmput(l->mm);
	for (int i = 0; i < 1024; i++)
		__free_pages(l->kernel[i], 0);
	while (l->nr_held)
		__free_pages(l->held[--l->nr_held], pageblock_order);
}

/* Every frame allocated unmovable, then every even pfn freed: nothing can
 * move and no two free pages are buddies. */
struct barren {
	struct page *pages[NR_FRAMES];
	struct page *reserve[64];
	int nr, nr_reserve;
};

static struct barren barren;

static void build_barren(void)
{
	barren.nr = barren.nr_reserve = 0;
	while ((barren.pages[barren.nr] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0)))
		barren.nr++;
	while (barren.nr_reserve < (int)ARRAY_SIZE(barren.reserve) &&
	       (barren.reserve[barren.nr_reserve] = alloc_pages(TRIM_GFP, 4)))
		barren.nr_reserve++;
	for (int i = 0; i < barren.nr; i++)
		if (!(page_to_pfn(barren.pages[i]) & 1))
			__free_pages(barren.pages[i], 0);
	drain_all_pages(NULL);
}

static void free_barren(void)
{
	for (int i = 0; i < barren.nr; i++)
		if (page_to_pfn(barren.pages[i]) & 1)
			__free_pages(barren.pages[i], 0);
	while (barren.nr_reserve)
		__free_pages(barren.reserve[--barren.nr_reserve], 4);
}

/* ------------------------------------------------------------------ */
/* Pageblock skip bits                                                  */

/* A pageblock that yielded nothing to isolate is marked skipped. */
static void test_skip_bit_set_on_barren_block(void **state)
{
	struct layout l;
	struct compact_control cc = { .order = -1, .mode = MIGRATE_SYNC, .whole_zone = true,
				      .ignore_skip_hint = true };

	build_layout(&l);
	assert_false(get_pageblock_skip(pfn_to_page(0)));
	run(&cc);
	assert_true(get_pageblock_skip(pfn_to_page(0)));
	assert_true(get_pageblock_skip(pfn_to_page(512)));
	free_layout(&l);
}

/* Skipped pageblocks are not scanned, by either scanner. */
static void test_skip_bits_honoured(void **state)
{
	struct layout l;
	struct compact_control cc = { .order = -1, .mode = MIGRATE_SYNC_LIGHT };

	build_layout(&l);
	set_all_skip_bits();
	run(&cc);
	assert_int_equal(cc.total_migrate_scanned, 0);
	assert_int_equal(cc.total_free_scanned, 0);
	assert_int_equal(event("pgmigrate_success"), 0);
	free_layout(&l);
}

/* A flush requested by direct compaction clears the skip bits of blocks
 * worth a rescan before the next run that is not direct. */
static void test_skip_bits_reset_on_flush(void **state)
{
	struct layout l;
	struct compact_control cc = { .order = -1, .mode = MIGRATE_SYNC_LIGHT };

	build_layout(&l);
	set_all_skip_bits();
	WRITE_ONCE(zone()->compact_blockskip_flush, true);
	run(&cc);
	assert_false(READ_ONCE(zone()->compact_blockskip_flush));
	assert_true(cc.total_migrate_scanned > 0);
	assert_true(event("pgmigrate_success") > 0);
	free_layout(&l);
}

/* Deferral at its maximum and used up: compaction restarts, forgetting
 * the skip bits. */
static void test_skip_bits_reset_on_restart(void **state)
{
	struct layout l;
	struct compact_control cc = { .order = pageblock_order, .mode = MIGRATE_SYNC_LIGHT };

	build_layout(&l);
	set_all_skip_bits();
	WRITE_ONCE(zone()->compact_defer_shift, COMPACT_MAX_DEFER_SHIFT);
	WRITE_ONCE(zone()->compact_considered, 1U << COMPACT_MAX_DEFER_SHIFT);
	WRITE_ONCE(zone()->compact_order_failed, pageblock_order);
	assert_int_equal(run(&cc), COMPACT_SUCCESS);
	assert_true(cc.total_migrate_scanned > 0);
	free_layout(&l);
}

/* Direct compaction whose scanners met asks the next background run to
 * flush the skip bits. */
static void test_direct_compaction_requests_flush(void **state)
{
	struct compact_control cc = { .order = 4, .mode = MIGRATE_SYNC_LIGHT,
				      .direct_compaction = true };

	build_barren();
	assert_false(READ_ONCE(zone()->compact_blockskip_flush));
	run(&cc);
	assert_true(READ_ONCE(zone()->compact_blockskip_flush));
	free_barren();
}

/* ------------------------------------------------------------------ */
/* Cached scanner positions                                             */

/* The migrate scanner's cached position moves past blocks that yielded
 * nothing, for the next run. */
static void test_cached_migrate_pfn_advances(void **state)
{
	struct layout l;
	struct compact_control cc = { .order = pageblock_order, .mode = MIGRATE_SYNC_LIGHT };

	build_layout(&l);
	assert_int_equal(run(&cc), COMPACT_SUCCESS);
	assert_true(READ_ONCE(zone()->compact_cached_migrate_pfn[1]) >= 1024);
	free_layout(&l);
}

/* A run that does not cover the whole zone starts where the last one
 * stopped: here the last pageblock, so it scans at most that block. */
static void test_cached_positions_used(void **state)
{
	struct layout l;
	struct compact_control cc = { .order = pageblock_order, .mode = MIGRATE_SYNC_LIGHT,
				      .ignore_skip_hint = true };

	build_layout(&l);
	WRITE_ONCE(zone()->compact_cached_migrate_pfn[1], LAST_BLOCK - 512);
	run(&cc);
	assert_true(cc.total_migrate_scanned <= 512);
	free_layout(&l);
}

/* When the scanners meet, the cached positions go back to the zone's ends. */
static void test_cached_positions_reset_when_scanners_meet(void **state)
{
	struct compact_control cc = { .order = 4, .mode = MIGRATE_SYNC_LIGHT };

	build_barren();
	run(&cc);
	assert_int_equal(READ_ONCE(zone()->compact_cached_migrate_pfn[0]), 0);
	assert_int_equal(READ_ONCE(zone()->compact_cached_migrate_pfn[1]), 0);
	assert_int_equal(READ_ONCE(zone()->compact_cached_free_pfn), LAST_BLOCK);
	free_barren();
}

/* ------------------------------------------------------------------ */
/* Deferral                                                             */

/* The exact sequence: after the k-th failure, 2^k - 1 attempts are skipped. */
static void test_deferral_sequence(void **state)
{
	struct zone *z = zone();

	compaction_defer_reset(z, 4, true);		/* order 4 worked once */
	assert_int_equal(z->compact_order_failed, 5);
	assert_false(compaction_deferred(z, 4));
	defer_compaction(z, 4);
	assert_int_equal(z->compact_defer_shift, 1);
	assert_int_equal(z->compact_order_failed, 4);
	assert_true(compaction_deferred(z, 4));		/* 1 of 2 */
	assert_false(compaction_deferred(z, 4));	/* the second attempt runs */
	assert_false(compaction_deferred(z, 3));	/* smaller orders are not deferred */
	defer_compaction(z, 4);
	assert_int_equal(z->compact_defer_shift, 2);
	for (int i = 0; i < 3; i++)
		assert_true(compaction_deferred(z, 5));
	assert_false(compaction_deferred(z, 5));
	for (int i = 0; i < 10; i++)
		defer_compaction(z, 4);
	assert_int_equal(z->compact_defer_shift, COMPACT_MAX_DEFER_SHIFT);
	compaction_defer_reset(z, 4, false);		/* compaction worked, the allocation not */
	assert_int_equal(z->compact_defer_shift, COMPACT_MAX_DEFER_SHIFT);
	assert_int_equal(z->compact_order_failed, 5);
	assert_false(compaction_deferred(z, 4));	/* below order_failed now */
	assert_true(compaction_deferred(z, 5));
	compaction_defer_reset(z, 5, true);
	assert_int_equal(z->compact_defer_shift, 0);
	assert_int_equal(z->compact_considered, 0);
	assert_false(compaction_deferred(z, 6));
}

/* ------------------------------------------------------------------ */
/* Suitability                                                          */

/* Pages allocated away (trim_free_to()) until untrim() frees them. */
static struct page *trimmed[NR_FRAMES];
static int nr_trimmed;

/*
 * Allocate free pages with @gfp (which must ignore the watermarks) and
 * hold them until only @keep pages are free. free_pages() drains every
 * pcp list (and at PAGELAB_DEBUG=2 validates the free lists), so it is
 * read once per round, not once per page.
 */
static void trim_free_to(long keep, gfp_t gfp)
{
	long excess;

	nr_trimmed = 0;
	while ((excess = free_pages() - keep) > 0)
		for (; excess; excess--) {
			trimmed[nr_trimmed] = alloc_pages(gfp, 0);
			assert_non_null(trimmed[nr_trimmed]);
			nr_trimmed++;
		}
	assert_int_equal(free_pages(), keep);
}

static void untrim(void)
{
	while (nr_trimmed)
		__free_pages(trimmed[--nr_trimmed], 0);
}

/*
 * Compaction needs room for its copies: free memory above the min
 * watermark plus compact_gap() (2 << order). With 24 pages above min an
 * order-3 compaction (gap 16) may go on; with 8 it is skipped.
 */
static void test_suitable_needs_gap(void **state)
{
	build_barren();
	trim_free_to(TEST_WMARK_MIN + 24, TRIM_GFP);
	assert_int_equal(compaction_suit_allocation_order(zone(), 3, ALLOC_WMARK_MIN),
			 COMPACT_CONTINUE);
	untrim();
	trim_free_to(TEST_WMARK_MIN + 8, TRIM_GFP);
	assert_int_equal(compaction_suit_allocation_order(zone(), 3, ALLOC_WMARK_MIN),
			 COMPACT_SKIPPED);
	untrim();
	free_barren();
}

/*
 * A costly order that fails for lack of memory rather than fragmentation
 * (free memory in a few big blocks: fragmentation index 334 <=
 * extfrag_threshold 500) is not worth compacting.
 */
static void test_suitable_fragindex(void **state)
{
	static struct page *blocks[NR_FRAMES / 256];
	struct page *rest[512];
	int n = 0, nr_rest = 0, freed = 0;

	while ((blocks[n] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 8)))
		n++;
	for (unsigned int order = 8; (int)order >= 0; order--)
		while (nr_rest < (int)ARRAY_SIZE(rest) &&
		       (rest[nr_rest] = alloc_pages(TRIM_GFP, order)))
			rest[nr_rest++]->private = order;	/* remember the order */
	assert_int_equal(free_pages(), 0);
	/* Six order-8 blocks that are not buddies of each other. */
	for (int i = 0; i < n && freed < 6; i++)
		if (!(page_to_pfn(blocks[i]) & 256)) {
			__free_pages(blocks[i], 8);
			blocks[i] = NULL;
			freed++;
		}
	assert_int_equal(freed, 6);
	assert_int_equal(fragmentation_index(zone(), pageblock_order), 334);
	assert_int_equal(compaction_suit_allocation_order(zone(), pageblock_order, ALLOC_WMARK_MIN),
			 COMPACT_SKIPPED);
	assert_int_equal(sysctl_extfrag_threshold_set(300), 0);
	assert_int_equal(compaction_suit_allocation_order(zone(), pageblock_order, ALLOC_WMARK_MIN),
			 COMPACT_CONTINUE);
	for (int i = 0; i < n; i++)
		if (blocks[i])
			__free_pages(blocks[i], 8);
	while (nr_rest--) {
		unsigned int order = rest[nr_rest]->private;

		rest[nr_rest]->private = 0;
		__free_pages(rest[nr_rest], order);
	}
}

/* An allocation that would already succeed needs no compaction. */
static void test_suitable_success_when_free(void **state)
{
	assert_int_equal(compaction_suit_allocation_order(zone(), pageblock_order, ALLOC_WMARK_MIN),
			 COMPACT_SUCCESS);
}

static void free_held_blocks(struct layout *l)
{
	while (l->nr_held)
		__free_pages(l->held[--l->nr_held], pageblock_order);
	drain_all_pages(NULL);
}

/*
 * The free scanner leaves free blocks of the wanted size alone: when the
 * only free memory is whole free pageblocks, a full compaction of the
 * layout's process pages finds no target and moves nothing.
 */
static void test_free_blocks_left_alone(void **state)
{
	struct layout l;
	struct compact_control cc = { .order = -1, .mode = MIGRATE_SYNC, .whole_zone = true,
				      .ignore_skip_hint = true };

	build_layout(&l);
	trim_free_to(0, EAT_GFP);		/* movable, off the LRU: never migrated */
	assert_true(l.nr_held >= 2);		/* room above the min watermark */
	free_held_blocks(&l);
	run(&cc);
	assert_true(cc.total_migrate_scanned > 0);
	assert_int_equal(event("pgmigrate_success"), 0);
	untrim();
	free_layout(&l);
}

/*
 * Pages migrate only into movable pageblocks: free pages in an unmovable
 * block are no target. The layout's highest held block is made unmovable
 * (taken whole by unmovable allocations) with a hole at every other page;
 * the only other free memory is whole free pageblocks, left alone: a full
 * compaction moves nothing.
 */
static void test_no_targets_in_unmovable_blocks(void **state)
{
	static struct page *kernel[512];
	struct compact_control cc = { .order = -1, .mode = MIGRATE_SYNC, .whole_zone = true,
				      .ignore_skip_hint = true };
	struct layout l;
	unsigned long top;
	int highest = 0;

	build_layout(&l);
	trim_free_to(0, EAT_GFP);
	assert_true(l.nr_held >= 2);
	for (int i = 1; i < l.nr_held; i++)
		if (page_to_pfn(l.held[i]) > page_to_pfn(l.held[highest]))
			highest = i;
	top = page_to_pfn(l.held[highest]);
	__free_pages(l.held[highest], pageblock_order);
	l.held[highest] = l.held[--l.nr_held];
	drain_all_pages(NULL);
	for (int i = 0; i < 512; i++) {
		kernel[i] = alloc_pages(TRIM_GFP, 0);
		assert_non_null(kernel[i]);
		assert_int_equal(page_to_pfn(kernel[i]) >> pageblock_order, top >> pageblock_order);
	}
	assert_int_equal(get_pageblock_migratetype(pfn_to_page(top)), MIGRATE_UNMOVABLE);
	for (int i = 0; i < 512; i++)
		if (!(page_to_pfn(kernel[i]) & 1))
			__free_pages(kernel[i], 0);
	free_held_blocks(&l);
	run(&cc);
	assert_true(cc.total_migrate_scanned > 0);
	assert_int_equal(event("pgmigrate_success"), 0);
	for (int i = 0; i < 512; i++)
		if (page_to_pfn(kernel[i]) & 1)
			__free_pages(kernel[i], 0);
	untrim();
	free_layout(&l);
}

/*
 * Async direct compaction takes pages only from pageblocks of the
 * request's migratetype: for an unmovable request the layout's process
 * pages (in movable blocks) stay put; for a movable one they move.
 */
static void test_async_direct_sources_of_own_type(void **state)
{
	struct layout l;
	struct compact_control unmovable = { .order = pageblock_order, .mode = MIGRATE_ASYNC,
					     .direct_compaction = true, .whole_zone = true,
					     .gfp_mask = GFP_KERNEL };
	struct compact_control movable = unmovable;

	movable.gfp_mask = GFP_HIGHUSER_MOVABLE;
	build_layout(&l);
	run(&unmovable);
	assert_int_equal(event("pgmigrate_success"), 0);
	assert_int_equal(event("compact_isolated"), 0);
	run(&movable);
	assert_true(event("pgmigrate_success") > 0);
	free_layout(&l);
}

/* A page with more references than mappings is probably pinned (GUP):
 * compaction does not even isolate it. That holds for an anonymous page
 * and for an LRU page of no mapping at all (here one this test holds). */
static void test_pinned_page_not_isolated(void **state)
{
	struct mm_struct *mm = mm_alloc();
	struct page *page, *orphan;
	unsigned long addr, pfn;

	assert_int_equal(do_mmap(mm, PAGE_SIZE, false, &addr), 0);
	assert_int_equal(access_mm(mm, addr, &addr, sizeof(addr), true), 0);
	assert_int_equal(follow_pfn(mm, addr, &pfn), 0);
	page = pfn_to_page(pfn);
	get_page(page);			/* the pin */
	orphan = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
	folio_add_lru(orphan);
	sysctl_compact_memory();
	assert_int_equal(event("pgmigrate_fail"), 0);
	assert_int_equal(event("compact_isolated"), 0);
	put_page(orphan);
	put_page(page);
	mmput(mm);
}

/*
 * Direct compaction runs with PF_MEMALLOC: a thread that holds a page
 * locked and allocates must not make compaction sleep on that very page.
 * P is a process page, locked by this thread (anonymous and mapped once:
 * not "probably pinned", so compaction takes it; uptodate, so SYNC_LIGHT
 * would wait for it). Every other frame is allocated off the LRU (not
 * movable) except the 15 others of P's order-4 block and every other
 * frame of the last two pageblocks (free singles, targets). An order-4
 * block needs P moved: the allocation must fail instead of deadlocking.
 */
static void test_direct_compaction_never_waits_on_own_lock(void **state)
{
	static struct page *by_pfn[NR_FRAMES];
	struct mm_struct *mm = mm_alloc();
	unsigned long addr, pfn, first;
	struct page *page, *p;

	assert_int_equal(do_mmap(mm, PAGE_SIZE, false, &addr), 0);
	assert_int_equal(access_mm(mm, addr, &addr, sizeof(addr), true), 0);
	assert_int_equal(follow_pfn(mm, addr, &pfn), 0);
	p = pfn_to_page(pfn);
	assert_true(PageAnon(p) && PageUptodate(p));
	first = pfn & ~15UL;
	assert_true(first < LAST_BLOCK - 512);
	while ((page = alloc_pages(EAT_GFP, 0)))
		by_pfn[page_to_pfn(page)] = page;
	drain_all_pages(NULL);
	while ((page = alloc_pages(EAT_GFP, 0)))
		by_pfn[page_to_pfn(page)] = page;
	for (unsigned long f = first; f < first + 16; f++) {
		if (f == pfn)
			continue;
		assert_non_null(by_pfn[f]);
		__free_pages(by_pfn[f], 0);
		by_pfn[f] = NULL;
	}
	for (unsigned long f = LAST_BLOCK - 512; f < NR_FRAMES; f += 2) {
		assert_non_null(by_pfn[f]);
		__free_pages(by_pfn[f], 0);
		by_pfn[f] = NULL;
	}
	drain_all_pages(NULL);
	assert_true(trylock_page(p));
	assert_int_equal(compaction_suit_allocation_order(zone(), 4, ALLOC_WMARK_MIN),
			 COMPACT_CONTINUE);
	page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 4);
	assert_true(event("compact_stall") > 0);
	assert_true(event("compact_isolated") > 0);		/* P was tried */
	assert_true(PageLocked(p) && PageLRU(p));
	if (page)
		__free_pages(page, 4);
	unlock_page(p);
	for (pfn = 0; pfn < NR_FRAMES; pfn++)
		if (by_pfn[pfn])
			put_page(by_pfn[pfn]);
	mmput(mm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		machine_test(test_skip_bit_set_on_barren_block),
		machine_test(test_skip_bits_honoured),
		machine_test(test_skip_bits_reset_on_flush),
		machine_test(test_skip_bits_reset_on_restart),
		machine_test(test_direct_compaction_requests_flush),
		machine_test(test_cached_migrate_pfn_advances),
		machine_test(test_cached_positions_used),
		machine_test(test_cached_positions_reset_when_scanners_meet),
		machine_test(test_deferral_sequence),
		machine_test(test_suitable_needs_gap),
		machine_test(test_suitable_fragindex),
		machine_test(test_suitable_success_when_free),
		machine_test(test_free_blocks_left_alone),
		machine_test(test_no_targets_in_unmovable_blocks),
		machine_test(test_async_direct_sources_of_own_type),
		machine_test(test_pinned_page_not_isolated),
		machine_test(test_direct_compaction_never_waits_on_own_lock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
