/* SPDX-License-Identifier: MIT */
/*
 * scenario.h - run a pagelab scenario (docs/scenario.md) from a program,
 * as `pagelab run` does.
 *
 * A scenario is parsed and checked as a whole before anything runs; then
 * its commands drive a backend (the simulated machine, "sim") and the run
 * writes a text summary, and optionally a JSON report and an SVG chart.
 */
#ifndef PAGELAB_SCENARIO_H
#define PAGELAB_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Exit statuses of a run, as `pagelab run` returns them. */
enum pagelab_run_status {
	PAGELAB_RUN_PASS = 0,		/* every expect and check held */
	PAGELAB_RUN_FAIL = 1,		/* an expect, check or command failed */
	PAGELAB_RUN_ERROR = 2,		/* bad scenario or options; nothing ran */
	PAGELAB_RUN_INVARIANT = 3,	/* the simulator's own consistency check failed */
};

/**
 * struct pagelab_run_options - what pagelab_scenario_run() runs and writes.
 * @file: the scenario file; NULL runs the built-in default scenario (or
 *	@text). With @text, only the name messages give the scenario.
 * @text: the scenario itself, a NUL-terminated string, instead of a file;
 *	NULL: read @file.
 * @backend: "sim" (NULL means sim) or "kernel".
 * @json_path: write the JSON report there; "-" is stdout, and then the text
 *	summary is not printed. NULL: no JSON.
 * @svg_path: write the SVG chart there; NULL: no chart.
 * @trace_path: write ftrace-style event lines (mm_migrate_pages,
 *	mm_compaction_*) there while the run lasts; "-" is stdout. NULL: no
 *	trace.
 * @seed: mixed into every random choice and content of the run.
 * @deterministic: run background commands inline, in issue order, and let
 *	sleep advance a virtual clock, so that a run is reproducible.
 * @balloon_connect: the socket of a `pagelab host` (--connect): the
 *	machine runs on that host's memory and its balloon talks to it; the
 *	scenario's machine memory must be the host's. NULL: the machine has a
 *	balloon host of its own, in this process.
 */
struct pagelab_run_options {
	const char *file;
	const char *backend;
	const char *json_path;
	const char *svg_path;
	const char *trace_path;
	uint64_t seed;
	bool deterministic;
	const char *balloon_connect;
	const char *text;
};

/**
 * pagelab_scenario_run() - parse, check and run a scenario.
 * @opts: what to run.
 *
 * Errors in the scenario are printed as FILE:LINE: message on stderr.
 * Context: builds and destroys the process's one machine; fails if one
 * exists. Must not be called concurrently with itself.
 * Return: an enum pagelab_run_status.
 */
int pagelab_scenario_run(const struct pagelab_run_options *opts);

/**
 * pagelab_scenario_compare() - `pagelab compare`: parse a scenario for
 * both backends, run it on the simulator, then on the host's kernel, and
 * print side by side every expect and check (value and result on each)
 * and every counter of every report (sim, kernel, difference).
 * @opts: @file (required), @json_path (both reports and the comparison),
 *	@seed and @deterministic (the sim run's). @backend, @svg_path,
 *	@trace_path and @balloon_connect must be NULL.
 *
 * Context: as pagelab_scenario_run(), twice; the kernel run needs what
 * --backend kernel needs (docs/kernel-backend.md).
 * Return: PAGELAB_RUN_PASS if every expect and check held on both,
 * PAGELAB_RUN_FAIL if one failed on either, PAGELAB_RUN_ERROR if the
 * scenario or the options are bad for either backend (nothing runs), or
 * PAGELAB_RUN_INVARIANT if the simulator's own check failed.
 */
int pagelab_scenario_compare(const struct pagelab_run_options *opts);

/**
 * pagelab_kernel_restore() - `pagelab restore`: give back what a
 * kernel-backend run that died (SIGKILL, a crash) left changed: every knob
 * it wrote, and the tracefs instance and mount of its --trace, from the
 * run's journal (docs/kernel-backend.md). The next kernel-backend run does
 * the same before anything else.
 *
 * Context: root; fails while a kernel-backend run is in progress.
 * Return: PAGELAB_RUN_PASS (given back, or nothing to give back), or
 * PAGELAB_RUN_ERROR.
 */
int pagelab_kernel_restore(void);

/**
 * pagelab_parse_size() - read a size as scenarios and pagelab's command
 * line write it: a decimal integer with an optional suffix K, M or G
 * (powers of 1024) or p (4 KiB pages), as "512M" or "256p"; nothing else,
 * not even blanks.
 * @text: the text.
 * @bytes: receives the size in bytes.
 *
 * Context: pure; any thread.
 * Return: 0 and *@bytes; -EINVAL if @text is not a size; -ERANGE if the
 * size does not fit 64 bits.
 */
int pagelab_parse_size(const char *text, uint64_t *bytes);

/**
 * pagelab_parse_u64() - read a non-negative decimal integer (a seed, a
 * count), all of @text and nothing else.
 * @text: the text.
 * @value: receives the number.
 *
 * Context: pure; any thread.
 * Return: 0 and *@value; -EINVAL if @text is not a number; -ERANGE if it
 * does not fit 64 bits.
 */
int pagelab_parse_u64(const char *text, uint64_t *value);

#ifdef __cplusplus
}
#endif

#endif /* PAGELAB_SCENARIO_H */
