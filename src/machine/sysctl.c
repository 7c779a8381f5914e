/* SPDX-License-Identifier: MIT */
/*
 * sysctl.c - the machine's /proc/sys/vm: one table of the knobs pagelab
 * has, each with the subsystem's setter (which checks the value as the
 * kernel does) and a reader. The scenario's `sysctl` command and the
 * public API's pagelab_knob_set()/pagelab_knob_get() both come here.
 *
 * sysctl_lock serialises the table's writers with its readers, as the
 * kernel's proc handlers serialise on their knob; the subsystems read
 * their knobs without it (READ_ONCE). An action (vm.compact_memory,
 * vm.drop_caches) runs without it, as concurrent writes of them do in Linux.
 */
#include <pthread.h>
#include <string.h>
#include "compact/compaction.h"
#include "machine/machine.h"
#include "vm/huge_mm.h"
#include "vm/hugetlb.h"

static pthread_mutex_t sysctl_lock = PTHREAD_MUTEX_INITIALIZER;

/* vm.compact_memory: writing 1 compacts all memory; it takes no other value. */
static int compact_memory_set(long value)
{
	return value == 1 ? sysctl_compact_memory() : -EINVAL;
}

/*
 * vm.drop_caches (1..4, write-only as in the kernel): bit 1 drops the page
 * cache (pagelab has none), bit 2 runs every shrinker once (drop_slab():
 * the THP deferred split queue's), 4 only silences the kernel's message.
 */
static int drop_caches_set(long value)
{
	if (value < 1 || value > 4)
		return -EINVAL;
	if (value & 2)
		drop_slab();
	return 0;
}

struct vm_sysctl {
	const char *name;
	int (*set)(long value);
	const int *value;	/* NULL: write-only, as compact_memory (mode 0200) */
};

static const struct vm_sysctl vm_sysctls[] = {
	{ "vm.min_free_kbytes", sysctl_min_free_kbytes_set, &min_free_kbytes },
	{ "vm.watermark_scale_factor", sysctl_watermark_scale_factor_set,
	  &watermark_scale_factor },
	{ "vm.compaction_proactiveness", sysctl_compaction_proactiveness_set,
	  &sysctl_compaction_proactiveness },
	{ "vm.extfrag_threshold", sysctl_extfrag_threshold_set, &sysctl_extfrag_threshold },
	{ "vm.compact_unevictable_allowed", sysctl_compact_unevictable_allowed_set,
	  &sysctl_compact_unevictable_allowed },
	{ "vm.compact_memory", compact_memory_set, NULL },
	{ "vm.nr_hugepages", sysctl_nr_hugepages_set, &sysctl_nr_hugepages },
	{ "vm.nr_overcommit_hugepages", sysctl_nr_overcommit_hugepages_set,
	  &sysctl_nr_overcommit_hugepages },
	{ "vm.drop_caches", drop_caches_set, NULL },
};

static const struct vm_sysctl *sysctl_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(vm_sysctls); i++)
		if (!strcmp(name, vm_sysctls[i].name))
			return &vm_sysctls[i];
	return NULL;
}

/**
 * machine_sysctl_name() - the name of the @i-th knob of /proc/sys/vm.
 * @i: 0, 1, ...
 *
 * Context: any; pure.
 * Return: "vm.NAME", or NULL past the last knob.
 */
const char *machine_sysctl_name(unsigned int i)
{
	return i < ARRAY_SIZE(vm_sysctls) ? vm_sysctls[i].name : NULL;
}

/**
 * machine_sysctl_set() - write a /proc/sys/vm knob, as `sysctl -w` does.
 * @name: "vm.NAME".
 * @value: the value; the knob's setter checks its range.
 *
 * Context: takes sysctl_lock, outside every other lock (a setter takes
 * zone->lock); a write to vm.compact_memory compacts all memory without
 * it and may sleep. Needs a machine.
 * Return: 0, -ENOENT for a knob pagelab does not have, or the setter's
 * error (-EINVAL for a value out of range).
 */
int machine_sysctl_set(const char *name, long value)
{
	const struct vm_sysctl *k = sysctl_find(name);
	int err;

	if (!k)
		return -ENOENT;
	if (!k->value)
		return k->set(value);
	pthread_mutex_lock(&sysctl_lock);
	err = k->set(value);
	pthread_mutex_unlock(&sysctl_lock);
	return err;
}

/**
 * machine_sysctl_get() - read a /proc/sys/vm knob.
 * @name: "vm.NAME".
 * @value: receives its value.
 *
 * Context: takes sysctl_lock.
 * Return: 0, -ENOENT for a knob pagelab does not have, or -EACCES for a
 * write-only one (vm.compact_memory, mode 0200 in the kernel).
 */
int machine_sysctl_get(const char *name, long *value)
{
	const struct vm_sysctl *k = sysctl_find(name);

	if (!k)
		return -ENOENT;
	if (!k->value)
		return -EACCES;
	pthread_mutex_lock(&sysctl_lock);
	*value = READ_ONCE(*k->value);
	pthread_mutex_unlock(&sysctl_lock);
	return 0;
}
