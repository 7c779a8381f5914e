/* SPDX-License-Identifier: MIT */
/*
 * ksm_hooks.h - what the address-space layer knows of KSM (kernel:
 * include/linux/ksm.h): the hooks fork, exit, mmap, the fault path, the
 * reverse map and migration call.
 *
 * KSM itself (src/ksm/) lives above vm/ and migrate/, which must not call
 * up into it. So the few hooks that need KSM's own structures (registering
 * an mm, forgetting an exiting one, walking a KSM page's stable node,
 * moving a stable node to a migrated page) go through struct
 * ksm_vm_operations, which ksm_init() fills at boot; the rest are small
 * inlines here, as the kernel's are, and the count of KSM-placed zero
 * pages lives in vm/ because the fault path and zap change it.
 *
 * Before ksm_init() and after ksm_exit_machine() no page is a KSM page and
 * no mm is registered, so no hook reaches a missing operation.
 */
#ifndef PAGELAB_VM_KSM_HOOKS_H
#define PAGELAB_VM_KSM_HOOKS_H

#include "vm/mm.h"

/*
 * struct ksm_vm_operations - KSM's entry points for the layers below it.
 * @enter:     __ksm_enter(): register @mm (an mm slot); 0 or -ENOMEM.
 *             Context: @mm's mmap_lock held for write; takes ksm_mmlist_lock.
 * @exit:      __ksm_exit(): @mm is exiting; forget its slot and rmap_items.
 *             Context: mm_users is 0, no lock held; may sleep.
 * @rmap_walk: rmap_walk_ksm(): rmap_walk() for a KSM page.
 *             Context: as rmap_walk() (page locked and referenced).
 * @migrate:   folio_migrate_ksm(): @dst took @src's place; point the stable
 *             node at @dst. Context: both pages locked.
 */
struct ksm_vm_operations {
	int (*enter)(struct mm_struct *mm);
	void (*exit)(struct mm_struct *mm);
	void (*rmap_walk)(struct page *page, const struct rmap_walk_control *rwc);
	void (*migrate)(struct page *dst, struct page *src);
};

void ksm_set_vm_operations(const struct ksm_vm_operations *ops);

/* KSM-placed zero pages over all mms (/sys/kernel/mm/ksm/ksm_zero_pages); atomic. */
extern long ksm_zero_pages;

/* A zero-page PTE KSM installed: the zero page, mapped dirty. */
static inline bool is_ksm_zero_pte(pte_t pte)
{
	return pte_present(pte) && pte_special(pte) && is_zero_pfn(pte_pfn(pte)) &&
	       pte_dirty(pte);
}

/* KSM mapped the zero page in @mm. Context: the PTE lock of the entry. */
static inline void ksm_map_zero_page(struct mm_struct *mm)
{
	__atomic_fetch_add(&ksm_zero_pages, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&mm->ksm_zero_pages, 1, __ATOMIC_RELAXED);
}

/* @pte of @mm is going away: uncount it if KSM placed it. Context: its PTE lock. */
static inline void ksm_might_unmap_zero_page(struct mm_struct *mm, pte_t pte)
{
	if (!is_ksm_zero_pte(pte))
		return;
	__atomic_fetch_sub(&ksm_zero_pages, 1, __ATOMIC_RELAXED);
	__atomic_fetch_sub(&mm->ksm_zero_pages, 1, __ATOMIC_RELAXED);
}

static inline long mm_ksm_zero_pages(const struct mm_struct *mm)
{
	return __atomic_load_n(&mm->ksm_zero_pages, __ATOMIC_RELAXED);
}

void ksm_fork(struct mm_struct *mm, struct mm_struct *oldmm);
void ksm_exit(struct mm_struct *mm);
unsigned long ksm_vma_flags(struct mm_struct *mm, unsigned long vm_flags);
void rmap_walk_ksm(struct page *page, const struct rmap_walk_control *rwc);
void folio_migrate_ksm(struct page *dst, struct page *src);

#endif /* PAGELAB_VM_KSM_HOOKS_H */
