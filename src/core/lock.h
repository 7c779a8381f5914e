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
	LOCK_CLASS_PAGE = 20,		/* PG_locked: lock_page() */
	LOCK_CLASS_PCP = 60,		/* per_cpu_pages->lock */
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
void lockdep_assert_none_held(void);
#else
static inline void lockdep_acquire(enum lock_class c, const void *l, bool t) { }
static inline void lockdep_release(enum lock_class c, const void *l) { }
static inline bool lockdep_is_held(const void *l) { return true; }
static inline void lockdep_assert_none_held(void) { }
#endif
const char *lock_class_name(enum lock_class class);

static inline void spin_lock_init(spinlock_t *lock, enum lock_class class)
{
	pthread_mutex_init(&lock->mutex, NULL);
	lock->class = class;
}

static inline void spin_lock_destroy(spinlock_t *lock)
{
	pthread_mutex_destroy(&lock->mutex);
}

static inline void spin_lock(spinlock_t *lock)
{
	lockdep_acquire(lock->class, lock, false);
	pthread_mutex_lock(&lock->mutex);
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

#endif /* PAGELAB_LOCK_H */
