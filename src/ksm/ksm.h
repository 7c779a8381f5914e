/* SPDX-License-Identifier: MIT */
/*
 * ksm.h - kernel same-page merging for the layers above (the machine's
 * boot table, the invariant checker, the scenario engine, the public API):
 * boot and shutdown, every /sys/kernel/mm/ksm knob and counter by name
 * with the kernel's rules, /proc/PID/ksm_stat, madvise(MADV_MERGEABLE /
 * MADV_UNMERGEABLE) on a range, prctl(PR_SET/GET_MEMORY_MERGE), stepping
 * ksmd deterministically, waiting for full scans, and the validator.
 * docs/ksm.md describes the engine; src/ksm/ksm_internal.h its inside.
 * Every function returns 0 or a negative errno unless it says otherwise.
 */
#ifndef PAGELAB_KSM_H
#define PAGELAB_KSM_H

#include <stdio.h>
#include "vm/mm.h"

/* ksm/ksm.c */
int ksm_init(bool threaded);
void ksm_shutdown(void);

#define MADV_MERGEABLE		12
#define MADV_UNMERGEABLE	13
int ksm_madvise_range(struct mm_struct *mm, unsigned long start, unsigned long len, int advice);

#define PR_SET_MEMORY_MERGE	67
#define PR_GET_MEMORY_MERGE	68
int ksm_prctl(struct mm_struct *mm, int option, unsigned long arg2, unsigned long arg3,
	      unsigned long arg4, unsigned long arg5);

/* ksm/ksmd.c */
int ksmd_scan_once(void);
void ksmd_step(unsigned long elapsed_ms);
int ksm_wait_full_scans(unsigned long nr, unsigned long timeout_ms);
#define KSM_WAIT_DEFAULT_TIMEOUT_MS	120000UL	/* the selftests' 120 s */

/* ksm/knobs.c */
extern const char *const ksm_knob_names[];	/* writable files, NULL-terminated */
extern const char *const ksm_counter_names[];	/* read-only files, NULL-terminated */
int ksm_knob_write(const char *name, const char *value);
int ksm_knob_show(const char *name, char *buf, size_t len);
int ksm_read(const char *name, long *value);

/* One /sys/kernel/mm/ksm file as a number (advisor_mode: 0 none, 1 scan-time). */
struct ksm_entry {
	const char *name;
	long value;
};
#define KSM_MAX_ENTRIES 32
int ksm_snapshot(struct ksm_entry *out, int max);

/* What /proc/PID/ksm_stat shows for one mm. */
struct ksm_mm_stat {
	long ksm_rmap_items;
	long ksm_zero_pages;
	long ksm_merging_pages;
	long ksm_process_profit;
	bool ksm_merge_any;
	bool ksm_mergeable;
};
void ksm_mm_stat(struct mm_struct *mm, struct ksm_mm_stat *stat);
void ksm_stat_show(struct mm_struct *mm, FILE *out);
int ksm_mm_stat_read(struct mm_struct *mm, const char *name, long *value);

/* ksm/merge.c */
void ksm_test_set_merge_hook(void (*hook)(struct page *page));	/* test-only */

/* ksm/validate.c */
int ksm_validate(char *msg, size_t len);

#endif /* PAGELAB_KSM_H */
