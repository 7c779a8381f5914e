/* SPDX-License-Identifier: MIT */
/*
 * compact_internal.h - compaction's private state (kernel: the
 * compact_control part of mm/internal.h): one run of the two scanners over
 * a zone, for compaction.c, kcompactd.c and compaction's own tests.
 */
#ifndef PAGELAB_COMPACT_INTERNAL_H
#define PAGELAB_COMPACT_INTERNAL_H

#include "compact/compaction.h"
#include "migrate/migrate.h"

/*
 * struct compact_control - one compaction run over one zone.
 * The lists and counters belong to the compacting thread alone.
 */
struct compact_control {
	struct list_head freepages[NR_PAGE_ORDERS_CAP];	/* isolated free blocks by order */
	struct list_head migratepages;			/* isolated pages to move */
	unsigned int nr_freepages;			/* pages on freepages[] */
	unsigned int nr_migratepages;
	unsigned long free_pfn;				/* free scanner, walking down */
	unsigned long migrate_pfn;			/* migrate scanner, walking up */
	struct zone *zone;
	unsigned long total_migrate_scanned;
	unsigned long total_free_scanned;
	gfp_t gfp_mask;
	int order;			/* -1: compact everything (compact_memory) */
	int migratetype;
	unsigned int alloc_flags;
	enum migrate_mode mode;
	bool ignore_skip_hint;
	bool no_set_skip_hint;
	bool ignore_block_suitable;
	bool direct_compaction;
	bool proactive_compaction;
	bool whole_zone;
	bool contended;
	bool finish_pageblock;
};

enum compact_result compact_zone(struct compact_control *cc, struct capture_control *capc);

#endif /* PAGELAB_COMPACT_INTERNAL_H */
