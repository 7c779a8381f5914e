/* SPDX-License-Identifier: MIT */
/*
 * test_ksm.c - KSM through its internal API, re-expressing the kernel's
 * selftests (tools/testing/selftests/mm/ksm_tests.c and
 * ksm_functional_tests.c) with exact numbers, plus what they leave out:
 * chains and their pruning, smart scan, the advisor, fork, migration,
 * exit, the knobs' error rules, ksm_stat and the trace lines.
 *
 * Setup as ksm_tests does: sleep_millisecs=0 and pages_to_scan large
 * enough for a whole scan per batch; merging is started by
 * MADV_MERGEABLE (or the prctl switch), then run=1, then a wait for two
 * full scans. The machine is deterministic: ksmd's batches run on the
 * test's thread (ksm_wait_full_scans()), so counts are exact. The
 * selftests' "merged" check is two virtual pages mapping one frame
 * (range_maps_duplicates(), from /proc/self/pagemap there, follow_pfn
 * here). The fixture checks every invariant, ksm_validate() included,
 * after each test.
 */
#include "lib/machine_fixture.h"
#include <string.h>
#include <unistd.h>
#include "ksm/ksm.h"
#include "migrate/migrate.h"
#include "vm/huge_mm.h"

#define NR_PAGES	10

static void knob(const char *name, const char *value)
{
	assert_int_equal(ksm_knob_write(name, value), 0);
}

static long ksm(const char *name)
{
	long v;

	assert_int_equal(ksm_read(name, &v), 0);
	return v;
}

static long mm_stat(struct mm_struct *mm, const char *name)
{
	long v;

	assert_int_equal(ksm_mm_stat_read(mm, name, &v), 0);
	return v;
}

static long vm_event(const char *name)
{
	long v;

	assert_int_equal(vmstat_read(name, &v), 0);
	return v;
}

static unsigned long map(struct mm_struct *mm, unsigned long pages)
{
	unsigned long addr;

	assert_int_equal(do_mmap(mm, pages * PAGE_SIZE, false, &addr), 0);
	return addr;
}

static void fill_page(struct mm_struct *mm, unsigned long addr, int byte)
{
	static unsigned char buf[PAGE_SIZE];

	memset(buf, byte, PAGE_SIZE);
	assert_int_equal(access_mm(mm, addr, buf, PAGE_SIZE, true), 0);
}

/* allocate_memory() of the selftests: a private region, every byte @byte. */
static unsigned long allocate_memory(struct mm_struct *mm, unsigned long pages, int byte)
{
	unsigned long addr = map(mm, pages);

	for (unsigned long i = 0; i < pages; i++)
		fill_page(mm, addr + i * PAGE_SIZE, byte);
	return addr;
}

/* A page no other page equals: its index and @seed in every word. */
static void fill_unique(struct mm_struct *mm, unsigned long addr, uint64_t seed)
{
	static uint64_t buf[PAGE_SIZE / 8];

	for (unsigned long i = 0; i < PAGE_SIZE / 8; i++)
		buf[i] = seed * 0x9e3779b97f4a7c15ULL + i;
	assert_int_equal(access_mm(mm, addr, buf, PAGE_SIZE, true), 0);
}

static bool page_is(struct mm_struct *mm, unsigned long addr, int byte)
{
	static unsigned char buf[PAGE_SIZE];

	assert_int_equal(access_mm(mm, addr, buf, PAGE_SIZE, false), 0);
	for (unsigned long i = 0; i < PAGE_SIZE; i++)
		if (buf[i] != byte)
			return false;
	return true;
}

static unsigned long pfn_at(struct mm_struct *mm, unsigned long addr)
{
	unsigned long pfn = 0;

	assert_int_equal(follow_pfn(mm, addr, &pfn), 0);
	return pfn;
}

/* range_maps_duplicates(): do two pages of the range map one frame? */
static bool range_maps_duplicates(struct mm_struct *mm, unsigned long addr, unsigned long pages)
{
	unsigned long pfns[64];

	assert_true(pages <= ARRAY_SIZE(pfns));
	for (unsigned long i = 0; i < pages; i++) {
		if (follow_pfn(mm, addr + i * PAGE_SIZE, &pfns[i]))
			pfns[i] = 0;
		for (unsigned long j = 0; j < i; j++)
			if (pfns[i] && pfns[i] == pfns[j])
				return true;
	}
	return false;
}

/* The selftests' setup: ksmd fast, merging across nodes. */
static void ksm_setup(void)
{
	knob("sleep_millisecs", "0");
	knob("pages_to_scan", "1000");
	knob("merge_across_nodes", "1");
}

/* ksm_start(): run=1, then wait until full_scans has grown by two. */
static void ksm_start(void)
{
	knob("run", "1");
	assert_int_equal(ksm_wait_full_scans(2, 0), 0);
}

static void ksm_scans(unsigned long nr)
{
	assert_int_equal(ksm_wait_full_scans(nr, 0), 0);
}

static void ksm_merge_pages(struct mm_struct *mm, unsigned long addr, unsigned long pages)
{
	assert_int_equal(ksm_madvise_range(mm, addr, pages * PAGE_SIZE, MADV_MERGEABLE), 0);
	ksm_start();
}

/*
 * assert_ksm_pages_count(): n merged pages give n/max_page_sharing full
 * KSM pages, plus one partly shared when the rest is 2 or more (a rest of
 * one page has no partner and stays unmerged).
 */
static void assert_ksm_pages_count(long n)
{
	long mps = ksm("max_page_sharing"), shared = ksm("pages_shared");
	long sharing = ksm("pages_sharing");

	if (n % mps == 0 || n % mps == 1) {
		assert_int_equal(shared, n / mps);
		assert_int_equal(sharing, shared * (mps - 1));
	} else {
		assert_int_equal(shared, n / mps + 1);
		assert_int_equal(sharing, n - shared);
	}
}

static long free_pages_now(void)
{
	drain_all_pages(NULL);
	return global_zone_page_state(NR_FREE_PAGES);
}

/* ------------------------------------------------------------------ */
/* ksm_tests.c                                                         */

/* ksm_tests -M -p 10: ten pages of '*' merge into one KSM page. */
static void test_merge_10_pages(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr, kpfn;
	long before;

	ksm_setup();
	addr = allocate_memory(mm, NR_PAGES, '*');
	before = free_pages_now();
	ksm_merge_pages(mm, addr, NR_PAGES);
	assert_ksm_pages_count(NR_PAGES);
	assert_int_equal(ksm("pages_shared"), 1);
	assert_int_equal(ksm("pages_sharing"), 9);
	assert_int_equal(ksm("pages_unshared"), 0);
	assert_int_equal(ksm("pages_volatile"), 0);
	assert_int_equal(ksm("full_scans"), 2);
	/* Scan 0 sees ten new pages (volatile), scan 1 merges them. */
	assert_int_equal(ksm("pages_scanned"), 2 * NR_PAGES);
	/* (pages_sharing + 0 zero pages) * 4096 - 10 rmap_items * 64 bytes */
	assert_int_equal(ksm("general_profit"), 9 * 4096 - 10 * 64);
	assert_int_equal(mm_stat(mm, "ksm_merging_pages"), NR_PAGES);
	assert_int_equal(mm_stat(mm, "ksm_rmap_items"), NR_PAGES);
	assert_int_equal(mm_stat(mm, "ksm_process_profit"), 10 * 4096 - 10 * 64);
	kpfn = pfn_at(mm, addr);
	assert_true(PageKsm(pfn_to_page(kpfn)));
	assert_int_equal(page_mapcount(pfn_to_page(kpfn)), NR_PAGES);
	for (int i = 0; i < NR_PAGES; i++) {
		assert_int_equal(pfn_at(mm, addr + i * PAGE_SIZE), kpfn);
		assert_true(page_is(mm, addr + i * PAGE_SIZE, '*'));
	}
	assert_int_equal(get_mm_counter(mm, MM_ANONPAGES), NR_PAGES);
	assert_int_equal(free_pages_now(), before + 9);
	assert_invariants();
	mmput(mm);
}

/* ksm_tests -U: two merged pages written once each are copied (cow_ksm),
 * and one more scan finds the KSM page gone: no page is shared. */
static void test_unmerge_by_cow(void **state)
{
	struct mm_struct *mm = mm_alloc();
	long cow = vm_event("cow_ksm");
	unsigned long addr;

	ksm_setup();
	addr = allocate_memory(mm, 2, '*');
	ksm_merge_pages(mm, addr, 2);
	assert_ksm_pages_count(2);
	assert_int_equal(access_mm(mm, addr, "-", 1, true), 0);
	assert_int_equal(access_mm(mm, addr + PAGE_SIZE, "+", 1, true), 0);
	assert_int_equal(vm_event("cow_ksm") - cow, 2);
	ksm_scans(1);
	assert_ksm_pages_count(0);
	assert_int_equal(ksm("pages_shared"), 0);
	assert_int_equal(ksm("pages_sharing"), 0);
	assert_false(range_maps_duplicates(mm, addr, 2));
	assert_true(!page_is(mm, addr, '*') && !page_is(mm, addr + PAGE_SIZE, '*'));
	mmput(mm);
}

/* ksm_tests -Z -z 0: zero-filled pages merge like any content. */
static void test_zero_pages_merge_normally(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr;

	ksm_setup();
	knob("use_zero_pages", "0");
	addr = allocate_memory(mm, NR_PAGES, 0);
	ksm_merge_pages(mm, addr, NR_PAGES);
	assert_ksm_pages_count(NR_PAGES);
	assert_int_equal(ksm("ksm_zero_pages"), 0);
	assert_true(range_maps_duplicates(mm, addr, NR_PAGES));
	mmput(mm);
}

/* ksm_tests -Z -z 1: zero-filled pages map the zero page instead: no KSM
 * page is made, the pages are freed, ksm_zero_pages counts them. */
static void test_use_zero_pages(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr, pfn;
	long before;

	ksm_setup();
	knob("use_zero_pages", "1");
	addr = allocate_memory(mm, NR_PAGES, 0);
	before = free_pages_now();
	ksm_merge_pages(mm, addr, NR_PAGES);
	assert_ksm_pages_count(0);
	assert_int_equal(ksm("ksm_zero_pages"), NR_PAGES);
	assert_int_equal(mm_stat(mm, "ksm_zero_pages"), NR_PAGES);
	assert_int_equal(get_mm_counter(mm, MM_ANONPAGES), 0);
	assert_int_equal(free_pages_now(), before + NR_PAGES);
	/* (0 sharing + 10 zero pages) * 4096 - 10 rmap_items * 64 */
	assert_int_equal(ksm("general_profit"), 10 * 4096 - 10 * 64);
	for (int i = 0; i < NR_PAGES; i++) {
		assert_int_equal(follow_pfn(mm, addr + i * PAGE_SIZE, &pfn), -ENOENT);
		assert_true(page_is(mm, addr + i * PAGE_SIZE, 0));
	}
	/* The pages are gone: the next scan finds nothing and frees the items. */
	ksm_scans(1);
	assert_int_equal(mm_stat(mm, "ksm_rmap_items"), 0);
	mmput(mm);
	assert_int_equal(ksm("ksm_zero_pages"), 0);
}

/*
 * ksm_tests with -m: max_page_sharing 2 and 3 over ten equal pages. Ten
 * pages and a limit of 2 make five KSM pages of two sharers each: the
 * first two pages merge into one; the third finds it full, enters the
 * unstable tree and merges with the fourth into a second KSM page, which
 * turns the tree node into a chain of two dups; and so on: one chain of
 * five dups. With 3: pages 1-3, 5-7 and 8-10 (the 4th and 8th wait in the
 * unstable tree for a partner): three dups, one chain, one page unshared.
 */
static void test_max_page_sharing_chains(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr;

	ksm_setup();
	assert_int_equal(ksm_knob_write("max_page_sharing", "1"), -EINVAL);
	knob("max_page_sharing", "2");
	addr = allocate_memory(mm, NR_PAGES, '*');
	ksm_merge_pages(mm, addr, NR_PAGES);
	assert_ksm_pages_count(NR_PAGES);
	assert_int_equal(ksm("pages_shared"), 5);
	assert_int_equal(ksm("pages_sharing"), 5);
	assert_int_equal(ksm("stable_node_chains"), 1);
	assert_int_equal(ksm("stable_node_dups"), 5);
	assert_int_equal(ksm("pages_unshared"), 0);
	for (int i = 0; i < NR_PAGES; i += 2)
		assert_int_equal(page_mapcount(pfn_to_page(pfn_at(mm, addr + i * PAGE_SIZE))), 2);
	assert_invariants();

	/* Busy while KSM pages exist; run=2 unmerges them all, then it may change. */
	assert_int_equal(ksm_knob_write("max_page_sharing", "3"), -EBUSY);
	knob("run", "2");
	assert_int_equal(ksm("pages_shared"), 0);
	assert_int_equal(ksm("stable_node_chains"), 0);
	assert_int_equal(ksm("stable_node_dups"), 0);
	knob("max_page_sharing", "3");
	ksm_start();
	assert_ksm_pages_count(NR_PAGES);
	assert_int_equal(ksm("pages_shared"), 3);
	assert_int_equal(ksm("pages_sharing"), 6);
	assert_int_equal(ksm("stable_node_chains"), 1);
	assert_int_equal(ksm("stable_node_dups"), 3);
	assert_int_equal(ksm("pages_unshared"), 1);
	for (int i = 0; i < NR_PAGES; i++)
		assert_true(page_is(mm, addr + i * PAGE_SIZE, '*'));
	mmput(mm);
}

/*
 * Stale dups of a chain are pruned only every
 * stable_node_chains_prune_millisecs. max_page_sharing 4: P's four pages
 * fill dup N1; Q's two pages make dup N2 and the chain [N2, N1]. P exits:
 * N1 loses its rmap_items and then its page, so it is stale, but still
 * counted as a dup. R's first page is merged through the chain: the
 * search stops at N2, which has room, and never looks at N1 (dups stay
 * 2). Once 2000 ms have passed, R's second page makes the search look at
 * every dup: N1 is dropped, and the chain, down to one dup, collapses
 * into N2 (chains 0, dups 0), which takes the page as its fourth sharer.
 */
static void test_chain_pruning(void **state)
{
	struct mm_struct *p = mm_alloc(), *q = mm_alloc(), *r = mm_alloc();
	unsigned long ra;

	ksm_setup();
	knob("max_page_sharing", "4");
	ksm_madvise_range(p, allocate_memory(p, 4, 'A'), 4 * PAGE_SIZE, MADV_MERGEABLE);
	ksm_start();
	ksm_madvise_range(q, allocate_memory(q, 2, 'A'), 2 * PAGE_SIZE, MADV_MERGEABLE);
	ksm_scans(2);
	assert_int_equal(ksm("stable_node_chains"), 1);
	assert_int_equal(ksm("stable_node_dups"), 2);
	assert_int_equal(ksm("pages_shared"), 2);
	assert_int_equal(ksm("pages_sharing"), 4);

	mmput(p);
	assert_int_equal(ksm("pages_shared"), 1);
	assert_int_equal(ksm("pages_sharing"), 1);
	assert_int_equal(ksm("stable_node_dups"), 2);

	ra = map(r, 2);
	fill_page(r, ra, 'A');
	ksm_madvise_range(r, ra, 2 * PAGE_SIZE, MADV_MERGEABLE);
	ksm_scans(2);
	assert_int_equal(mm_stat(r, "ksm_merging_pages"), 1);
	assert_int_equal(ksm("pages_sharing"), 2);
	assert_int_equal(ksm("stable_node_chains"), 1);
	assert_int_equal(ksm("stable_node_dups"), 2);
	assert_invariants();

	knob("run", "0");
	ksmd_step(2000);		/* the prune interval passes */
	knob("run", "1");
	fill_page(r, ra + PAGE_SIZE, 'A');
	ksm_scans(2);
	assert_int_equal(mm_stat(r, "ksm_merging_pages"), 2);
	assert_int_equal(ksm("stable_node_chains"), 0);
	assert_int_equal(ksm("stable_node_dups"), 0);
	assert_int_equal(ksm("pages_shared"), 1);
	assert_int_equal(ksm("pages_sharing"), 3);
	mmput(q);
	mmput(r);
}

/* A page merges on its second scan at the earliest: its checksum must be
 * the same twice. One full scan leaves all ten volatile. */
static void test_merge_needs_two_scans(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr;

	ksm_setup();
	addr = allocate_memory(mm, NR_PAGES, '*');
	assert_int_equal(ksm_madvise_range(mm, addr, NR_PAGES * PAGE_SIZE, MADV_MERGEABLE), 0);
	knob("run", "1");
	ksm_scans(1);
	assert_int_equal(ksm("pages_volatile"), NR_PAGES);
	assert_int_equal(ksm("pages_shared"), 0);
	/* A page rewritten before each scan never settles; the others merge. */
	for (int scan = 0; scan < 3; scan++) {
		fill_unique(mm, addr, scan + 1);
		ksm_scans(1);
	}
	assert_int_equal(ksm("pages_shared"), 1);
	assert_int_equal(ksm("pages_sharing"), NR_PAGES - 2);
	assert_int_equal(ksm("pages_volatile"), 1);
	assert_int_not_equal(pfn_at(mm, addr), pfn_at(mm, addr + PAGE_SIZE));
	mmput(mm);
}

/* The merge hook writes '#' over the page at hook_addr once. */
static struct mm_struct *hook_mm;
static unsigned long hook_addr;

/* Context: ksmd, holding the page lock: no lock may be taken, so the page
 * is recognised by its index, and written through its writable PTE. */
static void write_during_merge(struct page *page)
{
	if (!hook_mm || READ_ONCE(page->index) != hook_addr >> PAGE_SHIFT)
		return;
	fill_page(hook_mm, hook_addr, '#');
	hook_mm = NULL;
}

/*
 * A page written while it is being merged is never merged: the contents
 * are compared again once the page is write-protected. Scan 1: page 0
 * enters the unstable tree; page 1 finds it, becomes the new KSM page,
 * and page 0 is written as it is merged into page 1: the pair fails and
 * page 1 is an ordinary page again. Pages 2 and 3 (equal, and greater than
 * '#' page 0 in the tree) make a KSM page: 1 shared, 1 sharing. Page 0 is
 * written back to '*': scan 2 sees it changed and merges page 1 into the
 * KSM page (2 sharing); scan 3 merges page 0, which is written again as it
 * merges, and stays apart. Nothing written is lost.
 */
static void test_write_during_merge(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr;

	ksm_setup();
	addr = allocate_memory(mm, 4, '*');
	hook_mm = mm;
	hook_addr = addr;
	ksm_test_set_merge_hook(write_during_merge);
	ksm_merge_pages(mm, addr, 4);
	assert_true(page_is(mm, addr, '#'));
	assert_int_equal(ksm("pages_shared"), 1);
	assert_int_equal(ksm("pages_sharing"), 1);
	assert_false(PageKsm(pfn_to_page(pfn_at(mm, addr))));
	assert_false(PageKsm(pfn_to_page(pfn_at(mm, addr + PAGE_SIZE))));

	hook_mm = mm;
	hook_addr = addr;
	fill_page(mm, addr, '*');
	ksm_scans(2);
	assert_true(page_is(mm, addr, '#'));
	assert_int_equal(ksm("pages_sharing"), 2);
	ksm_test_set_merge_hook(NULL);
	for (int i = 1; i < 4; i++)
		assert_true(page_is(mm, addr + i * PAGE_SIZE, '*'));
	mmput(mm);
}

/* The merge hook pins the page at hook_addr once, as a GUP user would. */
static struct page *pinned_page;

static void pin_during_merge(struct page *page)
{
	if (pinned_page || READ_ONCE(page->index) != hook_addr >> PAGE_SHIFT)
		return;
	get_page(page);
	pinned_page = page;
}

/*
 * A pair merge that fails halfway leaves no KSM page behind. Pages 0 and
 * 1 are shared with a child by fork. In scan 1 (batches of 2 pages: the
 * parent's two, the child's two, the end) page 1 becomes the new KSM page,
 * then page 0, pinned, refuses to merge into it. Page 1, mapped by both
 * processes, becomes an ordinary anonymous page again (the kernel would
 * break only the parent's mapping and leave the child mapping a KSM page
 * no stable node knows: the validator catches that). Unpinned, the four
 * mappings then merge into one KSM page: 1 shared, 3 sharing.
 */
static void test_failed_pair_merge(void **state)
{
	struct mm_struct *parent = mm_alloc(), *child;
	unsigned long addr;
	int err;

	ksm_setup();
	knob("pages_to_scan", "2");
	addr = allocate_memory(parent, 2, '*');
	assert_int_equal(ksm_madvise_range(parent, addr, 2 * PAGE_SIZE, MADV_MERGEABLE), 0);
	child = dup_mm(parent, &err);
	assert_non_null(child);
	knob("run", "1");
	for (int batch = 0; batch < 3; batch++)
		assert_int_equal(ksmd_scan_once(), 0);
	assert_int_equal(ksm("full_scans"), 1);
	hook_addr = addr;
	ksm_test_set_merge_hook(pin_during_merge);
	assert_int_equal(ksmd_scan_once(), 0);
	ksm_test_set_merge_hook(NULL);
	assert_non_null(pinned_page);
	assert_false(PageKsm(pfn_to_page(pfn_at(child, addr + PAGE_SIZE))));
	assert_int_equal(ksm("pages_shared"), 0);
	assert_invariants();
	put_page(pinned_page);
	pinned_page = NULL;
	ksm_scans(2);
	assert_int_equal(ksm("pages_shared"), 1);
	assert_int_equal(ksm("pages_sharing"), 3);
	assert_int_equal(pfn_at(parent, addr), pfn_at(child, addr + PAGE_SIZE));
	mmput(child);
	mmput(parent);
}

/*
 * COW after merge: a write to one of ten merged pages copies it (cow_ksm),
 * the other nine keep the KSM page and its content. The next scan takes
 * the written page's rmap_item off the stable node: 1 shared, 8 sharing.
 */
static void test_cow_after_merge(void **state)
{
	struct mm_struct *mm = mm_alloc();
	long cow = vm_event("cow_ksm");
	unsigned long addr, kpfn;

	ksm_setup();
	addr = allocate_memory(mm, NR_PAGES, '*');
	ksm_merge_pages(mm, addr, NR_PAGES);
	kpfn = pfn_at(mm, addr);
	fill_page(mm, addr + 3 * PAGE_SIZE, '#');
	assert_int_equal(vm_event("cow_ksm") - cow, 1);
	assert_int_not_equal(pfn_at(mm, addr + 3 * PAGE_SIZE), kpfn);
	assert_true(page_is(mm, addr + 3 * PAGE_SIZE, '#'));
	assert_int_equal(page_mapcount(pfn_to_page(kpfn)), NR_PAGES - 1);
	for (int i = 0; i < NR_PAGES; i++)
		if (i != 3)
			assert_true(page_is(mm, addr + i * PAGE_SIZE, '*'));
	ksm_scans(1);
	assert_int_equal(ksm("pages_shared"), 1);
	assert_int_equal(ksm("pages_sharing"), NR_PAGES - 2);
	assert_int_equal(mm_stat(mm, "ksm_merging_pages"), NR_PAGES - 1);
	mmput(mm);
}

/* ------------------------------------------------------------------ */
/* ksm_functional_tests.c                                              */

/* test_unmerge: MADV_UNMERGEABLE leaves no duplicates, contents intact. */
static void test_unmerge(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr;

	ksm_setup();
	addr = allocate_memory(mm, NR_PAGES, 0xcf);
	ksm_merge_pages(mm, addr, NR_PAGES);
	assert_true(range_maps_duplicates(mm, addr, NR_PAGES));
	assert_int_equal(ksm_madvise_range(mm, addr, NR_PAGES * PAGE_SIZE, MADV_UNMERGEABLE), 0);
	assert_false(range_maps_duplicates(mm, addr, NR_PAGES));
	for (int i = 0; i < NR_PAGES; i++)
		assert_true(page_is(mm, addr + i * PAGE_SIZE, 0xcf));
	/* The rmap_items go when ksmd finds the VMA no longer mergeable. */
	ksm_scans(1);
	assert_int_equal(mm_stat(mm, "ksm_rmap_items"), 0);
	assert_int_equal(ksm("pages_shared"), 0);
	mmput(mm);
}

/*
 * Unmerging half of a range splits its VMA: the first five pages become
 * private copies, the last five stay merged. At the next scan the first
 * five rmap_items are freed (their VMA is not mergeable): each leaves the
 * stable node as a sharer, so 1 shared and 4 sharing remain.
 */
static void test_unmerge_half(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr, kpfn;

	ksm_setup();
	addr = allocate_memory(mm, NR_PAGES, 0xcf);
	ksm_merge_pages(mm, addr, NR_PAGES);
	kpfn = pfn_at(mm, addr);
	assert_int_equal(ksm_madvise_range(mm, addr, 5 * PAGE_SIZE, MADV_UNMERGEABLE), 0);
	assert_false(range_maps_duplicates(mm, addr, 5));
	assert_true(range_maps_duplicates(mm, addr + 5 * PAGE_SIZE, 5));
	assert_int_equal(page_mapcount(pfn_to_page(kpfn)), 5);
	ksm_scans(2);
	assert_int_equal(ksm("pages_shared"), 1);
	assert_int_equal(ksm("pages_sharing"), 4);
	assert_int_equal(mm_stat(mm, "ksm_rmap_items"), 5);
	assert_false(range_maps_duplicates(mm, addr, 5));
	for (int i = 0; i < NR_PAGES; i++)
		assert_true(page_is(mm, addr + i * PAGE_SIZE, 0xcf));
	/* The split region still unmaps as one. */
	assert_int_equal(do_munmap(mm, addr, NR_PAGES * PAGE_SIZE), 0);
	mmput(mm);
}

/* test_unmerge_zero_pages: unmerging half of ten KSM zero pages leaves
 * exactly half counted; writing the other half leaves none. */
static void test_unmerge_zero_pages(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr;

	ksm_setup();
	knob("use_zero_pages", "1");
	addr = allocate_memory(mm, NR_PAGES, 0);
	ksm_merge_pages(mm, addr, NR_PAGES);
	assert_int_equal(mm_stat(mm, "ksm_zero_pages"), NR_PAGES);
	assert_int_equal(ksm_madvise_range(mm, addr, 5 * PAGE_SIZE, MADV_UNMERGEABLE), 0);
	assert_int_equal(mm_stat(mm, "ksm_zero_pages"), 5);
	assert_int_equal(ksm("ksm_zero_pages"), 5);
	for (int i = 5; i < NR_PAGES; i++)
		fill_page(mm, addr + i * PAGE_SIZE, 0);
	assert_int_equal(mm_stat(mm, "ksm_zero_pages"), 0);
	assert_int_equal(ksm("ksm_zero_pages"), 0);
	assert_false(range_maps_duplicates(mm, addr, NR_PAGES));
	for (int i = 0; i < NR_PAGES; i++)
		assert_true(page_is(mm, addr + i * PAGE_SIZE, 0));
	mmput(mm);
}

/* test_unmerge_discarded: MADV_DONTNEED on half, then MADV_UNMERGEABLE on
 * all: no duplicates; the discarded half reads zero. */
static void test_unmerge_discarded(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr;

	ksm_setup();
	addr = allocate_memory(mm, NR_PAGES, 0xcf);
	ksm_merge_pages(mm, addr, NR_PAGES);
	assert_int_equal(madvise_dontneed(mm, addr, 5 * PAGE_SIZE), 0);
	assert_int_equal(ksm_madvise_range(mm, addr, NR_PAGES * PAGE_SIZE, MADV_UNMERGEABLE), 0);
	assert_false(range_maps_duplicates(mm, addr, NR_PAGES));
	for (int i = 0; i < NR_PAGES; i++)
		assert_true(page_is(mm, addr + i * PAGE_SIZE, i < 5 ? 0 : 0xcf));
	mmput(mm);
}

/* test_prctl: PR_SET_MEMORY_MERGE 1 makes GET return 1, 0 makes it 0;
 * stray arguments are -EINVAL. */
static void test_prctl(void **state)
{
	struct mm_struct *mm = mm_alloc();

	assert_int_equal(ksm_prctl(mm, PR_GET_MEMORY_MERGE, 0, 0, 0, 0), 0);
	assert_int_equal(ksm_prctl(mm, PR_SET_MEMORY_MERGE, 1, 0, 0, 0), 0);
	assert_int_equal(ksm_prctl(mm, PR_GET_MEMORY_MERGE, 0, 0, 0, 0), 1);
	assert_int_equal(mm_stat(mm, "ksm_merge_any"), 1);
	assert_int_equal(ksm_prctl(mm, PR_SET_MEMORY_MERGE, 1, 1, 0, 0), -EINVAL);
	assert_int_equal(ksm_prctl(mm, PR_GET_MEMORY_MERGE, 1, 0, 0, 0), -EINVAL);
	assert_int_equal(ksm_prctl(mm, 66, 0, 0, 0, 0), -EINVAL);
	assert_int_equal(ksm_prctl(mm, PR_SET_MEMORY_MERGE, 0, 0, 0, 0), 0);
	assert_int_equal(ksm_prctl(mm, PR_GET_MEMORY_MERGE, 0, 0, 0, 0), 0);
	assert_int_equal(mm_stat(mm, "ksm_merge_any"), 0);
	mmput(mm);
}

/* test_prctl_fork: a child inherits the switch, and its new memory merges. */
static void test_prctl_fork(void **state)
{
	struct mm_struct *parent = mm_alloc(), *child;
	unsigned long addr;
	int err;

	ksm_setup();
	assert_int_equal(ksm_prctl(parent, PR_SET_MEMORY_MERGE, 1, 0, 0, 0), 0);
	child = dup_mm(parent, &err);
	assert_non_null(child);
	assert_int_equal(ksm_prctl(child, PR_GET_MEMORY_MERGE, 0, 0, 0, 0), 1);
	addr = allocate_memory(child, NR_PAGES, '*');
	assert_int_equal(mm_stat(child, "ksm_mergeable"), 1);
	ksm_start();
	assert_int_equal(mm_stat(child, "ksm_merging_pages"), NR_PAGES);
	assert_true(range_maps_duplicates(child, addr, NR_PAGES));
	mmput(child);
	mmput(parent);
}

/* test_prctl_unmerge: merged through the switch, unmerged by turning it off. */
static void test_prctl_unmerge(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr;

	ksm_setup();
	assert_int_equal(ksm_prctl(mm, PR_SET_MEMORY_MERGE, 1, 0, 0, 0), 0);
	addr = allocate_memory(mm, NR_PAGES, '*');
	ksm_start();
	assert_true(range_maps_duplicates(mm, addr, NR_PAGES));
	assert_int_equal(ksm_prctl(mm, PR_SET_MEMORY_MERGE, 0, 0, 0, 0), 0);
	assert_false(range_maps_duplicates(mm, addr, NR_PAGES));
	assert_int_equal(mm_stat(mm, "ksm_mergeable"), 0);
	mmput(mm);
}

/*
 * Merge after fork (and test_fork_ksm_merging_page_count): KSM pages stay
 * shared, write-protected, by parent and child; the child starts with
 * ksm_merging_pages 0; once ksmd has seen it, its ten pages join the
 * parent's stable node: 1 shared, 19 sharing. A write in the child copies.
 */
static void test_merge_after_fork(void **state)
{
	struct mm_struct *parent = mm_alloc(), *child;
	long cow = vm_event("cow_ksm");
	unsigned long addr, kpfn;
	int err;

	ksm_setup();
	addr = allocate_memory(parent, NR_PAGES, '*');
	ksm_merge_pages(parent, addr, NR_PAGES);
	kpfn = pfn_at(parent, addr);
	child = dup_mm(parent, &err);
	assert_non_null(child);
	assert_int_equal(mm_stat(child, "ksm_merging_pages"), 0);
	assert_int_equal(mm_stat(child, "ksm_rmap_items"), 0);
	assert_int_equal(page_mapcount(pfn_to_page(kpfn)), 2 * NR_PAGES);
	for (int i = 0; i < NR_PAGES; i++)
		assert_int_equal(pfn_at(child, addr + i * PAGE_SIZE), kpfn);
	ksm_scans(2);
	assert_int_equal(mm_stat(child, "ksm_merging_pages"), NR_PAGES);
	assert_int_equal(ksm("pages_shared"), 1);
	assert_int_equal(ksm("pages_sharing"), 2 * NR_PAGES - 1);
	fill_page(child, addr, '!');
	assert_int_equal(vm_event("cow_ksm") - cow, 1);
	assert_true(page_is(parent, addr, '*'));
	assert_true(page_is(child, addr, '!'));
	assert_invariants();
	mmput(parent);
	for (int i = 1; i < NR_PAGES; i++)
		assert_true(page_is(child, addr + i * PAGE_SIZE, '*'));
	mmput(child);
}

/* Pages a parent forked before merging merge too, in both processes. */
static void test_fork_then_merge(void **state)
{
	struct mm_struct *parent = mm_alloc(), *child;
	unsigned long addr;
	int err;

	ksm_setup();
	addr = allocate_memory(parent, NR_PAGES, '*');
	assert_int_equal(ksm_madvise_range(parent, addr, NR_PAGES * PAGE_SIZE, MADV_MERGEABLE), 0);
	child = dup_mm(parent, &err);
	assert_non_null(child);
	ksm_start();
	ksm_scans(1);
	assert_int_equal(pfn_at(parent, addr), pfn_at(child, addr + 9 * PAGE_SIZE));
	assert_int_equal(page_mapcount(pfn_to_page(pfn_at(parent, addr))), 2 * NR_PAGES);
	assert_int_equal(ksm("pages_shared") + ksm("pages_sharing"), 2 * NR_PAGES);
	assert_invariants();
	mmput(child);
	mmput(parent);
}

/* ------------------------------------------------------------------ */
/* What else the kernel's rules say                                    */

/* run=2 unmerges everything and forgets every rmap_item; mm slots stay,
 * full_scans starts again from 0, and run=1 merges again. */
static void test_run_unmerge_all(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr;

	ksm_setup();
	addr = allocate_memory(mm, NR_PAGES, '*');
	ksm_merge_pages(mm, addr, NR_PAGES);
	knob("run", "2");
	assert_false(range_maps_duplicates(mm, addr, NR_PAGES));
	assert_int_equal(ksm("pages_shared"), 0);
	assert_int_equal(ksm("pages_sharing"), 0);
	assert_int_equal(mm_stat(mm, "ksm_rmap_items"), 0);
	assert_int_equal(ksm("full_scans"), 0);
	assert_int_equal(ksm_wait_full_scans(1, 500), -ETIMEDOUT);	/* ksmd is off */
	ksm_start();
	assert_ksm_pages_count(NR_PAGES);
	mmput(mm);
}

/*
 * Smart scan: a page that never merges is visited (age 0, 1, 2) three
 * times, then skipped on 1 of 2 visits (ages 3-4), 2 of 3 (ages 5-7), 4
 * of 5 (ages 8-12)... Over eight full scans that is 3 skips per page
 * (visits 5, 7 and 8): 30 for ten unique pages, 50 pages scanned. With
 * smart_scan off, 80 are scanned and none skipped.
 */
static void test_smart_scan(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = map(mm, NR_PAGES);

	ksm_setup();
	for (int i = 0; i < NR_PAGES; i++)
		fill_unique(mm, addr + i * PAGE_SIZE, i);
	assert_int_equal(ksm_madvise_range(mm, addr, NR_PAGES * PAGE_SIZE, MADV_MERGEABLE), 0);
	knob("run", "1");
	ksm_scans(8);
	assert_int_equal(ksm("pages_skipped"), 30);
	assert_int_equal(ksm("pages_scanned"), 50);
	assert_int_equal(ksm("pages_shared"), 0);
	knob("smart_scan", "0");
	ksm_scans(8);
	assert_int_equal(ksm("pages_skipped"), 30);
	assert_int_equal(ksm("pages_scanned"), 130);
	mmput(mm);
}

/*
 * The scan-time advisor, on the deterministic clock (a full scan takes
 * less than a second, counted as 1 s; no CPU time is counted, so 1%):
 * pages_to_scan starts at advisor_min_pages_to_scan (500), then
 * 500 * 100 / (200 s * 100 / 1 s) * ewma(0, 100)=30 / 100 = 0, raised to
 * 10% of the CPU (500 per 1% * 10) = 5000; then 5000 -> 50000, capped by
 * advisor_max_pages_to_scan at 30000, where it stays.
 */
static void test_advisor(void **state)
{
	struct mm_struct *mm = mm_alloc();
	char buf[64];

	ksm_setup();
	ksm_madvise_range(mm, allocate_memory(mm, 4, '*'), 4 * PAGE_SIZE, MADV_MERGEABLE);
	knob("advisor_mode", "scan-time");
	assert_int_equal(ksm_knob_show("advisor_mode", buf, sizeof(buf)), 16);
	assert_string_equal(buf, "none [scan-time]");
	assert_int_equal(ksm("pages_to_scan"), 500);
	assert_int_equal(ksm_knob_write("pages_to_scan", "10"), -EINVAL);
	knob("run", "1");
	ksm_scans(1);
	assert_int_equal(ksm("pages_to_scan"), 5000);
	ksm_scans(1);
	assert_int_equal(ksm("pages_to_scan"), 30000);
	ksm_scans(1);
	assert_int_equal(ksm("pages_to_scan"), 30000);
	knob("advisor_mode", "none\n");
	assert_int_equal(ksm("pages_to_scan"), 100);
	assert_int_equal(ksm_knob_show("advisor_mode", buf, sizeof(buf)), 16);
	assert_string_equal(buf, "[none] scan-time");
	mmput(mm);
}

/* Every knob's parsing and errors, and the defaults. */
static void test_knob_rules(void **state)
{
	static const char *const defaults[][2] = {
		{ "run", "0" }, { "pages_to_scan", "100" }, { "sleep_millisecs", "20" },
		{ "max_page_sharing", "256" }, { "use_zero_pages", "0" },
		{ "merge_across_nodes", "1" }, { "smart_scan", "1" },
		{ "stable_node_chains_prune_millisecs", "2000" },
		{ "advisor_max_cpu", "70" }, { "advisor_min_pages_to_scan", "500" },
		{ "advisor_max_pages_to_scan", "30000" }, { "advisor_target_scan_time", "200" },
	};
	struct ksm_entry entries[KSM_MAX_ENTRIES];
	char buf[64];

	for (unsigned int i = 0; i < ARRAY_SIZE(defaults); i++) {
		ksm_knob_show(defaults[i][0], buf, sizeof(buf));
		assert_string_equal(buf, defaults[i][1]);
	}
	for (int i = 0; ksm_knob_names[i]; i++)
		assert_int_not_equal(ksm_knob_show(ksm_knob_names[i], buf, sizeof(buf)), -ENOENT);
	for (int i = 0; ksm_counter_names[i]; i++)
		assert_int_equal(ksm_knob_write(ksm_counter_names[i], "0"), -EACCES);
	assert_int_equal(ksm_snapshot(entries, KSM_MAX_ENTRIES), 24);
	assert_string_equal(entries[0].name, "sleep_millisecs");
	assert_int_equal(ksm_knob_write("no_such_knob", "1"), -ENOENT);
	assert_int_equal(ksm_knob_write("run", "3"), -EINVAL);
	assert_int_equal(ksm_knob_write("run", "-1"), -EINVAL);
	assert_int_equal(ksm_knob_write("run", "1x"), -EINVAL);
	knob("run", "0\n");
	assert_int_equal(ksm_knob_write("sleep_millisecs", "4294967296"), -EINVAL);
	knob("sleep_millisecs", "+7");
	assert_int_equal(ksm("sleep_millisecs"), 7);
	assert_int_equal(ksm_knob_write("max_page_sharing", "-5"), -EINVAL);
	assert_int_equal(ksm_knob_write("max_page_sharing", "2147483648"), -ERANGE);
	assert_int_equal(ksm_knob_write("max_page_sharing", "abc"), -EINVAL);
	assert_int_equal(ksm_knob_write("merge_across_nodes", "2"), -EINVAL);
	knob("merge_across_nodes", "0");
	assert_int_equal(ksm("merge_across_nodes"), 0);
	knob("use_zero_pages", "on");
	assert_int_equal(ksm("use_zero_pages"), 1);
	knob("use_zero_pages", "N");
	assert_int_equal(ksm("use_zero_pages"), 0);
	assert_int_equal(ksm_knob_write("use_zero_pages", "x"), -EINVAL);
	assert_int_equal(ksm_knob_write("smart_scan", "maybe"), -EINVAL);
	assert_int_equal(ksm_knob_write("advisor_mode", "fast"), -EINVAL);
	assert_int_equal(ksm_knob_write("advisor_target_scan_time", "0"), -EINVAL);
	assert_int_equal(ksm_knob_write("advisor_max_cpu", "-1"), -EINVAL);
}

/* merge_across_nodes may change only while no page is shared. */
static void test_merge_across_nodes_busy(void **state)
{
	struct mm_struct *mm = mm_alloc();

	ksm_setup();
	ksm_merge_pages(mm, allocate_memory(mm, 2, '*'), 2);
	assert_int_equal(ksm_knob_write("merge_across_nodes", "0"), -EBUSY);
	mmput(mm);
	/* The KSM page is gone with its mm: its stale node goes now. */
	knob("merge_across_nodes", "0");
}

/* madvise's own rules: shared memory is ignored, holes are -ENOMEM. */
static void test_madvise_rules(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long a = map(mm, 4), s;

	assert_int_equal(do_mmap(mm, 4 * PAGE_SIZE, true, &s), 0);
	assert_int_equal(ksm_madvise_range(mm, s, 4 * PAGE_SIZE, MADV_MERGEABLE), 0);
	assert_int_equal(mm_stat(mm, "ksm_mergeable"), 0);
	assert_false(test_bit(MMF_VM_MERGEABLE, &mm->flags));
	assert_int_equal(ksm_madvise_range(mm, a + 1, PAGE_SIZE, MADV_MERGEABLE), -EINVAL);
	assert_int_equal(ksm_madvise_range(mm, a, PAGE_SIZE, 4), -EINVAL);
	assert_int_equal(ksm_madvise_range(mm, a, 0, MADV_MERGEABLE), 0);
	/* The range runs past a's end into the guard gap: advised, then -ENOMEM. */
	assert_int_equal(ksm_madvise_range(mm, a + 2 * PAGE_SIZE, 4 * PAGE_SIZE, MADV_MERGEABLE),
			 -ENOMEM);
	assert_int_equal(mm_stat(mm, "ksm_mergeable"), 1);
	assert_true(test_bit(MMF_VM_MERGEABLE, &mm->flags));
	mmput(mm);
}

/*
 * Migration moves a KSM page and its stable node (kpfn) along: every
 * mapping, in the parent and in a child forked after the merge (found on
 * rmap_walk_ksm()'s second pass), points at the new frame; the content is
 * intact and the next scans still see one KSM page.
 */
static void test_migrate_ksm_page(void **state)
{
	struct mm_struct *parent = mm_alloc(), *child;
	unsigned long addr, old, new;
	int status, err;

	ksm_setup();
	addr = allocate_memory(parent, NR_PAGES, '*');
	ksm_merge_pages(parent, addr, NR_PAGES);
	old = pfn_at(parent, addr);
	child = dup_mm(parent, &err);
	assert_int_equal(move_pages_range(parent, addr, 1, &status), 1);
	assert_int_equal(status, 0);
	new = pfn_at(parent, addr);
	assert_int_not_equal(new, old);
	assert_true(PageKsm(pfn_to_page(new)));
	assert_false(PageKsm(pfn_to_page(old)));
	for (int i = 0; i < NR_PAGES; i++) {
		assert_int_equal(pfn_at(parent, addr + i * PAGE_SIZE), new);
		assert_int_equal(pfn_at(child, addr + i * PAGE_SIZE), new);
		assert_true(page_is(child, addr + i * PAGE_SIZE, '*'));
	}
	assert_int_equal(page_mapcount(pfn_to_page(new)), 2 * NR_PAGES);
	assert_invariants();
	ksm_scans(2);
	assert_int_equal(ksm("pages_shared"), 1);
	assert_int_equal(ksm("pages_sharing"), 2 * NR_PAGES - 1);
	mmput(child);
	mmput(parent);
}

/* try_to_unmap() reaches every mapping of a KSM page through its node. */
static void test_unmap_ksm_page(void **state)
{
	struct mm_struct *mm = mm_alloc();
	struct page *kpage;
	unsigned long addr;

	ksm_setup();
	addr = allocate_memory(mm, NR_PAGES, '*');
	ksm_merge_pages(mm, addr, NR_PAGES);
	kpage = pfn_to_page(pfn_at(mm, addr));
	get_page(kpage);
	lock_page(kpage);
	assert_true(try_to_unmap(kpage));
	unlock_page(kpage);
	assert_int_equal(page_mapcount(kpage), 0);
	put_page(kpage);		/* the last reference: the KSM page is freed */
	assert_true(page_is(mm, addr, 0));	/* no swap: the contents are gone */
	ksm_scans(1);
	assert_int_equal(ksm("pages_shared"), 0);
	mmput(mm);
}

/* A process exiting with KSM pages mapped frees them and every rmap_item. */
static void test_exit_frees_everything(void **state)
{
	long before = free_pages_now();
	struct mm_struct *a = mm_alloc(), *b = mm_alloc();

	ksm_setup();
	knob("use_zero_pages", "1");
	ksm_madvise_range(a, allocate_memory(a, NR_PAGES, '*'), NR_PAGES * PAGE_SIZE,
			  MADV_MERGEABLE);
	ksm_madvise_range(b, allocate_memory(b, NR_PAGES, '*'), NR_PAGES * PAGE_SIZE,
			  MADV_MERGEABLE);
	ksm_madvise_range(b, allocate_memory(b, 3, 0), 3 * PAGE_SIZE, MADV_MERGEABLE);
	ksm_start();
	assert_int_equal(ksm("pages_sharing"), 2 * NR_PAGES - 1);
	assert_int_equal(ksm("ksm_zero_pages"), 3);
	mmput(a);
	assert_int_equal(ksm("pages_sharing"), NR_PAGES - 1);
	mmput(b);
	assert_int_equal(ksm("pages_shared"), 0);
	assert_int_equal(ksm("pages_sharing"), 0);
	assert_int_equal(ksm("ksm_zero_pages"), 0);
	assert_int_equal(ksm("pages_volatile"), 0);
	assert_int_equal(free_pages_now(), before);
	assert_invariants();
}

/* /proc/PID/ksm_stat, six lines in the kernel's format. */
static void test_ksm_stat_format(void **state)
{
	struct mm_struct *mm = mm_alloc();
	char *text = NULL;
	size_t size;
	FILE *out = open_memstream(&text, &size);

	ksm_setup();
	ksm_merge_pages(mm, allocate_memory(mm, 4, '*'), 4);
	ksm_stat_show(mm, out);
	fclose(out);
	assert_string_equal(text, "ksm_rmap_items 4\nksm_zero_pages 0\nksm_merging_pages 4\n"
			    "ksm_process_profit 16128\nksm_merge_any: no\nksm_mergeable: yes\n");
	free(text);
	mmput(mm);
}

/* The trace lines, in the kernel's formats. */
static void test_trace_lines(void **state)
{
	struct mm_struct *mm = mm_alloc();
	char path[] = "/tmp/test_ksm_trace_XXXXXX", line[512];
	bool start = false, stop = false, merge = false, merge_ksm = false, remove = false;
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	close(fd);
	if (trace_enabled())
		skip();
	assert_int_equal(trace_open(path), 0);
	ksm_setup();
	ksm_merge_pages(mm, allocate_memory(mm, 3, '*'), 3);
	mmput(mm);
	knob("max_page_sharing", "100");	/* removes the node its exit left stale */
	trace_close();
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		start |= !!strstr(line, "ksm_start_scan: seq 1 rmap size 3");
		stop |= !!strstr(line, "ksm_stop_scan: seq 1 rmap size 3");
		merge |= strstr(line, "ksm_merge_with_ksm_page: pfn ") && strstr(line, "error 0");
		merge_ksm |= !!strstr(line, "ksm_merge_with_ksm_page: ksm pfn ");
		remove |= !!strstr(line, "ksm_remove_ksm_page: pfn ");
	}
	fclose(f);
	unlink(path);
	assert_true(start && stop && merge && merge_ksm && remove);
}

/* ------------------------------------------------------------------ */
/* Transparent huge pages                                              */

/*
 * A THP mapped by a PMD at a 2 MiB-aligned address of a new region of
 * @mm, page i filled with content number i (the same in every mm).
 */
static unsigned long map_thp(struct mm_struct *mm)
{
	unsigned long addr;

	assert_int_equal(do_mmap(mm, 2 * PMD_SIZE, false, &addr), 0);
	addr = ALIGN(addr, PMD_SIZE);
	for (unsigned long i = 0; i < HPAGE_PMD_NR; i++)
		fill_unique(mm, addr + i * PAGE_SIZE, i + 1);
	assert_int_equal(folio_entire_mapcount(page_folio(pfn_to_page(pfn_at(mm, addr)))), 1);
	return addr;
}

/* Pages @first..@last of the THP range hold what map_thp() wrote, unlocked. */
static void assert_thp_contents(struct mm_struct *mm, unsigned long addr, unsigned long first,
				unsigned long last)
{
	static uint64_t buf[PAGE_SIZE / 8];

	for (unsigned long i = first; i <= last; i++) {
		assert_false(PageLocked(pfn_to_page(pfn_at(mm, addr + i * PAGE_SIZE))));
		assert_int_equal(access_mm(mm, addr + i * PAGE_SIZE, buf, PAGE_SIZE, false), 0);
		for (unsigned long w = 0; w < PAGE_SIZE / 8; w += 97)
			assert_true(buf[w] == (i + 1) * 0x9e3779b97f4a7c15ULL + w);
	}
}

/* Pages @first..@last of the THP range: @a maps the KSM page @b maps there. */
static void assert_thp_merged(struct mm_struct *a, struct mm_struct *b, unsigned long addr,
			      unsigned long first, unsigned long last)
{
	for (unsigned long i = first; i <= last; i++) {
		unsigned long pfn = pfn_at(a, addr + i * PAGE_SIZE);

		assert_int_equal(pfn, pfn_at(b, addr + i * PAGE_SIZE));
		assert_true(PageKsm(pfn_to_page(pfn)));
	}
}

/*
 * Two mms, a THP each with the same 512 contents but for page 0: ksmd
 * sees each page under the PMDs (ksm_next_page_pmd_entry()), and the
 * first merge of a page of either THP, page 1, a tail, splits it
 * (split_huge_page(): thp_split_page, and thp_split_pmd for its PMD; the
 * caller's reference and lock end on page 1). b's THP is PTE-mapped
 * already (its last page dropped: the PMD split, thp_split_pmd 1): KSM
 * splits it the same. 510 KSM pages, each mapped twice; page 0 differs
 * and a's page 511 has no partner.
 */
static void test_thp_merge(void **state)
{
	struct mm_struct *a = mm_alloc(), *b = mm_alloc();
	unsigned long addr;

	assert_int_equal(thp_knob_write("enabled", "always"), 0);
	ksm_setup();
	addr = map_thp(a);
	assert_int_equal(map_thp(b), addr);
	fill_unique(b, addr, HPAGE_PMD_NR + 1);
	assert_int_equal(madvise_dontneed(b, addr + 511 * PAGE_SIZE, PAGE_SIZE), 0);
	assert_int_equal(vm_event("thp_fault_alloc"), 2);
	assert_int_equal(vm_event("thp_split_pmd"), 1);
	assert_int_equal(vm_event("nr_anon_transparent_hugepages"), 1);	/* PMD-mapped ones */
	assert_int_equal(ksm_madvise_range(a, addr, PMD_SIZE, MADV_MERGEABLE), 0);
	assert_int_equal(ksm_madvise_range(b, addr, PMD_SIZE, MADV_MERGEABLE), 0);
	ksm_start();
	assert_int_equal(ksm("pages_shared"), 510);
	assert_int_equal(ksm("pages_sharing"), 510);
	assert_int_equal(vm_event("thp_split_page"), 2);
	assert_int_equal(vm_event("thp_split_page_failed"), 0);
	assert_int_equal(vm_event("thp_split_pmd"), 2);
	assert_int_equal(vm_event("nr_anon_transparent_hugepages"), 0);
	assert_thp_merged(a, b, addr, 1, 510);
	assert_false(PageKsm(pfn_to_page(pfn_at(a, addr))));
	assert_false(PageKsm(pfn_to_page(pfn_at(b, addr))));
	assert_false(PageKsm(pfn_to_page(pfn_at(a, addr + 511 * PAGE_SIZE))));
	assert_thp_contents(a, addr, 0, 511);
	assert_thp_contents(b, addr, 1, 510);
	assert_invariants();
	mmput(b);
	mmput(a);
}

static void pin_first_merge(struct page *page)
{
	if (pinned_page)
		return;
	get_page(page);		/* a reference on the THP: its split fails */
	pinned_page = page;
}

/*
 * A THP whose split fails is not merged, and is tried again later. b's
 * THP is pinned as ksmd first merges one of its pages: every page of it
 * fails to split (thp_split_page_failed 512) and nothing merges; both
 * THPs stay. Unpinned, the next scan splits and merges as usual.
 */
static void test_thp_split_fails(void **state)
{
	struct mm_struct *a = mm_alloc(), *b = mm_alloc();
	unsigned long addr;

	assert_int_equal(thp_knob_write("enabled", "always"), 0);
	ksm_setup();
	addr = map_thp(a);
	assert_int_equal(map_thp(b), addr);
	assert_int_equal(ksm_madvise_range(a, addr, PMD_SIZE, MADV_MERGEABLE), 0);
	assert_int_equal(ksm_madvise_range(b, addr, PMD_SIZE, MADV_MERGEABLE), 0);
	ksm_test_set_merge_hook(pin_first_merge);
	ksm_start();
	ksm_test_set_merge_hook(NULL);
	assert_non_null(pinned_page);
	assert_ptr_equal(page_folio(pinned_page), page_folio(pfn_to_page(pfn_at(b, addr))));
	assert_int_equal(ksm("pages_shared"), 0);
	assert_int_equal(vm_event("thp_split_page"), 0);
	assert_int_equal(vm_event("thp_split_page_failed"), HPAGE_PMD_NR);
	assert_int_equal(vm_event("nr_anon_transparent_hugepages"), 2);
	assert_invariants();
	put_page(pinned_page);
	pinned_page = NULL;
	ksm_scans(1);
	assert_int_equal(ksm("pages_shared"), 512);
	assert_int_equal(ksm("pages_sharing"), 512);
	assert_int_equal(vm_event("thp_split_page"), 2);
	assert_int_equal(vm_event("nr_anon_transparent_hugepages"), 0);
	assert_thp_merged(a, b, addr, 0, 511);
	assert_thp_contents(b, addr, 0, 511);
	mmput(b);
	mmput(a);
}

/*
 * One THP of 512 equal pages: page 1 equals page 0 in the unstable tree,
 * but both hold a reference on the one folio, so the split fails
 * (thp_split_page_failed 1); ksmd splits it right after, with the tree
 * page's reference dropped (thp_split_page 1). Page 2 merges with page 0,
 * 3..511 into their KSM page; page 1 at the third scan: 1 shared, 511
 * sharing.
 */
static void test_thp_equal_pages(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr;

	assert_int_equal(thp_knob_write("enabled", "always"), 0);
	ksm_setup();
	knob("max_page_sharing", "512");	/* one KSM page, no chain */
	assert_int_equal(do_mmap(mm, 2 * PMD_SIZE, false, &addr), 0);
	addr = ALIGN(addr, PMD_SIZE);
	for (unsigned long i = 0; i < HPAGE_PMD_NR; i++)
		fill_page(mm, addr + i * PAGE_SIZE, '*');
	assert_int_equal(vm_event("nr_anon_transparent_hugepages"), 1);
	ksm_merge_pages(mm, addr, HPAGE_PMD_NR);
	assert_int_equal(vm_event("thp_split_page_failed"), 1);
	assert_int_equal(vm_event("thp_split_page"), 1);
	assert_int_equal(ksm("pages_shared"), 1);
	assert_int_equal(ksm("pages_sharing"), 510);
	assert_false(PageKsm(pfn_to_page(pfn_at(mm, addr + PAGE_SIZE))));
	ksm_scans(1);
	assert_int_equal(ksm("pages_sharing"), 511);
	for (unsigned long i = 0; i < HPAGE_PMD_NR; i++)
		assert_true(page_is(mm, addr + i * PAGE_SIZE, '*'));
	mmput(mm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		machine_test(test_merge_10_pages),
		machine_test(test_unmerge_by_cow),
		machine_test(test_zero_pages_merge_normally),
		machine_test(test_use_zero_pages),
		machine_test(test_max_page_sharing_chains),
		machine_test(test_chain_pruning),
		machine_test(test_merge_needs_two_scans),
		machine_test(test_write_during_merge),
		machine_test(test_failed_pair_merge),
		machine_test(test_cow_after_merge),
		machine_test(test_unmerge),
		machine_test(test_unmerge_half),
		machine_test(test_unmerge_zero_pages),
		machine_test(test_unmerge_discarded),
		machine_test(test_prctl),
		machine_test(test_prctl_fork),
		machine_test(test_prctl_unmerge),
		machine_test(test_merge_after_fork),
		machine_test(test_fork_then_merge),
		machine_test(test_run_unmerge_all),
		machine_test(test_smart_scan),
		machine_test(test_advisor),
		machine_test(test_knob_rules),
		machine_test(test_merge_across_nodes_busy),
		machine_test(test_madvise_rules),
		machine_test(test_migrate_ksm_page),
		machine_test(test_unmap_ksm_page),
		machine_test(test_exit_frees_everything),
		machine_test(test_ksm_stat_format),
		machine_test(test_trace_lines),
		machine_test(test_thp_merge),
		machine_test(test_thp_split_fails),
		machine_test(test_thp_equal_pages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
