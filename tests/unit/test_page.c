/* SPDX-License-Identifier: MIT */
/* test_page.c - page flags, page types, reference counts, pfn conversions,
 * dump formatting, and the invariant checker catching corruption. */
#include "lib/machine_fixture.h"
#include <string.h>

static void test_struct_page_size(void **state)
{
	assert_true(sizeof(struct page) <= 64);
}

static void test_flags(void **state)
{
	struct page page;

	init_page_struct(&page, ZONE_NORMAL);
	assert_false(PageDirty(&page));
	SetPageDirty(&page);
	assert_true(PageDirty(&page));
	assert_true(TestClearPageDirty(&page));
	assert_false(TestClearPageDirty(&page));
	assert_false(TestSetPageDirty(&page));
	assert_true(TestSetPageDirty(&page));
	__ClearPageDirty(&page);
	assert_false(PageDirty(&page));

	SetPageLRU(&page);
	SetPageActive(&page);
	assert_true(PageLRU(&page) && PageActive(&page));
	ClearPageLRU(&page);
	assert_false(PageLRU(&page));
	assert_true(PageActive(&page));

	/* Today's aliases: movable_ops is uptodate, its isolation is reclaim. */
	SetPageMovableOps(&page);
	assert_true(PageUptodate(&page));
	SetPageMovableOpsIsolated(&page);
	assert_true(PageReclaim(&page));
	ClearPageMovableOpsIsolated(&page);
	assert_false(PageReclaim(&page));

	/* Flag operations never touch the zone bits. */
	assert_ptr_equal(page_zone(&page), &contig_page_data.node_zones[ZONE_NORMAL]);
}

static void test_page_types(void **state)
{
	struct page page;

	init_page_struct(&page, ZONE_NORMAL);
	assert_false(page_has_type(&page));
	__SetPageZsmalloc(&page);
	assert_true(PageZsmalloc(&page));
	assert_false(PageBuddy(&page));
	assert_false(PageOffline(&page));
	__ClearPageZsmalloc(&page);
	assert_false(page_has_type(&page));
	set_buddy_order(&page, 7);
	assert_true(PageBuddy(&page));
	assert_int_equal(buddy_order(&page), 7);
	/* A type is independent of the map count. */
	assert_int_equal(page_mapcount(&page), 0);
}

static void test_refcount(void **state)
{
	struct page page;

	init_page_struct(&page, ZONE_NORMAL);
	assert_false(get_page_unless_zero(&page));
	set_page_refcounted(&page);
	assert_true(get_page_unless_zero(&page));
	assert_int_equal(page_ref_count(&page), 2);
	assert_false(page_ref_freeze(&page, 1));
	assert_true(page_ref_freeze(&page, 2));
	assert_int_equal(page_ref_count(&page), 0);
	assert_false(get_page_unless_zero(&page));
	page_ref_unfreeze(&page, 1);
	assert_true(page_ref_dec_and_test(&page));
	assert_int_equal(page_ref_count(&page), 0);
}

static void test_format_flags(void **state)
{
	char buf[128];

	format_page_flags(BIT(PG_locked) | BIT(PG_lru) | (1UL << ZONES_PGSHIFT), buf, sizeof(buf));
	assert_string_equal(buf, "locked|lru|zone=1");
	format_page_flags(0, buf, sizeof(buf));
	assert_string_equal(buf, "zone=0");
}

static void test_pfn_conversions(void **state)
{
	struct page *page = pfn_to_page(1234);

	assert_int_equal(page_to_pfn(page), 1234);
	assert_ptr_equal(page_address(page), machine.arena + 1234 * PAGE_SIZE);
	assert_true(pfn_valid(TEST_MEMORY / PAGE_SIZE - 1));
	assert_false(pfn_valid(TEST_MEMORY / PAGE_SIZE));
	assert_string_equal(page_zone(page)->name, "Normal");
}

static void test_put_page_frees_on_last_reference(void **state)
{
	long before = global_zone_page_state(NR_FREE_PAGES);
	struct page *page = alloc_pages(GFP_KERNEL, 0);

	assert_non_null(page);
	memset(page_address(page), 0xaa, PAGE_SIZE);
	get_page(page);
	put_page(page);
	assert_int_equal(page_ref_count(page), 1);
	assert_int_equal(page_owner_order(page), 0);
	put_page(page);
	assert_int_equal(page_owner_order(page), -1);
	drain_all_pages(NULL);
	assert_int_equal(global_zone_page_state(NR_FREE_PAGES), before);
}

static void expect_corruption(const char *needle)
{
	char msg[256];

	assert_int_equal(check_invariants(msg, sizeof(msg)), -EUCLEAN);
	if (!strstr(msg, needle))
		fail_msg("checker said \"%s\", expected it to mention \"%s\"", msg, needle);
}

static void test_checker_catches_corruption(void **state)
{
	struct page *page = alloc_pages(GFP_KERNEL, 2);
	struct zone *zone = page_zone(page);
	struct page *free_page;

	assert_non_null(page);
	assert_invariants();

	/* An allocation forgotten by page_owner leaves its frames unaccounted. */
	reset_page_owner(page, 2);
	expect_corruption("not accounted for");
	set_page_owner(page, 2, GFP_KERNEL);
	assert_invariants();

	/* A free block with a reference is caught. */
	free_page = list_first_entry(&zone->free_area[MAX_PAGE_ORDER].free_list[MIGRATE_MOVABLE],
				     struct page, lru);
	set_page_count(free_page, 1);
	expect_corruption("refcount=1");
	set_page_count(free_page, 0);

	/* So is a wrong free count. */
	mod_zone_page_state(zone, NR_FREE_PAGES, 1);
	expect_corruption("NR_FREE_PAGES");
	mod_zone_page_state(zone, NR_FREE_PAGES, -1);

	__free_pages(page, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_struct_page_size),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_page_types),
		cmocka_unit_test(test_refcount),
		cmocka_unit_test(test_format_flags),
		machine_test(test_pfn_conversions),
		machine_test(test_put_page_frees_on_last_reference),
		machine_test(test_checker_catches_corruption),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
