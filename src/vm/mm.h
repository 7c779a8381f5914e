/* SPDX-License-Identifier: MIT */
/*
 * mm.h - the address-space subsystem's declarations, grouped by the file
 * that defines them: page tables, the TLB model, the simulated CPU's
 * accesses, faults, mmap, fork, dropping page references and shared memory.
 */
#ifndef PAGELAB_VM_MM_H
#define PAGELAB_VM_MM_H

#include "lru/lru.h"
#include "vm/mm_types.h"
#include "vm/pgtable.h"
#include "vm/rmap.h"

/* vm/pgtable.c */
int pgd_alloc(struct mm_struct *mm);
pte_t *pte_offset_lockless(struct mm_struct *mm, unsigned long addr);
pmd_t *pmd_off(struct mm_struct *mm, unsigned long addr);
pmd_t *pmd_alloc(struct mm_struct *mm, unsigned long addr);
struct page *pte_alloc_one(struct mm_struct *mm);
void pte_free(struct mm_struct *mm, struct page *table);
void pgtable_trans_huge_deposit(struct mm_struct *mm, struct page *table);
struct page *pgtable_trans_huge_withdraw(struct mm_struct *mm);
void pmd_populate(pmd_t *pmdp, struct page *table);
pte_t *pte_table_of(struct page *table);
spinlock_t *pte_lockptr(pte_t *ptep);
pte_t *pte_offset_map_lock(struct mm_struct *mm, unsigned long addr, spinlock_t **ptlp);
pte_t *pte_alloc_map_lock(struct mm_struct *mm, unsigned long addr, spinlock_t **ptlp);
void free_empty_pgtables(struct mm_struct *mm, unsigned long start, unsigned long end,
			 unsigned long floor, unsigned long ceiling);
void free_all_pgtables(struct mm_struct *mm);
typedef void (*pte_range_fn)(struct mm_struct *mm, pte_t *ptep, unsigned long addr, void *arg);
void walk_pte_range_locked(struct mm_struct *mm, unsigned long start, unsigned long end,
			   pte_range_fn fn, void *arg);
void walk_all_ptes(struct mm_struct *mm, void (*fn)(pte_t pte, unsigned long addr, void *arg),
		   void *arg);
unsigned long mm_pgtable_pages(struct mm_struct *mm);
/* @page: a PTE-mapped page, or (@pmd true) the head of a PMD-mapped folio. */
typedef bool (*mapped_page_fn)(struct page *page, bool pmd, void *arg);
bool __mm_pgtables_valid(struct mm_struct *mm, mapped_page_fn fn, void *arg, char *msg,
			 size_t len);
bool mm_pgtables_valid(struct mm_struct *mm, char *msg, size_t len);
bool pte_table_valid(struct mm_struct *mm, unsigned long addr, char *msg, size_t len);

/* vm/tlb.c */
#define MMU_GATHER_BATCH 256
/* Pages whose mappings were removed, released after one TLB flush. */
struct mmu_gather {
	int nr;
	struct page *pages[MMU_GATHER_BATCH];
};
void tlb_gather_mmu(struct mmu_gather *tlb);
void tlb_remove_page(struct mmu_gather *tlb, struct page *page);
void tlb_flush_mmu(struct mmu_gather *tlb);
void tlb_finish_mmu(struct mmu_gather *tlb);
void tlb_access_begin(void);
void tlb_access_end(void);
void flush_tlb_wait(void);
pte_t ptep_clear_flush(pte_t *ptep);

/* vm/memory.c */
extern struct page *zero_page;
void zero_page_init(struct page *page);
static inline bool is_zero_pfn(unsigned long pfn)
{
	return pfn == page_to_pfn(zero_page);
}
struct page *vm_normal_page(pte_t pte);
/* handle_mm_fault() flags (the kernel's FAULT_FLAG_* values) */
#define FAULT_FLAG_WRITE	0x01
#define FAULT_FLAG_UNSHARE	0x400
int handle_mm_fault(struct vm_area_struct *vma, unsigned long addr, unsigned int flags);
void zap_page_range(struct vm_area_struct *vma, unsigned long start, unsigned long end);
int copy_page_range(struct vm_area_struct *dst_vma, struct vm_area_struct *src_vma);

/* vm/access.c */
int access_mm(struct mm_struct *mm, unsigned long addr, void *buf, size_t len, bool write);
int follow_pfn(struct mm_struct *mm, unsigned long addr, unsigned long *pfn);

/* vm/mmap.c */
struct mm_struct *mm_alloc(void);
void mmget(struct mm_struct *mm);
void mmput(struct mm_struct *mm);
struct vm_area_struct *vma_dup(struct mm_struct *mm, struct vm_area_struct *src);
struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr);
int do_mmap(struct mm_struct *mm, unsigned long len, bool shared, unsigned long *addrp);
int do_mmap_hugetlb(struct mm_struct *mm, unsigned long len, unsigned long *addrp);
int do_munmap(struct mm_struct *mm, unsigned long addr, unsigned long len);
struct vm_area_struct *find_vma_from(struct mm_struct *mm, unsigned long addr);
struct vm_area_struct *vma_next(struct mm_struct *mm, struct vm_area_struct *vma);
struct vm_area_struct *vma_range_mapped(struct mm_struct *mm, unsigned long start,
					unsigned long end);
int split_vma(struct vm_area_struct *vma, unsigned long addr);
int vma_modify_flags(struct vm_area_struct **vmap, unsigned long start, unsigned long end,
		     unsigned long flags);
int madvise_dontneed(struct mm_struct *mm, unsigned long addr, unsigned long len);
void for_each_mm(void (*fn)(struct mm_struct *mm, void *arg), void *arg);
static inline void mmap_read_lock(struct mm_struct *mm) { down_read(&mm->mmap_lock); }
static inline void mmap_read_unlock(struct mm_struct *mm) { up_read(&mm->mmap_lock); }
static inline void mmap_write_lock(struct mm_struct *mm) { down_write(&mm->mmap_lock); }
static inline void mmap_write_unlock(struct mm_struct *mm) { up_write(&mm->mmap_lock); }

/* vm/swap.c */
void put_page(struct page *page);
void folio_putback_lru(struct page *page);

/* vm/fork.c */
struct mm_struct *dup_mm(struct mm_struct *oldmm, int *errp);

/* vm/shmem.c */
struct address_space *shmem_create(unsigned long nr_pages);
void shmem_get_mapping(struct address_space *mapping);
void shmem_put_mapping(struct address_space *mapping);
int shmem_get_page(struct address_space *mapping, pgoff_t index, struct page **pagep);

#endif /* PAGELAB_VM_MM_H */
