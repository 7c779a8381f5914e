/* SPDX-License-Identifier: MIT */
/*
 * main.c - the pagelab command: `pagelab run` runs a scenario
 * (pagelab_scenario_run()), `pagelab compare` runs one on both backends
 * (pagelab_scenario_compare()), `pagelab restore` gives back the knobs of
 * a killed kernel-backend run (pagelab_kernel_restore()), `pagelab report`
 * boots a machine and prints one of its /proc files in the kernel's format,
 * `pagelab host` and `pagelab balloon` (cmd_host.c, cmd_balloon.c) serve
 * and drive a balloon, `pagelab replay` (cmd_replay.c) replays a kernel
 * trace of page allocations, `pagelab version`, `pagelab help [COMMAND]`,
 * `pagelab --help` and `pagelab COMMAND --help` say what this is. One table
 * of commands (commands[]) drives dispatch, help and the list an unknown
 * command is answered with. Exit statuses: 0 pass, 1 a failed expect or
 * check, 2 bad usage or a bad scenario, 3 the simulator's own invariant
 * check failed.
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

/*
 * The commands: one table drives dispatch, `pagelab --help` (the list),
 * `pagelab help COMMAND` and `pagelab COMMAND --help` (a command's usage),
 * and the list an unknown command is answered with.
 */
struct command {
	const char *name;
	const char *summary;		/* one line, for the list */
	const char *usage;		/* the whole usage, for help COMMAND */
	int (*run)(int argc, char **argv);
};

static const char run_usage[] =
	"usage: pagelab run [FILE] [--backend sim|kernel] [--json FILE] [--svg FILE]\n"
	"                   [--trace FILE] [--seed N] [--deterministic] [--connect PATH]\n"
	"\n"
	"Run a scenario (docs/scenario.md, pagelab-scenario(5)); with no FILE, the\n"
	"built-in one. A readable report goes to stdout.\n"
	"  --backend sim|kernel  the simulated machine (default) or the host's kernel\n"
	"                        (docs/kernel-backend.md; knobs and compact need root)\n"
	"  --json FILE           write the JSON report to FILE (- for stdout: then the\n"
	"                        text summary is not printed)\n"
	"  --svg FILE            write a chart of free memory by order to FILE\n"
	"  --trace FILE          write ftrace-style migration and compaction events to\n"
	"                        FILE (- for stdout)\n"
	"  --seed N              mixed into every random choice and content (default 0)\n"
	"  --deterministic       run & commands inline and sleep on a virtual clock, so\n"
	"                        that the same seed gives the same report\n"
	"  --connect PATH        run the machine on the memory of the `pagelab host`\n"
	"                        listening at PATH, with its balloon\n"
	"\n"
	"exit status: 0 pass, 1 an expect or check failed, 2 bad usage or scenario,\n"
	"3 the simulator's invariant check failed\n";

static const char compare_usage[] =
	"usage: pagelab compare FILE [--json FILE] [--seed N] [--deterministic]\n"
	"\n"
	"Run FILE on the sim backend, then on the kernel backend, and show every\n"
	"expect, check and counter side by side (docs/kernel-backend.md).\n"
	"  --json FILE       write both reports and the comparison to FILE\n"
	"  --seed N          as for run, for the sim run\n"
	"  --deterministic   as for run, for the sim run\n"
	"\n"
	"exit status: 0 when every expect and check passed on both backends, 1 when\n"
	"one failed, 2 bad usage or scenario\n";

static const char restore_usage[] =
	"usage: pagelab restore\n"
	"\n"
	"Give back the knobs a kernel-backend run killed by SIGKILL left changed, from\n"
	"its journal, as the next kernel-backend run would (as root).\n";

static const char report_usage[] =
	"usage: pagelab report vmstat|buddyinfo|pagetypeinfo|zoneinfo|meminfo|frames\n"
	"                      [--memory SIZE]\n"
	"\n"
	"Boot the default machine (or one of SIZE memory, with K, M, G or p) and print\n"
	"its /proc/vmstat, /proc/buddyinfo, /proc/pagetypeinfo, /proc/zoneinfo or\n"
	"/proc/meminfo as Linux does (the lines pagelab models), or its frame census\n"
	"(frames: every frame in exactly one state, then the total).\n";

static const char version_usage[] =
	"usage: pagelab version\n"
	"\n"
	"Print the version.\n";

static const char help_usage[] =
	"usage: pagelab help [COMMAND]\n"
	"       pagelab COMMAND --help\n"
	"       pagelab --help\n"
	"\n"
	"Print COMMAND's usage, or with no COMMAND the list of commands.\n";

static int cmd_run(int argc, char **argv);
static int cmd_compare(int argc, char **argv);
static int cmd_restore(int argc, char **argv);
static int cmd_report(int argc, char **argv);
static int cmd_version(int argc, char **argv);
static int cmd_help(int argc, char **argv);

static const struct command commands[] = {
	{ "run", "run a scenario (docs/scenario.md); with no FILE, the built-in one",
	  run_usage, cmd_run },
	{ "compare", "run a scenario on both backends and show them side by side",
	  compare_usage, cmd_compare },
	{ "restore", "give back the knobs a killed kernel-backend run left changed",
	  restore_usage, cmd_restore },
	{ "report", "print a fresh machine's /proc files (vmstat, zoneinfo, ...) or census",
	  report_usage, cmd_report },
	{ "host", "hold a guest's memory and run its balloon device (docs/balloon.md)",
	  host_usage, cmd_host },
	{ "balloon", "set or show a host's balloon, as QEMU's monitor does",
	  balloon_usage, cmd_balloon },
	{ "replay", "replay a kernel trace of kmem page events (docs/replay.md)",
	  replay_usage, cmd_replay },
	{ "version", "print the version", version_usage, cmd_version },
	{ "help", "print a command's usage, or this list", help_usage, cmd_help },
};

static const struct command *find_command(const char *name)
{
	for (size_t k = 0; k < ARRAY_SIZE(commands); k++)
		if (!strcmp(name, commands[k].name))
			return &commands[k];
	return NULL;
}

/* "run, compare, ... or help": every command, for messages. */
static void command_list(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < ARRAY_SIZE(commands); k++)
		n += snprintf(buf + n, len - min(n, len), "%s%s",
			      !k ? "" : k + 1 < ARRAY_SIZE(commands) ? ", " : " or ",
			      commands[k].name);
}

/* `pagelab --help`: every command's usage line and what it does. */
static void print_overview(FILE *f)
{
	fputs("usage: pagelab COMMAND [ARGS]\n\ncommands:\n", f);
	for (size_t k = 0; k < ARRAY_SIZE(commands); k++)
		fprintf(f, "  %-9s %s\n", commands[k].name, commands[k].summary);
	fputs("\n'pagelab help COMMAND' or 'pagelab COMMAND --help' prints COMMAND's usage.\n"
	      "\n"
	      "exit status: 0 pass, 1 an expect or check failed, 2 bad usage or scenario,\n"
	      "3 the simulator's invariant check failed\n", f);
}

/* The command being run, for the hint after a usage error; NULL before. */
static const struct command *running;

static int usage_error(const char *fmt, const char *arg)
{
	fputs("pagelab: ", stderr);
	fprintf(stderr, fmt, arg);
	if (running)
		fprintf(stderr, "\nTry 'pagelab %s --help'.\n", running->name);
	else
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
static int run_or_compare(int argc, char **argv, bool compare)
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

static int cmd_run(int argc, char **argv)
{
	return run_or_compare(argc, argv, false);
}

static int cmd_compare(int argc, char **argv)
{
	return run_or_compare(argc, argv, true);
}

static int cmd_restore(int argc, char **argv)
{
	if (argc > 2)
		return usage_error("unexpected argument '%s' for 'restore'", argv[2]);
	return pagelab_kernel_restore();
}

static int cmd_version(int argc, char **argv)
{
	if (argc > 2)
		return usage_error("unexpected argument '%s' for 'version'", argv[2]);
	printf("pagelab %s\n", PAGELAB_VERSION_STRING);
	return 0;
}

static int unknown_command(const char *name)
{
	char list[256];

	command_list(list, sizeof(list));
	fprintf(stderr, "pagelab: unknown command '%s' (expected %s)\n", name, list);
	fputs("Try 'pagelab --help'.\n", stderr);
	return PAGELAB_RUN_ERROR;
}

/* `pagelab help [COMMAND]`. */
static int cmd_help(int argc, char **argv)
{
	const struct command *c;

	if (argc < 3) {
		print_overview(stdout);
		return 0;
	}
	if (argc > 3)
		return usage_error("unexpected argument '%s' for 'help'", argv[3]);
	c = find_command(argv[2]);
	if (!c)
		return unknown_command(argv[2]);
	fputs(c->usage, stdout);
	return 0;
}

static bool is_help(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

int main(int argc, char **argv)
{
	const struct command *c;
	char list[256];

	if (argc < 2) {
		command_list(list, sizeof(list));
		return usage_error("missing command (expected %s)", list);
	}
	if (is_help(argv[1])) {
		print_overview(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(2, argv);
	c = find_command(argv[1]);
	if (!c)
		return unknown_command(argv[1]);
	/* COMMAND --help, wherever it stands among COMMAND's arguments. */
	for (int i = 2; i < argc; i++) {
		if (is_help(argv[i])) {
			fputs(c->usage, stdout);
			return 0;
		}
	}
	running = c;
	return c->run(argc, argv);
}
