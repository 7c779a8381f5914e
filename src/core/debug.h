/* SPDX-License-Identifier: MIT */
/*
 * debug.h - pagelab's assertion tiers.
 *
 *   BUG_ON(c), WARN_ON_ONCE(c)          always on, in every build;
 *   VM_BUG_ON(c), VM_BUG_ON_PAGE(c, p), VM_WARN_ON_ONCE_PAGE(c, p)
 *                                       PAGELAB_DEBUG >= 1; the _PAGE forms
 *                                       print dump_page() first;
 *   VM_EXPENSIVE(validator-expression)  PAGELAB_DEBUG >= 2: whole-structure
 *                                       validators (free lists, frames).
 *
 * A disabled assertion still type-checks its argument but never evaluates it.
 */
#ifndef PAGELAB_DEBUG_H
#define PAGELAB_DEBUG_H

#include "core/compiler.h"

#ifndef PAGELAB_DEBUG
#define PAGELAB_DEBUG 0
#endif

struct page;

void pagelab_bug(const char *file, int line, const char *cond) __attribute__((noreturn));
void pagelab_warn(const char *file, int line, const char *cond);
void dump_page(const struct page *page, const char *reason);

#define BUG() pagelab_bug(__FILE__, __LINE__, "BUG")
#define BUG_ON(cond)							\
	do {								\
		if (unlikely(cond))					\
			pagelab_bug(__FILE__, __LINE__, #cond);		\
	} while (0)

#define WARN_ON_ONCE(cond) ({						\
	static bool __warned;						\
	bool __c = !!(cond);						\
	if (unlikely(__c) && !__atomic_exchange_n(&__warned, true, __ATOMIC_RELAXED)) \
		pagelab_warn(__FILE__, __LINE__, #cond);		\
	unlikely(__c);							\
})

#define __NOT_EVALUATED(e) ((void)sizeof(!!(e)))

#if PAGELAB_DEBUG >= 1
#define VM_BUG_ON(cond) BUG_ON(cond)
#define VM_BUG_ON_PAGE(cond, page)					\
	do {								\
		if (unlikely(cond)) {					\
			dump_page(page, "VM_BUG_ON_PAGE(" #cond ")");	\
			pagelab_bug(__FILE__, __LINE__, #cond);		\
		}							\
	} while (0)
#define VM_WARN_ON_ONCE_PAGE(cond, page) ({				\
	static bool __warned;						\
	bool __c = !!(cond);						\
	if (unlikely(__c) && !__atomic_exchange_n(&__warned, true, __ATOMIC_RELAXED)) { \
		dump_page(page, "VM_WARN_ON_ONCE_PAGE(" #cond ")");	\
		pagelab_warn(__FILE__, __LINE__, #cond);		\
	}								\
	unlikely(__c);							\
})
#else
#define VM_BUG_ON(cond) __NOT_EVALUATED(cond)
#define VM_BUG_ON_PAGE(cond, page) __NOT_EVALUATED((cond) && (page))
#define VM_WARN_ON_ONCE_PAGE(cond, page) ({ __NOT_EVALUATED((cond) && (page)); false; })
#endif

#if PAGELAB_DEBUG >= 2
#define VM_EXPENSIVE(validator) BUG_ON(!(validator))
#else
#define VM_EXPENSIVE(validator) __NOT_EVALUATED(validator)
#endif

#endif /* PAGELAB_DEBUG_H */
