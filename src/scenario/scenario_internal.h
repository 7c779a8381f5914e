/* SPDX-License-Identifier: MIT */
/*
 * scenario_internal.h - the scenario language inside pagelab: the parsed
 * command list (struct scn_script), the lexer's helpers, the backend
 * operations table every backend implements, and the runner's services
 * that backends call back into.
 *
 * Flow: scn_parse() turns a file into a script, checking every name, range
 * and option statically and asking the chosen backend, line by line,
 * whether it can run each command (->check_cmd) and read each expect name
 * (->check_name). Only a script without errors reaches scn_run(), which
 * drives the backend through ->init, ->exec, ->read, ->snapshot,
 * ->finish and ->exit. Runner-level commands (&, wait, sleep, report,
 * expect) never reach a backend's ->exec.
 */
#ifndef PAGELAB_SCENARIO_INTERNAL_H
#define PAGELAB_SCENARIO_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "machine/machine.h"
#include "pagelab/scenario.h"
#include "scenario/pattern.h"

/*
 * Make room for element @n of a growable array (*@array, *@cap elements):
 * doubles the capacity, from 16. Return: 0, or -ENOMEM (the array is kept).
 */
static inline int scn_grow(void **array, unsigned int *cap, unsigned int n, size_t size)
{
	unsigned int c;
	void *a;

	if (n < *cap)
		return 0;
	c = *cap ? 2 * *cap : 16;
	a = realloc(*array, (size_t)c * size);
	if (!a)
		return -ENOMEM;
	*array = a;
	*cap = c;
	return 0;
}

/* ------------------------------------------------------------------ */
/* The command list                                                    */

enum scn_verb {
	SCN_MACHINE,
	SCN_SYSCTL,
	SCN_KSM_SET,		/* ksm NAME=VALUE ... */
	SCN_PROCESS,
	SCN_MMAP,		/* P mmap R SIZE [private|shared] */
	SCN_TOUCH,
	SCN_READ,
	SCN_CHECK,
	SCN_MADVISE,
	SCN_MIGRATE,
	SCN_FORK,
	SCN_MUNMAP,
	SCN_EXIT,
	SCN_KALLOC,
	SCN_KFREE,
	SCN_KCHECK,
	SCN_COMPACT,
	SCN_KSM_WAIT,
	SCN_BALLOON_TARGET,
	SCN_BALLOON_WAIT,
	SCN_SLEEP,
	SCN_WAIT,
	SCN_REPORT,
	SCN_EXPECT,
	SCN_NR_VERBS
};

/* A knob of sysctl or ksm: NAME=VALUE (a number, or a word for ksm's enums). */
struct scn_knob {
	const char *name;	/* "vm.min_free_kbytes", "pages_to_scan" */
	const char *word;	/* the value when it is a word, else NULL */
	long value;
};

struct scn_range {
	uint64_t first, last;	/* inclusive page numbers in the region */
	bool given;		/* false: the whole region */
};

enum scn_advice { SCN_MERGEABLE, SCN_UNMERGEABLE, SCN_DONTNEED };
enum scn_kalloc_type { SCN_UNMOVABLE, SCN_RECLAIMABLE, SCN_MOVABLE };
enum scn_kfree_mode { SCN_KFREE_ALL, SCN_KFREE_EVERY, SCN_KFREE_RANDOM };
enum scn_op { SCN_EQ, SCN_NE, SCN_LT, SCN_LE, SCN_GT, SCN_GE };

/* Families of names known to expect. */
enum scn_family {
	SCN_NAME_VMSTAT,	/* vmstat.X: a = X */
	SCN_NAME_KSM,		/* ksm.X: a = X */
	SCN_NAME_BALLOON,	/* balloon.X: a = X */
	SCN_NAME_BUDDY_ZONE,	/* buddy.ZONE.orderN: a = ZONE, n = N */
	SCN_NAME_BUDDY_FREE,	/* buddy.free_blocks_orderN: n = N */
	SCN_NAME_KALLOC,	/* kalloc.K.X: a = K, b = X, n = set id */
	SCN_NAME_REGION,	/* P.R.X: a = P, b = R, c = X, n = P's instance id */
	SCN_NAME_MACHINE,	/* machine.X: a = X */
	SCN_NAME_EXTFRAG,	/* extfrag.ZONE.orderN: a = ZONE, n = N */
	SCN_NAME_UNUSABLE,	/* unusable.ZONE.orderN: a = ZONE, n = N */
	SCN_NAME_COMPACTION,	/* compaction.X: a = X */
};

struct scn_name {
	enum scn_family family;
	const char *text;	/* as written */
	const char *a, *b, *c;
	unsigned int n;
};

/* One command of the script, with its source line. */
struct scn_cmd {
	enum scn_verb verb;
	unsigned int line;
	bool background;	/* issued with & */
	const char *text;	/* the command as written, without & and comment */
	union {
		struct machine_config machine;
		struct {
			struct scn_knob *v;
			unsigned int n;
		} knobs;		/* sysctl, ksm NAME=VALUE */
		struct {
			const char *proc, *region;
			unsigned int proc_id;	/* instance number, see scn_script */
			const char *child;	/* fork */
			unsigned int child_id;
			uint64_t pages;		/* mmap: region size in pages */
			bool shared;
			struct scn_range range;
			struct pattern pattern;
			uint64_t seed;
			unsigned long repeat;
			enum scn_advice advice;
		} mm;			/* process and its subcommands */
		struct {
			unsigned int set;
			unsigned long count;
			unsigned int order;
			enum scn_kalloc_type type;
			bool compact;
		} kalloc;
		struct {
			unsigned int set;
			enum scn_kfree_mode mode;
			unsigned long arg;	/* M of every=M, PCT of random=PCT */
			uint64_t seed;
		} kfree;
		struct {
			unsigned int set;
		} kcheck;
		struct {
			unsigned long scans;
			uint64_t timeout_ms;	/* 0: none */
		} ksm_wait;
		struct {
			uint64_t bytes;
		} balloon;
		struct {
			uint64_t timeout_ms;	/* 0: none */
		} balloon_wait;
		struct {
			uint64_t ms;
		} sleep;
		struct {
			const char *label;
		} report;
		struct {
			struct scn_name name;
			enum scn_op op;
			long value;
		} expect;
	};
};

/* A kalloc set, known statically: its id is its index in scn_script.sets. */
struct scn_set {
	const char *name;
	unsigned int line;	/* of its kalloc */
	unsigned int order;	/* of its blocks */
	bool movable;		/* type=movable: objects of a zsmalloc pool */
};

/* A parsed scenario. Errors, if any, mean it must not run. */
struct scn_script {
	const char *file;		/* as given to scn_parse() */
	unsigned int nlines;		/* lines in the file */
	struct machine_config machine;	/* the machine command's, or defaults */
	bool has_machine;
	struct scn_cmd *cmds;
	unsigned int ncmds, cmds_cap;
	struct scn_set *sets;
	unsigned int nsets, sets_cap;
	unsigned int nprocs;		/* process instances (process, fork) */
	char **errors;			/* "FILE:LINE: message", in line order */
	unsigned int nerrors, errors_cap;
	void **pool;			/* every allocation the script owns */
	unsigned int npool, pool_cap;
};

#define SCN_DEFAULT_MACHINE ((struct machine_config){ .memory_bytes = 1ULL << 30, \
	.cpus = 2, .max_order = 10, .pageblock_order = 9 })

struct scn_backend;

struct scn_script *scn_parse(const char *file, const char *text, size_t len,
			     const struct scn_backend *be);
void scn_script_free(struct scn_script *s);
const char *scn_verb_name(enum scn_verb verb);
const char *scn_op_name(enum scn_op op);

/* ------------------------------------------------------------------ */
/* Lexer (lexer.c)                                                     */

/* One line of the file, cut into blank-separated tokens. */
struct scn_line {
	unsigned int lineno;
	char *buf;		/* the line without its comment, NUL-separated */
	char **tok;
	unsigned int ntok, cap;
	int bad_char;		/* first control character found, or -1 */
};

struct scn_lexer {
	const char *text;
	size_t len, pos;
	unsigned int lineno;
	struct scn_line line;
};

void scn_lexer_init(struct scn_lexer *lx, const char *text, size_t len);
int scn_lexer_next(struct scn_lexer *lx, struct scn_line **out);
void scn_lexer_free(struct scn_lexer *lx);
bool scn_is_name(const char *s);
int scn_parse_u64(const char *s, uint64_t *out);
int scn_parse_long(const char *s, long *out);
int scn_parse_size(const char *s, uint64_t *bytes);
int scn_parse_duration(const char *s, uint64_t *ms);
int scn_parse_range(const char *s, uint64_t *first, uint64_t *last);

/* ------------------------------------------------------------------ */
/* Backends                                                            */

#define SCN_COUNTERS_MAX	VMSTAT_MAX_ENTRIES
#define SCN_KSM_MAX		64
#define SCN_BALLOON_MAX		8
#define SCN_COMPACTION_MAX	4
#define SCN_COUNTER_NAME	48
#define SCN_ZONES_MAX		4

struct scn_counter {
	char name[SCN_COUNTER_NAME];
	long value;
};

struct scn_buddy_zone {
	char zone[16];
	unsigned long nr_free[NR_PAGE_ORDERS_CAP];
	unsigned int nr_orders;
};

/*
 * The debugfs extfrag files of one zone: extfrag_index and unusable_index,
 * by order, in thousandths (-1000 in extfrag: an allocation would succeed).
 */
struct scn_frag_zone {
	char zone[16];
	int extfrag[NR_PAGE_ORDERS_CAP];
	int unusable[NR_PAGE_ORDERS_CAP];
	unsigned int nr_orders;
};

/* One `report`: every counter the backend has, at one moment. */
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
};

struct scn_run;
struct bg_thread;
struct monitor;

/**
 * struct scn_backend - what runs a script's commands.
 * @name: as --backend spells it.
 * @check_cmd: at parse time: 0 if the backend can run @cmd (already
 *	parsed and checked for syntax and names), else a negative errno and
 *	a one-line reason in @msg. Must not touch any machine.
 * @check_name: at parse time: the same for one expect name.
 * @init: build the machine of @run's script; the calling thread becomes
 *	CPU 0. Return 0 or a negative errno with a reason in @msg.
 * @exec: run one command (never &, wait, sleep, report or expect). Called
 *	from the runner's thread or a background thread bound to its CPU,
 *	possibly concurrently with ->exec, ->read and ->snapshot: the backend
 *	locks its own state. Failures the script must see (kcheck) go through
 *	scn_record_check() / scn_record_failure(); return a negative errno only
 *	for a command that could not run at all.
 * @read: the current value of an expect name ->check_name accepted.
 * @snapshot: fill @snap's counters (not its label or time).
 * @buddyinfo: fill @zones (at most SCN_ZONES_MAX), return how many; cheap
 *	enough for the SVG sampler to call every 50 ms.
 * @step: deterministic mode only: let the machine's daemons do the work of
 *	@elapsed_ms of virtual time, on the runner's thread. Called at every
 *	command boundary (with 0) and during `sleep`. NULL: no daemons.
 * @finish: after the last command and the final report, with no background
 *	thread left: check the machine's consistency. Return 0 or a negative
 *	errno with the problem in @msg.
 * @exit: free everything ->init built.
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
	void (*step)(struct scn_run *run, unsigned long elapsed_ms);
	int (*finish)(struct scn_run *run, char *msg, size_t len);
	void (*exit)(struct scn_run *run);
};

extern const struct scn_backend scn_backend_sim;
const struct scn_backend *scn_backend_find(const char *name, char *msg, size_t len);

/* The sim backend's processes and their memory (sim_process.c). */
struct sim_procs;
struct sim_procs *sim_procs_create(const struct scn_script *s);
void sim_procs_exit_all(struct sim_procs *procs);
void sim_procs_destroy(struct sim_procs *procs);
int sim_proc_exec(struct scn_run *run, struct sim_procs *procs, const struct scn_cmd *cmd);
int sim_region_value(struct sim_procs *procs, const struct scn_name *name, long *value);

/* The sim backend's kalloc sets (sim_kalloc.c). */
struct sim_sets;
struct sim_sets *sim_sets_create(const struct scn_script *s);
void sim_sets_free_all(struct sim_sets *sets);
void sim_sets_destroy(struct sim_sets *sets);
int sim_kalloc(struct scn_run *run, struct sim_sets *sets, const struct scn_cmd *cmd);
int sim_kfree(struct scn_run *run, struct sim_sets *sets, const struct scn_cmd *cmd);
int sim_kcheck(struct scn_run *run, struct sim_sets *sets, const struct scn_cmd *cmd);
long sim_set_value(struct sim_sets *sets, const struct scn_name *name);

/* ------------------------------------------------------------------ */
/* Runner (runner.c) and its services for backends                     */

/* One point of the SVG chart: free pages held in blocks of each order. */
struct scn_sample {
	double time_s;
	unsigned int step;		/* commands completed so far */
	unsigned long free_pages[NR_PAGE_ORDERS_CAP];
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

/* What move_pages() said of each page of a `P migrate`, counted. */
enum scn_migrate_status {
	SCN_MIGRATE_MOVED,	/* 0 */
	SCN_MIGRATE_EFAULT,	/* no VMA, or the zero page */
	SCN_MIGRATE_ENOENT,	/* nothing mapped */
	SCN_MIGRATE_EBUSY,	/* not isolatable, or given up */
	SCN_MIGRATE_ENOMEM,	/* not looked at: memory ran out */
	SCN_NR_MIGRATE_STATUS
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
	bool deterministic;
};

struct scn_run {
	const struct scn_script *script;
	const struct scn_backend *be;
	void *be_state;
	uint64_t seed;
	bool deterministic;
	pthread_mutex_t lock;		/* results, clock, threads, output */
	struct scn_results res;
	uint64_t start_ns;		/* monotonic clock at init */
	uint64_t virtual_ms;		/* deterministic clock */
	unsigned int next_cpu;		/* the last background command's CPU */
	struct bg_thread *bg;		/* running background commands */
	struct monitor *monitor;	/* the sampler and progress thread */
	unsigned int steps;		/* commands completed */
	const struct scn_cmd *cur_cmd;	/* the last command issued */
	bool progress_shown;		/* stderr ends in a progress line */
};

int scn_run(const struct scn_script *s, const struct scn_backend *be,
	    const struct pagelab_run_options *opts, struct scn_results *res);
void scn_results_free(struct scn_results *res);
void scn_record_check(struct scn_run *run, const struct scn_cmd *cmd, const char *region,
		      bool intact);
void scn_record_failure(struct scn_run *run, const struct scn_cmd *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void scn_record_migration(struct scn_run *run, const struct scn_cmd *cmd, const char *region,
			  const unsigned long pages[SCN_NR_MIGRATE_STATUS]);
extern const char *const scn_migrate_status_names[SCN_NR_MIGRATE_STATUS];
uint64_t scn_seed(const struct scn_run *run, uint64_t value);

/* ------------------------------------------------------------------ */
/* Output (report.c, svg.c) and the built-in scenario                  */

void scn_report_text(const struct scn_results *res, FILE *out);
int scn_report_json(const struct scn_results *res, FILE *out);
int scn_report_svg(const struct scn_results *res, FILE *out);
void scn_json_string(FILE *out, const char *s);
void scn_svg_text(FILE *out, const char *s);

extern const char scn_default_scenario[];

#endif /* PAGELAB_SCENARIO_INTERNAL_H */
