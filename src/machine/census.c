/* SPDX-License-Identifier: MIT */
/*
 * census.c - the frame census: which state each frame of the machine is
 * in, counted per state. The invariant checker's walk (invariants.c,
 * check_frames()) finds every frame exactly once, on a buddy free list, on
 * a per-cpu list, in a live allocation (page_owner) or reserved, and asks
 * census_alloc_state() what an allocation is used for; so the census
 * cannot disagree with the checker, and its states add up to the zone's
 * present pages whenever the check passes.
 *
 * An allocation's state is read from its first page, in this order (the
 * first that applies):
 *   balloon    PageOffline (the balloon's page type); isolated if the
 *              migration core holds it (PG_movable_ops_isolated);
 *   driver     PageZsmalloc, a driver's movable_ops page; isolated as above;
 *   pagetable  PageTable;
 *   ksm        PageKsm (its mapping is a stable node);
 *   anon       PageAnon;
 *   shmem      a page of a shared anonymous object (a non-anon mapping);
 *              ksm, anon and shmem pages off the LRU are isolated;
 *   kernel_*   anything else: a kernel allocation (kalloc, the public
 *              API's pagelab_alloc_pages(), a page the allocator has just
 *              handed out and its user has not tagged yet), by the
 *              migratetype page_owner recorded for it.
 *   hugetlb    a hugetlb folio (PGTY_hugetlb on its head), free in the
 *              pool or mapped: HugePages_Total's pages, whoever holds them;
 *   thp        an anonymous transparent huge page (a large anon folio,
 *              PMD- or PTE-mapped); isolated off the LRU, as anon;
 * A frame whose struct page deferred struct page init has not reached yet
 * (above pgdat_init_end_pfn()) is reserved: not in the allocator and not
 * in the zone's managed pages yet, as in the kernel, until deferred init
 * frees it.
 *
 * census_pageblocks() counts the same walk per pageblock, for the map of
 * physical memory in `pagelab run --html`.
 *
 * census_check_counters() then checks the census against the counters
 * that say the same thing another way (NR_FREE_PAGES, NR_PAGETABLE, ...).
 */
#include <stdlib.h>
#include <string.h>
#include "machine/machine.h"

const char *const census_state_names[NR_CENSUS_STATES] = {
	[CENSUS_FREE] = "free",
	[CENSUS_PCP] = "pcp",
	[CENSUS_ANON] = "anon",
	[CENSUS_KSM] = "ksm",
	[CENSUS_SHMEM] = "shmem",
	[CENSUS_PAGETABLE] = "pagetable",
	[CENSUS_KERNEL_UNMOVABLE] = "kernel_unmovable",
	[CENSUS_KERNEL_RECLAIMABLE] = "kernel_reclaimable",
	[CENSUS_KERNEL_MOVABLE] = "kernel_movable",
	[CENSUS_DRIVER] = "driver",
	[CENSUS_BALLOON] = "balloon",
	[CENSUS_ISOLATED] = "isolated",
	[CENSUS_RESERVED] = "reserved",
	[CENSUS_HUGETLB] = "hugetlb",
	[CENSUS_THP] = "thp",
};
BUILD_BUG_ON(NR_CENSUS_STATES > CENSUS_STATES_CAP);

static enum census_state kernel_state(const struct page *page)
{
	switch (page_owner_migratetype(page)) {
	case MIGRATE_MOVABLE:
		return CENSUS_KERNEL_MOVABLE;
	case MIGRATE_RECLAIMABLE:
		return CENSUS_KERNEL_RECLAIMABLE;
	default:
		return CENSUS_KERNEL_UNMOVABLE;
	}
}

/* An LRU page's state: its own, or isolated while off the LRU. */
static enum census_state lru_state(const struct page *page, enum census_state state)
{
	return PageLRU(page) ? state : CENSUS_ISOLATED;
}

/* A movable_ops page's state: its own, or isolated while migration holds it. */
static enum census_state movable_ops_state(const struct page *page, enum census_state state)
{
	return PageMovableOpsIsolated(page) ? CENSUS_ISOLATED : state;
}

/**
 * census_alloc_state() - the state of the frames of a live allocation.
 * @page: the allocation's first page (page_owner_order() >= 0).
 *
 * Context: any; exact only while the allocation's owner does not change it
 * (the checker runs on a quiescent machine).
 * Return: the state, as the file comment orders the tests.
 */
enum census_state census_alloc_state(const struct page *page)
{
	if (folio_test_hugetlb(page))
		return CENSUS_HUGETLB;
	if (PageOffline(page))
		return movable_ops_state(page, CENSUS_BALLOON);
	if (PageZsmalloc(page))
		return movable_ops_state(page, CENSUS_DRIVER);
	if (PageTable(page))
		return CENSUS_PAGETABLE;
	if (PageKsm(page))
		return lru_state(page, CENSUS_KSM);
	if (PageAnon(page) && folio_test_large(page))
		return lru_state(page, CENSUS_THP);
	if (PageAnon(page))
		return lru_state(page, CENSUS_ANON);
	if (READ_ONCE(page->mapping))
		return lru_state(page, CENSUS_SHMEM);
	return kernel_state(page);
}

/**
 * frame_census_total() - the frames of every state.
 * Context: any. Return: their sum.
 */
unsigned long frame_census_total(const struct frame_census *census)
{
	unsigned long total = 0;

	for (int i = 0; i < NR_CENSUS_STATES; i++)
		total += census->nr[i];
	return total;
}

/**
 * census_state_find() - a state by the name frames.STATE uses.
 * Context: any (no machine needed). Return: the state, or -ENOENT.
 */
int census_state_find(const char *name)
{
	for (int i = 0; i < NR_CENSUS_STATES; i++)
		if (!strcmp(name, census_state_names[i]))
			return i;
	return -ENOENT;
}

static int counter_differs(char *msg, size_t len, const char *state, unsigned long frames,
			   const char *counter, long value)
{
	snprintf(msg, len, "the census counts %lu %s frames but %s is %ld", frames, state,
		 counter, value);
	return -EUCLEAN;
}

/**
 * census_check_counters() - check a census against the counters that say
 * the same: free frames against NR_FREE_PAGES, page-table frames against
 * NR_PAGETABLE and, with nothing isolated, shmem frames against NR_SHMEM
 * and balloon frames against NR_BALLOON_PAGES.
 * @census: an exact census (of a quiescent machine).
 * @msg: receives the first difference.
 *
 * Context: the machine quiescent. Return: 0, or -EUCLEAN with @msg set.
 */
int census_check_counters(const struct frame_census *census, char *msg, size_t len)
{
	const struct pglist_data *pgdat = &contig_page_data;
	long free = global_zone_page_state(NR_FREE_PAGES);

	if ((long)census->nr[CENSUS_FREE] != free)
		return counter_differs(msg, len, "free", census->nr[CENSUS_FREE],
				       "nr_free_pages", free);
	if ((long)census->nr[CENSUS_PAGETABLE] != node_page_state(pgdat, NR_PAGETABLE))
		return counter_differs(msg, len, "pagetable", census->nr[CENSUS_PAGETABLE],
				       "nr_page_table_pages", node_page_state(pgdat, NR_PAGETABLE));
	if (census->nr[CENSUS_ISOLATED])
		return 0;
	if ((long)census->nr[CENSUS_SHMEM] != node_page_state(pgdat, NR_SHMEM))
		return counter_differs(msg, len, "shmem", census->nr[CENSUS_SHMEM], "nr_shmem",
				       node_page_state(pgdat, NR_SHMEM));
	if ((long)census->nr[CENSUS_BALLOON] != node_page_state(pgdat, NR_BALLOON_PAGES))
		return counter_differs(msg, len, "balloon", census->nr[CENSUS_BALLOON],
				       "nr_balloon_pages", node_page_state(pgdat, NR_BALLOON_PAGES));
	return 0;
}

/**
 * frame_census_show() - take the census and print it, one "STATE FRAMES"
 * line per state, then "total FRAMES".
 * @out: where to print.
 *
 * Context: as check_frames(): exact only while no other thread changes
 * the machine.
 * Return: 0, or check_frames()'s error (then nothing is printed).
 */
int frame_census_show(FILE *out)
{
	struct frame_census census;
	char msg[256];
	int err = check_frames(&census, msg, sizeof(msg));

	if (err)
		return err;
	for (int i = 0; i < NR_CENSUS_STATES; i++)
		fprintf(out, "%-20s %lu\n", census_state_names[i], census.nr[i]);
	fprintf(out, "%-20s %lu\n", "total", frame_census_total(&census));
	return 0;
}

/**
 * census_nr_pageblocks() - the pageblocks census_pageblocks() fills.
 * Context: a machine exists. Return: machine.max_pfn in pageblocks, rounded up.
 */
unsigned long census_nr_pageblocks(void)
{
	return DIV_ROUND_UP(machine.max_pfn, pageblock_nr_pages);
}

/* The frames the walk did not read (deferred init): reserved, per pageblock. */
static void census_uninit_pageblocks(const struct frame_census *census,
				     struct pageblock_census *blocks)
{
	for (unsigned long pfn = census->init_end; pfn < machine.max_pfn;) {
		unsigned long next = min(pageblock_end_pfn(pfn), machine.max_pfn);

		blocks[pfn >> pageblock_order].nr[CENSUS_RESERVED] += next - pfn;
		pfn = next;
	}
}

/**
 * census_pageblocks() - take the census, and count it per pageblock too.
 * @census: receives the frames of each state, as check_frames() counts them.
 * @blocks: census_nr_pageblocks() entries; receive each pageblock's frames
 *	of each state (from the same walk, so they add up to @census) and its
 *	migratetype as the pageblock bitmap has it.
 * @msg: receives the first problem found.
 * @len: its size.
 *
 * Context: as check_frames_map(); the migratetypes are read after the walk.
 * Return: 0, or check_frames_map()'s error (@blocks then undefined), or -ENOMEM.
 */
int census_pageblocks(struct frame_census *census, struct pageblock_census *blocks,
		      char *msg, size_t len)
{
	unsigned char *map = malloc(machine.max_pfn);
	unsigned long nr = census_nr_pageblocks();
	int err;

	if (!map)
		return -ENOMEM;
	err = check_frames_map(census, map, msg, len);
	if (!err) {
		memset(blocks, 0, nr * sizeof(*blocks));
		for (unsigned long pfn = 0; pfn < census->init_end; pfn++)
			blocks[pfn >> pageblock_order].nr[map[pfn]]++;
		census_uninit_pageblocks(census, blocks);
		for (unsigned long b = 0; b < nr; b++)
			blocks[b].migratetype =
				get_pageblock_migratetype(pfn_to_page(b << pageblock_order));
	}
	free(map);
	return err;
}
