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
 * balloon_devinfo_valid() validates a device under balloon_pages_lock;
 * VM_EXPENSIVE() runs its bounded form after every enqueue, dequeue,
 * isolation, putback and migration, and balloon_devinfo_check() (the
 * invariant checker's) adds what only a quiescent machine can show.
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

#define BALLOON_CHECK_ENDS	32	/* pages balloon_devinfo_ends_valid() checks at each end */

/* One entry of @b's list: linked both ways, a frame, a page of this balloon. */
static bool balloon_entry_valid(struct balloon_dev_info *b, struct list_head *pos, char *msg,
				size_t len)
{
	struct page *page = list_entry(pos, struct page, lru);
	unsigned long pfn = page_to_pfn(page);

	if (pos->next->prev != pos || pos->prev->next != pos || !pfn_valid(pfn))
		return validation_failed(msg, len, "the balloon list is corrupted");
	if (!PageOffline(page) || !PageMovableOps(page) || balloon_page_device(page) != b ||
	    page_ref_count(page) < 1 || page_owner_order(page) != 0)
		return validation_failed(msg, len, "the balloon list holds pfn %#lx with "
					 "offline=%d movable_ops=%d private=%s refcount=%d "
					 "order=%d", pfn, PageOffline(page), PageMovableOps(page),
					 balloon_page_device(page) == b ? "this balloon" : "other",
					 page_ref_count(page), page_owner_order(page));
	return true;
}

/*
 * Walk up to @limit entries of @b's list, forwards or backwards; *@nr
 * counts them, and the walk ends at the head. A walk of the whole list
 * (@limit machine.max_pfn) that does not get back to the head is a loop.
 */
static bool balloon_list_walk_valid(struct balloon_dev_info *b, bool forward,
				    unsigned long limit, unsigned long *nr, char *msg, size_t len)
{
	struct list_head *pos = forward ? b->pages.next : b->pages.prev;

	for (*nr = 0; pos != &b->pages && *nr < limit; pos = forward ? pos->next : pos->prev) {
		(*nr)++;
		if (!balloon_entry_valid(b, pos, msg, len))
			return false;
	}
	if (pos != &b->pages && limit == machine.max_pfn)
		return validation_failed(msg, len, "the balloon list is corrupted");
	return true;
}

/* The listed and isolated pages add up to NR_BALLOON_PAGES. */
static bool balloon_count_valid(struct balloon_dev_info *b, unsigned long nr_listed, char *msg,
				size_t len)
{
	long nr_counted = node_page_state(&contig_page_data, NR_BALLOON_PAGES);

	if ((long)(nr_listed + b->isolated_pages) != nr_counted)
		return validation_failed(msg, len, "the balloon holds %lu pages (%lu listed, %lu "
					 "isolated) but nr_balloon_pages is %ld",
					 nr_listed + b->isolated_pages, nr_listed,
					 b->isolated_pages, nr_counted);
	return true;
}

/*
 * balloon_devinfo_valid() - the balloon's validator (core/debug.h): every
 * page on @b's list is linked both ways, a valid frame, PageOffline with
 * movable_ops, allocated as one page, referenced, and names @b in
 * page->private; the listed and isolated pages add up to NR_BALLOON_PAGES
 * (pagelab has one balloon device). *@nr_listed receives the list's length.
 * Context: balloon_pages_lock held. Return: true if the balloon is valid.
 */
static bool balloon_devinfo_valid(struct balloon_dev_info *b, unsigned long *nr_listed,
				  char *msg, size_t len)
{
	lockdep_assert_held(&balloon_pages_lock);
	return balloon_list_walk_valid(b, true, machine.max_pfn, nr_listed, msg, len) &&
	       balloon_count_valid(b, *nr_listed, msg, len);
}

/*
 * balloon_devinfo_ends_valid() - balloon_devinfo_valid() bounded for
 * VM_EXPENSIVE(), which runs it after every enqueue, dequeue, isolation,
 * putback and migration: only the BALLOON_CHECK_ENDS pages at either end
 * of the list (where pages are enqueued and dequeued), and the count only
 * when the list is shorter than that. A whole walk after every change
 * would make inflating, deflating and compacting a balloon quadratic.
 * Context: balloon_pages_lock held. Return: true if what it saw is valid.
 * Called only through VM_EXPENSIVE(), hence __maybe_unused below level 2.
 */
static bool __maybe_unused balloon_devinfo_ends_valid(struct balloon_dev_info *b, char *msg,
						       size_t len)
{
	unsigned long nr;

	lockdep_assert_held(&balloon_pages_lock);
	if (!balloon_list_walk_valid(b, true, BALLOON_CHECK_ENDS, &nr, msg, len))
		return false;
	if (nr < BALLOON_CHECK_ENDS)
		return balloon_count_valid(b, nr, msg, len);
	return balloon_list_walk_valid(b, false, BALLOON_CHECK_ENDS, &nr, msg, len);
}

/*
 * The pages whose page->private names @b, which balloon_devinfo_valid()
 * cannot see off the list: as many as b->isolated_pages must be isolated.
 * Its scan of every frame is the invariant checker's, not VM_EXPENSIVE's.
 * Context: balloon_pages_lock held; the machine quiescent.
 */
static bool balloon_isolated_valid(struct balloon_dev_info *b, unsigned long nr_listed,
				   char *msg, size_t len)
{
	unsigned long nr_owned = 0, end = pgdat_init_end_pfn(&contig_page_data);

	/* Deferred struct pages are in no balloon: the walk stops before them. */
	for (unsigned long pfn = 0; pfn < end; pfn++) {
		struct page *page = pfn_to_page(pfn);
		struct balloon_dev_info *owner = PageOffline(page) ? balloon_page_device(page) : NULL;

		if (owner && owner != b)
			return validation_failed(msg, len, "pfn %#lx is in an unknown balloon", pfn);
		nr_owned += owner == b;
	}
	if (nr_owned != nr_listed + b->isolated_pages)
		return validation_failed(msg, len, "%lu balloon pages are off the list but %lu are "
					 "isolated", nr_owned - nr_listed, b->isolated_pages);
	return true;
}

/**
 * balloon_devinfo_check() - the invariant checker's view of a balloon:
 * balloon_devinfo_valid(), then every page whose private is @b but is not
 * on its list is isolated, as many as @b->isolated_pages, and listed plus
 * isolated equals @nr_pages (the driver's count). No PageOffline page
 * names another device.
 * @b: the device.
 * @nr_pages: the driver's count of inflated pages.
 * @msg: receives the first problem found.
 * @len: size of @msg.
 *
 * Context: takes balloon_pages_lock; exact only while no inflation,
 * deflation or migration runs. Return: 0, or -EUCLEAN with @msg set.
 */
int balloon_devinfo_check(struct balloon_dev_info *b, unsigned long nr_pages, char *msg,
			  size_t len)
{
	unsigned long nr_listed = 0;
	bool valid;

	spin_lock(&balloon_pages_lock);
	valid = balloon_devinfo_valid(b, &nr_listed, msg, len) &&
		balloon_isolated_valid(b, nr_listed, msg, len);
	if (valid && nr_listed + b->isolated_pages != nr_pages)
		valid = validation_failed(msg, len, "the balloon holds %lu pages (%lu listed, %lu "
					  "isolated) but its driver counts %lu",
					  nr_listed + b->isolated_pages, nr_listed,
					  b->isolated_pages, nr_pages);
	spin_unlock(&balloon_pages_lock);
	return valid ? 0 : -EUCLEAN;
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
	VM_EXPENSIVE(balloon_devinfo_ends_valid, b);
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
	VM_EXPENSIVE(balloon_devinfo_ends_valid, b);
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
	VM_EXPENSIVE(balloon_devinfo_ends_valid, b);
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
		VM_EXPENSIVE(balloon_devinfo_ends_valid, b);
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
	VM_EXPENSIVE(balloon_devinfo_ends_valid, b);
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
	VM_EXPENSIVE(balloon_devinfo_ends_valid, b);
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
