/* SPDX-License-Identifier: MIT */
/*
 * lockdep.c - run-time check of the lock-order tree (debug builds).
 *
 * Each thread records the locks it holds. Taking a lock (other than by
 * trylock) whose class does not rank strictly after every held lock's class
 * is a violation of docs/locking.md: the report names both locks and the
 * whole held stack, then the process aborts. This catches an inversion the
 * first time either order runs, without needing the deadlock to happen
 * (jemalloc's witness and the kernel's lockdep do the same with more
 * detail). Releasing a lock the thread does not hold is a violation too.
 *
 * It also counts the classed locks alive, so a test can see that a
 * teardown destroyed every lock its setup initialised.
 *
 * Tests may replace the violation handler (lockdep_violation_hook) to
 * observe a violation instead of aborting.
 */
#include <stdio.h>
#include <stdlib.h>
#include "core/core.h"
#include "core/lockdep.h"

#define NR_MAX_BATCHED_MIGRATION_LOCKS 512

/**
 * lock_class_name() - the name docs/locking.md uses for a lock class.
 * Return: a static string.
 */
const char *lock_class_name(enum lock_class class)
{
	switch (class) {
	case LOCK_CLASS_HUGETLB_RESIZE:	return "hstate->resize_lock";
	case LOCK_CLASS_KSM_THREAD:	return "ksm_thread_mutex";
	case LOCK_CLASS_MMAP:		return "mmap_lock";
	case LOCK_CLASS_KSM_MMLIST:	return "ksm_mmlist_lock";
	case LOCK_CLASS_KHUGEPAGED_MM:	return "khugepaged_mm_lock";
	case LOCK_CLASS_HUGETLB_FAULT:	return "hugetlb_fault_mutex";
	case LOCK_CLASS_PAGE:		return "page lock";
	case LOCK_CLASS_BALLOON:	return "balloon_lock";
	case LOCK_CLASS_BALLOON_PAGES:	return "balloon_pages_lock";
	case LOCK_CLASS_I_MMAP:		return "i_mmap_rwsem";
	case LOCK_CLASS_ANON_VMA:	return "anon_vma->rwsem";
	case LOCK_CLASS_ZSPOOL:		return "zs_pool->migrate_lock";
	case LOCK_CLASS_ZS_PAGES:	return "zs_pages_lock";
	case LOCK_CLASS_PTL:		return "page-table lock";
	case LOCK_CLASS_I_PAGES:	return "i_pages lock";
	case LOCK_CLASS_HUGETLB:	return "hugetlb_lock";
	case LOCK_CLASS_SPLIT_QUEUE:	return "split_queue_lock";
	case LOCK_CLASS_LRU:		return "lru_lock";
	case LOCK_CLASS_PCP:		return "pcp->lock";
	case LOCK_CLASS_NODE_SIZE:	return "pgdat->node_size_lock";
	case LOCK_CLASS_ZONE:		return "zone->lock";
	case LOCK_CLASS_PAGE_WAITQUEUE:	return "page waitqueue";
	}
	return "?";
}

#if PAGELAB_DEBUG >= 1

/* A migration batch holds the locks of up to 512 sources and their targets. */
#define LOCKDEP_MAX_HELD (2 * NR_MAX_BATCHED_MIGRATION_LOCKS + 64)

struct held_lock {
	enum lock_class class;
	const void *lock;
};

static __thread struct held_lock held_locks[LOCKDEP_MAX_HELD];
static __thread int nr_held;

static void lockdep_abort(const char *msg)
{
	fprintf(stderr, "%s", msg);
	abort();
}

void (*lockdep_violation_hook)(const char *msg) = lockdep_abort;

static void report(const char *what, enum lock_class class, const void *lock)
{
	char msg[2048];
	int n = snprintf(msg, sizeof(msg),
			 "pagelab: lock order violation: %s %s (%p)\nheld locks, outermost first:\n",
			 what, lock_class_name(class), lock);

	for (int i = 0; i < nr_held && n < (int)sizeof(msg); i++)
		n += snprintf(msg + n, sizeof(msg) - n, "  #%d %s (%p)\n", i,
			      lock_class_name(held_locks[i].class), held_locks[i].lock);
	lockdep_violation_hook(msg);
}

/**
 * lockdep_acquire() - record that the calling thread takes @lock.
 * @trylock: the lock was taken by a trylock, which cannot deadlock, so its
 * rank is not checked.
 * Context: called by the lock primitives just before (or, for trylock,
 * just after) taking the lock.
 */
void lockdep_acquire(enum lock_class class, const void *lock, bool trylock)
{
	if (!trylock) {
		for (int i = 0; i < nr_held; i++) {
			if (held_locks[i].class >= class) {
				report("taking", class, lock);
				break;
			}
		}
	}
	if (nr_held == LOCKDEP_MAX_HELD) {
		report("too many locks held while taking", class, lock);
		return;
	}
	held_locks[nr_held++] = (struct held_lock){ class, lock };
}

/**
 * lockdep_release() - record that the calling thread releases @lock.
 * Context: called by the lock primitives before releasing the lock.
 */
void lockdep_release(enum lock_class class, const void *lock)
{
	for (int i = nr_held - 1; i >= 0; i--) {
		if (held_locks[i].lock == lock) {
			for (; i < nr_held - 1; i++)
				held_locks[i] = held_locks[i + 1];
			nr_held--;
			return;
		}
	}
	report("releasing a lock not held:", class, lock);
}

/** lockdep_is_held() - does the calling thread hold @lock? */
bool lockdep_is_held(const void *lock)
{
	for (int i = 0; i < nr_held; i++)
		if (held_locks[i].lock == lock)
			return true;
	return false;
}

/*
 * Classed locks initialised and not yet destroyed, in every thread: a
 * teardown that forgets a lock shows as a count that does not come back.
 */
static long nr_live_locks;

/** lockdep_lock_created() - count a classed lock initialised. */
void lockdep_lock_created(void)
{
	__atomic_add_fetch(&nr_live_locks, 1, __ATOMIC_RELAXED);
}

/** lockdep_lock_destroyed() - count a classed lock destroyed. */
void lockdep_lock_destroyed(void)
{
	__atomic_sub_fetch(&nr_live_locks, 1, __ATOMIC_RELAXED);
}

/**
 * lockdep_live_locks() - classed locks (spinlocks and rwsems) initialised
 * and not destroyed since the process started.
 */
long lockdep_live_locks(void)
{
	return __atomic_load_n(&nr_live_locks, __ATOMIC_RELAXED);
}

#endif /* PAGELAB_DEBUG >= 1 */
