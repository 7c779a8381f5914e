/* SPDX-License-Identifier: MIT */
/*
 * test_api.c - the public API beyond allocation (include/pagelab/pagelab.h):
 * knobs by their file names, compaction and the pageblock map, move_pages
 * with per-page statuses, madvise and the KSM switch with ksm_stat, and
 * process handles that outlive their machine.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "pagelab/pagelab.h"
#include "pagelab/scenario.h"

#define MEMORY		(64UL << 20)
#define PAGE		PAGELAB_PAGE_SIZE

static struct pagelab_machine *create(int deterministic)
{
	struct pagelab_config cfg = PAGELAB_CONFIG_DEFAULT;
	struct pagelab_machine *m;

	cfg.memory_bytes = MEMORY;
	cfg.deterministic = deterministic;
	assert_int_equal(pagelab_machine_create(&cfg, &m), 0);
	return m;
}

static long knob(struct pagelab_machine *m, const char *name)
{
	char buf[64];

	assert_true(pagelab_knob_get(m, name, buf, sizeof(buf)) > 0);
	return strtol(buf, NULL, 10);
}

static void assert_checked(struct pagelab_machine *m)
{
	char msg[256];

	if (pagelab_check(m, msg, sizeof(msg)))
		fail_msg("invariant violated: %s", msg);
}

static void test_knobs(void **state)
{
	struct pagelab_machine *m = create(1);
	char buf[64];

	assert_int_equal(pagelab_knob_set(m, "vm.extfrag_threshold", "700"), 0);
	assert_int_equal(knob(m, "vm.extfrag_threshold"), 700);
	assert_int_equal(pagelab_knob_set(m, "vm.extfrag_threshold", "1001"), -EINVAL);
	assert_int_equal(pagelab_knob_set(m, "vm.extfrag_threshold", "7x"), -EINVAL);
	assert_int_equal(knob(m, "vm.extfrag_threshold"), 700);
	assert_int_equal(pagelab_knob_set(m, "vm.no_such_knob", "1"), -ENOENT);
	assert_int_equal(pagelab_knob_set(m, "vm.no_such_knob", "x"), -ENOENT);
	assert_int_equal(pagelab_knob_get(m, "vm.compact_memory", buf, sizeof(buf)), -EACCES);
	assert_int_equal(pagelab_knob_get(m, "sys.nothing", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(pagelab_knob_set(m, "ksm.pages_to_scan", "250"), 0);
	assert_int_equal(knob(m, "ksm.pages_to_scan"), 250);
	assert_int_equal(pagelab_knob_set(m, "ksm.max_page_sharing", "1"), -EINVAL);
	assert_int_equal(pagelab_knob_set(m, "ksm.pages_shared", "1"), -EACCES);
	assert_int_equal(knob(m, "ksm.pages_shared"), 0);
	/* Truncated to fit, NUL-terminated. */
	assert_int_equal(pagelab_knob_get(m, "ksm.pages_to_scan", buf, 2), 1);
	assert_string_equal(buf, "2");
	assert_int_equal(pagelab_knob_get(m, NULL, buf, sizeof(buf)), -EINVAL);
	pagelab_machine_destroy(m);
}

static void assert_knob_text(struct pagelab_machine *m, const char *name, const char *text)
{
	char buf[80];

	assert_int_equal(pagelab_knob_get(m, name, buf, sizeof(buf)), (int)strlen(text));
	assert_string_equal(buf, text);
}

/* /sys/kernel/mm/transparent_hugepage: words in brackets, the kernel's refusals. */
static void test_thp_knobs(void **state)
{
	struct pagelab_config cfg = PAGELAB_CONFIG_DEFAULT;
	struct pagelab_machine *m;

	cfg.memory_bytes = 512UL << 20;
	cfg.deterministic = 1;
	assert_int_equal(pagelab_machine_create(&cfg, &m), 0);
	assert_knob_text(m, "thp.enabled", "always [madvise] never");
	assert_knob_text(m, "thp.defrag", "always defer defer+madvise [madvise] never");
	assert_knob_text(m, "thp.use_zero_page", "1");
	assert_knob_text(m, "thp.hpage_pmd_size", "2097152");
	assert_knob_text(m, "thp.shmem_enabled", "always within_size advise [never] deny force");
	assert_knob_text(m, "thp.khugepaged/max_ptes_none", "511");
	assert_knob_text(m, "thp.khugepaged/max_ptes_swap", "64");
	assert_knob_text(m, "thp.khugepaged/max_ptes_shared", "256");
	assert_knob_text(m, "thp.khugepaged/pages_to_scan", "4096");
	assert_knob_text(m, "thp.khugepaged/scan_sleep_millisecs", "10000");
	assert_knob_text(m, "thp.khugepaged/alloc_sleep_millisecs", "60000");
	assert_knob_text(m, "thp.khugepaged/defrag", "1");
	assert_int_equal(pagelab_knob_set(m, "thp.enabled", "always\n"), 0);
	assert_knob_text(m, "thp.enabled", "[always] madvise never");
	assert_int_equal(pagelab_knob_set(m, "thp.enabled", "sometimes"), -EINVAL);
	assert_int_equal(pagelab_knob_set(m, "thp.enabled", "never"), 0);
	assert_knob_text(m, "thp.enabled", "always madvise [never]");
	assert_int_equal(pagelab_knob_set(m, "thp.defrag", "defer+madvise"), 0);
	assert_knob_text(m, "thp.defrag", "always defer [defer+madvise] madvise never");
	assert_int_equal(pagelab_knob_set(m, "thp.defrag", "never"), 0);
	assert_knob_text(m, "thp.defrag", "always defer defer+madvise madvise [never]");
	assert_int_equal(pagelab_knob_set(m, "thp.use_zero_page", "2"), -EINVAL);
	assert_int_equal(pagelab_knob_set(m, "thp.use_zero_page", "0"), 0);
	assert_knob_text(m, "thp.use_zero_page", "0");
	assert_int_equal(pagelab_knob_set(m, "thp.khugepaged/max_ptes_none", "512"), -EINVAL);
	assert_int_equal(pagelab_knob_set(m, "thp.khugepaged/max_ptes_none", "0"), 0);
	assert_int_equal(pagelab_knob_set(m, "thp.khugepaged/pages_to_scan", "0"), -EINVAL);
	assert_int_equal(pagelab_knob_set(m, "thp.khugepaged/full_scans", "1"), -EACCES);
	assert_int_equal(pagelab_knob_set(m, "thp.hpage_pmd_size", "1"), -EACCES);
	assert_int_equal(pagelab_knob_set(m, "thp.no_such_file", "1"), -ENOENT);
	pagelab_machine_destroy(m);

	/* Below 512 MiB of RAM the kernel boots with THP off. */
	m = create(1);
	assert_knob_text(m, "thp.enabled", "always madvise [never]");
	assert_knob_text(m, "thp.defrag", "always defer defer+madvise madvise [never]");
	assert_knob_text(m, "thp.use_zero_page", "0");
	pagelab_machine_destroy(m);
}

static long vmstat(struct pagelab_machine *m, const char *name)
{
	long v;

	assert_int_equal(pagelab_vmstat(m, name, &v), 0);
	return v;
}

/*
 * THPs through the API: MADV_HUGEPAGE, a fault per 2 MiB, a partial
 * MADV_DONTNEED queueing a deferred split, vm.drop_caches splitting it,
 * every byte kept; MADV_NOHUGEPAGE and enabled=never keep 4 KiB pages.
 */
static void test_thp(void **state)
{
	struct pagelab_config cfg = PAGELAB_CONFIG_DEFAULT;
	const unsigned long len = 4UL << 20, nr = len / PAGE;
	struct pagelab_machine *m;
	struct pagelab_process *p;
	unsigned long addr, other;
	unsigned char *buf = malloc(len), *back = malloc(len);

	cfg.memory_bytes = 512UL << 20;
	cfg.deterministic = 1;
	assert_int_equal(pagelab_machine_create(&cfg, &m), 0);
	assert_int_equal(pagelab_process_create(m, &p), 0);
	assert_int_equal(pagelab_mmap(p, len, PAGELAB_MAP_PRIVATE, &addr), 0);
	assert_int_equal(addr % (2UL << 20), 0);	/* 2 MiB multiples start aligned */
	assert_int_equal(pagelab_madvise(p, addr, len, PAGELAB_MADV_HUGEPAGE), 0);
	assert_int_equal(pagelab_madvise(p, addr, len, 99), -EINVAL);
	for (unsigned long i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 7 + i / PAGE);
	assert_int_equal(pagelab_write(p, addr, buf, len), 0);
	assert_int_equal(vmstat(m, "thp_fault_alloc"), 2);
	assert_int_equal(vmstat(m, "nr_anon_transparent_hugepages"), 2);
	assert_int_equal(pagelab_madvise(p, addr + PAGE, PAGE, PAGELAB_MADV_DONTNEED), 0);
	memset(buf + PAGE, 0, PAGE);
	assert_int_equal(vmstat(m, "thp_split_pmd"), 1);
	assert_int_equal(vmstat(m, "thp_deferred_split_page"), 1);
	assert_int_equal(pagelab_knob_set(m, "vm.drop_caches", "5"), -EINVAL);
	assert_int_equal(pagelab_knob_set(m, "vm.drop_caches", "2"), 0);
	assert_int_equal(vmstat(m, "thp_split_page"), 1);
	assert_int_equal(vmstat(m, "nr_anon_transparent_hugepages"), 1);
	assert_int_equal(vmstat(m, "nr_anon_pages"), (long)nr - 1);
	assert_int_equal(pagelab_read(p, addr, back, len), 0);
	assert_memory_equal(buf, back, len);
	assert_checked(m);

	assert_int_equal(pagelab_mmap(p, len, PAGELAB_MAP_PRIVATE, &other), 0);
	assert_int_equal(pagelab_madvise(p, other, len, PAGELAB_MADV_NOHUGEPAGE), 0);
	assert_int_equal(pagelab_write(p, other, buf, len), 0);
	assert_int_equal(pagelab_knob_set(m, "thp.enabled", "never"), 0);
	assert_int_equal(pagelab_madvise(p, other, len, PAGELAB_MADV_HUGEPAGE), 0);
	assert_int_equal(pagelab_madvise(p, other, len, PAGELAB_MADV_DONTNEED), 0);
	assert_int_equal(pagelab_write(p, other, buf, len), 0);
	assert_int_equal(vmstat(m, "thp_fault_alloc"), 2);
	assert_checked(m);
	pagelab_process_exit(p);
	assert_int_equal(vmstat(m, "nr_anon_transparent_hugepages"), 0);
	assert_checked(m);
	pagelab_machine_destroy(m);
	free(buf);
	free(back);
}

static unsigned long empty_pageblocks(struct pagelab_machine *m)
{
	struct pagelab_pageblock pb;
	unsigned long n = 0;

	for (unsigned long b = 0; !pagelab_pageblock(m, b, &pb); b++)
		n += pb.nr_free == pb.nr_pages;
	return n;
}

/* A process's memory with every other page dropped, then compacted. */
static void test_compact_and_pageblocks(void **state)
{
	struct pagelab_machine *m = create(1);
	unsigned long nr = MEMORY / PAGE / 2, addr, free_in_blocks = 0, nr_blocks = 0, before;
	struct pagelab_process *p;
	struct pagelab_pageblock pb;
	long free_pages;
	char buf[PAGE];

	assert_int_equal(pagelab_process_create(m, &p), 0);
	assert_int_equal(pagelab_mmap(p, nr * PAGE, PAGELAB_MAP_PRIVATE, &addr), 0);
	for (unsigned long i = 0; i < nr; i++) {
		memset(buf, (int)i, sizeof(buf));
		assert_int_equal(pagelab_write(p, addr + i * PAGE, buf, PAGE), 0);
	}
	for (unsigned long i = 0; i < nr; i += 2)
		assert_int_equal(pagelab_madvise(p, addr + i * PAGE, PAGE, PAGELAB_MADV_DONTNEED), 0);
	for (; !pagelab_pageblock(m, nr_blocks, &pb); nr_blocks++) {
		free_in_blocks += pb.nr_free;
		assert_int_equal(pb.nr_pages, 512);
		assert_non_null(pb.migratetype);
	}
	assert_int_equal(nr_blocks, MEMORY / PAGE / 512);
	assert_int_equal(pagelab_pageblock(m, nr_blocks, &pb), -ERANGE);
	assert_int_equal(pagelab_vmstat(m, "nr_free_pages", &free_pages), 0);
	/* The map counts the buddy's free pages; the per-cpu lists hold the rest. */
	assert_true(free_in_blocks <= (unsigned long)free_pages);
	assert_true(free_in_blocks > (unsigned long)free_pages / 2);

	before = empty_pageblocks(m);
	assert_int_equal(pagelab_compact(m), 0);
	print_message("empty pageblocks: %lu before compaction, %lu after\n", before,
		      empty_pageblocks(m));
	assert_true(empty_pageblocks(m) > before);
	for (unsigned long i = 1; i < nr; i += 2) {
		assert_int_equal(pagelab_read(p, addr + i * PAGE, buf, PAGE), 0);
		assert_int_equal((unsigned char)buf[PAGE - 1], (unsigned char)i);
	}
	pagelab_process_exit(p);
	assert_checked(m);
	pagelab_machine_destroy(m);
}

static void test_move_pages(void **state)
{
	struct pagelab_machine *m = create(1);
	struct pagelab_process *p;
	unsigned long addr, before[4], after;
	int status[6];
	char buf[PAGE];

	assert_int_equal(pagelab_process_create(m, &p), 0);
	assert_int_equal(pagelab_mmap(p, 4 * PAGE, PAGELAB_MAP_PRIVATE, &addr), 0);
	for (int i = 0; i < 3; i++) {
		memset(buf, 'a' + i, PAGE);
		assert_int_equal(pagelab_write(p, addr + i * PAGE, buf, PAGE), 0);
		assert_int_equal(pagelab_translate(p, addr + i * PAGE, &before[i]), 0);
	}
	/* Page 3 was never touched; 4 and 5 are past the region. */
	assert_int_equal(pagelab_move_pages(p, addr, 6, status), 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(status[i], 0);
		assert_int_equal(pagelab_translate(p, addr + i * PAGE, &after), 0);
		assert_true(after != before[i]);
		assert_int_equal(pagelab_read(p, addr + i * PAGE, buf, PAGE), 0);
		assert_int_equal(buf[0], 'a' + i);
		assert_int_equal(buf[PAGE - 1], 'a' + i);
	}
	assert_int_equal(status[3], -ENOENT);
	assert_int_equal(status[4], -EFAULT);
	assert_int_equal(status[5], -EFAULT);
	assert_int_equal(pagelab_move_pages(p, addr + 1, 1, status), -EINVAL);
	assert_int_equal(pagelab_move_pages(p, addr, 1, NULL), -EINVAL);
	assert_int_equal(pagelab_madvise(p, addr, PAGE, 99), -EINVAL);
	assert_int_equal(pagelab_madvise(p, addr, PAGE, PAGELAB_MADV_DONTNEED), 0);
	assert_int_equal(pagelab_read(p, addr, buf, PAGE), 0);
	assert_int_equal(buf[0], 0);
	pagelab_process_exit(p);
	assert_checked(m);
	pagelab_machine_destroy(m);
}

/* Two processes write the same content into mergeable memory; ksmd merges. */
static void test_ksm(void **state)
{
	struct pagelab_machine *m = create(0);
	struct pagelab_process *p, *q;
	unsigned long a, b, pfn[2];
	char buf[PAGE];
	long v;

	assert_int_equal(pagelab_process_create(m, &p), 0);
	assert_int_equal(pagelab_process_create(m, &q), 0);
	assert_int_equal(pagelab_mmap(p, 8 * PAGE, PAGELAB_MAP_PRIVATE, &a), 0);
	assert_int_equal(pagelab_mmap(q, 8 * PAGE, PAGELAB_MAP_PRIVATE, &b), 0);
	memset(buf, 0x5a, PAGE);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(pagelab_write(p, a + i * PAGE, buf, PAGE), 0);
		assert_int_equal(pagelab_write(q, b + i * PAGE, buf, PAGE), 0);
	}
	assert_int_equal(pagelab_madvise(p, a, 8 * PAGE, PAGELAB_MADV_MERGEABLE), 0);
	assert_int_equal(pagelab_ksm_merge(q, 1), 0);
	assert_int_equal(pagelab_ksm_stat(q, "ksm_merge_any", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(pagelab_ksm_stat(q, "no_such_line", &v), -ENOENT);
	assert_int_equal(pagelab_knob_set(m, "ksm.sleep_millisecs", "0"), 0);
	assert_int_equal(pagelab_knob_set(m, "ksm.run", "1"), 0);
	/* 16 equal pages: one KSM page, 15 sharers (a bound turns a hang into a failure). */
	for (int i = 0; i < 2000 && knob(m, "ksm.pages_sharing") < 15; i++)
		usleep(5000);
	assert_int_equal(knob(m, "ksm.pages_shared"), 1);
	assert_int_equal(knob(m, "ksm.pages_sharing"), 15);
	assert_int_equal(pagelab_ksm_stat(p, "ksm_merging_pages", &v), 0);
	assert_int_equal(v, 8);
	assert_int_equal(pagelab_knob_set(m, "ksm.max_page_sharing", "64"), -EBUSY);
	assert_int_equal(pagelab_translate(p, a, &pfn[0]), 0);
	assert_int_equal(pagelab_translate(p, a + PAGE, &pfn[1]), 0);
	assert_int_equal(pfn[0], pfn[1]);
	/* Unmerged: each page private again (the counters follow at ksmd's next visit). */
	assert_int_equal(pagelab_madvise(p, a, 8 * PAGE, PAGELAB_MADV_UNMERGEABLE), 0);
	assert_int_equal(pagelab_translate(p, a, &pfn[0]), 0);
	assert_int_equal(pagelab_translate(p, a + PAGE, &pfn[1]), 0);
	assert_true(pfn[0] != pfn[1]);
	assert_int_equal(pagelab_read(p, a + 7 * PAGE, buf, PAGE), 0);
	assert_int_equal(buf[100], 0x5a);
	assert_int_equal(pagelab_knob_set(m, "ksm.run", "2"), 0);
	assert_int_equal(knob(m, "ksm.pages_sharing"), 0);
	pagelab_process_exit(p);
	pagelab_process_exit(q);
	pagelab_machine_destroy(m);
}

/* A handle used after its machine is gone gets -ESTALE, never freed memory. */
static void test_stale_handles(void **state)
{
	struct pagelab_machine *m = create(1);
	struct pagelab_process *p, *child, *stale;
	unsigned long addr, pfn;
	int status[1];
	char buf[16] = "x";
	long v;

	assert_int_equal(pagelab_process_create(m, &p), 0);
	assert_int_equal(pagelab_mmap(p, PAGE, PAGELAB_MAP_PRIVATE, &addr), 0);
	assert_int_equal(pagelab_write(p, addr, buf, sizeof(buf)), 0);
	assert_int_equal(pagelab_process_fork(p, &child), 0);
	pagelab_process_exit(child);
	pagelab_machine_destroy(m);

	assert_int_equal(pagelab_mmap(p, PAGE, PAGELAB_MAP_PRIVATE, &addr), -ESTALE);
	assert_int_equal(pagelab_munmap(p, addr, PAGE), -ESTALE);
	assert_int_equal(pagelab_read(p, addr, buf, sizeof(buf)), -ESTALE);
	assert_int_equal(pagelab_write(p, addr, buf, sizeof(buf)), -ESTALE);
	assert_int_equal(pagelab_translate(p, addr, &pfn), -ESTALE);
	assert_int_equal(pagelab_madvise(p, addr, PAGE, PAGELAB_MADV_DONTNEED), -ESTALE);
	assert_int_equal(pagelab_move_pages(p, addr, 1, status), -ESTALE);
	assert_int_equal(pagelab_ksm_merge(p, 1), -ESTALE);
	assert_int_equal(pagelab_ksm_stat(p, "ksm_merge_any", &v), -ESTALE);
	assert_int_equal(pagelab_process_fork(p, &stale), -ESTALE);
	assert_string_equal(pagelab_strerror(-ESTALE), "the machine of this handle was destroyed");
	assert_string_equal(pagelab_strerror(-ENOMEM), strerror(ENOMEM));
	assert_int_equal(pagelab_knob_set(m, "vm.extfrag_threshold", "1"), -EINVAL);

	/* A new machine does not revive the old handle. */
	m = create(1);
	assert_int_equal(pagelab_read(p, addr, buf, sizeof(buf)), -ESTALE);
	pagelab_process_exit(p);	/* only frees the handle */
	assert_checked(m);
	pagelab_machine_destroy(m);
	assert_int_equal(pagelab_process_fork(NULL, &stale), -EINVAL);
}

/* A scenario from a string: passes, fails an expect, or is refused. */
static void test_scenario_text(void **state)
{
	struct pagelab_run_options opts = { .deterministic = true };

	opts.text = "machine memory=16M\nprocess p\np mmap r 64K\np touch r\np check r\n"
		    "expect vmstat.nr_free_pages > 0\n";
	assert_int_equal(pagelab_scenario_run(&opts), PAGELAB_RUN_PASS);
	opts.text = "machine memory=16M\nexpect vmstat.nr_free_pages == 0\n";
	assert_int_equal(pagelab_scenario_run(&opts), PAGELAB_RUN_FAIL);
	opts.text = "machine memory=16M\nbogus\n";
	assert_int_equal(pagelab_scenario_run(&opts), PAGELAB_RUN_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_knobs),
		cmocka_unit_test(test_thp_knobs),
		cmocka_unit_test(test_thp),
		cmocka_unit_test(test_compact_and_pageblocks),
		cmocka_unit_test(test_move_pages),
		cmocka_unit_test(test_ksm),
		cmocka_unit_test(test_stale_handles),
		cmocka_unit_test(test_scenario_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
