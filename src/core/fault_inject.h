/* SPDX-License-Identifier: MIT */
/*
 * fault_inject.h - the fault-injection decision Linux's lib/fault-inject.c
 * makes, shared by every injection point (fail_page_alloc in alloc/).
 *
 * A struct fault_attr holds the attributes the kernel exposes in debugfs,
 * with the kernel's names and defaults. Every field is read and written
 * with atomics, so a knob can change while allocations run on other
 * threads; there is no lock. fail-nth, below, is a counter of its own.
 */
#ifndef PAGELAB_FAULT_INJECT_H
#define PAGELAB_FAULT_INJECT_H

#include "core/compiler.h"

/*
 * struct fault_attr - one injection point's attributes.
 * @probability: percent; 0 disables injection.
 * @interval: fail only every interval-th eligible call (<= 1: every call).
 * @times: failures left; -1 unlimited, 0 none.
 * @space: budget in units of size consumed before failures start.
 * @verbose: 0 silent, 1 one line per failure, 2 the line plus details.
 * @count: eligible calls counted for @interval.
 * @rand: the state of the point's own pseudo-random sequence.
 * @name: printed in the verbose line.
 */
struct fault_attr {
	unsigned long probability;
	unsigned long interval;
	long times;
	long space;
	unsigned long verbose;
	unsigned long count;
	uint64_t rand;
	const char *name;
};

#define FAULT_ATTR_INITIALIZER(n) { .interval = 1, .times = 1, .verbose = 2, \
				    .rand = 0x9e3779b97f4a7c15ULL, .name = (n) }

#define FAULT_NOWARN	0x1	/* fail silently whatever @verbose says */

bool should_fail_ex(struct fault_attr *attr, long size, int flags);

/*
 * fail-nth: the Nth call, from now on, to any fail-nth point fails: the
 * allocations of pagelab's own metadata (kmalloc() and friends, core/slab.h)
 * and the balloon channel's sends and receives (host/protocol.c). A test
 * seam, after Linux's /proc/self/task/<tid>/fail-nth, but machine-wide.
 */
void fail_nth_set(unsigned long nth);
bool should_fail_nth(const char *site);
unsigned long fail_nth_calls(void);
const char *fail_nth_fired(void);

#endif /* PAGELAB_FAULT_INJECT_H */
