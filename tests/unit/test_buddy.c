/* SPDX-License-Identifier: MIT */
/*
 * test_buddy.c - the buddy allocator's split and merge: boot state, blocks
 * of every order, alignment, exhaustion, __GFP_ZERO, references, and the
 * bad-page checks on free.
 */
#include "unit/alloc_test.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void test_boot_state(void **state)
{
	assert_int_equal(nr_free_pages(), TEST_PAGES);
	assert_int_equal(free_list_len(MAX_PAGE_ORDER, MIGRATE_MOVABLE), 16);
	for (unsigned int order = 0; order < MAX_PAGE_ORDER; order++)
		assert_int_equal(area_nr_free(order), 0);
	/* The kernel counts boot-time frees as pgfree too. */
	assert_int_equal(vm_event_sum(PGFREE), TEST_PAGES);
	assert_int_equal(vm_event_sum(PGALLOC_NORMAL), 0);
	assert_invariants();
}

/*
 * Order-0 pages come off this cpu's list, which is refilled 3 at a time by
 * splitting the first order-10 block: pfns 0, 1, 2, ... in order.
 */
static void test_split_then_merge(void **state)
{
	struct page *pages[100];
	struct buddyinfo_row row;

	assert_int_equal(cpu_bind_current(0), 0);
	for (int i = 0; i < 100; i++) {
		pages[i] = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
		assert_non_null(pages[i]);
		assert_int_equal(page_to_pfn(pages[i]), i);
	}
	/* 34 refills of 3: 102 pages left the buddy, 2 wait on the pcp list. */
	assert_int_equal(nr_free_pages(), TEST_PAGES - 102);
	assert_int_equal(pcp_count(0), 2);
	assert_int_equal(vm_event_sum(PGALLOC_NORMAL), 100);
	/* What remains of block 0, pfns 102..1023, is 2+8+16+128+256+512 pages ... */
	assert_int_equal(buddyinfo_snapshot(&row, 1), 1);
	for (unsigned int order = 0; order < MAX_PAGE_ORDER; order++)
		assert_int_equal(row.nr_free[order], (922UL >> order) & 1);
	assert_int_equal(row.nr_free[MAX_PAGE_ORDER], 15);
	assert_invariants();

	for (int i = 0; i < 100; i++)
		__free_pages(pages[i], 0);
	assert_int_equal(vm_event_sum(PGFREE), TEST_PAGES + 100);
	/* ... and after a drain, block 0 is whole again. */
	assert_zone_reassembled();
	assert_int_equal(buddyinfo_snapshot(&row, 1), 1);
	assert_int_equal(row.nr_free[MAX_PAGE_ORDER], 16);
}

static void assert_clean_allocated(struct page *page, unsigned int order)
{
	assert_int_equal(page_ref_count(page), 1);
	assert_int_equal(page_owner_order(page), order);
	assert_false(page_has_type(page));
	assert_int_equal(READ_ONCE(page->flags) & PAGE_FLAGS_MASK, 0);
	assert_ptr_equal(page_zone(page), test_zone());
	assert_true(IS_ALIGNED(page_to_pfn(page), 1UL << order));
	for (unsigned long i = 1; i < 1UL << order; i++) {
		assert_int_equal(page_ref_count(page + i), 0);
		assert_false(PageBuddy(page + i));
	}
}

static void test_every_order(void **state)
{
	static const gfp_t gfps[] = { GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_KERNEL_RECLAIMABLE };
	struct page *held[3][11];

	for (int t = 0; t < 3; t++) {
		for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++) {
			held[t][order] = alloc_pages(gfps[t], order);
			assert_non_null(held[t][order]);
			assert_clean_allocated(held[t][order], order);
		}
	}
	assert_invariants();	/* also proves that no two blocks overlap */
	for (int t = 0; t < 3; t++)
		for (unsigned int order = 0; order <= MAX_PAGE_ORDER; order++)
			__free_pages(held[t][order], order);
	assert_zone_reassembled();
}

static void test_bad_order_and_gfp(void **state)
{
	assert_null(alloc_pages(GFP_KERNEL | __GFP_NOWARN, MAX_PAGE_ORDER + 1));
	assert_null(alloc_pages(GFP_KERNEL | __GFP_MOVABLE | __GFP_RECLAIMABLE, 0));
	assert_int_equal(nr_free_pages(), TEST_PAGES);
}

/* Mixed orders held at once never overlap and are naturally aligned. */
static void test_alignment_mixed(void **state)
{
	static const unsigned int orders[] = { 0, 3, 1, 9, 2, 0, 5, 10, 4, 0, 7, 6, 8, 1, 3 };
	struct page *held[ARRAY_SIZE(orders)];
	unsigned char *seen = calloc(TEST_PAGES, 1);

	for (size_t i = 0; i < ARRAY_SIZE(orders); i++) {
		unsigned long pfn;

		held[i] = alloc_pages(i % 2 ? GFP_KERNEL : GFP_HIGHUSER_MOVABLE, orders[i]);
		assert_non_null(held[i]);
		pfn = page_to_pfn(held[i]);
		assert_true(IS_ALIGNED(pfn, 1UL << orders[i]));
		for (unsigned long p = pfn; p < pfn + (1UL << orders[i]); p++) {
			assert_int_equal(seen[p], 0);
			seen[p] = 1;
		}
	}
	free(seen);
	for (size_t i = 0; i < ARRAY_SIZE(orders); i++)
		__free_pages(held[i], orders[i]);
	assert_zone_reassembled();
}

/*
 * Exhaust the zone at order 0. Allocation k is allowed while NR_FREE_PAGES
 * exceeds the reserve its flags leave, checked before the per-cpu list is
 * used; refills take 3 pages. GFP_KERNEL stops at min (256): 16126 pages.
 * GFP_ATOMIC may go to min - min/2 - (min/2)/4 = 96: 162 more. Only
 * __GFP_MEMALLOC empties the zone: the last 96.
 */
static void test_exhaustion(void **state)
{
	static struct page *held[TEST_PAGES + 1];	/* + the NULL that ends each loop */
	unsigned long n = 0, kernel, atomic, memalloc;

	assert_int_equal(cpu_bind_current(0), 0);
	while ((held[n] = alloc_pages(GFP_KERNEL, 0)))
		n++;
	kernel = n;
	assert_int_equal(kernel, 16126);
	assert_int_equal(nr_free_pages(), TEST_WMARK_MIN);
	assert_null(alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER));
	assert_null(alloc_pages(GFP_KERNEL, 5));

	while ((held[n] = alloc_pages(GFP_ATOMIC, 0)))
		n++;
	atomic = n - kernel;
	assert_int_equal(atomic, 162);
	assert_int_equal(nr_free_pages(), 94);
	assert_int_equal(pcp_count(0), 2);

	while ((held[n] = alloc_pages(GFP_KERNEL | __GFP_MEMALLOC, 0)))
		n++;
	memalloc = n - kernel - atomic;
	assert_int_equal(memalloc, 96);
	assert_int_equal(nr_free_pages(), 0);
	assert_int_equal(pcp_count(0), 0);
	assert_null(alloc_pages(GFP_KERNEL | __GFP_MEMALLOC, 0));
	assert_invariants();

	for (unsigned long i = 0; i < n; i++)
		__free_pages(held[i], 0);
	assert_zone_reassembled();
}

static void test_gfp_zero(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 2);
	unsigned char *mem, zero[4 * PAGE_SIZE] = { 0 };
	unsigned long pfn;

	assert_non_null(page);
	pfn = page_to_pfn(page);
	memset(page_address(page), 0xaa, 4 * PAGE_SIZE);
	__free_pages(page, 2);

	/* The block waits on this cpu's list and comes back dirty ... */
	page = alloc_pages(GFP_KERNEL, 2);
	assert_int_equal(page_to_pfn(page), pfn);
	mem = page_address(page);
	assert_int_equal(mem[0], 0xaa);
	assert_int_equal(mem[4 * PAGE_SIZE - 1], 0xaa);
	__free_pages(page, 2);

	/* ... unless __GFP_ZERO asks for it to be cleared. */
	page = alloc_pages(GFP_KERNEL | __GFP_ZERO, 2);
	assert_int_equal(page_to_pfn(page), pfn);
	assert_memory_equal(page_address(page), zero, sizeof(zero));
	__free_pages(page, 2);
	assert_zone_reassembled();
}

/* A second reference keeps the block allocated; the last one frees it. */
static void test_second_reference(void **state)
{
	for (unsigned int order = 0; order <= 4; order += 4) {
		struct page *page = alloc_pages(GFP_KERNEL, order);
		long free_before = nr_free_pages();
		int pcp_before = pcp_count(smp_processor_id());

		get_page(page);
		assert_int_equal(page_ref_count(page), 2);
		__free_pages(page, order);
		assert_int_equal(page_ref_count(page), 1);
		assert_int_equal(page_owner_order(page), order);
		assert_int_equal(nr_free_pages(), free_before);
		assert_int_equal(pcp_count(smp_processor_id()), pcp_before);
		assert_invariants();

		__free_pages(page, order);
		assert_int_equal(page_ref_count(page), 0);
		assert_int_equal(page_owner_order(page), -1);
	}
	assert_zone_reassembled();
}

/*
 * A scanner's speculative reference (get_page_unless_zero() on a pfn, as
 * compaction's migrate scanner and isolate_movable_ops_page() take one)
 * lands on a block reallocated at a higher order; the owner frees it while
 * the scanner still holds the reference, so the scanner's put_page() is
 * the last one: it must free the whole block, at its order.
 */
static void test_speculative_reference_frees_block(void **state)
{
	for (unsigned int order = 0; order <= 4; order += 2) {
		struct page *page = alloc_pages(GFP_KERNEL, order);

		assert_true(get_page_unless_zero(page));	/* the scanner */
		__free_pages(page, order);			/* the owner */
		assert_int_equal(page_owner_order(page), order);
		put_page(page);					/* the scanner again */
		assert_int_equal(page_ref_count(page), 0);
		assert_int_equal(page_owner_order(page), -1);
		drain_all_pages(NULL);
		assert_int_equal(nr_free_pages(), TEST_PAGES);	/* nothing else is allocated */
		assert_invariants();
	}
	assert_zone_reassembled();
}

/* Freeing wipes what the last user left: flags, movable_ops, an anon mapping. */
static void test_free_cleans_page(void **state)
{
	struct page *page = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);

	SetPageMovableOps(page);
	SetPageDirty(page);
	SetPageSwapBacked(page);
	WRITE_ONCE(page->mapping, 0x1000 | FOLIO_MAPPING_ANON);
	__free_pages(page, 0);
	drain_all_pages(NULL);
	assert_false(PageMovableOps(page));
	assert_int_equal(READ_ONCE(page->flags) & PAGE_FLAGS_MASK, 0);
	assert_int_equal(READ_ONCE(page->mapping), 0);
	assert_zone_reassembled();
}

/* Run @fn in a child: a bad page must make it abort. */
static void assert_child_aborts(void (*fn)(void))
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		freopen("/dev/null", "w", stderr);
		fn();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

static void free_locked_page(void)
{
	struct page *page = alloc_pages(GFP_KERNEL, 0);

	__SetPageLocked(page);
	__free_pages(page, 0);
}

static void free_mapped_page(void)
{
	struct page *page = alloc_pages(GFP_KERNEL, 3);

	__atomic_store_n(&page->_mapcount, 0, __ATOMIC_RELAXED);
	__free_pages(page, 3);
}

/* Debug builds check every page of the block, not only the first. */
static void free_block_with_mapped_tail(void)
{
	struct page *page = alloc_pages(GFP_KERNEL, 3);

	__atomic_store_n(&page[5]._mapcount, 0, __ATOMIC_RELAXED);
	__free_pages(page, 3);
}

static void free_lru_page(void)
{
	struct page *page = alloc_pages(GFP_HIGHUSER_MOVABLE, MAX_PAGE_ORDER);

	SetPageLRU(page);
	__free_pages(page, MAX_PAGE_ORDER);
}

static void free_page_twice(void)
{
	struct page *page = alloc_pages(GFP_KERNEL, 4);

	__free_pages(page, 4);
	set_page_count(page, 1);
	__free_pages(page, 4);
}

static void test_bad_page_on_free(void **state)
{
	assert_child_aborts(free_locked_page);
	assert_child_aborts(free_mapped_page);
	if (PAGELAB_DEBUG >= 1)
		assert_child_aborts(free_block_with_mapped_tail);
	assert_child_aborts(free_lru_page);
	assert_child_aborts(free_page_twice);
	assert_invariants();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		machine_test(test_boot_state),
		machine_test(test_split_then_merge),
		machine_test(test_every_order),
		machine_test(test_bad_order_and_gfp),
		machine_test(test_alignment_mixed),
		machine_test(test_exhaustion),
		machine_test(test_gfp_zero),
		machine_test(test_second_reference),
		machine_test(test_speculative_reference_frees_block),
		machine_test(test_free_cleans_page),
		machine_test(test_bad_page_on_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
