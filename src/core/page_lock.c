/* SPDX-License-Identifier: MIT */
/*
 * page_lock.c - the sleeping page lock (PG_locked) and its wait queues.
 *
 * The lock is one bit in page->flags, so taking an uncontended lock is one
 * atomic operation. Sleepers wait on a small hashed table of wait queues
 * shared by all pages (the kernel's folio_wait_table): a waiter sets
 * PG_waiters on its page before sleeping, and unlock_page() takes the
 * bucket lock and wakes the bucket only when it saw PG_waiters while
 * clearing PG_locked. Because a waiter sets PG_waiters and re-tests
 * PG_locked under the bucket lock, and the unlocker learns of PG_waiters
 * from the same atomic operation that clears PG_locked, no wake-up is lost.
 *
 * The bucket locks are leaves of the lock tree (LOCK_CLASS_PAGE_WAITQUEUE)
 * and never held across anything but the wait itself.
 */
#include <pthread.h>
#include "core/core.h"

#define PAGE_WAIT_TABLE_BITS 8

struct page_wait_queue {
	pthread_mutex_t lock;
	pthread_cond_t wait;
} __cacheline_aligned;

static struct page_wait_queue page_wait_table[1 << PAGE_WAIT_TABLE_BITS] = {
	[0 ... (1 << PAGE_WAIT_TABLE_BITS) - 1] = {
		PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER
	}
};

static struct page_wait_queue *page_waitqueue(const struct page *page)
{
	uint64_t h = (uintptr_t)page * 0x9e3779b97f4a7c15ull;

	return &page_wait_table[h >> (64 - PAGE_WAIT_TABLE_BITS)];
}

/* Sleep until @done(page) is true; @done runs with the bucket lock held. */
static void page_wait(struct page *page, bool (*done)(struct page *page))
{
	struct page_wait_queue *q = page_waitqueue(page);

	pthread_mutex_lock(&q->lock);
	for (;;) {
		SetPageWaiters(page);
		if (done(page))
			break;
		pthread_cond_wait(&q->wait, &q->lock);
	}
	pthread_mutex_unlock(&q->lock);
}

static bool page_lock_acquired(struct page *page)
{
	return !test_and_set_bit(PG_locked, &page->flags);
}

static bool page_lock_released(struct page *page)
{
	return !PageLocked(page);
}

/**
 * trylock_page() - take the page lock if it is free.
 * Context: any thread. Never sleeps. Return: true if the lock was taken.
 */
bool trylock_page(struct page *page)
{
	if (!page_lock_acquired(page))
		return false;
	lockdep_acquire(LOCK_CLASS_PAGE, page, true);
	return true;
}

static void __lock_page(struct page *page)
{
	lockdep_acquire(LOCK_CLASS_PAGE, page, false);
	if (likely(page_lock_acquired(page)))
		return;
	page_wait(page, page_lock_acquired);
}

/**
 * lock_page() - take the page lock, sleeping while another thread holds it.
 * Context: may sleep; the caller holds no lock ranked after the page lock
 * (docs/locking.md), checked in debug builds. A second page lock may only
 * be taken with trylock_page(). Never with PF_MEMALLOC set (direct
 * compaction), also checked in debug builds: see core.h.
 */
void lock_page(struct page *page)
{
	VM_BUG_ON_PAGE(current_flags & PF_MEMALLOC, page);
	__lock_page(page);
}

/**
 * lock_isolated_page() - lock_page() for a movable_ops page the caller
 * isolated for migration (PG_movable_ops_isolated), allowed with
 * PF_MEMALLOC: nobody holds such a page's lock across I/O or an
 * allocation (isolation only trylocks it, the migration core holds it
 * while the owner moves the page), so it cannot deadlock on this thread.
 * Linux's putback_movable_ops_page() takes the folio lock in direct
 * compaction too.
 * Context: may sleep; as lock_page().
 */
void lock_isolated_page(struct page *page)
{
	VM_BUG_ON_PAGE(!PageMovableOpsIsolated(page), page);
	__lock_page(page);
}

/**
 * unlock_page() - release the page lock and wake its waiters.
 * Context: the caller holds the page lock. Never sleeps.
 */
void unlock_page(struct page *page)
{
	unsigned long old;

	VM_BUG_ON_PAGE(!PageLocked(page), page);
	lockdep_release(LOCK_CLASS_PAGE, page);
	old = __atomic_fetch_and(&page->flags, ~BIT(PG_locked), __ATOMIC_SEQ_CST);
	if (old & BIT(PG_waiters)) {
		struct page_wait_queue *q = page_waitqueue(page);

		pthread_mutex_lock(&q->lock);
		ClearPageWaiters(page);
		pthread_cond_broadcast(&q->wait);
		pthread_mutex_unlock(&q->lock);
	}
}

/**
 * wait_on_page_locked() - sleep until the page is unlocked, without taking
 * the lock (a fault waiting for migration to finish does this).
 * Context: may sleep; holds no page lock of its own on @page.
 */
void wait_on_page_locked(struct page *page)
{
	if (PageLocked(page))
		page_wait(page, page_lock_released);
}

/**
 * softleaf_entry_wait_on_locked() - sleep until the page a migration entry
 * names is unlocked, without holding a reference to it.
 * @page: the page the entry names (locked by its migration).
 * @ptl: the PTE lock, held by the caller while it found the entry; it is
 *       released here once this thread is queued.
 *
 * While the entry is there under @ptl, migration cannot finish, so the page
 * is still locked and not freed: PG_waiters is set on the right page, and
 * the waiter is queued before @ptl is dropped, so the wake-up cannot be
 * missed. After the wake-up the page is not touched again (it may have
 * been freed); the caller retries its fault, which is harmless if the
 * wake-up was meant for another page of the bucket.
 * Context: called with @ptl held; returns without it. Sleeps.
 */
void softleaf_entry_wait_on_locked(struct page *page, spinlock_t *ptl)
{
	struct page_wait_queue *q = page_waitqueue(page);

	pthread_mutex_lock(&q->lock);
	SetPageWaiters(page);
	spin_unlock(ptl);
	if (PageLocked(page))
		pthread_cond_wait(&q->wait, &q->lock);
	pthread_mutex_unlock(&q->lock);
}
