/* SPDX-License-Identifier: MIT */
/*
 * swap.c - dropping page references (kernel: mm/swap.c): the last put of a
 * page takes it off its LRU list, releases its anon_vma or shared mapping
 * and frees it; putting an isolated page back on its list drops the
 * isolation reference the same way.
 */
#include "vm/mm.h"

/**
 * folio_putback_lru() - return an isolated page to its LRU list and drop
 * the isolation reference (which may free the page).
 * Context: takes lru_lock, may take pcp and zone locks; does not sleep.
 */
void folio_putback_lru(struct page *page)
{
	folio_add_lru(page);
	put_page(page);
}

/**
 * put_page() - drop a reference to an order-0 page; the last one takes it
 * off its LRU list, releases its anon_vma and frees it.
 * Context: any thread; takes lru_lock, pcp and zone locks on the last put.
 */
void put_page(struct page *page)
{
	VM_BUG_ON_PAGE(page_ref_count(page) <= 0, page);
	if (!page_ref_dec_and_test(page))
		return;
	page_cache_release(page);
	folio_release_mapping(page);
	free_unref_page(page, 0);
}
