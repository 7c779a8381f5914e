/* SPDX-License-Identifier: MIT */
/*
 * slab.h - the one door for pagelab's own metadata: mm_structs, VMAs,
 * anon_vmas and their chains, page-table locks, shared-memory objects, the
 * balloon host's and channel's connections, daemons' state. They come from
 * the C heap (pagelab has no slab allocator) and are freed with free();
 * going through kmalloc() and friends gives every such allocation one
 * fault-injection counter (fail-nth, core/fault_inject.h), so a test can
 * fail the Nth of them and watch the caller cope.
 *
 * Deviation from Linux: no gfp argument (nothing here sleeps or reclaims;
 * the only policy is injection). The macros pass the caller's name, which
 * fail_nth_fired() reports.
 */
#ifndef PAGELAB_CORE_SLAB_H
#define PAGELAB_CORE_SLAB_H

#include <stddef.h>

void *__kmalloc(size_t size, const char *site);
void *__kzalloc(size_t size, const char *site);
void *__kcalloc(size_t n, size_t size, const char *site);
void *__krealloc(void *p, size_t size, const char *site);
char *__kstrdup(const char *s, const char *site);

#define kmalloc(size)		__kmalloc(size, __func__)
#define kzalloc(size)		__kzalloc(size, __func__)
#define kcalloc(n, size)	__kcalloc(n, size, __func__)
#define krealloc(p, size)	__krealloc(p, size, __func__)
#define kstrdup(s)		__kstrdup(s, __func__)

#endif /* PAGELAB_CORE_SLAB_H */
