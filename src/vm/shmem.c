/* SPDX-License-Identifier: MIT */
/*
 * shmem.c - shared anonymous memory: the object behind a MAP_SHARED
 * anonymous region (kernel: a shmem inode and its page cache).
 *
 * Pages are created zero-filled on first fault and kept, one reference
 * each, in pages[] by offset until the last VMA mapping the region goes
 * away. They are swap-backed and live on the anon LRU lists; their mapping
 * is the address_space (untagged) and their index the page offset, which
 * is how rmap_walk() finds them through i_mmap.
 */
#include <stdlib.h>
#include "vm/mm.h"

/**
 * shmem_create() - a zero-filled shared memory object of @nr_pages pages.
 * Context: may allocate. Return: the object with one reference, or NULL.
 */
struct address_space *shmem_create(unsigned long nr_pages)
{
	struct address_space *mapping = kzalloc(sizeof(*mapping));

	if (!mapping)
		return NULL;
	mapping->pages = kcalloc(nr_pages, sizeof(*mapping->pages));
	if (!mapping->pages) {
		free(mapping);
		return NULL;
	}
	mapping->nr_pages = nr_pages;
	mapping->refcount = 1;
	spin_lock_init(&mapping->i_pages_lock, LOCK_CLASS_I_PAGES);
	init_rwsem(&mapping->i_mmap_rwsem, LOCK_CLASS_I_MMAP);
	INIT_LIST_HEAD(&mapping->i_mmap);
	return mapping;
}

/** shmem_get_mapping() - one more VMA maps @mapping. */
void shmem_get_mapping(struct address_space *mapping)
{
	__atomic_fetch_add(&mapping->refcount, 1, __ATOMIC_RELAXED);
}

/*
 * Take the page at @index out of the object (truncation). The page lock is
 * held while it goes, as Linux's truncate does, so a migration that holds
 * the page locked (and may be moving it to a new frame in pages[]) is
 * waited for, and the page seen under the lock is the one removed.
 */
static void shmem_truncate_page(struct address_space *mapping, pgoff_t index)
{
	struct page *page;

	for (;;) {
		spin_lock(&mapping->i_pages_lock);
		page = mapping->pages[index];
		if (page)
			get_page(page);
		spin_unlock(&mapping->i_pages_lock);
		if (!page)
			return;
		lock_page(page);
		if (READ_ONCE(mapping->pages[index]) == page)
			break;
		unlock_page(page);	/* migrated meanwhile: take the new page */
		put_page(page);
	}
	spin_lock(&mapping->i_pages_lock);
	WRITE_ONCE(mapping->pages[index], NULL);
	WRITE_ONCE(page->mapping, 0);
	spin_unlock(&mapping->i_pages_lock);
	ClearPageSwapBacked(page);
	mod_node_page_state(page_zone(page)->zone_pgdat, NR_SHMEM, -1);
	mod_node_page_state(page_zone(page)->zone_pgdat, NR_FILE_PAGES, -1);
	unlock_page(page);
	put_page(page);		/* ours */
	put_page(page);		/* the cache's */
}

/**
 * shmem_put_mapping() - a VMA no longer maps @mapping; the last one
 * truncates the object and frees it.
 * Context: no PTE maps the object's pages any more when the last reference
 * goes; takes each page's lock (may sleep behind a migration) and frees
 * pages.
 */
void shmem_put_mapping(struct address_space *mapping)
{
	if (__atomic_sub_fetch(&mapping->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	for (unsigned long i = 0; i < mapping->nr_pages; i++)
		shmem_truncate_page(mapping, i);
	spin_lock_destroy(&mapping->i_pages_lock);
	destroy_rwsem(&mapping->i_mmap_rwsem);
	free(mapping->pages);
	free(mapping);
}

static struct page *shmem_alloc_page(struct address_space *mapping, pgoff_t index)
{
	struct page *page = alloc_pages(GFP_HIGHUSER_MOVABLE | __GFP_ZERO | __GFP_NOWARN, 0);

	if (!page)
		return NULL;
	page->index = index;
	WRITE_ONCE(page->mapping, (unsigned long)mapping);
	__SetPageSwapBacked(page);
	SetPageUptodate(page);
	return page;
}

/**
 * shmem_get_page() - the page at @index of @mapping, created zero-filled
 * if it does not exist yet, with a reference for the caller.
 * Context: takes i_pages_lock; may allocate.
 * Return: 0 with *@pagep set, -EFAULT beyond the object, or -ENOMEM.
 */
int shmem_get_page(struct address_space *mapping, pgoff_t index, struct page **pagep)
{
	struct page *page, *new = NULL;

	if (index >= mapping->nr_pages)
		return -EFAULT;
	if (!READ_ONCE(mapping->pages[index])) {
		new = shmem_alloc_page(mapping, index);
		if (!new)
			return -ENOMEM;
	}
	spin_lock(&mapping->i_pages_lock);
	page = mapping->pages[index];
	if (!page && new) {
		page = new;
		new = NULL;
		WRITE_ONCE(mapping->pages[index], page);	/* the cache's reference */
		folio_add_lru(page);
		mod_node_page_state(page_zone(page)->zone_pgdat, NR_SHMEM, 1);
		mod_node_page_state(page_zone(page)->zone_pgdat, NR_FILE_PAGES, 1);
	}
	get_page(page);		/* pages are only ever added, so page is set */
	spin_unlock(&mapping->i_pages_lock);
	if (new) {
		WRITE_ONCE(new->mapping, 0);
		__ClearPageSwapBacked(new);
		put_page(new);
	}
	*pagep = page;
	return 0;
}
