/* SPDX-License-Identifier: MIT */
/*
 * swap.c - dropping page references (kernel: mm/swap.c): the last put of a
 * page takes it off its LRU list, releases its anon_vma or shared mapping
 * and frees it; putting an isolated page back on its list drops the
 * isolation reference the same way.
 */
#include "vm/huge_mm.h"
#include "vm/hugetlb.h"
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
 * put_page() - drop a reference to a page; the last one takes it off its
 * LRU list, releases its anon_vma and frees the block it starts, at the
 * block's order.
 * @page: a page the caller holds a reference to; for a page of a compound
 *	page, the reference is its folio's (on the head), and the last one
 *	frees the whole compound page (a hugetlb folio goes back to its pool:
 *	free_huge_folio()).
 *
 * The order matters for speculative references: a scanner that took one
 * with get_page_unless_zero() on a pfn (compaction's migrate scanner,
 * isolate_movable_ops_page()) may find that pfn reallocated as the first
 * page of a higher-order block; if the owner's __free_pages() comes first,
 * the scanner's put_page() is the last put and must free the whole block.
 * A compound page's order is its folio's; a non-compound block's comes
 * from page_owner, which records every live allocation and cannot change
 * while a reference is held.
 * Context: any thread; takes lru_lock, pcp and zone locks on the last put
 * (hugetlb_lock for a hugetlb folio).
 */
void put_page(struct page *page)
{
	int order;

	page = page_folio(page);
	VM_BUG_ON_PAGE(page_ref_count(page) <= 0, page);
	if (!page_ref_dec_and_test(page))
		return;
	if (folio_test_hugetlb(page)) {
		free_huge_folio(page);
		return;
	}
	folio_unqueue_deferred_split(page);
	page_cache_release(page);
	folio_release_mapping(page);
	order = page_owner_order(page);
	VM_BUG_ON_PAGE(order < 0 || (folio_test_large(page) && (int)folio_order(page) != order), page);
	free_unref_page(page, order);
}
