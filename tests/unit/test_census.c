/* SPDX-License-Identifier: MIT */
/*
 * test_census.c - the frame census (machine/census.c, from the invariant
 * checker's walk): every frame in exactly one state, each state decided as
 * docs/design.md says, the states adding up to the zone's frames; a frame
 * left in no state, or a counter that disagrees with the census, fails the
 * check; and the /proc/zoneinfo and /proc/meminfo writers.
 *
 * The fixture machine: 16384 frames, per-cpu batch 3 and high 18,
 * watermarks min/low/high/promo 256/320/384/448.
 */
#include "unit/alloc_test.h"
#include <string.h>
#include "ksm/ksm.h"
#include "lru/lru.h"
#include "pagelab/census.h"
#include "scenario/sim_internal.h"

static struct frame_census census_now(void)
{
	struct frame_census census;
	char msg[256];

	if (check_frames(&census, msg, sizeof(msg)))
		fail_msg("census failed: %s", msg);
	assert_int_equal(frame_census_total(&census), TEST_PAGES);
	return census;
}

/* The census has @nr frames in @state and, with @others, nothing else. */
static void assert_only(const struct frame_census *census, enum census_state state,
			unsigned long nr)
{
	assert_int_equal(census->nr[state], nr);
}

static void test_boot_all_free(void **state)
{
	struct frame_census census = census_now();

	assert_only(&census, CENSUS_FREE, TEST_PAGES);
	for (int s = CENSUS_FREE + 1; s < NR_CENSUS_STATES; s++)
		assert_only(&census, s, 0);
}

static void test_kernel_allocations_by_migratetype(void **state)
{
	struct page *unmovable = alloc_pages(GFP_KERNEL, 2);
	struct page *reclaimable = alloc_pages(GFP_KERNEL_RECLAIMABLE, 1);
	struct page *movable = alloc_pages(GFP_HIGHUSER_MOVABLE, 3);
	struct frame_census census;

	assert_non_null(unmovable);
	assert_non_null(reclaimable);
	assert_non_null(movable);
	census = census_now();
	assert_only(&census, CENSUS_KERNEL_UNMOVABLE, 4);
	assert_only(&census, CENSUS_KERNEL_RECLAIMABLE, 2);
	assert_only(&census, CENSUS_KERNEL_MOVABLE, 8);
	assert_int_equal(census.nr[CENSUS_FREE] + census.nr[CENSUS_PCP], TEST_PAGES - 14);
	assert_int_equal(census.nr[CENSUS_FREE], nr_free_pages());
	assert_int_equal(census.nr[CENSUS_PCP], pcp_count(0) + pcp_count(1));
	__free_pages(unmovable, 2);
	__free_pages(reclaimable, 1);
	__free_pages(movable, 3);
	census = census_now();
	assert_int_equal(census.nr[CENSUS_FREE] + census.nr[CENSUS_PCP], TEST_PAGES);
	assert_invariants();
}

static unsigned long map_and_touch(struct mm_struct *mm, unsigned long pages, bool shared)
{
	unsigned long addr;
	uint64_t v = 1;

	assert_int_equal(do_mmap(mm, pages * PAGE_SIZE, shared, &addr), 0);
	for (unsigned long i = 0; i < pages; i++)
		assert_int_equal(access_mm(mm, addr + i * PAGE_SIZE, &v, sizeof(v), true), 0);
	return addr;
}

static void test_process_pages(void **state)
{
	struct mm_struct *mm = mm_alloc();
	struct frame_census census;

	map_and_touch(mm, 40, false);
	map_and_touch(mm, 24, true);
	census = census_now();
	assert_only(&census, CENSUS_ANON, 40);
	assert_only(&census, CENSUS_SHMEM, 24);
	assert_int_equal(census.nr[CENSUS_PAGETABLE],
			 node_page_state(&contig_page_data, NR_PAGETABLE));
	assert_true(census.nr[CENSUS_PAGETABLE] > 0);
	assert_invariants();
	mmput(mm);
	drain_all_pages(NULL);
	census = census_now();
	assert_only(&census, CENSUS_FREE, TEST_PAGES);
}

static void test_isolated_page(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = map_and_touch(mm, 4, false), pfn;
	struct frame_census census;

	assert_int_equal(follow_pfn(mm, addr, &pfn), 0);
	assert_true(folio_isolate_lru(pfn_to_page(pfn)));
	census = census_now();
	assert_only(&census, CENSUS_ANON, 3);
	assert_only(&census, CENSUS_ISOLATED, 1);
	folio_putback_lru(pfn_to_page(pfn));
	census = census_now();
	assert_only(&census, CENSUS_ANON, 4);
	assert_only(&census, CENSUS_ISOLATED, 0);
	mmput(mm);
}

/* Ten equal pages merged by KSM: one KSM frame, no anonymous one. */
static void test_ksm_page(void **state)
{
	struct mm_struct *mm = mm_alloc();
	unsigned long addr = map_and_touch(mm, 10, false);
	struct frame_census census;

	assert_int_equal(ksm_knob_write("sleep_millisecs", "0"), 0);
	assert_int_equal(ksm_knob_write("pages_to_scan", "1000"), 0);
	assert_int_equal(ksm_madvise_range(mm, addr, 10 * PAGE_SIZE, MADV_MERGEABLE), 0);
	assert_int_equal(ksm_knob_write("run", "1"), 0);
	assert_int_equal(ksm_wait_full_scans(2, 0), 0);
	census = census_now();
	assert_only(&census, CENSUS_KSM, 1);
	assert_only(&census, CENSUS_ANON, 0);
	assert_invariants();
	mmput(mm);
}

/* A frame taken out of the allocator's hands: PG_reserved, in no allocation. */
static void test_reserved_frame(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 0);
	struct frame_census census;

	assert_non_null(page);
	reset_page_owner(page, 0);
	SetPageReserved(page);
	census = census_now();
	assert_only(&census, CENSUS_RESERVED, 1);
	assert_only(&census, CENSUS_KERNEL_UNMOVABLE, 0);
	clear_bit(PG_reserved, &page->flags);
	set_page_owner(page, 0, GFP_KERNEL);
	__free_pages(page, 0);
}

/* A frame in no state (its allocation record lost) fails the walk. */
static void test_unaccounted_frame_fails(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 0);
	struct frame_census census;
	char msg[256], want[96];

	assert_non_null(page);
	reset_page_owner(page, 0);
	assert_int_equal(check_frames(&census, msg, sizeof(msg)), -EUCLEAN);
	snprintf(want, sizeof(want), "pfn %#lx is not accounted for", page_to_pfn(page));
	assert_non_null(strstr(msg, want));
	assert_int_equal(check_invariants(msg, sizeof(msg)), -EUCLEAN);
	assert_non_null(strstr(msg, want));
	set_page_owner(page, 0, GFP_KERNEL);
	census = census_now();
	assert_only(&census, CENSUS_KERNEL_UNMOVABLE, 1);
	__free_pages(page, 0);
}

/* A counter that disagrees with the census fails the whole check. */
static void test_counter_disagrees(void **state)
{
	struct frame_census census = census_now();
	char msg[256];

	assert_int_equal(census_check_counters(&census, msg, sizeof(msg)), 0);
	census.nr[CENSUS_FREE]--;
	census.nr[CENSUS_PCP]++;
	assert_int_equal(census_check_counters(&census, msg, sizeof(msg)), -EUCLEAN);
	assert_string_equal(msg, "the census counts 16383 free frames but nr_free_pages is 16384");
	mod_node_page_state(&contig_page_data, NR_PAGETABLE, 1);
	assert_int_equal(check_invariants(msg, sizeof(msg)), -EUCLEAN);
	assert_string_equal(msg, "the census counts 0 pagetable frames but nr_page_table_pages is 1");
	mod_node_page_state(&contig_page_data, NR_PAGETABLE, -1);
}

/*
 * A scenario report's meminfo, zoneinfo and frames (the sim backend's
 * sim_snapshot_proc()); a census that fails leaves frames empty and says
 * why, which the backend turns into a failed run.
 */
static void test_scenario_snapshot(void **state)
{
	struct scn_snapshot *snap = calloc(1, sizeof(*snap));
	struct page *page = alloc_pages(GFP_KERNEL, 0);
	struct scn_name name = { .family = SCN_NAME_FRAMES, .a = "kernel_unmovable" };
	long total = 0, value;
	char msg[256];

	assert_non_null(snap);
	assert_non_null(page);
	assert_int_equal(sim_snapshot_proc(true, snap, msg, sizeof(msg)), 0);
	assert_int_equal(snap->nframes, NR_CENSUS_STATES);
	for (unsigned int i = 0; i < snap->nframes; i++)
		total += snap->frames[i].value;
	assert_int_equal(total, TEST_PAGES);
	assert_int_equal(snap->nzoneinfo, 1);
	assert_string_equal(snap->zoneinfo[0].zone, "Normal");
	assert_int_equal(snap->zoneinfo[0].ncpus, 2);
	assert_string_equal(snap->meminfo[0].name, "MemTotal");
	assert_int_equal(snap->meminfo[0].value, TEST_PAGES * 4);
	assert_int_equal(sim_proc_value(true, &name, &value), 0);
	assert_int_equal(value, 1);

	reset_page_owner(page, 0);
	memset(snap, 0, sizeof(*snap));
	assert_int_equal(sim_snapshot_proc(true, snap, msg, sizeof(msg)), -EUCLEAN);
	assert_non_null(strstr(msg, "is not accounted for"));
	assert_int_equal(snap->nframes, 0);
	assert_int_equal(snap->nzoneinfo, 1);
	assert_int_equal(sim_proc_value(true, &name, &value), -EUCLEAN);
	set_page_owner(page, 0, GFP_KERNEL);
	__free_pages(page, 0);
	free(snap);
}

static void test_state_names(void **state)
{
	assert_string_equal(census_state_names[CENSUS_PCP], "pcp");
	assert_int_equal(census_state_find("kernel_reclaimable"), CENSUS_KERNEL_RECLAIMABLE);
	assert_int_equal(census_state_find("used"), -ENOENT);
	assert_string_equal(pagelab_frame_state_name(PAGELAB_FRAMES_DRIVER), "driver");
	assert_null(pagelab_frame_state_name(PAGELAB_NR_FRAME_STATES));
	for (int s = 0; s < NR_CENSUS_STATES; s++)
		assert_non_null(census_state_names[s]);
}

static char *show(void (*fn)(FILE *out))
{
	char *text = NULL;
	size_t len;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	fn(out);
	fclose(out);
	return text;
}

static void census_show(FILE *out)
{
	assert_int_equal(frame_census_show(out), 0);
}

static void test_reports(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 0);
	char *zoneinfo, *meminfo, *frames;

	__free_pages(page, 0);		/* back to cpu 0's list, refilled by a batch of 3 */
	zoneinfo = show(zoneinfo_show);
	meminfo = show(meminfo_show);
	frames = show(census_show);
	assert_non_null(strstr(zoneinfo, "Node 0, zone   Normal\n  per-node stats\n"));
	assert_non_null(strstr(zoneinfo, "\n  pages free     16381\n        boost    0\n"
				"        min      256\n        low      320\n        high     384\n"
				"        promo    448\n        spanned  16384\n"
				"        present  16384\n        managed  16384\n"));
	assert_non_null(strstr(zoneinfo, "\n      nr_free_pages 16381\n"));
	assert_non_null(strstr(zoneinfo, "\n  pagesets\n    cpu: 0\n              count:    3\n"
				"              high:     18\n              batch:    3\n"));
	assert_non_null(strstr(zoneinfo, "\n  start_pfn:           0\n"));
	assert_non_null(strstr(meminfo, "MemTotal:          65536 kB\n"
			       "MemFree:           65524 kB\n"
			       "MemAvailable:      63988 kB\n"));
	assert_non_null(strstr(frames, "free                 16381\npcp                  3\n"));
	assert_non_null(strstr(frames, "total                16384\n"));
	free(zoneinfo);
	free(meminfo);
	free(frames);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		machine_test(test_boot_all_free),
		machine_test(test_kernel_allocations_by_migratetype),
		machine_test(test_process_pages),
		machine_test(test_isolated_page),
		machine_test(test_ksm_page),
		machine_test(test_reserved_frame),
		machine_test(test_unaccounted_frame_fails),
		machine_test(test_counter_disagrees),
		machine_test(test_scenario_snapshot),
		machine_test(test_state_names),
		machine_test(test_reports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
