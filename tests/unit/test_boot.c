/* SPDX-License-Identifier: MIT */
/*
 * test_boot.c - the boot table: each step made to fail in turn unwinds
 * exactly the steps before it, leaving no lock initialised, no memory
 * (ASan's leak check) and no machine behind; then a full boot still works.
 */
#include "lib/machine_fixture.h"
#include <string.h>

static const struct machine_config small = { 8UL << 20, 2, 10, 9, .deterministic = true };

/* A full boot and shutdown, so once-per-process state exists before counting. */
static void boot_and_exit(void)
{
	assert_int_equal(machine_init(&small), 0);
	assert_true(machine_exists());
	assert_invariants();
	machine_exit();
	assert_false(machine_exists());
}

static void test_each_step_failing_unwinds(void **state)
{
	unsigned int steps = machine_boot_steps();
	long locks;

	boot_and_exit();
	locks = lockdep_live_locks();
	assert_true(steps >= 10);
	for (unsigned int i = 0; i < steps; i++) {
		machine_boot_fail_at(i);
		if (machine_init(&small) != -ENOMEM)
			fail_msg("boot step %s: the injected failure was not returned",
				 machine_boot_step_name(i));
		if (machine_exists() || mem_map || machine.arena)
			fail_msg("boot step %s failed but left the machine up",
				 machine_boot_step_name(i));
		if (lockdep_live_locks() != locks)
			fail_msg("boot step %s failed and left %ld locks initialised",
				 machine_boot_step_name(i), lockdep_live_locks() - locks);
	}
	machine_boot_fail_at(-1);
	boot_and_exit();
	assert_int_equal(lockdep_live_locks(), locks);
}

static void test_step_names(void **state)
{
	unsigned int steps = machine_boot_steps();

	for (unsigned int i = 0; i < steps; i++)
		for (unsigned int j = i + 1; j < steps; j++)
			assert_string_not_equal(machine_boot_step_name(i), machine_boot_step_name(j));
	assert_null(machine_boot_step_name(steps));
}

static void test_second_machine_busy(void **state)
{
	assert_int_equal(machine_init(&small), 0);
	assert_int_equal(machine_init(&small), -EBUSY);
	machine_exit();
	boot_and_exit();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_step_failing_unwinds),
		cmocka_unit_test(test_step_names),
		cmocka_unit_test(test_second_machine_busy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
