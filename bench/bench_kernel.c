/* SPDX-License-Identifier: MIT */
/*
 * bench_kernel.c - benchmarks on the host's kernel (target
 * pagelab-bench-kernel, run by `make bench` after pagelab-bench), through
 * the public API only: a scenario run with --backend kernel, timed by the
 * reports of its JSON.
 *
 *   ksm.kernel.merge_seconds   seconds from `ksm run=1` until KSM has made
 *                              two full scans of a 256 MiB region of
 *                              identical pages (as the kernel's ksm_tests
 *                              -M measures merge time), with pages_to_scan
 *                              10000 and sleep_millisecs 0; every knob is
 *                              given back afterwards.
 *
 * It needs root (the KSM knobs); as another user it prints the line with
 * "skipped" and why, and exits 0. One "name: value" line per benchmark, as
 * pagelab-bench prints them; ksm_kernel_merge_seconds() is one function, to
 * become a row of pagelab-bench's table if that table learns to skip.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include "pagelab/scenario.h"

#define MERGE_SCENARIO \
	"ksm pages_to_scan=10000 sleep_millisecs=0 max_page_sharing=256\n" \
	"process p\n" \
	"p mmap a 256M\n" \
	"p madvise a mergeable\n" \
	"p touch a pattern=same\n" \
	"report start\n" \
	"ksm run=1\n" \
	"ksm wait scans=2\n" \
	"report merged\n" \
	"expect ksm.p.ksm_merging_pages == 65536\n"

/* The time_s of report @label in the JSON text @json, or a negative value. */
static double report_time(const char *json, const char *label)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "\"label\": \"%s\"", label);
	p = strstr(json, key);
	p = p ? strstr(p, "\"time_s\": ") : NULL;
	return p ? strtod(p + strlen("\"time_s\": "), NULL) : -1;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t cap = 0, n;

	if (!f)
		return NULL;
	n = getdelim(&text, &cap, '\0', f);
	fclose(f);
	if (n == (size_t)-1) {
		free(text);
		return NULL;
	}
	return text;
}

/* Run @scenario on the kernel backend with its text summary silenced. */
static int run_quiet(const char *scenario, const char *json)
{
	struct pagelab_run_options o = { .file = scenario, .backend = "kernel",
					 .json_path = json };
	int out = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY), status;

	fflush(stdout);
	dup2(null, STDOUT_FILENO);
	status = pagelab_scenario_run(&o);
	fflush(stdout);
	dup2(out, STDOUT_FILENO);
	close(null);
	close(out);
	return status;
}

/*
 * ksm.kernel.merge_seconds; 0 and *@why when it cannot run here. Return:
 * the seconds, or a negative value with *@why.
 */
static double ksm_kernel_merge_seconds(const char **why)
{
	char dir[] = "/tmp/pagelab-bench.XXXXXX", scn[64], json[64];
	double start, merged = -1;
	char *text;
	FILE *f;

	if (geteuid()) {
		*why = "skipped (needs root: it writes /sys/kernel/mm/ksm)";
		return -1;
	}
	if (access("/sys/kernel/mm/ksm/run", F_OK)) {
		*why = "skipped (this kernel has no KSM)";
		return -1;
	}
	*why = "failed (the scenario did not pass; see stderr)";
	if (!mkdtemp(dir))
		return -1;
	snprintf(scn, sizeof(scn), "%s/merge.scn", dir);
	snprintf(json, sizeof(json), "%s/merge.json", dir);
	f = fopen(scn, "w");
	if (f && fputs(MERGE_SCENARIO, f) >= 0 && !fclose(f) &&
	    run_quiet(scn, json) == PAGELAB_RUN_PASS && (text = slurp(json))) {
		start = report_time(text, "start");
		merged = report_time(text, "merged");
		merged = start >= 0 && merged >= start ? merged - start : -1;
		free(text);
	}
	unlink(json);
	unlink(scn);
	rmdir(dir);
	return merged;
}

int main(void)
{
	const char *why = NULL;
	double s = ksm_kernel_merge_seconds(&why);

	if (s >= 0) {
		printf("ksm.kernel.merge_seconds: %.3f (%.3f..%.3f)\n", s, s, s);
		return 0;
	}
	printf("ksm.kernel.merge_seconds: %s\n", why);
	return strncmp(why, "skipped", strlen("skipped")) ? 1 : 0;
}
