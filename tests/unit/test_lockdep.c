/* SPDX-License-Identifier: MIT */
/* test_lockdep.c - the run-time lock-order check reports inversions,
 * allows trylock nesting, and reports releases of locks not held. */
#include "lib/machine_fixture.h"
#include <string.h>
#include "core/lockdep.h"

static char last_violation[2048];
static int violations;

static void record_violation(const char *msg)
{
	snprintf(last_violation, sizeof(last_violation), "%s", msg);
	violations++;
}

static int hook_setup(void **state)
{
	if (PAGELAB_DEBUG < 1)
		return 0;
	lockdep_violation_hook = record_violation;
	violations = 0;
	return 0;
}

static void test_order_respected(void **state)
{
	spinlock_t outer, inner;

	if (PAGELAB_DEBUG < 1)
		skip();
	spin_lock_init(&outer, LOCK_CLASS_PCP);
	spin_lock_init(&inner, LOCK_CLASS_ZONE);
	spin_lock(&outer);
	spin_lock(&inner);
	assert_true(lockdep_is_held(&inner));
	spin_unlock(&inner);
	spin_unlock(&outer);
	assert_int_equal(violations, 0);
	assert_false(lockdep_is_held(&outer));
}

static void test_inversion_reported(void **state)
{
	spinlock_t pcp, zone;

	if (PAGELAB_DEBUG < 1)
		skip();
	spin_lock_init(&pcp, LOCK_CLASS_PCP);
	spin_lock_init(&zone, LOCK_CLASS_ZONE);
	spin_lock(&zone);
	spin_lock(&pcp);
	assert_int_equal(violations, 1);
	assert_non_null(strstr(last_violation, "taking pcp->lock"));
	assert_non_null(strstr(last_violation, "#0 zone->lock"));
	spin_unlock(&pcp);
	spin_unlock(&zone);
}

static void test_page_lock_nesting(void **state)
{
	struct page a, b;

	if (PAGELAB_DEBUG < 1)
		skip();
	init_page_struct(&a, ZONE_NORMAL);
	init_page_struct(&b, ZONE_NORMAL);
	lock_page(&a);
	assert_true(trylock_page(&b));		/* allowed: cannot deadlock */
	unlock_page(&b);
	assert_int_equal(violations, 0);
	lock_page(&b);				/* a second sleeping page lock */
	assert_int_equal(violations, 1);
	assert_non_null(strstr(last_violation, "taking page lock"));
	unlock_page(&b);
	unlock_page(&a);
}

static void test_release_not_held(void **state)
{
	spinlock_t lock;

	if (PAGELAB_DEBUG < 1)
		skip();
	spin_lock_init(&lock, LOCK_CLASS_ZONE);
	lockdep_release(LOCK_CLASS_ZONE, &lock);
	assert_int_equal(violations, 1);
	assert_non_null(strstr(last_violation, "not held"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_order_respected, hook_setup),
		cmocka_unit_test_setup(test_inversion_reported, hook_setup),
		cmocka_unit_test_setup(test_page_lock_nesting, hook_setup),
		cmocka_unit_test_setup(test_release_not_held, hook_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
