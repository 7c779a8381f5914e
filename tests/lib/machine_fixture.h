/* SPDX-License-Identifier: MIT */
/*
 * machine_fixture.h - cmocka setup/teardown that boot a small machine and
 * check every invariant at the end of each test.
 */
#ifndef PAGELAB_TEST_MACHINE_FIXTURE_H
#define PAGELAB_TEST_MACHINE_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>
#include "machine/machine.h"
#include "vm/mm.h"

#define TEST_MEMORY (64UL << 20)	/* 16384 frames, 16 order-10 blocks */

/* PAGELAB_TRACE=FILE writes every test's ftrace-style events to FILE. */
static inline int machine_setup(void **state)
{
	const char *trace = getenv("PAGELAB_TRACE");

	if (trace && !trace_enabled())
		trace_open(trace);
	/* Deterministic: no kcompactd thread changing memory under a test. */
	struct machine_config cfg = { TEST_MEMORY, 2, 10, 9, .deterministic = true };

	return machine_init(&cfg);
}

static inline void assert_invariants(void)
{
	char msg[256];
	int err = check_invariants(msg, sizeof(msg));

	if (err)
		fail_msg("invariant violated: %s", msg);
}

static inline int machine_teardown(void **state)
{
	drain_all_pages(NULL);
	assert_invariants();
	machine_exit();
	return 0;
}

#define machine_test(fn) cmocka_unit_test_setup_teardown(fn, machine_setup, machine_teardown)

#endif /* PAGELAB_TEST_MACHINE_FIXTURE_H */
