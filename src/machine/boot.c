/* SPDX-License-Identifier: MIT */
/*
 * boot.c - boot and shut down the simulated machine, as one ordered table
 * of steps.
 *
 * Each step has an init and (where it builds something) an exit. Boot runs
 * the inits in order; if one fails, the exits of the steps that succeeded
 * run in reverse, and nothing else: a step that never started is never
 * torn down. Shutdown is the same unwinding from the last step. A new
 * subsystem is one new row of boot_steps[].
 *
 * The order is the kernel's: the geometry, the RAM (the balloon host's
 * memfd: a host thread of this process, or the `pagelab host` that
 * balloon_connect() reached), one struct page per frame (memmap_init:
 * only the first section's with deferred struct page init),
 * page_owner, node 0's LRU, the zone with its free lists, pageblock flags
 * (all MIGRATE_MOVABLE, as memmap_init_zone leaves them) and per-cpu lists,
 * the watermarks, then every frame into the buddy allocator
 * (memblock_free_all), then the deferred struct pages (deferred_init_memmap
 * and page_alloc_init_late). The shared zero page is one extra frame after the
 * zone, reserved, as the kernel's lives in reserved memory outside the
 * buddy allocator. The hugetlb pool starts empty (hugetlb_init); its exit
 * gives every pool page back to the buddy. The daemons (kcompactd, ksmd) and the balloon driver
 * come last.
 * Nothing is reserved: the mem_map lives outside the arena, so every frame
 * of the arena is usable memory (a documented deviation).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "compact/compaction.h"
#include "drivers/channel.h"
#include "drivers/virtio_balloon.h"
#include "ksm/ksm.h"
#include "machine/machine.h"
#include "vm/huge_mm.h"
#include "vm/hugetlb.h"

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
	else if ((unsigned int)cfg->deferred_init > DEFERRED_INIT_OFF)
		snprintf(msg, len, "deferred_init=%d is out of range (wait, background, off)",
			 (int)cfg->deferred_init);
	else if (cfg->memory_bytes % (PAGE_SIZE << cfg->pageblock_order))
		snprintf(msg, len, "memory=%llu bytes is not a multiple of the pageblock size (%lu KiB)",
			 (unsigned long long)cfg->memory_bytes,
			 (PAGE_SIZE << cfg->pageblock_order) >> 10);
	else
		return 0;
	return -EINVAL;
}

static struct zone *normal_zone(void)
{
	return &contig_page_data.node_zones[ZONE_NORMAL];
}

static int geometry_init(const struct machine_config *cfg)
{
	max_page_order = cfg->max_order;
	pageblock_order = cfg->pageblock_order;
	nr_cpu_ids = cfg->cpus;
	memset(&contig_page_data, 0, sizeof(contig_page_data));
	contig_page_data.nr_zones = MAX_NR_ZONES;
	machine.memory_bytes = cfg->memory_bytes;
	machine.max_pfn = cfg->memory_bytes >> PAGE_SHIFT;
	vm_events_reset();
	return 0;
}

static void geometry_exit(void)
{
	memset(&contig_page_data, 0, sizeof(contig_page_data));
	machine.max_pfn = 0;
	machine.memory_bytes = 0;
}

/* The RAM: the balloon device's memfd (plus the zero page's frame), mapped. */
static int ram_init(const struct machine_config *cfg)
{
	int memfd, err;

	err = balloon_device_create(cfg->memory_bytes, cfg->balloon_free_page_reporting, &memfd);
	if (err)
		return err;
	err = arena_create(cfg->memory_bytes + PAGE_SIZE, memfd);
	if (err)
		balloon_device_destroy();
	return err;
}

static void ram_exit(void)
{
	arena_destroy();
	balloon_device_destroy();
}

static size_t memmap_bytes(void)
{
	return (machine.max_pfn + 1) * sizeof(struct page);
}

/*
 * The mem_map: an anonymous mapping, so the struct pages deferred init has
 * not reached cost no memory. (Not in transparent huge pages: the host's
 * huge page faults made a full init twice as slow here.) Boot initialises
 * the first section (or everything, with deferral off) and the zero page's.
 */
static int memmap_init(const struct machine_config *cfg)
{
	unsigned long boot_end;
	void *map = mmap(NULL, memmap_bytes(), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (map == MAP_FAILED)
		return -ENOMEM;
	mem_map = map;
	boot_end = deferred_init_setup(&contig_page_data, machine.max_pfn,
				       cfg->deferred_init != DEFERRED_INIT_OFF);
	memmap_init_range(0, boot_end, ZONE_NORMAL);
	init_page_struct(pfn_to_page(machine.max_pfn), ZONE_NORMAL);
	return 0;
}

static void memmap_exit(void)
{
	deferred_init_teardown(&contig_page_data);
	munmap(mem_map, memmap_bytes());
	mem_map = NULL;
}

static int page_owner_step_init(const struct machine_config *cfg)
{
	return page_owner_init();
}

static int lru_init(const struct machine_config *cfg)
{
	lruvec_init(&contig_page_data.__lruvec);
	return 0;
}

static void lru_exit(void)
{
	lruvec_exit(&contig_page_data.__lruvec);
}

static int zone_init(const struct machine_config *cfg)
{
	struct zone *zone = normal_zone();
	int err;

	zone->zone_pgdat = &contig_page_data;
	zone->zone_start_pfn = 0;
	zone->spanned_pages = machine.max_pfn;
	zone->present_pages = machine.max_pfn;
	/* Deferred struct pages are managed once deferred init frees them. */
	zone->managed_pages = pgdat_init_end_pfn(&contig_page_data);
	err = pageblock_flags_alloc(zone);
	if (err) {
		memset(zone, 0, sizeof(*zone));
		return err;
	}
	zone->name = "Normal";
	contig_page_data.node_present_pages = machine.max_pfn;
	contig_page_data.node_spanned_pages = machine.max_pfn;
	spin_lock_init(&zone->lock, LOCK_CLASS_ZONE);
	zone_init_free_lists(zone);
	compaction_zone_init(zone);
	for (unsigned long pfn = zone->zone_start_pfn; pfn < zone_end_pfn(zone);
	     pfn += pageblock_nr_pages)
		set_pageblock_migratetype(pfn_to_page(pfn), MIGRATE_MOVABLE);
	return 0;
}

static void zone_exit(void)
{
	struct zone *zone = normal_zone();

	spin_lock_destroy(&zone->lock);
	pageblock_flags_free(zone);
	zone->name = NULL;
}

static int pageset_init(const struct machine_config *cfg)
{
	refresh_zone_stat_thresholds();
	return setup_zone_pageset(normal_zone());
}

static void pageset_exit(void)
{
	free_zone_pageset(normal_zone());
}

/* The watermarks, and every knob a run may change back to its default. */
static int knobs_init(const struct machine_config *cfg)
{
	init_per_zone_wmark_min();
	compaction_sysctl_reset();
	fail_page_alloc_reset();
	return 0;
}

/* From here on the machine is live: the buddy allocator has every frame. */
static int buddy_init(const struct machine_config *cfg)
{
	machine.live = true;
	memblock_free_all();
	zero_page_init(pfn_to_page(machine.max_pfn));
	return 0;
}

static void buddy_exit(void)
{
	machine.live = false;
}

/*
 * The rest of the struct pages (alloc/mm_init.c): the pgdatinit helpers,
 * or the same job on this thread in a deterministic machine; boot waits
 * for it (page_alloc_init_late()) unless it is to go on in the background.
 */
static int deferred_init_step_init(const struct machine_config *cfg)
{
	struct pglist_data *pgdat = &contig_page_data;

	if (cfg->deferred_init == DEFERRED_INIT_OFF)
		return 0;
	if (cfg->deterministic) {
		if (cfg->deferred_init == DEFERRED_INIT_WAIT)
			deferred_init_memmap_sync(pgdat);
		return 0;
	}
	if (deferred_init_memmap(pgdat))
		deferred_init_memmap_sync(pgdat);
	if (cfg->deferred_init == DEFERRED_INIT_WAIT)
		page_alloc_init_late();
	return 0;
}

static int balloon_core_step_init(const struct machine_config *cfg)
{
	return balloon_core_init();
}

static int hugetlb_step_init(const struct machine_config *cfg)
{
	return hugetlb_init();
}

/* THP's knobs at their boot defaults, which depend on the machine's RAM. */
static int thp_step_init(const struct machine_config *cfg)
{
	struct zone *zone;
	unsigned long pages = 0;

	for_each_populated_zone(zone)
		pages += zone_managed_pages(zone);
	thp_knobs_init(pages);
	return thp_init(machine.max_pfn);
}

static int khugepaged_step_init(const struct machine_config *cfg)
{
	return khugepaged_init(cfg->deterministic);
}

static int kcompactd_init(const struct machine_config *cfg)
{
	return kcompactd_run(&contig_page_data, !cfg->deterministic);
}

static void kcompactd_exit(void)
{
	kcompactd_stop(&contig_page_data);
}

static int ksm_step_init(const struct machine_config *cfg)
{
	return ksm_init(!cfg->deterministic);
}

static int virtio_balloon_init(const struct machine_config *cfg)
{
	return virtio_balloon_probe(!cfg->deterministic);
}

/*
 * struct boot_step - one row of the boot table.
 * @init: builds the step's part of the machine; returns 0 or a negative
 *	errno, having undone its own partial work.
 * @exit: undoes a successful @init, or NULL if there is nothing to undo.
 */
struct boot_step {
	const char *name;
	int (*init)(const struct machine_config *cfg);
	void (*exit)(void);
};

static const struct boot_step boot_steps[] = {
	{ "geometry",		geometry_init,		geometry_exit },
	{ "ram",		ram_init,		ram_exit },
	{ "memmap",		memmap_init,		memmap_exit },
	{ "page_owner",		page_owner_step_init,	page_owner_exit },
	{ "lru",		lru_init,		lru_exit },
	{ "zone",		zone_init,		zone_exit },
	{ "pageset",		pageset_init,		pageset_exit },
	{ "knobs",		knobs_init,		NULL },
	{ "buddy",		buddy_init,		buddy_exit },
	{ "deferred_init",	deferred_init_step_init, deferred_init_stop },
	{ "balloon_core",	balloon_core_step_init,	NULL },
	{ "hugetlb",		hugetlb_step_init,	hugetlb_exit },
	{ "thp",		thp_step_init,		thp_exit },
	{ "khugepaged",		khugepaged_step_init,	khugepaged_shutdown },
	{ "kcompactd",		kcompactd_init,		kcompactd_exit },
	{ "ksm",		ksm_step_init,		ksm_shutdown },
	{ "virtio_balloon",	virtio_balloon_init,	virtio_balloon_remove },
};

/* How many steps the booted machine completed: what machine_exit() unwinds. */
static unsigned int boot_steps_done;
/* Test-only: the step whose init fails with -ENOMEM, or -1. */
static int boot_fail_step = -1;

static void unwind_boot_steps(unsigned int done)
{
	while (done--)
		if (boot_steps[done].exit)
			boot_steps[done].exit();
}

/**
 * machine_init() - boot a machine with geometry @cfg.
 *
 * Context: single-threaded; no machine may exist. May sleep.
 * Return: 0; -EBUSY if a machine exists; -EINVAL for a bad @cfg; -ENOMEM
 * or another errno if a step fails, after unwinding the steps done.
 */
int machine_init(const struct machine_config *cfg)
{
	char msg[160];
	unsigned int i;
	int err;

	if (boot_steps_done)
		return -EBUSY;
	if (machine_validate_config(cfg, msg, sizeof(msg)))
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(boot_steps); i++) {
		err = (int)i == boot_fail_step ? -ENOMEM : boot_steps[i].init(cfg);
		if (err) {
			unwind_boot_steps(i);
			return err;
		}
	}
	boot_steps_done = i;
	return 0;
}

/**
 * machine_exit() - shut the machine down: undo every boot step, last first.
 * Context: single-threaded; every thread using the machine has stopped.
 */
void machine_exit(void)
{
	unwind_boot_steps(boot_steps_done);
	boot_steps_done = 0;
}

/** machine_boot_steps() - the number of rows in the boot table. */
unsigned int machine_boot_steps(void)
{
	return ARRAY_SIZE(boot_steps);
}

/** machine_boot_step_name() - the name of boot step @i, for messages. */
const char *machine_boot_step_name(unsigned int i)
{
	return i < ARRAY_SIZE(boot_steps) ? boot_steps[i].name : NULL;
}

/**
 * machine_boot_fail_at() - test-only hook: make boot step @step fail with
 * -ENOMEM instead of running (-1 turns the hook off).
 * Context: single-threaded, no machine booted.
 */
void machine_boot_fail_at(int step)
{
	boot_fail_step = step;
}
