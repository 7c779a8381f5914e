/* SPDX-License-Identifier: MIT */
/*
 * bitmap.h - bit operations on arrays of unsigned long, and bitmaps of any
 * length: the parts of the kernel's bitops.h, bitmap.h and find.h that
 * pagelab uses (page flags, the balloon checker's pfn set, the host's
 * inflated set).
 *
 * Bit @nr lives in word BIT_WORD(nr), as in the kernel. set_bit() and
 * clear_bit() are relaxed atomic read-modify-writes, the test_and_ ones
 * full barriers. The __ variants are for a word no other thread writes at
 * the same time; they still use relaxed atomic accesses, so a racing
 * speculative reader (compaction's scanner reading page flags) is not a
 * data race in the C11 sense. The find functions read plainly: the bitmap
 * must not change under them.
 *
 * Deviation: bitmap_zalloc() takes no gfp flags (it is calloc()).
 */
#ifndef PAGELAB_BITMAP_H
#define PAGELAB_BITMAP_H

#include <stdlib.h>
#include <string.h>
#include "core/compiler.h"

#define BITS_PER_LONG		64
BUILD_BUG_ON(sizeof(unsigned long) * 8 != BITS_PER_LONG);
#define BIT_WORD(nr)		((nr) / BITS_PER_LONG)
#define BIT_MASK(nr)		BIT((nr) % BITS_PER_LONG)
#define BITS_TO_LONGS(nr)	DIV_ROUND_UP(nr, BITS_PER_LONG)

static inline bool test_bit(unsigned long nr, const unsigned long *addr)
{
	return __atomic_load_n(&addr[BIT_WORD(nr)], __ATOMIC_RELAXED) & BIT_MASK(nr);
}

static inline void set_bit(unsigned long nr, unsigned long *addr)
{
	__atomic_fetch_or(&addr[BIT_WORD(nr)], BIT_MASK(nr), __ATOMIC_RELAXED);
}

static inline void clear_bit(unsigned long nr, unsigned long *addr)
{
	__atomic_fetch_and(&addr[BIT_WORD(nr)], ~BIT_MASK(nr), __ATOMIC_RELAXED);
}

static inline bool test_and_set_bit(unsigned long nr, unsigned long *addr)
{
	return __atomic_fetch_or(&addr[BIT_WORD(nr)], BIT_MASK(nr), __ATOMIC_SEQ_CST) &
	       BIT_MASK(nr);
}

static inline bool test_and_clear_bit(unsigned long nr, unsigned long *addr)
{
	return __atomic_fetch_and(&addr[BIT_WORD(nr)], ~BIT_MASK(nr), __ATOMIC_SEQ_CST) &
	       BIT_MASK(nr);
}

static inline void __set_bit(unsigned long nr, unsigned long *addr)
{
	WRITE_ONCE(addr[BIT_WORD(nr)], READ_ONCE(addr[BIT_WORD(nr)]) | BIT_MASK(nr));
}

static inline void __clear_bit(unsigned long nr, unsigned long *addr)
{
	WRITE_ONCE(addr[BIT_WORD(nr)], READ_ONCE(addr[BIT_WORD(nr)]) & ~BIT_MASK(nr));
}

/* Set bit @nr if @value, else clear it (non-atomically, as __set_bit()). */
static inline void __assign_bit(unsigned long nr, unsigned long *addr, bool value)
{
	if (value)
		__set_bit(nr, addr);
	else
		__clear_bit(nr, addr);
}

/* A bitmap of @nbits bits, all clear; NULL if out of memory. */
static inline unsigned long *bitmap_zalloc(unsigned long nbits)
{
	return calloc(BITS_TO_LONGS(nbits), sizeof(unsigned long));
}

static inline void bitmap_free(unsigned long *bitmap)
{
	free(bitmap);
}

static inline void bitmap_zero(unsigned long *dst, unsigned long nbits)
{
	memset(dst, 0, BITS_TO_LONGS(nbits) * sizeof(unsigned long));
}

/* The first bit at or after @offset that is @set, or @size if none is. */
static inline unsigned long bitmap_find_next(const unsigned long *addr, unsigned long size,
					     unsigned long offset, bool set)
{
	while (offset < size) {
		unsigned long word = set ? addr[BIT_WORD(offset)] : ~addr[BIT_WORD(offset)];
		unsigned long base = offset - offset % BITS_PER_LONG;

		word &= ~0UL << (offset % BITS_PER_LONG);
		if (word)
			return min(base + __builtin_ctzl(word), size);
		offset = base + BITS_PER_LONG;
	}
	return size;
}

/* The first set bit of the @size-bit bitmap at or after @offset, or @size. */
static inline unsigned long find_next_bit(const unsigned long *addr, unsigned long size,
					  unsigned long offset)
{
	return bitmap_find_next(addr, size, offset, true);
}

/* The first clear bit of the @size-bit bitmap at or after @offset, or @size. */
static inline unsigned long find_next_zero_bit(const unsigned long *addr, unsigned long size,
					       unsigned long offset)
{
	return bitmap_find_next(addr, size, offset, false);
}

#endif /* PAGELAB_BITMAP_H */
