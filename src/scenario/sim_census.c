/* SPDX-License-Identifier: MIT */
/*
 * sim_census.c - the sim backend's meminfo, zoneinfo and frames: the
 * names meminfo.X, zoneinfo.ZONE.X, zoneinfo.ZONE.cpuN.X and frames.STATE
 * checked at parse time, read, and put into every report.
 *
 * The frame census is the invariant checker's frame walk (check_frames()).
 * A walk that runs while background commands or daemons change the
 * machine can see a frame twice or not at all (one that an allocation
 * has taken off a free list and not yet recorded, or a free has forgotten
 * and not yet put on one): such a walk is taken again, a millisecond
 * later, until one sees every frame exactly once. A busy machine has such
 * moments often (each command's allocations come in bursts); if none
 * comes within CENSUS_TIMEOUT_MS, or a census does not add up to the
 * zone's present pages (machine.zone_pages), the run fails: so every
 * scenario checks the census at each of its reports.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "scenario/sim_internal.h"

#define CENSUS_TIMEOUT_MS	10000

/* The values of a zoneinfo zone besides its pagesets (procfs.c names them). */
static bool zoneinfo_value_known(const char *name)
{
	static const char *const fixed[] = { "pages_free", "boost", "min", "low", "high",
					     "promo", "spanned", "present", "managed",
					     "start_pfn" };

	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		if (!strcmp(name, fixed[i]))
			return true;
	for (int item = 0; item < NR_VM_ZONE_STAT_ITEMS; item++)
		if (!strcmp(name, zone_stat_name(item)))
			return true;
	return false;
}

static bool meminfo_name_known(const char *name)
{
	struct meminfo_entry e[MEMINFO_MAX];
	int n = meminfo_snapshot(e, MEMINFO_MAX);

	for (int i = 0; i < n; i++)
		if (!strcmp(e[i].name, name))
			return true;
	return false;
}

static int unknown(char *msg, size_t len, const char *what, const char *name)
{
	snprintf(msg, len, "unknown %s '%s' (not in this build)", what, name);
	return -ENOENT;
}

static int unknown_state(char *msg, size_t len, const char *name)
{
	size_t n = snprintf(msg, len, "unknown frame census state '%s' (expected", name);

	for (int i = 0; i < NR_CENSUS_STATES; i++)
		n += snprintf(msg + min(n, len), len - min(n, len), "%s %s", i ? "," : "",
			      census_state_names[i]);
	snprintf(msg + min(n, len), len - min(n, len), ")");
	return -ENOENT;
}

/**
 * sim_check_proc_name() - can the sim backend read this meminfo.X,
 * zoneinfo.ZONE.X, zoneinfo.ZONE.cpuN.X or frames.STATE?
 * @s: the script (its machine line).
 * @name: the name.
 * @msg: receives the reason of a refusal.
 *
 * Context: parse time; no machine needed (meminfo_snapshot() only reads
 * the names then).
 * Return: 0, or a negative errno with @msg set.
 */
int sim_check_proc_name(const struct scn_script *s, const struct scn_name *name, char *msg,
			size_t len)
{
	switch (name->family) {
	case SCN_NAME_MEMINFO:
		return meminfo_name_known(name->a) ? 0 : unknown(msg, len, "meminfo line", name->a);
	case SCN_NAME_FRAMES:
		return census_state_find(name->a) >= 0 ? 0 : unknown_state(msg, len, name->a);
	default:
		break;
	}
	if (strcmp(name->a, "Normal")) {
		snprintf(msg, len, "unknown zone '%s' (the sim machine has one zone, Normal)",
			 name->a);
		return -ENOENT;
	}
	if (name->c && name->n >= s->machine.cpus) {
		snprintf(msg, len, "'%s': the machine has %u cpus", name->text, s->machine.cpus);
		return -ERANGE;
	}
	return name->c || zoneinfo_value_known(name->b) ? 0
		: unknown(msg, len, "zoneinfo value", name->b);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

/*
 * check_frames(), again while it meets a race, until CENSUS_TIMEOUT_MS
 * have passed; a deterministic run has no race, so one walk decides.
 */
static int census_take(bool deterministic, struct frame_census *census, char *msg, size_t len)
{
	uint64_t deadline = now_ms() + CENSUS_TIMEOUT_MS;
	int err;

	for (;;) {
		err = check_frames(census, msg, len);
		if (err != -EUCLEAN || deterministic || now_ms() >= deadline)
			return err;
		usleep(1000);
	}
}

/* The census as frames.STATE counters, checked to add up to the zone's pages. */
static int census_counters(bool deterministic, struct scn_counter *c, unsigned int *n,
			   char *msg, size_t len)
{
	const struct zone *zone = &contig_page_data.node_zones[ZONE_NORMAL];
	struct frame_census census;
	int err = census_take(deterministic, &census, msg, len);

	if (err)
		return err;
	if (frame_census_total(&census) != zone->present_pages) {
		snprintf(msg, len, "the frame census counts %lu frames but machine.zone_pages is "
			 "%lu", frame_census_total(&census), zone->present_pages);
		return -EUCLEAN;
	}
	BUILD_BUG_ON(NR_CENSUS_STATES > SCN_FRAMES_MAX);
	for (*n = 0; *n < NR_CENSUS_STATES; (*n)++) {
		snprintf(c[*n].name, SCN_COUNTER_NAME, "%s", census_state_names[*n]);
		c[*n].value = census.nr[*n];
	}
	return 0;
}

static void meminfo_counters(struct scn_counter *c, unsigned int *n)
{
	struct meminfo_entry e[MEMINFO_MAX];
	int got = meminfo_snapshot(e, MEMINFO_MAX);

	BUILD_BUG_ON(MEMINFO_MAX > SCN_MEMINFO_MAX);
	for (*n = 0; *n < (unsigned int)got; (*n)++) {
		snprintf(c[*n].name, SCN_COUNTER_NAME, "%s", e[*n].name);
		c[*n].value = e[*n].value;
	}
}

static unsigned int zoneinfo_zones(struct scn_zoneinfo *zones)
{
	struct zoneinfo_row rows[SCN_ZONES_MAX];
	int n = zoneinfo_snapshot(rows, SCN_ZONES_MAX);

	BUILD_BUG_ON(ZONEINFO_VALUES_MAX > SCN_ZONEINFO_MAX);
	BUILD_BUG_ON(VM_EVENT_CPUS_CAP > SCN_CPUS_MAX);
	for (int z = 0; z < n; z++) {
		snprintf(zones[z].zone, sizeof(zones[z].zone), "%s", rows[z].zone);
		zones[z].nv = rows[z].nr_values;
		for (unsigned int i = 0; i < rows[z].nr_values; i++) {
			snprintf(zones[z].v[i].name, SCN_COUNTER_NAME, "%s", rows[z].v[i].name);
			zones[z].v[i].value = rows[z].v[i].value;
		}
		zones[z].ncpus = rows[z].nr_cpus;
		for (unsigned int cpu = 0; cpu < rows[z].nr_cpus; cpu++)
			zones[z].pcp[cpu] = (struct scn_pageset){ rows[z].pcp[cpu].count,
								  rows[z].pcp[cpu].high,
								  rows[z].pcp[cpu].batch };
	}
	return n;
}

/**
 * sim_proc_value() - the value of a meminfo.X, zoneinfo.ZONE.X,
 * zoneinfo.ZONE.cpuN.X or frames.STATE name sim_check_proc_name() took.
 * @deterministic: the run is (a frames.STATE census is then taken once).
 * @name: the name.
 * @value: receives its value.
 *
 * Context: any thread of the run; a census may sleep.
 * Return: 0, or a negative errno (-EUCLEAN: no census could be taken).
 */
int sim_proc_value(bool deterministic, const struct scn_name *name, long *value)
{
	struct scn_snapshot *snap = calloc(1, sizeof(*snap));
	char msg[256];
	int err = -ENOMEM;

	if (!snap)
		return err;
	if (name->family == SCN_NAME_MEMINFO) {
		meminfo_counters(snap->meminfo, &snap->nmeminfo);
		err = scn_counter_value(snap->meminfo, snap->nmeminfo, name->a, value);
	} else if (name->family == SCN_NAME_ZONEINFO) {
		snap->nzoneinfo = zoneinfo_zones(snap->zoneinfo);
		err = scn_zoneinfo_value(snap->zoneinfo, snap->nzoneinfo, name, value);
	} else {
		err = census_counters(deterministic, snap->frames, &snap->nframes, msg, sizeof(msg));
		if (!err)
			err = scn_counter_value(snap->frames, snap->nframes, name->a, value);
	}
	free(snap);
	return err;
}

/**
 * sim_snapshot_proc() - fill a report's meminfo, zoneinfo and frames.
 * @deterministic: the run is.
 * @snap: the report.
 * @msg: receives why the census failed.
 *
 * Context: any thread of the run; the census may sleep.
 * Return: 0, or -EUCLEAN (@msg set: the census could not be taken or does
 * not add up; frames is then left empty), or -ENOMEM.
 */
int sim_snapshot_proc(bool deterministic, struct scn_snapshot *snap, char *msg, size_t len)
{
	meminfo_counters(snap->meminfo, &snap->nmeminfo);
	snap->nzoneinfo = zoneinfo_zones(snap->zoneinfo);
	return census_counters(deterministic, snap->frames, &snap->nframes, msg, len);
}
