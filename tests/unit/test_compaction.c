/* SPDX-License-Identifier: MIT */
/*
 * test_compaction.c - compaction: the kernel's compaction selftest
 * re-expressed (fill memory in chunks, unmap every other one, compact, ask
 * for order-9 blocks), with driver pages, direct compaction and its
 * counters, deferral, capture, and proactive compaction by kcompactd.
 */
#include "lib/machine_fixture.h"
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include "alloc/alloc_internal.h"
#include "compact/compact_internal.h"
#include "drivers/zsmalloc.h"
#include "migrate/migrate.h"
#include "vm/mm.h"

#define CHUNK (256 * PAGE_SIZE)		/* half a pageblock */

struct fragmenter {
	struct mm_struct *mm;
	unsigned long chunks[128];
	int nr;
};

static long event(const char *name)
{
	long v;

	assert_int_equal(vmstat_read(name, &v), 0);
	return v;
}

static long free_pages(void)
{
	drain_all_pages(NULL);
	return global_zone_page_state(NR_FREE_PAGES);
}

/* Fill free memory with process pages in chunks, then unmap every other
 * chunk: free memory ends up in half-pageblock holes. */
static void fragment(struct fragmenter *f, long keep_free)
{
	f->mm = mm_alloc();
	f->nr = 0;
	while (free_pages() > keep_free + (long)(CHUNK / PAGE_SIZE) &&
	       f->nr < (int)ARRAY_SIZE(f->chunks)) {
		unsigned long addr;

		assert_int_equal(do_mmap(f->mm, CHUNK, false, &addr), 0);
		for (unsigned long off = 0; off < CHUNK; off += PAGE_SIZE)
			assert_int_equal(access_mm(f->mm, addr + off, &off, sizeof(off), true), 0);
		f->chunks[f->nr++] = addr;
	}
	for (int i = 0; i < f->nr; i += 2)
		assert_int_equal(do_munmap(f->mm, f->chunks[i], CHUNK), 0);
}

static void verify_chunks(struct fragmenter *f)
{
	for (int i = 1; i < f->nr; i += 2)
		for (unsigned long off = 0; off < CHUNK; off += PAGE_SIZE) {
			unsigned long v;

			assert_int_equal(access_mm(f->mm, f->chunks[i] + off, &v, sizeof(v), false), 0);
			assert_int_equal(v, off);
		}
}

static unsigned long free_blocks_at(unsigned int order)
{
	struct zone *zone = &contig_page_data.node_zones[ZONE_NORMAL];
	unsigned long n = 0;

	drain_all_pages(NULL);
	for (unsigned int o = order; o < NR_PAGE_ORDERS; o++)
		n += READ_ONCE(zone->free_area[o].nr_free) << (o - order);
	return n;
}

/*
 * The most order-9 blocks compaction could make: the pageblocks holding no
 * unmovable page, less those the movable pages must still fill.
 */
static unsigned long theoretical_max_blocks(void)
{
	unsigned long candidates = 0, movable = 0;

	for (unsigned long pfn = 0; pfn < machine.max_pfn; pfn += pageblock_nr_pages) {
		bool clean = true;

		for (unsigned long p = pfn; p < pfn + pageblock_nr_pages; p++) {
			struct page *page = pfn_to_page(p);

			if (PageLRU(page) || page_has_movable_ops(page))
				movable++;
			else if (!PageBuddy(page) && page_owner_order(page) >= 0)
				clean = false;
		}
		candidates += clean;
	}
	return candidates - DIV_ROUND_UP(movable, pageblock_nr_pages);
}

static void test_compact_memory(void **state)
{
	struct fragmenter f;
	unsigned long before, after, max;

	fragment(&f, 1024);
	before = free_blocks_at(pageblock_order);
	max = theoretical_max_blocks();
	assert_true(max >= 8);
	sysctl_compact_memory();
	after = free_blocks_at(pageblock_order);
	print_message("order-9 blocks: %lu before, %lu after, %lu possible\n", before, after, max);
	assert_true(after * 100 >= max * 95);
	assert_true(event("compact_migrate_scanned") > 0);
	assert_true(event("pgmigrate_success") > 0);
	verify_chunks(&f);
	assert_invariants();
	mmput(f.mm);
}

static void test_compact_moves_driver_pages(void **state)
{
	struct zs_pool *pool = zs_create_pool("compaction");
	long handles[512];
	struct fragmenter f;
	unsigned long moved = 0;

	/* Driver pages interleaved with process pages. */
	for (int i = 0; i < (int)ARRAY_SIZE(handles); i++) {
		handles[i] = zs_malloc(pool, GFP_KERNEL);
		assert_true(handles[i] >= 0);
		memset(zs_map_object(pool, handles[i]), i & 0xff, PAGE_SIZE);
		zs_unmap_object(pool, handles[i]);
	}
	fragment(&f, 1024);
	for (int i = 0; i < (int)ARRAY_SIZE(handles); i += 2)
		zs_free(pool, handles[i]);
	for (int i = 1; i < (int)ARRAY_SIZE(handles); i += 2)
		moved += page_to_pfn(zs_handle_page(pool, handles[i]));
	sysctl_compact_memory();
	for (int i = 1; i < (int)ARRAY_SIZE(handles); i += 2) {
		unsigned char *p = zs_map_object(pool, handles[i]);

		for (size_t b = 0; b < PAGE_SIZE; b++)
			assert_int_equal(p[b], i & 0xff);
		zs_unmap_object(pool, handles[i]);
		moved -= page_to_pfn(zs_handle_page(pool, handles[i]));
	}
	assert_true(moved != 0);	/* some driver page moved */
	verify_chunks(&f);
	assert_invariants();
	mmput(f.mm);
	zs_destroy_pool(pool);
}

static void test_direct_compaction(void **state)
{
	struct fragmenter f;
	struct page *page;

	const gfp_t nocompact = (GFP_KERNEL & ~__GFP_DIRECT_RECLAIM) | __GFP_NOWARN;
	struct page *held[8];
	int nr_held = 0;

	fragment(&f, 1024);
	/* Take the order-9 blocks left whole: then only holes remain. */
	while (nr_held < (int)ARRAY_SIZE(held) &&
	       (held[nr_held] = alloc_pages(nocompact, pageblock_order)))
		nr_held++;
	/* Without direct compaction (cannot block) there is no order-9 block. */
	assert_null(alloc_pages(nocompact, pageblock_order));
	assert_int_equal(event("compact_stall"), 0);
	page = alloc_pages(GFP_KERNEL | __GFP_NOWARN, pageblock_order);
	assert_non_null(page);
	assert_true(event("compact_stall") >= 1);
	assert_true(event("compact_success") >= 1);
	memset(page_address(page), 1, PAGE_SIZE << pageblock_order);
	verify_chunks(&f);
	__free_pages(page, pageblock_order);
	while (nr_held)
		__free_pages(held[--nr_held], pageblock_order);
	assert_invariants();
	mmput(f.mm);
}

/* Memory full of unmovable pages: compaction cannot help, and after the
 * first futile attempts the zone is deferred instead of rescanned. */
static void test_deferral(void **state)
{
	static struct page *pages[TEST_MEMORY / PAGE_SIZE];
	int n = 0, attempts = 24, scans = 0;

	struct page *reserve[64];
	int nr_reserve = 0;

	while ((pages[n] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0)))
		n++;
	/* Also every block of order >= 4 the reserves still hold. */
	while (nr_reserve < (int)ARRAY_SIZE(reserve) &&
	       (reserve[nr_reserve] = alloc_pages(GFP_ATOMIC | __GFP_MEMALLOC | __GFP_NOWARN, 4)))
		nr_reserve++;
	/* Free every even frame: no two free pages are buddies. */
	for (int i = 0; i < n; i++)
		if (!(page_to_pfn(pages[i]) & 1))
			__free_pages(pages[i], 0);
	drain_all_pages(NULL);
	for (int i = 0; i < attempts; i++) {
		long scanned = event("compact_migrate_scanned");

		assert_null(alloc_pages(GFP_KERNEL | __GFP_NOWARN, 4));
		scans += event("compact_migrate_scanned") > scanned;
	}
	print_message("%d futile order-4 allocations: %d compaction scans, defer_shift %u\n",
		      attempts, scans, contig_page_data.node_zones[0].compact_defer_shift);
	assert_true(scans >= 1);
	assert_true(scans < attempts / 2);
	assert_true(contig_page_data.node_zones[0].compact_defer_shift > 0);
	assert_true(event("compact_stall") >= attempts);	/* deferred attempts stall too */
	for (int i = 0; i < n; i++)
		if (page_to_pfn(pages[i]) & 1)
			__free_pages(pages[i], 0);
	while (nr_reserve)
		__free_pages(reserve[--nr_reserve], 4);
}

/* kcompactd, running as a thread, compacts proactively when asked to by
 * vm.compaction_proactiveness: the fragmentation score drops unasked. */
static void test_proactive_kcompactd(void **state)
{
	struct machine_config cfg = { TEST_MEMORY, 2, 10, 9 };
	struct fragmenter f;
	unsigned int before, after = 100;

	machine_exit();
	assert_int_equal(machine_init(&cfg), 0);	/* threaded this time */
	fragment(&f, 1024);
	before = fragmentation_score_node(NODE_DATA(0));
	assert_true(before > 20);
	assert_int_equal(sysctl_compaction_proactiveness_set(90), 0);
	for (int i = 0; i < 300 && (after = fragmentation_score_node(NODE_DATA(0))) >= before; i++)
		usleep(10000);
	print_message("fragmentation score %u -> %u\n", before, after);
	assert_true(after < before);
	assert_true(event("pgmigrate_success") > 0);
	assert_int_equal(sysctl_compaction_proactiveness_set(0), 0);
	kcompactd_stop(NODE_DATA(0));	/* quiesce before checking */
	verify_chunks(&f);
	mmput(f.mm);
	assert_int_equal(sysctl_compaction_proactiveness_set(101), -EINVAL);
}

struct waker {
	bool stop;		/* atomic */
	long wakeups;
};

/* An allocator's slow path waking kcompactd, over and over. */
static void *kcompactd_waker(void *arg)
{
	struct waker *w = arg;

	while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
		wakeup_kcompactd(NODE_DATA(0), 4, ZONE_NORMAL);
		proactive_compact_trigger(NODE_DATA(0));
		__atomic_add_fetch(&w->wakeups, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

#ifdef PAGELAB_SANITIZED
#define KCOMPACTD_RESTARTS 10
#else
#define KCOMPACTD_RESTARTS 50
#endif

/*
 * kcompactd stopped and started again while another thread keeps waking
 * it (memory is fragmented, so every wakeup reaches the daemon): a wakeup
 * never touches a daemon being torn down (ASan and TSan would see it).
 */
static void test_kcompactd_stop_races_wakeup(void **state)
{
	static struct page *pages[TEST_MEMORY / PAGE_SIZE];
	struct zone *zone = &contig_page_data.node_zones[ZONE_NORMAL];
	struct waker w = { 0 };
	pthread_t thread;
	int n = 0;

	struct page *reserve[64];
	int nr_reserve = 0;

	while ((pages[n] = alloc_pages(GFP_KERNEL | __GFP_NOWARN, 0)))
		n++;
	while (nr_reserve < (int)ARRAY_SIZE(reserve) &&
	       (reserve[nr_reserve] = alloc_pages(GFP_ATOMIC | __GFP_MEMALLOC | __GFP_NOWARN, 4)))
		nr_reserve++;
	for (int i = 0; i < n; i++)
		if (!(page_to_pfn(pages[i]) & 1))
			__free_pages(pages[i], 0);
	drain_all_pages(NULL);
	assert_int_equal(compaction_suit_allocation_order(zone, 4, ALLOC_WMARK_MIN), COMPACT_CONTINUE);
	pthread_create(&thread, NULL, kcompactd_waker, &w);
	for (int i = 0; i < KCOMPACTD_RESTARTS; i++) {
		long seen = __atomic_load_n(&w.wakeups, __ATOMIC_RELAXED);

		kcompactd_stop(NODE_DATA(0));
		assert_int_equal(kcompactd_run(NODE_DATA(0), true), 0);
		while (__atomic_load_n(&w.wakeups, __ATOMIC_RELAXED) < seen + 2)
			sched_yield();
	}
	/*
	 * Each restart may stop the daemon before it got to run, so let the
	 * last one run until it has woken at least once (a slow sanitized
	 * machine can take a while; the bound only turns a hang into a failure).
	 */
	for (int i = 0; i < 3000 && !event("compact_daemon_wake"); i++)
		usleep(10000);
	assert_true(event("compact_daemon_wake") > 0);
	__atomic_store_n(&w.stop, true, __ATOMIC_RELEASE);
	pthread_join(thread, NULL);
	kcompactd_stop(NODE_DATA(0));
	assert_int_equal(kcompactd_run(NODE_DATA(0), false), 0);
	for (int i = 0; i < n; i++)
		if (page_to_pfn(pages[i]) & 1)
			__free_pages(pages[i], 0);
	while (nr_reserve)
		__free_pages(reserve[--nr_reserve], 4);
}

/*
 * A thread that holds isolated pages itself and compacts in a sync mode
 * (move_pages of a THP, compacting for its order-9 target on a machine
 * whose LRU is small) gives up waiting for the isolated count to drop: the
 * soak hung there, every compactor waiting on the pages one of them held.
 */
static void test_sync_compaction_with_own_isolated_pages(void **state)
{
	struct mm_struct *mm = mm_alloc();
	LIST_HEAD(isolated);
	unsigned long addr, pfn;
	long word = 1;

	assert_int_equal(do_mmap(mm, 64 * PAGE_SIZE, false, &addr), 0);
	for (int i = 0; i < 64; i++) {
		struct page *page;

		assert_int_equal(access_mm(mm, addr + i * PAGE_SIZE, &word, sizeof(word), true), 0);
		assert_int_equal(follow_pfn(mm, addr + i * PAGE_SIZE, &pfn), 0);
		page = pfn_to_page(pfn);
		get_page(page);
		assert_true(isolate_folio_to_list(page, &isolated));
		put_page(page);
	}
	/* The whole LRU is isolated: too many for any sync compaction run. */
	compact_node(&contig_page_data, false);
	putback_movable_pages(&isolated);
	assert_int_equal(node_page_state(&contig_page_data, NR_ISOLATED_ANON), 0);
	mmput(mm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		machine_test(test_compact_memory),
		machine_test(test_compact_moves_driver_pages),
		machine_test(test_direct_compaction),
		machine_test(test_deferral),
		machine_test(test_proactive_kcompactd),
		machine_test(test_kcompactd_stop_races_wakeup),
		machine_test(test_sync_compaction_with_own_isolated_pages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
