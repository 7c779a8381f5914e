/* SPDX-License-Identifier: MIT */
/*
 * internal.h - declarations shared across pagelab's subsystems, grouped by
 * the file that defines them (kernel: mm/internal.h). Subsystem-private
 * declarations live beside their .c files (alloc/alloc_internal.h).
 */
#ifndef PAGELAB_INTERNAL_H
#define PAGELAB_INTERNAL_H

#include <errno.h>
#include "core/compiler.h"
#include "core/debug.h"
#include "core/list.h"
#include "core/lock.h"
#include "core/page.h"
#include "core/machine.h"
#include "alloc/mmzone.h"
#include "alloc/gfp.h"
#include "stats/vmstat.h"

/* core/arena.c */
int arena_create(uint64_t bytes, int memfd);
void arena_destroy(void);

/* core/machine.c */
struct machine_config {
	uint64_t memory_bytes;
	unsigned int cpus, max_order, pageblock_order;
	bool deterministic;	/* daemons run as steps on the caller's thread */
	/* the in-process balloon host offers free page reporting */
	bool balloon_free_page_reporting;
};
int machine_validate_config(const struct machine_config *cfg, char *msg, size_t len);
int machine_init(const struct machine_config *cfg);
void machine_exit(void);
bool machine_exists(void);

/* core/cpu.c */
int cpu_bind_current(unsigned int cpu);

/* core/page.c */
void init_page_struct(struct page *page, enum zone_type zone);

/* core/debug.c */
char *format_page_flags(unsigned long flags, char *buf, size_t len);

/* core/page_owner.c */
int page_owner_init(void);
void page_owner_exit(void);
void set_page_owner(struct page *page, unsigned int order, gfp_t gfp);
void reset_page_owner(struct page *page, unsigned int order);
int page_owner_order(const struct page *page);

/* core/page_lock.c */
void lock_page(struct page *page);
bool trylock_page(struct page *page);
void unlock_page(struct page *page);
void wait_on_page_locked(struct page *page);
void softleaf_entry_wait_on_locked(struct page *page, spinlock_t *ptl);

/* alloc/page_alloc.c */
/*
 * struct notifier_block - one entry of a notifier chain (OOM notifiers).
 * @notifier_call: called with the chain's data; returns NOTIFY_*.
 * @priority: higher is called first.
 */
struct notifier_block {
	int (*notifier_call)(struct notifier_block *nb, unsigned long action, void *data);
	struct notifier_block *next;
	int priority;
};
#define NOTIFY_DONE	0x0000
#define NOTIFY_OK	0x0001
int register_oom_notifier(struct notifier_block *nb);
int unregister_oom_notifier(struct notifier_block *nb);
void zone_init_free_lists(struct zone *zone);
void memblock_free_all(void);
struct page *alloc_pages(gfp_t gfp, unsigned int order);
void __free_pages(struct page *page, unsigned int order);
void free_unref_page(struct page *page, unsigned int order);
int find_suitable_fallback(struct free_area *area, unsigned int order,
			   int migratetype, bool claimable);
bool zone_watermark_ok(struct zone *z, unsigned int order, unsigned long mark,
		       int highest_zoneidx, unsigned int alloc_flags);

/* alloc/pcp.c */
int setup_zone_pageset(struct zone *zone);
void free_zone_pageset(struct zone *zone);
void drain_local_pages(struct zone *zone);
void drain_all_pages(struct zone *zone);

/* alloc/pageblock.c */
int pageblock_flags_alloc(struct zone *zone);
void pageblock_flags_free(struct zone *zone);
int get_pageblock_migratetype(const struct page *page);
void set_pageblock_migratetype(struct page *page, int migratetype);
bool get_pageblock_skip(const struct page *page);
void set_pageblock_skip(struct page *page);
void clear_pageblock_skip(struct page *page);

/* alloc/watermark.c */
extern int min_free_kbytes;
extern int watermark_scale_factor;
int sysctl_min_free_kbytes_set(long value);
int sysctl_watermark_scale_factor_set(long value);
void init_per_zone_wmark_min(void);
void setup_per_zone_wmarks(void);

/* lru/lru.c */
void put_page(struct page *page);
void lruvec_init(struct lruvec *lruvec);
void folio_add_lru(struct page *page);
bool folio_isolate_lru(struct page *page);
void folio_putback_lru(struct page *page);
void folio_activate(struct page *page);
void page_cache_release(struct page *page);

/* stats/trace.c */
int trace_open(const char *path);
void trace_close(void);
bool trace_enabled(void);
void trace_event(const char *event, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* stats/invariants.c */
int check_invariants(char *msg, size_t len);

#endif /* PAGELAB_INTERNAL_H */
