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
typedef bool (*lru_page_fn)(struct page *page, enum lru_list lru, void *arg);
bool __lruvec_valid(struct lruvec *lruvec, lru_page_fn fn, void *arg, char *msg, size_t len);
bool lruvec_valid(struct lruvec *lruvec, char *msg, size_t len);
bool lruvec_ends_valid(struct lruvec *lruvec, char *msg, size_t len);

#endif /* PAGELAB_LRU_H */
