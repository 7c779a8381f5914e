/* SPDX-License-Identifier: MIT */
/*
 * fault_inject.c - should_fail_ex(): whether an injection point fails this
 * call, in the order of checks Linux's lib/fault-inject.c makes.
 *
 * Deviations: no task filter and no stack filter (pagelab's CPUs are not
 * tasks); the random draw comes from the point's own splitmix64 sequence,
 * so a deterministic run fails the same calls. fail-nth counts the calls
 * of every thread, not of one task, and only at the points that ask
 * should_fail_nth() (metadata allocations and balloon channel I/O; not
 * fail_page_alloc, whose every page would be a site).
 */
#include <stdio.h>
#include "core/core.h"
#include "core/fault_inject.h"

static unsigned long fault_random(struct fault_attr *attr)
{
	uint64_t z = __atomic_add_fetch(&attr->rand, 0x9e3779b97f4a7c15ULL, __ATOMIC_RELAXED);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Take one from @times unless it is -1 (unlimited); false if it was 0. */
static bool fault_take_time(struct fault_attr *attr)
{
	long times = __atomic_load_n(&attr->times, __ATOMIC_RELAXED);

	do {
		if (times == 0)
			return false;
		if (times < 0)
			return true;
	} while (!__atomic_compare_exchange_n(&attr->times, &times, times - 1, false,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return true;
}

/* The space budget: consumed by @size while it lasts, then no longer. */
static bool fault_space_left(struct fault_attr *attr, long size)
{
	long space = __atomic_load_n(&attr->space, __ATOMIC_RELAXED);

	while (space > size)
		if (__atomic_compare_exchange_n(&attr->space, &space, space - size, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return true;
	return false;
}

/**
 * should_fail_ex() - decide whether the call at an injection point fails.
 * @attr: the point's attributes.
 * @size: the call's size in the point's unit (pages for fail_page_alloc).
 * @flags: FAULT_NOWARN to fail without a message.
 *
 * Checks, in the kernel's order: probability 0, times 0, the space budget,
 * the interval, then the random draw against the probability. A failure
 * prints "FAULT_INJECTION: forcing a failure." with the attributes to
 * stderr when @verbose says so, and takes one from @times.
 * Context: any thread; lock-free.
 * Return: true if the caller must fail.
 */
bool should_fail_ex(struct fault_attr *attr, long size, int flags)
{
	unsigned long probability = READ_ONCE(attr->probability);
	unsigned long interval = READ_ONCE(attr->interval);

	if (!probability || !READ_ONCE(attr->times))
		return false;
	if (fault_space_left(attr, size))
		return false;
	if (interval > 1 &&
	    __atomic_add_fetch(&attr->count, 1, __ATOMIC_RELAXED) % interval)
		return false;
	if (probability <= fault_random(attr) % 100)
		return false;
	if (!fault_take_time(attr))
		return false;
	if (!(flags & FAULT_NOWARN) && READ_ONCE(attr->verbose))
		fprintf(stderr, "FAULT_INJECTION: forcing a failure.\n"
			"name %s, interval %lu, probability %lu, space %ld, times %ld\n",
			attr->name, interval, probability, READ_ONCE(attr->space),
			READ_ONCE(attr->times));
	return true;
}

/* fail-nth: calls left before the failing one (0: off), the calls counted, where it fired. */
static unsigned long fail_nth_left;
static unsigned long fail_nth_count;
static const char *fail_nth_site;

/**
 * fail_nth_set() - make the @nth call to a fail-nth point from now on
 * fail; 0 turns it off. The call count and the site start afresh.
 * Context: any thread; calls racing with it may or may not be counted.
 */
void fail_nth_set(unsigned long nth)
{
	__atomic_store_n(&fail_nth_site, NULL, __ATOMIC_RELAXED);
	__atomic_store_n(&fail_nth_count, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&fail_nth_left, nth, __ATOMIC_RELEASE);
}

/**
 * should_fail_nth() - count a call at a fail-nth point.
 * @site: the calling function's name, kept if this call is the one.
 * Context: any thread; lock-free.
 * Return: true if this is the Nth call since fail_nth_set(N).
 */
bool should_fail_nth(const char *site)
{
	unsigned long left = __atomic_load_n(&fail_nth_left, __ATOMIC_ACQUIRE);

	if (!left)
		return false;
	__atomic_fetch_add(&fail_nth_count, 1, __ATOMIC_RELAXED);
	do {
		if (!left)
			return false;
	} while (!__atomic_compare_exchange_n(&fail_nth_left, &left, left - 1, false,
					      __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
	if (left != 1)
		return false;
	__atomic_store_n(&fail_nth_site, site, __ATOMIC_RELEASE);
	return true;
}

/** fail_nth_calls() - the fail-nth calls counted since fail_nth_set(). */
unsigned long fail_nth_calls(void)
{
	return __atomic_load_n(&fail_nth_count, __ATOMIC_RELAXED);
}

/** fail_nth_fired() - the site of the call that failed, or NULL if none did yet. */
const char *fail_nth_fired(void)
{
	return __atomic_load_n(&fail_nth_site, __ATOMIC_ACQUIRE);
}
