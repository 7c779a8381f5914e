/* SPDX-License-Identifier: MIT */
/*
 * sim_process.c - the sim backend's processes: `process` and the commands
 * of a process (mmap, touch, read, check, madvise, migrate, fork, munmap,
 * exit, ksm merge=), run on the address-space internals of src/vm
 * (mm_alloc, do_mmap, access_mm, madvise_dontneed, dup_mm, do_munmap,
 * mmput), on move_pages_range() of src/migrate and on KSM's
 * ksm_madvise_range() and ksm_prctl(); and each process's
 * /proc/PID/ksm_stat (ksm.P.X). Every access to a process's memory goes
 * through the simulated CPU of the calling thread, one whole 4 KiB page
 * at a time. KSM changes where a page lives, never what it holds, so a
 * merge, a copy-on-write break or an unmerge leaves every descriptor true.
 *
 * DOC: what a region holds. Nothing keeps a copy of memory. A memory
 * object (struct sim_mem: a private region's own, or a shared region's,
 * which every process mapping it shares) keeps one 32-bit descriptor per
 * page saying what was last written there:
 *
 *   DESC_ZERO     nothing yet, or discarded by dontneed (private): zeros;
 *   1..ncmds      the touch command at that index + 1 wrote it: the
 *                 command gives the pattern, the seed (its seed= mixed with
 *                 --seed) and the key (pattern_key("P.R") mixed with its
 *                 line), and the page's index in the region completes it;
 *   DESC_UNKNOWN  a touch could not write it (out of memory): not checked.
 *
 * A check regenerates each page from its descriptor and compares what the
 * CPU reads. Each page's write (or read, for check) and its descriptor
 * change together under one of the object's striped locks, so two commands
 * on the same pages never leave a descriptor that disagrees with memory.
 * fork gives the child a copy of a private object's descriptors and a
 * reference on a shared one.
 *
 * DOC: ordering. Commands on one process take effect in the order they are
 * written, as far as they conflict. Structural commands (process, mmap,
 * munmap, fork, exit, and ksm merge=, which changes every VMA's flags and
 * what fork passes on) change the process's mm and region list: each waits
 * for every earlier command on its process, and holds back every later one
 * until it is done. Content commands (touch, read, check, madvise) between
 * two structural ones run concurrently with each other; so does migrate,
 * which moves pages but changes neither the mm's layout nor any page's
 * contents, so it needs no stripe lock either. The order is known
 * before the run, since commands are issued in script order: each command
 * gets its epoch (the number of structural commands written before it on
 * its process) at init, and struct sim_proc counts what has finished. A
 * fork is structural on both the parent and the child it creates. Commands
 * only ever wait for commands issued before them, which are done or running
 * on a thread of their own, so the gate cannot deadlock.
 *
 * Locks: sim_proc.lock (the gate's counts, and the mm and region list
 * against ->read) is held only briefly and never across memory work; the
 * one lock taken under it is the mm's mmap_lock, for reading, by
 * ksm_mm_stat() (ksm.P.X and reports), so that the mm cannot exit
 * meanwhile: nothing takes sim_proc.lock under an mmap_lock. The
 * sim_mem.locks[] stripes (one at a time, or all of them in index order
 * for dontneed) nest outside mm->mmap_lock and everything below it;
 * nothing in src/vm takes them.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "scenario/sim_internal.h"
#include "ksm/ksm.h"
#include "migrate/migrate.h"
#include "vm/huge_mm.h"
#include "vm/mm.h"

#define MEM_LOCKS	16
#define DESC_ZERO	0U
#define DESC_UNKNOWN	UINT32_MAX
#define MIGRATE_CHUNK	512	/* pages per move_pages_range() call */

/* The memory behind a region: a private region's, or a shared one's. */
struct sim_mem {
	long refcount;			/* atomic: regions that map it */
	uint64_t pages;
	bool shared;
	uint32_t *desc;			/* per page, under locks[page % MEM_LOCKS] */
	pthread_mutex_t locks[MEM_LOCKS];
};

/* A region mapped in a process. */
struct sim_region {
	const char *name;		/* the script's string */
	unsigned long addr;
	struct sim_mem *mem;
	bool intact;			/* atomic: the last check's result */
	long migrated, migrate_failed;	/* atomic: pages over every P migrate R */
	struct sim_region *next;
};

/* A process instance (`process P` or `Q fork P`), with its gate. */
struct sim_proc {
	const char *name;		/* the script's */
	pthread_mutex_t lock;		/* the gate's counts; mm and regions vs ->read */
	pthread_cond_t cond;		/* the gate's counts changed */
	unsigned int nwrites;		/* structural commands on it in the script */
	unsigned int wdone;		/* of which finished */
	unsigned int *reads;		/* reads[e]: content commands of epoch e */
	unsigned int *rdone;		/* rdone[e]: of which finished */
	struct mm_struct *mm;		/* NULL before creation, after exit, if it failed */
	struct sim_region *regions;
};

struct sim_procs {
	const struct scn_script *script;
	struct sim_proc *v;		/* by process instance id */
	unsigned int n;
	unsigned int *epoch;		/* by command index */
};

/* ------------------------------------------------------------------ */
/* Memory objects                                                      */

static struct sim_mem *mem_create(uint64_t pages, bool shared)
{
	struct sim_mem *mem = calloc(1, sizeof(*mem));

	if (!mem)
		return NULL;
	mem->desc = calloc(pages, sizeof(*mem->desc));	/* DESC_ZERO */
	if (!mem->desc) {
		free(mem);
		return NULL;
	}
	mem->pages = pages;
	mem->shared = shared;
	mem->refcount = 1;
	for (unsigned int i = 0; i < MEM_LOCKS; i++)
		pthread_mutex_init(&mem->locks[i], NULL);
	return mem;
}

/* A private copy of @src for a forked child. Context: no one changes @src. */
static struct sim_mem *mem_copy(const struct sim_mem *src)
{
	struct sim_mem *mem = mem_create(src->pages, src->shared);

	if (mem)
		memcpy(mem->desc, src->desc, src->pages * sizeof(*mem->desc));
	return mem;
}

static void mem_put(struct sim_mem *mem)
{
	if (!mem || __atomic_sub_fetch(&mem->refcount, 1, __ATOMIC_ACQ_REL))
		return;
	for (unsigned int i = 0; i < MEM_LOCKS; i++)
		pthread_mutex_destroy(&mem->locks[i]);
	free(mem->desc);
	free(mem);
}

static pthread_mutex_t *mem_lock(struct sim_mem *mem, uint64_t page)
{
	return &mem->locks[page % MEM_LOCKS];
}

static void mem_lock_all(struct sim_mem *mem)
{
	for (unsigned int i = 0; i < MEM_LOCKS; i++)
		pthread_mutex_lock(&mem->locks[i]);
}

static void mem_unlock_all(struct sim_mem *mem)
{
	for (unsigned int i = MEM_LOCKS; i-- > 0;)
		pthread_mutex_unlock(&mem->locks[i]);
}

/* ------------------------------------------------------------------ */
/* Regions                                                             */

static struct sim_region *find_region(struct sim_proc *proc, const char *name)
{
	struct sim_region *r;

	for (r = proc->regions; r; r = r->next)
		if (!strcmp(r->name, name))
			return r;
	return NULL;
}

static void regions_free(struct sim_region *r)
{
	while (r) {
		struct sim_region *next = r->next;

		mem_put(r->mem);
		free(r);
		r = next;
	}
}

/* The child's regions at fork: private contents copied, shared ones shared. */
static int regions_copy(const struct sim_region *src, struct sim_region **out)
{
	*out = NULL;
	for (; src; src = src->next) {
		struct sim_region *r = calloc(1, sizeof(*r));

		if (r)
			r->mem = src->mem->shared ? src->mem : mem_copy(src->mem);
		if (!r || !r->mem) {
			free(r);
			regions_free(*out);
			*out = NULL;
			return -ENOMEM;
		}
		if (src->mem->shared)
			__atomic_fetch_add(&src->mem->refcount, 1, __ATOMIC_RELAXED);
		r->name = src->name;
		r->addr = src->addr;
		r->intact = true;
		r->next = *out;
		*out = r;
	}
	return 0;
}

static unsigned long page_addr(const struct sim_region *r, uint64_t page)
{
	return r->addr + (page << PAGE_SHIFT);
}

/* The command's page range, the whole region if it gave none. */
static struct scn_range range_of(const struct scn_cmd *cmd, const struct sim_region *r)
{
	struct scn_range range = cmd->mm.range;

	if (!range.given) {
		range.first = 0;
		range.last = r->mem->pages - 1;
	}
	range.step = max(range.step, (uint64_t)1);
	return range;
}

/* ------------------------------------------------------------------ */
/* Failures                                                            */

static const char *err_text(int err)
{
	return err == -ENOMEM ? "out of memory" : strerror(-err);
}

/* "VERB failed: P.R: REASON", or "P: REASON" for a command without a region. */
static void __attribute__((format(printf, 3, 4)))
cmd_fail(struct scn_run *run, const struct scn_cmd *cmd, const char *fmt, ...)
{
	bool region = cmd->verb != SCN_PROCESS && cmd->verb != SCN_FORK && cmd->verb != SCN_EXIT &&
		      cmd->verb != SCN_KSM_MERGE;
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	scn_record_failure(run, cmd, "%s failed: %s%s%s: %s", scn_verb_name(cmd->verb),
			   cmd->mm.proc, region ? "." : "", region ? cmd->mm.region : "", reason);
}

/* ------------------------------------------------------------------ */
/* touch                                                               */

/* Write page @i of @r through @proc's CPU and record @desc, atomically. */
static int write_page(struct sim_proc *proc, struct sim_region *r, uint64_t i, void *buf,
		      uint32_t desc)
{
	pthread_mutex_t *lock = mem_lock(r->mem, i);
	int err;

	pthread_mutex_lock(lock);
	err = access_mm(proc->mm, page_addr(r, i), buf, PAGE_SIZE, true);
	if (!err)
		r->mem->desc[i] = desc;
	pthread_mutex_unlock(lock);
	return err;
}

/* One pass over @range; on failure *@failed is the page not written. */
static int touch_pass(struct sim_proc *proc, struct sim_region *r, const struct scn_range *range,
		      const struct scn_content *w, uint32_t desc, uint64_t *failed)
{
	unsigned char buf[PAGE_SIZE];

	for (uint64_t i = range->first; i <= range->last; i += range->step) {
		int err;

		pattern_fill(buf, &w->pat, w->seed, w->key, i);
		err = write_page(proc, r, i, buf, desc);
		if (err) {
			*failed = i;
			return err;
		}
	}
	return 0;
}

static void mark_unknown(struct sim_mem *mem, uint64_t first, uint64_t last, uint64_t step)
{
	for (uint64_t i = first; i <= last; i += step) {
		pthread_mutex_lock(mem_lock(mem, i));
		mem->desc[i] = DESC_UNKNOWN;
		pthread_mutex_unlock(mem_lock(mem, i));
	}
}

/*
 * Write the range repeat times with the same content. A page that cannot
 * be written ends the command: it and the rest of the range are unknown.
 */
static void region_touch(struct scn_run *run, struct sim_proc *proc, struct sim_region *r,
			 const struct scn_cmd *cmd)
{
	struct scn_range range = range_of(cmd, r);
	uint32_t desc = cmd - run->script->cmds + 1;
	struct scn_content w;
	uint64_t failed = 0;
	int err = 0;

	scn_touch_content(run, cmd, &w);
	for (unsigned long n = 0; n < cmd->mm.repeat && !err; n++)
		err = touch_pass(proc, r, &range, &w, desc, &failed);
	if (!err)
		return;
	mark_unknown(r->mem, failed, range.last, range.step);
	cmd_fail(run, cmd, "%s at page %" PRIu64, err_text(err), failed);
}

/* ------------------------------------------------------------------ */
/* read, check                                                         */

static void region_read(struct scn_run *run, struct sim_proc *proc, struct sim_region *r,
			const struct scn_cmd *cmd)
{
	struct scn_range range = range_of(cmd, r);
	unsigned char buf[PAGE_SIZE];

	for (uint64_t i = range.first; i <= range.last; i += range.step) {
		int err = access_mm(proc->mm, page_addr(r, i), buf, PAGE_SIZE, false);

		if (err) {
			cmd_fail(run, cmd, "%s at page %" PRIu64, err_text(err), i);
			return;
		}
	}
}

/* Read page @i with its descriptor, atomically; unknown pages are not read. */
static int read_page(struct sim_proc *proc, struct sim_region *r, uint64_t i, void *buf,
		     uint32_t *desc)
{
	pthread_mutex_t *lock = mem_lock(r->mem, i);
	int err = 0;

	pthread_mutex_lock(lock);
	*desc = r->mem->desc[i];
	if (*desc != DESC_UNKNOWN)
		err = access_mm(proc->mm, page_addr(r, i), buf, PAGE_SIZE, false);
	pthread_mutex_unlock(lock);
	return err;
}

/* The last touch a check met, so that its key is computed once per run of pages. */
struct write_cache {
	uint32_t desc;
	struct scn_content w;
};

static bool page_matches(const struct scn_run *run, struct write_cache *cache, const void *buf,
			 uint32_t desc, uint64_t i)
{
	static const struct pattern zero = { .kind = PATTERN_ZERO };

	if (desc == DESC_ZERO)
		return pattern_verify(buf, &zero, 0, 0, i);
	if (desc != cache->desc) {
		scn_touch_content(run, &run->script->cmds[desc - 1], &cache->w);
		cache->desc = desc;
	}
	return pattern_verify(buf, &cache->w.pat, cache->w.seed, cache->w.key, i);
}

static void check_result(struct scn_run *run, const struct scn_cmd *cmd, struct sim_region *r,
			 uint64_t ndiff)
{
	char *label;

	__atomic_store_n(&r->intact, !ndiff, __ATOMIC_RELAXED);
	if (ndiff)
		scn_record_failure(run, cmd, "check failed: %s.%s: %" PRIu64 " pages differ",
				   cmd->mm.proc, cmd->mm.region, ndiff);
	BUG_ON(asprintf(&label, "%s.%s", cmd->mm.proc, cmd->mm.region) < 0);
	scn_record_check(run, cmd, label, !ndiff);
	free(label);
}

/* Compare every page with what was last written to it; see DOC above. */
static void region_check(struct scn_run *run, struct sim_proc *proc, struct sim_region *r,
			 const struct scn_cmd *cmd)
{
	struct write_cache cache = { .desc = DESC_ZERO };
	unsigned char buf[PAGE_SIZE];
	uint64_t i, ndiff = 0;
	int err = 0;

	for (i = 0; i < r->mem->pages; i++) {
		uint32_t desc;

		err = read_page(proc, r, i, buf, &desc);
		if (err)
			break;
		if (desc != DESC_UNKNOWN && !page_matches(run, &cache, buf, desc, i))
			ndiff++;
	}
	if (err)
		cmd_fail(run, cmd, "%s at page %" PRIu64 " (the pages from there on were "
			 "not compared)", err_text(err), i);
	check_result(run, cmd, r, ndiff);
}

/* ------------------------------------------------------------------ */
/* migrate                                                             */

static enum scn_migrate_status migrate_status(int status)
{
	switch (status) {
	case 0:
		return SCN_MIGRATE_MOVED;
	case -EFAULT:
		return SCN_MIGRATE_EFAULT;
	case -ENOENT:
		return SCN_MIGRATE_ENOENT;
	case -EBUSY:
		return SCN_MIGRATE_EBUSY;
	default:
		return SCN_MIGRATE_ENOMEM;
	}
}

/*
 * Move the pages @first..@first + @n - 1 of @r and count their statuses in
 * @pages. A status move_pages_range() did not fill (it ran out of memory
 * before looking) stays -ENOMEM.
 */
static long migrate_chunk(struct sim_proc *proc, struct sim_region *r, uint64_t first,
			  unsigned long n, unsigned long *pages)
{
	int status[MIGRATE_CHUNK];
	long ret;

	for (unsigned long i = 0; i < n; i++)
		status[i] = -ENOMEM;
	ret = move_pages_range(proc->mm, page_addr(r, first), n, status);
	for (unsigned long i = 0; i < n; i++)
		pages[migrate_status(status[i])]++;
	return ret;
}

/*
 * `P migrate R`: move_pages(2) on the range, a chunk of contiguous pages
 * at a time; a strided range (pages=A..B:STEP) a page at a time.
 */
static void region_migrate(struct scn_run *run, struct sim_proc *proc, struct sim_region *r,
			   const struct scn_cmd *cmd)
{
	struct scn_range range = range_of(cmd, r);
	uint64_t chunk = range.step > 1 ? 1 : MIGRATE_CHUNK;
	uint64_t stride = range.step > 1 ? range.step : MIGRATE_CHUNK;
	unsigned long pages[SCN_NR_MIGRATE_STATUS] = { 0 };
	long failed = 0, ret = 0;
	char *label;

	for (uint64_t i = range.first; i <= range.last; i += stride) {
		unsigned long n = min(chunk, range.last - i + 1);
		long err = migrate_chunk(proc, r, i, n, pages);

		if (err < 0)
			ret = err;
	}
	for (unsigned int st = SCN_MIGRATE_MOVED + 1; st < SCN_NR_MIGRATE_STATUS; st++)
		failed += pages[st];
	__atomic_fetch_add(&r->migrated, pages[SCN_MIGRATE_MOVED], __ATOMIC_RELAXED);
	__atomic_fetch_add(&r->migrate_failed, failed, __ATOMIC_RELAXED);
	if (ret < 0)
		cmd_fail(run, cmd, "%s", err_text(ret));
	BUG_ON(asprintf(&label, "%s.%s", cmd->mm.proc, cmd->mm.region) < 0);
	scn_record_migration(run, cmd, label, pages);
	free(label);
}

/* ------------------------------------------------------------------ */
/* madvise, mmap, munmap                                               */

/*
 * madvise mergeable|unmergeable: ksm_madvise_range() on the range (shared
 * memory is ignored, as Linux does; unmerging breaks each KSM page into a
 * private copy of the same contents, so no descriptor changes).
 */
static void region_ksm_madvise(struct scn_run *run, struct sim_proc *proc,
			       struct sim_region *r, const struct scn_cmd *cmd)
{
	struct scn_range range = range_of(cmd, r);
	int advice = cmd->mm.advice == SCN_MERGEABLE ? MADV_MERGEABLE : MADV_UNMERGEABLE;
	int err = ksm_madvise_range(proc->mm, page_addr(r, range.first),
				    (range.last - range.first + 1) << PAGE_SHIFT, advice);

	if (err)
		cmd_fail(run, cmd, "%s", err_text(err));
}

/*
 * madvise hugepage|nohugepage: madvise_hugepage_range() on the range
 * (VM_HUGEPAGE / VM_NOHUGEPAGE; pages already mapped stay as they are).
 */
static void region_hugepage_madvise(struct scn_run *run, struct sim_proc *proc,
				    struct sim_region *r, const struct scn_cmd *cmd)
{
	struct scn_range range = range_of(cmd, r);
	int advice = cmd->mm.advice == SCN_HUGEPAGE ? MADV_HUGEPAGE : MADV_NOHUGEPAGE;
	int err = madvise_hugepage_range(proc->mm, page_addr(r, range.first),
					 (range.last - range.first + 1) << PAGE_SHIFT, advice);

	if (err)
		cmd_fail(run, cmd, "%s", err_text(err));
}

static void region_dontneed(struct scn_run *run, struct sim_proc *proc, struct sim_region *r,
			    const struct scn_cmd *cmd)
{
	struct scn_range range = range_of(cmd, r);
	/* One call for the range, or one per page of a strided range. */
	uint64_t n = range.step > 1 ? 1 : range.last - range.first + 1;
	int err = 0;

	mem_lock_all(r->mem);
	for (uint64_t i = range.first; !err && i <= range.last; i += max(range.step, n)) {
		err = madvise_dontneed(proc->mm, page_addr(r, i), n << PAGE_SHIFT);
		if (!err && !r->mem->shared)
			memset(&r->mem->desc[i], 0, n * sizeof(*r->mem->desc)); /* DESC_ZERO */
	}
	mem_unlock_all(r->mem);
	if (err)
		cmd_fail(run, cmd, "%s", err_text(err));
}

static void region_mmap(struct scn_run *run, struct sim_proc *proc, const struct scn_cmd *cmd)
{
	struct sim_region *r = calloc(1, sizeof(*r));
	struct sim_mem *mem = mem_create(cmd->mm.pages, cmd->mm.shared);
	int err = -ENOMEM;

	if (r && mem && cmd->mm.hugetlb)
		err = do_mmap_hugetlb(proc->mm, cmd->mm.pages << PAGE_SHIFT, &r->addr);
	else if (r && mem)
		err = do_mmap(proc->mm, cmd->mm.pages << PAGE_SHIFT, cmd->mm.shared, &r->addr);
	if (err) {
		free(r);
		mem_put(mem);
		cmd_fail(run, cmd, "%s", err == -EINVAL ? "larger than the address space" :
			 err == -ENOMEM && cmd->mm.hugetlb ? "not enough free unreserved huge pages" :
			 err_text(err));
		return;
	}
	r->name = cmd->mm.region;
	r->mem = mem;
	r->intact = true;
	pthread_mutex_lock(&proc->lock);
	r->next = proc->regions;
	proc->regions = r;
	pthread_mutex_unlock(&proc->lock);
}

static void region_munmap(struct scn_run *run, struct sim_proc *proc, struct sim_region *r,
			  const struct scn_cmd *cmd)
{
	struct sim_region **pp;
	int err = do_munmap(proc->mm, r->addr, r->mem->pages << PAGE_SHIFT);

	if (err) {
		cmd_fail(run, cmd, "%s", err_text(err));
		return;
	}
	pthread_mutex_lock(&proc->lock);
	for (pp = &proc->regions; *pp != r; pp = &(*pp)->next)
		;
	*pp = r->next;
	pthread_mutex_unlock(&proc->lock);
	r->next = NULL;
	regions_free(r);
}

/* ------------------------------------------------------------------ */
/* process, fork, exit                                                 */

static void proc_set(struct sim_proc *proc, struct mm_struct *mm, struct sim_region *regions)
{
	pthread_mutex_lock(&proc->lock);
	proc->mm = mm;
	proc->regions = regions;
	pthread_mutex_unlock(&proc->lock);
}

/* Unmap everything and forget the process. Context: its gate is ours. */
static void proc_release(struct sim_proc *proc)
{
	struct mm_struct *mm = proc->mm;
	struct sim_region *regions = proc->regions;

	proc_set(proc, NULL, NULL);
	if (mm)
		mmput(mm);
	regions_free(regions);
}

static void proc_create(struct scn_run *run, struct sim_proc *proc, const struct scn_cmd *cmd)
{
	struct mm_struct *mm = mm_alloc();

	if (!mm)
		cmd_fail(run, cmd, "out of memory");
	else
		proc_set(proc, mm, NULL);
}

static void proc_fork(struct scn_run *run, struct sim_proc *parent, struct sim_proc *child,
		      const struct scn_cmd *cmd)
{
	struct sim_region *regions;
	struct mm_struct *mm = NULL;
	int err = regions_copy(parent->regions, &regions);

	if (!err)
		mm = dup_mm(parent->mm, &err);
	if (!mm) {
		regions_free(regions);
		cmd_fail(run, cmd, "%s (%s was not created)", err_text(err), cmd->mm.child);
		return;
	}
	proc_set(child, mm, regions);
}

/* P ksm merge=on|off: prctl(PR_SET_MEMORY_MERGE, 1 or 0), inherited by fork. */
static void proc_ksm_merge(struct scn_run *run, struct sim_proc *proc, const struct scn_cmd *cmd)
{
	int err = ksm_prctl(proc->mm, PR_SET_MEMORY_MERGE, cmd->mm.merge, 0, 0, 0);

	if (err)
		cmd_fail(run, cmd, "%s", err_text(err));
}

/* ------------------------------------------------------------------ */
/* The gate: see DOC: ordering                                         */

/* A command of a process: process, P mmap ... P exit, P ksm merge=. */
static bool is_proc_verb(enum scn_verb verb)
{
	return (verb >= SCN_PROCESS && verb <= SCN_EXIT) || verb == SCN_KSM_MERGE;
}

static bool is_structural(enum scn_verb verb)
{
	return verb == SCN_PROCESS || verb == SCN_MMAP || verb == SCN_FORK ||
	       verb == SCN_MUNMAP || verb == SCN_EXIT || verb == SCN_KSM_MERGE;
}

static void gate_enter(struct sim_proc *proc, unsigned int epoch, bool structural)
{
	pthread_mutex_lock(&proc->lock);
	if (structural) {
		while (proc->wdone + 1 != epoch || proc->rdone[epoch - 1] != proc->reads[epoch - 1])
			pthread_cond_wait(&proc->cond, &proc->lock);
	} else {
		while (proc->wdone != epoch)
			pthread_cond_wait(&proc->cond, &proc->lock);
	}
	pthread_mutex_unlock(&proc->lock);
}

static void gate_leave(struct sim_proc *proc, unsigned int epoch, bool structural)
{
	pthread_mutex_lock(&proc->lock);
	if (structural)
		proc->wdone = epoch;
	else
		proc->rdone[epoch]++;
	pthread_cond_broadcast(&proc->cond);
	pthread_mutex_unlock(&proc->lock);
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */

static void region_cmd(struct scn_run *run, struct sim_proc *proc, const struct scn_cmd *cmd)
{
	struct sim_region *r = find_region(proc, cmd->mm.region);

	if (!r)
		cmd_fail(run, cmd, "not mapped (its mmap failed)");
	else if (cmd->verb == SCN_TOUCH)
		region_touch(run, proc, r, cmd);
	else if (cmd->verb == SCN_READ)
		region_read(run, proc, r, cmd);
	else if (cmd->verb == SCN_CHECK)
		region_check(run, proc, r, cmd);
	else if (cmd->verb == SCN_MADVISE && cmd->mm.advice == SCN_DONTNEED)
		region_dontneed(run, proc, r, cmd);
	else if (cmd->verb == SCN_MADVISE &&
		 (cmd->mm.advice == SCN_HUGEPAGE || cmd->mm.advice == SCN_NOHUGEPAGE))
		region_hugepage_madvise(run, proc, r, cmd);
	else if (cmd->verb == SCN_MADVISE)
		region_ksm_madvise(run, proc, r, cmd);
	else if (cmd->verb == SCN_MIGRATE)
		region_migrate(run, proc, r, cmd);
	else if (cmd->verb == SCN_MUNMAP)
		region_munmap(run, proc, r, cmd);
	else
		BUG();
}

static void proc_cmd(struct scn_run *run, struct sim_procs *procs, struct sim_proc *proc,
		     const struct scn_cmd *cmd)
{
	if (cmd->verb == SCN_PROCESS)
		proc_create(run, proc, cmd);
	else if (!proc->mm)
		cmd_fail(run, cmd, "no such process (its creation failed)");
	else if (cmd->verb == SCN_MMAP)
		region_mmap(run, proc, cmd);
	else if (cmd->verb == SCN_FORK)
		proc_fork(run, proc, &procs->v[cmd->mm.child_id], cmd);
	else if (cmd->verb == SCN_EXIT)
		proc_release(proc);
	else if (cmd->verb == SCN_KSM_MERGE)
		proc_ksm_merge(run, proc, cmd);
	else
		region_cmd(run, proc, cmd);
}

/**
 * sim_proc_exec() - run one process command: process, or P mmap, touch,
 * read, check, madvise, migrate, fork, munmap, exit, ksm merge=.
 * @run: the run.
 * @procs: the backend's processes.
 * @cmd: the command, one of @run's script.
 *
 * Waits until the earlier commands it conflicts with are done (see DOC:
 * ordering). Failures at run time (out of memory, a process or region
 * whose creation failed) and failed checks are recorded with
 * scn_record_failure(); the run goes on.
 * Context: the runner's thread or a background thread bound to its CPU;
 * may sleep; takes the process's gate, the region's stripe locks and, in
 * the VM, mmap_lock and below.
 * Return: 0.
 */
int sim_proc_exec(struct scn_run *run, struct sim_procs *procs, const struct scn_cmd *cmd)
{
	unsigned int epoch = procs->epoch[cmd - run->script->cmds];
	struct sim_proc *proc = &procs->v[cmd->mm.proc_id];
	bool structural = is_structural(cmd->verb);
	struct sim_proc *child = cmd->verb == SCN_FORK ? &procs->v[cmd->mm.child_id] : NULL;

	gate_enter(proc, epoch, structural);
	if (child)
		gate_enter(child, 1, true);
	proc_cmd(run, procs, proc, cmd);
	if (child)
		gate_leave(child, 1, true);
	gate_leave(proc, epoch, structural);
	return 0;
}

/**
 * sim_region_value() - the value of P.R.intact (the result of the last
 * `P check R`, 1 before any), P.R.migrated or P.R.migrate_failed (pages
 * over every `P migrate R` so far, 0 before any).
 * @procs: the backend's processes.
 * @name: a P.R.X name; its ->n is P's instance id.
 * @value: the value.
 *
 * Not ordered with background commands: it reads the value at once.
 * Context: any thread of the run; takes the process's lock.
 * Return: 0, or -ENOENT if the region is not mapped now.
 */
int sim_region_value(struct sim_procs *procs, const struct scn_name *name, long *value)
{
	struct sim_proc *proc = &procs->v[name->n];
	struct sim_region *r;

	pthread_mutex_lock(&proc->lock);
	r = find_region(proc, name->b);
	if (r && !strcmp(name->c, "intact"))
		*value = __atomic_load_n(&r->intact, __ATOMIC_RELAXED);
	else if (r && !strcmp(name->c, "migrated"))
		*value = __atomic_load_n(&r->migrated, __ATOMIC_RELAXED);
	else if (r)
		*value = __atomic_load_n(&r->migrate_failed, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&proc->lock);
	return r ? 0 : -ENOENT;
}

/*
 * ksm_stat of instance @id, by line name. Context: takes its lock, then
 * its mm's mmap_lock (see Locks above). Return: 0, -ESRCH if it is not
 * alive, -ENOENT for an unknown line.
 */
static int proc_ksm_stat(struct sim_proc *proc, const char *line, long *value)
{
	int err = -ESRCH;

	pthread_mutex_lock(&proc->lock);
	if (proc->mm)
		err = ksm_mm_stat_read(proc->mm, line, value);
	pthread_mutex_unlock(&proc->lock);
	return err;
}

/**
 * sim_ksm_stat_value() - the value of ksm.P.X: line X of process P's
 * /proc/PID/ksm_stat (ksm_merge_any and ksm_mergeable as 1 or 0).
 * @procs: the backend's processes.
 * @name: a ksm.P.X name; its ->n is P's instance id, ->b the line.
 * @value: the value.
 *
 * Not ordered with background commands: it reads the value at once.
 * Context: any thread of the run; takes the process's lock and its mm's
 * mmap_lock for reading.
 * Return: 0, or -ESRCH if the process is not alive now.
 */
int sim_ksm_stat_value(struct sim_procs *procs, const struct scn_name *name, long *value)
{
	return proc_ksm_stat(&procs->v[name->n], name->b, value);
}

/**
 * sim_procs_ksm_snapshot() - add each live process's ksm_stat lines to
 * @snap's KSM counters as "P.LINE", as the kernel backend does, while
 * there is room.
 * @procs: the backend's processes.
 * @snap: the snapshot being filled.
 *
 * Context: as sim_ksm_stat_value().
 */
void sim_procs_ksm_snapshot(struct sim_procs *procs, struct scn_snapshot *snap)
{
	static const char *const lines[] = { "ksm_rmap_items", "ksm_zero_pages",
					     "ksm_merging_pages", "ksm_process_profit",
					     "ksm_merge_any", "ksm_mergeable" };

	for (unsigned int p = 0; p < procs->n; p++) {
		for (size_t i = 0; i < ARRAY_SIZE(lines) && snap->nksm < SCN_KSM_MAX; i++) {
			struct scn_counter *c = &snap->ksm[snap->nksm];

			if (proc_ksm_stat(&procs->v[p], lines[i], &c->value))
				break;
			if (snprintf(c->name, sizeof(c->name), "%s.%s", procs->v[p].name,
				     lines[i]) < (int)sizeof(c->name))
				snap->nksm++;
		}
	}
}

/* ------------------------------------------------------------------ */
/* Setup and teardown                                                  */

/* Count each process's structural commands, and size its epoch arrays. */
static int count_writes(struct sim_procs *procs)
{
	const struct scn_script *s = procs->script;

	for (unsigned int i = 0; i < s->ncmds; i++) {
		const struct scn_cmd *cmd = &s->cmds[i];

		if (!is_proc_verb(cmd->verb))
			continue;
		if (cmd->verb == SCN_PROCESS)
			procs->v[cmd->mm.proc_id].name = cmd->mm.proc;
		if (cmd->verb == SCN_FORK)
			procs->v[cmd->mm.child_id].name = cmd->mm.child;
		if (is_structural(cmd->verb))
			procs->v[cmd->mm.proc_id].nwrites++;
		if (cmd->verb == SCN_FORK)
			procs->v[cmd->mm.child_id].nwrites++;
	}
	for (unsigned int p = 0; p < procs->n; p++) {
		struct sim_proc *proc = &procs->v[p];

		proc->reads = calloc(proc->nwrites + 1, sizeof(*proc->reads));
		proc->rdone = calloc(proc->nwrites + 1, sizeof(*proc->rdone));
		if (!proc->reads || !proc->rdone)
			return -ENOMEM;
	}
	return 0;
}

/* Give every process command its epoch; count each epoch's content commands. */
static void assign_epochs(struct sim_procs *procs)
{
	const struct scn_script *s = procs->script;

	for (unsigned int i = 0; i < s->ncmds; i++) {
		const struct scn_cmd *cmd = &s->cmds[i];
		struct sim_proc *proc;

		if (!is_proc_verb(cmd->verb))
			continue;
		proc = &procs->v[cmd->mm.proc_id];
		if (is_structural(cmd->verb))
			procs->epoch[i] = ++proc->wdone;	/* wdone counts, for now */
		else
			proc->reads[procs->epoch[i] = proc->wdone]++;
		if (cmd->verb == SCN_FORK)
			procs->v[cmd->mm.child_id].wdone = 1;
	}
	for (unsigned int p = 0; p < procs->n; p++)
		procs->v[p].wdone = 0;
}

/**
 * sim_procs_create() - the process table of a script, every process not
 * created yet, with the order its commands will keep (see DOC: ordering).
 * @s: the script, free of errors; it must outlive the table.
 *
 * Context: the backend's ->init; allocates.
 * Return: the table, or NULL if memory ran out.
 */
struct sim_procs *sim_procs_create(const struct scn_script *s)
{
	struct sim_procs *procs = calloc(1, sizeof(*procs));

	if (!procs)
		return NULL;
	procs->script = s;
	procs->n = s->nprocs;
	procs->v = calloc(s->nprocs + 1, sizeof(*procs->v));
	procs->epoch = calloc(s->ncmds + 1, sizeof(*procs->epoch));
	for (unsigned int p = 0; procs->v && p < procs->n; p++) {
		pthread_mutex_init(&procs->v[p].lock, NULL);
		pthread_cond_init(&procs->v[p].cond, NULL);
	}
	if (!procs->v || !procs->epoch || count_writes(procs)) {
		sim_procs_destroy(procs);
		return NULL;
	}
	assign_epochs(procs);
	return procs;
}

/**
 * sim_procs_exit_all() - every process still alive exits, as `P exit`
 * would: its memory goes back to the allocator.
 * @procs: the backend's processes.
 *
 * Context: after the run's last command, with no background thread left.
 */
void sim_procs_exit_all(struct sim_procs *procs)
{
	for (unsigned int p = 0; p < procs->n; p++)
		proc_release(&procs->v[p]);
}

/**
 * sim_procs_destroy() - exit every process and free the table.
 * @procs: the table, or NULL.
 *
 * Context: no background thread left; before the machine is destroyed.
 */
void sim_procs_destroy(struct sim_procs *procs)
{
	if (!procs)
		return;
	for (unsigned int p = 0; procs->v && p < procs->n; p++) {
		struct sim_proc *proc = &procs->v[p];

		proc_release(proc);
		pthread_mutex_destroy(&proc->lock);
		pthread_cond_destroy(&proc->cond);
		free(proc->reads);
		free(proc->rdone);
	}
	free(procs->v);
	free(procs->epoch);
	free(procs);
}
