/* SPDX-License-Identifier: MIT */
/*
 * page_reporting.c - free page reporting (kernel: mm/page_reporting.c).
 *
 * A pass walks every free list of order >= prdev->order (pageblock_order
 * by default) and of a mobility type (not HIGHATOMIC or ISOLATE), skipping
 * blocks already PG_reported. It takes up to PAGE_REPORTING_CAPACITY
 * blocks at a time off the free lists with __isolate_free_page(), which
 * keeps the zone above its min watermark and, as for compaction, turns
 * their pageblocks movable, and drops zone->lock while the device
 * discards them.
 * Then each block goes back with __putback_isolated_page() to the list of
 * its pageblock's type (at the tail: the allocator prefers memory that is
 * still backed) and is marked PG_reported, unless it merged into a larger
 * block meanwhile. The free-list invariant holds throughout: a block is
 * either on the right list or off every list, and not counted free.
 *
 * The flag lives only on free blocks: taking a block off a free list for
 * any reason (allocation, merging, compaction) clears it, so a block is
 * reported again once it has been reallocated and freed.
 *
 * The kernel runs a pass from a delayed work item 2 s after enough memory
 * was freed; pagelab's balloon worker runs one every PAGE_REPORTING_DELAY_MS
 * of daemon time (virtual time in deterministic mode).
 *
 * page_reporting_mutex is held for a whole pass, and by the invariant
 * checker, which therefore never sees a block in flight. It is taken with
 * no other lock held.
 */
#include "internal.h"
#include "balloon/page_reporting.h"

static pthread_mutex_t page_reporting_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct page_reporting_dev_info *pr_dev_info;

/**
 * page_reporting_register() - make @prdev the reporting device.
 * Context: takes page_reporting_mutex. Return: 0, or -EBUSY if there is
 * one already.
 */
int page_reporting_register(struct page_reporting_dev_info *prdev)
{
	int err = 0;

	pthread_mutex_lock(&page_reporting_mutex);
	if (pr_dev_info) {
		err = -EBUSY;
	} else {
		if (!prdev->order || prdev->order > MAX_PAGE_ORDER)
			prdev->order = pageblock_order;
		pr_dev_info = prdev;
	}
	pthread_mutex_unlock(&page_reporting_mutex);
	return err;
}

/**
 * page_reporting_unregister() - stop reporting to @prdev (after any pass
 * in progress). Context: takes page_reporting_mutex.
 */
void page_reporting_unregister(struct page_reporting_dev_info *prdev)
{
	pthread_mutex_lock(&page_reporting_mutex);
	if (pr_dev_info == prdev)
		pr_dev_info = NULL;
	pthread_mutex_unlock(&page_reporting_mutex);
}

/**
 * page_reporting_lock() - keep passes out (the invariant checker).
 * Context: no lock held; may sleep for a pass in progress.
 */
void page_reporting_lock(void)
{
	pthread_mutex_lock(&page_reporting_mutex);
}

/** page_reporting_unlock() - undo page_reporting_lock(). */
void page_reporting_unlock(void)
{
	pthread_mutex_unlock(&page_reporting_mutex);
}

/*
 * Take up to PAGE_REPORTING_CAPACITY unreported blocks off one free list,
 * fewer if the zone would drop to its min watermark.
 * Context: zone->lock held.
 */
static unsigned int isolate_unreported(struct zone *zone, unsigned int order, int mt,
				       struct page **pages)
{
	struct page *page, *next;
	unsigned int n = 0;

	list_for_each_entry_safe(page, next, &zone->free_area[order].free_list[mt], lru) {
		if (PageReported(page))
			continue;
		if (!__isolate_free_page(page, order))
			break;
		pages[n++] = page;
		if (n == PAGE_REPORTING_CAPACITY)
			break;
	}
	return n;
}

/*
 * Report one list's unreported blocks, a batch at a time. Every batch
 * leaves at least one more block reported (or merged into a higher order,
 * reported later in the pass), so the walk ends; it also ends when the
 * watermark lets no block go.
 */
static int report_free_list(struct page_reporting_dev_info *prdev, struct zone *zone,
			    unsigned int order, int mt)
{
	struct page_report_range ranges[PAGE_REPORTING_CAPACITY];
	struct page *pages[PAGE_REPORTING_CAPACITY];
	int err = 0;

	while (!err) {
		unsigned int n;

		spin_lock(&zone->lock);
		n = isolate_unreported(zone, order, mt, pages);
		VM_EXPENSIVE(zone_free_area_valid, zone);
		spin_unlock(&zone->lock);
		if (!n)
			break;
		for (unsigned int i = 0; i < n; i++)
			ranges[i] = (struct page_report_range){ page_to_pfn(pages[i]), order };
		err = prdev->report(prdev, ranges, n);
		spin_lock(&zone->lock);
		for (unsigned int i = 0; i < n; i++) {
			struct page *page = pages[i];

			__putback_isolated_page(page, order, get_pageblock_migratetype(page));
			if (!err && PageBuddy(page) && buddy_order(page) == order)
				__SetPageReported(page);
		}
		VM_EXPENSIVE(zone_free_area_valid, zone);
		spin_unlock(&zone->lock);
	}
	return err;
}

/**
 * page_reporting_process() - one reporting pass over every zone.
 * @prdev: the device, which must be the registered one.
 *
 * Context: takes page_reporting_mutex, then each zone->lock in turn;
 * sleeps while the device reports. Return: 0; -ENODEV if @prdev is not
 * registered; the device's error, which ends the pass.
 */
int page_reporting_process(struct page_reporting_dev_info *prdev)
{
	struct zone *zone;
	int err = 0;

	pthread_mutex_lock(&page_reporting_mutex);
	if (pr_dev_info != prdev)
		err = -ENODEV;
	for_each_populated_zone(zone)
		for (unsigned int order = prdev->order; order <= MAX_PAGE_ORDER && !err; order++)
			for (int mt = 0; mt < MIGRATE_PCPTYPES && !err; mt++)
				err = report_free_list(prdev, zone, order, mt);
	pthread_mutex_unlock(&page_reporting_mutex);
	return err;
}
