/* SPDX-License-Identifier: MIT */
/*
 * stress_ksm.c - seeded multi-threaded KSM stress.
 *
 * A 128 MiB, 4-cpu machine runs ksmd as a thread (run=1, max_page_sharing
 * 3 so chains of dups form) and a pool of 2..8 processes, while these
 * threads, bound round-robin to the cpus, race for a few seconds:
 *
 *   owners     pick a process nobody else operates (its mutex, trylocked)
 *              and mmap a region (mergeable by MADV_MERGEABLE, or by the
 *              process's prctl switch, or not at all), write runs of pages
 *              with one of a few contents (so pages merge; content 0 is all
 *              zeroes, for use_zero_pages), read them back, MADV_MERGEABLE or
 *              MADV_UNMERGEABLE a range, MADV_DONTNEED a range, munmap a
 *              region, fork (KSM pages stay shared with the child), exit
 *              (with KSM pages mapped), flip the prctl switch, run a batch
 *              of ksmd's work on their own thread (racing ksmd), and
 *              move_pages() a range (KSM pages move with their stable node).
 *              A parent and its children share pages copy-on-write, so
 *              different owners write pages KSM is merging at that moment.
 *   compactor  compact_node() again and again: KSM pages migrate under
 *              every other thread (rmap_walk_ksm, folio_migrate_ksm).
 *   knobber    flips use_zero_pages and smart_scan, changes sleep_millisecs
 *              and pages_to_scan, and now and then writes run=2 (unmerge
 *              everything) then run=1 while the others run.
 *
 * Checking: each process has a model of its regions, the content number of
 * every page (content c of any page is the same deterministic stream of
 * (seed, c); 0 is zeroes; "unknown" after a write that failed with
 * -ENOMEM). Reads are compared with regenerated data. A forked child gets
 * a copy of the model. Between rounds (threads joined, run=0 so ksmd
 * stops after its batch) the invariant checker runs (KSM's validator
 * included: trees, rmap_items, counters, KSM pages mapped read-only), every
 * page of every process is read back, and then, smart scan off, ksmd gets
 * three full scans with nothing else running: afterwards no two pages of
 * mergeable VMAs with the same known content may sit in two different
 * non-KSM frames (the merge is complete, up to one page per content left
 * waiting for a partner). At the end every process exits and the machine
 * must be back to its boot state: invariants, NR_FREE_PAGES as after boot,
 * NR_ANON_MAPPED and NR_PAGETABLE 0, and every KSM counter 0.
 *
 * Environment: PAGELAB_STRESS_SEED, PAGELAB_STRESS_SECONDS (3 s, or 6 s
 * under sanitizers, whose default threads are fewer), PAGELAB_STRESS_SCALE,
 * PAGELAB_STRESS_ROUNDS, PAGELAB_STRESS_THREADS (owner threads). The
 * interleaving is not reproducible, but the seed fixes every thread's
 * sequence of choices.
 */
#include "lib/stress.h"
#include "lib/machine_fixture.h"
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "compact/compaction.h"
#include "ksm/ksm.h"
#include "migrate/migrate.h"

#ifdef PAGELAB_SANITIZED
#define DEFAULT_SECONDS		6.0
#define DEFAULT_OWNERS		2
#else
#define DEFAULT_SECONDS		3.0
#define DEFAULT_OWNERS		3
#endif
#define DEFAULT_SEED		0x45d2026UL
#define DEFAULT_ROUNDS		3
#define HANG_SECONDS		120

#define KSM_MEMORY		(128UL << 20)
#define KSM_CPUS		4
#define MIN_PROCS		2
#define INITIAL_PROCS		3
#define MAX_PROCS		8
#define MAX_REGIONS		4
#define MAX_REGION_PAGES	48
#define MAX_RUN			8
#define NR_CONTENTS		4	/* 0 (zeroes) .. 3 */
#define CONTENT_UNKNOWN		0xff
#define WORDS			(PAGE_SIZE / sizeof(uint64_t))

static unsigned long run_seed;
static double round_deadline;

/* Content @c of any page (0: zeroes). */
static void fill_content(uint64_t *buf, unsigned int c)
{
	uint64_t base = mix64(run_seed ^ (c * 0x9e3779b97f4a7c15ULL));

	for (size_t i = 0; i < WORDS; i++)
		buf[i] = c ? base ^ (i * 0xd6e8feb86659fd93ULL) : 0;
}

/* The first word of @buf that differs from content @c, or -1. */
static long check_content(const uint64_t *buf, unsigned int c)
{
	uint64_t base = mix64(run_seed ^ (c * 0x9e3779b97f4a7c15ULL));

	for (size_t i = 0; i < WORDS; i++)
		if (buf[i] != (c ? base ^ (i * 0xd6e8feb86659fd93ULL) : 0))
			return (long)i;
	return -1;
}

/* ------------------------------------------------------------------ */
/* The model                                                           */

struct region {
	unsigned long addr, nr_pages;
	uint8_t *content;		/* per page: 0..NR_CONTENTS-1 or CONTENT_UNKNOWN */
};

struct proc {
	pthread_mutex_t lock;		/* held by the one thread operating it */
	struct mm_struct *mm;
	int nr_regions;
	struct region regions[MAX_REGIONS];
};

static struct {
	pthread_mutex_t lock;		/* slots, nr */
	struct proc *slots[MAX_PROCS];
	int nr;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

static struct proc *proc_new(struct mm_struct *mm)
{
	struct proc *p = calloc(1, sizeof(*p));

	assert_non_null(p);
	pthread_mutex_init(&p->lock, NULL);
	p->mm = mm;
	return p;
}

static void proc_free(struct proc *p)
{
	for (int i = 0; i < p->nr_regions; i++)
		free(p->regions[i].content);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

static bool pool_add(struct proc *p)
{
	bool added = false;

	pthread_mutex_lock(&pool.lock);
	if (pool.nr < MAX_PROCS) {
		pool.slots[pool.nr++] = p;
		added = true;
	}
	pthread_mutex_unlock(&pool.lock);
	return added;
}

/* A random process nobody operates, locked; NULL if none was free. */
static struct proc *pool_grab(uint64_t *rng)
{
	struct proc *p = NULL;

	pthread_mutex_lock(&pool.lock);
	for (int tries = 0; tries < 4 && pool.nr && !p; tries++) {
		struct proc *q = pool.slots[splitmix64(rng) % pool.nr];

		if (!pthread_mutex_trylock(&q->lock))
			p = q;
	}
	pthread_mutex_unlock(&pool.lock);
	return p;
}

/* Take the locked @p out of the pool if it may go; true if it did. */
static bool pool_remove(struct proc *p)
{
	bool removed = false;

	pthread_mutex_lock(&pool.lock);
	if (pool.nr > MIN_PROCS) {
		for (int i = 0; i < pool.nr; i++)
			if (pool.slots[i] == p) {
				pool.slots[i] = pool.slots[--pool.nr];
				removed = true;
				break;
			}
	}
	pthread_mutex_unlock(&pool.lock);
	return removed;
}

/* ------------------------------------------------------------------ */
/* Owners                                                              */

struct counts {
	long steps, writes, reads, mmaps, munmaps, forks, exits, dontneed, merge_advice;
	long unmerge_advice, prctl, scans, moves, moved, enomem, compactions, knobs, unmerge_all;
};

struct worker {
	pthread_t thread;
	unsigned int id;
	const char *role;
	uint64_t rng;
	uint64_t *buf;
	struct counts c;
	char error[512];
};

static bool __attribute__((format(printf, 2, 3))) worker_error(struct worker *w,
							       const char *fmt, ...)
{
	va_list ap;

	if (!w->error[0]) {
		va_start(ap, fmt);
		vsnprintf(w->error, sizeof(w->error), fmt, ap);
		va_end(ap);
	}
	return false;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static unsigned long rand_below(struct worker *w, unsigned long n)
{
	return splitmix64(&w->rng) % n;
}

static struct region *pick_region(struct worker *w, struct proc *p)
{
	return p->nr_regions ? &p->regions[rand_below(w, p->nr_regions)] : NULL;
}

/* A random run [*first, *first + *n) of @r. */
static void pick_run(struct worker *w, struct region *r, unsigned long *first, unsigned long *n)
{
	*first = rand_below(w, r->nr_pages);
	*n = 1 + rand_below(w, min((unsigned long)MAX_RUN, r->nr_pages - *first));
}

static bool check_page(struct worker *w, struct proc *p, struct region *r, unsigned long i)
{
	unsigned int want = r->content[i];
	int err;
	long bad;

	if (want == CONTENT_UNKNOWN)
		return true;
	err = access_mm(p->mm, r->addr + i * PAGE_SIZE, w->buf, PAGE_SIZE, false);
	if (err)
		return worker_error(w, "mm %p: reading %#lx failed: %d", (void *)p->mm,
				    r->addr + i * PAGE_SIZE, err);
	bad = check_content(w->buf, want);
	if (bad >= 0)
		return worker_error(w, "mm %p: page %#lx (pfn %#lx?) lost content %u at word %ld: "
				    "%#lx", (void *)p->mm, r->addr + i * PAGE_SIZE,
				    ({ unsigned long pfn = 0; follow_pfn(p->mm, r->addr +
				       i * PAGE_SIZE, &pfn); pfn; }), want, bad,
				    (unsigned long)w->buf[bad]);
	return true;
}

static bool op_write(struct worker *w, struct proc *p)
{
	struct region *r = pick_region(w, p);
	unsigned long first, n;
	unsigned int c = rand_below(w, NR_CONTENTS);

	if (!r)
		return true;
	pick_run(w, r, &first, &n);
	for (unsigned long i = first; i < first + n; i++) {
		int err;

		if (rand_below(w, 3) == 0)
			c = rand_below(w, NR_CONTENTS);
		fill_content(w->buf, c);
		err = access_mm(p->mm, r->addr + i * PAGE_SIZE, w->buf, PAGE_SIZE, true);
		if (err == -ENOMEM) {
			r->content[i] = CONTENT_UNKNOWN;
			w->c.enomem++;
			continue;
		}
		if (err)
			return worker_error(w, "writing %#lx failed: %d", r->addr + i * PAGE_SIZE,
					    err);
		r->content[i] = c;
		w->c.writes++;
	}
	return true;
}

static bool op_read(struct worker *w, struct proc *p)
{
	struct region *r = pick_region(w, p);
	unsigned long first, n;

	if (!r)
		return true;
	pick_run(w, r, &first, &n);
	for (unsigned long i = first; i < first + n; i++) {
		if (!check_page(w, p, r, i))
			return false;
		w->c.reads++;
	}
	return true;
}

static bool op_mmap(struct worker *w, struct proc *p)
{
	unsigned long pages = 1 + rand_below(w, MAX_REGION_PAGES), addr;
	struct region *r;
	int err;

	if (p->nr_regions == MAX_REGIONS)
		return true;
	err = do_mmap(p->mm, pages * PAGE_SIZE, false, &addr);
	if (err)
		return err == -ENOMEM || worker_error(w, "mmap failed: %d", err);
	r = &p->regions[p->nr_regions++];
	*r = (struct region){ addr, pages, calloc(pages, 1) };
	assert_non_null(r->content);
	if (rand_below(w, 4)) {
		err = ksm_madvise_range(p->mm, addr, pages * PAGE_SIZE, MADV_MERGEABLE);
		if (err && err != -ENOMEM)
			return worker_error(w, "MADV_MERGEABLE failed: %d", err);
	}
	w->c.mmaps++;
	return true;
}

static bool op_munmap(struct worker *w, struct proc *p)
{
	struct region *r = pick_region(w, p);
	int err;

	if (!r)
		return true;
	err = do_munmap(p->mm, r->addr, r->nr_pages * PAGE_SIZE);
	if (err)
		return worker_error(w, "munmap of %#lx failed: %d", r->addr, err);
	free(r->content);
	*r = p->regions[--p->nr_regions];
	w->c.munmaps++;
	return true;
}

static bool op_advise(struct worker *w, struct proc *p)
{
	struct region *r = pick_region(w, p);
	int advice = rand_below(w, 2) ? MADV_MERGEABLE : MADV_UNMERGEABLE, err;
	unsigned long first, n;

	if (!r)
		return true;
	pick_run(w, r, &first, &n);
	if (!rand_below(w, 3)) {
		first = 0;
		n = r->nr_pages;
	}
	err = ksm_madvise_range(p->mm, r->addr + first * PAGE_SIZE, n * PAGE_SIZE, advice);
	if (err && err != -ENOMEM)
		return worker_error(w, "madvise %d on %#lx+%lu failed: %d", advice, r->addr, n,
				    err);
	if (advice == MADV_UNMERGEABLE && !err)
		for (unsigned long i = first; i < first + n; i++)
			if (!check_page(w, p, r, i))	/* unmerged contents intact */
				return false;
	advice == MADV_MERGEABLE ? w->c.merge_advice++ : w->c.unmerge_advice++;
	return true;
}

static bool op_dontneed(struct worker *w, struct proc *p)
{
	struct region *r = pick_region(w, p);
	unsigned long first, n;
	int err;

	if (!r)
		return true;
	pick_run(w, r, &first, &n);
	err = madvise_dontneed(p->mm, r->addr + first * PAGE_SIZE, n * PAGE_SIZE);
	if (err)
		return worker_error(w, "MADV_DONTNEED failed: %d", err);
	memset(r->content + first, 0, n);
	w->c.dontneed++;
	return true;
}

static bool op_fork(struct worker *w, struct proc *p)
{
	struct mm_struct *mm;
	struct proc *child;
	int err = 0;

	mm = dup_mm(p->mm, &err);
	if (!mm)
		return err == -ENOMEM || worker_error(w, "fork failed: %d", err);
	child = proc_new(mm);
	child->nr_regions = p->nr_regions;
	for (int i = 0; i < p->nr_regions; i++) {
		child->regions[i] = p->regions[i];
		child->regions[i].content = malloc(p->regions[i].nr_pages);
		assert_non_null(child->regions[i].content);
		memcpy(child->regions[i].content, p->regions[i].content, p->regions[i].nr_pages);
	}
	for (int i = 0; i < child->nr_regions; i++) {
		struct region *r = &child->regions[i];

		for (unsigned long j = 0; j < r->nr_pages; j++)
			if (!check_page(w, &(struct proc){ .mm = mm }, r, j))
				return false;
	}
	if (!pool_add(child)) {
		mmput(mm);
		proc_free(child);
	}
	w->c.forks++;
	return true;
}

/* Exit @p, locked; false means it stays (the pool is at its minimum). */
static bool op_exit(struct worker *w, struct proc *p)
{
	if (!pool_remove(p))
		return false;
	mmput(p->mm);
	pthread_mutex_unlock(&p->lock);
	proc_free(p);
	w->c.exits++;
	return true;
}

static bool op_prctl(struct worker *w, struct proc *p)
{
	int on = ksm_prctl(p->mm, PR_GET_MEMORY_MERGE, 0, 0, 0, 0), err;

	err = ksm_prctl(p->mm, PR_SET_MEMORY_MERGE, !on, 0, 0, 0);
	if (err && err != -ENOMEM)
		return worker_error(w, "PR_SET_MEMORY_MERGE %d failed: %d", !on, err);
	w->c.prctl++;
	return true;
}

static bool op_move(struct worker *w, struct proc *p)
{
	struct region *r = pick_region(w, p);
	int status[MAX_RUN];
	unsigned long first, n;
	long moved;

	if (!r)
		return true;
	pick_run(w, r, &first, &n);
	moved = move_pages_range(p->mm, r->addr + first * PAGE_SIZE, n, status);
	if (moved < 0 && moved != -ENOMEM)
		return worker_error(w, "move_pages failed: %ld", moved);
	for (unsigned long i = first; i < first + n; i++)
		if (!check_page(w, p, r, i))
			return false;
	w->c.moves++;
	w->c.moved += moved > 0 ? moved : 0;
	return true;
}

static void *owner_fn(void *arg)
{
	struct worker *w = arg;

	cpu_bind_current(w->id % KSM_CPUS);
	while (now() < round_deadline && !w->error[0]) {
		struct proc *p = pool_grab(&w->rng);
		unsigned long op = rand_below(w, 100);
		bool ok;

		if (!p) {
			sched_yield();
			continue;
		}
		w->c.steps++;
		if (op < 30)
			ok = op_write(w, p);
		else if (op < 50)
			ok = op_read(w, p);
		else if (op < 56)
			ok = op_mmap(w, p);
		else if (op < 66)
			ok = op_advise(w, p);
		else if (op < 71)
			ok = op_dontneed(w, p);
		else if (op < 74)
			ok = op_munmap(w, p);
		else if (op < 79)
			ok = op_fork(w, p);
		else if (op < 82) {
			if (op_exit(w, p))
				continue;	/* p is gone, unlocked */
			ok = true;
		} else if (op < 85)
			ok = op_prctl(w, p);
		else if (op < 90) {
			ok = true;
			w->c.scans += !ksmd_scan_once();
		} else
			ok = op_move(w, p);
		pthread_mutex_unlock(&p->lock);
		if (!ok && !w->error[0])
			worker_error(w, "operation %lu failed", op);
	}
	return NULL;
}

static void *compactor_fn(void *arg)
{
	struct worker *w = arg;

	cpu_bind_current(w->id % KSM_CPUS);
	while (now() < round_deadline) {
		compact_node(&contig_page_data, false);
		w->c.compactions++;
		usleep(1000 + rand_below(w, 4000));
	}
	return NULL;
}

static void knob(struct worker *w, const char *name, const char *value)
{
	int err = ksm_knob_write(name, value);

	if (err && !(err == -ENOMEM && !strcmp(name, "run")))
		worker_error(w, "writing %s=%s failed: %d", name, value, err);
}

static void *knobber_fn(void *arg)
{
	static const char *const sleeps[] = { "0", "1", "2" };
	static const char *const scans[] = { "32", "100", "512" };
	struct worker *w = arg;

	cpu_bind_current(w->id % KSM_CPUS);
	while (now() < round_deadline && !w->error[0]) {
		usleep(3000 + rand_below(w, 10000));
		switch (rand_below(w, 6)) {
		case 0:
			knob(w, "use_zero_pages", rand_below(w, 2) ? "1" : "0");
			break;
		case 1:
			knob(w, "smart_scan", rand_below(w, 2) ? "1" : "0");
			break;
		case 2:
			knob(w, "sleep_millisecs", sleeps[rand_below(w, 3)]);
			break;
		case 3:
			knob(w, "pages_to_scan", scans[rand_below(w, 3)]);
			break;
		case 4:
			if (!rand_below(w, 4)) {
				knob(w, "run", "2");
				knob(w, "run", "1");
				w->c.unmerge_all++;
			}
			break;
		default:
			break;
		}
		w->c.knobs++;
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Between rounds                                                      */

static bool read_back_everything(struct worker *w)
{
	for (int i = 0; i < pool.nr; i++) {
		struct proc *p = pool.slots[i];

		for (int j = 0; j < p->nr_regions; j++)
			for (unsigned long k = 0; k < p->regions[j].nr_pages; k++)
				if (!check_page(w, p, &p->regions[j], k))
					return false;
	}
	return true;
}

/*
 * After full scans of a quiet machine, no content may be left in two
 * non-KSM frames of mergeable VMAs: frames[c] remembers the one allowed.
 */
static bool check_merged(struct worker *w)
{
	unsigned long frames[NR_CONTENTS] = { 0 };

	for (int i = 0; i < pool.nr; i++) {
		struct proc *p = pool.slots[i];

		for (int j = 0; j < p->nr_regions; j++) {
			struct region *r = &p->regions[j];

			for (unsigned long k = 0; k < r->nr_pages; k++) {
				unsigned long addr = r->addr + k * PAGE_SIZE, pfn;
				struct vm_area_struct *vma = find_vma(p->mm, addr);
				unsigned int c = r->content[k];

				if (c == CONTENT_UNKNOWN || !(vma->vm_flags & VM_MERGEABLE) ||
				    follow_pfn(p->mm, addr, &pfn) || PageKsm(pfn_to_page(pfn)) ||
				    frames[c] == pfn)
					continue;
				if (frames[c])
					return worker_error(w, "content %u is in frames %#lx and "
							    "%#lx after three quiet full scans", c,
							    frames[c], pfn);
				frames[c] = pfn;
			}
		}
	}
	return true;
}

static void check_round(struct worker *checker, unsigned int round)
{
	char msg[256];

	assert_int_equal(ksm_knob_write("run", "0"), 0);	/* ksmd stops after its batch */
	drain_all_pages(NULL);
	if (check_invariants(msg, sizeof(msg)))
		fail_msg("round %u (SEED=%#lx): invariant violated: %s", round, run_seed, msg);
	if (!read_back_everything(checker))
		fail_msg("round %u (SEED=%#lx): %s", round, run_seed, checker->error);
	assert_int_equal(ksm_knob_write("smart_scan", "0"), 0);
	assert_int_equal(ksm_knob_write("pages_to_scan", "4096"), 0);
	assert_int_equal(ksm_knob_write("run", "1"), 0);
	assert_int_equal(ksm_wait_full_scans(3, 0), 0);
	assert_int_equal(ksm_knob_write("run", "0"), 0);
	if (!check_merged(checker) || !read_back_everything(checker))
		fail_msg("round %u (SEED=%#lx): %s", round, run_seed, checker->error);
	if (check_invariants(msg, sizeof(msg)))
		fail_msg("round %u, merged (SEED=%#lx): invariant violated: %s", round, run_seed,
			 msg);
	assert_int_equal(ksm_knob_write("run", "1"), 0);
}

static void join_or_hang(struct worker *w)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += HANG_SECONDS;
	if (pthread_timedjoin_np(w->thread, NULL, &ts)) {
		fprintf(stderr, "stress_ksm: SEED=%#lx: the %s thread %u did not stop within %d s "
			"of the end of its round: a hang\n", run_seed, w->role, w->id,
			HANG_SECONDS);
		abort();
	}
}

static long ksm_counter(const char *name)
{
	long v = -1;

	ksm_read(name, &v);
	return v;
}

static void test_stress_ksm(void **state)
{
	unsigned long owners = env_ulong("PAGELAB_STRESS_THREADS", DEFAULT_OWNERS);
	unsigned long rounds = max(env_ulong("PAGELAB_STRESS_ROUNDS", DEFAULT_ROUNDS), 1UL);
	double seconds = env_double("PAGELAB_STRESS_SECONDS", DEFAULT_SECONDS) *
			 env_ulong("PAGELAB_STRESS_SCALE", 1);
	unsigned long nr = owners + 2;
	struct worker *workers = calloc(nr + 1, sizeof(*workers)), *checker = &workers[nr];
	long boot_free, cow0, max_sharing = 0;
	struct counts sum = { 0 };
	char msg[256];

	run_seed = env_ulong("PAGELAB_STRESS_SEED", DEFAULT_SEED);
	assert_non_null(workers);
	fprintf(stderr, "stress_ksm: OWNERS=%lu SECONDS=%.1f ROUNDS=%lu SEED=%#lx\n", owners,
		seconds, rounds, run_seed);
	assert_int_equal(sysctl_compaction_proactiveness_set(0), 0);
	assert_int_equal(ksm_knob_write("max_page_sharing", "3"), 0);
	assert_int_equal(ksm_knob_write("sleep_millisecs", "1"), 0);
	assert_int_equal(ksm_knob_write("run", "1"), 0);
	drain_all_pages(NULL);
	boot_free = global_zone_page_state(NR_FREE_PAGES);
	assert_int_equal(vmstat_read("cow_ksm", &cow0), 0);
	for (int i = 0; i < INITIAL_PROCS; i++)
		assert_true(pool_add(proc_new(mm_alloc())));
	for (unsigned int t = 0; t <= nr; t++) {
		workers[t].id = t;
		workers[t].rng = mix64(run_seed + t);
		workers[t].buf = malloc(PAGE_SIZE);
		assert_non_null(workers[t].buf);
		workers[t].role = t < owners ? "owner" : t == owners ? "compactor" :
				  t == owners + 1 ? "knobber" : "checker";
	}

	for (unsigned int round = 1; round <= rounds; round++) {
		round_deadline = now() + seconds / rounds;
		for (unsigned int t = 0; t < nr; t++) {
			void *(*fn)(void *) = t < owners ? owner_fn :
					      t == owners ? compactor_fn : knobber_fn;

			assert_int_equal(pthread_create(&workers[t].thread, NULL, fn, &workers[t]),
					 0);
		}
		for (unsigned int t = 0; t < nr; t++)
			join_or_hang(&workers[t]);
		for (unsigned int t = 0; t < nr; t++)
			if (workers[t].error[0])
				fail_msg("round %u, %s thread %u (SEED=%#lx): %s", round,
					 workers[t].role, t, run_seed, workers[t].error);
		check_round(checker, round);
		max_sharing = max(max_sharing, ksm_counter("pages_sharing"));
	}

	for (unsigned int t = 0; t <= nr; t++) {
		long *s = (long *)&sum, *a = (long *)&workers[t].c;

		for (size_t i = 0; i < sizeof(sum) / sizeof(long); i++)
			s[i] += a[i];
		free(workers[t].buf);
	}
	fprintf(stderr, "stress_ksm: %ld steps: %ld pages written, %ld read, %ld mmap, %ld munmap, "
		"%ld fork, %ld exit, %ld dontneed, %ld MADV_MERGEABLE, %ld MADV_UNMERGEABLE, "
		"%ld prctl, %ld own scans, %ld move_pages (%ld moved), %ld -ENOMEM; %ld compactions; "
		"%ld knob changes, %ld run=2; full_scans %ld, pages_sharing up to %ld, "
		"stable_node_dups %ld, cow_ksm %ld\n",
		sum.steps, sum.writes, sum.reads, sum.mmaps, sum.munmaps, sum.forks, sum.exits,
		sum.dontneed, sum.merge_advice, sum.unmerge_advice, sum.prctl, sum.scans, sum.moves,
		sum.moved, sum.enomem, sum.compactions, sum.knobs, sum.unmerge_all,
		ksm_counter("full_scans"), max_sharing, ksm_counter("stable_node_dups"),
		({ long v = 0; vmstat_read("cow_ksm", &v); v - cow0; }));
	free(workers);
	assert_true(max_sharing > 0);

	while (pool.nr) {
		struct proc *p = pool.slots[--pool.nr];

		mmput(p->mm);
		proc_free(p);
	}
	assert_int_equal(ksm_knob_write("run", "0"), 0);
	drain_all_pages(NULL);
	if (check_invariants(msg, sizeof(msg)))
		fail_msg("at the end: invariant violated: %s", msg);
	assert_int_equal(global_zone_page_state(NR_FREE_PAGES), boot_free);
	assert_int_equal(node_page_state(&contig_page_data, NR_ANON_MAPPED), 0);
	assert_int_equal(node_page_state(&contig_page_data, NR_PAGETABLE), 0);
	/* No KSM page is left: the stale nodes go, so the limit may change. */
	assert_int_equal(ksm_knob_write("max_page_sharing", "256"), 0);
	for (int i = 0; ksm_counter_names[i]; i++) {
		const char *name = ksm_counter_names[i];

		if (strcmp(name, "pages_scanned") && strcmp(name, "pages_skipped") &&
		    strcmp(name, "full_scans"))
			assert_int_equal(ksm_counter(name), 0);
	}
}

static int ksm_machine_setup(void **state)
{
	struct machine_config cfg = { KSM_MEMORY, KSM_CPUS, 10, 9 };

	return machine_init(&cfg);
}

static int ksm_machine_teardown(void **state)
{
	machine_exit();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stress_ksm, ksm_machine_setup,
						ksm_machine_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
