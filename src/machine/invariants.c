/* SPDX-License-Identifier: MIT */
/*
 * invariants.c - account for every frame of the machine and validate the
 * allocator's structures.
 *
 * Each frame must be in exactly one state:
 *   free       inside a block on a buddy free list;
 *   pcp        inside a block on a per-cpu free list;
 *   allocated  inside a live allocation recorded by page_owner.
 * Along the way every free list is checked: each block's
 * first page is PageBuddy with the list's order and no references, the
 * block is aligned and lies in its zone, every pageblock it covers has the
 * list's migratetype, nr_free matches the list lengths and NR_FREE_PAGES
 * matches the pages on them; each per-cpu list's pages add up to its count.
 *
 * Allocated frames are checked against their users: every page on an LRU
 * list is PageLRU, allocated, on the list its flags select, and the list
 * sizes match their counters; no PageLRU page is off the lists. Walking
 * every page table of every mm, each page's _mapcount must equal the PTEs
 * that map it, its _refcount must cover them, each mm's RSS counters must
 * match, and the page-table pages must add up to NR_PAGETABLE.
 *
 * Balloon pages (PageOffline, page->private naming the device) are
 * allocated frames: each one must be on the driver's balloon list or
 * isolated for migration, and the list, the isolated count, the driver's
 * count and nr_balloon_pages must agree (balloon_devinfo_check()). A free
 * page reporting pass cannot run meanwhile: its blocks are off the free
 * lists while the host discards them.
 *
 * KSM pages are allocated anonymous frames like any other; KSM's own
 * structures (stable and unstable trees, rmap_items, counters, the zero
 * pages it mapped) are checked by ksm_validate(), which also proves every
 * KSM frame belongs to a node of the stable tree.
 *
 * The checker must run while no other thread changes the machine (tests
 * and the runner call it at quiescent points); it takes each pcp->lock and
 * zone->lock in turn, so it is also safe, if not exact, when called racily.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "balloon/page_reporting.h"
#include "drivers/virtio_balloon.h"
#include "ksm/ksm.h"
#include "machine/machine.h"

enum frame_state { FRAME_UNSEEN, FRAME_FREE, FRAME_PCP, FRAME_ALLOCATED };
static const char *const frame_state_names[] = { "unseen", "free", "on a pcp list",
						 "allocated" };

struct checker {
	unsigned char *state;	/* enum frame_state per pfn */
	char *msg;
	size_t len;
	int err;
};

static bool __attribute__((format(printf, 2, 3))) fail(struct checker *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->err) {
		va_start(ap, fmt);
		vsnprintf(c->msg, c->len, fmt, ap);
		va_end(ap);
		c->err = -EUCLEAN;
	}
	return false;
}

static bool mark(struct checker *c, unsigned long pfn, unsigned int order,
		 enum frame_state state)
{
	for (unsigned long i = pfn; i < pfn + (1UL << order); i++) {
		if (!pfn_valid(i))
			return fail(c, "pfn %#lx (block %#lx order %u, %s) is beyond memory",
				    i, pfn, order, frame_state_names[state]);
		if (c->state[i] != FRAME_UNSEEN)
			return fail(c, "pfn %#lx is both %s and %s", i,
				    frame_state_names[c->state[i]], frame_state_names[state]);
		c->state[i] = state;
	}
	return true;
}

static bool check_free_block(struct checker *c, struct zone *zone, struct page *page,
			     unsigned int order, int mt)
{
	unsigned long pfn = page_to_pfn(page);

	if (!zone_spans_pfn(zone, pfn) || !IS_ALIGNED(pfn, 1UL << order))
		return fail(c, "free block pfn %#lx order %u is misplaced", pfn, order);
	if (!PageBuddy(page) || buddy_order(page) != order || page_ref_count(page))
		return fail(c, "free list %s order %u holds pfn %#lx with buddy=%d order=%u refcount=%d",
			    migratetype_names[mt], order, pfn, PageBuddy(page),
			    buddy_order(page), page_ref_count(page));
	for (unsigned long i = pfn; i < pfn + (1UL << order); i += pageblock_nr_pages) {
		int block_mt = get_pageblock_migratetype(pfn_to_page(i));

		if (block_mt != mt)
			return fail(c, "free block pfn %#lx order %u is on the %s list in a %s pageblock",
				    pfn, order, migratetype_names[mt], migratetype_names[block_mt]);
	}
	for (unsigned long i = pfn + 1; i < pfn + (1UL << order); i++)
		if (PageBuddy(pfn_to_page(i)))
			return fail(c, "pfn %#lx inside free block %#lx order %u is PageBuddy",
				    i, pfn, order);
	return mark(c, pfn, order, FRAME_FREE);
}

/* Walk one free list, refusing to loop on a corrupted one. */
static unsigned long check_free_list(struct checker *c, struct zone *zone,
				     unsigned int order, int mt)
{
	struct list_head *head = &zone->free_area[order].free_list[mt], *pos;
	unsigned long blocks = 0;

	list_for_each(pos, head) {
		if (blocks++ > machine.max_pfn || c->err)
			return fail(c, "free list %s order %u is corrupted",
				    migratetype_names[mt], order), 0;
		check_free_block(c, zone, list_entry(pos, struct page, lru), order, mt);
	}
	return blocks;
}

static void check_zone_free_lists(struct checker *c, struct zone *zone)
{
	unsigned long pages = 0;

	spin_lock(&zone->lock);
	for (unsigned int order = 0; order < NR_PAGE_ORDERS && !c->err; order++) {
		unsigned long blocks = 0;

		for (int mt = 0; mt < MIGRATE_TYPES; mt++)
			blocks += check_free_list(c, zone, order, mt);
		if (!c->err && blocks != zone->free_area[order].nr_free)
			fail(c, "zone %s order %u: nr_free is %lu but the lists hold %lu",
			     zone->name, order, zone->free_area[order].nr_free, blocks);
		pages += blocks << order;
	}
	if (!c->err && (long)pages != zone_page_state(zone, NR_FREE_PAGES))
		fail(c, "zone %s: NR_FREE_PAGES is %ld but the free lists hold %lu pages",
		     zone->name, zone_page_state(zone, NR_FREE_PAGES), pages);
	spin_unlock(&zone->lock);
}

static unsigned int pcp_list_order(int pindex)
{
	if (pindex < NR_LOWORDER_PCP_LISTS)
		return pindex / MIGRATE_PCPTYPES;
	return pageblock_order;
}

static void check_pcp(struct checker *c, struct per_cpu_pages *pcp, int cpu)
{
	long pages = 0;

	spin_lock(&pcp->lock);
	for (int pindex = 0; pindex < NR_PCP_LISTS && !c->err; pindex++) {
		unsigned int order = pcp_list_order(pindex);
		struct page *page;

		list_for_each_entry(page, &pcp->lists[pindex], lru) {
			if (pages > (long)machine.max_pfn || c->err)
				break;
			if (PageBuddy(page) || page_ref_count(page))
				fail(c, "cpu %d pcp list %d holds pfn %#lx with buddy=%d refcount=%d",
				     cpu, pindex, page_to_pfn(page), PageBuddy(page),
				     page_ref_count(page));
			mark(c, page_to_pfn(page), order, FRAME_PCP);
			pages += 1L << order;
		}
	}
	if (!c->err && pages != pcp->count)
		fail(c, "cpu %d: pcp count is %d but its lists hold %ld pages", cpu, pcp->count, pages);
	spin_unlock(&pcp->lock);
}

static void check_allocations(struct checker *c)
{
	for (unsigned long pfn = 0; pfn < machine.max_pfn && !c->err; pfn++) {
		struct page *page = pfn_to_page(pfn);
		int order = page_owner_order(page);

		if (order < 0)
			continue;
		if (PageBuddy(page) || page_ref_count(page) <= 0)
			fail(c, "allocated pfn %#lx (order %d) has buddy=%d refcount=%d",
			     pfn, order, PageBuddy(page), page_ref_count(page));
		else
			mark(c, pfn, order, FRAME_ALLOCATED);
	}
}

static void check_all_accounted(struct checker *c)
{
	for (unsigned long pfn = 0; pfn < machine.max_pfn && !c->err; pfn++) {
		if (c->state[pfn] == FRAME_UNSEEN) {
			dump_page(pfn_to_page(pfn), "frame not accounted for");
			fail(c, "pfn %#lx is not accounted for (not free, not on a pcp list, not allocated)",
			     pfn);
		}
	}
}

static void check_pageblocks(struct checker *c, struct zone *zone)
{
	for (unsigned long pfn = zone->zone_start_pfn; pfn < zone_end_pfn(zone) && !c->err;
	     pfn += pageblock_nr_pages) {
		int mt = get_pageblock_migratetype(pfn_to_page(pfn));

		if (mt < 0 || mt >= MIGRATE_TYPES)
			fail(c, "pageblock at pfn %#lx has migratetype %d", pfn, mt);
	}
}

static unsigned int page_lru_index(const struct page *page)
{
	if (PageUnevictable(page))
		return LRU_UNEVICTABLE;
	return PageActive(page) ? LRU_ACTIVE_ANON : LRU_INACTIVE_ANON;
}

static void check_lru(struct checker *c, struct lruvec *lruvec)
{
	unsigned long on_lists = 0, flagged = 0;

	spin_lock(&lruvec->lru_lock);
	for (unsigned int lru = 0; lru < NR_LRU_LISTS && !c->err; lru++) {
		unsigned long n = 0;
		struct page *page;

		list_for_each_entry(page, &lruvec->lists[lru], lru) {
			if (n++ > machine.max_pfn || c->err)
				break;
			if (!PageLRU(page) || page_lru_index(page) != lru ||
			    c->state[page_to_pfn(page)] != FRAME_ALLOCATED)
				fail(c, "LRU list %u holds pfn %#lx (lru=%d active=%d %s)", lru,
				     page_to_pfn(page), PageLRU(page), PageActive(page),
				     frame_state_names[c->state[page_to_pfn(page)]]);
		}
		if (!c->err && (long)n != node_page_state(&contig_page_data, NR_LRU_BASE + lru))
			fail(c, "LRU list %u holds %lu pages but its counter says %ld", lru, n,
			     node_page_state(&contig_page_data, NR_LRU_BASE + lru));
		on_lists += n;
	}
	spin_unlock(&lruvec->lru_lock);
	for (unsigned long pfn = 0; pfn < machine.max_pfn; pfn++)
		flagged += PageLRU(pfn_to_page(pfn));
	if (!c->err && flagged != on_lists)
		fail(c, "%lu pages are PageLRU but the LRU lists hold %lu", flagged, on_lists);
}

struct mapping_census {
	struct checker *c;
	int *ptes;			/* present PTEs per pfn */
	long anon, shmem;		/* of the mm being walked */
	unsigned long tables;
};

static void count_pte(pte_t pte, unsigned long addr, void *arg)
{
	struct mapping_census *census = arg;
	struct page *page;

	if (!pte_present(pte)) {
		if (!softleaf_is_migration(pte)) {
			fail(census->c, "address %#lx has a non-present PTE %#lx of no known kind",
			     addr, pte_val(pte));
			return;
		}
		/* A migration entry counts in RSS but holds no mapcount. */
		if (PageAnon(pfn_to_page(softleaf_pfn(pte))))
			census->anon++;
		else
			census->shmem++;
		return;
	}
	if (pte_special(pte)) {
		if (!is_zero_pfn(pte_pfn(pte)))
			fail(census->c, "address %#lx has a special PTE for pfn %#lx", addr,
			     pte_pfn(pte));
		return;
	}
	if (!pfn_valid(pte_pfn(pte))) {
		fail(census->c, "address %#lx maps pfn %#lx beyond memory", addr, pte_pfn(pte));
		return;
	}
	page = pfn_to_page(pte_pfn(pte));
	census->ptes[pte_pfn(pte)]++;
	if (PageAnon(page))
		census->anon++;
	else
		census->shmem++;
}

static void census_mm(struct mm_struct *mm, void *arg)
{
	struct mapping_census *census = arg;

	census->anon = census->shmem = 0;
	walk_all_ptes(mm, count_pte, census);
	census->tables += mm_pgtable_pages(mm);
	if (census->anon != get_mm_counter(mm, MM_ANONPAGES) ||
	    census->shmem != get_mm_counter(mm, MM_SHMEMPAGES))
		fail(census->c, "an mm maps %ld anon and %ld shmem pages but counts %ld and %ld",
		     census->anon, census->shmem, get_mm_counter(mm, MM_ANONPAGES),
		     get_mm_counter(mm, MM_SHMEMPAGES));
}

static void check_mappings(struct checker *c)
{
	struct mapping_census census = { .c = c };

	census.ptes = calloc(machine.max_pfn, sizeof(*census.ptes));
	if (!census.ptes) {
		fail(c, "out of memory");
		return;
	}
	for_each_mm(census_mm, &census);
	for (unsigned long pfn = 0; pfn < machine.max_pfn && !c->err; pfn++) {
		struct page *page = pfn_to_page(pfn);

		if (census.ptes[pfn] != page_mapcount(page))
			fail(c, "pfn %#lx: mapcount %d but %d PTEs map it", pfn,
			     page_mapcount(page), census.ptes[pfn]);
		else if (census.ptes[pfn] > page_ref_count(page))
			fail(c, "pfn %#lx: %d PTEs map it but it has %d references", pfn,
			     census.ptes[pfn], page_ref_count(page));
		else if (census.ptes[pfn] && !PageAnon(page) && !READ_ONCE(page->mapping))
			fail(c, "pfn %#lx is mapped but has no mapping", pfn);
	}
	if (!c->err && (long)census.tables != node_page_state(&contig_page_data, NR_PAGETABLE))
		fail(c, "the mms hold %lu page-table pages but NR_PAGETABLE is %ld",
		     census.tables, node_page_state(&contig_page_data, NR_PAGETABLE));
	free(census.ptes);
}

/**
 * check_invariants() - account for every frame and validate free lists,
 * per-cpu lists and pageblocks.
 * @msg: receives the first problem found.
 *
 * Context: takes page_reporting_mutex for the whole check, then each
 * pcp->lock, zone->lock and lru_lock in turn, the mm list lock, and the
 * balloon's and KSM's locks; the result is exact only while no other
 * thread changes the machine.
 * Return: 0, -EUCLEAN with @msg set, or -ENOMEM.
 */
int check_invariants(char *msg, size_t len)
{
	struct checker c = { .msg = msg, .len = len };
	struct zone *zone;

	c.state = calloc(machine.max_pfn, 1);
	if (!c.state)
		return -ENOMEM;
	msg[0] = '\0';
	page_reporting_lock();
	for_each_populated_zone(zone) {
		check_pageblocks(&c, zone);
		for (unsigned int cpu = 0; cpu < nr_cpu_ids && !c.err; cpu++)
			check_pcp(&c, &zone->per_cpu_pageset[cpu], cpu);
		if (!c.err)
			check_zone_free_lists(&c, zone);
	}
	if (!c.err)
		check_allocations(&c);
	if (!c.err)
		check_all_accounted(&c);
	if (!c.err)
		check_lru(&c, &contig_page_data.__lruvec);
	if (!c.err)
		check_mappings(&c);
	if (!c.err)
		c.err = virtio_balloon_check(msg, len);
	if (!c.err)
		c.err = ksm_validate(msg, len);
	page_reporting_unlock();
	free(c.state);
	return c.err;
}
