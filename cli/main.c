/* SPDX-License-Identifier: MIT */
/*
 * main.c - the pagelab command: `pagelab run` runs a scenario
 * (pagelab_scenario_run()), `pagelab compare` runs one on both backends
 * (pagelab_scenario_compare()), `pagelab restore` gives back the knobs of
 * a killed kernel-backend run (pagelab_kernel_restore()), `pagelab report`
 * boots a machine and prints
 * one of its /proc files in the kernel's format, `pagelab version` and
 * `pagelab --help` say what this is. Exit statuses: 0 pass, 1 a failed
 * expect or check, 2 bad usage or a bad scenario, 3 the simulator's own
 * invariant check failed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/compiler.h"
#include "pagelab/pagelab.h"
#include "pagelab/scenario.h"
#include "cmd.h"

/* Keep in step with project(pagelab VERSION ...) in CMakeLists.txt. */
#define PAGELAB_VERSION_STRING "0.1"

static const char usage[] =
	"usage: pagelab run [FILE] [--backend sim|kernel] [--json FILE] [--svg FILE]\n"
	"                   [--trace FILE] [--seed N] [--deterministic] [--connect PATH]\n"
	"       pagelab compare FILE [--json FILE] [--seed N] [--deterministic]\n"
	"       pagelab restore\n"
	"       pagelab report vmstat|buddyinfo|pagetypeinfo|zoneinfo|meminfo|frames\n"
	"                      [--memory SIZE]\n"
	"       pagelab host --memory SIZE --socket PATH [--free-page-reporting]\n"
	"       pagelab balloon --connect PATH set SIZE | info | stats\n"
	"       pagelab replay TRACE [--memory SIZE] [--json FILE] [--interval DUR]\n"
	"       pagelab version\n"
	"       pagelab --help\n"
	"\n"
	"run       run a scenario (docs/scenario.md); with no FILE, the built-in one.\n"
	"          --backend        sim (default) or kernel (the host's kernel, see\n"
	"                           docs/kernel-backend.md; knobs and compact need root)\n"
	"          --json FILE      write the JSON report to FILE (- for stdout: then\n"
	"                           the text summary is not printed)\n"
	"          --svg FILE       write a chart of free memory by order to FILE\n"
	"          --trace FILE     write ftrace-style migration and compaction events\n"
	"                           to FILE (- for stdout)\n"
	"          --seed N         mixed into every random choice and content (default 0)\n"
	"          --deterministic  run & commands inline and sleep on a virtual clock,\n"
	"                           so that the same seed gives the same report\n"
	"          --connect PATH   run the machine on the memory of the `pagelab host`\n"
	"                           listening at PATH, with its balloon\n"
	"compare   run FILE on both backends and show every expect, check and\n"
	"          counter side by side (--json FILE: both reports and the comparison)\n"
	"restore   give back the knobs a killed kernel-backend run left changed\n"
	"report    boot the default machine (or one of SIZE memory) and print\n"
	"          /proc/vmstat, /proc/buddyinfo, /proc/pagetypeinfo, /proc/zoneinfo or\n"
	"          /proc/meminfo as Linux does, or the frame census (frames)\n"
	"host      hold a guest's memory and run its balloon device (docs/balloon.md)\n"
	"balloon   as QEMU's balloon, info balloon and guest stats, against a host\n"
	"replay    replay a kernel trace of kmem page events into the simulated\n"
	"          allocator and report fragmentation over trace time (docs/replay.md)\n"
	"version   print the version\n"
	"\n"
	"exit status: 0 pass, 1 an expect or check failed, 2 bad usage or scenario,\n"
	"3 the simulator's invariant check failed\n";

static int usage_error(const char *fmt, const char *arg)
{
	fputs("pagelab: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\nTry 'pagelab --help'.\n", stderr);
	return PAGELAB_RUN_ERROR;
}

/* The value of option argv[*i]: "--opt VALUE" or "--opt=VALUE". */
static const char *option_value(int argc, char **argv, int *i, const char *opt)
{
	size_t n = strlen(opt);

	if (!strncmp(argv[*i], opt, n) && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (strcmp(argv[*i], opt))
		return NULL;
	if (*i + 1 >= argc)
		return "";
	return argv[++*i];
}

static int run_option(int argc, char **argv, int *i, struct pagelab_run_options *o)
{
	static const char *const opts[] = { "--backend", "--json", "--svg", "--trace",
					    "--connect", "--seed" };
	const char **dest[] = { &o->backend, &o->json_path, &o->svg_path, &o->trace_path,
				&o->balloon_connect, NULL };
	const char *val;

	if (!strcmp(argv[*i], "--deterministic")) {
		o->deterministic = true;
		return 0;
	}
	for (size_t k = 0; k < ARRAY_SIZE(opts); k++) {
		val = option_value(argc, argv, i, opts[k]);
		if (!val)
			continue;
		if (!*val)
			return usage_error("%s needs a value", opts[k]);
		if (dest[k]) {
			*dest[k] = val;
			return 0;
		}
		if (pagelab_parse_u64(val, &o->seed))
			return usage_error("bad seed '%s' (expected a non-negative integer)", val);
		return 0;
	}
	return usage_error("unknown option '%s'", argv[*i]);
}

/* `run` and `compare`: the same options (compare refuses those it has no use for). */
static int cmd_run(int argc, char **argv, bool compare)
{
	struct pagelab_run_options o = { 0 };

	for (int i = 2; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1]) {
			if (run_option(argc, argv, &i, &o))
				return PAGELAB_RUN_ERROR;
		} else if (o.file) {
			return usage_error("unexpected argument '%s' (one scenario at a time)",
					   argv[i]);
		} else {
			o.file = argv[i];
		}
	}
	if (compare && !o.file)
		return usage_error("%s", "missing scenario file for 'compare'");
	return compare ? pagelab_scenario_compare(&o) : pagelab_scenario_run(&o);
}

/* The report @name asks for, or -1 after saying that there is none. */
static int report_which(const char *name)
{
	static const char *const names[] = { "vmstat", "buddyinfo", "pagetypeinfo", "zoneinfo",
					     "meminfo", "frames" };
	static const enum pagelab_report reports[] = {
		PAGELAB_PROC_VMSTAT, PAGELAB_PROC_BUDDYINFO, PAGELAB_PROC_PAGETYPEINFO,
		PAGELAB_PROC_ZONEINFO, PAGELAB_PROC_MEMINFO, PAGELAB_FRAME_CENSUS,
	};

	for (size_t k = 0; k < ARRAY_SIZE(names); k++)
		if (!strcmp(name, names[k]))
			return reports[k];
	usage_error("unknown report '%s' (expected vmstat, buddyinfo, pagetypeinfo, zoneinfo, "
		    "meminfo or frames)", name);
	return -1;
}

/* Boot the default machine, or one of --memory SIZE, and print one /proc file. */
static int cmd_report(int argc, char **argv)
{
	struct pagelab_config cfg = PAGELAB_CONFIG_DEFAULT;
	struct pagelab_machine *m;
	const char *val;
	char msg[256];
	int which, err;

	if (argc < 3)
		return usage_error("%s", "missing report (expected vmstat, buddyinfo, pagetypeinfo, "
				   "zoneinfo, meminfo or frames)");
	which = report_which(argv[2]);
	if (which < 0)
		return PAGELAB_RUN_ERROR;
	for (int i = 3; i < argc; i++) {
		val = option_value(argc, argv, &i, "--memory");
		if (!val)
			return usage_error("unknown option '%s' for 'report'", argv[i]);
		err = pagelab_parse_size(val, &cfg.memory_bytes);
		if (err == -ERANGE)
			return usage_error("size '%s' for --memory is out of range (at most "
					   "18446744073709551615 bytes)", val);
		if (err)
			return usage_error("bad size '%s' for --memory (expected an integer with an "
					   "optional K, M, G or p)", val);
	}
	if (pagelab_config_validate(&cfg, msg, sizeof(msg)))
		return usage_error("bad --memory: %s", msg);
	err = pagelab_machine_create(&cfg, &m);
	if (err) {
		fprintf(stderr, "pagelab: cannot build the machine: %s\n", strerror(-err));
		return PAGELAB_RUN_ERROR;
	}
	err = pagelab_report(m, which, stdout);
	pagelab_machine_destroy(m);
	return err ? PAGELAB_RUN_ERROR : PAGELAB_RUN_PASS;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("%s", "missing command (run, report, host, balloon or version)");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("pagelab %s\n", PAGELAB_VERSION_STRING);
		return 0;
	}
	if (!strcmp(argv[1], "run") || !strcmp(argv[1], "compare"))
		return cmd_run(argc, argv, !strcmp(argv[1], "compare"));
	if (!strcmp(argv[1], "report"))
		return cmd_report(argc, argv);
	if (!strcmp(argv[1], "restore")) {
		if (argc > 2)
			return usage_error("unexpected argument '%s' for 'restore'", argv[2]);
		return pagelab_kernel_restore();
	}
	if (!strcmp(argv[1], "host"))
		return cmd_host(argc, argv);
	if (!strcmp(argv[1], "balloon"))
		return cmd_balloon(argc, argv);
	if (!strcmp(argv[1], "replay"))
		return cmd_replay(argc, argv);
	return usage_error("unknown command '%s' (expected run, compare, restore, report, host, "
			   "balloon or version)", argv[1]);
}
