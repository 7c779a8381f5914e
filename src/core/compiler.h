/* SPDX-License-Identifier: MIT */
/*
 * compiler.h - the small kernel vocabulary pagelab is written in.
 *
 * READ_ONCE/WRITE_ONCE are relaxed atomic accesses (so ThreadSanitizer
 * sees the same data-race rules the kernel's LKMM documents), plus
 * container_of, likely/unlikely and the bit helpers used by page flags.
 */
#ifndef PAGELAB_COMPILER_H
#define PAGELAB_COMPILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define likely(x)	__builtin_expect(!!(x), 1)
#define unlikely(x)	__builtin_expect(!!(x), 0)
#define __maybe_unused	__attribute__((unused))
#define __cacheline_aligned __attribute__((aligned(64)))

#define READ_ONCE(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)

#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define BIT(n)			(1UL << (n))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define ALIGN_DOWN(x, a)	((x) & ~((typeof(x))(a) - 1))
#define ALIGN(x, a)		ALIGN_DOWN((x) + (a) - 1, (a))
#define IS_ALIGNED(x, a)	(((x) & ((typeof(x))(a) - 1)) == 0)
#define min(a, b)		((a) < (b) ? (a) : (b))
#define max(a, b)		((a) > (b) ? (a) : (b))
#define clamp(v, lo, hi)	min(max((v), (lo)), (hi))

#define BUILD_BUG_ON(cond)	_Static_assert(!(cond), #cond)

#endif /* PAGELAB_COMPILER_H */
