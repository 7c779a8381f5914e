/* SPDX-License-Identifier: MIT */
/*
 * stress_thp.c - seeded multi-threaded huge-page stress: THP faults, PMD
 * and folio splits, fork and copy-on-write of huge PMDs, migration,
 * compaction, khugepaged and the hugetlb pool, all at once.
 *
 * A 256 MiB (128 MiB under sanitizers), 4-cpu machine with kcompactd
 * (proactive compaction on) and
 * khugepaged (scan_sleep_millisecs short, pages_to_scan 4096) running as
 * threads, and THPs on (enabled=madvise or always, from round to round),
 * runs a pool of 2..8 processes while these threads, bound round-robin to
 * the cpus, race for a few seconds:
 *
 *   owners     pick a process nobody else operates (its mutex, trylocked)
 *              and mmap a region: 2..6 MiB (2 MiB-aligned) madvised
 *              MADV_HUGEPAGE, an odd-sized one, or a hugetlb one (2 or 4
 *              MiB, while the pool has pages); write runs of pages, or a
 *              few pages in each 2 MiB of a region (the first touch faults
 *              a THP), read them back, MADV_DONTNEED part of a region (a
 *              PMD split, the folio on the deferred split queue; whole huge
 *              pages of a hugetlb region), munmap a region or its head or
 *              tail (a VMA split inside a huge PMD), MADV_HUGEPAGE /
 *              MADV_NOHUGEPAGE part of one, fork (huge PMDs and hugetlb
 *              pages shared; later writes copy), exit, split the THP
 *              mapped at an address with split_huge_page() (its reference
 *              and lock taken as the deferred split shrinker does),
 *              rewrite a 2 MiB chunk as 512 small pages (MADV_NOHUGEPAGE
 *              while written, then MADV_HUGEPAGE: khugepaged collapses it),
 *              and move_pages() their own pages.
 *   racers     take a reference on a random live process (mmget under the
 *              pool lock) and move_pages_range() all or part of one of its
 *              VMAs, or split_huge_page() the THP at a random address of
 *              it; every status must be 0, -EFAULT, -ENOENT or -EBUSY, and
 *              a split 0, -EAGAIN or -EBUSY.
 *   compactor  compact_node() now and then, vm.drop_caches=2 (the
 *              deferred split shrinker), vm.nr_hugepages grown and shrunk
 *              anywhere in 0..MAX_POOL (pages in use become surplus), and
 *              refragments a window of the ballast: a process of its own
 *              that holds all free memory but BALLAST_SPARE at the start,
 *              half of it in 64 KiB holes, so that THP faults and the
 *              pool's growth need compaction (and defrag matters).
 *   knobber    moves the THP knobs: defrag (always, defer, defer+madvise,
 *              madvise, never), khugepaged/defrag, khugepaged/max_ptes_none
 *              (so the shrinker splits underused THPs too) and
 *              khugepaged/scan_sleep_millisecs (which wakes khugepaged).
 *
 * Checking: each process has a model of its regions: a version per page
 * (0: never written or discarded, reads as zeros; UNKNOWN: a write failed
 * with -ENOMEM). Version v of the page at address a is a deterministic
 * stream of (a, v), so reads are compared with regenerated data, never
 * with copies; versions are globally unique, so a page showing another
 * page's, another process's or an older contents is caught. A forked
 * child gets a copy of the model. A write to a hugetlb page may fail with
 * -ENOMEM (copy-on-write with no free pool page, as Linux's SIGBUS): the
 * page keeps its old version.
 *
 * The run is split into ROUNDS; between rounds the threads are joined,
 * kcompactd and khugepaged are stopped, and the invariant checker runs
 * (every frame, every compound page's map counts, every huge PMD against
 * its folio, the hugetlb pool's lists and counters, the LRU), no PTE may
 * be a migration entry, every mapped page's folio must be on the LRU (or a
 * hugetlb folio) and unlocked, NR_ISOLATED_ANON must be 0, and every page
 * of every process (and every written page of the ballast) is read back
 * and compared with the model. At the end
 * every process exits, the pool is shrunk to 0 and the deferred split
 * queue drained, and the machine must be back to its boot state: the
 * invariants hold, NR_FREE_PAGES is what it was after boot, and
 * NR_ANON_MAPPED, NR_ANON_THPS, NR_HUGETLB, NR_ISOLATED_ANON, NR_PAGETABLE,
 * the LRU sizes, HugePages_Total and the deferred split queue are 0. A
 * thread that does not stop within HANG_SECONDS of the end of its round
 * is a hang: the test says which and aborts.
 *
 * Environment: PAGELAB_STRESS_SEED, PAGELAB_STRESS_SECONDS (length of the
 * run; 4 s, or 8 s under sanitizers, which also use smaller regions),
 * PAGELAB_STRESS_SCALE (multiplies the length), PAGELAB_STRESS_ROUNDS,
 * PAGELAB_STRESS_THREADS (owner threads). The interleaving of the threads
 * is not reproducible, but the seed fixes every thread's sequence of
 * choices.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include "compact/compaction.h"
#include "migrate/migrate.h"
#include "vm/huge_mm.h"
#include "vm/hugetlb.h"
#include "vm/mm.h"

#ifdef PAGELAB_SANITIZED
#define DEFAULT_SECONDS		8.0
#define MAX_HUGE_CHUNKS		2	/* 2 MiB chunks per THP region */
#define THP_MEMORY		(128UL << 20)
#else
#define DEFAULT_SECONDS		4.0
#define MAX_HUGE_CHUNKS		3
#define THP_MEMORY		(256UL << 20)
#endif
#define DEFAULT_SEED		0x7ba9e2026UL
#define DEFAULT_ROUNDS		4
#define DEFAULT_OWNERS		2
#define NR_RACERS		2
#define HANG_SECONDS		120

#define STRESS_NAME		"stress_thp"
#define STRESS_CPUS		4
#define MIN_PROCS		2
#define INITIAL_PROCS		3
#define MAX_PROCS		8
#define MAX_REGIONS		3
#define MAX_POOL		12	/* vm.nr_hugepages at most */
#define MAX_RUN			16	/* pages per write or read run */
#define MAX_MOVE		64	/* pages per own move_pages() */
#define UNKNOWN			UINT64_MAX
#define BALLAST_SPARE		((32UL << 20) >> PAGE_SHIFT)	/* free memory not in the ballast */
#define FRAGMENT_WINDOW		2048	/* ballast pages per refragmentation */
#define HOLE_STRIDE		32	/* the ballast keeps HOLE_STRIDE - HOLE_RUN of */
#define HOLE_RUN		16	/* every HOLE_STRIDE pages */

/* ------------------------------------------------------------------ */
/* Models                                                               */

struct region {
	unsigned long addr, nr_pages;
	bool hugetlb;
	uint64_t *version;		/* per page */
};

enum { ST_OK, ST_EFAULT, ST_ENOENT, ST_EBUSY, NR_STATUS };
enum { SPLIT_OK, SPLIT_EAGAIN, SPLIT_EBUSY, SPLIT_NONE, NR_SPLIT };

struct counts {
	/* owners */
	long steps, mmap, mmap_hugetlb, mmap_enomem, write_pages, write_enomem, hugetlb_enomem,
	     verify_pages,
	     dontneed, munmap, trim, madvise, fills, fork, fork_enomem, exit, spawn, own_moves,
	     own_moved;
	/* owners and racers */
	long split[NR_SPLIT];
	/* racers */
	long move_calls, move_pages, move_moved, move_enomem, status[NR_STATUS];
	/* compactor and knobber */
	long compactions, drop_caches, pool_resizes, knobs, fragments;
};

#include "lib/stress_pool.h"	/* after struct region and struct counts */

static void region_drop(struct region *r)
{
	free(r->version);
}

/* ------------------------------------------------------------------ */
/* Reading, writing, splitting                                          */

/* Read page @idx of @r and compare it with the model. Context: @p locked. */
static bool verify_page(struct worker *w, struct proc *p, struct region *r, unsigned long idx)
{
	unsigned long addr = r->addr + idx * PAGE_SIZE, pfn = 0;
	uint64_t ver = r->version[idx], want;
	long word;
	int err;

	if (ver == UNKNOWN)
		return true;
	err = access_mm(p->mm, addr, w->buf, PAGE_SIZE, false);
	/* A hugetlb page never written is faulted from the pool: maybe none is left. */
	if (err == -ENOMEM && !ver && r->hugetlb)
		return true;
	if (err)
		return failf(w, "process %lu: read of %#lx failed: %d", p->pid, addr, err);
	word = check_page(w->buf, addr, ver, &want);
	if (word < 0)
		return true;
	follow_pfn(p->mm, addr, &pfn);
	return failf(w, "process %lu, %s region %#lx page %lu (pfn %#lx): word %ld is %#lx, "
		     "version %lu says %#lx", p->pid, r->hugetlb ? "hugetlb" : "THP", r->addr, idx,
		     pfn, word, (unsigned long)w->buf[word], (unsigned long)ver,
		     (unsigned long)want);
}

static bool verify_run(struct worker *w, struct proc *p, struct region *r, unsigned long first,
		       unsigned long n)
{
	for (unsigned long i = first; i < first + n; i++)
		if (!verify_page(w, p, r, i))
			return false;
	w->c.verify_pages += n;
	return true;
}

static bool write_page(struct worker *w, struct proc *p, struct region *r, unsigned long idx)
{
	unsigned long addr = r->addr + idx * PAGE_SIZE;
	uint64_t ver = new_version();
	int err;

	fill_page(w->buf, addr, ver);
	err = access_mm(p->mm, addr, w->buf, PAGE_SIZE, true);
	if (err == -ENOMEM) {
		/* hugetlb: the copy-on-write found no pool page, nothing written */
		if (r->hugetlb)
			w->c.hugetlb_enomem++;
		else
			r->version[idx] = UNKNOWN;
		w->c.write_enomem++;
		return true;
	}
	if (err)
		return failf(w, "process %lu: write of %#lx failed: %d", p->pid, addr, err);
	r->version[idx] = ver;
	w->c.write_pages++;
	return true;
}

/*
 * split_huge_page() on the THP mapped at @addr of @mm, if one is: a
 * speculative reference on the head (a tail's always fails), the checks
 * again under it, the folio's lock by trylock, as the deferred split
 * shrinker takes them. Counts the outcome; false after failf() for a
 * result split_huge_page() must not give.
 */
static bool split_at(struct worker *w, struct mm_struct *mm, unsigned long addr)
{
	unsigned long pfn;
	struct page *head;
	int err;

	if (follow_pfn(mm, addr, &pfn))
		goto none;
	head = compound_head(pfn_to_page(pfn));
	if (!get_page_unless_zero(head))
		goto none;
	if (!PageHead(head) || folio_test_hugetlb(head) || folio_order(head) != HPAGE_PMD_ORDER ||
	    !PageAnon(head) || is_huge_zero_folio(head) || !trylock_page(head)) {
		put_page(head);
		goto none;
	}
	err = PageHead(head) ? split_huge_page(head) : -ENOENT;
	unlock_page(head);
	put_page(head);
	switch (err) {
	case 0:
		w->c.split[SPLIT_OK]++;
		return true;
	case -EAGAIN:
		w->c.split[SPLIT_EAGAIN]++;
		return true;
	case -EBUSY:
		w->c.split[SPLIT_EBUSY]++;
		return true;
	case -ENOENT:
		goto none;
	default:
		return failf(w, "split_huge_page() of pfn %#lx (at %#lx): %d", page_to_pfn(head),
			     addr, err);
	}
none:
	w->c.split[SPLIT_NONE]++;
	return true;
}

static int status_index(int status)
{
	switch (status) {
	case 0:
		return ST_OK;
	case -EFAULT:
		return ST_EFAULT;
	case -ENOENT:
		return ST_ENOENT;
	case -EBUSY:
		return ST_EBUSY;
	default:
		return -1;
	}
}

/* ------------------------------------------------------------------ */
/* Owner operations (the process is locked)                             */

static bool op_mmap(struct worker *w, struct proc *p)
{
	unsigned long kind = rand_below(w, 8), nr_pages, addr;
	bool hugetlb = kind == 0;
	struct region *r;
	int err;

	if (p->nr_regions == MAX_REGIONS)
		return true;
	if (hugetlb)
		nr_pages = (1 + rand_below(w, 2)) * HPAGE_PMD_NR;
	else if (kind < 6)
		nr_pages = (1 + rand_below(w, MAX_HUGE_CHUNKS)) * HPAGE_PMD_NR;
	else
		nr_pages = 1 + rand_below(w, MAX_HUGE_CHUNKS * HPAGE_PMD_NR);
	err = hugetlb ? do_mmap_hugetlb(p->mm, nr_pages * PAGE_SIZE, &addr)
		      : do_mmap(p->mm, nr_pages * PAGE_SIZE, false, &addr);
	if (err == -ENOMEM && hugetlb) {
		w->c.mmap_enomem++;	/* too few free unreserved pool pages */
		return true;
	}
	if (err)
		return failf(w, "process %lu: mmap of %lu pages (hugetlb %d) failed: %d", p->pid,
			     nr_pages, hugetlb, err);
	if (!hugetlb && kind < 5) {
		err = madvise_hugepage_range(p->mm, addr, nr_pages * PAGE_SIZE, MADV_HUGEPAGE);
		if (err)
			return failf(w, "process %lu: MADV_HUGEPAGE of %#lx failed: %d", p->pid,
				     addr, err);
	}
	r = &p->regions[p->nr_regions++];
	*r = (struct region){ .addr = addr, .nr_pages = nr_pages, .hugetlb = hugetlb,
			      .version = calloc(nr_pages, sizeof(uint64_t)) };
	BUG_ON(!r->version);
	w->c.mmap++;
	w->c.mmap_hugetlb += hugetlb;
	return true;
}

/* A run of pages, or a few pages in each 2 MiB of the region (THP faults). */
static bool op_write(struct worker *w, struct proc *p)
{
	struct region *r = random_region(w, p);
	unsigned long first, n;

	if (!r)
		return op_mmap(w, p);
	if (rand_below(w, 2)) {
		random_run(w, r, MAX_RUN, &first, &n);
		for (unsigned long i = first; i < first + n; i++)
			if (!write_page(w, p, r, i))
				return false;
		return true;
	}
	for (unsigned long chunk = 0; chunk < r->nr_pages; chunk += HPAGE_PMD_NR) {
		unsigned long span = min((unsigned long)HPAGE_PMD_NR, r->nr_pages - chunk);

		for (unsigned long k = 1 + rand_below(w, 4); k; k--)
			if (!write_page(w, p, r, chunk + rand_below(w, span)))
				return false;
	}
	return true;
}

static bool op_verify(struct worker *w, struct proc *p)
{
	struct region *r = random_region(w, p);
	unsigned long first, n;

	if (!r)
		return true;
	if (!rand_below(w, 4))
		return verify_run(w, p, r, 0, r->nr_pages);
	random_run(w, r, MAX_RUN, &first, &n);
	return verify_run(w, p, r, first, n);
}

/* Part of a region (whole huge pages of a hugetlb one). */
static bool op_dontneed(struct worker *w, struct proc *p)
{
	struct region *r = random_region(w, p);
	unsigned long first, n;
	int err;

	if (!r)
		return true;
	if (r->hugetlb) {
		first = rand_below(w, r->nr_pages / HPAGE_PMD_NR) * HPAGE_PMD_NR;
		n = HPAGE_PMD_NR;
	} else {
		random_run(w, r, HPAGE_PMD_NR + HPAGE_PMD_NR / 2, &first, &n);
	}
	err = madvise_dontneed(p->mm, r->addr + first * PAGE_SIZE, n * PAGE_SIZE);
	if (err)
		return failf(w, "process %lu: MADV_DONTNEED of %lu pages at %#lx failed: %d",
			     p->pid, n, r->addr + first * PAGE_SIZE, err);
	memset(&r->version[first], 0, n * sizeof(*r->version));
	w->c.dontneed++;
	return true;
}

/*
 * Give [@start, @start + @len) the THP advice the VMA at @at (inside it)
 * does not have: the VMA is split at the range's ends, even inside a huge
 * PMD (pagelab's munmap takes whole VMAs only, so this is how a region
 * loses its head or tail).
 */
static int flip_thp_advice(struct mm_struct *mm, unsigned long start, unsigned long len,
			   unsigned long at)
{
	bool huge;

	mmap_read_lock(mm);
	huge = find_vma(mm, at)->vm_flags & VM_HUGEPAGE;
	mmap_read_unlock(mm);
	return madvise_hugepage_range(mm, start, len, huge ? MADV_NOHUGEPAGE : MADV_HUGEPAGE);
}

/* A whole region, or (not hugetlb) its head or tail: a VMA split anywhere. */
static bool op_munmap(struct worker *w, struct proc *p)
{
	struct region *r = random_region(w, p);
	unsigned long cut, start, len;
	bool head;
	int err;

	if (!r)
		return true;
	if (r->hugetlb || r->nr_pages < 2 || !rand_below(w, 3)) {
		err = do_munmap(p->mm, r->addr, r->nr_pages * PAGE_SIZE);
		if (err)
			return failf(w, "process %lu: munmap of %#lx failed: %d", p->pid, r->addr,
				     err);
		free(r->version);
		*r = p->regions[--p->nr_regions];
		w->c.munmap++;
		return true;
	}
	cut = 1 + rand_below(w, r->nr_pages - 1);
	head = rand_below(w, 2);	/* [addr, addr + cut), else [addr + cut, end) */
	start = head ? r->addr : r->addr + cut * PAGE_SIZE;
	len = (head ? cut : r->nr_pages - cut) * PAGE_SIZE;
	err = flip_thp_advice(p->mm, start, len, head ? start + len - PAGE_SIZE : start);
	if (err == -ENOMEM)
		return true;
	if (!err)
		err = do_munmap(p->mm, start, len);
	if (err)
		return failf(w, "process %lu: munmap of %#lx+%#lx of the region at %#lx failed: %d",
			     p->pid, start, len, r->addr, err);
	if (head) {
		memmove(r->version, r->version + cut, (r->nr_pages - cut) * sizeof(uint64_t));
		r->addr += cut * PAGE_SIZE;
		r->nr_pages -= cut;
	} else {
		r->nr_pages = cut;
	}
	w->c.trim++;
	return true;
}

/* MADV_HUGEPAGE or MADV_NOHUGEPAGE on part of a region: VMA splits, no change. */
static bool op_madvise(struct worker *w, struct proc *p)
{
	struct region *r = random_region(w, p);
	int advice = rand_below(w, 3) ? MADV_HUGEPAGE : MADV_NOHUGEPAGE;
	unsigned long first, n;
	int err;

	if (!r || r->hugetlb)
		return true;
	random_run(w, r, r->nr_pages, &first, &n);
	err = madvise_hugepage_range(p->mm, r->addr + first * PAGE_SIZE, n * PAGE_SIZE, advice);
	if (err && err != -ENOMEM)
		return failf(w, "process %lu: madvise %d of %lu pages at %#lx failed: %d", p->pid,
			     advice, n, r->addr + first * PAGE_SIZE, err);
	w->c.madvise++;
	return verify_run(w, p, r, first, min(n, (unsigned long)MAX_RUN));
}

static bool op_fork(struct worker *w, struct proc *p)
{
	struct mm_struct *mm;
	struct proc *child;
	int err = 0;

	if (!pool_reserve())
		return true;
	mm = dup_mm(p->mm, &err);
	if (!mm) {
		pool_unreserve();
		w->c.fork_enomem += err == -ENOMEM;
		return err == -ENOMEM || failf(w, "process %lu: fork failed: %d", p->pid, err);
	}
	child = proc_new(mm);
	child->nr_regions = p->nr_regions;
	for (int i = 0; i < p->nr_regions; i++) {
		struct region *r = &p->regions[i], *cr = &child->regions[i];

		*cr = *r;
		cr->version = malloc(r->nr_pages * sizeof(uint64_t));
		BUG_ON(!cr->version);
		memcpy(cr->version, r->version, r->nr_pages * sizeof(uint64_t));
	}
	pool_publish(child, true);
	w->c.fork++;
	return true;
}

/* Exit @p (locked); returns true if it is gone (and unlocked). */
static bool try_exit(struct worker *w, struct proc *p)
{
	if (!pool_remove(p))
		return false;
	pthread_mutex_unlock(&p->lock);
	mmput(p->mm);	/* a racer's or khugepaged's mmget() may do the teardown */
	proc_free(p);
	w->c.exit++;
	return true;
}

/* split_huge_page() of the THP at a page of a region, then its 2 MiB read back. */
static bool op_split(struct worker *w, struct proc *p)
{
	struct region *r = random_region(w, p);
	unsigned long idx, first;

	if (!r)
		return true;
	idx = rand_below(w, r->nr_pages);
	if (!split_at(w, p->mm, r->addr + idx * PAGE_SIZE))
		return false;
	first = idx - min(idx, (unsigned long)HPAGE_PMD_NR / 2);
	return verify_run(w, p, r, first, min((unsigned long)HPAGE_PMD_NR, r->nr_pages - first));
}

/*
 * A 2 MiB-aligned chunk of a region rewritten as 512 small pages (the
 * chunk discarded and MADV_NOHUGEPAGE while written), then MADV_HUGEPAGE
 * again: a full range for khugepaged to collapse, every byte copied.
 */
static bool op_fill(struct worker *w, struct proc *p)
{
	struct region *r = random_region(w, p);
	unsigned long first, addr, len = HPAGE_PMD_SIZE;
	int err;

	if (!r || r->hugetlb)
		return true;
	first = ALIGN(r->addr, HPAGE_PMD_SIZE) - r->addr;
	if (first + len > r->nr_pages * PAGE_SIZE)
		return true;
	first = (first >> PAGE_SHIFT) +
		rand_below(w, (r->nr_pages - (first >> PAGE_SHIFT)) / HPAGE_PMD_NR) * HPAGE_PMD_NR;
	addr = r->addr + first * PAGE_SIZE;
	err = madvise_dontneed(p->mm, addr, len);
	if (!err)
		memset(&r->version[first], 0, HPAGE_PMD_NR * sizeof(uint64_t));
	if (!err)
		err = madvise_hugepage_range(p->mm, addr, len, MADV_NOHUGEPAGE);
	for (unsigned long i = first; !err && i < first + HPAGE_PMD_NR; i++)
		if (!write_page(w, p, r, i))
			return false;
	if (!err)
		err = madvise_hugepage_range(p->mm, addr, len, MADV_HUGEPAGE);
	if (err && err != -ENOMEM)
		return failf(w, "process %lu: refilling the chunk at %#lx failed: %d", p->pid, addr,
			     err);
	w->c.fills++;
	return true;
}

/*
 * move_pages on the process's own pages, then read them back. A page never
 * written may be unmapped, the zero page, or a page of a THP (moved with
 * it); a written one is mapped (or under a migration entry at that
 * instant).
 */
static bool op_own_move(struct worker *w, struct proc *p)
{
	struct region *r = random_region(w, p);
	int status[MAX_MOVE];
	unsigned long first, n;
	long rc;

	if (!r)
		return true;
	random_run(w, r, MAX_MOVE, &first, &n);
	rc = move_pages_range(p->mm, r->addr + first * PAGE_SIZE, n, status);
	if (rc < 0 && rc != -ENOMEM)
		return failf(w, "process %lu: move_pages of %lu pages at %#lx: %ld", p->pid, n,
			     r->addr + first * PAGE_SIZE, rc);
	for (unsigned long i = 0; i < n; i++) {
		int s = status_index(status[i]);
		uint64_t ver = r->version[first + i];

		if (s < 0 || (ver && ver != UNKNOWN && s == ST_EFAULT))
			return failf(w, "process %lu: move_pages status %d for the page at %#lx "
				     "(version %lu)", p->pid, status[i],
				     r->addr + (first + i) * PAGE_SIZE, (unsigned long)ver);
		w->c.status[s]++;
	}
	w->c.own_moves++;
	w->c.own_moved += rc > 0 ? rc : 0;
	return verify_run(w, p, r, first, n);
}

static bool spawn(struct worker *w)
{
	struct mm_struct *mm;

	if (!pool_reserve())
		return true;
	mm = mm_alloc();
	if (!mm) {			/* no page for its page tables */
		pool_unreserve();
		w->c.fork_enomem++;
		return true;
	}
	pool_publish(proc_new(mm), true);
	w->c.spawn++;
	return true;
}

static void *owner_fn(void *arg)
{
	struct worker *w = arg;
	bool ok = true;

	worker_start(w);
	while (ok && !stopped()) {
		struct proc *p = pick_proc(w);
		unsigned int r = rand_below(w, 100);

		if (!p) {
			ok = spawn(w);
			sched_yield();
			continue;
		}
		w->c.steps++;
		if (r < 26)
			ok = op_write(w, p);
		else if (r < 40)
			ok = op_verify(w, p);
		else if (r < 48)
			ok = p->nr_regions < 2 || rand_below(w, 2) ? op_mmap(w, p) : op_write(w, p);
		else if (r < 56)
			ok = op_dontneed(w, p);
		else if (r < 61)
			ok = op_munmap(w, p);
		else if (r < 65)
			ok = op_madvise(w, p);
		else if (r < 70)
			ok = op_fork(w, p);
		else if (r < 73 && try_exit(w, p))
			continue;	/* gone, and unlocked */
		else if (r < 85)
			ok = op_split(w, p);
		else if (r < 88)
			ok = op_fill(w, p);
		else
			ok = op_own_move(w, p);
		pthread_mutex_unlock(&p->lock);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Racers                                                               */

/* A random VMA of @mm: [*start, *end); false if it has none. */
static bool random_vma(struct worker *w, struct mm_struct *mm, unsigned long *start,
		       unsigned long *end)
{
	struct vm_area_struct *vma;
	int nr = 0, pick;

	mmap_read_lock(mm);
	list_for_each_entry(vma, &mm->mmap, vm_list)
		nr++;
	pick = (int)rand_below(w, nr);
	list_for_each_entry(vma, &mm->mmap, vm_list) {
		if (pick-- == 0) {
			*start = vma->vm_start;
			*end = vma->vm_end;
			break;
		}
	}
	mmap_read_unlock(mm);
	return nr > 0;
}

static bool racer_move(struct worker *w, struct mm_struct *mm, unsigned long start,
		       unsigned long n)
{
	int *status = malloc(n * sizeof(int));
	unsigned long zero = 0;
	bool ok = true;
	long rc;

	BUG_ON(!status);
	rc = move_pages_range(mm, start, n, status);
	for (unsigned long i = 0; i < n && ok; i++) {
		int s = status_index(status[i]);

		if (s < 0)
			ok = failf(w, "move_pages at %#lx: status %d for page %lu", start, status[i],
				   i);
		else
			w->c.status[s]++;
		zero += s == ST_OK;
	}
	/* rc counts base pages: a THP's 512 for one status 0 */
	if (ok && rc != -ENOMEM && (rc < 0 || (rc > 0) != (zero > 0)))
		ok = failf(w, "move_pages of %lu pages at %#lx returned %ld with %lu statuses 0",
			   n, start, rc, zero);
	w->c.move_calls++;
	w->c.move_pages += n;
	w->c.move_moved += rc > 0 ? rc : 0;
	w->c.move_enomem += rc == -ENOMEM;
	free(status);
	return ok;
}

static void *racer_fn(void *arg)
{
	struct worker *w = arg;
	bool ok = true;

	worker_start(w);
	while (ok && !stopped()) {
		struct mm_struct *mm = grab_mm(w);
		unsigned long start = 0, end = 0, n, first;

		if (!mm) {
			sched_yield();
			continue;
		}
		if (random_vma(w, mm, &start, &end)) {
			n = (end - start) >> PAGE_SHIFT;
			first = rand_below(w, n);
			if (rand_below(w, 3))
				ok = racer_move(w, mm, start + first * PAGE_SIZE,
						1 + rand_below(w, min(n - first, 2UL * HPAGE_PMD_NR)));
			else
				ok = split_at(w, mm, start + first * PAGE_SIZE);
		}
		mmput(mm);	/* may be the last reference: the exit happens here */
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The ballast, the compactor and the knobber                           */

static struct proc *ballast;	/* not in the pool: the compactor's own process */
static unsigned long ballast_pages;

/*
 * Write every page of [@first, @first + @n) of the ballast, then discard
 * HOLE_RUN pages in every HOLE_STRIDE: the frames freed are holes between
 * movable pages, so THP faults and the pool's growth need compaction, and
 * what defrag says matters.
 */
static bool fragment(struct worker *w, unsigned long first, unsigned long n)
{
	struct region *r = &ballast->regions[0];

	for (unsigned long i = first; i < first + n; i++)
		if (!write_page(w, ballast, r, i))
			return false;
	for (unsigned long i = first; i < first + n; i += HOLE_STRIDE) {
		int err = madvise_dontneed(ballast->mm, r->addr + i * PAGE_SIZE,
					   HOLE_RUN * PAGE_SIZE);

		if (err)
			return failf(w, "ballast: MADV_DONTNEED of %#lx failed: %d",
				     r->addr + i * PAGE_SIZE, err);
		memset(&r->version[i], 0, HOLE_RUN * sizeof(uint64_t));
	}
	w->c.fragments++;
	return true;
}

/*
 * All free memory but BALLAST_SPARE, in FRAGMENT_WINDOWs: faulted as THPs
 * (fast), fragmented, split by the deferred split shrinker, then
 * MADV_NOHUGEPAGE so that khugepaged leaves it fragmented.
 */
static void ballast_create(struct worker *w, long free_pages)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr, len;

	assert_non_null(mm);
	ballast_pages = (free_pages - BALLAST_SPARE) / FRAGMENT_WINDOW * FRAGMENT_WINDOW;
	len = ballast_pages * PAGE_SIZE;
	ballast = proc_new(mm);
	assert_int_equal(do_mmap(mm, len, false, &addr), 0);
	assert_int_equal(madvise_hugepage_range(mm, addr, len, MADV_HUGEPAGE), 0);
	ballast->regions[0] = (struct region){ .addr = addr, .nr_pages = ballast_pages,
					       .version = calloc(ballast_pages, sizeof(uint64_t)) };
	assert_non_null(ballast->regions[0].version);
	ballast->nr_regions = 1;
	if (!fragment(w, 0, ballast_pages))
		fail_msg("%s", w->error);
	drop_slab();
	assert_int_equal(madvise_hugepage_range(mm, addr, len, MADV_NOHUGEPAGE), 0);
}

static void *compactor_fn(void *arg)
{
	struct worker *w = arg;
	int err;

	worker_start(w);
	while (!stopped()) {
		switch (rand_below(w, 5)) {
		case 0:
			fragment(w, rand_below(w, ballast_pages / FRAGMENT_WINDOW) * FRAGMENT_WINDOW,
				 FRAGMENT_WINDOW);
			break;
		case 1:
			compact_node(&contig_page_data, false);
			w->c.compactions++;
			break;
		case 2:
			err = machine_sysctl_set("vm.drop_caches", 2);
			if (err)
				failf(w, "vm.drop_caches=2: %d", err);
			w->c.drop_caches++;
			break;
		default:
			err = machine_sysctl_set("vm.nr_hugepages", (long)rand_below(w, MAX_POOL + 1));
			if (err)
				failf(w, "vm.nr_hugepages: %d", err);
			w->c.pool_resizes++;
			break;
		}
		usleep(5000 + rand_below(w, 30000));
	}
	return NULL;
}

static void thp_knob(struct worker *w, const char *name, const char *value)
{
	int err = thp_knob_write(name, value);

	if (err)
		failf(w, "transparent_hugepage/%s=%s: %d", name, value, err);
	w->c.knobs++;
}

static void *knobber_fn(void *arg)
{
	static const char *const defrag[] = { "always", "defer", "defer+madvise", "madvise",
					      "never" };
	static const char *const none[] = { "511", "256", "64" };
	static const char *const sleep_ms[] = { "1", "5", "20" };
	struct worker *w = arg;

	worker_start(w);
	while (!stopped()) {
		usleep(10000 + rand_below(w, 40000));
		switch (rand_below(w, 4)) {
		case 0:
			thp_knob(w, "defrag", defrag[rand_below(w, ARRAY_SIZE(defrag))]);
			break;
		case 1:
			thp_knob(w, "khugepaged/defrag", rand_below(w, 2) ? "1" : "0");
			break;
		case 2:
			thp_knob(w, "khugepaged/max_ptes_none", none[rand_below(w, ARRAY_SIZE(none))]);
			break;
		default:
			thp_knob(w, "khugepaged/scan_sleep_millisecs",
				 sleep_ms[rand_below(w, ARRAY_SIZE(sleep_ms))]);
			break;
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Quiescent checks                                                     */

static void census_pte(pte_t pte, unsigned long addr, void *arg)
{
	struct worker *w = arg;
	struct page *page, *folio;

	if (!pte_present(pte)) {
		failf(w, "quiescent: PTE %#lx at %#lx is not present (a migration entry left "
		      "behind?)", (unsigned long)pte.pte, addr);
		return;
	}
	page = vm_normal_page(pte);
	if (!page)
		return;
	folio = compound_head(page);
	/* (a first tail's low flag bits are the folio's order, not PG_locked) */
	if ((!PageLRU(folio) && !folio_test_hugetlb(folio)) || PageLocked(folio))
		failf(w, "quiescent: mapped pfn %#lx (folio %#lx, order %u) at %#lx: lru %d, "
		      "hugetlb %d, locked %d", page_to_pfn(page), page_to_pfn(folio),
		      PageHead(folio) ? folio_order(folio) : 0, addr, PageLRU(folio),
		      folio_test_hugetlb(folio), PageLocked(folio));
}

static void census_mm(struct mm_struct *mm, void *arg)
{
	walk_all_ptes(mm, census_pte, arg);
}

/* The daemons stopped, the invariants, every PTE, every byte of every process. */
static void check_quiescent(struct worker *w, unsigned int round)
{
	char msg[256];

	khugepaged_stop();
	kcompactd_stop(NODE_DATA(0));
	if (check_invariants(msg, sizeof(msg)))
		failf(w, "round %u: invariant violated: %s", round, msg);
	if (node_page_state(&contig_page_data, NR_ISOLATED_ANON))
		failf(w, "round %u: NR_ISOLATED_ANON is %ld with nothing isolated", round,
		      node_page_state(&contig_page_data, NR_ISOLATED_ANON));
	for_each_mm(census_mm, w);
	for (unsigned long i = 0; i < ballast_pages && !w->error[0]; i++)
		if (ballast->regions[0].version[i])	/* holes would fault: slow */
			verify_page(w, ballast, &ballast->regions[0], i);
	for (int i = 0; i < pool.nr && !w->error[0]; i++) {
		struct proc *p = pool.slots[i];

		for (int j = 0; j < p->nr_regions && !w->error[0]; j++)
			verify_run(w, p, &p->regions[j], 0, p->regions[j].nr_pages);
	}
}

static void resume_daemons(void)
{
	assert_int_equal(kcompactd_run(NODE_DATA(0), true), 0);
	assert_int_equal(khugepaged_run(), 0);
}

/* ------------------------------------------------------------------ */
/* The test                                                             */

static void print_counts(const struct counts *s, double seconds)
{
	fprintf(stderr,
		"stress_thp: %.1fs; owners: %ld steps, %ld mmap (%ld hugetlb, %ld more -ENOMEM), "
		"%ld pages written (%ld more -ENOMEM, %ld of them hugetlb), %ld verified, %ld dontneed, "
		"%ld munmap, %ld trimmed, %ld madvise, %ld chunks refilled, %ld fork (%ld more -ENOMEM), %ld exit, %ld spawn, "
		"%ld own move_pages (%ld moved); splits: %ld done, %ld -EAGAIN, %ld -EBUSY, "
		"%ld found no THP; racers: %ld move_pages of %ld pages, %ld moved, %ld -ENOMEM; "
		"statuses: 0 %ld, -EFAULT %ld, -ENOENT %ld, -EBUSY %ld; %ld compact_node, "
		"%ld drop_caches, %ld nr_hugepages, %ld refragmentations, %ld knob writes\n",
		seconds, s->steps, s->mmap, s->mmap_hugetlb, s->mmap_enomem, s->write_pages, s->write_enomem,
		s->hugetlb_enomem, s->verify_pages, s->dontneed, s->munmap, s->trim, s->madvise,
		s->fills, s->fork, s->fork_enomem, s->exit, s->spawn, s->own_moves, s->own_moved, s->split[SPLIT_OK],
		s->split[SPLIT_EAGAIN], s->split[SPLIT_EBUSY], s->split[SPLIT_NONE],
		s->move_calls, s->move_pages, s->move_moved, s->move_enomem, s->status[ST_OK],
		s->status[ST_EFAULT], s->status[ST_ENOENT], s->status[ST_EBUSY], s->compactions,
		s->drop_caches, s->pool_resizes, s->fragments, s->knobs);
	fprintf(stderr,
		"stress_thp: thp_fault_alloc %ld, thp_fault_fallback %ld, thp_split_pmd %ld, "
		"thp_split_page %ld (failed %ld), thp_deferred_split_page %ld, "
		"thp_underused_split_page %ld, thp_collapse_alloc %ld, pages_collapsed %lu, "
		"full_scans %lu, thp_migration_success %ld, thp_migration_fail %ld, "
		"pgmigrate_success %ld, compact_stall %ld, compact_daemon_wake %ld, "
		"htlb_buddy_alloc_success %ld\n",
		event("thp_fault_alloc"), event("thp_fault_fallback"), event("thp_split_pmd"),
		event("thp_split_page"), event("thp_split_page_failed"),
		event("thp_deferred_split_page"), event("thp_underused_split_page"),
		event("thp_collapse_alloc"),
		__atomic_load_n(&khugepaged_pages_collapsed, __ATOMIC_RELAXED),
		__atomic_load_n(&khugepaged_full_scans, __ATOMIC_RELAXED),
		event("thp_migration_success"), event("thp_migration_fail"),
		event("pgmigrate_success"), event("compact_stall"), event("compact_daemon_wake"),
		event("htlb_buddy_alloc_success"));
}

static void set_knobs(unsigned int round)
{
	assert_int_equal(thp_knob_write("enabled", round % 2 ? "always" : "madvise"), 0);
	assert_int_equal(thp_knob_write("khugepaged/pages_to_scan", "4096"), 0);
	assert_int_equal(thp_knob_write("khugepaged/scan_sleep_millisecs", "5"), 0);
}

/* Every process exits, the pool empties: the machine is back to its boot state. */
static void check_end(long boot_free)
{
	char msg[256];
	long total = -1;

	pool_empty();
	mmput(ballast->mm);
	proc_free(ballast);
	khugepaged_stop();
	kcompactd_stop(NODE_DATA(0));
	assert_int_equal(machine_sysctl_set("vm.nr_hugepages", 0), 0);
	drop_slab();
	drain_all_pages(NULL);
	if (check_invariants(msg, sizeof(msg)))
		fail_msg("at the end: invariant violated: %s", msg);
	assert_int_equal(hugetlb_meminfo_value("HugePages_Total", &total), 0);
	assert_int_equal(total, 0);
	assert_int_equal(deferred_split_count(), 0);
	assert_int_equal(global_zone_page_state(NR_FREE_PAGES), boot_free);
	assert_int_equal(node_page_state(&contig_page_data, NR_ISOLATED_ANON), 0);
	assert_int_equal(node_page_state(&contig_page_data, NR_ANON_MAPPED), 0);
	assert_int_equal(node_page_state(&contig_page_data, NR_ANON_THPS), 0);
	assert_int_equal(node_page_state(&contig_page_data, NR_HUGETLB), 0);
	assert_int_equal(node_page_state(&contig_page_data, NR_PAGETABLE), 0);
	for (int lru = 0; lru < NR_LRU_LISTS; lru++)
		assert_int_equal(node_page_state(&contig_page_data, NR_LRU_BASE + lru), 0);
}

static void test_stress_thp(void **state)
{
	unsigned long seed = env_ulong("PAGELAB_STRESS_SEED", DEFAULT_SEED);
	unsigned long owners = env_ulong("PAGELAB_STRESS_THREADS", DEFAULT_OWNERS);
	unsigned long rounds = max(env_ulong("PAGELAB_STRESS_ROUNDS", DEFAULT_ROUNDS), 1UL);
	double seconds = env_double("PAGELAB_STRESS_SECONDS", DEFAULT_SECONDS) *
			 env_ulong("PAGELAB_STRESS_SCALE", 1);
	unsigned long nr_workers = owners + NR_RACERS + 2;
	struct worker *workers = calloc(nr_workers + 1, sizeof(*workers));
	struct worker *checker = &workers[nr_workers];
	struct counts sum;
	double start = now();
	struct crash_reports crash_reports;
	unsigned int compactor = owners + NR_RACERS;
	long boot_free;

	assert_non_null(workers);
	fprintf(stderr, "stress_thp: OWNERS=%lu SECONDS=%.1f ROUNDS=%lu SEED=%#lx\n", owners,
		seconds, rounds, seed);
	run_seed = seed;
	assert_int_equal(sysctl_compaction_proactiveness_set(50), 0);
	drain_all_pages(NULL);
	boot_free = global_zone_page_state(NR_FREE_PAGES);
	pool_fill(INITIAL_PROCS);
	for (unsigned int t = 0; t < owners; t++)
		worker_init(&workers[t], t, seed, "owner", owner_fn);
	for (unsigned int t = owners; t < compactor; t++)
		worker_init(&workers[t], t, seed, "racer", racer_fn);
	worker_init(&workers[compactor], compactor, seed, "compactor", compactor_fn);
	worker_init(&workers[compactor + 1], compactor + 1, seed, "knobber", knobber_fn);
	worker_init(checker, nr_workers, seed, "checker", NULL);
	assert_int_equal(thp_knob_write("enabled", "madvise"), 0);
	ballast_create(checker, boot_free);
	crash_reports_start(&crash_reports);

	for (unsigned int round = 1; round <= rounds; round++) {
		set_knobs(round);
		run_round(workers, nr_workers, seed, round, seconds / rounds);
		check_quiescent(checker, round);
		if (checker->error[0])
			fail_msg("SEED=%#lx: %s", seed, checker->error);
		resume_daemons();
	}

	sum = workers_free(workers, nr_workers + 1);
	print_counts(&sum, now() - start);
	crash_reports_stop(&crash_reports);
	check_end(boot_free);
}

static int thp_machine_setup(void **state)
{
	struct machine_config cfg = { THP_MEMORY, STRESS_CPUS, 10, 9 };

	return machine_init(&cfg);
}

static int thp_machine_teardown(void **state)
{
	machine_exit();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stress_thp, thp_machine_setup,
						thp_machine_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
