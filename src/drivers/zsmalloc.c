/* SPDX-License-Identifier: MIT */
/*
 * zsmalloc.c - a built-in driver whose pages are movable through
 * movable_operations, as zsmalloc's are: the first client of non-LRU page
 * migration, and what `kalloc K type=movable` allocates.
 *
 * Simplification: real zsmalloc packs many objects into "zspages" of
 * several pages; here every object is one whole order-0 page (the size
 * class of 4 KiB objects), which keeps what migration needs -- a driver
 * that owns pages, looks them up through handles, and must follow a page
 * to its new frame -- without the packing.
 *
 * A handle names an object for its whole life; handles[] maps it to the
 * page that currently holds it. The pool's migrate_lock (a rw_semaphore)
 * protects handles[] and each page's owner fields (page->private: the
 * pool, page->index: the handle): allocation, free and migration take it
 * for write; zs_map_object() holds it for read while the caller uses the
 * object, so an object does not move while it is being read.
 *
 * The pool holds one reference on each of its pages. Freeing an object
 * clears the page's owner and drops that reference; if migration has the
 * page isolated at that moment, the isolation reference keeps the page
 * until migration puts it back, and migrate_page() refuses it (-ENOENT).
 */
#include <stdlib.h>
#include <string.h>
#include "drivers/zsmalloc.h"
#include "migrate/migrate.h"

struct zs_pool {
	const char *name;
	struct rw_semaphore migrate_lock;
	struct page **handles;
	unsigned long nr_handles, capacity;
};

static int nr_pools;		/* movable_ops are registered while pools exist */
static pthread_mutex_t pools_lock = PTHREAD_MUTEX_INITIALIZER;

static struct zs_pool *page_pool(const struct page *page)
{
	return (struct zs_pool *)READ_ONCE(page->private);
}

/* Is @page still the holder of its handle? Context: migrate_lock held. */
static bool zs_page_owned(struct zs_pool *pool, const struct page *page)
{
	return pool && page->index < pool->nr_handles && pool->handles[page->index] == page;
}

static bool zs_page_isolate(struct page *page, isolate_mode_t mode)
{
	struct zs_pool *pool = page_pool(page);
	bool owned;

	if (!pool)
		return false;
	down_read(&pool->migrate_lock);
	owned = zs_page_owned(pool, page);
	up_read(&pool->migrate_lock);
	return owned;
}

static int zs_page_migrate(struct page *dst, struct page *src, enum migrate_mode mode)
{
	struct zs_pool *pool = page_pool(src);

	if (!pool)
		return -ENOENT;
	down_write(&pool->migrate_lock);
	if (!zs_page_owned(pool, src)) {
		up_write(&pool->migrate_lock);
		return -ENOENT;		/* freed by its owner while isolated */
	}
	memcpy(page_address(dst), page_address(src), PAGE_SIZE);
	__SetPageZsmalloc(dst);
	SetPageMovableOps(dst);
	dst->index = src->index;
	WRITE_ONCE(dst->private, (unsigned long)pool);
	get_page(dst);
	pool->handles[src->index] = dst;
	WRITE_ONCE(src->private, 0);
	up_write(&pool->migrate_lock);
	put_page(src);		/* the pool's reference; isolation holds another */
	return 0;
}

static void zs_page_putback(struct page *page)
{
}

static const struct movable_operations zsmalloc_mops = {
	.isolate_page = zs_page_isolate,
	.migrate_page = zs_page_migrate,
	.putback_page = zs_page_putback,
};

/**
 * zs_create_pool() - a new, empty pool (the first one registers the
 * driver's movable_ops for PGTY_zsmalloc).
 * Return: the pool, or NULL on allocation failure.
 */
struct zs_pool *zs_create_pool(const char *name)
{
	struct zs_pool *pool = kzalloc(sizeof(*pool));

	if (!pool)
		return NULL;
	pool->name = name;
	init_rwsem(&pool->migrate_lock, LOCK_CLASS_ZSPOOL);
	pthread_mutex_lock(&pools_lock);
	if (nr_pools++ == 0)
		BUG_ON(set_movable_ops(&zsmalloc_mops, PGTY_zsmalloc));
	pthread_mutex_unlock(&pools_lock);
	return pool;
}

/**
 * zs_destroy_pool() - free every object and the pool.
 * Context: no other thread uses the pool. Pages isolated by migration are
 * freed when migration puts them back.
 */
void zs_destroy_pool(struct zs_pool *pool)
{
	for (unsigned long h = 0; h < pool->nr_handles; h++)
		if (pool->handles[h])
			zs_free(pool, h);
	destroy_rwsem(&pool->migrate_lock);
	free(pool->handles);
	free(pool);
	pthread_mutex_lock(&pools_lock);
	if (--nr_pools == 0)
		clear_movable_ops(PGTY_zsmalloc);
	pthread_mutex_unlock(&pools_lock);
}

static bool zs_grow(struct zs_pool *pool)
{
	unsigned long capacity = pool->capacity ? pool->capacity * 2 : 64;
	struct page **handles = krealloc(pool->handles, capacity * sizeof(*handles));

	if (!handles)
		return false;
	pool->handles = handles;
	pool->capacity = capacity;
	return true;
}

/**
 * zs_malloc() - allocate a one-page object.
 * Context: takes migrate_lock for write; may allocate.
 * Return: the handle, or -ENOMEM.
 */
long zs_malloc(struct zs_pool *pool, gfp_t gfp)
{
	struct page *page = alloc_pages((gfp & ~GFP_MOVABLE_MASK) | __GFP_MOVABLE, 0);
	long handle = -ENOMEM;

	if (!page)
		return -ENOMEM;
	down_write(&pool->migrate_lock);
	if (pool->nr_handles < pool->capacity || zs_grow(pool)) {
		handle = pool->nr_handles++;
		page->index = handle;
		WRITE_ONCE(page->private, (unsigned long)pool);
		__SetPageZsmalloc(page);
		pool->handles[handle] = page;
		SetPageMovableOps(page);	/* from here on, it may be isolated */
	}
	up_write(&pool->migrate_lock);
	if (handle < 0)
		__free_pages(page, 0);
	return handle;
}

/**
 * zs_free() - free the object @handle.
 * Context: takes migrate_lock for write; may free the page.
 */
void zs_free(struct zs_pool *pool, unsigned long handle)
{
	struct page *page;

	down_write(&pool->migrate_lock);
	page = pool->handles[handle];
	pool->handles[handle] = NULL;
	WRITE_ONCE(page->private, 0);
	up_write(&pool->migrate_lock);
	put_page(page);
}

/**
 * zs_map_object() - the bytes of object @handle; the object cannot move
 * until zs_unmap_object().
 * Context: takes migrate_lock for read (may sleep while a migration of
 * this pool finishes).
 */
void *zs_map_object(struct zs_pool *pool, unsigned long handle)
{
	down_read(&pool->migrate_lock);
	return page_address(pool->handles[handle]);
}

/** zs_unmap_object() - done with the object; it may move again. */
void zs_unmap_object(struct zs_pool *pool, unsigned long handle)
{
	up_read(&pool->migrate_lock);
}

/**
 * zs_handle_page() - the page currently holding @handle (tests use it to
 * check that migration moved the object).
 * Context: takes migrate_lock for read.
 */
struct page *zs_handle_page(struct zs_pool *pool, unsigned long handle)
{
	struct page *page;

	down_read(&pool->migrate_lock);
	page = pool->handles[handle];
	up_read(&pool->migrate_lock);
	return page;
}
