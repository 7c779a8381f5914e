/* SPDX-License-Identifier: MIT */
/*
 * test_validators.c - each structure's validator (core/debug.h) catches a
 * corruption of its structure made on purpose, and so does the whole
 * machine's check_invariants(), which calls them; then the corruption is
 * repaired so the machine tears down cleanly.
 *
 * Nothing may change the corrupted structure in between: in PAGELAB_DEBUG=2
 * builds VM_EXPENSIVE() would run the same validator and BUG.
 *
 * The fixture machine boots with 16 free order-10 blocks on the Movable
 * lists; pageblocks are order 9, so each block covers two of them.
 */
#include "unit/alloc_test.h"
#include <string.h>

#define REGION_PAGES	8

static struct lruvec *test_lruvec(void)
{
	return &contig_page_data.__lruvec;
}

static struct page *first_free_block(unsigned int order, int mt)
{
	return list_first_entry(&test_zone()->free_area[order].free_list[mt], struct page, lru);
}

static bool free_lists_valid(char *msg)
{
	struct zone *zone = test_zone();
	bool valid;

	spin_lock(&zone->lock);
	valid = zone_free_lists_valid(zone, msg, VM_VALIDATOR_MSG_LEN);
	spin_unlock(&zone->lock);
	return valid;
}

static bool pageblocks_valid(char *msg)
{
	struct zone *zone = test_zone();
	bool valid;

	spin_lock(&zone->lock);
	valid = zone_pageblocks_valid(zone, msg, VM_VALIDATOR_MSG_LEN);
	spin_unlock(&zone->lock);
	return valid;
}

static bool lru_valid(char *msg, bool bounded)
{
	struct lruvec *lruvec = test_lruvec();
	bool valid;

	spin_lock(&lruvec->lru_lock);
	valid = bounded ? lruvec_ends_valid(lruvec, msg, VM_VALIDATOR_MSG_LEN)
			: lruvec_valid(lruvec, msg, VM_VALIDATOR_MSG_LEN);
	spin_unlock(&lruvec->lru_lock);
	return valid;
}

static bool pgtables_valid(struct mm_struct *mm, char *msg)
{
	bool valid;

	mmap_write_lock(mm);
	valid = mm_pgtables_valid(mm, msg, VM_VALIDATOR_MSG_LEN);
	mmap_write_unlock(mm);
	return valid;
}

static bool pte_table_at_valid(struct mm_struct *mm, unsigned long addr, char *msg)
{
	spinlock_t *ptl;
	bool valid;

	mmap_read_lock(mm);
	assert_non_null(pte_offset_map_lock(mm, addr, &ptl));
	valid = pte_table_valid(mm, addr, msg, VM_VALIDATOR_MSG_LEN);
	spin_unlock(ptl);
	mmap_read_unlock(mm);
	return valid;
}

/* @valid is a validator's verdict on a corrupted structure, @msg its reason. */
static void expect_caught(bool valid, const char *msg, const char *needle)
{
	assert_false(valid);
	if (!strstr(msg, needle))
		fail_msg("validator said \"%s\", expected it to mention \"%s\"", msg, needle);
}

static void expect_checker_catches(const char *needle)
{
	char msg[256];

	assert_int_equal(check_invariants(msg, sizeof(msg)), -EUCLEAN);
	if (!strstr(msg, needle))
		fail_msg("checker said \"%s\", expected it to mention \"%s\"", msg, needle);
}

static void expect_all_valid(void)
{
	char msg[VM_VALIDATOR_MSG_LEN];

	assert_true(free_lists_valid(msg));
	assert_true(pageblocks_valid(msg));
	assert_true(lru_valid(msg, false));
	assert_true(lru_valid(msg, true));
	assert_invariants();
}

static void move_free_block(struct page *page, unsigned int order, int mt)
{
	struct zone *zone = test_zone();

	spin_lock(&zone->lock);
	list_move(&page->lru, &zone->free_area[order].free_list[mt]);
	spin_unlock(&zone->lock);
}

static void test_free_block_on_wrong_list(void **state)
{
	struct page *page = first_free_block(MAX_PAGE_ORDER, MIGRATE_MOVABLE);
	char msg[VM_VALIDATOR_MSG_LEN];

	expect_all_valid();
	move_free_block(page, MAX_PAGE_ORDER, MIGRATE_UNMOVABLE);
	expect_caught(free_lists_valid(msg), msg, "on the Unmovable list in a Movable pageblock");
	assert_true(pageblocks_valid(msg));	/* the pageblocks agree with each other */
	expect_checker_catches("on the Unmovable list in a Movable pageblock");
	move_free_block(page, MAX_PAGE_ORDER, MIGRATE_MOVABLE);
	expect_all_valid();
}

static void set_free_area_nr_free(unsigned int order, long delta)
{
	struct zone *zone = test_zone();

	spin_lock(&zone->lock);
	zone->free_area[order].nr_free += delta;
	spin_unlock(&zone->lock);
}

static void test_free_block_buddy_state(void **state)
{
	struct zone *zone = test_zone();
	struct page *page = first_free_block(MAX_PAGE_ORDER, MIGRATE_MOVABLE);
	char msg[VM_VALIDATOR_MSG_LEN];

	spin_lock(&zone->lock);
	WRITE_ONCE(page->private, MAX_PAGE_ORDER - 1);
	spin_unlock(&zone->lock);
	expect_caught(free_lists_valid(msg), msg, "order=9 refcount=0");
	expect_checker_catches("order=9 refcount=0");
	spin_lock(&zone->lock);
	WRITE_ONCE(page->private, MAX_PAGE_ORDER);
	__ClearPageBuddy(page);
	spin_unlock(&zone->lock);
	expect_caught(free_lists_valid(msg), msg, "with buddy=0");
	expect_checker_catches("with buddy=0");
	spin_lock(&zone->lock);
	__SetPageBuddy(page);
	spin_unlock(&zone->lock);

	set_free_area_nr_free(MAX_PAGE_ORDER, 1);
	expect_caught(free_lists_valid(msg), msg, "order 10: nr_free is 17 but the lists hold 16");
	expect_checker_catches("nr_free is 17");
	set_free_area_nr_free(MAX_PAGE_ORDER, -1);
	expect_all_valid();
}

static void set_block_migratetype(struct page *page, int mt)
{
	struct zone *zone = test_zone();

	spin_lock(&zone->lock);
	set_pageblock_migratetype(page, mt);
	spin_unlock(&zone->lock);
}

static void test_pageblock_of_free_block(void **state)
{
	struct page *page = first_free_block(MAX_PAGE_ORDER, MIGRATE_MOVABLE);
	struct page *second_half = page + pageblock_nr_pages;
	char msg[VM_VALIDATOR_MSG_LEN];

	/* The block's second pageblock changes type, its free pages stay. */
	set_block_migratetype(second_half, MIGRATE_UNMOVABLE);
	expect_caught(pageblocks_valid(msg), msg, "spans a Movable and a Unmovable pageblock");
	assert_true(free_lists_valid(msg));	/* its list still matches its first pageblock */
	expect_checker_catches("spans a Movable and a Unmovable pageblock");

	/* Both change: the pageblocks agree, the list no longer does. */
	set_block_migratetype(page, MIGRATE_UNMOVABLE);
	assert_true(pageblocks_valid(msg));
	expect_caught(free_lists_valid(msg), msg, "on the Movable list in a Unmovable pageblock");
	expect_checker_catches("on the Movable list in a Unmovable pageblock");

	set_block_migratetype(page, MIGRATE_MOVABLE);
	set_block_migratetype(second_half, MIGRATE_MOVABLE);
	expect_all_valid();
}

/* An mm with REGION_PAGES anonymous pages faulted in: on the inactive list. */
static struct mm_struct *mm_with_pages(unsigned long *addrp)
{
	struct mm_struct *mm = mm_alloc();
	uint64_t v = 1;

	assert_non_null(mm);
	assert_int_equal(do_mmap(mm, REGION_PAGES * PAGE_SIZE, false, addrp), 0);
	for (int i = 0; i < REGION_PAGES; i++)
		assert_int_equal(access_mm(mm, *addrp + i * PAGE_SIZE, &v, sizeof(v), true), 0);
	return mm;
}

static struct page *page_at(struct mm_struct *mm, unsigned long addr)
{
	unsigned long pfn;

	assert_int_equal(follow_pfn(mm, addr, &pfn), 0);
	return pfn_to_page(pfn);
}

static void test_lru_corruption(void **state)
{
	unsigned long addr;
	struct mm_struct *mm = mm_with_pages(&addr);
	struct page *page = page_at(mm, addr);
	char msg[VM_VALIDATOR_MSG_LEN];

	expect_all_valid();
	assert_true(PageLRU(page) && !PageActive(page));

	/* Flagged active, left on the inactive list. */
	SetPageActive(page);
	expect_caught(lru_valid(msg, false), msg, "LRU list 0 holds pfn");
	expect_caught(lru_valid(msg, true), msg, "LRU list 0 holds pfn");
	expect_checker_catches("LRU list 0 holds pfn");
	ClearPageActive(page);

	mod_node_page_state(&contig_page_data, NR_INACTIVE_ANON, 1);
	expect_caught(lru_valid(msg, false), msg, "LRU list 0 holds 8 pages but its counter says 9");
	expect_caught(lru_valid(msg, true), msg, "LRU list 0 holds 8 pages but its counter says 9");
	expect_checker_catches("LRU list 0 holds 8 pages but its counter says 9");
	mod_node_page_state(&contig_page_data, NR_INACTIVE_ANON, -1);

	/*
	 * PG_lru clear on a listed page: what isolation does before it takes
	 * lru_lock, so the validators let it be; on a quiescent machine the
	 * checker does not.
	 */
	ClearPageLRU(page);
	assert_true(lru_valid(msg, false));
	expect_checker_catches("holds pfn");
	SetPageLRU(page);

	expect_all_valid();
	mmput(mm);
}

static void set_pte_at(struct mm_struct *mm, unsigned long addr, pte_t pte)
{
	spinlock_t *ptl;
	pte_t *ptep;

	mmap_read_lock(mm);
	ptep = pte_offset_map_lock(mm, addr, &ptl);
	assert_non_null(ptep);
	set_pte(ptep, pte);
	spin_unlock(ptl);
	mmap_read_unlock(mm);
}

static void test_pgtable_corruption(void **state)
{
	unsigned long addr;
	struct mm_struct *mm = mm_with_pages(&addr);
	pte_t pte = ptep_get(pte_offset_lockless(mm, addr));
	char msg[VM_VALIDATOR_MSG_LEN];

	assert_true(pgtables_valid(mm, msg));
	assert_true(pte_table_at_valid(mm, addr, msg));

	/* RSS off by one: only the whole-mm validator can tell. */
	add_mm_counter(mm, MM_ANONPAGES, 1);
	expect_caught(pgtables_valid(mm, msg), msg, "an mm maps 8 anon and 0 shmem pages but "
				     "counts 9 and 0");
	assert_true(pte_table_at_valid(mm, addr, msg));
	expect_checker_catches("an mm maps 8 anon");
	add_mm_counter(mm, MM_ANONPAGES, -1);

	/* A special PTE for a page that is not the zero page. */
	set_pte_at(mm, addr, pte_mkspecial(pte));
	expect_caught(pgtables_valid(mm, msg), msg, "has a special PTE for pfn");
	expect_caught(pte_table_at_valid(mm, addr, msg), msg, "has a special PTE for pfn");
	expect_checker_catches("has a special PTE for pfn");
	set_pte_at(mm, addr, pte);

	assert_true(pgtables_valid(mm, msg));
	assert_invariants();
	mmput(mm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		machine_test(test_free_block_on_wrong_list),
		machine_test(test_free_block_buddy_state),
		machine_test(test_pageblock_of_free_block),
		machine_test(test_lru_corruption),
		machine_test(test_pgtable_corruption),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
