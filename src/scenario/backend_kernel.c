/* SPDX-License-Identifier: MIT */
/*
 * backend_kernel.c - the scenario backend that runs on the host's own
 * kernel (--backend kernel; docs/kernel-backend.md). Processes are real
 * child processes (backend_kernel_child.c); sysctl writes /proc/sys/vm,
 * ksm /sys/kernel/mm/ksm, thp /sys/kernel/mm/transparent_hugepage, each
 * knob saved first and given back however the run ends
 * (backend_kernel_knobs.c); compact writes /proc/sys/vm/compact_memory;
 * ksm wait polls full_scans. Reports come from the kernel's own files
 * (backend_kernel_stats.c); --trace from a tracefs instance
 * (backend_kernel_trace.c).
 *
 * What a program cannot do on the host is refused at parse time, in
 * ->check_cmd and ->check_name, with the reason: kalloc, kfree and kcheck
 * (the simulator's kernel allocations), balloon (the simulated balloon;
 * the host's belongs to its hypervisor), migrate on a host of one NUMA
 * node (move_pages(2) has nowhere to move a page), the debugfs extfrag
 * indices and the simulator's compaction values, and, for a user other
 * than root, every command that writes a knob or compacts. The machine
 * line is ignored, with one notice.
 *
 * The run's state (struct kstate) is built by ->init and torn down once,
 * by ->exit or by the signal guard, whichever comes first
 * (kstate.teardown_lock). The contract of each operation is in backend.h.
 */
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include "scenario/kernel_internal.h"

#define KSM_WAIT_DEFAULT_MS	120000	/* without timeout= */
#define KSM_WAIT_POLL_NS	10000000L
#define NODES_MAX		64

struct kstate {
	struct kknobs *knobs;		/* root only; NULL otherwise */
	struct kprocs *procs;
	struct ktrace *trace;		/* --trace, or NULL */
	struct kguard *guard;
	pthread_mutex_t teardown_lock;	/* torn_down, and the teardown itself */
	bool torn_down;
	char release[sizeof(((struct utsname *)0)->release)];
};

static struct kstate *kstate_of(struct scn_run *run)
{
	return run->be_state;
}

/* ------------------------------------------------------------------ */
/* Parse time                                                          */

static int refuse(char *msg, size_t len, const char *fmt, const char *what)
{
	snprintf(msg, len, fmt, what);
	return -EOPNOTSUPP;
}

/* Whether this run may write knobs: as root, or on stand-in files (tests). */
static bool may_write_knobs(void)
{
	return !geteuid() || *kknobs_root();
}

/* A knob's or an action's file: it must exist, and writing it needs root. */
static int check_file(const char *verb, const char *path, char *msg, size_t len)
{
	if (access(path, F_OK)) {
		snprintf(msg, len, "'%s': this kernel has no %s", verb, path);
		return -ENOENT;
	}
	if (!may_write_knobs()) {
		snprintf(msg, len, "'%s' writes %s, which needs root (this run is uid %u)", verb,
			 path, (unsigned int)geteuid());
		return -EPERM;
	}
	return 0;
}

/* The file of knob @k of @verb (sysctl, ksm or thp), under the knob root. */
static void knob_path(enum scn_verb verb, const struct scn_knob *k, char *path, size_t len)
{
	if (verb == SCN_SYSCTL)
		snprintf(path, len, "%s" KERNEL_SYSCTL_DIR "/%s", kknobs_root(),
			 k->name + strlen("vm."));
	else
		snprintf(path, len, "%s%s/%s", kknobs_root(),
			 verb == SCN_KSM_SET ? KERNEL_KSM_DIR : KERNEL_THP_DIR, k->name);
}

static int check_knobs(const struct scn_cmd *cmd, char *msg, size_t len)
{
	for (unsigned int i = 0; i < cmd->knobs.n; i++) {
		char path[PATH_MAX];
		int err;

		knob_path(cmd->verb, &cmd->knobs.v[i], path, sizeof(path));
		err = check_file(scn_verb_name(cmd->verb), path, msg, len);
		if (err)
			return err;
	}
	return 0;
}

static int need_ksm(const char *what, char *msg, size_t len)
{
	char path[PATH_MAX];

	if (!access(kknob_file(path, sizeof(path), KERNEL_KSM_DIR "/run"), F_OK))
		return 0;
	return refuse(msg, len, "'%s' needs KSM, which this kernel does not have "
		      "(no " KERNEL_KSM_DIR ")", what);
}

static int check_migrate(char *msg, size_t len)
{
	int ids[NODES_MAX];

	if (kstat_nodes(ids, NODES_MAX) >= 2)
		return 0;
	return refuse(msg, len, "'%s' needs two NUMA nodes: this host has one, where "
		      "move_pages(2) leaves every page where it is", "migrate");
}

/*
 * fault: the kernel's fail_page_alloc lives in debugfs, and only with
 * CONFIG_FAIL_PAGE_ALLOC. Where it exists it fails allocations of every
 * task on the host unless task-filter confines it, which this backend does
 * not set up yet: refused either way, saying which.
 */
static int check_fault(const struct scn_cmd *cmd, char *msg, size_t len)
{
	if (access(KERNEL_FAIL_PAGE_ALLOC, F_OK))
		return refuse(msg, len, "'fault %s': this kernel has no fault injection for page "
			      "allocations (no " KERNEL_FAIL_PAGE_ALLOC ": CONFIG_FAIL_PAGE_ALLOC "
			      "is off or debugfs is not mounted); sim backend only", cmd->fault.point);
	return refuse(msg, len, "'fault %s' would fail allocations of every task on the host "
		      "(the kernel backend does not confine it with task-filter yet); sim backend "
		      "only", cmd->fault.point);
}

static int kernel_check_cmd(const struct scn_script *s, const struct scn_cmd *cmd,
			    char *msg, size_t len)
{
	char path[PATH_MAX];

	switch (cmd->verb) {
	case SCN_KALLOC:
	case SCN_KFREE:
	case SCN_KCHECK:
		return refuse(msg, len, "'%s' allocates kernel memory inside the simulator: sim "
			      "backend only (a program cannot allocate the host kernel's pages)",
			      scn_verb_name(cmd->verb));
	case SCN_BALLOON_TARGET:
	case SCN_BALLOON_WAIT:
		return refuse(msg, len, "'%s' drives the simulated balloon: sim backend only (the "
			      "host's balloon is inflated by its hypervisor)",
			      scn_verb_name(cmd->verb));
	case SCN_MIGRATE:
		return check_migrate(msg, len);
	case SCN_MMAP:
		if (!cmd->mm.hugetlb || !access(KERNEL_NR_HUGEPAGES, F_OK))
			return 0;
		return refuse(msg, len, "'%s' needs hugetlb pages, which this kernel does not have "
			      "(no " KERNEL_NR_HUGEPAGES ")", "mmap ... hugetlb");
	case SCN_FAULT:
		return check_fault(cmd, msg, len);
	case SCN_SYSCTL:
	case SCN_THP_SET:
		return check_knobs(cmd, msg, len);
	case SCN_KSM_SET:
		return need_ksm("ksm", msg, len) ?: check_knobs(cmd, msg, len);
	case SCN_COMPACT:
		return check_file("compact", kknob_file(path, sizeof(path), KERNEL_COMPACT_MEMORY),
				  msg, len);
	case SCN_KSM_WAIT:
	case SCN_KSM_MERGE:
		return need_ksm(scn_verb_name(cmd->verb), msg, len);
	case SCN_MADVISE:
		if (cmd->mm.advice == SCN_DONTNEED || cmd->mm.advice == SCN_HUGEPAGE ||
		    cmd->mm.advice == SCN_NOHUGEPAGE)
			return 0;
		return need_ksm(cmd->mm.advice == SCN_MERGEABLE ? "madvise mergeable" :
				"madvise unmergeable", msg, len);
	case SCN_MACHINE:
	case SCN_SLEEP:
	case SCN_WAIT:
	case SCN_REPORT:
	case SCN_EXPECT:
		return 0;
	default:
		if (kproc_verb(cmd->verb))
			return 0;
		return refuse(msg, len, "'%s' is not supported by the kernel backend",
			      scn_verb_name(cmd->verb));
	}
}

static int zoneinfo_value(const struct scn_name *name, long *value)
{
	struct scn_zoneinfo *zones = malloc(SCN_ZONES_MAX * sizeof(*zones));
	int n = zones ? kstat_zoneinfo(zones) : -ENOMEM;
	int err = n < 0 ? n : scn_zoneinfo_value(zones, n, name, value);

	free(zones);
	return err;
}

static int check_buddy(const struct scn_name *name, char *msg, size_t len)
{
	struct scn_buddy_zone zones[SCN_ZONES_MAX];
	int n = kstat_buddyinfo(zones), i = 0;

	if (name->family == SCN_NAME_BUDDY_ZONE)
		while (i < n && strcmp(zones[i].zone, name->a))
			i++;
	if (i == n) {
		snprintf(msg, len, "unknown zone '%s' (not in this host's /proc/buddyinfo)",
			 name->a);
		return -ENOENT;
	}
	if (name->n < zones[i].nr_orders)
		return 0;
	snprintf(msg, len, "'%s': order %u is above this kernel's max order %u", name->text,
		 name->n, zones[i].nr_orders - 1);
	return -ERANGE;
}

/* meminfo.X and zoneinfo.ZONE.X must be in this host's /proc files. */
static int check_proc_name(const struct scn_name *name, char *msg, size_t len)
{
	long v;

	if (name->family == SCN_NAME_MEMINFO) {
		if (kstat_meminfo_value(name->a, &v) != -ENOENT)
			return 0;
		snprintf(msg, len, "unknown meminfo line '%s' (not in this host's /proc/meminfo)",
			 name->a);
		return -ENOENT;
	}
	if (zoneinfo_value(name, &v) != -ENOENT)
		return 0;
	snprintf(msg, len, "'%s' is not in this host's /proc/zoneinfo (node 0's populated zones)",
		 name->text);
	return -ENOENT;
}

static int kernel_check_name(const struct scn_script *s, const struct scn_name *name,
			     char *msg, size_t len)
{
	char path[PATH_MAX];
	long v;

	switch (name->family) {
	case SCN_NAME_VMSTAT:
		if (kstat_vmstat_value(name->a, &v) != -ENOENT)
			return 0;
		snprintf(msg, len, "unknown vmstat counter '%s' (not in this kernel's /proc/vmstat)",
			 name->a);
		return -ENOENT;
	case SCN_NAME_KSM:
		snprintf(path, sizeof(path), "%s" KERNEL_KSM_DIR "/%s", kknobs_root(), name->a);
		if (!access(path, R_OK))
			return 0;
		return need_ksm(name->text, msg, len) ?:
		       refuse(msg, len, "this kernel has no %s", path);
	case SCN_NAME_KSM_PROC:
		return need_ksm(name->text, msg, len);
	case SCN_NAME_BUDDY_ZONE:
	case SCN_NAME_BUDDY_FREE:
		return check_buddy(name, msg, len);
	case SCN_NAME_BALLOON:
		if (!strcmp(name->a, "actual_pages"))
			return 0;
		return refuse(msg, len, "'%s' is the simulated balloon's host: sim backend only (on "
			      "the kernel, balloon.actual_pages is vmstat.nr_balloon_pages)",
			      name->text);
	case SCN_NAME_EXTFRAG:
	case SCN_NAME_UNUSABLE:
		return refuse(msg, len, "'%s' reads debugfs's extfrag files, which the kernel "
			      "backend does not mount: sim backend only", name->text);
	case SCN_NAME_COMPACTION:
		return refuse(msg, len, "'%s' is computed from the simulator's page census: sim "
			      "backend only", name->text);
	case SCN_NAME_KALLOC:
		return refuse(msg, len, "'%s' is a kalloc set's: sim backend only", name->text);
	case SCN_NAME_MEMINFO:
	case SCN_NAME_ZONEINFO:
		return check_proc_name(name, msg, len);
	case SCN_NAME_FRAMES:
		return refuse(msg, len, "'%s' is the simulator's frame census (a walk of every "
			      "struct page): sim backend only", name->text);
	case SCN_NAME_MACHINE:
		if (strcmp(name->a, "struct_page_bytes"))
			return 0;
		return refuse(msg, len, "'%s': the host's struct page is not visible from user "
			      "space", name->text);
	default:
		return 0;
	}
}

/* ------------------------------------------------------------------ */
/* The run's life                                                      */

/*
 * Give everything back: kill the processes, stop the trace, restore the
 * knobs (and the trace's instance and mount). Once, by ->exit or by the
 * signal guard, whichever comes first.
 */
static void teardown(void *arg)
{
	struct kstate *st = arg;

	pthread_mutex_lock(&st->teardown_lock);
	if (!st->torn_down) {
		if (st->procs)
			kprocs_kill(st->procs);
		ktrace_stop(st->trace);
		st->trace = NULL;
		if (st->knobs)
			kknobs_restore(st->knobs);
		st->torn_down = true;
	}
	pthread_mutex_unlock(&st->teardown_lock);
}

static void kstate_free(struct kstate *st)
{
	teardown(st);
	kguard_stop(st->guard);
	kprocs_destroy(st->procs);
	kknobs_close(st->knobs);
	pthread_mutex_destroy(&st->teardown_lock);
	free(st);
}

/* The machine line is the simulator's: say once that it is ignored. */
static void machine_notice(const struct scn_script *s)
{
	if (s->has_machine)
		fprintf(stderr, "pagelab: the kernel backend ignores 'machine' (%s:%u): the "
			"scenario runs on this host\n", s->file, s->cmds[0].line);
}

/* Knobs (root), processes, the signal guard, the trace: in that order. */
static int kstate_build(struct scn_run *run, struct kstate *st, char *msg, size_t len)
{
	int err = 0;

	if (may_write_knobs())
		err = kknobs_open(&st->knobs, msg, len);
	else if (run->trace_path)
		err = refuse(msg, len, "%s on the kernel backend needs root (tracefs)", "--trace");
	if (!err)
		err = kprocs_create(run, &st->procs, msg, len);
	if (!err) {
		err = kguard_start(&st->guard, teardown, st);
		if (err)
			snprintf(msg, len, "cannot start the signal guard: %s", strerror(-err));
	}
	if (!err && run->trace_path)
		err = ktrace_start(run->trace_path, st->knobs, &st->trace, msg, len);
	return err;
}

static int kernel_init(struct scn_run *run, char *msg, size_t len)
{
	struct kstate *st = calloc(1, sizeof(*st));
	struct utsname u;
	long cpus;
	int err;

	if (!st) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&st->teardown_lock, NULL);
	err = kstate_build(run, st, msg, len);
	if (err) {
		kstate_free(st);
		return err;
	}
	machine_notice(run->script);
	if (!uname(&u))
		snprintf(st->release, sizeof(st->release), "%s", u.release);
	if (!kstat_machine("cpus", &cpus) && cpus > 0)
		run->cpus = cpus;
	run->be_state = st;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */

static void kernel_knobs(struct scn_run *run, const struct scn_cmd *cmd)
{
	for (unsigned int i = 0; i < cmd->knobs.n; i++) {
		const struct scn_knob *k = &cmd->knobs.v[i];
		char path[PATH_MAX], value[32];
		int err;

		knob_path(cmd->verb, k, path, sizeof(path));
		snprintf(value, sizeof(value), "%ld", k->value);
		err = kknob_write(kstate_of(run)->knobs, path, k->word ? k->word : value);
		if (err)
			scn_record_failure(run, cmd, "%s failed: %s=%s: %s", scn_verb_name(cmd->verb),
					   k->name, k->word ? k->word : value, strerror(-err));
	}
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/* ksm wait: until full_scans has grown by scans, as the KSM selftests wait. */
static void kernel_ksm_wait(struct scn_run *run, const struct scn_cmd *cmd)
{
	uint64_t timeout = cmd->ksm_wait.timeout_ms ?: KSM_WAIT_DEFAULT_MS, start = mono_ms();
	const struct timespec poll = { 0, KSM_WAIT_POLL_NS };
	long running = 0, first, now;

	if (kstat_ksm_value("run", &running) || running != 1 ||
	    kstat_ksm_value("full_scans", &first)) {
		scn_record_failure(run, cmd, "ksm wait failed: ksmd is not running (ksm run=%ld)",
				   running);
		return;
	}
	do {
		if (kstat_ksm_value("full_scans", &now))
			break;
		if ((unsigned long)(now - first) >= cmd->ksm_wait.scans)
			return;
		nanosleep(&poll, NULL);
	} while (mono_ms() - start < timeout);
	scn_record_failure(run, cmd, "ksm wait failed: %ld of %lu scans after %" PRIu64 " ms",
			   now - first, cmd->ksm_wait.scans, mono_ms() - start);
}

static int kernel_exec(struct scn_run *run, const struct scn_cmd *cmd)
{
	char path[PATH_MAX];

	switch (cmd->verb) {
	case SCN_MACHINE:
		return 0;	/* ignored (->init said so) */
	case SCN_SYSCTL:
	case SCN_KSM_SET:
	case SCN_THP_SET:
		kernel_knobs(run, cmd);
		return 0;
	case SCN_COMPACT:
		return kfile_write(kknob_file(path, sizeof(path), KERNEL_COMPACT_MEMORY), "1");
	case SCN_KSM_WAIT:
		kernel_ksm_wait(run, cmd);
		return 0;
	default:
		BUG_ON(!kproc_verb(cmd->verb));
		return kprocs_exec(kstate_of(run)->procs, cmd);
	}
}

/* ------------------------------------------------------------------ */
/* Values and snapshots                                                */

static int kernel_buddyinfo(struct scn_run *run, struct scn_buddy_zone *zones)
{
	return kstat_buddyinfo(zones);
}

static int buddy_value(const struct scn_name *name, long *value)
{
	struct scn_buddy_zone zones[SCN_ZONES_MAX];
	int n = kstat_buddyinfo(zones);

	return n ? scn_buddy_value(zones, n, name, value) : -ENOENT;
}

static int kernel_read(struct scn_run *run, const struct scn_name *name, long *value)
{
	pid_t pid;

	switch (name->family) {
	case SCN_NAME_VMSTAT:
		return kstat_vmstat_value(name->a, value);
	case SCN_NAME_KSM:
		return kstat_ksm_value(name->a, value);
	case SCN_NAME_KSM_PROC:
		pid = kprocs_pid(kstate_of(run)->procs, name->n);
		return pid < 0 ? -ESRCH : kstat_ksm_stat_value(pid, name->b, value);
	case SCN_NAME_BUDDY_ZONE:
	case SCN_NAME_BUDDY_FREE:
		return buddy_value(name, value);
	case SCN_NAME_BALLOON:
		return kstat_vmstat_value("nr_balloon_pages", value);
	case SCN_NAME_REGION:
		return kprocs_region_value(kstate_of(run)->procs, name, value);
	case SCN_NAME_MACHINE:
		return kstat_machine(name->a, value);
	case SCN_NAME_MEMINFO:
		return kstat_meminfo_value(name->a, value);
	case SCN_NAME_ZONEINFO:
		return zoneinfo_value(name, value);
	default:
		return -EOPNOTSUPP;
	}
}

/* The script's name of process instance @id. */
static const char *proc_name(const struct scn_script *s, unsigned int id)
{
	for (unsigned int i = 0; i < s->ncmds; i++) {
		const struct scn_cmd *cmd = &s->cmds[i];

		if (cmd->verb == SCN_PROCESS && cmd->mm.proc_id == id)
			return cmd->mm.proc;
		if (cmd->verb == SCN_FORK && cmd->mm.child_id == id)
			return cmd->mm.child;
	}
	return NULL;
}

/* KSM's counters, then each live process's ksm_stat lines as "P.LINE". */
static void snapshot_ksm(struct scn_run *run, struct scn_snapshot *snap)
{
	const struct scn_script *s = run->script;
	int n = kstat_ksm(snap->ksm, SCN_KSM_MAX);

	snap->nksm = n;
	for (unsigned int id = 0; id < s->nprocs && snap->nksm < SCN_KSM_MAX; id++) {
		pid_t pid = kprocs_pid(kstate_of(run)->procs, id);
		const char *name = proc_name(s, id);

		if (pid < 0 || !name)
			continue;
		n = kstat_ksm_stat(pid, name, snap->ksm + snap->nksm, SCN_KSM_MAX - snap->nksm);
		snap->nksm += n > 0 ? n : 0;
	}
}

static int kernel_snapshot(struct scn_run *run, struct scn_snapshot *snap)
{
	int n = kstat_vmstat(snap->vmstat, SCN_COUNTERS_MAX);

	snap->nvmstat = n > 0 ? n : 0;
	snapshot_ksm(run, snap);
	snap->nbuddy = kstat_buddyinfo(snap->buddy);
	snap->balloon[0] = (struct scn_counter){ .name = "actual_pages" };
	snap->nballoon = !kstat_vmstat_value("nr_balloon_pages", &snap->balloon[0].value);
	n = kstat_meminfo(snap->meminfo, SCN_MEMINFO_MAX);
	snap->nmeminfo = max(n, 0);
	n = kstat_zoneinfo(snap->zoneinfo);
	snap->nzoneinfo = max(n, 0);
	return 0;
}

/* ------------------------------------------------------------------ */
/* The end                                                             */

/* Every process still alive exits, and is waited for. */
static int kernel_finish(struct scn_run *run, char *msg, size_t len)
{
	kprocs_stop(kstate_of(run)->procs);
	return 0;
}

static void kernel_exit(struct scn_run *run)
{
	kstate_free(kstate_of(run));
	run->be_state = NULL;
}

static const char *kernel_release(struct scn_run *run)
{
	return kstate_of(run)->release;
}

const struct scn_backend scn_backend_kernel = {
	.name = "kernel",
	.check_cmd = kernel_check_cmd,
	.check_name = kernel_check_name,
	.init = kernel_init,
	.exec = kernel_exec,
	.read = kernel_read,
	.snapshot = kernel_snapshot,
	.buddyinfo = kernel_buddyinfo,
	.finish = kernel_finish,
	.exit = kernel_exit,
	.kernel_release = kernel_release,
	.own_trace = true,
};
