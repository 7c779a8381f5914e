/* SPDX-License-Identifier: MIT */
/*
 * lru.h - the LRU lists (lru/lru.c): one lruvec per node, lists chosen by
 * a page's flags, PG_lru and list membership changed together under the
 * lruvec's lru_lock.
 */
#ifndef PAGELAB_LRU_H
#define PAGELAB_LRU_H

#include "internal.h"

void lruvec_init(struct lruvec *lruvec);
void lruvec_exit(struct lruvec *lruvec);
void folio_add_lru(struct page *page);
bool folio_isolate_lru(struct page *page);
void folio_activate(struct page *page);
void page_cache_release(struct page *page);

#endif /* PAGELAB_LRU_H */
