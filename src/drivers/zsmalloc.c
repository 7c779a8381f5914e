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
 * drops that reference; if migration has the page isolated at that moment,
 * the isolation reference keeps the page until migration puts it back,
 * and migrate_page() refuses it (-ENOENT).
 *
 * The movable_ops callbacks find the pool through page->private, and a
 * user may destroy its pool at any time, even while migration holds some
 * of its pages isolated. So page->private of every zsmalloc page, and each
 * pool's nr_isolated and dead, are guarded by one global zs_pages_lock (as
 * balloon_pages_lock guards balloon pages), never read without it:
 *   page->private = the pool | ZS_PAGE_ISOLATED | ZS_PAGE_FREED, or 0.
 * A page whose private is set without flags holds a live object (that is
 * all isolation needs to know). An isolated page pins its pool: a
 * destroyed pool's memory (not its objects) lives until its last isolated
 * page is migrated or put back. The movable_ops stay registered for the
 * life of the process, as the balloon's do, so an isolated page always
 * has them.
 */
#include <stdlib.h>
#include <string.h>
#include "drivers/zsmalloc.h"
#include "migrate/migrate.h"

#define ZS_PAGE_ISOLATED	BIT(0)	/* isolated by migration: pins the pool */
#define ZS_PAGE_FREED		BIT(1)	/* its object was freed while isolated */
#define ZS_PAGE_FLAGS		(ZS_PAGE_ISOLATED | ZS_PAGE_FREED)

struct zs_pool {
	const char *name;
	struct rw_semaphore migrate_lock;
	struct page **handles;
	unsigned long nr_handles, capacity;
	unsigned long nr_isolated;	/* zs_pages_lock */
	bool dead;			/* zs_pages_lock: destroyed by its user */
};

static spinlock_t zs_pages_lock;
static pthread_once_t zs_once = PTHREAD_ONCE_INIT;

static struct zs_pool *page_pool(unsigned long private)
{
	return (struct zs_pool *)(private & ~ZS_PAGE_FLAGS);
}

/* Is @page still the holder of its handle? Context: migrate_lock held. */
static bool zs_page_owned(struct zs_pool *pool, const struct page *page)
{
	return page->index < pool->nr_handles && pool->handles[page->index] == page;
}

static void zs_pool_free(struct zs_pool *pool)
{
	destroy_rwsem(&pool->migrate_lock);
	free(pool->handles);
	free(pool);
}

/*
 * An isolated page lets go of its pool. Return: the pool if that was the
 * last pin of a destroyed pool (the caller frees it after unlocking).
 * Context: zs_pages_lock held.
 */
static struct zs_pool *zs_unpin(struct zs_pool *pool)
{
	lockdep_assert_held(&zs_pages_lock);
	return --pool->nr_isolated == 0 && pool->dead ? pool : NULL;
}

static bool zs_page_isolate(struct page *page, isolate_mode_t mode)
{
	unsigned long private;
	bool isolated = false;

	spin_lock(&zs_pages_lock);
	private = READ_ONCE(page->private);
	if (private && !(private & ZS_PAGE_FLAGS)) {
		page_pool(private)->nr_isolated++;
		WRITE_ONCE(page->private, private | ZS_PAGE_ISOLATED);
		isolated = true;
	}
	spin_unlock(&zs_pages_lock);
	return isolated;
}

static int zs_page_migrate(struct page *dst, struct page *src, enum migrate_mode mode)
{
	struct zs_pool *pool, *dead = NULL;
	bool owned;

	spin_lock(&zs_pages_lock);
	pool = page_pool(READ_ONCE(src->private));	/* pinned by the isolation */
	spin_unlock(&zs_pages_lock);
	down_write(&pool->migrate_lock);
	owned = zs_page_owned(pool, src);
	if (owned) {
		memcpy(page_address(dst), page_address(src), PAGE_SIZE);
		dst->index = src->index;
		__SetPageZsmalloc(dst);
		get_page(dst);
		spin_lock(&zs_pages_lock);
		WRITE_ONCE(dst->private, (unsigned long)pool);
		WRITE_ONCE(src->private, 0);
		dead = zs_unpin(pool);
		spin_unlock(&zs_pages_lock);
		SetPageMovableOps(dst);
		pool->handles[src->index] = dst;
	}
	up_write(&pool->migrate_lock);
	if (!owned)
		return -ENOENT;		/* freed by its owner while isolated */
	put_page(src);		/* the pool's reference; isolation holds another */
	if (dead)
		zs_pool_free(dead);
	return 0;
}

static void zs_page_putback(struct page *page)
{
	struct zs_pool *pool, *dead;
	unsigned long private;

	spin_lock(&zs_pages_lock);
	private = READ_ONCE(page->private);
	pool = page_pool(private);
	WRITE_ONCE(page->private, private & ZS_PAGE_FREED ? 0 : (unsigned long)pool);
	dead = zs_unpin(pool);
	spin_unlock(&zs_pages_lock);
	if (dead)
		zs_pool_free(dead);
}

static const struct movable_operations zsmalloc_mops = {
	.isolate_page = zs_page_isolate,
	.migrate_page = zs_page_migrate,
	.putback_page = zs_page_putback,
};

static void zs_register(void)
{
	spin_lock_init(&zs_pages_lock, LOCK_CLASS_ZS_PAGES);
	BUG_ON(set_movable_ops(&zsmalloc_mops, PGTY_zsmalloc));
}

/**
 * zs_create_pool() - a new, empty pool (the first one of the process
 * registers the driver's movable_ops for PGTY_zsmalloc, for good).
 * Return: the pool, or NULL on allocation failure.
 */
struct zs_pool *zs_create_pool(const char *name)
{
	struct zs_pool *pool = kzalloc(sizeof(*pool));

	if (!pool)
		return NULL;
	pthread_once(&zs_once, zs_register);
	pool->name = name;
	init_rwsem(&pool->migrate_lock, LOCK_CLASS_ZSPOOL);
	return pool;
}

/**
 * zs_destroy_pool() - free every object and the pool.
 * Context: no other thread uses the pool's objects; migration may hold
 * some of its pages isolated: they are freed when migration puts them
 * back, and the last of them frees the pool's memory.
 */
void zs_destroy_pool(struct zs_pool *pool)
{
	bool unpinned;

	for (unsigned long h = 0; h < pool->nr_handles; h++)
		if (pool->handles[h])
			zs_free(pool, h);
	spin_lock(&zs_pages_lock);
	pool->dead = true;
	unpinned = !pool->nr_isolated;
	spin_unlock(&zs_pages_lock);
	if (unpinned)
		zs_pool_free(pool);
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
 * Context: takes migrate_lock for write, then zs_pages_lock; may allocate.
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
		__SetPageZsmalloc(page);
		spin_lock(&zs_pages_lock);
		WRITE_ONCE(page->private, (unsigned long)pool);
		spin_unlock(&zs_pages_lock);
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
 * Context: takes migrate_lock for write, then zs_pages_lock; may free the
 * page.
 */
void zs_free(struct zs_pool *pool, unsigned long handle)
{
	struct page *page;

	unsigned long private;

	down_write(&pool->migrate_lock);
	page = pool->handles[handle];
	pool->handles[handle] = NULL;
	spin_lock(&zs_pages_lock);
	private = READ_ONCE(page->private);
	WRITE_ONCE(page->private, private & ZS_PAGE_ISOLATED ? private | ZS_PAGE_FREED : 0);
	spin_unlock(&zs_pages_lock);
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
