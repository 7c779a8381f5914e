/* SPDX-License-Identifier: MIT */
/*
 * backend_kernel_stats.c - what the kernel backend reports, read from the
 * kernel's own files: /proc/vmstat, /proc/buddyinfo (zones merged over
 * nodes), /proc/meminfo and /proc/zoneinfo (meminfo.X, zoneinfo.ZONE.X and
 * the machine values), /proc/pagetypeinfo (the machine values), the
 * read-only files of /sys/kernel/mm/ksm, /proc/PID/ksm_stat and
 * /sys/devices/system/node/online. Values are raw: the runner makes
 * event counters increments since the run started (the counting rule).
 * Every function reads its file afresh; nothing is cached, and nothing here
 * takes a lock.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "scenario/kernel_internal.h"

#define PROC_TEXT_MAX	32768	/* /proc/vmstat is about 6 KiB, zoneinfo about 20 */
#define ZONEINFO_MAX	(256 << 10)

/**
 * kstat_read() - read a whole (small) file as text.
 * @path: the file.
 * @buf: receives its text, NUL-terminated (cut at @len - 1 bytes).
 * @len: its size, at least 1.
 *
 * Context: any.
 * Return: the bytes read, or a negative errno.
 */
int kstat_read(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	ssize_t got = 1;

	if (fd < 0)
		return -errno;
	while (n + 1 < len && (got = read(fd, buf + n, len - 1 - n)) > 0)
		n += got;
	close(fd);
	buf[n] = '\0';
	return got < 0 ? -errno : (int)n;
}

/* A number, all of @text but trailing blanks. */
static int parse_long(const char *text, long *value)
{
	char *end;

	errno = 0;
	*value = strtol(text, &end, 10);
	if (end == text || errno)
		return -EINVAL;
	while (isspace((unsigned char)*end))
		end++;
	return *end ? -EINVAL : 0;
}

/* ------------------------------------------------------------------ */
/* /proc/vmstat                                                        */

/**
 * kstat_vmstat() - every /proc/vmstat counter, in its order.
 * @c: receives them (raw values).
 * @max: room in @c.
 *
 * Context: any.
 * Return: how many, or a negative errno.
 */
int kstat_vmstat(struct scn_counter *c, unsigned int max)
{
	char *text = malloc(PROC_TEXT_MAX), *line, *save;
	int n = text ? kstat_read("/proc/vmstat", text, PROC_TEXT_MAX) : -ENOMEM;
	unsigned int i = 0;

	if (n < 0) {
		free(text);
		return n;
	}
	for (line = strtok_r(text, "\n", &save); line && i < max;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (!sp || (size_t)(sp - line) >= SCN_COUNTER_NAME || parse_long(sp + 1, &c[i].value))
			continue;
		memcpy(c[i].name, line, sp - line);
		c[i].name[sp - line] = '\0';
		i++;
	}
	free(text);
	return i;
}

/**
 * kstat_vmstat_value() - one /proc/vmstat counter.
 * @name: its name.
 * @value: its raw value.
 *
 * Context: any.
 * Return: 0, -ENOENT if the kernel has no such counter, or a negative errno.
 */
int kstat_vmstat_value(const char *name, long *value)
{
	struct scn_counter *c = malloc(SCN_COUNTERS_MAX * sizeof(*c));
	int n = c ? kstat_vmstat(c, SCN_COUNTERS_MAX) : -ENOMEM, err = -ENOENT;

	for (int i = 0; i < n; i++) {
		if (!strcmp(c[i].name, name)) {
			*value = c[i].value;
			err = 0;
			break;
		}
	}
	free(c);
	return n < 0 ? n : err;
}

/* ------------------------------------------------------------------ */
/* /proc/buddyinfo                                                     */

/* The zone called @name in @zones (@n of them), added if new; NULL if full. */
static struct scn_buddy_zone *zone_slot(struct scn_buddy_zone *zones, int *n, const char *name)
{
	for (int i = 0; i < *n; i++)
		if (!strcmp(zones[i].zone, name))
			return &zones[i];
	if (*n == SCN_ZONES_MAX)
		return NULL;
	memset(&zones[*n], 0, sizeof(zones[*n]));
	snprintf(zones[*n].zone, sizeof(zones[*n].zone), "%s", name);
	return &zones[(*n)++];
}

/**
 * kstat_buddyinfo() - /proc/buddyinfo: free blocks by order, per zone (a
 * zone of several nodes adds them up).
 * @zones: receives at most SCN_ZONES_MAX zones.
 *
 * Context: any; cheap (the runner's sampler calls it every 50 ms).
 * Return: the number of zones (0 if the file cannot be read).
 */
int kstat_buddyinfo(struct scn_buddy_zone *zones)
{
	char text[4096], *line, *save;
	int n = 0;

	if (kstat_read("/proc/buddyinfo", text, sizeof(text)) < 0)
		return 0;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[16], *p = strstr(line, "zone");
		struct scn_buddy_zone *z;
		unsigned int o = 0;
		int used;

		if (!p || sscanf(p, "zone %15s%n", name, &used) != 1)
			continue;
		z = zone_slot(zones, &n, name);
		if (!z)
			break;
		for (p += used; o < SCN_ORDERS_MAX; o++) {
			char *end;
			unsigned long v = strtoul(p, &end, 10);

			if (end == p)
				break;
			z->nr_free[o] += v;
			p = end;
		}
		z->nr_orders = o;
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* /sys/kernel/mm/ksm and /proc/PID/ksm_stat                           */

/* A file of KERNEL_KSM_DIR nobody may write: a counter, not a knob. */
static int ksm_counter_file(const struct dirent *d)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s" KERNEL_KSM_DIR "/%s", kknobs_root(), d->d_name);
	return d->d_name[0] != '.' && !stat(path, &st) && S_ISREG(st.st_mode) &&
	       !(st.st_mode & 0222);
}

/**
 * kstat_ksm() - the KSM counters: every read-only file of
 * /sys/kernel/mm/ksm, by name.
 * @c: receives them (raw values).
 * @max: room in @c.
 *
 * Context: any.
 * Return: how many (0 without KSM).
 */
int kstat_ksm(struct scn_counter *c, unsigned int max)
{
	struct dirent **names;
	char dir[PATH_MAX];
	int n = scandir(kknob_file(dir, sizeof(dir), KERNEL_KSM_DIR), &names, ksm_counter_file,
			alphasort);
	unsigned int k = 0;

	for (int i = 0; i < n; i++) {
		if (k < max && strlen(names[i]->d_name) < SCN_COUNTER_NAME &&
		    !kstat_ksm_value(names[i]->d_name, &c[k].value))
			strcpy(c[k++].name, names[i]->d_name);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return k;
}

/**
 * kstat_ksm_value() - one file of /sys/kernel/mm/ksm (a counter or a
 * numeric knob).
 * @name: the file's name.
 * @value: its value.
 *
 * Context: any.
 * Return: 0, or a negative errno (-EINVAL: not a number).
 */
int kstat_ksm_value(const char *name, long *value)
{
	char path[512], text[64];
	int n;

	snprintf(path, sizeof(path), "%s" KERNEL_KSM_DIR "/%s", kknobs_root(), name);
	n = kstat_read(path, text, sizeof(text));
	return n < 0 ? n : parse_long(text, value);
}

/* One ksm_stat line: "ksm_rmap_items 12" or "ksm_merge_any: yes". */
static int ksm_stat_line(char *line, char **name, long *value)
{
	char *sp = strchr(line, ' '), *v;

	if (!sp)
		return -EINVAL;
	*sp = '\0';
	if (sp > line && sp[-1] == ':')
		sp[-1] = '\0';
	*name = line;
	v = sp + 1;
	if (!strcmp(v, "yes") || !strcmp(v, "no")) {
		*value = !strcmp(v, "yes");
		return 0;
	}
	return parse_long(v, value);
}

/**
 * kstat_ksm_stat() - a process's /proc/PID/ksm_stat, every line as a
 * counter "PREFIX.LINE" (yes is 1, no is 0).
 * @pid: the process.
 * @prefix: the counters' prefix (the scenario's process name); NULL: the
 *	counters are named LINE.
 * @c: receives them.
 * @max: room in @c.
 *
 * Context: any; the process must be the caller's or the caller root.
 * Return: how many, or a negative errno.
 */
int kstat_ksm_stat(pid_t pid, const char *prefix, struct scn_counter *c, unsigned int max)
{
	char path[64], text[1024], *line, *save;
	int n;
	unsigned int k = 0;

	snprintf(path, sizeof(path), "/proc/%d/ksm_stat", (int)pid);
	n = kstat_read(path, text, sizeof(text));
	if (n < 0)
		return n;
	for (line = strtok_r(text, "\n", &save); line && k < max;
	     line = strtok_r(NULL, "\n", &save)) {
		char *name;

		if (ksm_stat_line(line, &name, &c[k].value))
			continue;
		if (snprintf(c[k].name, SCN_COUNTER_NAME, "%s%s%s", prefix ?: "", prefix ? "." : "",
			     name) < SCN_COUNTER_NAME)
			k++;
	}
	return k;
}

/**
 * kstat_ksm_stat_value() - one line of /proc/PID/ksm_stat.
 * @pid: the process.
 * @line: the line's name (ksm_merging_pages, ksm_merge_any, ...).
 * @value: its value (yes is 1, no is 0).
 *
 * Context: any.
 * Return: 0, -ENOENT if the kernel has no such line, or a negative errno.
 */
int kstat_ksm_stat_value(pid_t pid, const char *line, long *value)
{
	struct scn_counter c[16];
	int n = kstat_ksm_stat(pid, NULL, c, 16);

	for (int i = 0; i < n; i++) {
		if (!strcmp(c[i].name, line)) {
			*value = c[i].value;
			return 0;
		}
	}
	return n < 0 ? n : -ENOENT;
}

/* ------------------------------------------------------------------ */
/* The machine                                                         */

/* The number after @key in the text of @path ("MemTotal:", "Page block order:"). */
static int file_number(const char *path, const char *key, size_t max, long *value)
{
	char *text = malloc(max), *p;
	int n = text ? kstat_read(path, text, max) : -ENOMEM;

	if (n >= 0) {
		p = strstr(text, key);
		n = p ? 0 : -ENOENT;
		if (p)
			*value = strtol(p + strlen(key), NULL, 10);
	}
	free(text);
	return n;
}

/* Pages present in every zone, from /proc/zoneinfo's "present" lines. */
static int zone_pages(long *value)
{
	char *text = malloc(ZONEINFO_MAX), *p;
	int n = text ? kstat_read("/proc/zoneinfo", text, ZONEINFO_MAX) : -ENOMEM;

	*value = 0;
	for (p = text; n >= 0 && (p = strstr(p, "\n        present ")); p++)
		*value += strtol(p + strlen("\n        present "), NULL, 10);
	free(text);
	return n < 0 ? n : 0;
}

/* The buddy allocator's highest order: buddyinfo's columns less one. */
static int max_order(long *value)
{
	struct scn_buddy_zone zones[SCN_ZONES_MAX];

	if (!kstat_buddyinfo(zones))
		return -ENOENT;
	*value = zones[0].nr_orders - 1;
	return 0;
}

/* pagetypeinfo's (root only), else the PMD order capped by max_order, as x86's. */
static int pageblock_order(long *value)
{
	long pmd, top;
	int order = 0;

	if (!file_number("/proc/pagetypeinfo", "Page block order:", 256, value))
		return 0;
	if (file_number(KERNEL_THP_DIR "/hpage_pmd_size", "", 64, &pmd) || max_order(&top))
		return -ENOENT;
	while ((sysconf(_SC_PAGESIZE) << (order + 1)) <= pmd)
		order++;
	*value = order < top ? order : top;
	return 0;
}

/**
 * kstat_machine() - a machine.X value of the host: memory_bytes
 * (MemTotal), page_size, max_order, pageblock_order, cpus (online),
 * zone_pages (present pages over every zone).
 * @name: X.
 * @value: its value.
 *
 * Context: any.
 * Return: 0, or -ENOENT for a value the host does not show
 * (struct_page_bytes) or cannot be read.
 */
int kstat_machine(const char *name, long *value)
{
	if (!strcmp(name, "memory_bytes")) {
		int err = file_number("/proc/meminfo", "MemTotal:", 256, value);

		*value *= 1024;
		return err;
	}
	if (!strcmp(name, "page_size") || !strcmp(name, "cpus")) {
		*value = sysconf(!strcmp(name, "cpus") ? _SC_NPROCESSORS_ONLN : _SC_PAGESIZE);
		return 0;
	}
	if (!strcmp(name, "max_order"))
		return max_order(value);
	if (!strcmp(name, "pageblock_order"))
		return pageblock_order(value);
	if (!strcmp(name, "zone_pages"))
		return zone_pages(value);
	return -ENOENT;
}

/**
 * kstat_nodes() - the online NUMA nodes (/sys/devices/system/node/online,
 * "0" or "0-1,3"); node 0 alone without the file.
 * @ids: receives their ids.
 * @max: room in @ids, at least 1.
 *
 * Context: any.
 * Return: how many (at least 1).
 */
int kstat_nodes(int *ids, int max)
{
	char text[256], *p = text;
	int n = 0;

	if (kstat_read("/sys/devices/system/node/online", text, sizeof(text)) > 0) {
		while (*p && *p != '\n') {
			char *end;
			long first = strtol(p, &end, 10), last = first;

			if (end == p)
				break;
			if (*end == '-')
				last = strtol(end + 1, &end, 10);
			for (long id = first; id <= last && n < max; id++)
				ids[n++] = id;
			p = *end == ',' ? end + 1 : end;
		}
	}
	if (!n)
		ids[n++] = 0;
	return n;
}

/* ------------------------------------------------------------------ */
/* /proc/meminfo and /proc/zoneinfo                                    */

/**
 * kstat_meminfo() - every /proc/meminfo line, as meminfo.X names it: the
 * name without its colon, the value as shown (kB, or a count for the
 * HugePages_ lines).
 * @c: receives them.
 * @max: room in @c.
 *
 * Context: any.
 * Return: how many, or a negative errno.
 */
int kstat_meminfo(struct scn_counter *c, unsigned int max)
{
	char *text = malloc(PROC_TEXT_MAX), *line, *save;
	int n = text ? kstat_read("/proc/meminfo", text, PROC_TEXT_MAX) : -ENOMEM;
	unsigned int i = 0;

	for (line = n < 0 ? NULL : strtok_r(text, "\n", &save); line && i < max;
	     line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');

		if (!colon || colon - line >= SCN_COUNTER_NAME)
			continue;
		*colon = '\0';
		snprintf(c[i].name, SCN_COUNTER_NAME, "%s", line);
		c[i].value = strtol(colon + 1, NULL, 10);
		i++;
	}
	free(text);
	return n < 0 ? n : (int)i;
}

/**
 * kstat_meminfo_value() - one /proc/meminfo line's value.
 * Context: any.
 * Return: 0, -ENOENT if the kernel shows no such line, or a negative errno.
 */
int kstat_meminfo_value(const char *name, long *value)
{
	struct scn_counter *c = malloc(SCN_MEMINFO_MAX * sizeof(*c));
	int n = c ? kstat_meminfo(c, SCN_MEMINFO_MAX) : -ENOMEM;
	int err = n < 0 ? n : scn_counter_value(c, n, name, value);

	free(c);
	return err;
}

/* A zoneinfo line of a zone: "KEY VALUE" or "KEY: VALUE" into zoneinfo.ZONE.X. */
static void zoneinfo_line(struct scn_zoneinfo *z, const char *line, int *cpu)
{
	char key[SCN_COUNTER_NAME], word[16];
	long value;

	if (sscanf(line, " pages free %ld", &value) == 1) {
		snprintf(key, sizeof(key), "pages_free");
	} else if (sscanf(line, " cpu: %d", cpu) == 1 || !strncmp(line, "  pagesets", 10)) {
		return;
	} else if (*cpu >= 0 && !strncmp(line, "          ", 10) &&
		   sscanf(line, " %15[a-z_]: %ld", word, &value) == 2) {
		struct scn_pageset *ps = &z->pcp[*cpu];

		if (*cpu >= SCN_CPUS_MAX)
			return;
		if (!strcmp(word, "count"))
			ps->count = value;
		else if (!strcmp(word, "high"))
			ps->high = value;
		else if (!strcmp(word, "batch"))
			ps->batch = value;
		z->ncpus = max(z->ncpus, (unsigned int)*cpu + 1);
		return;
	} else if (sscanf(line, " %47[a-z_]%*[:] %ld", key, &value) != 2 &&
		   sscanf(line, " %47[a-z_] %ld", key, &value) != 2) {
		return;		/* protection: (...), vm stats threshold: N */
	}
	if (z->nv < SCN_ZONEINFO_MAX)
		z->v[z->nv++] = (struct scn_counter){ .value = value };
	snprintf(z->v[z->nv - 1].name, SCN_COUNTER_NAME, "%s", key);
}

static bool zone_populated(const struct scn_zoneinfo *z)
{
	long present;

	return !scn_counter_value(z->v, z->nv, "present", &present) && present > 0;
}

/**
 * kstat_zoneinfo() - node 0's populated zones of /proc/zoneinfo, with the
 * names zoneinfo.ZONE.X uses: "pages_free", each "KEY VALUE" line of the
 * zone (min, low, ..., managed, cma, its nr_* and numa_* counters),
 * "start_pfn" and "node_unreclaimable", and each CPU's pageset; the
 * per-node stats are vmstat's, and left out.
 * @zones: receives at most SCN_ZONES_MAX zones.
 *
 * Context: any.
 * Return: the number of zones, or a negative errno.
 */
int kstat_zoneinfo(struct scn_zoneinfo *zones)
{
	char *text = malloc(ZONEINFO_MAX), *line, *save;
	int n = text ? kstat_read("/proc/zoneinfo", text, ZONEINFO_MAX) : -ENOMEM, nz = 0;
	struct scn_zoneinfo *z = NULL;
	bool node_stats = false;
	int cpu = -1, node;
	char name[16];

	for (line = n < 0 ? NULL : strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "Node %d, zone %15s", &node, name) == 2) {
			nz += z && zone_populated(z);
			z = node || nz == SCN_ZONES_MAX ? NULL : &zones[nz];
			if (z) {
				memset(z, 0, sizeof(*z));
				snprintf(z->zone, sizeof(z->zone), "%s", name);
			}
			node_stats = false;
			cpu = -1;
		} else if (!strncmp(line, "  per-node stats", 16)) {
			node_stats = true;
		} else if (!strncmp(line, "  pages free", 12)) {
			node_stats = false;
		}
		if (z && !node_stats && strncmp(line, "Node ", 5))
			zoneinfo_line(z, line, &cpu);
	}
	nz += z && zone_populated(z);
	free(text);
	return n < 0 ? n : nz;
}
