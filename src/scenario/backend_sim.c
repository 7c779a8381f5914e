/* SPDX-License-Identifier: MIT */
/*
 * backend_sim.c - the scenario backend that runs on pagelab's simulated
 * machine. It builds the machine of the script's `machine` command, runs
 * sysctl and the kernel-side allocation commands (kalloc, kfree, kcheck)
 * through the buddy allocator, hands processes and their commands to
 * sim_process.c, reads vmstat, buddyinfo, kalloc, P.R.intact and machine
 * values, and at the end checks the machine's invariants, exits every
 * process still alive, frees every set and checks that every page came
 * back.
 *
 * What the machine cannot do yet is refused at parse time, in
 * ->check_cmd and ->check_name, with the subsystem it needs: page
 * migration (P migrate, P.R.migrated, P.R.migrate_failed), compaction
 * (compact), KSM (ksm, P madvise R mergeable|unmergeable), the balloon,
 * and the movable_ops driver (kalloc type=movable).
 * kalloc compact=yes|no is accepted but changes nothing until compaction
 * exists.
 *
 * Each kalloc set has its own lock, so background commands may work on
 * sets while the runner reads them. Block i of set K holds, in its page j,
 * the unique pattern of key pattern_key("kalloc.K"), index (i << order) + j
 * and the run seed; kcheck regenerates it to compare.
 */
#include <stdlib.h>
#include <string.h>
#include "scenario/scenario_internal.h"

struct sim_set {
	pthread_mutex_t lock;
	const char *name;
	uint64_t key;
	unsigned int order;
	struct page **blocks;		/* every block obtained; NULL once freed */
	unsigned long nblocks, cap;
	long ok;			/* blocks obtained by kalloc */
	bool intact;			/* the last kcheck found no difference */
};

struct sim_state {
	struct sim_set *sets;
	unsigned int nsets;
	struct sim_procs *procs;
	long free_at_boot;
};

/* ------------------------------------------------------------------ */
/* Parse-time capabilities                                             */

static const struct {
	const char *knob;
	int (*set)(long value);
} sim_sysctls[] = {
	{ "vm.min_free_kbytes", sysctl_min_free_kbytes_set },
	{ "vm.watermark_scale_factor", sysctl_watermark_scale_factor_set },
};

static const char *const compaction_sysctls[] = {
	"vm.compaction_proactiveness", "vm.extfrag_threshold",
	"vm.compact_unevictable_allowed", "vm.compact_memory", NULL,
};

static int refuse(char *msg, size_t len, const char *what, const char *subsystem)
{
	snprintf(msg, len, "'%s' needs %s, not in this build yet", what, subsystem);
	return -EOPNOTSUPP;
}

static int sim_check_sysctl(const struct scn_cmd *cmd, char *msg, size_t len)
{
	unsigned int i, j;

	for (i = 0; i < cmd->knobs.n; i++) {
		const char *knob = cmd->knobs.v[i].name;

		for (j = 0; j < ARRAY_SIZE(sim_sysctls); j++)
			if (!strcmp(knob, sim_sysctls[j].knob))
				break;
		if (j < ARRAY_SIZE(sim_sysctls))
			continue;
		for (j = 0; compaction_sysctls[j]; j++)
			if (!strcmp(knob, compaction_sysctls[j]))
				return refuse(msg, len, knob, "compaction");
		snprintf(msg, len, "sysctl '%s' is not in this build (the sim backend has "
			 "vm.min_free_kbytes, vm.watermark_scale_factor)", knob);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int sim_check_cmd(const struct scn_script *s, const struct scn_cmd *cmd,
			 char *msg, size_t len)
{
	switch (cmd->verb) {
	case SCN_MIGRATE:
		return refuse(msg, len, "migrate", "page migration");
	case SCN_MADVISE:
		if (cmd->mm.advice != SCN_DONTNEED)
			return refuse(msg, len, cmd->mm.advice == SCN_MERGEABLE ? "madvise mergeable"
				      : "madvise unmergeable", "KSM");
		return 0;
	case SCN_COMPACT:
		return refuse(msg, len, "compact", "compaction");
	case SCN_KSM_SET:
	case SCN_KSM_WAIT:
		return refuse(msg, len, scn_verb_name(cmd->verb), "KSM");
	case SCN_BALLOON_TARGET:
	case SCN_BALLOON_WAIT:
		return refuse(msg, len, scn_verb_name(cmd->verb), "the balloon");
	case SCN_SYSCTL:
		return sim_check_sysctl(cmd, msg, len);
	case SCN_KALLOC:
		if (cmd->kalloc.type == SCN_MOVABLE)
			return refuse(msg, len, "kalloc type=movable", "the movable_ops driver");
		return 0;
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

static int sim_check_name(const struct scn_script *s, const struct scn_name *name,
			  char *msg, size_t len)
{
	switch (name->family) {
	case SCN_NAME_VMSTAT:
		if (vmstat_name_known(name->a))
			return 0;
		snprintf(msg, len, "unknown vmstat counter '%s' (not in this build)", name->a);
		return -ENOENT;
	case SCN_NAME_KSM:
		return refuse(msg, len, name->text, "KSM");
	case SCN_NAME_BALLOON:
		return refuse(msg, len, name->text, "the balloon");
	case SCN_NAME_REGION:
		if (strcmp(name->c, "intact"))
			return refuse(msg, len, name->text, "page migration");
		return 0;
	case SCN_NAME_BUDDY_ZONE:
		if (strcmp(name->a, "Normal")) {
			snprintf(msg, len, "unknown zone '%s' (the sim machine has one zone, "
				 "Normal)", name->a);
			return -ENOENT;
		}
		return check_order(s, name, msg, len);
	case SCN_NAME_BUDDY_FREE:
		return check_order(s, name, msg, len);
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

static int sim_init(struct scn_run *run, char *msg, size_t len)
{
	const struct scn_script *s = run->script;
	struct sim_state *st = calloc(1, sizeof(*st));
	int err = -ENOMEM;

	if (st) {
		st->sets = calloc(s->nsets ? s->nsets : 1, sizeof(*st->sets));
		st->procs = sim_procs_create(s);
	}
	if (st && st->sets && st->procs)
		err = machine_init(&s->machine);
	if (err) {
		snprintf(msg, len, "cannot build the machine: %s", strerror(-err));
		if (st) {
			sim_procs_destroy(st->procs);
			free(st->sets);
		}
		free(st);
		return err;
	}
	cpu_bind_current(0);
	st->nsets = s->nsets;
	for (unsigned int i = 0; i < s->nsets; i++) {
		char name[256];

		pthread_mutex_init(&st->sets[i].lock, NULL);
		st->sets[i].name = s->sets[i].name;
		snprintf(name, sizeof(name), "kalloc.%s", s->sets[i].name);
		st->sets[i].key = pattern_key(name);
		st->sets[i].order = s->sets[i].order;
		st->sets[i].intact = true;
	}
	drain_all_pages(NULL);
	st->free_at_boot = global_zone_page_state(NR_FREE_PAGES);
	run->be_state = st;
	return 0;
}

static int sim_sysctl(struct scn_run *run, const struct scn_cmd *cmd)
{
	unsigned int i, j;

	for (i = 0; i < cmd->knobs.n; i++) {
		const struct scn_knob *k = &cmd->knobs.v[i];

		for (j = 0; j < ARRAY_SIZE(sim_sysctls); j++)
			if (!strcmp(k->name, sim_sysctls[j].knob))
				break;
		BUG_ON(j == ARRAY_SIZE(sim_sysctls));
		if (sim_sysctls[j].set(k->value))
			scn_record_failure(run, cmd, "sysctl failed: %s=%ld: invalid value",
					   k->name, k->value);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* kalloc, kfree, kcheck                                               */

static const struct pattern kalloc_pattern = { .kind = PATTERN_UNIQUE };

static void block_fill(struct scn_run *run, struct sim_set *set, unsigned long i,
		       struct page *page)
{
	unsigned char *addr = page_address(page);
	unsigned long j, n = 1UL << set->order;

	for (j = 0; j < n; j++)
		pattern_fill(addr + j * PAGE_SIZE, &kalloc_pattern, run->seed, set->key,
			     (i << set->order) + j);
}

static bool block_intact(struct scn_run *run, struct sim_set *set, unsigned long i)
{
	unsigned char *addr = page_address(set->blocks[i]);
	unsigned long j, n = 1UL << set->order;

	for (j = 0; j < n; j++)
		if (!pattern_verify(addr + j * PAGE_SIZE, &kalloc_pattern, run->seed, set->key,
				    (i << set->order) + j))
			return false;
	return true;
}

static int set_push(struct sim_set *set, struct page *page)
{
	if (set->nblocks == set->cap) {
		unsigned long cap = set->cap ? 2 * set->cap : 64;
		struct page **blocks = realloc(set->blocks, cap * sizeof(*blocks));

		if (!blocks)
			return -ENOMEM;
		set->blocks = blocks;
		set->cap = cap;
	}
	set->blocks[set->nblocks++] = page;
	set->ok++;
	return 0;
}

static gfp_t kalloc_gfp(const struct scn_cmd *cmd)
{
	gfp_t gfp = cmd->kalloc.type == SCN_RECLAIMABLE ? GFP_KERNEL_RECLAIMABLE : GFP_KERNEL;

	gfp |= __GFP_NOWARN;
	if (!cmd->kalloc.compact)
		gfp &= ~__GFP_DIRECT_RECLAIM;
	return gfp;
}

/*
 * Allocate block after block until count or the first failure. The set's
 * lock is taken per block, so readers see the set grow; this command is the
 * set's only kalloc, so nothing else changes ->nblocks.
 */
static int sim_kalloc(struct scn_run *run, const struct scn_cmd *cmd)
{
	struct sim_set *set = &state(run)->sets[cmd->kalloc.set];
	gfp_t gfp = kalloc_gfp(cmd);
	unsigned long i;
	int err = 0;

	for (i = 0; i < cmd->kalloc.count && !err; i++) {
		struct page *page = alloc_pages(gfp, set->order);

		if (!page)
			break;
		block_fill(run, set, set->nblocks, page);	/* only we change nblocks */
		pthread_mutex_lock(&set->lock);
		err = set_push(set, page);
		pthread_mutex_unlock(&set->lock);
		if (err)
			__free_pages(page, cmd->kalloc.order);
	}
	return err;
}

static void block_free(struct sim_set *set, unsigned long i)
{
	if (!set->blocks[i])
		return;
	__free_pages(set->blocks[i], set->order);
	set->blocks[i] = NULL;
}

/* Free a random PCT percent of the held blocks: a partial Fisher-Yates. */
static int kfree_random(struct scn_run *run, struct sim_set *set, const struct scn_cmd *cmd)
{
	unsigned long *held = malloc((set->nblocks + 1) * sizeof(*held));
	unsigned long n = 0, nfree, i;
	uint64_t rng = pattern_mix(scn_seed(run, cmd->kfree.seed), set->key);

	if (!held)
		return -ENOMEM;
	for (i = 0; i < set->nblocks; i++)
		if (set->blocks[i])
			held[n++] = i;
	nfree = n * cmd->kfree.arg / 100;
	for (i = 0; i < nfree; i++) {
		unsigned long j = i + splitmix64(&rng) % (n - i), t = held[j];

		held[j] = held[i];
		held[i] = t;
		block_free(set, t);
	}
	free(held);
	return 0;
}

static int sim_kfree(struct scn_run *run, const struct scn_cmd *cmd)
{
	struct sim_set *set = &state(run)->sets[cmd->kfree.set];
	unsigned long i;
	int err = 0;

	pthread_mutex_lock(&set->lock);
	switch (cmd->kfree.mode) {
	case SCN_KFREE_ALL:
		for (i = 0; i < set->nblocks; i++)
			block_free(set, i);
		break;
	case SCN_KFREE_EVERY:
		for (i = 0; i < set->nblocks; i += cmd->kfree.arg)
			block_free(set, i);
		break;
	case SCN_KFREE_RANDOM:
		err = kfree_random(run, set, cmd);
		break;
	}
	pthread_mutex_unlock(&set->lock);
	return err;
}

static int sim_kcheck(struct scn_run *run, const struct scn_cmd *cmd)
{
	struct sim_set *set = &state(run)->sets[cmd->kcheck.set];
	unsigned long i, ndiff = 0;
	char region[256];

	pthread_mutex_lock(&set->lock);
	for (i = 0; i < set->nblocks; i++)
		if (set->blocks[i] && !block_intact(run, set, i))
			ndiff++;
	set->intact = !ndiff;
	pthread_mutex_unlock(&set->lock);
	if (ndiff)
		scn_record_failure(run, cmd, "kcheck failed: %s: %lu blocks differ", set->name,
				   ndiff);
	snprintf(region, sizeof(region), "kalloc.%s", set->name);
	scn_record_check(run, cmd, region, !ndiff);
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
		return sim_kalloc(run, cmd);
	case SCN_KFREE:
		return sim_kfree(run, cmd);
	case SCN_KCHECK:
		return sim_kcheck(run, cmd);
	case SCN_PROCESS ... SCN_EXIT:
		return sim_proc_exec(run, state(run)->procs, cmd);
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

static long buddy_value(struct scn_run *run, const struct scn_name *name)
{
	struct scn_buddy_zone zones[SCN_ZONES_MAX];
	int n = sim_buddyinfo(run, zones), i;
	unsigned int o;
	long v = 0;

	for (i = 0; i < n; i++) {
		if (name->family == SCN_NAME_BUDDY_ZONE) {
			if (!strcmp(zones[i].zone, name->a))
				return zones[i].nr_free[name->n];
			continue;
		}
		for (o = name->n; o < zones[i].nr_orders; o++)
			v += zones[i].nr_free[o] << (o - name->n);
	}
	return v;
}

static int machine_value(struct scn_run *run, const char *what, long *value)
{
	const struct machine_config *m = &run->script->machine;
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

static int sim_read(struct scn_run *run, const struct scn_name *name, long *value)
{
	struct sim_set *set;

	switch (name->family) {
	case SCN_NAME_VMSTAT:
		return vmstat_read(name->a, value);
	case SCN_NAME_BUDDY_ZONE:
	case SCN_NAME_BUDDY_FREE:
		*value = buddy_value(run, name);
		return 0;
	case SCN_NAME_KALLOC:
		set = &state(run)->sets[name->n];
		pthread_mutex_lock(&set->lock);
		*value = !strcmp(name->b, "ok") ? set->ok : set->intact;
		pthread_mutex_unlock(&set->lock);
		return 0;
	case SCN_NAME_MACHINE:
		return machine_value(run, name->a, value);
	case SCN_NAME_REGION:
		return sim_region_intact(state(run)->procs, name, value);
	default:
		return -EOPNOTSUPP;
	}
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
	snap->nbuddy = sim_buddyinfo(run, snap->buddy);
	return 0;
}

static void free_sets(struct sim_state *st)
{
	for (unsigned int i = 0; i < st->nsets; i++) {
		struct sim_set *set = &st->sets[i];

		for (unsigned long b = 0; b < set->nblocks; b++)
			block_free(set, b);
	}
}

/*
 * Check the machine with the processes and sets held, then after every
 * process has exited and every set has been freed.
 */
static int sim_finish(struct scn_run *run, char *msg, size_t len)
{
	struct sim_state *st = state(run);
	long free_now;
	int err;

	drain_all_pages(NULL);
	err = check_invariants(msg, len);
	if (err)
		return err;
	sim_procs_exit_all(st->procs);
	free_sets(st);
	drain_all_pages(NULL);
	err = check_invariants(msg, len);
	if (err)
		return err;
	free_now = global_zone_page_state(NR_FREE_PAGES);
	if (free_now == st->free_at_boot)
		return 0;
	snprintf(msg, len, "%ld pages free after every process exited and every kalloc set "
		 "was freed, %ld at boot", free_now, st->free_at_boot);
	return -EUCLEAN;
}

static void sim_exit(struct scn_run *run)
{
	struct sim_state *st = state(run);

	sim_procs_destroy(st->procs);
	free_sets(st);
	machine_exit();
	for (unsigned int i = 0; i < st->nsets; i++) {
		pthread_mutex_destroy(&st->sets[i].lock);
		free(st->sets[i].blocks);
	}
	free(st->sets);
	free(st);
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
	.finish = sim_finish,
	.exit = sim_exit,
};

/**
 * scn_backend_find() - the backend --backend names.
 * @name: "sim" or "kernel"; NULL means sim.
 * @msg: the reason when there is none.
 * @len: its size.
 *
 * Context: any.
 * Return: the backend, or NULL with @msg set.
 */
const struct scn_backend *scn_backend_find(const char *name, char *msg, size_t len)
{
	if (!name || !strcmp(name, "sim"))
		return &scn_backend_sim;
	if (!strcmp(name, "kernel"))
		snprintf(msg, len, "backend 'kernel' is not in this build yet (the real-kernel "
			 "backend comes later); use --backend sim");
	else
		snprintf(msg, len, "unknown backend '%s' (expected sim or kernel)", name);
	return NULL;
}
