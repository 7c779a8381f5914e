/* SPDX-License-Identifier: MIT */
/*
 * fail_page_alloc.c - fault injection into the page allocator, as Linux's
 * mm/fail_page_alloc.c: alloc_pages() asks should_fail_alloc_page() first,
 * and a "yes" returns NULL before the free lists are touched.
 *
 * The attributes are the kernel's debugfs files, with its names (dashes or
 * underscores) and defaults: probability 0, interval 1, times 1, space 0,
 * verbose 2, ignore-gfp-wait Y, ignore-gfp-highmem Y, min-order 1. The
 * filters run first, then lib/fault-inject's decision (core/fault_inject.c).
 * Every attribute is an atomic: no lock; a knob may change while other
 * threads allocate. boot resets them (fail_page_alloc_reset()).
 */
#include <string.h>
#include "internal.h"
#include "core/fault_inject.h"

static struct fault_attr fail_page_alloc_attr = FAULT_ATTR_INITIALIZER("fail_page_alloc");
static bool ignore_gfp_highmem = true;
static bool ignore_gfp_reclaim = true;
static unsigned int min_order = 1;

/**
 * fail_page_alloc_reset() - every attribute back to the kernel's default.
 * Context: machine boot.
 */
void fail_page_alloc_reset(void)
{
	struct fault_attr dflt = FAULT_ATTR_INITIALIZER("fail_page_alloc");

	fail_page_alloc_attr = dflt;
	ignore_gfp_highmem = true;
	ignore_gfp_reclaim = true;
	min_order = 1;
}

/**
 * should_fail_alloc_page() - must this allocation fail by injection?
 * Context: alloc_pages(), any thread; lock-free.
 * Return: true to make the allocation return NULL.
 */
bool should_fail_alloc_page(gfp_t gfp, unsigned int order)
{
	if (order < READ_ONCE(min_order))
		return false;
	if (gfp & __GFP_NOFAIL)
		return false;
	if (READ_ONCE(ignore_gfp_highmem) && (gfp & __GFP_HIGHMEM))
		return false;
	if (READ_ONCE(ignore_gfp_reclaim) && (gfp & __GFP_DIRECT_RECLAIM))
		return false;
	return should_fail_ex(&fail_page_alloc_attr, 1L << order,
			      gfp & __GFP_NOWARN ? FAULT_NOWARN : 0);
}

enum fpa_kind { FPA_ULONG, FPA_LONG, FPA_BOOL, FPA_UINT };

/* One attribute: its names, where it lives, and its range. */
struct fpa_attr {
	const char *name;	/* the debugfs file's name */
	const char *alias;	/* the same with underscores, or NULL */
	enum fpa_kind kind;
	void *ptr;
	long min, max;
};

static const struct fpa_attr fpa_attrs[] = {
	{ "probability", NULL, FPA_ULONG, &fail_page_alloc_attr.probability, 0, 100 },
	{ "interval", NULL, FPA_ULONG, &fail_page_alloc_attr.interval, 0, LONG_MAX },
	{ "times", NULL, FPA_LONG, &fail_page_alloc_attr.times, -1, INT_MAX },
	{ "space", NULL, FPA_LONG, &fail_page_alloc_attr.space, 0, INT_MAX },
	{ "verbose", NULL, FPA_ULONG, &fail_page_alloc_attr.verbose, 0, 2 },
	{ "ignore-gfp-wait", "ignore_gfp_wait", FPA_BOOL, &ignore_gfp_reclaim, 0, 1 },
	{ "ignore-gfp-highmem", "ignore_gfp_highmem", FPA_BOOL, &ignore_gfp_highmem, 0, 1 },
	{ "min-order", "min_order", FPA_UINT, &min_order, 0, MAX_PAGE_ORDER_CAP + 1 },
};

static const struct fpa_attr *fpa_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(fpa_attrs); i++)
		if (!strcmp(name, fpa_attrs[i].name) ||
		    (fpa_attrs[i].alias && !strcmp(name, fpa_attrs[i].alias)))
			return &fpa_attrs[i];
	return NULL;
}

/**
 * fail_page_alloc_attr_range() - the range of attribute @name.
 * Context: any. Return: 0, or -ENOENT for an unknown attribute.
 */
int fail_page_alloc_attr_range(const char *name, long *min, long *max)
{
	const struct fpa_attr *a = fpa_find(name);

	if (!a)
		return -ENOENT;
	*min = a->min;
	*max = a->max;
	return 0;
}

/**
 * fail_page_alloc_set() - write attribute @name, as its debugfs file.
 * Context: any thread. Return: 0, -ENOENT for an unknown attribute,
 * -EINVAL for a value out of its range.
 */
int fail_page_alloc_set(const char *name, long value)
{
	const struct fpa_attr *a = fpa_find(name);

	if (!a)
		return -ENOENT;
	if (value < a->min || value > a->max)
		return -EINVAL;
	switch (a->kind) {
	case FPA_ULONG:	WRITE_ONCE(*(unsigned long *)a->ptr, (unsigned long)value); break;
	case FPA_LONG:	WRITE_ONCE(*(long *)a->ptr, value); break;
	case FPA_BOOL:	WRITE_ONCE(*(bool *)a->ptr, value != 0); break;
	case FPA_UINT:	WRITE_ONCE(*(unsigned int *)a->ptr, (unsigned int)value); break;
	}
	return 0;
}

/**
 * fail_page_alloc_get() - read attribute @name (times counts down).
 * Context: any thread. Return: 0, or -ENOENT for an unknown attribute.
 */
int fail_page_alloc_get(const char *name, long *value)
{
	const struct fpa_attr *a = fpa_find(name);

	if (!a)
		return -ENOENT;
	switch (a->kind) {
	case FPA_ULONG:	*value = (long)READ_ONCE(*(unsigned long *)a->ptr); break;
	case FPA_LONG:	*value = READ_ONCE(*(long *)a->ptr); break;
	case FPA_BOOL:	*value = READ_ONCE(*(bool *)a->ptr); break;
	case FPA_UINT:	*value = READ_ONCE(*(unsigned int *)a->ptr); break;
	}
	return 0;
}
