/* SPDX-License-Identifier: MIT */
/*
 * core.h - the ground every other layer stands on: struct page and its
 * flags, the locks and lockdep, the assertion tiers, page_owner, the arena
 * and the machine's globals, and the write side of the counters and of the
 * trace. Declarations are grouped by the file that defines them. Nothing
 * here calls into a subsystem (docs/design.md draws the layers).
 */
#ifndef PAGELAB_CORE_H
#define PAGELAB_CORE_H

#include <errno.h>
#include "core/compiler.h"
#include "core/debug.h"
#include "core/list.h"
#include "core/lock.h"
#include "core/page.h"
#include "core/slab.h"
#include "core/machine.h"
#include "core/mmzone.h"
#include "core/gfp.h"
#include "core/vmstat.h"

/* core/arena.c */
int arena_create(uint64_t bytes, int memfd);
void arena_destroy(void);
void memmap_populate(unsigned long start_pfn, unsigned long end_pfn);

/* core/cpu.c */
int cpu_bind_current(unsigned int cpu);

/*
 * Per-thread task flags (the kernel's current->flags). PF_MEMALLOC: the
 * thread is allocating in order to make memory available (direct
 * compaction). Such a thread never sleeps on a page lock: the page it
 * would wait for may be locked by this very thread further up its stack
 * (lock_page() checks it in debug builds; migration only trylocks), and it
 * does not recurse into direct compaction.
 */
#define PF_MEMALLOC	0x00000800U
extern __thread unsigned int current_flags;

/* Set PF_MEMALLOC; returns the previous state for memalloc_noreclaim_restore(). */
static inline unsigned int memalloc_noreclaim_save(void)
{
	unsigned int old = current_flags & PF_MEMALLOC;

	current_flags |= PF_MEMALLOC;
	return old;
}

static inline void memalloc_noreclaim_restore(unsigned int flags)
{
	current_flags = (current_flags & ~PF_MEMALLOC) | flags;
}

/* core/page.c */
void init_page_struct(struct page *page, enum zone_type zone);
bool compound_page_valid(const struct page *head, unsigned int order, char *msg, size_t len);

/* core/debug.c */
char *format_page_flags(unsigned long flags, char *buf, size_t len);

/* core/page_owner.c */
int page_owner_init(void);
void page_owner_exit(void);
void set_page_owner(struct page *page, unsigned int order, gfp_t gfp);
void reset_page_owner(struct page *page, unsigned int order);
int page_owner_order(const struct page *page);
int page_owner_migratetype(const struct page *page);

/* core/page_lock.c */
void lock_page(struct page *page);
void lock_isolated_page(struct page *page);
bool trylock_page(struct page *page);
void unlock_page(struct page *page);
void wait_on_page_locked(struct page *page);
void softleaf_entry_wait_on_locked(struct page *page, spinlock_t *ptl);

/* core/trace.c */
int trace_open(const char *path);
void trace_close(void);
bool trace_enabled(void);
void trace_event(const char *event, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* PAGELAB_CORE_H */
