/* SPDX-License-Identifier: MIT */
/*
 * machine.h - the top layer of the library, above every subsystem: boot
 * and shutdown of a machine, the invariant checker with the validator of
 * each structure, and the report writers. The public API (api.c) and the
 * scenario engine stand on it. Grouped by the file that defines each.
 */
#ifndef PAGELAB_MACHINE_MACHINE_H
#define PAGELAB_MACHINE_MACHINE_H

#include <stdio.h>
#include "internal.h"

/* machine/boot.c */
/*
 * How boot treats the struct pages past the first section (alloc/mm_init.c):
 * WAIT initialises them in parallel and boot waits (the kernel's
 * page_alloc_init_late()); BACKGROUND lets boot return at once, the
 * helpers (none in a deterministic machine) and deferred_grow_zone()
 * doing the rest; OFF initialises all of them serially at boot, as a
 * kernel without CONFIG_DEFERRED_STRUCT_PAGE_INIT.
 */
enum deferred_init_mode { DEFERRED_INIT_WAIT, DEFERRED_INIT_BACKGROUND, DEFERRED_INIT_OFF };

struct machine_config {
	uint64_t memory_bytes;
	unsigned int cpus, max_order, pageblock_order;
	bool deterministic;	/* daemons run as steps on the caller's thread */
	enum deferred_init_mode deferred_init;
	/* the in-process balloon host offers free page reporting */
	bool balloon_free_page_reporting;
};
int machine_validate_config(const struct machine_config *cfg, char *msg, size_t len);
int machine_init(const struct machine_config *cfg);
void machine_exit(void);
unsigned int machine_boot_steps(void);
const char *machine_boot_step_name(unsigned int i);
void machine_boot_fail_at(int step);		/* test-only */

/* machine/fault.c */
bool machine_fault_known(const char *point);
int machine_fault_attr_range(const char *point, const char *attr, long *min, long *max);
int machine_fault_set(const char *point, const char *attr, long value);
int machine_fault_get(const char *point, const char *attr, long *value);

/* machine/census.c */
/*
 * The frame census: the state of every frame of the machine, each frame in
 * exactly one (docs/design.md, "The frame census", says how each is
 * decided). Add a state before NR_CENSUS_STATES and its name in census.c;
 * the public API has room for CENSUS_STATES_CAP.
 */
enum census_state {
	CENSUS_FREE,			/* in a block on a buddy free list */
	CENSUS_PCP,			/* in a block on a per-cpu free list */
	CENSUS_ANON,			/* a process's anonymous page */
	CENSUS_KSM,			/* a KSM page (stable tree) */
	CENSUS_SHMEM,			/* a page of shared anonymous memory */
	CENSUS_PAGETABLE,		/* a page-table page */
	CENSUS_KERNEL_UNMOVABLE,	/* a kernel allocation, by migratetype */
	CENSUS_KERNEL_RECLAIMABLE,
	CENSUS_KERNEL_MOVABLE,
	CENSUS_DRIVER,			/* a driver's movable_ops page (zsmalloc) */
	CENSUS_BALLOON,			/* inflated in the balloon */
	CENSUS_ISOLATED,		/* taken off its list by migration */
	CENSUS_RESERVED,		/* PG_reserved, never in the allocator; or
					 * not initialised yet (deferred init) */
	CENSUS_HUGETLB,			/* a hugetlb pool page, free in the pool or mapped */
	CENSUS_THP,			/* an anonymous transparent huge page */
	NR_CENSUS_STATES
};
#define CENSUS_STATES_CAP 32

/*
 * @init_end: the walk read the frames below it; those from it to
 * machine.max_pfn have no struct page yet (deferred init) and are counted
 * in nr[CENSUS_RESERVED].
 */
struct frame_census {
	unsigned long nr[NR_CENSUS_STATES];
	unsigned long init_end;
};
extern const char *const census_state_names[NR_CENSUS_STATES];

enum census_state census_alloc_state(const struct page *page);
unsigned long frame_census_total(const struct frame_census *census);
int census_state_find(const char *name);
int census_check_counters(const struct frame_census *census, char *msg, size_t len);
int frame_census_show(FILE *out);	/* the census, one "state frames" line each */

/* One pageblock's frames by census state, and its migratetype. */
struct pageblock_census {
	int migratetype;
	unsigned int nr[NR_CENSUS_STATES];
};
unsigned long census_nr_pageblocks(void);
int census_pageblocks(struct frame_census *census, struct pageblock_census *blocks,
		      char *msg, size_t len);

/* machine/sysctl.c */
const char *machine_sysctl_name(unsigned int i);
int machine_sysctl_set(const char *name, long value);
int machine_sysctl_get(const char *name, long *value);

/* machine/invariants.c */
int check_invariants(char *msg, size_t len);
int check_frames(struct frame_census *census, char *msg, size_t len);
int check_frames_map(struct frame_census *census, unsigned char *map, char *msg, size_t len);

/* machine/procfs.c */
/* One /proc/buddyinfo line: free blocks per order of a populated zone. */
struct buddyinfo_row {
	const char *zone;
	unsigned long nr_free[NR_PAGE_ORDERS_CAP];
	unsigned int nr_orders;
};
/* Fill @rows (one per populated zone, under each zone->lock); returns the count. */
int buddyinfo_snapshot(struct buddyinfo_row *rows, int max);

void buddyinfo_show(FILE *out);		/* /proc/buddyinfo */
void pagetypeinfo_show(FILE *out);	/* /proc/pagetypeinfo */

/* One CPU's pageset of a zone, as /proc/zoneinfo shows it. */
struct zoneinfo_pageset {
	int count, high, batch;
};

/* The named values of a /proc/zoneinfo zone, in its order. */
#define ZONEINFO_VALUES_MAX 32
struct zoneinfo_value {
	const char *name;	/* "pages_free", "min", ..., "nr_free_pages", ... */
	long value;
};

/* One zone of /proc/zoneinfo: its values and each CPU's pageset. */
struct zoneinfo_row {
	const char *zone;
	struct zoneinfo_value v[ZONEINFO_VALUES_MAX];
	unsigned int nr_values;
	struct zoneinfo_pageset pcp[VM_EVENT_CPUS_CAP];
	unsigned int nr_cpus;
};
int zoneinfo_snapshot(struct zoneinfo_row *rows, int max);
void zoneinfo_show(FILE *out);		/* /proc/zoneinfo */

/* One /proc/meminfo line: its name, without the colon, and its value in kB. */
struct meminfo_entry {
	const char *name;
	long value;		/* in kB, or a count of huge pages (@count) */
	bool count;
};
#define MEMINFO_MAX 28
int meminfo_snapshot(struct meminfo_entry *out, int max);
void meminfo_show(FILE *out);		/* /proc/meminfo */

#endif /* PAGELAB_MACHINE_MACHINE_H */
