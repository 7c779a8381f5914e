/* SPDX-License-Identifier: MIT */
/*
 * stress_vm.c - seeded multi-threaded address-space stress.
 *
 * A 256 MiB, 4-cpu machine runs a pool of 2..12 processes (mm_structs).
 * THREADS worker threads, bound round-robin to the cpus, each run ITER
 * steps of a private splitmix64 PRNG seeded from SEED: pick a process
 * nobody else is operating (its mutex, trylocked), then mmap a private
 * region (1..64 pages), write through access_mm (1..4 whole pages, or a
 * run of 512-byte chunks that may cross a page boundary), read back pages,
 * whole regions or byte ranges, MADV_DONTNEED a range, munmap a region,
 * fork (the child joins the pool) or exit (mmput). Processes forked from each
 * other share copy-on-write pages while different threads fault, write,
 * unmap and exit them, so COW, the anon_vma trees, the LRU and the page
 * tables are all exercised concurrently. A background thread takes
 * references on mapped pages (found with follow_pfn under the process's
 * mutex) and isolates them from the LRU and puts them back, racing with
 * the owners (and with anyone else who isolates pages).
 *
 * Checking: every process has a model of its private regions: for every
 * 512-byte chunk of every page a version (0: never written or discarded,
 * so it must read as zeros). The contents of version v of chunk c of
 * region r are a deterministic splitmix64 stream of (r's id, c, v), so
 * reads are checked against regenerated data, never against copies.
 * Writes cover whole pages or any run of chunks (across page boundaries
 * too): a partial write to a page shared copy-on-write, to the zero page
 * or to a fresh page makes the rest of the page, which the fault copied or
 * zeroed, visible to the checks. A forked child gets a copy of the model
 * with the same region ids. A write that fails with -ENOMEM leaves its
 * chunks "unknown" until rewritten or discarded. Each process's
 * MM_ANONPAGES must lie between its pages with written chunks and those
 * plus its pages with unknown ones.
 *
 * The run is split into ROUNDS; between rounds (threads joined, machine
 * quiescent) the invariant checker runs, every page of every process is
 * read back, and every mapped anonymous page must be on the LRU with as
 * many references as mappings; NR_ANON_MAPPED and the LRU sizes must match
 * the pages the page tables map. At the end every process exits, the
 * per-cpu lists are drained, and the machine must be back to its boot
 * state: the invariants hold, NR_FREE_PAGES is what it was after boot,
 * NR_ANON_MAPPED, NR_PAGETABLE and the LRU counters are 0.
 *
 * Memory pressure: a ballast of free memory is allocated at the start so
 * that only HEADROOM pages above the low watermark remain, and a balloon
 * thread repeatedly allocates every page the allocator will give it (down
 * to the min watermark), holds them for a few milliseconds and frees them.
 * Workers stop writing (all but one write in eight) when the free pages
 * get near the low watermark, so while the balloon is inflated -ENOMEM from
 * faults, forks and mm_alloc is common; it must be handled without losing
 * track of any page.
 *
 * Environment: PAGELAB_STRESS_THREADS, PAGELAB_STRESS_ITER (steps per
 * thread per round), PAGELAB_STRESS_ROUNDS, PAGELAB_STRESS_SEED,
 * PAGELAB_STRESS_SCALE (multiplies ITER) and PAGELAB_STRESS_VM_HEADROOM
 * (pages; 0: no ballast). Under sanitizers the default ITER is smaller.
 * The interleaving of the threads is not reproducible, but the seed fixes
 * every thread's sequence of choices.
 */
#include "lib/stress.h"
#include "lib/machine_fixture.h"
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "vm/mm.h"

#ifdef PAGELAB_SANITIZED
#define DEFAULT_ITER	2000UL
#else
#define DEFAULT_ITER	12000UL
#endif
#define DEFAULT_THREADS		4
#define DEFAULT_ROUNDS		4
#define DEFAULT_SEED		0x7a11c0de2026UL
#define DEFAULT_HEADROOM	1024UL	/* pages above the low watermark */

#define VM_MEMORY		(256UL << 20)
#define VM_CPUS			4
#define MIN_PROCS		2
#define MAX_PROCS		12
#define INITIAL_PROCS		4
#define MAX_REGIONS		8
#define MAX_REGION_PAGES	64
#define MAX_WRITE_RUN		4
#define GATE_MARGIN		256	/* "near the low watermark", in pages */
#define MAX_BALLAST		256
#define BALLOON_MAX		16384	/* pages */
#define BALLOON_HOLD_US		4000
#define BALLOON_GAP_US		12000

#define CHUNK_SIZE		512UL
#define CHUNKS_PER_PAGE		(PAGE_SIZE / CHUNK_SIZE)
#define CHUNK_WORDS		(CHUNK_SIZE / sizeof(uint64_t))
#define MAX_WRITE_CHUNKS	(MAX_WRITE_RUN * CHUNKS_PER_PAGE)
#define VER_UNKNOWN		UINT64_MAX

/* ------------------------------------------------------------------ */
/* The model                                                           */

struct region {
	unsigned long addr;
	unsigned long nr_pages;
	uint64_t rid;		/* unique; shared by a parent's and a child's copy */
	uint64_t *ver;		/* per chunk: 0, VER_UNKNOWN or the version written */
	uint64_t *prev;		/* per chunk: the version before (for diagnosis) */
};

struct proc {
	pthread_mutex_t lock;	/* held by the one thread operating this process */
	struct mm_struct *mm;
	unsigned long pid;
	unsigned long parent;	/* pid of the process it was forked from, or 0 */
	int nr_regions;
	struct region regions[MAX_REGIONS];
};

static struct {
	pthread_mutex_t lock;	/* protects slots, nr, reserved */
	struct proc *slots[MAX_PROCS];
	int nr;
	int reserved;		/* slots promised to forks and spawns in flight */
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

static unsigned long next_rid, next_pid;	/* atomic */
static int stop_all;				/* atomic: a thread failed */
static int workers_done;			/* atomic: the isolator may stop */
static struct zone *vm_zone;
static long write_gate;				/* free pages below which writes mostly stop */

/* ------------------------------------------------------------------ */
/* PRNG and page contents                                              */

/* The contents of version @ver of chunk @chunk of region @rid. */
static void fill_chunk(void *dst, uint64_t rid, unsigned long chunk, uint64_t ver)
{
	uint64_t *words = dst;
	uint64_t s;

	if (!ver) {
		memset(dst, 0, CHUNK_SIZE);
		return;
	}
	s = mix64(mix64(mix64(rid) ^ chunk) ^ ver);
	for (unsigned long i = 0; i < CHUNK_WORDS; i++)
		words[i] = splitmix64(&s);
}

static unsigned long region_chunks(const struct region *r)
{
	return r->nr_pages * CHUNKS_PER_PAGE;
}

/* ------------------------------------------------------------------ */
/* Workers                                                             */

struct op_counts {
	long steps, mmap, write, write_bytes, write_enomem, write_skipped;
	long read, read_bytes, read_enomem, dontneed, dontneed_pages, munmap;
	long fork, fork_enomem, exit, spawn, spawn_enomem, idle, rss_checks;
	long isolate, isolate_busy, isolate_unmapped, activate;
	long inflations, balloon_pages;
};

struct worker {
	pthread_t thread;
	unsigned int id;
	uint64_t rng;
	unsigned long iters;
	unsigned char *buf;		/* MAX_REGION_PAGES pages */
	unsigned char *expect;		/* one chunk */
	struct op_counts c;
	long min_free;			/* the fewest free pages a write saw */
	char error[768];		/* the first problem seen; the main thread fails the test */
};

static unsigned long nr_threads;

static uint64_t next_rand(struct worker *w)
{
	return splitmix64(&w->rng);
}

static unsigned long rand_below(struct worker *w, unsigned long n)
{
	return next_rand(w) % n;
}

static bool stopped(void)
{
	return __atomic_load_n(&stop_all, __ATOMIC_RELAXED);
}

static bool __attribute__((format(printf, 2, 3)))
worker_error(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	if (!w->error[0]) {
		va_start(ap, fmt);
		vsnprintf(w->error, sizeof(w->error), fmt, ap);
		va_end(ap);
	}
	__atomic_store_n(&stop_all, 1, __ATOMIC_RELAXED);
	return false;
}

static long free_pages(void)
{
	return zone_page_state(vm_zone, NR_FREE_PAGES);
}

static uint64_t new_version(struct worker *w)
{
	uint64_t v = next_rand(w);

	return v && v != VER_UNKNOWN ? v : 1;
}

/* ------------------------------------------------------------------ */
/* The pool                                                            */

static struct proc *proc_new(struct mm_struct *mm, unsigned long parent)
{
	struct proc *p = calloc(1, sizeof(*p));

	BUG_ON(!p);
	pthread_mutex_init(&p->lock, NULL);
	p->mm = mm;
	p->pid = __atomic_add_fetch(&next_pid, 1, __ATOMIC_RELAXED);
	p->parent = parent;
	return p;
}

static void region_free(struct region *r)
{
	free(r->ver);
	free(r->prev);
}

static void proc_free(struct proc *p)
{
	for (int i = 0; i < p->nr_regions; i++)
		region_free(&p->regions[i]);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* A process nobody operates, locked for the caller; NULL if none. */
static struct proc *pick_proc(struct worker *w)
{
	struct proc *p = NULL;

	pthread_mutex_lock(&pool.lock);
	if (pool.nr) {
		int start = rand_below(w, pool.nr);

		for (int i = 0; i < pool.nr && !p; i++) {
			struct proc *q = pool.slots[(start + i) % pool.nr];

			if (!pthread_mutex_trylock(&q->lock))
				p = q;
		}
	}
	pthread_mutex_unlock(&pool.lock);
	return p;
}

static bool pool_reserve(int limit)
{
	bool ok;

	pthread_mutex_lock(&pool.lock);
	ok = pool.nr + pool.reserved < limit;
	if (ok)
		pool.reserved++;
	pthread_mutex_unlock(&pool.lock);
	return ok;
}

/* Fill a reserved slot with @p (or give it back if @p is NULL). */
static void pool_publish(struct proc *p)
{
	pthread_mutex_lock(&pool.lock);
	pool.reserved--;
	if (p)
		pool.slots[pool.nr++] = p;
	pthread_mutex_unlock(&pool.lock);
}

/* Take the locked @p out of the pool unless that would leave too few. */
static bool pool_remove(struct proc *p)
{
	bool ok = false;

	pthread_mutex_lock(&pool.lock);
	if (pool.nr > MIN_PROCS) {
		for (int i = 0; i < pool.nr; i++) {
			if (pool.slots[i] == p) {
				pool.slots[i] = pool.slots[--pool.nr];
				ok = true;
				break;
			}
		}
		BUG_ON(!ok);
	}
	pthread_mutex_unlock(&pool.lock);
	return ok;
}

static int pool_size(void)
{
	int n;

	pthread_mutex_lock(&pool.lock);
	n = pool.nr + pool.reserved;
	pthread_mutex_unlock(&pool.lock);
	return n;
}

/* ------------------------------------------------------------------ */
/* Checks                                                              */


/* What a mismatching whole chunk holds instead, if we can tell. */
static void describe_mismatch(struct worker *w, const unsigned char *got,
			      const struct region *r, unsigned long chunk, char *buf, size_t len)
{
	bool zero = true;

	for (unsigned long i = 0; i < CHUNK_SIZE && zero; i++)
		zero = !got[i];
	if (zero) {
		snprintf(buf, len, "the chunk reads as zeros");
		return;
	}
	if (r->prev[chunk] && r->prev[chunk] != VER_UNKNOWN) {
		fill_chunk(w->expect, r->rid, chunk, r->prev[chunk]);
		if (!memcmp(w->expect, got, CHUNK_SIZE)) {
			snprintf(buf, len, "the chunk holds its previous version (a lost write)");
			return;
		}
	}
	snprintf(buf, len, "the chunk holds unknown data (first word %#llx)",
		 (unsigned long long)((const uint64_t *)got)[0]);
}

/*
 * Compare @len bytes read at offset @in of chunk @chunk of @r with the
 * model. Context: @p locked by the caller.
 */
static bool check_piece(struct worker *w, struct proc *p, struct region *r, unsigned long chunk,
			unsigned long in, const unsigned char *got, size_t len, const char *how)
{
	uint64_t ver = r->ver[chunk];
	unsigned long first = 0, pfn = 0, page = chunk / CHUNKS_PER_PAGE;
	unsigned long byte = (chunk % CHUNKS_PER_PAGE) * CHUNK_SIZE + in;
	char why[160], where[160];

	if (ver == VER_UNKNOWN)
		return true;
	fill_chunk(w->expect, r->rid, chunk, ver);
	if (!memcmp(w->expect + in, got, len))
		return true;
	while (w->expect[in + first] == got[first])
		first++;
	if (len == CHUNK_SIZE)
		describe_mismatch(w, got, r, chunk, why, sizeof(why));
	else
		snprintf(why, sizeof(why), "a read of %zu bytes of the chunk", len);
	if (follow_pfn(p->mm, r->addr + page * PAGE_SIZE, &pfn))
		snprintf(where, sizeof(where), "no normal page is mapped there now");
	else
		snprintf(where, sizeof(where), "now maps pfn %#lx (mapcount %d, refcount %d, anon %d)",
			 pfn, page_mapcount(pfn_to_page(pfn)), page_ref_count(pfn_to_page(pfn)),
			 PageAnon(pfn_to_page(pfn)));
	return worker_error(w, "%s: process %lu (forked from %lu), region %#llx at %#lx "
			    "(%lu pages), page %lu (address %#lx), byte %#lx: expected chunk %lu "
			    "version %#llx (previous %#llx); %s; %s",
			    how, p->pid, p->parent, (unsigned long long)r->rid, r->addr,
			    r->nr_pages, page, r->addr + page * PAGE_SIZE, byte + first,
			    chunk % CHUNKS_PER_PAGE, (unsigned long long)ver,
			    (unsigned long long)r->prev[chunk], why, where);
}

/*
 * Read [off, off + len) of region @r (offsets from its start) with one
 * access_mm() and check every chunk it covers. Context: @p locked.
 */
static bool verify_range(struct worker *w, struct proc *p, struct region *r,
			 unsigned long off, size_t len, const char *how)
{
	const unsigned char *got = w->buf;
	int err = access_mm(p->mm, r->addr + off, w->buf, len, false);

	w->c.read++;
	if (err == -ENOMEM) {
		w->c.read_enomem++;
		return true;
	}
	if (err)
		return worker_error(w, "%s: process %lu: reading %zu bytes at offset %#lx of region %#lx failed: %d",
				    how, p->pid, len, off, r->addr, err);
	w->c.read_bytes += len;
	while (len) {
		unsigned long chunk = off / CHUNK_SIZE, in = off % CHUNK_SIZE;
		size_t n = min(len, (size_t)(CHUNK_SIZE - in));

		if (!check_piece(w, p, r, chunk, in, got, n, how))
			return false;
		got += n;
		off += n;
		len -= n;
	}
	return true;
}

/* Has page @page of @r a chunk written (1), an unknown one (-1), or neither (0)? */
static int page_state(const struct region *r, unsigned long page)
{
	int state = 0;

	for (unsigned long c = page * CHUNKS_PER_PAGE; c < (page + 1) * CHUNKS_PER_PAGE; c++) {
		if (r->ver[c] == VER_UNKNOWN)
			state = -1;
		else if (r->ver[c])
			return 1;
	}
	return state;
}

/*
 * Each written page is mapped once in its own process (COW-shared or
 * not), discarded and never-written pages are not (at most the zero page,
 * which is not counted); an unknown page may be either.
 * Context: @p locked, so no other thread changes its counters.
 */
static bool check_rss(struct worker *w, struct proc *p, const char *how)
{
	long known = 0, unknown = 0, anon = get_mm_counter(p->mm, MM_ANONPAGES);

	for (int i = 0; i < p->nr_regions; i++) {
		struct region *r = &p->regions[i];

		for (unsigned long j = 0; j < r->nr_pages; j++) {
			known += page_state(r, j) == 1;
			unknown += page_state(r, j) == -1;
		}
	}
	w->c.rss_checks++;
	if (anon < known || anon > known + unknown)
		return worker_error(w, "%s: process %lu has MM_ANONPAGES %ld, but %ld written pages "
				    "(and %ld unknown) in its %d regions",
				    how, p->pid, anon, known, unknown, p->nr_regions);
	if (get_mm_counter(p->mm, MM_SHMEMPAGES))
		return worker_error(w, "%s: process %lu has MM_SHMEMPAGES %ld but no shared region",
				    how, p->pid, get_mm_counter(p->mm, MM_SHMEMPAGES));
	return true;
}

/* ------------------------------------------------------------------ */
/* Operations; each is called with @p locked                           */

static struct region *random_region(struct worker *w, struct proc *p)
{
	return &p->regions[rand_below(w, p->nr_regions)];
}

static bool op_mmap(struct worker *w, struct proc *p)
{
	unsigned long nr_pages = 1 + rand_below(w, MAX_REGION_PAGES), addr = 0;
	struct region *r;
	int err = do_mmap(p->mm, nr_pages * PAGE_SIZE, false, &addr);

	if (err)
		return worker_error(w, "process %lu: mmap of %lu pages failed: %d", p->pid,
				    nr_pages, err);
	if (addr & ~PAGE_MASK)
		return worker_error(w, "process %lu: mmap returned unaligned %#lx", p->pid, addr);
	for (int i = 0; i < p->nr_regions; i++)
		if (addr < p->regions[i].addr + p->regions[i].nr_pages * PAGE_SIZE)
			return worker_error(w, "process %lu: mmap returned %#lx, not above region %#lx (%lu pages)",
					    p->pid, addr, p->regions[i].addr, p->regions[i].nr_pages);
	r = &p->regions[p->nr_regions++];
	r->addr = addr;
	r->nr_pages = nr_pages;
	r->rid = __atomic_add_fetch(&next_rid, 1, __ATOMIC_RELAXED);
	r->ver = calloc(region_chunks(r), sizeof(*r->ver));
	r->prev = calloc(region_chunks(r), sizeof(*r->prev));
	BUG_ON(!r->ver || !r->prev);
	w->c.mmap++;
	return true;
}

/* Write whole pages (1..4) or any run of chunks, each chunk a new version. */
static bool op_write(struct worker *w, struct proc *p)
{
	struct region *r = random_region(w, p);
	unsigned long first, n, nr_chunks = region_chunks(r);
	uint64_t vers[MAX_WRITE_CHUNKS];
	long nr_free = free_pages();
	int err;

	w->min_free = min(w->min_free, nr_free);
	/* Near the low watermark, let only one write in eight through. */
	if (nr_free < write_gate && rand_below(w, 8)) {
		w->c.write_skipped++;
		return true;
	}
	if (rand_below(w, 2)) {
		unsigned long pages = rand_below(w, 4) ? 1 : 2 + rand_below(w, MAX_WRITE_RUN - 1);

		pages = min(pages, r->nr_pages);
		first = rand_below(w, r->nr_pages - pages + 1) * CHUNKS_PER_PAGE;
		n = pages * CHUNKS_PER_PAGE;
	} else {
		first = rand_below(w, nr_chunks);
		n = 1 + rand_below(w, min(2 * CHUNKS_PER_PAGE, nr_chunks - first));
	}
	for (unsigned long j = 0; j < n; j++) {
		vers[j] = new_version(w);
		fill_chunk(w->buf + j * CHUNK_SIZE, r->rid, first + j, vers[j]);
	}
	err = access_mm(p->mm, r->addr + first * CHUNK_SIZE, w->buf, n * CHUNK_SIZE, true);
	w->c.write++;
	if (err && err != -ENOMEM)
		return worker_error(w, "process %lu: writing %lu bytes at %#lx of region %#lx failed: %d",
				    p->pid, n * CHUNK_SIZE, first * CHUNK_SIZE, r->addr, err);
	if (err)
		w->c.write_enomem++;
	else
		w->c.write_bytes += n * CHUNK_SIZE;
	for (unsigned long j = 0; j < n; j++) {
		if (r->ver[first + j] != VER_UNKNOWN)
			r->prev[first + j] = r->ver[first + j];
		/* A failed write may have reached some of its pages. */
		r->ver[first + j] = err ? VER_UNKNOWN : vers[j];
	}
	return true;
}

/* Read back a few pages, a whole region, or a byte range across pages. */
static bool op_verify(struct worker *w, struct proc *p)
{
	struct region *r = random_region(w, p);
	unsigned long kind = rand_below(w, 8), size = r->nr_pages * PAGE_SIZE;

	if (kind == 0)
		return verify_range(w, p, r, 0, size, "whole-region read");
	if (kind == 1) {
		unsigned long off = rand_below(w, size), len = 1 + rand_below(w, size - off);

		return verify_range(w, p, r, off, len, "byte-range read");
	}
	for (unsigned long n = 1 + rand_below(w, 4); n; n--)
		if (!verify_range(w, p, r, rand_below(w, r->nr_pages) * PAGE_SIZE, PAGE_SIZE,
				  "page read"))
			return false;
	return true;
}

static bool op_dontneed(struct worker *w, struct proc *p)
{
	struct region *r = random_region(w, p);
	unsigned long first = rand_below(w, r->nr_pages);
	unsigned long n = rand_below(w, 4) ? 1 + rand_below(w, r->nr_pages - first)
					    : r->nr_pages - first;
	int err;

	if (!rand_below(w, 16)) {
		/* Past the end of the VMA: refused, nothing changes. */
		err = madvise_dontneed(p->mm, r->addr + first * PAGE_SIZE,
				       (r->nr_pages - first + 1) * PAGE_SIZE);
		if (err != -EINVAL)
			return worker_error(w, "process %lu: MADV_DONTNEED beyond region %#lx returned %d",
					    p->pid, r->addr, err);
	}
	err = madvise_dontneed(p->mm, r->addr + first * PAGE_SIZE, n * PAGE_SIZE);
	if (err)
		return worker_error(w, "process %lu: MADV_DONTNEED of pages %lu..%lu of region %#lx failed: %d",
				    p->pid, first, first + n - 1, r->addr, err);
	for (unsigned long j = first * CHUNKS_PER_PAGE; j < (first + n) * CHUNKS_PER_PAGE; j++) {
		if (r->ver[j] != VER_UNKNOWN)
			r->prev[j] = r->ver[j];
		r->ver[j] = 0;
	}
	w->c.dontneed++;
	w->c.dontneed_pages += n;
	return check_rss(w, p, "after MADV_DONTNEED");
}

static bool op_munmap(struct worker *w, struct proc *p)
{
	int i = rand_below(w, p->nr_regions);
	struct region r = p->regions[i];
	uint64_t word;
	int err;

	if (!rand_below(w, 16) && r.nr_pages > 1) {
		err = do_munmap(p->mm, r.addr, PAGE_SIZE);	/* not the whole VMA */
		if (err != -EINVAL)
			return worker_error(w, "process %lu: partial munmap of region %#lx returned %d",
					    p->pid, r.addr, err);
	}
	err = do_munmap(p->mm, r.addr, r.nr_pages * PAGE_SIZE);
	if (err)
		return worker_error(w, "process %lu: munmap of region %#lx (%lu pages) failed: %d",
				    p->pid, r.addr, r.nr_pages, err);
	err = access_mm(p->mm, r.addr + rand_below(w, r.nr_pages) * PAGE_SIZE, &word,
			sizeof(word), rand_below(w, 2));
	if (err != -EFAULT)
		return worker_error(w, "process %lu: access to unmapped region %#lx returned %d",
				    p->pid, r.addr, err);
	region_free(&p->regions[i]);
	p->regions[i] = p->regions[--p->nr_regions];
	w->c.munmap++;
	return check_rss(w, p, "after munmap");
}

static bool op_fork(struct worker *w, struct proc *p)
{
	struct mm_struct *mm;
	struct proc *child;
	int err = 0;

	if (!pool_reserve(MAX_PROCS))
		return op_verify(w, p);
	mm = dup_mm(p->mm, &err);
	if (!mm) {
		pool_publish(NULL);
		if (err != -ENOMEM)
			return worker_error(w, "process %lu: fork failed: %d", p->pid, err);
		w->c.fork_enomem++;
		return check_rss(w, p, "after a failed fork");
	}
	child = proc_new(mm, p->pid);
	child->nr_regions = p->nr_regions;
	for (int i = 0; i < p->nr_regions; i++) {
		struct region *r = &child->regions[i];

		*r = p->regions[i];
		r->ver = malloc(region_chunks(r) * sizeof(*r->ver));
		r->prev = malloc(region_chunks(r) * sizeof(*r->prev));
		BUG_ON(!r->ver || !r->prev);
		memcpy(r->ver, p->regions[i].ver, region_chunks(r) * sizeof(*r->ver));
		memcpy(r->prev, p->regions[i].prev, region_chunks(r) * sizeof(*r->prev));
	}
	w->c.fork++;
	/* Nobody else can reach the child yet: check it before publishing. */
	pthread_mutex_lock(&child->lock);
	if (!check_rss(w, child, "fork child") || !check_rss(w, p, "fork parent") ||
	    (child->nr_regions && !op_verify(w, child))) {
		pthread_mutex_unlock(&child->lock);
		pool_publish(child);	/* freed at the end with the rest */
		return false;
	}
	pthread_mutex_unlock(&child->lock);
	pool_publish(child);
	return true;
}

/* Exit @p (which the caller has locked): false if the pool is too small. */
static bool try_exit(struct worker *w, struct proc *p)
{
	if (!pool_remove(p))
		return false;
	mmput(p->mm);
	pthread_mutex_unlock(&p->lock);
	proc_free(p);
	w->c.exit++;
	return true;
}

static void spawn(struct worker *w)
{
	struct mm_struct *mm;

	if (!pool_reserve(MAX_PROCS))
		return;
	mm = mm_alloc();
	if (!mm) {
		w->c.spawn_enomem++;
		pool_publish(NULL);
		return;
	}
	pool_publish(proc_new(mm, 0));
	w->c.spawn++;
}

/* One random operation on @p; unlocks @p (or frees it). */
static bool run_op(struct worker *w, struct proc *p)
{
	unsigned int r = rand_below(w, 100);
	bool ok;

	if (!p->nr_regions && r >= 8)
		r = 0;		/* an empty process mostly maps something */
	if (r < 8)
		ok = p->nr_regions < MAX_REGIONS ? op_mmap(w, p) : op_write(w, p);
	else if (r < 40)
		ok = op_write(w, p);
	else if (r < 68)
		ok = op_verify(w, p);
	else if (r < 76)
		ok = op_dontneed(w, p);
	else if (r < 82)
		ok = op_munmap(w, p);
	else if (r < 90)
		ok = op_fork(w, p);
	else if (r < 95 && try_exit(w, p))
		return true;
	else
		ok = p->nr_regions ? op_write(w, p) : op_mmap(w, p);
	if (ok && !rand_below(w, 8))
		ok = check_rss(w, p, "after an operation");
	pthread_mutex_unlock(&p->lock);
	return ok;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	unsigned long done = 0;

	cpu_bind_current(w->id % nr_cpu_ids);
	while (done < w->iters && !stopped()) {
		struct proc *p;

		if (pool_size() < (int)nr_threads + MIN_PROCS && !rand_below(w, 4))
			spawn(w);
		p = pick_proc(w);
		if (!p) {
			w->c.idle++;
			sched_yield();
			continue;
		}
		w->c.steps++;
		if (!run_op(w, p))
			break;
		done++;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The LRU isolator                                                    */

/*
 * Take a reference on a page some process maps (found under that
 * process's mutex, so the mapping and its reference cannot go away
 * meanwhile), then, with no process locked, isolate it from the LRU and
 * put it back while its owners fault, copy, unmap and exit around it.
 */
static void *isolator_fn(void *arg)
{
	struct worker *w = arg;

	cpu_bind_current(w->id % nr_cpu_ids);
	while (!__atomic_load_n(&workers_done, __ATOMIC_ACQUIRE) && !stopped()) {
		struct proc *p = pick_proc(w);
		struct region *r;
		struct page *page;
		unsigned long pfn, addr;

		if (!p) {
			sched_yield();
			continue;
		}
		if (!p->nr_regions) {
			pthread_mutex_unlock(&p->lock);
			continue;
		}
		/* Prefer pages the model says are written (so mapped). */
		for (int tries = 0; tries < 4; tries++) {
			unsigned long idx;

			r = random_region(w, p);
			idx = rand_below(w, r->nr_pages);
			addr = r->addr + idx * PAGE_SIZE;
			if (page_state(r, idx) == 1)
				break;
		}
		if (follow_pfn(p->mm, addr, &pfn)) {
			pthread_mutex_unlock(&p->lock);
			w->c.isolate_unmapped++;
			sched_yield();
			continue;
		}
		page = pfn_to_page(pfn);
		if (!PageAnon(page) || page_mapcount(page) < 1 || page_ref_count(page) < 1) {
			worker_error(w, "isolator: process %lu address %#lx maps pfn %#lx with anon %d mapcount %d refcount %d",
				     p->pid, addr, pfn, PageAnon(page), page_mapcount(page),
				     page_ref_count(page));
			pthread_mutex_unlock(&p->lock);
			break;
		}
		get_page(page);
		pthread_mutex_unlock(&p->lock);

		/* Someone else (compaction) may have it isolated: that is allowed. */
		if (!folio_isolate_lru(page)) {
			w->c.isolate_busy++;
			put_page(page);
			continue;
		}
		w->c.isolate++;
		if (PageLRU(page) || page_ref_count(page) < 2) {
			worker_error(w, "isolator: isolated pfn %#lx has lru %d refcount %d", pfn,
				     PageLRU(page), page_ref_count(page));
			break;
		}
		if (!rand_below(w, 4))
			sched_yield();
		folio_putback_lru(page);
		if (!PageLRU(page)) {
			worker_error(w, "isolator: pfn %#lx is not on the LRU after putback", pfn);
			put_page(page);
			break;
		}
		if (!rand_below(w, 4)) {
			folio_activate(page);
			w->c.activate++;
		}
		put_page(page);
		sched_yield();
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* The balloon                                                         */

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, us % 1000000 * 1000 };

	nanosleep(&ts, NULL);
}

/* Take all the memory the allocator gives, hold it a moment, give it back. */
static void *balloon_fn(void *arg)
{
	struct worker *w = arg;
	struct page **pages = malloc(BALLOON_MAX * sizeof(*pages));

	BUG_ON(!pages);
	cpu_bind_current(w->id % nr_cpu_ids);
	while (!__atomic_load_n(&workers_done, __ATOMIC_ACQUIRE) && !stopped()) {
		long nr = 0;

		while (nr < BALLOON_MAX &&
		       (pages[nr] = alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN, 0)))
			nr++;
		w->c.inflations++;
		w->c.balloon_pages += nr;
		sleep_us(BALLOON_HOLD_US / 2 + rand_below(w, BALLOON_HOLD_US));
		while (nr)
			__free_pages(pages[--nr], 0);
		sleep_us(BALLOON_GAP_US / 2 + rand_below(w, BALLOON_GAP_US));
	}
	free(pages);
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Quiescent checks (no thread running)                                */

struct anon_census {
	unsigned char *seen;
	long distinct, ptes;
	char *msg;
	size_t len;
};

static void census_pte(pte_t pte, unsigned long addr, void *arg)
{
	struct anon_census *c = arg;
	struct page *page;

	if (!pte_present(pte) || pte_special(pte))
		return;
	page = pfn_to_page(pte_pfn(pte));
	if (!PageAnon(page)) {
		if (!c->msg[0])
			snprintf(c->msg, c->len, "address %#lx maps non-anon pfn %#lx", addr,
				 pte_pfn(pte));
		return;
	}
	c->ptes++;
	if (c->seen[pte_pfn(pte)]++)
		return;
	c->distinct++;
	/* Quiescent: the mappings hold every reference, and the page is listed. */
	if (!c->msg[0] && (page_ref_count(page) != page_mapcount(page) || !PageLRU(page)))
		snprintf(c->msg, c->len, "anon pfn %#lx (at %#lx): refcount %d mapcount %d lru %d",
			 pte_pfn(pte), addr, page_ref_count(page), page_mapcount(page),
			 PageLRU(page));
}

static void census_mm(struct mm_struct *mm, void *arg)
{
	walk_all_ptes(mm, census_pte, arg);
}

static void check_quiescent(struct worker *w, unsigned int round)
{
	char msg[256] = "";
	struct anon_census census = { .msg = msg, .len = sizeof(msg) };
	long lru;
	int err = check_invariants(msg, sizeof(msg));

	if (err)
		fail_msg("after round %u: invariant violated: %s", round, msg);
	census.seen = calloc(machine.max_pfn, 1);
	assert_non_null(census.seen);
	for_each_mm(census_mm, &census);
	free(census.seen);
	if (msg[0])
		fail_msg("after round %u: %s", round, msg);
	lru = node_page_state(&contig_page_data, NR_INACTIVE_ANON) +
	      node_page_state(&contig_page_data, NR_ACTIVE_ANON);
	if (census.distinct != node_page_state(&contig_page_data, NR_ANON_MAPPED) ||
	    census.distinct != lru)
		fail_msg("after round %u: the page tables map %ld anon pages (%ld PTEs), but "
			 "NR_ANON_MAPPED is %ld and the anon LRU lists hold %ld",
			 round, census.distinct, census.ptes,
			 node_page_state(&contig_page_data, NR_ANON_MAPPED), lru);

	/* Read every page of every process back. */
	for (int i = 0; i < pool.nr; i++) {
		struct proc *p = pool.slots[i];

		pthread_mutex_lock(&p->lock);
		for (int j = 0; j < p->nr_regions; j++)
			verify_range(w, p, &p->regions[j], 0, p->regions[j].nr_pages * PAGE_SIZE,
				     "quiescent read");
		check_rss(w, p, "quiescent");
		pthread_mutex_unlock(&p->lock);
		if (w->error[0])
			fail_msg("after round %u: %s", round, w->error);
	}
}

/* ------------------------------------------------------------------ */
/* The test                                                            */

struct ballast {
	struct page *page;
	unsigned int order;
};

/* Allocate free memory until only @target pages are left free; returns the blocks. */
static int fill_ballast(struct ballast *b, long target)
{
	int n = 0;

	while (n < MAX_BALLAST) {
		long excess = free_pages() - target;
		unsigned int order = 0;

		if (excess <= 0)
			break;
		while (order < MAX_PAGE_ORDER && (2L << order) <= excess)
			order++;
		b[n].page = alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN, order);
		if (!b[n].page)
			break;
		b[n++].order = order;
	}
	return n;
}

static void add_counts(struct op_counts *sum, const struct op_counts *c)
{
	long *s = (long *)sum;
	const long *a = (const long *)c;

	for (size_t i = 0; i < sizeof(*c) / sizeof(long); i++)
		s[i] += a[i];
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_stress_vm(void **state)
{
	unsigned long threads = env_ulong("PAGELAB_STRESS_THREADS", DEFAULT_THREADS);
	unsigned long iters = env_ulong("PAGELAB_STRESS_ITER", DEFAULT_ITER) *
			      env_ulong("PAGELAB_STRESS_SCALE", 1);
	unsigned long rounds = env_ulong("PAGELAB_STRESS_ROUNDS", DEFAULT_ROUNDS);
	unsigned long seed = env_ulong("PAGELAB_STRESS_SEED", DEFAULT_SEED);
	unsigned long headroom = env_ulong("PAGELAB_STRESS_VM_HEADROOM", DEFAULT_HEADROOM);
	struct worker *workers = calloc(threads + 2, sizeof(*workers));
	struct worker *isolator = &workers[threads], *balloon = &workers[threads + 1];
	struct ballast ballast[MAX_BALLAST];
	struct op_counts sum = { 0 };
	long boot_free, low, min_free = LONG_MAX;
	int nr_ballast = 0, final_procs = 0;
	double start = now();
	char msg[256];

	assert_non_null(workers);
	nr_threads = threads;
	fprintf(stderr, "stress_vm: THREADS=%lu ITER=%lu ROUNDS=%lu SEED=%#lx HEADROOM=%lu\n",
		threads, iters, rounds, seed, headroom);
	vm_zone = &contig_page_data.node_zones[ZONE_NORMAL];
	drain_all_pages(NULL);
	boot_free = free_pages();
	low = low_wmark_pages(vm_zone);
	write_gate = low + GATE_MARGIN;
	if (headroom)
		nr_ballast = fill_ballast(ballast, low + (long)headroom);

	for (int i = 0; i < INITIAL_PROCS; i++) {
		struct mm_struct *mm = mm_alloc();

		assert_non_null(mm);
		pool.slots[pool.nr++] = proc_new(mm, 0);
	}
	for (unsigned int t = 0; t <= threads + 1; t++) {
		workers[t].id = t;
		workers[t].rng = mix64(seed + t);
		workers[t].iters = iters;
		workers[t].min_free = LONG_MAX;
		workers[t].buf = malloc(MAX_REGION_PAGES * PAGE_SIZE);
		workers[t].expect = malloc(CHUNK_SIZE);
		assert_true(workers[t].buf && workers[t].expect);
	}

	for (unsigned int round = 1; round <= rounds; round++) {
		__atomic_store_n(&workers_done, 0, __ATOMIC_RELAXED);
		for (unsigned int t = 0; t < threads; t++)
			assert_int_equal(pthread_create(&workers[t].thread, NULL, worker_fn,
							&workers[t]), 0);
		assert_int_equal(pthread_create(&isolator->thread, NULL, isolator_fn, isolator), 0);
		assert_int_equal(pthread_create(&balloon->thread, NULL, balloon_fn, balloon), 0);
		for (unsigned int t = 0; t < threads; t++)
			assert_int_equal(pthread_join(workers[t].thread, NULL), 0);
		__atomic_store_n(&workers_done, 1, __ATOMIC_RELEASE);
		assert_int_equal(pthread_join(isolator->thread, NULL), 0);
		assert_int_equal(pthread_join(balloon->thread, NULL), 0);
		for (unsigned int t = 0; t <= threads; t++)
			if (workers[t].error[0])
				fail_msg("round %u, %s %u (SEED=%#lx): %s", round,
					 t < threads ? "thread" : "isolator", t, seed, workers[t].error);
		final_procs = pool.nr;
		check_quiescent(isolator, round);
	}

	for (unsigned int t = 0; t <= threads + 1; t++) {
		add_counts(&sum, &workers[t].c);
		min_free = min(min_free, workers[t].min_free);
		free(workers[t].buf);
		free(workers[t].expect);
	}
	fprintf(stderr, "stress_vm: %.1fs, %ld ops: %ld mmap, %ld write (%ld MiB, %ld -ENOMEM, "
		"%ld skipped near the watermark), %ld read (%ld MiB, %ld -ENOMEM), "
		"%ld dontneed (%ld pages), %ld munmap, %ld fork (%ld -ENOMEM), %ld exit, "
		"%ld spawn (%ld -ENOMEM), %ld rss checks; isolator: %ld isolated, %ld busy, "
		"%ld activated, %ld unmapped; balloon: %ld inflations, %ld pages on average; %ld idle; "
		"fewest free pages a write saw %ld (low watermark %ld, ballast %d blocks); "
		"%d processes at the end of the last round\n",
		now() - start, sum.steps, sum.mmap, sum.write, sum.write_bytes >> 20, sum.write_enomem,
		sum.write_skipped, sum.read, sum.read_bytes >> 20, sum.read_enomem, sum.dontneed,
		sum.dontneed_pages, sum.munmap, sum.fork, sum.fork_enomem, sum.exit, sum.spawn,
		sum.spawn_enomem, sum.rss_checks, sum.isolate, sum.isolate_busy, sum.activate,
		sum.isolate_unmapped,
		sum.inflations, sum.balloon_pages / max(sum.inflations, 1L), sum.idle, min_free, low,
		nr_ballast, final_procs);
	free(workers);

	while (pool.nr) {
		struct proc *p = pool.slots[--pool.nr];

		mmput(p->mm);
		proc_free(p);
	}
	while (nr_ballast--)
		__free_pages(ballast[nr_ballast].page, ballast[nr_ballast].order);
	drain_all_pages(NULL);
	if (check_invariants(msg, sizeof(msg)))
		fail_msg("at the end: invariant violated: %s", msg);
	assert_int_equal(free_pages(), boot_free);
	assert_int_equal(node_page_state(&contig_page_data, NR_ANON_MAPPED), 0);
	assert_int_equal(node_page_state(&contig_page_data, NR_PAGETABLE), 0);
	for (int lru = 0; lru < NR_LRU_LISTS; lru++)
		assert_int_equal(node_page_state(&contig_page_data, NR_LRU_BASE + lru), 0);
	assert_int_equal(node_page_state(&contig_page_data, NR_ISOLATED_ANON), 0);
}

static int vm_machine_setup(void **state)
{
	/* Deterministic: no kcompactd thread migrating pages behind the
	 * quiescent checks between rounds (as lib/machine_fixture.h). */
	struct machine_config cfg = { VM_MEMORY, VM_CPUS, 10, 9, .deterministic = true };

	return machine_init(&cfg);
}

static int vm_machine_teardown(void **state)
{
	machine_exit();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stress_vm, vm_machine_setup,
						vm_machine_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
