/* SPDX-License-Identifier: MIT */
/*
 * huge_memory.c - transparent huge pages for anonymous memory (the
 * kernel's mm/huge_memory.c): the huge zero page, THP faults that map an
 * order-9 folio with one PMD, write faults on a huge PMD (reuse, or split
 * and copy-on-write at PTE level), splitting a PMD mapping into 512 PTEs,
 * zapping and copying huge PMDs, PMD migration entries (set, restored,
 * waited on, copied, zapped and split), and the deferred split queue. The knobs
 * and which VMAs may use THPs are thp_knobs.c's; docs/huge-pages.md tells
 * a THP's life with the function and lock of each step.
 *
 * Locks: a huge PMD is read and written under its mm's page_table_lock
 * (the PMD lock); a PMD split also takes the new PTE table's lock, nested,
 * before the table becomes visible. split_queue_lock guards the deferred
 * split queue and each queued folio's state; it is taken under the PMD and
 * PTE locks (rmap removal queues a partially mapped folio), never around
 * them.
 *
 * The huge zero page is allocated on first use and held by every mm that
 * mapped it (MMF_HUGE_ZERO_FOLIO); the last mm to exit frees it
 * (deviation: Linux keeps one extra reference that its shrinker drops
 * under memory pressure).
 */
#include <stdlib.h>
#include <string.h>
#include "vm/huge_mm.h"
#include "vm/mm.h"

struct page *huge_zero_folio;		/* NULL until first use */
static long huge_zero_refcount;		/* atomic: mms mapping it */

/* The deferred split queue: THPs that may be split (kernel: one per node). */
static spinlock_t split_queue_lock;
static struct page **split_queue;	/* under split_queue_lock */
static unsigned long split_queue_len, split_queue_cap;

/* A queued folio's state, in the private word of its third page. */
#define DEFERRED_QUEUED		BIT(0)
#define DEFERRED_PARTIAL	BIT(1)	/* the kernel's PG_partially_mapped */

static unsigned long *deferred_state(struct page *folio)
{
	return &folio[2].private;
}

/*
 * Set it. Context: split_queue_lock held; folio_test_partially_mapped()
 * reads it without.
 */
static void deferred_state_set(struct page *folio, unsigned long state)
{
	WRITE_ONCE(*deferred_state(folio), state);
}

/**
 * thp_init() - an empty deferred split queue with room for every THP the
 * machine could hold.
 * Context: machine boot. Return: 0 or -ENOMEM.
 */
int thp_init(unsigned long max_pfn)
{
	split_queue_cap = max_pfn / HPAGE_PMD_NR + 1;
	split_queue = calloc(split_queue_cap, sizeof(*split_queue));
	if (!split_queue)
		return -ENOMEM;
	split_queue_len = 0;
	spin_lock_init(&split_queue_lock, LOCK_CLASS_SPLIT_QUEUE);
	return 0;
}

/**
 * thp_exit() - free the deferred split queue (empty once every process
 * has exited: freeing a THP takes it off).
 * Context: machine shutdown.
 */
void thp_exit(void)
{
	BUG_ON(split_queue_len || READ_ONCE(huge_zero_folio));
	spin_lock_destroy(&split_queue_lock);
	free(split_queue);
	split_queue = NULL;
}

/* ------------------------------------------------------------------ */
/* The huge zero page                                                  */

static bool get_huge_zero_folio(void)
{
	long count = __atomic_load_n(&huge_zero_refcount, __ATOMIC_ACQUIRE);
	struct page *zero, *expected = NULL;

	while (count && !__atomic_compare_exchange_n(&huge_zero_refcount, &count, count + 1,
						     false, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE))
		;
	if (count)
		return true;
	zero = alloc_pages((GFP_TRANSHUGE | __GFP_ZERO) & ~__GFP_MOVABLE, HPAGE_PMD_ORDER);
	if (!zero) {
		count_vm_event(THP_ZERO_PAGE_ALLOC_FAILED);
		return false;
	}
	if (!__atomic_compare_exchange_n(&huge_zero_folio, &expected, zero, false,
					 __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
		put_page(zero);	/* lost a race: use theirs */
		return get_huge_zero_folio();
	}
	count_vm_event(THP_ZERO_PAGE_ALLOC);
	__atomic_store_n(&huge_zero_refcount, 1, __ATOMIC_RELEASE);
	return true;
}

static void put_huge_zero_folio(void)
{
	struct page *zero = READ_ONCE(huge_zero_folio);

	if (__atomic_sub_fetch(&huge_zero_refcount, 1, __ATOMIC_ACQ_REL))
		return;
	__atomic_store_n(&huge_zero_folio, NULL, __ATOMIC_RELEASE);
	put_page(zero);
}

/* The huge zero page, with @mm holding it for good. NULL if none could be had. */
static struct page *mm_get_huge_zero_folio(struct mm_struct *mm)
{
	if (test_bit(MMF_HUGE_ZERO_FOLIO, &mm->flags))
		return READ_ONCE(huge_zero_folio);
	if (!get_huge_zero_folio())
		return NULL;
	if (test_and_set_bit(MMF_HUGE_ZERO_FOLIO, &mm->flags))
		put_huge_zero_folio();
	return READ_ONCE(huge_zero_folio);
}

/**
 * mm_put_huge_zero_folio() - @mm is going: drop its hold on the huge zero
 * page (the last holder frees it).
 * Context: exit, after every mapping of @mm is gone.
 */
void mm_put_huge_zero_folio(struct mm_struct *mm)
{
	if (test_bit(MMF_HUGE_ZERO_FOLIO, &mm->flags))
		put_huge_zero_folio();
}

/** is_huge_zero_folio() - is @folio the huge zero page? Context: any. */
bool is_huge_zero_folio(const struct page *folio)
{
	return folio == READ_ONCE(huge_zero_folio);
}

/* ------------------------------------------------------------------ */
/* The deferred split queue                                            */

/**
 * deferred_split_folio() - queue @folio, an anonymous THP, for splitting
 * later. @partially_mapped: some of its pages were unmapped (counted in
 * thp_deferred_split_page the first time); false for a new THP, queued
 * only while shrink_underused is on.
 * Context: any; takes split_queue_lock (under PMD or PTE locks).
 */
void deferred_split_folio(struct page *folio, bool partially_mapped)
{
	unsigned long *state = deferred_state(folio);

	if (folio_order(folio) <= 1 || (!partially_mapped && !READ_ONCE(split_underused_thp)))
		return;
	spin_lock(&split_queue_lock);
	if (partially_mapped && !(*state & DEFERRED_PARTIAL)) {
		deferred_state_set(folio, *state | DEFERRED_PARTIAL);
		if (folio_order(folio) == HPAGE_PMD_ORDER)
			count_vm_event(THP_DEFERRED_SPLIT_PAGE);
	}
	if (!(*state & DEFERRED_QUEUED)) {
		BUG_ON(split_queue_len == split_queue_cap);
		folio[2].index = split_queue_len;
		split_queue[split_queue_len] = folio;
		WRITE_ONCE(split_queue_len, split_queue_len + 1);	/* deferred_split_count() */
		deferred_state_set(folio, *state | DEFERRED_QUEUED);
	}
	spin_unlock(&split_queue_lock);
}

static void __folio_unqueue_deferred_split(struct page *folio)
{
	unsigned long slot = folio[2].index;

	lockdep_assert_held(&split_queue_lock);
	WRITE_ONCE(split_queue_len, split_queue_len - 1);	/* deferred_split_count() */
	split_queue[slot] = split_queue[split_queue_len];
	split_queue[slot][2].index = slot;
	folio[2].index = 0;
	deferred_state_set(folio, 0);
}

/**
 * folio_unqueue_deferred_split() - take @folio off the deferred split
 * queue, if it is on it (it is being freed or split).
 * Context: any; takes split_queue_lock.
 */
void folio_unqueue_deferred_split(struct page *folio)
{
	if (folio_order(folio) <= 1 || folio_test_hugetlb(folio))
		return;		/* no third page to hold a state */
	spin_lock(&split_queue_lock);
	if (*deferred_state(folio) & DEFERRED_QUEUED)
		__folio_unqueue_deferred_split(folio);
	deferred_state_set(folio, 0);	/* a partially mapped mark off the queue */
	spin_unlock(&split_queue_lock);
}

/**
 * folio_freeze_unqueue() - freeze @folio's refcount at @refs (the split's
 * own references) and take it off the deferred split queue, both under
 * split_queue_lock, as __folio_split() does.
 * Context: takes split_queue_lock. Return: false if someone else holds a
 * reference (nothing changed).
 */
bool folio_freeze_unqueue(struct page *folio, int refs)
{
	bool frozen;

	spin_lock(&split_queue_lock);
	frozen = page_ref_freeze(folio, refs);
	if (frozen && (*deferred_state(folio) & DEFERRED_QUEUED))
		__folio_unqueue_deferred_split(folio);
	spin_unlock(&split_queue_lock);
	return frozen;
}

/**
 * deferred_split_take() - take up to @nr folios off the deferred split
 * queue into @batch, each with a reference and, in @partial, whether it
 * was partially mapped (it stays marked so, off the queue); a folio whose
 * last reference is going just leaves the queue.
 * Context: takes split_queue_lock. Return: the folios taken.
 */
unsigned int deferred_split_take(struct page **batch, bool *partial, unsigned int nr)
{
	unsigned int n = 0;

	spin_lock(&split_queue_lock);
	while (n < nr && split_queue_len) {
		struct page *folio = split_queue[split_queue_len - 1];
		bool was_partial = *deferred_state(folio) & DEFERRED_PARTIAL;

		__folio_unqueue_deferred_split(folio);
		if (!get_page_unless_zero(folio))
			continue;
		if (was_partial)
			deferred_state_set(folio, *deferred_state(folio) | DEFERRED_PARTIAL);
		partial[n] = was_partial;
		batch[n++] = folio;
	}
	spin_unlock(&split_queue_lock);
	return n;
}

/**
 * folio_test_partially_mapped() - is @folio on the deferred split queue
 * and marked partially mapped (the kernel's !list_empty(&_deferred_list)
 * && folio_test_partially_mapped())?
 * Context: any; racy (the split that may follow checks under its locks).
 */
bool folio_test_partially_mapped(struct page *folio)
{
	unsigned long state;

	if (folio_order(folio) <= 1 || folio_test_hugetlb(folio))
		return false;
	state = READ_ONCE(*deferred_state(folio));
	return (state & (DEFERRED_QUEUED | DEFERRED_PARTIAL)) ==
	       (DEFERRED_QUEUED | DEFERRED_PARTIAL);
}

/** deferred_split_count() - the THPs on the queue. Context: any; racy. */
unsigned long deferred_split_count(void)
{
	return READ_ONCE(split_queue_len);
}

/* ------------------------------------------------------------------ */
/* Faults                                                              */

/* A new THP for @vma with the defrag mode's gfp, zeroed; counts a fallback. */
static struct page *vma_alloc_anon_folio_pmd(struct vm_area_struct *vma)
{
	struct page *folio = alloc_pages(vma_thp_gfp_mask(vma), HPAGE_PMD_ORDER);

	if (!folio) {
		count_vm_event(THP_FAULT_FALLBACK);
		return NULL;
	}
	memset(page_address(folio), 0, HPAGE_PMD_SIZE);
	SetPageUptodate(folio);
	return folio;
}

/* Map the new @folio at @haddr by *@pmdp. Context: the PMD lock held. */
static void map_anon_folio_pmd(struct page *folio, struct vm_area_struct *vma,
			       unsigned long haddr, pmd_t *pmdp)
{
	pmd_t pmd = pfn_pmd_huge(page_to_pfn(folio), vma->vm_flags & VM_WRITE);

	folio_add_new_anon_rmap_pmd(folio, vma, haddr);
	folio_add_lru(folio);
	add_mm_counter(vma->vm_mm, MM_ANONPAGES, HPAGE_PMD_NR);
	set_pmd(pmdp, __pmd(pmd_val(pmd) | _PAGE_ACCESSED | _PAGE_DIRTY));
	count_vm_event(THP_FAULT_ALLOC);
	deferred_split_folio(folio, false);
}

static int __do_huge_pmd_anonymous_page(struct vm_area_struct *vma, unsigned long haddr,
					pmd_t *pmdp)
{
	struct mm_struct *mm = vma->vm_mm;
	struct page *folio = vma_alloc_anon_folio_pmd(vma), *table;

	if (!folio)
		return VM_FAULT_FALLBACK;
	table = pte_alloc_one(mm);
	if (!table) {
		put_page(folio);
		return -ENOMEM;
	}
	spin_lock(&mm->page_table_lock);
	if (!pmd_none(pmdp_get(pmdp))) {
		spin_unlock(&mm->page_table_lock);
		pte_free(mm, table);
		put_page(folio);
		return 0;
	}
	pgtable_trans_huge_deposit(mm, table);
	map_anon_folio_pmd(folio, vma, haddr, pmdp);
	spin_unlock(&mm->page_table_lock);
	return 0;
}

/* A read fault: map the huge zero page read-only (set_huge_zero_folio()). */
static int do_huge_zero_page_fault(struct vm_area_struct *vma, unsigned long haddr,
				   pmd_t *pmdp)
{
	struct mm_struct *mm = vma->vm_mm;
	struct page *table = pte_alloc_one(mm), *zero;

	if (!table)
		return -ENOMEM;
	zero = mm_get_huge_zero_folio(mm);
	if (!zero) {
		pte_free(mm, table);
		count_vm_event(THP_FAULT_FALLBACK);
		return VM_FAULT_FALLBACK;
	}
	spin_lock(&mm->page_table_lock);
	if (pmd_none(pmdp_get(pmdp))) {
		pgtable_trans_huge_deposit(mm, table);
		set_pmd(pmdp, __pmd(pmd_val(pfn_pmd_huge(page_to_pfn(zero), false)) |
				    _PAGE_SPECIAL));
		table = NULL;
	}
	spin_unlock(&mm->page_table_lock);
	if (table)
		pte_free(mm, table);
	return 0;
}

/**
 * do_huge_pmd_anonymous_page() - a fault at @addr in @vma, whose PMD slot
 * *@pmdp is empty and where thp_vma_allowable_pmd() said yes: a read with
 * use_zero_page maps the huge zero page, anything else a new zeroed THP
 * allocated with vma_thp_gfp_mask() (thp_fault_alloc), each with a PTE
 * table deposited.
 * Context: mmap_lock held for read; takes the PMD lock; may sleep in the
 * allocator (direct compaction, by the defrag mode).
 * Return: 0 (retry the access), VM_FAULT_FALLBACK (no huge page: map
 * 4 KiB pages; thp_fault_fallback counted), or -ENOMEM.
 */
int do_huge_pmd_anonymous_page(struct vm_area_struct *vma, unsigned long addr, pmd_t *pmdp,
			       bool write)
{
	unsigned long haddr = addr & HPAGE_PMD_MASK;

	if (anon_vma_prepare(vma))
		return -ENOMEM;
	if (!write && thp_flag(TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG))
		return do_huge_zero_page_fault(vma, haddr, pmdp);
	return __do_huge_pmd_anonymous_page(vma, haddr, pmdp);
}

/*
 * A write to the huge zero page: a new THP replaces it (thp_fault_alloc),
 * or, when none can be had, the PMD is split into 512 zero-page PTEs and
 * the write copies at PTE level.
 */
static int do_huge_zero_wp_pmd(struct vm_area_struct *vma, unsigned long haddr, pmd_t *pmdp,
			       pmd_t orig)
{
	struct mm_struct *mm = vma->vm_mm;
	struct page *folio = vma_alloc_anon_folio_pmd(vma);

	spin_lock(&mm->page_table_lock);
	if (pmd_val(pmdp_get(pmdp)) != pmd_val(orig)) {
		spin_unlock(&mm->page_table_lock);
		if (folio)
			put_page(folio);
		return 0;
	}
	if (folio) {
		set_pmd(pmdp, __pmd(0));
		map_anon_folio_pmd(folio, vma, haddr, pmdp);	/* the deposit stays */
	} else {
		__split_huge_pmd_locked(vma, pmdp, haddr);
	}
	spin_unlock(&mm->page_table_lock);
	return 0;
}

/* May a write reuse the THP a huge PMD maps? (exclusive to this mapping) */
static bool huge_pmd_can_reuse(struct page *folio)
{
	if (PageAnonExclusive(folio))
		return true;
	if (folio_large_mapcount(folio) != 1 || folio_entire_mapcount(folio) != 1 ||
	    __atomic_load_n(&folio->_refcount, __ATOMIC_ACQUIRE) != 1)
		return false;
	SetPageAnonExclusive(folio);
	return true;
}

/**
 * do_huge_pmd_wp_page() - a write (or unshare) fault on the read-only
 * huge PMD *@pmdp at @addr: the huge zero page is replaced by a new THP; a
 * THP only this mapping holds is made writable in place; a shared one
 * (after fork) has its PMD split, and the retried access copies the one
 * 4 KiB page at PTE level (Linux 6.18's fallback; thp_split_pmd).
 * Context: mmap_lock held for read; takes the PMD lock.
 * Return: 0 (retry the access).
 */
int do_huge_pmd_wp_page(struct vm_area_struct *vma, unsigned long addr, pmd_t *pmdp,
			bool unshare)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long haddr = addr & HPAGE_PMD_MASK;
	pmd_t pmd;

	spin_lock(&mm->page_table_lock);
	pmd = pmdp_get(pmdp);
	if (!pmd_trans_huge(pmd) || pmd_write(pmd))
		goto out;
	if (pmd_special(pmd)) {
		spin_unlock(&mm->page_table_lock);
		return do_huge_zero_wp_pmd(vma, haddr, pmdp, pmd);
	}
	if (huge_pmd_can_reuse(pfn_to_page(pmd_pfn(pmd)))) {
		if (!unshare)
			set_pmd(pmdp, __pmd(pmd_val(pmd) | _PAGE_RW | _PAGE_DIRTY |
					    _PAGE_ACCESSED));
		goto out;
	}
	__split_huge_pmd_locked(vma, pmdp, haddr);
out:
	spin_unlock(&mm->page_table_lock);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Splitting a PMD                                                     */

/* 512 PTEs in @ptes for what the huge PMD @pmd maps. */
static void fill_split_ptes(pte_t *ptes, pmd_t pmd)
{
	for (unsigned long i = 0; i < HPAGE_PMD_NR; i++) {
		pte_t pte;

		if (pmd_special(pmd)) {
			pte = pte_mkspecial(pfn_pte(page_to_pfn(zero_page), false));
		} else {
			pte = pfn_pte(pmd_pfn(pmd) + i, pmd_write(pmd));
			if (pmd_dirty(pmd))
				pte = pte_mkdirty(pte);
			if (pmd_young(pmd))
				pte = pte_mkyoung(pte);
		}
		set_pte(&ptes[i], pte);
	}
}

/* The folio's PMD mapping becomes 512 PTE mappings: references and rmap. */
static void split_pmd_rmap(struct page *folio)
{
	bool exclusive = PageAnonExclusive(folio);

	page_ref_add(folio, HPAGE_PMD_NR - 1);
	for (unsigned long i = 0; i < HPAGE_PMD_NR; i++)
		folio_add_anon_rmap_pte(folio + i, exclusive);
	folio_remove_rmap_pmd(folio);
}

/*
 * 512 PTE migration entries in @ptes for the PMD migration entry @pmd,
 * one per page, each with the entry's type (write, or read and
 * anon-exclusive, or read), dirty and young bits.
 */
static void fill_split_migration_ptes(pte_t *ptes, pmd_t pmd)
{
	pte_t entry = pmd_to_softleaf(pmd);
	unsigned long pfn = softleaf_pfn(entry);

	for (unsigned long i = 0; i < HPAGE_PMD_NR; i++)
		set_pte(&ptes[i], __pte((entry.pte & ~PTE_PFN_MASK) | PFN_PHYS(pfn + i)));
}

/**
 * __split_huge_pmd_locked() - turn the huge PMD *@pmdp mapping @haddr into
 * a PTE table of 512 entries with the same pfns, permissions, dirty and
 * young bits (the huge zero page: 512 zero-page PTEs), using the table
 * deposited for it; counts thp_split_pmd. Never fails. Accesses racing
 * with it see the same frames through either mapping; the PMD is replaced
 * by compare-and-swap so a dirty or young bit set meanwhile is carried.
 * A PMD migration entry becomes 512 PTE migration entries, one for each
 * page, with its type, dirty and young bits; no mapcount or reference
 * changes (an entry holds none).
 * Context: the PMD lock held; takes the new table's PTE lock, nested,
 * while the folio's rmap changes.
 */
void __split_huge_pmd_locked(struct vm_area_struct *vma, pmd_t *pmdp, unsigned long haddr)
{
	struct mm_struct *mm = vma->vm_mm;
	pmd_t pmd = pmdp_get(pmdp);
	bool migration = is_pmd_migration_entry(pmd);
	struct page *table;
	spinlock_t *ptl;
	pte_t *ptes;

	lockdep_assert_held(&mm->page_table_lock);
	if (!pmd_trans_huge(pmd) && !migration)
		return;
	count_vm_event(THP_SPLIT_PMD);
	table = pgtable_trans_huge_withdraw(mm);
	ptes = pte_table_of(table);
	ptl = pte_lockptr(ptes);
	spin_lock_nested(ptl);
	if (migration) {
		/* Nothing but the PMD lock's holders changes an entry. */
		fill_split_migration_ptes(ptes, pmd);
		pmd_populate(pmdp, table);
		VM_EXPENSIVE(pte_table_valid, mm, haddr);
		spin_unlock(ptl);
		return;
	}
	do {
		fill_split_ptes(ptes, pmd);
	} while (!__atomic_compare_exchange_n(&pmdp->val, &pmd.val,
					      PFN_PHYS(page_to_pfn(table)) | _PAGE_PRESENT, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	if (!pmd_special(pmd))
		split_pmd_rmap(pfn_to_page(pmd_pfn(pmd)));
	VM_EXPENSIVE(pte_table_valid, mm, haddr);
	spin_unlock(ptl);
}

/**
 * split_huge_pmd_address() - split the huge PMD mapping @addr in @vma,
 * if there is one and, with @folio not NULL, it maps @folio; with @folio
 * NULL a PMD migration entry there is split too (a VMA
 * boundary or a partial range moves inside it: the kernel's
 * split_huge_pmd_address() / vma_adjust_trans_huge(); migration unmapping
 * a THP).
 * Context: mmap_lock held, or (migration) @folio locked and its rmap lock
 * held; takes the PMD lock.
 */
void split_huge_pmd_address(struct vm_area_struct *vma, unsigned long addr,
			    const struct page *folio)
{
	struct mm_struct *mm = vma->vm_mm;
	pmd_t *pmdp = pmd_off(mm, addr);
	pmd_t pmd;

	if (!pmdp || !pmd_is_huge(pmdp_get(pmdp)))
		return;
	spin_lock(&mm->page_table_lock);
	pmd = pmdp_get(pmdp);
	if (!folio || (pmd_trans_huge(pmd) && pmd_pfn(pmd) == page_to_pfn(folio)))
		__split_huge_pmd_locked(vma, pmdp, addr & HPAGE_PMD_MASK);
	spin_unlock(&mm->page_table_lock);
}

/* ------------------------------------------------------------------ */
/* Zapping and copying huge PMDs                                       */

/* Zap the huge PMD or PMD migration entry *@pmdp (with its deposited
 * table); false if it is neither (any more). */
static bool zap_huge_pmd(struct mmu_gather *tlb, struct vm_area_struct *vma, pmd_t *pmdp)
{
	struct mm_struct *mm = vma->vm_mm;
	struct page *table, *folio = NULL;
	pmd_t pmd;

	spin_lock(&mm->page_table_lock);
	pmd = pmdp_get(pmdp);
	if (!pmd_is_huge(pmd)) {
		spin_unlock(&mm->page_table_lock);
		return false;
	}
	pmd = __pmd(__atomic_exchange_n(&pmdp->val, 0, __ATOMIC_SEQ_CST));
	table = pgtable_trans_huge_withdraw(mm);
	if (is_pmd_migration_entry(pmd)) {
		/* No mapcount or reference to drop, only the RSS it counts in. */
		add_mm_counter(mm, MM_ANONPAGES, -(long)HPAGE_PMD_NR);
	} else if (!pmd_special(pmd)) {
		folio = pfn_to_page(pmd_pfn(pmd));
		if (pmd_dirty(pmd))
			SetPageDirty(folio);
		folio_remove_rmap_pmd(folio);
		add_mm_counter(mm, MM_ANONPAGES, -(long)HPAGE_PMD_NR);
	}
	spin_unlock(&mm->page_table_lock);
	pte_free(mm, table);
	if (folio)
		tlb_remove_page(tlb, folio);	/* the mapping's reference, after the flush */
	return true;
}

/**
 * zap_huge_pmd_range() - the huge PMDs (and PMD migration entries) of
 * [@start, @end) in @vma: those the range covers whole are zapped (a
 * folio's reference dropped after the TLB flush; an entry holds none),
 * those it covers in part are split so the caller zaps PTEs.
 * Context: mmap_lock held, or (migration) the folio locked and its rmap
 * lock held; takes the PMD lock.
 */
void zap_huge_pmd_range(struct mmu_gather *tlb, struct vm_area_struct *vma,
			unsigned long start, unsigned long end)
{
	for (unsigned long addr = start; addr < end;
	     addr = (addr & HPAGE_PMD_MASK) + HPAGE_PMD_SIZE) {
		unsigned long haddr = addr & HPAGE_PMD_MASK;
		pmd_t *pmdp = pmd_off(vma->vm_mm, addr);

		if (!pmdp || !pmd_is_huge(pmdp_get(pmdp)))
			continue;
		if (haddr >= start && haddr + HPAGE_PMD_SIZE <= end && zap_huge_pmd(tlb, vma, pmdp))
			continue;
		split_huge_pmd_address(vma, addr, NULL);
	}
}

/* Share the huge PMD @pmd of the parent with the child (under both PMD locks). */
static pmd_t copy_huge_pmd_locked(struct mm_struct *dst_mm, pmd_t *src_pmdp, pmd_t pmd)
{
	struct page *folio;

	if (pmd_special(pmd))
		return pmd;
	folio = pfn_to_page(pmd_pfn(pmd));
	get_page(folio);
	folio_dup_anon_rmap_pmd(folio);
	add_mm_counter(dst_mm, MM_ANONPAGES, HPAGE_PMD_NR);
	__atomic_fetch_and(&src_pmdp->val, ~_PAGE_RW, __ATOMIC_SEQ_CST);
	return pmd_wrprotect(pmd);
}

/*
 * Give the child the parent's PMD migration entry @pmd: one that allowed
 * writing, or said the folio was exclusive, becomes a plain read entry in
 * both (the first write after migration copies or reuses at the PTE or PMD
 * level as for any shared THP). The entry holds no reference or mapcount;
 * the child's RSS counts it. Context: both PMD locks held.
 */
static pmd_t copy_pmd_migration_entry(struct mm_struct *dst_mm, pmd_t *src_pmdp, pmd_t pmd)
{
	pte_t entry = pmd_to_softleaf(pmd);

	if (softleaf_type(entry) != SOFTLEAF_MIGRATION_READ) {
		entry.pte &= ~SOFTLEAF_TYPE_MASK;
		entry.pte |= (unsigned long)SOFTLEAF_MIGRATION_READ << SOFTLEAF_TYPE_SHIFT;
		pmd = softleaf_to_pmd(entry);
		set_pmd(src_pmdp, pmd);
	}
	add_mm_counter(dst_mm, MM_ANONPAGES, HPAGE_PMD_NR);
	return pmd;
}

/**
 * copy_huge_pmd() - fork: give the child the parent's huge PMD at @addr,
 * both sides write-protected, the THP shared (the kernel's
 * copy_huge_pmd()); the huge zero page stays mapped in both; a PMD
 * migration entry is copied, made a read entry on both sides.
 * Context: both mms' mmap_lock held for write; takes the child's PMD lock
 * then the parent's, nested. The caller flushes the parent's TLB.
 * Return: 0 (done), 1 (no huge PMD or entry there: copy PTEs), or -ENOMEM.
 */
int copy_huge_pmd(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma,
		  unsigned long addr, pmd_t *src_pmdp)
{
	struct mm_struct *dst_mm = dst_vma->vm_mm, *src_mm = src_vma->vm_mm;
	pmd_t *dst_pmdp = pmd_alloc(dst_mm, addr);
	struct page *table = dst_pmdp ? pte_alloc_one(dst_mm) : NULL;
	pmd_t pmd;

	if (!table)
		return -ENOMEM;
	if (pmd_special(pmdp_get(src_pmdp)) && !mm_get_huge_zero_folio(dst_mm)) {
		pte_free(dst_mm, table);
		return -ENOMEM;
	}
	spin_lock(&dst_mm->page_table_lock);
	spin_lock_nested(&src_mm->page_table_lock);
	pmd = pmdp_get(src_pmdp);
	if (is_pmd_migration_entry(pmd)) {
		pmd = copy_pmd_migration_entry(dst_mm, src_pmdp, pmd);
		pgtable_trans_huge_deposit(dst_mm, table);
		set_pmd(dst_pmdp, pmd);
		table = NULL;
	} else if (pmd_trans_huge(pmd)) {
		pmd = copy_huge_pmd_locked(dst_mm, src_pmdp, pmd);
		pgtable_trans_huge_deposit(dst_mm, table);
		set_pmd(dst_pmdp, pmd_mkold(pmd));
		table = NULL;
	}
	spin_unlock(&src_mm->page_table_lock);
	spin_unlock(&dst_mm->page_table_lock);
	if (table)
		pte_free(dst_mm, table);
	return table ? 1 : 0;
}

/* ------------------------------------------------------------------ */
/* PMD migration entries                                               */

static enum softleaf_type pmd_migration_type(pmd_t pmd, bool anon_exclusive)
{
	if (pmd_write(pmd))
		return SOFTLEAF_MIGRATION_WRITE;
	return anon_exclusive ? SOFTLEAF_MIGRATION_READ_EXCLUSIVE : SOFTLEAF_MIGRATION_READ;
}

/**
 * set_pmd_migration_entry() - replace the huge PMD at pvmw->pmdp, which
 * maps @folio whole, by a PMD migration entry (the kernel's
 * set_pmd_migration_entry()): its type says whether the mapping was
 * writable, or read-only and anon-exclusive; its dirty and young bits are
 * the PMD's. The PMD is exchanged for the entry by compare-and-swap, so a
 * dirty or young bit the MMU sets meanwhile is carried and no fault ever
 * sees the slot empty, then flushed (pmdp_invalidate()); the folio loses
 * the mapping's entire mapcount, its anon-exclusive bit and the mapping's
 * reference. The mm's RSS keeps counting the entry.
 * Context: page_vma_mapped_walk() found the PMD: the PMD lock
 * (mm->page_table_lock) held; @folio locked and referenced by the caller.
 */
void set_pmd_migration_entry(struct page_vma_mapped_walk *pvmw, struct page *folio)
{
	bool anon_exclusive = PageAnonExclusive(folio);
	pmd_t pmd = pmdp_get(pvmw->pmdp);
	pte_t entry;

	lockdep_assert_held(&pvmw->vma->vm_mm->page_table_lock);
	VM_BUG_ON_PAGE(!pmd_trans_huge(pmd) || pmd_pfn(pmd) != page_to_pfn(folio), folio);
	do {
		entry = make_softleaf_pte(pmd_migration_type(pmd, anon_exclusive),
					  page_to_pfn(folio));
		if (pmd_dirty(pmd))
			entry.pte |= SOFTLEAF_DIRTY;
		if (pmd_young(pmd))
			entry.pte |= SOFTLEAF_YOUNG;
	} while (!__atomic_compare_exchange_n(&pvmw->pmdp->val, &pmd.val, entry.pte, false,
					      __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	flush_tlb_wait();
	if (pmd_dirty(pmd))
		SetPageDirty(folio);
	if (anon_exclusive)
		ClearPageAnonExclusive(folio);
	folio_remove_rmap_pmd(folio);
	put_page(folio);	/* the mapping's reference; the caller holds one */
}

/**
 * remove_migration_pmd() - the PMD migration entry at pvmw->pmdp, for
 * @src, becomes a huge PMD mapping @dst (@src itself when migration is
 * undone): writable if the entry was a write entry, dirty and young as
 * the entry says, @dst anon-exclusive unless it was a plain read entry
 * (the kernel's remove_migration_pmd()). @dst gains the mapping's
 * reference and entire mapcount, and so is counted in NR_ANON_THPS
 * (AnonHugePages) again.
 * Context: page_vma_mapped_walk() found the entry: the PMD lock held;
 * both folios locked; @dst has @src's mapping and index.
 */
void remove_migration_pmd(struct page_vma_mapped_walk *pvmw, struct page *src,
			  struct page *dst)
{
	pte_t entry = pmd_to_softleaf(pmdp_get(pvmw->pmdp));
	enum softleaf_type type = softleaf_type(entry);
	pmd_t pmd = pfn_pmd_huge(page_to_pfn(dst), type == SOFTLEAF_MIGRATION_WRITE);

	lockdep_assert_held(&pvmw->vma->vm_mm->page_table_lock);
	VM_BUG_ON_PAGE(softleaf_pfn(entry) != page_to_pfn(src), src);
	if (entry.pte & SOFTLEAF_DIRTY)
		pmd = __pmd(pmd_val(pmd) | _PAGE_DIRTY);
	if (entry.pte & SOFTLEAF_YOUNG)
		pmd = __pmd(pmd_val(pmd) | _PAGE_ACCESSED);
	get_page(dst);
	folio_add_anon_rmap_pmd(dst, type != SOFTLEAF_MIGRATION_READ);
	set_pmd(pvmw->pmdp, pmd);
}

/**
 * pmd_migration_entry_wait() - a fault met a PMD migration entry at
 * @pmdp: sleep until the folio's migration ends (its lock is dropped),
 * then the caller retries the access (the kernel's
 * pmd_migration_entry_wait()). Returns at once if the entry is gone.
 * Context: mmap_lock held for read; takes the PMD lock, which
 * softleaf_entry_wait_on_locked() drops. Sleeps.
 */
void pmd_migration_entry_wait(struct mm_struct *mm, pmd_t *pmdp)
{
	pmd_t pmd;

	spin_lock(&mm->page_table_lock);
	pmd = pmdp_get(pmdp);
	if (!is_pmd_migration_entry(pmd)) {
		spin_unlock(&mm->page_table_lock);
		return;
	}
	softleaf_entry_wait_on_locked(pfn_to_page(softleaf_pfn(pmd_to_softleaf(pmd))),
				      &mm->page_table_lock);
}
