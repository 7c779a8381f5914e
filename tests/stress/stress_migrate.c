/* SPDX-License-Identifier: MIT */
/*
 * stress_migrate.c - seeded multi-threaded page-migration stress.
 *
 * A 256 MiB, 4-cpu machine runs a pool of 2..10 processes while these
 * threads, bound round-robin to the cpus, race for a few seconds:
 *
 *   owners     pick a process nobody else operates (its mutex, trylocked)
 *              and mmap a region (private, or now and then shared), write
 *              runs of pages, read them back, MADV_DONTNEED a range, munmap
 *              a region, fork, exit, move_pages their own pages, and run two
 *              deterministic checks: a pinned page (an extra reference, as
 *              GUP takes) must make move_pages report -EBUSY and keep its
 *              frame and contents; and right after a fork, a page moved
 *              through the child must be the frame the parent maps too.
 *   migrators  take a reference on a random live process (mmget under the
 *              pool lock, so an exit racing with them only drops the
 *              process's reference and their mmput does the teardown),
 *              pick a VMA and move_pages_range() all or part of it (now and
 *              then past its end); every status must be 0, -EFAULT,
 *              -ENOENT or -EBUSY.
 *   scanner    a compaction-like migrate scanner: walks pfn windows (random,
 *              or around frames the other threads recently used), isolates
 *              movable_ops pages with isolate_movable_ops_page() and LRU
 *              pages the way compaction does (get_page_unless_zero, PG_lru,
 *              isolate_folio_to_list, drop the speculative reference),
 *              migrates up to 32 at a time with migrate_pages() in a random
 *              mode, and puts the rest back.
 *   driver     owns a zs_pool: allocates objects, writes and verifies them
 *              through zs_map_object(), frees them (racing the scanner,
 *              which isolates and migrates the pool's pages), and itself
 *              isolates one of its pages and migrates it (which must work,
 *              and must work again for the page it moved to) or frees the
 *              object while the page is isolated (migration must give up and
 *              the putback free the page).
 *
 * Checking: each process has a model of its regions: a version per page
 * (0: never written or discarded, reads as zeros). Version v of the page at
 * address a is a deterministic stream of (a, v), so reads are compared with
 * regenerated data, never with copies; versions are globally unique, so a
 * page showing another page's, another process's or an older contents is
 * caught. A forked child gets a copy of the model; a shared region's model
 * is shared by the processes that map it (under its own mutex). zsmalloc
 * objects are checked the same way by handle and version.
 *
 * The run is split into ROUNDS; between rounds (threads joined) the
 * invariant checker runs, no PTE may be a migration entry, every mapped
 * page must be on the LRU and not isolated, NR_ISOLATED_ANON must be 0,
 * every page of every process and every zsmalloc object is read back, and
 * every object's page must be a non-isolated zsmalloc page whose owner
 * fields (page->private: the pool, page->index: the handle) are intact. At
 * the end every process exits, the pool is destroyed, per-cpu lists are
 * drained, and the machine must be back to its boot state: the invariants
 * hold, NR_FREE_PAGES is what it was after boot, and NR_ISOLATED_ANON,
 * NR_ANON_MAPPED, NR_FILE_MAPPED, NR_SHMEM, NR_PAGETABLE and the LRU sizes
 * are 0. A thread that does not stop within HANG_SECONDS of the end of its
 * round is a hang: the test says which and aborts (the machine cannot be
 * torn down under threads stuck holding its locks). A crash in a worker
 * thread of a plain build names the thread and the seed.
 *
 * The machine is not deterministic, so kcompactd runs too, as it would
 * beside any workload (it compacts only if fragmentation asks for it).
 *
 * Environment: PAGELAB_STRESS_SEED, PAGELAB_STRESS_SECONDS (length of the
 * run; 3 s, or 6 s under sanitizers), PAGELAB_STRESS_SCALE (multiplies the
 * length), PAGELAB_STRESS_ROUNDS, PAGELAB_STRESS_THREADS (owner threads).
 * The interleaving of the threads is not reproducible, but the seed fixes
 * every thread's sequence of choices.
 */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/zsmalloc.h"
#include "migrate/migrate.h"
#include "vm/mm.h"

#ifdef PAGELAB_SANITIZED
#define DEFAULT_SECONDS		6.0
#else
#define DEFAULT_SECONDS		3.0
#endif
#define DEFAULT_SEED		0x3161a7e2026UL
#define DEFAULT_ROUNDS		3
#define DEFAULT_OWNERS		2
#define NR_MIGRATORS		2
#define HANG_SECONDS		120

#define MIG_MEMORY		(256UL << 20)
#define STRESS_NAME		"stress_migrate"
#define STRESS_CPUS		4
#define MIN_PROCS		2
#define INITIAL_PROCS		4
#define MAX_PROCS		10
#define MAX_REGIONS		6
#define MAX_REGION_PAGES	64
#define MAX_RUN			16	/* pages per write, read, move */
#define SCAN_BATCH		32	/* pages per migrate_pages() of the scanner */
#define MAX_ZS_LIVE		192
#define NR_HINTS		64
#define WAIT_TRIES		100000	/* waiting for a PTE to be present again */

/* ------------------------------------------------------------------ */
/* Models                                                               */

/* zsmalloc objects live at no address: key them by handle instead. */
static unsigned long zs_key(long handle)
{
	return 0xa5a5000000000000UL | (unsigned long)handle << 12;
}

/* A shared region's contents, shared by every process that maps it. */
struct shm_model {
	pthread_mutex_t lock;		/* protects version[] */
	long refs;			/* atomic: regions (in processes) using it */
	uint64_t *version;
};

struct region {
	unsigned long addr, nr_pages;
	struct shm_model *shm;		/* shared regions */
	uint64_t *version;		/* private: per page; shared: shm->version */
};

enum { ST_OK, ST_EFAULT, ST_ENOENT, ST_EBUSY, NR_STATUS };
static const char *const status_names[NR_STATUS] = { "0", "-EFAULT", "-ENOENT", "-EBUSY" };

struct counts {
	/* owners */
	long steps, mmap, mmap_shared, write_pages, verify_pages, dontneed, munmap, fork, exit,
	     exit_deferred, spawn, pin_checks, fork_checks, own_moves, own_moved;
	/* migrators */
	long move_calls, move_pages, move_moved, status[NR_STATUS];
	/* scanner */
	long windows, iso_lru, iso_movable, scan_calls, scan_moved, scan_left, zs_freed_isolated;
	/* driver */
	long zs_alloc, zs_write, zs_verify, zs_free, zs_moves_seen, zs_self_moved, zs_self_freed,
	     zs_self_busy;
};

struct zs_obj {
	long handle;
	uint64_t version;
	struct page *last_page;		/* where it was last seen (to count moves) */
};

#include "lib/stress_pool.h"	/* after struct region and struct counts */

/* The driver thread's objects; the main thread reads them between rounds. */
static struct {
	struct zs_obj live[MAX_ZS_LIVE];
	int nr_live;
} zs_objs;

static struct zs_pool *zpool;
static unsigned long pfn_hints[NR_HINTS];	/* atomic: recently used frames */
static unsigned long hint_next;		/* atomic */

static void publish_hint(unsigned long pfn)
{
	unsigned long i = __atomic_fetch_add(&hint_next, 1, __ATOMIC_RELAXED) % NR_HINTS;

	__atomic_store_n(&pfn_hints[i], pfn, __ATOMIC_RELAXED);
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
/* Shared regions                                                       */

static struct shm_model *shm_new(unsigned long nr_pages)
{
	struct shm_model *shm = calloc(1, sizeof(*shm));

	BUG_ON(!shm);
	shm->version = calloc(nr_pages, sizeof(*shm->version));
	BUG_ON(!shm->version);
	pthread_mutex_init(&shm->lock, NULL);
	shm->refs = 1;
	return shm;
}

static void shm_put(struct shm_model *shm)
{
	if (__atomic_sub_fetch(&shm->refs, 1, __ATOMIC_ACQ_REL))
		return;
	pthread_mutex_destroy(&shm->lock);
	free(shm->version);
	free(shm);
}

/* The model lock of @r's contents: a shared region's, else none needed
 * beyond the process's own. */
static void region_lock(struct region *r)
{
	if (r->shm)
		pthread_mutex_lock(&r->shm->lock);
}

static void region_unlock(struct region *r)
{
	if (r->shm)
		pthread_mutex_unlock(&r->shm->lock);
}

static void region_drop(struct region *r)
{
	if (r->shm)
		shm_put(r->shm);
	else
		free(r->version);
}

/* ------------------------------------------------------------------ */
/* Reading, verifying, pinning                                          */

/* Read page @idx of @r and compare it with the model.
 * Context: the process and the region's model locked. */
static bool verify_page(struct worker *w, struct proc *p, struct region *r, unsigned long idx)
{
	unsigned long addr = r->addr + idx * PAGE_SIZE, pfn = 0;
	uint64_t want;
	long word;
	int err = access_mm(p->mm, addr, w->buf, PAGE_SIZE, false);

	if (err)
		return failf(w, "process %lu: read of %#lx failed: %d", p->pid, addr, err);
	word = check_page(w->buf, addr, r->version[idx], &want);
	if (word < 0)
		return true;
	follow_pfn(p->mm, addr, &pfn);
	return failf(w, "process %lu, %s region %#lx page %lu (pfn %#lx): word %ld is %#lx, "
		     "version %lu says %#lx", p->pid, r->shm ? "shared" : "private", r->addr, idx,
		     pfn, word, (unsigned long)w->buf[word], (unsigned long)r->version[idx],
		     (unsigned long)want);
}

static bool verify_run(struct worker *w, struct proc *p, struct region *r, unsigned long first,
		       unsigned long n)
{
	bool ok = true;

	region_lock(r);
	for (unsigned long i = first; i < first + n && ok; i++)
		ok = verify_page(w, p, r, i);
	region_unlock(r);
	w->c.verify_pages += n;
	return ok;
}

/*
 * The frame mapped at @addr, waiting out migration entries (a read waits
 * for the migration to finish; it faults in a shared page, or the zero page
 * where a private page is not mapped, which follow_pfn() reports as
 * -ENOENT for good). Return: 0, or follow_pfn()'s last error.
 */
static int mapped_pfn(struct mm_struct *mm, unsigned long addr, unsigned long *pfn)
{
	uint64_t word;
	int err = -ENOENT;

	for (int tries = 0; tries < WAIT_TRIES; tries++) {
		err = follow_pfn(mm, addr, pfn);
		if (err != -ENOENT)
			return err;
		access_mm(mm, addr, &word, sizeof(word), false);
		if (tries > 8)
			sched_yield();
	}
	return err;
}

/*
 * Pin the page mapped at @addr, as GUP does: a reference taken safely on a
 * frame that migration may free under us at any moment (get_page_unless_zero,
 * then check the PTE still maps that frame). Return: the page, or NULL after
 * failf().
 */
static struct page *pin_mapped_page(struct worker *w, struct mm_struct *mm, unsigned long addr,
				    unsigned long *pfnp)
{
	for (int tries = 0; tries < 1000; tries++) {
		unsigned long pfn, again;
		struct page *page;
		int err = mapped_pfn(mm, addr, &pfn);

		if (err) {
			failf(w, "pin: nothing stays mapped at %#lx: %d", addr, err);
			return NULL;
		}
		page = pfn_to_page(pfn);
		if (!get_page_unless_zero(page))
			continue;		/* migrated and freed meanwhile */
		if (!mapped_pfn(mm, addr, &again) && again == pfn) {
			*pfnp = pfn;
			return page;
		}
		put_page(page);			/* migrated meanwhile */
	}
	failf(w, "pin: the page at %#lx kept moving", addr);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Owner operations (the process is locked)                             */

/* A page that is (or, shared, can be) mapped: written, or in a shared region. */
static bool pick_mapped_page(struct worker *w, struct proc *p, struct region **rp,
			     unsigned long *idx)
{
	for (int tries = 0; tries < 8; tries++) {
		struct region *r = random_region(w, p);

		if (!r)
			return false;
		*idx = rand_below(w, r->nr_pages);
		*rp = r;
		if (r->shm || r->version[*idx])
			return true;
	}
	return false;
}

static bool op_mmap(struct worker *w, struct proc *p)
{
	struct region *r;
	bool shared = !rand_below(w, 4);
	unsigned long nr_pages = 1 + rand_below(w, MAX_REGION_PAGES), addr;
	int err;

	if (p->nr_regions == MAX_REGIONS)
		return true;
	err = do_mmap(p->mm, nr_pages * PAGE_SIZE, shared, &addr);
	if (err)
		return failf(w, "process %lu: mmap of %lu pages failed: %d", p->pid, nr_pages, err);
	r = &p->regions[p->nr_regions++];
	*r = (struct region){ .addr = addr, .nr_pages = nr_pages };
	if (shared) {
		r->shm = shm_new(nr_pages);
		r->version = r->shm->version;
	} else {
		r->version = calloc(nr_pages, sizeof(*r->version));
		BUG_ON(!r->version);
	}
	w->c.mmap++;
	w->c.mmap_shared += shared;
	return true;
}

static bool op_write(struct worker *w, struct proc *p)
{
	struct region *r = random_region(w, p);
	unsigned long first, n, pfn;
	bool ok = true;

	if (!r)
		return op_mmap(w, p);
	random_run(w, r, MAX_RUN, &first, &n);
	region_lock(r);
	for (unsigned long i = first; i < first + n && ok; i++) {
		unsigned long addr = r->addr + i * PAGE_SIZE;
		uint64_t ver = new_version();
		int err;

		fill_page(w->buf, addr, ver);
		err = access_mm(p->mm, addr, w->buf, PAGE_SIZE, true);
		if (err)
			ok = failf(w, "process %lu: write of %#lx failed: %d", p->pid, addr, err);
		else
			r->version[i] = ver;
	}
	region_unlock(r);
	w->c.write_pages += n;
	if (ok && !follow_pfn(p->mm, r->addr + first * PAGE_SIZE, &pfn))
		publish_hint(pfn);
	return ok;
}

static bool op_verify(struct worker *w, struct proc *p)
{
	struct region *r = random_region(w, p);
	unsigned long first, n;

	if (!r)
		return true;
	random_run(w, r, MAX_RUN, &first, &n);
	return verify_run(w, p, r, first, n);
}

static bool op_dontneed(struct worker *w, struct proc *p)
{
	struct region *r = random_region(w, p);
	unsigned long first, n;
	int err;

	if (!r)
		return true;
	random_run(w, r, MAX_REGION_PAGES, &first, &n);
	region_lock(r);
	err = madvise_dontneed(p->mm, r->addr + first * PAGE_SIZE, n * PAGE_SIZE);
	if (!err && !r->shm)	/* shared memory keeps its contents */
		memset(&r->version[first], 0, n * sizeof(*r->version));
	region_unlock(r);
	if (err)
		return failf(w, "process %lu: MADV_DONTNEED of %lu pages at %#lx failed: %d",
			     p->pid, n, r->addr + first * PAGE_SIZE, err);
	w->c.dontneed++;
	return true;
}

static bool op_munmap(struct worker *w, struct proc *p)
{
	struct region *r = random_region(w, p);
	int err;

	if (!r)
		return true;
	err = do_munmap(p->mm, r->addr, r->nr_pages * PAGE_SIZE);
	if (err)
		return failf(w, "process %lu: munmap of %#lx failed: %d", p->pid, r->addr, err);
	region_drop(r);
	*r = p->regions[--p->nr_regions];
	w->c.munmap++;
	return true;
}

/*
 * Right after a fork, nobody else can reach the child: move a page through
 * the child, pin it through the parent, and the child must map the very
 * frame the parent maps (every process sees the new frame), with the
 * contents both models expect.
 */
static bool fork_check(struct worker *w, struct proc *parent, struct proc *child)
{
	unsigned long idx, addr, pfn, cpfn;
	struct region *r, *cr;
	struct page *page;
	int status, err, ri;
	long rc;
	bool ok;

	if (!pick_mapped_page(w, parent, &r, &idx))
		return true;
	ri = (int)(r - parent->regions);
	cr = &child->regions[ri];
	addr = r->addr + idx * PAGE_SIZE;
	region_lock(r);
	rc = move_pages_range(child->mm, addr, 1, &status);
	if (rc < 0 || status_index(status) < 0) {
		region_unlock(r);
		return failf(w, "fork check: move_pages in child %lu at %#lx: %ld, status %d",
			     child->pid, addr, rc, status);
	}
	w->c.status[status_index(status)]++;
	page = pin_mapped_page(w, parent->mm, addr, &pfn);
	if (!page) {
		region_unlock(r);
		return false;
	}
	err = mapped_pfn(child->mm, addr, &cpfn);
	ok = !err && cpfn == pfn;
	if (!ok)
		failf(w, "fork check: after move_pages (status %d) parent %lu maps pfn %#lx at "
		      "%#lx, child %lu %#lx (%d)", status, parent->pid, pfn, addr, child->pid,
		      cpfn, err);
	ok = ok && verify_page(w, parent, r, idx) && verify_page(w, child, cr, idx);
	region_unlock(r);
	put_page(page);
	w->c.fork_checks++;
	return ok;
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
		return failf(w, "process %lu: fork failed: %d", p->pid, err);
	}
	child = proc_new(mm);
	child->nr_regions = p->nr_regions;
	for (int i = 0; i < p->nr_regions; i++) {
		struct region *r = &p->regions[i], *cr = &child->regions[i];

		*cr = *r;
		if (r->shm) {
			__atomic_fetch_add(&r->shm->refs, 1, __ATOMIC_RELAXED);
		} else {
			cr->version = malloc(r->nr_pages * sizeof(*r->version));
			BUG_ON(!cr->version);
			memcpy(cr->version, r->version, r->nr_pages * sizeof(*r->version));
		}
	}
	if (!fork_check(w, p, child)) {
		pool_unreserve();
		mmput(mm);
		proc_free(child);
		return false;
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
	/* A migrator holding an mmget() reference does the teardown. */
	w->c.exit_deferred += __atomic_load_n(&p->mm->mm_users, __ATOMIC_RELAXED) > 1;
	mmput(p->mm);
	proc_free(p);
	w->c.exit++;
	return true;
}

/*
 * A pinned page: move_pages must give up on it (-EBUSY; -ENOENT if another
 * migration attempt has it under a migration entry at that instant), and
 * it keeps its frame and contents.
 */
static bool op_pin(struct worker *w, struct proc *p)
{
	unsigned long idx, addr, pfn, after;
	struct region *r;
	struct page *page;
	int status = 1, err;
	long rc;
	bool ok;

	if (!pick_mapped_page(w, p, &r, &idx))
		return true;
	addr = r->addr + idx * PAGE_SIZE;
	region_lock(r);
	page = pin_mapped_page(w, p->mm, addr, &pfn);
	if (!page) {
		region_unlock(r);
		return false;
	}
	rc = move_pages_range(p->mm, addr, 1, &status);
	err = mapped_pfn(p->mm, addr, &after);
	ok = rc == 0 && (status == -EBUSY || status == -ENOENT) && !err && after == pfn;
	if (!ok)
		failf(w, "process %lu: pinned pfn %#lx at %#lx: move_pages returned %ld, status %d; "
		      "afterwards pfn %#lx (%d)", p->pid, pfn, addr, rc, status, after, err);
	if (status_index(status) >= 0)
		w->c.status[status_index(status)]++;
	ok = ok && verify_page(w, p, r, idx);
	region_unlock(r);
	put_page(page);
	w->c.pin_checks++;
	return ok;
}

/*
 * move_pages on the process's own pages, then read them back. What each
 * page may report follows from the model: a private page never written
 * (or discarded) is not mapped or is the zero page; a written one is
 * mapped (or under a migration entry at that instant); shared pages have
 * a VMA and are never the zero page.
 */
static bool op_own_move(struct worker *w, struct proc *p)
{
	struct region *r = random_region(w, p);
	unsigned long first, n;
	int status[MAX_RUN];
	long rc;
	bool ok = true;

	if (!r)
		return true;
	random_run(w, r, MAX_RUN, &first, &n);
	region_lock(r);
	rc = move_pages_range(p->mm, r->addr + first * PAGE_SIZE, n, status);
	if (rc < 0)
		ok = failf(w, "process %lu: move_pages of %lu pages at %#lx: %ld", p->pid, n,
			   r->addr + first * PAGE_SIZE, rc);
	for (unsigned long i = 0; i < n && ok; i++) {
		int s = status[i];
		bool never = !r->shm && !r->version[first + i];
		bool allowed = never ? s == -ENOENT || s == -EFAULT
				     : s == 0 || s == -EBUSY || s == -ENOENT;

		if (!allowed)
			ok = failf(w, "process %lu: move_pages status %d for the %s page at %#lx "
				   "(version %lu)", p->pid, s, r->shm ? "shared" : "private",
				   r->addr + (first + i) * PAGE_SIZE,
				   (unsigned long)r->version[first + i]);
		else
			w->c.status[status_index(s)]++;
	}
	for (unsigned long i = first; i < first + n && ok; i++)
		ok = verify_page(w, p, r, i);
	region_unlock(r);
	w->c.own_moves++;
	w->c.own_moved += rc > 0 ? rc : 0;
	w->c.verify_pages += n;
	return ok;
}

static bool spawn(struct worker *w)
{
	struct mm_struct *mm;

	if (!pool_reserve())
		return true;
	mm = mm_alloc();
	if (!mm) {
		pool_unreserve();
		return failf(w, "mm_alloc failed");
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
		if (r < 24)
			ok = op_write(w, p);
		else if (r < 46)
			ok = op_verify(w, p);
		else if (r < 56)
			ok = p->nr_regions < 3 || rand_below(w, 2) ? op_mmap(w, p) : op_write(w, p);
		else if (r < 63)
			ok = op_dontneed(w, p);
		else if (r < 68)
			ok = op_munmap(w, p);
		else if (r < 74)
			ok = op_fork(w, p);
		else if (r < 78 && try_exit(w, p))
			continue;	/* gone, and unlocked */
		else if (r < 88)
			ok = op_pin(w, p);
		else
			ok = op_own_move(w, p);
		pthread_mutex_unlock(&p->lock);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Migrators                                                            */

static void *migrator_fn(void *arg)
{
	struct worker *w = arg;
	int status[MAX_REGION_PAGES + 4];

	worker_start(w);
	while (!stopped()) {
		struct mm_struct *mm = grab_mm(w);
		unsigned long start, end, n, zero = 0;
		struct vm_area_struct *vma;
		int nr_vmas = 0, pick;
		long rc;

		if (!mm) {
			sched_yield();
			continue;
		}
		mmap_read_lock(mm);
		list_for_each_entry(vma, &mm->mmap, vm_list)
			nr_vmas++;
		pick = (int)rand_below(w, nr_vmas);
		start = mm->mmap_base;		/* no VMA: all -EFAULT */
		end = start + PAGE_SIZE;
		list_for_each_entry(vma, &mm->mmap, vm_list) {
			if (pick-- == 0) {
				start = vma->vm_start;
				end = vma->vm_end;
				break;
			}
		}
		mmap_read_unlock(mm);

		n = (end - start) >> PAGE_SHIFT;
		if (rand_below(w, 2)) {		/* a sub-range */
			unsigned long first = rand_below(w, n);

			start += first * PAGE_SIZE;
			n = 1 + rand_below(w, n - first);
		}
		if (!rand_below(w, 8))		/* into the guard gap */
			n += 1 + rand_below(w, 3);
		rc = move_pages_range(mm, start, n, status);
		for (unsigned long i = 0; i < n; i++) {
			int s = status_index(status[i]);

			if (s < 0) {
				failf(w, "move_pages at %#lx: status %d for page %lu", start,
				      status[i], i);
				break;
			}
			w->c.status[s]++;
			zero += s == ST_OK;
		}
		if (rc < 0 || (unsigned long)rc > zero)
			failf(w, "move_pages of %lu pages at %#lx returned %ld with %lu statuses 0",
			      n, start, rc, zero);
		w->c.move_calls++;
		w->c.move_pages += n;
		w->c.move_moved += rc > 0 ? rc : 0;
		mmput(mm);	/* may be the last reference: the exit happens here */
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The compaction-like scanner                                          */

/*
 * Isolate the page at @pfn onto @list if migration could move it, the way
 * isolate_migratepages_block() does: movable_ops pages through their
 * owner (isolate_movable_ops_page takes its own reference and re-checks);
 * anything else only after get_page_unless_zero() made it safe to look at,
 * and only if it is on the LRU. The page may be free, a page table, a
 * page in the middle of being freed or allocated: the reference decides.
 */
static bool scan_isolate(struct worker *w, unsigned long pfn, struct list_head *list)
{
	struct page *page = pfn_to_page(pfn);
	bool isolated = false;

	if (page_has_movable_ops(page)) {
		if (!isolate_movable_ops_page(page, 0))
			return false;
		list_add_tail(&page->lru, list);
		w->c.iso_movable++;
		return true;
	}
	if (!PageLRU(page) || !get_page_unless_zero(page))
		return false;
	if (PageLRU(page) && isolate_folio_to_list(page, list)) {
		isolated = true;
		w->c.iso_lru++;
	}
	put_page(page);		/* the speculative reference (may free the page) */
	return isolated;
}

static void *scanner_fn(void *arg)
{
	static const enum migrate_mode modes[] = { MIGRATE_ASYNC, MIGRATE_SYNC_LIGHT,
						   MIGRATE_SYNC };
	struct worker *w = arg;

	worker_start(w);
	while (!stopped()) {
		unsigned long start, len = 32 + rand_below(w, 224), nr = 0, left = 0, freed = 0;
		unsigned int moved = 0;
		struct page *page;
		LIST_HEAD(list);
		int rc;

		if (rand_below(w, 2)) {
			start = __atomic_load_n(&pfn_hints[rand_below(w, NR_HINTS)],
						__ATOMIC_RELAXED);
			start -= min(start, rand_below(w, 16));
		} else {
			start = rand_below(w, machine.max_pfn);
		}
		w->c.windows++;
		for (unsigned long pfn = start; pfn < min(start + len, machine.max_pfn) &&
						nr < SCAN_BATCH; pfn++)
			nr += scan_isolate(w, pfn, &list);
		if (!nr)
			continue;
		if (!rand_below(w, 4))
			sched_yield();	/* let owners free, unmap, exit under us */
		rc = migrate_pages(&list, alloc_migration_target, NULL, 0,
				   modes[rand_below(w, ARRAY_SIZE(modes))], MR_COMPACTION, &moved);
		list_for_each_entry(page, &list, lru) {
			left++;
			/* The driver freed it while we had it isolated. */
			freed += page_has_movable_ops(page) && !READ_ONCE(page->private);
		}
		if (rc < 0 || (unsigned long)rc != left || moved + left > nr)
			failf(w, "scanner: migrate_pages of %lu pages returned %d, %u moved, %lu left",
			      nr, rc, moved, left);
		putback_movable_pages(&list);
		w->c.scan_calls++;
		w->c.scan_moved += moved;
		w->c.scan_left += left;
		w->c.zs_freed_isolated += freed;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The zsmalloc driver                                                  */

static void zs_fill(struct worker *w, struct zs_obj *o)
{
	uint64_t *obj = zs_map_object(zpool, o->handle);

	fill_page(obj, zs_key(o->handle), o->version);
	zs_unmap_object(zpool, o->handle);
}

static bool zs_check(struct worker *w, struct zs_obj *o)
{
	struct page *page = zs_handle_page(zpool, o->handle);	/* not under the map: */
	uint64_t *obj = zs_map_object(zpool, o->handle), want;	/* it takes the lock */
	long word = check_page(obj, zs_key(o->handle), o->version, &want);
	uint64_t got = word >= 0 ? obj[word] : 0;

	zs_unmap_object(zpool, o->handle);
	w->c.zs_verify++;
	if (page != o->last_page) {
		w->c.zs_moves_seen++;
		o->last_page = page;
		publish_hint(page_to_pfn(page));
	}
	if (word < 0)
		return true;
	return failf(w, "zsmalloc handle %ld (pfn %#lx): word %ld is %#lx, version %lu says %#lx",
		     o->handle, page_to_pfn(page), word, (unsigned long)got,
		     (unsigned long)o->version, (unsigned long)want);
}

static void zs_forget(struct worker *w, int i)
{
	zs_objs.live[i] = zs_objs.live[--zs_objs.nr_live];
}

/* Isolate the page of @o for the driver's own migration; NULL if busy (the
 * scanner has it, or moved it meanwhile). */
static struct page *zs_isolate_own(struct worker *w, struct zs_obj *o, struct list_head *list)
{
	struct page *page = zs_handle_page(zpool, o->handle);
	LIST_HEAD(other);

	if (!isolate_movable_ops_page(page, 0))
		return NULL;
	if (zs_handle_page(zpool, o->handle) != page) {
		/* Moved and freed meanwhile: that frame is now another object's. */
		list_add_tail(&page->lru, &other);
		putback_movable_pages(&other);
		return NULL;
	}
	list_add_tail(&page->lru, list);
	return page;
}

/*
 * The driver moves one of its own pages. With the object freed while the
 * page is isolated, migration must give up on it and the putback free it;
 * otherwise the object must move, keep its contents, and its new page must
 * be isolatable again (it is a zsmalloc page like any other).
 */
static bool zs_self_migrate(struct worker *w, int i)
{
	struct zs_obj *o = &zs_objs.live[i];
	struct page *page, *moved_to;
	unsigned int moved = 0;
	LIST_HEAD(list);
	int rc;

	page = zs_isolate_own(w, o, &list);
	if (!page) {
		w->c.zs_self_busy++;
		return true;
	}
	if (rand_below(w, 2)) {
		zs_free(zpool, o->handle);		/* freed while isolated */
		zs_forget(w, i);
		w->c.zs_free++;
		rc = migrate_pages(&list, alloc_migration_target, NULL, 0, MIGRATE_SYNC,
				   MR_COMPACTION, &moved);
		if (rc != 1 || moved || list_empty(&list))
			failf(w, "zsmalloc: migrating pfn %#lx whose object was freed: %d, %u moved",
			      page_to_pfn(page), rc, moved);
		putback_movable_pages(&list);	/* frees it */
		w->c.zs_self_freed++;
		return !w->error[0];
	}
	rc = migrate_pages(&list, alloc_migration_target, NULL, 0, MIGRATE_SYNC, MR_COMPACTION,
			   &moved);
	moved_to = zs_handle_page(zpool, o->handle);
	if (rc || moved != 1 || moved_to == page) {
		putback_movable_pages(&list);
		return failf(w, "zsmalloc: migrating handle %ld from pfn %#lx: %d, %u moved, now "
			     "at pfn %#lx", o->handle, page_to_pfn(page), rc, moved,
			     page_to_pfn(moved_to));
	}
	w->c.zs_self_moved++;
	if (!zs_check(w, o))
		return false;
	/* Again, from the new page (the scanner may hold it for a while). */
	for (double until = now() + 2.0; !(page = zs_isolate_own(w, o, &list)); ) {
		if (now() > until)
			return failf(w, "zsmalloc: handle %ld, migrated to pfn %#lx, cannot be "
				     "isolated again (page->private %#lx, index %lu)", o->handle,
				     page_to_pfn(moved_to), READ_ONCE(moved_to->private),
				     READ_ONCE(moved_to->index));
		sched_yield();
	}
	putback_movable_pages(&list);
	return true;
}

static void *driver_fn(void *arg)
{
	struct worker *w = arg;
	bool ok = true;

	worker_start(w);
	while (ok && !stopped()) {
		unsigned int r = rand_below(w, 100);
		int i = (int)rand_below(w, zs_objs.nr_live);
		struct zs_obj *o = &zs_objs.live[i];

		if (!zs_objs.nr_live || (r < 25 && zs_objs.nr_live < MAX_ZS_LIVE)) {
			long handle = zs_malloc(zpool, GFP_KERNEL);

			if (handle < 0) {
				ok = failf(w, "zs_malloc failed: %ld", handle);
				break;
			}
			o = &zs_objs.live[zs_objs.nr_live++];
			*o = (struct zs_obj){ .handle = handle, .version = new_version() };
			zs_fill(w, o);
			o->last_page = zs_handle_page(zpool, handle);
			publish_hint(page_to_pfn(o->last_page));
			w->c.zs_alloc++;
		} else if (r < 45) {
			o->version = new_version();
			zs_fill(w, o);
			w->c.zs_write++;
		} else if (r < 75) {
			ok = zs_check(w, o);
		} else if (r < 92) {
			ok = zs_check(w, o);
			zs_free(zpool, o->handle);
			zs_forget(w, i);
			w->c.zs_free++;
		} else {
			ok = zs_self_migrate(w, i);
		}
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Quiescent checks                                                     */

struct census {
	struct worker *w;
	struct mm_struct *mm;
	long mapped;
};

static void census_pte(pte_t pte, unsigned long addr, void *arg)
{
	struct census *c = arg;
	struct page *page;

	if (!pte_present(pte)) {
		failf(c->w, "quiescent: PTE %#lx at %#lx is not present (a migration entry left "
		      "behind?)", (unsigned long)pte.pte, addr);
		return;
	}
	page = vm_normal_page(pte);
	if (!page)
		return;
	c->mapped++;
	if (!PageLRU(page) || page_ref_count(page) < page_mapcount(page) ||
	    PageMovableOpsIsolated(page) || PageLocked(page))
		failf(c->w, "quiescent: mapped pfn %#lx at %#lx: lru %d, refcount %d, mapcount %d, "
		      "locked %d", page_to_pfn(page), addr, PageLRU(page), page_ref_count(page),
		      page_mapcount(page), PageLocked(page));
}

static void census_mm(struct mm_struct *mm, void *arg)
{
	struct census *c = arg;

	c->mm = mm;
	walk_all_ptes(mm, census_pte, c);
}

static void check_quiescent(struct worker *w, unsigned int round)
{
	struct census census = { .w = w };
	char msg[256];

	if (check_invariants(msg, sizeof(msg)))
		failf(w, "round %u: invariant violated: %s", round, msg);
	if (node_page_state(&contig_page_data, NR_ISOLATED_ANON))
		failf(w, "round %u: NR_ISOLATED_ANON is %ld with nothing isolated", round,
		      node_page_state(&contig_page_data, NR_ISOLATED_ANON));
	for_each_mm(census_mm, &census);
	for (int i = 0; i < pool.nr && !w->error[0]; i++) {
		struct proc *p = pool.slots[i];

		for (int j = 0; j < p->nr_regions && !w->error[0]; j++)
			verify_run(w, p, &p->regions[j], 0, p->regions[j].nr_pages);
	}
}

static void check_zs_quiescent(struct worker *w, unsigned int round)
{
	for (int i = 0; i < zs_objs.nr_live && !w->error[0]; i++) {
		struct zs_obj *o = &zs_objs.live[i];
		struct page *page = zs_handle_page(zpool, o->handle);

		if (!PageZsmalloc(page) || !page_has_movable_ops(page) ||
		    PageMovableOpsIsolated(page) || page_ref_count(page) != 1 ||
		    READ_ONCE(page->private) != (unsigned long)zpool ||
		    READ_ONCE(page->index) != (unsigned long)o->handle)
			failf(w, "round %u: zsmalloc handle %ld at pfn %#lx: zsmalloc %d, movable_ops "
			      "%d, isolated %d, refcount %d, private %#lx (pool %p), index %lu",
			      round, o->handle, page_to_pfn(page), PageZsmalloc(page),
			      page_has_movable_ops(page), PageMovableOpsIsolated(page),
			      page_ref_count(page), READ_ONCE(page->private), (void *)zpool,
			      READ_ONCE(page->index));
		else
			zs_check(w, o);
	}
}

/* ------------------------------------------------------------------ */
/* The test                                                             */

static void test_stress_migrate(void **state)
{
	unsigned long seed = env_ulong("PAGELAB_STRESS_SEED", DEFAULT_SEED);
	unsigned long owners = env_ulong("PAGELAB_STRESS_THREADS", DEFAULT_OWNERS);
	unsigned long rounds = max(env_ulong("PAGELAB_STRESS_ROUNDS", DEFAULT_ROUNDS), 1UL);
	double seconds = env_double("PAGELAB_STRESS_SECONDS", DEFAULT_SECONDS) *
			 env_ulong("PAGELAB_STRESS_SCALE", 1);
	unsigned long nr_workers = owners + NR_MIGRATORS + 2;
	struct worker *workers = calloc(nr_workers + 1, sizeof(*workers));
	struct worker *driver = &workers[nr_workers - 1], *checker = &workers[nr_workers];
	long boot_free, success0 = event("pgmigrate_success"), fail0 = event("pgmigrate_fail"),
	     wake0 = event("compact_daemon_wake");
	struct counts sum;
	double start = now();
	struct crash_reports crash_reports;
	unsigned int scanner = owners + NR_MIGRATORS;
	char msg[256];

	assert_non_null(workers);
	fprintf(stderr, "stress_migrate: OWNERS=%lu SECONDS=%.1f ROUNDS=%lu SEED=%#lx\n", owners,
		seconds, rounds, seed);
	run_seed = seed;
	drain_all_pages(NULL);
	boot_free = global_zone_page_state(NR_FREE_PAGES);
	zpool = zs_create_pool("stress_migrate");
	assert_non_null(zpool);
	pool_fill(INITIAL_PROCS);
	for (unsigned int t = 0; t < owners; t++)
		worker_init(&workers[t], t, seed, "owner", owner_fn);
	for (unsigned int t = owners; t < scanner; t++)
		worker_init(&workers[t], t, seed, "migrator", migrator_fn);
	worker_init(&workers[scanner], scanner, seed, "scanner", scanner_fn);
	worker_init(driver, nr_workers - 1, seed, "driver", driver_fn);
	worker_init(checker, nr_workers, seed, "checker", NULL);
	crash_reports_start(&crash_reports);

	for (unsigned int round = 1; round <= rounds; round++) {
		run_round(workers, nr_workers, seed, round, seconds / rounds);
		check_quiescent(checker, round);
		check_zs_quiescent(checker, round);
		if (checker->error[0])
			fail_msg("SEED=%#lx: %s", seed, checker->error);
	}

	sum = workers_free(workers, nr_workers + 1);
	fprintf(stderr,
		"stress_migrate: %.1fs; owners: %ld steps, %ld mmap (%ld shared), %ld pages written, "
		"%ld verified, %ld dontneed, %ld munmap, %ld fork, %ld exit (%ld finished by a "
		"migrator), %ld spawn, %ld pin checks, %ld fork checks, %ld own move_pages "
		"(%ld moved); migrators: %ld move_pages of %ld pages, %ld moved; statuses: "
		"%s %ld, %s %ld, %s %ld, %s %ld; scanner: %ld windows, %ld LRU + %ld movable_ops "
		"isolated, %ld migrate_pages, %ld moved, %ld put back (%ld freed by the driver "
		"while isolated); driver: %ld alloc, %ld write, %ld verify, %ld free, %ld moves "
		"seen, %ld self-migrated, %ld freed while self-isolated, %ld busy; "
		"pgmigrate_success %ld, pgmigrate_fail %ld, compact_daemon_wake %ld\n",
		now() - start, sum.steps, sum.mmap, sum.mmap_shared, sum.write_pages,
		sum.verify_pages, sum.dontneed, sum.munmap, sum.fork, sum.exit, sum.exit_deferred,
		sum.spawn, sum.pin_checks, sum.fork_checks, sum.own_moves, sum.own_moved,
		sum.move_calls, sum.move_pages, sum.move_moved,
		status_names[0], sum.status[0], status_names[1], sum.status[1],
		status_names[2], sum.status[2], status_names[3], sum.status[3],
		sum.windows, sum.iso_lru, sum.iso_movable, sum.scan_calls, sum.scan_moved,
		sum.scan_left, sum.zs_freed_isolated, sum.zs_alloc, sum.zs_write, sum.zs_verify,
		sum.zs_free, sum.zs_moves_seen, sum.zs_self_moved, sum.zs_self_freed,
		sum.zs_self_busy, event("pgmigrate_success") - success0,
		event("pgmigrate_fail") - fail0, event("compact_daemon_wake") - wake0);
	crash_reports_stop(&crash_reports);
	pool_empty();
	zs_destroy_pool(zpool);
	drain_all_pages(NULL);
	if (check_invariants(msg, sizeof(msg)))
		fail_msg("at the end: invariant violated: %s", msg);
	assert_int_equal(global_zone_page_state(NR_FREE_PAGES), boot_free);
	assert_int_equal(node_page_state(&contig_page_data, NR_ISOLATED_ANON), 0);
	assert_int_equal(node_page_state(&contig_page_data, NR_ANON_MAPPED), 0);
	assert_int_equal(node_page_state(&contig_page_data, NR_FILE_MAPPED), 0);
	assert_int_equal(node_page_state(&contig_page_data, NR_SHMEM), 0);
	assert_int_equal(node_page_state(&contig_page_data, NR_PAGETABLE), 0);
	for (int lru = 0; lru < NR_LRU_LISTS; lru++)
		assert_int_equal(node_page_state(&contig_page_data, NR_LRU_BASE + lru), 0);
}

static int mig_machine_setup(void **state)
{
	struct machine_config cfg = { MIG_MEMORY, STRESS_CPUS, 10, 9 };

	return machine_init(&cfg);
}

static int mig_machine_teardown(void **state)
{
	machine_exit();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stress_migrate, mig_machine_setup,
						mig_machine_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
