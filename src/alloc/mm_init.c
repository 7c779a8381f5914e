/* SPDX-License-Identifier: MIT */
/*
 * mm_init.c - deferred struct page init (kernel: mm/mm_init.c with
 * CONFIG_DEFERRED_STRUCT_PAGE_INIT).
 *
 * Boot initialises the struct pages of the node's first section only
 * (PAGES_PER_SECTION frames, 128 MiB as on x86-64) and memblock_free_all()
 * frees those; the rest of the mem_map is left as the host gave it: an
 * anonymous mapping never touched, so it costs no memory. It is
 * initialised and freed to the buddy allocator, a section at a time and in
 * ascending pfn order within each worker, by:
 *   - the pgdatinit helpers (deferred_init_memmap()): real threads, one per
 *     host cpu, which claim the whole rest at once (first_deferred_pfn
 *     becomes ULONG_MAX) and then take sections from a shared cursor, as
 *     padata_do_multithreaded() splits the kernel's job;
 *   - or, in a deterministic machine, the same job run on the caller's
 *     thread (deferred_init_memmap_sync());
 *   - and, before either has claimed it, the allocator when a zone runs
 *     short (deferred_grow_zone(), from get_page_from_freelist()), which
 *     initialises sections from first_deferred_pfn up under node_size_lock.
 * A frame's managed and free pages count only once its section is freed,
 * as in the kernel; when the last section is in, the limits that depend on
 * the zone's size (stat thresholds, per-cpu batch and high, watermarks)
 * are computed again (the kernel computes them after page_alloc_init_late()).
 *
 * Frame walkers read struct pages only below pgdat_init_end_pfn(): the
 * prefix that boot and deferred_grow_zone() initialised, or the whole node
 * once the helpers are done. Walkers that must see every frame (the
 * invariant checker, the census, /proc reports) first call
 * page_alloc_init_late(), which waits for the helpers as the kernel's does;
 * a deterministic machine has no helpers to wait for, so its walkers see
 * the frames above the prefix as not initialised (docs/design.md).
 */
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include "alloc/alloc_internal.h"

#define DEFERRED_INIT_THREADS_MAX	8

/*
 * struct pgdatinit - the helpers of node 0's deferred init.
 * @next_pfn: the next section a helper takes (atomic).
 * @end_pfn: the end of the job.
 * @running: helpers not finished yet (atomic); the last one completes.
 * @lock, @cond, @done: page_alloc_init_late() sleeps on @cond until @done.
 * @stop: shutdown: helpers stop at the next section (atomic).
 */
static struct pgdatinit {
	pthread_t threads[DEFERRED_INIT_THREADS_MAX];
	unsigned int nr_threads;
	unsigned long next_pfn;
	unsigned long end_pfn;
	unsigned int running;
	bool stop;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
} pgdatinit = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static struct zone *node_zone(struct pglist_data *pgdat)
{
	return &pgdat->node_zones[ZONE_NORMAL];
}

/**
 * memmap_init_range() - give the struct pages of [@start_pfn, @end_pfn)
 * their boot state, in @zone.
 * Context: the frames are not in the allocator and nobody else reads them.
 */
void memmap_init_range(unsigned long start_pfn, unsigned long end_pfn, enum zone_type zone)
{
	memmap_populate(start_pfn, end_pfn);
	for (unsigned long pfn = start_pfn; pfn < end_pfn; pfn++)
		init_page_struct(pfn_to_page(pfn), zone);
}

/**
 * deferred_init_setup() - decide how much of node 0 boot initialises
 * (the kernel's defer_init()): the first section, or all of it.
 * @pgdat: the node, its pfns set (0 .. @end_pfn).
 * @end_pfn: the node's end.
 * @defer: false to initialise everything at boot.
 * Context: machine boot, single-threaded.
 * Return: the end of what boot initialises.
 */
unsigned long deferred_init_setup(struct pglist_data *pgdat, unsigned long end_pfn, bool defer)
{
	unsigned long boot_end = defer ? min(end_pfn, PAGES_PER_SECTION) : end_pfn;

	spin_lock_init(&pgdat->node_size_lock, LOCK_CLASS_NODE_SIZE);
	pgdat->first_deferred_pfn = boot_end < end_pfn ? boot_end : ULONG_MAX;
	pgdat->deferred_init_end_pfn = boot_end;
	pgdatinit.done = boot_end == end_pfn;
	pgdatinit.nr_threads = 0;
	pgdatinit.stop = false;
	return boot_end;
}

/** deferred_init_teardown() - undo deferred_init_setup(). Context: machine teardown. */
void deferred_init_teardown(struct pglist_data *pgdat)
{
	spin_lock_destroy(&pgdat->node_size_lock);
}

/*
 * Initialise the struct pages of [@pfn, @end) and free them as
 * MAX_PAGE_ORDER blocks; their managed and free pages, and
 * nr_deferred_freed, change in one hold of zone->lock.
 */
static void deferred_init_range(struct zone *zone, unsigned long pfn, unsigned long end)
{
	struct pglist_data *pgdat = zone->zone_pgdat;

	memmap_init_range(pfn, end, zone_idx(zone));
	spin_lock(&zone->lock);
	__atomic_fetch_add(&zone->managed_pages, (long)(end - pfn), __ATOMIC_RELAXED);
	__free_pages_range(zone, pfn, end);
	__atomic_fetch_add(&pgdat->nr_deferred_freed, end - pfn, __ATOMIC_RELAXED);
	spin_unlock(&zone->lock);
}

/**
 * deferred_init_nr_freed() - the pages deferred init has freed to the
 * buddy since boot (those boot itself freed not counted).
 * @pgdat: the node.
 * Context: any; lockless, or exact together with NR_FREE_PAGES under
 * zone->lock, under which both change.
 * Return: the number of pages.
 */
unsigned long deferred_init_nr_freed(const struct pglist_data *pgdat)
{
	return __atomic_load_n(&pgdat->nr_deferred_freed, __ATOMIC_RELAXED);
}

/* The limits that scale with the zone's managed pages, for its full size. */
static void deferred_init_complete(struct pglist_data *pgdat, unsigned long end_pfn)
{
	struct zone *zone = node_zone(pgdat);

	__atomic_store_n(&pgdat->deferred_init_end_pfn, end_pfn, __ATOMIC_RELEASE);
	refresh_zone_stat_thresholds();
	zone_pcp_update(zone);
	calculate_min_free_kbytes();
	pthread_mutex_lock(&pgdatinit.lock);
	pgdatinit.done = true;
	pthread_cond_broadcast(&pgdatinit.cond);
	pthread_mutex_unlock(&pgdatinit.lock);
}

/*
 * Claim everything not initialised yet (first_deferred_pfn = ULONG_MAX):
 * from now on deferred_grow_zone() waits for the job instead.
 * Return: the first pfn of the job, or ULONG_MAX if nothing is left.
 */
static unsigned long deferred_init_claim(struct pglist_data *pgdat)
{
	unsigned long start;

	spin_lock(&pgdat->node_size_lock);
	start = pgdat->first_deferred_pfn;
	pgdat->first_deferred_pfn = ULONG_MAX;
	spin_unlock(&pgdat->node_size_lock);
	return start;
}

/* One helper: take sections from the cursor until none is left. */
static void *deferred_init_worker(void *arg)
{
	struct pglist_data *pgdat = arg;
	struct zone *zone = node_zone(pgdat);
	unsigned long pfn;

	while (!__atomic_load_n(&pgdatinit.stop, __ATOMIC_RELAXED) &&
	       (pfn = __atomic_fetch_add(&pgdatinit.next_pfn, PAGES_PER_SECTION,
					 __ATOMIC_RELAXED)) < pgdatinit.end_pfn)
		deferred_init_range(zone, pfn, min(pfn + PAGES_PER_SECTION, pgdatinit.end_pfn));
	if (__atomic_sub_fetch(&pgdatinit.running, 1, __ATOMIC_ACQ_REL) == 0 &&
	    !__atomic_load_n(&pgdatinit.stop, __ATOMIC_RELAXED))
		deferred_init_complete(pgdat, pgdatinit.end_pfn);
	return NULL;
}

static unsigned int deferred_init_nr_threads(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	return clamp(cpus, 1L, (long)DEFERRED_INIT_THREADS_MAX);
}

/**
 * deferred_init_memmap() - start the pgdatinit helpers on what boot left
 * (the kernel's pgdatinit thread and its padata helpers).
 * @pgdat: the node.
 * Context: machine boot, after memblock_free_all(); the machine is live.
 * Return: 0, or a negative errno if no helper could be started (the
 * caller then runs the job with deferred_init_memmap_sync()).
 */
int deferred_init_memmap(struct pglist_data *pgdat)
{
	unsigned int want = deferred_init_nr_threads();
	unsigned long start = deferred_init_claim(pgdat);

	if (start == ULONG_MAX)
		return 0;
	pgdatinit.next_pfn = start;
	pgdatinit.end_pfn = zone_end_pfn(node_zone(pgdat));
	pgdatinit.running = want;
	for (pgdatinit.nr_threads = 0; pgdatinit.nr_threads < want; pgdatinit.nr_threads++)
		if (pthread_create(&pgdatinit.threads[pgdatinit.nr_threads], NULL,
				   deferred_init_worker, pgdat))
			break;
	if (pgdatinit.nr_threads == want)
		return 0;
	/* Helpers never started are counted off; with none, run it here. */
	if (!pgdatinit.nr_threads) {
		pgdatinit.running = 1;
		deferred_init_worker(pgdat);
		return 0;
	}
	if (__atomic_sub_fetch(&pgdatinit.running, want - pgdatinit.nr_threads,
			       __ATOMIC_ACQ_REL) == 0)
		deferred_init_complete(pgdat, pgdatinit.end_pfn);
	return 0;
}

/**
 * deferred_init_memmap_sync() - run the whole deferred init on the
 * caller's thread, in ascending pfn order (a deterministic machine's
 * pgdatinit).
 * @pgdat: the node.
 * Context: the machine is live; takes node_size_lock, then zone->lock;
 * the caller holds neither.
 */
void deferred_init_memmap_sync(struct pglist_data *pgdat)
{
	unsigned long start = deferred_init_claim(pgdat);

	if (start == ULONG_MAX)
		return;
	pgdatinit.next_pfn = start;
	pgdatinit.end_pfn = zone_end_pfn(node_zone(pgdat));
	pgdatinit.running = 1;
	deferred_init_worker(pgdat);
}

/* Wait for the helpers, if any; return whether deferred init is done. */
static bool deferred_init_wait(void)
{
	bool done;

	pthread_mutex_lock(&pgdatinit.lock);
	while (!pgdatinit.done && pgdatinit.nr_threads)
		pthread_cond_wait(&pgdatinit.cond, &pgdatinit.lock);
	done = pgdatinit.done;
	pthread_mutex_unlock(&pgdatinit.lock);
	return done;
}

/**
 * page_alloc_init_late() - wait until every struct page of the node is
 * initialised and free (the kernel waits so before user space starts).
 * Context: may sleep; no lock held that a helper takes (zone->lock,
 * node_size_lock). A deterministic machine has no helpers: returns at
 * once, leaving what is not claimed yet to deferred_grow_zone().
 */
void page_alloc_init_late(void)
{
	deferred_init_wait();
}

/**
 * deferred_init_stop() - stop the helpers at their next section and reap
 * them: a machine shut down during deferred init never finishes it.
 * Context: machine teardown, single-threaded otherwise.
 */
void deferred_init_stop(void)
{
	__atomic_store_n(&pgdatinit.stop, true, __ATOMIC_RELAXED);
	for (unsigned int i = 0; i < pgdatinit.nr_threads; i++)
		pthread_join(pgdatinit.threads[i], NULL);
	pgdatinit.nr_threads = 0;
}

/**
 * deferred_init_pending() - are some struct pages of @pgdat not
 * initialised yet (above pgdat_init_end_pfn())?
 * Context: any; lockless.
 * Return: true while deferred init has not published the node's end.
 */
bool deferred_init_pending(const struct pglist_data *pgdat)
{
	return pgdat_init_end_pfn(pgdat) < pgdat->node_spanned_pages;
}

/**
 * deferred_grow_zone() - initialise and free enough deferred sections for
 * an allocation of @order that found the zone short.
 * @zone: the zone.
 * @order: the order wanted.
 *
 * Takes whole sections from first_deferred_pfn up until at least 2^@order
 * pages are in (the kernel's rule), publishing each. If the helpers own
 * the rest already, waits for them (the kernel retries the zone in a loop
 * until they are done; pagelab sleeps instead, a documented deviation).
 * Context: takes node_size_lock, then zone->lock; may sleep. The caller
 * holds neither, nor a pcp lock.
 * Return: true if memory was added (or the helpers finished), so the
 * caller should try the zone again; false if nothing is deferred or the
 * helpers were stopped (machine shutdown) before they finished.
 */
bool deferred_grow_zone(struct zone *zone, unsigned int order)
{
	struct pglist_data *pgdat = zone->zone_pgdat;
	unsigned long nr = 0, pfn, end = zone_end_pfn(zone);

	if (!deferred_init_pending(pgdat))
		return false;
	spin_lock(&pgdat->node_size_lock);
	pfn = pgdat->first_deferred_pfn;
	if (pfn == ULONG_MAX) {
		spin_unlock(&pgdat->node_size_lock);
		return deferred_init_wait();
	}
	while (pfn < end && nr < 1UL << order) {
		unsigned long next = min(pfn + PAGES_PER_SECTION, end);

		deferred_init_range(zone, pfn, next);
		nr += next - pfn;
		pfn = next;
		__atomic_store_n(&pgdat->deferred_init_end_pfn, pfn, __ATOMIC_RELEASE);
	}
	pgdat->first_deferred_pfn = pfn < end ? pfn : ULONG_MAX;
	spin_unlock(&pgdat->node_size_lock);
	if (pfn == end)
		deferred_init_complete(pgdat, end);
	return true;
}
