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

/* The first tail's view of the folio's mappings, from its pages' counts. */
static bool folio_mapcounts_valid(const struct page *head, unsigned long nr, char *msg,
				  size_t len)
{
	long ptes = 0, pages_mapped = 0;

	for (unsigned long i = 0; i < nr; i++) {
		int mapcount = page_mapcount(head + i);

		if (mapcount < 0)
			return validation_failed(msg, len, "pfn %#lx of folio %#lx: mapcount %d",
						 page_to_pfn(head + i), page_to_pfn(head), mapcount);
		ptes += mapcount;
		pages_mapped += mapcount > 0;
	}
	if (folio_entire_mapcount(head) < 0 ||
	    folio_large_mapcount(head) != ptes + folio_entire_mapcount(head))
		return validation_failed(msg, len, "folio %#lx: large mapcount %d but %ld PTE and "
					 "%d entire mappings", page_to_pfn(head),
					 folio_large_mapcount(head), ptes,
					 folio_entire_mapcount(head));
	if (READ_ONCE(head[1]._nr_pages_mapped) !=
	    pages_mapped + (folio_entire_mapcount(head) ? ENTIRELY_MAPPED : 0))
		return validation_failed(msg, len, "folio %#lx: nr_pages_mapped %#x but %ld pages "
					 "mapped and %d entire mappings", page_to_pfn(head),
					 READ_ONCE(head[1]._nr_pages_mapped), pages_mapped,
					 folio_entire_mapcount(head));
	if (folio_large_mapcount(head) > page_ref_count(head))
		return validation_failed(msg, len, "folio %#lx: %d mappings but %d references",
					 page_to_pfn(head), folio_large_mapcount(head),
					 page_ref_count(head));
	return true;
}

/**
 * compound_page_valid() - is the allocated block of @order at @head a
 * well-formed compound page?
 * @head: the block's first page; @order: its order (from page_owner).
 * @msg: receives the reason; @len: its size.
 *
 * The head is PG_head and no tail, the first tail holds @order, every tail
 * points at @head, has mapping TAIL_MAPPING, no references, no type, and
 * is neither a head nor a buddy or LRU page; the folio's map counts agree
 * with its pages' (entire + per-page = large mapcount, nr_pages_mapped
 * the pages mapped) and its references cover its mappings.
 * Context: the caller holds a reference or the machine is quiescent.
 * Return: true if it is, else false with @msg set.
 */
bool compound_page_valid(const struct page *head, unsigned int order, char *msg, size_t len)
{
	unsigned long nr = 1UL << order;

	if (!PageHead(head) || PageTail(head) || !order)
		return validation_failed(msg, len, "pfn %#lx: order-%u block with head=%d tail=%d",
					 page_to_pfn(head), order, PageHead(head), PageTail(head));
	if (folio_order(head) != order)
		return validation_failed(msg, len, "folio %#lx: order %u in its first tail, "
					 "allocated as order %u", page_to_pfn(head),
					 folio_order(head), order);
	for (unsigned long i = 1; i < nr; i++) {
		const struct page *tail = head + i;

		if (compound_head(tail) != head || !(READ_ONCE(tail->compound_head) & 1) ||
		    READ_ONCE(tail->mapping) != TAIL_MAPPING ||
		    page_ref_count(tail) || page_has_type(tail) || PageHead(tail) ||
		    PageLRU(tail))
			return validation_failed(msg, len, "folio %#lx: bad tail %#lx (head %#lx "
						 "mapping %#lx refcount %d type %#x)",
						 page_to_pfn(head), page_to_pfn(tail),
						 page_to_pfn(compound_head(tail)),
						 READ_ONCE(tail->mapping), page_ref_count(tail),
						 READ_ONCE(tail->page_type));
	}
	return folio_mapcounts_valid(head, nr, msg, len);
}
