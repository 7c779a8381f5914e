/* SPDX-License-Identifier: MIT */
/*
 * machine.c - boot and tear down the simulated machine.
 *
 * Boot follows the kernel's order: validate the geometry, create the RAM
 * (the balloon host's memfd: a host thread of this process, or the
 * `pagelab host` balloon_connect() reached), initialise one struct page
 * per frame (memmap_init), set up node 0 and its zone with free lists,
 * pageblock flags (all MIGRATE_MOVABLE, as memmap_init_zone leaves them)
 * and per-cpu lists, compute the watermarks, then free every frame into
 * the buddy allocator (memblock_free_all).
 * The shared zero page is one extra frame after the zone, reserved, as the
 * kernel's lives in reserved memory outside the buddy allocator. The last
 * step probes the balloon driver (src/balloon/virtio_balloon.c).
 * Nothing is reserved: the mem_map lives outside the arena, so every frame
 * of the arena is usable memory (a documented deviation).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "balloon/channel.h"
#include "balloon/virtio_balloon.h"
#include "compact/compaction.h"
#include "vm/mm.h"

struct machine machine = { .memfd = -1 };
struct page *mem_map;
unsigned int max_page_order;
unsigned int pageblock_order;
unsigned int nr_cpu_ids;
struct pglist_data contig_page_data;
static bool machine_live;

#define MACHINE_MEMORY_MAX (64ULL << 30)

/**
 * machine_validate_config() - check a machine's geometry.
 * @msg: receives a one-line reason on failure.
 * Return: 0, or -EINVAL with @msg set.
 */
int machine_validate_config(const struct machine_config *cfg, char *msg, size_t len)
{
	if (cfg->max_order < 1 || cfg->max_order > MAX_PAGE_ORDER_CAP)
		snprintf(msg, len, "max_order=%u is out of range (1..%d)", cfg->max_order,
			 MAX_PAGE_ORDER_CAP);
	else if (cfg->pageblock_order < 1 || cfg->pageblock_order > cfg->max_order)
		snprintf(msg, len, "pageblock_order=%u is out of range (1..max_order=%u)",
			 cfg->pageblock_order, cfg->max_order);
	else if (cfg->cpus < 1 || cfg->cpus > VM_EVENT_CPUS_CAP)
		snprintf(msg, len, "cpus=%u is out of range (1..%d)", cfg->cpus,
			 VM_EVENT_CPUS_CAP);
	else if (cfg->memory_bytes == 0 || cfg->memory_bytes > MACHINE_MEMORY_MAX)
		snprintf(msg, len, "memory=%llu bytes is out of range (one pageblock..64G)",
			 (unsigned long long)cfg->memory_bytes);
	else if (cfg->memory_bytes % (PAGE_SIZE << cfg->pageblock_order))
		snprintf(msg, len, "memory=%llu bytes is not a multiple of the pageblock size (%lu KiB)",
			 (unsigned long long)cfg->memory_bytes,
			 (PAGE_SIZE << cfg->pageblock_order) >> 10);
	else
		return 0;
	return -EINVAL;
}

static void zone_init(struct zone *zone, unsigned long start_pfn, unsigned long pages)
{
	zone->name = "Normal";
	zone->zone_pgdat = &contig_page_data;
	zone->zone_start_pfn = start_pfn;
	zone->spanned_pages = pages;
	zone->present_pages = pages;
	zone->managed_pages = pages;
	spin_lock_init(&zone->lock, LOCK_CLASS_ZONE);
	zone_init_free_lists(zone);
	compaction_zone_init(zone);
}

static int zone_setup(struct zone *zone)
{
	int err = pageblock_flags_alloc(zone);

	if (err)
		return err;
	for (unsigned long pfn = zone->zone_start_pfn; pfn < zone_end_pfn(zone);
	     pfn += pageblock_nr_pages)
		set_pageblock_migratetype(pfn_to_page(pfn), MIGRATE_MOVABLE);
	return setup_zone_pageset(zone);
}

static int memmap_init(void)
{
	mem_map = aligned_alloc(64, (machine.max_pfn + 1) * sizeof(struct page));
	if (!mem_map)
		return -ENOMEM;
	for (unsigned long pfn = 0; pfn <= machine.max_pfn; pfn++)
		init_page_struct(pfn_to_page(pfn), ZONE_NORMAL);
	return page_owner_init();
}

/**
 * machine_init() - boot a machine with geometry @cfg.
 *
 * Context: single-threaded; no machine may exist.
 * Return: 0; -EBUSY if a machine exists; -EINVAL for a bad @cfg; -ENOMEM
 * or another errno if the arena or the mem_map cannot be created.
 */
int machine_init(const struct machine_config *cfg)
{
	char msg[160];
	int err, memfd;

	if (machine_live)
		return -EBUSY;
	if (machine_validate_config(cfg, msg, sizeof(msg)))
		return -EINVAL;
	max_page_order = cfg->max_order;
	pageblock_order = cfg->pageblock_order;
	nr_cpu_ids = cfg->cpus;
	memset(&contig_page_data, 0, sizeof(contig_page_data));
	vm_events_reset();
	err = balloon_device_create(cfg, &memfd);
	if (err)
		return err;
	err = arena_create(cfg->memory_bytes + PAGE_SIZE, memfd);
	if (err) {
		balloon_device_destroy();
		return err;
	}
	machine.memory_bytes = cfg->memory_bytes;
	machine.max_pfn = cfg->memory_bytes >> PAGE_SHIFT;
	err = memmap_init();
	if (err)
		goto fail;

	contig_page_data.nr_zones = MAX_NR_ZONES;
	lruvec_init(&contig_page_data.__lruvec);
	contig_page_data.node_present_pages = machine.max_pfn;
	contig_page_data.node_spanned_pages = machine.max_pfn;
	zone_init(&contig_page_data.node_zones[ZONE_NORMAL], 0, machine.max_pfn);
	err = zone_setup(&contig_page_data.node_zones[ZONE_NORMAL]);
	if (err)
		goto fail;
	machine_live = true;
	init_per_zone_wmark_min();
	compaction_sysctl_reset();
	memblock_free_all();
	zero_page_init(pfn_to_page(machine.max_pfn));
	err = balloon_core_init();
	if (!err)
		err = kcompactd_run(&contig_page_data, !cfg->deterministic);
	if (!err)
		err = virtio_balloon_probe(!cfg->deterministic);
	if (err)
		goto fail;
	return 0;
fail:
	machine_live = true;
	machine_exit();
	return err;
}

/**
 * machine_exit() - free everything machine_init() built.
 * Context: single-threaded; every thread using the machine has stopped.
 */
void machine_exit(void)
{
	struct zone *zone;

	if (!machine_live)
		return;
	kcompactd_stop(&contig_page_data);
	virtio_balloon_remove();
	for (zone = contig_page_data.node_zones;
	     zone < contig_page_data.node_zones + MAX_NR_ZONES; zone++) {
		free_zone_pageset(zone);
		pageblock_flags_free(zone);
		if (zone->name)
			spin_lock_destroy(&zone->lock);
	}
	spin_lock_destroy(&contig_page_data.__lruvec.lru_lock);
	page_owner_exit();
	free(mem_map);
	mem_map = NULL;
	arena_destroy();
	balloon_device_destroy();
	memset(&contig_page_data, 0, sizeof(contig_page_data));
	machine.max_pfn = 0;
	machine.memory_bytes = 0;
	machine_live = false;
}

/** machine_exists() - is a machine booted in this process? */
bool machine_exists(void)
{
	return machine_live;
}
