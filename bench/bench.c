/* SPDX-License-Identifier: MIT */
/*
 * bench.c - pagelab's micro-benchmarks (target pagelab-bench, `make bench`).
 *
 * Boots one 2 GiB machine (2 cpus, MAX_PAGE_ORDER 10, pageblock_order 9)
 * and runs the whole benches[] table PAGELAB_BENCH_REPS times (default 5),
 * each entry for PAGELAB_BENCH_SECONDS of wall time (default 0.5). Every
 * figure is printed once at the end as "name: median (min..max)"; a ratio
 * is computed inside each repetition from that repetition's rates, and its
 * median is printed. Each ratio divides by a bound measured in the same
 * repetition on the same work (the very frames a migration or compaction
 * copied between, the very frames touch wrote) and, where it applies, by
 * the cache-cold bound (copies between random frames of the whole arena).
 * docs/performance.md says what each benchmark does and what bounds it.
 *
 *   pagelab-bench [--json FILE] [--baseline FILE] [--list] [PREFIX...]
 *
 * --json writes every figure (median, min, max, samples); --baseline reads
 * such a file and prints each figure's ratio to its saved median; PREFIX
 * runs only the entries whose names start with one of them (ratios whose
 * inputs did not run are left out). PAGELAB_BENCH_MEMORY_MIB shrinks the
 * machine (and with it the regions), for a quick functional run.
 * A new benchmark is one more run function and one more row in the table.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>
#include "drivers/virtio_balloon.h"
#include "compact/compaction.h"
#include "vm/hugetlb.h"
#include "vm/huge_mm.h"
#include "ksm/ksm.h"
#include "migrate/migrate.h"
#include "machine/machine.h"
#include "vm/mm.h"

#define BENCH_MEMORY_MIB	2048
#define BENCH_CPUS		2
#define BENCH_SECONDS		0.5
#define BENCH_REPS		5
#define BENCH_MAX_REPS		101

/*
 * The run's sizes: the machine, the region faulted, touched and migrated
 * (64 MiB), the KSM region (256 MiB) and the hole-punched frames
 * (512 MiB); the regions shrink with a machine smaller than 2 GiB.
 */
static struct {
	unsigned long memory;
	unsigned long vm_bytes;
	unsigned long ksm_pages;
	unsigned long punch_bytes;
	double seconds;
	int reps;
} cfg;

/**
 * struct bench - one benchmark: its printed name and how to run it.
 * @name: printed before ": value".
 * @run: runs for about cfg.seconds and returns the value (NAN: not
 *       available in this run, e.g. a ratio whose inputs were not run).
 * @order: parameter of the allocation and punch benchmarks.
 * @threads: threads to run @run's loop in, bound to cpus round-robin.
 */
struct bench {
	const char *name;
	double (*run)(const struct bench *b);
	unsigned int order;
	unsigned int threads;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double thread_cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void sleep_seconds(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

static double ratio(double num, double den)
{
	return num > 0 && den > 0 ? num / den : NAN;
}

/* A rate another entry measured in this repetition, NAN if it did not run. */
static double measured(double value)
{
	return value > 0 ? value : NAN;
}

/* The rates of one repetition, from which its ratios are computed. */
static struct {
	double memcpy, migrate, migrate_same, compact, compact_same;
	double touch, memset;
	double inflate, punch_2m;
	double xxh3, ksm_scan, ksm_merge_seconds;
	double order9[2], sweep[2];	/* by threads - 1 */
} rate;

/*
 * One loop thread. Cache-line aligned, and its loop counts in a local
 * variable stored once at the end: two threads' counters on one line cost
 * more than the allocator's whole fast path.
 */
struct loop_thread {
	pthread_t thread;
	const struct bench *bench;
	unsigned int cpu;
	bool *stop;
	long ops;
	double cpu_seconds;	/* the thread's CPU time */
} __cacheline_aligned;

static bool should_stop(const struct loop_thread *t)
{
	return __atomic_load_n(t->stop, __ATOMIC_RELAXED);
}

static void *alloc_free_loop(void *arg)
{
	struct loop_thread *t = arg;
	unsigned int order = t->bench->order;
	long ops = 0;

	cpu_bind_current(t->cpu);
	do {	/* at least once: a thread the host never ran in time still counts */
		struct page *page = alloc_pages(GFP_HIGHUSER_MOVABLE, order);

		if (!page) {
			fprintf(stderr, "bench: order-%u allocation failed\n", order);
			exit(1);
		}
		__free_pages(page, order);
		ops++;
	} while (!should_stop(t));
	t->ops = ops;
	t->cpu_seconds = thread_cpu_seconds();
	return NULL;
}

/* Ops per second of CPU time of the last run_threads(). */
static double ops_per_cpu_second = NAN;

/*
 * Run @fn in b->threads threads for cfg.seconds; return ops per second of
 * wall time, and set ops_per_cpu_second (ops over the threads' CPU time:
 * on a machine other work also uses, the figure that shows whether a
 * second cpu adds throughput, since a thread descheduled by the host
 * loses wall time but no CPU time).
 */
static double run_threads(const struct bench *b, void *(*fn)(void *))
{
	struct loop_thread threads[BENCH_CPUS * 4];
	bool stop = false;
	double start = now(), cpu = 0;
	long ops = 0;

	if (b->threads > ARRAY_SIZE(threads))
		return -1;
	for (unsigned int i = 0; i < b->threads; i++) {
		threads[i] = (struct loop_thread){ .bench = b, .cpu = i % BENCH_CPUS, .stop = &stop };
		if (pthread_create(&threads[i].thread, NULL, fn, &threads[i]))
			return -1;
	}
	sleep_seconds(cfg.seconds);
	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	for (unsigned int i = 0; i < b->threads; i++) {
		pthread_join(threads[i].thread, NULL);
		ops += threads[i].ops;
		cpu += threads[i].cpu_seconds;
	}
	ops_per_cpu_second = ops / cpu;
	return ops / (now() - start);
}

static double bench_alloc_free(const struct bench *b)
{
	double value = run_threads(b, alloc_free_loop);

	drain_all_pages(NULL);
	if (b->order == pageblock_order)
		rate.order9[b->threads - 1] = value;
	return value;
}

/* The previous entry's ops per CPU-second (NAN if it did not run). */
static double bench_ops_per_cpu_second(const struct bench *b)
{
	double v = ops_per_cpu_second;

	ops_per_cpu_second = NAN;
	return v;
}

/*
 * The scaling bound for the allocator: the per-struct-page part of a pair
 * (free_pages_prepare() clearing the flags of every page of the block, as
 * the kernel does) on memory of the thread's own. A pcp list is LIFO, so
 * in the steady state each thread allocates and frees the same block over
 * and over; the sweep clears the flags of one block's struct pages of its
 * own per op. Nothing is shared, so what two threads lose against one is
 * what the machine loses running two such loops at once (vCPUs on one host
 * core, shared caches or memory bandwidth).
 */
static void *struct_page_sweep_loop(void *arg)
{
	struct loop_thread *t = arg;
	const unsigned long nr = 1UL << t->bench->order;
	struct page *page = aligned_alloc(64, nr * sizeof(*page));
	long ops = 0;

	if (!page) {
		fprintf(stderr, "bench: out of memory\n");
		exit(1);
	}
	memset(page, 0, nr * sizeof(*page));
	do {	/* at least once, as alloc_free_loop() */
		for (unsigned long i = 0; i < nr; i++)
			WRITE_ONCE(page[i].flags, READ_ONCE(page[i].flags) & ~PAGE_FLAGS_MASK);
		ops++;
	} while (!should_stop(t));
	t->ops = ops;
	t->cpu_seconds = thread_cpu_seconds();
	free(page);
	return NULL;
}

static double bench_struct_page_sweep(const struct bench *b)
{
	double value = run_threads(b, struct_page_sweep_loop);

	rate.sweep[b->threads - 1] = value;
	return value;
}

/* Two threads' order-9 pair rate over one thread's. */
static double bench_order9_scaling(const struct bench *b)
{
	return ratio(rate.order9[1], rate.order9[0]);
}

/* The same for the struct-page sweep: the scaling the machine allows. */
static double bench_sweep_scaling(const struct bench *b)
{
	return ratio(rate.sweep[1], rate.sweep[0]);
}

static double bench_order9_scaling_ratio(const struct bench *b)
{
	return ratio(bench_order9_scaling(b), bench_sweep_scaling(b));
}

static uint64_t xorshift64(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/*
 * Copy one 4 KiB frame to another, both picked at random among all the
 * frames of the arena the allocator can give (taken in pageblock-sized
 * blocks): the cache-cold bound for anything that moves pages around.
 */
static double bench_memcpy(const struct bench *b)
{
	struct page **blocks = malloc((cfg.memory >> (PAGE_SHIFT + pageblock_order)) *
				      sizeof(*blocks));
	uint64_t rng = 0x9e3779b97f4a7c15ULL;
	unsigned long nr = 0, pages;
	double start, elapsed;
	long copies = 0;

	if (!blocks)
		return -1;
	while ((blocks[nr] = alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_NOWARN, pageblock_order)))
		nr++;
	if (!nr)
		return -1;
	pages = nr << pageblock_order;
	start = now();
	do {
		for (int i = 0; i < 1024; i++) {
			uint64_t r = xorshift64(&rng);
			unsigned long s = r % pages, d = (r >> 32) % pages;
			unsigned char *src = page_address(blocks[s >> pageblock_order]);
			unsigned char *dst = page_address(blocks[d >> pageblock_order]);

			memcpy(dst + ((d & (pageblock_nr_pages - 1)) << PAGE_SHIFT),
			       src + ((s & (pageblock_nr_pages - 1)) << PAGE_SHIFT), PAGE_SIZE);
		}
		copies += 1024;
		elapsed = now() - start;
	} while (elapsed < cfg.seconds);
	while (nr)
		__free_pages(blocks[--nr], pageblock_order);
	free(blocks);
	drain_all_pages(NULL);
	rate.memcpy = copies / elapsed;
	return rate.memcpy;
}

/*
 * struct copy_pair - one page a migration moved: the frame it was copied
 * from and the frame it was copied to.
 */
struct copy_pair {
	unsigned long src, dst;
};

/*
 * The same-frames bound: memcpy from each pair's source frame to its
 * destination frame, in the order given, in passes over all the pairs
 * until cfg.seconds have passed (one pass at least). The destinations are
 * the live pages, which receive the content they already hold (the
 * sources are free frames with the same bytes left in them).
 */
static double copy_pairs_rate(const struct copy_pair *pairs, unsigned long nr)
{
	double start = now(), elapsed;
	long copies = 0;

	if (!nr)
		return NAN;
	do {
		for (unsigned long i = 0; i < nr; i++)
			memcpy(page_address(pfn_to_page(pairs[i].dst)),
			       page_address(pfn_to_page(pairs[i].src)), PAGE_SIZE);
		copies += nr;
		elapsed = now() - start;
	} while (elapsed < cfg.seconds);
	return copies / elapsed;
}

/* Record the frame of each of the @nr pages at @addr of @mm. */
static int record_pfns(struct mm_struct *mm, unsigned long addr, unsigned long nr,
		       unsigned long *pfns)
{
	for (unsigned long i = 0; i < nr; i++)
		if (follow_pfn(mm, addr + i * PAGE_SIZE, &pfns[i]))
			return -1;
	return 0;
}

/* Write-fault every page of a fresh region, unmap it, repeat. */
static double bench_faults(const struct bench *b)
{
	struct mm_struct *mm = mm_alloc();
	double start = now(), elapsed;
	long faults = 0;
	unsigned long addr;

	if (!mm)
		return -1;
	do {
		if (do_mmap(mm, cfg.vm_bytes, false, &addr))
			return -1;
		for (unsigned long off = 0; off < cfg.vm_bytes; off += PAGE_SIZE)
			if (access_mm(mm, addr + off, &(char){ 1 }, 1, true))
				return -1;
		do_munmap(mm, addr, cfg.vm_bytes);
		faults += cfg.vm_bytes / PAGE_SIZE;
		elapsed = now() - start;
	} while (elapsed < cfg.seconds);
	mmput(mm);
	drain_all_pages(NULL);
	return faults / elapsed;
}

/*
 * move_pages() of a region of single-mapped anonymous pages, over and
 * over: each page is isolated, unmapped, copied and remapped. The frames
 * of every page are recorded before and after each pass (untimed); the
 * last pass's pairs are the same-frames bound, copied in the same order
 * (move_pages migrates in address order).
 */
static double bench_migrate(const struct bench *b)
{
	const unsigned long nr = cfg.vm_bytes / PAGE_SIZE;
	struct mm_struct *mm = mm_alloc();
	int *status = malloc(nr * sizeof(*status));
	unsigned long *src = malloc(nr * sizeof(*src)), *dst = malloc(nr * sizeof(*dst));
	struct copy_pair *pairs = malloc(nr * sizeof(*pairs));
	unsigned long addr, nr_pairs = 0;
	double elapsed = 0;
	long moved = 0;

	if (!mm || !status || !src || !dst || !pairs || do_mmap(mm, cfg.vm_bytes, false, &addr))
		return -1;
	for (unsigned long off = 0; off < cfg.vm_bytes; off += PAGE_SIZE)
		access_mm(mm, addr + off, &off, sizeof(off), true);
	do {
		double start;
		long n;

		if (record_pfns(mm, addr, nr, src))
			return -1;
		start = now();
		n = move_pages_range(mm, addr, nr, status);
		elapsed += now() - start;
		if (n < 0 || record_pfns(mm, addr, nr, dst))
			return -1;
		moved += n;
	} while (elapsed < cfg.seconds);
	for (unsigned long i = 0; i < nr; i++)
		if (src[i] != dst[i])
			pairs[nr_pairs++] = (struct copy_pair){ src[i], dst[i] };
	rate.migrate = moved / elapsed;
	rate.migrate_same = copy_pairs_rate(pairs, nr_pairs);
	mmput(mm);
	free(status);
	free(src);
	free(dst);
	free(pairs);
	drain_all_pages(NULL);
	return rate.migrate;
}

/* ------------------------------------------------------------------ */
/* Transparent huge pages                                              */

static struct { double fault, memset, migrate, memcpy; } thp_rate;

/* The THP region's length: cfg.vm_bytes rounded down to 2 MiB (one at least). */
static unsigned long thp_len(void)
{
	return max(cfg.vm_bytes & HPAGE_PMD_MASK, (unsigned long)HPAGE_PMD_SIZE);
}

/* thp enabled=always for a run; @saved receives the word to restore. */
static int thp_enable(char *saved, size_t len)
{
	char buf[64], *open, *close;

	if (thp_knob_show("enabled", buf, sizeof(buf)) < 0)
		return -1;
	open = strchr(buf, '[');
	close = open ? strchr(open, ']') : NULL;
	if (!close)
		return -1;
	snprintf(saved, len, "%.*s", (int)(close - open - 1), open + 1);
	return thp_knob_write("enabled", "always");
}

/* A fresh THP region of @mm, every 2 MiB written once (one PMD fault each). */
static int thp_fault_region(struct mm_struct *mm, unsigned long *addr)
{
	if (do_mmap(mm, thp_len(), false, addr))
		return -1;
	for (unsigned long off = 0; off < thp_len(); off += HPAGE_PMD_SIZE)
		if (access_mm(mm, *addr + off, &(char){ 1 }, 1, true))
			return -1;
	return 0;
}

/* The first frame of each 2 MiB of the region at @addr. */
static int thp_record_heads(struct mm_struct *mm, unsigned long addr, unsigned long *pfns)
{
	for (unsigned long i = 0; i < thp_len() / HPAGE_PMD_SIZE; i++)
		if (follow_pfn(mm, addr + i * HPAGE_PMD_SIZE, &pfns[i]))
			return -1;
	return 0;
}

/*
 * The bound of thp.fault_pages_per_s: memset of the very 2 MiB frames the
 * last pass faulted (a THP fault zeroes its 512 pages), in base pages/s.
 */
static double thp_memset_rate(const unsigned long *heads, unsigned long nr)
{
	double start = now(), elapsed;
	long pages = 0;

	do {
		for (unsigned long i = 0; i < nr; i++)
			memset(page_address(pfn_to_page(heads[i])), 0, HPAGE_PMD_SIZE);
		pages += nr * HPAGE_PMD_NR;
		elapsed = now() - start;
	} while (elapsed < cfg.seconds);
	return pages / elapsed;
}

/*
 * Faulting a THP-enabled region (thp enabled=always, restored after), one
 * write per 2 MiB, and unmapping it, over and over, in base pages per
 * second; then the memset bound over the last pass's frames, its region
 * still mapped.
 */
static double bench_thp_fault(const struct bench *b)
{
	const unsigned long nr = thp_len() / HPAGE_PMD_SIZE;
	unsigned long *heads = malloc(nr * sizeof(*heads)), addr = 0;
	struct mm_struct *mm = mm_alloc();
	double start = now(), elapsed;
	char saved[16];
	long pages = 0;

	if (!mm || !heads || thp_enable(saved, sizeof(saved)))
		return -1;
	do {
		if (addr)
			do_munmap(mm, addr, thp_len());
		if (thp_fault_region(mm, &addr))
			return -1;
		pages += thp_len() / PAGE_SIZE;
		elapsed = now() - start;
	} while (elapsed < cfg.seconds);
	if (thp_record_heads(mm, addr, heads))
		return -1;
	thp_rate.fault = pages / elapsed;
	thp_rate.memset = thp_memset_rate(heads, nr);
	thp_knob_write("enabled", saved);
	mmput(mm);
	free(heads);
	drain_all_pages(NULL);
	return thp_rate.fault;
}

static double bench_thp_memset(const struct bench *b)
{
	return measured(thp_rate.memset);
}

static double bench_thp_fault_ratio(const struct bench *b)
{
	return ratio(thp_rate.fault, thp_rate.memset);
}

/*
 * The bound of thp.migrate_pages_per_s: memcpy of 2 MiB from each source
 * frame of the last migration pass to its destination, in base pages/s.
 */
static double thp_memcpy_rate(const unsigned long *src, const unsigned long *dst,
			      unsigned long nr)
{
	double start = now(), elapsed;
	long pages = 0;

	do {
		for (unsigned long i = 0; i < nr; i++)
			memcpy(page_address(pfn_to_page(dst[i])),
			       page_address(pfn_to_page(src[i])), HPAGE_PMD_SIZE);
		pages += nr * HPAGE_PMD_NR;
		elapsed = now() - start;
	} while (elapsed < cfg.seconds);
	return pages / elapsed;
}

/*
 * move_pages() of a THP region over and over (each pass moves every
 * PMD-mapped THP whole by PMD migration entries; it stays PMD-mapped:
 * docs/huge-pages.md), in base pages per second, only move_pages_range()
 * timed; then the memcpy bound between the last pass's frames.
 */
static double bench_thp_migrate(const struct bench *b)
{
	const unsigned long nr = thp_len() / HPAGE_PMD_SIZE, nr_pages = thp_len() / PAGE_SIZE;
	unsigned long *src = malloc(nr * sizeof(*src)), *dst = malloc(nr * sizeof(*dst)), addr;
	int *status = malloc(nr_pages * sizeof(*status));
	struct mm_struct *mm = mm_alloc();
	double elapsed = 0;
	char saved[16];
	long moved = 0;

	if (!mm || !src || !dst || !status || thp_enable(saved, sizeof(saved)) ||
	    thp_fault_region(mm, &addr))
		return -1;
	do {
		double start;
		long n;

		if (thp_record_heads(mm, addr, src))
			return -1;
		start = now();
		n = move_pages_range(mm, addr, nr_pages, status);
		elapsed += now() - start;
		if (n < 0 || thp_record_heads(mm, addr, dst))
			return -1;
		moved += n;
	} while (elapsed < cfg.seconds);
	thp_rate.migrate = moved / elapsed;
	thp_rate.memcpy = thp_memcpy_rate(src, dst, nr);
	thp_knob_write("enabled", saved);
	mmput(mm);
	free(src);
	free(dst);
	free(status);
	drain_all_pages(NULL);
	return thp_rate.migrate;
}

static double bench_thp_memcpy(const struct bench *b)
{
	return measured(thp_rate.memcpy);
}

static double bench_thp_migrate_ratio(const struct bench *b)
{
	return ratio(thp_rate.migrate, thp_rate.memcpy);
}

static double bench_migrate_same(const struct bench *b)
{
	return measured(rate.migrate_same);
}

static double bench_migrate_ratio_same(const struct bench *b)
{
	return ratio(rate.migrate, rate.migrate_same);
}

static double bench_migrate_ratio_random(const struct bench *b)
{
	return ratio(rate.migrate, rate.memcpy);
}

static int cmp_pair_src(const void *a, const void *b)
{
	const struct copy_pair *x = a, *y = b;

	return x->src < y->src ? -1 : x->src > y->src;
}

/*
 * The compaction selftest's layout: fill the machine with @mm's pages in
 * half-pageblock chunks until no more than @leave pages are free (and at
 * least 4 chunks above the high watermark), and unmap every other chunk.
 * The @chunks' addresses (every other one still mapped) are stored;
 * returns their number, or -1.
 */
static int fragment_memory(struct mm_struct *mm, unsigned long *chunks, long leave)
{
	const unsigned long chunk = PAGE_SIZE << (pageblock_order - 1);
	const unsigned long per_chunk = chunk / PAGE_SIZE;
	int n = 0;

	drain_all_pages(NULL);
	leave = max(leave, (long)(4 * per_chunk + high_wmark_pages(&NODE_DATA(0)->node_zones[0])));
	while (global_zone_page_state(NR_FREE_PAGES) > leave) {
		if (do_mmap(mm, chunk, false, &chunks[n]))
			return -1;
		for (unsigned long off = 0; off < chunk; off += PAGE_SIZE)
			access_mm(mm, chunks[n] + off, &off, sizeof(off), true);
		n++;
		drain_all_pages(NULL);
	}
	for (int i = 0; i < n; i += 2)
		do_munmap(mm, chunks[i], chunk);
	return n;
}

/*
 * compact_memory on the whole machine after fragment_memory(): pages
 * migrated per second. Every remaining page's
 * frame is recorded before and after (untimed); the pages whose frame
 * changed, in the order the migration scanner met them (ascending source
 * pfn), are the same-frames bound.
 */
static double bench_compact(const struct bench *b)
{
	const unsigned long chunk = PAGE_SIZE << (pageblock_order - 1);
	const unsigned long per_chunk = chunk / PAGE_SIZE, max_chunks = cfg.memory / chunk;
	struct mm_struct *mm = mm_alloc();
	unsigned long *chunks = malloc(max_chunks * sizeof(*chunks));
	unsigned long *src = malloc(cfg.memory / PAGE_SIZE * sizeof(*src));
	struct copy_pair *pairs = malloc(cfg.memory / PAGE_SIZE * sizeof(*pairs));
	unsigned long nr_pairs = 0, k;
	long migrated;
	double start;
	int n;

	if (!mm || !chunks || !src || !pairs)
		return -1;
	n = fragment_memory(mm, chunks, 0);
	if (n < 0)
		return -1;
	k = 0;
	for (int i = 1; i < n; i += 2, k += per_chunk)
		if (record_pfns(mm, chunks[i], per_chunk, src + k))
			return -1;
	migrated = vm_event_sum(PGMIGRATE_SUCCESS);
	start = now();
	sysctl_compact_memory();
	rate.compact = (vm_event_sum(PGMIGRATE_SUCCESS) - migrated) / (now() - start);
	k = 0;
	for (int i = 1; i < n; i += 2) {
		for (unsigned long j = 0, pfn; j < per_chunk; j++, k++) {
			if (follow_pfn(mm, chunks[i] + j * PAGE_SIZE, &pfn))
				return -1;
			if (pfn != src[k])
				pairs[nr_pairs++] = (struct copy_pair){ src[k], pfn };
		}
	}
	qsort(pairs, nr_pairs, sizeof(*pairs), cmp_pair_src);
	rate.compact_same = copy_pairs_rate(pairs, nr_pairs);
	mmput(mm);
	free(chunks);
	free(src);
	free(pairs);
	drain_all_pages(NULL);
	return rate.compact;
}

static long hugetlb_pages;	/* what the last hugetlb.alloc_seconds run got */
static double hugetlb_possible;	/* huge pages its free memory could hold */

/*
 * The kernel's compaction selftest through vm.nr_hugepages: after
 * fragment_memory() of 80% of free memory, as the selftest fills, the
 * time a write of vm.nr_hugepages asking for every huge page memory could
 * hold takes to fill the pool (the allocator's direct compaction at
 * rising priority, page by page), and the pages it
 * got (hugetlb.alloc_pages), also over the huge pages the free memory
 * could hold (hugetlb.alloc_ratio_to_free, the selftest's 95% goal). The
 * pool is emptied afterwards, untimed.
 */
static double bench_hugetlb_alloc(const struct bench *b)
{
	unsigned long *chunks = malloc(cfg.memory / (PAGE_SIZE << (pageblock_order - 1)) *
				       sizeof(*chunks));
	struct mm_struct *mm = mm_alloc();
	double start, seconds;

	drain_all_pages(NULL);
	if (!mm || !chunks ||
	    fragment_memory(mm, chunks, global_zone_page_state(NR_FREE_PAGES) / 5) < 0)
		return -1;
	drain_all_pages(NULL);
	hugetlb_possible = (double)global_zone_page_state(NR_FREE_PAGES) / (HPAGE_SIZE / PAGE_SIZE);
	start = now();
	sysctl_nr_hugepages_set(cfg.memory / HPAGE_SIZE);
	seconds = now() - start;
	hugetlb_pages = hugetlb_nr_hugepages();
	sysctl_nr_hugepages_set(0);
	mmput(mm);
	free(chunks);
	sysctl_compact_memory();	/* acts on the skip-bit flush the run asked for */
	drain_all_pages(NULL);
	return seconds;
}

static double bench_hugetlb_pages(const struct bench *b)
{
	return measured(hugetlb_pages);
}

static double bench_hugetlb_ratio(const struct bench *b)
{
	return ratio(hugetlb_pages, hugetlb_possible);
}

static double bench_compact_same(const struct bench *b)
{
	return measured(rate.compact_same);
}

static double bench_compact_ratio_same(const struct bench *b)
{
	return ratio(rate.compact, rate.compact_same);
}

static double bench_compact_ratio_random(const struct bench *b)
{
	return ratio(rate.compact, rate.memcpy);
}

/*
 * Whole-page writes through the simulated MMU to memory already mapped;
 * then, as its bound, memset of the very frames written, in the same
 * order, the same number of bytes per pass.
 */
static double bench_touch(const struct bench *b)
{
	const unsigned long nr = cfg.vm_bytes / PAGE_SIZE;
	unsigned long *pfns = malloc(nr * sizeof(*pfns));
	struct mm_struct *mm = mm_alloc();
	static unsigned char buf[PAGE_SIZE];
	double start, elapsed;
	unsigned long addr;
	long bytes = 0;

	if (!mm || !pfns || do_mmap(mm, cfg.vm_bytes, false, &addr))
		return -1;
	memset(buf, 0x5a, sizeof(buf));
	for (unsigned long off = 0; off < cfg.vm_bytes; off += PAGE_SIZE)
		access_mm(mm, addr + off, buf, PAGE_SIZE, true);
	if (record_pfns(mm, addr, nr, pfns))
		return -1;
	start = now();
	do {
		for (unsigned long off = 0; off < cfg.vm_bytes; off += PAGE_SIZE)
			access_mm(mm, addr + off, buf, PAGE_SIZE, true);
		bytes += cfg.vm_bytes;
		elapsed = now() - start;
	} while (elapsed < cfg.seconds);
	rate.touch = bytes / elapsed;
	bytes = 0;
	start = now();
	do {
		for (unsigned long i = 0; i < nr; i++)
			memset(page_address(pfn_to_page(pfns[i])), (int)bytes, PAGE_SIZE);
		bytes += cfg.vm_bytes;
		elapsed = now() - start;
	} while (elapsed < cfg.seconds);
	rate.memset = bytes / elapsed;
	mmput(mm);
	free(pfns);
	drain_all_pages(NULL);
	return rate.touch;
}

static double bench_memset(const struct bench *b)
{
	return measured(rate.memset);
}

static double bench_touch_ratio(const struct bench *b)
{
	return ratio(rate.touch, rate.memset);
}

static double inflate_time, deflate_time;
static long inflated_pages;

/* Back every free frame with host memory again (untimed). */
static void touch_free_frames(void)
{
	drain_all_pages(NULL);
	for (unsigned long pfn = 0; pfn < machine.max_pfn;) {
		struct page *page = pfn_to_page(pfn);
		unsigned long nr = PageBuddy(page) ? 1UL << buddy_order(page) : 1;

		if (PageBuddy(page))
			for (unsigned long i = 0; i < nr; i++)
				machine.arena[PFN_PHYS(pfn + i)] = 1;
		pfn += nr;
	}
}

/*
 * Inflate the balloon to half of the machine's memory, every frame backed
 * by host memory, and deflate it again, over and over (the deterministic
 * machine's driver runs the batches on this thread; the host, a thread of
 * this process, punches every batch out of the memfd). The deflate rate is
 * taken from the same cycles.
 */
static double bench_balloon_inflate(const struct bench *b)
{
	inflate_time = deflate_time = 0;
	inflated_pages = 0;
	do {
		double start;

		touch_free_frames();
		start = now();
		if (virtio_balloon_set_target(cfg.memory / 2) || virtio_balloon_wait(0))
			return -1;
		inflate_time += now() - start;
		start = now();
		if (virtio_balloon_set_target(0) || virtio_balloon_wait(0))
			return -1;
		deflate_time += now() - start;
		inflated_pages += cfg.memory / 2 / PAGE_SIZE;
	} while (inflate_time < cfg.seconds);
	rate.inflate = inflated_pages / inflate_time;
	return rate.inflate;
}

static double bench_balloon_deflate(const struct bench *b)
{
	return rate.inflate > 0 ? inflated_pages / deflate_time : NAN;
}

/*
 * The bounds: fallocate(PUNCH_HOLE) on the arena's memfd, 4 KiB or 2 MiB
 * at a time, over 512 MiB of frames allocated for it and backed by host
 * memory before each pass (untimed).
 */
static double bench_punch(const struct bench *b)
{
	const unsigned long nr_blocks = cfg.punch_bytes >> (PAGE_SHIFT + pageblock_order);
	const unsigned long chunk = PAGE_SIZE << b->order;
	struct page **blocks = malloc(nr_blocks * sizeof(*blocks));
	double elapsed = 0;
	long pages = 0;

	if (!blocks)
		return -1;
	for (unsigned long i = 0; i < nr_blocks; i++)
		if (!(blocks[i] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, pageblock_order)))
			return -1;
	do {
		double start;

		for (unsigned long i = 0; i < nr_blocks; i++)
			memset(page_address(blocks[i]), 1, PAGE_SIZE << pageblock_order);
		start = now();
		for (unsigned long i = 0; i < nr_blocks; i++) {
			off_t base = PFN_PHYS(page_to_pfn(blocks[i]));

			for (unsigned long off = 0; off < PAGE_SIZE << pageblock_order; off += chunk)
				if (fallocate(machine.memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					      base + off, chunk))
					return -1;
		}
		elapsed += now() - start;
		pages += nr_blocks << pageblock_order;
	} while (elapsed < cfg.seconds);
	for (unsigned long i = 0; i < nr_blocks; i++)
		__free_pages(blocks[i], pageblock_order);
	free(blocks);
	drain_all_pages(NULL);
	if (chunk == 2UL << 20)
		rate.punch_2m = pages / elapsed;
	return pages / elapsed;
}

static double bench_balloon_ratio(const struct bench *b)
{
	return ratio(rate.inflate, rate.punch_2m);
}

#define KSM_BENCH_CONTENTS	4

static struct mm_struct *ksm_mm;
static unsigned long ksm_addr;
static struct page **ksm_pages;		/* the region's frames, before any merge */

/* Page @i of the KSM region: the first half copies of 4 contents, the
 * second half unique. */
static void ksm_bench_fill(uint64_t *buf, unsigned long i)
{
	uint64_t seed = i < cfg.ksm_pages / 2 ? i % KSM_BENCH_CONTENTS : i;

	for (unsigned long w = 0; w < PAGE_SIZE / 8; w++)
		buf[w] = (seed + 1) * 0x9e3779b97f4a7c15ULL ^ w;
}

static bool ksm_bench_setup(void)
{
	static uint64_t buf[PAGE_SIZE / 8];

	ksm_mm = mm_alloc();
	ksm_pages = malloc(cfg.ksm_pages * sizeof(*ksm_pages));
	if (!ksm_mm || !ksm_pages ||
	    do_mmap(ksm_mm, cfg.ksm_pages * PAGE_SIZE, false, &ksm_addr))
		return false;
	for (unsigned long i = 0, pfn; i < cfg.ksm_pages; i++) {
		ksm_bench_fill(buf, i);
		if (access_mm(ksm_mm, ksm_addr + i * PAGE_SIZE, buf, PAGE_SIZE, true) ||
		    follow_pfn(ksm_mm, ksm_addr + i * PAGE_SIZE, &pfn))
			return false;
		ksm_pages[i] = pfn_to_page(pfn);
	}
	return true;
}

/* XXH3 of every page of the region, as ksmd's checksum does. */
static double bench_xxh3(const struct bench *b)
{
	double start, elapsed;
	uint64_t sum = 0;
	long pages = 0;

	if (!ksm_bench_setup())
		return -1;
	start = now();
	do {
		for (unsigned long i = 0; i < cfg.ksm_pages; i++)
			sum += XXH3_64bits(page_address(ksm_pages[i]), PAGE_SIZE);
		pages += cfg.ksm_pages;
		elapsed = now() - start;
	} while (elapsed < cfg.seconds);
	rate.xxh3 = pages / elapsed + (sum & 1) * 1e-9;
	return rate.xxh3;
}

/* memcmp of every page with the one 4 pages on: equal copies in the first
 * half (compared whole), different pages in the second. */
static double bench_memcmp(const struct bench *b)
{
	double start = now(), elapsed;
	long pages = 0, differ = 0;

	if (!ksm_pages)
		return NAN;
	do {
		for (unsigned long i = 0; i + KSM_BENCH_CONTENTS < cfg.ksm_pages; i++)
			differ += !!memcmp(page_address(ksm_pages[i]),
					   page_address(ksm_pages[i + KSM_BENCH_CONTENTS]),
					   PAGE_SIZE);
		pages += cfg.ksm_pages - KSM_BENCH_CONTENTS;
		elapsed = now() - start;
	} while (elapsed < cfg.seconds);
	return pages / elapsed + (differ & 1) * 1e-9;
}

/* The counters that say how far merging has got. */
static int ksm_merge_state(long state[3])
{
	return ksm_read("pages_shared", &state[0]) || ksm_read("pages_sharing", &state[1]) ||
	       ksm_read("pages_unshared", &state[2]);
}

/*
 * ksm.merge_seconds: from `madvise mergeable` of the region (ksmd running
 * with sleep_millisecs=0) to the end of the first full scan after which
 * pages_shared, pages_sharing and pages_unshared no longer change (one
 * more full scan, untimed, shows that they did not).
 */
static int ksm_time_merge(void)
{
	long prev[3], cur[3];
	double start = now(), prev_end;

	if (ksm_madvise_range(ksm_mm, ksm_addr, cfg.ksm_pages * PAGE_SIZE, MADV_MERGEABLE) ||
	    ksm_knob_write("run", "1") || ksm_wait_full_scans(1, 0) || ksm_merge_state(prev))
		return -1;
	prev_end = now();
	for (;;) {
		double end;

		if (ksm_wait_full_scans(1, 0) || ksm_merge_state(cur))
			return -1;
		end = now();
		if (!memcmp(prev, cur, sizeof(cur)))
			break;
		memcpy(prev, cur, sizeof(cur));
		prev_end = end;
	}
	rate.ksm_merge_seconds = prev_end - start;
	return 0;
}

/*
 * ksmd's full scans of the region with sleep_millisecs=0 and smart scan
 * off (every page compared at every scan), once merging is done (the
 * copies in chains of dups: each content's copies, 256 per KSM page):
 * every later scan finds the copies merged and looks each unique page up
 * in the stable tree, then the unstable tree.
 */
static double bench_ksm_scan(const struct bench *b)
{
	long scanned0, scanned;
	double start, elapsed;

	if (!ksm_mm)
		return NAN;
	free(ksm_pages);
	ksm_pages = NULL;
	if (ksm_knob_write("sleep_millisecs", "0") || ksm_knob_write("smart_scan", "0") ||
	    ksm_knob_write("pages_to_scan", "10000") || ksm_time_merge() ||
	    ksm_read("pages_scanned", &scanned0))
		return -1;
	start = now();
	do {
		if (ksm_wait_full_scans(1, 0))
			return -1;
		elapsed = now() - start;
	} while (elapsed < cfg.seconds);
	ksm_read("pages_scanned", &scanned);
	ksm_knob_write("run", "2");
	mmput(ksm_mm);
	ksm_mm = NULL;
	drain_all_pages(NULL);
	rate.ksm_scan = (scanned - scanned0) / elapsed;
	return rate.ksm_scan;
}

static double bench_ksm_merge(const struct bench *b)
{
	return measured(rate.ksm_merge_seconds);
}

static double bench_ksm_ratio(const struct bench *b)
{
	return ratio(rate.ksm_scan, rate.xxh3);
}

/*
 * Boot: a machine of b->order GiB, threaded, with deferred struct page
 * init in the background. Boot's figures are taken together by the
 * boot.seconds entry; the entries after it report them.
 *   boot.seconds            machine_init() until it returns: the machine can
 *                           run a scenario (the pgdatinit helpers go on)
 *   boot.rss_mib_per_gib    the process's resident memory then, less what it
 *                           was before the boot, per simulated GiB
 *   boot.init_done_seconds  machine_init() until page_alloc_init_late()
 *                           returns: every struct page initialised and free
 *   boot.init_done_rss_mib_per_gib  resident memory then, per simulated GiB
 * The benchmark's own 2 GiB machine is shut down around it and booted
 * again. PAGELAB_BENCH_MEMORY_MIB shrinks these machines in proportion
 * (bench_smoke's 256 MiB: 128 MiB, 2 GiB and 8 GiB), figures still per GiB.
 */
static struct machine_config bench_machine;
static double boot_rss, boot_done_seconds, boot_done_rss;

static double rss_mib(void)
{
	long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f && fscanf(f, "%*d %ld", &pages) != 1)
		pages = 0;
	if (f)
		fclose(f);
	return pages * (double)sysconf(_SC_PAGESIZE) / (1 << 20);
}

static double bench_boot(const struct bench *b)
{
	/* Shrunk with the benchmark's machine (bench_smoke: 1/8, 8 GiB at most). */
	uint64_t bytes = ((uint64_t)b->order << 30) / (((unsigned long)BENCH_MEMORY_MIB << 20) /
							cfg.memory);
	double gib = (double)bytes / (1 << 30), before, start, ready;
	struct machine_config mc = { bytes, BENCH_CPUS, 10, 9,
				     .deferred_init = DEFERRED_INIT_BACKGROUND };

	boot_rss = boot_done_seconds = boot_done_rss = NAN;
	machine_exit();
	before = rss_mib();
	start = now();
	if (machine_init(&mc))
		return -1;
	ready = now() - start;
	boot_rss = (rss_mib() - before) / gib;
	page_alloc_init_late();
	boot_done_seconds = now() - start;
	boot_done_rss = (rss_mib() - before) / gib;
	machine_exit();
	return machine_init(&bench_machine) ? -1 : ready;
}

static double bench_boot_rss(const struct bench *b)
{
	return boot_rss;
}

static double bench_boot_done(const struct bench *b)
{
	return boot_done_seconds;
}

static double bench_boot_done_rss(const struct bench *b)
{
	return boot_done_rss;
}

static const struct bench benches[] = {
	{ "alloc_free.order0.threads1.pairs_per_s", bench_alloc_free, 0, 1 },
	{ "alloc_free.order0.threads1.pairs_per_cpu_s", bench_ops_per_cpu_second, 0, 1 },
	{ "alloc_free.order0.threads2.pairs_per_s", bench_alloc_free, 0, 2 },
	{ "alloc_free.order0.threads2.pairs_per_cpu_s", bench_ops_per_cpu_second, 0, 2 },
	{ "alloc_free.order9.threads1.pairs_per_s", bench_alloc_free, 9, 1 },
	{ "alloc_free.order9.threads1.pairs_per_cpu_s", bench_ops_per_cpu_second, 9, 1 },
	{ "alloc_free.order9.threads2.pairs_per_s", bench_alloc_free, 9, 2 },
	{ "alloc_free.order9.threads2.pairs_per_cpu_s", bench_ops_per_cpu_second, 9, 2 },
	{ "struct_page_sweep.order9.threads1.blocks_per_s", bench_struct_page_sweep, 9, 1 },
	{ "struct_page_sweep.order9.threads1.blocks_per_cpu_s", bench_ops_per_cpu_second, 9, 1 },
	{ "struct_page_sweep.order9.threads2.blocks_per_s", bench_struct_page_sweep, 9, 2 },
	{ "struct_page_sweep.order9.threads2.blocks_per_cpu_s", bench_ops_per_cpu_second, 9, 2 },
	{ "alloc_free.order9.scaling", bench_order9_scaling, 9, 2 },
	{ "struct_page_sweep.order9.scaling", bench_sweep_scaling, 9, 2 },
	{ "alloc_free.order9.scaling_ratio_to_sweep", bench_order9_scaling_ratio, 9, 2 },
	{ "memcpy.pages_per_s", bench_memcpy, 0, 1 },
	{ "migrate.pages_per_s", bench_migrate, 0, 1 },
	{ "migrate.same_frames_copy.pages_per_s", bench_migrate_same, 0, 1 },
	{ "migrate.ratio_to_same_frames_copy", bench_migrate_ratio_same, 0, 1 },
	{ "migrate.ratio_to_random_copy", bench_migrate_ratio_random, 0, 1 },
	{ "compact.pages_per_s", bench_compact, 0, 1 },
	{ "compact.same_frames_copy.pages_per_s", bench_compact_same, 0, 1 },
	{ "compact.ratio_to_same_frames_copy", bench_compact_ratio_same, 0, 1 },
	{ "compact.ratio_to_random_copy", bench_compact_ratio_random, 0, 1 },
	{ "hugetlb.alloc_seconds", bench_hugetlb_alloc, 0, 1 },
	{ "hugetlb.alloc_pages", bench_hugetlb_pages, 0, 1 },
	{ "hugetlb.alloc_ratio_to_free", bench_hugetlb_ratio, 0, 1 },
	{ "thp.fault_pages_per_s", bench_thp_fault, 0, 1 },
	{ "thp.memset_2m.pages_per_s", bench_thp_memset, 0, 1 },
	{ "thp.fault_ratio_to_memset", bench_thp_fault_ratio, 0, 1 },
	{ "thp.migrate_pages_per_s", bench_thp_migrate, 0, 1 },
	{ "thp.memcpy_2m.pages_per_s", bench_thp_memcpy, 0, 1 },
	{ "thp.migrate_ratio_to_memcpy", bench_thp_migrate_ratio, 0, 1 },
	{ "fault.pages_per_s", bench_faults, 0, 1 },
	{ "touch.bytes_per_s", bench_touch, 0, 1 },
	{ "memset.bytes_per_s", bench_memset, 0, 1 },
	{ "touch.ratio_to_memset", bench_touch_ratio, 0, 1 },
	{ "balloon.inflate_pages_per_s", bench_balloon_inflate, 0, 1 },
	{ "balloon.deflate_pages_per_s", bench_balloon_deflate, 0, 1 },
	{ "punch_4k.pages_per_s", bench_punch, 0, 1 },
	{ "punch_2m.pages_per_s", bench_punch, 9, 1 },
	{ "balloon.inflate_ratio_to_punch_2m", bench_balloon_ratio, 0, 1 },
	{ "xxh3.pages_per_s", bench_xxh3, 0, 1 },
	{ "memcmp.pages_per_s", bench_memcmp, 0, 1 },
	{ "ksm.scan_pages_per_s", bench_ksm_scan, 0, 1 },
	{ "ksm.merge_seconds", bench_ksm_merge, 0, 1 },
	{ "ksm.ratio_to_xxh3", bench_ksm_ratio, 0, 1 },
#define BOOT_BENCH(gib)								\
	{ "boot.seconds." #gib "g", bench_boot, gib, 1 },			\
	{ "boot.rss_mib_per_gib." #gib "g", bench_boot_rss, gib, 1 },		\
	{ "boot.init_done_seconds." #gib "g", bench_boot_done, gib, 1 },	\
	{ "boot.init_done_rss_mib_per_gib." #gib "g", bench_boot_done_rss, gib, 1 }
	BOOT_BENCH(1), BOOT_BENCH(16), BOOT_BENCH(64),
};

#define NR_BENCHES ARRAY_SIZE(benches)

/* samples[i][r]: entry i's value in repetition r (NAN if not run). */
static double samples[NR_BENCHES][BENCH_MAX_REPS];

/* The median, min and max of entry @i's values that are numbers. */
struct summary {
	double median, min, max;
	int n;
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct summary summarise(size_t i)
{
	double v[BENCH_MAX_REPS];
	struct summary s = { NAN, NAN, NAN, 0 };

	for (int r = 0; r < cfg.reps; r++)
		if (!isnan(samples[i][r]))
			v[s.n++] = samples[i][r];
	if (!s.n)
		return s;
	qsort(v, s.n, sizeof(v[0]), cmp_double);
	s.median = s.n % 2 ? v[s.n / 2] : (v[s.n / 2 - 1] + v[s.n / 2]) / 2;
	s.min = v[0];
	s.max = v[s.n - 1];
	return s;
}

static void print_value(FILE *out, double v, bool small)
{
	fprintf(out, small ? "%.3f" : "%.0f", v);
}

/* A figure's saved median in @baseline (a --json file), or NAN. */
static double baseline_median(const char *baseline, const char *name)
{
	char key[160];
	const char *p;

	if (!baseline)
		return NAN;
	snprintf(key, sizeof(key), "\"%s\": {\"median\": ", name);
	p = strstr(baseline, key);
	return p ? strtod(p + strlen(key), NULL) : NAN;
}

static void print_results(const char *baseline)
{
	for (size_t i = 0; i < NR_BENCHES; i++) {
		struct summary s = summarise(i);
		bool small = s.max < 100;
		double base;

		if (!s.n)
			continue;
		printf("%s: ", benches[i].name);
		print_value(stdout, s.median, small);
		printf(" (");
		print_value(stdout, s.min, small);
		printf("..");
		print_value(stdout, s.max, small);
		printf(")");
		base = baseline_median(baseline, benches[i].name);
		if (base > 0)
			printf(" x%.2f vs baseline", s.median / base);
		printf("\n");
	}
}

static int write_json(const char *path)
{
	FILE *out = fopen(path, "w");

	if (!out) {
		perror(path);
		return -1;
	}
	fprintf(out, "{\n  \"reps\": %d,\n  \"seconds\": %g,\n  \"memory_mib\": %lu,\n"
		"  \"figures\": {", cfg.reps, cfg.seconds, cfg.memory >> 20);
	for (size_t i = 0, first = 1; i < NR_BENCHES; i++) {
		struct summary s = summarise(i);

		if (!s.n)
			continue;
		fprintf(out, "%s\n    \"%s\": {\"median\": %.17g, \"min\": %.17g, \"max\": %.17g, "
			"\"samples\": [", first ? "" : ",", benches[i].name, s.median, s.min, s.max);
		for (int r = 0, sep = 0; r < cfg.reps; r++)
			if (!isnan(samples[i][r]))
				fprintf(out, "%s%.17g", sep++ ? ", " : "", samples[i][r]);
		fprintf(out, "]}");
		first = 0;
	}
	fprintf(out, "\n  }\n}\n");
	return fclose(out) ? -1 : 0;
}

static char *read_file(const char *path)
{
	FILE *in = fopen(path, "r");
	char *buf = NULL;
	long size;

	if (!in || fseek(in, 0, SEEK_END) || (size = ftell(in)) < 0 || fseek(in, 0, SEEK_SET) ||
	    !(buf = calloc(1, size + 1)) || fread(buf, 1, size, in) != (size_t)size) {
		perror(path);
		free(buf);
		buf = NULL;
	}
	if (in)
		fclose(in);
	return buf;
}

static bool selected(const char *name, char **prefixes, int nr)
{
	for (int i = 0; i < nr; i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return !nr;
}

/* Read the PAGELAB_BENCH_* overrides; false with a message if one is bad. */
static bool read_config(void)
{
	const char *reps = getenv("PAGELAB_BENCH_REPS");
	const char *secs = getenv("PAGELAB_BENCH_SECONDS");
	const char *mib = getenv("PAGELAB_BENCH_MEMORY_MIB");
	unsigned long memory_mib = mib ? strtoul(mib, NULL, 10) : BENCH_MEMORY_MIB;

	cfg.reps = reps ? atoi(reps) : BENCH_REPS;
	cfg.seconds = secs ? strtod(secs, NULL) : BENCH_SECONDS;
	if (cfg.reps < 1 || cfg.reps > BENCH_MAX_REPS || !(cfg.seconds > 0) ||
	    memory_mib < 128 || memory_mib > BENCH_MEMORY_MIB) {
		fprintf(stderr, "bench: PAGELAB_BENCH_REPS must be 1..%d, PAGELAB_BENCH_SECONDS > 0, "
			"PAGELAB_BENCH_MEMORY_MIB 128..%d\n", BENCH_MAX_REPS, BENCH_MEMORY_MIB);
		return false;
	}
	cfg.memory = memory_mib << 20;
	cfg.vm_bytes = min(64UL << 20, cfg.memory / 32);
	cfg.ksm_pages = min(256UL << 20, cfg.memory / 8) >> PAGE_SHIFT;
	cfg.punch_bytes = min(512UL << 20, cfg.memory / 4);
	return true;
}

static int usage(void)
{
	fprintf(stderr, "usage: pagelab-bench [--json FILE] [--baseline FILE] [--list] [PREFIX...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *json = NULL, *baseline_path = NULL;
	char *baseline = NULL;
	int err, nr_prefixes = 0;
	char **prefixes = calloc(argc, sizeof(*prefixes));

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") && i + 1 < argc) {
			json = argv[++i];
		} else if (!strcmp(argv[i], "--baseline") && i + 1 < argc) {
			baseline_path = argv[++i];
		} else if (!strcmp(argv[i], "--list")) {
			for (size_t b = 0; b < NR_BENCHES; b++)
				printf("%s\n", benches[b].name);
			free(prefixes);
			return 0;
		} else if (argv[i][0] == '-') {
			free(prefixes);
			return usage();
		} else {
			prefixes[nr_prefixes++] = argv[i];
		}
	}
	if (!read_config() || (baseline_path && !(baseline = read_file(baseline_path))))
		return 2;
	bench_machine = (struct machine_config){ cfg.memory, BENCH_CPUS, 10, 9,
						 .deterministic = true };
	err = machine_init(&bench_machine);
	if (err) {
		fprintf(stderr, "bench: machine_init: %s\n", strerror(-err));
		return 1;
	}
	for (int r = 0; r < cfg.reps; r++) {
		/*
		 * Back every frame with host memory first, as a real machine's
		 * RAM is: otherwise whichever benchmark touches a frame first
		 * also pays the host kernel's page fault for it. Again at each
		 * repetition: the balloon and punch benchmarks gave frames back.
		 */
		touch_free_frames();
		memset(&rate, 0, sizeof(rate));
		for (size_t i = 0; i < NR_BENCHES; i++) {
			double value = NAN;

			if (selected(benches[i].name, prefixes, nr_prefixes))
				value = benches[i].run(&benches[i]);
			if (value < 0) {
				fprintf(stderr, "bench: %s failed\n", benches[i].name);
				return 1;
			}
			samples[i][r] = value;
		}
		fprintf(stderr, "bench: repetition %d of %d done\n", r + 1, cfg.reps);
	}
	print_results(baseline);
	machine_exit();
	free(baseline);
	free(prefixes);
	return json && write_json(json) ? 1 : 0;
}
