/* SPDX-License-Identifier: MIT */
/*
 * khugepaged.c - the daemon that collapses 512 small anonymous pages back
 * into a transparent huge page (the kernel's mm/khugepaged.c, anonymous
 * memory only).
 *
 * An mm is registered (an mm slot, MMF_VM_HUGEPAGE) when one of its VMAs
 * may use THPs and it faults or is madvised (khugepaged_enter_vma()), and
 * forgotten when it exits (khugepaged_exit()). Every
 * khugepaged/scan_sleep_millisecs the daemon scans khugepaged/pages_to_scan
 * pages, 512 per PMD range, mm after mm: a range whose PTEs map small
 * anonymous pages, with at most max_ptes_none empty (or zero-page) and at
 * most max_ptes_shared shared entries, and at least one young one, is
 * collapsed: a new THP is allocated (thp_collapse_alloc /
 * thp_collapse_alloc_failed; khugepaged/defrag picks GFP_TRANSHUGE or
 * GFP_TRANSHUGE_LIGHT), and under the mmap_lock for write, the anon_vma
 * lock and the PTE lock, the small pages are locked and isolated, the PTE
 * table is detached, their bytes copied (zeros for empty entries), the
 * pages released and the THP mapped by one PMD with the old table
 * deposited beside it (khugepaged/pages_collapsed). A full pass over the
 * slots counts khugepaged/full_scans.
 *
 * The daemon is a real thread ("khugepaged") except in deterministic
 * mode, where khugepaged_step() runs its passes as virtual time passes.
 * Deviations: no swap-in (max_ptes_swap has nothing to count), no
 * khugepaged_fork() (a child is registered when it faults or is madvised),
 * no sleep of alloc_sleep_millisecs after a failed allocation (the pass
 * just ends).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "vm/huge_mm.h"
#include "vm/ksm_hooks.h"
#include "vm/mm.h"

struct khugepaged_mm_slot {
	struct list_head link;		/* on khugepaged_slots */
	struct mm_struct *mm;
};

/* khugepaged_mm_lock: the slot list and the cursor's slot. */
static spinlock_t khugepaged_mm_lock;
static LIST_HEAD(khugepaged_slots);
static struct khugepaged_mm_slot *scan_slot;
static unsigned long scan_address;	/* within scan_slot's mm; the scanner's */

/* The thread and its deterministic stand-in (kd.lock: an untracked leaf). */
static struct {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wait;
	bool threaded, stop, wake;
	unsigned long carry_ms;		/* deterministic: time since the last pass */
} kd = { .lock = PTHREAD_MUTEX_INITIALIZER, .wait = PTHREAD_COND_INITIALIZER };

/* ------------------------------------------------------------------ */
/* mm slots                                                            */

/**
 * khugepaged_enter_vma() - register @vma's mm with khugepaged if @vma may
 * hold a THP and the mm is not registered yet.
 * Context: mmap_lock held; takes khugepaged_mm_lock; may allocate.
 */
void khugepaged_enter_vma(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->vm_mm;
	struct khugepaged_mm_slot *slot;

	if (test_bit(MMF_VM_HUGEPAGE, &mm->flags) || !thp_vma_allowable(vma))
		return;
	slot = kzalloc(sizeof(*slot));
	if (!slot)
		return;
	slot->mm = mm;
	spin_lock(&khugepaged_mm_lock);
	if (test_and_set_bit(MMF_VM_HUGEPAGE, &mm->flags)) {
		spin_unlock(&khugepaged_mm_lock);
		free(slot);
		return;
	}
	list_add_tail(&slot->link, &khugepaged_slots);
	spin_unlock(&khugepaged_mm_lock);
}

/**
 * khugepaged_exit() - @mm is exiting: forget its slot (the scanner holds
 * a reference while it scans an mm, so it is not scanning this one).
 * Context: the last mmput(); takes khugepaged_mm_lock.
 */
void khugepaged_exit(struct mm_struct *mm)
{
	struct khugepaged_mm_slot *slot, *found = NULL;

	if (!test_bit(MMF_VM_HUGEPAGE, &mm->flags))
		return;
	spin_lock(&khugepaged_mm_lock);
	list_for_each_entry(slot, &khugepaged_slots, link)
		if (slot->mm == mm)
			found = slot;
	if (found == scan_slot)
		scan_slot = NULL;	/* the next pass starts again at the first */
	if (found)
		list_del(&found->link);
	spin_unlock(&khugepaged_mm_lock);
	free(found);
}

/* ------------------------------------------------------------------ */
/* Scanning one PMD range                                              */

/* What a range's PTEs hold (hpage_collapse_scan_pmd()). */
struct collapse_scan {
	unsigned int none, shared, referenced;
	bool ok;
};

/* Can @page be copied into a THP? (small, anonymous, not KSM) */
static bool collapse_page_ok(struct page *page)
{
	return !PageCompound(page) && PageAnon(page) && !PageKsm(page);
}

/* Judge the PTEs at @ptes. Context: their PTE lock held. */
static struct collapse_scan scan_ptes(pte_t *ptes)
{
	struct collapse_scan s = { .ok = true };

	for (unsigned int i = 0; i < HPAGE_PMD_NR && s.ok; i++) {
		pte_t pte = ptep_get(&ptes[i]);
		struct page *page;

		if (pte_none(pte) || (pte_present(pte) && pte_special(pte))) {
			if (++s.none > READ_ONCE(khugepaged_max_ptes_none)) {
				count_vm_event(THP_SCAN_EXCEED_NONE_PTE);
				s.ok = false;
			}
			continue;
		}
		page = pte_present(pte) ? vm_normal_page(pte) : NULL;
		if (!page || !collapse_page_ok(page)) {
			s.ok = false;
			continue;
		}
		if (page_mapcount(page) > 1 &&
		    ++s.shared > READ_ONCE(khugepaged_max_ptes_shared)) {
			count_vm_event(THP_SCAN_EXCEED_SHARED_PTE);
			s.ok = false;
		}
		s.referenced += pte_young(pte);
	}
	s.ok = s.ok && s.referenced;
	return s;
}

/* The PTE table under the PMD slot @pmdp, or NULL (none, huge, or a PMD
 * migration entry: a THP being migrated, skipped). */
static pte_t *pmd_pte_table(pmd_t *pmdp)
{
	pmd_t pmd = pmdp ? pmdp_get(pmdp) : __pmd(0);

	if (!pmd_present(pmd) || pmd_trans_huge(pmd))
		return NULL;
	return page_address(pfn_to_page(pmd_pfn(pmd)));
}

/* Should [haddr, haddr + 2 MiB) of @mm be collapsed? Context: mmap_lock held. */
static bool collapse_scan_pmd(struct mm_struct *mm, unsigned long haddr)
{
	pte_t *ptes = pmd_pte_table(pmd_off(mm, haddr));
	struct collapse_scan s;
	spinlock_t *ptl;

	if (!ptes)
		return false;
	ptl = pte_lockptr(ptes);
	spin_lock(ptl);
	s = scan_ptes(ptes);
	spin_unlock(ptl);
	return s.ok;
}

/* ------------------------------------------------------------------ */
/* Collapsing                                                          */

/* Give back the pages isolated for a collapse (none was released). */
static void collapse_putback(struct page **pages)
{
	for (unsigned int i = 0; i < HPAGE_PMD_NR; i++) {
		if (!pages[i])
			continue;
		unlock_page(pages[i]);
		folio_putback_lru(pages[i]);
	}
}

/*
 * Lock and isolate every page the PTEs map, no one else pinning any;
 * false (all given back) if the range no longer qualifies.
 * Context: the PTE lock held.
 */
static bool collapse_isolate(pte_t *ptes, struct page **pages)
{
	if (!scan_ptes(ptes).ok)
		return false;
	for (unsigned int i = 0; i < HPAGE_PMD_NR; i++) {
		pte_t pte = ptep_get(&ptes[i]);
		struct page *page = pte_present(pte) && !pte_special(pte) ? vm_normal_page(pte) : NULL;

		if (!page)
			continue;
		if (page_ref_count(page) != page_mapcount(page) || !trylock_page(page))
			goto fail;
		if (!folio_isolate_lru(page)) {
			unlock_page(page);
			goto fail;
		}
		pages[i] = page;
	}
	return true;
fail:
	collapse_putback(pages);
	return false;
}

/*
 * Copy the detached PTEs' pages into @folio (zeros for empty entries),
 * then release them: rmap, RSS, the mapping's and the isolation's
 * references. Context: the PTE lock held; the table is no longer in the
 * page tables and no CPU can use it.
 */
static void collapse_copy_release(struct mm_struct *mm, pte_t *ptes, struct page **pages,
				  struct page *folio)
{
	for (unsigned int i = 0; i < HPAGE_PMD_NR; i++) {
		void *dst = page_address(folio + i);
		pte_t pte = ptep_get_and_clear(&ptes[i]);

		if (!pages[i]) {
			memset(dst, 0, PAGE_SIZE);
			if (!pte_none(pte))
				ksm_might_unmap_zero_page(mm, pte);
			continue;
		}
		memcpy(dst, page_address(pages[i]), PAGE_SIZE);
		folio_remove_rmap_pte(pages[i]);
		add_mm_counter(mm, MM_ANONPAGES, -1);
		unlock_page(pages[i]);
		folio_putback_lru(pages[i]);
		put_page(pages[i]);	/* the mapping's */
	}
}

/* Map @folio by the PMD at @pmdp, the old table @table deposited. Context: PMD lock. */
static void collapse_map(struct vm_area_struct *vma, unsigned long haddr, pmd_t *pmdp,
			 struct page *folio, struct page *table)
{
	pmd_t pmd = pfn_pmd_huge(page_to_pfn(folio), vma->vm_flags & VM_WRITE);

	pgtable_trans_huge_deposit(vma->vm_mm, table);
	SetPageUptodate(folio);
	folio_add_new_anon_rmap_pmd(folio, vma, haddr);
	folio_add_lru(folio);
	add_mm_counter(vma->vm_mm, MM_ANONPAGES, HPAGE_PMD_NR);
	set_pmd(pmdp, __pmd(pmd_val(pmd) | _PAGE_ACCESSED | _PAGE_DIRTY));
	deferred_split_folio(folio, false);
}

/* Is @vma still one khugepaged may collapse [haddr, +2 MiB) of? */
static bool collapse_vma_ok(struct vm_area_struct *vma, unsigned long haddr)
{
	return vma && thp_vma_allowable(vma) && vma->anon_vma && haddr >= vma->vm_start &&
	       haddr + HPAGE_PMD_SIZE <= vma->vm_end;
}

/* The locked part of a collapse (collapse_huge_page()). Context: mmap_lock (write). */
static bool __collapse_huge_page(struct vm_area_struct *vma, unsigned long haddr,
				 struct page *folio)
{
	struct mm_struct *mm = vma->vm_mm;
	pmd_t *pmdp = pmd_off(mm, haddr);
	pte_t *ptes = pmd_pte_table(pmdp);
	struct page **pages;
	spinlock_t *ptl;
	bool ok;

	pages = ptes ? calloc(HPAGE_PMD_NR, sizeof(*pages)) : NULL;
	if (!pages)
		return false;
	down_write(&vma->anon_vma->root->rwsem);
	ptl = pte_lockptr(ptes);
	spin_lock(ptl);
	ok = collapse_isolate(ptes, pages);
	if (ok) {
		__atomic_store_n(&pmdp->val, 0, __ATOMIC_SEQ_CST);	/* pmdp_collapse_flush() */
		flush_tlb_wait();
		collapse_copy_release(mm, ptes, pages, folio);
	}
	spin_unlock(ptl);
	if (ok) {
		spin_lock(&mm->page_table_lock);
		collapse_map(vma, haddr, pmdp, folio, pte_table_page(ptes));
		spin_unlock(&mm->page_table_lock);
	}
	up_write(&vma->anon_vma->root->rwsem);
	free(pages);
	return ok;
}

/*
 * Collapse [haddr, +2 MiB) of @mm into a new THP. Drops the mmap_lock the
 * caller holds for read. Return: false if no THP could be allocated.
 */
static bool collapse_huge_page(struct mm_struct *mm, unsigned long haddr)
{
	gfp_t gfp = thp_flag(TRANSPARENT_HUGEPAGE_DEFRAG_KHUGEPAGED_FLAG) ? GFP_TRANSHUGE
									   : GFP_TRANSHUGE_LIGHT;
	struct page *folio;
	bool done;

	mmap_read_unlock(mm);
	folio = alloc_pages(gfp, HPAGE_PMD_ORDER);
	if (!folio) {
		count_vm_event(THP_COLLAPSE_ALLOC_FAILED);
		return false;
	}
	count_vm_event(THP_COLLAPSE_ALLOC);
	mmap_write_lock(mm);
	done = collapse_vma_ok(find_vma(mm, haddr), haddr) &&
	       __collapse_huge_page(find_vma(mm, haddr), haddr, folio);
	mmap_write_unlock(mm);
	if (!done)
		put_page(folio);
	else
		__atomic_fetch_add(&khugepaged_pages_collapsed, 1, __ATOMIC_RELAXED);
	return true;
}

/* ------------------------------------------------------------------ */
/* Scanning mms                                                        */

/*
 * Scan @mm from scan_address for up to @pages pages; scan_address ends at
 * ULONG_MAX when the mm is done. *@stop is set when an allocation failed.
 * Return: the pages scanned.
 */
static unsigned int scan_mm(struct mm_struct *mm, unsigned int pages, bool *stop)
{
	struct vm_area_struct *vma;
	unsigned int progress = 0;

	mmap_read_lock(mm);
	for (vma = find_vma_from(mm, scan_address); vma; vma = vma_next(mm, vma)) {
		unsigned long haddr = ALIGN(max(vma->vm_start, scan_address), HPAGE_PMD_SIZE);

		for (; thp_vma_allowable(vma) && haddr + HPAGE_PMD_SIZE <= vma->vm_end;
		     haddr += HPAGE_PMD_SIZE) {
			if (progress >= pages)
				goto out;
			progress += HPAGE_PMD_NR;
			scan_address = haddr + HPAGE_PMD_SIZE;
			if (collapse_scan_pmd(mm, haddr)) {
				*stop = !collapse_huge_page(mm, haddr);
				return progress;	/* the mmap_lock was dropped */
			}
		}
	}
	scan_address = ULONG_MAX;
out:
	mmap_read_unlock(mm);
	return progress;
}

/* Move the cursor to the next slot; a wrap completes a full scan. */
static void advance_slot(struct khugepaged_mm_slot *slot)
{
	lockdep_assert_held(&khugepaged_mm_lock);
	if (scan_slot != slot)
		return;		/* it exited meanwhile */
	if (slot->link.next == &khugepaged_slots) {
		scan_slot = NULL;
		__atomic_fetch_add(&khugepaged_full_scans, 1, __ATOMIC_RELAXED);
	} else {
		scan_slot = list_entry(slot->link.next, struct khugepaged_mm_slot, link);
	}
	scan_address = 0;
}

/* One step of a pass over the cursor's mm; returns the pages scanned (0: no mm). */
static unsigned int scan_mm_slot(unsigned int pages, bool *stop)
{
	struct khugepaged_mm_slot *slot;
	struct mm_struct *mm = NULL;
	unsigned int progress = 0;

	spin_lock(&khugepaged_mm_lock);
	if (!scan_slot && !list_empty(&khugepaged_slots)) {
		scan_slot = list_first_entry(&khugepaged_slots, struct khugepaged_mm_slot, link);
		scan_address = 0;
	}
	slot = scan_slot;
	if (slot && mmget_not_zero(slot->mm))
		mm = slot->mm;
	spin_unlock(&khugepaged_mm_lock);
	if (!slot)
		return 0;
	if (mm)
		progress = scan_mm(mm, pages, stop);
	spin_lock(&khugepaged_mm_lock);
	if (!mm || scan_address == ULONG_MAX)
		advance_slot(slot);
	spin_unlock(&khugepaged_mm_lock);
	if (mm)
		mmput(mm);
	return max(progress, 1U);
}

/* One pass: pages_to_scan pages, or until no mm is registered. */
static void khugepaged_do_scan(void)
{
	unsigned int pages = READ_ONCE(khugepaged_pages_to_scan), progress = 0;
	bool stop = false;

	while (progress < pages && !stop) {
		unsigned int n = scan_mm_slot(pages - progress, &stop);

		if (!n)
			break;
		progress += n;
	}
}

/* ------------------------------------------------------------------ */
/* The thread                                                          */

static void *khugepaged_thread(void *arg)
{
	pthread_mutex_lock(&kd.lock);
	while (!kd.stop) {
		struct timespec until;
		unsigned long ms = READ_ONCE(khugepaged_scan_sleep_millisecs);

		pthread_mutex_unlock(&kd.lock);
		khugepaged_do_scan();
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += ms / 1000 + (until.tv_nsec + (ms % 1000) * 1000000) / 1000000000;
		until.tv_nsec = (until.tv_nsec + (ms % 1000) * 1000000) % 1000000000;
		pthread_mutex_lock(&kd.lock);
		while (!kd.stop && !kd.wake &&
		       !pthread_cond_timedwait(&kd.wait, &kd.lock, &until))
			;
		kd.wake = false;
	}
	pthread_mutex_unlock(&kd.lock);
	return arg;
}

/**
 * khugepaged_init() - an empty slot list, and the thread unless
 * @deterministic (then khugepaged_step() runs its passes).
 * Context: machine boot. Return: 0 or a pthread error (negative).
 */
int khugepaged_init(bool deterministic)
{
	spin_lock_init(&khugepaged_mm_lock, LOCK_CLASS_KHUGEPAGED_MM);
	scan_slot = NULL;
	kd.stop = false;
	kd.wake = false;
	kd.carry_ms = 0;
	kd.threaded = !deterministic;
	if (kd.threaded && pthread_create(&kd.thread, NULL, khugepaged_thread, NULL)) {
		spin_lock_destroy(&khugepaged_mm_lock);
		return -EAGAIN;
	}
	return 0;
}

/**
 * khugepaged_wakeup() - end the thread's sleep now: it scans, then sleeps
 * scan_sleep_millisecs again (a write of that knob does this, as in Linux).
 * Context: any; takes the thread's leaf lock.
 */
void khugepaged_wakeup(void)
{
	pthread_mutex_lock(&kd.lock);
	kd.wake = true;
	pthread_cond_broadcast(&kd.wait);
	pthread_mutex_unlock(&kd.lock);
}

/**
 * khugepaged_stop() - stop the thread, so the machine is quiescent for a
 * final check; a second call does nothing.
 * Context: no locks held; waits for a pass in progress.
 */
void khugepaged_stop(void)
{
	bool join;

	pthread_mutex_lock(&kd.lock);
	join = kd.threaded && !kd.stop;
	kd.stop = true;
	pthread_cond_broadcast(&kd.wait);
	pthread_mutex_unlock(&kd.lock);
	if (join)
		pthread_join(kd.thread, NULL);
}

/**
 * khugepaged_run() - start the thread again after khugepaged_stop(), as
 * the kernel's start_stop_khugepaged() does when THPs are enabled again:
 * a caller stops the daemon for a quiescent check and resumes it. Does
 * nothing in deterministic mode or while the thread runs.
 * Context: no locks held; the caller is the one that stopped it.
 * Return: 0 or -EAGAIN (the thread stays stopped).
 */
int khugepaged_run(void)
{
	int err = 0;

	pthread_mutex_lock(&kd.lock);
	if (kd.threaded && kd.stop) {
		kd.stop = false;
		kd.wake = false;
		if (pthread_create(&kd.thread, NULL, khugepaged_thread, NULL)) {
			kd.stop = true;
			err = -EAGAIN;
		}
	}
	pthread_mutex_unlock(&kd.lock);
	return err;
}

/**
 * khugepaged_shutdown() - stop the thread and drop the slot list (empty:
 * every process has exited).
 * Context: machine shutdown.
 */
void khugepaged_shutdown(void)
{
	khugepaged_stop();
	BUG_ON(!list_empty(&khugepaged_slots));
	spin_lock_destroy(&khugepaged_mm_lock);
}

/**
 * khugepaged_step() - deterministic mode: @elapsed_ms of virtual time
 * pass; a pass runs for every scan_sleep_millisecs of them (at most one
 * per step when the sleep is 0).
 * Context: the scenario runner, between commands; may sleep.
 */
void khugepaged_step(unsigned long elapsed_ms)
{
	unsigned long sleep = READ_ONCE(khugepaged_scan_sleep_millisecs);

	if (kd.threaded || kd.stop)
		return;
	kd.carry_ms += elapsed_ms;
	if (!sleep) {
		khugepaged_do_scan();
		kd.carry_ms = 0;
		return;
	}
	for (; kd.carry_ms >= sleep; kd.carry_ms -= sleep)
		khugepaged_do_scan();
}
