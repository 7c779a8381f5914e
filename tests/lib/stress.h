/* SPDX-License-Identifier: MIT */
/*
 * stress.h - what every seeded stress test shares: the splitmix64
 * generator (and its mixing step, a good 64-bit hash on its own) and the
 * PAGELAB_STRESS_* environment knobs.
 */
#ifndef PAGELAB_TEST_STRESS_H
#define PAGELAB_TEST_STRESS_H

#include <stdint.h>
#include <stdlib.h>

static inline uint64_t mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The next value of the splitmix64 sequence held in *@state. */
static inline uint64_t splitmix64(uint64_t *state)
{
	*state += 0x9e3779b97f4a7c15ULL;
	return mix64(*state);
}

/* An integer knob from the environment, or @dflt when unset or empty. */
static inline unsigned long env_ulong(const char *name, unsigned long dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtoul(v, NULL, 0) : dflt;
}

static inline double env_double(const char *name, double dflt)
{
	const char *v = getenv(name);

	return v && *v ? strtod(v, NULL) : dflt;
}

#endif /* PAGELAB_TEST_STRESS_H */
