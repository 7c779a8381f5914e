/* SPDX-License-Identifier: MIT */
/*
 * lock.h - the kernel's spinlock_t and struct mutex, as pthread mutexes
 * that know their place in the lock-order tree.
 *
 * Every lock is initialised with a lock class; the classes are ranked from
 * outermost to innermost exactly as docs/locking.md draws the tree. In debug
 * builds (PAGELAB_DEBUG >= 1) lockdep.c keeps the locks each thread holds and
 * aborts with both lock names when a thread takes a lock whose rank is not
 * strictly greater than every lock it already holds. A trylock cannot
 * deadlock, so it is recorded but not checked, which is how two page locks
 * may be held at once (the second one taken with trylock_page()).
 *
 * A userspace "spinlock" is a mutex: simulated CPUs are preemptible threads
 * on 2 host cores, and spinning on a preempted holder would waste the slice.
 */
#ifndef PAGELAB_LOCK_H
#define PAGELAB_LOCK_H

#include <pthread.h>
#include "core/compiler.h"

/* Ranks, outermost first. Keep in sync with docs/locking.md. */
enum lock_class {
	LOCK_CLASS_HUGETLB_RESIZE = 2,	/* hstate->resize_lock */
	LOCK_CLASS_KSM_THREAD = 5,	/* ksm_thread_mutex */
	LOCK_CLASS_MMAP = 10,		/* mm->mmap_lock */
	LOCK_CLASS_KSM_MMLIST = 15,	/* ksm_mmlist_lock */
	LOCK_CLASS_KHUGEPAGED_MM = 16,	/* khugepaged_mm_lock */
	LOCK_CLASS_HUGETLB_FAULT = 17,	/* hugetlb_fault_mutex */
	LOCK_CLASS_PAGE = 20,		/* PG_locked: lock_page() */
	LOCK_CLASS_BALLOON = 22,	/* virtio_balloon->balloon_lock */
	LOCK_CLASS_I_MMAP = 25,		/* address_space->i_mmap_rwsem */
	LOCK_CLASS_ANON_VMA = 30,	/* anon_vma->root->rwsem */
	LOCK_CLASS_ZSPOOL = 35,		/* zs_pool->migrate_lock */
	LOCK_CLASS_ZS_PAGES = 36,	/* zs_pages_lock */
	LOCK_CLASS_BALLOON_PAGES = 37,	/* balloon_pages_lock */
	LOCK_CLASS_PTL = 40,		/* page-table locks, mm->page_table_lock */
	LOCK_CLASS_I_PAGES = 45,	/* address_space->i_pages_lock */
	LOCK_CLASS_HUGETLB = 47,	/* hugetlb_lock */
	LOCK_CLASS_SPLIT_QUEUE = 48,	/* the THP deferred split queue's lock */
	LOCK_CLASS_LRU = 50,		/* lruvec->lru_lock */
	LOCK_CLASS_PCP = 60,		/* per_cpu_pages->lock */
	LOCK_CLASS_NODE_SIZE = 65,	/* pgdat->node_size_lock */
	LOCK_CLASS_ZONE = 70,		/* zone->lock */
	LOCK_CLASS_PAGE_WAITQUEUE = 90,	/* page_wait_table[] bucket, leaf */
};

typedef struct spinlock {
	pthread_mutex_t mutex;
	enum lock_class class;
} spinlock_t;

#if PAGELAB_DEBUG >= 1
void lockdep_acquire(enum lock_class class, const void *lock, bool trylock);
void lockdep_release(enum lock_class class, const void *lock);
bool lockdep_is_held(const void *lock);
void lockdep_lock_created(void);
void lockdep_lock_destroyed(void);
long lockdep_live_locks(void);
#else
static inline void lockdep_acquire(enum lock_class c, const void *l, bool t) { }
static inline void lockdep_release(enum lock_class c, const void *l) { }
static inline bool lockdep_is_held(const void *l) { return true; }
static inline void lockdep_lock_created(void) { }
static inline void lockdep_lock_destroyed(void) { }
static inline long lockdep_live_locks(void) { return 0; }
#endif
const char *lock_class_name(enum lock_class class);

static inline void spin_lock_init(spinlock_t *lock, enum lock_class class)
{
	pthread_mutex_init(&lock->mutex, NULL);
	lock->class = class;
	lockdep_lock_created();
}

static inline void spin_lock_destroy(spinlock_t *lock)
{
	lockdep_lock_destroyed();
	pthread_mutex_destroy(&lock->mutex);
}

static inline void spin_lock(spinlock_t *lock)
{
	lockdep_acquire(lock->class, lock, false);
	pthread_mutex_lock(&lock->mutex);
}

/*
 * spin_lock_nested() - take a second lock of a class already held, where
 * the caller guarantees the order by other means (fork: the child's page
 * tables are reachable by no one else). Recorded, not rank-checked.
 */
static inline void spin_lock_nested(spinlock_t *lock)
{
	pthread_mutex_lock(&lock->mutex);
	lockdep_acquire(lock->class, lock, true);
}

static inline bool spin_trylock(spinlock_t *lock)
{
	if (pthread_mutex_trylock(&lock->mutex))
		return false;
	lockdep_acquire(lock->class, lock, true);
	return true;
}

static inline void spin_unlock(spinlock_t *lock)
{
	lockdep_release(lock->class, lock);
	pthread_mutex_unlock(&lock->mutex);
}

#define lockdep_assert_held(lock) VM_BUG_ON(!lockdep_is_held(lock))

/* struct mutex - the kernel's sleeping mutex: the same pthread mutex. */
struct mutex {
	spinlock_t lock;
};

static inline void mutex_init(struct mutex *mutex, enum lock_class class)
{
	spin_lock_init(&mutex->lock, class);
}

static inline void mutex_destroy(struct mutex *mutex)
{
	spin_lock_destroy(&mutex->lock);
}

static inline void mutex_lock(struct mutex *mutex)
{
	spin_lock(&mutex->lock);
}

static inline void mutex_unlock(struct mutex *mutex)
{
	spin_unlock(&mutex->lock);
}

/*
 * struct rw_semaphore - the kernel's sleeping reader/writer lock. Writers
 * are preferred, so a steady stream of readers cannot starve a writer and,
 * as in the kernel, a reader must never take the same rwsem twice.
 */
struct rw_semaphore {
	pthread_rwlock_t rwlock;
	enum lock_class class;
};

static inline void init_rwsem(struct rw_semaphore *sem, enum lock_class class)
{
	pthread_rwlockattr_t attr;

	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&sem->rwlock, &attr);
	pthread_rwlockattr_destroy(&attr);
	sem->class = class;
	lockdep_lock_created();
}

static inline void destroy_rwsem(struct rw_semaphore *sem)
{
	lockdep_lock_destroyed();
	pthread_rwlock_destroy(&sem->rwlock);
}

static inline void down_read(struct rw_semaphore *sem)
{
	lockdep_acquire(sem->class, sem, false);
	pthread_rwlock_rdlock(&sem->rwlock);
}

static inline void down_write(struct rw_semaphore *sem)
{
	lockdep_acquire(sem->class, sem, false);
	pthread_rwlock_wrlock(&sem->rwlock);
}

/* down_write() of a second rwsem of a held class; see spin_lock_nested(). */
static inline void down_write_nested(struct rw_semaphore *sem)
{
	pthread_rwlock_wrlock(&sem->rwlock);
	lockdep_acquire(sem->class, sem, true);
}

static inline void up_read(struct rw_semaphore *sem)
{
	lockdep_release(sem->class, sem);
	pthread_rwlock_unlock(&sem->rwlock);
}
static inline void up_write(struct rw_semaphore *sem)
{
	lockdep_release(sem->class, sem);
	pthread_rwlock_unlock(&sem->rwlock);
}

#endif /* PAGELAB_LOCK_H */
