/* SPDX-License-Identifier: MIT */
/* zsmalloc.h - the built-in movable_ops driver (see zsmalloc.c). */
#ifndef PAGELAB_ZSMALLOC_H
#define PAGELAB_ZSMALLOC_H

#include "internal.h"

struct zs_pool;

struct zs_pool *zs_create_pool(const char *name);
void zs_destroy_pool(struct zs_pool *pool);
long zs_malloc(struct zs_pool *pool, gfp_t gfp);
void zs_free(struct zs_pool *pool, unsigned long handle);
void *zs_map_object(struct zs_pool *pool, unsigned long handle);
void zs_unmap_object(struct zs_pool *pool, unsigned long handle);
struct page *zs_handle_page(struct zs_pool *pool, unsigned long handle);

#endif /* PAGELAB_ZSMALLOC_H */
