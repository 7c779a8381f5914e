/* SPDX-License-Identifier: MIT */
/*
 * huge_mm.h - transparent huge pages for anonymous memory (the kernel's
 * include/linux/huge_mm.h): the knobs of /sys/kernel/mm/transparent_hugepage
 * (vm/thp_knobs.c), which VMAs may use a PMD-sized THP and with which gfp
 * mask, and MADV_HUGEPAGE / MADV_NOHUGEPAGE. docs/huge-pages.md tells a
 * THP's life.
 */
#ifndef PAGELAB_HUGE_MM_H
#define PAGELAB_HUGE_MM_H

#include "vm/mm_types.h"

#define HPAGE_PMD_ORDER		(PMD_SHIFT - PAGE_SHIFT)
#define HPAGE_PMD_NR		(1U << HPAGE_PMD_ORDER)
#define HPAGE_PMD_SIZE		PMD_SIZE
#define HPAGE_PMD_MASK		PMD_MASK

/* madvise() advice, the kernel's values (also <sys/mman.h>'s). */
#ifndef MADV_HUGEPAGE
#define MADV_HUGEPAGE		14
#define MADV_NOHUGEPAGE		15
#endif

/* Bits of transparent_hugepage_flags, in the kernel's order. */
enum transparent_hugepage_flag {
	TRANSPARENT_HUGEPAGE_UNSUPPORTED,
	TRANSPARENT_HUGEPAGE_FLAG,			/* enabled=always */
	TRANSPARENT_HUGEPAGE_REQ_MADV_FLAG,		/* enabled=madvise */
	TRANSPARENT_HUGEPAGE_DEFRAG_DIRECT_FLAG,	/* defrag=always */
	TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_FLAG,	/* defrag=defer */
	TRANSPARENT_HUGEPAGE_DEFRAG_KSWAPD_OR_MADV_FLAG, /* defrag=defer+madvise */
	TRANSPARENT_HUGEPAGE_DEFRAG_REQ_MADV_FLAG,	/* defrag=madvise */
	TRANSPARENT_HUGEPAGE_DEFRAG_KHUGEPAGED_FLAG,	/* khugepaged/defrag=1 */
	TRANSPARENT_HUGEPAGE_USE_ZERO_PAGE_FLAG,	/* use_zero_page=1 */
};

extern unsigned long transparent_hugepage_flags;	/* atomic bits */

/* khugepaged's knobs (khugepaged/...), read with READ_ONCE. */
extern unsigned int khugepaged_pages_to_scan;
extern unsigned int khugepaged_scan_sleep_millisecs;
extern unsigned int khugepaged_alloc_sleep_millisecs;
extern unsigned int khugepaged_max_ptes_none;
extern unsigned int khugepaged_max_ptes_swap;
extern unsigned int khugepaged_max_ptes_shared;
extern unsigned long khugepaged_full_scans;		/* atomic counter */
extern bool split_underused_thp;			/* shrink_underused */
extern unsigned long khugepaged_pages_collapsed;	/* atomic counter */

static inline bool thp_flag(enum transparent_hugepage_flag flag)
{
	return __atomic_load_n(&transparent_hugepage_flags, __ATOMIC_RELAXED) & BIT(flag);
}

/* vm/thp_knobs.c */
extern const char *const thp_knob_names[];	/* every file, NULL-terminated */
void thp_knobs_init(unsigned long totalram_pages);
int thp_knob_write(const char *name, const char *value);
int thp_knob_show(const char *name, char *buf, size_t len);
bool vma_thp_disabled(const struct vm_area_struct *vma);
bool thp_vma_allowable(const struct vm_area_struct *vma);
bool thp_vma_allowable_pmd(const struct vm_area_struct *vma, unsigned long addr);
gfp_t vma_thp_gfp_mask(const struct vm_area_struct *vma);
int madvise_hugepage_range(struct mm_struct *mm, unsigned long start, unsigned long len,
			   int advice);

/* vm/huge_memory.c */
#define VM_FAULT_FALLBACK	1	/* no huge page: fault in 4 KiB pages */
struct mmu_gather;
extern struct page *huge_zero_folio;
int thp_init(unsigned long max_pfn);
void thp_exit(void);
bool is_huge_zero_folio(const struct page *folio);
void mm_put_huge_zero_folio(struct mm_struct *mm);
void deferred_split_folio(struct page *folio, bool partially_mapped);
void folio_unqueue_deferred_split(struct page *folio);
bool folio_test_partially_mapped(struct page *folio);
unsigned long deferred_split_count(void);
bool folio_freeze_unqueue(struct page *folio, int refs);
unsigned int deferred_split_take(struct page **batch, bool *partial, unsigned int nr);
int do_huge_pmd_anonymous_page(struct vm_area_struct *vma, unsigned long addr, pmd_t *pmdp,
			       bool write);
int do_huge_pmd_wp_page(struct vm_area_struct *vma, unsigned long addr, pmd_t *pmdp,
			bool unshare);
void __split_huge_pmd_locked(struct vm_area_struct *vma, pmd_t *pmdp, unsigned long haddr);
void split_huge_pmd_address(struct vm_area_struct *vma, unsigned long addr,
			    const struct page *folio);
void zap_huge_pmd_range(struct mmu_gather *tlb, struct vm_area_struct *vma,
			unsigned long start, unsigned long end);
int copy_huge_pmd(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma,
		  unsigned long addr, pmd_t *src_pmdp);
struct page_vma_mapped_walk;
void set_pmd_migration_entry(struct page_vma_mapped_walk *pvmw, struct page *folio);
void remove_migration_pmd(struct page_vma_mapped_walk *pvmw, struct page *src,
			  struct page *dst);
void pmd_migration_entry_wait(struct mm_struct *mm, pmd_t *pmdp);

/* vm/khugepaged.c */
void khugepaged_enter_vma(struct vm_area_struct *vma);
void khugepaged_exit(struct mm_struct *mm);
int khugepaged_init(bool deterministic);
void khugepaged_stop(void);
int khugepaged_run(void);
void khugepaged_shutdown(void);
void khugepaged_wakeup(void);
void khugepaged_step(unsigned long elapsed_ms);

/* vm/huge_split.c */
int split_huge_page(struct page *page);
int split_huge_page_to_list(struct page *page, struct list_head *list);
unsigned long deferred_split_scan(unsigned long nr_to_scan);
unsigned long drop_slab(void);

#endif /* PAGELAB_HUGE_MM_H */
