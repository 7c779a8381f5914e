/* SPDX-License-Identifier: MIT */
/*
 * test_deferred_init.c - deferred struct page init (alloc/mm_init.c).
 *
 * A deterministic machine booted with deferral in the background has only
 * its first section initialised and free: an allocation larger than that
 * grows the zone on demand (deferred_grow_zone()); the checker and the
 * census account for the frames not reached yet as reserved, and managed
 * pages grow with the zone, as the kernel's do. Booting with deferral off
 * or waited for gives the same machine as before. A 64 GiB machine boots
 * and runs a small scenario (a process, kernel allocations, compaction,
 * the checker) while its untouched struct pages stay untouched: the test
 * touches a few MiB of host memory, not the 1 GiB a full mem_map takes.
 */
#include "lib/machine_fixture.h"
#include "compact/compaction.h"

static struct machine_config config(uint64_t bytes, enum deferred_init_mode mode)
{
	return (struct machine_config){ bytes, 2, 10, 9, .deterministic = true,
					.deferred_init = mode };
}

static void check(void)
{
	char msg[256];

	if (check_invariants(msg, sizeof(msg)))
		fail_msg("invariant violated: %s", msg);
}

static struct frame_census census(void)
{
	struct frame_census c;
	char msg[256];

	if (check_frames(&c, msg, sizeof(msg)))
		fail_msg("census: %s", msg);
	return c;
}

static long nr_free(void)
{
	return global_zone_page_state(NR_FREE_PAGES);
}

static struct zone *zone(void)
{
	return &contig_page_data.node_zones[ZONE_NORMAL];
}

/* Only the first section is in at boot; the rest is reserved, and not managed yet. */
static void test_boot_initialises_first_section(void **state)
{
	struct machine_config cfg = config(1UL << 30, DEFERRED_INIT_BACKGROUND);
	struct frame_census c;

	assert_int_equal(machine_init(&cfg), 0);
	assert_int_equal(pgdat_init_end_pfn(&contig_page_data), PAGES_PER_SECTION);
	assert_int_equal(nr_free(), PAGES_PER_SECTION);
	assert_int_equal(zone_managed_pages(zone()), PAGES_PER_SECTION);
	assert_int_equal(zone()->present_pages, machine.max_pfn);
	c = census();
	assert_int_equal(c.nr[CENSUS_FREE], PAGES_PER_SECTION);
	assert_int_equal(c.nr[CENSUS_RESERVED], machine.max_pfn - PAGES_PER_SECTION);
	assert_int_equal(frame_census_total(&c), machine.max_pfn);
	check();
	machine_exit();
}

/* An allocation larger than the initialised part grows the zone first. */
static void test_grow_zone_on_demand(void **state)
{
	struct machine_config cfg = config(1UL << 30, DEFERRED_INIT_BACKGROUND);
	unsigned int order = 10;
	unsigned long nr = 2 * PAGES_PER_SECTION >> order;
	struct page **blocks = calloc(nr, sizeof(*blocks));

	assert_non_null(blocks);
	assert_int_equal(machine_init(&cfg), 0);
	for (unsigned long i = 0; i < nr; i++) {
		blocks[i] = alloc_pages(GFP_HIGHUSER_MOVABLE, order);
		assert_non_null(blocks[i]);
	}
	assert_true(pgdat_init_end_pfn(&contig_page_data) > 2 * PAGES_PER_SECTION);
	assert_true(deferred_init_pending(&contig_page_data));
	assert_int_equal(zone_managed_pages(zone()), pgdat_init_end_pfn(&contig_page_data));
	check();
	for (unsigned long i = 0; i < nr; i++)
		__free_pages(blocks[i], order);
	drain_all_pages(NULL);
	check();
	free(blocks);
	machine_exit();
}

/* Once everything is grown, the machine is the one a boot without deferral gives. */
static void test_grow_to_the_end_matches_no_deferral(void **state)
{
	struct machine_config bg = config(512UL << 20, DEFERRED_INIT_BACKGROUND);
	struct machine_config off = config(512UL << 20, DEFERRED_INIT_OFF);
	unsigned long wmark[NR_WMARK], managed;
	int batch;

	assert_int_equal(machine_init(&off), 0);
	memcpy(wmark, zone()->_watermark, sizeof(wmark));
	managed = zone_managed_pages(zone());
	batch = zone()->per_cpu_pageset[0].batch;
	machine_exit();

	assert_int_equal(machine_init(&bg), 0);
	assert_true(deferred_init_pending(&contig_page_data));
	while (deferred_grow_zone(zone(), MAX_PAGE_ORDER))
		;
	assert_false(deferred_init_pending(&contig_page_data));
	assert_int_equal(zone_managed_pages(zone()), managed);
	assert_int_equal(nr_free(), managed);
	assert_memory_equal(zone()->_watermark, wmark, sizeof(wmark));
	assert_int_equal(zone()->per_cpu_pageset[0].batch, batch);
	assert_int_equal(census().nr[CENSUS_RESERVED], 0);
	check();
	machine_exit();
}

/* A vm.min_free_kbytes written before deferred init ends stays, if larger. */
static void test_written_min_free_kbytes_stays(void **state)
{
	struct machine_config cfg = config(512UL << 20, DEFERRED_INIT_BACKGROUND);

	assert_int_equal(machine_init(&cfg), 0);
	assert_int_equal(sysctl_min_free_kbytes_set(100000), 0);
	while (deferred_grow_zone(zone(), MAX_PAGE_ORDER))
		;
	assert_int_equal(min_free_kbytes, 100000);
	assert_int_equal(zone()->_watermark[WMARK_MIN], 100000 >> (PAGE_SHIFT - 10));
	check();
	machine_exit();
}

/* Waited for (the default), nothing is left uninitialised when boot returns. */
static void test_wait_mode_initialises_everything(void **state)
{
	struct machine_config det = config(512UL << 20, DEFERRED_INIT_WAIT);
	struct machine_config threaded = det;

	threaded.deterministic = false;
	assert_int_equal(machine_init(&det), 0);
	assert_false(deferred_init_pending(&contig_page_data));
	assert_int_equal(nr_free(), machine.max_pfn);
	check();
	machine_exit();
	assert_int_equal(machine_init(&threaded), 0);
	assert_false(deferred_init_pending(&contig_page_data));
	assert_int_equal(nr_free(), machine.max_pfn);
	machine_exit();
}

/* Threaded, in the background: the checker waits for the helpers. */
static void test_background_helpers_finish(void **state)
{
	struct machine_config cfg = config(1UL << 30, DEFERRED_INIT_BACKGROUND);
	struct page *page;

	cfg.deterministic = false;
	assert_int_equal(machine_init(&cfg), 0);
	page = alloc_pages(GFP_KERNEL, 0);
	assert_non_null(page);
	check();
	assert_false(deferred_init_pending(&contig_page_data));
	assert_int_equal(census().nr[CENSUS_RESERVED], 0);
	__free_pages(page, 0);
	machine_exit();
}

/* A small scenario on a 64 GiB machine: a process, kernel pages, compaction. */
static void test_64g_machine(void **state)
{
	struct machine_config cfg = config(64ULL << 30, DEFERRED_INIT_BACKGROUND);
	unsigned long addr, len = 8UL << 20;
	struct page *pages[64], *big[40];
	struct mm_struct *mm;

	assert_int_equal(machine_init(&cfg), 0);
	mm = mm_alloc();
	assert_non_null(mm);
	assert_int_equal(do_mmap(mm, len, false, &addr), 0);
	for (unsigned long off = 0; off < len; off += PAGE_SIZE)
		assert_int_equal(access_mm(mm, addr + off, &(char){ 1 }, 1, true), 0);
	for (int i = 0; i < 64; i++)
		assert_non_null(pages[i] = alloc_pages(GFP_KERNEL, i % 4));
	/* Every other order-3 block freed: holes for compaction to fill. */
	for (int i = 0; i < 64; i += 2)
		__free_pages(pages[i], i % 4);
	do_munmap(mm, addr, len / 2);
	check();
	compact_node(&contig_page_data, false);
	check();
	/* More order-10 blocks than boot freed: the zone grows a section. */
	for (int i = 0; i < 40; i++)
		assert_non_null(big[i] = alloc_pages(GFP_KERNEL, MAX_PAGE_ORDER));
	assert_true(pgdat_init_end_pfn(&contig_page_data) > PAGES_PER_SECTION);
	assert_true(deferred_init_pending(&contig_page_data));
	assert_int_equal(census().nr[CENSUS_RESERVED],
			 machine.max_pfn - pgdat_init_end_pfn(&contig_page_data));
	check();
	for (int i = 0; i < 40; i++)
		__free_pages(big[i], MAX_PAGE_ORDER);
	for (int i = 1; i < 64; i += 2)
		__free_pages(pages[i], i % 4);
	mmput(mm);
	drain_all_pages(NULL);
	check();
	machine_exit();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot_initialises_first_section),
		cmocka_unit_test(test_grow_zone_on_demand),
		cmocka_unit_test(test_grow_to_the_end_matches_no_deferral),
		cmocka_unit_test(test_written_min_free_kbytes_stays),
		cmocka_unit_test(test_wait_mode_initialises_everything),
		cmocka_unit_test(test_background_helpers_finish),
		cmocka_unit_test(test_64g_machine),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
