/* SPDX-License-Identifier: MIT */
/*
 * expect_name.c - the names `expect` reads: vmstat.X, ksm.X, balloon.X,
 * buddy.ZONE.orderN, buddy.free_blocks_orderN, extfrag.ZONE.orderN,
 * unusable.ZONE.orderN, compaction.X, kalloc.K.X, machine.X, P.R.X,
 * ksm.P.X (a process's /proc/PID/ksm_stat line), meminfo.X (a
 * /proc/meminfo line), zoneinfo.ZONE.X and zoneinfo.ZONE.cpuN.X (a
 * /proc/zoneinfo value, a CPU's pageset count, high or batch) and
 * frames.STATE (the frame census).
 * The parser checks the shape of a name and the symbols it uses
 * (sets, processes, regions, as they stand at its line); whether the
 * backend has the value is its ->check_name's business.
 */
#include <ctype.h>
#include <string.h>
#include "scenario/parser_internal.h"

#define NAME_PARTS 4

static const char families[] = "vmstat.X, ksm.X, balloon.X, buddy.ZONE.orderN, "
	"buddy.free_blocks_orderN, extfrag.ZONE.orderN, unusable.ZONE.orderN, compaction.X, "
	"kalloc.K.X, machine.X, P.R.X, ksm.P.X, meminfo.X, zoneinfo.ZONE.X or frames.STATE";

/* Read-only files of /sys/kernel/mm/ksm; its knobs can be read too. */
static const char *const ksm_counters[] = {
	"full_scans", "general_profit", "ksm_zero_pages", "pages_scanned", "pages_shared",
	"pages_sharing", "pages_skipped", "pages_unshared", "pages_volatile",
	"stable_node_chains", "stable_node_dups", NULL,
};

/* The lines of /proc/PID/ksm_stat (the last two read yes as 1, no as 0). */
static const char *const ksm_stat_values[] = {
	"ksm_rmap_items", "ksm_zero_pages", "ksm_merging_pages", "ksm_process_profit",
	"ksm_merge_any", "ksm_mergeable", NULL,
};

static const char *const balloon_values[] = {
	"target_pages", "actual_pages", "host_released_bytes", NULL,
};

static const char *const machine_values[] = {
	"memory_bytes", "page_size", "struct_page_bytes", "max_order", "pageblock_order",
	"cpus", "zone_pages", NULL,
};

static const char *const compaction_values[] = {
	"fragmentation_score", "max_free_blocks", NULL,
};

static const char *const pageset_values[] = { "count", "high", "batch", NULL };

static const char *const kalloc_values[] = { "ok", "intact", NULL };
static const char *const region_values[] = { "intact", "migrated", "migrate_failed", NULL };

struct parts {
	char *v[NAME_PARTS];
	unsigned int n;
};

/* Cut a copy of @text at its dots; false if a part is empty or too many. */
static bool split_parts(char *copy, struct parts *parts)
{
	char *p = copy;

	parts->n = 0;
	for (;;) {
		char *dot = strchr(p, '.');

		if (parts->n == NAME_PARTS)
			return false;
		parts->v[parts->n++] = p;
		if (!dot)
			break;
		*dot = '\0';
		p = dot + 1;
	}
	for (unsigned int i = 0; i < parts->n; i++)
		if (!*parts->v[i])
			return false;
	return true;
}

static int value_in(struct parser *p, const char *what, const char *value,
		    const char *const *list)
{
	char names[256] = "";
	size_t n = 0;
	unsigned int i;

	if (scn_in_list(value, list))
		return 0;
	for (i = 0; list[i]; i++)
		n += snprintf(names + n, sizeof(names) - min(n, sizeof(names)), "%s%s",
			      i ? ", " : "", list[i]);
	return scn_perr(p, "unknown %s '%s' (expected %s)", what, value, names);
}

/* "orderN" with N in 0..MAX_PAGE_ORDER_CAP. */
static int order_of(struct parser *p, const char *text, const char *prefix,
		    unsigned int *order)
{
	size_t n = strlen(prefix);
	uint64_t v;

	if (strncmp(text, prefix, n) || scn_parse_u64(text + n, &v))
		return -1;
	if (v > MAX_PAGE_ORDER_CAP)
		return scn_perr(p, "order %s is out of range (0..%d)", text + n, MAX_PAGE_ORDER_CAP);
	*order = v;
	return 0;
}

static int buddy_name(struct parser *p, const struct parts *parts, struct scn_name *name,
		      const char *text)
{
	if (parts->n == 2 && !order_of(p, parts->v[1], "free_blocks_order", &name->n)) {
		name->family = SCN_NAME_BUDDY_FREE;
		return 0;
	}
	if (parts->n == 3 && scn_is_name(parts->v[1]) &&
	    !order_of(p, parts->v[2], "order", &name->n)) {
		name->family = SCN_NAME_BUDDY_ZONE;
		name->a = parts->v[1];
		return 0;
	}
	return scn_perr(p, "bad name '%s' (expected buddy.ZONE.orderN or "
			"buddy.free_blocks_orderN)", text);
}

/* extfrag.ZONE.orderN, unusable.ZONE.orderN: the debugfs extfrag files. */
static int frag_name(struct parser *p, const struct parts *parts, struct scn_name *name,
		     const char *text)
{
	const char *family = parts->v[0];

	if (parts->n != 3 || !scn_is_name(parts->v[1]) ||
	    order_of(p, parts->v[2], "order", &name->n))
		return scn_perr(p, "bad name '%s' (expected %s.ZONE.orderN)", text, family);
	name->family = !strcmp(family, "extfrag") ? SCN_NAME_EXTFRAG : SCN_NAME_UNUSABLE;
	name->a = parts->v[1];
	return 0;
}

static int kalloc_name(struct parser *p, const struct parts *parts, struct scn_name *name,
		       const char *text)
{
	int set;

	if (parts->n != 3)
		return scn_perr(p, "bad name '%s' (expected kalloc.K.ok or kalloc.K.intact)", text);
	set = scn_find_set(p, parts->v[1]);
	if (set < 0)
		return scn_perr(p, "unknown kalloc set '%s'", parts->v[1]);
	name->family = SCN_NAME_KALLOC;
	name->a = parts->v[1];
	name->b = parts->v[2];
	name->n = set;
	return value_in(p, "kalloc value", parts->v[2], kalloc_values);
}

static int region_name(struct parser *p, const struct parts *parts, struct scn_name *name,
		       const char *text)
{
	struct proc_sym *proc;

	if (parts->n != 3 || !scn_is_name(parts->v[0]))
		return scn_perr(p, "unknown name '%s' (expected %s)", text, families);
	proc = scn_find_proc(p, parts->v[0]);
	if (!proc)
		return scn_no_proc(p, parts->v[0], text);
	if (!scn_find_region(proc, parts->v[1]))
		return scn_no_region(p, proc, parts->v[1]);
	name->family = SCN_NAME_REGION;
	name->n = proc->id;
	name->a = parts->v[0];
	name->b = parts->v[1];
	name->c = parts->v[2];
	return value_in(p, "region value", parts->v[2], region_values);
}

/* ksm.P.X: process P's /proc/PID/ksm_stat line X; P must be alive at the line. */
static int ksm_proc_name(struct parser *p, const struct parts *parts, struct scn_name *name,
			 const char *text)
{
	struct proc_sym *proc;

	if (!scn_is_name(parts->v[1]))
		return scn_perr(p, "bad name '%s' (expected ksm.X or ksm.P.X)", text);
	proc = scn_find_proc(p, parts->v[1]);
	if (!proc)
		return scn_no_proc(p, parts->v[1], text);
	name->family = SCN_NAME_KSM_PROC;
	name->n = proc->id;
	name->a = parts->v[1];
	name->b = parts->v[2];
	return value_in(p, "ksm_stat line", parts->v[2], ksm_stat_values);
}

/* A /proc/meminfo name: letters, digits, _ and parentheses ("Active(anon)"). */
static bool meminfo_name_ok(const char *text)
{
	for (const char *c = text; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("_()", *c))
			return false;
	return true;
}

/* meminfo.X, frames.STATE: which X and STATE exist is the backend's to say. */
static int proc_name(struct parser *p, const struct parts *parts, struct scn_name *name,
		     const char *text)
{
	bool meminfo = !strcmp(parts->v[0], "meminfo");

	if (parts->n != 2 || (meminfo ? !meminfo_name_ok(parts->v[1]) : !scn_is_name(parts->v[1])))
		return scn_perr(p, "bad name '%s' (expected %s)", text,
				meminfo ? "meminfo.X" : "frames.STATE");
	name->family = meminfo ? SCN_NAME_MEMINFO : SCN_NAME_FRAMES;
	name->a = parts->v[1];
	return 0;
}

/* zoneinfo.ZONE.X, zoneinfo.ZONE.cpuN.count|high|batch */
static int zoneinfo_name(struct parser *p, const struct parts *parts, struct scn_name *name,
			 const char *text)
{
	uint64_t cpu;

	if (parts->n < 3 || !scn_is_name(parts->v[1]) || !scn_is_name(parts->v[parts->n - 1]))
		return scn_perr(p, "bad name '%s' (expected zoneinfo.ZONE.X or "
				"zoneinfo.ZONE.cpuN.X)", text);
	name->family = SCN_NAME_ZONEINFO;
	name->a = parts->v[1];
	name->b = parts->v[parts->n - 1];
	if (parts->n == 3)
		return 0;
	if (strncmp(parts->v[2], "cpu", 3) || scn_parse_u64(parts->v[2] + 3, &cpu) ||
	    cpu >= SCN_CPUS_MAX)
		return scn_perr(p, "bad name '%s' (expected zoneinfo.ZONE.cpuN.X, N below %d)",
				text, SCN_CPUS_MAX);
	name->c = parts->v[2];
	name->n = cpu;
	return value_in(p, "pageset value", name->b, pageset_values);
}

/* vmstat.X, ksm.X, balloon.X, compaction.X, machine.X: a family and one value. */
static int simple_name(struct parser *p, const struct parts *parts, struct scn_name *name,
		       const char *text)
{
	const char *family = parts->v[0], *value = parts->n == 2 ? parts->v[1] : NULL;

	if (!value || !scn_is_name(value))
		return scn_perr(p, "bad name '%s' (expected %s.X)", text, family);
	name->a = value;
	if (!strcmp(family, "vmstat")) {
		name->family = SCN_NAME_VMSTAT;
		return 0;
	}
	if (!strcmp(family, "ksm")) {
		name->family = SCN_NAME_KSM;
		if (scn_in_list(value, scn_ksm_knobs))
			return 0;
		return value_in(p, "KSM counter", value, ksm_counters);
	}
	if (!strcmp(family, "balloon")) {
		name->family = SCN_NAME_BALLOON;
		return value_in(p, "balloon value", value, balloon_values);
	}
	if (!strcmp(family, "compaction")) {
		name->family = SCN_NAME_COMPACTION;
		return value_in(p, "compaction value", value, compaction_values);
	}
	name->family = SCN_NAME_MACHINE;
	return value_in(p, "machine value", value, machine_values);
}

/**
 * scn_parse_expect_name() - read and check the name of an expect.
 * @p: the parser, at the expect's line.
 * @text: the name as written.
 * @name: the parsed name; its strings belong to the script.
 *
 * Context: parse time.
 * Return: 0, or -1 after reporting the line's error.
 */
int scn_parse_expect_name(struct parser *p, const char *text, struct scn_name *name)
{
	static const char *const simple[] = { "vmstat", "ksm", "balloon", "compaction",
					      "machine", NULL };
	static const char *const frag[] = { "extfrag", "unusable", NULL };
	char *copy = scn_strdup(p->s, text);
	struct parts parts;

	memset(name, 0, sizeof(*name));
	name->text = scn_strdup(p->s, text);
	if (!split_parts(copy, &parts))
		return scn_perr(p, "unknown name '%s' (expected %s)", text, families);
	if (!strcmp(parts.v[0], "ksm") && parts.n == 3)
		return ksm_proc_name(p, &parts, name, text);
	if (scn_in_list(parts.v[0], simple))
		return simple_name(p, &parts, name, text);
	if (!strcmp(parts.v[0], "buddy"))
		return buddy_name(p, &parts, name, text);
	if (scn_in_list(parts.v[0], frag))
		return frag_name(p, &parts, name, text);
	if (!strcmp(parts.v[0], "kalloc"))
		return kalloc_name(p, &parts, name, text);
	if (!strcmp(parts.v[0], "meminfo") || !strcmp(parts.v[0], "frames"))
		return proc_name(p, &parts, name, text);
	if (!strcmp(parts.v[0], "zoneinfo"))
		return zoneinfo_name(p, &parts, name, text);
	return region_name(p, &parts, name, text);
}
