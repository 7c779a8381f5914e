/* SPDX-License-Identifier: MIT */
/*
 * test_bitmap.c - core/bitmap.h: bit operations index the word of bit nr,
 * so they work on bitmaps longer than a word, and the find functions stop
 * at the bitmap's size, across word boundaries and in a last word that is
 * only partly used.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "core/bitmap.h"

#define NBITS	200	/* four words, the last one partly used */

static void test_bits_beyond_the_first_word(void **state)
{
	unsigned long *map = bitmap_zalloc(NBITS);

	assert_non_null(map);
	__set_bit(0, map);
	__set_bit(64, map);
	set_bit(130, map);
	__assign_bit(199, map, true);
	assert_true(test_bit(0, map) && test_bit(64, map) && test_bit(130, map));
	assert_true(test_bit(199, map));
	assert_false(test_bit(1, map) || test_bit(63, map) || test_bit(65, map));
	assert_int_equal(map[1], 1);
	assert_int_equal(map[3], BIT(199 - 192));

	assert_true(test_and_clear_bit(64, map));
	assert_false(test_and_clear_bit(64, map));
	assert_false(test_and_set_bit(65, map));
	assert_true(test_and_set_bit(65, map));
	clear_bit(130, map);
	__clear_bit(0, map);
	__assign_bit(199, map, false);
	assert_false(test_bit(130, map) || test_bit(0, map) || test_bit(199, map));
	assert_int_equal(map[1], BIT(1));

	bitmap_zero(map, NBITS);
	for (unsigned int i = 0; i < BITS_TO_LONGS(NBITS); i++)
		assert_int_equal(map[i], 0);
	bitmap_free(map);
}

static void test_find_next(void **state)
{
	unsigned long *map = bitmap_zalloc(NBITS);

	assert_non_null(map);
	assert_int_equal(find_next_bit(map, NBITS, 0), NBITS);
	assert_int_equal(find_next_zero_bit(map, NBITS, 0), 0);
	__set_bit(3, map);
	__set_bit(64, map);
	__set_bit(150, map);
	assert_int_equal(find_next_bit(map, NBITS, 0), 3);
	assert_int_equal(find_next_bit(map, NBITS, 3), 3);
	assert_int_equal(find_next_bit(map, NBITS, 4), 64);
	assert_int_equal(find_next_bit(map, NBITS, 65), 150);
	assert_int_equal(find_next_bit(map, NBITS, 151), NBITS);
	assert_int_equal(find_next_bit(map, NBITS, NBITS), NBITS);
	assert_int_equal(find_next_bit(map, NBITS, NBITS + 100), NBITS);
	/* A set bit beyond @size is not found. */
	assert_int_equal(find_next_bit(map, 150, 65), 150);

	for (unsigned int i = 60; i < NBITS; i++)
		__set_bit(i, map);
	assert_int_equal(find_next_zero_bit(map, NBITS, 3), 4);
	assert_int_equal(find_next_zero_bit(map, NBITS, 59), 59);
	assert_int_equal(find_next_zero_bit(map, NBITS, 60), NBITS);
	assert_int_equal(find_next_zero_bit(map, NBITS, 199), NBITS);
	bitmap_free(map);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bits_beyond_the_first_word),
		cmocka_unit_test(test_find_next),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
