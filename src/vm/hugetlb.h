/* SPDX-License-Identifier: MIT */
/*
 * hugetlb.h - the hugetlb pool and hugetlb mappings (see hugetlb.c and
 * docs/huge-pages.md).
 */
#ifndef PAGELAB_HUGETLB_H
#define PAGELAB_HUGETLB_H

#include "vm/mm_types.h"

/* The one huge page size: what one PMD maps (2 MiB with 4 KiB pages). */
#define HUGETLB_PAGE_ORDER	(PMD_SHIFT - PAGE_SHIFT)
#define HPAGE_SIZE		PMD_SIZE
#define HPAGE_MASK		PMD_MASK

/* /proc/meminfo's hugetlb lines (hugetlb_report_meminfo()). */
struct hugetlb_meminfo {
	unsigned long total;		/* HugePages_Total: pool pages, surplus included */
	unsigned long free;		/* HugePages_Free */
	unsigned long rsvd;		/* HugePages_Rsvd */
	unsigned long surp;		/* HugePages_Surp */
	unsigned long hugepagesize_kb;	/* Hugepagesize, kB */
	unsigned long hugetlb_kb;	/* Hugetlb: all pool pages, kB */
};

static inline bool is_vm_hugetlb_page(const struct vm_area_struct *vma)
{
	return vma->vm_flags & VM_HUGETLB;
}

/*
 * hugetlb-private state in a hugetlb folio's private word (kernel: HPG_*),
 * changed under hugetlb_lock (HPG_TEMPORARY of a fresh migration target
 * before it joins the pool) with atomic bit operations, as Linux's
 * folio_set_hugetlb_*() use set_bit(): lockless readers look at the word
 * (hugetlb_folio_free(), and a compaction scanner's buddy_order_unsafe()
 * of a page it saw free a moment before).
 */
#define HPG_FREED	BIT(0)		/* on the pool's free list */
#define HPG_MIGRATABLE	BIT(1)		/* in use and mapped: may be isolated for migration */
#define HPG_TEMPORARY	BIT(2)		/* a migration target from the buddy: back there when freed */

#define HUGETLB_FOLIO_FLAG(name, bit)						\
static inline bool folio_test_hugetlb_##name(const struct page *folio)		\
{										\
	return READ_ONCE(folio->private) & (bit);				\
}										\
static inline void folio_set_hugetlb_##name(struct page *folio)		\
{										\
	__atomic_fetch_or(&folio->private, (bit), __ATOMIC_RELAXED);		\
}										\
static inline void folio_clear_hugetlb_##name(struct page *folio)		\
{										\
	__atomic_fetch_and(&folio->private, ~(bit), __ATOMIC_RELAXED);		\
}

HUGETLB_FOLIO_FLAG(freed, HPG_FREED)
HUGETLB_FOLIO_FLAG(migratable, HPG_MIGRATABLE)
HUGETLB_FOLIO_FLAG(temporary, HPG_TEMPORARY)

/* Is @page the head of a free pool folio? Racy unless quiescent. */
static inline bool hugetlb_folio_free(const struct page *page)
{
	return folio_test_hugetlb(page) && folio_test_hugetlb_freed(page);
}

/* pool */
int hugetlb_init(void);
void hugetlb_exit(void);
extern int sysctl_nr_hugepages;
extern int sysctl_nr_overcommit_hugepages;
int sysctl_nr_hugepages_set(long value);
int sysctl_nr_overcommit_hugepages_set(long value);
unsigned long hugetlb_nr_hugepages(void);
void hugetlb_report_meminfo(struct hugetlb_meminfo *m);
int hugetlb_meminfo_value(const char *name, long *value);
unsigned long hugetlb_total_pages(void);
void free_huge_folio(struct page *folio);
bool hugetlb_pool_valid(char *msg, size_t len);

/* migration (the migration core in migrate/ drives these) */
bool folio_isolate_hugetlb(struct page *folio, struct list_head *list);
void folio_putback_hugetlb(struct page *folio);
struct page *alloc_hugetlb_folio_nodemask(gfp_t gfp);
void move_hugetlb_state(struct page *src, struct page *dst);

/* mappings */
int hugetlb_reserve_pages(struct vm_area_struct *vma);
void hugetlb_vma_close(struct vm_area_struct *vma);
int hugetlb_fault(struct vm_area_struct *vma, unsigned long addr, unsigned int flags);
void unmap_hugepage_range(struct vm_area_struct *vma, unsigned long start, unsigned long end);
int copy_hugetlb_page_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma);

#endif /* PAGELAB_HUGETLB_H */
