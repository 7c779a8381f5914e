/* SPDX-License-Identifier: MIT */
/*
 * lru.c - the LRU lists: adding new pages, isolating a page for migration,
 * activation, and taking a dying page off its list (kernel: mm/swap.c,
 * mm/vmscan.c, mm_inline.h). The reference-dropping side that frees pages
 * (put_page(), folio_putback_lru()) is vm/swap.c: it also releases the
 * page's mapping, which is the address-space layer's business.
 *
 * A page is on an LRU list if and only if PG_lru is set; both change under
 * the lruvec's lru_lock. Isolation clears PG_lru atomically *before* taking
 * the lock (folio_test_clear_lru), so of several racing isolators exactly
 * one wins, and a page whose PG_lru is clear is owned by whoever cleared it.
 *
 * lruvec_valid() is the lists' validator: under lru_lock every listed
 * page is on the list its flags select and each list's length is its
 * NR_LRU_* counter. It does not require PG_lru of listed pages, which
 * isolation clears before it takes the lock; the invariant checker, which
 * runs on a quiescent machine, checks that through its visitor.
 * VM_EXPENSIVE() runs its bounded form, lruvec_ends_valid(), after every
 * change of the lists.
 *
 * Deviation: the kernel collects new pages in per-cpu folio batches and
 * adds them to the lists in bulk (lru_add_drain); pagelab adds each page
 * directly, so a freshly faulted page is isolatable at once.
 */
#include "lru/lru.h"

static struct lruvec *page_lruvec(const struct page *page)
{
	return &page_zone(page)->zone_pgdat->__lruvec;
}

static enum lru_list page_lru(const struct page *page)
{
	if (PageUnevictable(page))
		return LRU_UNEVICTABLE;
	/* Shared anonymous (shmem) pages are swap-backed: anon lists too. */
	return (PageActive(page) ? LRU_ACTIVE_ANON : LRU_INACTIVE_ANON);
}

static void update_lru_size(struct page *page, enum lru_list lru, long nr)
{
	struct zone *zone = page_zone(page);

	mod_node_page_state(zone->zone_pgdat, NR_LRU_BASE + lru, nr);
	mod_zone_page_state(zone, NR_ZONE_LRU_BASE + lru, nr);
}

static void lruvec_add_page(struct lruvec *lruvec, struct page *page)
{
	enum lru_list lru = page_lru(page);

	lockdep_assert_held(&lruvec->lru_lock);
	update_lru_size(page, lru, folio_nr_pages(page));
	list_add(&page->lru, &lruvec->lists[lru]);
}

static void lruvec_del_page(struct lruvec *lruvec, struct page *page)
{
	lockdep_assert_held(&lruvec->lru_lock);
	list_del(&page->lru);
	update_lru_size(page, page_lru(page), -(long)folio_nr_pages(page));
}

#define LRU_CHECK_ENDS	32	/* pages lruvec_ends_valid() checks at each end */

static struct pglist_data *lruvec_pgdat(struct lruvec *lruvec)
{
	return container_of(lruvec, struct pglist_data, __lruvec);
}

/* One entry of @lru's list: linked both ways, a frame, on the list its flags select. */
static bool lru_entry_valid(struct list_head *pos, enum lru_list lru, char *msg, size_t len)
{
	struct page *page = list_entry(pos, struct page, lru);

	if (pos->next->prev != pos || pos->prev->next != pos || !pfn_valid(page_to_pfn(page)))
		return validation_failed(msg, len, "LRU list %u is corrupted", lru);
	if (page_lru(page) != lru)
		return validation_failed(msg, len, "LRU list %u holds pfn %#lx (active=%d "
					 "unevictable=%d)", lru, page_to_pfn(page),
					 PageActive(page), PageUnevictable(page));
	return true;
}

/*
 * Walk up to @limit entries of @lru's list, forwards or backwards, showing
 * each page to @fn; *@nr counts them, *@pages their base pages (a THP is
 * one entry of 512 pages), and the walk ends at the head.
 */
static bool lru_list_walk_valid(struct lruvec *lruvec, enum lru_list lru, bool forward,
				unsigned long limit, lru_page_fn fn, void *arg,
				unsigned long *nr, unsigned long *pages, char *msg, size_t len)
{
	struct list_head *head = &lruvec->lists[lru];
	struct list_head *pos = forward ? head->next : head->prev;

	for (*nr = 0, *pages = 0; pos != head && *nr < limit;
	     pos = forward ? pos->next : pos->prev) {
		(*nr)++;
		*pages += folio_nr_pages(list_entry(pos, struct page, lru));
		if (!lru_entry_valid(pos, lru, msg, len))
			return false;
		if (fn && !fn(list_entry(pos, struct page, lru), lru, arg))
			return false;
	}
	if (pos != head && limit == machine.max_pfn)
		return validation_failed(msg, len, "LRU list %u is corrupted", lru);
	return true;
}

static bool lru_count_valid(struct lruvec *lruvec, enum lru_list lru, unsigned long nr,
			    char *msg, size_t len)
{
	long counted = node_page_state(lruvec_pgdat(lruvec), NR_LRU_BASE + lru);

	if ((long)nr != counted)
		return validation_failed(msg, len, "LRU list %u holds %lu pages but its counter "
					 "says %ld", lru, nr, counted);
	return true;
}

/**
 * __lruvec_valid() - check @lruvec's lists, showing each page to @fn.
 * @lruvec: a node's LRU lists.
 * @fn: called with every valid page, its list and @arg, or NULL; when it
 *	returns false the walk stops and so does the validator, leaving
 *	@msg to @fn.
 * @arg: passed to @fn.
 * @msg: receives the first problem found.
 * @len: size of @msg.
 *
 * Context: lru_lock held.
 * Return: true if the lists are valid.
 */
bool __lruvec_valid(struct lruvec *lruvec, lru_page_fn fn, void *arg, char *msg, size_t len)
{
	lockdep_assert_held(&lruvec->lru_lock);
	for (enum lru_list lru = 0; lru < NR_LRU_LISTS; lru++) {
		unsigned long nr, pages;

		if (!lru_list_walk_valid(lruvec, lru, true, machine.max_pfn, fn, arg, &nr, &pages,
					 msg, len) ||
		    !lru_count_valid(lruvec, lru, pages, msg, len))
			return false;
	}
	return true;
}

/**
 * lruvec_valid() - check @lruvec's lists: every page on a list is linked
 * both ways, a valid frame, on the list its flags select, and each list's
 * base pages (a THP counts 512) equal its NR_LRU_* node counter.
 * @lruvec: a node's LRU lists.
 * @msg: receives the first problem found.
 * @len: size of @msg.
 *
 * Context: lru_lock held.
 * Return: true if the lists are valid.
 */
bool lruvec_valid(struct lruvec *lruvec, char *msg, size_t len)
{
	return __lruvec_valid(lruvec, NULL, NULL, msg, len);
}

/**
 * lruvec_ends_valid() - lruvec_valid() bounded for VM_EXPENSIVE(): only
 * the LRU_CHECK_ENDS pages at either end of each list (where pages are
 * added), and the length only of the lists shorter than that: a whole walk
 * after every change would make the LRU quadratic.
 * @lruvec: a node's LRU lists.
 * @msg: receives the first problem found.
 * @len: size of @msg.
 *
 * Context: lru_lock held.
 * Return: true if what it looked at is valid.
 */
bool lruvec_ends_valid(struct lruvec *lruvec, char *msg, size_t len)
{
	lockdep_assert_held(&lruvec->lru_lock);
	for (enum lru_list lru = 0; lru < NR_LRU_LISTS; lru++) {
		unsigned long nr, pages;

		if (!lru_list_walk_valid(lruvec, lru, true, LRU_CHECK_ENDS, NULL, NULL, &nr, &pages,
					 msg, len))
			return false;
		if (nr < LRU_CHECK_ENDS) {
			if (!lru_count_valid(lruvec, lru, pages, msg, len))
				return false;
		} else if (!lru_list_walk_valid(lruvec, lru, false, LRU_CHECK_ENDS, NULL, NULL,
						&nr, &pages, msg, len)) {
			return false;
		}
	}
	return true;
}

/**
 * lruvec_init() - empty LRU lists for a node.
 * Context: machine boot.
 */
void lruvec_init(struct lruvec *lruvec)
{
	spin_lock_init(&lruvec->lru_lock, LOCK_CLASS_LRU);
	for (int lru = 0; lru < NR_LRU_LISTS; lru++)
		INIT_LIST_HEAD(&lruvec->lists[lru]);
}

/**
 * lruvec_exit() - tear down a node's LRU lists (they must be empty).
 * Context: machine shutdown.
 */
void lruvec_exit(struct lruvec *lruvec)
{
	spin_lock_destroy(&lruvec->lru_lock);
}

/**
 * folio_add_lru() - put a page on the LRU list its flags select.
 * @page: a page with a reference held by the caller, not on an LRU list.
 * Context: takes lru_lock; does not sleep.
 */
void folio_add_lru(struct page *page)
{
	struct lruvec *lruvec = page_lruvec(page);

	VM_BUG_ON_PAGE(PageLRU(page), page);
	VM_BUG_ON_PAGE(page_ref_count(page) <= 0, page);
	spin_lock(&lruvec->lru_lock);
	SetPageLRU(page);
	lruvec_add_page(lruvec, page);
	VM_EXPENSIVE(lruvec_ends_valid, lruvec);
	spin_unlock(&lruvec->lru_lock);
}

/**
 * folio_isolate_lru() - take a page off its LRU list for the caller.
 * @page: a page the caller holds a reference to.
 *
 * On success the page has PG_lru clear, an extra reference owned by the
 * caller, and page->lru free for the caller's private list; the caller
 * accounts NR_ISOLATED_ANON.
 * Context: takes lru_lock; the caller must not hold it. Does not sleep.
 * Return: true if this caller isolated the page, false if it was not on an
 * LRU list (or another thread isolated it first).
 */
bool folio_isolate_lru(struct page *page)
{
	struct lruvec *lruvec = page_lruvec(page);

	VM_BUG_ON_PAGE(page_ref_count(page) <= 0, page);
	if (!TestClearPageLRU(page))
		return false;
	get_page(page);
	spin_lock(&lruvec->lru_lock);
	lruvec_del_page(lruvec, page);
	VM_EXPENSIVE(lruvec_ends_valid, lruvec);
	spin_unlock(&lruvec->lru_lock);
	return true;
}

/**
 * folio_activate() - move a page to the active list (a second reference
 * seen, as mark_page_accessed does); counts pgactivate.
 * Context: takes lru_lock. Does nothing to a page not on an LRU list.
 */
void folio_activate(struct page *page)
{
	struct lruvec *lruvec = page_lruvec(page);

	spin_lock(&lruvec->lru_lock);
	if (PageLRU(page) && !PageActive(page) && !PageUnevictable(page)) {
		lruvec_del_page(lruvec, page);
		SetPageActive(page);
		lruvec_add_page(lruvec, page);
		count_vm_event(PGACTIVATE);
		VM_EXPENSIVE(lruvec_ends_valid, lruvec);
	}
	spin_unlock(&lruvec->lru_lock);
}

/**
 * page_cache_release() - take a page whose last reference is gone off its
 * LRU list, before it is freed, with the flags that name its list (PG_lru,
 * PG_active, PG_unevictable), as the kernel's __folio_clear_lru_flags().
 * Context: takes lru_lock if the page is on a list.
 */
void page_cache_release(struct page *page)
{
	struct lruvec *lruvec;

	if (!PageLRU(page))
		return;
	lruvec = page_lruvec(page);
	spin_lock(&lruvec->lru_lock);
	lruvec_del_page(lruvec, page);
	__ClearPageLRU(page);
	VM_EXPENSIVE(lruvec_ends_valid, lruvec);
	spin_unlock(&lruvec->lru_lock);
	__ClearPageActive(page);
	__ClearPageUnevictable(page);
}
