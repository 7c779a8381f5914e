/* SPDX-License-Identifier: MIT */
/*
 * script.h - a parsed scenario: the command list (struct scn_script) that
 * scn_parse() makes of a file, and that the runner and the backend read.
 *
 * A script comes out of the parser checked as a whole: every name is
 * resolved (a process instance to its id, a kalloc set to its index), every
 * size is in bytes or pages, every page range lies inside its region, and
 * the chosen backend has accepted every command and expect name. Only a
 * script without errors may run. Nothing here says what runs it: the
 * `machine` line is data (struct scn_machine) that a backend may use or
 * ignore.
 */
#ifndef PAGELAB_SCENARIO_SCRIPT_H
#define PAGELAB_SCENARIO_SCRIPT_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "scenario/pattern.h"

/* The language's page: the `p` size suffix, page ranges and patterns. */
#define SCN_PAGE_SIZE		4096
#define SCN_HPAGE_SIZE		(2 << 20)	/* the hugetlb page size: one PMD */

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
	SCN_THP_SET,		/* thp NAME=VALUE ... */
	SCN_KSM_MERGE,		/* P ksm merge=on|off */
	SCN_FAULT,		/* fault NAME ATTR=VALUE ... (1.1) */
	SCN_NR_VERBS
};

/*
 * The `machine` line: the simulated machine's shape, already checked
 * against the simulator's limits (machine_validate_config()).
 */
struct scn_machine {
	uint64_t memory_bytes;
	unsigned int cpus, max_order, pageblock_order;
	unsigned int deferred_init;	/* enum deferred_init_mode: wait, background, off */
};

#define SCN_DEFAULT_MACHINE ((struct scn_machine){ .memory_bytes = 1ULL << 30, \
	.cpus = 2, .max_order = 10, .pageblock_order = 9 })

/* A knob of sysctl, ksm or thp: NAME=VALUE (a number, or a word for enums). */
struct scn_knob {
	const char *name;	/* "vm.min_free_kbytes", "pages_to_scan", "enabled" */
	const char *word;	/* the value when it is a word, else NULL */
	long value;
};

struct scn_range {
	uint64_t first, last;	/* inclusive page numbers in the region */
	uint64_t step;		/* pages=A..B:STEP: every STEP-th page (last is
				   first + k * STEP); 0 or 1: every page */
	bool given;		/* false: the whole region */
};

enum scn_advice { SCN_MERGEABLE, SCN_UNMERGEABLE, SCN_DONTNEED, SCN_HUGEPAGE, SCN_NOHUGEPAGE };
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
	SCN_NAME_KSM_PROC,	/* ksm.P.X: a = P, b = X, n = P's instance id */
	SCN_NAME_MEMINFO,	/* meminfo.X: a = X */
	SCN_NAME_ZONEINFO,	/* zoneinfo.ZONE.X: a = ZONE, b = X; zoneinfo.ZONE.cpuN.X:
				 * also c = "cpuN", n = N */
	SCN_NAME_FRAMES,	/* frames.STATE: a = STATE */
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
	const char *text;	/* the command as written, without & and comment,
				   and in a loop with its variables replaced */
	const char *iter;	/* in a loop: its variables, "i=7, j=3"; else NULL */
	union {
		struct scn_machine machine;
		struct {
			struct scn_knob *v;
			unsigned int n;
		} knobs;		/* sysctl, ksm NAME=VALUE, thp */
		struct {
			const char *proc, *region;
			unsigned int proc_id;	/* instance number, see scn_script */
			const char *child;	/* fork */
			unsigned int child_id;
			uint64_t pages;		/* mmap: region size in pages */
			bool shared;
			bool hugetlb;		/* mmap: from the hugetlb pool */
			struct scn_range range;
			struct pattern pattern;
			uint64_t seed;
			unsigned long repeat;
			enum scn_advice advice;
			bool merge;		/* ksm merge=on */
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
		struct {
			const char *point;	/* "fail_page_alloc" */
			struct scn_knob *attrs;	/* in range; booleans as 0 or 1 */
			unsigned int n;
		} fault;
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
	struct scn_machine machine;	/* the machine command's, or defaults */
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

struct scn_backend;

/* parser.c */
struct scn_script *scn_parse(const char *file, const char *text, size_t len,
			     const struct scn_backend *be, uint64_t host_memory_bytes);
void scn_script_free(struct scn_script *s);
const char *scn_verb_name(enum scn_verb verb);
const char *scn_op_name(enum scn_op op);

/* default_scenario.c: the text `pagelab run` runs when given no file. */
extern const char scn_default_scenario[];

#endif /* PAGELAB_SCENARIO_SCRIPT_H */
