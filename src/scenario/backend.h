/* SPDX-License-Identifier: MIT */
/*
 * backend.h - what runs a scenario: the operations table a backend
 * implements (struct scn_backend), the part of a run it sees (struct
 * scn_run), what it fills for a report (struct scn_snapshot), the runner's
 * services it calls back (scn_record_*(), scn_seed()), and the backends of
 * this build, found by name (backend.c).
 *
 * A backend needs nothing else: no simulator type appears here, so a
 * backend that runs scenarios on something else than pagelab's simulated
 * machine (the host's kernel, say) includes this header and script.h and
 * nothing of backend_sim.c's. docs/backends.md tells the same contract
 * with the life of a run.
 *
 * Life of a run: scn_parse() offers every command to ->check_cmd and every
 * expect name to ->check_name, so that a script the backend cannot run
 * fails before anything runs. A script without errors goes to scn_run(),
 * which calls ->init; then, for each command in order, ->exec (or, for the
 * runner's own commands &, wait, sleep, report and expect, ->bind_cpu,
 * ->snapshot and ->read), with ->buddyinfo after every command and from a
 * sampler thread, and ->step at every command boundary in deterministic
 * mode; then, with every background command joined, a last ->snapshot,
 * ->finish and ->exit.
 */
#ifndef PAGELAB_SCENARIO_BACKEND_H
#define PAGELAB_SCENARIO_BACKEND_H

#include "scenario/script.h"

/* Room in a snapshot; a backend with more fills what fits. */
#define SCN_COUNTERS_MAX	256	/* vmstat counters */
#define SCN_KSM_MAX		64
#define SCN_BALLOON_MAX		8
#define SCN_COMPACTION_MAX	4
#define SCN_COUNTER_NAME	48	/* with its NUL */
#define SCN_ZONES_MAX		4
#define SCN_ORDERS_MAX		13	/* orders 0..12 */
#define SCN_MEMINFO_MAX		80	/* /proc/meminfo lines */
#define SCN_ZONEINFO_MAX	48	/* values of a /proc/zoneinfo zone */
#define SCN_CPUS_MAX		64	/* pagesets of a zone */
#define SCN_FRAMES_MAX		32	/* frame census states */

struct scn_counter {
	char name[SCN_COUNTER_NAME];
	long value;
};

/* One /proc/buddyinfo line: free blocks of each order in a zone. */
struct scn_buddy_zone {
	char zone[16];
	unsigned long nr_free[SCN_ORDERS_MAX];
	unsigned int nr_orders;
};

/*
 * The debugfs extfrag files of one zone: extfrag_index and unusable_index,
 * by order, in thousandths (-1000 in extfrag: an allocation would succeed).
 */
struct scn_frag_zone {
	char zone[16];
	int extfrag[SCN_ORDERS_MAX];
	int unusable[SCN_ORDERS_MAX];
	unsigned int nr_orders;
};

/* One CPU's pageset in /proc/zoneinfo. */
struct scn_pageset {
	int count, high, batch;
};

/*
 * One /proc/zoneinfo zone: its values by the names zoneinfo.ZONE.X uses
 * ("pages_free", "min", ..., "managed", the zone's nr_* lines,
 * "start_pfn"), and each CPU's pageset.
 */
struct scn_zoneinfo {
	char zone[16];
	struct scn_counter v[SCN_ZONEINFO_MAX];
	unsigned int nv;
	struct scn_pageset pcp[SCN_CPUS_MAX];
	unsigned int ncpus;
};

/*
 * One `report`: every counter the backend has, at one moment. The runner
 * allocates it zeroed and sets label, line and time; ->snapshot fills the
 * rest, leaving empty (count 0) what it does not have.
 */
struct scn_snapshot {
	char *label;
	unsigned int line;		/* 0 for the final "end" report */
	double time_s;
	struct scn_counter vmstat[SCN_COUNTERS_MAX];
	unsigned int nvmstat;
	struct scn_counter ksm[SCN_KSM_MAX];
	unsigned int nksm;
	struct scn_counter balloon[SCN_BALLOON_MAX];
	unsigned int nballoon;
	struct scn_buddy_zone buddy[SCN_ZONES_MAX];
	unsigned int nbuddy;
	struct scn_frag_zone frag[SCN_ZONES_MAX];
	unsigned int nfrag;
	struct scn_counter compaction[SCN_COMPACTION_MAX];
	unsigned int ncompaction;
	struct scn_counter meminfo[SCN_MEMINFO_MAX];	/* kB, or a count, as meminfo says */
	unsigned int nmeminfo;
	struct scn_zoneinfo zoneinfo[SCN_ZONES_MAX];
	unsigned int nzoneinfo;
	struct scn_counter frames[SCN_FRAMES_MAX];	/* the frame census, by state */
	unsigned int nframes;
};

/**
 * struct scn_run - a run, as its backend sees it. The runner owns it; the
 *	runner's own state (results, clock, threads) is not part of it.
 * @script: the script being run; read-only, alive until after ->exit.
 *	Pointers into it (commands, names) may be kept until then.
 * @seed: --seed; mix a command's own seed= into it with scn_seed().
 * @deterministic: --deterministic: every op is called from the runner's
 *	thread, one at a time, and time is virtual (see ->step).
 * @cpus: the CPUs commands are spread over: the runner's thread is CPU 0,
 *	background commands take 1, 2, ..., wrapping to 0. The runner sets it
 *	to the machine line's cpus before ->init, which may change it (to at
 *	least 1).
 * @trace_path: --trace, for a backend that writes its own trace
 *	(scn_backend.own_trace): start it in ->init, stop it by ->exit. NULL:
 *	no trace.
 * @be_state: the backend's own; ->init sets it, ->exit frees it.
 */
struct scn_run {
	const struct scn_script *script;
	uint64_t seed;
	bool deterministic;
	unsigned int cpus;
	const char *trace_path;
	void *be_state;
};

/**
 * struct scn_backend - what runs a script's commands.
 * @name: as --backend spells it.
 * @own_trace: the backend writes --trace itself (scn_run.trace_path);
 *	false: the simulator's trace (trace_open()) records the run.
 *
 * Parse time (scn_parse()'s thread; no ->init has run, and nothing may be
 * built or changed: a script is checked whether or not it will run):
 *
 * @check_cmd: @cmd, parsed and checked for syntax and names, with every
 *	command before it in @s (the machine line, if any, is final). Called
 *	for every command, the runner's own (&, wait, sleep, report, expect)
 *	included. Return 0 if the backend can run it, else a negative errno
 *	and a one-line reason in @msg (@len bytes, without FILE:LINE).
 * @check_name: the same for the name of an expect; only a name accepted
 *	here ever reaches ->read.
 *
 * Run time, in this order (scn_run()):
 *
 * @init: on the runner's thread, which becomes CPU 0: build what runs
 *	@run->script and set @run->be_state (and @run->cpus if not the machine
 *	line's). Return 0, or a negative errno with a reason in @msg: the run
 *	then ends with PAGELAB_RUN_ERROR, and no other run-time op is called,
 *	so a failed ->init frees what it built itself.
 * @exec: run one command: every verb but &, wait, sleep, report and expect
 *	(`machine` too: ->init has built it, return 0). Called from the
 *	runner's thread or from a background command's thread, so possibly
 *	concurrently with ->exec, ->read, ->snapshot and ->buddyinfo on other
 *	threads: the backend locks its own state. Commands on one process
 *	keep their written order where they conflict (docs/scenario.md):
 *	that is the backend's to ensure, as only it knows what conflicts.
 *	A failure the script must see (a check that found other contents, a
 *	knob that refused its value) goes through scn_record_failure() and
 *	scn_record_check() / scn_record_migration(), and the command returns
 *	0; return a negative errno only for a command that could not run at
 *	all (the runner then prints "VERB failed: ERRNO" and counts a
 *	failure).
 * @read: from any thread of the run, like ->exec: the current value of an
 *	expect name ->check_name accepted, in *@value. The runner also reads
 *	the machine.X names right after ->init for the report's machine line
 *	(a name that fails is left out). Return 0, or a negative errno (the
 *	expect fails, "cannot read NAME: ERRNO").
 * @snapshot: from any thread of the run, like ->exec: fill @snap's
 *	counters (not its label, line or time). Return 0: anything else is a
 *	bug the runner stops on.
 * @buddyinfo: fill @zones (at most SCN_ZONES_MAX) with free blocks by
 *	order, return how many. Called after every command on the thread that
 *	ran it, and every 50 ms from the runner's sampler thread (not in
 *	deterministic mode), concurrently with everything: cheap, and no lock
 *	that a command holds for long.
 * @bind_cpu: make the calling thread CPU @cpu (below @run->cpus): on a
 *	background command's thread before its ->exec, and in deterministic
 *	mode on the runner's thread around a background command it runs
 *	inline (then back to 0). NULL: threads have no CPU identity.
 * @step: deterministic mode only, on the runner's thread: the work of the
 *	backend's daemons for @elapsed_ms of virtual time. Called at every
 *	command boundary (with 0) and during `sleep`, in steps of at most
 *	500 ms. NULL: no daemons.
 * @finish: on the runner's thread, after the last command and the final
 *	report, with no background thread and no sampler left: check the
 *	consistency of what ran (releasing first, if it likes, what the
 *	script still holds, to see everything come back). Return 0, or a
 *	negative errno with the problem in @msg (the run then exits
 *	PAGELAB_RUN_INVARIANT).
 * @exit: on the runner's thread, last: free everything ->init built,
 *	@run->be_state included.
 * @kernel_release: what runs the scenario, for the report's machine
 *	section: the host kernel's release ("6.18.44"), valid until ->exit.
 *	NULL: not a kernel (the simulator).
 */
struct scn_backend {
	const char *name;
	int (*check_cmd)(const struct scn_script *s, const struct scn_cmd *cmd,
			 char *msg, size_t len);
	int (*check_name)(const struct scn_script *s, const struct scn_name *name,
			  char *msg, size_t len);
	int (*init)(struct scn_run *run, char *msg, size_t len);
	int (*exec)(struct scn_run *run, const struct scn_cmd *cmd);
	int (*read)(struct scn_run *run, const struct scn_name *name, long *value);
	int (*snapshot)(struct scn_run *run, struct scn_snapshot *snap);
	int (*buddyinfo)(struct scn_run *run, struct scn_buddy_zone *zones);
	void (*bind_cpu)(struct scn_run *run, unsigned int cpu);
	void (*step)(struct scn_run *run, unsigned long elapsed_ms);
	int (*finish)(struct scn_run *run, char *msg, size_t len);
	void (*exit)(struct scn_run *run);
	const char *(*kernel_release)(struct scn_run *run);
	bool own_trace;
};

/* The backends of this build (backend_NAME.c), listed by backend.c. */
extern const struct scn_backend scn_backend_sim;
extern const struct scn_backend scn_backend_kernel;

const struct scn_backend *scn_backend_find(const char *name, char *msg, size_t len);

/* What move_pages() said of each page of a `P migrate`, counted. */
enum scn_migrate_status {
	SCN_MIGRATE_MOVED,	/* 0 */
	SCN_MIGRATE_EFAULT,	/* no VMA, or the zero page */
	SCN_MIGRATE_ENOENT,	/* nothing mapped */
	SCN_MIGRATE_EBUSY,	/* not isolatable, or given up */
	SCN_MIGRATE_ENOMEM,	/* not looked at: memory ran out */
	SCN_NR_MIGRATE_STATUS
};

/* The runner's services (runner.c), from any thread of the run. */
void scn_record_failure(struct scn_run *run, const struct scn_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void scn_record_check(struct scn_run *run, const struct scn_cmd *cmd, const char *region,
		      bool intact);
void scn_record_migration(struct scn_run *run, const struct scn_cmd *cmd, const char *region,
			  const unsigned long pages[SCN_NR_MIGRATE_STATUS]);
uint64_t scn_seed(const struct scn_run *run, uint64_t value);
int scn_buddy_value(const struct scn_buddy_zone *zones, int n, const struct scn_name *name,
		    long *value);
int scn_zoneinfo_value(const struct scn_zoneinfo *zones, int n, const struct scn_name *name,
		       long *value);
int scn_counter_value(const struct scn_counter *c, unsigned int n, const char *name,
		      long *value);

/* What a touch command writes: pattern_fill()'s arguments but the page index. */
struct scn_content {
	struct pattern pat;
	uint64_t seed, key;
};

void scn_touch_content(const struct scn_run *run, const struct scn_cmd *cmd,
		       struct scn_content *c);

#endif /* PAGELAB_SCENARIO_BACKEND_H */
