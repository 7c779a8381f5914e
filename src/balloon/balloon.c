/* SPDX-License-Identifier: MIT */
/*
 * balloon.c - the balloon core: inflated pages on a device list, and their
 * migration through movable_ops (Linux's mm/balloon.c as of early 2026).
 *
 * One global balloon_pages_lock protects every device's list, counters and
 * the page->private of every balloon page; the page lock is not part of the
 * protocol (the 2026 rework). The rules:
 *   - inflation sets page->private (the device) and deflation clears it,
 *     under balloon_pages_lock;
 *   - isolation and dequeue take the page off the list under it.
 * So while page->private is set the page is on its device's list or
 * isolated; when it is clear the page is being inflated or was deflated,
 * and isolation refuses it.
 *
 * A balloon page is PageOffline with PG_movable_ops; both stay until the
 * page is freed. The balloon holds the page's one reference.
 *
 * Deviation: only the list API is here. Linux also has the one-page
 * balloon_page_enqueue()/balloon_page_dequeue(), which its virtio driver
 * calls in a loop; pagelab's driver hands over a whole batch, taking
 * balloon_pages_lock once per batch instead of once per page.
 */
#include <stdio.h>
#include "balloon/balloon.h"
#include "core/bitmap.h"

static spinlock_t balloon_pages_lock;
static pthread_once_t balloon_lock_once = PTHREAD_ONCE_INIT;

static void balloon_lock_init(void)
{
	spin_lock_init(&balloon_pages_lock, LOCK_CLASS_BALLOON_PAGES);
}

static void adjust_managed_page_count(struct page *page, long count)
{
	__atomic_fetch_add(&page_zone(page)->managed_pages, count, __ATOMIC_RELAXED);
}

static struct balloon_dev_info *balloon_page_device(const struct page *page)
{
	return (struct balloon_dev_info *)READ_ONCE(page->private);
}

/** balloon_devinfo_init() - an empty device. */
void balloon_devinfo_init(struct balloon_dev_info *b)
{
	b->isolated_pages = 0;
	INIT_LIST_HEAD(&b->pages);
	b->migratepage = NULL;
	b->adjust_managed_page_count = false;
}

/**
 * balloon_page_alloc() - a page to inflate the balloon with: movable, so
 * compaction can move it later; fails quietly instead of digging into
 * reserves or retrying.
 * Return: the page, or NULL.
 */
struct page *balloon_page_alloc(void)
{
	return alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_NOMEMALLOC | __GFP_NORETRY |
			   __GFP_NOWARN, 0);
}

/* Context: balloon_pages_lock held. */
static void balloon_page_insert(struct balloon_dev_info *b, struct page *page)
{
	lockdep_assert_held(&balloon_pages_lock);
	if (!PageOffline(page))
		__SetPageOffline(page);
	SetPageMovableOps(page);
	WRITE_ONCE(page->private, (unsigned long)b);
	list_add(&page->lru, &b->pages);
}

/* Context: balloon_pages_lock held. The page stays PageOffline until freed. */
static void balloon_page_finalize(struct page *page)
{
	lockdep_assert_held(&balloon_pages_lock);
	WRITE_ONCE(page->private, 0);
}

/* Context: balloon_pages_lock held. @count: an inflation to count. */
static void balloon_page_enqueue_one(struct balloon_dev_info *b, struct page *page, bool count)
{
	balloon_page_insert(b, page);
	if (b->adjust_managed_page_count)
		adjust_managed_page_count(page, -1);
	if (count)
		count_vm_event(BALLOON_INFLATE);
	mod_node_page_state(page_zone(page)->zone_pgdat, NR_BALLOON_PAGES, 1);
}

/**
 * balloon_page_enqueue() - inflate: @page (from balloon_page_alloc())
 * joins the balloon. Context: takes balloon_pages_lock.
 */
void balloon_page_enqueue(struct balloon_dev_info *b, struct page *page)
{
	spin_lock(&balloon_pages_lock);
	balloon_page_enqueue_one(b, page, true);
	spin_unlock(&balloon_pages_lock);
}

static size_t __balloon_page_list_enqueue(struct balloon_dev_info *b, struct list_head *pages,
					  bool count)
{
	struct page *page, *next;
	size_t n = 0;

	spin_lock(&balloon_pages_lock);
	list_for_each_entry_safe(page, next, pages, lru) {
		list_del(&page->lru);
		balloon_page_enqueue_one(b, page, count);
		n++;
	}
	spin_unlock(&balloon_pages_lock);
	return n;
}

/**
 * balloon_page_list_enqueue() - inflate with every page on @pages.
 * Context: takes balloon_pages_lock. Return: the number enqueued.
 */
size_t balloon_page_list_enqueue(struct balloon_dev_info *b, struct list_head *pages)
{
	return __balloon_page_list_enqueue(b, pages, true);
}

/**
 * balloon_page_list_putback() - a deflate that did not happen: the pages
 * balloon_page_list_take() took go back onto the balloon, uncounted.
 * Context: takes balloon_pages_lock. Return: the number put back.
 */
size_t balloon_page_list_putback(struct balloon_dev_info *b, struct list_head *pages)
{
	return __balloon_page_list_enqueue(b, pages, false);
}

/**
 * balloon_page_list_take() - start a deflate that the host must accept
 * first: as balloon_page_list_dequeue(), but BALLOON_DEFLATE is counted
 * only by balloon_page_list_deflated(), once it happened; otherwise the
 * pages go back with balloon_page_list_putback().
 * Context: takes balloon_pages_lock. Return: the number taken.
 */
size_t balloon_page_list_take(struct balloon_dev_info *b, struct list_head *pages, size_t n_req)
{
	struct page *page, *next;
	size_t n = 0;

	spin_lock(&balloon_pages_lock);
	list_for_each_entry_safe(page, next, &b->pages, lru) {
		if (n == n_req)
			break;
		list_move_tail(&page->lru, pages);
		if (b->adjust_managed_page_count)
			adjust_managed_page_count(page, 1);
		balloon_page_finalize(page);
		mod_node_page_state(page_zone(page)->zone_pgdat, NR_BALLOON_PAGES, -1);
		n++;
	}
	spin_unlock(&balloon_pages_lock);
	return n;
}

/** balloon_page_list_deflated() - the @n pages taken were deflated: count them. */
void balloon_page_list_deflated(size_t n)
{
	count_vm_events(BALLOON_DEFLATE, n);
}

/**
 * balloon_page_list_dequeue() - deflate: move up to @n_req pages off the
 * balloon onto @pages. Pages isolated for migration are not on the list,
 * so fewer may come back even if the balloon is not empty.
 * Context: takes balloon_pages_lock. Return: the number dequeued.
 */
size_t balloon_page_list_dequeue(struct balloon_dev_info *b, struct list_head *pages,
				 size_t n_req)
{
	size_t n = balloon_page_list_take(b, pages, n_req);

	balloon_page_list_deflated(n);
	return n;
}

/**
 * balloon_list_pfns() - the pfns of the inflated pages (isolated ones
 * included, as they are still the host's), for checks.
 * Context: takes balloon_pages_lock; the caller keeps migration quiet if
 * it wants isolated pages counted. Return: the number written (<= @max).
 */
unsigned long balloon_list_pfns(struct balloon_dev_info *b, unsigned long *pfns,
				unsigned long max)
{
	struct page *page;
	unsigned long n = 0;

	spin_lock(&balloon_pages_lock);
	list_for_each_entry(page, &b->pages, lru)
		if (n < max)
			pfns[n++] = page_to_pfn(page);
	spin_unlock(&balloon_pages_lock);
	return n;
}

/**
 * balloon_devinfo_check() - the invariant checker's view of a balloon:
 * every page on @b's list is PageOffline with movable_ops, allocated, has
 * a reference and page->private == @b; every other page whose private is
 * @b is isolated, as many as @b->isolated_pages; listed plus isolated
 * equals @nr_pages (the driver's count) and NR_BALLOON_PAGES. No
 * PageOffline page names another device.
 * Context: takes balloon_pages_lock; exact only while no inflation,
 * deflation or migration runs. Return: 0, -EUCLEAN with @msg set, or
 * -ENOMEM.
 */
int balloon_devinfo_check(struct balloon_dev_info *b, unsigned long nr_pages, char *msg,
			  size_t len)
{
	unsigned long *listed = bitmap_zalloc(machine.max_pfn);
	unsigned long nr_listed = 0, nr_isolated = 0;
	struct page *page;
	int err = -EUCLEAN;

	if (!listed)
		return -ENOMEM;
	spin_lock(&balloon_pages_lock);
	list_for_each_entry(page, &b->pages, lru) {
		unsigned long pfn = page_to_pfn(page);

		if (nr_listed++ >= machine.max_pfn || !pfn_valid(pfn)) {
			snprintf(msg, len, "the balloon list is corrupted");
			goto out;
		}
		if (!PageOffline(page) || !PageMovableOps(page) || balloon_page_device(page) != b ||
		    page_ref_count(page) < 1 || page_owner_order(page) != 0 ||
		    test_bit(pfn, listed)) {
			snprintf(msg, len, "the balloon list holds pfn %#lx with offline=%d "
				 "movable_ops=%d private=%s refcount=%d order=%d", pfn,
				 PageOffline(page), PageMovableOps(page),
				 balloon_page_device(page) == b ? "this balloon" : "other",
				 page_ref_count(page), page_owner_order(page));
			goto out;
		}
		__set_bit(pfn, listed);
	}
	for (unsigned long pfn = 0; pfn < machine.max_pfn; pfn++) {
		struct balloon_dev_info *owner;

		page = pfn_to_page(pfn);
		owner = PageOffline(page) ? balloon_page_device(page) : NULL;
		if (!owner || test_bit(pfn, listed))
			continue;
		if (owner != b) {
			snprintf(msg, len, "pfn %#lx is in an unknown balloon", pfn);
			goto out;
		}
		nr_isolated++;
	}
	if (nr_isolated != b->isolated_pages)
		snprintf(msg, len, "%lu balloon pages are off the list but %lu are isolated",
			 nr_isolated, b->isolated_pages);
	else if (nr_listed + nr_isolated != nr_pages)
		snprintf(msg, len, "the balloon holds %lu pages (%lu listed, %lu isolated) but its "
			 "driver counts %lu", nr_listed + nr_isolated, nr_listed, nr_isolated,
			 nr_pages);
	else if ((long)(nr_listed + nr_isolated) !=
		 node_page_state(&contig_page_data, NR_BALLOON_PAGES))
		snprintf(msg, len, "the balloon holds %lu pages but nr_balloon_pages is %ld",
			 nr_listed + nr_isolated, node_page_state(&contig_page_data, NR_BALLOON_PAGES));
	else
		err = 0;
out:
	spin_unlock(&balloon_pages_lock);
	bitmap_free(listed);
	return err;
}

/* ------------------------------------------------------------------ */
/* Migration (movable_ops for PGTY_offline)                             */

static bool balloon_page_isolate(struct page *page, isolate_mode_t mode)
{
	struct balloon_dev_info *b;
	bool isolated = false;

	spin_lock(&balloon_pages_lock);
	b = balloon_page_device(page);
	if (b) {
		list_del(&page->lru);
		b->isolated_pages++;
		isolated = true;
	}
	spin_unlock(&balloon_pages_lock);
	return isolated;
}

static void balloon_page_putback(struct page *page)
{
	struct balloon_dev_info *b;

	spin_lock(&balloon_pages_lock);
	b = balloon_page_device(page);
	BUG_ON(!b);	/* isolated pages cannot be deflated */
	list_add(&page->lru, &b->pages);
	b->isolated_pages--;
	spin_unlock(&balloon_pages_lock);
}

/*
 * Ask the driver to swap @page for @newpage at the host, then do the list
 * and counter work: 0 means the new page is in the balloon in place of the
 * old one; -ENOENT means the old page was deflated and the new one not
 * inflated (counted as a deflation); both succeed for the core.
 */
static int balloon_page_migrate(struct page *newpage, struct page *page,
				enum migrate_mode mode)
{
	struct balloon_dev_info *b = balloon_page_device(page);
	int rc;

	BUG_ON(!b);
	rc = b->migratepage(b, newpage, page, mode);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	spin_lock(&balloon_pages_lock);
	if (!rc) {
		get_page(newpage);
		balloon_page_insert(b, newpage);
		count_vm_event(BALLOON_MIGRATE);
	} else {
		if (b->adjust_managed_page_count)
			adjust_managed_page_count(page, 1);
		count_vm_event(BALLOON_DEFLATE);
		mod_node_page_state(page_zone(page)->zone_pgdat, NR_BALLOON_PAGES, -1);
	}
	b->isolated_pages--;
	balloon_page_finalize(page);
	spin_unlock(&balloon_pages_lock);
	put_page(page);		/* the balloon's reference; isolation holds another */
	return 0;
}

static const struct movable_operations balloon_mops = {
	.isolate_page = balloon_page_isolate,
	.migrate_page = balloon_page_migrate,
	.putback_page = balloon_page_putback,
};

/**
 * balloon_core_init() - register the balloon's movable_ops (once per
 * process: the registry outlives machines).
 * Return: 0, or the registration's error.
 */
int balloon_core_init(void)
{
	static int registered;
	int err = 0;

	pthread_once(&balloon_lock_once, balloon_lock_init);
	spin_lock(&balloon_pages_lock);
	if (!registered) {
		err = set_movable_ops(&balloon_mops, PGTY_offline);
		registered = !err;
	}
	spin_unlock(&balloon_pages_lock);
	return err;
}
