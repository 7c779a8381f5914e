/* SPDX-License-Identifier: MIT */
/*
 * runner_internal.h - the runner's side of a run (runner.c): what a run
 * produces (struct scn_results) and its outputs, the text summary and the
 * JSON report (report.c) and the SVG chart (svg.c), for scenario.c to
 * write. Backends see none of it: their view is backend.h.
 */
#ifndef PAGELAB_SCENARIO_RUNNER_INTERNAL_H
#define PAGELAB_SCENARIO_RUNNER_INTERNAL_H

#include <stdio.h>
#include "pagelab/scenario.h"
#include "scenario/backend.h"

/* One point of the SVG chart: free pages held in blocks of each order. */
struct scn_sample {
	double time_s;
	unsigned int step;		/* commands completed so far */
	unsigned long free_pages[SCN_ORDERS_MAX];
};

struct scn_expect_result {
	unsigned int line;
	const char *expr;
	long actual;
	bool ok;
};

struct scn_check_result {
	unsigned int line;
	char *region;
	bool intact;
};

struct scn_migrate_result {
	unsigned int line;
	char *region;
	unsigned long pages[SCN_NR_MIGRATE_STATUS];
};

/* Everything a run produces, for report.c and svg.c. */
struct scn_results {
	const char *backend, *scenario;
	struct scn_counter machine[8];
	unsigned int nmachine;
	unsigned int max_order;
	struct scn_snapshot **reports;
	unsigned int nreports, reports_cap;
	struct scn_expect_result *expects;
	unsigned int nexpects, expects_cap;
	struct scn_check_result *checks;
	unsigned int nchecks, checks_cap;
	struct scn_migrate_result *migrations;
	unsigned int nmigrations, migrations_cap;
	struct scn_sample *samples;
	unsigned int nsamples, samples_cap;
	unsigned int failures;		/* failed expects, checks, commands */
	char *invariant_error;		/* ->finish's message, or NULL */
	char *kernel_release;		/* the host's, on the kernel backend; or NULL */
	bool deterministic;
};

/* runner.c */
int scn_run(const struct scn_script *s, const struct scn_backend *be,
	    const struct pagelab_run_options *opts, struct scn_results *res);
void scn_results_free(struct scn_results *res);

/* scenario.c */
struct scn_script *scn_load(const struct pagelab_run_options *opts,
			    const struct scn_backend *be, uint64_t host_memory);

/* report.c, svg.c */
extern const char *const scn_migrate_status_names[SCN_NR_MIGRATE_STATUS];
void scn_report_text(const struct scn_results *res, FILE *out);
int scn_report_json(const struct scn_results *res, FILE *out);
int scn_report_svg(const struct scn_results *res, FILE *out);
void scn_json_string(FILE *out, const char *s);
void scn_report_snapshot_text(const struct scn_snapshot *snap, const struct scn_snapshot *prev,
			      FILE *out);
void scn_report_snapshot_json(FILE *out, const struct scn_snapshot *snap);
void scn_report_text_proc(const struct scn_snapshot *snap, FILE *out);
void scn_report_json_proc(FILE *out, const struct scn_snapshot *snap);
void scn_svg_text(FILE *out, const char *s);

#endif /* PAGELAB_SCENARIO_RUNNER_INTERNAL_H */
