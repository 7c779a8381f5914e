/* SPDX-License-Identifier: MIT */
/*
 * vmstat.c - /proc/vmstat: the counters' kernel names, in the kernel's
 * order, their sums over zones and cpus, and the text format.
 */
#include <string.h>
#include "core/core.h"

struct vm_event_state vm_event_states[VM_EVENT_CPUS_CAP];

static const char *const zone_stat_names[NR_VM_ZONE_STAT_ITEMS] = {
	[NR_FREE_PAGES] = "nr_free_pages",
	[NR_ZONE_INACTIVE_ANON] = "nr_zone_inactive_anon",
	[NR_ZONE_ACTIVE_ANON] = "nr_zone_active_anon",
	[NR_ZONE_INACTIVE_FILE] = "nr_zone_inactive_file",
	[NR_ZONE_ACTIVE_FILE] = "nr_zone_active_file",
	[NR_ZONE_UNEVICTABLE] = "nr_zone_unevictable",
	[NR_ZONE_WRITE_PENDING] = "nr_zone_write_pending",
	[NR_MLOCK] = "nr_mlock",
	[NR_BOUNCE] = "nr_bounce",
	[NR_FREE_CMA_PAGES] = "nr_free_cma",
};

static const char *const node_stat_names[NR_VM_NODE_STAT_ITEMS] = {
	[NR_INACTIVE_ANON] = "nr_inactive_anon",
	[NR_ACTIVE_ANON] = "nr_active_anon",
	[NR_INACTIVE_FILE] = "nr_inactive_file",
	[NR_ACTIVE_FILE] = "nr_active_file",
	[NR_UNEVICTABLE] = "nr_unevictable",
	[NR_ISOLATED_ANON] = "nr_isolated_anon",
	[NR_ISOLATED_FILE] = "nr_isolated_file",
	[NR_ANON_MAPPED] = "nr_anon_pages",
	[NR_FILE_MAPPED] = "nr_mapped",
	[NR_FILE_PAGES] = "nr_file_pages",
	[NR_SHMEM] = "nr_shmem",
	[NR_ANON_THPS] = "nr_anon_transparent_hugepages",
	[NR_PAGETABLE] = "nr_page_table_pages",
	[NR_HUGETLB] = "nr_hugetlb",
	[NR_BALLOON_PAGES] = "nr_balloon_pages",
};

static const char *const vm_event_names[NR_VM_EVENT_ITEMS] = {
	[PGALLOC_NORMAL] = "pgalloc_normal",
	[ALLOCSTALL_NORMAL] = "allocstall_normal",
	[PGFREE] = "pgfree",
	[PGACTIVATE] = "pgactivate",
	[PGDEACTIVATE] = "pgdeactivate",
	[PGFAULT] = "pgfault",
	[PGMAJFAULT] = "pgmajfault",
	[PGREUSE] = "pgreuse",
	[PGMIGRATE_SUCCESS] = "pgmigrate_success",
	[PGMIGRATE_FAIL] = "pgmigrate_fail",
	[THP_MIGRATION_SUCCESS] = "thp_migration_success",
	[THP_MIGRATION_FAIL] = "thp_migration_fail",
	[THP_MIGRATION_SPLIT] = "thp_migration_split",
	[COMPACTMIGRATE_SCANNED] = "compact_migrate_scanned",
	[COMPACTFREE_SCANNED] = "compact_free_scanned",
	[COMPACTISOLATED] = "compact_isolated",
	[COMPACTSTALL] = "compact_stall",
	[COMPACTFAIL] = "compact_fail",
	[COMPACTSUCCESS] = "compact_success",
	[KCOMPACTD_WAKE] = "compact_daemon_wake",
	[KCOMPACTD_MIGRATE_SCANNED] = "compact_daemon_migrate_scanned",
	[KCOMPACTD_FREE_SCANNED] = "compact_daemon_free_scanned",
	[HTLB_BUDDY_PGALLOC] = "htlb_buddy_alloc_success",
	[HTLB_BUDDY_PGALLOC_FAIL] = "htlb_buddy_alloc_fail",
	[THP_FAULT_ALLOC] = "thp_fault_alloc",
	[THP_FAULT_FALLBACK] = "thp_fault_fallback",
	[THP_FAULT_FALLBACK_CHARGE] = "thp_fault_fallback_charge",
	[THP_COLLAPSE_ALLOC] = "thp_collapse_alloc",
	[THP_COLLAPSE_ALLOC_FAILED] = "thp_collapse_alloc_failed",
	[THP_FILE_ALLOC] = "thp_file_alloc",
	[THP_FILE_FALLBACK] = "thp_file_fallback",
	[THP_FILE_FALLBACK_CHARGE] = "thp_file_fallback_charge",
	[THP_FILE_MAPPED] = "thp_file_mapped",
	[THP_SPLIT_PAGE] = "thp_split_page",
	[THP_SPLIT_PAGE_FAILED] = "thp_split_page_failed",
	[THP_DEFERRED_SPLIT_PAGE] = "thp_deferred_split_page",
	[THP_UNDERUSED_SPLIT_PAGE] = "thp_underused_split_page",
	[THP_SPLIT_PMD] = "thp_split_pmd",
	[THP_SCAN_EXCEED_NONE_PTE] = "thp_scan_exceed_none_pte",
	[THP_SCAN_EXCEED_SWAP_PTE] = "thp_scan_exceed_swap_pte",
	[THP_SCAN_EXCEED_SHARED_PTE] = "thp_scan_exceed_share_pte",
	[THP_SPLIT_PUD] = "thp_split_pud",
	[THP_ZERO_PAGE_ALLOC] = "thp_zero_page_alloc",
	[THP_ZERO_PAGE_ALLOC_FAILED] = "thp_zero_page_alloc_failed",
	[THP_SWPOUT] = "thp_swpout",
	[THP_SWPOUT_FALLBACK] = "thp_swpout_fallback",
	[BALLOON_INFLATE] = "balloon_inflate",
	[BALLOON_DEFLATE] = "balloon_deflate",
	[BALLOON_MIGRATE] = "balloon_migrate",
	[KSM_SWPIN_COPY] = "ksm_swpin_copy",
	[COW_KSM] = "cow_ksm",
};

/** zone_stat_name() - @item's /proc/vmstat name. Context: any. */
const char *zone_stat_name(enum zone_stat_item item)
{
	return zone_stat_names[item];
}

/** node_stat_name() - @item's /proc/vmstat name. Context: any. */
const char *node_stat_name(enum node_stat_item item)
{
	return node_stat_names[item];
}

/**
 * zone_page_state() - the exact value of a zone statistic: the folded
 * part plus every cpu's diff (the kernel's zone_page_state_snapshot()).
 * Context: any; lockless, so a change in flight may or may not be seen.
 * Return: the value.
 */
long zone_page_state(const struct zone *zone, enum zone_stat_item item)
{
	long x = __atomic_load_n(&zone->vm_stat[item], __ATOMIC_RELAXED);

	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++)
		x += __atomic_load_n(&zone->per_cpu_zonestats[cpu].vm_stat_diff[item],
				     __ATOMIC_RELAXED);
	return x;
}

/**
 * node_page_state() - the exact value of a node statistic, as
 * zone_page_state() (the kernel's node_page_state_snapshot()).
 * Context: any; lockless. Return: the value.
 */
long node_page_state(const struct pglist_data *pgdat, enum node_stat_item item)
{
	long x = __atomic_load_n(&pgdat->vm_stat[item], __ATOMIC_RELAXED);

	for (unsigned int cpu = 0; cpu < nr_cpu_ids; cpu++)
		x += __atomic_load_n(&pgdat->per_cpu_nodestats[cpu].vm_node_stat_diff[item],
				     __ATOMIC_RELAXED);
	return x;
}

static int fls_ul(unsigned long x)
{
	return x ? BITS_PER_LONG - __builtin_clzl(x) : 0;
}

/**
 * refresh_zone_stat_thresholds() - set each zone's stat_threshold by the
 * kernel's rule for a zone under no memory pressure
 * (calculate_normal_threshold()): 2 * fls(cpus) * (1 + fls(the zone's
 * memory in 128 MiB units)), at most 125 (24 for 2 cpus and 2 GiB).
 * Context: machine boot, and once deferred struct page init is done;
 * allocators read the threshold locklessly.
 */
void refresh_zone_stat_thresholds(void)
{
	struct zone *zone;

	for_each_populated_zone(zone) {
		unsigned long mem = zone_managed_pages(zone) >> (27 - PAGE_SHIFT);
		int threshold = 2 * fls_ul(nr_cpu_ids) * (1 + fls_ul(mem));

		WRITE_ONCE(zone->stat_threshold, min(threshold, 125));
	}
}

/**
 * global_zone_page_state() - a zone statistic summed over all zones.
 * Context: any; lockless (each zone's value is read as zone_page_state()).
 */
long global_zone_page_state(enum zone_stat_item item)
{
	struct zone *zone;
	long sum = 0;

	for_each_populated_zone(zone)
		sum += zone_page_state(zone, item);
	return sum;
}

/**
 * vm_event_sum() - an event counter summed over all cpus.
 * Context: any; lockless, so a concurrent event may or may not be counted.
 */
long vm_event_sum(enum vm_event_item item)
{
	long sum = 0;

	for (int cpu = 0; cpu < VM_EVENT_CPUS_CAP; cpu++)
		sum += __atomic_load_n(&vm_event_states[cpu].event[item], __ATOMIC_RELAXED);
	return sum;
}

/** vm_events_reset() - zero every event counter. Context: machine boot. */
void vm_events_reset(void)
{
	memset(vm_event_states, 0, sizeof(vm_event_states));
}

/*
 * A node statistic as /proc/vmstat prints it: the THP counts are kept in
 * base pages and shown in PMD-sized huge pages (the kernel's
 * vmstat_item_print_in_thp()).
 */
static long node_stat_shown(enum node_stat_item item)
{
	long v = node_page_state(&contig_page_data, item);

	return item == NR_ANON_THPS ? v >> (21 - PAGE_SHIFT) : v;
}

/**
 * vmstat_snapshot() - read every counter, in /proc/vmstat order.
 * Context: any; lockless. Return: the number of entries written to @out.
 */
int vmstat_snapshot(struct vmstat_entry *out, int max)
{
	int n = 0;

	for (int i = 0; i < NR_VM_ZONE_STAT_ITEMS && n < max; i++)
		out[n++] = (struct vmstat_entry){ zone_stat_names[i], global_zone_page_state(i) };
	for (int i = 0; i < NR_VM_NODE_STAT_ITEMS && n < max; i++)
		out[n++] = (struct vmstat_entry){ node_stat_names[i], node_stat_shown(i) };
	for (int i = 0; i < NR_VM_EVENT_ITEMS && n < max; i++)
		out[n++] = (struct vmstat_entry){ vm_event_names[i], vm_event_sum(i) };
	return n;
}

/* Index of @name in @names[@n], or -1. */
static int name_index(const char *const *names, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

/**
 * vmstat_read() - read one counter by name: only that counter is summed
 * (a snapshot of all of them sums every event over every cpu).
 * Context: any; lockless. Return: 0 with *@value set, or -ENOENT.
 */
int vmstat_read(const char *name, long *value)
{
	int i = name_index(zone_stat_names, NR_VM_ZONE_STAT_ITEMS, name);

	if (i >= 0) {
		*value = global_zone_page_state(i);
		return 0;
	}
	i = name_index(node_stat_names, NR_VM_NODE_STAT_ITEMS, name);
	if (i >= 0) {
		*value = node_stat_shown(i);
		return 0;
	}
	i = name_index(vm_event_names, NR_VM_EVENT_ITEMS, name);
	if (i >= 0) {
		*value = vm_event_sum(i);
		return 0;
	}
	return -ENOENT;
}

/**
 * vmstat_name_known() - is @name a /proc/vmstat counter of this build?
 * Context: any, also before a machine exists; reads no counter.
 */
bool vmstat_name_known(const char *name)
{
	return name_index(zone_stat_names, NR_VM_ZONE_STAT_ITEMS, name) >= 0 ||
	       name_index(node_stat_names, NR_VM_NODE_STAT_ITEMS, name) >= 0 ||
	       name_index(vm_event_names, NR_VM_EVENT_ITEMS, name) >= 0;
}

/** vmstat_show() - print /proc/vmstat: one "name value" line per counter. */
void vmstat_show(FILE *out)
{
	struct vmstat_entry e[VMSTAT_MAX_ENTRIES];
	int n = vmstat_snapshot(e, VMSTAT_MAX_ENTRIES);

	for (int i = 0; i < n; i++)
		fprintf(out, "%s %ld\n", e[i].name, e[i].value);
}
