/* SPDX-License-Identifier: MIT */
/*
 * memory.c - page faults, unmapping ranges and copying them at fork
 * (kernel: mm/memory.c).
 *
 * Fault path: handle_mm_fault() finds (allocating if needed) the PTE for
 * the address under its page-table lock and dispatches on what it holds:
 *   none            anonymous private: a read maps the shared zero page,
 *                   a write a new zeroed page (do_anonymous_page);
 *                   shared: the region's page at that offset (do_shared_fault);
 *   migration entry the page is being migrated: wait until it is unlocked,
 *                   then retry (migration_entry_wait);
 *   present, write to a read-only entry
 *                   copy-on-write, or reuse when the page is exclusive
 *                   (do_wp_page); a KSM page is never reused, always
 *                   copied (counted in cow_ksm);
 *   present         another CPU fixed it first; nothing to do.
 * FAULT_FLAG_UNSHARE (KSM's break_ksm) asks for a private, exclusive copy
 * of a shared anonymous page without write access: the copy is mapped
 * read-only, and an entry that is already exclusive is left as it is.
 * Zero-page entries KSM installed (dirty, see ksm_hooks.h) are counted in
 * ksm_zero_pages until a fault or a zap replaces them.
 * A fault in a VM_HUGETLB VMA, its unmapping and its copy at fork are
 * hugetlb.c's (hugetlb_fault(), unmap_hugepage_range(),
 * copy_hugetlb_page_range()). Before the PTE level, a fault looks at the
 * PMD: an empty one where THP is allowed goes to
 * do_huge_pmd_anonymous_page(), a huge one to do_huge_pmd_wp_page() for a
 * write; unmapping and fork handle huge PMDs first (huge_memory.c).
 * A fault returns 0 when the access should be retried, -ENOMEM when no
 * page could be allocated, -EFAULT for an address no VMA allows.
 *
 * Pages that stop being mapped (zap, COW) are released only after
 * flush_tlb_wait(), so no CPU can still be using them.
 */
#include <string.h>
#include "vm/huge_mm.h"
#include "vm/hugetlb.h"
#include "vm/ksm_hooks.h"
#include "vm/mm.h"

struct page *zero_page;

/**
 * zero_page_init() - make @page, a reserved frame outside every zone, the
 * shared zero page (its frame is zero: the arena starts zero-filled).
 * Context: machine boot.
 */
void zero_page_init(struct page *page)
{
	zero_page = page;
	SetPageReserved(page);
	set_page_count(page, 1);
	SetPageUptodate(page);
}

/**
 * vm_normal_page() - the struct page a present PTE maps, or NULL for a
 * special mapping (the zero page), which has no reference to take.
 */
struct page *vm_normal_page(pte_t pte)
{
	return pte_special(pte) ? NULL : pfn_to_page(pte_pfn(pte));
}

static struct page *alloc_anon_page(struct page *copy_from)
{
	struct page *page = alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN |
					(copy_from ? 0 : __GFP_ZERO), 0);

	if (!page)
		return NULL;
	if (copy_from)
		memcpy(page_address(page), page_address(copy_from), PAGE_SIZE);
	SetPageUptodate(page);
	return page;
}

static pte_t mk_user_pte(struct page *page, bool write)
{
	pte_t pte = pte_mkyoung(pfn_pte(page_to_pfn(page), write));

	return write ? pte_mkdirty(pte) : pte;
}

/*
 * The page a CPU that met a migration entry waits on: its own, or for a
 * page of a THP being split (still a tail) the head, whose lock the split
 * holds (THPs are order-9 blocks, naturally aligned). The head is found
 * from the pfn, not from compound_head(), which the split rewrites.
 */
static struct page *migration_entry_page(pte_t entry)
{
	unsigned long pfn = softleaf_pfn(entry);

	if (PageTail(pfn_to_page(pfn)))
		pfn = ALIGN_DOWN(pfn, HPAGE_PMD_NR);
	return pfn_to_page(pfn);
}

/* No PTE table could be had: a huge PMD or a PMD migration entry now
 * covers @addr (retry), or -ENOMEM. */
static int pte_alloc_failed(struct mm_struct *mm, unsigned long addr)
{
	pmd_t *pmdp = pmd_off(mm, addr);

	return pmdp && pmd_is_huge(pmdp_get(pmdp)) ? 0 : -ENOMEM;
}

static int do_anonymous_page(struct vm_area_struct *vma, unsigned long addr, bool write)
{
	struct mm_struct *mm = vma->vm_mm;
	struct page *page = NULL;
	spinlock_t *ptl;
	pte_t *ptep;

	if (write) {
		if (anon_vma_prepare(vma))
			return -ENOMEM;
		page = alloc_anon_page(NULL);
		if (!page)
			return -ENOMEM;
	}
	ptep = pte_alloc_map_lock(mm, addr, &ptl);
	if (!ptep) {
		if (page)
			put_page(page);
		return pte_alloc_failed(mm, addr);
	}
	if (!pte_none(ptep_get(ptep))) {
		spin_unlock(ptl);
		if (page)
			put_page(page);
		return 0;
	}
	if (!page) {
		set_pte(ptep, pte_mkspecial(pfn_pte(page_to_pfn(zero_page), false)));
	} else {
		folio_add_new_anon_rmap(page, vma, addr);
		folio_add_lru(page);
		add_mm_counter(mm, MM_ANONPAGES, 1);
		set_pte(ptep, mk_user_pte(page, true));
	}
	VM_EXPENSIVE(pte_table_valid, mm, addr);
	spin_unlock(ptl);
	return 0;
}

static int do_shared_fault(struct vm_area_struct *vma, unsigned long addr)
{
	struct page *page;
	spinlock_t *ptl;
	pte_t *ptep;
	pgoff_t index = linear_page_index(vma, addr);
	int err = shmem_get_page(vma->vm_mapping, index, &page);

	if (err)
		return err;
	/* As filemap_fault: lock it and check it is still the region's page
	 * (migration may have replaced it while we waited). */
	lock_page(page);
	if (READ_ONCE(vma->vm_mapping->pages[index]) != page) {
		unlock_page(page);
		put_page(page);
		return 0;
	}
	ptep = pte_alloc_map_lock(vma->vm_mm, addr, &ptl);
	if (!ptep) {
		unlock_page(page);
		put_page(page);
		return -ENOMEM;
	}
	if (!pte_none(ptep_get(ptep))) {
		spin_unlock(ptl);
		unlock_page(page);
		put_page(page);
		return 0;
	}
	folio_add_file_rmap_pte(page);
	add_mm_counter(vma->vm_mm, MM_SHMEMPAGES, 1);
	set_pte(ptep, mk_user_pte(page, true));
	VM_EXPENSIVE(pte_table_valid, vma->vm_mm, addr);
	spin_unlock(ptl);
	unlock_page(page);
	return 0;
}

/*
 * A private anonymous page may be written in place when no one else maps
 * or holds it. The reference count is read with acquire: a sibling that
 * copied the page and then dropped its reference (a release) must have
 * finished reading it before this CPU writes it.
 */
static bool wp_can_reuse_anon_page(struct page *page)
{
	if (PageKsm(page))
		return false;
	if (PageAnonExclusive(page))
		return true;
	/* A page of a shared THP is copied (deviation: Linux 6.18 may reuse
	 * a large folio all of whose mappings are this mm's). */
	if (PageCompound(page) || page_mapcount(page) != 1 ||
	    __atomic_load_n(&page->_refcount, __ATOMIC_ACQUIRE) != 1)
		return false;
	SetPageAnonExclusive(page);
	return true;
}

/* Replace the read-only mapping @orig of @old (NULL: the zero page) at
 * @addr by a private copy, writable unless @unshare. Drops the reference
 * the caller took on @old. */
static int wp_page_copy(struct vm_area_struct *vma, unsigned long addr, pte_t orig,
			struct page *old, bool unshare)
{
	struct mm_struct *mm = vma->vm_mm;
	struct page *new = NULL;
	spinlock_t *ptl;
	pte_t *ptep;
	int err = anon_vma_prepare(vma);

	if (!err) {
		new = alloc_anon_page(old);
		err = new ? 0 : -ENOMEM;
	}
	ptep = err ? NULL : pte_offset_map_lock(mm, addr, &ptl);
	if (ptep) {
		if (pte_val(ptep_get(ptep)) == pte_val(orig)) {
			ptep_clear_flush(ptep);
			folio_add_new_anon_rmap(new, vma, addr);
			folio_add_lru(new);
			set_pte(ptep, unshare ? pte_mkyoung(pfn_pte(page_to_pfn(new), false))
					      : mk_user_pte(new, true));
			if (old) {
				folio_remove_rmap_pte(old);
				put_page(old);	/* the mapping's reference */
			} else {
				ksm_might_unmap_zero_page(mm, orig);
				add_mm_counter(mm, MM_ANONPAGES, 1);
			}
			new = NULL;
			VM_EXPENSIVE(pte_table_valid, mm, addr);
		}
		spin_unlock(ptl);
	}
	if (new)
		put_page(new);
	if (old)
		put_page(old);
	return err;
}

static int do_wp_page(struct vm_area_struct *vma, unsigned long addr, pte_t *ptep,
		      spinlock_t *ptl, pte_t orig, bool unshare)
{
	struct page *page = vm_normal_page(orig);

	if (!vma_is_anonymous_private(vma) || (page && wp_can_reuse_anon_page(page))) {
		if (!unshare) {
			if (vma_is_anonymous_private(vma))
				count_vm_event(PGREUSE);
			set_pte(ptep, pte_mkdirty(pte_mkyoung(pte_mkwrite(orig))));
		}
		spin_unlock(ptl);
		return 0;
	}
	if (page)
		get_page(page);
	spin_unlock(ptl);
	if (page && PageKsm(page))
		count_vm_event(COW_KSM);
	return wp_page_copy(vma, addr, orig, page, unshare);
}

/*
 * The PMD level of a fault (__handle_mm_fault()): a THP for an empty PMD
 * where allowed, the write path of a huge PMD, a wait for the migration
 * a PMD migration entry stands for. Returns VM_FAULT_FALLBACK
 * to go on at PTE level, else the fault's result.
 */
static int huge_pmd_fault(struct vm_area_struct *vma, unsigned long addr, bool write,
			  bool unshare)
{
	pmd_t *pmdp = pmd_alloc(vma->vm_mm, addr);
	pmd_t pmd;

	if (!pmdp)
		return -ENOMEM;
	pmd = pmdp_get(pmdp);
	if (pmd_none(pmd) && !unshare && thp_vma_allowable_pmd(vma, addr)) {
		khugepaged_enter_vma(vma);
		return do_huge_pmd_anonymous_page(vma, addr, pmdp, write);
	}
	if (is_pmd_migration_entry(pmd)) {
		pmd_migration_entry_wait(vma->vm_mm, pmdp);
		return 0;
	}
	if (!pmd_trans_huge(pmd))
		return VM_FAULT_FALLBACK;
	if ((write || unshare) && !pmd_write(pmd))
		return do_huge_pmd_wp_page(vma, addr, pmdp, unshare);
	return 0;	/* another CPU mapped it first */
}

/**
 * handle_mm_fault() - resolve a fault at @addr in @vma.
 * @flags: FAULT_FLAG_WRITE for a write; FAULT_FLAG_UNSHARE to replace a
 * shared anonymous page (a KSM page, a KSM zero page) by an exclusive
 * read-only copy; 0 for a read.
 * Context: mmap_lock held (read suffices); takes page-table locks; may
 * sleep (waiting for a migration) and allocate.
 * Return: 0 (retry the access), -ENOMEM, or -EFAULT.
 */
int handle_mm_fault(struct vm_area_struct *vma, unsigned long addr, unsigned int flags)
{
	bool write = flags & FAULT_FLAG_WRITE, unshare = flags & FAULT_FLAG_UNSHARE;
	spinlock_t *ptl;
	pte_t *ptep, entry;
	int ret;

	if (write && !(vma->vm_flags & VM_WRITE))
		return -EFAULT;
	count_vm_event(PGFAULT);
	if (is_vm_hugetlb_page(vma))
		return hugetlb_fault(vma, addr, flags);
	ret = huge_pmd_fault(vma, addr, write, unshare);
	if (ret != VM_FAULT_FALLBACK)
		return ret;
	ptep = pte_alloc_map_lock(vma->vm_mm, addr, &ptl);
	if (!ptep)
		return pte_alloc_failed(vma->vm_mm, addr);
	entry = ptep_get(ptep);
	if (pte_none(entry)) {
		spin_unlock(ptl);
		if (unshare)
			return 0;	/* nothing mapped, nothing shared */
		return vma_is_anonymous_private(vma) ? do_anonymous_page(vma, addr, write)
						     : do_shared_fault(vma, addr);
	}
	if (softleaf_is_migration(entry)) {
		/* migration_entry_wait(): sleep until migration ends, then retry. */
		softleaf_entry_wait_on_locked(migration_entry_page(entry), ptl);
		return 0;
	}
	if ((write || unshare) && !pte_write(entry))
		return do_wp_page(vma, addr, ptep, ptl, entry, unshare);
	spin_unlock(ptl);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Unmapping                                                            */

static void zap_one_pte(struct mm_struct *mm, pte_t *ptep, unsigned long addr, void *arg)
{
	struct mmu_gather *tlb = arg;
	struct page *page;
	pte_t pte;

	if (pte_none(ptep_get(ptep)))
		return;
	pte = ptep_get_and_clear(ptep);
	if (softleaf_is_migration(pte)) {
		/* No mapcount or reference to drop, only the RSS it counts in. */
		/* A tail page's entry is a THP split's: anonymous. */
		page = pfn_to_page(softleaf_pfn(pte));
		add_mm_counter(mm, PageAnon(page) || PageTail(page) ? MM_ANONPAGES : MM_SHMEMPAGES,
			       -1);
		return;
	}
	page = vm_normal_page(pte);
	if (!page) {
		ksm_might_unmap_zero_page(mm, pte);
		return;
	}
	if (pte_dirty(pte))
		SetPageDirty(page_folio(page));
	folio_remove_rmap_pte(page);
	add_mm_counter(mm, PageAnon(page_folio(page)) ? MM_ANONPAGES : MM_SHMEMPAGES, -1);
	tlb_remove_page(tlb, page);
}

/**
 * zap_page_range() - unmap [start, end) of @vma and release the pages once
 * no CPU can reach them. Private anonymous contents are gone; shared pages
 * stay in their region.
 * Context: mmap_lock held; takes the PTE locks.
 */
void zap_page_range(struct vm_area_struct *vma, unsigned long start, unsigned long end)
{
	struct mmu_gather tlb;

	if (is_vm_hugetlb_page(vma)) {
		unmap_hugepage_range(vma, start, end);
		return;
	}
	tlb_gather_mmu(&tlb);
	zap_huge_pmd_range(&tlb, vma, start, end);
	walk_pte_range_locked(vma->vm_mm, start, end, zap_one_pte, &tlb);
	tlb_finish_mmu(&tlb);
}

/* ------------------------------------------------------------------ */
/* fork                                                                 */

/* Copy one PTE of a fork; returns the page to wait for if the entry is a
 * migration entry (the copy is retried after the migration). */
static struct page *copy_one_pte(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma,
				 pte_t *dst_ptep, pte_t *src_ptep)
{
	pte_t pte = ptep_get(src_ptep);
	struct page *page;

	if (pte_none(pte))
		return NULL;
	if (softleaf_is_migration(pte))
		return migration_entry_page(pte);
	page = vm_normal_page(pte);
	if (is_ksm_zero_pte(pte))
		ksm_map_zero_page(dst_vma->vm_mm);
	if (page) {
		bool anon = PageAnon(page_folio(page));

		get_page(page);
		if (anon)
			folio_dup_anon_rmap_pte(page);
		else
			folio_add_file_rmap_pte(page);
		add_mm_counter(dst_vma->vm_mm, anon ? MM_ANONPAGES : MM_SHMEMPAGES, 1);
	}
	if (vma_is_anonymous_private(src_vma) && pte_write(pte)) {
		__atomic_fetch_and(&src_ptep->pte, ~_PAGE_RW, __ATOMIC_SEQ_CST);
		pte = pte_wrprotect(pte);
	}
	if (!vma_is_anonymous_private(src_vma))
		pte = pte_mkclean(pte);
	set_pte(dst_ptep, pte_mkold(pte));
	return NULL;
}

/* Copy the PTEs of [addr, next) within one PTE table; returns where it
 * stopped, or -ENOMEM. A migration entry makes it wait and return early. */
static long copy_pte_table(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma,
			   unsigned long addr, unsigned long next)
{
	spinlock_t *dst_ptl, *src_ptl;
	pte_t *src_ptep = pte_offset_lockless(src_vma->vm_mm, addr);
	pte_t *dst_ptep;
	struct page *wait = NULL;

	if (!src_ptep)
		return next;
	dst_ptep = pte_alloc_map_lock(dst_vma->vm_mm, addr, &dst_ptl);
	if (!dst_ptep)
		return -ENOMEM;
	src_ptl = pte_lockptr(src_ptep);
	spin_lock_nested(src_ptl);
	for (; addr < next && !wait; addr += PAGE_SIZE, src_ptep++, dst_ptep++)
		wait = copy_one_pte(dst_vma, src_vma, dst_ptep, src_ptep);
	spin_unlock(dst_ptl);
	if (!wait) {
		spin_unlock(src_ptl);
		return addr;
	}
	softleaf_entry_wait_on_locked(wait, src_ptl);
	return addr - PAGE_SIZE;
}

/**
 * copy_page_range() - give the child VMA @dst_vma the mappings of
 * @src_vma: private anonymous pages become shared copy-on-write (both
 * sides write-protected), shared pages stay shared.
 * Context: both mms' mmap_lock held for write; takes PTE locks (the
 * child's, then the parent's nested). The caller flushes the parent's TLB
 * before the parent runs on. Return: 0 or -ENOMEM.
 */
int copy_page_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma)
{
	unsigned long addr = src_vma->vm_start;

	if (is_vm_hugetlb_page(src_vma))
		return copy_hugetlb_page_range(dst_vma, src_vma);
	while (addr < src_vma->vm_end) {
		unsigned long next = min((addr & PMD_MASK) + PMD_SIZE, src_vma->vm_end);
		pmd_t *src_pmdp = pmd_off(src_vma->vm_mm, addr);
		long done = 1;

		if (src_pmdp && pmd_is_huge(pmdp_get(src_pmdp)))
			done = copy_huge_pmd(dst_vma, src_vma, addr, src_pmdp);
		if (done < 0)
			return done;
		done = done ? copy_pte_table(dst_vma, src_vma, addr, next) : (long)next;
		if (done < 0)
			return done;
		addr = done;
	}
	return 0;
}
