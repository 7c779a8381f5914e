/* SPDX-License-Identifier: MIT */
/*
 * knobs.c - /sys/kernel/mm/ksm and /proc/PID/ksm_stat (mm/ksm.c's sysfs
 * attributes, fs/proc/base.c's proc_pid_ksm_stat): every knob written and
 * read by name with the kernel's parsing and errors, every counter read
 * by name, and one mm's ksm_stat.
 *
 * Writes follow the kernel's store functions: numbers in decimal as
 * kstrtouint()/kstrtoint()/kstrtoul() take them (an optional sign where
 * signed, one trailing newline), booleans as kstrtobool() (1/0, y/n, t/f,
 * on/off). -EINVAL for a malformed or out-of-range value (-ERANGE where the
 * kernel passes kstrto*'s error through), -EBUSY for max_page_sharing and
 * merge_across_nodes while KSM pages exist, -EACCES for a read-only file,
 * -ENOENT for an unknown name.
 */
#include <string.h>
#include "ksm/ksm_internal.h"
#include "core/kstrtox.h"

/* ------------------------------------------------------------------ */
/* Stores                                                              */

static int sleep_millisecs_store(const char *buf)
{
	unsigned int msecs;

	if (kstrtouint(buf, &msecs))
		return -EINVAL;
	WRITE_ONCE(ksm_thread_sleep_millisecs, msecs);
	ksmd_wakeup();
	return 0;
}

static int pages_to_scan_store(const char *buf)
{
	unsigned int nr_pages;

	if (READ_ONCE(ksm_advisor) != KSM_ADVISOR_NONE)
		return -EINVAL;
	if (kstrtouint(buf, &nr_pages))
		return -EINVAL;
	WRITE_ONCE(ksm_thread_pages_to_scan, nr_pages);
	return 0;
}

/* run: 0 stop, 1 merge, 2 stop and unmerge everything (mm slots stay). */
static int run_store(const char *buf)
{
	unsigned int flags;
	int err = 0;

	if (kstrtouint(buf, &flags) || flags > KSM_RUN_UNMERGE)
		return -EINVAL;
	ksm_thread_lock();
	if (READ_ONCE(ksm_run) != flags) {
		WRITE_ONCE(ksm_run, flags);
		if (flags & KSM_RUN_UNMERGE) {
			err = unmerge_and_remove_all_rmap_items();
			if (err)
				WRITE_ONCE(ksm_run, KSM_RUN_STOP);
		}
	}
	ksm_thread_unlock();
	if (flags & KSM_RUN_MERGE)
		ksmd_wakeup();
	return err;
}

/* One NUMA node: accepted with the kernel's rules, and changes nothing. */
static unsigned int ksm_merge_across_nodes;

static int merge_across_nodes_store(const char *buf)
{
	unsigned long knob;
	int err = kstrtoul(buf, &knob);

	if (err)
		return err;
	if (knob > 1)
		return -EINVAL;
	ksm_thread_lock();
	if (ksm_merge_across_nodes != knob) {
		if (READ_ONCE(ksm_pages_shared) || remove_all_stable_nodes())
			err = -EBUSY;
		else
			WRITE_ONCE(ksm_merge_across_nodes, knob);
	}
	ksm_thread_unlock();
	return err;
}

static int use_zero_pages_store(const char *buf)
{
	bool value;

	if (kstrtobool(buf, &value))
		return -EINVAL;
	WRITE_ONCE(ksm_use_zero_pages, value);
	return 0;
}

/* max_page_sharing: at least 2 (a new KSM page has two sharers), and only
 * while no KSM page exists (the chains were built for the old limit). */
static int max_page_sharing_store(const char *buf)
{
	int knob, err = kstrtoint(buf, &knob);

	if (err)
		return err;
	if (knob < 2)
		return -EINVAL;
	if (READ_ONCE(ksm_max_page_sharing) == knob)
		return 0;
	ksm_thread_lock();
	if (ksm_max_page_sharing != knob) {
		if (READ_ONCE(ksm_pages_shared) || remove_all_stable_nodes())
			err = -EBUSY;
		else
			WRITE_ONCE(ksm_max_page_sharing, knob);
	}
	ksm_thread_unlock();
	return err;
}

static int stable_node_chains_prune_millisecs_store(const char *buf)
{
	unsigned int msecs;

	if (kstrtouint(buf, &msecs))
		return -EINVAL;
	WRITE_ONCE(ksm_stable_node_chains_prune_millisecs, msecs);
	return 0;
}

static int smart_scan_store(const char *buf)
{
	bool value;

	if (kstrtobool(buf, &value))
		return -EINVAL;
	WRITE_ONCE(ksm_smart_scan, value);
	return 0;
}

static int advisor_mode_store(const char *buf)
{
	enum ksm_advisor_type curr = READ_ONCE(ksm_advisor), mode;

	if (sysfs_streq(buf, "scan-time"))
		mode = KSM_ADVISOR_SCAN_TIME;
	else if (sysfs_streq(buf, "none"))
		mode = KSM_ADVISOR_NONE;
	else
		return -EINVAL;
	WRITE_ONCE(ksm_advisor, mode);
	if (curr != mode)
		set_advisor_defaults();
	return 0;
}

static int advisor_max_cpu_store(const char *buf)
{
	unsigned long value;

	if (kstrtoul(buf, &value))
		return -EINVAL;
	WRITE_ONCE(ksm_advisor_max_cpu, value);
	return 0;
}

static int advisor_min_pages_to_scan_store(const char *buf)
{
	unsigned long value;

	if (kstrtoul(buf, &value))
		return -EINVAL;
	WRITE_ONCE(ksm_advisor_min_pages_to_scan, value);
	return 0;
}

static int advisor_max_pages_to_scan_store(const char *buf)
{
	unsigned long value;

	if (kstrtoul(buf, &value))
		return -EINVAL;
	WRITE_ONCE(ksm_advisor_max_pages_to_scan, value);
	return 0;
}

static int advisor_target_scan_time_store(const char *buf)
{
	unsigned long value;

	if (kstrtoul(buf, &value) || value < 1)
		return -EINVAL;
	WRITE_ONCE(ksm_advisor_target_scan_time, value);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Values                                                              */

static long read_ulong(const unsigned long *v)
{
	return (long)__atomic_load_n(v, __ATOMIC_RELAXED);
}

static long sleep_millisecs_get(void) { return READ_ONCE(ksm_thread_sleep_millisecs); }
static long pages_to_scan_get(void) { return READ_ONCE(ksm_thread_pages_to_scan); }
static long run_get(void) { return READ_ONCE(ksm_run); }
static long pages_scanned_get(void) { return read_ulong(&ksm_pages_scanned); }
static long pages_shared_get(void) { return read_ulong(&ksm_pages_shared); }
static long pages_sharing_get(void) { return read_ulong(&ksm_pages_sharing); }
static long pages_unshared_get(void) { return read_ulong(&ksm_pages_unshared); }
static long pages_skipped_get(void) { return read_ulong(&ksm_pages_skipped); }
static long ksm_zero_pages_get(void) { return __atomic_load_n(&ksm_zero_pages, __ATOMIC_RELAXED); }
static long full_scans_get(void) { return read_ulong(&ksm_scan.seqnr); }
static long merge_across_nodes_get(void) { return READ_ONCE(ksm_merge_across_nodes); }
static long max_page_sharing_get(void) { return READ_ONCE(ksm_max_page_sharing); }
static long stable_node_chains_get(void) { return read_ulong(&ksm_stable_node_chains); }
static long stable_node_dups_get(void) { return read_ulong(&ksm_stable_node_dups); }
static long use_zero_pages_get(void) { return READ_ONCE(ksm_use_zero_pages); }
static long smart_scan_get(void) { return READ_ONCE(ksm_smart_scan); }
static long advisor_mode_get(void) { return READ_ONCE(ksm_advisor); }
static long advisor_max_cpu_get(void) { return READ_ONCE(ksm_advisor_max_cpu); }
static long advisor_target_scan_time_get(void) { return READ_ONCE(ksm_advisor_target_scan_time); }

static long stable_node_chains_prune_millisecs_get(void)
{
	return READ_ONCE(ksm_stable_node_chains_prune_millisecs);
}

static long advisor_min_pages_to_scan_get(void)
{
	return READ_ONCE(ksm_advisor_min_pages_to_scan);
}

static long advisor_max_pages_to_scan_get(void)
{
	return READ_ONCE(ksm_advisor_max_pages_to_scan);
}

/* Not worth a lock, as the kernel says: it may come out negative; hide that. */
static long pages_volatile_get(void)
{
	long v = read_ulong(&ksm_rmap_items) - pages_shared_get() - pages_sharing_get() -
		 pages_unshared_get();

	return v < 0 ? 0 : v;
}

static long general_profit_get(void)
{
	return (pages_sharing_get() + ksm_zero_pages_get()) * (long)PAGE_SIZE -
	       read_ulong(&ksm_rmap_items) * (long)sizeof(struct ksm_rmap_item);
}

/*
 * struct ksm_attr - one file of /sys/kernel/mm/ksm, in the kernel's
 * ksm_attrs[] order. @store is NULL for a read-only counter.
 */
struct ksm_attr {
	const char *name;
	long (*get)(void);
	int (*store)(const char *buf);
};

#define KSM_ATTR(n)	{ #n, n##_get, n##_store }
#define KSM_ATTR_RO(n)	{ #n, n##_get, NULL }

static const struct ksm_attr ksm_attrs[] = {
	KSM_ATTR(sleep_millisecs),
	KSM_ATTR(pages_to_scan),
	KSM_ATTR(run),
	KSM_ATTR_RO(pages_scanned),
	KSM_ATTR_RO(pages_shared),
	KSM_ATTR_RO(pages_sharing),
	KSM_ATTR_RO(pages_unshared),
	KSM_ATTR_RO(pages_volatile),
	KSM_ATTR_RO(pages_skipped),
	KSM_ATTR_RO(ksm_zero_pages),
	KSM_ATTR_RO(full_scans),
	KSM_ATTR(merge_across_nodes),
	KSM_ATTR(max_page_sharing),
	KSM_ATTR_RO(stable_node_chains),
	KSM_ATTR_RO(stable_node_dups),
	KSM_ATTR(stable_node_chains_prune_millisecs),
	KSM_ATTR(use_zero_pages),
	KSM_ATTR_RO(general_profit),
	KSM_ATTR(smart_scan),
	KSM_ATTR(advisor_mode),
	KSM_ATTR(advisor_max_cpu),
	KSM_ATTR(advisor_min_pages_to_scan),
	KSM_ATTR(advisor_max_pages_to_scan),
	KSM_ATTR(advisor_target_scan_time),
};
BUILD_BUG_ON(ARRAY_SIZE(ksm_attrs) > KSM_MAX_ENTRIES);

const char *const ksm_knob_names[] = {
	"run", "pages_to_scan", "sleep_millisecs", "max_page_sharing", "use_zero_pages",
	"merge_across_nodes", "smart_scan", "stable_node_chains_prune_millisecs",
	"advisor_mode", "advisor_max_cpu", "advisor_min_pages_to_scan",
	"advisor_max_pages_to_scan", "advisor_target_scan_time", NULL,
};

const char *const ksm_counter_names[] = {
	"pages_scanned", "pages_shared", "pages_sharing", "pages_unshared", "pages_volatile",
	"pages_skipped", "full_scans", "stable_node_chains", "stable_node_dups",
	"ksm_zero_pages", "general_profit", NULL,
};

static const struct ksm_attr *ksm_attr_find(const char *name)
{
	for (unsigned int i = 0; name && i < ARRAY_SIZE(ksm_attrs); i++)
		if (!strcmp(ksm_attrs[i].name, name))
			return &ksm_attrs[i];
	return NULL;
}

/**
 * ksm_knob_write() - write @value to /sys/kernel/mm/ksm/@name, with the
 * kernel's parsing and rules (run=2 unmerges everything before it returns).
 * Context: no lock held; may sleep.
 * Return: 0, -ENOENT, -EACCES (a counter), -EINVAL, -ERANGE, -EBUSY, or
 * -ENOMEM (run=2 could not allocate the copies it breaks KSM pages into).
 */
int ksm_knob_write(const char *name, const char *value)
{
	const struct ksm_attr *attr = ksm_attr_find(name);

	if (!attr)
		return -ENOENT;
	if (!attr->store)
		return -EACCES;
	return value ? attr->store(value) : -EINVAL;
}

/**
 * ksm_knob_show() - what reading /sys/kernel/mm/ksm/@name gives, without
 * the newline (advisor_mode: "[none] scan-time" or "none [scan-time]").
 * Return: the length of the text (truncated to fit @len), or -ENOENT.
 */
int ksm_knob_show(const char *name, char *buf, size_t len)
{
	const struct ksm_attr *attr = ksm_attr_find(name);

	if (!attr)
		return -ENOENT;
	if (attr->get == advisor_mode_get)
		return snprintf(buf, len, "%s", advisor_mode_get() == KSM_ADVISOR_SCAN_TIME ?
				"none [scan-time]" : "[none] scan-time");
	return snprintf(buf, len, "%ld", attr->get());
}

/**
 * ksm_read() - the value of /sys/kernel/mm/ksm/@name as a number, knob or
 * counter (advisor_mode: 0 for none, 1 for scan-time).
 * Context: any; lockless. Return: 0 or -ENOENT.
 */
int ksm_read(const char *name, long *value)
{
	const struct ksm_attr *attr = ksm_attr_find(name);

	if (!attr)
		return -ENOENT;
	*value = attr->get();
	return 0;
}

/**
 * ksm_snapshot() - every file of /sys/kernel/mm/ksm as a number, in the
 * kernel's order. Return: the number of entries written to @out.
 */
int ksm_snapshot(struct ksm_entry *out, int max)
{
	int n = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(ksm_attrs) && n < max; i++)
		out[n++] = (struct ksm_entry){ ksm_attrs[i].name, ksm_attrs[i].get() };
	return n;
}

/**
 * ksm_knobs_reset() - every knob at the kernel's default, every counter 0.
 * Context: ksm_init().
 */
void ksm_knobs_reset(void)
{
	ksm_run = KSM_RUN_STOP;
	ksm_thread_pages_to_scan = 100;
	ksm_thread_sleep_millisecs = 20;
	ksm_max_page_sharing = 256;
	ksm_use_zero_pages = false;
	ksm_merge_across_nodes = 1;
	ksm_smart_scan = true;
	ksm_stable_node_chains_prune_millisecs = 2000;
	ksm_advisor = KSM_ADVISOR_NONE;
	ksm_advisor_max_cpu = 70;
	ksm_advisor_min_pages_to_scan = 500;
	ksm_advisor_max_pages_to_scan = 30000;
	ksm_advisor_target_scan_time = 200;
	ksm_pages_scanned = ksm_pages_shared = ksm_pages_sharing = ksm_pages_unshared = 0;
	ksm_pages_skipped = ksm_rmap_items = ksm_stable_node_chains = ksm_stable_node_dups = 0;
}

/* ------------------------------------------------------------------ */
/* /proc/PID/ksm_stat                                                  */

/* Does @mm have a mergeable VMA? Context: takes its mmap_lock for read. */
static bool ksm_process_mergeable(struct mm_struct *mm)
{
	struct vm_area_struct *vma;
	bool mergeable = false;

	mmap_read_lock(mm);
	list_for_each_entry(vma, &mm->mmap, vm_list)
		mergeable |= !!(vma->vm_flags & VM_MERGEABLE);
	mmap_read_unlock(mm);
	return mergeable;
}

/**
 * ksm_mm_stat() - what /proc/PID/ksm_stat shows for @mm. ksm_process_profit
 * is (ksm_merging_pages + ksm_zero_pages) * PAGE_SIZE - ksm_rmap_items *
 * sizeof(struct ksm_rmap_item), as the kernel's.
 * Context: takes @mm's mmap_lock for read.
 */
void ksm_mm_stat(struct mm_struct *mm, struct ksm_mm_stat *stat)
{
	stat->ksm_rmap_items = __atomic_load_n(&mm->ksm_rmap_items, __ATOMIC_RELAXED);
	stat->ksm_zero_pages = mm_ksm_zero_pages(mm);
	stat->ksm_merging_pages = __atomic_load_n(&mm->ksm_merging_pages, __ATOMIC_RELAXED);
	stat->ksm_process_profit = (stat->ksm_merging_pages + stat->ksm_zero_pages) *
				   (long)PAGE_SIZE -
				   stat->ksm_rmap_items * (long)sizeof(struct ksm_rmap_item);
	stat->ksm_merge_any = test_bit(MMF_VM_MERGE_ANY, &mm->flags);
	stat->ksm_mergeable = ksm_process_mergeable(mm);
}

/**
 * ksm_stat_show() - /proc/PID/ksm_stat for @mm, six lines in the kernel's
 * format. Context: as ksm_mm_stat().
 */
void ksm_stat_show(struct mm_struct *mm, FILE *out)
{
	struct ksm_mm_stat st;

	ksm_mm_stat(mm, &st);
	fprintf(out, "ksm_rmap_items %lu\nksm_zero_pages %ld\nksm_merging_pages %lu\n"
		"ksm_process_profit %ld\nksm_merge_any: %s\nksm_mergeable: %s\n",
		(unsigned long)st.ksm_rmap_items, st.ksm_zero_pages,
		(unsigned long)st.ksm_merging_pages,
		st.ksm_process_profit, st.ksm_merge_any ? "yes" : "no",
		st.ksm_mergeable ? "yes" : "no");
}

/**
 * ksm_mm_stat_read() - one ksm_stat line of @mm by name (ksm_merge_any and
 * ksm_mergeable as 1 or 0). Context: as ksm_mm_stat().
 * Return: 0 or -ENOENT.
 */
int ksm_mm_stat_read(struct mm_struct *mm, const char *name, long *value)
{
	struct ksm_mm_stat st;

	ksm_mm_stat(mm, &st);
	if (!strcmp(name, "ksm_rmap_items"))
		*value = st.ksm_rmap_items;
	else if (!strcmp(name, "ksm_zero_pages"))
		*value = st.ksm_zero_pages;
	else if (!strcmp(name, "ksm_merging_pages"))
		*value = st.ksm_merging_pages;
	else if (!strcmp(name, "ksm_process_profit"))
		*value = st.ksm_process_profit;
	else if (!strcmp(name, "ksm_merge_any"))
		*value = st.ksm_merge_any;
	else if (!strcmp(name, "ksm_mergeable"))
		*value = st.ksm_mergeable;
	else
		return -ENOENT;
	return 0;
}
