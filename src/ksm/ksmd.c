/* SPDX-License-Identifier: MIT */
/*
 * ksmd.c - the KSM daemon (mm/ksm.c: ksm_scan_thread, ksm_do_scan,
 * scan_get_next_rmap_item): a cursor walks the registered mms, and in each
 * the present anonymous pages of its mergeable VMAs, pages_to_scan pages
 * per wake-up, then ksmd sleeps sleep_millisecs. Each page seen gets an
 * rmap_item (kept sorted by address per mm: items of pages gone since are
 * freed as the cursor passes them) and goes to cmp_and_merge_page(). A
 * full scan ends when the cursor has been through every mm; the unstable
 * tree is emptied then and full_scans counts it.
 *
 * Smart scan skips pages that have failed to merge for several visits
 * (more and more often, up to 7 visits in 8); the scan-time advisor, when
 * chosen, retunes pages_to_scan at the end of each full scan so that a
 * full scan takes advisor_target_scan_time seconds.
 *
 * ksmd is a real thread ("ksmd") except in deterministic mode, where
 * ksmd_step() runs the wake-ups that fall in a span of virtual time on
 * the caller's thread, ksmd_scan_once() runs one, and
 * ksm_wait_full_scans() runs them until the scans are done.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <time.h>
#include "ksm/ksm_internal.h"

#define DEFAULT_PAGES_TO_SCAN	100
#define KSM_ADVISOR_MIN_CPU	10
#define EWMA_WEIGHT		30

unsigned int ksm_thread_pages_to_scan;
unsigned int ksm_thread_sleep_millisecs;
bool ksm_smart_scan;
unsigned long ksm_pages_scanned;
unsigned long ksm_pages_skipped;
enum ksm_advisor_type ksm_advisor;
unsigned int ksm_advisor_max_cpu;
unsigned long ksm_advisor_min_pages_to_scan;
unsigned long ksm_advisor_max_pages_to_scan;
unsigned long ksm_advisor_target_scan_time;

/*
 * struct advisor_ctx - the scan-time advisor's memory.
 * @start_scan: when the current full scan started (ms).
 * @scan_time:  how long the previous one took (s).
 * @change:     the smoothed change of pages_to_scan (percent).
 * @cpu_time:   the scanning thread's CPU time at the previous scan end (ns).
 */
static struct advisor_ctx {
	unsigned long start_scan;
	unsigned long scan_time;
	unsigned long change;
	unsigned long long cpu_time;
} advisor_ctx;

/* ksmd's thread and its sleeps; lock is a leaf, held only to wait or wake. */
static struct {
	pthread_t thread;
	bool threaded;
	bool stop;
	pthread_mutex_t lock;
	pthread_cond_t wait;		/* ksmd sleeps here */
	pthread_cond_t scan_done;	/* ksm_wait_full_scans() sleeps here */
	unsigned long carry_ms;		/* deterministic: virtual time since the last batch */
} ksmd;

/* ------------------------------------------------------------------ */
/* The advisor                                                         */

/**
 * set_advisor_defaults() - the advisor changed: pages_to_scan starts over
 * (100 without an advisor, advisor_min_pages_to_scan with scan-time).
 * Context: a knob write.
 */
void set_advisor_defaults(void)
{
	if (READ_ONCE(ksm_advisor) == KSM_ADVISOR_NONE) {
		WRITE_ONCE(ksm_thread_pages_to_scan, DEFAULT_PAGES_TO_SCAN);
	} else {
		advisor_ctx = (struct advisor_ctx){ 0 };
		WRITE_ONCE(ksm_thread_pages_to_scan, READ_ONCE(ksm_advisor_min_pages_to_scan));
	}
}

static void advisor_start_scan(void)
{
	if (READ_ONCE(ksm_advisor) == KSM_ADVISOR_SCAN_TIME)
		advisor_ctx.start_scan = ksm_now_ms();
}

/* CPU time of the scanning thread (ns); deterministic mode: none is spent. */
static unsigned long long ksm_cpu_time_ns(void)
{
	struct timespec ts;

	if (ksm_deterministic)
		return 0;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static unsigned long ewma(unsigned long prev, unsigned long curr)
{
	return ((100 - EWMA_WEIGHT) * prev + EWMA_WEIGHT * curr) / 100;
}

/*
 * scan_time_advisor() - new pages_to_scan = pages_to_scan * scan_time /
 * target_scan_time, times the smoothed change of the scan time, bounded
 * by the CPU share it would cost (between 10% and advisor_max_cpu) and by
 * advisor_max_pages_to_scan. Times come from KSM's clock (virtual in
 * deterministic mode, where the CPU time counts as none: 1%).
 */
static void scan_time_advisor(void)
{
	unsigned long scan_time = (ksm_now_ms() - advisor_ctx.start_scan) / 1000;
	unsigned long long cpu_time = ksm_cpu_time_ns();
	unsigned long cpu_time_diff_ms, cpu_percent, last_scan_time, factor, change, pages;
	unsigned long per_page_cost, pages_to_scan = READ_ONCE(ksm_thread_pages_to_scan);

	scan_time = scan_time ? scan_time : 1;
	cpu_time_diff_ms = cpu_time > advisor_ctx.cpu_time ?
			   (cpu_time - advisor_ctx.cpu_time) / 1000000 : 0;
	cpu_percent = cpu_time_diff_ms * 100 / (scan_time * 1000);
	cpu_percent = cpu_percent ? cpu_percent : 1;
	last_scan_time = advisor_ctx.scan_time ? advisor_ctx.scan_time : scan_time;

	factor = READ_ONCE(ksm_advisor_target_scan_time) * 100 / scan_time;
	factor = factor ? factor : 1;
	change = scan_time * 100 / last_scan_time;
	change = change ? change : 1;
	change = ewma(advisor_ctx.change, change);

	pages = pages_to_scan * 100 / factor;
	pages = pages * change / 100;
	per_page_cost = pages_to_scan / cpu_percent;
	per_page_cost = per_page_cost ? per_page_cost : 1;
	pages = min(pages, per_page_cost * READ_ONCE(ksm_advisor_max_cpu));
	pages = max(pages, per_page_cost * KSM_ADVISOR_MIN_CPU);
	pages = min(pages, READ_ONCE(ksm_advisor_max_pages_to_scan));

	advisor_ctx.change = change;
	advisor_ctx.scan_time = scan_time;
	advisor_ctx.cpu_time = cpu_time;
	WRITE_ONCE(ksm_thread_pages_to_scan, pages);
	trace_event("ksm_advisor", "ksm scan time %lld pages_to_scan %lu cpu percent %u",
		    (long long)scan_time, pages, (unsigned int)cpu_percent);
}

/**
 * ksm_end_full_scan() - the cursor came back to the head of the list: the
 * advisor retunes, the scan is counted, the unstable tree is dropped (its
 * items, stamped with the old scan number, are only uncounted when next
 * visited; the kernel drops the tree when the next scan starts, which no
 * one can tell apart), and whoever waits for full scans is woken.
 * Context: ksm_thread_mutex held.
 */
void ksm_end_full_scan(void)
{
	if (READ_ONCE(ksm_advisor) == KSM_ADVISOR_SCAN_TIME)
		scan_time_advisor();
	trace_event("ksm_stop_scan", "seq %d rmap size %d", (int)ksm_scan.seqnr,
		    (int)READ_ONCE(ksm_rmap_items));
	root_unstable_tree = RB_ROOT;
	__atomic_store_n(&ksm_scan.seqnr, ksm_scan.seqnr + 1, __ATOMIC_RELEASE);
	ksmd_scan_done();
}

/* ------------------------------------------------------------------ */
/* The scan                                                            */

/*
 * The rmap_item for @addr of @slot's mm, at *@rmap_list or new there;
 * items of addresses below @addr met on the way are stale and freed.
 */
static struct ksm_rmap_item *get_next_rmap_item(struct ksm_mm_slot *slot,
						struct ksm_rmap_item **rmap_list,
						unsigned long addr)
{
	struct ksm_rmap_item *rmap_item;

	while (*rmap_list) {
		rmap_item = *rmap_list;
		if ((rmap_item->address & PAGE_MASK) == addr)
			return rmap_item;
		if (rmap_item->address > addr)
			break;
		*rmap_list = rmap_item->rmap_list;
		remove_rmap_item_from_tree(rmap_item);
		free_rmap_item(rmap_item);
	}
	rmap_item = calloc(1, sizeof(*rmap_item));
	if (!rmap_item)
		return NULL;
	ksm_count(&ksm_rmap_items, 1);
	rmap_item->mm = slot->mm;
	mm_count(&slot->mm->ksm_rmap_items, 1);
	rmap_item->address = addr;
	rmap_item->rmap_list = *rmap_list;
	*rmap_list = rmap_item;
	return rmap_item;
}

/* How many visits an item of @age that failed to merge may skip next. */
static unsigned int skip_age(rmap_age_t age)
{
	if (age <= 3)
		return 1;
	if (age <= 5)
		return 2;
	if (age <= 8)
		return 4;
	return 8;
}

/*
 * should_skip_rmap_item() - smart scan: a page visited three times or
 * more without merging is skipped on some visits (counted in
 * pages_skipped); KSM pages never are.
 */
static bool should_skip_rmap_item(struct page *page, struct ksm_rmap_item *rmap_item)
{
	rmap_age_t age;

	if (!READ_ONCE(ksm_smart_scan) || PageKsm(page_folio(page)))
		return false;
	age = rmap_item->age;
	if (age != UINT8_MAX)
		rmap_item->age++;
	if (age < 3)
		return false;
	if (!rmap_item->remaining_skips) {
		rmap_item->remaining_skips = skip_age(age);
		return false;
	}
	ksm_count(&ksm_pages_skipped, 1);
	rmap_item->remaining_skips--;
	remove_rmap_item_from_tree(rmap_item);
	return true;
}

/**
 * ksm_follow_huge_pmd() - the page a huge PMD maps at @addr of @mm, as
 * 6.18's ksm_next_page_pmd_entry() and folio_walk_start() find it: the
 * THP's page for that address, with a reference on the folio.
 * @pagep: the page, or NULL for the huge zero page (vm_normal_page_pmd()
 *         has none) or a folio that is not anonymous.
 * Context: @mm's mmap_lock held; takes the PMD lock (mm->page_table_lock).
 * Return: true if a huge PMD maps @addr; false if its PMD is a table, is
 * empty or is not present (a PMD migration entry: skipped, as Linux's
 * walk skips it), so that the PTEs are looked at, if any.
 */
bool ksm_follow_huge_pmd(struct mm_struct *mm, unsigned long addr, struct page **pagep)
{
	pmd_t *pmdp = pmd_off(mm, addr);
	struct page *page = NULL;
	bool huge;
	pmd_t pmd;

	if (!pmdp || !pmd_trans_huge(pmdp_get(pmdp)))
		return false;
	spin_lock(&mm->page_table_lock);
	pmd = pmdp_get(pmdp);
	huge = pmd_trans_huge(pmd);	/* not split meanwhile */
	if (huge && !pmd_special(pmd)) {
		page = pfn_to_page(pmd_pfn(pmd));
		if (PageAnon(page)) {
			get_page(page);
			page += pte_index(addr);
		} else {
			page = NULL;
		}
	}
	spin_unlock(&mm->page_table_lock);
	*pagep = page;
	return huge;
}

/*
 * The next present anonymous page (KSM pages and pages of THPs included)
 * mapped in [*@addrp, @end) of @vma, with a reference on its folio;
 * *@addrp becomes its address, or @end if there is none (a page-table
 * walk, as 6.18's ksm_next_page_pmd_entry(): a huge PMD gives the THP's
 * page at the address, the huge zero page nothing). Context: mmap_lock held.
 */
static struct page *ksm_next_page(struct vm_area_struct *vma, unsigned long *addrp,
				  unsigned long end)
{
	unsigned long addr = *addrp;
	struct page *huge_page;

	while (addr < end) {
		unsigned long next = min((addr & PMD_MASK) + PMD_SIZE, end);
		spinlock_t *ptl;
		pte_t *ptep;

		if (ksm_follow_huge_pmd(vma->vm_mm, addr, &huge_page)) {
			if (huge_page) {
				*addrp = addr;
				return huge_page;
			}
			addr = next;
			continue;
		}
		ptep = pte_offset_map_lock(vma->vm_mm, addr, &ptl);
		if (!ptep) {
			addr = next;
			continue;
		}
		for (; addr < next; addr += PAGE_SIZE, ptep++) {
			pte_t pte = ptep_get(ptep);
			struct page *page = pte_present(pte) ? vm_normal_page(pte) : NULL;

			if (!page || !PageAnon(page_folio(page)))
				continue;
			get_page(page);
			spin_unlock(ptl);
			*addrp = addr;
			return page;
		}
		spin_unlock(ptl);
	}
	*addrp = end;
	return NULL;
}

/*
 * The next page of the current mm from the cursor on: its rmap_item, and
 * the page referenced in *@page. NULL at the end of this mm, or with
 * *@nomem set if no rmap_item could be allocated (the cursor stays on the
 * page). Context: the mm's mmap_lock held.
 */
static struct ksm_rmap_item *scan_mm(struct ksm_mm_slot *slot, struct page **page, bool *nomem)
{
	struct mm_struct *mm = slot->mm;
	struct vm_area_struct *vma;

	for (vma = find_vma_from(mm, ksm_scan.address); vma; vma = vma_next(mm, vma)) {
		if (!(vma->vm_flags & VM_MERGEABLE))
			continue;
		if (ksm_scan.address < vma->vm_start)
			ksm_scan.address = vma->vm_start;
		if (!READ_ONCE(vma->anon_vma))
			ksm_scan.address = vma->vm_end;
		while (ksm_scan.address < vma->vm_end) {
			struct page *tmp = ksm_next_page(vma, &ksm_scan.address, vma->vm_end);
			struct ksm_rmap_item *rmap_item;

			if (!tmp)
				break;
			rmap_item = get_next_rmap_item(slot, ksm_scan.rmap_list, ksm_scan.address);
			if (!rmap_item) {
				put_page(tmp);
				*nomem = true;
				return NULL;
			}
			ksm_scan.rmap_list = &rmap_item->rmap_list;
			ksm_scan.address += PAGE_SIZE;
			if (should_skip_rmap_item(tmp, rmap_item)) {
				put_page(tmp);
				continue;
			}
			*page = tmp;
			return rmap_item;
		}
	}
	return NULL;
}

/*
 * The current mm is done: drop the rmap_items past the cursor (their pages
 * are gone), move the cursor on, and forget the mm if it has no mergeable
 * VMA left (it keeps MMF_VM_MERGE_ANY: a new VMA registers it again).
 * Context: the mm's mmap_lock held; released here.
 */
static void scan_mm_done(struct ksm_mm_slot *slot)
{
	struct mm_struct *mm = slot->mm;
	bool forget = !ksm_scan.address;

	remove_trailing_rmap_items(ksm_scan.rmap_list);
	spin_lock(&ksm_mmlist_lock);
	ksm_scan_advance_slot(slot);
	if (forget)
		ksm_slot_unhash(slot);
	spin_unlock(&ksm_mmlist_lock);
	if (forget) {
		free(slot);
		clear_bit(MMF_VM_MERGEABLE, &mm->flags);
	}
	mmap_read_unlock(mm);
}

/*
 * scan_get_next_rmap_item() - the next page to look at, from the cursor
 * on: its rmap_item, with the page referenced in *@page. NULL when a full
 * scan has just ended (or there is nothing to scan).
 */
static struct ksm_rmap_item *scan_get_next_rmap_item(struct page **page)
{
	struct ksm_mm_slot *slot;
	struct ksm_rmap_item *rmap_item;

	if (!__atomic_load_n(&ksm_nr_mm_slots, __ATOMIC_RELAXED))
		return NULL;
	if (ksm_scan.mm_slot == &ksm_mm_head) {
		advisor_start_scan();
		trace_event("ksm_start_scan", "seq %d rmap size %d", (int)ksm_scan.seqnr,
			    (int)READ_ONCE(ksm_rmap_items));
		root_unstable_tree = RB_ROOT;
		spin_lock(&ksm_mmlist_lock);
		ksm_scan_advance_slot(&ksm_mm_head);
		spin_unlock(&ksm_mmlist_lock);
		if (ksm_scan.mm_slot == &ksm_mm_head)
			return NULL;	/* the last mm exited meanwhile */
	}
	while ((slot = ksm_scan.mm_slot) != &ksm_mm_head) {
		bool nomem = false;

		mmap_read_lock(slot->mm);
		rmap_item = scan_mm(slot, page, &nomem);
		if (rmap_item || nomem) {
			mmap_read_unlock(slot->mm);
			return rmap_item;	/* NULL: no memory, the next batch retries */
		}
		scan_mm_done(slot);
	}
	ksm_end_full_scan();
	return NULL;
}

/*
 * ksm_do_scan() - one batch: up to @scan_npages pages, stopping early at
 * the end of a full scan.
 */
static void ksm_do_scan(unsigned int scan_npages)
{
	struct ksm_rmap_item *rmap_item;
	struct page *page;

	while (scan_npages--) {
		rmap_item = scan_get_next_rmap_item(&page);
		if (!rmap_item)
			return;
		cmp_and_merge_page(page, rmap_item);
		put_page(page);
		ksm_count(&ksm_pages_scanned, 1);
	}
}

static bool ksmd_should_run(void)
{
	return (READ_ONCE(ksm_run) & KSM_RUN_MERGE) &&
	       __atomic_load_n(&ksm_nr_mm_slots, __ATOMIC_RELAXED);
}

/* One wake-up of ksmd's thread: a batch if it should run. */
static void ksmd_batch(void)
{
	mutex_lock(&ksm_thread_mutex);
	if (ksmd_should_run())
		ksm_do_scan(READ_ONCE(ksm_thread_pages_to_scan));
	mutex_unlock(&ksm_thread_mutex);
}

/* ------------------------------------------------------------------ */
/* The thread and its deterministic stand-ins                          */

static void deadline_in(struct timespec *ts, unsigned long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	ts->tv_sec += ts->tv_nsec / 1000000000L;
	ts->tv_nsec %= 1000000000L;
}

/*
 * Sleep sleep_millisecs (woken early if it changes) when there is work,
 * else until there is. Return: false when ksmd must stop.
 */
static bool ksmd_sleep(void)
{
	unsigned int sleep_ms = READ_ONCE(ksm_thread_sleep_millisecs);
	struct timespec deadline;

	while (ksm_thread_mutex_contended() && !READ_ONCE(ksmd.stop))
		sched_yield();
	pthread_mutex_lock(&ksmd.lock);
	if (ksmd_should_run()) {
		deadline_in(&deadline, sleep_ms);
		while (!ksmd.stop && sleep_ms == READ_ONCE(ksm_thread_sleep_millisecs) &&
		       pthread_cond_timedwait(&ksmd.wait, &ksmd.lock, &deadline) == 0)
			;
	} else {
		while (!ksmd.stop && !ksmd_should_run())
			pthread_cond_wait(&ksmd.wait, &ksmd.lock);
	}
	pthread_mutex_unlock(&ksmd.lock);
	return !READ_ONCE(ksmd.stop);
}

static void *ksm_scan_thread(void *arg)
{
	do {
		ksmd_batch();
	} while (ksmd_sleep());
	return NULL;
}

/**
 * ksmd_wakeup() - there may be work (an mm registered, run or
 * sleep_millisecs written): wake ksmd if it sleeps.
 * Context: any; takes ksmd's leaf lock.
 */
void ksmd_wakeup(void)
{
	pthread_mutex_lock(&ksmd.lock);
	pthread_cond_broadcast(&ksmd.wait);
	pthread_mutex_unlock(&ksmd.lock);
}

/** ksmd_scan_done() - a full scan ended: wake ksm_wait_full_scans(). */
void ksmd_scan_done(void)
{
	pthread_mutex_lock(&ksmd.lock);
	pthread_cond_broadcast(&ksmd.scan_done);
	pthread_mutex_unlock(&ksmd.lock);
}

/**
 * ksmd_start() - set up ksmd; start its thread if @threaded.
 * Context: ksm_init(). Return: 0 or -EAGAIN.
 */
int ksmd_start(bool threaded)
{
	advisor_ctx = (struct advisor_ctx){ 0 };
	pthread_mutex_init(&ksmd.lock, NULL);
	pthread_cond_init(&ksmd.wait, NULL);
	pthread_cond_init(&ksmd.scan_done, NULL);
	ksmd.stop = false;
	ksmd.carry_ms = 0;
	ksmd.threaded = threaded;
	if (threaded && pthread_create(&ksmd.thread, NULL, ksm_scan_thread, NULL)) {
		pthread_cond_destroy(&ksmd.scan_done);
		pthread_cond_destroy(&ksmd.wait);
		pthread_mutex_destroy(&ksmd.lock);
		return -EAGAIN;
	}
	return 0;
}

/** ksmd_stop() - stop ksmd's thread after its current batch. */
void ksmd_stop(void)
{
	if (ksmd.threaded) {
		pthread_mutex_lock(&ksmd.lock);
		WRITE_ONCE(ksmd.stop, true);
		pthread_cond_broadcast(&ksmd.wait);
		pthread_mutex_unlock(&ksmd.lock);
		pthread_join(ksmd.thread, NULL);
	}
	pthread_cond_destroy(&ksmd.scan_done);
	pthread_cond_destroy(&ksmd.wait);
	pthread_mutex_destroy(&ksmd.lock);
}

/**
 * ksmd_scan_once() - do one wake-up of ksmd now, on the caller's thread:
 * scan up to pages_to_scan pages if run is 1 and an mm is registered.
 * No virtual time passes. Works in either mode.
 * Context: no lock held; may sleep.
 * Return: 0, or -EAGAIN when ksmd would not run (run is not 1 or no mm is
 * registered).
 */
int ksmd_scan_once(void)
{
	if (!ksmd_should_run())
		return -EAGAIN;
	ksm_thread_lock();
	if (ksmd_should_run())
		ksm_do_scan(READ_ONCE(ksm_thread_pages_to_scan));
	ksm_thread_unlock();
	return 0;
}

/* Deterministic mode: each batch is followed by max(sleep_millisecs, 1) ms. */
static unsigned long batch_period_ms(void)
{
	return max(READ_ONCE(ksm_thread_sleep_millisecs), 1U);
}

/**
 * ksmd_step() - deterministic mode: @elapsed_ms of virtual time pass, and
 * ksmd does the batches that fall in them: one at the end of every
 * sleep_millisecs (at least every millisecond: a deviation for
 * sleep_millisecs=0, where the kernel's ksmd scans back to back). While
 * ksmd has nothing to do, time just passes. Nothing in threaded mode.
 * Context: the caller's thread, holding no lock; may sleep.
 */
void ksmd_step(unsigned long elapsed_ms)
{
	if (ksmd.threaded)
		return;
	while (elapsed_ms) {
		unsigned long period = batch_period_ms(), need;

		if (!ksmd_should_run()) {
			ksm_advance_virtual_clock(elapsed_ms);
			ksmd.carry_ms = 0;
			return;
		}
		need = period - min(ksmd.carry_ms, period);
		if (elapsed_ms < need) {
			ksm_advance_virtual_clock(elapsed_ms);
			ksmd.carry_ms += elapsed_ms;
			return;
		}
		ksm_advance_virtual_clock(need);
		elapsed_ms -= need;
		ksmd.carry_ms = 0;
		ksmd_scan_once();
	}
}

static unsigned long full_scans(void)
{
	return __atomic_load_n(&ksm_scan.seqnr, __ATOMIC_ACQUIRE);
}

/* Threaded mode: sleep until full_scans reaches @target or @timeout_ms pass. */
static int wait_for_ksmd(unsigned long target, unsigned long timeout_ms)
{
	struct timespec deadline;
	int err = 0;

	deadline_in(&deadline, timeout_ms);
	pthread_mutex_lock(&ksmd.lock);
	while (full_scans() < target && !err)
		err = pthread_cond_timedwait(&ksmd.scan_done, &ksmd.lock, &deadline);
	pthread_mutex_unlock(&ksmd.lock);
	return full_scans() >= target ? 0 : -ETIMEDOUT;
}

/**
 * ksm_wait_full_scans() - wait until full_scans has grown by @nr, as the
 * kernel's KSM selftests do after starting ksmd (they wait for 2). In
 * deterministic mode ksmd's batches run here, each followed by its sleep
 * on the virtual clock, until the scans are done or @timeout_ms of
 * virtual time have passed; if ksmd would not run at all (run is not 1, no
 * mm is registered, pages_to_scan is 0), the timeout passes at once.
 * @timeout_ms: 0 means KSM_WAIT_DEFAULT_TIMEOUT_MS.
 * Context: no lock held; may sleep.
 * Return: 0, or -ETIMEDOUT.
 */
int ksm_wait_full_scans(unsigned long nr, unsigned long timeout_ms)
{
	unsigned long target = full_scans() + nr, waited = 0;

	if (!timeout_ms)
		timeout_ms = KSM_WAIT_DEFAULT_TIMEOUT_MS;
	if (ksmd.threaded)
		return wait_for_ksmd(target, timeout_ms);
	while (full_scans() < target) {
		if (!ksmd_should_run() || !READ_ONCE(ksm_thread_pages_to_scan)) {
			ksm_advance_virtual_clock(timeout_ms - waited);
			return -ETIMEDOUT;
		}
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		ksmd_scan_once();
		ksm_advance_virtual_clock(batch_period_ms());
		waited += batch_period_ms();
	}
	return 0;
}
