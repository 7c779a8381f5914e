/* SPDX-License-Identifier: MIT */
/*
 * huge_split.c - splitting a transparent huge page into 512 order-0 pages
 * (the kernel's split_huge_page() / __folio_split() for anonymous folios,
 * to order 0), and the deferred split queue's shrinker
 * (deferred_split_scan()), which drop_slab() runs.
 *
 * A split, with the folio locked and referenced by the caller:
 *  1. take the anon_vma's write lock (no rmap walker sees the folio half
 *     split) and the folio off the LRU (unless the caller isolated it);
 *  2. unmap: every huge PMD mapping it becomes 512 PTE migration entries
 *     (frozen: never PTE-mapped on the way), and every PTE mapping one of
 *     its pages becomes a migration entry for that page (mapcount and
 *     reference dropped), so a CPU touching one waits: on
 *     the head's lock (the caller's) while the page is a tail, then on
 *     the page's own lock, which the split takes as soon as the page is a
 *     page of its own and drops after step 5 (Linux's new folios inherit
 *     the head's PG_locked; a tail's flags cannot, the first tail's low
 *     byte being the order);
 *  3. freeze the refcount at the caller's and the isolation's references
 *     (for an isolated folio, at its isolation reference alone)
 *     (someone else holds one: -EAGAIN, the entries are restored), under
 *     split_queue_lock, and take the folio off the deferred split queue;
 *  4. make each page a page of its own: flags, mapping, index, anon_vma
 *     reference, page_owner record, a temporary reference, the LRU (or,
 *     for an isolated folio, the caller's list and an isolation reference);
 *  5. remap: each migration entry becomes a PTE for its page again, except
 *     that a page that is all zeros is mapped to the shared zero page and
 *     freed (RMP_USE_SHARED_ZEROPAGE, 6.18);
 *  6. drop the temporary references (unmapped pages are freed).
 * thp_split_page counts a split, thp_split_page_failed one that failed
 * after the early checks. The queue itself is huge_memory.c's.
 */
#include <string.h>
#include "vm/huge_mm.h"
#include "vm/mm.h"

/* Per-PTE work of an unmap or remap walk over one folio's range. */
struct split_walk {
	struct page *folio;
	unsigned long pfn;		/* the folio's first pfn */
	bool zero_pages;		/* remap: zero-filled pages to the zero page */
	unsigned long locked[HPAGE_PMD_NR / BITS_PER_LONG]; /* pages the split locked */
};

static bool pfn_in_folio(const struct split_walk *w, unsigned long pfn)
{
	return pfn - w->pfn < HPAGE_PMD_NR;
}

static enum softleaf_type split_entry_type(struct page *page, pte_t pte)
{
	if (pte_write(pte))
		return SOFTLEAF_MIGRATION_WRITE;
	return PageAnonExclusive(page) ? SOFTLEAF_MIGRATION_READ_EXCLUSIVE
				       : SOFTLEAF_MIGRATION_READ;
}

/* A PTE mapping a page of the folio becomes a migration entry. Context: PTE lock. */
static void unmap_one(struct mm_struct *mm, pte_t *ptep, unsigned long addr, void *arg)
{
	struct split_walk *w = arg;
	pte_t pte = ptep_get(ptep), entry;
	struct page *page;

	if (!pte_present(pte) || pte_special(pte) || !pfn_in_folio(w, pte_pfn(pte)))
		return;
	page = pfn_to_page(pte_pfn(pte));
	pte = ptep_get_and_clear(ptep);
	entry = make_softleaf_pte(split_entry_type(page, pte), pte_pfn(pte));
	if (pte_dirty(pte)) {
		entry.pte |= SOFTLEAF_DIRTY;
		SetPageDirty(w->folio);
	}
	if (pte_young(pte))
		entry.pte |= SOFTLEAF_YOUNG;
	set_pte(ptep, entry);
	ClearPageAnonExclusive(page);
	folio_remove_rmap_pte(page);
	put_page(page);		/* the mapping's; the caller holds one */
}

static bool page_is_zero_filled(struct page *page)
{
	const unsigned long *p = page_address(page);

	for (size_t i = 0; i < PAGE_SIZE / sizeof(*p); i++)
		if (__atomic_load_n(&p[i], __ATOMIC_RELAXED))
			return false;
	return true;
}

/* A migration entry for a page of the folio maps its page again. Context: PTE lock. */
static void remap_one(struct mm_struct *mm, pte_t *ptep, unsigned long addr, void *arg)
{
	struct split_walk *w = arg;
	pte_t entry = ptep_get(ptep), pte;
	enum softleaf_type type = softleaf_type(entry);
	struct page *page;

	if (!softleaf_is_migration(entry) || !pfn_in_folio(w, softleaf_pfn(entry)))
		return;
	page = pfn_to_page(softleaf_pfn(entry));
	if (w->zero_pages && page_is_zero_filled(page)) {
		/*
		 * No mmap_lock here: tell a validator walking @mm
		 * (vm/pgtable.c). The release pairs with its acquire read
		 * of the RSS: seeing this decrement, it sees the bump too.
		 */
		__atomic_fetch_add(&mm->rss_rmap_changes, 1, __ATOMIC_RELAXED);
		set_pte(ptep, pte_mkspecial(pfn_pte(page_to_pfn(zero_page), false)));
		__atomic_fetch_sub(&mm->rss_stat[MM_ANONPAGES], 1, __ATOMIC_RELEASE);
		return;
	}
	pte = pfn_pte(page_to_pfn(page), type == SOFTLEAF_MIGRATION_WRITE);
	if (entry.pte & SOFTLEAF_DIRTY)
		pte = pte_mkdirty(pte);
	if (entry.pte & SOFTLEAF_YOUNG)
		pte = pte_mkyoung(pte);
	get_page(page);
	folio_add_anon_rmap_pte(page, type != SOFTLEAF_MIGRATION_READ);
	set_pte(ptep, pte);
}

/*
 * The huge PMD at @addr of @vma, if it maps @w's folio, becomes 512 PTE
 * migration entries at once (the kernel's split_huge_pmd_address() with
 * freeze): the PMD becomes a PMD migration entry, which is split. No page
 * is ever PTE-mapped on the way, so the folio is never partially mapped
 * and not queued for a deferred split, as in Linux; thp_split_pmd counts
 * it. Context: the anon_vma's root rwsem held for write; takes the PMD lock.
 */
static void freeze_huge_pmd(struct vm_area_struct *vma, unsigned long addr,
			    const struct split_walk *w)
{
	struct mm_struct *mm = vma->vm_mm;
	struct page_vma_mapped_walk pvmw = { .vma = vma, .pmdp = pmd_off(mm, addr) };
	pmd_t pmd;

	if (!pvmw.pmdp || !pmd_trans_huge(pmdp_get(pvmw.pmdp)))
		return;
	spin_lock(&mm->page_table_lock);
	pmd = pmdp_get(pvmw.pmdp);
	if (pmd_trans_huge(pmd) && pmd_pfn(pmd) == w->pfn) {
		set_pmd_migration_entry(&pvmw, w->folio);
		__split_huge_pmd_locked(vma, pvmw.pmdp, addr & HPAGE_PMD_MASK);
	}
	spin_unlock(&mm->page_table_lock);
}

/*
 * Call @fn on every PTE of each VMA that may map the folio, over the part
 * of the folio's range inside it; before an unmap, a huge PMD mapping this
 * folio becomes PTE migration entries first (freeze_huge_pmd()).
 * Context: the anon_vma's root rwsem held for write.
 */
static void split_walk_vmas(struct anon_vma *anon_vma, struct split_walk *w, pte_range_fn fn,
			    bool unmap)
{
	struct anon_vma_chain *avc;

	list_for_each_entry(avc, &anon_vma->chains, same_anon_vma) {
		struct vm_area_struct *vma = avc->vma;
		long first = (long)w->folio->index - (long)vma->vm_pgoff;
		unsigned long start = vma->vm_start + first * (long)PAGE_SIZE;
		unsigned long end = start + HPAGE_PMD_SIZE;

		start = max(start, vma->vm_start);
		end = min(end, vma->vm_end);
		if (first <= -(long)HPAGE_PMD_NR || start >= end)
			continue;
		if (unmap)
			freeze_huge_pmd(vma, start, w);
		walk_pte_range_locked(vma->vm_mm, start, end, fn, w);
	}
}

/*
 * Step 4: every page of the frozen @folio a page of its own, locked for
 * the split's waiters if it could be (bit set in @locked). Each new page
 * goes on the LRU, or, with @list (an isolated folio), stays isolated on
 * @list with an isolation reference of its own; the head keeps its place.
 */
static void split_folio_pages(struct page *folio, struct anon_vma *anon_vma,
			      unsigned long *locked, struct list_head *list)
{
	unsigned long copy = BIT(PG_uptodate) | BIT(PG_dirty) | BIT(PG_swapbacked) |
			     BIT(PG_active) | BIT(PG_referenced);
	unsigned long flags = READ_ONCE(folio->flags) & copy;

	reset_page_owner(folio, HPAGE_PMD_ORDER);
	for (unsigned long i = 1; i < HPAGE_PMD_NR; i++) {
		struct page *page = folio + i;

		if (i == 1)
			WRITE_ONCE(page->flags, READ_ONCE(page->flags) & ~FOLIO_ORDER_MASK);
		/* Its own mapping before it stops being a tail: a racing
		 * PageAnon(page_folio(page)) sees an anonymous page either way. */
		get_anon_vma(anon_vma);
		WRITE_ONCE(page->mapping, READ_ONCE(folio->mapping));
		page->index = folio->index + i;
		WRITE_ONCE(page->private, 0);	/* compaction: buddy_order_unsafe() */
		__atomic_fetch_or(&page->flags, flags, __ATOMIC_RELAXED);
		clear_bit(PG_tail, &page->flags);
		WRITE_ONCE(page->lru.next, &page->lru);
		WRITE_ONCE(page->lru.prev, &page->lru);
		if (trylock_page(page))
			__set_bit(i, locked);
		set_page_owner(page, 0, GFP_HIGHUSER_MOVABLE);
		if (list) {
			page_ref_unfreeze(page, 2);	/* temporary and isolation */
			list_add_tail(&page->lru, list);
		} else {
			page_ref_unfreeze(page, 1);	/* the temporary reference */
			folio_add_lru(page);
		}
	}
	clear_bit(PG_head, &folio->flags);
	set_page_owner(folio, 0, GFP_HIGHUSER_MOVABLE);
	if (list) {
		page_ref_unfreeze(folio, 1);	/* the isolation's, the caller's */
		return;
	}
	page_ref_unfreeze(folio, 2);		/* the caller's and the isolation's */
	folio_putback_lru(folio);
}

/*
 * Steps 2-6 with the anon_vma locked and the folio isolated (by the split,
 * or with @list by the caller, whose isolation reference is its only one).
 * @lock_at, a page of the folio, keeps its temporary reference (the
 * caller's, from now on) and, if the split could take it, its lock:
 * *@locked says so.
 */
static int __split_anon_folio(struct page *folio, struct anon_vma *anon_vma,
			      struct page *lock_at, bool *locked, struct list_head *list)
{
	struct split_walk w = { .folio = folio, .pfn = page_to_pfn(folio) };

	split_walk_vmas(anon_vma, &w, unmap_one, true);
	flush_tlb_wait();
	if (!folio_freeze_unqueue(folio, list ? 1 : 2)) {
		split_walk_vmas(anon_vma, &w, remap_one, false);
		if (!list)
			folio_putback_lru(folio);
		return -EAGAIN;
	}
	split_folio_pages(folio, anon_vma, w.locked, list);
	w.zero_pages = true;
	split_walk_vmas(anon_vma, &w, remap_one, false);
	*locked = lock_at == folio || test_bit(lock_at - folio, w.locked);
	for (unsigned long i = 1; i < HPAGE_PMD_NR; i++) {
		if (folio + i == lock_at)
			continue;
		if (test_bit(i, w.locked))
			unlock_page(folio + i);
		put_page(folio + i);	/* the temporary references */
	}
	return 0;
}

/*
 * The caller's lock and reference move from the old head to @page, as
 * Linux's lock_at page keeps them (the split may have found @page's lock
 * taken by a passing trylock: then it is waited for, now that no rmap lock
 * is held).
 */
static void split_hand_over(struct page *folio, struct page *page, bool locked)
{
	unlock_page(folio);
	put_page(folio);
	if (!locked)
		lock_page(page);
}

/*
 * The split of the locked anonymous THP @page is part of; with @list not
 * NULL the folio is isolated already (see split_huge_page_to_list()).
 */
static int __split_huge_page(struct page *page, struct list_head *list)
{
	struct page *folio = compound_head(page);
	struct anon_vma *anon_vma;
	bool locked = true;
	int err;

	if (!PageHead(folio) || folio_test_hugetlb(folio) ||
	    folio_order(folio) != HPAGE_PMD_ORDER)
		return -EINVAL;
	if (is_huge_zero_folio(folio))
		return -EBUSY;
	VM_BUG_ON_PAGE(!PageLocked(folio), folio);
	VM_BUG_ON_PAGE(list && PageLRU(folio), folio);
	/* can_split_folio(), before any PMD is split: a pinned THP stays whole. */
	if (folio_ref_count(folio) != folio_mapcount(folio) + 1) {
		count_vm_event(THP_SPLIT_PAGE_FAILED);
		return -EAGAIN;
	}
	anon_vma = page_anon_vma(folio);
	if (!anon_vma || PageKsm(folio) || (!list && !folio_isolate_lru(folio))) {
		count_vm_event(THP_SPLIT_PAGE_FAILED);
		return -EBUSY;
	}
	get_anon_vma(anon_vma);
	down_write(&anon_vma->root->rwsem);
	err = __split_anon_folio(folio, anon_vma, page, &locked, list);
	up_write(&anon_vma->root->rwsem);
	put_anon_vma(anon_vma);
	if (!err && page != folio)
		split_hand_over(folio, page, locked);
	count_vm_event(err ? THP_SPLIT_PAGE_FAILED : THP_SPLIT_PAGE);
	return err;
}

/**
 * split_huge_page() - split the anonymous THP @page is part of into 512
 * order-0 pages: every byte stays in its frame, every mapping maps the
 * same frame again (a page of zeros maps the shared zero page and is
 * freed), each page keeps its anon-exclusive state, and the caller's
 * reference and lock end on @page, now an order-0 page (Linux's lock_at:
 * if @page is not the head, they leave the old head).
 * @page: a page of a PMD-sized anonymous folio on the LRU (its head or a
 *        tail).
 *
 * Context: the caller holds a reference on the folio and the folio's lock
 * (the head's); takes the anon_vma's rwsem for write, PMD and PTE locks,
 * split_queue_lock and lru_lock; waits for in-flight accesses; may sleep.
 * Return: 0 (thp_split_page); -EINVAL for a page of no such folio, -EBUSY
 * for the huge zero page or a folio no anon_vma or LRU list holds, -EAGAIN
 * when someone else holds a reference (the last two count
 * thp_split_page_failed; a reference beyond the mappings' and the caller's
 * is seen before any PMD is split, as Linux's can_split_folio() sees it).
 * On failure the caller still holds the folio's lock and reference.
 */
int split_huge_page(struct page *page)
{
	return __split_huge_page(page, NULL);
}

/**
 * split_huge_page_to_list() - split the isolated anonymous THP @page heads
 * as split_huge_page() does (the kernel's split_folio_to_list(), for
 * migration's try_split_folio()): every new page but the head goes on
 * @list, isolated, with an isolation reference of its own, and counted in
 * NR_ISOLATED_ANON as the folio was; @page stays where it is (on the
 * caller's list), an order-0 page holding the folio's isolation reference.
 * A page of zeros maps the shared zero page and is left on @list with only
 * its isolation reference (migration then finds it freed under it).
 * @page: the head of a PMD-sized anonymous folio, isolated from the LRU.
 * @list: where the new pages go.
 *
 * Context: the caller holds the folio's lock and its isolation reference,
 * and no other; locks as split_huge_page().
 * Return: as split_huge_page(); on failure the folio stays isolated.
 */
int split_huge_page_to_list(struct page *page, struct list_head *list)
{
	VM_BUG_ON_PAGE(!PageHead(page), page);
	return __split_huge_page(page, list);
}

/* ------------------------------------------------------------------ */
/* The deferred split queue's shrinker                                 */

/*
 * Is @folio, not partially mapped, mostly zeros (thp_underused())? Never
 * while max_ptes_none is 511, the default.
 */
static bool thp_underused(struct page *folio)
{
	unsigned int max_none = READ_ONCE(khugepaged_max_ptes_none), zeros = 0;

	if (max_none == HPAGE_PMD_NR - 1)
		return false;
	for (unsigned long i = 0; i < HPAGE_PMD_NR; i++) {
		if (page_is_zero_filled(folio + i) && ++zeros > max_none)
			return true;
		if (i + 1 - zeros >= HPAGE_PMD_NR - max_none)
			return false;
	}
	return false;
}

/* One folio taken off the queue with a reference: split it if it should be. */
static bool deferred_split_one(struct page *folio, bool partial)
{
	bool split = false;

	if ((partial || thp_underused(folio)) && trylock_page(folio)) {
		split = !split_huge_page(folio);
		unlock_page(folio);
	}
	if (split && !partial)
		count_vm_event(THP_UNDERUSED_SPLIT_PAGE);
	if (!split && partial && PageHead(folio))
		deferred_split_folio(folio, true);	/* back on the queue */
	put_page(folio);
	return split;
}

/**
 * deferred_split_scan() - the "thp-deferred_split" shrinker: look at up to
 * @nr_to_scan queued THPs and split each partially mapped one (and each
 * underused one, see thp_underused()); one that cannot be split now goes
 * back on the queue if partially mapped, the others leave it for good.
 * Context: no locks held; takes page locks (trylock) and split_huge_page()'s
 * locks; may sleep.
 * Return: the number of THPs split.
 */
unsigned long deferred_split_scan(unsigned long nr_to_scan)
{
	struct page *batch[32];
	bool partial[32];
	unsigned long split = 0;

	while (nr_to_scan) {
		unsigned int n = deferred_split_take(batch, partial,
						     min(nr_to_scan, ARRAY_SIZE(batch)));

		if (!n)
			break;
		nr_to_scan -= n;
		for (unsigned int i = 0; i < n; i++)
			split += deferred_split_one(batch[i], partial[i]);
	}
	return split;
}

/**
 * drop_slab() - run every shrinker once over what it holds, as writing 2
 * (or 3) to /proc/sys/vm/drop_caches does; pagelab's only shrinker is the
 * deferred split queue's.
 * Context: no locks held; may sleep. Return: the THPs split.
 */
unsigned long drop_slab(void)
{
	return deferred_split_scan(deferred_split_count());
}
