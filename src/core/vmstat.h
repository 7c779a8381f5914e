/* SPDX-License-Identifier: MIT */
/*
 * vmstat.h - event counters and zone statistics with /proc/vmstat names.
 *
 * Zone statistics (NR_FREE_PAGES, ...) and node statistics (NR_ANON_MAPPED,
 * the LRU sizes, ...) are atomic longs in struct zone / pglist_data,
 * changed where the state changes and readable without locks. Events (pgalloc_normal, pgfree, ...) are per-cpu counters
 * bumped at the event site with count_vm_event(); a read sums the cpus.
 */
#ifndef PAGELAB_VMSTAT_H
#define PAGELAB_VMSTAT_H

#include <stdio.h>
#include "core/mmzone.h"

/* In /proc/vmstat order; add new events at their kernel position. */
enum vm_event_item {
	PGALLOC_NORMAL,
	ALLOCSTALL_NORMAL,
	PGFREE,
	PGACTIVATE,
	PGDEACTIVATE,
	PGFAULT,
	PGMAJFAULT,
	PGREUSE,
	PGMIGRATE_SUCCESS,
	PGMIGRATE_FAIL,
	THP_MIGRATION_SUCCESS,
	THP_MIGRATION_FAIL,
	THP_MIGRATION_SPLIT,
	COMPACTMIGRATE_SCANNED,
	COMPACTFREE_SCANNED,
	COMPACTISOLATED,
	COMPACTSTALL,
	COMPACTFAIL,
	COMPACTSUCCESS,
	KCOMPACTD_WAKE,
	KCOMPACTD_MIGRATE_SCANNED,
	KCOMPACTD_FREE_SCANNED,
	HTLB_BUDDY_PGALLOC,
	HTLB_BUDDY_PGALLOC_FAIL,
	BALLOON_INFLATE,
	BALLOON_DEFLATE,
	BALLOON_MIGRATE,
	KSM_SWPIN_COPY,		/* never counted: pagelab has no swap */
	COW_KSM,
	NR_VM_EVENT_ITEMS
};

#define VM_EVENT_CPUS_CAP 64
extern long vm_event_states[VM_EVENT_CPUS_CAP][NR_VM_EVENT_ITEMS];

int smp_processor_id(void);

static inline void count_vm_events(enum vm_event_item item, long delta)
{
	__atomic_fetch_add(&vm_event_states[smp_processor_id()][item], delta,
			   __ATOMIC_RELAXED);
}

static inline void count_vm_event(enum vm_event_item item)
{
	count_vm_events(item, 1);
}
#define __count_vm_event count_vm_event
#define __count_vm_events count_vm_events

static inline void mod_zone_page_state(struct zone *zone, enum zone_stat_item item,
				       long delta)
{
	__atomic_fetch_add(&zone->vm_stat[item], delta, __ATOMIC_RELAXED);
}
#define __mod_zone_page_state mod_zone_page_state

static inline long zone_page_state(const struct zone *zone, enum zone_stat_item item)
{
	return __atomic_load_n(&zone->vm_stat[item], __ATOMIC_RELAXED);
}

static inline void mod_node_page_state(struct pglist_data *pgdat,
				       enum node_stat_item item, long delta)
{
	__atomic_fetch_add(&pgdat->vm_stat[item], delta, __ATOMIC_RELAXED);
}
#define __mod_node_page_state mod_node_page_state

static inline long node_page_state(const struct pglist_data *pgdat, enum node_stat_item item)
{
	return __atomic_load_n(&pgdat->vm_stat[item], __ATOMIC_RELAXED);
}

long global_zone_page_state(enum zone_stat_item item);
const char *zone_stat_name(enum zone_stat_item item);
const char *node_stat_name(enum node_stat_item item);
long vm_event_sum(enum vm_event_item item);
void vm_events_reset(void);

/* One /proc/vmstat line. */
struct vmstat_entry {
	const char *name;
	long value;
};

/* Fill @out with every counter, in /proc/vmstat order; returns the count. */
int vmstat_snapshot(struct vmstat_entry *out, int max);
/* Look up one counter by /proc/vmstat name; -ENOENT if there is none. */
int vmstat_read(const char *name, long *value);
#define VMSTAT_MAX_ENTRIES 256

/* True if @name is a counter this build has (usable before a machine exists). */
bool vmstat_name_known(const char *name);

void vmstat_show(FILE *out);		/* /proc/vmstat */

#endif /* PAGELAB_VMSTAT_H */
