/* SPDX-License-Identifier: MIT */
/*
 * slab.c - kmalloc() and friends: pagelab's metadata allocations, each a
 * fail-nth point (see slab.h). A failed call returns NULL as malloc()
 * would, and leaves @p of krealloc() as it was.
 */
#include <stdlib.h>
#include <string.h>
#include "core/fault_inject.h"
#include "core/slab.h"

/** __kmalloc() - malloc(@size), or NULL; kmalloc() names the caller @site. */
void *__kmalloc(size_t size, const char *site)
{
	return should_fail_nth(site) ? NULL : malloc(size);
}

/** __kzalloc() - zeroed @size bytes, or NULL. */
void *__kzalloc(size_t size, const char *site)
{
	return should_fail_nth(site) ? NULL : calloc(1, size);
}

/** __kcalloc() - @n zeroed elements of @size bytes, or NULL (also on overflow). */
void *__kcalloc(size_t n, size_t size, const char *site)
{
	return should_fail_nth(site) ? NULL : calloc(n, size);
}

/** __krealloc() - realloc(@p, @size), or NULL with @p untouched. */
void *__krealloc(void *p, size_t size, const char *site)
{
	return should_fail_nth(site) ? NULL : realloc(p, size);
}

/** __kstrdup() - a copy of @s, or NULL. */
char *__kstrdup(const char *s, const char *site)
{
	return should_fail_nth(site) ? NULL : strdup(s);
}
