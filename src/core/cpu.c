/* SPDX-License-Identifier: MIT */
/*
 * cpu.c - which simulated CPU the calling thread is, and the thread's task
 * flags (current_flags: PF_MEMALLOC, see core.h).
 *
 * Simulated CPUs are host threads. A thread that runs a CPU's work binds
 * itself with cpu_bind_current(); any other thread (the main thread, a
 * daemon) is given a CPU round-robin on first use. Several threads may share
 * one CPU id: per-cpu structures therefore keep their own locks (as the
 * kernel's per-cpu page lists do since they became spinlock-protected).
 */
#include "core/core.h"

static __thread int this_cpu = -1;
__thread unsigned int current_flags;
static unsigned int next_cpu;

/**
 * smp_processor_id() - the simulated CPU of the calling thread.
 * Context: any thread. Return: a CPU id below nr_cpu_ids.
 */
int smp_processor_id(void)
{
	unsigned int nr = nr_cpu_ids ? nr_cpu_ids : 1;

	if (unlikely((unsigned int)this_cpu >= nr))
		this_cpu = __atomic_fetch_add(&next_cpu, 1, __ATOMIC_RELAXED) % nr;
	return this_cpu;
}

/**
 * cpu_bind_current() - make the calling thread simulate CPU @cpu.
 * Context: any thread. Return: 0, or -EINVAL if @cpu >= nr_cpu_ids.
 */
int cpu_bind_current(unsigned int cpu)
{
	if (cpu >= nr_cpu_ids)
		return -EINVAL;
	this_cpu = cpu;
	return 0;
}
