/* SPDX-License-Identifier: MIT */
/*
 * machine.h - the simulated machine: its memory arena, the mem_map of
 * struct pages that describes it, and its CPUs.
 *
 * Like the kernel, pagelab keeps its memory-management state in globals
 * (mem_map, contig_page_data, vm_event_states): internal code reads as
 * kernel code does (pfn_to_page(pfn), alloc_pages(gfp, order)). So there is
 * at most one machine per process; pagelab_machine_create() fails with
 * -EBUSY while another one lives. The globals are defined in
 * core/machine.c and set up by the boot steps of machine/boot.c.
 */
#ifndef PAGELAB_MACHINE_H
#define PAGELAB_MACHINE_H

#include <stdint.h>
#include "core/mmzone.h"

struct machine {
	uint64_t memory_bytes;		/* RAM the zone manages */
	uint64_t arena_bytes;		/* RAM plus the reserved zero page */
	int memfd;			/* the arena, shareable with a host */
	unsigned char *arena;		/* PFN_PHYS(pfn) bytes in */
	unsigned long max_pfn;		/* frames: pfns are 0 .. max_pfn-1 */
	/* pfn max_pfn is the shared zero page: reserved, outside every zone */
	bool live;			/* booted (machine/boot.c sets it) */
};

extern struct machine machine;
extern struct page *mem_map;		/* one struct page per frame */

/* Is a machine booted in this process? */
static inline bool machine_exists(void)
{
	return machine.live;
}

static inline struct page *pfn_to_page(unsigned long pfn)
{
	return mem_map + pfn;
}

static inline unsigned long page_to_pfn(const struct page *page)
{
	return page - mem_map;
}

static inline bool pfn_valid(unsigned long pfn)
{
	return pfn < machine.max_pfn;
}

static inline void *page_address(const struct page *page)
{
	return machine.arena + PFN_PHYS(page_to_pfn(page));
}

static inline struct zone *page_zone(const struct page *page)
{
	unsigned long zid = (READ_ONCE(page->flags) >> ZONES_PGSHIFT) & ZONES_MASK;

	return &contig_page_data.node_zones[zid];
}

static inline void set_page_zone(struct page *page, enum zone_type zone)
{
	page->flags &= ~(ZONES_MASK << ZONES_PGSHIFT);
	page->flags |= (unsigned long)zone << ZONES_PGSHIFT;
}

#endif /* PAGELAB_MACHINE_H */
