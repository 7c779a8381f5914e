/* SPDX-License-Identifier: MIT */
/*
 * test_pattern.c - the page-content generators: zero and byte:V fill
 * exactly those bytes; same is one content per seed; dup:K cycles through
 * K contents; unique differs across pages, keys (regions or sets) and
 * seeds; every pattern verifies what it filled, and verify catches a
 * single flipped byte anywhere in the page.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "scenario/pattern.h"

#define PS PATTERN_PAGE_SIZE

static const struct pattern zero = { PATTERN_ZERO, 0 }, same = { PATTERN_SAME, 0 },
			    unique = { PATTERN_UNIQUE, 0 };

static unsigned char *page_of(const struct pattern *pat, uint64_t seed, uint64_t key,
			      uint64_t index)
{
	unsigned char *p = malloc(PS);

	assert_non_null(p);
	memset(p, 0xa5, PS);
	pattern_fill(p, pat, seed, key, index);
	assert_true(pattern_verify(p, pat, seed, key, index));
	return p;
}

static bool equal(const struct pattern *a, uint64_t sa, uint64_t ka, uint64_t ia,
		  const struct pattern *b, uint64_t sb, uint64_t kb, uint64_t ib)
{
	unsigned char *x = page_of(a, sa, ka, ia), *y = page_of(b, sb, kb, ib);
	bool eq = !memcmp(x, y, PS);

	free(x);
	free(y);
	return eq;
}

static bool all_bytes(const unsigned char *p, unsigned char v)
{
	for (size_t i = 0; i < PS; i++)
		if (p[i] != v)
			return false;
	return true;
}

static void test_zero_and_byte(void **state)
{
	struct pattern b = { PATTERN_BYTE, 0x5a };
	unsigned char *p = page_of(&zero, 7, 1, 2);

	assert_true(all_bytes(p, 0));
	free(p);
	p = page_of(&b, 7, 1, 2);
	assert_true(all_bytes(p, 0x5a));
	assert_false(pattern_verify(p, &zero, 7, 1, 2));
	free(p);
	assert_true(equal(&b, 1, 2, 3, &b, 4, 5, 6));	/* seed, key, index do not matter */
}

static void test_same(void **state)
{
	unsigned char *p = page_of(&same, 3, 10, 0);

	assert_false(all_bytes(p, 0));
	free(p);
	assert_true(equal(&same, 3, 10, 0, &same, 3, 99, 12345));
	assert_false(equal(&same, 3, 10, 0, &same, 4, 10, 0));
}

static void test_dup_cycle(void **state)
{
	struct pattern dup = { PATTERN_DUP, 4 }, dup1 = { PATTERN_DUP, 1 };
	uint64_t i, j;

	for (i = 0; i < 8; i++)
		for (j = 0; j < 8; j++)
			assert_int_equal(equal(&dup, 9, 1, i, &dup, 9, 1, j), i % 4 == j % 4);
	/* Content number j is the same in every region, and differs per seed. */
	assert_true(equal(&dup, 9, 1, 5, &dup, 9, 2, 1));
	assert_false(equal(&dup, 9, 1, 5, &dup, 10, 1, 5));
	assert_true(equal(&dup1, 9, 1, 0, &dup1, 9, 1, 77));
	assert_false(equal(&dup, 9, 1, 0, &same, 9, 1, 0));
}

static void test_unique_distinct(void **state)
{
	enum { N = 64 };
	unsigned char *pages[3 * N];
	unsigned int n = 0, a, b;

	for (uint64_t i = 0; i < N; i++) {
		pages[n++] = page_of(&unique, 0, 100, i);	/* pages of one region */
		pages[n++] = page_of(&unique, 0, 200 + i, 0);	/* page 0 of other regions */
		pages[n++] = page_of(&unique, 1 + i, 100, 0);	/* other seeds */
	}
	for (a = 0; a < n; a++)
		for (b = a + 1; b < n; b++)
			assert_int_not_equal(memcmp(pages[a], pages[b], PS), 0);
	for (a = 0; a < n; a++)
		free(pages[a]);
	assert_false(equal(&unique, 0, 1, 0, &same, 0, 1, 0));
	assert_true(equal(&unique, 5, 6, 7, &unique, 5, 6, 7));
}

static void test_verify_flipped_byte(void **state)
{
	const struct pattern pats[] = { zero, same, unique, { PATTERN_BYTE, 255 },
					{ PATTERN_DUP, 3 } };
	const size_t offsets[] = { 0, 1, 7, 8, 31, 32, 2047, PS - 9, PS - 1 };

	for (size_t k = 0; k < sizeof(pats) / sizeof(pats[0]); k++) {
		unsigned char *p = page_of(&pats[k], 42, 43, 44);

		for (size_t o = 0; o < sizeof(offsets) / sizeof(offsets[0]); o++) {
			p[offsets[o]] ^= 0x10;
			assert_false(pattern_verify(p, &pats[k], 42, 43, 44));
			p[offsets[o]] ^= 0x10;
			assert_true(pattern_verify(p, &pats[k], 42, 43, 44));
		}
		assert_false(pats[k].kind == PATTERN_UNIQUE && pattern_verify(p, &pats[k], 42, 43, 45));
		free(p);
	}
}

static void test_unaligned(void **state)
{
	unsigned char *buf = malloc(PS + 1);

	pattern_fill(buf + 1, &unique, 1, 2, 3);
	assert_true(pattern_verify(buf + 1, &unique, 1, 2, 3));
	free(buf);
}

static void test_parse(void **state)
{
	struct pattern p;

	assert_int_equal(pattern_parse("zero", &p), 0);
	assert_int_equal(p.kind, PATTERN_ZERO);
	assert_int_equal(pattern_parse("unique", &p), 0);
	assert_int_equal(p.kind, PATTERN_UNIQUE);
	assert_int_equal(pattern_parse("same", &p), 0);
	assert_int_equal(p.kind, PATTERN_SAME);
	assert_int_equal(pattern_parse("byte:0", &p), 0);
	assert_true(p.kind == PATTERN_BYTE && p.arg == 0);
	assert_int_equal(pattern_parse("byte:255", &p), 0);
	assert_int_equal(p.arg, 255);
	assert_int_equal(pattern_parse("dup:7", &p), 0);
	assert_true(p.kind == PATTERN_DUP && p.arg == 7);
	assert_int_equal(pattern_parse("byte:256", &p), -ERANGE);
	assert_int_equal(pattern_parse("dup:0", &p), -ERANGE);
	assert_int_equal(pattern_parse("dup:4294967296", &p), -ERANGE);
	assert_int_equal(pattern_parse("byte:", &p), -EINVAL);
	assert_int_equal(pattern_parse("byte:-1", &p), -EINVAL);
	assert_int_equal(pattern_parse("byte:+1", &p), -EINVAL);
	assert_int_equal(pattern_parse("dup:3x", &p), -EINVAL);
	assert_int_equal(pattern_parse("Zero", &p), -EINVAL);
	assert_int_equal(pattern_parse("", &p), -EINVAL);
}

static void test_keys_and_mix(void **state)
{
	assert_int_equal(pattern_key("kalloc.a"), pattern_key("kalloc.a"));
	assert_int_not_equal(pattern_key("kalloc.a"), pattern_key("kalloc.b"));
	assert_int_not_equal(pattern_mix(0, 1), pattern_mix(1, 0));
	assert_int_not_equal(pattern_mix(0, 0), pattern_mix(0, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_and_byte),
		cmocka_unit_test(test_same),
		cmocka_unit_test(test_dup_cycle),
		cmocka_unit_test(test_unique_distinct),
		cmocka_unit_test(test_verify_flipped_byte),
		cmocka_unit_test(test_unaligned),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_keys_and_mix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
