/* SPDX-License-Identifier: MIT */
/*
 * test_hugetlb.c - compound pages (head and tails, the folio fields,
 * references through tails, freeing the whole block, the validator) and
 * the hugetlb pool: growing and shrinking it through vm.nr_hugepages, its
 * meminfo lines and counters, reservations, faults, unmapping, fork and
 * copy-on-write, compaction leaving pool pages alone, and migration of
 * hugetlb folios (every byte and mapping kept, the pool's counters exact).
 */
#include "lib/machine_fixture.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "compact/compaction.h"
#include "migrate/migrate.h"
#include "vm/hugetlb.h"

static long free_pages_now(void)
{
	drain_all_pages(NULL);
	return global_zone_page_state(NR_FREE_PAGES);
}

static long meminfo(const char *name)
{
	long v = -1;

	assert_int_equal(hugetlb_meminfo_value(name, &v), 0);
	return v;
}

/* ------------------------------------------------------------------ */
/* Compound pages                                                      */

static void test_compound_layout(void **state)
{
	long before = free_pages_now();
	struct page *head = alloc_pages(GFP_KERNEL | __GFP_COMP, 3);
	char msg[256];

	assert_non_null(head);
	assert_true(PageHead(head) && !PageTail(head) && PageCompound(head));
	assert_int_equal(folio_order(head), 3);
	assert_int_equal(folio_nr_pages(head), 8);
	assert_int_equal(folio_entire_mapcount(head), 0);
	assert_int_equal(folio_large_mapcount(head), 0);
	for (int i = 1; i < 8; i++) {
		assert_true(PageTail(head + i) && !PageHead(head + i));
		assert_ptr_equal(compound_head(head + i), head);
		assert_ptr_equal(page_folio(head + i), head);
		assert_int_equal(page_ref_count(head + i), 0);
		assert_int_equal(head[i].mapping, TAIL_MAPPING);
	}
	assert_true(compound_page_valid(head, 3, msg, sizeof(msg)));
	/* A reference through a tail is the folio's. */
	get_page(head + 5);
	assert_int_equal(page_ref_count(head), 2);
	put_page(head + 5);
	assert_int_equal(page_ref_count(head), 1);
	assert_invariants();
	/* The last put, through a tail, frees all eight pages. */
	put_page(head + 7);
	assert_int_equal(free_pages_now(), before);
	for (int i = 0; i < 8; i++)
		assert_false(PageCompound(head + i));
}

/* What dump_page() prints about @page, captured from stderr. */
static void dump_to(const struct page *page, char *buf, size_t len)
{
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	size_t n;

	assert_non_null(f);
	fflush(stderr);
	dup2(fileno(f), STDERR_FILENO);
	dump_page(page, "test");
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
}

static void test_dump_page_shows_head_and_order(void **state)
{
	struct page *head = alloc_pages(GFP_KERNEL | __GFP_COMP, 3);
	char out[2048], want[64];

	dump_to(head + 5, out, sizeof(out));
	snprintf(want, sizeof(want), "head: pfn:%#lx order:3 refcount:1", page_to_pfn(head));
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "(tail|zone="));
	dump_to(head, out, sizeof(out));
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "head"));
	__free_pages(head, 3);
	dump_to(head + 5, out, sizeof(out));
	assert_null(strstr(out, "head: "));
}

static void test_non_compound_block(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 3);

	assert_non_null(page);
	for (int i = 0; i < 8; i++)
		assert_false(PageCompound(page + i));
	assert_int_equal(folio_order(page), 0);
	__free_pages(page, 3);
}

static void test_compound_validator_catches_bad_tail(void **state)
{
	struct page *head = alloc_pages(GFP_KERNEL | __GFP_COMP, 2);
	unsigned long saved = head[2].compound_head;
	char msg[256];

	head[2].compound_head = (unsigned long)(head + 1) + 1;
	assert_false(compound_page_valid(head, 2, msg, sizeof(msg)));
	assert_non_null(strstr(msg, "bad tail"));
	assert_int_equal(check_invariants(msg, sizeof(msg)), -EUCLEAN);
	head[2].compound_head = saved;
	head[1]._large_mapcount = 3;
	assert_false(compound_page_valid(head, 2, msg, sizeof(msg)));
	head[1]._large_mapcount = -1;
	assert_true(compound_page_valid(head, 2, msg, sizeof(msg)));
	__free_pages(head, 2);
}

/* ------------------------------------------------------------------ */
/* The pool                                                            */

static void test_pool_grow_and_shrink(void **state)
{
	long before = free_pages_now(), ok = vm_event_sum(HTLB_BUDDY_PGALLOC), v = 0;

	assert_int_equal(sysctl_nr_hugepages_set(4), 0);
	assert_int_equal(hugetlb_nr_hugepages(), 4);
	assert_int_equal(meminfo("HugePages_Total"), 4);
	assert_int_equal(meminfo("HugePages_Free"), 4);
	assert_int_equal(meminfo("HugePages_Rsvd"), 0);
	assert_int_equal(meminfo("HugePages_Surp"), 0);
	assert_int_equal(meminfo("Hugepagesize"), 2048);
	assert_int_equal(meminfo("Hugetlb"), 4 * 2048);
	assert_int_equal(vm_event_sum(HTLB_BUDDY_PGALLOC) - ok, 4);
	assert_int_equal(free_pages_now(), before - 4 * 512);
	assert_int_equal(node_page_state(&contig_page_data, NR_HUGETLB), 0);
	assert_invariants();
	/* The /proc/sys/vm table reads the pool's size back. */
	assert_int_equal(machine_sysctl_get("vm.nr_hugepages", &v), 0);
	assert_int_equal(v, 4);
	assert_int_equal(machine_sysctl_set("vm.nr_hugepages", 1), 0);
	assert_int_equal(machine_sysctl_get("vm.nr_hugepages", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(meminfo("HugePages_Total"), 1);
	assert_int_equal(free_pages_now(), before - 512);
	assert_int_equal(sysctl_nr_hugepages_set(-1), -EINVAL);
	assert_int_equal(sysctl_nr_hugepages_set(0), 0);
	assert_int_equal(free_pages_now(), before);
}

/* Asking for more than memory holds still succeeds; the size is read back. */
static void test_pool_growth_stops_at_first_failure(void **state)
{
	long fail = vm_event_sum(HTLB_BUDDY_PGALLOC_FAIL);
	unsigned long n;

	assert_int_equal(sysctl_nr_hugepages_set(1000), 0);
	n = hugetlb_nr_hugepages();
	assert_true(n > 0 && n < TEST_MEMORY / HPAGE_SIZE);
	assert_int_equal(vm_event_sum(HTLB_BUDDY_PGALLOC_FAIL) - fail, 1);
	assert_invariants();
	assert_int_equal(sysctl_nr_hugepages_set(0), 0);
}

/* ------------------------------------------------------------------ */
/* Mappings                                                            */

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

static struct page *folio_at(struct mm_struct *mm, unsigned long addr)
{
	unsigned long pfn = 0;

	assert_int_equal(follow_pfn(mm, addr, &pfn), 0);
	return page_folio(pfn_to_page(pfn));
}

static void test_map_fault_unmap(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr, bad;
	struct page *folio;

	assert_int_equal(sysctl_nr_hugepages_set(2), 0);
	assert_int_equal(do_mmap_hugetlb(mm, HPAGE_SIZE + PAGE_SIZE, &bad), -EINVAL);
	assert_int_equal(do_mmap_hugetlb(mm, 3 * HPAGE_SIZE, &bad), -ENOMEM);
	assert_int_equal(do_mmap_hugetlb(mm, 2 * HPAGE_SIZE, &addr), 0);
	assert_int_equal(addr & ~HPAGE_MASK, 0);
	assert_int_equal(meminfo("HugePages_Rsvd"), 2);
	assert_int_equal(do_mmap_hugetlb(mm, HPAGE_SIZE, &bad), -ENOMEM);	/* all reserved */
	write_word(mm, addr + 5 * PAGE_SIZE + 8, 0xfeed);
	assert_int_equal(meminfo("HugePages_Free"), 1);
	assert_int_equal(meminfo("HugePages_Rsvd"), 1);
	assert_int_equal(node_page_state(&contig_page_data, NR_HUGETLB), 512);
	assert_int_equal(read_word(mm, addr + 5 * PAGE_SIZE + 8), 0xfeed);
	assert_int_equal(read_word(mm, addr + 100 * PAGE_SIZE), 0);
	folio = folio_at(mm, addr + 300 * PAGE_SIZE);
	assert_ptr_equal(folio, folio_at(mm, addr));
	assert_true(folio_test_hugetlb(folio) && PageAnon(folio));
	assert_int_equal(folio_order(folio), HUGETLB_PAGE_ORDER);
	assert_int_equal(folio_mapcount(folio), 512);
	assert_int_equal(page_ref_count(folio), 512);
	assert_int_equal(get_mm_counter(mm, MM_ANONPAGES), 0);
	assert_invariants();
	/* MADV_DONTNEED must cover whole huge pages. */
	assert_int_equal(madvise_dontneed(mm, addr, PAGE_SIZE), -EINVAL);
	assert_int_equal(madvise_dontneed(mm, addr, HPAGE_SIZE), 0);
	/* Back in the pool; its reservation was used and stays used. */
	assert_int_equal(meminfo("HugePages_Free"), 2);
	assert_int_equal(meminfo("HugePages_Rsvd"), 1);
	assert_int_equal(read_word(mm, addr + 5 * PAGE_SIZE + 8), 0);	/* unreserved page */
	assert_int_equal(meminfo("HugePages_Free"), 1);
	write_word(mm, addr + HPAGE_SIZE, 1);
	assert_int_equal(meminfo("HugePages_Free"), 0);
	assert_int_equal(meminfo("HugePages_Rsvd"), 0);
	assert_invariants();
	assert_int_equal(do_munmap(mm, addr, 2 * HPAGE_SIZE), 0);
	assert_int_equal(meminfo("HugePages_Free"), 2);
	assert_int_equal(meminfo("HugePages_Rsvd"), 0);
	assert_int_equal(node_page_state(&contig_page_data, NR_HUGETLB), 0);
	assert_invariants();
	mmput(mm);
	assert_int_equal(sysctl_nr_hugepages_set(0), 0);
}

static void test_fork_shares_then_copies_on_write(void **state)
{
	struct mm_struct *mm = mm_alloc(), *child;
	unsigned long addr;
	struct page *folio;
	int err = 0;

	assert_int_equal(sysctl_nr_hugepages_set(3), 0);
	assert_int_equal(do_mmap_hugetlb(mm, HPAGE_SIZE, &addr), 0);
	write_word(mm, addr + 64, 42);
	folio = folio_at(mm, addr);
	child = dup_mm(mm, &err);
	assert_non_null(child);
	/* Shared, read-only on both sides: 1024 PTEs, 1024 references. */
	assert_ptr_equal(folio_at(child, addr), folio);
	assert_int_equal(folio_mapcount(folio), 1024);
	assert_int_equal(page_ref_count(folio), 1024);
	assert_int_equal(meminfo("HugePages_Free"), 2);
	assert_int_equal(read_word(child, addr + 64), 42);
	assert_invariants();
	/* The parent's write copies the whole huge page... */
	write_word(mm, addr + 128, 7);
	assert_ptr_not_equal(folio_at(mm, addr), folio);
	assert_int_equal(read_word(mm, addr + 64), 42);
	assert_int_equal(read_word(child, addr + 128), 0);
	assert_int_equal(meminfo("HugePages_Free"), 1);
	assert_int_equal(folio_mapcount(folio), 512);
	assert_invariants();
	/* ...and the child, now alone on the old one, writes it in place. */
	write_word(child, addr + 64, 43);
	assert_ptr_equal(folio_at(child, addr), folio);
	assert_int_equal(read_word(mm, addr + 64), 42);
	assert_int_equal(meminfo("HugePages_Free"), 1);
	write_word(mm, addr + 64, 44);
	mmput(child);
	assert_int_equal(read_word(mm, addr + 64), 44);
	mmput(mm);
	assert_int_equal(meminfo("HugePages_Free"), 3);
	assert_int_equal(sysctl_nr_hugepages_set(0), 0);
}

/* Shrinking below the pages in use makes them surplus, freed on release. */
static void test_shrink_below_use_makes_surplus(void **state)
{
	struct mm_struct *mm = mm_alloc();
	long before = free_pages_now();
	unsigned long addr;

	assert_int_equal(sysctl_nr_hugepages_set(1), 0);
	assert_int_equal(do_mmap_hugetlb(mm, HPAGE_SIZE, &addr), 0);
	write_word(mm, addr, 7);
	assert_int_equal(sysctl_nr_hugepages_set(0), 0);
	assert_int_equal(meminfo("HugePages_Total"), 1);
	assert_int_equal(meminfo("HugePages_Surp"), 1);
	assert_int_equal(hugetlb_nr_hugepages(), 0);
	assert_invariants();
	mmput(mm);
	assert_int_equal(meminfo("HugePages_Total"), 0);
	assert_int_equal(meminfo("HugePages_Surp"), 0);
	assert_true(free_pages_now() >= before);
}

/* Reserved pages are never freed by a shrink: they become surplus until unreserved. */
static void test_shrink_keeps_reserved_pages(void **state)
{
	struct mm_struct *mm = mm_alloc();
	long before = free_pages_now();
	unsigned long addr;

	assert_int_equal(sysctl_nr_hugepages_set(3), 0);
	assert_int_equal(do_mmap_hugetlb(mm, 2 * HPAGE_SIZE, &addr), 0);
	assert_int_equal(sysctl_nr_hugepages_set(0), 0);
	assert_int_equal(meminfo("HugePages_Total"), 2);
	assert_int_equal(meminfo("HugePages_Free"), 2);
	assert_int_equal(meminfo("HugePages_Rsvd"), 2);
	assert_int_equal(meminfo("HugePages_Surp"), 2);
	assert_int_equal(hugetlb_nr_hugepages(), 0);
	write_word(mm, addr, 1);		/* the reservation holds */
	assert_invariants();
	assert_int_equal(do_munmap(mm, addr, 2 * HPAGE_SIZE), 0);
	assert_int_equal(meminfo("HugePages_Total"), 0);
	assert_int_equal(meminfo("HugePages_Surp"), 0);
	assert_int_equal(free_pages_now(), before);
	mmput(mm);
}

/* vm.nr_overcommit_hugepages: surplus pages for reservations and copies on demand. */
static void test_overcommit_surplus(void **state)
{
	long before = free_pages_now();
	struct mm_struct *mm = mm_alloc(), *child;
	unsigned long addr, bad;
	int err = 0;

	assert_int_equal(machine_sysctl_set("vm.nr_overcommit_hugepages", 2), 0);
	assert_int_equal(machine_sysctl_set("vm.nr_overcommit_hugepages", -1), -EINVAL);
	assert_int_equal(do_mmap_hugetlb(mm, 3 * HPAGE_SIZE, &bad), -ENOMEM);
	assert_int_equal(meminfo("HugePages_Total"), 0);	/* what it gathered went back */
	assert_int_equal(do_mmap_hugetlb(mm, HPAGE_SIZE, &addr), 0);
	assert_int_equal(meminfo("HugePages_Total"), 1);
	assert_int_equal(meminfo("HugePages_Surp"), 1);
	assert_int_equal(meminfo("HugePages_Rsvd"), 1);
	assert_int_equal(hugetlb_nr_hugepages(), 0);
	write_word(mm, addr, 5);
	/* The child's copy-on-write takes the last surplus page on demand. */
	child = dup_mm(mm, &err);
	assert_non_null(child);
	write_word(child, addr, 6);
	assert_int_equal(meminfo("HugePages_Total"), 2);
	assert_int_equal(meminfo("HugePages_Surp"), 2);
	assert_int_equal(meminfo("HugePages_Free"), 0);
	assert_invariants();
	mmput(child);
	assert_int_equal(meminfo("HugePages_Surp"), 1);	/* freed to the buddy */
	mmput(mm);
	assert_int_equal(meminfo("HugePages_Total"), 0);
	assert_int_equal(meminfo("HugePages_Surp"), 0);
	assert_int_equal(free_pages_now(), before);
	assert_int_equal(machine_sysctl_set("vm.nr_overcommit_hugepages", 0), 0);
}

/* Compaction neither moves nor breaks pool pages, free or in use. */
static void test_compaction_skips_pool_pages(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr;
	struct page *used;

	assert_int_equal(sysctl_nr_hugepages_set(4), 0);
	assert_int_equal(do_mmap_hugetlb(mm, HPAGE_SIZE, &addr), 0);
	write_word(mm, addr, 99);
	used = folio_at(mm, addr);
	assert_int_equal(sysctl_compact_memory(), 0);
	assert_ptr_equal(folio_at(mm, addr), used);
	assert_int_equal(read_word(mm, addr), 99);
	assert_int_equal(meminfo("HugePages_Free"), 3);
	assert_invariants();
	mmput(mm);
	assert_int_equal(sysctl_nr_hugepages_set(0), 0);
}


/* ------------------------------------------------------------------ */
/* Migration                                                           */

#define NR_HUGE	512

/* Write a word naming (@seed, page) into every page of @nr huge pages. */
static void fill_huge(struct mm_struct *mm, unsigned long addr, int nr, uint64_t seed)
{
	for (unsigned long i = 0; i < (unsigned long)nr * NR_HUGE; i++)
		write_word(mm, addr + i * PAGE_SIZE + (i % 500) * 8, seed << 32 | i);
}

static void assert_huge_filled(struct mm_struct *mm, unsigned long addr, int nr, uint64_t seed)
{
	for (unsigned long i = 0; i < (unsigned long)nr * NR_HUGE; i++)
		assert_int_equal(read_word(mm, addr + i * PAGE_SIZE + (i % 500) * 8),
				 seed << 32 | i);
}

/* move_pages of a range: every status 0, the count moved returned. */
static void move_all(struct mm_struct *mm, unsigned long addr, unsigned long nr, long moved)
{
	int *status = calloc(nr, sizeof(*status));

	assert_non_null(status);
	assert_int_equal(move_pages_range(mm, addr, nr, status), moved);
	for (unsigned long i = 0; i < nr; i++)
		assert_int_equal(status[i], 0);
	free(status);
}

/*
 * A huge page mapped by two processes moves whole to a free pool page:
 * every byte, every PTE of both (mapcount, references), the pool's
 * counters; counted as 512 base pages and no THP.
 */
static void test_migrate_keeps_bytes_mappings_and_pool(void **state)
{
	long success = vm_event_sum(PGMIGRATE_SUCCESS), thp = vm_event_sum(THP_MIGRATION_SUCCESS);
	struct mm_struct *mm = mm_alloc(), *child;
	struct page *old[2], *new;
	unsigned long addr;
	int err = 0;

	assert_int_equal(sysctl_nr_hugepages_set(5), 0);
	assert_int_equal(do_mmap_hugetlb(mm, 2 * HPAGE_SIZE, &addr), 0);
	fill_huge(mm, addr, 2, 1);
	old[0] = folio_at(mm, addr);
	old[1] = folio_at(mm, addr + HPAGE_SIZE);
	child = dup_mm(mm, &err);
	assert_non_null(child);
	move_all(mm, addr, 2 * NR_HUGE, 2 * NR_HUGE);
	for (int i = 0; i < 2; i++) {
		new = folio_at(mm, addr + i * HPAGE_SIZE);
		assert_ptr_not_equal(new, old[i]);
		assert_ptr_equal(folio_at(child, addr + i * HPAGE_SIZE), new);
		assert_true(folio_test_hugetlb(new) && PageAnon(new));
		assert_int_equal(folio_mapcount(new), 2 * NR_HUGE);
		assert_int_equal(page_ref_count(new), 2 * NR_HUGE);
	}
	assert_huge_filled(mm, addr, 2, 1);
	assert_huge_filled(child, addr, 2, 1);
	assert_int_equal(vm_event_sum(PGMIGRATE_SUCCESS) - success, 2 * NR_HUGE);
	assert_int_equal(vm_event_sum(THP_MIGRATION_SUCCESS) - thp, 0);
	assert_int_equal(meminfo("HugePages_Total"), 5);
	assert_int_equal(meminfo("HugePages_Free"), 3);
	assert_int_equal(node_page_state(&contig_page_data, NR_HUGETLB), 2 * NR_HUGE);
	assert_invariants();
	/* Still copy-on-write after the move. */
	write_word(child, addr, 77);
	assert_int_equal(read_word(mm, addr), 1UL << 32);
	assert_int_equal(meminfo("HugePages_Free"), 2);
	mmput(child);
	mmput(mm);
	assert_int_equal(meminfo("HugePages_Free"), 5);
	assert_invariants();
	assert_int_equal(sysctl_nr_hugepages_set(0), 0);
}

/*
 * A free pool page that a reservation needs is no target: the target is a
 * temporary page from the buddy, and the source goes back to the buddy, so
 * the pool keeps its size, its reservation and no surplus.
 */
static void test_migrate_through_temporary_page(void **state)
{
	struct mm_struct *mm = mm_alloc(), *other = mm_alloc();
	long allocs = vm_event_sum(HTLB_BUDDY_PGALLOC), before;
	unsigned long addr, resv_addr;
	struct page *old;

	assert_int_equal(sysctl_nr_hugepages_set(2), 0);
	assert_int_equal(do_mmap_hugetlb(mm, HPAGE_SIZE, &addr), 0);
	assert_int_equal(do_mmap_hugetlb(other, HPAGE_SIZE, &resv_addr), 0);
	fill_huge(mm, addr, 1, 2);
	old = folio_at(mm, addr);
	assert_int_equal(meminfo("HugePages_Free"), 1);
	assert_int_equal(meminfo("HugePages_Rsvd"), 1);
	before = free_pages_now();
	move_all(mm, addr + 7 * PAGE_SIZE, 1, NR_HUGE);	/* any page moves the folio */
	assert_ptr_not_equal(folio_at(mm, addr), old);
	assert_false(folio_test_hugetlb(old));		/* the source is the buddy's */
	assert_int_equal(vm_event_sum(HTLB_BUDDY_PGALLOC) - allocs, 3);
	assert_int_equal(free_pages_now(), before);
	assert_huge_filled(mm, addr, 1, 2);
	assert_int_equal(meminfo("HugePages_Total"), 2);
	assert_int_equal(meminfo("HugePages_Free"), 1);
	assert_int_equal(meminfo("HugePages_Rsvd"), 1);
	assert_int_equal(meminfo("HugePages_Surp"), 0);
	assert_invariants();
	mmput(other);
	mmput(mm);
	assert_int_equal(sysctl_nr_hugepages_set(0), 0);
}

/*
 * A shrink while a migration holds a temporary target: the temporary
 * folio never becomes surplus, so once it goes back to the buddy the
 * surplus still fits in the pool. stress_thp found HugePages_Surp above
 * HugePages_Total this way, and the next resize wrapped it below zero.
 */
static void test_shrink_leaves_temporary_out_of_surplus(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr;
	struct page *tmp;

	assert_int_equal(sysctl_nr_hugepages_set(1), 0);
	assert_int_equal(do_mmap_hugetlb(mm, HPAGE_SIZE, &addr), 0);
	write_word(mm, addr, 7);			/* the pool's one page, in use */
	tmp = alloc_hugetlb_folio_nodemask(0);		/* no free page: a temporary one */
	assert_non_null(tmp);
	assert_int_equal(meminfo("HugePages_Total"), 2);
	assert_int_equal(sysctl_nr_hugepages_set(0), 0);
	assert_int_equal(meminfo("HugePages_Surp"), 1);	/* the page in use only */
	put_page(tmp);					/* the migration gave it up */
	assert_int_equal(meminfo("HugePages_Total"), 1);
	assert_int_equal(meminfo("HugePages_Surp"), 1);
	assert_int_equal(hugetlb_nr_hugepages(), 0);
	assert_invariants();
	assert_int_equal(sysctl_nr_hugepages_set(1), 0);	/* the surplus page is kept */
	assert_int_equal(meminfo("HugePages_Total"), 1);
	assert_int_equal(meminfo("HugePages_Surp"), 0);
	mmput(mm);
	assert_int_equal(sysctl_nr_hugepages_set(0), 0);
	assert_int_equal(meminfo("HugePages_Total"), 0);
}

/* No target at all (pool empty, the buddy refuses): -ENOMEM, nothing moved. */
static void test_migrate_without_target_fails(void **state)
{
	struct mm_struct *mm = mm_alloc();
	long fail = vm_event_sum(PGMIGRATE_FAIL);
	unsigned long addr;
	struct page *old;
	int status = 1;

	assert_int_equal(sysctl_nr_hugepages_set(1), 0);
	assert_int_equal(do_mmap_hugetlb(mm, HPAGE_SIZE, &addr), 0);
	fill_huge(mm, addr, 1, 3);
	old = folio_at(mm, addr);
	assert_int_equal(fail_page_alloc_set("ignore-gfp-wait", 0), 0);
	assert_int_equal(fail_page_alloc_set("ignore-gfp-highmem", 0), 0);
	assert_int_equal(fail_page_alloc_set("times", -1), 0);
	assert_int_equal(fail_page_alloc_set("probability", 100), 0);
	assert_int_equal(move_pages_range(mm, addr, 1, &status), -ENOMEM);
	assert_int_equal(fail_page_alloc_set("probability", 0), 0);
	assert_int_equal(fail_page_alloc_set("ignore-gfp-wait", 1), 0);
	assert_int_equal(fail_page_alloc_set("ignore-gfp-highmem", 1), 0);
	assert_int_equal(status, -EBUSY);
	assert_ptr_equal(folio_at(mm, addr), old);
	assert_int_equal(vm_event_sum(PGMIGRATE_FAIL) - fail, NR_HUGE);
	assert_huge_filled(mm, addr, 1, 3);
	assert_int_equal(meminfo("HugePages_Total"), 1);
	assert_invariants();
	mmput(mm);
	assert_int_equal(sysctl_nr_hugepages_set(0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		machine_test(test_compound_layout),
		machine_test(test_dump_page_shows_head_and_order),
		machine_test(test_non_compound_block),
		machine_test(test_compound_validator_catches_bad_tail),
		machine_test(test_pool_grow_and_shrink),
		machine_test(test_pool_growth_stops_at_first_failure),
		machine_test(test_map_fault_unmap),
		machine_test(test_fork_shares_then_copies_on_write),
		machine_test(test_shrink_below_use_makes_surplus),
		machine_test(test_shrink_keeps_reserved_pages),
		machine_test(test_overcommit_surplus),
		machine_test(test_compaction_skips_pool_pages),
		machine_test(test_migrate_keeps_bytes_mappings_and_pool),
		machine_test(test_migrate_through_temporary_page),
		machine_test(test_migrate_without_target_fails),
		machine_test(test_shrink_leaves_temporary_out_of_surplus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
