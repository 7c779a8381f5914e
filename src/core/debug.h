/* SPDX-License-Identifier: MIT */
/*
 * debug.h - pagelab's assertion tiers.
 *
 *   BUG_ON(c), WARN_ON_ONCE(c)          always on, in every build;
 *   VM_BUG_ON(c), VM_BUG_ON_PAGE(c, p), VM_WARN_ON_ONCE_PAGE(c, p)
 *                                       PAGELAB_DEBUG >= 1; the _PAGE forms
 *                                       print dump_page() first;
 *   VM_EXPENSIVE(validator, args...)    PAGELAB_DEBUG >= 2: calls a
 *                                       per-structure validator and BUGs
 *                                       with its reason if it fails.
 *
 * A disabled assertion still type-checks its argument but never evaluates it.
 *
 * Validators (docs/design.md lists them) share one shape:
 *   bool name_valid(args..., char *msg, size_t len)
 * true when the structure is valid; otherwise false with a one-line reason
 * in @msg. Each is called with its structure's lock held (its kernel-doc
 * Context says which), so it checks only what that lock keeps stable.
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
bool validation_failed(char *msg, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void pagelab_validator_failed(const char *file, int line, const char *validator,
			      const char *msg) __attribute__((noreturn));

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

#define VM_VALIDATOR_MSG_LEN 256

#if PAGELAB_DEBUG >= 2
#define VM_EXPENSIVE(validator, ...)					\
	do {								\
		char __msg[VM_VALIDATOR_MSG_LEN] = "";			\
		if (unlikely(!validator(__VA_ARGS__, __msg, sizeof(__msg)))) \
			pagelab_validator_failed(__FILE__, __LINE__, #validator, __msg); \
	} while (0)
#else
#define VM_EXPENSIVE(validator, ...)					\
	__NOT_EVALUATED(validator(__VA_ARGS__, (char *)NULL, (size_t)0))
#endif

#endif /* PAGELAB_DEBUG_H */
