/* SPDX-License-Identifier: MIT */
/*
 * page.c - struct page life-cycle helpers: boot-time initialisation and
 * the final put that returns a page to the allocator.
 */
#include "internal.h"

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

/**
 * put_page() - drop a reference to an order-0 page; free it on the last.
 * @page: a page with a reference held by the caller.
 *
 * Context: any thread, no locks needed; may take pcp and zone locks.
 */
void put_page(struct page *page)
{
	VM_BUG_ON_PAGE(page_ref_count(page) <= 0, page);
	if (page_ref_dec_and_test(page))
		free_unref_page(page, 0);
}
