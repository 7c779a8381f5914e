/* SPDX-License-Identifier: MIT */
/*
 * stress_pool.h - the frame of the process-pool stress tests
 * (stress_migrate, stress_thp): versioned page contents, worker threads
 * that stop at a round's deadline or at the first failure, the reports of
 * a crashed or hung worker, and the pool of processes that owner threads
 * operate and racing threads take references on.
 *
 * The header is a template: before including it, a test defines
 *
 *   STRESS_NAME      its name, for messages
 *   STRESS_CPUS      its machine's cpus (workers are bound round-robin)
 *   MIN_PROCS, MAX_PROCS, MAX_REGIONS, HANG_SECONDS
 *   struct region    one mapping of a process and its model, with at
 *                    least addr and nr_pages
 *   struct counts    what a worker counts: longs only (workers_free())
 *
 * and after it, region_drop(), which frees a region's model.
 *
 * Contents: version @ver of the page at @addr is a stream of words
 * derived from (run_seed, @addr, @ver); version 0 is zeros. Versions come
 * from one global counter and are never reused, so a page showing another
 * page's, another process's or an older contents is caught.
 *
 * The pool: pool.lock guards slots[], nr and reserved; a process's own
 * lock is held by the one owner thread operating it (pick_proc()
 * trylocks). Racers never lock a process: grab_mm() takes an mm reference
 * under pool.lock, so a process that exits under them only drops its own
 * reference and the racer's mmput() does the teardown.
 */
#ifndef PAGELAB_TEST_STRESS_POOL_H
#define PAGELAB_TEST_STRESS_POOL_H

#include "lib/stress.h"
#include "lib/machine_fixture.h"
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "vm/mm.h"

#define WORDS			(PAGE_SIZE / sizeof(uint64_t))

/* ------------------------------------------------------------------ */
/* Contents                                                             */

static unsigned long run_seed;		/* set before the threads start */
static uint64_t next_version = 1;	/* atomic: versions are never reused */

static inline uint64_t new_version(void)
{
	return __atomic_fetch_add(&next_version, 1, __ATOMIC_RELAXED);
}

static inline uint64_t page_base(unsigned long addr, uint64_t ver)
{
	return mix64(run_seed ^ addr ^ (ver * 0x9e3779b97f4a7c15ULL));
}

/* Word @i of version @ver of a page whose page_base() is @base. */
static inline uint64_t page_word(uint64_t base, uint64_t ver, size_t i)
{
	return ver ? base ^ (i * 0xd6e8feb86659fd93ULL) : 0;
}

/* Version @ver of the page at @addr (@ver 0: zeros). */
static inline void fill_page(uint64_t *buf, unsigned long addr, uint64_t ver)
{
	uint64_t base = page_base(addr, ver);

	for (size_t i = 0; i < WORDS; i++)
		buf[i] = page_word(base, ver, i);
}

/* The first word of @buf that is not version @ver of @addr, or -1. */
static inline long check_page(const uint64_t *buf, unsigned long addr, uint64_t ver, uint64_t *want)
{
	uint64_t base = page_base(addr, ver);

	for (size_t i = 0; i < WORDS; i++) {
		*want = page_word(base, ver, i);
		if (buf[i] != *want)
			return (long)i;
	}
	return -1;
}

/* ------------------------------------------------------------------ */
/* Workers                                                              */

struct worker {
	pthread_t thread;
	void *(*fn)(void *);		/* NULL: the main thread's checker */
	const char *role;
	unsigned int id;
	uint64_t rng;
	uint64_t *buf;			/* one page */
	struct counts c;
	char error[512];		/* the first problem seen; the main thread fails the test */
	char crash_msg[128];		/* printed if the thread crashes */
};

static unsigned long stop_flag;		/* atomic: a thread failed */
static double round_deadline;		/* set before the threads start */

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline bool stopped(void)
{
	return __atomic_load_n(&stop_flag, __ATOMIC_ACQUIRE) || now() >= round_deadline;
}

/* Keep @w's first problem and stop every thread; returns false. */
static inline bool __attribute__((format(printf, 2, 3)))
failf(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	if (!w->error[0]) {
		va_start(ap, fmt);
		vsnprintf(w->error, sizeof(w->error), fmt, ap);
		va_end(ap);
	}
	__atomic_store_n(&stop_flag, 1, __ATOMIC_RELEASE);
	return false;
}

static inline unsigned long rand_below(struct worker *w, unsigned long n)
{
	return n ? splitmix64(&w->rng) % n : 0;
}

static __thread struct worker *this_worker;

/* What every worker thread does first. */
static inline void worker_start(struct worker *w)
{
	this_worker = w;
	cpu_bind_current(w->id % STRESS_CPUS);
}

/* Worker @t of a run seeded @seed: @fn its thread, or NULL for the checker. */
static inline void worker_init(struct worker *w, unsigned int t, unsigned long seed,
			       const char *role, void *(*fn)(void *))
{
	w->id = t;
	w->rng = mix64(seed + t);
	w->buf = malloc(PAGE_SIZE);
	assert_non_null(w->buf);
	w->role = role;
	w->fn = fn;
	snprintf(w->crash_msg, sizeof(w->crash_msg), STRESS_NAME ": the %s thread %u crashed "
		 "(SEED=%#lx)\n", role, t, seed);
}

/* The counts of the @nr workers at @workers, summed; frees them all. */
static inline struct counts workers_free(struct worker *workers, unsigned int nr)
{
	struct counts sum = { 0 };
	long *s = (long *)&sum;

	BUILD_BUG_ON(sizeof(sum) % sizeof(long));
	for (unsigned int t = 0; t < nr; t++) {
		const long *c = (const long *)&workers[t].c;

		for (size_t i = 0; i < sizeof(sum) / sizeof(long); i++)
			s[i] += c[i];
		free(workers[t].buf);
	}
	free(workers);
	return sum;
}

/* The vmstat event @name now. */
static inline long event(const char *name)
{
	long v = 0;

	vmstat_read(name, &v);
	return v;
}

/*
 * A crash in a worker thread (a plain build's SIGSEGV or SIGBUS) would end
 * the test with no word of which thread or seed: say it, then let the
 * signal's default action happen (SA_RESETHAND, and the faulting access
 * repeats). Sanitized builds report on their own.
 */
struct crash_reports {
	struct sigaction old_segv, old_bus;
};

#ifndef PAGELAB_SANITIZED
static void crash_handler(int sig)
{
	static const char unknown[] = STRESS_NAME ": crashed outside the worker threads\n";
	struct worker *w = this_worker;

	if (w)
		(void)!write(STDERR_FILENO, w->crash_msg, strlen(w->crash_msg));
	else
		(void)!write(STDERR_FILENO, unknown, sizeof(unknown) - 1);
}
#endif

static inline void crash_reports_start(struct crash_reports *cr)
{
#ifndef PAGELAB_SANITIZED
	struct sigaction sa = { .sa_handler = crash_handler, .sa_flags = SA_RESETHAND };

	sigaction(SIGSEGV, &sa, &cr->old_segv);
	sigaction(SIGBUS, &sa, &cr->old_bus);
#endif
}

static inline void crash_reports_stop(struct crash_reports *cr)
{
#ifndef PAGELAB_SANITIZED
	sigaction(SIGSEGV, &cr->old_segv, NULL);
	sigaction(SIGBUS, &cr->old_bus, NULL);
#endif
}

/*
 * Join @w; if it does not stop in time, it hangs: abort (a core dump or a
 * debugger shows where every thread waits), since the machine cannot be
 * torn down under threads stuck holding its locks.
 */
static inline void join_or_hang(struct worker *w, unsigned long seed)
{
	struct timespec ts;
	int err;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += HANG_SECONDS;
	err = pthread_timedjoin_np(w->thread, NULL, &ts);
	if (err) {
		fprintf(stderr, STRESS_NAME ": SEED=%#lx: the %s thread %u did not stop within %d s "
			"of the end of its round (%s): a hang\n", seed, w->role, w->id,
			HANG_SECONDS, strerror(err));
		abort();
	}
}

/*
 * Round @round: run the first @nr workers' threads for @seconds, wait for
 * them all, and fail the test with the first problem one of them saw.
 */
static inline void run_round(struct worker *workers, unsigned int nr, unsigned long seed,
			     unsigned int round, double seconds)
{
	round_deadline = now() + seconds;
	for (unsigned int t = 0; t < nr; t++)
		assert_int_equal(pthread_create(&workers[t].thread, NULL, workers[t].fn,
						&workers[t]), 0);
	for (unsigned int t = 0; t < nr; t++)
		join_or_hang(&workers[t], seed);
	for (unsigned int t = 0; t < nr; t++)
		if (workers[t].error[0])
			fail_msg("round %u, %s thread %u (SEED=%#lx): %s", round, workers[t].role,
				 t, seed, workers[t].error);
}

/* ------------------------------------------------------------------ */
/* The process pool                                                     */

struct proc {
	pthread_mutex_t lock;		/* held by the owner thread operating it */
	struct mm_struct *mm;		/* set before the process is published */
	unsigned long pid;
	int nr_regions;
	struct region regions[MAX_REGIONS];
};

static struct {
	pthread_mutex_t lock;		/* slots, nr, reserved */
	struct proc *slots[MAX_PROCS];
	int nr, reserved;		/* reserved: forks in progress */
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

static unsigned long next_pid = 1;	/* atomic */

static void region_drop(struct region *r);

static inline struct proc *proc_new(struct mm_struct *mm)
{
	struct proc *p = calloc(1, sizeof(*p));

	BUG_ON(!p);
	pthread_mutex_init(&p->lock, NULL);
	p->mm = mm;
	p->pid = __atomic_fetch_add(&next_pid, 1, __ATOMIC_RELAXED);
	return p;
}

static inline void proc_free(struct proc *p)
{
	for (int i = 0; i < p->nr_regions; i++)
		region_drop(&p->regions[i]);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* A process no other owner is operating, locked; NULL if none. */
static inline struct proc *pick_proc(struct worker *w)
{
	struct proc *p = NULL;

	pthread_mutex_lock(&pool.lock);
	for (int k = 0, start = (int)rand_below(w, pool.nr); k < pool.nr; k++) {
		struct proc *q = pool.slots[(start + k) % pool.nr];

		if (!pthread_mutex_trylock(&q->lock)) {
			p = q;
			break;
		}
	}
	pthread_mutex_unlock(&pool.lock);
	return p;
}

/* Hold a slot for a process about to be born (a fork); false if full. */
static inline bool pool_reserve(void)
{
	bool ok;

	pthread_mutex_lock(&pool.lock);
	ok = pool.nr + pool.reserved < MAX_PROCS;
	pool.reserved += ok;
	pthread_mutex_unlock(&pool.lock);
	return ok;
}

/* Make @p visible to the other threads, in the slot held if @reserved. */
static inline void pool_publish(struct proc *p, bool reserved)
{
	pthread_mutex_lock(&pool.lock);
	BUG_ON(pool.nr >= MAX_PROCS);
	pool.slots[pool.nr++] = p;
	pool.reserved -= reserved;
	pthread_mutex_unlock(&pool.lock);
}

static inline void pool_unreserve(void)
{
	pthread_mutex_lock(&pool.lock);
	pool.reserved--;
	pthread_mutex_unlock(&pool.lock);
}

/* Take @p (locked by the caller) out of the pool if enough stay. */
static inline bool pool_remove(struct proc *p)
{
	bool removed = false;

	pthread_mutex_lock(&pool.lock);
	if (pool.nr > MIN_PROCS) {
		for (int i = 0; i < pool.nr; i++) {
			if (pool.slots[i] == p) {
				pool.slots[i] = pool.slots[--pool.nr];
				removed = true;
				break;
			}
		}
	}
	pthread_mutex_unlock(&pool.lock);
	return removed;
}

/* A reference on the mm of a random live process (the racers' way in). */
static inline struct mm_struct *grab_mm(struct worker *w)
{
	struct mm_struct *mm = NULL;

	pthread_mutex_lock(&pool.lock);
	if (pool.nr) {
		mm = pool.slots[rand_below(w, pool.nr)]->mm;
		mmget(mm);	/* the process's own reference is still held */
	}
	pthread_mutex_unlock(&pool.lock);
	return mm;
}

/* A region of @p (locked by the caller), or NULL if it has none. */
static inline struct region *random_region(struct worker *w, struct proc *p)
{
	return p->nr_regions ? &p->regions[rand_below(w, p->nr_regions)] : NULL;
}

/* A run of 1..@max pages of @r: [*@first, *@first + *@n). */
static inline void random_run(struct worker *w, struct region *r, unsigned long max,
			      unsigned long *first, unsigned long *n)
{
	*first = rand_below(w, r->nr_pages);
	*n = 1 + rand_below(w, min(max, r->nr_pages - *first));
}

/* Start the run with @nr empty processes. Context: no worker running. */
static inline void pool_fill(int nr)
{
	for (int i = 0; i < nr; i++) {
		struct mm_struct *mm = mm_alloc();

		assert_non_null(mm);
		pool_publish(proc_new(mm), false);
	}
}

/* Every process exits. Context: no worker running. */
static inline void pool_empty(void)
{
	while (pool.nr) {
		struct proc *p = pool.slots[--pool.nr];

		mmput(p->mm);
		proc_free(p);
	}
}

#endif /* PAGELAB_TEST_STRESS_POOL_H */
