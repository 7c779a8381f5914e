/* SPDX-License-Identifier: MIT */
/*
 * test_migrate_large.c - migration and compaction of anonymous large
 * folios mapped by PTEs (what a THP is once its PMD is split): the whole
 * folio moves, every byte and every mapping kept, counted in base pages
 * and, for a PMD-sized folio, as one THP; compaction isolates a folio
 * below the order it wants whole and leaves alone what it cannot move.
 * Most folios are built by hand here; the THP tests fault real PMD-mapped
 * THPs, which migration moves with PMD migration entries: they stay
 * PMD-mapped (test_migrate_pmd.c has the paths that meet such an entry).
 */
#include "lib/machine_fixture.h"
#include <string.h>
#include "compact/compaction.h"
#include "migrate/migrate.h"
#include "vm/huge_mm.h"
#include "vm/mm.h"

static long event(const char *name)
{
	long v;

	assert_int_equal(vmstat_read(name, &v), 0);
	return v;
}

static unsigned long pfn_at(struct mm_struct *mm, unsigned long addr)
{
	unsigned long pfn = 0;

	assert_int_equal(follow_pfn(mm, addr, &pfn), 0);
	return pfn;
}

/* The word written at byte @off of page @i of a folio with @tag. */
static uint64_t word(uint64_t tag, unsigned long i, unsigned long off)
{
	return tag << 40 ^ i << 16 ^ off;
}

/*
 * Map a new anonymous folio of @order at @addr (aligned to its size) of
 * @mm, one writable PTE per page, filled with @tag's words, on the LRU.
 */
static struct page *map_large_folio(struct mm_struct *mm, unsigned long addr,
				    unsigned int order, uint64_t tag)
{
	struct vm_area_struct *vma = find_vma(mm, addr);
	unsigned long nr = 1UL << order;
	struct page *folio = alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_COMP, order);
	uint64_t *words;
	spinlock_t *ptl;
	pte_t *ptep;

	assert_non_null(folio);
	assert_non_null(vma);
	words = page_address(folio);
	for (unsigned long i = 0; i < nr * PAGE_SIZE / 8; i++)
		words[i] = word(tag, i * 8 / PAGE_SIZE, i * 8 % PAGE_SIZE);
	mmap_read_lock(mm);
	assert_int_equal(anon_vma_prepare(vma), 0);
	get_anon_vma(vma->anon_vma);
	folio->index = linear_page_index(vma, addr);
	WRITE_ONCE(folio->mapping, (unsigned long)vma->anon_vma | FOLIO_MAPPING_ANON);
	__SetPageSwapBacked(folio);
	SetPageUptodate(folio);
	ptep = pte_alloc_map_lock(mm, addr, &ptl);
	assert_non_null(ptep);
	for (unsigned long i = 0; i < nr; i++) {
		__atomic_store_n(&folio[i]._mapcount, 0, __ATOMIC_RELAXED);
		set_pte(ptep + i, pte_mkdirty(pte_mkyoung(pfn_pte(page_to_pfn(folio) + i, true))));
	}
	folio[1]._large_mapcount = nr - 1;
	folio[1]._nr_pages_mapped = nr;
	page_ref_add(folio, nr - 1);
	mod_node_page_state(page_zone(folio)->zone_pgdat, NR_ANON_MAPPED, nr);
	add_mm_counter(mm, MM_ANONPAGES, nr);
	spin_unlock(ptl);
	mmap_read_unlock(mm);
	folio_add_lru(folio);
	return folio;
}

/* Every word of the @nr pages at @addr still holds @tag's. */
static void verify(struct mm_struct *mm, unsigned long addr, unsigned long nr, uint64_t tag)
{
	uint64_t buf[PAGE_SIZE / 8];

	for (unsigned long p = 0; p < nr; p++) {
		assert_int_equal(access_mm(mm, addr + p * PAGE_SIZE, buf, PAGE_SIZE, false), 0);
		for (size_t i = 0; i < ARRAY_SIZE(buf); i++)
			if (buf[i] != word(tag, p, i * 8))
				fail_msg("page %lu word %zu: %#lx", p, i, (unsigned long)buf[i]);
	}
}

/* The folio now mapped at @addr: one folio of @order, mapped whole once. */
static struct page *assert_mapped_folio(struct mm_struct *mm, unsigned long addr,
					unsigned int order)
{
	struct page *folio = page_folio(pfn_to_page(pfn_at(mm, addr)));
	unsigned long nr = 1UL << order;

	assert_int_equal(folio_order(folio), order);
	assert_true(PageAnon(folio) && PageLRU(folio));
	for (unsigned long i = 0; i < nr; i++)
		assert_int_equal(pfn_at(mm, addr + i * PAGE_SIZE), page_to_pfn(folio) + i);
	assert_int_equal(folio_mapcount(folio), nr);
	assert_int_equal(page_ref_count(folio), nr);
	return folio;
}

/* The folio a huge PMD maps at @addr: order 9, mapped by @pmds PMDs only. */
static struct page *assert_pmd_mapped_folio(struct mm_struct *mm, unsigned long addr,
					    int pmds)
{
	struct page *folio = page_folio(pfn_to_page(pfn_at(mm, addr)));

	assert_int_equal(folio_order(folio), HPAGE_PMD_ORDER);
	assert_true(PageAnon(folio) && PageLRU(folio));
	assert_true(pmd_trans_huge(pmdp_get(pmd_off(mm, addr))));
	assert_int_equal(pmd_pfn(pmdp_get(pmd_off(mm, addr))), page_to_pfn(folio));
	assert_int_equal(folio_entire_mapcount(folio), pmds);
	assert_int_equal(folio_mapcount(folio), pmds);
	assert_int_equal(page_ref_count(folio), pmds);
	return folio;
}

static unsigned long map_region(struct mm_struct *mm, unsigned long len, unsigned int order)
{
	unsigned long addr, size = PAGE_SIZE << order;

	assert_int_equal(do_mmap(mm, len + size, false, &addr), 0);
	return (addr + size - 1) & ~(size - 1);
}

/* An order-2 folio moves whole for any of its addresses: 4 base pages, no THP. */
static void test_migrate_small_large_folio(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = map_region(mm, 4 * PAGE_SIZE, 2);
	struct page *old = map_large_folio(mm, addr, 2, 5), *new;
	int status[2];

	assert_invariants();
	assert_int_equal(move_pages_range(mm, addr + 2 * PAGE_SIZE, 2, status), 4);
	assert_int_equal(status[0], 0);
	assert_int_equal(status[1], 0);
	new = assert_mapped_folio(mm, addr, 2);
	assert_ptr_not_equal(new, old);
	for (int i = 0; i < 4; i++)	/* writable entries: exclusive, per page */
		assert_true(PageAnonExclusive(new + i));
	verify(mm, addr, 4, 5);
	assert_int_equal(event("pgmigrate_success"), 4);
	assert_int_equal(event("thp_migration_success"), 0);
	assert_int_equal(node_page_state(&contig_page_data, NR_ISOLATED_ANON), 0);
	assert_invariants();
	mmput(mm);
	assert_invariants();
}

/* A PMD-sized folio (PTE-mapped) counts once as a THP and 512 base pages. */
static void test_migrate_pmd_sized_folio(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = map_region(mm, PMD_SIZE, PMD_SHIFT - PAGE_SHIFT);
	struct page *old = map_large_folio(mm, addr, PMD_SHIFT - PAGE_SHIFT, 9);
	int status = 1;

	assert_int_equal(move_pages_range(mm, addr + 100 * PAGE_SIZE, 1, &status), 512);
	assert_int_equal(status, 0);
	assert_ptr_not_equal(assert_mapped_folio(mm, addr, PMD_SHIFT - PAGE_SHIFT), old);
	verify(mm, addr, 512, 9);
	assert_int_equal(event("pgmigrate_success"), 512);
	assert_int_equal(event("thp_migration_success"), 1);
	assert_invariants();
	/* Again and again: the new folio moves as the old one did. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(move_pages_range(mm, addr, 1, &status), 512);
	verify(mm, addr, 512, 9);
	assert_int_equal(event("thp_migration_success"), 4);
	assert_invariants();
	mmput(mm);
}

/* Order-9 allocations fail (fail_page_alloc min-order 9), smaller ones do not. */
static void fail_order9_allocations(bool on)
{
	assert_int_equal(fail_page_alloc_set("verbose", 0), 0);
	assert_int_equal(fail_page_alloc_set("min-order", on ? HPAGE_PMD_ORDER : 1), 0);
	assert_int_equal(fail_page_alloc_set("ignore-gfp-wait", !on), 0);
	assert_int_equal(fail_page_alloc_set("ignore-gfp-highmem", !on), 0);
	assert_int_equal(fail_page_alloc_set("times", -1), 0);
	assert_int_equal(fail_page_alloc_set("probability", on ? 100 : 0), 0);
}

/*
 * No target of the folio's order: the isolated folio is split
 * (thp_split_page) and its 512 pages migrated one by one, every byte
 * kept: one failed and split THP, 512 base pages migrated (Linux's
 * migrate_pages_batch() -> try_split_folio()).
 */
static void test_migrate_large_folio_without_target(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = map_region(mm, PMD_SIZE, HPAGE_PMD_ORDER);
	struct page *old = map_large_folio(mm, addr, HPAGE_PMD_ORDER, 3);
	int status = 1;

	fail_order9_allocations(true);
	assert_int_equal(move_pages_range(mm, addr, 1, &status), HPAGE_PMD_NR);
	fail_order9_allocations(false);
	assert_int_equal(status, 0);
	for (unsigned long i = 0; i < HPAGE_PMD_NR; i++) {
		struct page *page = pfn_to_page(pfn_at(mm, addr + i * PAGE_SIZE));

		assert_int_equal(folio_order(page), 0);
		assert_true(page_to_pfn(page) - page_to_pfn(old) >= HPAGE_PMD_NR);
		assert_int_equal(page_mapcount(page), 1);
		assert_true(PageAnonExclusive(page) && PageLRU(page));
	}
	assert_int_equal(event("pgmigrate_success"), HPAGE_PMD_NR);
	assert_int_equal(event("pgmigrate_fail"), 0);
	assert_int_equal(event("thp_migration_success"), 0);
	assert_int_equal(event("thp_migration_fail"), 1);
	assert_int_equal(event("thp_migration_split"), 1);
	assert_int_equal(event("thp_split_page"), 1);
	assert_int_equal(event("nr_isolated_anon"), 0);
	verify(mm, addr, HPAGE_PMD_NR, 3);
	assert_invariants();
	mmput(mm);
}

/*
 * Half a pageblock, allocated, in a block above the one after @pfn's (the
 * free scanner stops short of the block the migrate scanner finished): its
 * other half is a free block smaller than a pageblock, where compaction
 * may move pages to (a block free whole is left alone).
 */
static struct page *half_block_above(unsigned long pfn)
{
	struct page *below[64], *block;
	int n = 0;

	for (;;) {
		block = alloc_pages(GFP_HIGHUSER_MOVABLE, pageblock_order - 1);
		assert_non_null(block);
		if (page_to_pfn(block) >= pageblock_start_pfn(pfn) + 2 * pageblock_nr_pages)
			break;
		assert_true(n < 64);
		below[n++] = block;
	}
	while (n)
		__free_pages(below[--n], pageblock_order - 1);
	return block;
}

/*
 * compact_memory moves a folio smaller than a pageblock whole (all its
 * pages isolated and migrated) into a fragmented block above it, and
 * skips a pageblock-sized one, counting its pfns scanned.
 */
static void test_compaction_moves_small_folio_skips_big(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long small = map_region(mm, 8 * PAGE_SIZE, 3);
	unsigned long big = map_region(mm, PMD_SIZE, PMD_SHIFT - PAGE_SHIFT);
	struct page *big_folio = map_large_folio(mm, big, PMD_SHIFT - PAGE_SHIFT, 2);
	struct page *small_folio = map_large_folio(mm, small, 3, 1);
	struct page *hole = half_block_above(page_to_pfn(small_folio));
	unsigned long hole_pfn = page_to_pfn(hole);

	assert_int_equal(sysctl_compact_memory(), 0);
	assert_ptr_equal(assert_mapped_folio(mm, big, PMD_SHIFT - PAGE_SHIFT), big_folio);
	assert_ptr_not_equal(assert_mapped_folio(mm, small, 3), small_folio);
	assert_true(pfn_at(mm, small) - hole_pfn < pageblock_nr_pages);
	verify(mm, small, 8, 1);
	verify(mm, big, 512, 2);
	assert_int_equal(event("pgmigrate_success"), 8);
	assert_int_equal(event("thp_migration_success"), 0);
	assert_true(event("compact_isolated") >= 8 + 8);	/* the folio and its target */
	assert_true(event("compact_migrate_scanned") >= 512 + 8);
	assert_invariants();
	__free_pages(hole, pageblock_order - 1);
	mmput(mm);
}

/* Write @tag's words into the @nr pages at @addr through the MMU. */
static void fill(struct mm_struct *mm, unsigned long addr, unsigned long nr, uint64_t tag)
{
	uint64_t buf[PAGE_SIZE / 8];

	for (unsigned long p = 0; p < nr; p++) {
		for (size_t i = 0; i < ARRAY_SIZE(buf); i++)
			buf[i] = word(tag, p, i * 8);
		assert_int_equal(access_mm(mm, addr + p * PAGE_SIZE, buf, PAGE_SIZE, true), 0);
	}
}

/*
 * A THP the fault mapped with a PMD (thp enabled=always) moves whole by a
 * PMD migration entry: no thp_split_pmd, it counts once as a THP and 512
 * base pages, every byte stays, and the new folio is PMD-mapped again
 * (AnonHugePages unchanged), writable and anon-exclusive: a write after
 * migration does not copy.
 */
static void test_migrate_pmd_mapped_thp(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = map_region(mm, PMD_SIZE, HPAGE_PMD_ORDER);
	struct page *old, *new;
	int status = 1;

	assert_int_equal(thp_knob_write("enabled", "always"), 0);
	fill(mm, addr, HPAGE_PMD_NR, 4);
	assert_int_equal(event("thp_fault_alloc"), 1);
	assert_int_equal(event("nr_anon_transparent_hugepages"), 1);
	old = page_folio(pfn_to_page(pfn_at(mm, addr)));
	assert_int_equal(folio_entire_mapcount(old), 1);
	assert_invariants();
	assert_int_equal(move_pages_range(mm, addr + 7 * PAGE_SIZE, 1, &status), 512);
	assert_int_equal(status, 0);
	new = assert_pmd_mapped_folio(mm, addr, 1);
	assert_ptr_not_equal(new, old);
	assert_true(PageAnonExclusive(new));
	assert_true(pmd_write(pmdp_get(pmd_off(mm, addr))));
	verify(mm, addr, HPAGE_PMD_NR, 4);
	assert_int_equal(event("thp_split_pmd"), 0);
	assert_int_equal(event("pgmigrate_success"), 512);
	assert_int_equal(event("thp_migration_success"), 1);
	assert_int_equal(event("thp_migration_fail"), 0);
	assert_int_equal(event("nr_anon_transparent_hugepages"), 1);
	assert_int_equal(event("nr_anon_pages"), 512);
	fill(mm, addr, 1, 6);
	assert_int_equal(pfn_at(mm, addr), page_to_pfn(new));
	assert_invariants();
	mmput(mm);
	assert_invariants();
}

/*
 * A THP two mms map by PMD after fork moves whole once: both PMDs become
 * PMD migration entries and then huge PMDs for the new folio, read-only
 * and shared; both mms see the new frames and every byte.
 */
static void test_migrate_shared_pmd_thp(void **state)
{
	struct mm_struct *mm = mm_alloc(), *child;
	unsigned long addr = map_region(mm, PMD_SIZE, HPAGE_PMD_ORDER);
	struct page *new;
	int status = 1, err = 0;

	assert_int_equal(thp_knob_write("enabled", "always"), 0);
	fill(mm, addr, HPAGE_PMD_NR, 8);
	child = dup_mm(mm, &err);
	assert_non_null(child);
	assert_int_equal(folio_entire_mapcount(page_folio(pfn_to_page(pfn_at(mm, addr)))), 2);
	assert_int_equal(move_pages_range(child, addr, 1, &status), 512);
	assert_int_equal(status, 0);
	assert_int_equal(event("thp_split_pmd"), 0);
	assert_int_equal(event("thp_migration_success"), 1);
	new = assert_pmd_mapped_folio(mm, addr, 2);
	assert_int_equal(pfn_at(child, addr), page_to_pfn(new));
	assert_false(PageAnonExclusive(new));
	assert_false(pmd_write(pmdp_get(pmd_off(child, addr))));
	assert_int_equal(event("nr_anon_transparent_hugepages"), 1);
	verify(mm, addr, HPAGE_PMD_NR, 8);
	verify(child, addr, HPAGE_PMD_NR, 8);
	assert_invariants();
	mmput(child);
	mmput(mm);
	assert_invariants();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		machine_test(test_migrate_small_large_folio),
		machine_test(test_migrate_pmd_sized_folio),
		machine_test(test_migrate_large_folio_without_target),
		machine_test(test_compaction_moves_small_folio_skips_big),
		machine_test(test_migrate_pmd_mapped_thp),
		machine_test(test_migrate_shared_pmd_thp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
