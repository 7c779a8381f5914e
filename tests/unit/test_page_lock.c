/* SPDX-License-Identifier: MIT */
/* test_page_lock.c - the sleeping page lock: trylock, mutual exclusion
 * under contention, sleeping waiters woken by unlock, wait_on_page_locked. */
#include "lib/machine_fixture.h"
#include <pthread.h>
#include <unistd.h>

#ifdef PAGELAB_SANITIZED
#define CONTENTION_ITERS 2000
#else
#define CONTENTION_ITERS 50000
#endif
#define CONTENTION_THREADS 4

static struct page test_pages[2];
static long shared_counter;	/* deliberately not atomic: the lock protects it */

static void test_trylock(void **state)
{
	struct page *page = &test_pages[0];

	init_page_struct(page, ZONE_NORMAL);
	assert_true(trylock_page(page));
	assert_true(PageLocked(page));
	assert_false(trylock_page(page));
	unlock_page(page);
	assert_false(PageLocked(page));
	lock_page(page);
	assert_true(PageLocked(page));
	unlock_page(page);
}

static void *contend(void *arg)
{
	struct page *page = arg;

	for (int i = 0; i < CONTENTION_ITERS; i++) {
		lock_page(page);
		shared_counter++;
		unlock_page(page);
	}
	return NULL;
}

static void test_mutual_exclusion(void **state)
{
	pthread_t threads[CONTENTION_THREADS];
	struct page *page = &test_pages[0];

	init_page_struct(page, ZONE_NORMAL);
	shared_counter = 0;
	for (int i = 0; i < CONTENTION_THREADS; i++)
		pthread_create(&threads[i], NULL, contend, page);
	for (int i = 0; i < CONTENTION_THREADS; i++)
		pthread_join(threads[i], NULL);
	assert_int_equal(shared_counter, (long)CONTENTION_THREADS * CONTENTION_ITERS);
	assert_false(PageLocked(page));
}

static int waiter_progress;

static void *lock_and_mark(void *arg)
{
	lock_page(arg);
	__atomic_store_n(&waiter_progress, 1, __ATOMIC_SEQ_CST);
	unlock_page(arg);
	return NULL;
}

static void *wait_and_mark(void *arg)
{
	wait_on_page_locked(arg);
	__atomic_store_n(&waiter_progress, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* A thread blocked on the lock sleeps until unlock, then proceeds. */
static void run_blocked_waiter(void *(*fn)(void *))
{
	struct page *page = &test_pages[1];
	pthread_t waiter;

	init_page_struct(page, ZONE_NORMAL);
	waiter_progress = 0;
	lock_page(page);
	pthread_create(&waiter, NULL, fn, page);
	while (!PageWaiters(page))
		usleep(100);
	usleep(20000);
	assert_int_equal(__atomic_load_n(&waiter_progress, __ATOMIC_SEQ_CST), 0);
	unlock_page(page);
	pthread_join(waiter, NULL);
	assert_int_equal(waiter_progress, 1);
	assert_false(PageLocked(page));
}

static void test_lock_sleeps_until_unlock(void **state)
{
	run_blocked_waiter(lock_and_mark);
}

static void test_wait_on_page_locked(void **state)
{
	run_blocked_waiter(wait_and_mark);
	/* On an unlocked page it returns at once. */
	wait_on_page_locked(&test_pages[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trylock),
		cmocka_unit_test(test_mutual_exclusion),
		cmocka_unit_test(test_lock_sleeps_until_unlock),
		cmocka_unit_test(test_wait_on_page_locked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
