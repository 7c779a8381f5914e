/* SPDX-License-Identifier: MIT */
/*
 * procfs.c - /proc/buddyinfo and /proc/pagetypeinfo, byte for byte in the
 * kernel's formats (mm/vmstat.c), so pagelab's output diffs against a real
 * machine's.
 */
#include "machine/machine.h"

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
