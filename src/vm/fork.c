/* SPDX-License-Identifier: MIT */
/*
 * fork.c - duplicating an address space (kernel: dup_mm/dup_mmap in
 * kernel/fork.c): every VMA is copied, private anonymous pages become
 * copy-on-write in parent and child, shared regions stay shared; a
 * parent registered with KSM has its child registered too (ksm_fork), and
 * KSM pages stay KSM pages, write-protected, mapped by both.
 */
#include "vm/ksm_hooks.h"
#include "vm/mm.h"

static int dup_vma(struct mm_struct *mm, struct vm_area_struct *src)
{
	struct vm_area_struct *vma = vma_dup(mm, src);
	int err;

	if (!vma)
		return -ENOMEM;
	err = anon_vma_fork(vma, src);
	if (!err)
		err = copy_page_range(vma, src);
	return err;
}

/**
 * dup_mm() - a copy of @oldmm for a forked child.
 * Context: takes @oldmm's mmap_lock for write, then the child's (nested:
 * no one else can reach it); may sleep and allocate. When it returns, no
 * CPU can still write through a translation the fork write-protected.
 * Return: the child's mm, or NULL with *@errp = -ENOMEM (nothing leaks).
 */
struct mm_struct *dup_mm(struct mm_struct *oldmm, int *errp)
{
	struct mm_struct *mm = mm_alloc();
	struct vm_area_struct *src;
	int err = 0;

	if (!mm) {
		*errp = -ENOMEM;
		return NULL;
	}
	mmap_write_lock(oldmm);
	down_write_nested(&mm->mmap_lock);
	ksm_fork(mm, oldmm);
	list_for_each_entry(src, &oldmm->mmap, vm_list) {
		err = dup_vma(mm, src);
		if (err)
			break;
	}
	mm->mmap_base = oldmm->mmap_base;
	if (!err)
		VM_EXPENSIVE(mm_pgtables_valid, mm);
	up_write(&mm->mmap_lock);
	flush_tlb_wait();
	mmap_write_unlock(oldmm);
	if (err) {
		mmput(mm);
		*errp = err;
		return NULL;
	}
	return mm;
}
