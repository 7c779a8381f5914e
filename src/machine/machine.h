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
struct machine_config {
	uint64_t memory_bytes;
	unsigned int cpus, max_order, pageblock_order;
	bool deterministic;	/* daemons run as steps on the caller's thread */
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

/* machine/sysctl.c */
const char *machine_sysctl_name(unsigned int i);
int machine_sysctl_set(const char *name, long value);
int machine_sysctl_get(const char *name, long *value);

/* machine/invariants.c */
int check_invariants(char *msg, size_t len);

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

#endif /* PAGELAB_MACHINE_MACHINE_H */
