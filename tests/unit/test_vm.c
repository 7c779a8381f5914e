/* SPDX-License-Identifier: MIT */
/*
 * test_vm.c - address spaces: fault paths, the zero page, copy-on-write
 * after fork, rmap walks over several generations of forks, shared memory,
 * MADV_DONTNEED, and munmap/exit returning every frame.
 */
#include "lib/machine_fixture.h"
#include <string.h>
#include "vm/mm.h"

#define REGION (64 * PAGE_SIZE)

static long free_pages_now(void)
{
	drain_all_pages(NULL);
	return global_zone_page_state(NR_FREE_PAGES);
}

static unsigned long map(struct mm_struct *mm, unsigned long len, bool shared)
{
	unsigned long addr;

	assert_int_equal(do_mmap(mm, len, shared, &addr), 0);
	return addr;
}

static void write_word(struct mm_struct *mm, unsigned long addr, uint64_t v)
{
	assert_int_equal(access_mm(mm, addr, &v, sizeof(v), true), 0);
}

static uint64_t read_word(struct mm_struct *mm, unsigned long addr)
{
	uint64_t v;

	assert_int_equal(access_mm(mm, addr, &v, sizeof(v), false), 0);
	return v;
}

static unsigned long pfn_at(struct mm_struct *mm, unsigned long addr)
{
	unsigned long pfn = 0;

	assert_int_equal(follow_pfn(mm, addr, &pfn), 0);
	return pfn;
}

static void test_read_fault_maps_zero_page(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = map(mm, REGION, false), pfn;

	assert_int_equal(read_word(mm, addr + 5 * PAGE_SIZE), 0);
	assert_int_equal(follow_pfn(mm, addr + 5 * PAGE_SIZE, &pfn), -ENOENT);
	assert_int_equal(get_mm_counter(mm, MM_ANONPAGES), 0);
	assert_int_equal(node_page_state(&contig_page_data, NR_ANON_MAPPED), 0);
	assert_invariants();
	mmput(mm);
}

static void test_write_fault_allocates(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = map(mm, REGION, false);
	struct page *page;

	read_word(mm, addr);			/* zero page first, then COW from it */
	write_word(mm, addr + 8, 0x1234);
	assert_int_equal(read_word(mm, addr + 8), 0x1234);
	assert_int_equal(read_word(mm, addr), 0);
	page = pfn_to_page(pfn_at(mm, addr));
	assert_true(PageAnon(page) && PageLRU(page) && PageAnonExclusive(page));
	assert_int_equal(page_mapcount(page), 1);
	assert_int_equal(page_ref_count(page), 1);
	assert_int_equal(get_mm_counter(mm, MM_ANONPAGES), 1);
	assert_int_equal(node_page_state(&contig_page_data, NR_INACTIVE_ANON), 1);
	assert_int_equal(access_mm(mm, addr + REGION, &(uint64_t){ 0 }, 8, true), -EFAULT);
	assert_invariants();
	mmput(mm);
}

static void test_access_spanning_pages(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = map(mm, REGION, false);
	unsigned char out[3 * PAGE_SIZE], in[3 * PAGE_SIZE];

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = i * 7;
	assert_int_equal(access_mm(mm, addr + 100, out, sizeof(out), true), 0);
	assert_int_equal(access_mm(mm, addr + 100, in, sizeof(in), false), 0);
	assert_memory_equal(in, out, sizeof(in));
	assert_int_equal(get_mm_counter(mm, MM_ANONPAGES), 4);
	mmput(mm);
}

static void test_cow_after_fork(void **state)
{
	struct mm_struct *parent = mm_alloc(), *child;
	unsigned long addr = map(parent, REGION, false);
	unsigned long shared_pfn;
	int err;

	write_word(parent, addr, 111);
	shared_pfn = pfn_at(parent, addr);
	child = dup_mm(parent, &err);
	assert_non_null(child);
	assert_int_equal(pfn_at(child, addr), shared_pfn);
	assert_int_equal(page_mapcount(pfn_to_page(shared_pfn)), 2);
	assert_false(PageAnonExclusive(pfn_to_page(shared_pfn)));
	assert_int_equal(read_word(child, addr), 111);

	write_word(child, addr, 222);		/* the child copies */
	assert_int_not_equal(pfn_at(child, addr), shared_pfn);
	assert_int_equal(read_word(parent, addr), 111);
	assert_int_equal(read_word(child, addr), 222);
	assert_int_equal(page_mapcount(pfn_to_page(shared_pfn)), 1);

	write_word(parent, addr, 333);		/* the parent is alone again: reuse */
	assert_int_equal(pfn_at(parent, addr), shared_pfn);
	assert_int_equal(read_word(child, addr), 222);
	assert_invariants();
	mmput(child);
	mmput(parent);
}

static void test_fork_of_unwritten_memory_reads_zero(void **state)
{
	struct mm_struct *parent = mm_alloc(), *child;
	unsigned long addr = map(parent, REGION, false);
	int err;

	read_word(parent, addr);
	child = dup_mm(parent, &err);
	assert_int_equal(read_word(child, addr), 0);
	assert_int_equal(read_word(child, addr + PAGE_SIZE), 0);
	write_word(child, addr, 5);
	assert_int_equal(read_word(parent, addr), 0);
	assert_invariants();
	mmput(parent);
	mmput(child);
}

/*
 * Generations: P forks A and B, A forks A1, B forks B1 and B2. A page the
 * parent wrote before the forks is mapped six times; rmap_walk() must
 * find every mapping, and try_to_unmap() must remove them all.
 */
static void test_rmap_walk_after_forks(void **state)
{
	struct mm_struct *mms[6];
	unsigned long addr;
	struct page *page;
	int err;

	mms[0] = mm_alloc();
	addr = map(mms[0], REGION, false);
	write_word(mms[0], addr + 3 * PAGE_SIZE, 42);
	mms[1] = dup_mm(mms[0], &err);
	mms[2] = dup_mm(mms[0], &err);
	mms[3] = dup_mm(mms[1], &err);
	mms[4] = dup_mm(mms[2], &err);
	mms[5] = dup_mm(mms[2], &err);
	/* A page faulted in a child after the fork is not the parent's. */
	write_word(mms[4], addr, 7);

	page = pfn_to_page(pfn_at(mms[0], addr + 3 * PAGE_SIZE));
	for (int i = 1; i < 6; i++)
		assert_int_equal(pfn_at(mms[i], addr + 3 * PAGE_SIZE), page_to_pfn(page));
	assert_int_equal(page_mapcount(page), 6);
	get_page(page);
	lock_page(page);
	assert_int_equal(page_mapcount_by_walk(page), 6);
	assert_true(try_to_unmap(page));
	assert_int_equal(page_mapcount_by_walk(page), 0);
	unlock_page(page);
	assert_int_equal(page_ref_count(page), 1);
	put_page(page);

	for (int i = 0; i < 6; i++)
		assert_int_equal(read_word(mms[i], addr + 3 * PAGE_SIZE), 0);
	page = pfn_to_page(pfn_at(mms[4], addr));
	lock_page(page);
	assert_int_equal(page_mapcount_by_walk(page), 1);
	unlock_page(page);
	assert_invariants();
	for (int i = 5; i >= 0; i--)
		mmput(mms[i]);
}

static void test_shared_memory(void **state)
{
	struct mm_struct *parent = mm_alloc(), *child;
	unsigned long addr = map(parent, REGION, true);
	int err;

	write_word(parent, addr, 1);
	child = dup_mm(parent, &err);
	write_word(child, addr, 2);
	write_word(child, addr + PAGE_SIZE, 3);
	assert_int_equal(read_word(parent, addr), 2);
	assert_int_equal(read_word(parent, addr + PAGE_SIZE), 3);
	assert_int_equal(pfn_at(parent, addr), pfn_at(child, addr));
	assert_int_equal(node_page_state(&contig_page_data, NR_SHMEM), 2);

	/* MADV_DONTNEED unmaps, but shared memory keeps its contents. */
	assert_int_equal(madvise_dontneed(parent, addr, PAGE_SIZE), 0);
	assert_int_equal(page_mapcount(pfn_to_page(pfn_at(child, addr))), 1);
	assert_int_equal(read_word(parent, addr), 2);
	assert_invariants();
	mmput(parent);
	assert_int_equal(read_word(child, addr + PAGE_SIZE), 3);
	mmput(child);
	assert_int_equal(node_page_state(&contig_page_data, NR_SHMEM), 0);
}

static void test_dontneed_private(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = map(mm, REGION, false);

	write_word(mm, addr, 9);
	write_word(mm, addr + PAGE_SIZE, 10);
	assert_int_equal(madvise_dontneed(mm, addr, PAGE_SIZE), 0);
	assert_int_equal(read_word(mm, addr), 0);
	assert_int_equal(read_word(mm, addr + PAGE_SIZE), 10);
	assert_int_equal(madvise_dontneed(mm, addr + REGION - PAGE_SIZE, 2 * PAGE_SIZE), -EINVAL);
	assert_int_equal(get_mm_counter(mm, MM_ANONPAGES), 1);
	mmput(mm);
}

static void test_munmap_and_exit_return_every_frame(void **state)
{
	long before = free_pages_now();
	struct mm_struct *parent = mm_alloc(), *child;
	unsigned long a = map(parent, REGION, false), b = map(parent, 4 * REGION, false);
	unsigned long s = map(parent, REGION, true);
	int err;

	for (unsigned long off = 0; off < 4 * REGION; off += PAGE_SIZE)
		write_word(parent, b + off, off);
	write_word(parent, a, 1);
	write_word(parent, s, 1);
	child = dup_mm(parent, &err);
	write_word(child, b, 99);
	assert_int_equal(do_munmap(parent, b, REGION), -EINVAL);	/* not the whole VMA */
	assert_int_equal(do_munmap(parent, b, 4 * REGION), 0);
	assert_int_equal(access_mm(parent, b, &(uint64_t){ 0 }, 8, false), -EFAULT);
	assert_int_equal(read_word(child, b + PAGE_SIZE), PAGE_SIZE);
	assert_invariants();
	mmput(parent);
	mmput(child);
	assert_int_equal(free_pages_now(), before);
	assert_int_equal(node_page_state(&contig_page_data, NR_PAGETABLE), 0);
	assert_int_equal(node_page_state(&contig_page_data, NR_ANON_MAPPED), 0);
	assert_int_equal(node_page_state(&contig_page_data, NR_INACTIVE_ANON), 0);
}

static void test_lru_isolation(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = map(mm, REGION, false);
	struct page *page;

	write_word(mm, addr, 1);
	page = pfn_to_page(pfn_at(mm, addr));
	assert_true(folio_isolate_lru(page));
	assert_false(PageLRU(page));
	assert_false(folio_isolate_lru(page));	/* already isolated */
	assert_int_equal(page_ref_count(page), 2);
	assert_int_equal(node_page_state(&contig_page_data, NR_INACTIVE_ANON), 0);
	folio_putback_lru(page);
	assert_true(PageLRU(page));
	folio_activate(page);
	assert_true(PageActive(page));
	assert_int_equal(node_page_state(&contig_page_data, NR_ACTIVE_ANON), 1);
	assert_invariants();
	mmput(mm);
	assert_int_equal(node_page_state(&contig_page_data, NR_ACTIVE_ANON), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		machine_test(test_read_fault_maps_zero_page),
		machine_test(test_write_fault_allocates),
		machine_test(test_access_spanning_pages),
		machine_test(test_cow_after_fork),
		machine_test(test_fork_of_unwritten_memory_reads_zero),
		machine_test(test_rmap_walk_after_forks),
		machine_test(test_shared_memory),
		machine_test(test_dontneed_private),
		machine_test(test_munmap_and_exit_return_every_frame),
		machine_test(test_lru_isolation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
