/* SPDX-License-Identifier: MIT */
/*
 * procfs.c - /proc/buddyinfo, /proc/pagetypeinfo, /proc/zoneinfo and
 * /proc/meminfo in the kernel's formats (mm/vmstat.c, fs/proc/meminfo.c),
 * so pagelab's output diffs against a real machine's. zoneinfo and meminfo
 * show only the lines pagelab models (docs/design.md, "Reports"): no CMA,
 * no high_min/high_max (pcp->high is fixed), no vm stats threshold (the
 * counters are exact atomics), no slab, swap or huge page lines.
 */
#include <stdlib.h>
#include <string.h>
#include "machine/machine.h"
#include "vm/hugetlb.h"

#define PAGETYPEINFO_CAP 100000UL

/**
 * buddyinfo_snapshot() - free blocks per order of each populated zone.
 * Context: takes each zone->lock in turn. Return: rows written.
 */
int buddyinfo_snapshot(struct buddyinfo_row *rows, int max)
{
	struct zone *zone;
	int n = 0;

	for_each_populated_zone(zone) {
		if (n == max)
			break;
		rows[n].zone = zone->name;
		rows[n].nr_orders = NR_PAGE_ORDERS;
		spin_lock(&zone->lock);
		for (unsigned int order = 0; order < NR_PAGE_ORDERS; order++)
			rows[n].nr_free[order] = zone->free_area[order].nr_free;
		spin_unlock(&zone->lock);
		n++;
	}
	return n;
}

/** buddyinfo_show() - print /proc/buddyinfo. Context: takes zone->lock. */
void buddyinfo_show(FILE *out)
{
	struct buddyinfo_row rows[MAX_NR_ZONES];
	int n = buddyinfo_snapshot(rows, MAX_NR_ZONES);

	for (int i = 0; i < n; i++) {
		fprintf(out, "Node %d, zone %8s ", 0, rows[i].zone);
		for (unsigned int order = 0; order < rows[i].nr_orders; order++)
			fprintf(out, "%6lu ", rows[i].nr_free[order]);
		fputc('\n', out);
	}
}

static unsigned long free_list_count(struct list_head *list)
{
	unsigned long count = 0;
	struct list_head *pos;

	list_for_each(pos, list)
		if (++count >= PAGETYPEINFO_CAP)
			break;
	return count;
}

static void pagetypeinfo_showfree(FILE *out, struct zone *zone)
{
	for (int mt = 0; mt < MIGRATE_TYPES; mt++) {
		fprintf(out, "Node %4d, zone %8s, type %12s ", 0, zone->name, migratetype_names[mt]);
		spin_lock(&zone->lock);
		for (unsigned int order = 0; order < NR_PAGE_ORDERS; order++) {
			unsigned long count = free_list_count(&zone->free_area[order].free_list[mt]);

			fprintf(out, "%s%6lu ", count >= PAGETYPEINFO_CAP ? ">" : "", count);
		}
		spin_unlock(&zone->lock);
		fputc('\n', out);
	}
}

static void pagetypeinfo_showblockcount(FILE *out, struct zone *zone)
{
	unsigned long count[MIGRATE_TYPES] = { 0 };

	for (unsigned long pfn = zone->zone_start_pfn; pfn < zone_end_pfn(zone);
	     pfn += pageblock_nr_pages)
		count[get_pageblock_migratetype(pfn_to_page(pfn))]++;
	fprintf(out, "Node %d, zone %8s ", 0, zone->name);
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		fprintf(out, "%12lu ", count[mt]);
	fputc('\n', out);
}

/** pagetypeinfo_show() - print /proc/pagetypeinfo. Context: takes zone->lock. */
void pagetypeinfo_show(FILE *out)
{
	struct zone *zone;

	fprintf(out, "Page block order: %d\n", pageblock_order);
	fprintf(out, "Pages per block:  %lu\n", pageblock_nr_pages);
	fputc('\n', out);
	fprintf(out, "%-43s ", "Free pages count per migrate type at order");
	for (unsigned int order = 0; order < NR_PAGE_ORDERS; order++)
		fprintf(out, "%6d ", order);
	fputc('\n', out);
	for_each_populated_zone(zone)
		pagetypeinfo_showfree(out, zone);

	fprintf(out, "\n%-23s", "Number of blocks type ");
	for (int mt = 0; mt < MIGRATE_TYPES; mt++)
		fprintf(out, "%12s ", migratetype_names[mt]);
	fputc('\n', out);
	for_each_populated_zone(zone)
		pagetypeinfo_showblockcount(out, zone);
}

/* ------------------------------------------------------------------ */
/* /proc/zoneinfo                                                      */

static void zoneinfo_add(struct zoneinfo_row *row, const char *name, long value)
{
	if (row->nr_values < ZONEINFO_VALUES_MAX)
		row->v[row->nr_values++] = (struct zoneinfo_value){ name, value };
}

/* The watermarks, sizes and zone counters, by the names zoneinfo.ZONE.X uses. */
static void zoneinfo_fill(struct zoneinfo_row *row, struct zone *zone)
{
	row->zone = zone->name;
	row->nr_values = 0;
	zoneinfo_add(row, "pages_free", zone_page_state(zone, NR_FREE_PAGES));
	zoneinfo_add(row, "boost", READ_ONCE(zone->watermark_boost));
	zoneinfo_add(row, "min", min_wmark_pages(zone));
	zoneinfo_add(row, "low", low_wmark_pages(zone));
	zoneinfo_add(row, "high", high_wmark_pages(zone));
	zoneinfo_add(row, "promo", wmark_pages(zone, WMARK_PROMO));
	zoneinfo_add(row, "spanned", zone->spanned_pages);
	zoneinfo_add(row, "present", zone->present_pages);
	zoneinfo_add(row, "managed", zone_managed_pages(zone));
	for (int item = 0; item < NR_VM_ZONE_STAT_ITEMS; item++)
		zoneinfo_add(row, zone_stat_name(item), zone_page_state(zone, item));
	zoneinfo_add(row, "start_pfn", zone->zone_start_pfn);
	row->nr_cpus = min(nr_cpu_ids, (unsigned int)VM_EVENT_CPUS_CAP);
	for (unsigned int cpu = 0; cpu < row->nr_cpus; cpu++) {
		struct per_cpu_pages *pcp = &zone->per_cpu_pageset[cpu];

		spin_lock(&pcp->lock);
		row->pcp[cpu] = (struct zoneinfo_pageset){ pcp->count, pcp->high, pcp->batch };
		spin_unlock(&pcp->lock);
	}
}

/**
 * zoneinfo_snapshot() - the values /proc/zoneinfo shows of each populated
 * zone, and each CPU's pageset.
 * @rows: receives one row per zone.
 * @max: room in @rows.
 *
 * Context: takes each pcp->lock in turn (the counters are atomics, read
 * without a lock).
 * Return: rows written.
 */
int zoneinfo_snapshot(struct zoneinfo_row *rows, int max)
{
	struct zone *zone;
	int n = 0;

	for_each_populated_zone(zone) {
		if (n == max)
			break;
		zoneinfo_fill(&rows[n++], zone);
	}
	return n;
}

static long zoneinfo_value(const struct zoneinfo_row *row, const char *name)
{
	for (unsigned int i = 0; i < row->nr_values; i++)
		if (!strcmp(row->v[i].name, name))
			return row->v[i].value;
	return 0;
}

static void zoneinfo_show_node_stats(FILE *out)
{
	fputs("\n  per-node stats", out);
	for (int item = 0; item < NR_VM_NODE_STAT_ITEMS; item++)
		fprintf(out, "\n      %-12s %ld", node_stat_name(item),
			node_page_state(&contig_page_data, item));
}

static void zoneinfo_show_zone(FILE *out, const struct zoneinfo_row *row, bool first)
{
	static const char *const wmarks[] = { "boost", "min", "low", "high", "promo", "spanned",
					      "present", "managed" };

	fprintf(out, "Node %d, zone %8s", 0, row->zone);
	if (first)
		zoneinfo_show_node_stats(out);
	fprintf(out, "\n  pages free     %ld", zoneinfo_value(row, "pages_free"));
	for (size_t i = 0; i < ARRAY_SIZE(wmarks); i++)
		fprintf(out, "\n        %-8s %ld", wmarks[i], zoneinfo_value(row, wmarks[i]));
	fputs("\n        protection: (0)", out);	/* one zone: no lowmem reserve */
	for (int item = 0; item < NR_VM_ZONE_STAT_ITEMS; item++)
		fprintf(out, "\n      %-12s %ld", zone_stat_name(item),
			zoneinfo_value(row, zone_stat_name(item)));
	fputs("\n  pagesets", out);
	for (unsigned int cpu = 0; cpu < row->nr_cpus; cpu++)
		fprintf(out, "\n    cpu: %u\n              count:    %d\n              high:     %d"
			"\n              batch:    %d", cpu, row->pcp[cpu].count, row->pcp[cpu].high,
			row->pcp[cpu].batch);
	fprintf(out, "\n  start_pfn:           %ld\n", zoneinfo_value(row, "start_pfn"));
}

/** zoneinfo_show() - print /proc/zoneinfo. Context: takes each pcp->lock in turn. */
void zoneinfo_show(FILE *out)
{
	struct zoneinfo_row *rows = malloc(MAX_NR_ZONES * sizeof(*rows));
	int n;

	if (!rows)
		return;
	n = zoneinfo_snapshot(rows, MAX_NR_ZONES);
	for (int i = 0; i < n; i++)
		zoneinfo_show_zone(out, &rows[i], i == 0);
	free(rows);
}

/* ------------------------------------------------------------------ */
/* /proc/meminfo                                                       */

/*
 * MemAvailable as si_mem_available() computes it, with what pagelab has:
 * free pages less the pages the allocator keeps in reserve (each zone's
 * high watermark, at most its managed pages; there is no lowmem reserve
 * with one zone). The kernel adds the reclaimable half of the file LRU
 * and of reclaimable slab; pagelab has neither (shmem is on the anon
 * lists, as in the kernel), so nothing is added.
 */
static long mem_available(void)
{
	long available = global_zone_page_state(NR_FREE_PAGES);
	struct zone *zone;

	for_each_populated_zone(zone)
		available -= min(READ_ONCE(zone->_watermark[WMARK_HIGH]),
				 (unsigned long)zone_managed_pages(zone));
	return max(available, 0L);
}

static long total_managed(void)
{
	struct zone *zone;
	long pages = 0;

	for_each_populated_zone(zone)
		pages += zone_managed_pages(zone);
	return pages;
}

/**
 * meminfo_snapshot() - the /proc/meminfo lines pagelab models, in the
 * kernel's order: sizes in kB, the HugePages_ lines in huge pages.
 * @out: receives them.
 * @max: room in @out (MEMINFO_MAX is enough).
 *
 * Context: takes hugetlb_lock for the hugetlb lines (without a machine,
 * at parse time, only the names mean anything and those lines are 0).
 * Return: entries written.
 */
int meminfo_snapshot(struct meminfo_entry *out, int max)
{
	const struct pglist_data *pgdat = &contig_page_data;
	const struct meminfo_entry pages[] = {	/* .value holds pages: converted below */
		{ "MemTotal", total_managed() },
		{ "MemFree", global_zone_page_state(NR_FREE_PAGES) },
		{ "MemAvailable", mem_available() },
		{ "Cached", node_page_state(pgdat, NR_FILE_PAGES) },
		{ "Active", node_page_state(pgdat, NR_ACTIVE_ANON) +
			    node_page_state(pgdat, NR_ACTIVE_FILE) },
		{ "Inactive", node_page_state(pgdat, NR_INACTIVE_ANON) +
			      node_page_state(pgdat, NR_INACTIVE_FILE) },
		{ "Active(anon)", node_page_state(pgdat, NR_ACTIVE_ANON) },
		{ "Inactive(anon)", node_page_state(pgdat, NR_INACTIVE_ANON) },
		{ "Active(file)", node_page_state(pgdat, NR_ACTIVE_FILE) },
		{ "Inactive(file)", node_page_state(pgdat, NR_INACTIVE_FILE) },
		{ "Unevictable", node_page_state(pgdat, NR_UNEVICTABLE) },
		{ "AnonPages", node_page_state(pgdat, NR_ANON_MAPPED) },
		{ "Mapped", node_page_state(pgdat, NR_FILE_MAPPED) },
		{ "Shmem", node_page_state(pgdat, NR_SHMEM) },
		{ "PageTables", node_page_state(pgdat, NR_PAGETABLE) },
		{ "AnonHugePages", node_page_state(pgdat, NR_ANON_THPS) },
		{ "Balloon", node_page_state(pgdat, NR_BALLOON_PAGES) },
	};
	struct hugetlb_meminfo h = { 0 };
	int n = 0;

	if (machine_exists())
		hugetlb_report_meminfo(&h);
	const struct meminfo_entry huge[] = {
		{ "HugePages_Total", h.total, true }, { "HugePages_Free", h.free, true },
		{ "HugePages_Rsvd", h.rsvd, true }, { "HugePages_Surp", h.surp, true },
		{ "Hugepagesize", h.hugepagesize_kb }, { "Hugetlb", h.hugetlb_kb },
	};

	BUILD_BUG_ON(ARRAY_SIZE(pages) + ARRAY_SIZE(huge) > MEMINFO_MAX);
	for (size_t i = 0; i < ARRAY_SIZE(pages) && n < max; i++, n++)
		out[n] = (struct meminfo_entry){ pages[i].name,
						 pages[i].value * (long)(PAGE_SIZE >> 10) };
	for (size_t i = 0; i < ARRAY_SIZE(huge) && n < max; i++, n++)
		out[n] = huge[i];
	return n;
}

/**
 * meminfo_show() - print /proc/meminfo ("Name:" in 16 columns, 8 for kB).
 * Context: any; takes no lock.
 */
void meminfo_show(FILE *out)
{
	struct meminfo_entry e[MEMINFO_MAX];
	int n = meminfo_snapshot(e, MEMINFO_MAX);

	for (int i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "%s:", e[i].name);
		fprintf(out, e[i].count ? "%-16s%8ld\n" : "%-16s%8ld kB\n", name, e[i].value);
	}
}
