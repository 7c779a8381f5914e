/* SPDX-License-Identifier: MIT */
/*
 * page.c - a struct page's boot-time state (the final put that returns a
 * page to the allocator is in lru/lru.c, with the LRU removal it needs).
 */
#include "core/core.h"

/**
 * init_page_struct() - give a frame's struct page its boot state.
 * @page: the page; @zone: the zone it belongs to.
 *
 * A booting page has no flags but its zone, no references, no mappings and
 * no type; memblock_free_all() then hands it to the buddy allocator.
 * Context: machine setup, single-threaded.
 */
void init_page_struct(struct page *page, enum zone_type zone)
{
	page->flags = 0;
	set_page_zone(page, zone);
	INIT_LIST_HEAD(&page->lru);
	page->mapping = 0;
	page->index = 0;
	page->private = 0;
	page->_mapcount = -1;
	page->_refcount = 0;
	page->page_type = PAGE_TYPE_NONE;
}
