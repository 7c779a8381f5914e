/* SPDX-License-Identifier: MIT */
/*
 * merge.c - merging one scanned page (mm/ksm.c: cmp_and_merge_page() and
 * what it calls): the checksum that keeps changing pages out, the zero
 * page, the stable-tree lookup, the unstable tree, and the merge itself.
 *
 * A merge happens under the page lock of the page being replaced (taken
 * with a trylock: ksmd never waits for a page), with its PTE cleared and
 * flushed while the references are counted (only the mappings and ksmd's
 * may exist, else someone may be writing it through another path), then
 * put back write-protected; only then are the contents compared with the
 * KSM page's, so a page written during its merge stays apart.
 *
 * Contents are read while simulated CPUs may write them (the checksum, the
 * unstable tree's comparisons): such races are part of KSM's design and
 * only delay a merge. Under ThreadSanitizer these reads go through relaxed
 * atomic loads, as the simulated CPUs' own accesses do.
 *
 * Everything here runs under ksm_thread_mutex.
 */
#include <string.h>
#include <xxhash.h>
#include "ksm/ksm_internal.h"
#include "vm/huge_mm.h"

bool ksm_use_zero_pages;
unsigned int zero_checksum;		/* checksum of a page of zeroes */
static void (*ksm_merge_hook)(struct page *page);

/**
 * ksm_test_set_merge_hook() - test-only: call @hook (NULL: none) with each
 * page about to be write-protected for a merge, its folio locked (before a
 * THP is split), so a test can write or pin the page in the window where a
 * simulated CPU or a GUP user may. The hook must take no lock.
 * Context: ksmd idle.
 */
void ksm_test_set_merge_hook(void (*hook)(struct page *page))
{
	ksm_merge_hook = hook;
}

#if defined(__SANITIZE_THREAD__)
/* Copy a frame other threads may be writing, as access.c's CPUs do. */
static const void *page_contents(struct page *page, uint64_t *buf)
{
	const uint64_t *src = page_address(page);

	for (size_t i = 0; i < PAGE_SIZE / sizeof(uint64_t); i++)
		buf[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	return buf;
}
#define PAGE_CONTENTS(page, buf)	page_contents(page, buf)
#else
#define PAGE_CONTENTS(page, buf)	((void)(buf), page_address(page))
#endif

/**
 * calc_checksum() - the checksum of @page's contents: XXH3 truncated to 32
 * bits (deviation: the kernel uses xxhash64, also truncated).
 */
unsigned int calc_checksum(struct page *page)
{
	uint64_t buf[PAGE_SIZE / sizeof(uint64_t)] __maybe_unused;

	return (unsigned int)XXH3_64bits(PAGE_CONTENTS(page, buf), PAGE_SIZE);
}

/** memcmp_pages() - compare two pages' contents, as memcmp(). */
int memcmp_pages(struct page *a, struct page *b)
{
	uint64_t buf_a[PAGE_SIZE / sizeof(uint64_t)] __maybe_unused;
	uint64_t buf_b[PAGE_SIZE / sizeof(uint64_t)] __maybe_unused;

	return memcmp(PAGE_CONTENTS(a, buf_a), PAGE_CONTENTS(b, buf_b), PAGE_SIZE);
}

static bool pages_identical(struct page *a, struct page *b)
{
	return !memcmp_pages(a, b);
}

/* The VMA of @mm at @addr if KSM may still merge there, else NULL. Context: mmap_lock. */
static struct vm_area_struct *find_mergeable_vma(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	if (!vma || !(vma->vm_flags & VM_MERGEABLE) || !READ_ONCE(vma->anon_vma))
		return NULL;
	return vma;
}

/* Where anonymous @page is mapped in @vma, or -EFAULT. */
static unsigned long page_address_in_vma(const struct page *page,
					 const struct vm_area_struct *vma)
{
	pgoff_t index = READ_ONCE(page->index);

	if (index < vma->vm_pgoff || index - vma->vm_pgoff >= vma_pages(vma))
		return -EFAULT;
	return vma->vm_start + ((index - vma->vm_pgoff) << PAGE_SHIFT);
}

/* Undo a merge of @rmap_item's page that cannot complete: unshare it again. */
static void break_cow(struct ksm_rmap_item *rmap_item)
{
	struct mm_struct *mm = rmap_item->mm;
	unsigned long addr = rmap_item->address & PAGE_MASK;
	struct vm_area_struct *vma;

	put_anon_vma(rmap_item->anon_vma);	/* taken by try_to_merge_with_ksm_page() */
	mmap_read_lock(mm);
	vma = find_mergeable_vma(mm, addr);
	if (vma)
		break_ksm(vma, addr);
	mmap_read_unlock(mm);
}

/*
 * The anonymous page @rmap_item stands for (a THP's page too, mapped by a
 * PMD or a PTE), with a reference on its folio, or NULL.
 */
static struct page *get_mergeable_page(struct ksm_rmap_item *rmap_item)
{
	struct mm_struct *mm = rmap_item->mm;
	unsigned long addr = rmap_item->address & PAGE_MASK;
	struct page *page = NULL;
	spinlock_t *ptl;
	pte_t *ptep = NULL;

	mmap_read_lock(mm);
	if (find_mergeable_vma(mm, addr) && !ksm_follow_huge_pmd(mm, addr, &page))
		ptep = pte_offset_map_lock(mm, addr, &ptl);
	if (ptep) {
		pte_t pte = ptep_get(ptep);

		if (pte_present(pte)) {
			page = vm_normal_page(pte);
			if (page && PageAnon(page_folio(page)))
				get_page(page);
			else
				page = NULL;
		}
		spin_unlock(ptl);
	}
	mmap_read_unlock(mm);
	return page;
}

/*
 * write_protect_page() - make the PTE mapping @page in @vma read-only and
 * clean, after checking under a cleared, flushed PTE that nobody but the
 * mappings and ksmd holds the page. *@orig_pte receives the new entry.
 * Return: 0, or -EFAULT if not mapped there by a PTE or held by someone else.
 */
static int write_protect_page(struct vm_area_struct *vma, struct page *page, pte_t *orig_pte)
{
	struct page_vma_mapped_walk pvmw = { .pfn = page_to_pfn(page), .vma = vma };
	bool anon_exclusive;
	pte_t entry;
	int err = -EFAULT;

	pvmw.address = page_address_in_vma(page, vma);
	if (pvmw.address == (unsigned long)-EFAULT || !page_vma_mapped_walk(&pvmw))
		return err;
	/* A huge PMD (or its migration entry): the THP was to be split first. */
	if (WARN_ON_ONCE(!pvmw.ptep))
		goto out_unlock;
	entry = ptep_get(pvmw.ptep);
	anon_exclusive = PageAnonExclusive(page);
	if (pte_write(entry) || pte_dirty(entry) || anon_exclusive) {
		/* No CPU may write through an old translation while we count. */
		entry = ptep_clear_flush(pvmw.ptep);
		if (page_mapcount(page) + 1 != page_ref_count(page)) {
			set_pte(pvmw.ptep, entry);
			goto out_unlock;
		}
		if (anon_exclusive)
			ClearPageAnonExclusive(page);
		if (pte_dirty(entry))
			SetPageDirty(page);
		entry = pte_wrprotect(pte_mkclean(entry));
		set_pte(pvmw.ptep, entry);
	}
	*orig_pte = entry;
	err = 0;
out_unlock:
	page_vma_mapped_walk_done(&pvmw);
	return err;
}

/*
 * replace_page() - make the PTE that maps @page in @vma (still @orig_pte)
 * map @kpage instead: a KSM page, read-only, or the zero page, special and
 * dirty (how KSM-placed zero pages are told apart). Drops the mapping's
 * reference on @page. Return: 0, or -EFAULT if the PTE changed.
 */
static int replace_page(struct vm_area_struct *vma, struct page *page, struct page *kpage,
			pte_t orig_pte)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long addr = page_address_in_vma(page, vma);
	spinlock_t *ptl;
	pte_t *ptep, newpte;

	if (addr == (unsigned long)-EFAULT)
		return -EFAULT;
	ptep = pte_offset_map_lock(mm, addr, &ptl);
	if (!ptep)
		return -EFAULT;
	if (pte_val(ptep_get(ptep)) != pte_val(orig_pte)) {
		spin_unlock(ptl);
		return -EFAULT;
	}
	VM_BUG_ON_PAGE(PageAnonExclusive(page), page);
	if (kpage != zero_page) {
		get_page(kpage);
		folio_add_anon_rmap_pte(kpage, false);
		newpte = pte_mkyoung(pfn_pte(page_to_pfn(kpage), false));
	} else {
		newpte = pte_mkdirty(pte_mkspecial(pfn_pte(page_to_pfn(kpage), false)));
		ksm_map_zero_page(mm);
		add_mm_counter(mm, MM_ANONPAGES, -1);
	}
	ptep_clear_flush(ptep);
	set_pte(ptep, newpte);
	folio_remove_rmap_pte(page);
	put_page(page);		/* the mapping's; ksmd still holds its own */
	spin_unlock(ptl);
	return 0;
}

/*
 * try_to_merge_one_page() - merge @page, mapped in @vma, into @kpage; or,
 * with @kpage NULL, make @page itself a KSM page (with no stable node yet:
 * stable_tree_insert() gives it one). The page's anon_vma, and the
 * reference the page held on it (mm_types.h), then go to *@anon_vmap.
 * A page of a THP is split off first, under the folio's lock, as 6.18
 * does: split_huge_page() leaves the caller's reference and the lock on
 * @page; if the split fails (someone else holds a reference, a pin say),
 * the page is not merged this time and a later scan tries again.
 * Context: the caller holds a reference on @page's folio (after a split:
 * on @page). Return: 0 or -EFAULT.
 */
static int try_to_merge_one_page(struct vm_area_struct *vma, struct page *page,
				 struct page *kpage, struct anon_vma **anon_vmap)
{
	struct page *folio = page_folio(page);
	pte_t orig_pte = __pte(0);
	int err = -EFAULT;

	if (page == kpage)		/* a KSM page forked */
		return 0;
	if (!PageAnon(folio) || !trylock_page(folio))
		return err;
	if (ksm_merge_hook)
		ksm_merge_hook(page);
	if (folio_test_large(folio)) {
		if (split_huge_page(page)) {
			unlock_page(folio);
			return err;
		}
		folio = page;		/* the lock is @page's now */
	}
	if (write_protect_page(vma, page, &orig_pte) == 0) {
		if (!kpage) {
			*anon_vmap = page_anon_vma(page);
			folio_set_stable_node(page, NULL);
			SetPageDirty(page);
			err = 0;
		} else if (pages_identical(page, kpage)) {
			err = replace_page(vma, page, kpage, orig_pte);
		}
	}
	unlock_page(folio);
	return err;
}

static void trace_ksm_merge_with_ksm_page(struct page *kpage, unsigned long pfn,
					  struct ksm_rmap_item *rmap_item, struct mm_struct *mm,
					  int err)
{
	trace_event("ksm_merge_with_ksm_page", "%spfn %lu rmap_item %p mm %p error %d",
		    kpage ? "ksm " : "", pfn, (void *)rmap_item, (void *)mm, err);
}

/*
 * Merge into the zero page a page whose checksum is a zero page's, when
 * use_zero_pages is set. Return: 0 if merged or the VMA is gone (nothing
 * more to do with this page), -EFAULT to go on with the trees.
 */
static int try_to_merge_with_zero_page(struct ksm_rmap_item *rmap_item, struct page *page)
{
	struct mm_struct *mm = rmap_item->mm;
	struct vm_area_struct *vma;
	int err = -EFAULT;

	if (!READ_ONCE(ksm_use_zero_pages) || rmap_item->oldchecksum != zero_checksum)
		return err;
	mmap_read_lock(mm);
	vma = find_mergeable_vma(mm, rmap_item->address & PAGE_MASK);
	if (vma) {
		err = try_to_merge_one_page(vma, page, zero_page, NULL);
		trace_event("ksm_merge_one_page", "ksm pfn %lu rmap_item %p mm %p error %d",
			    page_to_pfn(zero_page), (void *)rmap_item, (void *)mm, err);
	} else {
		err = 0;
	}
	mmap_read_unlock(mm);
	return err;
}

/*
 * Merge @page, @rmap_item's, into KSM page @kpage (or, @kpage NULL, make it
 * one, its old anon_vma to *@anon_vmap). On success @rmap_item is out of
 * the trees and holds a reference on its VMA's anon_vma, ready for
 * stable_tree_append(). Return: 0 or -EFAULT.
 */
static int try_to_merge_with_ksm_page(struct ksm_rmap_item *rmap_item, struct page *page,
				      struct page *kpage, struct anon_vma **anon_vmap)
{
	struct mm_struct *mm = rmap_item->mm;
	struct vm_area_struct *vma;
	int err = -EFAULT;

	mmap_read_lock(mm);
	vma = find_mergeable_vma(mm, rmap_item->address & PAGE_MASK);
	if (vma)
		err = try_to_merge_one_page(vma, page, kpage, anon_vmap);
	if (!err) {
		remove_rmap_item_from_tree(rmap_item);
		rmap_item->anon_vma = READ_ONCE(vma->anon_vma);
		get_anon_vma(rmap_item->anon_vma);
	}
	mmap_read_unlock(mm);
	trace_ksm_merge_with_ksm_page(kpage, page_to_pfn(kpage ? kpage : page), rmap_item, mm,
				      err);
	return err;
}

/*
 * A page made a KSM page for a pair whose second half failed to merge
 * becomes an ordinary anonymous page again, of @anon_vma (the reference
 * passes back to it). Deviation: the kernel breaks the COW of the one
 * mapping its rmap_item names (break_cow()), which leaves a KSM page
 * without a stable node, invisible to the reverse map, when fork had
 * shared the page with another process.
 */
static void restore_anon_page(struct page *page, struct anon_vma *anon_vma)
{
	lock_page(page);
	VM_BUG_ON_PAGE(READ_ONCE(page->mapping) != FOLIO_MAPPING_KSM, page);
	WRITE_ONCE(page->mapping, (unsigned long)anon_vma | FOLIO_MAPPING_ANON);
	unlock_page(page);
}

/*
 * Merge two equal pages, @page (scanned now) and @tree_page (found in the
 * unstable tree), into one new KSM page: @page becomes it. Return: @page
 * (a KSM page without a stable node yet; its old anon_vma, with a
 * reference, in *@anon_vmap) or NULL.
 */
static struct page *try_to_merge_two_pages(struct ksm_rmap_item *rmap_item, struct page *page,
					   struct ksm_rmap_item *tree_rmap_item,
					   struct page *tree_page, struct anon_vma **anon_vmap)
{
	int err = try_to_merge_with_ksm_page(rmap_item, page, NULL, anon_vmap);

	if (!err) {
		err = try_to_merge_with_ksm_page(tree_rmap_item, tree_page, page, NULL);
		if (err) {
			put_anon_vma(rmap_item->anon_vma);	/* taken for the stable tree */
			restore_anon_page(page, *anon_vmap);
		}
	}
	return err ? NULL : page;
}

/*
 * unstable_tree_search_insert() - find a page of the unstable tree equal to
 * @page (returned with *@tree_pagep referenced), else insert @rmap_item
 * (stamped with this scan's number) where the search ended.
 */
static struct ksm_rmap_item *unstable_tree_search_insert(struct ksm_rmap_item *rmap_item,
							 struct page *page,
							 struct page **tree_pagep)
{
	struct rb_node **new = &root_unstable_tree.rb_node, *parent = NULL;

	while (*new) {
		struct ksm_rmap_item *tree_rmap_item = rb_entry(*new, struct ksm_rmap_item, node);
		struct page *tree_page = get_mergeable_page(tree_rmap_item);
		int ret;

		if (!tree_page)
			return NULL;
		if (page == tree_page) {	/* a forked page: not our business */
			put_page(tree_page);
			return NULL;
		}
		ret = memcmp_pages(page, tree_page);
		parent = *new;
		if (!ret) {
			*tree_pagep = tree_page;
			return tree_rmap_item;
		}
		put_page(tree_page);
		new = ret < 0 ? &parent->rb_left : &parent->rb_right;
	}
	rmap_item->address |= UNSTABLE_FLAG | (ksm_scan.seqnr & SEQNR_MASK);
	rb_link_node(&rmap_item->node, parent, new);
	rb_insert_color(&rmap_item->node, &root_unstable_tree);
	ksm_count(&ksm_pages_unshared, 1);
	return NULL;
}

/* Two pages just merged into @kpage: give it a stable node and both
 * items; its old @anon_vma's reference goes. */
static void stable_tree_add_pair(struct page *kpage, struct anon_vma *anon_vma,
				 struct ksm_rmap_item *tree_rmap_item,
				 struct ksm_rmap_item *rmap_item)
{
	struct ksm_stable_node *stable_node;

	lock_page(kpage);
	stable_node = stable_tree_insert(kpage);
	if (stable_node) {
		stable_tree_append(tree_rmap_item, stable_node, false);
		stable_tree_append(rmap_item, stable_node, false);
	}
	unlock_page(kpage);
	if (anon_vma)
		put_anon_vma(anon_vma);
	if (!stable_node) {
		/* Two mappings of a KSM page no tree knows: unshare both. */
		break_cow(tree_rmap_item);
		break_cow(rmap_item);
	}
}

/*
 * @page and the equal tree page it failed to merge with were pages of one
 * THP: each held a reference on the folio, so the split, which allows the
 * caller one, failed. With the tree page's reference dropped it can
 * succeed: split the THP now (only if its lock is free), and the pages
 * merge on later visits (Linux's "split" case of cmp_and_merge_page()).
 */
static void split_after_failed_pair(struct page *page)
{
	struct page *folio = page_folio(page);

	if (!trylock_page(folio))
		return;
	unlock_page(split_huge_page(page) ? folio : page);
}

/**
 * cmp_and_merge_page() - what ksmd does with one scanned page: a KSM page
 * already known to @rmap_item is left alone; a page whose checksum changed
 * since the last visit is only remembered; otherwise it merges into the
 * zero page (use_zero_pages), into an equal KSM page of the stable tree,
 * or with an equal page of the unstable tree into a new KSM page, or else
 * enters the unstable tree.
 * @page: the page mapped at @rmap_item's address, referenced by the caller.
 * Context: ksm_thread_mutex held; takes mmap_locks, page locks; may sleep.
 */
void cmp_and_merge_page(struct page *page, struct ksm_rmap_item *rmap_item)
{
	struct ksm_stable_node *stable_node = page_stable_node(page);
	bool max_page_sharing_bypass = false, split;
	struct ksm_rmap_item *tree_rmap_item;
	struct page *kpage, *tree_page = NULL;
	struct anon_vma *anon_vma = NULL;
	unsigned int checksum;

	if (stable_node) {
		if (rmap_item->head == stable_node)
			return;
		/* A KSM page shared by fork may go over the sharing limit. */
		if (!is_page_sharing_candidate(stable_node))
			max_page_sharing_bypass = true;
	} else {
		remove_rmap_item_from_tree(rmap_item);
		checksum = calc_checksum(page);
		if (rmap_item->oldchecksum != checksum) {
			rmap_item->oldchecksum = checksum;	/* volatile: not now */
			return;
		}
		if (!try_to_merge_with_zero_page(rmap_item, page))
			return;
	}

	kpage = stable_tree_search(page);
	if (kpage == page && rmap_item->head == stable_node) {
		put_page(kpage);
		return;
	}
	remove_rmap_item_from_tree(rmap_item);
	if (kpage == KSM_FOLIO_BUSY)
		return;
	if (kpage) {
		if (!try_to_merge_with_ksm_page(rmap_item, page, kpage, NULL)) {
			lock_page(kpage);
			stable_tree_append(rmap_item, page_stable_node(kpage),
					   max_page_sharing_bypass);
			unlock_page(kpage);
		}
		put_page(kpage);
		return;
	}

	tree_rmap_item = unstable_tree_search_insert(rmap_item, page, &tree_page);
	if (!tree_rmap_item)
		return;
	kpage = try_to_merge_two_pages(rmap_item, page, tree_rmap_item, tree_page, &anon_vma);
	split = !kpage && PageCompound(page) && page_folio(page) == page_folio(tree_page);
	put_page(tree_page);
	if (kpage)
		stable_tree_add_pair(kpage, anon_vma, tree_rmap_item, rmap_item);
	else if (split)
		split_after_failed_pair(page);
}
