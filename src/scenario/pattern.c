/* SPDX-License-Identifier: MIT */
/*
 * pattern.c - the page-content generators of pattern.h: fill a page as a
 * pure function of (pattern, seed, key, index), and verify a page by
 * regenerating its bytes word by word. Used by kalloc/kcheck now and by
 * the address-space commands (touch, check) later.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include "scenario/pattern.h"

#define PATTERN_WORDS	(PATTERN_PAGE_SIZE / sizeof(uint64_t))
#define HEADER_MAX	4

/* Tags that open each kind of non-zero content ("PLSAME", ...). */
#define TAG_SAME	0x454d41534c50ULL
#define TAG_DUP		0x5055444c50ULL
#define TAG_UNIQUE	0x51494e554c50ULL

/* What a non-zero page holds: a few header words, then a stream. */
struct content {
	uint64_t header[HEADER_MAX];
	unsigned int nheader;
	uint64_t state;
};

static uint64_t fmix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

/**
 * pattern_mix() - combine two 64-bit values into a well-mixed third.
 * @a: first value (e.g. the run seed).
 * @b: second value (e.g. a command's seed= or a key).
 *
 * Used to derive every seed of a run from the run seed, so that changing
 * either input changes everything derived from it.
 *
 * Context: pure; any context.
 * Return: the mixed value.
 */
uint64_t pattern_mix(uint64_t a, uint64_t b)
{
	return fmix64(a ^ fmix64(b + 0x9e3779b97f4a7c15ULL));
}

/**
 * pattern_key() - the content key of a named region or allocation set.
 * @name: the full name, e.g. "kalloc.big" or "a.heap".
 *
 * Context: pure; any context.
 * Return: XXH3_64bits of the name's bytes.
 */
uint64_t pattern_key(const char *name)
{
	return XXH3_64bits(name, strlen(name));
}

static int parse_arg(const char *text, unsigned long lo, unsigned long hi,
		     unsigned int *out)
{
	unsigned long v;
	char *end;

	if (*text < '0' || *text > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}

/**
 * pattern_parse() - read a pattern as the scenario language writes it.
 * @text: "zero", "byte:V", "same", "dup:K" or "unique".
 * @out: the pattern.
 *
 * Context: pure; any context.
 * Return: 0; -EINVAL if @text is not a pattern; -ERANGE if V is not in
 * 0..255 or K not in 1..4294967295.
 */
int pattern_parse(const char *text, struct pattern *out)
{
	static const struct { const char *name; enum pattern_kind kind; } plain[] = {
		{ "zero", PATTERN_ZERO }, { "same", PATTERN_SAME }, { "unique", PATTERN_UNIQUE },
	};
	size_t i;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (!strcmp(text, plain[i].name)) {
			*out = (struct pattern){ .kind = plain[i].kind };
			return 0;
		}
	}
	if (!strncmp(text, "byte:", 5)) {
		out->kind = PATTERN_BYTE;
		return parse_arg(text + 5, 0, 255, &out->arg);
	}
	if (!strncmp(text, "dup:", 4)) {
		out->kind = PATTERN_DUP;
		return parse_arg(text + 4, 1, UINT32_MAX, &out->arg);
	}
	return -EINVAL;
}

static void content_of(struct content *c, const struct pattern *pat, uint64_t seed,
		       uint64_t key, uint64_t index)
{
	uint64_t tag = TAG_UNIQUE;

	c->nheader = 0;
	if (pat->kind == PATTERN_SAME) {
		tag = TAG_SAME;
	} else if (pat->kind == PATTERN_DUP) {
		tag = TAG_DUP;
		key = index % pat->arg;
	}
	c->header[c->nheader++] = tag;
	c->header[c->nheader++] = seed;
	c->state = pattern_mix(seed, tag);
	if (pat->kind == PATTERN_SAME)
		return;
	c->header[c->nheader++] = key;
	c->state = pattern_mix(c->state, key);
	if (pat->kind == PATTERN_DUP)
		return;
	c->header[c->nheader++] = index;
	c->state = pattern_mix(c->state, index);
}

static uint64_t content_word(struct content *c, size_t i)
{
	return i < c->nheader ? c->header[i] : splitmix64(&c->state);
}

/**
 * pattern_fill() - write one page of a pattern.
 * @page: PATTERN_PAGE_SIZE bytes, any alignment.
 * @pat: the pattern.
 * @seed: the pattern seed (already mixed with the run seed).
 * @key: the region's or set's key (pattern_key()); only unique uses it.
 * @index: the page's number within the region or set.
 *
 * Context: pure apart from writing @page; any context.
 */
void pattern_fill(void *page, const struct pattern *pat, uint64_t seed, uint64_t key,
		  uint64_t index)
{
	unsigned char *p = page;
	struct content c;
	size_t i;

	if (pat->kind == PATTERN_ZERO || pat->kind == PATTERN_BYTE) {
		memset(page, pat->kind == PATTERN_BYTE ? (int)pat->arg : 0, PATTERN_PAGE_SIZE);
		return;
	}
	content_of(&c, pat, seed, key, index);
	for (i = 0; i < PATTERN_WORDS; i++) {
		uint64_t w = content_word(&c, i);

		memcpy(p + i * sizeof(w), &w, sizeof(w));
	}
}

static bool verify_bytes(const unsigned char *p, unsigned char value)
{
	size_t i;

	for (i = 0; i < PATTERN_PAGE_SIZE; i++)
		if (p[i] != value)
			return false;
	return true;
}

/**
 * pattern_verify() - check that a page holds what pattern_fill() wrote.
 * @page: PATTERN_PAGE_SIZE bytes, any alignment.
 * @pat: @seed: @key: @index: as given to pattern_fill().
 *
 * Regenerates the content word by word and stops at the first difference.
 *
 * Context: pure; any context.
 * Return: true if every byte matches.
 */
bool pattern_verify(const void *page, const struct pattern *pat, uint64_t seed,
		    uint64_t key, uint64_t index)
{
	const unsigned char *p = page;
	struct content c;
	size_t i;

	if (pat->kind == PATTERN_ZERO || pat->kind == PATTERN_BYTE)
		return verify_bytes(p, pat->kind == PATTERN_BYTE ? pat->arg : 0);
	content_of(&c, pat, seed, key, index);
	for (i = 0; i < PATTERN_WORDS; i++) {
		uint64_t w = content_word(&c, i), got;

		memcpy(&got, p + i * sizeof(got), sizeof(got));
		if (got != w)
			return false;
	}
	return true;
}
