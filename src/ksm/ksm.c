/* SPDX-License-Identifier: MIT */
/*
 * ksm.c - kernel same-page merging (mm/ksm.c): the registered mms, the
 * hooks the layers below call (fork, exit, rmap walks, migration), the
 * per-process controls (madvise, the prctl switch), unmerging, and boot.
 *
 * DOC: Overview
 *
 * ksmd scans the private anonymous pages of the mms registered with KSM
 * (by MADV_MERGEABLE on a range, or for every new VMA by the prctl-like
 * switch) and merges pages of equal content into one write-protected KSM
 * page; a write to it copies it again (copy-on-write). Two trees, both
 * ordered by page content (memcmp), find the equal pages:
 *
 * - the stable tree holds the KSM pages. They are write-protected, so the
 *   order holds; a stable node keeps the list of rmap_items (virtual
 *   pages) that map its page, which is how the reverse map finds them.
 *   When more than max_page_sharing virtual pages share one content, the
 *   tree node becomes a chain of "dups", each a KSM page of its own.
 * - the unstable tree holds pages seen unchanged since the previous scan
 *   (same checksum) but not yet merged. They may change under KSM, so the
 *   tree may become misordered; it is emptied at every full scan.
 *
 * A scanned page is first looked up in the stable tree (merged into the
 * KSM page found), then in the unstable tree (merged with the page found
 * there into a new KSM page, which goes into the stable tree), else put
 * into the unstable tree. A page whose checksum changed since the last
 * visit is left alone ("volatile"), so a page merges on its second visit
 * at the earliest. Merging write-protects the page under its page lock
 * and compares again, so a page written meanwhile is never merged.
 *
 * Deviations from Linux, each also in docs/ksm.md: one NUMA node, so
 * merge_across_nodes is a knob without effect and there is no
 * migrate_nodes list; the checksum is XXH3 (the kernel: xxhash64), both
 * truncated to 32 bits; __ksm_exit() removes an exiting mm's rmap_items
 * at once instead of leaving them for ksmd (pagelab frees an mm at
 * exit, the kernel keeps it with mmgrab()); nothing is swapped, so
 * ksm_swpin_copy never counts.
 */
#include <stdlib.h>
#include <time.h>
#include "ksm/ksm_internal.h"

#define MM_SLOTS_HASH_BITS	10

struct mutex ksm_thread_mutex;
spinlock_t ksm_mmlist_lock;
struct ksm_mm_slot ksm_mm_head;
struct ksm_scan ksm_scan;
unsigned long ksm_run;
long ksm_nr_mm_slots;			/* slots on the list; atomic */
bool ksm_deterministic;
static struct hlist_head mm_slots_hash[1 << MM_SLOTS_HASH_BITS];
static long ksm_thread_mutex_waiters;	/* atomic: others wanting the mutex */
static unsigned long ksm_virtual_ms;	/* deterministic mode's clock; atomic */

/**
 * ksm_thread_lock() - take ksm_thread_mutex on behalf of someone other than
 * ksmd; ksmd yields between batches while anyone waits (it would
 * otherwise retake a pthread mutex at once when sleep_millisecs is 0).
 * Context: no lock held (the mutex is the outermost lock); may sleep.
 */
void ksm_thread_lock(void)
{
	__atomic_fetch_add(&ksm_thread_mutex_waiters, 1, __ATOMIC_RELAXED);
	mutex_lock(&ksm_thread_mutex);
	__atomic_fetch_sub(&ksm_thread_mutex_waiters, 1, __ATOMIC_RELAXED);
}

/** ksm_thread_unlock() - release ksm_thread_mutex. */
void ksm_thread_unlock(void)
{
	mutex_unlock(&ksm_thread_mutex);
}

/** ksm_thread_mutex_contended() - does anyone but ksmd wait for the mutex? */
bool ksm_thread_mutex_contended(void)
{
	return __atomic_load_n(&ksm_thread_mutex_waiters, __ATOMIC_RELAXED);
}

/**
 * ksm_now_ms() - KSM's clock in milliseconds: the monotonic clock, or in
 * deterministic mode the virtual time ksmd_step() and the waits advance.
 */
unsigned long ksm_now_ms(void)
{
	struct timespec ts;

	if (ksm_deterministic)
		return __atomic_load_n(&ksm_virtual_ms, __ATOMIC_RELAXED);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000UL + ts.tv_nsec / 1000000;
}

/** ksm_advance_virtual_clock() - deterministic mode: @ms of virtual time pass. */
void ksm_advance_virtual_clock(unsigned long ms)
{
	__atomic_fetch_add(&ksm_virtual_ms, ms, __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------ */
/* mm slots                                                            */

static struct hlist_head *mm_slot_bucket(const struct mm_struct *mm)
{
	unsigned long h = (unsigned long)mm >> 6;

	return &mm_slots_hash[(h ^ (h >> MM_SLOTS_HASH_BITS)) & ((1 << MM_SLOTS_HASH_BITS) - 1)];
}

/* The slot of @mm, or NULL. Context: ksm_mmlist_lock held. */
static struct ksm_mm_slot *get_mm_slot(const struct mm_struct *mm)
{
	struct ksm_mm_slot *slot;

	hlist_for_each_entry(slot, mm_slot_bucket(mm), hash)
		if (slot->mm == mm)
			return slot;
	return NULL;
}

/**
 * ksm_slot_unhash() - take @slot off the hash and the scan list.
 * Context: ksm_mmlist_lock held; the cursor is not on @slot.
 */
void ksm_slot_unhash(struct ksm_mm_slot *slot)
{
	VM_BUG_ON(ksm_scan.mm_slot == slot);
	hlist_del(&slot->hash);
	list_del(&slot->mm_node);
	__atomic_fetch_sub(&ksm_nr_mm_slots, 1, __ATOMIC_RELAXED);
}

/* The slot after @slot in scan order (&ksm_mm_head after the last). */
static struct ksm_mm_slot *next_mm_slot(struct ksm_mm_slot *slot)
{
	return list_entry(slot->mm_node.next, struct ksm_mm_slot, mm_node);
}

/**
 * ksm_scan_advance_slot() - move the cursor from @slot, where it is, to the
 * next slot, at the start of that mm; past the last slot this is the end
 * of a full scan.
 * Context: ksm_thread_mutex and ksm_mmlist_lock held.
 * Return: through ksm_scan; the caller ends the full scan when the cursor
 * is back on &ksm_mm_head.
 */
void ksm_scan_advance_slot(struct ksm_mm_slot *slot)
{
	struct ksm_mm_slot *next = next_mm_slot(slot);

	VM_BUG_ON(ksm_scan.mm_slot != slot);
	ksm_scan.mm_slot = next;
	ksm_scan.address = 0;
	ksm_scan.rmap_list = &next->rmap_list;
}

/**
 * __ksm_enter() - register @mm with KSM: a new slot, placed just behind
 * the cursor (so a fork followed at once by exit costs ksmd nothing), or
 * at the end of the list while run=2 unmerges (so it is not missed).
 * Context: @mm's mmap_lock held for write; takes ksm_mmlist_lock.
 * Return: 0 or -ENOMEM.
 */
static int __ksm_enter(struct mm_struct *mm)
{
	struct ksm_mm_slot *slot = calloc(1, sizeof(*slot));
	bool needs_wakeup;

	if (!slot)
		return -ENOMEM;
	slot->mm = mm;
	spin_lock(&ksm_mmlist_lock);
	needs_wakeup = !ksm_nr_mm_slots;
	hlist_add_head(&slot->hash, mm_slot_bucket(mm));
	if (READ_ONCE(ksm_run) & KSM_RUN_UNMERGE)
		list_add_tail(&slot->mm_node, &ksm_mm_head.mm_node);
	else
		list_add_tail(&slot->mm_node, &ksm_scan.mm_slot->mm_node);
	__atomic_fetch_add(&ksm_nr_mm_slots, 1, __ATOMIC_RELAXED);
	spin_unlock(&ksm_mmlist_lock);
	set_bit(MMF_VM_MERGEABLE, &mm->flags);
	if (needs_wakeup)
		ksmd_wakeup();
	trace_event("ksm_enter", "mm %p", (void *)mm);
	return 0;
}

/**
 * __ksm_exit() - @mm is exiting: remove its slot and every rmap_item,
 * updating the trees and counters, before its mappings go. If the cursor
 * was on it, it moves on as ksmd would have (ending the full scan if this
 * was the last mm). Deviation: the kernel leaves a busy slot for ksmd to
 * reap and keeps the mm alive with mmgrab(); pagelab frees the mm at exit.
 * Context: mm_users is 0; no lock held; takes ksm_thread_mutex,
 * ksm_mmlist_lock and KSM pages' locks; may sleep.
 */
static void __ksm_exit(struct mm_struct *mm)
{
	struct ksm_mm_slot *slot;
	bool end_of_scan = false;

	ksm_thread_lock();
	spin_lock(&ksm_mmlist_lock);
	slot = get_mm_slot(mm);
	if (slot) {
		if (ksm_scan.mm_slot == slot) {
			ksm_scan_advance_slot(slot);
			end_of_scan = ksm_scan.mm_slot == &ksm_mm_head;
		}
		ksm_slot_unhash(slot);
	}
	spin_unlock(&ksm_mmlist_lock);
	if (slot) {
		remove_trailing_rmap_items(&slot->rmap_list);
		free(slot);
	}
	if (end_of_scan)
		ksm_end_full_scan();
	clear_bit(MMF_VM_MERGE_ANY, &mm->flags);
	clear_bit(MMF_VM_MERGEABLE, &mm->flags);
	ksm_thread_unlock();
	trace_event("ksm_exit", "mm %p", (void *)mm);
}

/* ------------------------------------------------------------------ */
/* Unmerging                                                           */

/* Does the entry at @addr map a KSM page, or a zero page KSM put there? */
static bool ksm_page_mapped_at(struct vm_area_struct *vma, unsigned long addr)
{
	bool ksm_page = false;
	spinlock_t *ptl;
	pte_t *ptep = pte_offset_map_lock(vma->vm_mm, addr, &ptl);
	pte_t pte;

	if (!ptep)
		return false;
	pte = ptep_get(ptep);
	if (pte_present(pte)) {
		struct page *page = vm_normal_page(pte);

		ksm_page = page ? PageKsm(page) : is_ksm_zero_pte(pte);
	} else if (softleaf_is_migration(pte)) {
		ksm_page = PageKsm(pfn_to_page(softleaf_pfn(pte)));
	}
	spin_unlock(ptl);
	return ksm_page;
}

/**
 * break_ksm() - replace the KSM page (or KSM zero page) mapped at @addr by
 * a private copy with an unsharing fault, until none is left there (a
 * fault may back out when the entry changed meanwhile; a page under
 * migration is waited for).
 * Context: @vma's mmap_lock held; may sleep and allocate.
 * Return: 0, or -ENOMEM if the copy could not be allocated.
 */
int break_ksm(struct vm_area_struct *vma, unsigned long addr)
{
	while (ksm_page_mapped_at(vma, addr)) {
		int err = handle_mm_fault(vma, addr, FAULT_FLAG_UNSHARE);

		if (err == -ENOMEM || err == -EFAULT)
			return err == -ENOMEM ? -ENOMEM : 0;
	}
	return 0;
}

/**
 * unmerge_ksm_pages() - break_ksm() every page of [start, end) of @vma.
 * The rmap_items stay; ksmd drops them when it finds the pages changed.
 * Context: @vma's mmap_lock held; may sleep. Return: 0 or -ENOMEM.
 */
int unmerge_ksm_pages(struct vm_area_struct *vma, unsigned long start, unsigned long end)
{
	int err = 0;

	for (unsigned long addr = start; addr < end && !err; addr += PAGE_SIZE)
		err = break_ksm(vma, addr);
	return err;
}

/* Take every rmap_item of the unstable tree out of it (an unmerge that
 * failed leaves the full scan it interrupted unfinished). */
static void remove_unstable_rmap_items(void)
{
	struct ksm_mm_slot *slot;
	struct ksm_rmap_item *rmap_item;

	list_for_each_entry(slot, &ksm_mm_head.mm_node, mm_node)
		for (rmap_item = slot->rmap_list; rmap_item; rmap_item = rmap_item->rmap_list)
			if (rmap_item->address & UNSTABLE_FLAG)
				remove_rmap_item_from_tree(rmap_item);
}

/**
 * unmerge_and_remove_all_rmap_items() - run=2: break every KSM page of
 * every registered mm, free every rmap_item, empty the stable tree of what
 * is left, and start counting full scans from 0 again. The mm slots stay.
 * Context: ksm_thread_mutex held; takes mmap_locks for read; may sleep.
 * Return: 0, or -ENOMEM (what was unmerged stays unmerged).
 */
int unmerge_and_remove_all_rmap_items(void)
{
	struct ksm_mm_slot *slot;
	struct vm_area_struct *vma;
	int err = 0;

	spin_lock(&ksm_mmlist_lock);
	ksm_scan.mm_slot = next_mm_slot(&ksm_mm_head);
	spin_unlock(&ksm_mmlist_lock);
	while ((slot = ksm_scan.mm_slot) != &ksm_mm_head) {
		mmap_read_lock(slot->mm);
		list_for_each_entry(vma, &slot->mm->mmap, vm_list) {
			if (!(vma->vm_flags & VM_MERGEABLE) || !READ_ONCE(vma->anon_vma))
				continue;
			err = unmerge_ksm_pages(vma, vma->vm_start, vma->vm_end);
			if (err)
				break;
		}
		if (!err)
			remove_trailing_rmap_items(&slot->rmap_list);
		mmap_read_unlock(slot->mm);
		spin_lock(&ksm_mmlist_lock);
		ksm_scan.mm_slot = err ? &ksm_mm_head : next_mm_slot(slot);
		spin_unlock(&ksm_mmlist_lock);
		if (err) {
			remove_unstable_rmap_items();
			return err;
		}
	}
	remove_all_stable_nodes();	/* busy ones (still mapped) may stay */
	__atomic_store_n(&ksm_scan.seqnr, 0, __ATOMIC_RELEASE);
	return 0;
}

/* ------------------------------------------------------------------ */
/* madvise and the prctl switch                                        */

/* Can KSM merge in @vma? Only private anonymous memory: not VM_SHARED nor
 * VM_HUGETLB (the kernel's other incompatible flags do not exist here). */
static bool vma_ksm_compatible(const struct vm_area_struct *vma)
{
	return !(vma->vm_flags & (VM_SHARED | VM_HUGETLB));
}

/*
 * ksm_madvise() - the KSM part of madvise on [start, end) of @vma: compute
 * the VMA's new flags in *@vm_flags (registering the mm for MERGEABLE,
 * unmerging the range for UNMERGEABLE). MERGEABLE on an incompatible
 * (shared) VMA is ignored, as in the kernel.
 */
static int ksm_madvise(struct vm_area_struct *vma, unsigned long start, unsigned long end,
		       int advice, unsigned long *vm_flags)
{
	struct mm_struct *mm = vma->vm_mm;
	int err;

	if (advice == MADV_MERGEABLE) {
		if ((*vm_flags & VM_MERGEABLE) || !vma_ksm_compatible(vma))
			return 0;
		if (!test_bit(MMF_VM_MERGEABLE, &mm->flags)) {
			err = __ksm_enter(mm);
			if (err)
				return err;
		}
		*vm_flags |= VM_MERGEABLE;
		return 0;
	}
	if (!(*vm_flags & VM_MERGEABLE))
		return 0;
	if (READ_ONCE(vma->anon_vma)) {
		err = unmerge_ksm_pages(vma, start, end);
		if (err)
			return err;
	}
	*vm_flags &= ~VM_MERGEABLE;
	return 0;
}

/**
 * ksm_madvise_range() - madvise(@start, @len, MADV_MERGEABLE or
 * MADV_UNMERGEABLE) on @mm, as the kernel's do_madvise() with ksm_madvise():
 * VMAs are split where only part of one changes; UNMERGEABLE breaks every
 * KSM page of the range back into private copies first.
 * Context: takes @mm's mmap_lock for write; may sleep and allocate.
 * Return: 0; -EINVAL for another advice, an unaligned @start or a range
 * that wraps; -ENOMEM if part of the range is not mapped (the mapped part
 * is still advised, as in the kernel) or memory ran out.
 */
int ksm_madvise_range(struct mm_struct *mm, unsigned long start, unsigned long len, int advice)
{
	unsigned long end = start + ALIGN(len, PAGE_SIZE), covered = start;
	struct vm_area_struct *vma;
	bool unmapped = false;
	int err = 0;

	if ((advice != MADV_MERGEABLE && advice != MADV_UNMERGEABLE) || (start & ~PAGE_MASK) ||
	    end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	mmap_write_lock(mm);
	for (vma = find_vma_from(mm, start); vma && vma->vm_start < end; vma = vma_next(mm, vma)) {
		unsigned long s = max(start, vma->vm_start), e = min(end, vma->vm_end);
		unsigned long flags = vma->vm_flags;

		if (vma->vm_start > covered)
			unmapped = true;
		err = ksm_madvise(vma, s, e, advice, &flags);
		if (!err)
			err = vma_modify_flags(&vma, s, e, flags);
		if (err)
			break;
		covered = e;
	}
	if (!err && (unmapped || covered < end))
		err = -ENOMEM;
	mmap_write_unlock(mm);
	return err;
}

static void ksm_add_vmas(struct mm_struct *mm)
{
	struct vm_area_struct *vma;

	list_for_each_entry(vma, &mm->mmap, vm_list)
		if (!(vma->vm_flags & VM_MERGEABLE) && vma_ksm_compatible(vma))
			WRITE_ONCE(vma->vm_flags, vma->vm_flags | VM_MERGEABLE);
}

static int ksm_del_vmas(struct mm_struct *mm)
{
	struct vm_area_struct *vma;
	int err;

	list_for_each_entry(vma, &mm->mmap, vm_list) {
		if (!(vma->vm_flags & VM_MERGEABLE))
			continue;
		if (READ_ONCE(vma->anon_vma)) {
			err = unmerge_ksm_pages(vma, vma->vm_start, vma->vm_end);
			if (err)
				return err;
		}
		WRITE_ONCE(vma->vm_flags, vma->vm_flags & ~VM_MERGEABLE);
	}
	return 0;
}

/* ksm_enable_merge_any(): register @mm and make every compatible VMA mergeable. */
static int ksm_enable_merge_any(struct mm_struct *mm)
{
	int err;

	if (test_bit(MMF_VM_MERGE_ANY, &mm->flags))
		return 0;
	if (!test_bit(MMF_VM_MERGEABLE, &mm->flags)) {
		err = __ksm_enter(mm);
		if (err)
			return err;
	}
	set_bit(MMF_VM_MERGE_ANY, &mm->flags);
	ksm_add_vmas(mm);
	return 0;
}

/* ksm_disable_merge_any(): unmerge every VMA; on failure merging stays on. */
static int ksm_disable_merge_any(struct mm_struct *mm)
{
	int err;

	if (!test_bit(MMF_VM_MERGE_ANY, &mm->flags))
		return 0;
	err = ksm_del_vmas(mm);
	if (err) {
		ksm_add_vmas(mm);
		return err;
	}
	clear_bit(MMF_VM_MERGE_ANY, &mm->flags);
	return 0;
}

/**
 * ksm_prctl() - prctl(PR_SET_MEMORY_MERGE, @arg2, ...) or
 * prctl(PR_GET_MEMORY_MERGE, ...) for the process of @mm, as
 * kernel/sys.c: SET with a non-zero @arg2 makes every compatible VMA,
 * present and future, mergeable; with 0 it unmerges them all. The setting
 * is inherited by fork.
 * Context: SET takes @mm's mmap_lock for write; may sleep.
 * Return: SET: 0, -EINVAL if @arg3..@arg5 are not 0, or -ENOMEM; GET: 0 or
 * 1, -EINVAL if @arg2..@arg5 are not 0; another @option: -EINVAL.
 */
int ksm_prctl(struct mm_struct *mm, int option, unsigned long arg2, unsigned long arg3,
	      unsigned long arg4, unsigned long arg5)
{
	int err;

	switch (option) {
	case PR_SET_MEMORY_MERGE:
		if (arg3 || arg4 || arg5)
			return -EINVAL;
		mmap_write_lock(mm);
		err = arg2 ? ksm_enable_merge_any(mm) : ksm_disable_merge_any(mm);
		mmap_write_unlock(mm);
		return err;
	case PR_GET_MEMORY_MERGE:
		if (arg2 || arg3 || arg4 || arg5)
			return -EINVAL;
		return test_bit(MMF_VM_MERGE_ANY, &mm->flags);
	}
	return -EINVAL;
}

/* ------------------------------------------------------------------ */
/* The reverse map and migration of KSM pages                          */

/*
 * rmap_walk_ksm(): every rmap_item of the page's stable node names an mm,
 * an address and the anon_vma it was merged in; the VMAs on that anon_vma
 * covering the address map the page. The first pass visits only the
 * item's own mm; the second the others (children forked since the merge,
 * which may visit a mapping twice, harmlessly, as in the kernel).
 * Context: the page locked (it keeps the node's list still); takes the
 * anon_vmas' root rwsems for read.
 */
static void ksm_rmap_walk(struct page *page, const struct rmap_walk_control *rwc)
{
	struct ksm_stable_node *stable_node = page_stable_node(page);
	struct ksm_rmap_item *rmap_item;

	VM_BUG_ON_PAGE(!PageLocked(page), page);
	if (!stable_node)
		return;
	for (int search_new_forks = 0; search_new_forks < 2; search_new_forks++) {
		hlist_for_each_entry(rmap_item, &stable_node->hlist, hlist) {
			struct anon_vma *anon_vma = rmap_item->anon_vma;
			unsigned long addr = READ_ONCE(rmap_item->address) & PAGE_MASK;
			struct anon_vma_chain *avc;

			down_read(&anon_vma->root->rwsem);
			list_for_each_entry(avc, &anon_vma->chains, same_anon_vma) {
				struct vm_area_struct *vma = avc->vma;

				if (addr < vma->vm_start || addr >= vma->vm_end ||
				    (rmap_item->mm == vma->vm_mm) == search_new_forks)
					continue;
				if (!rwc->rmap_one(page, vma, addr, rwc->arg) ||
				    (rwc->done && rwc->done(page))) {
					up_read(&anon_vma->root->rwsem);
					return;
				}
			}
			up_read(&anon_vma->root->rwsem);
		}
	}
}

/*
 * folio_migrate_ksm(): @dst, which already carries @src's mapping, is the
 * node's page now. The new kpfn is published before @src's mapping loses
 * the node, so ksm_get_folio(), seeing @src gone stale, re-reads kpfn and
 * finds @dst.
 */
static void ksm_migrate_page(struct page *dst, struct page *src)
{
	struct ksm_stable_node *stable_node = page_stable_node(src);

	VM_BUG_ON_PAGE(!PageLocked(src) || !PageLocked(dst), src);
	VM_BUG_ON_PAGE(READ_ONCE(dst->mapping) != READ_ONCE(src->mapping), dst);
	if (!stable_node)
		return;
	VM_BUG_ON_PAGE(READ_ONCE(stable_node->kpfn) != page_to_pfn(src), src);
	__atomic_store_n(&stable_node->kpfn, page_to_pfn(dst), __ATOMIC_RELEASE);
	folio_set_stable_node(src, NULL);
}

static const struct ksm_vm_operations ksm_vm_ops = {
	.enter = __ksm_enter,
	.exit = __ksm_exit,
	.rmap_walk = ksm_rmap_walk,
	.migrate = ksm_migrate_page,
};

/* ------------------------------------------------------------------ */
/* Boot                                                                */

/**
 * ksm_init() - KSM's boot step: empty trees and lists, the knobs at their
 * defaults, the hooks installed, and ksmd started as a thread unless
 * @threaded is false (deterministic mode: ksmd_step() and the waits run
 * its work on the caller's thread, on a virtual clock).
 * Context: machine boot, no process alive. Return: 0 or -EAGAIN.
 */
int ksm_init(bool threaded)
{
	int err;

	mutex_init(&ksm_thread_mutex, LOCK_CLASS_KSM_THREAD);
	spin_lock_init(&ksm_mmlist_lock, LOCK_CLASS_KSM_MMLIST);
	INIT_LIST_HEAD(&ksm_mm_head.mm_node);
	for (unsigned int i = 0; i < ARRAY_SIZE(mm_slots_hash); i++)
		INIT_HLIST_HEAD(&mm_slots_hash[i]);
	ksm_scan = (struct ksm_scan){ .mm_slot = &ksm_mm_head };
	ksm_nr_mm_slots = 0;
	ksm_thread_mutex_waiters = 0;
	ksm_virtual_ms = 0;
	ksm_deterministic = !threaded;
	root_stable_tree = RB_ROOT;
	root_unstable_tree = RB_ROOT;
	ksm_knobs_reset();
	zero_checksum = calc_checksum(zero_page);
	ksm_set_vm_operations(&ksm_vm_ops);
	err = ksmd_start(threaded);
	if (err) {
		ksm_set_vm_operations(NULL);
		spin_lock_destroy(&ksm_mmlist_lock);
		mutex_destroy(&ksm_thread_mutex);
	}
	return err;
}

/**
 * ksm_shutdown() - stop ksmd and free what KSM still holds. Processes
 * should all have exited; the slots of any left are freed without
 * touching their pages (the machine is going away).
 * Context: machine shutdown, single-threaded.
 */
void ksm_shutdown(void)
{
	struct ksm_mm_slot *slot, *next;

	ksmd_stop();
	list_for_each_entry_safe(slot, next, &ksm_mm_head.mm_node, mm_node) {
		while (slot->rmap_list) {
			struct ksm_rmap_item *rmap_item = slot->rmap_list;

			slot->rmap_list = rmap_item->rmap_list;
			free_rmap_item(rmap_item);
		}
		clear_bit(MMF_VM_MERGEABLE, &slot->mm->flags);
		free(slot);
	}
	INIT_LIST_HEAD(&ksm_mm_head.mm_node);
	free_all_stable_nodes();
	ksm_set_vm_operations(NULL);
	spin_lock_destroy(&ksm_mmlist_lock);
	mutex_destroy(&ksm_thread_mutex);
}
