/* SPDX-License-Identifier: MIT */
/*
 * cmd_replay.c - `pagelab replay TRACE [--memory SIZE] [--json FILE]
 * [--interval DUR]`: replay a kernel trace of the kmem page events into
 * the simulated allocator and report buddyinfo and the fragmentation
 * figures at intervals of trace time (scn_replay(); docs/replay.md).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "pagelab/scenario.h"
#include "scenario/replay.h"
#include "cmd.h"

const char replay_usage[] =
	"usage: pagelab replay TRACE [--memory SIZE] [--json FILE] [--interval DUR]\n"
	"\n"
	"Replay the kmem:mm_page_alloc, mm_page_free and mm_page_free_batched events\n"
	"of TRACE (ftrace text, trace-cmd report or perf script output; - for stdin)\n"
	"into the simulated allocator, and report buddyinfo, the extfrag and unusable\n"
	"indices and the fallbacks (mm_page_alloc_extfrag) at intervals of trace time.\n"
	"  --memory SIZE    the machine's memory (default: the trace's highest pfn)\n"
	"  --json FILE      write the JSON report to FILE (- for stdout)\n"
	"  --interval DUR   trace time between reports, with ms or s (default 1s)\n";

static int replay_usage_error(const char *fmt, const char *arg)
{
	fputs("pagelab replay: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n", stderr);
	fputs(replay_usage, stderr);
	return PAGELAB_RUN_ERROR;
}

/* The value of option argv[*i] if it is @opt ("--opt VALUE" or "--opt=VALUE"). */
static const char *replay_option(int argc, char **argv, int *i, const char *opt)
{
	size_t n = strlen(opt);

	if (!strncmp(argv[*i], opt, n) && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (strcmp(argv[*i], opt))
		return NULL;
	return *i + 1 < argc ? argv[++*i] : "";
}

static int replay_memory(const char *val, struct scn_replay_options *o)
{
	int err = pagelab_parse_size(val, &o->memory_bytes);

	if (!err && o->memory_bytes)
		return 0;
	return replay_usage_error("bad size '%s' for --memory (expected a positive integer "
				  "with an optional K, M, G or p)", val);
}

/* One option at argv[*i]; Return: 0 or PAGELAB_RUN_ERROR. */
static int replay_parse_option(int argc, char **argv, int *i, struct scn_replay_options *o)
{
	const char *val;

	if ((val = replay_option(argc, argv, i, "--memory")))
		return *val ? replay_memory(val, o) : replay_usage_error("%s needs a value",
									 "--memory");
	if ((val = replay_option(argc, argv, i, "--json")))
		o->json_path = val;
	else if ((val = replay_option(argc, argv, i, "--interval")))
		o->interval = val;
	else
		return replay_usage_error("unknown option '%s'", argv[*i]);
	return *val ? 0 : replay_usage_error("%s needs a value", argv[*i]);
}

/**
 * cmd_replay() - `pagelab replay`.
 * @argc: as main()'s.
 * @argv: as main()'s; argv[1] is "replay".
 *
 * Context: the process's main thread; builds the process's one machine.
 * Return: PAGELAB_RUN_PASS; PAGELAB_RUN_ERROR for bad usage or a bad
 * trace; PAGELAB_RUN_INVARIANT if the machine's check failed.
 */
int cmd_replay(int argc, char **argv)
{
	struct scn_replay_options o = { 0 };

	for (int i = 2; i < argc; i++) {
		if (argv[i][0] == '-' && argv[i][1]) {
			if (replay_parse_option(argc, argv, &i, &o))
				return PAGELAB_RUN_ERROR;
		} else if (o.trace_path) {
			return replay_usage_error("unexpected argument '%s' (one trace at a time)",
						  argv[i]);
		} else {
			o.trace_path = argv[i];
		}
	}
	if (!o.trace_path)
		return replay_usage_error("%s", "missing trace file");
	return scn_replay(&o);
}
