/* SPDX-License-Identifier: MIT */
/*
 * vmstat.h - event counters and zone statistics with /proc/vmstat names.
 *
 * Zone statistics (NR_FREE_PAGES, ...) and node statistics (NR_ANON_MAPPED,
 * the LRU sizes, ...) are kept as the kernel keeps them: an atomic long in
 * struct zone / pglist_data plus a small diff per cpu. A change goes to
 * the changing cpu's diff, and once the diff passes the zone's
 * stat_threshold it is folded into the atomic, so cpus changing the same
 * counter do not pull one cache line back and forth. Deviation:
 * zone_page_state() and node_page_state() add the cpus' diffs to the
 * atomic (the kernel's *_snapshot() readers), so every reader, the
 * invariant checker and `expect` included, sees the exact value whenever
 * no change is in flight; the kernel's plain readers accept the drift.
 * Several threads may simulate one cpu, so the diffs are atomics too.
 * Events (pgalloc_normal, pgfree, ...) are per-cpu counters bumped at the
 * event site with count_vm_event(); a read sums the cpus.
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
	THP_FAULT_ALLOC,
	THP_FAULT_FALLBACK,
	THP_FAULT_FALLBACK_CHARGE,
	THP_COLLAPSE_ALLOC,
	THP_COLLAPSE_ALLOC_FAILED,
	THP_FILE_ALLOC,	/* THP_FILE_* .. THP_FILE_MAPPED: never counted (no shmem THPs) */
	THP_FILE_FALLBACK,
	THP_FILE_FALLBACK_CHARGE,
	THP_FILE_MAPPED,
	THP_SPLIT_PAGE,
	THP_SPLIT_PAGE_FAILED,
	THP_DEFERRED_SPLIT_PAGE,
	THP_UNDERUSED_SPLIT_PAGE,
	THP_SPLIT_PMD,
	THP_SCAN_EXCEED_NONE_PTE,
	THP_SCAN_EXCEED_SWAP_PTE,	/* never counted: pagelab has no swap */
	THP_SCAN_EXCEED_SHARED_PTE,
	THP_SPLIT_PUD,	/* never counted: no PUD mappings */
	THP_ZERO_PAGE_ALLOC,
	THP_ZERO_PAGE_ALLOC_FAILED,
	THP_SWPOUT,	/* THP_SWPOUT*: never counted (no swap) */
	THP_SWPOUT_FALLBACK,
	BALLOON_INFLATE,
	BALLOON_DEFLATE,
	BALLOON_MIGRATE,
	KSM_SWPIN_COPY,		/* never counted: pagelab has no swap */
	COW_KSM,
	NR_VM_EVENT_ITEMS
};

#define VM_EVENT_CPUS_CAP NR_CPUS_CAP

/*
 * struct vm_event_state - one cpu's event counters, on cache lines of
 * their own (the kernel's per-cpu vm_event_states): a cpu counting its
 * events must not take away a line another cpu reads or counts on.
 */
struct vm_event_state {
	long event[NR_VM_EVENT_ITEMS];
} __cacheline_aligned;

extern struct vm_event_state vm_event_states[VM_EVENT_CPUS_CAP];

extern __thread int cpu_number;		/* core/cpu.c; -1 until first use */
int smp_processor_id_slow(void);

/*
 * smp_processor_id() - the simulated CPU of the calling thread (see
 * core/cpu.c), inline because every counter update asks for it.
 * Context: any thread. Return: a CPU id below nr_cpu_ids.
 */
static inline int smp_processor_id(void)
{
	int cpu = cpu_number;

	if (likely((unsigned int)cpu < nr_cpu_ids))
		return cpu;
	return smp_processor_id_slow();
}

static inline void count_vm_events(enum vm_event_item item, long delta)
{
	__atomic_fetch_add(&vm_event_states[smp_processor_id()].event[item], delta,
			   __ATOMIC_RELAXED);
}

static inline void count_vm_event(enum vm_event_item item)
{
	count_vm_events(item, 1);
}
#define __count_vm_event count_vm_event
#define __count_vm_events count_vm_events

/*
 * Add @delta to a counter whose exact value is *@global plus every cpu's
 * *@diff: to this cpu's diff while it stays within @threshold, else
 * folded, diff and all, into *@global.
 */
static inline void mod_state(long *global, int *diff, int threshold, long delta)
{
	int x;

	if (delta > threshold || delta < -threshold) {
		__atomic_fetch_add(global, delta, __ATOMIC_RELAXED);
		return;
	}
	x = __atomic_add_fetch(diff, (int)delta, __ATOMIC_RELAXED);
	if (x > threshold || x < -threshold)
		__atomic_fetch_add(global, __atomic_exchange_n(diff, 0, __ATOMIC_RELAXED),
				   __ATOMIC_RELAXED);
}

/**
 * mod_zone_page_state() - add @delta to a zone statistic, through this
 * cpu's diff (see the top of this file).
 * Context: any; lockless.
 */
static inline void mod_zone_page_state(struct zone *zone, enum zone_stat_item item,
				       long delta)
{
	mod_state(&zone->vm_stat[item],
		  &zone->per_cpu_zonestats[smp_processor_id()].vm_stat_diff[item],
		  READ_ONCE(zone->stat_threshold), delta);
}
#define __mod_zone_page_state mod_zone_page_state

/**
 * mod_node_page_state() - add @delta to a node statistic, through this
 * cpu's diff, with the threshold of the node's zone.
 * Context: any; lockless.
 */
static inline void mod_node_page_state(struct pglist_data *pgdat,
				       enum node_stat_item item, long delta)
{
	mod_state(&pgdat->vm_stat[item],
		  &pgdat->per_cpu_nodestats[smp_processor_id()].vm_node_stat_diff[item],
		  READ_ONCE(pgdat->node_zones[ZONE_NORMAL].stat_threshold), delta);
}
#define __mod_node_page_state mod_node_page_state

long zone_page_state(const struct zone *zone, enum zone_stat_item item);
long node_page_state(const struct pglist_data *pgdat, enum node_stat_item item);
void refresh_zone_stat_thresholds(void);
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
