/* SPDX-License-Identifier: MIT */
/*
 * pattern.h - deterministic page contents for the scenario language.
 *
 * A pattern fills one 4 KiB page as a pure function of (pattern, seed, key,
 * index) and verifies a page by regenerating the same bytes, so nobody keeps
 * a copy of what was written. The five patterns are the spec's: zero,
 * byte:V, same, dup:K and unique. The key names a region or an allocation
 * set (pattern_key() of its name), the index is the page's number within it.
 *
 *   zero     every byte 0;
 *   byte:V   every byte V;
 *   same     one content per seed, whatever the key and index;
 *   dup:K    content number (index mod K), per seed, whatever the key;
 *   unique   content of its own for every (seed, key, index).
 *
 * Non-zero contents start with a header of 64-bit words (a tag for the
 * pattern, the seed, then the content number or key and index), followed
 * by a splitmix64 stream seeded from the same values. The header makes two
 * different contents differ for certain, not just with high probability.
 */
#ifndef PAGELAB_PATTERN_H
#define PAGELAB_PATTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PATTERN_PAGE_SIZE 4096

enum pattern_kind {
	PATTERN_UNIQUE,		/* the default */
	PATTERN_ZERO,
	PATTERN_BYTE,		/* arg: the byte value, 0..255 */
	PATTERN_SAME,
	PATTERN_DUP,		/* arg: K, the number of distinct contents, >= 1 */
};

struct pattern {
	enum pattern_kind kind;
	unsigned int arg;
};

/* splitmix64: the next value of the stream in *@state. */
static inline uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t pattern_mix(uint64_t a, uint64_t b);
uint64_t pattern_key(const char *name);
int pattern_parse(const char *text, struct pattern *out);
void pattern_fill(void *page, const struct pattern *pat, uint64_t seed, uint64_t key,
		  uint64_t index);
bool pattern_verify(const void *page, const struct pattern *pat, uint64_t seed,
		    uint64_t key, uint64_t index);

#endif /* PAGELAB_PATTERN_H */
