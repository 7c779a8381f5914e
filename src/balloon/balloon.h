/* SPDX-License-Identifier: MIT */
/*
 * balloon.h - the memory balloon core (mm/balloon.c): pages a balloon
 * driver took away from the guest, kept on a per-device list and movable
 * by compaction through movable_ops. See docs/balloon.md.
 */
#ifndef PAGELAB_BALLOON_H
#define PAGELAB_BALLOON_H

#include "migrate/migrate.h"

/*
 * struct balloon_dev_info - one balloon device's pages.
 * @isolated_pages: pages isolated for migration (off @pages).
 * @pages: inflated pages, linked through page->lru.
 * @migratepage: the driver's hook to tell the host about a migration:
 *     0 (new page inflated, old deflated), -ENOENT (old deflated, new not
 *     inflated), -EAGAIN (retry later), or another error (on which the
 *     driver may have kept the new page in the balloon with a reference of
 *     its own, through balloon_page_enqueue(): migration then only drops
 *     its reference).
 * @adjust_managed_page_count: inflated pages leave the zone's managed
 *     pages (a driver without deflate-on-OOM sets this).
 * All fields are protected by balloon_pages_lock, as is page->private of
 * every balloon page (the device it belongs to, or 0).
 */
struct balloon_dev_info {
	unsigned long isolated_pages;
	struct list_head pages;
	int (*migratepage)(struct balloon_dev_info *b, struct page *newpage,
			   struct page *page, enum migrate_mode mode);
	bool adjust_managed_page_count;
};

void balloon_devinfo_init(struct balloon_dev_info *b);
int balloon_core_init(void);
struct page *balloon_page_alloc(void);
void balloon_page_enqueue(struct balloon_dev_info *b, struct page *page);
size_t balloon_page_list_enqueue(struct balloon_dev_info *b, struct list_head *pages);
size_t balloon_page_list_dequeue(struct balloon_dev_info *b, struct list_head *pages,
				 size_t n_req);
size_t balloon_page_list_take(struct balloon_dev_info *b, struct list_head *pages, size_t n_req);
void balloon_page_list_deflated(size_t n);
size_t balloon_page_list_putback(struct balloon_dev_info *b, struct list_head *pages);
unsigned long balloon_list_pfns(struct balloon_dev_info *b, unsigned long *pfns,
				unsigned long max);
int balloon_devinfo_check(struct balloon_dev_info *b, unsigned long nr_pages, char *msg,
			  size_t len);

#endif /* PAGELAB_BALLOON_H */
