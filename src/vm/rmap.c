/* SPDX-License-Identifier: MIT */
/*
 * rmap.c - the reverse map: anon_vmas and their chains, adding and removing
 * a page's mappings, and walking every PTE (and huge PMD) that maps a page.
 *
 * anon_vma lifetime: an anon_vma is freed when its reference count drops to
 * zero. References are held by each anon_vma_chain linking it to a VMA, by
 * each anonymous page whose mapping points at it (from its first mapping
 * until the page is freed; see mm_types.h for why this differs from
 * Linux), by each non-root anon_vma on its root, and briefly by anyone who
 * needs it to stay (get_anon_vma()).
 *
 * Locking (docs/locking.md): the chains of an anon_vma tree are changed
 * under the root's rwsem held for write and walked with it held for read;
 * a VMA's own chain list changes under the mm's mmap_lock held for write
 * (fork, munmap) or, for the first anon_vma of a VMA, under
 * mm->page_table_lock with the mmap_lock held for read (a fault).
 */
#include <stdlib.h>
#include "vm/huge_mm.h"
#include "vm/ksm_hooks.h"
#include "vm/mm.h"

static struct anon_vma *anon_vma_alloc(struct anon_vma *root)
{
	struct anon_vma *anon_vma = kzalloc(sizeof(*anon_vma));

	if (!anon_vma)
		return NULL;
	anon_vma->refcount = 1;
	INIT_LIST_HEAD(&anon_vma->chains);
	if (root) {
		anon_vma->root = root;
		get_anon_vma(root);
	} else {
		anon_vma->root = anon_vma;
		init_rwsem(&anon_vma->rwsem, LOCK_CLASS_ANON_VMA);
	}
	return anon_vma;
}

/** get_anon_vma() - take a reference. Context: the caller holds one already. */
void get_anon_vma(struct anon_vma *anon_vma)
{
	VM_BUG_ON(__atomic_load_n(&anon_vma->refcount, __ATOMIC_RELAXED) <= 0);
	__atomic_fetch_add(&anon_vma->refcount, 1, __ATOMIC_RELAXED);
}

/**
 * put_anon_vma() - drop a reference; the last one frees the anon_vma and
 * drops its reference on the root.
 * Context: no anon_vma lock of this tree held (the free may take none, but
 * the caller's lock would be freed under it).
 */
void put_anon_vma(struct anon_vma *anon_vma)
{
	struct anon_vma *root = anon_vma->root;

	if (__atomic_sub_fetch(&anon_vma->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	VM_BUG_ON(!list_empty(&anon_vma->chains));
	if (root == anon_vma)
		destroy_rwsem(&anon_vma->rwsem);
	free(anon_vma);
	if (root != anon_vma)
		put_anon_vma(root);
}

static void anon_vma_lock_write(struct anon_vma *anon_vma)
{
	down_write(&anon_vma->root->rwsem);
}

static void anon_vma_unlock_write(struct anon_vma *anon_vma)
{
	up_write(&anon_vma->root->rwsem);
}

/* Link @vma to @anon_vma through @avc. Context: the root rwsem held for write. */
static void anon_vma_chain_link(struct vm_area_struct *vma, struct anon_vma_chain *avc,
				struct anon_vma *anon_vma)
{
	avc->vma = vma;
	avc->anon_vma = anon_vma;
	get_anon_vma(anon_vma);
	list_add(&avc->same_vma, &vma->anon_vma_chain);
	list_add_tail(&avc->same_anon_vma, &anon_vma->chains);
}

static int anon_vma_link_new_chain(struct vm_area_struct *vma, struct anon_vma *anon_vma)
{
	struct anon_vma_chain *avc = kmalloc(sizeof(*avc));

	if (!avc)
		return -ENOMEM;
	anon_vma_lock_write(anon_vma);
	anon_vma_chain_link(vma, avc, anon_vma);
	anon_vma_unlock_write(anon_vma);
	return 0;
}

/**
 * anon_vma_prepare() - give @vma an anon_vma before its first anonymous
 * page is mapped.
 * Context: mmap_lock held (read suffices); takes the new anon_vma's rwsem,
 * then mm->page_table_lock, which serialises racing faults. May allocate.
 * Return: 0 or -ENOMEM.
 */
int anon_vma_prepare(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;
	struct anon_vma_chain *avc;
	struct anon_vma *anon_vma;

	if (likely(READ_ONCE(vma->anon_vma)))
		return 0;
	avc = kmalloc(sizeof(*avc));
	anon_vma = anon_vma_alloc(NULL);
	if (!avc || !anon_vma) {
		free(avc);
		if (anon_vma)
			put_anon_vma(anon_vma);
		return -ENOMEM;
	}
	anon_vma_lock_write(anon_vma);
	spin_lock(&mm->page_table_lock);
	if (!vma->anon_vma) {
		anon_vma_chain_link(vma, avc, anon_vma);
		WRITE_ONCE(vma->anon_vma, anon_vma);
		avc = NULL;
	}
	spin_unlock(&mm->page_table_lock);
	anon_vma_unlock_write(anon_vma);
	free(avc);
	put_anon_vma(anon_vma);
	return 0;
}

/**
 * anon_vma_fork() - give a child's copy @vma of @pvma the parent's chains
 * plus a new anon_vma of its own in the same tree, so pages the child
 * faults later are not visible to the parent's rmap walks.
 * Context: both mms' mmap_lock held for write (fork).
 * Return: 0 or -ENOMEM (the caller unlinks what was linked).
 */
int anon_vma_fork(struct vm_area_struct *vma, struct vm_area_struct *pvma)
{
	struct anon_vma_chain *pavc;
	struct anon_vma *anon_vma;
	int err;

	if (!pvma->anon_vma)
		return 0;
	list_for_each_entry(pavc, &pvma->anon_vma_chain, same_vma) {
		err = anon_vma_link_new_chain(vma, pavc->anon_vma);
		if (err)
			return err;
	}
	anon_vma = anon_vma_alloc(pvma->anon_vma->root);
	if (!anon_vma)
		return -ENOMEM;
	err = anon_vma_link_new_chain(vma, anon_vma);
	if (!err)
		vma->anon_vma = anon_vma;
	put_anon_vma(anon_vma);
	return err;
}

/**
 * anon_vma_clone() - link @dst, a part split off @src, to every anon_vma
 * @src is linked to, and give it @src's anon_vma.
 * Context: the mm's mmap_lock held for write; takes the anon_vma rwsems.
 * Return: 0 or -ENOMEM (the caller unlinks what was linked).
 */
int anon_vma_clone(struct vm_area_struct *dst, struct vm_area_struct *src)
{
	struct anon_vma_chain *avc;
	int err;

	list_for_each_entry(avc, &src->anon_vma_chain, same_vma) {
		err = anon_vma_link_new_chain(dst, avc->anon_vma);
		if (err)
			return err;
	}
	dst->anon_vma = src->anon_vma;
	return 0;
}

/**
 * unlink_anon_vmas() - remove every chain of @vma (munmap, exit).
 * Context: mmap_lock held for write; takes the anon_vma rwsems.
 */
void unlink_anon_vmas(struct vm_area_struct *vma)
{
	struct anon_vma_chain *avc, *next;

	list_for_each_entry_safe(avc, next, &vma->anon_vma_chain, same_vma) {
		anon_vma_lock_write(avc->anon_vma);
		list_del(&avc->same_anon_vma);
		anon_vma_unlock_write(avc->anon_vma);
		list_del(&avc->same_vma);
		put_anon_vma(avc->anon_vma);
		free(avc);
	}
	vma->anon_vma = NULL;
}

/**
 * folio_add_new_anon_rmap() - make a new, private page an anonymous page
 * of @vma mapped once at @addr, exclusive to this mm.
 * Context: the page is not yet visible to anyone else; the caller holds the
 * PTE lock of the entry it is about to set.
 */
void folio_add_new_anon_rmap(struct page *page, struct vm_area_struct *vma,
			     unsigned long addr)
{
	struct anon_vma *anon_vma = vma->anon_vma;

	VM_BUG_ON_PAGE(page_mapped(page) || READ_ONCE(page->mapping), page);
	get_anon_vma(anon_vma);
	page->index = linear_page_index(vma, addr);
	WRITE_ONCE(page->mapping, (unsigned long)anon_vma | FOLIO_MAPPING_ANON);
	__atomic_store_n(&page->_mapcount, 0, __ATOMIC_RELAXED);
	__SetPageAnonExclusive(page);
	__SetPageSwapBacked(page);
	mod_node_page_state(page_zone(page)->zone_pgdat, NR_ANON_MAPPED, 1);
}

/*
 * One more PTE maps @page: its _mapcount and, in a large folio, the
 * folio's large mapcount and pages mapped. @item (NR_ANON_MAPPED or
 * NR_FILE_MAPPED) counts the page when it was not mapped at all before (a
 * page of a folio that a PMD maps entirely is counted already: the
 * kernel's ENTIRELY_MAPPED bit in _nr_pages_mapped says so).
 */
static void page_mapcount_inc(struct page *page, enum node_stat_item item)
{
	struct page *folio = page_folio(page);
	bool counted = false;

	if (__atomic_add_fetch(&page->_mapcount, 1, __ATOMIC_RELAXED) == 0)
		counted = !folio_test_large(folio) ||
			  __atomic_add_fetch(&folio[1]._nr_pages_mapped, 1, __ATOMIC_RELAXED) <
			  ENTIRELY_MAPPED;
	if (folio_test_large(folio))
		__atomic_fetch_add(&folio[1]._large_mapcount, 1, __ATOMIC_RELAXED);
	if (counted && !folio_test_hugetlb(folio))
		mod_node_page_state(page_zone(page)->zone_pgdat, item, 1);
}

/**
 * folio_dup_anon_rmap_pte() - one more PTE maps an anonymous page (fork
 * copied it); the page is no longer exclusive to one mm.
 * Context: the PTE locks of both entries are held.
 */
void folio_dup_anon_rmap_pte(struct page *page)
{
	VM_BUG_ON_PAGE(!PageAnon(page_folio(page)) || !page_mapped(page), page);
	ClearPageAnonExclusive(page);
	page_mapcount_inc(page, NR_ANON_MAPPED);
}

/**
 * folio_add_anon_rmap_pte() - map an anonymous page by one more PTE that
 * migration restored; @exclusive says the mapping was exclusive.
 * Context: the PTE lock of the entry is held; the page is locked.
 */
void folio_add_anon_rmap_pte(struct page *page, bool exclusive)
{
	VM_BUG_ON_PAGE(!PageAnon(page_folio(page)), page);
	if (exclusive)
		SetPageAnonExclusive(page);
	page_mapcount_inc(page, NR_ANON_MAPPED);
}

/**
 * folio_add_file_rmap_pte() - one more PTE maps a shared-memory page.
 * Context: the PTE lock of the entry is held.
 */
void folio_add_file_rmap_pte(struct page *page)
{
	VM_BUG_ON_PAGE(PageAnon(page), page);
	page_mapcount_inc(page, NR_FILE_MAPPED);
}

/**
 * folio_remove_rmap_pte() - one PTE no longer maps @page (a page of a
 * large folio too). The caller still holds the mapping's reference and
 * drops it after the TLB flush. An anonymous THP left with only some of
 * its pages mapped goes on the deferred split queue (deferred_split_folio()).
 * Context: the PTE lock of the entry is held.
 */
void folio_remove_rmap_pte(struct page *page)
{
	struct page *folio = page_folio(page);
	bool large = folio_test_large(folio), uncounted = false;
	int mapped = 0;

	VM_BUG_ON_PAGE(!page_mapped(page), page);
	if (__atomic_sub_fetch(&page->_mapcount, 1, __ATOMIC_RELAXED) < 0) {
		if (large)
			mapped = __atomic_sub_fetch(&folio[1]._nr_pages_mapped, 1,
						    __ATOMIC_RELAXED);
		uncounted = !large || mapped < ENTIRELY_MAPPED;
	}
	if (large)
		__atomic_fetch_sub(&folio[1]._large_mapcount, 1, __ATOMIC_RELAXED);
	if (uncounted && !folio_test_hugetlb(folio))
		mod_node_page_state(page_zone(page)->zone_pgdat,
				    PageAnon(folio) ? NR_ANON_MAPPED : NR_FILE_MAPPED, -1);
	if (large && uncounted && mapped && PageAnon(folio) && !folio_test_hugetlb(folio))
		deferred_split_folio(folio, true);
}

/**
 * folio_add_new_anon_rmap_pmd() - make @folio, a new order-9 folio, an
 * anonymous folio of @vma mapped by one PMD at @haddr, exclusive to this
 * mm: entire mapcount 1, every page counted in NR_ANON_MAPPED, the folio
 * in NR_ANON_THPS.
 * Context: the folio is not yet visible; the PMD lock held.
 */
void folio_add_new_anon_rmap_pmd(struct page *folio, struct vm_area_struct *vma,
				 unsigned long haddr)
{
	struct pglist_data *pgdat = page_zone(folio)->zone_pgdat;

	VM_BUG_ON_PAGE(folio_mapcount(folio) || READ_ONCE(folio->mapping), folio);
	get_anon_vma(vma->anon_vma);
	folio->index = linear_page_index(vma, haddr);
	WRITE_ONCE(folio->mapping, (unsigned long)vma->anon_vma | FOLIO_MAPPING_ANON);
	__atomic_store_n(&folio[1]._entire_mapcount, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&folio[1]._large_mapcount, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&folio[1]._nr_pages_mapped, ENTIRELY_MAPPED, __ATOMIC_RELAXED);
	__SetPageAnonExclusive(folio);
	__SetPageSwapBacked(folio);
	mod_node_page_state(pgdat, NR_ANON_MAPPED, folio_nr_pages(folio));
	mod_node_page_state(pgdat, NR_ANON_THPS, folio_nr_pages(folio));
}

/**
 * folio_dup_anon_rmap_pmd() - one more PMD maps @folio (fork copied it);
 * the folio is no longer exclusive to one mm.
 * Context: the PMD locks of both entries held.
 */
void folio_dup_anon_rmap_pmd(struct page *folio)
{
	VM_BUG_ON_PAGE(!PageAnon(folio) || folio_entire_mapcount(folio) < 1, folio);
	ClearPageAnonExclusive(folio);
	__atomic_fetch_add(&folio[1]._entire_mapcount, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&folio[1]._large_mapcount, 1, __ATOMIC_RELAXED);
}

/**
 * folio_add_anon_rmap_pmd() - one more PMD maps @folio, an anonymous
 * order-9 folio with its mapping set (migration restored a PMD migration
 * entry): when it is the first, the pages no PTE maps join NR_ANON_MAPPED
 * and the folio NR_ANON_THPS. @exclusive: the mapping was exclusive.
 * Context: the PMD lock held; the folio locked.
 */
void folio_add_anon_rmap_pmd(struct page *folio, bool exclusive)
{
	struct pglist_data *pgdat = page_zone(folio)->zone_pgdat;
	long nr = folio_nr_pages(folio);
	int mapped;

	VM_BUG_ON_PAGE(!PageAnon(folio) || folio_order(folio) != HPAGE_PMD_ORDER, folio);
	if (exclusive)
		SetPageAnonExclusive(folio);
	__atomic_fetch_add(&folio[1]._large_mapcount, 1, __ATOMIC_RELAXED);
	if (__atomic_add_fetch(&folio[1]._entire_mapcount, 1, __ATOMIC_RELAXED))
		return;
	mapped = __atomic_add_fetch(&folio[1]._nr_pages_mapped, ENTIRELY_MAPPED,
				    __ATOMIC_RELAXED) - ENTIRELY_MAPPED;
	mod_node_page_state(pgdat, NR_ANON_MAPPED, nr - mapped);
	mod_node_page_state(pgdat, NR_ANON_THPS, nr);
}

/**
 * folio_remove_rmap_pmd() - one PMD no longer maps @folio. When it was the
 * last, the pages no PTE maps leave NR_ANON_MAPPED, the folio leaves
 * NR_ANON_THPS, and if some pages but not all stay PTE-mapped the folio
 * goes on the deferred split queue (Linux's partially_mapped). The caller
 * drops the mapping's reference.
 * Context: the PMD lock held.
 */
void folio_remove_rmap_pmd(struct page *folio)
{
	struct pglist_data *pgdat = page_zone(folio)->zone_pgdat;
	long nr = folio_nr_pages(folio);
	int mapped;

	VM_BUG_ON_PAGE(folio_entire_mapcount(folio) < 1, folio);
	__atomic_fetch_sub(&folio[1]._large_mapcount, 1, __ATOMIC_RELAXED);
	if (__atomic_sub_fetch(&folio[1]._entire_mapcount, 1, __ATOMIC_RELAXED) >= 0)
		return;
	mapped = __atomic_sub_fetch(&folio[1]._nr_pages_mapped, ENTIRELY_MAPPED,
				    __ATOMIC_RELAXED);
	if (mapped >= ENTIRELY_MAPPED)
		return;
	mod_node_page_state(pgdat, NR_ANON_MAPPED, -(nr - mapped));
	mod_node_page_state(pgdat, NR_ANON_THPS, -nr);
	if (mapped && mapped < nr)	/* some pages, not all, stay PTE-mapped */
		deferred_split_folio(folio, true);
}

/**
 * folio_release_mapping() - an anonymous page is being freed: drop its
 * anon_vma reference and clear its mapping.
 * Context: the page's last reference is gone.
 */
void folio_release_mapping(struct page *page)
{
	struct anon_vma *anon_vma = page_anon_vma(page);

	/* Pages of a PTE-mapped THP carry their own anon-exclusive bits. */
	for (unsigned long i = 1; folio_test_large(page) && i < folio_nr_pages(page); i++)
		ClearPageAnonExclusive(page + i);

	if (PageKsm(page)) {
		/* Its stable node, if any, is now stale (ksm_get_folio()). */
		WRITE_ONCE(page->mapping, 0);
		__ClearPageSwapBacked(page);
		return;
	}
	if (!anon_vma)
		return;
	WRITE_ONCE(page->mapping, 0);
	ClearPageAnonExclusive(page);
	__ClearPageSwapBacked(page);
	put_anon_vma(anon_vma);
}

/*
 * The first address in @vma of @page, or of any page of the folio when
 * @page is a folio head (clamped to vm_start for a folio that begins
 * before the VMA), or -EFAULT when none of it falls in @vma.
 */
static unsigned long vma_address(const struct page *page, const struct vm_area_struct *vma)
{
	pgoff_t index = READ_ONCE(page->index);
	unsigned long nr = PageHead(page) ? folio_nr_pages(page) : 1;

	if (index + nr <= vma->vm_pgoff || index >= vma->vm_pgoff + vma_pages(vma))
		return -EFAULT;
	if (index < vma->vm_pgoff)
		return vma->vm_start;
	return vma->vm_start + ((index - vma->vm_pgoff) << PAGE_SHIFT);
}

static void rmap_walk_anon(struct page *page, struct anon_vma *anon_vma,
			   const struct rmap_walk_control *rwc)
{
	struct anon_vma_chain *avc;

	down_read(&anon_vma->root->rwsem);
	list_for_each_entry(avc, &anon_vma->chains, same_anon_vma) {
		unsigned long addr = vma_address(page, avc->vma);

		if (addr == (unsigned long)-EFAULT)
			continue;
		if (!rwc->rmap_one(page, avc->vma, addr, rwc->arg))
			break;
		if (rwc->done && rwc->done(page))
			break;
	}
	up_read(&anon_vma->root->rwsem);
}

static void rmap_walk_shared(struct page *page, struct address_space *mapping,
			     const struct rmap_walk_control *rwc)
{
	struct vm_area_struct *vma;

	down_read(&mapping->i_mmap_rwsem);
	list_for_each_entry(vma, &mapping->i_mmap, shared) {
		unsigned long addr = vma_address(page, vma);

		if (addr == (unsigned long)-EFAULT)
			continue;
		if (!rwc->rmap_one(page, vma, addr, rwc->arg))
			break;
		if (rwc->done && rwc->done(page))
			break;
	}
	up_read(&mapping->i_mmap_rwsem);
}

/**
 * rmap_walk() - call rwc->rmap_one for every VMA that may map @page (a KSM
 * page's through its stable node: rmap_walk_ksm()).
 * Context: @page is locked (so its mapping cannot change) and referenced;
 * takes the anon_vma root rwsem or the i_mmap_rwsem for read. May sleep.
 */
void rmap_walk(struct page *page, const struct rmap_walk_control *rwc)
{
	struct anon_vma *anon_vma = page_anon_vma(page);
	struct address_space *mapping;

	VM_BUG_ON_PAGE(!PageLocked(page), page);
	if (PageKsm(page)) {
		rmap_walk_ksm(page, rwc);
		return;
	}
	if (anon_vma) {
		rmap_walk_anon(page, anon_vma, rwc);
		return;
	}
	mapping = page_mapping_shared(page);
	if (mapping)
		rmap_walk_shared(page, mapping, rwc);
}

static bool pvmw_pte_matches(const struct page_vma_mapped_walk *pvmw, pte_t pte)
{
	unsigned long pfn;

	if (pvmw->flags & PVMW_MIGRATION) {
		if (!softleaf_is_migration(pte))
			return false;
		pfn = softleaf_pfn(pte);
	} else {
		if (!pte_present(pte))
			return false;
		pfn = pte_pfn(pte);
	}
	return pfn - pvmw->pfn < max(pvmw->nr_pages, 1UL);
}

/* What the next step of a walk found. */
enum pvmw_found { PVMW_END, PVMW_PTE_TABLE, PVMW_PMD_HIT };

/* Does the huge PMD (or, with PVMW_MIGRATION, PMD migration entry) @pmd
 * map a pfn of [pfn, pfn + nr_pages)? (the kernel's check_pmd()) */
static bool pvmw_pmd_matches(const struct page_vma_mapped_walk *pvmw, pmd_t pmd)
{
	unsigned long pfn;

	if (pvmw->flags & PVMW_MIGRATION) {
		if (!is_pmd_migration_entry(pmd))
			return false;
		pfn = softleaf_pfn(pmd_to_softleaf(pmd));
	} else {
		if (!pmd_trans_huge(pmd) || pmd_special(pmd))
			return false;
		pfn = pmd_pfn(pmd);
	}
	return pfn + HPAGE_PMD_NR > pvmw->pfn && pfn < pvmw->pfn + max(pvmw->nr_pages, 1UL);
}

/*
 * The PMD covering pvmw->address: a huge PMD or PMD migration entry that
 * matches is a hit (PMD lock held, PVMW_PMD_HIT); one that does not is
 * skipped (PVMW_END); anything else (a table, none, or a PMD split under
 * us) is left to the PTE level (PVMW_PTE_TABLE, no lock held).
 */
static enum pvmw_found pvmw_check_pmd(struct page_vma_mapped_walk *pvmw)
{
	struct mm_struct *mm = pvmw->vma->vm_mm;
	pmd_t *pmdp = pmd_off(mm, pvmw->address);
	pmd_t pmd;

	if (!pmdp || !pmd_is_huge(pmdp_get(pmdp)))
		return PVMW_PTE_TABLE;
	spin_lock(&mm->page_table_lock);
	pmd = pmdp_get(pmdp);
	if (pmd_is_huge(pmd) && pvmw_pmd_matches(pvmw, pmd)) {
		pvmw->pmdp = pmdp;
		pvmw->ptep = NULL;
		pvmw->ptl = &mm->page_table_lock;
		return PVMW_PMD_HIT;
	}
	spin_unlock(&mm->page_table_lock);
	return pmd_is_huge(pmd) ? PVMW_END : PVMW_PTE_TABLE;
}

/* Lock the PTE table of pvmw->address, or find a PMD hit there, skipping
 * tables that do not exist. Return: PVMW_END (no lock held) once the walk
 * is past its end. */
static enum pvmw_found pvmw_map_table(struct page_vma_mapped_walk *pvmw)
{
	while (pvmw->address < pvmw->end) {
		enum pvmw_found found = pvmw_check_pmd(pvmw);

		if (found == PVMW_PMD_HIT)
			return found;
		if (found == PVMW_PTE_TABLE) {
			pvmw->ptep = pte_offset_map_lock(pvmw->vma->vm_mm, pvmw->address,
							 &pvmw->ptl);
			if (pvmw->ptep)
				return PVMW_PTE_TABLE;
		}
		pvmw->address = (pvmw->address & PMD_MASK) + PMD_SIZE;
	}
	return PVMW_END;
}

/* Step to the next PTE: the same table under the same lock, or the next
 * table (or PMD hit) under its own. Return: PVMW_END (no lock held) past
 * the end. */
static enum pvmw_found pvmw_next(struct page_vma_mapped_walk *pvmw)
{
	pvmw->address += PAGE_SIZE;
	if (pvmw->address < pvmw->end && (pvmw->address & ~PMD_MASK)) {
		pvmw->ptep++;
		return PVMW_PTE_TABLE;
	}
	spin_unlock(pvmw->ptl);
	return pvmw_map_table(pvmw);
}

/**
 * page_vma_mapped_walk() - find the next PTE in pvmw->vma that maps
 * pvmw->pfn (or, with pvmw->nr_pages > 1, any pfn of that folio) from
 * pvmw->address on, or with PVMW_MIGRATION the migration entry that stands
 * for it. Start with pvmw->ptep and pvmw->pmdp NULL and call again for the
 * next mapping of a large folio. A huge PMD mapping the folio (with
 * PVMW_MIGRATION, a PMD migration entry for it) is a hit too, as in
 * Linux: pvmw->pmdp points at it, pvmw->ptep is NULL, pvmw->ptl is the
 * PMD lock, and the next call ends the walk (the PMD covers the folio).
 * Context: rmap_walk() context. On true, returns with pvmw->ptl held, which
 * the next call or page_vma_mapped_walk_done() releases; on false no lock
 * is held.
 * Return: true if a mapping was found.
 */
bool page_vma_mapped_walk(struct page_vma_mapped_walk *pvmw)
{
	enum pvmw_found found;

	if (pvmw->pmdp) {
		spin_unlock(pvmw->ptl);
		pvmw->pmdp = NULL;
		return false;
	}
	if (!pvmw->ptep) {
		pvmw->end = min(pvmw->address + (max(pvmw->nr_pages, 1UL) << PAGE_SHIFT),
				pvmw->vma->vm_end);
		found = pvmw_map_table(pvmw);
	} else {
		found = pvmw_next(pvmw);
	}
	while (found == PVMW_PTE_TABLE && !pvmw_pte_matches(pvmw, ptep_get(pvmw->ptep)))
		found = pvmw_next(pvmw);
	return found != PVMW_END;
}

/** page_vma_mapped_walk_done() - drop the PTE lock a successful walk took. */
void page_vma_mapped_walk_done(struct page_vma_mapped_walk *pvmw)
{
	spin_unlock(pvmw->ptl);
}

static bool try_to_unmap_one(struct page *page, struct vm_area_struct *vma,
			     unsigned long addr, void *arg)
{
	struct page_vma_mapped_walk pvmw = { .pfn = page_to_pfn(page), .vma = vma,
					     .address = addr };
	pte_t pte;

	if (!page_vma_mapped_walk(&pvmw))
		return true;
	while (!pvmw.ptep) {
		/* A huge PMD maps the page's THP: split it first (the kernel's
		 * TTU_SPLIT_HUGE_PMD), then find the page's PTE. */
		page_vma_mapped_walk_done(&pvmw);
		pvmw.pmdp = NULL;
		split_huge_pmd_address(vma, addr, page_folio(page));
		if (!page_vma_mapped_walk(&pvmw))
			return true;
	}
	pte = ptep_clear_flush(pvmw.ptep);
	if (pte_dirty(pte))
		SetPageDirty(page);
	folio_remove_rmap_pte(page);
	add_mm_counter(vma->vm_mm, PageAnon(page) ? MM_ANONPAGES : MM_SHMEMPAGES, -1);
	page_vma_mapped_walk_done(&pvmw);
	put_page(page);
	return true;
}

static bool page_not_mapped(struct page *page)
{
	return !folio_mapcount(page);
}

/**
 * try_to_unmap() - remove every PTE that maps @page. With no swap, the
 * contents an anonymous page had for those mappings are gone: the next
 * access faults in a fresh page, as after MADV_DONTNEED.
 * Context: @page locked and referenced by the caller; may sleep.
 * Return: true if the page is no longer mapped.
 */
bool try_to_unmap(struct page *page)
{
	struct rmap_walk_control rwc = { .rmap_one = try_to_unmap_one,
					 .done = page_not_mapped };

	rmap_walk(page, &rwc);
	return !page_mapped(page);
}

static bool count_one_mapping(struct page *page, struct vm_area_struct *vma,
			      unsigned long addr, void *arg)
{
	struct page_vma_mapped_walk pvmw = { .pfn = page_to_pfn(page), .vma = vma,
					     .address = addr };

	if (page_vma_mapped_walk(&pvmw)) {
		(*(int *)arg)++;
		page_vma_mapped_walk_done(&pvmw);
	}
	return true;
}

/**
 * page_mapcount_by_walk() - count the PTEs mapping @page by walking the
 * rmap; equals page_mapcount() when the rmap is complete (tests use it).
 * Context: as rmap_walk().
 */
int page_mapcount_by_walk(struct page *page)
{
	struct rmap_walk_control rwc = { .rmap_one = count_one_mapping };
	int count = 0;

	rwc.arg = &count;
	rmap_walk(page, &rwc);
	return count;
}

/* ------------------------------------------------------------------ */
/* Migration entries                                                    */

static enum softleaf_type migration_entry_type(const struct page *folio,
					       const struct page *page, pte_t pte)
{
	if (pte_write(pte))
		return SOFTLEAF_MIGRATION_WRITE;
	if (PageAnon(folio) && PageAnonExclusive(page))
		return SOFTLEAF_MIGRATION_READ_EXCLUSIVE;
	return SOFTLEAF_MIGRATION_READ;
}

/* Replace the present PTE at pvmw->ptep, mapping @page of @folio, by a
 * migration entry, and drop its mapcount and its reference. */
static void set_migration_pte(struct page_vma_mapped_walk *pvmw, struct page *folio,
			      struct page *page, enum ttu_flags flags)
{
	pte_t pte, entry;

	pte = (flags & TTU_BATCH_FLUSH) ? ptep_get_and_clear(pvmw->ptep)
					: ptep_clear_flush(pvmw->ptep);
	if (pte_dirty(pte))
		SetPageDirty(folio);
	entry = make_softleaf_pte(migration_entry_type(folio, page, pte), page_to_pfn(page));
	if (pte_dirty(pte))
		entry.pte |= SOFTLEAF_DIRTY;
	if (pte_young(pte))
		entry.pte |= SOFTLEAF_YOUNG;
	set_pte(pvmw->ptep, entry);
	if (PageAnon(folio))
		ClearPageAnonExclusive(page);
	folio_remove_rmap_pte(page);
	put_page(folio);	/* the mapping's reference; the caller holds one */
}

/*
 * Every PTE of @vma that maps a page of @folio becomes a migration entry;
 * a huge PMD that maps the folio whole becomes one PMD migration entry
 * (set_pmd_migration_entry()), so the folio stays PMD-mapped in its new
 * frames (Linux without TTU_SPLIT_HUGE_PMD).
 */
static bool try_to_migrate_one(struct page *folio, struct vm_area_struct *vma,
			       unsigned long addr, void *arg)
{
	struct page_vma_mapped_walk pvmw = { .pfn = page_to_pfn(folio), .vma = vma,
					     .nr_pages = folio_nr_pages(folio), .address = addr };
	enum ttu_flags flags = *(enum ttu_flags *)arg;

	while (page_vma_mapped_walk(&pvmw)) {
		if (!pvmw.ptep)
			set_pmd_migration_entry(&pvmw, folio);
		else
			set_migration_pte(&pvmw, folio, pfn_to_page(pte_pfn(ptep_get(pvmw.ptep))),
					  flags);
	}
	return true;
}

/**
 * try_to_migrate() - replace every PTE that maps @folio (any of its pages,
 * for a large folio) by a migration entry, and every huge PMD that maps
 * it by a PMD migration entry, so CPUs touching it wait until migration
 * ends. RSS counters keep counting the entries, as in Linux; mapcounts
 * and references go.
 * @flags: TTU_BATCH_FLUSH to leave the TLB flush of PTEs to the caller
 * (flush_tlb_wait() once for a whole batch), else each PTE is flushed; a
 * PMD is always flushed at once (pmdp_invalidate(), as in Linux).
 * Context: @folio (its head) locked and referenced; may sleep.
 */
void try_to_migrate(struct page *folio, enum ttu_flags flags)
{
	struct rmap_walk_control rwc = { .rmap_one = try_to_migrate_one,
					 .done = page_not_mapped, .arg = &flags };

	rmap_walk(folio, &rwc);
}

/* The migration entry at pvmw->ptep, for a page of @src, becomes a PTE
 * mapping the page at the same offset in @dst. */
static void restore_migration_pte(struct page_vma_mapped_walk *pvmw, struct page *src,
				  struct page *dst)
{
	pte_t entry = ptep_get(pvmw->ptep), pte;
	enum softleaf_type type = softleaf_type(entry);
	struct page *page = pfn_to_page(page_to_pfn(dst) + softleaf_pfn(entry) -
					page_to_pfn(src));

	pte = pfn_pte(page_to_pfn(page), type == SOFTLEAF_MIGRATION_WRITE);
	if (entry.pte & SOFTLEAF_DIRTY)
		pte = pte_mkdirty(pte);
	if (entry.pte & SOFTLEAF_YOUNG)
		pte = pte_mkyoung(pte);
	get_page(dst);
	/* hugetlb pages carry no anon-exclusive bit here; a THP's pages each
	 * carry their own. */
	if (folio_test_hugetlb(dst))
		page_mapcount_inc(page, NR_ANON_MAPPED);
	else if (PageAnon(dst))
		folio_add_anon_rmap_pte(page, type != SOFTLEAF_MIGRATION_READ);
	else
		folio_add_file_rmap_pte(page);
	set_pte(pvmw->ptep, pte);
}

/* Every migration entry of @vma for a page of src (@arg) points at @dst;
 * a PMD migration entry becomes a huge PMD (remove_migration_pmd()). */
static bool remove_migration_pte(struct page *dst, struct vm_area_struct *vma,
				 unsigned long addr, void *arg)
{
	struct page *src = arg;
	struct page_vma_mapped_walk pvmw = { .pfn = page_to_pfn(src), .vma = vma,
					     .nr_pages = folio_nr_pages(src), .address = addr,
					     .flags = PVMW_MIGRATION };

	while (page_vma_mapped_walk(&pvmw)) {
		if (!pvmw.ptep)
			remove_migration_pmd(&pvmw, src, dst);
		else
			restore_migration_pte(&pvmw, src, dst);
	}
	return true;
}

/**
 * remove_migration_ptes() - point every migration entry for a page of
 * @src at the page at the same offset of @dst (@dst == @src when migration
 * is undone), restoring write, dirty, young and anon-exclusive state from
 * the entries; a PMD migration entry becomes a huge PMD mapping @dst.
 * Context: both folios locked; @dst has @src's mapping and index. May sleep.
 */
void remove_migration_ptes(struct page *src, struct page *dst)
{
	struct rmap_walk_control rwc = { .rmap_one = remove_migration_pte, .arg = src };

	rmap_walk(dst, &rwc);
}
