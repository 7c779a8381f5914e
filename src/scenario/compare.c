/* SPDX-License-Identifier: MIT */
/*
 * compare.c - `pagelab compare FILE`: one scenario on both backends, side
 * by side (pagelab_scenario_compare()). The file is parsed for the sim
 * backend and for the kernel backend (a line either refuses is an error,
 * and nothing runs), run on the simulator, then on the host's kernel; then
 * every expect and check is shown with its value and result on each, and
 * every counter of every report with its value on each and the difference
 * (kernel - sim). Reports are matched by position (the same script makes
 * the same reports), expects and checks by line.
 *
 * Counters that depend on the machine's size (nr_free_pages, buddy counts)
 * are shown as they are: a 1 GiB simulated machine and a 24 GiB host differ
 * there by design. So that the backends can be compared all the same, each
 * report also shows the share of free memory held in free blocks of
 * pageblock order or more (what compaction is for), and after the first
 * report how many pages that share gained or lost since the previous one.
 */
#include <stdlib.h>
#include <string.h>
#include "core/compiler.h"
#include "core/debug.h"
#include "scenario/runner_internal.h"

enum { SIM, KERNEL, NR_SIDES };

static const char *const side_names[NR_SIDES] = { "sim", "kernel" };

/* One counter of one report on both sides. */
struct row {
	char name[SCN_COUNTER_NAME + 32];
	long v[NR_SIDES];
	bool has[NR_SIDES];
};

struct rows {
	struct row *v;
	unsigned int n, cap;
};

/* Free memory of a report: all of it, and in blocks of pageblock order or more. */
struct free_share {
	unsigned long pages, high;
};

/* ------------------------------------------------------------------ */
/* Rows                                                                */

static void row_put(struct rows *rows, const char *family, const char *name, int side, long v)
{
	char full[sizeof(rows->v->name)];
	struct row *r = NULL;

	snprintf(full, sizeof(full), "%s.%s", family, name);
	for (unsigned int i = 0; i < rows->n && !r; i++)
		if (!strcmp(rows->v[i].name, full))
			r = &rows->v[i];
	if (!r) {
		BUG_ON(scn_grow((void **)&rows->v, &rows->cap, rows->n, sizeof(*rows->v)));
		r = &rows->v[rows->n++];
		memset(r, 0, sizeof(*r));
		memcpy(r->name, full, sizeof(full));
	}
	r->v[side] = v;
	r->has[side] = true;
}

static void rows_counters(struct rows *rows, const char *family, const struct scn_counter *c,
			  unsigned int n, int side)
{
	for (unsigned int i = 0; i < n; i++)
		row_put(rows, family, c[i].name, side, c[i].value);
}

/* zoneinfo.ZONE.X rows (the pagesets are per CPU: not compared). */
static void rows_zoneinfo(struct rows *rows, const struct scn_snapshot *snap, int side)
{
	for (unsigned int z = 0; z < snap->nzoneinfo; z++) {
		const struct scn_zoneinfo *zi = &snap->zoneinfo[z];
		char family[32];

		snprintf(family, sizeof(family), "zoneinfo.%s", zi->zone);
		rows_counters(rows, family, zi->v, zi->nv, side);
	}
}

/*
 * Every counter of a report on one side: vmstat, ksm, balloon, meminfo,
 * zoneinfo, frames (the sim's alone), buddyinfo.
 */
static void rows_report(struct rows *rows, const struct scn_snapshot *snap, int side)
{
	rows_counters(rows, "vmstat", snap->vmstat, snap->nvmstat, side);
	rows_counters(rows, "ksm", snap->ksm, snap->nksm, side);
	rows_counters(rows, "balloon", snap->balloon, snap->nballoon, side);
	rows_counters(rows, "meminfo", snap->meminfo, snap->nmeminfo, side);
	rows_zoneinfo(rows, snap, side);
	rows_counters(rows, "frames", snap->frames, snap->nframes, side);
	for (unsigned int z = 0; z < snap->nbuddy; z++) {
		const struct scn_buddy_zone *zone = &snap->buddy[z];

		for (unsigned int o = 0; o < zone->nr_orders; o++) {
			char name[48];

			snprintf(name, sizeof(name), "%s.order%u", zone->zone, o);
			row_put(rows, "buddy", name, side, zone->nr_free[o]);
		}
	}
}

static unsigned int pageblock_order(const struct scn_results *res)
{
	for (unsigned int i = 0; i < res->nmachine; i++)
		if (!strcmp(res->machine[i].name, "pageblock_order"))
			return res->machine[i].value;
	return 9;
}

static struct free_share free_share(const struct scn_snapshot *snap, unsigned int order)
{
	struct free_share f = { 0 };

	for (unsigned int z = 0; z < snap->nbuddy; z++) {
		for (unsigned int o = 0; o < snap->buddy[z].nr_orders; o++) {
			unsigned long pages = snap->buddy[z].nr_free[o] << o;

			f.pages += pages;
			if (o >= order)
				f.high += pages;
		}
	}
	return f;
}

static double percent(const struct free_share *f)
{
	return f->pages ? 100.0 * f->high / f->pages : 0;
}

/* ------------------------------------------------------------------ */
/* Text                                                                */

static void text_side_value(FILE *out, bool has, long v, bool ok)
{
	char buf[48];

	if (has)
		snprintf(buf, sizeof(buf), "%ld %s", v, ok ? "ok" : "FAILED");
	else
		snprintf(buf, sizeof(buf), "-");
	fprintf(out, " %-22s", buf);
}

/* The expect of @res at @line, or NULL. */
static const struct scn_expect_result *expect_at(const struct scn_results *res,
						 unsigned int line)
{
	for (unsigned int i = 0; i < res->nexpects; i++)
		if (res->expects[i].line == line)
			return &res->expects[i];
	return NULL;
}

static const struct scn_check_result *check_at(const struct scn_results *res,
					       unsigned int line)
{
	for (unsigned int i = 0; i < res->nchecks; i++)
		if (res->checks[i].line == line)
			return &res->checks[i];
	return NULL;
}

/* The lines that have an expect (@checks: a check) on either side, in order. */
static unsigned int result_lines(const struct scn_results *res, bool checks,
				 unsigned int **lines)
{
	unsigned int n = 0, cap = 0;

	*lines = NULL;
	for (int s = 0; s < NR_SIDES; s++) {
		unsigned int count = checks ? res[s].nchecks : res[s].nexpects;

		for (unsigned int i = 0; i < count; i++) {
			unsigned int line = checks ? res[s].checks[i].line : res[s].expects[i].line;
			unsigned int j = 0;

			while (j < n && (*lines)[j] != line)
				j++;
			if (j < n)
				continue;
			BUG_ON(scn_grow((void **)lines, &cap, n, sizeof(**lines)));
			(*lines)[n++] = line;
		}
	}
	for (unsigned int i = 1; i < n; i++)	/* insertion sort: few lines */
		for (unsigned int j = i; j > 0 && (*lines)[j - 1] > (*lines)[j]; j--) {
			unsigned int t = (*lines)[j];

			(*lines)[j] = (*lines)[j - 1];
			(*lines)[j - 1] = t;
		}
	return n;
}

static void text_expects(FILE *out, const struct scn_results *res)
{
	unsigned int *lines, n = result_lines(res, false, &lines);

	fprintf(out, "\n%-50s %-22s %-22s\n", "expect", "sim", "kernel");
	for (unsigned int i = 0; i < n; i++) {
		const struct scn_expect_result *e[NR_SIDES];
		char label[64];

		for (int s = 0; s < NR_SIDES; s++)
			e[s] = expect_at(&res[s], lines[i]);
		snprintf(label, sizeof(label), "line %u: %s", lines[i],
			 (e[SIM] ? e[SIM] : e[KERNEL])->expr);
		fprintf(out, "  %-48s", label);
		for (int s = 0; s < NR_SIDES; s++)
			text_side_value(out, e[s], e[s] ? e[s]->actual : 0, e[s] && e[s]->ok);
		fputc('\n', out);
	}
	free(lines);
	n = result_lines(res, true, &lines);
	for (unsigned int i = 0; i < n; i++) {
		const struct scn_check_result *c[NR_SIDES];
		char label[64];

		for (int s = 0; s < NR_SIDES; s++)
			c[s] = check_at(&res[s], lines[i]);
		snprintf(label, sizeof(label), "line %u: check %s", lines[i],
			 (c[SIM] ? c[SIM] : c[KERNEL])->region);
		fprintf(out, "  %-48s", label);
		for (int s = 0; s < NR_SIDES; s++)
			fprintf(out, " %-22s", !c[s] ? "-" : c[s]->intact ? "intact" : "FAILED");
		fputc('\n', out);
	}
	free(lines);
}

static void text_value(FILE *out, bool has, long v)
{
	if (has)
		fprintf(out, " %15ld", v);
	else
		fprintf(out, " %15s", "-");
}

/* The share of free memory in high-order blocks, and its change since @prev. */
static void text_free_share(FILE *out, const struct scn_snapshot *const snap[NR_SIDES],
			    const struct scn_snapshot *const prev[NR_SIDES],
			    const unsigned int order[NR_SIDES])
{
	fprintf(out, "  free memory in blocks of order >= pageblock order:\n");
	for (int s = 0; s < NR_SIDES; s++) {
		struct free_share f = free_share(snap[s], order[s]);

		fprintf(out, "    %-7s %lu of %lu free pages (%.1f%%)", side_names[s], f.high,
			f.pages, percent(&f));
		if (prev[s]) {
			struct free_share p = free_share(prev[s], order[s]);

			fprintf(out, "; since the previous report %+ld free pages, %+ld in such "
				"blocks", (long)(f.pages - p.pages), (long)(f.high - p.high));
		}
		fputc('\n', out);
	}
}

static void text_report(FILE *out, const struct scn_results *res, unsigned int i)
{
	const struct scn_snapshot *snap[NR_SIDES], *prev[NR_SIDES];
	unsigned int order[NR_SIDES], hidden = 0;
	struct rows rows = { 0 };

	for (int s = 0; s < NR_SIDES; s++) {
		snap[s] = res[s].reports[i];
		prev[s] = i ? res[s].reports[i - 1] : NULL;
		order[s] = pageblock_order(&res[s]);
		rows_report(&rows, snap[s], s);
	}
	fprintf(out, "\nreport \"%s\"", snap[SIM]->label);
	if (snap[SIM]->line)
		fprintf(out, " (line %u)", snap[SIM]->line);
	fprintf(out, "\n  %-40s %15s %15s %15s\n", "counter", "sim", "kernel", "difference");
	for (unsigned int r = 0; r < rows.n; r++) {
		const struct row *row = &rows.v[r];

		if (!row->v[SIM] && !row->v[KERNEL]) {
			hidden++;
			continue;
		}
		fprintf(out, "  %-40s", row->name);
		text_value(out, row->has[SIM], row->v[SIM]);
		text_value(out, row->has[KERNEL], row->v[KERNEL]);
		text_value(out, row->has[SIM] && row->has[KERNEL], row->v[KERNEL] - row->v[SIM]);
		fputc('\n', out);
	}
	if (hidden)
		fprintf(out, "  (%u counters 0 on both not shown; --json has them)\n", hidden);
	text_free_share(out, snap, prev, order);
	free(rows.v);
}

static void text_verdict(FILE *out, const struct scn_results *res)
{
	fputc('\n', out);
	for (int s = 0; s < NR_SIDES; s++) {
		if (res[s].invariant_error)
			fprintf(out, "%s: FAIL: invariant check failed: %s\n", side_names[s],
				res[s].invariant_error);
		else if (res[s].failures)
			fprintf(out, "%s: FAIL: %u failure%s\n", side_names[s], res[s].failures,
				res[s].failures == 1 ? "" : "s");
		else
			fprintf(out, "%s: PASS\n", side_names[s]);
	}
}

static void text_machine(FILE *out, const struct scn_results *res)
{
	fprintf(out, "pagelab compare: scenario %s\n", res[SIM].scenario);
	for (int s = 0; s < NR_SIDES; s++) {
		fprintf(out, "  %-7s", side_names[s]);
		for (unsigned int i = 0; i < res[s].nmachine; i++)
			fprintf(out, " %s=%ld", res[s].machine[i].name, res[s].machine[i].value);
		if (res[s].kernel_release)
			fprintf(out, " kernel_release=%s", res[s].kernel_release);
		fputc('\n', out);
	}
}

static void compare_text(FILE *out, const struct scn_results *res)
{
	unsigned int nreports = min(res[SIM].nreports, res[KERNEL].nreports);

	text_machine(out, res);
	text_expects(out, res);
	for (unsigned int i = 0; i < nreports; i++)
		text_report(out, res, i);
	text_verdict(out, res);
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */

static void json_number(FILE *out, bool has, long v)
{
	if (has)
		fprintf(out, "%ld", v);
	else
		fputs("null", out);
}

static void json_expects(FILE *out, const struct scn_results *res)
{
	unsigned int *lines, n = result_lines(res, false, &lines);

	fputs("    \"expects\": [", out);
	for (unsigned int i = 0; i < n; i++) {
		const struct scn_expect_result *e[NR_SIDES];

		for (int s = 0; s < NR_SIDES; s++)
			e[s] = expect_at(&res[s], lines[i]);
		fprintf(out, "%s\n      {\"line\": %u, \"expr\": ", i ? "," : "", lines[i]);
		scn_json_string(out, (e[SIM] ? e[SIM] : e[KERNEL])->expr);
		for (int s = 0; s < NR_SIDES; s++) {
			fprintf(out, ", \"%s\": ", side_names[s]);
			if (e[s])
				fprintf(out, "{\"actual\": %ld, \"ok\": %s}", e[s]->actual,
					e[s]->ok ? "true" : "false");
			else
				fputs("null", out);
		}
		fputc('}', out);
	}
	free(lines);
	fputs(n ? "\n    ],\n    \"checks\": [" : "],\n    \"checks\": [", out);
	n = result_lines(res, true, &lines);
	for (unsigned int i = 0; i < n; i++) {
		const struct scn_check_result *c[NR_SIDES];

		for (int s = 0; s < NR_SIDES; s++)
			c[s] = check_at(&res[s], lines[i]);
		fprintf(out, "%s\n      {\"line\": %u, \"region\": ", i ? "," : "", lines[i]);
		scn_json_string(out, (c[SIM] ? c[SIM] : c[KERNEL])->region);
		for (int s = 0; s < NR_SIDES; s++) {
			fprintf(out, ", \"%s\": %s", side_names[s],
				!c[s] ? "null" : c[s]->intact ? "true" : "false");
		}
		fputc('}', out);
	}
	free(lines);
	fputs(n ? "\n    ],\n" : "],\n", out);
}

static void json_report(FILE *out, const struct scn_results *res, unsigned int i, bool last)
{
	struct rows rows = { 0 };

	for (int s = 0; s < NR_SIDES; s++)
		rows_report(&rows, res[s].reports[i], s);
	fputs("      {\"label\": ", out);
	scn_json_string(out, res[SIM].reports[i]->label);
	fprintf(out, ", \"line\": %u,\n       \"free_pages\": {", res[SIM].reports[i]->line);
	for (int s = 0; s < NR_SIDES; s++) {
		struct free_share f = free_share(res[s].reports[i], pageblock_order(&res[s]));

		fprintf(out, "%s\"%s\": {\"all\": %lu, \"pageblock_order_or_more\": %lu}",
			s ? ", " : "", side_names[s], f.pages, f.high);
	}
	fputs("},\n       \"counters\": [", out);
	for (unsigned int r = 0; r < rows.n; r++) {
		const struct row *row = &rows.v[r];

		fprintf(out, "%s\n        {\"name\": ", r ? "," : "");
		scn_json_string(out, row->name);
		for (int s = 0; s < NR_SIDES; s++) {
			fprintf(out, ", \"%s\": ", side_names[s]);
			json_number(out, row->has[s], row->v[s]);
		}
		fputs(", \"difference\": ", out);
		json_number(out, row->has[SIM] && row->has[KERNEL], row->v[KERNEL] - row->v[SIM]);
		fputc('}', out);
	}
	fprintf(out, "%s]}%s\n", rows.n ? "\n       " : "", last ? "" : ",");
	free(rows.v);
}

static int compare_json(FILE *out, const struct scn_results *res)
{
	unsigned int nreports = min(res[SIM].nreports, res[KERNEL].nreports);

	fputs("{\n\"scenario\": ", out);
	scn_json_string(out, res[SIM].scenario);
	for (int s = 0; s < NR_SIDES; s++) {
		fprintf(out, ",\n\"%s\": ", side_names[s]);
		scn_report_json(&res[s], out);
	}
	fputs(",\n\"comparison\": {\n", out);
	json_expects(out, res);
	fputs("    \"reports\": [\n", out);
	for (unsigned int i = 0; i < nreports; i++)
		json_report(out, res, i, i + 1 == nreports);
	fprintf(out, "    ],\n    \"pass\": {\"sim\": %s, \"kernel\": %s}\n}\n}\n",
		res[SIM].failures ? "false" : "true", res[KERNEL].failures ? "false" : "true");
	return fflush(out) || ferror(out) ? -EIO : 0;
}

/* ------------------------------------------------------------------ */
/* The command                                                         */

/* Parse for both backends; print every error, prefixed by its backend. */
static int load_both(const struct pagelab_run_options *opts,
		     const struct scn_backend *const be[NR_SIDES],
		     struct scn_script *s[NR_SIDES])
{
	int err = 0;

	for (int i = 0; i < NR_SIDES; i++) {
		s[i] = scn_load(opts, be[i], 0);
		if (!s[i])
			return -EINVAL;
		for (unsigned int e = 0; e < s[i]->nerrors; e++)
			fprintf(stderr, "%s (%s backend)\n", s[i]->errors[e], side_names[i]);
		err = s[i]->nerrors ? -EINVAL : err;
	}
	return err;
}

static int status_of(const int status[NR_SIDES], const struct scn_results *res)
{
	if (status[SIM] == PAGELAB_RUN_ERROR || status[KERNEL] == PAGELAB_RUN_ERROR)
		return PAGELAB_RUN_ERROR;
	if (status[SIM] == PAGELAB_RUN_INVARIANT || status[KERNEL] == PAGELAB_RUN_INVARIANT)
		return PAGELAB_RUN_INVARIANT;
	return res[SIM].failures || res[KERNEL].failures ? PAGELAB_RUN_FAIL : PAGELAB_RUN_PASS;
}

/* Run both, then write the comparison; the kernel's run only if the sim's could start. */
static int run_both(const struct pagelab_run_options *opts,
		    const struct scn_backend *const be[NR_SIDES],
		    struct scn_script *const s[NR_SIDES], FILE *json)
{
	struct pagelab_run_options o[NR_SIDES] = { *opts, *opts };
	struct scn_results res[NR_SIDES] = { 0 };
	int status[NR_SIDES] = { PAGELAB_RUN_ERROR, PAGELAB_RUN_ERROR }, ret;

	o[KERNEL].deterministic = false;	/* the kernel's daemons keep their own time */
	for (int i = 0; i < NR_SIDES && (!i || status[SIM] != PAGELAB_RUN_ERROR); i++) {
		fprintf(stderr, "pagelab compare: running %s on the %s backend\n", opts->file,
			side_names[i]);
		status[i] = scn_run(s[i], be[i], &o[i], &res[i]);
		res[i].scenario = opts->file;
	}
	ret = status_of(status, res);
	if (ret != PAGELAB_RUN_ERROR) {
		if (json != stdout)
			compare_text(stdout, res);
		if (json && compare_json(json, res)) {
			fprintf(stderr, "pagelab: writing the JSON comparison failed\n");
			ret = ret ? ret : PAGELAB_RUN_FAIL;
		}
	}
	for (int i = 0; i < NR_SIDES; i++)
		scn_results_free(&res[i]);
	return ret;
}

/**
 * pagelab_scenario_compare() - `pagelab compare`: the scenario on both
 * backends, side by side.
 * @opts: see include/pagelab/scenario.h.
 *
 * Context: builds the sim machine, then the kernel backend's processes;
 * one after the other.
 * Return: an enum pagelab_run_status.
 */
int pagelab_scenario_compare(const struct pagelab_run_options *opts)
{
	const struct scn_backend *const be[NR_SIDES] = { &scn_backend_sim, &scn_backend_kernel };
	struct scn_script *s[NR_SIDES] = { NULL, NULL };
	FILE *json = NULL;
	int ret = PAGELAB_RUN_ERROR;

	if (!opts->file || opts->backend || opts->svg_path || opts->trace_path ||
	    opts->balloon_connect) {
		fputs("pagelab: compare takes a scenario file, --json, --seed and "
		      "--deterministic only\n", stderr);
		return PAGELAB_RUN_ERROR;
	}
	if (load_both(opts, be, s))
		goto out;
	if (opts->json_path) {
		json = strcmp(opts->json_path, "-") ? fopen(opts->json_path, "w") : stdout;
		if (!json) {
			fprintf(stderr, "pagelab: cannot write the JSON comparison to %s: %s\n",
				opts->json_path, strerror(errno));
			goto out;
		}
	}
	ret = run_both(opts, be, s, json);
	if (json && json != stdout)
		fclose(json);
out:
	for (int i = 0; i < NR_SIDES; i++)
		scn_script_free(s[i]);
	return ret;
}
