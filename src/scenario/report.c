/* SPDX-License-Identifier: MIT */
/*
 * report.c - what a run shows: the readable summary (machine; per report
 * its label, time, buddyinfo, the debugfs extfrag files, the compaction
 * values, the balloon's numbers, KSM's counters and each process's
 * ksm_stat, and the vmstat counters that changed since the previous report;
 * expect, check and migrate results; PASS or FAIL) and the JSON report of
 * docs/scenario.md: the spec's keys, and pagelab's additions (marked +):
 *
 *   {"backend", "scenario", "machine": {NAME: VALUE, + "kernel_release"},
 *    "reports": [{"label", "time_s", "vmstat": {}, "ksm": {}, "balloon": {},
 *                 "buddyinfo": {"ZONE": [free blocks by order]},
 *               + "extfrag": {"ZONE": [thousandths by order]},
 *               + "unusable": {"ZONE": [thousandths by order]},
 *               + "compaction": {"fragmentation_score", "max_free_blocks"},
 *                 "meminfo": {}, "zoneinfo": {"ZONE": {}}, "frames": {}}],
 *    "expects": [{"line", "expr", "actual", "ok"}],
 *    "checks": [{"line", "region", "intact"}],
 *  + "migrations": [{"line", "region", "migrated", "failed", "EFAULT", "ENOENT",
 *                    "EBUSY", "ENOMEM"}]}
 */
#include <stdlib.h>
#include <string.h>
#include "core/utf8.h"
#include "scenario/runner_internal.h"

/* The name of each status of a `P migrate`, as the reports spell it. */
const char *const scn_migrate_status_names[SCN_NR_MIGRATE_STATUS] = {
	[SCN_MIGRATE_MOVED] = "migrated", [SCN_MIGRATE_EFAULT] = "EFAULT",
	[SCN_MIGRATE_ENOENT] = "ENOENT", [SCN_MIGRATE_EBUSY] = "EBUSY",
	[SCN_MIGRATE_ENOMEM] = "ENOMEM",
};

/* The pages of a `P migrate` that did not move, whatever their status. */
static unsigned long failed_pages(const struct scn_migrate_result *m)
{
	unsigned long failed = 0;

	for (unsigned int st = SCN_MIGRATE_MOVED + 1; st < SCN_NR_MIGRATE_STATUS; st++)
		failed += m->pages[st];
	return failed;
}

/* ------------------------------------------------------------------ */
/* Text                                                                */

static void text_machine(const struct scn_results *res, FILE *out)
{
	unsigned int i;

	fprintf(out, "pagelab: scenario %s on backend %s\nmachine:", res->scenario,
		res->backend);
	for (i = 0; i < res->nmachine; i++)
		fprintf(out, " %s=%ld", res->machine[i].name, res->machine[i].value);
	if (res->kernel_release)
		fprintf(out, " kernel_release=%s", res->kernel_release);
	fputc('\n', out);
}

static void text_buddyinfo(const struct scn_snapshot *snap, FILE *out)
{
	unsigned int z, o;

	for (z = 0; z < snap->nbuddy; z++) {
		const struct scn_buddy_zone *zone = &snap->buddy[z];

		fprintf(out, "  %-8s", "order");
		for (o = 0; o < zone->nr_orders; o++)
			fprintf(out, " %7u", o);
		fprintf(out, "\n  %-8s", zone->zone);
		for (o = 0; o < zone->nr_orders; o++)
			fprintf(out, " %7lu", zone->nr_free[o]);
		fputc('\n', out);
	}
}

/* One debugfs extfrag line: "Node 0, zone   Normal " and an index per order. */
static void text_index_line(FILE *out, const char *file, const char *zone, const int *index,
			    unsigned int nr_orders, const char *fmt)
{
	fprintf(out, "  %-15s Node 0, zone %8s ", file, zone);
	for (unsigned int o = 0; o < nr_orders; o++)
		fprintf(out, fmt, index[o] / 1000, abs(index[o] % 1000));
	fputc('\n', out);
}

/*
 * extfrag_index and unusable_index as debugfs prints them (mm/vmstat.c:
 * extfrag_show_print() with "%2d.%03d ", unusable_show_print() with
 * "%d.%03d "), then the compaction values.
 */
static void text_compaction(const struct scn_snapshot *snap, FILE *out)
{
	for (unsigned int z = 0; z < snap->nfrag; z++) {
		const struct scn_frag_zone *f = &snap->frag[z];

		text_index_line(out, "extfrag_index", f->zone, f->extfrag, f->nr_orders,
				"%2d.%03d ");
		text_index_line(out, "unusable_index", f->zone, f->unusable, f->nr_orders,
				"%d.%03d ");
	}
	if (!snap->ncompaction)
		return;
	fputs("  compaction:", out);
	for (unsigned int i = 0; i < snap->ncompaction; i++)
		fprintf(out, "%s %s %ld", i ? "," : "", snap->compaction[i].name,
			snap->compaction[i].value);
	fputc('\n', out);
}

/* "  balloon: target_pages 0, actual_pages 0, host_released_bytes 0" */
static void text_balloon(const struct scn_snapshot *snap, FILE *out)
{
	if (!snap->nballoon)
		return;
	fputs("  balloon:", out);
	for (unsigned int i = 0; i < snap->nballoon; i++)
		fprintf(out, "%s %s %ld", i ? "," : "", snap->balloon[i].name,
			snap->balloon[i].value);
	fputc('\n', out);
}

/* Whether every value of @c (@n counters) is 0: KSM has not been used. */
static bool all_zero(const struct scn_counter *c, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (c[i].value)
			return false;
	return true;
}

/*
 * "  ksm: pages_scanned 256, pages_shared 1, ..." (wrapped every 4), then a
 * line per process, from the "P.LINE" counters: "  ksm_stat p:
 * ksm_rmap_items 10, ...". Nothing while KSM has not been used, and no
 * line for a process that has nothing to show.
 */
static void text_ksm(const struct scn_snapshot *snap, FILE *out)
{
	unsigned int i, n, k;

	if (all_zero(snap->ksm, snap->nksm))
		return;
	for (i = 0; i < snap->nksm && !strchr(snap->ksm[i].name, '.'); i++)
		fprintf(out, "%s %s %ld", !i ? "  ksm:" : i % 4 ? "," : ",\n      ",
			snap->ksm[i].name, snap->ksm[i].value);
	if (i)
		fputc('\n', out);
	for (; i < snap->nksm; i += n) {
		const char *proc = snap->ksm[i].name, *dot = strchr(proc, '.');
		int plen = dot ? dot - proc : 0;

		for (n = 1; i + n < snap->nksm && !strncmp(snap->ksm[i + n].name, proc, plen + 1);)
			n++;
		if (!dot || all_zero(&snap->ksm[i], n))
			continue;
		fprintf(out, "  ksm_stat %.*s:", plen, proc);
		for (k = i; k < i + n; k++)
			fprintf(out, "%s %s %ld", k > i ? "," : "", snap->ksm[k].name + plen + 1,
				snap->ksm[k].value);
		fputc('\n', out);
	}
}

static const struct scn_counter *find_counter(const struct scn_snapshot *snap,
					      const char *name)
{
	unsigned int i;

	if (!snap)
		return NULL;
	for (i = 0; i < snap->nvmstat; i++)
		if (!strcmp(snap->vmstat[i].name, name))
			return &snap->vmstat[i];
	return NULL;
}

/* The counters that changed since @prev; all non-zero ones if there is none. */
static void text_vmstat(const struct scn_snapshot *snap, const struct scn_snapshot *prev,
			FILE *out)
{
	unsigned int i, shown = 0;

	fputs(prev ? "  vmstat changed:" : "  vmstat (non-zero):", out);
	for (i = 0; i < snap->nvmstat; i++) {
		const struct scn_counter *c = &snap->vmstat[i], *old = find_counter(prev, c->name);
		long before = old ? old->value : 0;

		if (c->value == before)
			continue;
		fprintf(out, "%s %s %ld", shown++ % 4 ? "," : "\n   ", c->name, c->value);
		if (prev)
			fprintf(out, " (%+ld)", c->value - before);
	}
	fputs(shown ? "\n" : " none\n", out);
}

/* "migrate line 12: p.heap: 509 migrated, 3 failed (EFAULT 0, ENOENT 3, ...)" */
static void text_migration(const struct scn_migrate_result *m, FILE *out)
{
	unsigned int st;

	fprintf(out, "migrate line %u: %s: %lu migrated, %lu failed (", m->line, m->region,
		m->pages[SCN_MIGRATE_MOVED], failed_pages(m));
	for (st = SCN_MIGRATE_MOVED + 1; st < SCN_NR_MIGRATE_STATUS; st++)
		fprintf(out, "%s%s %lu", st > SCN_MIGRATE_MOVED + 1 ? ", " : "",
			scn_migrate_status_names[st], m->pages[st]);
	fputs(")\n", out);
}

static void text_results(const struct scn_results *res, FILE *out)
{
	unsigned int i;

	for (i = 0; i < res->nexpects; i++) {
		const struct scn_expect_result *e = &res->expects[i];

		fprintf(out, "expect line %u: %s: %s (actual %ld)\n", e->line, e->expr,
			e->ok ? "ok" : "FAILED", e->actual);
	}
	for (i = 0; i < res->nchecks; i++) {
		const struct scn_check_result *c = &res->checks[i];

		fprintf(out, "check  line %u: %s: %s\n", c->line, c->region,
			c->intact ? "intact" : "FAILED");
	}
	for (i = 0; i < res->nmigrations; i++)
		text_migration(&res->migrations[i], out);
}

/**
 * scn_report_text() - print the readable summary of a run.
 * @res: the run's results.
 * @out: where to print.
 *
 * Context: any; after the run.
 */
void scn_report_text(const struct scn_results *res, FILE *out)
{
	const struct scn_snapshot *prev = NULL;
	unsigned int i;

	text_machine(res, out);
	for (i = 0; i < res->nreports; i++) {
		const struct scn_snapshot *snap = res->reports[i];

		fprintf(out, "\nreport \"%s\" at %.3fs", snap->label, snap->time_s);
		if (snap->line)
			fprintf(out, " (line %u)", snap->line);
		fputc('\n', out);
		text_buddyinfo(snap, out);
		text_compaction(snap, out);
		text_balloon(snap, out);
		text_ksm(snap, out);
		scn_report_text_proc(snap, out);
		text_vmstat(snap, prev, out);
		prev = snap;
	}
	fputc('\n', out);
	text_results(res, out);
	if (res->invariant_error)
		fprintf(out, "FAIL: invariant check failed: %s\n", res->invariant_error);
	else if (res->failures)
		fprintf(out, "FAIL: %u failure%s\n", res->failures, res->failures == 1 ? "" : "s");
	else
		fprintf(out, "PASS\n");
}

/**
 * scn_report_snapshot_text() - one report's figures as the summary prints
 * them: buddyinfo, the debugfs extfrag files, the compaction values and the
 * vmstat counters that changed since @prev (`pagelab replay` uses it).
 * @snap: the report.
 * @prev: the report before it, or NULL.
 * @out: where to print.
 *
 * Context: any.
 */
void scn_report_snapshot_text(const struct scn_snapshot *snap, const struct scn_snapshot *prev,
			      FILE *out)
{
	text_buddyinfo(snap, out);
	text_compaction(snap, out);
	text_vmstat(snap, prev, out);
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */

/**
 * scn_json_string() - print @s as a JSON string, quotes included.
 * @out: where to print.
 * @s: UTF-8 text; control characters and quotes are escaped. A scenario's
 *	text is UTF-8 (the lexer refuses anything else); a byte that starts no
 *	UTF-8 character (from a file name, say) is written as U+FFFD, so the
 *	report is always valid UTF-8.
 *
 * Context: any.
 */
void scn_json_string(FILE *out, const char *s)
{
	size_t left = strlen(s), len;

	fputc('"', out);
	for (; *s; s += len, left -= len) {
		unsigned char c = *s;

		len = utf8_char_len((const unsigned char *)s, left);
		if (!len) {
			fputs("\\ufffd", out);	/* a byte that is not UTF-8 */
			len = 1;
			continue;
		}
		if (len > 1) {
			fwrite(s, 1, len, out);
			continue;
		}
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c == '\t')
			fputs("\\t", out);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void json_counters(FILE *out, const char *key, const struct scn_counter *c,
			  unsigned int n, const char *indent)
{
	unsigned int i;

	fprintf(out, "%s\"%s\": {", indent, key);
	for (i = 0; i < n; i++) {
		fprintf(out, "%s\n%s  ", i ? "," : "", indent);
		scn_json_string(out, c[i].name);
		fprintf(out, ": %ld", c[i].value);
	}
	if (n)
		fprintf(out, "\n%s},\n", indent);
	else
		fputs("},\n", out);
}

/* "machine": its values, and the kernel's release on the kernel backend. */
static void json_machine(FILE *out, const struct scn_results *res)
{
	fputs("  \"machine\": {", out);
	for (unsigned int i = 0; i < res->nmachine; i++) {
		fprintf(out, "%s\n    ", i ? "," : "");
		scn_json_string(out, res->machine[i].name);
		fprintf(out, ": %ld", res->machine[i].value);
	}
	if (res->kernel_release) {
		fprintf(out, "%s\n    \"kernel_release\": ", res->nmachine ? "," : "");
		scn_json_string(out, res->kernel_release);
	}
	fputs(res->nmachine || res->kernel_release ? "\n  },\n" : "},\n", out);
}

static void json_buddyinfo(FILE *out, const struct scn_snapshot *snap)
{
	unsigned int z, o;

	fputs("      \"buddyinfo\": {", out);
	for (z = 0; z < snap->nbuddy; z++) {
		fputs(z ? ", " : "", out);
		scn_json_string(out, snap->buddy[z].zone);
		fputs(": [", out);
		for (o = 0; o < snap->buddy[z].nr_orders; o++)
			fprintf(out, "%s%lu", o ? ", " : "", snap->buddy[z].nr_free[o]);
		fputc(']', out);
	}
	fputs("},\n", out);
}

/* "extfrag" or "unusable": {"ZONE": [index by order, in thousandths]} */
static void json_index(FILE *out, const struct scn_snapshot *snap, const char *key,
		       bool extfrag)
{
	fprintf(out, "      \"%s\": {", key);
	for (unsigned int z = 0; z < snap->nfrag; z++) {
		const struct scn_frag_zone *f = &snap->frag[z];

		fputs(z ? ", " : "", out);
		scn_json_string(out, f->zone);
		fputs(": [", out);
		for (unsigned int o = 0; o < f->nr_orders; o++)
			fprintf(out, "%s%d", o ? ", " : "",
				extfrag ? f->extfrag[o] : f->unusable[o]);
		fputc(']', out);
	}
	fputs("},\n", out);
}

/* "compaction": {...}, with a comma after it if @more keys follow. */
static void json_compaction(FILE *out, const struct scn_snapshot *snap, bool more)
{
	fputs("      \"compaction\": {", out);
	for (unsigned int i = 0; i < snap->ncompaction; i++) {
		fputs(i ? ", " : "", out);
		scn_json_string(out, snap->compaction[i].name);
		fprintf(out, ": %ld", snap->compaction[i].value);
	}
	fputs(more ? "},\n" : "}\n", out);
}

static void json_report(FILE *out, const struct scn_snapshot *snap, bool last)
{
	fputs("    {\n      \"label\": ", out);
	scn_json_string(out, snap->label);
	fprintf(out, ",\n      \"time_s\": %.3f,\n", snap->time_s);
	json_counters(out, "vmstat", snap->vmstat, snap->nvmstat, "      ");
	json_counters(out, "ksm", snap->ksm, snap->nksm, "      ");
	json_counters(out, "balloon", snap->balloon, snap->nballoon, "      ");
	json_buddyinfo(out, snap);
	json_index(out, snap, "extfrag", true);
	json_index(out, snap, "unusable", false);
	json_compaction(out, snap, true);
	scn_report_json_proc(out, snap);
	fprintf(out, "    }%s\n", last ? "" : ",");
}

/**
 * scn_report_snapshot_json() - one report's keys as the JSON report writes
 * them, from "vmstat" to "compaction" (no label, time or braces), six
 * spaces deep (`pagelab replay` uses it).
 * @out: where to write.
 * @snap: the report.
 *
 * Context: any.
 */
void scn_report_snapshot_json(FILE *out, const struct scn_snapshot *snap)
{
	json_counters(out, "vmstat", snap->vmstat, snap->nvmstat, "      ");
	json_buddyinfo(out, snap);
	json_index(out, snap, "extfrag", true);
	json_index(out, snap, "unusable", false);
	json_compaction(out, snap, false);
}

static void json_migrations(FILE *out, const struct scn_results *res)
{
	fputs("  \"migrations\": [", out);
	for (unsigned int i = 0; i < res->nmigrations; i++) {
		const struct scn_migrate_result *m = &res->migrations[i];

		fprintf(out, "%s\n    {\"line\": %u, \"region\": ", i ? "," : "", m->line);
		scn_json_string(out, m->region);
		fprintf(out, ", \"migrated\": %lu, \"failed\": %lu", m->pages[SCN_MIGRATE_MOVED],
			failed_pages(m));
		for (unsigned int st = SCN_MIGRATE_MOVED + 1; st < SCN_NR_MIGRATE_STATUS; st++)
			fprintf(out, ", \"%s\": %lu", scn_migrate_status_names[st], m->pages[st]);
		fputc('}', out);
	}
	fputs(res->nmigrations ? "\n  ]\n" : "]\n", out);
}

static void json_results(FILE *out, const struct scn_results *res)
{
	unsigned int i;

	fputs("  \"expects\": [", out);
	for (i = 0; i < res->nexpects; i++) {
		const struct scn_expect_result *e = &res->expects[i];

		fprintf(out, "%s\n    {\"line\": %u, \"expr\": ", i ? "," : "", e->line);
		scn_json_string(out, e->expr);
		fprintf(out, ", \"actual\": %ld, \"ok\": %s}", e->actual, e->ok ? "true" : "false");
	}
	fputs(res->nexpects ? "\n  ],\n  \"checks\": [" : "],\n  \"checks\": [", out);
	for (i = 0; i < res->nchecks; i++) {
		const struct scn_check_result *c = &res->checks[i];

		fprintf(out, "%s\n    {\"line\": %u, \"region\": ", i ? "," : "", c->line);
		scn_json_string(out, c->region);
		fprintf(out, ", \"intact\": %s}", c->intact ? "true" : "false");
	}
	fputs(res->nchecks ? "\n  ],\n" : "],\n", out);
	json_migrations(out, res);
}

/**
 * scn_report_json() - write a run's JSON report.
 * @res: the run's results.
 * @out: where to write.
 *
 * Context: any; after the run.
 * Return: 0, or -EIO if writing failed.
 */
int scn_report_json(const struct scn_results *res, FILE *out)
{
	unsigned int i;

	fputs("{\n  \"backend\": ", out);
	scn_json_string(out, res->backend);
	fputs(",\n  \"scenario\": ", out);
	scn_json_string(out, res->scenario);
	fputs(",\n", out);
	json_machine(out, res);
	fputs("  \"reports\": [\n", out);
	for (i = 0; i < res->nreports; i++)
		json_report(out, res->reports[i], i + 1 == res->nreports);
	fputs("  ],\n", out);
	json_results(out, res);
	fputs("}\n", out);
	return fflush(out) || ferror(out) ? -EIO : 0;
}
