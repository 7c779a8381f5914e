/* SPDX-License-Identifier: MIT */
/*
 * pgtable.c - page tables: allocation, walks with and without the
 * page-table lock, and freeing tables that no longer map anything.
 *
 * Tables are order-0 unmovable frames from the buddy allocator, marked
 * PageTable, counted in NR_PAGETABLE. Each one carries its own lock (the
 * kernel's split PTE lock) allocated beside it and pointed to by
 * page->private, as the kernel does when spinlock_t is too large to live
 * in struct page (ALLOC_SPLIT_PTLOCKS). Only the PTE-level lock is used;
 * upper levels are populated under mm->page_table_lock.
 *
 * Readers: the simulated MMU walks without locks (pte_offset_lockless);
 * every table and entry is read with acquire loads, and a table is freed
 * only after its parent entry is cleared and flush_tlb_wait() has seen
 * every in-flight access finish, so a lockless walker never reads a freed
 * table. rmap walkers take the PTE lock (pte_offset_map_lock) and are
 * excluded from tables being freed because the VMA was first unlinked from
 * the rmap under the anon_vma / i_mmap locks.
 *
 * A PMD entry may also be a leaf mapping a transparent huge page, or a
 * PMD migration entry standing for one (see pgtable.h): next_table()
 * treats either as no table, so walkers looking for PTEs skip it, and
 * table_alloc() never overwrites it. Each huge PMD of an
 * mm has a PTE table deposited beside it (the kernel's
 * pgtable_trans_huge_deposit(), on the mm's pmd_huge_pte list as without
 * split PMD locks), so splitting the PMD never needs memory; deposited
 * tables count in pgtables_bytes and NR_PAGETABLE. The PMD lock is
 * mm->page_table_lock (the kernel's pmd_lock() without split PMD locks).
 *
 * Validators (core/debug.h): mm_pgtables_valid() checks a whole mm (its
 * tables, every entry, its RSS counters and pgtables_bytes) with
 * mmap_lock held for write, which keeps faults, and so table population
 * and RSS changes, out; pte_table_valid() checks the one PTE table a fault
 * changed, under that table's lock. Each entry is read under its table's
 * lock, which every writer of an entry (and of the _mapcount that goes
 * with it) holds.
 */
#include <stdlib.h>
#include "vm/huge_mm.h"
#include "vm/mm.h"

#define TABLE_PRESENT	_PAGE_PRESENT

static unsigned long *table_of_pfn(unsigned long pfn)
{
	return page_address(pfn_to_page(pfn));
}

static unsigned long *next_table(unsigned long *entry)
{
	unsigned long e = __atomic_load_n(entry, __ATOMIC_ACQUIRE);

	if (!(e & TABLE_PRESENT) || (e & _PAGE_PSE))
		return NULL;	/* empty, or a huge PMD leaf */
	return table_of_pfn((e & PTE_PFN_MASK) >> PAGE_SHIFT);
}

static struct page *table_page(const unsigned long *table)
{
	return pfn_to_page(((unsigned char *)table - machine.arena) >> PAGE_SHIFT);
}

static struct page *pgtable_alloc(struct mm_struct *mm)
{
	struct page *page = alloc_pages(GFP_KERNEL | __GFP_ZERO | __GFP_NOWARN, 0);
	spinlock_t *ptl;

	if (!page)
		return NULL;
	ptl = kmalloc(sizeof(*ptl));
	if (!ptl) {
		__free_pages(page, 0);
		return NULL;
	}
	spin_lock_init(ptl, LOCK_CLASS_PTL);
	WRITE_ONCE(page->private, (unsigned long)ptl);	/* compaction peeks at private */
	__SetPageTable(page);
	mod_node_page_state(page_zone(page)->zone_pgdat, NR_PAGETABLE, 1);
	__atomic_fetch_add(&mm->pgtables_bytes, PAGE_SIZE, __ATOMIC_RELAXED);
	return page;
}

static void pgtable_free(struct mm_struct *mm, struct page *page)
{
	spinlock_t *ptl = (spinlock_t *)page->private;

	spin_lock_destroy(ptl);
	free(ptl);
	WRITE_ONCE(page->private, 0);
	__ClearPageTable(page);
	mod_node_page_state(page_zone(page)->zone_pgdat, NR_PAGETABLE, -1);
	__atomic_fetch_sub(&mm->pgtables_bytes, PAGE_SIZE, __ATOMIC_RELAXED);
	__free_pages(page, 0);
}

/**
 * pgd_alloc() - give @mm its top-level table.
 * Context: mm creation. Return: 0 or -ENOMEM.
 */
int pgd_alloc(struct mm_struct *mm)
{
	struct page *page = pgtable_alloc(mm);

	if (!page)
		return -ENOMEM;
	mm->pgd_pfn = page_to_pfn(page);
	return 0;
}

/* The PMD entry covering @addr, or NULL if an upper table is missing. */
static unsigned long *pmd_entry_lockless(struct mm_struct *mm, unsigned long addr)
{
	unsigned long *pgd = table_of_pfn(mm->pgd_pfn);
	unsigned long *pud = next_table(&pgd[pgd_index(addr)]);
	unsigned long *pmd = pud ? next_table(&pud[pud_index(addr)]) : NULL;

	return pmd ? &pmd[pmd_index(addr)] : NULL;
}

/**
 * pmd_off() - the PMD slot covering @addr, found without locks.
 * Context: as pte_offset_lockless(). Return: the slot, or NULL if no PMD
 * table covers @addr.
 */
pmd_t *pmd_off(struct mm_struct *mm, unsigned long addr)
{
	return (pmd_t *)pmd_entry_lockless(mm, addr);
}

/**
 * pte_offset_lockless() - the PTE for @addr, found without locks, as the
 * MMU finds it.
 * Context: inside tlb_access_begin()/end(), or with the PTE lock about to
 * be taken by pte_offset_map_lock(). Return: the entry, or NULL if no PTE
 * table covers @addr.
 */
pte_t *pte_offset_lockless(struct mm_struct *mm, unsigned long addr)
{
	unsigned long *pmd = pmd_entry_lockless(mm, addr);
	unsigned long *pte = pmd ? next_table(pmd) : NULL;

	return pte ? (pte_t *)&pte[pte_index(addr)] : NULL;
}

/** pte_lockptr() - the lock of the PTE table holding @ptep. */
spinlock_t *pte_lockptr(pte_t *ptep)
{
	unsigned long *table = (unsigned long *)ALIGN_DOWN((uintptr_t)ptep, PAGE_SIZE);

	return (spinlock_t *)table_page(table)->private;
}

/**
 * pte_offset_map_lock() - the PTE for @addr with its page-table lock held.
 * Context: the mm's tables cannot be freed under the caller (mmap_lock, or
 * an rmap lock covering the VMA). Takes the PTE lock.
 * Return: the entry with *@ptlp locked, or NULL if no PTE table exists.
 */
pte_t *pte_offset_map_lock(struct mm_struct *mm, unsigned long addr, spinlock_t **ptlp)
{
	pte_t *ptep = pte_offset_lockless(mm, addr);

	if (!ptep)
		return NULL;
	*ptlp = pte_lockptr(ptep);
	spin_lock(*ptlp);
	return ptep;
}

/* Make sure *@entry points at a table, allocating one if needed. */
static unsigned long *table_alloc(struct mm_struct *mm, unsigned long *entry)
{
	unsigned long *table = next_table(entry);
	struct page *page;

	if (table)
		return table;
	page = pgtable_alloc(mm);
	if (!page)
		return NULL;
	spin_lock(&mm->page_table_lock);
	table = next_table(entry);
	/* A huge PMD leaf installed meanwhile stays: no table (NULL). */
	if (!__atomic_load_n(entry, __ATOMIC_RELAXED)) {
		__atomic_store_n(entry, PFN_PHYS(page_to_pfn(page)) | TABLE_PRESENT,
				 __ATOMIC_RELEASE);
		table = page_address(page);
		page = NULL;
	}
	spin_unlock(&mm->page_table_lock);
	if (page)
		pgtable_free(mm, page);
	return table;
}

/**
 * pmd_alloc() - the PMD slot for @addr, allocating the upper tables.
 * Context: mmap_lock held; takes mm->page_table_lock to populate tables.
 * Return: the slot, or NULL if a table could not be allocated.
 */
pmd_t *pmd_alloc(struct mm_struct *mm, unsigned long addr)
{
	unsigned long *pgd = table_of_pfn(mm->pgd_pfn);
	unsigned long *pud = table_alloc(mm, &pgd[pgd_index(addr)]);
	unsigned long *pmd = pud ? table_alloc(mm, &pud[pud_index(addr)]) : NULL;

	return pmd ? (pmd_t *)&pmd[pmd_index(addr)] : NULL;
}

/**
 * pte_alloc_one() - a new, empty PTE table for @mm, not yet in its tables
 * (to deposit beside a huge PMD).
 * Context: may allocate. Return: the table's page, or NULL.
 */
struct page *pte_alloc_one(struct mm_struct *mm)
{
	return pgtable_alloc(mm);
}

/** pte_free() - free a table from pte_alloc_one() that was never used. */
void pte_free(struct mm_struct *mm, struct page *table)
{
	pgtable_free(mm, table);
}

/**
 * pgtable_trans_huge_deposit() - keep @table for the huge PMD being
 * installed, so that splitting it later needs no allocation.
 * Context: the PMD lock (mm->page_table_lock) held.
 */
void pgtable_trans_huge_deposit(struct mm_struct *mm, struct page *table)
{
	lockdep_assert_held(&mm->page_table_lock);
	list_add(&table->lru, &mm->pmd_huge_pte);
	mm->nr_pmd_huge_pte++;
}

/**
 * pgtable_trans_huge_withdraw() - take back a table deposited for a huge
 * PMD that is going away (to free it) or being split (to use it).
 * Context: the PMD lock held. Return: the table's page (zeroed).
 */
struct page *pgtable_trans_huge_withdraw(struct mm_struct *mm)
{
	struct page *table;

	lockdep_assert_held(&mm->page_table_lock);
	BUG_ON(list_empty(&mm->pmd_huge_pte));
	table = list_first_entry(&mm->pmd_huge_pte, struct page, lru);
	list_del(&table->lru);
	INIT_LIST_HEAD(&table->lru);
	mm->nr_pmd_huge_pte--;
	return table;
}

/**
 * pmd_populate() - point the PMD slot @pmdp at the PTE table @table.
 * Context: the PMD lock held; @table is filled and private until now.
 */
void pmd_populate(pmd_t *pmdp, struct page *table)
{
	__atomic_store_n(&pmdp->val, PFN_PHYS(page_to_pfn(table)) | TABLE_PRESENT,
			 __ATOMIC_RELEASE);
}

/** pte_table_page() - the page of the PTE table holding @ptep. */
struct page *pte_table_page(pte_t *ptep)
{
	return table_page((unsigned long *)ALIGN_DOWN((uintptr_t)ptep, PAGE_SIZE));
}

/** pte_table_of() - the first PTE of the PTE table @table. */
pte_t *pte_table_of(struct page *table)
{
	return page_address(table);
}

/**
 * pte_alloc_map_lock() - the PTE for @addr with its lock held, allocating
 * missing tables.
 * Context: mmap_lock held. Takes mm->page_table_lock to populate tables,
 * then the PTE lock. Return: the entry, or NULL if a table could not be
 * allocated (the caller reports -ENOMEM) or a huge PMD maps @addr.
 */
pte_t *pte_alloc_map_lock(struct mm_struct *mm, unsigned long addr, spinlock_t **ptlp)
{
	unsigned long *pgd = table_of_pfn(mm->pgd_pfn);
	unsigned long *pud = table_alloc(mm, &pgd[pgd_index(addr)]);
	unsigned long *pmd = pud ? table_alloc(mm, &pud[pud_index(addr)]) : NULL;
	unsigned long *pte = pmd ? table_alloc(mm, &pmd[pmd_index(addr)]) : NULL;

	if (!pte)
		return NULL;
	*ptlp = pte_lockptr((pte_t *)pte);
	spin_lock(*ptlp);
	return (pte_t *)&pte[pte_index(addr)];
}

/**
 * walk_pte_range_locked() - call @fn on every PTE slot of [start, end)
 * that has a PTE table, with that table's lock held.
 * Context: mmap_lock held; takes each PTE lock in turn.
 */
void walk_pte_range_locked(struct mm_struct *mm, unsigned long start, unsigned long end,
			   pte_range_fn fn, void *arg)
{
	unsigned long addr = start;

	while (addr < end) {
		unsigned long next = min((addr & PMD_MASK) + PMD_SIZE, end);
		spinlock_t *ptl;
		pte_t *ptep = pte_offset_map_lock(mm, addr, &ptl);

		if (ptep) {
			for (; addr < next; addr += PAGE_SIZE, ptep++)
				fn(mm, ptep, addr, arg);
			spin_unlock(ptl);
		}
		addr = next;
	}
}

static bool table_empty(const unsigned long *table)
{
	for (int i = 0; i < PTRS_PER_TABLE; i++)
		if (__atomic_load_n(&table[i], __ATOMIC_RELAXED))
			return false;
	return true;
}

/* Clear @entry if the table it points to is empty; collect the table. */
static bool unhook_if_empty(unsigned long *entry, struct list_head *freed)
{
	unsigned long *table = next_table(entry);

	if (!table || !table_empty(table))
		return false;
	__atomic_store_n(entry, 0, __ATOMIC_RELEASE);
	list_add(&table_page(table)->lru, freed);
	return true;
}

static void free_unhooked(struct mm_struct *mm, struct list_head *freed)
{
	struct page *page, *next;

	if (list_empty(freed))
		return;
	flush_tlb_wait();
	list_for_each_entry_safe(page, next, freed, lru) {
		list_del(&page->lru);
		pgtable_free(mm, page);
	}
}

static const int level_shift[] = { PGDIR_SHIFT, PUD_SHIFT, PMD_SHIFT };
#define PMD_LEVEL	2	/* the level whose entries may be huge leaves */

/*
 * Unhook the empty tables under the entries of @table covering [start, end)
 * whose whole span lies within [floor, ceiling): a table that also covers
 * another VMA's addresses stays, so an rmap walker of that VMA (which holds
 * only that VMA's rmap lock) never finds it freed under it.
 */
static void unhook_empty_tables(unsigned long *table, int level, unsigned long start,
				unsigned long end, unsigned long floor, unsigned long ceiling,
				struct list_head *freed)
{
	unsigned long size = 1UL << level_shift[level];

	for (unsigned long addr = start; addr < end; addr = ALIGN_DOWN(addr, size) + size) {
		unsigned long *entry = &table[(addr >> level_shift[level]) & (PTRS_PER_TABLE - 1)];
		unsigned long *child = next_table(entry);
		unsigned long base = ALIGN_DOWN(addr, size);

		if (!child)
			continue;
		if (level + 1 < (int)ARRAY_SIZE(level_shift))
			unhook_empty_tables(child, level + 1, addr, min(end, base + size),
					    floor, ceiling, freed);
		if (base >= floor && base + size <= ceiling)
			unhook_if_empty(entry, freed);
	}
}

/**
 * free_empty_pgtables() - free the PTE, PMD and PUD tables of
 * [start, end) that no longer map anything and cover nothing outside
 * [floor, ceiling) (the gap between the neighbouring VMAs).
 * Context: mmap_lock held for write; the range's VMAs are already unlinked
 * from the rmap. Takes mm->page_table_lock; waits for in-flight accesses
 * before freeing.
 */
void free_empty_pgtables(struct mm_struct *mm, unsigned long start, unsigned long end,
			 unsigned long floor, unsigned long ceiling)
{
	LIST_HEAD(freed);

	spin_lock(&mm->page_table_lock);
	unhook_empty_tables(table_of_pfn(mm->pgd_pfn), 0, start, end, floor, ceiling, &freed);
	spin_unlock(&mm->page_table_lock);
	free_unhooked(mm, &freed);
}

/**
 * free_all_pgtables() - free every table of @mm, the top level included.
 * Context: exit; every mapping is gone and no CPU uses @mm any more.
 */
void free_all_pgtables(struct mm_struct *mm)
{
	unsigned long *pgd = table_of_pfn(mm->pgd_pfn);

	free_empty_pgtables(mm, 0, TASK_SIZE, 0, TASK_SIZE);
	BUG_ON(!table_empty(pgd) || mm->nr_pmd_huge_pte);
	pgtable_free(mm, table_page(pgd));
	mm->pgd_pfn = 0;
}

static void walk_table(unsigned long *table, int level, unsigned long base,
		       void (*fn)(pte_t pte, unsigned long addr, void *arg), void *arg)
{
	for (int i = 0; i < PTRS_PER_TABLE; i++) {
		unsigned long *child;

		if (level == (int)ARRAY_SIZE(level_shift)) {
			pte_t pte = ptep_get((pte_t *)&table[i]);

			if (!pte_none(pte))
				fn(pte, base + ((unsigned long)i << PAGE_SHIFT), arg);
			continue;
		}
		child = next_table(&table[i]);
		if (child)
			walk_table(child, level + 1,
				   base + ((unsigned long)i << level_shift[level]), fn, arg);
	}
}

/**
 * walk_all_ptes() - call @fn on every non-empty PTE of @mm.
 * Context: the mm is quiescent (the invariant checker); takes no lock.
 */
void walk_all_ptes(struct mm_struct *mm, void (*fn)(pte_t pte, unsigned long addr, void *arg),
		   void *arg)
{
	walk_table(table_of_pfn(mm->pgd_pfn), 0, 0, fn, arg);
}

static unsigned long count_tables(unsigned long *table, int level)
{
	unsigned long n = 1;

	if (level == (int)ARRAY_SIZE(level_shift))
		return 1;
	for (int i = 0; i < PTRS_PER_TABLE; i++) {
		unsigned long *child = next_table(&table[i]);

		if (child)
			n += count_tables(child, level + 1);
	}
	return n;
}

/* Present and migration entries of one mm, by the RSS counter they count in. */
struct pgtable_census {
	struct mm_struct *mm;		/* whose PMD lock guards huge entries */
	long rss[NR_MM_COUNTERS];
	unsigned long tables;
	mapped_page_fn fn;
	void *arg;
};

static enum mm_counter mm_counter_of(const struct page *page)
{
	return PageAnon(page) ? MM_ANONPAGES : MM_SHMEMPAGES;
}

/*
 * One non-empty PTE at @addr: a migration entry for a frame, the zero page
 * (special), or a frame that is mapped, referenced and, unless anonymous,
 * in a mapping. Context: the entry's PTE lock held.
 */
static bool pte_entry_valid(pte_t pte, unsigned long addr, struct pgtable_census *census,
			    char *msg, size_t len)
{
	struct page *page, *folio;

	if (!pte_present(pte)) {
		if (!softleaf_is_migration(pte))
			return validation_failed(msg, len, "address %#lx has a non-present PTE %#lx "
						 "of no known kind", addr, pte_val(pte));
		if (!pfn_valid(softleaf_pfn(pte)))
			return validation_failed(msg, len, "address %#lx has a migration entry for "
						 "pfn %#lx beyond memory", addr, softleaf_pfn(pte));
		/* A migration entry counts in RSS (hugetlb in none) but holds no
		 * mapcount. */
		folio = page_folio(pfn_to_page(softleaf_pfn(pte)));
		if (!folio_test_hugetlb(folio))
			census->rss[mm_counter_of(folio)]++;
		return true;
	}
	if (pte_special(pte)) {
		if (!is_zero_pfn(pte_pfn(pte)))
			return validation_failed(msg, len, "address %#lx has a special PTE for pfn "
						 "%#lx", addr, pte_pfn(pte));
		return true;
	}
	if (!pfn_valid(pte_pfn(pte)))
		return validation_failed(msg, len, "address %#lx maps pfn %#lx beyond memory", addr,
					 pte_pfn(pte));
	page = pfn_to_page(pte_pfn(pte));
	folio = page_folio(page);
	if (page_mapcount(page) < 1 || page_ref_count(folio) < 1)
		return validation_failed(msg, len, "address %#lx maps pfn %#lx with mapcount %d "
					 "and refcount %d", addr, pte_pfn(pte),
					 page_mapcount(page), page_ref_count(folio));
	if (!PageAnon(folio) && !READ_ONCE(folio->mapping))
		return validation_failed(msg, len, "pfn %#lx is mapped but has no mapping",
					 pte_pfn(pte));
	/* hugetlb pages count in no RSS counter (Linux: the mm's hugetlb_usage). */
	if (!folio_test_hugetlb(folio))
		census->rss[mm_counter_of(folio)]++;
	return !census->fn || census->fn(page, false, census->arg);
}

/*
 * A huge PMD leaf at @addr: the huge zero page (special, read-only), or
 * the head of an order-9 anonymous folio that counts the mapping in its
 * entire mapcount and holds a reference for it. Context: the PMD lock
 * held, or the machine quiescent.
 */
static bool pmd_leaf_valid(pmd_t pmd, unsigned long addr, struct pgtable_census *census,
			   char *msg, size_t len)
{
	struct page *folio;

	if (!pfn_valid(pmd_pfn(pmd)) || (pmd_pfn(pmd) & (HPAGE_PMD_NR - 1)))
		return validation_failed(msg, len, "address %#lx: huge PMD %#lx maps a bad pfn",
					 addr, pmd_val(pmd));
	folio = pfn_to_page(pmd_pfn(pmd));
	if (pmd_special(pmd)) {
		if (!is_huge_zero_folio(folio) || pmd_write(pmd))
			return validation_failed(msg, len, "address %#lx: special huge PMD %#lx is "
						 "not the read-only huge zero page", addr,
						 pmd_val(pmd));
		return true;
	}
	if (!folio_test_large(folio) || folio_order(folio) != HPAGE_PMD_ORDER ||
	    !PageAnon(folio) || folio_entire_mapcount(folio) < 1 || folio_ref_count(folio) < 1)
		return validation_failed(msg, len, "address %#lx: huge PMD maps pfn %#lx (order %u "
					 "anon %d entire mapcount %d refcount %d)", addr,
					 pmd_pfn(pmd), folio_order(folio), PageAnon(folio),
					 folio_entire_mapcount(folio), folio_ref_count(folio));
	census->rss[MM_ANONPAGES] += HPAGE_PMD_NR;
	return !census->fn || census->fn(folio, true, census->arg);
}

/*
 * A PMD migration entry at @addr: for the head of an order-9 anonymous
 * folio (locked by its migration), counted in RSS, holding no mapcount.
 * Context: as pmd_leaf_valid().
 */
static bool pmd_migration_entry_valid(pmd_t pmd, unsigned long addr,
				      struct pgtable_census *census, char *msg, size_t len)
{
	unsigned long pfn = softleaf_pfn(pmd_to_softleaf(pmd));
	struct page *folio;

	if (!pfn_valid(pfn) || (pfn & (HPAGE_PMD_NR - 1)))
		return validation_failed(msg, len, "address %#lx: PMD migration entry %#lx for a "
					 "bad pfn", addr, pmd_val(pmd));
	folio = pfn_to_page(pfn);
	if (!PageHead(folio) || folio_order(folio) != HPAGE_PMD_ORDER || !PageAnon(folio) ||
	    !PageLocked(folio))
		return validation_failed(msg, len, "address %#lx: PMD migration entry for pfn %#lx "
					 "(head %d order %u anon %d locked %d)", addr, pfn,
					 PageHead(folio), folio_order(folio), PageAnon(folio),
					 PageLocked(folio));
	census->rss[MM_ANONPAGES] += HPAGE_PMD_NR;
	return true;
}

static bool table_valid(unsigned long *table, int level, unsigned long base,
			struct pgtable_census *census, char *msg, size_t len);

/*
 * A PMD slot at @addr that holds no table: a huge PMD or a PMD migration
 * entry, read again and checked under the PMD lock (migration changes
 * them under it, holding no mmap_lock).
 */
static bool pmd_entry_valid(pmd_t *pmdp, unsigned long addr, struct pgtable_census *census,
			    char *msg, size_t len)
{
	pmd_t pmd;
	bool valid;

	spin_lock(&census->mm->page_table_lock);
	pmd = pmdp_get(pmdp);
	/* A huge PMD or its migration entry has one table deposited: counted
	 * here, with the slot, so an rmap split moving it into the tree
	 * behind the walk neither hides nor doubles it. */
	if (pmd_trans_huge(pmd) || is_pmd_migration_entry(pmd))
		census->tables++;
	if (pmd_trans_huge(pmd))
		valid = pmd_leaf_valid(pmd, addr, census, msg, len);
	else if (is_pmd_migration_entry(pmd))
		valid = pmd_migration_entry_valid(pmd, addr, census, msg, len);
	else
		valid = pmd_none(pmd) || pmd_present(pmd) ||
			validation_failed(msg, len, "address %#lx has a non-present PMD %#lx of no "
					  "known kind", addr, pmd_val(pmd));
	spin_unlock(&census->mm->page_table_lock);
	/* A split installed a table meanwhile: check it under its own lock
	 * (the caller's mmap_lock keeps it from being freed). */
	if (valid && pmd_present(pmd) && !pmd_trans_huge(pmd))
		valid = table_valid(table_of_pfn(pmd_pfn(pmd)), PMD_LEVEL + 1, addr, census, msg,
				    len);
	return valid;
}

/* A table page: allocated, PageTable, with its lock beside it. */
static bool table_page_valid(const unsigned long *table, unsigned long base, char *msg,
			     size_t len)
{
	struct page *page = table_page(table);

	if (!PageTable(page) || page_ref_count(page) < 1 || !READ_ONCE(page->private))
		return validation_failed(msg, len, "the table for address %#lx (pfn %#lx) has "
					 "table=%d refcount=%d and no lock=%d", base,
					 page_to_pfn(page), PageTable(page), page_ref_count(page),
					 !READ_ONCE(page->private));
	return true;
}

/* The entries of one PTE table mapping from @base. Context: its lock held. */
static bool pte_entries_valid(unsigned long *table, unsigned long base,
			      struct pgtable_census *census, char *msg, size_t len)
{
	for (int i = 0; i < PTRS_PER_TABLE; i++) {
		pte_t pte = ptep_get((pte_t *)&table[i]);

		if (!pte_none(pte) &&
		    !pte_entry_valid(pte, base + ((unsigned long)i << PAGE_SHIFT), census, msg, len))
			return false;
	}
	return true;
}

static bool table_valid(unsigned long *table, int level, unsigned long base,
			struct pgtable_census *census, char *msg, size_t len)
{
	spinlock_t *ptl;
	bool valid;

	if (!table_page_valid(table, base, msg, len))
		return false;
	census->tables++;
	if (level == (int)ARRAY_SIZE(level_shift)) {
		ptl = (spinlock_t *)table_page(table)->private;
		spin_lock(ptl);
		valid = pte_entries_valid(table, base, census, msg, len);
		spin_unlock(ptl);
		return valid;
	}
	for (int i = 0; i < PTRS_PER_TABLE; i++) {
		unsigned long *child = next_table(&table[i]);
		unsigned long addr = base + ((unsigned long)i << level_shift[level]);
		pmd_t pmd = __pmd(__atomic_load_n(&table[i], __ATOMIC_ACQUIRE));

		if (level == PMD_LEVEL && !child && !pmd_none(pmd) &&
		    !pmd_entry_valid((pmd_t *)&table[i], addr, census, msg, len))
			return false;
		if (level < PMD_LEVEL && !child && !pmd_none(pmd))
			return validation_failed(msg, len, "address %#lx has an upper entry %#lx "
						 "of no known kind", addr, pmd_val(pmd));
		if (child && !table_valid(child, level + 1, addr, census, msg, len))
			return false;
	}
	return true;
}

/*
 * Walks made while zero-page remaps keep moving the RSS; after the last,
 * the RSS cannot be told right or wrong and is not judged.
 */
#define PGTABLES_VALID_WALKS	4

/**
 * __mm_pgtables_valid() - check @mm's page tables and RSS, showing each
 * page a present PTE maps to @fn.
 * @mm: a live mm.
 * @fn: called with every mapped page (once per PTE) and @arg, or NULL;
 *	when it returns false the walk stops and so does the validator,
 *	leaving @msg to @fn.
 * @arg: passed to @fn.
 * @msg: receives the first problem found.
 * @len: size of @msg.
 *
 * Context: mmap_lock held for write (or the machine quiescent: the
 * invariant checker); takes each PTE table's lock in turn. A split's
 * remap of zero-filled pages (vm/huge_split.c) changes the RSS under a
 * PTE lock alone: when one ran during the walk (mm->rss_rmap_changes
 * moved) and the RSS does not add up, the walk is made again, up to
 * PGTABLES_VALID_WALKS times.
 * Return: true if the tables are valid.
 */
bool __mm_pgtables_valid(struct mm_struct *mm, mapped_page_fn fn, void *arg, char *msg,
			 size_t len)
{
	for (int walk = 1;; walk++) {
		unsigned long rmap_changes = __atomic_load_n(&mm->rss_rmap_changes,
							     __ATOMIC_ACQUIRE);
		struct pgtable_census census = { .mm = mm, .fn = fn, .arg = arg };
		unsigned long pgtables = __atomic_load_n(&mm->pgtables_bytes,
							 __ATOMIC_RELAXED) / PAGE_SIZE;
		long anon, shmem;

		if (!table_valid(table_of_pfn(mm->pgd_pfn), 0, 0, &census, msg, len))
			return false;
		if (census.tables != pgtables)
			return validation_failed(msg, len, "an mm holds %lu page-table pages but "
						 "counts %lu", census.tables, pgtables);
		/*
		 * A split's zero-page remap, which holds no mmap_lock, may have
		 * changed a table already walked: then walk again. It bumps
		 * rss_rmap_changes under the PTE lock before its change, and
		 * lowers the RSS with release: if the walk saw its PTE (under
		 * that lock) or this read sees its RSS, the reload below sees
		 * its bump. With @fn the machine is quiescent (the invariant
		 * checker).
		 */
		anon = __atomic_load_n(&mm->rss_stat[MM_ANONPAGES], __ATOMIC_ACQUIRE);
		shmem = get_mm_counter(mm, MM_SHMEMPAGES);
		if (census.rss[MM_ANONPAGES] == anon && census.rss[MM_SHMEMPAGES] == shmem)
			return true;
		if (fn || __atomic_load_n(&mm->rss_rmap_changes, __ATOMIC_RELAXED) == rmap_changes)
			return validation_failed(msg, len, "an mm maps %ld anon and %ld shmem "
						 "pages but counts %ld and %ld",
						 census.rss[MM_ANONPAGES],
						 census.rss[MM_SHMEMPAGES], anon, shmem);
		if (walk == PGTABLES_VALID_WALKS)
			return true;
	}
}

/**
 * mm_pgtables_valid() - check @mm's page tables: every table is an
 * allocated PageTable page with its lock; every PTE is empty, a migration
 * entry, the zero page, or maps a frame with a mapcount and a reference
 * (and a mapping unless anonymous); the tables add up to pgtables_bytes
 * and the entries to the RSS counters.
 * @mm: a live mm.
 * @msg: receives the first problem found.
 * @len: size of @msg.
 *
 * Context: mmap_lock held for write; takes each PTE table's lock in turn.
 * Return: true if the tables are valid.
 */
bool mm_pgtables_valid(struct mm_struct *mm, char *msg, size_t len)
{
	return __mm_pgtables_valid(mm, NULL, NULL, msg, len);
}

/**
 * pte_table_valid() - check the PTE table that maps @addr in @mm, as
 * mm_pgtables_valid() checks each table, without the whole-mm counts: the
 * bounded check of a fault, which runs under mmap_lock for read while
 * other faults change the mm's other tables and its RSS.
 * @mm: a live mm.
 * @addr: an address the table maps.
 * @msg: receives the first problem found.
 * @len: size of @msg.
 *
 * Context: mmap_lock held; the PTE lock of the table mapping @addr held.
 * Return: true if the table is valid.
 */
bool pte_table_valid(struct mm_struct *mm, unsigned long addr, char *msg, size_t len)
{
	struct pgtable_census census = { 0 };
	pte_t *ptep = pte_offset_lockless(mm, addr);
	unsigned long *table;

	if (!ptep)
		return validation_failed(msg, len, "no PTE table maps address %#lx", addr);
	table = (unsigned long *)ALIGN_DOWN((uintptr_t)ptep, PAGE_SIZE);
	if (!table_page_valid(table, addr & PMD_MASK, msg, len))
		return false;
	lockdep_assert_held(pte_lockptr(ptep));
	return pte_entries_valid(table, addr & PMD_MASK, &census, msg, len);
}

/**
 * mm_pgtable_pages() - the number of page-table pages @mm holds.
 * Context: the mm is quiescent; takes no lock.
 */
unsigned long mm_pgtable_pages(struct mm_struct *mm)
{
	return count_tables(table_of_pfn(mm->pgd_pfn), 0) + mm->nr_pmd_huge_pte;
}
