/* SPDX-License-Identifier: MIT */
/*
 * backend_sim.c - the scenario backend that runs on pagelab's simulated
 * machine. It builds the machine of the script's `machine` command
 * (without daemon threads in deterministic mode, where ->step drives
 * kcompactd and the balloon driver), runs sysctl, compact and the balloon
 * commands, hands kalloc sets to sim_kalloc.c and processes to
 * sim_process.c, reads vmstat, buddyinfo, the debugfs extfrag indices, the
 * compaction values, the balloon's numbers, kalloc, P.R and machine
 * values, meminfo, zoneinfo and the frame census (sim_census.c: a report
 * whose census fails fails the run), and at the end stops kcompactd and
 * ksmd, checks the machine's invariants, exits every process still alive,
 * frees every set and checks that every page came back (to the free lists
 * or, still inflated, to the balloon).
 *
 * KSM: `ksm NAME=VALUE` writes /sys/kernel/mm/ksm through ksm_knob_write()
 * (a value the kernel refuses whatever the state is refused at parse time;
 * one refused for the state, such as max_page_sharing while KSM pages
 * exist, fails the run with the kernel's errno); `ksm wait` steps ksmd on
 * the virtual clock in deterministic mode and waits for the real ksmd, at
 * most its timeout, otherwise; P madvise R mergeable|unmergeable and
 * P ksm merge= go to sim_process.c; ksm.X and ksm.P.X are read from
 * ksm_read() and the process's ksm_stat, and reports carry both.
 *
 * THP: `thp NAME=VALUE` writes /sys/kernel/mm/transparent_hugepage
 * through thp_knob_write() (a value the kernel always refuses is refused
 * at parse time); P madvise R hugepage|nohugepage goes to sim_process.c.
 *
 * The contract of each operation is in backend.h; threads are simulated
 * CPUs (->bind_cpu is cpu_bind_current()).
 */
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "scenario/sim_internal.h"
#include "compact/compaction.h"
#include "drivers/virtio_balloon.h"
#include "vm/huge_mm.h"
#include "ksm/ksm.h"
#include "vm/hugetlb.h"

/* How long `balloon wait` waits on a threaded machine without timeout=. */
#define BALLOON_WAIT_DEFAULT_MS	10000

/* The backend interface's sizes hold this machine's. */
BUILD_BUG_ON(SCN_PAGE_SIZE != PAGE_SIZE);
BUILD_BUG_ON(SCN_ORDERS_MAX != NR_PAGE_ORDERS_CAP);
BUILD_BUG_ON(SCN_COUNTERS_MAX < VMSTAT_MAX_ENTRIES);

struct sim_state {
	struct sim_sets *sets;
	struct sim_procs *procs;
	long free_at_boot;	/* pages_unused_at_boot_size(), at boot */
	pthread_mutex_t census_lock;
	char *census_error;	/* the first report whose frame census failed */
};

/* ------------------------------------------------------------------ */
/* Parse-time capabilities                                             */

static int sim_check_sysctl(const struct scn_cmd *cmd, char *msg, size_t len)
{
	for (unsigned int i = 0; i < cmd->knobs.n; i++) {
		const char *knob = cmd->knobs.v[i].name;
		size_t n;

		const char *name;
		long value;

		if (machine_sysctl_get(knob, &value) != -ENOENT)
			continue;
		n = snprintf(msg, len, "sysctl '%s' is not in this build (the sim backend has ",
			     knob);
		for (unsigned int j = 0; (name = machine_sysctl_name(j)); j++)
			n += snprintf(msg + min(n, len), len - min(n, len), "%s%s", j ? ", " : "",
				      name);
		snprintf(msg + min(n, len), len - min(n, len), ")");
		return -EOPNOTSUPP;
	}
	return 0;
}

/*
 * The values /sys/kernel/mm/ksm refuses whatever KSM's state (mm/ksm.c's
 * store functions): each knob's range, and what it says of a value
 * outside it. The booleans take 0 or 1 here (the kernel's kstrtobool()
 * would also read 10 as 1).
 */
struct knob_range {
	const char *knob;
	long min, max;
	const char *rule;	/* what the kernel says of a value outside */
};

/*
 * The range of @tab that numeric knob @k breaks, or NULL (a word, a knob
 * with no range, a value inside it).
 */
static const struct knob_range *knob_out_of_range(const struct knob_range *tab, size_t n,
						  const struct scn_knob *k)
{
	for (size_t j = 0; j < n && !k->word; j++)
		if (!strcmp(k->name, tab[j].knob))
			return k->value >= tab[j].min && k->value <= tab[j].max ? NULL : &tab[j];
	return NULL;
}

/* @k's value as written to its file: its word, or its number in @buf. */
static const char *knob_value(const struct scn_knob *k, char *buf, size_t len)
{
	if (k->word)
		return k->word;
	snprintf(buf, len, "%ld", k->value);
	return buf;
}

static const struct knob_range sim_ksm_ranges[] = {
	{ "run", 0, 2, "0 stops ksmd, 1 runs it, 2 unmerges everything" },
	{ "pages_to_scan", 0, UINT_MAX, "an unsigned int" },
	{ "sleep_millisecs", 0, UINT_MAX, "an unsigned int" },
	{ "max_page_sharing", 2, INT_MAX, "at least 2: a KSM page has two sharers" },
	{ "use_zero_pages", 0, 1, "0 or 1" },
	{ "merge_across_nodes", 0, 1, "0 or 1" },
	{ "smart_scan", 0, 1, "0 or 1" },
	{ "stable_node_chains_prune_millisecs", 0, UINT_MAX, "an unsigned int" },
	{ "advisor_target_scan_time", 1, LONG_MAX, "at least 1 second" },
};

/* ksm NAME=VALUE ...: refuse a value no state of KSM would take. */
static int sim_check_ksm(const struct scn_cmd *cmd, char *msg, size_t len)
{
	for (unsigned int i = 0; i < cmd->knobs.n; i++) {
		const struct scn_knob *k = &cmd->knobs.v[i];
		const struct knob_range *r = knob_out_of_range(sim_ksm_ranges,
							       ARRAY_SIZE(sim_ksm_ranges), k);

		if (!r)
			continue;
		/* kstrtoint()'s -ERANGE is what max_page_sharing passes on */
		snprintf(msg, len, "ksm %s=%ld: invalid value, the kernel refuses it with %s (%s)",
			 k->name, k->value, k->value > INT_MAX &&
			 !strcmp(k->name, "max_page_sharing") ? "ERANGE" : "EINVAL", r->rule);
		return -EINVAL;
	}
	return 0;
}

/* The numbers /sys/kernel/mm/transparent_hugepage refuses (the words are the parser's). */
static const struct knob_range sim_thp_ranges[] = {
	{ "use_zero_page", 0, 1, "0 or 1" },
	{ "shrink_underused", 0, 1, "0 or 1" },
	{ "khugepaged/defrag", 0, 1, "0 or 1" },
	{ "khugepaged/pages_to_scan", 1, UINT_MAX, "at least 1, an unsigned int" },
	{ "khugepaged/scan_sleep_millisecs", 0, UINT_MAX, "an unsigned int" },
	{ "khugepaged/alloc_sleep_millisecs", 0, UINT_MAX, "an unsigned int" },
	{ "khugepaged/max_ptes_none", 0, 511, "at most 511, HPAGE_PMD_NR - 1" },
	{ "khugepaged/max_ptes_swap", 0, 511, "at most 511, HPAGE_PMD_NR - 1" },
	{ "khugepaged/max_ptes_shared", 0, 511, "at most 511, HPAGE_PMD_NR - 1" },
};

/* thp NAME=VALUE ...: refuse a number the kernel always refuses. */
static int sim_check_thp(const struct scn_cmd *cmd, char *msg, size_t len)
{
	for (unsigned int i = 0; i < cmd->knobs.n; i++) {
		const struct scn_knob *k = &cmd->knobs.v[i];
		const struct knob_range *r = knob_out_of_range(sim_thp_ranges,
							       ARRAY_SIZE(sim_thp_ranges), k);

		if (!r)
			continue;
		snprintf(msg, len, "thp %s=%ld: invalid value, the kernel refuses it with EINVAL (%s)",
			 k->name, k->value, r->rule);
		return -EINVAL;
	}
	return 0;
}

/* thp NAME=VALUE ...: each knob in turn, as writes to its file. */
static void sim_thp_set(struct scn_run *run, const struct scn_cmd *cmd)
{
	for (unsigned int i = 0; i < cmd->knobs.n; i++) {
		const struct scn_knob *k = &cmd->knobs.v[i];
		char buf[32];
		const char *value = knob_value(k, buf, sizeof(buf));
		int err = thp_knob_write(k->name, value);

		if (err)
			scn_record_failure(run, cmd, "thp failed: %s=%s: %s", k->name, value,
					   strerror(-err));
	}
}

static int sim_check_cmd(const struct scn_script *s, const struct scn_cmd *cmd,
			 char *msg, size_t len)
{
	switch (cmd->verb) {
	case SCN_KSM_SET:
		return sim_check_ksm(cmd, msg, len);
	case SCN_THP_SET:
		return sim_check_thp(cmd, msg, len);
	case SCN_SYSCTL:
		return sim_check_sysctl(cmd, msg, len);
	default:
		return 0;
	}
}

static int check_order(const struct scn_script *s, const struct scn_name *name,
		       char *msg, size_t len)
{
	if (name->n <= s->machine.max_order)
		return 0;
	snprintf(msg, len, "'%s': order %u is above the machine's max_order %u", name->text,
		 name->n, s->machine.max_order);
	return -ERANGE;
}

/* buddy.ZONE.orderN, extfrag.ZONE.orderN, unusable.ZONE.orderN */
static int check_zone_order(const struct scn_script *s, const struct scn_name *name,
			    char *msg, size_t len)
{
	if (strcmp(name->a, "Normal")) {
		snprintf(msg, len, "unknown zone '%s' (the sim machine has one zone, Normal)",
			 name->a);
		return -ENOENT;
	}
	return check_order(s, name, msg, len);
}

/* meminfo.X: the lines the sim machine has (hugetlb's, for now). */
static int sim_check_name(const struct scn_script *s, const struct scn_name *name,
			  char *msg, size_t len)
{
	switch (name->family) {
	case SCN_NAME_VMSTAT:
		if (vmstat_name_known(name->a))
			return 0;
		snprintf(msg, len, "unknown vmstat counter '%s' (not in this build)", name->a);
		return -ENOENT;
	case SCN_NAME_BUDDY_ZONE:
	case SCN_NAME_EXTFRAG:
	case SCN_NAME_UNUSABLE:
		return check_zone_order(s, name, msg, len);
	case SCN_NAME_BUDDY_FREE:
		return check_order(s, name, msg, len);
	case SCN_NAME_MEMINFO:
	case SCN_NAME_ZONEINFO:
	case SCN_NAME_FRAMES:
		return sim_check_proc_name(s, name, msg, len);
	default:
		return 0;
	}
}

/* ------------------------------------------------------------------ */
/* Machine                                                             */

static struct sim_state *state(struct scn_run *run)
{
	return run->be_state;
}

static void state_free(struct sim_state *st)
{
	sim_procs_destroy(st->procs);
	sim_sets_destroy(st->sets);
	pthread_mutex_destroy(&st->census_lock);
	free(st->census_error);
	free(st);
}

/*
 * Pages nobody uses: free, in the balloon (which machine_exit() deflates)
 * or in the hugetlb pool (which machine_exit() empties), less what
 * deferred struct page init has freed since boot: the same at the end of a
 * run as at boot, however much of the mem_map was initialised meanwhile.
 * The free part is read under zone->lock, under which the helper threads
 * free and count in one go.
 */
static long pages_unused_at_boot_size(void)
{
	struct zone *zone = &contig_page_data.node_zones[ZONE_NORMAL];
	long pages;

	spin_lock(&zone->lock);
	pages = global_zone_page_state(NR_FREE_PAGES) -
		(long)deferred_init_nr_freed(&contig_page_data);
	spin_unlock(&zone->lock);
	return pages + node_page_state(&contig_page_data, NR_BALLOON_PAGES) +
	       hugetlb_total_pages();
}

/* Deterministic mode boots the machine without daemon threads: see ->step. */
static int sim_init(struct scn_run *run, char *msg, size_t len)
{
	const struct scn_script *s = run->script;
	const struct machine_config config = {
		.memory_bytes = s->machine.memory_bytes, .cpus = s->machine.cpus,
		.max_order = s->machine.max_order, .pageblock_order = s->machine.pageblock_order,
		.deterministic = run->deterministic,
		.deferred_init = (enum deferred_init_mode)s->machine.deferred_init,
	};
	struct sim_state *st = calloc(1, sizeof(*st));
	int err = -ENOMEM;

	if (st) {
		pthread_mutex_init(&st->census_lock, NULL);
		st->procs = sim_procs_create(s);
	}
	if (st && st->procs)
		err = machine_init(&config);
	if (!err) {
		st->sets = sim_sets_create(s);
		err = st->sets ? 0 : -ENOMEM;
		if (err)
			machine_exit();
	}
	if (err) {
		snprintf(msg, len, "cannot build the machine: %s", strerror(-err));
		if (st)
			state_free(st);
		return err;
	}
	cpu_bind_current(0);
	drain_all_pages(NULL);
	st->free_at_boot = pages_unused_at_boot_size();
	run->be_state = st;
	return 0;
}

static int sim_sysctl(struct scn_run *run, const struct scn_cmd *cmd)
{
	unsigned int i;

	for (i = 0; i < cmd->knobs.n; i++) {
		const struct scn_knob *k = &cmd->knobs.v[i];

		if (machine_sysctl_set(k->name, k->value))
			scn_record_failure(run, cmd, "sysctl failed: %s=%ld: invalid value",
					   k->name, k->value);
	}
	return 0;
}

/* balloon target=SIZE: the host is asked; the driver follows (see ->step). */
static void sim_balloon_target(struct scn_run *run, const struct scn_cmd *cmd)
{
	int err = virtio_balloon_set_target(cmd->balloon.bytes);

	if (err == -ENOTCONN)
		scn_record_failure(run, cmd, "balloon failed: the balloon host has gone away");
	else if (err)
		scn_record_failure(run, cmd, "balloon failed: %s", strerror(-err));
}

/* balloon wait [timeout=DUR]: 0 is BALLOON_WAIT_DEFAULT_MS (threaded machines only). */
static void sim_balloon_wait(struct scn_run *run, const struct scn_cmd *cmd)
{
	uint64_t timeout = cmd->balloon_wait.timeout_ms ? cmd->balloon_wait.timeout_ms
							 : BALLOON_WAIT_DEFAULT_MS;
	struct virtio_balloon_state st;
	int err = virtio_balloon_wait(min(timeout, (uint64_t)ULONG_MAX));

	if (!err)
		return;
	virtio_balloon_state(&st);
	if (err == -ENOTCONN)
		scn_record_failure(run, cmd, "balloon wait failed: the balloon host has gone away "
				   "(the balloon stays at %" PRIu64 " pages)", st.actual_pages);
	else if (err == -ETIMEDOUT)
		scn_record_failure(run, cmd, "balloon wait failed: %" PRIu64 " of %" PRIu64
				   " pages after %" PRIu64 " ms", st.actual_pages,
				   st.target_pages, timeout);
	else if (err == -EAGAIN)
		scn_record_failure(run, cmd, "balloon wait failed: stuck at %" PRIu64 " of %"
				   PRIu64 " pages (out of memory?)", st.actual_pages,
				   st.target_pages);
	else
		scn_record_failure(run, cmd, "balloon wait failed: %s", strerror(-err));
}

/* ------------------------------------------------------------------ */
/* KSM                                                                 */

/* The errno names a KSM knob write can return, as the kernel's. */
static const char *ksm_errno_name(int err)
{
	switch (err) {
	case -EINVAL: return "EINVAL";
	case -ERANGE: return "ERANGE";
	case -EBUSY: return "EBUSY";
	case -ENOMEM: return "ENOMEM";
	default: return "error";
	}
}

/* Why KSM refused @name=... with @err in the state it is in. */
static const char *ksm_refusal(const char *name, int err)
{
	if (err == -EBUSY)
		return "KSM pages exist; ksm run=2 unmerges them";
	if (err == -EINVAL && !strcmp(name, "pages_to_scan"))
		return "advisor_mode is not none: the advisor sets pages_to_scan";
	return strerror(-err);
}

/* ksm NAME=VALUE ...: each knob in turn, as writes to /sys/kernel/mm/ksm. */
static void sim_ksm_set(struct scn_run *run, const struct scn_cmd *cmd)
{
	for (unsigned int i = 0; i < cmd->knobs.n; i++) {
		const struct scn_knob *k = &cmd->knobs.v[i];
		char buf[32];
		const char *value = knob_value(k, buf, sizeof(buf));
		int err = ksm_knob_write(k->name, value);

		if (err)
			scn_record_failure(run, cmd, "ksm failed: %s=%s: %s (%s)", k->name, value,
					   ksm_errno_name(err), ksm_refusal(k->name, err));
	}
}

/*
 * ksm wait [scans=N] [timeout=DUR]: ksm_wait_full_scans() steps ksmd on
 * the virtual clock in deterministic mode and sleeps on the real one
 * otherwise, KSM_WAIT_DEFAULT_TIMEOUT_MS (the selftests' 120 s) without
 * timeout=. ksmd that is not running would never scan: that fails at once.
 */
static void sim_ksm_wait(struct scn_run *run, const struct scn_cmd *cmd)
{
	unsigned long timeout = cmd->ksm_wait.timeout_ms ? cmd->ksm_wait.timeout_ms
							 : KSM_WAIT_DEFAULT_TIMEOUT_MS;
	long running = 0, first = 0, now = 0;

	ksm_read("run", &running);
	if (running != 1) {
		scn_record_failure(run, cmd, "ksm wait failed: ksmd is not running (ksm run=%ld)",
				   running);
		return;
	}
	ksm_read("full_scans", &first);
	if (!ksm_wait_full_scans(cmd->ksm_wait.scans, timeout))
		return;
	ksm_read("full_scans", &now);
	scn_record_failure(run, cmd, "ksm wait failed: %ld of %lu full scans after %lu ms%s",
			   now - first, cmd->ksm_wait.scans, timeout,
			   run->deterministic ? " of virtual time" : "");
}

/* KSM's counters (not its knobs), then each live process's ksm_stat as "P.LINE". */
static void snapshot_ksm(struct scn_run *run, struct scn_snapshot *snap)
{
	for (unsigned int i = 0; ksm_counter_names[i] && snap->nksm < SCN_KSM_MAX; i++) {
		struct scn_counter *c = &snap->ksm[snap->nksm];

		snprintf(c->name, sizeof(c->name), "%s", ksm_counter_names[i]);
		if (!ksm_read(c->name, &c->value))
			snap->nksm++;
	}
	if (state(run))		/* a replay's machine has no processes */
		sim_procs_ksm_snapshot(state(run)->procs, snap);
}

/* fault POINT ATTR=VALUE ...: the parser checked every name and range. */
static int sim_fault(const struct scn_cmd *cmd)
{
	for (unsigned int i = 0; i < cmd->fault.n; i++) {
		int err = machine_fault_set(cmd->fault.point, cmd->fault.attrs[i].name,
					    cmd->fault.attrs[i].value);

		if (err)
			return err;
	}
	return 0;
}

static int sim_exec(struct scn_run *run, const struct scn_cmd *cmd)
{
	switch (cmd->verb) {
	case SCN_MACHINE:
		return 0;	/* built by ->init */
	case SCN_SYSCTL:
		return sim_sysctl(run, cmd);
	case SCN_KALLOC:
		return sim_kalloc(run, state(run)->sets, cmd);
	case SCN_KFREE:
		return sim_kfree(run, state(run)->sets, cmd);
	case SCN_KCHECK:
		return sim_kcheck(run, state(run)->sets, cmd);
	case SCN_COMPACT:
		return sysctl_compact_memory();
	case SCN_BALLOON_TARGET:
		sim_balloon_target(run, cmd);
		return 0;
	case SCN_BALLOON_WAIT:
		sim_balloon_wait(run, cmd);
		return 0;
	case SCN_KSM_SET:
		sim_ksm_set(run, cmd);
		return 0;
	case SCN_KSM_WAIT:
		sim_ksm_wait(run, cmd);
		return 0;
	case SCN_THP_SET:
		sim_thp_set(run, cmd);
		return 0;
	case SCN_KSM_MERGE:
	case SCN_PROCESS ... SCN_EXIT:
		return sim_proc_exec(run, state(run)->procs, cmd);
	case SCN_FAULT:
		return sim_fault(cmd);
	default:
		BUG();
	}
}

/* ------------------------------------------------------------------ */
/* Values, snapshots, the end                                          */

static int sim_buddyinfo(struct scn_run *run, struct scn_buddy_zone *zones)
{
	struct buddyinfo_row rows[SCN_ZONES_MAX];
	int n = buddyinfo_snapshot(rows, SCN_ZONES_MAX), i;

	for (i = 0; i < n; i++) {
		snprintf(zones[i].zone, sizeof(zones[i].zone), "%s", rows[i].zone);
		memcpy(zones[i].nr_free, rows[i].nr_free, sizeof(zones[i].nr_free));
		zones[i].nr_orders = rows[i].nr_orders;
	}
	return n;
}

static int buddy_value(struct scn_run *run, const struct scn_name *name, long *value)
{
	struct scn_buddy_zone zones[SCN_ZONES_MAX];

	return scn_buddy_value(zones, sim_buddyinfo(run, zones), name, value);
}

static int machine_value(struct scn_run *run, const char *what, long *value)
{
	const struct scn_machine *m = &run->script->machine;
	const struct zone *zone = &contig_page_data.node_zones[ZONE_NORMAL];
	const struct { const char *name; long value; } values[] = {
		{ "memory_bytes", (long)m->memory_bytes }, { "page_size", PAGE_SIZE },
		{ "struct_page_bytes", sizeof(struct page) }, { "max_order", m->max_order },
		{ "pageblock_order", m->pageblock_order }, { "cpus", m->cpus },
		{ "zone_pages", (long)zone->present_pages },
	};

	for (size_t i = 0; i < ARRAY_SIZE(values); i++) {
		if (!strcmp(what, values[i].name)) {
			*value = values[i].value;
			return 0;
		}
	}
	return -ENOENT;
}

/* The populated zone called @name, or NULL. */
static struct zone *zone_named(const char *name)
{
	struct zone *zone;

	for_each_populated_zone(zone)
		if (!strcmp(zone->name, name))
			return zone;
	return NULL;
}

/* extfrag.ZONE.orderN, unusable.ZONE.orderN: the debugfs extfrag files. */
static int index_value(const struct scn_name *name, long *value)
{
	struct zone *zone = zone_named(name->a);

	if (!zone)
		return -ENOENT;
	*value = name->family == SCN_NAME_EXTFRAG ? fragmentation_index(zone, name->n)
						  : unusable_free_index(zone, name->n);
	return 0;
}

/* compaction.fragmentation_score or compaction.max_free_blocks */
static long compaction_value(const char *what)
{
	if (!strcmp(what, "fragmentation_score"))
		return fragmentation_score_node(NODE_DATA(0));
	return compaction_max_free_blocks(zone_named("Normal"));
}

/* The balloon's numbers, by the names of balloon.X. */
static int balloon_values(struct scn_counter *c)
{
	struct virtio_balloon_state st;
	int err = virtio_balloon_state(&st);

	if (err)
		return err;
	c[0] = (struct scn_counter){ "target_pages", (long)st.target_pages };
	c[1] = (struct scn_counter){ "actual_pages", (long)st.actual_pages };
	c[2] = (struct scn_counter){ "host_released_bytes", (long)st.host_released_bytes };
	return 3;
}

static int balloon_value(const char *what, long *value)
{
	struct scn_counter c[SCN_BALLOON_MAX];
	int n = balloon_values(c);

	for (int i = 0; i < n; i++) {
		if (!strcmp(what, c[i].name)) {
			*value = c[i].value;
			return 0;
		}
	}
	return n < 0 ? n : -ENOENT;
}

static int sim_read(struct scn_run *run, const struct scn_name *name, long *value)
{
	switch (name->family) {
	case SCN_NAME_VMSTAT:
		return vmstat_read(name->a, value);
	case SCN_NAME_BUDDY_ZONE:
	case SCN_NAME_BUDDY_FREE:
		return buddy_value(run, name, value);
	case SCN_NAME_KALLOC:
		*value = sim_set_value(state(run)->sets, name);
		return 0;
	case SCN_NAME_MACHINE:
		return machine_value(run, name->a, value);
	case SCN_NAME_BALLOON:
		return balloon_value(name->a, value);
	case SCN_NAME_REGION:
		return sim_region_value(state(run)->procs, name, value);
	case SCN_NAME_KSM:
		return ksm_read(name->a, value);
	case SCN_NAME_KSM_PROC:
		return sim_ksm_stat_value(state(run)->procs, name, value);
	case SCN_NAME_EXTFRAG:
	case SCN_NAME_UNUSABLE:
		return index_value(name, value);
	case SCN_NAME_COMPACTION:
		*value = compaction_value(name->a);
		return 0;
	case SCN_NAME_MEMINFO:
	case SCN_NAME_ZONEINFO:
	case SCN_NAME_FRAMES:
		return sim_proc_value(run->deterministic, name, value);
	default:
		return -EOPNOTSUPP;
	}
}

/* The debugfs extfrag files of every zone, and the compaction values. */
static void snapshot_compaction(struct scn_snapshot *snap)
{
	static const char *const compaction_names[] = { "fragmentation_score",
							"max_free_blocks" };
	struct zone *zone;

	for_each_populated_zone(zone) {
		struct scn_frag_zone *f = &snap->frag[snap->nfrag];

		if (snap->nfrag == SCN_ZONES_MAX)
			break;
		snprintf(f->zone, sizeof(f->zone), "%s", zone->name);
		f->nr_orders = NR_PAGE_ORDERS;
		for (unsigned int o = 0; o < f->nr_orders; o++) {
			f->extfrag[o] = fragmentation_index(zone, o);
			f->unusable[o] = unusable_free_index(zone, o);
		}
		snap->nfrag++;
	}
	for (size_t i = 0; i < ARRAY_SIZE(compaction_names); i++) {
		struct scn_counter *c = &snap->compaction[snap->ncompaction++];

		snprintf(c->name, sizeof(c->name), "%s", compaction_names[i]);
		c->value = compaction_value(c->name);
	}
}

/* meminfo, zoneinfo and the frame census; a census that fails fails the run. */
static void snapshot_proc(struct scn_run *run, struct scn_snapshot *snap)
{
	struct sim_state *st = state(run);
	char msg[256];

	if (!sim_snapshot_proc(run->deterministic, snap, msg, sizeof(msg)))
		return;
	pthread_mutex_lock(&st->census_lock);
	if (!st->census_error && asprintf(&st->census_error, "report \"%s\": %s", snap->label,
					  msg) < 0)
		st->census_error = NULL;
	pthread_mutex_unlock(&st->census_lock);
}

static int sim_snapshot(struct scn_run *run, struct scn_snapshot *snap)
{
	struct vmstat_entry e[VMSTAT_MAX_ENTRIES];
	int n = vmstat_snapshot(e, VMSTAT_MAX_ENTRIES), i;

	for (i = 0; i < n && i < SCN_COUNTERS_MAX; i++) {
		snprintf(snap->vmstat[i].name, SCN_COUNTER_NAME, "%s", e[i].name);
		snap->vmstat[i].value = e[i].value;
	}
	snap->nvmstat = i;
	snapshot_ksm(run, snap);
	snap->nbuddy = sim_buddyinfo(run, snap->buddy);
	snapshot_compaction(snap);
	n = balloon_values(snap->balloon);
	snap->nballoon = max(n, 0);
	snapshot_proc(run, snap);
	return 0;
}

/* The calling thread runs simulated CPU @cpu. */
static void sim_bind_cpu(struct scn_run *run, unsigned int cpu)
{
	cpu_bind_current(cpu);
}

/* Deterministic mode: kcompactd's, ksmd's and the balloon driver's work for @elapsed_ms. */
static void sim_step(struct scn_run *run, unsigned long elapsed_ms)
{
	kcompactd_step(NODE_DATA(0), elapsed_ms);
	ksmd_step(elapsed_ms);
	khugepaged_step(elapsed_ms);
	virtio_balloon_step(elapsed_ms);
}

/*
 * Stop kcompactd, khugepaged and ksmd (ksm run=0 keeps what is merged: nothing moves
 * or merges any more), check the machine with the processes and sets
 * held, then after every process has exited (freeing its KSM pages) and
 * every set has been freed.
 */
static int sim_finish(struct scn_run *run, char *msg, size_t len)
{
	struct sim_state *st = state(run);
	long free_now;
	int err;

	if (st->census_error) {
		snprintf(msg, len, "%s", st->census_error);
		return -EUCLEAN;
	}
	kcompactd_stop(NODE_DATA(0));
	khugepaged_stop();
	BUG_ON(ksm_knob_write("run", "0"));
	drain_all_pages(NULL);
	err = check_invariants(msg, len);
	if (err)
		return err;
	sim_procs_exit_all(st->procs);
	sim_sets_free_all(st->sets);
	drain_all_pages(NULL);
	err = check_invariants(msg, len);
	if (err)
		return err;
	free_now = pages_unused_at_boot_size();
	if (free_now == st->free_at_boot)
		return 0;
	snprintf(msg, len, "%ld pages free or in the balloon after every process exited and "
		 "every kalloc set was freed, %ld at boot", free_now, st->free_at_boot);
	return -EUCLEAN;
}

static void sim_exit(struct scn_run *run)
{
	struct sim_state *st = state(run);

	sim_procs_destroy(st->procs);
	sim_sets_destroy(st->sets);
	st->procs = NULL;
	st->sets = NULL;
	machine_exit();
	state_free(st);
	run->be_state = NULL;
}

const struct scn_backend scn_backend_sim = {
	.name = "sim",
	.check_cmd = sim_check_cmd,
	.check_name = sim_check_name,
	.init = sim_init,
	.exec = sim_exec,
	.read = sim_read,
	.snapshot = sim_snapshot,
	.buddyinfo = sim_buddyinfo,
	.bind_cpu = sim_bind_cpu,
	.step = sim_step,
	.finish = sim_finish,
	.exit = sim_exit,
};
