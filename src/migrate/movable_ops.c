/* SPDX-License-Identifier: MIT */
/*
 * movable_ops.c - migration of pages that are on no LRU list but whose
 * owner (a driver: the balloon, zsmalloc) registered movable_operations.
 *
 * As in today's kernel, the operations are not stored in the page: one
 * table is registered per page type (PGTY_offline for the balloon,
 * PGTY_zsmalloc), and a page has movable_ops when it has PG_movable_ops
 * and one of those types. PG_movable_ops is set once by the owner and
 * cleared only when the page is freed; the page type is likewise sticky
 * until the page is freed. PG_movable_ops_isolated belongs to this file:
 * set on isolation, cleared on successful migration or putback, with the
 * page lock held.
 */
#include "migrate/migrate.h"

static const struct movable_operations *offline_movable_ops;
static const struct movable_operations *zsmalloc_movable_ops;

static const struct movable_operations **movable_ops_slot(enum pagetype type)
{
	switch (type) {
	case PGTY_offline:
		return &offline_movable_ops;
	case PGTY_zsmalloc:
		return &zsmalloc_movable_ops;
	default:
		return NULL;
	}
}

/**
 * set_movable_ops() - register the migration callbacks for pages of @type.
 * Context: driver initialisation.
 * Return: 0; -EINVAL for a type other than PGTY_offline or PGTY_zsmalloc;
 * -EBUSY if the type already has callbacks.
 */
int set_movable_ops(const struct movable_operations *ops, enum pagetype type)
{
	const struct movable_operations **slot = movable_ops_slot(type);

	if (!slot)
		return -EINVAL;
	if (__atomic_load_n(slot, __ATOMIC_ACQUIRE))
		return -EBUSY;
	__atomic_store_n(slot, ops, __ATOMIC_RELEASE);
	return 0;
}

static const struct movable_operations *page_movable_ops(const struct page *page)
{
	if (PageOffline(page))
		return __atomic_load_n(&offline_movable_ops, __ATOMIC_ACQUIRE);
	if (PageZsmalloc(page))
		return __atomic_load_n(&zsmalloc_movable_ops, __ATOMIC_ACQUIRE);
	return NULL;
}

/**
 * isolate_movable_ops_page() - take a movable_ops page for migration.
 * @page: any page; the caller holds no reference.
 *
 * Takes a reference, checks the page has movable_ops (before the lock:
 * a page being set up uses non-atomic flag updates), trylocks it, refuses
 * it if already isolated, asks the owner, and marks it isolated.
 * Context: takes the page lock with trylock; never sleeps.
 * Return: true with the page isolated and a reference held by the caller.
 */
bool isolate_movable_ops_page(struct page *page, isolate_mode_t mode)
{
	const struct movable_operations *mops;

	if (!get_page_unless_zero(page))
		return false;
	if (!page_has_movable_ops(page))
		goto out_put;
	if (!trylock_page(page))
		goto out_put;
	mops = page_movable_ops(page);
	if (PageMovableOpsIsolated(page) || !mops || !mops->isolate_page(page, mode))
		goto out_unlock;
	SetPageMovableOpsIsolated(page);
	unlock_page(page);
	return true;
out_unlock:
	unlock_page(page);
out_put:
	put_page(page);
	return false;
}

/**
 * migrate_movable_ops_page() - let the owner move @src to @dst.
 * Context: both pages locked by the migration core; @src isolated.
 * Return: 0 (src is no longer isolated), -EAGAIN (retry), or a permanent
 * errno (src stays isolated and is put back later).
 */
int migrate_movable_ops_page(struct page *dst, struct page *src, enum migrate_mode mode)
{
	int rc;

	VM_BUG_ON_PAGE(!PageLocked(src) || !PageMovableOpsIsolated(src), src);
	rc = page_movable_ops(src)->migrate_page(dst, src, mode);
	if (!rc)
		ClearPageMovableOpsIsolated(src);
	return rc;
}

/**
 * putback_movable_ops_page() - give an isolated page back to its owner and
 * drop the isolation reference (which may free the page, if the owner let
 * go of it meanwhile).
 * Context: takes the page lock (also in direct compaction, as Linux does:
 * lock_isolated_page()); may sleep.
 */
void putback_movable_ops_page(struct page *page)
{
	lock_isolated_page(page);
	page_movable_ops(page)->putback_page(page);
	ClearPageMovableOpsIsolated(page);
	unlock_page(page);
	put_page(page);
}
