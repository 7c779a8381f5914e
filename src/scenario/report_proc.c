/* SPDX-License-Identifier: MIT */
/*
 * report_proc.c - the meminfo, zoneinfo and frames sections of a report
 * (spec 1.1): in the text report, /proc/meminfo and the zones of
 * /proc/zoneinfo in the kernel's formats, indented, then the frame census
 * on one line; in the JSON report, each reports[] entry's
 *
 *   "meminfo": {"MemTotal": kB, ...},
 *   "zoneinfo": {"ZONE": {"pages_free": N, "min": N, ..., "start_pfn": N,
 *                         "pagesets": [{"cpu", "count", "high", "batch"}]}},
 *   "frames": {"free": N, "pcp": N, ...}
 *
 * and the lookups behind meminfo.X, zoneinfo.ZONE.X, zoneinfo.ZONE.cpuN.X
 * and frames.STATE for every backend.
 */
#include <string.h>
#include "scenario/runner_internal.h"

/**
 * scn_counter_value() - the value of the counter called @name in @c.
 * Context: any. Return: 0 and *@value, or -ENOENT.
 */
int scn_counter_value(const struct scn_counter *c, unsigned int n, const char *name,
		      long *value)
{
	for (unsigned int i = 0; i < n; i++) {
		if (!strcmp(c[i].name, name)) {
			*value = c[i].value;
			return 0;
		}
	}
	return -ENOENT;
}

/**
 * scn_zoneinfo_value() - zoneinfo.ZONE.X or zoneinfo.ZONE.cpuN.X from
 * @n zones.
 * Context: any. Return: 0 and *@value, or -ENOENT (no such zone, value or
 * CPU).
 */
int scn_zoneinfo_value(const struct scn_zoneinfo *zones, int n, const struct scn_name *name,
		       long *value)
{
	for (int z = 0; z < n; z++) {
		const struct scn_zoneinfo *zi = &zones[z];
		const struct scn_pageset *ps = &zi->pcp[name->n];

		if (strcmp(zi->zone, name->a))
			continue;
		if (!name->c)
			return scn_counter_value(zi->v, zi->nv, name->b, value);
		if (name->n >= zi->ncpus)
			return -ENOENT;
		*value = !strcmp(name->b, "count") ? ps->count :
			 !strcmp(name->b, "high") ? ps->high : ps->batch;
		return 0;
	}
	return -ENOENT;
}

/* ------------------------------------------------------------------ */
/* Text                                                                */

/* /proc/meminfo lines: "Name:" in 16 columns, the value in 8, kB but for counts. */
static void text_meminfo(const struct scn_snapshot *snap, FILE *out)
{
	for (unsigned int i = 0; i < snap->nmeminfo; i++) {
		const struct scn_counter *c = &snap->meminfo[i];
		char name[SCN_COUNTER_NAME + 1];

		snprintf(name, sizeof(name), "%s:", c->name);
		fprintf(out, "  %-16s%8ld%s\n", name, c->value,
			strncmp(c->name, "HugePages_", 10) ? " kB" : "");
	}
}

/* A zone of /proc/zoneinfo, as mm/vmstat.c's zoneinfo_show_print() lays it out. */
static void text_zoneinfo(const struct scn_zoneinfo *zi, FILE *out)
{
	fprintf(out, "  Node 0, zone %8s\n", zi->zone);
	for (unsigned int i = 0; i < zi->nv; i++) {
		const struct scn_counter *c = &zi->v[i];

		if (!strcmp(c->name, "pages_free"))
			fprintf(out, "    pages free     %ld\n", c->value);
		else if (!strcmp(c->name, "start_pfn"))
			continue;
		else if (strncmp(c->name, "nr_", 3))
			fprintf(out, "          %-8s %ld\n", c->name, c->value);
		else
			fprintf(out, "        %-12s %ld\n", c->name, c->value);
	}
	fputs("    pagesets\n", out);
	for (unsigned int cpu = 0; cpu < zi->ncpus; cpu++)
		fprintf(out, "      cpu: %u\n                count:    %d\n"
			"                high:     %d\n                batch:    %d\n", cpu,
			zi->pcp[cpu].count, zi->pcp[cpu].high, zi->pcp[cpu].batch);
	for (unsigned int i = 0; i < zi->nv; i++)
		if (!strcmp(zi->v[i].name, "start_pfn"))
			fprintf(out, "    start_pfn:           %ld\n", zi->v[i].value);
}

/* "  frames: free 12, pcp 3, ... (total 15)" */
static void text_frames(const struct scn_snapshot *snap, FILE *out)
{
	long total = 0;

	if (!snap->nframes)
		return;
	fputs("  frames:", out);
	for (unsigned int i = 0; i < snap->nframes; i++) {
		fprintf(out, "%s %s %ld", i ? "," : "", snap->frames[i].name, snap->frames[i].value);
		total += snap->frames[i].value;
	}
	fprintf(out, " (total %ld)\n", total);
}

/**
 * scn_report_text_proc() - print a report's meminfo, zoneinfo and frames.
 * @snap: the report.
 * @out: where to print.
 *
 * Context: any; after the run.
 */
void scn_report_text_proc(const struct scn_snapshot *snap, FILE *out)
{
	if (snap->nmeminfo)
		fputs("  meminfo:\n", out);
	text_meminfo(snap, out);
	if (snap->nzoneinfo)
		fputs("  zoneinfo:\n", out);
	for (unsigned int z = 0; z < snap->nzoneinfo; z++)
		text_zoneinfo(&snap->zoneinfo[z], out);
	text_frames(snap, out);
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */

/* "NAME": VALUE, ... on one line, without braces or a newline. */
static void json_members(FILE *out, const struct scn_counter *c, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		fputs(i ? ", " : "", out);
		scn_json_string(out, c[i].name);
		fprintf(out, ": %ld", c[i].value);
	}
}

/* "ZONE": {values, "pagesets": [{"cpu", "count", "high", "batch"}, ...]} */
static void json_zone(FILE *out, const struct scn_zoneinfo *zi)
{
	scn_json_string(out, zi->zone);
	fputs(": {", out);
	json_members(out, zi->v, zi->nv);
	fprintf(out, "%s\"pagesets\": [", zi->nv ? ", " : "");
	for (unsigned int cpu = 0; cpu < zi->ncpus; cpu++)
		fprintf(out, "%s{\"cpu\": %u, \"count\": %d, \"high\": %d, \"batch\": %d}",
			cpu ? ", " : "", cpu, zi->pcp[cpu].count, zi->pcp[cpu].high,
			zi->pcp[cpu].batch);
	fputs("]}", out);
}

static void json_zoneinfo(FILE *out, const struct scn_snapshot *snap)
{
	fputs("      \"zoneinfo\": {", out);
	for (unsigned int z = 0; z < snap->nzoneinfo; z++) {
		fprintf(out, "%s\n        ", z ? "," : "");
		json_zone(out, &snap->zoneinfo[z]);
	}
	fputs(snap->nzoneinfo ? "\n      },\n" : "},\n", out);
}

/**
 * scn_report_json_proc() - write a report's "meminfo", "zoneinfo" and
 * "frames" keys, the last ones of its reports[] entry.
 * @out: where to write.
 * @snap: the report.
 *
 * Context: any; after the run.
 */
void scn_report_json_proc(FILE *out, const struct scn_snapshot *snap)
{
	fputs("      \"meminfo\": {", out);
	json_members(out, snap->meminfo, snap->nmeminfo);
	fputs("},\n", out);
	json_zoneinfo(out, snap);
	fputs("      \"frames\": {", out);
	json_members(out, snap->frames, snap->nframes);
	fputs("}\n", out);
}
