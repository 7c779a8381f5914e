/* SPDX-License-Identifier: MIT */
/*
 * invariants.c - account for every frame of the machine and validate the
 * allocator's structures.
 *
 * Each frame must be in exactly one state:
 *   free       inside a block on a buddy free list;
 *   pcp        inside a block on a per-cpu free list;
 *   allocated  inside a live allocation recorded by page_owner.
 * (Later subsystems refine "allocated": on an LRU list, isolated, in the
 * balloon, KSM.) Along the way every free list is checked: each block's
 * first page is PageBuddy with the list's order and no references, the
 * block is aligned and lies in its zone, every pageblock it covers has the
 * list's migratetype, nr_free matches the list lengths and NR_FREE_PAGES
 * matches the pages on them; each per-cpu list's pages add up to its count.
 *
 * The checker must run while no other thread changes the machine (tests
 * and the runner call it at quiescent points); it takes each pcp->lock and
 * zone->lock in turn, so it is also safe, if not exact, when called racily.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "internal.h"

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

/**
 * check_invariants() - account for every frame and validate free lists,
 * per-cpu lists and pageblocks.
 * @msg: receives the first problem found.
 *
 * Context: takes each pcp->lock, then each zone->lock, one at a time; the
 * result is exact only while no other thread changes the machine.
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
	free(c.state);
	return c.err;
}
