/* SPDX-License-Identifier: MIT */
/*
 * watermark.c - the zone watermarks and the two sysctls that set them,
 * vm.min_free_kbytes and vm.watermark_scale_factor (kernel:
 * init_per_zone_wmark_min() and __setup_per_zone_wmarks() in
 * mm/page_alloc.c).
 *
 * min_free_kbytes is split among the zones by managed pages to give each
 * its MIN watermark; LOW, HIGH and PROMO each lie a further step above,
 * the step being a quarter of MIN or watermark_scale_factor / 10000 of the
 * zone, whichever is larger. Allocations' fast path stops at LOW, the slow
 * path at MIN (less with reserve flags, see __zone_watermark_ok()).
 *
 * Each machine is a fresh boot: init_per_zone_wmark_min() puts both
 * sysctls back to their boot values, so a value written for an earlier
 * machine in the same process does not leak into the next one. pagelab has
 * no memory hotplug; the zone grows only by deferred struct page init,
 * whose end recomputes min_free_kbytes for the full zone
 * (calculate_min_free_kbytes()) unless a written value is at least as
 * large: the kernel's user_min_free_kbytes rule.
 */
#include <limits.h>
#include "alloc/alloc_internal.h"

#define DEFAULT_WATERMARK_SCALE_FACTOR	10
#define MIN_FREE_KBYTES_FLOOR		128
#define MIN_FREE_KBYTES_CEIL		262144	/* 256 MiB */
#define WATERMARK_SCALE_FACTOR_MAX	3000

int min_free_kbytes = 1024;		/* the kernel's value before boot computes it */
int watermark_scale_factor = DEFAULT_WATERMARK_SCALE_FACTOR;
static int user_min_free_kbytes = -1;	/* last written, -1: none since boot */

/* floor(sqrt(x)), one result bit at a time. */
static unsigned long int_sqrt(unsigned long x)
{
	unsigned long root = 0;

	for (int bit = BITS_PER_LONG / 2 - 1; bit >= 0; bit--) {
		unsigned long trial = root | (1UL << bit);

		if (trial * trial <= x)
			root = trial;
	}
	return root;
}

/* Pages of the zones below highmem: all of pagelab's memory. */
static unsigned long lowmem_managed_pages(void)
{
	unsigned long pages = 0;
	struct zone *zone;

	for_each_populated_zone(zone)
		pages += zone_managed_pages(zone);
	return pages;
}

/* x * n / d without overflowing the product. */
static unsigned long mult_frac(unsigned long x, unsigned long n, unsigned long d)
{
	return x / d * n + x % d * n / d;
}

/**
 * setup_per_zone_wmarks() - recompute every zone's MIN, LOW, HIGH and
 * PROMO watermarks from min_free_kbytes and watermark_scale_factor.
 *
 * Context: takes each zone->lock in turn; the caller holds none.
 */
void setup_per_zone_wmarks(void)
{
	unsigned long pages_min = (unsigned long)READ_ONCE(min_free_kbytes) >> (PAGE_SHIFT - 10);
	unsigned long lowmem_pages = lowmem_managed_pages();
	struct zone *zone;

	for_each_populated_zone(zone) {
		unsigned long managed = zone_managed_pages(zone);
		unsigned long min = pages_min * managed / lowmem_pages;
		unsigned long step = max(min / 4, mult_frac(managed, watermark_scale_factor, 10000));

		spin_lock(&zone->lock);
		WRITE_ONCE(zone->watermark_boost, 0);
		WRITE_ONCE(zone->_watermark[WMARK_MIN], min);
		WRITE_ONCE(zone->_watermark[WMARK_LOW], min + step);
		WRITE_ONCE(zone->_watermark[WMARK_HIGH], min + 2 * step);
		WRITE_ONCE(zone->_watermark[WMARK_PROMO], min + 3 * step);
		spin_unlock(&zone->lock);
	}
}

/**
 * init_per_zone_wmark_min() - set the sysctls to their boot values and
 * compute the watermarks: min_free_kbytes = sqrt(16 * lowmem KiB), clamped
 * to 128 KiB .. 256 MiB, and watermark_scale_factor = 10.
 *
 * Context: machine boot, after the zones' managed pages are set.
 */
void init_per_zone_wmark_min(void)
{
	user_min_free_kbytes = -1;
	watermark_scale_factor = DEFAULT_WATERMARK_SCALE_FACTOR;
	calculate_min_free_kbytes();
}

/**
 * calculate_min_free_kbytes() - set min_free_kbytes for the zones' managed
 * pages now (sqrt(16 * lowmem KiB), clamped), unless vm.min_free_kbytes was
 * written with a value at least as large, and recompute the watermarks.
 * Context: boot, or the end of deferred struct page init; takes each
 * zone->lock in turn.
 */
void calculate_min_free_kbytes(void)
{
	unsigned long lowmem_kbytes = lowmem_managed_pages() * (PAGE_SIZE >> 10);
	unsigned long new_min = int_sqrt(lowmem_kbytes * 16);

	if ((long)new_min > READ_ONCE(user_min_free_kbytes))
		WRITE_ONCE(min_free_kbytes, clamp(new_min, (unsigned long)MIN_FREE_KBYTES_FLOOR,
						  (unsigned long)MIN_FREE_KBYTES_CEIL));
	setup_per_zone_wmarks();
}

/**
 * sysctl_min_free_kbytes_set() - write vm.min_free_kbytes.
 * @value: KiB to keep free, 0..INT_MAX as the kernel accepts.
 *
 * Context: a running machine; takes each zone->lock in turn.
 * Return: 0 with the watermarks recomputed; -EINVAL out of range; -ENODEV
 * if no machine exists (its boot would reset the value anyway).
 */
int sysctl_min_free_kbytes_set(long value)
{
	if (value < 0 || value > INT_MAX)
		return -EINVAL;
	if (!machine_exists())
		return -ENODEV;
	WRITE_ONCE(min_free_kbytes, value);
	WRITE_ONCE(user_min_free_kbytes, value);
	setup_per_zone_wmarks();
	return 0;
}

/**
 * sysctl_watermark_scale_factor_set() - write vm.watermark_scale_factor.
 * @value: the step between watermarks in 1/10000 of the zone, 1..3000 as
 *	the kernel accepts.
 *
 * Context: a running machine; takes each zone->lock in turn.
 * Return: 0 with the watermarks recomputed; -EINVAL out of range; -ENODEV
 * if no machine exists.
 */
int sysctl_watermark_scale_factor_set(long value)
{
	if (value < 1 || value > WATERMARK_SCALE_FACTOR_MAX)
		return -EINVAL;
	if (!machine_exists())
		return -ENODEV;
	watermark_scale_factor = value;
	setup_per_zone_wmarks();
	return 0;
}
