/* SPDX-License-Identifier: MIT */
/*
 * mm_types.h - address spaces: mm_struct, vm_area_struct, and the reverse
 * map's anon_vma / anon_vma_chain and shared-memory address_space.
 *
 * An mm is a process's address space: its VMAs (sorted, under mmap_lock),
 * its page tables (tables are arena frames; upper levels are populated
 * under mm->page_table_lock, each PTE table has its own split lock), and
 * its RSS counters.
 *
 * Private anonymous memory is reverse-mapped the kernel's way: each VMA
 * has an anon_vma; a forked child's VMA gets a new anon_vma whose parent
 * is the original, and anon_vma_chains link every VMA to every anon_vma
 * whose pages it may map. A page's mapping points at the anon_vma of the
 * VMA that faulted it in (tagged FOLIO_MAPPING_ANON), its index is its
 * linear page offset, so rmap_walk() finds every PTE mapping it.
 *
 * Shared anonymous memory is backed by an address_space (the kernel uses a
 * shmem inode): pages are indexed by offset in i_pages and the VMAs that
 * map it are on i_mmap.
 *
 * Deviation: the kernel frees anon_vmas with SLAB_TYPESAFE_BY_RCU and lets
 * pages point at freed ones; pagelab makes every anonymous page hold a
 * reference on its anon_vma until the page is freed, so an rmap walker that
 * holds a page reference always finds a live anon_vma (liburcu 0.13 is not
 * ThreadSanitizer-clean, and this needs no grace periods).
 */
#ifndef PAGELAB_MM_TYPES_H
#define PAGELAB_MM_TYPES_H

#include "internal.h"
#include "vm/pgtable.h"

/* vm_flags */
#define VM_READ		0x00000001UL
#define VM_WRITE	0x00000002UL
#define VM_SHARED	0x00000008UL
#define VM_MAYREAD	0x00000010UL
#define VM_MAYWRITE	0x00000020UL
#define VM_HUGETLB	0x00400000UL	/* mapped from the hugetlb pool (vm/hugetlb.c) */
#define VM_HUGEPAGE	0x20000000UL	/* madvise(MADV_HUGEPAGE): THP wanted */
#define VM_NOHUGEPAGE	0x40000000UL	/* madvise(MADV_NOHUGEPAGE): no THP */
#define VM_MERGEABLE	0x80000000UL	/* madvise(MADV_MERGEABLE): KSM may scan */

struct anon_vma {
	struct anon_vma *root;		/* the root of this anon_vma tree */
	struct rw_semaphore rwsem;	/* only the root's is used */
	long refcount;			/* atomic: pages, child anon_vmas, chains */
	struct anon_vma *parent;
	struct list_head chains;	/* anon_vma_chain.same_anon_vma, under root rwsem */
};

struct anon_vma_chain {
	struct vm_area_struct *vma;
	struct anon_vma *anon_vma;
	struct list_head same_vma;	/* on vma->anon_vma_chain, under mmap_lock */
	struct list_head same_anon_vma;	/* on anon_vma->chains, under root rwsem */
};

/* Shared anonymous memory (kernel: a shmem inode's mapping). */
struct address_space {
	spinlock_t i_pages_lock;	/* protects pages[] */
	struct page **pages;		/* by page offset; each holds a reference */
	unsigned long nr_pages;
	struct rw_semaphore i_mmap_rwsem;
	struct list_head i_mmap;	/* vm_area_struct.shared, under i_mmap_rwsem */
	long refcount;			/* atomic: one per VMA mapping it */
};

struct vm_area_struct {
	unsigned long vm_start, vm_end;	/* [vm_start, vm_end) */
	struct mm_struct *vm_mm;
	unsigned long vm_flags;
	pgoff_t vm_pgoff;		/* page offset of vm_start (anon: vm_start >> PAGE_SHIFT) */
	struct list_head vm_list;	/* on mm->mmap, sorted by address */
	struct anon_vma *anon_vma;	/* private: set on first write fault */
	struct list_head anon_vma_chain; /* anon_vma_chain.same_vma */
	struct address_space *vm_mapping; /* shared: the memory object */
	struct list_head shared;	/* on vm_mapping->i_mmap */
	unsigned long hugetlb_resv;	/* VM_HUGETLB: pool pages still reserved, under hugetlb_lock */
};

enum mm_counter { MM_ANONPAGES, MM_SHMEMPAGES, NR_MM_COUNTERS };

/* mm->flags bits (the kernel's MMF_* numbers) */
#define MMF_VM_MERGEABLE	16	/* registered with KSM (has an mm slot) */
#define MMF_VM_MERGE_ANY	30	/* prctl(PR_SET_MEMORY_MERGE): every new VMA mergeable */
#define MMF_VM_HUGEPAGE		17	/* registered with khugepaged (has an mm slot) */
#define MMF_HUGE_ZERO_FOLIO	23	/* holds a reference on the huge zero page */

struct mm_struct {
	long mm_users;			/* atomic: the process, plus mmget() users */
	struct rw_semaphore mmap_lock;
	struct list_head mmap;		/* VMAs sorted by address */
	struct vm_area_struct *mmap_cache; /* last find_vma() hit; cleared under
					    * mmap_lock for write when VMAs go */
	unsigned long mmap_base;	/* next free address for mmap */
	unsigned long pgd_pfn;		/* top-level table */
	spinlock_t page_table_lock;	/* populating upper-level tables; the PMD lock */
	struct list_head pmd_huge_pte;	/* PTE tables deposited for huge PMDs, under
					 * page_table_lock (vm/pgtable.c) */
	unsigned long nr_pmd_huge_pte;	/* how many, under page_table_lock */
	long rss_stat[NR_MM_COUNTERS];	/* atomic */
	unsigned long rss_rmap_changes;	/* atomic: RSS changes made under a PTE lock
					 * alone (a split's zero-page remap), bumped
					 * before the change, whose MM_ANONPAGES
					 * decrement is a release; the page-table
					 * validator reads the RSS with acquire and
					 * walks again when this moved (vm/pgtable.c) */
	long pgtables_bytes;		/* atomic */
	struct list_head mmlist;	/* on mm_list (mmap.c) */
	unsigned long flags;		/* MMF_* bits, changed atomically */
	/* KSM, as /proc/PID/ksm_stat shows them (vm/ksm_hooks.h, ksm/) */
	long ksm_merging_pages;		/* rmap_items in the stable tree; under ksm_thread_mutex */
	long ksm_rmap_items;		/* rmap_items of this mm; under ksm_thread_mutex */
	long ksm_zero_pages;		/* atomic: zero pages KSM mapped here */
};

static inline bool vma_is_anonymous_private(const struct vm_area_struct *vma)
{
	return !(vma->vm_flags & VM_SHARED);
}

static inline unsigned long vma_pages(const struct vm_area_struct *vma)
{
	return (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
}

/* The page offset that @addr in @vma maps. */
static inline pgoff_t linear_page_index(const struct vm_area_struct *vma, unsigned long addr)
{
	return vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
}

static inline void add_mm_counter(struct mm_struct *mm, enum mm_counter member, long value)
{
	__atomic_fetch_add(&mm->rss_stat[member], value, __ATOMIC_RELAXED);
}

static inline long get_mm_counter(const struct mm_struct *mm, enum mm_counter member)
{
	return __atomic_load_n(&mm->rss_stat[member], __ATOMIC_RELAXED);
}

#endif /* PAGELAB_MM_TYPES_H */
