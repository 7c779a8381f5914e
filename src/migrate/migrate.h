/* SPDX-License-Identifier: MIT */
/*
 * migrate.h - page migration: moving a page's contents and every mapping
 * of it to another frame (mm/migrate.c), for LRU pages and for pages whose
 * owner registered movable_operations.
 */
#ifndef PAGELAB_MIGRATE_H
#define PAGELAB_MIGRATE_H

#include "vm/mm.h"

enum migrate_mode {
	MIGRATE_ASYNC,		/* never block */
	MIGRATE_SYNC_LIGHT,	/* may block, but not on writeback */
	MIGRATE_SYNC,		/* may block */
};

enum migrate_reason {
	MR_COMPACTION,
	MR_MEMORY_FAILURE,
	MR_MEMORY_HOTPLUG,
	MR_SYSCALL,		/* also applies to cpusets */
	MR_MEMPOLICY_MBIND,
	MR_NUMA_MISPLACED,
	MR_CONTIG_RANGE,
	MR_LONGTERM_PIN,
	MR_DEMOTION,
	MR_DAMON,
	MR_TYPES
};

extern const char *const migrate_mode_names[];
extern const char *const migrate_reason_names[MR_TYPES];

#define NR_MAX_BATCHED_MIGRATION	512
#define NR_MAX_MIGRATE_PAGES_RETRY	10
#define NR_MAX_MIGRATE_ASYNC_RETRY	3
#define NR_MAX_MIGRATE_SYNC_RETRY	(NR_MAX_MIGRATE_PAGES_RETRY - NR_MAX_MIGRATE_ASYNC_RETRY)

typedef struct page *new_folio_t(struct page *src, unsigned long private);
typedef void free_folio_t(struct page *dst, unsigned long private);

/*
 * struct movable_operations - how the migration core moves a page it does
 * not own (a driver's page that is on no LRU list). One table per page
 * type, registered with set_movable_ops().
 *
 * @isolate_page: called with the page locked and a reference held; return
 *     true if the page can be moved now. The core then owns page->lru.
 * @migrate_page: called with both pages locked; move contents and the
 *     driver's bookkeeping from @src to @dst, take the driver's reference on
 *     @dst and drop it on @src. Return 0, -EAGAIN for a transient failure
 *     (retried), or another errno for a permanent one (the page is put back).
 *     It must not touch src->lru; @dst is on no list, so the owner may link
 *     dst->lru into its own (the balloon does).
 * @putback_page: migration gave up; called with the page locked.
 */
typedef unsigned int isolate_mode_t;
struct movable_operations {
	bool (*isolate_page)(struct page *page, isolate_mode_t mode);
	int (*migrate_page)(struct page *dst, struct page *src, enum migrate_mode mode);
	void (*putback_page)(struct page *page);
};

/* migrate/movable_ops.c */
int set_movable_ops(const struct movable_operations *ops, enum pagetype type);
bool isolate_movable_ops_page(struct page *page, isolate_mode_t mode);
int migrate_movable_ops_page(struct page *dst, struct page *src, enum migrate_mode mode);
void putback_movable_ops_page(struct page *page);

/* migrate/migrate.c */
int migrate_pages(struct list_head *from, new_folio_t get_new_folio,
		  free_folio_t put_new_folio, unsigned long private,
		  enum migrate_mode mode, int reason, unsigned int *ret_succeeded);
void putback_movable_pages(struct list_head *l);
bool isolate_folio_to_list(struct page *page, struct list_head *list);
struct page *alloc_migration_target(struct page *src, unsigned long private);

/* migrate/move_pages.c */
struct mm_struct;
long move_pages_range(struct mm_struct *mm, unsigned long start, unsigned long nr_pages,
		      int *status);

#endif /* PAGELAB_MIGRATE_H */
