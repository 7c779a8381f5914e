/* SPDX-License-Identifier: MIT */
/*
 * machine.c - the machine's globals: the arena, the mem_map, the geometry
 * and node 0 (kernel: mem_map, contig_page_data, MAX_PAGE_ORDER,
 * pageblock_order, nr_cpu_ids). machine/boot.c fills them in at boot and
 * clears them at shutdown; every layer reads them.
 */
#include "core/core.h"

struct machine machine = { .memfd = -1 };
struct page *mem_map;
unsigned int max_page_order;
unsigned int pageblock_order;
unsigned int nr_cpu_ids;
struct pglist_data contig_page_data;
