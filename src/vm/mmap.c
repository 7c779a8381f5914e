/* SPDX-License-Identifier: MIT */
/*
 * mmap.c - address spaces and their VMAs: creating and destroying an mm,
 * mapping and unmapping anonymous regions, MADV_DONTNEED.
 *
 * VMAs of an mm are kept on a list sorted by address (the kernel uses a
 * maple tree; pagelab's processes have a handful of regions). New regions
 * are placed bottom-up from MMAP_BASE with a one-page guard gap between
 * them (a private region whose length is a multiple of 2 MiB starts on a
 * 2 MiB boundary, for THPs), and an address is never reused, so stale
 * addresses fault.
 * munmap() takes whole VMAs only: a range that starts inside a VMA or
 * ends inside one is refused (the scenario language unmaps whole regions).
 * VMAs are split where a madvise changes the flags of part of one
 * (split_vma(), for KSM's MADV_MERGEABLE / MADV_UNMERGEABLE), but never
 * merged again (deviation: Linux's vma_merge would rejoin neighbours with
 * equal flags); munmap and MADV_DONTNEED accept a range covered by
 * several adjacent VMAs.
 *
 * Every live mm is on mm_list (kernel: init_mm.mmlist) so the invariant
 * checker can visit every page table.
 */
#include <stdlib.h>
#include "vm/huge_mm.h"
#include "vm/hugetlb.h"
#include "vm/ksm_hooks.h"
#include "vm/mm.h"

#define MMAP_BASE 0x10000000UL

static LIST_HEAD(mm_list);
static pthread_mutex_t mm_list_lock = PTHREAD_MUTEX_INITIALIZER;

/**
 * mm_alloc() - a new, empty address space.
 * Context: may allocate; takes mm_list_lock. Return: the mm, or NULL.
 */
struct mm_struct *mm_alloc(void)
{
	struct mm_struct *mm = kzalloc(sizeof(*mm));

	if (!mm)
		return NULL;
	mm->mm_users = 1;
	init_rwsem(&mm->mmap_lock, LOCK_CLASS_MMAP);
	spin_lock_init(&mm->page_table_lock, LOCK_CLASS_PTL);
	INIT_LIST_HEAD(&mm->mmap);
	INIT_LIST_HEAD(&mm->pmd_huge_pte);
	mm->mmap_base = MMAP_BASE;
	if (pgd_alloc(mm)) {
		destroy_rwsem(&mm->mmap_lock);
		spin_lock_destroy(&mm->page_table_lock);
		free(mm);
		return NULL;
	}
	pthread_mutex_lock(&mm_list_lock);
	list_add_tail(&mm->mmlist, &mm_list);
	pthread_mutex_unlock(&mm_list_lock);
	return mm;
}

/**
 * find_vma() - the VMA containing @addr, or NULL. Consecutive faults
 * usually hit the same VMA, so the last hit is tried first (as the
 * kernel's vmacache did before the maple tree).
 * Context: mmap_lock held.
 */
struct vm_area_struct *find_vma(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma = READ_ONCE(mm->mmap_cache);

	if (vma && addr >= vma->vm_start && addr < vma->vm_end)
		return vma;
	list_for_each_entry(vma, &mm->mmap, vm_list) {
		if (addr >= vma->vm_start && addr < vma->vm_end) {
			WRITE_ONCE(mm->mmap_cache, vma);
			return vma;
		}
	}
	return NULL;
}

static struct vm_area_struct *vma_alloc(struct mm_struct *mm, unsigned long start,
					unsigned long len, unsigned long flags)
{
	struct vm_area_struct *vma = kzalloc(sizeof(*vma));

	if (!vma)
		return NULL;
	vma->vm_mm = mm;
	vma->vm_start = start;
	vma->vm_end = start + len;
	vma->vm_flags = flags;
	INIT_LIST_HEAD(&vma->anon_vma_chain);
	INIT_LIST_HEAD(&vma->shared);
	return vma;
}

/* Link @vma into @mm's sorted list and, if shared, its region's i_mmap. */
static void vma_link(struct mm_struct *mm, struct vm_area_struct *vma)
{
	struct vm_area_struct *pos;

	list_for_each_entry(pos, &mm->mmap, vm_list)
		if (pos->vm_start > vma->vm_start)
			break;
	list_add_tail(&vma->vm_list, &pos->vm_list);
	if (vma->vm_mapping) {
		down_write(&vma->vm_mapping->i_mmap_rwsem);
		list_add_tail(&vma->shared, &vma->vm_mapping->i_mmap);
		up_write(&vma->vm_mapping->i_mmap_rwsem);
	}
}

/**
 * vma_dup() - a copy of @src for the child mm @mm at fork: same range,
 * flags and memory object; no anon_vma yet.
 * Context: both mmap_locks held for write. Return: the VMA, linked, or NULL.
 */
struct vm_area_struct *vma_dup(struct mm_struct *mm, struct vm_area_struct *src)
{
	struct vm_area_struct *vma = vma_alloc(mm, src->vm_start,
					       src->vm_end - src->vm_start, src->vm_flags);

	if (!vma)
		return NULL;
	vma->vm_pgoff = src->vm_pgoff;
	vma->vm_mapping = src->vm_mapping;
	if (vma->vm_mapping)
		shmem_get_mapping(vma->vm_mapping);
	vma_link(mm, vma);
	return vma;
}

/*
 * Where a new mapping of @len starts: the next free address, rounded up to
 * 2 MiB for private memory whose length is a multiple of 2 MiB, so that
 * THP faults can map it with huge PMDs (the kernel's
 * thp_get_unmapped_area_vmflags()).
 */
static unsigned long get_unmapped_area(struct mm_struct *mm, unsigned long len, bool shared)
{
	if (shared || (len & ~PMD_MASK))
		return mm->mmap_base;
	return ALIGN(mm->mmap_base, PMD_SIZE);
}

/**
 * do_mmap() - map @len bytes of new anonymous memory, private or shared.
 * Context: takes mmap_lock for write; may allocate.
 * Return: 0 with the address in *@addrp; -EINVAL for a zero or unaligned
 * length; -ENOMEM.
 */
int do_mmap(struct mm_struct *mm, unsigned long len, bool shared, unsigned long *addrp)
{
	unsigned long flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE |
			      (shared ? VM_SHARED : 0);
	struct vm_area_struct *vma;
	unsigned long start;
	int err = 0;

	if (!len || len & ~PAGE_MASK || len > TASK_SIZE - MMAP_BASE)
		return -EINVAL;
	mmap_write_lock(mm);
	start = get_unmapped_area(mm, len, shared);
	if (start + len > TASK_SIZE) {
		err = -ENOMEM;
		goto out;
	}
	vma = vma_alloc(mm, start, len, shared ? flags : ksm_vma_flags(mm, flags));
	if (!vma) {
		err = -ENOMEM;
		goto out;
	}
	vma->vm_pgoff = shared ? 0 : vma->vm_start >> PAGE_SHIFT;
	if (shared) {
		vma->vm_mapping = shmem_create(len >> PAGE_SHIFT);
		if (!vma->vm_mapping) {
			free(vma);
			err = -ENOMEM;
			goto out;
		}
	}
	vma_link(mm, vma);
	mm->mmap_base = vma->vm_end + PAGE_SIZE;
	*addrp = vma->vm_start;
out:
	mmap_write_unlock(mm);
	return err;
}

/**
 * do_mmap_hugetlb() - map @len bytes (a multiple of HPAGE_SIZE) of private
 * memory from the hugetlb pool, as mmap(MAP_ANONYMOUS | MAP_PRIVATE |
 * MAP_HUGETLB) does: the VMA starts 2 MiB aligned and reserves its pool
 * pages now, so its faults cannot run out of them.
 * Context: takes mmap_lock for write, then hugetlb_lock.
 * Return: 0 with the address in *@addrp; -EINVAL for a zero or unaligned
 * length; -ENOMEM if the address space or the pool's unreserved free
 * pages cannot hold it.
 */
int do_mmap_hugetlb(struct mm_struct *mm, unsigned long len, unsigned long *addrp)
{
	unsigned long flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_HUGETLB;
	struct vm_area_struct *vma;
	unsigned long start;
	int err = 0;

	if (!len || len & ~HPAGE_MASK || len > TASK_SIZE - MMAP_BASE)
		return -EINVAL;
	mmap_write_lock(mm);
	start = ALIGN(mm->mmap_base, HPAGE_SIZE);
	if (start + len > TASK_SIZE) {
		err = -ENOMEM;
		goto out;
	}
	vma = vma_alloc(mm, start, len, flags);
	if (!vma) {
		err = -ENOMEM;
		goto out;
	}
	vma->vm_pgoff = start >> PAGE_SHIFT;
	err = hugetlb_reserve_pages(vma);
	if (err) {
		free(vma);
		goto out;
	}
	vma_link(mm, vma);
	mm->mmap_base = vma->vm_end + PAGE_SIZE;
	*addrp = start;
out:
	mmap_write_unlock(mm);
	return err;
}

/* Unmap @vma completely and free it. Context: mmap_lock held for write. */
static void remove_vma(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;
	unsigned long floor = vma->vm_list.prev == &mm->mmap ? 0 :
		list_entry(vma->vm_list.prev, struct vm_area_struct, vm_list)->vm_end;
	unsigned long ceiling = vma->vm_list.next == &mm->mmap ? TASK_SIZE :
		list_entry(vma->vm_list.next, struct vm_area_struct, vm_list)->vm_start;

	zap_page_range(vma, vma->vm_start, vma->vm_end);
	if (is_vm_hugetlb_page(vma))
		hugetlb_vma_close(vma);
	unlink_anon_vmas(vma);
	if (vma->vm_mapping) {
		down_write(&vma->vm_mapping->i_mmap_rwsem);
		list_del(&vma->shared);
		up_write(&vma->vm_mapping->i_mmap_rwsem);
		shmem_put_mapping(vma->vm_mapping);
	}
	list_del(&vma->vm_list);
	WRITE_ONCE(vma->vm_mm->mmap_cache, NULL);
	free_empty_pgtables(mm, vma->vm_start, vma->vm_end, floor, ceiling);
	VM_EXPENSIVE(mm_pgtables_valid, mm);
	free(vma);
}

/**
 * find_vma_from() - the first VMA of @mm that ends above @addr (it may
 * start above it too), as the kernel's find_vma() and vma_iter_init() do.
 * Context: mmap_lock held. Return: the VMA, or NULL.
 */
struct vm_area_struct *find_vma_from(struct mm_struct *mm, unsigned long addr)
{
	struct vm_area_struct *vma;

	list_for_each_entry(vma, &mm->mmap, vm_list)
		if (vma->vm_end > addr)
			return vma;
	return NULL;
}

/* The VMA after @vma in @mm's list, or NULL. Context: mmap_lock held. */
struct vm_area_struct *vma_next(struct mm_struct *mm, struct vm_area_struct *vma)
{
	return vma->vm_list.next == &mm->mmap ? NULL :
		list_entry(vma->vm_list.next, struct vm_area_struct, vm_list);
}

/**
 * vma_range_mapped() - is every page of [start, end) inside a VMA? A
 * range may span several adjacent VMAs (a region split by madvise).
 * Context: mmap_lock held.
 * Return: the VMA holding @start, or NULL if the range has a hole or is
 * empty or unaligned.
 */
struct vm_area_struct *vma_range_mapped(struct mm_struct *mm, unsigned long start,
					unsigned long end)
{
	struct vm_area_struct *first = find_vma(mm, start), *vma = first;

	if (!first || start >= end || (start | end) & ~PAGE_MASK)
		return NULL;
	while (vma->vm_end < end) {
		struct vm_area_struct *next = vma_next(mm, vma);

		if (!next || next->vm_start != vma->vm_end)
			return NULL;
		vma = next;
	}
	return first;
}

/**
 * split_vma() - split @vma at @addr into [vm_start, addr) (@vma itself)
 * and a new VMA [addr, vm_end) with the same flags, anon_vmas and memory
 * object. Rmap walkers may meet both VMAs over [addr, vm_end) for a
 * moment, never neither: the new one is linked before @vma shrinks, which
 * happens under the rmap locks the walkers hold.
 * Context: mmap_lock held for write; takes the anon_vma and i_mmap locks;
 * may allocate.
 * Return: 0, or -ENOMEM (nothing changed).
 */
int split_vma(struct vm_area_struct *vma, unsigned long addr)
{
	struct mm_struct *mm = vma->vm_mm;
	struct vm_area_struct *new;

	VM_BUG_ON(addr <= vma->vm_start || addr >= vma->vm_end || (addr & ~PAGE_MASK));
	if (addr & ~PMD_MASK)
		split_huge_pmd_address(vma, addr);	/* vma_adjust_trans_huge() */
	new = vma_alloc(mm, addr, vma->vm_end - addr, vma->vm_flags);
	if (!new)
		return -ENOMEM;
	new->vm_pgoff = linear_page_index(vma, addr);
	new->vm_mapping = vma->vm_mapping;
	if (anon_vma_clone(new, vma)) {
		unlink_anon_vmas(new);
		free(new);
		return -ENOMEM;
	}
	if (new->vm_mapping)
		shmem_get_mapping(new->vm_mapping);
	vma_link(mm, new);
	if (vma->vm_mapping)
		down_write(&vma->vm_mapping->i_mmap_rwsem);
	if (vma->anon_vma)
		down_write(&vma->anon_vma->root->rwsem);
	WRITE_ONCE(vma->vm_end, addr);
	if (vma->anon_vma)
		up_write(&vma->anon_vma->root->rwsem);
	if (vma->vm_mapping)
		up_write(&vma->vm_mapping->i_mmap_rwsem);
	WRITE_ONCE(mm->mmap_cache, NULL);
	return 0;
}

/**
 * do_munmap() - unmap [addr, addr + len), which must be exactly one VMA or
 * a run of adjacent VMAs (a region split by madvise).
 * Context: takes mmap_lock for write; waits for in-flight accesses.
 * Return: 0, or -EINVAL if the range does not start at a VMA's start, end
 * at a VMA's end and cover everything between.
 */
int do_munmap(struct mm_struct *mm, unsigned long addr, unsigned long len)
{
	struct vm_area_struct *vma, *next;
	int err = -EINVAL;

	mmap_write_lock(mm);
	vma = vma_range_mapped(mm, addr, addr + len);
	if (vma && vma->vm_start == addr && find_vma(mm, addr + len - 1)->vm_end == addr + len) {
		for (; vma && vma->vm_start < addr + len; vma = next) {
			next = vma_next(mm, vma);
			remove_vma(vma);
		}
		err = 0;
	}
	mmap_write_unlock(mm);
	return err;
}

/**
 * vma_modify_flags() - give [@start, @end) of *@vmap the flags @flags,
 * splitting the VMA where only part of it changes (the kernel's
 * vma_modify_flags()); *@vmap becomes the VMA that covers the range.
 * Context: mmap_lock held for write; may allocate.
 * Return: 0, or -ENOMEM from split_vma() (what was split stays split).
 */
int vma_modify_flags(struct vm_area_struct **vmap, unsigned long start, unsigned long end,
		     unsigned long flags)
{
	struct vm_area_struct *vma = *vmap;
	int err;

	if (flags == vma->vm_flags)
		return 0;
	if (start > vma->vm_start) {
		err = split_vma(vma, start);
		if (err)
			return err;
		vma = vma_next(vma->vm_mm, vma);
	}
	if (end < vma->vm_end) {
		err = split_vma(vma, end);
		if (err)
			return err;
	}
	WRITE_ONCE(vma->vm_flags, flags);
	*vmap = vma;
	return 0;
}

/**
 * madvise_dontneed() - MADV_DONTNEED on [addr, addr + len): drop the
 * mappings; private pages read as zero afterwards, shared ones keep their
 * contents in the region.
 * Context: takes mmap_lock for read. Return: 0, or -EINVAL if some page of
 * the range is not mapped (or the range is empty or unaligned, or not
 * aligned to whole huge pages in a hugetlb mapping).
 */
int madvise_dontneed(struct mm_struct *mm, unsigned long addr, unsigned long len)
{
	unsigned long end = addr + len;
	struct vm_area_struct *vma;
	int err = -EINVAL;

	mmap_read_lock(mm);
	vma = vma_range_mapped(mm, addr, end);
	/* A hugetlb range must cover whole huge pages (Linux aligns the end down). */
	if (vma && is_vm_hugetlb_page(vma) && ((addr | len) & ~HPAGE_MASK))
		vma = NULL;
	if (vma) {
		for (; vma && vma->vm_start < end; vma = vma_next(mm, vma))
			zap_page_range(vma, max(addr, vma->vm_start), min(end, vma->vm_end));
		err = 0;
	}
	mmap_read_unlock(mm);
	return err;
}

/**
 * mmget() - take a reference on @mm, so it outlives its process's exit
 * while the caller works on it (move_pages does this).
 * Context: the caller already holds a reference.
 */
void mmget(struct mm_struct *mm)
{
	__atomic_fetch_add(&mm->mm_users, 1, __ATOMIC_RELAXED);
}

static void exit_mmap(struct mm_struct *mm)
{
	struct vm_area_struct *vma, *next;

	mmap_write_lock(mm);
	list_for_each_entry_safe(vma, next, &mm->mmap, vm_list)
		remove_vma(vma);
	free_all_pgtables(mm);
	mm_put_huge_zero_folio(mm);
	mmap_write_unlock(mm);
	pthread_mutex_lock(&mm_list_lock);
	list_del(&mm->mmlist);
	pthread_mutex_unlock(&mm_list_lock);
	destroy_rwsem(&mm->mmap_lock);
	spin_lock_destroy(&mm->page_table_lock);
	free(mm);
}

/**
 * mmput() - drop a reference on @mm; the last one (normally the process
 * exiting) makes KSM forget the mm (ksm_exit), then unmaps everything and
 * frees the mm.
 * Context: the caller's CPU threads no longer use @mm and it holds no lock
 * (KSM's exit takes ksm_thread_mutex); may sleep.
 */
void mmput(struct mm_struct *mm)
{
	if (__atomic_sub_fetch(&mm->mm_users, 1, __ATOMIC_ACQ_REL))
		return;
	ksm_exit(mm);
	exit_mmap(mm);
}

/**
 * for_each_mm() - call @fn on every live mm.
 * Context: holds mm_list_lock across the calls: @fn must not create or
 * destroy an mm. Used by the invariant checker at quiescent points.
 */
void for_each_mm(void (*fn)(struct mm_struct *mm, void *arg), void *arg)
{
	struct mm_struct *mm;

	pthread_mutex_lock(&mm_list_lock);
	list_for_each_entry(mm, &mm_list, mmlist)
		fn(mm, arg);
	pthread_mutex_unlock(&mm_list_lock);
}
