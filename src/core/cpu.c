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

__thread int cpu_number = -1;
__thread unsigned int current_flags;
static unsigned int next_cpu;

/**
 * smp_processor_id_slow() - give the calling thread a CPU round-robin: its
 * first call, or the first after a machine with fewer cpus was booted
 * (smp_processor_id() in vmstat.h is the fast path).
 * Context: any thread. Return: a CPU id below nr_cpu_ids.
 */
int smp_processor_id_slow(void)
{
	unsigned int nr = nr_cpu_ids ? nr_cpu_ids : 1;

	if ((unsigned int)cpu_number >= nr)
		cpu_number = __atomic_fetch_add(&next_cpu, 1, __ATOMIC_RELAXED) % nr;
	return cpu_number;
}

/**
 * cpu_bind_current() - make the calling thread simulate CPU @cpu.
 * Context: any thread. Return: 0, or -EINVAL if @cpu >= nr_cpu_ids.
 */
int cpu_bind_current(unsigned int cpu)
{
	if (cpu >= nr_cpu_ids)
		return -EINVAL;
	cpu_number = cpu;
	return 0;
}
