/* SPDX-License-Identifier: MIT */
/*
 * rmap.h - the reverse map: which PTEs map a page (see rmap.c).
 */
#ifndef PAGELAB_RMAP_H
#define PAGELAB_RMAP_H

#include "vm/mm_types.h"

/*
 * struct rmap_walk_control - what rmap_walk() does at each mapping.
 * @rmap_one: called for each VMA that may map @page at @addr; return false
 *            to stop the walk.
 * @done:     optional; checked after each VMA, true stops the walk.
 */
struct rmap_walk_control {
	void *arg;
	bool (*rmap_one)(struct page *page, struct vm_area_struct *vma,
			 unsigned long addr, void *arg);
	bool (*done)(struct page *page);
};

/*
 * struct page_vma_mapped_walk - where a page, or each page of a large
 * folio, is mapped in one VMA. On success ptep points at the PTE (at
 * address) and ptl is held; or, for a huge PMD (a PMD migration entry
 * with PVMW_MIGRATION) mapping the folio, ptep is NULL, pmdp points at
 * the PMD and ptl is the PMD lock (mm->page_table_lock). With
 * @nr_pages > 1 every call finds the next PTE of [address, address +
 * nr_pages pages) that maps a pfn of [pfn, pfn + nr_pages), keeping ptl
 * while it stays in one PTE table; the call that finds none left (or
 * follows a PMD hit, which covers the whole folio) returns false with no
 * lock held.
 */
struct page_vma_mapped_walk {
	unsigned long pfn;
	unsigned long nr_pages;		/* 0 or 1: one page */
	struct vm_area_struct *vma;
	unsigned long address;
	pte_t *ptep;
	pmd_t *pmdp;			/* a PMD hit (ptep NULL) */
	spinlock_t *ptl;
	unsigned int flags;
	unsigned long end;		/* private to the walk */
};
#define PVMW_MIGRATION	BIT(0)	/* look for migration entries to pfn instead */

static inline struct anon_vma *page_anon_vma(const struct page *page)
{
	unsigned long mapping = READ_ONCE(page->mapping);

	if ((mapping & FOLIO_MAPPING_FLAGS) != FOLIO_MAPPING_ANON)
		return NULL;
	return (struct anon_vma *)(mapping - FOLIO_MAPPING_ANON);
}

static inline struct address_space *page_mapping_shared(const struct page *page)
{
	unsigned long mapping = READ_ONCE(page->mapping);

	return mapping & FOLIO_MAPPING_FLAGS ? NULL : (struct address_space *)mapping;
}

/* anon_vma life cycle */
int anon_vma_prepare(struct vm_area_struct *vma);
int anon_vma_fork(struct vm_area_struct *vma, struct vm_area_struct *pvma);
int anon_vma_clone(struct vm_area_struct *dst, struct vm_area_struct *src);
void unlink_anon_vmas(struct vm_area_struct *vma);
void get_anon_vma(struct anon_vma *anon_vma);
void put_anon_vma(struct anon_vma *anon_vma);

/* adding and removing mappings */
void folio_add_new_anon_rmap(struct page *page, struct vm_area_struct *vma,
			     unsigned long addr);
void folio_dup_anon_rmap_pte(struct page *page);
void folio_add_anon_rmap_pte(struct page *page, bool exclusive);
void folio_add_file_rmap_pte(struct page *page);
void folio_remove_rmap_pte(struct page *page);
void folio_add_new_anon_rmap_pmd(struct page *folio, struct vm_area_struct *vma,
				 unsigned long haddr);
void folio_dup_anon_rmap_pmd(struct page *folio);
void folio_add_anon_rmap_pmd(struct page *folio, bool exclusive);
void folio_remove_rmap_pmd(struct page *folio);
void folio_release_mapping(struct page *page);

/* try_to_migrate() flags */
enum ttu_flags {
	TTU_BATCH_FLUSH = BIT(0),	/* the caller flushes the TLB once for a batch */
};

/* walking */
void rmap_walk(struct page *page, const struct rmap_walk_control *rwc);
bool page_vma_mapped_walk(struct page_vma_mapped_walk *pvmw);
void page_vma_mapped_walk_done(struct page_vma_mapped_walk *pvmw);
bool try_to_unmap(struct page *page);
int page_mapcount_by_walk(struct page *page);
void try_to_migrate(struct page *page, enum ttu_flags flags);
void remove_migration_ptes(struct page *src, struct page *dst);

#endif /* PAGELAB_RMAP_H */
