/* SPDX-License-Identifier: MIT */
/*
 * ksm_hooks.c - the address-space layer's side of KSM (ksm_hooks.h):
 * the operations table KSM registers at boot, the count of KSM-placed zero
 * pages, and the hooks fork, exit, mmap, rmap and migration call.
 */
#include "vm/ksm_hooks.h"

long ksm_zero_pages;
static const struct ksm_vm_operations *ksm_vm_ops;

/**
 * ksm_set_vm_operations() - install KSM's entry points (NULL removes them).
 * Context: machine boot and shutdown, with no process alive.
 */
void ksm_set_vm_operations(const struct ksm_vm_operations *ops)
{
	__atomic_store_n(&ksm_vm_ops, ops, __ATOMIC_RELEASE);
	__atomic_store_n(&ksm_zero_pages, 0, __ATOMIC_RELAXED);
}

static const struct ksm_vm_operations *ksm_ops(void)
{
	return __atomic_load_n(&ksm_vm_ops, __ATOMIC_ACQUIRE);
}

/**
 * ksm_fork() - a child @mm of @oldmm is being created: it inherits the
 * prctl switch (MMF_VM_MERGE_ANY, as the kernel's MMF_INIT_MASK carries
 * it) and, if the parent is registered with KSM, is registered too (best
 * effort, as in the kernel). Its KSM counters start at zero; the zero
 * pages it inherits are counted as fork copies their PTEs.
 * Context: both mms' mmap_lock held for write (dup_mm()).
 */
void ksm_fork(struct mm_struct *mm, struct mm_struct *oldmm)
{
	const struct ksm_vm_operations *ops = ksm_ops();

	if (test_bit(MMF_VM_MERGE_ANY, &oldmm->flags))
		set_bit(MMF_VM_MERGE_ANY, &mm->flags);
	if (ops && test_bit(MMF_VM_MERGEABLE, &oldmm->flags))
		ops->enter(mm);
}

/**
 * ksm_exit() - @mm is exiting: KSM forgets it before its mappings go.
 * Context: mm_users has dropped to 0; no lock held; may sleep.
 */
void ksm_exit(struct mm_struct *mm)
{
	const struct ksm_vm_operations *ops = ksm_ops();

	if (ops && test_bit(MMF_VM_MERGEABLE, &mm->flags))
		ops->exit(mm);
}

/**
 * ksm_vma_flags() - the flags of a new VMA of @mm: mergeable when the
 * process asked for it with the prctl switch and the VMA is private
 * anonymous memory; the mm is registered again if ksmd dropped it.
 * Context: @mm's mmap_lock held for write.
 * Return: @vm_flags, maybe with VM_MERGEABLE.
 */
unsigned long ksm_vma_flags(struct mm_struct *mm, unsigned long vm_flags)
{
	const struct ksm_vm_operations *ops = ksm_ops();

	if (!ops || !test_bit(MMF_VM_MERGE_ANY, &mm->flags) || (vm_flags & VM_SHARED))
		return vm_flags;
	if (!test_bit(MMF_VM_MERGEABLE, &mm->flags))
		ops->enter(mm);
	return vm_flags | VM_MERGEABLE;
}

/**
 * rmap_walk_ksm() - rmap_walk() of a KSM page: every VMA that maps it,
 * found through its stable node's rmap_items.
 * Context: @page locked and referenced; takes anon_vma locks for read.
 */
void rmap_walk_ksm(struct page *page, const struct rmap_walk_control *rwc)
{
	const struct ksm_vm_operations *ops = ksm_ops();

	VM_BUG_ON_PAGE(!ops, page);
	ops->rmap_walk(page, rwc);
}

/**
 * folio_migrate_ksm() - migration moved KSM page @src to @dst (which
 * already has @src's mapping): the stable node now names @dst.
 * Context: both pages locked.
 */
void folio_migrate_ksm(struct page *dst, struct page *src)
{
	const struct ksm_vm_operations *ops = ksm_ops();

	VM_BUG_ON_PAGE(!ops, src);
	ops->migrate(dst, src);
}
