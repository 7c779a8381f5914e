/* SPDX-License-Identifier: MIT */
/*
 * html.c - the --html page: one self-contained file (XHTML that is also
 * HTML, inline SVG and CSS, no script, nothing fetched) with six panels:
 * free memory by order over the run (chart.c's stacked area, as --svg);
 * a map of physical memory at each report, one cell per pageblock; the
 * balloon's target, actual size and host-released memory; KSM's
 * pages_shared and pages_sharing; migration and compaction rates between
 * reports; and huge pages (anonymous THPs and the hugetlb pool at each
 * report, THP events between reports). A panel whose data the backend
 * does not have says so.
 *
 * A map cell is a pageblock: its outline and pale background are the
 * colour of its migratetype, and its used frames fill it from the bottom,
 * coloured by what they are (the frame census states, grouped: movable
 * memory, unmovable and reclaimable kernel memory, balloon, KSM,
 * anonymous THPs, hugetlb, isolated, per-cpu lists); the pale part left is what is free in the
 * buddy. A movable block with a red stripe is the fragmentation that
 * compaction cannot undo.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "core/compiler.h"
#include "core/debug.h"
#include "scenario/runner_internal.h"

#define PAGE_W		1300
#define MAP_W		600	/* the cells of a map, at most */
#define CELL_MAX	18

/*
 * What the map tells apart: census states, grouped. @kind says which
 * groups make a pageblock "mixed" in the caption: one with both movable and
 * unmovable (or reclaimable) frames, the fragmentation compaction cannot
 * undo.
 */
enum content_kind { CONTENT_OTHER, CONTENT_MOVABLE, CONTENT_UNMOVABLE };

struct content {
	const char *name, *color;
	enum content_kind kind;
	const char *states[5];	/* frames.STATE names */
};

static const struct content contents[] = {
	{ "movable (anon, shmem, kernel movable, driver)", "#2f6db5", CONTENT_MOVABLE,
	  { "anon", "shmem", "kernel_movable", "driver" } },
	{ "THP (anonymous huge pages)", "#6fa8dc", CONTENT_MOVABLE, { "thp" } },
	{ "unmovable (kernel, page tables, reserved)", "#c62828", CONTENT_UNMOVABLE,
	  { "kernel_unmovable", "pagetable", "reserved" } },
	{ "reclaimable (kernel)", "#ef8a17", CONTENT_UNMOVABLE, { "kernel_reclaimable" } },
	{ "balloon", "#333333", CONTENT_OTHER, { "balloon" } },
	{ "KSM", "#1b9e3a", CONTENT_OTHER, { "ksm" } },
	{ "huge (hugetlb)", "#8e3fb0", CONTENT_OTHER, { "hugetlb" } },
	{ "isolated (migration)", "#f2c500", CONTENT_OTHER, { "isolated" } },
	{ "per-cpu lists (free)", "#aaaaaa", CONTENT_OTHER, { "pcp" } },
};

/* The kind of frames.STATE @i's group (@group from content_of()). */
static enum content_kind kind_of(const int *group, unsigned int i)
{
	return group[i] < 0 ? CONTENT_OTHER : contents[group[i]].kind;
}

/* Migratetype colours, by the kernel's names; others grey. */
static const char *migratetype_color(const char *name)
{
	static const char *const mt[][2] = {
		{ "Unmovable", "#c62828" }, { "Movable", "#2f6db5" },
		{ "Reclaimable", "#ef8a17" }, { "HighAtomic", "#d048a8" },
		{ "CMA", "#17a2a2" }, { "Isolate", "#000000" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(mt); i++)
		if (!strcmp(name, mt[i][0]))
			return mt[i][1];
	return "#777777";
}

/* The content group of frames.STATE @name, or -1 (free, or unknown). */
static int content_of(const char *name)
{
	for (size_t c = 0; c < ARRAY_SIZE(contents); c++)
		for (size_t s = 0; s < ARRAY_SIZE(contents[c].states) && contents[c].states[s]; s++)
			if (!strcmp(name, contents[c].states[s]))
				return c;
	return -1;
}

static const char style[] =
	"body{font-family:sans-serif;margin:20px;color:#222;max-width:1320px}"
	"h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ccc}"
	"p.note{color:#555;max-width:1000px}"
	".maps{display:flex;flex-wrap:wrap;gap:18px}"
	"figure{margin:0}figcaption{font-size:13px;margin:4px 0}"
	".legend span{display:inline-block;margin-right:14px;font-size:13px}"
	".sw{display:inline-block;width:12px;height:12px;margin-right:4px;"
	"vertical-align:middle;border:1px solid #888}"
	"table{border-collapse:collapse;font-size:13px}"
	"td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}";

static void text(FILE *out, const char *s)
{
	scn_svg_text(out, s);
}

static double counter(const struct scn_counter *c, unsigned int n, const char *name)
{
	long v;

	return scn_counter_value(c, n, name, &v) ? NAN : (double)v;
}

static void head(const struct scn_results *res, FILE *out)
{
	fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n"
	      "<head>\n<meta charset=\"UTF-8\"/>\n<title>pagelab run: ", out);
	text(out, res->scenario);
	fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>pagelab run: ", style);
	text(out, res->scenario);
	fputs("</h1>\n<p>backend ", out);
	text(out, res->backend);
	if (res->kernel_release) {
		fputs(" (Linux ", out);
		text(out, res->kernel_release);
		fputs(")", out);
	}
	for (unsigned int i = 0; i < res->nmachine; i++) {
		fputs(", ", out);
		text(out, res->machine[i].name);
		fprintf(out, " %ld", res->machine[i].value);
	}
	fprintf(out, "; %u reports, %u failures%s.</p>\n", res->nreports, res->failures,
		res->deterministic ? "; deterministic run (x axes: command steps)" : "");
}

/* ------------------------------------------------------------------ */
/* The map of physical memory                                          */

struct map_geometry {
	unsigned int cols, rows, cell;
};

static void map_geometry(const struct scn_snapshot *snap, struct map_geometry *g)
{
	g->cols = snap->npageblocks <= 64 ? 8 : snap->npageblocks <= 1024 ? 32
		: snap->npageblocks <= 8192 ? 64 : 128;
	g->rows = DIV_ROUND_UP(snap->npageblocks, g->cols);
	g->cell = clamp(MAP_W / g->cols, 3U, (unsigned int)CELL_MAX);
}

/* One cell: background and outline by migratetype, used frames stacked from the bottom. */
static void map_cell(FILE *out, const struct scn_snapshot *snap, unsigned int b,
		     const struct map_geometry *g, const int *group)
{
	const struct scn_pageblock *pb = &snap->pageblocks[b];
	const char *mt = pb->migratetype < snap->nmigratetypes ?
		snap->migratetypes[pb->migratetype] : "?";
	unsigned int x = (b % g->cols) * g->cell, y = (b / g->cols) * g->cell, s = g->cell - 1;
	double filled = 0;

	fprintf(out, "<g><title>pageblock %u (pfn %#lx): %s", b,
		(unsigned long)b * snap->pageblock_pages, mt);
	for (unsigned int i = 0; i < snap->nframes; i++)
		if (pb->nr[i])
			fprintf(out, ", %s %u", snap->frames[i].name, pb->nr[i]);
	fprintf(out, "</title><rect x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\" fill=\"%s\" "
		"fill-opacity=\"0.18\"/>", x, y, s, s, migratetype_color(mt));
	for (size_t c = 0; c < ARRAY_SIZE(contents); c++) {
		unsigned int frames = 0;
		double h;

		for (unsigned int i = 0; i < snap->nframes; i++)
			frames += group[i] == (int)c ? pb->nr[i] : 0;
		if (!frames)
			continue;
		h = (double)frames / snap->pageblock_pages * s;
		fprintf(out, "<rect x=\"%u\" y=\"%.2f\" width=\"%u\" height=\"%.2f\" fill=\"%s\"/>",
			x, y + s - filled - h, s, h, contents[c].color);
		filled += h;
	}
	fprintf(out, "<rect x=\"%u.5\" y=\"%u.5\" width=\"%u\" height=\"%u\" fill=\"none\" "
		"stroke=\"%s\"/></g>\n", x, y, s - 1, s - 1, migratetype_color(mt));
}

/* Blocks of each migratetype, free ones, and mixed ones, under a map. */
static void map_caption(FILE *out, const struct scn_snapshot *snap, const int *group)
{
	unsigned int by_mt[SCN_MIGRATETYPES_MAX] = { 0 }, free_blocks = 0, mixed = 0;
	int free_state = -1;

	for (unsigned int i = 0; i < snap->nframes; i++)
		if (!strcmp(snap->frames[i].name, "free"))
			free_state = i;
	for (unsigned int b = 0; b < snap->npageblocks; b++) {
		const struct scn_pageblock *pb = &snap->pageblocks[b];
		unsigned int unmov = 0, mov = 0;

		if (pb->migratetype < SCN_MIGRATETYPES_MAX)
			by_mt[pb->migratetype]++;
		free_blocks += free_state >= 0 && pb->nr[free_state] == snap->pageblock_pages;
		for (unsigned int i = 0; i < snap->nframes; i++) {
			unmov += kind_of(group, i) == CONTENT_UNMOVABLE ? pb->nr[i] : 0;
			mov += kind_of(group, i) == CONTENT_MOVABLE ? pb->nr[i] : 0;
		}
		mixed += unmov && mov;
	}
	fprintf(out, "<figcaption>%u pageblocks of %u pages:", snap->npageblocks,
		snap->pageblock_pages);
	for (unsigned int m = 0; m < snap->nmigratetypes; m++)
		if (by_mt[m]) {
			fprintf(out, " %u ", by_mt[m]);
			text(out, snap->migratetypes[m]);
			fputs(",", out);
		}
	fprintf(out, " %u entirely free, %u mixing movable and unmovable frames</figcaption>\n",
		free_blocks, mixed);
}

static void map(FILE *out, const struct scn_snapshot *snap)
{
	struct map_geometry g;
	int group[SCN_FRAMES_MAX];

	for (unsigned int i = 0; i < snap->nframes; i++)
		group[i] = content_of(snap->frames[i].name);
	map_geometry(snap, &g);
	fputs("<figure><figcaption><b>", out);
	text(out, snap->label);
	fputs("</b> (", out);
	if (snap->line)		/* the end-of-run report has no line */
		fprintf(out, "line %u, ", snap->line);
	fprintf(out, "%.3f s)</figcaption>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"%u\">\n",
		snap->time_s, g.cols * g.cell, g.rows * g.cell);
	for (unsigned int b = 0; b < snap->npageblocks; b++)
		map_cell(out, snap, b, &g, group);
	fputs("</svg>\n", out);
	map_caption(out, snap, group);
	fputs("</figure>\n", out);
}

static void swatch(FILE *out, const char *color, const char *opacity, const char *name)
{
	fprintf(out, "<span><i class=\"sw\" style=\"background:%s;opacity:%s\"></i>", color,
		opacity);
	text(out, name);
	fputs("</span>\n", out);
}

static void maps(const struct scn_results *res, FILE *out)
{
	bool any = false;

	fputs("<h2 id=\"map\">Physical memory at each report</h2>\n<p class=\"note\">One cell per "
	      "pageblock, in pfn order, left to right then top to bottom. A cell's outline and "
	      "pale background are its migratetype's colour; its used frames fill it from the "
	      "bottom, coloured by what they are (the frame census); the pale part above them is "
	      "free in the buddy allocator. Hover a cell for its counts.</p>\n", out);
	for (unsigned int i = 0; i < res->nreports; i++)
		any |= res->reports[i]->pageblocks != NULL;
	if (!any) {
		fputs("<p><b>No map:</b> the ", out);
		text(out, res->backend);
		fputs(" backend has no per-pageblock census (the host kernel does not show which "
		      "frames are in which state); only the simulator's reports have one.</p>\n", out);
		return;
	}
	fputs("<p class=\"legend\">pageblock migratetype: ", out);
	swatch(out, migratetype_color("Unmovable"), "0.4", "Unmovable");
	swatch(out, migratetype_color("Movable"), "0.4", "Movable");
	swatch(out, migratetype_color("Reclaimable"), "0.4", "Reclaimable");
	swatch(out, migratetype_color("HighAtomic"), "0.4", "HighAtomic");
	fputs("<br/>frames: ", out);
	for (size_t c = 0; c < ARRAY_SIZE(contents); c++)
		swatch(out, contents[c].color, "1", contents[c].name);
	fputs("</p>\n<div class=\"maps\">\n", out);
	for (unsigned int i = 0; i < res->nreports; i++)
		if (res->reports[i]->pageblocks)
			map(out, res->reports[i]);
	fputs("</div>\n", out);
}

/* ------------------------------------------------------------------ */
/* Values at each report                                               */

/* @n series (@names) from the counters @pick chooses, and a chart if any has a value. */
static void counters_chart(const struct scn_results *res, FILE *out, const char *title,
			   const char *ylabel, const char *const *names, unsigned int n,
			   double (*pick)(const struct scn_results *, unsigned int, const char *),
			   bool steps, const char *none)
{
	struct scn_series series[8];
	double *v = calloc((size_t)n * (res->nreports + 1), sizeof(*v));
	bool any = false, nonzero = false;

	BUG_ON(n > ARRAY_SIZE(series));
	for (unsigned int s = 0; v && s < n; s++) {
		series[s] = (struct scn_series){ names[s], v + s * (res->nreports + 1) };
		for (unsigned int i = 0; i < res->nreports; i++) {
			v[s * (res->nreports + 1) + i] = pick(res, i, names[s]);
			any |= !isnan(v[s * (res->nreports + 1) + i]);
			nonzero |= !isnan(v[s * (res->nreports + 1) + i]) &&
				   v[s * (res->nreports + 1) + i] != 0;
		}
	}
	if (nonzero) {
		scn_chart_lines(res, out, PAGE_W - 40, title, ylabel, series, n, steps);
	} else if (any) {
		fputs("<p><b>Nothing happened:</b>", out);
		for (unsigned int s = 0; s < n; s++)
			fprintf(out, "%s %s", s ? "," : "", names[s]);
		fprintf(out, " %s 0 at every report.</p>\n", n > 1 ? "are" : "is");
	} else {
		fprintf(out, "<p><b>No data:</b> %s</p>\n", none);
	}
	free(v);
}

/* Report @i's balloon counter @name, in pages. */
static double balloon_pages(const struct scn_results *res, unsigned int i, const char *name)
{
	const struct scn_snapshot *snap = res->reports[i];
	double v = counter(snap->balloon, snap->nballoon, name);

	if (isnan(v) && !strcmp(name, "host_released_pages"))
		return counter(snap->balloon, snap->nballoon, "host_released_bytes") / SCN_PAGE_SIZE;
	return v;
}

static double ksm_value(const struct scn_results *res, unsigned int i, const char *name)
{
	return counter(res->reports[i]->ksm, res->reports[i]->nksm, name);
}

/*
 * A vmstat event's increments from the report before @i (the start, for
 * the first) to @i, per second; per interval in a deterministic run, or
 * if no time passed.
 */
static double vmstat_rate(const struct scn_results *res, unsigned int i, const char *name)
{
	const struct scn_snapshot *snap = res->reports[i], *prev = i ? res->reports[i - 1] : NULL;
	double now = counter(snap->vmstat, snap->nvmstat, name), before = 0, dt;

	if (prev)
		before = counter(prev->vmstat, prev->nvmstat, name);
	dt = snap->time_s - (prev ? prev->time_s : 0);
	if (isnan(now) || isnan(before))
		return NAN;
	return res->deterministic || dt <= 0 ? now - before : (now - before) / dt;
}

/*
 * Report @i's meminfo line @name in huge pages: AnonHugePages (kB) divided
 * by Hugepagesize, the HugePages_* counts as they are.
 */
static double huge_pages(const struct scn_results *res, unsigned int i, const char *name)
{
	const struct scn_snapshot *snap = res->reports[i];
	double v = counter(snap->meminfo, snap->nmeminfo, name);
	double size_kb = counter(snap->meminfo, snap->nmeminfo, "Hugepagesize");

	if (strcmp(name, "AnonHugePages"))
		return v;
	return isnan(size_kb) || size_kb <= 0 ? NAN : v / size_kb;
}

/* The huge pages panel: what is huge at each report, and the THP events between. */
static void huge_panel(const struct scn_results *res, FILE *out, const char *ylabel)
{
	static const char *const held[] = { "AnonHugePages", "HugePages_Total",
					    "HugePages_Free" };
	static const char *const events[] = { "thp_fault_alloc", "thp_fault_fallback",
					      "thp_split_page", "thp_collapse_alloc",
					      "thp_migration_success" };

	fputs("<h2 id=\"huge\">Huge pages</h2>\n<p class=\"note\">Anonymous transparent huge "
	      "pages (meminfo's AnonHugePages, in huge pages) and the hugetlb pool "
	      "(HugePages_Total, HugePages_Free) at each report; then the THP events "
	      "between reports.</p>\n", out);
	counters_chart(res, out, "huge pages", "huge pages", held, ARRAY_SIZE(held), huge_pages,
		       false, "the reports have no meminfo lines for huge pages.");
	counters_chart(res, out, "THP events", ylabel, events, ARRAY_SIZE(events), vmstat_rate,
		       true, "the reports have no thp_* counters.");
}

static void series_panels(const struct scn_results *res, FILE *out)
{
	static const char *const balloon[] = { "target_pages", "actual_pages",
					       "host_released_pages" };
	static const char *const ksm[] = { "pages_shared", "pages_sharing" };
	static const char *const migrate[] = { "pgmigrate_success", "pgmigrate_fail",
					       "compact_isolated" };
	static const char *const scan[] = { "compact_migrate_scanned", "compact_free_scanned",
					    "compact_daemon_migrate_scanned",
					    "compact_daemon_free_scanned" };
	const char *per = res->deterministic ? "since the report before" : "per second";
	char ylabel[96];

	fputs("<h2 id=\"balloon\">Balloon</h2>\n<p class=\"note\">The balloon's target and "
	      "actual size, and the memory the host has released (free page reporting and "
	      "deflated pages), in pages, at each report.</p>\n", out);
	counters_chart(res, out, "balloon", "pages", balloon, ARRAY_SIZE(balloon),
		       balloon_pages, false, "the reports have no balloon counters.");
	fputs("<h2 id=\"ksm\">KSM</h2>\n<p class=\"note\">pages_shared: KSM pages in the "
	      "stable tree; pages_sharing: the mappings that share them (the memory saved).</p>\n", out);
	counters_chart(res, out, "KSM", "pages", ksm, ARRAY_SIZE(ksm), ksm_value, false,
		       "the reports have no KSM counters (pages_shared, pages_sharing).");
	fprintf(out, "<h2 id=\"rates\">Migration and compaction</h2>\n<p class=\"note\">"
		"Increments of the vmstat events %s, at each report.</p>\n", per);
	snprintf(ylabel, sizeof(ylabel), "pages %s", per);
	counters_chart(res, out, "migration", ylabel, migrate, ARRAY_SIZE(migrate),
		       vmstat_rate, true, "the reports have no migration counters.");
	counters_chart(res, out, "compaction scanners", ylabel, scan, ARRAY_SIZE(scan),
		       vmstat_rate, true, "the reports have no compaction counters.");
	snprintf(ylabel, sizeof(ylabel), "events %s", per);
	huge_panel(res, out, ylabel);
}

/**
 * scn_report_html() - write the --html page of a run.
 * @res: the run's results.
 * @out: where to write it.
 *
 * Context: any; after the run.
 * Return: 0, or -EIO if writing failed.
 */
int scn_report_html(const struct scn_results *res, FILE *out)
{
	head(res, out);
	fputs("<h2 id=\"free\">Free memory by order</h2>\n<p class=\"note\">Free pages over "
	      "the run, stacked by the order of the free block that holds them, the highest "
	      "order at the bottom: fragmentation shows as low orders growing on top while the "
	      "high orders shrink. The dashed red lines are the scenario's reports; the dotted "
	      "ones, with their text, its compact, sysctl, ksm, thp, balloon and fault "
	      "commands.</p>\n", out);
	scn_chart_free_by_order(res, out, PAGE_W - 40, false);
	fputs("<p class=\"note\">The same as shares of free memory: how much of what is free "
	      "each order holds.</p>\n", out);
	scn_chart_free_by_order(res, out, PAGE_W - 40, true);
	maps(res, out);
	series_panels(res, out);
	fputs("</body>\n</html>\n", out);
	return fflush(out) || ferror(out) ? -EIO : 0;
}
