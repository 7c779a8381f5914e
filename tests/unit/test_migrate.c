/* SPDX-License-Identifier: MIT */
/*
 * test_migrate.c - page migration: move_pages statuses, contents and state
 * surviving a move, pinned pages failing, every process of a fork tree and
 * of a shared region seeing the new frame, movable_ops pages (zsmalloc)
 * including one freed by its owner while isolated, and migration running
 * while other CPUs read and write the pages (the kernel's migration
 * selftest, re-expressed).
 */
#include "lib/machine_fixture.h"
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <string.h>
#include "drivers/zsmalloc.h"
#include "migrate/migrate.h"
#include "vm/mm.h"

#define NR 16

static unsigned long map(struct mm_struct *mm, unsigned long len, bool shared)
{
	unsigned long addr;

	assert_int_equal(do_mmap(mm, len, shared, &addr), 0);
	return addr;
}

static void fill(struct mm_struct *mm, unsigned long addr, unsigned long pages, uint64_t tag)
{
	uint64_t buf[PAGE_SIZE / 8];

	for (unsigned long p = 0; p < pages; p++) {
		for (size_t i = 0; i < ARRAY_SIZE(buf); i++)
			buf[i] = tag ^ (p << 32) ^ i;
		assert_int_equal(access_mm(mm, addr + p * PAGE_SIZE, buf, PAGE_SIZE, true), 0);
	}
}

static void verify(struct mm_struct *mm, unsigned long addr, unsigned long pages, uint64_t tag)
{
	uint64_t buf[PAGE_SIZE / 8];

	for (unsigned long p = 0; p < pages; p++) {
		assert_int_equal(access_mm(mm, addr + p * PAGE_SIZE, buf, PAGE_SIZE, false), 0);
		for (size_t i = 0; i < ARRAY_SIZE(buf); i++)
			if (buf[i] != (tag ^ (p << 32) ^ i))
				fail_msg("page %lu word %zu: %#lx", p, i, (unsigned long)buf[i]);
	}
}

static unsigned long pfn_at(struct mm_struct *mm, unsigned long addr)
{
	unsigned long pfn = 0;

	assert_int_equal(follow_pfn(mm, addr, &pfn), 0);
	return pfn;
}

static long event(const char *name)
{
	long v;

	assert_int_equal(vmstat_read(name, &v), 0);
	return v;
}

static void test_move_pages_statuses(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = map(mm, NR * PAGE_SIZE, false), old[NR];
	int status[NR + 1];

	fill(mm, addr, NR - 2, 7);
	access_mm(mm, addr + (NR - 2) * PAGE_SIZE, &(uint64_t){ 0 }, 8, false); /* zero page */
	for (int i = 0; i < NR - 2; i++)
		old[i] = pfn_at(mm, addr + i * PAGE_SIZE);
	assert_int_equal(move_pages_range(mm, addr, NR + 1, status), NR - 2);
	for (int i = 0; i < NR - 2; i++) {
		assert_int_equal(status[i], 0);
		assert_int_not_equal(pfn_at(mm, addr + i * PAGE_SIZE), old[i]);
	}
	assert_int_equal(status[NR - 2], -EFAULT);	/* the zero page */
	assert_int_equal(status[NR - 1], -ENOENT);	/* never touched */
	assert_int_equal(status[NR], -EFAULT);		/* beyond the VMA */
	assert_int_equal(event("pgmigrate_success"), NR - 2);
	assert_int_equal(event("pgmigrate_fail"), 0);
	assert_int_equal(node_page_state(&contig_page_data, NR_ISOLATED_ANON), 0);
	verify(mm, addr, NR - 2, 7);
	assert_invariants();
	mmput(mm);
}

static void test_state_survives(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = map(mm, PAGE_SIZE, false);
	struct page *page;
	long faults;
	int status;

	fill(mm, addr, 1, 3);
	page = pfn_to_page(pfn_at(mm, addr));
	folio_activate(page);
	assert_int_equal(move_pages_range(mm, addr, 1, &status), 1);
	page = pfn_to_page(pfn_at(mm, addr));
	assert_true(PageActive(page) && PageLRU(page) && PageAnon(page) && PageAnonExclusive(page));
	assert_int_equal(page_mapcount(page), 1);
	assert_int_equal(page_ref_count(page), 1);
	/* The entry came back writable and dirty: a write takes no fault. */
	faults = event("pgfault");
	fill(mm, addr, 1, 4);
	assert_int_equal(event("pgfault"), faults);
	assert_invariants();
	mmput(mm);
}

static void test_pinned_page_fails(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = map(mm, 2 * PAGE_SIZE, false), pinned_pfn;
	struct page *pinned;
	int status[2];

	fill(mm, addr, 2, 9);
	pinned_pfn = pfn_at(mm, addr);
	pinned = pfn_to_page(pinned_pfn);
	get_page(pinned);		/* as GUP pins it */
	assert_int_equal(move_pages_range(mm, addr, 2, status), 1);
	assert_int_equal(status[0], -EBUSY);
	assert_int_equal(status[1], 0);
	assert_int_equal(pfn_at(mm, addr), pinned_pfn);
	assert_true(PageLRU(pinned));
	assert_int_equal(event("pgmigrate_fail"), 1);
	put_page(pinned);
	verify(mm, addr, 2, 9);
	assert_int_equal(move_pages_range(mm, addr, 1, status), 1);
	assert_invariants();
	mmput(mm);
}

/* Isolate the page mapped at @addr onto @list, as move_pages does. */
static struct page *isolate_at(struct mm_struct *mm, unsigned long addr, struct list_head *list)
{
	struct page *page = pfn_to_page(pfn_at(mm, addr));

	get_page(page);
	assert_true(isolate_folio_to_list(page, list));
	put_page(page);
	return page;
}

static void set_flags(struct page *page, unsigned long set, unsigned long clear)
{
	for (int bit = 0; bit < __NR_PAGEFLAGS; bit++) {
		if (set & BIT(bit))
			set_bit(bit, &page->flags);
		if (clear & BIT(bit))
			clear_bit(bit, &page->flags);
	}
}

static void assert_flags(struct page *page, unsigned long set, unsigned long clear)
{
	for (int bit = 0; bit < __NR_PAGEFLAGS; bit++) {
		if ((set & BIT(bit)) && !test_bit(bit, &page->flags))
			fail_msg("pfn %#lx lost flag bit %d in migration", page_to_pfn(page), bit);
		if ((clear & BIT(bit)) && test_bit(bit, &page->flags))
			fail_msg("pfn %#lx gained flag bit %d in migration", page_to_pfn(page), bit);
	}
}

/*
 * Every flag folio_migrate_flags() carries goes to the new page, and only
 * those that were set: an anonymous page with dirty, referenced, active,
 * workingset, swapbacked and uptodate; an unevictable one; one with none
 * of the optional flags; and a shared-memory page (swapbacked: the flag
 * the shared-memory path once cleared before the copy).
 */
static void test_migration_carries_flags(void **state)
{
	const unsigned long optional = BIT(PG_referenced) | BIT(PG_active) |
				       BIT(PG_workingset) | BIT(PG_unevictable);
	const unsigned long always = BIT(PG_uptodate) | BIT(PG_swapbacked);
	const unsigned long rich = always | BIT(PG_dirty) | BIT(PG_referenced) | BIT(PG_active) |
				   BIT(PG_workingset);
	struct mm_struct *mm = mm_alloc();
	unsigned long priv = map(mm, 3 * PAGE_SIZE, false), shared = map(mm, PAGE_SIZE, true);
	struct page *old[4], *page;
	unsigned int moved;
	LIST_HEAD(list);

	fill(mm, priv, 3, 21);
	fill(mm, shared, 1, 22);
	old[0] = isolate_at(mm, priv, &list);
	set_flags(old[0], rich, 0);
	old[1] = isolate_at(mm, priv + PAGE_SIZE, &list);
	set_flags(old[1], BIT(PG_unevictable), optional & ~BIT(PG_unevictable));
	old[2] = isolate_at(mm, priv + 2 * PAGE_SIZE, &list);
	set_flags(old[2], 0, optional);
	old[3] = isolate_at(mm, shared, &list);
	assert_true(PageSwapBacked(old[3]) && PageUptodate(old[3]) && !PageAnon(old[3]));
	assert_int_equal(migrate_pages(&list, alloc_migration_target, NULL, 0, MIGRATE_SYNC,
				       MR_SYSCALL, &moved), 0);
	assert_int_equal(moved, 4);
	page = pfn_to_page(pfn_at(mm, priv));
	assert_ptr_not_equal(page, old[0]);
	assert_flags(page, rich | BIT(PG_lru), BIT(PG_unevictable));
	page = pfn_to_page(pfn_at(mm, priv + PAGE_SIZE));
	assert_ptr_not_equal(page, old[1]);
	assert_flags(page, always | BIT(PG_unevictable) | BIT(PG_lru), optional & ~BIT(PG_unevictable));
	page = pfn_to_page(pfn_at(mm, priv + 2 * PAGE_SIZE));
	assert_flags(page, always | BIT(PG_lru), optional);
	page = pfn_to_page(pfn_at(mm, shared));
	assert_ptr_not_equal(page, old[3]);
	assert_flags(page, always | BIT(PG_dirty) | BIT(PG_lru), optional);
	verify(mm, priv, 3, 21);
	verify(mm, shared, 1, 22);
	assert_invariants();
	mmput(mm);
}

/* A page whose last mapping went while it was isolated is freed by
 * migration, and counted as migrated (as Linux counts it). */
static void test_freed_under_migration_counts(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = map(mm, PAGE_SIZE, false);
	unsigned int moved = 0;
	LIST_HEAD(list);

	fill(mm, addr, 1, 5);
	isolate_at(mm, addr, &list);
	assert_int_equal(do_munmap(mm, addr, PAGE_SIZE), 0);
	assert_int_equal(migrate_pages(&list, alloc_migration_target, NULL, 0, MIGRATE_SYNC,
				       MR_SYSCALL, &moved), 0);
	assert_int_equal(moved, 1);
	assert_int_equal(event("pgmigrate_success"), 1);
	assert_int_equal(event("pgmigrate_fail"), 0);
	assert_true(list_empty(&list));
	mmput(mm);
}

static int targets_left;

/* new_folio_t that runs out of targets after targets_left pages. */
static struct page *scarce_target(struct page *src, unsigned long private)
{
	if (targets_left-- <= 0)
		return NULL;
	return alloc_migration_target(src, private);
}

/* -ENOMEM stops migration: the page that found no target fails, the
 * pages never tried are not counted as failed. */
static void test_enomem_counts_only_tried(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = map(mm, 4 * PAGE_SIZE, false);
	unsigned int moved = 0;
	LIST_HEAD(list);

	fill(mm, addr, 4, 6);
	for (int i = 0; i < 4; i++)
		isolate_at(mm, addr + i * PAGE_SIZE, &list);
	targets_left = 1;
	assert_int_equal(migrate_pages(&list, scarce_target, NULL, 0, MIGRATE_ASYNC, MR_SYSCALL,
				       &moved), -ENOMEM);
	assert_int_equal(moved, 1);
	assert_int_equal(event("pgmigrate_success"), 1);
	assert_int_equal(event("pgmigrate_fail"), 1);
	putback_movable_pages(&list);
	verify(mm, addr, 4, 6);
	assert_invariants();
	mmput(mm);
}

/* A page shared by a fork tree and a page of a shared region: every
 * process sees the new frame, and the contents. */
static void test_every_mapping_follows(void **state)
{
	struct mm_struct *mms[4];
	unsigned long priv, shared, pfn;
	int err, status[2];

	mms[0] = mm_alloc();
	priv = map(mms[0], PAGE_SIZE, false);
	shared = map(mms[0], PAGE_SIZE, true);
	fill(mms[0], priv, 1, 11);
	fill(mms[0], shared, 1, 12);
	mms[1] = dup_mm(mms[0], &err);
	mms[2] = dup_mm(mms[1], &err);
	mms[3] = dup_mm(mms[0], &err);
	assert_int_equal(move_pages_range(mms[2], priv, 1, &status[0]), 1);
	assert_int_equal(move_pages_range(mms[3], shared, 1, &status[1]), 1);
	for (int which = 0; which < 2; which++) {
		unsigned long addr = which ? shared : priv;

		pfn = pfn_at(mms[0], addr);
		assert_int_equal(page_mapcount(pfn_to_page(pfn)), 4);
		for (int i = 0; i < 4; i++) {
			assert_int_equal(pfn_at(mms[i], addr), pfn);
			verify(mms[i], addr, 1, which ? 12 : 11);
		}
	}
	assert_invariants();
	for (int i = 3; i >= 0; i--)
		mmput(mms[i]);
}

static struct zs_pool *filled_pool(unsigned long *handles, int n)
{
	struct zs_pool *pool = zs_create_pool("test");

	for (int i = 0; i < n; i++) {
		handles[i] = zs_malloc(pool, GFP_KERNEL);
		memset(zs_map_object(pool, handles[i]), 0x40 + i, PAGE_SIZE);
		zs_unmap_object(pool, handles[i]);
	}
	return pool;
}

static void test_movable_ops(void **state)
{
	unsigned long handles[NR];
	struct zs_pool *pool = filled_pool(handles, NR);
	struct page *old[NR];
	unsigned int moved;
	LIST_HEAD(list);

	for (int i = 0; i < NR; i++) {
		old[i] = zs_handle_page(pool, handles[i]);
		assert_true(page_has_movable_ops(old[i]));
		assert_true(isolate_folio_to_list(old[i], &list));
		assert_true(PageMovableOpsIsolated(old[i]));
		assert_false(isolate_movable_ops_page(old[i], 0));	/* already isolated */
	}
	assert_int_equal(migrate_pages(&list, alloc_migration_target, NULL, 0, MIGRATE_SYNC,
				       MR_COMPACTION, &moved), 0);
	assert_int_equal(moved, NR);
	assert_true(list_empty(&list));
	for (int i = 0; i < NR; i++) {
		struct page *page = zs_handle_page(pool, handles[i]);
		unsigned char *p = zs_map_object(pool, handles[i]);

		assert_ptr_not_equal(page, old[i]);
		assert_true(PageZsmalloc(page) && !PageMovableOpsIsolated(page));
		for (size_t b = 0; b < PAGE_SIZE; b++)
			assert_int_equal(p[b], 0x40 + i);
		zs_unmap_object(pool, handles[i]);
	}
	assert_invariants();
	zs_destroy_pool(pool);
}

static void test_movable_ops_freed_while_isolated(void **state)
{
	unsigned long handles[2];
	struct zs_pool *pool = filled_pool(handles, 2);
	long before;
	LIST_HEAD(list);

	drain_all_pages(NULL);
	before = global_zone_page_state(NR_FREE_PAGES);
	assert_true(isolate_folio_to_list(zs_handle_page(pool, handles[0]), &list));
	zs_free(pool, handles[0]);			/* the owner lets go */
	assert_int_equal(migrate_pages(&list, alloc_migration_target, NULL, 0, MIGRATE_SYNC,
				       MR_COMPACTION, NULL), 1);
	putback_movable_pages(&list);			/* the last reference: freed */
	drain_all_pages(NULL);
	assert_int_equal(global_zone_page_state(NR_FREE_PAGES), before + 1);
	assert_invariants();
	zs_destroy_pool(pool);
}

/*
 * Direct compaction (PF_MEMALLOC) never sleeps on a page lock: here the
 * migrating thread itself holds the lock of the page it migrates (as a
 * thread that allocates while it holds a page locked would, in Linux's
 * readahead example). SYNC_LIGHT would sleep for an uptodate page; with
 * PF_MEMALLOC it only trylocks, gives up, and the page stays.
 */
static void test_memalloc_only_trylocks(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = map(mm, PAGE_SIZE, false);
	unsigned int noreclaim, moved = 1;
	struct page *page;
	LIST_HEAD(list);

	fill(mm, addr, 1, 8);
	page = isolate_at(mm, addr, &list);
	assert_true(PageUptodate(page));
	assert_true(trylock_page(page));
	noreclaim = memalloc_noreclaim_save();
	assert_int_equal(migrate_pages(&list, alloc_migration_target, NULL, 0, MIGRATE_SYNC_LIGHT,
				       MR_COMPACTION, &moved), 1);
	memalloc_noreclaim_restore(noreclaim);
	assert_int_equal(current_flags & PF_MEMALLOC, 0);
	assert_int_equal(moved, 0);
	unlock_page(page);
	putback_movable_pages(&list);
	assert_int_equal(pfn_at(mm, addr), page_to_pfn(page));
	verify(mm, addr, 1, 8);
	assert_invariants();
	mmput(mm);
}

static struct page *memalloc_page;

static void lock_page_with_memalloc(void)
{
	memalloc_noreclaim_save();
	lock_page(memalloc_page);
}

/* The rule is checked: lock_page() with PF_MEMALLOC set is a bug. */
static void test_memalloc_lock_page_is_a_bug(void **state)
{
#if PAGELAB_DEBUG >= 1
	int status;
	pid_t pid;

	memalloc_page = alloc_pages(GFP_KERNEL, 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		freopen("/dev/null", "w", stderr);
		lock_page_with_memalloc();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	__free_pages(memalloc_page, 0);
#else
	skip();
#endif
}

/* ------------------------------------------------------------------ */
/* Migration while CPUs read and write (the kernel's migration selftest) */

#ifdef PAGELAB_SANITIZED
#define SELFTEST_ROUNDS 40
#else
#define SELFTEST_ROUNDS 400
#endif
#define SELFTEST_PAGES 8
#define SELFTEST_CPUS 2

/*
 * A user destroys its pool (the only one) while migration holds two of its
 * pages isolated: the movable_ops stay, migration refuses the orphans
 * (-ENOENT), putback frees them, and the pool's memory goes with the last.
 */
static void test_pool_destroyed_while_isolated(void **state)
{
	unsigned long handles[3];
	struct zs_pool *pool = filled_pool(handles, 3);
	long before;
	LIST_HEAD(list);

	drain_all_pages(NULL);
	before = global_zone_page_state(NR_FREE_PAGES);
	assert_true(isolate_folio_to_list(zs_handle_page(pool, handles[0]), &list));
	assert_true(isolate_folio_to_list(zs_handle_page(pool, handles[1]), &list));
	zs_destroy_pool(pool);
	assert_int_equal(migrate_pages(&list, alloc_migration_target, NULL, 0, MIGRATE_SYNC,
				       MR_COMPACTION, NULL), 2);
	assert_int_equal(event("pgmigrate_fail"), 2);
	putback_movable_pages(&list);
	drain_all_pages(NULL);
	assert_int_equal(global_zone_page_state(NR_FREE_PAGES), before + 3);
	assert_invariants();
}

struct pool_churn {
	unsigned long hi;		/* the scanner walks pfns 0..hi-1 */
	bool stop;			/* atomic */
	long passes;			/* atomic: full walks done */
	long isolated;
};

/* A scanner like compaction's: isolate any movable_ops page, put it back. */
static void *zs_scanner(void *arg)
{
	struct pool_churn *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		for (unsigned long pfn = 0; pfn < c->hi; pfn++) {
			struct page *page = pfn_to_page(pfn);
			LIST_HEAD(list);

			/*
			 * As compaction's scanner: no reference is held, so
			 * only isolate_movable_ops_page(), which takes its
			 * own speculative one, may touch the page.
			 */
			if (!page_has_movable_ops(page) || !isolate_movable_ops_page(page, 0))
				continue;
			list_add_tail(&page->lru, &list);
			c->isolated++;
			putback_movable_pages(&list);
		}
		__atomic_add_fetch(&c->passes, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

/*
 * Pools created, filled, emptied and destroyed while a scanner isolates
 * their pages: the callbacks must never reach a destroyed pool (ASan sees
 * a use after free if they do) nor lose their movable_ops.
 */
static void test_pool_churn_under_isolation(void **state)
{
	struct pool_churn c = { 0 };
	unsigned long handles[NR];
	pthread_t scanner;
	long before;

	drain_all_pages(NULL);
	before = global_zone_page_state(NR_FREE_PAGES);
	c.hi = machine.max_pfn;
	pthread_create(&scanner, NULL, zs_scanner, &c);
	for (int round = 0; round < SELFTEST_ROUNDS; round++) {
		struct zs_pool *pool = filled_pool(handles, NR);
		long pass = __atomic_load_n(&c.passes, __ATOMIC_ACQUIRE);

		/* Let the scanner walk over the pool's pages once at least. */
		while (__atomic_load_n(&c.passes, __ATOMIC_ACQUIRE) < pass + 2)
			sched_yield();
		for (int i = 0; i < NR; i += 2)
			zs_free(pool, handles[i]);
		zs_destroy_pool(pool);
	}
	__atomic_store_n(&c.stop, true, __ATOMIC_RELEASE);
	pthread_join(scanner, NULL);
	print_message("scanner isolated %ld pages\n", c.isolated);
	drain_all_pages(NULL);
	assert_int_equal(global_zone_page_state(NR_FREE_PAGES), before);
	assert_invariants();
}

struct accessor {
	pthread_t thread;
	struct mm_struct *mm;
	unsigned long addr;	/* this CPU's own pages */
	int cpu;
	bool *stop;
	bool started;		/* atomic: the first page was written */
	long errors, writes;
};

/* Each CPU writes a counter into its own pages and checks it reads back:
 * a write lost or torn by a migration shows up as a mismatch. */
static void *accessor_thread(void *arg)
{
	struct accessor *a = arg;
	uint64_t buf[PAGE_SIZE / 8], seq = 0;

	cpu_bind_current(a->cpu);
	while (!__atomic_load_n(a->stop, __ATOMIC_ACQUIRE)) {
		for (int p = 0; p < SELFTEST_PAGES; p++) {
			unsigned long addr = a->addr + p * PAGE_SIZE;

			for (size_t i = 0; i < ARRAY_SIZE(buf); i++)
				buf[i] = seq + i;
			access_mm(a->mm, addr, buf, PAGE_SIZE, true);
			access_mm(a->mm, addr, buf, PAGE_SIZE, false);
			for (size_t i = 0; i < ARRAY_SIZE(buf); i++)
				a->errors += buf[i] != seq + i;
			seq++;
			a->writes++;
			__atomic_store_n(&a->started, true, __ATOMIC_RELEASE);
		}
	}
	return NULL;
}

static void test_migration_under_access(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = map(mm, SELFTEST_CPUS * SELFTEST_PAGES * PAGE_SIZE, false);
	struct accessor acc[SELFTEST_CPUS];
	int status[SELFTEST_CPUS * SELFTEST_PAGES];
	bool stop = false;
	long moved = 0;

	fill(mm, addr, SELFTEST_CPUS * SELFTEST_PAGES, 1);
	for (int i = 0; i < SELFTEST_CPUS; i++) {
		acc[i] = (struct accessor){ .mm = mm, .cpu = i % 2, .stop = &stop,
					    .addr = addr + i * SELFTEST_PAGES * PAGE_SIZE };
		pthread_create(&acc[i].thread, NULL, accessor_thread, &acc[i]);
	}
	/* Migrate only once every CPU is at work, or the race is not tested. */
	for (int i = 0; i < SELFTEST_CPUS; i++)
		while (!__atomic_load_n(&acc[i].started, __ATOMIC_ACQUIRE))
			sched_yield();
	for (int round = 0; round < SELFTEST_ROUNDS; round++)
		moved += move_pages_range(mm, addr, ARRAY_SIZE(status), status);
	__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
	for (int i = 0; i < SELFTEST_CPUS; i++) {
		pthread_join(acc[i].thread, NULL);
		assert_int_equal(acc[i].errors, 0);
		assert_true(acc[i].writes > 0);
	}
	/* Pages may be busy at the instant a CPU faults on them, not more. */
	assert_true(moved > SELFTEST_ROUNDS * (long)ARRAY_SIZE(status) / 2);
	assert_invariants();
	mmput(mm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		machine_test(test_move_pages_statuses),
		machine_test(test_state_survives),
		machine_test(test_migration_carries_flags),
		machine_test(test_freed_under_migration_counts),
		machine_test(test_enomem_counts_only_tried),
		machine_test(test_memalloc_only_trylocks),
		machine_test(test_memalloc_lock_page_is_a_bug),
		machine_test(test_pinned_page_fails),
		machine_test(test_every_mapping_follows),
		machine_test(test_movable_ops),
		machine_test(test_movable_ops_freed_while_isolated),
		machine_test(test_pool_destroyed_while_isolated),
		machine_test(test_pool_churn_under_isolation),
		machine_test(test_migration_under_access),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
