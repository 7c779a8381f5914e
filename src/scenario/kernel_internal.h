/* SPDX-License-Identifier: MIT */
/*
 * kernel_internal.h - the parts of the kernel backend (--backend kernel,
 * docs/kernel-backend.md), one concept per file:
 *
 *   backend_kernel.c        the operations table: what is refused at parse
 *                           time and why, knobs, compact, ksm wait, reads
 *                           and snapshots, the life of a run;
 *   backend_kernel_child.c  the scenario's processes: real child processes
 *                           that run their commands, sent over a socket;
 *   backend_kernel_knobs.c  every knob written is saved first in a journal
 *                           and given back however the run ends; the
 *                           guard thread that does it on a signal;
 *   backend_kernel_stats.c  the kernel's own files: /proc/vmstat,
 *                           buddyinfo, zoneinfo, pagetypeinfo, meminfo,
 *                           /sys/kernel/mm/ksm, /proc/PID/ksm_stat;
 *   backend_kernel_trace.c  --trace through a tracefs instance.
 */
#ifndef PAGELAB_SCENARIO_KERNEL_INTERNAL_H
#define PAGELAB_SCENARIO_KERNEL_INTERNAL_H

#include <stdio.h>
#include <sys/types.h>
#include "core/compiler.h"
#include "core/debug.h"
#include "scenario/backend.h"

#define KERNEL_SYSCTL_DIR	"/proc/sys/vm"
#define KERNEL_KSM_DIR		"/sys/kernel/mm/ksm"
#define KERNEL_THP_DIR		"/sys/kernel/mm/transparent_hugepage"
#define KERNEL_COMPACT_MEMORY	KERNEL_SYSCTL_DIR "/compact_memory"
#define KERNEL_NR_HUGEPAGES	KERNEL_SYSCTL_DIR "/nr_hugepages"
#define KERNEL_FAIL_PAGE_ALLOC	"/sys/kernel/debug/fail_page_alloc"

/* ------------------------------------------------------------------ */
/* backend_kernel_knobs.c                                              */

struct kknobs;

/* Journal entries: what a run changed, in the order it changed it. */
#define KJ_KNOB		"knob"		/* a file and the value to write back */
#define KJ_MOUNT	"mount"		/* a mount point to unmount */
#define KJ_DIR		"dir"		/* a directory to remove (a tracefs instance) */

int kknobs_open(struct kknobs **out, char *msg, size_t len);
int kknob_write(struct kknobs *k, const char *path, const char *value);
int kknobs_note(struct kknobs *k, const char *kind, const char *path);
int kknobs_restore(struct kknobs *k);
void kknobs_close(struct kknobs *k);
const char *kknobs_journal_path(void);
const char *kknobs_root(void);
char *kknob_file(char *buf, size_t len, const char *path);
int kfile_read_value(const char *path, char *buf, size_t len);
int kfile_write(const char *path, const char *value);

struct kguard;

int kguard_start(struct kguard **out, void (*emergency)(void *arg), void *arg);
void kguard_stop(struct kguard *g);

/* ------------------------------------------------------------------ */
/* backend_kernel_child.c                                              */

struct kprocs;

int kprocs_create(struct scn_run *run, struct kprocs **out, char *msg, size_t len);
int kprocs_exec(struct kprocs *ps, const struct scn_cmd *cmd);
int kprocs_region_value(struct kprocs *ps, const struct scn_name *name, long *value);
pid_t kprocs_pid(struct kprocs *ps, unsigned int id);
void kprocs_stop(struct kprocs *ps);
void kprocs_kill(struct kprocs *ps);
void kprocs_destroy(struct kprocs *ps);
bool kproc_verb(enum scn_verb verb);

/* ------------------------------------------------------------------ */
/* backend_kernel_stats.c                                              */

int kstat_read(const char *path, char *buf, size_t len);
int kstat_vmstat(struct scn_counter *c, unsigned int max);
int kstat_vmstat_value(const char *name, long *value);
int kstat_buddyinfo(struct scn_buddy_zone *zones);
int kstat_ksm(struct scn_counter *c, unsigned int max);
int kstat_ksm_value(const char *name, long *value);
int kstat_ksm_stat(pid_t pid, const char *prefix, struct scn_counter *c, unsigned int max);
int kstat_ksm_stat_value(pid_t pid, const char *line, long *value);
int kstat_machine(const char *name, long *value);
int kstat_meminfo_value(const char *name, long *value);
int kstat_nodes(int *ids, int max);
int kstat_meminfo(struct scn_counter *c, unsigned int max);
int kstat_meminfo_value(const char *name, long *value);
int kstat_zoneinfo(struct scn_zoneinfo *zones);

/* ------------------------------------------------------------------ */
/* backend_kernel_trace.c                                              */

struct ktrace;

int ktrace_start(const char *path, struct kknobs *knobs, struct ktrace **out, char *msg,
		 size_t len);
void ktrace_stop(struct ktrace *t);

#endif /* PAGELAB_SCENARIO_KERNEL_INTERNAL_H */
