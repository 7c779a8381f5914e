/* SPDX-License-Identifier: MIT */
/*
 * bench.c - pagelab's micro-benchmarks (target pagelab-bench, `make bench`).
 *
 * Boots one 2 GiB machine (2 cpus, MAX_PAGE_ORDER 10, pageblock_order 9)
 * and runs each entry of the benches[] table for a fixed wall time,
 * printing one stable "name: value" line per entry. memcpy.pages_per_s,
 * 4 KiB copies between random frames of the whole arena, is the same-run
 * reference for anything that moves pages (migration, compaction);
 * punch_4k and punch_2m, hole punches in the arena's memfd, are the
 * bounds for the balloon, whose host punches every page it is given.
 * ksm.scan_pages_per_s, ksmd's full scans of 256 MiB (half copies of 4
 * contents, half unique), is measured against xxh3.pages_per_s and
 * memcmp.pages_per_s over the same pages, the two things each scanned
 * page costs at least.
 * A new benchmark (migration, compaction, ...) is one more run function
 * and one more row in the table.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <time.h>
#include <xxhash.h>
#include "drivers/virtio_balloon.h"
#include "compact/compaction.h"
#include "ksm/ksm.h"
#include "migrate/migrate.h"
#include "machine/machine.h"
#include "vm/mm.h"

#define BENCH_MEMORY		(2ULL << 30)
#define BENCH_CPUS		2
#define BENCH_SECONDS		0.5
#define VM_BENCH_BYTES		(64UL << 20)	/* region faulted or touched */

/**
 * struct bench - one benchmark: its printed name and how to run it.
 * @name: printed before ": value".
 * @run: runs for about BENCH_SECONDS and returns the value.
 * @order: parameter of the allocation benchmarks.
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

static void sleep_seconds(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };

	nanosleep(&ts, NULL);
}

struct loop_thread {
	pthread_t thread;
	const struct bench *bench;
	unsigned int cpu;
	bool *stop;
	long ops;
};

static bool should_stop(const struct loop_thread *t)
{
	return __atomic_load_n(t->stop, __ATOMIC_RELAXED);
}

static void *alloc_free_loop(void *arg)
{
	struct loop_thread *t = arg;
	unsigned int order = t->bench->order;

	cpu_bind_current(t->cpu);
	while (!should_stop(t)) {
		struct page *page = alloc_pages(GFP_HIGHUSER_MOVABLE, order);

		if (!page) {
			fprintf(stderr, "bench: order-%u allocation failed\n", order);
			exit(1);
		}
		__free_pages(page, order);
		t->ops++;
	}
	return NULL;
}

/* Run @fn in b->threads threads for BENCH_SECONDS; return ops per second. */
static double run_threads(const struct bench *b, void *(*fn)(void *))
{
	struct loop_thread threads[BENCH_CPUS * 4];
	bool stop = false;
	double start = now();
	long ops = 0;

	if (b->threads > ARRAY_SIZE(threads))
		return -1;
	for (unsigned int i = 0; i < b->threads; i++) {
		threads[i] = (struct loop_thread){ .bench = b, .cpu = i % BENCH_CPUS, .stop = &stop };
		if (pthread_create(&threads[i].thread, NULL, fn, &threads[i]))
			return -1;
	}
	sleep_seconds(BENCH_SECONDS);
	__atomic_store_n(&stop, true, __ATOMIC_RELAXED);
	for (unsigned int i = 0; i < b->threads; i++) {
		pthread_join(threads[i].thread, NULL);
		ops += threads[i].ops;
	}
	return ops / (now() - start);
}

static double bench_alloc_free(const struct bench *b)
{
	double rate = run_threads(b, alloc_free_loop);

	drain_all_pages(NULL);
	return rate;
}

static double memcpy_rate, migrate_rate;

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
 * blocks): the bound for anything that moves pages around memory.
 */
static double bench_memcpy(const struct bench *b)
{
	struct page **blocks = malloc((BENCH_MEMORY >> (PAGE_SHIFT + pageblock_order)) *
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
	} while (elapsed < BENCH_SECONDS);
	while (nr)
		__free_pages(blocks[--nr], pageblock_order);
	free(blocks);
	drain_all_pages(NULL);
	memcpy_rate = copies / elapsed;
	return memcpy_rate;
}

/* Write-fault every page of a fresh 64 MiB region, unmap it, repeat. */
static double bench_faults(const struct bench *b)
{
	struct mm_struct *mm = mm_alloc();
	double start = now(), elapsed;
	long faults = 0;
	unsigned long addr;

	if (!mm)
		return -1;
	do {
		if (do_mmap(mm, VM_BENCH_BYTES, false, &addr))
			return -1;
		for (unsigned long off = 0; off < VM_BENCH_BYTES; off += PAGE_SIZE)
			if (access_mm(mm, addr + off, &(char){ 1 }, 1, true))
				return -1;
		do_munmap(mm, addr, VM_BENCH_BYTES);
		faults += VM_BENCH_BYTES / PAGE_SIZE;
		elapsed = now() - start;
	} while (elapsed < BENCH_SECONDS);
	mmput(mm);
	drain_all_pages(NULL);
	return faults / elapsed;
}

static double touch_rate, memset_rate;

/*
 * move_pages() of a 64 MiB region of single-mapped anonymous pages, over
 * and over: each page is isolated, unmapped, copied and remapped.
 */
static double bench_migrate(const struct bench *b)
{
	const unsigned long nr = VM_BENCH_BYTES / PAGE_SIZE;
	struct mm_struct *mm = mm_alloc();
	int *status = malloc(nr * sizeof(*status));
	double start, elapsed;
	unsigned long addr;
	long moved = 0;

	if (!mm || !status || do_mmap(mm, VM_BENCH_BYTES, false, &addr))
		return -1;
	for (unsigned long off = 0; off < VM_BENCH_BYTES; off += PAGE_SIZE)
		access_mm(mm, addr + off, &off, sizeof(off), true);
	start = now();
	do {
		long n = move_pages_range(mm, addr, nr, status);

		if (n < 0)
			return -1;
		moved += n;
		elapsed = now() - start;
	} while (elapsed < BENCH_SECONDS);
	mmput(mm);
	free(status);
	drain_all_pages(NULL);
	migrate_rate = moved / elapsed;
	return migrate_rate;
}

static double bench_migrate_ratio(const struct bench *b)
{
	return migrate_rate / memcpy_rate;
}

static double compact_rate;

/*
 * compact_memory on the whole 2 GiB machine after filling it with process
 * pages in half-pageblock chunks and unmapping every other chunk (the
 * compaction selftest's layout): pages migrated per second.
 */
static double bench_compact(const struct bench *b)
{
	const unsigned long chunk = PAGE_SIZE << (pageblock_order - 1);
	struct mm_struct *mm = mm_alloc();
	unsigned long *chunks = malloc((BENCH_MEMORY / chunk) * sizeof(*chunks));
	long migrated;
	double start;
	int n = 0;

	if (!mm || !chunks)
		return -1;
	drain_all_pages(NULL);
	while (global_zone_page_state(NR_FREE_PAGES) > (long)(4 * (chunk / PAGE_SIZE) +
							       high_wmark_pages(&NODE_DATA(0)->node_zones[0]))) {
		if (do_mmap(mm, chunk, false, &chunks[n]))
			return -1;
		for (unsigned long off = 0; off < chunk; off += PAGE_SIZE)
			access_mm(mm, chunks[n] + off, &off, sizeof(off), true);
		n++;
		drain_all_pages(NULL);
	}
	for (int i = 0; i < n; i += 2)
		do_munmap(mm, chunks[i], chunk);
	migrated = vm_event_sum(PGMIGRATE_SUCCESS);
	start = now();
	sysctl_compact_memory();
	compact_rate = (vm_event_sum(PGMIGRATE_SUCCESS) - migrated) / (now() - start);
	mmput(mm);
	free(chunks);
	drain_all_pages(NULL);
	return compact_rate;
}

static double bench_compact_ratio(const struct bench *b)
{
	return compact_rate / memcpy_rate;
}

/* Whole-page writes through the simulated MMU to memory already mapped. */
static double bench_touch(const struct bench *b)
{
	struct mm_struct *mm = mm_alloc();
	static unsigned char buf[PAGE_SIZE];
	double start, elapsed;
	unsigned long addr;
	long bytes = 0;

	if (!mm || do_mmap(mm, VM_BENCH_BYTES, false, &addr))
		return -1;
	memset(buf, 0x5a, sizeof(buf));
	for (unsigned long off = 0; off < VM_BENCH_BYTES; off += PAGE_SIZE)
		access_mm(mm, addr + off, buf, PAGE_SIZE, true);
	start = now();
	do {
		for (unsigned long off = 0; off < VM_BENCH_BYTES; off += PAGE_SIZE)
			access_mm(mm, addr + off, buf, PAGE_SIZE, true);
		bytes += VM_BENCH_BYTES;
		elapsed = now() - start;
	} while (elapsed < BENCH_SECONDS);
	mmput(mm);
	drain_all_pages(NULL);
	touch_rate = bytes / elapsed;
	return touch_rate;
}

/* The bound for touch: memset of the same number of bytes, same run. */
static double bench_memset(const struct bench *b)
{
	unsigned char *mem = malloc(VM_BENCH_BYTES);
	double start, elapsed;
	long bytes = 0;

	if (!mem)
		return -1;
	memset(mem, 1, VM_BENCH_BYTES);
	start = now();
	do {
		for (unsigned long off = 0; off < VM_BENCH_BYTES; off += PAGE_SIZE)
			memset(mem + off, (int)bytes, PAGE_SIZE);
		bytes += VM_BENCH_BYTES;
		elapsed = now() - start;
	} while (elapsed < BENCH_SECONDS);
	__asm__ volatile("" : : "r"(mem) : "memory");
	free(mem);
	memset_rate = bytes / elapsed;
	return memset_rate;
}

static double bench_touch_ratio(const struct bench *b)
{
	return touch_rate / memset_rate;
}

static double inflate_rate, punch_2m_rate;
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
		if (virtio_balloon_set_target(BENCH_MEMORY / 2) || virtio_balloon_wait(0))
			return -1;
		inflate_time += now() - start;
		start = now();
		if (virtio_balloon_set_target(0) || virtio_balloon_wait(0))
			return -1;
		deflate_time += now() - start;
		inflated_pages += BENCH_MEMORY / 2 / PAGE_SIZE;
	} while (inflate_time < BENCH_SECONDS);
	inflate_rate = inflated_pages / inflate_time;
	return inflate_rate;
}

static double bench_balloon_deflate(const struct bench *b)
{
	return inflated_pages / deflate_time;
}

/*
 * The bounds: fallocate(PUNCH_HOLE) on the arena's memfd, 4 KiB or 2 MiB
 * at a time, over 512 MiB of frames allocated for it and backed by host
 * memory before each pass (untimed).
 */
static double bench_punch(const struct bench *b)
{
	const unsigned long nr_blocks = (512UL << 20) >> (PAGE_SHIFT + pageblock_order);
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
	} while (elapsed < BENCH_SECONDS);
	for (unsigned long i = 0; i < nr_blocks; i++)
		__free_pages(blocks[i], pageblock_order);
	free(blocks);
	drain_all_pages(NULL);
	if (chunk == 2UL << 20)
		punch_2m_rate = pages / elapsed;
	return pages / elapsed;
}

static double bench_balloon_ratio(const struct bench *b)
{
	return inflate_rate / punch_2m_rate;
}

#define KSM_BENCH_PAGES		(256UL << 20 >> PAGE_SHIFT)
#define KSM_BENCH_CONTENTS	4

static double ksm_scan_rate, xxh3_rate;
static struct mm_struct *ksm_mm;
static unsigned long ksm_addr;
static struct page **ksm_pages;		/* the region's frames, before any merge */

/* Page @i of the KSM region: the first half copies of 4 contents, the
 * second half unique. */
static void ksm_bench_fill(uint64_t *buf, unsigned long i)
{
	uint64_t seed = i < KSM_BENCH_PAGES / 2 ? i % KSM_BENCH_CONTENTS : i;

	for (unsigned long w = 0; w < PAGE_SIZE / 8; w++)
		buf[w] = (seed + 1) * 0x9e3779b97f4a7c15ULL ^ w;
}

static bool ksm_bench_setup(void)
{
	static uint64_t buf[PAGE_SIZE / 8];

	ksm_mm = mm_alloc();
	ksm_pages = malloc(KSM_BENCH_PAGES * sizeof(*ksm_pages));
	if (!ksm_mm || !ksm_pages ||
	    do_mmap(ksm_mm, KSM_BENCH_PAGES * PAGE_SIZE, false, &ksm_addr))
		return false;
	for (unsigned long i = 0, pfn; i < KSM_BENCH_PAGES; i++) {
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
		for (unsigned long i = 0; i < KSM_BENCH_PAGES; i++)
			sum += XXH3_64bits(page_address(ksm_pages[i]), PAGE_SIZE);
		pages += KSM_BENCH_PAGES;
		elapsed = now() - start;
	} while (elapsed < BENCH_SECONDS);
	xxh3_rate = pages / elapsed + (sum & 1) * 1e-9;
	return xxh3_rate;
}

/* memcmp of every page with the one 4 pages on: equal copies in the first
 * half (compared whole), different pages in the second. */
static double bench_memcmp(const struct bench *b)
{
	double start = now(), elapsed;
	long pages = 0, differ = 0;

	do {
		for (unsigned long i = 0; i + KSM_BENCH_CONTENTS < KSM_BENCH_PAGES; i++)
			differ += !!memcmp(page_address(ksm_pages[i]),
					   page_address(ksm_pages[i + KSM_BENCH_CONTENTS]),
					   PAGE_SIZE);
		pages += KSM_BENCH_PAGES - KSM_BENCH_CONTENTS;
		elapsed = now() - start;
	} while (elapsed < BENCH_SECONDS);
	return pages / elapsed + (differ & 1) * 1e-9;
}

/*
 * ksmd's full scans of the region with sleep_millisecs=0 and smart scan
 * off (every page compared at every scan), once the first two have merged
 * the copies (into chains of dups: 8192 copies of each content, 256 per
 * KSM page): every later scan finds the copies merged and looks each
 * unique page up in the stable tree, then the unstable tree.
 */
static double bench_ksm_scan(const struct bench *b)
{
	long scanned0, scanned;
	double start, elapsed;

	free(ksm_pages);
	if (ksm_knob_write("sleep_millisecs", "0") || ksm_knob_write("smart_scan", "0") ||
	    ksm_knob_write("pages_to_scan", "10000") ||
	    ksm_madvise_range(ksm_mm, ksm_addr, KSM_BENCH_PAGES * PAGE_SIZE, MADV_MERGEABLE) ||
	    ksm_knob_write("run", "1") || ksm_wait_full_scans(2, 0) ||
	    ksm_read("pages_scanned", &scanned0))
		return -1;
	start = now();
	do {
		if (ksm_wait_full_scans(1, 0))
			return -1;
		elapsed = now() - start;
	} while (elapsed < BENCH_SECONDS);
	ksm_read("pages_scanned", &scanned);
	ksm_knob_write("run", "2");
	mmput(ksm_mm);
	drain_all_pages(NULL);
	ksm_scan_rate = (scanned - scanned0) / elapsed;
	return ksm_scan_rate;
}

static double bench_ksm_ratio(const struct bench *b)
{
	return ksm_scan_rate / xxh3_rate;
}

static const struct bench benches[] = {
	{ "alloc_free.order0.threads1.pairs_per_s", bench_alloc_free, 0, 1 },
	{ "alloc_free.order0.threads2.pairs_per_s", bench_alloc_free, 0, 2 },
	{ "alloc_free.order9.threads1.pairs_per_s", bench_alloc_free, 9, 1 },
	{ "alloc_free.order9.threads2.pairs_per_s", bench_alloc_free, 9, 2 },
	{ "memcpy.pages_per_s", bench_memcpy, 0, 1 },
	{ "migrate.pages_per_s", bench_migrate, 0, 1 },
	{ "migrate.ratio_to_memcpy", bench_migrate_ratio, 0, 1 },
	{ "compact.pages_per_s", bench_compact, 0, 1 },
	{ "compact.ratio_to_memcpy", bench_compact_ratio, 0, 1 },
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
	{ "ksm.ratio_to_xxh3", bench_ksm_ratio, 0, 1 },
};

int main(void)
{
	struct machine_config cfg = { BENCH_MEMORY, BENCH_CPUS, 10, 9, .deterministic = true };
	int err = machine_init(&cfg);

	if (err) {
		fprintf(stderr, "bench: machine_init: %s\n", strerror(-err));
		return 1;
	}
	/*
	 * Back every frame with host memory first, as a real machine's RAM
	 * is: otherwise whichever benchmark touches a frame first also pays
	 * the host kernel's page fault for it.
	 */
	for (unsigned long off = 0; off < BENCH_MEMORY; off += PAGE_SIZE)
		machine.arena[off] = 0;
	for (size_t i = 0; i < ARRAY_SIZE(benches); i++) {
		double value = benches[i].run(&benches[i]);

		if (value < 0) {
			fprintf(stderr, "bench: %s failed\n", benches[i].name);
			return 1;
		}
		printf(value < 100 ? "%s: %.3f\n" : "%s: %.0f\n", benches[i].name, value);
		fflush(stdout);
	}
	machine_exit();
	return 0;
}
