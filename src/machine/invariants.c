/* SPDX-License-Identifier: MIT */
/*
 * invariants.c - account for every frame of the machine, and run the
 * validator of each structure (core/debug.h; docs/design.md lists them)
 * with checks that cross structures.
 *
 * Each frame must be in exactly one state:
 *   free       inside a block on a buddy free list;
 *   pcp        inside a block on a per-cpu free list;
 *   reserved   PG_reserved and in no allocation, or above
 *              pgdat_init_end_pfn() (deferred struct page init);
 *   allocated  inside a live allocation recorded by page_owner.
 * This walk (check_frames()) is also the frame census: it counts the
 * frames of each state, an allocation's frames by what census.c says it
 * is used for, and check_invariants() checks the census against the
 * counters.
 * The free lists are checked by zone_free_lists_valid() and
 * zone_pageblocks_valid(); the visitor of the first marks the free frames
 * and sees that no page inside a free block is PageBuddy. Each per-cpu
 * list's pages must be free, unreferenced and add up to its count.
 *
 * Allocated frames are checked against their users: __lruvec_valid()
 * checks the LRU lists, and its visitor that every listed page is PageLRU
 * (which only a quiescent machine guarantees) and allocated; no PageLRU
 * page is off the lists. __mm_pgtables_valid() checks each mm's page
 * tables and RSS, and its visitor counts the PTEs mapping each page: its
 * _mapcount must equal them and its _refcount cover them; the page-table
 * pages of all mms must add up to NR_PAGETABLE.
 *
 * Balloon pages (PageOffline, page->private naming the device) are
 * allocated frames: balloon_devinfo_check() validates the balloon and
 * finds the isolated ones, and the driver's count must agree. A free page
 * reporting pass cannot run meanwhile: its blocks are off the free lists
 * while the host discards them.
 *
 * Free hugetlb pool folios are allocated frames with no references
 * (frozen, as in Linux); hugetlb_pool_valid() checks the pool's lists
 * against its counters. A compound page is one allocation: compound_page_valid() checks its
 * head, its tails and its folio map counts (which must agree with the
 * per-page ones the PTE census checks), and every tail page anywhere
 * must point at the head of an allocated compound page covering it.
 *
 * KSM pages are allocated anonymous frames like any other; KSM's own
 * structures (stable and unstable trees, rmap_items, counters, the zero
 * pages it mapped) are checked by ksm_validate(), which also proves every
 * KSM frame belongs to a node of the stable tree.
 *
 * The checker must run while no other thread changes the machine (tests
 * and the runner call it at quiescent points); it takes the locks of what
 * it reads, so it is also safe, if not exact, when called racily. The
 * frame walk holds every pcp->lock and zone->lock at once, so that only a
 * block in flight at that moment can be missed (check_frames() callers on
 * a busy machine, the scenario reports, try again).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sched.h>
#include <string.h>
#include "balloon/page_reporting.h"
#include "drivers/virtio_balloon.h"
#include "ksm/ksm.h"
#include "machine/machine.h"
#include "vm/hugetlb.h"

/* Times the walk looks again for blocks an allocation has not recorded yet. */
#define SETTLE_TRIES	100

enum frame_state { FRAME_UNSEEN, FRAME_FREE, FRAME_PCP, FRAME_RESERVED, FRAME_ALLOCATED };
static const char *const frame_state_names[] = { "unseen", "free", "on a pcp list",
						 "reserved", "allocated" };

struct checker {
	unsigned char *state;	/* enum frame_state per pfn */
	unsigned long end;	/* pgdat_init_end_pfn(): frames walked are below */
	struct frame_census *census;
	unsigned char *map;	/* enum census_state per pfn, or NULL */
	bool dump;		/* dump_page() a frame not accounted for */
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

/* A validator wrote its reason into c->msg (or a visitor did, through fail()). */
static void fail_validator(struct checker *c)
{
	c->err = -EUCLEAN;
}

static bool mark(struct checker *c, unsigned long pfn, unsigned int order,
		 enum frame_state state)
{
	for (unsigned long i = pfn; i < pfn + (1UL << order); i++) {
		if (i >= c->end)
			return fail(c, "pfn %#lx (block %#lx order %u, %s) is beyond %s",
				    i, pfn, order, frame_state_names[state],
				    pfn_valid(i) ? "initialised memory" : "memory");
		if (c->state[i] != FRAME_UNSEEN)
			return fail(c, "pfn %#lx is both %s and %s", i,
				    frame_state_names[c->state[i]], frame_state_names[state]);
		c->state[i] = state;
	}
	return true;
}

/* Count @order frames from @pfn, already marked, in @state (and in c->map). */
static void count(struct checker *c, unsigned long pfn, unsigned int order,
		  enum census_state state)
{
	c->census->nr[state] += 1UL << order;
	if (c->map)
		memset(c->map + pfn, state, 1UL << order);
}

/* A free block's frames: the validator saw its first page; none inside is PageBuddy. */
static bool mark_free_block(struct page *page, unsigned int order, void *arg)
{
	unsigned long pfn = page_to_pfn(page);

	for (unsigned long i = pfn + 1; i < pfn + (1UL << order); i++)
		if (PageBuddy(pfn_to_page(i)))
			return fail(arg, "pfn %#lx inside free block %#lx order %u is PageBuddy", i,
				    pfn, order);
	if (!mark(arg, pfn, order, FRAME_FREE))
		return false;
	count(arg, pfn, order, CENSUS_FREE);
	return true;
}

/* Caller holds zone->lock. */
static void check_zone_free_lists(struct checker *c, struct zone *zone)
{
	if (!__zone_free_lists_valid(zone, mark_free_block, c, c->msg, c->len) ||
	    !zone_pageblocks_valid(zone, c->msg, c->len))
		fail_validator(c);
}

static unsigned int pcp_list_order(int pindex)
{
	if (pindex < NR_LOWORDER_PCP_LISTS)
		return pindex / MIGRATE_PCPTYPES;
	return pageblock_order;
}

/* Caller holds pcp->lock. */
static void check_pcp(struct checker *c, struct per_cpu_pages *pcp, int cpu)
{
	long pages = 0;

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
			if (mark(c, page_to_pfn(page), order, FRAME_PCP))
				count(c, page_to_pfn(page), order, CENSUS_PCP);
			pages += 1L << order;
		}
	}
	if (!c->err && pages != pcp->count)
		fail(c, "cpu %d: pcp count is %d but its lists hold %ld pages", cpu, pcp->count, pages);
}

/* The frames of live allocations; @unseen: only those the walk has not seen yet. */
static void check_allocations(struct checker *c, bool unseen)
{
	for (unsigned long pfn = 0; pfn < c->end && !c->err; pfn++) {
		struct page *page = pfn_to_page(pfn);
		int order;

		if (unseen && c->state[pfn] != FRAME_UNSEEN)
			continue;
		order = page_owner_order(page);
		if (order < 0)
			continue;
		if (PageBuddy(page) || (page_ref_count(page) <= 0 && !hugetlb_folio_free(page)))
			fail(c, "allocated pfn %#lx (order %d) has buddy=%d refcount=%d",
			     pfn, order, PageBuddy(page), page_ref_count(page));
		else if (PageHead(page) && !compound_page_valid(page, order, c->msg, c->len))
			fail_validator(c);
		else if (mark(c, pfn, order, FRAME_ALLOCATED))
			count(c, pfn, order, census_alloc_state(page));
	}
}

/* Reserved frames: PG_reserved, in no allocation, never given to the buddy. */
static void check_reserved(struct checker *c)
{
	for (unsigned long pfn = 0; pfn < c->end && !c->err; pfn++) {
		struct page *page = pfn_to_page(pfn);

		if (!PageReserved(page) || page_owner_order(page) >= 0)
			continue;
		if (mark(c, pfn, 0, FRAME_RESERVED))
			count(c, pfn, 0, CENSUS_RESERVED);
	}
}

/* Every tail page belongs to an allocated compound page whose order covers it. */
static void check_tails(struct checker *c)
{
	for (unsigned long pfn = 0; pfn < c->end && !c->err; pfn++) {
		struct page *page = pfn_to_page(pfn), *head;
		unsigned long head_pfn;

		if (!PageTail(page) && !(READ_ONCE(page->compound_head) & 1))
			continue;
		head = compound_head(page);
		if (!PageTail(page) || !(READ_ONCE(page->compound_head) & 1)) {
			fail(c, "pfn %#lx: PG_tail %d but compound_head %#lx", pfn, PageTail(page),
			     READ_ONCE(page->compound_head));
			break;
		}
		head_pfn = page_to_pfn(head);
		if (head_pfn >= pfn || !PageHead(head) || page_owner_order(head) < 0 ||
		    pfn - head_pfn >= folio_nr_pages(head))
			fail(c, "tail pfn %#lx points at pfn %#lx, not a compound page covering it",
			     pfn, head_pfn);
	}
}

static void check_all_accounted(struct checker *c)
{
	for (unsigned long pfn = 0; pfn < c->end && !c->err; pfn++) {
		if (c->state[pfn] == FRAME_UNSEEN) {
			if (c->dump)
				dump_page(pfn_to_page(pfn), "frame not accounted for");
			fail(c, "pfn %#lx is not accounted for (not free, not on a pcp list, "
			     "not reserved, not allocated)", pfn);
		}
	}
}

static bool check_lru_page(struct page *page, enum lru_list lru, void *arg)
{
	struct checker *c = arg;
	unsigned long pfn = page_to_pfn(page);

	if (!PageLRU(page) || c->state[pfn] != FRAME_ALLOCATED)
		return fail(c, "LRU list %u holds pfn %#lx (lru=%d active=%d %s)", lru, pfn,
			    PageLRU(page), PageActive(page), frame_state_names[c->state[pfn]]);
	return true;
}

static void check_lru(struct checker *c, struct lruvec *lruvec)
{
	unsigned long on_lists = 0, flagged = 0;

	spin_lock(&lruvec->lru_lock);
	if (!__lruvec_valid(lruvec, check_lru_page, c, c->msg, c->len))
		fail_validator(c);
	for (unsigned int lru = 0; lru < NR_LRU_LISTS; lru++)
		on_lists += node_page_state(&contig_page_data, NR_LRU_BASE + lru);
	spin_unlock(&lruvec->lru_lock);
	for (unsigned long pfn = 0; pfn < c->end; pfn++)	/* a THP: its head */
		if (PageLRU(pfn_to_page(pfn)))
			flagged += folio_nr_pages(pfn_to_page(pfn));
	if (!c->err && flagged != on_lists)
		fail(c, "%lu pages are PageLRU but the LRU lists hold %lu", flagged, on_lists);
}

struct mapping_census {
	struct checker *c;
	int *ptes;			/* present PTEs per pfn */
	int *pmds;			/* huge PMDs per folio head pfn */
	unsigned long tables;
};

static bool count_mapping(struct page *page, bool pmd, void *arg)
{
	struct mapping_census *census = arg;

	if (page_to_pfn(page) >= census->c->end)
		return fail(census->c, "pfn %#lx is mapped but its struct page is not initialised",
			    page_to_pfn(page));
	if (pmd)
		census->pmds[page_to_pfn(page)]++;
	else
		census->ptes[page_to_pfn(page)]++;
	return true;
}

/* A large folio's entire mapcount is the huge PMDs mapping it. */
static void check_pmd_mappings(struct checker *c, const struct mapping_census *census,
			       unsigned long pfn)
{
	struct page *page = pfn_to_page(pfn);
	int entire = PageHead(page) ? folio_entire_mapcount(page) : 0;

	if (census->pmds[pfn] != entire)
		fail(c, "pfn %#lx: entire mapcount %d but %d huge PMDs map it", pfn, entire,
		     census->pmds[pfn]);
}

static void census_mm(struct mm_struct *mm, void *arg)
{
	struct mapping_census *census = arg;

	if (census->c->err)
		return;
	if (!__mm_pgtables_valid(mm, count_mapping, census, census->c->msg, census->c->len))
		fail_validator(census->c);
	census->tables += mm_pgtable_pages(mm);
}

static void check_mappings(struct checker *c)
{
	struct mapping_census census = { .c = c };

	census.ptes = calloc(c->end, sizeof(*census.ptes));
	census.pmds = calloc(c->end, sizeof(*census.pmds));
	if (!census.ptes || !census.pmds) {
		free(census.ptes);
		free(census.pmds);
		fail(c, "out of memory");
		return;
	}
	for_each_mm(census_mm, &census);
	for (unsigned long pfn = 0; pfn < c->end && !c->err; pfn++) {
		struct page *page = pfn_to_page(pfn);

		check_pmd_mappings(c, &census, pfn);
		if (c->err)
			break;
		if (census.ptes[pfn] != page_mapcount(page))
			fail(c, "pfn %#lx: mapcount %d but %d PTEs map it", pfn,
			     page_mapcount(page), census.ptes[pfn]);
		else if (PageCompound(page))
			continue;	/* compound_page_valid(): the folio's refs cover them */
		else if (census.ptes[pfn] > page_ref_count(page))
			fail(c, "pfn %#lx: %d PTEs map it but it has %d references", pfn,
			     census.ptes[pfn], page_ref_count(page));
	}
	if (!c->err && (long)census.tables != node_page_state(&contig_page_data, NR_PAGETABLE))
		fail(c, "the mms hold %lu page-table pages but NR_PAGETABLE is %ld",
		     census.tables, node_page_state(&contig_page_data, NR_PAGETABLE));
	free(census.ptes);
	free(census.pmds);
}

/* Does the walk miss a frame yet? */
static bool frames_unseen(const struct checker *c)
{
	return memchr(c->state, FRAME_UNSEEN, c->end) != NULL;
}

/*
 * Every pcp->lock of every zone, in cpu order, then its zone->lock: while
 * they are held no block enters or leaves a free list, so the walk sees
 * each one once. Other paths hold one pcp->lock at a time, and take
 * zone->lock inside it (docs/locking.md).
 */
static void lock_free_lists(void)
{
	struct zone *zone;

	for_each_populated_zone(zone) {
		for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++) {
			if (cpu)
				spin_lock_nested(&zone->per_cpu_pageset[cpu].lock);
			else
				spin_lock(&zone->per_cpu_pageset[cpu].lock);
		}
		spin_lock(&zone->lock);
	}
}

static void unlock_free_lists(void)
{
	struct zone *zone;

	for_each_populated_zone(zone) {
		spin_unlock(&zone->lock);
		for (unsigned int cpu = nr_cpu_ids; cpu-- > 0;)
			spin_unlock(&zone->per_cpu_pageset[cpu].lock);
	}
}

/*
 * Find every frame exactly once, counting the census; c->state is filled.
 * With the free lists locked, the allocations are read first: a block
 * freed meanwhile waits for the locks, so it is seen once, as allocated.
 * A block allocated just before the locks were taken is recorded by
 * page_owner only after post_alloc_hook() has checked (and maybe zeroed)
 * it, which needs none of these locks: the frames not seen yet are read
 * again, yielding the CPU in between, up to SETTLE_TRIES times. Only a
 * block freed just before (no longer recorded, and waiting for the locks
 * to go on a list) or a free page a compactor holds is missed.
 */
static void walk_frames(struct checker *c)
{
	struct zone *zone;

	lock_free_lists();
	check_allocations(c, false);
	if (!c->err)
		check_reserved(c);
	for_each_populated_zone(zone) {
		for (unsigned int cpu = 0; cpu < nr_cpu_ids && !c->err; cpu++)
			check_pcp(c, &zone->per_cpu_pageset[cpu], cpu);
		if (!c->err)
			check_zone_free_lists(c, zone);
	}
	for (int i = 0; i < SETTLE_TRIES && !c->err && frames_unseen(c); i++) {
		sched_yield();
		check_allocations(c, true);
	}
	unlock_free_lists();
	if (!c->err)
		check_all_accounted(c);
}

/*
 * The frames above pgdat_init_end_pfn() have no struct page yet: they are
 * counted reserved (out of the allocator and of managed pages, as the
 * kernel keeps them until deferred init frees them) and never read. page_alloc_init_late() first waits for
 * the pgdatinit helpers of a threaded machine, so only a deterministic
 * machine (or one booted with deferred init in the background and still
 * growing) has any.
 */
static int checker_init(struct checker *c, struct frame_census *census, char *msg, size_t len)
{
	*c = (struct checker){ .msg = msg, .len = len, .census = census };
	memset(census, 0, sizeof(*census));
	msg[0] = '\0';
	page_alloc_init_late();
	c->end = pgdat_init_end_pfn(&contig_page_data);
	census->nr[CENSUS_RESERVED] = machine.max_pfn - c->end;
	census->init_end = c->end;
	c->state = calloc(c->end, 1);
	return c->state ? 0 : -ENOMEM;
}

/**
 * check_frames_map() - account for every frame, count the frame census,
 * and say which state each frame is in.
 * @census: receives the frames of each state (zeroed first).
 * @map: receives each frame's enum census_state, one byte per pfn below
 *	@census->init_end (the frames above it are reserved: deferred struct
 *	page init has not reached them); NULL: not wanted.
 * @msg: receives the first problem found.
 * @len: its size.
 *
 * The first part of check_invariants(): the free lists, per-cpu lists and
 * pageblocks validated, every frame found exactly once. A frame moving
 * while the walk runs can be seen twice or not at all: on a machine that
 * other threads change, an error may be a race, not a bug, and the
 * caller may try again.
 *
 * Context: takes page_reporting_mutex (may sleep), then every pcp->lock and
 * zone->lock at once for the walk (allocations and frees wait meanwhile).
 * Return: 0 with @census adding up to every frame of the machine,
 * -EUCLEAN with @msg set, or -ENOMEM.
 */
int check_frames_map(struct frame_census *census, unsigned char *map, char *msg, size_t len)
{
	struct checker c;

	if (checker_init(&c, census, msg, len))
		return -ENOMEM;
	c.map = map;
	page_reporting_lock();
	walk_frames(&c);
	page_reporting_unlock();
	free(c.state);
	return c.err;
}

/**
 * check_frames() - account for every frame, and count the frame census:
 * check_frames_map() without the map.
 * @census: receives the frames of each state.
 * @msg: receives the first problem found.
 * @len: its size.
 *
 * Context: as check_frames_map().
 * Return: as check_frames_map().
 */
int check_frames(struct frame_census *census, char *msg, size_t len)
{
	return check_frames_map(census, NULL, msg, len);
}

/**
 * check_invariants() - account for every frame, run every structure's
 * validator, and check what crosses structures.
 * @msg: receives the first problem found.
 *
 * Context: takes page_reporting_mutex for the whole check, then every
 * pcp->lock and zone->lock at once, then lru_lock, the mm list lock, and the
 * balloon's and KSM's locks; the result is exact only while no other
 * thread changes the machine.
 * Return: 0, -EUCLEAN with @msg set, or -ENOMEM.
 */
int check_invariants(char *msg, size_t len)
{
	struct frame_census census;
	struct checker c;

	if (checker_init(&c, &census, msg, len))
		return -ENOMEM;
	c.dump = true;
	page_reporting_lock();
	walk_frames(&c);
	if (!c.err)
		check_tails(&c);
	if (!c.err)
		c.err = census_check_counters(&census, msg, len);
	if (!c.err)
		check_lru(&c, &contig_page_data.__lruvec);
	if (!c.err)
		check_mappings(&c);
	if (!c.err)
		c.err = virtio_balloon_check(msg, len);
	if (!c.err)
		c.err = ksm_validate(msg, len);
	if (!c.err && !hugetlb_pool_valid(msg, len))
		c.err = -EUCLEAN;
	page_reporting_unlock();
	free(c.state);
	return c.err;
}
