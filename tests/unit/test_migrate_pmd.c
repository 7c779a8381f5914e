/* SPDX-License-Identifier: MIT */
/*
 * test_migrate_pmd.c - PMD migration entries: a PMD-mapped THP being
 * migrated is mapped by one non-present PMD entry that keeps the
 * mapping's write, dirty, young and anon-exclusive state, and every path
 * that meets a PMD handles it as Linux 6.18 does: a fault waits for the
 * migration, fork copies it (a read entry on both sides), munmap and
 * MADV_DONTNEED clear it with its deposited table, a partial unmap splits
 * it into 512 PTE migration entries, move_pages finds no page there,
 * khugepaged passes over it. Also
 * a migration that gets no order-9 target, or that meets a partially
 * mapped THP, splits the THP and moves its pages (thp_migration_split).
 * And the page-table validator, racing a split that maps zero-filled
 * pages to the zero page, sees no miscount.
 */
#include "lib/machine_fixture.h"
#include <pthread.h>
#include <stdlib.h>
#include <sched.h>
#include "migrate/migrate.h"
#include "vm/huge_mm.h"
#include "vm/mm.h"

static long event(const char *name)
{
	long v;

	assert_int_equal(vmstat_read(name, &v), 0);
	return v;
}

static uint64_t word(uint64_t tag, unsigned long i, unsigned long off)
{
	return tag << 40 ^ i << 16 ^ off;
}

static void fill(struct mm_struct *mm, unsigned long addr, unsigned long nr, uint64_t tag)
{
	uint64_t buf[PAGE_SIZE / 8];

	for (unsigned long p = 0; p < nr; p++) {
		for (size_t i = 0; i < ARRAY_SIZE(buf); i++)
			buf[i] = word(tag, p, i * 8);
		assert_int_equal(access_mm(mm, addr + p * PAGE_SIZE, buf, PAGE_SIZE, true), 0);
	}
}

/* Pages [@first, @first + @nr) of the region at @addr hold @tag's words. */
static void verify(struct mm_struct *mm, unsigned long addr, unsigned long first,
		   unsigned long nr, uint64_t tag)
{
	uint64_t buf[PAGE_SIZE / 8];

	for (unsigned long p = first; p < first + nr; p++) {
		assert_int_equal(access_mm(mm, addr + p * PAGE_SIZE, buf, PAGE_SIZE, false), 0);
		for (size_t i = 0; i < ARRAY_SIZE(buf); i++)
			if (buf[i] != word(tag, p, i * 8))
				fail_msg("page %lu word %zu: %#lx", p, i, (unsigned long)buf[i]);
	}
}

/* The page at @addr reads as zeros (MADV_DONTNEED dropped it). */
static void verify_zero(struct mm_struct *mm, unsigned long addr)
{
	uint64_t buf[PAGE_SIZE / 8];

	assert_int_equal(access_mm(mm, addr, buf, PAGE_SIZE, false), 0);
	for (size_t i = 0; i < ARRAY_SIZE(buf); i++)
		assert_true(buf[i] == 0);
}

static pmd_t pmd_at(struct mm_struct *mm, unsigned long addr)
{
	return pmdp_get(pmd_off(mm, addr));
}

/* A THP faulted (PMD-mapped, writable) at a 2 MiB boundary, filled with @tag. */
static unsigned long thp_region(struct mm_struct *mm, uint64_t tag)
{
	unsigned long addr;

	assert_int_equal(thp_knob_write("enabled", "always"), 0);
	assert_int_equal(do_mmap(mm, 2 * PMD_SIZE, false, &addr), 0);
	addr = ALIGN(addr, PMD_SIZE);
	fill(mm, addr, HPAGE_PMD_NR, tag);
	assert_true(pmd_trans_huge(pmd_at(mm, addr)));
	return addr;
}

/* The THP a huge PMD maps at @addr. */
static struct page *thp_at(struct mm_struct *mm, unsigned long addr)
{
	pmd_t pmd = pmd_at(mm, addr);

	assert_true(pmd_trans_huge(pmd));
	return pfn_to_page(pmd_pfn(pmd));
}

/*
 * Migration's unmap step on the THP at @addr, in a thread of its own (the
 * folio's lock must not be held where the test takes mmap_lock): the folio
 * locked and referenced, every PMD mapping it a PMD migration entry, until
 * pmd_migration_end() undoes it there.
 */
struct migrator {
	struct page *folio;
	int stage;		/* 1: entries set; 2: end asked; atomic */
	pthread_t thread;
};

static void *migrator_thread(void *arg)
{
	struct migrator *m = arg;

	get_page(m->folio);
	lock_page(m->folio);
	try_to_migrate(m->folio, 0);
	__atomic_store_n(&m->stage, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&m->stage, __ATOMIC_ACQUIRE) != 2)
		sched_yield();
	remove_migration_ptes(m->folio, m->folio);
	unlock_page(m->folio);
	put_page(m->folio);
	return NULL;
}

static struct migrator *pmd_migration_start(struct mm_struct *mm, unsigned long addr)
{
	struct migrator *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->folio = thp_at(mm, addr);
	pthread_create(&m->thread, NULL, migrator_thread, m);
	while (__atomic_load_n(&m->stage, __ATOMIC_ACQUIRE) != 1)
		sched_yield();
	assert_int_equal(folio_mapcount(m->folio), 0);
	assert_true(is_pmd_migration_entry(pmd_at(mm, addr)));
	return m;
}

/* Migration undone: the entries map the folio again; it is unlocked. */
static void pmd_migration_end(struct migrator *m)
{
	__atomic_store_n(&m->stage, 2, __ATOMIC_RELEASE);
	pthread_join(m->thread, NULL);
	free(m);
}

/* The page-table validator over @mm (the invariant checker cannot run
 * while the test holds a folio's lock). */
static void assert_pgtables_valid(struct mm_struct *mm)
{
	char msg[256];
	bool valid;

	mmap_write_lock(mm);
	valid = mm_pgtables_valid(mm, msg, sizeof(msg));
	mmap_write_unlock(mm);
	if (!valid)
		fail_msg("page tables: %s", msg);
}

static enum softleaf_type entry_type(struct mm_struct *mm, unsigned long addr)
{
	return softleaf_type(pmd_to_softleaf(pmd_at(mm, addr)));
}

/*
 * The entry keeps the PMD's write, dirty and young bits and the folio's
 * anon-exclusive state; RSS keeps counting it, AnonHugePages does not
 * while it is there; the page-table validator accepts it; undoing restores
 * the same huge PMD.
 */
static void test_pmd_entry_keeps_state(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = thp_region(mm, 1);
	struct migrator *m = pmd_migration_start(mm, addr);
	struct page *folio = m->folio;
	pte_t entry = pmd_to_softleaf(pmd_at(mm, addr));

	assert_int_equal(softleaf_type(entry), SOFTLEAF_MIGRATION_WRITE);
	assert_int_equal(softleaf_pfn(entry), page_to_pfn(folio));
	assert_true(entry.pte & SOFTLEAF_DIRTY);
	assert_true(entry.pte & SOFTLEAF_YOUNG);
	assert_false(PageAnonExclusive(folio));
	assert_int_equal(folio_entire_mapcount(folio), 0);
	assert_int_equal(page_ref_count(folio), 1);
	assert_int_equal(get_mm_counter(mm, MM_ANONPAGES), HPAGE_PMD_NR);
	assert_int_equal(event("nr_anon_transparent_hugepages"), 0);
	assert_int_equal(event("thp_split_pmd"), 0);
	assert_pgtables_valid(mm);
	pmd_migration_end(m);
	assert_ptr_equal(thp_at(mm, addr), folio);
	assert_true(pmd_write(pmd_at(mm, addr)) && pmd_dirty(pmd_at(mm, addr)) &&
		    pmd_young(pmd_at(mm, addr)));
	assert_true(PageAnonExclusive(folio));
	assert_int_equal(folio_entire_mapcount(folio), 1);
	assert_int_equal(event("nr_anon_transparent_hugepages"), 1);
	verify(mm, addr, 0, HPAGE_PMD_NR, 1);
	assert_invariants();
	mmput(mm);
}

struct faulter {
	struct mm_struct *mm;
	unsigned long addr;
	bool write;
	int err;
	uint64_t buf[PAGE_SIZE / 8];
};

static void *fault_thread(void *arg)
{
	struct faulter *f = arg;

	cpu_bind_current(1);
	f->err = access_mm(f->mm, f->addr, f->buf, PAGE_SIZE, f->write);
	return NULL;
}

/* A fault on the entry sleeps on the folio's lock (pmd_migration_entry_wait)
 * and, retried after the migration, finds the huge PMD again. */
static void check_fault_waits(bool write)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = thp_region(mm, 2);
	struct migrator *m = pmd_migration_start(mm, addr);
	struct page *folio = m->folio;
	struct faulter f = { .mm = mm, .addr = addr + 9 * PAGE_SIZE, .write = write };
	pthread_t thread;

	for (size_t i = 0; i < ARRAY_SIZE(f.buf); i++)
		f.buf[i] = word(2, 9, i * 8);
	f.err = 1;
	pthread_create(&thread, NULL, fault_thread, &f);
	while (!PageWaiters(folio))
		sched_yield();
	assert_int_equal(__atomic_load_n(&f.err, __ATOMIC_ACQUIRE), 1);	/* still waiting */
	assert_true(is_pmd_migration_entry(pmd_at(mm, addr)));
	pmd_migration_end(m);
	pthread_join(thread, NULL);
	assert_int_equal(f.err, 0);
	for (size_t i = 0; i < ARRAY_SIZE(f.buf); i++)
		assert_true(f.buf[i] == word(2, 9, i * 8));
	assert_ptr_equal(thp_at(mm, addr), folio);
	assert_int_equal(event("thp_split_pmd"), 0);
	verify(mm, addr, 0, HPAGE_PMD_NR, 2);
	assert_invariants();
	mmput(mm);
}

static void test_read_fault_waits_on_pmd_entry(void **state)
{
	check_fault_waits(false);
}

static void test_write_fault_waits_on_pmd_entry(void **state)
{
	check_fault_waits(true);
}

/*
 * fork copies the entry: a write entry becomes a read entry in both mms,
 * the child's RSS counts it; after the migration both map the folio by a
 * read-only huge PMD, shared, and a write in the child copies.
 */
static void test_fork_copies_pmd_entry(void **state)
{
	struct mm_struct *mm = mm_alloc(), *child;
	unsigned long addr = thp_region(mm, 3);
	struct migrator *m = pmd_migration_start(mm, addr);
	struct page *folio = m->folio;
	int err = 0;

	child = dup_mm(mm, &err);
	assert_non_null(child);
	assert_int_equal(entry_type(mm, addr), SOFTLEAF_MIGRATION_READ);
	assert_int_equal(entry_type(child, addr), SOFTLEAF_MIGRATION_READ);
	assert_int_equal(get_mm_counter(child, MM_ANONPAGES), HPAGE_PMD_NR);
	assert_int_equal(page_ref_count(folio), 1);
	assert_pgtables_valid(mm);
	assert_pgtables_valid(child);
	pmd_migration_end(m);
	assert_ptr_equal(thp_at(child, addr), folio);
	assert_ptr_equal(thp_at(mm, addr), folio);
	assert_false(pmd_write(pmd_at(mm, addr)) || pmd_write(pmd_at(child, addr)));
	assert_false(PageAnonExclusive(folio));
	assert_int_equal(folio_entire_mapcount(folio), 2);
	assert_int_equal(page_ref_count(folio), 2);
	fill(child, addr, 1, 4);
	verify(child, addr, 0, 1, 4);
	verify(child, addr, 1, HPAGE_PMD_NR - 1, 3);
	verify(mm, addr, 0, HPAGE_PMD_NR, 3);
	assert_invariants();
	mmput(child);
	mmput(mm);
}

/* munmap of the region and MADV_DONTNEED of the whole THP clear the entry with its
 * deposited table; migration then finds no entry, and the folio goes. */
static void test_unmap_clears_pmd_entry(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long a = thp_region(mm, 5), b = thp_region(mm, 6);
	struct migrator *ma = pmd_migration_start(mm, a), *mb = pmd_migration_start(mm, b);
	struct vm_area_struct *vma = find_vma(mm, a);
	long tables = mm_pgtable_pages(mm);

	assert_int_equal(do_munmap(mm, vma->vm_start, vma->vm_end - vma->vm_start), 0);
	assert_int_equal(madvise_dontneed(mm, b, PMD_SIZE), 0);
	assert_true(pmd_none(pmd_at(mm, b)));
	assert_int_equal(get_mm_counter(mm, MM_ANONPAGES), 0);
	assert_true((long)mm_pgtable_pages(mm) < tables);
	assert_pgtables_valid(mm);
	pmd_migration_end(ma);
	pmd_migration_end(mb);
	assert_int_equal(event("nr_anon_transparent_hugepages"), 0);
	assert_int_equal(event("thp_split_pmd"), 0);
	assert_int_equal(event("nr_anon_pages"), 0);
	verify_zero(mm, b);
	assert_invariants();
	mmput(mm);
}

/*
 * MADV_DONTNEED of part of the THP splits the entry into 512 PTE migration
 * entries (thp_split_pmd), each with the entry's state; those left map
 * the folio's pages by PTEs after the migration.
 */
static void test_partial_unmap_splits_pmd_entry(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = thp_region(mm, 7);
	struct migrator *m = pmd_migration_start(mm, addr);
	struct page *folio = m->folio;
	spinlock_t *ptl;
	pte_t *ptep;

	assert_int_equal(madvise_dontneed(mm, addr, 16 * PAGE_SIZE), 0);
	assert_int_equal(event("thp_split_pmd"), 1);
	assert_true(pmd_present(pmd_at(mm, addr)) && !pmd_trans_huge(pmd_at(mm, addr)));
	mmap_read_lock(mm);
	ptep = pte_offset_map_lock(mm, addr + 16 * PAGE_SIZE, &ptl);
	assert_non_null(ptep);
	for (unsigned long i = 16; i < HPAGE_PMD_NR; i++, ptep++) {
		pte_t entry = ptep_get(ptep);

		assert_int_equal(softleaf_type(entry), SOFTLEAF_MIGRATION_WRITE);
		assert_int_equal(softleaf_pfn(entry), page_to_pfn(folio) + i);
		assert_true(entry.pte & SOFTLEAF_DIRTY);
	}
	spin_unlock(ptl);
	mmap_read_unlock(mm);
	assert_int_equal(get_mm_counter(mm, MM_ANONPAGES), HPAGE_PMD_NR - 16);
	assert_pgtables_valid(mm);
	pmd_migration_end(m);
	assert_int_equal(folio_mapcount(folio), HPAGE_PMD_NR - 16);
	assert_int_equal(folio_entire_mapcount(folio), 0);
	verify(mm, addr, 16, HPAGE_PMD_NR - 16, 7);
	verify_zero(mm, addr);
	assert_invariants();
	mmput(mm);
}

/* move_pages finds no page at an address a PMD migration entry covers. */
static void test_move_pages_meets_pmd_entry(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = thp_region(mm, 8), pfn;
	struct migrator *m = pmd_migration_start(mm, addr);
	struct page *folio = m->folio;
	int status = 1;

	assert_int_equal(follow_pfn(mm, addr, &pfn), -ENOENT);
	assert_int_equal(move_pages_range(mm, addr + PAGE_SIZE, 1, &status), 0);
	assert_int_equal(status, -ENOENT);
	pmd_migration_end(m);
	assert_int_equal(follow_pfn(mm, addr, &pfn), 0);
	assert_int_equal(pfn, page_to_pfn(folio));
	mmput(mm);
}

/* khugepaged's scan passes over a PMD migration entry (no PTE table). */
static void test_khugepaged_skips_pmd_entry(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = thp_region(mm, 12);
	struct migrator *m = pmd_migration_start(mm, addr);
	pmd_t entry = pmd_at(mm, addr);

	assert_int_equal(thp_knob_write("khugepaged/scan_sleep_millisecs", "0"), 0);
	khugepaged_step(1);
	assert_true(khugepaged_full_scans > 0);
	assert_int_equal(pmd_val(pmd_at(mm, addr)), pmd_val(entry));
	assert_int_equal(event("thp_collapse_alloc"), 0);
	assert_pgtables_valid(mm);
	pmd_migration_end(m);
	verify(mm, addr, 0, HPAGE_PMD_NR, 12);
	mmput(mm);
}

/* Real migrations while another CPU writes and reads the THP: it stays
 * PMD-mapped (no thp_split_pmd), and no write is lost. */
struct writer {
	struct mm_struct *mm;
	unsigned long addr;
	bool stop, started;
	long errors;
};

static void *writer_thread(void *arg)
{
	struct writer *w = arg;
	uint64_t buf[PAGE_SIZE / 8];

	cpu_bind_current(1);
	for (uint64_t seq = 0; !__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE); seq++) {
		unsigned long addr = w->addr + (seq % HPAGE_PMD_NR) * PAGE_SIZE;

		for (size_t i = 0; i < ARRAY_SIZE(buf); i++)
			buf[i] = seq + i;
		access_mm(w->mm, addr, buf, PAGE_SIZE, true);
		access_mm(w->mm, addr, buf, PAGE_SIZE, false);
		for (size_t i = 0; i < ARRAY_SIZE(buf); i++)
			w->errors += buf[i] != seq + i;
		__atomic_store_n(&w->started, true, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void test_migrate_pmd_thp_under_access(void **state)
{
	struct mm_struct *mm = mm_alloc();
	struct writer w = { .mm = mm };
	pthread_t thread;
	int status;

	w.addr = thp_region(mm, 9);
	pthread_create(&thread, NULL, writer_thread, &w);
	while (!__atomic_load_n(&w.started, __ATOMIC_ACQUIRE))
		sched_yield();
	for (int round = 0; round < 20; round++)
		move_pages_range(mm, w.addr + round * PAGE_SIZE, 1, &status);
	__atomic_store_n(&w.stop, true, __ATOMIC_RELEASE);
	pthread_join(thread, NULL);
	assert_int_equal(w.errors, 0);
	assert_int_equal(event("thp_migration_success") + event("thp_migration_fail"), 20);
	assert_true(event("thp_migration_success") > 0);
	assert_int_equal(event("thp_split_pmd"), 0);
	assert_int_equal(event("nr_anon_transparent_hugepages"), 1);
	assert_int_equal(folio_entire_mapcount(thp_at(mm, w.addr)), 1);
	assert_invariants();
	mmput(mm);
}

/*
 * No order-9 target (fail_page_alloc min-order 9): the PMD-mapped THP is
 * split (its PMD, then the folio) and its 512 pages migrated one by one;
 * thp_migration_split and thp_migration_fail count it, pgmigrate_success
 * its pages, and every byte stays.
 */
static void test_migrate_pmd_thp_split_without_target(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = thp_region(mm, 10), pfn;
	struct page *old = thp_at(mm, addr);
	int status = 1;

	assert_int_equal(fail_page_alloc_set("verbose", 0), 0);
	assert_int_equal(fail_page_alloc_set("min-order", HPAGE_PMD_ORDER), 0);
	assert_int_equal(fail_page_alloc_set("ignore-gfp-wait", 0), 0);
	assert_int_equal(fail_page_alloc_set("ignore-gfp-highmem", 0), 0);
	assert_int_equal(fail_page_alloc_set("times", -1), 0);
	assert_int_equal(fail_page_alloc_set("probability", 100), 0);
	assert_int_equal(move_pages_range(mm, addr, 1, &status), HPAGE_PMD_NR);
	assert_int_equal(fail_page_alloc_set("probability", 0), 0);
	assert_int_equal(status, 0);
	assert_int_equal(event("thp_migration_split"), 1);
	assert_int_equal(event("thp_migration_fail"), 1);
	assert_int_equal(event("thp_migration_success"), 0);
	assert_int_equal(event("thp_split_page"), 1);
	assert_int_equal(event("thp_split_pmd"), 1);
	assert_int_equal(event("pgmigrate_success"), HPAGE_PMD_NR);
	assert_int_equal(event("pgmigrate_fail"), 0);
	assert_int_equal(event("nr_anon_transparent_hugepages"), 0);
	assert_int_equal(event("nr_isolated_anon"), 0);
	for (unsigned long i = 0; i < HPAGE_PMD_NR; i++) {
		assert_int_equal(follow_pfn(mm, addr + i * PAGE_SIZE, &pfn), 0);
		assert_true(pfn - page_to_pfn(old) >= HPAGE_PMD_NR);
		assert_int_equal(folio_order(pfn_to_page(pfn)), 0);
	}
	verify(mm, addr, 0, HPAGE_PMD_NR, 10);
	assert_invariants();
	mmput(mm);
}

/*
 * A partially mapped THP on the deferred split queue (part of it dropped
 * by MADV_DONTNEED) is split before migration, as 6.18's
 * migrate_pages_batch() does: one failed and split THP, its mapped pages
 * moved one by one, the dropped ones freed (counted as migrated, freed
 * under us).
 */
static void test_migrate_partially_mapped_thp_splits(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = thp_region(mm, 11), pfn;
	struct page *old = thp_at(mm, addr);
	int status = 1;

	assert_int_equal(madvise_dontneed(mm, addr, 16 * PAGE_SIZE), 0);
	assert_int_equal(event("thp_deferred_split_page"), 1);
	assert_int_equal(move_pages_range(mm, addr + 16 * PAGE_SIZE, 1, &status), HPAGE_PMD_NR);
	assert_int_equal(status, 0);
	assert_int_equal(event("thp_migration_split"), 1);
	assert_int_equal(event("thp_migration_fail"), 1);
	assert_int_equal(event("thp_migration_success"), 0);
	assert_int_equal(event("thp_split_page"), 1);
	assert_int_equal(event("pgmigrate_success"), HPAGE_PMD_NR);
	assert_int_equal(event("pgmigrate_fail"), 0);
	assert_int_equal(event("nr_isolated_anon"), 0);
	assert_int_equal(event("nr_anon_pages"), HPAGE_PMD_NR - 16);
	for (unsigned long i = 16; i < HPAGE_PMD_NR; i++) {
		assert_int_equal(follow_pfn(mm, addr + i * PAGE_SIZE, &pfn), 0);
		/* Moved (the dropped pages' frames may be reused). */
		assert_true(pfn != page_to_pfn(old) + i);
		assert_int_equal(folio_order(pfn_to_page(pfn)), 0);
	}
	verify(mm, addr, 16, HPAGE_PMD_NR - 16, 11);
	assert_invariants();
	mmput(mm);
}

/*
 * A split maps the THP's zero-filled pages to the zero page under their
 * PTE lock alone, lowering MM_ANONPAGES while the validator, holding
 * mmap_lock for write, may be walking: it must not call that a miscount.
 * One thread validates without pause; this one faults THPs with one word
 * written (511 zero-filled pages each) and splits them.
 */
struct validator_race {
	struct mm_struct *mm;
	bool stop;				/* atomic */
	bool failed;				/* atomic; set after msg */
	char msg[256];
};

static void *validate_until_stopped(void *arg)
{
	struct validator_race *r = arg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		bool valid;

		mmap_write_lock(r->mm);
		valid = mm_pgtables_valid(r->mm, r->msg, sizeof(r->msg));
		mmap_write_unlock(r->mm);
		if (!valid) {
			__atomic_store_n(&r->failed, true, __ATOMIC_RELEASE);
			break;
		}
	}
	return NULL;
}

static void split_thp_at(struct mm_struct *mm, unsigned long addr)
{
	struct page *folio = thp_at(mm, addr);

	get_page(folio);
	lock_page(folio);
	assert_int_equal(split_huge_page(folio), 0);
	unlock_page(folio);
	put_page(folio);
}

static void test_pgtables_validator_races_zero_remap(void **state)
{
	struct validator_race r = { .mm = mm_alloc() };
	unsigned long addr, thp, one = 1;
	pthread_t validator;

	assert_int_equal(thp_knob_write("enabled", "always"), 0);
	assert_int_equal(pthread_create(&validator, NULL, validate_until_stopped, &r), 0);
	for (int i = 0; i < 200 && !__atomic_load_n(&r.failed, __ATOMIC_ACQUIRE); i++) {
		assert_int_equal(do_mmap(r.mm, 2 * PMD_SIZE, false, &addr), 0);
		thp = ALIGN(addr, PMD_SIZE);
		assert_int_equal(access_mm(r.mm, thp, &one, sizeof(one), true), 0);
		split_thp_at(r.mm, thp);
		assert_int_equal(do_munmap(r.mm, addr, 2 * PMD_SIZE), 0);
	}
	__atomic_store_n(&r.stop, true, __ATOMIC_RELEASE);
	pthread_join(validator, NULL);
	if (r.failed)
		fail_msg("%s", r.msg);
	mmput(r.mm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		machine_test(test_pmd_entry_keeps_state),
		machine_test(test_read_fault_waits_on_pmd_entry),
		machine_test(test_write_fault_waits_on_pmd_entry),
		machine_test(test_fork_copies_pmd_entry),
		machine_test(test_unmap_clears_pmd_entry),
		machine_test(test_partial_unmap_splits_pmd_entry),
		machine_test(test_move_pages_meets_pmd_entry),
		machine_test(test_khugepaged_skips_pmd_entry),
		machine_test(test_migrate_pmd_thp_under_access),
		machine_test(test_migrate_pmd_thp_split_without_target),
		machine_test(test_migrate_partially_mapped_thp_splits),
		machine_test(test_pgtables_validator_races_zero_remap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
