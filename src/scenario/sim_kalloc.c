/* SPDX-License-Identifier: MIT */
/*
 * sim_kalloc.c - the sim backend's kernel-side allocation sets: `kalloc`,
 * `kfree` and `kcheck`.
 *
 * A set of type unmovable or reclaimable holds blocks of 2^order pages
 * from alloc_pages(). A set of type movable (order 0 only) holds objects
 * of its own zsmalloc pool (src/drivers/zsmalloc.c), whose pages the
 * driver lets the migration core move through movable_ops: compaction and
 * migration may move them at any time, and the set never learns where they
 * went. So the set keeps handles, not pages, and reads and writes an
 * object only through zs_map_object(), which holds the object in place
 * until zs_unmap_object().
 *
 * Nothing keeps a copy of memory: block i of set K holds, in its page j,
 * the unique pattern of key pattern_key("kalloc.K"), index (i << order) + j
 * and the run seed; kcheck regenerates it to compare.
 *
 * Locks: each set has its own mutex (blocks and counters, against
 * background commands and the runner's reads). It nests outside the
 * pool's migrate_lock, which zs_map_object(), zs_malloc() and zs_free()
 * take; nothing in the library takes the set's mutex.
 */
#include <stdlib.h>
#include <string.h>
#include "scenario/sim_internal.h"
#include "drivers/zsmalloc.h"

/* A block of a set: pages of the buddy allocator, or a zsmalloc object. */
union sim_block {
	struct page *page;		/* NULL once freed */
	long handle;			/* -1 once freed */
};

struct sim_set {
	pthread_mutex_t lock;
	const char *name;
	uint64_t key;
	unsigned int order;
	struct zs_pool *pool;		/* type=movable: the set's pool; else NULL */
	union sim_block *blocks;	/* every block obtained */
	unsigned long nblocks, cap;
	long ok;			/* blocks obtained by kalloc */
	bool intact;			/* the last kcheck found no difference */
};

struct sim_sets {
	struct sim_set *v;		/* by set id */
	unsigned int n;
};

static const struct pattern kalloc_pattern = { .kind = PATTERN_UNIQUE };

/* ------------------------------------------------------------------ */
/* Blocks                                                              */

static bool block_held(const struct sim_set *set, unsigned long i)
{
	return set->pool ? set->blocks[i].handle >= 0 : set->blocks[i].page != NULL;
}

/* The block's memory; a movable object stays in place until block_unmap(). */
static unsigned char *block_map(struct sim_set *set, union sim_block b)
{
	if (set->pool)
		return zs_map_object(set->pool, b.handle);
	return page_address(b.page);
}

static void block_unmap(struct sim_set *set, union sim_block b)
{
	if (set->pool)
		zs_unmap_object(set->pool, b.handle);
}

static void block_free(struct sim_set *set, unsigned long i)
{
	if (!block_held(set, i))
		return;
	if (set->pool) {
		zs_free(set->pool, set->blocks[i].handle);
		set->blocks[i].handle = -1;
	} else {
		__free_pages(set->blocks[i].page, set->order);
		set->blocks[i].page = NULL;
	}
}

/* Allocate one block into *@b; false if the allocator had none. */
static bool block_alloc(struct sim_set *set, gfp_t gfp, union sim_block *b)
{
	if (set->pool) {
		b->handle = zs_malloc(set->pool, gfp);
		return b->handle >= 0;
	}
	b->page = alloc_pages(gfp, set->order);
	return b->page != NULL;
}

/* Fill @b, block @i of the set, with its content. */
static void block_fill(struct scn_run *run, struct sim_set *set, union sim_block b,
		       unsigned long i)
{
	unsigned char *addr = block_map(set, b);
	unsigned long j, n = 1UL << set->order;

	for (j = 0; j < n; j++)
		pattern_fill(addr + j * PAGE_SIZE, &kalloc_pattern, run->seed, set->key,
			     (i << set->order) + j);
	block_unmap(set, b);
}

static bool block_intact(struct scn_run *run, struct sim_set *set, unsigned long i)
{
	union sim_block b = set->blocks[i];
	unsigned char *addr = block_map(set, b);
	unsigned long j, n = 1UL << set->order;
	bool intact = true;

	for (j = 0; j < n && intact; j++)
		intact = pattern_verify(addr + j * PAGE_SIZE, &kalloc_pattern, run->seed,
					set->key, (i << set->order) + j);
	block_unmap(set, b);
	return intact;
}

/* ------------------------------------------------------------------ */
/* kalloc                                                              */

static int set_push(struct sim_set *set, union sim_block b)
{
	if (set->nblocks == set->cap) {
		unsigned long cap = set->cap ? 2 * set->cap : 64;
		union sim_block *blocks = realloc(set->blocks, cap * sizeof(*blocks));

		if (!blocks)
			return -ENOMEM;
		set->blocks = blocks;
		set->cap = cap;
	}
	set->blocks[set->nblocks++] = b;
	set->ok++;
	return 0;
}

/*
 * compact=no: no compaction on this allocation's behalf, neither direct
 * nor by waking kcompactd (the flags lose __GFP_RECLAIM, as GFP_NOWAIT's).
 */
static gfp_t kalloc_gfp(const struct scn_cmd *cmd)
{
	gfp_t gfp = cmd->kalloc.type == SCN_RECLAIMABLE ? GFP_KERNEL_RECLAIMABLE : GFP_KERNEL;

	gfp |= __GFP_NOWARN;
	if (!cmd->kalloc.compact)
		gfp &= ~__GFP_RECLAIM;
	return gfp;
}

/**
 * sim_kalloc() - `kalloc K count=N ...`: allocate block after block until
 * N or the first failure, filling each with its content.
 * @run: the run.
 * @sets: the backend's sets.
 * @cmd: the kalloc command; it is its set's only kalloc, so nothing else
 *	adds blocks meanwhile.
 *
 * The set's lock is taken per block, so readers see the set grow.
 * Context: any thread of the run; may sleep (direct compaction).
 * Return: 0, or -ENOMEM if the set's own table could not grow.
 */
int sim_kalloc(struct scn_run *run, struct sim_sets *sets, const struct scn_cmd *cmd)
{
	struct sim_set *set = &sets->v[cmd->kalloc.set];
	gfp_t gfp = kalloc_gfp(cmd);
	int err = 0;

	for (unsigned long n = 0; n < cmd->kalloc.count && !err; n++) {
		union sim_block b;

		if (!block_alloc(set, gfp, &b))
			break;
		block_fill(run, set, b, set->nblocks);	/* only we change nblocks */
		pthread_mutex_lock(&set->lock);
		err = set_push(set, b);
		pthread_mutex_unlock(&set->lock);
		if (err && set->pool)
			zs_free(set->pool, b.handle);
		else if (err)
			__free_pages(b.page, set->order);
	}
	return err;
}

/* ------------------------------------------------------------------ */
/* kfree, kcheck                                                       */

/* Free a random PCT percent of the held blocks: a partial Fisher-Yates. */
static int kfree_random(struct scn_run *run, struct sim_set *set, const struct scn_cmd *cmd)
{
	unsigned long *held = malloc((set->nblocks + 1) * sizeof(*held));
	unsigned long n = 0, nfree, i;
	uint64_t rng = pattern_mix(scn_seed(run, cmd->kfree.seed), set->key);

	if (!held)
		return -ENOMEM;
	for (i = 0; i < set->nblocks; i++)
		if (block_held(set, i))
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

/**
 * sim_kfree() - `kfree K [all|every=M|random=PCT]`.
 * @run: the run.
 * @sets: the backend's sets.
 * @cmd: the kfree command.
 *
 * Context: any thread of the run; takes the set's lock.
 * Return: 0, or -ENOMEM (random=, nothing was freed).
 */
int sim_kfree(struct scn_run *run, struct sim_sets *sets, const struct scn_cmd *cmd)
{
	struct sim_set *set = &sets->v[cmd->kfree.set];
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

/**
 * sim_kcheck() - `kcheck K`: compare every block still held with the
 * content it was given; record the result and any mismatch.
 * @run: the run.
 * @sets: the backend's sets.
 * @cmd: the kcheck command.
 *
 * Context: any thread of the run; takes the set's lock, and the pool's
 * migrate_lock for read per object of a movable set.
 * Return: 0.
 */
int sim_kcheck(struct scn_run *run, struct sim_sets *sets, const struct scn_cmd *cmd)
{
	struct sim_set *set = &sets->v[cmd->kcheck.set];
	unsigned long i, ndiff = 0;
	char region[256];

	pthread_mutex_lock(&set->lock);
	for (i = 0; i < set->nblocks; i++)
		if (block_held(set, i) && !block_intact(run, set, i))
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

/**
 * sim_set_value() - kalloc.K.ok or kalloc.K.intact.
 * @sets: the backend's sets.
 * @name: a kalloc name; its ->n is the set's id.
 *
 * Context: any thread of the run; takes the set's lock.
 * Return: the value.
 */
long sim_set_value(struct sim_sets *sets, const struct scn_name *name)
{
	struct sim_set *set = &sets->v[name->n];
	long value;

	pthread_mutex_lock(&set->lock);
	value = !strcmp(name->b, "ok") ? set->ok : set->intact;
	pthread_mutex_unlock(&set->lock);
	return value;
}

/* ------------------------------------------------------------------ */
/* Setup and teardown                                                  */

static int set_init(struct sim_set *set, const struct scn_set *def)
{
	char name[256];

	pthread_mutex_init(&set->lock, NULL);
	set->name = def->name;
	snprintf(name, sizeof(name), "kalloc.%s", def->name);
	set->key = pattern_key(name);
	set->order = def->order;
	set->intact = true;
	if (def->movable)
		set->pool = zs_create_pool(def->name);
	return def->movable && !set->pool ? -ENOMEM : 0;
}

/**
 * sim_sets_create() - the sets of a script, all empty; a movable set gets
 * its zsmalloc pool.
 * @s: the script, free of errors; it must outlive the table.
 *
 * Context: the backend's ->init, after the machine is built.
 * Return: the table, or NULL if memory ran out.
 */
struct sim_sets *sim_sets_create(const struct scn_script *s)
{
	struct sim_sets *sets = calloc(1, sizeof(*sets));
	int err = 0;

	if (!sets)
		return NULL;
	sets->v = calloc(s->nsets + 1, sizeof(*sets->v));
	if (!sets->v) {
		free(sets);
		return NULL;
	}
	for (; sets->n < s->nsets && !err; sets->n++)
		err = set_init(&sets->v[sets->n], &s->sets[sets->n]);
	if (err) {
		sim_sets_destroy(sets);
		return NULL;
	}
	return sets;
}

/**
 * sim_sets_free_all() - free every block still held, as `kfree K` would.
 * @sets: the backend's sets.
 *
 * Context: no background thread left.
 */
void sim_sets_free_all(struct sim_sets *sets)
{
	for (unsigned int i = 0; i < sets->n; i++)
		for (unsigned long b = 0; b < sets->v[i].nblocks; b++)
			block_free(&sets->v[i], b);
}

/**
 * sim_sets_destroy() - free every block, the pools and the table.
 * @sets: the table, or NULL.
 *
 * Context: no background thread left; before the machine is destroyed.
 */
void sim_sets_destroy(struct sim_sets *sets)
{
	if (!sets)
		return;
	sim_sets_free_all(sets);
	for (unsigned int i = 0; i < sets->n; i++) {
		struct sim_set *set = &sets->v[i];

		if (set->pool)
			zs_destroy_pool(set->pool);
		pthread_mutex_destroy(&set->lock);
		free(set->blocks);
	}
	free(sets->v);
	free(sets);
}
