/* SPDX-License-Identifier: MIT */
/*
 * compaction.h - memory compaction (mm/compaction.c) as the rest of
 * pagelab sees it: the results and priorities, the knobs, direct
 * compaction for the allocator's slow path (the one call that goes up the
 * layers, as in Linux), compacting a node, the fragmentation figures and
 * kcompactd. The scanners' own state is private: compact_internal.h.
 * See docs/compaction.md.
 */
#ifndef PAGELAB_COMPACTION_H
#define PAGELAB_COMPACTION_H

#include "internal.h"

#define COMPACT_CLUSTER_MAX	32
#define COMPACT_MAX_DEFER_SHIFT	6
#define MAX_COMPACT_RETRIES	16

/* In the kernel's order: try_to_compact_pages() returns the maximum. */
enum compact_result {
	COMPACT_NOT_SUITABLE_ZONE,
	COMPACT_SKIPPED,
	COMPACT_DEFERRED,
	COMPACT_NO_SUITABLE_PAGE,
	COMPACT_CONTINUE,
	COMPACT_COMPLETE,
	COMPACT_PARTIAL_SKIPPED,
	COMPACT_CONTENDED,
	COMPACT_SUCCESS,
};
extern const char *const compact_result_names[];

enum compact_priority {
	COMPACT_PRIO_SYNC_FULL,
	MIN_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_FULL,
	COMPACT_PRIO_SYNC_LIGHT,
	MIN_COMPACT_COSTLY_PRIORITY = COMPACT_PRIO_SYNC_LIGHT,
	DEF_COMPACT_PRIORITY = COMPACT_PRIO_SYNC_LIGHT,
	COMPACT_PRIO_ASYNC,
	INIT_COMPACT_PRIORITY = COMPACT_PRIO_ASYNC
};

/* compact/compaction.c */
extern int sysctl_compaction_proactiveness;
extern int sysctl_extfrag_threshold;
extern int sysctl_compact_unevictable_allowed;
int sysctl_compaction_proactiveness_set(long value);
int sysctl_extfrag_threshold_set(long value);
int sysctl_compact_unevictable_allowed_set(long value);

void compaction_sysctl_reset(void);
void compaction_zone_init(struct zone *zone);
enum compact_result try_to_compact_pages(gfp_t gfp, unsigned int order,
					 unsigned int alloc_flags, enum compact_priority prio,
					 struct page **capture);
bool compaction_deferred(struct zone *zone, int order);
void defer_compaction(struct zone *zone, int order);
void compaction_defer_reset(struct zone *zone, int order, bool alloc_success);
enum compact_result compaction_suit_allocation_order(struct zone *zone, unsigned int order,
						     unsigned int alloc_flags);
void compact_node(struct pglist_data *pgdat, bool proactive);
int sysctl_compact_memory(void);
int fragmentation_index(struct zone *zone, unsigned int order);
int unusable_free_index(struct zone *zone, unsigned int order);
unsigned int fragmentation_score_node(struct pglist_data *pgdat);
unsigned int fragmentation_score_wmark(bool low);
unsigned long compaction_max_free_blocks(struct zone *zone);

/* compact/kcompactd.c */
int kcompactd_run(struct pglist_data *pgdat, bool threaded);
void kcompactd_stop(struct pglist_data *pgdat);
void wakeup_kcompactd(struct pglist_data *pgdat, int order, int highest_zoneidx);
void kcompactd_step(struct pglist_data *pgdat, unsigned long elapsed_ms);
void proactive_compact_trigger(struct pglist_data *pgdat);

#endif /* PAGELAB_COMPACTION_H */
